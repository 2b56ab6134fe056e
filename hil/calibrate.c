/*
 * hil/calibrate.c - the calibration procedure on a rig (see calibrate.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cal/certificate.h"
#include "cal/output.h"
#include "hil/calibrate.h"
#include "hil/fixture-sim.h"
#include "base/isotime.h"
#include "hil/lock.h"
#include "hil/records.h"
#include "hil/rig.h"
#include "hil/runner.h"
#include "proto/station.h"
#include "store/calrec.h"

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
		if (act.kind == PB_CAL_ACT_RECORD) {
			char why[1024] = "";
			int rr = hooks && hooks->outputs ?
			    pb_cal_outputs_store(hooks->outputs, pb_cal_result(p),
			    why, sizeof why) : 0;
			pb_cal_record_done(p, rr == 0, why, pb_dut_now(d));
			continue;
		}
		if (act.kind == PB_CAL_ACT_PROMPT) {
			pb_cal_abort(p, "the rig cannot answer an operator "
			    "prompt", now);
			continue;
		}
		if (act.kind == PB_CAL_ACT_SEND) {
			struct pb_response resp;
			memset(&resp, 0, sizeof resp);
			int cr = pb_dut_command(d, &act.cmd, &resp);
			if (hooks && hooks->command)
				hooks->command(hooks->ctx, d, &act.cmd, cr);
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
	return rc;
}

int
pb_hil_cal_error(struct pb_dut *d, int channels, double mmhg, double *worst)
{
	struct pb_sim_status st;
	if (pb_fixture_sim_status(pb_dut_fixture(d), &st) != PB_FIX_OK)
		return PB_FIX_E_NOT_SUPPORTED;
	if (channels < 1 || channels > PB_MAX_CH)
		return PB_DUT_E_ARG;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_CAL_HOLD;
	m.u.hold.channel_mask = (uint8_t)((1u << channels) - 1);
	m.u.hold.target = (int16_t)lround(mmhg * 10);
	struct pb_response r;
	int rc = pb_dut_command(d, &m, &r);
	if (rc == PB_DUT_OK)
		rc = pb_dut_advance(d, pb_dut_now(d) + 3000000);
	if (rc != PB_DUT_OK)
		return rc;
	double dev[PB_MAX_CH] = { 0 }, tru[PB_MAX_CH] = { 0 };
	int n = 0;
	uint32_t last = UINT32_MAX;
	uint64_t end = pb_dut_now(d) + 2000000;
	while (pb_dut_now(d) < end) {
		rc = pb_dut_advance(d, pb_dut_now(d) + 5000);
		if (rc != PB_DUT_OK)
			return rc;
		double ts;
		const struct pb_telemetry *t = pb_dut_telemetry(d, &ts);
		if (t == NULL || t->first_sample == last || t->n == 0)
			continue;
		last = t->first_sample;
		pb_fixture_sim_status(pb_dut_fixture(d), &st);
		for (int ch = 0; ch < channels; ch++) {
			dev[ch] += pb_tel_mean_dmmhg(t, ch) / 10.0;
			tru[ch] += st.vacuum_mmhg[ch];
		}
		n++;
	}
	if (n <= 50)
		return PB_DUT_E_TIMEOUT;
	*worst = 0;
	for (int ch = 0; ch < channels; ch++)
		*worst = fmax(*worst, fabs((dev[ch] - tru[ch]) / n));
	return 0;
}

/* ---- the station run -------------------------------------------------- */

static void
print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("pumphil: %s\n", line);
	fflush(stdout);
}

static bool
cancelled(void)
{
	return pb_fixture_interrupted() != 0;
}

/* Everything after the run's last line goes through here: the exit code
 * and the line that says it agree by construction. */
static int
verdict_line(const char *serial, enum pb_cal_verdict v, const char *reason)
{
	int code;
	switch (v) {
	case PB_CAL_PASS:	code = PB_EXIT_OK; break;
	case PB_CAL_FAIL:	code = PB_EXIT_FAIL; break;
	case PB_CAL_ABORTED:	code = PB_EXIT_ABORTED; break;
	default:		code = PB_EXIT_ERROR; v = PB_CAL_ERROR; break;
	}
	fflush(stderr);
	printf("pumphil: %s%s%s%s%s\n", serial && *serial ? serial : "",
	    serial && *serial ? " " : "", pb_cal_verdict_name(v),
	    reason && *reason ? ": " : "", reason ? reason : "");
	fflush(stdout);
	return code;
}

