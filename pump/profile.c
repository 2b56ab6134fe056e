/*
 * pump/profile.c - pump profiles from INI files (libinih) and the pure
 * expectation functions.
 *
 * Parsing goes through ini_parse_stream() with our own line reader, so
 * that every line (however long) counts as exactly one line and the
 * handler always knows the line it is looking at.  Every key is declared
 * in one table below with its type, range and whether it is required;
 * docs/pumpsim.md ("Profiles") documents the same keys.
 */
#include "base/datadir.h"
#include "base/file.h"
#include "base/text.h"
#include "pump/inivalue.h"
#include "pump/profile.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum ktype { K_DBL, K_INT, K_BOOL, K_STR, K_LIST };
enum kreq { R_ALWAYS, R_OPTIONAL, R_CELL /* required unless mains */,
	R_SECTION /* required when its section is present */ };

struct keydef {
	const char *sec, *key;
	enum ktype  t;
	size_t      off, size;    /* size: K_STR capacity */
	double      min, max;
	enum kreq   req;
};

#define OFF(f) offsetof(struct pb_profile, f)
#define D(s, k, f, lo, hi, r) { s, k, K_DBL, OFF(f), 0, lo, hi, r }
#define I(s, k, f, lo, hi, r) { s, k, K_INT, OFF(f), 0, lo, hi, r }
#define B(s, k, f, r)         { s, k, K_BOOL, OFF(f), 0, 0, 1, r }
#define S(s, k, f, r)         { s, k, K_STR, OFF(f), \
	sizeof(((struct pb_profile *)0)->f), 0, 0, r }
#define CURVE(s, c) \
	D(s, "peak_base_mmhg", c.peak_base_mmhg, 0, 400, R_SECTION), \
	D(s, "peak_step_mmhg", c.peak_step_mmhg, 0, 200, R_SECTION), \
	D(s, "rate_first_cpm", c.rate_first_cpm, 1, 300, R_SECTION), \
	D(s, "rate_last_cpm",  c.rate_last_cpm, 1, 300, R_SECTION), \
	D(s, "hold_fraction",  c.hold_fraction, 0, 0.9, R_SECTION), \
	D(s, "rest_fraction",  c.rest_fraction, 0.05, 0.9, R_SECTION)

