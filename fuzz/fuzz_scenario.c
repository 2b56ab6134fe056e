/*
 * fuzz/fuzz_scenario.c - a scenario file of arbitrary bytes through the
 * Lua layer, without a rig.
 *
 * Input: the whole input is a scenario's text: its metadata is parsed
 * (pb_scenario_parse_meta) and the text is run by pb_scenario_run_string()
 * in the sandbox with no rig attached (every rig call is an ERROR), a
 * scenario timeout, and a wall-clock guard driven by a counting clock (one
 * second per look, a 3 s limit) so a script that loops forever ends after a few
 * million instructions.  Checked (trap on failure): the outcome is one of
 * the five; the attempt's outcome matches; anything but PASS has a
 * message; every measurement was judged (PASS or FAIL); nothing crashes
 * or leaks (ASan/LSan); and the guard holds: the clock is never looked
 * at well past the limit, so a script that catches errors (pcall, xpcall
 * handlers, __close, error objects, finalizers) cannot outlive it - one
 * that did would read the clock on and on and trap here rather than hang.
 * The seeds in fuzz/corpus/fuzz_scenario/ include such escapes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hil/report.h"
#include "hil/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WALL_LIMIT_S 3
static uint64_t ticks;

static uint64_t counting_clock(void)
{
	ticks += 1000000;   /* one "second" per look: a few hook calls */
	if (ticks > (WALL_LIMIT_S + 5) * 1000000ull)
		__builtin_trap();   /* the script outlived the guard */
	return ticks;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_scenario_meta m;
	char err[256];
	(void)pb_scenario_parse_meta((const char *)data, size, "fuzz.lua", &m,
	    err, sizeof err);
	char *code = malloc(size + 1);
	if (!code)
		return 0;
	memcpy(code, data, size);
	code[size] = '\0';        /* the text up to its first NUL */
	struct pb_attempt a;
	memset(&a, 0, sizeof a);
	struct pb_scenario_ctx ctx = { .rig_kind = "sim", .timeout_s = 10,
		.step_timeout_s = 1, .wall_us = counting_clock,
		.wall_limit_s = WALL_LIMIT_S };
	ticks = 0;
	enum pb_outcome o = pb_scenario_run_string(code, "fuzz.lua", &ctx, &a);
	if (o > PB_OUT_SKIPPED || o != a.outcome)
		__builtin_trap();
	if (o != PB_OUT_PASS && a.message[0] == '\0' && o != PB_OUT_FAIL)
		__builtin_trap();
	for (size_t i = 0; i < a.n_meas; i++)
		if (a.meas[i].outcome != PB_OUT_PASS &&
		    a.meas[i].outcome != PB_OUT_FAIL)
			__builtin_trap();
	pb_attempt_free(&a);
	free(code);
	return 0;
}
