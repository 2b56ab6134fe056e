/*
 * tui/view.c - the dashboard's view policy (see view.h for the promise).
 */
#include "tui/view.h"

#include <math.h>
#include <string.h>

static struct pb_view_rect rect(int y, int x, int h, int w)
{
	struct pb_view_rect r = { y, x, h, w };
	return r;
}

struct pb_view_layout pb_view_layout(int rows, int cols)
{
	struct pb_view_layout l;
	memset(&l, 0, sizeof l);
	if (cols < PB_VIEW_MIN_COLS || rows < PB_VIEW_MIN_ROWS) {
		l.kind = PB_VIEW_TINY;
		return l;
	}
	l.kind = (cols >= PB_VIEW_FULL_COLS && rows >= PB_VIEW_FULL_ROWS) ?
	    PB_VIEW_FULL : PB_VIEW_COMPACT;
	int panel_h = 0;
	if (l.kind == PB_VIEW_FULL)
		panel_h = rows >= 40 ? 13 : (rows >= 30 ? 11 : 9);
	int gh = rows - 2 - panel_h;
	l.status = rect(0, 0, 1, cols);
	l.graph = rect(1, 0, gh, cols);
	l.footer = rect(rows - 1, 0, 1, cols);
	if (l.kind == PB_VIEW_FULL) {
		int sw = cols * 55 / 100;
		int lw = cols * 24 / 100;
		int y = 1 + gh;
		l.stats = rect(y, 0, panel_h, sw);
		l.link = rect(y, sw, panel_h, lw);
		l.alarms = rect(y, sw + lw, panel_h, cols - sw - lw);
	}
	l.grid_rows = gh - 1;
	l.grid_cols = cols;
	return l;
}

struct pb_graph_view pb_view_graph(const struct pb_app *a,
    const struct pb_view_env *e)
{
	struct pb_graph_view v;
	memset(&v, 0, sizeof v);
	v.mode = (a->sweep && !a->paused) ? PB_GRAPH_SWEEP : PB_GRAPH_SCROLL;
	v.glyphs = e->braille ? PB_GRAPH_BRAILLE : PB_GRAPH_ASCII;
	v.monochrome = !e->color;
	v.unit = a->units;
	int chn = e->channels < 0 ? 0 : (e->channels > PB_HIST_MAX_CH ?
	    PB_HIST_MAX_CH : e->channels);
	v.channel_mask = (uint8_t)((1u << chn) - 1);
	v.autoscale = a->autoscale;
	if (e->profile_max_mmhg > 0)
		v.fixed_max_dmmhg = (int32_t)lround(e->profile_max_mmhg * 10.0);
	else if (a->have_info && a->info.max_target > 0)
		v.fixed_max_dmmhg = a->info.max_target;
	else
		v.fixed_max_dmmhg = 3000;
	v.show_target = a->have_tel && a->target > 0;
	v.target_dmmhg = a->target;
	v.end = pb_app_view_end(a);
	v.rate_hz = a->rate_hz ? a->rate_hz : 1000;
	double span = pb_app_span_s(a) * v.rate_hz;
	v.span = span < 1 ? 1 : (uint64_t)span;
	v.step_cells = v.mode == PB_GRAPH_SCROLL;
	v.session_start = e->session_start;
	if (v.end == 0)
		v.end = e->history_head;
	return v;
}

static void freeze_record(struct pb_view_freeze *f, const struct pb_app *a)
{
	f->frozen = true;
	f->end = a->view_end;
	f->timebase = a->timebase;
	f->units = a->units;
	f->autoscale = a->autoscale;
}

enum pb_view_graph_step pb_view_freeze_step(struct pb_view_freeze *f,
    const struct pb_app *a, bool full)
{
	if (!a->paused) {
		if (f->was_paused)
			full = true;
		f->was_paused = false;
		f->frozen = false;
		return full ? PB_VIEW_GRAPH_ALL : PB_VIEW_GRAPH_DRAW;
	}
	bool same = f->frozen && f->end == a->view_end &&
	    f->timebase == a->timebase && f->units == a->units &&
	    f->autoscale == a->autoscale;
	if (!f->was_paused && a->sweep) {
		/* just paused in sweep: freeze what is on screen */
		freeze_record(f, a);
		same = true;
	}
	f->was_paused = true;
	if (same && !full)
		return PB_VIEW_GRAPH_KEEP;
	freeze_record(f, a);
	return full ? PB_VIEW_GRAPH_ALL : PB_VIEW_GRAPH_DRAW;
}

void pb_view_freeze_reset(struct pb_view_freeze *f)
{
	f->frozen = false;
}
