/*
 * tests/unit/test_runner.c - `pumphil run` logic against the fake fixture:
 * outcomes and exit codes, retries of rig ERRORs only (bounded, every
 * attempt reported), the fixture opened fresh, made safe and closed every
 * attempt, defect runs inverted, SKIPPED before touching the rig, and the
 * report written even when the rig or the scenario is missing.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hil/lock.h"
#include "hil/runner.h"
#include "tests/lib/check_main.h"
#include "tests/unit/hil_fake_fixture.h"

static char dir[64];
static char json_path[128], junit_path[128];
static struct fake_knobs knobs;
static struct pb_report rep;
static FILE *out;
static char *out_buf;
static size_t out_len;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/pb_runner_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(json_path, sizeof json_path, "%s/r.json", dir);
	snprintf(junit_path, sizeof junit_path, "%s/r.xml", dir);
	memset(&knobs, 0, sizeof knobs);
	pb_report_init(&rep, "pumphil");
	out = open_memstream(&out_buf, &out_len);
}

static void teardown(void)
{
	pb_report_free(&rep);
	fclose(out);
	free(out_buf);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *scenario(const char *name, const char *text)
{
	static char paths[8][160];
	static int k;
	char *p = paths[k++ % 8];
	snprintf(p, 160, "%s/%s.lua", dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static bool quiet_run;   /* -q for the next run() */

static int run(const char *rig, int retries, enum pb_defect_runs defects,
    char **files, int n)
{
	struct pb_runner_opts o;
	pb_runner_defaults(&o);
	o.rig_spec = rig;
	o.retries = retries;
	o.defects = defects;
	o.json_path = json_path;
	o.junit_path = junit_path;
	o.out = out;
	o.open_fixture = fake_open;
	o.open_ctx = &knobs;
	o.timeout_s = 120;
	o.quiet = quiet_run;
	return pb_runner_run(&o, files, n, &rep);
}

static const char *last_line(void)
{
	fflush(out);
	static char line[256];
	line[0] = '\0';
	char *p = out_buf + out_len;
	if (p > out_buf && p[-1] == '\n')
		p--;
	char *s = p;
	while (s > out_buf && s[-1] != '\n')
		s--;
	snprintf(line, sizeof line, "%.*s", (int)(p - s), s);
	return line;
}

static const char *PASSING =
    "--@profile s21\n"
    "assert(pump.mode('expression'))\nassert(pump.start())\nwait(2)\n"
    "expect('max', measure.peak(1, 3), {unit = 'mmHg', low = 50, high = 260})\n";

START_TEST(pass_fail_and_exit_codes)
{
	char *f[] = {
		scenario("good", PASSING),
		scenario("bad", "--@profile s21\nwait(1)\n"
		    "expect('vacuum', reference(1), {low = 100})\n"),
	};
	ck_assert_int_eq(run("sim", 2, PB_DEFECTS_NONE, f, 2), PB_EXIT_FAIL);
	ck_assert_uint_eq(rep.n_cases, 2);
	ck_assert_int_eq(rep.cases[0].outcome, PB_OUT_PASS);
	ck_assert_int_eq(rep.cases[1].outcome, PB_OUT_FAIL);
	/* a FAIL is the pump's verdict: never retried */
	ck_assert_uint_eq(rep.cases[1].n_attempts, 1);
	ck_assert_str_eq(last_line(), "1 passed, 1 failed, 0 skipped");
	/* fresh fixture per attempt, made safe and closed every time */
	ck_assert_int_eq(knobs.opens, 2);
	ck_assert_int_eq(knobs.closes, 2);
	ck_assert_int_ge(knobs.safes, 2);
	ck_assert_str_eq(knobs.last_profile, "s21");
	ck_assert_str_eq(rep.cases[0].dut_serial, "HILSIM0001");
	ck_assert_int_eq((int)strlen(rep.cases[0].sha256), 64);
	ck_assert_int_eq(access(json_path, R_OK), 0);
	ck_assert_int_eq(access(junit_path, R_OK), 0);

	pb_report_free(&rep);
	pb_report_init(&rep, "pumphil");
	ck_assert_int_eq(run("sim", 2, PB_DEFECTS_NONE, f, 1), PB_EXIT_OK);
}
END_TEST

