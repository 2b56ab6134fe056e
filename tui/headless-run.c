/*
 * tui/headless-run.c - a run without a screen, from the session's first
 * frame to its summary and exit status (see headless-run.h).
 */
#include "tui/headless-run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/version.h"
#include "proto/client.h"
#include "store/sbuf.h"
#include "tui/headless.h"
#include "tui/runsummary.h"

int pb_headless_run_poll_ms(uint64_t deadline, uint64_t now)
{
	if (deadline <= now)
		return 0;
	uint64_t ms = (deadline - now + 999) / 1000;
	return ms > 1000 ? 1000 : (int)ms;
}

/* Print the session's warnings (bad lines of a replay, an unknown
 * profile) to stderr, at most PB_SES_MAX_WARNINGS and the rest counted. */
void pb_headless_run_warnings(const struct pb_session *ses)
{
	size_t n = pb_session_warnings(ses);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "pumpbench: %s\n", pb_session_warning(ses, i));
	unsigned long long more = pb_session_counts(ses)->warnings_more;
	if (more)
		fprintf(stderr, "pumpbench: ... and %llu more warnings\n", more);
}

/* One turn of a headless loop: wait for the session's fds until its next
 * deadline (at most cap), then service it.  < 0 when poll failed. */
static int headless_step(struct pb_session *ses, uint64_t now, uint64_t cap)
{
	struct pollfd fds[8];
	int n = pb_session_pollfds(ses, fds, 8);
	uint64_t dl = pb_session_next_deadline(ses, now);
	if (dl > cap)
		dl = cap;
	if (poll(fds, (nfds_t)n, pb_headless_run_poll_ms(dl, now)) < 0 &&
	    errno != EINTR)
		return -1;
	pb_session_service(ses, pb_client_clock_us());
	pb_session_take_dirty(ses);
	return 0;
}

/* The counts of a bring-up (--text) run: what its lines gave. */
static void print_text_counts(const struct pb_session *ses)
{
	struct pb_session_text tx;
	pb_session_text(ses, &tx);
	const struct pb_session_counts *c = pb_session_counts(ses);
	printf("pumpbench: text lines=%llu values=%llu malformed=%llu "
	    "too_long=%llu extra=%llu clipped=%llu samples=%llu gaps=%llu",
	    (unsigned long long)tx.lines->lines,
	    (unsigned long long)tx.feed->lines,
	    (unsigned long long)tx.lines->bad,
	    (unsigned long long)tx.lines->overlong,
	    (unsigned long long)tx.feed->extra,
	    (unsigned long long)tx.feed->clipped,
	    (unsigned long long)c->samples, (unsigned long long)c->lost);
	for (int ch = 0; ch < PB_TEXTFEED_CH; ch++)
		if (tx.name[ch][0])
			printf(" ch%d=%s", ch + 1, tx.name[ch]);
}

/* The counts of a protocol run (a replay's): samples, the link's and
 * the device's own. */
static void print_pump_counts(const struct pb_session *ses)
{
	const struct pb_session_counts *c = pb_session_counts(ses);
	const struct pb_client_stats *st = pb_session_client_stats(ses);
	unsigned long long samples = c->samples, lost = c->lost;
	printf("pumpbench: samples=%llu lost=%llu frames=%llu crc_errors=%llu "
	    "telemetry_samples=%llu telemetry_lost=%llu",
	    samples, lost, st ? (unsigned long long)st->rx.frames_ok : 0,
	    st ? (unsigned long long)st->rx.crc_errors : 0,
	    st ? (unsigned long long)st->samples_rx : 0,
	    st ? (unsigned long long)st->samples_lost : 0);
	if (pb_session_is_replay(ses))
		printf(" skipped=%llu discontinuities=%llu",
		    (unsigned long long)c->skipped_lines,
		    (unsigned long long)c->discontinuities);
	const struct pb_device_stats *ds = pb_session_device_stats(ses);
	if (ds)     /* what the device made of our frames (protocol.md 5.15) */
		printf(" device_rx_errors=%llu device_refused=%llu "
		    "device_frames_lost=%lu device_host_lost=%lu",
		    (unsigned long long)pb_device_stats_dropped(ds),
		    (unsigned long long)pb_device_stats_refused(ds),
		    (unsigned long)ds->frames_lost,
		    (unsigned long)ds->host_lost);
}

/* The closing line of a headless run (a replay's, a bring-up run's
 * too): the counts and the result, which the exit status always
 * matches. */
static void print_summary_line(const struct pb_session *ses,
    const struct pb_headless_run_opts *o, enum pb_hl_end end)
{
	if (o->text)
		print_text_counts(ses);
	else
		print_pump_counts(ses);
	printf(" result=%s exit=%d", pb_headless_result(end),
	    pb_headless_exit(end));
	if (o->record) {
		char name[PATH_MAX];
		pb_text_escape_str(name, sizeof name, o->record);
		printf(" record=%s", name);
	}
	printf("\n");
	fflush(stdout);
}

