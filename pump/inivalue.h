/*
 * pump/inivalue.h - values of the INI files pumpbench reads (pump profiles,
 * HIL rigs), which libinih hands over as strings.
 *
 * Promise: pure.  Surrounding white space is ignored and the whole value
 * must parse, so "12 mmHg" or "1e400" is refused, never half-read.
 * Doubles must be finite; integers are base 10; booleans are
 * yes/no, true/false, on/off, 1/0 in any case.  Each returns true and
 * stores the value, or returns false and leaves *out alone.
 */
#ifndef PB_PUMP_INIVALUE_H
#define PB_PUMP_INIVALUE_H

#include <stdbool.h>

bool pb_ini_double(const char *v, double *out);
bool pb_ini_long(const char *v, long *out);
bool pb_ini_bool(const char *v, bool *out);

#endif
