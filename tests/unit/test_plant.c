/*
 * tests/unit/test_plant.c - the physical pump models: random numbers,
 * motor flow and current, pneumatics (dead volume, valve, leak, filling),
 * supply, sensor transfer, quantisation and faults, and the composed
 * plant's determinism.  Pure: no clock, virtual time only.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pump/profile.h"
#include "tests/lib/check_main.h"
#include "tools/pumpsim/battery.h"
#include "tools/pumpsim/motor.h"
#include "tools/pumpsim/plant.h"
#include "tools/pumpsim/pneumatics.h"
#include "tools/pumpsim/rng.h"
#include "tools/pumpsim/sensor.h"

static struct pb_profile prof;

static void load(const char *id)
{
	char err[256];
	ck_assert_msg(pb_profile_find(&prof, id, err, sizeof err) == 0, "%s",
	    err);
}

/* ---- rng --------------------------------------------------------------- */

START_TEST(rng_repeatable)
{
	struct pb_rng a, b, c;
	pb_rng_seed(&a, 42);
	pb_rng_seed(&b, 42);
	pb_rng_seed(&c, 43);
	int same_c = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = pb_rng_u64(&a);
		ck_assert_uint_eq(x, pb_rng_u64(&b));
		same_c += x == pb_rng_u64(&c);
	}
	ck_assert_int_eq(same_c, 0);
	/* splitmix64 seeding: the first xoshiro256** output for seed 0 is
	 * fixed; this pins the algorithm across platforms */
	pb_rng_seed(&a, 0);
	uint64_t first = pb_rng_u64(&a);
	pb_rng_seed(&b, 0);
	ck_assert_uint_eq(first, pb_rng_u64(&b));
}
END_TEST

START_TEST(rng_gauss_moments)
{
	struct pb_rng r;
	pb_rng_seed(&r, 7);
	double s = 0, s2 = 0;
	const int n = 200000;
	for (int i = 0; i < n; i++) {
		double g = pb_rng_gauss(&r);
		s += g;
		s2 += g * g;
	}
	double mean = s / n, var = s2 / n - mean * mean;
	ck_assert_double_le(fabs(mean), 0.01);
	ck_assert_double_le(fabs(var - 1.0), 0.02);
	for (int i = 0; i < 1000; i++) {
		double u = pb_rng_uniform(&r);
		ck_assert(u >= 0.0 && u < 1.0);
	}
}
END_TEST

/* ---- motor ------------------------------------------------------------- */

static struct pb_motor_params motor_params(void)
{
	struct pb_motor_params p = {
		.free_flow_lpm = prof.free_flow_lpm,
		.stall_vacuum_mmhg = prof.stall_vacuum_mmhg,
		.nominal_v = prof.batt_nominal_v,
		.noload_ma = prof.motor_noload_ma,
		.load_ma = prof.motor_load_ma,
		.locked_ma = prof.motor_locked_ma,
		.tau_ms = prof.motor_tau_ms,
	};
	return p;
}

static void spin(struct pb_motor *m, double duty, double v, double vac)
{
	for (int i = 0; i < 5000; i++)   /* 0.5 s: many time constants */
		pb_motor_step(m, 1e-4, duty, v, vac);
}

START_TEST(motor_flow_falls_with_vacuum)
{
	load("s21");
	struct pb_motor_params mp = motor_params();
	struct pb_motor m;
	pb_motor_init(&m, &mp);
	spin(&m, 1.0, mp.nominal_v, 0.0);
	ck_assert_double_eq_tol(m.speed, 1.0, 1e-6);
	double q0 = pb_motor_flow_ml_s(&m, 0.0, 1);
	ck_assert_double_eq_tol(q0, prof.free_flow_lpm * 1000.0 / 60.0, 1e-6);
	double prev = q0;
	for (double v = 50; v <= prof.stall_vacuum_mmhg; v += 50) {
		double q = pb_motor_flow_ml_s(&m, v, 1);
		ck_assert_double_lt(q, prev);
		prev = q;
	}
	ck_assert_double_eq(pb_motor_flow_ml_s(&m, prof.stall_vacuum_mmhg, 1),
	    0.0);
	ck_assert_double_eq(pb_motor_flow_ml_s(&m, 600, 1), 0.0);
	/* half way to stall: half the flow; double pumping splits it */
	ck_assert_double_eq_tol(pb_motor_flow_ml_s(&m,
	    prof.stall_vacuum_mmhg / 2, 1), q0 / 2, 1e-9);
	ck_assert_double_eq_tol(pb_motor_flow_ml_s(&m, 0.0, 2), q0 / 2, 1e-9);
}
END_TEST

