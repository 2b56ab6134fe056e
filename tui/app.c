/*
 * tui/app.c - the dashboard's UI state and key mapping (pure).
 */
#include "tui/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MSG_US      3000000u   /* a status message stays 3 s */
#define REQ_WAIT_US 2000000u   /* wait this long for telemetry to confirm */

const struct pb_keydef pb_app_keys[] = {
	{ 's',          "s",      PB_ACT_START_STOP,  "start / stop the pump" },
	{ 'm',          "m",      PB_ACT_MODE,        "next mode (stimulation, expression, mixed)" },
	{ '+',          "+",      PB_ACT_LEVEL_UP,    "level up (bounded by the profile)" },
	{ '=',          "=",      PB_ACT_LEVEL_UP,    "level up" },
	{ PB_KEY_UP,    "Up",     PB_ACT_LEVEL_UP,    "level up" },
	{ '-',          "-",      PB_ACT_LEVEL_DOWN,  "level down" },
	{ PB_KEY_DOWN,  "Down",   PB_ACT_LEVEL_DOWN,  "level down" },
	{ 'd',          "d",      PB_ACT_CHANNELS,    "single / double pumping" },
	{ 'k',          "k",      PB_ACT_MARKER,      "drop a marker (graph and recording), then type its label or Enter" },
	{ 'r',          "r",      PB_ACT_RECORD,      "recording on / off" },
	{ 'u',          "u",      PB_ACT_UNITS,       "units: mmHg, kPa, cmH2O" },
	{ 'z',          "z",      PB_ACT_ZOOM_IN,     "zoom in (shorter time base)" },
	{ 'x',          "x",      PB_ACT_ZOOM_OUT,    "zoom out (up to the whole session)" },
	{ ' ',          "Space",  PB_ACT_PAUSE,       "pause / resume the view (acquisition goes on)" },
	{ 'p',          "p",      PB_ACT_PAUSE,       "pause / resume the view" },
	{ PB_KEY_LEFT,  "Left",   PB_ACT_SCROLL_BACK, "paused: scroll back half a time base" },
	{ ',',          ",",      PB_ACT_SCROLL_BACK, "paused: scroll back" },
	{ PB_KEY_RIGHT, "Right",  PB_ACT_SCROLL_FWD,  "paused: scroll forward" },
	{ '.',          ".",      PB_ACT_SCROLL_FWD,  "paused: scroll forward" },
	{ PB_KEY_HOME,  "Home",   PB_ACT_SCROLL_START,"paused: go to the session start" },
	{ PB_KEY_END,   "End",    PB_ACT_SCROLL_END,  "back to live" },
	{ 'w',          "w",      PB_ACT_SWEEP,       "sweep / scrolling display" },
	{ 'f',          "f",      PB_ACT_SCALE,       "fixed (profile limit) / auto scale" },
	{ 'a',          "a",      PB_ACT_ACK,         "acknowledge active alarms" },
	{ 'c',          "c",      PB_ACT_CLEAR_FAULT, "clear latched alarms on the device" },
	{ 'C',          "C",      PB_ACT_CALIBRATION, "calibration screen" },
	{ '?',          "?",      PB_ACT_HELP,        "this help" },
	{ PB_KEY_F1,    "F1",     PB_ACT_HELP,        "this help" },
	{ 'q',          "q",      PB_ACT_QUIT,        "quit (asks first while pumping)" },
	{ 'y',          "y",      PB_ACT_YES,         "quit dialog: yes, stop and quit" },
	{ 'n',          "n",      PB_ACT_NO,          "quit dialog: no" },
	{ PB_KEY_ESC,   "Esc",    PB_ACT_NO,          "close a dialog or overlay" },
};
const size_t pb_app_nkeys = sizeof pb_app_keys / sizeof pb_app_keys[0];

const unsigned pb_app_timebases[] = {
	1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 0
};
const size_t pb_app_ntimebases =
    sizeof pb_app_timebases / sizeof pb_app_timebases[0];
#define DEFAULT_TIMEBASE 3   /* 10 s */

