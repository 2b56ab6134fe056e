/*
 * store/store.c - the records store over its two backends (see store.h).
 *
 * Every statement is written here once, as a template (store/sql.h), and
 * every write runs inside one transaction opened by tx(): a failure
 * anywhere rolls the whole record back.  On PostgreSQL a transaction
 * that lost its connection is tried once more on a new connection; the
 * record id makes that safe (the first try either landed whole, and the
 * retry says PB_STORE_E_DUP, or not at all).
 */
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "store/schema.h"
#include "store/store-impl.h"
#include "base/version.h"

/* ---- errors, parameters, columns ------------------------------------ */

int pb_store_fail(struct pb_store *s, int code, const char *fmt, ...)
{
	char m[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	snprintf(s->err, sizeof s->err, "%.200s: %.800s", s->url.shown,
	    m);
	return code;
}

const char *pb_store_strerror(int err)
{
	switch (err) {
	case PB_STORE_OK: return "ok";
	case PB_STORE_E_ARG: return "bad argument";
	case PB_STORE_E_OPEN: return "cannot open the records store";
	case PB_STORE_E_AUTH: return "the records server refused the login";
	case PB_STORE_E_SCHEMA: return "records schema not usable";
	case PB_STORE_E_READONLY: return "the records store is read-only";
	case PB_STORE_E_FULL: return "disk full";
	case PB_STORE_E_BUSY: return "the records store is busy";
	case PB_STORE_E_DUP: return "record exists";
	case PB_STORE_E_IO: return "records store failure";
	case PB_STORE_E_CONN: return "lost the records server";
	case PB_STORE_E_NOTSUP: return "not supported by this store";
	case PB_STORE_E_MEM: return "out of memory";
	case PB_STORE_E_NOENT: return "no such record";
	case PB_STORE_E_CANCELLED: return "cancelled";
	default: return "unknown error";
	}
}

struct pb_sp pb_sp_text(const char *s)
{
	return (struct pb_sp){ .t = PB_SP_TEXT, .s = s };
}

struct pb_sp pb_sp_int(int64_t v)
{
	return (struct pb_sp){ .t = PB_SP_INT, .i = v };
}

struct pb_sp pb_sp_real(double v)
{
	return (struct pb_sp){ .t = PB_SP_REAL, .d = v };
}

struct pb_sp pb_sp_bool(bool v)
{
	return (struct pb_sp){ .t = PB_SP_BOOL, .i = v };
}

struct pb_sp pb_sp_ts(int64_t unix_ms)
{
	return (struct pb_sp){ .t = PB_SP_TS, .i = unix_ms };
}

struct pb_sp pb_sp_null(void)
{
	return (struct pb_sp){ .t = PB_SP_NULL };
}

/* text, or NULL when empty */
static struct pb_sp text_or_null(const char *s)
{
	return s && s[0] ? pb_sp_text(s) : pb_sp_null();
}

int64_t pb_store_col_int(const char *c)
{
	return c ? strtoll(c, NULL, 10) : 0;
}

double pb_store_col_real(const char *c)
{
	return c ? strtod(c, NULL) : NAN;
}

bool pb_store_col_bool(const char *c)
{
	return c && (c[0] == '1' || c[0] == 't' || c[0] == 'T');
}

void pb_store_col_text(char *dst, size_t n, const char *c)
{
	if (n == 0)
		return;
	pb_text_clean(dst, n, c ? c : "", c ? strlen(c) : 0);
}

/* text a report or terminal can take as it is */
static bool clean_text(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return false;
	}
	return pb_text_utf8_valid(s, n);
}

#define MAX_PARAMS 64

int pb_store_q(struct pb_store *s, const char *tmpl, const struct pb_sp *p,
    int np, pb_store_row_fn fn, void *ctx)
{
	char sql[8192], err[256];
	int n = pb_sql_render(s->ops->dialect, tmpl, sql, sizeof sql, err,
	    sizeof err);
	if (n < 0)
		return pb_store_fail(s, PB_STORE_E_ARG, "%s", err);
	if (n != np || np > MAX_PARAMS)
		return pb_store_fail(s, PB_STORE_E_ARG, "statement takes %d "
		    "parameters, %d given", n, np);
	struct pb_sp q[MAX_PARAMS];
	char *owned[MAX_PARAMS];
	int nowned = 0;
	for (int i = 0; i < np; i++) {
		q[i] = p[i];
		if (p[i].t == PB_SP_TEXT && p[i].s && !clean_text(p[i].s)) {
			size_t len = strlen(p[i].s);
			char *c = pb_text_clean_dup(p[i].s, len, len * 3 + 8);
			if (c == NULL) {
				for (int k = 0; k < nowned; k++)
					free(owned[k]);
				return pb_store_fail(s, PB_STORE_E_MEM,
				    "out of memory");
			}
			owned[nowned++] = c;
			q[i].s = c;
		}
	}
	int rc = s->ops->run(s, sql, q, np, fn, ctx);
	for (int k = 0; k < nowned; k++)
		free(owned[k]);
	return rc;
}

/* the last error without the "<store>: " in front */
static const char *bare(const struct pb_store *s)
{
	size_t n = strlen(s->url.shown);
	if (n > 200)
		n = 200;
	if (strncmp(s->err, s->url.shown, n) == 0 && s->err[n] == ':' &&
	    s->err[n + 1] == ' ')
		return s->err + n + 2;
	return s->err;
}

/* ---- transactions --------------------------------------------------- */

typedef int (*tx_fn)(struct pb_store *s, void *ctx);

static int tx_once(struct pb_store *s, tx_fn fn, void *ctx)
{
	int rc = s->ops->begin(s);
	if (rc != 0)
		return rc;
	s->in_tx = true;
	rc = fn(s, ctx);
	if (rc == 0)
		rc = s->ops->commit(s);
	if (rc != 0)
		s->ops->rollback(s);
	s->in_tx = false;
	return rc;
}

/* One transaction; a lost server connection is made again once and the
 * transaction run again from its start. */
static int tx(struct pb_store *s, tx_fn fn, void *ctx)
{
	int rc = tx_once(s, fn, ctx);
	if (rc == PB_STORE_E_CONN && s->ops->reconnect) {
		char first[sizeof s->err];
		snprintf(first, sizeof first, "%s", s->err);
		if (s->ops->reconnect(s) != 0) {
			snprintf(s->err, sizeof s->err, "%s", first);
			return PB_STORE_E_CONN;
		}
		s->generation++;
		rc = tx_once(s, fn, ctx);
	}
	return rc;
}

