/*
 * hil/scenario-sandbox.c - the Lua state a scenario runs in: the memory
 * cap, the libraries it may use, the guard (wall clock, signals), running
 * a chunk under a message handler, and turning how it ended into the
 * attempt's outcome.  See scenario.h for the promise and scenario-impl.h
 * for the module's parts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "base/file.h"
#include "hil/scenario-impl.h"

/* ---- sandbox and setup ------------------------------------------------- */

static void hook(lua_State *L, lua_Debug *ar);

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

/* ---- the guard -----------------------------------------------------------
 *
 * A scenario must end at its limits whatever it does: the wall-clock guard
 * (a script that spins without waiting), the rig-time limit, a signal.
 * Each of them is a control condition (scn_raise), and a control
 * condition is final:
 *
 *  - once one is raised, the count hook fires before every instruction
 *    and raises it again, so a pcall, an xpcall handler, a __close method
 *    or a loop around them gets no instruction of its own: the error
 *    climbs to the top whatever catches it on the way;
 *  - every API call checks it first (scn_check, scn_need_rig);
 *  - the top level runs no more Lua once the chunk has returned: the
 *    message handler calls no metamethod, and the state is closed from
 *    outside the protected call;
 *  - the places where Lua runs code with hooks off are closed: a __gc
 *    finalizer (setmetatable() refuses a metatable with __gc: it would
 *    run in a collection or in lua_close), and an xpcall message handler
 *    called for an error raised by the hook itself (xpcall's handler is
 *    wrapped: once a condition is raised it hands the error on without
 *    running the script's handler);
 *  - the library functions that could loop in C without running an
 *    instruction (table.move over a huge range, table.sort of millions,
 *    pattern matching that backtracks) are bounded (see below).
 */

void scn_trip(lua_State *L)
{
	lua_sethook(L, hook, LUA_MASKCOUNT, 1);
}

void scn_guard(lua_State *L, struct scn *s)
{
	if (s->ctrl != CTRL_NONE) {
		scn_trip(L);
		luaL_error(L, "%s", s->ctrl_msg);
	}
	if (pb_fixture_interrupted())
		scn_raise(L, s, CTRL_ABORT, "interrupted by signal %d",
		    pb_fixture_interrupted());
	if (s->ctx->wall_us && s->ctx->wall_limit_s > 0) {
		double el = (double)(s->ctx->wall_us() - s->wall0) / 1e6;
		if (el > s->ctx->wall_limit_s)
			scn_raise(L, s, CTRL_ERROR, "scenario used %.1f s of wall "
			    "time (limit %g s) without finishing", el,
			    s->ctx->wall_limit_s);
	}
}

static void hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	scn_guard(L, scn_get(L));
}

/* The message handler xpcall() gets: the script's own (upvalue 1), but
 * never once a control condition is raised.  Lua calls a message handler
 * before it unwinds, still inside the hook that raised the error, where
 * hooks are off: a handler that loops there could not be stopped. */
