/*
 * base/cli.h - the command-line convention of pumpbench, pumpsim and
 * pumphil.
 *
 * Promise: one home for what the three programs share on their command
 * line, so that they behave alike:
 *
 *   -h, --help            usage on stdout (with the exit codes), exit 0
 *   -V, --version         pb_cli_version(): version, build date and
 *                         protocol version on stdout, exit 0
 *   -q, --quiet           only errors and the lines asked for
 *   --color=WHEN          auto (default), always or never
 *
 * Exit status 0 is success, 1 a failure, 2 a usage error; a program may
 * add its own codes from 3 up and lists them all in its --help.  A usage
 * error is one line on stderr, "PROG: what is wrong (try 'PROG --help')",
 * with a "did you mean" hint for a mistyped or ambiguous long option.
 *
 * The colour and glyph decisions are pure functions of what they are
 * given (the option, whether the stream is a terminal, NO_COLOR, TERM, the
 * locale's codeset).  pb_cli_env_read() is the one edge: it reads the
 * environment, isatty() and nl_langinfo(CODESET) (the caller has called
 * setlocale(LC_CTYPE, "")).  Nothing here exits or allocates.
 */
#ifndef PB_BASE_CLI_H
#define PB_BASE_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

enum pb_cli_exit {
	PB_CLI_EXIT_OK = 0,       /* success */
	PB_CLI_EXIT_FAIL = 1,     /* a failure (each program says which) */
	PB_CLI_EXIT_USAGE = 2,    /* bad options: one line on stderr */
};

/* --color=WHEN */
enum pb_cli_color {
	PB_CLI_COLOR_AUTO = 0,    /* when the stream is a terminal that has
	                             colours and NO_COLOR is not set */
	PB_CLI_COLOR_ALWAYS,      /* even into a pipe, even with NO_COLOR */
	PB_CLI_COLOR_NEVER,
};

/* getopt_long values of the shared long options without a short letter */
#define PB_CLI_OPT_COLOR  0x7e01

/* The shared options, for each program's getopt_long table and its
 * short-option string. */
#define PB_CLI_SHORT_OPTIONS "hVq"
#define PB_CLI_LONG_OPTIONS                                              \
	{ "help", no_argument, NULL, 'h' },                              \
	{ "version", no_argument, NULL, 'V' },                           \
	{ "quiet", no_argument, NULL, 'q' },                             \
	{ "color", required_argument, NULL, PB_CLI_OPT_COLOR }

/* The --help paragraph for the shared options (each program prints it). */
#define PB_CLI_HELP_COMMON                                               \
	"  -h, --help        this text\n"                                \
	"  -V, --version     version, build date and protocol version\n" \
	"  -q, --quiet       only errors (and the output asked for)\n"  \
	"  --color=WHEN      auto (default), always or never; NO_COLOR=1\n" \
	"                    and TERM=dumb also turn colours off\n"

/* What the environment says about the streams, decided once at start. */
struct pb_cli_env {
	bool color_out;   /* paint stdout */
	bool color_err;   /* paint stderr */
	bool utf8;        /* the locale's codeset is UTF-8: non-ASCII glyphs */
	bool tty_in, tty_out;
	bool term_can_draw;  /* TERM names a terminal that can address the
	                        cursor (set, not "dumb", not "unknown") */
	char term[32];    /* TERM, cut; "" when unset */
};

/* Parse WHEN of --color: 0, or -1 when it is none of auto, always,
 * never (also accepted: yes/force = always, no/none = never, as ls and
 * grep take them). */
int pb_cli_color_parse(const char *s, enum pb_cli_color *out);

/* Pure: paint a stream?  ALWAYS and NEVER decide alone; AUTO paints a
 * terminal (IS_TTY) unless NO_COLOR is set and not empty, or TERM is
 * unset, empty or "dumb". */
bool pb_cli_color_wanted(enum pb_cli_color when, bool is_tty,
    const char *no_color, const char *term);

/* Pure: a TERM the dashboard can draw on (cursor addressing): not NULL,
 * "", "dumb" or "unknown". */
bool pb_cli_term_can_draw(const char *term);

/* Pure: a codeset name (nl_langinfo(CODESET)) that means UTF-8:
 * "UTF-8", "utf8", "UTF8", any case. */
bool pb_cli_codeset_utf8(const char *codeset);

/* The edge: fill E from the environment (NO_COLOR, TERM), isatty(0),
 * isatty(1), isatty(2) and nl_langinfo(CODESET). */
void pb_cli_env_read(struct pb_cli_env *e, enum pb_cli_color when);

/* Print the --version text to F:
 *     PROG VERSION
 *     build date YYYY-MM-DD
 *     protocol version N
 * (VERSION is pb_version(), the string every record carries). */
void pb_cli_version(FILE *f, const char *prog, int protocol_version);

/* A usage error: "PROG: MESSAGE (try 'PROG --help')" on one line of
 * stderr.  Returns PB_CLI_EXIT_USAGE. */
int pb_cli_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After getopt_long() returned '?' (unknown or ambiguous option, or a
 * value given to an option that takes none) or ':' (missing value; the
 * option string must start with ':' or "+:"): say which and why, with a
 * hint from LONGS, on one line.  Returns PB_CLI_EXIT_USAGE. */
int pb_cli_bad_option(const char *prog, int c, int argc, char **argv,
    const struct option *longs);

/* Pure: the long option in LONGS (terminated by a NULL name) closest to
 * GIVEN (without its "--" and "=value"), when it is near enough to be a
 * likely typo (edit distance at most 2, and less than half its length),
 * else NULL. */
const char *pb_cli_suggest(const char *given, const struct option *longs);

/* Pure: how many options of LONGS start with the prefix GIVEN (up to
 * '=' or its end); their names are written into LIST (comma separated,
 * cut to LISTLEN). */
int pb_cli_prefix_matches(const char *given, const struct option *longs,
    char *list, size_t listlen);

/* Tones for status words (PASS, FAIL, warnings).  pb_cli_paint() returns
 * the escape sequence that starts TONE when ON, else ""; PB_CLI_TONE_END
 * ends it. */
enum pb_cli_tone {
	PB_CLI_TONE_END = 0,
	PB_CLI_TONE_GOOD,    /* green: PASS, OK */
	PB_CLI_TONE_BAD,     /* bold red: FAIL, ERROR */
	PB_CLI_TONE_WARN,    /* yellow: MARGINAL, warnings */
	PB_CLI_TONE_DIM,     /* dim: SKIP, XFAIL, notes */
};
const char *pb_cli_paint(bool on, enum pb_cli_tone tone);

#endif
