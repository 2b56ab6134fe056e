/*
 * tools/pumpsim/battery.h - the supply: a Li-ion cell or a mains adapter.
 *
 * Promise: a pure, deterministic model advanced by a fixed step.  A cell's
 * open-circuit voltage is linear in state of charge between empty_v and
 * full_v; charge drains with the load current (motor + idle electronics):
 *     Vterm = Voc(soc) - I * Rint - sag
 * A mains adapter keeps Voc = nominal_v and never drains.  sag is the
 * injected extra drop (an aged cell, a weak adapter).
 */
#ifndef PB_PUMPSIM_BATTERY_H
#define PB_PUMPSIM_BATTERY_H

#include <stdbool.h>

struct pb_batt_params {
	bool   mains;
	double nominal_v;          /* adapter voltage / cell nominal */
	double internal_ohm;
	double full_v, empty_v;    /* cell open-circuit voltage range */
	double capacity_mah;
	double initial_soc;        /* 0..1 */
	double idle_ma;            /* electronics, always drawn */
};

struct pb_battery {
	struct pb_batt_params p;
	double soc;                /* state of charge 0..1 */
	double sag_v;              /* fault: extra drop */
	double v_term;             /* output of the last step */
	double load_ma;            /* last load */
};

void   pb_batt_init(struct pb_battery *b, const struct pb_batt_params *p);
/* Advance by dt_s with the motor current; updates v_term. */
void   pb_batt_step(struct pb_battery *b, double dt_s, double motor_ma);
double pb_batt_ocv(const struct pb_battery *b);

#endif