START_TEST(rig_errors_retried_and_reported)
{
	char *f[] = { scenario("good", PASSING) };
	knobs.fail_opens = 1;       /* the bench is flaky once */
	ck_assert_int_eq(run("sim", 2, PB_DEFECTS_NONE, f, 1), PB_EXIT_OK);
	struct pb_case *c = &rep.cases[0];
	ck_assert_uint_eq(c->n_attempts, 2);
	ck_assert_int_eq(c->attempts[0].outcome, PB_OUT_ERROR);
	ck_assert(c->attempts[0].rig_error);
	ck_assert_ptr_nonnull(strstr(c->attempts[0].message,
	    "no fixture attached"));
	ck_assert_int_eq(c->attempts[1].outcome, PB_OUT_PASS);
	ck_assert_int_eq(c->outcome, PB_OUT_PASS);

	/* unplugged mid-run on the first attempt only */
	pb_report_free(&rep);
	pb_report_init(&rep, "pumphil");
	memset(&knobs, 0, sizeof knobs);
	knobs.gone_at_us = 2000000;
	knobs.gone_opens = 1;
	ck_assert_int_eq(run("sim", 1, PB_DEFECTS_NONE, f, 1), PB_EXIT_OK);
	c = &rep.cases[0];
	ck_assert_uint_eq(c->n_attempts, 2);
	ck_assert_int_eq(c->attempts[0].outcome, PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(c->attempts[0].message, "unplugged"));
	ck_assert_int_eq(knobs.closes, 2);

	/* always broken: bounded retries, exit 3, all attempts kept */
	pb_report_free(&rep);
	pb_report_init(&rep, "pumphil");
	memset(&knobs, 0, sizeof knobs);
	knobs.fail_opens = 100;
	ck_assert_int_eq(run("sim", 2, PB_DEFECTS_NONE, f, 1), PB_EXIT_ERROR);
	ck_assert_uint_eq(rep.cases[0].n_attempts, 3);
	ck_assert_int_eq(knobs.open_attempts, 3);
	ck_assert_str_eq(last_line(), "0 passed, 1 failed, 0 skipped");

	/* the JUnit names the case once, with earlier attempts in
	 * system-out */
	FILE *x = fopen(junit_path, "r");
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, x);
	buf[n] = '\0';
	fclose(x);
	ck_assert_ptr_nonnull(strstr(buf, "name=\"good\""));
	ck_assert_ptr_null(strstr(strstr(buf, "name=\"good\"") + 1,
	    "name=\"good\""));
	ck_assert_ptr_nonnull(strstr(buf, "--- attempt 3 of 3: ERROR"));
	ck_assert_ptr_nonnull(strstr(buf, "<error message=\"fixture: fake: "
	    "no fixture attached\""));
}
END_TEST

START_TEST(script_errors_not_retried)
{
	char *f[] = {
		scenario("typo", "--@profile s21\nwait(1)\npump.strat()\n"),
		scenario("meta", "--@profile s21\n--@colour red\nwait(1)\n"),
	};
	ck_assert_int_eq(run("sim", 3, PB_DEFECTS_NONE, f, 2), PB_EXIT_ERROR);
	ck_assert_uint_eq(rep.cases[0].n_attempts, 1);
	ck_assert_int_eq(rep.cases[0].outcome, PB_OUT_ERROR);
	ck_assert_ptr_nonnull(strstr(rep.cases[0].message, "typo.lua:3:"));
	ck_assert_uint_eq(rep.cases[1].n_attempts, 1);
	ck_assert_ptr_nonnull(strstr(rep.cases[1].message, "meta.lua:2:"));
	/* a malformed scenario never touches the rig */
	ck_assert_int_eq(knobs.opens, 1);
	ck_assert_int_eq(knobs.safes, 2);   /* safe(), and again in close() */
}
END_TEST

START_TEST(safe_failure_is_an_error)
{
	char *f[] = { scenario("good", PASSING) };
	knobs.safe_fails = true;
	ck_assert_int_eq(run("sim", 0, PB_DEFECTS_NONE, f, 1), PB_EXIT_ERROR);
	ck_assert_ptr_nonnull(strstr(rep.cases[0].message,
	    "did not reach its safe state"));
}
END_TEST

