/*
 * tests for tui/calview.c: the reading input line and its check, the
 * stability meter, certificate names, and the screen's text.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/lib/check_main.h"
#include "tui/app.h"
#include "tui/calview.h"

static enum pb_calview_in type(struct pb_calview_input *in, const char *s)
{
	enum pb_calview_in r = PB_CVI_NONE;
	for (; *s; s++)
		r = pb_calview_input_key(in, (unsigned char)*s, NULL, 0);
	return r;
}

START_TEST(input_digits_point_backspace_enter)
{
	struct pb_calview_input in;
	pb_calview_input_clear(&in);
	ck_assert_int_eq(type(&in, "150.2"), PB_CVI_EDIT);
	ck_assert_str_eq(in.buf, "150.2");
	ck_assert_int_eq(pb_calview_input_key(&in, PB_KEY_BACKSPACE, NULL, 0),
	    PB_CVI_EDIT);
	ck_assert_str_eq(in.buf, "150.");
	ck_assert_int_eq(pb_calview_input_key(&in, 127, NULL, 0), PB_CVI_EDIT);
	ck_assert_int_eq(pb_calview_input_key(&in, 8, NULL, 0), PB_CVI_EDIT);
	ck_assert_str_eq(in.buf, "15");
	ck_assert_int_eq(pb_calview_input_key(&in, '\r', NULL, 0),
	    PB_CVI_SUBMIT);
	ck_assert_int_eq(pb_calview_input_key(&in, '\n', NULL, 0),
	    PB_CVI_SUBMIT);
	/* Backspace on an empty line is harmless */
	pb_calview_input_clear(&in);
	ck_assert_int_eq(pb_calview_input_key(&in, 127, NULL, 0), PB_CVI_EDIT);
	ck_assert_uint_eq(in.len, 0);
}
END_TEST

START_TEST(input_rejects_with_reason)
{
	struct pb_calview_input in;
	char why[128];
	pb_calview_input_clear(&in);
	ck_assert_int_eq(pb_calview_input_key(&in, 'x', why, sizeof why),
	    PB_CVI_REJECT);
	ck_assert_ptr_nonnull(strstr(why, "'x'"));
	ck_assert_uint_eq(in.len, 0);
	type(&in, "1.5");
	ck_assert_int_eq(pb_calview_input_key(&in, '.', why, sizeof why),
	    PB_CVI_REJECT);
	ck_assert_ptr_nonnull(strstr(why, "one decimal point"));
	ck_assert_int_eq(pb_calview_input_key(&in, '-', why, sizeof why),
	    PB_CVI_REJECT);
	ck_assert_str_eq(in.buf, "1.5");
	/* a leading minus (a gauge reading just below zero) is fine */
	pb_calview_input_clear(&in);
	ck_assert_int_eq(pb_calview_input_key(&in, '-', why, sizeof why),
	    PB_CVI_EDIT);
	/* length limit */
	pb_calview_input_clear(&in);
	type(&in, "1234567890");
	ck_assert_int_eq(pb_calview_input_key(&in, '1', why, sizeof why),
	    PB_CVI_REJECT);
	ck_assert_uint_eq(in.len, PB_CALVIEW_INPUT_MAX);
	/* special keys are rejected, not inserted */
	ck_assert_int_eq(pb_calview_input_key(&in, PB_KEY_LEFT, why,
	    sizeof why), PB_CVI_REJECT);
	ck_assert_uint_eq(in.len, PB_CALVIEW_INPUT_MAX);
}
END_TEST

