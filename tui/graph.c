/*
 * tui/graph.c - envelopes to a cell grid (see graph.h for the promise).
 */
#include "tui/graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YLAB_W      6
#define CP_BRAILLE  0x2800u
#define CP_VLINE    0x2502u   /* │ */
#define CP_VTICK    0x2524u   /* ┤ */
#define CP_SHADE    0x2591u   /* ░ */
#define CP_GAPMARK  0x2573u   /* ╳ */

/* braille dot bit for (dot column 0/1, dot row 0..3) */
static const uint8_t braille_bit[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 }
};

/* Sub-row range of a data column of one channel after joining; -1: none. */
struct pb_graph_span { int top, bot; };

void pb_graph_init(struct pb_graph *g)
{
	memset(g, 0, sizeof *g);
	g->sweep_head = -1;
	g->all_dirty = true;
}

static void free_buffers(struct pb_graph *g)
{
	free(g->cells);
	free(g->prev);
	free(g->dirty);
	free(g->spans);
	for (int c = 0; c < PB_HIST_MAX_CH; c++)
		free(g->dots[c]);
	free(g->colbuf);
	free(g->colbuf2);
}

void pb_graph_free(struct pb_graph *g)
{
	if (!g)
		return;
	free_buffers(g);
	pb_graph_init(g);
}

struct pb_graph_layout pb_graph_layout(int rows, int cols,
    enum pb_graph_glyphs glyphs)
{
	struct pb_graph_layout l;
	memset(&l, 0, sizeof l);
	l.ylab_w = YLAB_W;
	l.plot_x0 = YLAB_W + 1;
	l.sub_rows = glyphs == PB_GRAPH_BRAILLE ? 4 : 2;
	if (rows < PB_GRAPH_MIN_ROWS || cols < PB_GRAPH_MIN_COLS) {
		l.too_small = true;
		return l;
	}
	l.plot_cols = cols - l.plot_x0;
	l.plot_rows = rows - 1;
	l.data_cols = l.plot_cols * (glyphs == PB_GRAPH_BRAILLE ? 2 : 1);
	return l;
}

int pb_graph_resize(struct pb_graph *g, int rows, int cols,
    enum pb_graph_glyphs glyphs)
{
	if (!g || rows < 1 || cols < 1 || rows > 2000 || cols > 2000)
		return PB_GRAPH_E_ARG;
	/* every per-frame buffer, sized for the larger (braille) layout so a
	 * glyph change needs no new allocation */
	struct pb_graph n = *g;
	size_t ncell = (size_t)rows * (size_t)cols;
	size_t ndata = 2 * (size_t)cols;
	n.cells = calloc(ncell, sizeof *n.cells);
	n.prev = calloc(ncell, sizeof *n.prev);
	n.dirty = calloc((size_t)cols, sizeof *n.dirty);
	n.spans = calloc(ndata, sizeof *n.spans);
	bool ok = n.cells && n.prev && n.dirty && n.spans;
	for (int c = 0; c < PB_HIST_MAX_CH; c++) {
		n.dots[c] = calloc(ncell, 1);
		ok = ok && n.dots[c];
	}
	n.colbuf = calloc(ndata, sizeof *n.colbuf);
	n.colbuf2 = calloc(ndata, sizeof *n.colbuf2);
	if (!ok || !n.colbuf || !n.colbuf2) {
		free_buffers(&n);
		return PB_GRAPH_E_NOMEM;
	}
	free_buffers(g);
	*g = n;
	g->rows = rows;
	g->cols = cols;
	g->lay = pb_graph_layout(rows, cols, glyphs);
	g->all_dirty = true;
	g->sweep_head = -1;
	g->win_valid = false;
	return PB_GRAPH_OK;
}

void pb_graph_reset_scale(struct pb_graph *g)
{
	g->scale_valid = false;
	g->shrink_count = 0;
}

void pb_graph_scale(const struct pb_graph *g, int32_t *lo, int32_t *hi)
{
	if (lo)
		*lo = g->lo;
	if (hi)
		*hi = g->hi;
}

const bool *pb_graph_dirty(const struct pb_graph *g)
{
	return g->dirty;
}

bool pb_graph_all_dirty(const struct pb_graph *g)
{
	return g->last_full;
}

