/*
 * tui/textline.c - lines of numbers from a prototype's UART, parsed.
 */
#include "tui/textline.h"

#include <math.h>
#include <string.h>

void pb_textline_init(struct pb_textline *p, bool time_first)
{
	memset(p, 0, sizeof *p);
	p->time_first = time_first;
	p->line = 1;
}

/* ---- numbers --------------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int pb_textline_number(const char *s, size_t len, double *v)
{
	size_t i = 0;
	bool neg = false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	/* up to 19 significant digits in an integer; the rest only move
	 * the decimal exponent */
	uint64_t mant = 0;
	int sig = 0;
	long dexp = 0;
	size_t digits = 0;
	while (i < len && is_digit(s[i])) {
		if (mant == 0 && s[i] == '0') {
			/* leading zeros are not significant */
		} else if (sig < 19) {
			mant = mant * 10 + (uint64_t)(s[i] - '0');
			sig++;
		} else {
			dexp++;
		}
		i++;
		digits++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			if (mant == 0 && s[i] == '0') {
				dexp--;
			} else if (sig < 19) {
				mant = mant * 10 + (uint64_t)(s[i] - '0');
				sig++;
				dexp--;
			}
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		size_t e0 = i;
		long e = 0;
		while (i < len && is_digit(s[i])) {
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
			i++;
		}
		if (i == e0)
			return -1;
		dexp += eneg ? -e : e;
	}
	if (i != len)
		return -1;
	double x = (double)mant;
	if (mant != 0) {
		if (dexp > 400)
			dexp = 400;       /* inf: refused below */
		if (dexp < -400)
			dexp = -400;      /* 0 */
		x *= pow(10.0, (double)dexp);
	}
	if (!isfinite(x))
		return -1;
	*v = neg ? -x : x;
	return 0;
}

/* ---- one line ---------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool name_char(char c)
{
	return c > ' ' && c <= '~' && !strchr(",:;|>#", c);
}

static int bad(struct pb_textline_rec *r, const char *why, size_t at)
{
	r->kind = PB_TL_BAD;
	r->why = why;
	r->col = (unsigned)at + 1;
	return -1;
}

/* A name in s[a..b): "" on success, else the problem. */
static const char *check_name(const char *s, size_t a, size_t b)
{
	if (a == b)
		return "empty name";
	if (b - a > PB_TEXTLINE_NAME_MAX)
		return "name too long";
	for (size_t k = a; k < b; k++)
		if (!name_char(s[k]))
			return "bad character in a name";
	return "";
}

static void put_name(char *dst, const char *s, size_t a, size_t b)
{
	memcpy(dst, s + a, b - a);
	dst[b - a] = '\0';
}

/* Keep a value (or an absent one, or a header's name) in the record. */
static void add_value(struct pb_textline_rec *r, const char *s,
    size_t na, size_t nb, bool present, double v)
{
	if (r->n >= PB_TEXTLINE_FIELDS) {
		r->extra++;
		return;
	}
	r->name[r->n][0] = '\0';
	if (nb > na)
		put_name(r->name[r->n], s, na, nb);
	r->v[r->n] = present ? v : 0;
	r->present[r->n] = present;
	r->n++;
}

/* ">name:value", ">name:time:value", with "§unit" and "|flags" after. */
static int parse_teleplot(const char *s, size_t len, size_t at,
    struct pb_textline_rec *r)
{
	r->named = true;
	r->teleplot = true;
	size_t end = len;
	for (size_t k = at; k < len; k++) {
		if (s[k] == '|' || (s[k] == '\xc2' && k + 1 < len &&
		    s[k + 1] == '\xa7')) {
			end = k;
			break;
		}
	}
	for (size_t k = at; k < end; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c == ';')
			return bad(r, "Teleplot lines with several points are "
			    "not supported", k);
		if (c < 0x20 || c >= 0x7f)
			return bad(r, c >= 0x80 ? "not ASCII" :
			    "control character", k);
	}
	while (end > at && is_space(s[end - 1]))
		end--;
	const char *c1 = memchr(s + at, ':', end - at);
	if (!c1)
		return bad(r, "Teleplot line without ':'", at);
	size_t n1 = (size_t)(c1 - s);
	const char *why = check_name(s, at, n1);
	if (*why)
		return bad(r, why, at);
	size_t v0 = n1 + 1;
	const char *c2 = memchr(s + v0, ':', end - v0);
	if (c2) {
		size_t n2 = (size_t)(c2 - s);
		double t;
		if (pb_textline_number(s + v0, n2 - v0, &t) < 0)
			return bad(r, "bad Teleplot time", v0);
		r->has_time = true;
		r->time_ms = t;
		v0 = n2 + 1;
	}
	double v;
	if (pb_textline_number(s + v0, end - v0, &v) < 0)
		return bad(r, "not a number", v0);
	add_value(r, s, at, n1, true, v);
	r->kind = PB_TL_VALUES;
	return 0;
}

enum tok { T_NUM, T_PAIR, T_WORD, T_EMPTY };

