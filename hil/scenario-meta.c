/*
 * hil/scenario-meta.c - the --@ header of a scenario (pure) and reading a
 * scenario's metadata from its file.  See scenario.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil/scenario.h"
#include "base/datadir.h"
#include "base/file.h"
#include "base/text.h"
#include "hil/fixture-sim.h"

const char *pb_scenario_strerror(int err)
{
	switch (err) {
	case PB_SCENARIO_OK: return "ok";
	case PB_SCENARIO_E_OPEN: return "cannot read scenario";
	case PB_SCENARIO_E_META: return "bad scenario metadata";
	}
	return "unknown scenario error";
}

/* ---- metadata (pure) --------------------------------------------------- */

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	size_t i = 0;
	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static void default_name(const char *path, char *out, size_t n)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(out, n, "%s", b);
	char *dot = strrchr(out, '.');
	if (dot && strcmp(dot, ".lua") == 0)
		*dot = '\0';
}

/* --@verifies ID [ID...]: requirement IDs ([A-Za-z0-9._-], 1 to 63
 * characters, separated by spaces or commas; the line may repeat), added
 * to list once each */
static int add_requirements(char *list, size_t cap, const char *val,
    const char *name, int line, char *err, size_t errlen)
{
	const char *p = val;
	bool any = false;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		size_t n = 0;
		while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != ',') {
			char c = p[n];
			if (!isalnum((unsigned char)c) && c != '.' && c != '_' &&
			    c != '-') {
				snprintf(err, errlen, "%s:%d: --@verifies: a "
				    "requirement ID is letters, digits, '.', '_' "
				    "and '-'", name, line);
				return -1;
			}
			n++;
		}
		if (n > 63) {
			snprintf(err, errlen, "%s:%d: --@verifies: a requirement "
			    "ID is at most 63 characters", name, line);
			return -1;
		}
		any = true;
		/* already listed? */
		bool dup = false;
		for (const char *q = list; *q;) {
			size_t k = strcspn(q, " ");
			if (k == n && strncmp(q, p, n) == 0)
				dup = true;
			q += k;
			while (*q == ' ')
				q++;
		}
		size_t len = strlen(list);
		if (!dup) {
			if (len + (len ? 1 : 0) + n + 1 > cap) {
				snprintf(err, errlen, "%s:%d: --@verifies: more "
				    "than %zu characters of requirement IDs",
				    name, line, cap - 1);
				return -1;
			}
			snprintf(list + len, cap - len, "%s%.*s", len ? " " : "",
			    (int)n, p);
		}
		p += n;
	}
	if (!any) {
		snprintf(err, errlen, "%s:%d: --@verifies needs a requirement "
		    "ID", name, line);
		return -1;
	}
	return 0;
}

static int parse_meta(const char *text, size_t len, const char *name,
    struct pb_scenario_meta *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	default_name(name, m->name, sizeof m->name);
	size_t pos = 0;
	int line = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		char buf[512];
		size_t n = end - pos;
		if (n >= sizeof buf)
			n = sizeof buf - 1;
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos = end + 1;
		if (memchr(buf, '\0', n)) {
			snprintf(err, errlen, "%s:%d: NUL byte in scenario",
			    name, line);
			return PB_SCENARIO_E_META;
		}
		trim(buf);
		if (line == 1 && buf[0] == '#')   /* shebang */
			continue;
		if (buf[0] == '\0')
			continue;
		if (strncmp(buf, "--", 2) != 0)
			break;                        /* first line of code */
		if (buf[2] != '@')
			continue;                     /* ordinary comment */
		char *key = buf + 3;
		char *val = key;
		while (*val && !isspace((unsigned char)*val))
			val++;
		if (*val)
			*val++ = '\0';
		trim(val);
		struct { const char *k; char *dst; size_t cap; } strs[] = {
			{ "name", m->name, sizeof m->name },
			{ "profile", m->profile, sizeof m->profile },
			{ "defect", m->defect, sizeof m->defect },
			{ "requires", m->requires, sizeof m->requires },
			{ "description", m->description, sizeof m->description },
		};
		bool known = false;
		for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
			if (strcmp(key, strs[i].k) != 0)
				continue;
			known = true;
			if (!*val || strlen(val) >= strs[i].cap) {
				snprintf(err, errlen, "%s:%d: --@%s needs a value "
				    "(at most %zu characters)", name, line, key,
				    strs[i].cap - 1);
				return PB_SCENARIO_E_META;
			}
			snprintf(strs[i].dst, strs[i].cap, "%s", val);
		}
		if (strcmp(key, "verifies") == 0) {
			known = true;
			if (add_requirements(m->verifies, sizeof m->verifies,
			    val, name, line, err, errlen) != 0)
				return PB_SCENARIO_E_META;
		}
		if (strcmp(key, "timeout") == 0) {
			known = true;
			char *e = NULL;
			errno = 0;
			double t = strtod(val, &e);
			if (errno || e == val || *e || !(t > 0 && t <= 86400)) {
				snprintf(err, errlen, "%s:%d: --@timeout wants "
				    "seconds in (0, 86400], got '%s'", name, line,
				    val);
				return PB_SCENARIO_E_META;
			}
			m->timeout_s = t;
		}
		if (!known) {
			snprintf(err, errlen, "%s:%d: unknown metadata key "
			    "'--@%s' (name, profile, defect, requires, timeout, "
			    "description, verifies)", name, line, key);
			return PB_SCENARIO_E_META;
		}
		if (strcmp(key, "requires") == 0 &&
		    strcmp(m->requires, "sim") != 0 &&
		    strcmp(m->requires, "ftdi") != 0) {
			snprintf(err, errlen, "%s:%d: --@requires wants sim or "
			    "ftdi, got '%s'", name, line, m->requires);
			return PB_SCENARIO_E_META;
		}
		if (strcmp(key, "defect") == 0) {
			unsigned bit;
			if (pb_fixture_sim_defect(m->defect, &bit) != PB_FIX_OK) {
				snprintf(err, errlen, "%s:%d: unknown defect "
				    "switch '%s'", name, line, m->defect);
				return PB_SCENARIO_E_META;
			}
		}
	}
	return PB_SCENARIO_OK;
}

