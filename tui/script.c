/*
 * tui/script.c - headless run scripts (see script.h for the promise).
 */
#include "tui/script.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "proto/msg.h"

void pb_script_init(struct pb_script *s)
{
	memset(s, 0, sizeof *s);
}

void pb_script_free(struct pb_script *s)
{
	free(s->steps);
	memset(s, 0, sizeof *s);
}

static const char *const op_names[] = {
	[PB_SOP_START] = "start", [PB_SOP_STOP] = "stop",
	[PB_SOP_MODE] = "mode", [PB_SOP_LEVEL] = "level",
	[PB_SOP_DOUBLE] = "double", [PB_SOP_SINGLE] = "single",
	[PB_SOP_MARKER] = "marker", [PB_SOP_CLEAR] = "clear",
	[PB_SOP_END] = "end",
};
#define NOPS (sizeof op_names / sizeof op_names[0])

const char *pb_script_op_name(enum pb_script_op op)
{
	if ((unsigned)op >= NOPS || !op_names[op])
		return "?";
	return op_names[op];
}

int pb_script_mode_parse(const char *s)
{
	if (!strcmp(s, "stimulation") || !strcmp(s, "stim"))
		return PB_MODE_STIMULATION;
	if (!strcmp(s, "expression") || !strcmp(s, "expr"))
		return PB_MODE_EXPRESSION;
	if (!strcmp(s, "mixed"))
		return PB_MODE_MIXED;
	return 0;
}

const char *pb_script_describe(const struct pb_script_step *st, char *buf,
    size_t n)
{
	switch (st->op) {
	case PB_SOP_MODE:
		snprintf(buf, n, "mode %s", pb_mode_name((uint8_t)st->value));
		break;
	case PB_SOP_LEVEL:
		snprintf(buf, n, "level %d", st->value);
		break;
	case PB_SOP_MARKER:
		snprintf(buf, n, "marker%s%s", st->label[0] ? " " : "",
		    st->label);
		break;
	default:
		snprintf(buf, n, "%s", pb_script_op_name(st->op));
		break;
	}
	return buf;
}

static uint64_t last_at(const struct pb_script *s)
{
	return s->n ? s->steps[s->n - 1].at_us : 0;
}

/* Append without the checks of time order (the callers made them). */
static int push(struct pb_script *s, const struct pb_script_step *st)
{
	if (s->n >= PB_SCRIPT_MAX_STEPS)
		return -1;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		if (cap > PB_SCRIPT_MAX_STEPS)
			cap = PB_SCRIPT_MAX_STEPS;
		struct pb_script_step *p = realloc(s->steps, cap * sizeof *p);
		if (!p)
			return -1;
		s->steps = p;
		s->cap = cap;
	}
	s->steps[s->n++] = *st;
	if (st->op == PB_SOP_END)
		s->has_end = true;
	return 0;
}

int pb_script_add(struct pb_script *s, uint64_t at_us, enum pb_script_op op,
    int value, const char *label)
{
	if (s->has_end || at_us < last_at(s) || at_us > PB_SCRIPT_MAX_US ||
	    (unsigned)op >= NOPS || !op_names[op])
		return -1;
	struct pb_script_step st;
	memset(&st, 0, sizeof st);
	st.at_us = at_us;
	st.op = op;
	st.value = value;
	if (label)
		snprintf(st.label, sizeof st.label, "%s", label);
	return push(s, &st);
}

size_t pb_script_due(const struct pb_script *s, size_t next,
    uint64_t elapsed_us)
{
	while (next < s->n && s->steps[next].at_us <= elapsed_us)
		next++;
	return next;
}

uint64_t pb_script_next_at(const struct pb_script *s, size_t next)
{
	return next < s->n ? s->steps[next].at_us : UINT64_MAX;
}

/* ---- the parser ------------------------------------------------------------ */

struct parse {
	const char *name;     /* escaped */
	unsigned line;
	char *err;
	size_t errlen;
};

static int fail(struct parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(struct parse *p, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line, msg);
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Seconds with at most 6 decimals into microseconds; -1 when it is not
 * one (or past PB_SCRIPT_MAX_US). */
static int parse_time(const char *t, uint64_t *us)
{
	uint64_t whole = 0, frac = 0;
	int nd = 0, nf = 0;
	const char *c = t;
	for (; *c >= '0' && *c <= '9'; c++, nd++) {
		if (nd >= 9)
			return -1;
		whole = whole * 10 + (uint64_t)(*c - '0');
	}
	if (*c == '.') {
		c++;
		for (; *c >= '0' && *c <= '9'; c++, nf++) {
			if (nf >= 6)
				return -1;
			frac = frac * 10 + (uint64_t)(*c - '0');
		}
		if (nf == 0)
			return -1;
	}
	if (*c || nd == 0)
		return -1;
	for (int i = nf; i < 6; i++)
		frac *= 10;
	uint64_t v = whole * 1000000u + frac;
	if (v > PB_SCRIPT_MAX_US)
		return -1;
	*us = v;
	return 0;
}

/* Split off the next word of *rest (NUL-terminating it in place). */
static char *word(char **rest)
{
	char *c = *rest;
	while (is_space(*c))
		c++;
	if (!*c) {
		*rest = c;
		return NULL;
	}
	char *w = c;
	while (*c && !is_space(*c))
		c++;
	if (*c)
		*c++ = '\0';
	*rest = c;
	return w;
}

static int check_label(struct parse *p, const char *l)
{
	size_t n = strlen(l);
	char q[96];
	pb_text_escape_str(q, sizeof q, l);
	if (n > PB_SCRIPT_LABEL_MAX)
		return fail(p, "marker label '%s' is longer than %d bytes", q,
		    PB_SCRIPT_LABEL_MAX);
	if (!pb_text_utf8_valid(l, n))
		return fail(p, "marker label '%s' is not valid UTF-8", q);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		if (c < 0x20 && c != '\t')
			return fail(p, "marker label '%s' holds a control "
			    "character", q);
		if (c == 0x7f)
			return fail(p, "marker label '%s' holds a control "
			    "character", q);
		if (c == ',' || c == '"')
			return fail(p, "marker label '%s': no ',' or '\"' in "
			    "a label (a recording's text field)", q);
	}
	return 0;
}

