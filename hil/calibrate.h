/*
 * hil/calibrate.h - unattended factory calibration on a HIL rig
 * (`pumphil calibrate`).
 *
 * Promise: drives the shared calibration procedure (cal/procedure.h) with
 * the DUT's protocol client (hil/dut.h) and the rig's reference
 * transducer read through the fixture's ADC, in rig time (virtual on the
 * `sim` rig, wall time on `ftdi`).  Returns when the procedure is done;
 * the result says PASS / FAIL / ERROR / ABORTED and why, and carries what
 * the certificate needs.  SIGINT/SIGTERM abort the procedure, which then
 * vents and restores the old calibration before returning.
 */
#ifndef PB_HIL_CALIBRATE_H
#define PB_HIL_CALIBRATE_H

#include <stddef.h>
#include "cal/procedure.h"
#include "hil/dut.h"

#define PB_HIL_CAL_REF_US 20000u   /* reference read every 20 ms */

struct pb_hil_cal_hooks {
	void *ctx;
	/* called once per stage change (tests cut power here) */
	void (*stage)(void *ctx, struct pb_dut *d, enum pb_cal_stage s);
	/* a line of progress for the operator's console */
	void (*progress)(void *ctx, const char *line);
	/* called after every command has its answer (result: a PB_DUT_*
	 * code), before the procedure sees it: the device has done what it
	 * was asked and the station has not acted on it yet (tests kill
	 * the station here) */
	void (*command)(void *ctx, struct pb_dut *d, const struct pb_msg *cmd,
	    int result);
	/* where the result goes (cal/output.h), prepared by the caller
	 * before the run; the PASS is stored here before the pump leaves
	 * factory mode, and a failure restores the old calibration.  NULL:
	 * the run records nothing (tests, the bench). */
	struct pb_cal_outputs *outputs;
};

/* Run the procedure. cfg->manual_reference must be false (the rig reads
 * the reference). max_s bounds the whole run in rig seconds. The result
 * is copied to out. Returns 0 when the procedure ran to its end
 * (whatever the verdict), or a PB_DUT_E_* / PB_CALP_E_* code with a
 * message in err. */
int pb_hil_calibrate(struct pb_dut *d, const struct pb_cal_config *cfg,
    const struct pb_hil_cal_hooks *hooks, double max_s,
    struct pb_cal_result *out, char *err, size_t errlen);

/* sim rig only: how far the pump's own reading is from the truth at one
 * vacuum.  Holds mmhg on every channel (CAL_HOLD), settles 3 s, then
 * averages the pump's telemetry and the true vacuum of the emulated
 * pneumatics over 2 s; *worst gets the largest |reading - true| over the
 * channels.  Returns 0; PB_FIX_E_NOT_SUPPORTED when the rig has no
 * emulator; a PB_DUT_E_* code when the hold or an advance fails; or
 * PB_DUT_E_TIMEOUT when fewer than 50 telemetry batches arrived. */
int pb_hil_cal_error(struct pb_dut *d, int channels, double mmhg,
    double *worst);

/* `pumphil calibrate`: the whole station run. */
struct pb_hil_cal_run_opts {
	const char *rig_spec;      /* sim, ftdi:SERIAL, a rig name or file */
	const char *profile;       /* pump profile id or path (required) */
	const char *key_path;      /* station key file (required) */
	const char *station;       /* station name for records (default host) */
	const char *reference;     /* reference instrument description */
	const char *cert_prefix;   /* writes PREFIX.json .txt .html */
	const char *lock_dir;
	double      lock_timeout_s;
	double      max_s;         /* whole procedure, rig seconds */
	uint64_t    seed;          /* sim: emulator seed */
	bool        ideal_sensor;  /* sim: no unit sensor errors */
	const char *eeprom_path;   /* sim: emulated EEPROM file */
	const char *dut_serial;    /* sim: serial of a fresh EEPROM */
	bool        quiet;
	/* the station (hil/records.h): NULL operator or unit = ask on the
	 * terminal (a barcode scanner types a line and Enter) */
	const char *station_config;  /* --station-config FILE */
	const char *db;            /* records store (NULL: config, then
	                              $PUMPBENCH_DB, then the default) */
	const char *operator_id;   /* --operator */
	const char *unit_serial;   /* --unit: the scanned serial */
	const char *recal_reason;  /* --recal REASON (a unit that passed) */
};

/* Find the rig, lock it (ftdi), open the fixture, power the DUT, prepare
 * the certificate files (before anything is written to the unit: a
 * certificate that cannot be written refuses the run), run the
 * procedure (the PASS certificate is stored before the pump leaves
 * factory mode; if that fails the old calibration is written back), write
 * the final certificate, leave the fixture safe.  The last line printed
 * is the verdict, "pumphil: SERIAL VERDICT[: reason]" on stdout, or
 * "pumphil: ERROR: reason" on stderr when no run took place; it always
 * agrees with the returned exit code: 0 PASS, 1 FAIL, 3 ERROR, 4 ABORTED
 * (hil/runner.h). */
int pb_hil_calibrate_run(const struct pb_hil_cal_run_opts *o);

#endif
