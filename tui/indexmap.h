/*
 * tui/indexmap.h - sample indices onto the session's time axis.
 *
 * Promise: pure (no I/O, no clock: time is an argument).  The history,
 * the cycle statistics and the recording index every sample on one
 * 64-bit axis, one step per sample period, on which lost samples and
 * link-down time are gaps.  This module maps what arrives onto it:
 *
 * - live telemetry (u32 device indices that wrap, a device that may
 *   restart): a batch that follows the last one has no gap; a forward
 *   jump of at most 10 minutes of samples is that many lost samples; a
 *   jump backwards (restarted device), a longer one, or the first batch
 *   after a link loss is a link gap measured with the wall clock since
 *   the last batch (at least one sample, and never more than a forward
 *   jump the device counted);
 * - a recording's rows (64-bit indices from a file): a forward jump is
 *   a gap; an index that goes back (or leaps more than 2^40 samples
 *   ahead) is a discontinuity: the rows go on right after the last
 *   sample, with no gap and no underflow, and the caller warns.
 */
#ifndef PB_TUI_INDEXMAP_H
#define PB_TUI_INDEXMAP_H

#include <stdbool.h>
#include <stdint.h>

#define PB_INDEXMAP_MAX_COUNTED_S 600          /* device-counted gap limit */
#define PB_INDEXMAP_MAX_JUMP      ((uint64_t)1 << 40)   /* recordings */

struct pb_indexmap {
	bool     have;           /* the first index was seen */
	uint64_t base;           /* session index of history index 0 */
	uint64_t next;           /* session index of the next sample */
	/* live */
	uint32_t dev_expected;   /* device index of the next sample */
	uint64_t last_batch_us;
	bool     link_down;      /* the next jump is link-down time */
	/* recordings */
	uint64_t offset;         /* session index = file index + offset */
};

/* Where a batch (or a sample row) goes. */
struct pb_index_step {
	uint64_t first;          /* session index of its first sample */
	uint64_t gap;            /* samples missing just before it */
	bool     link_gap;       /* live: the gap is wall-clock time */
	bool     discontinuity;  /* recording: the index went back */
};

void pb_indexmap_init(struct pb_indexmap *m);

/* Live: a telemetry batch of n samples from device index first_sample at
 * rate_hz (> 0), arriving at now_us. */
struct pb_index_step pb_indexmap_batch(struct pb_indexmap *m,
    uint32_t first_sample, uint32_t n, unsigned rate_hz, uint64_t now_us);
/* Live: the link went down; the next batch's jump is link-down time. */
void pb_indexmap_link_down(struct pb_indexmap *m);

/* Recording: the first row of any kind fixes the origin (index maps to
 * itself).  A no-op once started. */
void pb_indexmap_start(struct pb_indexmap *m, uint64_t index);
/* Recording: a sample row's index. */
struct pb_index_step pb_indexmap_sample(struct pb_indexmap *m,
    uint64_t index);
/* Recording: where another row (state, marker, event) goes, without
 * moving the mapping; never before the origin. */
uint64_t pb_indexmap_at(const struct pb_indexmap *m, uint64_t index);

#endif
