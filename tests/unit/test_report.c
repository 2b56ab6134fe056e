/*
 * tests/unit/test_report.c - the HIL test record: verdicts, the JSON
 * record (parsed back with json-c), the JUnit XML golden shape, escaping,
 * counts and the closing line, atomic saving and hashing.
 */
#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/text.h"
#include "hil/report.h"
#include "tests/lib/check_main.h"

static char *to_string(const struct pb_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	int rc = json ? pb_report_write_json(r, f) : pb_report_write_junit(r, f);
	ck_assert_int_eq(rc, PB_REPORT_OK);
	fclose(f);
	return buf;
}

static void meas(struct pb_attempt *a, const char *name, double v,
    const char *unit, double lo, double hi)
{
	struct pb_measurement m;
	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "%s", name);
	snprintf(m.unit, sizeof m.unit, "%s", unit);
	m.value = v;
	m.low = (struct pb_limit){ true, lo };
	m.high = (struct pb_limit){ true, hi };
	snprintf(m.where, sizeof m.where, "s.lua:7");
	pb_measurement_judge(&m);
	ck_assert_int_ge(pb_attempt_add_measurement(a, &m), 0);
}

/* A fixed report: one pass, one fail retried after an error, one skip,
 * one defect run that caught its defect. Times are fixed. */
static void build(struct pb_report *r)
{
	pb_report_init(r, "pumphil");
	snprintf(r->rig, sizeof r->rig, "sim");
	snprintf(r->rig_kind, sizeof r->rig_kind, "sim");
	snprintf(r->hostname, sizeof r->hostname, "bench1");
	r->start_ms = 1764352800000;            /* 2025-11-28T18:00:00Z */
	r->end_ms = r->start_ms + 12345;

	struct pb_case *c = pb_report_add_case(r);
	snprintf(c->name, sizeof c->name, "nominal");
	snprintf(c->file, sizeof c->file, "fixtures/scenarios/nominal.lua");
	snprintf(c->sha256, sizeof c->sha256, "%064d", 0);
	snprintf(c->dut_serial, sizeof c->dut_serial, "SN1");
	snprintf(c->dut_firmware, sizeof c->dut_firmware, "fw-1.0");
	struct pb_attempt *a = pb_case_add_attempt(c);
	a->start_ms = r->start_ms;
	a->end_ms = r->start_ms + 1500;
	a->rig_seconds = 30;
	a->outcome = PB_OUT_PASS;
	meas(a, "peak", 170.5, "mmHg", 150, 190);
	struct pb_trace *t = pb_attempt_add_trace(a);
	snprintf(t->name, sizeof t->name, "vacuum1");
	snprintf(t->unit, sizeof t->unit, "mmHg");
	t->period_s = 0.01;
	pb_trace_push(t, 1.5, 10);
	pb_trace_push(t, NAN, 10);
	pb_trace_push(t, 3.25, 10);
	pb_case_finish(c);

	c = pb_report_add_case(r);
	snprintf(c->name, sizeof c->name, "leak");
	snprintf(c->file, sizeof c->file, "leak.lua");
	a = pb_case_add_attempt(c);
	a->start_ms = r->start_ms + 2000;
	a->end_ms = r->start_ms + 2100;
	a->outcome = PB_OUT_ERROR;
	a->rig_error = true;
	snprintf(a->message, sizeof a->message, "fixture: unplugged");
	a = pb_case_add_attempt(c);
	a->start_ms = r->start_ms + 3000;
	a->end_ms = r->start_ms + 3500;
	a->outcome = PB_OUT_FAIL;
	meas(a, "alarm leak raised", 0, "bool", 1, 1);
	snprintf(a->message, sizeof a->message, "alarm leak raised = 0 bool "
	    "outside [1, 1]");
	snprintf(a->where, sizeof a->where, "leak.lua:12");
	pb_case_finish(c);

	c = pb_report_add_case(r);
	snprintf(c->name, sizeof c->name, "bench_only");
	a = pb_case_add_attempt(c);
	a->start_ms = a->end_ms = r->start_ms + 4000;
	a->outcome = PB_OUT_SKIPPED;
	snprintf(a->message, sizeof a->message, "needs the ftdi rig");
	pb_case_finish(c);

	c = pb_report_add_case(r);
	snprintf(c->name, sizeof c->name, "leak[defect]");
	snprintf(c->defect, sizeof c->defect, "no-leak-detect");
	c->defect_run = true;
	a = pb_case_add_attempt(c);
	a->start_ms = r->start_ms + 5000;
	a->end_ms = r->start_ms + 6000;
	a->outcome = PB_OUT_FAIL;
	snprintf(a->message, sizeof a->message, "alarm leak raised = 0");
	pb_case_finish(c);
}