static const char *const act_names[PB_ACT_COUNT] = {
	[PB_ACT_NONE] = "none", [PB_ACT_START_STOP] = "start/stop",
	[PB_ACT_MODE] = "mode", [PB_ACT_LEVEL_UP] = "level up",
	[PB_ACT_LEVEL_DOWN] = "level down", [PB_ACT_CHANNELS] = "single/double",
	[PB_ACT_MARKER] = "marker", [PB_ACT_RECORD] = "record",
	[PB_ACT_UNITS] = "units", [PB_ACT_ZOOM_IN] = "zoom in",
	[PB_ACT_ZOOM_OUT] = "zoom out", [PB_ACT_PAUSE] = "pause",
	[PB_ACT_SCROLL_BACK] = "scroll back", [PB_ACT_SCROLL_FWD] = "scroll forward",
	[PB_ACT_SCROLL_START] = "scroll to start", [PB_ACT_SCROLL_END] = "live",
	[PB_ACT_SWEEP] = "sweep/scroll", [PB_ACT_SCALE] = "scale",
	[PB_ACT_ACK] = "acknowledge", [PB_ACT_CLEAR_FAULT] = "clear fault",
	[PB_ACT_HELP] = "help", [PB_ACT_CALIBRATION] = "calibration",
	[PB_ACT_QUIT] = "quit", [PB_ACT_YES] = "yes", [PB_ACT_NO] = "no",
};

enum pb_action pb_app_action_for_key(int key)
{
	for (size_t i = 0; i < pb_app_nkeys; i++)
		if (pb_app_keys[i].key == key)
			return pb_app_keys[i].action;
	return PB_ACT_NONE;
}

const char *pb_app_action_name(enum pb_action a)
{
	if ((int)a < 0 || a >= PB_ACT_COUNT || !act_names[a])
		return "?";
	return act_names[a];
}

void pb_app_init(struct pb_app *a, enum pb_unit units)
{
	memset(a, 0, sizeof *a);
	a->units = units;
	a->timebase = DEFAULT_TIMEBASE;
	a->sweep = true;
	a->autoscale = false;
	a->rate_hz = 1000;
}

void pb_app_say(struct pb_app *a, uint64_t now_us, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->msg_until_us = now_us + MSG_US;
}

const char *pb_app_message(const struct pb_app *a, uint64_t now_us)
{
	if (a->msg[0] && now_us < a->msg_until_us)
		return a->msg;
	return NULL;
}

void pb_app_set_info(struct pb_app *a, const struct pb_device_info *info,
    const struct pb_profile *profile)
{
	if (info) {
		a->info = *info;
		a->have_info = true;
		if (info->sample_rate_hz)
			a->rate_hz = info->sample_rate_hz;
	}
	a->profile = profile;
}

/* The latest record of this bit and direction within 2 s of device time
 * dms, or NULL (the telemetry and the EVENT of one change). */
static struct pb_alarm_rec *alarm_find(struct pb_app *a, uint32_t dms,
    unsigned bit, bool raised)
{
	size_t n = a->alarm_n < PB_APP_ALARM_HIST ? a->alarm_n
	    : PB_APP_ALARM_HIST;
	for (size_t i = 0; i < n; i++) {
		struct pb_alarm_rec *r =
		    &a->alarm_hist[(a->alarm_n - 1 - i) % PB_APP_ALARM_HIST];
		if (r->bit != bit)
			continue;
		int32_t d = (int32_t)(dms - r->device_ms);
		if (r->raised == raised && d < 2000 && d > -2000)
			return r;
		return NULL;   /* the bit changed since: a new change */
	}
	return NULL;
}

static void alarm_push(struct pb_app *a, uint64_t host_us, uint32_t dms,
    unsigned bit, bool raised)
{
	if (alarm_find(a, dms, bit, raised))
		return;   /* its EVENT came first */
	struct pb_alarm_rec *r = &a->alarm_hist[a->alarm_n % PB_APP_ALARM_HIST];
	r->host_us = host_us;
	r->device_ms = dms;
	r->bit = (uint8_t)bit;
	r->raised = raised;
	a->alarm_n++;
}

