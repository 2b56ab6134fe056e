/*
 * tests/unit/test_scenario_pattern.c - the scenario's pattern functions
 * (hil/scenario-pattern.c) against Lua's own: the same results and the
 * same errors for string.find, match, gmatch and gsub over a table of
 * subjects and patterns (every pattern feature and every malformed
 * pattern), and a pattern that backtracks for ever ends at the guard.
 *
 * The defect that must make this fail: any difference from Lua's matcher
 * (differential), or a matcher that does not check the guard (the
 * backtracking case aborts the test process through its clock).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hil/scenario-impl.h"
#include "hil/scenario.h"
#include "tests/lib/check_main.h"

/* Runs every case with pcall and returns one line per call. */
static const char harness[] =
"local S = {'', 'a', 'hello world', '  trim me  ', 'key = value',\n"
"  '[[x]]', 'f(a(b)c)d', 'aaa', 'THE (quick) fox', '1.5e3 -2 +0x1F',\n"
"  '\\0a\\0b', 'caf\\xc3\\xa9 \\xff', 'x=1, y=22, z=333', '%d%%', 'a.b.c',\n"
"  '^$', 'ab$cd', 'THE END', ' \\t\\n', 'a,b,,c'}\n"
"local P = {'', 'a', '.', '%a+', '%d+', '^%s*(.-)%s*$',\n"
"  '(%w+)%s*=%s*(%w+)', '%b()', '%b[]', '%f[%w]%w+', '%f[%W]',\n"
"  '[%a_][%w_]*', '[^%s]+', '()a()', '(a)%1', '(a*(.)%w(%s*))', 'a-b',\n"
"  'a*', 'a+', 'a?', 'a-', 'x*$', '%', '[a', '(', ')', '%1', '%b', '%bx',\n"
"  '%fx', '[]]', '[^]]', '[a-]', '[-a]', '[%]]', '[%a-z]', '[z-a]', '%z',\n"
"  '%g+', '%p', '%c', '%x+', '%u%l*', '%S+', '%D', '(()', '((a)(b))',\n"
"  '.-', '$', '^', '^a', 'a$', '^$', '[%d.]+', '[+-]?%d+', '%.', '%%',\n"
"  '[^,]*', ',?', '(.)(.)(.)', '%w+$', '\\0', '[\\0a]', '.-$', '(h)(.-)o',\n"
"  '%f[%a]%a', '%s*', '[^%d%s]+', '(%d)(%d?)', '%a*$', '[%x%-]+',\n"
"  ('(.)'):rep(33), ('a?'):rep(10) .. ('a'):rep(10)}\n"
"local out = {}\n"
"local function ser(ok, ...)\n"
"  local t = {ok and 'ok' or 'ERR'}\n"
"  for i = 1, select('#', ...) do\n"
"    local v = select(i, ...)\n"
"    if type(v) == 'string' then v = ('%q'):format(v) end\n"
"    t[#t + 1] = type(v) .. ':' .. tostring(v)\n"
"  end\n"
"  return table.concat(t, '|')\n"
"end\n"
"local function rec(label, ...) out[#out + 1] = label .. ' ' .. ser(...) end\n"
"local function collect(s, p, init)\n"
"  local r, n = {}, 0\n"
"  for a, b, c in string.gmatch(s, p, init) do\n"
"    n = n + 1\n"
"    r[#r + 1] = tostring(a) .. ',' .. tostring(b) .. ',' .. tostring(c)\n"
"    if n > 40 then break end\n"
"  end\n"
"  return table.concat(r, ';')\n"
"end\n"
"for i, s in ipairs(S) do\n"
"  for j, p in ipairs(P) do\n"
"    local k = i .. '/' .. j\n"
"    rec(k .. ' find', pcall(string.find, s, p))\n"
"    rec(k .. ' find2', pcall(string.find, s, p, 2))\n"
"    rec(k .. ' find-3', pcall(string.find, s, p, -3))\n"
"    rec(k .. ' find99', pcall(string.find, s, p, 99))\n"
"    rec(k .. ' plain', pcall(string.find, s, p, 1, true))\n"
"    rec(k .. ' match', pcall(string.match, s, p))\n"
"    rec(k .. ' match2', pcall(string.match, s, p, 2))\n"
"    rec(k .. ' gmatch', pcall(collect, s, p))\n"
"    rec(k .. ' gmatch3', pcall(collect, s, p, 3))\n"
"    rec(k .. ' gsub', pcall(string.gsub, s, p, '<%0>'))\n"
"    rec(k .. ' gsub1', pcall(string.gsub, s, p, '[%1]'))\n"
"    rec(k .. ' gsub%', pcall(string.gsub, s, p, '%%'))\n"
"    rec(k .. ' gsubbad', pcall(string.gsub, s, p, '%x'))\n"
"    rec(k .. ' gsubn', pcall(string.gsub, s, p, 'X', 2))\n"
"    rec(k .. ' gsubt', pcall(string.gsub, s, p, {a = 'A', hello = 1,\n"
"      key = false}))\n"
"    rec(k .. ' gsubf', pcall(string.gsub, s, p, function(...)\n"
"      local n = select('#', ...)\n"
"      if n == 1 then return nil end\n"
"      return n .. tostring((...)) end))\n"
"    rec(k .. ' gsubbadv', pcall(string.gsub, s, p, function() return {} end))\n"
"    rec(k .. ' method', pcall(function() return s:find(p) end))\n"
"  end\n"
"end\n"
"rec('badargs1', pcall(string.find, {}, 'a'))\n"
"rec('badargs2', pcall(string.gsub, 'a', 'a', true))\n"
"rec('badargs3', pcall(string.gmatch, 'a'))\n"
"rec('numbers', pcall(string.find, 12345, 34))\n"
"rec('numrepl', pcall(string.gsub, 'abc', 'b', 7))\n"
"return table.concat(out, '\\n')\n";

