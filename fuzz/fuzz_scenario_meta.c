/*
 * fuzz/fuzz_scenario_meta.c - the scenario metadata parser on arbitrary
 * bytes.
 *
 * Input: the whole input is the text of a scenario file
 * (pb_scenario_parse_meta, what the runner reads before it prepares the rig).
 * Checked (trap on failure): the return is PB_SCENARIO_OK or
 * PB_SCENARIO_E_META; an error comes with a NUL-terminated
 * "fuzz.lua:LINE: message" whose line lies within the input; a success gives NUL-terminated fields, a known
 * defect switch (or none), requires "", "sim" or "ftdi", and a timeout of
 * 0 or in (0, 86400].
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hil/scenario.h"
#include "tools/pumpsim/emulator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_string(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_scenario_meta m;
	char err[256];
	memset(err, 'X', sizeof err);
	int rc = pb_scenario_parse_meta((const char *)data, size, "fuzz.lua",
	    &m, err, sizeof err);
	if (rc == PB_SCENARIO_E_META) {
		must_be_string(err, sizeof err);
		if (strncmp(err, "fuzz.lua:", 9) != 0)
			__builtin_trap();
		long line = strtol(err + 9, NULL, 10);
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (line < 1 || (size_t)line > lines)
			__builtin_trap();
		return 0;
	}
	if (rc != PB_SCENARIO_OK)
		__builtin_trap();
	must_be_string(m.name, sizeof m.name);
	must_be_string(m.profile, sizeof m.profile);
	must_be_string(m.defect, sizeof m.defect);
	must_be_string(m.requires, sizeof m.requires);
	must_be_string(m.description, sizeof m.description);
	unsigned bit;
	if (m.defect[0] && pb_defect_parse(m.defect, &bit) != 0)
		__builtin_trap();
	if (m.requires[0] && strcmp(m.requires, "sim") != 0 &&
	    strcmp(m.requires, "ftdi") != 0)
		__builtin_trap();
	if (m.timeout_s != 0 && !(m.timeout_s > 0 && m.timeout_s <= 86400))
		__builtin_trap();
	return 0;
}
