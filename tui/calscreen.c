/*
 * tui/calscreen.c - the calibration screen's controller (see calscreen.h).
 */
#include "tui/calscreen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "cal/certificate.h"
#include "proto/client.h"
#include "proto/station.h"
#include "store/calrec.h"
#include "store/workflow.h"

#define STOP_WAIT_US   5000000u   /* y: wait this long for the pump to stop */
#define BUSY_RETRY_US  100000u    /* client rate limit: try again after */
#define BUSY_GIVEUP_US 3000000u
#define STAB_WINDOW_US 1000000u

enum outstanding { OUT_NONE, OUT_PROC, OUT_STORED };

struct pb_calscreen {
	struct pb_calscreen_opts o;
	struct pb_calscreen_io io;
	char station[PB_STR_LEN];
	char key_path[512];
	char key_problem[400];
	bool key_ok;
	uint8_t key[PB_STATION_KEY_MAX];
	size_t key_len;

	enum pb_calview_phase phase;
	struct pb_cal_proc *proc;
	struct pb_profile prof;          /* copy: the run's profile */
	struct pb_cal_result res;        /* copy of the finished result */
	bool have_res;
	uint64_t started_us;
	bool aborting, quit_after;
	enum pb_cal_stage furthest;      /* before VENT, for the step marks */
	bool ask_stop, start_when_idle;
	uint64_t start_deadline;
	int runs;                        /* finished runs (for -N names) */

	/* the command in flight or waiting for the rate limit */
	enum outstanding out;
	struct pb_msg pending;
	bool retry_send;
	uint64_t retry_at, retry_until;

	/* prompt */
	bool prompting;
	int  prompt_ch;
	char prompt[160];
	struct pb_calview_input in;
	bool confirm;
	char confirm_text[PB_CALVIEW_INPUT_MAX + 1];

	/* live */
	bool have_live;
	int  live_channels;
	double reading[PB_MAX_CH];
	unsigned raw[PB_MAX_CH];
	struct pb_calview_stab stab[PB_MAX_CH];
	uint64_t live_us;

	/* outputs: prepared before the run, stored at its RECORD, finished
	 * with the final result (cal/output.h) */
	struct pb_cal_outputs outs;
	struct pb_cert_files *certs;
	struct pb_calrec *rec;           /* the record in the store */

	/* the station's questions before a run (issue 13) */
	enum { ASK_NONE, ASK_OPERATOR, ASK_SERIAL, ASK_RECAL } asking;
	struct pb_calview_text text;
	char asking_q[400];
	char operator_id[PB_WF_OPERATOR_MAX + 1];
	char serial[PB_WF_SERIAL_MAX + 1];   /* scanned, for the next run */
	bool recal;
	char recal_reason[PB_CALVIEW_TEXT_MAX + 1];
	char records_name[300];
	char records_problem[800];
	struct pb_store_cal_line hist[6];
	int  nhist, hist_total;
	char hist_serial[PB_STR_LEN + 1];
	bool hist_stale;                 /* read the history again */
	bool last_cr;                    /* the last key was '\r' */
	char v_gauge[128];

	/* after the run */
	char cert_path[PB_CERT_FILES][PB_CERT_PATH_MAX];
	int  ncerts;
	char cert_err[1400];
	bool stored_pending, have_stored;
	int  stored_ch;
	bool stored_valid[PB_MAX_CH];
	struct pb_cal stored[PB_MAX_CH];

	char msg[480];
	bool msg_bad;
	/* strings of the last view */
	char v_serial[PB_STR_LEN + 1], v_fw[PB_STR_LEN + 1];
	char v_profile[PB_STR_LEN + 1], v_prefix[600];
	char blocker[440];
	bool dirty;
};

static void say(struct pb_calscreen *c, bool bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct pb_calscreen *c, bool bad, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof c->msg, fmt, ap);
	va_end(ap);
	c->msg_bad = bad;
	c->dirty = true;
}

static int64_t wall_now(const struct pb_calscreen *c)
{
	if (c->io.wall)
		return c->io.wall(c->io.ctx);
	return (int64_t)time(NULL);
}

int pb_calscreen_check_key(const char *path, char *err, size_t errlen)
{
	uint8_t key[PB_STATION_KEY_MAX];
	size_t len = 0;
	if (!path) {
		snprintf(err, errlen, "no station key: start pumpbench with "
		    "--key FILE");
		return -1;
	}
	int r = pb_station_load_key(path, key, &len, err, errlen);
	memset(key, 0, sizeof key);
	return r == PB_STATION_OK ? 0 : -1;
}