const struct pb_cell *pb_graph_cell(const struct pb_graph *g, int row,
    int col)
{
	if (!g->cells || row < 0 || col < 0 || row >= g->rows ||
	    col >= g->cols)
		return NULL;
	return &g->cells[(size_t)row * (size_t)g->cols + (size_t)col];
}

bool pb_graph_marker_free(const struct pb_graph *g, int col)
{
	for (int c = col - 1; c <= col + 1; c++) {
		const struct pb_cell *x = pb_graph_cell(g, g->rows - 1, c);
		if (c == col && !x)
			return false;
		if (x && x->cp != ' ' && x->cp != 0)
			return false;
	}
	return true;
}

static struct pb_cell *cell(struct pb_graph *g, int row, int col)
{
	return &g->cells[(size_t)row * (size_t)g->cols + (size_t)col];
}

static void put(struct pb_graph *g, int row, int col, uint32_t cp,
    uint8_t attr)
{
	if (row < 0 || col < 0 || row >= g->rows || col >= g->cols)
		return;
	struct pb_cell *c = cell(g, row, col);
	c->cp = cp;
	c->attr = attr;
}

static void put_str(struct pb_graph *g, int row, int col, const char *s,
    uint8_t attr)
{
	for (; *s; s++, col++)
		put(g, row, col, (unsigned char)*s, attr);
}

/* ---- scale ------------------------------------------------------------- */

/* Smallest 1, 2, 5 x 10^k >= x (x > 0). */
static double nice_step(double x)
{
	if (!(x > 0))
		return 1;
	double e = floor(log10(x));
	double p = pow(10, e);
	double m = x / p;
	double n;
	if (m <= 1.0 + 1e-9)
		n = 1;
	else if (m <= 2.0 + 1e-9)
		n = 2;
	else if (m <= 5.0 + 1e-9)
		n = 5;
	else
		n = 10;
	return n * p;
}

static int ticks_wanted(int plot_rows)
{
	int n = plot_rows / 3;
	return n < 2 ? 2 : n;
}

/* Round [lo_u, hi_u] out to a nice step. */
static void nice_range(double lo_u, double hi_u, int plot_rows,
    double *nlo, double *nhi, double *step)
{
	if (hi_u <= lo_u)
		hi_u = lo_u + 1;
	double s = nice_step((hi_u - lo_u) / ticks_wanted(plot_rows));
	*nlo = floor(lo_u / s + 1e-9) * s;
	*nhi = ceil(hi_u / s - 1e-9) * s;
	if (*nhi <= *nlo)
		*nhi = *nlo + s;
	*step = s;
}

static int32_t u_to_dmmhg(double v, enum pb_unit u, bool up)
{
	double d = pb_to_mmhg(v, u) * 10.0;
	d = up ? ceil(d - 1e-6) : floor(d + 1e-6);
	if (d > INT16_MAX)
		d = INT16_MAX;
	if (d < -INT16_MAX)
		d = -INT16_MAX;
	return (int32_t)d;
}

static void set_scale(struct pb_graph *g, const struct pb_graph_view *v,
    double lo_u, double hi_u, double step)
{
	g->lo_u = lo_u;
	g->hi_u = hi_u;
	g->step_u = step;
	g->lo = u_to_dmmhg(lo_u, v->unit, false);
	g->hi = u_to_dmmhg(hi_u, v->unit, true);
	if (g->hi <= g->lo)
		g->hi = g->lo + 1;
	g->scale_unit = v->unit;
	g->scale_auto = v->autoscale;
	g->scale_valid = true;
}