static int parse_line(const char *s, size_t len, bool time_first,
    struct pb_textline_rec *r)
{
	size_t at = 0;
	while (at < len && is_space(s[at]))
		at++;
	if (at == len || s[at] == '#') {
		r->kind = PB_TL_BLANK;
		return 0;
	}
	if (s[at] == '>')
		return parse_teleplot(s, len, at + 1, r);
	for (size_t k = at; k < len; k++) {
		unsigned char c = (unsigned char)s[k];
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return bad(r, c >= 0x80 ? "not ASCII" :
			    "control character", k);
	}
	/* tokens: comma-separated fields, each split further at spaces */
	bool any_num = false, any_pair = false, any_word = false;
	size_t word_at = 0, num_at = 0, pair_at = 0;
	bool need_time = time_first;
	size_t k = 0;
	int nvals = 0;
	while (k <= len) {
		/* one comma field: [k, e) */
		size_t e = k;
		while (e < len && s[e] != ',')
			e++;
		bool last = e >= len;
		size_t p = k;
		bool field_has = false;
		while (p < e) {
			while (p < e && is_space(s[p]))
				p++;
			if (p >= e)
				break;
			size_t q = p;
			while (q < e && !is_space(s[q]))
				q++;
			field_has = true;
			/* token [p, q) */
			const char *colon = memchr(s + p, ':', q - p);
			double v = 0;
			size_t na = p, nb = p, va = p;
			enum tok t;
			if (colon) {
				t = T_PAIR;
				nb = (size_t)(colon - s);
				va = nb + 1;
				const char *why = check_name(s, na, nb);
				if (*why)
					return bad(r, why, na);
				if (pb_textline_number(s + va, q - va, &v) < 0)
					return bad(r, "not a number", va);
				if (!any_pair)
					pair_at = p;
				any_pair = true;
			} else if (pb_textline_number(s + p, q - p, &v) == 0) {
				t = T_NUM;
				if (!any_num)
					num_at = p;
				any_num = true;
			} else {
				t = T_WORD;
				if (*check_name(s, p, q))
					return bad(r, "not a number", p);
				if (!any_word)
					word_at = p;
				any_word = true;
				na = p;
				nb = q;
			}
			if (t == T_WORD && need_time) {
				need_time = false;   /* the time column's name */
			} else if (t == T_WORD) {
				add_value(r, s, na, nb, false, 0);
			} else if (need_time) {
				r->has_time = true;
				r->time_ms = v;
				need_time = false;
			} else {
				add_value(r, s, na, nb, true, v);
				nvals++;
			}
			p = q;
		}
		if (!field_has && !last) {
			/* an empty comma field: an absent value (never the
			 * time) */
			if (need_time)
				return bad(r, "no time in the first column", k);
			add_value(r, s, k, k, false, 0);
		}
		if (last)
			break;
		k = e + 1;
	}
	if (any_word) {
		if (any_num || any_pair)
			return bad(r, "not a number", word_at);
		r->kind = PB_TL_HEADER;
		return 0;
	}
	if (any_num && any_pair)
		return bad(r, "mixes name:value pairs and bare numbers",
		    num_at > pair_at ? num_at : pair_at);
	r->named = any_pair;
	if (nvals == 0)
		return bad(r, time_first ? "no value after the time" :
		    "no value", at);
	r->kind = PB_TL_VALUES;
	return 0;
}

void pb_textline_parse(const char *s, size_t len, bool time_first,
    uint64_t line, struct pb_textline_rec *r)
{
	memset(r, 0, sizeof *r);
	r->line = line;
	parse_line(s, len, time_first, r);
}

/* ---- the stream ---------------------------------------------------------------- */

static void end_line(struct pb_textline *p, pb_textline_cb cb, void *ctx)
{
	struct pb_textline_rec r;
	if (p->overlong) {
		memset(&r, 0, sizeof r);
		r.line = p->line;
		bad(&r, "line too long", PB_TEXTLINE_MAX);
		p->counts.overlong++;
	} else {
		pb_textline_parse(p->buf, p->len, p->time_first, p->line, &r);
		/* names name the columns before the data; words among the
		 * data are text the device printed, not numbers */
		if (r.kind == PB_TL_HEADER && p->counts.values)
			bad(&r, "words, not numbers", 0);
	}
	p->counts.lines++;
	switch (r.kind) {
	case PB_TL_VALUES: p->counts.values++; break;
	case PB_TL_HEADER: p->counts.headers++; break;
	case PB_TL_BLANK: p->counts.blank++; break;
	default: p->counts.bad++; break;
	}
	p->len = 0;
	p->overlong = false;
	p->line++;
	if (cb)
		cb(ctx, &r);
}

void pb_textline_feed(struct pb_textline *p, const void *buf, size_t n,
    pb_textline_cb cb, void *ctx)
{
	const char *b = buf;
	p->counts.bytes += n;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		if (c == '\n' && p->after_cr) {
			p->after_cr = false;   /* the LF of a CR LF */
			continue;
		}
		p->after_cr = false;
		if (c == '\n' || c == '\r') {
			p->after_cr = c == '\r';
			end_line(p, cb, ctx);
			continue;
		}
		if (p->overlong)
			continue;
		if (p->len >= PB_TEXTLINE_MAX) {
			p->overlong = true;
			continue;
		}
		p->buf[p->len++] = c;
	}
}

void pb_textline_finish(struct pb_textline *p, pb_textline_cb cb, void *ctx)
{
	if (p->len || p->overlong)
		end_line(p, cb, ctx);
	p->after_cr = false;
}
