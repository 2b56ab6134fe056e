/*
 * hil/scenario.c - Lua 5.4 scenarios: sandbox, API bindings, outcomes.
 * See scenario.h for the promise and docs/hil.md for the Lua API.
 */
#include "hil/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hil/fixture.h"
#include "hil/series.h"
#include "proto/msg.h"
#include "pump/units.h"
#include "tools/pumpsim/emulator.h"

#define SCN_MEM_LIMIT     (256u << 20)   /* bytes a script may allocate */
#define SCN_HOOK_COUNT    1000000        /* instructions between checks */
#define SCN_MAX_TRACES    16
#define SCN_MAX_SERIES    4000000u       /* samples one measure may take */
#define DEFAULT_PERIOD_US 2000u          /* measure sampling, 2 ms */
#define TRACE_PERIOD_US   10000u         /* trace default, 10 ms */
#define CYCLE_MIN_SWING   5.0            /* mmHg: less is no cycling */

const char *pb_scn_strerror(int err)
{
	switch (err) {
	case PB_SCN_OK: return "ok";
	case PB_SCN_E_OPEN: return "cannot read scenario";
	case PB_SCN_E_META: return "bad scenario metadata";
	}
	return "unknown scenario error";
}

/* ---- metadata (pure) --------------------------------------------------- */

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	size_t i = 0;
	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static void default_name(const char *path, char *out, size_t n)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(out, n, "%s", b);
	char *dot = strrchr(out, '.');
	if (dot && strcmp(dot, ".lua") == 0)
		*dot = '\0';
}

int pb_scn_parse_meta(const char *text, size_t len, const char *name,
    struct pb_scn_meta *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	default_name(name, m->name, sizeof m->name);
	size_t pos = 0;
	int line = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		char buf[512];
		size_t n = end - pos;
		if (n >= sizeof buf)
			n = sizeof buf - 1;
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos = end + 1;
		if (memchr(buf, '\0', n)) {
			snprintf(err, errlen, "%s:%d: NUL byte in scenario",
			    name, line);
			return PB_SCN_E_META;
		}
		trim(buf);
		if (line == 1 && buf[0] == '#')   /* shebang */
			continue;
		if (buf[0] == '\0')
			continue;
		if (strncmp(buf, "--", 2) != 0)
			break;                        /* first line of code */
		if (buf[2] != '@')
			continue;                     /* ordinary comment */
		char *key = buf + 3;
		char *val = key;
		while (*val && !isspace((unsigned char)*val))
			val++;
		if (*val)
			*val++ = '\0';
		trim(val);
		struct { const char *k; char *dst; size_t cap; } strs[] = {
			{ "name", m->name, sizeof m->name },
			{ "profile", m->profile, sizeof m->profile },
			{ "defect", m->defect, sizeof m->defect },
			{ "requires", m->requires, sizeof m->requires },
			{ "description", m->description, sizeof m->description },
		};
		bool known = false;
		for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
			if (strcmp(key, strs[i].k) != 0)
				continue;
			known = true;
			if (!*val || strlen(val) >= strs[i].cap) {
				snprintf(err, errlen, "%s:%d: --@%s needs a value "
				    "(at most %zu characters)", name, line, key,
				    strs[i].cap - 1);
				return PB_SCN_E_META;
			}
			snprintf(strs[i].dst, strs[i].cap, "%s", val);
		}
		if (strcmp(key, "timeout") == 0) {
			known = true;
			char *e = NULL;
			errno = 0;
			double t = strtod(val, &e);
			if (errno || e == val || *e || !(t > 0 && t <= 86400)) {
				snprintf(err, errlen, "%s:%d: --@timeout wants "
				    "seconds in (0, 86400], got '%s'", name, line,
				    val);
				return PB_SCN_E_META;
			}
			m->timeout_s = t;
		}
		if (!known) {
			snprintf(err, errlen, "%s:%d: unknown metadata key "
			    "'--@%s' (name, profile, defect, requires, timeout, "
			    "description)", name, line, key);
			return PB_SCN_E_META;
		}
		if (strcmp(key, "requires") == 0 &&
		    strcmp(m->requires, "sim") != 0 &&
		    strcmp(m->requires, "ftdi") != 0) {
			snprintf(err, errlen, "%s:%d: --@requires wants sim or "
			    "ftdi, got '%s'", name, line, m->requires);
			return PB_SCN_E_META;
		}
		if (strcmp(key, "defect") == 0) {
			unsigned bit;
			if (pb_defect_parse(m->defect, &bit) != 0) {
				snprintf(err, errlen, "%s:%d: unknown defect "
				    "switch '%s'", name, line, m->defect);
				return PB_SCN_E_META;
			}
		}
	}
	return PB_SCN_OK;
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			if (cap > (16u << 20)) {
				snprintf(err, errlen, "%s: larger than 16 MiB",
				    path);
				free(buf);
				buf = NULL;
				break;
			}
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
		size_t k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	if (buf && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		buf = NULL;
	} else if (!buf && !err[0]) {
		snprintf(err, errlen, "%s: out of memory", path);
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

int pb_scn_read_meta(const char *path, struct pb_scn_meta *m, char *err,
    size_t errlen)
{
	size_t len = 0;
	err[0] = '\0';
	char *text = slurp(path, &len, err, errlen);
	if (!text) {
		memset(m, 0, sizeof *m);
		default_name(path, m->name, sizeof m->name);
		return PB_SCN_E_OPEN;
	}
	int rc = pb_scn_parse_meta(text, len, path, m, err, errlen);
	free(text);
	return rc;
}

/* ---- run state --------------------------------------------------------- */

enum ctrl {
	CTRL_NONE = 0,
	CTRL_ERROR,     /* rig / infrastructure broke */
	CTRL_FAIL,      /* fail() */
	CTRL_SKIP,
	CTRL_ABORT
};

enum signal_kind {
	SIG_VACUUM, SIG_MEASURED, SIG_VALVE, SIG_MOTOR, SIG_ALARM, SIG_INJECT,
	SIG_TARGET
};

struct active_trace {
	size_t   idx;       /* into a->traces */
	int      sig, ch;
	uint64_t period_us, next_us;
};

struct scn {
	const struct pb_scn_ctx *ctx;
	struct pb_attempt *a;
	struct pb_dut *dut;
	struct pb_fixture *fix;
	char dir[512];
	uint64_t t0_us, deadline_us;
	uint64_t wall0;
	size_t mem_used;

	enum ctrl ctrl;
	char ctrl_msg[512];
	char ctrl_where[256];

	bool rig_error;        /* the ERROR came from the rig or DUT link */
	bool failed;
	char fail_msg[512];
	char fail_where[256];

	char err_where[256];   /* set by the message handler */

	struct active_trace at[SCN_MAX_TRACES];
	struct bg_ramp {            /* inject.ramp(..., {background=true}) */
		bool on;
		uint64_t t0, dur, step, next;
		double v0, v1;          /* volts */
	} ramp[PB_MAX_CH];
	size_t n_at;
	size_t trace_max;
};

static const char SCN_KEY = 'S';

static struct scn *get_scn(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &SCN_KEY);
	struct scn *s = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return s;
}

/* file:line of the innermost Lua function running */
static void lua_where(lua_State *L, char *out, size_t n)
{
	lua_Debug ar;
	out[0] = '\0';
	for (int lvl = 0; lua_getstack(L, lvl, &ar); lvl++) {
		lua_getinfo(L, "Sl", &ar);
		if (ar.currentline > 0) {
			snprintf(out, n, "%s:%d", ar.short_src, ar.currentline);
			return;
		}
	}
}

static double rig_seconds(struct scn *s)
{
	if (!s->dut)
		return 0;
	uint64_t now = pb_dut_now(s->dut);
	return (double)(now - s->t0_us) / 1e6;
}

