/*
 * tui/session-text.c - a session over the bring-up text input (--text
 * PATH or -): lines of numbers parsed (tui/textline.h), put on the time
 * axis (tui/textfeed.h) and fed to the history, the cycle statistics and
 * the recording; nothing is ever sent.  A port that goes away is reopened
 * once a second; the end of stdin ends the input.
 */
#include "tui/session-impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

#define TEXT_REOPEN_US 1000000u   /* a port gone: try again this often */

/* The device state that goes with text samples: running, no phase (the
 * cycle statistics find cycles in the waveform), the channels that have
 * values.  Recorded as a P row when the channels change, so a replay of
 * the recording computes the same statistics. */
static struct pb_cyc_state text_state(const bool *present)
{
	struct pb_cyc_state st = { .run_state = PB_RS_RUNNING };
	for (int c = 0; c < PB_TEXTFEED_CH; c++)
		if (present[c])
			st.channel_mask |= (uint8_t)(1u << c);
	return st;
}

static void text_samples(void *ctx, uint64_t index, uint64_t n,
    const int16_t *v, const bool *present, uint32_t device_ms)
{
	struct pb_session *s = ctx;
	struct pb_cyc_state st = text_state(present);
	if (s->rec && st.channel_mask != s->text_mask) {
		struct pb_rec_state rs = { .run_state = st.run_state,
		    .channel_mask = st.channel_mask };
		pb_rec_state(s->rec, device_ms, index, &rs, s->now_us);
	}
	s->text_mask = st.channel_mask;
	const int16_t *pv[PB_HIST_MAX_CH];
	for (int c = 0; c < PB_HIST_MAX_CH; c++)
		pv[c] = present[c] ? &v[c] : NULL;
	for (uint64_t i = 0; i < n; i++) {
		pb_history_push(s->hist, pv, 1);
		pb_cycles_feed(&s->cyc, index + i, v, &st);
		if (s->rec && pb_rec_sample(s->rec, device_ms + (uint32_t)i,
		    index + i, v, present, s->now_us) < 0 && i == 0)
			pb_app_say(s->app, s->now_us, "recording: %.80s",
			    pb_rec_error(s->rec));
	}
	s->counts.samples += n;
	s->dirty = true;
}

static void text_gap(void *ctx, uint64_t index, uint64_t n,
    uint32_t device_ms)
{
	struct pb_session *s = ctx;
	pb_history_gap(s->hist, n);
	pb_cycles_lost(&s->cyc, n);
	s->counts.lost += n;
	if (s->rec)
		pb_rec_gap(s->rec, device_ms, index, n, "silence", s->now_us);
	s->dirty = true;
}

static void text_line(void *ctx, const struct pb_textline_rec *r)
{
	struct pb_session *s = ctx;
	if (r->kind == PB_TL_BAD) {
		s->counts.skipped_lines++;
		snprintf(s->text_bad, sizeof s->text_bad, "line %llu: %s "
		    "(column %u)", (unsigned long long)r->line, r->why, r->col);
		pb_ses_warn(s, "%s:%llu: %s (column %u)",
		    strcmp(s->o.text, "-") ? s->o.text : "stdin",
		    (unsigned long long)r->line, r->why, r->col);
		return;
	}
	const struct pb_textfeed_sink k = { s, text_samples, text_gap };
	pb_textfeed_line(&s->tfeed, r, s->now_us, &k);
}

static void text_publish(struct pb_session *s)
{
	pb_app_set_samples(s->app, pb_history_oldest(s->hist),
	    pb_history_head(s->hist), PB_TEXTFEED_RATE_HZ);
}

