/*
 * hil/records.h - pumphil and the factory records store.
 *
 * Promise:
 * - pb_hil_store_open(): the store pumphil writes to or reads from, from
 *   --db, else $PUMPBENCH_DB, else the default SQLite file (whose
 *   directory is made); one line of error that says where and what to do.
 * - pb_hil_runrec_build(): a finished `pumphil run` report as a HIL run
 *   record (store/record.h): every case with its outcome, failure text,
 *   requirement IDs, duration, and every measurement of every attempt
 *   with its limits.  Pure.
 * - pb_hil_run(): `pumphil run` with records: the store is opened (and on
 *   PostgreSQL the rig reserved: an ftdi rig, or the first free rig of a
 *   --rig-pool) before the rig is touched, so a store that does not
 *   answer stops the run before it starts; the run is recorded in one
 *   transaction when it ends, before the closing line; a record that
 *   cannot be written makes the run an ERROR (unless a case FAILed).
 *   The rig and profile files' SHA-256 go into the record.
 */
#ifndef PB_HIL_RECORDS_H
#define PB_HIL_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hil/report.h"
#include "hil/rig.h"
#include "hil/runner.h"
#include "store/record.h"
#include "store/stationcfg.h"
#include "store/store.h"
#include "store/workflow.h"

/* Open the store (readonly: for queries; no migration, no file made). */
int pb_hil_store_open(const char *db_opt, bool readonly,
    struct pb_store **out, char *err, size_t errlen);

struct pb_hil_run_info {
	const char *build;        /* firmware build under test ("": the
	                             DUT's firmware version) */
	const char *station;      /* "" = the host */
	const char *operator_id;
	const char *rig_name;
	const char *rig_sha256;
	uint64_t    seed;
};

struct pb_hil_runrec {
	struct pb_record_run   run;
	struct pb_record_case *cases;
	struct pb_record_meas *meas;
	size_t                 nmeas;
};

/* Build the record (run_id fresh).  0, or -1 when out of memory. */
int  pb_hil_runrec_build(const struct pb_report *rep,
    const struct pb_hil_run_info *info, struct pb_hil_runrec *out);
void pb_hil_runrec_free(struct pb_hil_runrec *r);

struct pb_hil_rec_opts {
	const char *db;           /* --db (NULL: $PUMPBENCH_DB or default) */
	bool        no_record;    /* --no-record */
	const char *build;        /* --build (NULL: $PUMPBENCH_BUILD) */
	const char *station;      /* --station */
	const char *operator_id;  /* --operator */
	const char *pool;         /* --rig-pool A,B,... (PostgreSQL) */
};

/* `pumphil run`, recorded.  Same exit status as pb_runner_run. */
int pb_hil_run(const struct pb_runner_opts *o,
    const struct pb_hil_rec_opts *ro, char *const *files, int n,
    struct pb_report *rep);

/* ---- a calibration station (pumphil calibrate) ---------------------- */

struct pb_hil_cal_run_opts;
struct pb_device_info;

struct pb_hil_station {
	bool   have_cfg;
	struct pb_stationcfg cfg;     /* --station-config */
	char   station[PB_STATION_NAME_MAX + 1];
	char   key_path[1024];
	char   operator_id[PB_WF_OPERATOR_MAX + 1];
	char   serial[PB_WF_SERIAL_MAX + 1];
	char   gauge_warning[200];    /* the gauge falls due soon ("" no) */
	bool   recal;
	char   recal_reason[200];
	struct pb_store *store;
	char   rig_key[192];          /* reserved in the store ("" none) */
};

/* Before anything is opened: the station config (name, key path), the
 * reference gauge's due date, the recalibration reason.  0, or -1 with
 * the reason in err. */
int  pb_hil_station_begin(struct pb_hil_station *st,
    const struct pb_hil_cal_run_opts *o, char *err, size_t errlen);
/* Then, once the key is known to be usable: the operator and the unit
 * serial (asked on the terminal, or read as a line from stdin, when not
 * given) and the records store (opened and migrated: a store that does
 * not answer, refuses the login, takes no writes or is newer than this
 * program refuses the run here; a unit that already passed is refused
 * without --recal).  0, or -1 with the reason in err. */
int  pb_hil_station_open(struct pb_hil_station *st,
    const struct pb_hil_cal_run_opts *o, char *err, size_t errlen);
/* On PostgreSQL, reserve a bench (ftdi) for the run (waits up to
 * timeout_s).  0, or -1 with err. */
int  pb_hil_station_reserve(struct pb_hil_station *st,
    const struct pb_rig *rig, double timeout_s, char *err, size_t errlen);
/* After HELLO, before the unit is touched: the unit is the scanned one,
 * and one that passed is calibrated again only with --recal.  0 or -1. */
int  pb_hil_station_check_unit(struct pb_hil_station *st,
    const struct pb_device_info *info, char *err, size_t errlen);
void pb_hil_station_end(struct pb_hil_station *st);

/* The key a rig is reserved under: "ftdi:SERIAL" for a bench (one
 * FT232H is one bench, whatever its rig file is called), "sim:NAME" for
 * a simulated rig. */
void pb_hil_rig_key(const struct pb_rig *rig, char *out, size_t n);

#endif
