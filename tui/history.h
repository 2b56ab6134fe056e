/*
 * tui/history.h - zoomable per-channel sample history (min/max pyramid).
 *
 * Promise: pure memory, no I/O, no clock.  Samples are int16 dmmHg
 * (0.1 mmHg, positive = vacuum, pump/units.h), appended in order with a
 * monotonically growing 64-bit "history index" (one per sample period;
 * the caller maps device sample indices onto it and reports lost samples
 * and link-down time as gaps, so the index is a time axis).
 *
 * Storage (fixed at creation, never grows; default geometry, 2 channels
 * at 1 kHz):
 *
 *   level  bucket   ring capacity       kept for     resolution at that age
 *   0      1 ms     2^18 raw int16      4 min 22 s   every sample
 *   1      4 ms     2^17 min/max pairs  8 min 44 s   4 ms envelope
 *   2      16 ms    2^17                35 min       16 ms envelope
 *   3      64 ms    2^17                2 h 20 min   64 ms envelope
 *   4      256 ms   2^17                9 h 19 min   256 ms envelope
 *   5..8   1 s .. 65.5 s (x4 each)      9 h 19 min   (for fast wide views)
 *
 * about 5.3 MiB for two channels (pb_history_memory() gives the exact
 * figure; tests/unit/test_history.c checks it against the 16 MiB budget).
 * Every bucket of every level keeps the exact min and max of the samples
 * it covers, so a one-sample spike survives into every level: the
 * envelope of any column at any zoom and any age contains it.
 *
 * Gaps: pb_history_gap() records lost samples (or link-down time) as
 * missing.  Each bucket also remembers whether any sample in it was
 * missing, so a query returns per column has_data per channel and a
 * `gap` flag: a column made only of lost samples comes back with no data
 * and gap set; a column that has data and some lost samples has both.  A
 * channel that never had data (single-channel pump) has has_data false
 * but does not set gap.  Samples equal to INT16_MIN are stored as
 * INT16_MIN + 1 (INT16_MIN is the internal "missing" mark).
 *
 * Query: pb_history_query() fills ncols columns for the window [t0, t1)
 * of history indices.  Column c covers [t0 + c*(t1-t0)/ncols,
 * t0 + (c+1)*(t1-t0)/ncols) (integer arithmetic; at least one sample).
 * Each column is covered exactly by aligned buckets, largest first (like
 * a segment tree): at most 3 buckets per level on each side, so the cost
 * is O(ncols x levels) whatever the window, and a column's envelope is
 * exactly the min/max of its own samples.  Where the finer levels no
 * longer hold the data (older than their retention), the column's edges
 * take the whole bucket of the finest level left (the envelope may then
 * include up to one bucket of the neighbouring columns: wider, never
 * narrower).  Columns before the oldest retained data or at/after the
 * head have no data and no gap.
 */
#ifndef PB_TUI_HISTORY_H
#define PB_TUI_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_HIST_MAX_CH      2
#define PB_HIST_MAX_LEVELS  12
#define PB_HIST_FANOUT      4    /* each level's bucket = 4 of the level below */

enum pb_history_err {
	PB_HIST_OK = 0,
	PB_HIST_E_ARG = -1,     /* bad argument (channels, geometry, window) */
	PB_HIST_E_NOMEM = -2
};

/* Ring capacity of each level, as log2 of the number of buckets. */
struct pb_history_geom {
	unsigned levels;                        /* 1..PB_HIST_MAX_LEVELS */
	unsigned cap_log2[PB_HIST_MAX_LEVELS];  /* level 0 = raw samples */
};

/* One channel's envelope in one column. */
struct pb_env {
	int16_t min, max;     /* dmmHg; valid only when has_data */
	bool    has_data;
};

/* One column of a query. */
struct pb_hist_col {
	struct pb_env ch[PB_HIST_MAX_CH];
	bool gap;             /* some samples in the column's span were lost */
};

struct pb_history;

/* The geometry in the table above. */
struct pb_history_geom pb_history_default_geom(void);

/* Create with the default geometry (channels 1..PB_HIST_MAX_CH).
 * Returns NULL on bad arguments or no memory. */
struct pb_history *pb_history_new(int channels);
/* Create with an explicit geometry (tests use small rings). */
struct pb_history *pb_history_new_geom(int channels,
    const struct pb_history_geom *g);
void pb_history_free(struct pb_history *h);
/* Forget everything; the next sample gets index 0. */
void pb_history_clear(struct pb_history *h);

int pb_history_channels(const struct pb_history *h);

/* Append n samples per channel.  v[ch] points to n values for each of the
 * history's channels; a NULL v[ch] appends "no data" for that channel
 * (channel not pumping / absent) without marking a gap. */
void pb_history_push(struct pb_history *h, const int16_t *const v[],
    size_t n);
/* Append one sample of every channel (v has channels entries). */
void pb_history_push1(struct pb_history *h, const int16_t *v);
/* Append n missing samples (lost, link down): they come back as gaps. */
void pb_history_gap(struct pb_history *h, uint64_t n);

/* Index of the next sample (= number of indices ever appended). */
uint64_t pb_history_head(const struct pb_history *h);
/* Oldest index any level still holds (0 until the coarsest ring wraps). */
uint64_t pb_history_oldest(const struct pb_history *h);
/* Oldest index held at full (raw) resolution. */
uint64_t pb_history_oldest_raw(const struct pb_history *h);
/* Latest sample of a channel; false if the last index was a gap or the
 * channel had no data. */
bool pb_history_last(const struct pb_history *h, int ch, int16_t *v);

/* Fill out[0..ncols) for the window [t0, t1).  Needs t1 > t0, ncols > 0.
 * If level_used is not NULL it receives the finest level used. */
int pb_history_query(const struct pb_history *h, uint64_t t0, uint64_t t1,
    struct pb_hist_col *out, size_t ncols, int *level_used);

/* Bytes of memory the structure holds (all of it allocated at creation). */
size_t pb_history_memory(const struct pb_history *h);
/* The same, computed from a geometry without allocating. */
size_t pb_history_memory_for(int channels, const struct pb_history_geom *g);
/* Samples each level keeps (its retention) and its bucket width. */
uint64_t pb_history_level_span(const struct pb_history *h, unsigned level);
uint64_t pb_history_level_bucket(unsigned level);

const char *pb_history_strerror(int err);

#endif
