/*
 * tui/calscreen.h - the dashboard's calibration screen (the bench front
 * end of cal/procedure.h).
 *
 * Promise: drives one calibration procedure at a time from the dashboard's
 * poll loop, with time passed in; no ncurses (tui/screen.c draws what
 * pb_calscreen_view() describes, formatted by tui/calview.h).  Commands go
 * out through an injected send function (the session's pb_client, see
 * pb_session_send()) and their completions come back through
 * pb_calscreen_cmd_done(); telemetry comes in through
 * pb_calscreen_on_telemetry().  The only other edges: the station key file
 * (proto/station.h, read when the screen opens and at the start), the
 * certificate files (cal/certificate.h) and the wall clock, injected.
 *
 * Rules:
 * - The procedure does not start while the pump runs a session: Enter then
 *   asks "stop it and calibrate? y/n"; y stops the pump (effect stop_pump)
 *   and the run starts once telemetry shows the pump idle.
 * - It does not start without a usable station key (missing, unreadable,
 *   readable by group/others: the message says which), without a link and
 *   device info, in a replay, or without a profile with calibration points.
 * - While a run is in progress every key goes to this screen: digits, '.',
 *   Backspace and Enter edit and submit the reference reading; Esc aborts
 *   (pb_cal_abort: vent, old records written back); q aborts and asks the
 *   caller to quit once the abort has finished (pb_calscreen_quit_ready());
 *   anything else is refused with a message.
 * - Enter asks the station's questions first (issue 13): the operator ID
 *   (once per dashboard; --operator gives it), then the serial of the
 *   unit on the station, scanned (a barcode scanner types it and Enter,
 *   CR or LF or CR LF, the LF of a CR LF being the same Enter) or typed;
 *   it must be the serial the pump reports.  A unit that
 *   already passed (the records say so) is calibrated again only with a
 *   reason, which is recorded.  A reference gauge past its due date
 *   (--station-config) or a records store that cannot be used refuses
 *   the run, and nothing is sent to the pump.  Esc cancels a question.
 * - The run's record goes into the factory records store
 *   (store/calrec.h) as one more output: prepared before the pump is
 *   touched, stored at the RECORD step, the certificate names it.  The
 *   unit's calibration history from the records is shown on the screen.
 * - When the run ends, the certificate is written as PREFIX.json, .txt and
 *   .html (PREFIX from --cert, "-2", "-3"... for later runs of the same
 *   program; default cal-<serial>-<yyyymmddThhmmss>), and the stored
 *   calibration is read back (READ_CAL) and shown as new / unchanged.
 */
#ifndef PB_TUI_CALSCREEN_H
#define PB_TUI_CALSCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/msg.h"
#include "pump/profile.h"
#include "store/stationcfg.h"
#include "store/store.h"
#include "tui/app.h"
#include "tui/calview.h"

struct pb_calscreen_io {
	void *ctx;
	/* Send a command; > 0 (txn) when queued, whose completion must come
	 * back through pb_calscreen_cmd_done(); or a negative PB_CLIENT_E_*. */
	int (*send)(void *ctx, const struct pb_msg *m, uint64_t now_us);
	/* Wall clock, unix seconds (certificate date and default name).
	 * NULL: time(NULL). */
	int64_t (*wall)(void *ctx);
	/* The factory records store (opened on first use and kept by the
	 * caller); NULL with the reason in err when it cannot be used.  A
	 * NULL function: no store, so no calibration. */
	struct pb_store *(*store)(void *ctx, char *err, size_t errlen);
	void *store_ctx;
};

struct pb_calscreen_opts {
	const char *key_path;      /* --key FILE (NULL: none) */
	const char *station;       /* --station NAME (NULL: "bench") */
	const char *cert_prefix;   /* --cert PREFIX (NULL: default name) */
	const char *cert_dir;      /* directory of default names (NULL: ".") */
	const char *reference;     /* reference instrument in the certificate
	                              (NULL: "reference gauge, read by the
	                              operator") */
	const char *operator_id;   /* --operator (NULL: asked) */
	const struct pb_stationcfg *station_cfg;  /* --station-config: the
	                              reference gauge and its due date (may
	                              be NULL; kept by the caller) */
};

/* What a key asks the caller to do. */
struct pb_calscreen_effect {
	bool pass;        /* not for this screen: give it to pb_app_key() */
	bool close;       /* back to the dashboard */
	bool stop_pump;   /* send STOP (y to "stop it and calibrate?") */
	bool redraw;
};

struct pb_calscreen;

struct pb_calscreen *pb_calscreen_new(const struct pb_calscreen_opts *o,
    const struct pb_calscreen_io *io);
void pb_calscreen_free(struct pb_calscreen *c);

/* Check a key file now (the one-line check at start): 0, or -1 with
 * "FILE: reason" in err. */
int  pb_calscreen_check_key(const char *path, char *err, size_t errlen);

/* The screen was opened: re-read the key file, forget old messages. */
void pb_calscreen_open(struct pb_calscreen *c, uint64_t now_us);
/* A key while the screen is open. prof: the session's profile (may be
 * NULL). */
struct pb_calscreen_effect pb_calscreen_key(struct pb_calscreen *c,
    const struct pb_app *app, const struct pb_profile *prof, int key,
    uint64_t now_us);
/* Drive the procedure (send, prompt, finish); call every loop pass. */
void pb_calscreen_service(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now_us);
/* Earliest time service must run again. */
uint64_t pb_calscreen_next_deadline(const struct pb_calscreen *c,
    uint64_t now_us);
/* Completion of the last command sent (status PB_CLIENT_OK or PB_CLIENT_E_*,
 * resp NULL on timeout or link loss). */
void pb_calscreen_cmd_done(struct pb_calscreen *c, int status,
    const struct pb_response *resp, uint64_t now_us);
void pb_calscreen_on_telemetry(struct pb_calscreen *c,
    const struct pb_telemetry *t, uint64_t now_us);
/* Abort a run in progress (a signal); no-op when none. */
void pb_calscreen_abort(struct pb_calscreen *c, const char *why,
    uint64_t now_us);

/* A run is in progress (started, not finished). */
bool pb_calscreen_running(const struct pb_calscreen *c);
/* q was pressed during a run, the run has finished, nothing is in flight:
 * the caller may quit now. */
bool pb_calscreen_quit_ready(const struct pb_calscreen *c);
/* True (once) when something to show changed. */
bool pb_calscreen_take_dirty(struct pb_calscreen *c);
/* The last finished run's result (NULL before). */
const struct pb_cal_result *pb_calscreen_result(const struct pb_calscreen *c);
/* Certificate paths of the last run (n written, up to 3). */
int  pb_calscreen_certs(const struct pb_calscreen *c, const char **paths);

/* A snapshot for drawing; pointers stay valid until the next call on c. */
void pb_calscreen_view(struct pb_calscreen *c, const struct pb_app *app,
    const struct pb_profile *prof, uint64_t now_us,
    struct pb_calview_state *v);

#endif
