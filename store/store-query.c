/*
 * store/store-query.c - lists and report data from the records (see
 * query.h).  Every filter value travels as a parameter.
 */
#include "store/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-impl.h"

/* ---- a WHERE clause with its parameters ------------------------------ */

struct qb {
	char   sql[6144];
	size_t len;
	bool   full;
	struct pb_sp p[24];
	int    np;
};

static void qb_add(struct qb *b, const char *s)
{
	size_t n = strlen(s);
	if (b->full || b->len + n + 1 > sizeof b->sql) {
		b->full = true;
		return;
	}
	memcpy(b->sql + b->len, s, n + 1);
	b->len += n;
}

static void qb_param(struct qb *b, struct pb_sp p)
{
	if (b->np < (int)(sizeof b->p / sizeof b->p[0]))
		b->p[b->np++] = p;
	else
		b->full = true;
}

static void qb_eq(struct qb *b, const char *col, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	qb_add(b, " AND ");
	qb_add(b, col);
	qb_add(b, " = ?");
	qb_param(b, pb_sp_text(v));
}

static void qb_time(struct qb *b, const char *col, int64_t since,
    int64_t until)
{
	if (since) {
		qb_add(b, " AND ");
		qb_add(b, col);
		qb_add(b, " >= ?");
		qb_param(b, pb_sp_ts(since));
	}
	if (until) {
		qb_add(b, " AND ");
		qb_add(b, col);
		qb_add(b, " < ?");
		qb_param(b, pb_sp_ts(until));
	}
}

/* ---- record lists ------------------------------------------------------- */

struct list_ctx {
	enum pb_query_kind kind;
	pb_query_fn fn;
	void *ctx;
	long n;
	bool stop;
};

static int list_row(void *ctx, int ncol, const char *const *col)
{
	struct list_ctx *l = ctx;
	if (ncol < 14 || l->stop)
		return 1;
	struct pb_query_row r;
	memset(&r, 0, sizeof r);
	r.kind = l->kind;
	r.id = pb_store_col_int(col[0]);
	pb_store_col_text(r.record_id, sizeof r.record_id, col[1]);
	r.time_ms = pb_store_col_int(col[2]);
	pb_store_col_text(r.station, sizeof r.station, col[3]);
	pb_store_col_text(r.operator_id, sizeof r.operator_id, col[4]);
	pb_store_col_text(r.serial, sizeof r.serial, col[5]);
	pb_store_col_text(r.subject, sizeof r.subject, col[6]);
	pb_store_col_text(r.verdict, sizeof r.verdict, col[7]);
	pb_store_col_text(r.detail, sizeof r.detail, col[8]);
	pb_store_col_text(r.gauge, sizeof r.gauge, col[9]);
	pb_store_col_text(r.build, sizeof r.build, col[10]);
	pb_store_col_text(r.rig, sizeof r.rig, col[11]);
	r.recal = pb_store_col_bool(col[12]);
	pb_store_col_text(r.recal_reason, sizeof r.recal_reason, col[13]);
	l->n++;
	if (l->fn && l->fn(l->ctx, &r) != 0) {
		l->stop = true;
		return 1;
	}
	return 0;
}

static int run_list(struct pb_store *s, struct qb *b, const char *order,
    const char *order_desc, long last, struct list_ctx *l)
{
	struct qb f;
	memset(&f, 0, sizeof f);
	if (last > 0) {
		qb_add(&f, "SELECT * FROM (");
		qb_add(&f, b->sql);
		qb_add(&f, order_desc);
		qb_add(&f, " LIMIT ?) q ORDER BY t_ms, rid, rec");
		memcpy(f.p, b->p, sizeof b->p[0] * (size_t)b->np);
		f.np = b->np;
		qb_param(&f, pb_sp_int(last));
	} else {
		qb_add(&f, b->sql);
		qb_add(&f, order);
		memcpy(f.p, b->p, sizeof b->p[0] * (size_t)b->np);
		f.np = b->np;
	}
	if (f.full || b->full)
		return pb_store_fail(s, PB_STORE_E_ARG, "query too long");
	return pb_store_q(s, f.sql, f.p, f.np, list_row, l);
}

