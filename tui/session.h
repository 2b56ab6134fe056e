/*
 * tui/session.h - the dashboard's connection edge and data plumbing.
 *
 * Promise: one session is one pump link: a real port (pb_link_open by
 * path: USB adapter, /dev/serial/by-id link, or any tty), or an emulator
 * started as a child process (`pumpsim --profile P --link PATH`, found
 * next to our own executable, then on PATH; its pty path is read from the
 * first line of its stdout), or a recording (--replay).  It drives a
 * pb_client from the caller's poll() loop (never blocks in service), sends
 * HELLO on every link-up, and feeds everything that arrives into the
 * zoomable history, the per-cycle statistics, the recorder (when on) and
 * the UI state (tui/app.h).  Lost samples and link-down time become gaps
 * in the history and G rows in the recording.
 *
 * Profiles: the user's --profile (or --sim PROFILE) may be a path and
 * must load; the id a pump reports in HELLO, or a recording in its
 * header, is only ever looked up by name (pb_profile_find_id), and when
 * it is unknown the session says so and runs on without statistics
 * against a spec.  The emulator child is tui/simchild.c; indices go onto
 * the session's time axis through tui/indexmap.c.
 *
 * Recording: the first recording named by --record is created or
 * truncated as asked; later ones (`r` again) and the default
 * time-stamped names are new files (NAME-2.csv, ...), never overwriting.
 *
 * Reconnection: the client reopens the port by path once a second after
 * it is gone.  Under --sim, an emulator that died is restarted on the same
 * --link path only after the loss has been shown (1.5 s after link-down),
 * so the user sees the LINK LOST banner and then the reconnection.
 *
 * Bring-up text mode (--text PATH, or "-" with the fd to read): the
 * device prints lines of numbers instead of speaking the protocol
 * (tui/textline.h parses them, tui/textfeed.h puts them on the time
 * axis at 1 kHz).  The samples go into the same history, cycle
 * statistics (the waveform's cycles: there is no phase) and recording
 * as telemetry does; nothing is ever sent, so there are no commands.
 * Malformed lines are counted; the first PB_SES_MAX_WARNINGS become
 * warnings ("PORT:LINE: why (column C)").  A port that goes away is
 * reopened once a second; the end of "-" ends the input (ended).
 *
 * Time: every call takes now_us from the caller's monotonic clock (the
 * edge reads CLOCK_MONOTONIC); wall-clock time is only read for the
 * recording's start stamp.
 */
#ifndef PB_TUI_SESSION_H
#define PB_TUI_SESSION_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "proto/client.h"
#include "pump/profile.h"
#include "tui/app.h"
#include "tui/cycles.h"
#include "tui/cyclesum.h"
#include "tui/history.h"
#include "tui/recorder.h"
#include "tui/textfeed.h"
#include "tui/textline.h"

enum pb_session_err {
	PB_SES_OK = 0,
	PB_SES_E_ARG = -1,
	PB_SES_E_SPAWN = -2,     /* pumpsim not found / failed to start */
	PB_SES_E_PORT = -3,      /* the port could not be opened */
	PB_SES_E_RECORD = -4,    /* the recording could not be opened */
	PB_SES_E_REPLAY = -5,    /* the replay file could not be read */
	PB_SES_E_NOMEM = -6,
	PB_SES_E_PROFILE = -7    /* the user's --profile could not be loaded */
};

struct pb_session_opts {
	const char *sim_profile;   /* --sim PROFILE (non-NULL selects it) */
	const char *pumpsim;       /* explicit pumpsim path (NULL: search) */
	const char *port;          /* --port PATH */
	int         baud;          /* --baud (0: default) */
	int         flow;          /* --flow: enum pb_flow (none, rtscts) */
	const char *replay;        /* --replay FILE */
	const char *text;          /* --text PATH or "-": bring-up mode */
	int         text_fd;       /* --text -: the fd to read */
	bool        text_time;     /* --text-time: first value is device ms */
	enum pb_unit text_unit;    /* --text-unit: the device's numbers */
	const char *profile;       /* --profile P: expectations for --port */
	const char *record;        /* --record FILE: record from the start */
	enum pb_unit units;        /* recording unit */
	const char *factory_key;   /* --sim: pumpsim --factory-key FILE */
	const char *const *sim_args;  /* --sim: more pumpsim arguments */
	int         nsim_args;
	/* a recording closed (the r key, the end of the session): its path,
	 * so the dashboard can enter it in the factory records */
	void (*recorded)(void *ctx, const char *path, uint64_t now_us);
	void       *recorded_ctx;
};