START_TEST(judge_limits_and_marginal)
{
	struct pb_measurement m;
	memset(&m, 0, sizeof m);
	m.low = (struct pb_limit){ true, 150 };
	m.high = (struct pb_limit){ true, 190 };
	m.mlow = (struct pb_limit){ true, 155 };
	m.mhigh = (struct pb_limit){ true, 185 };
	m.value = 170;
	pb_measurement_judge(&m);
	ck_assert_int_eq(m.outcome, PB_OUT_PASS);
	ck_assert(!m.marginal);
	m.value = 187;
	pb_measurement_judge(&m);
	ck_assert_int_eq(m.outcome, PB_OUT_PASS);
	ck_assert(m.marginal);
	m.value = 150;   /* on the hard limit: inside */
	pb_measurement_judge(&m);
	ck_assert_int_eq(m.outcome, PB_OUT_PASS);
	ck_assert(m.marginal);
	m.value = 190.01;
	pb_measurement_judge(&m);
	ck_assert_int_eq(m.outcome, PB_OUT_FAIL);
	ck_assert(!m.marginal);
	m.value = NAN;
	pb_measurement_judge(&m);
	ck_assert_int_eq(m.outcome, PB_OUT_FAIL);
	memset(&m, 0, sizeof m);     /* no limits: a plain record */
	m.value = NAN;
	pb_measurement_judge(&m);
	ck_assert_int_eq(m.outcome, PB_OUT_PASS);
}
END_TEST

START_TEST(defect_verdict_inverts)
{
	struct pb_case c;
	memset(&c, 0, sizeof c);
	c.defect_run = true;
	snprintf(c.defect, sizeof c.defect, "no-auto-off");
	struct pb_attempt *a = pb_case_add_attempt(&c);
	a->outcome = PB_OUT_FAIL;
	pb_case_finish(&c);
	ck_assert_int_eq(c.outcome, PB_OUT_PASS);
	ck_assert_ptr_nonnull(strstr(c.message, "no-auto-off detected"));
	a->outcome = PB_OUT_PASS;
	pb_case_finish(&c);
	ck_assert_int_eq(c.outcome, PB_OUT_FAIL);
	ck_assert_ptr_nonnull(strstr(c.message, "NOT detected"));
	a->outcome = PB_OUT_ERROR;
	pb_case_finish(&c);
	ck_assert_int_eq(c.outcome, PB_OUT_ERROR);
	a->outcome = PB_OUT_SKIPPED;
	pb_case_finish(&c);
	ck_assert_int_eq(c.outcome, PB_OUT_SKIPPED);
	pb_attempt_free(a);
	free(c.attempts);
}
END_TEST

