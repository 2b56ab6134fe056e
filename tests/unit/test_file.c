/* tests for base/file.c: files from outside are opened without blocking,
 * and only regular files are read */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/file.h"
#include "tests/lib/check_main.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof dir, "/tmp/pbfileXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	fclose(f);
}

START_TEST(regular_file_read_whole)
{
	mkdir_tmp();
	char p[128], *buf;
	size_t len;
	char err[128];
	snprintf(p, sizeof p, "%s/a.ini", dir);
	write_file(p, "id = s10pro\n");
	ck_assert_int_eq(pb_file_read_all(p, 1024, 0, &buf, &len, err,
	    sizeof err), PB_FILE_OK);
	ck_assert_uint_eq(len, 12);
	ck_assert_str_eq(buf, "id = s10pro\n");
	free(buf);
	/* the size limit is a refusal, not a cut */
	ck_assert_int_eq(pb_file_read_all(p, 11, 0, &buf, &len, err,
	    sizeof err), PB_FILE_E_SIZE);
	ck_assert_ptr_null(buf);
	ck_assert_msg(strstr(err, "larger than 11 bytes"), "%s", err);
	ck_assert_int_eq(pb_file_read_all(p, 12, 0, &buf, &len, err,
	    sizeof err), PB_FILE_OK);
	free(buf);
	/* a missing file names errno's reason */
	snprintf(p, sizeof p, "%s/missing", dir);
	ck_assert_int_eq(pb_file_read_all(p, 1024, 0, &buf, &len, err,
	    sizeof err), PB_FILE_E_OPEN);
	ck_assert_msg(strstr(err, strerror(ENOENT)), "%s", err);
	rm_tmp();
}
END_TEST

/* The hole this module closes: open(2) of a FIFO with no writer blocks
 * for ever.  The test arms an alarm, so a blocking open fails it (by
 * SIGALRM) instead of hanging the suite. */
START_TEST(fifo_refused_without_blocking)
{
	mkdir_tmp();
	char p[128], err[128], *buf;
	size_t len;
	snprintf(p, sizeof p, "%s/key", dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	alarm(5);
	ck_assert_int_eq(pb_file_read_all(p, 1024, 0, &buf, &len, err,
	    sizeof err), PB_FILE_E_TYPE);
	ck_assert_msg(strstr(err, "not a regular file (a FIFO)"), "%s", err);
	ck_assert_ptr_null(pb_file_fopen_read(p, 0, err, sizeof err));
	ck_assert_int_lt(pb_file_open_read(p, 0, err, sizeof err), 0);
	alarm(0);
	rm_tmp();
}
END_TEST

START_TEST(directory_device_socket_refused)
{
	mkdir_tmp();
	char err[128], *buf;
	size_t len;
	ck_assert_int_eq(pb_file_read_all(dir, 1024, 0, &buf, &len, err,
	    sizeof err), PB_FILE_E_TYPE);
	ck_assert_msg(strstr(err, "a directory"), "%s", err);
	ck_assert_int_eq(pb_file_read_all("/dev/zero", 1024, 0, &buf, &len,
	    err, sizeof err), PB_FILE_E_TYPE);
	ck_assert_msg(strstr(err, "a character device"), "%s", err);
	char p[128];
	snprintf(p, sizeof p, "%s/sock", dir);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	memcpy(a.sun_path, p, strlen(p) + 1);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_lt(pb_file_open_read(p, 0, err, sizeof err), 0);
	ck_assert_msg(strstr(err, "a socket") || strstr(err, "cannot open"),
	    "%s", err);
	close(s);
	rm_tmp();
}
END_TEST

START_TEST(symlink_followed_unless_nofollow)
{
	mkdir_tmp();
	char t[128], l[128], err[128], *buf;
	size_t len;
	snprintf(t, sizeof t, "%s/target", dir);
	snprintf(l, sizeof l, "%s/link", dir);
	write_file(t, "x");
	ck_assert_int_eq(symlink(t, l), 0);
	ck_assert_int_eq(pb_file_read_all(l, 16, 0, &buf, &len, err,
	    sizeof err), PB_FILE_OK);
	free(buf);
	ck_assert_int_eq(pb_file_read_all(l, 16, PB_FILE_NOFOLLOW, &buf, &len,
	    err, sizeof err), PB_FILE_E_TYPE);
	ck_assert_msg(strstr(err, "symbolic link"), "%s", err);
	/* the descriptor handed back blocks again (reads wait for data) */
	int fd = pb_file_open_read(t, 0, err, sizeof err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	rm_tmp();
}
END_TEST

START_TEST(sha256_of_a_file)
{
	char d[] = "/tmp/pb-fsha-XXXXXX", path[128], hex[65], err[256];
	ck_assert_ptr_nonnull(mkdtemp(d));
	snprintf(path, sizeof path, "%s/abc", d);
	ck_assert_int_eq(pb_file_write_atomic(path, "abc", 3, err, sizeof err),
	    PB_FILE_OK);
	ck_assert_int_eq(pb_file_sha256(path, 0, hex, err, sizeof err),
	    PB_FILE_OK);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	/* a FIFO is refused, not waited on */
	snprintf(path, sizeof path, "%s/fifo", d);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pb_file_sha256(path, 0, hex, err, sizeof err),
	    PB_FILE_E_TYPE);
	ck_assert_str_eq(hex, "");
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(write_atomic_replaces_whole)
{
	char d[] = "/tmp/pb-fatom-XXXXXX", path[128], tmp[160], err[256];
	ck_assert_ptr_nonnull(mkdtemp(d));
	snprintf(path, sizeof path, "%s/out.html", d);
	ck_assert_int_eq(pb_file_write_atomic(path, "old", 3, err, sizeof err),
	    PB_FILE_OK);
	ck_assert_int_eq(pb_file_write_atomic(path, "new!", 4, err, sizeof err),
	    PB_FILE_OK);
	char *buf;
	size_t len;
	ck_assert_int_eq(pb_file_read_all(path, 100, 0, &buf, &len, err,
	    sizeof err), PB_FILE_OK);
	ck_assert_str_eq(buf, "new!");
	free(buf);
	/* a symlink planted at the temporary name is not written through */
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	char victim[160];
	snprintf(victim, sizeof victim, "%s/victim", d);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_ne(pb_file_write_atomic(path, "x", 1, err, sizeof err),
	    PB_FILE_OK);
	ck_assert_int_eq(access(victim, F_OK), -1);
	/* a missing directory: an error naming why, nothing made */
	snprintf(path, sizeof path, "%s/no/such.html", d);
	ck_assert_int_eq(pb_file_write_atomic(path, "x", 1, err, sizeof err),
	    PB_FILE_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, regular_file_read_whole);
	tcase_add_test(tc, fifo_refused_without_blocking);
	tcase_add_test(tc, directory_device_socket_refused);
	tcase_add_test(tc, symlink_followed_unless_nofollow);
	tcase_add_test(tc, sha256_of_a_file);
	tcase_add_test(tc, write_atomic_replaces_whole);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(file_suite)
