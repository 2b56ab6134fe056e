/*
 * tests/unit/test_firmware.c - the emulated pump firmware driving the
 * plant in lock-step virtual time (no wall clock).
 *
 * Regulation: for each shipped profile, every mode x level (stimulation,
 * expression and mixed; single /
 * double pumping on s10pro) keeps every cycle's true peak vacuum within
 * +/-5 mmHg of the target and the cycle rate within +/-2 cycles/min,
 * measured on the plant's true vacuum, not on what the firmware believes.
 * Session: mixed-mode pattern, stimulation -> expression at 120 s,
 * auto-off at 30 min.  Safety: each alarm is raised by its fault and
 * cleared when the fault is gone; each defect switch removes exactly its
 * own detector; overpressure vents within 100 ms; heartbeat loss vents
 * within 1 s.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "pump/profile.h"
#include "tests/lib/check_main.h"
#include "tests/lib/fw_rig.h"
#include "tools/pumpsim/defect.h"
#include "tools/pumpsim/emulator.h"
#include "tools/pumpsim/firmware.h"
#include "tools/pumpsim/plant.h"
#include "tools/pumpsim/sensor.h"

/* ---- cycle measurement on the true vacuum ------------------------------ */

struct cycles {
	int n;                      /* cycles seen */
	double peak[400];           /* true peak of each cycle */
	double start_s[400];        /* rising crossing of half the target */
};

/* Record cycles of channel ch for `seconds`: a cycle starts when the true
 * vacuum rises through half the target and ends when it falls below a
 * quarter of it. */
static void measure(struct rig *r, int ch, double target, double seconds,
    struct cycles *c)
{
	memset(c, 0, sizeof(*c));
	bool in = pb_plant_vacuum_mmhg(&r->pl, ch) > target * 0.25;
	bool counted = false;
	double peak = 0.0;
	uint64_t end = r->t + (uint64_t)(seconds * 1e6);
	while (r->t < end) {
		rig_step(r);
		double v = pb_plant_vacuum_mmhg(&r->pl, ch);
		if (!in && v > target * 0.5) {
			in = true;
			counted = true;
			peak = v;
			if (c->n < 400)
				c->start_s[c->n] = r->t / 1e6;
		} else if (in) {
			if (v > peak)
				peak = v;
			if (v < target * 0.25) {
				in = false;
				if (counted && c->n < 400)
					c->peak[c->n++] = peak;
				counted = false;
			}
		}
	}
}

/* ---- regulation: every mode x level ------------------------------------ */

/* The emulated pump varies from cycle to cycle and channel to channel
 * (docs/pumpsim.md, "Variation"), as real ones do: regulation is judged
 * per cycle within REG_CYCLE_MMHG (the first, unlearned cycle included)
 * and on each channel's mean within REG_MEAN_MMHG (less than half a level
 * step, so an off-by-one level fails); a period between two crossings
 * jitters with the pull speed (REG_CYCLE_CPM). */
#define REG_CYCLE_MMHG 10.0
#define REG_MEAN_MMHG  3.0
#define REG_CYCLE_CPM  5.0

struct reg_case {
	const char *id;
	int mode, level;
	unsigned mask;
};

static struct reg_case reg_cases[200];
static int n_reg;

static void build_reg_cases(void)
{
	if (n_reg)
		return;
	static const struct { const char *id; unsigned masks[3]; } pumps[] = {
		{ "s21", { 1, 0, 0 } },
		{ "s10pro", { 1, 2, 3 } },
	};
	for (size_t i = 0; i < 2; i++) {
		struct pb_profile p;
		rig_load(&p, pumps[i].id);
		for (int m = 0; m < 3 && pumps[i].masks[m]; m++)
			for (int mode = 1; mode <= 2; mode++)
				for (int l = 1; l <= p.levels; l++)
					reg_cases[n_reg++] = (struct reg_case){
						pumps[i].id, mode, l,
						pumps[i].masks[m] };
	}
}

START_TEST(regulation_every_level)
{
	build_reg_cases();
	ck_assert_int_le(_i, 0);   /* one test walks every case */
	static struct rig r;
	double worst_peak = 0.0, worst_rate = 0.0;
	for (int k = 0; k < n_reg; k++) {
		const struct reg_case *c = &reg_cases[k];
		rig_init(&r, c->id, 1000u + (unsigned)k, 0);
		r.pings = true;
		rig_start(&r, c->mode, c->level, c->mask);
		double target = pb_profile_peak_n_mmhg(&r.p, c->mode, c->level,
		    c->mask == 3 ? 2 : 1);
		double rate = pb_profile_rate_cpm(&r.p, c->mode, c->level);
		/* about 12 cycles, at least 8 s */
		double secs = fmax(8.0, 12.0 * 60.0 / rate);
		double worst_mean = 0.0;
		for (int ch = 0; ch < r.p.channels; ch++) {
			if (!(c->mask & (1u << ch)))
				continue;
			static struct cycles cy;
			/* both channels see the same run: measure the first
			 * pumping channel while running, the other after */
			measure(&r, ch, target, secs, &cy);
			ck_assert_msg(cy.n >= 5, "%s mode %d level %d: %d cycles",
			    c->id, c->mode, c->level, cy.n);
			/* the pump varies (tissue, shield, seal): each cycle
			 * within REG_CYCLE_MMHG of the target */
			double sum = 0.0;
			for (int i = 0; i < cy.n; i++) {
				double e = cy.peak[i] - target;
				sum += e;
				if (fabs(e) > worst_peak)
					worst_peak = fabs(e);
				ck_assert_msg(fabs(e) <= REG_CYCLE_MMHG,
				    "%s mode %d level %d mask %u ch %d cycle "
				    "%d: peak %.2f, target %.1f", c->id,
				    c->mode, c->level, c->mask, ch, i,
				    cy.peak[i], target);
			}
			if (fabs(sum / cy.n) > worst_mean)
				worst_mean = fabs(sum / cy.n);
			double cpm = (cy.n - 1) * 60.0 /
			    (cy.start_s[cy.n - 1] - cy.start_s[0]);
			if (fabs(cpm - rate) > worst_rate)
				worst_rate = fabs(cpm - rate);
			ck_assert_msg(fabs(cpm - rate) <= 2.0,
			    "%s mode %d level %d: %.2f cpm, profile %.2f",
			    c->id, c->mode, c->level, cpm, rate);
		}
		/* each channel closes its own pump path at its own cut-off:
		 * both means within REG_MEAN_MMHG */
		ck_assert_msg(worst_mean <= REG_MEAN_MMHG, "%s mode %d level %d "
		    "mask %u: mean peak error %.2f", c->id, c->mode, c->level,
		    c->mask, worst_mean);
		ck_assert_int_eq(r.fw.alarms, 0);
		ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
	}
	printf("regulation: %d cases, worst peak error %.2f mmHg, worst rate "
	    "error %.3f cpm\n", n_reg, worst_peak, worst_rate);
}
END_TEST

/* Mixed mode at every level: each cycle's peak is its kind's target
 * (+/-5 mmHg) and each cycle lasts its kind's period (+/-2 cpm). */
