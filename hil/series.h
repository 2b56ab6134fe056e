/*
 * hil/series.h - statistics over a sampled signal, for HIL measurements.
 *
 * Promise: pure functions over memory (no I/O, no clock).  A series is a
 * growing array of (time s, value) samples with a hard cap; the
 * statistics are what the Lua measure.* functions return: maximum,
 * minimum, mean, least-squares slope, and cycles found with hysteresis
 * (a cycle starts where the signal rises through the high threshold after
 * having been below the low one; by default 60 % and 30 % of the swing).
 * Empty or too-short series give NaN (and 0 cycles), never a crash.
 */
#ifndef PB_HIL_SERIES_H
#define PB_HIL_SERIES_H

#include <stdbool.h>
#include <stddef.h>

struct pb_series {
	double *t, *v;
	size_t  n, cap;
	size_t  max;       /* hard cap on samples */
	bool    full;      /* a push was refused (cap or memory) */
};

void pb_series_init(struct pb_series *s, size_t max);
/* Append; returns 0, or -1 (and sets full) at the cap or out of memory. */
int  pb_series_push(struct pb_series *s, double t, double v);
void pb_series_free(struct pb_series *s);

double pb_series_max(const struct pb_series *s);
double pb_series_min(const struct pb_series *s);
double pb_series_mean(const struct pb_series *s);
/* Least-squares slope (value units per second). */
double pb_series_slope(const struct pb_series *s);

struct pb_cycles {
	size_t complete;          /* cycles between two rising crossings */
	double rate_cpm;          /* complete cycles per minute */
	double peak_mean, peak_min, peak_max;   /* per-cycle maxima */
	double peak_low, peak_high;   /* mean of the peaks below / at or
	                                 above the middle of min..max: the
	                                 two kinds of a mixed rhythm */
	double trough_mean;       /* per-cycle minima */
};
/* Cycles with hysteresis.  th_lo/th_hi: absolute thresholds, or NULL for
 * 30 % / 60 % of the series' swing.  A swing under min_swing is no
 * cycling at all. */
void pb_series_cycles(const struct pb_series *s, const double *th_lo,
    const double *th_hi, double min_swing, struct pb_cycles *c);

#endif
