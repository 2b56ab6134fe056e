/*
 * test_cycles: synthetic pump waveforms with known peak, trough, rate,
 * time to target and hold decay; tolerance flags against a profile.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "tests/lib/check_main.h"
#include "tui/cycles.h"

#define RATE 1000u

static struct pb_profile prof;

static void setup_profile(void)
{
	memset(&prof, 0, sizeof prof);
	strcpy(prof.id, "test");
	prof.channels = 2;
	prof.levels = 12;
	prof.sample_rate_hz = RATE;
	prof.stim = (struct pb_mode_curve){ true, 40, 8, 110, 90, 0.1, 0.3 };
	prof.expr = (struct pb_mode_curve){ true, 60, 20, 64, 30, 0.2, 0.3 };
	prof.mixed_stim_cycles = 5;
	prof.mixed_expr_cycles = 1;
	prof.max_target_mmhg = 300;
	prof.leak_decay_mmhg_s = 50;
	prof.tol_peak_mmhg = 20;
	prof.tol_rate_cpm = 5;
}

/* One cycle: PULL (linear trough -> peak over pull_s), HOLD (losing
 * decay mmHg/s), RELEASE (linear to trough over 0.1 s), REST. Values in
 * mmHg; ch1 = ch0 * k1. */
struct wave {
	double peak, trough, period_s, pull_s, hold_s, decay, k1;
	bool phases;          /* send phases (else IDLE while running) */
	uint8_t mode, level, mask;
	int16_t target;       /* dmmHg in the batch */
};

static unsigned run_cycle(struct pb_cycles *c, uint64_t *idx,
    const struct wave *w)
{
	unsigned n = (unsigned)lround(w->period_s * RATE);
	unsigned pull = (unsigned)lround(w->pull_s * RATE);
	unsigned hold = (unsigned)lround(w->hold_s * RATE);
	unsigned rel = 100;
	unsigned done = 0;
	double hold_end = w->peak - w->decay * w->hold_s;
	for (unsigned i = 0; i < n; i++) {
		double v;
		uint8_t ph;
		if (i < pull) {
			v = w->trough + (w->peak - w->trough) * (i + 1) / pull;
			ph = PB_PH_PULL;
		} else if (i < pull + hold) {
			v = w->peak - w->decay * (double)(i - pull) / RATE;
			ph = PB_PH_HOLD;
		} else if (i < pull + hold + rel) {
			v = hold_end + (w->trough - hold_end) *
			    (i - pull - hold + 1) / rel;
			ph = PB_PH_RELEASE;
		} else {
			v = w->trough;
			ph = PB_PH_REST;
		}
		struct pb_cyc_state st = {
			.mode = w->mode, .level = w->level,
			.phase = w->phases ? ph : PB_PH_IDLE,
			.run_state = PB_RS_RUNNING,
			.channel_mask = w->mask ? w->mask : 3,
			.target = w->target
		};
		int16_t s[2] = { (int16_t)lround(v * 10),
			(int16_t)lround(v * 10 * (w->k1 > 0 ? w->k1 : 1)) };
		done |= pb_cycles_feed(c, (*idx)++, s, &st);
	}
	return done;
}

static struct wave expr5(void)
{
	/* expression level 5: 60 + 4*20 = 140 mmHg, 64 - 34*4/11 cpm */
	struct wave w = {
		.peak = 140, .trough = 5, .period_s = 60.0 / (64 - 34.0 * 4 / 11),
		.pull_s = 0.4, .hold_s = 0.2, .decay = 10, .k1 = 1,
		.phases = true, .mode = PB_MODE_EXPRESSION, .level = 5,
		.target = 1400
	};
	return w;
}

