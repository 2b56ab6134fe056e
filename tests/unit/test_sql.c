/* tests for store/sql.c: one template, two dialects */
#include <check.h>
#include <string.h>

#include "store/schema.h"
#include "store/sql.h"
#include "tests/lib/check_main.h"

static char out[4096], err[256];

START_TEST(placeholders)
{
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "SELECT a FROM t WHERE "
	    "b = ? AND c = ?", out, sizeof out, err, sizeof err), 2);
	ck_assert_str_eq(out, "SELECT a FROM t WHERE b = $1 AND c = $2");
	ck_assert_int_eq(pb_sql_render(PB_SQL_SQLITE, "SELECT a FROM t WHERE "
	    "b = ? AND c = ?", out, sizeof out, err, sizeof err), 2);
	ck_assert_str_eq(out, "SELECT a FROM t WHERE b = ? AND c = ?");
	/* quoted text is never touched */
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "SELECT '?{ID}', \"x?\" , "
	    "'it''s ?' FROM t WHERE a = ?", out, sizeof out, err, sizeof err),
	    1);
	ck_assert_str_eq(out, "SELECT '?{ID}', \"x?\" , 'it''s ?' FROM t "
	    "WHERE a = $1");
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "SELECT ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?", out, sizeof out, err, sizeof err), 11);
	ck_assert_ptr_nonnull(strstr(out, "$10, $11"));
}
END_TEST

START_TEST(types)
{
	ck_assert_int_eq(pb_sql_render(PB_SQL_SQLITE, "CREATE TABLE t (id "
	    "{ID}, a {REAL}, b {BOOL}, c {TS}, d {DATE}, e {BIGINT})", out,
	    sizeof out, err, sizeof err), 0);
	ck_assert_str_eq(out, "CREATE TABLE t (id INTEGER PRIMARY KEY "
	    "AUTOINCREMENT, a REAL, b INTEGER, c TEXT, d TEXT, e INTEGER)");
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "CREATE TABLE t (id "
	    "{ID}, a {REAL}, b {BOOL}, c {TS}, d {DATE}, e {BIGINT})", out,
	    sizeof out, err, sizeof err), 0);
	ck_assert_str_eq(out, "CREATE TABLE t (id BIGINT GENERATED ALWAYS AS "
	    "IDENTITY PRIMARY KEY, a DOUBLE PRECISION, b BOOLEAN, c "
	    "TIMESTAMPTZ, d DATE, e BIGINT)");
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "WHERE x = {TRUE} OR "
	    "y = {FALSE}", out, sizeof out, err, sizeof err), 0);
	ck_assert_str_eq(out, "WHERE x = TRUE OR y = FALSE");
	ck_assert_int_eq(pb_sql_render(PB_SQL_SQLITE, "WHERE x = {TRUE}", out,
	    sizeof out, err, sizeof err), 0);
	ck_assert_str_eq(out, "WHERE x = 1");
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "SELECT {MS:c.t0}", out,
	    sizeof out, err, sizeof err), 0);
	ck_assert_str_eq(out, "SELECT CAST(ROUND(EXTRACT(EPOCH FROM c.t0) * "
	    "1000) AS BIGINT)");
	ck_assert_int_eq(pb_sql_render(PB_SQL_SQLITE, "SELECT {MS:t0}", out,
	    sizeof out, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(out, "julianday(t0)"));
}
END_TEST

START_TEST(bad_templates)
{
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "x {NOPE} y", out,
	    sizeof out, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown token"));
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "x {ID", out, sizeof out,
	    err, sizeof err), -1);
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "x 'open", out, sizeof out,
	    err, sizeof err), -1);
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "{MS:{TS}}", out, sizeof out,
	    err, sizeof err), -1);
	char small[16];
	ck_assert_int_eq(pb_sql_render(PB_SQL_PG, "CREATE TABLE t (id {ID})",
	    small, sizeof small, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "does not fit"));
	ck_assert_int_eq(pb_sql_render((enum pb_sql_dialect)9, "x", out,
	    sizeof out, err, sizeof err), -1);
}
END_TEST

/* every statement of every migration renders in both dialects */
START_TEST(schema_renders)
{
	int total = 0;
	for (int v = 1; v <= PB_SCHEMA_VERSION; v++) {
		const char *const *m = pb_schema_migration(v);
		ck_assert_ptr_nonnull(m);
		for (; *m; m++) {
			ck_assert_int_eq(pb_sql_render(PB_SQL_SQLITE, *m, out,
			    sizeof out, err, sizeof err), 0);
			ck_assert_int_eq(pb_sql_render(PB_SQL_PG, *m, out,
			    sizeof out, err, sizeof err), 0);
			total++;
		}
	}
	ck_assert_int_gt(total, 10);
	ck_assert_ptr_null(pb_schema_migration(0));
	ck_assert_ptr_null(pb_schema_migration(PB_SCHEMA_VERSION + 1));
}
END_TEST

static Suite *sql_suite(void)
{
	Suite *s = suite_create("store_sql");
	TCase *t = tcase_create("sql");
	tcase_add_test(t, placeholders);
	tcase_add_test(t, types);
	tcase_add_test(t, bad_templates);
	tcase_add_test(t, schema_renders);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(sql_suite)
