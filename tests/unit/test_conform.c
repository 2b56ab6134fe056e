/*
 * tests/unit/test_conform.c - `pumphil conform` against the emulated pump
 * on the sim rig, in virtual time: the good pump conforms (every rule
 * PASS, the factory ones with a key too); each protocol defect switch
 * fails exactly the rules that see it (the negative controls), and the
 * defects of the pump's own safety logic, which no host can see on the
 * wire, fail none; a device that never answers is an ERROR, not a pass.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hil/conform.h"
#include "hil/fixture-sim.h"
#include "hil/fixture.h"
#include "hil/rig.h"
#include "pump/profile.h"
#include "tests/lib/check_main.h"
#include "tools/pumpsim/defect.h"

static uint64_t sim_now(void *ctx)
{
	return pb_fixture_now(ctx);
}

static int sim_wait(void *ctx, uint64_t until)
{
	return pb_fixture_advance(ctx, until) == PB_FIX_OK ? 0 : -1;
}

static const char *key_file(void)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test_conform.%ld.key",
	    (long)getpid());
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	    "\n", f);
	fclose(f);
	chmod(path, 0600);
	return path;
}

/* Run the suite on the sim rig; rep filled; returns the run's code. */
static int run_sim(unsigned defects, bool with_key, struct pb_report *rep)
{
	static struct pb_profile prof;
	struct pb_rig rig;
	char err[512];
	ck_assert_int_eq(pb_rig_find(&rig, "sim", err, sizeof err), 0);
	ck_assert_int_eq(pb_profile_find(&prof, "s10pro", err, sizeof err), 0);
	struct pb_fixture_opts fo;
	memset(&fo, 0, sizeof fo);
	fo.profile = &prof;
	fo.seed = 3;
	fo.defects = defects;
	const char *kp = with_key ? key_file() : NULL;
	fo.factory_key_path = kp;
	struct pb_fixture *fx = NULL;
	ck_assert_int_eq(pb_fixture_open(&rig, &fo, &fx, err, sizeof err),
	    PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_power(fx, true), PB_FIX_OK);
	struct pb_conform_io io = { NULL, fx, sim_now, sim_wait };
	ck_assert_int_eq(pb_fixture_take_dut_link(fx, &io.link), PB_FIX_OK);
	struct pb_conform_opts o;
	memset(&o, 0, sizeof o);
	static const uint8_t key[32] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	    0xcc, 0xdd, 0xee, 0xff };
	if (with_key) {
		o.key = key;
		o.key_len = sizeof key;
		o.allow_writes = true;
	}
	pb_report_init(rep, "conform-test");
	int rc = pb_conform_run(&io, &o, rep, err, sizeof err);
	pb_fixture_close(fx);
	pb_link_close(io.link);
	if (kp)
		unlink(kp);
	return rc;
}

/* The failing rules, "a,b" (sorted as run). */
static void failing(const struct pb_report *rep, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < rep->n_cases; i++)
		if (rep->cases[i].outcome == PB_OUT_FAIL ||
		    rep->cases[i].outcome == PB_OUT_ERROR)
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
			    buf[0] ? "," : "", rep->cases[i].name);
}

START_TEST(good_pump_conforms)
{
	struct pb_report rep;
	char f[512];
	ck_assert_int_eq(run_sim(0, true, &rep), PB_CONFORM_OK);
	failing(&rep, f, sizeof f);
	ck_assert_msg(f[0] == '\0', "failing: %s", f);
	const struct pb_conform_rule *rules;
	ck_assert_uint_eq(rep.n_cases, pb_conform_rules(&rules));
	for (size_t i = 0; i < rep.n_cases; i++) {
		ck_assert_msg(rep.cases[i].outcome == PB_OUT_PASS,
		    "%s: %s %s", rep.cases[i].name,
		    pb_outcome_name(rep.cases[i].outcome),
		    rep.cases[i].message);
		ck_assert(strncmp(rep.cases[i].file, "docs/protocol.md ",
		    17) == 0);
	}
	pb_report_free(&rep);
}
END_TEST

