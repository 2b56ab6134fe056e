/*
 * tests/unit/test_profile.c - pump profiles: the shipped s21 and s10pro
 * files load with the documented numbers, the expectation functions give
 * the reference table's peaks and rates, and every kind of malformed file
 * gets an exact "file:line: message" (temporary files under /tmp).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/msg.h"
#include "pump/profile.h"
#include "tests/lib/check_main.h"

static char errbuf[512];

static void load_ok(struct pb_profile *p, const char *id)
{
	int rc = pb_profile_find(p, id, errbuf, sizeof errbuf);
	ck_assert_msg(rc == 0, "%s: %s", id, errbuf);
}

/* The text of a shipped profile. */
static char *read_shipped(const char *id)
{
	struct pb_profile p;
	load_ok(&p, id);
	FILE *f = fopen(p.path, "rb");
	ck_assert_ptr_nonnull(f);
	static char buf[3][16384];
	static int slot;
	char *b = buf[slot++ % 3];
	size_t n = fread(b, 1, 16383, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

START_TEST(shipped_s21)
{
	struct pb_profile p;
	load_ok(&p, "s21");
	ck_assert_str_eq(p.id, "s21");
	ck_assert_int_eq(p.channels, 1);
	ck_assert_int_eq(p.levels, 9);
	ck_assert(!p.double_pumping);
	ck_assert(!p.mains);
	ck_assert(pb_profile_has_mode(&p, PB_MODE_STIMULATION));
	ck_assert(pb_profile_has_mode(&p, PB_MODE_EXPRESSION));
	ck_assert(pb_profile_has_mode(&p, PB_MODE_MIXED));
	ck_assert(!pb_profile_has_mode(&p, 0));
	ck_assert_double_eq(p.max_target_mmhg, 250);
	ck_assert_double_eq(p.trip_abs_mmhg, 320);
	ck_assert_double_eq(p.session_auto_off_s, 1800);
	ck_assert_double_eq(p.stim_to_expr_s, 120);
	ck_assert_double_eq(p.batt_warn_v, 3.5);
	ck_assert_double_eq(p.batt_cutoff_v, 3.3);
	ck_assert_double_eq(p.dead_volume_ml, 25);
	/* reference table: stim 40 + 10(L-1), expr 90 + 20(L-1) */
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_STIMULATION, 1), 40);
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_STIMULATION, 9), 120);
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_EXPRESSION, 1), 90);
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_EXPRESSION, 9), 250);
	ck_assert_double_eq(pb_profile_rate_cpm(&p, PB_MODE_STIMULATION, 1), 110);
	ck_assert_double_eq(pb_profile_rate_cpm(&p, PB_MODE_STIMULATION, 9), 90);
	ck_assert_double_eq(pb_profile_rate_cpm(&p, PB_MODE_EXPRESSION, 1), 60);
	ck_assert_double_eq(pb_profile_rate_cpm(&p, PB_MODE_EXPRESSION, 9), 30);
	ck_assert_double_eq_tol(pb_profile_rate_cpm(&p, PB_MODE_EXPRESSION, 5),
	    45, 1e-9);
	/* out-of-range levels clamp */
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_EXPRESSION, 0), 90);
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_EXPRESSION, 99), 250);
	/* calibration points stay within the max target */
	ck_assert_int_eq(p.cal_points, 4);
	ck_assert_double_eq(p.cal_point_mmhg[3], 250);
}
END_TEST

