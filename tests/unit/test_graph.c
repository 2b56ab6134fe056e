/*
 * test_graph: golden screens of the rasteriser (braille and ASCII,
 * scrolling and sweep, gaps, target line, units, monochrome), autoscale
 * hysteresis, spikes at wide zoom, and sweep's small dirty set.
 *
 * Golden files: fixtures/golden/graph_<name>.txt hold the grid as UTF-8
 * text, a line "--- attrs", then one digit per cell (enum pb_gattr).
 * PB_UPDATE_GOLDEN=1 rewrites them (review the diff before committing).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/check_main.h"
#include "tui/graph.h"
#include "tui/history.h"

#define RATE 1000u

static const char *fixtures(void)
{
	const char *f = getenv("PUMPBENCH_DATA");
	return f && *f ? f : "fixtures";
}

static char *grid_dump(const struct pb_graph *g)
{
	size_t n = pb_graph_to_text(g, NULL, 0);
	size_t cap = n + 16 + (size_t)g->rows * ((size_t)g->cols + 1) + 1;
	char *s = malloc(cap);
	pb_graph_to_text(g, s, cap);
	size_t k = strlen(s);
	k += (size_t)snprintf(s + k, cap - k, "--- attrs\n");
	for (int r = 0; r < g->rows; r++) {
		for (int c = 0; c < g->cols; c++)
			s[k++] = (char)('0' + pb_graph_cell(g, r, c)->attr);
		s[k++] = '\n';
	}
	s[k] = '\0';
	return s;
}

static void golden(const struct pb_graph *g, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/golden/graph_%s.txt", fixtures(), name);
	char *got = grid_dump(g);
	const char *up = getenv("PB_UPDATE_GOLDEN");
	if (up && !strcmp(up, "1")) {
		FILE *f = fopen(path, "w");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		fputs(got, f);
		fclose(f);
		free(got);
		return;
	}
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s missing (PB_UPDATE_GOLDEN=1 creates it)",
	    path);
	static char want[65536];
	size_t n = fread(want, 1, sizeof want - 1, f);
	want[n] = '\0';
	fclose(f);
	if (strcmp(want, got) != 0) {
		char act[600];
		snprintf(act, sizeof act, "/tmp/graph_%s.actual.txt", name);
		FILE *o = fopen(act, "w");
		if (o) {
			fputs(got, o);
			fclose(o);
		}
		ck_abort_msg("%s differs from the golden file; actual in %s "
		    "(PB_UPDATE_GOLDEN=1 to accept)", path, act);
	}
	free(got);
}

/* A pump-like wave: 1 s cycles, pull 300 ms to peak, hold 200 ms,
 * release 100 ms, rest. ch1 is 80 % and 250 ms later. dmmHg. */
static int16_t pump_wave(uint64_t i, int ch, int peak)
{
	uint64_t k = (i + (ch ? 750 : 0)) % 1000;
	double p = ch ? peak * 0.8 : peak, v;
	if (k < 300)
		v = 30 + (p - 30) * (double)k / 300;
	else if (k < 500)
		v = p - (double)(k - 300) * 0.1;
	else if (k < 600)
		v = (p - 20) - (p - 50) * (double)(k - 500) / 100;
	else
		v = 30;
	return (int16_t)lround(v);
}

static struct pb_history *make_hist(uint64_t n, int peak)
{
	struct pb_history *h = pb_history_new(2);
	for (uint64_t i = 0; i < n; i++) {
		int16_t v[2] = { pump_wave(i, 0, peak), pump_wave(i, 1, peak) };
		pb_history_push1(h, v);
	}
	return h;
}

/* An initialised graph of rows x cols cells (fails the test if not). */
static void open_graph(struct pb_graph *g, int rows, int cols,
    enum pb_graph_glyphs glyphs)
{
	pb_graph_init(g);
	ck_assert_int_eq(pb_graph_resize(g, rows, cols, glyphs), 0);
}

static struct pb_graph_view base_view(void)
{
	struct pb_graph_view v;
	memset(&v, 0, sizeof v);
	v.mode = PB_GRAPH_SCROLL;
	v.glyphs = PB_GRAPH_BRAILLE;
	v.unit = PB_UNIT_MMHG;
	v.channel_mask = 3;
	v.autoscale = false;
	v.fixed_max_dmmhg = 3000;
	v.show_target = true;
	v.target_dmmhg = 1500;
	v.span = 5 * RATE;
	v.rate_hz = RATE;
	return v;
}

