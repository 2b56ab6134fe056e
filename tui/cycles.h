/*
 * tui/cycles.h - per-channel, per-cycle statistics from telemetry.
 *
 * Promise: pure, fed in order, no I/O, no clock (time is the sample
 * index and the sample rate).  For every channel that is pumping it finds
 * the cycles and, when a cycle ends, publishes its statistics compared
 * with the profile's expectation for the mode and level the cycle ran at.
 *
 * Cycle boundaries: telemetry reports the phase at the end of each batch
 * (20 to 106 samples), so the phase only says in which batch a pull
 * began.  When the phase becomes PULL (from any other phase) while the
 * run state is RUNNING, the channel is armed, and its cycle starts at the
 * first sample where the vacuum has risen 10 % of the way from the rest
 * level (the lowest sample since arming) to the target (the batch's
 * target; if 0, the profile's expected peak), at least 3 mmHg: located to
 * the sample whatever the batch length, so periods are exact.  When the
 * phase is not available (phase stays IDLE/0 while running, e.g. a
 * recording without state rows) a waveform fallback is used: a cycle
 * starts when the vacuum rises through trough + 30 % of the last cycle's
 * swing (initially 20 mmHg), re-armed once it falls below trough + 15 %
 * (initially 10 mmHg).  A cycle ends where the next one starts; it is
 * abandoned when the run stops, when more than 2 s of samples are lost
 * inside it, or when the sample index goes back (device restarted).
 * The thresholds of the fallback are updated only when it re-arms, so a
 * rise is never counted twice.  pb_cycles_feed_batch() feeds the batch
 * in which HOLD begins as PULL (it holds the end of the pull), so only
 * whole HOLD batches enter the hold-decay fit.
 *
 * Statistics of a cycle (all vacuum in mmHg, positive = vacuum):
 *   peak, trough   max and min of the samples in [start, next start)
 *   period, rate   (next start - start) / rate_hz; rate = 60 / period
 *   time to target from the cycle start (the 10 % rise above) to the
 *                  first sample >= 95 % of the target (the batch's
 *                  target; if 0, the profile's expected peak); < 0 when
 *                  not reached in the cycle
 *   hold decay     vacuum lost per second during HOLD: minus the least-
 *                  squares slope of the HOLD samples (mmHg/s, positive =
 *                  losing vacuum); NaN without a HOLD of >= 20 ms
 * Expectations: pb_profile_peak_mmhg / pb_profile_rate_cpm for the mode
 * and level at the cycle start (in mixed mode, the cycle's kind from
 * pb_profile_mixed_is_stim() with the cycle count since mixed mode
 * began); peak_ok = |peak - expected| <= tol_peak_mmhg, rate_ok =
 * |rate - expected| <= tol_rate_cpm, decay_ok = hold decay <=
 * leak_decay_mmhg_s (or no hold), target_ok = the vacuum reached 95 %
 * of the target in the cycle (time to target >= 0; always true when no
 * target is known).  Cycles with lost samples are flagged partial and
 * get no flags (ok = true, has_expect = false); a cycle during which the
 * mode or the level changed is flagged changed (it ran at two settings,
 * so it is not judged against either).  Without a profile there are no
 * expectations (has_expect false, flags true).
 *
 * The verdict of a cycle (pb_cycle_verdict) is the one home of the rule
 * that the statistics panel, the headless summary and the tests share:
 * OK only when every flag is, OUT (with the reasons) otherwise; partial,
 * changed and n/a cycles are not judged.
 */
#ifndef PB_TUI_CYCLES_H
#define PB_TUI_CYCLES_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/msg.h"
#include "pump/profile.h"

#define PB_CYC_MAX_CH 2

/* Per-batch state that goes with the samples. */
struct pb_cyc_state {
	uint8_t mode, level, phase, run_state;
	uint8_t channel_mask;      /* channels pumping (bit per channel) */
	int16_t target;            /* dmmHg, 0 = unknown */
};

struct pb_cycle_stats {
	uint32_t number;           /* 1, 2, ... per channel */
	uint64_t start, end;       /* sample indices, end exclusive */
	uint8_t  mode, level;      /* at the start (mixed: the cycle's kind) */
	bool     by_phase;         /* boundaries from phase (else waveform) */
	bool     partial;          /* samples were lost inside the cycle */
	double   peak_mmhg, trough_mmhg;
	double   period_s, rate_cpm;
	double   target_mmhg;      /* target used for time to target */
	double   ttt_s;            /* time to target, < 0 not reached */
	double   hold_decay_mmhg_s;/* NaN when no hold */
	/* expectations and tolerance */
	bool     has_expect;
	double   exp_peak_mmhg, exp_rate_cpm;
	double   tol_peak_mmhg, tol_rate_cpm;
	bool     peak_ok, rate_ok, decay_ok, target_ok;
	bool     changed;          /* mode or level changed inside the cycle */
};