/* The location of a reason is named once, first (issue 11). */
START_TEST(reason_names_its_place_once)
{
	struct pb_attempt a;
	memset(&a, 0, sizeof a);
	char b[128];
	snprintf(a.message, sizeof a.message, "x.lua:4: attempt to call nil");
	snprintf(a.where, sizeof a.where, "x.lua:4");
	pb_attempt_reason(&a, b, sizeof b);
	ck_assert_str_eq(b, "x.lua:4: attempt to call nil");
	snprintf(a.message, sizeof a.message, "vacuum = 3 mmHg outside [100, inf]");
	pb_attempt_reason(&a, b, sizeof b);
	ck_assert_str_eq(b, "x.lua:4: vacuum = 3 mmHg outside [100, inf]");
	/* x.lua:4 is not the start of x.lua:40 */
	snprintf(a.message, sizeof a.message, "x.lua:40: boom");
	pb_attempt_reason(&a, b, sizeof b);
	ck_assert_str_eq(b, "x.lua:4: x.lua:40: boom");
	a.where[0] = '\0';
	pb_attempt_reason(&a, b, sizeof b);
	ck_assert_str_eq(b, "x.lua:40: boom");
	a.message[0] = '\0';
	snprintf(a.where, sizeof a.where, "y.lua:2");
	pb_attempt_reason(&a, b, sizeof b);
	ck_assert_str_eq(b, "y.lua:2");
	char tiny[6];
	ck_assert_uint_eq(pb_attempt_reason(&a, tiny, sizeof tiny), 5);
	ck_assert_str_eq(tiny, "y.lua");
}
END_TEST

START_TEST(marginals_listed)
{
	struct pb_attempt a;
	memset(&a, 0, sizeof a);
	char b[256];
	ck_assert_uint_eq(pb_attempt_marginals(&a, b, sizeof b), 0);
	ck_assert_str_eq(b, "");
	struct pb_measurement m;
	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "battery");
	snprintf(m.unit, sizeof m.unit, "V");
	m.value = 3.41;
	m.low = (struct pb_limit){ true, 3.3 };
	m.mlow = (struct pb_limit){ true, 3.45 };
	snprintf(m.where, sizeof m.where, "b.lua:9");
	pb_measurement_judge(&m);
	ck_assert_int_eq(pb_attempt_add_measurement(&a, &m), 0);
	struct pb_measurement fine;
	memset(&fine, 0, sizeof fine);
	snprintf(fine.name, sizeof fine.name, "fine");
	fine.value = 1;
	pb_measurement_judge(&fine);
	ck_assert_int_eq(pb_attempt_add_measurement(&a, &fine), 0);
	ck_assert_uint_eq(pb_attempt_marginals(&a, b, sizeof b), 1);
	ck_assert_str_eq(b, "battery = 3.41 V outside marginal [3.45 .. inf] "
	    "at b.lua:9");
	/* two, and a cut that says so */
	ck_assert_int_eq(pb_attempt_add_measurement(&a, &m), 0);
	char small[40];
	ck_assert_uint_eq(pb_attempt_marginals(&a, small, sizeof small), 2);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert_str_eq(small + sizeof small - 4, "...");
	pb_attempt_free(&a);
}
END_TEST

START_TEST(counts_and_closing_line)
{
	struct pb_report r;
	build(&r);
	struct pb_counts k;
	pb_report_counts(&r, NULL, &k);
	ck_assert_uint_eq(k.tests, 4);
	ck_assert_uint_eq(k.passed, 2);   /* nominal, leak[defect] */
	ck_assert_uint_eq(k.failed, 1);
	ck_assert_uint_eq(k.skipped, 1);
	char line[128];
	pb_report_summary_line(&r, line, sizeof line);
	ck_assert_str_eq(line, "2 passed, 1 failed, 1 skipped");
	pb_report_counts(&r, "pumphil.sim.defects", &k);
	ck_assert_uint_eq(k.tests, 1);
	pb_report_free(&r);
}
END_TEST

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no key %s", k);
	return v;
}