START_TEST(shipped_s10pro)
{
	struct pb_profile p;
	load_ok(&p, "s10pro");
	ck_assert_str_eq(p.id, "s10pro");
	ck_assert_int_eq(p.channels, 2);
	ck_assert_int_eq(p.levels, 12);
	ck_assert(p.double_pumping);
	ck_assert(p.mains);
	ck_assert_double_eq(p.max_target_mmhg, 300);
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_STIMULATION, 12),
	    40 + 8 * 11);
	ck_assert_double_eq(pb_profile_peak_mmhg(&p, PB_MODE_EXPRESSION, 12),
	    60 + 20 * 11);
	ck_assert_double_eq(pb_profile_rate_cpm(&p, PB_MODE_EXPRESSION, 1), 64);
	ck_assert_double_eq(pb_profile_rate_cpm(&p, PB_MODE_EXPRESSION, 12), 30);
	ck_assert_int_eq(p.cal_points, 5);
	ck_assert_double_eq(p.cal_point_mmhg[4], 300);
	/* every level of every mode within the software limit */
	for (int l = 1; l <= p.levels; l++) {
		ck_assert(pb_profile_peak_mmhg(&p, 1, l) <= p.max_target_mmhg);
		ck_assert(pb_profile_peak_mmhg(&p, 2, l) <= p.max_target_mmhg);
	}
}
END_TEST

START_TEST(mixed_pattern)
{
	struct pb_profile p;
	load_ok(&p, "s21");
	ck_assert_int_eq(p.mixed_stim_cycles, 5);
	ck_assert_int_eq(p.mixed_expr_cycles, 1);
	for (unsigned c = 0; c < 18; c++)
		ck_assert_int_eq(pb_profile_mixed_is_stim(&p, c), c % 6 < 5);
}
END_TEST

/* The closed-form pull time agrees with the isothermal model and the
 * shipped profiles leave a margin at every level. */
START_TEST(curve_before_the_limit)
{
	struct pb_profile p;
	load_ok(&p, "s10pro");
	p.max_target_mmhg = 200;   /* a lower limit than the curves reach */
	ck_assert_double_eq_tol(pb_profile_peak_mmhg(&p, 2, 12), 200, 1e-9);
	ck_assert_double_eq_tol(pb_profile_curve_peak_mmhg(&p, 2, 12),
	    60 + 20 * 11, 1e-9);
	ck_assert_double_eq_tol(pb_profile_curve_peak_mmhg(&p, 1, 12),
	    40 + 8 * 11, 1e-9);
	/* mixed runs both kinds of cycle: the higher curve counts */
	ck_assert_double_eq_tol(pb_profile_curve_peak_mmhg(&p, 3, 12),
	    60 + 20 * 11, 1e-9);
	ck_assert_double_eq_tol(pb_profile_curve_peak_mmhg(&p, 3, 1), 60,
	    1e-9);
	/* levels clamp as in pb_profile_peak_mmhg */
	ck_assert_double_eq_tol(pb_profile_curve_peak_mmhg(&p, 2, 99),
	    60 + 20 * 11, 1e-9);
}
END_TEST

START_TEST(pull_time)
{
	struct pb_profile p;
	load_ok(&p, "s21");
	/* numeric integration of V dPa/dt = -Q(P) Pa */
	double V = p.dead_volume_ml, P = 0.0, t = 0.0, dt = 1e-5;
	double q0 = p.free_flow_lpm * 1000.0 / 60.0;
	while (P < 200.0) {
		double pa = 760.0 - P;
		double q = q0 * (1.0 - P / p.stall_vacuum_mmhg);
		pa -= q * pa / V * dt;
		P = 760.0 - pa;
		t += dt;
	}
	ck_assert_double_eq_tol(pb_profile_pull_s(&p, 200.0, 1,
	    p.batt_nominal_v), t, 1e-3);
	/* half the voltage or two channels: twice as long */
	ck_assert_double_eq_tol(pb_profile_pull_s(&p, 200.0, 1,
	    p.batt_nominal_v / 2), 2 * t, 2e-3);
	ck_assert_double_eq_tol(pb_profile_pull_s(&p, 200.0, 2,
	    p.batt_nominal_v), 2 * t, 2e-3);
	ck_assert(isinf(pb_profile_pull_s(&p, p.stall_vacuum_mmhg, 1, 3.7)));
	ck_assert_double_eq(pb_profile_pull_s(&p, 0.0, 1, 3.7), 0.0);
}
END_TEST

