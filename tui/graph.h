/*
 * tui/graph.h - the graph rasteriser: envelopes in, a cell grid out.
 *
 * Promise: pure.  No ncurses, no I/O, no clock.  The grid is rows x cols
 * cells, each a Unicode code point (plain ASCII in ASCII mode) and an
 * attribute index (enum pb_gattr) that the front end maps to colours or
 * to A_BOLD/A_DIM in monochrome.  A struct pb_graph keeps the state that
 * must persist between frames: the autoscale hysteresis and the previous
 * frame, so pb_graph_dirty() can say which columns changed (in sweep
 * mode a frame touches a few columns).
 *
 * Layout of the grid (cols x rows given by the front end):
 *
 *   +------+-+------------------------------+
 *   | ylab |a|  plot (plot_cols x plot_rows) |   a = axis column
 *   |      | |                               |
 *   | unit | |  time labels                  |   last row
 *   +------+-+------------------------------+
 *
 * Data columns: the plot has data_cols envelope columns, 2 per cell in
 * braille mode (a braille cell is 2 x 4 dots) and 1 per cell in ASCII
 * mode; pb_graph_frame() queries the history with exactly that many.
 *
 * Drawing, per channel (vacuum as a positive magnitude, bottom = lo):
 *   braille: each data column lights the dots from its min to its max,
 *     stretched to meet the previous column's range so the line is
 *     joined; channel 0 attr PB_GA_CH0, channel 1 PB_GA_CH1, a cell with
 *     both PB_GA_BOTH.  In monochrome, channel 1 is drawn dotted (only
 *     dots on a checkerboard) so the lines stay distinguishable.
 *   ascii: each cell row is split in an upper and a lower half; channel 0
 *     draws '\'' (upper half only), '.' (lower half only), '|' (both or a
 *     span through the cell); channel 1 draws '`', ',', ':' likewise; a
 *     cell both channels touch shows '*' (attr PB_GA_BOTH).
 *   gaps: a data column with lost samples and no data is shaded full
 *     height (U+2591 light shade, '/' in ASCII, attr PB_GA_GAP); a column
 *     with data and some lost samples gets a gap mark in the bottom plot
 *     row where it is empty (U+2573 / 'x').
 *   target: a dashed horizontal line at the target (every other cell,
 *     a pair of braille dots at the target's dot row / '-', attr
 *     PB_GA_TARGET) where no trace is drawn.
 *   sweep: the erase gap (blank, attr PB_GA_SWEEP) is drawn right of the
 *     newest column; right of it the previous sweep stays visible.
 *
 * Scroll in whole-cell steps (step_cells): the window is span rounded up
 * to a whole number of cell periods (span / plot_cols samples, rounded
 * up), aligned to a multiple of that period, with the newest sample in
 * the last cell.  Each data column then always covers the same samples:
 * between steps only the last cell changes (it fills as samples arrive);
 * once it is complete, the picture moves one cell left, every cell
 * exactly as its right neighbour was (the target's dashes too: they keep
 * to every other cell period of time, not of the screen).  A front end that sends only the
 * cells that changed then sends one column per frame and the whole trace
 * once per cell period, not every frame.
 *
 * Y scale: fixed [0, fixed_max] or autoscale: the range [min(0, data
 * min), max(data max, target)] rounded out to a nice tick step (1, 2, 5 x
 * 10^k in the display unit, about one label per 3-4 rows, at least
 * min_span_dmmhg tall).  It expands at once and shrinks only after
 * shrink_frames consecutive frames whose data would fit a smaller range.
 * Y labels are in the display unit (pump/units.h) with the unit's name
 * under them.  Time labels are session time (index - session_start) /
 * rate_hz at nice steps (0.1 s .. hours), "m:ss", "m:ss.s" for short
 * windows, "h:mm:ss" past an hour.
 */
#ifndef PB_TUI_GRAPH_H
#define PB_TUI_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pump/units.h"
#include "tui/history.h"

