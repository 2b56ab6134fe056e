/*
 * store/sql.c - SQL templates in two dialects (see sql.h).
 */
#include "store/sql.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct out {
	char  *p;
	size_t len, cap;
	bool   full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->len + n + 1 > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static const struct {
	const char *name;
	const char *lite, *pg;
} words[] = {
	{ "ID", "INTEGER PRIMARY KEY AUTOINCREMENT",
	  "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" },
	{ "BIGINT", "INTEGER", "BIGINT" },
	{ "REAL", "REAL", "DOUBLE PRECISION" },
	{ "BOOL", "INTEGER", "BOOLEAN" },
	{ "TRUE", "1", "TRUE" },
	{ "FALSE", "0", "FALSE" },
	{ "TS", "TEXT", "TIMESTAMPTZ" },
	{ "DATE", "TEXT", "DATE" },
};

static void fail(char *err, size_t errlen, const char *what, const char *at)
{
	if (err && errlen)
		snprintf(err, errlen, "SQL template: %s at \"%.24s\"", what, at);
}

int pb_sql_render(enum pb_sql_dialect d, const char *tmpl, char *out,
    size_t outlen, char *err, size_t errlen)
{
	if (outlen == 0 || (d != PB_SQL_SQLITE && d != PB_SQL_PG))
		return -1;
	struct out o = { out, 0, outlen, false };
	out[0] = '\0';
	int nparam = 0;
	const char *s = tmpl;
	while (*s) {
		char c = *s;
		if (c == '\'' || c == '"') {
			/* a literal or quoted identifier; '' and "" escape */
			const char *e = s + 1;
			for (;;) {
				if (*e == '\0') {
					fail(err, errlen, "unclosed quote", s);
					return -1;
				}
				if (*e == c && e[1] == c) {
					e += 2;
					continue;
				}
				if (*e == c)
					break;
				e++;
			}
			put(&o, s, (size_t)(e + 1 - s));
			s = e + 1;
			continue;
		}
		if (c == '?') {
			nparam++;
			if (d == PB_SQL_PG) {
				char b[16];
				snprintf(b, sizeof b, "$%d", nparam);
				puts_(&o, b);
			} else {
				put(&o, "?", 1);
			}
			s++;
			continue;
		}
		if (c != '{') {
			put(&o, s, 1);
			s++;
			continue;
		}
		const char *close = strchr(s, '}');
		if (close == NULL) {
			fail(err, errlen, "unclosed {", s);
			return -1;
		}
		size_t n = (size_t)(close - s - 1);
		const char *name = s + 1;
		if (n > 3 && strncmp(name, "MS:", 3) == 0) {
			const char *expr = name + 3;
			int el = (int)(n - 3);
			if (memchr(expr, '{', (size_t)el)) {
				fail(err, errlen, "nested token", s);
				return -1;
			}
			char b[512];
			int w;
			if (d == PB_SQL_PG)
				w = snprintf(b, sizeof b, "CAST(ROUND(EXTRACT(EPOCH "
				    "FROM %.*s) * 1000) AS BIGINT)", el, expr);
			else
				w = snprintf(b, sizeof b, "CAST(ROUND((julianday("
				    "%.*s) - 2440587.5) * 86400000.0) AS INTEGER)",
				    el, expr);
			if (w < 0 || (size_t)w >= sizeof b) {
				fail(err, errlen, "expression too long", s);
				return -1;
			}
			puts_(&o, b);
			s = close + 1;
			continue;
		}
		bool found = false;
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
			if (strlen(words[i].name) == n &&
			    strncmp(words[i].name, name, n) == 0) {
				puts_(&o, d == PB_SQL_PG ? words[i].pg :
				    words[i].lite);
				found = true;
				break;
			}
		}
		if (!found) {
			fail(err, errlen, "unknown token", s);
			return -1;
		}
		s = close + 1;
	}
	if (o.full) {
		fail(err, errlen, "statement does not fit", tmpl);
		return -1;
	}
	return nparam;
}