START_TEST(find_paths)
{
	struct pb_profile p;
	/* explicit path */
	ck_assert_int_eq(pb_profile_find(&p, "fixtures/pumps/s21.ini", errbuf,
	    sizeof errbuf), 0);
	ck_assert_str_eq(p.id, "s21");
	/* unknown id, and ids that try to leave the directory */
	ck_assert_int_eq(pb_profile_find(&p, "nosuchpump", errbuf,
	    sizeof errbuf), PB_PROFILE_E_OPEN);
	ck_assert_ptr_nonnull(strstr(errbuf, "profile 'nosuchpump' not found"));
	ck_assert_int_eq(pb_profile_find(&p, "..", errbuf, sizeof errbuf),
	    PB_PROFILE_E_OPEN);
	ck_assert_ptr_nonnull(strstr(errbuf, "not a profile id"));
	ck_assert_int_eq(pb_profile_load(&p, "/nonexistent/x.ini", errbuf,
	    sizeof errbuf), PB_PROFILE_E_OPEN);
	ck_assert_str_eq(errbuf,
	    "/nonexistent/x.ini:0: cannot open: No such file or directory");
	ck_assert_str_eq(pb_profile_strerror(PB_PROFILE_E_SYNTAX),
	    "profile syntax error");
}
END_TEST

/* ---- malformed files ------------------------------------------------- */

static char tmppath[64];

