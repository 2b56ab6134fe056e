/*
 * cal/procedure.c - the calibration procedure state machine (see
 * procedure.h).  One command is outstanding at a time; every stage is a
 * small function of (stage, sub-step, accumulated data, now).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/procedure.h"
#include "proto/station.h"

#define WIN_CAP 256            /* stability window entries per channel */
#define WIN_US  1000000u       /* stability judged over the last second */
#define MIN_RAW_SAMPLES 5

struct win_entry { uint64_t t; double v; };

struct pb_cal_proc {
	struct pb_cal_config cfg;
	const struct pb_profile *prof;
	enum pb_cal_stage stage;
	bool     waiting;          /* a SEND is outstanding */
	struct pb_msg pending;     /* the command asked for */
	int      sub;              /* channel index within a per-channel stage */
	int      point;            /* calibration point index */
	int      vpoint;           /* verify point index */
	uint64_t stage_us;         /* when the current stage began */
	bool     verify_window;    /* the averaging window closed is a verify one */
	uint8_t  nonce[PB_NONCE_LEN];
	int      channels;
	double   max_target;       /* mmHg: min(device, profile) */
	double   points[PB_CAL_MAX_POINTS];
	int      npoints;
	bool     need_restore;
	bool     per_channel;      /* old firmware without WRITE_CAL_ALL, one
	                              channel: WRITE_CAL is atomic by itself */
	bool     abort_requested;
	bool     failed;           /* verdict decided: finishing (restore/vent) */
	bool     vent_sent;

	/* stability windows (device's calibrated reading) */
	struct win_entry win[PB_MAX_CH][WIN_CAP];
	unsigned win_head[PB_MAX_CH], win_n[PB_MAX_CH];

	/* averaging accumulators */
	double   sum_raw[PB_MAX_CH], sumsq_raw[PB_MAX_CH];
	int      n_raw[PB_MAX_CH];
	double   sum_ref[PB_MAX_CH];
	int      n_ref[PB_MAX_CH];
	double   sum_dev[PB_MAX_CH];
	int      n_dev[PB_MAX_CH];
	double   manual_ref[PB_MAX_CH];

	struct pb_cal_result res;
};

static const char *const stage_names[] = {
	[PB_CAL_S_INFO] = "read device info",
	[PB_CAL_S_READ_OLD] = "read stored calibration",
	[PB_CAL_S_HOLD] = "hold point",
	[PB_CAL_S_SETTLE] = "settle",
	[PB_CAL_S_AVERAGE] = "average",
	[PB_CAL_S_PROMPT] = "reference reading",
	[PB_CAL_S_FIT] = "fit",
	[PB_CAL_S_UNLOCK] = "factory unlock",
	[PB_CAL_S_WRITE] = "write calibration",
	[PB_CAL_S_READBACK] = "read back",
	[PB_CAL_S_VERIFY_HOLD] = "verify: hold",
	[PB_CAL_S_VERIFY_SETTLE] = "verify: settle",
	[PB_CAL_S_VERIFY_AVERAGE] = "verify: average",
	[PB_CAL_S_RECORD] = "record (certificate)",
	[PB_CAL_S_VENT] = "vent",
	[PB_CAL_S_RESTORE] = "restore old calibration",
	[PB_CAL_S_DONE] = "done",
};

const char *
pb_cal_stage_name(enum pb_cal_stage s)
{
	if ((unsigned)s < sizeof stage_names / sizeof stage_names[0] &&
	    stage_names[s])
		return stage_names[s];
	return "?";
}

const char *
pb_cal_verdict_name(enum pb_cal_verdict v)
{
	switch (v) {
	case PB_CAL_PENDING:	return "PENDING";
	case PB_CAL_PASS:	return "PASS";
	case PB_CAL_FAIL:	return "FAIL";
	case PB_CAL_ERROR:	return "ERROR";
	case PB_CAL_ABORTED:	return "ABORTED";
	}
	return "?";
}


/* Seconds since a stage began; never negative if a caller's clocks
 * disagree slightly. */
static double
since_s(uint64_t now, uint64_t then)
{
	return now > then ? (double)(now - then) / 1e6 : 0.0;
}

static void
enter(struct pb_cal_proc *p, enum pb_cal_stage s, uint64_t now)
{
	p->stage = s;
	p->stage_us = now;
	p->sub = 0;
}