/* Carry out one step now.  False, with the reason in why, when it cannot
 * be (pb_app_command's checks); a pump's refusal comes later, through
 * the session's counts. */
static bool run_step(struct pb_session *ses, struct pb_app *app,
    const struct pb_script_step *st, uint64_t now, char *why, size_t n)
{
	enum pb_cmd_kind k = PB_CMD_NONE;
	int v = 0;
	switch (st->op) {
	case PB_SOP_START: k = PB_CMD_START; break;
	case PB_SOP_STOP: k = PB_CMD_STOP; break;
	case PB_SOP_MODE: k = PB_CMD_SET_MODE; v = st->value; break;
	case PB_SOP_LEVEL: k = PB_CMD_SET_LEVEL; v = st->value; break;
	case PB_SOP_DOUBLE: k = PB_CMD_SET_CHANNELS; v = 0x03; break;
	case PB_SOP_SINGLE: k = PB_CMD_SET_CHANNELS; v = 0x01; break;
	case PB_SOP_CLEAR: k = PB_CMD_CLEAR_FAULT; break;
	case PB_SOP_MARKER: {
		struct pb_app_effect e = { .marker = true, .label = st->label };
		pb_session_apply(ses, &e, now);
		return true;
	}
	case PB_SOP_END:
		return true;
	}
	struct pb_app_effect e = pb_app_command(app, k, v, now, why, n);
	if (e.cmd == PB_CMD_NONE)
		return false;
	pb_session_apply(ses, &e, now);
	return true;
}

/* What a headless run saw, for the reason and the summary. */
struct hl_run {
	struct pb_headless h;
	size_t   alarm_seen;        /* app alarm records looked at */
	uint64_t alarms_raised;
	char     first_alarm[48];
	double   first_alarm_s;
	size_t   steps_done;
	bool     drove;             /* a device command was sent */
	char     step_err[480];
};

/* Alarms raised since the last look (the app keeps the history). */
static void look_at_alarms(struct hl_run *r, const struct pb_app *app,
    uint64_t now)
{
	size_t fresh = app->alarm_n - r->alarm_seen;
	if (fresh > PB_APP_ALARM_HIST) {
		r->alarms_raised++;     /* more than the history holds */
		fresh = PB_APP_ALARM_HIST;
	}
	for (size_t i = fresh; i-- > 0;) {       /* the oldest first */
		const struct pb_alarm_rec *a = pb_app_alarm(app, i);
		if (!a || !a->raised)
			continue;
		if (!r->alarms_raised++) {
			snprintf(r->first_alarm, sizeof r->first_alarm, "%s",
			    pb_alarm_name(a->bit));
			r->first_alarm_s = pb_headless_elapsed_s(&r->h, now);
		}
	}
	r->alarm_seen = app->alarm_n;
}

static void drive(struct hl_run *r, struct pb_session *ses,
    struct pb_app *app, const struct pb_script *sc,
    const volatile sig_atomic_t *stop)
{
	for (;;) {
		uint64_t now = pb_client_clock_us();
		look_at_alarms(r, app, now);
		/* bring-up mode: no HELLO to wait for; a port that goes
		 * away is reopened until the run is over; --text - ends with
		 * its input */
		struct pb_session_text tx;
		bool text = pb_session_text(ses, &tx);
		struct pb_headless_in in = {
			.identified = text || pb_session_identified(ses),
			.link_up = text || app->link_up,
			.alarms_raised = r->alarms_raised,
			.signal = *stop != 0,
			.ended = text && tx.ended,
		};
		size_t a, b;
		pb_headless_tick(&r->h, &in, now, &a, &b);
		for (size_t i = a; i < b; i++) {
			const struct pb_script_step *st = &sc->steps[i];
			char why[200], what[96];
			if (!run_step(ses, app, st, now, why, sizeof why)) {
				pb_script_describe(st, what, sizeof what);
				if (st->line)
					snprintf(r->step_err, sizeof r->step_err,
					    "step '%s' (line %u) at %.1f s: %s",
					    what, st->line,
					    pb_headless_elapsed_s(&r->h, now), why);
				else
					snprintf(r->step_err, sizeof r->step_err,
					    "--%s: %s", what, why);
				pb_headless_step_failed(&r->h, now);
				break;
			}
			r->steps_done++;
			if (st->op != PB_SOP_MARKER && st->op != PB_SOP_END)
				r->drove = true;
		}
		const char *ce = pb_session_cmd_error(ses);
		if (ce && r->h.end == PB_HL_RUNNING) {
			snprintf(r->step_err, sizeof r->step_err, "the pump "
			    "did not carry out '%s'", ce);
			pb_headless_step_failed(&r->h, now);
		}
		if (r->h.end != PB_HL_RUNNING)
			break;
		if (headless_step(ses, now, pb_headless_deadline(&r->h, now)) < 0)
			break;
	}
}

