/*
 * tui/view.h - the dashboard's view policy: what to show where, at which
 * size, and which window of the history the graph draws.
 *
 * Promise: pure.  No ncurses, no I/O, no clock: plain functions of the
 * terminal size and the UI state (tui/app.h), so every decision the
 * front end (tui/screen.c) carries out is unit-tested here.
 *
 * Layout by terminal size:
 *   - below 40x12: TINY, only "terminal too small";
 *   - from 40x12: COMPACT, status bar (top row), graph, footer (last row);
 *   - from 80x24: FULL, the graph over a row of three panels: cycle
 *     statistics (55 % of the width), link (24 %), alarms (the rest),
 *     9 rows tall, 11 from 30 rows, 13 from 40 rows.
 *   The graph window's first row is its title line; the graph grid
 *   (tui/graph.h) is the rest of it, the full width.
 *
 * Graph view: sweep while live and asked for, else scrolling; braille or
 * ASCII and colour as the terminal allows; the fixed scale's top is the
 * profile's vacuum limit, else the device's, else 300 mmHg; the target
 * line while telemetry reports a target; the time base and right edge
 * from the UI state (the newest sample when live); a scrolling window
 * moves in whole-cell steps (tui/graph.h, step_cells).
 *
 * Pause: when the view is paused in sweep mode, the picture on screen is
 * kept as it is until the view itself changes (scroll back or forward,
 * zoom, units, scale); paused in scroll mode, the window at the pause is
 * drawn once and then kept the same way.  Resuming redraws everything.
 */
#ifndef PB_TUI_VIEW_H
#define PB_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tui/app.h"
#include "tui/graph.h"

#define PB_VIEW_FULL_COLS    80
#define PB_VIEW_FULL_ROWS    24
#define PB_VIEW_MIN_COLS     40
#define PB_VIEW_MIN_ROWS     12

enum pb_view_kind { PB_VIEW_TINY, PB_VIEW_COMPACT, PB_VIEW_FULL };

/* A rectangle of terminal cells; h == 0: not shown. */
struct pb_view_rect { int y, x, h, w; };

struct pb_view_layout {
	enum pb_view_kind kind;
	struct pb_view_rect status, graph, stats, link, alarms, footer;
	int grid_rows, grid_cols;   /* the graph grid: graph.h - 1 title row */
};

/* Where each panel goes on a rows x cols terminal. */
struct pb_view_layout pb_view_layout(int rows, int cols);

/* What the graph view needs besides the UI state. */
struct pb_view_env {
	bool     braille;          /* UTF-8 braille (else ASCII) */
	bool     color;            /* colours (else monochrome) */
	int      channels;         /* channels the history holds */
	double   profile_max_mmhg; /* the profile's vacuum limit (0: none) */
	uint64_t history_head;     /* next index the history will hold */
	uint64_t session_start;    /* index where session time 0:00 is */
};

/* The graph window to draw for the UI state a. */
struct pb_graph_view pb_view_graph(const struct pb_app *a,
    const struct pb_view_env *e);

/* What a pause keeps: the view that was drawn last while paused. */
struct pb_view_freeze {
	bool     frozen;       /* a paused picture is on screen */
	bool     was_paused;   /* the last frame was paused */
	uint64_t end;
	size_t   timebase;
	enum pb_unit units;
	bool     autoscale;
};

enum pb_view_graph_step {
	PB_VIEW_GRAPH_KEEP,    /* leave the graph on screen as it is */
	PB_VIEW_GRAPH_DRAW,    /* render; write the cells that changed */
	PB_VIEW_GRAPH_ALL      /* render; write every cell */
};

/* A frame of the graph: full is true when the screen is being redrawn
 * whole (resize, Ctrl-L, an overlay closed).  Updates f. */
enum pb_view_graph_step pb_view_freeze_step(struct pb_view_freeze *f,
    const struct pb_app *a, bool full);
/* Forget the paused picture (e.g. after a resize). */
void pb_view_freeze_reset(struct pb_view_freeze *f);

#endif