/* Counters for the link panel and the headless summary. */
struct pb_session_counts {
	uint64_t samples;          /* samples per channel received */
	uint64_t lost;             /* samples per channel lost (gaps) */
	uint64_t batches;
	uint64_t markers;
	uint32_t sim_restarts;
	uint32_t link_losses;
	uint32_t cmds_sent;        /* device commands asked for (keys, script) */
	uint32_t cmds_failed;      /* refused by the pump, or unanswered */
	double   frames_per_s;     /* over the last second */
	/* replay */
	uint64_t skipped_lines;    /* bad lines (and a cut last line) */
	uint64_t discontinuities;  /* sample indices that went back */
	uint64_t warnings_more;    /* warnings past PB_SES_MAX_WARNINGS */
};

#define PB_SES_MAX_WARNINGS 10     /* warnings kept; the rest counted */
#define PB_SES_WARNING_LEN  240

#define PB_SES_MAX_MARKERS 256

struct pb_session;

/* Open per opts; app receives state updates.  On failure returns < 0
 * with a one-line message in err naming the port, file or program: a
 * --profile that does not load, a --record FILE that cannot be written
 * (pb_rec_check_path: missing directory, no permission, a FIFO) and a
 * recording to replay that cannot be opened fail here, before any pump
 * is touched.  A replay is read whole here: its bad lines become
 * warnings, and a file without a single usable sample still opens
 * (counts.samples is 0: the caller decides). */
int  pb_session_open(struct pb_session **out,
    const struct pb_session_opts *o, struct pb_app *app, uint64_t now_us,
    char *err, size_t errlen);
/* Stop the emulator child (if any), close the recording and the link. */
void pb_session_close(struct pb_session *s, uint64_t now_us);

/* The fds to poll (at most max entries); returns how many. */
int  pb_session_pollfds(struct pb_session *s, struct pollfd *fds, int max);
/* Service after poll (or a timeout): read, write, timers, restarts. */
int  pb_session_service(struct pb_session *s, uint64_t now_us);
/* Earliest time service must run again. */
uint64_t pb_session_next_deadline(const struct pb_session *s,
    uint64_t now_us);
/* True (once) when new data arrived since the last call. */
bool pb_session_take_dirty(struct pb_session *s);

/* Carry out a key's effect: device command, marker, recording toggle.
 * Quitting with a stop command waits for the stop (up to ~1 s). */
void pb_session_apply(struct pb_session *s, const struct pb_app_effect *e,
    uint64_t now_us);
/* Start or stop recording (path NULL: a timestamped name). */
int  pb_session_record(struct pb_session *s, const char *path, bool on,
    uint64_t now_us);

/* Data for the screen. */
const struct pb_history *pb_session_history(const struct pb_session *s);
const struct pb_cycles *pb_session_cycles(const struct pb_session *s);
/* Every completed cycle of the session, per channel and setting. */
const struct pb_cyclesum *pb_session_cyclesum(const struct pb_session *s);
/* The first device command (a key's, a script's) the pump refused or
 * did not answer, as "level 9: device says LIMIT"; NULL when none did
 * (counts.cmds_failed counts them all). */
const char *pb_session_cmd_error(const struct pb_session *s);
/* A command as a script writes it: "start", "mode expression",
 * "level 5", "double". */
const char *pb_session_cmd_text(enum pb_cmd_kind k, int value, char *buf,
    size_t n);
