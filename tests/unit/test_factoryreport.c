/* tests for the report side of the store: store/sbuf.c (bounded,
 * escaped text), store/svg.c (charts), store/listing.c (table, CSV,
 * JSON) and store/factoryreport.c (the HTML report) */
#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "store/factoryreport.h"
#include "store/listing.h"
#include "store/sbuf.h"
#include "store/svg.h"
#include "tests/lib/check_main.h"

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static bool no_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\r' &&
		    *s != '\t')
			return false;
	return true;
}

START_TEST(sbuf_bounds_and_escapes)
{
	struct pb_sbuf b;
	pb_sbuf_init(&b, 16);
	pb_sbuf_lit(&b, "0123456789");
	pb_sbuf_lit(&b, "abcdefghij");      /* would pass 16: dropped */
	ck_assert(b.truncated);
	ck_assert_str_eq(b.p, "0123456789");
	pb_sbuf_lit(&b, "x");               /* later appends too */
	ck_assert_str_eq(b.p, "0123456789");
	pb_sbuf_free(&b);

	pb_sbuf_init(&b, 4096);
	pb_sbuf_html(&b, "<script>&\"'\x1b[2J\xff");
	ck_assert_ptr_null(strchr(b.p, '<'));
	ck_assert_ptr_nonnull(strstr(b.p, "&lt;script&gt;&amp;&quot;&#39;"));
	ck_assert(pb_text_utf8_valid(b.p, b.len));
	ck_assert(no_controls(b.p));
	pb_sbuf_free(&b);

	pb_sbuf_init(&b, 4096);
	pb_sbuf_json(&b, "a\"b\\c\nd\x01");
	ck_assert_str_eq(b.p, "\"a\\\"b\\\\c\\nd\xef\xbf\xbd\"");
	pb_sbuf_free(&b);

	pb_sbuf_init(&b, 4096);
	pb_sbuf_csv(&b, "plain");
	pb_sbuf_lit(&b, "|");
	pb_sbuf_csv(&b, "a,b \"q\"\nc");
	ck_assert_str_eq(b.p, "plain|\"a,b \"\"q\"\"\nc\"");
	pb_sbuf_lit(&b, "|");
	pb_sbuf_num(&b, NAN, 6, true);
	pb_sbuf_num(&b, INFINITY, 6, false);
	pb_sbuf_num(&b, 1.5, 6, false);
	ck_assert_ptr_nonnull(strstr(b.p, "|null1.5"));
	pb_sbuf_free(&b);
}
END_TEST

START_TEST(svg_charts)
{
	char d[11];
	pb_svg_date(0, d);
	ck_assert_str_eq(d, "1970-01-01");
	pb_svg_date(20999, d);
	ck_assert_str_eq(d, "2027-06-30");
	pb_svg_date(11016, d);
	ck_assert_str_eq(d, "2000-02-29");

	enum { N = 10000 };
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	for (int i = 0; i < N; i++) {
		x[i] = 1764800000000.0 + i * 60000.0;
		y[i] = i % 7 == 0 ? NAN : sin(i / 100.0);
	}
	struct pb_svg_series s[2] = {
		{ "a<b>", x, y, N, true, true },
		{ "flat", x, x, 0, false, true },
	};
	struct pb_svg_chart c = { .title = "T <&>", .x_time = true,
		.xmin = NAN, .xmax = NAN, .ymin = NAN, .ymax = NAN,
		.nhline = 1, .hline = { 0.5 }, .hline_label = { "limit" } };
	struct pb_sbuf b;
	pb_sbuf_init(&b, 4u << 20);
	pb_svg_xy(&b, &c, s, 2);
	ck_assert(!b.truncated);
	ck_assert(strncmp(b.p, "<svg ", 5) == 0);
	ck_assert(strcmp(b.p + b.len - 6, "</svg>") == 0);
	ck_assert_int_le(count(b.p, "<circle"), PB_SVG_MAX_POINTS);
	ck_assert_int_gt(count(b.p, "<circle"), PB_SVG_MAX_POINTS / 2);
	ck_assert_ptr_nonnull(strstr(b.p, "T &lt;&amp;&gt;"));
	ck_assert_ptr_null(strstr(b.p, "nan"));
	ck_assert_ptr_nonnull(strstr(b.p, "2025-12-0"));   /* date ticks */
	pb_sbuf_free(&b);

	/* degenerate ranges and absurd values end, and stay finite */
	double one[1] = { 1e300 }, t[1] = { 5 };
	struct pb_svg_series s1 = { "x", t, one, 1, true, true };
	struct pb_svg_chart c1 = { .xmin = NAN, .xmax = NAN, .ymin = NAN,
		.ymax = NAN };
	pb_sbuf_init(&b, 1u << 20);
	pb_svg_xy(&b, &c1, &s1, 1);
	ck_assert_ptr_null(strstr(b.p, "nan"));
	ck_assert_ptr_null(strstr(b.p, "inf"));
	pb_sbuf_free(&b);

	unsigned h[4] = { 1, 0, 7, 2 };
	pb_sbuf_init(&b, 1u << 20);
	struct pb_svg_chart c2 = { .band = true, .band_lo = -1, .band_hi = 1 };
	pb_svg_hist(&b, &c2, h, 4, -2, 2);
	ck_assert_int_eq(count(b.p, "<rect"), 1 + 1 + 3);   /* frame, band */
	pb_sbuf_free(&b);

	const char *lab[3] = { "s1", "s2", NULL };
	double v[3] = { 1.5, NAN, 0.8 };
	pb_sbuf_init(&b, 1u << 20);
	struct pb_svg_chart c3 = { .ymin = NAN, .ymax = NAN };
	pb_svg_bars(&b, &c3, lab, v, 3);
	ck_assert_int_eq(count(b.p, "<rect"), 1 + 2);
	pb_sbuf_free(&b);
	free(x);
	free(y);
}
END_TEST