START_TEST(check_reading)
{
	double v = -1;
	char why[160];
	ck_assert_int_eq(pb_calview_check_reading("148.7", 150, &v, why,
	    sizeof why), PB_CVC_OK);
	ck_assert_double_eq_tol(v, 148.7, 1e-9);
	ck_assert_int_eq(pb_calview_check_reading("0", 0, &v, why, sizeof why),
	    PB_CVC_OK);
	ck_assert_int_eq(pb_calview_check_reading("-0.4", 0, &v, why,
	    sizeof why), PB_CVC_OK);
	ck_assert_double_eq_tol(v, -0.4, 1e-9);
	ck_assert_int_eq(pb_calview_check_reading(".5", 0, &v, why,
	    sizeof why), PB_CVC_OK);
	/* not numbers */
	const char *bad[] = { "", ".", "-", "1.2.3", "12a", "1e3", " 5", "--1",
	    "0x10", "inf", "nan" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 12345;
		ck_assert_msg(pb_calview_check_reading(bad[i], 100, &v, why,
		    sizeof why) == PB_CVC_BAD, "'%s' accepted", bad[i]);
		ck_assert_double_eq(v, 12345);
		ck_assert_msg(why[0] != '\0', "no reason for '%s'", bad[i]);
	}
	/* out of range */
	ck_assert_int_eq(pb_calview_check_reading("1500", 250, &v, why,
	    sizeof why), PB_CVC_BAD);
	ck_assert_ptr_nonnull(strstr(why, "out of range"));
	ck_assert_int_eq(pb_calview_check_reading("-25", 0, &v, why,
	    sizeof why), PB_CVC_BAD);
	/* far from the target: a typo (15 for 150) asks for confirmation */
	ck_assert_int_eq(pb_calview_check_reading("15", 150, &v, why,
	    sizeof why), PB_CVC_CONFIRM);
	ck_assert_double_eq_tol(v, 15, 1e-9);
	ck_assert_ptr_nonnull(strstr(why, "Enter again"));
	/* an uncalibrated unit's true vacuum may be well off its target:
	 * 25 mmHg at 50 and 35 at 250 (within 15 %) are plain */
	ck_assert_int_eq(pb_calview_check_reading("25", 50, &v, why,
	    sizeof why), PB_CVC_OK);
	ck_assert_int_eq(pb_calview_check_reading("215.5", 250, &v, why,
	    sizeof why), PB_CVC_OK);
	ck_assert_int_eq(pb_calview_check_reading("205", 250, &v, why,
	    sizeof why), PB_CVC_CONFIRM);
}
END_TEST

START_TEST(stability_span)
{
	struct pb_calview_stab s;
	pb_calview_stab_reset(&s);
	ck_assert(isnan(pb_calview_stab_span(&s, 0, 1000000)));
	uint64_t t = 5000000;
	/* half a second of data: not yet judged */
	for (int i = 0; i < 25; i++, t += 20000)
		pb_calview_stab_push(&s, t, 100.0 + (i % 2) * 0.5);
	ck_assert(isnan(pb_calview_stab_span(&s, t, 1000000)));
	for (int i = 0; i < 50; i++, t += 20000)
		pb_calview_stab_push(&s, t, 100.0 + (i % 2) * 0.5);
	ck_assert_double_eq_tol(pb_calview_stab_span(&s, t, 1000000), 0.5,
	    1e-9);
	/* a step older than the window no longer counts */
	pb_calview_stab_reset(&s);
	t = 5000000;
	pb_calview_stab_push(&s, t, 0);
	for (int i = 0; i < 100; i++) {
		t += 20000;
		pb_calview_stab_push(&s, t, 150.0);
	}
	ck_assert_double_eq_tol(pb_calview_stab_span(&s, t, 1000000), 0.0,
	    1e-9);
	/* more entries than the ring holds */
	for (int i = 0; i < 1000; i++) {
		t += 1000;
		pb_calview_stab_push(&s, t, i % 3);
	}
	double sp = pb_calview_stab_span(&s, t, 200000);
	ck_assert_double_eq_tol(sp, 2.0, 1e-9);
}
END_TEST

START_TEST(cert_prefix)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 28;
	tm.tm_hour = 9;
	tm.tm_min = 5;
	tm.tm_sec = 7;
	char buf[80];
	char sn[16] = "S21-0001";
	pb_calview_cert_prefix(sn, sizeof sn, &tm, buf, sizeof buf);
	ck_assert_str_eq(buf, "cal-S21-0001-20261128T090507");
	/* a full 16-character serial without a NUL, and odd characters */
	char full[16];
	memcpy(full, "AB/CD EF..GH1234", 16);
	pb_calview_cert_prefix(full, sizeof full, &tm, buf, sizeof buf);
	ck_assert_str_eq(buf, "cal-AB_CD_EF__GH1234-20261128T090507");
	pb_calview_cert_prefix("", 16, &tm, buf, sizeof buf);
	ck_assert_str_eq(buf, "cal-unknown-20261128T090507");
}
END_TEST

static void profile(struct pb_profile *p)
{
	memset(p, 0, sizeof *p);
	strcpy(p->id, "s21");
	p->channels = 1;
	p->max_target_mmhg = 250;
	p->cal_points = 4;
	double pts[] = { 0, 50, 150, 250 };
	memcpy(p->cal_point_mmhg, pts, sizeof pts);
	p->cal_order = 2;
	p->cal_accept_abs_mmhg = 3;
	p->cal_accept_rel = 0.01;
	p->cal_dwell_s = 2;
	p->cal_stable_mmhg = 1;
}

