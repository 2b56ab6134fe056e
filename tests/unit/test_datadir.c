/* tests for base/datadir.c: where the programs find their data.  The
 * rule is pure (a fake file system answers "is this a directory?"); the
 * adapter is checked against a real temporary tree. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/datadir.h"
#include "tests/lib/check_main.h"

/* the fake file system: a NULL-terminated list of directories; every
 * question is remembered */
struct fakefs {
	const char *const *dirs;
	char asked[8][PATH_MAX];
	int nasked;
};

static bool fake_exists(const char *dir, void *ctx)
{
	struct fakefs *fs = ctx;
	if (fs->nasked < 8)
		snprintf(fs->asked[fs->nasked++], PATH_MAX, "%s", dir);
	for (const char *const *d = fs->dirs; *d; d++)
		if (strcmp(*d, dir) == 0)
			return true;
	return false;
}

static const char *const none[] = { NULL };

START_TEST(installed_beside_the_executable)
{
	const char *const fs_dirs[] = { "/opt/pb/share/pumpbench",
		"/opt/pb/fixtures", NULL };
	struct fakefs fs = { .dirs = fs_dirs };
	struct pb_datadirs d;
	ck_assert_int_eq(pb_datadir_compose(&d, "/opt/pb/bin/pumpsim",
	    "/home/me/pbdata", "/usr/local/share/pumpbench", fake_exists,
	    &fs), 3);
	ck_assert_str_eq(d.dir[0], "/opt/pb/share/pumpbench");
	ck_assert_str_eq(d.dir[1], "/home/me/pbdata");
	ck_assert_str_eq(d.dir[2], "/usr/local/share/pumpbench");
	/* the installed place wins: the build tree is not even asked */
	ck_assert_int_eq(fs.nasked, 1);
}
END_TEST

START_TEST(build_tree_beside_the_executable)
{
	const char *const fs_dirs[] = { "/src/pumpbench/fixtures", NULL };
	struct fakefs fs = { .dirs = fs_dirs };
	struct pb_datadirs d;
	ck_assert_int_eq(pb_datadir_compose(&d, "/src/pumpbench/bin/pumphil",
	    NULL, "/usr/local/share/pumpbench", fake_exists, &fs), 2);
	ck_assert_str_eq(d.dir[0], "/src/pumpbench/fixtures");
	ck_assert_str_eq(d.dir[1], "/usr/local/share/pumpbench");
	/* the sanitizer build: build/san/bin/../fixtures */
	const char *const san[] = { "/src/pb/build/san/fixtures", NULL };
	struct fakefs fs2 = { .dirs = san };
	pb_datadir_compose(&d, "/src/pb/build/san/bin/pumpsim", NULL, NULL,
	    fake_exists, &fs2);
	ck_assert_int_eq(d.n, 1);
	ck_assert_str_eq(d.dir[0], "/src/pb/build/san/fixtures");
}
END_TEST