static void row(struct pb_query_row *r, const char *serial)
{
	memset(r, 0, sizeof *r);
	r->kind = PB_Q_CAL;
	strcpy(r->record_id, "0f0e0d0c-0b0a-4908-8706-050403020100");
	r->time_ms = 1764800000123;
	snprintf(r->serial, sizeof r->serial, "%s", serial);
	strcpy(r->station, "line-3");
	strcpy(r->operator_id, "op,7");
	strcpy(r->subject, "s10pro");
	strcpy(r->verdict, "FAIL");
	strcpy(r->detail, "residual \"3.4\" mmHg\nat 250");
}

START_TEST(listing_formats)
{
	struct pb_query_row r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct pb_listing l;
	pb_listing_begin(&l, f, PB_LIST_JSON);
	row(&r, "PS\x1b[2J\xff");
	ck_assert_int_eq(pb_listing_row(&l, &r), 0);
	row(&r, "PS2");
	r.recal = true;
	strcpy(r.recal_reason, "dropped");
	ck_assert_int_eq(pb_listing_row(&l, &r), 0);
	ck_assert_int_eq(pb_listing_end(&l), 0);
	fclose(f);
	ck_assert(pb_text_utf8_valid(buf, len));
	json_object *j = json_tokener_parse(buf);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_object_array_length(j), 2);
	json_object *o = json_object_array_get_idx(j, 1), *v;
	ck_assert(json_object_object_get_ex(o, "recal", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(o, "time_utc", &v));
	ck_assert_str_eq(json_object_get_string(v),
	    "2025-12-03T22:13:20.123Z");
	json_object_put(j);
	free(buf);

	f = open_memstream(&buf, &len);
	pb_listing_begin(&l, f, PB_LIST_CSV);
	row(&r, "PS1");
	pb_listing_row(&l, &r);
	pb_listing_end(&l);
	fclose(f);
	ck_assert(strncmp(buf, "kind,record_id,time_utc,verdict,serial,", 39)
	    == 0);
	ck_assert_ptr_nonnull(strstr(buf, ",\"op,7\","));
	ck_assert_ptr_nonnull(strstr(buf, "\"residual \"\"3.4\"\" mmHg\nat "
	    "250\""));
	free(buf);

	f = open_memstream(&buf, &len);
	pb_listing_begin(&l, f, PB_LIST_TABLE);
	row(&r, "PS\x1b[2J");
	pb_listing_row(&l, &r);
	pb_listing_end(&l);
	fclose(f);
	ck_assert_ptr_null(strchr(buf, 0x1b));       /* escaped */
	ck_assert_ptr_nonnull(strstr(buf, "PS\\x1B[2J"));
	ck_assert_ptr_nonnull(strstr(buf, "1 record\n"));
	free(buf);
	enum pb_listing_fmt fmt;
	ck_assert_int_eq(pb_listing_fmt_parse("csv", &fmt), 0);
	ck_assert_int_eq(fmt, PB_LIST_CSV);
	ck_assert_int_eq(pb_listing_fmt_parse("xml", &fmt), -1);
}
END_TEST

#define DAY 86400000LL