START_TEST(skips_and_defect_runs)
{
	char *f[] = {
		scenario("bench", "--@requires ftdi\nerror('not run')\n"),
		/* notices its defect: fails with the switch on */
		scenario("autooff", "--@profile s21\n--@defect no-auto-off\n"
		    "--@timeout 60\n"
		    "assert(pump.start())\nwait(1)\n"
		    "expect('x', rig.kind == 'sim')\n"),
		scenario("nodefect", PASSING),
	};
	int rc = run("sim", 1, PB_DEFECTS_ALSO, f, 3);
	/* autooff[defect] passed with the defect on: the suite did NOT
	 * notice it, so that case FAILS */
	ck_assert_int_eq(rc, PB_EXIT_FAIL);
	ck_assert_uint_eq(rep.n_cases, 4);
	ck_assert_int_eq(rep.cases[0].outcome, PB_OUT_SKIPPED);
	ck_assert_ptr_nonnull(strstr(rep.cases[0].message, "needs the ftdi"));
	ck_assert_str_eq(rep.cases[3].name, "autooff[defect]");
	ck_assert(rep.cases[3].defect_run);
	ck_assert_int_eq(rep.cases[3].outcome, PB_OUT_FAIL);
	ck_assert_ptr_nonnull(strstr(rep.cases[3].message, "NOT detected"));
	ck_assert_uint_eq(knobs.last_defects, PB_DEF_NO_AUTO_OFF);
	ck_assert_str_eq(last_line(), "2 passed, 1 failed, 1 skipped");
}
END_TEST

/* The console (issue 11): a defect run that fails as it must is XFAIL,
 * never a bare FAIL line; a PASS with marginal measurements shows as
 * MARGINAL; a reason names its location once; -q keeps the reason of
 * every FAIL and ERROR and nothing else but the closing line. */
static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* a new report and an empty console */
static void reset_out(void)
{
	pb_report_free(&rep);
	pb_report_init(&rep, "pumphil");
	fclose(out);
	free(out_buf);
	out_buf = NULL;
	out = open_memstream(&out_buf, &out_len);
}

static int run_console(bool quiet, enum pb_defect_runs defects, char **files,
    int n)
{
	quiet_run = quiet;
	int rc = run("sim", 0, defects, files, n);
	quiet_run = false;
	fflush(out);
	return rc;
}

START_TEST(console_lines)
{
	char *f[] = {
		scenario("caught", "--@profile s21\n--@defect no-auto-off\n"
		    "wait(1)\nexpect('off in time', false)\n"),
		scenario("edge", "--@profile s21\nwait(1)\n"
		    "expect('v', 0.95, {low = 0, high = 1, marginal_low = 0.1, "
		    "marginal_high = 0.9, unit = 'V'})\n"),
		scenario("typo", "--@profile s21\nwait(1)\npump.strat()\n"),
		scenario("low", "--@profile s21\nwait(1)\n"
		    "expect('vacuum', 3, {low = 100})\n"),
	};
	ck_assert_int_eq(run_console(false, PB_DEFECTS_ONLY, f, 1),
	    PB_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(out_buf, "\nXFAIL    caught[defect] "
	    "(attempt 1, "));
	ck_assert_ptr_nonnull(strstr(out_buf, "): defect no-auto-off detected: "
	    "the scenario failed as it must ("));
	ck_assert_ptr_null(strstr(out_buf, "FAIL     caught"));
	ck_assert_ptr_null(strstr(out_buf, "PASS     caught"));
	ck_assert_str_eq(last_line(), "1 passed, 0 failed, 0 skipped");

	reset_out();
	ck_assert_int_eq(run_console(false, PB_DEFECTS_NONE, f + 1, 3),
	    PB_EXIT_FAIL);
	ck_assert_ptr_nonnull(strstr(out_buf, "\nMARGINAL edge (attempt 1, "));
	ck_assert_ptr_nonnull(strstr(out_buf, "): v = 0.95 V outside marginal "
	    "[0.1 .. 0.9] at "));
	ck_assert_ptr_nonnull(strstr(out_buf, "edge.lua:3\n"));
	/* Lua's message names the place; it is not named again */
	ck_assert_ptr_nonnull(strstr(out_buf, "\nERROR    typo (attempt 1, "));
	ck_assert_int_eq(count(out_buf, "typo.lua:3"), 1);
	/* a FAIL names where the expect() was */
	ck_assert_ptr_nonnull(strstr(out_buf, "\nFAIL     low (attempt 1, "));
	ck_assert_ptr_nonnull(strstr(out_buf, "low.lua:3: vacuum = 3"));

	/* -q: the reasons of the FAIL and the ERROR, the closing line */
	reset_out();
	ck_assert_int_eq(run_console(true, PB_DEFECTS_NONE, f + 1, 3),
	    PB_EXIT_FAIL);
	ck_assert_int_eq(count(out_buf, "\n"), 3);
	ck_assert_ptr_eq(strstr(out_buf, "ERROR    typo (attempt 1, "), out_buf);
	ck_assert_ptr_nonnull(strstr(out_buf, "typo.lua:3: "));
	ck_assert_ptr_nonnull(strstr(out_buf, "\nFAIL     low (attempt 1, "));
	ck_assert_ptr_null(strstr(out_buf, "edge"));
	ck_assert_str_eq(last_line(), "1 passed, 2 failed, 0 skipped");
}
END_TEST

