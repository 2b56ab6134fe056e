/*
 * tests/unit/test_runsummary.c - a headless run's cycles summed per
 * channel and setting (tui/cyclesum) and its JSON summary
 * (tui/runsummary): verdict counts and reasons, min/mean/max without the
 * partial cycles, a channel's verdict, settings past the table counted;
 * the JSON valid UTF-8 with every outside string escaped, null where a
 * value does not exist, and never past its bound.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "store/sbuf.h"
#include "tests/lib/check_main.h"
#include "tui/cyclesum.h"
#include "tui/runsummary.h"

/* A whole cycle at MODE/LEVEL with PEAK, judged against a profile. */
static struct pb_cycle_stats cycle(uint8_t mode, uint8_t level, double peak)
{
	struct pb_cycle_stats s;
	memset(&s, 0, sizeof s);
	s.mode = mode;
	s.level = level;
	s.peak_mmhg = peak;
	s.trough_mmhg = 2;
	s.rate_cpm = 60;
	s.ttt_s = 0.4;
	s.hold_decay_mmhg_s = NAN;
	s.has_expect = true;
	s.exp_peak_mmhg = 110;
	s.tol_peak_mmhg = 15;
	s.exp_rate_cpm = 60;
	s.tol_rate_cpm = 5;
	s.peak_ok = s.rate_ok = s.decay_ok = s.target_ok = true;
	return s;
}

START_TEST(cycles_per_channel_and_setting)
{
	static struct pb_cyclesum cs;
	pb_cyclesum_init(&cs);
	ck_assert_str_eq(pb_cyclesum_verdict(&cs.ch[0].v), "none");
	struct pb_cycle_stats s;
	for (int i = 0; i < 3; i++) {          /* 100, 110, 120: OK */
		s = cycle(PB_MODE_EXPRESSION, 5, 100 + 10 * i);
		pb_cyclesum_add(&cs, 0, &s);
	}
	s = cycle(PB_MODE_EXPRESSION, 5, 200);  /* out: peak, never reached */
	s.peak_ok = false;
	s.target_ok = false;
	s.ttt_s = -1;
	pb_cyclesum_add(&cs, 0, &s);
	s = cycle(PB_MODE_EXPRESSION, 5, 900);  /* partial: not in the values */
	s.partial = true;
	pb_cyclesum_add(&cs, 0, &s);
	s = cycle(PB_MODE_STIMULATION, 3, 40);  /* the setting changed inside */
	s.changed = true;
	pb_cyclesum_add(&cs, 0, &s);
	const struct pb_cyclesum_chan *c = &cs.ch[0];
	ck_assert_uint_eq(c->v.cycles, 6);
	ck_assert_uint_eq(c->v.ok, 3);
	ck_assert_uint_eq(c->v.out, 1);
	ck_assert_uint_eq(c->v.partial, 1);
	ck_assert_uint_eq(c->v.changed, 1);
	ck_assert_uint_eq(c->v.peak_out, 1);
	ck_assert_uint_eq(c->v.target_out, 1);
	ck_assert_uint_eq(c->v.rate_out, 0);
	ck_assert_str_eq(pb_cyclesum_verdict(&c->v), "OUT");
	ck_assert_uint_eq(c->ngroups, 2);
	const struct pb_cyclesum_group *g = &c->g[0];
	ck_assert_uint_eq(g->mode, PB_MODE_EXPRESSION);
	ck_assert_uint_eq(g->level, 5);
	ck_assert_uint_eq(g->v.cycles, 5);
	ck_assert_uint_eq(g->peak.n, 4);       /* the partial one left out */
	ck_assert_double_eq_tol(g->peak.min, 100, 1e-9);
	ck_assert_double_eq_tol(g->peak.max, 200, 1e-9);
	ck_assert_double_eq_tol(pb_cyclesum_mean(&g->peak), 132.5, 1e-9);
	ck_assert_uint_eq(g->ttt.n, 3);        /* never reached: no time */
	ck_assert_uint_eq(g->decay.n, 0);      /* no hold: NaN not counted */
	ck_assert(isnan(pb_cyclesum_mean(&g->decay)));
	ck_assert(g->has_expect);
	ck_assert_double_eq_tol(g->exp_peak_mmhg, 110, 1e-9);
	ck_assert_str_eq(pb_cyclesum_verdict(&c->g[1].v), "n/a");
	/* channel 2: only cycles that cannot be judged */
	s = cycle(PB_MODE_EXPRESSION, 5, 100);
	s.has_expect = false;
	pb_cyclesum_add(&cs, 1, &s);
	ck_assert_str_eq(pb_cyclesum_verdict(&cs.ch[1].v), "n/a");
	ck_assert_uint_eq(cs.ch[1].v.na, 1);
	/* a channel that does not exist is ignored */
	pb_cyclesum_add(&cs, PB_CYC_MAX_CH, &s);
	pb_cyclesum_add(&cs, -1, &s);
}
END_TEST

/* More settings than the table holds: the cycles still count for the
 * channel, and the rest are counted as ungrouped. */
