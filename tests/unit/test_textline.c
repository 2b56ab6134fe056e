/*
 * tests/unit/test_textline.c - bring-up mode's line parser: columns
 * (spaces, tabs, commas, absent fields, trailing comma), Arduino
 * name:value pairs, Teleplot lines with and without a time, headers,
 * comments and blanks; numbers without locale, hex, NaN or inf; lines
 * split across reads and CR, LF, CR LF; an overlong line bounded and
 * counted once; malformed lines with their reason and column.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "tests/lib/check_main.h"
#include "tui/textline.h"

static struct pb_textline_rec P(const char *s, bool time_first)
{
	struct pb_textline_rec r;
	pb_textline_parse(s, strlen(s), time_first, 7, &r);
	return r;
}

/* s is malformed for this reason (why NULL: any), at this column (0:
 * any) */
static void bad_is(const char *s, bool time_first, const char *why,
    unsigned col)
{
	struct pb_textline_rec r = P(s, time_first);
	ck_assert_msg(r.kind == PB_TL_BAD, "'%s' not malformed", s);
	if (why)
		ck_assert_str_eq(r.why, why);
	if (col)
		ck_assert_uint_eq(r.col, col);
}

START_TEST(numbers)
{
	double v;
	ck_assert_int_eq(pb_textline_number("12.5", 4, &v), 0);
	ck_assert(fabs(v - 12.5) < 1e-12);
	ck_assert_int_eq(pb_textline_number("-0.25", 5, &v), 0);
	ck_assert(fabs(v + 0.25) < 1e-12);
	ck_assert_int_eq(pb_textline_number(".5", 2, &v), 0);
	ck_assert(fabs(v - 0.5) < 1e-12);
	ck_assert_int_eq(pb_textline_number("5.", 2, &v), 0);
	ck_assert_int_eq(pb_textline_number("+1e3", 4, &v), 0);
	ck_assert(fabs(v - 1000) < 1e-9);
	ck_assert_int_eq(pb_textline_number("12E-1", 5, &v), 0);
	ck_assert(fabs(v - 1.2) < 1e-12);
	ck_assert_int_eq(pb_textline_number("000123456789012345678901", 24,
	    &v), 0);
	ck_assert(fabs(v / 123456789012345678901.0 - 1) < 1e-15);
	const char *bad[] = { "", "-", ".", "e5", "1e", "1e+", "0x10", "nan",
	    "NaN", "inf", "-inf", "infinity", "1.2.3", "1,5", "1 ", "12a",
	    "1e400", "-1e99999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(pb_textline_number(bad[i], strlen(bad[i]), &v) < 0,
		    "'%s' accepted", bad[i]);
	/* tiny is 0, not an error */
	ck_assert_int_eq(pb_textline_number("1e-400", 6, &v), 0);
	ck_assert(v == 0);
}
END_TEST

START_TEST(columns)
{
	struct pb_textline_rec r = P("12.5 3\t-4", false);
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert_uint_eq(r.line, 7);
	ck_assert(!r.named);
	ck_assert_int_eq(r.n, 3);
	ck_assert(r.v[0] == 12.5 && r.v[1] == 3 && r.v[2] == -4);
	ck_assert(r.present[0] && r.present[1] && r.present[2]);

	r = P("1,2,", false);            /* Arduino's trailing comma */
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert_int_eq(r.n, 2);
	r = P("1, 2 ,3", false);
	ck_assert_int_eq(r.n, 3);
	ck_assert(r.v[2] == 3);
	r = P("1,,3", false);            /* an absent middle field */
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert_int_eq(r.n, 3);
	ck_assert(r.present[0] && !r.present[1] && r.present[2]);
	r = P(",5", false);
	ck_assert_int_eq(r.n, 2);
	ck_assert(!r.present[0] && r.present[1]);

	r = P("1 2 3 4 5 6 7 8 9 10", false);   /* past the kept fields */
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert_int_eq(r.n, PB_TEXTLINE_FIELDS);
	ck_assert_uint_eq(r.extra, 10 - PB_TEXTLINE_FIELDS);
}
END_TEST

