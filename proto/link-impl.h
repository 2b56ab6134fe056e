/*
 * proto/link-impl.h - private: the inside of struct pb_link, shared by the
 * link dispatcher (link.c) and its backends (link-serial.c, link-tty.c,
 * link-mem.c).  Nothing outside proto/link*.c includes this header.
 *
 * Promise: one struct serves every backend; a backend keeps its state in
 * the fields below and is reached only through its pb_link_ops.  The fd
 * helpers implement the shared non-blocking read/write rules, including
 * unplug detection: "poll says readable but read returns 0 (or EIO/ENXIO)"
 * means the device is gone.
 */
#ifndef PB_PROTO_LINK_IMPL_H
#define PB_PROTO_LINK_IMPL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>
#include "proto/link.h"

struct sp_port;

/* Backend operations: one struct per backend (serial, tty, mem); callers
 * of the public API see only the opaque struct pb_link. */
struct pb_link_ops {
	const char *name;   /* "serial", "tty", "mem" */
	ssize_t (*read)(struct pb_link *l, uint8_t *buf, size_t n);
	ssize_t (*write)(struct pb_link *l, const uint8_t *buf, size_t n);
	int     (*fd)(struct pb_link *l);
	int     (*reopen)(struct pb_link *l);
	void    (*close)(struct pb_link *l);
};

struct pb_link {
	const struct pb_link_ops *ops;
	char path[PATH_MAX];        /* as given by the caller (may be by-id) */
	char dev[PATH_MAX];         /* the device node actually opened */
	struct pb_link_opts opts;
	int  rfd, wfd;              /* -1 when closed */
	bool own;                   /* close rfd/wfd on close */
	bool wrapped;               /* pb_link_from_fds: no path to reopen */
	bool rsock, wsock;          /* fds are sockets: use MSG_NOSIGNAL */
	bool gone;                  /* PB_LINK_E_GONE was reported */
	struct sp_port *sp;         /* serial backend */
	bool restore;               /* tty backend: restore saved termios */
	struct termios saved;
	char err[PATH_MAX + 256];   /* message of the last failure */
};

extern const struct pb_link_ops pb_link_serial_ops;
extern const struct pb_link_ops pb_link_tty_ops;
extern const struct pb_link_ops pb_link_mem_ops;

/* The resolved baud rate (opts->baud, or the 921600 default). */
int pb_link_baud(const struct pb_link_opts *o);

/* Serial backend.  pb_link_serial_lookup() tells whether libserialport
 * knows path (directly, through one of its symlink steps, or through its
 * realpath); on success the port's device name goes to dev (devlen) and
 * the caller owns *port (sp_free_port).  Returns 0 when known, 1 when
 * not. */
int pb_link_serial_lookup(const char *path, struct sp_port **port,
    char *dev, size_t devlen);
/* Open l->dev (already looked up) through libserialport and configure it.
 * Takes ownership of port.  PB_LINK_OK or PB_LINK_E_* with msg. */
int pb_link_serial_open(struct pb_link *l, struct sp_port *port,
    char *msg, size_t msglen);

/* tty backend: open path as a raw terminal.  PB_LINK_E_OPEN with msg
 * when it is not a terminal. */
int pb_link_tty_open(struct pb_link *l, const char *dev, char *msg,
    size_t msglen);
/* Put a terminal fd into raw 8N1 at the given baud with the given flow
 * control; saves the old settings into *saved when saved != NULL. */
int pb_link_tty_configure(int fd, int baud, enum pb_flow flow,
    struct termios *saved, char *msg, size_t msglen);

/* Shared non-blocking fd I/O with unplug detection. */
bool pb_link_errno_gone(int e);  /* EIO, ENXIO, ENODEV, EPIPE, ... */
bool pb_link_fd_hup(int fd);     /* poll(0) says readable or hung up */
ssize_t pb_link_fd_read(int fd, bool sock, uint8_t *buf, size_t n);
ssize_t pb_link_fd_write(int fd, bool sock, const uint8_t *buf, size_t n);
/* Take the advisory exclusive lock (flock) that keeps a second pumpbench
 * or pumphil off a port in use; false when another holder has it. */
bool pb_link_lock_fd(int fd);

/* Dispatcher: (re)open l->path into l, picking the backend. */
int pb_link_open_into(struct pb_link *l, char *msg, size_t msglen);
/* The reopen op of the path-based backends: release (ops->close, which
 * must be idempotent), then pb_link_open_into() again; on failure the
 * link stays gone and may be reopened later. */
int pb_link_reopen_path(struct pb_link *l);

#endif
