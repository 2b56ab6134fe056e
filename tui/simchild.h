/*
 * tui/simchild.h - the emulator (pumpsim) as a child process of the
 * dashboard, for --sim.
 *
 * Promise: starts `pumpsim --profile P --link PATH [--factory-key FILE]
 * [ARGS...]` in its own process group (no terminal signals reach it),
 * with PR_SET_PDEATHSIG so that it dies with the dashboard, stdin from
 * /dev/null and stdout/stderr on pipes; waits (at most 5 s) for the pty
 * path on the first line of its stdout.  Afterwards the pipes are
 * non-blocking: the caller polls them and drains them (the last line of
 * stderr is kept for the link panel), and reaps the child without
 * blocking.  Stopping sends SIGTERM, then SIGKILL after 1 s.  No policy:
 * when to restart is the session's decision (tui/session.c).
 */
#ifndef PB_TUI_SIMCHILD_H
#define PB_TUI_SIMCHILD_H

#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pb_simchild_opts {
	const char *prog;          /* the pumpsim executable */
	const char *profile;       /* --profile */
	const char *link_path;     /* --link (a stable symlink to the pty) */
	const char *factory_key;   /* --factory-key (NULL: none) */
	const char *const *args;   /* more arguments */
	int         nargs;
};

#define PB_SIMCHILD_MAX_ARGS 64

struct pb_simchild {
	pid_t pid;                 /* 0: not running (or reaped) */
	int   out, err;            /* pipes from the child, -1 when closed */
	char  pty[PATH_MAX];       /* the pty path it announced */
};

/* A child that is not running: pid 0, no pipes. */
void pb_simchild_init(struct pb_simchild *c);
/* Start it and wait for its pty path (c->pty).  On failure returns -1
 * with a one-line message naming the program in err, and nothing is
 * left running. */
int  pb_simchild_start(struct pb_simchild *c,
    const struct pb_simchild_opts *o, char *err, size_t errlen);
/* SIGTERM, up to 1 s, then SIGKILL; reaps it and closes the pipes. */
void pb_simchild_stop(struct pb_simchild *c);
/* Close the pipes only (after the child was reaped). */
void pb_simchild_close_pipes(struct pb_simchild *c);
/* The pipes to poll (at most max); returns how many. */
int  pb_simchild_pollfds(const struct pb_simchild *c, struct pollfd *fds,
    int max);
/* Read what the pipes hold without blocking; the last non-empty stderr
 * line read (if any) goes into line and true is returned. */
bool pb_simchild_drain(struct pb_simchild *c, char *line, size_t n);
/* Reap without blocking: true once the child has ended, with how
 * ("pumpsim exited with status 1", "pumpsim killed by signal 9") in
 * why; pid is 0 afterwards. */
bool pb_simchild_reap(struct pb_simchild *c, char *why, size_t n);
/* Find the pumpsim executable: next to /proc/self/exe, then on PATH.
 * Writes the path into buf; 0 or -1 when there is none. */
int  pb_simchild_find(char *buf, size_t n);

#endif