/* The reason of a run that failed, in one line (escaped parts only). */
static void reason(const struct hl_run *r, enum pb_hl_end end,
    const struct pb_session *ses, const struct pb_headless_run_opts *o, char *buf, size_t n)
{
	char port[256];
	pb_text_escape_str(port, sizeof port, o->port ? o->port :
	    o->replay ? o->replay : "the emulator");
	const struct pb_client_stats *st = pb_session_client_stats(ses);
	const struct pb_session_counts *c = pb_session_counts(ses);
	buf[0] = '\0';
	switch (end) {
	case PB_HL_RUNNING:
	case PB_HL_DONE:
		break;
	case PB_HL_NO_HELLO:
		snprintf(buf, n, "no answer to HELLO from %s within %g s (%llu "
		    "valid frames): is a pump on this port, at this baud rate?",
		    port, r->h.o.hello_timeout_us / 1e6,
		    st ? (unsigned long long)st->rx.frames_ok : 0);
		break;
	case PB_HL_LINK_LOST:
		snprintf(buf, n, "the link to %s was lost for more than %g s "
		    "(from %.1f s of the run)", port,
		    r->h.o.link_timeout_us / 1e6, r->h.down_since_us >
		    r->h.hello_us ? (r->h.down_since_us - r->h.hello_us) / 1e6 :
		    0.0);
		break;
	case PB_HL_ALARM:
		snprintf(buf, n, "alarm %s raised at %.1f s of the run "
		    "(--allow-alarms lets a run go on)", r->first_alarm,
		    r->first_alarm_s);
		break;
	case PB_HL_STEP_FAILED:
		snprintf(buf, n, "%s", r->step_err);
		break;
	case PB_HL_SIGNAL:
		snprintf(buf, n, "interrupted");
		break;
	case PB_HL_NO_TELEMETRY:
		snprintf(buf, n, "%s answered HELLO but sent no telemetry in "
		    "%g s", port, o->duration > 0 ? o->duration :
		    round(pb_headless_elapsed_s(&r->h, pb_client_clock_us()) * 10) / 10);
		break;
	case PB_HL_RECORD_FAILED:
		snprintf(buf, n, "recording failed: %s",
		    pb_session_record_error(ses));
		break;
	case PB_HL_NO_SAMPLE: {
		struct pb_session_text tx;
		if (pb_session_text(ses, &tx))
			snprintf(buf, n, "no line with a value in %llu lines "
			    "(%llu malformed)",
			    (unsigned long long)tx.lines->lines,
			    (unsigned long long)tx.lines->bad);
		else
			snprintf(buf, n, "%s: no usable sample (%llu bad lines "
			    "skipped)", port,
			    (unsigned long long)c->skipped_lines);
		break;
	}
	}
}

static void print_json(const struct hl_run *r, enum pb_hl_end end,
    const char *why, const struct pb_session *ses, const struct pb_app *app,
    const struct pb_headless_run_opts *o, const struct pb_script *sc)
{
	const struct pb_session_counts *c = pb_session_counts(ses);
	const struct pb_client_stats *st = pb_session_client_stats(ses);
	const struct pb_profile *p = pb_session_profile(ses);
	char port[PATH_MAX];
	pb_text_escape_str(port, sizeof port, pb_session_port(ses));
	const struct pb_history *h = pb_session_history(ses);
	struct pb_runsummary rs = {
		.tool_version = pb_version(),
		.result = pb_headless_result(end),
		.exit_code = pb_headless_exit(end),
		.reason = why[0] ? why : NULL,
		.port = port,
		.replay = pb_session_is_replay(ses),
		.info = app->have_info ? &app->info : NULL,
		.profile = p ? p->id : NULL,
		.run_s = pb_session_is_replay(ses) && app->rate_hz ?
		    (double)c->samples / app->rate_hz :
		    pb_headless_elapsed_s(&r->h, pb_client_clock_us()),
		.samples = c->samples, .lost = c->lost,
		.frames = st ? st->rx.frames_ok : 0,
		.crc_errors = st ? st->rx.crc_errors : 0,
		.link_losses = c->link_losses,
		.steps_total = sc->n, .steps_done = r->steps_done,
		.step_failed = end == PB_HL_STEP_FAILED ? r->step_err : NULL,
		.alarms_raised = r->alarms_raised,
		.first_alarm = r->first_alarm[0] ? r->first_alarm : NULL,
		.markers = c->markers,
		.record = o->record,
		.channels = h ? pb_history_channels(h) :
		    app->have_info ? app->info.channels : 0,
		.cycles = pb_session_cyclesum(ses),
	};
	struct pb_sbuf b;
	pb_sbuf_init(&b, PB_RUNSUMMARY_MAX_BYTES);
	pb_runsummary_json(&b, &rs);
	if (b.truncated || !b.p)
		fprintf(stderr, "pumpbench: the JSON summary did not fit in "
		    "%u bytes\n", PB_RUNSUMMARY_MAX_BYTES);
	else
		fputs(b.p, stdout);
	fflush(stdout);
	pb_sbuf_free(&b);
}

