/*
 * hil/scenario.h - HIL scenarios written in Lua 5.4.
 *
 * Promise: pb_scenario_run() runs one scenario file in a fresh, sandboxed Lua
 * state (base, table, string, math, utf8 only: no io, os, package, debug,
 * load/loadfile/dofile/require) against a DUT on a fixture, and fills one
 * attempt of the test record: outcome, message, file:line, measurements
 * with limits, log lines and attached traces.  It never crashes on a bad
 * script: syntax and runtime errors become ERROR with the file and line
 * (lua_pcall with a message handler that adds a traceback to the log).
 * Time moves only through the DUT/fixture clock (rig time): virtual on the
 * `sim` rig, wall time on `ftdi`.  The scenario timeout and the per-step
 * timeout are in rig time; a wall-clock guard (wall_us, wall_limit_s)
 * stops scripts that loop without ever waiting.  The guard, the rig-time
 * limit and a signal end the scenario whatever it does: no pcall, xpcall
 * handler, __close method or error object gets another instruction once
 * one of them is raised, finalizers (__gc) are refused, and the library
 * functions that could loop in C are bounded.  The Lua API is documented
 * in docs/hil.md ("Scenarios (Lua API)").
 *
 * Outcome rules: any expect() outside its hard limits or a fail() call
 * -> FAIL (the script keeps running after a failed expect, and stops at
 * fail(), skip(), a rig error, a timeout or a signal, pcall or not); a Lua error,
 * a rig/DUT-link failure, a step or scenario timeout -> ERROR; a signal
 * -> ABORTED; requires() not met or a sim-only call on another rig ->
 * SKIPPED; otherwise PASS.
 *
 * The header block of a scenario holds metadata lines the runner reads
 * before it prepares the rig (pb_scenario_parse_meta, pure):
 *     --@name overpressure_trip
 *     --@profile s21            pump profile the scenario needs
 *     --@defect no-overpressure-trip   safety defect switch it must catch
 *     --@requires sim           rig kind needed (sim|ftdi)
 *     --@timeout 120            scenario timeout, rig seconds
 *     --@verifies SR-OP-01      requirement IDs it verifies (may repeat)
 *     --@description text
 */
#ifndef PB_HIL_SCENARIO_H
#define PB_HIL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hil/dut.h"
#include "hil/report.h"
#include "hil/requirement.h"
#include "pump/profile.h"

struct pb_scenario_meta {
	char   name[128];         /* default: file name without .lua */
	char   profile[32];       /* "" = any */
	char   defect[48];        /* "" = none; a pb_defect_name() */
	char   requires[16];      /* "" = any rig, "sim", "ftdi" */
	double timeout_s;         /* 0 = runner default */
	char   description[256];
	char   verifies[256];     /* requirement IDs (--@verifies), space-
	                             separated; "" = none */
};

enum pb_scenario_err {
	PB_SCENARIO_OK = 0,
	PB_SCENARIO_E_OPEN = -1,  /* cannot read the file */
	PB_SCENARIO_E_META = -2   /* bad metadata line (line given) */
};

/* Parse the metadata of a scenario's text (lines starting with "--@"
 * before the first line of code).  name is the file name used in
 * messages and as the default scenario name.  Unknown keys and bad
 * values are errors: "FILE:LINE: message" in err. */
int pb_scenario_parse_meta(const char *text, size_t len, const char *name,
    struct pb_scenario_meta *m, char *err, size_t errlen);
int pb_scenario_read_meta(const char *path, struct pb_scenario_meta *m,
    char *err, size_t errlen);

/* Read a scenario file (or an import()ed one) whole: never blocking (a
 * FIFO is refused, not waited on), regular files only, at most
 * PB_SCENARIO_MAX_FILE bytes.  The caller frees *text (NUL-terminated after
 * *len bytes).  PB_SCENARIO_OK, or PB_SCENARIO_E_OPEN with "PATH: reason". */
#define PB_SCENARIO_MAX_FILE (16u << 20)
int pb_scenario_read(const char *path, char **text, size_t *len, char *err,
    size_t errlen);

/* A scenario named on the command line: an argument with a '/' or
 * ending in ".lua" is a path, used as given (relative to the working
 * directory); anything else is a name, NAME.lua in scenarios/ of the
 * first data directory that has it (base/datadir.h), e.g.
 * `pumphil run --rig sim nominal_s10pro`.  PB_SCENARIO_OK and the path,
 * or PB_SCENARIO_E_OPEN with the reason (not a name, or where it was
 * looked for) in err. */
int pb_scenario_find(const char *arg, char *path, size_t n, char *err,
    size_t errlen);

struct pb_scenario_ctx {
	struct pb_dut *dut;              /* NULL: no rig (pure Lua tests) */
	const struct pb_profile *profile;/* expectations; may be NULL */
	const char *rig_kind;            /* "sim", "ftdi" */
	double timeout_s;                /* scenario timeout, rig seconds */
	double step_timeout_s;           /* per blocking call */
	uint64_t (*wall_us)(void);       /* monotonic wall clock, may be NULL */
	double wall_limit_s;             /* guard against busy scripts */
	size_t trace_max_samples;        /* per trace; 0 = 200000 */
	/* the written requirements (req()); may be NULL */
	const struct pb_requirement_set *requirements;
	const char *verifies;            /* the header's IDs, space-separated;
	                                    an expect() without req= is
	                                    evidence for the first */
};

/* Run the scenario; fills a (outcome, message, where, measurements,
 * traces, log, rig_seconds).  Returns a->outcome.  pb_scenario_run() reads
 * the file with pb_scenario_read() (an unreadable file is an ERROR);
 * pb_scenario_run_text() runs text already read from path (len bytes), so the
 * bytes run are the bytes hashed into the report. */
enum pb_outcome pb_scenario_run(const char *path,
    const struct pb_scenario_ctx *ctx, struct pb_attempt *a);
enum pb_outcome pb_scenario_run_text(const char *text, size_t len,
    const char *path, const struct pb_scenario_ctx *ctx, struct pb_attempt *a);

/* The same from a string (tests); chunkname appears in messages. */
enum pb_outcome pb_scenario_run_string(const char *code, const char *chunkname,
    const struct pb_scenario_ctx *ctx, struct pb_attempt *a);

const char *pb_scenario_strerror(int err);

#endif
