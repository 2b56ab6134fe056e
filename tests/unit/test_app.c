/*
 * tests/unit/test_app.c - the dashboard's key mapping and UI state.
 */
#include <string.h>
#include "tests/lib/check_main.h"
#include "tui/app.h"

#define T0 1000000u

static struct pb_device_info info9(void)
{
	struct pb_device_info i;
	memset(&i, 0, sizeof i);
	i.proto_version = 1;
	strcpy(i.profile, "test");
	i.channels = 2;
	i.levels = 9;
	i.modes = (1u << PB_MODE_STIMULATION) | (1u << PB_MODE_EXPRESSION) |
	    (1u << PB_MODE_MIXED);
	i.sample_rate_hz = 1000;
	i.max_target = 2800;
	i.trip = 3200;
	return i;
}

static struct pb_telemetry tel(uint8_t state, uint8_t mode, uint8_t level,
    uint8_t mask, uint16_t alarms)
{
	struct pb_telemetry t;
	memset(&t, 0, sizeof t);
	t.channels = 2;
	t.run_state = state;
	t.mode = mode;
	t.level = level;
	t.channel_mask = mask;
	t.alarms = alarms;
	t.battery_mv = 3900;
	return t;
}

/* A connected app showing a device in the given state. */
static void connected(struct pb_app *a, uint8_t state, uint8_t level)
{
	struct pb_device_info i = info9();
	pb_app_init(a, PB_UNIT_MMHG);
	pb_app_set_info(a, &i, NULL);
	pb_app_on_link(a, true, T0);
	struct pb_telemetry t = tel(state, PB_MODE_EXPRESSION, level, 3, 0);
	pb_app_on_telemetry(a, &t, T0);
}

START_TEST(every_key_in_table_maps_to_its_action)
{
	for (size_t i = 0; i < pb_app_nkeys; i++) {
		/* the first binding of a key wins; keys are unique */
		for (size_t j = 0; j < i; j++)
			ck_assert_int_ne(pb_app_keys[j].key, pb_app_keys[i].key);
		ck_assert_int_eq(pb_app_action_for_key(pb_app_keys[i].key),
		    pb_app_keys[i].action);
		ck_assert_ptr_nonnull(pb_app_keys[i].help);
		ck_assert_str_ne(pb_app_action_name(pb_app_keys[i].action), "?");
	}
	ck_assert_int_eq(pb_app_action_for_key('s'), PB_ACT_START_STOP);
	ck_assert_int_eq(pb_app_action_for_key('?'), PB_ACT_HELP);
	ck_assert_int_eq(pb_app_action_for_key('q'), PB_ACT_QUIT);
	ck_assert_int_eq(pb_app_action_for_key('C'), PB_ACT_CALIBRATION);
	ck_assert_int_eq(pb_app_action_for_key(' '), PB_ACT_PAUSE);
	ck_assert_int_eq(pb_app_action_for_key('#'), PB_ACT_NONE);
	ck_assert_int_eq(pb_app_action_for_key(0), PB_ACT_NONE);
}
END_TEST

START_TEST(every_action_has_a_key)
{
	/* the help overlay lists everything the dashboard can do */
	for (int act = PB_ACT_START_STOP; act < PB_ACT_COUNT; act++) {
		bool found = false;
		for (size_t i = 0; i < pb_app_nkeys; i++)
			found |= pb_app_keys[i].action == (enum pb_action)act;
		ck_assert_msg(found, "action %s has no key",
		    pb_app_action_name((enum pb_action)act));
	}
}
END_TEST

START_TEST(start_stop_follows_run_state)
{
	struct pb_app a;
	connected(&a, PB_RS_IDLE, 3);
	struct pb_app_effect e = pb_app_key(&a, 's', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_START);
	struct pb_telemetry t = tel(PB_RS_RUNNING, PB_MODE_EXPRESSION, 3, 3, 0);
	pb_app_on_telemetry(&a, &t, T0 + 1000);
	e = pb_app_key(&a, 's', T0 + 2000);
	ck_assert_int_eq(e.cmd, PB_CMD_STOP);
}
END_TEST

