/*
 * tui/session.c - connection edge: pumpsim child, port, client, feeds.
 * The session's insides are tui/session-impl.h; a recording read back is
 * tui/session-replay.c, the bring-up text input tui/session-text.c.
 */
#include "tui/session.h"
#include "tui/session-impl.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "tui/indexmap.h"
#include "tui/simchild.h"

#define SIM_RESTART_AFTER_US 1500000u  /* show the loss before restarting */
#define HELLO_RETRY_US       1000000u
#define DEV_STATS_US         2000000u  /* DEVICE_STATS poll period */
#define TXN_LISTENER         0xFF   /* txn_kind: pb_session_send's */

/* The link panel's message line: escaped, whatever it quotes. */
void pb_ses_say_log(struct pb_session *s, const char *fmt, ...)
{
	char raw[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	pb_text_escape_str(s->last_log, sizeof s->last_log, raw);
}

/* A problem with the input worth reporting (a bad line of a recording,
 * an unknown profile): kept (the first PB_SES_MAX_WARNINGS, the rest
 * counted) for pb_session_warning(), and shown in the link panel. */
void pb_ses_warn(struct pb_session *s, const char *fmt, ...)
{
	char raw[PB_SES_WARNING_LEN * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (s->nwarn < PB_SES_MAX_WARNINGS)
		pb_text_escape_str(s->warnings[s->nwarn++], PB_SES_WARNING_LEN,
		    raw);
	else
		s->counts.warnings_more++;
	pb_ses_say_log(s, "%s", raw);
	s->dirty = true;
}

const char *pb_session_strerror(int err)
{
	switch (err) {
	case PB_SES_OK: return "ok";
	case PB_SES_E_ARG: return "bad argument";
	case PB_SES_E_SPAWN: return "cannot start the emulator";
	case PB_SES_E_PORT: return "cannot open the port";
	case PB_SES_E_RECORD: return "cannot open the recording";
	case PB_SES_E_REPLAY: return "cannot read the recording";
	case PB_SES_E_NOMEM: return "out of memory";
	case PB_SES_E_PROFILE: return "cannot load the profile";
	default: return "unknown session error";
	}
}

/* ---- pumpsim child ------------------------------------------------------ */

static int sim_start(struct pb_session *s, char *err, size_t errlen)
{
	struct pb_simchild_opts so = {
		.prog = s->sim_prog, .profile = s->o.sim_profile,
		.link_path = s->link_path, .factory_key = s->o.factory_key,
		.args = s->o.sim_args, .nargs = s->o.nsim_args,
	};
	if (pb_simchild_start(&s->sim, &so, err, errlen) < 0)
		return PB_SES_E_SPAWN;
	s->sim_dead = false;
	/* the --link path is stable across restarts; fall back to the pty */
	struct stat st;
	if (stat(s->link_path, &st) != 0)
		snprintf(s->link_path, sizeof s->link_path, "%s", s->sim.pty);
	snprintf(s->port_desc, sizeof s->port_desc, "%.200s (pumpsim %.32s)",
	    s->sim.pty, s->o.sim_profile);
	return 0;
}

/* ---- data feeds --------------------------------------------------------- */

void pb_ses_ensure_data(struct pb_session *s, int channels, unsigned rate)
{
	if (channels < 1)
		channels = 1;
	if (channels > PB_HIST_MAX_CH)
		channels = PB_HIST_MAX_CH;
	if (!s->hist)
		s->hist = pb_history_new(channels);
	if (!s->cyc_ready) {
		pb_cycles_init(&s->cyc, s->have_profile ? &s->profile : NULL,
		    rate ? rate : 1000, channels);
		pb_cycles_set_sum(&s->cyc, &s->cycsum);
		s->cyc_ready = true;
	}
}

int pb_ses_load_profile(struct pb_session *s, const char *id,
    enum prof_src src, char *uerr, size_t uerrlen)
{
	char err[512];
	if (!id || !id[0] || s->have_profile)
		return 0;
	if (src != PROF_USER && !strcmp(id, s->prof_missing))
		return 0;   /* said once (a reconnect answers HELLO again) */
	int r = src == PROF_USER ?
	    pb_profile_find(&s->profile, id, err, sizeof err) :
	    pb_profile_find_id(&s->profile, id, err, sizeof err);
	if (r == 0) {
		s->have_profile = true;
		if (s->cyc_ready)
			s->cyc.profile = &s->profile;
		return 0;
	}
	if (src == PROF_USER) {
		if (uerr && uerrlen)
			pb_text_escape_str(uerr, uerrlen, err);
		return PB_SES_E_PROFILE;
	}
	snprintf(s->prof_missing, sizeof s->prof_missing, "%s", id);
	pb_ses_warn(s, "%s reports profile '%s': %s: cycle statistics "
	    "without a spec", src == PROF_DEVICE ? "the pump" : "the recording", id,
	    err);
	/* the link panel is narrow: the gist there, the whole in warnings */
	pb_ses_say_log(s, "profile '%.16s': %s", id, pb_profile_id_valid(id) ?
	    "not found" : "not an id");
	if (s->app)
		pb_app_say(s->app, s->now_us, "profile '%.16s' unknown: "
		    "statistics without a spec", id);
	return 0;
}

static void fill_meta(struct pb_session *s, struct pb_rec_meta *m)
{
	memset(m, 0, sizeof *m);
	const struct pb_device_info *i = s->cl ? pb_client_info(s->cl) : NULL;
	if (i) {
		snprintf(m->serial, sizeof m->serial, "%.*s", PB_STR_LEN,
		    i->serial);
		snprintf(m->firmware, sizeof m->firmware, "%.*s", PB_STR_LEN,
		    i->fw_version);
		snprintf(m->profile, sizeof m->profile, "%.*s", PB_STR_LEN,
		    i->profile);
		m->cal_id = i->cal_id;
		m->sample_rate_hz = i->sample_rate_hz;
		m->channels = i->channels;
	} else {
		snprintf(m->profile, sizeof m->profile, "%s",
		    s->have_profile ? s->profile.id : "");
		m->sample_rate_hz = s->have_profile ?
		    (unsigned)s->profile.sample_rate_hz : 1000;
		m->channels = s->have_profile ? s->profile.channels : 2;
	}
	if (m->channels < 1 || m->channels > PB_REC_MAX_CH)
		m->channels = PB_REC_MAX_CH;
	if (!m->sample_rate_hz)
		m->sample_rate_hz = 1000;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->start_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	m->unit = s->o.units;
}

static void record_failed(struct pb_session *s, uint64_t now_us)
{
	s->rec_failed = true;
	pb_ses_say_log(s, "%.150s", s->rec_err);
	pb_app_say(s->app, now_us, "%.90s", s->rec_err);
}

/* Open the next recording.  The first one named by --record is created
 * or truncated, as asked; every other one (a second `r`, or the default
 * time-stamped name) is a new file that never overwrites anything:
 * NAME-2.csv, NAME-3.csv, ... when the name is taken. */
static int record_open(struct pb_session *s, const char *path,
    const struct pb_rec_meta *m, uint64_t now_us)
{
	char stamp[64];
	if (!path) {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "pumpbench-%Y%m%d-%H%M%S.csv",
		    &tm);
		path = stamp;
	}
	bool first_named = path == s->o.record && s->rec_opened == 0;
	s->rec_opened++;
	if (first_named)
		return pb_rec_open(&s->rec, path, m, now_us, s->rec_err,
		    sizeof s->rec_err);
	char name[PATH_MAX];
	for (unsigned k = path == s->o.record ? 2 : 1; k < 1000; k++) {
		if (pb_rec_numbered_name(name, sizeof name, path, k) < 0)
			break;
		int r = pb_rec_open_new(&s->rec, name, m, now_us, s->rec_err,
		    sizeof s->rec_err);
		if (r != PB_REC_E_EXISTS)
			return r;
	}
	snprintf(s->rec_err, sizeof s->rec_err, "%.200s: cannot record: no "
	    "free numbered name", path);
	return PB_REC_E_EXISTS;
}

/* Write the held marker's row (with LABEL, may be NULL) and say so. */
static void marker_write(struct pb_session *s, const char *label,
    uint64_t now_us)
{
	if (!s->mk_held)
		return;
	s->mk_held = false;
	bool has = label && label[0];
	if (has && s->mk_slot < PB_SES_MAX_MARKERS)
		snprintf(s->marker_labels[s->mk_slot],
		    sizeof s->marker_labels[s->mk_slot], "%s", label);
	if (s->rec)
		pb_rec_marker(s->rec, s->mk_dms, s->mk_index, s->mk_no,
		    has ? label : NULL, now_us);
	if (has)
		pb_app_say(s->app, now_us, "marker %u: %.60s", s->mk_no, label);
	else
		pb_app_say(s->app, now_us, "marker %u", s->mk_no);
	s->dirty = true;
}

int pb_session_record(struct pb_session *s, const char *path, bool on,
    uint64_t now_us)
{
	/* a marker still waiting for its label goes into this recording */
	marker_write(s, NULL, now_us);
	if (!on) {
		int rc = 0;
		if (s->rec) {
			char name[256];
			snprintf(name, sizeof name, "%s", pb_rec_path(s->rec));
			if (pb_rec_finish(s->rec, now_us, s->rec_err,
			    sizeof s->rec_err) < 0) {
				record_failed(s, now_us);
				rc = PB_SES_E_RECORD;
			} else {
				pb_ses_say_log(s, "recording closed: %s", name);
			}
			s->rec = NULL;
			if (s->o.recorded)
				s->o.recorded(s->o.recorded_ctx, name, now_us);
		}
		pb_app_set_recording(s->app, false);
		return rc;
	}
	if (s->rec)
		return 0;
	struct pb_rec_meta m;
	fill_meta(s, &m);
	int r = record_open(s, path, &m, now_us);
	if (r < 0) {
		s->rec = NULL;
		record_failed(s, now_us);
		return PB_SES_E_RECORD;
	}
	pb_app_set_recording(s->app, true);
	s->text_mask = 0;   /* text mode: a P row before the first sample */
	pb_ses_say_log(s, "recording to %s", pb_rec_path(s->rec));
	return 0;
}

static void on_telemetry(void *ctx, const struct pb_telemetry *t,
    uint32_t lost_samples)
{
	struct pb_session *s = ctx;
	uint64_t now = s->now_us;
	/* nothing is shown or recorded before the first HELLO answer: the
	 * recording's header needs the device's identity */
	if (!s->have_info)
		return;
	unsigned rate = s->have_info && pb_client_info(s->cl) ?
	    pb_client_info(s->cl)->sample_rate_hz : 0;
	if (!rate)
		rate = s->have_profile ? (unsigned)s->profile.sample_rate_hz : 1000;
	pb_ses_ensure_data(s, t->channels, rate);

	/* the device index onto the 64-bit session index (tui/indexmap.h) */
	(void)lost_samples;   /* the client's count is in its stats */
	uint64_t prev_next = s->imap.next;
	struct pb_index_step st = pb_indexmap_batch(&s->imap, t->first_sample,
	    t->n, rate, now);
	uint64_t gap = st.gap;
	bool link_gap = st.link_gap;
	uint64_t sidx = st.first;
	if (gap) {
		pb_history_gap(s->hist, gap);
		pb_cycles_lost(&s->cyc, gap);
		s->counts.lost += gap;
		if (s->rec && link_gap)
			pb_rec_gap(s->rec, t->device_ms, prev_next, gap,
			    "link_down", now);
	}
	const int16_t *v[PB_HIST_MAX_CH] = { NULL, NULL };
	for (int c = 0; c < t->channels && c < PB_HIST_MAX_CH; c++)
		v[c] = t->samples[c];
	pb_history_push(s->hist, v, t->n);
	pb_cycles_feed_batch(&s->cyc, sidx, t);
	s->ev_have = true;
	s->ev_base_idx = sidx;
	s->ev_base_ms = t->device_ms;
	s->ev_rate = rate;
	if (s->rec) {
		int r = pb_rec_telemetry(s->rec, sidx, t,
		    link_gap ? 0 : (uint32_t)gap, now);
		if (r < 0)
			pb_app_say(s->app, now, "recording: %.80s",
			    pb_rec_error(s->rec));
	}
	s->counts.samples += t->n;
	s->counts.batches++;
	pb_app_on_telemetry(s->app, t, now);
	pb_app_set_samples(s->app, pb_history_oldest(s->hist),
	    pb_history_head(s->hist), rate);
	if (s->lis.telemetry)
		s->lis.telemetry(s->lis.ctx, t, now);
	s->dirty = true;
}

/* The session sample index at device time dev_ms: counted from the latest
 * batch by the sample rate, never past the samples seen (an event is
 * placed where it happened, not where the host read it). */
static uint64_t index_at(const struct pb_session *s, uint32_t dev_ms)
{
	if (!s->ev_have || !s->imap.have)
		return s->imap.have ? s->imap.next : 0;
	int64_t d = (int64_t)(int32_t)(dev_ms - s->ev_base_ms) *
	    (int64_t)s->ev_rate / 1000;
	int64_t i = (int64_t)s->ev_base_idx + d;
	if (i < 0)
		i = 0;
	if ((uint64_t)i > s->imap.next)
		i = (int64_t)s->imap.next;
	return (uint64_t)i;
}

static void on_event(void *ctx, const struct pb_event *e)
{
	struct pb_session *s = ctx;
	pb_app_on_event(s->app, e, s->now_us);
	if (s->rec)
		pb_rec_event(s->rec, e->device_ms, index_at(s, e->device_ms), e,
		    s->now_us);
	if (e->kind == PB_EV_AUTO_OFF)
		pb_app_say(s->app, s->now_us, "session ended by the auto-off timer");
	s->dirty = true;
}

static void on_log(void *ctx, const struct pb_log *l)
{
	struct pb_session *s = ctx;
	pb_ses_say_log(s, "device: %.140s", l->text);
	s->dirty = true;
}

static void cmd_failed(struct pb_session *s, enum pb_cmd_kind k, int value,
    const char *why);

static void on_done(void *ctx, uint8_t txn, int status,
    const struct pb_response *resp)
{
	struct pb_session *s = ctx;
	if ((int)txn == s->stats_txn) {
		/* the device's own counters, for the link panel and the
		 * headless summary; an older device lacks the command */
		s->stats_txn = -1;
		if (status == PB_CLIENT_E_STATUS && resp &&
		    resp->status == PB_ST_UNKNOWN_CMD)
			s->stats_unsupported = true;
		s->dirty = true;
		return;
	}
	if ((int)txn == s->hello_txn ||
	    (resp && resp->req_type == PB_T_HELLO)) {
		if ((int)txn == s->hello_txn)
			s->hello_txn = -1;
		const struct pb_device_info *i = pb_client_info(s->cl);
		if (status == PB_CLIENT_OK && i) {
			s->have_info = true;
			/* (maybe another unit now): ask for its counters */
			s->stats_unsupported = false;
			s->stats_next_us = s->now_us;
			if (!s->o.profile)
				pb_ses_load_profile(s, i->profile, PROF_DEVICE,
				    NULL, 0);
			pb_app_set_info(s->app, i,
			    s->have_profile ? &s->profile : NULL);
			pb_ses_ensure_data(s, i->channels, i->sample_rate_hz);
			if (s->o.record && !s->rec && s->counts.batches == 0)
				pb_session_record(s, s->o.record, true, s->now_us);
		}
		s->dirty = true;
		return;
	}
	if (s->txn_kind[txn] == TXN_LISTENER) {
		s->txn_kind[txn] = PB_CMD_NONE;
		/* READ_INFO refreshes what the client knows (e.g. a new
		 * calibration id): show it */
		const struct pb_device_info *i = pb_client_info(s->cl);
		if (status == PB_CLIENT_OK && resp &&
		    resp->req_type == PB_T_READ_INFO && i)
			pb_app_set_info(s->app, i,
			    s->have_profile ? &s->profile : NULL);
		if (s->lis.done)
			s->lis.done(s->lis.ctx, status, resp, s->now_us);
		s->dirty = true;
		return;
	}
	enum pb_cmd_kind k = (enum pb_cmd_kind)s->txn_kind[txn];
	s->txn_kind[txn] = PB_CMD_NONE;
	bool ok = status == PB_CLIENT_OK;
	char why[96];
	if (status == PB_CLIENT_E_STATUS && resp)
		snprintf(why, sizeof why, "device says %s",
		    pb_status_name(resp->status));
	else
		snprintf(why, sizeof why, "%s", pb_client_strerror(status));
	if (!ok)
		cmd_failed(s, k, s->txn_value[txn], why);
	pb_app_on_cmd_done(s->app, k, ok, why, s->now_us);
	s->dirty = true;
}

static void on_link(void *ctx, bool up, const char *why)
{
	struct pb_session *s = ctx;
	if (!up && s->link_up) {
		s->link_down_us = s->now_us;
		s->counts.link_losses++;
		pb_indexmap_link_down(&s->imap);
		s->ev_have = false;
		pb_cycles_reset(&s->cyc);
		if (why && *why)
			pb_ses_say_log(s, "link lost: %.140s", why);
	}
	/* the client itself sends HELLO after a reconnect */
	s->link_up = up;
	pb_app_on_link(s->app, up, s->now_us);
	s->dirty = true;
}

/* ---- open / close -------------------------------------------------------- */

static int open_client(struct pb_session *s, const char *path, char *err,
    size_t errlen)
{
	struct pb_link_opts lo = { .baud = s->o.baud,
	    .flow = (enum pb_flow)s->o.flow };
	int lerr = 0;
	char msg[256] = "";
	struct pb_link *l = pb_link_open(path, &lo, &lerr, msg, sizeof msg);
	if (!l) {
		snprintf(err, errlen, "%s: %s", path,
		    msg[0] ? msg : pb_link_strerror(lerr));
		return PB_SES_E_PORT;
	}
	struct pb_client_cb cb = {
		.ctx = s, .telemetry = on_telemetry, .event = on_event,
		.log = on_log, .done = on_done, .link = on_link,
	};
	s->cl = pb_client_new(l, &cb);
	if (!s->cl) {
		snprintf(err, errlen, "%s: out of memory", path);
		return PB_SES_E_NOMEM;
	}
	s->hello_txn = pb_client_hello(s->cl, s->now_us);
	s->hello_sent_us = s->now_us;
	return 0;
}

int pb_session_open(struct pb_session **out, const struct pb_session_opts *o,
    struct pb_app *app, uint64_t now_us, char *err, size_t errlen)
{
	*out = NULL;
	if (!o || !app || (!o->sim_profile && !o->port && !o->replay &&
	    !o->text)) {
		snprintf(err, errlen, "no port: use --sim, --port PATH or "
		    "--replay FILE");
		return PB_SES_E_ARG;
	}
	struct pb_session *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return PB_SES_E_NOMEM;
	}
	s->o = *o;
	s->app = app;
	pb_simchild_init(&s->sim);
	s->hello_txn = -1;
	s->stats_txn = -1;
	s->now_us = now_us;
	s->fps_t0 = now_us;
	int r;

	if (o->text) {
		r = pb_ses_open_text(s, err, errlen);
		if (r < 0)
			goto fail;
		*out = s;
		return 0;
	}
	if (o->replay) {
		r = pb_ses_open_replay(s, err, errlen);
		if (r < 0)
			goto fail;
		*out = s;
		return 0;
	}
	if (o->profile) {
		r = pb_ses_load_profile(s, o->profile, PROF_USER, err, errlen);
		if (r < 0)
			goto fail;
	}
	/* a recording that cannot be written fails now, with its reason,
	 * not when the pump has answered */
	if (o->record && pb_rec_check_path(o->record, err, errlen) < 0) {
		r = PB_SES_E_RECORD;
		goto fail;
	}
	if (o->sim_profile) {
		if (o->pumpsim)
			snprintf(s->sim_prog, sizeof s->sim_prog, "%s", o->pumpsim);
		else if (pb_simchild_find(s->sim_prog, sizeof s->sim_prog) < 0) {
			snprintf(err, errlen, "pumpsim: not found next to "
			    "pumpbench nor on PATH");
			r = PB_SES_E_SPAWN;
			goto fail;
		}
		char tmpl[] = "/tmp/pumpbench-XXXXXX";
		if (!mkdtemp(tmpl)) {
			snprintf(err, errlen, "/tmp: %s", strerror(errno));
			r = PB_SES_E_SPAWN;
			goto fail;
		}
		snprintf(s->sim_tmpdir, sizeof s->sim_tmpdir, "%s", tmpl);
		snprintf(s->link_path, sizeof s->link_path, "%s/pump", tmpl);
		r = sim_start(s, err, errlen);
		if (r < 0)
			goto fail;
		r = pb_ses_load_profile(s, o->sim_profile, PROF_USER, err,
		    errlen);
		if (r < 0)
			goto fail;
		r = open_client(s, s->link_path, err, errlen);
		if (r < 0)
			goto fail;
	} else {
		snprintf(s->port_desc, sizeof s->port_desc, "%s", o->port);
		snprintf(s->link_path, sizeof s->link_path, "%s", o->port);
		r = open_client(s, o->port, err, errlen);
		if (r < 0)
			goto fail;
		if (pb_client_link(s->cl))
			snprintf(s->port_desc, sizeof s->port_desc, "%s (%s)",
			    o->port, pb_link_backend(pb_client_link(s->cl)));
	}
	*out = s;
	return 0;
fail:
	pb_session_close(s, now_us);
	return r;
}