static const struct keydef keys[] = {
	S("pump", "id", id, R_ALWAYS),
	S("pump", "name", name, R_ALWAYS),
	S("pump", "firmware", firmware, R_ALWAYS),
	I("pump", "channels", channels, 1, 2, R_ALWAYS),
	I("pump", "levels", levels, 1, 32, R_ALWAYS),
	B("pump", "double_pumping", double_pumping, R_ALWAYS),
	I("pump", "sample_rate_hz", sample_rate_hz, 1, 10000, R_ALWAYS),

	CURVE("stimulation", stim),
	CURVE("expression", expr),
	I("mixed", "stim_cycles", mixed_stim_cycles, 1, 100, R_SECTION),
	I("mixed", "expr_cycles", mixed_expr_cycles, 1, 100, R_SECTION),

	D("limits", "max_target_mmhg", max_target_mmhg, 1, 400, R_ALWAYS),
	D("limits", "max_target_double_mmhg", max_target_double_mmhg, 1, 400,
	    R_OPTIONAL),
	D("limits", "trip_abs_mmhg", trip_abs_mmhg, 1, 500, R_ALWAYS),
	D("limits", "trip_abs_ms", trip_abs_ms, 0, 100, R_ALWAYS),
	D("limits", "trip_over_target_mmhg", trip_over_target_mmhg, 1, 200,
	    R_ALWAYS),
	D("limits", "trip_over_ms", trip_over_ms, 1, 1000, R_ALWAYS),
	D("limits", "stuck_mmhg", stuck_mmhg, 1, 200, R_ALWAYS),
	D("limits", "stuck_after_ms", stuck_after_ms, 10, 10000, R_ALWAYS),
	I("limits", "leak_missed_cycles", leak_missed_cycles, 1, 100,
	    R_ALWAYS),
	D("limits", "leak_miss_mmhg", leak_miss_mmhg, 0.1, 100, R_ALWAYS),
	D("limits", "leak_decay_mmhg_s", leak_decay_mmhg_s, 1, 1000,
	    R_ALWAYS),
	D("limits", "leak_min_hold_ms", leak_min_hold_ms, 1, 10000, R_ALWAYS),
	D("limits", "occlusion_rate_mmhg_s", occlusion_rate_mmhg_s, 10, 1e6,
	    R_ALWAYS),
	D("limits", "occlusion_rise_mmhg", occlusion_rise_mmhg, 1, 200,
	    R_ALWAYS),
	D("limits", "heartbeat_timeout_ms", heartbeat_timeout_ms, 10, 60000,
	    R_ALWAYS),
	D("limits", "backflow_half_ms", backflow_half_ms, 1, 10000, R_OPTIONAL),

	D("session", "auto_off_s", session_auto_off_s, 1, 86400, R_ALWAYS),
	D("session", "stim_to_expr_s", stim_to_expr_s, 1, 86400, R_ALWAYS),

	D("acceptance", "tol_peak_mmhg", tol_peak_mmhg, 0.1, 100, R_ALWAYS),
	D("acceptance", "tol_rate_cpm", tol_rate_cpm, 0.1, 100, R_ALWAYS),

	D("pneumatics", "dead_volume_ml", dead_volume_ml, 0.5, 2000, R_ALWAYS),
	D("pneumatics", "min_volume_ml", min_volume_ml, 0.1, 2000, R_ALWAYS),
	D("pneumatics", "occluded_volume_ml", occluded_volume_ml, 0.05, 100,
	    R_ALWAYS),
	D("pneumatics", "valve_release_ms", valve_release_ms, 0.5, 5000,
	    R_ALWAYS),
	D("pneumatics", "base_leak_ml_min", base_leak_ml_min, 0, 1000,
	    R_ALWAYS),
	D("pneumatics", "channel_spread", chan_spread, 0, 0.3, R_OPTIONAL),
	D("pneumatics", "seal_spread", seal_spread, 0, 2, R_OPTIONAL),
	D("pneumatics", "tissue_ml_per_100mmhg", tissue_ml_100, 0, 100,
	    R_OPTIONAL),
	D("pneumatics", "tissue_cycle_sd", tissue_cycle_sd, 0, 0.5, R_OPTIONAL),
	D("pneumatics", "tissue_ms", tissue_ms, 0, 5000, R_OPTIONAL),

	D("motor", "free_flow_lpm", free_flow_lpm, 0.01, 100, R_ALWAYS),
	D("motor", "stall_vacuum_mmhg", stall_vacuum_mmhg, 10, 750, R_ALWAYS),
	D("motor", "noload_ma", motor_noload_ma, 0, 20000, R_ALWAYS),
	D("motor", "load_ma", motor_load_ma, 0, 20000, R_ALWAYS),
	D("motor", "locked_ma", motor_locked_ma, 0, 50000, R_ALWAYS),
	D("motor", "tau_ms", motor_tau_ms, 0, 1000, R_ALWAYS),
	D("motor", "stall_detect_ma", stall_detect_ma, 0, 50000, R_ALWAYS),
	D("motor", "open_detect_ma", open_detect_ma, 0, 20000, R_ALWAYS),
	D("motor", "stall_dp_mmhg", stall_dp_mmhg, 0.1, 100, R_ALWAYS),
	D("motor", "fault_ms", motor_fault_ms, 1, 10000, R_ALWAYS),

	B("battery", "mains", mains, R_ALWAYS),
	D("battery", "nominal_v", batt_nominal_v, 0.5, 48, R_ALWAYS),
	D("battery", "internal_ohm", batt_internal_ohm, 0, 10, R_ALWAYS),
	D("battery", "warn_v", batt_warn_v, 0, 48, R_ALWAYS),
	D("battery", "cutoff_v", batt_cutoff_v, 0, 48, R_ALWAYS),
	D("battery", "low_ms", batt_low_ms, 1, 60000, R_ALWAYS),
	D("battery", "hyst_v", batt_hyst_v, 0, 5, R_ALWAYS),
	D("battery", "idle_ma", batt_idle_ma, 0, 10000, R_ALWAYS),
	D("battery", "full_v", batt_full_v, 0.5, 48, R_CELL),
	D("battery", "empty_v", batt_empty_v, 0.5, 48, R_CELL),
	D("battery", "capacity_mah", batt_capacity_mah, 1, 1e6, R_CELL),
	D("battery", "initial_soc", batt_initial_soc, 0, 1, R_CELL),

	D("sensor", "supply_v", sensor_supply_v, 0.5, 24, R_ALWAYS),
	D("sensor", "min_mmhg", sensor_min_mmhg, -750, 0, R_ALWAYS),
	D("sensor", "fs_mmhg", sensor_fs_mmhg, 10, 760, R_ALWAYS),
	I("sensor", "adc_bits", adc_bits, 8, 16, R_ALWAYS),
	D("sensor", "offset_sd_mmhg", sensor_offset_sd_mmhg, 0, 100, R_ALWAYS),
	D("sensor", "gain_sd", sensor_gain_sd, 0, 0.5, R_ALWAYS),
	D("sensor", "nonlin_fs", sensor_nonlin_fs, 0, 0.2, R_ALWAYS),
	D("sensor", "noise_mmhg", sensor_noise_mmhg, 0, 50, R_ALWAYS),
	D("sensor", "lag_ms", sensor_lag_ms, 0, 1000, R_ALWAYS),
	D("sensor", "open_v", sensor_open_v, 0, 24, R_ALWAYS),
	D("sensor", "short_v", sensor_short_v, 0, 24, R_ALWAYS),
	D("sensor", "low_v", sensor_low_v, 0, 24, R_ALWAYS),
	D("sensor", "high_v", sensor_high_v, 0, 24, R_ALWAYS),
	D("sensor", "fault_ms", sensor_fault_ms, 0, 10000, R_ALWAYS),
	D("sensor", "stuck_ms", sensor_stuck_ms, 1, 60000, R_ALWAYS),

	{ "calibration", "points_mmhg", K_LIST, OFF(cal_point_mmhg), 0, 0, 400,
	    R_ALWAYS },
	I("calibration", "order", cal_order, 1, 2, R_ALWAYS),
	D("calibration", "accept_abs_mmhg", cal_accept_abs_mmhg, 0, 100,
	    R_ALWAYS),
	D("calibration", "accept_rel", cal_accept_rel, 0, 1, R_ALWAYS),
	D("calibration", "dwell_s", cal_dwell_s, 0, 600, R_ALWAYS),
	D("calibration", "stable_mmhg", cal_stable_mmhg, 0, 100, R_ALWAYS),

	D("firmware", "tick_ms", ctrl_tick_ms, 0.1, 100, R_ALWAYS),
	I("firmware", "filter_n", ctrl_filter_n, 1, 16, R_ALWAYS),
	D("firmware", "kp", ctrl_kp, 0.001, 10, R_ALWAYS),
	D("firmware", "min_duty", ctrl_min_duty, 0, 1, R_ALWAYS),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = {
	"pump", "stimulation", "expression", "mixed", "limits", "session",
	"acceptance", "pneumatics", "motor", "battery", "sensor",
	"calibration", "firmware",
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

struct ctx {
	struct pb_profile *p;
	const char *name;          /* file name for messages */
	int  line;                 /* line the reader last returned */
	int  key_line[NKEYS];      /* 0 = not seen */
	int  sec_line[NSECTIONS];  /* first line seen in the section */
	int  err;                  /* first error, 0 = none */
	int  err_line;
	char *msg;
	size_t msglen;
	/* reader state */
	const char *buf;
	size_t len, pos;
	bool too_long;             /* this line was truncated */
};

static void fail(struct ctx *c, int err, int line, const char *fmt, ...)
{
	if (c->err)
		return;
	c->err = err;
	c->err_line = line;
	if (!c->msg || c->msglen == 0)
		return;
	/* messages quote the file's bytes: escaped, so that a profile
	 * cannot put escape sequences on a terminal (base/text.h) */
	va_list ap;
	va_start(ap, fmt);
	pb_text_vmsg_at(c->msg, c->msglen, c->name, line, fmt, ap);
	va_end(ap);
}

/* One whole line per call: truncated to num-1 bytes if longer (the rest
 * is skipped and the line reported as too long).  A NUL byte is an error
 * on its line (it would end a value early); it is passed on as a space, so
 * arbitrary bytes never confuse the line count. */
static char *reader(char *str, int num, void *stream)
{
	struct ctx *c = stream;
	if (c->pos >= c->len || num < 2)
		return NULL;
	size_t cap = (size_t)num - 2;  /* room for '\n' and NUL */
	size_t n = 0;
	bool nul = false;
	c->too_long = false;
	while (c->pos < c->len) {
		char ch = c->buf[c->pos++];
		if (ch == '\n')
			break;
		nul |= ch == '\0';
		if (n < cap)
			str[n++] = ch == '\0' ? ' ' : ch;
		else
			c->too_long = true;
	}
	str[n++] = '\n';
	str[n] = '\0';
	c->line++;
	if (nul)
		fail(c, PB_PROFILE_E_SYNTAX, c->line,
		    "NUL byte in the file (not a text file?)");
	if (c->too_long)
		fail(c, PB_PROFILE_E_SYNTAX, c->line,
		    "line longer than %d characters", num - 2);
	return str;
}

static const char *trim_view(const char *s, size_t *n)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l > 0 && isspace((unsigned char)s[l - 1]))
		l--;
	*n = l;
	return s;
}