static void load_key(struct pb_calscreen *c)
{
	c->key_ok = false;
	c->key_len = 0;
	c->key_problem[0] = '\0';
	if (!c->o.key_path) {
		snprintf(c->key_problem, sizeof c->key_problem, "No station key: "
		    "start pumpbench with --key FILE (a file of mode 0600 "
		    "holding the key, e.g. from `openssl rand -hex 32`) to "
		    "calibrate.");
		return;
	}
	char err[300];
	int r = pb_station_load_key(c->o.key_path, c->key, &c->key_len, err,
	    sizeof err);
	if (r != PB_STATION_OK) {
		memset(c->key, 0, sizeof c->key);
		c->key_len = 0;
		snprintf(c->key_problem, sizeof c->key_problem, "Station key "
		    "unusable: %s", err);
		return;
	}
	c->key_ok = true;
}

struct pb_calscreen *pb_calscreen_new(const struct pb_calscreen_opts *o,
    const struct pb_calscreen_io *io)
{
	struct pb_calscreen *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (o)
		c->o = *o;
	if (io)
		c->io = *io;
	snprintf(c->station, sizeof c->station, "%s",
	    c->o.station && *c->o.station ? c->o.station : "bench");
	if (c->o.key_path)
		snprintf(c->key_path, sizeof c->key_path, "%s", c->o.key_path);
	if (c->o.operator_id)
		pb_wf_operator(c->o.operator_id, c->operator_id,
		    sizeof c->operator_id, NULL, 0);
	c->out = OUT_NONE;
	return c;
}

/* ---- the records ---------------------------------------------------------- */

static struct pb_store *store_of(struct pb_calscreen *c)
{
	char err[600] = "";
	struct pb_store *s = c->io.store ? c->io.store(c->io.store_ctx, err,
	    sizeof err) : NULL;
	if (s == NULL) {
		snprintf(c->records_problem, sizeof c->records_problem,
		    "Records store unusable, so no calibration: %s", err[0] ?
		    err : "none given (start pumpbench with --db SPEC)");
		return NULL;
	}
	c->records_problem[0] = '\0';
	snprintf(c->records_name, sizeof c->records_name, "%s",
	    pb_store_name(s));
	return s;
}

/* the unit's calibrations so far, for the screen */
static void load_history(struct pb_calscreen *c, const struct pb_app *app)
{
	c->nhist = c->hist_total = 0;
	c->hist_serial[0] = '\0';
	if (!app->have_info)
		return;
	snprintf(c->hist_serial, sizeof c->hist_serial, "%.*s", PB_STR_LEN,
	    app->info.serial);
	struct pb_store *s = store_of(c);
	if (s == NULL || !c->hist_serial[0])
		return;
	int max = (int)(sizeof c->hist / sizeof c->hist[0]);
	int total = pb_store_unit_history(s, c->hist_serial, c->hist, max);
	if (total < 0) {
		snprintf(c->records_problem, sizeof c->records_problem,
		    "Records: %s", pb_store_error(s));
		return;
	}
	c->hist_total = total;
	c->nhist = total < max ? total : max;
}

void pb_calscreen_free(struct pb_calscreen *c)
{
	if (!c)
		return;
	pb_cal_free(c->proc);
	pb_cal_outputs_close(&c->outs);
	pb_cert_files_free(c->certs);
	pb_calrec_free(c->rec);
	memset(c->key, 0, sizeof c->key);
	free(c);
}

void pb_calscreen_open(struct pb_calscreen *c, uint64_t now_us)
{
	(void)now_us;
	if (!c->proc) {
		load_key(c);
		c->msg[0] = '\0';
		c->ask_stop = false;
		c->asking = ASK_NONE;
		c->hist_stale = true;
	}
	c->dirty = true;
}


bool pb_calscreen_running(const struct pb_calscreen *c)
{
	return c->proc != NULL;
}

bool pb_calscreen_quit_ready(const struct pb_calscreen *c)
{
	return c->quit_after && !c->proc && c->out == OUT_NONE;
}

bool pb_calscreen_take_dirty(struct pb_calscreen *c)
{
	bool d = c->dirty;
	c->dirty = false;
	return d;
}

const struct pb_cal_result *pb_calscreen_result(const struct pb_calscreen *c)
{
	return c->have_res ? &c->res : NULL;
}

int pb_calscreen_certs(const struct pb_calscreen *c, const char **paths)
{
	for (int i = 0; i < c->ncerts; i++)
		paths[i] = c->cert_path[i];
	return c->ncerts;
}

/* ---- starting ----------------------------------------------------------- */

/* Why a run cannot start now ("" when it can). */
static bool can_start(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof)
{
	c->blocker[0] = '\0';
	if (app->replay)
		snprintf(c->blocker, sizeof c->blocker, "Replay: there is no "
		    "pump to calibrate.");
	else if (app->text)
		snprintf(c->blocker, sizeof c->blocker, "Text mode: the device "
		    "prints numbers; calibration needs the protocol.");
	else if (!app->link_up || !app->have_info)
		snprintf(c->blocker, sizeof c->blocker, "No link to the pump.");
	else if (!prof)
		snprintf(c->blocker, sizeof c->blocker, "No pump profile for "
		    "this device: start with --profile P.");
	else if (prof->cal_points < 2)
		snprintf(c->blocker, sizeof c->blocker, "Profile %s has no "
		    "[calibration] points.", prof->id);
	else if (!c->key_ok)
		snprintf(c->blocker, sizeof c->blocker, "%s", c->key_problem);
	return c->blocker[0] == '\0';
}

