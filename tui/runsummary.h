/*
 * tui/runsummary.h - the summary of a headless run as JSON
 * (pumpbench --headless --summary json).
 *
 * Promise: pure: everything comes in through struct pb_runsummary and
 * goes out into a bounded buffer (store/sbuf.h), so the summary is
 * always valid UTF-8 JSON of bounded size, whatever a pump called
 * itself.  One object: the result and exit status (which always agree
 * with the process's own), the device, the counts of the link, the
 * script's steps, the alarms, the recording, and per channel (ch1, ch2)
 * the cycles against the profile: verdict counts and, per mode and
 * level, min / mean / max of peak, trough, rate, time to target and hold
 * decay with the profile's expectation.  Vacuum is in mmHg whatever the
 * display unit; a value that does not exist is null.  The fields are
 * listed in docs/dashboard.md.
 */
#ifndef PB_TUI_RUNSUMMARY_H
#define PB_TUI_RUNSUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"
#include "store/sbuf.h"
#include "tui/cyclesum.h"

#define PB_RUNSUMMARY_MAX_BYTES (256u << 10)

struct pb_runsummary {
	const char *tool_version;
	const char *result;            /* pb_headless_result() */
	int         exit_code;
	const char *reason;            /* why it failed, or NULL */
	const char *port;
	bool        replay;
	const struct pb_device_info *info;   /* NULL: no HELLO answer */
	const char *profile;           /* the profile judged against, or NULL */
	double      run_s;
	uint64_t    samples, lost, frames, crc_errors;
	uint32_t    link_losses;
	size_t      steps_total, steps_done;
	const char *step_failed;       /* "level 9: device says LIMIT" or NULL */
	uint64_t    alarms_raised;
	const char *first_alarm;       /* its name, or NULL */
	uint64_t    markers;
	const char *record;            /* the recording's path, or NULL */
	int         channels;
	const struct pb_cyclesum *cycles;
};

/* Write the JSON object (and a newline) into B. */
void pb_runsummary_json(struct pb_sbuf *b, const struct pb_runsummary *r);

#endif
