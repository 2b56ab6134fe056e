/*
 * store/sbuf.c - bounded text buffers (see sbuf.h).
 */
#include "store/sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

void pb_sbuf_init(struct pb_sbuf *b, size_t limit)
{
	memset(b, 0, sizeof *b);
	b->limit = limit;
}

void pb_sbuf_free(struct pb_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

size_t pb_sbuf_room(const struct pb_sbuf *b)
{
	return b->truncated || b->len >= b->limit ? 0 : b->limit - b->len;
}

void pb_sbuf_put(struct pb_sbuf *b, const char *s, size_t n)
{
	if (b->truncated)
		return;
	if (n > pb_sbuf_room(b)) {
		b->truncated = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->truncated = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void pb_sbuf_printf(struct pb_sbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		pb_sbuf_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (big == NULL) {
		b->truncated = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pb_sbuf_put(b, big, (size_t)n);
	free(big);
}

/* s cleaned (valid UTF-8, C0 controls other than tab/LF/CR replaced) */
static char *clean(const char *s)
{
	if (s == NULL)
		s = "";
	size_t n = strlen(s);
	return pb_text_clean_dup(s, n, n * 3 + 8);
}

void pb_sbuf_html(struct pb_sbuf *b, const char *s)
{
	char *c = clean(s);
	if (c == NULL) {
		b->truncated = true;
		return;
	}
	const char *p = c, *run = c;
	for (; *p; p++) {
		const char *e = NULL;
		switch (*p) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: break;
		}
		if (e) {
			pb_sbuf_put(b, run, (size_t)(p - run));
			pb_sbuf_put(b, e, strlen(e));
			run = p + 1;
		}
	}
	pb_sbuf_put(b, run, (size_t)(p - run));
	free(c);
}

void pb_sbuf_json(struct pb_sbuf *b, const char *s)
{
	char *c = clean(s);
	if (c == NULL) {
		b->truncated = true;
		return;
	}
	pb_sbuf_put(b, "\"", 1);
	const char *p = c, *run = c;
	for (; *p; p++) {
		char e[8];
		unsigned char ch = (unsigned char)*p;
		if (ch == '"' || ch == '\\')
			snprintf(e, sizeof e, "\\%c", ch);
		else if (ch == '\n')
			snprintf(e, sizeof e, "\\n");
		else if (ch == '\r')
			snprintf(e, sizeof e, "\\r");
		else if (ch == '\t')
			snprintf(e, sizeof e, "\\t");
		else if (ch < 0x20)
			snprintf(e, sizeof e, "\\u%04x", ch);
		else
			continue;
		pb_sbuf_put(b, run, (size_t)(p - run));
		pb_sbuf_put(b, e, strlen(e));
		run = p + 1;
	}
	pb_sbuf_put(b, run, (size_t)(p - run));
	pb_sbuf_put(b, "\"", 1);
	free(c);
}

void pb_sbuf_csv(struct pb_sbuf *b, const char *s)
{
	char *c = clean(s);
	if (c == NULL) {
		b->truncated = true;
		return;
	}
	if (strpbrk(c, ",\"\r\n") == NULL) {
		pb_sbuf_put(b, c, strlen(c));
		free(c);
		return;
	}
	pb_sbuf_put(b, "\"", 1);
	const char *p = c, *run = c;
	for (; *p; p++)
		if (*p == '"') {
			pb_sbuf_put(b, run, (size_t)(p - run) + 1);
			pb_sbuf_put(b, "\"", 1);
			run = p + 1;
		}
	pb_sbuf_put(b, run, (size_t)(p - run));
	pb_sbuf_put(b, "\"", 1);
	free(c);
}

void pb_sbuf_num(struct pb_sbuf *b, double v, int digits, bool json)
{
	if (!isfinite(v)) {
		if (json)
			pb_sbuf_put(b, "null", 4);
		return;
	}
	pb_sbuf_printf(b, "%.*g", digits, v);
}
