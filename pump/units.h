/*
 * pump/units.h - pressure units, converted only at the edges.
 *
 * Promise: pure conversions.  The internal and wire unit of vacuum is the
 * integer 0.1 mmHg ("dmmHg"), positive meaning vacuum.  Display and file
 * edges convert to mmHg, kPa or cmH2O with the exact factors
 * (1 mmHg = 133.322387415 Pa, 1 cmH2O = 98.0665 Pa).
 */
#ifndef PB_PUMP_UNITS_H
#define PB_PUMP_UNITS_H

#include <stdint.h>

#define PB_PA_PER_MMHG   133.322387415
#define PB_PA_PER_CMH2O  98.0665

enum pb_unit { PB_UNIT_MMHG = 0, PB_UNIT_KPA = 1, PB_UNIT_CMH2O = 2 };

double pb_dmmhg_to(int32_t dmmhg, enum pb_unit u);   /* -> unit */
int32_t pb_dmmhg_from(double value, enum pb_unit u); /* unit -> dmmHg, rounded */
double pb_mmhg_to(double mmhg, enum pb_unit u);
double pb_to_mmhg(double value, enum pb_unit u);
const char *pb_unit_name(enum pb_unit u);            /* "mmHg", "kPa", "cmH2O" */
/* Parse "mmhg", "kpa", "cmh2o" (any case). Returns 0 or -1. */
int pb_unit_parse(const char *s, enum pb_unit *u);
/* Decimals worth showing for the unit (mmHg 0, kPa 2, cmH2O 0). */
int pb_unit_decimals(enum pb_unit u);

#endif
