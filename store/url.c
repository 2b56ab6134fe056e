/*
 * store/url.c - store specs (see url.h).
 */
#include "store/url.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void msg(char *err, size_t errlen, const char *s)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", s);
}

const char *pb_store_kind_name(enum pb_store_kind k)
{
	switch (k) {
	case PB_STORE_SQLITE: return "sqlite";
	case PB_STORE_PG: return "postgresql";
	default: return "none";
	}
}

static bool has_prefix_ci(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

/* length of a URL scheme "abc+d.e-f:" at s (letters first), 0 if none */
static size_t scheme_len(const char *s)
{
	if (!isalpha((unsigned char)s[0]))
		return 0;
	size_t i = 1;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '.' ||
	    s[i] == '-')
		i++;
	return s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/' ? i : 0;
}

int pb_store_url_parse(const char *spec, struct pb_store_url *out, char *err,
    size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (spec == NULL || spec[0] == '\0') {
		msg(err, errlen, "empty store spec (give a file or a "
		    "postgresql:// URL)");
		return -1;
	}
	size_t len = strlen(spec);
	if (len > PB_STORE_SPEC_MAX) {
		msg(err, errlen, "store spec longer than 2048 bytes");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)spec[i];
		if (c < 0x20 || c == 0x7f) {
			msg(err, errlen, "store spec holds a control character");
			return -1;
		}
	}
	pb_store_url_redact(spec, out->shown, sizeof out->shown);

	if (has_prefix_ci(spec, "postgresql://") ||
	    has_prefix_ci(spec, "postgres://")) {
		for (size_t i = 0; i < len; i++) {
			if (spec[i] == ' ') {
				msg(err, errlen, "PostgreSQL URL holds a space "
				    "(write it as %20)");
				return -1;
			}
			if (spec[i] != '%')
				continue;
			if (!isxdigit((unsigned char)spec[i + 1]) ||
			    !isxdigit((unsigned char)spec[i + 2])) {
				msg(err, errlen, "PostgreSQL URL has a bad %-escape "
				    "(% must be followed by two hex digits)");
				return -1;
			}
			if (spec[i + 1] == '0' && spec[i + 2] == '0') {
				msg(err, errlen, "PostgreSQL URL holds %00");
				return -1;
			}
		}
		out->kind = PB_STORE_PG;
		snprintf(out->target, sizeof out->target, "%s", spec);
		return 0;
	}
	const char *path = spec;
	if (has_prefix_ci(spec, "sqlite:")) {
		path = spec + 7;
		/* sqlite:///abs/path and sqlite://rel are URL habits */
		if (strncmp(path, "//", 2) == 0)
			path += 2;
	} else if (scheme_len(spec) > 0) {
		msg(err, errlen, "unknown store scheme (use a file path, "
		    "sqlite:PATH or postgresql://...)");
		return -1;
	}
	if (path[0] == '\0') {
		msg(err, errlen, "sqlite: needs a file path");
		return -1;
	}
	size_t pl = strlen(path);
	if (path[pl - 1] == '/') {
		msg(err, errlen, "the SQLite store must be a file, not a "
		    "directory");
		return -1;
	}
	out->kind = PB_STORE_SQLITE;
	snprintf(out->target, sizeof out->target, "%s", path);
	return 0;
}

/* copy src[0..n) to out at *o, bounded */
static void put(char *out, size_t outlen, size_t *o, const char *src, size_t n)
{
	for (size_t i = 0; i < n && *o + 1 < outlen; i++)
		out[(*o)++] = src[i];
}

void pb_store_url_redact(const char *spec, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	out[0] = '\0';
	if (spec == NULL)
		return;
	size_t o = 0, len = strlen(spec);
	size_t sl = scheme_len(spec);
	size_t i = 0;
	if (sl > 0) {
		/* authority: up to the first '/', '?' or '#' after "://" */
		size_t a = sl + 3, end = a;
		while (end < len && spec[end] != '/' && spec[end] != '?' &&
		    spec[end] != '#')
			end++;
		/* the last '@' ends the user info (a password may hold '@'
		 * only escaped, but be generous) */
		size_t at = 0;
		for (size_t k = a; k < end; k++)
			if (spec[k] == '@')
				at = k;
		put(out, outlen, &o, spec, a);
		if (at) {
			size_t colon = 0;
			for (size_t k = a; k < at; k++)
				if (spec[k] == ':') {
					colon = k;
					break;
				}
			if (colon) {
				put(out, outlen, &o, spec + a, colon + 1 - a);
				put(out, outlen, &o, "***", 3);
				put(out, outlen, &o, spec + at, end - at);
			} else {
				put(out, outlen, &o, spec + a, end - a);
			}
		} else {
			put(out, outlen, &o, spec + a, end - a);
		}
		i = end;
	}
	/* query parameters named password */
	bool in_query = false;
	while (i < len) {
		char c = spec[i];
		if (c == '?')
			in_query = true;
		bool at_key = in_query && (c == '?' || c == '&');
		put(out, outlen, &o, &spec[i], 1);
		i++;
		if (at_key && strncasecmp(spec + i, "password=", 9) == 0) {
			put(out, outlen, &o, spec + i, 9);
			put(out, outlen, &o, "***", 3);
			i += 9;
			while (i < len && spec[i] != '&' && spec[i] != '#')
				i++;
		}
	}
	out[o] = '\0';
}

int pb_store_default_path(const char *xdg_data_home, const char *home,
    char *out, size_t outlen, char *err, size_t errlen)
{
	int n;
	/* XDG: a relative value is invalid and must be ignored */
	if (xdg_data_home && xdg_data_home[0] == '/')
		n = snprintf(out, outlen, "%s/pumpbench/records.db",
		    xdg_data_home);
	else if (home && home[0] == '/')
		n = snprintf(out, outlen, "%s/.local/share/pumpbench/records.db",
		    home);
	else {
		msg(err, errlen, "no default records file: neither "
		    "XDG_DATA_HOME nor HOME is an absolute path (give --db)");
		return -1;
	}
	if (n < 0 || (size_t)n >= outlen) {
		msg(err, errlen, "default records path too long (give --db)");
		return -1;
	}
	return 0;
}
