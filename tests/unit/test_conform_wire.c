/*
 * tests/unit/test_conform_wire.c - the conformance suite's own frame
 * codec (hil/conform-wire), written from docs/protocol.md alone: every
 * test vector of section 9, read from the page, decodes; the STOP worked
 * example encodes byte for byte; each check of section 3.5 names the
 * piece it drops; the streaming reader resyncs and counts; str16 rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil/conform-wire.h"
#include "tests/lib/check_main.h"

/* Every "vector NAME: hex" line of docs/protocol.md, decoded. */
START_TEST(doc_vectors_decode)
{
	FILE *f = fopen("docs/protocol.md", "r");
	ck_assert_ptr_nonnull(f);
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "vector ", 7) != 0)
			continue;
		uint8_t b[300];
		size_t k = 0;
		char *p = strchr(line, ':') + 1, *end;
		for (;;) {
			unsigned long v = strtoul(p, &end, 16);
			if (end == p)
				break;
			b[k++] = (uint8_t)v;
			p = end;
		}
		ck_assert_uint_gt(k, 1);
		ck_assert_uint_eq(b[k - 1], 0);
		struct pb_cw_frame fr;
		ck_assert_msg(pb_cw_decode(b, k - 1, &fr) == PB_CW_OK, "%s",
		    line);
		n++;
	}
	fclose(f);
	ck_assert_int_ge(n, 10);
}
END_TEST

START_TEST(stop_example_encodes)
{
	/* section 9, "Worked example, stop" */
	static const uint8_t want[] = { 0x04, 0x01, 0x01, 0x07, 0x03, 0x11,
	    0x05, 0x05, 0xa7, 0x35, 0xb0, 0x1c, 0x00 };
	uint8_t w[64];
	size_t k = pb_cw_encode(1, 0x01, 7, 0x11, 5, 0, NULL, 0, 0, w,
	    sizeof w);
	ck_assert_uint_eq(k, sizeof want);
	ck_assert_mem_eq(w, want, k);
	ck_assert_uint_eq(pb_cw_crc32c((const uint8_t *)"123456789", 9),
	    0xE3069283u);
}
END_TEST

START_TEST(each_check_names_its_drop)
{
	uint8_t w[300], p[8] = { 1, 2, 0, 4, 5, 6, 7, 8 };
	struct pb_cw_frame f;
	size_t k = pb_cw_encode(1, 0, 1, 0x13, 2, 8, p, 8, 0, w, sizeof w);
	ck_assert_int_eq(pb_cw_decode(w, k - 1, &f), PB_CW_OK);
	ck_assert_uint_eq(f.len, 8);
	ck_assert_mem_eq(f.p, p, 8);
	k = pb_cw_encode(1, 0, 1, 0x13, 2, 8, p, 8, 1, w, sizeof w);
	ck_assert_int_eq(pb_cw_decode(w, k - 1, &f), PB_CW_CRC);
	k = pb_cw_encode(2, 0, 1, 0x13, 2, 8, p, 8, 0, w, sizeof w);
	ck_assert_int_eq(pb_cw_decode(w, k - 1, &f), PB_CW_VERSION);
	k = pb_cw_encode(1, 0, 1, 0x13, 2, 9, p, 8, 0, w, sizeof w);
	ck_assert_int_eq(pb_cw_decode(w, k - 1, &f), PB_CW_LENGTH);
	uint8_t big[241];
	memset(big, 1, sizeof big);
	k = pb_cw_encode(1, 0, 1, 0x13, 2, 241, big, 241, 0, w, sizeof w);
	ck_assert_int_eq(pb_cw_decode(w, k - 1, &f), PB_CW_OVERSIZE);
	uint8_t cobs[3] = { 0x05, 0x01, 0x01 };   /* a code past the end */
	ck_assert_int_eq(pb_cw_decode(cobs, 3, &f), PB_CW_COBS);
	uint8_t shortf[4] = { 0x04, 0x01, 0x01, 0x01 };
	ck_assert_int_eq(pb_cw_decode(shortf, 4, &f), PB_CW_LENGTH);
}
END_TEST

struct got { int frames, bad, last_bad; };
static void on_f(void *ctx, const struct pb_cw_frame *f)
{
	(void)f;
	((struct got *)ctx)->frames++;
}
static void on_b(void *ctx, int why, const uint8_t *piece, size_t n)
{
	(void)piece;
	(void)n;
	((struct got *)ctx)->bad++;
	((struct got *)ctx)->last_bad = why;
}

START_TEST(reader_resyncs)
{
	struct pb_cw_reader r;
	struct got g = { 0, 0, 0 };
	uint8_t w[64];
	size_t k = pb_cw_encode(1, 0, 1, 0x11, 0, 0, NULL, 0, 0, w, sizeof w);
	pb_cw_reader_init(&r);
	/* joined mid-frame: the bytes before the first 0x00 are no piece */
	pb_cw_reader_feed(&r, w + 3, k - 3, 0, on_f, on_b, &g);
	ck_assert_int_eq(g.frames, 0);
	ck_assert_int_eq(g.bad, 0);
	pb_cw_reader_feed(&r, w, k, 0, on_f, on_b, &g);
	ck_assert_int_eq(g.frames, 1);
	/* 300 non-zero bytes: one oversize drop, then in sync again */
	uint8_t junk[301];
	memset(junk, 0x55, 300);
	junk[300] = 0;
	pb_cw_reader_feed(&r, junk, sizeof junk, 0, on_f, on_b, &g);
	ck_assert_int_eq(g.bad, 1);
	ck_assert_int_eq(g.last_bad, PB_CW_OVERSIZE);
	pb_cw_reader_feed(&r, (const uint8_t *)"\0\0", 2, 0, on_f, on_b, &g);
	ck_assert_uint_eq(r.empty, 2);
	pb_cw_reader_feed(&r, w, k, 0, on_f, on_b, &g);
	ck_assert_int_eq(g.frames, 2);
}
END_TEST

START_TEST(str16_rules)
{
	char out[17];
	uint8_t s[16] = { 'a', 'b', 0 };
	ck_assert(pb_cw_str16(s, out));
	ck_assert_str_eq(out, "ab");
	s[5] = 'x';                          /* after the 0x00 */
	ck_assert(!pb_cw_str16(s, out));
	memset(s, 'a', 16);                  /* no terminator */
	ck_assert(!pb_cw_str16(s, out));
	memset(s, 0, 16);
	s[0] = 0x7F;
	ck_assert(!pb_cw_str16(s, out));
	memset(s, 0, 16);
	ck_assert(pb_cw_str16(s, out));
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *conform_wire_suite(void)
{
	Suite *s = suite_create("conform_wire");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, doc_vectors_decode);
	tcase_add_test(tc, stop_example_encodes);
	tcase_add_test(tc, each_check_names_its_drop);
	tcase_add_test(tc, reader_resyncs);
	tcase_add_test(tc, str16_rules);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(conform_wire_suite)