static int find(const struct pb_calview_line *l, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strstr(l[i].text, s))
			return i;
	return -1;
}

static void base(struct pb_calview_state *v, const struct pb_profile *p)
{
	memset(v, 0, sizeof *v);
	v->serial = "S21-0001";
	v->firmware = "sim-s21-1.0";
	v->profile_id = "s21";
	v->station = "t1";
	v->key_path = "station.key";
	v->cert_prefix = "./cal-S21-0001-<yyyymmddThhmmss>";
	v->prof = p;
	v->channels = 1;
	v->stable_mmhg = 1;
}

START_TEST(render_intro)
{
	struct pb_profile p;
	profile(&p);
	struct pb_calview_state v;
	base(&v, &p);
	struct pb_calview_line l[64];
	int n = pb_calview_render(&v, l, 64, 100);
	ck_assert_int_ge(find(l, n, "Factory calibration of S21-0001"), 0);
	ck_assert_int_ge(find(l, n, "Points 0, 50, 150, 250 mmHg"), 0);
	ck_assert_int_ge(find(l, n, "key station.key (ok)"), 0);
	ck_assert_int_ge(find(l, n, "Enter start calibration"), 0);
	/* a key problem is spelt out, in the "bad" style */
	v.key_problem = "Station key unusable: station.key: readable by "
	    "group or others (mode 0644)";
	n = pb_calview_render(&v, l, 64, 100);
	int i = find(l, n, "mode 0644");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(l[i].style, PB_CVS_BAD);
	ck_assert_int_lt(find(l, n, "(ok)"), 0);
	/* pumping: the question */
	v.ask_stop = true;
	n = pb_calview_render(&v, l, 64, 100);
	ck_assert_int_ge(find(l, n, "Stop it and calibrate?  y = yes"), 0);
	/* lines never exceed the width */
	n = pb_calview_render(&v, l, 64, 40);
	for (int k = 0; k < n; k++)
		ck_assert_int_le((int)strlen(l[k].text), 40);
}
END_TEST

START_TEST(render_running_prompt_and_points)
{
	struct pb_profile p;
	profile(&p);
	static struct pb_cal_result r;
	memset(&r, 0, sizeof r);
	r.channels = 1;
	r.npoints = 4;
	double raw[] = { 765.6, 1073.6, 1943.7, 2808.0 };
	double ref[] = { 0, 35.4, 134.6, 233.9 };
	for (int i = 0; i < 4; i++) {
		r.point[i].target_mmhg = p.cal_point_mmhg[i];
		r.point[i].raw[0] = raw[i];
		r.point[i].reference[0] = ref[i];
		r.point[i].samples[0] = 100;
	}
	struct pb_calview_state v;
	base(&v, &p);
	v.phase = PB_CVP_RUNNING;
	v.stage = PB_CAL_S_PROMPT;
	v.point = 2;
	v.npoints = 4;
	v.target_mmhg = 150;
	v.res = &r;
	v.have_live = true;
	v.reading[0] = 148.9;
	v.raw[0] = 1944;
	v.span[0] = 0.4;
	v.prompting = true;
	v.prompt = "Point 3 of 4, holding 150 mmHg: type the reference gauge "
	    "reading for ch1 (mmHg)";
	v.input = "134.";
	v.message = "'x' is not part of a reading: type digits and '.'";
	v.message_bad = true;
	struct pb_calview_line l[64];
	int n = pb_calview_render(&v, l, 64, 110);
	ck_assert_int_ge(find(l, n, "[x] read device info"), 0);
	ck_assert_int_ge(find(l, n, "[>] point 3/4: reference reading"), 0);
	ck_assert_int_ge(find(l, n, "[ ] fit"), 0);
	ck_assert_int_ge(find(l, n, "Now: point 3 of 4, target 150.0 mmHg"), 0);
	int i = find(l, n, "148.9");
	ck_assert_int_ge(i, 0);
	ck_assert_ptr_nonnull(strstr(l[i].text, "1944"));
	ck_assert_ptr_nonnull(strstr(l[i].text, "stable"));
	ck_assert_int_ge(find(l, n, "reference mmHg> 134._"), 0);
	ck_assert_int_ge(find(l, n, "not part of a reading"), 0);
	ck_assert_int_ge(find(l, n, "Points (2 of 4 done)"), 0);
	/* two rows, no residuals before the fit */
	i = find(l, n, "  35.40");
	ck_assert_int_ge(i, 0);
	ck_assert_ptr_null(strstr(l[i].text, "ok"));
	ck_assert_int_lt(find(l, n, "134.60"), 0);
	ck_assert_int_ge(find(l, n, "Esc: abort"), 0);
	/* settling shows so */
	v.span[0] = 3.2;
	n = pb_calview_render(&v, l, 64, 110);
	ck_assert_int_ge(find(l, n, "3.20 mmHg settling"), 0);
	/* the step list wraps between items only */
	n = pb_calview_render(&v, l, 64, 50);
	for (int k = 0; k < n; k++) {
		const char *t = l[k].text;
		size_t len = strlen(t);
		ck_assert_msg(len < 2 || strcmp(t + len - 2, " [") != 0,
		    "item cut: '%s'", t);
	}
}
END_TEST