START_TEST(regulation_mixed_every_level)
{
	static const struct { const char *id; unsigned mask; } pumps[] = {
		{ "s21", 1 }, { "s10pro", 1 }, { "s10pro", 3 },
	};
	static struct rig r;
	for (size_t k = 0; k < 3; k++) {
		struct pb_profile p;
		rig_load(&p, pumps[k].id);
		int n = p.mixed_stim_cycles + p.mixed_expr_cycles;
		for (int l = 1; l <= p.levels; l++) {
			rig_init(&r, pumps[k].id, 3000u + (unsigned)l, 0);
			rig_start(&r, PB_MODE_MIXED, l, pumps[k].mask);
			int nch = pumps[k].mask == 3 ? 2 : 1;
			double ts = pb_profile_peak_n_mmhg(&p, 1, l, nch);
			double te = pb_profile_peak_n_mmhg(&p, 2, l, nch);
			double rs = pb_profile_rate_cpm(&p, 1, l);
			double re = pb_profile_rate_cpm(&p, 2, l);
			double super = p.mixed_stim_cycles * 60.0 / rs +
			    p.mixed_expr_cycles * 60.0 / re;
			static struct cycles cy;
			measure(&r, 0, ts, 2 * super + 0.3, &cy);
			ck_assert_int_ge(cy.n, 2 * n);
			for (int i = 0; i < 2 * n; i++) {
				bool stim = pb_profile_mixed_is_stim(&p,
				    (unsigned)i);
				double want = stim ? ts : te;
				ck_assert_msg(fabs(cy.peak[i] - want) <=
				    REG_CYCLE_MMHG,
				    "%s level %d cycle %d: peak %.1f, want %.1f",
				    p.id, l, i, cy.peak[i], want);
				/* the period is measured between rising
				 * crossings of the same kind of cycle */
				if (i + 1 < cy.n && stim ==
				    pb_profile_mixed_is_stim(&p, (unsigned)i + 1)) {
					double cpm = 60.0 / (cy.start_s[i + 1] -
					    cy.start_s[i]);
					ck_assert_msg(fabs(cpm - (stim ? rs : re))
					    <= REG_CYCLE_CPM, "%s level %d cycle %d: %.2f "
					    "cpm", p.id, l, i, cpm);
				}
			}
			ck_assert_int_eq(r.fw.alarms, 0);
		}
	}
}
END_TEST

/* With unit sensor errors and a calibration fitted to that unit (as the
 * factory would), regulation still holds. */
START_TEST(regulation_calibrated_unit)
{
	static struct rig r;
	struct pb_profile p;
	rig_load(&p, "s21");
	memset(&r, 0, sizeof r);
	r.p = p;
	r.t = 1000;
	ck_assert_int_eq(pb_plant_init(&r.pl, &p, 77, true, r.t), 0);
	pb_fw_init(&r.fw, &p, 0, r.t);
	/* least-squares quadratic through the unit's noiseless transfer */
	struct pb_sensor_params sp = r.pl.sensor[0].p;
	sp.noise_mmhg = 0;
	double S[5] = { 0 }, T[3] = { 0 };
	for (double v = 0; v <= 300; v += 5) {
		struct pb_sensor s;
		struct pb_rng rng;
		pb_rng_seed(&rng, 1);
		pb_sensor_init(&s, &sp, v);
		pb_sensor_step(&s, 1e-4, v, &rng);
		double x = s.counts;
		double xp = 1;
		for (int k = 0; k < 5; k++) {
			S[k] += xp;
			if (k < 3)
				T[k] += v * xp;
			xp *= x;
		}
	}
	/* normal equations 3x3 */
	double A[3][4] = {
		{ S[0], S[1], S[2], T[0] },
		{ S[1], S[2], S[3], T[1] },
		{ S[2], S[3], S[4], T[2] },
	};
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++) {
			double f = A[j][i] / A[i][i];
			for (int k = i; k < 4; k++)
				A[j][k] -= f * A[i][k];
		}
	double c[3];
	for (int i = 2; i >= 0; i--) {
		c[i] = A[i][3];
		for (int k = i + 1; k < 3; k++)
			c[i] -= A[i][k] * c[k];
		c[i] /= A[i][i];
	}
	struct pb_cal cal = { .channel = 0, .order = 2, .cal_id = 1 };
	for (int i = 0; i < 3; i++)
		cal.c[i] = (float)c[i];
	ck_assert_int_eq(pb_fw_set_cal(&r.fw, &cal, r.t), PB_ST_OK);
	rig_start(&r, PB_MODE_EXPRESSION, 9, 1);
	static struct cycles cy;
	measure(&r, 0, 250.0, 15.0, &cy);
	ck_assert_int_ge(cy.n, 6);
	for (int i = 0; i < cy.n; i++)
		ck_assert_double_le(fabs(cy.peak[i] - 250.0), 5.0);
}
END_TEST

/* The container fills (dead volume shrinks 25 -> 10 mL): the pull gets
 * faster and the learned cut-off follows; the battery drains a little. */
START_TEST(regulation_while_container_fills)
{
	static struct rig r;
	rig_init(&r, "s21", 21, 0);
	r.pings = true;
	rig_start(&r, PB_MODE_EXPRESSION, 6, 1);
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_CONTAINER_FILL, 0, 500),
	    0);
	double v0 = pb_plant_supply_v(&r.pl);
	static struct cycles cy;
	double target = pb_profile_peak_mmhg(&r.p, PB_MODE_EXPRESSION, 6);
	measure(&r, 0, target, 40.0, &cy);
	ck_assert_double_eq(r.pl.pneu[0].volume_ml, r.pl.pneu[0].p.min_volume_ml);
	ck_assert_int_ge(cy.n, 25);
	for (int i = 0; i < cy.n; i++)
		ck_assert_msg(fabs(cy.peak[i] - target) <= REG_CYCLE_MMHG,
		    "cycle %d: peak %.2f", i, cy.peak[i]);
	ck_assert_int_eq(r.fw.alarms, 0);
	ck_assert_double_lt(r.pl.batt.soc, r.p.batt_initial_soc);
	ck_assert_double_lt(pb_plant_supply_v(&r.pl), v0 + 0.05);
}
END_TEST

/* Level and mode changes while running: every cycle at its new target. */
START_TEST(regulation_across_changes)
{
	static struct rig r;
	rig_init(&r, "s10pro", 25, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 1, 3);
	static const struct { int mode, level; unsigned mask; } seq[] = {
		{ 2, 12, 3 }, { 1, 1, 3 }, { 2, 6, 1 }, { 1, 12, 2 },
		{ 2, 1, 3 }, { 1, 7, 1 }, { 2, 12, 1 }, { 2, 2, 3 },
	};
	for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
		ck_assert_int_eq(pb_fw_set_mode(&r.fw, seq[k].mode, r.t), 0);
		ck_assert_int_eq(pb_fw_set_level(&r.fw, seq[k].level, r.t), 0);
		ck_assert_int_eq(pb_fw_set_channels(&r.fw, seq[k].mask, r.t), 0);
		/* let the running cycle finish */
		double period = r.fw.cycle_period_s;
		rig_run(&r, period + 0.01);
		ck_assert_int_eq(r.fw.level, seq[k].level);
		double target = pb_profile_peak_n_mmhg(&r.p, seq[k].mode,
		    seq[k].level, seq[k].mask == 3 ? 2 : 1);
		double rate = pb_profile_rate_cpm(&r.p, seq[k].mode,
		    seq[k].level);
		static struct cycles cy;
		int ch = seq[k].mask == 2 ? 1 : 0;
		measure(&r, ch, target, 4.0 * 60.0 / rate + 0.05, &cy);
		ck_assert_int_ge(cy.n, 3);
		for (int i = 0; i < cy.n; i++)
			ck_assert_msg(fabs(cy.peak[i] - target) <= REG_CYCLE_MMHG,
			    "step %zu cycle %d: peak %.2f, target %.1f", k, i,
			    cy.peak[i], target);
	}
	ck_assert_int_eq(r.fw.alarms, 0);
}
END_TEST

