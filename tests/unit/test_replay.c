/*
 * test_replay: malformed recordings give "FILE:LINE: message", bad lines
 * are skipped and reading goes on, a cut-off last line is a warning, the
 * header is checked, and nothing crashes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/check_main.h"
#include "tui/replay.h"

#define HDR "# pumpbench recording v1\n" \
	"# serial: PB-7\n" \
	"# firmware: 2.0\n" \
	"# profile: s21\n" \
	"# calibration: 3\n" \
	"# start: 2026-01-02T03:04:05.006Z\n" \
	"# units: mmHg\n" \
	"# sample_rate_hz: 500\n" \
	"# channels: 1\n" \
	"kind,device_ms,index,ch1_mmHg,ch2_mmHg,info\n"
/* HDR is 10 lines: the first row is line 11 */

static struct pb_replay *open_str(const char *s)
{
	struct pb_replay *rp = NULL;
	char err[256];
	int rc = pb_replay_open_mem(&rp, s, strlen(s), "t.csv", err,
	    sizeof err);
	ck_assert_msg(rc == 0, "%s", err);
	return rp;
}

static void expect_open_error(const char *s, const char *want)
{
	struct pb_replay *rp = NULL;
	char err[256] = "";
	int rc = pb_replay_open_mem(&rp, s, strlen(s), "t.csv", err,
	    sizeof err);
	ck_assert_int_eq(rc, PB_RP_E_HEADER);
	ck_assert_ptr_null(rp);
	ck_assert_msg(strstr(err, want), "got \"%s\", want \"%s\"", err, want);
}

START_TEST(header_checks)
{
	expect_open_error("", "t.csv:1: not a pumpbench recording");
	expect_open_error("hello\n", "t.csv:1: not a pumpbench recording");
	expect_open_error("# pumpbench recording v1", "t.csv:1: not a");
	expect_open_error("# pumpbench recording v1\n# units: psi\n",
	    "t.csv:2: unknown unit \"psi\"");
	expect_open_error("# pumpbench recording v1\n# units: kPa\n"
	    "# sample_rate_hz: 0\n", "t.csv:3: bad sample rate");
	expect_open_error("# pumpbench recording v1\n# units: kPa\n"
	    "# sample_rate_hz: 1000\n# channels: 3\n",
	    "t.csv:4: bad channel count");
	expect_open_error("# pumpbench recording v1\n# units: kPa\n"
	    "# sample_rate_hz: 1000\n# channels: 2\n",
	    "t.csv:4: header ends before the column line");
	expect_open_error("# pumpbench recording v1\n# units: kPa\n"
	    "# channels: 2\nkind,device_ms,index,a,b,info\n",
	    "t.csv:4: header lacks \"# sample_rate_hz:\"");
	expect_open_error("# pumpbench recording v1\n# units: kPa\n"
	    "S,1,2,3,4,\n", "t.csv:3: expected the column line");
	expect_open_error("# pumpbench recording v1\n# calibration: x\n",
	    "t.csv:2: bad calibration id");
	expect_open_error("# pumpbench recording v1\n"
	    "kind,device_ms,index,a,info\n",
	    "t.csv:2: column line has 5 columns");

	/* a good header, CRLF line ends and unknown keys accepted */
	struct pb_replay *rp = open_str("# pumpbench recording v1\r\n"
	    "# units: cmH2O\r\n# sample_rate_hz: 250\r\n# channels: 2\r\n"
	    "# future_key: whatever\r\n# a plain comment\r\n"
	    "kind,device_ms,index,ch1_cmH2O,ch2_cmH2O,info\r\n"
	    "S,10,0,13.60,,\r\n");
	const struct pb_rec_meta *m = pb_replay_meta(rp);
	ck_assert_int_eq(m->unit, PB_UNIT_CMH2O);
	ck_assert_uint_eq(m->sample_rate_hz, 250);
	ck_assert_int_eq(m->channels, 2);
	struct pb_replay_row row;
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_int_eq(row.v[0], 100);   /* 13.60 cmH2O = 10.0 mmHg */
	ck_assert(row.present[0] && !row.present[1]);
	ck_assert_uint_eq(row.line, 8);
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_EOF);
	pb_replay_close(rp);

	char err[256];
	ck_assert_int_eq(pb_replay_open(&rp, "/nonexistent/rec.csv", err,
	    sizeof err), PB_RP_E_OPEN);
	ck_assert_msg(strstr(err, "/nonexistent/rec.csv: "), "%s", err);
}
END_TEST