long pb_store_query(struct pb_store *s, const struct pb_query *q,
    pb_query_fn fn, void *ctx)
{
	unsigned kinds = q->kinds ? q->kinds : PB_Q_CAL | PB_Q_HIL |
	    PB_Q_SESSION;
	bool only_hil = q->scenario && q->scenario[0];
	bool verdict = q->verdict && q->verdict[0];
	struct list_ctx l = { 0, fn, ctx, 0, false };
	int rc = 0;

	if ((kinds & PB_Q_CAL) && !only_hil) {
		struct qb b;
		memset(&b, 0, sizeof b);
		qb_add(&b, "SELECT c.id AS rid, c.record_id AS rec, "
		    "{MS:c.finished_utc} AS t_ms, c.station, c.operator, "
		    "c.serial, c.profile, c.verdict, c.reason, c.gauge_id, '' "
		    "AS build, '' AS rig, c.recal, c.recal_reason FROM "
		    "calibration c WHERE 1 = 1");
		qb_eq(&b, "c.serial", q->serial);
		qb_eq(&b, "c.station", q->station);
		qb_eq(&b, "c.operator", q->operator_id);
		qb_eq(&b, "c.verdict", q->verdict);
		qb_eq(&b, "c.record_id", q->record_id);
		qb_time(&b, "c.finished_utc", q->since_ms, q->until_ms);
		l.kind = PB_Q_CAL;
		rc = run_list(s, &b, " ORDER BY c.finished_utc, c.id",
		    " ORDER BY c.finished_utc DESC, c.id DESC", q->last, &l);
	}
	if (rc == 0 && !l.stop && (kinds & PB_Q_HIL)) {
		struct qb b;
		memset(&b, 0, sizeof b);
		qb_add(&b, "SELECT k.id AS rid, r.run_id AS rec, "
		    "{MS:k.finished_utc} AS t_ms, CASE WHEN r.station <> '' "
		    "THEN r.station ELSE r.host END AS station, r.operator, "
		    "k.dut_serial, k.name, k.outcome, k.message, '' AS gauge, "
		    "r.build, r.rig_name, {FALSE} AS recal, '' AS why FROM "
		    "hil_case k JOIN hil_run r ON r.id = k.run_id WHERE 1 = 1");
		qb_eq(&b, "k.dut_serial", q->serial);
		if (q->station && q->station[0]) {
			qb_add(&b, " AND (r.station = ? OR (r.station = '' AND "
			    "r.host = ?))");
			qb_param(&b, pb_sp_text(q->station));
			qb_param(&b, pb_sp_text(q->station));
		}
		qb_eq(&b, "r.operator", q->operator_id);
		qb_eq(&b, "k.outcome", q->verdict);
		qb_eq(&b, "k.name", q->scenario);
		qb_eq(&b, "r.run_id", q->record_id);
		qb_time(&b, "k.finished_utc", q->since_ms, q->until_ms);
		l.kind = PB_Q_HIL;
		rc = run_list(s, &b, " ORDER BY k.finished_utc, k.id",
		    " ORDER BY k.finished_utc DESC, k.id DESC", q->last, &l);
	}
	if (rc == 0 && !l.stop && (kinds & PB_Q_SESSION) && !only_hil &&
	    !verdict) {
		struct qb b;
		memset(&b, 0, sizeof b);
		qb_add(&b, "SELECT d.id AS rid, d.record_id AS rec, "
		    "{MS:d.finished_utc} AS t_ms, d.station, d.operator, "
		    "d.serial, d.path, CASE WHEN d.complete = {TRUE} THEN "
		    "'DONE' ELSE 'CUT' END AS verdict, 'samples ' || d.samples "
		    "|| ', lost ' || d.lost || ', alarms ' || d.alarms || ', "
		    "markers ' || d.markers AS detail, '' AS gauge, '' AS "
		    "build, '' AS rig, {FALSE} AS recal, '' AS why FROM "
		    "dashboard_session d WHERE 1 = 1");
		qb_eq(&b, "d.serial", q->serial);
		qb_eq(&b, "d.station", q->station);
		qb_eq(&b, "d.operator", q->operator_id);
		qb_eq(&b, "d.record_id", q->record_id);
		qb_time(&b, "d.finished_utc", q->since_ms, q->until_ms);
		l.kind = PB_Q_SESSION;
		rc = run_list(s, &b, " ORDER BY d.finished_utc, d.id",
		    " ORDER BY d.finished_utc DESC, d.id DESC", q->last, &l);
	}
	if (rc == 0 && !l.stop && (kinds & PB_Q_OPEN) && !only_hil &&
	    !verdict) {
		struct qb b;
		memset(&b, 0, sizeof b);
		qb_add(&b, "SELECT 0 AS rid, o.record_id AS rec, "
		    "{MS:o.started_utc} AS t_ms, o.station, o.operator, "
		    "o.serial, '' AS subject, 'OPEN' AS verdict, 'started on "
		    "host ' || o.host || ', pid ' || o.pid || '; never "
		    "recorded' AS detail, '' AS gauge, '' AS build, '' AS rig, "
		    "{FALSE} AS recal, '' AS why FROM calibration_open o "
		    "WHERE 1 = 1");
		qb_eq(&b, "o.serial", q->serial);
		qb_eq(&b, "o.station", q->station);
		qb_eq(&b, "o.operator", q->operator_id);
		qb_eq(&b, "o.record_id", q->record_id);
		qb_time(&b, "o.started_utc", q->since_ms, q->until_ms);
		l.kind = PB_Q_OPEN;
		rc = run_list(s, &b, " ORDER BY o.started_utc, o.record_id",
		    " ORDER BY o.started_utc DESC, o.record_id DESC", q->last,
		    &l);
	}
	return rc != 0 ? rc : l.n;
}

