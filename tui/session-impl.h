/*
 * tui/session-impl.h - the insides of a session (tui/session.h), shared
 * by its parts and by no one else (tools/check-doors keeps it private):
 * tui/session.c (the link, the emulator child, telemetry, commands, the
 * recording, open/close and service), tui/session-replay.c (--replay:
 * a recording read back) and tui/session-text.c (--text: the bring-up
 * input of lines of numbers).
 */
#ifndef PB_TUI_SESSION_IMPL_H
#define PB_TUI_SESSION_IMPL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/link.h"
#include "tui/indexmap.h"
#include "tui/session.h"
#include "tui/simchild.h"

#define MAX_TXN_KINDS        256

struct pb_session {
	struct pb_session_opts o;
	struct pb_app *app;

	/* link */
	struct pb_client *cl;
	char port_desc[320];
	char link_path[PATH_MAX];
	bool link_up;
	uint64_t link_down_us;
	int  hello_txn;
	uint64_t hello_sent_us;
	int  stats_txn;                 /* DEVICE_STATS in flight, or -1 */
	uint64_t stats_next_us;
	bool stats_unsupported;         /* the device answered UNKNOWN_CMD */
	bool have_info;
	uint8_t txn_kind[MAX_TXN_KINDS];   /* enum pb_cmd_kind per txn */
	int     txn_value[MAX_TXN_KINDS];  /* and its value */
	char    cmd_err[200];   /* the first command that failed, or "" */

	/* emulator child */
	struct pb_simchild sim;
	char  sim_tmpdir[PATH_MAX];
	char  sim_prog[PATH_MAX];
	bool  sim_dead;
	uint64_t sim_died_us;

	/* data */
	struct pb_profile profile;
	bool  have_profile;
	char  prof_missing[PB_REC_TEXT_LEN];   /* an id not found, said once */
	struct pb_history *hist;
	struct pb_cycles cyc;
	bool  cyc_ready;
	struct pb_cyclesum cycsum;   /* every cycle of the session */
	struct pb_recorder *rec;
	char  rec_err[320];
	bool  rec_failed;        /* a recording was lost or is not whole */
	unsigned rec_opened;     /* recordings started */

	/* device (or file) index -> 64-bit session index */
	struct pb_indexmap imap;
	/* the latest batch: its first sample's session index and device
	 * time, for placing an EVENT at its own sample */
	bool     ev_have;
	uint64_t ev_base_idx;
	uint32_t ev_base_ms;
	unsigned ev_rate;

	struct pb_session_counts counts;
	uint64_t fps_t0, fps_frames0;
	uint64_t markers[PB_SES_MAX_MARKERS];
	char     marker_labels[PB_SES_MAX_MARKERS][PB_APP_LABEL_MAX + 1];
	size_t   nmarkers;
	unsigned marker_no;
	/* a marker whose label is being typed (the k prompt): its row waits */
	bool     mk_held;
	uint32_t mk_dms;
	uint64_t mk_index;
	unsigned mk_no;
	size_t   mk_slot;           /* in markers[], or PB_SES_MAX_MARKERS */

	struct pb_session_listener lis;

	/* bring-up text mode */
	bool text;
	struct pb_link *tlink;
	struct pb_textline tparse;
	struct pb_textfeed tfeed;
	bool text_ended;
	bool text_up;
	uint64_t text_retry_us;
	uint8_t text_mask;               /* channels in the last P row */
	char text_name[PATH_MAX];        /* the port, escaped, for messages */
	char text_bad[160];

	char last_log[160];
	char warnings[PB_SES_MAX_WARNINGS][PB_SES_WARNING_LEN];
	unsigned nwarn;
	bool dirty;
	bool replay;
	uint64_t now_us;         /* time of the current service call */
};

/* Where a profile id came from: the user's own option may be a path and
 * must load; an id from a pump or a recording is looked up by name only
 * (pb_profile_find_id), and without it the session runs on, with no
 * statistics against a spec. */
enum prof_src { PROF_USER, PROF_DEVICE, PROF_RECORDING };

/* ---- tui/session.c: what the parts share ---- */

/* The link panel's message line: escaped, whatever it quotes. */
void pb_ses_say_log(struct pb_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A problem with the input worth reporting, kept for pb_session_warning()
 * (the first PB_SES_MAX_WARNINGS, the rest counted) and shown in the link
 * panel. */
void pb_ses_warn(struct pb_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The history and the cycle statistics, made once the channels and the
 * rate are known (s->hist stays NULL when out of memory). */
void pb_ses_ensure_data(struct pb_session *s, int channels, unsigned rate);
/* The profile named by id, from src: 0, or PB_SES_E_PROFILE (the user's
 * own, with why in uerr) */
int pb_ses_load_profile(struct pb_session *s, const char *id,
    enum prof_src src, char *uerr, size_t uerrlen);

/* ---- tui/session-replay.c ---- */

/* --replay: the whole recording into the history, the statistics, the
 * markers and the screen's state.  0, or PB_SES_E_* with why in err. */
int pb_ses_open_replay(struct pb_session *s, char *err, size_t errlen);

/* ---- tui/session-text.c ---- */

/* --text: the input opened (a port, or stdin's fd), the screen told.
 * 0, or PB_SES_E_* with why in err. */
int pb_ses_open_text(struct pb_session *s, char *err, size_t errlen);
/* Read what has arrived (bounded per call), reopen a port gone. */
void pb_ses_text_service(struct pb_session *s, uint64_t now_us);

#endif
