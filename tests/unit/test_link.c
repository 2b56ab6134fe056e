/*
 * tests/unit/test_link.c - link backends: in-memory pair, termios backend
 * on openpty pairs, backend auto-pick, missing-path errors, unplug (peer
 * closed) detection and reopen by path, wrapped fds, port descriptions.
 *
 * Pty bytes cross the kernel asynchronously, so reads wait for data with
 * poll() and a generous timeout (never a fixed sleep).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/link.h"
#include "tests/lib/check_main.h"

#define WAIT_MS 5000

/* Read exactly n bytes from a link, waiting up to WAIT_MS overall. */
static ssize_t link_read_n(struct pb_link *l, uint8_t *buf, size_t n)
{
	size_t got = 0;
	for (int spins = 0; got < n && spins < WAIT_MS / 10 + 10; spins++) {
		ssize_t r = pb_link_read(l, buf + got, n - got);
		if (r < 0)
			return r;
		got += (size_t)r;
		if (got < n) {
			struct pollfd p = { .fd = pb_link_fd(l), .events = POLLIN };
			poll(&p, 1, 10);
		}
	}
	return (ssize_t)got;
}

/* Read exactly n bytes from a plain fd (a pty master), waiting. */
static ssize_t fd_read_n(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, WAIT_MS) <= 0)
			break;
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Read until the link reports an error (e.g. GONE), waiting. */
static ssize_t link_read_until_error(struct pb_link *l)
{
	uint8_t buf[256];
	for (int i = 0; i < WAIT_MS / 10; i++) {
		ssize_t r = pb_link_read(l, buf, sizeof buf);
		if (r < 0)
			return r;
		if (r == 0) {
			struct pollfd p = { .fd = pb_link_fd(l), .events = POLLIN };
			poll(&p, 1, 10);
		}
	}
	return 0;
}

struct pty {
	int master, slave;
	char name[256];
};

static void pty_open(struct pty *p)
{
	ck_assert_int_eq(openpty(&p->master, &p->slave, p->name, NULL, NULL), 0);
	/* keep the slave open only in the link (the master then sees EIO
	 * only when the link closes) */
	close(p->slave);
	p->slave = -1;
}