/* Leak seen two ways: a fast hold decay (raised within a cycle, still
 * pumping) and a target missed three cycles running. */
START_TEST(leak_by_decay_and_by_miss)
{
	static struct rig r;
	rig_init(&r, "s21", 22, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 5, 1);
	rig_run(&r, 3.0);
	/* a moderate leak: target still reached, hold decays fast */
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_LEAK, 0, 60), 0);
	ck_assert_double_ge(rig_until_alarm(&r, PB_AL_LEAK, 4.0), 0.0);
	ck_assert(r.fw.leak_by_decay);
	ck_assert(!r.fw.leak_by_miss);
	ck_assert_double_gt(r.fw.last_hold_decay, r.p.leak_decay_mmhg_s);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
	/* a gross leak: the motor cannot reach the target at all */
	rig_init(&r, "s21", 23, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 9, 1);
	rig_run(&r, 3.0);
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_LEAK, 0, 900), 0);
	rig_run(&r, 10.0);
	ck_assert(r.fw.alarms & PB_AL_LEAK);
	ck_assert(r.fw.leak_by_miss);
	ck_assert_uint_ge(r.fw.missed_cycles, 3);
	ck_assert_double_lt(r.fw.last_peak_mmhg, 250.0 - r.p.leak_miss_mmhg);
	/* healthy again: the first good cycle clears it */
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_LEAK, 0, 0), 0);
	rig_run(&r, 5.0);
	ck_assert(!(r.fw.alarms & PB_AL_LEAK));
}
END_TEST

/* Double pumping: a leak on one side shows although the other side
 * reaches the target (the motor stops at the higher channel). */
START_TEST(leak_on_one_channel_of_two)
{
	static struct rig r;
	rig_init(&r, "s10pro", 26, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 6, 3);
	rig_run(&r, 3.0);
	ck_assert_int_eq(r.fw.alarms, 0);
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_LEAK, 1, 400), 0);
	ck_assert_double_ge(rig_until_alarm(&r, PB_AL_LEAK, 5.0), 0.0);
	int i;
	for (i = r.nev - 1; i >= 0; i--)
		if (r.ev[i].kind == PB_EV_ALARM_RAISED)
			break;
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(r.ev[i].code, rig_bit_index(PB_AL_LEAK));
	ck_assert_int_eq(r.ev[i].channel, 1);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
}
END_TEST

/* An uncalibrated sensor reading 25 mmHg at atmosphere is not a stuck
 * valve: the reading falls when the valve opens, just not to zero. */
START_TEST(offset_is_not_a_stuck_valve)
{
	static struct rig r;
	rig_init(&r, "s10pro", 27, 0);
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_SENSOR_OFFSET, 1, 250),
	    0);
	rig_start(&r, PB_MODE_STIMULATION, 1, 2);
	rig_run(&r, 6.0);
	ck_assert_int_eq(pb_fw_stop(&r.fw, r.t), PB_ST_OK);
	rig_run(&r, 3.0);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 3, 500, r.t), PB_ST_OK);
	rig_run(&r, 2.0);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 3, 0, r.t), PB_ST_OK);
	rig_run(&r, 3.0);
	ck_assert_int_eq(r.fw.alarms, 0);
	ck_assert_double_gt(r.fw.ch[1].filt_mmhg, 20.0);
	/* a fault latched: venting is still accepted, holding is not */
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_SENSOR_OPEN, 0, 1), 0);
	rig_run(&r, 0.1);
	ck_assert(r.fw.alarms & PB_AL_SENSOR_OPEN);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 3, 500, r.t), PB_ST_FAULT);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 3, 0, r.t), PB_ST_OK);
}
END_TEST

/* Healthy units with uncalibrated sensors (unit errors drawn from the
 * profile's spreads, datasheet calibration): no false alarm in any mode,
 * level or channel choice, through pumping and a stop. */
START_TEST(healthy_units_never_alarm)
{
	static struct rig r;
	for (int k = 0; k < 40; k++) {
		struct pb_profile p;
		rig_load(&p, k % 2 ? "s10pro" : "s21");
		memset(&r, 0, sizeof r);
		r.p = p;
		r.t = 1000;
		ck_assert_int_eq(pb_plant_init(&r.pl, &p, 7000u + (unsigned)k,
		    true, r.t), 0);
		pb_fw_init(&r.fw, &p, 0, r.t);
		struct pb_sensor_params sp;
		pb_plant_sensor_params(&p, &sp);
		for (int ch = 0; ch < p.channels; ch++) {
			struct pb_cal c;
			pb_sensor_nominal_cal(&sp, ch, &c);
			ck_assert_int_eq(pb_fw_set_cal(&r.fw, &c, r.t), 0);
		}
		r.pings = true;
		unsigned mask = p.channels == 2 ? 1u + (unsigned)(k / 2) % 3 : 1u;
		rig_start(&r, 1 + k % 3, 1 + (k * 7) % p.levels, mask);
		uint16_t seen = 0;
		for (int i = 0; i < 150000; i++) {
			rig_step(&r);
			seen |= r.fw.alarms;
		}
		ck_assert_int_eq(pb_fw_stop(&r.fw, r.t), PB_ST_OK);
		for (int i = 0; i < 30000; i++) {
			rig_step(&r);
			seen |= r.fw.alarms;
		}
		ck_assert_msg(seen == 0, "unit %d (%s): alarms %#x", k, p.id,
		    seen);
	}
}
END_TEST

/* Occlusion seen as vacuum rising while the motor is off (the HIL rig
 * ramps the injected sensor voltage during the hold). */
START_TEST(occlusion_rise_with_motor_off)
{
	static struct rig r;
	rig_init(&r, "s21", 24, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 3, 1);
	/* wait for a hold to settle */
	while (!(r.fw.phase == PB_PH_HOLD && r.fw.hold_ref_taken))
		rig_step(&r);
	double base = r.fw.ch[0].filt_mmhg;
	uint64_t t0 = r.t;
	while (!(r.fw.alarms & PB_AL_OCCLUSION) && r.t - t0 < 300000) {
		double v = base + (double)(r.t - t0) / 1e6 * 200.0; /* 200/s */
		pb_plant_set_inject(&r.pl, 0, true, rig_volts_for(&r, v));
		rig_step(&r);
	}
	ck_assert(r.fw.alarms & PB_AL_OCCLUSION);
	ck_assert_double_lt((double)(r.t - t0) / 1e6, 0.15);
	ck_assert(rig_vented(&r));
}
END_TEST

/* ---- session behaviour -------------------------------------------------- */

START_TEST(mixed_mode_pattern)
{
	static struct rig r;
	rig_init(&r, "s21", 5, 0);
	rig_start(&r, PB_MODE_MIXED, 3, 1);
	double ts = pb_profile_peak_mmhg(&r.p, PB_MODE_STIMULATION, 3);
	double te = pb_profile_peak_mmhg(&r.p, PB_MODE_EXPRESSION, 3);
	double ps = 60.0 / pb_profile_rate_cpm(&r.p, PB_MODE_STIMULATION, 3);
	double pe = 60.0 / pb_profile_rate_cpm(&r.p, PB_MODE_EXPRESSION, 3);
	static struct cycles cy;
	measure(&r, 0, ts, 3 * (5 * ps + pe) + 0.2, &cy);
	ck_assert_int_ge(cy.n, 18);
	for (int i = 0; i < 18; i++) {
		bool stim = i % 6 < 5;
		double want = stim ? ts : te;
		ck_assert_msg(fabs(cy.peak[i] - want) <= 5.0,
		    "cycle %d: peak %.1f, want %.1f", i, cy.peak[i], want);
		if (i + 1 < cy.n) {
			double d = cy.start_s[i + 1] - cy.start_s[i];
			double want_d = stim ? ps : pe;
			/* crossing times move with the pull, not the period */
			ck_assert_msg(fabs(d - want_d) < 0.1,
			    "cycle %d lasted %.3f s, want %.3f", i, d, want_d);
		}
	}
	/* the selected mode stays mixed; no automatic switch */
	ck_assert_int_eq(r.fw.mode, PB_MODE_MIXED);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_MODE, PB_MODE_EXPRESSION), 0);
}
END_TEST

