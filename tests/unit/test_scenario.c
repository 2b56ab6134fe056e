/*
 * tests/unit/test_scenario.c - the Lua scenario layer: metadata, expect()
 * verdicts and marginal limits, errors with file:line (never a crash),
 * the sandbox, control outcomes (fail, skip, requires, timeouts), and the
 * rig API against the fake fixture in virtual time.
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hil/dut.h"
#include "proto/frame.h"
#include "hil/scenario.h"
#include "tests/lib/check_main.h"
#include "tests/unit/hil_fake_fixture.h"

/* ---- helpers ------------------------------------------------------------ */

static struct pb_attempt att;

static enum pb_outcome run_pure(const char *code)
{
	pb_attempt_free(&att);
	memset(&att, 0, sizeof att);
	struct pb_scenario_ctx ctx = { .rig_kind = "sim", .timeout_s = 60 };
	return pb_scenario_run_string(code, "t.lua", &ctx, &att);
}

static bool log_has(const char *s)
{
	return att.log && strstr(att.log, s) != NULL;
}

/* A rig: the fake fixture over the emulator running profile id. */
struct rig {
	struct fake_knobs k;
	struct pb_fixture *f;
	struct pb_dut *d;
	struct pb_profile prof;
};

static void rig_open(struct rig *r, const char *profile)
{
	memset(r, 0, sizeof *r);
	char err[512];
	ck_assert_msg(pb_profile_find(&r->prof, profile, err, sizeof err) == 0,
	    "%s", err);
	struct pb_rig rg;
	pb_rig_defaults(&rg);
	snprintf(rg.name, sizeof rg.name, "fake");
	struct pb_fixture_opts fo = { .profile = &r->prof, .seed = 1,
		.dut_serial = "T1" };
	ck_assert_int_eq(fake_open(&r->k, &rg, &fo, &r->f, err, sizeof err),
	    PB_FIX_OK);
	ck_assert_int_eq(pb_dut_new(r->f, &r->d, err, sizeof err), PB_DUT_OK);
	ck_assert_int_eq(pb_dut_power_cycle(r->d, 0.1, 5), PB_DUT_OK);
}

static void rig_close(struct rig *r)
{
	pb_dut_free(r->d);
	pb_fixture_close(r->f);
}

static enum pb_outcome run_rig(struct rig *r, const char *code,
    double timeout)
{
	pb_attempt_free(&att);
	memset(&att, 0, sizeof att);
	struct pb_scenario_ctx ctx = { .dut = r->d, .profile = &r->prof,
		.rig_kind = "sim", .timeout_s = timeout, .step_timeout_s = 5 };
	return pb_scenario_run_string(code, "r.lua", &ctx, &att);
}

static void teardown(void)
{
	pb_attempt_free(&att);
	memset(&att, 0, sizeof att);
}

/* ---- metadata ----------------------------------------------------------- */

START_TEST(meta_parses_header)
{
	const char *t =
	    "#!/usr/bin/env pumphil\n"
	    "-- a plain comment\n"
	    "--@name over\n"
	    "--@profile s21\n"
	    "--@defect no-overpressure-trip\n"
	    "--@requires sim\n"
	    "--@timeout 90.5\n"
	    "--@description trips fast\n"
	    "\n"
	    "wait(1)\n"
	    "--@profile ignored-after-code\n";
	struct pb_scenario_meta m;
	char err[256];
	ck_assert_int_eq(pb_scenario_parse_meta(t, strlen(t), "dir/x.lua", &m, err,
	    sizeof err), PB_SCENARIO_OK);
	ck_assert_str_eq(m.name, "over");
	ck_assert_str_eq(m.profile, "s21");
	ck_assert_str_eq(m.defect, "no-overpressure-trip");
	ck_assert_str_eq(m.requires, "sim");
	ck_assert(fabs(m.timeout_s - 90.5) < 1e-9);
	ck_assert_str_eq(m.description, "trips fast");

	ck_assert_int_eq(pb_scenario_parse_meta("wait(1)", 7, "dir/plain.lua", &m,
	    err, sizeof err), PB_SCENARIO_OK);
	ck_assert_str_eq(m.name, "plain");
	ck_assert_str_eq(m.profile, "");
}
END_TEST