/* ---- open and migrate ------------------------------------------------ */

static int one_int(void *ctx, int ncol, const char *const *col)
{
	if (ncol > 0)
		*(int64_t *)ctx = pb_store_col_int(col[0]);
	return 1;
}

/* the schema version: 0 when there is no schema_version table */
static int read_version(struct pb_store *s, int64_t *v)
{
	*v = 0;
	int64_t have = 0;
	int rc = pb_store_q(s, s->ops->dialect == PB_SQL_PG ?
	    "SELECT COUNT(*) FROM information_schema.tables WHERE "
	    "table_schema = current_schema() AND table_name = "
	    "'schema_version'" :
	    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
	    "name = 'schema_version'", NULL, 0, one_int, &have);
	if (rc != 0 || have == 0)
		return rc;
	return pb_store_q(s, "SELECT COALESCE(MAX(version), 0) FROM "
	    "schema_version", NULL, 0, one_int, v);
}

static int newer(struct pb_store *s, int64_t v)
{
	return pb_store_fail(s, PB_STORE_E_SCHEMA, "the records database is "
	    "at schema version %lld, newer than this pumpbench (%s) knows "
	    "(%d); update pumpbench on this station (nothing was changed)",
	    (long long)v, pb_version(), PB_SCHEMA_VERSION);
}

static int migrate_tx(struct pb_store *s, void *ctx)
{
	int64_t *from = ctx;
	int rc = 0;
	if (s->ops->dialect == PB_SQL_PG)
		rc = pb_store_q(s, "SELECT pg_advisory_xact_lock(?, 0)",
		    (struct pb_sp[]){ pb_sp_int(PB_STORE_LOCK_SCHEMA) }, 1,
		    NULL, NULL);
	if (rc == 0)
		rc = pb_store_q(s, "CREATE TABLE IF NOT EXISTS schema_version ("
		    " version INTEGER PRIMARY KEY,"
		    " applied_utc {TS} NOT NULL,"
		    " tool_version TEXT NOT NULL)", NULL, 0, NULL, NULL);
	int64_t v = 0;
	if (rc == 0)
		rc = pb_store_q(s, "SELECT COALESCE(MAX(version), 0) FROM "
		    "schema_version", NULL, 0, one_int, &v);
	if (rc != 0)
		return rc;
	*from = v;
	if (v > PB_SCHEMA_VERSION)
		return newer(s, v);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	for (int64_t k = v + 1; k <= PB_SCHEMA_VERSION; k++) {
		const char *const *m = pb_schema_migration((int)k);
		for (; m && *m && rc == 0; m++)
			rc = pb_store_q(s, *m, NULL, 0, NULL, NULL);
		if (rc == 0)
			rc = pb_store_q(s, "INSERT INTO schema_version (version, "
			    "applied_utc, tool_version) VALUES (?, ?, ?)",
			    (struct pb_sp[]){ pb_sp_int(k), pb_sp_ts(ms),
			    pb_sp_text(pb_version()) }, 3, NULL, NULL);
		if (rc != 0) {
			char why[800];
			snprintf(why, sizeof why, "%.790s", bare(s));
			pb_store_fail(s, rc == PB_STORE_E_FULL ||
			    rc == PB_STORE_E_READONLY || rc == PB_STORE_E_BUSY ?
			    rc : PB_STORE_E_SCHEMA, "migration to schema "
			    "version %lld failed (nothing was changed): %s",
			    (long long)k, why);
			return rc == PB_STORE_E_FULL ||
			    rc == PB_STORE_E_READONLY || rc == PB_STORE_E_BUSY ?
			    rc : PB_STORE_E_SCHEMA;
		}
	}
	return 0;
}

static int migrate(struct pb_store *s)
{
	int64_t v = 0;
	int rc = read_version(s, &v);
	if (rc != 0)
		return rc;
	if (v > PB_SCHEMA_VERSION)
		return newer(s, v);
	if (v == PB_SCHEMA_VERSION) {
		s->schema_version = (int)v;
		return 0;
	}
	if (s->opts.readonly)
		return pb_store_fail(s, PB_STORE_E_SCHEMA, v == 0 ?
		    "holds no pumpbench records" : "the records database "
		    "needs a schema update; open it once from a station "
		    "that may write");
	rc = tx(s, migrate_tx, &v);
	if (rc == 0)
		s->schema_version = PB_SCHEMA_VERSION;
	return rc;
}