static void stim_switch(unsigned defects)
{
	static struct rig r;
	rig_init(&r, "s21", 6, defects);
	rig_start(&r, PB_MODE_STIMULATION, 4, 1);
	rig_run(&r, 119.9);
	ck_assert_int_eq(r.fw.mode, PB_MODE_STIMULATION);
	ck_assert_int_eq(r.fw.next_mode, PB_MODE_STIMULATION);
	uint64_t t_start = 1000;
	rig_run(&r, 0.2);
	if (defects & PB_DEF_NO_STIM_SWITCH) {
		rig_run(&r, 5);
		ck_assert_int_eq(r.fw.mode, PB_MODE_STIMULATION);
		ck_assert_int_eq(rig_count_events(&r, PB_EV_MODE,
		    PB_MODE_EXPRESSION), 0);
		return;
	}
	ck_assert_int_eq(rig_count_events(&r, PB_EV_MODE, PB_MODE_EXPRESSION), 1);
	for (int i = 0; i < r.nev; i++)
		if (r.ev[i].kind == PB_EV_MODE) {
			double at = (double)(r.ev[i].t_us - t_start) / 1e6;
			ck_assert_double_ge(at, 120.0);
			ck_assert_double_le(at, 120.0 + 0.002);
		}
	/* the next cycle is an expression cycle at the same level */
	rig_run(&r, 1.0);
	ck_assert_int_eq(r.fw.mode, PB_MODE_EXPRESSION);
	double te = pb_profile_peak_mmhg(&r.p, PB_MODE_EXPRESSION, 4);
	static struct cycles cy;
	measure(&r, 0, te, 6.0, &cy);
	ck_assert_int_ge(cy.n, 3);
	for (int i = 0; i < cy.n; i++)
		ck_assert_double_le(fabs(cy.peak[i] - te), 5.0);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
}

START_TEST(stim_to_expression_at_120s)
{
	stim_switch(0);
}
END_TEST

START_TEST(defect_no_stim_switch)
{
	stim_switch(PB_DEF_NO_STIM_SWITCH);
}
END_TEST

START_TEST(auto_off_at_30_min)
{
	static struct rig r;
	rig_init(&r, "s21", 8, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 2, 1);
	rig_run(&r, 1799.9);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_AUTO_OFF, 0), 0);
	rig_run(&r, 0.2);
	ck_assert_int_eq(r.fw.run_state, PB_RS_OFF);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_AUTO_OFF, 0), 1);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_STATE, PB_RS_OFF), 1);
	ck_assert(rig_vented(&r));
	rig_run(&r, 1.0);
	ck_assert_double_lt(pb_plant_vacuum_mmhg(&r.pl, 0), 1.0);
	/* the user can start again */
	ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_OK);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
}
END_TEST

START_TEST(defect_no_auto_off)
{
	static struct rig r;
	struct pb_profile p;
	rig_load(&p, "s21");
	p.session_auto_off_s = 5.0;   /* same logic, shorter session */
	rig_init_prof(&r, &p, 9, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 2, 1);
	rig_run(&r, 5.1);
	ck_assert_int_eq(r.fw.run_state, PB_RS_OFF);
	rig_init_prof(&r, &p, 9, PB_DEF_NO_AUTO_OFF);
	rig_start(&r, PB_MODE_EXPRESSION, 2, 1);
	rig_run(&r, 10.0);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_AUTO_OFF, 0), 0);
}
END_TEST

/* The four switches that plant a wrong timer or table (issue 10's bugs)
 * do what they say, and without them the firmware does it right. */
START_TEST(defect_auto_off_restarts)
{
	static struct rig r;
	struct pb_profile p;
	rig_load(&p, "s21");
	p.session_auto_off_s = 5.0;
	for (int k = 0; k < 2; k++) {
		rig_init_prof(&r, &p, 9, k ? PB_DEF_AUTO_OFF_RESTARTS : 0);
		rig_start(&r, PB_MODE_EXPRESSION, 2, 1);
		rig_run(&r, 3.0);
		ck_assert_int_eq(pb_fw_set_mode(&r.fw, PB_MODE_STIMULATION,
		    r.t), PB_ST_OK);
		rig_run(&r, 2.1);   /* 5.1 s after START */
		if (k == 0) {   /* the session clock counts from START */
			ck_assert_int_eq(r.fw.run_state, PB_RS_OFF);
			ck_assert_int_eq(rig_count_events(&r, PB_EV_AUTO_OFF, 0), 1);
		} else {        /* restarted at the mode change */
			ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
		}
	}
}
END_TEST

/* STOP vents within the valve's release time; with no-stop-vent the motor
 * stops but the vacuum stays on the breast. */
START_TEST(defect_no_stop_vent)
{
	static struct rig r;
	for (int d = 0; d < 2; d++) {
		rig_init(&r, "s10pro", 31, d ? PB_DEF_NO_STOP_VENT : 0);
		r.pings = true;
		rig_start(&r, PB_MODE_EXPRESSION, 8, 3);
		while (!(r.fw.phase == PB_PH_HOLD && r.fw.hold_ref_taken))
			rig_step(&r);
		ck_assert_double_gt(pb_plant_vacuum_mmhg(&r.pl, 1), 150.0);
		ck_assert_int_eq(pb_fw_stop(&r.fw, r.t), PB_ST_OK);
		rig_run(&r, 0.5);
		ck_assert_int_eq(r.fw.run_state, PB_RS_IDLE);
		ck_assert_double_eq(r.out.motor_duty, 0.0);
		for (int ch = 0; ch < 2; ch++) {
			double v = pb_plant_vacuum_mmhg(&r.pl, ch);
			if (d)
				ck_assert_double_gt(v, 100.0);
			else
				ck_assert_double_lt(v, 5.0);
		}
		/* the next START (or any safe state) forgets it */
		ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_OK);
		ck_assert(!r.fw.stop_unvented);
	}
}
END_TEST

START_TEST(defect_level_off_by_one)
{
	static struct rig r;
	rig_init(&r, "s21", 9, PB_DEF_LEVEL_OFF_BY_ONE);
	rig_start(&r, PB_MODE_STIMULATION, 1, 1);
	rig_run(&r, 0.1);
	/* level 1 runs level 2's 50 mmHg; the top level stays clamped */
	ck_assert_double_eq_tol(r.fw.target_mmhg, 50.0, 1e-9);
	ck_assert_int_eq(pb_fw_stop(&r.fw, r.t), PB_ST_OK);
	rig_start(&r, PB_MODE_EXPRESSION, 9, 1);
	rig_run(&r, 0.1);
	ck_assert_double_eq_tol(r.fw.target_mmhg, 250.0, 1e-9);
	rig_init(&r, "s21", 9, 0);
	rig_start(&r, PB_MODE_STIMULATION, 1, 1);
	rig_run(&r, 0.1);
	ck_assert_double_eq_tol(r.fw.target_mmhg, 40.0, 1e-9);
}
END_TEST