static void drop_outputs(struct pb_calscreen *c);
static int prepare_outputs(struct pb_calscreen *c,
    const struct pb_device_info *info, uint32_t date, char *why,
    size_t whylen);

static void start_run(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now)
{
	load_key(c);   /* the file may have changed since the screen opened */
	if (!can_start(c, app, prof)) {
		say(c, true, "%s", c->blocker);
		return;
	}
	c->prof = *prof;
	struct pb_cal_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.profile = &c->prof;
	cfg.manual_reference = true;
	memcpy(cfg.key, c->key, c->key_len);
	cfg.key_len = c->key_len;
	cfg.date = (uint32_t)wall_now(c);
	memcpy(cfg.station, c->station, sizeof cfg.station);
	/* the certificates are prepared before the pump is touched: a
	 * run that could not record its result does not start */
	char why[700];
	if (prepare_outputs(c, &app->info, cfg.date, why, sizeof why) != 0) {
		memset(cfg.key, 0, sizeof cfg.key);
		say(c, true, "Cannot calibrate: %s. Nothing was sent to the "
		    "pump.", why);
		return;
	}
	c->proc = pb_cal_new(&cfg, now);
	memset(cfg.key, 0, sizeof cfg.key);
	if (!c->proc) {
		drop_outputs(c);
		say(c, true, "Cannot start: profile %s has an unusable "
		    "[calibration] section.", prof->id);
		return;
	}
	c->runs++;
	c->phase = PB_CVP_RUNNING;
	c->furthest = PB_CAL_S_INFO;
	c->started_us = now;
	c->aborting = c->quit_after = false;
	c->ask_stop = c->start_when_idle = false;
	c->have_res = false;
	c->ncerts = 0;
	c->cert_err[0] = '\0';
	c->have_stored = c->stored_pending = false;
	c->prompting = c->confirm = false;
	pb_calview_input_clear(&c->in);
	for (int ch = 0; ch < PB_MAX_CH; ch++)
		pb_calview_stab_reset(&c->stab[ch]);
	c->msg[0] = '\0';
	c->dirty = true;
}

/* ---- finishing ------------------------------------------------------------ */

static void drop_outputs(struct pb_calscreen *c)
{
	pb_cal_outputs_close(&c->outs);
	pb_cert_files_free(c->certs);
	c->certs = NULL;
	pb_calrec_free(c->rec);
	c->rec = NULL;
	pb_cal_outputs_init(&c->outs);
}

/* The run's certificate files: --cert PREFIX (PREFIX-N from the second
 * run on) or CERT_DIR/cal-SERIAL-DATE, created as temporaries now. */
static int prepare_outputs(struct pb_calscreen *c,
    const struct pb_device_info *info, uint32_t date, char *why,
    size_t whylen)
{
	char prefix[PB_CERT_PATH_MAX - 16];
	if (c->o.cert_prefix) {
		if (c->runs == 0)
			snprintf(prefix, sizeof prefix, "%s", c->o.cert_prefix);
		else
			snprintf(prefix, sizeof prefix, "%s-%d", c->o.cert_prefix,
			    c->runs + 1);
	} else {
		time_t t = (time_t)date;
		struct tm tm;
		localtime_r(&t, &tm);
		char name[80];
		pb_calview_cert_prefix(info->serial, sizeof info->serial, &tm,
		    name, sizeof name);
		snprintf(prefix, sizeof prefix, "%s/%s", c->o.cert_dir ?
		    c->o.cert_dir : ".", name);
	}
	const struct pb_stationcfg *sc = c->o.station_cfg;
	const char *reference = c->o.reference ? c->o.reference :
	    sc && sc->gauge_desc[0] ? sc->gauge_desc :
	    "reference gauge, read by the operator";
	drop_outputs(c);
	struct pb_store *s = store_of(c);
	if (s == NULL) {
		snprintf(why, whylen, "%.690s", c->records_problem);
		return -1;
	}
	char host[64] = "bench";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	struct pb_calrec_meta rm = {
		.serial = c->serial, .station = c->station,
		.operator_id = c->operator_id, .host = host,
		.gauge_id = sc ? sc->gauge_id : "",
		.gauge_due = sc ? sc->gauge_due : "",
		.reference = reference, .profile = &c->prof,
		.recal = c->recal, .recal_reason = c->recal_reason,
		.started_ms = wall_now(c) * 1000,
	};
	c->rec = pb_calrec_new(s, &rm);
	struct pb_cert_meta m = {
		.station = c->station,
		.reference = reference,
		.operator_id = c->operator_id,
		.date_unix = date,
		.record_id = c->rec ? pb_calrec_id(c->rec) : NULL,
		.gauge_id = sc ? sc->gauge_id : NULL,
		.gauge_due = sc ? sc->gauge_due : NULL,
	};
	c->certs = pb_cert_files_new(prefix, &c->prof, &m);
	if (!c->rec || !c->certs || pb_cal_outputs_add(&c->outs,
	    &pb_cert_files_ops, c->certs) != 0 || pb_cal_outputs_add(&c->outs,
	    &pb_calrec_ops, c->rec) != 0) {
		snprintf(why, whylen, "certificate %.500s: unusable name", prefix);
		drop_outputs(c);
		return -1;
	}
	pb_calrec_set_certs(c->rec, c->certs);
	if (pb_cal_outputs_prepare(&c->outs, why, whylen) != 0) {
		drop_outputs(c);
		return -1;
	}
	return 0;
}