void pb_app_on_event(struct pb_app *a, const struct pb_event *e,
    uint64_t now_us)
{
	if (e->kind != PB_EV_ALARM_RAISED && e->kind != PB_EV_ALARM_CLEARED)
		return;
	if (e->code >= PB_AL_COUNT)
		return;
	bool raised = e->kind == PB_EV_ALARM_RAISED;
	pb_devclock_seen(&a->clock, e->device_ms, now_us);
	uint64_t at = pb_devclock_host_us(&a->clock, e->device_ms, now_us);
	struct pb_alarm_rec *r = alarm_find(a, e->device_ms, e->code, raised);
	if (r) {
		/* the telemetry showed it first: the event knows when */
		r->host_us = at;
		r->device_ms = e->device_ms;
		return;
	}
	alarm_push(a, at, e->device_ms, e->code, raised);
}

void pb_app_on_telemetry(struct pb_app *a, const struct pb_telemetry *t,
    uint64_t now_us)
{
	uint16_t old = a->have_tel ? a->alarms : 0;
	bool was_running = a->have_tel && a->run_state == PB_RS_RUNNING;

	a->run_state = t->run_state;
	a->mode = t->mode;
	a->level = t->level;
	a->phase = t->phase;
	a->channel_mask = t->channel_mask;
	a->target = t->target;
	a->battery_mv = t->battery_mv;
	a->device_ms = t->device_ms;
	a->have_tel = true;
	pb_devclock_seen(&a->clock, pb_devclock_batch_end_ms(t->device_ms, t->n,
	    a->rate_hz), now_us);
	uint64_t at = pb_devclock_host_us(&a->clock, t->device_ms, now_us);

	uint16_t now_bits = t->alarms;
	uint16_t diff = (uint16_t)(old ^ now_bits);
	for (unsigned b = 0; b < PB_AL_COUNT; b++) {
		if (!(diff & (1u << b)))
			continue;
		bool raised = (now_bits >> b) & 1u;
		alarm_push(a, at, t->device_ms, b, raised);
	}
	a->alarms = now_bits;
	/* a newly raised alarm needs a new acknowledgement */
	a->alarms_acked &= (uint16_t)(old & now_bits);
	a->alarms_acked &= now_bits;

	bool running = t->run_state == PB_RS_RUNNING;
	if (running && !was_running)
		a->run_start_us = now_us;
	else if (!running)
		a->run_start_us = 0;

	/* requests confirmed (or timed out) */
	if (a->req_mode && (a->req_mode == t->mode || now_us > a->req_until_us))
		a->req_mode = 0;
	if (a->req_level && (a->req_level == t->level || now_us > a->req_until_us))
		a->req_level = 0;
	if (a->req_mask && (a->req_mask == t->channel_mask ||
	    now_us > a->req_until_us))
		a->req_mask = 0;
}

void pb_app_on_link(struct pb_app *a, bool up, uint64_t now_us)
{
	if (a->link_up != up)
		a->link_change_us = now_us;
	a->link_up = up;
	if (!up) {
		a->req_mode = a->req_level = a->req_mask = 0;
		a->confirm_quit = a->confirm_quit && pb_app_running(a);
	}
}

void pb_app_on_cmd_done(struct pb_app *a, enum pb_cmd_kind cmd, bool ok,
    const char *why, uint64_t now_us)
{
	if (ok)
		return;
	switch (cmd) {
	case PB_CMD_SET_MODE: a->req_mode = 0; break;
	case PB_CMD_SET_LEVEL: a->req_level = 0; break;
	case PB_CMD_SET_CHANNELS: a->req_mask = 0; break;
	default: break;
	}
	pb_app_say(a, now_us, "command failed: %s", why ? why : "?");
}

void pb_app_set_samples(struct pb_app *a, uint64_t first, uint64_t latest,
    unsigned rate_hz)
{
	a->first_sample = first;
	a->latest_sample = latest < first ? first : latest;
	if (rate_hz)
		a->rate_hz = rate_hz;
	if (a->paused) {
		if (a->view_end > a->latest_sample)
			a->view_end = a->latest_sample;
		if (a->view_end < a->first_sample)
			a->view_end = a->first_sample;
	}
}