/* Seconds from the valve opening on a stuck valve to vacuum-stuck. */
static double stuck_after(unsigned defects)
{
	static struct rig r;
	rig_init(&r, "s21", 9, defects);
	rig_start(&r, PB_MODE_EXPRESSION, 3, 1);
	rig_run(&r, 2.0);
	while (r.out.valve_open[0])          /* into a pull */
		rig_step(&r);
	ck_assert_int_eq(pb_plant_fault(&r.pl, PB_FLT_VALVE_STUCK, 0, 1), 0);
	while (!r.out.valve_open[0])         /* the release */
		rig_step(&r);
	return rig_until_alarm(&r, PB_AL_VACUUM_STUCK, 5.0);
}

START_TEST(defect_stuck_confirm_late)
{
	ck_assert_double_eq_tol(stuck_after(0), 1.5, 0.01);
	ck_assert_double_eq_tol(stuck_after(PB_DEF_STUCK_CONFIRM_LATE), 3.0,
	    0.01);
}
END_TEST

START_TEST(defect_watchdog_late)
{
	static struct rig r;
	rig_init(&r, "s10pro", 41, PB_DEF_WATCHDOG_LATE);
	r.pings = true;
	rig_start(&r, PB_MODE_EXPRESSION, 10, 3);
	rig_run(&r, 3.0);
	r.pings = false;
	uint64_t last = r.fw.last_host_us;
	while (r.t < last + 1240000)
		rig_step(&r);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);   /* late */
	while (!rig_vented(&r) && r.t < last + 1400000)
		rig_step(&r);
	ck_assert(rig_vented(&r));
	ck_assert_uint_ge(r.t - last, 1250000);
}
END_TEST

/* ---- alarms: each raised by its fault, cleared when it is gone ---------- */

struct scenario {
	const char *name;
	uint16_t alarm;
	unsigned defect;            /* the switch that disables it, 0 none */
	bool latched;
	bool at_rest;               /* latched cause still visible at rest */
	void (*inject)(struct rig *r);
	void (*remove)(struct rig *r);
	double within_s;            /* must trip this soon after inject */
};

static void clear_all(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_CLEAR_ALL, 0, 0), 0);
	pb_plant_set_inject(&r->pl, 0, false, 0.0);
}
static void i_over(struct rig *r)
{
	pb_plant_set_inject(&r->pl, 0, true, rig_volts_for(r, 330.0));
}
static void i_valve(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_VALVE_STUCK, 0, 1), 0);
}
static void i_leak(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_LEAK, 0, 200), 0);
}
static void i_occl(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_OCCLUSION, 0, 1), 0);
}
static void i_stall(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_MOTOR_STALL, 0, 1), 0);
}
static void i_mopen(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_MOTOR_OPEN, 0, 1), 0);
}
static void i_sopen(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_SENSOR_OPEN, 0, 1), 0);
}
static void i_sshort(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_SENSOR_SHORT, 0, 1), 0);
}
static void i_sstuck(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_SENSOR_STUCK, 0, 1), 0);
}
static void i_blow(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_BATTERY_SAG, 0, 650),
	    0);
}
static void i_bcut(struct rig *r)
{
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_BATTERY_SAG, 0, 900),
	    0);
}
static void i_bflow(struct rig *r)
{
	/* 1.0 mL of milk at the sensor port */
	ck_assert_int_eq(pb_plant_fault(&r->pl, PB_FLT_BACKFLOW, 0, 10), 0);
}
static void i_hb(struct rig *r)
{
	r->pings = false;
}
static void r_hb(struct rig *r)
{
	r->pings = true;
	r->next_ping = r->t;
}

static const struct scenario scenarios[] = {
	{ "overpressure", PB_AL_OVERPRESSURE, PB_DEF_NO_OVERPRESSURE_TRIP,
	  true, true, i_over, clear_all, 0.1 },
	{ "vacuum-stuck", PB_AL_VACUUM_STUCK, PB_DEF_NO_STUCK_DETECT, true,
	  true, i_valve, clear_all, 4.0 },
	{ "leak", PB_AL_LEAK, PB_DEF_NO_LEAK_DETECT, false, false, i_leak,
	  clear_all, 6.0 },
	{ "occlusion", PB_AL_OCCLUSION, PB_DEF_NO_OCCLUSION_DETECT, true,
	  false, i_occl, clear_all, 2.0 },
	{ "motor-stall", PB_AL_MOTOR_STALL, PB_DEF_NO_STALL_DETECT, true,
	  false, i_stall, clear_all, 2.0 },
	{ "motor-open", PB_AL_MOTOR_OPEN, PB_DEF_NO_MOTOR_OPEN_DETECT, true,
	  false, i_mopen, clear_all, 2.0 },
	{ "sensor-open", PB_AL_SENSOR_OPEN, PB_DEF_NO_SENSOR_CHECK, true, true,
	  i_sopen, clear_all, 0.1 },
	{ "sensor-short", PB_AL_SENSOR_SHORT, PB_DEF_NO_SENSOR_CHECK, true,
	  true, i_sshort, clear_all, 0.1 },
	{ "sensor-stuck", PB_AL_SENSOR_STUCK, PB_DEF_NO_SENSOR_CHECK, true,
	  false, i_sstuck, clear_all, 2.0 },
	{ "battery-low", PB_AL_BATTERY_LOW, PB_DEF_NO_BATTERY_LOW, false, false,
	  i_blow, clear_all, 2.0 },
	{ "battery-cutoff", PB_AL_BATTERY_CUTOFF, PB_DEF_NO_BATTERY_CUTOFF,
	  true, true, i_bcut, clear_all, 2.0 },
	{ "heartbeat", PB_AL_HEARTBEAT_LOST, PB_DEF_NO_HEARTBEAT_SAFE, false,
	  false, i_hb, r_hb, 1.3 },
	{ "backflow", PB_AL_BACKFLOW, PB_DEF_NO_BACKFLOW_DETECT, true, false,
	  i_bflow, clear_all, 4.0 },
};
#define N_SCEN (int)(sizeof scenarios / sizeof scenarios[0])

/* Start s21 expression level 5 with a host, run 2 s, inject; returns the
 * time to trip (or -1). */
static double scenario_run(struct rig *r, const struct scenario *s,
    unsigned defects, uint64_t seed)
{
	rig_init(r, "s21", seed, defects);
	r->pings = true;
	rig_start(r, PB_MODE_EXPRESSION, 5, 1);
	rig_run(r, 2.0);
	ck_assert_msg(r->fw.alarms == 0, "%s: alarms %#x before the fault",
	    s->name, r->fw.alarms);
	s->inject(r);
	return rig_until_alarm(r, s->alarm, s->within_s + 2.0);
}