START_TEST(expression_in_tolerance)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 2);
	uint64_t idx = 0;
	struct wave w = expr5();
	ck_assert_uint_eq(run_cycle(&c, &idx, &w), 0);  /* first start only */
	ck_assert_ptr_null(pb_cycles_last(&c, 0));
	unsigned d = run_cycle(&c, &idx, &w);
	/* the second pull start completed cycle 1 on both channels */
	ck_assert_uint_eq(d, 3);
	ck_assert_uint_eq(pb_cycles_count(&c, 0), 1);
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert(s->by_phase);
	ck_assert(!s->partial);
	ck_assert_double_eq_tol(s->peak_mmhg, 140, 0.05);
	ck_assert_double_eq_tol(s->trough_mmhg, 5, 0.05);
	ck_assert_double_eq_tol(s->rate_cpm, 64 - 34.0 * 4 / 11, 0.05);
	ck_assert_double_eq_tol(s->period_s, w.period_s, 0.001);
	/* the cycle starts 10 % of the way from rest (the first PULL sample,
	 * 53 dmmHg) to the 1400 target: sample 40 of the pull (50 + 1350 *
	 * 41 / 400 >= 187.7); 95 % (1330) is reached at sample 379 */
	ck_assert_double_eq_tol(s->ttt_s, (379 - 40) / 1000.0, 1e-9);
	ck_assert_double_eq_tol(s->hold_decay_mmhg_s, 10, 0.2);
	ck_assert(s->has_expect);
	ck_assert_double_eq_tol(s->exp_peak_mmhg, 140, 1e-9);
	ck_assert(s->peak_ok && s->rate_ok && s->decay_ok);
	ck_assert_uint_eq(s->mode, PB_MODE_EXPRESSION);
	ck_assert_uint_eq(s->level, 5);
	ck_assert_uint_eq(s->number, 1);
}
END_TEST

START_TEST(out_of_tolerance_flags)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 2);
	uint64_t idx = 0;
	struct wave w = expr5();
	w.peak = 165;            /* 25 over */
	w.period_s = 60.0 / 40;  /* ~11.6 cpm slow */
	w.decay = 80;            /* leak */
	w.k1 = 140.0 / 165;      /* channel 1 at 140: in tolerance */
	run_cycle(&c, &idx, &w);
	run_cycle(&c, &idx, &w);
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert(!s->peak_ok);
	ck_assert(!s->rate_ok);
	ck_assert(!s->decay_ok);
	ck_assert_double_eq_tol(s->hold_decay_mmhg_s, 80, 1);
	ck_assert_double_eq_tol(s->rate_cpm, 40, 0.05);
	const struct pb_cycle_stats *s1 = pb_cycles_last(&c, 1);
	ck_assert_double_eq_tol(s1->peak_mmhg, 140, 0.1);
	ck_assert(s1->peak_ok);
	ck_assert(!s1->rate_ok);
	/* edge of the tolerance: exactly 20 mmHg off is still in */
	w = expr5();
	w.peak = 160;
	w.k1 = 1;
	run_cycle(&c, &idx, &w);
	run_cycle(&c, &idx, &w);
	s = pb_cycles_last(&c, 0);
	ck_assert_double_eq_tol(s->peak_mmhg, 160, 0.05);
	ck_assert(s->peak_ok);
}
END_TEST

/* A cycle whose peak is within tolerance of the profile but below 95 %
 * of the target it was asked for never reached it: OUT, not OK. */
START_TEST(never_reached_target_is_out)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 1);
	uint64_t idx = 0;
	struct wave w = expr5();
	w.peak = 125;            /* 15 under the profile: in tolerance */
	w.target = 1400;         /* 95 % is 133 mmHg: never reached */
	run_cycle(&c, &idx, &w);
	run_cycle(&c, &idx, &w);
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert(s->peak_ok && s->rate_ok && s->decay_ok);
	ck_assert(s->ttt_s < 0);
	ck_assert(!s->target_ok);
	unsigned why = 0;
	ck_assert_int_eq(pb_cycle_verdict(s, &why), PB_CYV_OUT);
	ck_assert_uint_eq(why, PB_CYV_WHY_TARGET);
	/* reached: OK */
	w.peak = 134;
	run_cycle(&c, &idx, &w);
	run_cycle(&c, &idx, &w);
	s = pb_cycles_last(&c, 0);
	ck_assert(s->target_ok);
	ck_assert_int_eq(pb_cycle_verdict(s, &why), PB_CYV_OK);
	ck_assert_uint_eq(why, 0);
	ck_assert_str_eq(pb_cycle_verdict_name(PB_CYV_OK), "OK");
}
END_TEST

/* A level change inside a cycle: that cycle ran at two settings and is
 * not judged; the next one is. */
