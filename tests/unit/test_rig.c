/*
 * tests/unit/test_rig.c - rig files: the shipped ones load with the
 * right pin map; every malformed one fails with FILE:LINE.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hil/rig.h"
#include "tests/lib/check_main.h"

static const char *fixtures(void)
{
	const char *f = getenv("PUMPBENCH_DATA");
	return f && *f ? f : "fixtures";
}

START_TEST(sim_rig_loads)
{
	char path[512], err[512];
	snprintf(path, sizeof(path), "%s/rigs/sim.ini", fixtures());
	struct pb_rig r;
	ck_assert_msg(pb_rig_load(&r, path, err, sizeof(err)) == PB_RIG_OK,
	    "%s", err);
	ck_assert_str_eq(r.name, "sim");
	ck_assert_int_eq(r.backend, PB_RIG_SIM);
	ck_assert_str_eq(r.profile, "s10pro");
	ck_assert_int_eq(r.channels, 2);
	ck_assert_uint_eq(r.spi_hz, 1000000);
	ck_assert_int_eq(r.dac.cs.pin, 3);
	ck_assert(r.dac.cs.active_low);
	ck_assert_int_eq(r.adc.cs.pin, 4);
	ck_assert_int_eq(r.power.pin, 7);
	ck_assert_int_eq(r.motor.pin, 8);
	ck_assert_int_eq(r.alarm.pin, 11);
	ck_assert_int_eq(r.ch[0].inject.pin, 5);
	ck_assert_int_eq(r.ch[1].inject.pin, 6);
	ck_assert_int_eq(r.ch[0].valve.pin, 9);
	ck_assert_int_eq(r.ch[1].valve.pin, 10);
	ck_assert_int_eq(r.ch[0].dac_ch, 0);
	ck_assert_int_eq(r.ch[1].dac_ch, 1);
	ck_assert_int_eq(r.ch[1].adc_ch, 1);
	ck_assert_double_eq(r.ch[0].sensor.fs_mmhg, 0.0);   /* "profile" */
	ck_assert_double_eq(r.ch[0].ref.fs_mmhg, 500.0);
	ck_assert_double_eq(r.dac.safe_volts, 0.0);
	ck_assert_str_eq(r.path, path);
}
END_TEST

START_TEST(bench_rig_loads)
{
	char path[512], err[512];
	snprintf(path, sizeof(path), "%s/rigs/bench-ft232h.ini", fixtures());
	struct pb_rig r;
	ck_assert_msg(pb_rig_load(&r, path, err, sizeof(err)) == PB_RIG_OK,
	    "%s", err);
	ck_assert_int_eq(r.backend, PB_RIG_FTDI);
	ck_assert_str_eq(r.serial, "FT1ABCDE");
	ck_assert_str_eq(r.dut_port,
	    "/dev/serial/by-id/usb-pumpbench_DUT-if00-port0");
	ck_assert_int_eq(r.dut_baud, 921600);
	ck_assert_int_eq(r.latency_ms, 1);
	ck_assert_double_eq(r.ch[0].sensor.fs_mmhg, 375.0);
	ck_assert_double_eq(r.ch[0].sensor.min_mmhg, -50.0);
	ck_assert_double_eq(r.ch[1].ref.lo_frac, 0.1);
	/* the pump's sensor (XGZP6847A datasheet): 0.5 V at -50 mmHg,
	 * 4.5 V at 375, and atmosphere at 0.97 V */
	ck_assert_double_eq_tol(pb_rig_xfer_volts(&r.ch[0].sensor, -50), 0.5,
	    1e-12);
	ck_assert_double_eq_tol(pb_rig_xfer_volts(&r.ch[0].sensor, 375), 4.5,
	    1e-12);
	ck_assert_double_eq_tol(pb_rig_xfer_volts(&r.ch[0].sensor, 0), 0.9706,
	    1e-3);
	/* reference transducer: 0.5 V at 0, 4.5 V at 500 */
	ck_assert_double_eq_tol(pb_rig_xfer_volts(&r.ch[0].ref, 0), 0.5, 1e-12);
	ck_assert_double_eq_tol(pb_rig_xfer_mmhg(&r.ch[0].ref, 4.5), 500,
	    1e-9);
}
END_TEST

