/*
 * tui/headless.h - when a headless run (pumpbench --headless) does what,
 * and how it ends.
 *
 * Promise: pure: no I/O, no clock; time comes in as an argument.  The
 * edge (tui/main.c) services the session, tells pb_headless_tick() what
 * it sees (the pump answered HELLO, the link is up, alarms raised so
 * far, a signal), carries out the script steps it is handed, and stops
 * when an end is set.  So the plan of a run and every way it can end
 * are decided here and tested without a pump.
 *
 * Clock: the run's time starts when the pump first answers HELLO.  Script
 * steps (tui/script.h) are due at their time from there; --duration S
 * ends the run S seconds after it, and so does a script's `end` step
 * (the first of the two).  Steps that fall due while the link is down
 * wait until it is back, then run in order.  A bring-up run (--text) has
 * no HELLO and no steps: the edge says it is identified and its link up
 * from the start, and it ends at --duration or, with until_ended, when
 * its input ends (--text -).
 *
 * Ends, each with its exit status (docs/dashboard.md, pumpbench --help):
 *   0  done: the duration or the script's end was reached
 *   1  a failure the edge finds at the end: interrupted by a signal, no
 *      telemetry, a recording that failed, a replay with no sample
 *   3  no answer to HELLO within the HELLO timeout (--hello-timeout)
 *   4  the link stayed lost longer than the limit (--link-timeout)
 *   5  an alarm was raised (unless --allow-alarms)
 *   6  a step could not be carried out: the pump refused it or did not
 *      answer, or it is beyond the device's levels or the profile's
 *      vacuum limit
 * The first end wins; a failure at the end (exit 1) only replaces 0.
 */
#ifndef PB_TUI_HEADLESS_H
#define PB_TUI_HEADLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tui/script.h"

enum pb_hl_end {
	PB_HL_RUNNING = 0,
	PB_HL_DONE,           /* duration or `end` reached */
	PB_HL_NO_HELLO,
	PB_HL_LINK_LOST,
	PB_HL_ALARM,
	PB_HL_STEP_FAILED,
	PB_HL_SIGNAL,
	/* found by the edge when the run is over */
	PB_HL_NO_TELEMETRY,
	PB_HL_RECORD_FAILED,
	PB_HL_NO_SAMPLE       /* a replay without a usable sample */
};

#define PB_HL_EXIT_NO_HELLO    3
#define PB_HL_EXIT_LINK_LOST   4
#define PB_HL_EXIT_ALARM       5
#define PB_HL_EXIT_STEP_FAILED 6

#define PB_HL_HELLO_TIMEOUT_US 5000000u   /* defaults */
#define PB_HL_LINK_TIMEOUT_US  5000000u

struct pb_headless_opts {
	uint64_t duration_us;       /* 0: until the script's end */
	uint64_t hello_timeout_us;
	uint64_t link_timeout_us;
	bool     allow_alarms;
	bool     until_ended;       /* no duration: run until the input ends */
	const struct pb_script *script;   /* may be NULL */
};

/* What the edge sees, at each tick. */
struct pb_headless_in {
	bool     identified;        /* the pump has answered HELLO */
	bool     link_up;
	uint64_t alarms_raised;     /* alarms raised since the start, ever */
	bool     signal;            /* SIGINT, SIGTERM, SIGHUP */
	bool     ended;             /* the input ended (--text -): done */
};

struct pb_headless {
	struct pb_headless_opts o;
	uint64_t start_us;          /* the session was opened */
	bool     hello;
	uint64_t hello_us;          /* the run's time 0 */
	bool     link_down;
	uint64_t down_since_us;
	size_t   next;              /* next script step */
	enum pb_hl_end end;
	uint64_t end_us;
};

void pb_headless_init(struct pb_headless *h,
    const struct pb_headless_opts *o, uint64_t start_us);
/* One look at the run at NOW_US: sets h->end when the run is over, and
 * returns the script steps to carry out now as [*from, *to) (none once
 * the run has ended).  The caller runs them in order and reports a step
 * that failed with pb_headless_step_failed(). */
void pb_headless_tick(struct pb_headless *h, const struct pb_headless_in *in,
    uint64_t now_us, size_t *from, size_t *to);
void pb_headless_step_failed(struct pb_headless *h, uint64_t now_us);
/* When the next tick is needed at the latest (a step, the duration,
 * a timeout); UINT64_MAX when nothing is pending. */
uint64_t pb_headless_deadline(const struct pb_headless *h, uint64_t now_us);
/* Seconds of the run so far (0 before HELLO). */
double   pb_headless_elapsed_s(const struct pb_headless *h, uint64_t now_us);

/* The exit status of an end, and its name in the summary ("ok",
 * "no_hello", "link_lost", "alarm", "step_failed", "interrupted",
 * "no_telemetry", "record_failed", "no_sample"). */
int         pb_headless_exit(enum pb_hl_end e);
const char *pb_headless_result(enum pb_hl_end e);

#endif
