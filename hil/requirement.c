/*
 * hil/requirement.c - requirement files: a small line parser (pure) and
 * the file edge.  See requirement.h.
 */
#include "hil/requirement.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/datadir.h"
#include "base/file.h"
#include "base/text.h"
#include "hil/report.h"
#include "pump/inivalue.h"


const char *pb_requirement_strerror(int err)
{
	switch (err) {
	case PB_REQUIREMENT_OK: return "ok";
	case PB_REQUIREMENT_E_OPEN: return "cannot read the requirement file";
	case PB_REQUIREMENT_E_SYNTAX: return "requirement file syntax error";
	case PB_REQUIREMENT_E_KEY: return "unknown, duplicate or missing key";
	case PB_REQUIREMENT_E_VALUE: return "bad value in a requirement file";
	case PB_REQUIREMENT_E_FULL: return "requirement file too large";
	case PB_REQUIREMENT_E_NOMEM: return "out of memory";
	case PB_REQUIREMENT_E_ARG: return "bad argument";
	}
	return "unknown requirement error";
}

bool pb_requirement_id_valid(const char *s, size_t n)
{
	if (!s || n == 0 || n >= PB_REQUIREMENT_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

/* ---- units: the last part of a limit's name ------------------------------ */

static const struct { const char *suffix, *unit; } units[] = {
	/* longer suffixes first: _mmHg_s before _s */
	{ "_mmHg_s", "mmHg/s" },
	{ "_mL_min", "mL/min" },
	{ "_count", "count" },
	{ "_mmHg", "mmHg" },
	{ "_cpm", "cpm" },
	{ "_pct", "%" },
	{ "_ms", "ms" },
	{ "_mV", "mV" },
	{ "_mA", "mA" },
	{ "_V", "V" },
	{ "_s", "s" },
};

static const char *unit_of(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t k = strlen(units[i].suffix);
		if (n > k && strcmp(name + n - k, units[i].suffix) == 0)
			return units[i].unit;
	}
	return NULL;
}

/* ---- parsing ------------------------------------------------------------- */

enum text_key { TK_TITLE, TK_TEXT, TK_CLASS, TK_SOURCE, TK_HAZARD, TK_N };
static const char *const text_keys[TK_N] = {
	"title", "text", "class", "source", "hazard"
};

struct parse {
	const char *name;
	char *err;
	size_t errlen;
	int line;
	int rc;
	struct pb_requirement_set *set;
	size_t cap;
	bool in_doc;                 /* [document] */
	struct pb_requirement *cur;  /* the section being read, or NULL */
	int key_line[TK_N];          /* cur's text keys: line, 0 = not yet */
	int doc_line[2];             /* [document] title, revision */
	char *last;                  /* the text value a continuation adds to */
	size_t last_cap;
	struct pb_requirement_limit *list;  /* a list a continuation adds to */
};

static int fail(struct parse *ps, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct parse *ps, int rc, const char *fmt, ...)
{
	if (ps->rc)
		return ps->rc;
	ps->rc = rc;
	if (!ps->err || !ps->errlen)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	pb_text_vmsg_at(ps->err, ps->errlen, ps->name, ps->line, fmt, ap);
	va_end(ap);
	return rc;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* An inline comment: ';' after white space (so "a;b" in a text stays). */
static size_t cut_comment(const char *s, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (s[i] == ';' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return i;
	return n;
}

static int set_text(struct parse *ps, char *dst, size_t cap, const char *v,
    size_t n, const char *key)
{
	if (n >= cap)
		return fail(ps, PB_REQUIREMENT_E_VALUE, "%s: longer than %zu "
		    "characters", key, cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	ps->last = dst;
	ps->last_cap = cap;
	return 0;
}

static int end_section(struct parse *ps)
{
	struct pb_requirement *r = ps->cur;
	if (!r)
		return 0;
	static const enum text_key need[] = { TK_TEXT, TK_SOURCE, TK_HAZARD };
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!ps->key_line[need[i]]) {
			ps->line = r->line;
			return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] has no %s",
			    r->id, text_keys[need[i]]);
		}
	if (!r->cls[0])
		snprintf(r->cls, sizeof r->cls, "safety");
	ps->cur = NULL;
	return 0;
}

static int section(struct parse *ps, const char *s, size_t n)
{
	if (end_section(ps))
		return ps->rc;
	ps->last = NULL;
	ps->in_doc = false;
	trim(&s, &n);
	if (n == 8 && memcmp(s, "document", 8) == 0) {
		ps->in_doc = true;
		return 0;
	}
	if (!pb_requirement_id_valid(s, n))
		return fail(ps, PB_REQUIREMENT_E_VALUE, "[%.*s]: a requirement ID "
		    "is 1 to %d letters, digits, '.', '_' and '-'",
		    (int)(n > 80 ? 80 : n), s, PB_REQUIREMENT_ID_LEN - 1);
	for (size_t i = 0; i < ps->set->n; i++)
		if (strlen(ps->set->req[i].id) == n &&
		    memcmp(ps->set->req[i].id, s, n) == 0)
			return fail(ps, PB_REQUIREMENT_E_KEY, "[%.*s]: duplicate "
			    "requirement (first on line %d)", (int)n, s,
			    ps->set->req[i].line);
	if (ps->set->n >= PB_REQUIREMENT_MAX)
		return fail(ps, PB_REQUIREMENT_E_FULL, "more than %d "
		    "requirements", PB_REQUIREMENT_MAX);
	if (ps->set->n == ps->cap) {
		size_t nc = ps->cap ? 2 * ps->cap : 16;
		struct pb_requirement *nr = realloc(ps->set->req,
		    nc * sizeof *nr);
		if (!nr)
			return fail(ps, PB_REQUIREMENT_E_NOMEM, "out of memory");
		ps->set->req = nr;
		ps->cap = nc;
	}
	struct pb_requirement *r = &ps->set->req[ps->set->n++];
	memset(r, 0, sizeof *r);
	memcpy(r->id, s, n);
	r->line = ps->line;
	ps->cur = r;
	memset(ps->key_line, 0, sizeof ps->key_line);
	return 0;
}

/* One number, or a comma-separated list; a list that ends in ',' goes on
 * in the indented line below (ps->list). */
static int add_numbers(struct parse *ps, struct pb_requirement_limit *l,
    const char *v, size_t vn)
{
	const char *id = ps->cur->id;
	ps->list = NULL;
	size_t pos = 0;
	for (;;) {
		size_t e = pos;
		while (e < vn && v[e] != ',')
			e++;
		const char *item = v + pos;
		size_t in = e - pos;
		trim(&item, &in);
		if (in == 0 && e >= vn && l->n > 0 && pos > 0) {
			ps->list = l;     /* "a, b," : the list goes on */
			return 0;
		}
		char num[64];
		double d;
		if (in == 0 || in >= sizeof num)
			return fail(ps, PB_REQUIREMENT_E_VALUE, "[%s] %s: '%.*s' is "
			    "not a number", id, l->name, (int)(in > 60 ? 60 : in),
			    item);
		memcpy(num, item, in);
		num[in] = '\0';
		if (!pb_ini_double(num, &d))
			return fail(ps, PB_REQUIREMENT_E_VALUE, "[%s] %s: '%s' is "
			    "not a number", id, l->name, num);
		if (l->n >= PB_REQUIREMENT_LIST)
			return fail(ps, PB_REQUIREMENT_E_FULL, "[%s] %s: more than "
			    "%d values", id, l->name, PB_REQUIREMENT_LIST);
		l->v[l->n++] = d;
		if (e >= vn)
			return 0;
		pos = e + 1;
	}
}

static int limit_key(struct parse *ps, const char *k, size_t kn,
    const char *v, size_t vn)
{
	struct pb_requirement *r = ps->cur;
	const char *at = memchr(k, '@', kn);
	size_t nn = at ? (size_t)(at - k) : kn;
	const char *prof = at ? at + 1 : "";
	size_t pn = at ? kn - nn - 1 : 0;
	char name[sizeof r->limits[0].name];
	char profile[sizeof r->limits[0].profile];
	if (nn == 0 || nn >= sizeof name)
		return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] '%.*s': a limit's name "
		    "is 1 to %zu characters", r->id, (int)(kn > 80 ? 80 : kn), k,
		    sizeof name - 1);
	for (size_t i = 0; i < nn; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_')
			return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] '%.*s': a "
			    "limit's name is letters, digits and '_'", r->id,
			    (int)(kn > 80 ? 80 : kn), k);
	if (at && (pn == 0 || pn >= sizeof profile))
		return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] '%.*s': a profile "
		    "after '@' is 1 to %zu characters", r->id,
		    (int)(kn > 80 ? 80 : kn), k, sizeof profile - 1);
	for (size_t i = 0; i < pn; i++)
		if (!isalnum((unsigned char)prof[i]) && prof[i] != '_' &&
		    prof[i] != '-')
			return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] '%.*s': a "
			    "profile id is letters, digits, '-' and '_'", r->id,
			    (int)(kn > 80 ? 80 : kn), k);
	memcpy(name, k, nn);
	name[nn] = '\0';
	memcpy(profile, prof, pn);
	profile[pn] = '\0';
	const char *unit = unit_of(name);
	if (!unit)
		return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] %s: unknown key (a "
		    "limit's name ends in its unit: _mmHg, _mmHg_s, _ms, _s, "
		    "_V, _mV, _mA, _cpm, _pct, _mL_min or _count)", r->id, name);
	for (int i = 0; i < r->n_limits; i++) {
		const struct pb_requirement_limit *l = &r->limits[i];
		if (strcmp(l->name, name) == 0 && strcmp(l->profile, profile)
		    == 0)
			return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] %.*s: "
			    "duplicate key (first on line %d)", r->id, (int)kn,
			    k, l->line);
	}
	if (r->n_limits >= PB_REQUIREMENT_LIMITS)
		return fail(ps, PB_REQUIREMENT_E_FULL, "[%s]: more than %d "
		    "limits", r->id, PB_REQUIREMENT_LIMITS);
	struct pb_requirement_limit l;
	memset(&l, 0, sizeof l);
	if (vn == 0)
		return fail(ps, PB_REQUIREMENT_E_VALUE, "[%s] %s: no value",
		    r->id, name);
	snprintf(l.name, sizeof l.name, "%s", name);
	snprintf(l.unit, sizeof l.unit, "%s", unit);
	snprintf(l.profile, sizeof l.profile, "%s", profile);
	l.line = ps->line;
	r->limits[r->n_limits] = l;
	if (add_numbers(ps, &r->limits[r->n_limits], v, vn))
		return ps->rc;
	r->n_limits++;
	ps->last = NULL;
	return 0;
}

