/*
 * tools/pumpsim/defect.h - names of the defect switches.
 *
 * Promise: the functions pb_defect_name() and pb_defect_parse() declared in
 * emulator.h are implemented in defect.c: a fixed table mapping each
 * enum pb_defect bit to a kebab-case name ("no-overpressure-trip").
 * pb_defect_parse_list() adds comma-separated names to a mask.
 */
#ifndef PB_PUMPSIM_DEFECT_H
#define PB_PUMPSIM_DEFECT_H

#include "tools/pumpsim/emulator.h"

/* Parse "a,b,c" into *mask (ORed in). Returns 0, or -1 naming the bad
 * entry's offset in *bad_at. */
int pb_defect_parse_list(const char *list, unsigned *mask, size_t *bad_at);
/* Number of defect switches. */
unsigned pb_defect_count(void);

#endif
