/*
 * hil/scenario-bounds.c - the library functions a scenario gets, bounded
 * so that none of them can run for long in C.
 *
 * The guard (scenario-sandbox.c) stops Lua code between instructions; a
 * library function written in C runs no instruction while it works, so
 * the guard cannot stop it there.  Most are bounded by their arguments or
 * by the memory cap.  These were not, and are replaced:
 *
 *   table.move(a1, f, e, t [, a2])  moving nils over a range of 2^62
 *                                   allocates nothing and never ends:
 *                                   at most SCN_MAX_MOVE elements;
 *   table.concat(t, sep, i, j)      through a C __index: at most
 *                                   SCN_MAX_CONCAT pieces;
 *   table.sort(t [, comp])          without a Lua comparator (whose calls
 *                                   the guard sees): at most SCN_MAX_SORT
 *                                   elements;
 *   string.find, .match, .gmatch,   pattern matching backtracks in C
 *   .gsub                           without bound: replaced by a matcher
 *                                   that checks the guard as it works
 *                                   (scenario-pattern.c).
 *
 * Each refuses with a plain Lua error naming the bound; below it the
 * original function does the work.
 */
#include <lauxlib.h>
#include <lua.h>

#include "hil/scenario-impl.h"

#define SCN_MAX_MOVE   (1 << 24)
#define SCN_MAX_CONCAT (1 << 22)
#define SCN_MAX_SORT   (1 << 20)

/* Call the original (upvalue 1) with every argument. */
static int call_original(lua_State *L)
{
	int n = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	return lua_gettop(L);
}

/* More than max elements from f to e (e < f is none). */
static bool span_over(lua_Integer f, lua_Integer e, lua_Integer max)
{
	if (e < f)
		return false;
	return (lua_Unsigned)e - (lua_Unsigned)f >= (lua_Unsigned)max;
}

static int l_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2);
	lua_Integer e = luaL_checkinteger(L, 3);
	if (span_over(f, e, SCN_MAX_MOVE))
		return luaL_error(L, "table.move: at most %d elements in a "
		    "scenario", SCN_MAX_MOVE);
	return call_original(L);
}

static int l_concat(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TTABLE)
		return call_original(L);   /* it says what is wrong */
	lua_Integer i = luaL_optinteger(L, 3, 1);
	lua_Integer j = lua_isnoneornil(L, 4) ? luaL_len(L, 1) :
	    luaL_checkinteger(L, 4);
	if (span_over(i, j, SCN_MAX_CONCAT))
		return luaL_error(L, "table.concat: at most %d pieces in a "
		    "scenario", SCN_MAX_CONCAT);
	return call_original(L);
}

static int l_sort(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TTABLE)
		return call_original(L);
	bool lua_comp = lua_type(L, 2) == LUA_TFUNCTION &&
	    !lua_iscfunction(L, 2);
	if (!lua_comp && luaL_len(L, 1) > SCN_MAX_SORT)
		return luaL_error(L, "table.sort: at most %d elements in a "
		    "scenario without a Lua comparator", SCN_MAX_SORT);
	return call_original(L);
}

/* lib[name] = a closure of fn over the original lib[name]. */
static void wrap(lua_State *L, const char *lib, const char *name,
    lua_CFunction fn)
{
	lua_getglobal(L, lib);
	lua_getfield(L, -1, name);
	lua_pushcclosure(L, fn, 1);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

void scn_bound_libs(lua_State *L)
{
	wrap(L, "table", "move", l_move);
	wrap(L, "table", "concat", l_concat);
	wrap(L, "table", "sort", l_sort);
	scn_open_patterns(L);
}
