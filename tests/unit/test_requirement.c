/* tests for hil/requirement.c: the requirement file parser, lookups, and
 * the shipped fixtures/requirements/safety.ini */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hil/requirement.h"
#include "tests/lib/check_main.h"

static char err[512];

static int parse(struct pb_requirement_set *s, const char *text)
{
	return pb_requirement_parse(s, text, strlen(text), "r.ini", err,
	    sizeof err);
}

#define HEAD "[SR-X-01]\ntext = t\nsource = s\nhazard = h\n"

START_TEST(parses_limits_units_profiles)
{
	struct pb_requirement_set s;
	ck_assert_int_eq(parse(&s,
	    "; comment\n[document]\ntitle = Reqs\nrevision = B\n\n"
	    "[SR-OP-01]\ntitle = Trip ; inline comment\n"
	    "text = first line\n  second line\n"
	    "source = IEC 60601-1-8; 510(k)\nhazard = H-01\n"
	    "class = performance\n"
	    "trip_mmHg = 320\nrate_mmHg_s = 4000\nrate_mmHg_s@s10pro = 8000\n"
	    "peaks_mmHg@s21 = 40, 50,\n  60 ; three\n"
	    "response_ms = 10\r\n"), PB_REQUIREMENT_OK);
	ck_assert_str_eq(s.title, "Reqs");
	ck_assert_str_eq(s.revision, "B");
	ck_assert_uint_eq(s.n, 1);
	const struct pb_requirement *r = pb_requirement_find(&s, "SR-OP-01");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(pb_requirement_find(&s, "SR-OP-02"));
	ck_assert_str_eq(r->title, "Trip");
	ck_assert_str_eq(r->text, "first line second line");
	ck_assert_str_eq(r->source, "IEC 60601-1-8; 510(k)");
	ck_assert_str_eq(r->cls, "performance");
	ck_assert_int_eq(r->line, 6);
	const struct pb_requirement_limit *l =
	    pb_requirement_limit(r, "trip_mmHg", "s21");
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(l->unit, "mmHg");
	ck_assert_int_eq(l->n, 1);
	ck_assert(l->v[0] == 320);
	/* the profile's own value wins; others get the unqualified one */
	l = pb_requirement_limit(r, "rate_mmHg_s", "s10pro");
	ck_assert_str_eq(l->unit, "mmHg/s");
	ck_assert(l->v[0] == 8000);
	ck_assert(pb_requirement_limit(r, "rate_mmHg_s", "s21")->v[0] == 4000);
	ck_assert(pb_requirement_limit(r, "rate_mmHg_s", NULL)->v[0] == 4000);
	/* only for s21 */
	l = pb_requirement_limit(r, "peaks_mmHg", "s21");
	ck_assert_int_eq(l->n, 3);
	ck_assert(l->v[2] == 60);
	ck_assert_ptr_null(pb_requirement_limit(r, "peaks_mmHg", "s10pro"));
	ck_assert_ptr_null(pb_requirement_limit(r, "peaks_mmHg", NULL));
	ck_assert_str_eq(pb_requirement_limit(r, "response_ms", "")->unit,
	    "ms");
	pb_requirement_set_free(&s);
}
END_TEST