static char *tmpdir(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/pb-test-link.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void rmtree(const char *dir, const char *file)
{
	char p[512];
	if (file) {
		snprintf(p, sizeof p, "%s/%s", dir, file);
		unlink(p);
	}
	rmdir(dir);
}

/* ---- in-memory pair ------------------------------------------------------ */

START_TEST(mem_pair_carries_bytes_both_ways)
{
	struct pb_link *a, *b;
	ck_assert_int_eq(pb_link_mem_pair(&a, &b), PB_LINK_OK);
	ck_assert_str_eq(pb_link_backend(a), "mem");
	ck_assert_int_ge(pb_link_fd(a), 0);
	ck_assert_int_ge(pb_link_fd(b), 0);

	uint8_t buf[64];
	/* empty: non-blocking, nothing now */
	ck_assert_int_eq(pb_link_read(b, buf, sizeof buf), 0);

	const uint8_t msg[] = { 1, 2, 0, 3, 0xff };
	ck_assert_int_eq(pb_link_write(a, msg, sizeof msg), sizeof msg);
	ck_assert_int_eq(link_read_n(b, buf, sizeof msg), sizeof msg);
	ck_assert_mem_eq(buf, msg, sizeof msg);
	ck_assert_int_eq(pb_link_write(b, msg, 3), 3);
	ck_assert_int_eq(link_read_n(a, buf, 3), 3);
	ck_assert_mem_eq(buf, msg, 3);
	/* a mem link cannot be reopened */
	ck_assert_int_eq(pb_link_reopen(a), PB_LINK_E_ARG);
	ck_assert_str_ne(pb_link_error(a), "");
	pb_link_close(a);
	pb_link_close(b);
}
END_TEST

START_TEST(mem_pair_write_never_blocks)
{
	struct pb_link *a, *b;
	ck_assert_int_eq(pb_link_mem_pair(&a, &b), PB_LINK_OK);
	static uint8_t big[65536];
	size_t total = 0;
	ssize_t r;
	/* fill the socket buffer: writes become short, then 0, never block */
	for (int i = 0; i < 1000; i++) {
		r = pb_link_write(a, big, sizeof big);
		ck_assert_int_ge(r, 0);
		total += (size_t)r;
		if (r == 0)
			break;
	}
	ck_assert_int_eq(r, 0);
	/* and everything written arrives */
	size_t got = 0;
	uint8_t buf[65536];
	while ((r = pb_link_read(b, buf, sizeof buf)) > 0)
		got += (size_t)r;
	ck_assert_uint_eq(got, total);
	pb_link_close(a);
	pb_link_close(b);
}
END_TEST

START_TEST(mem_peer_close_is_gone)
{
	struct pb_link *a, *b;
	ck_assert_int_eq(pb_link_mem_pair(&a, &b), PB_LINK_OK);
	const uint8_t x[] = { 7, 8 };
	ck_assert_int_eq(pb_link_write(b, x, 2), 2);
	pb_link_close(b);
	uint8_t buf[8];
	/* data sent before the close still arrives first */
	ck_assert_int_eq(pb_link_read(a, buf, sizeof buf), 2);
	ck_assert_int_eq(pb_link_read(a, buf, sizeof buf), PB_LINK_E_GONE);
	ck_assert_int_eq(pb_link_fd(a), -1);
	ck_assert_int_eq(pb_link_read(a, buf, sizeof buf), PB_LINK_E_GONE);
	ck_assert_int_eq(pb_link_write(a, x, 2), PB_LINK_E_GONE);
	pb_link_close(a);
}
END_TEST

START_TEST(mem_write_to_closed_peer_is_gone_not_sigpipe)
{
	struct pb_link *a, *b;
	ck_assert_int_eq(pb_link_mem_pair(&a, &b), PB_LINK_OK);
	pb_link_close(b);
	const uint8_t x[] = { 1 };
	/* SIGPIPE would kill the test; MSG_NOSIGNAL gives EPIPE instead */
	ck_assert_int_eq(pb_link_write(a, x, 1), PB_LINK_E_GONE);
	pb_link_close(a);
}
END_TEST

/* ---- termios backend on ptys --------------------------------------------- */

START_TEST(pty_path_picks_tty_backend_and_carries_bytes)
{
	struct pty p;
	pty_open(&p);
	int err = 99;
	char msg[256];
	struct pb_link *l = pb_link_open(p.name, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "open %s: %s", p.name, msg);
	ck_assert_int_eq(err, PB_LINK_OK);
	ck_assert_str_eq(pb_link_backend(l), "tty");
	ck_assert_str_eq(pb_link_path(l), p.name);

	uint8_t buf[300];
	/* 0x00, 0x11/0x13 (XON/XOFF), \r, \n must pass untouched: raw mode */
	uint8_t out[256];
	for (int i = 0; i < 256; i++)
		out[i] = (uint8_t)i;
	ck_assert_int_eq(pb_link_write(l, out, sizeof out), sizeof out);
	ck_assert_int_eq(fd_read_n(p.master, buf, sizeof out), sizeof out);
	ck_assert_mem_eq(buf, out, sizeof out);

	ck_assert_int_eq(write(p.master, out, sizeof out), sizeof out);
	ck_assert_int_eq(link_read_n(l, buf, sizeof out), sizeof out);
	ck_assert_mem_eq(buf, out, sizeof out);

	/* nothing pending: 0, not an error and not "gone" */
	ck_assert_int_eq(pb_link_read(l, buf, sizeof buf), 0);
	ck_assert_int_ge(pb_link_fd(l), 0);
	pb_link_close(l);
	close(p.master);
}
END_TEST

START_TEST(pty_raw_mode_and_baud_applied)
{
	struct pty p;
	pty_open(&p);
	struct pb_link_opts o = { .baud = 115200, .flow = PB_FLOW_NONE };
	char msg[256];
	int err;
	struct pb_link *l = pb_link_open(p.name, &o, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);
	struct termios t;
	ck_assert_int_eq(tcgetattr(pb_link_fd(l), &t), 0);
	ck_assert(!(t.c_lflag & (ICANON | ECHO | ISIG)));
	ck_assert(!(t.c_oflag & OPOST));
	ck_assert_int_eq(t.c_cflag & CSIZE, CS8);
	ck_assert(!(t.c_cflag & (PARENB | CSTOPB)));
	ck_assert_int_eq(cfgetospeed(&t), B115200);
	pb_link_close(l);
	close(p.master);
}
END_TEST

START_TEST(port_in_use_is_refused)
{
	struct pty p;
	pty_open(&p);
	char msg[256];
	int err;
	struct pb_link *l = pb_link_open(p.name, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);
	struct pb_link *l2 = pb_link_open(p.name, NULL, &err, msg, sizeof msg);
	ck_assert_ptr_null(l2);
	ck_assert_int_eq(err, PB_LINK_E_OPEN);
	ck_assert_ptr_nonnull(strstr(msg, "in use"));
	pb_link_close(l);
	/* free again once closed */
	l2 = pb_link_open(p.name, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l2 != NULL, "%s", msg);
	pb_link_close(l2);
	close(p.master);
}
END_TEST

START_TEST(unsupported_baud_on_tty_is_refused)
{
	struct pty p;
	pty_open(&p);
	struct pb_link_opts o = { .baud = 12345, .flow = PB_FLOW_NONE };
	char msg[256];
	int err;
	struct pb_link *l = pb_link_open(p.name, &o, &err, msg, sizeof msg);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(err, PB_LINK_E_ARG);
	ck_assert_ptr_nonnull(strstr(msg, "12345"));
	close(p.master);
}
END_TEST

START_TEST(symlink_to_pty_opens)
{
	struct pty p;
	pty_open(&p);
	char *dir = tmpdir();
	char link[512];
	snprintf(link, sizeof link, "%s/usb-Pump_Emulator-if00", dir);
	ck_assert_int_eq(symlink(p.name, link), 0);
	char msg[256];
	int err;
	struct pb_link *l = pb_link_open(link, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);
	ck_assert_str_eq(pb_link_backend(l), "tty");
	ck_assert_str_eq(pb_link_path(l), link);
	const uint8_t x[] = { 0x42, 0x00 };
	ck_assert_int_eq(pb_link_write(l, x, 2), 2);
	uint8_t buf[2];
	ck_assert_int_eq(fd_read_n(p.master, buf, 2), 2);
	ck_assert_mem_eq(buf, x, 2);
	pb_link_close(l);
	close(p.master);
	rmtree(dir, "usb-Pump_Emulator-if00");
}
END_TEST

START_TEST(missing_path_is_noent_with_one_line)
{
	char *dir = tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/ttyUSB9", dir);
	int err = 0;
	char msg[256] = "unchanged";
	struct pb_link *l = pb_link_open(path, NULL, &err, msg, sizeof msg);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(err, PB_LINK_E_NOENT);
	/* the caller prints "<path>: <msg>" */
	ck_assert_str_eq(msg, "no such port (see --list-ports)");
	ck_assert_ptr_null(strchr(msg, '\n'));
	ck_assert_str_eq(pb_link_strerror(err), "no such port");

	/* a dangling by-id style symlink is missing too */
	char link[512];
	snprintf(link, sizeof link, "%s/dangling", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	l = pb_link_open(link, NULL, &err, msg, sizeof msg);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(err, PB_LINK_E_NOENT);
	rmtree(dir, "dangling");
}
END_TEST

START_TEST(bad_arguments)
{
	int err = 0;
	char msg[128];
	ck_assert_ptr_null(pb_link_open(NULL, NULL, &err, msg, sizeof msg));
	ck_assert_int_eq(err, PB_LINK_E_ARG);
	ck_assert_ptr_null(pb_link_open("", NULL, &err, msg, sizeof msg));
	ck_assert_int_eq(err, PB_LINK_E_ARG);
	/* no err/msg pointers: still fine */
	ck_assert_ptr_null(pb_link_open("/nonexistent/pb/port", NULL, NULL,
	    NULL, 0));
	ck_assert_int_eq(pb_link_read(NULL, NULL, 0), PB_LINK_E_ARG);
	ck_assert_int_eq(pb_link_fd(NULL), -1);
	pb_link_close(NULL);
}
END_TEST

START_TEST(regular_file_is_not_a_port)
{
	char *dir = tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/file", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("x", f);
	fclose(f);
	int err;
	char msg[256];
	ck_assert_ptr_null(pb_link_open(path, NULL, &err, msg, sizeof msg));
	ck_assert_int_eq(err, PB_LINK_E_OPEN);
	ck_assert_ptr_nonnull(strstr(msg, "not a serial port"));
	rmtree(dir, "file");
}
END_TEST

START_TEST(pty_peer_close_is_gone)
{
	struct pty p;
	pty_open(&p);
	char msg[256];
	int err;
	struct pb_link *l = pb_link_open(p.name, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);
	close(p.master);          /* the emulator died / adapter unplugged */
	ck_assert_int_eq(link_read_until_error(l), PB_LINK_E_GONE);
	ck_assert_int_eq(pb_link_fd(l), -1);
	ck_assert_ptr_nonnull(strstr(pb_link_error(l), "gone"));
	const uint8_t x[] = { 1 };
	ck_assert_int_eq(pb_link_write(l, x, 1), PB_LINK_E_GONE);
	pb_link_close(l);
}
END_TEST

START_TEST(reopen_by_same_path)
{
	struct pty p1, p2;
	pty_open(&p1);
	char *dir = tmpdir();
	char link[512], tmp[512];
	snprintf(link, sizeof link, "%s/port", dir);
	snprintf(tmp, sizeof tmp, "%s/port.new", dir);
	ck_assert_int_eq(symlink(p1.name, link), 0);
	char msg[256];
	int err;
	struct pb_link *l = pb_link_open(link, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);

	/* unplug: the device goes away, and so does its node */
	close(p1.master);
	unlink(link);
	ck_assert_int_eq(link_read_until_error(l), PB_LINK_E_GONE);
	ck_assert_int_eq(pb_link_reopen(l), PB_LINK_E_NOENT);
	ck_assert_ptr_nonnull(strstr(pb_link_error(l), "no such port"));
	ck_assert_int_eq(pb_link_fd(l), -1);
	uint8_t buf[8];
	ck_assert_int_eq(pb_link_read(l, buf, sizeof buf), PB_LINK_E_GONE);

	/* plugged back in: the same path names a new device */
	pty_open(&p2);
	ck_assert_int_eq(symlink(p2.name, tmp), 0);
	ck_assert_int_eq(rename(tmp, link), 0);
	ck_assert_int_eq(pb_link_reopen(l), PB_LINK_OK);
	ck_assert_str_eq(pb_link_error(l), "");
	ck_assert_int_ge(pb_link_fd(l), 0);
	ck_assert_str_eq(pb_link_path(l), link);
	const uint8_t x[] = { 9, 0, 9 };
	ck_assert_int_eq(pb_link_write(l, x, 3), 3);
	ck_assert_int_eq(fd_read_n(p2.master, buf, 3), 3);
	ck_assert_mem_eq(buf, x, 3);
	ck_assert_int_eq(write(p2.master, x, 3), 3);
	ck_assert_int_eq(link_read_n(l, buf, 3), 3);
	ck_assert_mem_eq(buf, x, 3);
	pb_link_close(l);
	close(p2.master);
	rmtree(dir, "port");
}
END_TEST

START_TEST(from_fds_pipes)
{
	int to_dev[2], from_dev[2];
	ck_assert_int_eq(pipe(to_dev), 0);
	ck_assert_int_eq(pipe(from_dev), 0);
	struct pb_link *l = pb_link_from_fds(from_dev[0], to_dev[1], 1);
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(pb_link_backend(l), "tty");
	ck_assert_int_eq(pb_link_fd(l), from_dev[0]);
	uint8_t buf[8];
	ck_assert_int_eq(pb_link_read(l, buf, sizeof buf), 0);
	const uint8_t x[] = { 1, 2, 3 };
	ck_assert_int_eq(pb_link_write(l, x, 3), 3);
	ck_assert_int_eq(read(to_dev[0], buf, 3), 3);
	ck_assert_mem_eq(buf, x, 3);
	ck_assert_int_eq(write(from_dev[1], x, 3), 3);
	ck_assert_int_eq(pb_link_read(l, buf, sizeof buf), 3);
	ck_assert_int_eq(pb_link_reopen(l), PB_LINK_E_ARG);
	/* the emulator exits: EOF on its stdout is "gone" */
	close(from_dev[1]);
	ck_assert_int_eq(pb_link_read(l, buf, sizeof buf), PB_LINK_E_GONE);
	pb_link_close(l);          /* owns from_dev[0] and to_dev[1] */
	ck_assert_int_eq(fcntl(from_dev[0], F_GETFD), -1);
	close(to_dev[0]);
}
END_TEST

START_TEST(from_fds_pty_master_not_owned)
{
	struct pty p;
	ck_assert_int_eq(openpty(&p.master, &p.slave, p.name, NULL, NULL), 0);
	struct pb_link *l = pb_link_from_fds(p.slave, p.slave, 0);
	ck_assert_ptr_nonnull(l);
	const uint8_t x[] = { 0x13, 0x11, 0x0d };
	ck_assert_int_eq(pb_link_write(l, x, 3), 3);
	uint8_t buf[3];
	ck_assert_int_eq(fd_read_n(p.master, buf, 3), 3);
	ck_assert_mem_eq(buf, x, 3);
	pb_link_close(l);
	/* not owned: still open */
	ck_assert_int_ne(fcntl(p.slave, F_GETFD), -1);
	close(p.slave);
	close(p.master);
}
END_TEST

/* ---- port listing -------------------------------------------------------- */

START_TEST(describe_port_line)
{
	struct pb_port_info p;
	memset(&p, 0, sizeof p);
	strcpy(p.path, "/dev/ttyUSB0");
	strcpy(p.transport, "usb");
	p.vid = 0x0403;
	p.pid = 0x6015;
	strcpy(p.description, "FTDI FT231X");
	strcpy(p.serial, "DK0ABC12");
	strcpy(p.by_id, "/dev/serial/by-id/usb-FTDI_FT231X_DK0ABC12-if00-port0");
	char buf[256];
	pb_port_describe(&p, buf, sizeof buf);
	ck_assert_str_eq(buf, "/dev/ttyUSB0  USB 0403:6015 FTDI FT231X "
	    "(serial DK0ABC12)  -> /dev/serial/by-id/"
	    "usb-FTDI_FT231X_DK0ABC12-if00-port0");

	/* a native port has no USB ids or link */
	memset(&p, 0, sizeof p);
	strcpy(p.path, "/dev/ttyS0");
	strcpy(p.transport, "native");
	p.vid = p.pid = -1;
	strcpy(p.description, "16550A UART");
	pb_port_describe(&p, buf, sizeof buf);
	ck_assert_str_eq(buf, "/dev/ttyS0  native 16550A UART");

	/* truncation is safe and terminated */
	char small[10];
	memset(small, 'z', sizeof small);
	pb_port_describe(&p, small, sizeof small);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert_str_eq(small, "/dev/ttyS");
}
END_TEST

START_TEST(list_ports_runs)
{
	struct pb_port_info ports[32];
	int n = pb_link_list_ports(ports, 32);
	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n && i < 32; i++) {
		ck_assert_int_eq(strncmp(ports[i].path, "/dev/", 5), 0);
		char line[1024];
		pb_port_describe(&ports[i], line, sizeof line);
		ck_assert_ptr_nonnull(strstr(line, ports[i].path));
	}
	/* counting only */
	ck_assert_int_eq(pb_link_list_ports(NULL, 0), n);
	ck_assert_int_eq(pb_link_list_ports(NULL, 3), PB_LINK_E_ARG);
}
END_TEST

static Suite *link_suite(void)
{
	Suite *s = suite_create("link");
	TCase *tc = tcase_create("mem");
	tcase_add_test(tc, mem_pair_carries_bytes_both_ways);
	tcase_add_test(tc, mem_pair_write_never_blocks);
	tcase_add_test(tc, mem_peer_close_is_gone);
	tcase_add_test(tc, mem_write_to_closed_peer_is_gone_not_sigpipe);
	suite_add_tcase(s, tc);
	tc = tcase_create("tty");
	tcase_add_test(tc, pty_path_picks_tty_backend_and_carries_bytes);
	tcase_add_test(tc, pty_raw_mode_and_baud_applied);
	tcase_add_test(tc, unsupported_baud_on_tty_is_refused);
	tcase_add_test(tc, port_in_use_is_refused);
	tcase_add_test(tc, symlink_to_pty_opens);
	tcase_add_test(tc, missing_path_is_noent_with_one_line);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, regular_file_is_not_a_port);
	tcase_add_test(tc, pty_peer_close_is_gone);
	tcase_add_test(tc, reopen_by_same_path);
	tcase_add_test(tc, from_fds_pipes);
	tcase_add_test(tc, from_fds_pty_master_not_owned);
	suite_add_tcase(s, tc);
	tc = tcase_create("ports");
	tcase_add_test(tc, describe_port_line);
	tcase_add_test(tc, list_ports_runs);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(link_suite)
