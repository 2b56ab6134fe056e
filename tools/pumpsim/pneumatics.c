/*
 * tools/pumpsim/pneumatics.c - isothermal air volume of one channel.
 */
#include "tools/pumpsim/pneumatics.h"

#include <math.h>

void pb_pneu_init(struct pb_pneu *c, const struct pb_pneu_params *p)
{
	c->p = *p;
	c->vac_mmhg = 0.0;
	c->volume_ml = p->dead_volume_ml;
	c->tissue_ml = 0.0;
	c->tissue_c = 0.0;
	c->leak_ml_min = 0.0;
	c->fill_ml_s = 0.0;
	c->valve_stuck = false;
	c->occluded = false;
}

double pb_pneu_valve_conductance(const struct pb_pneu_params *p)
{
	double tau_s = p->valve_tau_ms / 1000.0;
	if (tau_s <= 0.0)
		tau_s = 1e-3;
	return p->dead_volume_ml / (tau_s * PB_PATM_MMHG);
}

double pb_pneu_effective_volume(const struct pb_pneu *c)
{
	return c->occluded ? c->p.occluded_volume_ml : c->volume_ml - c->tissue_ml;
}

void pb_pneu_step(struct pb_pneu *c, double dt_s, double qm_ml_s,
    bool valve_open)
{
	double P = c->vac_mmhg;
	double pa = PB_PATM_MMHG - P;
	double v_old = pb_pneu_effective_volume(c);

	/* container filling: liquid displaces air (not while occluded: the
	 * pump side is cut off from the container) */
	if (c->fill_ml_s > 0.0) {
		c->volume_ml -= c->fill_ml_s * dt_s;
		if (c->volume_ml < c->p.min_volume_ml)
			c->volume_ml = c->p.min_volume_ml;
	}
	/* tissue follows C*P with its time constant (shield side, so not
	 * seen by an occluded pump side) */
	double t_eq = c->tissue_c > 0.0 ? c->tissue_c * P : 0.0;
	if (c->p.tissue_ms > 0.0)
		c->tissue_ml += (t_eq - c->tissue_ml) *
		    (1.0 - exp(-dt_s * 1000.0 / c->p.tissue_ms));
	else
		c->tissue_ml = t_eq;
	double v_new = pb_pneu_effective_volume(c);
	if (c->occluded)
		v_old = v_new;

	double leak = (c->p.base_leak_ml_min + c->leak_ml_min) / 60.0 *
	    (P / 100.0);
	double valve = (valve_open && !c->valve_stuck)
	    ? pb_pneu_valve_conductance(&c->p) * P : 0.0;
	/* n = pa*V/Patm, in mL of atmospheric air */
	double n = pa * v_old / PB_PATM_MMHG;
	double dn = (-qm_ml_s * pa / PB_PATM_MMHG + leak + valve) * dt_s;
	double n2 = n + dn;
	if (n2 < 0.0)
		n2 = 0.0;
	double pa2 = n2 * PB_PATM_MMHG / v_new;
	/* explicit Euler: stable while dt << V/(Gv*Patm) (the valve time
	 * constant at the smallest volume, 2.4 ms for a 1.5 mL occluded tube
	 * at 40 ms/25 mL); the clamp below keeps the state physical */
	double vac = PB_PATM_MMHG - pa2;
	if (vac < 0.0)
		vac = 0.0;
	if (vac > PB_PATM_MMHG - 1.0)
		vac = PB_PATM_MMHG - 1.0;
	if (!isfinite(vac))
		vac = 0.0;
	c->vac_mmhg = vac;
}
