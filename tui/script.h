/*
 * tui/script.h - the timed steps of a headless run (pumpbench --script).
 *
 * Promise: pure.  A script is text, parsed here from memory into a list
 * of steps; when each step is due is a function of the time since the
 * pump answered HELLO and nothing else, so a run can be planned and
 * tested without a pump or a clock.  The reading of the file and the
 * carrying out of the steps are the caller's (tui/main.c).
 *
 * The format (docs/dashboard.md, "Scripted runs"), one step a line:
 *
 *     # a comment; blank lines are ignored
 *     0      mode expression
 *     0      level 3
 *     0.5    start
 *     +2.0   level 5          # "+S": S seconds after the step before
 *     10     marker let-down
 *     20.25  double
 *     30     stop
 *     31     end
 *
 * TIME is seconds, with at most 6 decimals and a '.' whatever the
 * locale, from 0 to 10 000 000; "+TIME" counts from the previous step.
 * Steps run in the order of the file and their times may not go back.
 * Actions:
 *     start | stop                   the pump
 *     mode stimulation|expression|mixed   (also stim, expr)
 *     level N                        1..PB_SCRIPT_MAX_LEVEL (the pump and
 *                                    the profile bound it further when the
 *                                    step runs)
 *     double | single                both channels, or channel 1 only
 *     marker [LABEL]                 a marker, with an optional label of
 *                                    at most PB_SCRIPT_LABEL_MAX bytes of
 *                                    printable UTF-8 (no '#', which starts
 *                                    a comment, no ',' or '"')
 *     clear                          clear latched alarms on the pump
 *     end                            the run ends here (no steps after it)
 * A '#' starts a comment anywhere on a line.  Lines end in LF or CR LF.
 *
 * Errors: the first bad line stops the parse with "NAME:LINE: what is
 * wrong" (NAME as the caller gives it, escaped; the line's text is
 * escaped before it is quoted), and the script is left empty.
 */
#ifndef PB_TUI_SCRIPT_H
#define PB_TUI_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_SCRIPT_MAX_BYTES   (1u << 20)  /* a script file is at most this */
#define PB_SCRIPT_MAX_STEPS   100000u
#define PB_SCRIPT_MAX_LINE    512         /* bytes of one line */
#define PB_SCRIPT_LABEL_MAX   63
#define PB_SCRIPT_MAX_LEVEL   15
#define PB_SCRIPT_MAX_US      10000000000000ull   /* 10 000 000 s */

enum pb_script_op {
	PB_SOP_START = 1,
	PB_SOP_STOP,
	PB_SOP_MODE,      /* value: enum pb_mode */
	PB_SOP_LEVEL,     /* value: 1..PB_SCRIPT_MAX_LEVEL */
	PB_SOP_DOUBLE,
	PB_SOP_SINGLE,
	PB_SOP_MARKER,    /* label: may be "" */
	PB_SOP_CLEAR,
	PB_SOP_END
};

struct pb_script_step {
	uint64_t at_us;          /* after the pump answered HELLO */
	enum pb_script_op op;
	int      value;
	unsigned line;           /* in the file; 0 for a command-line step */
	char     label[PB_SCRIPT_LABEL_MAX + 1];
};

struct pb_script {
	struct pb_script_step *steps;
	size_t n, cap;
	bool   has_end;          /* the last step is an `end` */
};

void pb_script_init(struct pb_script *s);
void pb_script_free(struct pb_script *s);

/* Parse TEXT (LEN bytes; NULs are refused) and append its steps after
 * those already in S (their times count on from the last one's).
 * Returns 0, or -1 with "NAME:LINE: message" in err and S as it was. */
int  pb_script_parse(struct pb_script *s, const char *name,
    const char *text, size_t len, char *err, size_t errlen);

/* Append one step (a command-line option: --start, --mode M, ...).
 * Returns 0, or -1 when it would go back in time, follows an `end`,
 * or memory or PB_SCRIPT_MAX_STEPS ran out. */
int  pb_script_add(struct pb_script *s, uint64_t at_us,
    enum pb_script_op op, int value, const char *label);

/* The steps due at ELAPSED_US, given that steps before NEXT have run:
 * returns the index one past the last due step (steps [NEXT, result)
 * are due now, in order). */
size_t pb_script_due(const struct pb_script *s, size_t next,
    uint64_t elapsed_us);
/* When step NEXT is due (UINT64_MAX when there is none). */
uint64_t pb_script_next_at(const struct pb_script *s, size_t next);

/* "mode expression", "level 5", "marker let-down": the step as the
 * script says it (for messages and the summary). */
const char *pb_script_describe(const struct pb_script_step *st, char *buf,
    size_t n);
const char *pb_script_op_name(enum pb_script_op op);

/* A mode's name as scripts and --mode write it: 0 when unknown. */
int  pb_script_mode_parse(const char *s);

#endif