START_TEST(level_bounded_by_levels)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 9);
	struct pb_app_effect e = pb_app_key(&a, '+', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	ck_assert_ptr_nonnull(pb_app_message(&a, T0));
	e = pb_app_key(&a, '-', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_LEVEL);
	ck_assert_int_eq(e.value, 8);
	/* a pending request counts: a second press goes on from 8 */
	e = pb_app_key(&a, '-', T0 + 10);
	ck_assert_int_eq(e.value, 7);
	ck_assert_int_eq(pb_app_shown_level(&a), 7);
	/* telemetry confirms */
	struct pb_telemetry t = tel(PB_RS_RUNNING, PB_MODE_EXPRESSION, 7, 3, 0);
	pb_app_on_telemetry(&a, &t, T0 + 20);
	ck_assert_int_eq(a.req_level, 0);
	ck_assert_int_eq(pb_app_shown_level(&a), 7);

	connected(&a, PB_RS_RUNNING, 1);
	e = pb_app_key(&a, '-', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	e = pb_app_key(&a, '+', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_LEVEL);
	ck_assert_int_eq(e.value, 2);
	/* walking up never passes the top */
	for (int i = 0; i < 20; i++) {
		e = pb_app_key(&a, '+', T0 + 100 + i);
		if (e.cmd == PB_CMD_SET_LEVEL) {
			ck_assert_int_le(e.value, 9);
			ck_assert_int_ge(e.value, 1);
		}
	}
	ck_assert_int_eq(pb_app_shown_level(&a), 9);
}
END_TEST

/* Expression peaks at 100 + 20 (L-1) mmHg, stimulation at 50 + 10 (L-1);
 * the vacuum limit is 200 mmHg: expression level 6 is the last allowed. */
static struct pb_profile limit_profile(void)
{
	struct pb_profile p;
	memset(&p, 0, sizeof p);
	strcpy(p.id, "test");
	p.channels = 2;
	p.levels = 9;
	p.double_pumping = true;
	p.expr = (struct pb_mode_curve){ .present = true, .peak_base_mmhg = 100,
	    .peak_step_mmhg = 20, .rate_first_cpm = 60, .rate_last_cpm = 40 };
	p.stim = (struct pb_mode_curve){ .present = true, .peak_base_mmhg = 50,
	    .peak_step_mmhg = 10, .rate_first_cpm = 100, .rate_last_cpm = 120 };
	p.max_target_mmhg = 200;
	p.session_auto_off_s = 1800;
	return p;
}

START_TEST(level_bounded_by_profile_vacuum_limit)
{
	struct pb_profile p = limit_profile();

	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 5);
	struct pb_device_info i = info9();
	pb_app_set_info(&a, &i, &p);
	ck_assert(pb_app_level_allowed(&a, PB_MODE_EXPRESSION, 6));
	ck_assert(!pb_app_level_allowed(&a, PB_MODE_EXPRESSION, 7));
	ck_assert(pb_app_level_allowed(&a, PB_MODE_STIMULATION, 9));
	ck_assert(!pb_app_level_allowed(&a, PB_MODE_EXPRESSION, 0));
	ck_assert(!pb_app_level_allowed(&a, PB_MODE_EXPRESSION, 10));

	struct pb_app_effect e = pb_app_key(&a, '+', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_LEVEL);
	ck_assert_int_eq(e.value, 6);
	e = pb_app_key(&a, '+', T0 + 1);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);     /* 7 would be 220 mmHg */

	/* the device's own limit (from HELLO) is honoured when lower */
	i.max_target = 1800;                      /* 180 mmHg */
	pb_app_set_info(&a, &i, &p);
	ck_assert(!pb_app_level_allowed(&a, PB_MODE_EXPRESSION, 6));
	ck_assert(pb_app_level_allowed(&a, PB_MODE_EXPRESSION, 5));
}
END_TEST

/* A command by name (a headless script's step) gets the keys' checks:
 * the profile's vacuum limit, the device's levels and modes, double
 * pumping only where it exists, a link. */