static void
reset_window(struct pb_cal_proc *p)
{
	memset(p->win_head, 0, sizeof p->win_head);
	memset(p->win_n, 0, sizeof p->win_n);
}

static void
reset_average(struct pb_cal_proc *p)
{
	memset(p->sum_raw, 0, sizeof p->sum_raw);
	memset(p->sumsq_raw, 0, sizeof p->sumsq_raw);
	memset(p->n_raw, 0, sizeof p->n_raw);
	memset(p->sum_ref, 0, sizeof p->sum_ref);
	memset(p->n_ref, 0, sizeof p->n_ref);
	memset(p->sum_dev, 0, sizeof p->sum_dev);
	memset(p->n_dev, 0, sizeof p->n_dev);
}

/* Append to the result's reason (restore problems after the verdict). */
static void note(struct pb_cal_proc *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct pb_cal_proc *p, const char *fmt, ...)
{
	size_t used = strlen(p->res.reason);
	if (used + 1 >= sizeof p->res.reason)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->res.reason + used, sizeof p->res.reason - used, fmt, ap);
	va_end(ap);
}

/* Decide the verdict (first decision wins) and head for the exit:
 * restore written channels, then vent. */
static void
finish(struct pb_cal_proc *p, enum pb_cal_verdict v, uint64_t now,
    const char *fmt, ...)
{
	/* the PASS of the record stage holds only once it is recorded */
	if (p->stage == PB_CAL_S_RECORD && p->res.verdict == PB_CAL_PASS)
		p->res.verdict = PB_CAL_PENDING;
	if (!p->failed && p->res.verdict == PB_CAL_PENDING) {
		p->res.verdict = v;
		if (fmt) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(p->res.reason, sizeof p->res.reason, fmt, ap);
			va_end(ap);
		}
	}
	p->failed = true;
	if (p->need_restore && p->stage != PB_CAL_S_RESTORE &&
	    p->stage != PB_CAL_S_VENT)
		enter(p, PB_CAL_S_RESTORE, now);
	else if (p->stage != PB_CAL_S_VENT && p->stage != PB_CAL_S_DONE)
		enter(p, PB_CAL_S_VENT, now);
}

struct pb_cal_proc *
pb_cal_new(const struct pb_cal_config *cfg, uint64_t now_us)
{
	if (cfg == NULL || cfg->profile == NULL)
		return NULL;
	const struct pb_profile *prof = cfg->profile;
	if (prof->cal_points < 2 || prof->cal_points > PB_CAL_MAX_POINTS ||
	    (prof->cal_order != 1 && prof->cal_order != 2))
		return NULL;
	struct pb_cal_proc *p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->cfg = *cfg;
	p->prof = prof;
	if (p->cfg.average_s <= 0)
		p->cfg.average_s = 2.0;
	if (p->cfg.settle_timeout_s <= 0)
		p->cfg.settle_timeout_s = 30.0;
	p->npoints = prof->cal_points;
	double top = 0;
	for (int i = 0; i < p->npoints; i++) {
		p->points[i] = prof->cal_point_mmhg[i];
		if (p->points[i] > top)
			top = p->points[i];
	}
	for (int v = 0; v < PB_CAL_VERIFY_POINTS; v++)
		if (p->cfg.verify_mmhg[v] <= 0)
			p->cfg.verify_mmhg[v] = round(top * (v + 1) / 3.0 / 10.0) * 10.0;
	p->channels = prof->channels;
	p->max_target = prof->max_target_mmhg;
	p->res.npoints = p->npoints;
	p->res.channels = p->channels;
	p->res.started_us = now_us;
	for (int i = 0; i < p->npoints; i++)
		p->res.point[i].target_mmhg = p->points[i];
	enter(p, PB_CAL_S_INFO, now_us);
	return p;
}

void
pb_cal_free(struct pb_cal_proc *p)
{
	free(p);
}

static uint8_t
all_mask(const struct pb_cal_proc *p)
{
	return (uint8_t)((1u << p->channels) - 1);
}

/* Prepare a command to send (once per stage step). */
static void
want(struct pb_cal_proc *p, struct pb_cal_action *act)
{
	act->kind = PB_CAL_ACT_SEND;
	act->cmd = p->pending;
	p->waiting = true;
}