void pb_session_close(struct pb_session *s, uint64_t now_us)
{
	if (!s)
		return;
	pb_session_text_flush(s, now_us);
	marker_write(s, NULL, now_us);
	if (s->rec) {
		char name[PATH_MAX];
		snprintf(name, sizeof name, "%s", pb_rec_path(s->rec));
		pb_rec_close(s->rec, now_us);
		if (s->o.recorded)
			s->o.recorded(s->o.recorded_ctx, name, now_us);
		s->rec = NULL;
	}
	if (s->cl)
		pb_client_free(s->cl);
	if (s->tlink)
		pb_link_close(s->tlink);
	pb_simchild_stop(&s->sim);
	if (s->sim_tmpdir[0]) {
		char p[PATH_MAX + 8];
		snprintf(p, sizeof p, "%s/pump", s->sim_tmpdir);
		unlink(p);
		rmdir(s->sim_tmpdir);
	}
	pb_history_free(s->hist);
	free(s);
}

/* ---- the loop's side ----------------------------------------------------- */

int pb_session_pollfds(struct pb_session *s, struct pollfd *fds, int max)
{
	int n = 0;
	if (s->cl && n < max) {
		int fd = pb_client_fd(s->cl);
		if (fd >= 0) {
			fds[n].fd = fd;
			fds[n].events = POLLIN |
			    (pb_client_wants_write(s->cl) ? POLLOUT : 0);
			fds[n].revents = 0;
			n++;
		}
	}
	if (s->text && s->text_up && !s->text_ended && n < max) {
		fds[n].fd = pb_link_fd(s->tlink);
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		if (fds[n].fd >= 0)
			n++;
	}
	n += pb_simchild_pollfds(&s->sim, fds + n, max - n);
	return n;
}