START_TEST(meta_errors_name_line)
{
	struct pb_scenario_meta m;
	char err[256];
	static const struct { const char *text, *want; } bad[] = {
		{ "--@name a\n--@colour red\n", "x.lua:2: unknown metadata key" },
		{ "\n\n--@defect no-such-thing\n", "x.lua:3: unknown defect" },
		{ "--@timeout soon\n", "x.lua:1: --@timeout" },
		{ "--@timeout -5\n", "x.lua:1: --@timeout" },
		{ "--@requires usb\n", "x.lua:1: --@requires wants sim or ftdi" },
		{ "--@profile\n", "x.lua:1: --@profile needs a value" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(pb_scenario_parse_meta(bad[i].text,
		    strlen(bad[i].text), "x.lua", &m, err, sizeof err),
		    PB_SCENARIO_E_META);
		ck_assert_msg(strstr(err, bad[i].want) != NULL, "%zu: %s", i,
		    err);
	}
	const char nul[] = "--@name a\0b\n";
	ck_assert_int_eq(pb_scenario_parse_meta(nul, sizeof nul - 1, "x.lua", &m,
	    err, sizeof err), PB_SCENARIO_E_META);
	ck_assert_int_eq(pb_scenario_read_meta("/nonexistent/s.lua", &m, err,
	    sizeof err), PB_SCENARIO_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/s.lua"));
}
END_TEST

/* ---- expect and outcomes ------------------------------------------------ */

START_TEST(expect_pass_fail_marginal)
{
	ck_assert_int_eq(run_pure(
	    "assert(expect('a', 5, {low=0, high=10}))\n"
	    "expect('b', 9.5, {unit='mmHg', low=0, high=10, marginal_high=9})\n"
	    "expect('c', true)\n"
	    "expect('d', 170, {nominal=170, tol=20, marginal_tol=10})\n"
	    "expect('plain', 42)\n"), PB_OUT_PASS);
	ck_assert_uint_eq(att.n_meas, 5);
	ck_assert(!att.meas[0].marginal);
	ck_assert(att.meas[1].marginal);
	ck_assert_str_eq(att.meas[1].unit, "mmHg");
	ck_assert_str_eq(att.meas[1].where, "t.lua:2");
	ck_assert(att.meas[3].low.set && att.meas[3].low.v == 150);
	ck_assert(att.meas[3].mhigh.set && att.meas[3].mhigh.v == 180);

	/* a failed expect does not stop the script: FAIL at the end, with
	 * the first failure's message and line */
	ck_assert_int_eq(run_pure(
	    "expect('ok', 1, {low=0})\n"
	    "local r = expect('peak', 230, {unit='mmHg', high=200})\n"
	    "expect('second', false)\n"
	    "log('after', r)\n"), PB_OUT_FAIL);
	ck_assert_str_eq(att.where, "t.lua:2");
	ck_assert_ptr_nonnull(strstr(att.message, "peak = 230 mmHg outside"));
	ck_assert(log_has("after false"));
	ck_assert_uint_eq(att.n_meas, 3);
	ck_assert_int_eq(att.meas[2].outcome, PB_OUT_FAIL);

	/* nil value with limits fails; bad arguments are script errors */
	ck_assert_int_eq(run_pure("expect('n', nil, {high=1})"), PB_OUT_FAIL);
	ck_assert_int_eq(run_pure("expect('s', 'text')"), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "t.lua:1:"));
	ck_assert_int_eq(run_pure("expect('l', 1, {high='x'})"), PB_OUT_ERROR);
}
END_TEST

START_TEST(errors_have_file_and_line)
{
	ck_assert_int_eq(run_pure("log('a')\nlocal x = = 1\n"), PB_OUT_ERROR);
	ck_assert_str_eq(att.where, "t.lua:2");
	ck_assert_ptr_nonnull(strstr(att.message, "t.lua:2:"));
	ck_assert(!att.rig_error);

	ck_assert_int_eq(run_pure(
	    "local function f()\n"
	    "  local t = nil\n"
	    "  return t.x\n"
	    "end\n"
	    "f()\n"), PB_OUT_ERROR);
	ck_assert_str_eq(att.where, "t.lua:3");
	ck_assert_ptr_nonnull(strstr(att.message, "attempt to index"));
	ck_assert(log_has("stack traceback"));
	ck_assert(log_has("t.lua:5"));

	ck_assert_int_eq(run_pure("\n\nerror({code = 1})\n"), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "error object is a table"));
	ck_assert_str_eq(att.where, "t.lua:3");

	/* errors raised inside the API name the script line */
	ck_assert_int_eq(run_pure("\nwait(1)\n"), PB_OUT_ERROR);
	ck_assert_str_eq(att.where, "t.lua:2");
	ck_assert_ptr_nonnull(strstr(att.message, "no rig attached"));
}
END_TEST

