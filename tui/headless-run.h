/*
 * tui/headless-run.h - pumpbench --headless: a run without a screen, from
 * the session's first frame to its summary and exit status.
 *
 * Promise: the edge of a headless run, around the pure plan of
 * tui/headless.h.  It services the session (poll, the monotonic clock),
 * tells pb_headless_tick() what it sees, carries out the script steps it
 * is handed (with the keys' checks, pb_app_command), leaves a pump the run
 * drove stopped (the stop waited for), closes the recording, prints the
 * summary line (or the JSON summary, tui/runsummary.h) and, for a run
 * that did not work, the reason on stderr; and it returns the exit status
 * the summary names.  One loop for every headless run: a pump (--sim,
 * --port), a replay (nothing to wait for: its summary) and bring-up mode
 * (--text: no HELLO and no steps; until --duration or the end of its
 * input; a port that goes away is reopened meanwhile).
 */
#ifndef PB_TUI_HEADLESS_RUN_H
#define PB_TUI_HEADLESS_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "tui/app.h"
#include "tui/script.h"
#include "tui/session.h"

struct pb_headless_run_opts {
	double duration;            /* s from HELLO (--text: the start); 0: none */
	double hello_timeout;       /* s; 0: the default (tui/headless.h) */
	double link_timeout;        /* s; 0: the default */
	bool   allow_alarms;
	bool   summary_json;        /* the JSON summary instead of the line */
	bool   quiet;               /* -q: no summary line (JSON stays) */
	bool   text;                /* bring-up mode (--text) */
	/* as the user named them, for the messages (escaped when printed) */
	const char *port, *replay, *record;
	const volatile sig_atomic_t *stop;   /* set by a signal: interrupted */
};

/* Runs the session SES (open, its app APP) headless with the steps of SC
 * (tui/script.h; options' steps at time 0 included) and returns the exit
 * status (0, 1, 3-6: tui/headless.h).  The session stays open. */
int pb_headless_run(struct pb_session *ses, struct pb_app *app,
    const struct pb_headless_run_opts *o, const struct pb_script *sc);

/* The session's warnings (bad lines of a replay, an unknown profile) on
 * stderr, at most PB_SES_MAX_WARNINGS and the rest counted. */
void pb_headless_run_warnings(const struct pb_session *ses);

/* poll()'s timeout in ms until DEADLINE (us; 0 when passed), at most 1 s
 * so that signals and the clock are looked at again (the dashboard's
 * loop uses it too). */
int  pb_headless_run_poll_ms(uint64_t deadline, uint64_t now);

#endif
