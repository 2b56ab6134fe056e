/*
 * store/sbuf.h - a bounded text buffer for reports and listings.
 *
 * Promise: pure.  Text is appended with printf or one of the escapers
 * (HTML, JSON string, CSV field); every escaper first makes its input
 * valid UTF-8 without control characters (base/text.h), so what a buffer
 * holds is valid UTF-8 whatever the records held.  The buffer never
 * grows past its limit: an append that would is dropped whole, the
 * buffer is marked truncated, and later appends are dropped too, so a
 * report is cut at an element boundary and can say so.
 */
#ifndef PB_STORE_SBUF_H
#define PB_STORE_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct pb_sbuf {
	char  *p;          /* NUL-terminated; NULL until the first append */
	size_t len, cap, limit;
	bool   truncated;  /* an append was dropped (limit or memory) */
};

void pb_sbuf_init(struct pb_sbuf *b, size_t limit);
void pb_sbuf_free(struct pb_sbuf *b);
/* Room left before the limit. */
size_t pb_sbuf_room(const struct pb_sbuf *b);

void pb_sbuf_printf(struct pb_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pb_sbuf_put(struct pb_sbuf *b, const char *s, size_t n);
/* A string literal, its length counted by the compiler. */
#define pb_sbuf_lit(b, lit) pb_sbuf_put((b), "" lit, sizeof(lit) - 1)
/* s as HTML text or attribute value (& < > " ' escaped). */
void pb_sbuf_html(struct pb_sbuf *b, const char *s);
/* s as a JSON string, quotes included. */
void pb_sbuf_json(struct pb_sbuf *b, const char *s);
/* s as a CSV field (quoted when it holds , " CR or LF; " doubled). */
void pb_sbuf_csv(struct pb_sbuf *b, const char *s);
/* A number for JSON or CSV: %.*g, or null / empty for NaN and inf. */
void pb_sbuf_num(struct pb_sbuf *b, double v, int digits, bool json);

#endif