int pb_store_open(const char *spec, const struct pb_store_opts *o,
    struct pb_store **out, char *err, size_t errlen)
{
	*out = NULL;
	struct pb_store *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "records store: out of memory");
		return PB_STORE_E_MEM;
	}
	char why[256];
	if (pb_store_url_parse(spec, &s->url, why, sizeof why) != 0) {
		char shown[256];
		pb_store_url_redact(spec ? spec : "", shown, sizeof shown);
		snprintf(err, errlen, "records store '%s': %s", shown, why);
		free(s);
		return PB_STORE_E_ARG;
	}
	if (o)
		s->opts = *o;
	if (s->opts.busy_timeout_ms <= 0)
		s->opts.busy_timeout_ms = 10000;
	if (s->opts.connect_timeout_s <= 0)
		s->opts.connect_timeout_s = 10;
	s->ops = s->url.kind == PB_STORE_PG ? &pb_store_pg_ops :
	    &pb_store_sqlite_ops;
	int rc = s->ops->open(s, &s->opts);
	if (rc == 0)
		rc = migrate(s);
	if (rc != 0) {
		snprintf(err, errlen, "%s", s->err);
		pb_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void pb_store_close(struct pb_store *s)
{
	if (s == NULL)
		return;
	while (s->nheld > 0)
		pb_store_rig_release(s, s->held[s->nheld - 1].rig);
	s->ops->close(s);
	free(s);
}

const char *pb_store_name(const struct pb_store *s)
{
	return s->url.shown;
}

enum pb_store_kind pb_store_backend(const struct pb_store *s)
{
	return s->url.kind;
}

int pb_store_schema_version(const struct pb_store *s)
{
	return s->schema_version;
}

const char *pb_store_error(const struct pb_store *s)
{
	return s ? s->err : "";
}

int pb_store_resolve_spec(const char *db_opt, char *out, size_t outlen,
    bool *is_default, char *err, size_t errlen)
{
	const char *env = getenv("PUMPBENCH_DB");
	if (is_default)
		*is_default = false;
	const char *pick = db_opt && db_opt[0] ? db_opt :
	    env && env[0] ? env : NULL;
	if (pick) {
		if (strlen(pick) >= outlen) {
			snprintf(err, errlen, "records store spec too long");
			return -1;
		}
		snprintf(out, outlen, "%s", pick);
		return 0;
	}
	if (is_default)
		*is_default = true;
	return pb_store_default_path(getenv("XDG_DATA_HOME"), getenv("HOME"),
	    out, outlen, err, errlen);
}

/* ---- calibration ----------------------------------------------------- */

static int cal_begin_tx(struct pb_store *s, void *ctx)
{
	const struct pb_record_cal_open *o = ctx;
	return pb_store_q(s, "INSERT INTO calibration_open (record_id, serial, "
	    "station, operator, host, pid, started_utc) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", (struct pb_sp[]){
		pb_sp_text(o->record_id), pb_sp_text(o->serial),
		pb_sp_text(o->station), pb_sp_text(o->operator_id),
		pb_sp_text(o->host), pb_sp_int(o->pid),
		pb_sp_ts(o->started_ms) }, 7, NULL, NULL);
}

int pb_store_cal_begin(struct pb_store *s, const struct pb_record_cal_open *o)
{
	if (!pb_record_id_valid(o->record_id) || !o->serial[0])
		return pb_store_fail(s, PB_STORE_E_ARG, "calibration start: "
		    "bad record id or no serial");
	return tx(s, cal_begin_tx, (void *)o);
}

static int cal_abandon_tx(struct pb_store *s, void *ctx)
{
	return pb_store_q(s, "DELETE FROM calibration_open WHERE record_id = ?",
	    (struct pb_sp[]){ pb_sp_text(ctx) }, 1, NULL, NULL);
}

int pb_store_cal_abandon(struct pb_store *s, const char *record_id)
{
	return tx(s, cal_abandon_tx, (void *)record_id);
}

static int put_channel(struct pb_store *s, int64_t id, int ch,
    const struct pb_record_channel *k)
{
	bool fit = k->order > 0;
	int rc = pb_store_q(s, "INSERT INTO calibration_channel ("
	    "calibration_id, channel, fit_order, c0, c1, c2, "
	    "max_residual_mmhg, rms_residual_mmhg, accepted, old_cal_id, "
	    "old_order, old_c0, old_c1, old_c2, written, new_cal_id, "
	    "asfound_zero_mmhg) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?)", (struct pb_sp[]){
		pb_sp_int(id), pb_sp_int(ch + 1), pb_sp_int(k->order),
		pb_sp_real(fit ? k->c[0] : NAN),
		pb_sp_real(fit ? k->c[1] : NAN),
		pb_sp_real(fit ? k->c[2] : NAN),
		pb_sp_real(fit ? k->max_residual_mmhg : NAN),
		pb_sp_real(fit ? k->rms_residual_mmhg : NAN),
		pb_sp_bool(k->accepted),
		k->had_old ? pb_sp_int(k->old_cal_id) : pb_sp_null(),
		k->had_old ? pb_sp_int(k->old_order) : pb_sp_null(),
		pb_sp_real(k->had_old ? k->old_c[0] : NAN),
		pb_sp_real(k->had_old ? k->old_c[1] : NAN),
		pb_sp_real(k->had_old ? k->old_c[2] : NAN),
		pb_sp_bool(k->written),
		k->written ? pb_sp_int(k->new_cal_id) : pb_sp_null(),
		pb_sp_real(k->asfound_zero_mmhg) }, 17, NULL, NULL);
	for (int i = 0; rc == 0 && i < k->npoints; i++) {
		const struct pb_record_point *p = &k->point[i];
		rc = pb_store_q(s, "INSERT INTO calibration_point ("
		    "calibration_id, channel, idx, target_mmhg, raw_counts, "
		    "raw_sd, samples, reference_mmhg, residual_mmhg, "
		    "limit_mmhg, pass, asfound_mmhg) VALUES (?, ?, ?, ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?)", (struct pb_sp[]){
			pb_sp_int(id), pb_sp_int(ch + 1), pb_sp_int(i + 1),
			pb_sp_real(p->target_mmhg), pb_sp_real(p->raw_counts),
			pb_sp_real(p->raw_sd), pb_sp_int(p->samples),
			pb_sp_real(p->reference_mmhg),
			pb_sp_real(p->residual_mmhg),
			pb_sp_real(p->limit_mmhg),
			p->pass < 0 ? pb_sp_null() : pb_sp_bool(p->pass),
			pb_sp_real(p->asfound_mmhg) }, 12, NULL, NULL);
	}
	for (int i = 0; rc == 0 && i < k->nverify; i++) {
		const struct pb_record_verify *v = &k->verify[i];
		rc = pb_store_q(s, "INSERT INTO calibration_verify ("
		    "calibration_id, channel, idx, target_mmhg, "
		    "reference_mmhg, device_mmhg, error_mmhg, limit_mmhg, pass) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (struct pb_sp[]){
			pb_sp_int(id), pb_sp_int(ch + 1), pb_sp_int(i + 1),
			pb_sp_real(v->target_mmhg),
			pb_sp_real(v->reference_mmhg),
			pb_sp_real(v->device_mmhg), pb_sp_real(v->error_mmhg),
			pb_sp_real(v->limit_mmhg), pb_sp_bool(v->pass) }, 9,
		    NULL, NULL);
	}
	return rc;
}

struct put_ctx {
	const void *rec;
	int64_t id;
};

/* the record with this id, if any, goes (the same run's later result
 * replaces its earlier one) */
static int drop_cal(struct pb_store *s, const char *record_id)
{
	int64_t old = 0;
	int rc = pb_store_q(s, "SELECT id FROM calibration WHERE record_id = ?",
	    (struct pb_sp[]){ pb_sp_text(record_id) }, 1, one_int, &old);
	if (rc != 0 || old <= 0)
		return rc;
	static const char *const del[] = {
		"DELETE FROM calibration_point WHERE calibration_id = ?",
		"DELETE FROM calibration_verify WHERE calibration_id = ?",
		"DELETE FROM certificate_file WHERE calibration_id = ?",
		"DELETE FROM calibration_channel WHERE calibration_id = ?",
		"DELETE FROM calibration WHERE id = ?",
	};
	for (size_t i = 0; rc == 0 && i < sizeof del / sizeof del[0]; i++)
		rc = pb_store_q(s, del[i], (struct pb_sp[]){ pb_sp_int(old) },
		    1, NULL, NULL);
	return rc;
}

