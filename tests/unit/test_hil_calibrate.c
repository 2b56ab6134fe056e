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
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hil/calibrate.h"
#include "hil/dut.h"
#include "hil/fixture.h"
#include "hil/rig.h"
#include "proto/station.h"
#include "pump/profile.h"
#include "tests/lib/check_main.h"
#include "tools/pumpsim/eeprom.h"

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

static void unit_open_eeprom(struct unit *u, const char *profile,
    uint64_t seed, bool errors, const char *eeprom);

static void
unit_open(struct unit *u, const char *profile, uint64_t seed, bool errors)
{
	unit_open_eeprom(u, profile, seed, errors, NULL);
}

static void
unit_open_eeprom(struct unit *u, const char *profile, uint64_t seed,
    bool errors, const char *eeprom)
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
	o.eeprom_path = eeprom;
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
	struct pb_hil_cal_hooks h = { .ctx = &c, .stage = cut_power };
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

/* Issue 9 item 8: a station SIGKILLed between the two channels' writes
 * left channel A new and channel B old, with a valid CRC.  Here the
 * station (the real pb_hil_calibrate on the sim rig, the pump's EEPROM
 * in a file, as `pumphil calibrate --eeprom FILE` runs it) is a child
 * process that SIGKILLs itself right after the k-th command has been
 * answered, for every k of a whole passing run.  On the sim rig the pump
 * lives in the station's process, so this is also a power cut of the
 * pump at that instant: the EEPROM file is what survives.  It must hold
 * one valid record (CRC-32C checked) whose channels carry the whole old
 * calibration or the whole new one, both slots valid or erased, and a
 * pump booted on it must report the same. */
struct killer {
	int at, seen;
};

static void
kill_after(void *ctx, struct pb_dut *d, const struct pb_msg *cmd, int result)
{
	struct killer *k = ctx;
	(void)d;
	(void)cmd;
	(void)result;
	if (++k->seen == k->at)
		raise(SIGKILL);
}

/* The station in a child: exit 0 PASS, 1 other verdict, 2 could not
 * run; killed by SIGKILL after command `at` (0: never). */
static int
station_child(const char *eeprom, int at, struct pb_cal_result *res_out,
    int *commands)
{
	struct unit u;
	struct pb_cal_result res;
	unit_open_eeprom(&u, "s10pro", 606, true, eeprom);
	struct killer k = { at, 0 };
	struct pb_hil_cal_hooks h = { .ctx = &k, .command = kill_after };
	char err[512];
	int rc = pb_hil_calibrate(u.dut, &u.cfg, &h, 600, &res, err,
	    sizeof err);
	if (res_out)
		*res_out = res;
	if (commands)
		*commands = k.seen;
	unit_close(&u);
	return rc != 0 ? 2 : res.verdict == PB_CAL_PASS ? 0 : 1;
}

static bool
same_coefficients(const struct pb_cal *a, const struct pb_cal *b)
{
	return a->order == b->order && a->cal_id == b->cal_id &&
	    memcmp(a->c, b->c, sizeof a->c) == 0;
}

START_TEST(station_killed_at_every_command_keeps_a_whole_calibration)
{
	char dir[] = "/tmp/pbkillXXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));

	/* the reference: a whole run (same seed, so the same fit) tells the
	 * old and the new records and how many commands a run sends */
	snprintf(path, sizeof path, "%s/ref.eeprom", dir);
	struct pb_cal_result ref;
	int total = 0;
	ck_assert_int_eq(station_child(path, 0, &ref, &total), 0);
	ck_assert_int_gt(total, 15);
	ck_assert(ref.was_written[0] && ref.was_written[1]);
	ck_assert_uint_eq(ref.old[0].cal_id, 0);
	ck_assert_uint_eq(ref.written[0].cal_id, 1);
	unlink(path);

	int n_old = 0, n_new = 0;
	for (int at = 1; at <= total; at++) {
		snprintf(path, sizeof path, "%s/k%d.eeprom", dir, at);
		fflush(NULL);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(station_child(path, at, NULL, NULL));
		int st;
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "command %d of %d: the station was not killed (status "
		    "0x%x)", at, total, st);

		/* the file: both slots valid or erased, one current record */
		struct pb_eeprom ee;
		char msg[1024] = "";
		pb_eeprom_init(&ee);
		ck_assert_int_eq(pb_eeprom_attach_file(&ee, path, msg,
		    sizeof msg), PB_EEPROM_OK);
		ck_assert_msg(!ee.slot_bad[0] && !ee.slot_bad[1],
		    "command %d: a torn slot: %s", at, msg);
		const struct pb_eeprom_record *r = pb_eeprom_record(&ee);
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(r->cal_valid, 3);
		bool old = true, neu = true;
		for (int ch = 0; ch < 2; ch++) {
			old = old && same_coefficients(&r->cal[ch], &ref.old[ch]);
			neu = neu && same_coefficients(&r->cal[ch],
			    &ref.written[ch]);
		}
		ck_assert_msg(old || neu, "killed after command %d of %d: "
		    "channel A id %u, channel B id %u: a mixed calibration", at,
		    total, (unsigned)r->cal[0].cal_id,
		    (unsigned)r->cal[1].cal_id);
		n_old += old;
		n_new += neu;
		pb_eeprom_detach_file(&ee);

		/* a pump booted on that file reads the same back */
		struct unit u;
		unit_open_eeprom(&u, "s10pro", 606, true, path);
		for (int ch = 0; ch < 2; ch++) {
			struct pb_msg m;
			memset(&m, 0, sizeof m);
			m.type = PB_T_READ_CAL;
			m.u.channel = (uint8_t)ch;
			struct pb_response rr;
			ck_assert_int_eq(pb_dut_command(u.dut, &m, &rr), 0);
			ck_assert_uint_eq(rr.body.cal.cal_id,
			    old ? ref.old[ch].cal_id : ref.written[ch].cal_id);
		}
		unit_close(&u);
		unlink(path);
	}
	/* the kills fell before and after the write */
	ck_assert_int_gt(n_old, 0);
	ck_assert_int_gt(n_new, 0);
	rmdir(dir);
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
	tcase_add_test(tc,
	    station_killed_at_every_command_keeps_a_whole_calibration);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(hil_cal_suite)