START_TEST(command_by_name_checked)
{
	struct pb_profile p = limit_profile();
	struct pb_app a;
	connected(&a, PB_RS_IDLE, 5);
	struct pb_device_info i = info9();
	pb_app_set_info(&a, &i, &p);
	char why[120];
	struct pb_app_effect e = pb_app_command(&a, PB_CMD_SET_LEVEL, 6, T0,
	    why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_LEVEL);
	ck_assert_int_eq(e.value, 6);
	ck_assert_int_eq(pb_app_shown_level(&a), 6);
	e = pb_app_command(&a, PB_CMD_SET_LEVEL, 7, T0, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);       /* 220 mmHg > 200 */
	ck_assert(strstr(why, "level 7 is beyond"));
	/* stimulation at level 9 is 130 mmHg: allowed; back to expression
	 * at 9 is not */
	e = pb_app_command(&a, PB_CMD_SET_MODE, PB_MODE_STIMULATION, T0, why,
	    sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_MODE);
	e = pb_app_command(&a, PB_CMD_SET_LEVEL, 9, T0, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_LEVEL);
	e = pb_app_command(&a, PB_CMD_SET_MODE, PB_MODE_EXPRESSION, T0, why,
	    sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	ck_assert(strstr(why, "expression at level 9 is beyond the limit"));
	e = pb_app_command(&a, PB_CMD_SET_LEVEL, 10, T0, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);       /* the device has 9 */
	e = pb_app_command(&a, PB_CMD_SET_CHANNELS, 3, T0, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_CHANNELS);
	p.double_pumping = false;
	e = pb_app_command(&a, PB_CMD_SET_CHANNELS, 3, T0, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	ck_assert_str_eq(why, "a single-channel pump");
	e = pb_app_command(&a, PB_CMD_SET_CHANNELS, 1, T0, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_CHANNELS);
	i.modes = 1u << PB_MODE_EXPRESSION;
	pb_app_set_info(&a, &i, &p);
	e = pb_app_command(&a, PB_CMD_SET_MODE, PB_MODE_MIXED, T0, why,
	    sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	ck_assert_str_eq(why, "the pump has no mixed mode");
	e = pb_app_command(&a, PB_CMD_START, 0, T0, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_START);
	pb_app_on_link(&a, false, T0 + 1);
	e = pb_app_command(&a, PB_CMD_START, 0, T0 + 2, why, sizeof why);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	ck_assert_str_eq(why, "no link to the pump");
}
END_TEST

/* k drops a marker at once and asks for its label; the prompt takes
 * every key until Enter or Esc. */
START_TEST(marker_label_prompt)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 3);
	struct pb_app_effect e = pb_app_key(&a, 'k', T0);
	ck_assert(e.marker && e.label_later && !e.marker_done);
	ck_assert(a.marker_prompt);
	/* keys are text now: 's' does not stop the pump, 'q' does not quit */
	const char *typed = "let-down, q\"s";
	for (const char *c = typed; *c; c++) {
		e = pb_app_key(&a, *c, T0);
		ck_assert_int_eq(e.cmd, PB_CMD_NONE);
		ck_assert(!e.quit && !e.marker && !e.marker_done);
	}
	ck_assert_str_eq(a.marker_label, "let-down qs");   /* no , or " */
	pb_app_key(&a, PB_KEY_BACKSPACE, T0);
	pb_app_key(&a, 127, T0);
	pb_app_key(&a, 0x1001, T0);                  /* Left: ignored */
	ck_assert_str_eq(a.marker_label, "let-down ");
	e = pb_app_key(&a, '\r', T0);
	ck_assert(e.marker_done && !e.marker);
	ck_assert_str_eq(e.label, "let-down ");
	ck_assert(!a.marker_prompt);
	/* the keys are the dashboard's again */
	ck_assert_int_eq(pb_app_key(&a, 's', T0).cmd, PB_CMD_STOP);
	/* Esc: the marker stays, without a label */
	pb_app_key(&a, 'k', T0);
	pb_app_key(&a, 'x', T0);
	e = pb_app_key(&a, PB_KEY_ESC, T0);
	ck_assert(e.marker_done);
	ck_assert_str_eq(e.label, "");
	/* the label is bounded */
	pb_app_key(&a, 'k', T0);
	for (int i = 0; i < 100; i++)
		pb_app_key(&a, 'a', T0);
	ck_assert_uint_eq(strlen(a.marker_label), PB_APP_LABEL_MAX);
	pb_app_key(&a, '\n', T0);
	/* a replay marks without a prompt */
	a.replay = true;
	e = pb_app_key(&a, 'k', T0);
	ck_assert(e.marker && !e.label_later && !a.marker_prompt);
}
END_TEST

START_TEST(no_commands_without_link_or_in_replay)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 3);
	pb_app_on_link(&a, false, T0 + 5);
	ck_assert_int_eq(pb_app_key(&a, 's', T0 + 6).cmd, PB_CMD_NONE);
	ck_assert_int_eq(pb_app_key(&a, '+', T0 + 6).cmd, PB_CMD_NONE);
	ck_assert_int_eq(pb_app_key(&a, 'm', T0 + 6).cmd, PB_CMD_NONE);

	connected(&a, PB_RS_RUNNING, 3);
	a.replay = true;
	ck_assert_int_eq(pb_app_key(&a, 's', T0).cmd, PB_CMD_NONE);
	ck_assert(!pb_app_key(&a, 'r', T0).record_toggle);
	/* replay of a running pump quits without asking */
	ck_assert(pb_app_key(&a, 'q', T0).quit);
}
END_TEST