static void sim_watch(struct pb_session *s, uint64_t now_us)
{
	if (!s->o.sim_profile)
		return;
	char line[200];
	if (pb_simchild_drain(&s->sim, line, sizeof line))
		pb_ses_say_log(s, "pumpsim: %.140s", line);
	if (!s->sim_dead && pb_simchild_reap(&s->sim, line, sizeof line)) {
		s->sim_dead = true;
		s->sim_died_us = now_us;
		pb_ses_say_log(s, "%s", line);
		s->dirty = true;
	}
	/* restart only after the loss has been on screen for a while */
	if (s->sim_dead && !s->link_up &&
	    now_us - s->sim_died_us >= SIM_RESTART_AFTER_US &&
	    (!s->link_down_us || now_us - s->link_down_us >= SIM_RESTART_AFTER_US)) {
		pb_simchild_close_pipes(&s->sim);
		char err[256];
		unlink(s->link_path);
		if (sim_start(s, err, sizeof err) == 0) {
			s->counts.sim_restarts++;
			pb_ses_say_log(s, "pumpsim restarted on %s",
			    s->link_path);
		} else {
			pb_ses_say_log(s, "%.150s", err);
			s->sim_died_us = now_us;   /* retry later */
		}
		s->dirty = true;
	}
}

int pb_session_service(struct pb_session *s, uint64_t now_us)
{
	s->now_us = now_us;
	if (s->replay)
		return 0;
	if (s->text)
		pb_ses_text_service(s, now_us);
	sim_watch(s, now_us);
	if (s->cl) {
		pb_client_service(s->cl, now_us);
		/* HELLO lost or failed while the link is up: ask again */
		if (s->link_up && !pb_client_info(s->cl) && s->hello_txn < 0 &&
		    now_us - s->hello_sent_us > HELLO_RETRY_US) {
			s->hello_txn = pb_client_hello(s->cl, now_us);
			s->hello_sent_us = now_us;
		}
		if (s->link_up && pb_client_info(s->cl) && s->stats_txn < 0 &&
		    !s->stats_unsupported && now_us >= s->stats_next_us) {
			s->stats_txn = pb_client_read_stats(s->cl, now_us);
			s->stats_next_us = now_us + DEV_STATS_US;
		}
		const struct pb_client_stats *st = pb_client_stats(s->cl);
		if (now_us - s->fps_t0 >= 1000000u) {
			s->counts.frames_per_s = (double)(st->rx.frames_ok -
			    s->fps_frames0) * 1e6 / (double)(now_us - s->fps_t0);
			s->fps_t0 = now_us;
			s->fps_frames0 = st->rx.frames_ok;
			s->dirty = true;
		}
	}
	if (s->rec)
		pb_rec_service(s->rec, now_us);
	return 0;
}