void pb_app_set_recording(struct pb_app *a, bool on)
{
	a->recording = on;
}

/* ---- derived ------------------------------------------------------------ */

double pb_app_span_s(const struct pb_app *a)
{
	unsigned tb = pb_app_timebases[a->timebase];
	if (tb)
		return tb;
	double s = a->rate_hz ?
	    (double)(a->latest_sample - a->first_sample) / a->rate_hz : 0;
	return s < 1 ? 1 : s;
}

const char *pb_app_timebase_label(const struct pb_app *a, char *buf,
    size_t n)
{
	unsigned tb = pb_app_timebases[a->timebase];
	if (tb == 0)
		snprintf(buf, n, "session");
	else if (tb < 60)
		snprintf(buf, n, "%u s", tb);
	else if (tb < 3600)
		snprintf(buf, n, "%u min", tb / 60);
	else
		snprintf(buf, n, "%u h", tb / 3600);
	return buf;
}

uint64_t pb_app_view_end(const struct pb_app *a)
{
	return a->paused ? a->view_end : a->latest_sample;
}

uint8_t pb_app_shown_level(const struct pb_app *a)
{
	return a->req_level ? a->req_level : a->level;
}

uint8_t pb_app_shown_mode(const struct pb_app *a)
{
	return a->req_mode ? a->req_mode : a->mode;
}

uint8_t pb_app_shown_mask(const struct pb_app *a)
{
	return a->req_mask ? a->req_mask : a->channel_mask;
}

bool pb_app_running(const struct pb_app *a)
{
	return a->have_tel && (a->run_state == PB_RS_RUNNING ||
	    a->run_state == PB_RS_CAL_HOLD);
}

double pb_app_session_s(const struct pb_app *a, uint64_t now_us)
{
	if (!a->run_start_us || now_us < a->run_start_us)
		return 0;
	return (double)(now_us - a->run_start_us) / 1e6;
}

double pb_app_auto_off_s(const struct pb_app *a, uint64_t now_us)
{
	double limit = a->profile ? a->profile->session_auto_off_s : 1800.0;
	if (!a->run_start_us || limit <= 0)
		return -1;
	double left = limit - pb_app_session_s(a, now_us);
	return left < 0 ? 0 : left;
}

bool pb_app_level_allowed(const struct pb_app *a, int mode, int level)
{
	int levels = a->have_info ? a->info.levels :
	    (a->profile ? a->profile->levels : 0);
	if (levels <= 0 || level < 1 || level > levels)
		return false;
	if (a->profile) {
		if (a->profile->levels > 0 && level > a->profile->levels)
			return false;
		if (mode >= PB_MODE_STIMULATION && mode <= PB_MODE_MIXED) {
			/* the unclamped curve: the clamped peak would hide a
			 * level beyond the limit */
			double peak = pb_profile_curve_peak_mmhg(a->profile,
			    mode, level);
			double lim = a->profile->max_target_mmhg;
			if (a->have_info && a->info.max_target > 0 &&
			    a->info.max_target / 10.0 < lim)
				lim = a->info.max_target / 10.0;
			if (lim > 0 && peak > lim + 1e-9)
				return false;
		}
	}
	return true;
}

const struct pb_alarm_rec *pb_app_alarm(const struct pb_app *a, size_t i)
{
	size_t kept = a->alarm_n < PB_APP_ALARM_HIST ? a->alarm_n :
	    PB_APP_ALARM_HIST;
	if (i >= kept)
		return NULL;
	return &a->alarm_hist[(a->alarm_n - 1 - i) % PB_APP_ALARM_HIST];
}

/* ---- actions ------------------------------------------------------------ */

static bool can_command(struct pb_app *a, uint64_t now_us)
{
	if (a->replay) {
		pb_app_say(a, now_us, "replay: no pump to command");
		return false;
	}
	if (a->text) {
		pb_app_say(a, now_us, "%s", PB_APP_TEXT_WHY);
		return false;
	}
	if (!a->link_up || !a->have_info) {
		pb_app_say(a, now_us, "no link to the pump");
		return false;
	}
	return true;
}