void pb_ses_text_service(struct pb_session *s, uint64_t now_us)
{
	const struct pb_textfeed_sink k = { s, text_samples, text_gap };
	if (s->text_ended)
		return;
	if (!s->text_up && now_us >= s->text_retry_us) {
		if (pb_link_reopen(s->tlink) == PB_LINK_OK) {
			s->text_up = true;
			pb_app_on_link(s->app, true, now_us);
			pb_ses_say_log(s, "%s: open again", s->text_name);
		} else {
			s->text_retry_us = now_us + TEXT_REOPEN_US;
		}
	}
	/* read what is there, a bounded amount per call: a fast stream
	 * must not starve the screen */
	for (int round = 0; s->text_up && round < 16; round++) {
		uint8_t buf[4096];
		ssize_t n = pb_link_read(s->tlink, buf, sizeof buf);
		if (n > 0) {
			pb_textline_feed(&s->tparse, buf, (size_t)n, text_line,
			    s);
			continue;
		}
		if (n == 0)
			break;
		/* gone: the end of "-", or a port that went away */
		if (!strcmp(s->o.text, "-")) {
			pb_textline_finish(&s->tparse, text_line, s);
			pb_textfeed_flush(&s->tfeed, &k);
			s->text_ended = true;
			pb_ses_say_log(s, "the input ended");
			pb_app_say(s->app, now_us, "the input ended (%llu lines)",
			    (unsigned long long)s->tparse.counts.lines);
		} else {
			/* a line cut by the loss is not the next one's */
			pb_textline_finish(&s->tparse, text_line, s);
			s->text_up = false;
			s->text_retry_us = now_us + TEXT_REOPEN_US;
			s->counts.link_losses++;
			pb_app_on_link(s->app, false, now_us);
			pb_ses_say_log(s, "%s: %.140s", s->text_name,
			    pb_link_error(s->tlink));
		}
		s->dirty = true;
		break;
	}
	pb_textfeed_tick(&s->tfeed, now_us, &k);
	text_publish(s);
}

int pb_ses_open_text(struct pb_session *s, char *err, size_t errlen)
{
	bool std_in = !strcmp(s->o.text, "-");
	pb_text_escape_str(s->text_name, sizeof s->text_name,
	    std_in ? "stdin" : s->o.text);
	if (s->o.profile) {
		int r = pb_ses_load_profile(s, s->o.profile, PROF_USER, err,
		    errlen);
		if (r < 0)
			return r;
	}
	if (s->o.record && pb_rec_check_path(s->o.record, err, errlen) < 0)
		return PB_SES_E_RECORD;
	if (std_in) {
		s->tlink = pb_link_from_fds(s->o.text_fd, s->o.text_fd, 1);
		if (!s->tlink) {
			snprintf(err, errlen, "stdin: %s", strerror(errno));
			return PB_SES_E_PORT;
		}
		snprintf(s->port_desc, sizeof s->port_desc, "stdin (text)");
	} else {
		struct pb_link_opts lo = { .baud = s->o.baud,
		    .flow = (enum pb_flow)s->o.flow };
		int lerr = 0;
		char msg[256] = "";
		s->tlink = pb_link_open(s->o.text, &lo, &lerr, msg, sizeof msg);
		if (!s->tlink) {
			snprintf(err, errlen, "%s: %s", s->text_name,
			    msg[0] ? msg : pb_link_strerror(lerr));
			return PB_SES_E_PORT;
		}
		snprintf(s->port_desc, sizeof s->port_desc, "%.200s (%s, text)",
		    s->text_name, pb_link_backend(s->tlink));
	}
	s->text = true;
	s->text_up = true;
	pb_textline_init(&s->tparse, s->o.text_time);
	pb_textfeed_init(&s->tfeed, s->o.text_unit);
	s->app->text = true;
	/* what the screen knows of the "device": two channels at the text
	 * axis's rate, the user's profile if any */
	struct pb_device_info info;
	memset(&info, 0, sizeof info);
	snprintf(info.fw_version, sizeof info.fw_version, "text");
	if (s->have_profile)
		snprintf(info.profile, sizeof info.profile, "%.*s",
		    PB_STR_LEN - 1, s->profile.id);
	info.channels = PB_TEXTFEED_CH;
	info.sample_rate_hz = PB_TEXTFEED_RATE_HZ;
	pb_app_set_info(s->app, &info, s->have_profile ? &s->profile : NULL);
	pb_app_on_link(s->app, true, s->now_us);
	pb_ses_ensure_data(s, PB_TEXTFEED_CH, PB_TEXTFEED_RATE_HZ);
	if (!s->hist)
		return PB_SES_E_NOMEM;
	text_publish(s);
	if (s->o.record && pb_session_record(s, s->o.record, true,
	    s->now_us) < 0) {
		snprintf(err, errlen, "%s", s->rec_err);
		return PB_SES_E_RECORD;
	}
	return 0;
}

void pb_session_text_flush(struct pb_session *s, uint64_t now_us)
{
	if (!s->text || !s->hist)
		return;
	const struct pb_textfeed_sink k = { s, text_samples, text_gap };
	s->now_us = now_us;
	pb_textfeed_flush(&s->tfeed, &k);
	text_publish(s);
}

