/*
 * tests/unit/test_lock.c - the per-fixture lock: exclusive across
 * processes, really waits for the holder (and only then gets the lock),
 * names the holder that holds it now, is released by the kernel when the
 * holder dies, keeps odd serials inside its directory, lives in a
 * directory nobody else can plant files in, and never follows, truncates
 * or chmods a file it did not make (the symlink attack of issue 9).
 *
 * Safety tests and the defect that must make them fail:
 *   symlink_planted_is_refused  - open() without O_NOFOLLOW (the victim
 *                                 is truncated and rewritten)
 *   waiter_changes_nothing      - a fchmod(0666) or truncation before the
 *                                 flock is held
 *   really_waits                - a lock that does not wait (or does not
 *                                 exclude): it is taken while the holder
 *                                 still lives
 *   release_clears_the_name     - the holder's text left behind
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void expect_file(const char *path, const char *text, mode_t mode)
{
	char buf[256] = "";
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t k = read(fd, buf, sizeof buf - 1);
	close(fd);
	ck_assert_int_ge(k, 0);
	buf[k] = '\0';
	ck_assert_str_eq(buf, text);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, mode);
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
	snprintf(want, sizeof want, "held by pid %ld on", (long)pid);
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
	snprintf(want, sizeof want, "pid %ld on", (long)getpid());
	ck_assert_ptr_nonnull(strstr(who, want));
	pb_lock_release(&l);
	pb_lock_release(&l);   /* twice is harmless */
}
END_TEST

/* The waiter must get the lock only after the holder is gone.  The
 * cancel callback is polled while waiting: on its third call it kills the
 * holder.  A lock that did not wait would return before that. */
static pid_t w_holder;
static int w_polls;
static bool w_holder_dead;

static bool kill_holder_on_third_poll(void)
{
	if (++w_polls == 3) {
		kill_child(w_holder);
		w_holder_dead = true;
	}
	return false;
}

START_TEST(really_waits)
{
	w_holder = hold_in_child("W1");
	w_polls = 0;
	w_holder_dead = false;
	struct pb_lock l;
	char err[512];
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "W1", 60,
	    kill_holder_on_third_poll, err, sizeof err), PB_LOCK_OK);
	ck_assert_msg(w_holder_dead, "got the lock after %d poll(s), while "
	    "its holder was alive", w_polls);
	ck_assert_int_ge(w_polls, 3);
	pb_lock_release(&l);
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

	struct pb_lock l;
	char err[512];
	ck_assert_int_eq(pb_lock_acquire(&l, "/nonexistent/dir", "S", 0, NULL,
	    err, sizeof err), PB_LOCK_E_OPEN);
	ck_assert_msg(strstr(err, "/nonexistent/dir") != NULL, "%s", err);
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "", 0, NULL, err,
	    sizeof err), PB_LOCK_E_ARG);
}
END_TEST

/* Where the lock lives: the given directory, the environment's, then the
 * system one (created 0755), then the user's runtime directory (0700). */
