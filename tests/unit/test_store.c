/* tests for store/store.c and its backends: the same tests on SQLite and
 * on a real, throwaway PostgreSQL server (tests/lib/pgtest); never a
 * mock.  Without the server binaries the PostgreSQL half is skipped with
 * a loud line, and the SQLite half still runs. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/schema.h"
#include "store/store.h"

enum { LITE = 0, PG = 1 };
static int backend;
static char pgdir[64];           /* the shared server's directory */
static char pgurl[256];
static char spec[1024];          /* this test's store */
static char tmpdir[128];
static int testno;

/* ---- per-test stores ---------------------------------------------- */

static void raw(const char *sql)
{
	if (backend == LITE) {
		sqlite3 *db;
		ck_assert_int_eq(sqlite3_open(spec, &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 10000);
		char *m = NULL;
		int rc = sqlite3_exec(db, sql, NULL, NULL, &m);
		ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, m ? m : "?");
		sqlite3_close(db);
	} else {
		PGconn *c = PQconnectdb(spec);
		ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
		PGresult *r = PQexec(c, sql);
		ExecStatusType st = PQresultStatus(r);
		ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK,
		    "%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
	}
}

static long long raw_count(const char *sql)
{
	long long n = -1;
	if (backend == LITE) {
		sqlite3 *db;
		sqlite3_stmt *st;
		ck_assert_int_eq(sqlite3_open(spec, &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 10000);
		ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
		    SQLITE_OK);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		sqlite3_close(db);
	} else {
		PGconn *c = PQconnectdb(spec);
		PGresult *r = PQexec(c, sql);
		ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s",
		    sql, PQerrorMessage(c));
		n = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
	}
	return n;
}

static void setup_lite(void)
{
	backend = LITE;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pb-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(spec, sizeof spec, "%s/records.db", tmpdir);
}

static void setup_pg(void)
{
	backend = PG;
	tmpdir[0] = '\0';
	/* one schema per test: isolated without a CREATE DATABASE */
	char schema[64];
	snprintf(schema, sizeof schema, "t%d_%d", (int)getpid(), ++testno);
	snprintf(spec, sizeof spec, "%s", pgurl);
	raw("SELECT 1");
	char sql[128];
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
	raw(sql);
	snprintf(spec, sizeof spec, "%s&options=-c%%20search_path%%3D%s",
	    pgurl, schema);
}

static void teardown(void)
{
	if (tmpdir[0]) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		ck_assert_int_eq(system(cmd), 0);
	}
}

static struct pb_store *open_ok(void)
{
	struct pb_store *s = NULL;
	char err[1024];
	struct pb_store_opts o = { .app_name = "test_store" };
	int rc = pb_store_open(spec, &o, &s, err, sizeof err);
	ck_assert_msg(rc == 0, "open %s: %d %s", spec, rc, err);
	return s;
}

/* ---- records ------------------------------------------------------- */

