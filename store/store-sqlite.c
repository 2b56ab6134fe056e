/*
 * store/store-sqlite.c - the SQLite backend of the records store.
 *
 * One file; WAL so readers never block the writer and a kill -9 leaves
 * the last committed transaction; synchronous=FULL so a committed record
 * survives a power cut too; BEGIN IMMEDIATE so a writer takes the write
 * lock before it reads (a plain BEGIN that reads, then writes after
 * another process committed, fails with SQLITE_BUSY_SNAPSHOT whatever the
 * busy timeout); foreign keys on.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "base/file.h"
#include "base/isotime.h"
#include "store/store-impl.h"

#define MAX_COLS 64

static int lite_fail(struct pb_store *s, int rc, const char *what)
{
	sqlite3 *db = s->db;
	const char *m = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int code;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return pb_store_fail(s, PB_STORE_E_BUSY, "%s: another process "
		    "kept the records file locked for longer than %d ms (%s)",
		    what, s->opts.busy_timeout_ms, m);
	case SQLITE_FULL:
		return pb_store_fail(s, PB_STORE_E_FULL, "%s: disk full (%s)",
		    what, m);
	case SQLITE_READONLY:
		return pb_store_fail(s, PB_STORE_E_READONLY, "%s: the records "
		    "file is read-only (%s)", what, m);
	case SQLITE_CONSTRAINT:
		code = rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY ? PB_STORE_E_DUP :
		    PB_STORE_E_IO;
		break;
	case SQLITE_CANTOPEN:
		code = PB_STORE_E_OPEN;
		break;
	case SQLITE_NOTADB:
		return pb_store_fail(s, PB_STORE_E_OPEN, "%s: not a SQLite "
		    "database", what);
	case SQLITE_NOMEM:
		code = PB_STORE_E_MEM;
		break;
	default:
		code = PB_STORE_E_IO;
		break;
	}
	return pb_store_fail(s, code, "%s: %s", what, m);
}

/* Waiting for another writer.  SQLite's own busy timeout sleeps in
 * growing steps up to 100 ms, so with many writers one can starve for
 * seconds while others take the lock again and again; this one naps 0.5
 * to 2 ms (jittered) until the timeout, which keeps the writers' turns
 * close to first come, first served. */
static int on_busy(void *ctx, int count)
{
	struct pb_store *s = ctx;
	struct pb_store_busy *b = &s->busy;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0) {
		b->since = now;
		b->seed ^= (unsigned)now.tv_nsec;
	}
	long ms = (now.tv_sec - b->since.tv_sec) * 1000 +
	    (now.tv_nsec - b->since.tv_nsec) / 1000000;
	if (ms >= s->opts.busy_timeout_ms)
		return 0;
	b->seed = b->seed * 1103515245u + 12345u;
	struct timespec nap = { 0, 500000L + (long)(b->seed >> 16) % 1500000L };
	nanosleep(&nap, NULL);
	return 1;
}

/* one statement without parameters, rows ignored */
static int lite_exec(struct pb_store *s, const char *sql)
{
	char *m = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &m);
	sqlite3_free(m);
	return rc == SQLITE_OK ? 0 : lite_fail(s, rc, sql);
}