/* Defect switch -> the rules that must fail ("" = none: not visible on
 * the wire). */
static const struct { const char *defect, *fails; } expect[] = {
	{ "no-txn-dedup", "retry-dedup,device-stats" },
	{ "no-heartbeat-safe", "watchdog,watchdog-idle,watchdog-junk" },
	/* 250 ms late is outside the conformance suite's window too */
	{ "watchdog-late", "watchdog,watchdog-idle,watchdog-junk" },
	/* STOP must leave the pump idle and vented (protocol.md 5.6) */
	{ "no-stop-vent", "state-machine" },
};

START_TEST(each_defect)
{
	unsigned bit = 1u << _i;
	const char *name = pb_defect_name(bit);
	const char *want = "";
	for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++)
		if (strcmp(expect[k].defect, name) == 0)
			want = expect[k].fails;
	struct pb_report rep;
	char f[512];
	ck_assert_int_eq(run_sim(bit, false, &rep), PB_CONFORM_OK);
	failing(&rep, f, sizeof f);
	ck_assert_msg(strcmp(f, want) == 0, "defect %s: failing \"%s\", "
	    "expected \"%s\"", name, f, want);
	/* a failure names its section of docs/protocol.md */
	for (size_t i = 0; i < rep.n_cases; i++)
		if (rep.cases[i].outcome == PB_OUT_FAIL)
			ck_assert_msg(strstr(rep.cases[i].message,
			    "docs/protocol.md "), "%s", rep.cases[i].message);
	pb_report_free(&rep);
}
END_TEST

/* A device that never answers: the link's far end stays silent. */
static uint64_t fake_t;
static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return fake_t;
}
static int fake_wait(void *ctx, uint64_t until)
{
	(void)ctx;
	fake_t = until;
	return 0;
}

/* The suite against a device that sends nothing; returns its code. */
static int run_silent(const char *only, struct pb_report *rep, char *err,
    size_t errlen)
{
	struct pb_link *a, *b;
	ck_assert_int_eq(pb_link_mem_pair(&a, &b), PB_LINK_OK);
	struct pb_conform_io io = { a, NULL, fake_now, fake_wait };
	struct pb_conform_opts o;
	memset(&o, 0, sizeof o);
	o.only = only;
	pb_report_init(rep, "conform-test");
	int rc = pb_conform_run(&io, &o, rep, err, errlen);
	pb_link_close(a);
	pb_link_close(b);
	return rc;
}

START_TEST(silent_device_is_an_error)
{
	struct pb_report rep;
	char err[200];
	ck_assert_int_eq(run_silent(NULL, &rep, err, sizeof err),
	    PB_CONFORM_OK);
	struct pb_counts n;
	pb_report_counts(&rep, NULL, &n);
	ck_assert_uint_eq(n.passed, 0);
	ck_assert_uint_ge(n.errors + n.failed, 1);
	for (size_t i = 0; i < rep.n_cases; i++)
		if (strcmp(rep.cases[i].name, "hello") == 0)
			ck_assert_int_eq(rep.cases[i].outcome, PB_OUT_ERROR);
	pb_report_free(&rep);
}
END_TEST

START_TEST(only_unknown_rule)
{
	struct pb_report rep;
	char err[200] = "";
	ck_assert_int_eq(run_silent("hello,no-such-rule", &rep, err,
	    sizeof err), PB_CONFORM_E_ARG);
	ck_assert_ptr_nonnull(strstr(err, "no-such-rule"));
	pb_report_free(&rep);
}
END_TEST

static Suite *conform_suite(void)
{
	Suite *s = suite_create("conform");
	TCase *tc = tcase_create("sim");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, good_pump_conforms);
	tcase_add_loop_test(tc, each_defect, 0, (int)pb_defect_count());
	tcase_add_test(tc, silent_device_is_an_error);
	tcase_add_test(tc, only_unknown_rule);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(conform_suite)
