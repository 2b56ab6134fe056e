/*
 * tests/unit/test_textfeed.c - bring-up mode's lines onto the time axis:
 * arrival time on the 1 ms grid with held values between lines, a burst
 * spread 1 ms apart (nothing lost), Teleplot's one-value lines merged
 * within a millisecond, a silence past the hold as a gap, device time
 * from a time column with a discontinuity, channels by position and by
 * name, extra values counted, units converted and clipping counted.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/lib/check_main.h"
#include "tui/textfeed.h"

#define MAXS 20000

/* the axis as the sink sees it: per index, a value per channel or
 * missing (INT16_MIN), and whether it was a gap */
struct axis {
	uint64_t next;
	int16_t v[MAXS][2];
	bool gap[MAXS];
	uint32_t dev_ms[MAXS];
	bool order_ok;
};

static void on_samples(void *ctx, uint64_t index, uint64_t n,
    const int16_t *v, const bool *present, uint32_t device_ms)
{
	struct axis *a = ctx;
	if (index != a->next)
		a->order_ok = false;
	for (uint64_t i = 0; i < n && index + i < MAXS; i++) {
		for (int c = 0; c < 2; c++)
			a->v[index + i][c] = present[c] ? v[c] : INT16_MIN;
		a->gap[index + i] = false;
		a->dev_ms[index + i] = device_ms + (uint32_t)i;
	}
	a->next = index + n;
}

static void on_gap(void *ctx, uint64_t index, uint64_t n, uint32_t device_ms)
{
	struct axis *a = ctx;
	(void)device_ms;
	if (index != a->next)
		a->order_ok = false;
	for (uint64_t i = 0; i < n && index + i < MAXS; i++)
		a->gap[index + i] = true;
	a->next = index + n;
}

static struct axis A;
static struct pb_textfeed F;
static struct pb_textfeed_sink K = { &A, on_samples, on_gap };

static void setup(void)
{
	memset(&A, 0, sizeof A);
	A.order_ok = true;
	pb_textfeed_init(&F, PB_UNIT_MMHG);
}

static void line(const char *s, bool time_first, uint64_t now_us)
{
	struct pb_textline_rec r;
	pb_textline_parse(s, strlen(s), time_first, 1, &r);
	pb_textfeed_line(&F, &r, now_us, &K);
}

START_TEST(arrival_hold)
{
	uint64_t t0 = 5000000;
	line("10 20", false, t0);
	line("11 21", false, t0 + 10400);     /* 10.4 ms later: index 10 */
	pb_textfeed_tick(&F, t0 + 10999, &K);
	ck_assert_uint_eq(A.next, 1);         /* index 10's ms not over */
	pb_textfeed_tick(&F, t0 + 11000, &K);
	ck_assert_uint_eq(A.next, 11);
	ck_assert(A.order_ok);
	ck_assert_int_eq(A.v[0][0], 100);     /* dmmHg */
	ck_assert_int_eq(A.v[0][1], 200);
	for (int i = 1; i < 10; i++)          /* held */
		ck_assert_int_eq(A.v[i][0], 100);
	ck_assert_int_eq(A.v[10][0], 110);
	ck_assert_int_eq(A.v[10][1], 210);
	ck_assert_uint_eq(F.counts.samples, 11);
	ck_assert_uint_eq(F.counts.lines, 2);
	ck_assert_int_eq(pb_textfeed_channels(&F), 2);
}
END_TEST

START_TEST(burst_spread_not_lost)
{
	for (int i = 0; i < 5; i++) {
		char b[16];
		snprintf(b, sizeof b, "%d", i + 1);
		line(b, false, 1000);         /* all in one read */
	}
	pb_textfeed_flush(&F, &K);
	ck_assert_uint_eq(A.next, 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(A.v[i][0], (i + 1) * 10);
		ck_assert_int_eq(A.v[i][1], INT16_MIN);   /* ch2 never had data */
	}
	ck_assert_int_eq(pb_textfeed_channels(&F), 1);
}
END_TEST

