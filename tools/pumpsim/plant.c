/*
 * tools/pumpsim/plant.c - composes motor, supply, pneumatics and sensors
 * into one pump, stepped at PB_PLANT_DT_US.
 */
#include "tools/pumpsim/plant.h"

#include <math.h>
#include <string.h>

void pb_plant_sensor_params(const struct pb_profile *p,
    struct pb_sensor_params *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->supply_v = p->sensor_supply_v;
	sp->min_mmhg = p->sensor_min_mmhg;
	sp->max_mmhg = p->sensor_fs_mmhg;
	sp->adc_bits = p->adc_bits;
	sp->noise_mmhg = p->sensor_noise_mmhg;
	sp->lag_ms = p->sensor_lag_ms;
	sp->open_v = p->sensor_open_v;
	sp->short_v = p->sensor_short_v;
}

#define TISSUE_RESEAT_MMHG 10.0   /* tissue re-seats below this vacuum */

/* 1 + sd * N(0,1), kept within +/- 3 sd and positive. */
static double spread(struct pb_rng *r, double sd)
{
	double g = pb_rng_gauss(r);
	if (g > 3.0)
		g = 3.0;
	if (g < -3.0)
		g = -3.0;
	double f = 1.0 + sd * g;
	return f > 0.1 ? f : 0.1;
}

int pb_plant_init(struct pb_plant *pl, const struct pb_profile *p,
    uint64_t seed, bool sensor_errors, uint64_t t0_us)
{
	memset(pl, 0, sizeof(*pl));
	if (p->channels < 1 || p->channels > PB_MAX_CH ||
	    !(p->dead_volume_ml > 0.0) || !(p->free_flow_lpm > 0.0) ||
	    !(p->stall_vacuum_mmhg > 0.0) || !(p->sensor_supply_v > 0.0) ||
	    !(p->sensor_fs_mmhg > p->sensor_min_mmhg) ||
	    p->adc_bits < 8 || p->adc_bits > 16)
		return PB_PLANT_E_PROFILE;
	/* A healthy sensor anywhere in its range must never look open or
	 * shorted: its datasheet output (0.1 .. 0.9 Vs) stays strictly
	 * inside the firmware's low_v .. high_v. */
	if (!(PB_SENSOR_LO_FRAC * p->sensor_supply_v > p->sensor_low_v) ||
	    !(PB_SENSOR_HI_FRAC * p->sensor_supply_v < p->sensor_high_v))
		return PB_PLANT_E_SENSOR;
	pl->channels = p->channels;
	pl->t_us = t0_us;
	pb_rng_seed(&pl->rng, seed);

	struct pb_motor_params mp = {
		.free_flow_lpm = p->free_flow_lpm,
		.stall_vacuum_mmhg = p->stall_vacuum_mmhg,
		.nominal_v = p->batt_nominal_v,
		.noload_ma = p->motor_noload_ma,
		.load_ma = p->motor_load_ma,
		.locked_ma = p->motor_locked_ma,
		.tau_ms = p->motor_tau_ms,
	};
	pb_motor_init(&pl->motor, &mp);

	struct pb_batt_params bp = {
		.mains = p->mains,
		.nominal_v = p->batt_nominal_v,
		.internal_ohm = p->batt_internal_ohm,
		.full_v = p->batt_full_v,
		.empty_v = p->batt_empty_v,
		.capacity_mah = p->batt_capacity_mah,
		.initial_soc = p->batt_initial_soc,
		.idle_ma = p->batt_idle_ma,
	};
	pb_batt_init(&pl->batt, &bp);

	struct pb_pneu_params np = {
		.dead_volume_ml = p->dead_volume_ml,
		.min_volume_ml = p->min_volume_ml,
		.occluded_volume_ml = p->occluded_volume_ml,
		.valve_tau_ms = p->valve_release_ms,
		.base_leak_ml_min = p->base_leak_ml_min,
		.tissue_ms = p->tissue_ms,
	};
	struct pb_sensor_params sp;
	pb_plant_sensor_params(p, &sp);
	/* the variation stream: its own generator, so the sensor noise
	 * sequence of a seed does not depend on it */
	pb_rng_seed(&pl->vrng, seed ^ 0x5641524941544e31ull /* "VARIATN1" */);
	pl->tissue_sd = p->tissue_cycle_sd;
	for (int ch = 0; ch < pl->channels; ch++) {
		/* tube, shield and seal of this channel (drawn in channel
		 * order, every draw made even when its spread is 0) */
		struct pb_pneu_params cp = np;
		double sp_ = p->chan_spread;
		cp.dead_volume_ml *= spread(&pl->vrng, sp_);
		cp.min_volume_ml *= cp.dead_volume_ml / np.dead_volume_ml;
		cp.valve_tau_ms *= spread(&pl->vrng, sp_);
		double g = pb_rng_gauss(&pl->vrng);
		cp.base_leak_ml_min *= exp(p->seal_spread * g -
		    p->seal_spread * p->seal_spread / 2.0);
		pl->tissue_mean[ch] = p->tissue_ml_100 / 100.0 *
		    spread(&pl->vrng, sp_);
		pb_pneu_init(&pl->pneu[ch], &cp);
		pl->pneu[ch].tissue_c = pl->tissue_mean[ch];
		struct pb_sensor_params u = sp;
		if (sensor_errors) {
			/* one unit per channel, drawn in channel order */
			u.offset_mmhg = p->sensor_offset_sd_mmhg *
			    pb_rng_gauss(&pl->rng);
			u.gain = p->sensor_gain_sd * pb_rng_gauss(&pl->rng);
			u.nonlin = p->sensor_nonlin_fs *
			    (pb_rng_uniform(&pl->rng) < 0.5 ? -1.0 : 1.0);
		}
		pb_sensor_init(&pl->sensor[ch], &u, 0.0);
		pl->valve_open[ch] = true;
	}
	pl->powered = true;
	return PB_PLANT_OK;
}