uint64_t pb_session_next_deadline(const struct pb_session *s,
    uint64_t now_us)
{
	uint64_t d = now_us + 250000u;
	if (s->cl) {
		uint64_t c = pb_client_next_deadline(s->cl);
		if (c < d)
			d = c;
	}
	if (s->rec) {
		uint64_t r = pb_rec_next_deadline(s->rec);
		if (r < d)
			d = r;
	}
	if (s->sim_dead && s->sim_died_us + SIM_RESTART_AFTER_US < d)
		d = s->sim_died_us + SIM_RESTART_AFTER_US;
	if (s->text) {
		uint64_t t = pb_textfeed_deadline(&s->tfeed);
		if (t < d)
			d = t;
		if (!s->text_up && !s->text_ended && s->text_retry_us < d)
			d = s->text_retry_us;
	}
	return d < now_us ? now_us : d;
}

bool pb_session_take_dirty(struct pb_session *s)
{
	bool d = s->dirty;
	s->dirty = false;
	return d;
}

const char *pb_session_cmd_text(enum pb_cmd_kind k, int value, char *buf,
    size_t n)
{
	switch (k) {
	case PB_CMD_START: snprintf(buf, n, "start"); break;
	case PB_CMD_STOP: snprintf(buf, n, "stop"); break;
	case PB_CMD_SET_MODE:
		snprintf(buf, n, "mode %s", pb_mode_name((uint8_t)value));
		break;
	case PB_CMD_SET_LEVEL: snprintf(buf, n, "level %d", value); break;
	case PB_CMD_SET_CHANNELS:
		snprintf(buf, n, "%s", value == 1 ? "single" : value == 3 ?
		    "double" : "channels");
		break;
	case PB_CMD_CLEAR_FAULT: snprintf(buf, n, "clear"); break;
	default: snprintf(buf, n, "command"); break;
	}
	return buf;
}