START_TEST(find_by_name_and_serial)
{
	char err[512];
	struct pb_rig r;
	setenv("PUMPBENCH_DATA", fixtures(), 1);
	ck_assert_msg(pb_rig_find(&r, "sim", err, sizeof(err)) == PB_RIG_OK,
	    "%s", err);
	ck_assert_str_eq(r.name, "sim");
	ck_assert_msg(pb_rig_find(&r, "ftdi:FT1ABCDE", err, sizeof(err)) ==
	    PB_RIG_OK, "%s", err);
	ck_assert_str_eq(r.name, "bench-ft232h");
	ck_assert_int_eq(pb_rig_find(&r, "ftdi:NOPE1234", err, sizeof(err)),
	    PB_RIG_E_NOENT);
	ck_assert_ptr_nonnull(strstr(err, "NOPE1234"));
	ck_assert_int_eq(pb_rig_find(&r, "nosuchrig", err, sizeof(err)),
	    PB_RIG_E_NOENT);
	ck_assert_ptr_nonnull(strstr(err, "nosuchrig"));
	ck_assert_int_eq(pb_rig_find(&r, "ftdi:", err, sizeof(err)),
	    PB_RIG_E_ARG);
	ck_assert_int_eq(pb_rig_find(&r, "a b", err, sizeof(err)),
	    PB_RIG_E_ARG);
	ck_assert_int_eq(pb_rig_find(&r, "/nonexistent/x.ini", err,
	    sizeof(err)), PB_RIG_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.ini"));
}
END_TEST

START_TEST(transfer_round_trip)
{
	struct pb_rig_xfer x = { 5.0, 375.0, -50.0, 0.1, 0.9 };
	for (int p = -50; p <= 375; p += 5)
		ck_assert_double_eq_tol(pb_rig_xfer_mmhg(&x,
		    pb_rig_xfer_volts(&x, p)), p, 1e-9);
}
END_TEST

START_TEST(pins_parse)
{
	struct pb_rig_pin p;
	ck_assert_int_eq(pb_rig_pin_parse("ADBUS0", &p), PB_RIG_OK);
	ck_assert_int_eq(p.pin, 0);
	ck_assert_int_eq(pb_rig_pin_parse("!acbus7", &p), PB_RIG_OK);
	ck_assert_int_eq(p.pin, 15);
	ck_assert(p.active_low);
	ck_assert_int_eq(pb_rig_pin_parse("none", &p), PB_RIG_OK);
	ck_assert_int_eq(p.pin, PB_RIG_PIN_NONE);
	ck_assert_int_eq(pb_rig_pin_parse("ADBUS8", &p), PB_RIG_E_VALUE);
	ck_assert_int_eq(pb_rig_pin_parse("ADBUS", &p), PB_RIG_E_VALUE);
	ck_assert_int_eq(pb_rig_pin_parse("ADBUS12", &p), PB_RIG_E_VALUE);
	ck_assert_int_eq(pb_rig_pin_parse("GPIO3", &p), PB_RIG_E_VALUE);
	ck_assert_str_eq(pb_rig_pin_name(11), "ACBUS3");
	ck_assert_str_eq(pb_rig_pin_name(-1), "none");
}
END_TEST

static const char *base_sim =
    "[rig]\n"          /* 1 */
    "backend = sim\n"  /* 2 */
    "profile = s10pro\n"; /* 3 */

/* Parse base + extra; expect rc and "name:LINE:" (line 0 = no line). */
static void expect_err(const char *extra, int rc, int line,
    const char *needle)
{
	char text[2048], err[512];
	/* "!text": the whole file, without the base */
	if (extra[0] == '!')
		snprintf(text, sizeof(text), "%s", extra + 1);
	else
		snprintf(text, sizeof(text), "%s%s", base_sim, extra);
	struct pb_rig r;
	memset(&r, 0x5A, sizeof(r));
	struct pb_rig before = r;
	int got = pb_rig_parse(&r, text, strlen(text), "bad.ini", err,
	    sizeof(err));
	ck_assert_msg(got == rc, "'%s': rc %d want %d (%s)", extra, got, rc,
	    err);
	if (rc == PB_RIG_OK) {
		ck_assert_str_eq(err, "");
		return;
	}
	ck_assert_msg(memcmp(&r, &before, sizeof(r)) == 0,
	    "a failed parse changed the rig");
	char want[32];
	if (line)
		snprintf(want, sizeof(want), "bad.ini:%d: ", line);
	else
		snprintf(want, sizeof(want), "bad.ini: ");
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "'%s': message '%s' does not start with '%s'", extra, err, want);
	if (needle)
		ck_assert_msg(strstr(err, needle) != NULL, "'%s' lacks '%s'",
		    err, needle);
}