START_TEST(setting_change_inside_a_cycle)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 1);
	uint64_t idx = 0;
	struct wave w = expr5();
	run_cycle(&c, &idx, &w);
	/* the level goes to 6 half way through this cycle */
	struct wave w6 = w;
	w6.level = 6;
	w6.period_s = w.period_s / 2;
	w.period_s /= 2;
	w.pull_s = 0.4;
	run_cycle(&c, &idx, &w);
	struct pb_cyc_state st = { .mode = PB_MODE_EXPRESSION, .level = 6,
	    .phase = PB_PH_REST, .run_state = PB_RS_RUNNING,
	    .channel_mask = 1, .target = 1400 };
	int16_t v[2] = { 50, 50 };
	for (int i = 0; i < 300; i++)
		pb_cycles_feed(&c, idx++, v, &st);
	w6.period_s = w.period_s * 2;
	run_cycle(&c, &idx, &w6);
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert_uint_eq(s->level, 5);
	ck_assert(s->changed);
	ck_assert_int_eq(pb_cycle_verdict(s, NULL), PB_CYV_CHANGED);
	run_cycle(&c, &idx, &w6);
	s = pb_cycles_last(&c, 0);
	ck_assert_uint_eq(s->level, 6);
	ck_assert(!s->changed);
	ck_assert_int_ne(pb_cycle_verdict(s, NULL), PB_CYV_CHANGED);
}
END_TEST

START_TEST(waveform_fallback_without_phase)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 1);
	uint64_t idx = 0;
	struct wave w = expr5();
	w.phases = false;
	for (int i = 0; i < 4; i++)
		run_cycle(&c, &idx, &w);
	ck_assert_uint_eq(pb_cycles_count(&c, 0), 3);
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert(!s->by_phase);
	ck_assert_double_eq_tol(s->rate_cpm, 64 - 34.0 * 4 / 11, 0.1);
	ck_assert_double_eq_tol(s->peak_mmhg, 140, 0.05);
	ck_assert(isnan(s->hold_decay_mmhg_s));   /* no HOLD phase known */
	ck_assert(s->peak_ok && s->rate_ok);
}
END_TEST

START_TEST(lost_samples_partial_or_abandoned)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 2);
	uint64_t idx = 0;
	struct wave w = expr5();
	run_cycle(&c, &idx, &w);
	idx += 50;                    /* 50 samples lost by index jump */
	run_cycle(&c, &idx, &w);
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert(s->partial);
	ck_assert(!s->has_expect);
	ck_assert(s->peak_ok && s->rate_ok);
	uint32_t n = pb_cycles_count(&c, 0);
	/* a 3 s link loss inside a cycle abandons it */
	pb_cycles_lost(&c, 3000);
	idx += 3000;
	run_cycle(&c, &idx, &w);
	ck_assert_uint_eq(pb_cycles_count(&c, 0), n);
	run_cycle(&c, &idx, &w);
	ck_assert_uint_eq(pb_cycles_count(&c, 0), n + 1);
	ck_assert(!pb_cycles_last(&c, 0)->partial);
}
END_TEST