/* A failure before any run: the last line, on stderr, says ERROR. */
static int
setup_error(const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "pumphil: ERROR: %s\n", msg);
	return PB_EXIT_ERROR;
}

/* The certificate prefix: --cert, or cal-SERIAL-DATE here. */
static void
cert_prefix(const struct pb_hil_cal_run_opts *o, const char *serial,
    int64_t date, char *buf, size_t len)
{
	if (o->cert_prefix) {
		snprintf(buf, len, "%s", o->cert_prefix);
		return;
	}
	char when[32];
	pb_isotime(date * 1000, PB_ISO_BASIC, when, sizeof when);
	/* the pump's serial, made safe: it never picks the directory */
	pb_cert_default_name(serial, serial ? strlen(serial) : 0, when, buf,
	    len);
}

/* One station run's state, handed from step to step. */
struct cal_run {
	const struct pb_hil_cal_run_opts *o;
	char err[1024];
	struct pb_rig rig;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct pb_hil_station st;
	char host[64];
	struct pb_lock lock;
	struct pb_fixture *fix;
	struct pb_dut *dut;
	const struct pb_device_info *info;
	struct pb_cert_files *certs;
	struct pb_calrec *rec;
	struct pb_cal_outputs outs;
	char ref[200], prefix[PB_CERT_PATH_MAX - 16];
	bool ran;
	struct pb_cal_result res;
	char reason[sizeof ((struct pb_cal_result *)0)->reason + 1200];
	char serial[PB_STR_LEN + 1];
};

/* The rig, the profile, the station (config, gauge, operator, unit,
 * records store, key) and, on a real bench, the rig's lock.  0, or the
 * exit status of a setup error with everything taken given back. */
static int
cal_run_setup(struct cal_run *cr)
{
	const struct pb_hil_cal_run_opts *o = cr->o;
	struct pb_hil_station *st = &cr->st;
	char *err = cr->err;
	size_t errlen = sizeof cr->err;

	if (pb_rig_find(&cr->rig, o->rig_spec ? o->rig_spec : "sim", err,
	    errlen) != 0)
		return setup_error(err);
	if (pb_profile_find(&cr->prof, o->profile, err, errlen) != 0)
		return setup_error(err);
	/* the station: config, gauge, operator, unit, records store */
	if (pb_hil_station_begin(st, o, err, errlen) != 0) {
		pb_hil_station_end(st);
		return setup_error(err);
	}
	if (pb_station_load_key(st->key_path, cr->cfg.key, &cr->cfg.key_len,
	    err, errlen) != 0 || pb_hil_station_open(st, o, err,
	    errlen) != 0) {
		memset(cr->cfg.key, 0, sizeof cr->cfg.key);
		pb_hil_station_end(st);
		return setup_error(err);
	}
	if (st->gauge_warning[0])
		fprintf(stderr, "pumphil: warning: %s\n", st->gauge_warning);
	snprintf(cr->host, sizeof cr->host, "station");
	gethostname(cr->host, sizeof cr->host - 1);
	cr->host[sizeof cr->host - 1] = '\0';
	snprintf(cr->cfg.station, sizeof cr->cfg.station, "%s", st->station);
	cr->cfg.profile = &cr->prof;
	cr->cfg.date = (uint32_t)time(NULL);

	cr->lock.fd = -1;
	if (cr->rig.backend == PB_RIG_FTDI) {
		if (pb_lock_acquire(&cr->lock, o->lock_dir, cr->rig.serial,
		    o->lock_timeout_s, cancelled, err, errlen) != PB_LOCK_OK ||
		    pb_hil_station_reserve(st, &cr->rig, o->lock_timeout_s,
		    err, errlen) != 0) {
			memset(cr->cfg.key, 0, sizeof cr->cfg.key);
			pb_lock_release(&cr->lock);
			pb_hil_station_end(st);
			return setup_error(err);
		}
	}
	return 0;
}

/* The fixture, the pump on it answering HELLO, and the unit the station
 * may calibrate.  False with the reason. */