/* bring-up text mode: every pump key is refused, and says why; the
 * recording, markers and the view still work */
START_TEST(no_commands_in_text_mode)
{
	struct pb_app a;
	connected(&a, PB_RS_IDLE, 3);
	a.text = true;
	const int pump_keys[] = { 's', '+', '-', 'm', 'd', 'c' };
	for (size_t i = 0; i < sizeof pump_keys / sizeof pump_keys[0]; i++) {
		a.msg[0] = '\0';
		struct pb_app_effect e = pb_app_key(&a, pump_keys[i], T0);
		ck_assert_int_eq(e.cmd, PB_CMD_NONE);
		ck_assert_str_eq(pb_app_message(&a, T0), PB_APP_TEXT_WHY);
	}
	ck_assert(pb_app_key(&a, 'r', T0).record_toggle);
	ck_assert(pb_app_key(&a, 'k', T0).marker);
	/* the marker's label prompt works as in protocol mode */
	ck_assert(a.marker_prompt);
	pb_app_key(&a, 'v', T0);
	struct pb_app_effect e = pb_app_key(&a, '\r', T0);
	ck_assert(e.marker_done);
	ck_assert_str_eq(e.label, "v");
	ck_assert(pb_app_key(&a, 'q', T0).quit);
}
END_TEST

START_TEST(mode_cycles_supported_modes)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 3);
	struct pb_app_effect e = pb_app_key(&a, 'm', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_MODE);
	ck_assert_int_eq(e.value, PB_MODE_MIXED);
	e = pb_app_key(&a, 'm', T0 + 1);
	ck_assert_int_eq(e.value, PB_MODE_STIMULATION);
	a.info.modes = (1u << PB_MODE_STIMULATION) | (1u << PB_MODE_EXPRESSION);
	e = pb_app_key(&a, 'm', T0 + 2);
	ck_assert_int_eq(e.value, PB_MODE_EXPRESSION);
}
END_TEST

START_TEST(single_double)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 3);
	struct pb_app_effect e = pb_app_key(&a, 'd', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_SET_CHANNELS);
	ck_assert_int_eq(e.value, 1);
	e = pb_app_key(&a, 'd', T0 + 1);
	ck_assert_int_eq(e.value, 3);
	a.info.channels = 1;
	ck_assert_int_eq(pb_app_key(&a, 'd', T0 + 2).cmd, PB_CMD_NONE);
}
END_TEST

START_TEST(quit_asks_while_pumping)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 3);
	struct pb_app_effect e = pb_app_key(&a, 'q', T0);
	ck_assert(!e.quit);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	ck_assert(a.confirm_quit);
	/* other keys do nothing while the dialog is open */
	e = pb_app_key(&a, 's', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	e = pb_app_key(&a, '+', T0);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	ck_assert(a.confirm_quit);
	/* n cancels */
	e = pb_app_key(&a, 'n', T0);
	ck_assert(!e.quit);
	ck_assert(!a.confirm_quit);
	/* Esc cancels too */
	pb_app_key(&a, 'q', T0);
	pb_app_key(&a, PB_KEY_ESC, T0);
	ck_assert(!a.confirm_quit);
	/* y stops the pump and quits */
	pb_app_key(&a, 'q', T0);
	e = pb_app_key(&a, 'y', T0);
	ck_assert(e.quit);
	ck_assert_int_eq(e.cmd, PB_CMD_STOP);
	/* a stray y outside the dialog does nothing */
	e = pb_app_key(&a, 'y', T0);
	ck_assert(!e.quit);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);

	connected(&a, PB_RS_IDLE, 3);
	e = pb_app_key(&a, 'q', T0);
	ck_assert(e.quit);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	/* not connected at all: quits */
	pb_app_init(&a, PB_UNIT_MMHG);
	ck_assert(pb_app_key(&a, 'q', T0).quit);
}
END_TEST

