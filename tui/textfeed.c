/*
 * tui/textfeed.c - parsed text lines onto the dashboard's time axis.
 */
#include "tui/textfeed.h"

#include <math.h>
#include <string.h>

#define DMMHG_MAX 32767      /* INT16_MIN is the history's "missing" */

void pb_textfeed_init(struct pb_textfeed *f, enum pb_unit unit)
{
	memset(f, 0, sizeof *f);
	f->unit = unit;
}

static int16_t to_dmmhg(struct pb_textfeed *f, double v)
{
	double d = pb_to_mmhg(v, f->unit) * 10.0;
	if (!(d <= DMMHG_MAX)) {     /* NaN cannot come: the parser refuses it */
		f->counts.clipped++;
		return DMMHG_MAX;
	}
	if (d < -DMMHG_MAX) {
		f->counts.clipped++;
		return -DMMHG_MAX;
	}
	return (int16_t)lround(d);
}

static uint32_t dev_ms(const struct pb_textfeed *f, uint64_t index)
{
	if (!f->device_time)
		return (uint32_t)index;
	double base = fmod(f->origin_ms, 4294967296.0);
	if (base < 0)
		base += 4294967296.0;
	return (uint32_t)((uint64_t)base + (index - f->origin_idx));
}

/* Hand on the gathered sample, after the hold (or the gap) before it. */
static void commit(struct pb_textfeed *f, const struct pb_textfeed_sink *k)
{
	if (!f->pend)
		return;
	uint64_t n = f->pidx - f->next;
	if (n) {
		bool held = f->hold_has[0] || f->hold_has[1];
		if (held && n <= PB_TEXTFEED_HOLD_MS) {
			k->samples(k->ctx, f->next, n, f->hold, f->hold_has,
			    dev_ms(f, f->next));
			f->counts.samples += n;
		} else {
			k->gap(k->ctx, f->next, n, dev_ms(f, f->next));
			f->counts.gap_samples += n;
		}
	}
	for (int c = 0; c < PB_TEXTFEED_CH; c++) {
		if (f->pset[c]) {
			f->hold[c] = f->pv[c];
			f->hold_has[c] = true;
		}
		f->pset[c] = false;
	}
	k->samples(k->ctx, f->pidx, 1, f->hold, f->hold_has,
	    dev_ms(f, f->pidx));
	f->counts.samples++;
	f->next = f->pidx + 1;
	f->pend = false;
}

/* The channel of a named value: its slot, a free one, or -1. */
static int channel_of(struct pb_textfeed *f, const char *name)
{
	for (int c = 0; c < PB_TEXTFEED_CH; c++)
		if (f->by_name[c] && !strcmp(f->name[c], name))
			return c;
	for (int c = 0; c < PB_TEXTFEED_CH; c++) {
		if (!f->by_name[c]) {
			f->by_name[c] = true;
			memcpy(f->name[c], name, sizeof f->name[c]);
			f->name[c][sizeof f->name[c] - 1] = '\0';
			return c;
		}
	}
	return -1;
}

/* The grid index of a line. */
static uint64_t place(struct pb_textfeed *f, const struct pb_textline_rec *r,
    uint64_t now_us, const struct pb_textfeed_sink *k)
{
	if (!f->started) {
		f->started = true;
		f->device_time = r->has_time;
		f->origin_idx = f->next;
		f->origin_us = now_us;
		f->origin_ms = f->last_ms = r->has_time ? r->time_ms : 0;
	}
	if (!f->device_time) {
		uint64_t ms = now_us > f->origin_us ?
		    (now_us - f->origin_us) / 1000u : 0;
		return f->origin_idx + ms;
	}
	double t = r->has_time ? r->time_ms : f->last_ms;
	double d = t - f->origin_ms;
	if (t < f->last_ms || !(d <= (double)UINT32_MAX) ||
	    t - f->last_ms > PB_TEXTFEED_MAX_JUMP_MS) {
		/* went back, or leapt: go on right after the last sample */
		commit(f, k);
		f->counts.discontinuities++;
		f->origin_idx = f->next;
		f->origin_ms = t;
		d = 0;
	}
	f->last_ms = t;
	return f->origin_idx + (uint64_t)llround(d);
}

void pb_textfeed_line(struct pb_textfeed *f, const struct pb_textline_rec *r,
    uint64_t now_us, const struct pb_textfeed_sink *k)
{
	if (r->kind == PB_TL_HEADER) {
		/* columns' names, shown beside the channels */
		for (int c = 0; c < PB_TEXTFEED_CH && c < r->n; c++)
			if (!f->by_name[c])
				memcpy(f->name[c], r->name[c], sizeof f->name[c]);
		return;
	}
	if (r->kind != PB_TL_VALUES)
		return;
	int16_t v[PB_TEXTFEED_CH] = { 0, 0 };
	bool set[PB_TEXTFEED_CH] = { false, false };
	for (int i = 0; i < r->n; i++) {
		if (!r->present[i])
			continue;
		int c = r->named ? channel_of(f, r->name[i]) : i;
		if (c < 0 || c >= PB_TEXTFEED_CH) {
			f->counts.extra++;
			continue;
		}
		v[c] = to_dmmhg(f, r->v[i]);
		set[c] = true;
		if (c + 1 > f->channels)
			f->channels = c + 1;
	}
	f->counts.extra += r->extra;
	if (!set[0] && !set[1]) {
		f->counts.unused++;
		return;
	}
	f->counts.lines++;
	uint64_t g = place(f, r, now_us, k);
	bool clash = (set[0] && f->pset[0]) || (set[1] && f->pset[1]);
	if (f->pend && (g > f->pidx || clash))
		commit(f, k);
	if (!f->pend) {
		f->pidx = g > f->next ? g : f->next;
		f->pend = true;
	}
	for (int c = 0; c < PB_TEXTFEED_CH; c++) {
		if (set[c]) {
			f->pv[c] = v[c];
			f->pset[c] = true;
		}
	}
}

void pb_textfeed_tick(struct pb_textfeed *f, uint64_t now_us,
    const struct pb_textfeed_sink *k)
{
	if (f->pend && !f->device_time && now_us >= pb_textfeed_deadline(f))
		commit(f, k);
}

uint64_t pb_textfeed_deadline(const struct pb_textfeed *f)
{
	if (!f->pend || f->device_time)
		return UINT64_MAX;
	/* the end of the pending sample's millisecond */
	return f->origin_us + (f->pidx - f->origin_idx + 1) * 1000u;
}

void pb_textfeed_flush(struct pb_textfeed *f, const struct pb_textfeed_sink *k)
{
	commit(f, k);
}

const char *pb_textfeed_name(const struct pb_textfeed *f, int ch)
{
	return ch >= 0 && ch < PB_TEXTFEED_CH ? f->name[ch] : "";
}

int pb_textfeed_channels(const struct pb_textfeed *f)
{
	return f->channels;
}

const struct pb_textfeed_counts *pb_textfeed_counts(
    const struct pb_textfeed *f)
{
	return &f->counts;
}