enum pb_gattr {
	PB_GA_BLANK = 0,  /* background */
	PB_GA_AXIS,       /* axis line and ticks */
	PB_GA_LABEL,      /* y and time labels, unit name */
	PB_GA_CH0,        /* channel 0 trace */
	PB_GA_CH1,        /* channel 1 trace */
	PB_GA_BOTH,       /* a cell both traces touch */
	PB_GA_TARGET,     /* target reference line */
	PB_GA_GAP,        /* lost samples / link down */
	PB_GA_SWEEP,      /* sweep erase gap */
	PB_GA_COUNT
};

enum pb_graph_glyphs { PB_GRAPH_BRAILLE = 0, PB_GRAPH_ASCII = 1 };
enum pb_graph_mode { PB_GRAPH_SCROLL = 0, PB_GRAPH_SWEEP = 1 };

struct pb_cell {
	uint32_t cp;      /* Unicode code point; ' ' when empty */
	uint8_t  attr;    /* enum pb_gattr */
};

/* What to draw this frame.  Times are history indices (samples). */
struct pb_graph_view {
	enum pb_graph_mode   mode;
	enum pb_graph_glyphs glyphs;
	bool     monochrome;      /* no colours: channels differ by glyph */
	enum pb_unit unit;
	uint8_t  channel_mask;    /* bit per channel to draw */

	bool     autoscale;
	int32_t  fixed_max_dmmhg; /* fixed scale top (e.g. profile limit) */
	int32_t  min_span_dmmhg;  /* autoscale: smallest range (0: 100 = 10 mmHg) */
	int      shrink_frames;   /* autoscale: frames before shrinking (0: 30) */

	bool     show_target;
	int32_t  target_dmmhg;

	uint64_t end;             /* scroll: right edge (exclusive); sweep: now */
	uint64_t span;            /* samples across the plot width (> 0) */
	bool     step_cells;      /* scroll: move in whole-cell steps (below) */
	uint64_t session_start;   /* index where session time 0:00 is */
	unsigned rate_hz;         /* samples per second (> 0) */
};

/* Where things are in the grid. */
struct pb_graph_layout {
	int ylab_w;      /* width of the y label area */
	int plot_x0;     /* first plot column (after the axis column) */
	int plot_cols;   /* cells */
	int plot_rows;   /* cells */
	int data_cols;   /* envelope columns: 2 * plot_cols in braille */
	int sub_rows;    /* vertical resolution: 4 (braille) or 2 per row */
	bool too_small;  /* nothing sensible fits: grid shows a message */
};

/* The smallest grid the graph draws into (smaller shows a message). */
#define PB_GRAPH_MIN_COLS 20
#define PB_GRAPH_MIN_ROWS 4

struct pb_graph_span;   /* private to graph.c */

struct pb_graph {
	int rows, cols;
	struct pb_cell *cells;     /* rows * cols, row-major */
	struct pb_cell *prev;      /* last frame, for the dirty columns */
	bool *dirty;               /* cols: changed since the previous frame */
	bool  all_dirty;           /* first frame or resize */
	size_t changed;            /* cells changed by the last frame */
	bool  last_full;           /* the last frame was a full redraw */
	struct pb_graph_layout lay;

	/* scale state: dmmHg, and the same in the display unit with the
	 * tick step */
	bool    scale_valid;
	int32_t lo, hi;
	double  lo_u, hi_u, step_u;
	enum pb_unit scale_unit;
	bool    scale_auto;
	int     shrink_count;
	/* sweep state */
	int     sweep_head;        /* cell column of the newest data (-1) */
	int     target_phase;      /* 0/1: first cell of the target's dashes */
	/* the scrolling window of the last frame (pb_graph_index_col) */
	bool     win_valid;
	uint64_t win_t0, win_span;
	/* per-frame scratch, allocated by pb_graph_resize() (sized for the
	 * braille layout, the larger): a frame allocates nothing */
	struct pb_graph_span *spans;          /* 2 * cols: a channel's spans */
	uint8_t *dots[PB_HIST_MAX_CH];       /* rows * cols: dot bits */
	struct pb_hist_col *colbuf, *colbuf2; /* 2 * cols: query results */
};

