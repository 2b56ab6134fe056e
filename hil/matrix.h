/*
 * hil/matrix.h - the verification matrix: requirement -> scenarios ->
 * measurements -> outcome, with latency distributions.
 *
 * Promise: pure over a run's record (hil/report.h) and the requirements
 * it was run against; no I/O.  pb_matrix_build() lists every written
 * requirement (in file order) and every ID a scenario named that the
 * file lacks, with the cases that verify it, each measurement that is
 * evidence for it, and its outcome over this run: PASS when every case
 * that verifies it passed, FAIL when one failed, ERROR when one could not
 * run, UNTESTED when no case verified it.  Defect runs are listed apart
 * (negative controls: PASS means the defect was caught).  Cases that
 * verify no requirement are listed too.
 *
 * Measurements of one requirement whose names are the same once "#N"
 * tokens and a trailing "[...]" are taken out ("#3 vented after X
 * [pull, level 4]" and "#7 vented after X [rest, level 9]") are one
 * series: N injections of one fault.  A series of times (unit "s") gets
 * a distribution: n, min, median, p95 (nearest rank) and max, and the
 * tightest hard limit, so the worst case is read against the
 * requirement.
 *
 * The writers append to a bounded buffer (store/sbuf.h): a
 * self-contained HTML page (no scripts, no external references, inline
 * SVG plots: each distribution as a strip chart against its limit, and
 * the traces of every failed attempt), untested requirements in red; and
 * CSV, one row per requirement and series.  Both are valid UTF-8 and
 * bounded by the buffer's limit (a cut report says so).
 */
#ifndef PB_HIL_MATRIX_H
#define PB_HIL_MATRIX_H

#include <stdbool.h>
#include <stddef.h>

#include "hil/report.h"
#include "hil/requirement.h"
#include "store/sbuf.h"

#define PB_MATRIX_UNTESTED (-1)   /* outcome of a requirement no case verified */

struct pb_matrix_meas {
	size_t case_idx;                  /* into the report's cases */
	const struct pb_measurement *m;
};

struct pb_matrix_series {
	char   key[96];                   /* the name without #N and [...] */
	char   unit[16];
	size_t first, n;                  /* into the row's meas (sorted by
	                                     series) */
	size_t failed;
	bool   timing;                    /* unit "s": a distribution */
	double min, median, p95, max;     /* NaN values are left out */
	size_t n_values;
	bool   have_limit;
	double limit;                     /* the tightest hard high limit */
};

struct pb_matrix_row {
	char   id[PB_REQUIREMENT_ID_LEN];
	const struct pb_requirement *req; /* NULL: named by a scenario only */
	int    outcome;                   /* enum pb_outcome, or
	                                     PB_MATRIX_UNTESTED */
	size_t *cases;                    /* verifying cases (normal runs) */
	size_t n_cases;
	size_t *controls;                 /* defect runs of those scenarios */
	size_t n_controls;
	struct pb_matrix_meas *meas;
	size_t n_meas;
	struct pb_matrix_series *series;
	size_t n_series;
};

struct pb_matrix {
	struct pb_matrix_row *rows;
	size_t n;
	size_t *orphans;                  /* cases verifying nothing */
	size_t n_orphans;
	size_t untested, passed, failed;  /* rows by outcome (failed: FAIL,
	                                     ERROR, ABORTED) */
};

/* Build the matrix of rep against rep->requirements.  0, or -1 when out
 * of memory (m is then empty).  m points into rep: keep rep alive. */
int pb_matrix_build(const struct pb_report *rep, struct pb_matrix *m);
void pb_matrix_free(struct pb_matrix *m);

/* "PASS", "FAIL", ..., "UNTESTED". */
const char *pb_matrix_outcome_name(int outcome);

/* The series key of a measurement name (see top). */
void pb_matrix_series_key(const char *name, char *key, size_t n);

void pb_matrix_write_html(const struct pb_report *rep,
    const struct pb_matrix *m, struct pb_sbuf *b);
void pb_matrix_write_csv(const struct pb_matrix *m,
    const struct pb_report *rep, struct pb_sbuf *b);

/* The file edge: build the matrix of rep and write the HTML and/or the
 * CSV (either path may be NULL) atomically (base/file), each at most
 * PB_MATRIX_FILE_MAX bytes.  0, or -1 with "PATH: why" in err. */
#define PB_MATRIX_FILE_MAX (64u << 20)
int pb_matrix_save(const struct pb_report *rep, const char *html_path,
    const char *csv_path, char *err, size_t errlen);

#endif
