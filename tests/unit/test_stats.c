/* tests for store/stats.c: Cpk, histograms, first-pass yield, flaky
 * scenarios, latest result per requirement */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/stats.h"
#include "tests/lib/check_main.h"

START_TEST(summary_and_cpk)
{
	double x[] = { 1, 2, 3, 4, 5, NAN };
	struct pb_summary s;
	pb_stats_summary(x, 6, &s);
	ck_assert_uint_eq(s.n, 5);
	ck_assert_double_eq_tol(s.mean, 3, 1e-12);
	ck_assert_double_eq_tol(s.sd, sqrt(2.5), 1e-12);
	ck_assert_double_eq(s.min, 1);
	ck_assert_double_eq(s.max, 5);
	/* mean 3, sd 1.58: against +/-10 the near side is 7 -> 7/4.74 */
	ck_assert_double_eq_tol(pb_stats_cpk(&s, -10, 10), 7 / (3 * sqrt(2.5)),
	    1e-12);
	/* centred data: Cpk = 3 sigma-distance to the limit / 3 sigma */
	double y[] = { -1, 1, -1, 1 };
	pb_stats_summary(y, 4, &s);
	ck_assert_double_eq_tol(pb_stats_cpk(&s, -3, 3),
	    3 / (3 * sqrt(4.0 / 3)), 1e-12);
	/* an off-centre process is worse than a centred one */
	double z[] = { 1, 3, 1, 3 };
	struct pb_summary sz;
	pb_stats_summary(z, 4, &sz);
	ck_assert(pb_stats_cpk(&sz, -3, 3) < pb_stats_cpk(&s, -3, 3));
	/* mean outside the limits: negative */
	double w[] = { 4, 5 };
	pb_stats_summary(w, 2, &s);
	ck_assert(pb_stats_cpk(&s, -3, 3) < 0);
	pb_stats_summary(w, 1, &s);
	ck_assert(isnan(pb_stats_cpk(&s, -3, 3)));
	double same[] = { 1, 1, 1 };
	pb_stats_summary(same, 3, &s);
	ck_assert(isinf(pb_stats_cpk(&s, -3, 3)));
	pb_stats_summary(NULL, 0, &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(isnan(s.mean));
}
END_TEST

START_TEST(histogram)
{
	double x[] = { -5, -1, -0.5, 0, 0.5, 0.99, 1, 3, NAN };
	unsigned c[4], u, o;
	pb_stats_histogram(x, 9, -1, 1, 4, c, &u, &o);
	ck_assert_uint_eq(u, 1);
	ck_assert_uint_eq(o, 2);
	ck_assert_uint_eq(c[0], 1);   /* -1 */
	ck_assert_uint_eq(c[1], 1);   /* -0.5 */
	ck_assert_uint_eq(c[2], 1);   /* 0 */
	ck_assert_uint_eq(c[3], 2);   /* 0.5, 0.99 */
}
END_TEST

#define DAY 86400000LL

START_TEST(first_pass_yield)
{
	struct pb_fpy_in in[] = {
		/* A: fails on day 0 at s1, passes later: counts as a fail */
		{ "A", "s1", 0 * DAY + 100, "FAIL" },
		{ "A", "s1", 0 * DAY + 200, "PASS" },
		/* B: a station ERROR first, then PASS: first verdict PASS */
		{ "B", "s1", 0 * DAY + 300, "ERROR" },
		{ "B", "s1", 0 * DAY + 400, "PASS" },
		/* C: passes on day 1 at s2; recal later never counts */
		{ "C", "s2", 1 * DAY + 10, "PASS" },
		{ "C", "s1", 2 * DAY + 10, "FAIL" },
		/* D: given out of time order */
		{ "D", "s2", 1 * DAY + 90, "PASS" },
		{ "D", "s2", 1 * DAY + 50, "FAIL" },
		/* E: only aborted: no verdict, not counted */
		{ "E", "s1", 0 * DAY + 500, "ABORTED" },
	};
	struct pb_fpy_cell *c;
	int n = pb_stats_fpy(in, sizeof in / sizeof in[0], &c);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(c[0].station, "s1");
	ck_assert_int_eq(c[0].day, 0);
	ck_assert_uint_eq(c[0].units, 2);    /* A, B */
	ck_assert_uint_eq(c[0].passed, 1);   /* B */
	ck_assert_str_eq(c[1].station, "s2");
	ck_assert_int_eq(c[1].day, 1);
	ck_assert_uint_eq(c[1].units, 2);    /* C, D */
	ck_assert_uint_eq(c[1].passed, 1);   /* C (D failed first) */
	free(c);
	ck_assert_int_eq(pb_stats_fpy(NULL, 0, &c), 0);
	free(c);
}
END_TEST

START_TEST(flaky_scenarios)
{
	struct pb_hil_in in[] = {
		{ "leak", "b1", "PASS", 1 }, { "leak", "b1", "FAIL", 2 },
		{ "leak", "b2", "PASS", 3 },
		/* fails on b1, passes on b2: fixed, not flaky */
		{ "stall", "b1", "FAIL", 1 }, { "stall", "b2", "PASS", 2 },
		{ "stall", "b2", "SKIPPED", 3 },
		{ "stop", "b1", "PASS", 1 }, { "stop", "b1", "ERROR", 5 },
		{ "auto", "b1", "ABORTED", 1 },
	};
	struct pb_hil_scn *s;
	int n = pb_stats_hil(in, sizeof in / sizeof in[0], &s);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(s[0].scenario, "leak");
	ck_assert(s[0].flaky);
	ck_assert_str_eq(s[0].flaky_build, "b1");
	ck_assert_uint_eq(s[0].runs, 3);
	ck_assert_uint_eq(s[0].passed, 2);
	ck_assert_str_eq(s[0].last_outcome, "PASS");
	ck_assert_str_eq(s[1].scenario, "stall");
	ck_assert(!s[1].flaky);
	ck_assert_uint_eq(s[1].runs, 2);
	ck_assert_str_eq(s[2].scenario, "stop");
	ck_assert(s[2].flaky);
	ck_assert_uint_eq(s[2].errors, 1);
	ck_assert_str_eq(s[2].last_outcome, "ERROR");
	free(s);
}
END_TEST

START_TEST(latest_per_requirement)
{
	struct pb_req_in in[] = {
		{ "SR-OP-01", "overpressure", "PASS", "b1", 10 },
		{ "SR-OP-01", "overpressure", "FAIL", "b2", 20 },
		{ "SR-AO-01", "auto_off", "PASS", "b2", 15 },
		{ "SR-OP-01", "overpressure_t", "PASS", "b1", 5 },
		{ "", "x", "PASS", "b", 1 },
	};
	struct pb_req_latest *r;
	int n = pb_stats_requirements(in, 5, &r);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(r[0].requirement, "SR-AO-01");
	ck_assert_str_eq(r[1].requirement, "SR-OP-01");
	ck_assert_str_eq(r[1].outcome, "FAIL");
	ck_assert_str_eq(r[1].build, "b2");
	free(r);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *t = tcase_create("stats");
	tcase_add_test(t, summary_and_cpk);
	tcase_add_test(t, histogram);
	tcase_add_test(t, first_pass_yield);
	tcase_add_test(t, flaky_scenarios);
	tcase_add_test(t, latest_per_requirement);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(stats_suite)