/* The run's RECORD: the PASS into every output, before the pump leaves
 * factory mode; a failure makes the procedure restore the old
 * calibration. */
static void record(struct pb_calscreen *c, uint64_t now)
{
	char why[700] = "";
	int r = pb_cal_outputs_store(&c->outs, pb_cal_result(c->proc), why,
	    sizeof why);
	pb_cal_record_done(c->proc, r == 0, why, now);
}

/* The final result in every output that does not hold it yet. */
static void finish_outputs(struct pb_calscreen *c)
{
	char err[1200];
	c->ncerts = 0;
	c->cert_err[0] = '\0';
	if (pb_cal_outputs_finish(&c->outs, &c->res, err, sizeof err) != 0)
		snprintf(c->cert_err, sizeof c->cert_err, "Not written: %s", err);
	if (c->certs) {
		const char *paths[PB_CERT_FILES];
		int n = pb_cert_files_paths(c->certs, paths);
		for (int i = 0; i < n; i++)
			snprintf(c->cert_path[c->ncerts++], sizeof c->cert_path[0],
			    "%s", paths[i]);
	}
	drop_outputs(c);
}

static void send_now(struct pb_calscreen *c, enum outstanding who,
    const struct pb_msg *m, uint64_t now);

/* After a run: READ_CAL per channel, then READ_INFO (so the dashboard's
 * device info - the calibration id in the link panel and in recordings -
 * is current). */
static void stored_next(struct pb_calscreen *c, uint64_t now)
{
	int nch = c->res.channels < PB_MAX_CH ? c->res.channels : PB_MAX_CH;
	if (c->stored_ch > nch) {
		c->stored_pending = false;
		c->have_stored = true;
		c->dirty = true;
		return;
	}
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	if (c->stored_ch < nch) {
		m.type = PB_T_READ_CAL;
		m.u.channel = (uint8_t)c->stored_ch;
	} else {
		m.type = PB_T_READ_INFO;
	}
	send_now(c, OUT_STORED, &m, now);
}

static void finish_run(struct pb_calscreen *c, uint64_t now)
{
	c->res = *pb_cal_result(c->proc);
	c->have_res = true;
	pb_cal_free(c->proc);
	c->proc = NULL;
	c->phase = PB_CVP_FINISHED;
	c->prompting = false;
	c->aborting = false;
	finish_outputs(c);
	/* the next run is of the next unit: scan it again */
	c->hist_stale = true;
	c->serial[0] = '\0';
	c->recal = false;
	c->recal_reason[0] = '\0';
	/* what does the device hold now? */
	memset(c->stored_valid, 0, sizeof c->stored_valid);
	c->have_stored = false;
	if (c->res.info.channels > 0) {
		c->stored_pending = true;
		c->stored_ch = 0;
		stored_next(c, now);
	}
	c->msg[0] = '\0';
	c->dirty = true;
}

/* ---- commands --------------------------------------------------------------- */

static void done_proc(struct pb_calscreen *c, int status,
    const struct pb_response *resp, uint64_t now)
{
	/* a device status (STORAGE for a channel without a record, LOCKED,
	 * ...) is an answer: the procedure reads resp->status itself */
	if (status == PB_CLIENT_E_STATUS && resp)
		status = 0;
	if (c->proc)
		pb_cal_cmd_done(c->proc, status, resp, now);
}

static void done_stored(struct pb_calscreen *c, int status,
    const struct pb_response *resp, uint64_t now)
{
	int ch = c->stored_ch;
	if (ch >= c->res.channels || ch >= PB_MAX_CH) {
		/* the READ_INFO: its answer refreshed the session's info */
		c->stored_ch++;
		stored_next(c, now);
		return;
	}
	if (status == PB_CLIENT_OK && resp && resp->body_kind == PB_BODY_CAL) {
		c->stored[ch] = resp->body.cal;
		c->stored_valid[ch] = true;
	} else if (!(resp && status == PB_CLIENT_E_STATUS)) {
		/* no answer at all: say so instead of "none" */
		c->stored_pending = false;
		say(c, true, "Could not read the stored calibration back: %s",
		    pb_client_strerror(status));
		return;
	}
	c->stored_ch++;
	stored_next(c, now);
}

