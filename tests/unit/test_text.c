/* tests for base/text.c: outside bytes made safe for terminals and
 * reports, and base/isotime.c */
#include <check.h>
#include <string.h>

#include "base/isotime.h"
#include "base/text.h"
#include "tests/lib/check_main.h"

static const char *esc(const char *s, size_t n)
{
	static char b[256];
	pb_text_escape(b, sizeof b, s, n);
	return b;
}

static const char *cln(const char *s, size_t n)
{
	static char b[256];
	pb_text_clean(b, sizeof b, s, n);
	return b;
}

START_TEST(escape_controls_and_bad_bytes)
{
	ck_assert_str_eq(esc("plain", 5), "plain");
	ck_assert_str_eq(esc("\x1b[2Jgone", 8), "\\x1B[2Jgone");
	ck_assert_str_eq(esc("a\tb\nc\r", 6), "a\\tb\\nc\\r");
	ck_assert_str_eq(esc("n\0ul", 4), "n\\x00ul");
	ck_assert_str_eq(esc("\x7f", 1), "\\x7F");
	/* valid UTF-8 stays; a C1 control (CSI U+009B) and bad bytes go */
	ck_assert_str_eq(esc("50 \xc2\xb5s", 6), "50 \xc2\xb5s");
	ck_assert_str_eq(esc("\xc2\x9b" "2J", 4), "\\xC2\\x9B2J");
	ck_assert_str_eq(esc("\xff\xfe", 2), "\\xFF\\xFE");
	ck_assert_str_eq(esc("\xe2\x82", 2), "\\xE2\\x82");      /* cut */
	ck_assert_str_eq(esc("\xc0\xaf", 2), "\\xC0\\xAF");      /* overlong */
	ck_assert_str_eq(esc("\xed\xa0\x80", 3), "\\xED\\xA0\\x80"); /* surrogate */
	char b[64];
	ck_assert_uint_eq(pb_text_escape_str(b, sizeof b, "x\x1b"), 5);
	ck_assert_str_eq(b, "x\\x1B");
}
END_TEST

START_TEST(escape_bounded_with_mark)
{
	char b[10];
	/* exactly fits: no mark */
	ck_assert_uint_eq(pb_text_escape(b, sizeof b, "123456789", 9), 9);
	ck_assert_str_eq(b, "123456789");
	/* one more: cut with "..." inside the buffer */
	ck_assert_uint_eq(pb_text_escape(b, sizeof b, "1234567890", 10), 9);
	ck_assert_str_eq(b, "123456...");
	/* an escape is never cut in half */
	pb_text_escape(b, sizeof b, "12345\x1b\x1b\x1b", 8);
	ck_assert_str_eq(b, "12345...");
	/* a UTF-8 character is never cut in half */
	pb_text_escape(b, 9, "12345\xe2\x82\xac\xe2\x82\xac", 11);
	ck_assert_str_eq(b, "12345...");
	ck_assert_uint_eq(pb_text_escape(b, 1, "abc", 3), 0);
	ck_assert_str_eq(b, "");
}
END_TEST

START_TEST(clean_is_valid_utf8)
{
	ck_assert_str_eq(cln("ok \xc3\xa9", 5), "ok \xc3\xa9");
	ck_assert_str_eq(cln("a\tb\nc", 5), "a\tb\nc");
	ck_assert_str_eq(cln("\xff", 1), "\xef\xbf\xbd");
	ck_assert_str_eq(cln("\x1b[0m", 4), "\xef\xbf\xbd[0m");
	ck_assert_str_eq(cln("n\0l", 3), "n\xef\xbf\xbdl");
	ck_assert_str_eq(cln("\xef\xbf\xbe", 3), "\xef\xbf\xbd");   /* U+FFFE */
	ck_assert_str_eq(cln("\xf4\x90\x80\x80", 4),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* every byte value, in every position: the result is valid */
	unsigned char in[512];
	for (int i = 0; i < 512; i++)
		in[i] = (unsigned char)(i * 37 + (i >> 3));
	char out[2048];
	size_t n = pb_text_clean(out, sizeof out, in, sizeof in);
	ck_assert(pb_text_utf8_valid(out, n));
	ck_assert_uint_eq(strlen(out), n);
	char *d = pb_text_clean_dup(in, sizeof in, 100);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_le(strlen(d), 99);
	ck_assert(pb_text_utf8_valid(d, strlen(d)));
	ck_assert_str_eq(d + strlen(d) - 3, "...");
	free(d);
}
END_TEST

START_TEST(utf8_validity)
{
	ck_assert(pb_text_utf8_valid("", 0));
	ck_assert(pb_text_utf8_valid("\xf0\x9f\x98\x80", 4));
	ck_assert(!pb_text_utf8_valid("\xf0\x9f\x98", 3));
	ck_assert(!pb_text_utf8_valid("\x80", 1));
	ck_assert(!pb_text_utf8_valid("\xe0\x80\x80", 3));
	ck_assert(!pb_text_utf8_valid("\xf5\x80\x80\x80", 4));
}
END_TEST

START_TEST(isotime_forms)
{
	char b[40];
	ck_assert_str_eq(pb_isotime(0, PB_ISO_UTC_MS, b, sizeof b),
	    "1970-01-01T00:00:00.000Z");
	ck_assert_str_eq(pb_isotime(1764352800123, PB_ISO_UTC_MS, b, sizeof b),
	    "2025-11-28T18:00:00.123Z");
	ck_assert_str_eq(pb_isotime(1764352800123, PB_ISO_UTC, b, sizeof b),
	    "2025-11-28T18:00:00Z");
	ck_assert_str_eq(pb_isotime(1764352800123, PB_ISO_JUNIT, b, sizeof b),
	    "2025-11-28T18:00:00");
	ck_assert_str_eq(pb_isotime(1764352800123, PB_ISO_BASIC, b, sizeof b),
	    "20251128T180000Z");
	ck_assert_str_eq(pb_isotime(-1, PB_ISO_UTC_MS, b, sizeof b),
	    "1969-12-31T23:59:59.999Z");
}
END_TEST

static Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, escape_controls_and_bad_bytes);
	tcase_add_test(tc, escape_bounded_with_mark);
	tcase_add_test(tc, clean_is_valid_utf8);
	tcase_add_test(tc, utf8_validity);
	tcase_add_test(tc, isotime_forms);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(text_suite)
