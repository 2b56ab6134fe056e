/*
 * tests/unit/test_lock.c - the per-fixture lock: exclusive across
 * processes, waits up to its timeout, names the holder, is released by the
 * kernel when the holder dies, and keeps odd serials inside its directory.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hil/lock.h"
#include "tests/lib/check_main.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/pb_lock_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Child: take the lock, report through the pipe, hold until killed. */
static pid_t hold_in_child(const char *serial)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		struct pb_lock l;
		char err[256];
		char ok = pb_lock_acquire(&l, dir, serial, 5, NULL, err,
		    sizeof err) == PB_LOCK_OK ? 'y' : 'n';
		if (write(p[1], &ok, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	char c = 0;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	ck_assert_int_eq(c, 'y');
	return pid;
}

static void kill_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

START_TEST(exclusive_and_names_holder)
{
	pid_t pid = hold_in_child("FT1234");
	struct pb_lock l;
	char err[512];
	int rc = pb_lock_acquire(&l, dir, "FT1234", 0.3, NULL, err, sizeof err);
	ck_assert_int_eq(rc, PB_LOCK_E_BUSY);
	char want[64];
	snprintf(want, sizeof want, "pid %ld", (long)pid);
	ck_assert_msg(strstr(err, want) != NULL, "message: %s", err);
	ck_assert_ptr_nonnull(strstr(err, "FT1234 is busy"));
	ck_assert_int_eq(l.fd, -1);

	/* another serial is another bench: free */
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "FT9999", 0, NULL, err,
	    sizeof err), PB_LOCK_OK);
	pb_lock_release(&l);

	/* the holder dies (even by SIGKILL): the kernel lets go */
	kill_child(pid);
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "FT1234", 1, NULL, err,
	    sizeof err), PB_LOCK_OK);
	char who[256];
	ck_assert_int_eq(pb_lock_holder(l.path, who, sizeof who), 0);
	snprintf(want, sizeof want, "pid %ld", (long)getpid());
	ck_assert_ptr_nonnull(strstr(who, want));
	pb_lock_release(&l);
	pb_lock_release(&l);   /* twice is harmless */
}
END_TEST

START_TEST(waits_for_release)
{
	pid_t pid = hold_in_child("W1");
	pid_t killer = fork();
	if (killer == 0) {
		usleep(200000);
		kill(pid, SIGKILL);
		_exit(0);
	}
	struct pb_lock l;
	char err[512];
	/* the holder goes away after 0.2 s; we wait up to 10 s */
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "W1", 10, NULL, err,
	    sizeof err), PB_LOCK_OK);
	pb_lock_release(&l);
	waitpid(killer, NULL, 0);
	waitpid(pid, NULL, 0);
}
END_TEST

static bool cancel_now(void)
{
	return true;
}

START_TEST(cancel_while_waiting)
{
	pid_t pid = hold_in_child("C1");
	struct pb_lock l;
	char err[512];
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "C1", 60, cancel_now, err,
	    sizeof err), PB_LOCK_E_CANCELLED);
	kill_child(pid);
}
END_TEST

START_TEST(paths_and_errors)
{
	char p[512];
	pb_lock_path("/x", "A/../b c", p, sizeof p);
	ck_assert_str_eq(p, "/x/pumphil-A_.._b_c.lock");
	pb_lock_path("/x", "..", p, sizeof p);
	ck_assert_str_eq(p, "/x/pumphil-_..lock");
	setenv("PUMPHIL_LOCK_DIR", "/envdir", 1);
	pb_lock_path(NULL, "S", p, sizeof p);
	ck_assert_str_eq(p, "/envdir/pumphil-S.lock");
	unsetenv("PUMPHIL_LOCK_DIR");
	pb_lock_path(NULL, "S", p, sizeof p);
	ck_assert_str_eq(p, "/tmp/pumphil-S.lock");

	struct pb_lock l;
	char err[512];
	ck_assert_int_eq(pb_lock_acquire(&l, "/nonexistent/dir", "S", 0, NULL,
	    err, sizeof err), PB_LOCK_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/pumphil-S.lock"));
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "", 0, NULL, err,
	    sizeof err), PB_LOCK_E_ARG);
}
END_TEST

static Suite *lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, exclusive_and_names_holder);
	tcase_add_test(tc, waits_for_release);
	tcase_add_test(tc, cancel_while_waiting);
	tcase_add_test(tc, paths_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(lock_suite)