bool pb_profile_id_valid(const char *id)
{
	if (!id || !*id || strnlen(id, PB_PROFILE_ID_LEN) >= PB_PROFILE_ID_LEN)
		return false;
	for (const char *s = id; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static void set_value(struct ctx *c, size_t k, const char *value)
{
	const struct keydef *d = &keys[k];
	char *base = (char *)c->p;
	switch (d->t) {
	case K_DBL: {
		double v;
		if (!pb_ini_double(value, &v)) {
			fail(c, PB_PROFILE_E_VALUE, c->line,
			    "[%s] %s: '%s' is not a number", d->sec, d->key,
			    value);
			return;
		}
		if (v < d->min || v > d->max) {
			fail(c, PB_PROFILE_E_VALUE, c->line,
			    "[%s] %s: %g is out of range %g..%g", d->sec,
			    d->key, v, d->min, d->max);
			return;
		}
		memcpy(base + d->off, &v, sizeof(v));
		return;
	}
	case K_INT: {
		long v;
		if (!pb_ini_long(value, &v)) {
			fail(c, PB_PROFILE_E_VALUE, c->line,
			    "[%s] %s: '%s' is not an integer", d->sec, d->key,
			    value);
			return;
		}
		if (v < (long)d->min || v > (long)d->max) {
			fail(c, PB_PROFILE_E_VALUE, c->line,
			    "[%s] %s: %ld is out of range %ld..%ld", d->sec,
			    d->key, v, (long)d->min, (long)d->max);
			return;
		}
		int iv = (int)v;
		memcpy(base + d->off, &iv, sizeof(iv));
		return;
	}
	case K_BOOL: {
		bool v;
		if (!pb_ini_bool(value, &v)) {
			fail(c, PB_PROFILE_E_VALUE, c->line,
			    "[%s] %s: '%s' is not a boolean (true/false)",
			    d->sec, d->key, value);
			return;
		}
		memcpy(base + d->off, &v, sizeof(v));
		return;
	}
	case K_STR: {
		size_t n;
		const char *s = trim_view(value, &n);
		if (n == 0 || n >= d->size) {
			fail(c, PB_PROFILE_E_VALUE, c->line,
			    "[%s] %s: text must be 1..%zu characters", d->sec,
			    d->key, d->size - 1);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			if (!isprint((unsigned char)s[i])) {
				fail(c, PB_PROFILE_E_VALUE, c->line,
				    "[%s] %s: unprintable character", d->sec,
				    d->key);
				return;
			}
		}
		memcpy(base + d->off, s, n);
		base[d->off + n] = '\0';
		/* the id names the file (<id>.ini) and is what a pump reports
		 * in HELLO: never a path */
		if (d->off == OFF(id) && !pb_profile_id_valid(base + d->off))
			fail(c, PB_PROFILE_E_VALUE, c->line,
			    "[%s] %s: '%.*s' is not a profile id (letters, "
			    "digits, '-' and '_')", d->sec, d->key, (int)n, s);
		return;
	}
	case K_LIST: {
		/* comma-separated numbers, ascending, at most
		 * PB_PROFILE_MAX_CAL */
		int count = 0;
		const char *s = value;
		for (;;) {
			const char *e = strchr(s, ',');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			char tmp[80];
			double v;
			if (n >= sizeof(tmp)) {
				fail(c, PB_PROFILE_E_VALUE, c->line,
				    "[%s] %s: entry %d is too long", d->sec,
				    d->key, count + 1);
				return;
			}
			memcpy(tmp, s, n);
			tmp[n] = '\0';
			if (!pb_ini_double(tmp, &v)) {
				size_t tn;
				const char *ts = trim_view(tmp, &tn);
				fail(c, PB_PROFILE_E_VALUE, c->line,
				    "[%s] %s: entry %d '%.*s' is not a number",
				    d->sec, d->key, count + 1, (int)tn, ts);
				return;
			}
			if (count >= PB_PROFILE_MAX_CAL) {
				fail(c, PB_PROFILE_E_VALUE, c->line,
				    "[%s] %s: more than %d entries", d->sec,
				    d->key, PB_PROFILE_MAX_CAL);
				return;
			}
			if (v < d->min || v > d->max) {
				fail(c, PB_PROFILE_E_VALUE, c->line,
				    "[%s] %s: entry %d (%g) is out of range "
				    "%g..%g", d->sec, d->key, count + 1, v,
				    d->min, d->max);
				return;
			}
			if (count > 0 && !(v > c->p->cal_point_mmhg[count - 1])) {
				fail(c, PB_PROFILE_E_VALUE, c->line,
				    "[%s] %s: entries must be ascending",
				    d->sec, d->key);
				return;
			}
			c->p->cal_point_mmhg[count++] = v;
			if (!e)
				break;
			s = e + 1;
		}
		c->p->cal_points = count;
		return;
	}
	}
}

static int handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct ctx *c = user;
	if (c->err)
		return 1;   /* keep the first error; let inih finish */
	int si = -1;
	for (size_t i = 0; i < NSECTIONS; i++)
		if (strcmp(section, sections[i]) == 0)
			si = (int)i;
	if (si < 0) {
		if (section[0] == '\0')
			fail(c, PB_PROFILE_E_KEY, c->line,
			    "key '%s' outside any section", name);
		else
			fail(c, PB_PROFILE_E_KEY, c->line,
			    "unknown section [%s]", section);
		return 0;
	}
	if (c->sec_line[si] == 0)
		c->sec_line[si] = c->line;
	for (size_t k = 0; k < NKEYS; k++) {
		if (strcmp(keys[k].sec, section) != 0 ||
		    strcmp(keys[k].key, name) != 0)
			continue;
		if (c->key_line[k]) {
			fail(c, PB_PROFILE_E_KEY, c->line,
			    "[%s] %s: duplicate key (first on line %d)",
			    section, name, c->key_line[k]);
			return 0;
		}
		c->key_line[k] = c->line;
		set_value(c, k, value);
		return c->err ? 0 : 1;
	}
	fail(c, PB_PROFILE_E_KEY, c->line, "unknown key '%s' in [%s]", name,
	    section);
	return 0;
}

static int sec_index(const char *sec)
{
	for (size_t i = 0; i < NSECTIONS; i++)
		if (strcmp(sec, sections[i]) == 0)
			return (int)i;
	return -1;
}

static int key_index(const char *sec, const char *key)
{
	for (size_t k = 0; k < NKEYS; k++)
		if (strcmp(keys[k].sec, sec) == 0 &&
		    strcmp(keys[k].key, key) == 0)
			return (int)k;
	return -1;
}

/* Line of a key, or of its section, or the last line. */
static int line_of(const struct ctx *c, const char *sec, const char *key)
{
	int k = key_index(sec, key);
	if (k >= 0 && c->key_line[k])
		return c->key_line[k];
	int s = sec_index(sec);
	if (s >= 0 && c->sec_line[s])
		return c->sec_line[s];
	return c->line;
}


static void check_curve(struct ctx *c, const char *sec,
    const struct pb_mode_curve *m)
{
	struct pb_profile *p = c->p;
	double top = m->peak_base_mmhg + m->peak_step_mmhg * (p->levels - 1);
	if (top > p->max_target_mmhg)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, sec, "peak_step_mmhg"),
		    "[%s] peak at level %d (%g mmHg) exceeds "
		    "[limits] max_target_mmhg (%g)", sec, p->levels, top,
		    p->max_target_mmhg);
	if (m->hold_fraction + m->rest_fraction >= 0.95)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, sec, "rest_fraction"),
		    "[%s] hold_fraction + rest_fraction must be below 0.95",
		    sec);
	/* pumping double (when offered) is the slower pull, to its own
	 * maximum; single pumping pulls twice the flow */
	int n = p->double_pumping ? 2 : 1;
	for (int l = 1; l <= p->levels && !c->err; l++) {
		double tgt = m->peak_base_mmhg + m->peak_step_mmhg * (l - 1);
		if (n == 2 && tgt > p->max_target_double_mmhg)
			tgt = p->max_target_double_mmhg;
		double rate = p->levels > 1 ? m->rate_first_cpm +
		    (m->rate_last_cpm - m->rate_first_cpm) * (l - 1) /
		    (p->levels - 1) : m->rate_first_cpm;
		double allowed = 60.0 / rate *
		    (1.0 - m->rest_fraction - m->hold_fraction);
		double t = pb_profile_pull_s(p, tgt, n, p->batt_warn_v);
		if (t > allowed)
			fail(c, PB_PROFILE_E_VALUE,
			    line_of(c, sec, "peak_step_mmhg"),
			    "[%s] level %d (%g mmHg) is out of the pump's "
			    "reach: pulling takes %.2f s at warn_v%s, the "
			    "cycle allows %.2f s ([motor], [pneumatics])",
			    sec, l, tgt, t, n == 2 ? " pumping double" : "",
			    allowed);
	}
}