START_TEST(golden_braille_scroll)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	open_graph(&g, 16, 60, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	ck_assert(pb_graph_all_dirty(&g));
	golden(&g, "braille_scroll");
	/* the same frame again changes nothing */
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	ck_assert(!pb_graph_all_dirty(&g));
	ck_assert_uint_eq(pb_graph_changed_cells(&g), 0);
	for (int c = 0; c < g.cols; c++)
		ck_assert(!pb_graph_dirty(&g)[c]);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

START_TEST(golden_ascii_mono_kpa)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	open_graph(&g, 14, 64, PB_GRAPH_ASCII);
	struct pb_graph_view v = base_view();
	v.glyphs = PB_GRAPH_ASCII;
	v.monochrome = true;
	v.unit = PB_UNIT_KPA;
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	golden(&g, "ascii_mono_kpa");
	/* ASCII output is pure ASCII */
	for (int r = 0; r < g.rows; r++)
		for (int c = 0; c < g.cols; c++)
			ck_assert_uint_lt(pb_graph_cell(&g, r, c)->cp, 0x80);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

START_TEST(golden_braille_mono_cmh2o)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	open_graph(&g, 12, 50, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.monochrome = true;
	v.unit = PB_UNIT_CMH2O;
	v.span = 3 * RATE;
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	golden(&g, "braille_mono_cmh2o");
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

START_TEST(golden_sweep_and_small_dirty_set)
{
	struct pb_history *h = make_hist(13500, 1500);
	struct pb_graph g;
	open_graph(&g, 16, 60, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.mode = PB_GRAPH_SWEEP;
	v.end = pb_history_head(h);   /* 13.5 s: head at 3.5 s of 5 s sweep */
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	golden(&g, "braille_sweep");
	/* 33 ms later (one frame): only columns near the head change */
	for (int i = 0; i < 33; i++) {
		uint64_t k = pb_history_head(h);
		int16_t s[2] = { pump_wave(k, 0, 1500), pump_wave(k, 1, 1500) };
		pb_history_push1(h, s);
	}
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	int dirty = 0;
	for (int c = 0; c < g.cols; c++)
		dirty += pb_graph_dirty(&g)[c];
	ck_assert_int_le(dirty, 6);
	ck_assert_int_ge(dirty, 1);
	size_t sweep_cells = pb_graph_changed_cells(&g);
	/* the same step in scroll mode touches most of the plot */
	struct pb_graph g2;
	open_graph(&g2, 16, 60, PB_GRAPH_BRAILLE);
	v.mode = PB_GRAPH_SCROLL;
	v.end -= 33;
	pb_graph_frame(&g2, &v, h);
	v.end += 33;
	pb_graph_frame(&g2, &v, h);
	dirty = 0;
	for (int c = 0; c < g2.cols; c++)
		dirty += pb_graph_dirty(&g2)[c];
	ck_assert_int_ge(dirty, 40);
	ck_assert_uint_gt(pb_graph_changed_cells(&g2), 4 * sweep_cells);
	pb_graph_free(&g2);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

static void push_wave(struct pb_history *h, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t k = pb_history_head(h);
		int16_t s[2] = { pump_wave(k, 0, 1500), pump_wave(k, 1, 1500) };
		pb_history_push1(h, s);
	}
}

/* Scrolling in whole-cell steps: one cell period later every plot cell
 * shows what its right neighbour showed (the first column, whose join
 * has no left neighbour, and the newest two aside). */
START_TEST(scroll_steps_move_whole_cells)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph a, b;
	open_graph(&a, 16, 60, PB_GRAPH_BRAILLE);
	open_graph(&b, 16, 60, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.step_cells = true;
	const struct pb_graph_layout *l = &a.lay;
	uint64_t cell = (v.span + (uint64_t)l->plot_cols - 1) /
	    (uint64_t)l->plot_cols;
	ck_assert_uint_eq(cell, 95);           /* 5000 samples / 53 cells */
	v.end = 100 * cell + 7;
	ck_assert_int_eq(pb_graph_frame(&a, &v, h), 0);
	v.end += cell;
	ck_assert_int_eq(pb_graph_frame(&b, &v, h), 0);
	int trace = 0;
	for (int r = 0; r < l->plot_rows; r++) {
		for (int x = l->plot_x0 + 1; x < a.cols - 2; x++) {
			const struct pb_cell *cb = pb_graph_cell(&b, r, x);
			const struct pb_cell *ca = pb_graph_cell(&a, r, x + 1);
			ck_assert_msg(cb->cp == ca->cp && cb->attr == ca->attr,
			    "row %d col %d: U+%04X/%d, was U+%04X/%d right of it",
			    r, x, cb->cp, cb->attr, ca->cp, ca->attr);
			trace += cb->attr == PB_GA_CH0 || cb->attr == PB_GA_CH1;
		}
	}
	ck_assert_int_gt(trace, 50);
	/* the time labels move with the cells */
	ck_assert_int_eq(pb_graph_index_col(&b, 100 * cell + 7),
	    pb_graph_index_col(&a, 100 * cell + 7) - 1);
	/* without steps the same move re-samples every column */
	struct pb_graph c, d;
	open_graph(&c, 16, 60, PB_GRAPH_BRAILLE);
	open_graph(&d, 16, 60, PB_GRAPH_BRAILLE);
	v.step_cells = false;
	v.end = 100 * cell + 7;
	pb_graph_frame(&c, &v, h);
	v.end += cell;
	pb_graph_frame(&d, &v, h);
	int differ = 0;
	for (int r = 0; r < l->plot_rows; r++)
		for (int x = l->plot_x0 + 1; x < c.cols - 2; x++)
			differ += pb_graph_cell(&d, r, x)->cp !=
			    pb_graph_cell(&c, r, x + 1)->cp;
	ck_assert_int_gt(differ, 10);
	pb_graph_free(&a);
	pb_graph_free(&b);
	pb_graph_free(&c);
	pb_graph_free(&d);
	pb_history_free(h);
}
END_TEST

/* Between two steps only the newest cell column changes, as it fills. */
START_TEST(scroll_steps_change_only_the_newest_cell_between_steps)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	open_graph(&g, 16, 60, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.step_cells = true;
	/* 12000 = 126 cells of 95 + 30: the newest cell holds 30 samples */
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	int changed_last = 0;
	for (int f = 0; f < 6; f++) {          /* 6 x 10 samples: same cell */
		push_wave(h, 10);
		v.end = pb_history_head(h);
		ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
		for (int c = 0; c < g.cols - 1; c++)
			ck_assert_msg(!pb_graph_dirty(&g)[c],
			    "frame %d: column %d changed", f, c);
		changed_last += pb_graph_dirty(&g)[g.cols - 1];
	}
	ck_assert_int_ge(changed_last, 1);
	/* crossing into the next cell moves the picture */
	push_wave(h, 10);
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	int dirty = 0;
	for (int c = 0; c < g.cols; c++)
		dirty += pb_graph_dirty(&g)[c];
	ck_assert_int_ge(dirty, 20);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

START_TEST(index_col_of_the_scrolling_window)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	open_graph(&g, 16, 60, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	ck_assert_int_eq(pb_graph_index_col(&g, 11000), -1);  /* no frame */
	v.end = 12000;                          /* window [7000, 12000) */
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	int x0 = g.lay.plot_x0;
	ck_assert_int_eq(pb_graph_index_col(&g, 7000), x0);
	ck_assert_int_eq(pb_graph_index_col(&g, 11999), g.cols - 1);
	ck_assert_int_eq(pb_graph_index_col(&g, 9500), x0 + 26);
	ck_assert_int_eq(pb_graph_index_col(&g, 6999), -1);
	ck_assert_int_eq(pb_graph_index_col(&g, 12000), -1);
	/* whole-cell steps: the window ends at the newest cell's end */
	v.step_cells = true;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	ck_assert_int_eq(pb_graph_index_col(&g, 11999), g.cols - 1);
	ck_assert_int_eq(pb_graph_index_col(&g, 12000 + 64), g.cols - 1);
	ck_assert_int_eq(pb_graph_index_col(&g, 12065), -1);   /* 127 x 95 */
	ck_assert_int_eq(pb_graph_index_col(&g, 12065 - 53 * 95), x0);
	/* a sweep frame has no scrolling window */
	v.mode = PB_GRAPH_SWEEP;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	ck_assert_int_eq(pb_graph_index_col(&g, 11000), -1);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

/* Pens: blank plot cells carry the attribute of the cell left of them,
 * everything else its own, and a row has fewer attribute switches. */
START_TEST(pens_fill_blank_plot_cells_from_the_left)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	open_graph(&g, 16, 60, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	const struct pb_graph_layout *l = &g.lay;
	uint8_t pens[60];
	int raw_switches = 0, pen_switches = 0, took_trace = 0;
	for (int r = 0; r < g.rows; r++) {
		pb_graph_pens(&g, r, pens);
		for (int x = 0; x < g.cols; x++) {
			const struct pb_cell *c = pb_graph_cell(&g, r, x);
			bool blank = c->cp == ' ' && c->attr == PB_GA_BLANK;
			if (!blank || x < l->plot_x0 || r >= l->plot_rows) {
				ck_assert_int_eq(pens[x], c->attr);
			} else {
				ck_assert_int_eq(pens[x], pens[x - 1]);
				took_trace += pens[x] == PB_GA_CH0 ||
				    pens[x] == PB_GA_CH1 ||
				    pens[x] == PB_GA_BOTH;
			}
			if (x > l->plot_x0 && r < l->plot_rows) {
				raw_switches += c->attr !=
				    pb_graph_cell(&g, r, x - 1)->attr;
				pen_switches += pens[x] != pens[x - 1];
			}
		}
	}
	ck_assert_int_gt(took_trace, 0);
	ck_assert_msg(3 * pen_switches < 2 * raw_switches, "%d switches with pens, "
	    "%d without", pen_switches, raw_switches);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

/* A marker goes on the time-label row only where no label is: never on
 * a label's cells or right beside them. */
START_TEST(marker_never_over_a_time_label)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	pb_graph_init(&g);
	ck_assert_int_eq(pb_graph_resize(&g, 16, 60, PB_GRAPH_BRAILLE), 0);
	struct pb_graph_view v = base_view();
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	int free_cols = 0, label_cols = 0;
	for (int c = g.lay.plot_x0; c < g.cols; c++) {
		const struct pb_cell *lc = pb_graph_cell(&g, g.rows - 1, c);
		bool near = lc->cp != ' ' ||
		    (c > 0 && pb_graph_cell(&g, g.rows - 1, c - 1)->cp != ' ') ||
		    (c + 1 < g.cols &&
		    pb_graph_cell(&g, g.rows - 1, c + 1)->cp != ' ');
		ck_assert_int_eq(pb_graph_marker_free(&g, c), !near);
		free_cols += !near;
		label_cols += lc->cp != ' ';
	}
	ck_assert_int_gt(label_cols, 3);      /* there are labels here */
	ck_assert_int_gt(free_cols, 3);
	ck_assert(!pb_graph_marker_free(&g, g.cols));
	ck_assert(!pb_graph_marker_free(&g, -1));
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

START_TEST(golden_gap_ascii)
{
	struct pb_history *h = pb_history_new(2);
	for (uint64_t i = 0; i < 4000; i++) {
		int16_t s[2] = { pump_wave(i, 0, 1200), pump_wave(i, 1, 1200) };
		pb_history_push1(h, s);
	}
	pb_history_gap(h, 1500);            /* link down 1.5 s */
	for (uint64_t i = 5500; i < 10000; i++) {
		int16_t s[2] = { pump_wave(i, 0, 1200), pump_wave(i, 1, 1200) };
		pb_history_push1(h, s);
	}
	struct pb_graph g;
	open_graph(&g, 12, 70, PB_GRAPH_ASCII);
	struct pb_graph_view v = base_view();
	v.glyphs = PB_GRAPH_ASCII;
	v.span = 10 * RATE;
	v.show_target = false;
	v.autoscale = true;
	v.end = pb_history_head(h);
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	golden(&g, "ascii_gap_autoscale");
	/* the gap's columns are shaded */
	const struct pb_graph_layout *l = &g.lay;
	int x = l->plot_x0 + (int)(4750ull * (uint64_t)l->plot_cols / 10000);
	ck_assert_uint_eq(pb_graph_cell(&g, 0, x)->cp, '/');
	ck_assert_uint_eq(pb_graph_cell(&g, 0, x)->attr, PB_GA_GAP);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

START_TEST(autoscale_hysteresis)
{
	struct pb_graph g;
	open_graph(&g, 20, 40, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.autoscale = true;
	v.show_target = false;
	v.shrink_frames = 5;
	int dc = g.lay.data_cols;
	struct pb_hist_col *cols = calloc((size_t)dc, sizeof *cols);
	int32_t lo, hi;
	/* data up to 95 mmHg: nice range [0, 100] */
	for (int i = 0; i < dc; i++) {
		cols[i].ch[0] = (struct pb_env){ 10, (int16_t)(i == 3 ? 950 :
		    500), true };
	}
	ck_assert_int_eq(pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1), 0);
	pb_graph_scale(&g, &lo, &hi);
	ck_assert_int_eq(lo, 0);
	ck_assert_int_eq(hi, 1000);
	/* a peak at 180 mmHg expands at once */
	cols[5].ch[0].max = 1800;
	pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	pb_graph_scale(&g, &lo, &hi);
	ck_assert_int_eq(hi, 2000);
	golden(&g, "autoscale_expanded");
	/* back to 95: stays for 4 frames, shrinks on the 5th */
	cols[5].ch[0].max = 500;
	for (int f = 1; f <= 4; f++) {
		pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
		pb_graph_scale(&g, &lo, &hi);
		ck_assert_int_eq(hi, 2000);
	}
	pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	pb_graph_scale(&g, &lo, &hi);
	ck_assert_int_eq(hi, 1000);
	/* a frame that needs the range again resets the count */
	cols[5].ch[0].max = 1800;
	pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	cols[5].ch[0].max = 500;
	for (int f = 0; f < 3; f++)
		pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	cols[5].ch[0].max = 1900;
	pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	cols[5].ch[0].max = 500;
	for (int f = 0; f < 4; f++)
		pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	pb_graph_scale(&g, &lo, &hi);
	ck_assert_int_eq(hi, 2000);
	/* negative pressure extends the bottom; no data keeps 10 mmHg span */
	cols[7].ch[0].min = -120;
	pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	pb_graph_scale(&g, &lo, &hi);
	ck_assert_int_lt(lo, -120 + 1);
	memset(cols, 0, (size_t)dc * sizeof *cols);
	pb_graph_reset_scale(&g);
	pb_graph_render(&g, &v, cols, (size_t)dc, 0, -1);
	pb_graph_scale(&g, &lo, &hi);
	ck_assert_int_eq(lo, 0);
	ck_assert_int_ge(hi, 100);
	free(cols);
	pb_graph_free(&g);
}
END_TEST

/* A 5 ms spike one hour into a session, viewed as the whole session on a
 * 200-column graph, still reaches the top of the plot. */
START_TEST(spike_visible_at_whole_session_zoom)
{
	struct pb_history *h = pb_history_new(2);
	const uint64_t n = 2 * 3600ull * RATE;
	const uint64_t spike = 3600ull * RATE + 123;
	int16_t v[2] = { 300, 200 };
	for (uint64_t i = 0; i < n; i++) {
		int16_t s[2] = { i >= spike && i < spike + 5 ? 2900 : v[0], v[1] };
		pb_history_push1(h, s);
	}
	struct pb_graph g;
	open_graph(&g, 30, 200, PB_GRAPH_BRAILLE);
	struct pb_graph_view view = base_view();
	view.span = n;
	view.end = n;
	view.show_target = false;
	ck_assert_int_eq(pb_graph_frame(&g, &view, h), 0);
	const struct pb_graph_layout *l = &g.lay;
	int x = l->plot_x0 + (int)(spike * (uint64_t)l->plot_cols / n);
	/* 2900 of 3000: the spike's column has dots in the top rows
	 * (rows 0..2 cover 2690..3000) and no other column does */
	bool found = false;
	for (int xx = l->plot_x0; xx < g.cols; xx++) {
		for (int r = 0; r < 3; r++) {
			const struct pb_cell *c = pb_graph_cell(&g, r, xx);
			if (c->attr != PB_GA_CH0)
				continue;
			ck_assert_int_le(abs(xx - x), 1);
			ck_assert_uint_ge(c->cp, 0x2801);
			ck_assert_uint_le(c->cp, 0x28FF);
			found = true;
		}
	}
	ck_assert(found);
	/* time labels at whole-session zoom are h:mm:ss */
	char *txt = malloc(pb_graph_to_text(&g, NULL, 0) + 1);
	pb_graph_to_text(&g, txt, pb_graph_to_text(&g, NULL, 0) + 1);
	ck_assert_ptr_nonnull(strstr(txt, "1:00:00"));
	free(txt);
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

START_TEST(small_window_and_bad_args)
{
	struct pb_graph g;
	open_graph(&g, 3, 30, PB_GRAPH_BRAILLE);
	ck_assert(g.lay.too_small);
	struct pb_history *h = make_hist(100, 1000);
	struct pb_graph_view v = base_view();
	v.end = 100;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	char buf[256];
	pb_graph_to_text(&g, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "too small"));
	v.span = 0;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), PB_GRAPH_E_ARG);
	ck_assert_int_eq(pb_graph_resize(&g, 0, 10, PB_GRAPH_ASCII),
	    PB_GRAPH_E_ARG);
	/* switching glyphs without a resize re-lays out the grid */
	ck_assert_int_eq(pb_graph_resize(&g, 12, 40, PB_GRAPH_BRAILLE), 0);
	v.span = 100;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	ck_assert_int_eq(g.lay.data_cols, 2 * 33);
	v.glyphs = PB_GRAPH_ASCII;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	ck_assert_int_eq(g.lay.data_cols, 33);
	ck_assert(pb_graph_all_dirty(&g));
	/* rendering wrong column counts is refused, the grid kept */
	struct pb_hist_col one[1];
	memset(one, 0, sizeof one);
	ck_assert_int_eq(pb_graph_render(&g, &v, one, 1, 0, -1),
	    PB_GRAPH_E_ARG);
	/* the layout: braille doubles the data columns */
	struct pb_graph_layout lb = pb_graph_layout(50, 200, PB_GRAPH_BRAILLE);
	struct pb_graph_layout la = pb_graph_layout(50, 200, PB_GRAPH_ASCII);
	ck_assert_int_eq(lb.data_cols, 2 * la.data_cols);
	ck_assert_int_eq(lb.plot_rows, 49);
	char u[4];
	ck_assert_int_eq(pb_utf8_encode(0x28FF, u), 3);
	ck_assert(!memcmp(u, "\xe2\xa3\xbf", 3));
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

/* The shortest time base: 1 s at 1 kHz shows tenths in the labels; and a
 * slow pump (10 samples/s) stretches each sample over many columns. */
START_TEST(golden_one_second_and_slow_rate)
{
	struct pb_history *h = make_hist(12 * RATE, 1500);
	struct pb_graph g;
	open_graph(&g, 10, 60, PB_GRAPH_BRAILLE);
	struct pb_graph_view v = base_view();
	v.span = RATE;
	v.end = 11500;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	golden(&g, "braille_1s");
	char txt[8192];
	pb_graph_to_text(&g, txt, sizeof txt);
	ck_assert_ptr_nonnull(strstr(txt, "0:10.6"));
	pb_history_free(h);

	/* 10 Hz: 30 samples over 106 data columns, no holes in the line */
	h = pb_history_new(1);
	for (int i = 0; i < 30; i++) {
		int16_t x = (int16_t)(i * 50);
		pb_history_push1(h, &x);
	}
	v.rate_hz = 10;
	v.span = 30;
	v.end = 30;
	v.channel_mask = 1;
	v.show_target = false;
	ck_assert_int_eq(pb_graph_frame(&g, &v, h), 0);
	const struct pb_graph_layout *l = &g.lay;
	for (int x = l->plot_x0; x < g.cols; x++) {
		bool any = false;
		for (int r = 0; r < l->plot_rows; r++)
			if (pb_graph_cell(&g, r, x)->attr == PB_GA_CH0)
				any = true;
		ck_assert_msg(any, "column %d empty", x);
	}
	pb_graph_free(&g);
	pb_history_free(h);
}
END_TEST

static Suite *graph_suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, golden_braille_scroll);
	tcase_add_test(tc, golden_ascii_mono_kpa);
	tcase_add_test(tc, golden_braille_mono_cmh2o);
	tcase_add_test(tc, golden_sweep_and_small_dirty_set);
	tcase_add_test(tc, golden_gap_ascii);
	tcase_add_test(tc, scroll_steps_move_whole_cells);
	tcase_add_test(tc, scroll_steps_change_only_the_newest_cell_between_steps);
	tcase_add_test(tc, index_col_of_the_scrolling_window);
	tcase_add_test(tc, pens_fill_blank_plot_cells_from_the_left);
	tcase_add_test(tc, marker_never_over_a_time_label);
	tcase_add_test(tc, autoscale_hysteresis);
	tcase_add_test(tc, spike_visible_at_whole_session_zoom);
	tcase_add_test(tc, small_window_and_bad_args);
	tcase_add_test(tc, golden_one_second_and_slow_rate);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(graph_suite)