/* A command the user (or a script) asked for failed: counted, and the
 * first one kept for the headless verdict. */
static void cmd_failed(struct pb_session *s, enum pb_cmd_kind k, int value,
    const char *why)
{
	s->counts.cmds_failed++;
	if (s->cmd_err[0])
		return;
	char what[48];
	pb_session_cmd_text(k, value, what, sizeof what);
	snprintf(s->cmd_err, sizeof s->cmd_err, "%s: %s", what, why);
}

static int send_cmd(struct pb_session *s, enum pb_cmd_kind k, int value,
    uint64_t now_us)
{
	s->counts.cmds_sent++;
	int txn;
	switch (k) {
	case PB_CMD_START: txn = pb_client_start(s->cl, now_us); break;
	case PB_CMD_STOP: txn = pb_client_stop(s->cl, now_us); break;
	case PB_CMD_SET_MODE:
		txn = pb_client_set_mode(s->cl, (uint8_t)value, now_us);
		break;
	case PB_CMD_SET_LEVEL:
		txn = pb_client_set_level(s->cl, (uint8_t)value, now_us);
		break;
	case PB_CMD_SET_CHANNELS:
		txn = pb_client_set_channels(s->cl, (uint8_t)value, now_us);
		break;
	case PB_CMD_CLEAR_FAULT:
		txn = pb_client_clear_fault(s->cl, now_us);
		break;
	default:
		return 0;
	}
	if (txn > 0 && txn < MAX_TXN_KINDS) {
		s->txn_kind[txn] = (uint8_t)k;
		s->txn_value[txn] = value;
	} else if (txn < 0) {
		cmd_failed(s, k, value, pb_client_strerror(txn));
		pb_app_on_cmd_done(s->app, k, false, pb_client_strerror(txn),
		    now_us);
	}
	return txn;
}