static void make_cal(struct pb_record_cal *c, const char *serial,
    const char *verdict, int64_t t)
{
	memset(c, 0, sizeof *c);
	ck_assert_int_eq(pb_record_new_id(c->record_id), 0);
	snprintf(c->serial, sizeof c->serial, "%s", serial);
	strcpy(c->profile, "s10pro");
	strcpy(c->firmware, "1.4.2");
	strcpy(c->station, "line-3");
	strcpy(c->operator_id, "op-7");
	strcpy(c->host, "station3");
	strcpy(c->gauge_id, "GAUGE-0042");
	strcpy(c->gauge_due, "2027-06-30");
	strcpy(c->reference, "Fluke 700G05");
	snprintf(c->verdict, sizeof c->verdict, "%s", verdict);
	if (strcmp(verdict, "PASS") != 0)
		strcpy(c->reason, "residual 3.4 mmHg at 250 mmHg");
	strcpy(c->tool_version, "test");
	c->started_ms = t;
	c->finished_ms = t + 61234;
	c->channels = 2;
	bool pass = strcmp(verdict, "PASS") == 0;
	for (int ch = 0; ch < 2; ch++) {
		struct pb_record_channel *k = &c->ch[ch];
		k->order = 2;
		k->c[0] = -31.25 + ch;
		k->c[1] = 0.123456789012345;
		k->c[2] = 1.5e-6;
		k->max_residual_mmhg = 0.8;
		k->rms_residual_mmhg = 0.4;
		k->accepted = true;
		k->had_old = ch == 0;
		k->old_cal_id = 4;
		k->old_order = 1;
		k->old_c[0] = -30;
		k->old_c[1] = 0.12;
		k->old_c[2] = 0;
		k->written = pass;
		k->new_cal_id = pass ? 5 : 0;
		k->asfound_zero_mmhg = ch == 0 ? 1.75 : NAN;
		k->npoints = 5;
		for (int i = 0; i < 5; i++) {
			struct pb_record_point *p = &k->point[i];
			p->target_mmhg = i * 75.0;
			p->raw_counts = 400 + i * 600.5;
			p->raw_sd = 1.25;
			p->samples = 1000 + i;
			p->reference_mmhg = i * 75.0 + 0.3;
			p->residual_mmhg = (i - 2) * 0.2;
			p->limit_mmhg = 3;
			p->pass = i == 4 ? -1 : 1;
			p->asfound_mmhg = i * 75.0 + 2;
		}
		k->nverify = 2;
		for (int i = 0; i < 2; i++) {
			struct pb_record_verify *v = &k->verify[i];
			v->target_mmhg = 100 * (i + 1);
			v->reference_mmhg = v->target_mmhg + 0.1;
			v->device_mmhg = v->target_mmhg - 0.4;
			v->error_mmhg = -0.5;
			v->limit_mmhg = 3;
			v->pass = true;
		}
	}
	c->ncerts = 3;
	const char *fmt[3] = { "html", "json", "txt" };
	for (int i = 0; i < 3; i++) {
		snprintf(c->cert[i].format, sizeof c->cert[i].format, "%s",
		    fmt[i]);
		snprintf(c->cert[i].path, sizeof c->cert[i].path,
		    "/certs/cal-%s.%s", serial, fmt[i]);
		memset(c->cert[i].sha256, 'a' + i, 64);
		c->cert[i].bytes = 1000 + i;
	}
}

static bool same_real(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* the whole record comes back exactly */
START_TEST(cal_round_trip)
{
	struct pb_store *s = open_ok();
	ck_assert_int_eq(pb_store_schema_version(s), PB_SCHEMA_VERSION);
	struct pb_record_cal c, back;
	make_cal(&c, "PS1234", "PASS", 1764800000123);
	int64_t id = 0;
	ck_assert_int_eq(pb_store_put_cal(s, &c, &id), 0);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(pb_store_get_cal(s, c.record_id, &back), 0);
	ck_assert_str_eq(back.record_id, c.record_id);
	ck_assert_str_eq(back.serial, "PS1234");
	ck_assert_str_eq(back.gauge_due, "2027-06-30");
	ck_assert_str_eq(back.gauge_id, "GAUGE-0042");
	ck_assert_str_eq(back.operator_id, "op-7");
	ck_assert_str_eq(back.verdict, "PASS");
	ck_assert_int_eq(back.started_ms, c.started_ms);
	ck_assert_int_eq(back.finished_ms, c.finished_ms);
	ck_assert_int_eq(back.channels, 2);
	for (int ch = 0; ch < 2; ch++) {
		const struct pb_record_channel *a = &c.ch[ch], *b = &back.ch[ch];
		ck_assert_int_eq(b->order, 2);
		for (int i = 0; i < 3; i++) {
			ck_assert(same_real(a->c[i], b->c[i]));
			if (a->had_old)
				ck_assert(same_real(a->old_c[i], b->old_c[i]));
		}
		ck_assert_int_eq(b->had_old, a->had_old);
		ck_assert_int_eq(b->written, true);
		ck_assert_int_eq(b->new_cal_id, 5);
		ck_assert(same_real(a->asfound_zero_mmhg, b->asfound_zero_mmhg));
		ck_assert_int_eq(b->npoints, 5);
		for (int i = 0; i < 5; i++) {
			ck_assert(same_real(a->point[i].raw_counts,
			    b->point[i].raw_counts));
			ck_assert(same_real(a->point[i].residual_mmhg,
			    b->point[i].residual_mmhg));
			ck_assert_int_eq(a->point[i].pass, b->point[i].pass);
			ck_assert_int_eq(a->point[i].samples,
			    b->point[i].samples);
		}
		ck_assert_int_eq(b->nverify, 2);
		ck_assert(same_real(b->verify[1].error_mmhg, -0.5));
	}
	ck_assert_int_eq(back.ncerts, 3);
	ck_assert_str_eq(back.cert[1].format, "json");
	ck_assert_str_eq(back.cert[1].sha256, c.cert[1].sha256);
	ck_assert_int_eq(back.cert[2].bytes, 1002);
	ck_assert_int_eq(pb_store_get_cal(s, "00000000-0000-4000-8000-"
	    "000000000000", &back), PB_STORE_E_NOENT);
	pb_store_close(s);
	/* a second open finds the schema and changes nothing */
	s = open_ok();
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM schema_version"), 1);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration"), 1);
	pb_store_close(s);
}
END_TEST

