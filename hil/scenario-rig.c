/*
 * hil/scenario-rig.c - the Lua API of the rig: measure.*, reference(),
 * outputs(), gpio.*, inject.*, rig.power, sim.* (emulator faults) and
 * link.*.  See scenario-impl.h; the API is documented in docs/hil.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hil/scenario-impl.h"
#include "hil/series.h"
#include "pump/units.h"
#include "hil/fixture-sim.h"
#include "proto/msg.h"

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
	double v = scn_sample(L, s, mc->sig, mc->ch);
	pb_series_push(&mc->se, (double)(now - s->t0_us) / 1e6, v);
}

/* Body of a measurement, run protected so the series is always freed:
 * sample channel (arg 1) for seconds (arg 2), options at 3. */
static int measure_body(lua_State *L)
{
	struct measure_call *mc = lua_touserdata(L, 1);
	lua_remove(L, 1);
	struct scn *s = mc->s;
	mc->ch = scn_channel(L, s, 1);
	double sec = luaL_checknumber(L, 2);
	if (!(sec > 0))
		return luaL_error(L, "%s: seconds must be > 0", mc->fn);
	uint64_t period = scn_opt_period(L, 3, DEFAULT_PERIOD_US);
	if (lua_istable(L, 3)) {
		struct pb_limit lo = {0}, hi = {0};
		scn_get_limit(L, 3, "low", &lo);
		scn_get_limit(L, 3, "high", &hi);
		mc->has_lo = lo.set;
		mc->th_lo = lo.v;
		mc->has_hi = hi.set;
		mc->th_hi = hi.v;
	}
	scn_advance(L, s, pb_dut_now(s->dut) + scn_secs_us(sec), period,
	    series_cb, mc);
	if (mc->se.full)
		return luaL_error(L, "%s: too many samples (at most %u)",
		    mc->fn, SCN_MAX_SERIES);
	return mc->stat(L, mc);
}

static int run_measure(lua_State *L, const char *fn,
    int (*stat)(lua_State *, struct measure_call *))
{
	struct scn *s = scn_need_rig(L, fn);
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
	scn_setint(L, "count", (lua_Integer)c.complete);
	scn_setnum(L, "rate", c.rate_cpm);
	scn_setnum(L, "peak", c.peak_mean);
	scn_setnum(L, "peak_min", c.peak_min);
	scn_setnum(L, "peak_max", c.peak_max);
	scn_setnum(L, "peak_low", c.peak_low);
	scn_setnum(L, "peak_high", c.peak_high);
	scn_setnum(L, "trough", c.trough_mean);
	scn_setnum(L, "max", pb_series_max(&mc->se));
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
	struct scn *s = scn_need_rig(L, "measure.time_until");
	luaL_checktype(L, 1, LUA_TFUNCTION);
	double timeout = luaL_checknumber(L, 2);
	uint64_t period = scn_opt_period(L, 3, 1000);
	double t = scn_poll_until(L, s, 1, timeout, period, scn_opt_hold(L, 3));
	if (t < 0)
		lua_pushnil(L);
	else
		lua_pushnumber(L, t);
	return 1;
}

/* measure.time_to_vent(ch, below_mmHg, timeout [, {period=}]) */
static int l_m_time_to_vent(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "measure.time_to_vent");
	int ch = scn_channel(L, s, 1);
	double below = luaL_checknumber(L, 2);
	double timeout = luaL_checknumber(L, 3);
	uint64_t period = scn_opt_period(L, 4, 1000);
	uint64_t start = pb_dut_now(s->dut), end = start + scn_secs_us(timeout);
	for (;;) {
		uint64_t now = pb_dut_now(s->dut);
		double v = scn_sample(L, s, SIG_VACUUM, ch);
		if (v < below) {
			lua_pushnumber(L, (double)(now - start) / 1e6);
			return 1;
		}
		if (now >= end)
			break;
		uint64_t next = now + period;
		scn_advance(L, s, next < end ? next : end, 0, NULL, NULL);
	}
	lua_pushnil(L);
	return 1;
}

/* reference(ch) -> mmHg now at the rig's reference transducer */
static int l_reference(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "reference");
	int ch = scn_channel(L, s, 1);
	lua_pushnumber(L, scn_sample(L, s, SIG_VACUUM, ch));
	return 1;
}

