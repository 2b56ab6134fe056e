/*
 * store/stats.h - the statistics a factory asks of its records.
 *
 * Promise: pure functions over arrays; no I/O, no allocation except
 * where a function says it returns a new array.
 *
 * - Summary (n, mean, sample standard deviation, min, max) ignoring NaN.
 * - Process capability Cpk = min(USL - mean, mean - LSL) / (3 sigma) with
 *   the sample sigma: below 1.0 the process makes out-of-limit units;
 *   1.33 is the usual factory target.  NaN with fewer than 2 values.
 * - Histogram with under- and overflow counts.
 * - First-pass yield: for each unit (serial) its first calibration with
 *   a unit verdict (PASS or FAIL; ERROR and ABORTED are the station's
 *   failures, not the unit's, and are skipped) counts once, in the
 *   station and UTC day where it happened; the yield is passed/units.
 *   Recalibrations never count: a unit's first verdict is its first.
 * - HIL pass rate per scenario over runs; a scenario is flaky when one
 *   build both passed it and did not (FAIL or ERROR) - the pump did not
 *   change, the verdict did.  SKIPPED and ABORTED are not verdicts.
 * - The latest result per requirement.
 */
#ifndef PB_STORE_STATS_H
#define PB_STORE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_summary {
	size_t n;
	double mean, sd, min, max;
};

void   pb_stats_summary(const double *x, size_t n, struct pb_summary *s);
double pb_stats_cpk(const struct pb_summary *s, double lsl, double usl);

/* counts[nbins] over [lo, hi); *under / *over (may be NULL) get the rest.
 * NaN values are skipped. */
void pb_stats_histogram(const double *x, size_t n, double lo, double hi,
    int nbins, unsigned *counts, unsigned *under, unsigned *over);

/* ---- first-pass yield ------------------------------------------------ */

struct pb_fpy_in {           /* one calibration record */
	const char *serial;
	const char *station;
	int64_t time_ms;         /* finished, UTC */
	const char *verdict;     /* PASS FAIL ERROR ABORTED */
};

struct pb_fpy_cell {         /* one station on one UTC day */
	char   station[64];
	long   day;              /* days since 1970-01-01 */
	unsigned units;          /* units whose first verdict fell here */
	unsigned passed;         /* ... and passed first time */
};

/* Cells sorted by station then day; returns the count, or -1 when out of
 * memory.  *out is a new array (free it). */
int pb_stats_fpy(const struct pb_fpy_in *in, size_t n,
    struct pb_fpy_cell **out);

/* ---- HIL scenarios ---------------------------------------------------- */

struct pb_hil_in {           /* one case of one run */
	const char *scenario;    /* case name */
	const char *build;
	const char *outcome;     /* PASS FAIL ERROR ABORTED SKIPPED */
	int64_t time_ms;
};

struct pb_hil_scn {
	char     scenario[160];
	unsigned runs;           /* PASS + FAIL + ERROR */
	unsigned passed, failed, errors;
	bool     flaky;          /* a build both passed and did not */
	char     flaky_build[64];
	char     last_outcome[8];
	int64_t  last_ms;
};

/* Per scenario, sorted by name; -1 when out of memory; free *out. */
int pb_stats_hil(const struct pb_hil_in *in, size_t n,
    struct pb_hil_scn **out);

/* ---- requirements ------------------------------------------------------ */

struct pb_req_in {
	const char *requirement;
	const char *scenario;
	const char *outcome;
	const char *build;
	int64_t time_ms;
};

struct pb_req_latest {
	char    requirement[128];
	char    scenario[160];
	char    outcome[8];
	char    build[64];
	int64_t time_ms;
};

/* The latest result of each requirement (ties: the last given), sorted
 * by requirement; -1 when out of memory; free *out. */
int pb_stats_requirements(const struct pb_req_in *in, size_t n,
    struct pb_req_latest **out);

#endif