/* the same run's later result replaces its earlier one, whole */
START_TEST(same_id_replaces)
{
	struct pb_store *s = open_ok();
	struct pb_record_cal c, back;
	make_cal(&c, "PS1", "PASS", 1764800000000);
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	make_cal(&back, "PS1", "ERROR", 1764800000000);
	strcpy(back.record_id, c.record_id);
	back.channels = 1;
	back.ncerts = 1;
	strcpy(back.reason, "records: the certificate could not be written");
	ck_assert_int_eq(pb_store_put_cal(s, &back, NULL), 0);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration"), 1);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_point"),
	    5);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM certificate_file"),
	    1);
	ck_assert_int_eq(pb_store_get_cal(s, c.record_id, &c), 0);
	ck_assert_str_eq(c.verdict, "ERROR");
	ck_assert_int_eq(c.channels, 1);
	pb_store_close(s);
}
END_TEST

/* A failure at the record's last statement leaves nothing of it.  The
 * trigger stands in for a disk that fills up mid-record; without the
 * transaction the calibration, its channels and points would stay. */
START_TEST(failed_write_leaves_nothing)
{
	struct pb_store *s = open_ok();
	if (backend == LITE)
		raw("CREATE TRIGGER boom BEFORE INSERT ON certificate_file "
		    "WHEN NEW.path = 'boom' BEGIN SELECT RAISE(ABORT, "
		    "'boom'); END");
	else
		raw("CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql "
		    "AS $$ BEGIN IF NEW.path = 'boom' THEN RAISE EXCEPTION "
		    "'boom'; END IF; RETURN NEW; END $$; CREATE TRIGGER boom "
		    "BEFORE INSERT ON certificate_file FOR EACH ROW EXECUTE "
		    "FUNCTION boom()");
	struct pb_record_cal c;
	make_cal(&c, "PS9", "PASS", 1764800000000);
	struct pb_record_cal_open o = { .pid = 42, .started_ms = 1 };
	strcpy(o.record_id, c.record_id);
	strcpy(o.serial, "PS9");
	strcpy(o.station, "line-3");
	strcpy(o.operator_id, "op");
	strcpy(o.host, "h");
	ck_assert_int_eq(pb_store_cal_begin(s, &o), 0);
	strcpy(c.cert[2].path, "boom");
	int rc = pb_store_put_cal(s, &c, NULL);
	ck_assert_int_ne(rc, 0);
	ck_assert_ptr_nonnull(strstr(pb_store_error(s), "boom"));
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration"), 0);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_channel"),
	    0);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_point"),
	    0);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM certificate_file"),
	    0);
	/* the open mark stays: the run is visibly unrecorded */
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_open"),
	    1);
	/* and the same record, fixed, lands whole and clears the mark */
	strcpy(c.cert[2].path, "/certs/ok.txt");
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_point"),
	    10);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_open"),
	    0);
	pb_store_close(s);
}
END_TEST