static int lite_open(struct pb_store *s, const struct pb_store_opts *o)
{
	const char *path = s->url.target;
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return pb_store_fail(s, PB_STORE_E_OPEN, "not a regular "
			    "file (%s)", pb_file_kind(st.st_mode));
	} else if (errno != ENOENT) {
		return pb_store_fail(s, PB_STORE_E_OPEN, "%s", strerror(errno));
	} else if (o->readonly) {
		return pb_store_fail(s, PB_STORE_E_NOENT, "no such file (no "
		    "records written here yet)");
	} else {
		char dir[PB_STORE_SPEC_MAX + 1];
		snprintf(dir, sizeof dir, "%s", path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (stat(dir, &st) != 0) {
				if (!o->create_dirs)
					return pb_store_fail(s, PB_STORE_E_OPEN,
					    "directory %s does not exist", dir);
				for (char *p = dir + 1; ; p++) {
					if (*p != '/' && *p != '\0')
						continue;
					char c = *p;
					*p = '\0';
					if (mkdir(dir, 0700) != 0 &&
					    errno != EEXIST)
						return pb_store_fail(s,
						    errno == ENOSPC ? PB_STORE_E_FULL :
						    errno == EROFS ?
						    PB_STORE_E_READONLY :
						    PB_STORE_E_OPEN, "cannot "
						    "create %s: %s", dir,
						    strerror(errno));
					*p = c;
					if (c == '\0')
						break;
				}
			} else if (!S_ISDIR(st.st_mode)) {
				return pb_store_fail(s, PB_STORE_E_OPEN, "%s is "
				    "not a directory", dir);
			}
		}
	}
	sqlite3 *db = NULL;
	int flags = o->readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL);
	s->db = db;
	if (rc != SQLITE_OK) {
		rc = lite_fail(s, rc, "open");
		sqlite3_close(db);
		s->db = NULL;
		return rc;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_handler(db, on_busy, s);
	/* the file is opened lazily: read its header now */
	rc = lite_exec(s, "PRAGMA schema_version");
	if (rc == 0 && !o->readonly && sqlite3_db_readonly(db, "main") == 1)
		rc = pb_store_fail(s, PB_STORE_E_READONLY, "the records file "
		    "is read-only (permissions or a read-only file system)");
	if (rc == 0 && !o->readonly) {
		sqlite3_stmt *q = NULL;
		rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &q,
		    NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			const char *mode =
			    (const char *)sqlite3_column_text(q, 0);
			rc = mode && strcmp(mode, "wal") == 0 ? 0 :
			    pb_store_fail(s, PB_STORE_E_IO, "cannot use WAL "
			    "mode here (journal mode stays %s)",
			    mode ? mode : "?");
		} else {
			rc = lite_fail(s, rc, "journal_mode=WAL");
		}
		sqlite3_finalize(q);
	}
	if (rc == 0)
		rc = lite_exec(s, "PRAGMA synchronous=FULL");
	if (rc == 0)
		rc = lite_exec(s, "PRAGMA foreign_keys=ON");
	if (rc != 0) {
		sqlite3_close(db);
		s->db = NULL;
	}
	return rc;
}

static void lite_close(struct pb_store *s)
{
	if (s->db)
		sqlite3_close(s->db);
	s->db = NULL;
}

static int lite_run(struct pb_store *s, const char *sql,
    const struct pb_sp *p, int np, pb_store_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return lite_fail(s, rc, "prepare");
	for (int i = 0; i < np && rc == SQLITE_OK; i++) {
		char iso[40];
		switch (p[i].t) {
		case PB_SP_TEXT:
			rc = sqlite3_bind_text(st, i + 1, p[i].s ? p[i].s : "",
			    -1, SQLITE_TRANSIENT);
			break;
		case PB_SP_INT:
		case PB_SP_BOOL:
			rc = sqlite3_bind_int64(st, i + 1, p[i].t == PB_SP_BOOL ?
			    p[i].i != 0 : p[i].i);
			break;
		case PB_SP_REAL:
			rc = isfinite(p[i].d) ?
			    sqlite3_bind_double(st, i + 1, p[i].d) :
			    sqlite3_bind_null(st, i + 1);
			break;
		case PB_SP_TS:
			pb_isotime(p[i].i, PB_ISO_UTC_MS, iso, sizeof iso);
			rc = sqlite3_bind_text(st, i + 1, iso, -1,
			    SQLITE_TRANSIENT);
			break;
		default:
			rc = sqlite3_bind_null(st, i + 1);
			break;
		}
	}
	if (rc != SQLITE_OK) {
		rc = lite_fail(s, rc, "bind");
		sqlite3_finalize(st);
		return rc;
	}
	bool stop = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn == NULL || stop)
			continue;
		int n = sqlite3_column_count(st);
		if (n > MAX_COLS)
			n = MAX_COLS;
		char num[MAX_COLS][32];
		const char *col[MAX_COLS];
		for (int i = 0; i < n; i++) {
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				col[i] = NULL;
				break;
			case SQLITE_INTEGER:
				snprintf(num[i], sizeof num[i], "%lld",
				    (long long)sqlite3_column_int64(st, i));
				col[i] = num[i];
				break;
			case SQLITE_FLOAT:
				snprintf(num[i], sizeof num[i], "%.17g",
				    sqlite3_column_double(st, i));
				col[i] = num[i];
				break;
			default:
				col[i] = (const char *)sqlite3_column_text(st, i);
				if (col[i] == NULL)
					col[i] = "";
				break;
			}
		}
		if (fn(ctx, n, col) != 0)
			stop = true;
	}
	if (rc != SQLITE_DONE) {
		rc = lite_fail(s, rc, "step");
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return 0;
}

static int lite_begin(struct pb_store *s)
{
	return lite_exec(s, "BEGIN IMMEDIATE");
}

static int lite_commit(struct pb_store *s)
{
	return lite_exec(s, "COMMIT");
}

static void lite_rollback(struct pb_store *s)
{
	if (s->db && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

const struct pb_store_ops pb_store_sqlite_ops = {
	.name = "sqlite",
	.dialect = PB_SQL_SQLITE,
	.open = lite_open,
	.close = lite_close,
	.run = lite_run,
	.begin = lite_begin,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.reconnect = NULL,
};
