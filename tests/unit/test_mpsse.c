/*
 * tests/unit/test_mpsse.c - the MPSSE builder against the exact bytes of
 * docs/hil.md ("MPSSE byte stream"; FTDI AN_108).
 */
#include <check.h>
#include <string.h>

#include "hil/mpsse.h"
#include "tests/lib/check_main.h"

static void assert_bytes(const struct pb_mpsse *m, const uint8_t *want,
    size_t n)
{
	ck_assert_uint_eq(pb_mpsse_len(m), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(pb_mpsse_data(m)[i] == want[i],
		    "byte %zu: got %02X want %02X", i, pb_mpsse_data(m)[i],
		    want[i]);
}

START_TEST(divisor_reference_points)
{
	uint16_t d;
	ck_assert_int_eq(pb_mpsse_divisor_for(30000000, &d), PB_MPSSE_OK);
	ck_assert_uint_eq(d, 0);
	ck_assert_int_eq(pb_mpsse_divisor_for(10000000, &d), PB_MPSSE_OK);
	ck_assert_uint_eq(d, 2);
	ck_assert_int_eq(pb_mpsse_divisor_for(1000000, &d), PB_MPSSE_OK);
	ck_assert_uint_eq(d, 29);
	ck_assert_double_eq(pb_mpsse_sck_hz(0), 30e6);
	ck_assert_double_eq(pb_mpsse_sck_hz(2), 10e6);
	ck_assert_double_eq(pb_mpsse_sck_hz(29), 1e6);
}
END_TEST

START_TEST(divisor_never_faster)
{
	/* every request from 458 Hz to 30 MHz: never faster, and the next
	 * faster divisor would be too fast */
	static const uint32_t req[] = { 458, 1000, 12345, 400000, 999999,
		1000001, 1800000, 7000000, 9999999, 14999999, 15000000,
		29999999, 30000000 };
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		uint16_t d;
		ck_assert_int_eq(pb_mpsse_divisor_for(req[i], &d), PB_MPSSE_OK);
		ck_assert_msg(pb_mpsse_sck_hz(d) <= req[i], "%u Hz -> div %u "
		    "gives %.1f Hz", req[i], d, pb_mpsse_sck_hz(d));
		if (d > 0)
			ck_assert_msg(pb_mpsse_sck_hz((uint16_t)(d - 1)) > req[i],
			    "%u Hz: div %u is not the fastest allowed", req[i], d);
	}
	uint16_t d;
	ck_assert_int_eq(pb_mpsse_divisor_for(60000000, &d), PB_MPSSE_OK);
	ck_assert_uint_eq(d, 0);    /* 30 MHz is the top */
	ck_assert_int_eq(pb_mpsse_divisor_for(0, &d), PB_MPSSE_E_ARG);
	ck_assert_int_eq(pb_mpsse_divisor_for(457, &d), PB_MPSSE_E_ARG);
}
END_TEST

START_TEST(init_sequence_1mhz_cs_adbus3)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	uint16_t d;
	pb_mpsse_divisor_for(1000000, &d);
	/* SK, DO, CS outputs; CS idles high */
	ck_assert_int_eq(pb_mpsse_spi_init(&m, d, 0x08, 0x0B), PB_MPSSE_OK);
	static const uint8_t want[] = { 0x8A, 0x97, 0x8D, 0x86, 0x1D, 0x00,
		0x85, 0x80, 0x08, 0x0B };
	assert_bytes(&m, want, sizeof(want));
	ck_assert_uint_eq(pb_mpsse_expect(&m), 0);
	ck_assert_uint_eq(m.lo_val, 0x08);
	ck_assert_uint_eq(m.lo_dir, 0x0B);
}
END_TEST

