/*
 * tools/pumpsim/battery.c - Li-ion cell or mains adapter with internal
 * resistance.
 */
#include "tools/pumpsim/battery.h"

void pb_batt_init(struct pb_battery *b, const struct pb_batt_params *p)
{
	b->p = *p;
	b->soc = p->initial_soc;
	if (b->soc < 0.0)
		b->soc = 0.0;
	if (b->soc > 1.0)
		b->soc = 1.0;
	b->sag_v = 0.0;
	b->load_ma = p->idle_ma;
	b->v_term = pb_batt_ocv(b) - b->load_ma / 1000.0 * p->internal_ohm;
}

double pb_batt_ocv(const struct pb_battery *b)
{
	if (b->p.mains)
		return b->p.nominal_v;
	return b->p.empty_v + (b->p.full_v - b->p.empty_v) * b->soc;
}

void pb_batt_step(struct pb_battery *b, double dt_s, double motor_ma)
{
	double i_ma = b->p.idle_ma + (motor_ma > 0.0 ? motor_ma : 0.0);
	b->load_ma = i_ma;
	if (!b->p.mains && b->p.capacity_mah > 0.0) {
		b->soc -= i_ma * dt_s / 3600.0 / b->p.capacity_mah;
		if (b->soc < 0.0)
			b->soc = 0.0;
	}
	double v = pb_batt_ocv(b) - i_ma / 1000.0 * b->p.internal_ohm -
	    b->sag_v;
	b->v_term = v > 0.0 ? v : 0.0;
}