static void
set_cmd(struct pb_cal_proc *p, uint8_t type)
{
	memset(&p->pending, 0, sizeof p->pending);
	p->pending.type = type;
}

static bool
hold_cmd(struct pb_cal_proc *p, double mmhg, uint64_t now)
{
	if (mmhg > p->max_target + 1e-9) {
		finish(p, PB_CAL_ERROR, now, "hold at %.0f mmHg refused: above "
		    "the limit of %.0f mmHg", mmhg, p->max_target);
		return false;
	}
	set_cmd(p, PB_T_CAL_HOLD);
	p->pending.u.hold.channel_mask = all_mask(p);
	p->pending.u.hold.target = (int16_t)lround(mmhg * 10.0);
	return true;
}

/* Stable when the device's reading drifts by less than limit mmHg per
 * second: the means of the older and the newer half of the last second
 * (centres 0.5 s apart) differ by at most limit / 2.  Comparing means
 * rather than extremes keeps sensor noise from holding the procedure up,
 * while a leak shows as drift; a regulator still hunting shows as spread,
 * so the whole second must also stay within 4 * limit.  False until the
 * window spans nine tenths of the second. */
static bool
window_stable(const struct pb_cal_proc *p, uint64_t now, double limit)
{
	for (int ch = 0; ch < p->channels; ch++) {
		unsigned n = p->win_n[ch];
		if (n < 4)
			return false;
		double sum[2] = { 0, 0 }, lo = INFINITY, hi = -INFINITY;
		int cnt[2] = { 0, 0 };
		uint64_t oldest = now;
		for (unsigned i = 0; i < n; i++) {
			const struct win_entry *e = &p->win[ch][(p->win_head[ch] +
			    WIN_CAP - 1 - i) % WIN_CAP];
			if (now > e->t && now - e->t > WIN_US)
				break;
			oldest = e->t;
			int half = now > e->t && now - e->t > WIN_US / 2;
			sum[half] += e->v;
			cnt[half]++;
			lo = fmin(lo, e->v);
			hi = fmax(hi, e->v);
		}
		if (now < oldest + WIN_US * 9 / 10 || cnt[0] == 0 || cnt[1] == 0)
			return false;
		if (fabs(sum[0] / cnt[0] - sum[1] / cnt[1]) > limit / 2 ||
		    hi - lo > 4 * limit)
			return false;
	}
	return true;
}

static double
acceptance_limit(const struct pb_cal_proc *p, double ref)
{
	return pb_cal_limit(p->prof->cal_accept_abs_mmhg,
	    p->prof->cal_accept_rel, ref);
}

static void
do_fit(struct pb_cal_proc *p, uint64_t now)
{
	bool all_ok = true;
	for (int ch = 0; ch < p->channels; ch++) {
		double x[PB_CAL_MAX_POINTS], y[PB_CAL_MAX_POINTS];
		for (int i = 0; i < p->npoints; i++) {
			x[i] = p->res.point[i].raw[ch];
			y[i] = p->res.point[i].reference[ch];
		}
		int rc = pb_cal_fit(x, y, p->npoints, p->prof->cal_order,
		    &p->res.fit[ch]);
		if (rc != PB_FIT_OK) {
			finish(p, PB_CAL_FAIL, now, "%s: %s", pb_channel_name(ch),
			    pb_fit_strerror(rc));
			return;
		}
		p->res.accepted[ch] = pb_cal_accept(&p->res.fit[ch], y,
		    p->prof->cal_accept_abs_mmhg, p->prof->cal_accept_rel,
		    p->res.point_fail[ch]);
		if (!p->res.accepted[ch] && all_ok) {
			all_ok = false;
			finish(p, PB_CAL_FAIL, now, "%s: residual %.2f mmHg "
			    "outside acceptance", pb_channel_name(ch),
			    p->res.fit[ch].max_abs_residual);
		}
	}
	if (all_ok)
		enter(p, PB_CAL_S_UNLOCK, now);
}

static void
make_record(struct pb_cal_proc *p, int ch, struct pb_cal *c)
{
	uint32_t id = 0;
	for (int i = 0; i < p->channels; i++)
		if (p->res.old[i].cal_id > id)
			id = p->res.old[i].cal_id;
	if (p->res.info.cal_id > id)
		id = p->res.info.cal_id;
	memset(c, 0, sizeof *c);
	c->channel = (uint8_t)ch;
	c->order = (uint8_t)p->prof->cal_order;
	for (int k = 0; k < 3; k++)
		c->c[k] = (float)p->res.fit[ch].c[k];
	c->cal_id = id + 1;
	c->date = p->cfg.date;
	memcpy(c->station, p->cfg.station, sizeof c->station);
	c->station[PB_STR_LEN - 1] = '\0';
}