static void write_tmp(const char *text)
{
	strcpy(tmppath, "/tmp/pb-profile-XXXXXX");
	int fd = mkstemp(tmppath);
	ck_assert_int_ge(fd, 0);
	size_t n = strlen(text);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/* Line number (1-based) of the first line starting with prefix. */
static int line_of(const char *text, const char *prefix)
{
	int line = 1;
	const char *s = text;
	size_t n = strlen(prefix);
	while (*s) {
		if (strncmp(s, prefix, n) == 0)
			return line;
		const char *e = strchr(s, '\n');
		if (!e)
			break;
		s = e + 1;
		line++;
	}
	ck_abort_msg("no line starting with '%s'", prefix);
	return 0;
}

/* Replace the whole line starting with prefix by repl (no newline). */
static char *replace_line(const char *text, const char *prefix,
    const char *repl)
{
	static char out[20000];
	const char *s = text;
	size_t n = strlen(prefix);
	while (strncmp(s, prefix, n) != 0) {
		s = strchr(s, '\n');
		ck_assert_ptr_nonnull(s);
		s++;
	}
	const char *e = strchr(s, '\n');
	ck_assert_ptr_nonnull(e);
	snprintf(out, sizeof out, "%.*s%s%s", (int)(s - text), text, repl, e);
	return out;
}

static void expect(const char *text, int rc_want, int line,
    const char *msg)
{
	struct pb_profile p;
	char want[600];
	write_tmp(text);
	int rc = pb_profile_load(&p, tmppath, errbuf, sizeof errbuf);
	unlink(tmppath);
	snprintf(want, sizeof want, "%s:%d: %s", tmppath, line, msg);
	ck_assert_int_eq(rc, rc_want);
	ck_assert_str_eq(errbuf, want);
}

START_TEST(bad_syntax)
{
	const char *t = read_shipped("s21");
	int l = line_of(t, "levels =");
	expect(replace_line(t, "levels =", "levels 9"), PB_PROFILE_E_SYNTAX, l,
	    "syntax error (expected [section] or key = value)");
	l = line_of(t, "[motor]");
	expect(replace_line(t, "[motor]", "[motor"), PB_PROFILE_E_SYNTAX, l,
	    "syntax error (expected [section] or key = value)");
}
END_TEST

START_TEST(bad_key)
{
	const char *t = read_shipped("s21");
	int l = line_of(t, "levels =");
	expect(replace_line(t, "levels =", "lvls = 9"), PB_PROFILE_E_KEY, l,
	    "unknown key 'lvls' in [pump]");
	l = line_of(t, "[battery]");
	expect(replace_line(t, "[battery]", "[batt]"), PB_PROFILE_E_KEY, l + 1,
	    "unknown section [batt]");
	/* a duplicate names both lines */
	int first = line_of(t, "levels =");
	char dup[64];
	snprintf(dup, sizeof dup, "levels = 9\nlevels = 8");
	expect(replace_line(t, "levels =", dup), PB_PROFILE_E_KEY, first + 1,
	    "[pump] levels: duplicate key (first on line 17)");
	ck_assert_int_eq(first, 17);
	expect("x = 1\n", PB_PROFILE_E_KEY, 1, "key 'x' outside any section");
}
END_TEST

START_TEST(bad_value)
{
	const char *t = read_shipped("s21");
	int l = line_of(t, "levels =");
	expect(replace_line(t, "levels =", "levels = nine"), PB_PROFILE_E_VALUE,
	    l, "[pump] levels: 'nine' is not an integer");
	expect(replace_line(t, "levels =", "levels = 40"), PB_PROFILE_E_VALUE,
	    l, "[pump] levels: 40 is out of range 1..32");
	l = line_of(t, "dead_volume_ml =");
	expect(replace_line(t, "dead_volume_ml =", "dead_volume_ml = 25ml"),
	    PB_PROFILE_E_VALUE, l,
	    "[pneumatics] dead_volume_ml: '25ml' is not a number");
	expect(replace_line(t, "dead_volume_ml =", "dead_volume_ml = nan"),
	    PB_PROFILE_E_VALUE, l,
	    "[pneumatics] dead_volume_ml: 'nan' is not a number");
	l = line_of(t, "double_pumping =");
	expect(replace_line(t, "double_pumping =", "double_pumping = maybe"),
	    PB_PROFILE_E_VALUE, l,
	    "[pump] double_pumping: 'maybe' is not a boolean (true/false)");
	l = line_of(t, "points_mmhg =");
	expect(replace_line(t, "points_mmhg =", "points_mmhg = 0, 150, 50"),
	    PB_PROFILE_E_VALUE, l,
	    "[calibration] points_mmhg: entries must be ascending");
	expect(replace_line(t, "points_mmhg =", "points_mmhg = 0, x"),
	    PB_PROFILE_E_VALUE, l,
	    "[calibration] points_mmhg: entry 2 'x' is not a number");
}
END_TEST

START_TEST(cross_checks)
{
	const char *t = read_shipped("s21");
	/* the top expression level would exceed the software limit */
	int l = line_of(t, "peak_step_mmhg = 20");
	expect(replace_line(t, "peak_step_mmhg = 20", "peak_step_mmhg = 25"),
	    PB_PROFILE_E_VALUE, l,
	    "[expression] peak at level 9 (290 mmHg) exceeds [limits] "
	    "max_target_mmhg (250)");
	l = line_of(t, "points_mmhg =");
	expect(replace_line(t, "points_mmhg =",
	    "points_mmhg = 0, 50, 150, 300"), PB_PROFILE_E_VALUE, l,
	    "[calibration] point 300 mmHg exceeds [limits] max_target_mmhg "
	    "(250)");
	l = line_of(t, "double_pumping =");
	expect(replace_line(t, "double_pumping =", "double_pumping = true"),
	    PB_PROFILE_E_VALUE, l, "[pump] double_pumping needs channels = 2");
	/* the reference table's 3 L/min motor cannot serve two 80 mL
	 * channels: refused, naming the first level out of reach */
	const char *m = read_shipped("s10pro");
	l = line_of(m, "peak_step_mmhg = 8");
	expect(replace_line(m, "free_flow_lpm =", "free_flow_lpm = 3.0"),
	    PB_PROFILE_E_VALUE, l,
	    "[stimulation] level 5 (72 mmHg) is out of the pump's reach: "
	    "pulling takes 0.37 s at warn_v pumping double, the cycle allows "
	    "0.35 s ([motor], [pneumatics])");
	l = line_of(t, "cutoff_v =");
	expect(replace_line(t, "cutoff_v =", "cutoff_v = 3.6"),
	    PB_PROFILE_E_VALUE, l, "[battery] cutoff_v must be below warn_v");
}
END_TEST

START_TEST(missing_keys)
{
	const char *t = read_shipped("s21");
	int sec = line_of(t, "[limits]");
	expect(replace_line(t, "stuck_mmhg =", "; removed"),
	    PB_PROFILE_E_MISSING, sec + 1,
	    "[limits] missing required key 'stuck_mmhg'");
	/* cell keys are required on battery power only */
	sec = line_of(t, "[battery]");
	expect(replace_line(t, "capacity_mah =", ";"), PB_PROFILE_E_MISSING,
	    sec + 1, "[battery] missing required key 'capacity_mah'");
	const char *m = read_shipped("s10pro");
	struct pb_profile p;
	write_tmp(m);
	ck_assert_int_eq(pb_profile_load(&p, tmppath, errbuf, sizeof errbuf),
	    0);
	unlink(tmppath);
	/* an empty file misses the first key of the table */
	expect("", PB_PROFILE_E_MISSING, 0, "[pump] missing required key 'id'");
}
END_TEST

START_TEST(long_line_and_binary)
{
	const char *t = read_shipped("s21");
	char longv[400];
	memset(longv, 'x', sizeof longv);
	memcpy(longv, "name = ", 7);
	longv[sizeof longv - 1] = '\0';
	int l = line_of(t, "name =");
	expect(replace_line(t, "name =", longv), PB_PROFILE_E_SYNTAX, l,
	    "line longer than 198 characters");
	/* a NUL byte is refused on its line (issue 9.12): it would end a
	 * value early ("levels = 9\0junk" read as 9) */
	static const char bin[] = "[pump]\nid = a\0b\n\xff\xfe\n";
	struct pb_profile p;
	int rc = pb_profile_load_mem(&p, "bin", bin, sizeof bin - 1, errbuf,
	    sizeof errbuf);
	ck_assert_int_eq(rc, PB_PROFILE_E_SYNTAX);
	ck_assert_str_eq(errbuf, "bin:2: NUL byte in the file (not a text "
	    "file?)");
	l = line_of(t, "levels =");
	char nulv[64];
	size_t nl = (size_t)snprintf(nulv, sizeof nulv, "levels = 9");
	nulv[nl++] = '\0';
	memcpy(nulv + nl, "junk", 5);
	char *withnul = malloc(strlen(t) + 64);
	ck_assert_ptr_nonnull(withnul);
	const char *at = strstr(t, "levels =");
	const char *eol = strchr(at, '\n');
	size_t pre = (size_t)(at - t);
	memcpy(withnul, t, pre);
	memcpy(withnul + pre, nulv, nl + 4);
	size_t total = pre + nl + 4;
	memcpy(withnul + total, eol, strlen(eol));
	total += strlen(eol);
	rc = pb_profile_load_mem(&p, "nul.ini", withnul, total, errbuf,
	    sizeof errbuf);
	free(withnul);
	ck_assert_int_eq(rc, PB_PROFILE_E_SYNTAX);
	char want[64];
	snprintf(want, sizeof want, "nul.ini:%d: NUL byte", l);
	ck_assert_msg(strncmp(errbuf, want, strlen(want)) == 0, "%s", errbuf);
	/* the same text loads from memory as from the file */
	rc = pb_profile_load_mem(&p, "mem", t, strlen(t), errbuf, sizeof errbuf);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(p.id, "s21");
}
END_TEST

/* issue 9.4: the id is a name, never a path: the loader refuses any other
 * id, and an id from outside is only looked up by name. */
START_TEST(id_charset)
{
	const char *t = read_shipped("s21");
	int l = line_of(t, "id =");
	expect(replace_line(t, "id =", "id = ../../etc"), PB_PROFILE_E_VALUE,
	    l, "[pump] id: '../../etc' is not a profile id (letters, digits, "
	    "'-' and '_')");
	expect(replace_line(t, "id =", "id = s21.ini"), PB_PROFILE_E_VALUE,
	    l, "[pump] id: 's21.ini' is not a profile id (letters, digits, "
	    "'-' and '_')");
	expect(replace_line(t, "id =", "id = s 21"), PB_PROFILE_E_VALUE,
	    l, "[pump] id: 's 21' is not a profile id (letters, digits, "
	    "'-' and '_')");
	ck_assert(pb_profile_id_valid("s10pro"));
	ck_assert(pb_profile_id_valid("A-b_9"));
	ck_assert(pb_profile_id_valid("abcdefghijklmno"));    /* 15 */
	ck_assert(!pb_profile_id_valid("abcdefghijklmnop"));  /* 16 */
	ck_assert(!pb_profile_id_valid(""));
	ck_assert(!pb_profile_id_valid(NULL));
	ck_assert(!pb_profile_id_valid(".."));
	ck_assert(!pb_profile_id_valid("/etc/passwd"));
	ck_assert(!pb_profile_id_valid("s21.ini"));
	ck_assert(!pb_profile_id_valid("s\xc3\xa9"));
}
END_TEST

START_TEST(find_by_id_only)
{
	struct pb_profile p;
	/* what a pump may report: a path or a file name is never opened */
	static const char *const hostile[] = {
		"/etc/passwd", "fixtures/pumps/s21.ini", "s21.ini", "..",
		"../pumps/s21", "",
	};
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		int rc = pb_profile_find_id(&p, hostile[i], errbuf,
		    sizeof errbuf);
		ck_assert_msg(rc == PB_PROFILE_E_OPEN, "%s loaded", hostile[i]);
		ck_assert_msg(strstr(errbuf, "is not a profile id") != NULL,
		    "%s: %s", hostile[i], errbuf);
		ck_assert_msg(strstr(errbuf, "not looked up") != NULL, "%s",
		    errbuf);
		ck_assert_str_eq(p.id, "");
	}
	/* pb_profile_find (the user's own argument) still takes a path */
	ck_assert_int_eq(pb_profile_find(&p, "fixtures/pumps/s21.ini", errbuf,
	    sizeof errbuf), 0);
	/* a valid id loads from the profile directories */
	ck_assert_int_eq(pb_profile_find_id(&p, "s21", errbuf, sizeof errbuf),
	    0);
	ck_assert_str_eq(p.id, "s21");
	ck_assert_int_eq(pb_profile_find_id(&p, "nosuchpump", errbuf,
	    sizeof errbuf), PB_PROFILE_E_OPEN);
	ck_assert_ptr_nonnull(strstr(errbuf, "profile 'nosuchpump' not found"));
}
END_TEST

