/*
 * tests/unit/test_matrix.c - the verification matrix (hil/matrix.c): rows
 * per written requirement, outcomes, untested and orphan scenarios, series
 * and their latency statistics, the HTML and CSV writers; and the JSON
 * record read back (hil/report-read.c) giving the same matrix.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "hil/matrix.h"
#include "hil/report.h"
#include "tests/lib/check_main.h"

static const char reqs[] =
    "[document]\ntitle = Test reqs\nrevision = 7\n"
    "[SR-A]\ntitle = Trip\ntext = t\nsource = s\nhazard = H-1\n"
    "response_ms = 10\n"
    "[SR-B]\ntitle = Stuck\ntext = t\nsource = s\nhazard = H-2\n"
    "[SR-C]\ntitle = Backflow <untested>\ntext = t\nsource = s\n"
    "hazard = H-3\n";

static void meas(struct pb_attempt *a, const char *name, double v,
    const char *unit, double hi, const char *req)
{
	struct pb_measurement m;
	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "%s", name);
	snprintf(m.unit, sizeof m.unit, "%s", unit);
	snprintf(m.requirement, sizeof m.requirement, "%s", req);
	m.value = v;
	m.high = (struct pb_limit){ true, hi };
	pb_measurement_judge(&m);
	ck_assert_int_ge(pb_attempt_add_measurement(a, &m), 0);
}

static struct pb_case *add(struct pb_report *r, const char *name,
    const char *reqs_of, enum pb_outcome o, bool defect)
{
	struct pb_case *c = pb_report_add_case(r);
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->file, sizeof c->file, "%s.lua", name);
	snprintf(c->requirements, sizeof c->requirements, "%s", reqs_of);
	c->outcome = o;
	c->defect_run = defect;
	pb_case_add_attempt(c)->outcome = o;
	return c;
}

static void build(struct pb_report *r)
{
	pb_report_init(r, "pumphil");
	char err[256];
	ck_assert_int_eq(pb_requirement_parse(&r->requirements, reqs,
	    strlen(reqs), "r.ini", err, sizeof err), 0);
	snprintf(r->rig, sizeof r->rig, "sim");
	r->start_ms = 1764352800000;
	r->end_ms = r->start_ms + 1000;
	/* SR-A: 20 injections in two scenarios, one series; plus a bool */
	struct pb_case *c = add(r, "trip", "SR-A", PB_OUT_PASS, false);
	for (int i = 1; i <= 10; i++) {
		char n[64];
		snprintf(n, sizeof n, "#%d vented [pull, L%d]", i, i);
		meas(&c->attempts[0], n, 0.001 * i, "s", 0.012, "SR-A");
	}
	meas(&c->attempts[0], "alarm raised", 1, "bool", 1, "SR-A");
	c = add(r, "trip2", "SR-A", PB_OUT_PASS, false);
	for (int i = 11; i <= 20; i++) {
		char n[64];
		snprintf(n, sizeof n, "#%d vented [rest, L%d]", i, i);
		meas(&c->attempts[0], n, 0.001 * i, "s", 0.025, "SR-A");
	}
	add(r, "trip[defect]", "SR-A", PB_OUT_PASS, true);
	/* SR-B: one case failed; SR-X: a scenario names a requirement the
	 * file lacks */
	c = add(r, "stuck", "SR-B SR-X", PB_OUT_FAIL, false);
	meas(&c->attempts[0], "stuck after", 3.0, "s", 1.52, "SR-B");
	struct pb_trace *t = pb_attempt_add_trace(&c->attempts[0]);
	snprintf(t->name, sizeof t->name, "vacuum1");
	snprintf(t->unit, sizeof t->unit, "mmHg");
	t->period_s = 0.01;
	for (int i = 0; i < 50; i++)
		pb_trace_push(t, 100.0 - i, 1000);
	add(r, "orphan", "", PB_OUT_PASS, false);
}

