/*
 * fuzz/fuzz_control.c - pumpsim's control-socket language and --fault
 * specs on arbitrary bytes.
 *
 * Input: the bytes of one control line, also taken (NUL-terminated) as a
 * --fault NAME=VALUE[@CH] spec.  Checked (trap on failure): nothing
 * crashes or reads past the input; a parsed command has a known op, a
 * channel in 0..PB_MAX_CH-1, finite volts in 0..10 and a known fault id;
 * an error always comes with a message.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/pumpsim/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_control_cmd c;
	char err[160];
	/* the line, exactly the fuzzer's bytes (no NUL) */
	char *line = malloc(size ? size : 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	err[0] = '\0';
	if (pb_control_parse(line, size, &c, err, sizeof err) == 0) {
		if (c.op < PB_CTL_FAULT || c.op > PB_CTL_HELP)
			__builtin_trap();
		if (c.channel < 0 || c.channel >= PB_MAX_CH)
			__builtin_trap();
		if (!isfinite(c.volts) || c.volts < 0 || c.volts > 10)
			__builtin_trap();
		if (c.op == PB_CTL_FAULT && strcmp(pb_fault_name(c.fault), "?") == 0)
			__builtin_trap();
	} else if (err[0] == '\0') {
		__builtin_trap();
	}
	free(line);

	char spec[128];
	size_t n = size < sizeof spec - 1 ? size : sizeof spec - 1;
	memcpy(spec, data, n);
	spec[n] = '\0';
	int fault = -1, ch = -1;
	int32_t value;
	err[0] = '\0';
	if (pb_control_parse_fault_spec(spec, &fault, &value, &ch, err,
	    sizeof err) == 0) {
		if (strcmp(pb_fault_name(fault), "?") == 0 || ch < 0 ||
		    ch >= PB_MAX_CH)
			__builtin_trap();
	} else if (err[0] == '\0') {
		__builtin_trap();
	}
	return 0;
}