static void finish(struct ctx *c)
{
	struct pb_profile *p = c->p;
	if (c->err)
		return;
	bool have_sec[NSECTIONS];
	for (size_t i = 0; i < NSECTIONS; i++)
		have_sec[i] = c->sec_line[i] != 0;

	for (size_t k = 0; k < NKEYS; k++) {
		const struct keydef *d = &keys[k];
		if (c->key_line[k])
			continue;
		bool need = d->req == R_ALWAYS ||
		    (d->req == R_CELL && !p->mains) ||
		    (d->req == R_SECTION && have_sec[sec_index(d->sec)]);
		if (need) {
			int s = sec_index(d->sec);
			fail(c, PB_PROFILE_E_MISSING,
			    c->sec_line[s] ? c->sec_line[s] : c->line,
			    "[%s] missing required key '%s'", d->sec, d->key);
			return;
		}
	}
	p->stim.present = have_sec[sec_index("stimulation")];
	p->expr.present = have_sec[sec_index("expression")];
	if (!p->stim.present && !p->expr.present) {
		fail(c, PB_PROFILE_E_MISSING, c->line,
		    "no [stimulation] or [expression] section");
		return;
	}
	if (have_sec[sec_index("mixed")] &&
	    !(p->stim.present && p->expr.present)) {
		fail(c, PB_PROFILE_E_VALUE, c->sec_line[sec_index("mixed")],
		    "[mixed] needs both [stimulation] and [expression]");
		return;
	}
	if (!have_sec[sec_index("mixed")])
		p->mixed_stim_cycles = p->mixed_expr_cycles = 0;

	if (p->double_pumping && p->channels != 2)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, "pump", "double_pumping"),
		    "[pump] double_pumping needs channels = 2");
	/* a healthy release halves the vacuum in about valve_release_ms *
	 * ln 2 plus the sensor lag and the filter: twice that, when the
	 * file does not say */
	if (p->backflow_half_ms == 0.0)
		p->backflow_half_ms = 2.0 * (p->valve_release_ms * 0.693 +
		    p->sensor_lag_ms + p->ctrl_filter_n * p->ctrl_tick_ms);
	else if (p->backflow_half_ms >= p->stuck_after_ms)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, "limits", "backflow_half_ms"),
		    "[limits] backflow_half_ms must be below stuck_after_ms");
	if (p->max_target_double_mmhg == 0.0)
		p->max_target_double_mmhg = p->max_target_mmhg;
	else if (p->max_target_double_mmhg > p->max_target_mmhg)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "limits", "max_target_double_mmhg"),
		    "[limits] max_target_double_mmhg (%g) exceeds "
		    "max_target_mmhg (%g): pumping double reaches less per side",
		    p->max_target_double_mmhg, p->max_target_mmhg);
	else if (!p->double_pumping)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "limits", "max_target_double_mmhg"),
		    "[limits] max_target_double_mmhg needs [pump] "
		    "double_pumping = true");
	if (p->tissue_ml_100 > 0.0 && p->tissue_ml_100 * 4.0 >=
	    p->min_volume_ml)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "pneumatics", "tissue_ml_per_100mmhg"),
		    "[pneumatics] tissue_ml_per_100mmhg: at 400 mmHg the tissue "
		    "would fill min_volume_ml");
	if (p->stim.present)
		check_curve(c, "stimulation", &p->stim);
	if (p->expr.present)
		check_curve(c, "expression", &p->expr);
	if (p->trip_abs_mmhg <= p->max_target_mmhg)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, "limits", "trip_abs_mmhg"),
		    "[limits] trip_abs_mmhg must exceed max_target_mmhg");
	if (p->trip_abs_mmhg >= p->sensor_fs_mmhg)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, "sensor", "fs_mmhg"),
		    "[sensor] fs_mmhg must exceed [limits] trip_abs_mmhg");
	if (p->max_target_mmhg >= p->stall_vacuum_mmhg)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "motor", "stall_vacuum_mmhg"),
		    "[motor] stall_vacuum_mmhg must exceed [limits] "
		    "max_target_mmhg");
	if (p->min_volume_ml > p->dead_volume_ml)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "pneumatics", "min_volume_ml"),
		    "[pneumatics] min_volume_ml exceeds dead_volume_ml");
	if (p->batt_cutoff_v >= p->batt_warn_v)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, "battery", "cutoff_v"),
		    "[battery] cutoff_v must be below warn_v");
	if (!p->mains && p->batt_empty_v >= p->batt_full_v)
		fail(c, PB_PROFILE_E_VALUE, line_of(c, "battery", "empty_v"),
		    "[battery] empty_v must be below full_v");
	if (!(p->sensor_low_v < p->sensor_high_v))
		fail(c, PB_PROFILE_E_VALUE, line_of(c, "sensor", "high_v"),
		    "[sensor] low_v must be below high_v");
	if (p->open_detect_ma >= p->stall_detect_ma)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "motor", "open_detect_ma"),
		    "[motor] open_detect_ma must be below stall_detect_ma");
	if (p->cal_points < p->cal_order + 1)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "calibration", "points_mmhg"),
		    "[calibration] order %d needs at least %d points",
		    p->cal_order, p->cal_order + 1);
	else if (p->cal_point_mmhg[p->cal_points - 1] > p->max_target_mmhg)
		fail(c, PB_PROFILE_E_VALUE,
		    line_of(c, "calibration", "points_mmhg"),
		    "[calibration] point %g mmHg exceeds [limits] "
		    "max_target_mmhg (%g)", p->cal_point_mmhg[p->cal_points - 1],
		    p->max_target_mmhg);
}