static int key_value(struct parse *ps, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	if (!eq)
		return fail(ps, PB_REQUIREMENT_E_SYNTAX, "expected [ID] or "
		    "key = value");
	const char *k = s;
	size_t kn = (size_t)(eq - s);
	const char *v = eq + 1;
	size_t vn = n - kn - 1;
	trim(&k, &kn);
	vn = cut_comment(v, vn);
	trim(&v, &vn);
	if (kn == 0)
		return fail(ps, PB_REQUIREMENT_E_SYNTAX, "a key is missing "
		    "before '='");
	if (ps->in_doc) {
		static const char *const dk[2] = { "title", "revision" };
		for (int i = 0; i < 2; i++) {
			if (strlen(dk[i]) != kn || memcmp(dk[i], k, kn) != 0)
				continue;
			if (ps->doc_line[i])
				return fail(ps, PB_REQUIREMENT_E_KEY, "[document] "
				    "%s: duplicate key (first on line %d)", dk[i],
				    ps->doc_line[i]);
			ps->doc_line[i] = ps->line;
			return i == 0 ?
			    set_text(ps, ps->set->title, sizeof ps->set->title,
			    v, vn, dk[i]) :
			    set_text(ps, ps->set->revision,
			    sizeof ps->set->revision, v, vn, dk[i]);
		}
		return fail(ps, PB_REQUIREMENT_E_KEY, "[document] %.*s: unknown "
		    "key (title, revision)", (int)(kn > 80 ? 80 : kn), k);
	}
	struct pb_requirement *r = ps->cur;
	if (!r)
		return fail(ps, PB_REQUIREMENT_E_SYNTAX, "a key before the first "
		    "[ID]");
	for (int i = 0; i < TK_N; i++) {
		if (strlen(text_keys[i]) != kn || memcmp(text_keys[i], k, kn))
			continue;
		if (ps->key_line[i])
			return fail(ps, PB_REQUIREMENT_E_KEY, "[%s] %s: duplicate "
			    "key (first on line %d)", r->id, text_keys[i],
			    ps->key_line[i]);
		ps->key_line[i] = ps->line;
		if (vn == 0)
			return fail(ps, PB_REQUIREMENT_E_VALUE, "[%s] %s is empty",
			    r->id, text_keys[i]);
		char *const dst[TK_N] = { r->title, r->text, NULL, r->source,
			r->hazard };
		const size_t cap[TK_N] = { sizeof r->title, sizeof r->text, 0,
			sizeof r->source, sizeof r->hazard };
		if (dst[i])
			return set_text(ps, dst[i], cap[i], v, vn, text_keys[i]);
		if ((vn == 6 && memcmp(v, "safety", 6) == 0) ||
		    (vn == 11 && memcmp(v, "performance", 11) == 0) ||
		    (vn == 8 && memcmp(v, "function", 8) == 0)) {
			memcpy(r->cls, v, vn);
			r->cls[vn] = '\0';
			ps->last = NULL;
			return 0;
		}
		return fail(ps, PB_REQUIREMENT_E_VALUE, "[%s] class: '%.*s' is "
		    "not safety, performance or function", r->id,
		    (int)(vn > 40 ? 40 : vn), v);
	}
	return limit_key(ps, k, kn, v, vn);
}