static bool
cal_equal(const struct pb_cal *a, const struct pb_cal *b)
{
	return a->channel == b->channel && a->order == b->order &&
	    memcmp(a->c, b->c, sizeof a->c) == 0 && a->cal_id == b->cal_id;
}

/* End of an averaging window: store the point (or verify result). */
static void
close_average(struct pb_cal_proc *p, uint64_t now, bool verify)
{
	for (int ch = 0; ch < p->channels; ch++) {
		if (p->n_raw[ch] < MIN_RAW_SAMPLES) {
			finish(p, PB_CAL_ERROR, now, "%s: no telemetry "
			    "while averaging", pb_channel_name(ch));
			return;
		}
		if (!p->cfg.manual_reference && p->n_ref[ch] == 0) {
			finish(p, PB_CAL_ERROR, now, "%s: no reference "
			    "readings while averaging", pb_channel_name(ch));
			return;
		}
	}
	if (p->cfg.manual_reference) {
		enter(p, PB_CAL_S_PROMPT, now);
		p->sub = 0;
		p->verify_window = verify;
		return;
	}
	for (int ch = 0; ch < p->channels; ch++)
		p->manual_ref[ch] = p->sum_ref[ch] / p->n_ref[ch];
	p->verify_window = verify;
}

/* Store averaged values once references are known; advance. */
static void
store_point(struct pb_cal_proc *p, uint64_t now)
{
	bool verify = p->verify_window;
	p->verify_window = false;
	if (!verify) {
		struct pb_cal_point *pt = &p->res.point[p->point];
		for (int ch = 0; ch < p->channels; ch++) {
			double n = p->n_raw[ch];
			double mean = p->sum_raw[ch] / n;
			pt->raw[ch] = mean;
			pt->raw_sd[ch] = sqrt(fmax(0, p->sumsq_raw[ch] / n -
			    mean * mean));
			pt->samples[ch] = p->n_raw[ch];
			pt->reference[ch] = p->manual_ref[ch];
			pt->device[ch] = p->n_dev[ch] ? p->sum_dev[ch] /
			    p->n_dev[ch] : NAN;
		}
		if (++p->point < p->npoints)
			enter(p, PB_CAL_S_HOLD, now);
		else {
			enter(p, PB_CAL_S_FIT, now);
			do_fit(p, now);
		}
		return;
	}
	struct pb_cal_verify *v = &p->res.verify[p->vpoint];
	v->target_mmhg = p->cfg.verify_mmhg[p->vpoint];
	bool ok = true;
	for (int ch = 0; ch < p->channels; ch++) {
		v->reference[ch] = p->manual_ref[ch];
		v->device[ch] = p->sum_dev[ch] / p->n_dev[ch];
		v->error[ch] = v->device[ch] - v->reference[ch];
		v->pass[ch] = fabs(v->error[ch]) <=
		    acceptance_limit(p, v->reference[ch]);
		if (!v->pass[ch] && ok) {
			ok = false;
			finish(p, PB_CAL_FAIL, now, "verification at %.0f mmHg: "
			    "%s reads %.2f mmHg, reference %.2f mmHg",
			    v->target_mmhg, pb_channel_name(ch), v->device[ch],
			    v->reference[ch]);
		}
	}
	if (!ok)
		return;
	if (++p->vpoint < PB_CAL_VERIFY_POINTS)
		enter(p, PB_CAL_S_VERIFY_HOLD, now);
	else {
		/* a PASS, once it is recorded: the outputs see it as such */
		p->res.verdict = PB_CAL_PASS;
		p->res.finished_us = now;
		enter(p, PB_CAL_S_RECORD, now);
	}
}

/* pb_cal_poll's stages that take more than a line or two. */

/* Settling at a point: on to averaging once the vacuum has held still
 * for the dwell, an ERROR when it has not within the settle timeout. */