START_TEST(pause_freezes_view_only)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 3);
	pb_app_set_samples(&a, 0, 60000, 1000);      /* 60 s held */
	ck_assert_uint_eq(pb_app_view_end(&a), 60000);
	pb_app_key(&a, ' ', T0);
	ck_assert(a.paused);
	/* acquisition goes on: history grows, the view stays */
	pb_app_set_samples(&a, 0, 70000, 1000);
	ck_assert_uint_eq(pb_app_view_end(&a), 60000);
	/* recording and markers still work while paused */
	ck_assert(pb_app_key(&a, 'r', T0).record_toggle);
	ck_assert(pb_app_key(&a, 'k', T0).marker);
	ck_assert(pb_app_key(&a, PB_KEY_ESC, T0).marker_done);  /* no label */
	/* telemetry still updates the state */
	struct pb_telemetry t = tel(PB_RS_RUNNING, PB_MODE_EXPRESSION, 4, 3, 0);
	pb_app_on_telemetry(&a, &t, T0 + 1);
	ck_assert_int_eq(a.level, 4);

	/* scroll back by half the time base (10 s -> 5000 samples) */
	pb_app_key(&a, PB_KEY_LEFT, T0);
	ck_assert_uint_eq(pb_app_view_end(&a), 55000);
	for (int i = 0; i < 50; i++)
		pb_app_key(&a, ',', T0);
	ck_assert_uint_eq(pb_app_view_end(&a), 10000); /* start + one span */
	pb_app_key(&a, PB_KEY_RIGHT, T0);
	ck_assert_uint_eq(pb_app_view_end(&a), 15000);
	for (int i = 0; i < 50; i++)
		pb_app_key(&a, '.', T0);
	ck_assert_uint_eq(pb_app_view_end(&a), 70000); /* never past live */
	/* zoom while paused keeps the pause */
	char buf[16];
	pb_app_key(&a, 'x', T0);
	ck_assert(a.paused);
	ck_assert_str_eq(pb_app_timebase_label(&a, buf, sizeof buf), "30 s");
	pb_app_key(&a, PB_KEY_HOME, T0);
	ck_assert_uint_eq(pb_app_view_end(&a), 30000);
	/* resume follows live again */
	pb_app_key(&a, ' ', T0);
	ck_assert(!a.paused);
	pb_app_set_samples(&a, 0, 80000, 1000);
	ck_assert_uint_eq(pb_app_view_end(&a), 80000);
	/* scrolling while live only says how */
	pb_app_key(&a, PB_KEY_LEFT, T0 + 5);
	ck_assert(!a.paused);
	ck_assert_ptr_nonnull(pb_app_message(&a, T0 + 5));
}
END_TEST

START_TEST(zoom_from_1s_to_session)
{
	struct pb_app a;
	char buf[16];
	pb_app_init(&a, PB_UNIT_MMHG);
	pb_app_set_samples(&a, 0, 90000, 1000);
	for (int i = 0; i < 30; i++)
		pb_app_key(&a, 'z', T0);
	ck_assert_str_eq(pb_app_timebase_label(&a, buf, sizeof buf), "1 s");
	ck_assert(pb_app_span_s(&a) == 1.0);
	pb_app_key(&a, 'x', T0);
	ck_assert_str_eq(pb_app_timebase_label(&a, buf, sizeof buf), "2 s");
	for (int i = 0; i < 30; i++)
		pb_app_key(&a, 'x', T0);
	ck_assert_str_eq(pb_app_timebase_label(&a, buf, sizeof buf), "session");
	ck_assert(pb_app_span_s(&a) == 90.0);
	pb_app_key(&a, 'z', T0);
	ck_assert_str_eq(pb_app_timebase_label(&a, buf, sizeof buf), "8 h");
}
END_TEST

START_TEST(help_overlay_and_calibration_hook)
{
	struct pb_app a;
	connected(&a, PB_RS_IDLE, 3);
	pb_app_key(&a, '?', T0);
	ck_assert(a.help_open);
	/* any key closes it and does nothing else */
	struct pb_app_effect e = pb_app_key(&a, 's', T0);
	ck_assert(!a.help_open);
	ck_assert_int_eq(e.cmd, PB_CMD_NONE);
	pb_app_key(&a, '?', T0);
	e = pb_app_key(&a, 'q', T0);
	ck_assert(!e.quit);
	ck_assert(!a.help_open);

	pb_app_key(&a, '?', T0);
	pb_app_key(&a, '#', T0);          /* unbound keys close it too */
	ck_assert(!a.help_open);

	pb_app_key(&a, 'C', T0);
	ck_assert_int_eq(a.screen, PB_SCR_CALIBRATION);
	pb_app_key(&a, PB_KEY_ESC, T0);
	ck_assert_int_eq(a.screen, PB_SCR_MAIN);
}
END_TEST

