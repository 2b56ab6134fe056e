/*
 * tools/pumpsim/motor.h - the diaphragm pump motor (shared by all channels).
 *
 * Promise: a pure, deterministic model advanced by a fixed step.  The
 * normalised speed s follows its target u = duty * Vsupply / Vnominal with
 * a first-order time constant (spin-up and spin-down).  Free flow scales
 * with speed and falls linearly with vacuum to zero at the stall vacuum:
 *     Q(P) = Qfree * s * max(0, 1 - P/Pstall) / n_connected   (mL/s)
 * per connected channel (double pumping splits the flow).  Current (mA,
 * PWM average) of a turning motor is
 *     I = duty * Vsupply/Vnominal * (I0 + (Iload - I0) * P/Pstall)
 * with P the mean vacuum of the connected channels; a stalled rotor draws
 * I = duty * Vsupply/Vnominal * Ilocked and moves no air; an open circuit
 * draws nothing and moves no air.
 */
#ifndef PB_PUMPSIM_MOTOR_H
#define PB_PUMPSIM_MOTOR_H

#include <stdbool.h>

struct pb_motor_params {
	double free_flow_lpm;      /* at 0 vacuum, nominal voltage, duty 1 */
	double stall_vacuum_mmhg;  /* flow falls to 0 here */
	double nominal_v;          /* supply at which free flow is rated */
	double noload_ma;          /* current at duty 1, 0 vacuum */
	double load_ma;            /* current at duty 1, stall vacuum */
	double locked_ma;          /* current at duty 1 with a locked rotor */
	double tau_ms;             /* speed time constant */
};

struct pb_motor {
	struct pb_motor_params p;
	double speed;              /* state, normalised (1 = rated) */
	double current_ma;         /* output of the last step */
	bool   stalled;            /* fault: locked rotor */
	bool   open;               /* fault: open circuit */
};

void pb_motor_init(struct pb_motor *m, const struct pb_motor_params *p);
/* Advance by dt_s; load_vac_mmhg is the mean vacuum the pump works on. */
void pb_motor_step(struct pb_motor *m, double dt_s, double duty,
    double supply_v, double load_vac_mmhg);
/* Volumetric flow into one of n_connected channels at vacuum vac (mL/s). */
double pb_motor_flow_ml_s(const struct pb_motor *m, double vac_mmhg,
    int n_connected);

#endif
