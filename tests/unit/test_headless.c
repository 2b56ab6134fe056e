/*
 * tests/unit/test_headless.c - a headless run's plan and ends, without a
 * pump or a clock: the run's time starts at HELLO, steps come due at
 * their time (late ticks run them all, in order), an `end` step or the
 * duration ends the run, steps wait while the link is down, and each way
 * of failing gets its own exit status.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "tests/lib/check_main.h"
#include "tui/headless.h"

#define S 1000000ull

static struct pb_headless_in up(void)
{
	struct pb_headless_in in = { .identified = true, .link_up = true };
	return in;
}

static void load(struct pb_script *s, const char *text)
{
	char err[256];
	pb_script_init(s);
	ck_assert_msg(pb_script_parse(s, "t", text, strlen(text), err,
	    sizeof err) == 0, "%s", err);
}

START_TEST(steps_from_hello)
{
	struct pb_script sc;
	load(&sc, "0 start\n2 level 5\n10 stop\n12 end\n");
	struct pb_headless_opts o = { .hello_timeout_us = 5 * S,
	    .link_timeout_us = 5 * S, .script = &sc };
	struct pb_headless h;
	pb_headless_init(&h, &o, 100 * S);
	size_t a, b;
	struct pb_headless_in in = { 0 };
	pb_headless_tick(&h, &in, 101 * S, &a, &b);   /* no HELLO yet */
	ck_assert_uint_eq(b - a, 0);
	ck_assert_int_eq(h.end, PB_HL_RUNNING);
	ck_assert_uint_eq(pb_headless_deadline(&h, 101 * S), 105 * S);
	in = up();
	pb_headless_tick(&h, &in, 103 * S, &a, &b);   /* HELLO: time 0 */
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(b, 1);
	ck_assert_uint_eq(pb_headless_deadline(&h, 103 * S), 105 * S);
	pb_headless_tick(&h, &in, 105 * S - 1, &a, &b);
	ck_assert_uint_eq(b - a, 0);
	pb_headless_tick(&h, &in, 105 * S, &a, &b);
	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(b, 2);
	/* late: the stop runs, the end ends the run */
	pb_headless_tick(&h, &in, 120 * S, &a, &b);
	ck_assert_uint_eq(a, 2);
	ck_assert_uint_eq(b, 3);
	ck_assert_int_eq(h.end, PB_HL_DONE);
	ck_assert_int_eq(pb_headless_exit(h.end), 0);
	ck_assert_str_eq(pb_headless_result(h.end), "ok");
	ck_assert_double_eq_tol(pb_headless_elapsed_s(&h, 130 * S), 17, 1e-9);
	/* nothing more once it ended */
	pb_headless_tick(&h, &in, 121 * S, &a, &b);
	ck_assert_uint_eq(b - a, 0);
	pb_script_free(&sc);
}
END_TEST

START_TEST(duration_before_end)
{
	struct pb_script sc;
	load(&sc, "0 start\n20 stop\n");
	struct pb_headless_opts o = { .duration_us = 10 * S,
	    .hello_timeout_us = 5 * S, .link_timeout_us = 5 * S,
	    .script = &sc };
	struct pb_headless h;
	pb_headless_init(&h, &o, 0);
	size_t a, b;
	struct pb_headless_in in = up();
	pb_headless_tick(&h, &in, 1 * S, &a, &b);
	ck_assert_uint_eq(b, 1);
	ck_assert_uint_eq(pb_headless_deadline(&h, 2 * S), 11 * S);
	pb_headless_tick(&h, &in, 11 * S, &a, &b);
	ck_assert_uint_eq(b - a, 0);              /* the stop at 20 never ran */
	ck_assert_int_eq(h.end, PB_HL_DONE);
	/* without a duration, a script without `end` ends after its last step */
	struct pb_headless_opts o2 = o;
	o2.duration_us = 0;
	pb_headless_init(&h, &o2, 0);
	pb_headless_tick(&h, &in, 0, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_RUNNING);
	pb_headless_tick(&h, &in, 20 * S, &a, &b);
	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(b, 2);
	ck_assert_int_eq(h.end, PB_HL_DONE);
	pb_script_free(&sc);
}
END_TEST

/* A bring-up run (--text -) without a duration runs until its input
 * ends, however long; with a duration, the first of the two. */