START_TEST(newer_schema_refused)
{
	struct pb_store *s = open_ok();
	pb_store_close(s);
	raw("INSERT INTO schema_version (version, applied_utc, tool_version) "
	    "VALUES (99, '2030-01-01T00:00:00.000Z', 'future')");
	char err[1024];
	s = NULL;
	int rc = pb_store_open(spec, NULL, &s, err, sizeof err);
	ck_assert_int_eq(rc, PB_STORE_E_SCHEMA);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "schema version 99") &&
	    strstr(err, "update pumpbench"), "%s", err);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM schema_version"), 2);
	/* read-only opens refuse it the same way */
	struct pb_store_opts ro = { .readonly = true };
	ck_assert_int_eq(pb_store_open(spec, &ro, &s, err, sizeof err),
	    PB_STORE_E_SCHEMA);
}
END_TEST

START_TEST(history_and_passed)
{
	struct pb_store *s = open_ok();
	struct pb_record_cal c;
	make_cal(&c, "PS77", "FAIL", 1764800000000);
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	struct pb_store_cal_line last;
	ck_assert_int_eq(pb_store_unit_passed(s, "PS77", &last), 0);
	make_cal(&c, "PS77", "PASS", 1764800100000);
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	make_cal(&c, "PS78", "PASS", 1764800200000);
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	make_cal(&c, "PS77", "PASS", 1764800300000);
	c.recal = true;
	strcpy(c.recal_reason, "dropped on the floor");
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	ck_assert_int_eq(pb_store_unit_passed(s, "PS77", &last), 1);
	ck_assert_int_eq(last.finished_ms, 1764800300000 + 61234);
	ck_assert(last.recal);
	ck_assert_int_eq(last.cal_id, 5);
	struct pb_store_cal_line h[2];
	ck_assert_int_eq(pb_store_unit_history(s, "PS77", h, 2), 3);
	/* the newest two, oldest first */
	ck_assert_int_eq(h[0].finished_ms, 1764800100000 + 61234);
	ck_assert_int_eq(h[1].finished_ms, 1764800300000 + 61234);
	ck_assert_str_eq(h[0].station, "line-3");
	ck_assert(fabs(h[0].max_verify_mmhg - 0.5) < 1e-12);
	ck_assert(fabs(h[0].max_residual_mmhg - 0.8) < 1e-12);
	ck_assert_int_eq(pb_store_unit_history(s, "nobody", h, 2), 0);
	pb_store_close(s);
}
END_TEST

/* text from outside (a serial typed on a scanner, a Lua failure text)
 * is stored as valid UTF-8 without terminal escapes */
START_TEST(hostile_text_cleaned)
{
	struct pb_store *s = open_ok();
	struct pb_record_cal c, back;
	make_cal(&c, "PS\x1b[2J\xff", "FAIL", 1764800000000);
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	ck_assert_int_eq(pb_store_get_cal(s, c.record_id, &back), 0);
	ck_assert_ptr_null(strchr(back.serial, 0x1b));
	ck_assert_ptr_nonnull(strstr(back.serial, "[2J"));
	ck_assert_ptr_nonnull(strstr(back.serial, "\xef\xbf\xbd"));
	pb_store_close(s);
}
END_TEST