START_TEST(malformed_name_file_and_line)
{
	expect_err("", PB_RIG_OK, 0, NULL);
	expect_err("colour = blue\n", PB_RIG_E_KEY, 4, "colour");
	expect_err("[spi]\nclock_hz = fast\n", PB_RIG_E_VALUE, 5, "fast");
	expect_err("[spi]\nclock_hz = 31000000\n", PB_RIG_E_VALUE, 5,
	    "out of range");
	expect_err("[spi]\nclock_hz = 2000000\n", PB_RIG_E_VALUE, 0,
	    "MCP3202");
	expect_err("[spi]\nlatency_ms = 0\n", PB_RIG_E_VALUE, 5, NULL);
	expect_err("[pins]\npower = ADBUS9\n", PB_RIG_E_VALUE, 5, "ADBUS9");
	expect_err("[pins]\npower = ADBUS1\n", PB_RIG_E_CONFLICT, 0,
	    "SPI pin");
	expect_err("[pins]\nmotor = ADBUS5\n", PB_RIG_E_CONFLICT, 0,
	    "ADBUS5");
	expect_err("[pins]\npower = none\n", PB_RIG_E_MISSING, 0, "power");
	expect_err("[pins]\ninject1 = ADBUS5\n", PB_RIG_E_KEY, 5, "[channelN]");
	expect_err("[dac]\ncs = ADBUS3\n", PB_RIG_E_VALUE, 0, "active low");
	expect_err("[dac]\nchip = ad5689\n", PB_RIG_E_VALUE, 5, "ad5689");
	expect_err("[dac]\nvref = 6\n", PB_RIG_E_VALUE, 5, NULL);
	expect_err("[dac]\nvref = 3.3\n", PB_RIG_E_VALUE, 0, "vref");
	expect_err("[dac]\nsafe_volts = 5.2\n", PB_RIG_E_VALUE, 0, "safe");
	expect_err("[dac]\nbuffered = maybe\n", PB_RIG_E_VALUE, 5, "maybe");
	expect_err("[adc]\nvref = 2\n", PB_RIG_E_VALUE, 5, NULL);
	expect_err("[channel2]\ndac = A\n", PB_RIG_E_CONFLICT, 0, "DAC");
	expect_err("[channel2]\nadc = 0\n", PB_RIG_E_CONFLICT, 0, "ADC");
	expect_err("[channel1]\ndac = C\n", PB_RIG_E_VALUE, 5, "'C'");
	expect_err("[channel3]\ndac = A\n", PB_RIG_E_KEY, 5, "channel3");
	expect_err("[channel1]\nsensor_lo = 0.96\n", PB_RIG_E_VALUE, 0,
	    "sensor_hi");
	expect_err("[channel1]\nref_fs_mmhg = -5\n", PB_RIG_E_VALUE, 5, NULL);
	expect_err("[channel1]\nref_fs_mmhg = profile\n", PB_RIG_E_VALUE, 5,
	    NULL);
	expect_err("[channel1]\nsensor_fs_mmhg = 100\nsensor_min_mmhg = -50\n"
	    "sensor_supply_v = 6\n", PB_RIG_E_VALUE, 0, "vref");
	expect_err("[channel1]\nsensor_gain = 2\n", PB_RIG_E_KEY, 5,
	    "sensor_gain");
	expect_err("![rig]\nbackend = usb\n", PB_RIG_E_VALUE, 2, "usb");
	expect_err("[rig]\nchannels = 3\n", PB_RIG_E_VALUE, 5, NULL);
	expect_err("[rig]\ndut_baud = 100\n", PB_RIG_E_VALUE, 5, NULL);
	expect_err("[rig]\nserial = FT 1\n", PB_RIG_E_VALUE, 5, NULL);
	expect_err("[nowhere]\nx = 1\n", PB_RIG_E_KEY, 5, "nowhere");
	expect_err("this is not ini\n", PB_RIG_E_SYNTAX, 4, NULL);
	expect_err("[spi\n", PB_RIG_E_SYNTAX, 4, NULL);
	/* the first error wins */
	expect_err("\n\n[spi]\nclock_hz = x\nlatency_ms = y\n", PB_RIG_E_VALUE,
	    7, "'x'");
	/* an ftdi rig needs a serial and a DUT port, and numbers */
	expect_err("![rig]\nbackend = ftdi\n", PB_RIG_E_MISSING, 0, "serial");
	expect_err("![rig]\nbackend = ftdi\nserial = FT1\n", PB_RIG_E_MISSING,
	    0, "dut_port");
	expect_err("![rig]\nbackend = ftdi\nserial = FT1\ndut_port = /dev/x\n",
	    PB_RIG_E_MISSING, 0, "sensor_fs_mmhg");
	/* a key given twice is an error naming both lines (issue 9.12), in
	 * the same section written twice too */
	expect_err("[spi]\nclock_hz = 1000\n\nclock_hz = 2000\n", PB_RIG_E_KEY,
	    7, "[spi] clock_hz: duplicate key (first on line 5)");
	expect_err("[rig]\nprofile = s21\n", PB_RIG_E_KEY, 5,
	    "[rig] profile: duplicate key (first on line 3)");
	expect_err("[channel1]\nadc = 1\n[channel2]\nadc = 0\n[channel1]\n"
	    "adc = 0\n", PB_RIG_E_KEY, 9, "duplicate key (first on line 5)");
	/* the same key in two sections is two keys */
	expect_err("[dac]\nvref = 5\n[adc]\nvref = 5\n", PB_RIG_OK, 0, NULL);
	/* messages quote the file escaped: no terminal control gets out */
	expect_err("[rig]\nname = a\nchannels = \x1b[2J\xff\n", PB_RIG_E_VALUE,
	    6, "'\\x1B[2J\\xFF' is not an integer");
	expect_err("[\x1b[2J]\nx = 1\n", PB_RIG_E_KEY, 5,
	    "unknown section [\\x1B[2J]");
}
END_TEST