START_TEST(settings_past_the_table_are_counted)
{
	static struct pb_cyclesum cs;
	pb_cyclesum_init(&cs);
	int n = PB_CYCLESUM_MAX_GROUPS + 5;
	for (int i = 0; i < n; i++) {
		struct pb_cycle_stats s = cycle((uint8_t)(1 + i / 15 % 3),
		    (uint8_t)(1 + i % 15), 100);
		s.level = (uint8_t)(1 + i);     /* every one a new setting */
		pb_cyclesum_add(&cs, 0, &s);
	}
	ck_assert_uint_eq(cs.ch[0].ngroups, PB_CYCLESUM_MAX_GROUPS);
	ck_assert_uint_eq(cs.ch[0].ungrouped, 5);
	ck_assert_uint_eq(cs.ch[0].v.cycles, (unsigned)n);
}
END_TEST

START_TEST(json_escaped_utf8_and_nulls)
{
	static struct pb_cyclesum cs;
	pb_cyclesum_init(&cs);
	struct pb_cycle_stats s = cycle(PB_MODE_EXPRESSION, 5, 100);
	pb_cyclesum_add(&cs, 0, &s);
	struct pb_device_info info;
	memset(&info, 0, sizeof info);
	/* what a pump calls itself is outside input: quotes, a backslash,
	 * control characters and bytes that are not UTF-8 */
	snprintf(info.serial, sizeof info.serial, "S\"1\\\x01\xff");
	snprintf(info.profile, sizeof info.profile, "s10pro");
	info.channels = 2;
	struct pb_runsummary r = {
		.tool_version = "1.0", .result = "step_failed", .exit_code = 6,
		.reason = "step 'level 13' (line 3)\n\x7f", .port = "/dev/pts/\x1b[2J",
		.info = &info, .profile = NULL, .run_s = 1.5,
		.steps_total = 4, .steps_done = 2, .step_failed = "level 13",
		.channels = 2, .cycles = &cs,
	};
	struct pb_sbuf b;
	pb_sbuf_init(&b, PB_RUNSUMMARY_MAX_BYTES);
	pb_runsummary_json(&b, &r);
	ck_assert(!b.truncated);
	ck_assert_ptr_nonnull(b.p);
	ck_assert(pb_text_utf8_valid(b.p, b.len));
	for (size_t i = 0; i + 1 < b.len; i++)
		ck_assert_msg((unsigned char)b.p[i] >= 0x20, "raw control "
		    "byte 0x%02x at %zu", (unsigned char)b.p[i], i);
	ck_assert(b.p[b.len - 1] == '\n');
	ck_assert_ptr_nonnull(strstr(b.p, "\"exit_code\":6"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"result\":\"step_failed\""));
	ck_assert_ptr_nonnull(strstr(b.p, "S\\\"1\\\\"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"profile\":null"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"channel\":\"ch1\""));
	ck_assert_ptr_nonnull(strstr(b.p, "\"channel\":\"ch2\""));
	/* no hold: no decay values; the peak of the one cycle */
	ck_assert_ptr_nonnull(strstr(b.p, "\"hold_decay_mmhg_s\":null"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"peak_mmhg\":{\"min\":100"));
	ck_assert_ptr_null(strstr(b.p, "nan"));
	pb_sbuf_free(&b);
	/* no HELLO answer: device null, no channels */
	r.info = NULL;
	r.channels = 0;
	pb_sbuf_init(&b, PB_RUNSUMMARY_MAX_BYTES);
	pb_runsummary_json(&b, &r);
	ck_assert_ptr_nonnull(strstr(b.p, "\"device\":null"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"channels\":[]"));
	pb_sbuf_free(&b);
}
END_TEST

/* The summary never grows past its buffer's bound: the caller sees
 * `truncated` and says so instead of printing half an object. */
START_TEST(json_bounded)
{
	static struct pb_cyclesum cs;
	pb_cyclesum_init(&cs);
	for (int c = 0; c < 2; c++)
		for (int i = 0; i < PB_CYCLESUM_MAX_GROUPS; i++) {
			struct pb_cycle_stats s = cycle(PB_MODE_EXPRESSION,
			    (uint8_t)(i + 1), 100);
			pb_cyclesum_add(&cs, c, &s);
		}
	struct pb_runsummary r = { .tool_version = "1", .result = "ok",
	    .port = "p", .channels = 2, .cycles = &cs };
	struct pb_sbuf b;
	pb_sbuf_init(&b, PB_RUNSUMMARY_MAX_BYTES);
	pb_runsummary_json(&b, &r);
	ck_assert(!b.truncated);              /* the fullest summary fits */
	size_t full = b.len;
	pb_sbuf_free(&b);
	pb_sbuf_init(&b, full / 2);
	pb_runsummary_json(&b, &r);
	ck_assert(b.truncated);
	ck_assert_uint_le(b.len, full / 2);
	pb_sbuf_free(&b);
}
END_TEST

static Suite *runsummary_suite(void)
{
	Suite *s = suite_create("runsummary");
	TCase *tc = tcase_create("summary");
	tcase_add_test(tc, cycles_per_channel_and_setting);
	tcase_add_test(tc, settings_past_the_table_are_counted);
	tcase_add_test(tc, json_escaped_utf8_and_nulls);
	tcase_add_test(tc, json_bounded);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(runsummary_suite)
