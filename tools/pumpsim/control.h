/*
 * tools/pumpsim/control.h - pumpsim's run-time control language (the
 * --control unix socket) and the fault names shared with --fault.
 *
 * Promise: pb_control_parse() is a pure parser of one text line from
 * outside; any bytes give either a command or an error message, never a
 * crash.  pb_control_exec() applies a parsed command to an emulator and
 * writes a one-line reply ("ok ..." or "error: ...").  Commands
 * (docs/pumpsim.md, "Control socket"):
 *
 *   fault NAME VALUE [CH]     inject a fault (names below), CH default 0
 *   fault clear               clear every fault
 *   power on|off              the DUT power pin
 *   inject CH on VOLTS        inject-enable relay on, sensor input volts
 *   inject CH off             relay off
 *   status                    one line of state
 *   help                      the command list
 *
 * Fault names (enum pb_fault): clear, leak, valve-stuck, motor-stall,
 * motor-open, sensor-offset, sensor-stuck, sensor-open, sensor-short,
 * battery-sag, container-fill, occlusion, sensor-drift ('_' may stand
 * for '-').
 */
#ifndef PB_PUMPSIM_CONTROL_H
#define PB_PUMPSIM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tools/pumpsim/emulator.h"

#define PB_CONTROL_LINE_MAX 256

enum pb_control_op {
	PB_CTL_FAULT = 1,
	PB_CTL_POWER,
	PB_CTL_INJECT,
	PB_CTL_STATUS,
	PB_CTL_HELP
};

struct pb_control_cmd {
	int     op;          /* enum pb_control_op */
	int     fault;       /* enum pb_fault */
	int     channel;
	int32_t value;
	bool    on;          /* power / inject relay */
	double  volts;       /* inject */
};

/* Fault name <-> id. parse returns 0 or -1. */
int pb_fault_parse(const char *name, size_t n, int *fault);
const char *pb_fault_name(int fault);   /* "?" when unknown */

/* Parse "NAME=VALUE[@CH]" (the --fault option). Returns 0, or -1 with a
 * reason in err. */
int pb_control_parse_fault_spec(const char *spec, int *fault, int32_t *value,
    int *channel, char *err, size_t errlen);

/* Parse one line (n bytes, no NUL needed; a trailing CR/LF is ignored).
 * Returns 0, or -1 with a reason in err. */
int pb_control_parse(const char *line, size_t n, struct pb_control_cmd *c,
    char *err, size_t errlen);

/* Apply a command; reply is one line without a newline. Returns 0 when
 * the reply is "ok ...", -1 for "error: ...". */
int pb_control_exec(struct pb_emu *e, const struct pb_control_cmd *c,
    char *reply, size_t cap);

/* Parse and apply one line. */
int pb_control_line(struct pb_emu *e, const char *line, size_t n,
    char *reply, size_t cap);

#endif