/* ---- report data --------------------------------------------------------- */

struct grow {
	void  **arr;
	size_t *n;
	size_t  cap, size;
	bool   *truncated;
	bool    oom;
};

/* room for one more element, or NULL (capped or out of memory) */
static void *grow_one(struct grow *g)
{
	if (*g->n >= PB_REPORT_MAX_ROWS) {
		*g->truncated = true;
		return NULL;
	}
	if (*g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		void *p = realloc(*g->arr, cap * g->size);
		if (p == NULL) {
			g->oom = true;
			return NULL;
		}
		*g->arr = p;
		g->cap = cap;
	}
	void *e = (char *)*g->arr + *g->n * g->size;
	memset(e, 0, g->size);
	(*g->n)++;
	return e;
}

static int cal_row(void *ctx, int ncol, const char *const *col)
{
	struct pb_rd_cal *c = ncol >= 4 ? grow_one(ctx) : NULL;
	if (c == NULL)
		return 1;
	pb_store_col_text(c->serial, sizeof c->serial, col[0]);
	pb_store_col_text(c->station, sizeof c->station, col[1]);
	pb_store_col_text(c->verdict, sizeof c->verdict, col[2]);
	c->time_ms = pb_store_col_int(col[3]);
	return 0;
}

static int value_row(void *ctx, int ncol, const char *const *col)
{
	struct pb_rd_value *v = ncol >= 3 ? grow_one(ctx) : NULL;
	if (v == NULL)
		return 1;
	pb_store_col_text(v->station, sizeof v->station, col[0]);
	v->time_ms = pb_store_col_int(col[1]);
	v->v = pb_store_col_real(col[2]);
	return 0;
}

static int case_row(void *ctx, int ncol, const char *const *col)
{
	struct pb_rd_case *c = ncol >= 4 ? grow_one(ctx) : NULL;
	if (c == NULL)
		return 1;
	pb_store_col_text(c->scenario, sizeof c->scenario, col[0]);
	pb_store_col_text(c->build, sizeof c->build, col[1]);
	pb_store_col_text(c->outcome, sizeof c->outcome, col[2]);
	c->time_ms = pb_store_col_int(col[3]);
	return 0;
}

static int req_row(void *ctx, int ncol, const char *const *col)
{
	struct pb_rd_req *r = ncol >= 5 ? grow_one(ctx) : NULL;
	if (r == NULL)
		return 1;
	pb_store_col_text(r->requirement, sizeof r->requirement, col[0]);
	pb_store_col_text(r->scenario, sizeof r->scenario, col[1]);
	pb_store_col_text(r->build, sizeof r->build, col[2]);
	pb_store_col_text(r->outcome, sizeof r->outcome, col[3]);
	r->time_ms = pb_store_col_int(col[4]);
	return 0;
}