START_TEST(alarm_raised_and_cleared)
{
	const struct scenario *s = &scenarios[_i];
	static struct rig r;
	double t = scenario_run(&r, s, 0, 100u + (unsigned)_i);
	ck_assert_msg(t >= 0.0 && t <= s->within_s,
	    "%s: tripped after %.3f s (limit %.3f)", s->name, t, s->within_s);
	/* the right diagnosis: no other alarm (a cut-off is also low) */
	uint16_t also = s->alarm == PB_AL_BATTERY_CUTOFF ? PB_AL_BATTERY_LOW : 0;
	ck_assert_msg((r.fw.alarms & ~also) == s->alarm, "%s: alarms %#x",
	    s->name, r.fw.alarms);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_ALARM_RAISED,
	    (uint8_t)rig_bit_index(s->alarm)), 1);
	ck_assert(r.out.alarm);
	if (s->latched) {
		/* safe state: motor off, vented, refused until cleared */
		ck_assert(r.fw.run_state == PB_RS_FAULT ||
		    r.fw.run_state == PB_RS_OFF);
		ck_assert(rig_vented(&r));
		ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_FAULT);
		/* clearing while the cause remains: an alarm whose cause
		 * shows at rest stays; the others are re-armed and trip
		 * again when pumping resumes */
		rig_run(&r, 0.5);
		int st = pb_fw_clear_fault(&r.fw, r.t);
		if (s->at_rest) {
			ck_assert_int_eq(st, PB_ST_FAULT);
			ck_assert(r.fw.alarms & s->alarm);
			ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_FAULT);
		} else {
			ck_assert_int_eq(st, PB_ST_OK);
			ck_assert(!(r.fw.alarms & s->alarm));
			ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_OK);
			ck_assert_double_ge(rig_until_alarm(&r, s->alarm,
			    s->within_s + 2.0), 0.0);
			ck_assert(rig_vented(&r));
		}
	}
	s->remove(&r);
	rig_run(&r, s->latched ? 2.0 : 0.0);
	if (s->latched) {
		ck_assert_int_eq(pb_fw_clear_fault(&r.fw, r.t), PB_ST_OK);
		ck_assert_int_eq(r.fw.run_state, PB_RS_IDLE);
		ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_OK);
	}
	/* gone and staying gone through a few cycles of pumping */
	if (r.fw.run_state != PB_RS_RUNNING)
		ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_OK);
	rig_run(&r, 8.0);
	ck_assert_msg(!(r.fw.alarms & s->alarm), "%s: still %#x", s->name,
	    r.fw.alarms);
	int raised = rig_count_events(&r, PB_EV_ALARM_RAISED,
	    (uint8_t)rig_bit_index(s->alarm));
	ck_assert_int_eq(raised, s->latched && !s->at_rest ? 2 : 1);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_ALARM_CLEARED,
	    (uint8_t)rig_bit_index(s->alarm)), raised);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
	ck_assert_int_eq(r.fw.alarms, 0);
}
END_TEST

/* Each defect switch: its own alarm no longer trips; every other
 * scenario still trips. */
START_TEST(defect_removes_exactly_its_detector)
{
	static const unsigned defects[] = {
		PB_DEF_NO_OVERPRESSURE_TRIP, PB_DEF_NO_STUCK_DETECT,
		PB_DEF_NO_LEAK_DETECT, PB_DEF_NO_OCCLUSION_DETECT,
		PB_DEF_NO_STALL_DETECT, PB_DEF_NO_SENSOR_CHECK,
		PB_DEF_NO_BATTERY_CUTOFF, PB_DEF_NO_HEARTBEAT_SAFE,
		PB_DEF_NO_MOTOR_OPEN_DETECT, PB_DEF_NO_BATTERY_LOW,
		PB_DEF_NO_BACKFLOW_DETECT,
	};
	unsigned d = defects[_i];
	static struct rig r;
	for (int k = 0; k < N_SCEN; k++) {
		const struct scenario *s = &scenarios[k];
		double t = scenario_run(&r, s, d, 200u + (unsigned)k);
		if (s->defect == d)
			ck_assert_msg(t < 0.0, "%s with %s: tripped at %.3f s",
			    s->name, pb_defect_name(d), t);
		else
			ck_assert_msg(t >= 0.0 && t <= s->within_s,
			    "%s with %s: tripped after %.3f s", s->name,
			    pb_defect_name(d), t);
	}
}
END_TEST

START_TEST(defect_names)
{
	unsigned bit;
	ck_assert_str_eq(pb_defect_name(PB_DEF_NO_OVERPRESSURE_TRIP),
	    "no-overpressure-trip");
	ck_assert_int_eq(pb_defect_parse("no-heartbeat-safe", &bit), 0);
	ck_assert_uint_eq(bit, PB_DEF_NO_HEARTBEAT_SAFE);
	ck_assert_int_eq(pb_defect_parse("no-such", &bit), -1);
	ck_assert_ptr_null(pb_defect_name(1u << 20));
	for (unsigned i = 0; i < pb_defect_count(); i++) {
		const char *n = pb_defect_name(1u << i);
		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(pb_defect_parse(n, &bit), 0);
		ck_assert_uint_eq(bit, 1u << i);
	}
	ck_assert_uint_eq(pb_defect_count(), 20);
	ck_assert_str_eq(pb_defect_name(PB_DEF_NO_STOP_VENT), "no-stop-vent");
	unsigned mask = PB_DEF_NO_AUTO_OFF;
	size_t bad = 99;
	ck_assert_int_eq(pb_defect_parse_list("no-leak-detect,no-cal-crc",
	    &mask, &bad), 0);
	ck_assert_uint_eq(mask, PB_DEF_NO_AUTO_OFF | PB_DEF_NO_LEAK_DETECT |
	    PB_DEF_NO_CAL_CRC);
	mask = 0;
	ck_assert_int_eq(pb_defect_parse_list("no-leak-detect,nope", &mask,
	    &bad), -1);
	ck_assert_uint_eq(bad, 15);
	ck_assert_uint_eq(mask, 0);   /* untouched on error */
	ck_assert_int_eq(pb_defect_parse_list("no-leak-detect,", &mask, &bad),
	    -1);
	ck_assert_uint_eq(bad, 15);
	ck_assert_int_eq(pb_defect_parse_list("", &mask, &bad), 0);
	ck_assert_uint_eq(mask, 0);
}
END_TEST

/* ---- timing of the safe state ------------------------------------------ */

START_TEST(overpressure_vents_within_100ms)
{
	static struct rig r;
	/* absolute trip: the reading jumps above 320 mmHg mid-pull */
	rig_init(&r, "s21", 31, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 9, 1);
	rig_run(&r, 2.3);
	pb_plant_set_inject(&r.pl, 0, true, rig_volts_for(&r, 330.0));
	uint64_t t0 = r.t;
	while (!rig_vented(&r) && r.t - t0 < 200000)
		rig_step(&r);
	ck_assert(rig_vented(&r));
	ck_assert_uint_le(r.t - t0, 100000);
	ck_assert(r.fw.alarms & PB_AL_OVERPRESSURE);
	ck_assert_int_eq(r.fw.run_state, PB_RS_FAULT);
	/* the true vacuum then falls with the valve time constant */
	rig_run(&r, 0.5);
	ck_assert_double_lt(pb_plant_vacuum_mmhg(&r.pl, 0), 20.0);

	/* above target + 30 for 100 ms: trips at 100 ms, not before */
	rig_init(&r, "s21", 32, 0);
	rig_start(&r, PB_MODE_EXPRESSION, 3, 1);      /* 130 mmHg */
	rig_run(&r, 1.9);
	pb_plant_set_inject(&r.pl, 0, true, rig_volts_for(&r, 130.0 + 40.0));
	t0 = r.t;
	while (!(r.fw.alarms & PB_AL_OVERPRESSURE) && r.t - t0 < 300000)
		rig_step(&r);
	ck_assert(r.fw.alarms & PB_AL_OVERPRESSURE);
	/* the filter adds a few ms to the 100 ms confirmation */
	ck_assert_uint_ge(r.t - t0, 100000);
	ck_assert_uint_le(r.t - t0, 100000 + 10000);
	ck_assert(rig_vented(&r));
	ck_assert_int_eq(r.fw.run_state, PB_RS_FAULT);
}
END_TEST

