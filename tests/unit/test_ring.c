/*
 * tests/unit/test_ring.c - the interrupt-to-main-loop byte ring
 * (firmware/ring): order, the full ring dropping and counting (never
 * overwriting unread bytes), indices wrapping past 2^32, and bad sizes.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "firmware/ring.h"
#include "tests/lib/check_main.h"

START_TEST(fifo_order_and_full)
{
	uint8_t mem[8], out[16];
	struct pb_ring r;
	ck_assert_int_eq(pb_ring_init(&r, mem, sizeof mem), 0);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(pb_ring_put(&r, (uint8_t)i), 0);
	ck_assert_uint_eq(pb_ring_used(&r), 8);
	/* full: the ninth byte is dropped and counted, the eight kept */
	ck_assert_int_eq(pb_ring_put(&r, 99), -1);
	ck_assert_uint_eq(pb_ring_overruns(&r), 1);
	ck_assert_uint_eq(pb_ring_get(&r, out, 3), 3);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[2], 2);
	ck_assert_uint_eq(pb_ring_get(&r, out, sizeof out), 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(out[i], i + 3);
	ck_assert_uint_eq(pb_ring_get(&r, out, sizeof out), 0);
}
END_TEST

START_TEST(indices_wrap)
{
	uint8_t mem[4], out[4];
	struct pb_ring r;
	pb_ring_init(&r, mem, sizeof mem);
	r.head = r.tail = 0xFFFFFFFEu;   /* just before the 32-bit wrap */
	for (uint8_t i = 0; i < 4; i++)
		ck_assert_int_eq(pb_ring_put(&r, (uint8_t)(10 + i)), 0);
	ck_assert_int_eq(pb_ring_put(&r, 0), -1);
	ck_assert_uint_eq(pb_ring_used(&r), 4);
	ck_assert_uint_eq(pb_ring_get(&r, out, 4), 4);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(out[i], 10 + i);
	ck_assert_uint_eq(r.head, 2);
}
END_TEST

START_TEST(bad_sizes)
{
	uint8_t mem[12];
	struct pb_ring r;
	ck_assert_int_eq(pb_ring_init(&r, mem, 12), -1);
	ck_assert_int_eq(pb_ring_put(&r, 1), -1);
	ck_assert_int_eq(pb_ring_init(&r, mem, 1), -1);
	ck_assert_int_eq(pb_ring_init(&r, NULL, 8), -1);
	ck_assert_int_eq(pb_ring_init(&r, mem, 2), 0);
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, fifo_order_and_full);
	tcase_add_test(tc, indices_wrap);
	tcase_add_test(tc, bad_sizes);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(ring_suite)
