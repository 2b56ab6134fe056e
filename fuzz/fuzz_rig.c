/*
 * fuzz/fuzz_rig.c - libFuzzer target for the rig file parser.
 *
 * Any bytes: pb_rig_parse() returns a status and, on failure, a message
 * starting with the file name; it never crashes, never reads past the
 * input, and a rig it accepts is consistent (pins in range and unique).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hil/rig.h"

static void check_rig(const struct pb_rig *r)
{
	int seen[PB_RIG_NPINS] = { 0 };
	const struct pb_rig_pin *pins[5 + 2 * PB_MAX_CH];
	int n = 0;
	pins[n++] = &r->dac.cs;
	pins[n++] = &r->adc.cs;
	pins[n++] = &r->power;
	pins[n++] = &r->motor;
	pins[n++] = &r->alarm;
	for (int c = 0; c < r->channels; c++) {
		pins[n++] = &r->ch[c].inject;
		pins[n++] = &r->ch[c].valve;
	}
	for (int i = 0; i < n; i++) {
		int p = pins[i]->pin;
		if (p == PB_RIG_PIN_NONE)
			continue;
		if (p <= PB_RIG_PIN_DI || p >= PB_RIG_NPINS || seen[p]++)
			__builtin_trap();
	}
	if (r->channels < 1 || r->channels > PB_MAX_CH)
		__builtin_trap();
	if (r->name[sizeof(r->name) - 1] != '\0')
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_rig r;
	char err[256];
	int rc = pb_rig_parse(&r, (const char *)data, size, "fuzz.ini", err,
	    sizeof(err));
	if (rc == PB_RIG_OK)
		check_rig(&r);
	else if (strncmp(err, "fuzz.ini", 8) != 0)
		__builtin_trap();
	return 0;
}
