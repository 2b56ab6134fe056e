/*
 * tests/unit/test_mpsse_interp.c - builder -> interpreter round trips:
 * the bytes hil/mpsse.c builds drive the emulated MCP4922, MCP3202 and
 * GPIO exactly as a chip would; bad opcodes echo; streams split anywhere.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hil/adc.h"
#include "hil/dac.h"
#include "hil/mpsse.h"
#include "hil/mpsse-interp.h"
#include "tests/lib/check_main.h"

static struct pb_mpsse_interp *it;
static struct pb_mpsse m;
static int dac, adc;

static void setup(void)
{
	it = malloc(sizeof(*it));
	ck_assert_ptr_nonnull(it);
	pb_mpsse_interp_init(it);
	pb_mpsse_interp_set_mpsse(it, true);
	dac = pb_mpsse_interp_attach(it, PB_INTERP_MCP4922, 3, 5.0);
	adc = pb_mpsse_interp_attach(it, PB_INTERP_MCP3202, 4, 5.0);
	ck_assert_int_eq(dac, 0);
	ck_assert_int_eq(adc, 1);
	pb_mpsse_init(&m);
}

static void teardown(void)
{
	free(it);
}

/* Send the builder's queue; return the number of reply bytes. */
static size_t send(uint8_t *reply, size_t cap)
{
	pb_mpsse_interp_feed(it, pb_mpsse_data(&m), pb_mpsse_len(&m));
	size_t want = pb_mpsse_expect(&m);
	pb_mpsse_clear(&m);
	size_t got = pb_mpsse_interp_read(it, reply, cap);
	ck_assert_uint_eq(got, want);
	ck_assert_uint_eq(pb_mpsse_interp_pending(it), 0);
	return got;
}

static void init_spi(void)
{
	/* CS ADBUS3 and ADBUS4 high, relays ADBUS5..7 low outputs */
	pb_mpsse_spi_init(&m, 29, 0x18, 0xFB);
	pb_mpsse_set_high(&m, 0x00, 0x00);
	send(NULL, 0);
}

START_TEST(sync_echoes_bad_opcode)
{
	uint8_t r[8];
	pb_mpsse_sync(&m, 0xAA);
	ck_assert_uint_eq(send(r, sizeof(r)), 2);
	ck_assert_uint_eq(r[0], 0xFA);
	ck_assert_uint_eq(r[1], 0xAA);
	ck_assert_int_eq(pb_mpsse_check_sync(r, 2, 0xAA), PB_MPSSE_OK);
	/* parsing resumes after the bad opcode */
	static const uint8_t mixed[] = { 0xAB, 0x81, 0x00, 0x87 };
	pb_mpsse_interp_feed(it, mixed, sizeof(mixed));
	ck_assert_uint_eq(pb_mpsse_interp_read(it, r, sizeof(r)), 5);
	ck_assert_uint_eq(r[0], 0xFA);
	ck_assert_uint_eq(r[1], 0xAB);
	ck_assert_uint_eq(r[3], 0xFA);    /* 0x00 is no opcode either */
	ck_assert_uint_eq(r[4], 0x00);
	ck_assert_uint_eq(it->bad_opcodes, 3);
}
END_TEST

START_TEST(init_sets_clock_and_pins)
{
	pb_mpsse_spi_init(&m, 29, 0x08, 0x0B);
	send(NULL, 0);
	ck_assert_uint_eq(it->divisor, 29);
	ck_assert(!it->div5);
	ck_assert(!it->adaptive);
	ck_assert(!it->three_phase);
	ck_assert(!it->loopback);
	bool lvl;
	ck_assert(pb_mpsse_interp_pin_driven(it, 3, &lvl));
	ck_assert(lvl);
	ck_assert(pb_mpsse_interp_pin_driven(it, 0, &lvl));
	ck_assert(!lvl);
	ck_assert(!pb_mpsse_interp_pin_driven(it, 2, &lvl));
	ck_assert_uint_eq(it->edge_errors, 0);
}
END_TEST

