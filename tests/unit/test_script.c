/*
 * tests/unit/test_script.c - headless run scripts: every action, times
 * absolute and relative, comments and CR LF, each kind of bad line named
 * by file and line (and the script left as it was), and the schedule as
 * a pure function of the time since HELLO.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "proto/msg.h"
#include "tests/lib/check_main.h"
#include "tui/script.h"

static int parse(struct pb_script *s, const char *text, char *err,
    size_t errlen)
{
	return pb_script_parse(s, "run.txt", text, strlen(text), err, errlen);
}

START_TEST(every_action)
{
	struct pb_script s;
	pb_script_init(&s);
	char err[400];
	const char *t =
	    "# a session for CI\r\n"
	    "\n"
	    "0 mode expression\r\n"
	    "0\tlevel 3   # comment after a step\n"
	    "0.5 start\n"
	    "+2.25 level 12\n"
	    "10 marker  let-down seen \n"
	    "10 marker\n"
	    "12 double\n"
	    "13 single\n"
	    "14 mode stim\n"
	    "15 mode mixed\n"
	    "16 clear\n"
	    "20.000001 stop\n"
	    "21 end";
	ck_assert_msg(parse(&s, t, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(s.n, 13);
	ck_assert(s.has_end);
	ck_assert_int_eq(s.steps[0].op, PB_SOP_MODE);
	ck_assert_int_eq(s.steps[0].value, PB_MODE_EXPRESSION);
	ck_assert_uint_eq(s.steps[0].line, 3);
	ck_assert_int_eq(s.steps[1].op, PB_SOP_LEVEL);
	ck_assert_int_eq(s.steps[1].value, 3);
	ck_assert_int_eq(s.steps[2].op, PB_SOP_START);
	ck_assert_uint_eq(s.steps[2].at_us, 500000);
	ck_assert_uint_eq(s.steps[3].at_us, 2750000);   /* 0.5 + 2.25 */
	ck_assert_int_eq(s.steps[3].value, 12);
	ck_assert_int_eq(s.steps[4].op, PB_SOP_MARKER);
	ck_assert_str_eq(s.steps[4].label, "let-down seen");
	ck_assert_str_eq(s.steps[5].label, "");
	ck_assert_int_eq(s.steps[6].op, PB_SOP_DOUBLE);
	ck_assert_int_eq(s.steps[7].op, PB_SOP_SINGLE);
	ck_assert_int_eq(s.steps[8].value, PB_MODE_STIMULATION);
	ck_assert_int_eq(s.steps[9].value, PB_MODE_MIXED);
	ck_assert_int_eq(s.steps[10].op, PB_SOP_CLEAR);
	ck_assert_uint_eq(s.steps[11].at_us, 20000001);
	ck_assert_int_eq(s.steps[12].op, PB_SOP_END);
	ck_assert_uint_eq(s.steps[12].line, 15);
	char d[96];
	ck_assert_str_eq(pb_script_describe(&s.steps[0], d, sizeof d),
	    "mode expression");
	ck_assert_str_eq(pb_script_describe(&s.steps[4], d, sizeof d),
	    "marker let-down seen");
	pb_script_free(&s);
}
END_TEST

/* Each bad line: the message names the file and the line, and the
 * steps parsed before it are not kept. */
START_TEST(bad_lines_named)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "0 start\nx start\n", "run.txt:2: 'x' is not a time" },
		{ "0 start\n-1 stop\n", "run.txt:2: '-1' is not a time" },
		{ "1.5.2 start\n", "run.txt:1: '1.5.2' is not a time" },
		{ "1. start\n", "run.txt:1: '1.' is not a time" },
		{ "0.0000001 start\n", "run.txt:1: '0.0000001' is not a time" },
		{ "10000001 start\n", "run.txt:1: '10000001' is not a time" },
		{ "5 start\n4 stop\n", "run.txt:2: time 4 s goes back" },
		{ "1 start\n2\n", "run.txt:2: a time but no action" },
		{ "1 jump\n", "run.txt:1: unknown action 'jump'" },
		{ "1 mode\n", "run.txt:1: 'mode' needs a value" },
		{ "1 mode turbo\n", "run.txt:1: unknown mode 'turbo'" },
		{ "1 level 0\n", "run.txt:1: level '0' is not 1 to 15" },
		{ "1 level 16\n", "run.txt:1: level '16' is not 1 to 15" },
		{ "1 level 3x\n", "run.txt:1: level '3x' is not 1 to 15" },
		{ "1 level 99999999999\n", "run.txt:1: level '99999999999'" },
		{ "1 start now\n", "run.txt:1: 'now' after 'start'" },
		{ "1 level 3 4\n", "run.txt:1: '4' after 'level'" },
		{ "1 end\n2 start\n", "run.txt:2: a step after 'end'" },
		{ "1 marker a,b\n", "run.txt:1: marker label 'a,b': no ','" },
		{ "1 marker \x1b[2J\n", "run.txt:1: marker label '\\x1B[2J' holds a control" },
		{ "1 marker \xff\n", "run.txt:1: marker label '\\xFF' is not valid UTF-8" },
		{ "1 marker 0123456789012345678901234567890123456789012345678901234567890123\n",
		  "is longer than 63 bytes" },
		{ "1 start\r\r\n", "run.txt:1: a carriage return" },
		{ "1 \x1b[31mstart\n", "unknown action '\\x1B[31mstart'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pb_script s;
		pb_script_init(&s);
		pb_script_add(&s, 0, PB_SOP_START, 0, NULL);
		char err[400] = "";
		ck_assert_msg(parse(&s, cases[i].text, err, sizeof err) < 0,
		    "case %zu accepted", i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL,
		    "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		ck_assert_uint_eq(s.n, 1);       /* as it was */
		ck_assert(!s.has_end);
		pb_script_free(&s);
	}
}
END_TEST