START_TEST(mixed_mode_kinds_and_single_channel)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 2);
	uint64_t idx = 0;
	/* stimulation level 3 waves: 56 mmHg, 110 - 20*2/11 cpm */
	struct wave st = {
		.peak = 56, .trough = 3, .period_s = 60.0 / (110 - 40.0 / 11),
		.pull_s = 0.2, .hold_s = 0.05, .decay = 0, .k1 = 1,
		.phases = true, .mode = PB_MODE_MIXED, .level = 3, .mask = 1,
		.target = 0
	};
	struct wave ex = expr5();
	ex.mode = PB_MODE_MIXED;
	ex.level = 3;
	ex.peak = 100;    /* expression level 3: 60 + 40 */
	ex.period_s = 60.0 / (64 - 34.0 * 2 / 11);
	ex.mask = 1;
	ex.target = 0;
	ck_assert_uint_eq(pb_cycles_kind(&c), 0);       /* no cycle yet */
	for (int i = 0; i < 5; i++) {
		run_cycle(&c, &idx, &st);
		/* the screen's kind: the cycle under way */
		ck_assert_uint_eq(pb_cycles_kind(&c), PB_MODE_STIMULATION);
		if (i > 0) {
			const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
			ck_assert_uint_eq(s->mode, PB_MODE_STIMULATION);
			ck_assert(s->peak_ok && s->rate_ok);
		}
	}
	/* the first sample of the sixth pull: its kind is expression at
	 * once, before the vacuum rises (as the device's target changes) */
	struct pb_cyc_state pull = { .mode = PB_MODE_MIXED, .level = 3,
	    .phase = PB_PH_PULL, .run_state = PB_RS_RUNNING,
	    .channel_mask = 1 };
	int16_t rest[2] = { 30, 30 };
	pb_cycles_feed(&c, idx++, rest, &pull);
	ck_assert_uint_eq(pb_cycles_kind(&c), PB_MODE_EXPRESSION);
	run_cycle(&c, &idx, &ex);
	ck_assert_uint_eq(pb_cycles_kind(&c), PB_MODE_EXPRESSION);
	ck_assert_uint_eq(pb_cycles_last(&c, 0)->mode, PB_MODE_STIMULATION);
	run_cycle(&c, &idx, &st);     /* completes the expression cycle */
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert_uint_eq(s->mode, PB_MODE_EXPRESSION);
	ck_assert_double_eq_tol(s->exp_peak_mmhg, 100, 1e-9);
	ck_assert(s->peak_ok && s->rate_ok);
	/* target 0: time to target uses the expected peak (100 mmHg) */
	ck_assert_double_eq_tol(s->target_mmhg, 100, 1e-9);
	ck_assert(s->ttt_s > 0);
	/* single pumping: channel 1 never measured */
	ck_assert_uint_eq(pb_cycles_count(&c, 1), 0);
	ck_assert_ptr_null(pb_cycles_last(&c, 1));
}
END_TEST

START_TEST(telemetry_batches_and_stop)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 2);
	/* 1 s cycles: PULL 300 ms to 120 mmHg, REST at 0 */
	struct pb_telemetry t;
	memset(&t, 0, sizeof t);
	t.channels = 2;
	t.n = 50;
	t.mode = PB_MODE_EXPRESSION;
	t.level = 4;
	t.run_state = PB_RS_RUNNING;
	t.channel_mask = 3;
	t.target = 1200;
	unsigned done = 0;
	for (uint32_t b = 0; b < 100; b++) {       /* 5 s */
		uint32_t first = b * 50;
		t.first_sample = first;
		t.phase = (first % 1000) < 300 ? PB_PH_PULL : PB_PH_REST;
		for (int i = 0; i < 50; i++) {
			uint32_t k = (first + (uint32_t)i) % 1000;
			int16_t v = k < 300 ? (int16_t)(4 * (k + 1)) : 0;
			t.samples[0][i] = v;
			t.samples[1][i] = (int16_t)(v / 2);
		}
		done |= pb_cycles_feed_batch(&c, first, &t);
	}
	ck_assert_uint_eq(done, 3);
	ck_assert_uint_eq(pb_cycles_count(&c, 0), 4);
	const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
	ck_assert_double_eq_tol(s->rate_cpm, 60, 1e-9);
	ck_assert_double_eq_tol(s->peak_mmhg, 120, 1e-9);
	/* start: 10 % from rest (4) to 1200, 4 * (k+1) >= 124 at k = 30;
	 * 95 %: 4 * (k+1) >= 1140 at k = 284 */
	ck_assert_double_eq_tol(s->ttt_s, 0.254, 1e-9);
	ck_assert_uint_eq(s->start % 1000, 30);
	/* expression level 4 expects 120 mmHg at 64-34*3/11 = 54.7 cpm */
	ck_assert(s->peak_ok);
	ck_assert(!s->rate_ok);
	ck_assert_double_eq_tol(pb_cycles_last(&c, 1)->peak_mmhg, 60, 1e-9);
	ck_assert(!pb_cycles_last(&c, 1)->peak_ok);
	/* stopping abandons the open cycle: no more completions */
	t.run_state = PB_RS_IDLE;
	t.phase = PB_PH_IDLE;
	t.first_sample = 5000;
	ck_assert_uint_eq(pb_cycles_feed_batch(&c, 5000, &t), 0);
	t.run_state = PB_RS_RUNNING;
	t.phase = PB_PH_PULL;
	t.first_sample = 5050;
	ck_assert_uint_eq(pb_cycles_feed_batch(&c, 5050, &t), 0);
	ck_assert_uint_eq(pb_cycles_count(&c, 0), 4);
	/* without a profile: statistics but no expectations */
	struct pb_cycles c2;
	pb_cycles_init(&c2, NULL, RATE, 1);
	uint64_t idx = 0;
	struct wave w = expr5();
	run_cycle(&c2, &idx, &w);
	run_cycle(&c2, &idx, &w);
	s = pb_cycles_last(&c2, 0);
	ck_assert(!s->has_expect && s->peak_ok && s->rate_ok);
	ck_assert_double_eq_tol(s->peak_mmhg, 140, 0.05);
}
END_TEST

