/*
 * tui/screen.c - the ncurses front of the dashboard.
 */
#include "tui/screen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <ncurses.h>

#include "base/text.h"
#include "tui/graph.h"
#include "tui/view.h"

/* colour pairs */
enum {
	CP_CH0 = 1, CP_CH1, CP_BOTH, CP_TARGET, CP_GAP, CP_AXIS, CP_OK, CP_BAD,
	CP_BANNER, CP_PAUSED, CP_TITLE, CP_WARN, CP_MARK
};

struct pb_screen {
	struct pb_screen_opts o;
	SCREEN *term;           /* from newterm() */
	bool braille, color;
	int  rows, cols;
	enum pb_view_kind lay;
	WINDOW *w_status, *w_graph, *w_stats, *w_link, *w_alarms, *w_foot;
	WINDOW *w_input;
	struct pb_calscreen *cal;   /* the calibration screen (may be NULL) */
	struct pb_graph g;
	bool g_ready;
	struct pb_cell *shown;  /* the graph cells as written (glyph, pen) */
	uint8_t *pens;          /* a row's pens (pb_graph_pens) */
	bool full;              /* redraw every window on the next frame */
	uint64_t frames;
	struct pb_view_freeze freeze;   /* what a pause keeps on screen */
};

/* ---- attributes ----------------------------------------------------------- */

static attr_t pair_attr(const struct pb_screen *s, short pair, attr_t mono)
{
	if (s->color)
		return COLOR_PAIR(pair);
	return mono;
}

static attr_t gattr(const struct pb_screen *s, uint8_t a, short *pair)
{
	*pair = 0;
	switch (a) {
	case PB_GA_CH0:    *pair = s->color ? CP_CH0 : 0; return s->color ? A_BOLD : A_BOLD;
	case PB_GA_CH1:    *pair = s->color ? CP_CH1 : 0; return s->color ? A_BOLD : A_NORMAL;
	case PB_GA_BOTH:   *pair = s->color ? CP_BOTH : 0; return A_BOLD;
	case PB_GA_TARGET: *pair = s->color ? CP_TARGET : 0; return s->color ? A_NORMAL : A_DIM;
	case PB_GA_GAP:    *pair = s->color ? CP_GAP : 0; return s->color ? A_NORMAL : A_DIM;
	case PB_GA_AXIS:   *pair = s->color ? CP_AXIS : 0; return A_NORMAL;
	case PB_GA_LABEL:  return A_NORMAL;
	default:           return A_NORMAL;
	}
}

/* ---- layout --------------------------------------------------------------- */

static void del_windows(struct pb_screen *s)
{
	WINDOW **ws[] = { &s->w_status, &s->w_graph, &s->w_stats, &s->w_link,
	    &s->w_alarms, &s->w_foot };
	for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
		if (*ws[i])
			delwin(*ws[i]);
		*ws[i] = NULL;
	}
}

static WINDOW *mkwin(int h, int w, int y, int x)
{
	WINDOW *win = newwin(h, w, y, x);
	if (win) {
		leaveok(win, TRUE);
		scrollok(win, FALSE);
	}
	return win;
}

static WINDOW *mkwin_at(struct pb_view_rect r)
{
	return r.h > 0 ? mkwin(r.h, r.w, r.y, r.x) : NULL;
}

/* Windows where tui/view.h puts them for the terminal's size. */
static void layout(struct pb_screen *s)
{
	getmaxyx(stdscr, s->rows, s->cols);
	del_windows(s);
	s->full = true;
	pb_view_freeze_reset(&s->freeze);
	struct pb_view_layout l = pb_view_layout(s->rows, s->cols);
	s->lay = l.kind;
	if (l.kind == PB_VIEW_TINY)
		return;
	s->w_status = mkwin_at(l.status);
	s->w_graph = mkwin_at(l.graph);
	s->w_foot = mkwin_at(l.footer);
	s->w_stats = mkwin_at(l.stats);
	s->w_link = mkwin_at(l.link);
	s->w_alarms = mkwin_at(l.alarms);
	pb_graph_resize(&s->g, l.grid_rows, l.grid_cols,
	    s->braille ? PB_GRAPH_BRAILLE : PB_GRAPH_ASCII);
	free(s->shown);
	free(s->pens);
	s->shown = calloc((size_t)l.grid_rows * (size_t)l.grid_cols,
	    sizeof *s->shown);
	s->pens = calloc((size_t)l.grid_cols, sizeof *s->pens);
	s->g_ready = s->shown && s->pens;
}

/* ---- open / close --------------------------------------------------------- */

struct pb_screen *pb_screen_open(const struct pb_screen_opts *o, char *err,
    size_t errlen)
{
	struct pb_screen *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (o)
		s->o = *o;
	/* the caller decided glyphs and colours (base/cli.h: the locale's
	 * codeset, --color, NO_COLOR, TERM); the Linux console's fonts
	 * have no braille: ASCII there */
	const char *term = getenv("TERM");
	bool console = term && strncmp(term, "linux", 5) == 0;
	s->braille = !s->o.ascii && !console;
	if (!isatty(0) || !isatty(1)) {
		snprintf(err, errlen, "not a terminal (use --headless)");
		free(s);
		return NULL;
	}
	if (!term || !*term) {
		snprintf(err, errlen, "TERM is not set");
		free(s);
		return NULL;
	}
	/* newterm, not initscr: an unknown TERM is an error to report, not
	 * an exit inside ncurses */
	s->term = newterm(NULL, stdout, stdin);
	if (!s->term) {
		char t[64];
		pb_text_escape_str(t, sizeof t, term);
		snprintf(err, errlen, "TERM=%s: no such terminal in the "
		    "terminfo database (set TERM to your terminal, or use "
		    "--headless)", t);
		free(s);
		return NULL;
	}
	set_term(s->term);
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	leaveok(stdscr, TRUE);
	s->color = has_colors() && !s->o.mono;
	if (s->color) {
		start_color();
		use_default_colors();
		init_pair(CP_CH0, COLOR_CYAN, -1);
		init_pair(CP_CH1, COLOR_YELLOW, -1);
		init_pair(CP_BOTH, COLOR_WHITE, -1);
		init_pair(CP_TARGET, COLOR_GREEN, -1);
		init_pair(CP_GAP, COLOR_RED, -1);
		init_pair(CP_AXIS, COLOR_BLUE, -1);
		init_pair(CP_OK, COLOR_GREEN, -1);
		init_pair(CP_BAD, COLOR_RED, -1);
		init_pair(CP_BANNER, COLOR_WHITE, COLOR_RED);
		init_pair(CP_PAUSED, COLOR_BLACK, COLOR_YELLOW);
		init_pair(CP_TITLE, COLOR_BLACK, COLOR_CYAN);
		init_pair(CP_WARN, COLOR_YELLOW, -1);
		init_pair(CP_MARK, COLOR_MAGENTA, -1);
	}
	s->w_input = newwin(1, 1, 0, 0);
	keypad(s->w_input, TRUE);
	nodelay(s->w_input, TRUE);
	ESCDELAY = 25;
	pb_graph_init(&s->g);
	layout(s);
	return s;
}