static void
poll_settle(struct pb_cal_proc *p, uint64_t now, struct pb_cal_action *act)
{
	double elapsed = since_s(now, p->stage_us);
	double limit = p->prof->cal_stable_mmhg > 0 ?
	    p->prof->cal_stable_mmhg : 1.0;
	if (elapsed >= p->prof->cal_dwell_s &&
	    window_stable(p, now, limit)) {
		enter(p, p->stage == PB_CAL_S_SETTLE ? PB_CAL_S_AVERAGE :
		    PB_CAL_S_VERIFY_AVERAGE, now);
		reset_average(p);
	} else if (elapsed > p->cfg.settle_timeout_s) {
		double t = p->stage == PB_CAL_S_SETTLE ?
		    p->points[p->point] : p->cfg.verify_mmhg[p->vpoint];
		finish(p, PB_CAL_ERROR, now, "vacuum did not stabilise "
		    "within %.0f s at %.0f mmHg (leak?)",
		    p->cfg.settle_timeout_s, t);
		pb_cal_poll(p, now, act);
	}
}

/* Factory access: ask for a challenge, then answer it with the station's
 * key (an ERROR when it cannot be computed). */
static void
poll_unlock(struct pb_cal_proc *p, uint64_t now, struct pb_cal_action *act)
{
	if (p->sub == 0) {
		set_cmd(p, PB_T_FACTORY_CHALLENGE);
	} else {
		set_cmd(p, PB_T_FACTORY_UNLOCK);
		if (pb_station_answer(p->cfg.key, p->cfg.key_len, p->nonce,
		    p->pending.u.mac) != PB_STATION_OK) {
			finish(p, PB_CAL_ERROR, now, "cannot compute the "
			    "factory answer");
			pb_cal_poll(p, now, act);
			return;
		}
	}
	want(p, act);
}

/* The new calibration to the pump. */
static void
poll_write(struct pb_cal_proc *p, struct pb_cal_action *act)
{
	/* every channel in one message, stored by the pump in one
	 * commit: it holds the old or the new calibration, never a
	 * mix (docs/protocol.md 5.11) */
	if (p->per_channel) {
		set_cmd(p, PB_T_WRITE_CAL);
		make_record(p, 0, &p->pending.u.cal);
		p->res.written[0] = p->pending.u.cal;
	} else {
		set_cmd(p, PB_T_WRITE_CAL_ALL);
		p->pending.u.cal_set.mask = all_mask(p);
		for (int ch = 0; ch < p->channels; ch++) {
			make_record(p, ch, &p->pending.u.cal_set.cal[ch]);
			p->res.written[ch] = p->pending.u.cal_set.cal[ch];
		}
	}
	want(p, act);
}

/* The old calibration back to the pump, when the new one is not kept. */
static void
poll_restore(struct pb_cal_proc *p, uint64_t now, struct pb_cal_action *act)
{
	/* the old calibration as a whole, in one message: a channel
	 * that had none is left with none */
	if (p->sub == 0 && p->per_channel && p->res.old[0].order == 0) {
		note(p, "; the unit had no calibration before, and its "
		    "firmware (no WRITE_CAL_ALL) cannot remove the new one");
		p->sub = 1;
	}
	if (p->sub > 0) {
		p->need_restore = false;
		enter(p, PB_CAL_S_VENT, now);
		pb_cal_poll(p, now, act);
		return;
	}
	if (p->per_channel) {
		set_cmd(p, PB_T_WRITE_CAL);
		p->pending.u.cal = p->res.old[0];
		p->pending.u.cal.channel = 0;
	} else {
		set_cmd(p, PB_T_WRITE_CAL_ALL);
		for (int ch = 0; ch < p->channels; ch++) {
			if (p->res.old[ch].order == 0)
				continue;
			p->pending.u.cal_set.mask |= (uint8_t)(1u << ch);
			p->pending.u.cal_set.cal[ch] = p->res.old[ch];
			p->pending.u.cal_set.cal[ch].channel = (uint8_t)ch;
		}
	}
	want(p, act);
}

