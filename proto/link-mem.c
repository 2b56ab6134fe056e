/*
 * proto/link-mem.c - an in-memory connected pair of links, for tests.
 *
 * Promise: bytes written on one side appear on the other, in order, with
 * nothing lost; both sides are non-blocking and pollable.  Built on a
 * non-blocking AF_UNIX stream socketpair, so closing one side shows up on
 * the other as PB_LINK_E_GONE exactly as an unplugged adapter does.  A
 * mem link has no path and cannot be reopened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/link-impl.h"

static ssize_t mem_read(struct pb_link *l, uint8_t *buf, size_t n)
{
	return pb_link_fd_read(l->rfd, true, buf, n);
}

static ssize_t mem_write(struct pb_link *l, const uint8_t *buf, size_t n)
{
	return pb_link_fd_write(l->wfd, true, buf, n);
}

static int mem_fd(struct pb_link *l)
{
	return l->rfd;
}

static void mem_close(struct pb_link *l)
{
	if (l->rfd >= 0)
		close(l->rfd);
	l->rfd = l->wfd = -1;
}

const struct pb_link_ops pb_link_mem_ops = {
	.name = "mem",
	.read = mem_read,
	.write = mem_write,
	.fd = mem_fd,
	.reopen = NULL,
	.close = mem_close,
};

static struct pb_link *mem_side(int fd, char name)
{
	struct pb_link *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->ops = &pb_link_mem_ops;
	l->rfd = l->wfd = fd;
	l->own = true;
	l->wrapped = true;
	l->rsock = l->wsock = true;
	snprintf(l->path, sizeof l->path, "mem:%c", name);
	snprintf(l->dev, sizeof l->dev, "%s", l->path);
	return l;
}

int pb_link_mem_pair(struct pb_link **a, struct pb_link **b)
{
	int sv[2];
	if (!a || !b)
		return PB_LINK_E_ARG;
	*a = *b = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) != 0)
		return errno == ENOMEM || errno == ENFILE || errno == EMFILE
		    ? PB_LINK_E_MEM : PB_LINK_E_IO;
	*a = mem_side(sv[0], 'a');
	*b = mem_side(sv[1], 'b');
	if (!*a || !*b) {
		if (*a)
			pb_link_close(*a);
		else
			close(sv[0]);
		if (*b)
			pb_link_close(*b);
		else
			close(sv[1]);
		*a = *b = NULL;
		return PB_LINK_E_MEM;
	}
	return PB_LINK_OK;
}