START_TEST(missing_backend)
{
	char err[256];
	struct pb_rig r;
	const char *t = "[rig]\nname = x\n";
	ck_assert_int_eq(pb_rig_parse(&r, t, strlen(t), "nb.ini", err,
	    sizeof(err)), PB_RIG_E_MISSING);
	ck_assert_ptr_nonnull(strstr(err, "nb.ini: "));
	ck_assert_ptr_nonnull(strstr(err, "backend"));
}
END_TEST

START_TEST(file_errors_name_the_file)
{
	char dir[] = "/tmp/pb-rig-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256], err[512];
	snprintf(path, sizeof(path), "%s/broken.ini", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[rig]\nbackend = sim\n; fine so far\n\n[dac]\nvref = lots\n", f);
	fclose(f);
	struct pb_rig r;
	ck_assert_int_eq(pb_rig_load(&r, path, err, sizeof(err)),
	    PB_RIG_E_VALUE);
	char want[300];
	snprintf(want, sizeof(want), "%s:6: ", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	/* CRLF does not confuse line numbers */
	f = fopen(path, "wb");
	fwrite("[rig]\r\nbackend = sim\r\n\r\nbogus = 1\r\n", 1, 34, f);
	fclose(f);
	ck_assert_int_eq(pb_rig_load(&r, path, err, sizeof(err)),
	    PB_RIG_E_KEY);
	snprintf(want, sizeof(want), "%s:4: ", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	/* a NUL byte is refused on its line (issue 9.12): "9\0 0" would
	 * have read as "9 0" */
	f = fopen(path, "wb");
	fwrite("[rig]\nbackend = sim\n\nchannels = 1\0junk\n", 1, 39, f);
	fclose(f);
	ck_assert_int_eq(pb_rig_load(&r, path, err, sizeof(err)),
	    PB_RIG_E_SYNTAX);
	snprintf(want, sizeof(want), "%s:4: NUL byte", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	/* a FIFO is refused, not waited on (issue 9.5) */
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pb_rig_load(&r, path, err, sizeof(err)),
	    PB_RIG_E_OPEN);
	ck_assert_msg(strstr(err, "FIFO") != NULL, "%s", err);
	unlink(path);
	snprintf(path, sizeof(path), "%s/none.ini", dir);
	ck_assert_int_eq(pb_rig_load(&r, path, err, sizeof(err)),
	    PB_RIG_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "none.ini"));
	rmdir(dir);
}
END_TEST

START_TEST(long_lines_do_not_crash)
{
	static char text[20000];
	strcpy(text, "[rig]\nbackend = sim\nname = ");
	size_t n = strlen(text);
	memset(text + n, 'x', 10000);
	strcpy(text + n + 10000, "\n");
	char err[256];
	struct pb_rig r;
	int rc = pb_rig_parse(&r, text, strlen(text), "long.ini", err,
	    sizeof(err));
	ck_assert_int_ne(rc, PB_RIG_OK);
	ck_assert_ptr_nonnull(strstr(err, "long.ini:3: "));
	ck_assert_str_eq(pb_rig_strerror(PB_RIG_E_CONFLICT),
	    "rig pin or channel conflict");
}
END_TEST

static Suite *rig_suite(void)
{
	Suite *s = suite_create("rig");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, sim_rig_loads);
	tcase_add_test(tc, bench_rig_loads);
	tcase_add_test(tc, find_by_name_and_serial);
	tcase_add_test(tc, transfer_round_trip);
	tcase_add_test(tc, pins_parse);
	tcase_add_test(tc, malformed_name_file_and_line);
	tcase_add_test(tc, missing_backend);
	tcase_add_test(tc, file_errors_name_the_file);
	tcase_add_test(tc, long_lines_do_not_crash);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(rig_suite)