const struct pb_profile *pb_session_profile(const struct pb_session *s);
const struct pb_client_stats *pb_session_client_stats(
    const struct pb_session *s);
const struct pb_session_counts *pb_session_counts(const struct pb_session *s);
/* The device's own counters (DEVICE_STATS, asked every 2 s once HELLO is
 * answered); NULL before the first answer or from a device without the
 * command. */
const struct pb_device_stats *pb_session_device_stats(
    const struct pb_session *s);
const struct pb_recorder *pb_session_recorder(const struct pb_session *s);
/* Port shown in the link panel ("pty /dev/pts/3 (pumpsim s10pro)"). */
const char *pb_session_port(const struct pb_session *s);
/* History index where session time 0:00 is, and marker indices. */
uint64_t pb_session_start_index(const struct pb_session *s);
size_t   pb_session_markers(const struct pb_session *s,
    const uint64_t **idx);
/* The label of marker i ("" when it has none; a replay's as its file
 * has it, escaped).  A marker dropped with `k` is written to the
 * recording when its label is given (Enter or Esc at the prompt), at
 * the sample index and device time of the k press. */
const char *pb_session_marker_label(const struct pb_session *s, size_t i);
/* The last device log line or session message ("" when none). */
const char *pb_session_last_log(const struct pb_session *s);
/* pid of the emulator child (0 when none). */
pid_t    pb_session_sim_pid(const struct pb_session *s);
bool     pb_session_is_replay(const struct pb_session *s);
const char *pb_session_strerror(int err);
/* True once the pump has answered HELLO (never for a replay). */
bool     pb_session_identified(const struct pb_session *s);
/* Why a recording failed or is not whole ("run.csv: write: No space
 * left on device (12 rows dropped)"), or NULL when none did.  The
 * recording of --record is checked at open; a failure to create it when
 * the pump answers, to write it or to close it whole lands here. */
const char *pb_session_record_error(const struct pb_session *s);
/* Problems with the input, in order, escaped, one line each: every bad
 * line of a replayed recording as "FILE:LINE: message" (the first
 * PB_SES_MAX_WARNINGS; counts.warnings_more counts the rest), a
 * discontinuity, a missing or disagreeing "# end:" line, a profile id
 * from the pump or the recording that is not found. */
size_t   pb_session_warnings(const struct pb_session *s);
const char *pb_session_warning(const struct pb_session *s, size_t i);

/* Bring-up text mode's state for the screen and the summary. */
struct pb_session_text {
	const struct pb_textline_counts *lines;
	const struct pb_textfeed_counts *feed;
	const char *name[PB_TEXTFEED_CH];  /* "" when unnamed */
	int         channels;     /* channels that had a value */
	const char *last_bad;     /* "line 12: not a number (column 4)" */
	bool        ended;        /* "-": the input ended */
	bool        port_up;      /* a port: open (else reopening) */
};
/* False (out untouched) unless the session is in text mode. */
bool pb_session_text(const struct pb_session *s, struct pb_session_text *out);
/* Text mode: hand on the sample of the last line now (before the
 * recording closes; pb_session_close does it too).  A no-op otherwise. */
void pb_session_text_flush(struct pb_session *s, uint64_t now_us);

/* Any command through the session's client, for the calibration screen:
 * its completion goes to the listener's done (not to the UI state), and
 * every telemetry batch (after the first HELLO answer) to its telemetry.
 * pb_session_send returns the txn (> 0), or a negative PB_CLIENT_E_* (then
 * done is not called); PB_CLIENT_E_LINK without a pump (replay). */
struct pb_session_listener {
	void *ctx;
	void (*done)(void *ctx, int status, const struct pb_response *resp,
	    uint64_t now_us);
	void (*telemetry)(void *ctx, const struct pb_telemetry *t,
	    uint64_t now_us);
};
void pb_session_set_listener(struct pb_session *s,
    const struct pb_session_listener *l);
int  pb_session_send(struct pb_session *s, const struct pb_msg *m,
    uint64_t now_us);

#endif