/* The harness's output in a state with (ours) or without our functions
 * (the harness quotes every string, so it holds no NUL). */
static char *run_harness(bool ours)
{
	lua_State *L = luaL_newstate();
	ck_assert_ptr_nonnull(L);
	luaL_openlibs(L);
	if (ours)
		scn_open_patterns(L);
	ck_assert_int_eq(luaL_loadstring(L, harness), LUA_OK);
	int rc = lua_pcall(L, 0, 1, 0);
	ck_assert_msg(rc == LUA_OK, "%s", lua_tostring(L, -1));
	size_t len;
	const char *out = lua_tolstring(L, -1, &len);
	ck_assert_uint_eq(strlen(out), len);
	char *s = strdup(out);
	lua_close(L);
	return s;
}

START_TEST(same_as_lua)
{
	char *want = run_harness(false);
	char *got = run_harness(true);
	/* the first line that differs, for the message */
	const char *a = want, *b = got;
	while (*a && *a == *b) {
		a++;
		b++;
	}
	while (a > want && a[-1] != '\n') {
		a--;
		b--;
	}
	ck_assert_msg(strcmp(want, got) == 0, "lua: %.200s\nours: %.200s", a,
	    b);
	ck_assert_uint_gt(strlen(want), 100000);   /* it did run the cases */
	free(want);
	free(got);
}
END_TEST

/* The clock the guard reads: dies rather than let an escape hang. */
static unsigned looks;
static uint64_t clock_us(void)
{
	if (++looks > 200)
		abort();
	return (uint64_t)looks * 1000000u;
}

START_TEST(backtracking_ends_at_the_guard)
{
	static const char *const slow[] = {
		"string.find(('a'):rep(100000), ('a-'):rep(30) .. 'b')",
		"string.match(('a'):rep(5000), ('a*'):rep(20) .. 'b')",
		"for _ in ('a'):rep(5000):gmatch(('.-'):rep(12) .. 'x') do end",
		"string.gsub(('a'):rep(5000), ('a?'):rep(25) .. 'b', '')",
		"local s = ('x'):rep(1 << 24)\n"
		"while true do pcall(string.find, s, ('x'):rep(4096) .. 'y', 1, "
		"true) end",
	};
	for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++) {
		struct pb_attempt a;
		memset(&a, 0, sizeof a);
		looks = 0;
		struct pb_scenario_ctx ctx = { .rig_kind = "sim", .timeout_s = 60,
			.wall_us = clock_us, .wall_limit_s = 5 };
		ck_assert_int_eq(pb_scenario_run_string(slow[i], "p.lua", &ctx, &a),
		    PB_OUT_ERROR);
		ck_assert_msg(strstr(a.message, "wall time") != NULL, "%zu: %s",
		    i, a.message);
		ck_assert_uint_le(looks, 8);
		pb_attempt_free(&a);
	}
}
END_TEST

static Suite *pattern_suite(void)
{
	Suite *s = suite_create("scenario_pattern");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, same_as_lua);
	tcase_add_test(tc, backtracking_ends_at_the_guard);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(pattern_suite)