START_TEST(sandbox)
{
	static const char *const banned[] = {
		"os.execute('touch /tmp/pb_sandbox_escape')",
		"io.popen('id')",
		"io.open('/etc/passwd')",
		"loadfile('/etc/passwd')",
		"dofile('/etc/passwd')",
		"load('return 1')()",
		"require('os')",
		"package.loadlib('libc.so.6', 'system')",
		"debug.getinfo(1)",
		"collectgarbage('stop')",
		"import('/etc/passwd')",
		"import('../../etc/passwd')",
	};
	for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
		ck_assert_msg(run_pure(banned[i]) == PB_OUT_ERROR, "%s",
		    banned[i]);
		ck_assert_msg(strncmp(att.message, "t.lua:1:", 8) == 0,
		    "%s -> %s", banned[i], att.message);
	}
	ck_assert_int_ne(access("/tmp/pb_sandbox_escape", F_OK), 0);
	/* memory is bounded: an error, not an OOM kill */
	ck_assert_int_eq(run_pure("local s = string.rep('x', 1 << 30)"),
	    PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "not enough memory"));
	/* what a scenario may use is there */
	ck_assert_int_eq(run_pure(
	    "local t = {}\n"
	    "for i = 1, 3 do table.insert(t, string.format('%d', i)) end\n"
	    "assert(math.floor(2.5) == 2 and utf8.char(65) == 'A')\n"
	    "assert(#t == 3 and tostring(pcall(error, 'x')) == 'false')\n"),
	    PB_OUT_PASS);
}
END_TEST

START_TEST(control_outcomes_are_sticky)
{
	ck_assert_int_eq(run_pure("requires('ftdi')\nerror('not reached')"),
	    PB_OUT_SKIPPED);
	ck_assert_ptr_nonnull(strstr(att.message, "needs the ftdi rig"));
	ck_assert_int_eq(run_pure("requires('sim')"), PB_OUT_PASS);
	ck_assert_int_eq(run_pure("requires('usb')"), PB_OUT_ERROR);
	ck_assert_int_eq(run_pure("skip('bench only')"), PB_OUT_SKIPPED);
	ck_assert_str_eq(att.message, "bench only");
	ck_assert_int_eq(run_pure("log(1)\nfail('valve did not open')"),
	    PB_OUT_FAIL);
	ck_assert_str_eq(att.message, "valve did not open");
	ck_assert_str_eq(att.where, "t.lua:2");
	/* pcall cannot swallow a verdict, nor go on after one */
	ck_assert_int_eq(run_pure("pcall(fail, 'x')\nlog('on')"), PB_OUT_FAIL);
	ck_assert(!log_has("] on"));
	ck_assert_int_eq(run_pure("pcall(skip)\nlog('on')"), PB_OUT_SKIPPED);
	ck_assert(!log_has("] on"));
	ck_assert_int_eq(run_pure("pcall(wait, 1)\nlog('on')"), PB_OUT_ERROR);
	ck_assert(!log_has("] on"));
	ck_assert_int_eq(run_pure("xpcall(fail, function(e) log('handled') "
	    "return e end, 'x')\nlog('on')"), PB_OUT_FAIL);
	ck_assert(!log_has("] on"));
}
END_TEST

static uint64_t fake_wall;
static uint64_t fake_wall_us(void)
{
	fake_wall += 1000000;   /* one second per look */
	return fake_wall;
}

START_TEST(busy_script_is_stopped)
{
	pb_attempt_free(&att);
	memset(&att, 0, sizeof att);
	struct pb_scenario_ctx ctx = { .rig_kind = "sim", .timeout_s = 60,
		.wall_us = fake_wall_us, .wall_limit_s = 5 };
	ck_assert_int_eq(pb_scenario_run_string("local n = 0\nwhile true do n = n "
	    "+ 1 end", "t.lua", &ctx, &att), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "wall time"));
	ck_assert_str_eq(att.where, "t.lua:2");
}
END_TEST

/* ---- floods: what a scenario leaves in the record is bounded -------------- */