/* An indented line continues the text value above it. */
static int continuation(struct parse *ps, const char *s, size_t n)
{
	if (ps->list) {
		n = cut_comment(s, n);
		trim(&s, &n);
		return add_numbers(ps, ps->list, s, n);
	}
	if (!ps->last)
		return fail(ps, PB_REQUIREMENT_E_SYNTAX, "an indented line "
		    "continues a text value (title, text, source, hazard), "
		    "and there is none above it");
	n = cut_comment(s, n);
	trim(&s, &n);
	size_t have = strlen(ps->last);
	if (have + 1 + n >= ps->last_cap)
		return fail(ps, PB_REQUIREMENT_E_VALUE, "text longer than %zu "
		    "characters", ps->last_cap - 1);
	ps->last[have] = ' ';
	memcpy(ps->last + have + 1, s, n);
	ps->last[have + 1 + n] = '\0';
	return 0;
}

static int one_line(struct parse *ps, const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return fail(ps, PB_REQUIREMENT_E_SYNTAX, "NUL byte in the file "
		    "(not a text file?)");
	if (n > PB_REQUIREMENT_LINE_MAX)
		return fail(ps, PB_REQUIREMENT_E_SYNTAX, "line longer than %d "
		    "characters", PB_REQUIREMENT_LINE_MAX);
	if (!pb_text_utf8_valid(s, n))
		return fail(ps, PB_REQUIREMENT_E_SYNTAX, "not UTF-8 text");
	if (n && s[n - 1] == '\r')
		n--;
	const char *t = s;
	size_t tn = n;
	trim(&t, &tn);
	if (tn == 0 || t[0] == ';' || t[0] == '#')
		return 0;
	if (t != s)    /* indented */
		return continuation(ps, t, tn);
	if (ps->list)
		return fail(ps, PB_REQUIREMENT_E_VALUE, "[%s] %s: the list ends "
		    "in ',' and no indented line goes on with it",
		    ps->cur->id, ps->list->name);
	ps->last = NULL;
	if (t[0] == '[') {
		const char *close = memchr(t, ']', tn);
		if (!close)
			return fail(ps, PB_REQUIREMENT_E_SYNTAX, "'[' without ']'");
		const char *rest = close + 1;
		size_t rn = tn - (size_t)(rest - t);
		trim(&rest, &rn);
		if (rn && rest[0] != ';' && rest[0] != '#')
			return fail(ps, PB_REQUIREMENT_E_SYNTAX, "text after "
			    "']'");
		return section(ps, t + 1, (size_t)(close - t - 1));
	}
	return key_value(ps, t, tn);
}

