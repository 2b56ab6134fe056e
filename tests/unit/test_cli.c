/* tests for base/cli.c: the command-line convention's pure decisions,
 * and the one-line usage errors (stderr captured) */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/version.h"
#include "tests/lib/check_main.h"

START_TEST(color_option_values)
{
	enum pb_cli_color c = PB_CLI_COLOR_NEVER;
	ck_assert_int_eq(pb_cli_color_parse("auto", &c), 0);
	ck_assert_int_eq(c, PB_CLI_COLOR_AUTO);
	ck_assert_int_eq(pb_cli_color_parse("always", &c), 0);
	ck_assert_int_eq(c, PB_CLI_COLOR_ALWAYS);
	ck_assert_int_eq(pb_cli_color_parse("never", &c), 0);
	ck_assert_int_eq(c, PB_CLI_COLOR_NEVER);
	ck_assert_int_eq(pb_cli_color_parse("yes", &c), 0);
	ck_assert_int_eq(c, PB_CLI_COLOR_ALWAYS);
	ck_assert_int_eq(pb_cli_color_parse("none", &c), 0);
	ck_assert_int_eq(c, PB_CLI_COLOR_NEVER);
	c = PB_CLI_COLOR_ALWAYS;
	ck_assert_int_eq(pb_cli_color_parse("purple", &c), -1);
	ck_assert_int_eq(pb_cli_color_parse("", &c), -1);
	ck_assert_int_eq(pb_cli_color_parse("Always", &c), -1);
	ck_assert_int_eq(pb_cli_color_parse(NULL, &c), -1);
	ck_assert_int_eq(c, PB_CLI_COLOR_ALWAYS);   /* untouched */
}
END_TEST

START_TEST(color_decision)
{
	/* auto: a terminal that can draw, NO_COLOR unset or empty */
	ck_assert(pb_cli_color_wanted(PB_CLI_COLOR_AUTO, true, NULL, "xterm"));
	ck_assert(pb_cli_color_wanted(PB_CLI_COLOR_AUTO, true, "", "xterm"));
	ck_assert(!pb_cli_color_wanted(PB_CLI_COLOR_AUTO, false, NULL, "xterm"));
	ck_assert(!pb_cli_color_wanted(PB_CLI_COLOR_AUTO, true, "1", "xterm"));
	ck_assert(!pb_cli_color_wanted(PB_CLI_COLOR_AUTO, true, NULL, "dumb"));
	ck_assert(!pb_cli_color_wanted(PB_CLI_COLOR_AUTO, true, NULL, NULL));
	ck_assert(!pb_cli_color_wanted(PB_CLI_COLOR_AUTO, true, NULL, ""));
	/* the option wins over the environment */
	ck_assert(pb_cli_color_wanted(PB_CLI_COLOR_ALWAYS, false, "1", "dumb"));
	ck_assert(!pb_cli_color_wanted(PB_CLI_COLOR_NEVER, true, NULL,
	    "xterm"));
}
END_TEST

START_TEST(terminal_and_codeset)
{
	ck_assert(pb_cli_term_can_draw("xterm-256color"));
	ck_assert(pb_cli_term_can_draw("screen"));
	ck_assert(pb_cli_term_can_draw("linux"));
	ck_assert(!pb_cli_term_can_draw("dumb"));
	ck_assert(!pb_cli_term_can_draw("unknown"));
	ck_assert(!pb_cli_term_can_draw(""));
	ck_assert(!pb_cli_term_can_draw(NULL));
	ck_assert(pb_cli_codeset_utf8("UTF-8"));
	ck_assert(pb_cli_codeset_utf8("utf8"));
	ck_assert(pb_cli_codeset_utf8("Utf-8"));
	ck_assert(!pb_cli_codeset_utf8("ANSI_X3.4-1968"));
	ck_assert(!pb_cli_codeset_utf8("ISO-8859-1"));
	ck_assert(!pb_cli_codeset_utf8(""));
	ck_assert(!pb_cli_codeset_utf8(NULL));
}
END_TEST

