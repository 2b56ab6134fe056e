/*
 * tools/pumpsim/sensor.h - a pressure sensor and the firmware's ADC.
 *
 * Promise: a pure, deterministic model advanced by a fixed step.  The
 * sensor sees the true vacuum P through a first-order lag Pf.  A unit's
 * reading adds its errors:
 *     Pm = offset + drift*t + Pf*(1+gain) + 4*nl*span*x*(1-x) + noise
 * with x = (Pf - Pmin)/span, span = Pmax - Pmin, nl the quadratic
 * non-linearity as a fraction of span and noise Gaussian (RMS noise_mmhg).
 * The output follows the XGZP6847A datasheet's ratiometric transfer
 *     Vout = Vs * (0.1 + 0.8 * (Pm - Pmin)/span)
 * (0.5 V .. 4.5 V at Vs = 5 V) clamped to [0, Vs], so the whole range
 * stays clear of the firmware's open and short bands (the profiles'
 * low_v 0.25 V, high_v 4.75 V; pb_plant_init refuses thresholds inside
 * the range); Pmin may be negative (a compound range).  The ADC is ratiometric to Vs with 2^bits levels:
 *     counts = clamp(round(Vout/Vs * (2^bits - 1)), 0, 2^bits - 1)
 * Faults: open -> open_v, short -> short_v, stuck -> the output frozen at
 * its value when the fault began; offset and drift add to Pm; milk in
 * the port (backflow) puts a liquid plug between the line and the sensor:
 * the port pressure follows the line's vacuum through a first-order lag
 * of plug_ms before the sensor's own lag.  With the
 * inject relay enabled the ADC reads the injected volts instead.
 */
#ifndef PB_PUMPSIM_SENSOR_H
#define PB_PUMPSIM_SENSOR_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/msg.h"
#include "tools/pumpsim/rng.h"

/* The datasheet transfer: Vout/Vs at Pmin and at Pmax. */
#define PB_SENSOR_LO_FRAC 0.1
#define PB_SENSOR_HI_FRAC 0.9

struct pb_sensor_params {
	double supply_v;           /* Vs */
	double min_mmhg, max_mmhg; /* range: Vout 0.1*Vs .. 0.9*Vs */
	int    adc_bits;
	double offset_mmhg;        /* this unit's offset error */
	double gain;               /* this unit's gain error (fraction) */
	double nonlin;             /* this unit's non-linearity (fraction) */
	double noise_mmhg;         /* RMS */
	double lag_ms;             /* first-order lag; 0 = none */
	double open_v, short_v;    /* output when open / shorted */
};

struct pb_sensor {
	struct pb_sensor_params p;
	double pf_mmhg;            /* state: lagged pressure */
	double port_mmhg;          /* state: pressure at the port */
	double v_out;              /* output of the last step (volts) */
	uint16_t counts;           /* ADC reading of the last step */
	/* faults */
	double extra_offset_mmhg;
	double drift_mmhg_min;     /* drift rate, mmHg per minute */
	double drift_mmhg;         /* accumulated drift */
	bool   stuck, open, shorted;
	double plug_ms;            /* backflow: liquid plug lag, 0 = dry */
	double stuck_v;
	bool   inject;             /* inject-enable relay */
	double inject_v;
};

void pb_sensor_init(struct pb_sensor *s, const struct pb_sensor_params *p,
    double vac_mmhg);
/* Advance by dt_s at true vacuum vac; updates v_out and counts. */
void pb_sensor_step(struct pb_sensor *s, double dt_s, double vac_mmhg,
    struct pb_rng *r);
void pb_sensor_set_stuck(struct pb_sensor *s, bool on);
uint16_t pb_sensor_volts_to_counts(const struct pb_sensor_params *p,
    double v);
double   pb_sensor_counts_to_volts(const struct pb_sensor_params *p,
    double counts);
/* This unit's transfer at a steady vacuum, no noise, lag or fault, as
 * fractional ADC counts (what a station's long average converges to). */
double   pb_sensor_unit_counts(const struct pb_sensor_params *p,
    double vac_mmhg);
/* Ideal (datasheet) transfer, pressure -> volts, no unit errors. */
double   pb_sensor_nominal_volts(const struct pb_sensor_params *p,
    double vac_mmhg);
/* Datasheet calibration: the linear pb_cal (order 1) that inverts the
 * ideal transfer, counts -> mmHg.  cal_id 0, station "nominal". */
void     pb_sensor_nominal_cal(const struct pb_sensor_params *p, int ch,
    struct pb_cal *cal);

#endif