static int l_outputs(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "outputs");
	uint32_t bits = 0;
	int rc = pb_fixture_read_outputs(s->fix, &bits);
	if (rc != PB_FIX_OK)
		return scn_raise(L, s, rc == PB_FIX_E_INTERRUPTED ? CTRL_ABORT :
		    CTRL_ERROR, "fixture read failed: %s: %s",
		    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
	lua_createtable(L, 0, 3);
	scn_setbool(L, "motor", bits & PB_FIX_OUT_MOTOR);
	scn_setbool(L, "alarm", bits & PB_FIX_OUT_ALARM);
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
	struct scn *s = scn_need_rig(L, "gpio.valve");
	int ch = scn_channel(L, s, 1);
	lua_pushboolean(L, scn_sample(L, s, SIG_VALVE, ch) > 0.5);
	return 1;
}

static int l_gpio_motor(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "gpio.motor");
	lua_pushboolean(L, scn_sample(L, s, SIG_MOTOR, 0) > 0.5);
	return 1;
}

static int l_gpio_alarm(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "gpio.alarm");
	lua_pushboolean(L, scn_sample(L, s, SIG_ALARM, 0) > 0.5);
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

/* inject.set(ch, value [, unit="mmHg"]) */
static int l_inject_set(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "inject.set");
	int ch = scn_channel(L, s, 1);
	s->ramp[ch].on = false;
	double v = luaL_checknumber(L, 2);
	const char *unit = luaL_optstring(L, 3, "mmHg");
	double volts = to_volts(L, s, ch, v, unit);
	scn_set_inject(L, s, ch, true, volts);
	scn_log(s, "inject ch%d %g %s (%.3f V)", ch + 1, v, unit, volts);
	return 0;
}

static int l_inject_off(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "inject.off");
	int ch = scn_channel(L, s, 1);
	s->ramp[ch].on = false;
	scn_set_inject(L, s, ch, false, pb_fixture_rig(s->fix)->dac.safe_volts);
	scn_log(s, "inject ch%d off", ch + 1);
	return 0;
}

/* Sensor open: output near 0 V; short: at the supply. */
static int l_inject_open(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "inject.open");
	int ch = scn_channel(L, s, 1);
	s->ramp[ch].on = false;
	scn_set_inject(L, s, ch, true, 0.0);
	scn_log(s, "inject ch%d sensor open (0 V)", ch + 1);
	return 0;
}

static int l_inject_short(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "inject.short");
	int ch = scn_channel(L, s, 1);
	s->ramp[ch].on = false;
	double v = pb_fixture_rig(s->fix)->ch[ch].sensor.supply_v;
	scn_set_inject(L, s, ch, true, v);
	scn_log(s, "inject ch%d sensor short (%.2f V)", ch + 1, v);
	return 0;
}

/* inject.ramp(ch, from, to, seconds [, unit="mmHg" [, {step=0.01}]]) */
static int l_inject_ramp(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "inject.ramp");
	int ch = scn_channel(L, s, 1);
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
	scn_log(s, "inject ch%d ramp %g -> %g %s over %g s%s", ch + 1, from, to,
	    unit, sec, background ? " (background)" : "");
	uint64_t start = pb_dut_now(s->dut), dur = scn_secs_us(sec);
	uint64_t stepus = scn_secs_us(step);
	if (background) {
		struct bg_ramp *r = &s->ramp[ch];
		r->v0 = to_volts(L, s, ch, from, unit);
		r->v1 = to_volts(L, s, ch, to, unit);
		r->t0 = start;
		r->dur = dur;
		r->step = stepus;
		r->next = start;
		r->on = true;
		scn_run_ramps(L, s, start);
		return 0;
	}
	for (uint64_t el = 0;; el += stepus) {
		if (el > dur)
			el = dur;
		double f = (double)el / (double)dur;
		scn_set_inject(L, s, ch, true, to_volts(L, s, ch,
		    from + (to - from) * f, unit));
		if (el >= dur)
			break;
		uint64_t next = el + stepus > dur ? dur : el + stepus;
		scn_advance(L, s, start + next, 0, NULL, NULL);
	}
	return 0;
}

/* inject.waveform(ch, {v1, v2, ...} [, {period=0.01, unit="mmHg",
 * cycles=1}]) plays the values, one per period (blocking). */