START_TEST(until_input_ends)
{
	struct pb_headless_opts o = { .hello_timeout_us = 5 * S,
	    .link_timeout_us = 5 * S, .until_ended = true };
	struct pb_headless h;
	pb_headless_init(&h, &o, 0);
	size_t a, b;
	struct pb_headless_in in = up();
	pb_headless_tick(&h, &in, 0, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_RUNNING);
	pb_headless_tick(&h, &in, 3600 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_RUNNING);
	in.ended = true;
	pb_headless_tick(&h, &in, 3601 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_DONE);
	ck_assert_int_eq(pb_headless_exit(h.end), 0);
	/* the same without until_ended: nothing to wait for, done at once */
	o.until_ended = false;
	pb_headless_init(&h, &o, 0);
	in.ended = false;
	pb_headless_tick(&h, &in, 0, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_DONE);
	/* a duration still ends the run first */
	o.duration_us = 2 * S;
	pb_headless_init(&h, &o, 0);
	pb_headless_tick(&h, &in, 0, &a, &b);
	pb_headless_tick(&h, &in, 2 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_DONE);
	ck_assert_uint_eq(h.end_us, 2 * S);
}
END_TEST

START_TEST(no_hello)
{
	struct pb_headless_opts o = { .duration_us = 10 * S,
	    .hello_timeout_us = 2 * S, .link_timeout_us = 5 * S };
	struct pb_headless h;
	pb_headless_init(&h, &o, 50 * S);
	size_t a, b;
	struct pb_headless_in in = { .link_up = true };
	pb_headless_tick(&h, &in, 52 * S - 1, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_RUNNING);
	pb_headless_tick(&h, &in, 52 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_NO_HELLO);
	ck_assert_int_eq(pb_headless_exit(h.end), 3);
	ck_assert_str_eq(pb_headless_result(h.end), "no_hello");
}
END_TEST

/* A step due while the link is down waits for it; a loss longer than the
 * limit ends the run. */
START_TEST(link_loss)
{
	struct pb_script sc;
	load(&sc, "1 level 3\n");
	struct pb_headless_opts o = { .duration_us = 60 * S,
	    .hello_timeout_us = 5 * S, .link_timeout_us = 3 * S,
	    .script = &sc };
	struct pb_headless h;
	pb_headless_init(&h, &o, 0);
	size_t a, b;
	struct pb_headless_in in = up();
	pb_headless_tick(&h, &in, 0, &a, &b);
	in.link_up = false;
	pb_headless_tick(&h, &in, 1 * S, &a, &b);
	ck_assert_uint_eq(b - a, 0);             /* waits */
	ck_assert_uint_eq(pb_headless_deadline(&h, 1 * S), 4 * S);
	in.link_up = true;
	pb_headless_tick(&h, &in, 3 * S, &a, &b);
	ck_assert_uint_eq(b - a, 1);             /* back: it runs */
	in.link_up = false;
	pb_headless_tick(&h, &in, 10 * S, &a, &b);
	pb_headless_tick(&h, &in, 13 * S - 1, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_RUNNING);
	pb_headless_tick(&h, &in, 13 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_LINK_LOST);
	ck_assert_int_eq(pb_headless_exit(h.end), 4);
	pb_script_free(&sc);
}
END_TEST

START_TEST(alarms_steps_signals)
{
	struct pb_headless_opts o = { .duration_us = 60 * S,
	    .hello_timeout_us = 5 * S, .link_timeout_us = 3 * S };
	struct pb_headless h;
	size_t a, b;
	pb_headless_init(&h, &o, 0);
	struct pb_headless_in in = up();
	pb_headless_tick(&h, &in, 1 * S, &a, &b);
	in.alarms_raised = 1;
	pb_headless_tick(&h, &in, 2 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_ALARM);
	ck_assert_int_eq(pb_headless_exit(h.end), 5);
	/* allowed: the run goes on to its end */
	o.allow_alarms = true;
	pb_headless_init(&h, &o, 0);
	pb_headless_tick(&h, &in, 2 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_RUNNING);
	pb_headless_step_failed(&h, 3 * S);
	ck_assert_int_eq(h.end, PB_HL_STEP_FAILED);
	ck_assert_int_eq(pb_headless_exit(h.end), 6);
	/* the first end wins */
	in.signal = true;
	pb_headless_tick(&h, &in, 4 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_STEP_FAILED);
	pb_headless_init(&h, &o, 0);
	pb_headless_tick(&h, &in, 4 * S, &a, &b);
	ck_assert_int_eq(h.end, PB_HL_SIGNAL);
	ck_assert_int_eq(pb_headless_exit(h.end), 1);
	ck_assert_str_eq(pb_headless_result(PB_HL_RECORD_FAILED),
	    "record_failed");
}
END_TEST

static Suite *headless_suite(void)
{
	Suite *s = suite_create("headless");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, steps_from_hello);
	tcase_add_test(tc, duration_before_end);
	tcase_add_test(tc, until_input_ends);
	tcase_add_test(tc, no_hello);
	tcase_add_test(tc, link_loss);
	tcase_add_test(tc, alarms_steps_signals);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(headless_suite)
