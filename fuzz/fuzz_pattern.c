/*
 * fuzz/fuzz_pattern.c - the scenario's pattern functions
 * (hil/scenario-pattern.c) against Lua's own, on arbitrary patterns.
 *
 * Input: byte 0 is the pattern's length (mod 24), byte 1 the replacement
 * string's (mod 8), then the pattern, the replacement and the subject (at
 * most 64 bytes).  In two fresh Lua states, one with the library's
 * functions and one with ours, string.find (from 1, from -3, plain),
 * string.match, string.gmatch (at most 20 matches), string.gsub with the
 * replacement string, a table and a function are called under pcall and
 * their results (or error messages) written out.  Checked (trap on a
 * difference): both outputs are the same.  Patterns with more than four
 * quantifiers are skipped: Lua's matcher backtracks without bound and
 * would hang the fuzzer (that is why ours exists); ours is tested on
 * those by tests/unit/test_scenario_pattern.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hil/scenario-impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char harness[] =
"local s, p, r = ...\n"
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
"local function rec(...) out[#out + 1] = ser(...) end\n"
"local function collect()\n"
"  local t, n = {}, 0\n"
"  for a, b in string.gmatch(s, p) do\n"
"    n = n + 1\n"
"    t[n] = tostring(a) .. ',' .. tostring(b)\n"
"    if n >= 20 then break end\n"
"  end\n"
"  return table.concat(t, ';')\n"
"end\n"
"rec(pcall(string.find, s, p))\n"
"rec(pcall(string.find, s, p, -3))\n"
"rec(pcall(string.find, s, p, 1, true))\n"
"rec(pcall(string.match, s, p))\n"
"rec(pcall(collect))\n"
"rec(pcall(string.gsub, s, p, r))\n"
"rec(pcall(string.gsub, s, p, {a = 'A', b = false}))\n"
"rec(pcall(string.gsub, s, p, function(x, y) return y or x end, 5))\n"
"return table.concat(out, '\\n')\n";

static char *run(bool ours, const char *s, size_t ls, const char *p,
    size_t lp, const char *r, size_t lr)
{
	lua_State *L = luaL_newstate();
	if (!L)
		return NULL;
	luaL_openlibs(L);
	if (ours)
		scn_open_patterns(L);
	char *res = NULL;
	if (luaL_loadstring(L, harness) == LUA_OK) {
		lua_pushlstring(L, s, ls);
		lua_pushlstring(L, p, lp);
		lua_pushlstring(L, r, lr);
		size_t len = 0;
		const char *out = lua_pcall(L, 3, 1, 0) == LUA_OK ?
		    lua_tolstring(L, -1, &len) : NULL;
		/* strings are quoted: a NUL in the output is a harness bug */
		if (out && strlen(out) == len)
			res = strdup(out);
	}
	lua_close(L);
	return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t lp = data[0] % 24, lr = data[1] % 8;
	data += 2;
	size -= 2;
	if (lp + lr > size)
		return 0;
	const char *p = (const char *)data, *r = p + lp, *s = r + lr;
	size_t ls = size - lp - lr;
	if (ls > 64)
		ls = 64;
	int quantifiers = 0;
	for (size_t i = 0; i < lp; i++)
		quantifiers += p[i] == '*' || p[i] == '+' || p[i] == '-' ||
		    p[i] == '?';
	if (quantifiers > 4)
		return 0;
	char *want = run(false, s, ls, p, lp, r, lr);
	char *got = run(true, s, ls, p, lp, r, lr);
	if (!want || !got || strcmp(want, got) != 0)
		__builtin_trap();
	free(want);
	free(got);
	return 0;
}