START_TEST(run_and_session)
{
	struct pb_store *s = open_ok();
	struct pb_record_meas m[3] = {
		{ .attempt = 1, .name = "peak", .value = 151.5, .unit = "mmHg",
		  .low = 140, .high = 160, .marginal_low = NAN,
		  .marginal_high = NAN, .outcome = "PASS",
		  .location = "nominal.lua:12" },
		{ .attempt = 1, .name = "rate", .value = NAN, .unit = "cpm",
		  .low = 50, .high = NAN, .marginal_low = NAN,
		  .marginal_high = NAN, .outcome = "FAIL" },
		{ .attempt = 2, .name = "peak", .value = 150, .unit = "mmHg",
		  .low = 140, .high = 160, .marginal_low = 145,
		  .marginal_high = 155, .outcome = "PASS" },
	};
	struct pb_record_case k[2] = {
		{ .name = "nominal_s21", .scenario = "nominal_s21.lua",
		  .outcome = "PASS", .attempts = 2, .duration_s = 3.5,
		  .requirements = "SR-ACC-01, SR-ACC-02 SR-ACC-01",
		  .nmeas = 3, .meas = m, .started_ms = 1, .finished_ms = 2 },
		{ .name = "leak[defect]", .outcome = "FAIL", .defect_run = true,
		  .message = "defect NOT detected", .started_ms = 3,
		  .finished_ms = 4 },
	};
	struct pb_record_run r = { .rig = "sim", .rig_kind = "sim",
		.build = "fw-1.4.2", .seed = 7, .ncases = 2, .cases = k,
		.started_ms = 1764800000000, .finished_ms = 1764800009000 };
	ck_assert_int_eq(pb_record_new_id(r.run_id), 0);
	int64_t id = 0;
	ck_assert_int_eq(pb_store_put_run(s, &r, &id), 0);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM hil_case"), 2);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM hil_measurement"), 3);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM hil_requirement"), 2);
	ck_assert_int_eq(raw_count("SELECT failed FROM hil_run"), 1);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM hil_measurement "
	    "WHERE value IS NULL AND high IS NULL"), 1);
	ck_assert_int_eq(pb_store_put_run(s, &r, NULL), PB_STORE_E_DUP);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM hil_case"), 2);

	struct pb_record_session se = { .path = "/rec/s1.csv",
		.serial = "PS1", .samples = 1000, .channels = 2,
		.complete = true, .started_ms = 5, .finished_ms = 9 };
	ck_assert_int_eq(pb_record_new_id(se.record_id), 0);
	se.ch[0] = (struct pb_record_session_ch){ 0, 150, 80, 1000 };
	se.ch[1] = (struct pb_record_session_ch){ NAN, NAN, NAN, 0 };
	ck_assert_int_eq(pb_store_put_session(s, &se, NULL), 0);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM "
	    "dashboard_session_channel WHERE min_mmhg IS NULL"), 1);
	pb_store_close(s);
}
END_TEST

/* several processes at once: nothing lost, nothing twice */
START_TEST(many_writers)
{
	struct pb_store *s = open_ok();   /* schema first, then race */
	pb_store_close(s);
	enum { KIDS = 4, EACH = 12 };
	pid_t kid[KIDS];
	for (int k = 0; k < KIDS; k++) {
		kid[k] = fork();
		ck_assert_int_ge(kid[k], 0);
		if (kid[k] == 0) {
			struct pb_store *w = NULL;
			char err[1024];
			if (pb_store_open(spec, NULL, &w, err, sizeof err) != 0)
				_exit(10);
			for (int i = 0; i < EACH; i++) {
				struct pb_record_cal c;
				char serial[32];
				snprintf(serial, sizeof serial, "K%d-%d", k, i);
				make_cal(&c, serial, "PASS", 1764800000000 + i);
				if (pb_store_put_cal(w, &c, NULL) != 0) {
					fprintf(stderr, "%s\n",
					    pb_store_error(w));
					_exit(11);
				}
			}
			pb_store_close(w);
			_exit(0);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int st;
		ck_assert_int_eq(waitpid(kid[k], &st, 0), kid[k]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "writer %d: status %d", k, st);
	}
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration"),
	    KIDS * EACH);
	ck_assert_int_eq(raw_count("SELECT COUNT(DISTINCT serial) FROM "
	    "calibration"), KIDS * EACH);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_point"),
	    KIDS * EACH * 10);
}
END_TEST