static void send_now(struct pb_calscreen *c, enum outstanding who,
    const struct pb_msg *m, uint64_t now)
{
	int r = c->io.send ? c->io.send(c->io.ctx, m, now) : PB_CLIENT_E_LINK;
	if (r > 0) {
		c->out = who;
		c->retry_send = false;
		return;
	}
	if (r == PB_CLIENT_E_BUSY) {
		if (!c->retry_send) {
			c->retry_until = now + BUSY_GIVEUP_US;
			c->pending = *m;
		}
		c->out = who;
		c->retry_send = true;
		c->retry_at = now + BUSY_RETRY_US;
		if (now < c->retry_until)
			return;
	}
	c->out = OUT_NONE;
	c->retry_send = false;
	if (who == OUT_PROC)
		done_proc(c, r, NULL, now);
	else
		done_stored(c, r, NULL, now);
}

void pb_calscreen_cmd_done(struct pb_calscreen *c, int status,
    const struct pb_response *resp, uint64_t now)
{
	enum outstanding who = c->out;
	if (who == OUT_NONE || c->retry_send)
		return;   /* not ours, or a late answer */
	c->out = OUT_NONE;
	if (who == OUT_PROC)
		done_proc(c, status, resp, now);
	else
		done_stored(c, status, resp, now);
	c->dirty = true;
}

/* ---- the loop ----------------------------------------------------------------- */

void pb_calscreen_service(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now)
{
	if (!c->proc && app->have_info && (c->hist_stale ||
	    strncmp(c->hist_serial, app->info.serial, PB_STR_LEN) != 0)) {
		c->hist_stale = false;
		load_history(c, app);
		c->dirty = true;
	}
	if (c->start_when_idle && !c->proc) {
		if (!pb_app_running(app) && app->link_up) {
			c->start_when_idle = false;
			start_run(c, app, prof, now);
		} else if (now > c->start_deadline) {
			c->start_when_idle = false;
			say(c, true, "The pump did not stop: calibration not "
			    "started.");
		}
	}
	if (c->proc && !c->aborting && !app->link_up && !app->replay) {
		/* the pump's own heartbeat watchdog vents it; the procedure
		 * restores what it can once the link is back, or gives up */
		pb_calscreen_abort(c, "link to the pump lost", now);
		say(c, true, "Link to the pump lost: calibration aborted.");
	}
	if (c->retry_send && now >= c->retry_at) {
		struct pb_msg m = c->pending;
		send_now(c, c->out, &m, now);
	}
	/* at most a few steps per pass: each SEND waits for its answer */
	for (int guard = 0; c->proc && guard < 16; guard++) {
		if (c->out != OUT_NONE)
			return;
		struct pb_cal_action act;
		pb_cal_poll(c->proc, now, &act);
		enum pb_cal_stage st = pb_cal_stage(c->proc);
		if (st < PB_CAL_S_VENT && st > c->furthest)
			c->furthest = st;
		switch (act.kind) {
		case PB_CAL_ACT_WAIT:
			if (c->prompting) {
				c->prompting = false;
				c->dirty = true;
			}
			return;
		case PB_CAL_ACT_SEND:
			send_now(c, OUT_PROC, &act.cmd, now);
			c->dirty = true;
			continue;
		case PB_CAL_ACT_RECORD:
			record(c, now);
			c->dirty = true;
			continue;
		case PB_CAL_ACT_PROMPT:
			if (!c->prompting || c->prompt_ch != act.channel ||
			    strcmp(c->prompt, act.prompt) != 0) {
				c->prompting = true;
				c->prompt_ch = act.channel;
				snprintf(c->prompt, sizeof c->prompt, "%s",
				    act.prompt);
				pb_calview_input_clear(&c->in);
				c->confirm = false;
				c->dirty = true;
			}
			return;
		case PB_CAL_ACT_DONE:
			finish_run(c, now);
			return;
		}
	}
}

uint64_t pb_calscreen_next_deadline(const struct pb_calscreen *c,
    uint64_t now)
{
	uint64_t d = now + 250000u;
	if (c->proc && c->out == OUT_NONE && !c->prompting)
		d = now + 20000u;     /* settle/average windows close on time */
	if (c->retry_send && c->retry_at < d)
		d = c->retry_at;
	if (c->start_when_idle && now + 50000u < d)
		d = now + 50000u;
	return d < now ? now : d;
}

void pb_calscreen_on_telemetry(struct pb_calscreen *c,
    const struct pb_telemetry *t, uint64_t now)
{
	if (t->n == 0)
		return;
	int nch = t->channels < PB_MAX_CH ? t->channels : PB_MAX_CH;
	c->live_channels = nch;
	for (int ch = 0; ch < nch; ch++) {
		c->reading[ch] = pb_tel_mean_dmmhg(t, ch) / 10.0;
		c->raw[ch] = t->raw[ch];
		pb_calview_stab_push(&c->stab[ch], now, c->reading[ch]);
	}
	c->have_live = true;
	c->live_us = now;
	if (c->proc)
		pb_cal_on_telemetry(c->proc, t, now);
	c->dirty = true;
}

