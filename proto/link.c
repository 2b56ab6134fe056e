/*
 * proto/link.c - the link dispatcher: pb_link_open() picks a backend for a
 * path, and the generic calls forward to the backend's ops.
 *
 * Backend choice for a path (see docs/serial.md):
 *   1. a path that does not exist        -> PB_LINK_E_NOENT, one-line message
 *   2. libserialport knows the path, one of its symlink steps, or its
 *      realpath (libserialport 0.1.1 resolves no /dev/serial/by-id links)
 *                                        -> serial backend (link-serial.c)
 *   3. otherwise, a terminal (isatty)    -> termios backend (link-tty.c)
 *   4. anything else                     -> PB_LINK_E_OPEN
 *
 * Unplug: a read that finds the fd readable but gets 0 bytes, or EIO/ENXIO,
 * marks the link gone (PB_LINK_E_GONE) until pb_link_reopen() succeeds.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/link-impl.h"

int pb_link_baud(const struct pb_link_opts *o)
{
	return (o && o->baud > 0) ? o->baud : 921600;
}

bool pb_link_errno_gone(int e)
{
	return e == EIO || e == ENXIO || e == ENODEV || e == EPIPE ||
	    e == ECONNRESET || e == EBADF || e == ENOTCONN;
}

bool pb_link_fd_hup(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;
	do {
		r = poll(&p, 1, 0);
	} while (r < 0 && errno == EINTR);
	return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL));
}

static ssize_t raw_read(int fd, bool sock, uint8_t *buf, size_t n)
{
	ssize_t r;
	do {
		r = sock ? recv(fd, buf, n, MSG_DONTWAIT) : read(fd, buf, n);
	} while (r < 0 && errno == EINTR);
	return r;
}

ssize_t pb_link_fd_read(int fd, bool sock, uint8_t *buf, size_t n)
{
	if (fd < 0)
		return PB_LINK_E_GONE;
	if (n == 0)
		return 0;
	ssize_t r = raw_read(fd, sock, buf, n);
	if (r > 0)
		return r;
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return pb_link_errno_gone(errno) ? PB_LINK_E_GONE : PB_LINK_E_IO;
	}
	/* 0 bytes: a raw tty with VMIN=0 says "nothing now" this way, so it
	 * is only an unplug/EOF when poll() calls the fd readable and a
	 * second read still finds nothing (data that arrived in between is
	 * returned normally). */
	if (!pb_link_fd_hup(fd))
		return 0;
	r = raw_read(fd, sock, buf, n);
	if (r > 0)
		return r;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (r < 0 && !pb_link_errno_gone(errno))
		return PB_LINK_E_IO;
	return PB_LINK_E_GONE;
}

ssize_t pb_link_fd_write(int fd, bool sock, const uint8_t *buf, size_t n)
{
	if (fd < 0)
		return PB_LINK_E_GONE;
	if (n == 0)
		return 0;
	ssize_t r;
	do {
		r = sock ? send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT)
		    : write(fd, buf, n);
	} while (r < 0 && errno == EINTR);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return pb_link_errno_gone(errno) ? PB_LINK_E_GONE : PB_LINK_E_IO;
}

bool pb_link_lock_fd(int fd)
{
	int r;
	do {
		r = flock(fd, LOCK_EX | LOCK_NB);
	} while (r != 0 && errno == EINTR);
	/* file systems without flock support do not stop us */
	return r == 0 || errno != EWOULDBLOCK;
}

static void set_msg(char *msg, size_t msglen, const char *text)
{
	if (msg && msglen)
		snprintf(msg, msglen, "%s", text);
}

/* Record a failure: l->err gets "path: why", msg (for the caller of
 * pb_link_open, who names the path itself) gets "why". */
static int fail(struct pb_link *l, int rc, const char *why, char *msg,
    size_t msglen)
{
	snprintf(l->err, sizeof l->err, "%s: %.250s", l->path, why);
	set_msg(msg, msglen, why);
	return rc;
}

int pb_link_open_into(struct pb_link *l, char *msg, size_t msglen)
{
	struct stat st;
	char dev[PATH_MAX];
	char why[256];
	struct sp_port *port = NULL;
	int rc;

	l->gone = false;
	l->rfd = l->wfd = -1;
	/* libserialport first: its lookup walks symlinks itself, which also
	 * works where the kernel cannot follow them (umockdev's /dev) */
	if (pb_link_serial_lookup(l->path, &port, dev, sizeof dev) == 0) {
		snprintf(l->dev, sizeof l->dev, "%s", dev);
		rc = pb_link_serial_open(l, port, why, sizeof why);
		return rc == PB_LINK_OK ? rc : fail(l, rc, why, msg, msglen);
	}
	if (stat(l->path, &st) != 0) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR)
			return fail(l, PB_LINK_E_NOENT,
			    "no such port (see --list-ports)", msg, msglen);
		return fail(l, PB_LINK_E_OPEN, strerror(e), msg, msglen);
	}
	if (!realpath(l->path, dev))
		snprintf(dev, sizeof dev, "%s", l->path);
	snprintf(l->dev, sizeof l->dev, "%s", dev);
	rc = pb_link_tty_open(l, l->dev, why, sizeof why);
	return rc == PB_LINK_OK ? rc : fail(l, rc, why, msg, msglen);
}

