/*
 * hil/scenario-pump.c - the Lua API of the pump over its protocol: pump.*
 * (commands, status, alarms, events, HELLO, calibration read-back), the
 * `dut` table and the `spec` table of the pump profile.  See
 * scenario-impl.h; the API is documented in docs/hil.md.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hil/scenario-impl.h"
#include "proto/msg.h"
#include "pump/profile.h"

/* ---- pump commands ----------------------------------------------------- */

static int pump_cmd(lua_State *L, struct scn *s, struct pb_msg *m,
    const char *what, struct pb_response *resp)
{
	struct pb_response r;
	int rc = pb_dut_command(s->dut, m, &r);
	scn_drain_dut_log(s);
	if (resp)
		*resp = r;
	if (rc == PB_DUT_OK) {
		scn_log(s, "pump %s: OK", what);
		lua_pushboolean(L, 1);
		return 1;
	}
	if (rc == PB_DUT_E_STATUS) {
		scn_log(s, "pump %s: refused %s", what, pb_status_name(r.status));
		lua_pushboolean(L, 0);
		lua_pushstring(L, pb_status_name(r.status));
		return 2;
	}
	if (rc == PB_DUT_E_REFUSED) {
		scn_log(s, "pump %s: not sent, %s", what, pb_dut_errmsg(s->dut));
		lua_pushboolean(L, 0);
		lua_pushstring(L, "HOST_REFUSED");
		return 2;
	}
	scn_dut_error(L, s, rc, what);
	return 0;
}

static int simple_cmd(lua_State *L, uint8_t type, const char *what)
{
	struct scn *s = scn_need_rig(L, what);
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
	if (scn_name_eq(s, "stimulation") || scn_name_eq(s, "stim"))
		return PB_MODE_STIMULATION;
	if (scn_name_eq(s, "expression") || scn_name_eq(s, "expr"))
		return PB_MODE_EXPRESSION;
	if (scn_name_eq(s, "mixed"))
		return PB_MODE_MIXED;
	return -1;
}

static int l_pump_mode(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "pump.mode");
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
	struct scn *s = scn_need_rig(L, "pump.level");
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
	struct scn *s = scn_need_rig(L, "pump.channels");
	int mask;
	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_Integer v = luaL_checkinteger(L, 1);
		if (v < 1 || v > 3)
			return luaL_error(L, "pump.channels: mask %d out of "
			    "range 1..3", (int)v);
		mask = (int)v;
	} else {
		const char *n = luaL_checkstring(L, 1);
		if (scn_name_eq(n, "single"))
			mask = 1;
		else if (scn_name_eq(n, "double"))
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
	scn_setstr(L, "serial", in->serial);
	scn_setstr(L, "firmware", in->fw_version);
	scn_setstr(L, "profile", in->profile);
	scn_setint(L, "channels", in->channels);
	scn_setint(L, "levels", in->levels);
	scn_setint(L, "modes", in->modes);
	scn_setint(L, "sample_rate", in->sample_rate_hz);
	scn_setnum(L, "max_target", in->max_target / 10.0);
	scn_setnum(L, "trip", in->trip / 10.0);
	scn_setint(L, "cal_id", in->cal_id);
	scn_setbool(L, "factory", in->factory);
	scn_setint(L, "proto_version", in->proto_version);
}

static int l_pump_hello(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "pump.hello");
	double timeout = luaL_optnumber(L, 1, pb_dut_step_timeout(s->dut));
	int rc = pb_dut_hello_until(s->dut, timeout);
	scn_drain_dut_log(s);
	if (rc == PB_DUT_E_TIMEOUT) {
		scn_log(s, "pump hello: %s", pb_dut_errmsg(s->dut));
		lua_pushnil(L);
		lua_pushstring(L, pb_dut_errmsg(s->dut));
		return 2;
	}
	if (rc != PB_DUT_OK)
		scn_dut_error(L, s, rc, "hello");
	push_info(L, pb_dut_info(s->dut));
	scn_log(s, "pump hello: %s firmware %s", pb_dut_info(s->dut)->serial,
	    pb_dut_info(s->dut)->fw_version);
	return 1;
}