/* each bad file: its error code and the start of its message */
START_TEST(refuses_bad_files)
{
	static const struct { const char *text; int rc; const char *msg; } c[] = {
		{ HEAD "a_mmHg = 1\n\0b_mmHg = 2\n", PB_REQUIREMENT_E_SYNTAX,
		  "r.ini:6: NUL byte" },
		{ HEAD "trip_mmHg = 1\ntrip_mmHg = 2\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:6: [SR-X-01] trip_mmHg: duplicate key (first on "
		  "line 5)" },
		{ HEAD "text = again\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:5: [SR-X-01] text: duplicate key (first on line 2)" },
		{ HEAD HEAD, PB_REQUIREMENT_E_KEY,
		  "r.ini:5: [SR-X-01]: duplicate requirement (first on "
		  "line 1)" },
		{ HEAD "trip = 320\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:5: [SR-X-01] trip: unknown key (a limit's name ends "
		  "in its unit" },
		{ "[SR-X-01]\ntext = t\nhazard = h\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:1: [SR-X-01] has no source" },
		{ HEAD "trip_mmHg = 3e\n", PB_REQUIREMENT_E_VALUE,
		  "r.ini:5: [SR-X-01] trip_mmHg: '3e' is not a number" },
		{ HEAD "trip_mmHg = 1e400\n", PB_REQUIREMENT_E_VALUE,
		  "r.ini:5: [SR-X-01] trip_mmHg: '1e400' is not a number" },
		{ HEAD "trip_mmHg =\n", PB_REQUIREMENT_E_VALUE,
		  "r.ini:5: [SR-X-01] trip_mmHg: no value" },
		{ HEAD "list_mmHg = 1, 2,\nx_ms = 3\n", PB_REQUIREMENT_E_VALUE,
		  "r.ini:6: [SR-X-01] list_mmHg: the list ends in ','" },
		{ HEAD "list_mmHg = 1,,2\n", PB_REQUIREMENT_E_VALUE,
		  "r.ini:5: [SR-X-01] list_mmHg: '' is not a number" },
		{ "text = t\n", PB_REQUIREMENT_E_SYNTAX,
		  "r.ini:1: a key before the first [ID]" },
		{ "[SR X]\n", PB_REQUIREMENT_E_VALUE, "r.ini:1: [SR X]: a "
		  "requirement ID" },
		{ "[SR-1\n", PB_REQUIREMENT_E_SYNTAX, "r.ini:1: '[' without" },
		{ HEAD "a_ms = 1\n  more\n", PB_REQUIREMENT_E_SYNTAX, "r.ini:6: an "
		  "indented line continues a text value" },
		{ HEAD "just words\n", PB_REQUIREMENT_E_SYNTAX,
		  "r.ini:5: expected [ID] or key = value" },
		{ HEAD "class = vital\n", PB_REQUIREMENT_E_VALUE,
		  "r.ini:5: [SR-X-01] class: 'vital' is not" },
		{ HEAD "a_mmHg@ = 1\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:5: [SR-X-01] 'a_mmHg@': a profile" },
		{ "[document]\ncolour = red\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:2: [document] colour: unknown key" },
		{ "; only a comment\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:0: no requirement in the file" },
		{ HEAD "t_mmHg = \xff\n", PB_REQUIREMENT_E_SYNTAX,
		  "r.ini:5: not UTF-8 text" },
		/* the file's bytes are escaped in the message */
		{ HEAD "\x1b[2J_ms = 1\n", PB_REQUIREMENT_E_KEY,
		  "r.ini:5: [SR-X-01] '\\x1B[2J_ms': a limit's name" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct pb_requirement_set s;
		size_t len = strlen(c[i].text);
		if (i == 0)   /* the NUL is inside the text */
			len = strlen(HEAD "a_mmHg = 1\n") + 1 +
			    strlen("b_mmHg = 2\n");
		int rc = pb_requirement_parse(&s, c[i].text, len, "r.ini", err,
		    sizeof err);
		ck_assert_msg(rc == c[i].rc, "case %zu: rc %d, want %d (%s)",
		    i, rc, c[i].rc, err);
		ck_assert_msg(strncmp(err, c[i].msg, strlen(c[i].msg)) == 0,
		    "case %zu: '%s' does not start with '%s'", i, err,
		    c[i].msg);
		ck_assert_uint_eq(s.n, 0);     /* nothing left allocated */
		ck_assert_ptr_null(s.req);
	}
}
END_TEST

START_TEST(refuses_long_lines_and_caps)
{
	static char big[PB_REQUIREMENT_LINE_MAX + 64];
	memset(big, 'a', sizeof big - 1);
	memcpy(big, "title = ", 8);
	big[sizeof big - 2] = '\n';
	char text[sizeof big + 64];
	snprintf(text, sizeof text, "[SR-1]\n%s", big);
	struct pb_requirement_set s;
	ck_assert_int_eq(parse(&s, text), PB_REQUIREMENT_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(err, "r.ini:2: line longer than"));
	/* a list of more values than fit */
	char lst[512] = HEAD "l_mmHg = 0";
	for (int i = 1; i <= PB_REQUIREMENT_LIST; i++)
		snprintf(lst + strlen(lst), sizeof lst - strlen(lst), ",%d", i);
	strcat(lst, "\n");
	ck_assert_int_eq(parse(&s, lst), PB_REQUIREMENT_E_FULL);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
}
END_TEST

START_TEST(load_hashes_and_refuses_fifo)
{
	char path[] = "/tmp/test_requirement_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *t = HEAD "trip_mmHg = 320\n";
	ck_assert_int_eq(write(fd, t, strlen(t)), (ssize_t)strlen(t));
	close(fd);
	struct pb_requirement_set s;
	ck_assert_int_eq(pb_requirement_load(&s, path, err, sizeof err),
	    PB_REQUIREMENT_OK);
	ck_assert_str_eq(s.path, path);
	ck_assert_uint_eq(strlen(s.sha256), 64);
	pb_requirement_set_free(&s);
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pb_requirement_load(&s, path, err, sizeof err),
	    PB_REQUIREMENT_E_OPEN);     /* at once: no writer is waited for */
	ck_assert_ptr_nonnull(strstr(err, "FIFO"));
	unlink(path);
}
END_TEST