#define STOP_WAIT_US 2000000u

/* Stop the pump, and go on servicing the session until its telemetry
 * says it stopped (at most STOP_WAIT_US), so that a recording ends with
 * the stop. */
static void stop_pump(struct pb_session *ses, struct pb_app *app)
{
	uint64_t now = pb_client_clock_us(), until = now + STOP_WAIT_US;
	struct pb_app_effect e = { .cmd = PB_CMD_STOP };
	pb_session_apply(ses, &e, now);
	while (pb_app_running(app) && app->link_up && (now = pb_client_clock_us()) < until)
		if (headless_step(ses, now, until) < 0)
			break;
}

/* Runs the script until its end or --duration (the run's time starts at
 * the pump's HELLO answer), or until it fails (tui/headless.h); a
 * bring-up (--text) run until --duration or the end of its input, a
 * replay at once.  Returns
 * the exit status, with the reason on stderr when it is not 0: the
 * summary line (or JSON) never stands alone for a run that did not work,
 * and it names the same result as the exit status. */
int pb_headless_run(struct pb_session *ses, struct pb_app *app,
    const struct pb_headless_run_opts *o, const struct pb_script *sc)
{
	struct hl_run r;
	memset(&r, 0, sizeof r);
	struct pb_headless_opts ho = {
		.duration_us = (uint64_t)(o->duration * 1e6),
		.hello_timeout_us = o->hello_timeout > 0 ?
		    (uint64_t)(o->hello_timeout * 1e6) : PB_HL_HELLO_TIMEOUT_US,
		.link_timeout_us = o->link_timeout > 0 ?
		    (uint64_t)(o->link_timeout * 1e6) : PB_HL_LINK_TIMEOUT_US,
		.allow_alarms = o->allow_alarms,
		.until_ended = o->text && o->duration <= 0,
		.script = sc,
	};
	/* from now: starting the emulator (--sim) is not the pump's time */
	pb_headless_init(&r.h, &ho, pb_client_clock_us());
	r.alarm_seen = app->alarm_n;
	bool replay = pb_session_is_replay(ses);
	if (!replay)
		drive(&r, ses, app, sc, o->stop);
	enum pb_hl_end end = replay ? PB_HL_DONE : r.h.end;
	if (end == PB_HL_DONE && sc->has_end && r.h.next == sc->n)
		r.steps_done++;           /* the `end` step itself */
	/* a pump this run drove is left stopped, whatever ended the run */
	if (!replay && r.drove && app->link_up && pb_app_running(app))
		stop_pump(ses, app);
	/* bring-up mode: the line read so far counts */
	struct pb_session_text tx;
	bool text = pb_session_text(ses, &tx);
	if (text)
		pb_session_text_flush(ses, pb_client_clock_us());
	/* close the recording now: its outcome is part of the verdict */
	if (!replay)
		pb_session_record(ses, NULL, false, pb_client_clock_us());
	const struct pb_session_counts *c = pb_session_counts(ses);
	if (text)
		pb_session_text(ses, &tx);
	if (end == PB_HL_DONE) {
		if ((replay && c->samples == 0) || (text && tx.feed->lines == 0))
			end = PB_HL_NO_SAMPLE;
		else if (!replay && !text && c->samples == 0)
			end = PB_HL_NO_TELEMETRY;
		else if (pb_session_record_error(ses))
			end = PB_HL_RECORD_FAILED;
	}
	char why[1024];
	reason(&r, end, ses, o, why, sizeof why);
	/* -q leaves out the line; the JSON is output asked for */
	if (o->summary_json)
		print_json(&r, end, why, ses, app, o, sc);
	else if (!o->quiet)
		print_summary_line(ses, o, end);
	pb_headless_run_warnings(ses);
	if (why[0])
		fprintf(stderr, "pumpbench: %s\n", why);
	/* a recording that failed is said even when something else failed
	 * first */
	const char *rerr = pb_session_record_error(ses);
	if (rerr && end != PB_HL_RECORD_FAILED)
		fprintf(stderr, "pumpbench: recording failed: %s\n", rerr);
	return pb_headless_exit(end);
}