START_TEST(motor_flow_falls_with_battery)
{
	load("s21");
	struct pb_motor_params mp = motor_params();
	struct pb_motor hi, lo;
	pb_motor_init(&hi, &mp);
	pb_motor_init(&lo, &mp);
	spin(&hi, 1.0, 4.0, 100.0);
	spin(&lo, 1.0, 3.4, 100.0);
	double qh = pb_motor_flow_ml_s(&hi, 100, 1);
	double ql = pb_motor_flow_ml_s(&lo, 100, 1);
	ck_assert_double_eq_tol(ql / qh, 3.4 / 4.0, 1e-6);
	/* and with duty */
	struct pb_motor half;
	pb_motor_init(&half, &mp);
	spin(&half, 0.5, 4.0, 100.0);
	ck_assert_double_eq_tol(pb_motor_flow_ml_s(&half, 100, 1), qh / 2, 1e-6);
}
END_TEST

START_TEST(motor_current_and_faults)
{
	load("s21");
	struct pb_motor_params mp = motor_params();
	struct pb_motor m;
	pb_motor_init(&m, &mp);
	spin(&m, 1.0, mp.nominal_v, 0.0);
	ck_assert_double_eq_tol(m.current_ma, mp.noload_ma, 1e-9);
	spin(&m, 1.0, mp.nominal_v, mp.stall_vacuum_mmhg);
	ck_assert_double_eq_tol(m.current_ma, mp.load_ma, 1e-9);
	spin(&m, 0.5, mp.nominal_v, 0.0);
	ck_assert_double_eq_tol(m.current_ma, mp.noload_ma / 2, 1e-9);
	/* spin-down follows the time constant */
	spin(&m, 1.0, mp.nominal_v, 0.0);
	int steps = 0;
	while (m.speed > exp(-1.0)) {
		pb_motor_step(&m, 1e-4, 0.0, mp.nominal_v, 0.0);
		steps++;
	}
	ck_assert_double_eq_tol(steps * 0.1, mp.tau_ms, 0.2);
	/* locked rotor: high current, no flow; open circuit: neither */
	m.stalled = true;
	spin(&m, 1.0, mp.nominal_v, 0.0);
	ck_assert_double_eq_tol(m.current_ma, mp.locked_ma, 1e-9);
	ck_assert_double_eq(pb_motor_flow_ml_s(&m, 0.0, 1), 0.0);
	m.stalled = false;
	m.open = true;
	spin(&m, 1.0, mp.nominal_v, 0.0);
	ck_assert_double_eq(m.current_ma, 0.0);
	ck_assert_double_eq(pb_motor_flow_ml_s(&m, 0.0, 1), 0.0);
}
END_TEST

/* ---- pneumatics -------------------------------------------------------- */

static struct pb_pneu_params pneu_params(void)
{
	struct pb_pneu_params p = {
		.dead_volume_ml = prof.dead_volume_ml,
		.min_volume_ml = prof.min_volume_ml,
		.occluded_volume_ml = prof.occluded_volume_ml,
		.valve_tau_ms = prof.valve_release_ms,
		.base_leak_ml_min = 0.0,
	};
	return p;
}