static int next_mode(const struct pb_app *a, int cur)
{
	uint8_t modes = a->info.modes;
	if (!modes)
		modes = (1u << PB_MODE_STIMULATION) | (1u << PB_MODE_EXPRESSION);
	for (int i = 1; i <= 3; i++) {
		int m = (cur - 1 + i) % 3 + 1;
		if (modes & (1u << m))
			return m;
	}
	return cur;
}

static void level_step(struct pb_app *a, int dir, uint64_t now_us,
    struct pb_app_effect *e)
{
	if (!can_command(a, now_us))
		return;
	int cur = pb_app_shown_level(a);
	int mode = pb_app_shown_mode(a);
	int want = cur + dir;
	if (cur < 1)
		want = 1;
	if (!pb_app_level_allowed(a, mode, want)) {
		if (dir > 0)
			pb_app_say(a, now_us, "level %d is the highest allowed", cur);
		else
			pb_app_say(a, now_us, "level %d is the lowest", cur);
		return;
	}
	a->req_level = (uint8_t)want;
	a->req_until_us = now_us + REQ_WAIT_US;
	e->cmd = PB_CMD_SET_LEVEL;
	e->value = want;
}

static void zoom(struct pb_app *a, int dir)
{
	if (dir < 0 && a->timebase > 0)
		a->timebase--;
	else if (dir > 0 && a->timebase + 1 < pb_app_ntimebases)
		a->timebase++;
}

static void scroll(struct pb_app *a, int dir, uint64_t now_us)
{
	if (!a->paused) {
		pb_app_say(a, now_us, "pause (Space) to scroll");
		return;
	}
	uint64_t span = (uint64_t)(pb_app_span_s(a) * a->rate_hz);
	uint64_t step = span / 2 ? span / 2 : 1;
	uint64_t lo = a->first_sample + span;
	if (lo > a->latest_sample)
		lo = a->latest_sample;
	if (dir < 0)
		a->view_end = a->view_end > lo + step ? a->view_end - step : lo;
	else
		a->view_end = a->view_end + step < a->latest_sample ?
		    a->view_end + step : a->latest_sample;
}

struct pb_app_effect pb_app_command(struct pb_app *a, enum pb_cmd_kind k,
    int value, uint64_t now_us, char *why, size_t whylen)
{
	struct pb_app_effect e = { .action = PB_ACT_NONE };
	if (whylen)
		why[0] = '\0';
	if (a->replay || !a->link_up || !a->have_info) {
		snprintf(why, whylen, "%s", a->replay ? "a replay has no pump" :
		    "no link to the pump");
		return e;
	}
	switch (k) {
	case PB_CMD_SET_MODE: {
		uint8_t modes = a->info.modes ? a->info.modes :
		    (1u << PB_MODE_STIMULATION) | (1u << PB_MODE_EXPRESSION);
		if (value < PB_MODE_STIMULATION || value > PB_MODE_MIXED ||
		    !(modes & (1u << value))) {
			snprintf(why, whylen, "the pump has no %s mode",
			    pb_mode_name((uint8_t)value));
			return e;
		}
		int lvl = pb_app_shown_level(a);
		if (lvl >= 1 && !pb_app_level_allowed(a, value, lvl)) {
			snprintf(why, whylen, "%s at level %d is beyond the "
			    "limit", pb_mode_name((uint8_t)value), lvl);
			return e;
		}
		a->req_mode = (uint8_t)value;
		break;
	}
	case PB_CMD_SET_LEVEL: {
		int mode = pb_app_shown_mode(a);
		if (!pb_app_level_allowed(a, mode ? mode : PB_MODE_STIMULATION,
		    value)) {
			snprintf(why, whylen, "level %d is beyond the pump's "
			    "levels or the profile's vacuum limit", value);
			return e;
		}
		a->req_level = (uint8_t)value;
		break;
	}
	case PB_CMD_SET_CHANNELS:
		if (value != 0x01 && !(a->info.channels >= 2 &&
		    (!a->profile || a->profile->double_pumping))) {
			snprintf(why, whylen, "a single-channel pump");
			return e;
		}
		a->req_mask = (uint8_t)value;
		break;
	case PB_CMD_START:
	case PB_CMD_STOP:
	case PB_CMD_CLEAR_FAULT:
		break;
	default:
		snprintf(why, whylen, "no such command");
		return e;
	}
	a->req_until_us = now_us + REQ_WAIT_US;
	e.cmd = k;
	e.value = value;
	return e;
}

