/*
 * tools/pumpsim/plant.h - the physical pump: everything that is not
 * firmware.
 *
 * Promise: pure and deterministic.  A plant is one motor, one supply
 * (battery or mains), and per channel the pneumatics, a release valve and a
 * pressure sensor with its ADC, all built from one pump profile and a
 * seed.  pb_plant_step() advances the whole plant by exactly
 * PB_PLANT_DT_US with the actuator inputs held over the step (zero-order
 * hold, explicit Euler); the seeded generator lives in the struct, so the
 * same profile, seed and inputs give the same numbers.  No clock, no I/O,
 * no allocation.
 *
 * Order within a step: supply voltage from the previous current; motor
 * speed and current; flow per connected channel; pneumatics; sensors and
 * ADC (so the ADC counts read after a step describe the vacuum at the end
 * of the step, seen through the sensor lag).
 *
 * Variation (the profile's optional [pneumatics] spreads, drawn from a
 * second generator seeded from the same seed, so sensor noise keeps its
 * sequence): per channel the shield, tube and bottle volume, the valve,
 * the seal leak and the tissue's mean compliance differ; the tissue compliance is
 * drawn anew each time a channel's valve closes on a vented shield (a
 * new cycle).
 *
 * Power: with power off the motor gets no voltage and the release valves
 * (normally open solenoids) are open, whatever the inputs say.
 */
#ifndef PB_PUMPSIM_PLANT_H
#define PB_PUMPSIM_PLANT_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/battery.h"
#include "tools/pumpsim/motor.h"
#include "tools/pumpsim/pneumatics.h"
#include "tools/pumpsim/rng.h"
#include "tools/pumpsim/sensor.h"

#ifndef PB_PLANT_DT_US
#define PB_PLANT_DT_US  100u     /* fixed model step: 100 us (10 kHz) */
#endif
/* Backflow: milk at a sensor port lags the port by this much per mL (a
 * plug in a narrow port, pushed back and forth through it). */
#define PB_PLANT_PLUG_MS_PER_ML 60.0

/* Actuator inputs, held for one step. */
struct pb_plant_inputs {
	double motor_duty;               /* 0..1 PWM */
	bool   valve_open[PB_MAX_CH];    /* release valve command (true = vent) */
	bool   connect[PB_MAX_CH];       /* pump path open to this channel */
	bool   power;                    /* DUT power */
};

struct pb_plant {
	int      channels;
	uint64_t t_us;                   /* plant time: steps * DT */
	struct pb_rng     rng;
	struct pb_motor   motor;
	struct pb_battery batt;
	struct pb_pneu    pneu[PB_MAX_CH];
	struct pb_sensor  sensor[PB_MAX_CH];
	struct pb_rng     vrng;          /* variation: channels, cycles */
	double tissue_mean[PB_MAX_CH];   /* tissue compliance, mL/mmHg */
	double tissue_sd;                /* cycle-to-cycle, relative */
	bool   powered;                  /* power input of the last step */
	bool   valve_open[PB_MAX_CH];    /* effective valve state (last step) */
	double motor_duty;               /* effective duty (last step) */
};

enum pb_plant_err {
	PB_PLANT_OK = 0,
	PB_PLANT_E_PROFILE = -1,   /* profile values unusable */
	PB_PLANT_E_FAULT = -2,     /* unknown fault id */
	PB_PLANT_E_CHANNEL = -3,   /* channel out of range */
	PB_PLANT_E_VALUE = -4,     /* fault value out of range */
	PB_PLANT_E_SENSOR = -5     /* the sensor's output range reaches the
	                              firmware's open/short bands */
};

/* Build the plant for a profile at rest (atmosphere, motor stopped).
 * sensor_errors: draw each sensor's offset, gain and non-linearity from
 * the profile's unit-to-unit spreads (else an ideal unit; noise and lag
 * are always on).  t0_us sets the plant clock. */
int  pb_plant_init(struct pb_plant *pl, const struct pb_profile *p,
    uint64_t seed, bool sensor_errors, uint64_t t0_us);
/* Advance one PB_PLANT_DT_US step. */
void pb_plant_step(struct pb_plant *pl, const struct pb_plant_inputs *in);

/* Outputs. */
uint16_t pb_plant_adc(const struct pb_plant *pl, int ch);   /* counts */
double   pb_plant_sensor_volts(const struct pb_plant *pl, int ch);
double   pb_plant_vacuum_mmhg(const struct pb_plant *pl, int ch); /* true */
double   pb_plant_motor_ma(const struct pb_plant *pl);
double   pb_plant_supply_v(const struct pb_plant *pl);

/* Faults, ids and value units of enum pb_fault (proto/msg.h).  ch applies
 * to per-channel faults (leak, valve, sensor, container, occlusion) and is
 * ignored for motor and battery faults; PB_FLT_CLEAR_ALL clears every
 * fault (injection relays stay as they are).  Returns PB_PLANT_OK or an
 * error. */
int  pb_plant_fault(struct pb_plant *pl, int fault, int ch, int32_t value);
/* Injection relay of a channel: when enabled the ADC reads volts. */
int  pb_plant_set_inject(struct pb_plant *pl, int ch, bool enable,
    double volts);
const char *pb_plant_strerror(int err);

/* A channel's drawn variation (for tests and the docs' numbers):
 * dead volume mL, valve time constant ms, base leak mL/min, mean tissue
 * compliance mL/mmHg. */
struct pb_plant_chan_var {
	double volume_ml, valve_ms, leak_ml_min, tissue_ml_mmhg;
};
void pb_plant_chan_var(const struct pb_plant *pl, int ch,
    struct pb_plant_chan_var *out);

/* Parameter blocks derived from a profile (exposed for tests). */
void pb_plant_sensor_params(const struct pb_profile *p,
    struct pb_sensor_params *sp);

#endif