START_TEST(log_and_expect_floods_are_capped)
{
	/* 3 MB of log(): kept up to the cap, counted, the outcome still
	 * logged at the end */
	ck_assert_int_eq(run_pure("for i = 1, 3000 do log(string.rep('L', "
	    "1000)) end"), PB_OUT_PASS);
	ck_assert_uint_le(att.log_len, PB_ATTEMPT_LOG_MAX +
	    PB_ATTEMPT_LOG_RESERVE);
	ck_assert_uint_gt(att.log_dropped_lines, 1900);
	ck_assert(log_has("outcome PASS"));
	/* a long line is cut and says so */
	ck_assert_int_eq(run_pure("log(string.rep('x', 100000))"), PB_OUT_PASS);
	ck_assert_uint_lt(att.log_len, 2 * PB_ATTEMPT_LINE_MAX);
	ck_assert(log_has("xx..."));
	/* measurements: 10 000 kept; later ones still judged, counted */
	ck_assert_int_eq(run_pure("for i = 1, 10010 do expect('m' .. i, i, "
	    "{high = 10005}) end"), PB_OUT_FAIL);
	ck_assert_uint_eq(att.n_meas, PB_ATTEMPT_MEAS_MAX);
	ck_assert_uint_eq(att.meas_dropped, 10);
	ck_assert_uint_eq(att.meas_dropped_failed, 5);
	ck_assert_ptr_nonnull(strstr(att.message, "m10006"));
	/* a bad expect() leaves nothing half-made behind */
	ck_assert_int_eq(run_pure("pcall(expect, 'x', {})\nexpect('y', 1)"),
	    PB_OUT_PASS);
	ck_assert_uint_eq(att.n_meas, 1);
	ck_assert_str_eq(att.meas[0].name, "y");
}
END_TEST

/* ---- the guard: nothing a script does outlives its limits ---------------- */

/* The clock the guard reads.  A script the guard stops is looked at only
 * until its limit; one that escapes would read it forever, so after 200
 * looks (well past any limit here) the test process dies rather than
 * hang: the escape is a failure. */
static unsigned guard_looks;
static uint64_t guard_wall_us(void)
{
	if (++guard_looks > 200)
		abort();
	return (uint64_t)guard_looks * 1000000u;  /* one second per look */
}

/* Scripts that catch errors, raise odd ones, or run code while errors
 * unwind: each must end ERROR at the 5 s wall-clock limit. */
static const char *const escapes[] = {
	"while true do pcall(function() while true do end end) end",
	"while true do pcall(error, 'x') end",
	"repeat pcall(function() repeat until false end) until false",
	"for i = 1, math.huge do pcall(function() for j = 1, math.huge do "
	    "end end) end",
	"while true do xpcall(function() while true do end end, "
	    "function(e) return e end) end",
	"while true do xpcall(function() while true do end end, "
	    "function(e) while true do end end) end",
	"local function f() pcall(f) while true do end end\n"
	    "while true do pcall(f) end",
	"while true do pcall(function()\n"
	    "  local x <close> = setmetatable({}, {__close = function()\n"
	    "    while true do pcall(function() while true do end end) end\n"
	    "  end})\n"
	    "  while true do end\n"
	    "end) end",
	"while true do pcall(function() error(setmetatable({}, {__tostring ="
	    " function() while true do end end})) end) end",
	"error(setmetatable({}, {__tostring = function() while true do "
	    "pcall(function() while true do end end) end end}))",
	"while true do pcall(string.rep, 'x', 1 << 40) end",
	"while true do local ok, e = pcall(function() while true do end end)"
	    "\n if not ok then log(e) end end",
};

START_TEST(guard_cannot_be_caught)
{
	for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
		pb_attempt_free(&att);
		memset(&att, 0, sizeof att);
		guard_looks = 0;
		struct pb_scenario_ctx ctx = { .rig_kind = "sim", .timeout_s = 60,
			.wall_us = guard_wall_us, .wall_limit_s = 5 };
		ck_assert_msg(pb_scenario_run_string(escapes[i], "g.lua", &ctx,
		    &att) == PB_OUT_ERROR, "%zu: %s", i, att.message);
		ck_assert_msg(strstr(att.message, "wall time") != NULL,
		    "%zu: %s", i, att.message);
		/* stopped at the limit: no look at the clock after it */
		ck_assert_msg(guard_looks <= 7, "%zu: %u looks", i,
		    guard_looks);
	}
}
END_TEST