static void data(struct pb_report_data *d, int n)
{
	memset(d, 0, sizeof *d);
	strcpy(d->store, "/var/lib/records.db");
	d->cal = calloc((size_t)n, sizeof *d->cal);
	d->resid = calloc((size_t)n, sizeof *d->resid);
	d->offset = calloc((size_t)n, sizeof *d->offset);
	d->verify = calloc((size_t)n, sizeof *d->verify);
	d->cases = calloc((size_t)n, sizeof *d->cases);
	d->reqs = calloc(2, sizeof *d->reqs);
	for (int i = 0; i < n; i++) {
		const char *st = i % 2 ? "line-<b>" : "line-1";
		snprintf(d->cal[i].serial, sizeof d->cal[i].serial, "PS%d",
		    i / 2);   /* each unit twice: a FAIL then a PASS */
		strcpy(d->cal[i].station, st);
		strcpy(d->cal[i].verdict, i % 4 == 0 ? "FAIL" : "PASS");
		d->cal[i].time_ms = 1764800000000 + (int64_t)i * DAY / 10;
		strcpy(d->resid[i].station, st);
		d->resid[i].v = sin(i) * 2;
		d->resid[i].time_ms = d->cal[i].time_ms;
		strcpy(d->offset[i].station, st);
		d->offset[i].v = 1 + i * 0.01;
		d->offset[i].time_ms = d->cal[i].time_ms;
		strcpy(d->verify[i].station, st);
		d->verify[i].v = i % 2 ? 0.1 * sin(i) : 2.0 + 0.5 * sin(i);
		d->verify[i].time_ms = d->cal[i].time_ms;
		snprintf(d->cases[i].scenario, sizeof d->cases[i].scenario,
		    "%s", i % 3 == 0 ? "leak_slow" : "stop_vents");
		strcpy(d->cases[i].build, "fw-1");
		strcpy(d->cases[i].outcome, i % 6 == 0 && i > 0 ? "FAIL" :
		    "PASS");
		d->cases[i].time_ms = d->cal[i].time_ms;
	}
	d->ncal = d->nresid = d->noffset = d->nverify = d->ncase = (size_t)n;
	strcpy(d->reqs[0].requirement, "SR-OP-01");
	strcpy(d->reqs[0].scenario, "overpressure_trip");
	strcpy(d->reqs[0].outcome, "PASS");
	d->reqs[0].time_ms = 5;
	strcpy(d->reqs[1].requirement, "SR-OP-01");
	strcpy(d->reqs[1].scenario, "overpressure_trip");
	strcpy(d->reqs[1].outcome, "FAIL");
	d->reqs[1].time_ms = 6;
	d->nreq = 2;
}

START_TEST(report_html)
{
	struct pb_report_data d;
	data(&d, 40);
	struct pb_freport_opts o = { .made_ms = 1764900000000,
		.tool_version = "v1-test" };
	struct pb_sbuf b;
	pb_sbuf_init(&b, PB_FREPORT_LIMIT);
	ck_assert_int_eq(pb_freport_html(&d, &o, &b), 0);
	ck_assert(!b.truncated);
	ck_assert(pb_text_utf8_valid(b.p, b.len));
	ck_assert(strncmp(b.p, "<!DOCTYPE html>", 15) == 0);
	ck_assert_ptr_nonnull(strstr(b.p, "</body></html>"));
	/* no text from the records becomes markup; nothing outside */
	ck_assert_ptr_null(strstr(b.p, "line-<b>"));
	ck_assert_ptr_nonnull(strstr(b.p, "line-&lt;b&gt;"));
	ck_assert_ptr_null(strstr(b.p, "<script"));
	ck_assert_ptr_null(strstr(b.p, "src="));
	ck_assert_ptr_null(strstr(b.p, "href=\"http"));
	/* 20 units, each FAIL first on every other one: yield shown */
	ck_assert_ptr_nonnull(strstr(b.p, "20 units"));
	ck_assert_int_ge(count(b.p, "<svg"), 5);
	/* leak_slow failed and passed on fw-1: flaky; stop_vents did too
	 * (i = 6*k with k odd lands on it) */
	ck_assert_ptr_nonnull(strstr(b.p, "FLAKY</span> on build fw-1"));
	/* Cpk: line-1's verify errors sit at 2 +/- 0.5: poor; line-<b>
	 * near 0: good */
	ck_assert_ptr_nonnull(strstr(b.p, "class=\"n bad\">0."));
	ck_assert_ptr_nonnull(strstr(b.p, "class=\"n good\">"));
	/* the requirement's latest result is the FAIL */
	const char *req = strstr(b.p, "<td>SR-OP-01</td>");
	ck_assert_ptr_nonnull(req);
	ck_assert(strncmp(req + 17, "<td class=\"bad\">FAIL", 20) == 0);
	pb_sbuf_free(&b);

	/* bounded: a small limit still gives a closed, valid page */
	pb_sbuf_init(&b, 20000);
	ck_assert_int_eq(pb_freport_html(&d, &o, &b), 0);
	ck_assert_uint_le(b.len, 20000);
	ck_assert(pb_text_utf8_valid(b.p, b.len));
	ck_assert_ptr_nonnull(strstr(b.p, "cut at its size limit"));
	ck_assert(strcmp(b.p + b.len - 15, "</body></html>\n") == 0);
	pb_sbuf_free(&b);
	pb_report_data_free(&d);

	/* an empty store */
	memset(&d, 0, sizeof d);
	pb_sbuf_init(&b, PB_FREPORT_LIMIT);
	ck_assert_int_eq(pb_freport_html(&d, &o, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "No HIL run"));
	ck_assert_ptr_nonnull(strstr(b.p, "no requirements trace"));
	pb_sbuf_free(&b);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("factoryreport");
	TCase *t = tcase_create("report");
	tcase_add_test(t, sbuf_bounds_and_escapes);
	tcase_add_test(t, svg_charts);
	tcase_add_test(t, listing_formats);
	tcase_add_test(t, report_html);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(report_suite)
