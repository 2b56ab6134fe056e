/*
 * tests/unit/test_units.c - pressure unit conversions with the exact
 * factors, rounding of dmmHg, parsing and names.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>

#include "pump/units.h"
#include "tests/lib/check_main.h"

START_TEST(conversions)
{
	ck_assert_double_eq_tol(pb_dmmhg_to(2500, PB_UNIT_MMHG), 250.0, 1e-12);
	/* 250 mmHg = 33.33059685375 kPa */
	ck_assert_double_eq_tol(pb_dmmhg_to(2500, PB_UNIT_KPA),
	    33.33059685375, 1e-9);
	/* 1 mmHg = 1.35950981 cmH2O (133.322387415 / 98.0665) */
	ck_assert_double_eq_tol(pb_mmhg_to(1.0, PB_UNIT_CMH2O),
	    133.322387415 / 98.0665, 1e-12);
	ck_assert_double_eq_tol(pb_mmhg_to(760.0, PB_UNIT_KPA),
	    101.325, 1e-4);   /* one atmosphere (101.3250144 kPa) */
	ck_assert_double_eq_tol(pb_to_mmhg(101.325, PB_UNIT_KPA), 760.0, 1e-3);
	ck_assert_double_eq_tol(pb_to_mmhg(1.0, PB_UNIT_CMH2O),
	    98.0665 / 133.322387415, 1e-12);
	ck_assert_double_eq_tol(pb_dmmhg_to(-150, PB_UNIT_MMHG), -15.0, 1e-12);
}
END_TEST

START_TEST(round_trip_and_rounding)
{
	for (int32_t d = -40000; d <= 40000; d += 7)
		for (int u = 0; u < 3; u++)
			ck_assert_int_eq(pb_dmmhg_from(pb_dmmhg_to(d,
			    (enum pb_unit)u), (enum pb_unit)u), d);
	ck_assert_int_eq(pb_dmmhg_from(12.34, PB_UNIT_MMHG), 123);
	ck_assert_int_eq(pb_dmmhg_from(12.35, PB_UNIT_MMHG), 124); /* 123.5 */
	ck_assert_int_eq(pb_dmmhg_from(-12.35, PB_UNIT_MMHG), -124);
	ck_assert_int_eq(pb_dmmhg_from(40.0, PB_UNIT_KPA), 3000); /* 300.02 */
	ck_assert_int_eq(pb_dmmhg_from(NAN, PB_UNIT_KPA), 0);
	ck_assert_int_eq(pb_dmmhg_from(1e300, PB_UNIT_MMHG), INT32_MAX);
	ck_assert_int_eq(pb_dmmhg_from(-1e300, PB_UNIT_MMHG), INT32_MIN);
}
END_TEST

START_TEST(names_and_parse)
{
	enum pb_unit u;
	ck_assert_str_eq(pb_unit_name(PB_UNIT_MMHG), "mmHg");
	ck_assert_str_eq(pb_unit_name(PB_UNIT_KPA), "kPa");
	ck_assert_str_eq(pb_unit_name(PB_UNIT_CMH2O), "cmH2O");
	ck_assert_int_eq(pb_unit_parse("mmHg", &u), 0);
	ck_assert_int_eq(u, PB_UNIT_MMHG);
	ck_assert_int_eq(pb_unit_parse("KPA", &u), 0);
	ck_assert_int_eq(u, PB_UNIT_KPA);
	ck_assert_int_eq(pb_unit_parse("cmh2o", &u), 0);
	ck_assert_int_eq(u, PB_UNIT_CMH2O);
	ck_assert_int_eq(pb_unit_parse("psi", &u), -1);
	ck_assert_int_eq(pb_unit_parse("", &u), -1);
	ck_assert_int_eq(pb_unit_parse(NULL, &u), -1);
	ck_assert_int_eq(pb_unit_decimals(PB_UNIT_MMHG), 0);
	ck_assert_int_eq(pb_unit_decimals(PB_UNIT_KPA), 2);
	ck_assert_int_eq(pb_unit_decimals(PB_UNIT_CMH2O), 0);
}
END_TEST

static Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, conversions);
	tcase_add_test(tc, round_trip_and_rounding);
	tcase_add_test(tc, names_and_parse);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(units_suite)
