/*
 * tests/unit/test_cobs.c - COBS: the published examples (Cheshire & Baker;
 * the table on Wikipedia's COBS page, including the 254/255-byte runs),
 * random round trips, and every way decoding must refuse.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cobs.h"
#include "tests/lib/check_main.h"

struct vec {
	uint8_t in[300];
	size_t nin;
	uint8_t out[300];
	size_t nout;
};

/* Build the 11 published examples (plus the empty input). */
static size_t build_vectors(struct vec *v)
{
	size_t k = 0;
	memset(v, 0, 12 * sizeof *v);
#define SMALL(I, NI, O, NO) do { \
	memcpy(v[k].in, I, NI); v[k].nin = NI; \
	memcpy(v[k].out, O, NO); v[k].nout = NO; k++; } while (0)
	SMALL("", 0, "\x01", 1);
	SMALL("\x00", 1, "\x01\x01", 2);
	SMALL("\x00\x00", 2, "\x01\x01\x01", 3);
	SMALL("\x00\x11\x00", 3, "\x01\x02\x11\x01", 4);
	SMALL("\x11\x22\x00\x33", 4, "\x03\x11\x22\x02\x33", 5);
	SMALL("\x11\x22\x33\x44", 4, "\x05\x11\x22\x33\x44", 5);
	SMALL("\x11\x00\x00\x00", 4, "\x02\x11\x01\x01\x01", 5);
#undef SMALL
	/* 01 02 ... FE (254 bytes) -> FF 01 ... FE */
	for (int i = 0; i < 254; i++)
		v[k].in[i] = (uint8_t)(i + 1);
	v[k].nin = 254;
	v[k].out[0] = 0xFF;
	memcpy(v[k].out + 1, v[k].in, 254);
	v[k].nout = 255;
	k++;
	/* 00 01 ... FE (255) -> 01 FF 01 ... FE */
	for (int i = 0; i < 255; i++)
		v[k].in[i] = (uint8_t)i;
	v[k].nin = 255;
	v[k].out[0] = 0x01;
	v[k].out[1] = 0xFF;
	for (int i = 0; i < 254; i++)
		v[k].out[2 + i] = (uint8_t)(i + 1);
	v[k].nout = 256;
	k++;
	/* 01 02 ... FF (255) -> FF 01 ... FE 02 FF */
	for (int i = 0; i < 255; i++)
		v[k].in[i] = (uint8_t)(i + 1);
	v[k].nin = 255;
	v[k].out[0] = 0xFF;
	for (int i = 0; i < 254; i++)
		v[k].out[1 + i] = (uint8_t)(i + 1);
	v[k].out[255] = 0x02;
	v[k].out[256] = 0xFF;
	v[k].nout = 257;
	k++;
	/* 02 03 ... FF 00 (255) -> FF 02 ... FF 01 01 */
	for (int i = 0; i < 254; i++)
		v[k].in[i] = (uint8_t)(i + 2);
	v[k].in[254] = 0;
	v[k].nin = 255;
	v[k].out[0] = 0xFF;
	for (int i = 0; i < 254; i++)
		v[k].out[1 + i] = (uint8_t)(i + 2);
	v[k].out[255] = 0x01;
	v[k].out[256] = 0x01;
	v[k].nout = 257;
	k++;
	/* 03 04 ... FF 00 01 (255) -> FE 03 ... FF 02 01 */
	for (int i = 0; i < 253; i++)
		v[k].in[i] = (uint8_t)(i + 3);
	v[k].in[253] = 0;
	v[k].in[254] = 1;
	v[k].nin = 255;
	v[k].out[0] = 0xFE;
	for (int i = 0; i < 253; i++)
		v[k].out[1 + i] = (uint8_t)(i + 3);
	v[k].out[254] = 0x02;
	v[k].out[255] = 0x01;
	v[k].nout = 256;
	k++;
	return k;
}

START_TEST(published_examples)
{
	struct vec v[12];
	size_t nv = build_vectors(v);
	ck_assert_uint_eq(nv, 12);
	for (size_t i = 0; i < nv; i++) {
		uint8_t enc[300], dec[300];
		size_t ne = 0, nd = 0;
		ck_assert_int_eq(pb_cobs_encode(v[i].in, v[i].nin, enc,
		    sizeof enc, &ne), PB_COBS_OK);
		ck_assert_msg(ne == v[i].nout && memcmp(enc, v[i].out, ne) == 0,
		    "example %zu: encoding differs (len %zu vs %zu)", i, ne,
		    v[i].nout);
		ck_assert_uint_le(ne, PB_COBS_ENC_MAX(v[i].nin));
		ck_assert_ptr_null(memchr(enc, 0, ne));
		ck_assert_int_eq(pb_cobs_decode(v[i].out, v[i].nout, dec,
		    sizeof dec, &nd), PB_COBS_OK);
		ck_assert_msg(nd == v[i].nin && memcmp(dec, v[i].in, nd) == 0,
		    "example %zu: decoding differs", i);
	}
}
END_TEST

