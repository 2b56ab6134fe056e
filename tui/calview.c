/*
 * tui/calview.c - pure parts of the calibration screen (see calview.h).
 */
#include "tui/calview.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "cal/certificate.h"
#include "tui/app.h"

#define READING_MIN  (-20.0)
#define READING_MAX  1000.0
#define FAR_ABS_MMHG 30.0
#define FAR_REL      0.15

/* ---- input line ------------------------------------------------------------ */

void pb_calview_input_clear(struct pb_calview_input *in)
{
	memset(in, 0, sizeof *in);
}

static void say(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *why, size_t n, const char *fmt, ...)
{
	if (!why || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

enum pb_calview_in pb_calview_input_key(struct pb_calview_input *in, int key,
    char *why, size_t whylen)
{
	if (key == '\r' || key == '\n')
		return PB_CVI_SUBMIT;
	if (key == 8 || key == 127 || key == PB_KEY_BACKSPACE) {
		if (in->len > 0)
			in->buf[--in->len] = '\0';
		return PB_CVI_EDIT;
	}
	if (key == '-') {
		if (in->len != 0) {
			say(why, whylen, "'-' only as the first character");
			return PB_CVI_REJECT;
		}
	} else if (key == '.') {
		if (strchr(in->buf, '.')) {
			say(why, whylen, "one decimal point only");
			return PB_CVI_REJECT;
		}
	} else if (key < '0' || key > '9') {
		if (key > 32 && key < 127)
			say(why, whylen, "'%c' is not part of a reading: type "
			    "digits and '.'", key);
		else
			say(why, whylen, "type digits and '.'");
		return PB_CVI_REJECT;
	}
	if (in->len >= PB_CALVIEW_INPUT_MAX) {
		say(why, whylen, "at most %d characters", PB_CALVIEW_INPUT_MAX);
		return PB_CVI_REJECT;
	}
	in->buf[in->len++] = (char)key;
	in->buf[in->len] = '\0';
	return PB_CVI_EDIT;
}

enum pb_calview_check pb_calview_check_reading(const char *text,
    double target, double *mmhg, char *why, size_t whylen)
{
	if (!text || !*text) {
		say(why, whylen, "type the gauge reading in mmHg, then Enter");
		return PB_CVC_BAD;
	}
	/* the input line only lets these through, but the check stands on
	 * its own: -?digits[.digits], at least one digit */
	const char *p = text;
	if (*p == '-')
		p++;
	int digits = 0, dots = 0;
	for (const char *q = p; *q; q++) {
		if (isdigit((unsigned char)*q))
			digits++;
		else if (*q == '.' && dots == 0)
			dots++;
		else {
			say(why, whylen, "'%s' is not a number", text);
			return PB_CVC_BAD;
		}
	}
	if (digits == 0) {
		say(why, whylen, "'%s' is not a number", text);
		return PB_CVC_BAD;
	}
	errno = 0;
	char *end;
	double v = strtod(text, &end);
	if (*end || errno || !isfinite(v)) {
		say(why, whylen, "'%s' is not a number", text);
		return PB_CVC_BAD;
	}
	if (v < READING_MIN || v > READING_MAX) {
		say(why, whylen, "%s mmHg is out of range (%.0f to %.0f)", text,
		    READING_MIN, READING_MAX);
		return PB_CVC_BAD;
	}
	*mmhg = v;
	double far = fmax(FAR_ABS_MMHG, FAR_REL * fabs(target));
	if (fabs(v - target) > far) {
		say(why, whylen, "%.1f mmHg is far from the %.0f mmHg held: "
		    "Enter again to accept it, or correct it", v, target);
		return PB_CVC_CONFIRM;
	}
	return PB_CVC_OK;
}

/* ---- the station's text line ------------------------------------------ */

enum pb_calview_in pb_calview_text_key(struct pb_calview_text *t, int key)
{
	if (key == '\r' || key == '\n')
		return PB_CVI_SUBMIT;
	if (key == 8 || key == 127 || key == PB_KEY_BACKSPACE) {
		if (t->len > 0)
			t->buf[--t->len] = '\0';
		return PB_CVI_EDIT;
	}
	if (key < 0x20 || key > 0x7e)
		return PB_CVI_NONE;
	if (t->len >= PB_CALVIEW_TEXT_MAX)
		return PB_CVI_REJECT;
	t->buf[t->len++] = (char)key;
	t->buf[t->len] = '\0';
	return PB_CVI_EDIT;
}

/* ---- stability ------------------------------------------------------------- */

void pb_calview_stab_reset(struct pb_calview_stab *s)
{
	s->head = s->n = 0;
}

void pb_calview_stab_push(struct pb_calview_stab *s, uint64_t now, double v)
{
	s->t[s->head] = now;
	s->v[s->head] = v;
	s->head = (s->head + 1) % PB_CALVIEW_STAB_CAP;
	if (s->n < PB_CALVIEW_STAB_CAP)
		s->n++;
}

double pb_calview_stab_span(const struct pb_calview_stab *s, uint64_t now,
    uint64_t window)
{
	if (s->n < 2)
		return NAN;
	double lo = INFINITY, hi = -INFINITY;
	uint64_t oldest = now;
	for (unsigned i = 0; i < s->n; i++) {
		unsigned k = (s->head + PB_CALVIEW_STAB_CAP - 1 - i) %
		    PB_CALVIEW_STAB_CAP;
		if (now > s->t[k] && now - s->t[k] > window)
			break;
		oldest = s->t[k];
		lo = fmin(lo, s->v[k]);
		hi = fmax(hi, s->v[k]);
	}
	if (now < oldest + window * 9 / 10 || !(hi >= lo))
		return NAN;
	return hi - lo;
}

/* ---- certificate names ------------------------------------------------------ */

void pb_calview_cert_prefix(const char *serial, size_t serial_len,
    const struct tm *tm, char *buf, size_t n)
{
	char ts[32];
	if (strftime(ts, sizeof ts, "%Y%m%dT%H%M%S", tm) == 0)
		snprintf(ts, sizeof ts, "00000000T000000");
	pb_cert_default_name(serial, serial_len, ts, buf, n);
}

/* ---- rendering ---------------------------------------------------------------- */

struct out {
	struct pb_calview_line *l;
	int n, max, width;
};

static void line(struct out *o, enum pb_calview_style st, int prio,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void line(struct out *o, enum pb_calview_style st, int prio,
    const char *fmt, ...)
{
	if (o->n >= o->max)
		return;
	struct pb_calview_line *L = &o->l[o->n++];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->text, sizeof L->text, fmt, ap);
	va_end(ap);
	if (o->width > 0 && (size_t)o->width < sizeof L->text)
		L->text[o->width] = '\0';
	L->style = st;
	L->prio = prio;
}

/* Word-wrap text into lines of the given style; with items, break only
 * between items (at two spaces). */
static void wrap_at(struct out *o, enum pb_calview_style st, int prio,
    const char *indent, const char *text, bool items)
{
	int w = o->width > 0 ? o->width : 78;
	if (w >= PB_CALVIEW_LINE)
		w = PB_CALVIEW_LINE - 1;
	size_t ind = strlen(indent);
	const char *p = text;
	bool first = true;
	while (*p) {
		size_t room = (size_t)w - (first ? 0 : ind);
		size_t len = strlen(p);
		size_t take = len;
		if (len > room) {
			take = room;
			while (take > 0 && !(p[take] == ' ' &&
			    (!items || p[take + 1] == ' ')))
				take--;
			if (take == 0)
				take = room;
		}
		line(o, st, prio, "%s%.*s", first ? "" : indent, (int)take, p);
		p += take;
		while (*p == ' ')
			p++;
		first = false;
	}
}

static void wrap(struct out *o, enum pb_calview_style st, int prio,
    const char *indent, const char *text)
{
	wrap_at(o, st, prio, indent, text, false);
}

/* A formatted paragraph, wrapped with a two-space hanging indent. */
static void para(struct out *o, enum pb_calview_style st, int prio,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void para(struct out *o, enum pb_calview_style st, int prio,
    const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	wrap(o, st, prio, "  ", buf);
}


/* Groups of stages shown as steps. */
enum grp { G_INFO, G_OLD, G_POINTS, G_FIT, G_UNLOCK, G_WRITE, G_READBACK,
	G_VERIFY, G_RECORD, G_RESTORE, G_VENT, G_DONE, G_N };

static enum grp group_of(const struct pb_calview_state *v)
{
	switch (v->stage) {
	case PB_CAL_S_INFO: return G_INFO;
	case PB_CAL_S_READ_OLD: return G_OLD;
	case PB_CAL_S_HOLD: case PB_CAL_S_SETTLE: case PB_CAL_S_AVERAGE:
		return G_POINTS;
	case PB_CAL_S_PROMPT: return v->verifying ? G_VERIFY : G_POINTS;
	case PB_CAL_S_FIT: return G_FIT;
	case PB_CAL_S_UNLOCK: return G_UNLOCK;
	case PB_CAL_S_WRITE: return G_WRITE;
	case PB_CAL_S_READBACK: return G_READBACK;
	case PB_CAL_S_VERIFY_HOLD: case PB_CAL_S_VERIFY_SETTLE:
	case PB_CAL_S_VERIFY_AVERAGE:
		return G_VERIFY;
	case PB_CAL_S_RECORD: return G_RECORD;
	case PB_CAL_S_RESTORE: return G_RESTORE;
	case PB_CAL_S_VENT: return G_VENT;
	case PB_CAL_S_DONE: return G_DONE;
	}
	return G_INFO;
}

void pb_calview_steps(const struct pb_calview_state *v, char *buf, size_t n)
{
	static const enum pb_cal_stage first[G_N] = {
		[G_INFO] = PB_CAL_S_INFO, [G_OLD] = PB_CAL_S_READ_OLD,
		[G_POINTS] = PB_CAL_S_HOLD, [G_FIT] = PB_CAL_S_FIT,
		[G_UNLOCK] = PB_CAL_S_UNLOCK, [G_WRITE] = PB_CAL_S_WRITE,
		[G_READBACK] = PB_CAL_S_READBACK,
		[G_VERIFY] = PB_CAL_S_VERIFY_HOLD, [G_RECORD] = PB_CAL_S_RECORD,
		[G_RESTORE] = PB_CAL_S_RESTORE, [G_VENT] = PB_CAL_S_VENT,
		[G_DONE] = PB_CAL_S_DONE,
	};
	enum grp cur = v->phase == PB_CVP_INTRO ? (enum grp)-1 : group_of(v);
	bool restore = cur == G_RESTORE || (v->res && v->res->restored);
	bool finished = v->phase == PB_CVP_FINISHED || cur == G_DONE;
	bool failed = v->res && v->res->verdict != PB_CAL_PENDING &&
	    v->res->verdict != PB_CAL_PASS;
	struct pb_calview_state fv = *v;
	fv.stage = v->furthest;
	fv.verifying = false;
	int reached = group_of(&fv);
	if (cur < G_RESTORE && (int)cur > reached)
		reached = (int)cur;
	size_t o = 0;
	buf[0] = '\0';
	for (int g = 0; g < G_N; g++) {
		if (g == G_RESTORE && !restore)
			continue;
		const char *mark;
		bool tail = g == G_RESTORE || g == G_VENT || g == G_DONE;
		if (v->phase == PB_CVP_INTRO)
			mark = "[ ]";
		else if (g == (int)cur && !finished)
			mark = "[>]";
		else if (tail)
			mark = finished || g < (int)cur ? "[x]" : "[ ]";
		else if (g < reached)
			mark = "[x]";
		else if (g == reached)
			mark = failed ? "[!]" : (finished ? "[x]" : "[ ]");
		else
			mark = failed ? "[-]" : "[ ]";
		char name[80];
		if (g == G_POINTS) {
			if (g == (int)cur && !finished && v->point >= 0)
				snprintf(name, sizeof name, "point %d/%d: %s",
				    v->point + 1, v->npoints,
				    pb_cal_stage_name(v->stage));
			else
				snprintf(name, sizeof name, "%d points (hold, "
				    "settle, average, reference)", v->npoints);
		} else if (g == G_VERIFY) {
			if (g == (int)cur && !finished)
				snprintf(name, sizeof name, "verify %d/%d: %s",
				    v->vpoint + 1, PB_CAL_VERIFY_POINTS,
				    v->stage == PB_CAL_S_PROMPT ?
				    pb_cal_stage_name(v->stage) :
				    pb_cal_stage_name(v->stage) + 8);
			else
				snprintf(name, sizeof name, "verify at %d points",
				    PB_CAL_VERIFY_POINTS);
		} else {
			snprintf(name, sizeof name, "%s",
			    pb_cal_stage_name(first[g]));
		}
		int k = snprintf(buf + o, n - o, "%s%s %s", o ? "  " : "", mark,
		    name);
		if (k < 0 || (size_t)k >= n - o) {
			buf[n - 1] = '\0';
			return;
		}
		o += (size_t)k;
	}
}

static void fmt_points(const struct pb_profile *p, char *buf, size_t n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < p->cal_points && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%g", i ? ", " : "",
		    p->cal_point_mmhg[i]);
}

/* the unit's earlier calibrations, from the factory records */
static void render_history(const struct pb_calview_state *v, struct out *o)
{
	if (!v->hist_serial || !v->hist_serial[0] || v->records_problem)
		return;
	if (v->hist_total == 0) {
		line(o, PB_CVS_DIM, 3, "Records: no calibration of %s yet",
		    v->hist_serial);
		return;
	}
	para(o, PB_CVS_TITLE, 3, "Records of %s: %d calibration%s%s",
	    v->hist_serial, v->hist_total, v->hist_total == 1 ? "" : "s",
	    v->hist_total > v->nhist ? " (the latest shown)" : "");
	for (int i = 0; i < v->nhist; i++) {
		const struct pb_store_cal_line *h = &v->hist[i];
		char when[40], fit[64] = "";
		pb_isotime(h->finished_ms, PB_ISO_UTC, when, sizeof when);
		if (!isnan(h->max_verify_mmhg))
			snprintf(fit, sizeof fit, ", verify error <= %.2f mmHg",
			    h->max_verify_mmhg);
		char cal[32] = "";
		if (h->cal_id)
			snprintf(cal, sizeof cal, ", cal id %lu",
			    (unsigned long)h->cal_id);
		line(o, strcmp(h->verdict, "PASS") == 0 ? PB_CVS_NORMAL :
		    PB_CVS_BAD, 3, "  %s  %-7s %s by %s, gauge %s%s%s%s", when,
		    h->verdict, h->station, h->operator_id,
		    h->gauge_id[0] ? h->gauge_id : "-", cal, fit,
		    h->recal ? " (recalibration)" : "");
	}
}

/* operator, gauge, records store, and the unit's history */
static void render_station(const struct pb_calview_state *v, struct out *o)
{
	para(o, PB_CVS_NORMAL, 2, "Operator %s   gauge %s",
	    v->operator_id && *v->operator_id ? v->operator_id :
	    "(asked at the start)", v->gauge ? v->gauge :
	    "(no --station-config)");
	if (v->records_problem)
		wrap(o, PB_CVS_BAD, 0, "  ", v->records_problem);
	else if (v->records)
		para(o, PB_CVS_NORMAL, 2, "Records %s", v->records);
	render_history(v, o);
}

/* the station's question and what is typed */
static void render_asking(const struct pb_calview_state *v, struct out *o)
{
	wrap(o, PB_CVS_INPUT, 0, "  ", v->asking);
	line(o, PB_CVS_INPUT, 0, "  > %s_", v->asking_text ? v->asking_text :
	    "");
}

static void render_intro(const struct pb_calview_state *v, struct out *o)
{
	para(o, PB_CVS_TITLE, 0, "Factory calibration of %s (profile %s, "
	    "firmware %s, stored calibration id %lu)",
	    v->serial && *v->serial ? v->serial : "?",
	    v->profile_id && *v->profile_id ? v->profile_id : "?",
	    v->firmware && *v->firmware ? v->firmware : "?",
	    (unsigned long)v->device_cal_id);
	if (v->prof) {
		char pts[160];
		fmt_points(v->prof, pts, sizeof pts);
		para(o, PB_CVS_NORMAL, 2, "Points %s mmHg on %d channel%s; fit "
		    "order %d; accept +/-%g mmHg or %g %% of reading",
		    pts, v->prof->channels, v->prof->channels == 1 ? "" : "s",
		    v->prof->cal_order, v->prof->cal_accept_abs_mmhg,
		    v->prof->cal_accept_rel * 100);
		para(o, PB_CVS_NORMAL, 3, "Each point: hold, dwell %g s and "
		    "until stable within %g mmHg, average 2 s, then you type "
		    "the reference gauge reading.", v->prof->cal_dwell_s,
		    v->prof->cal_stable_mmhg);
	}
	para(o, PB_CVS_NORMAL, 2, "Station %s, key %s%s", v->station,
	    v->key_path ? v->key_path : "(none: --key FILE)",
	    v->key_problem ? "" : " (ok)");
	para(o, PB_CVS_NORMAL, 2, "Certificate %s.json .txt .html",
	    v->cert_prefix && *v->cert_prefix ? v->cert_prefix :
	    "cal-<serial>-<time>");
	render_station(v, o);
	if (v->key_problem)
		wrap(o, PB_CVS_BAD, 0, "  ", v->key_problem);
	if (v->asking)
		render_asking(v, o);
	else if (v->ask_stop)
		para(o, PB_CVS_WARN, 0, "The pump is running a session. Stop it "
		    "and calibrate?  y = yes   n = no");
	else if (v->blocker)
		wrap(o, PB_CVS_BAD, 0, "  ", v->blocker);
	if (v->message && *v->message)
		wrap(o, v->message_bad ? PB_CVS_BAD : PB_CVS_NORMAL, 0, "  ",
		    v->message);
	para(o, PB_CVS_DIM, 0, v->asking ? "Keys: type or scan, Enter   Esc "
	    "cancel" : "Keys: Enter start calibration   Esc or C back to the "
	    "dashboard   q quit");
}

static void render_live(const struct pb_calview_state *v, struct out *o)
{
	int pr = v->phase == PB_CVP_RUNNING ? 0 : 3;
	if (!v->have_live) {
		line(o, PB_CVS_DIM, pr, "  no telemetry");
		return;
	}
	line(o, PB_CVS_DIM, pr, "  ch   reading mmHg   raw counts   "
	    "stability (1 s)");
	for (int ch = 0; ch < v->channels && ch < PB_MAX_CH; ch++) {
		char stab[48];
		if (isnan(v->span[ch]))
			snprintf(stab, sizeof stab, "-");
		else
			snprintf(stab, sizeof stab, "%5.2f mmHg %s", v->span[ch],
			    v->span[ch] <= v->stable_mmhg ? "stable" :
			    "settling");
		line(o, PB_CVS_NORMAL, pr, "  %-3s %12.1f   %10u   %s", pb_channel_name(ch),
		    v->reading[ch], v->raw[ch], stab);
	}
}

static void render_points(const struct pb_calview_state *v, struct out *o)
{
	const struct pb_cal_result *r = v->res;
	bool fitted = r->verdict == PB_CAL_PASS || v->stage > PB_CAL_S_FIT ||
	    r->fit[0].n > 0;
	/* points done: those before the current one, or all once fitted */
	int done = fitted ? r->npoints : v->point;
	if (v->stage == PB_CAL_S_DONE || v->phase == PB_CVP_FINISHED)
		done = r->fit[0].n > 0 ? r->npoints : -1;
	if (done < 0) {
		/* finished before the fit: count the points that were stored */
		done = 0;
		for (int i = 0; i < r->npoints; i++)
			if (r->point[i].samples[0] > 0)
				done = i + 1;
	}
	line(o, PB_CVS_TITLE, 1, "Points (%d of %d done)", done < 0 ? 0 : done,
	    r->npoints);
	line(o, PB_CVS_DIM, 1, "  pt  target  ch   raw counts (sd)   "
	    "reference   residual   limit");
	for (int i = 0; i < done && i < r->npoints; i++) {
		const struct pb_cal_point *pt = &r->point[i];
		for (int ch = 0; ch < r->channels && ch < PB_MAX_CH; ch++) {
			char resid[48] = "         -";
			enum pb_calview_style st = PB_CVS_NORMAL;
			if (fitted && r->fit[ch].n > i) {
				double lim = v->prof ? fmax(v->prof->cal_accept_abs_mmhg,
				    v->prof->cal_accept_rel *
				    fabs(pt->reference[ch])) : NAN;
				bool bad = r->point_fail[ch][i];
				snprintf(resid, sizeof resid, "%+10.2f   %5.2f  %s",
				    r->fit[ch].residual[i], lim,
				    bad ? "FAIL" : "ok");
				st = bad ? PB_CVS_BAD : PB_CVS_NORMAL;
			}
			line(o, st, 1, "  %2d  %6.1f  %-3s %9.1f (%4.1f)   %9.2f  %s",
			    i + 1, pt->target_mmhg, pb_channel_name(ch), pt->raw[ch],
			    pt->raw_sd[ch], pt->reference[ch], resid);
		}
	}
	if (fitted && r->fit[0].n > 0)
		for (int ch = 0; ch < r->channels && ch < PB_MAX_CH; ch++)
			line(o, r->accepted[ch] ? PB_CVS_NORMAL : PB_CVS_BAD, 2,
			    "  fit %s: %.6g %+.6g*c %+.6g*c^2   max |residual| "
			    "%.2f mmHg, rms %.2f", pb_channel_name(ch), r->fit[ch].c[0],
			    r->fit[ch].c[1], r->fit[ch].c[2],
			    r->fit[ch].max_abs_residual, r->fit[ch].rms_residual);
	/* verification rows that have a result */
	for (int k = 0; k < PB_CAL_VERIFY_POINTS; k++) {
		const struct pb_cal_verify *vf = &r->verify[k];
		if (vf->target_mmhg <= 0)
			continue;
		for (int ch = 0; ch < r->channels && ch < PB_MAX_CH; ch++)
			line(o, vf->pass[ch] ? PB_CVS_NORMAL : PB_CVS_BAD, 1,
			    "  verify %d  %5.1f  %-3s device %7.2f  reference "
			    "%7.2f  error %+6.2f  %s", k + 1, vf->target_mmhg,
			    pb_channel_name(ch), vf->device[ch], vf->reference[ch],
			    vf->error[ch], vf->pass[ch] ? "ok" : "FAIL");
	}
}

static void render_stored(const struct pb_calview_state *v, struct out *o)
{
	const struct pb_cal_result *r = v->res;
	if (v->stored_pending) {
		line(o, PB_CVS_DIM, 0, "Reading the stored calibration back...");
		return;
	}
	if (!v->have_stored)
		return;
	for (int ch = 0; ch < r->channels && ch < PB_MAX_CH; ch++) {
		if (!v->stored_valid[ch]) {
			line(o, PB_CVS_BAD, 0, "Stored calibration %s: none "
			    "(the device has no valid record)", pb_channel_name(ch));
			continue;
		}
		const struct pb_cal *c = &v->stored[ch];
		bool is_new = r->was_written[ch] &&
		    c->cal_id == r->written[ch].cal_id &&
		    memcmp(c->c, r->written[ch].c, sizeof c->c) == 0;
		bool is_old = c->cal_id == r->old[ch].cal_id &&
		    memcmp(c->c, r->old[ch].c, sizeof c->c) == 0;
		const char *what = is_new ? "new" : (is_old ? "unchanged" :
		    "neither the old nor the new record");
		bool good = r->verdict == PB_CAL_PASS ? is_new : is_old;
		para(o, good ? PB_CVS_GOOD : PB_CVS_BAD, 0, "Stored calibration "
		    "%s: id %lu (%s), station %.*s, order %u", pb_channel_name(ch),
		    (unsigned long)c->cal_id, what, PB_STR_LEN, c->station,
		    (unsigned)c->order);
	}
}

static void render_run(const struct pb_calview_state *v, struct out *o)
{
	const struct pb_cal_result *r = v->res;
	unsigned long el = v->elapsed_s > 0 ? (unsigned long)v->elapsed_s : 0;
	para(o, PB_CVS_TITLE, 0, "Calibrating %s (profile %s, station %s)   "
	    "%02lu:%02lu%s", v->serial && *v->serial ? v->serial : "?",
	    v->profile_id && *v->profile_id ? v->profile_id : "?", v->station,
	    el / 60, el % 60, v->aborting && v->phase == PB_CVP_RUNNING ?
	    "   ABORTING: restoring and venting" : "");
	char steps[600], sline[620];
	pb_calview_steps(v, steps, sizeof steps);
	snprintf(sline, sizeof sline, "Steps: %s", steps);
	wrap_at(o, PB_CVS_NORMAL, 2, "       ", sline, true);
	if (v->phase == PB_CVP_RUNNING) {
		if (v->target_mmhg > 0 || v->point >= 0 || v->verifying) {
			if (v->verifying)
				para(o, PB_CVS_NORMAL, 0, "Now: verify point %d of %d, "
				    "target %.1f mmHg (%s)", v->vpoint + 1,
				    PB_CAL_VERIFY_POINTS, v->target_mmhg,
				    pb_cal_stage_name(v->stage));
			else
				para(o, PB_CVS_NORMAL, 0, "Now: point %d of %d, "
				    "target %.1f mmHg (%s)", v->point + 1,
				    v->npoints, v->target_mmhg,
				    pb_cal_stage_name(v->stage));
		} else {
			line(o, PB_CVS_NORMAL, 0, "Now: %s",
			    pb_cal_stage_name(v->stage));
		}
	}
	render_live(v, o);
	if (v->phase == PB_CVP_RUNNING && v->prompting) {
		wrap(o, PB_CVS_INPUT, 0, "  ", v->prompt ? v->prompt : "");
		line(o, PB_CVS_INPUT, 0, "  reference mmHg> %s_%s", v->input ?
		    v->input : "", v->confirm ? "   (Enter again to accept)" :
		    "");
	}
	if (v->message && *v->message)
		wrap(o, v->message_bad ? PB_CVS_BAD : PB_CVS_NORMAL, 0, "  ",
		    v->message);
	if (r)
		render_points(v, o);
	if (v->phase == PB_CVP_FINISHED && r) {
		enum pb_calview_style st = r->verdict == PB_CAL_PASS ?
		    PB_CVS_GOOD : PB_CVS_BAD;
		para(o, st, 0, "Verdict: %s%s%s", pb_cal_verdict_name(r->verdict),
		    r->reason[0] ? ": " : "", r->reason);
		if (r->restored)
			para(o, PB_CVS_WARN, 0, "The old calibration was written "
			    "back.");
		else if (r->verdict != PB_CAL_PASS) {
			bool any = false;
			for (int ch = 0; ch < r->channels && ch < PB_MAX_CH; ch++)
				any = any || r->was_written[ch];
			if (!any)
				para(o, PB_CVS_NORMAL, 0, "Nothing was written: the "
				    "old calibration stays.");
		}
		render_stored(v, o);
		if (v->ncerts > 0) {
			char all[600];
			size_t k = 0;
			all[0] = '\0';
			k += (size_t)snprintf(all, sizeof all, "Certificates:");
			for (int i = 0; i < v->ncerts && i < 3 && k < sizeof all; i++)
				k += (size_t)snprintf(all + k, sizeof all - k, " %s",
				    v->cert_path[i]);
			wrap(o, PB_CVS_NORMAL, 0, "              ", all);
		}
		if (v->cert_error && *v->cert_error)
			wrap(o, PB_CVS_BAD, 0, "  ", v->cert_error);
		render_history(v, o);
		if (v->asking)
			render_asking(v, o);
		para(o, PB_CVS_DIM, 0, v->asking ? "Keys: type or scan, Enter   "
		    "Esc cancel" : "Keys: Enter calibrate again   Esc or C back "
		    "to the dashboard   q quit");
	} else if (v->quit_after) {
		para(o, PB_CVS_WARN, 0, "Quitting once the pump is vented and "
		    "the old calibration is back...");
	} else if (v->aborting) {
		para(o, PB_CVS_DIM, 0, "Keys: q quit (after the abort finishes)");
	} else {
		para(o, PB_CVS_DIM, 0, "Keys: 0-9 . Backspace Enter: reading   "
		    "Esc: abort (vents, keeps the old calibration)   q: abort "
		    "and quit");
	}
}

int pb_calview_render(const struct pb_calview_state *v,
    struct pb_calview_line *out, int max, int width)
{
	struct out o = { .l = out, .n = 0, .max = max, .width = width };
	if (v->phase == PB_CVP_INTRO)
		render_intro(v, &o);
	else
		render_run(v, &o);
	return o.n;
}

int pb_calview_fit(struct pb_calview_line *lines, int n, int rows)
{
	if (rows < 0)
		rows = 0;
	if (n <= rows)
		return n;
	bool keep[256];
	if (n > 256)
		n = 256;
	memset(keep, 0, sizeof keep);
	int maxp = 0;
	for (int i = 0; i < n; i++)
		if (lines[i].prio > maxp)
			maxp = lines[i].prio;
	/* whole priority levels while they fit; of the first level that
	 * does not, its last lines (the newest table rows; at level 0 the
	 * prompt and the keys, which are at the bottom) */
	int left = rows;
	for (int lim = 0; lim <= maxp && left > 0; lim++) {
		int cnt = 0;
		for (int i = 0; i < n; i++)
			if (lines[i].prio == lim)
				cnt++;
		int skip = cnt > left ? cnt - left : 0;
		for (int i = 0; i < n; i++) {
			if (lines[i].prio != lim)
				continue;
			if (skip > 0) {
				skip--;
				continue;
			}
			keep[i] = true;
			left--;
		}
	}
	int k = 0;
	for (int i = 0; i < n; i++)
		if (keep[i])
			lines[k++] = lines[i];
	return k;
}