static void update_scale(struct pb_graph *g, const struct pb_graph_view *v,
    bool have, int32_t dmin, int32_t dmax)
{
	int rows = g->lay.plot_rows;
	double lo_u, hi_u, step;
	if (!v->autoscale) {
		int32_t top = v->fixed_max_dmmhg > 0 ? v->fixed_max_dmmhg : 3000;
		nice_range(0, pb_dmmhg_to(top, v->unit), rows, &lo_u, &hi_u,
		    &step);
		/* a fixed scale keeps its top exactly at the limit */
		hi_u = pb_dmmhg_to(top, v->unit);
		set_scale(g, v, 0, hi_u, step);
		g->hi = top;
		g->shrink_count = 0;
		return;
	}
	int32_t span = v->min_span_dmmhg > 0 ? v->min_span_dmmhg : 100;
	int32_t want_lo = 0, want_hi = span;
	if (have) {
		if (dmin < 0)
			want_lo = dmin;
		want_hi = dmax;
	}
	if (v->show_target && v->target_dmmhg > want_hi)
		want_hi = v->target_dmmhg;
	if (want_hi - want_lo < span)
		want_hi = want_lo + span;
	double dlo = pb_dmmhg_to(want_lo, v->unit);
	double dhi = pb_dmmhg_to(want_hi, v->unit);
	if (!g->scale_valid || g->scale_unit != v->unit || !g->scale_auto) {
		nice_range(dlo, dhi, rows, &lo_u, &hi_u, &step);
		set_scale(g, v, lo_u, hi_u, step);
		g->shrink_count = 0;
		return;
	}
	if (want_hi > g->hi || want_lo < g->lo) {
		/* expand at once (never shrinking the other end here) */
		double a = dlo < g->lo_u ? dlo : g->lo_u;
		double b = dhi > g->hi_u ? dhi : g->hi_u;
		nice_range(a, b, rows, &lo_u, &hi_u, &step);
		set_scale(g, v, lo_u, hi_u, step);
		g->shrink_count = 0;
		return;
	}
	nice_range(dlo, dhi, rows, &lo_u, &hi_u, &step);
	if (hi_u < g->hi_u - 1e-9 || lo_u > g->lo_u + 1e-9) {
		int n = v->shrink_frames > 0 ? v->shrink_frames : 30;
		if (++g->shrink_count >= n) {
			set_scale(g, v, lo_u, hi_u, step);
			g->shrink_count = 0;
		}
	} else {
		g->shrink_count = 0;
	}
}

/* dmmHg -> sub-row (0 = top), rounded to nearest, clamped. */
static int sub_of(const struct pb_graph *g, int32_t x, int nsub)
{
	int64_t range = (int64_t)g->hi - g->lo;
	int64_t num = ((int64_t)g->hi - x) * (nsub - 1);
	if (num <= 0)
		return 0;
	int64_t r = (2 * num + range) / (2 * range);
	return r > nsub - 1 ? nsub - 1 : (int)r;
}

/* ---- labels ------------------------------------------------------------ */

static void y_axis(struct pb_graph *g, const struct pb_graph_view *v)
{
	const struct pb_graph_layout *l = &g->lay;
	bool uni = v->glyphs == PB_GRAPH_BRAILLE;
	int ax = l->ylab_w;
	for (int r = 0; r < l->plot_rows; r++)
		put(g, r, ax, uni ? CP_VLINE : '|', PB_GA_AXIS);
	int nsub = l->plot_rows * l->sub_rows;
	double step = g->step_u > 0 ? g->step_u : 1;
	int dec = 0;
	if (step < 1) {
		dec = (int)ceil(-log10(step) - 1e-9);
		if (dec > 3)
			dec = 3;
	}
	double first = ceil(g->lo_u / step - 1e-6) * step;
	int last_row = -2;
	for (int i = 0; i < 200; i++) {
		double t = first + i * step;
		if (t > g->hi_u + step * 1e-6)
			break;
		int32_t d = (int32_t)lround(pb_to_mmhg(t, v->unit) * 10.0);
		if (d > g->hi)
			d = g->hi;
		int row = sub_of(g, d, nsub) / l->sub_rows;
		if (row == last_row)
			continue;
		last_row = row;
		char buf[32];
		double shown = fabs(t) < step * 1e-6 ? 0.0 : t;
		snprintf(buf, sizeof buf, "%*.*f", l->ylab_w, dec, shown);
		size_t len = strlen(buf);
		const char *s = buf + (len > (size_t)l->ylab_w ?
		    len - (size_t)l->ylab_w : 0);
		put_str(g, row, 0, s, PB_GA_LABEL);
		put(g, row, ax, uni ? CP_VTICK : '+', PB_GA_AXIS);
	}
	/* unit name under the labels, on the time-label row */
	char un[16];
	snprintf(un, sizeof un, "%*s", l->ylab_w, pb_unit_name(v->unit));
	put_str(g, l->plot_rows, 0, un, PB_GA_LABEL);
}

