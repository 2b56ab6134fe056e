/*
 * tools/pumpsim/sensor.c - ratiometric pressure sensor with unit errors,
 * lag, noise, faults and a 12-bit (profile) ADC.
 */
#include "tools/pumpsim/sensor.h"

#include <math.h>
#include <string.h>

static double span(const struct pb_sensor_params *p)
{
	double s = p->max_mmhg - p->min_mmhg;
	return s > 0.0 ? s : 1.0;
}

static double full_counts(const struct pb_sensor_params *p)
{
	int bits = p->adc_bits > 0 && p->adc_bits <= 16 ? p->adc_bits : 12;
	return (double)((1u << bits) - 1u);
}

double pb_sensor_nominal_volts(const struct pb_sensor_params *p,
    double vac_mmhg)
{
	return p->supply_v * (PB_SENSOR_LO_FRAC + (PB_SENSOR_HI_FRAC -
	    PB_SENSOR_LO_FRAC) * (vac_mmhg - p->min_mmhg) / span(p));
}

uint16_t pb_sensor_volts_to_counts(const struct pb_sensor_params *p,
    double v)
{
	double fc = full_counts(p);
	if (!(p->supply_v > 0.0) || !isfinite(v))
		return 0;
	double c = floor(v / p->supply_v * fc + 0.5);
	if (c < 0.0)
		c = 0.0;
	if (c > fc)
		c = fc;
	return (uint16_t)c;
}

double pb_sensor_counts_to_volts(const struct pb_sensor_params *p,
    double counts)
{
	return counts / full_counts(p) * p->supply_v;
}

void pb_sensor_nominal_cal(const struct pb_sensor_params *p, int ch,
    struct pb_cal *cal)
{
	memset(cal, 0, sizeof(*cal));
	/* counts = fc * (lo + (hi - lo) * (P - min) / span), inverted */
	double sp = span(p), k = PB_SENSOR_HI_FRAC - PB_SENSOR_LO_FRAC;
	cal->channel = (uint8_t)ch;
	cal->order = 1;
	cal->c[0] = (float)(p->min_mmhg - PB_SENSOR_LO_FRAC * sp / k);
	cal->c[1] = (float)(sp / (k * full_counts(p)));
	cal->c[2] = 0.0f;
	cal->cal_id = 0;
	cal->date = 0;
	strncpy(cal->station, "nominal", sizeof(cal->station) - 1);
}

/* The unit's reading without noise: offset, gain, non-linearity. */
static double unit_reading(const struct pb_sensor_params *p, double pf)
{
	double sp = span(p);
	double x = (pf - p->min_mmhg) / sp;
	return p->offset_mmhg + pf * (1.0 + p->gain) +
	    4.0 * p->nonlin * sp * x * (1.0 - x);
}

double pb_sensor_unit_counts(const struct pb_sensor_params *p,
    double vac_mmhg)
{
	double v = pb_sensor_nominal_volts(p, unit_reading(p, vac_mmhg));
	if (v < 0.0)
		v = 0.0;
	if (v > p->supply_v)
		v = p->supply_v;
	int bits = p->adc_bits >= 8 && p->adc_bits <= 16 ? p->adc_bits : 12;
	return v / p->supply_v * (double)((1u << bits) - 1u);
}

void pb_sensor_init(struct pb_sensor *s, const struct pb_sensor_params *p,
    double vac_mmhg)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	s->pf_mmhg = vac_mmhg;
	s->port_mmhg = vac_mmhg;
	s->v_out = pb_sensor_nominal_volts(p, vac_mmhg);
	s->counts = pb_sensor_volts_to_counts(p, s->v_out);
}

void pb_sensor_set_stuck(struct pb_sensor *s, bool on)
{
	if (on && !s->stuck)
		s->stuck_v = s->v_out;
	s->stuck = on;
}

void pb_sensor_step(struct pb_sensor *s, double dt_s, double vac_mmhg,
    struct pb_rng *r)
{
	const struct pb_sensor_params *p = &s->p;
	/* a liquid plug in the port (backflow) lags the port behind the
	 * line; the sensor's own lag follows */
	if (s->plug_ms > 0.0)
		s->port_mmhg += (vac_mmhg - s->port_mmhg) *
		    (1.0 - exp(-dt_s * 1000.0 / s->plug_ms));
	else
		s->port_mmhg = vac_mmhg;
	double tau = p->lag_ms / 1000.0;
	if (tau <= 0.0)
		s->pf_mmhg = s->port_mmhg;
	else
		s->pf_mmhg += (s->port_mmhg - s->pf_mmhg) *
		    (1.0 - exp(-dt_s / tau));
	s->drift_mmhg += s->drift_mmhg_min * dt_s / 60.0;

	/* the noise draw happens every step, faulty or not, so the random
	 * stream does not depend on the fault history */
	double noise = p->noise_mmhg > 0.0 ? p->noise_mmhg * pb_rng_gauss(r)
	    : 0.0;
	double pm = unit_reading(p, s->pf_mmhg) + s->extra_offset_mmhg +
	    s->drift_mmhg + noise;
	double v = pb_sensor_nominal_volts(p, pm);
	if (v < 0.0)
		v = 0.0;
	if (v > p->supply_v)
		v = p->supply_v;
	if (s->stuck)
		v = s->stuck_v;
	if (s->open)
		v = p->open_v;
	if (s->shorted)
		v = p->short_v;
	if (s->inject)
		v = s->inject_v;
	s->v_out = v;
	s->counts = pb_sensor_volts_to_counts(p, v);
}
