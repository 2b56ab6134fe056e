/*
 * pump/profile-curve.c - the pure expectation functions of a profile (see
 * profile.h): the level curves, the mixed-mode rhythm and the pull time.
 *
 * Kept apart from the INI loader (profile.c) so that firmware, which gets
 * its profile compiled in (firmware/profile-gen), links no parser, no
 * libinih and no stdio.
 */
#include "pump/profile.h"

#include <math.h>
#include <stdbool.h>

#define ATM_MMHG 760.0

double pb_profile_pull_s(const struct pb_profile *p, double target_mmhg,
    int n_channels, double supply_v)
{
	double ps = p->stall_vacuum_mmhg;
	double s = p->batt_nominal_v > 0.0 ? supply_v / p->batt_nominal_v : 0.0;
	if (n_channels < 1)
		n_channels = 1;
	double q = p->free_flow_lpm * 1000.0 / 60.0 / n_channels * s;
	if (target_mmhg <= 0.0)
		return 0.0;
	if (!(q > 0.0) || !(ps > 0.0) || target_mmhg >= ps ||
	    target_mmhg >= ATM_MMHG)
		return INFINITY;
	/* V dPa/dt = -Q (1 - P/Ps) Pa, P = Patm - Pa:
	 * t = V Ps / Q * integral over Pa of dPa / (Pa (Pa + Ps - Patm)) */
	double k = p->dead_volume_ml * ps / q;
	double a = ps - ATM_MMHG;
	double x1 = ATM_MMHG - target_mmhg, x0 = ATM_MMHG;
	if (fabs(a) < 1e-9)
		return k * (1.0 / x1 - 1.0 / x0);
	return k / a * (log(x0 / (x0 + a)) - log(x1 / (x1 + a)));
}

/* ---- expectations --------------------------------------------------- */

static int clamp_level(const struct pb_profile *p, int level)
{
	if (level < 1)
		return 1;
	if (p->levels >= 1 && level > p->levels)
		return p->levels;
	return level;
}

static const struct pb_mode_curve *curve(const struct pb_profile *p,
    int mode)
{
	if (mode == 1 /* PB_MODE_STIMULATION */ && p->stim.present)
		return &p->stim;
	if (p->expr.present)
		return &p->expr;
	return &p->stim;
}

static double curve_peak(const struct pb_mode_curve *m, int level)
{
	return m->peak_base_mmhg + m->peak_step_mmhg * (level - 1);
}

double pb_profile_peak_mmhg(const struct pb_profile *p, int mode, int level)
{
	double v = curve_peak(curve(p, mode), clamp_level(p, level));
	if (p->max_target_mmhg > 0.0 && v > p->max_target_mmhg)
		v = p->max_target_mmhg;
	return v;
}

double pb_profile_max_target_mmhg(const struct pb_profile *p, int n_channels)
{
	if (n_channels >= 2 && p->max_target_double_mmhg > 0.0 &&
	    p->max_target_double_mmhg < p->max_target_mmhg)
		return p->max_target_double_mmhg;
	return p->max_target_mmhg;
}

double pb_profile_peak_n_mmhg(const struct pb_profile *p, int mode,
    int level, int n_channels)
{
	double v = pb_profile_peak_mmhg(p, mode, level);
	double m = pb_profile_max_target_mmhg(p, n_channels);
	return m > 0.0 && v > m ? m : v;
}

double pb_profile_curve_peak_mmhg(const struct pb_profile *p, int mode,
    int level)
{
	level = clamp_level(p, level);
	if (mode == 3 /* PB_MODE_MIXED */)
		return fmax(curve_peak(&p->stim, level),
		    curve_peak(&p->expr, level));
	return curve_peak(curve(p, mode), level);
}

double pb_profile_rate_cpm(const struct pb_profile *p, int mode, int level)
{
	const struct pb_mode_curve *m = curve(p, mode);
	level = clamp_level(p, level);
	if (p->levels <= 1)
		return m->rate_first_cpm;
	return m->rate_first_cpm + (m->rate_last_cpm - m->rate_first_cpm) *
	    (double)(level - 1) / (double)(p->levels - 1);
}

bool pb_profile_mixed_is_stim(const struct pb_profile *p, unsigned cycle)
{
	unsigned n = p->mixed_stim_cycles > 0 ? (unsigned)p->mixed_stim_cycles
	    : 0;
	unsigned m = p->mixed_expr_cycles > 0 ? (unsigned)p->mixed_expr_cycles
	    : 0;
	if (n + m == 0)
		return false;
	return cycle % (n + m) < n;
}

bool pb_profile_has_mode(const struct pb_profile *p, int mode)
{
	switch (mode) {
	case 1: return p->stim.present;
	case 2: return p->expr.present;
	case 3: return p->stim.present && p->expr.present &&
	    p->mixed_stim_cycles > 0 && p->mixed_expr_cycles > 0;
	default: return false;
	}
}