static void slog(struct scn *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void slog(struct scn *s, const char *fmt, ...)
{
	char line[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	pb_attempt_log(s->a, "[%9.3f] %s", rig_seconds(s), line);
}

static void drain_dut_log(struct scn *s)
{
	if (!s->dut)
		return;
	char *log = pb_dut_take_log(s->dut);
	if (!log)
		return;
	/* already stamped by dut.c; strip the final newline */
	size_t n = strlen(log);
	if (n && log[n - 1] == '\n')
		log[n - 1] = '\0';
	pb_attempt_log(s->a, "%s", log);
	free(log);
}

/* Raise a control condition (error/skip/abort/fail) from C.  Sticky: a
 * script that pcall()s it away still ends with that outcome. */
static int scn_raise(lua_State *L, struct scn *s, enum ctrl c, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
static int scn_raise(lua_State *L, struct scn *s, enum ctrl c, const char *fmt,
    ...)
{
	if (s->ctrl == CTRL_NONE) {
		s->ctrl = c;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->ctrl_msg, sizeof s->ctrl_msg, fmt, ap);
		va_end(ap);
		lua_where(L, s->ctrl_where, sizeof s->ctrl_where);
	}
	return luaL_error(L, "%s", s->ctrl_msg);
}

static void check_ctrl(lua_State *L, struct scn *s)
{
	if (s->ctrl != CTRL_NONE)
		luaL_error(L, "%s", s->ctrl_msg);
}

static struct scn *need_rig(lua_State *L, const char *fn)
{
	struct scn *s = get_scn(L);
	check_ctrl(L, s);
	if (!s->dut)
		scn_raise(L, s, CTRL_ERROR, "%s: no rig attached", fn);
	return s;
}

static void dut_error(lua_State *L, struct scn *s, int rc, const char *what)
{
	drain_dut_log(s);
	if (s->ctrl == CTRL_NONE)
		s->rig_error = true;
	if (rc == PB_DUT_E_INTERRUPTED)
		scn_raise(L, s, CTRL_ABORT, "%s: %s", what, pb_dut_errmsg(s->dut));
	scn_raise(L, s, CTRL_ERROR, "%s: %s", what, pb_dut_errmsg(s->dut));
}

static int check_channel(lua_State *L, struct scn *s, int arg)
{
	lua_Integer ch = luaL_checkinteger(L, arg);
	int n = s->fix ? pb_fixture_rig(s->fix)->channels : PB_MAX_CH;
	if (ch < 1 || ch > n)
		luaL_error(L, "channel %d out of range 1..%d", (int)ch, n);
	return (int)ch - 1;
}

/* t[k] = v on the table at the top of the stack */
static void setnum(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void setint(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void setstr(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void setbool(lua_State *L, const char *k, bool v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, k);
}

/* ---- sampling and time ------------------------------------------------- */

static double sample_signal(lua_State *L, struct scn *s, int sig, int ch)
{
	int rc;
	switch (sig) {
	case SIG_VACUUM: {
		double mmhg = NAN;
		rc = pb_fixture_read_reference(s->fix, ch, NULL, &mmhg);
		if (rc != PB_FIX_OK)
			goto fixfail;
		return mmhg;
	}
	case SIG_VALVE:
	case SIG_MOTOR:
	case SIG_ALARM: {
		uint32_t bits = 0;
		rc = pb_fixture_read_outputs(s->fix, &bits);
		if (rc != PB_FIX_OK)
			goto fixfail;
		uint32_t b = sig == SIG_VALVE ? PB_FIX_OUT_VALVE(ch) :
		    sig == SIG_MOTOR ? PB_FIX_OUT_MOTOR : PB_FIX_OUT_ALARM;
		return (bits & b) ? 1.0 : 0.0;
	}
	case SIG_MEASURED: {
		const struct pb_telemetry *t = pb_dut_telemetry(s->dut, NULL);
		if (!t || t->n == 0 || ch >= t->channels)
			return NAN;
		return t->samples[ch][t->n - 1] / 10.0;
	}
	case SIG_TARGET: {
		const struct pb_telemetry *t = pb_dut_telemetry(s->dut, NULL);
		return t ? t->target / 10.0 : NAN;
	}
	case SIG_INJECT:
		return s->fix->inject_on[ch] ? s->fix->inject_v[ch] : NAN;
	}
	return NAN;
fixfail:
	if (s->ctrl == CTRL_NONE)
		s->rig_error = true;
	if (rc == PB_FIX_E_INTERRUPTED)
		scn_raise(L, s, CTRL_ABORT, "interrupted");
	scn_raise(L, s, CTRL_ERROR, "fixture read failed: %s: %s",
	    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
	return NAN;
}

typedef void (*sample_fn)(lua_State *L, struct scn *s, void *ctx,
    uint64_t now_us);

/* Move rig time to until_us.  Samples cb every period_us (when cb is
 * set), records due trace samples, and enforces the scenario timeout,
 * signals and the DUT's errors. */
static void set_inject(lua_State *L, struct scn *s, int ch, bool on,
    double volts);

/* Apply background ramps that are due at now. */
static void run_ramps(lua_State *L, struct scn *s, uint64_t now)
{
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		struct bg_ramp *r = &s->ramp[ch];
		if (!r->on || now < r->next)
			continue;
		uint64_t el = now - r->t0;
		if (el >= r->dur) {
			el = r->dur;
			r->on = false;
		}
		double f = r->dur ? (double)el / (double)r->dur : 1.0;
		set_inject(L, s, ch, true, r->v0 + (r->v1 - r->v0) * f);
		r->next = now + r->step;
		if (r->next > r->t0 + r->dur)
			r->next = r->t0 + r->dur;
	}
}

static void advance_to(lua_State *L, struct scn *s, uint64_t until_us,
    uint64_t period_us, sample_fn cb, void *ctx)
{
	uint64_t now = pb_dut_now(s->dut);
	uint64_t next_cb = now + period_us;
	uint64_t wall_start = s->ctx->wall_us ? s->ctx->wall_us() : 0;
	bool ftdi = s->ctx->rig_kind && strcmp(s->ctx->rig_kind, "ftdi") == 0;
	double asked = (double)(until_us > now ? until_us - now : 0) / 1e6;
	if (cb)
		cb(L, s, ctx, now);
	while (now < until_us) {
		check_ctrl(L, s);
		uint64_t next = until_us;
		if (cb && next_cb < next)
			next = next_cb;
		for (size_t i = 0; i < s->n_at; i++)
			if (s->at[i].next_us < next && s->at[i].next_us > now)
				next = s->at[i].next_us;
		for (int ch = 0; ch < PB_MAX_CH; ch++)
			if (s->ramp[ch].on && s->ramp[ch].next < next &&
			    s->ramp[ch].next > now)
				next = s->ramp[ch].next;
		bool timeout = false;
		if (next > s->deadline_us) {
			next = s->deadline_us;
			timeout = true;
		}
		if (next > now) {
			int rc = pb_dut_advance(s->dut, next);
			if (rc != PB_DUT_OK)
				dut_error(L, s, rc, "rig");
		}
		now = pb_dut_now(s->dut);
		if (timeout && now >= s->deadline_us) {
			drain_dut_log(s);
			scn_raise(L, s, CTRL_ERROR, "scenario timeout: %.1f s of "
			    "rig time used", s->ctx->timeout_s);
		}
		run_ramps(L, s, now);
		for (size_t i = 0; i < s->n_at; i++) {
			struct active_trace *t = &s->at[i];
			while (t->next_us <= now) {
				double v = sample_signal(L, s, t->sig, t->ch);
				pb_trace_push(&s->a->traces[t->idx], v,
				    s->trace_max);
				t->next_us += t->period_us;
			}
		}
		if (cb && now >= next_cb) {
			cb(L, s, ctx, now);
			next_cb += period_us;
			if (next_cb <= now)
				next_cb = now + period_us;
		}
		if (pb_fixture_interrupted())
			scn_raise(L, s, CTRL_ABORT, "interrupted by signal %d",
			    pb_fixture_interrupted());
	}
	drain_dut_log(s);
	if (ftdi && s->ctx->wall_us) {
		double took = (double)(s->ctx->wall_us() - wall_start) / 1e6;
		if (took > asked + s->ctx->step_timeout_s)
			scn_raise(L, s, CTRL_ERROR, "step timeout: %.1f s of wall "
			    "time for %.1f s of rig time", took, asked);
	}
}

static uint64_t secs_us(double s)
{
	if (!(s > 0))
		return 0;
	if (s > 1e7)
		s = 1e7;
	return (uint64_t)llround(s * 1e6);
}

static uint64_t opt_period(lua_State *L, int arg, uint64_t def)
{
	if (!lua_istable(L, arg))
		return def;
	lua_getfield(L, arg, "period");
	uint64_t p = def;
	if (!lua_isnil(L, -1)) {
		double v = luaL_checknumber(L, -1);
		if (!(v >= 0.0001 && v <= 60))
			luaL_error(L, "period %g s out of range 0.0001..60", v);
		p = secs_us(v);
	}
	lua_pop(L, 1);
	return p;
}

/* ---- core API: log, expect, fail, requires, wait ----------------------- */

/* log(...) joins tostring() of its arguments with spaces. */
static int l_log(lua_State *L)
{
	struct scn *s = get_scn(L);
	int n = lua_gettop(L);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, ' ');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	slog(s, "%s", lua_tostring(L, -1));
	return 0;
}

static bool get_limit(lua_State *L, int t, const char *k, struct pb_limit *l)
{
	lua_getfield(L, t, k);
	bool set = !lua_isnil(L, -1);
	if (set) {
		if (!lua_isnumber(L, -1))
			luaL_error(L, "expect: limit '%s' must be a number", k);
		l->set = true;
		l->v = lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	return set;
}

static void fmt_limits(const struct pb_measurement *m, char *b, size_t n)
{
	char lo[32] = "-inf", hi[32] = "+inf";
	if (m->low.set)
		snprintf(lo, sizeof lo, "%g", m->low.v);
	if (m->high.set)
		snprintf(hi, sizeof hi, "%g", m->high.v);
	snprintf(b, n, "[%s, %s]", lo, hi);
}

/* expect(name, value [, {unit=, low=, high=, marginal_low=,
 * marginal_high=, equals=, nominal=, tol=, marginal_tol=}]) -> ok */
static int l_expect(lua_State *L)
{
	struct scn *s = get_scn(L);
	check_ctrl(L, s);
	const char *name = luaL_checkstring(L, 1);
	struct pb_measurement *m = pb_attempt_add_measurement(s->a);
	if (!m)
		return scn_raise(L, s, CTRL_ERROR, "out of memory");
	snprintf(m->name, sizeof m->name, "%s", name);
	bool is_bool = lua_isboolean(L, 2);
	if (is_bool)
		m->value = lua_toboolean(L, 2) ? 1.0 : 0.0;
	else if (lua_isnil(L, 2) || lua_isnone(L, 2))
		m->value = NAN;
	else if (lua_isnumber(L, 2))
		m->value = lua_tonumber(L, 2);
	else
		return luaL_error(L, "expect '%s': value must be a number, "
		    "boolean or nil, got %s", name, luaL_typename(L, 2));
	snprintf(m->unit, sizeof m->unit, "%s", is_bool ? "bool" : "");
	bool any = false;
	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, "unit");
		if (lua_isstring(L, -1))
			snprintf(m->unit, sizeof m->unit, "%s",
			    lua_tostring(L, -1));
		lua_pop(L, 1);
		any |= get_limit(L, 3, "low", &m->low);
		any |= get_limit(L, 3, "high", &m->high);
		any |= get_limit(L, 3, "marginal_low", &m->mlow);
		any |= get_limit(L, 3, "marginal_high", &m->mhigh);
		struct pb_limit eq = {0}, nom = {0}, tol = {0}, mtol = {0};
		if (get_limit(L, 3, "equals", &eq)) {
			m->low = m->high = eq;
			any = true;
		}
		lua_getfield(L, 3, "equals");
		if (lua_isboolean(L, -1)) {
			m->low.set = m->high.set = true;
			m->low.v = m->high.v = lua_toboolean(L, -1) ? 1 : 0;
			any = true;
		}
		lua_pop(L, 1);
		get_limit(L, 3, "nominal", &nom);
		get_limit(L, 3, "tol", &tol);
		get_limit(L, 3, "marginal_tol", &mtol);
		if (nom.set && tol.set) {
			m->low = (struct pb_limit){ true, nom.v - tol.v };
			m->high = (struct pb_limit){ true, nom.v + tol.v };
			any = true;
		}
		if (nom.set && mtol.set) {
			m->mlow = (struct pb_limit){ true, nom.v - mtol.v };
			m->mhigh = (struct pb_limit){ true, nom.v + mtol.v };
		}
	} else if (!lua_isnoneornil(L, 3)) {
		return luaL_error(L, "expect '%s': limits must be a table",
		    name);
	}
	if (is_bool && !any) {
		m->low = m->high = (struct pb_limit){ true, 1.0 };
	}
	lua_where(L, m->where, sizeof m->where);
	pb_measurement_judge(m);
	char lim[96];
	fmt_limits(m, lim, sizeof lim);
	slog(s, "expect %s = %g %s %s: %s%s", m->name, m->value, m->unit, lim,
	    pb_outcome_name(m->outcome), m->marginal ? " (MARGINAL)" : "");
	if (m->outcome == PB_OUT_FAIL && !s->failed) {
		s->failed = true;
		snprintf(s->fail_msg, sizeof s->fail_msg,
		    "%s = %g %s outside %s", m->name, m->value, m->unit, lim);
		snprintf(s->fail_where, sizeof s->fail_where, "%s", m->where);
	}
	lua_pushboolean(L, m->outcome == PB_OUT_PASS);
	return 1;
}

static int l_fail(lua_State *L)
{
	struct scn *s = get_scn(L);
	const char *msg = luaL_optstring(L, 1, "fail() called");
	return scn_raise(L, s, CTRL_FAIL, "%s", msg);
}

static int l_skip(lua_State *L)
{
	struct scn *s = get_scn(L);
	const char *msg = luaL_optstring(L, 1, "skip() called");
	return scn_raise(L, s, CTRL_SKIP, "%s", msg);
}

static const char *rig_kind(struct scn *s)
{
	return s->ctx->rig_kind ? s->ctx->rig_kind : "none";
}

static int l_requires(lua_State *L)
{
	struct scn *s = get_scn(L);
	check_ctrl(L, s);
	const char *kind = luaL_checkstring(L, 1);
	if (strcmp(kind, "sim") != 0 && strcmp(kind, "ftdi") != 0)
		return luaL_error(L, "requires: unknown rig kind '%s' (sim, "
		    "ftdi)", kind);
	if (strcmp(kind, rig_kind(s)) != 0)
		return scn_raise(L, s, CTRL_SKIP, "needs the %s rig (this is %s)",
		    kind, rig_kind(s));
	return 0;
}

static int l_now(lua_State *L)
{
	struct scn *s = get_scn(L);
	lua_pushnumber(L, rig_seconds(s));
	return 1;
}

static int l_wait(lua_State *L)
{
	struct scn *s = need_rig(L, "wait");
	double sec = luaL_checknumber(L, 1);
	if (!(sec >= 0))
		return luaL_error(L, "wait: seconds must be >= 0");
	advance_to(L, s, pb_dut_now(s->dut) + secs_us(sec), 0, NULL, NULL);
	return 0;
}

/* Poll a Lua predicate every period until it has held for hold_us (0:
 * once) or timeout.  Returns the seconds from the start to the moment it
 * became (and stayed) true, or a negative value on timeout. */
struct poll_ctx {
	int fn;            /* stack index of the function */
	uint64_t hold_us;
	bool on;
	uint64_t since;
	bool hit;
	uint64_t hit_us;
};

static void poll_cb(lua_State *L, struct poll_ctx *p, uint64_t now)
{
	if (p->hit)
		return;
	lua_pushvalue(L, p->fn);
	lua_call(L, 0, 1);
	bool v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (!v) {
		p->on = false;
		return;
	}
	if (!p->on) {
		p->on = true;
		p->since = now;
	}
	if (now - p->since >= p->hold_us) {
		p->hit = true;
		p->hit_us = p->since;
	}
}

static double poll_until(lua_State *L, struct scn *s, int fn, double timeout,
    uint64_t period, uint64_t hold_us)
{
	struct poll_ctx p = { .fn = fn, .hold_us = hold_us };
	uint64_t start = pb_dut_now(s->dut);
	uint64_t end = start + secs_us(timeout);
	uint64_t now = start;
	poll_cb(L, &p, now);
	/* a streak that starts before the timeout may finish after it */
	while (!p.hit && (now < end || (p.on && p.since <= end &&
	    now < p.since + hold_us))) {
		uint64_t next = now + period;
		uint64_t lim = p.on && p.since <= end ? p.since + hold_us : end;
		if (lim < end)
			lim = end;
		if (next > lim)
			next = lim;
		advance_to(L, s, next, 0, NULL, NULL);
		now = pb_dut_now(s->dut);
		poll_cb(L, &p, now);
	}
	return p.hit ? (double)(p.hit_us - start) / 1e6 : -1.0;
}

static uint64_t opt_hold(lua_State *L, int arg)
{
	if (!lua_istable(L, arg))
		return 0;
	lua_getfield(L, arg, "hold");
	uint64_t h = 0;
	if (!lua_isnil(L, -1)) {
		double v = luaL_checknumber(L, -1);
		if (!(v >= 0 && v <= 86400))
			luaL_error(L, "hold %g s out of range 0..86400", v);
		h = secs_us(v);
	}
	lua_pop(L, 1);
	return h;
}

/* wait_until(fn, timeout [, {period=}]) -> ok, seconds */
static int l_wait_until(lua_State *L)
{
	struct scn *s = need_rig(L, "wait_until");
	luaL_checktype(L, 1, LUA_TFUNCTION);
	double timeout = luaL_optnumber(L, 2, pb_dut_step_timeout(s->dut));
	if (!(timeout >= 0))
		return luaL_error(L, "wait_until: timeout must be >= 0");
	uint64_t period = opt_period(L, 3, 10000);
	double t = poll_until(L, s, 1, timeout, period, opt_hold(L, 3));
	lua_pushboolean(L, t >= 0);
	lua_pushnumber(L, t >= 0 ? t : timeout);
	return 2;
}

/* ---- traces ------------------------------------------------------------ */

static int parse_signal(const char *name, int *sig, int *ch)
{
	static const struct { const char *p; int sig; bool has_ch; } t[] = {
		{ "vacuum", SIG_VACUUM, true }, { "measured", SIG_MEASURED, true },
		{ "valve", SIG_VALVE, true }, { "inject", SIG_INJECT, true },
		{ "motor", SIG_MOTOR, false }, { "alarm", SIG_ALARM, false },
		{ "target", SIG_TARGET, false },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t n = strlen(t[i].p);
		if (strncmp(name, t[i].p, n) != 0)
			continue;
		const char *rest = name + n;
		if (!t[i].has_ch) {
			if (*rest)
				return -1;
			*sig = t[i].sig;
			*ch = 0;
			return 0;
		}
		if ((rest[0] == '1' || rest[0] == '2') && rest[1] == '\0') {
			*sig = t[i].sig;
			*ch = rest[0] - '1';
			return 0;
		}
		return -1;
	}
	return -1;
}

static const char *signal_unit(int sig)
{
	switch (sig) {
	case SIG_VACUUM: case SIG_MEASURED: case SIG_TARGET: return "mmHg";
	case SIG_INJECT: return "V";
	default: return "bool";
	}
}

/* trace(name [, {period=}]) records a signal until the scenario ends. */
static int l_trace(lua_State *L)
{
	struct scn *s = need_rig(L, "trace");
	const char *name = luaL_checkstring(L, 1);
	int sig, ch;
	if (parse_signal(name, &sig, &ch) != 0)
		return luaL_error(L, "trace: unknown signal '%s' (vacuum1, "
		    "vacuum2, measured1, measured2, valve1, valve2, inject1, "
		    "inject2, motor, alarm, target)", name);
	if (ch >= pb_fixture_rig(s->fix)->channels)
		return luaL_error(L, "trace: '%s': the rig has %d channel(s)",
		    name, pb_fixture_rig(s->fix)->channels);
	if (s->n_at >= SCN_MAX_TRACES)
		return luaL_error(L, "trace: at most %d traces",
		    SCN_MAX_TRACES);
	uint64_t period = opt_period(L, 2, TRACE_PERIOD_US);
	struct pb_trace *t = pb_attempt_add_trace(s->a);
	if (!t)
		return scn_raise(L, s, CTRL_ERROR, "out of memory");
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->unit, sizeof t->unit, "%s", signal_unit(sig));
	t->t0_s = rig_seconds(s);
	t->period_s = (double)period / 1e6;
	struct active_trace *at = &s->at[s->n_at++];
	at->idx = s->a->n_traces - 1;
	at->sig = sig;
	at->ch = ch;
	at->period_us = period;
	at->next_us = pb_dut_now(s->dut);
	return 0;
}

/* ---- measurements ------------------------------------------------------ */

/* A measure.* call: the signal it samples, its series, its options. */
struct measure_call {
	struct scn *s;
	const char *fn;
	int sig, ch;
	bool has_lo, has_hi;            /* cycle thresholds given */
	double th_lo, th_hi;            /* mmHg */
	struct pb_series se;
	int (*stat)(lua_State *L, struct measure_call *mc);
};

static void series_cb(lua_State *L, struct scn *s, void *vctx, uint64_t now)
{
	struct measure_call *mc = vctx;
	double v = sample_signal(L, s, mc->sig, mc->ch);
	pb_series_push(&mc->se, (double)(now - s->t0_us) / 1e6, v);
}

/* Body of a measurement, run protected so the series is always freed:
 * sample channel (arg 1) for seconds (arg 2), options at 3. */
static int measure_body(lua_State *L)
{
	struct measure_call *mc = lua_touserdata(L, 1);
	lua_remove(L, 1);
	struct scn *s = mc->s;
	mc->ch = check_channel(L, s, 1);
	double sec = luaL_checknumber(L, 2);
	if (!(sec > 0))
		return luaL_error(L, "%s: seconds must be > 0", mc->fn);
	uint64_t period = opt_period(L, 3, DEFAULT_PERIOD_US);
	if (lua_istable(L, 3)) {
		struct pb_limit lo = {0}, hi = {0};
		get_limit(L, 3, "low", &lo);
		get_limit(L, 3, "high", &hi);
		mc->has_lo = lo.set;
		mc->th_lo = lo.v;
		mc->has_hi = hi.set;
		mc->th_hi = hi.v;
	}
	advance_to(L, s, pb_dut_now(s->dut) + secs_us(sec), period,
	    series_cb, mc);
	if (mc->se.full)
		return luaL_error(L, "%s: too many samples (at most %u)",
		    mc->fn, SCN_MAX_SERIES);
	return mc->stat(L, mc);
}

static int run_measure(lua_State *L, const char *fn,
    int (*stat)(lua_State *, struct measure_call *))
{
	struct scn *s = need_rig(L, fn);
	struct measure_call mc = { .s = s, .fn = fn, .sig = SIG_VACUUM,
		.stat = stat };
	pb_series_init(&mc.se, SCN_MAX_SERIES);
	int nargs = lua_gettop(L);
	lua_pushcfunction(L, measure_body);
	lua_insert(L, 1);
	lua_pushlightuserdata(L, &mc);
	lua_insert(L, 2);
	int rc = lua_pcall(L, nargs + 1, LUA_MULTRET, 0);
	pb_series_free(&mc.se);
	if (rc != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

static int st_peak(lua_State *L, struct measure_call *mc)
{
	lua_pushnumber(L, pb_series_max(&mc->se));
	return 1;
}

static int st_trough(lua_State *L, struct measure_call *mc)
{
	lua_pushnumber(L, pb_series_min(&mc->se));
	return 1;
}

static int st_mean(lua_State *L, struct measure_call *mc)
{
	lua_pushnumber(L, pb_series_mean(&mc->se));
	return 1;
}

/* hold decay: the vacuum's fall rate, mmHg/s */
static int st_decay(lua_State *L, struct measure_call *mc)
{
	lua_pushnumber(L, -pb_series_slope(&mc->se));
	return 1;
}

static void cycles_of(struct measure_call *mc, struct pb_cycles *c)
{
	pb_series_cycles(&mc->se, mc->has_lo ? &mc->th_lo : NULL,
	    mc->has_hi ? &mc->th_hi : NULL, CYCLE_MIN_SWING, c);
}

static int st_rate(lua_State *L, struct measure_call *mc)
{
	struct pb_cycles c;
	cycles_of(mc, &c);
	lua_pushnumber(L, c.rate_cpm);
	return 1;
}

static int st_cycles(lua_State *L, struct measure_call *mc)
{
	struct pb_cycles c;
	cycles_of(mc, &c);
	lua_createtable(L, 0, 7);
	setint(L, "count", (lua_Integer)c.complete);
	setnum(L, "rate", c.rate_cpm);
	setnum(L, "peak", c.peak_mean);
	setnum(L, "peak_min", c.peak_min);
	setnum(L, "peak_max", c.peak_max);
	setnum(L, "trough", c.trough_mean);
	setnum(L, "max", pb_series_max(&mc->se));
	return 1;
}

static int l_m_peak(lua_State *L) { return run_measure(L, "measure.peak", st_peak); }
static int l_m_trough(lua_State *L) { return run_measure(L, "measure.trough", st_trough); }
static int l_m_mean(lua_State *L) { return run_measure(L, "measure.mean", st_mean); }
static int l_m_rate(lua_State *L) { return run_measure(L, "measure.rate", st_rate); }
static int l_m_cycles(lua_State *L) { return run_measure(L, "measure.cycles", st_cycles); }
static int l_m_decay(lua_State *L) { return run_measure(L, "measure.decay", st_decay); }

/* measure.time_until(fn, timeout [, {period=}]) -> seconds or nil */
static int l_m_time_until(lua_State *L)
{
	struct scn *s = need_rig(L, "measure.time_until");
	luaL_checktype(L, 1, LUA_TFUNCTION);
	double timeout = luaL_checknumber(L, 2);
	uint64_t period = opt_period(L, 3, 1000);
	double t = poll_until(L, s, 1, timeout, period, opt_hold(L, 3));
	if (t < 0)
		lua_pushnil(L);
	else
		lua_pushnumber(L, t);
	return 1;
}

/* measure.time_to_vent(ch, below_mmHg, timeout [, {period=}]) */
static int l_m_time_to_vent(lua_State *L)
{
	struct scn *s = need_rig(L, "measure.time_to_vent");
	int ch = check_channel(L, s, 1);
	double below = luaL_checknumber(L, 2);
	double timeout = luaL_checknumber(L, 3);
	uint64_t period = opt_period(L, 4, 1000);
	uint64_t start = pb_dut_now(s->dut), end = start + secs_us(timeout);
	for (;;) {
		uint64_t now = pb_dut_now(s->dut);
		double v = sample_signal(L, s, SIG_VACUUM, ch);
		if (v < below) {
			lua_pushnumber(L, (double)(now - start) / 1e6);
			return 1;
		}
		if (now >= end)
			break;
		uint64_t next = now + period;
		advance_to(L, s, next < end ? next : end, 0, NULL, NULL);
	}
	lua_pushnil(L);
	return 1;
}

/* reference(ch) -> mmHg now at the rig's reference transducer */
static int l_reference(lua_State *L)
{
	struct scn *s = need_rig(L, "reference");
	int ch = check_channel(L, s, 1);
	lua_pushnumber(L, sample_signal(L, s, SIG_VACUUM, ch));
	return 1;
}

static int l_outputs(lua_State *L)
{
	struct scn *s = need_rig(L, "outputs");
	uint32_t bits = 0;
	int rc = pb_fixture_read_outputs(s->fix, &bits);
	if (rc != PB_FIX_OK)
		return scn_raise(L, s, rc == PB_FIX_E_INTERRUPTED ? CTRL_ABORT :
		    CTRL_ERROR, "fixture read failed: %s: %s",
		    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
	lua_createtable(L, 0, 3);
	setbool(L, "motor", bits & PB_FIX_OUT_MOTOR);
	setbool(L, "alarm", bits & PB_FIX_OUT_ALARM);
	lua_createtable(L, PB_MAX_CH, 0);
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		lua_pushboolean(L, bits & PB_FIX_OUT_VALVE(ch));
		lua_rawseti(L, -2, ch + 1);
	}
	lua_setfield(L, -2, "valve");
	return 1;
}

static int l_gpio_valve(lua_State *L)
{
	struct scn *s = need_rig(L, "gpio.valve");
	int ch = check_channel(L, s, 1);
	lua_pushboolean(L, sample_signal(L, s, SIG_VALVE, ch) > 0.5);
	return 1;
}

static int l_gpio_motor(lua_State *L)
{
	struct scn *s = need_rig(L, "gpio.motor");
	lua_pushboolean(L, sample_signal(L, s, SIG_MOTOR, 0) > 0.5);
	return 1;
}

static int l_gpio_alarm(lua_State *L)
{
	struct scn *s = need_rig(L, "gpio.alarm");
	lua_pushboolean(L, sample_signal(L, s, SIG_ALARM, 0) > 0.5);
	return 1;
}

/* ---- injection --------------------------------------------------------- */

/* value in unit -> volts at the DAC for channel ch */
static double to_volts(lua_State *L, struct scn *s, int ch, double value,
    const char *unit)
{
	if (!unit || strcmp(unit, "mmHg") == 0 || strcmp(unit, "mmhg") == 0)
		return pb_rig_xfer_volts(&pb_fixture_rig(s->fix)->ch[ch].sensor,
		    value);
	if (strcmp(unit, "V") == 0 || strcmp(unit, "v") == 0 ||
	    strcmp(unit, "volts") == 0 || strcmp(unit, "volt") == 0)
		return value;
	enum pb_unit u;
	if (pb_unit_parse(unit, &u) != 0)
		luaL_error(L, "unknown unit '%s' (mmHg, kPa, cmH2O, V)", unit);
	return pb_rig_xfer_volts(&pb_fixture_rig(s->fix)->ch[ch].sensor,
	    pb_to_mmhg(value, u));
}

static void set_inject(lua_State *L, struct scn *s, int ch, bool on,
    double volts)
{
	double vref = pb_fixture_rig(s->fix)->dac.vref;
	if (volts < 0)
		volts = 0;
	if (volts > vref)
		volts = vref;
	int rc = pb_fixture_set_inject(s->fix, ch, on, volts);
	if (rc != PB_FIX_OK)
		scn_raise(L, s, rc == PB_FIX_E_INTERRUPTED ? CTRL_ABORT :
		    CTRL_ERROR, "inject ch%d: %s: %s", ch + 1,
		    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
}

/* inject.set(ch, value [, unit="mmHg"]) */
static int l_inject_set(lua_State *L)
{
	struct scn *s = need_rig(L, "inject.set");
	int ch = check_channel(L, s, 1);
	s->ramp[ch].on = false;
	double v = luaL_checknumber(L, 2);
	const char *unit = luaL_optstring(L, 3, "mmHg");
	double volts = to_volts(L, s, ch, v, unit);
	set_inject(L, s, ch, true, volts);
	slog(s, "inject ch%d %g %s (%.3f V)", ch + 1, v, unit, volts);
	return 0;
}

static int l_inject_off(lua_State *L)
{
	struct scn *s = need_rig(L, "inject.off");
	int ch = check_channel(L, s, 1);
	s->ramp[ch].on = false;
	set_inject(L, s, ch, false, pb_fixture_rig(s->fix)->dac.safe_volts);
	slog(s, "inject ch%d off", ch + 1);
	return 0;
}

/* Sensor open: output near 0 V; short: at the supply. */
static int l_inject_open(lua_State *L)
{
	struct scn *s = need_rig(L, "inject.open");
	int ch = check_channel(L, s, 1);
	s->ramp[ch].on = false;
	set_inject(L, s, ch, true, 0.0);
	slog(s, "inject ch%d sensor open (0 V)", ch + 1);
	return 0;
}

static int l_inject_short(lua_State *L)
{
	struct scn *s = need_rig(L, "inject.short");
	int ch = check_channel(L, s, 1);
	s->ramp[ch].on = false;
	double v = pb_fixture_rig(s->fix)->ch[ch].sensor.supply_v;
	set_inject(L, s, ch, true, v);
	slog(s, "inject ch%d sensor short (%.2f V)", ch + 1, v);
	return 0;
}

/* inject.ramp(ch, from, to, seconds [, unit="mmHg" [, {step=0.01}]]) */
static int l_inject_ramp(lua_State *L)
{
	struct scn *s = need_rig(L, "inject.ramp");
	int ch = check_channel(L, s, 1);
	double from = luaL_checknumber(L, 2), to = luaL_checknumber(L, 3);
	double sec = luaL_checknumber(L, 4);
	const char *unit = luaL_optstring(L, 5, "mmHg");
	if (!(sec > 0))
		return luaL_error(L, "inject.ramp: seconds must be > 0");
	double step = 0.01;
	bool background = false;
	if (lua_istable(L, 6)) {
		lua_getfield(L, 6, "step");
		if (!lua_isnil(L, -1))
			step = luaL_checknumber(L, -1);
		lua_pop(L, 1);
		if (!(step >= 0.0001 && step <= 60))
			return luaL_error(L, "inject.ramp: step out of range");
		lua_getfield(L, 6, "background");
		background = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	slog(s, "inject ch%d ramp %g -> %g %s over %g s%s", ch + 1, from, to,
	    unit, sec, background ? " (background)" : "");
	uint64_t start = pb_dut_now(s->dut), dur = secs_us(sec);
	uint64_t stepus = secs_us(step);
	if (background) {
		struct bg_ramp *r = &s->ramp[ch];
		r->v0 = to_volts(L, s, ch, from, unit);
		r->v1 = to_volts(L, s, ch, to, unit);
		r->t0 = start;
		r->dur = dur;
		r->step = stepus;
		r->next = start;
		r->on = true;
		run_ramps(L, s, start);
		return 0;
	}
	for (uint64_t el = 0;; el += stepus) {
		if (el > dur)
			el = dur;
		double f = (double)el / (double)dur;
		set_inject(L, s, ch, true, to_volts(L, s, ch,
		    from + (to - from) * f, unit));
		if (el >= dur)
			break;
		uint64_t next = el + stepus > dur ? dur : el + stepus;
		advance_to(L, s, start + next, 0, NULL, NULL);
	}
	return 0;
}

/* inject.waveform(ch, {v1, v2, ...} [, {period=0.01, unit="mmHg",
 * cycles=1}]) plays the values, one per period (blocking). */
static int l_inject_waveform(lua_State *L)
{
	struct scn *s = need_rig(L, "inject.waveform");
	int ch = check_channel(L, s, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer n = luaL_len(L, 2);
	if (n < 1)
		return luaL_error(L, "inject.waveform: empty waveform");
	uint64_t period = opt_period(L, 3, 10000);
	const char *unit = "mmHg";
	lua_Integer cycles = 1;
	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, "unit");
		if (lua_isstring(L, -1))
			unit = lua_tostring(L, -1);
		lua_pop(L, 1);   /* string stays reachable via the table */
		lua_getfield(L, 3, "cycles");
		if (!lua_isnil(L, -1))
			cycles = luaL_checkinteger(L, -1);
		lua_pop(L, 1);
		if (cycles < 1 || cycles > 1000000)
			return luaL_error(L, "inject.waveform: cycles out of "
			    "range");
	}
	slog(s, "inject ch%d waveform of %lld points, period %.4f s, %lld "
	    "cycle(s)", ch + 1, (long long)n, (double)period / 1e6,
	    (long long)cycles);
	uint64_t t = pb_dut_now(s->dut);
	for (lua_Integer c = 0; c < cycles; c++) {
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, 2, i);
			if (!lua_isnumber(L, -1))
				return luaL_error(L, "inject.waveform: point %d "
				    "is not a number", (int)i);
			double v = lua_tonumber(L, -1);
			lua_pop(L, 1);
			set_inject(L, s, ch, true, to_volts(L, s, ch, v, unit));
			t += period;
			advance_to(L, s, t, 0, NULL, NULL);
		}
	}
	return 0;
}

/* ---- rig power, sim faults, link ---------------------------------------- */

static int l_power(lua_State *L)
{
	struct scn *s = need_rig(L, "rig.power");
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	bool on = lua_toboolean(L, 1);
	int rc = pb_fixture_set_power(s->fix, on);
	if (rc == PB_FIX_E_NOT_SUPPORTED)
		return scn_raise(L, s, CTRL_SKIP, "rig.power: this rig has no "
		    "power relay");
	if (rc != PB_FIX_OK)
		return scn_raise(L, s, CTRL_ERROR, "rig.power: %s: %s",
		    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
	slog(s, "DUT power %s", on ? "on" : "off");
	return 0;
}

static const struct { const char *name; int id; } faults[] = {
	{ "clear", PB_FLT_CLEAR_ALL }, { "leak", PB_FLT_LEAK },
	{ "valve_stuck", PB_FLT_VALVE_STUCK },
	{ "motor_stall", PB_FLT_MOTOR_STALL },
	{ "motor_open", PB_FLT_MOTOR_OPEN },
	{ "sensor_offset", PB_FLT_SENSOR_OFFSET },
	{ "sensor_stuck", PB_FLT_SENSOR_STUCK },
	{ "sensor_open", PB_FLT_SENSOR_OPEN },
	{ "sensor_short", PB_FLT_SENSOR_SHORT },
	{ "battery_sag", PB_FLT_BATTERY_SAG },
	{ "container_fill", PB_FLT_CONTAINER_FILL },
	{ "occlusion", PB_FLT_OCCLUSION },
	{ "sensor_drift", PB_FLT_SENSOR_DRIFT },
};

static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : (char)tolower((unsigned char)*a);
		char y = *b == '-' ? '_' : (char)tolower((unsigned char)*b);
		if (x != y)
			return false;
	}
	return *a == *b;
}

static void sim_fault(lua_State *L, struct scn *s, int id, int ch,
    int32_t value, const char *name)
{
	int rc = pb_fixture_inject_fault(s->fix, id, ch, value);
	if (rc == PB_FIX_E_NOT_SUPPORTED)
		scn_raise(L, s, CTRL_SKIP, "sim.%s needs the sim rig (this is %s)",
		    name, rig_kind(s));
	if (rc != PB_FIX_OK)
		scn_raise(L, s, CTRL_ERROR, "sim.%s: %s: %s", name,
		    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
}

/* sim.fault(name [, value=1 [, ch=1]]) */
static int l_sim_fault(lua_State *L)
{
	struct scn *s = need_rig(L, "sim.fault");
	const char *name = luaL_checkstring(L, 1);
	lua_Number value = luaL_optnumber(L, 2, 1);
	int ch = 0;
	if (!lua_isnoneornil(L, 3))
		ch = check_channel(L, s, 3);
	if (!(value >= -2147483648.0 && value <= 2147483647.0))
		return luaL_error(L, "sim.fault: value out of range");
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		if (!name_eq(name, faults[i].name))
			continue;
		sim_fault(L, s, faults[i].id, ch, (int32_t)llround(value),
		    "fault");
		slog(s, "sim fault %s = %g on ch%d", faults[i].name, value,
		    ch + 1);
		return 0;
	}
	return luaL_error(L, "sim.fault: unknown fault '%s' (leak, "
	    "valve_stuck, motor_stall, motor_open, sensor_offset, "
	    "sensor_stuck, sensor_open, sensor_short, battery_sag, "
	    "container_fill, occlusion, sensor_drift, clear)", name);
}

static int l_sim_clear(lua_State *L)
{
	struct scn *s = need_rig(L, "sim.clear");
	sim_fault(L, s, PB_FLT_CLEAR_ALL, 0, 0, "clear");
	slog(s, "sim faults cleared");
	return 0;
}

/* sim.status() -> emulator's own view (true vacuum etc.) */
static int l_sim_status(lua_State *L)
{
	struct scn *s = need_rig(L, "sim.status");
	struct pb_emu *e = pb_fixture_emulator(s->fix);
	if (!e)
		return scn_raise(L, s, CTRL_SKIP, "sim.status needs the sim rig");
	struct pb_emu_status st;
	pb_emu_status(e, &st);
	lua_createtable(L, 0, 10);
	setstr(L, "state", pb_run_state_name(st.run_state));
	setnum(L, "battery_v", st.battery_v);
	setnum(L, "target", st.target_mmhg);
	setnum(L, "session_s", st.session_s);
	setint(L, "cycles", (lua_Integer)st.cycles);
	setnum(L, "motor_duty", st.motor_duty);
	lua_createtable(L, PB_MAX_CH, 0);
	for (int i = 0; i < PB_MAX_CH; i++) {
		lua_pushnumber(L, st.vacuum_mmhg[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "vacuum");
	lua_createtable(L, PB_MAX_CH, 0);
	for (int i = 0; i < PB_MAX_CH; i++) {
		lua_pushnumber(L, st.measured_mmhg[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "measured");
	return 1;
}

/* link.silence(seconds): the host sends nothing (no heartbeats) */
static int l_link_silence(lua_State *L)
{
	struct scn *s = need_rig(L, "link.silence");
	double sec = luaL_checknumber(L, 1);
	if (!(sec >= 0))
		return luaL_error(L, "link.silence: seconds must be >= 0");
	pb_dut_set_silent(s->dut, true);
	/* protected so the host always speaks again */
	lua_pushcfunction(L, l_wait);
	lua_pushnumber(L, sec);
	int rc = lua_pcall(L, 1, 0, 0);
	pb_dut_set_silent(s->dut, false);
	if (rc != LUA_OK)
		return lua_error(L);
	return 0;
}

/* link.mute(on): host silent (true) or speaking again (false), for
 * measuring what the DUT does while it hears nothing. */
static int l_link_mute(lua_State *L)
{
	struct scn *s = need_rig(L, "link.mute");
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	pb_dut_set_silent(s->dut, lua_toboolean(L, 1));
	return 0;
}

/* link.deaf(s): the host throws away everything the DUT sends for s
 * seconds (non-blocking): a command sent meanwhile loses its response
 * and the client retries it. */
static int l_link_deaf(lua_State *L)
{
	struct scn *s = need_rig(L, "link.deaf");
	double sec = luaL_checknumber(L, 1);
	if (!(sec >= 0 && sec <= 3600))
		return luaL_error(L, "link.deaf: seconds out of range 0..3600");
	pb_dut_set_deaf_until(s->dut, pb_dut_now(s->dut) + secs_us(sec));
	return 0;
}

/* link.stats() -> the protocol client's counters */
static int l_link_stats(lua_State *L)
{
	struct scn *s = need_rig(L, "link.stats");
	const struct pb_client_stats *st = pb_client_stats(
	    pb_dut_client(s->dut));
	lua_createtable(L, 0, 12);
	setint(L, "cmds_sent", (lua_Integer)st->cmds_sent);
	setint(L, "cmds_ok", (lua_Integer)st->cmds_ok);
	setint(L, "cmds_failed", (lua_Integer)st->cmds_failed);
	setint(L, "retries", (lua_Integer)st->retries);
	setint(L, "timeouts", (lua_Integer)st->timeouts);
	setint(L, "frames_lost", (lua_Integer)st->frames_lost);
	setint(L, "samples_lost", (lua_Integer)st->samples_lost);
	setint(L, "frames_dropped", (lua_Integer)pb_rx_dropped(&st->rx));
	setint(L, "reconnects", (lua_Integer)st->reconnects);
	setnum(L, "last_rtt", st->last_rtt_us / 1e6);
	setbool(L, "link_up", st->link_up);
	return 1;
}

static int l_link_up(lua_State *L)
{
	struct scn *s = need_rig(L, "link.up");
	lua_pushboolean(L, pb_dut_link_up(s->dut));
	return 1;
}

/* ---- pump commands ----------------------------------------------------- */

static int pump_cmd(lua_State *L, struct scn *s, struct pb_msg *m,
    const char *what, struct pb_response *resp)
{
	struct pb_response r;
	int rc = pb_dut_command(s->dut, m, &r);
	drain_dut_log(s);
	if (resp)
		*resp = r;
	if (rc == PB_DUT_OK) {
		slog(s, "pump %s: OK", what);
		lua_pushboolean(L, 1);
		return 1;
	}
	if (rc == PB_DUT_E_STATUS) {
		slog(s, "pump %s: refused %s", what, pb_status_name(r.status));
		lua_pushboolean(L, 0);
		lua_pushstring(L, pb_status_name(r.status));
		return 2;
	}
	if (rc == PB_DUT_E_REFUSED) {
		slog(s, "pump %s: not sent, %s", what, pb_dut_errmsg(s->dut));
		lua_pushboolean(L, 0);
		lua_pushstring(L, "HOST_REFUSED");
		return 2;
	}
	dut_error(L, s, rc, what);
	return 0;
}

static int simple_cmd(lua_State *L, uint8_t type, const char *what)
{
	struct scn *s = need_rig(L, what);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = type;
	return pump_cmd(L, s, &m, what, NULL);
}

static int l_pump_start(lua_State *L) { return simple_cmd(L, PB_T_START, "start"); }
static int l_pump_stop(lua_State *L) { return simple_cmd(L, PB_T_STOP, "stop"); }
static int l_pump_clear(lua_State *L) { return simple_cmd(L, PB_T_CLEAR_FAULT, "clear_fault"); }

static int parse_mode(const char *s)
{
	if (name_eq(s, "stimulation") || name_eq(s, "stim"))
		return PB_MODE_STIMULATION;
	if (name_eq(s, "expression") || name_eq(s, "expr"))
		return PB_MODE_EXPRESSION;
	if (name_eq(s, "mixed"))
		return PB_MODE_MIXED;
	return -1;
}

static int l_pump_mode(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.mode");
	const char *name = luaL_checkstring(L, 1);
	int mode = parse_mode(name);
	if (mode < 0)
		return luaL_error(L, "pump.mode: unknown mode '%s' "
		    "(stimulation, expression, mixed)", name);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_MODE;
	m.u.mode = (uint8_t)mode;
	char what[48];
	snprintf(what, sizeof what, "mode %s", pb_mode_name((uint8_t)mode));
	return pump_cmd(L, s, &m, what, NULL);
}

static int l_pump_level(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.level");
	lua_Integer lv = luaL_checkinteger(L, 1);
	if (lv < 0 || lv > 255)
		return luaL_error(L, "pump.level: %d out of range", (int)lv);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_LEVEL;
	m.u.level = (uint8_t)lv;
	char what[32];
	snprintf(what, sizeof what, "level %d", (int)lv);
	return pump_cmd(L, s, &m, what, NULL);
}

static int l_pump_channels(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.channels");
	int mask;
	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_Integer v = luaL_checkinteger(L, 1);
		if (v < 1 || v > 3)
			return luaL_error(L, "pump.channels: mask %d out of "
			    "range 1..3", (int)v);
		mask = (int)v;
	} else {
		const char *n = luaL_checkstring(L, 1);
		if (name_eq(n, "single"))
			mask = 1;
		else if (name_eq(n, "double"))
			mask = 3;
		else
			return luaL_error(L, "pump.channels: '%s' (single, "
			    "double or a mask)", n);
	}
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_CHANNELS;
	m.u.channel_mask = (uint8_t)mask;
	char what[32];
	snprintf(what, sizeof what, "channels mask %d", mask);
	return pump_cmd(L, s, &m, what, NULL);
}

static void push_info(lua_State *L, const struct pb_device_info *in)
{
	lua_createtable(L, 0, 12);
	setstr(L, "serial", in->serial);
	setstr(L, "firmware", in->fw_version);
	setstr(L, "profile", in->profile);
	setint(L, "channels", in->channels);
	setint(L, "levels", in->levels);
	setint(L, "modes", in->modes);
	setint(L, "sample_rate", in->sample_rate_hz);
	setnum(L, "max_target", in->max_target / 10.0);
	setnum(L, "trip", in->trip / 10.0);
	setint(L, "cal_id", in->cal_id);
	setbool(L, "factory", in->factory);
	setint(L, "proto_version", in->proto_version);
}

static int l_pump_hello(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.hello");
	double timeout = luaL_optnumber(L, 1, pb_dut_step_timeout(s->dut));
	int rc = pb_dut_hello_until(s->dut, timeout);
	drain_dut_log(s);
	if (rc == PB_DUT_E_TIMEOUT) {
		slog(s, "pump hello: %s", pb_dut_errmsg(s->dut));
		lua_pushnil(L);
		lua_pushstring(L, pb_dut_errmsg(s->dut));
		return 2;
	}
	if (rc != PB_DUT_OK)
		dut_error(L, s, rc, "hello");
	push_info(L, pb_dut_info(s->dut));
	slog(s, "pump hello: %s firmware %s", pb_dut_info(s->dut)->serial,
	    pb_dut_info(s->dut)->fw_version);
	return 1;
}

static int l_pump_info(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.info");
	const struct pb_device_info *in = pb_dut_info(s->dut);
	if (!in)
		lua_pushnil(L);
	else
		push_info(L, in);
	return 1;
}

static void push_alarms(lua_State *L, unsigned bits)
{
	lua_createtable(L, 4, 0);
	int k = 1;
	for (unsigned i = 0; i < PB_AL_COUNT; i++)
		if (bits & (1u << i)) {
			lua_pushstring(L, pb_alarm_name(i));
			lua_rawseti(L, -2, k++);
		}
}

/* Active alarms as pump.status() reports them: from the latest telemetry
 * (it comes every few ms), else from the latest heartbeat. */
static unsigned current_alarms(struct scn *s)
{
	const struct pb_telemetry *t = pb_dut_telemetry(s->dut, NULL);
	const struct pb_heartbeat *hb = pb_dut_heartbeat(s->dut);
	return t ? t->alarms : hb ? hb->alarms : 0;
}

/* pump.status() -> {state, alarms={...}, alarm_bits, mode, level, phase,
 * target, vacuum={...}, battery, motor_ma, motor_duty, valve={...},
 * channel_mask, link_up, age} (fields nil before the first telemetry) */
static int l_pump_status(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.status");
	double tt = 0;
	const struct pb_telemetry *t = pb_dut_telemetry(s->dut, &tt);
	const struct pb_heartbeat *hb = pb_dut_heartbeat(s->dut);
	lua_createtable(L, 0, 16);
	setbool(L, "link_up", pb_dut_link_up(s->dut));
	unsigned al = current_alarms(s);
	if (hb)
		setstr(L, "state", pb_run_state_name(hb->run_state));
	if (t) {
		setstr(L, "state", pb_run_state_name(t->run_state));
		setstr(L, "mode", pb_mode_name(t->mode));
		setint(L, "level", t->level);
		setstr(L, "phase", pb_phase_name(t->phase));
		setnum(L, "target", t->target / 10.0);
		setnum(L, "battery", t->battery_mv / 1000.0);
		setint(L, "motor_ma", t->motor_ma);
		setnum(L, "motor_duty", t->motor_duty / 255.0);
		setint(L, "channel_mask", t->channel_mask);
		lua_createtable(L, t->channels, 0);
		for (int ch = 0; ch < t->channels && ch < PB_MAX_CH; ch++) {
			lua_pushnumber(L, t->n ? t->samples[ch][t->n - 1] / 10.0
			    : NAN);
			lua_rawseti(L, -2, ch + 1);
		}
		lua_setfield(L, -2, "vacuum");
		lua_createtable(L, t->channels, 0);
		for (int ch = 0; ch < t->channels && ch < PB_MAX_CH; ch++) {
			lua_pushboolean(L, t->valve & (1u << ch));
			lua_rawseti(L, -2, ch + 1);
		}
		lua_setfield(L, -2, "valve");
		setnum(L, "age", rig_seconds(s) - tt);
	}
	if (hb || t) {
		push_alarms(L, al);
		lua_setfield(L, -2, "alarms");
		setint(L, "alarm_bits", al);
	}
	return 1;
}

/* pump.alarm(name) -> bool: that alarm is active now */
static int l_pump_alarm(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.alarm");
	const char *name = luaL_checkstring(L, 1);
	for (unsigned i = 0; i < PB_AL_COUNT; i++) {
		if (!name_eq(name, pb_alarm_name(i)))
			continue;
		lua_pushboolean(L, (current_alarms(s) >> i) & 1u);
		return 1;
	}
	return luaL_error(L, "pump.alarm: unknown alarm '%s'", name);
}

static const char *event_kind_name(uint8_t k)
{
	switch (k) {
	case PB_EV_ALARM_RAISED: return "alarm_raised";
	case PB_EV_ALARM_CLEARED: return "alarm_cleared";
	case PB_EV_STATE: return "state";
	case PB_EV_MODE: return "mode";
	case PB_EV_AUTO_OFF: return "auto_off";
	case PB_EV_BOOT: return "boot";
	case PB_EV_FACTORY: return "factory";
	}
	return "?";
}

/* pump.events([kind]) -> list of {t, kind, code, name, channel, value} */
static int l_pump_events(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.events");
	const char *want = luaL_optstring(L, 1, NULL);
	size_t n = 0;
	const struct pb_dut_event *ev = pb_dut_events(s->dut, &n);
	lua_createtable(L, (int)(n < 64 ? n : 64), 0);
	int k = 1;
	for (size_t i = 0; i < n; i++) {
		const struct pb_event *e = &ev[i].ev;
		const char *kind = event_kind_name(e->kind);
		if (want && !name_eq(want, kind))
			continue;
		lua_createtable(L, 0, 6);
		setnum(L, "t", ev[i].t_s);
		setstr(L, "kind", kind);
		setint(L, "code", e->code);
		const char *nm = e->kind == PB_EV_ALARM_RAISED ||
		    e->kind == PB_EV_ALARM_CLEARED ? pb_alarm_name(e->code) :
		    e->kind == PB_EV_STATE ? pb_run_state_name(e->code) :
		    e->kind == PB_EV_MODE ? pb_mode_name(e->code) : kind;
		setstr(L, "name", nm);
		setint(L, "channel", e->channel + 1);
		setint(L, "value", e->value);
		lua_rawseti(L, -2, k++);
	}
	return 1;
}

/* pump.read_cal(ch) -> {order, c0, c1, c2, cal_id, date, station} */
static int l_pump_read_cal(lua_State *L)
{
	struct scn *s = need_rig(L, "pump.read_cal");
	int ch = check_channel(L, s, 1);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_READ_CAL;
	m.u.channel = (uint8_t)ch;
	struct pb_response r;
	char what[32];
	snprintf(what, sizeof what, "read_cal ch%d", ch + 1);
	int nret = pump_cmd(L, s, &m, what, &r);
	if (nret != 1)
		return nret;    /* false, status */
	lua_pop(L, 1);
	if (r.body_kind != PB_BODY_CAL)
		return scn_raise(L, s, CTRL_ERROR, "read_cal: response without a "
		    "calibration body");
	lua_createtable(L, 0, 8);
	setint(L, "order", r.body.cal.order);
	for (int i = 0; i < 3; i++) {
		char k[4] = { 'c', (char)('0' + i), 0 };
		lua_pushnumber(L, r.body.cal.c[i]);
		lua_setfield(L, -2, k);
	}
	setint(L, "cal_id", r.body.cal.cal_id);
	setint(L, "date", r.body.cal.date);
	char st[PB_STR_LEN + 1];
	memcpy(st, r.body.cal.station, PB_STR_LEN);
	st[PB_STR_LEN] = '\0';
	setstr(L, "station", st);
	return 1;
}

/* ---- spec (pump profile expectations) ---------------------------------- */

static int spec_curve(lua_State *L, const char *fn,
    double (*curve)(const struct pb_profile *, int, int))
{
	struct scn *s = get_scn(L);
	if (!s->ctx->profile)
		return luaL_error(L, "%s: no pump profile loaded", fn);
	int mode = parse_mode(luaL_checkstring(L, 1));
	if (mode < 0)
		return luaL_error(L, "%s: unknown mode", fn);
	lua_pushnumber(L, curve(s->ctx->profile, mode,
	    (int)luaL_checkinteger(L, 2)));
	return 1;
}

static int l_spec_peak(lua_State *L)
{
	return spec_curve(L, "spec.peak", pb_profile_peak_mmhg);
}

static int l_spec_rate(lua_State *L)
{
	return spec_curve(L, "spec.rate", pb_profile_rate_cpm);
}

static void push_spec(lua_State *L, const struct pb_profile *p)
{
	lua_createtable(L, 0, 40);
	lua_pushcfunction(L, l_spec_peak);
	lua_setfield(L, -2, "peak");
	lua_pushcfunction(L, l_spec_rate);
	lua_setfield(L, -2, "rate");
	if (!p)
		return;
	setstr(L, "id", p->id);
	setstr(L, "name", p->name);
	setint(L, "channels", p->channels);
	setint(L, "levels", p->levels);
	setbool(L, "double_pumping", p->double_pumping);
	setbool(L, "mains", p->mains);
	lua_createtable(L, 3, 0);
	int k = 1;
	static const char *const mn[] = { "stimulation", "expression",
		"mixed" };
	for (int m = PB_MODE_STIMULATION; m <= PB_MODE_MIXED; m++)
		if (pb_profile_has_mode(p, m)) {
			lua_pushstring(L, mn[m - 1]);
			lua_rawseti(L, -2, k++);
		}
	lua_setfield(L, -2, "modes");
	setnum(L, "max_target", p->max_target_mmhg);
	setnum(L, "trip_abs", p->trip_abs_mmhg);
	setnum(L, "trip_over_target", p->trip_over_target_mmhg);
	setnum(L, "trip_over_ms", p->trip_over_ms);
	setnum(L, "stuck_mmhg", p->stuck_mmhg);
	setnum(L, "stuck_after_ms", p->stuck_after_ms);
	setnum(L, "leak_missed_cycles", p->leak_missed_cycles);
	setnum(L, "leak_decay", p->leak_decay_mmhg_s);
	setnum(L, "auto_off_s", p->session_auto_off_s);
	setnum(L, "stim_to_expr_s", p->stim_to_expr_s);
	setnum(L, "heartbeat_timeout_ms", p->heartbeat_timeout_ms);
	setnum(L, "tol_peak", p->tol_peak_mmhg);
	setnum(L, "tol_rate", p->tol_rate_cpm);
	setnum(L, "batt_nominal_v", p->batt_nominal_v);
	setnum(L, "batt_warn_v", p->batt_warn_v);
	setnum(L, "batt_cutoff_v", p->batt_cutoff_v);
	setnum(L, "sensor_supply_v", p->sensor_supply_v);
	setnum(L, "sensor_fs", p->sensor_fs_mmhg);
	setnum(L, "mixed_stim_cycles", p->mixed_stim_cycles);
	setnum(L, "mixed_expr_cycles", p->mixed_expr_cycles);
}

/* ---- sandbox and setup ------------------------------------------------- */

static void *scn_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct scn *s = ud;
	if (!ptr)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		s->mem_used -= osize;
		return NULL;
	}
	if (nsize > osize && s->mem_used + (nsize - osize) > SCN_MEM_LIMIT)
		return NULL;
	void *p = realloc(ptr, nsize);
	if (p)
		s->mem_used = s->mem_used - osize + nsize;
	return p;
}

static void hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	struct scn *s = get_scn(L);
	if (pb_fixture_interrupted())
		scn_raise(L, s, CTRL_ABORT, "interrupted by signal %d",
		    pb_fixture_interrupted());
	if (s->ctx->wall_us && s->ctx->wall_limit_s > 0) {
		double el = (double)(s->ctx->wall_us() - s->wall0) / 1e6;
		if (el > s->ctx->wall_limit_s)
			scn_raise(L, s, CTRL_ERROR, "scenario used %.0f s of wall "
			    "time (limit %.0f s) without finishing", el,
			    s->ctx->wall_limit_s);
	}
}

/* import("lib/common.lua"): run another file from the scenario's
 * directory in the same sandbox; returns what it returns. */
static int l_import(lua_State *L)
{
	struct scn *s = get_scn(L);
	const char *rel = luaL_checkstring(L, 1);
	if (rel[0] == '/' || strstr(rel, ".."))
		return luaL_error(L, "import: '%s' must be a relative path "
		    "inside the scenario directory", rel);
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", s->dir, rel);
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	return 1;
}

static int l_print(lua_State *L)
{
	return l_log(L);
}

static void reg(lua_State *L, const char *table, const luaL_Reg *fns)
{
	lua_newtable(L);
	luaL_setfuncs(L, fns, 0);
	lua_setglobal(L, table);
}

static void setup_state(lua_State *L, struct scn *s)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base }, { LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
	};
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	static const char *const banned[] = { "dofile", "loadfile", "load",
		"require", "collectgarbage", "rawequal", NULL };
	for (int i = 0; banned[i]; i++) {
		lua_pushnil(L);
		lua_setglobal(L, banned[i]);
	}
	/* math.random with a fixed seed: deterministic runs */
	(void)luaL_dostring(L, "math.randomseed(1)");

	lua_pushlightuserdata(L, s);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &SCN_KEY);

	static const luaL_Reg globals[] = {
		{ "log", l_log }, { "print", l_print },
		{ "expect", l_expect }, { "fail", l_fail }, { "skip", l_skip },
		{ "requires", l_requires }, { "wait", l_wait },
		{ "wait_until", l_wait_until }, { "now", l_now },
		{ "trace", l_trace }, { "reference", l_reference },
		{ "outputs", l_outputs }, { "import", l_import },
		{ NULL, NULL }
	};
	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);

	static const luaL_Reg pump[] = {
		{ "start", l_pump_start }, { "stop", l_pump_stop },
		{ "mode", l_pump_mode }, { "level", l_pump_level },
		{ "channels", l_pump_channels },
		{ "clear_fault", l_pump_clear }, { "status", l_pump_status },
		{ "alarm", l_pump_alarm }, { "events", l_pump_events },
		{ "hello", l_pump_hello }, { "info", l_pump_info },
		{ "read_cal", l_pump_read_cal }, { NULL, NULL }
	};
	reg(L, "pump", pump);
	static const luaL_Reg inject[] = {
		{ "set", l_inject_set }, { "off", l_inject_off },
		{ "open", l_inject_open }, { "short", l_inject_short },
		{ "ramp", l_inject_ramp }, { "waveform", l_inject_waveform },
		{ NULL, NULL }
	};
	reg(L, "inject", inject);
	static const luaL_Reg measure[] = {
		{ "peak", l_m_peak }, { "trough", l_m_trough },
		{ "mean", l_m_mean }, { "rate", l_m_rate },
		{ "cycles", l_m_cycles }, { "decay", l_m_decay },
		{ "time_until", l_m_time_until },
		{ "time_to_vent", l_m_time_to_vent }, { NULL, NULL }
	};
	reg(L, "measure", measure);
	static const luaL_Reg sim[] = {
		{ "fault", l_sim_fault }, { "clear", l_sim_clear },
		{ "power", l_power }, { "status", l_sim_status },
		{ NULL, NULL }
	};
	reg(L, "sim", sim);
	static const luaL_Reg gpio[] = {
		{ "valve", l_gpio_valve }, { "motor", l_gpio_motor },
		{ "alarm", l_gpio_alarm }, { NULL, NULL }
	};
	reg(L, "gpio", gpio);
	static const luaL_Reg link[] = {
		{ "silence", l_link_silence }, { "mute", l_link_mute },
		{ "deaf", l_link_deaf }, { "stats", l_link_stats },
		{ "up", l_link_up },
		{ NULL, NULL }
	};
	reg(L, "link", link);

	/* rig = {kind, name, channels, power()} */
	lua_createtable(L, 0, 4);
	setstr(L, "kind", rig_kind(s));
	if (s->fix) {
		setstr(L, "name", pb_fixture_rig(s->fix)->name);
		setint(L, "channels", pb_fixture_rig(s->fix)->channels);
	}
	lua_pushcfunction(L, l_power);
	lua_setfield(L, -2, "power");
	lua_setglobal(L, "rig");

	push_spec(L, s->ctx->profile);
	lua_setglobal(L, "spec");

	if (s->dut && pb_dut_info(s->dut))
		push_info(L, pb_dut_info(s->dut));
	else
		lua_newtable(L);
	lua_setglobal(L, "dut");

	lua_sethook(L, hook, LUA_MASKCOUNT, SCN_HOOK_COUNT);
}

