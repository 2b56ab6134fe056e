/* tests for store/url.c: store specs, password redaction, default path */
#include <check.h>
#include <string.h>

#include "store/url.h"
#include "tests/lib/check_main.h"

static struct pb_store_url u;
static char err[256];

START_TEST(kinds)
{
	ck_assert_int_eq(pb_store_url_parse("records.db", &u, err, sizeof err), 0);
	ck_assert_int_eq(u.kind, PB_STORE_SQLITE);
	ck_assert_str_eq(u.target, "records.db");
	ck_assert_int_eq(pb_store_url_parse("sqlite:/var/lib/x.db", &u, err,
	    sizeof err), 0);
	ck_assert_int_eq(u.kind, PB_STORE_SQLITE);
	ck_assert_str_eq(u.target, "/var/lib/x.db");
	ck_assert_int_eq(pb_store_url_parse("sqlite:///abs/y.db", &u, err,
	    sizeof err), 0);
	ck_assert_str_eq(u.target, "/abs/y.db");
	ck_assert_int_eq(pb_store_url_parse("postgresql://db.factory/rec",
	    &u, err, sizeof err), 0);
	ck_assert_int_eq(u.kind, PB_STORE_PG);
	ck_assert_str_eq(u.target, "postgresql://db.factory/rec");
	ck_assert_int_eq(pb_store_url_parse("POSTGRES://h/d", &u, err,
	    sizeof err), 0);
	ck_assert_int_eq(u.kind, PB_STORE_PG);
	ck_assert_str_eq(pb_store_kind_name(PB_STORE_PG), "postgresql");
}
END_TEST

START_TEST(refused)
{
	ck_assert_int_eq(pb_store_url_parse("", &u, err, sizeof err), -1);
	ck_assert_int_eq(pb_store_url_parse(NULL, &u, err, sizeof err), -1);
	/* an unknown scheme is not a file called "mysql:" */
	ck_assert_int_eq(pb_store_url_parse("mysql://h/d", &u, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown store scheme"));
	ck_assert_int_eq(pb_store_url_parse("sqlite:", &u, err, sizeof err),
	    -1);
	ck_assert_int_eq(pb_store_url_parse("dir/", &u, err, sizeof err), -1);
	ck_assert_int_eq(pb_store_url_parse("a\nb", &u, err, sizeof err), -1);
	ck_assert_int_eq(pb_store_url_parse("a\x1b[2Jb", &u, err, sizeof err),
	    -1);
	ck_assert_int_eq(pb_store_url_parse("postgresql://h/d%zz", &u, err,
	    sizeof err), -1);
	ck_assert_int_eq(pb_store_url_parse("postgresql://h/d%4", &u, err,
	    sizeof err), -1);
	ck_assert_int_eq(pb_store_url_parse("postgresql://h/d%00", &u, err,
	    sizeof err), -1);
	ck_assert_int_eq(pb_store_url_parse("postgresql://h/a b", &u, err,
	    sizeof err), -1);
	char big[PB_STORE_SPEC_MAX + 10];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(pb_store_url_parse(big, &u, err, sizeof err), -1);
	/* a refused spec's message never repeats it (it may hold a
	 * password) */
	ck_assert_int_eq(pb_store_url_parse("postgresql://u:s3cret@h/%zz",
	    &u, err, sizeof err), -1);
	ck_assert_ptr_null(strstr(err, "s3cret"));
}
END_TEST

static const char *red(const char *s)
{
	static char b[512];
	pb_store_url_redact(s, b, sizeof b);
	return b;
}

START_TEST(redact)
{
	ck_assert_str_eq(red("postgresql://u:pw@h:5432/db"),
	    "postgresql://u:***@h:5432/db");
	ck_assert_str_eq(red("postgresql://u@h/db"), "postgresql://u@h/db");
	ck_assert_str_eq(red("postgresql://h/db?user=u&password=pw&x=1"),
	    "postgresql://h/db?user=u&password=***&x=1");
	ck_assert_str_eq(red("postgresql:///db?password=pw"),
	    "postgresql:///db?password=***");
	ck_assert_str_eq(red("postgresql://u:p@ss@h/db"),
	    "postgresql://u:***@h/db");
	ck_assert_str_eq(red("/var/lib/pumpbench/records.db"),
	    "/var/lib/pumpbench/records.db");
	ck_assert_int_eq(pb_store_url_parse("postgresql://u:pw@h/db", &u, err,
	    sizeof err), 0);
	ck_assert_str_eq(u.shown, "postgresql://u:***@h/db");
	char tiny[8];
	pb_store_url_redact("postgresql://u:pw@h/db", tiny, sizeof tiny);
	ck_assert_uint_eq(strlen(tiny), 7);
}
END_TEST

START_TEST(default_path)
{
	char p[256];
	ck_assert_int_eq(pb_store_default_path("/x/data", "/home/a", p,
	    sizeof p, err, sizeof err), 0);
	ck_assert_str_eq(p, "/x/data/pumpbench/records.db");
	/* XDG_DATA_HOME must be absolute to count */
	ck_assert_int_eq(pb_store_default_path("rel", "/home/a", p, sizeof p,
	    err, sizeof err), 0);
	ck_assert_str_eq(p, "/home/a/.local/share/pumpbench/records.db");
	ck_assert_int_eq(pb_store_default_path(NULL, NULL, p, sizeof p, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "--db"));
	ck_assert_int_eq(pb_store_default_path("/x", NULL, p, 10, err,
	    sizeof err), -1);
}
END_TEST

static Suite *url_suite(void)
{
	Suite *s = suite_create("store_url");
	TCase *t = tcase_create("url");
	tcase_add_test(t, kinds);
	tcase_add_test(t, refused);
	tcase_add_test(t, redact);
	tcase_add_test(t, default_path);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(url_suite)