START_TEST(lock_directory)
{
	char out[512], err[512], sys[128], xdg[128], d[160];
	path_in(sys, sizeof sys, "sys");
	path_in(xdg, sizeof xdg, "xdg");
	ck_assert_int_eq(mkdir(xdg, 0700), 0);

	ck_assert_int_eq(pb_lock_dir_from(dir, "/envdir", sys, xdg, out,
	    sizeof out, err, sizeof err), PB_LOCK_OK);
	ck_assert_str_eq(out, dir);
	ck_assert_int_eq(pb_lock_dir_from(NULL, "/nonexistent/envdir", sys,
	    xdg, out, sizeof out, err, sizeof err), PB_LOCK_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "PUMPHIL_LOCK_DIR"));

	/* the system directory is made, closed to others */
	ck_assert_int_eq(pb_lock_dir_from(NULL, "", sys, xdg, out, sizeof out,
	    err, sizeof err), PB_LOCK_OK);
	ck_assert_str_eq(out, sys);
	struct stat st;
	ck_assert_int_eq(lstat(sys, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0022, 0);

	/* where it cannot be made: the runtime directory, private */
	ck_assert_int_eq(pb_lock_dir_from(NULL, NULL, "/nonexistent/x/pb", xdg,
	    out, sizeof out, err, sizeof err), PB_LOCK_OK);
	snprintf(d, sizeof d, "%s/pumpbench", xdg);
	ck_assert_str_eq(out, d);
	ck_assert_int_eq(lstat(d, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0077, 0);
	ck_assert_int_eq(pb_lock_dir_from(NULL, NULL, "/nonexistent/x/pb",
	    NULL, out, sizeof out, err, sizeof err), PB_LOCK_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "--lock-dir"));

	/* a symlink planted where the system directory goes is refused */
	char planted[128];
	path_in(planted, sizeof planted, "planted");
	ck_assert_int_eq(symlink(dir, planted), 0);
	ck_assert_int_eq(pb_lock_dir_from(NULL, NULL, planted, xdg, out,
	    sizeof out, err, sizeof err), PB_LOCK_E_UNSAFE);
	ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
	/* and so is one others may write to */
	char open_dir[128];
	path_in(open_dir, sizeof open_dir, "open");
	ck_assert_int_eq(mkdir(open_dir, 0700), 0);
	ck_assert_int_eq(chmod(open_dir, 0777), 0);
	ck_assert_int_eq(pb_lock_dir_from(NULL, NULL, open_dir, xdg, out,
	    sizeof out, err, sizeof err), PB_LOCK_E_UNSAFE);
	/* given: world-writable without the sticky bit is refused ... */
	ck_assert_int_eq(pb_lock_dir_from(open_dir, NULL, NULL, NULL, out,
	    sizeof out, err, sizeof err), PB_LOCK_E_UNSAFE);
	ck_assert_ptr_nonnull(strstr(err, "sticky"));
	/* ... with it (like /tmp) the file checks protect */
	ck_assert_int_eq(chmod(open_dir, 01777), 0);
	ck_assert_int_eq(pb_lock_dir_from(open_dir, NULL, NULL, NULL, out,
	    sizeof out, err, sizeof err), PB_LOCK_OK);
}
END_TEST

/* The attack of issue 9: a symlink planted where the lock file goes. */
START_TEST(symlink_planted_is_refused)
{
	char victim[128], link_path[512], err[512];
	path_in(victim, sizeof victim, "victim");
	put_file(victim, "precious\n", 0600);
	pb_lock_path(dir, "FT1ABCDE", link_path, sizeof link_path);
	ck_assert_int_eq(symlink(victim, link_path), 0);
	struct pb_lock l;
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "FT1ABCDE", 0, NULL, err,
	    sizeof err), PB_LOCK_E_UNSAFE);
	ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
	ck_assert_int_eq(l.fd, -1);
	expect_file(victim, "precious\n", 0600);   /* not written, not 0666 */

	/* a dangling one must not create its target either */
	char target[128];
	path_in(target, sizeof target, "created-by-lock");
	pb_lock_path(dir, "D1", link_path, sizeof link_path);
	ck_assert_int_eq(symlink(target, link_path), 0);
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "D1", 0, NULL, err,
	    sizeof err), PB_LOCK_E_UNSAFE);
	ck_assert_int_ne(access(target, F_OK), 0);

	/* nor is the holder text read through one */
	char who[64];
	pb_lock_path(dir, "FT1ABCDE", link_path, sizeof link_path);
	ck_assert_int_eq(pb_lock_holder(link_path, who, sizeof who), -1);
}
END_TEST

/* A FIFO (no hang), a hard link to another file, or a file of someone
 * else in the lock's place: refused, untouched. */
