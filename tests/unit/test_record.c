/* tests for store/record.c: record ids, checks, dates */
#include <check.h>
#include <math.h>
#include <string.h>

#include "store/record.h"
#include "tests/lib/check_main.h"

START_TEST(uuid)
{
	uint8_t z[16], f[16];
	memset(z, 0, sizeof z);
	memset(f, 0xff, sizeof f);
	char id[PB_RECORD_ID_LEN];
	pb_record_id_format(z, id);
	ck_assert_str_eq(id, "00000000-0000-4000-8000-000000000000");
	pb_record_id_format(f, id);
	ck_assert_str_eq(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	ck_assert(pb_record_id_valid(id));
	char a[PB_RECORD_ID_LEN], b[PB_RECORD_ID_LEN];
	ck_assert_int_eq(pb_record_new_id(a), 0);
	ck_assert_int_eq(pb_record_new_id(b), 0);
	ck_assert(pb_record_id_valid(a));
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(a[14], '4');
	ck_assert(!pb_record_id_valid("ffffffff-ffff-4fff-bfff-fffffffffff"));
	ck_assert(!pb_record_id_valid("FFFFFFFF-ffff-4fff-bfff-ffffffffffff"));
	ck_assert(!pb_record_id_valid("ffffffffffff-4fff-bfff-ffffffffffffff"));
	ck_assert(!pb_record_id_valid(NULL));
}
END_TEST

START_TEST(dates)
{
	ck_assert_int_eq(pb_record_date_days("1970-01-01"), 0);
	ck_assert_int_eq(pb_record_date_days("2000-03-01"), 11017);
	ck_assert_int_eq(pb_record_date_days("2024-02-29"), 19782);
	ck_assert_int_eq(pb_record_date_days("2023-02-29"), -1);
	ck_assert_int_eq(pb_record_date_days("2100-02-29"), -1);
	ck_assert_int_eq(pb_record_date_days("2000-02-29"), 11016);
	ck_assert_int_eq(pb_record_date_days("2026-13-01"), -1);
	ck_assert_int_eq(pb_record_date_days("2026-04-31"), -1);
	ck_assert_int_eq(pb_record_date_days("2026-4-30"), -1);
	ck_assert_int_eq(pb_record_date_days("2026-04-3x"), -1);
	ck_assert_int_eq(pb_record_date_days("1969-12-31"), -1);
	ck_assert_int_eq(pb_record_date_days(""), -1);
}
END_TEST

START_TEST(times)
{
	int64_t ms;
	ck_assert_int_eq(pb_record_parse_time("2026-12-03", false, &ms), 0);
	ck_assert_int_eq(ms, 1796256000000);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03", true, &ms), 0);
	ck_assert_int_eq(ms, 1796256000000 + 86400000);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03T19:52:03Z", true,
	    &ms), 0);
	ck_assert_int_eq(ms, 1796327523000);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03T19:52", false, &ms),
	    0);
	ck_assert_int_eq(ms, 1796327520000);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03T19:52:03.123Z",
	    false, &ms), 0);
	ck_assert_int_eq(ms, 1796327523123);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03T19:52:03.5", false,
	    &ms), 0);
	ck_assert_int_eq(ms, 1796327523500);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03T19:52:03.Z", false,
	    &ms), -1);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03T24:00", false, &ms),
	    -1);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03x", false, &ms), -1);
	ck_assert_int_eq(pb_record_parse_time("2026-12-03T19:52:03+02", false,
	    &ms), -1);
	ck_assert_int_eq(pb_record_parse_time("yesterday", false, &ms), -1);
	ck_assert_int_eq(pb_record_parse_time(NULL, false, &ms), -1);
}
END_TEST