static int xpcall_handler(lua_State *L)
{
	if (scn_get(L)->ctrl != CTRL_NONE)
		return 1;                    /* the error, as it is */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* xpcall(f, handler, ...) with the handler above; upvalue 1: the
 * library's xpcall. */
static int l_xpcall(lua_State *L)
{
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, xpcall_handler, 1);
	lua_replace(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* setmetatable(t, mt) without finalizers: a __gc method runs with hooks
 * off, where no guard can stop it. */
static int l_setmetatable(lua_State *L)
{
	if (lua_istable(L, 2)) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: a __gc metamethod is "
			    "not allowed in a scenario (it would run outside the "
			    "guard)");
		lua_pop(L, 1);
	}
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

/* import("lib/common.lua"): run another file from the scenario's
 * directory in the same sandbox; returns what it returns. */
static int l_import(lua_State *L)
{
	struct scn *s = scn_get(L);
	const char *rel = luaL_checkstring(L, 1);
	if (rel[0] == '/' || strstr(rel, ".."))
		return luaL_error(L, "import: '%s' must be a relative path "
		    "inside the scenario directory", rel);
	char path[1024], chunk[1032], why[128];
	snprintf(path, sizeof path, "%s/%s", s->dir, rel);
	/* no FIFO, no device, and no symlink out of the directory */
	char *text = NULL;
	size_t len = 0;
	if (pb_file_read_all(path, PB_SCENARIO_MAX_FILE, PB_FILE_NOFOLLOW,
	    &text, &len, why, sizeof why) != PB_FILE_OK)
		return luaL_error(L, "import: %s: %s", rel, why);
	snprintf(chunk, sizeof chunk, "@%s", path);
	int rc = luaL_loadbufferx(L, text, len, chunk, "t");
	free(text);
	if (rc != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	return 1;
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
	lua_getglobal(L, "setmetatable");
	lua_pushcclosure(L, l_setmetatable, 1);
	lua_setglobal(L, "setmetatable");
	lua_getglobal(L, "xpcall");
	lua_pushcclosure(L, l_xpcall, 1);
	lua_setglobal(L, "xpcall");
	scn_bound_libs(L);

	scn_bind(L, s);
	scn_open_core(L);
	lua_pushcfunction(L, l_import);
	lua_setglobal(L, "import");
	scn_open_rig(L, s);
	scn_open_pump(L, s);
	scn_open_req(L);

	lua_sethook(L, hook, LUA_MASKCOUNT, SCN_HOOK_COUNT);
}

/* Message handler: remember where, add a traceback. */
static int msgh(lua_State *L)
{
	struct scn *s = scn_get(L);
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)",
			    luaL_typename(L, 1));
	}
	scn_where(L, s->err_where, sizeof s->err_where);
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
	scn_drain_dut_log(s);
	a->rig_seconds = scn_rig_seconds(s);
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
	if (a->outcome == PB_OUT_FAIL)
		scn_rec_attach(s);
	if (a->outcome == PB_OUT_FAIL && s->failed && s->ctrl == CTRL_FAIL)
		pb_attempt_log(a, "also failed: %s at %s", s->fail_msg,
		    s->fail_where);
	pb_attempt_log(a, "outcome %s%s%s", pb_outcome_name(a->outcome),
	    a->message[0] ? ": " : "", a->message);
	return a->outcome;
}

static enum pb_outcome run(const char *code, size_t len, const char *chunk,
    const char *path, const struct pb_scenario_ctx *ctx, struct pb_attempt *a)
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
	s.deadline_us = s.t0_us + scn_secs_us(to);
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
	int rc = luaL_loadbufferx(L, code, len, chunk, "t");
	if (rc == LUA_OK)
		rc = lua_pcall(L, 0, 0, base);
	char *errtext = NULL;
	if (rc != LUA_OK) {
		const char *m = lua_tostring(L, -1);
		/* a message may be huge: the report keeps a bounded part */
		errtext = strndup(m ? m : "non-string error", 16384);
	}
	lua_close(L);
	enum pb_outcome o = finish(&s, rc, errtext);
	free(errtext);
	return o;
}

enum pb_outcome pb_scenario_run_text(const char *text, size_t len,
    const char *path, const struct pb_scenario_ctx *ctx, struct pb_attempt *a)
{
	char chunk[600];
	snprintf(chunk, sizeof chunk, "@%s", path);
	return run(text, len, chunk, path, ctx, a);
}

enum pb_outcome pb_scenario_run(const char *path,
    const struct pb_scenario_ctx *ctx, struct pb_attempt *a)
{
	char *text = NULL;
	size_t len = 0;
	if (pb_scenario_read(path, &text, &len, a->message,
	    sizeof a->message) != PB_SCENARIO_OK) {
		a->outcome = PB_OUT_ERROR;
		snprintf(a->where, sizeof a->where, "%s", path);
		pb_attempt_log(a, "outcome ERROR: %s", a->message);
		return a->outcome;
	}
	enum pb_outcome o = pb_scenario_run_text(text, len, path, ctx, a);
	free(text);
	return o;
}

enum pb_outcome pb_scenario_run_string(const char *code, const char *chunkname,
    const struct pb_scenario_ctx *ctx, struct pb_attempt *a)
{
	char chunk[256];
	snprintf(chunk, sizeof chunk, "@%s", chunkname ? chunkname : "string");
	return run(code, strlen(code), chunk, chunkname, ctx, a);
}