START_TEST(valve_release_time_constant)
{
	load("s21");
	struct pb_pneu_params pp = pneu_params();
	struct pb_pneu c;
	pb_pneu_init(&c, &pp);
	c.vac_mmhg = 10.0;   /* small vacuum: the linearised constant holds */
	int steps = 0;
	while (c.vac_mmhg > 10.0 * exp(-1.0)) {
		pb_pneu_step(&c, 1e-4, 0.0, true);
		steps++;
	}
	ck_assert_double_eq_tol(steps * 0.1, prof.valve_release_ms,
	    prof.valve_release_ms * 0.03);
	/* a stuck valve holds the vacuum */
	c.vac_mmhg = 100.0;
	c.valve_stuck = true;
	for (int i = 0; i < 10000; i++)
		pb_pneu_step(&c, 1e-4, 0.0, true);
	ck_assert_double_eq_tol(c.vac_mmhg, 100.0, 1e-9);
	/* half the volume releases twice as fast */
	c.valve_stuck = false;
	c.volume_ml = pp.dead_volume_ml / 2;
	c.vac_mmhg = 10.0;
	steps = 0;
	while (c.vac_mmhg > 10.0 * exp(-1.0)) {
		pb_pneu_step(&c, 1e-4, 0.0, true);
		steps++;
	}
	ck_assert_double_eq_tol(steps * 0.1, prof.valve_release_ms / 2,
	    prof.valve_release_ms * 0.03);
}
END_TEST

START_TEST(leak_decay_rate)
{
	load("s21");
	struct pb_pneu_params pp = pneu_params();
	struct pb_pneu c;
	pb_pneu_init(&c, &pp);
	c.vac_mmhg = 100.0;
	c.leak_ml_min = 60.0;   /* 1 mL/s at 100 mmHg */
	pb_pneu_step(&c, 1e-3, 0.0, false);
	/* dP/dt = -Q * Patm / V = 760/25 mmHg/s */
	double rate = (100.0 - c.vac_mmhg) / 1e-3;
	ck_assert_double_eq_tol(rate, PB_PATM_MMHG / prof.dead_volume_ml,
	    0.5);
}
END_TEST

/* Time to pull a channel from atmosphere to `target` at a constant
 * volumetric flow. */
static double pull_time(struct pb_pneu *c, double q, double target)
{
	int steps = 0;
	while (c->vac_mmhg < target && steps < 1000000) {
		pb_pneu_step(c, 1e-4, q, false);
		steps++;
	}
	return steps * 1e-4;
}

START_TEST(dead_volume_shrinks_as_container_fills)
{
	load("s21");
	struct pb_pneu_params pp = pneu_params();
	struct pb_pneu c;
	pb_pneu_init(&c, &pp);
	c.fill_ml_s = 1.0;
	for (int i = 0; i < 50000; i++)   /* 5 s at 1 mL/s */
		pb_pneu_step(&c, 1e-4, 0.0, true);
	ck_assert_double_eq_tol(c.volume_ml, pp.dead_volume_ml - 5.0, 1e-6);
	for (int i = 0; i < 500000; i++)  /* long: stops at the minimum */
		pb_pneu_step(&c, 1e-4, 0.0, true);
	ck_assert_double_eq(c.volume_ml, pp.min_volume_ml);

	/* a smaller volume pulls down faster, in proportion */
	struct pb_pneu full, empty;
	pb_pneu_init(&full, &pp);
	pb_pneu_init(&empty, &pp);
	full.volume_ml = pp.dead_volume_ml / 2;
	double t_full = pull_time(&full, 10.0, 100.0);
	double t_empty = pull_time(&empty, 10.0, 100.0);
	ck_assert_double_eq_tol(t_full / t_empty, 0.5, 0.01);
	/* isothermal: ln(Patm/(Patm-P)) * V / Q */
	ck_assert_double_eq_tol(t_empty, log(760.0 / 660.0) *
	    pp.dead_volume_ml / 10.0, 2e-3);
	/* occlusion: only the small tube volume is evacuated */
	struct pb_pneu occ;
	pb_pneu_init(&occ, &pp);
	occ.occluded = true;
	double t_occ = pull_time(&occ, 10.0, 100.0);
	ck_assert_double_lt(t_occ, t_empty * pp.occluded_volume_ml /
	    pp.dead_volume_ml * 1.1);
}
END_TEST

/* ---- battery ----------------------------------------------------------- */