START_TEST(dac_words_latch)
{
	init_spi();
	static const double volts[] = { 0.5, 2.5, 4.5 };
	static const uint16_t words[] = { 0x319A, 0x3800, 0x3E66 };
	for (int i = 0; i < 3; i++) {
		for (int ch = 0; ch < 2; ch++) {
			uint16_t w;
			ck_assert_int_eq(pb_dac_encode(ch, volts[i], 5.0, false,
			    &w), PB_DAC_OK);
			pb_mpsse_spi_write16(&m, 3, w);
			send(NULL, 0);
			uint16_t got;
			ck_assert(pb_mpsse_interp_dac_word(it, dac, ch, &got));
			ck_assert_uint_eq(got, words[i] | (ch ? 0x8000 : 0));
			ck_assert_double_eq_tol(pb_mpsse_interp_dac_volts(it,
			    dac, ch), volts[i], 5.0 / 4096);
		}
	}
	ck_assert_uint_eq(it->dac_log_count, 6);
	ck_assert_uint_eq(it->dac_log[0], 0x319A);
	ck_assert_uint_eq(it->dac_log[1], 0xB19A);
	ck_assert_uint_eq(it->dac_log[5], 0xBE66);
	ck_assert_uint_eq(it->dev[dac].bad_frames, 0);
	ck_assert_uint_eq(it->edge_errors, 0);
	/* the ADC saw none of it */
	ck_assert_uint_eq(it->dev[adc].conversions, 0);
}
END_TEST

START_TEST(dac_needs_exactly_16_clocks)
{
	init_spi();
	pb_mpsse_spi_write16(&m, 3, 0x3800);
	send(NULL, 0);
	uint8_t three[3] = { 0x3E, 0x66, 0x00 };
	pb_mpsse_spi_write(&m, 3, three, 3);       /* 24 clocks */
	send(NULL, 0);
	uint8_t one[1] = { 0x3E };
	pb_mpsse_spi_write(&m, 3, one, 1);         /* 8 clocks */
	send(NULL, 0);
	uint16_t w;
	ck_assert(pb_mpsse_interp_dac_word(it, dac, 0, &w));
	ck_assert_uint_eq(w, 0x3800);              /* unchanged */
	ck_assert_uint_eq(it->dev[dac].bad_frames, 2);
	ck_assert_uint_eq(it->dac_log_count, 1);
	/* 16 clocks in bit mode (0x13: bits out on -ve edge) also count */
	static const uint8_t bits[] = { 0x80, 0x10, 0xFB, 0x13, 0x07, 0xB8,
		0x13, 0x07, 0x00, 0x80, 0x18, 0xFB };
	pb_mpsse_interp_feed(it, bits, sizeof(bits));
	ck_assert(pb_mpsse_interp_dac_word(it, dac, 1, &w));
	ck_assert_uint_eq(w, 0xB800);
	ck_assert_double_eq(pb_mpsse_interp_dac_volts(it, dac, 1), 2.5);
}
END_TEST

START_TEST(shutdown_word_gives_no_output)
{
	init_spi();
	pb_mpsse_spi_write16(&m, 3, 0x2800);   /* SHDN = 0 */
	send(NULL, 0);
	ck_assert_double_eq(pb_mpsse_interp_dac_volts(it, dac, 0), 0.0);
	ck_assert_double_eq(pb_mpsse_interp_dac_volts(it, dac, 1), 0.0);
}
END_TEST

static uint16_t adc_read(int ch)
{
	uint8_t cmd[3], r[3];
	pb_adc_command(ch, true, cmd);
	pb_mpsse_spi_transfer(&m, 4, cmd, 3);
	pb_mpsse_send_immediate(&m);
	ck_assert_uint_eq(send(r, sizeof(r)), 3);
	uint16_t code = 0xFFFF;
	ck_assert_int_eq(pb_adc_decode(r, &code), PB_ADC_OK);
	return code;
}

START_TEST(adc_conversions)
{
	init_spi();
	pb_mpsse_interp_set_adc_volts(it, adc, 0, 1.25);
	pb_mpsse_interp_set_adc_volts(it, adc, 1, 3.75);
	ck_assert_uint_eq(adc_read(0), 1024);
	ck_assert_uint_eq(adc_read(1), 3072);
	pb_mpsse_interp_set_adc_volts(it, adc, 1, 5.0);
	ck_assert_uint_eq(adc_read(1), 4095);
	pb_mpsse_interp_set_adc_volts(it, adc, 0, 0.0);
	ck_assert_uint_eq(adc_read(0), 0);
	for (int i = 0; i <= 50; i++) {
		double v = 4.99 * i / 50.0;
		pb_mpsse_interp_set_adc_volts(it, adc, 1, v);
		ck_assert_uint_eq(adc_read(1), pb_adc_code_for(v, 5.0));
	}
	ck_assert_uint_eq(it->dev[adc].conversions, 55);
	ck_assert_uint_eq(it->edge_errors, 0);
	/* the DAC saw the clocks but no latch (24 clocks each): never
	 * selected, since its CS stayed high */
	ck_assert_uint_eq(it->dac_log_count, 0);
	ck_assert_uint_eq(it->dev[dac].bad_frames, 0);
}
END_TEST