START_TEST(pairs)
{
	struct pb_textline_rec r = P("vac:123.4,flow:2", false);
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert(r.named);
	ck_assert(!r.teleplot);
	ck_assert_int_eq(r.n, 2);
	ck_assert_str_eq(r.name[0], "vac");
	ck_assert_str_eq(r.name[1], "flow");
	ck_assert(r.v[0] == 123.4 && r.v[1] == 2);
	r = P("vac:1 flow:2\t", false);
	ck_assert_int_eq(r.n, 2);
	ck_assert_str_eq(r.name[1], "flow");
	bad_is("vac:1 2", false, "mixes name:value pairs and bare numbers", 7);
	bad_is("vac:", false, "not a number", 5);
	bad_is(":5", false, "empty name", 0);
	bad_is("a_name_that_is_far_too_long:5", false, "name too long", 0);
}
END_TEST

START_TEST(teleplot)
{
	struct pb_textline_rec r = P(">vac:123.4", false);
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert(r.named && r.teleplot && !r.has_time);
	ck_assert_int_eq(r.n, 1);
	ck_assert_str_eq(r.name[0], "vac");
	ck_assert(r.v[0] == 123.4);
	r = P(">vac:1627551892437:56.5", false);
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert(r.has_time);
	ck_assert(r.time_ms == 1627551892437.0);
	ck_assert(r.v[0] == 56.5);
	r = P(">vac:12\xc2\xa7mmHg|g", false);     /* unit and flags */
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert(r.v[0] == 12);
	bad_is(">vac:1:2;3:4", false, NULL, 0);
	bad_is(">vac", false, NULL, 0);
	bad_is(">vac:abc|t", false, "not a number", 0);   /* Teleplot text */
}
END_TEST

START_TEST(headers_blanks_time)
{
	struct pb_textline_rec r = P("vac,flow", false);
	ck_assert_int_eq(r.kind, PB_TL_HEADER);
	ck_assert_int_eq(r.n, 2);
	ck_assert_str_eq(r.name[0], "vac");
	r = P("time vac flow", true);   /* the time column's name dropped */
	ck_assert_int_eq(r.kind, PB_TL_HEADER);
	ck_assert_int_eq(r.n, 2);
	ck_assert_str_eq(r.name[0], "vac");
	ck_assert_int_eq(P("", false).kind, PB_TL_BLANK);
	ck_assert_int_eq(P(" \t ", false).kind, PB_TL_BLANK);
	ck_assert_int_eq(P("# boot 1.2", false).kind, PB_TL_BLANK);

	r = P("1000,12,13", true);
	ck_assert_int_eq(r.kind, PB_TL_VALUES);
	ck_assert(r.has_time && r.time_ms == 1000);
	ck_assert_int_eq(r.n, 2);
	ck_assert(r.v[0] == 12);
	r = P("t:5 vac:3", true);
	ck_assert(r.has_time && r.time_ms == 5);
	ck_assert_int_eq(r.n, 1);
	ck_assert_str_eq(r.name[0], "vac");
	bad_is("1000", true, "no value after the time", 0);
	bad_is(",3", true, NULL, 0);
}
END_TEST

START_TEST(malformed)
{
	bad_is("12 abc 3", false, "not a number", 4);
	bad_is("1 nan", false, NULL, 0);
	bad_is("1 inf", false, NULL, 0);
	bad_is("1 1e999", false, NULL, 0);
	bad_is("1 \x1b[31m", false, "control character", 3);
	bad_is("1 \xc3\xa9", false, "not ASCII", 0);
	struct pb_textline_rec z;
	pb_textline_parse("1\0 2", 4, false, 1, &z);
	ck_assert_int_eq(z.kind, PB_TL_BAD);
	ck_assert_str_eq(z.why, "control character");
	bad_is(",", false, "no value", 0);
}
END_TEST

/* the stream: collect what the callback gets */
struct got {
	int n;
	struct pb_textline_rec r[64];
};