static int put_cal_tx(struct pb_store *s, void *ctx)
{
	struct put_ctx *pc = ctx;
	const struct pb_record_cal *c = pc->rec;
	pc->id = 0;
	int rc = drop_cal(s, c->record_id);
	if (rc == 0)
		rc = pb_store_q(s, "INSERT INTO calibration (record_id, serial, "
	    "profile, firmware, station, operator, host, gauge_id, gauge_due, "
	    "reference, verdict, reason, recal, recal_reason, restored, "
	    "channels, tool_version, started_utc, finished_utc) VALUES (?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    (struct pb_sp[]){
		pb_sp_text(c->record_id), pb_sp_text(c->serial),
		pb_sp_text(c->profile), pb_sp_text(c->firmware),
		pb_sp_text(c->station), pb_sp_text(c->operator_id),
		pb_sp_text(c->host), pb_sp_text(c->gauge_id),
		text_or_null(c->gauge_due), pb_sp_text(c->reference),
		pb_sp_text(c->verdict), pb_sp_text(c->reason),
		pb_sp_bool(c->recal), pb_sp_text(c->recal_reason),
		pb_sp_bool(c->restored), pb_sp_int(c->channels),
		pb_sp_text(c->tool_version), pb_sp_ts(c->started_ms),
		pb_sp_ts(c->finished_ms) }, 19, one_int, &pc->id);
	if (rc == 0 && pc->id <= 0)
		rc = pb_store_fail(s, PB_STORE_E_IO, "no id for the new "
		    "calibration record");
	for (int ch = 0; rc == 0 && ch < c->channels; ch++)
		rc = put_channel(s, pc->id, ch, &c->ch[ch]);
	for (int i = 0; rc == 0 && i < c->ncerts; i++)
		rc = pb_store_q(s, "INSERT INTO certificate_file ("
		    "calibration_id, format, path, sha256, bytes) VALUES (?, "
		    "?, ?, ?, ?)", (struct pb_sp[]){ pb_sp_int(pc->id),
		    pb_sp_text(c->cert[i].format), pb_sp_text(c->cert[i].path),
		    pb_sp_text(c->cert[i].sha256),
		    pb_sp_int(c->cert[i].bytes) }, 5, NULL, NULL);
	if (rc == 0)
		rc = cal_abandon_tx(s, (void *)c->record_id);
	return rc;
}

int pb_store_put_cal(struct pb_store *s, const struct pb_record_cal *c,
    int64_t *id)
{
	char why[400];
	if (pb_record_check_cal(c, why, sizeof why) != 0)
		return pb_store_fail(s, PB_STORE_E_ARG, "%s", why);
	struct put_ctx pc = { c, 0 };
	int rc = tx(s, put_cal_tx, &pc);
	if (rc == 0 && id)
		*id = pc.id;
	return rc;
}

/* ---- HIL runs --------------------------------------------------------- */

static int put_case(struct pb_store *s, int64_t run, size_t idx,
    const struct pb_record_case *c)
{
	int64_t id = 0;
	int rc = pb_store_q(s, "INSERT INTO hil_case (run_id, idx, name, "
	    "scenario, scenario_sha256, profile, profile_sha256, defect, "
	    "defect_run, dut_serial, dut_firmware, outcome, message, "
	    "attempts, duration_s, rig_seconds, started_utc, finished_utc) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "RETURNING id", (struct pb_sp[]){
		pb_sp_int(run), pb_sp_int((int64_t)idx + 1),
		pb_sp_text(c->name), pb_sp_text(c->scenario),
		pb_sp_text(c->scenario_sha256), pb_sp_text(c->profile),
		pb_sp_text(c->profile_sha256), pb_sp_text(c->defect),
		pb_sp_bool(c->defect_run), pb_sp_text(c->dut_serial),
		pb_sp_text(c->dut_firmware), pb_sp_text(c->outcome),
		pb_sp_text(c->message), pb_sp_int(c->attempts),
		pb_sp_real(c->duration_s), pb_sp_real(c->rig_seconds),
		pb_sp_ts(c->started_ms), pb_sp_ts(c->finished_ms) }, 18,
	    one_int, &id);
	/* requirement IDs, separated by spaces or commas; repeats once */
	const char *r = c->requirements;
	while (rc == 0 && *r) {
		while (*r == ' ' || *r == ',')
			r++;
		size_t n = strcspn(r, " ,");
		if (n == 0)
			break;
		char req[128];
		snprintf(req, sizeof req, "%.*s", (int)(n < 127 ? n : 127), r);
		rc = pb_store_q(s, s->ops->dialect == PB_SQL_PG ?
		    "INSERT INTO hil_requirement (case_id, requirement) "
		    "VALUES (?, ?) ON CONFLICT DO NOTHING" :
		    "INSERT OR IGNORE INTO hil_requirement (case_id, "
		    "requirement) VALUES (?, ?)", (struct pb_sp[]){
			pb_sp_int(id), pb_sp_text(req) }, 2, NULL, NULL);
		r += n;
	}
	int last_attempt = 0, k = 0;
	for (size_t i = 0; rc == 0 && i < c->nmeas; i++) {
		const struct pb_record_meas *m = &c->meas[i];
		k = m->attempt == last_attempt ? k + 1 : 1;
		last_attempt = m->attempt;
		rc = pb_store_q(s, "INSERT INTO hil_measurement (case_id, "
		    "attempt, idx, name, value, unit, low, high, marginal_low, "
		    "marginal_high, outcome, marginal, location) VALUES (?, ?, "
		    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (struct pb_sp[]){
			pb_sp_int(id), pb_sp_int(m->attempt), pb_sp_int(k),
			pb_sp_text(m->name), pb_sp_real(m->value),
			pb_sp_text(m->unit), pb_sp_real(m->low),
			pb_sp_real(m->high), pb_sp_real(m->marginal_low),
			pb_sp_real(m->marginal_high), pb_sp_text(m->outcome),
			pb_sp_bool(m->marginal), pb_sp_text(m->location) },
		    13, NULL, NULL);
	}
	return rc;
}