void pb_calscreen_abort(struct pb_calscreen *c, const char *why, uint64_t now)
{
	if (!c->proc || c->aborting)
		return;
	pb_cal_abort(c->proc, why, now);
	c->aborting = true;
	c->prompting = false;
	c->dirty = true;
}

/* ---- the station's questions ------------------------------------------------ */

static void ask(struct pb_calscreen *c, int what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ask(struct pb_calscreen *c, int what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->asking_q, sizeof c->asking_q, fmt, ap);
	va_end(ap);
	c->asking = what;
	memset(&c->text, 0, sizeof c->text);
	c->dirty = true;
}

/* Enter: the checks that need no answer, then the first question */
static void station_start(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now)
{
	(void)now;
	load_key(c);
	if (!can_start(c, app, prof)) {
		say(c, true, "%s", c->blocker);
		return;
	}
	const struct pb_stationcfg *sc = c->o.station_cfg;
	char why[400], warn[200] = "";
	if (sc && pb_wf_gauge(sc->gauge_id, sc->gauge_due, sc->gauge_due_days,
	    pb_wf_days(wall_now(c)), why, sizeof why, warn,
	    sizeof warn) != 0) {
		say(c, true, "Cannot calibrate: %s.", why);
		return;
	}
	if (store_of(c) == NULL) {
		say(c, true, "%s. Nothing was sent to the pump.",
		    c->records_problem);
		return;
	}
	if (warn[0])
		say(c, false, "Note: %s.", warn);
	else
		c->msg[0] = '\0';
	c->serial[0] = '\0';
	c->recal = false;
	c->recal_reason[0] = '\0';
	if (!c->operator_id[0])
		ask(c, ASK_OPERATOR, "Operator ID (type or scan it, then "
		    "Enter):");
	else
		ask(c, ASK_SERIAL, "Scan the serial number of the unit on the "
		    "station (or type it, then Enter):");
}

/* every question answered: stop the pump if it runs, then start */
static void station_go(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now)
{
	c->asking = ASK_NONE;
	if (pb_app_running(app)) {
		c->ask_stop = true;
		return;
	}
	start_run(c, app, prof, now);
}

static void station_answer(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now)
{
	char why[400];
	if (c->asking == ASK_OPERATOR) {
		if (pb_wf_operator(c->text.buf, c->operator_id,
		    sizeof c->operator_id, why, sizeof why) != 0) {
			say(c, true, "%s.", why);
			memset(&c->text, 0, sizeof c->text);
			return;
		}
		ask(c, ASK_SERIAL, "Scan the serial number of the unit on the "
		    "station (or type it, then Enter):");
		return;
	}
	if (c->asking == ASK_SERIAL) {
		if (pb_wf_serial(c->text.buf, c->serial, sizeof c->serial, why,
		    sizeof why) != 0 || pb_wf_serial_match(c->serial,
		    app->info.serial, PB_STR_LEN, why, sizeof why) != 0) {
			c->serial[0] = '\0';
			say(c, true, "%s.", why);
			memset(&c->text, 0, sizeof c->text);
			return;
		}
		struct pb_store *s = store_of(c);
		struct pb_store_cal_line last;
		int passed = s ? pb_store_unit_passed(s, c->serial, &last) : -1;
		if (passed < 0) {
			say(c, true, "%s. Nothing was sent to the pump.", s ?
			    pb_store_error(s) : c->records_problem);
			c->asking = ASK_NONE;
			return;
		}
		if (passed) {
			char when[40];
			pb_isotime(last.finished_ms, PB_ISO_UTC, when,
			    sizeof when);
			ask(c, ASK_RECAL, "Unit %s already passed calibration (%s "
			    "at %s). To calibrate it again, type the reason "
			    "(it is recorded) and Enter; Esc cancels:", c->serial,
			    when, last.station);
			return;
		}
		c->msg[0] = '\0';
		station_go(c, app, prof, now);
		return;
	}
	/* ASK_RECAL */
	if (pb_wf_recal(true, true, c->text.buf, c->serial, "", "", why,
	    sizeof why) != 0) {
		say(c, true, "%s.", why);
		return;
	}
	c->recal = true;
	snprintf(c->recal_reason, sizeof c->recal_reason, "%s", c->text.buf);
	c->msg[0] = '\0';
	station_go(c, app, prof, now);
}

/* ---- keys ----------------------------------------------------------------------- */

