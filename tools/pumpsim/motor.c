/*
 * tools/pumpsim/motor.c - diaphragm pump motor: speed lag, flow, current.
 */
#include "tools/pumpsim/motor.h"

#include <math.h>

void pb_motor_init(struct pb_motor *m, const struct pb_motor_params *p)
{
	m->p = *p;
	m->speed = 0.0;
	m->current_ma = 0.0;
	m->stalled = false;
	m->open = false;
}

void pb_motor_step(struct pb_motor *m, double dt_s, double duty,
    double supply_v, double load_vac_mmhg)
{
	if (!(duty > 0.0))
		duty = 0.0;
	if (duty > 1.0)
		duty = 1.0;
	if (!(supply_v > 0.0))
		supply_v = 0.0;
	double vfrac = m->p.nominal_v > 0.0 ? supply_v / m->p.nominal_v : 0.0;
	double target = (m->stalled || m->open) ? 0.0 : duty * vfrac;
	if (m->stalled) {
		m->speed = 0.0;
	} else {
		double tau = m->p.tau_ms / 1000.0;
		if (tau <= dt_s)
			m->speed = target;
		else
			m->speed += (target - m->speed) * (1.0 - exp(-dt_s / tau));
	}

	double load = m->p.stall_vacuum_mmhg > 0.0
	    ? load_vac_mmhg / m->p.stall_vacuum_mmhg : 0.0;
	if (load < 0.0)
		load = 0.0;
	if (load > 1.0)
		load = 1.0;
	if (m->open)
		m->current_ma = 0.0;
	else if (m->stalled)
		m->current_ma = duty * vfrac * m->p.locked_ma;
	else
		m->current_ma = duty * vfrac * (m->p.noload_ma +
		    (m->p.load_ma - m->p.noload_ma) * load);
}

double pb_motor_flow_ml_s(const struct pb_motor *m, double vac_mmhg,
    int n_connected)
{
	if (n_connected <= 0 || m->stalled || m->open)
		return 0.0;
	double f = 1.0 - vac_mmhg / m->p.stall_vacuum_mmhg;
	if (f < 0.0)
		f = 0.0;
	return m->p.free_flow_lpm * 1000.0 / 60.0 * m->speed * f /
	    n_connected;
}