START_TEST(rows_outcomes_and_distributions)
{
	struct pb_report r;
	build(&r);
	struct pb_matrix m;
	ck_assert_int_eq(pb_matrix_build(&r, &m), 0);
	ck_assert_uint_eq(m.n, 4);   /* SR-A, SR-B, SR-C, then SR-X */
	ck_assert_str_eq(m.rows[0].id, "SR-A");
	ck_assert_str_eq(m.rows[3].id, "SR-X");
	ck_assert_ptr_null(m.rows[3].req);
	ck_assert_int_eq(m.rows[0].outcome, PB_OUT_PASS);
	ck_assert_int_eq(m.rows[1].outcome, PB_OUT_FAIL);
	ck_assert_int_eq(m.rows[2].outcome, PB_MATRIX_UNTESTED);
	ck_assert_uint_eq(m.untested, 1);
	ck_assert_uint_eq(m.passed, 1);
	ck_assert_uint_eq(m.failed, 2);   /* SR-B and SR-X (FAIL) */
	ck_assert_uint_eq(m.n_orphans, 1);
	ck_assert_str_eq(r.cases[m.orphans[0]].name, "orphan");
	/* SR-A: two cases, one control, 21 measurements in two series */
	const struct pb_matrix_row *a = &m.rows[0];
	ck_assert_uint_eq(a->n_cases, 2);
	ck_assert_uint_eq(a->n_controls, 1);
	ck_assert_uint_eq(a->n_meas, 21);
	ck_assert_uint_eq(a->n_series, 2);
	const struct pb_matrix_series *s = &a->series[0];
	ck_assert_str_eq(s->key, "vented");
	ck_assert(s->timing);
	ck_assert_uint_eq(s->n, 20);
	ck_assert_double_eq_tol(s->min, 0.001, 1e-12);
	ck_assert_double_eq_tol(s->median, 0.0105, 1e-12);
	ck_assert_double_eq_tol(s->p95, 0.019, 1e-12);    /* rank 19 of 20 */
	ck_assert_double_eq_tol(s->max, 0.020, 1e-12);
	ck_assert(s->have_limit);
	ck_assert_double_eq_tol(s->limit, 0.012, 1e-12);  /* the tightest */
	ck_assert_uint_eq(s->failed, 0);   /* each within its own limit */
	ck_assert_str_eq(a->series[1].key, "alarm raised");
	ck_assert(!a->series[1].timing);
	pb_matrix_free(&m);
	pb_report_free(&r);
}
END_TEST

START_TEST(series_keys)
{
	char k[96];
	pb_matrix_series_key("#12 vented after the trip [hold, L3, ch2]", k,
	    sizeof k);
	ck_assert_str_eq(k, "vented after the trip");
	pb_matrix_series_key("ch1 peak [x] more", k, sizeof k);
	ck_assert_str_eq(k, "ch1 peak [x] more");   /* not at the end */
	pb_matrix_series_key("level #3", k, sizeof k);
	ck_assert_str_eq(k, "level");
	pb_matrix_series_key("# not a number", k, sizeof k);
	ck_assert_str_eq(k, "# not a number");
}
END_TEST

static char *html_of(const struct pb_report *r, bool csv)
{
	struct pb_matrix m;
	ck_assert_int_eq(pb_matrix_build(r, &m), 0);
	struct pb_sbuf b;
	pb_sbuf_init(&b, 1u << 24);
	if (csv)
		pb_matrix_write_csv(&m, r, &b);
	else
		pb_matrix_write_html(r, &m, &b);
	pb_matrix_free(&m);
	ck_assert(!b.truncated);
	char *s = strdup(b.p);
	pb_sbuf_free(&b);
	return s;
}