START_TEST(adc_differential_and_lsb_tail)
{
	init_spi();
	pb_mpsse_interp_set_adc_volts(it, adc, 0, 3.0);
	pb_mpsse_interp_set_adc_volts(it, adc, 1, 1.0);
	uint8_t cmd[3], r[3];
	pb_adc_command(0, false, cmd);     /* CH0 - CH1 = 2 V */
	pb_mpsse_spi_transfer(&m, 4, cmd, 3);
	send(r, sizeof(r));
	uint16_t code;
	ck_assert_int_eq(pb_adc_decode(r, &code), PB_ADC_OK);
	ck_assert_uint_eq(code, pb_adc_code_for(2.0, 5.0));
	pb_adc_command(1, false, cmd);     /* CH1 - CH0 < 0: zero */
	pb_mpsse_spi_transfer(&m, 4, cmd, 3);
	send(r, sizeof(r));
	ck_assert_int_eq(pb_adc_decode(r, &code), PB_ADC_OK);
	ck_assert_uint_eq(code, 0);
	/* MSBF = 0: after B0 the chip repeats B1..B11 LSB first */
	pb_mpsse_interp_set_adc_volts(it, adc, 0, 5.0 * 0xA5C / 4096.0);
	uint8_t c4[4] = { 0x01, 0x80, 0x00, 0x00 };
	uint8_t r4[4];
	pb_mpsse_spi_transfer(&m, 4, c4, 4);
	send(r4, sizeof(r4));
	ck_assert_int_eq(pb_adc_decode(r4, &code), PB_ADC_OK);
	ck_assert_uint_eq(code, 0xA5C);
	/* tail: B1..B8 in r4[3] MSB-first sampling order */
	uint8_t tail = 0;
	for (int b = 1; b <= 8; b++)
		tail = (uint8_t)((tail << 1) | ((0xA5C >> b) & 1));
	ck_assert_uint_eq(r4[3], tail);
}
END_TEST

START_TEST(no_chip_floats_high)
{
	init_spi();
	/* nothing on CS ADBUS6 */
	uint8_t cmd[3] = { 0x01, 0xA0, 0x00 }, r[3];
	pb_mpsse_spi_transfer(&m, 6, cmd, 3);
	send(r, sizeof(r));
	ck_assert_uint_eq(r[0], 0xFF);
	ck_assert_uint_eq(r[1], 0xFF);
	ck_assert_uint_eq(r[2], 0xFF);
	uint16_t code;
	ck_assert_int_eq(pb_adc_decode(r, &code), PB_ADC_E_NULLBIT);
}
END_TEST

START_TEST(gpio_reads)
{
	init_spi();
	pb_mpsse_set_pin(&m, 5, true);              /* relay on */
	send(NULL, 0);
	pb_mpsse_interp_set_inputs(it, 0x0A04);     /* ACBUS1, ACBUS3, DI */
	pb_mpsse_interp_set_input(it, 8, true);     /* ACBUS0 */
	pb_mpsse_interp_set_input(it, 11, false);   /* ACBUS3 off again */
	uint8_t r[2];
	pb_mpsse_read_low(&m);
	pb_mpsse_read_high(&m);
	pb_mpsse_send_immediate(&m);
	send(r, sizeof(r));
	/* outputs as driven (CS high, ADBUS5 high), DI from outside */
	ck_assert_uint_eq(r[0], 0x18 | 0x20 | 0x04);
	ck_assert_uint_eq(r[1], 0x03);
	/* an output pin reads as driven, whatever the outside says */
	pb_mpsse_interp_set_input(it, 5, false);
	pb_mpsse_read_low(&m);
	send(r, 1);
	ck_assert(r[0] & 0x20);
}
END_TEST

