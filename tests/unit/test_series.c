/*
 * tests/unit/test_series.c - HIL measurement statistics on synthetic
 * signals with known answers: suction waveforms at a known rate and peak,
 * a mixed-mode pattern with absolute thresholds, flat and short signals,
 * the sample cap, slope.
 */
#include <check.h>
#include <math.h>

#include "hil/series.h"
#include "tests/lib/check_main.h"

/* A pump-like cycle: pull up to peak, hold, release to 0, rest. */
static double pump_wave(double t, double period, double peak)
{
	double x = fmod(t, period) / period;
	if (x < 0.4)
		return peak * x / 0.4;
	if (x < 0.55)
		return peak;
	if (x < 0.65)
		return peak * (0.65 - x) / 0.1;
	return 0.0;
}

START_TEST(rate_and_peaks_of_a_pump_wave)
{
	struct pb_series s;
	pb_series_init(&s, 1u << 20);
	/* 45 cycles/min, 170 mmHg, 20 s at 2 ms */
	for (int i = 0; i <= 10000; i++) {
		double t = i * 0.002;
		ck_assert_int_eq(pb_series_push(&s, t, pump_wave(t, 60.0 / 45,
		    170)), 0);
	}
	struct pb_cycles c;
	pb_series_cycles(&s, NULL, NULL, 5, &c);
	ck_assert_uint_eq(c.complete, 14);
	ck_assert_msg(fabs(c.rate_cpm - 45) < 0.05, "%g", c.rate_cpm);
	ck_assert(fabs(c.peak_mean - 170) < 1e-9);
	ck_assert(fabs(c.peak_min - 170) < 1e-9 && fabs(c.peak_max - 170) < 1e-9);
	ck_assert(fabs(c.trough_mean) < 1e-9);
	ck_assert(fabs(pb_series_max(&s) - 170) < 1e-9);
	ck_assert(fabs(pb_series_min(&s)) < 1e-9);
	pb_series_free(&s);
}
END_TEST

START_TEST(mixed_mode_with_thresholds)
{
	/* 5 small cycles of 40 mmHg then one of 90, repeated */
	struct pb_series s;
	pb_series_init(&s, 1u << 20);
	double t = 0;
	for (int g = 0; g < 4; g++)
		for (int k = 0; k < 6; k++) {
			/* each small cycle a little off (38..42) */
			double peak = k < 5 ? 38 + k : 90, period = k < 5 ? 0.5 : 1.0;
			for (double u = 0; u < period - 1e-9; u += 0.002, t += 0.002)
				pb_series_push(&s, t, pump_wave(u, period, peak));
		}
	struct pb_cycles c;
	/* automatic thresholds (30/60 % of 90) miss the 40 mmHg cycles */
	pb_series_cycles(&s, NULL, NULL, 5, &c);
	ck_assert_uint_eq(c.complete, 3);
	ck_assert(fabs(c.peak_min - 90) < 1e-9);
	/* absolute thresholds below the small peak see all of them */
	double lo = 12, hi = 24;
	pb_series_cycles(&s, &lo, &hi, 5, &c);
	ck_assert_uint_eq(c.complete, 23);
	ck_assert(fabs(c.peak_min - 38) < 1e-9);
	ck_assert(fabs(c.peak_max - 90) < 1e-9);
	/* the two kinds apart: the small ones' mean, the big ones' mean */
	ck_assert_msg(fabs(c.peak_low - 40) < 0.1, "low %g", c.peak_low);
	ck_assert(fabs(c.peak_high - 90) < 1e-9);
	pb_series_free(&s);
}
END_TEST

START_TEST(flat_short_and_capped)
{
	struct pb_series s;
	struct pb_cycles c;
	pb_series_init(&s, 4);
	ck_assert(isnan(pb_series_max(&s)));
	ck_assert(isnan(pb_series_mean(&s)));
	ck_assert(isnan(pb_series_slope(&s)));
	pb_series_cycles(&s, NULL, NULL, 5, &c);
	ck_assert_uint_eq(c.complete, 0);
	ck_assert(isnan(c.peak_mean));
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pb_series_push(&s, i, 3.0 + 0.1 * i), 0);
	ck_assert_int_eq(pb_series_push(&s, 5, 1), -1);   /* the cap */
	ck_assert(s.full);
	ck_assert_uint_eq(s.n, 4);
	/* a 0.3 mmHg wobble is not cycling */
	pb_series_cycles(&s, NULL, NULL, 5, &c);
	ck_assert_uint_eq(c.complete, 0);
	ck_assert(c.rate_cpm == 0);
	ck_assert(fabs(pb_series_mean(&s) - 3.15) < 1e-12);
	pb_series_free(&s);
}
END_TEST

START_TEST(slope_is_least_squares)
{
	struct pb_series s;
	pb_series_init(&s, 1000);
	/* a hold decaying at 50 mmHg/s with +-1 alternating noise */
	for (int i = 0; i < 100; i++)
		pb_series_push(&s, i * 0.01, 200 - 50 * i * 0.01 +
		    (i % 2 ? 1 : -1));
	ck_assert_msg(fabs(pb_series_slope(&s) + 50) < 0.5, "%g",
	    pb_series_slope(&s));
	pb_series_free(&s);
}
END_TEST

static Suite *series_suite(void)
{
	Suite *s = suite_create("series");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, rate_and_peaks_of_a_pump_wave);
	tcase_add_test(tc, mixed_mode_with_thresholds);
	tcase_add_test(tc, flat_short_and_capped);
	tcase_add_test(tc, slope_is_least_squares);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(series_suite)