START_TEST(teleplot_merged)
{
	line(">vac:1", false, 0);
	line(">flow:2", false, 300);          /* same ms: one sample */
	line(">vac:3", false, 600);           /* vac again: the next one */
	pb_textfeed_flush(&F, &K);
	ck_assert_uint_eq(A.next, 2);
	ck_assert_int_eq(A.v[0][0], 10);
	ck_assert_int_eq(A.v[0][1], 20);
	ck_assert_int_eq(A.v[1][0], 30);
	ck_assert_int_eq(A.v[1][1], 20);      /* flow held */
	ck_assert_str_eq(pb_textfeed_name(&F, 0), "vac");
	ck_assert_str_eq(pb_textfeed_name(&F, 1), "flow");
}
END_TEST

START_TEST(silence_is_gap)
{
	line("1", false, 0);
	line("2", false, 5000000);            /* 5 s later */
	pb_textfeed_flush(&F, &K);
	ck_assert_uint_eq(A.next, 5001);
	ck_assert(!A.gap[0]);
	ck_assert(A.gap[1] && A.gap[4999]);
	ck_assert(!A.gap[5000]);
	ck_assert_int_eq(A.v[5000][0], 20);
	ck_assert_uint_eq(F.counts.gap_samples, 4999);
	ck_assert(A.order_ok);
}
END_TEST

START_TEST(device_time)
{
	line("1000,1,2", true, 0);
	line("1005,3,4", true, 0);            /* arrival time is ignored */
	line("1005.4,5,6", true, 0);          /* same ms, clash: next index */
	line("900,7,8", true, 0);             /* back: a discontinuity */
	pb_textfeed_flush(&F, &K);
	ck_assert(A.order_ok);
	ck_assert_int_eq(A.v[0][0], 10);
	ck_assert_int_eq(A.v[4][0], 10);      /* held 1001..1004 */
	ck_assert_int_eq(A.v[5][0], 30);
	ck_assert_int_eq(A.v[6][0], 50);
	ck_assert_int_eq(A.v[7][0], 70);
	ck_assert_uint_eq(A.next, 8);
	ck_assert_uint_eq(A.dev_ms[0], 1000);
	ck_assert_uint_eq(A.dev_ms[5], 1005);
	ck_assert_uint_eq(F.counts.discontinuities, 1);
	ck_assert_uint_eq(pb_textfeed_deadline(&F), UINT64_MAX);
}
END_TEST

START_TEST(channels_extra_units_clip)
{
	line("vac,flow", false, 0);           /* a header names columns */
	ck_assert_str_eq(pb_textfeed_name(&F, 0), "vac");
	line("1 2 3 4", false, 0);
	ck_assert_uint_eq(F.counts.extra, 2);
	pb_textfeed_init(&F, PB_UNIT_KPA);
	memset(&A, 0, sizeof A);
	A.order_ok = true;
	line("a:1 b:2 c:3", false, 0);
	line("c:9", false, 2000);             /* a third name: nothing */
	ck_assert_uint_eq(F.counts.extra, 2);
	ck_assert_uint_eq(F.counts.unused, 1);
	line("a:1000 b:-1000", false, 4000);  /* kPa: past the range */
	pb_textfeed_flush(&F, &K);
	ck_assert_int_eq(A.v[0][0], 75);      /* 1 kPa = 7.50 mmHg */
	ck_assert_int_eq(A.v[4][0], 32767);
	ck_assert_int_eq(A.v[4][1], -32767);
	ck_assert_uint_eq(F.counts.clipped, 2);
}
END_TEST

static Suite *textfeed_suite(void)
{
	Suite *s = suite_create("textfeed");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, arrival_hold);
	tcase_add_test(tc, burst_spread_not_lost);
	tcase_add_test(tc, teleplot_merged);
	tcase_add_test(tc, silence_is_gap);
	tcase_add_test(tc, device_time);
	tcase_add_test(tc, channels_extra_units_clip);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(textfeed_suite)
