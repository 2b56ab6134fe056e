/* tests for cal/certificate.c: JSON round trip, text, HTML, the three
 * files as a calibration output (prepare, store, replace, close) */
#include <check.h>
#include <dirent.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cal/certificate.h"
#include "tests/lib/check_main.h"

static struct pb_profile prof;
static struct pb_cal_result res;
static struct pb_cert_meta meta = { "line-3", "Fluke 700G05 <ref>", NULL,
    1790000000, NULL, NULL, NULL };

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

/* Names in dir, sorted, joined by spaces. */
static void
listing(const char *dir, char *out, size_t n)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, NULL, alphasort);
	ck_assert_int_ge(k, 0);
	out[0] = '\0';
	for (int i = 0; i < k; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			size_t u = strlen(out);
			snprintf(out + u, n - u, "%s%s", u ? " " : "",
			    ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The three files as an output: prepare reserves temporaries (no
 * certificate yet), store puts all three in place atomically, a later
 * store replaces them, close removes what store did not use. */
START_TEST(files_prepare_store_replace)
{
	char dir[] = "/tmp/pbcertXXXXXX", prefix[64], names[1024], p[128];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(prefix, sizeof prefix, "%s/unit", dir);
	struct pb_cert_files *c = pb_cert_files_new(prefix, &prof, &meta);
	ck_assert_ptr_nonnull(c);
	const char *paths[PB_CERT_FILES];
	char err[512];
	ck_assert_int_eq(pb_cert_files_ops.prepare(c, err, sizeof err), 0);
	ck_assert_int_eq(pb_cert_files_paths(c, paths), 0);
	listing(dir, names, sizeof names);
	/* three temporaries, no certificate yet */
	ck_assert_msg(strncmp(names, "unit.html.", 10) == 0 &&
	    strstr(names, " unit.json.") && strstr(names, " unit.txt.") &&
	    strlen(names) == 16 + 16 + 15 + 2, "%s", names);
	ck_assert_int_eq(pb_cert_files_ops.store(c, &res, err, sizeof err), 0);
	listing(dir, names, sizeof names);
	ck_assert_str_eq(names, "unit.html unit.json unit.txt");
	ck_assert_int_eq(pb_cert_files_paths(c, paths), 3);
	snprintf(p, sizeof p, "%s.json", prefix);
	ck_assert_str_eq(paths[0], p);
	ck_assert_ptr_nonnull(strstr(slurp(p), "\"verdict\":\"PASS\""));
	/* the final result replaces the PASS, all three files */
	res.verdict = PB_CAL_ERROR;
	strcpy(res.reason, "certificate: disk full");
	res.restored = true;
	ck_assert_int_eq(pb_cert_files_ops.store(c, &res, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(slurp(p), "\"verdict\":\"ERROR\""));
	snprintf(p, sizeof p, "%s.txt", prefix);
	ck_assert_ptr_nonnull(strstr(slurp(p), "written back"));
	pb_cert_files_ops.close(c);
	pb_cert_files_free(c);
	listing(dir, names, sizeof names);
	ck_assert_str_eq(names, "unit.html unit.json unit.txt");

	/* prepared, never stored: close leaves nothing behind */
	snprintf(prefix, sizeof prefix, "%s/other", dir);
	c = pb_cert_files_new(prefix, &prof, &meta);
	ck_assert_int_eq(pb_cert_files_ops.prepare(c, err, sizeof err), 0);
	pb_cert_files_free(c);     /* free closes too */
	listing(dir, names, sizeof names);
	ck_assert_str_eq(names, "unit.html unit.json unit.txt");
	for (int i = 0; i < 3; i++) {
		static const char *const ext[] = { "json", "txt", "html" };
		snprintf(p, sizeof p, "%s/unit.%s", dir, ext[i]);
		unlink(p);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Issue 9 item 7: the destination is checked before the unit is
 * touched.  A missing directory, a directory where a certificate should
 * go: refused with the name, nothing left behind.  A symbolic link at a
 * certificate's name is replaced, never followed. */
START_TEST(files_prepare_refuses_and_never_follows)
{
	char dir[] = "/tmp/pbcertXXXXXX", prefix[96], names[1024], p[128];
	char err[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));

	snprintf(prefix, sizeof prefix, "%s/missing-dir/x", dir);
	struct pb_cert_files *c = pb_cert_files_new(prefix, &prof, &meta);
	ck_assert_int_eq(pb_cert_files_ops.prepare(c, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "missing-dir") &&
	    strstr(err, "No such file or directory"), "%s", err);
	pb_cert_files_free(c);

	snprintf(p, sizeof p, "%s/busy.txt", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(prefix, sizeof prefix, "%s/busy", dir);
	c = pb_cert_files_new(prefix, &prof, &meta);
	ck_assert_int_eq(pb_cert_files_ops.prepare(c, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "busy.txt: exists and is not a regular file"),
	    "%s", err);
	pb_cert_files_free(c);
	listing(dir, names, sizeof names);
	ck_assert_str_eq(names, "busy.txt");
	rmdir(p);

	char victim[128];
	snprintf(victim, sizeof victim, "%s/victim", dir);
	FILE *f = fopen(victim, "w");
	fputs("keep me\n", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/link.json", dir);
	ck_assert_int_eq(symlink(victim, p), 0);
	snprintf(prefix, sizeof prefix, "%s/link", dir);
	c = pb_cert_files_new(prefix, &prof, &meta);
	ck_assert_int_eq(pb_cert_files_ops.prepare(c, err, sizeof err), 0);
	ck_assert_int_eq(pb_cert_files_ops.store(c, &res, err, sizeof err), 0);
	pb_cert_files_free(c);
	ck_assert_str_eq(slurp(victim), "keep me\n");
	struct stat st;
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);

	/* names that cannot be: empty, too long */
	ck_assert_ptr_null(pb_cert_files_new("", &prof, &meta));
	static char longp[PB_CERT_PATH_MAX + 8];
	memset(longp, 'a', sizeof longp - 1);
	ck_assert_ptr_null(pb_cert_files_new(longp, &prof, &meta));
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
	tcase_add_test(tc, files_prepare_store_replace);
	tcase_add_test(tc, files_prepare_refuses_and_never_follows);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(cert_suite)