void pb_requirement_set_free(struct pb_requirement_set *set)
{
	if (!set)
		return;
	free(set->req);
	memset(set, 0, sizeof *set);
}

int pb_requirement_parse(struct pb_requirement_set *set, const char *text,
    size_t len, const char *name, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!set || (!text && len))
		return PB_REQUIREMENT_E_ARG;
	memset(set, 0, sizeof *set);
	struct parse ps = { .name = name ? name : "(requirements)", .err = err,
		.errlen = errlen, .set = set };
	size_t pos = 0;
	while (pos < len && !ps.rc) {
		size_t e = pos;
		while (e < len && text[e] != '\n')
			e++;
		ps.line++;
		one_line(&ps, text + pos, e - pos);
		pos = e + 1;
	}
	if (!ps.rc && ps.list)
		fail(&ps, PB_REQUIREMENT_E_VALUE, "[%s] %s: the list ends in ','",
		    ps.cur->id, ps.list->name);
	if (!ps.rc)
		end_section(&ps);
	if (!ps.rc && set->n == 0) {
		ps.line = 0;
		fail(&ps, PB_REQUIREMENT_E_KEY, "no requirement in the file");
	}
	if (ps.rc) {
		pb_requirement_set_free(set);
		return ps.rc;
	}
	return PB_REQUIREMENT_OK;
}