/* A key while the marker prompt is open. */
static struct pb_app_effect marker_prompt_key(struct pb_app *a, int key)
{
	struct pb_app_effect e = { .action = PB_ACT_MARKER };
	size_t n = strlen(a->marker_label);
	if (key == '\r' || key == '\n' || key == PB_KEY_ESC) {
		if (key == PB_KEY_ESC)
			a->marker_label[0] = '\0';
		a->marker_prompt = false;
		e.marker_done = true;
		e.label = a->marker_label;
		return e;
	}
	if (key == PB_KEY_BACKSPACE || key == 127 || key == 8) {
		if (n)
			a->marker_label[n - 1] = '\0';
		return e;
	}
	if (key >= ' ' && key <= '~' && key != ',' && key != '"' &&
	    n < PB_APP_LABEL_MAX) {
		a->marker_label[n] = (char)key;
		a->marker_label[n + 1] = '\0';
	}
	return e;
}

struct pb_app_effect pb_app_key(struct pb_app *a, int key, uint64_t now_us)
{
	if (a->marker_prompt)
		return marker_prompt_key(a, key);
	enum pb_action act = pb_app_action_for_key(key);

	/* The quit dialog takes every key: y, n/Esc, others ignored. */
	if (a->confirm_quit) {
		if (key == 'Y')
			act = PB_ACT_YES;
		else if (key == 'N' || key == 'q')
			act = PB_ACT_NO;
		if (act != PB_ACT_YES && act != PB_ACT_NO) {
			struct pb_app_effect e = { .action = PB_ACT_NONE };
			return e;
		}
	} else if (a->help_open && key != PB_KEY_NONE) {
		/* any key closes the overlay (and does nothing else) */
		a->help_open = false;
		struct pb_app_effect e = { .action = PB_ACT_HELP,
		    .redraw_all = true };
		return e;
	}
	return pb_app_do(a, act, now_us);
}