START_TEST(write16_exact)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	pb_mpsse_spi_init(&m, 29, 0x08, 0x0B);
	pb_mpsse_clear(&m);
	ck_assert_int_eq(pb_mpsse_spi_write16(&m, 3, 0x3800), PB_MPSSE_OK);
	static const uint8_t want[] = { 0x80, 0x00, 0x0B, 0x11, 0x01, 0x00,
		0x38, 0x00, 0x80, 0x08, 0x0B };
	assert_bytes(&m, want, sizeof(want));
	ck_assert_uint_eq(pb_mpsse_expect(&m), 0);
	/* the shadow is back at CS high */
	ck_assert_uint_eq(m.lo_val, 0x08);
}
END_TEST

START_TEST(write_keeps_other_pins)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	/* a relay on ADBUS5 is on, CS ADBUS3 and ADBUS4 high */
	pb_mpsse_spi_init(&m, 29, 0x38, 0xFB);
	pb_mpsse_clear(&m);
	pb_mpsse_spi_write16(&m, 4, 0xB19A);
	static const uint8_t want[] = { 0x80, 0x28, 0xFB, 0x11, 0x01, 0x00,
		0xB1, 0x9A, 0x80, 0x38, 0xFB };
	assert_bytes(&m, want, sizeof(want));
}
END_TEST

START_TEST(cs_on_acbus_uses_0x82)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	pb_mpsse_set_high(&m, 0x01, 0x01);
	pb_mpsse_clear(&m);
	uint8_t b[1] = { 0xA5 };
	pb_mpsse_spi_write(&m, 8, b, 1);
	static const uint8_t want[] = { 0x82, 0x00, 0x01, 0x11, 0x00, 0x00,
		0xA5, 0x82, 0x01, 0x01 };
	assert_bytes(&m, want, sizeof(want));
}
END_TEST

START_TEST(transfer_uses_0x31_and_counts_replies)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	pb_mpsse_spi_init(&m, 29, 0x18, 0x1B);
	pb_mpsse_clear(&m);
	static const uint8_t cmd[3] = { 0x01, 0xA0, 0x00 };
	pb_mpsse_spi_transfer(&m, 4, cmd, 3);
	pb_mpsse_send_immediate(&m);
	static const uint8_t want[] = { 0x80, 0x08, 0x1B, 0x31, 0x02, 0x00,
		0x01, 0xA0, 0x00, 0x80, 0x18, 0x1B, 0x87 };
	assert_bytes(&m, want, sizeof(want));
	ck_assert_uint_eq(pb_mpsse_expect(&m), 3);
}
END_TEST

START_TEST(read_only_uses_0x20)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	pb_mpsse_spi_init(&m, 29, 0x08, 0x0B);
	pb_mpsse_clear(&m);
	ck_assert_int_eq(pb_mpsse_spi_read(&m, 3, 300), PB_MPSSE_OK);
	static const uint8_t want[] = { 0x80, 0x00, 0x0B, 0x20, 0x2B, 0x01,
		0x80, 0x08, 0x0B };
	assert_bytes(&m, want, sizeof(want));
	ck_assert_uint_eq(pb_mpsse_expect(&m), 300);
	ck_assert_int_eq(pb_mpsse_spi_read(&m, 3, 0), PB_MPSSE_E_ARG);
	ck_assert_int_eq(pb_mpsse_spi_read(&m, 3, 65537), PB_MPSSE_E_ARG);
}
END_TEST

START_TEST(gpio_reads_and_sync)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	pb_mpsse_read_low(&m);
	pb_mpsse_read_high(&m);
	pb_mpsse_send_immediate(&m);
	pb_mpsse_sync(&m, 0xAA);
	static const uint8_t want[] = { 0x81, 0x83, 0x87, 0xAA, 0x87 };
	assert_bytes(&m, want, sizeof(want));
	ck_assert_uint_eq(pb_mpsse_expect(&m), 4);

	static const uint8_t good[] = { 0xFA, 0xAA };
	static const uint8_t stale[] = { 0x00, 0x12, 0xFA, 0xAA };
	static const uint8_t wrong[] = { 0xFA, 0xAB };
	ck_assert_int_eq(pb_mpsse_check_sync(good, 2, 0xAA), PB_MPSSE_OK);
	ck_assert_int_eq(pb_mpsse_check_sync(stale, 4, 0xAA), PB_MPSSE_OK);
	ck_assert_int_eq(pb_mpsse_check_sync(wrong, 2, 0xAA), PB_MPSSE_E_SYNC);
	ck_assert_int_eq(pb_mpsse_check_sync(good, 1, 0xAA), PB_MPSSE_E_SYNC);
}
END_TEST

