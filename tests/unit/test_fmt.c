/*
 * tests/unit/test_fmt.c - base/fmt agrees with the C library's snprintf
 * on every conversion it promises (values at the edges of each type,
 * widths, flags, precisions), truncates as snprintf does and returns the
 * full length; what it does not know is copied, not interpreted.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/fmt.h"
#include "tests/lib/check_main.h"

#define SAME(...) do {                                                  \
	char want[128], got[128];                                       \
	int nw = snprintf(want, sizeof want, __VA_ARGS__);              \
	int ng = pb_fmt(got, sizeof got, __VA_ARGS__);                  \
	ck_assert_str_eq(got, want);                                    \
	ck_assert_int_eq(ng, nw);                                       \
} while (0)

START_TEST(agrees_with_snprintf)
{
	SAME("plain text");
	SAME("%%");
	SAME("%d %d %d %d", 0, -1, INT_MAX, INT_MIN);
	SAME("%i|%5d|%-5d|%05d|%05d", 42, 42, 42, 42, -42);
	SAME("%u %u %x %X %08X %02x", 0u, UINT_MAX, 0xbeefu, 0xbeefu, 0xabcu,
	    5u);
	SAME("%ld %lu %lld %llu", LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX);
	SAME("%zu %zx", (size_t)0, SIZE_MAX);
	SAME("%s|%10s|%-10s|%.3s|%.*s|%.16s", "abc", "abc", "abc", "abcdef",
	    2, "xyz", "0123456789abcdefghij");
	SAME("%c%c%3c", 'a', 'Z', 'q');
	SAME("ch%u written: id %u order %u station %.16s", 1u, 7u, 2u,
	    "STATION-A");
	SAME("%sEEPROM: initial record: %s", "\n", "ok");
	SAME("PS%08X", 0x12345u);
}
END_TEST

START_TEST(truncates_like_snprintf)
{
	char b[8];
	memset(b, 'x', sizeof b);
	ck_assert_int_eq(pb_fmt(b, sizeof b, "%s-%d", "abcdef", 12345), 12);
	ck_assert_str_eq(b, "abcdef-");
	ck_assert_int_eq(pb_fmt(b, 1, "%d", 99), 2);
	ck_assert_str_eq(b, "");
	/* cap 0: nothing written at all */
	b[0] = 'k';
	ck_assert_int_eq(pb_fmt(b, 0, "%s", "abc"), 3);
	ck_assert_int_eq(b[0], 'k');
}
END_TEST

START_TEST(unknown_is_copied)
{
	char b[64];
	/* formats the compiler would refuse, so through variables */
	const char *volatile f1 = "%f %d %q %s", *volatile f2 = "end %";
	const char *volatile none = NULL;
	/* %f is not ours: copied, and it takes no argument, so the %d
	 * after it still gets the first one */
	pb_fmt(b, sizeof b, f1, 7, "x");
	ck_assert_str_eq(b, "%f 7 %q x");
	pb_fmt(b, sizeof b, f2, 0);
	ck_assert_str_eq(b, "end %");
	pb_fmt(b, sizeof b, "%s", none);
	ck_assert_str_eq(b, "(null)");
}
END_TEST

static Suite *fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, agrees_with_snprintf);
	tcase_add_test(tc, truncates_like_snprintf);
	tcase_add_test(tc, unknown_is_copied);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(fmt_suite)