START_TEST(json_record_shape)
{
	struct pb_report r;
	build(&r);
	char *txt = to_string(&r, true);
	json_object *root = json_tokener_parse(txt);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_object_get_string(get(root, "format")),
	    "pumphil-record/1");
	ck_assert_str_eq(json_object_get_string(get(root, "rig")), "sim");
	ck_assert_str_eq(json_object_get_string(get(root, "start")),
	    "2025-11-28T18:00:00.000Z");
	ck_assert_str_eq(json_object_get_string(get(root, "end")),
	    "2025-11-28T18:00:12.345Z");
	json_object *cases = get(root, "cases");
	ck_assert_int_eq((int)json_object_array_length(cases), 4);
	json_object *c0 = json_object_array_get_idx(cases, 0);
	ck_assert_str_eq(json_object_get_string(get(c0, "outcome")), "PASS");
	ck_assert_str_eq(json_object_get_string(get(get(c0, "dut"), "serial")),
	    "SN1");
	ck_assert_str_eq(json_object_get_string(get(get(c0, "scenario"),
	    "sha256")), "0000000000000000000000000000000000000000000000000000000000000000");
	json_object *a0 = json_object_array_get_idx(get(c0, "attempts"), 0);
	json_object *m0 = json_object_array_get_idx(get(a0, "measurements"), 0);
	ck_assert_str_eq(json_object_get_string(get(m0, "name")), "peak");
	ck_assert(fabs(json_object_get_double(get(m0, "value")) - 170.5) < 1e-9);
	ck_assert_str_eq(json_object_get_string(get(m0, "unit")), "mmHg");
	ck_assert(fabs(json_object_get_double(get(m0, "low")) - 150) < 1e-9);
	ck_assert(json_object_is_type(get(m0, "marginal_low"), json_type_null));
	json_object *t0 = json_object_array_get_idx(get(a0, "traces"), 0);
	json_object *smp = get(t0, "samples");
	ck_assert_int_eq((int)json_object_array_length(smp), 3);
	ck_assert(json_object_is_type(json_object_array_get_idx(smp, 1),
	    json_type_null));          /* NaN is null, the JSON stays valid */
	ck_assert(fabs(json_object_get_double(json_object_array_get_idx(smp,
	    2)) - 3.25) < 1e-9);
	/* the retried case keeps both attempts */
	json_object *c1 = json_object_array_get_idx(cases, 1);
	json_object *at = get(c1, "attempts");
	ck_assert_int_eq((int)json_object_array_length(at), 2);
	ck_assert_str_eq(json_object_get_string(get(
	    json_object_array_get_idx(at, 0), "outcome")), "ERROR");
	ck_assert(json_object_get_boolean(get(json_object_array_get_idx(at, 0),
	    "rig_error")));
	ck_assert_str_eq(json_object_get_string(get(c1, "outcome")), "FAIL");
	json_object *c3 = json_object_array_get_idx(cases, 3);
	ck_assert_str_eq(json_object_get_string(get(c3, "testsuite")),
	    "pumphil.sim.defects");
	ck_assert_str_eq(json_object_get_string(get(c3, "outcome")), "PASS");
	json_object_put(root);
	free(txt);
	pb_report_free(&r);
}
END_TEST

