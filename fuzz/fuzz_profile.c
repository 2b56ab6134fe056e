/*
 * fuzz/fuzz_profile.c - the pump profile parser on arbitrary bytes.
 *
 * Input: the whole input is an INI file (pb_profile_load_mem, the same
 * parser pb_profile_load uses).  Checked (trap on failure): the return is
 * 0 or one of the PB_PROFILE_E_* codes; an error always comes with a
 * NUL-terminated "name:LINE: message" naming a line between 0 and the
 * input's line count; a success gives a profile the emulator can use
 * (1..PB_MAX_CH channels, 1..32 levels, every level's target within the
 * software limit, trip above the limit, a known mode).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "pump/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_profile p;
	char err[256];
	memset(err, 'X', sizeof err);
	int rc = pb_profile_load_mem(&p, "fuzz", (const char *)data, size, err,
	    sizeof err);
	if (rc > 0 || rc < PB_PROFILE_E_MISSING)
		__builtin_trap();
	if (memchr(err, '\0', sizeof err) == NULL)
		__builtin_trap();
	if (rc < 0) {
		if (strncmp(err, "fuzz:", 5) != 0)
			__builtin_trap();
		long line = strtol(err + 5, NULL, 10);
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (line < 0 || (size_t)line > lines)
			__builtin_trap();
		return 0;
	}
	if (p.channels < 1 || p.channels > PB_MAX_CH || p.levels < 1 ||
	    p.levels > 32 || !(p.trip_abs_mmhg > p.max_target_mmhg))
		__builtin_trap();
	if (!pb_profile_has_mode(&p, PB_MODE_STIMULATION) &&
	    !pb_profile_has_mode(&p, PB_MODE_EXPRESSION))
		__builtin_trap();
	for (int m = PB_MODE_STIMULATION; m <= PB_MODE_EXPRESSION; m++)
		for (int l = 1; l <= p.levels; l++)
			if (pb_profile_peak_mmhg(&p, m, l) > p.max_target_mmhg ||
			    !(pb_profile_rate_cpm(&p, m, l) > 0))
				__builtin_trap();
	return 0;
}