START_TEST(split_anywhere_same_result)
{
	/* build a long mixed stream, feed it whole and byte by byte */
	pb_mpsse_sync(&m, 0xAA);
	pb_mpsse_spi_init(&m, 29, 0x18, 0xFB);
	pb_mpsse_spi_write16(&m, 3, 0x3800);
	uint8_t cmd[3];
	pb_adc_command(1, true, cmd);
	pb_mpsse_spi_transfer(&m, 4, cmd, 3);
	pb_mpsse_read_low(&m);
	pb_mpsse_read_high(&m);
	pb_mpsse_spi_write16(&m, 3, 0xBE66);
	pb_mpsse_send_immediate(&m);
	size_t n = pb_mpsse_len(&m), want = pb_mpsse_expect(&m);
	uint8_t bytes[256];
	memcpy(bytes, pb_mpsse_data(&m), n);

	uint8_t whole[64], split[64];
	pb_mpsse_interp_set_adc_volts(it, adc, 1, 2.0);
	pb_mpsse_interp_feed(it, bytes, n);
	ck_assert_uint_eq(pb_mpsse_interp_read(it, whole, sizeof(whole)), want);

	struct pb_mpsse_interp *it2 = malloc(sizeof(*it2));
	pb_mpsse_interp_init(it2);
	pb_mpsse_interp_set_mpsse(it2, true);
	pb_mpsse_interp_attach(it2, PB_INTERP_MCP4922, 3, 5.0);
	pb_mpsse_interp_attach(it2, PB_INTERP_MCP3202, 4, 5.0);
	pb_mpsse_interp_set_adc_volts(it2, 1, 1, 2.0);
	for (size_t i = 0; i < n; i++)
		pb_mpsse_interp_feed(it2, &bytes[i], 1);
	ck_assert_uint_eq(pb_mpsse_interp_read(it2, split, sizeof(split)), want);
	ck_assert_mem_eq(whole, split, want);
	ck_assert_uint_eq(it2->dac_log_count, 2);
	ck_assert_uint_eq(it2->dac_log[0], 0x3800);
	ck_assert_uint_eq(it2->dac_log[1], 0xBE66);
	ck_assert_uint_eq(it->dac_log_count, 2);
	free(it2);
}
END_TEST

START_TEST(builder_read_only)
{
	init_spi();
	uint8_t r[4];
	/* nothing drives MISO on CS ADBUS6: the bus floats high */
	pb_mpsse_spi_read(&m, 6, 4);
	ck_assert_uint_eq(send(r, sizeof(r)), 4);
	ck_assert_uint_eq(r[0], 0xFF);
	ck_assert_uint_eq(r[3], 0xFF);
	/* in loopback the undriven MOSI (low) comes back */
	static const uint8_t lb[] = { 0x84 };
	pb_mpsse_interp_feed(it, lb, 1);
	pb_mpsse_spi_read(&m, 6, 2);
	ck_assert_uint_eq(send(r, sizeof(r)), 2);
	ck_assert_uint_eq(r[0], 0x00);
	ck_assert_uint_eq(it->edge_errors, 0);
}
END_TEST

START_TEST(wrong_edge_is_flagged)
{
	init_spi();
	/* 0x10: out on the rising edge - wrong for mode 0 */
	static const uint8_t s[] = { 0x80, 0x10, 0xFB, 0x10, 0x01, 0x00,
		0x38, 0x00, 0x80, 0x18, 0xFB };
	pb_mpsse_interp_feed(it, s, sizeof(s));
	ck_assert_uint_eq(it->edge_errors, 1);
	/* 0x34: in on the falling edge - wrong too */
	static const uint8_t t[] = { 0x80, 0x08, 0xFB, 0x34, 0x02, 0x00,
		0x01, 0xA0, 0x00, 0x80, 0x18, 0xFB };
	pb_mpsse_interp_feed(it, t, sizeof(t));
	ck_assert_uint_eq(it->edge_errors, 2);
	uint8_t r[3];
	ck_assert_uint_eq(pb_mpsse_interp_read(it, r, 3), 3);
	/* without a chip selected no edge matters */
	static const uint8_t u[] = { 0x10, 0x00, 0x00, 0x55 };
	pb_mpsse_interp_feed(it, u, sizeof(u));
	ck_assert_uint_eq(it->edge_errors, 2);
	/* 0x14 and 0x30 are not AN_108 opcodes */
	static const uint8_t v[] = { 0x14, 0x30 };
	pb_mpsse_interp_feed(it, v, sizeof(v));
	ck_assert_uint_eq(pb_mpsse_interp_read(it, r, 3), 3);
	ck_assert_uint_eq(it->bad_opcodes, 2);
}
END_TEST