START_TEST(non_regular_and_foreign_refused)
{
	char p[512], victim[128], err[512];
	struct pb_lock l;
	pb_lock_path(dir, "F1", p, sizeof p);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "F1", 0, NULL, err,
	    sizeof err), PB_LOCK_E_UNSAFE);
	ck_assert_ptr_nonnull(strstr(err, "FIFO"));
	char who[64];
	ck_assert_int_eq(pb_lock_holder(p, who, sizeof who), -1);

	path_in(victim, sizeof victim, "victim");
	put_file(victim, "precious\n", 0644);
	pb_lock_path(dir, "H1", p, sizeof p);
	ck_assert_int_eq(link(victim, p), 0);
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "H1", 0, NULL, err,
	    sizeof err), PB_LOCK_E_UNSAFE);
	ck_assert_ptr_nonnull(strstr(err, "hard link"));
	expect_file(victim, "precious\n", 0644);

	if (geteuid() == 0) {   /* only root can give a file away */
		pb_lock_path(dir, "U1", p, sizeof p);
		put_file(p, "theirs\n", 0666);
		ck_assert_int_eq(chown(p, 65534, 65534), 0);
		ck_assert_int_eq(pb_lock_acquire(&l, dir, "U1", 0, NULL, err,
		    sizeof err), PB_LOCK_E_UNSAFE);
		ck_assert_ptr_nonnull(strstr(err, "uid 65534"));
		expect_file(p, "theirs\n", 0666);
	}
}
END_TEST

/* A waiter that gives up has not written, truncated or chmodded the
 * holder's file. */
START_TEST(waiter_changes_nothing)
{
	pid_t pid = hold_in_child("N1");
	char p[512], err[512], before[256], after[256];
	pb_lock_path(dir, "N1", p, sizeof p);
	ck_assert_int_eq(pb_lock_holder(p, before, sizeof before), 0);
	ck_assert_ptr_nonnull(strstr(before, "pid "));
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	mode_t mode = st.st_mode & 07777;
	ck_assert_uint_eq(mode & 0022, 0);       /* never group/world-writable */
	struct pb_lock l;
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "N1", 0.2, NULL, err,
	    sizeof err), PB_LOCK_E_BUSY);
	ck_assert_int_eq(pb_lock_holder(p, after, sizeof after), 0);
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, mode);
	kill_child(pid);
}
END_TEST

/* Who holds it now: the name goes with the lock. */
START_TEST(release_clears_the_name)
{
	struct pb_lock l;
	char err[512], who[256];
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "R1", 0, NULL, err,
	    sizeof err), PB_LOCK_OK);
	char path[512];
	snprintf(path, sizeof path, "%s", l.path);
	ck_assert_int_eq(pb_lock_holder(path, who, sizeof who), 0);
	ck_assert_ptr_nonnull(strstr(who, "pid "));
	pb_lock_release(&l);
	ck_assert_int_eq(pb_lock_holder(path, who, sizeof who), 0);
	ck_assert_str_eq(who, "");

	/* a holder that took the lock but has not written its name, while
	 * the file still names a process that is gone: not named as holder */
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	char stale[256];
	snprintf(stale, sizeof stale, "pid %ld on %s, user x, since then\n",
	    (long)dead, host);
	put_file(path, stale, 0644);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t holder = fork();
	if (holder == 0) {
		int fd = open(path, O_RDWR);
		char ok = fd >= 0 && flock(fd, LOCK_EX) == 0 ? 'y' : 'n';
		if (write(p[1], &ok, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	char c = 0;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	ck_assert_int_eq(pb_lock_acquire(&l, dir, "R1", 0.2, NULL, err,
	    sizeof err), PB_LOCK_E_BUSY);
	ck_assert_msg(strstr(err, "has not yet written its name") != NULL,
	    "%s", err);
	kill_child(holder);
	close(p[0]);
	close(p[1]);
}
END_TEST

static Suite *lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, exclusive_and_names_holder);
	tcase_add_test(tc, really_waits);
	tcase_add_test(tc, cancel_while_waiting);
	tcase_add_test(tc, paths_and_errors);
	tcase_add_test(tc, lock_directory);
	tcase_add_test(tc, symlink_planted_is_refused);
	tcase_add_test(tc, non_regular_and_foreign_refused);
	tcase_add_test(tc, waiter_changes_nothing);
	tcase_add_test(tc, release_clears_the_name);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(lock_suite)
