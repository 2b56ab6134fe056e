/*
 * tests/unit/test_dac.c - MCP4922 words, exact values from
 * docs/hil.md ("MPSSE byte stream"; Microchip MCP4922 datasheet).
 */
#include <check.h>
#include <math.h>

#include "hil/dac.h"
#include "tests/lib/check_main.h"

START_TEST(reference_words)
{
	uint16_t w;
	ck_assert_int_eq(pb_dac_encode(0, 0.5, 5.0, false, &w), PB_DAC_OK);
	ck_assert_uint_eq(w, 0x319A);
	ck_assert_int_eq(pb_dac_encode(0, 2.5, 5.0, false, &w), PB_DAC_OK);
	ck_assert_uint_eq(w, 0x3800);
	ck_assert_int_eq(pb_dac_encode(0, 4.5, 5.0, false, &w), PB_DAC_OK);
	ck_assert_uint_eq(w, 0x3E66);
	/* DAC B: OR 0x8000 */
	ck_assert_int_eq(pb_dac_encode(1, 0.5, 5.0, false, &w), PB_DAC_OK);
	ck_assert_uint_eq(w, 0xB19A);
	ck_assert_int_eq(pb_dac_encode(1, 2.5, 5.0, false, &w), PB_DAC_OK);
	ck_assert_uint_eq(w, 0xB800);
	ck_assert_int_eq(pb_dac_encode(1, 4.5, 5.0, false, &w), PB_DAC_OK);
	ck_assert_uint_eq(w, 0xBE66);
	/* BUF */
	ck_assert_int_eq(pb_dac_encode(0, 2.5, 5.0, true, &w), PB_DAC_OK);
	ck_assert_uint_eq(w, 0x7800);
}
END_TEST

START_TEST(ends_and_rounding)
{
	uint16_t c;
	ck_assert_int_eq(pb_dac_code(0.0, 5.0, &c), PB_DAC_OK);
	ck_assert_uint_eq(c, 0);
	ck_assert_int_eq(pb_dac_code(5.0 * 4095 / 4096, 5.0, &c), PB_DAC_OK);
	ck_assert_uint_eq(c, 4095);
	/* Vref itself is one code above full scale: clamps to 4095 */
	ck_assert_int_eq(pb_dac_code(5.0, 5.0, &c), PB_DAC_OK);
	ck_assert_uint_eq(c, 4095);
	ck_assert_int_eq(pb_dac_code(5.01, 5.0, &c), PB_DAC_E_RANGE);
	ck_assert_int_eq(pb_dac_code(-0.01, 5.0, &c), PB_DAC_E_RANGE);
	ck_assert_int_eq(pb_dac_code(NAN, 5.0, &c), PB_DAC_E_RANGE);
	ck_assert_int_eq(pb_dac_code(1.0, 0.0, &c), PB_DAC_E_ARG);
	ck_assert_int_eq(pb_dac_encode(2, 1.0, 5.0, false, &c), PB_DAC_E_ARG);
	/* 3.3 V reference */
	ck_assert_int_eq(pb_dac_code(1.65, 3.3, &c), PB_DAC_OK);
	ck_assert_uint_eq(c, 2048);
}
END_TEST

START_TEST(round_trip_every_code)
{
	for (unsigned code = 0; code <= 4095; code++) {
		double v = pb_dac_volts((uint16_t)code, 5.0, true);
		uint16_t back;
		ck_assert_int_eq(pb_dac_code(v, 5.0, &back), PB_DAC_OK);
		ck_assert_uint_eq(back, code);
		uint16_t w;
		pb_dac_encode((int)(code & 1), v, 5.0, false, &w);
		ck_assert_double_eq_tol(pb_dac_word_volts(w, 5.0), v, 1e-12);
	}
}
END_TEST

START_TEST(pack_unpack)
{
	struct pb_dac_word w;
	pb_dac_unpack(0xB19A, &w);
	ck_assert_int_eq(w.ch, 1);
	ck_assert(!w.buffered);
	ck_assert(w.gain1x);
	ck_assert(w.active);
	ck_assert_uint_eq(w.code, 0x19A);
	ck_assert_uint_eq(pb_dac_pack(&w), 0xB19A);
	/* shut down: no output; gain 2x doubles */
	ck_assert_double_eq(pb_dac_word_volts(0x2800, 5.0), 0.0);
	ck_assert_double_eq_tol(pb_dac_word_volts(0x1400, 2.5), 1.25, 1e-12);
	ck_assert_double_eq_tol(pb_dac_word_volts(0x3400, 2.5), 0.625, 1e-12);
	ck_assert_str_eq(pb_dac_strerror(PB_DAC_E_RANGE),
	    "DAC voltage out of range");
}
END_TEST

static Suite *dac_suite(void)
{
	Suite *s = suite_create("dac");
	TCase *tc = tcase_create("mcp4922");
	tcase_add_test(tc, reference_words);
	tcase_add_test(tc, ends_and_rounding);
	tcase_add_test(tc, round_trip_every_code);
	tcase_add_test(tc, pack_unpack);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(dac_suite)