static void fmt_time(char *buf, size_t n, uint64_t ms, bool tenths)
{
	uint64_t s = ms / 1000;
	uint64_t h = s / 3600, m = (s / 60) % 60, sec = s % 60;
	if (h > 0)
		snprintf(buf, n, "%llu:%02llu:%02llu", (unsigned long long)h,
		    (unsigned long long)m, (unsigned long long)sec);
	else if (tenths)
		snprintf(buf, n, "%llu:%02llu.%llu", (unsigned long long)m,
		    (unsigned long long)sec,
		    (unsigned long long)(ms % 1000) / 100);
	else
		snprintf(buf, n, "%llu:%02llu", (unsigned long long)m,
		    (unsigned long long)sec);
}

/* Time labels; in sweep mode columns right of the erase gap show the
 * previous sweep's times. */
static void time_axis(struct pb_graph *g, const struct pb_graph_view *v,
    uint64_t t0, int head_cell, int gap_end_cell)
{
	const struct pb_graph_layout *l = &g->lay;
	static const double steps_s[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
		60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
		86400 };
	int pc = l->plot_cols;
	double span_s = (double)v->span / v->rate_hz;
	int labw = 7;
	double want = span_s * (labw + 2) / pc;
	double step_s = steps_s[sizeof steps_s / sizeof steps_s[0] - 1];
	for (size_t i = 0; i < sizeof steps_s / sizeof steps_s[0]; i++)
		if (steps_s[i] >= want) {
			step_s = steps_s[i];
			break;
		}
	bool tenths = step_s < 1;
	/* step in samples, at least 1; work in milliseconds of session */
	uint64_t step_ms = (uint64_t)llround(step_s * 1000);
	uint64_t ss = v->session_start;
	uint64_t rate = v->rate_hz;
	/* session ms of t0 (negative before the session: start at 0) */
	uint64_t ms0 = t0 > ss ? (t0 - ss) * 1000 / rate : 0;
	uint64_t first = (ms0 + step_ms - 1) / step_ms * step_ms;
	int row = l->plot_rows;
	int next_free = l->plot_x0;
	for (uint64_t ms = first;; ms += step_ms) {
		/* index of this time */
		uint64_t T = ss + (ms * rate + 999) / 1000;
		if (T < t0)
			continue;
		if (T >= t0 + v->span)
			break;
		int x = (int)((T - t0) * (uint64_t)pc / v->span);
		if (x >= pc)
			break;
		int col = l->plot_x0 + x;
		if (col < next_free)
			continue;
		uint64_t shown = ms;
		if (head_cell >= 0 && x > head_cell) {
			if (x <= gap_end_cell)
				continue;
			uint64_t span_ms = v->span * 1000 / rate;
			if (shown < span_ms)
				continue;
			shown -= span_ms;
		}
		char buf[24];
		fmt_time(buf, sizeof buf, shown, tenths);
		int len = (int)strlen(buf);
		if (col + len > g->cols)
			break;
		put_str(g, row, col, buf, PB_GA_LABEL);
		next_free = col + len + 1;
	}
}

/* ---- traces ------------------------------------------------------------ */

/* The sweep erase gap of a frame, in cells and in data columns; empty
 * (lo > hi, both past the plot) outside sweep mode. */
struct erase_gap {
	int head_cell;           /* cell column of the newest data, -1: none */
	int lo_cell, hi_cell;
	int lo, hi;              /* data columns */
};

static struct erase_gap erase_gap_of(const struct pb_graph_layout *l,
    const struct pb_graph_view *v, int sweep_head_col, int per)
{
	int pc = l->plot_cols;
	struct erase_gap e = { -1, pc, pc - 1, 0, 0 };
	if (v->mode == PB_GRAPH_SWEEP && sweep_head_col >= 0 &&
	    sweep_head_col < l->data_cols) {
		e.head_cell = sweep_head_col / per;
		int gw = pc >= 40 ? 2 : 1;
		e.lo_cell = e.head_cell + 1;
		e.hi_cell = e.head_cell + gw;
		if (e.hi_cell > pc - 1)
			e.hi_cell = pc - 1;
	}
	e.lo = e.lo_cell * per;
	e.hi = e.hi_cell * per + per - 1;
	return e;
}

