/*
 * tui/screen.h - the dashboard's ncurses front.
 *
 * Promise: the only module that talks to the terminal.  It owns one
 * WINDOW per panel (status bar, graph, cycle statistics, link, alarms,
 * footer) plus overlays (LINK LOST banner, help, quit dialog, the
 * calibration screen of tui/calscreen.h), and draws a frame with wnoutrefresh() per
 * window and exactly one doupdate().  The graph is rasterised by
 * tui/graph.h; only the cells whose glyph or pen (pb_graph_pens) differ
 * from what was written last are written, so a sweep frame touches a few
 * columns, a scrolling one a column between whole-cell steps, and
 * terminal output stays small (ncurses then sends only the cells that
 * differ on the terminal).
 *
 * Glyphs: braille unless ascii is asked (the caller asks for it when the
 * locale's codeset is not UTF-8, base/cli.h) or TERM is linux (the
 * console's fonts have no braille); ASCII otherwise.  Borders use ACS
 * line drawing (ASCII fallback by ncurses), so it works in a Linux
 * console.  Colours unless the terminal has none or mono is asked (the
 * caller's decision from --color, NO_COLOR and TERM); in monochrome,
 * channels differ by glyph and state by text (OK/OUT, LINK LOST,
 * PAUSED).  An unknown TERM is an error returned, never an exit.
 *
 * Sizes: what goes where at which terminal size, which window of the
 * history the graph shows and what a pause keeps are decided by the pure
 * view policy (tui/view.h); this module only carries them out.  Resize
 * (KEY_RESIZE) is handled at any time, including inside overlays.
 */
#ifndef PB_TUI_SCREEN_H
#define PB_TUI_SCREEN_H

#include <stdbool.h>
#include <stdint.h>
#include "tui/app.h"
#include "tui/calscreen.h"
#include "tui/session.h"

#define PB_SCREEN_FRAME_US     33334u   /* at most 30 frames a second */

struct pb_screen_opts {
	bool ascii;      /* ASCII glyphs (asked, or not a UTF-8 locale) */
	bool mono;       /* monochrome (--mono, --color=never, NO_COLOR) */
};

struct pb_screen;

/* Initialise the terminal (initscr etc.).  NULL with a message on
 * failure (no terminal). */
struct pb_screen *pb_screen_open(const struct pb_screen_opts *o, char *err,
    size_t errlen);
/* Restore the terminal. */
void pb_screen_close(struct pb_screen *s);

/* fd to poll for key presses (stdin). */
int  pb_screen_fd(const struct pb_screen *s);
/* Next key as a pb_key code, PB_KEY_NONE when none is waiting.  Resize
 * is handled inside (the next frame is redrawn whole). */
int  pb_screen_key(struct pb_screen *s);
/* Ask for a full redraw on the next frame. */
void pb_screen_invalidate(struct pb_screen *s);
/* Draw a frame. */
void pb_screen_draw(struct pb_screen *s, struct pb_app *app,
    const struct pb_session *ses, uint64_t now_us);
/* The calibration screen drawn while app->screen is PB_SCR_CALIBRATION
 * (NULL: a line saying calibration is not available). */
void pb_screen_set_calscreen(struct pb_screen *s, struct pb_calscreen *c);
/* True when UTF-8 braille is in use. */
bool pb_screen_braille(const struct pb_screen *s);

/* Bytes written to the terminal so far (benchmarks), when known. */
uint64_t pb_screen_frames(const struct pb_screen *s);

#endif