static void good_cal(struct pb_record_cal *c)
{
	memset(c, 0, sizeof *c);
	ck_assert_int_eq(pb_record_new_id(c->record_id), 0);
	strcpy(c->serial, "PS1234");
	strcpy(c->station, "line-3");
	strcpy(c->operator_id, "op7");
	strcpy(c->verdict, "PASS");
	strcpy(c->gauge_due, "2027-06-30");
	c->channels = 1;
	c->ch[0].order = 2;
	c->ch[0].written = true;
	c->ch[0].npoints = 5;
	c->started_ms = 1000;
	c->finished_ms = 2000;
}

START_TEST(check_cal)
{
	struct pb_record_cal c;
	char err[256];
	good_cal(&c);
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), 0);
	good_cal(&c); c.serial[0] = '\0';
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "serial"));
	good_cal(&c); strcpy(c.verdict, "OK");
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); c.operator_id[0] = '\0';
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); strcpy(c.gauge_due, "2027-02-30");
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); c.channels = 5;
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); c.ch[0].c[1] = NAN;
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); c.ch[0].npoints = PB_RECORD_MAX_POINTS + 1;
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); c.ch[0].written = false;   /* PASS but not written */
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); c.recal = true;
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "reason"));
	good_cal(&c); c.finished_ms = 10;
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c); c.record_id[3] = 'X';
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	good_cal(&c);
	c.ncerts = 2;
	for (int i = 0; i < 2; i++) {
		strcpy(c.cert[i].format, "json");
		strcpy(c.cert[i].path, "x.json");
		memset(c.cert[i].sha256, 'a', 64);
	}
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
	strcpy(c.cert[1].format, "txt");
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), 0);
	c.cert[1].sha256[10] = '\0';
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), -1);
}
END_TEST

START_TEST(check_run)
{
	struct pb_record_meas m = { .attempt = 1, .outcome = "PASS" };
	struct pb_record_case k = { .name = "leak", .outcome = "PASS",
		.nmeas = 1, .meas = &m };
	struct pb_record_run r = { .rig = "sim", .ncases = 1, .cases = &k };
	char err[256];
	ck_assert_int_eq(pb_record_new_id(r.run_id), 0);
	ck_assert_int_eq(pb_record_check_run(&r, err, sizeof err), 0);
	strcpy(k.outcome, "MAYBE");
	ck_assert_int_eq(pb_record_check_run(&r, err, sizeof err), -1);
	strcpy(k.outcome, "SKIPPED");
	strcpy(m.outcome, "SKIPPED");
	ck_assert_int_eq(pb_record_check_run(&r, err, sizeof err), -1);
	strcpy(m.outcome, "FAIL");
	ck_assert_int_eq(pb_record_check_run(&r, err, sizeof err), 0);
	k.meas = NULL;
	ck_assert_int_eq(pb_record_check_run(&r, err, sizeof err), -1);
	k.meas = &m;
	r.cases = NULL;
	ck_assert_int_eq(pb_record_check_run(&r, err, sizeof err), -1);
	ck_assert(pb_record_outcome_ok("ABORTED"));
	ck_assert(!pb_record_cal_verdict_ok("SKIPPED"));
}
END_TEST

START_TEST(check_session)
{
	struct pb_record_session s;
	memset(&s, 0, sizeof s);
	char err[256];
	ck_assert_int_eq(pb_record_new_id(s.record_id), 0);
	ck_assert_int_eq(pb_record_check_session(&s, err, sizeof err), -1);
	strcpy(s.path, "rec.csv");
	s.channels = 2;
	ck_assert_int_eq(pb_record_check_session(&s, err, sizeof err), 0);
	s.channels = 9;
	ck_assert_int_eq(pb_record_check_session(&s, err, sizeof err), -1);
}
END_TEST

static Suite *record_suite(void)
{
	Suite *s = suite_create("store_record");
	TCase *t = tcase_create("record");
	tcase_add_test(t, uuid);
	tcase_add_test(t, dates);
	tcase_add_test(t, times);
	tcase_add_test(t, check_cal);
	tcase_add_test(t, check_run);
	tcase_add_test(t, check_session);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(record_suite)
