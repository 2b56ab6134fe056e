/*
 * hil/calibrate.c - the calibration procedure on a rig (see calibrate.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hil/calibrate.h"

static void
say(const struct pb_hil_cal_hooks *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct pb_hil_cal_hooks *h, const char *fmt, ...)
{
	if (h == NULL || h->progress == NULL)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	h->progress(h->ctx, line);
}

int
pb_hil_calibrate(struct pb_dut *d, const struct pb_cal_config *cfg,
    const struct pb_hil_cal_hooks *hooks, double max_s,
    struct pb_cal_result *out, char *err, size_t errlen)
{
	if (cfg == NULL || cfg->manual_reference || out == NULL) {
		snprintf(err, errlen, "calibrate: the rig reads the reference; "
		    "manual reference is for the dashboard");
		return PB_CALP_E_ARG;
	}
	struct pb_fixture *f = pb_dut_fixture(d);
	uint64_t start = pb_dut_now(d);
	struct pb_cal_proc *p = pb_cal_new(cfg, start);
	if (p == NULL) {
		snprintf(err, errlen, "calibrate: profile %s has no usable "
		    "calibration points or fit order", cfg->profile->id);
		return PB_CALP_E_ARG;
	}
	uint64_t end = start + (uint64_t)(max_s * 1e6);
	uint64_t next_ref = start;
	uint32_t last_sample = 0;
	bool have_sample = false;
	int rc = 0;
	enum pb_cal_stage shown = (enum pb_cal_stage)-1;
	bool aborted = false;

	for (;;) {
		uint64_t now = pb_dut_now(d);
		enum pb_cal_stage st = pb_cal_stage(p);
		if (st != shown) {
			int pt, np;
			double tgt;
			pb_cal_progress(p, &pt, &np, &tgt);
			if (pt >= 0)
				say(hooks, "%-24s point %d/%d at %.0f mmHg",
				    pb_cal_stage_name(st), pt + 1, np, tgt);
			else if (tgt > 0)
				say(hooks, "%-24s at %.0f mmHg",
				    pb_cal_stage_name(st), tgt);
			else
				say(hooks, "%s", pb_cal_stage_name(st));
			if (hooks && hooks->stage)
				hooks->stage(hooks->ctx, d, st);
			shown = st;
		}
		if (!aborted && (pb_fixture_interrupted() || now > end)) {
			pb_cal_abort(p, pb_fixture_interrupted() ?
			    "interrupted by a signal" : "calibration took too "
			    "long", now);
			aborted = true;
			pb_fixture_clear_interrupt();
			/* give the procedure rig time to vent and restore */
			end = now + 30000000u;
		}
		struct pb_cal_action act;
		pb_cal_poll(p, now, &act);
		if (act.kind == PB_CAL_ACT_DONE)
			break;
		if (act.kind == PB_CAL_ACT_PROMPT) {
			pb_cal_abort(p, "the rig cannot answer an operator "
			    "prompt", now);
			continue;
		}
		if (act.kind == PB_CAL_ACT_SEND) {
			struct pb_response resp;
			memset(&resp, 0, sizeof resp);
			int cr = pb_dut_command(d, &act.cmd, &resp);
			int status = cr == PB_DUT_OK || cr == PB_DUT_E_STATUS ?
			    0 : -1;
			pb_cal_cmd_done(p, status, status == 0 ? &resp : NULL,
			    pb_dut_now(d));
			if (cr == PB_DUT_E_INTERRUPTED && !aborted) {
				pb_cal_abort(p, "interrupted by a signal",
				    pb_dut_now(d));
				aborted = true;
				pb_fixture_clear_interrupt();
			}
			continue;
		}
		/* WAIT: move rig time on, feed telemetry and reference */
		if (aborted && now > end) {
			snprintf(err, errlen, "calibrate: the pump did not "
			    "answer while venting after the abort");
			rc = PB_DUT_E_TIMEOUT;
			break;
		}
		int ar = pb_dut_advance(d, now + 5000);
		if (ar != PB_DUT_OK && ar != PB_DUT_E_INTERRUPTED) {
			snprintf(err, errlen, "calibrate: %s",
			    pb_dut_errmsg(d));
			rc = ar;
			break;
		}
		now = pb_dut_now(d);
		double ts;
		const struct pb_telemetry *t = pb_dut_telemetry(d, &ts);
		if (t != NULL && (!have_sample || t->first_sample != last_sample)) {
			pb_cal_on_telemetry(p, t, now);
			last_sample = t->first_sample;
			have_sample = true;
		}
		if (now >= next_ref) {
			for (int ch = 0; ch < cfg->profile->channels &&
			    ch < PB_MAX_CH; ch++) {
				double mmhg;
				if (pb_fixture_read_reference(f, ch, NULL, &mmhg) ==
				    PB_FIX_OK)
					pb_cal_on_reference(p, ch, mmhg, now);
			}
			next_ref = now + PB_HIL_CAL_REF_US;
		}
	}
	*out = *pb_cal_result(p);
	pb_cal_free(p);
	if (rc == 0)
		say(hooks, "verdict %s%s%s", pb_cal_verdict_name(out->verdict),
		    out->reason[0] ? ": " : "", out->reason);
	return rc;
}