int pb_requirement_load(struct pb_requirement_set *set, const char *path,
    char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!set || !path)
		return PB_REQUIREMENT_E_ARG;
	memset(set, 0, sizeof *set);
	char *buf = NULL;
	size_t n = 0;
	char why[128];
	int frc = pb_file_read_all(path, PB_REQUIREMENT_FILE_MAX, 0, &buf, &n,
	    why, sizeof why);
	if (frc != PB_FILE_OK) {
		if (err && errlen) {
			char raw[1024];
			snprintf(raw, sizeof raw, "%s:0: %s", path, why);
			pb_text_escape_str(err, errlen, raw);
		}
		return PB_REQUIREMENT_E_OPEN;
	}
	int rc = pb_requirement_parse(set, buf, n, path, err, errlen);
	if (rc == PB_REQUIREMENT_OK) {
		snprintf(set->path, sizeof set->path, "%s", path);
		pb_sha256_hex(buf, n, set->sha256);
	}
	free(buf);
	return rc;
}

int pb_requirement_default_path(char *path, size_t n)
{
	return pb_datadir_find(NULL, "requirements/safety.ini", path, n);
}

const struct pb_requirement *pb_requirement_find(
    const struct pb_requirement_set *set, const char *id)
{
	if (!set || !id)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->req[i].id, id) == 0)
			return &set->req[i];
	return NULL;
}

const struct pb_requirement_limit *pb_requirement_limit(
    const struct pb_requirement *r, const char *name, const char *profile)
{
	if (!r || !name)
		return NULL;
	const struct pb_requirement_limit *any = NULL;
	for (int i = 0; i < r->n_limits; i++) {
		const struct pb_requirement_limit *l = &r->limits[i];
		if (strcmp(l->name, name) != 0)
			continue;
		if (!l->profile[0])
			any = l;
		else if (profile && strcmp(l->profile, profile) == 0)
			return l;
	}
	return any;
}