START_TEST(report_written_without_rig_or_scenario)
{
	char *f[] = { scenario("good", PASSING), "/nonexistent/gone.lua" };
	ck_assert_int_eq(run("no-such-rig", 2, PB_DEFECTS_NONE, f, 2),
	    PB_EXIT_ERROR);
	ck_assert_int_eq(knobs.open_attempts, 0);
	ck_assert_ptr_nonnull(strstr(rep.cases[0].message, "rig: "));
	ck_assert_ptr_nonnull(strstr(rep.cases[0].message, "no-such-rig"));
	ck_assert_ptr_nonnull(strstr(rep.cases[1].message,
	    "/nonexistent/gone.lua"));
	json_object *root = json_object_from_file(json_path);
	ck_assert_ptr_nonnull(root);
	json_object *counts = NULL, *errors = NULL;
	ck_assert(json_object_object_get_ex(root, "counts", &counts));
	ck_assert(json_object_object_get_ex(counts, "errors", &errors));
	ck_assert_int_eq(json_object_get_int(errors), 2);
	json_object_put(root);
	ck_assert_int_eq(access(junit_path, R_OK), 0);
}
END_TEST

START_TEST(unique_names)
{
	char sub[160];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	char *a = scenario("good", PASSING);
	char b[200];
	snprintf(b, sizeof b, "%s/good.lua", sub);
	FILE *fp = fopen(b, "w");
	fputs(PASSING, fp);
	fclose(fp);
	char *f[] = { a, b };
	ck_assert_int_eq(run("sim", 0, PB_DEFECTS_NONE, f, 2), PB_EXIT_OK);
	ck_assert_str_eq(rep.cases[0].name, "good");
	ck_assert_str_eq(rep.cases[1].name, "good #2");
}
END_TEST

START_TEST(shards_partition_the_suite)
{
	static const char *const names[] = { "a.lua", "dir/b.lua", "c.lua",
		"overpressure_trip.lua", "nominal_s21.lua", "x/y/z.lua" };
	for (int n = 1; n <= 5; n++)
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			int k = pb_runner_shard_of(names[i], n);
			ck_assert_int_ge(k, 1);
			ck_assert_int_le(k, n);
			/* stable, and by base name: the checkout path does
			 * not matter */
			char other[64];
			snprintf(other, sizeof other, "/elsewhere/%s",
			    strrchr(names[i], '/') ? strrchr(names[i], '/') + 1
			    : names[i]);
			ck_assert_int_eq(k, pb_runner_shard_of(other, n));
		}
	/* running every shard runs every scenario exactly once */
	char *f[] = { scenario("s1", PASSING), scenario("s2", PASSING),
		scenario("s3", PASSING), scenario("s4", PASSING) };
	int total = 0;
	for (int k = 1; k <= 3; k++) {
		struct pb_runner_opts o;
		pb_runner_defaults(&o);
		o.shard_k = k;
		o.shard_n = 3;
		o.out = out;
		o.open_fixture = fake_open;
		o.open_ctx = &knobs;
		struct pb_report r;
		pb_report_init(&r, "pumphil");
		ck_assert_int_eq(pb_runner_run(&o, f, 4, &r), PB_EXIT_OK);
		for (size_t i = 0; i < r.n_cases; i++)
			ck_assert_int_eq(pb_runner_shard_of(r.cases[i].file, 3),
			    k);
		total += (int)r.n_cases;
		pb_report_free(&r);
	}
	ck_assert_int_eq(total, 4);
}
END_TEST

