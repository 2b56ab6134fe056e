/*
 * store/store.h - the factory records store: one interface, SQLite or
 * PostgreSQL behind it.
 *
 * Promise: pb_store_open() takes a spec (store/url.h) and opens the
 * backend it names: a SQLite file (libsqlite3: WAL, a busy timeout,
 * synchronous=FULL, BEGIN IMMEDIATE for every write, so several processes
 * on one machine write safely) or a PostgreSQL server (libpq: connect
 * and TCP timeouts, so a server that does not answer is an error, not a
 * hang).  On open it brings the schema (store/schema.h) up to date, each
 * migration in one transaction with its schema_version row, serialised
 * between processes that open at the same moment, and refuses a database
 * whose schema is newer than this program knows, changing nothing.
 *
 * Every record (store/record.h) is written in one transaction: after a
 * kill -9 at any point, or a failed write, the database holds the whole
 * record or none of it.  Errors are one line, name the store (a
 * PostgreSQL password is never shown) and say what to do; the code says
 * what kind of failure it was (unreachable, wrong password, read-only,
 * disk full, busy, newer schema).
 *
 * Rig reservations: on PostgreSQL a rig is reserved with an advisory
 * lock keyed on the rig (one key per rig name, from the rig table), held
 * by this connection: the server drops it when the holder's connection
 * ends, even by a crash.  SQLite has none (PB_STORE_E_NOTSUP): one
 * machine uses the flock of hil/lock.h.
 *
 * A struct pb_store is used by one thread at a time.
 */
#ifndef PB_STORE_STORE_H
#define PB_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/record.h"
#include "store/url.h"

enum pb_store_err {
	PB_STORE_OK = 0,
	PB_STORE_E_ARG = -1,       /* bad spec or record (nothing written) */
	PB_STORE_E_OPEN = -2,      /* cannot open the file / reach the server */
	PB_STORE_E_AUTH = -3,      /* the server refused the login */
	PB_STORE_E_SCHEMA = -4,    /* newer schema, or a migration failed */
	PB_STORE_E_READONLY = -5,  /* the store takes no writes */
	PB_STORE_E_FULL = -6,      /* disk full */
	PB_STORE_E_BUSY = -7,      /* another writer held the lock too long */
	PB_STORE_E_DUP = -8,       /* a record with this id exists */
	PB_STORE_E_IO = -9,        /* any other database failure */
	PB_STORE_E_CONN = -10,     /* the server connection was lost */
	PB_STORE_E_NOTSUP = -11,   /* not on this backend */
	PB_STORE_E_MEM = -12,
	PB_STORE_E_NOENT = -13,    /* no such record */
	PB_STORE_E_CANCELLED = -14
};

struct pb_store_opts {
	int  busy_timeout_ms;     /* SQLite: wait for a writer (0: 10000) */
	int  connect_timeout_s;   /* PostgreSQL (0: 10; the URL's wins) */
	bool readonly;            /* queries only: no migration, no writes */
	const char *app_name;     /* shown in pg_stat_activity */
	bool create_dirs;         /* SQLite: create the file's directory */
};

struct pb_store;

/* Open and migrate.  On failure *out is NULL and err holds one line. */
int pb_store_open(const char *spec, const struct pb_store_opts *o,
    struct pb_store **out, char *err, size_t errlen);
void pb_store_close(struct pb_store *s);

/* The store as shown in messages: a path, or the URL without password. */
const char *pb_store_name(const struct pb_store *s);
enum pb_store_kind pb_store_backend(const struct pb_store *s);
int pb_store_schema_version(const struct pb_store *s);
/* The last error (one line), "" when none. */
const char *pb_store_error(const struct pb_store *s);
const char *pb_store_strerror(int err);

/* The spec to use: --db if given, else $PUMPBENCH_DB, else the default
 * SQLite file (store/url.h).  0 or -1 with err. */
int pb_store_resolve_spec(const char *db_opt, char *out, size_t outlen,
    bool *is_default, char *err, size_t errlen);

/* ---- writing (each one transaction) -------------------------------- */

/* Mark a calibration as started (before the unit is touched). */
int pb_store_cal_begin(struct pb_store *s, const struct pb_record_cal_open *o);
/* Drop the mark of a calibration that never touched the unit. */
int pb_store_cal_abandon(struct pb_store *s, const char *record_id);
/* The calibration record, its channels, points, verification and
 * certificate files, and the removal of its open mark.  *id (may be
 * NULL) gets the database row id.  A record whose id exists already is
 * replaced whole in the same transaction: the run's final result takes
 * the place of the PASS it stored first, and a retry after a lost commit
 * answer writes the same record again. */
int pb_store_put_cal(struct pb_store *s, const struct pb_record_cal *c,
    int64_t *id);
int pb_store_put_run(struct pb_store *s, const struct pb_record_run *r,
    int64_t *id);
int pb_store_put_session(struct pb_store *s,
    const struct pb_record_session *r, int64_t *id);

/* ---- reading -------------------------------------------------------- */

/* A whole calibration record by record id. */
int pb_store_get_cal(struct pb_store *s, const char *record_id,
    struct pb_record_cal *out);

/* A unit's calibration history, oldest first: one line per record. */
struct pb_store_cal_line {
	char    record_id[PB_RECORD_ID_LEN];
	int64_t finished_ms;
	char    station[PB_RECORD_NAME];
	char    operator_id[PB_RECORD_NAME];
	char    gauge_id[PB_RECORD_NAME];
	char    verdict[8];
	bool    recal;
	uint32_t cal_id;          /* written (0: none) */
	double  max_residual_mmhg;   /* worst channel (NAN: no fit) */
	double  max_verify_mmhg;     /* worst |verify error| (NAN: none) */
	char    reason[160];
};
/* Up to max lines (the newest when there are more); returns how many
 * records the unit has in all (>= 0) or an error. */
int pb_store_unit_history(struct pb_store *s, const char *serial,
    struct pb_store_cal_line *out, int max);
/* Whether the unit has a PASS on record; last (may be NULL) gets the
 * latest PASS.  1 yes, 0 no, < 0 error. */
int pb_store_unit_passed(struct pb_store *s, const char *serial,
    struct pb_store_cal_line *last);

/* ---- rig reservations (PostgreSQL) --------------------------------- */

struct pb_store_rig {
	char    rig[128];
	bool    held;
	char    holder[256];      /* who: as given by the holder */
	char    host[PB_RECORD_NAME];
	int64_t pid;              /* holder's process */
	int64_t backend_pid;      /* its server connection */
	char    client[64];       /* the server's view: application, address */
	int64_t since_ms;
};

/* Try to reserve rig now: 1 got it, 0 someone holds it, < 0 error. */
int pb_store_rig_try(struct pb_store *s, const char *rig,
    const char *holder);
/* Wait up to timeout_s for rig (polling; cancel, if given, is asked
 * between tries).  PB_STORE_OK, PB_STORE_E_BUSY with the holder in the
 * error, PB_STORE_E_CANCELLED, or an error. */
int pb_store_rig_reserve(struct pb_store *s, const char *rig,
    const char *holder, double timeout_s, bool (*cancel)(void));
int pb_store_rig_release(struct pb_store *s, const char *rig);
/* 1 while this connection still holds rig (a connection that was lost
 * and made again has lost its reservations), 0 not, < 0 error. */
int pb_store_rig_held(struct pb_store *s, const char *rig);
/* Every rig the store knows, with its holder; returns the count (may
 * exceed max) or an error. */
int pb_store_rig_list(struct pb_store *s, struct pb_store_rig *out, int max);

#endif
