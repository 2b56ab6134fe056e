/* tests for cal/certificate.c: JSON round trip, text, HTML, atomic write */
#include <check.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/certificate.h"
#include "tests/lib/check_main.h"

static struct pb_profile prof;
static struct pb_cal_result res;
static struct pb_cert_meta meta = { "line-3", "Fluke 700G05 <ref>", NULL,
    1790000000 };

static void
setup(void)
{
	memset(&prof, 0, sizeof prof);
	strcpy(prof.id, "s10pro");
	prof.cal_order = 2;
	prof.cal_accept_abs_mmhg = 3;
	prof.cal_accept_rel = 0.01;
	memset(&res, 0, sizeof res);
	res.verdict = PB_CAL_PASS;
	res.channels = 2;
	res.npoints = 3;
	strcpy(res.info.serial, "S10-000123");
	strcpy(res.info.fw_version, "2.4.1-sim");
	double t[] = { 0, 150, 300 };
	for (int i = 0; i < 3; i++) {
		res.point[i].target_mmhg = t[i];
		for (int ch = 0; ch < 2; ch++) {
			res.point[i].raw[ch] = 410 + 9.8 * t[i] + ch;
			res.point[i].reference[ch] = t[i] + 0.3;
			res.point[i].samples[ch] = 100;
		}
	}
	for (int ch = 0; ch < 2; ch++) {
		res.fit[ch].order = 2;
		res.fit[ch].n = 3;
		res.fit[ch].c[0] = -41.5;
		res.fit[ch].c[1] = 0.1017;
		res.fit[ch].c[2] = 2e-7;
		res.fit[ch].residual[1] = 0.25 * (ch ? -1 : 1);
		res.fit[ch].max_abs_residual = 0.25;
		res.accepted[ch] = true;
		res.was_written[ch] = true;
		res.written[ch].cal_id = 8;
		res.old[ch].cal_id = 7;
	}
	res.verify[0].target_mmhg = 100;
	res.verify[1].target_mmhg = 200;
}

START_TEST(json_round_trip)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(pb_cert_fprint(f, PB_CERT_JSON, &res, &prof, &meta), 0);
	fclose(f);
	json_object *o = json_tokener_parse(buf);
	ck_assert_ptr_nonnull(o);
	json_object *v;
	ck_assert(json_object_object_get_ex(o, "serial", &v));
	ck_assert_str_eq(json_object_get_string(v), "S10-000123");
	ck_assert(json_object_object_get_ex(o, "verdict", &v));
	ck_assert_str_eq(json_object_get_string(v), "PASS");
	ck_assert(json_object_object_get_ex(o, "date", &v));
	ck_assert_str_eq(json_object_get_string(v), "2026-09-21T14:13:20Z");
	ck_assert(json_object_object_get_ex(o, "reference_instrument", &v));
	ck_assert_str_eq(json_object_get_string(v), "Fluke 700G05 <ref>");
	ck_assert(json_object_object_get_ex(o, "channels", &v));
	ck_assert_int_eq((int)json_object_array_length(v), 2);
	json_object *b = json_object_array_get_idx(v, 1), *pts, *co;
	ck_assert(json_object_object_get_ex(b, "points", &pts));
	ck_assert_int_eq((int)json_object_array_length(pts), 3);
	json_object *p1 = json_object_array_get_idx(pts, 1), *r;
	ck_assert(json_object_object_get_ex(p1, "residual_mmhg", &r));
	ck_assert_double_eq_tol(json_object_get_double(r), -0.25, 1e-12);
	ck_assert(json_object_object_get_ex(b, "coefficients", &co));
	ck_assert_double_eq_tol(json_object_get_double(
	    json_object_array_get_idx(co, 2)), 2e-7, 1e-20);
	json_object_put(o);
	free(buf);
}
END_TEST

START_TEST(text_and_html)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(pb_cert_fprint(f, PB_CERT_TEXT, &res, &prof, &meta), 0);
	fclose(f);
	ck_assert(strstr(buf, "S10-000123") != NULL);
	ck_assert(strstr(buf, "VERDICT     PASS") != NULL);
	ck_assert(strstr(buf, "cal id 8 (previous 7)") != NULL);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(pb_cert_fprint(f, PB_CERT_HTML, &res, &prof, &meta), 0);
	fclose(f);
	ck_assert(strstr(buf, "<svg") != NULL);
	ck_assert(strstr(buf, "Fluke 700G05 &lt;ref&gt;") != NULL);
	ck_assert(strstr(buf, "<circle") != NULL);
	free(buf);
}
END_TEST

START_TEST(atomic_write_and_errors)
{
	char dir[] = "/tmp/pbcertXXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256], tmp[300], err[512];
	snprintf(path, sizeof path, "%s/cert.json", dir);
	ck_assert_int_eq(pb_cert_fmt_for(path), PB_CERT_JSON);
	ck_assert_int_eq(pb_cert_fmt_for("x.html"), PB_CERT_HTML);
	ck_assert_int_eq(pb_cert_fmt_for("x.txt"), PB_CERT_TEXT);
	ck_assert_int_eq(pb_cert_write(path, PB_CERT_JSON, &res, &prof, &meta,
	    err, sizeof err), 0);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	ck_assert_int_ne(access(path, R_OK), -1);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(pb_cert_write("/nonexistent-dir/c.json", PB_CERT_JSON,
	    &res, &prof, &meta, err, sizeof err), -1);
	ck_assert(strstr(err, "/nonexistent-dir/c.json.tmp") != NULL);
}
END_TEST

static Suite *
cert_suite(void)
{
	Suite *s = suite_create("cal_certificate");
	TCase *tc = tcase_create("certificate");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, json_round_trip);
	tcase_add_test(tc, text_and_html);
	tcase_add_test(tc, atomic_write_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(cert_suite)