START_TEST(battery_sag_and_drain)
{
	load("s21");
	struct pb_batt_params bp = {
		.mains = false, .nominal_v = 3.7, .internal_ohm = 0.2,
		.full_v = 4.15, .empty_v = 3.35, .capacity_mah = 800,
		.initial_soc = 0.9, .idle_ma = 0,
	};
	struct pb_battery b;
	pb_batt_init(&b, &bp);
	ck_assert_double_eq_tol(pb_batt_ocv(&b), 3.35 + 0.8 * 0.9, 1e-9);
	pb_batt_step(&b, 1e-4, 1000.0);
	ck_assert_double_eq_tol(b.v_term, pb_batt_ocv(&b) - 0.2, 1e-6);
	b.sag_v = 0.3;
	pb_batt_step(&b, 1e-4, 1000.0);
	ck_assert_double_eq_tol(b.v_term, pb_batt_ocv(&b) - 0.5, 1e-6);
	/* 400 mA for 1 h drains half of 800 mAh */
	double soc0 = b.soc;
	for (int i = 0; i < 3600; i++)
		pb_batt_step(&b, 1.0, 400.0);
	ck_assert_double_eq_tol(soc0 - b.soc, 0.5, 1e-6);
	/* mains: no drain, nominal voltage */
	bp.mains = true;
	bp.nominal_v = 12.0;
	pb_batt_init(&b, &bp);
	for (int i = 0; i < 3600; i++)
		pb_batt_step(&b, 1.0, 400.0);
	ck_assert_double_eq_tol(b.v_term, 12.0 - 0.4 * 0.2, 1e-9);
}
END_TEST

/* ---- sensor ------------------------------------------------------------ */

static struct pb_sensor_params ideal(void)
{
	struct pb_sensor_params sp;
	pb_plant_sensor_params(&prof, &sp);
	sp.noise_mmhg = 0.0;
	sp.lag_ms = 0.0;
	return sp;
}

START_TEST(sensor_transfer_and_quantisation)
{
	load("s21");
	struct pb_sensor_params sp = ideal();
	struct pb_sensor s;
	struct pb_rng r;
	pb_rng_seed(&r, 1);
	pb_sensor_init(&s, &sp, 0.0);
	double span = sp.max_mmhg - sp.min_mmhg;
	for (double p = 0; p <= 300; p += 7.3) {
		pb_sensor_step(&s, 1e-4, p, &r);
		/* the XGZP6847A datasheet, not the model's own constants */
		double v = sp.supply_v * (0.1 + 0.8 * (p - sp.min_mmhg) / span);
		ck_assert_double_eq_tol(s.v_out, v, 1e-9);
		double want = floor(v / sp.supply_v * 4095.0 + 0.5);
		ck_assert_uint_eq(s.counts, (unsigned)want);
	}
	/* the range ends map to 0.5 V and 4.5 V at 5 V, inside the
	 * firmware's open (< 0.25 V) and short (> 4.75 V) bands */
	ck_assert_double_eq_tol(sp.supply_v, 5.0, 1e-12);
	ck_assert_double_eq_tol(pb_sensor_nominal_volts(&sp, sp.min_mmhg),
	    0.5, 1e-12);
	ck_assert_double_eq_tol(pb_sensor_nominal_volts(&sp, sp.max_mmhg),
	    4.5, 1e-12);
	ck_assert_double_gt(pb_sensor_nominal_volts(&sp, sp.min_mmhg),
	    prof.sensor_low_v);
	ck_assert_double_lt(pb_sensor_nominal_volts(&sp, sp.max_mmhg),
	    prof.sensor_high_v);
	/* quantisation: one count is Vs/4095; nearby pressures collide */
	ck_assert_uint_eq(pb_sensor_volts_to_counts(&sp, 0.0), 0);
	ck_assert_uint_eq(pb_sensor_volts_to_counts(&sp, 5.0), 4095);
	ck_assert_uint_eq(pb_sensor_volts_to_counts(&sp, 9.0), 4095);
	ck_assert_uint_eq(pb_sensor_volts_to_counts(&sp, -1.0), 0);
	ck_assert_uint_eq(pb_sensor_volts_to_counts(&sp, 2.5),
	    pb_sensor_volts_to_counts(&sp, 2.5 + 0.4 * 5.0 / 4095));
	/* the nominal calibration inverts the transfer within half a count */
	struct pb_cal cal;
	pb_sensor_nominal_cal(&sp, 0, &cal);
	ck_assert_int_eq(cal.order, 1);
	double mm_per_count = span / (0.8 * 4095);
	for (double p = 0; p <= 300; p += 25) {
		uint16_t c = pb_sensor_volts_to_counts(&sp,
		    pb_sensor_nominal_volts(&sp, p));
		ck_assert_double_eq_tol(cal.c[0] + cal.c[1] * c, p,
		    mm_per_count * 0.5 + 1e-3);
	}
}
END_TEST