/* Every cell blank. */
static void clear_grid(struct pb_graph *g)
{
	for (size_t i = 0; i < (size_t)g->rows * (size_t)g->cols; i++) {
		g->cells[i].cp = ' ';
		g->cells[i].attr = PB_GA_BLANK;
	}
}

static void draw_too_small(struct pb_graph *g)
{
	const char *msg = "graph: window too small";
	int len = (int)strlen(msg);
	int c0 = g->cols > len ? (g->cols - len) / 2 : 0;
	put_str(g, g->rows / 2, c0, msg, PB_GA_LABEL);
}

/* Update the scale from the shown channels' data outside the erase gap. */
static void scale_to_data(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_hist_col *cols, const struct erase_gap *eg)
{
	bool have = false;
	int32_t dmin = 0, dmax = 0;
	for (int i = 0; i < g->lay.data_cols; i++) {
		if (i >= eg->lo && i <= eg->hi)
			continue;
		for (int c = 0; c < PB_HIST_MAX_CH; c++) {
			if (!(v->channel_mask & (1u << c)))
				continue;
			const struct pb_env *e = &cols[i].ch[c];
			if (!e->has_data)
				continue;
			if (!have || e->min < dmin)
				dmin = e->min;
			if (!have || e->max > dmax)
				dmax = e->max;
			have = true;
		}
	}
	update_scale(g, v, have, dmin, dmax);
}

static void build_spans(const struct pb_graph *g,
    const struct pb_hist_col *cols, int ch, const struct erase_gap *eg,
    struct pb_graph_span *sp)
{
	int nsub = g->lay.plot_rows * g->lay.sub_rows;
	struct pb_graph_span prev = { -1, -1 };
	for (int i = 0; i < g->lay.data_cols; i++) {
		sp[i].top = sp[i].bot = -1;
		if (i >= eg->lo && i <= eg->hi) {
			prev.top = -1;
			continue;
		}
		const struct pb_env *e = &cols[i].ch[ch];
		if (!e->has_data) {
			prev.top = -1;
			continue;
		}
		struct pb_graph_span s;
		s.top = sub_of(g, e->max, nsub);
		s.bot = sub_of(g, e->min, nsub);
		struct pb_graph_span raw = s;
		if (prev.top >= 0) {
			if (s.top > prev.bot + 1)
				s.top = prev.bot + 1;
			if (s.bot < prev.top - 1)
				s.bot = prev.top - 1;
		}
		sp[i] = s;
		prev = raw;
	}
}

/* Dot bits (braille) or half-cell bits (ASCII) of one data column's span
 * in cell row r, whose sub-rows d0..d1 it covers. */
static uint8_t span_bits(bool braille, int dx, int d0, int d1, int sub)
{
	if (d0 == 0 && d1 == sub - 1)
		return braille ? (dx ? 0xB8 : 0x47) : 0x03;
	uint8_t m = 0;
	for (int dy = d0; dy <= d1; dy++)
		m |= braille ? braille_bit[dx][dy] : (uint8_t)(1u << dy);
	return m;
}

/* Rasterise channel ch into its dot plane g->dots[ch] (cleared first):
 * each data column lights its joined span. */
static void raster_channel(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_hist_col *cols, int ch, const struct erase_gap *eg)
{
	const struct pb_graph_layout *l = &g->lay;
	bool braille = v->glyphs == PB_GRAPH_BRAILLE;
	int per = braille ? 2 : 1, sub = l->sub_rows, pc = l->plot_cols;
	uint8_t *dots = g->dots[ch];
	memset(dots, 0, (size_t)l->plot_rows * (size_t)pc);
	if (!(v->channel_mask & (1u << ch)))
		return;
	struct pb_graph_span *sp = g->spans;
	build_spans(g, cols, ch, eg, sp);
	bool dotted = ch == 1 && v->monochrome && braille;
	for (int i = 0; i < l->data_cols; i++) {
		if (sp[i].top < 0)
			continue;
		int x = i / per, dx = i % per;
		/* dotted: dots where (sub-row + column) is even; sub is even,
		 * so the parity of the sub-row is that of dy */
		uint8_t keep = 0xFF;
		if (dotted) {
			keep = 0;
			for (int dy = 0; dy < sub; dy++)
				if (!((dy + i) & 1))
					keep |= braille_bit[dx][dy];
		}
		int r0 = sp[i].top / sub, r1 = sp[i].bot / sub;
		for (int r = r0; r <= r1; r++) {
			int d0 = r == r0 ? sp[i].top % sub : 0;
			int d1 = r == r1 ? sp[i].bot % sub : sub - 1;
			dots[(size_t)r * (size_t)pc + (size_t)x] |=
			    (uint8_t)(span_bits(braille, dx, d0, d1, sub) & keep);
		}
	}
}

