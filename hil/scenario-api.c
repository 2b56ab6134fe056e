/*
 * hil/scenario-api.c - the Lua API's core: the run state and its helpers,
 * rig time, verdicts (log, expect, fail, skip, requires), waiting and
 * traces.  See scenario-impl.h; the API is documented in docs/hil.md.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hil/requirement.h"
#include "hil/scenario-impl.h"
#include "hil/series.h"

static const char SCN_KEY = 'S';

void scn_bind(lua_State *L, struct scn *s)
{
	lua_pushlightuserdata(L, s);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &SCN_KEY);
}

struct scn *scn_get(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &SCN_KEY);
	struct scn *s = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return s;
}

/* file:line of the innermost Lua function running */
void scn_where(lua_State *L, char *out, size_t n)
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

double scn_rig_seconds(struct scn *s)
{
	if (!s->dut)
		return 0;
	uint64_t now = pb_dut_now(s->dut);
	return (double)(now - s->t0_us) / 1e6;
}

void scn_log(struct scn *s, const char *fmt, ...)
{
	char line[PB_ATTEMPT_LINE_MAX];
	int n = snprintf(line, sizeof line, "[%9.3f] ", scn_rig_seconds(s));
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	size_t len = strlen(line);
	if ((size_t)k >= sizeof line - (size_t)n)   /* cut: say so */
		memcpy(line + len - 3, "...", 3);
	pb_attempt_log_text(s->a, line, len);
}

void scn_drain_dut_log(struct scn *s)
{
	if (!s->dut)
		return;
	char *log = pb_dut_take_log(s->dut);
	if (!log)
		return;
	/* already stamped by dut.c; strip the final newline */
	size_t n = strlen(log);
	if (n && log[n - 1] == '\n')
		log[--n] = '\0';
	pb_attempt_log_text(s->a, log, n);
	free(log);
}

/* Raise a control condition (error/skip/abort/fail) from C.  Final: the
 * first one decides the outcome, and a script that pcall()s it away gets
 * no further instruction (scn_trip, see the guard in
 * scenario-sandbox.c). */
int scn_raise(lua_State *L, struct scn *s, enum scn_ctrl c, const char *fmt,
    ...)
{
	if (s->ctrl == CTRL_NONE) {
		s->ctrl = c;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->ctrl_msg, sizeof s->ctrl_msg, fmt, ap);
		va_end(ap);
		scn_where(L, s->ctrl_where, sizeof s->ctrl_where);
	}
	scn_trip(L);   /* final: nothing may catch it for good */
	return luaL_error(L, "%s", s->ctrl_msg);
}

void scn_check(lua_State *L, struct scn *s)
{
	if (s->ctrl != CTRL_NONE)
		scn_raise(L, s, s->ctrl, "%s", s->ctrl_msg);
}

struct scn *scn_need_rig(lua_State *L, const char *fn)
{
	struct scn *s = scn_get(L);
	scn_check(L, s);
	if (!s->dut)
		scn_raise(L, s, CTRL_ERROR, "%s: no rig attached", fn);
	return s;
}

void scn_dut_error(lua_State *L, struct scn *s, int rc, const char *what)
{
	scn_drain_dut_log(s);
	if (s->ctrl == CTRL_NONE)
		s->rig_error = true;
	if (rc == PB_DUT_E_INTERRUPTED)
		scn_raise(L, s, CTRL_ABORT, "%s: %s", what, pb_dut_errmsg(s->dut));
	scn_raise(L, s, CTRL_ERROR, "%s: %s", what, pb_dut_errmsg(s->dut));
}

int scn_channel(lua_State *L, struct scn *s, int arg)
{
	lua_Integer ch = luaL_checkinteger(L, arg);
	int n = s->fix ? pb_fixture_rig(s->fix)->channels : PB_MAX_CH;
	if (ch < 1 || ch > n)
		luaL_error(L, "channel %d out of range 1..%d", (int)ch, n);
	return (int)ch - 1;
}

