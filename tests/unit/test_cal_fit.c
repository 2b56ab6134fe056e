/* tests for cal/fit.c: least squares, conditioning, acceptance */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cal/fit.h"
#include "tests/lib/check_main.h"

START_TEST(linear_exact)
{
	double x[] = { 410, 900, 1800, 2700, 3400 };
	double y[5];
	for (int i = 0; i < 5; i++)
		y[i] = -40.5 + 0.1017 * x[i];
	struct pb_cal_fit f;
	ck_assert_int_eq(pb_cal_fit(x, y, 5, 1, &f), PB_FIT_OK);
	ck_assert_double_eq_tol(f.c[0], -40.5, 1e-9);
	ck_assert_double_eq_tol(f.c[1], 0.1017, 1e-12);
	ck_assert_double_eq_tol(f.c[2], 0.0, 1e-15);
	ck_assert(f.max_abs_residual < 1e-9);
}
END_TEST

START_TEST(quadratic_exact_over_12bit_counts)
{
	/* a realistic sensor: 0.3 %FS bow over 3686 counts */
	double x[] = { 409.6, 1000, 2000, 3100, 3686 };
	double c[3] = { -41.2, 0.1021, 3.1e-7 };
	double y[5];
	for (int i = 0; i < 5; i++)
		y[i] = pb_cal_eval(c, x[i]);
	struct pb_cal_fit f;
	ck_assert_int_eq(pb_cal_fit(x, y, 5, 2, &f), PB_FIT_OK);
	for (double xx = 0; xx <= 4095; xx += 5)
		ck_assert_double_eq_tol(pb_cal_eval(f.c, xx), pb_cal_eval(c, xx), 1e-6);
	ck_assert(f.max_abs_residual < 1e-7);
}
END_TEST

START_TEST(least_squares_minimises)
{
	/* noisy points: perturbing the solution never lowers the SSE */
	srand(7);
	double x[8], y[8];
	for (int i = 0; i < 8; i++) {
		x[i] = 400 + 450 * i;
		y[i] = 0.1 * x[i] - 40 + ((rand() % 2001) - 1000) / 1000.0;
	}
	struct pb_cal_fit f;
	ck_assert_int_eq(pb_cal_fit(x, y, 8, 2, &f), PB_FIT_OK);
	double base = 0;
	for (int i = 0; i < 8; i++)
		base += f.residual[i] * f.residual[i];
	double d[3] = { 1e-3, 1e-6, 1e-10 };
	for (int k = 0; k < 3; k++)
		for (int s = -1; s <= 1; s += 2) {
			double c[3] = { f.c[0], f.c[1], f.c[2] };
			c[k] += s * d[k];
			double sse = 0;
			for (int i = 0; i < 8; i++) {
				double r = pb_cal_eval(c, x[i]) - y[i];
				sse += r * r;
			}
			ck_assert(sse >= base - 1e-9);
		}
}
END_TEST

START_TEST(bad_arguments)
{
	double x[] = { 1, 1, 1 }, y[] = { 0, 1, 2 };
	struct pb_cal_fit f;
	ck_assert_int_eq(pb_cal_fit(x, y, 3, 3, &f), PB_FIT_E_ARG);
	ck_assert_int_eq(pb_cal_fit(x, y, 0, 1, &f), PB_FIT_E_ARG);
	ck_assert_int_eq(pb_cal_fit(x, y, 3, 1, &f), PB_FIT_E_POINTS);
	double x2[] = { 1, 2, 2 };
	ck_assert_int_eq(pb_cal_fit(x2, y, 3, 2, &f), PB_FIT_E_POINTS);
	ck_assert_int_eq(pb_cal_fit(x2, y, 3, 1, &f), PB_FIT_OK);
	ck_assert_str_ne(pb_fit_strerror(PB_FIT_E_SINGULAR), "unknown fit error");
}
END_TEST

START_TEST(acceptance_whichever_greater)
{
	struct pb_cal_fit f = { .order = 1, .n = 4 };
	double ref[] = { 0, 50, 250, 300 };
	f.residual[0] = 2.9;   /* within 3 mmHg */
	f.residual[1] = -3.0;  /* on the limit */
	f.residual[2] = 2.6;
	f.residual[3] = -3.0;  /* 1 % of 300 = 3 */
	bool fails[4];
	ck_assert(pb_cal_accept(&f, ref, 3.0, 0.01, fails));
	f.residual[1] = -3.01;
	ck_assert(!pb_cal_accept(&f, ref, 3.0, 0.01, fails));
	ck_assert(fails[1] && !fails[0] && !fails[2] && !fails[3]);
	/* relative bound wins above 300 mmHg */
	double ref2[] = { 400 };
	struct pb_cal_fit g = { .order = 1, .n = 1 };
	g.residual[0] = 3.9;
	ck_assert(pb_cal_accept(&g, ref2, 3.0, 0.01, NULL));
	g.residual[0] = NAN;
	ck_assert(!pb_cal_accept(&g, ref2, 3.0, 0.01, NULL));
}
END_TEST

static Suite *
fit_suite(void)
{
	Suite *s = suite_create("cal_fit");
	TCase *tc = tcase_create("fit");
	tcase_add_test(tc, linear_exact);
	tcase_add_test(tc, quadratic_exact_over_12bit_counts);
	tcase_add_test(tc, least_squares_minimises);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, acceptance_whichever_greater);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(fit_suite)
