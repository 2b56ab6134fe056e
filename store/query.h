/*
 * store/query.h - asking the records: lists for `pumphil records`, data
 * for `pumphil report`.
 *
 * Promise: the same questions on both backends, as parameterised SQL
 * (a filter value never becomes SQL text).  pb_store_query() streams one
 * summary row per calibration, per HIL case, per dashboard session or
 * per open (unrecorded) calibration, oldest first within each kind.
 * pb_store_report_fetch() gathers what the factory report plots, capped
 * at PB_REPORT_MAX_ROWS per series (the report then says it was cut).
 */
#ifndef PB_STORE_QUERY_H
#define PB_STORE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/record.h"
#include "store/store.h"

enum pb_query_kind {
	PB_Q_CAL = 1,        /* calibrations */
	PB_Q_HIL = 2,        /* HIL cases (one row per scenario per run) */
	PB_Q_SESSION = 4,    /* dashboard sessions */
	PB_Q_OPEN = 8        /* calibrations started and never recorded */
};

struct pb_query {
	unsigned kinds;              /* PB_Q_* bits; 0: CAL | HIL | SESSION */
	const char *serial;          /* unit (HIL: the DUT) */
	const char *station;         /* HIL: the run's station, else host */
	const char *operator_id;
	const char *verdict;         /* PASS FAIL ERROR ABORTED SKIPPED */
	const char *scenario;        /* HIL case name (only HIL rows) */
	const char *record_id;       /* a calibration/session/run id */
	int64_t since_ms, until_ms;  /* [since, until); 0 = open */
	long last;                   /* > 0: only the newest N per kind */
};

struct pb_query_row {
	enum pb_query_kind kind;
	int64_t id;                  /* database row */
	char    record_id[PB_RECORD_ID_LEN];   /* HIL: the run id */
	int64_t time_ms;             /* finished (open: started) */
	char    station[PB_RECORD_NAME];
	char    operator_id[PB_RECORD_NAME];
	char    serial[PB_RECORD_NAME];
	char    subject[256];        /* profile / scenario / recording */
	char    verdict[8];
	char    detail[512];         /* reason / failure text / counts */
	char    gauge[PB_RECORD_NAME];
	char    build[64];
	char    rig[64];
	bool    recal;
	char    recal_reason[200];
};

/* Rows to fn (return non-zero to stop).  Returns the row count or a
 * PB_STORE_E_* code. */
typedef int (*pb_query_fn)(void *ctx, const struct pb_query_row *r);
long pb_store_query(struct pb_store *s, const struct pb_query *q,
    pb_query_fn fn, void *ctx);

/* ---- the factory report's data ---------------------------------- */

#define PB_REPORT_MAX_ROWS 1000000

struct pb_rd_cal {               /* one calibration */
	char    serial[PB_RECORD_NAME];
	char    station[PB_RECORD_NAME];
	char    verdict[8];
	int64_t time_ms;
};

struct pb_rd_value {             /* one number of a station at a time */
	char    station[PB_RECORD_NAME];
	int64_t time_ms;
	double  v;
};

struct pb_rd_case {              /* one HIL case */
	char    scenario[160];
	char    build[64];
	char    outcome[8];
	int64_t time_ms;
};

struct pb_rd_req {               /* one requirement verified by a case */
	char    requirement[128];
	char    scenario[160];
	char    build[64];
	char    outcome[8];
	int64_t time_ms;
};

struct pb_report_data {
	int64_t since_ms, until_ms;  /* as asked (0 = open) */
	char    store[256];          /* where it came from, for the header */
	size_t  ncal, nresid, noffset, nverify, ncase, nreq;
	struct pb_rd_cal   *cal;
	struct pb_rd_value *resid;   /* every calibration residual (PASS and
	                                FAIL units), mmHg */
	struct pb_rd_value *offset;  /* pre-calibration offset at 0 mmHg per
	                                channel, mmHg */
	struct pb_rd_value *verify;  /* every verify error, mmHg */
	struct pb_rd_case  *cases;
	struct pb_rd_req   *reqs;
	bool    truncated;           /* a series hit PB_REPORT_MAX_ROWS */
};

/* Fill d for [since, until) (0 = open); free with pb_report_data_free. */
int  pb_store_report_fetch(struct pb_store *s, int64_t since_ms,
    int64_t until_ms, struct pb_report_data *d);
void pb_report_data_free(struct pb_report_data *d);

#endif