static int put_run_tx(struct pb_store *s, void *ctx)
{
	struct put_ctx *pc = ctx;
	const struct pb_record_run *r = pc->rec;
	int64_t n[5] = { 0 };   /* passed failed errors aborted skipped */
	for (size_t i = 0; i < r->ncases; i++) {
		const char *o = r->cases[i].outcome;
		n[strcmp(o, "PASS") == 0 ? 0 : strcmp(o, "FAIL") == 0 ? 1 :
		    strcmp(o, "ERROR") == 0 ? 2 : strcmp(o, "ABORTED") == 0 ?
		    3 : 4]++;
	}
	pc->id = 0;
	int rc = pb_store_q(s, "INSERT INTO hil_run (run_id, tool_version, "
	    "build, rig, rig_kind, rig_name, rig_sha256, host, station, "
	    "operator, seed, cases, passed, failed, errors, aborted, skipped, "
	    "started_utc, finished_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", (struct pb_sp[]){
		pb_sp_text(r->run_id), pb_sp_text(r->tool_version),
		pb_sp_text(r->build), pb_sp_text(r->rig),
		pb_sp_text(r->rig_kind), pb_sp_text(r->rig_name),
		pb_sp_text(r->rig_sha256), pb_sp_text(r->host),
		pb_sp_text(r->station), pb_sp_text(r->operator_id),
		pb_sp_int((int64_t)(r->seed & INT64_MAX)),
		pb_sp_int((int64_t)r->ncases), pb_sp_int(n[0]),
		pb_sp_int(n[1]), pb_sp_int(n[2]), pb_sp_int(n[3]),
		pb_sp_int(n[4]), pb_sp_ts(r->started_ms),
		pb_sp_ts(r->finished_ms) }, 19, one_int, &pc->id);
	for (size_t i = 0; rc == 0 && i < r->ncases; i++)
		rc = put_case(s, pc->id, i, &r->cases[i]);
	return rc;
}

int pb_store_put_run(struct pb_store *s, const struct pb_record_run *r,
    int64_t *id)
{
	char why[400];
	if (pb_record_check_run(r, why, sizeof why) != 0)
		return pb_store_fail(s, PB_STORE_E_ARG, "%s", why);
	struct put_ctx pc = { r, 0 };
	int rc = tx(s, put_run_tx, &pc);
	if (rc == 0 && id)
		*id = pc.id;
	return rc;
}

/* ---- dashboard sessions ---------------------------------------------- */

static int put_session_tx(struct pb_store *s, void *ctx)
{
	struct put_ctx *pc = ctx;
	const struct pb_record_session *r = pc->rec;
	pc->id = 0;
	int rc = pb_store_q(s, "INSERT INTO dashboard_session (record_id, "
	    "path, serial, firmware, profile, cal_id, station, operator, host, "
	    "tool_version, samples, lost, markers, events, alarms, gaps, "
	    "complete, channels, started_utc, finished_utc) VALUES (?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    (struct pb_sp[]){
		pb_sp_text(r->record_id), pb_sp_text(r->path),
		pb_sp_text(r->serial), pb_sp_text(r->firmware),
		pb_sp_text(r->profile), pb_sp_int(r->cal_id),
		pb_sp_text(r->station), pb_sp_text(r->operator_id),
		pb_sp_text(r->host), pb_sp_text(r->tool_version),
		pb_sp_int((int64_t)r->samples), pb_sp_int((int64_t)r->lost),
		pb_sp_int((int64_t)r->markers), pb_sp_int((int64_t)r->events),
		pb_sp_int((int64_t)r->alarms), pb_sp_int((int64_t)r->gaps),
		pb_sp_bool(r->complete), pb_sp_int(r->channels),
		pb_sp_ts(r->started_ms), pb_sp_ts(r->finished_ms) }, 20,
	    one_int, &pc->id);
	for (int ch = 0; rc == 0 && ch < r->channels; ch++)
		rc = pb_store_q(s, "INSERT INTO dashboard_session_channel ("
		    "session_id, channel, samples, min_mmhg, max_mmhg, "
		    "mean_mmhg) VALUES (?, ?, ?, ?, ?, ?)", (struct pb_sp[]){
			pb_sp_int(pc->id), pb_sp_int(ch + 1),
			pb_sp_int((int64_t)r->ch[ch].samples),
			pb_sp_real(r->ch[ch].min_mmhg),
			pb_sp_real(r->ch[ch].max_mmhg),
			pb_sp_real(r->ch[ch].mean_mmhg) }, 6, NULL, NULL);
	return rc;
}

int pb_store_put_session(struct pb_store *s,
    const struct pb_record_session *r, int64_t *id)
{
	char why[400];
	if (pb_record_check_session(r, why, sizeof why) != 0)
		return pb_store_fail(s, PB_STORE_E_ARG, "%s", why);
	struct put_ctx pc = { r, 0 };
	int rc = tx(s, put_session_tx, &pc);
	if (rc == 0 && id)
		*id = pc.id;
	return rc;
}

/* ---- reading a calibration back ----------------------------------------- */

struct get_ctx {
	struct pb_record_cal *c;
	int64_t id;
	int rows;
};

static int get_head(void *ctx, int ncol, const char *const *col)
{
	struct get_ctx *g = ctx;
	struct pb_record_cal *c = g->c;
	if (ncol < 20)
		return 1;
	g->id = pb_store_col_int(col[0]);
	pb_store_col_text(c->record_id, sizeof c->record_id, col[1]);
	pb_store_col_text(c->serial, sizeof c->serial, col[2]);
	pb_store_col_text(c->profile, sizeof c->profile, col[3]);
	pb_store_col_text(c->firmware, sizeof c->firmware, col[4]);
	pb_store_col_text(c->station, sizeof c->station, col[5]);
	pb_store_col_text(c->operator_id, sizeof c->operator_id, col[6]);
	pb_store_col_text(c->host, sizeof c->host, col[7]);
	pb_store_col_text(c->gauge_id, sizeof c->gauge_id, col[8]);
	pb_store_col_text(c->gauge_due, sizeof c->gauge_due, col[9]);
	pb_store_col_text(c->reference, sizeof c->reference, col[10]);
	pb_store_col_text(c->verdict, sizeof c->verdict, col[11]);
	pb_store_col_text(c->reason, sizeof c->reason, col[12]);
	c->recal = pb_store_col_bool(col[13]);
	pb_store_col_text(c->recal_reason, sizeof c->recal_reason, col[14]);
	c->restored = pb_store_col_bool(col[15]);
	c->channels = (int)pb_store_col_int(col[16]);
	if (c->channels < 0 || c->channels > PB_RECORD_MAX_CH)
		c->channels = 0;
	pb_store_col_text(c->tool_version, sizeof c->tool_version, col[17]);
	c->started_ms = pb_store_col_int(col[18]);
	c->finished_ms = pb_store_col_int(col[19]);
	g->rows++;
	return 1;
}