/* a file found by id must carry that id (pumps/foo.ini saying s21 is not
 * the profile of a pump that reports foo) */
START_TEST(find_id_mismatch)
{
	char dir[] = "/tmp/pb-profdir-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char sub[64], path[96];
	snprintf(sub, sizeof sub, "%s/pumps", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(path, sizeof path, "%s/foo.ini", sub);
	const char *t = read_shipped("s21");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(t, f);
	fclose(f);
	char *old = getenv("PUMPBENCH_DATA");
	char saved[512] = "";
	if (old)
		snprintf(saved, sizeof saved, "%s", old);
	setenv("PUMPBENCH_DATA", dir, 1);
	struct pb_profile p;
	int rc = pb_profile_find_id(&p, "foo", errbuf, sizeof errbuf);
	if (old)
		setenv("PUMPBENCH_DATA", saved, 1);
	else
		unsetenv("PUMPBENCH_DATA");
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	ck_assert_int_eq(rc, PB_PROFILE_E_VALUE);
	char want[256];
	snprintf(want, sizeof want, "%s:0: the file's id is 's21', not 'foo'",
	    path);
	ck_assert_str_eq(errbuf, want);
}
END_TEST

/* issue 9.5: a FIFO never blocks the loader (the alarm fails a hang) */
START_TEST(fifo_refused)
{
	char dir[] = "/tmp/pb-proffifo-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/p.ini", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);
	struct pb_profile p;
	int rc = pb_profile_load(&p, path, errbuf, sizeof errbuf);
	alarm(0);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(rc, PB_PROFILE_E_OPEN);
	char want[128];
	snprintf(want, sizeof want, "%s:0: not a regular file (a FIFO)", path);
	ck_assert_str_eq(errbuf, want);
	/* a directory likewise */
	ck_assert_int_eq(pb_profile_load(&p, "/tmp", errbuf, sizeof errbuf),
	    PB_PROFILE_E_OPEN);
	ck_assert_str_eq(errbuf, "/tmp:0: not a regular file (a directory)");
}
END_TEST