static int fetch(struct pb_store *s, const char *sel, const char *tcol,
    int64_t since, int64_t until, const char *order, pb_store_row_fn fn,
    struct grow *g)
{
	struct qb b;
	memset(&b, 0, sizeof b);
	qb_add(&b, sel);
	qb_time(&b, tcol, since, until);
	qb_add(&b, order);
	int rc = pb_store_q(s, b.sql, b.p, b.np, fn, g);
	if (rc == 0 && g->oom)
		rc = pb_store_fail(s, PB_STORE_E_MEM, "out of memory reading "
		    "the report's data");
	return rc;
}

void pb_report_data_free(struct pb_report_data *d)
{
	free(d->cal);
	free(d->resid);
	free(d->offset);
	free(d->verify);
	free(d->cases);
	free(d->reqs);
	memset(d, 0, sizeof *d);
}


int pb_store_report_fetch(struct pb_store *s, int64_t since_ms,
    int64_t until_ms, struct pb_report_data *d)
{
	memset(d, 0, sizeof *d);
	d->since_ms = since_ms;
	d->until_ms = until_ms;
	snprintf(d->store, sizeof d->store, "%s", pb_store_name(s));
	struct grow gc = { (void **)&d->cal, &d->ncal, 0, sizeof *d->cal,
		&d->truncated, false };
	struct grow gr = { (void **)&d->resid, &d->nresid, 0,
		sizeof *d->resid, &d->truncated, false };
	struct grow go = { (void **)&d->offset, &d->noffset, 0,
		sizeof *d->offset, &d->truncated, false };
	struct grow gv = { (void **)&d->verify, &d->nverify, 0,
		sizeof *d->verify, &d->truncated, false };
	struct grow gk = { (void **)&d->cases, &d->ncase, 0, sizeof *d->cases,
		&d->truncated, false };
	struct grow gq = { (void **)&d->reqs, &d->nreq, 0, sizeof *d->reqs,
		&d->truncated, false };
	int rc = fetch(s, "SELECT serial, station, verdict, "
	    "{MS:finished_utc} FROM calibration WHERE 1 = 1",
	    "finished_utc", since_ms, until_ms, " ORDER BY finished_utc, id",
	    cal_row, &gc);
	if (rc == 0)
		rc = fetch(s, "SELECT c.station, {MS:c.finished_utc}, "
		    "p.residual_mmhg FROM calibration_point p JOIN calibration "
		    "c ON c.id = p.calibration_id WHERE p.residual_mmhg IS NOT "
		    "NULL AND c.verdict IN ('PASS', 'FAIL')", "c.finished_utc",
		    since_ms, until_ms, " ORDER BY c.finished_utc, c.id",
		    value_row, &gr);
	if (rc == 0)
		rc = fetch(s, "SELECT c.station, {MS:c.finished_utc}, "
		    "k.asfound_zero_mmhg FROM calibration_channel k JOIN "
		    "calibration c ON c.id = k.calibration_id WHERE "
		    "k.asfound_zero_mmhg IS NOT NULL", "c.finished_utc",
		    since_ms, until_ms, " ORDER BY c.finished_utc, c.id",
		    value_row, &go);
	if (rc == 0)
		rc = fetch(s, "SELECT c.station, {MS:c.finished_utc}, "
		    "v.error_mmhg FROM calibration_verify v JOIN calibration c "
		    "ON c.id = v.calibration_id WHERE v.error_mmhg IS NOT NULL",
		    "c.finished_utc", since_ms, until_ms,
		    " ORDER BY c.finished_utc, c.id", value_row, &gv);
	if (rc == 0)
		rc = fetch(s, "SELECT k.name, r.build, k.outcome, "
		    "{MS:k.finished_utc} FROM hil_case k JOIN hil_run r ON "
		    "r.id = k.run_id WHERE 1 = 1", "k.finished_utc", since_ms,
		    until_ms, " ORDER BY k.finished_utc, k.id", case_row, &gk);
	/* the latest result per requirement, as of the end of the period */
	if (rc == 0)
		rc = fetch(s, "SELECT q.requirement, k.name, r.build, "
		    "k.outcome, {MS:k.finished_utc} FROM hil_requirement q "
		    "JOIN hil_case k ON k.id = q.case_id JOIN hil_run r ON "
		    "r.id = k.run_id WHERE 1 = 1", "k.finished_utc", 0,
		    until_ms, " ORDER BY k.finished_utc, k.id", req_row, &gq);
	if (rc != 0)
		pb_report_data_free(d);
	return rc;
}