static void submit(struct pb_calscreen *c, uint64_t now)
{
	int point = -1, np = 0;
	double target = 0;
	pb_cal_progress(c->proc, &point, &np, &target);
	double v;
	char why[200];
	enum pb_calview_check k = pb_calview_check_reading(c->in.buf, target,
	    &v, why, sizeof why);
	if (k == PB_CVC_BAD) {
		say(c, true, "%s", why);
		return;
	}
	if (k == PB_CVC_CONFIRM && !(c->confirm &&
	    strcmp(c->confirm_text, c->in.buf) == 0)) {
		c->confirm = true;
		snprintf(c->confirm_text, sizeof c->confirm_text, "%s", c->in.buf);
		say(c, true, "%s", why);
		return;
	}
	int r = pb_cal_enter_reference(c->proc, c->prompt_ch, v, now);
	if (r != PB_CALP_OK) {
		say(c, true, "Reading %s refused by the procedure (%s).",
		    c->in.buf, r == PB_CALP_E_ARG ? "out of range" :
		    "not expected now");
		return;
	}
	say(c, false, "%s at %.0f mmHg: reference %.2f mmHg entered.",
	    pb_channel_name(c->prompt_ch), target, v);
	c->prompting = false;
	c->confirm = false;
	pb_calview_input_clear(&c->in);
}

struct pb_calscreen_effect pb_calscreen_key(struct pb_calscreen *c,
    const struct pb_app *app, const struct pb_profile *prof, int key,
    uint64_t now)
{
	struct pb_calscreen_effect e = { .redraw = true };
	c->dirty = true;
	/* a scanner (or a terminal) that ends a line with CR LF: the LF
	 * is the same Enter, not a second one */
	bool lf_of_crlf = key == '\n' && c->last_cr;
	c->last_cr = key == '\r';
	if (lf_of_crlf)
		return e;
	if (c->proc) {
		/* a run: every key stays here */
		if (key == PB_KEY_ESC) {
			if (!c->aborting) {
				pb_calscreen_abort(c, "operator pressed Esc", now);
				say(c, true, "Aborting: venting and keeping the "
				    "old calibration...");
			}
			return e;
		}
		if (key == 'q') {
			c->quit_after = true;
			if (!c->aborting) {
				pb_calscreen_abort(c, "operator quit", now);
				say(c, true, "Aborting before quitting...");
			}
			return e;
		}
		if (c->aborting) {
			say(c, true, "Aborting: wait until the pump is vented.");
			return e;
		}
		if (!c->prompting) {
			if ((key >= '0' && key <= '9') || key == '.' ||
			    key == '\r' || key == '\n')
				say(c, true, "No reading is asked for yet: wait "
				    "until the hold is stable.");
			else
				say(c, true, "Calibrating: dashboard keys are off. "
				    "Esc aborts, q aborts and quits.");
			return e;
		}
		char why[160] = "";
		enum pb_calview_in r = pb_calview_input_key(&c->in, key, why,
		    sizeof why);
		switch (r) {
		case PB_CVI_SUBMIT:
			submit(c, now);
			break;
		case PB_CVI_EDIT:
			if (c->msg_bad)
				c->msg[0] = '\0';
			if (strcmp(c->confirm_text, c->in.buf) != 0)
				c->confirm = false;
			break;
		case PB_CVI_REJECT:
		case PB_CVI_NONE:
			say(c, true, "%s (Esc aborts the calibration)", why);
			break;
		}
		return e;
	}

	/* not running: intro or a finished run */
	if (c->asking != ASK_NONE) {
		if (key == PB_KEY_ESC) {
			c->asking = ASK_NONE;
			c->serial[0] = '\0';
			say(c, false, "Calibration not started.");
			return e;
		}
		switch (pb_calview_text_key(&c->text, key)) {
		case PB_CVI_SUBMIT:
			station_answer(c, app, prof, now);
			break;
		case PB_CVI_EDIT:
			if (c->msg_bad)
				c->msg[0] = '\0';
			break;
		case PB_CVI_REJECT:
			say(c, true, "At most %d characters.",
			    PB_CALVIEW_TEXT_MAX);
			break;
		case PB_CVI_NONE:
			say(c, true, "Type or scan the answer, then Enter; Esc "
			    "cancels.");
			break;
		}
		return e;
	}
	if (c->ask_stop) {
		if (key == 'y' || key == 'Y') {
			c->ask_stop = false;
			c->start_when_idle = true;
			c->start_deadline = now + STOP_WAIT_US;
			e.stop_pump = true;
			say(c, false, "Stopping the pump...");
		} else if (key == 'n' || key == 'N' || key == PB_KEY_ESC) {
			c->ask_stop = false;
			say(c, false, "Calibration not started.");
		}
		return e;
	}
	switch (key) {
	case '\r':
	case '\n':
		if (c->start_when_idle)
			break;
		station_start(c, app, prof, now);
		break;
	case PB_KEY_ESC:
	case 'C':
		c->start_when_idle = false;
		e.close = true;
		break;
	case 'q':
	case '?':
	case PB_KEY_F1:
		e.pass = true;
		break;
	default:
		say(c, false, "Enter starts the calibration; Esc goes back to "
		    "the dashboard.");
		break;
	}
	return e;
}

/* ---- view ------------------------------------------------------------------------ */

