/*
 * hil/scenario-impl.h - private to the scenario module (hil/scenario-*.c).
 *
 * Promise: the run state one scenario shares between its parts, and the
 * helpers they share.  The module is split along its seams:
 *
 *   scenario-meta.c     the --@ header (pure)
 *   scenario-api.c      the Lua API's core: rig time, verdicts, traces,
 *                       the helpers below
 *   scenario-rig.c      the Lua API of the rig: measure, gpio, inject,
 *                       power, link, sim
 *   scenario-pump.c     the Lua API of the pump: pump.*, dut, spec
 *   scenario-req.c      the Lua API of the written requirements: req()
 *   scenario-rec.c      the flight recorder a failed attempt gets
 *   scenario-sandbox.c  the Lua state: allocator, libraries, the guard,
 *                       running a chunk and turning its end into an outcome
 *   scenario-bounds.c   library functions bounded so none runs long in C
 *   scenario-pattern.c  string.find/match/gmatch/gsub the guard can stop
 *
 * Nothing outside hil/scenario-*.c includes this header.
 *
 * Control conditions (enum scn_ctrl) end a scenario: once one is raised it
 * is final (see scenario-sandbox.c, "the guard").
 */
#ifndef PB_HIL_SCENARIO_IMPL_H
#define PB_HIL_SCENARIO_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "hil/dut.h"
#include "hil/fixture.h"
#include "hil/report.h"
#include "hil/scenario.h"

#define SCN_MEM_LIMIT     (256u << 20)   /* bytes a script may allocate */
#define SCN_HOOK_COUNT    1000000        /* instructions between checks */
#define SCN_MAX_TRACES    16
#define SCN_MAX_SERIES    4000000u       /* samples one measure may take */
#define DEFAULT_PERIOD_US 2000u          /* measure sampling, 2 ms */
#define TRACE_PERIOD_US   10000u         /* trace default, 10 ms */
#define CYCLE_MIN_SWING   5.0            /* mmHg: less is no cycling */

enum scn_ctrl {
	CTRL_NONE = 0,
	CTRL_ERROR,     /* rig / infrastructure broke, timeout, guard */
	CTRL_FAIL,      /* fail() */
	CTRL_SKIP,
	CTRL_ABORT
};

enum signal_kind {
	SIG_VACUUM, SIG_MEASURED, SIG_VALVE, SIG_MOTOR, SIG_ALARM, SIG_INJECT,
	SIG_TARGET
};

/* The flight recorder (scenario-rec.c): the last SCN_REC_N samples of the
 * rig's view every SCN_REC_PERIOD_US; after the first failure it goes on
 * for SCN_REC_AFTER_US more, then keeps what it has.  A failed attempt
 * gets it as traces ("recorder vacuum1", "recorder motor", ...). */
#define SCN_REC_N          800
#define SCN_REC_PERIOD_US  10000u     /* 6 s before a failure ... */
#define SCN_REC_AFTER_US   2000000u   /* ... and 2 s after it */
struct scn_rec {
	uint64_t next_us, stop_us;
	bool     frozen;
	int      channels;
	size_t   n, head;
	uint64_t t_us[SCN_REC_N];
	float    vac[PB_MAX_CH][SCN_REC_N];
	uint16_t pins[SCN_REC_N];    /* PB_FIX_OUT_* bits; 0x8000 unknown */
};

struct active_trace {
	size_t   idx;       /* into a->traces */
	int      sig, ch;
	uint64_t period_us, next_us;
};

struct scn {
	const struct pb_scenario_ctx *ctx;
	struct pb_attempt *a;
	struct pb_dut *dut;
	struct pb_fixture *fix;
	char dir[512];
	uint64_t t0_us, deadline_us;
	uint64_t wall0;
	size_t mem_used;

	enum scn_ctrl ctrl;
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
	struct scn_rec rec;
};

/* ---- the run state and control conditions (scenario-api.c) ------------ */

/* Bind s to the state (once, at setup); scn_get() finds it again. */
void scn_bind(lua_State *L, struct scn *s);
struct scn *scn_get(lua_State *L);

/* file:line of the innermost Lua function running ("" when none). */
void scn_where(lua_State *L, char *out, size_t n);
double scn_rig_seconds(struct scn *s);
const char *scn_rig_kind(struct scn *s);