struct bad_case {
	const char *line;
	const char *msg;
};

START_TEST(malformed_rows_name_file_and_line)
{
	static const struct bad_case cases[] = {
		{ "X,1,2,,,", "unknown row kind" },
		{ "SS,1,2,,,", "unknown row kind" },
		{ "S,1,2,3", "expected 6 comma-separated fields" },
		{ "S,-1,2,3,,", "bad device_ms" },
		{ "S,4294967296,2,3,,", "bad device_ms" },
		{ "S,1,x,3,,", "bad sample index" },
		{ "S,1,99999999999999999999,3,,", "bad sample index" },
		{ "S,1,2,abc,,", "bad channel 1 value" },
		{ "S,1,2,nan,,", "bad channel 1 value" },
		{ "S,1,2,1e3,,", "bad channel 1 value" },
		{ "S,1,2,3276.8,,", "bad channel 1 value" },
		{ "S,1,2,1.2.3,,", "bad channel 1 value" },
		{ "S,1,2,,5,", "value for channel 2 in a 1-channel recording" },
		{ "P,1,2,,,run=1 mode=2", "state row needs" },
		{ "P,1,2,,,run=1 mode=2 level=300 phase=1", "state row needs" },
		{ "G,1,2,,,lost=0", "gap row needs lost=N" },
		{ "G,1,2,,,reason=lost", "gap row needs lost=N" },
		{ "M,1,2,,,text=x", "marker row needs n=N" },
		{ "E,1,2,,,code=1", "event row needs kind= and code=" },
	};
	size_t nc = sizeof cases / sizeof cases[0];
	/* all bad lines, each followed by a good sample row */
	size_t cap = 8192;
	char *s = malloc(cap);
	size_t n = (size_t)snprintf(s, cap, "%s", HDR);
	for (size_t i = 0; i < nc; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s\nS,%zu,%zu,1.5,,\n",
		    cases[i].line, i, i);
	struct pb_replay *rp = open_str(s);
	struct pb_replay_row row;
	for (size_t i = 0; i < nc; i++) {
		int rc = pb_replay_next(rp, &row);
		ck_assert_msg(rc == PB_RP_E_LINE, "case %zu (%s) gave %d",
		    i, cases[i].line, rc);
		char want[128];
		snprintf(want, sizeof want, "t.csv:%zu: %s", 11 + 2 * i,
		    cases[i].msg);
		ck_assert_msg(strstr(pb_replay_error(rp), want),
		    "case %zu: got \"%s\", want \"%s\"", i,
		    pb_replay_error(rp), want);
		/* and reading goes on with the next line */
		ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
		ck_assert_uint_eq(row.index, i);
		ck_assert_int_eq(row.v[0], 15);
	}
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_EOF);
	ck_assert_uint_eq(pb_replay_counts(rp)->bad_lines, nc);
	ck_assert_uint_eq(pb_replay_counts(rp)->samples, nc);
	pb_replay_close(rp);
	free(s);
}
END_TEST

