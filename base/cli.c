/*
 * base/cli.c - the shared command-line convention (see cli.h).
 */
#include "base/cli.h"

#include <langinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/text.h"
#include "base/version.h"

int pb_cli_color_parse(const char *s, enum pb_cli_color *out)
{
	static const struct { const char *name; enum pb_cli_color c; } t[] = {
		{ "auto", PB_CLI_COLOR_AUTO }, { "tty", PB_CLI_COLOR_AUTO },
		{ "if-tty", PB_CLI_COLOR_AUTO },
		{ "always", PB_CLI_COLOR_ALWAYS }, { "yes", PB_CLI_COLOR_ALWAYS },
		{ "force", PB_CLI_COLOR_ALWAYS },
		{ "never", PB_CLI_COLOR_NEVER }, { "no", PB_CLI_COLOR_NEVER },
		{ "none", PB_CLI_COLOR_NEVER },
	};
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].name) == 0) {
			if (out)
				*out = t[i].c;
			return 0;
		}
	return -1;
}

bool pb_cli_term_can_draw(const char *term)
{
	return term && *term && strcmp(term, "dumb") != 0 &&
	    strcmp(term, "unknown") != 0;
}

bool pb_cli_color_wanted(enum pb_cli_color when, bool is_tty,
    const char *no_color, const char *term)
{
	if (when == PB_CLI_COLOR_ALWAYS)
		return true;
	if (when == PB_CLI_COLOR_NEVER)
		return false;
	if (!is_tty || (no_color && *no_color))
		return false;
	return pb_cli_term_can_draw(term);
}

bool pb_cli_codeset_utf8(const char *codeset)
{
	return codeset && (strcasecmp(codeset, "UTF-8") == 0 ||
	    strcasecmp(codeset, "UTF8") == 0);
}

void pb_cli_env_read(struct pb_cli_env *e, enum pb_cli_color when)
{
	memset(e, 0, sizeof *e);
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");
	snprintf(e->term, sizeof e->term, "%s", term ? term : "");
	e->tty_in = isatty(STDIN_FILENO) == 1;
	e->tty_out = isatty(STDOUT_FILENO) == 1;
	e->color_out = pb_cli_color_wanted(when, e->tty_out, nc, term);
	e->color_err = pb_cli_color_wanted(when, isatty(STDERR_FILENO) == 1,
	    nc, term);
	e->utf8 = pb_cli_codeset_utf8(nl_langinfo(CODESET));
	e->term_can_draw = pb_cli_term_can_draw(term);
}

void pb_cli_version(FILE *f, const char *prog, int protocol_version)
{
	fprintf(f, "%s %s\nbuild date %s\nprotocol version %d\n", prog,
	    pb_version(), pb_version_build_date(), protocol_version);
}

int pb_cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s --help')\n", prog);
	return PB_CLI_EXIT_USAGE;
}

/* Optimal string alignment distance (Levenshtein plus transpositions),
 * capped: names longer than 63 bytes are never near. */
static int distance(const char *a, size_t la, const char *b, size_t lb)
{
	enum { N = 64 };
	if (la >= N || lb >= N)
		return 99;
	int d[N][N];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

static size_t name_len(const char *given)
{
	const char *eq = strchr(given, '=');
	return eq ? (size_t)(eq - given) : strlen(given);
}

const char *pb_cli_suggest(const char *given, const struct option *longs)
{
	if (!given || !longs)
		return NULL;
	size_t lg = name_len(given);
	const char *best = NULL;
	int bestd = 3;
	for (const struct option *o = longs; o->name; o++) {
		size_t ln = strlen(o->name);
		int d = distance(given, lg, o->name, ln);
		if (d < bestd && (size_t)d * 2 < ln) {
			bestd = d;
			best = o->name;
		}
	}
	return best;
}

int pb_cli_prefix_matches(const char *given, const struct option *longs,
    char *list, size_t listlen)
{
	if (list && listlen)
		list[0] = '\0';
	if (!given || !longs)
		return 0;
	size_t lg = name_len(given);
	int n = 0;
	size_t used = 0;
	for (const struct option *o = longs; o->name; o++) {
		if (lg == 0 || strncmp(o->name, given, lg) != 0)
			continue;
		if (list && listlen > used) {
			int w = snprintf(list + used, listlen - used, "%s--%s",
			    n ? ", " : "", o->name);
			if (w > 0)
				used += (size_t)w < listlen - used ? (size_t)w :
				    listlen - used - 1;
		}
		n++;
	}
	return n;
}

/* The long option that ARG ("--name" or "--name=value") names exactly,
 * or by a unique prefix; NULL when none or several. */
static const struct option *find_long(const char *arg,
    const struct option *longs)
{
	const char *name = arg + 2;
	size_t lg = name_len(name);
	const struct option *hit = NULL;
	int n = 0;
	for (const struct option *o = longs; o->name; o++) {
		if (strncmp(o->name, name, lg) != 0)
			continue;
		if (strlen(o->name) == lg)
			return o;
		hit = o;
		n++;
	}
	return n == 1 ? hit : NULL;
}

int pb_cli_bad_option(const char *prog, int c, int argc, char **argv,
    const struct option *longs)
{
	const char *arg = optind > 0 && optind - 1 < argc ? argv[optind - 1] :
	    "";
	if (arg && strncmp(arg, "--", 2) == 0 && arg[2]) {
		const struct option *lo = longs ? find_long(arg, longs) : NULL;
		/* a short option in a cluster leaves optind on its own word:
		 * ARG is then the word before, and names another option */
		if (optopt == 0 || (lo && lo->val == optopt)) {
			/* the user's bytes, made safe for the terminal */
			char name[128];
			pb_text_escape(name, sizeof name, arg + 2,
			    name_len(arg + 2));
			if (c == ':')
				return pb_cli_usage_error(prog, "option '--%s' "
				    "needs a value", name);
			if (lo)
				return pb_cli_usage_error(prog, "option '--%s' "
				    "takes no value", lo->name);
			char list[200];
			if (pb_cli_prefix_matches(arg + 2, longs, list,
			    sizeof list) > 1)
				return pb_cli_usage_error(prog, "option '--%s' "
				    "is ambiguous: %s", name, list);
			const char *s = pb_cli_suggest(arg + 2, longs);
			if (s)
				return pb_cli_usage_error(prog, "unknown option "
				    "'--%s'; did you mean '--%s'?", name, s);
			return pb_cli_usage_error(prog, "unknown option '--%s'",
			    name);
		}
	}
	if (c == ':')
		return pb_cli_usage_error(prog, "option '-%c' needs a value",
		    optopt);
	if (optopt > ' ' && optopt < 127)
		return pb_cli_usage_error(prog, "unknown option '-%c'", optopt);
	return pb_cli_usage_error(prog, "unknown option");
}

const char *pb_cli_paint(bool on, enum pb_cli_tone tone)
{
	if (!on)
		return "";
	switch (tone) {
	case PB_CLI_TONE_GOOD: return "\033[32m";
	case PB_CLI_TONE_BAD: return "\033[1;31m";
	case PB_CLI_TONE_WARN: return "\033[33m";
	case PB_CLI_TONE_DIM: return "\033[2m";
	case PB_CLI_TONE_END: break;
	}
	return "\033[0m";
}