START_TEST(render_finished)
{
	struct pb_profile p;
	profile(&p);
	static struct pb_cal_result r;
	memset(&r, 0, sizeof r);
	r.channels = 1;
	r.npoints = 4;
	r.verdict = PB_CAL_PASS;
	for (int i = 0; i < 4; i++) {
		r.point[i].target_mmhg = p.cal_point_mmhg[i];
		r.point[i].reference[0] = p.cal_point_mmhg[i];
		r.point[i].samples[0] = 100;
	}
	r.fit[0].n = 4;
	r.fit[0].order = 2;
	r.fit[0].residual[1] = -0.17;
	r.accepted[0] = true;
	r.old[0].cal_id = 0;
	r.was_written[0] = true;
	r.written[0].cal_id = 1;
	r.written[0].c[1] = 0.11f;
	r.verify[0].target_mmhg = 80;
	r.verify[0].pass[0] = true;
	r.verify[1].target_mmhg = 170;
	r.verify[1].pass[0] = true;
	struct pb_calview_state v;
	base(&v, &p);
	v.phase = PB_CVP_FINISHED;
	v.stage = PB_CAL_S_DONE;
	v.point = -1;
	v.npoints = 4;
	v.res = &r;
	v.ncerts = 3;
	v.cert_path[0] = "c.json";
	v.cert_path[1] = "c.txt";
	v.cert_path[2] = "c.html";
	v.have_stored = true;
	v.stored_valid[0] = true;
	v.stored[0] = r.written[0];
	struct pb_calview_line l[64];
	int n = pb_calview_render(&v, l, 64, 110);
	int i = find(l, n, "Verdict: PASS");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(l[i].style, PB_CVS_GOOD);
	ck_assert_int_ge(find(l, n, "-0.17"), 0);
	ck_assert_int_ge(find(l, n, "Stored calibration ch1: id 1 (new)"), 0);
	ck_assert_int_ge(find(l, n, "Certificates: c.json c.txt c.html"), 0);
	ck_assert_int_ge(find(l, n, "[x] done"), 0);
	ck_assert_int_ge(find(l, n, "verify 2  170.0  ch1 device"), 0);
	/* an abort that restored: the old record is back */
	r.verdict = PB_CAL_ABORTED;
	snprintf(r.reason, sizeof r.reason, "aborted: operator pressed Esc");
	r.restored = true;
	v.stored[0] = r.old[0];
	n = pb_calview_render(&v, l, 64, 110);
	i = find(l, n, "Verdict: ABORTED: aborted: operator pressed Esc");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(l[i].style, PB_CVS_BAD);
	ck_assert_int_ge(find(l, n, "old calibration was written back"), 0);
	i = find(l, n, "Stored calibration ch1: id 0 (unchanged)");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(l[i].style, PB_CVS_GOOD);
	/* step marks: a PASS ticks everything, its record included */
	v.furthest = PB_CAL_S_RECORD;
	r.verdict = PB_CAL_PASS;
	char steps[600];
	pb_calview_steps(&v, steps, sizeof steps);
	ck_assert_ptr_nonnull(strstr(steps, "[x] verify at 2 points"));
	ck_assert_ptr_nonnull(strstr(steps, "[x] write calibration"));
	ck_assert_ptr_nonnull(strstr(steps, "[x] record (certificate)"));
	ck_assert_ptr_null(strstr(steps, "[-]"));
	ck_assert_ptr_null(strstr(steps, "[ ]"));
	/* the record failed: marked where it stopped, the restore shown */
	r.verdict = PB_CAL_ERROR;
	r.restored = true;
	pb_calview_steps(&v, steps, sizeof steps);
	ck_assert_ptr_nonnull(strstr(steps, "[!] record (certificate)"));
	ck_assert_ptr_nonnull(strstr(steps, "[x] restore old calibration"));
	/* a fit that failed acceptance: where it stopped, what was skipped */
	r.verdict = PB_CAL_FAIL;
	r.restored = false;
	v.furthest = PB_CAL_S_FIT;
	pb_calview_steps(&v, steps, sizeof steps);
	ck_assert_ptr_nonnull(strstr(steps, "[x] 4 points"));
	ck_assert_ptr_nonnull(strstr(steps, "[!] fit"));
	ck_assert_ptr_nonnull(strstr(steps, "[-] factory unlock"));
	ck_assert_ptr_nonnull(strstr(steps, "[-] verify at 2 points"));
	ck_assert_ptr_nonnull(strstr(steps, "[x] vent"));
	ck_assert_ptr_nonnull(strstr(steps, "[x] done"));
	ck_assert_ptr_null(strstr(steps, "restore"));
	/* while restoring after an abort in the verification */
	r.verdict = PB_CAL_ABORTED;
	v.phase = PB_CVP_RUNNING;
	v.stage = PB_CAL_S_RESTORE;
	v.furthest = PB_CAL_S_VERIFY_SETTLE;
	pb_calview_steps(&v, steps, sizeof steps);
	ck_assert_ptr_nonnull(strstr(steps, "[x] read back"));
	ck_assert_ptr_nonnull(strstr(steps, "[!] verify at 2 points"));
	ck_assert_ptr_nonnull(strstr(steps, "[>] restore old calibration"));
	ck_assert_ptr_nonnull(strstr(steps, "[ ] vent"));
	v.phase = PB_CVP_FINISHED;
	v.stage = PB_CAL_S_DONE;
	r.verdict = PB_CAL_ABORTED;

	/* an abort before any write */
	r.restored = false;
	r.was_written[0] = false;
	n = pb_calview_render(&v, l, 64, 110);
	ck_assert_int_ge(find(l, n, "Nothing was written"), 0);
}
END_TEST

