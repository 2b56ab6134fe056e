/*
 * tests/unit/test_profile_gen.c - firmware/profile-gen: every fixture
 * profile, generated as C at build time (firmware/build.mk) and compiled
 * into this test, is byte for byte the profile pb_profile_load() reads
 * from the INI file (path aside: firmware has no file).  A field the
 * generator forgot, or wrote with a rounded number, fails here.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pump/profile.h"
#include "tests/lib/check_main.h"

extern const struct pb_profile *const pb_profile_gen_all[];
extern const char *const pb_profile_gen_ids[];

START_TEST(generated_equals_loaded)
{
	int n = 0;
	for (; pb_profile_gen_ids[n]; n++) {
		static struct pb_profile p;
		char path[256], err[512];
		snprintf(path, sizeof path, "fixtures/pumps/%s.ini",
		    pb_profile_gen_ids[n]);
		ck_assert_msg(pb_profile_load(&p, path, err, sizeof err) == 0,
		    "%s", err);
		memset(p.path, 0, sizeof p.path);
		const struct pb_profile *g = pb_profile_gen_all[n];
		ck_assert_str_eq(g->id, p.id);
		ck_assert_msg(memcmp(g, &p, sizeof p) == 0,
		    "%s: generated profile differs from the INI file", path);
	}
	ck_assert_int_ge(n, 2);
}
END_TEST

START_TEST(a_changed_field_is_seen)
{
	/* the comparison above can fail: one double off by one ulp */
	static struct pb_profile p;
	char err[512];
	ck_assert_int_eq(pb_profile_load(&p, "fixtures/pumps/s10pro.ini",
	    err, sizeof err), 0);
	memset(p.path, 0, sizeof p.path);
	const struct pb_profile *g = NULL;
	for (int i = 0; pb_profile_gen_ids[i]; i++)
		if (strcmp(pb_profile_gen_ids[i], "s10pro") == 0)
			g = pb_profile_gen_all[i];
	ck_assert_ptr_nonnull(g);
	p.ctrl_kp = nextafter(p.ctrl_kp, 1.0);
	ck_assert(memcmp(g, &p, sizeof p) != 0);
}
END_TEST

static Suite *profile_gen_suite(void)
{
	Suite *s = suite_create("profile_gen");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, generated_equals_loaded);
	tcase_add_test(tc, a_changed_field_is_seen);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(profile_gen_suite)