/* Per cell column: shade columns whose samples were all lost, mark the
 * bottom row of columns with data and some lost samples. */
static void shade_lost(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_hist_col *cols, const struct erase_gap *eg)
{
	const struct pb_graph_layout *l = &g->lay;
	bool braille = v->glyphs == PB_GRAPH_BRAILLE;
	int per = braille ? 2 : 1, pr = l->plot_rows;
	for (int x = 0; x < l->plot_cols; x++) {
		if (x >= eg->lo_cell && x <= eg->hi_cell)
			continue;
		bool lost = false, partial = false;
		for (int k = 0; k < per; k++) {
			const struct pb_hist_col *hc = &cols[x * per + k];
			if (!hc->gap)
				continue;
			bool any = false;
			for (int c = 0; c < PB_HIST_MAX_CH; c++)
				if ((v->channel_mask & (1u << c)) &&
				    hc->ch[c].has_data)
					any = true;
			if (any)
				partial = true;
			else
				lost = true;
		}
		int col = l->plot_x0 + x;
		if (lost) {
			for (int r = 0; r < pr; r++)
				put(g, r, col, braille ? CP_SHADE : '/',
				    PB_GA_GAP);
		} else if (partial) {
			put(g, pr - 1, col, braille ? CP_GAPMARK : 'x',
			    PB_GA_GAP);
		}
	}
}

/* The target line: every other cell (from target_phase), not over gap
 * shading. */
static void draw_target(struct pb_graph *g, const struct pb_graph_view *v,
    const struct erase_gap *eg)
{
	const struct pb_graph_layout *l = &g->lay;
	if (!v->show_target || v->target_dmmhg > g->hi ||
	    v->target_dmmhg < g->lo)
		return;
	bool braille = v->glyphs == PB_GRAPH_BRAILLE;
	int s = sub_of(g, v->target_dmmhg, l->plot_rows * l->sub_rows);
	int r = s / l->sub_rows, dy = s % l->sub_rows;
	uint32_t cp = braille ? CP_BRAILLE + (uint32_t)(braille_bit[0][dy] |
	    braille_bit[1][dy]) : '-';
	for (int x = g->target_phase; x < l->plot_cols; x += 2) {
		if (x >= eg->lo_cell && x <= eg->hi_cell)
			continue;
		struct pb_cell *ce = cell(g, r, l->plot_x0 + x);
		if (ce->attr == PB_GA_GAP)
			continue;
		ce->cp = cp;
		ce->attr = PB_GA_TARGET;
	}
}

/* The glyph of a cell from both channels' dot bits (at least one set). */
static uint32_t trace_glyph(bool braille, uint8_t a, uint8_t b)
{
	static const char g0[4] = { ' ', '\'', '.', '|' };
	static const char g1[4] = { ' ', '`', ',', ':' };
	if (braille)
		return CP_BRAILLE + (uint32_t)(a | b);
	if (a && b)
		return '*';
	return (uint32_t)(unsigned char)(a ? g0[a] : g1[b]);
}

/* Traces over everything else in the plot. */
static void compose_traces(struct pb_graph *g, const struct pb_graph_view *v)
{
	const struct pb_graph_layout *l = &g->lay;
	bool braille = v->glyphs == PB_GRAPH_BRAILLE;
	int pc = l->plot_cols;
	for (int r = 0; r < l->plot_rows; r++) {
		for (int x = 0; x < pc; x++) {
			size_t k = (size_t)r * (size_t)pc + (size_t)x;
			uint8_t a = g->dots[0][k], b = g->dots[1][k];
			if (!a && !b)
				continue;
			uint8_t attr = a && b ? PB_GA_BOTH :
			    a ? PB_GA_CH0 : PB_GA_CH1;
			put(g, r, l->plot_x0 + x, trace_glyph(braille, a, b),
			    attr);
		}
	}
}