/* A finalizer runs with hooks off, where no guard reaches: refused. */
START_TEST(no_finalizers)
{
	ck_assert_int_eq(run_pure("setmetatable({}, {__gc = function() "
	    "while true do end end})"), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "__gc"));
	ck_assert_int_eq(run_pure("local mt = {}\n"
	    "local t = setmetatable({}, mt)\n"
	    "mt.__gc = function() while true do end end\n"   /* too late */
	    "t = nil\n"), PB_OUT_PASS);
	/* other metatables work as before */
	ck_assert_int_eq(run_pure("local t = setmetatable({}, {__index = "
	    "function(_, k) return k * 2 end})\nassert(t[21] == 42)\n"
	    "assert(getmetatable(setmetatable({}, nil)) == nil)"),
	    PB_OUT_PASS);
}
END_TEST

/* Library functions that would loop in C, where the guard cannot see. */
START_TEST(library_loops_are_bounded)
{
	ck_assert_int_eq(run_pure("table.move({}, 1, math.maxinteger, 1)"),
	    PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "table.move: at most"));
	ck_assert_int_eq(run_pure("local t = setmetatable({}, {__index = "
	    "rawlen})\ntable.concat(t, '', 1, 1 << 40)"), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "table.concat: at most"));
	ck_assert_int_eq(run_pure("local t = {}\nfor i = 1, (1 << 20) + 1 do "
	    "t[i] = -i end\ntable.sort(t)"), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "table.sort: at most"));
	/* within the bounds they are the library's own */
	ck_assert_int_eq(run_pure(
	    "local t = table.move({1, 2, 3}, 1, 3, 2)\n"
	    "assert(table.concat(t, ',') == '1,1,2,3')\n"
	    "local u = {3, 1, 2}\ntable.sort(u)\n"
	    "assert(table.concat(u) == '123')\n"
	    "table.sort(u, function(a, b) return a > b end)\n"
	    "assert(table.concat(u, '', 2) == '21')\n"
	    "assert(not pcall(table.concat, 5))\n"), PB_OUT_PASS);
}
END_TEST

/* SIGTERM while a script catches errors in a loop: ABORTED. */
static unsigned sig_looks;
static uint64_t raise_term_on_third_look(void)
{
	if (++sig_looks == 3)
		raise(SIGTERM);
	if (sig_looks > 200)
		abort();
	return 0;   /* no wall time passes: only the signal may stop it */
}

START_TEST(signal_cannot_be_caught)
{
	ck_assert_int_eq(pb_fixture_catch_signals(), PB_FIX_OK);
	pb_attempt_free(&att);
	memset(&att, 0, sizeof att);
	sig_looks = 0;
	struct pb_scenario_ctx ctx = { .rig_kind = "sim", .timeout_s = 60,
		.wall_us = raise_term_on_third_look, .wall_limit_s = 5 };
	enum pb_outcome o = pb_scenario_run_string(escapes[0], "s.lua", &ctx,
	    &att);
	int sig = pb_fixture_interrupted();
	pb_fixture_clear_interrupt();
	pb_fixture_restore_signals();
	ck_assert_int_eq(o, PB_OUT_ABORTED);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_ptr_nonnull(strstr(att.message, "signal 15"));
	ck_assert_uint_le(sig_looks, 4);
}
END_TEST

/* ---- against the fake rig ----------------------------------------------- */

START_TEST(rig_time_pump_and_measure)
{
	struct rig r;
	rig_open(&r, "s21");
	ck_assert_int_eq(run_rig(&r,
	    "assert(dut.serial == 'T1' and dut.profile == 's21')\n"
	    "local t0 = now()\n"
	    "wait(2.5)\n"
	    "expect('waited', now() - t0, {low = 2.5, high = 2.5001})\n"
	    "assert(pump.mode('expression'))\n"
	    "assert(pump.level(5))\n"
	    "assert(pump.start())\n"
	    "trace('vacuum1', {period = 0.05})\n"
	    "wait(3)\n"
	    "local c = measure.cycles(1, 8)\n"
	    "expect('peak', c.peak, {nominal = spec.peak('expression', 5), tol = 20})\n"
	    "expect('rate', c.rate, {nominal = spec.rate('expression', 5), tol = 5})\n"
	    "local s = pump.status()\n"
	    "expect('running', s.state == 'running')\n"
	    "expect('level', s.level, {low = 5, high = 5})\n"
	    "local ok, why = pump.level(99)\n"
	    "expect('level 99 refused', not ok and why ~= nil)\n"
	    "assert(pump.stop())\n"
	    "local t = measure.time_to_vent(1, 5, 2)\n"
	    "expect('vented', t, {low = 0, high = 1})\n", 60), PB_OUT_PASS);
	ck_assert_msg(att.outcome == PB_OUT_PASS, "%s", att.message);
	ck_assert_uint_eq(att.n_traces, 1);
	/* traced from t=5.5 s to the end at 50 ms */
	ck_assert_uint_ge(att.traces[0].n, (size_t)(8 / 0.05));
	ck_assert(att.rig_seconds > 13.5 && att.rig_seconds < 16);
	rig_close(&r);
}
END_TEST