static bool
cal_run_connect(struct cal_run *cr)
{
	const struct pb_hil_cal_run_opts *o = cr->o;
	char *err = cr->err;
	size_t errlen = sizeof cr->err;
	struct pb_fixture_opts fo;
	memset(&fo, 0, sizeof fo);
	fo.profile = &cr->prof;
	fo.seed = o->seed;
	fo.sensor_errors = !o->ideal_sensor;
	fo.eeprom_path = o->eeprom_path;
	fo.dut_serial = o->dut_serial;
	fo.factory_key_path = cr->st.key_path;

	if (pb_fixture_open(&cr->rig, &fo, &cr->fix, err, errlen) !=
	    PB_FIX_OK || pb_dut_new(cr->fix, &cr->dut, err, errlen) !=
	    PB_DUT_OK) {
		snprintf(cr->reason, sizeof cr->reason, "%s", err);
		return false;
	}
	if (pb_fixture_set_power(cr->fix, true) != PB_FIX_OK ||
	    pb_dut_hello_until(cr->dut, 10) != PB_DUT_OK) {
		snprintf(cr->reason, sizeof cr->reason, "the pump did not "
		    "answer HELLO: %s", pb_dut_errmsg(cr->dut));
		return false;
	}
	cr->info = pb_dut_info(cr->dut);
	snprintf(cr->serial, sizeof cr->serial, "%.*s", PB_STR_LEN,
	    cr->info->serial);
	if (pb_hil_station_check_unit(&cr->st, cr->info, err, errlen) != 0) {
		snprintf(cr->reason, sizeof cr->reason, "%s", err);
		return false;
	}
	return true;
}

/* Every output (the record, and the certificate that names it) checked
 * and prepared before the unit is touched.  False with the reason. */
static bool
cal_run_outputs(struct cal_run *cr)
{
	const struct pb_hil_cal_run_opts *o = cr->o;
	const struct pb_hil_station *st = &cr->st;
	snprintf(cr->ref, sizeof cr->ref, "%s", o->reference ? o->reference :
	    st->cfg.gauge_desc[0] ? st->cfg.gauge_desc :
	    "rig reference transducer via MCP3202 ADC");
	struct pb_calrec_meta rm = {
		.serial = st->serial, .station = st->station,
		.operator_id = st->operator_id, .host = cr->host,
		.gauge_id = st->cfg.gauge_id, .gauge_due = st->cfg.gauge_due,
		.reference = cr->ref, .profile = &cr->prof, .recal = st->recal,
		.recal_reason = st->recal_reason,
		.started_ms = (int64_t)time(NULL) * 1000,
	};
	cr->rec = pb_calrec_new(st->store, &rm);
	struct pb_cert_meta meta = { cr->cfg.station, cr->ref,
		st->operator_id, cr->cfg.date,
		cr->rec ? pb_calrec_id(cr->rec) : NULL,
		st->have_cfg ? st->cfg.gauge_id : NULL,
		st->have_cfg ? st->cfg.gauge_due : NULL };
	cert_prefix(o, cr->serial, cr->cfg.date, cr->prefix,
	    sizeof cr->prefix);
	cr->certs = pb_cert_files_new(cr->prefix, &cr->prof, &meta);
	if (cr->rec == NULL || cr->certs == NULL ||
	    pb_cal_outputs_add(&cr->outs, &pb_cert_files_ops, cr->certs) !=
	    0 || pb_cal_outputs_add(&cr->outs, &pb_calrec_ops, cr->rec) != 0) {
		snprintf(cr->reason, sizeof cr->reason, "certificate %s: "
		    "unusable prefix (or out of memory); the unit was not "
		    "touched", cr->prefix);
		return false;
	}
	pb_calrec_set_certs(cr->rec, cr->certs);
	if (pb_cal_outputs_prepare(&cr->outs, cr->err, sizeof cr->err) != 0) {
		snprintf(cr->reason, sizeof cr->reason, "%s; the unit was not "
		    "touched", cr->err);
		return false;
	}
	return true;
}

/* The procedure on the unit, its result in every output, and where it
 * went. */