static int get_chan(void *ctx, int ncol, const char *const *col)
{
	struct pb_record_cal *c = ((struct get_ctx *)ctx)->c;
	if (ncol < 16)
		return 1;
	int ch = (int)pb_store_col_int(col[0]) - 1;
	if (ch < 0 || ch >= c->channels)
		return 0;
	struct pb_record_channel *k = &c->ch[ch];
	k->order = (int)pb_store_col_int(col[1]);
	for (int i = 0; i < 3; i++)
		k->c[i] = pb_store_col_real(col[2 + i]);
	k->max_residual_mmhg = pb_store_col_real(col[5]);
	k->rms_residual_mmhg = pb_store_col_real(col[6]);
	k->accepted = pb_store_col_bool(col[7]);
	k->had_old = col[8] != NULL;
	k->old_cal_id = (uint32_t)pb_store_col_int(col[8]);
	k->old_order = (int)pb_store_col_int(col[9]);
	for (int i = 0; i < 3; i++)
		k->old_c[i] = pb_store_col_real(col[10 + i]);
	k->written = pb_store_col_bool(col[13]);
	k->new_cal_id = (uint32_t)pb_store_col_int(col[14]);
	k->asfound_zero_mmhg = pb_store_col_real(col[15]);
	return 0;
}

static int get_point(void *ctx, int ncol, const char *const *col)
{
	struct pb_record_cal *c = ((struct get_ctx *)ctx)->c;
	if (ncol < 11)
		return 1;
	int ch = (int)pb_store_col_int(col[0]) - 1;
	if (ch < 0 || ch >= c->channels ||
	    c->ch[ch].npoints >= PB_RECORD_MAX_POINTS)
		return 0;
	struct pb_record_point *p = &c->ch[ch].point[c->ch[ch].npoints++];
	p->target_mmhg = pb_store_col_real(col[1]);
	p->raw_counts = pb_store_col_real(col[2]);
	p->raw_sd = pb_store_col_real(col[3]);
	p->samples = (int)pb_store_col_int(col[4]);
	p->reference_mmhg = pb_store_col_real(col[5]);
	p->residual_mmhg = pb_store_col_real(col[6]);
	p->limit_mmhg = pb_store_col_real(col[7]);
	p->pass = col[8] ? pb_store_col_bool(col[8]) : -1;
	p->asfound_mmhg = pb_store_col_real(col[9]);
	return 0;
}

static int get_verify(void *ctx, int ncol, const char *const *col)
{
	struct pb_record_cal *c = ((struct get_ctx *)ctx)->c;
	if (ncol < 7)
		return 1;
	int ch = (int)pb_store_col_int(col[0]) - 1;
	if (ch < 0 || ch >= c->channels ||
	    c->ch[ch].nverify >= PB_RECORD_MAX_VERIFY)
		return 0;
	struct pb_record_verify *v = &c->ch[ch].verify[c->ch[ch].nverify++];
	v->target_mmhg = pb_store_col_real(col[1]);
	v->reference_mmhg = pb_store_col_real(col[2]);
	v->device_mmhg = pb_store_col_real(col[3]);
	v->error_mmhg = pb_store_col_real(col[4]);
	v->limit_mmhg = pb_store_col_real(col[5]);
	v->pass = pb_store_col_bool(col[6]);
	return 0;
}

static int get_cert(void *ctx, int ncol, const char *const *col)
{
	struct pb_record_cal *c = ((struct get_ctx *)ctx)->c;
	if (ncol < 4 || c->ncerts >= PB_RECORD_MAX_CERTS)
		return ncol < 4;
	struct pb_record_cert *f = &c->cert[c->ncerts++];
	pb_store_col_text(f->format, sizeof f->format, col[0]);
	pb_store_col_text(f->path, sizeof f->path, col[1]);
	pb_store_col_text(f->sha256, sizeof f->sha256, col[2]);
	f->bytes = pb_store_col_int(col[3]);
	return 0;
}

int pb_store_get_cal(struct pb_store *s, const char *id_in,
    struct pb_record_cal *out)
{
	char record_id[PB_RECORD_ID_LEN];   /* id_in may live in *out */
	snprintf(record_id, sizeof record_id, "%s", id_in ? id_in : "");
	memset(out, 0, sizeof *out);
	struct get_ctx g = { out, 0, 0 };
	int rc = pb_store_q(s, "SELECT id, record_id, serial, profile, "
	    "firmware, station, operator, host, gauge_id, gauge_due, "
	    "reference, verdict, reason, recal, recal_reason, restored, "
	    "channels, tool_version, {MS:started_utc}, {MS:finished_utc} "
	    "FROM calibration WHERE record_id = ?",
	    (struct pb_sp[]){ pb_sp_text(record_id) }, 1, get_head, &g);
	if (rc != 0)
		return rc;
	if (g.rows == 0)
		return pb_store_fail(s, PB_STORE_E_NOENT, "no calibration "
		    "record %.40s", record_id);
	struct pb_sp id = pb_sp_int(g.id);
	rc = pb_store_q(s, "SELECT channel, fit_order, c0, c1, c2, "
	    "max_residual_mmhg, rms_residual_mmhg, accepted, old_cal_id, "
	    "old_order, old_c0, old_c1, old_c2, written, new_cal_id, "
	    "asfound_zero_mmhg FROM calibration_channel WHERE "
	    "calibration_id = ? ORDER BY channel", &id, 1, get_chan, &g);
	if (rc == 0)
		rc = pb_store_q(s, "SELECT channel, target_mmhg, raw_counts, "
		    "raw_sd, samples, reference_mmhg, residual_mmhg, "
		    "limit_mmhg, pass, asfound_mmhg, idx FROM "
		    "calibration_point WHERE calibration_id = ? ORDER BY "
		    "channel, idx", &id, 1, get_point, &g);
	if (rc == 0)
		rc = pb_store_q(s, "SELECT channel, target_mmhg, "
		    "reference_mmhg, device_mmhg, error_mmhg, limit_mmhg, pass "
		    "FROM calibration_verify WHERE calibration_id = ? ORDER BY "
		    "channel, idx", &id, 1, get_verify, &g);
	if (rc == 0)
		rc = pb_store_q(s, "SELECT format, path, sha256, bytes FROM "
		    "certificate_file WHERE calibration_id = ? ORDER BY format",
		    &id, 1, get_cert, &g);
	return rc;
}