START_TEST(sensor_unit_errors)
{
	load("s21");
	struct pb_sensor_params sp = ideal();
	struct pb_sensor s;
	struct pb_rng r;
	pb_rng_seed(&r, 1);
	double span = sp.max_mmhg - sp.min_mmhg;
	/* offset and gain */
	sp.offset_mmhg = 5.0;
	sp.gain = 0.02;
	pb_sensor_init(&s, &sp, 0.0);
	pb_sensor_step(&s, 1e-4, 200.0, &r);
	ck_assert_double_eq_tol(s.v_out, pb_sensor_nominal_volts(&sp,
	    5.0 + 200.0 * 1.02), 1e-9);
	/* quadratic non-linearity: none at the range ends, nl*span mid-way */
	sp.offset_mmhg = 0;
	sp.gain = 0;
	sp.nonlin = 0.003;
	pb_sensor_init(&s, &sp, 0.0);
	double mid = sp.min_mmhg + span / 2;
	pb_sensor_step(&s, 1e-4, mid, &r);
	ck_assert_double_eq_tol(s.v_out, pb_sensor_nominal_volts(&sp,
	    mid + 0.003 * span), 1e-9);
	pb_sensor_step(&s, 1e-4, sp.min_mmhg, &r);
	ck_assert_double_eq_tol(s.v_out, pb_sensor_nominal_volts(&sp,
	    sp.min_mmhg), 1e-9);
	/* lag: first order */
	sp.nonlin = 0;
	sp.lag_ms = 2.0;
	pb_sensor_init(&s, &sp, 0.0);
	for (int i = 0; i < 20; i++)   /* 2 ms = one time constant */
		pb_sensor_step(&s, 1e-4, 100.0, &r);
	ck_assert_double_eq_tol(s.pf_mmhg, 100.0 * (1 - exp(-1.0)), 1e-6);
	/* noise: RMS as configured */
	sp.lag_ms = 0;
	sp.noise_mmhg = 1.0;
	pb_sensor_init(&s, &sp, 0.0);
	double sum = 0, sum2 = 0;
	double per_count = span / (0.8 * 4095);
	for (int i = 0; i < 20000; i++) {
		pb_sensor_step(&s, 1e-4, 100.0, &r);
		double mm = s.counts * per_count;
		sum += mm;
		sum2 += mm * mm;
	}
	double var = sum2 / 20000 - (sum / 20000) * (sum / 20000);
	ck_assert_double_eq_tol(sqrt(var), 1.0, 0.05);
}
END_TEST

