/* tests for store/stationcfg.c (station config files) and
 * store/workflow.c (the station's rules before a unit is touched) */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/stationcfg.h"
#include "store/workflow.h"
#include "tests/lib/check_main.h"

static struct pb_stationcfg c;
static char err[512];

static int parse(const char *text)
{
	return pb_stationcfg_parse(&c, "/etc/pb/station.ini", text,
	    strlen(text), err, sizeof err);
}

START_TEST(good_file)
{
	ck_assert_int_eq(parse(
	    "# line 3\n"
	    "[station]\n"
	    "name = line-3\n"
	    "key = keys/station.key\n"
	    "[gauge]\n"
	    "id = GAUGE-0042\n"
	    "due = 2027-06-30\n"
	    "description = Fluke 700G05 \xc2\xb1" "0.05 %\n"
	    "[store]\n"
	    "url = postgresql://station3@db/records\n"), 0);
	ck_assert_str_eq(c.name, "line-3");
	ck_assert_str_eq(c.key_path, "/etc/pb/keys/station.key");
	ck_assert_str_eq(c.gauge_id, "GAUGE-0042");
	ck_assert_str_eq(c.gauge_due, "2027-06-30");
	ck_assert_int_eq(c.gauge_due_days, 20999);
	ck_assert_str_eq(c.store, "postgresql://station3@db/records");
	ck_assert_str_eq(c.path, "/etc/pb/station.ini");
	/* absolute key path, no store: both fine */
	ck_assert_int_eq(parse("[station]\nname=s1\nkey=/k\n[gauge]\nid=G\n"
	    "due=2027-01-01\n"), 0);
	ck_assert_str_eq(c.key_path, "/k");
	ck_assert_str_eq(c.store, "");
}
END_TEST

START_TEST(errors_with_line)
{
	ck_assert_int_eq(parse("[station]\nname=s1\n[gauge]\nid=G\n"
	    "due=2027-02-30\n"), PB_STATIONCFG_E_VALUE);
	ck_assert_str_eq(err, "/etc/pb/station.ini:5: due = 2027-02-30 is "
	    "not a date (YYYY-MM-DD)");
	ck_assert_str_eq(c.name, "");          /* left zeroed */
	ck_assert_int_eq(parse("[station]\nname=s1\n[gauge]\nid=G\n"
	    "due=2027-01-01\ncolour=red\n"), PB_STATIONCFG_E_KEY);
	ck_assert_ptr_nonnull(strstr(err, ":6: unknown key 'colour'"));
	ck_assert_int_eq(parse("[station]\nname=s1\n[gauges]\nid=G\n"),
	    PB_STATIONCFG_E_KEY);
	ck_assert_ptr_nonnull(strstr(err, ":4: unknown section [gauges]"));
	ck_assert_int_eq(parse("[station]\nname=line 3\n"),
	    PB_STATIONCFG_E_VALUE);
	ck_assert_int_eq(parse("[station]\nname=a-very-long-station-name\n"),
	    PB_STATIONCFG_E_VALUE);
	ck_assert_int_eq(parse("[station]\nname=s1\n[gauge]\nid=G\n"),
	    PB_STATIONCFG_E_MISSING);
	ck_assert_ptr_nonnull(strstr(err, "due is required"));
	ck_assert_int_eq(parse("[station]\nname=s1\n[gauge]\ndue=2027-01-01\n"),
	    PB_STATIONCFG_E_MISSING);
	ck_assert_int_eq(parse("[gauge]\nid=G\ndue=2027-01-01\n"),
	    PB_STATIONCFG_E_MISSING);
	ck_assert_int_eq(parse("name=s1\n"), PB_STATIONCFG_E_KEY);
	ck_assert_int_eq(parse("[station]\nname=s1\n[store]\n"
	    "url=mysql://x/y\n"), PB_STATIONCFG_E_VALUE);
	ck_assert_ptr_nonnull(strstr(err, ":4: url: unknown store scheme"));
	ck_assert_int_eq(parse("[station\nname=s1\n"), PB_STATIONCFG_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(err, ":1: syntax error"));
	ck_assert_int_eq(parse("[station]\nname=s1\n[gauge]\nid=G\x1b[2J\n"),
	    PB_STATIONCFG_E_VALUE);
	char big[1200];
	memset(big, 'x', sizeof big);
	memcpy(big, "[station]\nname=", 15);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(parse(big), PB_STATIONCFG_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(err, "line longer"));
	/* a NUL in the file is a space, not an end */
	const char nul[] = "[station]\nname=s1\0x\n";
	ck_assert_int_ne(pb_stationcfg_parse(&c, "n", nul, sizeof nul - 1, err,
	    sizeof err), 0);
}
END_TEST

START_TEST(load_file)
{
	char path[] = "/tmp/pb-stcfg-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *t = "[station]\nname=s2\n[gauge]\nid=G1\ndue=2030-12-31\n";
	ck_assert_int_eq(write(fd, t, strlen(t)), (ssize_t)strlen(t));
	close(fd);
	ck_assert_int_eq(pb_stationcfg_load(&c, path, err, sizeof err), 0);
	ck_assert_str_eq(c.name, "s2");
	unlink(path);
	ck_assert_int_eq(pb_stationcfg_load(&c, path, err, sizeof err),
	    PB_STATIONCFG_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, ":0: "));
	ck_assert_int_eq(pb_stationcfg_load(&c, "/tmp", err, sizeof err),
	    PB_STATIONCFG_E_OPEN);
}
END_TEST

