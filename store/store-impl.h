/*
 * store/store-impl.h - private: the inside of struct pb_store, shared by
 * the store (store.c, store-query.c) and its two backends
 * (store-sqlite.c, store-pg.c).  Nothing outside store/store*.c includes
 * this header.
 *
 * Promise: a backend is a thin adapter.  It runs one rendered statement
 * with typed parameters and hands each result row over as text columns
 * (NULL for SQL NULL); it opens and ends transactions; it turns its
 * library's errors into a PB_STORE_E_* code and one line in s->err.  All
 * SQL, all records and the schema live in store.c, written once for both.
 */
#ifndef PB_STORE_STORE_IMPL_H
#define PB_STORE_STORE_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "store/sql.h"
#include "store/store.h"

/* Advisory lock classes (PostgreSQL, the first int4 key). */
#define PB_STORE_LOCK_RIG    0x50425247   /* "PBRG": key 2 = rig.id */
#define PB_STORE_LOCK_SCHEMA 0x50425343   /* "PBSC": migrations */

enum pb_sp_type {
	PB_SP_NULL = 0,
	PB_SP_TEXT,     /* s (cleaned to valid UTF-8 by the store) */
	PB_SP_INT,      /* i */
	PB_SP_REAL,     /* d; not finite -> NULL */
	PB_SP_BOOL,     /* i != 0 */
	PB_SP_TS        /* i = Unix ms -> ISO 8601 UTC text */
};

struct pb_sp {
	enum pb_sp_type t;
	const char *s;
	int64_t i;
	double d;
};

/* A result row: ncol text columns, col[i] NULL for SQL NULL.  Return 0
 * to go on, non-zero to stop (the statement still succeeds). */
typedef int (*pb_store_row_fn)(void *ctx, int ncol, const char *const *col);

struct pb_store_ops {
	const char *name;
	enum pb_sql_dialect dialect;
	int  (*open)(struct pb_store *s, const struct pb_store_opts *o);
	void (*close)(struct pb_store *s);
	/* one rendered statement; rows to fn (may be NULL) */
	int  (*run)(struct pb_store *s, const char *sql, const struct pb_sp *p,
	    int np, pb_store_row_fn fn, void *ctx);
	int  (*begin)(struct pb_store *s);      /* a write transaction */
	int  (*commit)(struct pb_store *s);
	void (*rollback)(struct pb_store *s);
	/* the connection was lost: make it again (NULL: cannot) */
	int  (*reconnect)(struct pb_store *s);
};

#define PB_STORE_MAX_HELD 8

struct pb_store_busy {            /* SQLite: waiting for the write lock */
	struct timespec since;
	unsigned seed;
};

struct pb_store {
	const struct pb_store_ops *ops;
	struct pb_store_url url;
	struct pb_store_opts opts;
	void *db;                     /* sqlite3 * or PGconn * */
	int   schema_version;
	bool  in_tx;
	int   generation;             /* bumped by every reconnect */
	struct pb_store_busy busy;
	char  err[1024];
	/* rigs this connection holds */
	struct {
		char rig[128];
		int64_t rig_id, reservation_id;
		int generation;
	} held[PB_STORE_MAX_HELD];
	int nheld;
};

extern const struct pb_store_ops pb_store_sqlite_ops;
extern const struct pb_store_ops pb_store_pg_ops;

/* Set s->err ("<store>: " prefix added) and return code. */
int pb_store_fail(struct pb_store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Render a template in the backend's dialect and run it. */
int pb_store_q(struct pb_store *s, const char *tmpl, const struct pb_sp *p,
    int np, pb_store_row_fn fn, void *ctx);

/* Column helpers for row callbacks. */
int64_t pb_store_col_int(const char *c);       /* NULL -> 0 */
double  pb_store_col_real(const char *c);      /* NULL -> NAN */
bool    pb_store_col_bool(const char *c);      /* "1", "t", "true" */
void    pb_store_col_text(char *dst, size_t n, const char *c);

/* Parameter constructors. */
struct pb_sp pb_sp_text(const char *s);
struct pb_sp pb_sp_int(int64_t v);
struct pb_sp pb_sp_real(double v);
struct pb_sp pb_sp_bool(bool v);
struct pb_sp pb_sp_ts(int64_t unix_ms);
struct pb_sp pb_sp_null(void);

#endif