void pb_screen_close(struct pb_screen *s)
{
	if (!s)
		return;
	del_windows(s);
	if (s->w_input)
		delwin(s->w_input);
	pb_graph_free(&s->g);
	free(s->shown);
	free(s->pens);
	curs_set(1);
	endwin();
	if (s->term)
		delscreen(s->term);
	free(s);
}

int pb_screen_fd(const struct pb_screen *s)
{
	(void)s;
	return 0;
}

bool pb_screen_braille(const struct pb_screen *s)
{
	return s->braille;
}

uint64_t pb_screen_frames(const struct pb_screen *s)
{
	return s->frames;
}

void pb_screen_invalidate(struct pb_screen *s)
{
	s->full = true;
}

int pb_screen_key(struct pb_screen *s)
{
	for (;;) {
		int k = wgetch(s->w_input);
		switch (k) {
		case ERR: return PB_KEY_NONE;
		case KEY_RESIZE: layout(s); continue;
		case KEY_LEFT: return PB_KEY_LEFT;
		case KEY_RIGHT: return PB_KEY_RIGHT;
		case KEY_UP: return PB_KEY_UP;
		case KEY_DOWN: return PB_KEY_DOWN;
		case KEY_PPAGE: return PB_KEY_PGUP;
		case KEY_NPAGE: return PB_KEY_PGDN;
		case KEY_HOME: return PB_KEY_HOME;
		case KEY_END: return PB_KEY_END;
		case KEY_F(1): return PB_KEY_F1;
		case KEY_BACKSPACE: return PB_KEY_BACKSPACE;
		case KEY_ENTER: return '\r';
		case 12: /* Ctrl-L */
			clearok(curscr, TRUE);
			s->full = true;
			continue;
		default:
			if (k > 0 && k < 256)
				return k;
			continue;
		}
	}
}

/* ---- small drawing helpers -------------------------------------------------- */