/* A bench in use by another job: the run waits for the lock, gives up
 * after --lock-timeout naming the holder, and never touches the fixture. */
START_TEST(busy_bench_is_an_error_naming_holder)
{
	char lockdir[160];
	snprintf(lockdir, sizeof lockdir, "%s/locks", dir);
	ck_assert_int_eq(mkdir(lockdir, 0700), 0);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct pb_lock l;
		char err[256];
		char ok = pb_lock_acquire(&l, lockdir, "FT1ABCDE", 5, NULL,
		    err, sizeof err) == PB_LOCK_OK ? 'y' : 'n';
		if (write(p[1], &ok, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	char c = 0;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	char *f[] = { scenario("good", PASSING) };
	struct pb_runner_opts o;
	pb_runner_defaults(&o);
	o.rig_spec = "fixtures/rigs/bench-ft232h.ini";
	o.lock_dir = lockdir;
	o.lock_timeout_s = 0.3;
	o.json_path = json_path;
	o.out = out;
	o.open_fixture = fake_open;
	o.open_ctx = &knobs;
	int rc = pb_runner_run(&o, f, 1, &rep);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(rc, PB_EXIT_ERROR);
	ck_assert_int_eq(knobs.open_attempts, 0);
	ck_assert_str_eq(rep.rig_kind, "ftdi");
	char want[64];
	snprintf(want, sizeof want, "pid %ld", (long)pid);
	ck_assert_msg(strstr(rep.cases[0].message, want) != NULL, "%s",
	    rep.cases[0].message);
	ck_assert_ptr_nonnull(strstr(rep.cases[0].message, "FT1ABCDE is busy"));
	ck_assert_int_eq(access(json_path, R_OK), 0);
}
END_TEST

/* issue 9.4: a real DUT that reports a path as its profile id makes
 * pumphil open nothing: the id is looked up by name only. */
START_TEST(dut_profile_id_is_a_name)
{
	char lockdir[160];
	snprintf(lockdir, sizeof lockdir, "%s/locks", dir);
	ck_assert_int_eq(mkdir(lockdir, 0700), 0);
	knobs.dut_profile_id = "/etc/passwd";
	char *f[] = { scenario("plain",
	    "expect('x', dut.profile == '/etc/passwd')\n") };
	struct pb_runner_opts o;
	pb_runner_defaults(&o);
	o.rig_spec = "fixtures/rigs/bench-ft232h.ini";
	o.lock_dir = lockdir;
	o.json_path = json_path;
	o.out = out;
	o.open_fixture = fake_open;
	o.open_ctx = &knobs;
	o.timeout_s = 120;
	int rc = pb_runner_run(&o, f, 1, &rep);
	ck_assert_uint_eq(rep.n_cases, 1);
	ck_assert_uint_ge(rep.cases[0].n_attempts, 1);
	const char *log = rep.cases[0].attempts[0].log;
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, "no profile file for /etc/passwd: "
	    "'/etc/passwd' is not a profile id") != NULL, "%s", log);
	ck_assert_msg(strstr(log, "root:") == NULL, "%s", log);
	ck_assert_str_eq(rep.cases[0].profile, "");
	ck_assert_int_eq(rc, PB_EXIT_OK);
}
END_TEST

static Suite *runner_suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pass_fail_and_exit_codes);
	tcase_add_test(tc, rig_errors_retried_and_reported);
	tcase_add_test(tc, script_errors_not_retried);
	tcase_add_test(tc, safe_failure_is_an_error);
	tcase_add_test(tc, skips_and_defect_runs);
	tcase_add_test(tc, console_lines);
	tcase_add_test(tc, report_written_without_rig_or_scenario);
	tcase_add_test(tc, dut_profile_id_is_a_name);
	tcase_add_test(tc, unique_names);
	tcase_add_test(tc, shards_partition_the_suite);
	tcase_add_test(tc, busy_bench_is_an_error_naming_holder);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(runner_suite)
