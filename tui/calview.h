/*
 * tui/calview.h - the pure parts of the dashboard's calibration screen.
 *
 * Promise: no ncurses, no I/O, no clock (time comes in as microseconds).
 * - The reading input line: which keys it takes (digits, one '.', a
 *   leading '-', Backspace, Enter), and the check of a typed reference
 *   reading (a number in mmHg, within [-20, 1000]; a reading far from the
 *   held target - more than max(30 mmHg, 15 %) - asks for a second Enter).
 * - A stability meter: max - min of a channel's reading over a window.
 * - The station's text line: the operator ID or the unit serial, typed
 *   or scanned (a barcode scanner types the line and Enter): printable
 *   ASCII only, bounded, Backspace, Enter submits, Esc cancels.
 * - The default certificate prefix `cal-<serial>-<yyyymmddThhmmss>`
 *   (serial reduced to [A-Za-z0-9_-]).
 * - The screen's content as styled text lines from a snapshot
 *   (struct pb_calview_state): steps, current point and target, live
 *   reading, raw counts and stability per channel, prompt and input,
 *   table of points (raw, reference, residual once fitted), verification,
 *   verdict and reason, certificate paths, the stored calibration read
 *   back after the run, the station (operator, gauge, records store)
 *   and the unit's calibration history from the records, and the keys.  Each line has a priority so a
 *   small terminal drops the least important lines first
 *   (pb_calview_fit()).
 */
#ifndef PB_TUI_CALVIEW_H
#define PB_TUI_CALVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cal/procedure.h"
#include "pump/profile.h"
#include "store/store.h"

/* ---- input line ---------------------------------------------------------- */

#define PB_CALVIEW_INPUT_MAX 10     /* characters the operator may type */

struct pb_calview_input {
	char   buf[PB_CALVIEW_INPUT_MAX + 1];
	size_t len;
};

enum pb_calview_in {
	PB_CVI_NONE = 0,   /* key not for the input line */
	PB_CVI_EDIT,       /* the line changed */
	PB_CVI_REJECT,     /* a key the line does not take (why says which) */
	PB_CVI_SUBMIT      /* Enter */
};

void pb_calview_input_clear(struct pb_calview_input *in);
/* key: a pb_key code (ASCII; 8, 127 or PB_KEY_BACKSPACE erase; '\r' or
 * '\n' submit).  why (may be NULL) gets a message on REJECT. */
enum pb_calview_in pb_calview_input_key(struct pb_calview_input *in, int key,
    char *why, size_t whylen);

enum pb_calview_check {
	PB_CVC_OK = 0,
	PB_CVC_BAD = -1,      /* not a number, or out of range: why says */
	PB_CVC_CONFIRM = 1    /* plausible only by mistake: ask again */
};
/* Parse a typed reading (mmHg) and check it against the target being
 * held.  Writes the value to *mmhg when OK or CONFIRM. */
enum pb_calview_check pb_calview_check_reading(const char *text,
    double target_mmhg, double *mmhg, char *why, size_t whylen);

/* ---- the station's text line --------------------------------------------- */

#define PB_CALVIEW_TEXT_MAX 63      /* an operator ID; a serial is 15 */

struct pb_calview_text {
	char   buf[PB_CALVIEW_TEXT_MAX + 1];
	size_t len;
};

/* key: printable ASCII is added (up to PB_CALVIEW_TEXT_MAX), 8, 127 or
 * PB_KEY_BACKSPACE erase, '\r' or '\n' submit; anything else is NONE
 * (the caller decides: Esc cancels).  REJECT when the line is full. */
enum pb_calview_in pb_calview_text_key(struct pb_calview_text *t, int key);

/* ---- stability ------------------------------------------------------------ */

#define PB_CALVIEW_STAB_CAP 256

struct pb_calview_stab {
	uint64_t t[PB_CALVIEW_STAB_CAP];
	double   v[PB_CALVIEW_STAB_CAP];
	unsigned head, n;
};

void pb_calview_stab_reset(struct pb_calview_stab *s);
void pb_calview_stab_push(struct pb_calview_stab *s, uint64_t now_us,
    double v);
/* max - min over the last window_us; NAN until the readings span 90 % of
 * the window. */
double pb_calview_stab_span(const struct pb_calview_stab *s, uint64_t now_us,
    uint64_t window_us);

/* ---- certificate names ------------------------------------------------------ */

