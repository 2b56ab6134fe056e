/*
 * hil/scenario-req.c - the Lua API of the written requirements: req(id).
 * See scenario-impl.h; the API is documented in docs/hil.md and the
 * requirement file in docs/verification.md.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hil/requirement.h"
#include "hil/scenario-impl.h"

/* __index of a requirement table: a limit it does not have is an error
 * naming the requirement and the profile, never a silent nil. */
static int l_req_missing(lua_State *L)
{
	const char *k = lua_tostring(L, 2);
	lua_getfield(L, 1, "id");
	const char *id = lua_tostring(L, -1);
	lua_getfield(L, 1, "profile");
	const char *prof = lua_tostring(L, -1);
	return luaL_error(L, "requirement %s has no '%s'%s%s", id ? id : "?",
	    k ? k : "?", prof && prof[0] ? " for profile " : "",
	    prof ? prof : "");
}

/* req(id) -> {id, title, text, class, source, hazard, profile, unit = {},
 * and every limit resolved for the scenario's profile: a number, or an
 * array for a list} */
static int l_req(lua_State *L)
{
	struct scn *s = scn_get(L);
	scn_check(L, s);
	const char *id = luaL_checkstring(L, 1);
	const struct pb_requirement_set *set = s->ctx->requirements;
	if (!set || !set->n)
		return scn_raise(L, s, CTRL_ERROR, "req(%.63s): no requirement "
		    "file was loaded", id);
	const struct pb_requirement *r = pb_requirement_find(set, id);
	if (!r)
		return scn_raise(L, s, CTRL_ERROR, "req(%.63s): no such "
		    "requirement in %s", id, set->path[0] ? set->path :
		    "the requirement file");
	const char *prof = s->ctx->profile ? s->ctx->profile->id : "";
	lua_createtable(L, 0, 8 + r->n_limits);
	scn_setstr(L, "id", r->id);
	scn_setstr(L, "title", r->title);
	scn_setstr(L, "text", r->text);
	scn_setstr(L, "class", r->cls);
	scn_setstr(L, "source", r->source);
	scn_setstr(L, "hazard", r->hazard);
	scn_setstr(L, "profile", prof);
	lua_createtable(L, 0, r->n_limits);          /* unit */
	for (int i = 0; i < r->n_limits; i++) {
		const struct pb_requirement_limit *l =
		    pb_requirement_limit(r, r->limits[i].name, prof);
		if (!l || l != &r->limits[i])
			continue;   /* another profile's, or overridden */
		scn_setstr(L, l->name, l->unit);
		if (l->n == 1) {
			lua_pushnumber(L, l->v[0]);
		} else {
			lua_createtable(L, l->n, 0);
			for (int k = 0; k < l->n; k++) {
				lua_pushnumber(L, l->v[k]);
				lua_rawseti(L, -2, k + 1);
			}
		}
		lua_setfield(L, -3, l->name);
	}
	lua_setfield(L, -2, "unit");
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, l_req_missing);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	return 1;
}

/* verifies() -> the IDs of the scenario's --@verifies, as an array */
static int l_verifies(lua_State *L)
{
	struct scn *s = scn_get(L);
	scn_check(L, s);
	const char *v = s->ctx->verifies ? s->ctx->verifies : "";
	lua_newtable(L);
	int n = 0;
	while (*v) {
		size_t k = strcspn(v, " ");
		lua_pushlstring(L, v, k);
		lua_rawseti(L, -2, ++n);
		v += k;
		while (*v == ' ')
			v++;
	}
	return 1;
}

void scn_open_req(lua_State *L)
{
	lua_pushcfunction(L, l_req);
	lua_setglobal(L, "req");
	lua_pushcfunction(L, l_verifies);
	lua_setglobal(L, "verifies");
}