START_TEST(html_and_csv)
{
	struct pb_report r;
	build(&r);
	char *h = html_of(&r, false);
	ck_assert(pb_text_utf8_valid(h, strlen(h)));
	/* the untested requirement in red, its text escaped */
	ck_assert_ptr_nonnull(strstr(h, "<tr class=\"UNTESTED\" id=\"SR-C\">"));
	ck_assert_ptr_nonnull(strstr(h, "Backflow &lt;untested&gt;"));
	ck_assert_ptr_nonnull(strstr(h, "tr.UNTESTED td{background:#f8d0d0}"));
	/* the distribution and its plot; the failed scenario's trace */
	ck_assert_ptr_nonnull(strstr(h, "min 0.001 / median 0.0105 / p95 "
	    "0.019 / max 0.02 s (limit 0.012 s)"));
	ck_assert_ptr_nonnull(strstr(h, "<svg"));
	ck_assert_ptr_nonnull(strstr(h, "<h3>stuck: FAIL</h3>"));
	ck_assert_ptr_nonnull(strstr(h, "stuck attempt 1: mmHg"));
	ck_assert_ptr_nonnull(strstr(h, "orphan (orphan.lua): PASS"));
	/* self-contained: no script, no external reference */
	ck_assert_ptr_null(strstr(h, "<script"));
	ck_assert_ptr_null(strstr(h, "href=\"http"));
	ck_assert_ptr_null(strstr(h, "src="));
	free(h);
	char *c = html_of(&r, true);
	ck_assert(strncmp(c, "requirement,title,class,hazard,outcome,", 39) ==
	    0);
	ck_assert_ptr_nonnull(strstr(c, "\r\nSR-A,Trip,safety,H-1,PASS,"
	    "trip:PASS trip2:PASS,trip[defect]:PASS,vented,s,20,0,0.001,"
	    "0.0105,0.019,0.02,0.012\r\n"));
	ck_assert_ptr_nonnull(strstr(c, "\r\nSR-C,Backflow <untested>,safety,"
	    "H-3,UNTESTED,,,,,0,0,,,,,\r\n"));
	free(c);
	pb_report_free(&r);
}
END_TEST

/* The JSON record read back gives the same matrix, byte for byte. */
START_TEST(json_round_trip)
{
	struct pb_report r;
	build(&r);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(pb_report_write_json(&r, f), 0);
	fclose(f);
	struct pb_report back;
	char err[256];
	ck_assert_msg(pb_report_parse_json(&back, buf, len, "run.json", err,
	    sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(back.n_cases, r.n_cases);
	ck_assert_str_eq(back.cases[3].requirements, "SR-B SR-X");
	ck_assert_str_eq(back.cases[0].attempts[0].meas[0].requirement,
	    "SR-A");
	ck_assert_uint_eq(back.cases[3].attempts[0].traces[0].n, 50);
	ck_assert_int_eq(back.start_ms, r.start_ms);
	/* the requirement texts come from the file, as pumphil trace does */
	ck_assert_int_eq(pb_requirement_parse(&back.requirements, reqs,
	    strlen(reqs), "r.ini", err, sizeof err), 0);
	char *a = html_of(&r, true), *b = html_of(&back, true);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	a = html_of(&r, false);
	b = html_of(&back, false);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	pb_report_free(&back);
	/* not a record: refused with the name, nothing kept */
	static const char *const badj[] = {
		"", "{", "[]", "{\"format\":\"other\"}",
		"{\"format\":\"pumphil-record/1\"}",
		"{\"format\":\"pumphil-record/1\",\"cases\":[1]}",
		"{\"format\":\"pumphil-record/1\",\"cases\":[{\"name\":\"x\"}]}",
		"{\"format\":\"pumphil-record/1\",\"cases\":[]} x",
	};
	for (size_t i = 0; i < sizeof badj / sizeof badj[0]; i++) {
		ck_assert_int_eq(pb_report_parse_json(&back, badj[i],
		    strlen(badj[i]), "bad.json", err, sizeof err),
		    PB_REPORT_E_FORMAT);
		ck_assert_msg(strncmp(err, "bad.json: ", 10) == 0, "%s", err);
		ck_assert_uint_eq(back.n_cases, 0);
		pb_report_free(&back);
	}
	free(buf);
	pb_report_free(&r);
}
END_TEST

static Suite *matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *t = tcase_create("matrix");
	tcase_add_test(t, rows_outcomes_and_distributions);
	tcase_add_test(t, series_keys);
	tcase_add_test(t, html_and_csv);
	tcase_add_test(t, json_round_trip);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(matrix_suite)
