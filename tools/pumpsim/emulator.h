/*
 * tools/pumpsim/emulator.h - the pump emulator core as a library.
 *
 * Promise: deterministic and clock-free.  An emulator is the firmware
 * (controller, alarms, safety, protocol device side, EEPROM) plus the
 * pneumatic, motor, battery and sensor models of one pump profile.  Time
 * only moves when the caller calls pb_emu_advance() with a later time, in
 * fixed model steps; random numbers come from the seed.  Two emulators
 * built with the same profile, seed and inputs produce the same bytes.
 *
 * It is used three ways: `pumpsim` wraps it as a process serving a pty or
 * stdio in real or scaled time; tests drive it in lock-step virtual time;
 * the HIL rig's simulated fixture drives its pins in-process.
 *
 * Pins (the HIL interface, documented in docs/pumpsim.md):
 *   inputs : per channel an injected sensor voltage and an inject-enable
 *            relay (when enabled the firmware's ADC reads the injected
 *            voltage instead of the real sensor); DUT power.
 *   outputs: per channel the true vacuum at the reference transducer;
 *            digital motor, valve (per channel) and alarm lines.
 */
#ifndef PB_PUMPSIM_EMULATOR_H
#define PB_PUMPSIM_EMULATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/defect.h"

struct pb_emu_opts {
	uint64_t seed;
	const char *eeprom_path;  /* NULL: EEPROM in memory only */
	const char *serial;       /* serial number for a fresh EEPROM */
	unsigned defects;         /* enum pb_defect mask */
	bool   sensor_errors;     /* draw unit sensor errors from the profile's
	                             spreads (else an ideal sensor) */
	bool   allow_inject;      /* accept PB_T_INJECT commands */
	const char *factory_key_path; /* station key for factory unlock */
};

struct pb_emu;

/* Create an emulator at time now_us. Returns NULL with a message in err.
 * On success err holds warnings, one per line (e.g. an EEPROM file that
 * was damaged and recovered from), or is empty. */
struct pb_emu *pb_emu_new(const struct pb_profile *p,
    const struct pb_emu_opts *o, uint64_t now_us, char *err, size_t errlen);
void pb_emu_free(struct pb_emu *e);

/* Advance the models and firmware to now_us (monotonic, fixed steps). */
void pb_emu_advance(struct pb_emu *e, uint64_t now_us);

/* Protocol bytes: from the host into the device, and out of the device. */
void   pb_emu_rx(struct pb_emu *e, const uint8_t *bytes, size_t n);
size_t pb_emu_tx(struct pb_emu *e, uint8_t *buf, size_t cap);

/* Faults (the same ids as PB_T_INJECT). */
int  pb_emu_inject(struct pb_emu *e, int fault, int channel, int32_t value);

/* Pins. */
void   pb_emu_set_power(struct pb_emu *e, bool on);
void   pb_emu_set_inject(struct pb_emu *e, int ch, bool enable, double volts);
double pb_emu_true_vacuum_mmhg(const struct pb_emu *e, int ch);
bool   pb_emu_motor_on(const struct pb_emu *e);
bool   pb_emu_valve_open(const struct pb_emu *e, int ch);
bool   pb_emu_alarm_on(const struct pb_emu *e);
/* A power cut inside an EEPROM write (tests, HIL scenarios): the supply
 * fails once the EEPROM has stored `bytes` more bytes, the write stops
 * there and the device goes through a brown-out reset (volatile state
 * lost, the command unanswered, a boot).  bytes < 0 disarms. */
void   pb_emu_eeprom_power_cut(struct pb_emu *e, long bytes);

/* Observation for tests and tools (read-only snapshot). */
struct pb_emu_status {
	uint8_t  run_state, mode, level, phase, channel_mask;
	uint16_t alarms;
	double   target_mmhg;
	double   vacuum_mmhg[PB_MAX_CH];    /* true vacuum */
	double   measured_mmhg[PB_MAX_CH];  /* firmware's calibrated reading */
	double   battery_v;
	double   motor_duty;                /* 0..1 */
	double   session_s;
	uint64_t cycles;
};
void pb_emu_status(const struct pb_emu *e, struct pb_emu_status *s);

/* The factory line (the HIL sim fixture's calibrated units): channel
 * ch's own sensor at a steady vacuum, noise-free, in fractional ADC
 * counts - what a calibration station's long average of that unit
 * converges to (NAN for a channel the pump lacks). */
double pb_emu_unit_counts(const struct pb_emu *e, int ch, double mmhg);
/* Store a whole calibration as WRITE_CAL_ALL does after a factory
 * unlock (the same checks, one EEPROM commit, then the firmware uses
 * it); the unlock itself is the station's business, not this call's.
 * Returns a PB_ST_* status. */
int pb_emu_factory_store_cal(struct pb_emu *e, const struct pb_cal_set *set);

#endif
