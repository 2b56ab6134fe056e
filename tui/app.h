/*
 * tui/app.h - the dashboard's UI state and its key -> action mapping.
 *
 * Promise: pure.  No ncurses, no I/O, no clock: time comes in as an
 * argument (microseconds of a monotonic clock).  The front end turns a key
 * press into a pb_key code (ASCII, or PB_KEY_* for special keys), asks
 * pb_app_key() what it means, and carries out the returned effect (send a
 * device command, toggle the recorder, drop a marker, quit).  Every key the
 * dashboard knows is in one table, pb_app_keys, which the `?` overlay
 * lists, so help and behaviour cannot drift apart.
 *
 * Safety: a level or mode change is only ever asked for when it stays
 * within the device's levels (from HELLO) and, when the pump profile is
 * known, when the profile's expected peak for that mode and level does not
 * exceed the profile's and the device's vacuum limit.  (The device
 * enforces its own limit too.)
 *
 * In bring-up text mode (text) the device prints numbers and does not
 * speak the protocol: every device command is refused with the reason
 * (PB_APP_TEXT_WHY); recording, markers and the view work as usual.
 *
 * Markers: `k` drops a marker at once and opens a prompt for its
 * optional label (printable ASCII, at most PB_APP_LABEL_MAX bytes, no
 * ',' or '"'): Enter gives it, Esc or an empty Enter leaves the marker
 * without one.  While the prompt is open every key goes to it.
 *
 * Pause freezes only the view: acquisition, statistics and recording go
 * on.  While paused the view can be scrolled back and forward and zoomed.
 * Quitting while the pump runs asks y/n first, and `y` stops the pump.
 */
#ifndef PB_TUI_APP_H
#define PB_TUI_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/devclock.h"
#include "proto/msg.h"
#include "pump/profile.h"
#include "pump/units.h"

/* Special keys (ASCII keys are passed as themselves). */
enum pb_key {
	PB_KEY_NONE   = 0,
	PB_KEY_ESC    = 27,
	PB_KEY_LEFT   = 0x1001,
	PB_KEY_RIGHT  = 0x1002,
	PB_KEY_UP     = 0x1003,
	PB_KEY_DOWN   = 0x1004,
	PB_KEY_PGUP   = 0x1005,
	PB_KEY_PGDN   = 0x1006,
	PB_KEY_HOME   = 0x1007,
	PB_KEY_END    = 0x1008,
	PB_KEY_F1     = 0x1009,
	PB_KEY_BACKSPACE = 0x100A   /* the terminal's erase key */
};

enum pb_action {
	PB_ACT_NONE = 0,
	PB_ACT_START_STOP,
	PB_ACT_MODE,          /* next supported mode */
	PB_ACT_LEVEL_UP,
	PB_ACT_LEVEL_DOWN,
	PB_ACT_CHANNELS,      /* single <-> double */
	PB_ACT_MARKER,
	PB_ACT_RECORD,        /* recording on/off */
	PB_ACT_UNITS,         /* mmHg -> kPa -> cmH2O */
	PB_ACT_ZOOM_IN,       /* shorter time base */
	PB_ACT_ZOOM_OUT,      /* longer time base, up to the whole session */
	PB_ACT_PAUSE,         /* freeze / follow the view */
	PB_ACT_SCROLL_BACK,   /* while paused: half a time base back */
	PB_ACT_SCROLL_FWD,
	PB_ACT_SCROLL_START,  /* while paused: to the session start */
	PB_ACT_SCROLL_END,    /* back to live (unpause) */
	PB_ACT_SWEEP,         /* sweep <-> scroll display */
	PB_ACT_SCALE,         /* fixed <-> auto scale */
	PB_ACT_ACK,           /* acknowledge active alarms */
	PB_ACT_CLEAR_FAULT,   /* ask the device to clear latched alarms */
	PB_ACT_HELP,          /* `?` overlay */
	PB_ACT_CALIBRATION,   /* calibration screen (tui/calscreen.h) */
	PB_ACT_QUIT,
	PB_ACT_YES,           /* answers in the quit dialog */
	PB_ACT_NO,
	PB_ACT_COUNT
};