START_TEST(nul_and_long_lines)
{
	struct pb_script s;
	pb_script_init(&s);
	char err[400];
	ck_assert_int_eq(pb_script_parse(&s, "a.txt", "1 start\n2 st\0op\n",
	    16, err, sizeof err), -1);
	ck_assert_str_eq(err, "a.txt:2: a NUL byte: not a text file");
	char big[700];
	memset(big, ' ', sizeof big);
	memcpy(big, "1 start", 7);
	ck_assert_int_eq(pb_script_parse(&s, "a.txt", big, sizeof big, err,
	    sizeof err), -1);
	ck_assert(strstr(err, "a.txt:1: line longer than 512 bytes"));
	/* the file's name is escaped too */
	ck_assert_int_eq(pb_script_parse(&s, "\x1b]0;x\a", "z", 1, err,
	    sizeof err), -1);
	ck_assert(strncmp(err, "\\x1B]0;x\\x07:1:", 15) == 0);
	ck_assert_uint_eq(s.n, 0);
	/* empty and comment-only scripts are no steps, not an error */
	ck_assert_int_eq(parse(&s, "", err, sizeof err), 0);
	ck_assert_int_eq(parse(&s, "# nothing\n\n   \n", err, sizeof err), 0);
	ck_assert_uint_eq(s.n, 0);
	pb_script_free(&s);
}
END_TEST

/* Command-line steps come first; the file's times count on from them. */
START_TEST(options_then_file)
{
	struct pb_script s;
	pb_script_init(&s);
	char err[400];
	ck_assert_int_eq(pb_script_add(&s, 0, PB_SOP_MODE, PB_MODE_MIXED,
	    NULL), 0);
	ck_assert_int_eq(pb_script_add(&s, 0, PB_SOP_START, 0, NULL), 0);
	ck_assert_int_eq(parse(&s, "+1 level 4\n3 stop\n", err, sizeof err), 0);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_uint_eq(s.steps[2].at_us, 1000000);
	ck_assert_uint_eq(s.steps[0].line, 0);
	ck_assert_int_eq(pb_script_add(&s, 2000000, PB_SOP_STOP, 0, NULL), -1);
	ck_assert_int_eq(pb_script_add(&s, 3000000, PB_SOP_END, 0, NULL), 0);
	ck_assert_int_eq(pb_script_add(&s, 3000000, PB_SOP_STOP, 0, NULL), -1);
	pb_script_free(&s);
}
END_TEST

/* When each step is due: a pure function of the time since HELLO. */
START_TEST(schedule)
{
	struct pb_script s;
	pb_script_init(&s);
	char err[400];
	ck_assert_int_eq(parse(&s, "0 start\n0 level 2\n2.0 level 5\n"
	    "10.0 mode expression\n10 marker\n12 end\n", err, sizeof err), 0);
	size_t next = 0;
	ck_assert_uint_eq(pb_script_next_at(&s, next), 0);
	next = pb_script_due(&s, next, 0);
	ck_assert_uint_eq(next, 2);            /* both steps at 0 */
	ck_assert_uint_eq(pb_script_next_at(&s, next), 2000000);
	ck_assert_uint_eq(pb_script_due(&s, next, 1999999), 2);
	next = pb_script_due(&s, next, 2000000);
	ck_assert_uint_eq(next, 3);
	/* a late call runs everything that became due, in order */
	next = pb_script_due(&s, next, 11000000);
	ck_assert_uint_eq(next, 5);
	ck_assert_uint_eq(pb_script_next_at(&s, next), 12000000);
	next = pb_script_due(&s, next, UINT64_MAX);
	ck_assert_uint_eq(next, 6);
	ck_assert_uint_eq(pb_script_next_at(&s, next), UINT64_MAX);
	ck_assert_uint_eq(pb_script_due(&s, next, UINT64_MAX), 6);
	/* the same question gives the same answer */
	ck_assert_uint_eq(pb_script_due(&s, 0, 2000000), 3);
	ck_assert_uint_eq(pb_script_due(&s, 0, 2000000), 3);
	pb_script_free(&s);
}
END_TEST

static Suite *script_suite(void)
{
	Suite *s = suite_create("script");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, every_action);
	tcase_add_test(tc, bad_lines_named);
	tcase_add_test(tc, nul_and_long_lines);
	tcase_add_test(tc, options_then_file);
	tcase_add_test(tc, schedule);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(script_suite)