enum pb_cycle_verdict {
	PB_CYV_PARTIAL = 0,        /* samples lost inside: not judged */
	PB_CYV_CHANGED,            /* the setting changed inside: not judged */
	PB_CYV_NA,                 /* no expectation (no profile, no level) */
	PB_CYV_OK,
	PB_CYV_OUT
};
/* Reasons of an OUT verdict (bits). */
#define PB_CYV_WHY_PEAK    0x1u
#define PB_CYV_WHY_RATE    0x2u
#define PB_CYV_WHY_DECAY   0x4u
#define PB_CYV_WHY_TARGET  0x8u   /* the target was never reached */

/* The verdict of a cycle; *why (may be NULL) gets the reasons of OUT. */
enum pb_cycle_verdict pb_cycle_verdict(const struct pb_cycle_stats *s,
    unsigned *why);
/* "OK", "OUT", "partial", "changed", "n/a". */
const char *pb_cycle_verdict_name(enum pb_cycle_verdict v);

/* Internal per-channel tracker (exposed for stack allocation). */
struct pb_cyc_chan {
	bool     open;             /* a cycle is in progress */
	uint64_t start;
	int16_t  peak, trough;
	uint8_t  mode, level;
	uint8_t  pumping;          /* channels pumping (double: 2) */
	uint8_t  raw_mode;         /* as reported (mixed stays mixed) */
	bool     changed;          /* mode or level changed since the start */
	int16_t  target;
	bool     reached;
	uint64_t reached_at;
	uint64_t lost;
	bool     by_phase;
	/* hold regression sums (x in samples from hold start, y in dmmHg) */
	double   hs_n, hs_x, hs_y, hs_xx, hs_xy;
	uint64_t hold_x0;
	bool     in_hold;
	/* waveform fallback */
	bool     armed;
	int32_t  arm_min;          /* phase mode: rest level since PULL began */
	uint8_t  arm_mode;         /* phase mode: mode of the armed cycle */
	int32_t  wf_up, wf_dn;     /* thresholds, updated when re-armed */
	int16_t  last_peak, last_trough;
	bool     have_last;
	/* results */
	uint32_t completed;
	struct pb_cycle_stats last;
};

struct pb_cyclesum;

struct pb_cycles {
	const struct pb_profile *profile;   /* may be NULL */
	struct pb_cyclesum *sum;   /* every completed cycle goes here too
	                              (NULL: nowhere; see pb_cycles_set_sum) */
	unsigned rate_hz;
	int      channels;
	bool     have_prev;
	uint64_t next_index;       /* expected next sample index */
	struct pb_cyc_state prev;
	bool     phase_seen;       /* a non-idle phase seen while running */
	bool     have_batch;
	uint8_t  batch_phase;      /* phase reported by the previous batch */
	unsigned mixed_count;      /* cycles since mixed mode began */
	struct pb_cyc_chan ch[PB_CYC_MAX_CH];
};

/* profile may be NULL (no expectations); rate_hz > 0; channels 1..2. */
void pb_cycles_init(struct pb_cycles *c, const struct pb_profile *profile,
    unsigned rate_hz, int channels);
/* Hand every completed cycle to SUM as well (tui/cyclesum.h); NULL
 * stops it.  Call after pb_cycles_init. */
void pb_cycles_set_sum(struct pb_cycles *c, struct pb_cyclesum *sum);
/* Forget open cycles (e.g. after a reconnect). Completed results stay. */
void pb_cycles_reset(struct pb_cycles *c);

/* Feed one sample of every channel at sample index idx (v has channels
 * entries) with the state of its batch.  Indices must increase; a jump
 * counts the skipped samples as lost.  Returns a bit per channel whose
 * cycle completed on this sample. */
unsigned pb_cycles_feed(struct pb_cycles *c, uint64_t idx,
    const int16_t *v, const struct pb_cyc_state *st);
/* Feed a telemetry batch (index = first_sample extended by the caller to
 * 64 bits as first_index).  Returns the OR of pb_cycles_feed results. */
unsigned pb_cycles_feed_batch(struct pb_cycles *c, uint64_t first_index,
    const struct pb_telemetry *t);
/* Samples lost (link down): counts against the open cycles. */
void pb_cycles_lost(struct pb_cycles *c, uint64_t n);

/* The mode the cycle under way is judged by, for the screen: in mixed
 * mode its kind (stimulation or expression), from the batch in which
 * its pull began (the same batch that brings the device's target for
 * it); 0 when no channel is in a cycle. */
uint8_t  pb_cycles_kind(const struct pb_cycles *c);
/* Completed cycles of a channel, and the last one (NULL before any). */
uint32_t pb_cycles_count(const struct pb_cycles *c, int ch);
const struct pb_cycle_stats *pb_cycles_last(const struct pb_cycles *c,
    int ch);

#endif