/* kill -9 of a writer at a random moment: every record is whole */
START_TEST(killed_writer_leaves_whole_records)
{
	struct pb_store *s = open_ok();
	pb_store_close(s);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int round = 0; round < 3; round++) {
		pid_t kid = fork();
		ck_assert_int_ge(kid, 0);
		if (kid == 0) {
			struct pb_store *w = NULL;
			char err[1024];
			if (pb_store_open(spec, NULL, &w, err, sizeof err) != 0)
				_exit(10);
			for (int i = 0;; i++) {
				struct pb_record_cal c;
				make_cal(&c, "KILL", "PASS", 1764800000000 + i);
				pb_store_put_cal(w, &c, NULL);
			}
		}
		/* let it write a few, then kill it mid-flight */
		long long before = raw_count("SELECT COUNT(*) FROM "
		    "calibration");
		for (int i = 0; i < 400; i++) {
			if (raw_count("SELECT COUNT(*) FROM calibration") >
			    before + 2)
				break;
			usleep(10000);
		}
		usleep((useconds_t)(rand() % 20000));
		kill(kid, SIGKILL);
		int st;
		waitpid(kid, &st, 0);
		ck_assert(WIFSIGNALED(st));
	}
	long long n = raw_count("SELECT COUNT(*) FROM calibration");
	ck_assert_int_ge(n, 3);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_channel"),
	    2 * n);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_point"),
	    10 * n);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM calibration_verify"),
	    4 * n);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM certificate_file"),
	    3 * n);
	if (backend == LITE) {
		sqlite3 *db;
		sqlite3_stmt *st;
		ck_assert_int_eq(sqlite3_open(spec, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA "
		    "integrity_check", -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
		    "ok");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
}
END_TEST

/* ---- SQLite only --------------------------------------------------- */

START_TEST(lite_bad_files)
{
	char err[1024], path[256];
	struct pb_store *s = NULL;
	/* a FIFO is refused without blocking */
	snprintf(path, sizeof path, "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pb_store_open(path, NULL, &s, err, sizeof err),
	    PB_STORE_E_OPEN);
	ck_assert_msg(strstr(err, "FIFO"), "%s", err);
	/* a file that is not a database */
	snprintf(path, sizeof path, "%s/junk.db", tmpdir);
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 200; i++)
		fputs("this is not a database at all\n", f);
	fclose(f);
	ck_assert_int_eq(pb_store_open(path, NULL, &s, err, sizeof err),
	    PB_STORE_E_OPEN);
	ck_assert_msg(strstr(err, "not a SQLite database"), "%s", err);
	/* a directory that is not there is not made up (a typo) */
	snprintf(path, sizeof path, "%s/nodir/r.db", tmpdir);
	ck_assert_int_eq(pb_store_open(path, NULL, &s, err, sizeof err),
	    PB_STORE_E_OPEN);
	ck_assert_msg(strstr(err, "does not exist"), "%s", err);
	struct pb_store_opts o = { .create_dirs = true };
	ck_assert_int_eq(pb_store_open(path, &o, &s, err, sizeof err), 0);
	pb_store_close(s);
	/* read-only open of a file that is not there */
	snprintf(path, sizeof path, "%s/none.db", tmpdir);
	struct pb_store_opts ro = { .readonly = true };
	ck_assert_int_eq(pb_store_open(path, &ro, &s, err, sizeof err),
	    PB_STORE_E_NOENT);
	ck_assert_int_eq(access(path, F_OK), -1);
	/* WAL mode stays on the file */
	s = open_ok();
	pb_store_close(s);
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(spec, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

/* another process holding the write lock longer than the busy timeout:
 * E_BUSY after the timeout, not a hang and not a half record */
START_TEST(lite_busy)
{
	struct pb_store *s = open_ok();
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(spec, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	pb_store_close(s);
	struct pb_store_opts o = { .busy_timeout_ms = 200 };
	char err[1024];
	ck_assert_int_eq(pb_store_open(spec, &o, &s, err, sizeof err), 0);
	struct pb_record_cal c;
	make_cal(&c, "PSB", "PASS", 1764800000000);
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), PB_STORE_E_BUSY);
	ck_assert_ptr_nonnull(strstr(pb_store_error(s), "200 ms"));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_int_eq(pb_store_put_cal(s, &c, NULL), 0);
	pb_store_close(s);
}
END_TEST

/* ---- PostgreSQL only ------------------------------------------------ */

START_TEST(pg_rig_reservations)
{
	struct pb_store *a = open_ok(), *b = open_ok();
	ck_assert_int_eq(pb_store_rig_try(a, "bench-A", "job 1"), 1);
	ck_assert_int_eq(pb_store_rig_try(a, "bench-A", "job 1"), 1);
	ck_assert_int_eq(pb_store_rig_try(b, "bench-A", "job 2"), 0);
	ck_assert_int_eq(pb_store_rig_try(b, "bench-B", "job 2"), 1);
	ck_assert_int_eq(pb_store_rig_held(a, "bench-A"), 1);
	ck_assert_int_eq(pb_store_rig_held(b, "bench-A"), 0);
	struct pb_store_rig l[8];
	ck_assert_int_eq(pb_store_rig_list(b, l, 8), 2);
	ck_assert_str_eq(l[0].rig, "bench-A");
	ck_assert(l[0].held);
	ck_assert_str_eq(l[0].holder, "job 1");
	ck_assert_int_eq(l[0].pid, getpid());
	ck_assert_ptr_nonnull(strstr(l[0].client, "test_store"));
	/* waiting gives up with the holder's name */
	ck_assert_int_eq(pb_store_rig_reserve(b, "bench-A", "job 2", 0.3,
	    NULL), PB_STORE_E_BUSY);
	ck_assert_ptr_nonnull(strstr(pb_store_error(b), "job 1"));
	ck_assert_int_eq(pb_store_rig_release(a, "bench-A"), 0);
	ck_assert_int_eq(pb_store_rig_reserve(b, "bench-A", "job 2", 5, NULL),
	    0);
	ck_assert_int_eq(pb_store_rig_list(a, l, 8), 2);
	ck_assert_str_eq(l[0].holder, "job 2");
	pb_store_close(b);    /* closing releases */
	ck_assert_int_eq(pb_store_rig_try(a, "bench-A", "job 1"), 1);
	pb_store_close(a);
	ck_assert_int_eq(raw_count("SELECT COUNT(*) FROM rig_reservation "
	    "WHERE released_utc IS NULL"), 0);
}
END_TEST

/* the holder dies by kill -9: the server frees the rig */
START_TEST(pg_rig_freed_when_holder_dies)
{
	int pipefd[2];
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		struct pb_store *h = NULL;
		char err[1024];
		if (pb_store_open(spec, NULL, &h, err, sizeof err) != 0 ||
		    pb_store_rig_try(h, "bench-K", "doomed") != 1)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char x;
	ck_assert_int_eq(read(pipefd[0], &x, 1), 1);
	struct pb_store *b = open_ok();
	ck_assert_int_eq(pb_store_rig_try(b, "bench-K", "next"), 0);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	ck_assert_int_eq(pb_store_rig_reserve(b, "bench-K", "next", 30, NULL),
	    0);
	pb_store_close(b);
	close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

START_TEST(lite_has_no_reservations)
{
	struct pb_store *s = open_ok();
	ck_assert_int_eq(pb_store_rig_try(s, "r", "h"), PB_STORE_E_NOTSUP);
	struct pb_store_rig l[1];
	ck_assert_int_eq(pb_store_rig_list(s, l, 1), PB_STORE_E_NOTSUP);
	pb_store_close(s);
}
END_TEST

START_TEST(pg_wrong_password)
{
	raw("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname "
	    "= 'station') THEN CREATE ROLE station LOGIN PASSWORD 'right'; "
	    "END IF; END $$");
	char url[512], err[1024];
	struct pb_store *s = NULL;
	snprintf(url, sizeof url, "postgresql://station:wrong@/postgres?"
	    "host=%s", pgdir);
	ck_assert_int_eq(pb_store_open(url, NULL, &s, err, sizeof err),
	    PB_STORE_E_AUTH);
	ck_assert_msg(strstr(err, "password"), "%s", err);
	ck_assert_msg(strstr(err, "wrong") == NULL, "password shown: %s", err);
	snprintf(url, sizeof url, "postgresql://station:right@/postgres?"
	    "host=%s", pgdir);
	/* the right password gets past the login (then the user may not
	 * create tables: read-only, said so) */
	int rc = pb_store_open(url, NULL, &s, err, sizeof err);
	ck_assert_msg(rc == PB_STORE_E_READONLY || rc == 0, "%d %s", rc, err);
	pb_store_close(s);
}
END_TEST

static int listener(int *port, bool keep)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	if (keep)
		ck_assert_int_eq(listen(fd, 8), 0);
	else {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* a server that refuses and one that never answers: errors in bounded
 * time, not hangs */
START_TEST(pg_unreachable)
{
	char url[256], err[1024];
	struct pb_store *s = NULL;
	int port;
	listener(&port, false);
	snprintf(url, sizeof url, "postgresql://127.0.0.1:%d/x", port);
	ck_assert_int_eq(pb_store_open(url, NULL, &s, err, sizeof err),
	    PB_STORE_E_OPEN);
	ck_assert_msg(strstr(err, "refused"), "%s", err);
	int fd = listener(&port, true);   /* accepts, never speaks */
	snprintf(url, sizeof url, "postgresql://127.0.0.1:%d/x", port);
	struct pb_store_opts o = { .connect_timeout_s = 2 };
	time_t t0 = time(NULL);
	ck_assert_int_eq(pb_store_open(url, &o, &s, err, sizeof err),
	    PB_STORE_E_OPEN);
	ck_assert_msg(strstr(err, "no answer"), "%s", err);
	ck_assert_int_lt(time(NULL) - t0, 30);
	close(fd);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static void add_common(TCase *t)
{
	tcase_add_test(t, cal_round_trip);
	tcase_add_test(t, same_id_replaces);
	tcase_add_test(t, failed_write_leaves_nothing);
	tcase_add_test(t, newer_schema_refused);
	tcase_add_test(t, history_and_passed);
	tcase_add_test(t, hostile_text_cleaned);
	tcase_add_test(t, run_and_session);
	tcase_add_test(t, many_writers);
	tcase_add_test(t, killed_writer_leaves_whole_records);
}

static Suite *store_suite(bool with_pg)
{
	Suite *s = suite_create("store");
	TCase *t = tcase_create("sqlite");
	tcase_add_checked_fixture(t, setup_lite, teardown);
	tcase_set_timeout(t, 120);
	add_common(t);
	tcase_add_test(t, lite_bad_files);
	tcase_add_test(t, lite_busy);
	tcase_add_test(t, lite_has_no_reservations);
	suite_add_tcase(s, t);
	if (with_pg) {
		t = tcase_create("postgresql");
		tcase_add_checked_fixture(t, setup_pg, teardown);
		tcase_set_timeout(t, 120);
		add_common(t);
		tcase_add_test(t, pg_rig_reservations);
		tcase_add_test(t, pg_rig_freed_when_holder_dies);
		tcase_add_test(t, pg_wrong_password);
		tcase_add_test(t, pg_unreachable);
		suite_add_tcase(s, t);
	}
	return s;
}

int main(void)
{
	bool with_pg = system("tests/lib/pgtest available") == 0;
	if (!with_pg)
		fprintf(stderr, "test_store: *** PostgreSQL server binaries "
		    "absent: the PostgreSQL half of this test is SKIPPED "
		    "(run tools/install-deps) ***\n");
	if (with_pg) {
		snprintf(pgdir, sizeof pgdir, "/tmp/pbst%d", (int)getpid());
		/* a password login for one role, for the wrong-password
		 * test; trust for the rest */
		char hba[128], cmd[512];
		snprintf(hba, sizeof hba, "/tmp/pbst%d.hba", (int)getpid());
		FILE *f = fopen(hba, "w");
		if (f == NULL)
			return EXIT_FAILURE;
		fputs("local all station scram-sha-256\n"
		    "local all all trust\n", f);
		fclose(f);
		chmod(hba, 0644);
		snprintf(cmd, sizeof cmd, "tests/lib/pgtest start %s -c "
		    "hba_file=%s", pgdir, hba);
		int src = system(cmd);
		unlink(hba);
		if (src != 0) {
			fprintf(stderr, "test_store: cannot start the "
			    "PostgreSQL test server\n");
			return EXIT_FAILURE;
		}
		snprintf(pgurl, sizeof pgurl, "postgresql:///postgres?host=%s"
		    "&user=postgres", pgdir);
	}
	SRunner *sr = srunner_create(store_suite(with_pg));
	srunner_run_all(sr, CK_NORMAL);
	int nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (with_pg) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "tests/lib/pgtest stop %s", pgdir);
		if (system(cmd) != 0)
			fprintf(stderr, "test_store: stopping the server "
			    "failed\n");
	}
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
