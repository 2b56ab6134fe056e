/*
 * tests/unit/test_indexmap.c - device and recording indices onto the
 * session's time axis: no gap for a following batch, counted gaps,
 * wrap-around of the u32 device index, wall-clock gaps after a restart
 * or a link loss, and discontinuities (never an underflow) in files.
 */
#include <check.h>
#include <stdint.h>

#include "tests/lib/check_main.h"
#include "tui/indexmap.h"

#define RATE 1000u

START_TEST(live_following_batches)
{
	struct pb_indexmap m;
	pb_indexmap_init(&m);
	struct pb_index_step s = pb_indexmap_batch(&m, 500, 20, RATE, 1000);
	ck_assert_uint_eq(s.first, 500);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert(!s.link_gap);
	ck_assert_uint_eq(m.base, 500);
	s = pb_indexmap_batch(&m, 520, 20, RATE, 21000);
	ck_assert_uint_eq(s.first, 520);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert_uint_eq(m.next, 540);
}
END_TEST

START_TEST(live_counted_gap)
{
	struct pb_indexmap m;
	pb_indexmap_init(&m);
	pb_indexmap_batch(&m, 0, 20, RATE, 0);
	/* 60 samples lost between two batches */
	struct pb_index_step s = pb_indexmap_batch(&m, 80, 20, RATE, 80000);
	ck_assert_uint_eq(s.gap, 60);
	ck_assert_uint_eq(s.first, 80);
	ck_assert(!s.link_gap);
	/* exactly the limit (600 s of samples) is still counted */
	s = pb_indexmap_batch(&m, 100 + RATE * 600, 20, RATE, 90000);
	ck_assert_uint_eq(s.gap, (uint64_t)RATE * 600);
	ck_assert(!s.link_gap);
}
END_TEST

START_TEST(live_u32_wraps)
{
	struct pb_indexmap m;
	pb_indexmap_init(&m);
	pb_indexmap_batch(&m, 0xFFFFFFF0u, 16, RATE, 0);
	struct pb_index_step s = pb_indexmap_batch(&m, 0, 20, RATE, 16000);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert_uint_eq(s.first, 0x100000000ull);   /* 64-bit: no wrap */
	s = pb_indexmap_batch(&m, 30, 20, RATE, 46000);
	ck_assert_uint_eq(s.gap, 10);
	ck_assert_uint_eq(s.first, 0x100000000ull + 30);
}
END_TEST

START_TEST(live_restart_uses_wall_time)
{
	struct pb_indexmap m;
	pb_indexmap_init(&m);
	pb_indexmap_batch(&m, 100000, 20, RATE, 5000000);
	/* the device restarted: its index went back; 2.5 s passed */
	struct pb_index_step s = pb_indexmap_batch(&m, 0, 20, RATE, 7500000);
	ck_assert(s.link_gap);
	ck_assert_uint_eq(s.gap, 2500);
	ck_assert_uint_eq(s.first, 100020 + 2500);
	/* the next batch follows the new numbering */
	s = pb_indexmap_batch(&m, 20, 20, RATE, 7520000);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert(!s.link_gap);
	ck_assert_uint_eq(s.first, 100020 + 2500 + 20);
	/* no time passed at all: still one sample, so the jump shows */
	s = pb_indexmap_batch(&m, 5, 20, RATE, 7520000);
	ck_assert(s.link_gap);
	ck_assert_uint_eq(s.gap, 1);
}
END_TEST

