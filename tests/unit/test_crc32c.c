/*
 * tests/unit/test_crc32c.c - CRC-32C: the check value, other published
 * values (RFC 3720 appendix B.4, iSCSI), the slicing-by-8 path against the
 * bit-at-a-time reference at every length and alignment, and incremental
 * use.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crc32c.h"
#include "tests/lib/check_main.h"

START_TEST(check_value)
{
	ck_assert_uint_eq(pb_crc32c("123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(PB_CRC32C_CHECK, 0xE3069283u);
	ck_assert_uint_eq(pb_crc32c_bitwise(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(pb_crc32c("", 0), 0);
}
END_TEST

START_TEST(rfc3720_vectors)
{
	/* RFC 3720 B.4: CRC as transmitted (little-endian byte order). */
	uint8_t buf[48];
	memset(buf, 0, 32);
	ck_assert_uint_eq(pb_crc32c(buf, 32), 0x8A9136AAu);
	memset(buf, 0xFF, 32);
	ck_assert_uint_eq(pb_crc32c(buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	ck_assert_uint_eq(pb_crc32c(buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(pb_crc32c(buf, 32), 0x113FDB5Cu);
	static const uint8_t iscsi[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
	};
	ck_assert_uint_eq(pb_crc32c(iscsi, 48), 0xD9963A56u);
}
END_TEST

START_TEST(fast_matches_bitwise)
{
	static uint8_t buf[1024 + 16];
	srand(4242);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	for (size_t align = 0; align < 8; align++)
		for (size_t n = 0; n <= 1024; n++)
			ck_assert_uint_eq(pb_crc32c(buf + align, n),
			    pb_crc32c_bitwise(0, buf + align, n));
}
END_TEST

START_TEST(incremental)
{
	static uint8_t buf[600];
	srand(99);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	uint32_t whole = pb_crc32c(buf, sizeof buf);
	for (size_t cut = 0; cut <= sizeof buf; cut += 7) {
		uint32_t c = pb_crc32c_update(0, buf, cut);
		c = pb_crc32c_update(c, buf + cut, sizeof buf - cut);
		ck_assert_uint_eq(c, whole);
	}
	/* byte at a time */
	uint32_t c = 0;
	for (size_t i = 0; i < sizeof buf; i++)
		c = pb_crc32c_update(c, buf + i, 1);
	ck_assert_uint_eq(c, whole);
}
END_TEST

START_TEST(detects_single_bit_errors)
{
	uint8_t buf[251];
	srand(5);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	uint32_t good = pb_crc32c(buf, sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++)
		for (int b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			ck_assert_uint_ne(pb_crc32c(buf, sizeof buf), good);
			buf[i] ^= (uint8_t)(1u << b);
		}
}
END_TEST

static Suite *crc_suite(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, check_value);
	tcase_add_test(tc, rfc3720_vectors);
	tcase_add_test(tc, fast_matches_bitwise);
	tcase_add_test(tc, incremental);
	tcase_add_test(tc, detects_single_bit_errors);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(crc_suite)