START_TEST(sensor_faults_and_inject)
{
	load("s21");
	struct pb_sensor_params sp = ideal();
	struct pb_sensor s;
	struct pb_rng r;
	pb_rng_seed(&r, 1);
	pb_sensor_init(&s, &sp, 0.0);
	pb_sensor_step(&s, 1e-4, 100.0, &r);
	uint16_t at100 = s.counts;
	/* stuck: frozen at the value it had */
	pb_sensor_set_stuck(&s, true);
	pb_sensor_step(&s, 1e-4, 200.0, &r);
	ck_assert_uint_eq(s.counts, at100);
	pb_sensor_set_stuck(&s, false);
	pb_sensor_step(&s, 1e-4, 200.0, &r);
	ck_assert_uint_gt(s.counts, at100);
	/* open reads below the 0.25 V band, short above 4.75 V */
	s.open = true;
	pb_sensor_step(&s, 1e-4, 200.0, &r);
	ck_assert_double_lt(s.v_out, prof.sensor_low_v);
	s.open = false;
	s.shorted = true;
	pb_sensor_step(&s, 1e-4, 200.0, &r);
	ck_assert_double_gt(s.v_out, prof.sensor_high_v);
	s.shorted = false;
	/* atmosphere reads inside the band (compound range) */
	pb_sensor_step(&s, 1e-4, 0.0, &r);
	ck_assert_double_gt(s.v_out, prof.sensor_low_v);
	/* the injection relay overrides everything */
	s.inject = true;
	s.inject_v = 2.5;
	s.open = true;
	pb_sensor_step(&s, 1e-4, 0.0, &r);
	ck_assert_uint_eq(s.counts, pb_sensor_volts_to_counts(&sp, 2.5));
	s.inject = false;
	s.open = false;
	/* drift accumulates at its rate */
	s.drift_mmhg_min = 6.0;
	for (int i = 0; i < 600000; i++)   /* 60 s */
		pb_sensor_step(&s, 1e-4, 0.0, &r);
	ck_assert_double_eq_tol(s.drift_mmhg, 6.0, 1e-6);
}
END_TEST

/* ---- plant ------------------------------------------------------------- */

static void run_plant(struct pb_plant *pl, int steps, double duty,
    bool valve, uint16_t *trace)
{
	struct pb_plant_inputs in = { .motor_duty = duty, .power = true };
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		in.valve_open[ch] = valve;
		in.connect[ch] = true;
	}
	for (int i = 0; i < steps; i++) {
		pb_plant_step(pl, &in);
		if (trace)
			trace[i] = pb_plant_adc(pl, 0);
	}
}

START_TEST(plant_deterministic)
{
	load("s10pro");
	static struct pb_plant a, b, c;
	static uint16_t ta[5000], tb[5000], tc[5000];
	ck_assert_int_eq(pb_plant_init(&a, &prof, 99, true, 0), 0);
	ck_assert_int_eq(pb_plant_init(&b, &prof, 99, true, 0), 0);
	ck_assert_int_eq(pb_plant_init(&c, &prof, 100, true, 0), 0);
	run_plant(&a, 5000, 0.7, false, ta);
	run_plant(&b, 5000, 0.7, false, tb);
	run_plant(&c, 5000, 0.7, false, tc);
	ck_assert_mem_eq(ta, tb, sizeof ta);
	ck_assert(memcmp(ta, tc, sizeof ta) != 0);
	ck_assert_uint_eq(a.t_us, 5000u * PB_PLANT_DT_US);
	/* the unit errors differ between seeds but not between runs */
	ck_assert_double_eq(a.sensor[0].p.offset_mmhg,
	    b.sensor[0].p.offset_mmhg);
	ck_assert(a.sensor[0].p.offset_mmhg != c.sensor[0].p.offset_mmhg);
	/* double pumping: the two channels differ (shield, seal, tissue),
	 * the same way in every run of the seed */
	ck_assert_double_gt(fabs(pb_plant_vacuum_mmhg(&a, 0) -
	    pb_plant_vacuum_mmhg(&a, 1)), 0.2);
	ck_assert_double_eq(pb_plant_vacuum_mmhg(&a, 1),
	    pb_plant_vacuum_mmhg(&b, 1));
	ck_assert_double_gt(pb_plant_vacuum_mmhg(&a, 0), 50.0);
	/* a profile without spreads: both channels pulled alike */
	struct pb_profile flat = prof;
	flat.chan_spread = flat.seal_spread = flat.tissue_cycle_sd = 0.0;
	ck_assert_int_eq(pb_plant_init(&c, &flat, 99, true, 0), 0);
	run_plant(&c, 5000, 0.7, false, NULL);
	ck_assert_double_eq_tol(pb_plant_vacuum_mmhg(&c, 0),
	    pb_plant_vacuum_mmhg(&c, 1), 1e-9);
}
END_TEST

/* Cycle to cycle: pull from atmosphere at the same duty for the same time
 * (valve shut), vent; the peaks differ with the tissue's compliance,
 * which is drawn anew at each close, and the draws repeat per seed.  The
 * spread is a few mmHg (not the 0.2 of an ideal plant). */