START_TEST(live_long_jump_and_link_down)
{
	struct pb_indexmap m;
	pb_indexmap_init(&m);
	pb_indexmap_batch(&m, 0, 20, RATE, 0);
	/* more than 600 s of counted loss: wall time (1 s here), never more
	 * than the device counted */
	struct pb_index_step s = pb_indexmap_batch(&m, 20 + RATE * 601, 20,
	    RATE, 1000000);
	ck_assert(s.link_gap);
	ck_assert_uint_eq(s.gap, 1000);
	/* after a link loss a small counted jump is link time too */
	pb_indexmap_link_down(&m);
	uint32_t next = 20 + RATE * 601 + 20;
	s = pb_indexmap_batch(&m, next + 300, 20, RATE, 3000000);
	ck_assert(s.link_gap);
	ck_assert_uint_eq(s.gap, 300);   /* min(wall 2000, counted 300) */
	/* the flag is spent: the next jump is counted again */
	s = pb_indexmap_batch(&m, next + 330, 20, RATE, 3020000);
	ck_assert(!s.link_gap);
	ck_assert_uint_eq(s.gap, 10);
	/* link down, then the device goes on without a loss: no gap */
	pb_indexmap_link_down(&m);
	s = pb_indexmap_batch(&m, next + 350, 20, RATE, 4000000);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert(!s.link_gap);
}
END_TEST

START_TEST(recording_gaps_and_discontinuities)
{
	struct pb_indexmap m;
	pb_indexmap_init(&m);
	/* a state row first fixes the origin */
	pb_indexmap_start(&m, 1000);
	ck_assert_uint_eq(pb_indexmap_at(&m, 1000), 1000);
	struct pb_index_step s = pb_indexmap_sample(&m, 1000);
	ck_assert_uint_eq(s.first, 1000);
	ck_assert_uint_eq(s.gap, 0);
	s = pb_indexmap_sample(&m, 1001);
	ck_assert_uint_eq(s.gap, 0);
	s = pb_indexmap_sample(&m, 1010);   /* 8 lost */
	ck_assert_uint_eq(s.gap, 8);
	ck_assert(!s.discontinuity);
	/* the index goes back by 102: a discontinuity, not 2^64 - 102 */
	s = pb_indexmap_sample(&m, 909);
	ck_assert(s.discontinuity);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert_uint_eq(s.first, 1011);
	s = pb_indexmap_sample(&m, 910);    /* and goes on from there */
	ck_assert(!s.discontinuity);
	ck_assert_uint_eq(s.first, 1012);
	/* a repeated index is a discontinuity too */
	s = pb_indexmap_sample(&m, 910);
	ck_assert(s.discontinuity);
	ck_assert_uint_eq(s.first, 1013);
	/* a leap past 2^40 samples is not taken as a gap */
	s = pb_indexmap_sample(&m, UINT64_MAX);
	ck_assert(s.discontinuity);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert_uint_eq(s.first, 1014);
	s = pb_indexmap_sample(&m, 0);      /* wraps round to 1015 */
	ck_assert(!s.discontinuity);
	ck_assert_uint_eq(s.first, 1015);
	/* other rows: on the same axis, never before the origin */
	ck_assert_uint_eq(pb_indexmap_at(&m, 0), 1015);
	ck_assert_uint_eq(pb_indexmap_at(&m, UINT64_MAX - 100), 1000);
}
END_TEST

START_TEST(recording_origin_from_first_sample)
{
	struct pb_indexmap m;
	pb_indexmap_init(&m);
	ck_assert_uint_eq(pb_indexmap_at(&m, 77), 0);
	struct pb_index_step s = pb_indexmap_sample(&m, 5);
	ck_assert_uint_eq(s.first, 5);
	ck_assert_uint_eq(s.gap, 0);
	ck_assert_uint_eq(m.base, 5);
	pb_indexmap_start(&m, 1);           /* no-op once started */
	ck_assert_uint_eq(m.base, 5);
}
END_TEST

static Suite *indexmap_suite(void)
{
	Suite *s = suite_create("indexmap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, live_following_batches);
	tcase_add_test(tc, live_counted_gap);
	tcase_add_test(tc, live_u32_wraps);
	tcase_add_test(tc, live_restart_uses_wall_time);
	tcase_add_test(tc, live_long_jump_and_link_down);
	tcase_add_test(tc, recording_gaps_and_discontinuities);
	tcase_add_test(tc, recording_origin_from_first_sample);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(indexmap_suite)