/* The golden JUnit: the exact shape Jenkins and GitLab read. */
static const char golden_head[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<testsuites name=\"pumphil\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"12.345\">\n"
"  <testsuite name=\"pumphil.sim\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"2.100\" timestamp=\"2025-11-28T18:00:00\" hostname=\"bench1\">\n"
"    <properties>\n"
"      <property name=\"rig\" value=\"sim\"/>\n"
"    </properties>\n"
"    <testcase classname=\"pumphil.sim\" name=\"nominal\" time=\"1.500\">\n"
"      <system-out>";

START_TEST(junit_golden_shape)
{
	struct pb_report r;
	build(&r);
	char *x = to_string(&r, false);
	ck_assert_msg(strncmp(x, golden_head, strlen(golden_head)) == 0,
	    "head differs:\n%.900s", x);
	/* the failure: message as attribute AND element text, its location
	 * once, first */
	ck_assert_ptr_nonnull(strstr(x,
	    "    <testcase classname=\"pumphil.sim\" name=\"leak\" time=\"0.600\">\n"
	    "      <failure message=\"leak.lua:12: alarm leak raised = 0 bool outside [1, 1]\" type=\"FAIL\">"
	    "leak.lua:12: alarm leak raised = 0 bool outside [1, 1]</failure>\n"));
	/* earlier attempts are in system-out, the name stays unique */
	ck_assert_ptr_nonnull(strstr(x, "--- attempt 1 of 2: ERROR: fixture: unplugged"));
	ck_assert_ptr_nonnull(strstr(x, "--- attempt 2 of 2: FAIL"));
	ck_assert_ptr_nonnull(strstr(x,
	    "      <skipped message=\"needs the ftdi rig\" type=\"SKIPPED\">needs the ftdi rig</skipped>\n"));
	/* defect runs have their own testsuite */
	ck_assert_ptr_nonnull(strstr(x,
	    "  <testsuite name=\"pumphil.sim.defects\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"1.000\" timestamp=\"2025-11-28T18:00:05\" hostname=\"bench1\">\n"));
	ck_assert_ptr_nonnull(strstr(x,
	    "    <testcase classname=\"pumphil.sim.defects\" name=\"leak[defect]\" time=\"1.000\">\n"));
	ck_assert_ptr_nonnull(strstr(x, "defect switch no-leak-detect (ON: must fail)"));
	const char *tail = "  </testsuite>\n</testsuites>\n";
	ck_assert_str_eq(x + strlen(x) - strlen(tail), tail);
	free(x);
	pb_report_free(&r);
}
END_TEST

START_TEST(junit_escapes_everything)
{
	struct pb_report r;
	pb_report_init(&r, "p<&>");
	snprintf(r.rig, sizeof r.rig, "a\"b'c");
	snprintf(r.rig_kind, sizeof r.rig_kind, "sim");
	struct pb_case *c = pb_report_add_case(&r);
	snprintf(c->name, sizeof c->name, "x<y>&\"z'");
	struct pb_attempt *a = pb_case_add_attempt(c);
	a->outcome = PB_OUT_ERROR;
	/* control characters, a stray UTF-8 continuation byte, valid UTF-8,
	 * and text that looks like the end of the element */
	snprintf(a->message, sizeof a->message,
	    "bad\x01\x1f byte \x80 caf\xc3\xa9 ]]> </error> & done\ttab");
	pb_attempt_log(a, "log <b>&amp;</b> \x02");
	pb_case_finish(c);
	char *x = to_string(&r, false);
	ck_assert_ptr_nonnull(strstr(x, "<testsuites name=\"p&lt;&amp;&gt;\""));
	ck_assert_ptr_nonnull(strstr(x, "value=\"a&quot;b&apos;c\""));
	ck_assert_ptr_nonnull(strstr(x, "name=\"x&lt;y&gt;&amp;&quot;z&apos;\""));
	/* what is not a character becomes U+FFFD */
#define REPL "\xef\xbf\xbd"
	ck_assert_ptr_nonnull(strstr(x, "bad" REPL REPL " byte " REPL " caf\xc3\xa9"
	    " ]]&gt; &lt;/error&gt; &amp; done&#9;tab"));
	ck_assert_ptr_nonnull(strstr(x, "log &lt;b&gt;&amp;amp;&lt;/b&gt; " REPL));
	ck_assert(pb_text_utf8_valid(x, strlen(x)));
	/* no raw control byte survives anywhere */
	for (const char *p = x; *p; p++)
		ck_assert(!((unsigned char)*p < 0x20 && *p != '\n'));
	free(x);

	char *j = to_string(&r, true);
	json_object *root = json_tokener_parse(j);
	ck_assert_ptr_nonnull(root);   /* still valid JSON */
	json_object_put(root);
	free(j);
	pb_report_free(&r);
}
END_TEST

START_TEST(aborted_and_errors_count_as_failed)
{
	struct pb_report r;
	pb_report_init(&r, "pumphil");
	snprintf(r.rig_kind, sizeof r.rig_kind, "ftdi");
	static const enum pb_outcome o[] = { PB_OUT_ERROR, PB_OUT_ABORTED,
		PB_OUT_PASS };
	for (int i = 0; i < 3; i++) {
		struct pb_case *c = pb_report_add_case(&r);
		snprintf(c->name, sizeof c->name, "c%d", i);
		struct pb_attempt *a = pb_case_add_attempt(c);
		a->outcome = o[i];
		if (o[i] == PB_OUT_ABORTED)
			snprintf(a->message, sizeof a->message,
			    "interrupted by signal 2");
		pb_case_finish(c);
	}
	char line[128];
	pb_report_summary_line(&r, line, sizeof line);
	ck_assert_str_eq(line, "1 passed, 2 failed, 0 skipped");
	char *x = to_string(&r, false);
	/* ERROR and ABORTED are JUnit errors; a message even when empty */
	ck_assert_ptr_nonnull(strstr(x, "errors=\"2\""));
	ck_assert_ptr_nonnull(strstr(x, "<error message=\"ERROR\" type=\"ERROR\">ERROR</error>"));
	ck_assert_ptr_nonnull(strstr(x, "<error message=\"interrupted by signal 2\" "
	    "type=\"ABORTED\">"));
	ck_assert_ptr_nonnull(strstr(x, "<testsuite name=\"pumphil.ftdi\""));
	free(x);
	/* a case with no attempt at all is an ERROR, not a pass */
	struct pb_case *c = pb_report_add_case(&r);
	snprintf(c->name, sizeof c->name, "none");
	pb_case_finish(c);
	ck_assert_int_eq(c->outcome, PB_OUT_ERROR);
	pb_report_free(&r);
}
END_TEST

/* A flood of log lines, measurements and trace samples: the record keeps
 * what its caps allow, counts the rest, and the reports say so; the
 * runner's last lines still get in. */
START_TEST(floods_are_bounded_and_marked)
{
	struct pb_report r;
	pb_report_init(&r, "pumphil");
	snprintf(r.rig_kind, sizeof r.rig_kind, "sim");
	struct pb_case *c = pb_report_add_case(&r);
	snprintf(c->name, sizeof c->name, "flood");
	struct pb_attempt *a = pb_case_add_attempt(c);
	char line[1000];
	memset(line, 'L', sizeof line);
	for (int i = 0; i < 3000; i++)          /* 3 MB offered */
		pb_attempt_log_text(a, line, sizeof line);
	ck_assert_uint_le(a->log_len, PB_ATTEMPT_LOG_MAX);
	ck_assert_uint_gt(a->log_len, PB_ATTEMPT_LOG_MAX - 2 * sizeof line);
	ck_assert_uint_eq(a->log_dropped_lines,
	    3000 - a->log_len / (sizeof line + 1));
	ck_assert_uint_eq(a->log_dropped_bytes,
	    a->log_dropped_lines * (sizeof line + 1));
	pb_attempt_log(a, "outcome PASS");      /* the runner's own line */
	ck_assert_ptr_nonnull(strstr(a->log, "outcome PASS"));
	/* a line longer than PB_ATTEMPT_LINE_MAX is cut */
	char big[PB_ATTEMPT_LINE_MAX * 2];
	memset(big, 'x', sizeof big);
	size_t before = a->log_len;
	pb_attempt_log(a, "%.*s", (int)sizeof big, big);
	ck_assert_uint_le(a->log_len - before, PB_ATTEMPT_LINE_MAX + 1);
	for (int i = 0; i < 1000; i++)          /* the reserve is bounded too */
		pb_attempt_log(a, "%.*s", 900, big);
	ck_assert_uint_le(a->log_len,
	    PB_ATTEMPT_LOG_MAX + PB_ATTEMPT_LOG_RESERVE);

	for (unsigned i = 0; i < PB_ATTEMPT_MEAS_MAX + 7; i++) {
		struct pb_measurement m;
		memset(&m, 0, sizeof m);
		snprintf(m.name, sizeof m.name, "m%u", i);
		m.value = i;
		m.high = (struct pb_limit){ true, PB_ATTEMPT_MEAS_MAX + 4.5 };
		pb_measurement_judge(&m);
		int rc = pb_attempt_add_measurement(a, &m);
		ck_assert_int_eq(rc, i < PB_ATTEMPT_MEAS_MAX ? 0 : 1);
	}
	ck_assert_uint_eq(a->n_meas, PB_ATTEMPT_MEAS_MAX);
	ck_assert_uint_eq(a->meas_dropped, 7);
	ck_assert_uint_eq(a->meas_dropped_failed, 2);   /* 10005, 10006 */

	struct pb_trace *tr = pb_attempt_add_trace(a);
	snprintf(tr->name, sizeof tr->name, "vacuum1");
	for (int i = 0; i < 15; i++)
		pb_trace_push(tr, i, 10);
	ck_assert_uint_eq(tr->n, 10);
	ck_assert_uint_eq(tr->dropped, 5);
	a->outcome = PB_OUT_PASS;
	pb_case_finish(c);

	char *j = to_string(&r, true);
	json_object *root = json_tokener_parse(j);
	ck_assert_ptr_nonnull(root);
	json_object *at = json_object_array_get_idx(json_object_object_get(
	    json_object_array_get_idx(json_object_object_get(root, "cases"),
	    0), "attempts"), 0);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(at,
	    "log_truncated_lines")), (int64_t)a->log_dropped_lines);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(at,
	    "measurements_truncated")), 7);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(at,
	    "measurements_truncated_failed")), 2);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(at,
	    "measurements")), PB_ATTEMPT_MEAS_MAX);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(
	    json_object_array_get_idx(json_object_object_get(at, "traces"), 0),
	    "truncated")), 5);
	ck_assert_ptr_nonnull(strstr(json_object_get_string(
	    json_object_object_get(at, "log")), "[log truncated: "));
	json_object_put(root);
	ck_assert_uint_lt(strlen(j), 6u << 20);
	free(j);

	char *x = to_string(&r, false);
	ck_assert_ptr_nonnull(strstr(x, "[log truncated: "));
	ck_assert_ptr_nonnull(strstr(x, "[measurements truncated: 7 more not "
	    "kept, 2 of them FAIL]"));
	ck_assert_ptr_nonnull(strstr(x, "[trace vacuum1 truncated: 5 more"));
	ck_assert_uint_lt(strlen(x), 6u << 20);
	free(x);
	pb_report_free(&r);
}
END_TEST