static void collect(void *ctx, const struct pb_textline_rec *r)
{
	struct got *g = ctx;
	if (g->n < 64)
		g->r[g->n] = *r;
	g->n++;
}

START_TEST(stream_pieces_and_line_ends)
{
	struct pb_textline p;
	pb_textline_init(&p, false);
	struct got g = { 0 };
	const char *in = "a b\r\n1 2\r\n3 4\n5 6\r7 8\r\n\r\n9 x\n10\nc d\n";
	/* one byte at a time: the CR LF split across reads is one end */
	for (size_t i = 0; in[i]; i++)
		pb_textline_feed(&p, in + i, 1, collect, &g);
	ck_assert_int_eq(g.n, 9);
	ck_assert_int_eq(g.r[0].kind, PB_TL_HEADER);   /* before the data */
	ck_assert(g.r[1].v[0] == 1 && g.r[2].v[0] == 3 &&
	    g.r[3].v[0] == 5 && g.r[4].v[0] == 7);
	ck_assert_int_eq(g.r[5].kind, PB_TL_BLANK);
	ck_assert_int_eq(g.r[6].kind, PB_TL_BAD);
	ck_assert_uint_eq(g.r[6].line, 7);
	ck_assert(g.r[7].v[0] == 10);
	ck_assert_int_eq(g.r[8].kind, PB_TL_BAD);      /* words in the data */
	ck_assert_str_eq(g.r[8].why, "words, not numbers");
	pb_textline_feed(&p, "11", 2, collect, &g);
	pb_textline_finish(&p, collect, &g);   /* "11" had no line end */
	ck_assert_int_eq(g.n, 10);
	ck_assert(g.r[9].v[0] == 11);
	ck_assert_uint_eq(p.counts.lines, 10);
	ck_assert_uint_eq(p.counts.values, 6);
	ck_assert_uint_eq(p.counts.bad, 2);
	ck_assert_uint_eq(p.counts.blank, 1);
	ck_assert_uint_eq(p.counts.headers, 1);
	pb_textline_finish(&p, collect, &g);   /* nothing more */
	ck_assert_int_eq(g.n, 10);
}
END_TEST

START_TEST(overlong_bounded_once)
{
	struct pb_textline p;
	pb_textline_init(&p, false);
	struct got g = { 0 };
	static char big[PB_TEXTLINE_MAX * 5];
	memset(big, '1', sizeof big);
	pb_textline_feed(&p, "5\n", 2, collect, &g);
	for (int i = 0; i < 3; i++)
		pb_textline_feed(&p, big, sizeof big, collect, &g);
	pb_textline_feed(&p, "\n6\n", 3, collect, &g);
	ck_assert_int_eq(g.n, 3);
	ck_assert_int_eq(g.r[1].kind, PB_TL_BAD);
	ck_assert_str_eq(g.r[1].why, "line too long");
	ck_assert_int_eq(g.r[2].kind, PB_TL_VALUES);
	ck_assert(g.r[2].v[0] == 6);
	ck_assert_uint_eq(g.r[2].line, 3);
	ck_assert_uint_eq(p.counts.overlong, 1);
	ck_assert_uint_eq(p.counts.bad, 1);
	/* exactly the limit is a line */
	memset(big, ' ', PB_TEXTLINE_MAX);
	big[PB_TEXTLINE_MAX - 1] = '7';
	pb_textline_feed(&p, big, PB_TEXTLINE_MAX, collect, &g);
	pb_textline_feed(&p, "\n", 1, collect, &g);
	ck_assert_int_eq(g.r[3].kind, PB_TL_VALUES);
	ck_assert(g.r[3].v[0] == 7);
}
END_TEST

static Suite *textline_suite(void)
{
	Suite *s = suite_create("textline");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, columns);
	tcase_add_test(tc, pairs);
	tcase_add_test(tc, teleplot);
	tcase_add_test(tc, headers_blanks_time);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, stream_pieces_and_line_ends);
	tcase_add_test(tc, overlong_bounded_once);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(textline_suite)