/* "cal-<serial>-<yyyymmddThhmmss>" from a serial (PB_STR_LEN field, not
 * necessarily NUL-terminated) and a broken-down time. */
void pb_calview_cert_prefix(const char *serial, size_t serial_len,
    const struct tm *tm, char *buf, size_t n);

/* ---- the screen as text ------------------------------------------------------ */

enum pb_calview_phase {
	PB_CVP_INTRO = 0,     /* open, not started */
	PB_CVP_RUNNING,
	PB_CVP_FINISHED
};

enum pb_calview_style {
	PB_CVS_NORMAL = 0,
	PB_CVS_TITLE,         /* section heading */
	PB_CVS_DIM,
	PB_CVS_GOOD,
	PB_CVS_BAD,
	PB_CVS_WARN,
	PB_CVS_INPUT          /* the prompt and what is typed */
};

#define PB_CALVIEW_LINE 200

struct pb_calview_line {
	char text[PB_CALVIEW_LINE];
	enum pb_calview_style style;
	int  prio;            /* 0 = always; higher = dropped first */
};

struct pb_calview_state {
	enum pb_calview_phase phase;
	/* identity */
	const char *serial;            /* "" when unknown */
	const char *firmware;
	const char *profile_id;
	uint32_t    device_cal_id;
	const char *station;
	const char *key_path;          /* NULL: no --key */
	const char *key_problem;       /* why the key is unusable, or NULL */
	const char *cert_prefix;       /* what the next certificate is named */
	const char *blocker;           /* why the procedure cannot start now */
	bool        ask_stop;          /* "the pump is running: stop it? y/n" */
	const struct pb_profile *prof; /* may be NULL */

	/* progress (RUNNING and FINISHED) */
	enum pb_cal_stage stage;
	int      point, npoints;       /* point -1: none (pb_cal_progress) */
	double   target_mmhg;
	bool     verifying;
	int      vpoint;               /* verify point index when verifying */
	double   elapsed_s;            /* since the start */
	enum pb_cal_stage furthest;    /* the furthest stage reached before
	                                  VENT (for the step marks) */
	const struct pb_cal_result *res;   /* NULL before the start */
	bool     aborting;             /* Esc pressed, restoring and venting */
	bool     quit_after;           /* q pressed: quit when finished */

	/* live */
	int      channels;
	bool     have_live;
	double   reading[PB_MAX_CH];   /* device's calibrated reading, mmHg */
	unsigned raw[PB_MAX_CH];       /* raw ADC counts */
	double   span[PB_MAX_CH];      /* stability span over 1 s (NAN: n/a) */
	double   stable_mmhg;          /* the profile's stability limit */

	/* operator input */
	bool     prompting;
	const char *prompt;
	const char *input;
	bool     confirm;              /* Enter again to accept */

	/* message (rejected input, errors) */
	const char *message;
	bool     message_bad;

	/* the station (issue 13) */
	const char *operator_id;       /* "" until given */
	const char *gauge;             /* "ID, due YYYY-MM-DD" or NULL */
	const char *records;           /* the store, or NULL */
	const char *records_problem;   /* why it is unusable, or NULL */
	const char *asking;            /* the station's question, or NULL */
	const char *asking_text;       /* what is typed so far */
	/* the unit's calibration history (oldest first), from the store */
	const struct pb_store_cal_line *hist;
	int      nhist, hist_total;    /* shown, in all */
	const char *hist_serial;

	/* after the run */
	int      ncerts;
	const char *cert_path[3];
	const char *cert_error;        /* "" or NULL when all written */
	bool     have_stored;          /* read back after the run */
	bool     stored_valid[PB_MAX_CH];
	struct pb_cal stored[PB_MAX_CH];
	bool     stored_pending;       /* being read */
};

/* Render the whole screen into out[max]; returns the number of lines.
 * width is the usable text width (lines are cut to it). */
int pb_calview_render(const struct pb_calview_state *v,
    struct pb_calview_line *out, int max, int width);
/* Keep lines whose priority fits rows (dropping the highest priority
 * numbers first, order kept); returns the new count (<= rows). */
int pb_calview_fit(struct pb_calview_line *lines, int n, int rows);

/* The step list with marks: "[x] done", "[>] current", "[ ] to do",
 * after a failure "[!]" where it stopped and "[-]" skipped (ASCII), as
 * one string, from v's stage, furthest stage, points and result. */
void pb_calview_steps(const struct pb_calview_state *v, char *buf, size_t n);

#endif