static void
cal_run_calibrate(struct cal_run *cr)
{
	const struct pb_hil_cal_run_opts *o = cr->o;
	struct pb_cal_result *res = &cr->res;
	char *err = cr->err;
	size_t errlen = sizeof cr->err;
	if (!o->quiet)
		printf("pumphil: calibrating %s (firmware %s, profile %s) on "
		    "rig %s\n", cr->info->serial, cr->info->fw_version,
		    cr->prof.id, cr->rig.name);
	struct pb_hil_cal_hooks hooks = {
		.progress = o->quiet ? NULL : print_line,
		.outputs = &cr->outs,
	};
	if (pb_hil_calibrate(cr->dut, &cr->cfg, &hooks, o->max_s > 0 ?
	    o->max_s : 600, res, err, errlen) != 0) {
		/* the station failed mid-run; what the unit holds is in res */
		bool written = res->was_written[0] && !res->restored;
		snprintf(cr->reason, sizeof cr->reason, "%s%s", err, written ?
		    "; the unit may keep the new calibration, not verified: "
		    "calibrate it again" : "");
		res->verdict = PB_CAL_ERROR;
		snprintf(res->reason, sizeof res->reason, "%.300s",
		    cr->reason);
	} else {
		snprintf(cr->reason, sizeof cr->reason, "%s%s", res->reason,
		    res->restored ? "; the old calibration was written back" :
		    "");
	}
	cr->ran = true;

	/* the final result in every output that does not hold it yet */
	if (pb_cal_outputs_finish(&cr->outs, res, err, errlen) != 0) {
		size_t used = strlen(cr->reason);
		snprintf(cr->reason + used, sizeof cr->reason - used, "%sno "
		    "record of this result either (%s)", used ? "; " : "", err);
		if (res->verdict == PB_CAL_PASS)   /* cannot happen: stored */
			res->verdict = PB_CAL_ERROR;
	}
	if (!o->quiet) {
		const char *paths[PB_CERT_FILES];
		int n = pb_cert_files_paths(cr->certs, paths);
		for (int i = 0; i < n; i++)
			printf("pumphil: certificate %s\n", paths[i]);
		if (pb_calrec_stored(cr->rec))
			printf("pumphil: record %s in %s\n",
			    pb_calrec_id(cr->rec), pb_store_name(cr->st.store));
	}
}

/* However the run went: outputs closed, the fixture to its safe state (a
 * passed unit on a station that did not get there is an ERROR), all
 * given back, the key wiped; then the verdict line and its exit code. */
static int
cal_run_end(struct cal_run *cr)
{
	char *reason = cr->reason;
	size_t len = sizeof cr->reason;
	pb_cal_outputs_close(&cr->outs);
	pb_cert_files_free(cr->certs);
	pb_calrec_free(cr->rec);
	if (cr->fix && pb_fixture_safe(cr->fix) != PB_FIX_OK) {
		size_t used = strlen(reason);
		snprintf(reason + used, len - used, "%sthe fixture did not "
		    "reach its safe state: %s", used ? "; " : "",
		    pb_fixture_errmsg(cr->fix));
		if (cr->ran && cr->res.verdict == PB_CAL_PASS) {
			/* the unit passed; the station did not */
			cr->res.verdict = PB_CAL_ERROR;
			used = strlen(reason);
			snprintf(reason + used, len - used, " (the unit itself "
			    "passed and keeps its new calibration)");
		}
	}
	pb_dut_free(cr->dut);
	pb_fixture_close(cr->fix);
	pb_lock_release(&cr->lock);
	pb_hil_station_end(&cr->st);
	memset(cr->cfg.key, 0, sizeof cr->cfg.key);
	if (!cr->ran && pb_fixture_interrupted()) {
		/* SIGINT/SIGTERM before the run: nothing was touched */
		snprintf(reason, len, "interrupted by a signal before the run; "
		    "the unit was not touched");
		return verdict_line(cr->serial, PB_CAL_ABORTED, reason);
	}
	return verdict_line(cr->serial, cr->ran ? cr->res.verdict :
	    PB_CAL_ERROR, reason);
}

int
pb_hil_calibrate_run(const struct pb_hil_cal_run_opts *o)
{
	struct cal_run cr;
	memset(&cr, 0, sizeof cr);
	cr.o = o;
	int rc = cal_run_setup(&cr);
	if (rc != 0)
		return rc;
	pb_cal_outputs_init(&cr.outs);
	if (cal_run_connect(&cr) && cal_run_outputs(&cr))
		cal_run_calibrate(&cr);
	return cal_run_end(&cr);
}