/* One row of the key table (and of the help overlay). */
struct pb_keydef {
	int key;              /* pb_key code */
	const char *label;    /* as shown in help: "s", "+", "Left" */
	enum pb_action action;
	const char *help;     /* what it does */
};
extern const struct pb_keydef pb_app_keys[];
extern const size_t pb_app_nkeys;

/* The key table's action for a key (PB_ACT_NONE when unbound). */
enum pb_action pb_app_action_for_key(int key);
const char *pb_app_action_name(enum pb_action a);

/* A device command the front end should send. */
enum pb_cmd_kind {
	PB_CMD_NONE = 0,
	PB_CMD_START,
	PB_CMD_STOP,
	PB_CMD_SET_MODE,      /* value: enum pb_mode */
	PB_CMD_SET_LEVEL,     /* value: 1..levels */
	PB_CMD_SET_CHANNELS,  /* value: channel mask */
	PB_CMD_CLEAR_FAULT
};

/* What a key did, for the front end to carry out. */
struct pb_app_effect {
	enum pb_action action;
	enum pb_cmd_kind cmd;
	int   value;
	bool  record_toggle;
	bool  marker;         /* drop a marker now */
	const char *label;    /* the marker's label (NULL or "": none) */
	bool  label_later;    /* with marker: its label follows (the k
	                         prompt opened); hold its recording row */
	bool  marker_done;    /* the label of the held marker is in label */
	bool  quit;           /* leave the program (after cmd, if any) */
	bool  redraw_all;     /* the layout or scale changed */
};

/* Display modes and screens. */
enum pb_screen_mode { PB_SCR_MAIN = 0, PB_SCR_CALIBRATION = 1 };

#define PB_APP_MSG_LEN     96
/* Why there are no controls in text mode (footer and refused keys). */
#define PB_APP_TEXT_WHY "no controls: the device prints text, not the protocol"
#define PB_APP_LABEL_MAX   63   /* a marker's label, bytes */
#define PB_APP_ALARM_HIST  64

struct pb_alarm_rec {
	uint64_t host_us;      /* when it happened, on the host's clock: its
	                          device time through the device clock
	                          (proto/devclock.h), not when it arrived */
	uint32_t device_ms;    /* device time: the EVENT's, else the first
	                          telemetry batch that showed it */
	uint8_t  bit;          /* alarm bit index (pb_alarm_name) */
	bool     raised;       /* raised or cleared */
};

/* Time bases of the graph, in seconds; 0 = the whole session. */
extern const unsigned pb_app_timebases[];
extern const size_t pb_app_ntimebases;

struct pb_app {
	/* what the device said about itself (HELLO) */
	bool     have_info;
	struct pb_device_info info;
	const struct pb_profile *profile;  /* expectations; may be NULL */

	/* last telemetry */
	bool     have_tel;
	uint8_t  run_state, mode, level, phase, channel_mask;
	int16_t  target;          /* dmmHg */
	uint16_t battery_mv;
	uint16_t alarms;          /* active bits */
	uint16_t alarms_acked;    /* active bits the user acknowledged */
	uint32_t device_ms;
	struct pb_devclock clock; /* the device's time on the host's clock */

	/* requested but not yet confirmed by telemetry (0 = none) */
	uint8_t  req_mode, req_level, req_mask;
	uint64_t req_until_us;    /* give up waiting after this */

	/* link */
	bool     link_up;
	uint64_t link_change_us;

	/* session timer: host time the current run started (0 = idle) */
	uint64_t run_start_us;

	/* view */
	enum pb_unit units;
	size_t   timebase;        /* index into pb_app_timebases */
	bool     paused;
	uint64_t view_end;        /* sample index of the right edge when paused */
	uint64_t first_sample, latest_sample;  /* what history holds */
	unsigned rate_hz;
	bool     sweep;
	bool     autoscale;
	bool     help_open;
	bool     confirm_quit;
	/* the k prompt: a marker was dropped, its label is being typed */
	bool     marker_prompt;
	char     marker_label[PB_APP_LABEL_MAX + 1];
	enum pb_screen_mode screen;
	bool     recording;
	bool     replay;          /* showing a recording: no device commands */
	bool     text;            /* bring-up text mode: no device commands */