void
pb_cal_poll(struct pb_cal_proc *p, uint64_t now, struct pb_cal_action *act)
{
	memset(act, 0, sizeof *act);
	act->kind = PB_CAL_ACT_WAIT;
	if (p->waiting)
		return;
	if (p->abort_requested && !p->failed)
		finish(p, PB_CAL_ABORTED, now, "aborted");

	switch (p->stage) {
	case PB_CAL_S_INFO:
		set_cmd(p, PB_T_READ_INFO);
		want(p, act);
		return;
	case PB_CAL_S_READ_OLD:
		set_cmd(p, PB_T_READ_CAL);
		p->pending.u.channel = (uint8_t)p->sub;
		want(p, act);
		return;
	case PB_CAL_S_HOLD:
	case PB_CAL_S_VERIFY_HOLD: {
		double target = p->stage == PB_CAL_S_HOLD ?
		    p->points[p->point] : p->cfg.verify_mmhg[p->vpoint];
		if (!hold_cmd(p, target, now)) {
			pb_cal_poll(p, now, act);
			return;
		}
		want(p, act);
		return;
	}
	case PB_CAL_S_SETTLE:
	case PB_CAL_S_VERIFY_SETTLE:
		poll_settle(p, now, act);
		return;
	case PB_CAL_S_AVERAGE:
	case PB_CAL_S_VERIFY_AVERAGE:
		if (since_s(now, p->stage_us) >= p->cfg.average_s) {
			bool verify = p->stage == PB_CAL_S_VERIFY_AVERAGE;
			close_average(p, now, verify);
			if (p->failed) {
				pb_cal_poll(p, now, act);
				return;
			}
			if (p->stage != PB_CAL_S_PROMPT)
				store_point(p, now);
			pb_cal_poll(p, now, act);
		}
		return;
	case PB_CAL_S_PROMPT: {
		double target = p->verify_window ? p->cfg.verify_mmhg[p->vpoint] :
		    p->points[p->point];
		act->kind = PB_CAL_ACT_PROMPT;
		act->channel = p->sub;
		snprintf(act->prompt, sizeof act->prompt, "%s %d of %d, holding "
		    "%.0f mmHg: type the reference gauge reading for "
		    "%s (mmHg)", p->verify_window ? "Verify point" : "Point",
		    (p->verify_window ? p->vpoint : p->point) + 1,
		    p->verify_window ? PB_CAL_VERIFY_POINTS : p->npoints, target,
		    pb_channel_name(p->sub));
		return;
	}
	case PB_CAL_S_FIT:
		do_fit(p, now);
		pb_cal_poll(p, now, act);
		return;
	case PB_CAL_S_UNLOCK:
		poll_unlock(p, now, act);
		return;
	case PB_CAL_S_WRITE:
		poll_write(p, act);
		return;
	case PB_CAL_S_READBACK:
		set_cmd(p, PB_T_READ_CAL);
		p->pending.u.channel = (uint8_t)p->sub;
		want(p, act);
		return;
	case PB_CAL_S_RESTORE:
		poll_restore(p, now, act);
		return;
	case PB_CAL_S_RECORD:
		act->kind = PB_CAL_ACT_RECORD;
		return;
	case PB_CAL_S_VENT:
		if (p->vent_sent) {
			enter(p, PB_CAL_S_DONE, now);
			p->res.finished_us = now;
			act->kind = PB_CAL_ACT_DONE;
			return;
		}
		set_cmd(p, PB_T_STOP);
		want(p, act);
		return;
	case PB_CAL_S_DONE:
		act->kind = PB_CAL_ACT_DONE;
		return;
	}
}

