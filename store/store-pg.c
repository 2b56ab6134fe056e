/*
 * store/store-pg.c - the PostgreSQL backend of the records store (libpq).
 *
 * Connection defaults go before the URL in PQconnectdbParams(), so a
 * value the URL gives wins: connect_timeout 10 s, TCP keepalives (a dead
 * peer's advisory locks go within about a minute) and tcp_user_timeout
 * 30 s (a write to a server that vanished fails instead of hanging).
 * The session runs in UTC with ISO dates and UTF-8.  Parameters travel
 * as text; the server infers their types from the columns.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/isotime.h"
#include "store/store-impl.h"

#define MAX_PARAMS 64
#define MAX_COLS   64

/* libpq's multi-line message as one line */
static void one_line(char *dst, size_t n, const char *src)
{
	size_t o = 0;
	bool space = false;
	for (; src && *src && o + 1 < n; src++) {
		if (isspace((unsigned char)*src)) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < n)
			dst[o++] = ' ';
		space = false;
		dst[o++] = *src;
	}
	dst[o] = '\0';
}

static int conn_fail(struct pb_store *s, PGconn *c)
{
	char m[700];
	one_line(m, sizeof m, c ? PQerrorMessage(c) : "out of memory");
	if (strstr(m, "password authentication failed") ||
	    strstr(m, "no password supplied") ||
	    strstr(m, "authentication failed") ||
	    strstr(m, "no pg_hba.conf entry"))
		return pb_store_fail(s, PB_STORE_E_AUTH, "the server refused "
		    "the login (check the user and password): %s", m);
	if (strstr(m, "timeout expired"))
		return pb_store_fail(s, PB_STORE_E_OPEN, "no answer from the "
		    "server within the connect timeout (%s)", m);
	return pb_store_fail(s, PB_STORE_E_OPEN, "cannot connect: %s", m);
}

/* the server's notices ("relation exists, skipping" when two stations
 * migrate at once) are not for the operator's terminal */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int session_setup(struct pb_store *s)
{
	PGconn *c = s->db;
	PQsetNoticeProcessor(c, quiet, NULL);
	if (PQsetClientEncoding(c, "UTF8") != 0)
		return conn_fail(s, c);
	static const char *const setup[] = {
		"SET TimeZone = 'UTC'",
		"SET DateStyle = 'ISO, YMD'",
		"SET lock_timeout = '60s'",
	};
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
		PGresult *r = PQexec(c, setup[i]);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		if (!ok)
			return conn_fail(s, c);
	}
	if (s->opts.readonly) {
		PGresult *r = PQexec(c, "SET default_transaction_read_only "
		    "= on");
		PQclear(r);
	}
	return 0;
}

static int pg_connect(struct pb_store *s)
{
	char ct[16];
	snprintf(ct, sizeof ct, "%d", s->opts.connect_timeout_s);
	const char *kw[] = {
		"connect_timeout", "keepalives", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "tcp_user_timeout",
		"fallback_application_name", "dbname", NULL
	};
	const char *val[] = {
		ct, "1", "30", "10", "3", "30000",
		s->opts.app_name ? s->opts.app_name : "pumpbench",
		s->url.target, NULL
	};
	PGconn *c = PQconnectdbParams(kw, val, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		int rc = conn_fail(s, c);
		PQfinish(c);
		return rc;
	}
	s->db = c;
	int rc = session_setup(s);
	if (rc != 0) {
		PQfinish(c);
		s->db = NULL;
	}
	return rc;
}

static int pg_open(struct pb_store *s, const struct pb_store_opts *o)
{
	(void)o;
	return pg_connect(s);
}

static void pg_close(struct pb_store *s)
{
	if (s->db)
		PQfinish(s->db);
	s->db = NULL;
}

static int pg_reconnect(struct pb_store *s)
{
	pg_close(s);
	return pg_connect(s);
}

