/*
 * tui/sessionrec.c - recordings as session records (see sessionrec.h).
 */
#include "tui/sessionrec.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/version.h"

void pb_sessionrec_begin(struct pb_sessionrec_acc *a,
    struct pb_record_session *r, const struct pb_rec_meta *m)
{
	memset(a, 0, sizeof *a);
	memset(r, 0, sizeof *r);
	a->r = r;
	pb_record_new_id(r->record_id);
	snprintf(r->serial, sizeof r->serial, "%.*s", (int)sizeof m->serial,
	    m->serial);
	snprintf(r->firmware, sizeof r->firmware, "%.*s",
	    (int)sizeof m->firmware, m->firmware);
	snprintf(r->profile, sizeof r->profile, "%.*s",
	    (int)sizeof m->profile, m->profile);
	r->cal_id = m->cal_id;
	snprintf(r->tool_version, sizeof r->tool_version, "%s", pb_version());
	/* the recording's own start (a recorder gives it in the header) */
	int64_t t0 = m->start_unix_ms;
	if (t0 == 0 && m->start_iso[0])
		pb_record_parse_time(m->start_iso, false, &t0);
	r->started_ms = r->finished_ms = t0;
	r->channels = m->channels >= 1 && m->channels <= PB_RECORD_MAX_CH ?
	    m->channels : 0;
	for (int ch = 0; ch < PB_RECORD_MAX_CH; ch++)
		r->ch[ch].min_mmhg = r->ch[ch].max_mmhg = r->ch[ch].mean_mmhg =
		    NAN;
}

void pb_sessionrec_add(struct pb_sessionrec_acc *a,
    const struct pb_replay_row *row)
{
	struct pb_record_session *r = a->r;
	if (!a->any) {
		a->first_ms = row->device_ms;
		a->any = true;
	}
	a->last_ms = row->device_ms;
	switch (row->kind) {
	case PB_REC_SAMPLE:
		r->samples++;
		for (int ch = 0; ch < r->channels && ch < PB_REC_MAX_CH; ch++) {
			if (!row->present[ch])
				continue;
			struct pb_record_session_ch *c = &r->ch[ch];
			double v = row->v[ch] / 10.0;
			if (c->samples == 0 || v < c->min_mmhg)
				c->min_mmhg = v;
			if (c->samples == 0 || v > c->max_mmhg)
				c->max_mmhg = v;
			c->samples++;
			a->sum[ch] += v;
		}
		break;
	case PB_REC_GAP:
		r->gaps++;
		r->lost += row->lost;
		break;
	case PB_REC_MARKER:
		r->markers++;
		break;
	case PB_REC_EVENT:
		r->events++;
		if (row->event.kind == PB_EV_ALARM_RAISED)
			r->alarms++;
		break;
	default:
		break;
	}
}

void pb_sessionrec_end(struct pb_sessionrec_acc *a, bool complete)
{
	struct pb_record_session *r = a->r;
	r->complete = complete;
	for (int ch = 0; ch < r->channels; ch++)
		if (r->ch[ch].samples)
			r->ch[ch].mean_mmhg = a->sum[ch] /
			    (double)r->ch[ch].samples;
	/* device time is u32 ms: a wrap between rows is still forward */
	if (a->any)
		r->finished_ms = r->started_ms +
		    (int64_t)(uint32_t)(a->last_ms - a->first_ms);
}

int pb_sessionrec_read(const char *path, struct pb_record_session *out,
    char *err, size_t errlen)
{
	struct pb_replay *rp = NULL;
	int rc = pb_replay_open(&rp, path, err, errlen);
	if (rc < 0)
		return -1;
	struct pb_sessionrec_acc a;
	pb_sessionrec_begin(&a, out, pb_replay_meta(rp));
	snprintf(out->path, sizeof out->path, "%s", path);
	struct pb_replay_row row;
	for (;;) {
		rc = pb_replay_next(rp, &row);
		if (rc == PB_RP_ROW)
			pb_sessionrec_add(&a, &row);
		else if (rc == PB_RP_E_LINE || rc == PB_RP_TRUNCATED)
			continue;
		else
			break;
	}
	if (rc != PB_RP_EOF) {
		snprintf(err, errlen, "%s", pb_replay_error(rp));
		pb_replay_close(rp);
		return -1;
	}
	pb_sessionrec_end(&a, pb_replay_trailer(rp)->present);
	pb_replay_close(rp);
	return 0;
}