void
pb_cal_cmd_done(struct pb_cal_proc *p, int status,
    const struct pb_response *resp, uint64_t now)
{
	if (!p->waiting)
		return;
	p->waiting = false;
	bool ok = status == 0 && resp != NULL && resp->status == PB_ST_OK;
	const char *what = pb_type_name(p->pending.type);
	char why[80];
	if (resp != NULL && resp->status != PB_ST_OK)
		snprintf(why, sizeof why, "device answered %s",
		    pb_status_name(resp->status));
	else if (status != 0)
		snprintf(why, sizeof why, "no answer (error %d)", status);
	else
		snprintf(why, sizeof why, "no response");

	switch (p->stage) {
	case PB_CAL_S_INFO:
		if (!ok || resp->body_kind != PB_BODY_INFO) {
			finish(p, PB_CAL_ERROR, now, "%s: %s", what, why);
			return;
		}
		p->res.info = resp->body.info;
		if (resp->body.info.channels < 1 ||
		    resp->body.info.channels > PB_MAX_CH) {
			finish(p, PB_CAL_ERROR, now, "device reports %u channels",
			    resp->body.info.channels);
			return;
		}
		p->channels = resp->body.info.channels;
		p->res.channels = p->channels;
		if (resp->body.info.max_target > 0 &&
		    resp->body.info.max_target / 10.0 < p->max_target)
			p->max_target = resp->body.info.max_target / 10.0;
		enter(p, PB_CAL_S_READ_OLD, now);
		return;
	case PB_CAL_S_READ_OLD:
		/* a unit with no valid calibration answers an error: fine */
		if (ok && resp->body_kind == PB_BODY_CAL)
			p->res.old[p->sub] = resp->body.cal;
		else if (status != 0) {
			finish(p, PB_CAL_ERROR, now, "%s %s: %s", what,
			    pb_channel_name(p->sub), why);
			return;
		}
		if (++p->sub >= p->channels) {
			enter(p, PB_CAL_S_HOLD, now);
			p->point = 0;
		}
		return;
	case PB_CAL_S_HOLD:
	case PB_CAL_S_VERIFY_HOLD:
		if (!ok) {
			finish(p, PB_CAL_ERROR, now, "%s %.1f mmHg: %s", what,
			    p->pending.u.hold.target / 10.0, why);
			return;
		}
		enter(p, p->stage == PB_CAL_S_HOLD ? PB_CAL_S_SETTLE :
		    PB_CAL_S_VERIFY_SETTLE, now);
		reset_window(p);
		return;
	case PB_CAL_S_UNLOCK:
		if (!ok) {
			finish(p, PB_CAL_ERROR, now, "factory unlock (%s): %s",
			    what, why);
			return;
		}
		if (p->sub == 0) {
			if (resp->body_kind != PB_BODY_NONCE) {
				finish(p, PB_CAL_ERROR, now, "factory challenge "
				    "carried no nonce");
				return;
			}
			memcpy(p->nonce, resp->body.nonce, PB_NONCE_LEN);
			p->sub = 1;
		} else {
			enter(p, PB_CAL_S_WRITE, now);
		}
		return;
	case PB_CAL_S_WRITE:
		if (ok) {
			for (int ch = 0; ch < p->channels; ch++)
				p->res.was_written[ch] = true;
			p->need_restore = true;
			enter(p, PB_CAL_S_READBACK, now);
			return;
		}
		if (resp != NULL && resp->status == PB_ST_UNKNOWN_CMD &&
		    !p->per_channel) {
			/* firmware older than WRITE_CAL_ALL: nothing written */
			if (p->channels == 1) {
				p->per_channel = true;   /* poll sends WRITE_CAL */
				return;
			}
			finish(p, PB_CAL_ERROR, now, "the pump's firmware does not "
			    "know WRITE_CAL_ALL, and writing %d channels one by one "
			    "could leave a mixed calibration: nothing was written; "
			    "update the firmware", p->channels);
			return;
		}
		/* no answer, or STORAGE: the pump may hold the old or the new
		 * calibration (never a mix); write the old one back */
		if (status != 0 || resp == NULL ||
		    resp->status == PB_ST_STORAGE)
			p->need_restore = true;
		finish(p, PB_CAL_ERROR, now, "%s: %s", what, why);
		return;
	case PB_CAL_S_READBACK:
		if (!ok || resp->body_kind != PB_BODY_CAL) {
			finish(p, PB_CAL_ERROR, now, "read back %s: %s",
			    pb_channel_name(p->sub), why);
			return;
		}
		if (!cal_equal(&resp->body.cal, &p->res.written[p->sub])) {
			finish(p, PB_CAL_FAIL, now, "read back %s does not "
			    "match what was written", pb_channel_name(p->sub));
			return;
		}
		if (++p->sub >= p->channels) {
			enter(p, PB_CAL_S_VERIFY_HOLD, now);
			p->vpoint = 0;
		}
		return;
	case PB_CAL_S_RESTORE:
		if (ok)
			p->res.restored = true;
		else
			note(p, "; restoring the old calibration failed: %s", why);
		p->sub++;
		return;
	case PB_CAL_S_VENT:
		p->vent_sent = true;
		return;
	default:
		return;
	}
}