enum pb_graph_err {
	PB_GRAPH_OK = 0,
	PB_GRAPH_E_ARG = -1,
	PB_GRAPH_E_NOMEM = -2
};

void pb_graph_init(struct pb_graph *g);
void pb_graph_free(struct pb_graph *g);
/* Set the grid size (cells).  Allocates the grid and every buffer a
 * frame needs (nothing is allocated per frame); on failure the graph is
 * unchanged.  The next frame is all dirty. */
int  pb_graph_resize(struct pb_graph *g, int rows, int cols,
    enum pb_graph_glyphs glyphs);
/* Layout for a grid size and glyph mode (pure). */
struct pb_graph_layout pb_graph_layout(int rows, int cols,
    enum pb_graph_glyphs glyphs);

/* Rasterise given envelopes: cols has lay.data_cols entries, column i
 * covering [end - span + i*span/data_cols, ...) in scroll mode.  In sweep
 * mode cols[] is already composed (current sweep up to sweep_head data
 * column, previous sweep after it) and sweep_head_col is the data column
 * of the newest sample (-1: none).  t0 is the index at data column 0 of
 * the current composition (for the time labels).  Updates the scale, the
 * grid and the dirty columns. */
int pb_graph_render(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_hist_col *cols, size_t ncols, uint64_t t0,
    int sweep_head_col);

/* Query h for the view (both sweeps in sweep mode) and render.  A view
 * whose glyph mode differs from the last resize re-lays the grid out
 * (and redraws it all). */
int pb_graph_frame(struct pb_graph *g, const struct pb_graph_view *v,
    const struct pb_history *h);

/* The grid column where sample index i is in the last scrolling frame,
 * -1 when it is outside the window (or the last frame was a sweep). */
int pb_graph_index_col(const struct pb_graph *g, uint64_t index);

/* Changed columns of the last frame (cols entries); all true when
 * pb_graph_all_dirty(). */
const bool *pb_graph_dirty(const struct pb_graph *g);
bool pb_graph_all_dirty(const struct pb_graph *g);
/* Number of changed cells in the last frame (for benchmarks/tests). */
size_t pb_graph_changed_cells(const struct pb_graph *g);
/* The attribute to draw each cell of a row with (cols entries), for a
 * front end that wants few attribute changes on the wire: a cell's own,
 * except a blank cell of the plot (a space, attr PB_GA_BLANK or
 * PB_GA_SWEEP), which takes the pen of the cell left of it.  A blank
 * looks the same in any colour or weight (no attribute here has a
 * background or reverse video), so the picture is the same, and a row
 * becomes runs of one attribute per trace instead of a switch to and
 * from the blank attribute around every trace cell.  Under a whole-cell
 * scroll step the pens move with the cells. */
void pb_graph_pens(const struct pb_graph *g, int row, uint8_t *pens);
const struct pb_cell *pb_graph_cell(const struct pb_graph *g, int row,
    int col);
/* True when a marker may go on the time-label row at column col: the
 * cell there and its neighbours hold no label text (a marker never
 * hides a time label). */
bool pb_graph_marker_free(const struct pb_graph *g, int col);
/* Current y range in dmmHg. */
void pb_graph_scale(const struct pb_graph *g, int32_t *lo, int32_t *hi);
/* Forget the scale (e.g. after a unit change: ticks change). */
void pb_graph_reset_scale(struct pb_graph *g);

/* The grid as UTF-8 text, one line per row ending in '\n' (golden files,
 * headless dumps). Returns the length written (truncated to cap-1, always
 * NUL-terminated), or the length needed when buf is NULL. */
size_t pb_graph_to_text(const struct pb_graph *g, char *buf, size_t cap);
/* Encode one code point as UTF-8; returns bytes (1..4). */
int pb_utf8_encode(uint32_t cp, char out[4]);

const char *pb_graph_strerror(int err);

#endif
