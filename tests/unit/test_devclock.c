/*
 * tests/unit/test_devclock.c - device time onto host time (proto/devclock.h).
 */
#include "tests/lib/check_main.h"
#include "proto/devclock.h"

/* The least-delayed frame sets the offset; a frame read late does not
 * move it; a device time maps to when it happened, never later than the
 * frame that carried it arrived. */
START_TEST(least_delay_wins)
{
	struct pb_devclock c;
	pb_devclock_reset(&c);
	ck_assert_uint_eq(pb_devclock_host_us(&c, 500, 777), 777);  /* no map */
	pb_devclock_seen(&c, 1000, 5000000 + 1000000 + 8000);   /* 8 ms */
	pb_devclock_seen(&c, 1020, 5000000 + 1020000 + 3000);   /* 3 ms */
	pb_devclock_seen(&c, 1040, 5000000 + 1040000 + 2300000); /* late */
	ck_assert(c.have);
	ck_assert_int_eq(c.offset_us, 5003000);
	ck_assert_uint_eq(pb_devclock_host_us(&c, 1030, UINT64_MAX), 6033000);
	/* never after the frame's own arrival */
	ck_assert_uint_eq(pb_devclock_host_us(&c, 1030, 6000000), 6000000);
}
END_TEST

/* A reboot (device time back to 0) or the 49-day wrap starts over. */
START_TEST(clock_going_back_starts_over)
{
	struct pb_devclock c;
	pb_devclock_reset(&c);
	pb_devclock_seen(&c, 600000, 700000000);
	pb_devclock_seen(&c, 10, 800000000);
	ck_assert_int_eq(c.offset_us, 800000000 - 10000);
	ck_assert_uint_eq(c.last_ms, 10);
	/* a frame a little older than the last (reordered) is no reboot */
	pb_devclock_seen(&c, 5, 800000000 + 100);
	ck_assert_int_eq(c.offset_us, 800000000 - 10000);
	/* wrap: 0xFFFFFF00 then 0x10 is forward */
	pb_devclock_reset(&c);
	pb_devclock_seen(&c, 0xFFFFFF00u, 1000000);
	pb_devclock_seen(&c, 0x10u, 1300000);
	ck_assert_uint_eq(c.last_ms, 0x10u);
	ck_assert_int_eq(c.offset_us, 1300000 - 16000);
	ck_assert_uint_eq(pb_devclock_host_us(&c, 0x12u, UINT64_MAX), 1302000);
	ck_assert_uint_eq(pb_devclock_batch_end_ms(100, 20, 1000), 119);
	ck_assert_uint_eq(pb_devclock_batch_end_ms(100, 20, 0), 100);
	ck_assert_uint_eq(pb_devclock_batch_end_ms(100, 0, 1000), 100);
}
END_TEST

static Suite *devclock_suite(void)
{
	Suite *s = suite_create("devclock");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, least_delay_wins);
	tcase_add_test(tc, clock_going_back_starts_over);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(devclock_suite)