/* ---- a unit's history ------------------------------------------------- */

#define LINE_COLS "c.record_id, {MS:c.finished_utc}, c.station, " \
	"c.operator, c.gauge_id, c.verdict, c.recal, " \
	"(SELECT MAX(k.new_cal_id) FROM calibration_channel k WHERE " \
	"k.calibration_id = c.id AND k.written = {TRUE}), " \
	"(SELECT MAX(k.max_residual_mmhg) FROM calibration_channel k WHERE " \
	"k.calibration_id = c.id), " \
	"(SELECT MAX(ABS(v.error_mmhg)) FROM calibration_verify v WHERE " \
	"v.calibration_id = c.id), c.reason"

struct hist_ctx {
	struct pb_store_cal_line *out;
	int max, n;
};

static int hist_row(void *ctx, int ncol, const char *const *col)
{
	struct hist_ctx *h = ctx;
	if (ncol < 11 || h->n >= h->max)
		return 1;
	struct pb_store_cal_line *l = &h->out[h->n++];
	memset(l, 0, sizeof *l);
	pb_store_col_text(l->record_id, sizeof l->record_id, col[0]);
	l->finished_ms = pb_store_col_int(col[1]);
	pb_store_col_text(l->station, sizeof l->station, col[2]);
	pb_store_col_text(l->operator_id, sizeof l->operator_id, col[3]);
	pb_store_col_text(l->gauge_id, sizeof l->gauge_id, col[4]);
	pb_store_col_text(l->verdict, sizeof l->verdict, col[5]);
	l->recal = pb_store_col_bool(col[6]);
	l->cal_id = (uint32_t)pb_store_col_int(col[7]);
	l->max_residual_mmhg = pb_store_col_real(col[8]);
	l->max_verify_mmhg = pb_store_col_real(col[9]);
	pb_store_col_text(l->reason, sizeof l->reason, col[10]);
	return 0;
}

int pb_store_unit_history(struct pb_store *s, const char *serial,
    struct pb_store_cal_line *out, int max)
{
	int64_t total = 0;
	int rc = pb_store_q(s, "SELECT COUNT(*) FROM calibration WHERE "
	    "serial = ?", (struct pb_sp[]){ pb_sp_text(serial) }, 1, one_int,
	    &total);
	if (rc != 0 || max <= 0)
		return rc != 0 ? rc : (int)total;
	struct hist_ctx h = { out, max, 0 };
	rc = pb_store_q(s, "SELECT " LINE_COLS " FROM calibration c WHERE "
	    "c.serial = ? ORDER BY c.finished_utc DESC, c.id DESC LIMIT ?",
	    (struct pb_sp[]){ pb_sp_text(serial), pb_sp_int(max) }, 2,
	    hist_row, &h);
	if (rc != 0)
		return rc;
	for (int i = 0; i < h.n / 2; i++) {   /* oldest first */
		struct pb_store_cal_line t = out[i];
		out[i] = out[h.n - 1 - i];
		out[h.n - 1 - i] = t;
	}
	return total > INT32_MAX ? INT32_MAX : (int)total;
}

int pb_store_unit_passed(struct pb_store *s, const char *serial,
    struct pb_store_cal_line *last)
{
	struct pb_store_cal_line l;
	struct hist_ctx h = { &l, 1, 0 };
	int rc = pb_store_q(s, "SELECT " LINE_COLS " FROM calibration c WHERE "
	    "c.serial = ? AND c.verdict = 'PASS' ORDER BY c.finished_utc "
	    "DESC, c.id DESC LIMIT 1", (struct pb_sp[]){ pb_sp_text(serial) },
	    1, hist_row, &h);
	if (rc != 0)
		return rc;
	if (h.n && last)
		*last = l;
	return h.n > 0;
}

/* ---- rig reservations ------------------------------------------------- */

static int rig_key(struct pb_store *s, const char *rig, int64_t *id)
{
	*id = 0;
	int rc = pb_store_q(s, "INSERT INTO rig (name) VALUES (?) ON CONFLICT "
	    "(name) DO NOTHING", (struct pb_sp[]){ pb_sp_text(rig) }, 1, NULL,
	    NULL);
	if (rc == 0)
		rc = pb_store_q(s, "SELECT id FROM rig WHERE name = ?",
		    (struct pb_sp[]){ pb_sp_text(rig) }, 1, one_int, id);
	if (rc == 0 && (*id <= 0 || *id > INT32_MAX))
		rc = pb_store_fail(s, PB_STORE_E_IO, "rig %.100s has no usable "
		    "key", rig);
	return rc;
}

static int find_held(const struct pb_store *s, const char *rig)
{
	for (int i = 0; i < s->nheld; i++)
		if (strcmp(s->held[i].rig, rig) == 0)
			return i;
	return -1;
}