/* The sweep erase gap: blank cells right of the newest column. */
static void draw_erase_gap(struct pb_graph *g, const struct erase_gap *eg)
{
	const struct pb_graph_layout *l = &g->lay;
	for (int x = eg->lo_cell; x <= eg->hi_cell && x < l->plot_cols; x++)
		for (int r = 0; r < l->plot_rows; r++)
			put(g, r, l->plot_x0 + x, ' ', PB_GA_SWEEP);
}

/* Compare with the previous frame: changed cells and columns. */
static void diff_frame(struct pb_graph *g)
{
	size_t changed = 0;
	for (int x = 0; x < g->cols; x++)
		g->dirty[x] = g->all_dirty;
	for (int r = 0; r < g->rows; r++) {
		for (int x = 0; x < g->cols; x++) {
			size_t k = (size_t)r * (size_t)g->cols + (size_t)x;
			if (g->all_dirty || g->cells[k].cp != g->prev[k].cp ||
			    g->cells[k].attr != g->prev[k].attr) {
				g->dirty[x] = true;
				changed++;
			}
		}
	}
	memcpy(g->prev, g->cells,
	    (size_t)g->rows * (size_t)g->cols * sizeof *g->cells);
	g->changed = changed;
	g->last_full = g->all_dirty;
	g->all_dirty = false;
}

int pb_graph_render(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_hist_col *cols, size_t ncols, uint64_t t0,
    int sweep_head_col)
{
	if (!g || !v || !g->cells || v->span == 0 || v->rate_hz == 0)
		return PB_GRAPH_E_ARG;
	const struct pb_graph_layout *l = &g->lay;
	bool braille = v->glyphs == PB_GRAPH_BRAILLE;
	if (!l->too_small && (l->sub_rows != (braille ? 4 : 2) ||
	    (size_t)l->data_cols != ncols || !cols))
		return PB_GRAPH_E_ARG;
	clear_grid(g);
	if (l->too_small) {
		draw_too_small(g);
		diff_frame(g);
		return PB_GRAPH_OK;
	}
	struct erase_gap eg = erase_gap_of(l, v, sweep_head_col,
	    braille ? 2 : 1);
	g->sweep_head = eg.head_cell;
	scale_to_data(g, v, cols, &eg);
	for (int c = 0; c < PB_HIST_MAX_CH; c++)
		raster_channel(g, v, cols, c, &eg);
	shade_lost(g, v, cols, &eg);
	draw_target(g, v, &eg);
	compose_traces(g, v);
	draw_erase_gap(g, &eg);
	y_axis(g, v);
	time_axis(g, v, t0, eg.head_cell, eg.hi_cell);
	diff_frame(g);
	return PB_GRAPH_OK;
}

/* Scroll: the window's first index, and its length in *span.  With
 * step_cells the window is a whole number of cell periods (span rounded
 * up to a multiple of plot_cols) and starts on a multiple of the cell
 * period, with the newest sample in its last cell: every data column then
 * covers the same samples from frame to frame, and the picture moves
 * only when a cell period is complete, by whole cells. */
static uint64_t scroll_window(const struct pb_graph_layout *l,
    const struct pb_graph_view *v, uint64_t *span)
{
	uint64_t end = v->end;
	*span = v->span;
	if (!v->step_cells)
		return end > v->span ? end - v->span : 0;
	uint64_t pc = (uint64_t)l->plot_cols;
	uint64_t cell = (v->span + pc - 1) / pc;
	*span = cell * pc;
	uint64_t right = (end + cell - 1) / cell * cell;
	return right > *span ? right - *span : 0;
}

/* Sweep: the current sweep up to the newest column, the previous sweep
 * after it, in g->colbuf; returns the head's data column (-1: none) and
 * the sweep's first index in *base. */
static int compose_sweep(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_history *h, uint64_t *base)
{
	size_t dc = (size_t)g->lay.data_cols;
	uint64_t end = v->end;
	uint64_t b = end > 0 ? (end - 1) / v->span * v->span : 0;
	int head = end > 0 ? (int)((end - 1 - b) * dc / v->span) : -1;
	pb_history_query(h, b, b + v->span, g->colbuf, dc, NULL);
	if (b >= v->span)
		pb_history_query(h, b - v->span, b, g->colbuf2, dc, NULL);
	else
		memset(g->colbuf2, 0, dc * sizeof *g->colbuf2);
	for (size_t i = (size_t)(head + 1); i < dc; i++)
		g->colbuf[i] = g->colbuf2[i];
	*base = b;
	return head;
}