static int l_pump_info(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "pump.info");
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
	struct scn *s = scn_need_rig(L, "pump.status");
	double tt = 0;
	const struct pb_telemetry *t = pb_dut_telemetry(s->dut, &tt);
	const struct pb_heartbeat *hb = pb_dut_heartbeat(s->dut);
	lua_createtable(L, 0, 16);
	scn_setbool(L, "link_up", pb_dut_link_up(s->dut));
	unsigned al = current_alarms(s);
	if (hb)
		scn_setstr(L, "state", pb_run_state_name(hb->run_state));
	if (t) {
		scn_setstr(L, "state", pb_run_state_name(t->run_state));
		scn_setstr(L, "mode", pb_mode_name(t->mode));
		scn_setint(L, "level", t->level);
		scn_setstr(L, "phase", pb_phase_name(t->phase));
		scn_setnum(L, "target", t->target / 10.0);
		scn_setnum(L, "battery", t->battery_mv / 1000.0);
		scn_setint(L, "motor_ma", t->motor_ma);
		scn_setnum(L, "motor_duty", t->motor_duty / 255.0);
		scn_setint(L, "channel_mask", t->channel_mask);
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
		scn_setnum(L, "age", scn_rig_seconds(s) - tt);
	}
	if (hb || t) {
		push_alarms(L, al);
		lua_setfield(L, -2, "alarms");
		scn_setint(L, "alarm_bits", al);
	}
	return 1;
}

/* pump.alarm(name) -> bool: that alarm is active now */
static int l_pump_alarm(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "pump.alarm");
	const char *name = luaL_checkstring(L, 1);
	for (unsigned i = 0; i < PB_AL_COUNT; i++) {
		if (!scn_name_eq(name, pb_alarm_name(i)))
			continue;
		lua_pushboolean(L, (current_alarms(s) >> i) & 1u);
		return 1;
	}
	return luaL_error(L, "pump.alarm: unknown alarm '%s'", name);
}

/* pump.events([kind]) -> list of {t, kind, code, name, channel, value} */
static int l_pump_events(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "pump.events");
	const char *want = luaL_optstring(L, 1, NULL);
	size_t n = 0;
	const struct pb_dut_event *ev = pb_dut_events(s->dut, &n);
	lua_createtable(L, (int)(n < 64 ? n : 64), 0);
	int k = 1;
	for (size_t i = 0; i < n; i++) {
		const struct pb_event *e = &ev[i].ev;
		const char *kind = pb_event_kind_name(e->kind);
		if (want && !scn_name_eq(want, kind))
			continue;
		lua_createtable(L, 0, 6);
		scn_setnum(L, "t", ev[i].t_s);
		scn_setstr(L, "kind", kind);
		scn_setint(L, "code", e->code);
		const char *nm = e->kind == PB_EV_ALARM_RAISED ||
		    e->kind == PB_EV_ALARM_CLEARED ? pb_alarm_name(e->code) :
		    e->kind == PB_EV_STATE ? pb_run_state_name(e->code) :
		    e->kind == PB_EV_MODE ? pb_mode_name(e->code) : kind;
		scn_setstr(L, "name", nm);
		scn_setint(L, "channel", e->channel + 1);
		scn_setint(L, "value", e->value);
		lua_rawseti(L, -2, k++);
	}
	return 1;
}

/* pump.read_cal(ch) -> {order, c0, c1, c2, cal_id, date, station} */
static int l_pump_read_cal(lua_State *L)
{
	struct scn *s = scn_need_rig(L, "pump.read_cal");
	int ch = scn_channel(L, s, 1);
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
	scn_setint(L, "order", r.body.cal.order);
	for (int i = 0; i < 3; i++) {
		char k[4] = { 'c', (char)('0' + i), 0 };
		lua_pushnumber(L, r.body.cal.c[i]);
		lua_setfield(L, -2, k);
	}
	scn_setint(L, "cal_id", r.body.cal.cal_id);
	scn_setint(L, "date", r.body.cal.date);
	char st[PB_STR_LEN + 1];
	memcpy(st, r.body.cal.station, PB_STR_LEN);
	st[PB_STR_LEN] = '\0';
	scn_setstr(L, "station", st);
	return 1;
}

/* ---- spec (pump profile expectations) ---------------------------------- */