/* One line (already cut at its end, comment and CR removed). */
static int parse_line(struct pb_script *s, struct parse *p, char *text)
{
	char *rest = text;
	char *t = word(&rest);
	if (!t)
		return 0;   /* blank */
	char q[96];
	bool rel = t[0] == '+';
	uint64_t us;
	if (parse_time(rel ? t + 1 : t, &us) < 0) {
		pb_text_escape_str(q, sizeof q, t);
		return fail(p, "'%s' is not a time (seconds from the pump's "
		    "answer, e.g. 2.5, or +S after the step before)", q);
	}
	uint64_t prev = last_at(s);
	if (rel) {
		us += prev;
		if (us > PB_SCRIPT_MAX_US)
			return fail(p, "time past 10000000 s");
	} else if (us < prev) {
		return fail(p, "time %s s goes back (the step before is at "
		    "%.6g s): steps run in the order of the file", t,
		    (double)prev / 1e6);
	}
	if (s->has_end)
		return fail(p, "a step after 'end'");
	char *a = word(&rest);
	if (!a)
		return fail(p, "a time but no action (start, stop, mode M, "
		    "level N, double, single, marker [LABEL], clear, end)");
	struct pb_script_step st;
	memset(&st, 0, sizeof st);
	st.at_us = us;
	st.line = p->line;
	int op = 0;
	for (size_t i = 1; i < NOPS; i++)
		if (op_names[i] && !strcmp(a, op_names[i]))
			op = (int)i;
	if (!op) {
		pb_text_escape_str(q, sizeof q, a);
		return fail(p, "unknown action '%s' (start, stop, mode M, "
		    "level N, double, single, marker [LABEL], clear, end)", q);
	}
	st.op = (enum pb_script_op)op;
	if (st.op == PB_SOP_MARKER) {
		/* the rest of the line, trimmed, is the label */
		while (is_space(*rest))
			rest++;
		size_t n = strlen(rest);
		while (n && is_space(rest[n - 1]))
			rest[--n] = '\0';
		if (check_label(p, rest) < 0)
			return -1;
		memcpy(st.label, rest, n + 1);
	} else if (st.op == PB_SOP_MODE || st.op == PB_SOP_LEVEL) {
		char *v = word(&rest);
		if (!v)
			return fail(p, "'%s' needs a value (%s)", a,
			    st.op == PB_SOP_MODE ? "stimulation, expression "
			    "or mixed" : "a level, 1 to 15");
		pb_text_escape_str(q, sizeof q, v);
		if (st.op == PB_SOP_MODE) {
			st.value = pb_script_mode_parse(v);
			if (!st.value)
				return fail(p, "unknown mode '%s' (stimulation, "
				    "expression or mixed)", q);
		} else {
			int lv = 0;
			const char *c = v;
			for (; *c >= '0' && *c <= '9' && lv <= 99; c++)
				lv = lv * 10 + (*c - '0');
			if (*c || c == v || lv < 1 || lv > PB_SCRIPT_MAX_LEVEL)
				return fail(p, "level '%s' is not 1 to %d", q,
				    PB_SCRIPT_MAX_LEVEL);
			st.value = lv;
		}
	}
	if (st.op != PB_SOP_MARKER) {
		char *extra = word(&rest);
		if (extra) {
			pb_text_escape_str(q, sizeof q, extra);
			return fail(p, "'%s' after '%s': one action a line", q,
			    a);
		}
	}
	if (push(s, &st) < 0)
		return fail(p, "too many steps (at most %u) or out of memory",
		    PB_SCRIPT_MAX_STEPS);
	return 0;
}

int pb_script_parse(struct pb_script *s, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	char ename[256];
	pb_text_escape_str(ename, sizeof ename, name ? name : "script");
	struct parse p = { .name = ename, .line = 0, .err = err,
	    .errlen = errlen };
	size_t n0 = s->n;
	bool end0 = s->has_end;
	if (errlen)
		err[0] = '\0';
	if (len > PB_SCRIPT_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", ename,
		    PB_SCRIPT_MAX_BYTES);
		return -1;
	}
	char buf[PB_SCRIPT_MAX_LINE + 1];
	size_t i = 0;
	int rc = 0;
	while (i < len && rc == 0) {
		p.line++;
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		size_t n = e - i;
		if (memchr(text + i, '\0', n)) {
			rc = fail(&p, "a NUL byte: not a text file");
			break;
		}
		if (n && text[i + n - 1] == '\r')
			n--;
		if (n > PB_SCRIPT_MAX_LINE) {
			rc = fail(&p, "line longer than %d bytes",
			    PB_SCRIPT_MAX_LINE);
			break;
		}
		memcpy(buf, text + i, n);
		buf[n] = '\0';
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		if (memchr(buf, '\r', strlen(buf))) {
			rc = fail(&p, "a carriage return inside the line");
			break;
		}
		rc = parse_line(s, &p, buf);
		i = e + 1;
	}
	if (rc < 0) {
		s->n = n0;
		s->has_end = end0;
	}
	return rc;
}