START_TEST(fit_drops_low_priority_first)
{
	struct pb_calview_line l[6];
	const int prio[6] = { 0, 2, 1, 0, 2, 0 };
	for (int i = 0; i < 6; i++) {
		snprintf(l[i].text, sizeof l[i].text, "line %d", i);
		l[i].prio = prio[i];
	}
	ck_assert_int_eq(pb_calview_fit(l, 6, 6), 6);
	int n = pb_calview_fit(l, 6, 4);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(l[0].text, "line 0");
	ck_assert_str_eq(l[1].text, "line 2");
	ck_assert_str_eq(l[2].text, "line 3");
	ck_assert_str_eq(l[3].text, "line 5");
	/* fewer rows than essentials: the bottom ones (prompt, keys) stay */
	n = pb_calview_fit(l, 4, 2);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(l[0].text, "line 3");
	ck_assert_str_eq(l[1].text, "line 5");
	ck_assert_int_eq(pb_calview_fit(l, 2, 0), 0);
	/* a level that fits only in part: its last lines stay */
	const int p2[5] = { 1, 1, 1, 0, 2 };
	for (int i = 0; i < 5; i++) {
		snprintf(l[i].text, sizeof l[i].text, "row %d", i);
		l[i].prio = p2[i];
	}
	n = pb_calview_fit(l, 5, 3);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(l[0].text, "row 1");
	ck_assert_str_eq(l[1].text, "row 2");
	ck_assert_str_eq(l[2].text, "row 3");
}
END_TEST

static Suite *calview_suite(void)
{
	Suite *s = suite_create("calview");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, input_digits_point_backspace_enter);
	tcase_add_test(tc, input_rejects_with_reason);
	tcase_add_test(tc, check_reading);
	tcase_add_test(tc, stability_span);
	tcase_add_test(tc, cert_prefix);
	tcase_add_test(tc, render_intro);
	tcase_add_test(tc, render_running_prompt_and_points);
	tcase_add_test(tc, render_finished);
	tcase_add_test(tc, fit_drops_low_priority_first);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(calview_suite)