START_TEST(exact_capacity)
{
	/* Encoding into exactly the needed space works, one less fails. */
	struct vec v[12];
	size_t nv = build_vectors(v);
	for (size_t i = 0; i < nv; i++) {
		uint8_t enc[300], dec[300];
		size_t ne = 0, nd = 0;
		ck_assert_int_eq(pb_cobs_encode(v[i].in, v[i].nin, enc,
		    v[i].nout, &ne), PB_COBS_OK);
		ck_assert_uint_eq(ne, v[i].nout);
		ck_assert_int_eq(pb_cobs_encode(v[i].in, v[i].nin, enc,
		    v[i].nout - 1, &ne), PB_COBS_E_SPACE);
		ck_assert_int_eq(pb_cobs_decode(v[i].out, v[i].nout, dec,
		    v[i].nin, &nd), PB_COBS_OK);
		if (v[i].nin > 0)
			ck_assert_int_eq(pb_cobs_decode(v[i].out, v[i].nout,
			    dec, v[i].nin - 1, &nd), PB_COBS_E_SPACE);
	}
}
END_TEST

START_TEST(random_round_trips)
{
	srand(12345);
	for (int it = 0; it < 20000; it++) {
		uint8_t in[1100], enc[1200], dec[1100];
		size_t n = (size_t)rand() % 1100, ne = 0, nd = 0;
		int zero_pct = rand() % 101;
		for (size_t i = 0; i < n; i++)
			in[i] = rand() % 100 < zero_pct ? 0 :
			    (uint8_t)(1 + rand() % 255);
		ck_assert_int_eq(pb_cobs_encode(in, n, enc, sizeof enc, &ne),
		    PB_COBS_OK);
		ck_assert_uint_le(ne, PB_COBS_ENC_MAX(n));
		ck_assert_uint_ge(ne, n + 1);
		ck_assert_ptr_null(memchr(enc, 0, ne));
		ck_assert_int_eq(pb_cobs_decode(enc, ne, dec, sizeof dec, &nd),
		    PB_COBS_OK);
		ck_assert_uint_eq(nd, n);
		ck_assert_mem_eq(dec, in, n);
		/* In place. */
		ck_assert_int_eq(pb_cobs_decode(enc, ne, enc, sizeof enc, &nd),
		    PB_COBS_OK);
		ck_assert_uint_eq(nd, n);
		ck_assert_mem_eq(enc, in, n);
	}
}
END_TEST

START_TEST(decode_rejects)
{
	uint8_t out[64];
	size_t n = 0;
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"", 0, out, 64, &n),
	    PB_COBS_E_EMPTY);
	/* 0x00 as code, or inside a block */
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"\x00", 1, out, 64,
	    &n), PB_COBS_E_ZERO);
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"\x03\x11\x00", 3,
	    out, 64, &n), PB_COBS_E_ZERO);
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"\x02\x11\x00", 3,
	    out, 64, &n), PB_COBS_E_ZERO);
	/* a code pointing past the end (truncated frame) */
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"\x05\x11\x22", 3,
	    out, 64, &n), PB_COBS_E_TRUNC);
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"\x02\x11\x03\x22", 4,
	    out, 64, &n), PB_COBS_E_TRUNC);
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"\xFF", 1, out, 64,
	    &n), PB_COBS_E_TRUNC);
	/* output too small */
	ck_assert_int_eq(pb_cobs_decode((const uint8_t *)"\x05\x11\x22\x33\x44",
	    5, out, 3, &n), PB_COBS_E_SPACE);
	ck_assert_int_eq(pb_cobs_encode((const uint8_t *)"\x11", 1, out, 0, &n),
	    PB_COBS_E_SPACE);
	ck_assert_str_ne(pb_cobs_strerror(PB_COBS_E_TRUNC), "");
	ck_assert_str_eq(pb_cobs_strerror(PB_COBS_OK), "ok");
}
END_TEST

START_TEST(decode_never_overruns)
{
	/* Random garbage: decoding either fails or yields <= n - 1 bytes into
	 * a buffer of exactly that size (ASan watches the bounds). */
	srand(777);
	for (int it = 0; it < 50000; it++) {
		size_t n = 1 + (size_t)rand() % 40, nd = 0;
		uint8_t *in = malloc(n), *out = malloc(n - 1 > 0 ? n - 1 : 1);
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(rand() % 4 == 0 ? rand() % 6 :
			    rand() % 256);
		int rc = pb_cobs_decode(in, n, out, n - 1, &nd);
		if (rc == PB_COBS_OK)
			ck_assert_uint_le(nd, n - 1);
		else
			ck_assert_int_lt(rc, 0);
		free(in);
		free(out);
	}
}
END_TEST

static Suite *cobs_suite(void)
{
	Suite *s = suite_create("cobs");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, published_examples);
	tcase_add_test(tc, exact_capacity);
	tcase_add_test(tc, random_round_trips);
	tcase_add_test(tc, decode_rejects);
	tcase_add_test(tc, decode_never_overruns);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(cobs_suite)
