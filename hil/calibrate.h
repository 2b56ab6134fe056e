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
};

/* Run the procedure. cfg->manual_reference must be false (the rig reads
 * the reference). max_s bounds the whole run in rig seconds. The result
 * is copied to out. Returns 0 when the procedure ran to its end
 * (whatever the verdict), or a PB_DUT_E_* / PB_CALP_E_* code with a
 * message in err. */
int pb_hil_calibrate(struct pb_dut *d, const struct pb_cal_config *cfg,
    const struct pb_hil_cal_hooks *hooks, double max_s,
    struct pb_cal_result *out, char *err, size_t errlen);

#endif
