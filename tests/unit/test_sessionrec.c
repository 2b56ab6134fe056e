/* tests for tui/sessionrec.c: a dashboard recording summed up as a
 * session record (and tui/records.c's use of it is in e2e) */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/check_main.h"
#include "tui/recorder.h"
#include "tui/sessionrec.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/pb-sesrec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rec.csv", dir);
}

static void teardown(void)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct pb_recorder *open_rec(void)
{
	struct pb_rec_meta m;
	memset(&m, 0, sizeof m);
	strcpy(m.serial, "PS-42");
	strcpy(m.firmware, "1.4.2");
	strcpy(m.profile, "s10pro");
	m.cal_id = 3;
	m.start_unix_ms = 1796256000000;
	m.unit = PB_UNIT_MMHG;
	m.sample_rate_hz = 1000;
	m.channels = 2;
	struct pb_recorder *r = NULL;
	char err[256];
	ck_assert_int_eq(pb_rec_open(&r, path, &m, 0, err, sizeof err),
	    PB_REC_OK);
	return r;
}

static void write_rows(struct pb_recorder *r)
{
	/* channel 1: 0.0 .. 99.9 mmHg, channel 2 absent on odd samples */
	for (int i = 0; i < 1000; i++) {
		int16_t v[2] = { (int16_t)i, (int16_t)(500 + i % 7) };
		bool present[2] = { true, i % 2 == 0 };
		pb_rec_sample(r, (uint32_t)(1000 + i), (uint64_t)i, v, present,
		    0);
	}
	pb_rec_gap(r, 2000, 1000, 25, "lost", 0);
	pb_rec_marker(r, 2000, 1025, 1, "seal check", 0);
	struct pb_event e = { .kind = PB_EV_ALARM_RAISED, .code = 2 };
	pb_rec_event(r, 2500, 1500, &e, 0);
	e.kind = PB_EV_ALARM_CLEARED;
	pb_rec_event(r, 3000, 2000, &e, 0);
}

START_TEST(whole_recording)
{
	struct pb_recorder *r = open_rec();
	write_rows(r);
	ck_assert_int_eq(pb_rec_close(r, 0), PB_REC_OK);
	struct pb_record_session s;
	char err[256];
	ck_assert_int_eq(pb_sessionrec_read(path, &s, err, sizeof err), 0);
	ck_assert(pb_record_id_valid(s.record_id));
	ck_assert_str_eq(s.path, path);
	ck_assert_str_eq(s.serial, "PS-42");
	ck_assert_str_eq(s.profile, "s10pro");
	ck_assert_int_eq(s.cal_id, 3);
	ck_assert_int_eq(s.channels, 2);
	ck_assert_int_eq(s.samples, 1000);
	ck_assert_int_eq(s.lost, 25);
	ck_assert_int_eq(s.gaps, 1);
	ck_assert_int_eq(s.markers, 1);
	ck_assert_int_eq(s.events, 2);
	ck_assert_int_eq(s.alarms, 1);
	ck_assert(s.complete);
	ck_assert_int_eq(s.ch[0].samples, 1000);
	ck_assert_double_eq_tol(s.ch[0].min_mmhg, 0.0, 1e-9);
	ck_assert_double_eq_tol(s.ch[0].max_mmhg, 99.9, 1e-9);
	ck_assert_double_eq_tol(s.ch[0].mean_mmhg, 49.95, 1e-9);
	ck_assert_int_eq(s.ch[1].samples, 500);
	ck_assert_double_eq_tol(s.ch[1].min_mmhg, 50.0, 1e-9);
	ck_assert_double_eq_tol(s.ch[1].max_mmhg, 50.6, 1e-9);
	ck_assert_int_eq(s.started_ms, 1796256000000);
	ck_assert_int_eq(s.finished_ms, 1796256000000 + 2000);
	ck_assert_int_eq(pb_record_check_session(&s, err, sizeof err), 0);
}
END_TEST

/* a recorder that was killed: no trailer, the record says so */
START_TEST(cut_recording)
{
	struct pb_recorder *r = open_rec();
	write_rows(r);
	pb_rec_flush(r, 0);
	pb_rec_abandon(r);
	struct pb_record_session s;
	char err[256];
	ck_assert_int_eq(pb_sessionrec_read(path, &s, err, sizeof err), 0);
	ck_assert(!s.complete);
	ck_assert_int_eq(s.samples, 1000);
	/* not a recording at all */
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	ck_assert_int_eq(pb_sessionrec_read(path, &s, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
}
END_TEST

static Suite *sessionrec_suite(void)
{
	Suite *s = suite_create("sessionrec");
	TCase *t = tcase_create("sessionrec");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, whole_recording);
	tcase_add_test(t, cut_recording);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(sessionrec_suite)
