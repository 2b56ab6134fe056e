/*
 * tui/textfeed.h - parsed text lines onto the dashboard's time axis.
 *
 * Promise: pure (no I/O; time is an argument).  Bring-up mode's
 * adapter between tui/textline.h and the session: it maps the values of
 * each line onto the two channels and places them on the history's time
 * axis (one index per millisecond, PB_TEXTFEED_RATE_HZ), so the graph,
 * scrollback, recording and per-cycle statistics of protocol mode take
 * them unchanged.
 *
 * Channels: bare columns by position (the first value is ch1, the second
 * ch2); name:value pairs by name (the first two names seen become ch1
 * and ch2, in the order they first appear).  Values past them are
 * counted (extra) and otherwise ignored.  A header line names the
 * columns (shown beside ch1 and ch2).  Values are read in the unit given
 * at init and kept as dmmHg; a value past +/-3276.7 mmHg is clipped to
 * it and counted (clipped).
 *
 * Time: the first line with values chooses the clock.  If it carries the
 * device's time (a Teleplot timestamp, or time_first in tui/textline.h)
 * every line goes at its own time in ms (a line without one goes with
 * the previous); a time that goes back or leaps more than 10 min ahead
 * is a discontinuity (counted; the lines go on right after the last
 * sample).  Otherwise lines go at their arrival time (now_us, the
 * caller's monotonic clock) rounded down to the ms.  Lines that share a
 * millisecond (a burst read at once) go 1 ms apart, in order, so none is
 * lost; a faster stream then runs ahead of the clock (documented: use a
 * time column).  Lines that update different channels within one ms
 * (Teleplot prints one value per line) make one sample.
 *
 * Between lines each channel holds its last value (the graph draws steps,
 * as a plotter does), for up to PB_TEXTFEED_HOLD_MS; a longer silence is
 * a gap.  A channel that never had a value is absent.  In arrival mode a
 * sample is handed on once its millisecond has passed (pb_textfeed_tick);
 * in device-time mode when the next line (or pb_textfeed_flush) shows its
 * time is over.
 */
#ifndef PB_TUI_TEXTFEED_H
#define PB_TUI_TEXTFEED_H

#include <stdbool.h>
#include <stdint.h>
#include "pump/units.h"
#include "tui/textline.h"

#define PB_TEXTFEED_RATE_HZ  1000
#define PB_TEXTFEED_CH       2
#define PB_TEXTFEED_HOLD_MS  2000
#define PB_TEXTFEED_MAX_JUMP_MS 600000.0

/* Where the samples go. */
struct pb_textfeed_sink {
	void *ctx;
	/* n samples at indices [index, index + n), all with the values v
	 * (dmmHg); present[c] false: channel c has no value yet.
	 * device_ms is the time of the first one. */
	void (*samples)(void *ctx, uint64_t index, uint64_t n,
	    const int16_t *v, const bool *present, uint32_t device_ms);
	/* n indices from index without data: a silence past the hold. */
	void (*gap)(void *ctx, uint64_t index, uint64_t n, uint32_t device_ms);
};

struct pb_textfeed_counts {
	uint64_t lines;          /* value lines taken */
	uint64_t unused;         /* value lines with nothing for ch1/ch2 */
	uint64_t samples;        /* indices handed on with data */
	uint64_t gap_samples;    /* indices handed on as gaps */
	uint64_t extra;          /* values past ch1/ch2, ignored */
	uint64_t clipped;        /* values past the int16 dmmHg range */
	uint64_t discontinuities;/* device time that went back or leapt */
};

struct pb_textfeed {
	enum pb_unit unit;
	/* channel names: a header's, or the first names of pairs */
	char     name[PB_TEXTFEED_CH][PB_TEXTLINE_NAME_MAX + 1];
	bool     by_name[PB_TEXTFEED_CH];   /* assigned to a pair's name */
	int      channels;       /* highest channel that had a value, + 1 */
	/* clock */
	bool     started, device_time;
	uint64_t origin_us;      /* arrival: time of index origin_idx */
	double   origin_ms;      /* device: time of index origin_idx */
	double   last_ms;
	uint64_t origin_idx;
	/* the sample being gathered, and what was handed on */
	uint64_t next;           /* index of the next sample to hand on */
	bool     pend;
	uint64_t pidx;
	int16_t  pv[PB_TEXTFEED_CH];
	bool     pset[PB_TEXTFEED_CH];
	int16_t  hold[PB_TEXTFEED_CH];
	bool     hold_has[PB_TEXTFEED_CH];
	struct pb_textfeed_counts counts;
};

/* unit: what the device's numbers are in. */
void pb_textfeed_init(struct pb_textfeed *f, enum pb_unit unit);
/* One parsed line (values and headers; others are ignored). */
void pb_textfeed_line(struct pb_textfeed *f, const struct pb_textline_rec *r,
    uint64_t now_us, const struct pb_textfeed_sink *sink);
/* Arrival mode: hand on a sample whose millisecond is over. */
void pb_textfeed_tick(struct pb_textfeed *f, uint64_t now_us,
    const struct pb_textfeed_sink *sink);
/* End of input: hand on what is gathered. */
void pb_textfeed_flush(struct pb_textfeed *f,
    const struct pb_textfeed_sink *sink);
/* When pb_textfeed_tick has something to do (UINT64_MAX: nothing). */
uint64_t pb_textfeed_deadline(const struct pb_textfeed *f);

/* A channel's name ("" when none) and how many channels had data. */
const char *pb_textfeed_name(const struct pb_textfeed *f, int ch);
int pb_textfeed_channels(const struct pb_textfeed *f);
const struct pb_textfeed_counts *pb_textfeed_counts(
    const struct pb_textfeed *f);

#endif