void pb_session_apply(struct pb_session *s, const struct pb_app_effect *e,
    uint64_t now_us)
{
	s->now_us = now_us;
	if (e->cmd != PB_CMD_NONE && s->cl && !s->replay && !s->text) {
		int txn = send_cmd(s, e->cmd, e->value, now_us);
		if (e->quit && txn > 0) {
			/* make sure the pump stops before we go */
			struct pb_response resp;
			pb_client_wait(s->cl, txn, &resp, 1000);
		}
	}
	if (e->marker_done)
		marker_write(s, e->label, now_us);
	if (e->marker) {
		marker_write(s, NULL, now_us);     /* one waiting: unlabelled */
		uint64_t idx = s->hist ? pb_history_head(s->hist) : 0;
		s->marker_no++;
		s->mk_slot = PB_SES_MAX_MARKERS;
		if (s->nmarkers < PB_SES_MAX_MARKERS) {
			s->mk_slot = s->nmarkers;
			s->marker_labels[s->nmarkers][0] = '\0';
			s->markers[s->nmarkers++] = idx;
		}
		s->counts.markers++;
		s->mk_held = true;
		s->mk_dms = s->app->device_ms;
		s->mk_index = s->text ? idx : s->imap.have ? s->imap.next : 0;
		s->mk_no = s->marker_no;
		if (e->label_later)
			pb_app_say(s->app, now_us, "marker %u", s->marker_no);
		else
			marker_write(s, e->label, now_us);
	}
	if (e->record_toggle)
		pb_session_record(s, s->rec ? NULL : s->o.record, !s->rec,
		    now_us);
	s->dirty = true;
}

