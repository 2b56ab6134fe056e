/*
 * base/text.c - see text.h.
 */
#include "base/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t pb_text_utf8_seq(const unsigned char *p, size_t n, unsigned *cp)
{
	if (n == 0)
		return 0;
	unsigned c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t need;
	unsigned lo = 0x80, hi = 0xBF, v;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;          /* no overlongs */
		else if (c == 0xED)
			hi = 0x9F;          /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;          /* not past U+10FFFF */
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		unsigned b = p[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
			return 0;
		v = (v << 6) | (b & 0x3F);
	}
	*cp = v;
	return need;
}

bool pb_text_utf8_valid(const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t i = 0;
	unsigned cp;
	while (i < len) {
		size_t k = pb_text_utf8_seq(p + i, len - i, &cp);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* The output: when d is NULL it only counts (the first pass decides
 * whether everything fits; only then is the "..." room kept). */
struct out {
	char *d;
	size_t cap, n;
	bool fits;          /* the whole text fits: no room kept for "..." */
	bool cut;
};

static bool put(struct out *o, const char *piece, size_t k)
{
	if (!o->d) {
		o->n += k;
		return true;
	}
	if (o->cut)
		return false;
	size_t reserve = o->fits ? 1 : 4;      /* NUL, or "..." and NUL */
	if (o->n + k + reserve > o->cap) {
		o->cut = true;
		if (o->n + 4 <= o->cap) {
			memcpy(o->d + o->n, "...", 3);
			o->n += 3;
		}
		return false;
	}
	memcpy(o->d + o->n, piece, k);
	o->n += k;
	return true;
}

enum mode { ESCAPE, CLEAN };

static void emit(enum mode m, struct out *o, const unsigned char *p,
    size_t len)
{
	static const char repl[] = "\xEF\xBF\xBD";   /* U+FFFD */
	size_t i = 0;
	while (i < len) {
		unsigned cp = 0;
		size_t k = pb_text_utf8_seq(p + i, len - i, &cp);
		char esc[8];
		const char *piece = (const char *)p + i;
		size_t plen = k;
		if (m == ESCAPE && (k == 0 || cp < 0x20 || cp == 0x7F ||
		    (cp >= 0x80 && cp <= 0x9F))) {
			if (k == 1 && cp == '\t')
				piece = "\\t", plen = 2;
			else if (k == 1 && cp == '\n')
				piece = "\\n", plen = 2;
			else if (k == 1 && cp == '\r')
				piece = "\\r", plen = 2;
			else {
				/* one byte at a time: an escape for each */
				snprintf(esc, sizeof esc, "\\x%02X", p[i]);
				piece = esc;
				plen = 4;
				k = 1;
			}
		} else if (m == CLEAN && k == 0) {
			k = 1;
			piece = repl;
			plen = 3;
		} else if (m == CLEAN && ((cp < 0x20 && cp != '\t' &&
		    cp != '\n' && cp != '\r') || cp == 0xFFFE ||
		    cp == 0xFFFF)) {
			piece = repl;
			plen = 3;
		}
		if (!put(o, piece, plen))
			return;
		i += k;
	}
}

static size_t run(enum mode m, char *dst, size_t dstlen, const void *src,
    size_t len)
{
	if (dstlen == 0)
		return 0;
	struct out count = { NULL, 0, 0, false, false };
	emit(m, &count, src, len);
	struct out o = { dst, dstlen, 0, count.n + 1 <= dstlen, false };
	emit(m, &o, src, len);
	dst[o.n] = '\0';
	return o.n;
}

size_t pb_text_escape(char *dst, size_t dstlen, const void *src, size_t len)
{
	return run(ESCAPE, dst, dstlen, src, len);
}

void pb_text_vmsg_at(char *dst, size_t dstlen, const char *file, int line,
    const char *fmt, va_list ap)
{
	if (!dst || !dstlen)
		return;
	char raw[1024];
	int n = snprintf(raw, sizeof raw, "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof raw)
		n = 0;
	vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap);
	pb_text_escape_str(dst, dstlen, raw);
}

size_t pb_text_escape_str(char *dst, size_t dstlen, const char *s)
{
	return pb_text_escape(dst, dstlen, s, s ? strlen(s) : 0);
}

size_t pb_text_clean(char *dst, size_t dstlen, const void *src, size_t len)
{
	return run(CLEAN, dst, dstlen, src, len);
}

char *pb_text_clean_dup(const void *src, size_t len, size_t max)
{
	if (max < 8)
		max = 8;
	/* worst case: every byte becomes 3 */
	size_t cap = len > (max - 1) / 3 ? max : len * 3 + 1;
	if (cap < 8)
		cap = 8;
	char *d = malloc(cap);
	if (!d)
		return NULL;
	pb_text_clean(d, cap, src, len);
	return d;
}