void pb_plant_step(struct pb_plant *pl, const struct pb_plant_inputs *in)
{
	const double dt = PB_PLANT_DT_US * 1e-6;
	bool power = in->power;
	double duty = power ? in->motor_duty : 0.0;
	if (!(duty > 0.0))
		duty = 0.0;
	if (duty > 1.0)
		duty = 1.0;
	pl->powered = power;
	pl->motor_duty = duty;

	/* supply first, from the last step's current */
	pb_batt_step(&pl->batt, dt, power ? pl->motor.current_ma : 0.0);
	double vs = power ? pl->batt.v_term : 0.0;

	int n_conn = 0;
	double load = 0.0;
	for (int ch = 0; ch < pl->channels; ch++) {
		if (in->connect[ch]) {
			n_conn++;
			load += pl->pneu[ch].vac_mmhg;
		}
	}
	if (n_conn > 0)
		load /= n_conn;
	pb_motor_step(&pl->motor, dt, duty, vs, load);

	for (int ch = 0; ch < pl->channels; ch++) {
		struct pb_pneu *c = &pl->pneu[ch];
		double q = in->connect[ch]
		    ? pb_motor_flow_ml_s(&pl->motor, c->vac_mmhg, n_conn) : 0.0;
		bool vo = power ? in->valve_open[ch] : true;
		if (pl->valve_open[ch] && !vo && c->vac_mmhg < TISSUE_RESEAT_MMHG) {
			/* the valve closes on a vented shield: a new cycle,
			 * and the tissue, re-seated, is not quite as compliant
			 * as the last time (not while vacuum remains: the
			 * tissue has not let go) */
			double f = 1.0 + pl->tissue_sd * pb_rng_gauss(&pl->vrng);
			c->tissue_c = pl->tissue_mean[ch] * (f > 0.2 ? f : 0.2);
		}
		pl->valve_open[ch] = vo;
		pb_pneu_step(c, dt, q, vo);
		pb_sensor_step(&pl->sensor[ch], dt, c->vac_mmhg, &pl->rng);
	}
	pl->t_us += PB_PLANT_DT_US;
}

uint16_t pb_plant_adc(const struct pb_plant *pl, int ch)
{
	if (ch < 0 || ch >= pl->channels)
		return 0;
	return pl->sensor[ch].counts;
}

double pb_plant_sensor_volts(const struct pb_plant *pl, int ch)
{
	if (ch < 0 || ch >= pl->channels)
		return 0.0;
	return pl->sensor[ch].v_out;
}

double pb_plant_vacuum_mmhg(const struct pb_plant *pl, int ch)
{
	if (ch < 0 || ch >= pl->channels)
		return 0.0;
	return pl->pneu[ch].vac_mmhg;
}

void pb_plant_chan_var(const struct pb_plant *pl, int ch,
    struct pb_plant_chan_var *out)
{
	if (ch < 0 || ch >= pl->channels)
		ch = 0;
	const struct pb_pneu *c = &pl->pneu[ch];
	out->volume_ml = c->p.dead_volume_ml;
	out->valve_ms = c->p.valve_tau_ms;
	out->leak_ml_min = c->p.base_leak_ml_min;
	out->tissue_ml_mmhg = pl->tissue_mean[ch];
}

double pb_plant_motor_ma(const struct pb_plant *pl)
{
	return pl->powered ? pl->motor.current_ma : 0.0;
}

double pb_plant_supply_v(const struct pb_plant *pl)
{
	return pl->batt.v_term;
}

static int flag(int32_t value, bool *out)
{
	if (value != 0 && value != 1)
		return PB_PLANT_E_VALUE;
	*out = value == 1;
	return PB_PLANT_OK;
}