START_TEST(rig_injection_and_faults)
{
	struct rig r;
	rig_open(&r, "s21");
	ck_assert_int_eq(run_rig(&r,
	    "local hil = import('fixtures/scenarios/lib/hil.lua')\n"
	    "hil.start('expression', 4)\n"
	    "wait(2)\n"
	    "inject.open(1)\n"
	    "hil.expect_alarm('sensor-open', 1)\n"
	    "expect('fault', pump.status().state == 'fault')\n"
	    "inject.off(1)\n"
	    "wait(0.5)\n"
	    "sim.fault('leak', 300, 1)\n"
	    "sim.clear()\n"
	    "local ok = pcall(sim.fault, 'no-such-fault')\n"
	    "assert(not ok)\n", 60), PB_OUT_PASS);
	ck_assert_msg(att.outcome == PB_OUT_PASS, "%s\n%s", att.message,
	    att.log);
	ck_assert(log_has("inject ch1 sensor open (0 V)"));
	rig_close(&r);
}
END_TEST

START_TEST(rig_injection_units_and_shapes)
{
	struct rig r;
	rig_open(&r, "s21");
	const struct pb_rig_xfer *x = &r.f->rig.ch[0].sensor;
	ck_assert_int_eq(run_rig(&r,
	    "inject.set(1, 2.5, 'V')\n"
	    "local t0 = now()\n"
	    "inject.waveform(1, {10, 20, 30, 40}, {period = 0.05, cycles = 3})\n"
	    "expect('waveform time', now() - t0, {low = 0.6, high = 0.6001})\n"
	    "t0 = now()\n"
	    "inject.ramp(1, 0, 100, 0.5)\n"
	    "expect('ramp time', now() - t0, {low = 0.5, high = 0.5001})\n"
	    "inject.set(1, 10, 'kPa')\n", 60), PB_OUT_PASS);
	ck_assert_msg(att.outcome == PB_OUT_PASS, "%s", att.message);
	ck_assert(r.f->inject_on[0]);
	/* 10 kPa = 75.006 mmHg through the sensor's transfer function */
	double want = pb_rig_xfer_volts(x, 10000.0 / 133.322387415);
	ck_assert_msg(fabs(r.f->inject_v[0] - want) < 1e-9, "%g vs %g",
	    r.f->inject_v[0], want);
	ck_assert(log_has("(2.500 V)"));
	ck_assert(log_has("waveform of 4 points"));
	/* a bad unit or an empty waveform is a script error */
	ck_assert_int_eq(run_rig(&r, "inject.set(1, 5, 'psi')", 60),
	    PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "unknown unit 'psi'"));
	ck_assert_int_eq(run_rig(&r, "inject.waveform(1, {})", 60),
	    PB_OUT_ERROR);
	ck_assert_int_eq(run_rig(&r, "inject.set(3, 5)", 60), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "channel 3 out of range"));
	/* the host goes silent: the pump stops by itself */
	ck_assert_int_eq(run_rig(&r,
	    "inject.off(1)\n"
	    "assert(pump.start())\n"
	    "wait(1)\n"
	    "link.silence(2)\n"
	    "wait(0.1)\n"
	    "expect('stopped', pump.status().state ~= 'running')\n"
	    "expect('link back', link.up())\n", 60), PB_OUT_PASS);
	ck_assert_msg(att.outcome == PB_OUT_PASS, "%s\n%s", att.message,
	    att.log);
	rig_close(&r);
}
END_TEST

