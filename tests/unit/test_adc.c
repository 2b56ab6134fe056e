/*
 * tests/unit/test_adc.c - MCP3202 command bytes and reply decoding.
 */
#include <check.h>

#include "hil/adc.h"
#include "tests/lib/check_main.h"

START_TEST(command_bytes)
{
	uint8_t b[3];
	ck_assert_int_eq(pb_adc_command(0, true, b), PB_ADC_OK);
	ck_assert_uint_eq(b[0], 0x01);
	ck_assert_uint_eq(b[1], 0xA0);
	ck_assert_uint_eq(b[2], 0x00);
	ck_assert_int_eq(pb_adc_command(1, true, b), PB_ADC_OK);
	ck_assert_uint_eq(b[1], 0xE0);
	ck_assert_int_eq(pb_adc_command(0, false, b), PB_ADC_OK);
	ck_assert_uint_eq(b[1], 0x20);
	ck_assert_int_eq(pb_adc_command(1, false, b), PB_ADC_OK);
	ck_assert_uint_eq(b[1], 0x60);
	ck_assert_int_eq(pb_adc_command(2, true, b), PB_ADC_E_ARG);
	ck_assert_int_eq(pb_adc_command(-1, true, b), PB_ADC_E_ARG);
}
END_TEST

START_TEST(decode_replies)
{
	uint16_t code;
	/* byte 0 is don't-care, null bit at bit 4 of byte 1 */
	static const uint8_t full[3] = { 0xFF, 0xEF, 0xFF };
	ck_assert_int_eq(pb_adc_decode(full, &code), PB_ADC_OK);
	ck_assert_uint_eq(code, 4095);
	static const uint8_t mid[3] = { 0x00, 0x08, 0x00 };
	ck_assert_int_eq(pb_adc_decode(mid, &code), PB_ADC_OK);
	ck_assert_uint_eq(code, 2048);
	static const uint8_t low[3] = { 0x00, 0x00, 0x01 };
	ck_assert_int_eq(pb_adc_decode(low, &code), PB_ADC_OK);
	ck_assert_uint_eq(code, 1);
	/* a floating MISO reads FF FF FF: no null bit, an error */
	static const uint8_t none[3] = { 0xFF, 0xFF, 0xFF };
	code = 77;
	ck_assert_int_eq(pb_adc_decode(none, &code), PB_ADC_E_NULLBIT);
	ck_assert_uint_eq(code, 77);
	ck_assert_str_eq(pb_adc_strerror(PB_ADC_E_NULLBIT),
	    "ADC reply has no null bit (no chip answered?)");
}
END_TEST

START_TEST(volts_and_codes)
{
	ck_assert_double_eq(pb_adc_volts(0, 5.0), 0.0);
	ck_assert_double_eq(pb_adc_volts(2048, 5.0), 2.5);
	ck_assert_double_eq_tol(pb_adc_volts(4095, 5.0), 5.0 * 4095 / 4096,
	    1e-12);
	ck_assert_uint_eq(pb_adc_code_for(2.5, 5.0), 2048);
	ck_assert_uint_eq(pb_adc_code_for(-1.0, 5.0), 0);
	ck_assert_uint_eq(pb_adc_code_for(6.0, 5.0), 4095);
	ck_assert_uint_eq(pb_adc_code_for(1.0, 0.0), 0);
	/* code_for then volts is within one LSB below */
	for (int i = 0; i <= 1000; i++) {
		double v = 5.0 * i / 1000.0 * 0.9999;
		double back = pb_adc_volts(pb_adc_code_for(v, 5.0), 5.0);
		ck_assert(back <= v + 1e-12);
		ck_assert(v - back < 5.0 / 4096 + 1e-12);
	}
}
END_TEST

static Suite *adc_suite(void)
{
	Suite *s = suite_create("adc");
	TCase *tc = tcase_create("mcp3202");
	tcase_add_test(tc, command_bytes);
	tcase_add_test(tc, decode_replies);
	tcase_add_test(tc, volts_and_codes);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(adc_suite)