/* issue 9.6: bytes of the file quoted in a message are escaped */
START_TEST(messages_escaped)
{
	const char *t = read_shipped("s21");
	int l = line_of(t, "levels =");
	expect(replace_line(t, "levels =", "levels = \x1b[2J\x1b]0;x\x07"),
	    PB_PROFILE_E_VALUE, l,
	    "[pump] levels: '\\x1B[2J\\x1B]0;x\\x07' is not an integer");
	struct pb_profile p;
	static const char sec[] = "[\x1b[31mred]\nk = v\n";
	ck_assert_int_lt(pb_profile_load_mem(&p, "m\x1b", sec, sizeof sec - 1,
	    errbuf, sizeof errbuf), 0);
	ck_assert_str_eq(errbuf, "m\\x1B:2: unknown section [\\x1B[31mred]");
	ck_assert_ptr_null(strchr(errbuf, 0x1b));
}
END_TEST

/* Pumping double: a lower maximum per side (300 single, 260 double on
 * s10pro); optional, not above the single maximum, only on a pump that
 * pumps double. */
START_TEST(double_maximum)
{
	struct pb_profile p;
	load_ok(&p, "s10pro");
	ck_assert_double_eq(p.max_target_double_mmhg, 260);
	ck_assert_double_eq(pb_profile_max_target_mmhg(&p, 1), 300);
	ck_assert_double_eq(pb_profile_max_target_mmhg(&p, 2), 260);
	ck_assert_double_eq(pb_profile_peak_n_mmhg(&p, 2, 12, 1), 280);
	ck_assert_double_eq(pb_profile_peak_n_mmhg(&p, 2, 12, 2), 260);
	ck_assert_double_eq(pb_profile_peak_n_mmhg(&p, 2, 10, 2), 240);
	load_ok(&p, "s21");   /* single pump: the key is absent */
	ck_assert_double_eq(p.max_target_double_mmhg, p.max_target_mmhg);
	char *t = read_shipped("s10pro");
	int l = line_of(t, "max_target_double_mmhg =");
	expect(replace_line(t, "max_target_double_mmhg =",
	    "max_target_double_mmhg = 310"), PB_PROFILE_E_VALUE, l,
	    "[limits] max_target_double_mmhg (310) exceeds max_target_mmhg "
	    "(300): pumping double reaches less per side");
	t = read_shipped("s21");
	l = line_of(t, "max_target_mmhg =");
	char line[128];
	snprintf(line, sizeof line, "max_target_mmhg = 250\n"
	    "max_target_double_mmhg = 200");
	expect(replace_line(t, "max_target_mmhg =", line), PB_PROFILE_E_VALUE,
	    l + 1, "[limits] max_target_double_mmhg needs [pump] "
	    "double_pumping = true");
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");
	tcase_add_test(tc, shipped_s21);
	tcase_add_test(tc, shipped_s10pro);
	tcase_add_test(tc, mixed_pattern);
	tcase_add_test(tc, curve_before_the_limit);
	tcase_add_test(tc, double_maximum);
	tcase_add_test(tc, pull_time);
	tcase_add_test(tc, find_paths);
	tcase_add_test(tc, bad_syntax);
	tcase_add_test(tc, bad_key);
	tcase_add_test(tc, bad_value);
	tcase_add_test(tc, cross_checks);
	tcase_add_test(tc, missing_keys);
	tcase_add_test(tc, long_line_and_binary);
	tcase_add_test(tc, id_charset);
	tcase_add_test(tc, find_by_id_only);
	tcase_add_test(tc, find_id_mismatch);
	tcase_add_test(tc, fifo_refused);
	tcase_add_test(tc, messages_escaped);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(profile_suite)