START_TEST(neither_names_the_installed_place)
{
	struct fakefs fs = { .dirs = none };
	struct pb_datadirs d;
	pb_datadir_compose(&d, "/opt/pb/bin/pumpsim", NULL, "/usr/share/x",
	    fake_exists, &fs);
	ck_assert_int_eq(d.n, 2);
	ck_assert_str_eq(d.dir[0], "/opt/pb/share/pumpbench");
	ck_assert_str_eq(d.dir[1], "/usr/share/x");
	/* no callback: nothing is known to exist */
	pb_datadir_compose(&d, "/opt/pb/bin/pumpsim", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(d.n, 1);
	ck_assert_str_eq(d.dir[0], "/opt/pb/share/pumpbench");
}
END_TEST

START_TEST(never_the_working_directory)
{
	/* no executable path, or a relative one: no exe-relative directory,
	 * and never ./fixtures */
	const char *const fs_dirs[] = { "fixtures", "./fixtures",
		"bin/../fixtures", "/fixtures", NULL };
	struct fakefs fs = { .dirs = fs_dirs };
	struct pb_datadirs d;
	ck_assert_int_eq(pb_datadir_compose(&d, NULL, NULL, "/c", fake_exists,
	    &fs), 1);
	ck_assert_str_eq(d.dir[0], "/c");
	ck_assert_int_eq(pb_datadir_compose(&d, "bin/pumpsim", NULL, "/c",
	    fake_exists, &fs), 1);
	ck_assert_str_eq(d.dir[0], "/c");
	ck_assert_int_eq(pb_datadir_compose(&d, "", "", "", fake_exists, &fs),
	    0);
	ck_assert_int_eq(fs.nasked, 0);
}
END_TEST

START_TEST(paths_composed_lexically)
{
	struct fakefs fs = { .dirs = none };
	struct pb_datadirs d;
	/* a program at the root: PREFIX is "" */
	pb_datadir_compose(&d, "/pumpsim", NULL, NULL, fake_exists, &fs);
	ck_assert_str_eq(d.dir[0], "/share/pumpbench");
	/* doubled slashes between components */
	pb_datadir_compose(&d, "/usr//bin//pumpsim", NULL, NULL, fake_exists,
	    &fs);
	ck_assert_str_eq(d.dir[0], "/usr/share/pumpbench");
	/* trailing slashes of env and configured are not kept */
	pb_datadir_compose(&d, NULL, "/data///", "/", fake_exists, &fs);
	ck_assert_int_eq(d.n, 2);
	ck_assert_str_eq(d.dir[0], "/data");
	ck_assert_str_eq(d.dir[1], "/");
}
END_TEST

START_TEST(no_directory_twice)
{
	const char *const fs_dirs[] = { "/usr/local/share/pumpbench", NULL };
	struct fakefs fs = { .dirs = fs_dirs };
	struct pb_datadirs d;
	/* installed in the configured prefix: one directory, not two */
	ck_assert_int_eq(pb_datadir_compose(&d, "/usr/local/bin/pumpsim",
	    "/usr/local/share/pumpbench/", "/usr/local/share/pumpbench",
	    fake_exists, &fs), 1);
	ck_assert_str_eq(d.dir[0], "/usr/local/share/pumpbench");
	ck_assert_int_eq(pb_datadir_compose(&d, NULL, "/a", "/a", fake_exists,
	    &fs), 1);
}
END_TEST

START_TEST(too_long_is_left_out_not_cut)
{
	struct fakefs fs = { .dirs = none };
	struct pb_datadirs d;
	size_t len = PATH_MAX + 100;
	char *exe = malloc(len + 1);
	ck_assert_ptr_nonnull(exe);
	memset(exe, 'a', len);
	exe[0] = '/';
	memcpy(exe + len - 12, "/bin/pumpsim", 12);
	exe[len] = '\0';
	ck_assert_int_eq(pb_datadir_compose(&d, exe, exe, "/c", fake_exists,
	    &fs), 1);
	ck_assert_str_eq(d.dir[0], "/c");
	/* just fitting is kept whole */
	size_t fit = PATH_MAX - 1 - strlen("/share/pumpbench");
	memset(exe, 'b', fit + 12);
	exe[0] = '/';
	memcpy(exe + fit, "/bin/pumpsim", 12);
	exe[fit + 12] = '\0';
	ck_assert_int_eq(pb_datadir_compose(&d, exe, NULL, NULL, fake_exists,
	    &fs), 1);
	ck_assert_uint_eq(strlen(d.dir[0]), PATH_MAX - 1);
	ck_assert_str_eq(d.dir[0] + fit, "/share/pumpbench");
	free(exe);
}
END_TEST

START_TEST(describe_for_messages)
{
	struct pb_datadirs d = { .n = 3 };
	strcpy(d.dir[0], "/a");
	strcpy(d.dir[1], "/b");
	strcpy(d.dir[2], "/c");
	char buf[200];
	pb_datadir_describe(&d, "pumps", buf, sizeof buf);
	ck_assert_str_eq(buf, "/a/pumps, /b/pumps or /c/pumps");
	d.n = 2;
	pb_datadir_describe(&d, NULL, buf, sizeof buf);
	ck_assert_str_eq(buf, "/a or /b");
	d.n = 1;
	pb_datadir_describe(&d, "rigs", buf, sizeof buf);
	ck_assert_str_eq(buf, "/a/rigs");
	d.n = 0;
	pb_datadir_describe(&d, "rigs", buf, sizeof buf);
	ck_assert_str_eq(buf, "no data directory");
	d.n = 3;
	char small[8];
	memset(small, 'x', sizeof small);
	pb_datadir_describe(&d, "scenarios", small, sizeof small);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

/* ---- the adapter, on a real tree ---------------------------------------- */

static char tmp[PATH_MAX / 2];

static void put(const char *rel)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	for (char *s = p + strlen(tmp) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("x\n", f);
	fclose(f);
}

static void mktree(void)
{
	snprintf(tmp, sizeof tmp, "%s/pbdatadir.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void rmtree(void)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(find_takes_the_first_that_has_it)
{
	mktree();
	put("one/pumps/a.ini");
	put("two/pumps/a.ini");
	put("two/pumps/b.ini");
	struct pb_datadirs d = { .n = 3 };
	snprintf(d.dir[0], PATH_MAX, "%s/one", tmp);
	snprintf(d.dir[1], PATH_MAX, "%s/missing", tmp);
	snprintf(d.dir[2], PATH_MAX, "%s/two", tmp);
	char path[PATH_MAX], want[PATH_MAX + 32];
	ck_assert_int_eq(pb_datadir_find(&d, "pumps/a.ini", path, sizeof path),
	    0);
	snprintf(want, sizeof want, "%s/one/pumps/a.ini", tmp);
	ck_assert_str_eq(path, want);
	ck_assert_int_eq(pb_datadir_find(&d, "pumps/b.ini", path, sizeof path),
	    0);
	snprintf(want, sizeof want, "%s/two/pumps/b.ini", tmp);
	ck_assert_str_eq(path, want);
	ck_assert_int_eq(pb_datadir_find(&d, "pumps/c.ini", path, sizeof path),
	    -1);
	ck_assert_str_eq(path, "");
	/* a path that does not fit is not found (never a cut path) */
	char tiny[8];
	ck_assert_int_eq(pb_datadir_find(&d, "pumps/a.ini", tiny, sizeof tiny),
	    -1);
	rmtree();
}
END_TEST

/* Running from a directory that holds fixtures/ must not read it: the
 * old lookup searched ./fixtures. */
START_TEST(find_ignores_the_working_directory)
{
	mktree();
	put("fixtures/pumps/zz_cwd_only.ini");
	char old[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(old, sizeof old));
	ck_assert_int_eq(chdir(tmp), 0);
	unsetenv("PUMPBENCH_DATA");
	unsetenv("PUMPBENCH_FIXTURES");
	char path[PATH_MAX];
	int rc = pb_datadir_find(NULL, "pumps/zz_cwd_only.ini", path,
	    sizeof path);
	/* and $PUMPBENCH_DATA makes it found */
	char data[PATH_MAX + 16];
	snprintf(data, sizeof data, "%s/fixtures", tmp);
	setenv("PUMPBENCH_DATA", data, 1);
	int rc2 = pb_datadir_find(NULL, "pumps/zz_cwd_only.ini", path,
	    sizeof path);
	unsetenv("PUMPBENCH_DATA");
	ck_assert_int_eq(chdir(old), 0);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(rc2, 0);
	rmtree();
}
END_TEST

START_TEST(get_reads_the_environment)
{
	struct pb_datadirs d;
	setenv("PUMPBENCH_FIXTURES", "/old/name", 1);
	unsetenv("PUMPBENCH_DATA");
	pb_datadir_get(&d);
	bool old_seen = false;
	for (int i = 0; i < d.n; i++)
		old_seen |= strcmp(d.dir[i], "/old/name") == 0;
	ck_assert(old_seen);
	setenv("PUMPBENCH_DATA", "/new/name", 1);
	pb_datadir_get(&d);
	bool new_seen = false;
	old_seen = false;
	for (int i = 0; i < d.n; i++) {
		new_seen |= strcmp(d.dir[i], "/new/name") == 0;
		old_seen |= strcmp(d.dir[i], "/old/name") == 0;
	}
	ck_assert(new_seen);
	ck_assert(!old_seen);
	/* beside this test program first (it is absolute), env after it */
	ck_assert_int_ge(d.n, 2);
	ck_assert_int_eq(d.dir[0][0], '/');
	ck_assert_str_eq(d.dir[1], "/new/name");
	unsetenv("PUMPBENCH_DATA");
	unsetenv("PUMPBENCH_FIXTURES");
}
END_TEST

/* a relative $PUMPBENCH_DATA, or one through a symlink, is the directory
 * itself: searched (and listed by list-rigs) once */
START_TEST(get_names_one_directory_once)
{
	mktree();
	put("real/pumps/a.ini");
	char link[PATH_MAX], real[PATH_MAX], want[PATH_MAX];
	snprintf(link, sizeof link, "%s/link", tmp);
	snprintf(real, sizeof real, "%s/real", tmp);
	ck_assert_int_eq(symlink(real, link), 0);
	ck_assert_ptr_nonnull(realpath(real, want));
	char old[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(old, sizeof old));
	ck_assert_int_eq(chdir(tmp), 0);
	struct pb_datadirs d1, d2;
	setenv("PUMPBENCH_DATA", "real", 1);
	pb_datadir_get(&d1);
	setenv("PUMPBENCH_DATA", link, 1);
	pb_datadir_get(&d2);
	unsetenv("PUMPBENCH_DATA");
	ck_assert_int_eq(chdir(old), 0);
	ck_assert_str_eq(d1.dir[1], want);
	ck_assert_str_eq(d2.dir[1], want);
	rmtree();
}
END_TEST

/* the executable's own path, whole or not at all */
START_TEST(self_exe_whole_or_nothing)
{
	char exe[PATH_MAX];
	ck_assert_int_eq(pb_self_exe(exe, sizeof exe), 0);
	const char *base = strrchr(exe, '/');
	ck_assert_ptr_nonnull(base);
	ck_assert_str_eq(base + 1, "test_datadir");
	char small[8];
	memset(small, 'x', sizeof small);
	ck_assert_int_eq(pb_self_exe(small, sizeof small), -1);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(pb_self_exe(small, 0), -1);
}
END_TEST

static Suite *datadir_suite(void)
{
	Suite *s = suite_create("datadir");
	TCase *tc = tcase_create("rule");
	tcase_add_test(tc, installed_beside_the_executable);
	tcase_add_test(tc, build_tree_beside_the_executable);
	tcase_add_test(tc, neither_names_the_installed_place);
	tcase_add_test(tc, never_the_working_directory);
	tcase_add_test(tc, paths_composed_lexically);
	tcase_add_test(tc, no_directory_twice);
	tcase_add_test(tc, too_long_is_left_out_not_cut);
	tcase_add_test(tc, describe_for_messages);
	suite_add_tcase(s, tc);
	TCase *ta = tcase_create("adapter");
	tcase_add_test(ta, find_takes_the_first_that_has_it);
	tcase_add_test(ta, find_ignores_the_working_directory);
	tcase_add_test(ta, get_reads_the_environment);
	tcase_add_test(ta, get_names_one_directory_once);
	tcase_add_test(ta, self_exe_whole_or_nothing);
	suite_add_tcase(s, ta);
	return s;
}

PB_CHECK_MAIN(datadir_suite)