START_TEST(loopback_and_read_only)
{
	init_spi();
	static const uint8_t lb[] = { 0x84, 0x31, 0x01, 0x00, 0x5A, 0xC3, 0x85,
		0x31, 0x00, 0x00, 0x5A };
	pb_mpsse_interp_feed(it, lb, sizeof(lb));
	uint8_t r[4];
	ck_assert_uint_eq(pb_mpsse_interp_read(it, r, 4), 3);
	ck_assert_uint_eq(r[0], 0x5A);
	ck_assert_uint_eq(r[1], 0xC3);
	ck_assert_uint_eq(r[2], 0xFF);     /* loopback off, nothing drives */
	/* read-only 0x20 of 2 bytes: two replies, no data bytes consumed */
	static const uint8_t ro[] = { 0x20, 0x01, 0x00, 0x81 };
	pb_mpsse_interp_feed(it, ro, sizeof(ro));
	ck_assert_uint_eq(pb_mpsse_interp_read(it, r, 4), 3);
	/* bit-mode read 0x22, 3 bits: one byte */
	static const uint8_t rb[] = { 0x22, 0x02 };
	pb_mpsse_interp_feed(it, rb, sizeof(rb));
	ck_assert_uint_eq(pb_mpsse_interp_read(it, r, 4), 1);
	ck_assert_uint_eq(r[0], 0x07);
}
END_TEST

START_TEST(bitmode_reset_and_ignored_bytes)
{
	struct pb_mpsse_interp *x = malloc(sizeof(*x));
	pb_mpsse_interp_init(x);
	static const uint8_t b[] = { 0xAA, 0x87, 0x81 };
	pb_mpsse_interp_feed(x, b, sizeof(b));
	ck_assert_uint_eq(pb_mpsse_interp_pending(x), 0);
	ck_assert_uint_eq(x->ignored, 3);
	free(x);

	init_spi();
	/* a DAC frame of 16 clocks left with CS low latches when the
	 * bitmode reset releases CS (the board pulls it up) */
	static const uint8_t half[] = { 0x80, 0x10, 0xFB, 0x11, 0x01, 0x00,
		0x31, 0x9A };
	pb_mpsse_interp_feed(it, half, sizeof(half));
	ck_assert_uint_eq(it->dac_log_count, 0);
	pb_mpsse_interp_reset(it);
	ck_assert_uint_eq(it->dac_log_count, 1);
	ck_assert(!it->mpsse);
	bool lvl;
	for (int p = 0; p < 16; p++)
		ck_assert(!pb_mpsse_interp_pin_driven(it, p, &lvl));
}
END_TEST

START_TEST(reply_overflow_is_counted)
{
	static uint8_t many[PB_INTERP_OUT + 10];
	memset(many, 0x81, sizeof(many));
	pb_mpsse_interp_feed(it, many, sizeof(many));
	ck_assert_uint_eq(pb_mpsse_interp_pending(it), PB_INTERP_OUT);
	ck_assert_uint_eq(it->out_dropped, 10);
}
END_TEST

START_TEST(attach_limits)
{
	ck_assert_int_eq(pb_mpsse_interp_attach(it, PB_INTERP_MCP4922, 16, 5),
	    -1);
	ck_assert_int_eq(pb_mpsse_interp_attach(it, PB_INTERP_NONE, 5, 5), -1);
	ck_assert_int_eq(pb_mpsse_interp_attach(it, PB_INTERP_MCP4922, 5, 5), 2);
	ck_assert_int_eq(pb_mpsse_interp_attach(it, PB_INTERP_MCP4922, 6, 5), 3);
	ck_assert_int_eq(pb_mpsse_interp_attach(it, PB_INTERP_MCP4922, 7, 5),
	    -1);
	ck_assert_int_eq(pb_mpsse_interp_set_adc_volts(it, dac, 0, 1.0), -1);
	ck_assert(!pb_mpsse_interp_dac_word(it, adc, 0, NULL));
	ck_assert(!pb_mpsse_interp_dac_word(it, dac, 0, NULL));
}
END_TEST

static Suite *interp_suite(void)
{
	Suite *s = suite_create("mpsse_interp");
	TCase *tc = tcase_create("round trip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sync_echoes_bad_opcode);
	tcase_add_test(tc, init_sets_clock_and_pins);
	tcase_add_test(tc, dac_words_latch);
	tcase_add_test(tc, dac_needs_exactly_16_clocks);
	tcase_add_test(tc, shutdown_word_gives_no_output);
	tcase_add_test(tc, adc_conversions);
	tcase_add_test(tc, adc_differential_and_lsb_tail);
	tcase_add_test(tc, no_chip_floats_high);
	tcase_add_test(tc, gpio_reads);
	tcase_add_test(tc, split_anywhere_same_result);
	tcase_add_test(tc, builder_read_only);
	tcase_add_test(tc, wrong_edge_is_flagged);
	tcase_add_test(tc, loopback_and_read_only);
	tcase_add_test(tc, bitmode_reset_and_ignored_bytes);
	tcase_add_test(tc, reply_overflow_is_counted);
	tcase_add_test(tc, attach_limits);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(interp_suite)
