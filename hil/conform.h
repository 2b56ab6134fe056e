/*
 * hil/conform.h - `pumphil conform`: the protocol conformance suite a
 * firmware team runs against its own device (a USB serial adapter, its
 * QEMU build, its HIL rig).
 *
 * Promise: every rule of docs/protocol.md that a host can observe is
 * checked from the wire alone (hil/conform-wire.h, written from the page,
 * not from proto/), and each rule becomes one case of a struct pb_report
 * (so `--junit` and `--json` come from hil/report.c) whose message names
 * the section it comes from ("docs/protocol.md 7.3: ...").  The suite
 * never changes the device's stored calibration or serial unless
 * allow_writes is set: WRITE_CAL and WRITE_SERIAL are only sent while
 * factory mode is locked, with invalid fields or with the values the
 * device itself reported, so even a device that wrongly accepted them
 * would store what it already had.  It does run the pump (START at a low
 * level, CAL_HOLD at a quarter of max_target) and vents it after each
 * step; at the end it stops the pump and restores mode, level, channels
 * and sample rate.  The lock-out rule runs last: afterwards the device
 * refuses factory access for the time it has chosen.
 *
 * Time: all timing goes through io->now() and io->wait(), so the same
 * suite runs on a port in wall time and on the simulated rig in lock-step
 * virtual time (tests run every defect switch that way).
 */
#ifndef PB_HIL_CONFORM_H
#define PB_HIL_CONFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hil/report.h"
#include "proto/link.h"

/* The device's byte stream and a clock. */
struct pb_conform_io {
	struct pb_link *link;                /* non-blocking */
	void *ctx;
	uint64_t (*now)(void *ctx);          /* microseconds, monotonic */
	/* Let time pass up to until_us; may return early when bytes may be
	 * waiting.  0, or < 0 when interrupted or the link failed. */
	int (*wait)(void *ctx, uint64_t until_us);
};

struct pb_conform_opts {
	bool allow_writes;                   /* also write calibration/serial
	                                        (needs key): the same values */
	const uint8_t *key;                  /* factory station key, or NULL */
	size_t key_len;
	const char *only;                    /* comma-separated rule ids */
	uint64_t answer_wait_us;             /* a command unanswered this long
	                                        fails; 0: 2 s (slow links, e.g.
	                                        9600 baud, need more) */
	/* a line per finished rule (may be NULL) */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
};

struct pb_conform_rule {
	const char *id;                      /* "watchdog" */
	const char *section;                 /* "7.3" */
	const char *title;                   /* one line */
};
/* The rules in the order they run. */
size_t pb_conform_rules(const struct pb_conform_rule **out);

enum pb_conform_err {
	PB_CONFORM_OK = 0,
	PB_CONFORM_E_ARG = -1,               /* unknown rule in only */
	PB_CONFORM_E_IO = -2,                /* the link failed */
	PB_CONFORM_E_INTERRUPTED = -3
};

/* Run the suite; every rule becomes a case in rep (which the caller has
 * initialised).  Returns PB_CONFORM_OK when the suite ran to its end,
 * whatever the verdicts, else a PB_CONFORM_E_* code with a message in
 * err (the cases run so far are in rep; the rest are ERROR or SKIPPED). */
int pb_conform_run(const struct pb_conform_io *io,
    const struct pb_conform_opts *o, struct pb_report *rep, char *err,
    size_t errlen);

/* `pumphil conform ...` (hil/conform-cmd.c): returns the exit status
 * (0 all passed, 1 a rule failed, 2 usage, 3 the port or rig failed,
 * 4 interrupted). */
int pb_conform_cmd(int argc, char **argv);

#endif