START_TEST(units_sweep_scale_toggle)
{
	struct pb_app a;
	pb_app_init(&a, PB_UNIT_MMHG);
	pb_app_key(&a, 'u', T0);
	ck_assert_int_eq(a.units, PB_UNIT_KPA);
	pb_app_key(&a, 'u', T0);
	ck_assert_int_eq(a.units, PB_UNIT_CMH2O);
	pb_app_key(&a, 'u', T0);
	ck_assert_int_eq(a.units, PB_UNIT_MMHG);
	bool sw = a.sweep;
	pb_app_key(&a, 'w', T0);
	ck_assert(a.sweep != sw);
	bool as = a.autoscale;
	pb_app_key(&a, 'f', T0);
	ck_assert(a.autoscale != as);
}
END_TEST

START_TEST(alarms_history_and_ack)
{
	struct pb_app a;
	connected(&a, PB_RS_RUNNING, 3);
	ck_assert_ptr_null(pb_app_alarm(&a, 0));
	struct pb_telemetry t = tel(PB_RS_RUNNING, PB_MODE_EXPRESSION, 3, 3,
	    PB_AL_LEAK);
	t.device_ms = 1234;
	pb_app_on_telemetry(&a, &t, T0 + 10);
	const struct pb_alarm_rec *r = pb_app_alarm(&a, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->bit, 2);
	ck_assert(r->raised);
	ck_assert_uint_eq(r->device_ms, 1234);
	ck_assert_uint_eq(a.alarms_acked, 0);
	pb_app_key(&a, 'a', T0 + 11);
	ck_assert_uint_eq(a.alarms_acked, PB_AL_LEAK);
	/* a second alarm needs its own acknowledgement */
	t.alarms = PB_AL_LEAK | PB_AL_OCCLUSION;
	pb_app_on_telemetry(&a, &t, T0 + 12);
	ck_assert_uint_eq(a.alarms_acked, PB_AL_LEAK);
	t.alarms = PB_AL_OCCLUSION;
	pb_app_on_telemetry(&a, &t, T0 + 13);
	r = pb_app_alarm(&a, 0);
	ck_assert_int_eq(r->bit, 2);
	ck_assert(!r->raised);
	ck_assert_int_eq(pb_app_alarm(&a, 1)->bit, 3);
	/* the ring keeps the newest */
	for (int i = 0; i < 200; i++) {
		t.alarms = (i & 1) ? PB_AL_BATTERY_LOW : 0;
		pb_app_on_telemetry(&a, &t, T0 + 100 + i);
	}
	ck_assert_ptr_nonnull(pb_app_alarm(&a, PB_APP_ALARM_HIST - 1));
	ck_assert_ptr_null(pb_app_alarm(&a, PB_APP_ALARM_HIST));
	/* clear fault is a device command */
	ck_assert_int_eq(pb_app_key(&a, 'c', T0).cmd, PB_CMD_CLEAR_FAULT);
}
END_TEST

START_TEST(session_timer_and_auto_off)
{
	struct pb_app a;
	connected(&a, PB_RS_IDLE, 3);
	ck_assert(pb_app_session_s(&a, T0 + 5000000) == 0);
	ck_assert(pb_app_auto_off_s(&a, T0) < 0);
	struct pb_telemetry t = tel(PB_RS_RUNNING, PB_MODE_EXPRESSION, 3, 3, 0);
	pb_app_on_telemetry(&a, &t, T0);
	ck_assert(pb_app_session_s(&a, T0 + 90000000) == 90.0);
	ck_assert(pb_app_auto_off_s(&a, T0 + 90000000) == 1710.0);
	t.run_state = PB_RS_IDLE;
	pb_app_on_telemetry(&a, &t, T0 + 100000000);
	ck_assert(pb_app_session_s(&a, T0 + 100000001) == 0);
}
END_TEST