static int result_fail(struct pb_store *s, PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	char m[700];
	one_line(m, sizeof m, prim ? prim : PQerrorMessage(s->db));
	if (PQstatus(s->db) == CONNECTION_BAD ||
	    (state && strncmp(state, "08", 2) == 0) ||
	    (state && strncmp(state, "57P", 3) == 0))
		return pb_store_fail(s, PB_STORE_E_CONN, "lost the server "
		    "connection: %s", m);
	if (state == NULL)
		return pb_store_fail(s, PB_STORE_E_IO, "%s", m);
	if (strcmp(state, "23505") == 0)
		return pb_store_fail(s, PB_STORE_E_DUP, "%s", m);
	if (strcmp(state, "53100") == 0)
		return pb_store_fail(s, PB_STORE_E_FULL, "the server's disk is "
		    "full: %s", m);
	if (strcmp(state, "25006") == 0 || strcmp(state, "42501") == 0)
		return pb_store_fail(s, PB_STORE_E_READONLY, "the server "
		    "takes no writes from this user: %s", m);
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return pb_store_fail(s, PB_STORE_E_BUSY, "%s", m);
	if (strncmp(state, "53", 2) == 0)
		return pb_store_fail(s, PB_STORE_E_IO, "the server is out of "
		    "resources: %s", m);
	return pb_store_fail(s, PB_STORE_E_IO, "%s (SQLSTATE %s)", m, state);
}

static int pg_run(struct pb_store *s, const char *sql, const struct pb_sp *p,
    int np, pb_store_row_fn fn, void *ctx)
{
	if (np > MAX_PARAMS)
		return pb_store_fail(s, PB_STORE_E_ARG, "too many parameters");
	const char *vals[MAX_PARAMS];
	char buf[MAX_PARAMS][40];
	for (int i = 0; i < np; i++) {
		switch (p[i].t) {
		case PB_SP_TEXT:
			vals[i] = p[i].s ? p[i].s : "";
			break;
		case PB_SP_INT:
			snprintf(buf[i], sizeof buf[i], "%lld",
			    (long long)p[i].i);
			vals[i] = buf[i];
			break;
		case PB_SP_BOOL:
			vals[i] = p[i].i ? "true" : "false";
			break;
		case PB_SP_REAL:
			if (isfinite(p[i].d)) {
				snprintf(buf[i], sizeof buf[i], "%.17g",
				    p[i].d);
				vals[i] = buf[i];
			} else {
				vals[i] = NULL;
			}
			break;
		case PB_SP_TS:
			pb_isotime(p[i].i, PB_ISO_UTC_MS, buf[i],
			    sizeof buf[i]);
			vals[i] = buf[i];
			break;
		default:
			vals[i] = NULL;
			break;
		}
	}
	PGresult *r = PQexecParams(s->db, sql, np, NULL, vals, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int rc = result_fail(s, r);
		PQclear(r);
		return rc;
	}
	if (st == PGRES_TUPLES_OK && fn) {
		int rows = PQntuples(r), n = PQnfields(r);
		if (n > MAX_COLS)
			n = MAX_COLS;
		const char *col[MAX_COLS];
		for (int row = 0; row < rows; row++) {
			for (int i = 0; i < n; i++)
				col[i] = PQgetisnull(r, row, i) ? NULL :
				    PQgetvalue(r, row, i);
			if (fn(ctx, n, col) != 0)
				break;
		}
	}
	PQclear(r);
	return 0;
}

static int simple(struct pb_store *s, const char *sql)
{
	return pg_run(s, sql, NULL, 0, NULL, NULL);
}

static int pg_begin(struct pb_store *s)
{
	return simple(s, "BEGIN");
}

/* A COMMIT of a transaction the server had already failed answers
 * "ROLLBACK", not an error: that is a failure too. */
static int pg_commit(struct pb_store *s)
{
	PGresult *r = PQexec(s->db, "COMMIT");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = result_fail(s, r);
	else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
		rc = pb_store_fail(s, PB_STORE_E_IO, "the server rolled the "
		    "transaction back");
	PQclear(r);
	return rc;
}

static void pg_rollback(struct pb_store *s)
{
	if (s->db && PQtransactionStatus(s->db) != PQTRANS_IDLE) {
		PGresult *r = PQexec(s->db, "ROLLBACK");
		PQclear(r);
	}
}

const struct pb_store_ops pb_store_pg_ops = {
	.name = "postgresql",
	.dialect = PB_SQL_PG,
	.open = pg_open,
	.close = pg_close,
	.run = pg_run,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.reconnect = pg_reconnect,
};