/* Phases come per 20-sample batch (the state at its end) while the real
 * period is not a whole number of batches: the rate must still be exact
 * and the hold fit must not see the pull. */
START_TEST(batch_phases_give_exact_rate_and_decay)
{
	setup_profile();
	struct pb_cycles c;
	pb_cycles_init(&c, &prof, RATE, 2);
	const double period = 60.0 / 107.3 * RATE;   /* 559.18 samples */
	const double pull = 150, hold = 120, rel = 60;
	struct pb_telemetry t;
	memset(&t, 0, sizeof t);
	t.channels = 2;
	t.n = 20;
	t.mode = PB_MODE_STIMULATION;
	t.level = 2;                  /* 48 mmHg, 108.2 cpm expected */
	t.run_state = PB_RS_RUNNING;
	t.channel_mask = 3;
	t.target = 480;
	uint32_t checked = 0;
	for (uint32_t b = 0; b < 2000; b++) {       /* 40 s */
		uint64_t first = (uint64_t)b * 20;
		uint8_t ph = PB_PH_REST;
		for (int i = 0; i < 20; i++) {
			double x = fmod((double)(first + (uint64_t)i), period);
			double v;
			if (x < pull) {
				v = 20 + 460 * x / pull;
				ph = PB_PH_PULL;
			} else if (x < pull + hold) {
				v = 480 - 15.0 * (x - pull) / RATE * 10;
				ph = PB_PH_HOLD;
			} else if (x < pull + hold + rel) {
				double top = 480 - 15.0 * hold / RATE * 10;
				v = top - (top - 20) * (x - pull - hold) / rel;
				ph = PB_PH_RELEASE;
			} else {
				v = 20;
				ph = PB_PH_REST;
			}
			t.samples[0][i] = (int16_t)lround(v);
			t.samples[1][i] = (int16_t)lround(v * 0.9);
		}
		t.phase = ph;                 /* state at the end of the batch */
		t.first_sample = (uint32_t)first;
		uint32_t before = pb_cycles_count(&c, 0);
		pb_cycles_feed_batch(&c, first, &t);
		if (pb_cycles_count(&c, 0) != before && before >= 1) {
			const struct pb_cycle_stats *s = pb_cycles_last(&c, 0);
			/* period to the sample: within 1 sample of 559.18 */
			ck_assert_double_eq_tol(s->rate_cpm, 107.3, 0.2);
			ck_assert(s->rate_ok);
			ck_assert_double_eq_tol(s->peak_mmhg, 48, 0.05);
			ck_assert(s->peak_ok);
			/* 15 mmHg/s hold decay, pull samples kept out */
			ck_assert_double_eq_tol(s->hold_decay_mmhg_s, 15, 1.5);
			ck_assert(s->decay_ok);
			ck_assert(s->ttt_s > 0.1 && s->ttt_s < 0.15);
			checked++;
		}
	}
	ck_assert_uint_ge(checked, 65);
}
END_TEST

static Suite *cycles_suite(void)
{
	Suite *s = suite_create("cycles");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, expression_in_tolerance);
	tcase_add_test(tc, out_of_tolerance_flags);
	tcase_add_test(tc, waveform_fallback_without_phase);
	tcase_add_test(tc, lost_samples_partial_or_abandoned);
	tcase_add_test(tc, never_reached_target_is_out);
	tcase_add_test(tc, setting_change_inside_a_cycle);
	tcase_add_test(tc, mixed_mode_kinds_and_single_channel);
	tcase_add_test(tc, telemetry_batches_and_stop);
	tcase_add_test(tc, batch_phases_give_exact_rate_and_decay);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(cycles_suite)