int pb_plant_fault(struct pb_plant *pl, int fault, int ch, int32_t value)
{
	bool per_channel = fault == PB_FLT_LEAK || fault == PB_FLT_VALVE_STUCK ||
	    fault == PB_FLT_SENSOR_OFFSET || fault == PB_FLT_SENSOR_STUCK ||
	    fault == PB_FLT_SENSOR_OPEN || fault == PB_FLT_SENSOR_SHORT ||
	    fault == PB_FLT_CONTAINER_FILL || fault == PB_FLT_OCCLUSION ||
	    fault == PB_FLT_SENSOR_DRIFT || fault == PB_FLT_BACKFLOW;
	if (per_channel && (ch < 0 || ch >= pl->channels))
		return PB_PLANT_E_CHANNEL;
	struct pb_pneu *c = per_channel ? &pl->pneu[ch] : NULL;
	struct pb_sensor *s = per_channel ? &pl->sensor[ch] : NULL;
	bool b;
	int rc;

	switch (fault) {
	case PB_FLT_CLEAR_ALL:
		for (int i = 0; i < pl->channels; i++) {
			struct pb_pneu *ci = &pl->pneu[i];
			struct pb_sensor *si = &pl->sensor[i];
			ci->leak_ml_min = 0.0;
			ci->fill_ml_s = 0.0;
			ci->valve_stuck = false;
			ci->occluded = false;
			si->extra_offset_mmhg = 0.0;
			si->drift_mmhg_min = 0.0;
			si->drift_mmhg = 0.0;
			si->stuck = si->open = si->shorted = false;
			si->plug_ms = 0.0;
		}
		pl->motor.stalled = pl->motor.open = false;
		pl->batt.sag_v = 0.0;
		return PB_PLANT_OK;
	case PB_FLT_LEAK:
		if (value < 0)
			return PB_PLANT_E_VALUE;
		c->leak_ml_min = value;
		return PB_PLANT_OK;
	case PB_FLT_VALVE_STUCK:
		if ((rc = flag(value, &b)) == 0)
			c->valve_stuck = b;
		return rc;
	case PB_FLT_MOTOR_STALL:
		if ((rc = flag(value, &b)) == 0)
			pl->motor.stalled = b;
		return rc;
	case PB_FLT_MOTOR_OPEN:
		if ((rc = flag(value, &b)) == 0)
			pl->motor.open = b;
		return rc;
	case PB_FLT_SENSOR_OFFSET:
		s->extra_offset_mmhg = value / 10.0;
		return PB_PLANT_OK;
	case PB_FLT_SENSOR_STUCK:
		if ((rc = flag(value, &b)) == 0)
			pb_sensor_set_stuck(s, b);
		return rc;
	case PB_FLT_SENSOR_OPEN:
		if ((rc = flag(value, &b)) == 0)
			s->open = b;
		return rc;
	case PB_FLT_SENSOR_SHORT:
		if ((rc = flag(value, &b)) == 0)
			s->shorted = b;
		return rc;
	case PB_FLT_BATTERY_SAG:
		if (value < 0)
			return PB_PLANT_E_VALUE;
		pl->batt.sag_v = value / 1000.0;
		return PB_PLANT_OK;
	case PB_FLT_CONTAINER_FILL:
		if (value < 0)
			return PB_PLANT_E_VALUE;
		c->fill_ml_s = value / 1000.0;
		return PB_PLANT_OK;
	case PB_FLT_OCCLUSION:
		if ((rc = flag(value, &b)) == 0) {
			/* the small pump-side volume starts at the
			 * channel's present vacuum */
			c->occluded = b;
		}
		return rc;
	case PB_FLT_BACKFLOW:
		/* milk at the sensor port, 0.1 mL: a liquid plug whose lag
		 * grows with the amount */
		if (value < 0 || value > 200)
			return PB_PLANT_E_VALUE;
		s->plug_ms = value / 10.0 * PB_PLANT_PLUG_MS_PER_ML;
		return PB_PLANT_OK;
	case PB_FLT_SENSOR_DRIFT:
		s->drift_mmhg_min = value / 10.0;
		return PB_PLANT_OK;
	default:
		return PB_PLANT_E_FAULT;
	}
}

int pb_plant_set_inject(struct pb_plant *pl, int ch, bool enable,
    double volts)
{
	if (ch < 0 || ch >= pl->channels)
		return PB_PLANT_E_CHANNEL;
	if (!isfinite(volts))
		return PB_PLANT_E_VALUE;
	pl->sensor[ch].inject = enable;
	pl->sensor[ch].inject_v = volts;
	return PB_PLANT_OK;
}

const char *pb_plant_strerror(int err)
{
	switch (err) {
	case PB_PLANT_OK: return "ok";
	case PB_PLANT_E_PROFILE: return "profile values unusable for the plant";
	case PB_PLANT_E_FAULT: return "unknown fault id";
	case PB_PLANT_E_CHANNEL: return "channel out of range";
	case PB_PLANT_E_VALUE: return "fault value out of range";
	case PB_PLANT_E_SENSOR: return "[sensor] low_v/high_v must lie "
	    "outside the sensor's output range (0.1 to 0.9 x supply_v), or a "
	    "healthy sensor reads as open or shorted";
	default: return "unknown plant error";
	}
}