START_TEST(rows_of_every_kind)
{
	const char *s = HDR
	    "P,0,0,,,run=1 mode=3 level=7 phase=2 mask=1 target_dmmHg=-20\n"
	    "S,0,0,-0.5,,\n"
	    "\n"
	    "G,2,1,,,lost=40 reason=link_down\n"
	    "M,42,41,,,n=3 text=nipple size 24 mm\n"
	    "E,43,42,,,event=alarm_raised kind=1 code=2 channel=1 "
	    "value=-9 text=leak\n"
	    "# end: samples=1 lost=40 rows=5\n";
	struct pb_replay *rp = open_str(s);
	struct pb_replay_row row;
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_int_eq(row.kind, 'P');
	ck_assert_uint_eq(row.state.mode, 3);
	ck_assert_uint_eq(row.state.level, 7);
	ck_assert_uint_eq(row.state.phase, 2);
	ck_assert_uint_eq(row.state.channel_mask, 1);
	ck_assert_int_eq(row.state.target, -20);
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_int_eq(row.kind, 'S');
	ck_assert_int_eq(row.v[0], -5);
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_int_eq(row.kind, 'G');
	ck_assert_uint_eq(row.lost, 40);
	ck_assert(row.link_down);
	ck_assert_uint_eq(row.line, 14);   /* the empty line counts */
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_int_eq(row.kind, 'M');
	ck_assert_uint_eq(row.marker, 3);
	ck_assert_str_eq(row.text, "nipple size 24 mm");
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_int_eq(row.kind, 'E');
	ck_assert_uint_eq(row.event.kind, 1);
	ck_assert_uint_eq(row.event.code, 2);
	ck_assert_uint_eq(row.event.channel, 1);
	ck_assert_int_eq(row.event.value, -9);
	ck_assert_str_eq(row.text, "leak");
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_EOF);
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_EOF);
	const struct pb_replay_trailer *t = pb_replay_trailer(rp);
	ck_assert(t->present);
	ck_assert_uint_eq(t->samples, 1);
	ck_assert_uint_eq(t->lost, 40);
	ck_assert_uint_eq(t->rows, 5);
	pb_replay_close(rp);
}
END_TEST

START_TEST(long_lines_nul_and_truncation)
{
	size_t cap = 20000;
	char *s = malloc(cap);
	size_t n = (size_t)snprintf(s, cap, "%s", HDR);
	/* line 11: 5000 bytes */
	n += (size_t)snprintf(s + n, cap - n, "S,1,2,3,,");
	memset(s + n, 'x', 5000);
	n += 5000;
	s[n++] = '\n';
	/* line 12: NUL inside */
	memcpy(s + n, "S,1,2,3\0,,\n", 11);
	n += 11;
	/* line 13: good; line 14: cut off */
	n += (size_t)snprintf(s + n, cap - n, "S,5,6,7.5,,\nS,6,7,8");
	struct pb_replay *rp;
	char err[256];
	ck_assert_int_eq(pb_replay_open_mem(&rp, s, n, "t.csv", err,
	    sizeof err), 0);
	struct pb_replay_row row;
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_E_LINE);
	ck_assert_msg(strstr(pb_replay_error(rp), "t.csv:11: line longer"),
	    "%s", pb_replay_error(rp));
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_E_LINE);
	ck_assert_msg(strstr(pb_replay_error(rp), "t.csv:12: NUL byte"),
	    "%s", pb_replay_error(rp));
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_int_eq(row.v[0], 75);
	ck_assert_uint_eq(row.line, 13);
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_TRUNCATED);
	ck_assert_msg(strstr(pb_replay_error(rp), "t.csv:14: last line has "
	    "no newline"), "%s", pb_replay_error(rp));
	ck_assert(pb_replay_counts(rp)->truncated);
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_EOF);
	pb_replay_close(rp);
	free(s);
}
END_TEST

/* Every prefix and random corruption of a recording: no crash, reading
 * always ends. */