/* Message handler: remember where, add a traceback. */
static int msgh(lua_State *L)
{
	struct scn *s = get_scn(L);
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)",
			    luaL_typename(L, 1));
	}
	lua_where(L, s->err_where, sizeof s->err_where);
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* "path:12: text" -> where "path:12" when the message has one */
static bool split_where(const char *msg, char *where, size_t n)
{
	const char *p = msg;
	while ((p = strchr(p, ':')) != NULL) {
		const char *q = p + 1;
		if (!isdigit((unsigned char)*q)) {
			p++;
			continue;
		}
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == ':') {
			size_t len = (size_t)(q - msg);
			if (len >= n)
				len = n - 1;
			memcpy(where, msg, len);
			where[len] = '\0';
			return true;
		}
		p++;
	}
	return false;
}

static void first_line(const char *msg, char *out, size_t n)
{
	snprintf(out, n, "%s", msg);
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
}

static enum pb_outcome finish(struct scn *s, int rc, const char *errtext)
{
	struct pb_attempt *a = s->a;
	drain_dut_log(s);
	a->rig_seconds = rig_seconds(s);
	if (s->ctrl != CTRL_NONE) {
		a->outcome = s->ctrl == CTRL_FAIL ? PB_OUT_FAIL :
		    s->ctrl == CTRL_SKIP ? PB_OUT_SKIPPED :
		    s->ctrl == CTRL_ABORT ? PB_OUT_ABORTED : PB_OUT_ERROR;
		snprintf(a->where, sizeof a->where, "%s", s->ctrl_where);
		a->rig_error = a->outcome == PB_OUT_ERROR && s->rig_error;
		if (a->outcome == PB_OUT_ERROR && s->ctrl_where[0])
			snprintf(a->message, sizeof a->message, "%.200s: %.300s",
			    s->ctrl_where, s->ctrl_msg);
		else
			snprintf(a->message, sizeof a->message, "%s",
			    s->ctrl_msg);
		/* a failed expect before an infrastructure error is still
		 * reported in the log, but the rig error decides */
		if (a->outcome == PB_OUT_ERROR && errtext)
			pb_attempt_log(a, "%s", errtext);
	} else if (rc != LUA_OK) {
		a->outcome = PB_OUT_ERROR;
		char line[512];
		first_line(errtext ? errtext : "unknown Lua error", line,
		    sizeof line);
		if (!split_where(line, a->where, sizeof a->where))
			snprintf(a->where, sizeof a->where, "%s", s->err_where);
		if (strncmp(line, a->where, strlen(a->where)) == 0 ||
		    !a->where[0])
			snprintf(a->message, sizeof a->message, "%s", line);
		else
			snprintf(a->message, sizeof a->message, "%.200s: %.300s",
			    a->where, line);
		pb_attempt_log(a, "Lua error: %s", errtext ? errtext : "?");
	} else if (s->failed) {
		a->outcome = PB_OUT_FAIL;
		snprintf(a->message, sizeof a->message, "%s", s->fail_msg);
		snprintf(a->where, sizeof a->where, "%s", s->fail_where);
	} else {
		a->outcome = PB_OUT_PASS;
		a->message[0] = '\0';
	}
	if (a->outcome == PB_OUT_FAIL && s->failed && s->ctrl == CTRL_FAIL)
		pb_attempt_log(a, "also failed: %s at %s", s->fail_msg,
		    s->fail_where);
	pb_attempt_log(a, "outcome %s%s%s", pb_outcome_name(a->outcome),
	    a->message[0] ? ": " : "", a->message);
	return a->outcome;
}