void
pb_cal_on_telemetry(struct pb_cal_proc *p, const struct pb_telemetry *t,
    uint64_t now)
{
	if (t->n == 0)
		return;
	int nch = t->channels < p->channels ? t->channels : p->channels;
	for (int ch = 0; ch < nch; ch++) {
		double dev = pb_tel_mean_dmmhg(t, ch) / 10.0;
		struct win_entry *e = &p->win[ch][p->win_head[ch]];
		e->t = now;
		e->v = dev;
		p->win_head[ch] = (p->win_head[ch] + 1) % WIN_CAP;
		if (p->win_n[ch] < WIN_CAP)
			p->win_n[ch]++;
		if (p->stage == PB_CAL_S_AVERAGE ||
		    p->stage == PB_CAL_S_VERIFY_AVERAGE) {
			p->sum_raw[ch] += t->raw[ch];
			p->sumsq_raw[ch] += (double)t->raw[ch] * t->raw[ch];
			p->n_raw[ch]++;
			p->sum_dev[ch] += dev;
			p->n_dev[ch]++;
		}
	}
}

void
pb_cal_on_reference(struct pb_cal_proc *p, int ch, double mmhg, uint64_t now)
{
	(void)now;
	if (ch < 0 || ch >= p->channels || !isfinite(mmhg))
		return;
	if (p->stage == PB_CAL_S_AVERAGE || p->stage == PB_CAL_S_VERIFY_AVERAGE) {
		p->sum_ref[ch] += mmhg;
		p->n_ref[ch]++;
	}
}

int
pb_cal_enter_reference(struct pb_cal_proc *p, int ch, double mmhg,
    uint64_t now)
{
	if (p->stage != PB_CAL_S_PROMPT || ch != p->sub)
		return PB_CALP_E_STATE;
	if (!isfinite(mmhg) || mmhg < -50 || mmhg > 1000)
		return PB_CALP_E_ARG;
	p->manual_ref[ch] = mmhg;
	if (++p->sub >= p->channels)
		store_point(p, now);
	return PB_CALP_OK;
}

int
pb_cal_record_done(struct pb_cal_proc *p, bool ok, const char *why,
    uint64_t now)
{
	if (p->stage != PB_CAL_S_RECORD)
		return PB_CALP_E_STATE;
	if (ok) {
		p->need_restore = false;
		enter(p, PB_CAL_S_VENT, now);
		return PB_CALP_OK;
	}
	/* no record, no new calibration: back to the old one */
	finish(p, PB_CAL_ERROR, now, "%s; the new calibration is not kept",
	    why && *why ? why : "recording the result failed");
	return PB_CALP_OK;
}

void
pb_cal_abort(struct pb_cal_proc *p, const char *why, uint64_t now)
{
	if (p->stage == PB_CAL_S_DONE)
		return;
	p->abort_requested = true;
	if (!p->waiting && !p->failed)
		finish(p, PB_CAL_ABORTED, now, "aborted: %s", why ? why : "by operator");
	else if (p->res.verdict == PB_CAL_PENDING) {
		p->res.verdict = PB_CAL_ABORTED;
		snprintf(p->res.reason, sizeof p->res.reason, "aborted: %s",
		    why ? why : "by operator");
	}
}

enum pb_cal_stage
pb_cal_stage(const struct pb_cal_proc *p)
{
	return p->stage;
}

void
pb_cal_progress(const struct pb_cal_proc *p, int *point, int *npoints,
    double *target)
{
	int idx = -1;
	double t = 0;
	switch (p->stage) {
	case PB_CAL_S_HOLD: case PB_CAL_S_SETTLE: case PB_CAL_S_AVERAGE:
		idx = p->point;
		t = p->points[p->point];
		break;
	case PB_CAL_S_PROMPT:
		idx = p->verify_window ? -1 : p->point;
		t = p->verify_window ? p->cfg.verify_mmhg[p->vpoint] :
		    p->points[p->point];
		break;
	case PB_CAL_S_VERIFY_HOLD: case PB_CAL_S_VERIFY_SETTLE:
	case PB_CAL_S_VERIFY_AVERAGE:
		t = p->cfg.verify_mmhg[p->vpoint];
		break;
	default:
		break;
	}
	if (point)
		*point = idx;
	if (npoints)
		*npoints = p->npoints;
	if (target)
		*target = t;
}

const struct pb_cal_result *
pb_cal_result(const struct pb_cal_proc *p)
{
	return &p->res;
}
