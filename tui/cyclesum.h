/*
 * tui/cyclesum.h - every cycle of a session, summed per channel and per
 * setting, against the profile.
 *
 * Promise: pure, fixed size, no I/O.  tui/cycles.c hands each completed
 * cycle here (pb_cyclesum_add); what comes out is, for each channel, the
 * number of cycles and their verdicts (pb_cycle_verdict: OK, OUT and its
 * reasons, partial, changed, n/a) and, for each mode and level the
 * channel ran at, min / mean / max of peak, trough, rate, time to target
 * and hold decay with the profile's expectation and tolerance.  This is
 * what the headless summary reports (pumpbench --summary json).
 *
 * A channel's verdict: "none" without a complete cycle; "OUT" when any
 * judged cycle was out; "OK" when at least one cycle was judged and all
 * judged ones were OK; "n/a" when no cycle could be judged (no profile,
 * or only partial and changed cycles).
 */
#ifndef PB_TUI_CYCLESUM_H
#define PB_TUI_CYCLESUM_H

#include <stdbool.h>
#include <stdint.h>
#include "tui/cycles.h"

#define PB_CYCLESUM_MAX_GROUPS 48   /* 3 modes x 15 levels, and more */

/* min, mean and max of the values added (NaN values are not counted). */
struct pb_cyclesum_acc {
	uint32_t n;
	double   min, max, sum;
};

/* Counts of verdicts. */
struct pb_cyclesum_counts {
	uint32_t cycles, ok, out, partial, changed, na;
	/* OUT reasons (a cycle may have several) */
	uint32_t peak_out, rate_out, decay_out, target_out;
};

struct pb_cyclesum_group {
	uint8_t  mode, level;       /* as the cycle was judged (mixed: kind) */
	struct pb_cyclesum_counts v;
	struct pb_cyclesum_acc peak, trough, rate, ttt, decay;
	bool     has_expect;
	double   exp_peak_mmhg, exp_rate_cpm, tol_peak_mmhg, tol_rate_cpm;
};

struct pb_cyclesum_chan {
	struct pb_cyclesum_counts v;
	struct pb_cyclesum_group g[PB_CYCLESUM_MAX_GROUPS];
	unsigned ngroups;
	uint32_t ungrouped;         /* cycles past PB_CYCLESUM_MAX_GROUPS */
};

struct pb_cyclesum {
	struct pb_cyclesum_chan ch[PB_CYC_MAX_CH];
};

void pb_cyclesum_init(struct pb_cyclesum *s);
/* One completed cycle of channel ch (0-based). */
void pb_cyclesum_add(struct pb_cyclesum *s, int ch,
    const struct pb_cycle_stats *st);

void pb_cyclesum_acc_add(struct pb_cyclesum_acc *a, double v);
/* The mean (NaN when nothing was added). */
double pb_cyclesum_mean(const struct pb_cyclesum_acc *a);

/* "none", "OK", "OUT" or "n/a" (see the promise). */
const char *pb_cyclesum_verdict(const struct pb_cyclesum_counts *v);

#endif