	/* alarm history, newest last (ring) */
	struct pb_alarm_rec alarm_hist[PB_APP_ALARM_HIST];
	size_t   alarm_n;         /* entries ever added */

	char     msg[PB_APP_MSG_LEN];
	uint64_t msg_until_us;
};

void pb_app_init(struct pb_app *a, enum pb_unit units);

/* Inputs from the session. */
void pb_app_set_info(struct pb_app *a, const struct pb_device_info *info,
    const struct pb_profile *profile);
void pb_app_on_telemetry(struct pb_app *a, const struct pb_telemetry *t,
    uint64_t now_us);
/* An EVENT from the device: an alarm raised or cleared takes the event's
 * device time (the telemetry that shows the bit only brackets it). */
void pb_app_on_event(struct pb_app *a, const struct pb_event *e,
    uint64_t now_us);
void pb_app_on_link(struct pb_app *a, bool up, uint64_t now_us);
/* A command finished (ok or not): drop the matching request. */
void pb_app_on_cmd_done(struct pb_app *a, enum pb_cmd_kind cmd, bool ok,
    const char *why, uint64_t now_us);
/* Sample indices history holds ([first, latest)) and the sample rate. */
void pb_app_set_samples(struct pb_app *a, uint64_t first, uint64_t latest,
    unsigned rate_hz);
void pb_app_set_recording(struct pb_app *a, bool on);

/* A key press at now_us: updates the state, returns what to do. */
struct pb_app_effect pb_app_key(struct pb_app *a, int key, uint64_t now_us);
/* The same for an action (what pb_app_key calls after the mapping). */
struct pb_app_effect pb_app_do(struct pb_app *a, enum pb_action act,
    uint64_t now_us);

/* A device command asked for by name (a headless script step, --level):
 * the same checks as the keys (a link and a pump that answered HELLO;
 * a mode the pump has; a level within the device's levels and the
 * profile's vacuum limit at the mode it will run in; double pumping
 * only on a pump with two channels that the profile lets pump both).
 * Returns the effect to carry out, or one with cmd PB_CMD_NONE and the
 * reason in why when it is refused.  Sets the request shown until the
 * pump confirms it, as a key does. */
struct pb_app_effect pb_app_command(struct pb_app *a, enum pb_cmd_kind k,
    int value, uint64_t now_us, char *why, size_t whylen);

/* Derived values for the screen. */
/* Time base in seconds (the whole session resolved), >= 1. */
double   pb_app_span_s(const struct pb_app *a);
/* Label of the time base: "10 s", "5 min", "session". */
const char *pb_app_timebase_label(const struct pb_app *a, char *buf,
    size_t n);
/* Right edge of the view (sample index, exclusive). */
uint64_t pb_app_view_end(const struct pb_app *a);
/* The level/mode/mask to show: the request if one is pending, else the
 * device's. */
uint8_t  pb_app_shown_level(const struct pb_app *a);
uint8_t  pb_app_shown_mode(const struct pb_app *a);
uint8_t  pb_app_shown_mask(const struct pb_app *a);
bool     pb_app_running(const struct pb_app *a);
/* Seconds since the run started (0 idle); auto-off countdown (<0 n/a). */
double   pb_app_session_s(const struct pb_app *a, uint64_t now_us);
double   pb_app_auto_off_s(const struct pb_app *a, uint64_t now_us);
/* True when a level (mode) is within the device's levels and the
 * profile's vacuum limit. */
bool     pb_app_level_allowed(const struct pb_app *a, int mode, int level);
/* Most recent alarm records: i = 0 is the newest; NULL past the end. */
const struct pb_alarm_rec *pb_app_alarm(const struct pb_app *a, size_t i);
/* The status message if still current. */
const char *pb_app_message(const struct pb_app *a, uint64_t now_us);
void     pb_app_say(struct pb_app *a, uint64_t now_us, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