void pb_session_set_listener(struct pb_session *s,
    const struct pb_session_listener *l)
{
	if (l)
		s->lis = *l;
	else
		memset(&s->lis, 0, sizeof s->lis);
}

int pb_session_send(struct pb_session *s, const struct pb_msg *m,
    uint64_t now_us)
{
	s->now_us = now_us;
	if (!s->cl || s->replay)
		return PB_CLIENT_E_LINK;
	int txn = pb_client_send(s->cl, m, now_us);
	if (txn > 0 && txn < MAX_TXN_KINDS)
		s->txn_kind[txn] = TXN_LISTENER;
	s->dirty = true;
	return txn;
}

/* ---- accessors ------------------------------------------------------------ */

const struct pb_history *pb_session_history(const struct pb_session *s)
{
	return s->hist;
}

const struct pb_cycles *pb_session_cycles(const struct pb_session *s)
{
	return s->cyc_ready ? &s->cyc : NULL;
}

const struct pb_cyclesum *pb_session_cyclesum(const struct pb_session *s)
{
	return &s->cycsum;
}

const char *pb_session_cmd_error(const struct pb_session *s)
{
	return s->cmd_err[0] ? s->cmd_err : NULL;
}

const struct pb_profile *pb_session_profile(const struct pb_session *s)
{
	return s->have_profile ? &s->profile : NULL;
}