START_TEST(rig_timeouts_and_unplug)
{
	struct rig r;
	rig_open(&r, "s21");
	/* the scenario timeout is rig time, and names the line */
	ck_assert_int_eq(run_rig(&r, "wait(1)\nwait(100)\n", 10),
	    PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "scenario timeout"));
	ck_assert_str_eq(att.where, "r.lua:2");
	ck_assert(att.rig_seconds >= 10 && att.rig_seconds < 10.1);
	ck_assert(!att.rig_error);

	/* a command nobody answers (DUT unpowered): ERROR naming it, in
	 * rig time well inside the step timeout (the client's retries) */
	ck_assert_int_eq(run_rig(&r, "rig.power(false)\nwait(0.5)\n"
	    "pump.start()\n", 60), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "START"));
	ck_assert_str_eq(att.where, "r.lua:3");
	ck_assert(att.rig_error);
	ck_assert(att.rig_seconds < 0.5 + 5);
	/* a pump.hello() that gets no answer is a value, not an error */
	ck_assert_int_eq(run_rig(&r, "local i, why = pump.hello(1)\n"
	    "expect('no answer', i == nil and why ~= nil)\n"
	    "rig.power(true)\n"
	    "expect('answers after power-on', pump.hello(5) ~= nil)\n", 60),
	    PB_OUT_PASS);

	/* the rig-time limit holds whatever the script catches */
	ck_assert_int_eq(run_rig(&r, "while true do pcall(wait, 1) end\n", 5),
	    PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "scenario timeout"));
	ck_assert(att.rig_seconds >= 5 && att.rig_seconds < 5.1);
	ck_assert_int_eq(run_rig(&r, "while true do pcall(wait, 1e6) "
	    "pcall(fail, 'no') end\n", 5), PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(att.message, "scenario timeout"));

	/* the fixture vanishes mid-wait: ERROR from the rig (retryable) */
	struct fake_fix *x = (struct fake_fix *)r.f;
	x->gone_at = x->now + 1500000;
	ck_assert_int_eq(run_rig(&r, "wait(1)\nwait(1)\n", 60), PB_OUT_ERROR);
	ck_assert(att.rig_error);
	ck_assert_str_eq(att.where, "r.lua:2");
	ck_assert_ptr_nonnull(strstr(att.message, "unplugged"));
	rig_close(&r);
}
END_TEST

/* A pump that floods events cannot grow the host without bound. */
START_TEST(event_flood_is_capped)
{
	struct rig r;
	rig_open(&r, "s21");
	struct fake_fix *x = (struct fake_fix *)r.f;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_EVENT;
	m.u.ev.kind = PB_EV_STATE;
	m.u.ev.code = 1;
	uint8_t buf[128];
	for (unsigned i = 0; i < PB_DUT_MAX_EVENTS + 50;) {
		for (int k = 0; k < 200; k++, i++) {
			m.seq = (uint16_t)(i + 1000);
			int n = pb_frame_encode_msg(&m, buf, sizeof buf);
			ck_assert_int_gt(n, 0);
			ck_assert_int_eq(pb_link_write(x->dev, buf, (size_t)n), n);
		}
		ck_assert_int_eq(pb_dut_advance(r.d, pb_dut_now(r.d) + 1000),
		    PB_DUT_OK);
	}
	size_t n = 0;
	pb_dut_events(r.d, &n);
	ck_assert_uint_eq(n, PB_DUT_MAX_EVENTS);
	char *log = pb_dut_take_log(r.d);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_nonnull(strstr(log, "later ones are not kept"));
	free(log);
	rig_close(&r);
}
END_TEST

START_TEST(sim_only_calls_skip_on_ftdi)
{
	struct rig r;
	rig_open(&r, "s21");
	/* an ftdi-like fixture: no fault injection, no emulator */
	static struct pb_fixture_ops ops;
	ops = fake_ops;
	ops.inject_fault = NULL;
	r.f->ops = &ops;
	pb_attempt_free(&att);
	memset(&att, 0, sizeof att);
	struct pb_scenario_ctx ctx = { .dut = r.d, .profile = &r.prof,
		.rig_kind = "ftdi", .timeout_s = 60, .step_timeout_s = 5 };
	ck_assert_int_eq(pb_scenario_run_string("wait(0.1)\nsim.fault('leak', 1)\n"
	    "error('not reached')", "f.lua", &ctx, &att), PB_OUT_SKIPPED);
	ck_assert_ptr_nonnull(strstr(att.message, "needs the sim rig"));
	/* the pump model's own view exists only on the sim fixture */
	pb_attempt_free(&att);
	memset(&att, 0, sizeof att);
	ck_assert_int_eq(pb_scenario_run_string("wait(0.1)\nlocal s = sim.status()\n"
	    "error('not reached')", "f.lua", &ctx, &att), PB_OUT_SKIPPED);
	ck_assert_ptr_nonnull(strstr(att.message, "needs the sim rig"));
	r.f->ops = &fake_ops;
	rig_close(&r);
}
END_TEST

