/*
 * tests/unit/test_crc32c_tables.c - the small-table builds of CRC-32C
 * (PB_CRC32C_TABLE 4, the 64-byte nibble table of the small
 * configuration, and 1, the 1 KB byte table): proto/crc32c.c compiled
 * here once per option under other names, each checked against the
 * bit-at-a-time reference at every length 0..600 and alignment, and
 * against the published check value.
 */
#include <check.h>
#include <stdlib.h>

#include "tests/lib/check_main.h"

#define PB_CRC32C_TABLE 4
#define pb_crc32c_update crc_nib_update
#define pb_crc32c crc_nib
#define pb_crc32c_bitwise crc_nib_bitwise
#include "proto/crc32c.c"
#undef PB_CRC32C_TABLE
#undef PB_CRC32C_POLY
#undef pb_crc32c_update
#undef pb_crc32c
#undef pb_crc32c_bitwise

#define PB_CRC32C_TABLE 1
#define pb_crc32c_update crc_byte_update
#define pb_crc32c crc_byte
#define pb_crc32c_bitwise crc_byte_bitwise
#define load_le32 load_le32_byte
#include "proto/crc32c.c"

START_TEST(check_values)
{
	ck_assert_uint_eq(crc_nib("123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc_byte("123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc_nib("", 0), 0);
}
END_TEST

START_TEST(tables_match_bitwise)
{
	static uint8_t buf[608];
	srand(32);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	for (size_t align = 0; align < 8; align++)
		for (size_t n = 0; n <= 600; n++) {
			uint32_t want = crc_nib_bitwise(0, buf + align, n);
			ck_assert_uint_eq(crc_nib(buf + align, n), want);
			ck_assert_uint_eq(crc_byte(buf + align, n), want);
		}
	/* incremental */
	uint32_t c = crc_nib_update(0, buf, 100);
	c = crc_nib_update(c, buf + 100, 77);
	ck_assert_uint_eq(c, crc_byte(buf, 177));
}
END_TEST

static Suite *crc_tables_suite(void)
{
	Suite *s = suite_create("crc32c_tables");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, check_values);
	tcase_add_test(tc, tables_match_bitwise);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(crc_tables_suite)
