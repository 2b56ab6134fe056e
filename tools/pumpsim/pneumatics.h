/*
 * tools/pumpsim/pneumatics.h - the air side of one pump channel.
 *
 * Promise: a pure, deterministic model advanced by a fixed step.  One
 * channel is an isothermal volume of air (the dead volume: breast shield,
 * tubing, container head space) at vacuum P below atmosphere.  With
 * Pa = Patm - P the absolute pressure and V the air volume, the amount of
 * air n = Pa*V/Patm (mL at atmosphere) obeys
 *     dn/dt = -Qm*Pa/Patm + Ql + Qv
 * where Qm is the motor's volumetric inflow at the channel's pressure
 * (mL/s, from the motor model), Ql = L/60 * P/100 the leak (L in mL/min at
 * 100 mmHg: healthy base leak plus injected leak), and Qv = Gv*P the
 * release valve when open, with Gv = V0/(tau*Patm) so that the vacuum of
 * the nominal dead volume V0 decays with time constant tau.  The container
 * filling shrinks V at the fill rate down to min_volume_ml (it also
 * compresses the air: dV/dt enters through d(Pa*V)).  Occlusion (tube
 * blocked between the shield and the pump/sensor) leaves only
 * occluded_volume_ml on the pump side.  Breast tissue drawn into the
 * shield takes volume from the air: it follows C*P with the time
 * constant tissue_ms (C, mL/mmHg, is set per cycle by the caller: tissue
 * compliance varies from cycle to cycle), so a pull moves it in, a hold
 * sees it creep and a release lets it out.
 * Vacuum is clamped to [0, Patm).
 * Units: mmHg (vacuum magnitude), mL, seconds.
 */
#ifndef PB_PUMPSIM_PNEUMATICS_H
#define PB_PUMPSIM_PNEUMATICS_H

#include <stdbool.h>

#define PB_PATM_MMHG 760.0    /* standard atmosphere */

struct pb_pneu_params {
	double dead_volume_ml;      /* V0, empty container */
	double min_volume_ml;       /* air left when the container is full */
	double occluded_volume_ml;  /* volume seen when occluded */
	double valve_tau_ms;        /* release time constant at V0 */
	double base_leak_ml_min;    /* healthy leak at 100 mmHg */
	double tissue_ms;           /* tissue time constant (0: instant) */
};

struct pb_pneu {
	struct pb_pneu_params p;
	double vac_mmhg;            /* state: vacuum of the pump-side volume */
	double volume_ml;           /* state: air volume (container side) */
	double tissue_ml;           /* state: tissue drawn into the shield */
	double tissue_c;            /* tissue compliance, mL/mmHg (caller) */
	/* faults */
	double leak_ml_min;         /* injected extra leak at 100 mmHg */
	double fill_ml_s;           /* container fill rate */
	bool   valve_stuck;         /* release valve stuck closed */
	bool   occluded;
};

void pb_pneu_init(struct pb_pneu *c, const struct pb_pneu_params *p);
/* Advance by dt_s with motor volumetric inflow qm_ml_s (>= 0, at the
 * channel's own pressure) and the valve command. */
void pb_pneu_step(struct pb_pneu *c, double dt_s, double qm_ml_s,
    bool valve_open);
/* The air volume the pump currently evacuates (occluded or not). */
double pb_pneu_effective_volume(const struct pb_pneu *c);
/* Valve conductance Gv in mL/s per mmHg (of atmospheric air). */
double pb_pneu_valve_conductance(const struct pb_pneu_params *p);

#endif