/* t[k] = v on the table at the top of the stack */
void scn_setnum(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

void scn_setint(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

void scn_setstr(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

void scn_setbool(lua_State *L, const char *k, bool v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, k);
}

/* ---- sampling and time ------------------------------------------------- */

double scn_sample(lua_State *L, struct scn *s, int sig, int ch)
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

void scn_set_inject(lua_State *L, struct scn *s, int ch, bool on,
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

/* Apply background ramps that are due at now. */
void scn_run_ramps(lua_State *L, struct scn *s, uint64_t now)
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
		scn_set_inject(L, s, ch, true, r->v0 + (r->v1 - r->v0) * f);
		r->next = now + r->step;
		if (r->next > r->t0 + r->dur)
			r->next = r->t0 + r->dur;
	}
}

void scn_advance(lua_State *L, struct scn *s, uint64_t until_us,
    uint64_t period_us, scn_sample_fn cb, void *ctx)
{
	uint64_t now = pb_dut_now(s->dut);
	uint64_t next_cb = now + period_us;
	uint64_t wall_start = s->ctx->wall_us ? s->ctx->wall_us() : 0;
	bool ftdi = s->ctx->rig_kind && strcmp(s->ctx->rig_kind, "ftdi") == 0;
	double asked = (double)(until_us > now ? until_us - now : 0) / 1e6;
	if (cb)
		cb(L, s, ctx, now);
	while (now < until_us) {
		scn_guard(L, s);
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
				scn_dut_error(L, s, rc, "rig");
		}
		now = pb_dut_now(s->dut);
		if (timeout && now >= s->deadline_us) {
			scn_drain_dut_log(s);
			scn_raise(L, s, CTRL_ERROR, "scenario timeout: %.1f s of "
			    "rig time used", s->ctx->timeout_s);
		}
		scn_run_ramps(L, s, now);
		scn_rec_sample(s, now);
		for (size_t i = 0; i < s->n_at; i++) {
			struct active_trace *t = &s->at[i];
			while (t->next_us <= now) {
				double v = scn_sample(L, s, t->sig, t->ch);
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
	}
	scn_drain_dut_log(s);
	if (ftdi && s->ctx->wall_us) {
		double took = (double)(s->ctx->wall_us() - wall_start) / 1e6;
		if (took > asked + s->ctx->step_timeout_s)
			scn_raise(L, s, CTRL_ERROR, "step timeout: %.1f s of wall "
			    "time for %.1f s of rig time", took, asked);
	}
}

uint64_t scn_secs_us(double s)
{
	if (!(s > 0))
		return 0;
	if (s > 1e7)
		s = 1e7;
	return (uint64_t)llround(s * 1e6);
}

uint64_t scn_opt_period(lua_State *L, int arg, uint64_t def)
{
	if (!lua_istable(L, arg))
		return def;
	lua_getfield(L, arg, "period");
	uint64_t p = def;
	if (!lua_isnil(L, -1)) {
		double v = luaL_checknumber(L, -1);
		if (!(v >= 0.0001 && v <= 60))
			luaL_error(L, "period %g s out of range 0.0001..60", v);
		p = scn_secs_us(v);
	}
	lua_pop(L, 1);
	return p;
}

/* ---- core API: log, expect, fail, requires, wait ----------------------- */

/* log(...) joins tostring() of its arguments with spaces. */
static int l_log(lua_State *L)
{
	struct scn *s = scn_get(L);
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
	scn_log(s, "%s", lua_tostring(L, -1));
	return 0;
}

bool scn_get_limit(lua_State *L, int t, const char *k, struct pb_limit *l)
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
 * marginal_high=, equals=, nominal=, tol=, marginal_tol=, req=}]) -> ok;
 * req names the requirement the measurement is evidence for */
