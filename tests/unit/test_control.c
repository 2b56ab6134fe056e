/*
 * tests/unit/test_control.c - pumpsim's control language: parsing,
 * refusals with reasons, and its effect on an emulator.
 */
#include <check.h>
#include <string.h>

#include "pump/profile.h"
#include "tests/lib/check_main.h"
#include "tools/pumpsim/control.h"
#include "tools/pumpsim/emulator.h"

static int parse(const char *line, struct pb_control_cmd *c, char *err,
    size_t errlen)
{
	return pb_control_parse(line, strlen(line), c, err, errlen);
}

START_TEST(parses_commands)
{
	struct pb_control_cmd c;
	char err[160];
	ck_assert_int_eq(parse("fault leak 200 0", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.op, PB_CTL_FAULT);
	ck_assert_int_eq(c.fault, PB_FLT_LEAK);
	ck_assert_int_eq(c.value, 200);
	ck_assert_int_eq(c.channel, 0);
	ck_assert_int_eq(parse("  fault\tsensor_offset -35 1\r\n", &c, err,
	    sizeof err), 0);
	ck_assert_int_eq(c.fault, PB_FLT_SENSOR_OFFSET);
	ck_assert_int_eq(c.value, -35);
	ck_assert_int_eq(c.channel, 1);
	ck_assert_int_eq(parse("fault Valve-Stuck 1", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.fault, PB_FLT_VALVE_STUCK);
	ck_assert_int_eq(parse("fault clear", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.fault, PB_FLT_CLEAR_ALL);
	ck_assert_int_eq(parse("power off", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.op, PB_CTL_POWER);
	ck_assert(!c.on);
	ck_assert_int_eq(parse("power on\n", &c, err, sizeof err), 0);
	ck_assert(c.on);
	ck_assert_int_eq(parse("inject 0 on 2.5", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.op, PB_CTL_INJECT);
	ck_assert(c.on);
	ck_assert(c.volts == 2.5);
	ck_assert_int_eq(parse("inject 1 off", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.channel, 1);
	ck_assert(!c.on);
	ck_assert_int_eq(parse("status", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.op, PB_CTL_STATUS);
	ck_assert_int_eq(parse("help", &c, err, sizeof err), 0);
}
END_TEST

START_TEST(refuses_with_reasons)
{
	struct pb_control_cmd c;
	char err[160];
	static const struct { const char *line, *why; } bad[] = {
		{ "", "empty" },
		{ "   \n", "empty" },
		{ "explode", "unknown command" },
		{ "fault", "unknown command" },
		{ "fault lek 200", "unknown fault" },
		{ "fault leak", "integer value" },
		{ "fault leak 2x0", "integer value" },
		{ "fault leak 99999999999", "integer value" },
		{ "fault leak 200 2", "channel" },
		{ "fault leak 200 -1", "channel" },
		{ "power maybe", "unknown command" },
		{ "inject 0 on", "unknown command" },
		{ "inject 0 on 11", "volts" },
		{ "inject 0 on nan", "volts" },
		{ "inject 3 off", "channel" },
		{ "status now", "unknown command" },
		{ "fault leak 1 0 extra words here", "too many" },
		{ "status \x01", "printable" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(parse(bad[i].line, &c, err, sizeof err) == -1,
		    "accepted \"%s\"", bad[i].line);
		ck_assert_msg(strstr(err, bad[i].why) != NULL,
		    "\"%s\": reason \"%s\" lacks \"%s\"", bad[i].line, err,
		    bad[i].why);
	}
	char longline[400];
	memset(longline, 'a', sizeof longline);
	ck_assert_int_eq(pb_control_parse(longline, sizeof longline, &c, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer"));
}
END_TEST

START_TEST(fault_specs)
{
	int f, ch;
	int32_t v;
	char err[160];
	ck_assert_int_eq(pb_control_parse_fault_spec("leak=200", &f, &v, &ch,
	    err, sizeof err), 0);
	ck_assert_int_eq(f, PB_FLT_LEAK);
	ck_assert_int_eq(v, 200);
	ck_assert_int_eq(ch, 0);
	ck_assert_int_eq(pb_control_parse_fault_spec("battery-sag=400@1", &f,
	    &v, &ch, err, sizeof err), 0);
	ck_assert_int_eq(f, PB_FLT_BATTERY_SAG);
	ck_assert_int_eq(ch, 1);
	ck_assert_int_eq(pb_control_parse_fault_spec("clear", &f, &v, &ch,
	    err, sizeof err), 0);
	ck_assert_int_eq(f, PB_FLT_CLEAR_ALL);
	ck_assert_int_eq(pb_control_parse_fault_spec("leak", &f, &v, &ch,
	    err, sizeof err), -1);
	ck_assert_int_eq(pb_control_parse_fault_spec("leek=1", &f, &v, &ch,
	    err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "leek"));
	ck_assert_int_eq(pb_control_parse_fault_spec("leak=1@7", &f, &v, &ch,
	    err, sizeof err), -1);
	ck_assert_int_eq(pb_control_parse_fault_spec("leak=@0", &f, &v, &ch,
	    err, sizeof err), -1);
	for (int i = 0; i <= PB_FLT_SENSOR_DRIFT; i++) {
		const char *n = pb_fault_name(i);
		ck_assert_int_eq(pb_fault_parse(n, strlen(n), &f), 0);
		ck_assert_int_eq(f, i);
	}
	ck_assert_str_eq(pb_fault_name(99), "?");
	ck_assert_str_eq(pb_fault_name(-1), "?");
}
END_TEST

START_TEST(exec_on_emulator)
{
	struct pb_profile p;
	char err[256];
	ck_assert_int_eq(pb_profile_find(&p, "s10pro", err, sizeof err), 0);
	struct pb_emu_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 5;
	struct pb_emu *e = pb_emu_new(&p, &o, 0, err, sizeof err);
	ck_assert_ptr_nonnull(e);
	char reply[768];
	const char *st = "status";
	ck_assert_int_eq(pb_control_line(e, st, strlen(st), reply, sizeof reply),
	    0);
	ck_assert_ptr_nonnull(strstr(reply, "ok state=idle"));
	ck_assert_ptr_nonnull(strstr(reply, "alarms=none"));

	const char *off = "power off";
	ck_assert_int_eq(pb_control_line(e, off, strlen(off), reply,
	    sizeof reply), 0);
	pb_emu_advance(e, 100000);
	pb_control_line(e, st, strlen(st), reply, sizeof reply);
	ck_assert_ptr_nonnull(strstr(reply, "state=off"));
	const char *on = "power on";
	pb_control_line(e, on, strlen(on), reply, sizeof reply);
	pb_emu_advance(e, 200000);
	pb_control_line(e, st, strlen(st), reply, sizeof reply);
	ck_assert_ptr_nonnull(strstr(reply, "state=idle"));

	/* the inject relay reaches the firmware's reading */
	const char *inj = "inject 1 on 4.0";
	ck_assert_int_eq(pb_control_line(e, inj, strlen(inj), reply,
	    sizeof reply), 0);
	pb_emu_advance(e, 300000);
	struct pb_emu_status s;
	pb_emu_status(e, &s);
	ck_assert_msg(s.measured_mmhg[1] > 250, "measured %.1f",
	    s.measured_mmhg[1]);
	const char *inj_off = "inject 1 off";
	pb_control_line(e, inj_off, strlen(inj_off), reply, sizeof reply);
	pb_emu_advance(e, 400000);
	pb_emu_status(e, &s);
	ck_assert(s.measured_mmhg[1] < 30);

	const char *leak = "fault leak 500 1";
	ck_assert_int_eq(pb_control_line(e, leak, strlen(leak), reply,
	    sizeof reply), 0);
	ck_assert_str_eq(reply, "ok fault leak 500 ch1");
	const char *neg = "fault leak -5 1";
	ck_assert_int_eq(pb_control_line(e, neg, strlen(neg), reply,
	    sizeof reply), -1);
	ck_assert_ptr_nonnull(strstr(reply, "error:"));
	const char *bad = "power sideways";
	ck_assert_int_eq(pb_control_line(e, bad, strlen(bad), reply,
	    sizeof reply), -1);
	ck_assert_ptr_nonnull(strstr(reply, "error: unknown command"));
	pb_emu_free(e);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, parses_commands);
	tcase_add_test(tc, refuses_with_reasons);
	tcase_add_test(tc, fault_specs);
	tcase_add_test(tc, exec_on_emulator);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(control_suite)