START_TEST(heartbeat_loss_vents_within_1s)
{
	static struct rig r;
	rig_init(&r, "s10pro", 41, 0);
	r.pings = true;
	rig_start(&r, PB_MODE_EXPRESSION, 10, 3);
	rig_run(&r, 3.0);
	r.pings = false;
	uint64_t last = r.fw.last_host_us;
	/* still pumping until the timeout */
	while (r.t < last + 990000)
		rig_step(&r);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
	while (!rig_vented(&r) && r.t < last + 1100000)
		rig_step(&r);
	ck_assert(rig_vented(&r));
	ck_assert_uint_le(r.t - last, 1000000 + 2000);
	ck_assert(r.fw.alarms & PB_AL_HEARTBEAT_LOST);
	ck_assert_int_eq(r.fw.run_state, PB_RS_IDLE);
	rig_run(&r, 1.0);
	ck_assert_double_lt(pb_plant_vacuum_mmhg(&r.pl, 0), 5.0);
	ck_assert_double_lt(pb_plant_vacuum_mmhg(&r.pl, 1), 5.0);
	/* the host's next frame clears it */
	pb_fw_host_alive(&r.fw, r.t);
	ck_assert(!(r.fw.alarms & PB_AL_HEARTBEAT_LOST));
	/* an explicit notice acts at once */
	ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_OK);
	rig_run(&r, 0.5);
	pb_fw_host_lost(&r.fw, r.t);
	ck_assert_int_eq(r.fw.run_state, PB_RS_IDLE);
	ck_assert(r.fw.out.motor_duty == 0.0);
}
END_TEST

/* ---- calibration, commands --------------------------------------------- */

START_TEST(cal_invalid_until_set)
{
	static struct rig r;
	struct pb_profile p;
	rig_load(&p, "s10pro");
	memset(&r, 0, sizeof r);
	r.p = p;
	r.t = 1000;
	ck_assert_int_eq(pb_plant_init(&r.pl, &p, 3, false, r.t), 0);
	pb_fw_init(&r.fw, &p, 0, r.t);
	rig_run(&r, 0.01);
	ck_assert(r.fw.alarms & PB_AL_CAL_INVALID);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_ALARM_RAISED,
	    (uint8_t)rig_bit_index(PB_AL_CAL_INVALID)), 1);
	ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_FAULT);
	struct pb_sensor_params sp;
	pb_plant_sensor_params(&p, &sp);
	struct pb_cal c;
	pb_sensor_nominal_cal(&sp, 0, &c);
	/* unusable records are refused */
	struct pb_cal bad = c;
	bad.c[1] = -bad.c[1];
	ck_assert_int_eq(pb_fw_set_cal(&r.fw, &bad, r.t), PB_ST_BAD_VALUE);
	bad = c;
	bad.c[0] = NAN;
	ck_assert_int_eq(pb_fw_set_cal(&r.fw, &bad, r.t), PB_ST_BAD_VALUE);
	bad = c;
	bad.channel = 2;
	ck_assert_int_eq(pb_fw_set_cal(&r.fw, &bad, r.t), PB_ST_BAD_VALUE);
	bad = c;
	bad.order = 3;
	ck_assert_int_eq(pb_fw_set_cal(&r.fw, &bad, r.t), PB_ST_BAD_VALUE);
	/* the check alone stores nothing; READ_CAL sees no calibration */
	struct pb_cal got;
	ck_assert_int_eq(pb_fw_check_cal(&r.fw, &c), PB_ST_OK);
	bad = c;
	bad.c[1] = 0.0f;
	ck_assert_int_eq(pb_fw_check_cal(&r.fw, &bad), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_read_cal(&r.fw, 0, &got), PB_ST_STORAGE);
	ck_assert_int_eq(pb_fw_read_cal(&r.fw, 2, &got), PB_ST_BAD_VALUE);
	/* one channel of two is not enough */
	c.cal_id = 77;
	ck_assert_int_eq(pb_fw_set_cal(&r.fw, &c, r.t), PB_ST_OK);
	ck_assert_int_eq(pb_fw_read_cal(&r.fw, 0, &got), PB_ST_OK);
	ck_assert_uint_eq(got.cal_id, 77);
	ck_assert_uint_eq(got.channel, 0);
	ck_assert_int_eq(pb_fw_read_cal(&r.fw, 1, &got), PB_ST_STORAGE);
	rig_run(&r, 0.01);
	ck_assert(r.fw.alarms & PB_AL_CAL_INVALID);
	c.channel = 1;
	ck_assert_int_eq(pb_fw_set_cal(&r.fw, &c, r.t), PB_ST_OK);
	rig_run(&r, 0.01);
	ck_assert(!(r.fw.alarms & PB_AL_CAL_INVALID));
	ck_assert_int_eq(rig_count_events(&r, PB_EV_ALARM_CLEARED,
	    (uint8_t)rig_bit_index(PB_AL_CAL_INVALID)), 1);
	ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_OK);
}
END_TEST

START_TEST(cal_hold)
{
	static struct rig r;
	rig_init(&r, "s10pro", 4, 0);
	/* above the profile's max target: refused */
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 1, 3001, r.t), PB_ST_LIMIT);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 1, -5, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 4, 1500, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(r.fw.run_state, PB_RS_IDLE);
	/* the limit itself is allowed; hold both channels at 300 mmHg */
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 3, 3000, r.t), PB_ST_OK);
	ck_assert_int_eq(r.fw.run_state, PB_RS_CAL_HOLD);
	rig_run(&r, 3.0);
	for (int ch = 0; ch < 2; ch++)
		ck_assert_double_le(fabs(pb_plant_vacuum_mmhg(&r.pl, ch) -
		    300.0), 3.0);
	/* a lower point, channel 1 only: channel 0 vents */
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 2, 500, r.t), PB_ST_OK);
	rig_run(&r, 3.0);
	ck_assert_double_le(fabs(pb_plant_vacuum_mmhg(&r.pl, 1) - 50.0), 3.0);
	ck_assert_double_lt(pb_plant_vacuum_mmhg(&r.pl, 0), 2.0);
	ck_assert_int_eq(pb_fw_start(&r.fw, r.t), PB_ST_WRONG_STATE);
	ck_assert_int_eq(r.fw.alarms, 0);
	/* 0 vents and returns to idle */
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 3, 0, r.t), PB_ST_OK);
	ck_assert_int_eq(r.fw.run_state, PB_RS_IDLE);
	rig_run(&r, 1.0);
	ck_assert_double_lt(pb_plant_vacuum_mmhg(&r.pl, 1), 2.0);
	/* not while a session runs; field rules still come first */
	rig_start(&r, PB_MODE_EXPRESSION, 1, 1);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 1, 500, r.t),
	    PB_ST_WRONG_STATE);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 4, 500, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 0, 500, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 1, 3001, r.t), PB_ST_LIMIT);
	ck_assert_int_eq(r.fw.run_state, PB_RS_RUNNING);
	/* s21's limit is 250 */
	rig_init(&r, "s21", 4, 0);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 1, 2501, r.t), PB_ST_LIMIT);
	ck_assert_int_eq(pb_fw_cal_hold(&r.fw, 1, 2500, r.t), PB_ST_OK);
}
END_TEST