static void cycle_peaks(uint64_t seed, double *pk, int n)
{
	static struct pb_plant pl;
	ck_assert_int_eq(pb_plant_init(&pl, &prof, seed, false, 0), 0);
	for (int k = 0; k < n; k++) {
		run_plant(&pl, 2500, 1.0, false, NULL);
		pk[k] = pb_plant_vacuum_mmhg(&pl, 0);
		run_plant(&pl, 5000, 0.0, true, NULL);
		ck_assert_double_lt(pb_plant_vacuum_mmhg(&pl, 0), 1.0);
	}
}

START_TEST(plant_variation)
{
	load("s10pro");
	double a[12], b[12];
	cycle_peaks(5, a, 12);
	cycle_peaks(5, b, 12);
	ck_assert_mem_eq(a, b, sizeof a);
	double lo = a[0], hi = a[0];
	for (int k = 1; k < 12; k++) {
		lo = fmin(lo, a[k]);
		hi = fmax(hi, a[k]);
	}
	ck_assert_msg(hi - lo > 2.0 && hi - lo < 30.0, "peaks %.1f..%.1f",
	    lo, hi);
	/* the channels of one pump differ, within the spread */
	static struct pb_plant pl;
	ck_assert_int_eq(pb_plant_init(&pl, &prof, 5, false, 0), 0);
	struct pb_plant_chan_var v0, v1;
	pb_plant_chan_var(&pl, 0, &v0);
	pb_plant_chan_var(&pl, 1, &v1);
	ck_assert(v0.volume_ml != v1.volume_ml);
	ck_assert(v0.leak_ml_min != v1.leak_ml_min);
	for (int ch = 0; ch < 2; ch++) {
		struct pb_plant_chan_var *v = ch ? &v1 : &v0;
		ck_assert_double_le(fabs(v->volume_ml / prof.dead_volume_ml -
		    1.0), 3.0 * prof.chan_spread + 1e-9);
		ck_assert_double_gt(v->tissue_ml_mmhg, 0.0);
	}
}
END_TEST

/* A profile whose open/short thresholds reach into the sensor's healthy
 * output range (0.5 .. 4.5 V at 5 V) is refused: a healthy sensor would
 * read as a fault somewhere in its range. */
START_TEST(plant_refuses_thresholds_inside_the_sensor_range)
{
	load("s10pro");
	static struct pb_plant pl;
	struct pb_profile p = prof;
	ck_assert_int_eq(pb_plant_init(&pl, &p, 1, false, 0), PB_PLANT_OK);
	p.sensor_high_v = 4.5;     /* full scale sits on the short band */
	ck_assert_int_eq(pb_plant_init(&pl, &p, 1, false, 0), PB_PLANT_E_SENSOR);
	p = prof;
	p.sensor_low_v = 0.5;      /* the range's low end on the open band */
	ck_assert_int_eq(pb_plant_init(&pl, &p, 1, false, 0), PB_PLANT_E_SENSOR);
	ck_assert(strstr(pb_plant_strerror(PB_PLANT_E_SENSOR), "low_v") != NULL);
}
END_TEST

