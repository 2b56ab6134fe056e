/*
 * End-to-end calibration on the simulated rig: the shared procedure, the
 * real protocol client, factory unlock, the emulator's EEPROM, and the
 * reference transducer read through the MPSSE-driven ADC, in virtual time.
 *
 * The accuracy claim is measured black-box: after calibration the pump
 * holds vacuum levels from 0 to 300 mmHg and its own averaged reading is
 * compared with the true vacuum of the emulated pneumatics.
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hil/calibrate.h"
#include "hil/dut.h"
#include "hil/fixture.h"
#include "hil/rig.h"
#include "proto/station.h"
#include "pump/profile.h"
#include "tests/lib/check_main.h"

static const char KEYHEX[] =
    "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n";
static char keypath[64];

struct unit {
	struct pb_fixture *fix;
	struct pb_dut *dut;
	struct pb_profile prof;
	struct pb_cal_config cfg;
};

static void
write_key(void)
{
	strcpy(keypath, "/tmp/pbkeyXXXXXX");
	int fd = mkstemp(keypath);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, 0600), 0);
	ck_assert_int_eq(write(fd, KEYHEX, strlen(KEYHEX)), (int)strlen(KEYHEX));
	close(fd);
}

static void
unit_open(struct unit *u, const char *profile, uint64_t seed, bool errors)
{
	char err[512];
	struct pb_rig rig;
	memset(u, 0, sizeof *u);
	ck_assert_msg(pb_rig_find(&rig, "sim", err, sizeof err) == 0, "%s", err);
	ck_assert_msg(pb_profile_find(&u->prof, profile, err, sizeof err) == 0,
	    "%s", err);
	struct pb_fixture_opts o;
	memset(&o, 0, sizeof o);
	o.profile = &u->prof;
	o.seed = seed;
	o.sensor_errors = errors;
	o.factory_key_path = keypath;
	o.dut_serial = "CAL-TEST";
	ck_assert_msg(pb_fixture_open(&rig, &o, &u->fix, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_msg(pb_dut_new(u->fix, &u->dut, err, sizeof err) == 0, "%s",
	    err);
	ck_assert_int_eq(pb_fixture_set_power(u->fix, true), 0);
	ck_assert_int_eq(pb_dut_hello_until(u->dut, 10), 0);
	memset(&u->cfg, 0, sizeof u->cfg);
	u->cfg.profile = &u->prof;
	size_t klen = 0;
	ck_assert_int_eq(pb_station_load_key(keypath, u->cfg.key, &klen, err,
	    sizeof err), 0);
	u->cfg.key_len = klen;
	u->cfg.date = 1790000000u;
	strcpy(u->cfg.station, "test-bench");
}

static void
unit_close(struct unit *u)
{
	pb_dut_free(u->dut);
	pb_fixture_close(u->fix);
}

/* The pump's worst |reading - true vacuum| at mmhg (hil/calibrate.c). */
static double
error_at(struct unit *u, double mmhg)
{
	double worst = NAN;
	int rc = pb_hil_cal_error(u->dut, u->prof.channels, mmhg, &worst);
	ck_assert_msg(rc == 0, "error at %.0f mmHg: %s (%s)", mmhg,
	    pb_dut_strerror(rc), pb_dut_errmsg(u->dut));
	return worst;
}

static enum pb_cal_verdict
calibrate(struct unit *u, struct pb_cal_result *res)
{
	char err[512];
	ck_assert_msg(pb_hil_calibrate(u->dut, &u->cfg, NULL, 600, res, err,
	    sizeof err) == 0, "%s", err);
	return res->verdict;
}

START_TEST(calibrates_a_unit_to_one_mmhg)
{
	struct unit u;
	struct pb_cal_result res;
	unit_open(&u, "s10pro", 4242, true);
	double before = 0;
	for (double v = 50; v <= 300; v += 125)
		before = fmax(before, fabs(error_at(&u, v)));
	enum pb_cal_verdict v = calibrate(&u, &res);
	ck_assert_msg(v == PB_CAL_PASS, "%s: %s", pb_cal_verdict_name(v),
	    res.reason);
	ck_assert_str_eq(res.info.serial, "CAL-TEST");
	ck_assert_int_eq(res.channels, 2);
	ck_assert(res.was_written[0] && res.was_written[1]);
	double worst = 0;
	for (double p = 0; p <= 300; p += 25)
		worst = fmax(worst, fabs(error_at(&u, p)));
	ck_assert_msg(worst <= 1.0, "calibrated error %.2f mmHg (before %.2f)",
	    worst, before);
	/* the unit's sensor errors were real: calibration mattered */
	ck_assert_msg(before > 2.0, "uncalibrated error only %.2f", before);
	/* and the procedure, in pump time, fits in a minute */
	ck_assert_msg(res.finished_us - res.started_us < 60000000u,
	    "took %.1f s", (res.finished_us - res.started_us) / 1e6);
	unit_close(&u);
}
END_TEST