START_TEST(scanned_lines)
{
	char s[32];
	ck_assert_int_eq(pb_wf_serial("PS1234\r\n", s, sizeof s, err,
	    sizeof err), 0);
	ck_assert_str_eq(s, "PS1234");
	ck_assert_int_eq(pb_wf_serial("  PS1234 \n", s, sizeof s, err,
	    sizeof err), 0);
	ck_assert_str_eq(s, "PS1234");
	ck_assert_int_eq(pb_wf_serial("\r\n", s, sizeof s, err, sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "no unit serial"));
	ck_assert_int_eq(pb_wf_serial("PS 1234", s, sizeof s, err, sizeof err),
	    -1);
	ck_assert_int_eq(pb_wf_serial("PS\x1b" "1", s, sizeof s, err,
	    sizeof err), -1);
	ck_assert_int_eq(pb_wf_serial("0123456789ABCDEF", s, sizeof s, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	ck_assert_int_eq(pb_wf_operator("Jane Doe 7\n", s, sizeof s, err,
	    sizeof err), 0);
	ck_assert_str_eq(s, "Jane Doe 7");
	ck_assert_int_eq(pb_wf_operator("", s, sizeof s, err, sizeof err), -1);
}
END_TEST

START_TEST(serial_match)
{
	char rep[16] = "PS1234";
	ck_assert_int_eq(pb_wf_serial_match("PS1234", rep, 16, err,
	    sizeof err), 0);
	ck_assert_int_eq(pb_wf_serial_match("PS1235", rep, 16, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "wrong unit"));
	ck_assert_ptr_nonnull(strstr(err, "PS1234"));
	/* a full 16-byte field without a NUL */
	memcpy(rep, "ABCDEFGHIJKLMNOP", 16);
	ck_assert_int_eq(pb_wf_serial_match("ABCDEFGHIJKLMNO", rep, 16, err,
	    sizeof err), -1);
	memset(rep, 0, sizeof rep);
	ck_assert_int_eq(pb_wf_serial_match("X", rep, 16, err, sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "no serial"));
}
END_TEST

START_TEST(gauge_due)
{
	char warn[128];
	long due = 20999;    /* 2027-06-30 */
	ck_assert_int_eq(pb_wf_gauge("G", "2027-06-30", due, due - 100, err,
	    sizeof err, warn, sizeof warn), 0);
	ck_assert_str_eq(warn, "");
	ck_assert_int_eq(pb_wf_gauge("G", "2027-06-30", due, due - 3, err,
	    sizeof err, warn, sizeof warn), 0);
	ck_assert_ptr_nonnull(strstr(warn, "soon"));
	ck_assert_int_eq(pb_wf_gauge("G", "2027-06-30", due, due, err,
	    sizeof err, warn, sizeof warn), 0);      /* due today: in date */
	ck_assert_ptr_nonnull(strstr(warn, "today"));
	ck_assert_int_eq(pb_wf_gauge("G", "2027-06-30", due, due + 1, err,
	    sizeof err, warn, sizeof warn), -1);
	ck_assert_ptr_nonnull(strstr(err, "1 day ago"));
	ck_assert_ptr_nonnull(strstr(err, "due for calibration on 2027-06-30"));
	ck_assert_int_eq(pb_wf_gauge("", "", 0, 0, err, sizeof err, NULL, 0),
	    -1);
	ck_assert_int_eq(pb_wf_days(0), 0);
	ck_assert_int_eq(pb_wf_days(86399), 0);
	ck_assert_int_eq(pb_wf_days(86400), 1);
	ck_assert_int_eq(pb_wf_days(-1), -1);
	ck_assert_int_eq(pb_wf_days(1814313600), 20999);
}
END_TEST

START_TEST(recal_rules)
{
	ck_assert_int_eq(pb_wf_recal(false, false, NULL, "PS1", "", "", err,
	    sizeof err), 0);
	ck_assert_int_eq(pb_wf_recal(true, false, NULL, "PS1",
	    "2026-12-01T10:00:00Z", "line-3", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "already passed"));
	ck_assert_ptr_nonnull(strstr(err, "line-3"));
	ck_assert_int_eq(pb_wf_recal(true, true, "", "PS1", "", "", err,
	    sizeof err), -1);
	ck_assert_int_eq(pb_wf_recal(true, true, "dropped", "PS1", "", "", err,
	    sizeof err), 0);
	ck_assert_int_eq(pb_wf_recal(false, true, "customer return", "PS1", "",
	    "", err, sizeof err), 0);
}
END_TEST

static Suite *stationcfg_suite(void)
{
	Suite *s = suite_create("stationcfg");
	TCase *t = tcase_create("stationcfg");
	tcase_add_test(t, good_file);
	tcase_add_test(t, errors_with_line);
	tcase_add_test(t, load_file);
	tcase_add_test(t, scanned_lines);
	tcase_add_test(t, serial_match);
	tcase_add_test(t, gauge_due);
	tcase_add_test(t, recal_rules);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(stationcfg_suite)