START_TEST(plant_power_and_faults)
{
	load("s21");
	static struct pb_plant pl;
	ck_assert_int_eq(pb_plant_init(&pl, &prof, 1, false, 0), 0);
	run_plant(&pl, 3000, 1.0, false, NULL);
	double v = pb_plant_vacuum_mmhg(&pl, 0);
	ck_assert_double_gt(v, 50.0);
	ck_assert_double_gt(pb_plant_motor_ma(&pl), 0.0);
	/* power off: motor stops, normally-open valve vents */
	struct pb_plant_inputs in = { .motor_duty = 1.0, .power = false };
	in.connect[0] = true;
	for (int i = 0; i < 5000; i++)
		pb_plant_step(&pl, &in);
	ck_assert(pl.valve_open[0]);
	ck_assert_double_eq(pb_plant_motor_ma(&pl), 0.0);
	ck_assert_double_lt(pb_plant_vacuum_mmhg(&pl, 0), 1.0);
	/* fault ids and their checks */
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_LEAK, 1, 10),
	    PB_PLANT_E_CHANNEL);
	ck_assert_int_eq(pb_plant_fault(&pl, 99, 0, 1), PB_PLANT_E_FAULT);
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_VALVE_STUCK, 0, 2),
	    PB_PLANT_E_VALUE);
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_LEAK, 0, -1),
	    PB_PLANT_E_VALUE);
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_BATTERY_SAG, 0, 500), 0);
	run_plant(&pl, 10, 0.0, true, NULL);
	ck_assert_double_lt(pb_plant_supply_v(&pl), pb_batt_ocv(&pl.batt) -
	    0.5 + 1e-9);
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_SENSOR_OFFSET, 0, 100), 0);
	ck_assert_double_eq(pl.sensor[0].extra_offset_mmhg, 10.0);
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_CONTAINER_FILL, 0, 2000),
	    0);
	ck_assert_double_eq(pl.pneu[0].fill_ml_s, 2.0);
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_MOTOR_STALL, 0, 1), 0);
	ck_assert(pl.motor.stalled);
	ck_assert_int_eq(pb_plant_fault(&pl, PB_FLT_CLEAR_ALL, 0, 0), 0);
	ck_assert(!pl.motor.stalled);
	ck_assert_double_eq(pl.batt.sag_v, 0.0);
	ck_assert_double_eq(pl.sensor[0].extra_offset_mmhg, 0.0);
	ck_assert_double_eq(pl.pneu[0].fill_ml_s, 0.0);
	/* injection relay */
	ck_assert_int_eq(pb_plant_set_inject(&pl, 0, true, 1.0), 0);
	run_plant(&pl, 1, 0.0, true, NULL);
	ck_assert_double_eq(pb_plant_sensor_volts(&pl, 0), 1.0);
	ck_assert_int_eq(pb_plant_set_inject(&pl, 3, true, 1.0),
	    PB_PLANT_E_CHANNEL);
	ck_assert_int_eq(pb_plant_set_inject(&pl, 0, true, NAN),
	    PB_PLANT_E_VALUE);
	ck_assert_str_eq(pb_plant_strerror(PB_PLANT_E_FAULT),
	    "unknown fault id");
	/* an unusable profile is refused */
	struct pb_profile bad = prof;
	bad.channels = 3;
	ck_assert_int_eq(pb_plant_init(&pl, &bad, 1, false, 0),
	    PB_PLANT_E_PROFILE);
}
END_TEST

static Suite *plant_suite(void)
{
	Suite *s = suite_create("plant");
	TCase *tc = tcase_create("rng");
	tcase_add_test(tc, rng_repeatable);
	tcase_add_test(tc, rng_gauss_moments);
	suite_add_tcase(s, tc);
	tc = tcase_create("motor");
	tcase_add_test(tc, motor_flow_falls_with_vacuum);
	tcase_add_test(tc, motor_flow_falls_with_battery);
	tcase_add_test(tc, motor_current_and_faults);
	suite_add_tcase(s, tc);
	tc = tcase_create("pneumatics");
	tcase_add_test(tc, valve_release_time_constant);
	tcase_add_test(tc, leak_decay_rate);
	tcase_add_test(tc, dead_volume_shrinks_as_container_fills);
	suite_add_tcase(s, tc);
	tc = tcase_create("battery");
	tcase_add_test(tc, battery_sag_and_drain);
	suite_add_tcase(s, tc);
	tc = tcase_create("sensor");
	tcase_add_test(tc, sensor_transfer_and_quantisation);
	tcase_add_test(tc, sensor_unit_errors);
	tcase_add_test(tc, sensor_faults_and_inject);
	suite_add_tcase(s, tc);
	tc = tcase_create("plant");
	tcase_add_test(tc, plant_deterministic);
	tcase_add_test(tc, plant_variation);
	tcase_add_test(tc, plant_power_and_faults);
	tcase_add_test(tc, plant_refuses_thresholds_inside_the_sensor_range);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(plant_suite)