START_TEST(pins_and_all_inputs)
{
	struct pb_mpsse m;
	pb_mpsse_init(&m);
	pb_mpsse_set_pin(&m, 7, true);      /* ADBUS7 out high */
	pb_mpsse_set_pin(&m, 9, false);     /* ACBUS1 out low */
	pb_mpsse_release_pin(&m, 7);
	pb_mpsse_all_inputs(&m);
	static const uint8_t want[] = { 0x80, 0x80, 0x80, 0x82, 0x00, 0x02,
		0x80, 0x80, 0x00, 0x80, 0x00, 0x00, 0x82, 0x00, 0x00 };
	assert_bytes(&m, want, sizeof(want));
	ck_assert_int_eq(pb_mpsse_set_pin(&m, 16, true), PB_MPSSE_E_ARG);
	ck_assert_int_eq(pb_mpsse_set_pin(&m, -1, true), PB_MPSSE_E_ARG);
}
END_TEST

START_TEST(bad_arguments_and_overflow)
{
	static struct pb_mpsse m;
	pb_mpsse_init(&m);
	uint8_t b[2] = { 0, 0 };
	/* CS may not be an SPI pin, length 1..65536 */
	ck_assert_int_eq(pb_mpsse_spi_write(&m, 2, b, 2), PB_MPSSE_E_ARG);
	ck_assert_int_eq(pb_mpsse_spi_write(&m, 3, b, 0), PB_MPSSE_E_ARG);
	ck_assert_int_eq(pb_mpsse_spi_write(&m, 3, NULL, 1), PB_MPSSE_E_ARG);
	ck_assert_uint_eq(pb_mpsse_len(&m), 0);
	/* fill to the brim: the command that does not fit is not written */
	static uint8_t big[PB_MPSSE_BUF];
	ck_assert_int_eq(pb_mpsse_spi_write(&m, 3, big, PB_MPSSE_BUF - 9),
	    PB_MPSSE_OK);
	ck_assert_uint_eq(pb_mpsse_len(&m), PB_MPSSE_BUF);
	ck_assert(!m.overflow);
	ck_assert_int_eq(pb_mpsse_send_immediate(&m), PB_MPSSE_E_FULL);
	ck_assert(m.overflow);
	ck_assert_uint_eq(pb_mpsse_len(&m), PB_MPSSE_BUF);
	pb_mpsse_clear(&m);
	ck_assert(!m.overflow);
	ck_assert_uint_eq(pb_mpsse_len(&m), 0);
	ck_assert_str_eq(pb_mpsse_strerror(PB_MPSSE_E_SYNC),
	    "MPSSE did not echo the bad opcode (no sync)");
}
END_TEST

static Suite *mpsse_suite(void)
{
	Suite *s = suite_create("mpsse");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, divisor_reference_points);
	tcase_add_test(tc, divisor_never_faster);
	tcase_add_test(tc, init_sequence_1mhz_cs_adbus3);
	tcase_add_test(tc, write16_exact);
	tcase_add_test(tc, write_keeps_other_pins);
	tcase_add_test(tc, cs_on_acbus_uses_0x82);
	tcase_add_test(tc, transfer_uses_0x31_and_counts_replies);
	tcase_add_test(tc, read_only_uses_0x20);
	tcase_add_test(tc, gpio_reads_and_sync);
	tcase_add_test(tc, pins_and_all_inputs);
	tcase_add_test(tc, bad_arguments_and_overflow);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(mpsse_suite)