int pb_graph_frame(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_history *h)
{
	if (!g || !v || !h || !g->cells || v->span == 0 || v->rate_hz == 0)
		return PB_GRAPH_E_ARG;
	/* the glyph mode changed without a resize: new layout */
	if (g->lay.sub_rows != (v->glyphs == PB_GRAPH_BRAILLE ? 4 : 2)) {
		g->lay = pb_graph_layout(g->rows, g->cols, v->glyphs);
		g->all_dirty = true;
	}
	const struct pb_graph_layout *l = &g->lay;
	if (l->too_small)
		return pb_graph_render(g, v, NULL, 0, 0, -1);
	size_t dc = (size_t)l->data_cols;
	if (v->mode == PB_GRAPH_SWEEP) {
		uint64_t base;
		g->win_valid = false;
		int head = compose_sweep(g, v, h, &base);
		return pb_graph_render(g, v, g->colbuf, dc, base, head);
	}
	struct pb_graph_view w = *v;
	uint64_t t0 = scroll_window(l, v, &w.span);
	pb_history_query(h, t0, t0 + w.span, g->colbuf, dc, NULL);
	/* stepping: the target's dashes keep to whole cells of time, so
	 * they move with the trace */
	if (v->step_cells)
		g->target_phase = (int)(t0 / (w.span / (uint64_t)l->plot_cols) % 2);
	int rc = pb_graph_render(g, &w, g->colbuf, dc, t0, -1);
	g->target_phase = 0;
	if (rc == PB_GRAPH_OK) {
		g->win_t0 = t0;
		g->win_span = w.span;
		g->win_valid = true;
	}
	return rc;
}

int pb_graph_index_col(const struct pb_graph *g, uint64_t index)
{
	if (!g->win_valid || g->lay.too_small || index < g->win_t0 ||
	    index - g->win_t0 >= g->win_span)
		return -1;
	return g->lay.plot_x0 + (int)((index - g->win_t0) *
	    (uint64_t)g->lay.plot_cols / g->win_span);
}

size_t pb_graph_changed_cells(const struct pb_graph *g)
{
	return g->changed;
}

void pb_graph_pens(const struct pb_graph *g, int row, uint8_t *pens)
{
	if (row < 0 || row >= g->rows)
		return;
	const struct pb_graph_layout *l = &g->lay;
	bool plot_row = !l->too_small && row < l->plot_rows;
	uint8_t pen = PB_GA_BLANK;
	for (int x = 0; x < g->cols; x++) {
		const struct pb_cell *c =
		    &g->cells[(size_t)row * (size_t)g->cols + (size_t)x];
		bool blank = c->cp == ' ' && (c->attr == PB_GA_BLANK ||
		    c->attr == PB_GA_SWEEP);
		pens[x] = plot_row && x >= l->plot_x0 && blank ? pen : c->attr;
		pen = pens[x];
	}
}
int pb_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp >= 0x10000) {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return pb_utf8_encode(0xFFFD, out);
}

size_t pb_graph_to_text(const struct pb_graph *g, char *buf, size_t cap)
{
	size_t n = 0;
	char u[4];
	for (int r = 0; r < g->rows; r++) {
		/* trim trailing blanks */
		int last = g->cols - 1;
		while (last >= 0 &&
		    g->cells[(size_t)r * (size_t)g->cols + (size_t)last].cp == ' ')
			last--;
		for (int x = 0; x <= last; x++) {
			int k = pb_utf8_encode(g->cells[(size_t)r *
			    (size_t)g->cols + (size_t)x].cp, u);
			for (int i = 0; i < k; i++, n++)
				if (buf && n + 1 < cap)
					buf[n] = u[i];
		}
		if (buf && n + 1 < cap)
			buf[n] = '\n';
		n++;
	}
	if (buf && cap > 0)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

const char *pb_graph_strerror(int err)
{
	switch (err) {
	case PB_GRAPH_OK: return "ok";
	case PB_GRAPH_E_ARG: return "bad argument";
	case PB_GRAPH_E_NOMEM: return "out of memory";
	default: return "unknown graph error";
	}
}
