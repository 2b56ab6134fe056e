/*
 * proto/link.h - a byte link to a pump, behind one interface.
 *
 * Promise: every backend (libserialport for real USB adapters, a termios
 * fd for pseudo-terminals, an in-memory pair for tests) is non-blocking
 * and exposes one pollable fd.  pb_link_open() picks the backend from the
 * path by itself: a path that libserialport knows (a USB adapter, also
 * through a /dev/serial/by-id symlink, resolved first) goes through
 * libserialport, anything else that is a tty (a pty from pumpsim or socat)
 * through termios.  Reads and writes never block.  A device that vanishes
 * (unplugged adapter, emulator killed) is reported as PB_LINK_E_GONE; the
 * caller may then pb_link_reopen() by the same path.
 */
#ifndef PB_PROTO_LINK_H
#define PB_PROTO_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum pb_link_err {
	PB_LINK_OK = 0,
	PB_LINK_E_ARG = -1,     /* bad argument */
	PB_LINK_E_NOENT = -2,   /* no such port */
	PB_LINK_E_OPEN = -3,    /* could not open or configure */
	PB_LINK_E_IO = -4,      /* read/write error */
	PB_LINK_E_GONE = -5,    /* device disappeared (unplug, peer closed) */
	PB_LINK_E_MEM = -6
};

enum pb_flow { PB_FLOW_NONE = 0, PB_FLOW_RTSCTS = 1, PB_FLOW_XONXOFF = 2 };

struct pb_link_opts {
	int baud;              /* 0 = 921600 */
	enum pb_flow flow;
};

struct pb_link;   /* opaque */

/* Open a port by path, picking the backend. On failure returns NULL and,
 * if err is given, a PB_LINK_E_* code and a message in msg (msglen): one
 * line saying what went wrong ("no such port (see --list-ports)", "in use
 * by another program", ...), without the path, which the caller prints
 * in front of it. */
struct pb_link *pb_link_open(const char *path, const struct pb_link_opts *o,
    int *err, char *msg, size_t msglen);

/* Wrap an already-open fd (e.g. pumpsim --stdio's pipes, a pty master)
 * as a tty-backend link; rfd and wfd may differ. Does not change termios
 * unless the fd is a tty. The link owns the fds when own != 0. */
struct pb_link *pb_link_from_fds(int rfd, int wfd, int own);

/* An in-memory connected pair for tests: bytes written on a appear on b
 * and vice versa.  Each side has a pollable fd (an eventfd/pipe). */
int pb_link_mem_pair(struct pb_link **a, struct pb_link **b);

/* Non-blocking I/O. read returns bytes read (0 = nothing now), write
 * returns bytes accepted (may be short), both < 0 on PB_LINK_E_*. */
ssize_t pb_link_read(struct pb_link *l, uint8_t *buf, size_t n);
ssize_t pb_link_write(struct pb_link *l, const uint8_t *buf, size_t n);
int     pb_link_fd(struct pb_link *l);       /* for poll(); -1 when closed */
int     pb_link_reopen(struct pb_link *l);   /* PB_LINK_OK or error */
const char *pb_link_path(const struct pb_link *l);
const char *pb_link_backend(const struct pb_link *l);
void    pb_link_close(struct pb_link *l);
const char *pb_link_strerror(int err);

/* Serial ports as a user expects to see them. */
struct pb_port_info {
	char path[256];        /* /dev/ttyUSB0 */
	char by_id[256];       /* /dev/serial/by-id/... link, or "" */
	char transport[16];    /* "usb", "native", "bluetooth" */
	int  vid, pid;         /* -1 when unknown */
	char serial[64];
	char description[128];
};
/* Fill up to max entries; returns the number found (may exceed max), or
 * < 0 on error. */
int pb_link_list_ports(struct pb_port_info *out, int max);

/* One line describing a port the way a user expects, e.g.
 * "/dev/ttyUSB0  USB 0403:6015 FTDI FT231X (serial DK0ABC12)  -> /dev/serial/by-id/usb-FTDI_FT231X_DK0ABC12-if00-port0".
 * Always NUL-terminates buf (truncating when len is too small). */
void pb_port_describe(const struct pb_port_info *p, char *buf, size_t len);

/* Message of the link's last failure (open, reopen, read, write), "" when
 * none; never NULL. */
const char *pb_link_error(const struct pb_link *l);

#endif