static int l_inject_waveform(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "inject.waveform");
	int ch = scn_channel(L, s, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer n = luaL_len(L, 2);
	if (n < 1)
		return luaL_error(L, "inject.waveform: empty waveform");
	uint64_t period = scn_opt_period(L, 3, 10000);
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
	scn_log(s, "inject ch%d waveform of %lld points, period %.4f s, %lld "
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
			scn_set_inject(L, s, ch, true, to_volts(L, s, ch, v, unit));
			t += period;
			scn_advance(L, s, t, 0, NULL, NULL);
		}
	}
	return 0;
}

/* ---- rig power, sim faults, link ---------------------------------------- */

static int l_power(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "rig.power");
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	bool on = lua_toboolean(L, 1);
	int rc = pb_fixture_set_power(s->fix, on);
	if (rc == PB_FIX_E_NOT_SUPPORTED)
		return scn_raise(L, s, CTRL_SKIP, "rig.power: this rig has no "
		    "power relay");
	if (rc != PB_FIX_OK)
		return scn_raise(L, s, CTRL_ERROR, "rig.power: %s: %s",
		    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
	scn_log(s, "DUT power %s", on ? "on" : "off");
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
	{ "backflow", PB_FLT_BACKFLOW },
};

static void sim_fault(lua_State *L, struct scn *s, int id, int ch,
    int32_t value, const char *name)
{
	int rc = pb_fixture_inject_fault(s->fix, id, ch, value);
	if (rc == PB_FIX_E_NOT_SUPPORTED)
		scn_raise(L, s, CTRL_SKIP, "sim.%s needs the sim rig (this is %s)",
		    name, scn_rig_kind(s));
	if (rc != PB_FIX_OK)
		scn_raise(L, s, CTRL_ERROR, "sim.%s: %s: %s", name,
		    pb_fixture_strerror(rc), pb_fixture_errmsg(s->fix));
}

/* sim.fault(name [, value=1 [, ch=1]]) */
static int l_sim_fault(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "sim.fault");
	const char *name = luaL_checkstring(L, 1);
	lua_Number value = luaL_optnumber(L, 2, 1);
	int ch = 0;
	if (!lua_isnoneornil(L, 3))
		ch = scn_channel(L, s, 3);
	if (!(value >= -2147483648.0 && value <= 2147483647.0))
		return luaL_error(L, "sim.fault: value out of range");
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		if (!scn_name_eq(name, faults[i].name))
			continue;
		sim_fault(L, s, faults[i].id, ch, (int32_t)llround(value),
		    "fault");
		scn_log(s, "sim fault %s = %g on ch%d", faults[i].name, value,
		    ch + 1);
		return 0;
	}
	return luaL_error(L, "sim.fault: unknown fault '%s' (leak, "
	    "valve_stuck, motor_stall, motor_open, sensor_offset, "
	    "sensor_stuck, sensor_open, sensor_short, battery_sag, "
	    "container_fill, occlusion, sensor_drift, backflow, clear)", name);
}

static int l_sim_clear(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "sim.clear");
	sim_fault(L, s, PB_FLT_CLEAR_ALL, 0, 0, "clear");
	scn_log(s, "sim faults cleared");
	return 0;
}

/* sim.status() -> emulator's own view (true vacuum etc.) */
static int l_sim_status(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "sim.status");
	struct pb_sim_status st;
	if (pb_fixture_sim_status(s->fix, &st) != PB_FIX_OK)
		return scn_raise(L, s, CTRL_SKIP, "sim.status needs the sim rig");
	lua_createtable(L, 0, 10);
	scn_setstr(L, "state", pb_run_state_name(st.run_state));
	scn_setnum(L, "battery_v", st.battery_v);
	scn_setnum(L, "target", st.target_mmhg);
	scn_setnum(L, "session_s", st.session_s);
	scn_setint(L, "cycles", (lua_Integer)st.cycles);
	scn_setnum(L, "motor_duty", st.motor_duty);
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
	struct scn *s = scn_need_rig(L, "link.silence");
	double sec = luaL_checknumber(L, 1);
	if (!(sec >= 0))
		return luaL_error(L, "link.silence: seconds must be >= 0");
	pb_dut_set_silent(s->dut, true);
	/* protected so the host always speaks again */
	lua_pushcfunction(L, scn_lua_wait);
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
	struct scn *s = scn_need_rig(L, "link.mute");
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	pb_dut_set_silent(s->dut, lua_toboolean(L, 1));
	return 0;
}

/* link.last_frame() -> rig seconds (scenario time) at which the host last
 * sent a frame, or nil */
