/*
 * store/svg.h - small inline SVG charts for the factory report.
 *
 * Promise: pure; each chart is one self-contained <svg> element appended
 * to a bounded buffer (store/sbuf.h), with its title, axes with "nice"
 * ticks (1, 2, 5 x 10^k; dates for time axes), a legend, and text
 * HTML-escaped.  A chart's size is bounded whatever the data: a series
 * longer than PB_SVG_MAX_POINTS is thinned evenly, and NaN points are
 * skipped.  No scripts, no external references.
 */
#ifndef PB_STORE_SVG_H
#define PB_STORE_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "store/sbuf.h"

#define PB_SVG_MAX_POINTS 2000   /* per series */
#define PB_SVG_MAX_HLINES 4

struct pb_svg_chart {
	const char *title;
	const char *xlabel, *ylabel;
	bool   x_time;            /* x is Unix milliseconds: date ticks */
	double xmin, xmax;        /* NAN: from the data */
	double ymin, ymax;        /* NAN: from the data */
	int    width, height;     /* 0: 640 x 260 */
	int    nhline;            /* horizontal reference lines */
	double hline[PB_SVG_MAX_HLINES];
	const char *hline_label[PB_SVG_MAX_HLINES];
	bool   band;              /* shade band_lo..band_hi (acceptance) */
	double band_lo, band_hi;
};

struct pb_svg_series {
	const char   *name;
	const double *x, *y;
	size_t        n;
	bool          lines;      /* join the points */
	bool          points;     /* draw each point */
};

/* An x-y chart: time series, scatter, lines. */
void pb_svg_xy(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const struct pb_svg_series *s, int ns);
/* Vertical bars with a label under each (values NaN: no bar). */
void pb_svg_bars(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const char *const *labels, const double *v, int n);
/* A histogram of counts over [lo, hi) in nbins bins. */
void pb_svg_hist(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const unsigned *counts, int nbins, double lo, double hi);

/* The colour of series i (a fixed palette that prints and reads in
 * grey). */
const char *pb_svg_colour(int i);
/* YYYY-MM-DD of a day number (days since 1970-01-01). */
void pb_svg_date(long day, char out[11]);

#endif