static int l_expect(lua_State *L)
{
	struct scn *s = scn_get(L);
	scn_check(L, s);
	const char *name = luaL_checkstring(L, 1);
	struct pb_measurement mm, *m = &mm;
	memset(m, 0, sizeof *m);
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
		lua_getfield(L, 3, "req");
		if (lua_isstring(L, -1)) {
			size_t n;
			const char *id = lua_tolstring(L, -1, &n);
			if (!pb_requirement_id_valid(id, n))
				return luaL_error(L, "expect '%s': req must be a "
				    "requirement ID", name);
			snprintf(m->requirement, sizeof m->requirement, "%s",
			    id);
		} else if (!lua_isnil(L, -1)) {
			return luaL_error(L, "expect '%s': req must be a "
			    "requirement ID", name);
		}
		lua_pop(L, 1);
		any |= scn_get_limit(L, 3, "low", &m->low);
		any |= scn_get_limit(L, 3, "high", &m->high);
		any |= scn_get_limit(L, 3, "marginal_low", &m->mlow);
		any |= scn_get_limit(L, 3, "marginal_high", &m->mhigh);
		struct pb_limit eq = {0}, nom = {0}, tol = {0}, mtol = {0};
		if (scn_get_limit(L, 3, "equals", &eq)) {
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
		scn_get_limit(L, 3, "nominal", &nom);
		scn_get_limit(L, 3, "tol", &tol);
		scn_get_limit(L, 3, "marginal_tol", &mtol);
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
	/* a measurement that names no requirement is evidence for the
	 * scenario's first (primary) --@verifies */
	const char *v = s->ctx->verifies;
	if (!m->requirement[0] && v && v[0])
		snprintf(m->requirement, sizeof m->requirement, "%.*s",
		    (int)strcspn(v, " "), v);
	scn_where(L, m->where, sizeof m->where);
	pb_measurement_judge(m);
	char lim[96];
	fmt_limits(m, lim, sizeof lim);
	scn_log(s, "expect %s = %g %s %s: %s%s", m->name, m->value, m->unit, lim,
	    pb_outcome_name(m->outcome), m->marginal ? " (MARGINAL)" : "");
	if (m->outcome == PB_OUT_FAIL && !s->failed) {
		s->failed = true;
		scn_rec_trigger(s);
		snprintf(s->fail_msg, sizeof s->fail_msg,
		    "%.95s = %g %.15s outside %.95s", m->name, m->value, m->unit,
		    lim);
		snprintf(s->fail_where, sizeof s->fail_where, "%s", m->where);
	}
	/* past PB_ATTEMPT_MEAS_MAX it is judged and counted, not kept */
	if (pb_attempt_add_measurement(s->a, m) < 0)
		return scn_raise(L, s, CTRL_ERROR, "out of memory");
	lua_pushboolean(L, m->outcome == PB_OUT_PASS);
	return 1;
}

static int l_fail(lua_State *L)
{
	struct scn *s = scn_get(L);
	const char *msg = luaL_optstring(L, 1, "fail() called");
	return scn_raise(L, s, CTRL_FAIL, "%s", msg);
}

static int l_skip(lua_State *L)
{
	struct scn *s = scn_get(L);
	const char *msg = luaL_optstring(L, 1, "skip() called");
	return scn_raise(L, s, CTRL_SKIP, "%s", msg);
}

const char *scn_rig_kind(struct scn *s)
{
	return s->ctx->rig_kind ? s->ctx->rig_kind : "none";
}

static int l_requires(lua_State *L)
{
	struct scn *s = scn_get(L);
	scn_check(L, s);
	const char *kind = luaL_checkstring(L, 1);
	if (strcmp(kind, "sim") != 0 && strcmp(kind, "ftdi") != 0)
		return luaL_error(L, "requires: unknown rig kind '%s' (sim, "
		    "ftdi)", kind);
	if (strcmp(kind, scn_rig_kind(s)) != 0)
		return scn_raise(L, s, CTRL_SKIP, "needs the %s rig (this is %s)",
		    kind, scn_rig_kind(s));
	return 0;
}

static int l_now(lua_State *L)
{
	struct scn *s = scn_get(L);
	lua_pushnumber(L, scn_rig_seconds(s));
	return 1;
}

int scn_lua_wait(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "wait");
	double sec = luaL_checknumber(L, 1);
	if (!(sec >= 0))
		return luaL_error(L, "wait: seconds must be >= 0");
	scn_advance(L, s, pb_dut_now(s->dut) + scn_secs_us(sec), 0, NULL, NULL);
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

double scn_poll_until(lua_State *L, struct scn *s, int fn, double timeout,
    uint64_t period, uint64_t hold_us)
{
	struct poll_ctx p = { .fn = fn, .hold_us = hold_us };
	uint64_t start = pb_dut_now(s->dut);
	uint64_t end = start + scn_secs_us(timeout);
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
		scn_advance(L, s, next, 0, NULL, NULL);
		now = pb_dut_now(s->dut);
		poll_cb(L, &p, now);
	}
	return p.hit ? (double)(p.hit_us - start) / 1e6 : -1.0;
}

