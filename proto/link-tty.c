/*
 * proto/link-tty.c - the termios backend: a raw, non-blocking terminal fd.
 *
 * Promise: serves what libserialport 0.1.1 cannot open, above all the
 * pseudo-terminals of pumpsim and socat, and wraps already-open fds
 * (pb_link_from_fds: pipes of pumpsim --stdio, a pty master).  A terminal
 * is put in raw 8N1 mode with the requested baud and flow control
 * (meaningless on a pty, but harmless) and restored on close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "proto/link-impl.h"

static const struct { int baud; speed_t code; } bauds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
	{ 500000, B500000 }, { 576000, B576000 }, { 921600, B921600 },
	{ 1000000, B1000000 }, { 1152000, B1152000 }, { 1500000, B1500000 },
	{ 2000000, B2000000 }, { 3000000, B3000000 }, { 4000000, B4000000 },
};

int pb_link_tty_configure(int fd, int baud, enum pb_flow flow,
    struct termios *saved, char *msg, size_t msglen)
{
	struct termios t;
	speed_t code = 0;
	bool found = false;

	for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++) {
		if (bauds[i].baud == baud) {
			code = bauds[i].code;
			found = true;
		}
	}
	if (!found) {
		snprintf(msg, msglen, "unsupported baud rate %d", baud);
		return PB_LINK_E_ARG;
	}
	if (tcgetattr(fd, &t) != 0) {
		snprintf(msg, msglen, "tcgetattr: %s", strerror(errno));
		return PB_LINK_E_OPEN;
	}
	if (saved)
		*saved = t;
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	if (flow == PB_FLOW_RTSCTS)
		t.c_cflag |= CRTSCTS;
	else if (flow == PB_FLOW_XONXOFF)
		t.c_iflag |= IXON | IXOFF;
	/* With O_NONBLOCK and VMIN=1 an empty tty says EAGAIN and a hung-up
	 * one says 0; pb_link_fd_read() copes with VMIN=0 as well. */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, code);
	cfsetospeed(&t, code);
	if (tcsetattr(fd, TCSANOW, &t) != 0) {
		snprintf(msg, msglen, "tcsetattr: %s", strerror(errno));
		return PB_LINK_E_OPEN;
	}
	return PB_LINK_OK;
}

static bool is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int pb_link_tty_open(struct pb_link *l, const char *dev, char *msg,
    size_t msglen)
{
	char why[160];
	int fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT) {
			snprintf(msg, msglen, "no such port (see --list-ports)");
			return PB_LINK_E_NOENT;
		}
		snprintf(msg, msglen, "cannot open: %s%s", strerror(e), e == EACCES ? " (is your user in the "
		    "dialout group?)" : "");
		return PB_LINK_E_OPEN;
	}
	if (!isatty(fd)) {
		close(fd);
		snprintf(msg, msglen, "not a serial port or terminal");
		return PB_LINK_E_OPEN;
	}
	if (!pb_link_lock_fd(fd)) {
		close(fd);
		snprintf(msg, msglen, "in use by another program");
		return PB_LINK_E_OPEN;
	}
	int rc = pb_link_tty_configure(fd, pb_link_baud(&l->opts),
	    l->opts.flow, &l->saved, why, sizeof why);
	if (rc != PB_LINK_OK) {
		close(fd);
		snprintf(msg, msglen, "%s", why);
		return rc;
	}
	l->ops = &pb_link_tty_ops;
	l->rfd = l->wfd = fd;
	l->own = true;
	l->rsock = l->wsock = false;
	l->restore = true;
	l->gone = false;
	return PB_LINK_OK;
}

struct pb_link *pb_link_from_fds(int rfd, int wfd, int own)
{
	char why[160];
	if (rfd < 0 || wfd < 0)
		return NULL;
	struct pb_link *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->ops = &pb_link_tty_ops;
	l->rfd = rfd;
	l->wfd = wfd;
	l->own = own != 0;
	l->wrapped = true;
	l->rsock = is_socket(rfd);
	l->wsock = is_socket(wfd);
	snprintf(l->path, sizeof l->path, "fd:%d,%d", rfd, wfd);
	snprintf(l->dev, sizeof l->dev, "%s", l->path);
	if (isatty(rfd)) {
		if (pb_link_tty_configure(rfd, pb_link_baud(&l->opts),
		    PB_FLOW_NONE, &l->saved, why, sizeof why) == PB_LINK_OK)
			l->restore = true;
	}
	if (set_nonblock(rfd) != 0 || set_nonblock(wfd) != 0) {
		free(l);
		return NULL;
	}
	return l;
}

static ssize_t tty_read(struct pb_link *l, uint8_t *buf, size_t n)
{
	return pb_link_fd_read(l->rfd, l->rsock, buf, n);
}

static ssize_t tty_write(struct pb_link *l, const uint8_t *buf, size_t n)
{
	return pb_link_fd_write(l->wfd, l->wsock, buf, n);
}

static int tty_fd(struct pb_link *l)
{
	return l->rfd;
}

static int tty_reopen(struct pb_link *l)
{
	/* Wrapped fds have no path to reopen by. */
	if (l->wrapped) {
		snprintf(l->err, sizeof l->err, "%s: wrapped fds cannot be "
		    "reopened", l->path);
		return PB_LINK_E_ARG;
	}
	return pb_link_reopen_path(l);
}

static void tty_close(struct pb_link *l)
{
	if (l->restore && l->rfd >= 0 && !l->gone)
		(void)tcsetattr(l->rfd, TCSANOW, &l->saved);
	l->restore = false;
	if (l->own) {
		if (l->rfd >= 0)
			close(l->rfd);
		if (l->wfd >= 0 && l->wfd != l->rfd)
			close(l->wfd);
	}
	l->rfd = l->wfd = -1;
}

const struct pb_link_ops pb_link_tty_ops = {
	.name = "tty",
	.read = tty_read,
	.write = tty_write,
	.fd = tty_fd,
	.reopen = tty_reopen,
	.close = tty_close,
};
