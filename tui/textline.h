/*
 * tui/textline.h - lines of numbers from a prototype's UART, parsed.
 *
 * Promise: pure (no I/O, no clock, no malloc, no locale): bytes in, one
 * record per line out through a callback.  Bytes may arrive in any
 * pieces; a line ends at LF, CR or CR LF (one line, even when the CR and
 * the LF come in different pieces).  Memory is bounded: a line longer
 * than PB_TEXTLINE_MAX bytes is reported as malformed once (its rest is
 * skipped up to the next line end), never stored.  Nothing is fatal:
 * every line comes back as values, a header, blank, or malformed with a
 * short reason and the byte column where the problem is.
 *
 * Accepted lines (docs/dashboard.md, "Bring-up mode"):
 *
 *   12.5 3                 numbers separated by spaces or tabs
 *   12.5,3                 ... or commas ("1,,3": the middle one absent;
 *                          a trailing comma is ignored, as Arduino
 *                          sketches print them)
 *   vac:12.5,flow:3        name:value pairs (Arduino serial plotter),
 *   vac:12.5 flow:3        separated the same way
 *   >vac:12.5              Teleplot: one value per line...
 *   >vac:1627551892437:12.5   ... optionally with its time in ms;
 *                          "§unit" and "|flags" after the value are
 *                          ignored
 *   time vac flow          a line of names only, before the first line
 *                          of values: a header naming the columns (after
 *                          it, such a line is malformed: "words, not
 *                          numbers")
 *
 * Numbers are decimal: [+-]digits[.digits][e[+-]digits] (".5" and "5."
 * too).  No hex, no "nan" or "inf", no locale: a number that overflows a
 * double is refused ("not finite").  Names are 1..PB_TEXTLINE_NAME_MAX
 * printable ASCII characters other than space , : ; | > and #.  Bare
 * numbers and name:value pairs do not mix on one line.  Control bytes
 * (other than tab) and bytes that are not ASCII make a line malformed
 * (outside a Teleplot "§unit" suffix, which is skipped).
 *
 * With time_first set, the first value of every line is the device's
 * time in milliseconds (the first column, or the first pair whatever its
 * name) and is not a channel (nor is the first name of a header).
 * Teleplot lines carry their own time, or none.  Lines whose first
 * non-blank character is '#' are comments: blank.
 */
#ifndef PB_TUI_TEXTLINE_H
#define PB_TUI_TEXTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_TEXTLINE_MAX        1024  /* bytes per line, line end excluded */
#define PB_TEXTLINE_FIELDS     8     /* values kept per line; more counted */
#define PB_TEXTLINE_NAME_MAX   23    /* characters per name */

enum pb_textline_kind {
	PB_TL_VALUES = 1,    /* n fields (some may be absent) */
	PB_TL_HEADER = 2,    /* names only (name[], n) */
	PB_TL_BLANK = 3,     /* empty or only spaces: not counted as bad */
	PB_TL_BAD = 4        /* malformed: why, col */
};

struct pb_textline_rec {
	enum pb_textline_kind kind;
	uint64_t line;                 /* 1, 2, ... */
	int      n;                    /* fields kept */
	unsigned extra;                /* fields past PB_TEXTLINE_FIELDS */
	bool     named;                /* name:value pairs (or Teleplot) */
	bool     teleplot;
	char     name[PB_TEXTLINE_FIELDS][PB_TEXTLINE_NAME_MAX + 1];
	double   v[PB_TEXTLINE_FIELDS];
	bool     present[PB_TEXTLINE_FIELDS];
	bool     has_time;             /* time_ms is the device's time */
	double   time_ms;
	const char *why;               /* PB_TL_BAD: a static message */
	unsigned col;                  /* PB_TL_BAD: 1-based byte column */
};

typedef void (*pb_textline_cb)(void *ctx, const struct pb_textline_rec *r);

struct pb_textline_counts {
	uint64_t lines;                /* every line ended, blank included */
	uint64_t values;               /* value lines */
	uint64_t headers, blank, bad;
	uint64_t overlong;             /* of bad: longer than the limit */
	uint64_t bytes;
};

struct pb_textline {
	bool     time_first;
	char     buf[PB_TEXTLINE_MAX + 1];
	size_t   len;
	bool     overlong;             /* the current line passed the limit */
	bool     after_cr;             /* an LF right now ends nothing */
	uint64_t line;                 /* number of the current line */
	struct pb_textline_counts counts;
};

/* time_first: see above. */
void pb_textline_init(struct pb_textline *p, bool time_first);
/* Feed n bytes; cb is called for every line they end. */
void pb_textline_feed(struct pb_textline *p, const void *buf, size_t n,
    pb_textline_cb cb, void *ctx);
/* End of input: a last line without its line end is parsed now. */
void pb_textline_finish(struct pb_textline *p, pb_textline_cb cb, void *ctx);

/* Parse one line (no line end in it) into r: the pure core of the above,
 * for tests.  line is stored in r->line. */
void pb_textline_parse(const char *s, size_t len, bool time_first,
    uint64_t line, struct pb_textline_rec *r);

/* Parse a decimal number (the grammar above) from s[0..len): 0 and *v,
 * or -1 (not a number, or not finite). */
int pb_textline_number(const char *s, size_t len, double *v);

#endif