START_TEST(commands_validate)
{
	static struct rig r;
	rig_init(&r, "s21", 4, 0);
	ck_assert_int_eq(pb_fw_set_mode(&r.fw, 0, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_set_mode(&r.fw, 4, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_set_level(&r.fw, 0, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_set_level(&r.fw, 10, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_set_level(&r.fw, 9, r.t), PB_ST_OK);
	ck_assert_int_eq(pb_fw_set_channels(&r.fw, 2, r.t), PB_ST_BAD_VALUE);
	ck_assert_int_eq(pb_fw_set_channels(&r.fw, 0, r.t), PB_ST_BAD_VALUE);
	rig_init(&r, "s10pro", 4, 0);
	ck_assert_int_eq(pb_fw_set_channels(&r.fw, 3, r.t), PB_ST_OK);
	ck_assert_int_eq(pb_fw_set_channels(&r.fw, 4, r.t), PB_ST_BAD_VALUE);
	/* a level change while running takes effect at the next cycle */
	rig_start(&r, PB_MODE_EXPRESSION, 2, 1);
	rig_run(&r, 0.3);
	ck_assert_int_eq(pb_fw_set_level(&r.fw, 8, r.t), PB_ST_OK);
	ck_assert_int_eq(r.fw.level, 2);
	rig_run(&r, 1.0);
	ck_assert_int_eq(r.fw.level, 8);
	ck_assert_double_eq(r.fw.target_mmhg,
	    pb_profile_peak_mmhg(&r.p, PB_MODE_EXPRESSION, 8));
	/* stop vents at once */
	ck_assert_int_eq(pb_fw_stop(&r.fw, r.t), PB_ST_OK);
	ck_assert_int_eq(r.fw.run_state, PB_RS_IDLE);
	ck_assert(rig_vented(&r));
	rig_step(&r);
	ck_assert_int_eq(rig_count_events(&r, PB_EV_STATE, PB_RS_IDLE), 1);
}
END_TEST

START_TEST(deterministic)
{
	static struct rig a, b;
	rig_init(&a, "s10pro", 12345, 0);
	rig_init(&b, "s10pro", 12345, 0);
	rig_start(&a, PB_MODE_MIXED, 6, 3);
	rig_start(&b, PB_MODE_MIXED, 6, 3);
	for (int i = 0; i < 50000; i++) {
		rig_step(&a);
		rig_step(&b);
		ck_assert_uint_eq(pb_plant_adc(&a.pl, 0), pb_plant_adc(&b.pl, 0));
		ck_assert_uint_eq(pb_plant_adc(&a.pl, 1), pb_plant_adc(&b.pl, 1));
		ck_assert(a.out.motor_duty == b.out.motor_duty);
	}
}
END_TEST

/* Issue 9: the gauge sensor at its full-scale vacuum must not look like a
 * shorted sensor.  The datasheet transfer Vs*(0.1 + 0.8*(P-Pmin)/span)
 * reads 4.5 V there, clear of the short band (> 4.75 V); the old model
 * (0.05 + 0.9 x span) put full scale on the 4.75 V threshold itself, so a
 * unit reading a little high (here +1 standard deviation of the profile's
 * offset and gain spreads) and its noise latched SENSOR_SHORT, and the
 * firmware stopped trusting its overpressure reading near the top of the
 * range.  Every pressure from atmosphere to full scale is swept on both
 * profiles with the profile's own noise; no open or short may be raised. */
START_TEST(full_scale_vacuum_is_not_a_sensor_fault)
{
	static const char *const ids[] = { "s10pro", "s21" };
	for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
		static struct rig r;
		rig_init(&r, ids[k], 31, 0);
		struct pb_sensor_params sp;
		pb_plant_sensor_params(&r.p, &sp);
		sp.offset_mmhg = r.p.sensor_offset_sd_mmhg;
		sp.gain = r.p.sensor_gain_sd;
		sp.nonlin = r.p.sensor_nonlin_fs;
		struct pb_sensor sens[PB_MAX_CH];
		struct pb_rng rng;
		pb_rng_seed(&rng, 7);
		for (int ch = 0; ch < r.p.channels; ch++)
			pb_sensor_init(&sens[ch], &sp, 0.0);
		double fs = r.p.sensor_fs_mmhg;
		/* 0 .. full scale in 5 mmHg steps of 20 ms, then 1 s at full
		 * scale: far longer than the 10 ms open/short debounce */
		for (double p = 0; p <= fs + 1e-9; p += 5.0) {
			double hold_s = p + 5.0 > fs + 1e-9 ? 1.0 : 0.02;
			uint64_t end = r.t + (uint64_t)(hold_s * 1e6);
			while (r.t < end) {
				struct pb_fw_inputs in = {
					.now_us = r.t,
					.supply_v = pb_plant_supply_v(&r.pl),
				};
				for (int ch = 0; ch < r.p.channels; ch++) {
					pb_sensor_step(&sens[ch], PB_PLANT_DT_US / 1e6,
					    p, &rng);
					in.adc[ch] = sens[ch].counts;
				}
				pb_fw_step(&r.fw, &in, &r.out);
				r.t += PB_PLANT_DT_US;
			}
			ck_assert_msg(!(r.fw.alarms & (PB_AL_SENSOR_SHORT |
			    PB_AL_SENSOR_OPEN)), "%s: %.0f mmHg (%.3f V) read as "
			    "a sensor fault", ids[k], p, sens[0].v_out);
		}
		/* the datasheet's full-scale output */
		ck_assert_double_eq_tol(pb_sensor_nominal_volts(&sp, fs),
		    0.9 * sp.supply_v, 1e-9);
	}
}
END_TEST

static Suite *firmware_suite(void)
{
	Suite *s = suite_create("firmware");
	TCase *tc = tcase_create("regulation");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, regulation_every_level);
	tcase_add_test(tc, regulation_mixed_every_level);
	tcase_add_test(tc, regulation_calibrated_unit);
	tcase_add_test(tc, regulation_while_container_fills);
	tcase_add_test(tc, regulation_across_changes);
	suite_add_tcase(s, tc);
	tc = tcase_create("session");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, mixed_mode_pattern);
	tcase_add_test(tc, stim_to_expression_at_120s);
	tcase_add_test(tc, defect_no_stim_switch);
	tcase_add_test(tc, auto_off_at_30_min);
	tcase_add_test(tc, defect_no_auto_off);
	suite_add_tcase(s, tc);
	tc = tcase_create("alarms");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, alarm_raised_and_cleared, 0, N_SCEN);
	tcase_add_loop_test(tc, defect_removes_exactly_its_detector, 0, 11);
	tcase_add_test(tc, defect_no_stop_vent);
	tcase_add_test(tc, defect_names);
	tcase_add_test(tc, leak_by_decay_and_by_miss);
	tcase_add_test(tc, leak_on_one_channel_of_two);
	tcase_add_test(tc, offset_is_not_a_stuck_valve);
	tcase_add_test(tc, healthy_units_never_alarm);
	tcase_add_test(tc, full_scale_vacuum_is_not_a_sensor_fault);
	tcase_add_test(tc, occlusion_rise_with_motor_off);
	tcase_add_test(tc, overpressure_vents_within_100ms);
	tcase_add_test(tc, heartbeat_loss_vents_within_1s);
	tcase_add_test(tc, defect_auto_off_restarts);
	tcase_add_test(tc, defect_level_off_by_one);
	tcase_add_test(tc, defect_stuck_confirm_late);
	tcase_add_test(tc, defect_watchdog_late);
	suite_add_tcase(s, tc);
	tc = tcase_create("commands");
	tcase_add_test(tc, cal_invalid_until_set);
	tcase_add_test(tc, cal_hold);
	tcase_add_test(tc, commands_validate);
	tcase_add_test(tc, deterministic);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(firmware_suite)