static enum pb_outcome run(const char *code, size_t len, const char *chunk,
    const char *path, const struct pb_scn_ctx *ctx, struct pb_attempt *a)
{
	struct scn s;
	memset(&s, 0, sizeof s);
	s.ctx = ctx;
	s.a = a;
	s.dut = ctx->dut;
	s.fix = ctx->dut ? pb_dut_fixture(ctx->dut) : NULL;
	s.trace_max = ctx->trace_max_samples ? ctx->trace_max_samples :
	    200000;
	snprintf(s.dir, sizeof s.dir, "%s", path ? path : ".");
	char *slash = strrchr(s.dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(s.dir, sizeof s.dir, ".");
	if (s.dut) {
		pb_dut_mark_start(s.dut);
		pb_dut_set_step_timeout(s.dut, ctx->step_timeout_s > 0 ?
		    ctx->step_timeout_s : 10.0);
		s.t0_us = pb_dut_now(s.dut);
	}
	double to = ctx->timeout_s > 0 ? ctx->timeout_s : 600.0;
	s.deadline_us = s.t0_us + secs_us(to);
	s.wall0 = ctx->wall_us ? ctx->wall_us() : 0;

	lua_State *L = lua_newstate(scn_alloc, &s);
	if (!L) {
		a->outcome = PB_OUT_ERROR;
		snprintf(a->message, sizeof a->message,
		    "cannot create a Lua state");
		return a->outcome;
	}
	setup_state(L, &s);
	lua_pushcfunction(L, msgh);
	int base = lua_gettop(L);
	int rc = code ? luaL_loadbufferx(L, code, len, chunk, "t") :
	    luaL_loadfilex(L, path, "t");
	if (rc == LUA_OK)
		rc = lua_pcall(L, 0, 0, base);
	char *errtext = NULL;
	if (rc != LUA_OK) {
		const char *m = lua_tostring(L, -1);
		errtext = strdup(m ? m : "non-string error");
	}
	lua_close(L);
	enum pb_outcome o = finish(&s, rc, errtext);
	free(errtext);
	return o;
}

enum pb_outcome pb_scn_run(const char *path, const struct pb_scn_ctx *ctx,
    struct pb_attempt *a)
{
	return run(NULL, 0, NULL, path, ctx, a);
}

enum pb_outcome pb_scn_run_string(const char *code, const char *chunkname,
    const struct pb_scn_ctx *ctx, struct pb_attempt *a)
{
	char chunk[256];
	snprintf(chunk, sizeof chunk, "@%s", chunkname ? chunkname : "string");
	return run(code, strlen(code), chunk, chunkname, ctx, a);
}