const struct pb_client_stats *pb_session_client_stats(
    const struct pb_session *s)
{
	return s->cl ? pb_client_stats(s->cl) : NULL;
}

const struct pb_device_stats *pb_session_device_stats(
    const struct pb_session *s)
{
	return s->cl ? pb_client_device_stats(s->cl) : NULL;
}

const struct pb_session_counts *pb_session_counts(const struct pb_session *s)
{
	return &s->counts;
}

const struct pb_recorder *pb_session_recorder(const struct pb_session *s)
{
	return s->rec;
}

const char *pb_session_port(const struct pb_session *s)
{
	return s->port_desc;
}

uint64_t pb_session_start_index(const struct pb_session *s)
{
	(void)s;
	return 0;
}

const char *pb_session_marker_label(const struct pb_session *s, size_t i)
{
	return i < s->nmarkers ? s->marker_labels[i] : "";
}

size_t pb_session_markers(const struct pb_session *s, const uint64_t **idx)
{
	*idx = s->markers;
	return s->nmarkers;
}

const char *pb_session_last_log(const struct pb_session *s)
{
	return s->last_log;
}

pid_t pb_session_sim_pid(const struct pb_session *s)
{
	return s->sim.pid;
}

bool pb_session_is_replay(const struct pb_session *s)
{
	return s->replay;
}

bool pb_session_identified(const struct pb_session *s)
{
	return s->have_info;
}

const char *pb_session_record_error(const struct pb_session *s)
{
	return s->rec_failed ? s->rec_err : NULL;
}

size_t pb_session_warnings(const struct pb_session *s)
{
	return s->nwarn;
}

const char *pb_session_warning(const struct pb_session *s, size_t i)
{
	return i < s->nwarn ? s->warnings[i] : "";
}

bool pb_session_text(const struct pb_session *s, struct pb_session_text *out)
{
	if (!s->text)
		return false;
	out->lines = &s->tparse.counts;
	out->feed = pb_textfeed_counts(&s->tfeed);
	for (int c = 0; c < PB_TEXTFEED_CH; c++)
		out->name[c] = pb_textfeed_name(&s->tfeed, c);
	out->channels = pb_textfeed_channels(&s->tfeed);
	out->last_bad = s->text_bad;
	out->ended = s->text_ended;
	out->port_up = s->text_up;
	return true;
}