/* Command-line scenarios: paths as given, names from the data
 * directories, never from the working directory. */
START_TEST(find_paths_and_names)
{
	char path[PATH_MAX], err[PATH_MAX * 4];
	ck_assert_int_eq(pb_scenario_find("fixtures/scenarios/stop_vents.lua",
	    path, sizeof path, err, sizeof err), PB_SCENARIO_OK);
	ck_assert_str_eq(path, "fixtures/scenarios/stop_vents.lua");
	ck_assert_int_eq(pb_scenario_find("mine.lua", path, sizeof path, err,
	    sizeof err), PB_SCENARIO_OK);
	ck_assert_str_eq(path, "mine.lua");

	char dir[] = "/tmp/pbscnfind.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char sub[64], file[96], cwdfile[96];
	snprintf(sub, sizeof sub, "%s/scenarios", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(file, sizeof file, "%s/only_here.lua", sub);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	setenv("PUMPBENCH_DATA", dir, 1);
	ck_assert_int_eq(pb_scenario_find("only_here", path, sizeof path, err,
	    sizeof err), PB_SCENARIO_OK);
	ck_assert_str_eq(path, file);
	/* a name in the working directory's scenarios/ is not found */
	char old[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(old, sizeof old));
	ck_assert_int_eq(chdir(dir), 0);
	snprintf(cwdfile, sizeof cwdfile, "%s/scenarios/cwd_only.lua", dir);
	setenv("PUMPBENCH_DATA", "/nonexistent", 1);
	f = fopen(cwdfile, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	int rc = pb_scenario_find("cwd_only", path, sizeof path, err,
	    sizeof err);
	ck_assert_int_eq(chdir(old), 0);
	ck_assert_int_eq(rc, PB_SCENARIO_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "no scenario 'cwd_only'"));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/scenarios"));
	/* not a name: refused without a lookup, escaped in the message */
	ck_assert_int_eq(pb_scenario_find("a b", path, sizeof path, err,
	    sizeof err), PB_SCENARIO_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "nor a scenario name"));
	ck_assert_int_eq(pb_scenario_find("..", path, sizeof path, err,
	    sizeof err), PB_SCENARIO_E_OPEN);
	ck_assert_int_eq(pb_scenario_find("\x1b[2J", path, sizeof path, err,
	    sizeof err), PB_SCENARIO_E_OPEN);
	ck_assert_ptr_null(strchr(err, '\x1b'));
	ck_assert_int_eq(pb_scenario_find("", path, sizeof path, err,
	    sizeof err), PB_SCENARIO_E_OPEN);
	/* a path that does not fit is refused, not cut */
	char tiny[8];
	ck_assert_int_eq(pb_scenario_find("dir/long.lua", tiny, sizeof tiny,
	    err, sizeof err), PB_SCENARIO_E_OPEN);
	unlink(cwdfile);
	unlink(file);
	rmdir(sub);
	rmdir(dir);
}
END_TEST

static Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("lua");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, meta_parses_header);
	tcase_add_test(tc, meta_errors_name_line);
	tcase_add_test(tc, expect_pass_fail_marginal);
	tcase_add_test(tc, errors_have_file_and_line);
	tcase_add_test(tc, sandbox);
	tcase_add_test(tc, control_outcomes_are_sticky);
	tcase_add_test(tc, busy_script_is_stopped);
	tcase_add_test(tc, log_and_expect_floods_are_capped);
	tcase_add_test(tc, guard_cannot_be_caught);
	tcase_add_test(tc, no_finalizers);
	tcase_add_test(tc, library_loops_are_bounded);
	tcase_add_test(tc, signal_cannot_be_caught);
	tcase_add_test(tc, find_paths_and_names);
	suite_add_tcase(s, tc);
	TCase *tr = tcase_create("rig");
	tcase_add_checked_fixture(tr, NULL, teardown);
	tcase_set_timeout(tr, 60);
	tcase_add_test(tr, rig_time_pump_and_measure);
	tcase_add_test(tr, rig_injection_and_faults);
	tcase_add_test(tr, rig_injection_units_and_shapes);
	tcase_add_test(tr, rig_timeouts_and_unplug);
	tcase_add_test(tr, sim_only_calls_skip_on_ftdi);
	tcase_add_test(tr, event_flood_is_capped);
	suite_add_tcase(s, tr);
	return s;
}

PB_CHECK_MAIN(scenario_suite)
