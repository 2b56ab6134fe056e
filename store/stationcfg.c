/*
 * store/stationcfg.c - station config files (see stationcfg.h).
 */
#include "store/stationcfg.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "base/file.h"
#include "store/record.h"

#define MAX_FILE (64 * 1024)

struct ctx {
	struct pb_stationcfg *c;
	const char *name;
	const char *buf;
	size_t len, pos;
	int line;
	int err, err_line;
	char *msg;
	size_t msglen;
	bool seen_due, seen_id, seen_name;
	int line_of_due;
};

static void fail(struct ctx *x, int err, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(struct ctx *x, int err, int line, const char *fmt, ...)
{
	if (x->err)
		return;
	x->err = err;
	x->err_line = line;
	if (!x->msg || x->msglen == 0)
		return;
	int n = line > 0 ?
	    snprintf(x->msg, x->msglen, "%s:%d: ", x->name, line) :
	    snprintf(x->msg, x->msglen, "%s: ", x->name);
	if (n < 0 || (size_t)n >= x->msglen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->msg + n, x->msglen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* one whole line per call; NUL bytes become spaces; a line too long is
 * an error, never split */
static char *reader(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	if (x->pos >= x->len || num < 2)
		return NULL;
	size_t cap = (size_t)num - 2, n = 0;
	bool too_long = false;
	while (x->pos < x->len) {
		char ch = x->buf[x->pos++];
		if (ch == '\n')
			break;
		if (n < cap)
			str[n++] = ch == '\0' ? ' ' : ch;
		else
			too_long = true;
	}
	str[n++] = '\n';
	str[n] = '\0';
	x->line++;
	if (too_long)
		fail(x, PB_STATIONCFG_E_SYNTAX, x->line, "line longer than %d "
		    "characters", num - 2);
	return str;
}

int pb_station_name_ok(const char *s)
{
	size_t l = strlen(s);
	if (l == 0 || l > PB_STATION_NAME_MAX)
		return 0;
	for (size_t i = 0; i < l; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* printable text without control characters (UTF-8 allowed) */
static bool text_ok(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void set(struct ctx *x, char *dst, size_t n, const char *key,
    const char *v)
{
	if (strlen(v) >= n) {
		fail(x, PB_STATIONCFG_E_VALUE, x->line, "%s is longer than %zu "
		    "characters", key, n - 1);
		return;
	}
	if (!text_ok(v)) {
		fail(x, PB_STATIONCFG_E_VALUE, x->line, "%s holds a control "
		    "character", key);
		return;
	}
	snprintf(dst, n, "%s", v);
}

/* a relative key path is relative to the config file's directory */
static void set_key(struct ctx *x, const char *v)
{
	struct pb_stationcfg *c = x->c;
	const char *slash = strrchr(x->name, '/');
	if (v[0] == '/' || slash == NULL) {
		set(x, c->key_path, sizeof c->key_path, "key", v);
		return;
	}
	char full[2048];
	snprintf(full, sizeof full, "%.*s/%s", (int)(slash - x->name),
	    x->name, v);
	set(x, c->key_path, sizeof c->key_path, "key", full);
}

static int handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct ctx *x = user;
	struct pb_stationcfg *c = x->c;
	if (x->err)
		return 1;
	if (key == NULL)      /* a section start, where inih reports it */
		return 1;
	if (value == NULL)
		value = "";
	if (strcmp(section, "station") == 0) {
		if (strcmp(key, "name") == 0) {
			if (!pb_station_name_ok(value))
				fail(x, PB_STATIONCFG_E_VALUE, x->line, "name = "
				    "'%.40s': 1 to %d printable characters, no "
				    "spaces", value, PB_STATION_NAME_MAX);
			else
				snprintf(c->name, sizeof c->name, "%s", value);
			x->seen_name = true;
		} else if (strcmp(key, "key") == 0) {
			if (value[0] == '\0')
				fail(x, PB_STATIONCFG_E_VALUE, x->line,
				    "key is empty");
			else
				set_key(x, value);
		} else {
			fail(x, PB_STATIONCFG_E_KEY, x->line, "unknown key "
			    "'%.40s' in [station] (name, key)", key);
		}
	} else if (strcmp(section, "gauge") == 0) {
		if (strcmp(key, "id") == 0) {
			if (value[0] == '\0')
				fail(x, PB_STATIONCFG_E_VALUE, x->line,
				    "id is empty");
			else
				set(x, c->gauge_id, sizeof c->gauge_id, "id",
				    value);
			x->seen_id = true;
		} else if (strcmp(key, "due") == 0) {
			long d = pb_record_date_days(value);
			if (d < 0)
				fail(x, PB_STATIONCFG_E_VALUE, x->line, "due = "
				    "%.40s is not a date (YYYY-MM-DD)", value);
			else {
				snprintf(c->gauge_due, sizeof c->gauge_due,
				    "%s", value);
				c->gauge_due_days = d;
			}
			x->seen_due = true;
		} else if (strcmp(key, "description") == 0) {
			set(x, c->gauge_desc, sizeof c->gauge_desc,
			    "description", value);
		} else {
			fail(x, PB_STATIONCFG_E_KEY, x->line, "unknown key "
			    "'%.40s' in [gauge] (id, due, description)", key);
		}
	} else if (strcmp(section, "store") == 0) {
		if (strcmp(key, "url") == 0) {
			struct pb_store_url u;
			char why[256];
			if (pb_store_url_parse(value, &u, why, sizeof why) != 0)
				fail(x, PB_STATIONCFG_E_VALUE, x->line, "url: "
				    "%s", why);
			else
				snprintf(c->store, sizeof c->store, "%s", value);
		} else {
			fail(x, PB_STATIONCFG_E_KEY, x->line, "unknown key "
			    "'%.40s' in [store] (url)", key);
		}
	} else if (section[0] == '\0') {
		fail(x, PB_STATIONCFG_E_KEY, x->line, "key '%.40s' outside any "
		    "section", key);
	} else {
		fail(x, PB_STATIONCFG_E_KEY, x->line, "unknown section "
		    "[%.40s] (station, gauge, store)", section);
	}
	return x->err ? 0 : 1;
}

int pb_stationcfg_parse(struct pb_stationcfg *out, const char *name,
    const char *buf, size_t len, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct ctx x = { .c = out, .name = name ? name : "(memory)",
		.buf = buf, .len = buf ? len : 0, .msg = err,
		.msglen = errlen };
	if (err && errlen)
		err[0] = '\0';
	snprintf(out->path, sizeof out->path, "%s", x.name);
	int rc = ini_parse_stream(reader, &x, handler, &x);
	if (rc < 0)
		fail(&x, PB_STATIONCFG_E_SYNTAX, 0, "cannot parse (out of "
		    "memory)");
	else if (rc > 0 && (!x.err || rc < x.err_line)) {
		/* inih met a syntax error before our first complaint */
		x.err = 0;
		fail(&x, PB_STATIONCFG_E_SYNTAX, rc, "syntax error (expected "
		    "[section] or key = value)");
	}
	if (!x.err && !x.seen_name)
		fail(&x, PB_STATIONCFG_E_MISSING, 0, "[station] name is "
		    "required");
	if (!x.err && !x.seen_id)
		fail(&x, PB_STATIONCFG_E_MISSING, 0, "[gauge] id is required "
		    "(the reference gauge the station calibrates against)");
	if (!x.err && !x.seen_due)
		fail(&x, PB_STATIONCFG_E_MISSING, 0, "[gauge] due is required "
		    "(the gauge's calibration due date)");
	if (x.err) {
		memset(out, 0, sizeof *out);
		return x.err;
	}
	return 0;
}

int pb_stationcfg_load(struct pb_stationcfg *out, const char *path,
    char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char *buf = NULL, why[256];
	size_t len = 0;
	int rc = pb_file_read_all(path, MAX_FILE, 0, &buf, &len, why,
	    sizeof why);
	if (rc != PB_FILE_OK) {
		snprintf(err, errlen, "%s:0: %s", path, why);
		return PB_STATIONCFG_E_OPEN;
	}
	rc = pb_stationcfg_parse(out, path, buf, len, err, errlen);
	free(buf);
	return rc;
}