/* The shipped file covers every safety function the suite must verify
 * (issue 10), each with text, source and hazard, and its level tables
 * agree with its own level counts. */
START_TEST(shipped_file_covers_the_safety_functions)
{
	struct pb_requirement_set s;
	ck_assert_msg(pb_requirement_load(&s,
	    "fixtures/requirements/safety.ini", err, sizeof err) ==
	    PB_REQUIREMENT_OK, "%s", err);
	static const char *const need[] = {
		"SR-OP-01", "SR-OP-02", "SR-HB-01", "SR-STK-01", "SR-OCC-01",
		"SR-LK-01", "SR-LK-02", "SR-AO-01", "SR-BAT-01", "SR-BAT-02",
		"SR-SEN-01", "SR-SEN-02", "SR-SEN-03", "SR-MOT-01",
		"SR-MOT-02", "SR-STOP-01", "SR-LVL-01", "SR-ACC-01",
		"SR-RATE-01", "SR-BF-01",
	};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		const struct pb_requirement *r = pb_requirement_find(&s,
		    need[i]);
		ck_assert_msg(r != NULL, "%s missing", need[i]);
		ck_assert(r->text[0] && r->source[0] && r->hazard[0]);
	}
	const struct pb_requirement *op = pb_requirement_find(&s, "SR-OP-01");
	ck_assert(pb_requirement_limit(op, "trip_mmHg", "s21")->v[0] == 320);
	const struct pb_requirement *lv = pb_requirement_find(&s, "SR-LVL-01");
	const struct pb_requirement *acc = pb_requirement_find(&s, "SR-ACC-01");
	const struct pb_requirement *rate = pb_requirement_find(&s,
	    "SR-RATE-01");
	static const char *const prof[] = { "s21", "s10pro" };
	static const char *const tab[] = { "stimulation_mmHg",
		"expression_mmHg" };
	static const char *const rtab[] = { "stimulation_cpm",
		"expression_cpm" };
	for (int p = 0; p < 2; p++) {
		int levels = (int)pb_requirement_limit(lv, "levels_count",
		    prof[p])->v[0];
		double max = pb_requirement_limit(lv, "max_mmHg", prof[p])->v[0];
		for (int t = 0; t < 2; t++) {
			const struct pb_requirement_limit *a =
			    pb_requirement_limit(acc, tab[t], prof[p]);
			ck_assert_int_eq(a->n, levels);
			ck_assert(a->v[levels - 1] <= max);
			ck_assert_int_eq(pb_requirement_limit(rate, rtab[t],
			    prof[p])->n, levels);
			/* the tolerance is tighter than half a level step */
			double tol = pb_requirement_limit(acc, "tol_mmHg",
			    prof[p])->v[0];
			double pct = pb_requirement_limit(acc, "tol_pct",
			    prof[p])->v[0];
			for (int k = 1; k < levels; k++) {
				double step = a->v[k] - a->v[k - 1];
				double tk = fmax(tol, pct / 100 * a->v[k]);
				ck_assert_msg(tk < step / 2 + 1e-9, "%s %s L%d: "
				    "tolerance %g, step %g", prof[p], tab[t],
				    k + 1, tk, step);
			}
		}
	}
	pb_requirement_set_free(&s);
}
END_TEST

START_TEST(id_rules)
{
	ck_assert(pb_requirement_id_valid("SR-OP-01", 8));
	ck_assert(pb_requirement_id_valid("a.b_c", 5));
	ck_assert(!pb_requirement_id_valid("", 0));
	ck_assert(!pb_requirement_id_valid("SR OP", 5));
	char id[80];
	memset(id, 'a', sizeof id);
	ck_assert(pb_requirement_id_valid(id, 63));
	ck_assert(!pb_requirement_id_valid(id, 64));
}
END_TEST

static Suite *requirement_suite(void)
{
	Suite *s = suite_create("requirement");
	TCase *t = tcase_create("requirement");
	tcase_add_test(t, parses_limits_units_profiles);
	tcase_add_test(t, refuses_bad_files);
	tcase_add_test(t, refuses_long_lines_and_caps);
	tcase_add_test(t, load_hashes_and_refuses_fifo);
	tcase_add_test(t, shipped_file_covers_the_safety_functions);
	tcase_add_test(t, id_rules);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(requirement_suite)