uint64_t scn_opt_hold(lua_State *L, int arg)
{
	if (!lua_istable(L, arg))
		return 0;
	lua_getfield(L, arg, "hold");
	uint64_t h = 0;
	if (!lua_isnil(L, -1)) {
		double v = luaL_checknumber(L, -1);
		if (!(v >= 0 && v <= 86400))
			luaL_error(L, "hold %g s out of range 0..86400", v);
		h = scn_secs_us(v);
	}
	lua_pop(L, 1);
	return h;
}

/* wait_until(fn, timeout [, {period=}]) -> ok, seconds */
static int l_wait_until(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "wait_until");
	luaL_checktype(L, 1, LUA_TFUNCTION);
	double timeout = luaL_optnumber(L, 2, pb_dut_step_timeout(s->dut));
	if (!(timeout >= 0))
		return luaL_error(L, "wait_until: timeout must be >= 0");
	uint64_t period = scn_opt_period(L, 3, 10000);
	double t = scn_poll_until(L, s, 1, timeout, period, scn_opt_hold(L, 3));
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
	struct scn *s = scn_need_rig(L, "trace");
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
	uint64_t period = scn_opt_period(L, 2, TRACE_PERIOD_US);
	struct pb_trace *t = pb_attempt_add_trace(s->a);
	if (!t)
		return scn_raise(L, s, CTRL_ERROR, "out of memory");
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->unit, sizeof t->unit, "%s", signal_unit(sig));
	t->t0_s = scn_rig_seconds(s);
	t->period_s = (double)period / 1e6;
	struct active_trace *at = &s->at[s->n_at++];
	at->idx = s->a->n_traces - 1;
	at->sig = sig;
	at->ch = ch;
	at->period_us = period;
	at->next_us = pb_dut_now(s->dut);
	return 0;
}

bool scn_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : (char)tolower((unsigned char)*a);
		char y = *b == '-' ? '_' : (char)tolower((unsigned char)*b);
		if (x != y)
			return false;
	}
	return *a == *b;
}


void scn_register(lua_State *L, const char *name, const luaL_Reg *fns)
{
	lua_newtable(L);
	luaL_setfuncs(L, fns, 0);
	lua_setglobal(L, name);
}

void scn_open_core(lua_State *L)
{
	static const luaL_Reg globals[] = {
		{ "log", l_log }, { "print", l_log },
		{ "expect", l_expect }, { "fail", l_fail }, { "skip", l_skip },
		{ "requires", l_requires }, { "wait", scn_lua_wait },
		{ "wait_until", l_wait_until }, { "now", l_now },
		{ "trace", l_trace },
		{ NULL, NULL }
	};
	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