void pb_calscreen_view(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now, struct pb_calview_state *v)
{
	char *serial = c->v_serial, *fw = c->v_fw, *pid = c->v_profile,
	    *prefix = c->v_prefix;
	memset(v, 0, sizeof *v);
	v->phase = c->phase;
	const struct pb_device_info *info = app->have_info ? &app->info : NULL;
	if (c->have_res && c->res.info.serial[0])
		info = &c->res.info;
	snprintf(serial, sizeof c->v_serial, "%.*s", PB_STR_LEN,
	    info ? info->serial : "");
	snprintf(fw, sizeof c->v_fw, "%.*s", PB_STR_LEN,
	    info ? info->fw_version : "");
	snprintf(pid, sizeof c->v_profile, "%.*s", PB_STR_LEN,
	    info ? info->profile : "");
	v->serial = serial;
	v->firmware = fw;
	v->profile_id = pid;
	v->device_cal_id = app->have_info ? app->info.cal_id : 0;
	v->station = c->station;
	v->key_path = c->o.key_path;
	v->key_problem = c->key_problem[0] ? c->key_problem : NULL;
	if (c->o.cert_prefix)
		snprintf(prefix, sizeof c->v_prefix, "%s%s", c->o.cert_prefix,
		    c->runs ? "-N" : "");
	else
		snprintf(prefix, sizeof c->v_prefix, "%s/cal-%s-<yyyymmddThhmmss>",
		    c->o.cert_dir ? c->o.cert_dir : ".",
		    serial[0] ? serial : "<serial>");
	v->cert_prefix = prefix;
	/* the station */
	v->operator_id = c->operator_id;
	const struct pb_stationcfg *sc = c->o.station_cfg;
	if (sc) {
		snprintf(c->v_gauge, sizeof c->v_gauge, "%s, due %s",
		    sc->gauge_id, sc->gauge_due);
		v->gauge = c->v_gauge;
	}
	v->records = c->records_name[0] ? c->records_name : NULL;
	v->records_problem = c->records_problem[0] ? c->records_problem :
	    NULL;
	if (c->asking != ASK_NONE) {
		v->asking = c->asking_q;
		v->asking_text = c->text.buf;
	}
	v->hist = c->hist;
	v->nhist = c->nhist;
	v->hist_total = c->hist_total;
	v->hist_serial = c->hist_serial;
	v->ask_stop = c->ask_stop;
	v->blocker = NULL;
	v->prof = c->proc || c->have_res ? &c->prof : prof;

	if (c->proc) {
		v->stage = pb_cal_stage(c->proc);
		pb_cal_progress(c->proc, &v->point, &v->npoints, &v->target_mmhg);
		v->res = pb_cal_result(c->proc);
		v->verifying = v->stage == PB_CAL_S_VERIFY_HOLD ||
		    v->stage == PB_CAL_S_VERIFY_SETTLE ||
		    v->stage == PB_CAL_S_VERIFY_AVERAGE ||
		    (v->stage == PB_CAL_S_PROMPT && v->point < 0);
		if (v->verifying) {
			/* which verify point: the first without a result */
			v->vpoint = 0;
			while (v->vpoint + 1 < PB_CAL_VERIFY_POINTS &&
			    v->res->verify[v->vpoint].target_mmhg > 0)
				v->vpoint++;
		}
		v->elapsed_s = now > c->started_us ?
		    (double)(now - c->started_us) / 1e6 : 0;
	} else if (c->have_res) {
		v->stage = PB_CAL_S_DONE;
		v->point = -1;
		v->npoints = c->res.npoints;
		v->res = &c->res;
		v->elapsed_s = (double)(c->res.finished_us - c->res.started_us) /
		    1e6;
	}
	v->furthest = c->furthest;
	v->aborting = c->aborting;
	v->quit_after = c->quit_after;

	v->channels = c->live_channels;
	v->have_live = c->have_live && now - c->live_us < 2000000u;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		v->reading[ch] = c->reading[ch];
		v->raw[ch] = c->raw[ch];
		v->span[ch] = pb_calview_stab_span(&c->stab[ch], now,
		    STAB_WINDOW_US);
	}
	v->stable_mmhg = v->prof && v->prof->cal_stable_mmhg > 0 ?
	    v->prof->cal_stable_mmhg : 1.0;

	v->prompting = c->prompting;
	v->prompt = c->prompt;
	v->input = c->in.buf;
	v->confirm = c->confirm;
	v->message = c->msg;
	v->message_bad = c->msg_bad;

	v->ncerts = c->ncerts;
	for (int i = 0; i < c->ncerts; i++)
		v->cert_path[i] = c->cert_path[i];
	v->cert_error = c->cert_err;
	v->have_stored = c->have_stored;
	v->stored_pending = c->stored_pending;
	memcpy(v->stored_valid, c->stored_valid, sizeof v->stored_valid);
	memcpy(v->stored, c->stored, sizeof v->stored);
}
