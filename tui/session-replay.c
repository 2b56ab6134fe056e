/*
 * tui/session-replay.c - a session over a recording (--replay FILE): its
 * header names the pump and profile, its rows go into the history, the
 * cycle statistics and the markers as telemetry would; bad lines become
 * warnings (FILE:LINE: why) and a recording not closed cleanly says so.
 */
#include "tui/session-impl.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "tui/replay.h"

/* Feed one sample row of a recording. */
static void replay_sample(struct pb_session *s, const char *name,
    const struct pb_replay_row *row, const struct pb_rec_meta *m,
    const struct pb_cyc_state *st, uint64_t *last_index)
{
	struct pb_index_step step = pb_indexmap_sample(&s->imap, row->index);
	if (step.discontinuity) {
		s->counts.discontinuities++;
		pb_cycles_reset(&s->cyc);   /* no cycle spans the seam */
		pb_ses_warn(s, "%s:%u: sample index %llu after %llu: a "
		    "discontinuity (the rows go on from there, no samples "
		    "counted lost)",
		    name, row->line, (unsigned long long)row->index,
		    (unsigned long long)*last_index);
	} else if (step.gap) {
		pb_history_gap(s->hist, step.gap);
		pb_cycles_lost(&s->cyc, step.gap);
		s->counts.lost += step.gap;
	}
	*last_index = row->index;
	int16_t v[PB_HIST_MAX_CH] = { 0, 0 };
	const int16_t *pv[PB_HIST_MAX_CH] = { NULL, NULL };
	for (int c = 0; c < m->channels && c < PB_HIST_MAX_CH; c++) {
		v[c] = row->v[c];
		pv[c] = row->present[c] ? &v[c] : NULL;
	}
	pb_history_push(s->hist, pv, 1);
	pb_cycles_feed(&s->cyc, step.first, v, st);
	s->counts.samples++;
}

/* After the last row: does the file say it is whole? */
static void replay_check_end(struct pb_session *s, const char *name,
    const struct pb_replay *rp)
{
	const struct pb_replay_trailer *tr = pb_replay_trailer(rp);
	const struct pb_replay_counts *rc = pb_replay_counts(rp);
	if (rc->truncated)
		return;   /* already said: the recording was cut off */
	if (!tr->present) {
		pb_ses_warn(s, "%s: no \"# end:\" line: the recording was not "
		    "closed cleanly (its last second may be missing)", name);
		return;
	}
	if (tr->samples != rc->samples || tr->lost != rc->lost)
		pb_ses_warn(s, "%s: the \"# end:\" line counts %llu samples and "
		    "%llu lost, the rows hold %llu and %llu: rows are missing "
		    "or were changed", name, (unsigned long long)tr->samples,
		    (unsigned long long)tr->lost,
		    (unsigned long long)rc->samples,
		    (unsigned long long)rc->lost);
}

/* --replay FILE: the whole recording read into the history, the cycle
 * statistics, the markers and the screen's state at open. */
int pb_ses_open_replay(struct pb_session *s, char *err, size_t errlen)
{
	struct pb_replay *rp;
	int r = pb_replay_open(&rp, s->o.replay, err, errlen);
	if (r < 0)
		return PB_SES_E_REPLAY;
	char name[PATH_MAX];
	pb_text_escape_str(name, sizeof name, s->o.replay);
	/* a copy: the reader's meta goes with pb_replay_close() */
	struct pb_rec_meta meta = *pb_replay_meta(rp);
	const struct pb_rec_meta *m = &meta;
	s->replay = true;
	s->app->replay = true;
	s->app->sweep = false;   /* a recording reads best scrolling */
	if (s->o.profile) {
		r = pb_ses_load_profile(s, s->o.profile, PROF_USER, err,
		    errlen);
		if (r < 0) {
			pb_replay_close(rp);
			return r;
		}
	} else {
		pb_ses_load_profile(s, m->profile, PROF_RECORDING, NULL, 0);
	}
	struct pb_device_info info;
	memset(&info, 0, sizeof info);
	snprintf(info.serial, sizeof info.serial, "%.*s", PB_STR_LEN - 1,
	    m->serial);
	snprintf(info.fw_version, sizeof info.fw_version, "%.*s",
	    PB_STR_LEN - 1, m->firmware);
	snprintf(info.profile, sizeof info.profile, "%.*s", PB_STR_LEN - 1,
	    m->profile);
	info.channels = (uint8_t)m->channels;
	info.sample_rate_hz = (uint16_t)m->sample_rate_hz;
	info.cal_id = m->cal_id;
	info.levels = s->have_profile ? (uint8_t)s->profile.levels : 0;
	pb_app_set_info(s->app, &info, s->have_profile ? &s->profile : NULL);
	pb_ses_ensure_data(s, m->channels, m->sample_rate_hz);
	snprintf(s->port_desc, sizeof s->port_desc, "replay %.300s", name);

	struct pb_replay_row row;
	struct pb_cyc_state st = { 0 };
	struct pb_telemetry tel;
	memset(&tel, 0, sizeof tel);
	tel.channels = (uint8_t)m->channels;
	uint64_t last_index = 0;
	char first_bad[160] = "";
	for (;;) {
		r = pb_replay_next(rp, &row);
		if (r == PB_RP_EOF)
			break;
		if (r == PB_RP_TRUNCATED || r == PB_RP_E_LINE) {
			/* FILE:LINE: why; a cut last line ends the file */
			if (s->counts.skipped_lines++ == 0)
				snprintf(first_bad, sizeof first_bad, "%s",
				    pb_replay_error(rp));
			pb_ses_warn(s, "%s", pb_replay_error(rp));
			if (r == PB_RP_TRUNCATED)
				break;
			continue;
		}
		if (r < 0) {
			snprintf(err, errlen, "%s", pb_replay_error(rp));
			pb_replay_close(rp);
			return PB_SES_E_REPLAY;
		}
		pb_indexmap_start(&s->imap, row.index);
		switch (row.kind) {
		case PB_REC_SAMPLE:
			replay_sample(s, name, &row, m, &st, &last_index);
			tel.device_ms = row.device_ms;
			break;
		case PB_REC_STATE:
			st.mode = row.state.mode;
			st.level = row.state.level;
			st.phase = row.state.phase;
			st.run_state = row.state.run_state;
			st.channel_mask = row.state.channel_mask;
			st.target = row.state.target;
			tel.mode = st.mode;
			tel.level = st.level;
			tel.phase = st.phase;
			tel.run_state = st.run_state;
			tel.channel_mask = st.channel_mask;
			tel.target = st.target;
			break;
		case PB_REC_MARKER:
			if (s->nmarkers < PB_SES_MAX_MARKERS) {
				/* the label as the file has it, escaped */
				pb_text_escape_str(s->marker_labels[s->nmarkers],
				    sizeof s->marker_labels[s->nmarkers],
				    row.text);
				s->markers[s->nmarkers++] =
				    pb_indexmap_at(&s->imap, row.index) -
				    s->imap.base;
			}
			s->counts.markers++;
			break;
		default:
			break;
		}
	}
	replay_check_end(s, name, rp);
	pb_replay_close(rp);
	if (s->counts.skipped_lines)
		pb_ses_say_log(s, "%s: %llu bad lines skipped (first: %.100s)",
		    name, (unsigned long long)s->counts.skipped_lines,
		    first_bad);
	pb_app_on_telemetry(s->app, &tel, s->now_us);
	pb_app_set_samples(s->app, pb_history_oldest(s->hist),
	    pb_history_head(s->hist), m->sample_rate_hz);
	s->dirty = true;
	return 0;
}