int pb_profile_load_mem(struct pb_profile *p, const char *name,
    const char *buf, size_t len, char *err, size_t errlen)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	memset(p, 0, sizeof(*p));
	c.p = p;
	c.name = name ? name : "(memory)";
	c.msg = err;
	c.msglen = errlen;
	c.buf = buf;
	c.len = buf ? len : 0;
	if (err && errlen)
		err[0] = '\0';
	snprintf(p->path, sizeof(p->path), "%s", c.name);

	int rc = ini_parse_stream(reader, &c, handler, &c);
	if (rc < 0 && !c.err)
		fail(&c, PB_PROFILE_E_SYNTAX, 0, "cannot parse (out of memory)");
	if (rc > 0 && (!c.err || rc < c.err_line)) {
		/* inih found a syntax error before our first complaint */
		c.err = 0;
		fail(&c, PB_PROFILE_E_SYNTAX, rc,
		    "syntax error (expected [section] or key = value)");
	}
	finish(&c);
	return c.err;
}

#define PROFILE_MAX_BYTES ((size_t)1 << 20)   /* 1 MiB is no profile */

int pb_profile_load(struct pb_profile *p, const char *path, char *err,
    size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	char *buf;
	size_t len;
	char why[160];
	/* never blocks on a FIFO, reads only a regular file (base/file.h) */
	if (pb_file_read_all(path, PROFILE_MAX_BYTES, 0, &buf, &len, why,
	    sizeof why) != PB_FILE_OK) {
		if (err && errlen) {
			char raw[512];
			snprintf(raw, sizeof raw, "%s:0: %s", path, why);
			pb_text_escape_str(err, errlen, raw);
		}
		memset(p, 0, sizeof(*p));
		return PB_PROFILE_E_OPEN;
	}
	int rc = pb_profile_load_mem(p, path, buf, len, err, errlen);
	free(buf);
	return rc;
}