static const struct option longs[] = {
	{ "sim", optional_argument, NULL, 1 },
	{ "sim-arg", required_argument, NULL, 2 },
	{ "station", required_argument, NULL, 3 },
	{ "record", required_argument, NULL, 4 },
	{ "replay", required_argument, NULL, 5 },
	{ "headless", no_argument, NULL, 6 },
	PB_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

START_TEST(suggestions)
{
	ck_assert_str_eq(pb_cli_suggest("recrod", longs), "record");
	ck_assert_str_eq(pb_cli_suggest("recod=x.csv", longs), "record");
	ck_assert_str_eq(pb_cli_suggest("headles", longs), "headless");
	ck_assert_str_eq(pb_cli_suggest("colour", longs), "color");
	ck_assert_str_eq(pb_cli_suggest("verison", longs), "version");
	ck_assert_ptr_null(pb_cli_suggest("bogus", longs));
	ck_assert_ptr_null(pb_cli_suggest("x", longs));
	ck_assert_ptr_null(pb_cli_suggest("", longs));
	ck_assert_ptr_null(pb_cli_suggest(NULL, longs));
	char huge[300];
	memset(huge, 'r', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	ck_assert_ptr_null(pb_cli_suggest(huge, longs));
	char list[64];
	ck_assert_int_eq(pb_cli_prefix_matches("s", longs, list, sizeof list),
	    3);
	ck_assert_str_eq(list, "--sim, --sim-arg, --station");
	ck_assert_int_eq(pb_cli_prefix_matches("re=1", longs, list,
	    sizeof list), 2);
	ck_assert_str_eq(list, "--record, --replay");
	ck_assert_int_eq(pb_cli_prefix_matches("zz", longs, list, sizeof list),
	    0);
	ck_assert_str_eq(list, "");
	/* a short list is cut, never overrun */
	char tiny[8];
	ck_assert_int_eq(pb_cli_prefix_matches("s", longs, tiny, sizeof tiny),
	    3);
	ck_assert_uint_lt(strlen(tiny), sizeof tiny);
}
END_TEST

/* Run getopt_long over ARGS (NULL-terminated, ARGS[0] the program) until
 * it complains; return what pb_cli_bad_option printed on stderr. */
static const char *complaint(char **args, const char *shorts, int *rc)
{
	static char buf[1024];
	int argc = 0;
	while (args[argc])
		argc++;
	fflush(stderr);
	int saved = dup(2);
	FILE *tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	dup2(fileno(tmp), 2);
	opterr = 0;
	optind = 0;
	int c;
	*rc = -1;
	while ((c = getopt_long(argc, args, shorts, longs, NULL)) != -1)
		if (c == '?' || c == ':') {
			*rc = pb_cli_bad_option("prog", c, argc, args, longs);
			break;
		}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof buf - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

START_TEST(bad_options_one_line_with_a_hint)
{
	int rc;
	char *a1[] = { "prog", "--recrod", "x", NULL };
	ck_assert_str_eq(complaint(a1, ":hVq", &rc), "prog: unknown option "
	    "'--recrod'; did you mean '--record'? (try 'prog --help')\n");
	ck_assert_int_eq(rc, PB_CLI_EXIT_USAGE);
	char *a2[] = { "prog", "--bogus=1", NULL };
	ck_assert_str_eq(complaint(a2, ":hVq", &rc), "prog: unknown option "
	    "'--bogus' (try 'prog --help')\n");
	char *a3[] = { "prog", "--s", NULL };
	ck_assert_str_eq(complaint(a3, ":hVq", &rc), "prog: option '--s' is "
	    "ambiguous: --sim, --sim-arg, --station (try 'prog --help')\n");
	char *a4[] = { "prog", "--record", NULL };
	ck_assert_str_eq(complaint(a4, ":hVq", &rc), "prog: option "
	    "'--record' needs a value (try 'prog --help')\n");
	char *a5[] = { "prog", "--headless=yes", NULL };
	ck_assert_str_eq(complaint(a5, ":hVq", &rc), "prog: option "
	    "'--headless' takes no value (try 'prog --help')\n");
	char *a6[] = { "prog", "-x", NULL };
	ck_assert_str_eq(complaint(a6, ":hVq", &rc), "prog: unknown option "
	    "'-x' (try 'prog --help')\n");
	/* an unknown letter in a cluster after a long option: the letter
	 * is named, not the long option before it */
	char *a7[] = { "prog", "--headless", "-xq", NULL };
	ck_assert_str_eq(complaint(a7, ":hVq", &rc), "prog: unknown option "
	    "'-x' (try 'prog --help')\n");
	/* the user's bytes never reach the terminal raw */
	char *a8[] = { "prog", "--\x1b[2Jx", NULL };
	ck_assert_str_eq(complaint(a8, ":hVq", &rc), "prog: unknown option "
	    "'--\\x1B[2Jx' (try 'prog --help')\n");
}
END_TEST

START_TEST(version_text)
{
	char buf[512];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	ck_assert_ptr_nonnull(f);
	pb_cli_version(f, "pumpsim", 1);
	fclose(f);
	char want[512];
	snprintf(want, sizeof want, "pumpsim %s\nbuild date %s\nprotocol "
	    "version 1\n", pb_version(), pb_version_build_date());
	ck_assert_str_eq(buf, want);
	ck_assert_uint_gt(strlen(pb_version()), 0);
}
END_TEST

START_TEST(paint_only_when_asked)
{
	ck_assert_str_eq(pb_cli_paint(false, PB_CLI_TONE_BAD), "");
	ck_assert_str_eq(pb_cli_paint(false, PB_CLI_TONE_END), "");
	ck_assert_str_eq(pb_cli_paint(true, PB_CLI_TONE_END), "\033[0m");
	ck_assert_str_eq(pb_cli_paint(true, PB_CLI_TONE_GOOD), "\033[32m");
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *t = tcase_create("core");
	tcase_add_test(t, color_option_values);
	tcase_add_test(t, color_decision);
	tcase_add_test(t, terminal_and_codeset);
	tcase_add_test(t, suggestions);
	tcase_add_test(t, bad_options_one_line_with_a_hint);
	tcase_add_test(t, version_text);
	tcase_add_test(t, paint_only_when_asked);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(cli_suite)