/* A line in the attempt's log, stamped with rig time. */
void scn_log(struct scn *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void scn_drain_dut_log(struct scn *s);

/* Raise a control condition from C (never returns).  The first one
 * raised decides the outcome and ends the scenario. */
int scn_raise(lua_State *L, struct scn *s, enum scn_ctrl c, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
/* Raise again if a control condition is pending. */
void scn_check(lua_State *L, struct scn *s);
/* The run state of an API call that needs the rig (ERROR without one). */
struct scn *scn_need_rig(lua_State *L, const char *fn);
/* A DUT call failed: ERROR (or ABORTED on a signal), from the rig. */
void scn_dut_error(lua_State *L, struct scn *s, int rc, const char *what);

/* ---- argument helpers ---------------------------------------------------- */

int scn_channel(lua_State *L, struct scn *s, int arg);   /* 0-based */
uint64_t scn_secs_us(double s);
uint64_t scn_opt_period(lua_State *L, int arg, uint64_t def);
uint64_t scn_opt_hold(lua_State *L, int arg);
bool scn_get_limit(lua_State *L, int t, const char *k, struct pb_limit *l);
/* Names compare without case, '-' and '_' alike. */
bool scn_name_eq(const char *a, const char *b);

/* t[k] = v on the table at the top of the stack */
void scn_setnum(lua_State *L, const char *k, double v);
void scn_setint(lua_State *L, const char *k, lua_Integer v);
void scn_setstr(lua_State *L, const char *k, const char *v);
void scn_setbool(lua_State *L, const char *k, bool v);

/* ---- rig time ------------------------------------------------------------ */

double scn_sample(lua_State *L, struct scn *s, int sig, int ch);
void scn_set_inject(lua_State *L, struct scn *s, int ch, bool on,
    double volts);

/* Apply background ramps (inject.ramp {background=true}) due at now. */
void scn_run_ramps(lua_State *L, struct scn *s, uint64_t now);

typedef void (*scn_sample_fn)(lua_State *L, struct scn *s, void *ctx,
    uint64_t now_us);
/* Move rig time to until_us.  Samples cb every period_us (when cb is
 * set), records due trace samples, runs background ramps, and enforces
 * the scenario timeout, the guard, signals and the DUT's errors. */
void scn_advance(lua_State *L, struct scn *s, uint64_t until_us,
    uint64_t period_us, scn_sample_fn cb, void *ctx);
/* Poll the Lua function at stack index fn every period until it has held
 * for hold_us (0: once) or timeout; seconds to the start of the streak,
 * or a negative value on timeout. */
double scn_poll_until(lua_State *L, struct scn *s, int fn, double timeout,
    uint64_t period, uint64_t hold_us);
int scn_lua_wait(lua_State *L);   /* wait(s) */

/* ---- the flight recorder (scenario-rec.c) ---------------------------------- */

/* Record the grid points up to now (scn_advance calls it). */
void scn_rec_sample(struct scn *s, uint64_t now);
/* The first failure: record SCN_REC_AFTER_US more, then stop. */
void scn_rec_trigger(struct scn *s);
/* Attach what was recorded to the attempt as traces. */
void scn_rec_attach(struct scn *s);

/* ---- the guard (scenario-sandbox.c) --------------------------------------- */

/* Check the guard now: a pending control condition is raised again, a
 * signal raises ABORT, a script past its wall-clock limit ERROR. */
void scn_guard(lua_State *L, struct scn *s);
/* From now on every instruction raises the pending condition again. */
void scn_trip(lua_State *L);

/* ---- registration: each part opens its globals ---------------------------- */

void scn_open_core(lua_State *L);                  /* scenario-api.c */
void scn_open_rig(lua_State *L, struct scn *s);    /* scenario-rig.c */
void scn_open_pump(lua_State *L, struct scn *s);   /* scenario-pump.c */
void scn_open_req(lua_State *L);                   /* scenario-req.c */
/* Replace the library functions that could loop in C by bounded ones
 * (scenario-bounds.c), the pattern functions by ones the guard can stop
 * (scenario-pattern.c, which scn_bound_libs calls). */
void scn_bound_libs(lua_State *L);
void scn_open_patterns(lua_State *L);
/* A table of functions as global NAME. */
void scn_register(lua_State *L, const char *name, const luaL_Reg *fns);

#endif