int pb_store_rig_try(struct pb_store *s, const char *rig, const char *holder)
{
	if (s->ops->dialect != PB_SQL_PG)
		return pb_store_fail(s, PB_STORE_E_NOTSUP, "rig reservations "
		    "need a PostgreSQL store (one machine: the lock file)");
	if (rig == NULL || !rig[0] || strlen(rig) >= sizeof s->held[0].rig)
		return pb_store_fail(s, PB_STORE_E_ARG, "bad rig name");
	int h = find_held(s, rig);
	if (h >= 0 && s->held[h].generation == s->generation)
		return 1;
	if (h < 0 && s->nheld >= PB_STORE_MAX_HELD)
		return pb_store_fail(s, PB_STORE_E_ARG, "too many rigs held");
	int64_t id = 0, got = 0, res = 0;
	int rc = rig_key(s, rig, &id);
	if (rc == PB_STORE_E_CONN && s->ops->reconnect &&
	    s->ops->reconnect(s) == 0) {
		s->generation++;
		rc = rig_key(s, rig, &id);
	}
	if (rc == 0)
		rc = pb_store_q(s, "SELECT CASE WHEN pg_try_advisory_lock(?, ?) "
		    "THEN 1 ELSE 0 END", (struct pb_sp[]){
			pb_sp_int(PB_STORE_LOCK_RIG), pb_sp_int(id) }, 2,
		    one_int, &got);
	if (rc != 0 || !got)
		return rc != 0 ? rc : 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char host[PB_RECORD_NAME] = "";
	gethostname(host, sizeof host - 1);
	rc = pb_store_q(s, "INSERT INTO rig_reservation (rig_id, holder, host, "
	    "pid, backend_pid, since_utc) VALUES (?, ?, ?, ?, "
	    "pg_backend_pid(), ?) RETURNING id", (struct pb_sp[]){
		pb_sp_int(id), pb_sp_text(holder ? holder : ""),
		pb_sp_text(host), pb_sp_int(getpid()),
		pb_sp_ts((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000) },
	    5, one_int, &res);
	if (rc != 0) {
		pb_store_q(s, "SELECT pg_advisory_unlock(?, ?)",
		    (struct pb_sp[]){ pb_sp_int(PB_STORE_LOCK_RIG),
		    pb_sp_int(id) }, 2, NULL, NULL);
		return rc;
	}
	if (h < 0)
		h = s->nheld++;
	snprintf(s->held[h].rig, sizeof s->held[h].rig, "%s", rig);
	s->held[h].rig_id = id;
	s->held[h].reservation_id = res;
	s->held[h].generation = s->generation;
	return 1;
}

int pb_store_rig_reserve(struct pb_store *s, const char *rig,
    const char *holder, double timeout_s, bool (*cancel)(void))
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int rc = pb_store_rig_try(s, rig, holder);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return 0;
		if (cancel && cancel())
			return pb_store_fail(s, PB_STORE_E_CANCELLED, "stopped "
			    "waiting for rig %.100s", rig);
		clock_gettime(CLOCK_MONOTONIC, &t);
		double waited = (double)(t.tv_sec - t0.tv_sec) +
		    (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
		if (waited >= timeout_s) {
			struct pb_store_rig list[64];
			int n = pb_store_rig_list(s, list, 64);
			for (int i = 0; i < n && i < 64; i++)
				if (strcmp(list[i].rig, rig) == 0 &&
				    list[i].held)
					return pb_store_fail(s, PB_STORE_E_BUSY,
					    "rig %.100s is reserved by %.200s "
					    "(host %s, pid %lld) - gave up "
					    "after %.0f s", rig, list[i].holder,
					    list[i].host,
					    (long long)list[i].pid, timeout_s);
			return pb_store_fail(s, PB_STORE_E_BUSY, "rig %.100s "
			    "stayed reserved for %.0f s", rig, timeout_s);
		}
		struct timespec nap = { 0, 200 * 1000000L };
		nanosleep(&nap, NULL);
	}
}

int pb_store_rig_release(struct pb_store *s, const char *rig)
{
	int h = find_held(s, rig);
	if (h < 0)
		return 0;
	int rc = 0;
	if (s->held[h].generation == s->generation) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		rc = pb_store_q(s, "UPDATE rig_reservation SET released_utc = ? "
		    "WHERE id = ?", (struct pb_sp[]){
			pb_sp_ts((int64_t)now.tv_sec * 1000 +
			now.tv_nsec / 1000000),
			pb_sp_int(s->held[h].reservation_id) }, 2, NULL, NULL);
		int rc2 = pb_store_q(s, "SELECT pg_advisory_unlock(?, ?)",
		    (struct pb_sp[]){ pb_sp_int(PB_STORE_LOCK_RIG),
		    pb_sp_int(s->held[h].rig_id) }, 2, NULL, NULL);
		if (rc == 0)
			rc = rc2;
	}
	s->held[h] = s->held[--s->nheld];
	return rc;
}

int pb_store_rig_held(struct pb_store *s, const char *rig)
{
	int h = find_held(s, rig);
	if (h < 0 || s->held[h].generation != s->generation)
		return 0;
	int64_t n = 0;
	int rc = pb_store_q(s, "SELECT COUNT(*) FROM pg_locks WHERE locktype = "
	    "'advisory' AND granted AND pid = pg_backend_pid() AND "
	    "classid::bigint = ? AND objid::bigint = ? AND objsubid = 2",
	    (struct pb_sp[]){ pb_sp_int(PB_STORE_LOCK_RIG),
	    pb_sp_int(s->held[h].rig_id) }, 2, one_int, &n);
	return rc != 0 ? rc : n > 0;
}

struct list_ctx {
	struct pb_store_rig *out;
	int max, n;
};

static int list_row(void *ctx, int ncol, const char *const *col)
{
	struct list_ctx *l = ctx;
	if (ncol < 8)
		return 1;
	if (l->n < l->max) {
		struct pb_store_rig *r = &l->out[l->n];
		memset(r, 0, sizeof *r);
		pb_store_col_text(r->rig, sizeof r->rig, col[0]);
		r->held = col[1] != NULL;
		r->backend_pid = pb_store_col_int(col[1]);
		pb_store_col_text(r->client, sizeof r->client, col[2]);
		pb_store_col_text(r->holder, sizeof r->holder, col[3]);
		pb_store_col_text(r->host, sizeof r->host, col[4]);
		r->pid = pb_store_col_int(col[5]);
		r->since_ms = pb_store_col_int(col[6]);
	}
	l->n++;
	return 0;
}

int pb_store_rig_list(struct pb_store *s, struct pb_store_rig *out, int max)
{
	if (s->ops->dialect != PB_SQL_PG)
		return pb_store_fail(s, PB_STORE_E_NOTSUP, "rig reservations "
		    "need a PostgreSQL store");
	struct list_ctx l = { out, max, 0 };
	int rc = pb_store_q(s, "SELECT r.name, l.pid, "
	    "COALESCE(a.application_name, '') || COALESCE(' ' || "
	    "host(a.client_addr), ''), rr.holder, rr.host, rr.pid, "
	    "{MS:rr.since_utc}, r.id FROM rig r "
	    "LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted "
	    "AND l.classid::bigint = ? AND l.objid::bigint = r.id AND "
	    "l.objsubid = 2 "
	    "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
	    "LEFT JOIN rig_reservation rr ON rr.id = (SELECT MAX(x.id) FROM "
	    "rig_reservation x WHERE x.rig_id = r.id AND x.backend_pid = "
	    "l.pid AND x.released_utc IS NULL) ORDER BY r.name",
	    (struct pb_sp[]){ pb_sp_int(PB_STORE_LOCK_RIG) }, 1, list_row, &l);
	return rc != 0 ? rc : l.n;
}