/* Every byte value in every text field: both reports are valid UTF-8,
 * the JSON parses, the XML has no character XML 1.0 forbids. */
START_TEST(hostile_bytes_make_valid_reports)
{
	char junk[256];
	for (int i = 0; i < 255; i++)
		junk[i] = (char)(i + 1);
	junk[255] = '\0';
	/* and the sequences UTF-8 forbids: overlong, surrogate, past
	 * U+10FFFF, a cut sequence, U+FFFE */
	static const char bad[] = "\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 "
	    "\xef\xbf\xbe \xe2\x82";
	struct pb_report r;
	pb_report_init(&r, "pumphil");
	snprintf(r.rig, sizeof r.rig, "%s", bad);
	snprintf(r.rig_kind, sizeof r.rig_kind, "sim");
	snprintf(r.hostname, sizeof r.hostname, "%s", bad);
	struct pb_case *c = pb_report_add_case(&r);
	snprintf(c->name, sizeof c->name, "%.100s%s", junk + 120, bad);
	snprintf(c->file, sizeof c->file, "%s%s", junk, bad);
	snprintf(c->profile, sizeof c->profile, "%.31s", junk + 200);
	snprintf(c->dut_serial, sizeof c->dut_serial, "%.31s", junk + 127);
	snprintf(c->dut_firmware, sizeof c->dut_firmware, "%s", bad);
	struct pb_attempt *a = pb_case_add_attempt(c);
	a->outcome = PB_OUT_FAIL;
	snprintf(a->message, sizeof a->message, "%s%s", junk, bad);
	snprintf(a->where, sizeof a->where, "%s", bad);
	struct pb_measurement m;
	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "%.90s", junk + 100);
	snprintf(m.unit, sizeof m.unit, "%.15s", bad);
	snprintf(m.where, sizeof m.where, "%.150s", junk);
	pb_measurement_judge(&m);
	ck_assert_int_eq(pb_attempt_add_measurement(a, &m), 0);
	pb_attempt_log_text(a, junk, 255);
	pb_attempt_log(a, "%s", bad);
	pb_case_finish(c);

	char *j = to_string(&r, true);
	ck_assert(pb_text_utf8_valid(j, strlen(j)));
	json_object *root = json_tokener_parse(j);
	ck_assert_ptr_nonnull(root);
	json_object_put(root);
	free(j);
	char *x = to_string(&r, false);
	ck_assert(pb_text_utf8_valid(x, strlen(x)));
	for (const unsigned char *p = (const unsigned char *)x; *p; p++)
		ck_assert_msg(*p >= 0x20 || *p == '\n', "control byte %02x at "
		    "%td", *p, (const char *)p - x);
	ck_assert_ptr_null(strstr(x, "\xef\xbf\xbe"));   /* no U+FFFE */
	free(x);
	pb_report_free(&r);
}
END_TEST