static int l_link_last_frame(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "link.last_frame");
	uint64_t t;
	if (!pb_dut_last_tx(s->dut, &t) || t < s->t0_us)
		lua_pushnil(L);
	else
		lua_pushnumber(L, (double)(t - s->t0_us) / 1e6);
	return 1;
}

/* link.deaf(s): the host throws away everything the DUT sends for s
 * seconds (non-blocking): a command sent meanwhile loses its response
 * and the client retries it. */
static int l_link_deaf(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "link.deaf");
	double sec = luaL_checknumber(L, 1);
	if (!(sec >= 0 && sec <= 3600))
		return luaL_error(L, "link.deaf: seconds out of range 0..3600");
	pb_dut_set_deaf_until(s->dut, pb_dut_now(s->dut) + scn_secs_us(sec));
	return 0;
}

/* link.stats() -> the protocol client's counters */
static int l_link_stats(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "link.stats");
	const struct pb_client_stats *st = pb_client_stats(
	    pb_dut_client(s->dut));
	lua_createtable(L, 0, 12);
	scn_setint(L, "cmds_sent", (lua_Integer)st->cmds_sent);
	scn_setint(L, "cmds_ok", (lua_Integer)st->cmds_ok);
	scn_setint(L, "cmds_failed", (lua_Integer)st->cmds_failed);
	scn_setint(L, "retries", (lua_Integer)st->retries);
	scn_setint(L, "timeouts", (lua_Integer)st->timeouts);
	scn_setint(L, "frames_lost", (lua_Integer)st->frames_lost);
	scn_setint(L, "samples_lost", (lua_Integer)st->samples_lost);
	scn_setint(L, "frames_dropped", (lua_Integer)pb_rx_dropped(&st->rx));
	scn_setint(L, "reconnects", (lua_Integer)st->reconnects);
	scn_setnum(L, "last_rtt", st->last_rtt_us / 1e6);
	scn_setbool(L, "link_up", st->link_up);
	return 1;
}

static int l_link_up(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "link.up");
	lua_pushboolean(L, pb_dut_link_up(s->dut));
	return 1;
}


void scn_open_rig(lua_State *L, struct scn *s)
{
	static const luaL_Reg globals[] = {
		{ "reference", l_reference }, { "outputs", l_outputs },
		{ NULL, NULL }
	};
	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
	static const luaL_Reg inject[] = {
		{ "set", l_inject_set }, { "off", l_inject_off },
		{ "open", l_inject_open }, { "short", l_inject_short },
		{ "ramp", l_inject_ramp }, { "waveform", l_inject_waveform },
		{ NULL, NULL }
	};
	scn_register(L, "inject", inject);
	static const luaL_Reg measure[] = {
		{ "peak", l_m_peak }, { "trough", l_m_trough },
		{ "mean", l_m_mean }, { "rate", l_m_rate },
		{ "cycles", l_m_cycles }, { "decay", l_m_decay },
		{ "time_until", l_m_time_until },
		{ "time_to_vent", l_m_time_to_vent }, { NULL, NULL }
	};
	scn_register(L, "measure", measure);
	static const luaL_Reg sim[] = {
		{ "fault", l_sim_fault }, { "clear", l_sim_clear },
		{ "power", l_power }, { "status", l_sim_status },
		{ NULL, NULL }
	};
	scn_register(L, "sim", sim);
	static const luaL_Reg gpio[] = {
		{ "valve", l_gpio_valve }, { "motor", l_gpio_motor },
		{ "alarm", l_gpio_alarm }, { NULL, NULL }
	};
	scn_register(L, "gpio", gpio);
	static const luaL_Reg link[] = {
		{ "silence", l_link_silence }, { "mute", l_link_mute },
		{ "deaf", l_link_deaf }, { "stats", l_link_stats },
		{ "up", l_link_up }, { "last_frame", l_link_last_frame },
		{ NULL, NULL }
	};
	scn_register(L, "link", link);

	/* rig = {kind, name, channels, power()} */
	lua_createtable(L, 0, 4);
	scn_setstr(L, "kind", scn_rig_kind(s));
	if (s->fix) {
		scn_setstr(L, "name", pb_fixture_rig(s->fix)->name);
		scn_setint(L, "channels", pb_fixture_rig(s->fix)->channels);
	}
	lua_pushcfunction(L, l_power);
	lua_setfield(L, -2, "power");
	lua_setglobal(L, "rig");
}
