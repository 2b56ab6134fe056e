/*
 * base/fmt.c - a small printf (see fmt.h).
 */
#include "base/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
	char  *buf;
	size_t cap, len;          /* len counts every byte, written or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, long n)
{
	while (n-- > 0)
		put(o, c);
}

/* A field of n bytes from s, padded to width. */
static void field(struct out *o, const char *s, size_t n, long width,
    bool left, char padc)
{
	long fill = width > (long)n ? width - (long)n : 0;
	if (!left)
		pad(o, padc, fill);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		pad(o, ' ', fill);
}

static void number(struct out *o, uintmax_t v, bool neg, unsigned base,
    bool upper, long width, bool left, char padc)
{
	char tmp[24];
	size_t n = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		tmp[sizeof tmp - 1 - n++] = digits[v % base];
		v /= base;
	} while (v && n < sizeof tmp - 1);
	if (neg) {
		if (padc == '0' && !left) {
			put(o, '-');
			if (width > 0)
				width--;
		} else {
			tmp[sizeof tmp - 1 - n++] = '-';
		}
	}
	field(o, tmp + sizeof tmp - n, n, width, left, padc);
}

int pb_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { buf, cap, 0 };
	const char *p = fmt;
	while (*p) {
		if (*p != '%') {
			put(&o, *p++);
			continue;
		}
		const char *start = p++;
		bool left = false;
		char padc = ' ';
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				padc = '0';
			else
				break;
		}
		long width = 0;
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		long prec = -1;
		if (*p == '.') {
			p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				prec = 0;
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		int lng = 0;             /* 1 l, 2 ll, 3 z */
		if (*p == 'l') {
			lng = 1;
			if (*++p == 'l') {
				lng = 2;
				p++;
			}
		} else if (*p == 'z') {
			lng = 3;
			p++;
		}
		char c = *p;
		if (c)
			p++;
		switch (c) {
		case '%':
			put(&o, '%');
			break;
		case 'c': {
			char ch = (char)va_arg(ap, int);
			field(&o, &ch, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t n = 0;
			while (s[n] && (prec < 0 || n < (size_t)prec))
				n++;
			field(&o, s, n, width, left, ' ');
			break;
		}
		case 'd':
		case 'i': {
			intmax_t v = lng == 2 ? va_arg(ap, long long) :
			    lng == 1 ? va_arg(ap, long) :
			    lng == 3 ? (intmax_t)va_arg(ap, size_t) :
			    va_arg(ap, int);
			uintmax_t u = v < 0 ? (uintmax_t)0 - (uintmax_t)v
			    : (uintmax_t)v;
			number(&o, u, v < 0, 10, false, width, left, padc);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uintmax_t v = lng == 2 ? va_arg(ap, unsigned long long) :
			    lng == 1 ? va_arg(ap, unsigned long) :
			    lng == 3 ? va_arg(ap, size_t) :
			    va_arg(ap, unsigned);
			number(&o, v, false, c == 'u' ? 10 : 16, c == 'X', width,
			    left, padc);
			break;
		}
		default:
			/* not ours: copied as written, no argument taken */
			while (start < p)
				put(&o, *start++);
			break;
		}
	}
	if (cap > 0)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len > (size_t)INT32_MAX ? INT32_MAX : (int)o.len;
}

int pb_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = pb_vfmt(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