START_TEST(save_atomic_and_hash)
{
	char dir[] = "/tmp/pb_report_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char jp[128], xp[128], bad[160], err[512];
	snprintf(jp, sizeof jp, "%s/r.json", dir);
	snprintf(xp, sizeof xp, "%s/r.xml", dir);
	snprintf(bad, sizeof bad, "%s/missing/r.xml", dir);
	struct pb_report r;
	build(&r);
	ck_assert_int_eq(pb_report_save(&r, jp, xp, err, sizeof err),
	    PB_REPORT_OK);
	ck_assert_int_eq(access(jp, R_OK), 0);
	ck_assert_int_eq(access(xp, R_OK), 0);
	/* a directory that does not exist: an error naming the file, the
	 * other report still written */
	unlink(jp);
	ck_assert_int_eq(pb_report_save(&r, jp, bad, err, sizeof err),
	    PB_REPORT_E_IO);
	ck_assert_ptr_nonnull(strstr(err, bad));
	ck_assert_int_eq(access(jp, R_OK), 0);

	/* the temporary file is a fresh one of ours: a symlink planted
	 * where the old predictable name (FILE.tmp.PID) went is not
	 * followed, and the report is readable (0644) */
	char planted[192], victim[128];
	snprintf(victim, sizeof victim, "%s/victim", dir);
	FILE *v = fopen(victim, "w");
	ck_assert_ptr_nonnull(v);
	fputs("precious\n", v);
	fclose(v);
	snprintf(planted, sizeof planted, "%s.tmp.%ld", jp, (long)getpid());
	ck_assert_int_eq(symlink(victim, planted), 0);
	ck_assert_int_eq(pb_report_save(&r, jp, NULL, err, sizeof err),
	    PB_REPORT_OK);
	char vbuf[32] = "";
	v = fopen(victim, "r");
	ck_assert_ptr_nonnull(fgets(vbuf, sizeof vbuf, v));
	fclose(v);
	ck_assert_str_eq(vbuf, "precious\n");
	struct stat st;
	ck_assert_int_eq(stat(jp, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	unlink(planted);
	unlink(victim);

	/* SHA-256 of "abc" (FIPS 180-2 example), of a file and of bytes */
	char fp[128], hex[65];
	snprintf(fp, sizeof fp, "%s/abc", dir);
	FILE *f = fopen(fp, "w");
	fputs("abc", f);
	fclose(f);
	ck_assert_int_eq(pb_sha256_file(fp, hex, err, sizeof err), 0);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(pb_sha256_file(bad, hex, err, sizeof err),
	    PB_REPORT_E_HASH);
	ck_assert_str_eq(hex, "");
	unlink(fp);
	pb_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	unlink(jp);
	unlink(xp);
	rmdir(dir);
	pb_report_free(&r);
}
END_TEST


static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, judge_limits_and_marginal);
	tcase_add_test(tc, defect_verdict_inverts);
	tcase_add_test(tc, reason_names_its_place_once);
	tcase_add_test(tc, marginals_listed);
	tcase_add_test(tc, counts_and_closing_line);
	tcase_add_test(tc, json_record_shape);
	tcase_add_test(tc, junit_golden_shape);
	tcase_add_test(tc, junit_escapes_everything);
	tcase_add_test(tc, aborted_and_errors_count_as_failed);
	tcase_add_test(tc, save_atomic_and_hash);
	tcase_add_test(tc, floods_are_bounded_and_marked);
	tcase_add_test(tc, hostile_bytes_make_valid_reports);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(report_suite)
