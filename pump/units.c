/*
 * pump/units.c - pressure unit conversions, see units.h.
 */
#include "pump/units.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

/* Pascals per one of each unit, by enum pb_unit. */
static double pa_per(enum pb_unit u)
{
	switch (u) {
	case PB_UNIT_KPA: return 1000.0;
	case PB_UNIT_CMH2O: return PB_PA_PER_CMH2O;
	case PB_UNIT_MMHG: break;
	}
	return PB_PA_PER_MMHG;
}

double pb_mmhg_to(double mmhg, enum pb_unit u)
{
	if (u == PB_UNIT_MMHG)
		return mmhg;
	return mmhg * PB_PA_PER_MMHG / pa_per(u);
}

double pb_to_mmhg(double value, enum pb_unit u)
{
	if (u == PB_UNIT_MMHG)
		return value;
	return value * pa_per(u) / PB_PA_PER_MMHG;
}

double pb_dmmhg_to(int32_t dmmhg, enum pb_unit u)
{
	return pb_mmhg_to(dmmhg / 10.0, u);
}

/* Rounded half away from zero; saturates at the int32 range; NaN -> 0. */
int32_t pb_dmmhg_from(double value, enum pb_unit u)
{
	double d = pb_to_mmhg(value, u) * 10.0;

	if (isnan(d))
		return 0;
	d = round(d);
	if (d >= (double)INT32_MAX)
		return INT32_MAX;
	if (d <= (double)INT32_MIN)
		return INT32_MIN;
	return (int32_t)d;
}

const char *pb_unit_name(enum pb_unit u)
{
	switch (u) {
	case PB_UNIT_KPA: return "kPa";
	case PB_UNIT_CMH2O: return "cmH2O";
	case PB_UNIT_MMHG: break;
	}
	return "mmHg";
}

int pb_unit_parse(const char *s, enum pb_unit *u)
{
	if (s == NULL || u == NULL)
		return -1;
	if (strcasecmp(s, "mmhg") == 0)
		*u = PB_UNIT_MMHG;
	else if (strcasecmp(s, "kpa") == 0)
		*u = PB_UNIT_KPA;
	else if (strcasecmp(s, "cmh2o") == 0)
		*u = PB_UNIT_CMH2O;
	else
		return -1;
	return 0;
}

int pb_unit_decimals(enum pb_unit u)
{
	return u == PB_UNIT_KPA ? 2 : 0;
}