static void fmt_hms(double secs, char *buf, size_t n)
{
	if (secs < 0)
		secs = 0;
	unsigned long t = (unsigned long)secs;
	if (t >= 3600)
		snprintf(buf, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%02lu:%02lu", t / 60, t % 60);
}

static void fmt_val(double mmhg, enum pb_unit u, char *buf, size_t n)
{
	if (isnan(mmhg)) {
		snprintf(buf, n, "-");
		return;
	}
	snprintf(buf, n, "%.*f", pb_unit_decimals(u) + (u == PB_UNIT_KPA ? 0 : 1),
	    pb_mmhg_to(mmhg, u));
}

/* Print at (y, x) when it lies within the window less `inset` cells on
 * every side, clipped there. */
static void vput(WINDOW *w, int inset, int y, int x, attr_t a,
    const char *fmt, va_list ap)
{
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	int maxy, maxx;
	getmaxyx(w, maxy, maxx);
	if (y < inset || y >= maxy - inset || x < inset || x >= maxx - inset)
		return;
	wattrset(w, a);
	mvwaddnstr(w, y, x, buf, maxx - inset - x);
	wattrset(w, A_NORMAL);
}

/* Print at (y, x) clipped to the window width. */
static void put(WINDOW *w, int y, int x, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void put(WINDOW *w, int y, int x, attr_t a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vput(w, 0, y, x, a, fmt, ap);
	va_end(ap);
}

/* Text inside a boxed panel: only on the rows and columns within its
 * border (1..maxy-2, 1..maxx-2), so nothing a panel says, however long
 * or however small the terminal, writes over its own border or its
 * neighbour's. */
static void pput(WINDOW *w, int y, int x, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void pput(WINDOW *w, int y, int x, attr_t a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vput(w, 1, y, x, a, fmt, ap);
	va_end(ap);
}

/* A panel's border and title; the title is cut to leave the corners and
 * a line on each side ("+- title -+"). */
static void panel_box(struct pb_screen *s, WINDOW *w, const char *title)
{
	werase(w);
	wattrset(w, pair_attr(s, CP_AXIS, A_NORMAL));
	box(w, 0, 0);
	wattrset(w, A_NORMAL);
	int room = getmaxx(w) - 4;     /* columns 2 .. maxx-3 */
	if (room < 5)
		return;
	char t[256];
	snprintf(t, sizeof t, " %.*s ", room - 2, title);
	wattrset(w, A_BOLD);
	mvwaddnstr(w, 0, 2, t, room);
	wattrset(w, A_NORMAL);
}

/* ---- status bar ------------------------------------------------------------ */

static void draw_status(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses, uint64_t now)
{
	WINDOW *w = s->w_status;
	werase(w);
	wbkgdset(w, ' ' | pair_attr(s, CP_TITLE, A_REVERSE));
	werase(w);
	char line[400];
	char t1[32], t2[32];
	const char *prof = a->have_info && a->info.profile[0] ? a->info.profile :
	    "-";
	int levels = a->have_info ? a->info.levels : 0;
	uint8_t mask = pb_app_shown_mask(a);
	fmt_hms(pb_app_session_s(a, now), t1, sizeof t1);
	double ao = pb_app_auto_off_s(a, now);
	if (ao >= 0)
		fmt_hms(ao, t2, sizeof t2);
	else
		snprintf(t2, sizeof t2, "--:--");
	char tgt[32];
	fmt_val(a->target / 10.0, a->units, tgt, sizeof tgt);
	const char *run = !a->have_tel ? "NO DATA" :
	    pb_run_state_name(a->run_state);
	char batt[24];
	if (a->battery_mv)
		snprintf(batt, sizeof batt, "%.2f V", a->battery_mv / 1000.0);
	else
		snprintf(batt, sizeof batt, "-");
	/* right side tags first: they always show */
	const char *tags[4];
	short tpair[4];
	int nt = 0, tw = 0;
	if (pb_session_is_replay(ses)) {
		tags[nt] = " REPLAY "; tpair[nt++] = 0;
	}
	if (pb_session_text(ses, &(struct pb_session_text){ 0 })) {
		tags[nt] = " TEXT "; tpair[nt++] = 0;
	}
	if (a->recording) {
		tags[nt] = " REC "; tpair[nt++] = CP_BANNER;
	}
	if (a->paused) {
		tags[nt] = " PAUSED "; tpair[nt++] = CP_PAUSED;
	}
	if (!a->link_up && !pb_session_is_replay(ses)) {
		tags[nt] = " LINK LOST "; tpair[nt++] = CP_BANNER;
	}
	for (int i = 0; i < nt; i++)
		tw += (int)strlen(tags[i]);

	/* segments, dropped by priority (highest number first) to fit */
	char seg[10][48];
	int prio[10], n = 0;
#define SEG(p, ...) do { snprintf(seg[n], sizeof seg[n], __VA_ARGS__); \
		prio[n++] = (p); } while (0)
	struct pb_session_text tx;
	bool text = pb_session_text(ses, &tx);
	if (text) {
		/* bring-up mode: what the lines gave, not a pump's state */
		SEG(3, "pumpbench");
		SEG(0, "TEXT bring-up");
		SEG(1, "%llu lines", (unsigned long long)tx.lines->lines);
		SEG(0, "malformed %llu", (unsigned long long)tx.lines->bad);
		SEG(2, "ch1 %.16s", tx.name[0][0] ? tx.name[0] : "col 1");
		SEG(2, "ch2 %.16s", tx.name[1][0] ? tx.name[1] : "col 2");
		SEG(1, "%s", prof);
		SEG(3, "%s", tx.ended ? "input ended" : "live");
	} else {
		SEG(3, "pumpbench");
		SEG(2, "%s", prof);
		/* mixed mode: the kind of the cycle under way, as the
		 * profile line says it (the target is the device's for that
		 * kind) */
		uint8_t kind = pb_cycles_kind(pb_session_cycles(ses));
		if (a->have_tel && pb_app_shown_mode(a) == PB_MODE_MIXED &&
		    a->mode == PB_MODE_MIXED && kind && pb_app_running(a))
			SEG(1, "mixed (%s)", kind == PB_MODE_STIMULATION ?
			    "stim" : "expr");
		else
			SEG(1, "%s", a->have_tel ?
			    pb_mode_name(pb_app_shown_mode(a)) : "-");
		SEG(0, "level %u/%d", (unsigned)pb_app_shown_level(a), levels);
		SEG(1, "target %s %s", tgt, pb_unit_name(a->units));
		SEG(2, "%s", mask == 3 ? "double" : (mask ? "single" : "-"));
		SEG(0, "%s", run);
		SEG(2, "run %s", t1);
		SEG(3, "off in %s", t2);
		SEG(4, "batt %s", batt);
	}
#undef SEG
	int room = s->cols - tw;
	for (int lim = 4; lim >= 0; lim--) {
		size_t o = 0;
		line[0] = '\0';
		for (int i = 0; i < n; i++) {
			if (prio[i] > lim)
				continue;
			o += (size_t)snprintf(line + o, sizeof line - o, "%s%s",
			    o ? " | " : " ", seg[i]);
			if (o >= sizeof line)
				o = sizeof line - 1;
		}
		if ((int)o + 1 <= room || lim == 0)
			break;
	}
	put(w, 0, 0, pair_attr(s, CP_TITLE, A_REVERSE), "%s", line);
	int x = s->cols - tw;
	for (int i = 0; i < nt; i++) {
		put(w, 0, x, (tpair[i] ? pair_attr(s, tpair[i], A_REVERSE) :
		    A_REVERSE) | A_BOLD, "%s", tags[i]);
		x += (int)strlen(tags[i]);
	}
	wnoutrefresh(w);
}

/* ---- graph ----------------------------------------------------------------- */

static void put_cell(struct pb_screen *s, WINDOW *w, int y, int x,
    const struct pb_cell *c)
{
	short pair;
	attr_t at = gattr(s, c->attr, &pair);
	if (c->cp < 0x80 || !s->braille) {
		chtype ch = c->cp < 0x80 ? (chtype)c->cp : '?';
		mvwaddch(w, y, x, ch | at | (s->color ? COLOR_PAIR(pair) : 0));
	} else {
		wchar_t ws[2] = { (wchar_t)c->cp, 0 };
		cchar_t cc;
		setcchar(&cc, ws, at, s->color ? pair : 0, NULL);
		mvwadd_wch(w, y, x, &cc);
	}
}

/* Write the graph cells whose glyph or pen differ from what the window
 * shows (every cell when all).  Pens (pb_graph_pens) let blank plot
 * cells take the attribute of the trace left of them, so a row goes out
 * as few attribute runs; skipping unchanged cells keeps a scroll step
 * to the cells that moved. */
static void put_graph_cells(struct pb_screen *s, WINDOW *w, bool all)
{
	for (int r = 0; r < s->g.rows; r++) {
		pb_graph_pens(&s->g, r, s->pens);
		struct pb_cell *shown = &s->shown[(size_t)r * (size_t)s->g.cols];
		for (int c = 0; c < s->g.cols; c++) {
			struct pb_cell ink = {
				.cp = pb_graph_cell(&s->g, r, c)->cp,
				.attr = s->pens[c]
			};
			if (!all && shown[c].cp == ink.cp &&
			    shown[c].attr == ink.attr)
				continue;
			put_cell(s, w, r + 1, c, &ink);
			shown[c] = ink;
		}
	}
}

/* The graph's title line, laid out by the widths of its parts: each part
 * is drawn whole or not at all (most important first: the unit, the
 * time base, the legend, the mode, PAUSED), never cut or drawn over
 * another, whatever the width. */
static void draw_graph_title(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses)
{
	WINDOW *w = s->w_graph;
	char tb[24], unit[32], base[32], mode[64];
	wmove(w, 0, 0);
	wclrtoeol(w);
	int cols = s->cols;
	int right = cols - (a->paused ? 9 : 0);   /* " PAUSED " at the end */
	snprintf(unit, sizeof unit, "Vacuum [%s]", pb_unit_name(a->units));
	int x = 1 + (int)strlen(unit);
	if (x > cols)
		return;
	put(w, 0, 1, A_BOLD, "%s", unit);
	size_t nm;
	const uint64_t *mk;
	nm = pb_session_markers(ses, &mk);
	snprintf(base, sizeof base, "time base %s",
	    pb_app_timebase_label(a, tb, sizeof tb));
	snprintf(mode, sizeof mode, " | %s | %s scale%s",
	    a->paused ? "frozen" : (a->sweep ? "sweep" : "scroll"),
	    a->autoscale ? "auto" : "fixed", nm ? " | markers" : "");
	if (x + 2 + (int)strlen(base) <= right) {
		put(w, 0, x + 2, A_NORMAL, "%s", base);
		x += 2 + (int)strlen(base);
		if (x + (int)strlen(mode) <= right) {
			put(w, 0, x, A_NORMAL, "%s", mode);
			x += (int)strlen(mode);
		}
	}
	x += 3;
	/* legend, as far as it fits: "GG ch1" (glyphs take one cell each) */
	int chn = a->have_info ? a->info.channels : 2;
	for (int c = 0; c < chn && c < 2 && x + 7 <= right; c++) {
		short pair = c == 0 ? CP_CH0 : CP_CH1;
		const char *glyph = s->braille ? (c == 0 || s->color ?
		    "\xe2\xa3\xbf\xe2\xa3\xbf" : "\xe2\xa1\xaa\xe2\xa1\xaa") :
		    (c == 0 ? "''|" : "``:");
		put(w, 0, x, pair_attr(s, pair, c == 0 ? A_BOLD : A_NORMAL) |
		    (s->color ? A_BOLD : 0), "%s", glyph);
		put(w, 0, x + 4, A_NORMAL, "ch%d", c + 1);
		x += 9;
		/* bring-up mode: the channel's name from the lines, whole */
		struct pb_session_text tx;
		int nl = pb_session_text(ses, &tx) ?
		    (int)strnlen(tx.name[c], 10) : 0;
		if (nl && x - 1 + nl + 1 <= right) {
			put(w, 0, x - 1, A_NORMAL, "%.10s", tx.name[c]);
			x += nl + 1;
		}
	}
	if (x + 9 <= right) {
		put(w, 0, x, pair_attr(s, CP_TARGET, A_DIM), "%s",
		    s->braille ? "\xe2\x94\x88\xe2\x94\x88" : "--");
		put(w, 0, x + 3, A_NORMAL, "target");
	}
	if (a->paused && cols >= 9 + 1 + (int)strlen(unit))
		put(w, 0, cols - 9, pair_attr(s, CP_PAUSED, A_REVERSE) | A_BOLD,
		    " PAUSED ");
}

static void draw_graph(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses)
{
	WINDOW *w = s->w_graph;
	const struct pb_history *h = pb_session_history(ses);
	bool full = s->full;
	if (full)
		werase(w);
	draw_graph_title(s, a, ses);
	if (!h || !s->g_ready || s->g.lay.too_small) {
		if (!h)
			put(w, 2, 2, A_NORMAL, "waiting for telemetry from %s",
			    pb_session_port(ses));
		wnoutrefresh(w);
		return;
	}
	enum pb_view_graph_step step = pb_view_freeze_step(&s->freeze, a,
	    full);
	if (step == PB_VIEW_GRAPH_KEEP) {
		wnoutrefresh(w);
		return;
	}
	full = step == PB_VIEW_GRAPH_ALL;
	const struct pb_profile *p = pb_session_profile(ses);
	struct pb_view_env env = {
		.braille = s->braille,
		.color = s->color,
		.channels = pb_history_channels(h),
		.profile_max_mmhg = p ? p->max_target_mmhg : 0,
		.history_head = pb_history_head(h),
		.session_start = pb_session_start_index(ses),
	};
	struct pb_graph_view v = pb_view_graph(a, &env);
	if (full)
		s->g.all_dirty = true;
	if (pb_graph_frame(&s->g, &v, h) != PB_GRAPH_OK) {
		wnoutrefresh(w);
		return;
	}
	put_graph_cells(s, w, full || pb_graph_all_dirty(&s->g));
	/* markers: an M, redrawn each frame; the cell under one is written
	 * again next frame (it may have moved) */
	size_t nm;
	const uint64_t *mk;
	nm = pb_session_markers(ses, &mk);
	for (size_t i = 0; i < nm; i++) {
		int col = pb_graph_index_col(&s->g, mk[i]);
		if (col < 0)
			continue;
		/* on the time-label row where it is blank; where a label is,
		 * on the plot's top row instead (the label stays readable) */
		int row = pb_graph_marker_free(&s->g, col) ? s->g.rows - 1 : 0;
		put(w, row + 1, col, pair_attr(s, CP_MARK, A_BOLD) | A_BOLD,
		    "M");
		s->shown[(size_t)row * (size_t)s->g.cols + (size_t)col].cp = 0;
	}
	wnoutrefresh(w);
}

/* ---- panels ------------------------------------------------------------------ */

static void draw_stats(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses)
{
	WINDOW *w = s->w_stats;
	const struct pb_cycles *cy = pb_session_cycles(ses);
	const struct pb_profile *p = pb_session_profile(ses);
	char title[96];
	snprintf(title, sizeof title, "Cycle statistics%s%s",
	    p ? " vs profile " : " (no profile)", p ? p->id : "");
	panel_box(s, w, title);
	int maxy, maxx;
	getmaxyx(w, maxy, maxx);
	/* narrow panels keep peak, rate and the verdict */
	bool wide = maxx >= 60;
	enum pb_unit u = a->units;
	if (wide)
		pput(w, 1, 1, A_BOLD, "%-3s %4s %11s %6s %10s %6s %6s %s", "ch",
		    "cyc", "peak(exp)", "trough", "rate(exp)", "t>tgt", "decay",
		    "verdict");
	else
		pput(w, 1, 1, A_BOLD, "%-3s %4s %11s %10s %s", "ch", "cyc",
		    "peak(exp)", "rate(exp)", "verdict");
	int y = 2;
	int chn = a->have_info ? a->info.channels : 2;
	for (int c = 0; c < chn && c < PB_CYC_MAX_CH && y < maxy - 1; c++, y++) {
		const struct pb_cycle_stats *st = cy ? pb_cycles_last(cy, c) : NULL;
		if (!st) {
			pput(w, y, 1, A_NORMAL, "ch%d %4s  no complete cycle yet",
			    c + 1, "-");
			continue;
		}
		char pk[16], ep[16], tr[16], dec[16], ttt[16];
		fmt_val(st->peak_mmhg, u, pk, sizeof pk);
		fmt_val(st->trough_mmhg, u, tr, sizeof tr);
		if (st->has_expect)
			snprintf(ep, sizeof ep, "%.0f", pb_mmhg_to(st->exp_peak_mmhg, u));
		else
			snprintf(ep, sizeof ep, "-");
		if (isnan(st->hold_decay_mmhg_s))
			snprintf(dec, sizeof dec, "-");
		else
			snprintf(dec, sizeof dec, "%.1f",
			    pb_mmhg_to(st->hold_decay_mmhg_s, u));
		if (st->ttt_s < 0)
			snprintf(ttt, sizeof ttt, "never");
		else
			snprintf(ttt, sizeof ttt, "%.2fs", st->ttt_s);
		int x = 1;
		pput(w, y, x, A_NORMAL, "ch%d %4u ", c + 1, (unsigned)st->number);
		x += 9;
		attr_t ok = pair_attr(s, CP_OK, A_NORMAL);
		attr_t bad = pair_attr(s, CP_BAD, A_BOLD) | A_BOLD;
		bool chk = st->has_expect && !st->partial && !st->changed;
		pput(w, y, x, chk && !st->peak_ok ? bad : A_NORMAL, "%6s(%4s)", pk, ep);
		x += 12;
		if (wide) {
			pput(w, y, x, A_NORMAL, "%6s ", tr);
			x += 7;
		}
		char rexp[16];
		if (st->has_expect)
			snprintf(rexp, sizeof rexp, "%.0f", st->exp_rate_cpm);
		else
			snprintf(rexp, sizeof rexp, "-");
		pput(w, y, x, chk && !st->rate_ok ? bad : A_NORMAL, "%5.1f(%3s)",
		    st->rate_cpm, rexp);
		x += 11;
		if (wide) {
			pput(w, y, x, chk && !st->target_ok ? bad : A_NORMAL,
			    "%6s ", ttt);
			x += 7;
			pput(w, y, x, chk && !st->decay_ok ? bad : A_NORMAL, "%6s ",
			    dec);
			x += 7;
		}
		unsigned why;
		enum pb_cycle_verdict vd = pb_cycle_verdict(st, &why);
		if (vd == PB_CYV_PARTIAL || vd == PB_CYV_CHANGED) {
			pput(w, y, x, pair_attr(s, CP_WARN, A_DIM), "%s",
			    pb_cycle_verdict_name(vd));
		} else if (vd == PB_CYV_NA) {
			pput(w, y, x, A_NORMAL, "n/a");
		} else if (vd == PB_CYV_OK) {
			pput(w, y, x, ok | A_BOLD, "OK");
		} else {
			char wb[48];
			snprintf(wb, sizeof wb, "OUT%s%s%s%s",
			    why & PB_CYV_WHY_TARGET ? " target" : "",
			    why & PB_CYV_WHY_PEAK ? " peak" : "",
			    why & PB_CYV_WHY_RATE ? " rate" : "",
			    why & PB_CYV_WHY_DECAY ? " decay" : "");
			pput(w, y, x, bad, "%s", wb);
		}
	}
	if (y + 1 < maxy - 1 && p) {
		int mode = pb_app_shown_mode(a), lvl = pb_app_shown_level(a);
		unsigned m = pb_app_shown_mask(a);
		int n = (m & 1u) + ((m >> 1) & 1u);   /* channels pumping */
		if (mode == PB_MODE_MIXED && lvl) {
			/* both kinds, the one under way marked: the status
			 * bar's target and every row above are one of them */
			uint8_t kind = a->mode == PB_MODE_MIXED &&
			    pb_app_running(a) ? pb_cycles_kind(cy) : 0;
			char es[16], ee[16];
			fmt_val(pb_profile_peak_n_mmhg(p, PB_MODE_STIMULATION,
			    lvl, n), u, es, sizeof es);
			fmt_val(pb_profile_peak_n_mmhg(p, PB_MODE_EXPRESSION,
			    lvl, n), u, ee, sizeof ee);
			pput(w, ++y, 1, A_DIM, "profile: mixed L%d %sstim %s %s "
			    "%.0f cpm, %sexpr %s %s %.0f cpm (+/-%.0f, +/-%.0f)",
			    lvl, kind == PB_MODE_STIMULATION ? ">" : "", es,
			    pb_unit_name(u),
			    pb_profile_rate_cpm(p, PB_MODE_STIMULATION, lvl),
			    kind == PB_MODE_EXPRESSION ? ">" : "", ee,
			    pb_unit_name(u),
			    pb_profile_rate_cpm(p, PB_MODE_EXPRESSION, lvl),
			    pb_mmhg_to(p->tol_peak_mmhg, u), p->tol_rate_cpm);
		} else if (mode && lvl) {
			char ex[16];
			fmt_val(pb_profile_peak_n_mmhg(p, mode, lvl, n), u, ex,
			    sizeof ex);
			pput(w, ++y, 1, A_DIM, "profile: %s L%d peak %s %s +/-%.0f, "
			    "%.0f +/-%.0f cpm", pb_mode_name((uint8_t)mode), lvl, ex,
			    pb_unit_name(u), pb_mmhg_to(p->tol_peak_mmhg, u),
			    pb_profile_rate_cpm(p, mode, lvl), p->tol_rate_cpm);
		}
	}
	/* live values */
	const struct pb_history *h = pb_session_history(ses);
	if (h && y + 1 < maxy - 1) {
		y += 1;
		int x = 1;
		pput(w, y, x, A_NORMAL, "now:");
		x += 5;
		for (int c = 0; c < pb_history_channels(h); c++) {
			int16_t v;
			char vb[16];
			if (pb_history_last(h, c, &v))
				fmt_val(v / 10.0, u, vb, sizeof vb);
			else
				snprintf(vb, sizeof vb, "-");
			pput(w, y, x, pair_attr(s, c ? CP_CH1 : CP_CH0, A_BOLD),
			    "ch%d %s %s", c + 1, vb, pb_unit_name(u));
			x += 20;
		}
		pput(w, y, x, A_NORMAL, "phase %s",
		    a->have_tel ? pb_phase_name(a->phase) : "-");
	}
	wnoutrefresh(w);
}

/* The link panel in bring-up text mode: the lines, not frames. */
static void draw_link_text(struct pb_screen *s, WINDOW *w, int y,
    const struct pb_session_text *tx, const struct pb_session_counts *ct)
{
	int maxy = getmaxy(w);
	pput(w, y++, 1, A_NORMAL, "lines %llu  values %llu",
	    (unsigned long long)tx->lines->lines,
	    (unsigned long long)tx->lines->values);
	pput(w, y++, 1, tx->lines->bad ? pair_attr(s, CP_WARN, A_BOLD) | A_BOLD :
	    A_NORMAL, "malformed %llu  (too long %llu)",
	    (unsigned long long)tx->lines->bad,
	    (unsigned long long)tx->lines->overlong);
	pput(w, y++, 1, A_NORMAL, "extra values %llu  clipped %llu",
	    (unsigned long long)tx->feed->extra,
	    (unsigned long long)tx->feed->clipped);
	if (y < maxy - 1)
		pput(w, y++, 1, A_NORMAL, "samples %llu  gaps %llu @ 1 kHz",
		    (unsigned long long)ct->samples,
		    (unsigned long long)ct->lost);
	if (y < maxy - 1) {
		if (tx->ended)
			pput(w, y++, 1, A_BOLD, "input ended");
		else if (tx->port_up)
			pput(w, y++, 1, pair_attr(s, CP_OK, A_BOLD) | A_BOLD,
			    "port  open");
		else
			pput(w, y++, 1, pair_attr(s, CP_BAD, A_BOLD) | A_BOLD,
			    "port  GONE (reopening)");
	}
	if (tx->last_bad[0] && y < maxy - 1)
		pput(w, y++, 1, A_DIM, "last bad: %s", tx->last_bad);
	wnoutrefresh(w);
}

static void draw_link(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses, uint64_t now)
{
	WINDOW *w = s->w_link;
	panel_box(s, w, "Link");
	const struct pb_client_stats *st = pb_session_client_stats(ses);
	const struct pb_session_counts *ct = pb_session_counts(ses);
	int y = 1;
	pput(w, y++, 1, A_NORMAL, "port  %s", pb_session_port(ses));
	if (a->have_info)
		pput(w, y++, 1, A_NORMAL, "fw    %.16s  sn %.16s", a->info.fw_version,
		    a->info.serial);
	else
		pput(w, y++, 1, A_NORMAL, "fw    -");
	pput(w, y++, 1, A_NORMAL, "prof  %.16s  %d ch @ %u Hz",
	    a->have_info ? a->info.profile : "-",
	    a->have_info ? a->info.channels : 0, a->rate_hz);
	struct pb_session_text tx;
	if (pb_session_text(ses, &tx)) {
		draw_link_text(s, w, y, &tx, ct);
		return;
	}
	if (pb_session_is_replay(ses)) {
		pput(w, y++, 1, A_NORMAL, "samples %llu  lost %llu",
		    (unsigned long long)ct->samples, (unsigned long long)ct->lost);
		const uint64_t *mk;
		size_t nm = pb_session_markers(ses, &mk);
		if (nm) {
			const char *lb = pb_session_marker_label(ses, nm - 1);
			pput(w, y++, 1, A_NORMAL, "markers %zu%s%s", nm,
			    lb[0] ? "  last: " : "", lb);
		}
		wnoutrefresh(w);
		return;
	}
	pput(w, y++, 1, A_NORMAL, "frames/s %.0f  CRC err %llu",
	    ct->frames_per_s, st ? (unsigned long long)st->rx.crc_errors : 0ULL);
	pput(w, y++, 1, A_NORMAL, "lost  %llu samples  %llu frames",
	    (unsigned long long)ct->lost,
	    st ? (unsigned long long)st->frames_lost : 0ULL);
	pput(w, y++, 1, A_NORMAL, "RTT   %.1f ms  reconnects %u",
	    st ? st->last_rtt_us / 1000.0 : 0.0,
	    (st ? st->reconnects : 0) + ct->sim_restarts * 0);
	if (a->link_up) {
		pput(w, y++, 1, pair_attr(s, CP_OK, A_BOLD) | A_BOLD, "link  UP");
	} else {
		double down = (double)(now - a->link_change_us) / 1e6;
		pput(w, y++, 1, pair_attr(s, CP_BAD, A_BOLD) | A_BOLD,
		    "link  LOST %.1f s", a->link_change_us ? down : 0.0);
	}
	int maxy = getmaxy(w);
	const struct pb_device_stats *ds = pb_session_device_stats(ses);
	if (ds && y < maxy - 1)     /* the device's side (protocol.md 5.15) */
		pput(w, y++, 1, A_NORMAL, "dev err %llu lost %lu wd %lu",
		    (unsigned long long)(pb_device_stats_dropped(ds) +
		    pb_device_stats_refused(ds)),
		    (unsigned long)ds->frames_lost,
		    (unsigned long)ds->host_lost);
	const char *lg = pb_session_last_log(ses);
	if (lg[0] && y < maxy - 1)
		pput(w, y++, 1, A_DIM, "%s", lg);
	wnoutrefresh(w);
}

static void draw_alarms(struct pb_screen *s, struct pb_app *a, uint64_t now)
{
	WINDOW *w = s->w_alarms;
	panel_box(s, w, "Alarms (a: ack)");
	int maxy = getmaxy(w);
	int y = 1;
	if (!a->alarms) {
		pput(w, y++, 1, pair_attr(s, CP_OK, A_NORMAL), "no active alarm");
	} else {
		for (unsigned b = 0; b < PB_AL_COUNT && y < maxy - 1; b++) {
			if (!(a->alarms & (1u << b)))
				continue;
			bool acked = a->alarms_acked & (1u << b);
			pput(w, y++, 1, acked ? pair_attr(s, CP_WARN, A_NORMAL) :
			    (pair_attr(s, CP_BAD, A_BOLD) | A_BOLD | A_REVERSE),
			    "%s %s", acked ? "ack" : "NEW", pb_alarm_name(b));
		}
	}
	if (y < maxy - 1)
		pput(w, y++, 1, A_BOLD, "history");
	time_t wall = time(NULL);
	for (size_t i = 0; y < maxy - 1; i++) {
		const struct pb_alarm_rec *r = pb_app_alarm(a, i);
		if (!r)
			break;
		time_t t = wall - (time_t)((now - r->host_us) / 1000000u);
		struct tm tm;
		localtime_r(&t, &tm);
		pput(w, y++, 1, r->raised ? pair_attr(s, CP_BAD, A_NORMAL) : A_NORMAL,
		    "%02d:%02d:%02d %s %s", tm.tm_hour, tm.tm_min, tm.tm_sec,
		    r->raised ? "raised " : "cleared", pb_alarm_name(r->bit));
	}
	wnoutrefresh(w);
}

static void draw_footer(struct pb_screen *s, struct pb_app *a, uint64_t now)
{
	WINDOW *w = s->w_foot;
	werase(w);
	const char *m = pb_app_message(a, now);
	if (a->confirm_quit)
		put(w, 0, 1, pair_attr(s, CP_BANNER, A_REVERSE) | A_BOLD,
		    " The pump is running: stop it and quit? (y/n) ");
	else if (a->marker_prompt)
		put(w, 0, 1, A_BOLD, "marker label: %s_  (Enter: done, Esc: "
		    "none)", a->marker_label);
	else if (m)
		put(w, 0, 1, A_BOLD, "%s", m);
	else if (a->screen == PB_SCR_CALIBRATION)
		put(w, 0, 1, A_DIM, "calibration screen: dashboard keys are off "
		    "here (keys in the panel above)");
	else if (a->text)
		put(w, 0, 1, A_DIM, "%s (bring-up mode)  |  Space pause  "
		    "z/x zoom  w sweep  r rec  k mark  ? help  q quit",
		    PB_APP_TEXT_WHY);
	else
		put(w, 0, 1, A_DIM, "s start/stop  m mode  +/- level  d single/"
		    "double  Space pause  z/x zoom  w sweep  r rec  k mark  "
		    "? help  q quit");
	wnoutrefresh(w);
}

/* ---- overlays ---------------------------------------------------------------- */

static WINDOW *mk_overlay(int h, int w, int rows, int cols)
{
	if (h > rows)
		h = rows;
	if (w > cols)
		w = cols;
	WINDOW *win = newwin(h, w, (rows - h) / 2, (cols - w) / 2);
	if (win)
		leaveok(win, TRUE);
	return win;
}

static void draw_banner(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses, uint64_t now)
{
	int gy, gx, gh, gw;
	getbegyx(s->w_graph, gy, gx);
	getmaxyx(s->w_graph, gh, gw);
	int bw = gw - 8 < 64 ? gw - 8 : 64;
	if (bw < 20)
		bw = gw;
	WINDOW *b = newwin(5, bw, gy + (gh - 5) / 2, gx + (gw - bw) / 2);
	if (!b)
		return;
	leaveok(b, TRUE);
	wbkgd(b, ' ' | pair_attr(s, CP_BANNER, A_REVERSE) | A_BOLD);
	werase(b);
	box(b, 0, 0);
	const char *t = "!!!  LINK LOST  !!!";
	put(b, 1, (bw - (int)strlen(t)) / 2, pair_attr(s, CP_BANNER, A_REVERSE) |
	    A_BOLD, "%s", t);
	double down = a->link_change_us ? (double)(now - a->link_change_us) /
	    1e6 : 0;
	put(b, 2, 2, pair_attr(s, CP_BANNER, A_REVERSE), "%s for "
	    "%.1f s - reconnecting", a->text ? "port gone" : "no valid frame",
	    down);
	put(b, 3, 2, pair_attr(s, CP_BANNER, A_REVERSE), "%s",
	    pb_session_port(ses));
	wnoutrefresh(b);
	delwin(b);
}

static void draw_help(struct pb_screen *s)
{
	/* one entry per action: all its keys, then what it does */
	char keys[PB_ACT_COUNT][48];
	const char *help[PB_ACT_COUNT];
	int n = 0;
	for (int act = PB_ACT_START_STOP; act < PB_ACT_COUNT; act++) {
		keys[n][0] = '\0';
		help[n] = NULL;
		for (size_t i = 0; i < pb_app_nkeys; i++) {
			if (pb_app_keys[i].action != (enum pb_action)act)
				continue;
			if (!help[n])
				help[n] = pb_app_keys[i].help;
			size_t l = strlen(keys[n]);
			snprintf(keys[n] + l, sizeof keys[n] - l, "%s%s",
			    l ? " " : "", pb_app_keys[i].label);
		}
		if (help[n])
			n++;
	}
	/* one column of 72, or two of 66 when the terminal is short and
	 * wide, else as many lines as fit and a note */
	int avail = s->rows - 2;
	int ncol = (n + 2 > avail && s->cols >= 134) ? 2 : 1;
	int per = (n + ncol - 1) / ncol;
	int colw = ncol == 2 ? 66 : 72;
	WINDOW *w = mk_overlay(per + 2, colw * ncol + 2, s->rows, s->cols);
	if (!w)
		return;
	werase(w);
	box(w, 0, 0);
	put(w, 0, 2, A_BOLD, " Keys (any key closes) ");
	int maxy = getmaxy(w);
	int room = maxy - 2;
	for (int i = 0; i < n; i++) {
		int col = i / per, row = i % per;
		if (row >= room)
			continue;
		if (row == room - 1 && per > room && col == ncol - 1) {
			put(w, 1 + row, 2 + col * colw, A_DIM,
			    "... %d more: enlarge the terminal", n - i);
			break;
		}
		put(w, 1 + row, 2 + col * colw, A_BOLD, "%-16s", keys[i]);
		int lim = colw - 19;
		if (19 + col * colw + lim > getmaxx(w) - 1)
			lim = getmaxx(w) - 1 - (19 + col * colw);
		if (lim > 0)
			put(w, 1 + row, 19 + col * colw, A_NORMAL, "%.*s", lim,
			    help[i]);
	}
	wnoutrefresh(w);
	delwin(w);
}

/* The calibration screen (tui/calscreen.h drives it, tui/calview.h says
 * what is on it): a panel from the bottom up, as tall as its content, so
 * the top of the graph stays visible when the terminal has room. */
static attr_t calview_attr(const struct pb_screen *s, enum pb_calview_style st)
{
	switch (st) {
	case PB_CVS_TITLE: return A_BOLD;
	case PB_CVS_DIM: return A_DIM;
	case PB_CVS_GOOD: return pair_attr(s, CP_OK, 0) | A_BOLD;
	case PB_CVS_BAD: return pair_attr(s, CP_BAD, 0) | A_BOLD;
	case PB_CVS_WARN: return pair_attr(s, CP_WARN, 0) | A_BOLD;
	case PB_CVS_INPUT: return A_BOLD;
	default: return A_NORMAL;
	}
}

static void draw_calibration(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses, uint64_t now)
{
	int avail = s->rows - 2;          /* between status bar and footer */
	struct pb_calview_line lines[96];
	int n;
	if (s->cal) {
		struct pb_calview_state v;
		pb_calscreen_view(s->cal, a, pb_session_profile(ses), now, &v);
		n = pb_calview_render(&v, lines, 96, s->cols - 4);
	} else {
		n = 1;
		snprintf(lines[0].text, sizeof lines[0].text, "Calibration is "
		    "not available in this program.");
		lines[0].style = PB_CVS_BAD;
		lines[0].prio = 0;
	}
	n = pb_calview_fit(lines, n, avail - 2);
	int h = n + 2 < avail ? n + 2 : avail;
	if (h < 3)
		return;
	WINDOW *w = newwin(h, s->cols, 1 + avail - h, 0);
	if (!w)
		return;
	leaveok(w, TRUE);
	werase(w);
	box(w, 0, 0);
	put(w, 0, 2, A_BOLD, " Calibration ");
	for (int i = 0; i < n && i < h - 2; i++)
		put(w, 1 + i, 2, calview_attr(s, lines[i].style), "%.*s",
		    s->cols - 4, lines[i].text);
	wnoutrefresh(w);
	delwin(w);
}

void pb_screen_set_calscreen(struct pb_screen *s, struct pb_calscreen *c)
{
	s->cal = c;
	s->full = true;
}

static void draw_quit(struct pb_screen *s)
{
	WINDOW *w = mk_overlay(5, 50, s->rows, s->cols);
	if (!w)
		return;
	wbkgd(w, ' ' | pair_attr(s, CP_BANNER, A_REVERSE));
	werase(w);
	box(w, 0, 0);
	put(w, 1, 2, A_BOLD | pair_attr(s, CP_BANNER, A_REVERSE),
	    "The pump is running.");
	put(w, 2, 2, A_BOLD | pair_attr(s, CP_BANNER, A_REVERSE),
	    "Stop it and quit?  y = yes   n = no");
	wnoutrefresh(w);
	delwin(w);
}

static void draw_too_small(struct pb_screen *s)
{
	werase(stdscr);
	const char *l1 = "terminal too small";
	char l2[64];
	snprintf(l2, sizeof l2, "%dx%d, need %dx%d", s->cols, s->rows,
	    PB_VIEW_MIN_COLS, PB_VIEW_MIN_ROWS);
	int y = s->rows / 2 - 1;
	mvwaddnstr(stdscr, y < 0 ? 0 : y, 0, l1, s->cols);
	if (y + 1 < s->rows)
		mvwaddnstr(stdscr, y + 1, 0, l2, s->cols);
	wnoutrefresh(stdscr);
}

/* ---- a frame ---------------------------------------------------------------- */

void pb_screen_draw(struct pb_screen *s, struct pb_app *a,
    const struct pb_session *ses, uint64_t now)
{
	s->frames++;
	if (s->lay == PB_VIEW_TINY) {
		draw_too_small(s);
		doupdate();
		s->full = false;
		return;
	}
	bool overlays = a->help_open || a->confirm_quit ||
	    a->screen == PB_SCR_CALIBRATION ||
	    (!a->link_up && !pb_session_is_replay(ses));
	if (s->full) {
		werase(stdscr);
		wnoutrefresh(stdscr);
	}
	draw_status(s, a, ses, now);
	if (s->full || overlays) {
		/* overlays may have covered any window: repaint all */
		touchwin(s->w_graph);
	}
	draw_graph(s, a, ses);
	if (s->lay == PB_VIEW_FULL) {
		draw_stats(s, a, ses);
		draw_link(s, a, ses, now);
		draw_alarms(s, a, now);
	}
	draw_footer(s, a, now);
	if (!a->link_up && !pb_session_is_replay(ses))
		draw_banner(s, a, ses, now);
	if (a->screen == PB_SCR_CALIBRATION)
		draw_calibration(s, a, ses, now);
	if (a->help_open)
		draw_help(s);
	if (a->confirm_quit)
		draw_quit(s);
	doupdate();
	s->full = overlays;   /* after an overlay closes, repaint once more */
}