/* An alarm is dated when it happened on the device, not when the host
 * read it: the host reads 2.3 s of queued frames at once (a stalled
 * reader); the history shows the device's time through the device clock,
 * and the EVENT's own device time wins over the batch that showed it. */
START_TEST(alarm_times_are_device_times)
{
	struct pb_app a;
	pb_app_init(&a, PB_UNIT_MMHG);
	struct pb_device_info i = info9();
	pb_app_set_info(&a, &i, NULL);
	struct pb_telemetry t = tel(PB_RS_RUNNING, 2, 3, 1, 0);
	t.n = 20;
	/* a live link: batch k (device 10 s + 20k ms) arrives 5 ms after its
	 * last sample */
	uint64_t base = 50000000;
	for (int k = 0; k < 50; k++) {
		t.device_ms = 10000 + 20 * (uint32_t)k;
		pb_app_on_telemetry(&a, &t, base + (uint64_t)(t.device_ms + 19) *
		    1000 + 5000 - 10000000);
	}
	/* the reader stalls; the leak is raised at device 11.003 s; the
	 * batches from 11.000 s on arrive 2.3 s late, all at once */
	uint64_t late = base + 11000000 + 2300000 - 10000000;
	struct pb_event e = { .device_ms = 11003, .kind = PB_EV_ALARM_RAISED,
	    .code = 2, .channel = 0, .value = 0 };
	t.device_ms = 11000;
	t.alarms = PB_AL_LEAK;
	pb_app_on_telemetry(&a, &t, late);
	const struct pb_alarm_rec *r = pb_app_alarm(&a, 0);
	ck_assert_ptr_nonnull(r);
	/* the batch's time, mapped through the least-delayed frames (5 ms
	 * after their last sample): device 11.000 s -> base + 1.005 s */
	ck_assert_uint_eq(r->host_us, base + 1005000);
	pb_app_on_event(&a, &e, late + 1);
	ck_assert_ptr_null(pb_app_alarm(&a, 1));   /* the same record */
	r = pb_app_alarm(&a, 0);
	ck_assert_uint_eq(r->device_ms, 11003);
	ck_assert_uint_eq(r->bit, 2);
	ck_assert(r->raised);
	/* 3 ms later on the device, nowhere near 2.3 s late */
	ck_assert_uint_eq(r->host_us, base + 1008000);
	ck_assert(late - r->host_us > 2200000);
	/* an event that comes before the telemetry is one record, not two */
	struct pb_event c = { .device_ms = 11500, .kind = PB_EV_ALARM_CLEARED,
	    .code = 2 };
	pb_app_on_event(&a, &c, late + 2);
	t.device_ms = 11520;
	t.alarms = 0;
	pb_app_on_telemetry(&a, &t, late + 3);
	ck_assert(!pb_app_alarm(&a, 0)->raised);
	ck_assert_uint_eq(pb_app_alarm(&a, 0)->device_ms, 11500);
	ck_assert(pb_app_alarm(&a, 1)->raised);
	ck_assert_ptr_null(pb_app_alarm(&a, 2));
}
END_TEST

static Suite *app_suite(void)
{
	Suite *s = suite_create("app");
	TCase *tc = tcase_create("keys");
	tcase_add_test(tc, every_key_in_table_maps_to_its_action);
	tcase_add_test(tc, every_action_has_a_key);
	tcase_add_test(tc, start_stop_follows_run_state);
	tcase_add_test(tc, level_bounded_by_levels);
	tcase_add_test(tc, level_bounded_by_profile_vacuum_limit);
	tcase_add_test(tc, no_commands_without_link_or_in_replay);
	tcase_add_test(tc, no_commands_in_text_mode);
	tcase_add_test(tc, command_by_name_checked);
	tcase_add_test(tc, marker_label_prompt);
	tcase_add_test(tc, mode_cycles_supported_modes);
	tcase_add_test(tc, single_double);
	tcase_add_test(tc, quit_asks_while_pumping);
	tcase_add_test(tc, pause_freezes_view_only);
	tcase_add_test(tc, zoom_from_1s_to_session);
	tcase_add_test(tc, help_overlay_and_calibration_hook);
	tcase_add_test(tc, units_sweep_scale_toggle);
	tcase_add_test(tc, alarms_history_and_ack);
	tcase_add_test(tc, alarm_times_are_device_times);
	tcase_add_test(tc, session_timer_and_auto_off);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(app_suite)