int pb_link_reopen_path(struct pb_link *l)
{
	if (l->ops && l->ops->close)
		l->ops->close(l);
	int rc = pb_link_open_into(l, NULL, 0);
	if (rc != PB_LINK_OK)
		l->gone = true;
	return rc;
}

struct pb_link *pb_link_open(const char *path, const struct pb_link_opts *o,
    int *err, char *msg, size_t msglen)
{
	int dummy;
	if (!err)
		err = &dummy;
	if (msg && msglen)
		msg[0] = '\0';
	if (!path || !path[0] || strlen(path) >= PATH_MAX) {
		*err = PB_LINK_E_ARG;
		set_msg(msg, msglen, "no port given (or path too long)");
		return NULL;
	}
	struct pb_link *l = calloc(1, sizeof *l);
	if (!l) {
		*err = PB_LINK_E_MEM;
		set_msg(msg, msglen, "out of memory");
		return NULL;
	}
	snprintf(l->path, sizeof l->path, "%s", path);
	if (o)
		l->opts = *o;
	l->own = true;
	l->rfd = l->wfd = -1;
	int rc = pb_link_open_into(l, msg, msglen);
	if (rc != PB_LINK_OK) {
		*err = rc;
		free(l);
		return NULL;
	}
	l->err[0] = '\0';
	*err = PB_LINK_OK;
	return l;
}

ssize_t pb_link_read(struct pb_link *l, uint8_t *buf, size_t n)
{
	if (!l || !l->ops || (!buf && n))
		return PB_LINK_E_ARG;
	if (l->gone)
		return PB_LINK_E_GONE;
	ssize_t r = l->ops->read(l, buf, n);
	if (r == PB_LINK_E_GONE) {
		l->gone = true;
		snprintf(l->err, sizeof l->err, "%s: device gone "
		    "(unplugged or peer closed)", l->path);
	} else if (r < 0) {
		snprintf(l->err, sizeof l->err, "%s: read failed: %s",
		    l->path, strerror(errno));
	}
	return r;
}

ssize_t pb_link_write(struct pb_link *l, const uint8_t *buf, size_t n)
{
	if (!l || !l->ops || (!buf && n))
		return PB_LINK_E_ARG;
	if (l->gone)
		return PB_LINK_E_GONE;
	ssize_t r = l->ops->write(l, buf, n);
	if (r == PB_LINK_E_GONE) {
		l->gone = true;
		snprintf(l->err, sizeof l->err, "%s: device gone "
		    "(unplugged or peer closed)", l->path);
	} else if (r < 0) {
		snprintf(l->err, sizeof l->err, "%s: write failed: %s",
		    l->path, strerror(errno));
	}
	return r;
}

int pb_link_fd(struct pb_link *l)
{
	if (!l || !l->ops || l->gone)
		return -1;
	return l->ops->fd(l);
}

int pb_link_reopen(struct pb_link *l)
{
	if (!l || !l->ops)
		return PB_LINK_E_ARG;
	if (!l->ops->reopen) {
		snprintf(l->err, sizeof l->err, "%s: %s links cannot be "
		    "reopened", l->path, l->ops->name);
		return PB_LINK_E_ARG;
	}
	int rc = l->ops->reopen(l);
	if (rc == PB_LINK_OK)
		l->err[0] = '\0';
	return rc;
}

const char *pb_link_path(const struct pb_link *l)
{
	return l ? l->path : "";
}

const char *pb_link_backend(const struct pb_link *l)
{
	return (l && l->ops) ? l->ops->name : "none";
}

const char *pb_link_error(const struct pb_link *l)
{
	return l ? l->err : "";
}

void pb_link_close(struct pb_link *l)
{
	if (!l)
		return;
	if (l->ops && l->ops->close)
		l->ops->close(l);
	free(l);
}

const char *pb_link_strerror(int err)
{
	switch (err) {
	case PB_LINK_OK:      return "ok";
	case PB_LINK_E_ARG:   return "bad argument";
	case PB_LINK_E_NOENT: return "no such port";
	case PB_LINK_E_OPEN:  return "could not open or configure the port";
	case PB_LINK_E_IO:    return "read/write error";
	case PB_LINK_E_GONE:  return "device gone (unplugged or peer closed)";
	case PB_LINK_E_MEM:   return "out of memory";
	default:              return "unknown link error";
	}
}