struct pb_app_effect pb_app_do(struct pb_app *a, enum pb_action act,
    uint64_t now_us)
{
	struct pb_app_effect e = { .action = act };

	if (a->confirm_quit && act != PB_ACT_YES && act != PB_ACT_NO)
		return e;

	switch (act) {
	case PB_ACT_NONE:
	case PB_ACT_COUNT:
		break;
	case PB_ACT_START_STOP:
		if (!can_command(a, now_us))
			break;
		e.cmd = pb_app_running(a) ? PB_CMD_STOP : PB_CMD_START;
		break;
	case PB_ACT_MODE: {
		if (!can_command(a, now_us))
			break;
		int cur = pb_app_shown_mode(a);
		int m = next_mode(a, cur ? cur : PB_MODE_STIMULATION);
		int lvl = pb_app_shown_level(a);
		if (lvl >= 1 && !pb_app_level_allowed(a, m, lvl)) {
			pb_app_say(a, now_us, "%s at level %d is beyond the limit",
			    pb_mode_name((uint8_t)m), lvl);
			break;
		}
		if (m == cur) {
			pb_app_say(a, now_us, "no other mode on this pump");
			break;
		}
		a->req_mode = (uint8_t)m;
		a->req_until_us = now_us + REQ_WAIT_US;
		e.cmd = PB_CMD_SET_MODE;
		e.value = m;
		break;
	}
	case PB_ACT_LEVEL_UP:
		level_step(a, +1, now_us, &e);
		break;
	case PB_ACT_LEVEL_DOWN:
		level_step(a, -1, now_us, &e);
		break;
	case PB_ACT_CHANNELS: {
		if (!can_command(a, now_us))
			break;
		bool dbl_ok = a->info.channels >= 2 &&
		    (!a->profile || a->profile->double_pumping);
		if (!dbl_ok) {
			pb_app_say(a, now_us, "single-channel pump");
			break;
		}
		uint8_t cur = pb_app_shown_mask(a);
		uint8_t m = cur == 0x03 ? 0x01 : 0x03;
		a->req_mask = m;
		a->req_until_us = now_us + REQ_WAIT_US;
		e.cmd = PB_CMD_SET_CHANNELS;
		e.value = m;
		break;
	}
	case PB_ACT_MARKER:
		e.marker = true;
		if (!a->replay) {
			/* the label follows: the prompt takes the keys */
			e.label_later = true;
			a->marker_prompt = true;
			a->marker_label[0] = '\0';
		}
		break;
	case PB_ACT_RECORD:
		if (a->replay) {
			pb_app_say(a, now_us, "replay: recording is off");
			break;
		}
		e.record_toggle = true;
		break;
	case PB_ACT_UNITS:
		a->units = (enum pb_unit)((a->units + 1) % 3);
		e.redraw_all = true;
		break;
	case PB_ACT_ZOOM_IN:
		zoom(a, -1);
		e.redraw_all = true;
		break;
	case PB_ACT_ZOOM_OUT:
		zoom(a, +1);
		e.redraw_all = true;
		break;
	case PB_ACT_PAUSE:
		a->paused = !a->paused;
		if (a->paused)
			a->view_end = a->latest_sample;
		e.redraw_all = true;
		break;
	case PB_ACT_SCROLL_BACK:
		scroll(a, -1, now_us);
		e.redraw_all = true;
		break;
	case PB_ACT_SCROLL_FWD:
		scroll(a, +1, now_us);
		e.redraw_all = true;
		break;
	case PB_ACT_SCROLL_START:
		if (!a->paused) {
			a->paused = true;
		}
		{
			uint64_t span = (uint64_t)(pb_app_span_s(a) * a->rate_hz);
			uint64_t lo = a->first_sample + span;
			a->view_end = lo < a->latest_sample ? lo : a->latest_sample;
		}
		e.redraw_all = true;
		break;
	case PB_ACT_SCROLL_END:
		a->paused = false;
		e.redraw_all = true;
		break;
	case PB_ACT_SWEEP:
		a->sweep = !a->sweep;
		e.redraw_all = true;
		break;
	case PB_ACT_SCALE:
		a->autoscale = !a->autoscale;
		e.redraw_all = true;
		break;
	case PB_ACT_ACK:
		if (!a->alarms) {
			pb_app_say(a, now_us, "no active alarm");
			break;
		}
		a->alarms_acked = a->alarms;
		break;
	case PB_ACT_CLEAR_FAULT:
		if (!can_command(a, now_us))
			break;
		e.cmd = PB_CMD_CLEAR_FAULT;
		break;
	case PB_ACT_HELP:
		a->help_open = !a->help_open;
		e.redraw_all = true;
		break;
	case PB_ACT_CALIBRATION:
		a->screen = a->screen == PB_SCR_CALIBRATION ? PB_SCR_MAIN :
		    PB_SCR_CALIBRATION;
		e.redraw_all = true;
		break;
	case PB_ACT_QUIT:
		if (pb_app_running(a) && !a->replay) {
			a->confirm_quit = true;
			e.redraw_all = true;
		} else {
			e.quit = true;
		}
		break;
	case PB_ACT_YES:
		if (!a->confirm_quit)
			break;
		a->confirm_quit = false;
		e.cmd = PB_CMD_STOP;
		e.quit = true;
		break;
	case PB_ACT_NO:
		if (a->confirm_quit) {
			a->confirm_quit = false;
			e.redraw_all = true;
		} else if (a->help_open) {
			a->help_open = false;
			e.redraw_all = true;
		} else if (a->screen != PB_SCR_MAIN) {
			a->screen = PB_SCR_MAIN;
			e.redraw_all = true;
		}
		break;
	}
	return e;
}