/* The goal: 50 units with random sensor errors (offset sd
 * 7.5 mmHg, gain sd 2 %, 0.3 %FS bow, 1 mmHg noise) all calibrate to
 * within +/-1 mmHg over 0-300 mmHg (checked every 50 mmHg here; the bench
 * checks every 25 mmHg and prints the distribution). */
START_TEST(fifty_units_within_one_mmhg)
{
	int bad = 0;
	for (int n = 0; n < 50; n++) {
		struct unit u;
		struct pb_cal_result res;
		unit_open(&u, n % 5 == 4 ? "s21" : "s10pro", 9000 + (uint64_t)n,
		    true);
		enum pb_cal_verdict v = calibrate(&u, &res);

		double worst = 0;
		for (double p = 0; p <= 300 && p <= u.prof.max_target_mmhg;
		    p += 50)
			worst = fmax(worst, fabs(error_at(&u, p)));
		if (v != PB_CAL_PASS || worst > 1.0) {
			fprintf(stderr, "unit %d (%s): %s %s, error %.2f mmHg\n",
			    n, u.prof.id, pb_cal_verdict_name(v), res.reason,
			    worst);
			bad++;
		}
		unit_close(&u);
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* A power cut at every stage of the procedure, including between the
 * two channel writes: after power returns, every channel holds a valid
 * calibration, the old one or the new one. */
struct cut {
	enum pb_cal_stage at;
	int seen;
};

static void
cut_power(void *ctx, struct pb_dut *d, enum pb_cal_stage s)
{
	struct cut *c = ctx;
	if (s != c->at || c->seen++)
		return;
	pb_fixture_set_power(pb_dut_fixture(d), false);
}

START_TEST(power_cut_keeps_a_valid_calibration)
{
	static const enum pb_cal_stage stages[] = {
		PB_CAL_S_UNLOCK, PB_CAL_S_WRITE, PB_CAL_S_READBACK,
		PB_CAL_S_VERIFY_HOLD
	};
	enum pb_cal_stage at = stages[_i];
	struct unit u;
	struct pb_cal_result res;
	unit_open(&u, "s10pro", 77 + (uint64_t)_i, true);
	struct cut c = { at, 0 };
	struct pb_hil_cal_hooks h = { &c, cut_power, NULL };
	char err[512];
	ck_assert_int_eq(pb_hil_calibrate(u.dut, &u.cfg, &h, 600, &res, err,
	    sizeof err), 0);
	ck_assert_int_ne(res.verdict, PB_CAL_PASS);
	ck_assert_int_eq(pb_fixture_set_power(u.fix, true), 0);
	ck_assert_int_eq(pb_dut_hello_until(u.dut, 10), 0);
	for (int ch = 0; ch < 2; ch++) {
		struct pb_msg m;
		memset(&m, 0, sizeof m);
		m.type = PB_T_READ_CAL;
		m.u.channel = (uint8_t)ch;
		struct pb_response r;
		ck_assert_int_eq(pb_dut_command(u.dut, &m, &r), 0);
		ck_assert_int_eq(r.body_kind, PB_BODY_CAL);
		ck_assert(r.body.cal.cal_id == res.old[ch].cal_id ||
		    r.body.cal.cal_id == res.written[ch].cal_id);
	}
	unit_close(&u);
}
END_TEST

START_TEST(wrong_station_key_is_refused)
{
	struct unit u;
	struct pb_cal_result res;
	unit_open(&u, "s21", 5, true);
	u.cfg.key[3] ^= 0x40;
	enum pb_cal_verdict v = calibrate(&u, &res);
	ck_assert_int_eq(v, PB_CAL_ERROR);
	ck_assert(!res.was_written[0]);
	unit_close(&u);
}
END_TEST

static void
setup(void)
{
	write_key();
}

static void
teardown(void)
{
	unlink(keypath);
}

static Suite *
hil_cal_suite(void)
{
	Suite *s = suite_create("hil_calibrate");
	TCase *tc = tcase_create("calibrate");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, calibrates_a_unit_to_one_mmhg);
	tcase_add_test(tc, fifty_units_within_one_mmhg);
	tcase_add_loop_test(tc, power_cut_keeps_a_valid_calibration, 0, 4);
	tcase_add_test(tc, wrong_station_key_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(hil_cal_suite)
