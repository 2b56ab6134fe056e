/* tests for pump/inivalue.c: INI values are parsed whole or refused */
#include <check.h>
#include <math.h>

#include "pump/inivalue.h"
#include "tests/lib/check_main.h"

START_TEST(doubles)
{
	double d = -1;
	ck_assert(pb_ini_double("  2.5 ", &d));
	ck_assert_double_eq(d, 2.5);
	ck_assert(pb_ini_double("-1e2", &d));
	ck_assert_double_eq(d, -100);
	d = 7;
	ck_assert(!pb_ini_double("12 mmHg", &d));
	ck_assert(!pb_ini_double("", &d));
	ck_assert(!pb_ini_double("   ", &d));
	ck_assert(!pb_ini_double("1e400", &d));
	ck_assert(!pb_ini_double("nan", &d));
	ck_assert(!pb_ini_double("inf", &d));
	ck_assert_double_eq(d, 7);   /* untouched on refusal */
}
END_TEST

START_TEST(longs)
{
	long l = 0;
	ck_assert(pb_ini_long(" 42", &l));
	ck_assert_int_eq(l, 42);
	ck_assert(pb_ini_long("-3\t", &l));
	ck_assert_int_eq(l, -3);
	ck_assert(!pb_ini_long("4.5", &l));
	ck_assert(!pb_ini_long("0x10", &l));
	ck_assert(!pb_ini_long("99999999999999999999999", &l));
	ck_assert_int_eq(l, -3);
}
END_TEST

START_TEST(bools)
{
	bool b = false;
	const char *yes[] = { "yes", "TRUE", " on ", "1" };
	const char *no[] = { "No", "false", "OFF", "0" };
	for (int i = 0; i < 4; i++) {
		b = false;
		ck_assert(pb_ini_bool(yes[i], &b));
		ck_assert(b);
		ck_assert(pb_ini_bool(no[i], &b));
		ck_assert(!b);
	}
	ck_assert(!pb_ini_bool("yess", &b));
	ck_assert(!pb_ini_bool("", &b));
	ck_assert(!pb_ini_bool("2", &b));
}
END_TEST

static Suite *
inivalue_suite(void)
{
	Suite *s = suite_create("inivalue");
	TCase *tc = tcase_create("values");
	tcase_add_test(tc, doubles);
	tcase_add_test(tc, longs);
	tcase_add_test(tc, bools);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(inivalue_suite)