/* Messages quote the scenario's bytes: escaped for the terminal. */
int pb_scenario_parse_meta(const char *text, size_t len, const char *name,
    struct pb_scenario_meta *m, char *err, size_t errlen)
{
	int rc = parse_meta(text, len, name, m, err, errlen);
	if (rc != PB_SCENARIO_OK && errlen) {
		char raw[1024];
		snprintf(raw, sizeof raw, "%s", err);
		pb_text_escape_str(err, errlen, raw);
	}
	return rc;
}

int pb_scenario_read(const char *path, char **text, size_t *len, char *err,
    size_t errlen)
{
	char why[128];
	int rc = pb_file_read_all(path, PB_SCENARIO_MAX_FILE, 0, text, len, why,
	    sizeof why);
	if (rc != PB_FILE_OK) {
		char raw[1024];
		snprintf(raw, sizeof raw, "%s: %s", path, why);
		pb_text_escape_str(err, errlen, raw);
		return PB_SCENARIO_E_OPEN;
	}
	return PB_SCENARIO_OK;
}

int pb_scenario_find(const char *arg, char *path, size_t n, char *err,
    size_t errlen)
{
	size_t len = strlen(arg);
	char earg[256];
	if (err && errlen)
		err[0] = '\0';
	if (strchr(arg, '/') || (len > 4 && !strcmp(arg + len - 4, ".lua"))) {
		if (len >= n) {
			pb_text_escape_str(earg, sizeof earg, arg);
			if (err && errlen)
				snprintf(err, errlen, "%s: path too long", earg);
			return PB_SCENARIO_E_OPEN;
		}
		memcpy(path, arg, len + 1);
		return PB_SCENARIO_OK;
	}
	bool name = len > 0 && len <= 128 && arg[0] != '.';
	for (const char *p = arg; name && *p; p++)
		name = isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
		    *p == '.';
	pb_text_escape_str(earg, sizeof earg, arg);
	if (!name) {
		if (err && errlen)
			snprintf(err, errlen, "'%s' is neither a scenario file "
			    "(a path, or NAME.lua) nor a scenario name", earg);
		return PB_SCENARIO_E_OPEN;
	}
	struct pb_datadirs dirs;
	pb_datadir_get(&dirs);
	char rel[160];
	snprintf(rel, sizeof rel, "scenarios/%s.lua", arg);
	if (pb_datadir_find(&dirs, rel, path, n) == 0)
		return PB_SCENARIO_OK;
	if (err && errlen) {
		char where[3 * PATH_MAX];
		pb_datadir_describe(&dirs, "scenarios", where, sizeof where);
		snprintf(err, errlen, "no scenario '%s' (no %s.lua in %s)",
		    earg, earg, where);
	}
	return PB_SCENARIO_E_OPEN;
}

int pb_scenario_read_meta(const char *path, struct pb_scenario_meta *m,
    char *err, size_t errlen)
{
	size_t len = 0;
	char *text = NULL;
	err[0] = '\0';
	if (pb_scenario_read(path, &text, &len, err, errlen) !=
	    PB_SCENARIO_OK) {
		memset(m, 0, sizeof *m);
		default_name(path, m->name, sizeof m->name);
		return PB_SCENARIO_E_OPEN;
	}
	int rc = pb_scenario_parse_meta(text, len, path, m, err, errlen);
	free(text);
	return rc;
}