static int spec_curve(lua_State *L, const char *fn,
    double (*curve)(const struct pb_profile *, int, int))
{
	struct scn *s = scn_get(L);
	if (!s->ctx->profile)
		return luaL_error(L, "%s: no pump profile loaded", fn);
	int mode = parse_mode(luaL_checkstring(L, 1));
	if (mode < 0)
		return luaL_error(L, "%s: unknown mode", fn);
	lua_pushnumber(L, curve(s->ctx->profile, mode,
	    (int)luaL_checkinteger(L, 2)));
	return 1;
}

/* spec.peak(mode, level [, channels]): pumping two channels at once the
 * target is the profile's double maximum at most. */
static int l_spec_peak(lua_State *L)
{
	struct scn *s = scn_get(L);
	int n = (int)luaL_optinteger(L, 3, 1);
	if (n < 1 || n > 2)
		return luaL_error(L, "spec.peak: channels must be 1 or 2");
	if (!s->ctx->profile)
		return luaL_error(L, "spec.peak: no pump profile loaded");
	int mode = parse_mode(luaL_checkstring(L, 1));
	if (mode < 0)
		return luaL_error(L, "spec.peak: unknown mode");
	lua_pushnumber(L, pb_profile_peak_n_mmhg(s->ctx->profile, mode,
	    (int)luaL_checkinteger(L, 2), n));
	return 1;
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
	scn_setstr(L, "id", p->id);
	scn_setstr(L, "name", p->name);
	scn_setint(L, "channels", p->channels);
	scn_setint(L, "levels", p->levels);
	scn_setbool(L, "double_pumping", p->double_pumping);
	scn_setbool(L, "mains", p->mains);
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
	scn_setnum(L, "max_target", p->max_target_mmhg);
	scn_setnum(L, "max_target_double", p->max_target_double_mmhg);
	scn_setnum(L, "trip_abs", p->trip_abs_mmhg);
	scn_setnum(L, "trip_over_target", p->trip_over_target_mmhg);
	scn_setnum(L, "trip_over_ms", p->trip_over_ms);
	scn_setnum(L, "stuck_mmhg", p->stuck_mmhg);
	scn_setnum(L, "stuck_after_ms", p->stuck_after_ms);
	scn_setnum(L, "leak_missed_cycles", p->leak_missed_cycles);
	scn_setnum(L, "leak_decay", p->leak_decay_mmhg_s);
	scn_setnum(L, "auto_off_s", p->session_auto_off_s);
	scn_setnum(L, "stim_to_expr_s", p->stim_to_expr_s);
	scn_setnum(L, "heartbeat_timeout_ms", p->heartbeat_timeout_ms);
	scn_setnum(L, "tol_peak", p->tol_peak_mmhg);
	scn_setnum(L, "tol_rate", p->tol_rate_cpm);
	scn_setnum(L, "batt_nominal_v", p->batt_nominal_v);
	scn_setnum(L, "batt_warn_v", p->batt_warn_v);
	scn_setnum(L, "batt_cutoff_v", p->batt_cutoff_v);
	scn_setnum(L, "sensor_supply_v", p->sensor_supply_v);
	scn_setnum(L, "sensor_fs", p->sensor_fs_mmhg);
	scn_setnum(L, "mixed_stim_cycles", p->mixed_stim_cycles);
	scn_setnum(L, "mixed_expr_cycles", p->mixed_expr_cycles);
}


void scn_open_pump(lua_State *L, struct scn *s)
{
	static const luaL_Reg pump[] = {
		{ "start", l_pump_start }, { "stop", l_pump_stop },
		{ "mode", l_pump_mode }, { "level", l_pump_level },
		{ "channels", l_pump_channels },
		{ "clear_fault", l_pump_clear }, { "status", l_pump_status },
		{ "alarm", l_pump_alarm }, { "events", l_pump_events },
		{ "hello", l_pump_hello }, { "info", l_pump_info },
		{ "read_cal", l_pump_read_cal }, { NULL, NULL }
	};
	scn_register(L, "pump", pump);

	push_spec(L, s->ctx->profile);
	lua_setglobal(L, "spec");

	if (s->dut && pb_dut_info(s->dut))
		push_info(L, pb_dut_info(s->dut));
	else
		lua_newtable(L);
	lua_setglobal(L, "dut");
}