START_TEST(never_crashes_on_prefixes_and_noise)
{
	const char *base = HDR
	    "P,0,0,,,run=1 mode=2 level=4 phase=1 mask=1 target_dmmHg=900\n"
	    "S,0,0,1.0,,\nS,2,1,2.0,,\nG,4,2,,,lost=3 reason=lost\n"
	    "M,10,5,,,n=1 text=a\nE,11,6,,,event=x kind=1 code=0 text=\n"
	    "# end: samples=2 lost=3 rows=6\n";
	size_t len = strlen(base);
	char *buf = malloc(len + 1);
	uint32_t rng = 99;
	for (int mode = 0; mode < 2; mode++) {
		for (size_t cut = 0; cut <= len; cut++) {
			memcpy(buf, base, len);
			size_t n = cut;
			if (mode == 1) {
				n = len;
				for (int k = 0; k < 3; k++) {
					rng = rng * 1103515245u + 12345u;
					buf[(rng >> 8) % len] = (char)(rng >> 24);
				}
			}
			struct pb_replay *rp;
			char err[256];
			if (pb_replay_open_mem(&rp, buf, n, "f", err,
			    sizeof err) != 0)
				continue;
			struct pb_replay_row row;
			int guard = 0;
			while (pb_replay_next(rp, &row) != PB_RP_EOF)
				ck_assert_int_lt(++guard, 100);
			pb_replay_close(rp);
		}
	}
	free(buf);
}
END_TEST

/* issue 9.6: nothing the reader hands on can drive a terminal: header
 * text, marker and event text, and the messages quoting the file */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

START_TEST(control_bytes_escaped)
{
	const char *s = "# pumpbench recording v1\n"
	    "# serial: \x1b[2JPB\n"
	    "# firmware: 1.0\x07\n"
	    "# profile: s21\x1b]0;t\x07\n"
	    "# units: mmHg\n"
	    "# sample_rate_hz: 500\n"
	    "# channels: 1\n"
	    "kind,device_ms,index,ch1_mmHg,ch2_mmHg,info\n"
	    "M,1,1,,,n=1 text=\x1b[31mred\n"
	    "E,1,1,,,kind=1 code=2 text=\x1b[H\x9b\n"
	    "S,1,2,\x1b[1m,,\n";
	struct pb_replay *rp = open_str(s);
	const struct pb_rec_meta *m = pb_replay_meta(rp);
	ck_assert_str_eq(m->serial, "\\x1B[2JPB");
	ck_assert_str_eq(m->firmware, "1.0\\x07");
	ck_assert(!has_control(m->profile));
	struct pb_replay_row row;
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_str_eq(row.text, "\\x1B[31mred");
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_ROW);
	ck_assert_str_eq(row.text, "\\x1B[H\\x9B");
	pb_replay_close(rp);

	/* a message quoting the file, and a file name with an escape */
	struct pb_replay *r2 = NULL;
	char err[256];
	static const char bad[] = "# pumpbench recording v1\n"
	    "# units: \x1b[2J\n";
	ck_assert_int_lt(pb_replay_open_mem(&r2, bad, sizeof bad - 1,
	    "n\x1b", err, sizeof err), 0);
	ck_assert_str_eq(err, "n\\x1B:2: unknown unit \"\\x1B[2J\"");
}
END_TEST

/* issue 9.5: a FIFO is refused at once (the alarm fails a hang) */
START_TEST(fifo_refused)
{
	char dir[] = "/tmp/pb-replayfifo-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/r.csv", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	struct pb_replay *rp = NULL;
	char err[256];
	alarm(3);
	int rc = pb_replay_open(&rp, path, err, sizeof err);
	alarm(0);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(rc, PB_RP_E_OPEN);
	ck_assert_ptr_null(rp);
	char want[128];
	snprintf(want, sizeof want, "%s: not a regular file (a FIFO)", path);
	ck_assert_str_eq(err, want);
}
END_TEST

static Suite *replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, header_checks);
	tcase_add_test(tc, malformed_rows_name_file_and_line);
	tcase_add_test(tc, rows_of_every_kind);
	tcase_add_test(tc, long_lines_nul_and_truncation);
	tcase_add_test(tc, never_crashes_on_prefixes_and_noise);
	tcase_add_test(tc, control_bytes_escaped);
	tcase_add_test(tc, fifo_refused);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(replay_suite)