static bool is_path(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') || (n > 4 && strcmp(s + n - 4, ".ini") == 0);
}

int pb_profile_find_id(struct pb_profile *p, const char *id, char *err,
    size_t errlen)
{
	char eid[4 * PB_PROFILE_ID_LEN + 8];
	pb_text_escape(eid, sizeof eid, id ? id : "",
	    id ? strnlen(id, PB_PROFILE_ID_LEN) : 0);
	memset(p, 0, sizeof(*p));
	if (!pb_profile_id_valid(id)) {
		if (err && errlen)
			snprintf(err, errlen, "'%s' is not a profile id (1..%d "
			    "letters, digits, '-' and '_'): not looked up",
			    eid, PB_PROFILE_ID_LEN - 1);
		return PB_PROFILE_E_OPEN;
	}
	struct pb_datadirs dirs;
	pb_datadir_get(&dirs);
	char rel[PB_PROFILE_ID_LEN + 16];
	snprintf(rel, sizeof rel, "pumps/%s.ini", id);
	char path[PATH_MAX];
	if (pb_datadir_find(&dirs, rel, path, sizeof path) == 0) {
		int rc = pb_profile_load(p, path, err, errlen);
		if (rc == PB_PROFILE_OK && strcmp(p->id, id) != 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s:0: the file's id is "
				    "'%s', not '%s'", path, p->id, id);
			memset(p, 0, sizeof(*p));
			return PB_PROFILE_E_VALUE;
		}
		return rc;
	}
	if (err && errlen) {
		char where[3 * PATH_MAX];
		pb_datadir_describe(&dirs, "pumps", where, sizeof where);
		snprintf(err, errlen, "profile '%s' not found (no %s.ini in "
		    "%s)", id, id, where);
	}
	return PB_PROFILE_E_OPEN;
}

int pb_profile_find(struct pb_profile *p, const char *id_or_path, char *err,
    size_t errlen)
{
	if (is_path(id_or_path))
		return pb_profile_load(p, id_or_path, err, errlen);
	return pb_profile_find_id(p, id_or_path, err, errlen);
}

const char *pb_profile_strerror(int err)
{
	switch (err) {
	case PB_PROFILE_OK: return "ok";
	case PB_PROFILE_E_OPEN: return "cannot open the profile";
	case PB_PROFILE_E_SYNTAX: return "profile syntax error";
	case PB_PROFILE_E_KEY: return "unknown or duplicate profile key";
	case PB_PROFILE_E_VALUE: return "bad profile value";
	case PB_PROFILE_E_MISSING: return "required profile key missing";
	default: return "unknown profile error";
	}
}
