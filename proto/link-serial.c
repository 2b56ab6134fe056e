/*
 * proto/link-serial.c - the libserialport backend for real serial adapters,
 * and the port list.
 *
 * Promise: a port libserialport knows (a USB adapter such as /dev/ttyUSB0,
 * also when named through a /dev/serial/by-id symlink, which libserialport
 * 0.1.1 does not resolve itself) is opened read/write, set to the
 * requested baud, 8N1 and flow control, and read and written without
 * blocking through libserialport; its fd (sp_get_port_handle) is what the
 * caller polls.  pb_link_list_ports() lists what libserialport finds, with
 * USB VID/PID, serial number, description and the by-id link.
 */
#include <dirent.h>
#include <errno.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "proto/link-impl.h"

#define BY_ID_DIR "/dev/serial/by-id"

/* Lexically normalise an absolute or relative path: drop "." and empty
 * components, fold "..".  Good enough for symlink targets like
 * "../../ttyUSB0" joined to "/dev/serial/by-id". */
static void normalise(const char *in, char *out, size_t cap)
{
	const char *parts[PATH_MAX / 2];
	size_t lens[PATH_MAX / 2];
	size_t np = 0;
	bool abs = in[0] == '/';
	const char *p = in;

	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *q = p;
		while (*q && *q != '/')
			q++;
		size_t len = (size_t)(q - p);
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (np > 0 && !(lens[np - 1] == 2 &&
			    parts[np - 1][0] == '.' && parts[np - 1][1] == '.'))
				np--;
			else if (!abs && np < PATH_MAX / 2) {
				parts[np] = p;
				lens[np++] = len;
			}
		} else if (np < PATH_MAX / 2) {
			parts[np] = p;
			lens[np++] = len;
		}
		p = q;
	}
	size_t o = 0;
	if (cap == 0)
		return;
	if (abs && o + 1 < cap)
		out[o++] = '/';
	for (size_t i = 0; i < np; i++) {
		if (i > 0 && o + 1 < cap)
			out[o++] = '/';
		for (size_t k = 0; k < lens[i] && o + 1 < cap; k++)
			out[o++] = parts[i][k];
	}
	if (o == 0 && o + 1 < cap)
		out[o++] = '.';
	out[o] = '\0';
}

/* One symlink step from cur: the normalised target, or false. */
static bool link_step(const char *cur, char *next, size_t cap)
{
	char lnk[PATH_MAX], joined[2 * PATH_MAX + 2];
	ssize_t k = readlink(cur, lnk, sizeof lnk - 1);
	if (k < 0)
		return false;
	lnk[k] = '\0';
	if (lnk[0] == '/') {
		normalise(lnk, next, cap);
	} else {
		const char *slash = strrchr(cur, '/');
		size_t dl = slash ? (size_t)(slash - cur) : 0;
		snprintf(joined, sizeof joined, "%.*s/%s", (int)dl, cur, lnk);
		normalise(joined, next, cap);
	}
	return true;
}

static bool try_port(const char *name, struct sp_port **port)
{
	if (strncmp(name, "/dev/", 5) != 0)
		return false;
	*port = NULL;
	if (sp_get_port_by_name(name, port) == SP_OK)
		return true;
	if (*port)
		sp_free_port(*port);
	*port = NULL;
	return false;
}

int pb_link_serial_lookup(const char *path, struct sp_port **port,
    char *dev, size_t devlen)
{
	char cur[PATH_MAX], next[PATH_MAX];

	normalise(path, cur, sizeof cur);
	for (int i = 0; i < 40; i++) {
		if (try_port(cur, port)) {
			snprintf(dev, devlen, "%s", cur);
			return 0;
		}
		if (!link_step(cur, next, sizeof next))
			break;
		memcpy(cur, next, sizeof cur);
	}
	if (realpath(path, next) && try_port(next, port)) {
		snprintf(dev, devlen, "%s", next);
		return 0;
	}
	return 1;
}

static int fail_msg(struct pb_link *l, char *msg, size_t msglen,
    const char *what)
{
	int e = sp_last_error_code();
	char *m = sp_last_error_message();
	(void)l;
	snprintf(msg, msglen, "%s failed: %s%s", what,
	    m ? m : "error", e == EACCES ? " (is your user in the dialout "
	    "group?)" : "");
	sp_free_error_message(m);
	return e == ENOENT ? PB_LINK_E_NOENT : PB_LINK_E_OPEN;
}

/* libserialport 0.1.1 keeps CRTSCTS in c_iflag instead of c_cflag, so on
 * Linux (no termiox) sp_set_flowcontrol(SP_FLOWCONTROL_RTSCTS) never
 * enables hardware flow control.  Put the bit where the kernel reads it. */
static int fix_crtscts(int fd, bool on)
{
	struct termios t;
	if (tcgetattr(fd, &t) != 0)
		return -1;
	tcflag_t want = on ? (t.c_cflag | CRTSCTS) : (t.c_cflag & ~(tcflag_t)CRTSCTS);
	if (want == t.c_cflag)
		return 0;
	t.c_cflag = want;
	return tcsetattr(fd, TCSANOW, &t);
}

int pb_link_serial_open(struct pb_link *l, struct sp_port *port,
    char *msg, size_t msglen)
{
	enum sp_flowcontrol fc = SP_FLOWCONTROL_NONE;
	int fd = -1, rc;

	if (l->opts.flow == PB_FLOW_RTSCTS)
		fc = SP_FLOWCONTROL_RTSCTS;
	else if (l->opts.flow == PB_FLOW_XONXOFF)
		fc = SP_FLOWCONTROL_XONXOFF;

	if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
		rc = fail_msg(l, msg, msglen, "open");
		sp_free_port(port);
		return rc;
	}
	const char *what = NULL;
	if (sp_set_baudrate(port, pb_link_baud(&l->opts)) != SP_OK)
		what = "setting the baud rate";
	else if (sp_set_bits(port, 8) != SP_OK)
		what = "setting 8 data bits";
	else if (sp_set_parity(port, SP_PARITY_NONE) != SP_OK)
		what = "setting no parity";
	else if (sp_set_stopbits(port, 1) != SP_OK)
		what = "setting 1 stop bit";
	else if (sp_set_flowcontrol(port, fc) != SP_OK)
		what = "setting flow control";
	else if (sp_get_port_handle(port, &fd) != SP_OK || fd < 0)
		what = "getting the port handle";
	else if (!pb_link_lock_fd(fd)) {
		snprintf(msg, msglen, "in use by another program");
		sp_close(port);
		sp_free_port(port);
		return PB_LINK_E_OPEN;
	}
	else if (fix_crtscts(fd, l->opts.flow == PB_FLOW_RTSCTS) != 0)
		what = "setting RTS/CTS";
	if (what) {
		rc = fail_msg(l, msg, msglen, what);
		sp_close(port);
		sp_free_port(port);
		return rc == PB_LINK_E_NOENT ? rc : PB_LINK_E_OPEN;
	}
	l->ops = &pb_link_serial_ops;
	l->sp = port;
	l->rfd = l->wfd = fd;
	l->own = true;
	l->rsock = l->wsock = false;
	l->gone = false;
	return PB_LINK_OK;
}

static ssize_t sp_result(int r)
{
	if (r >= 0)
		return r;
	if (r != SP_ERR_FAIL)
		return PB_LINK_E_IO;
	int e = errno;
	if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
		return 0;
	return pb_link_errno_gone(e) ? PB_LINK_E_GONE : PB_LINK_E_IO;
}

static ssize_t serial_read(struct pb_link *l, uint8_t *buf, size_t n)
{
	if (!l->sp)
		return PB_LINK_E_GONE;
	if (n == 0)
		return 0;
	int r = sp_nonblocking_read(l->sp, buf, n);
	if (r != 0)
		return sp_result(r);
	/* Nothing read: an unplugged adapter looks like this too, but then
	 * poll() calls it readable (hang-up) and a second read still gets
	 * nothing.  Data arriving in between is returned normally. */
	if (!pb_link_fd_hup(l->rfd))
		return 0;
	r = sp_nonblocking_read(l->sp, buf, n);
	if (r != 0)
		return sp_result(r);
	return PB_LINK_E_GONE;
}

static ssize_t serial_write(struct pb_link *l, const uint8_t *buf, size_t n)
{
	if (!l->sp)
		return PB_LINK_E_GONE;
	if (n == 0)
		return 0;
	return sp_result(sp_nonblocking_write(l->sp, buf, n));
}

static int serial_fd(struct pb_link *l)
{
	return l->rfd;
}

static void serial_close(struct pb_link *l)
{
	if (l->sp) {
		sp_close(l->sp);
		sp_free_port(l->sp);
		l->sp = NULL;
	}
	l->rfd = l->wfd = -1;
}

const struct pb_link_ops pb_link_serial_ops = {
	.name = "serial",
	.read = serial_read,
	.write = serial_write,
	.fd = serial_fd,
	.reopen = pb_link_reopen_path,
	.close = serial_close,
};

/* ---- listing ------------------------------------------------------------ */

/* True when a and b name the same device node (stat, following links). */
static bool same_node(const char *a, const struct stat *sb)
{
	struct stat sa;
	if (stat(a, &sa) != 0)
		return false;
	if (S_ISCHR(sa.st_mode) && S_ISCHR(sb->st_mode))
		return sa.st_rdev == sb->st_rdev;
	return sa.st_dev == sb->st_dev && sa.st_ino == sb->st_ino;
}

/* True when the symlink chain starting at link reaches target, lexically
 * or by naming the same node.  (No realpath(): umockdev 0.17's realpath
 * wrapper crashes on a mocked node that resolves outside its testbed.) */
static bool link_reaches(const char *link, const char *target,
    const struct stat *tst)
{
	char cur[PATH_MAX], next[PATH_MAX];
	normalise(link, cur, sizeof cur);
	for (int i = 0; i < 40; i++) {
		if (!link_step(cur, next, sizeof next))
			break;
		if (strcmp(next, target) == 0)
			return true;
		memcpy(cur, next, sizeof cur);
	}
	return tst && same_node(link, tst);
}

static void find_by_id(const char *path, char *out, size_t cap)
{
	struct stat tst;
	bool have = stat(path, &tst) == 0;
	out[0] = '\0';
	DIR *d = opendir(BY_ID_DIR);
	if (!d)
		return;
	struct dirent *e;
	char best[PATH_MAX] = "";
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char full[PATH_MAX];
		snprintf(full, sizeof full, "%s/%.*s", BY_ID_DIR,
		    (int)(sizeof full - sizeof BY_ID_DIR - 2), e->d_name);
		if (!link_reaches(full, path, have ? &tst : NULL))
			continue;
		/* several links (interfaces) may match: take the first name
		 * in order, so the listing is stable */
		if (!best[0] || strcmp(full, best) < 0)
			snprintf(best, sizeof best, "%s", full);
	}
	closedir(d);
	snprintf(out, cap, "%s", best);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void fill_info(struct pb_port_info *pi, struct sp_port *p)
{
	memset(pi, 0, sizeof *pi);
	pi->vid = pi->pid = -1;
	copy_str(pi->path, sizeof pi->path, sp_get_port_name(p));
	switch (sp_get_port_transport(p)) {
	case SP_TRANSPORT_USB:
		copy_str(pi->transport, sizeof pi->transport, "usb");
		break;
	case SP_TRANSPORT_BLUETOOTH:
		copy_str(pi->transport, sizeof pi->transport, "bluetooth");
		break;
	default:
		copy_str(pi->transport, sizeof pi->transport, "native");
		break;
	}
	const char *desc = sp_get_port_description(p);
	if (sp_get_port_transport(p) == SP_TRANSPORT_USB) {
		int vid = -1, pid = -1;
		if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
			pi->vid = vid;
			pi->pid = pid;
		}
		copy_str(pi->serial, sizeof pi->serial,
		    sp_get_port_usb_serial(p));
		const char *man = sp_get_port_usb_manufacturer(p);
		const char *prod = sp_get_port_usb_product(p);
		if (man && man[0] && prod && prod[0] &&
		    strncmp(prod, man, strlen(man)) != 0)
			snprintf(pi->description, sizeof pi->description,
			    "%s %s", man, prod);
		else if (prod && prod[0])
			copy_str(pi->description, sizeof pi->description, prod);
		else
			copy_str(pi->description, sizeof pi->description, desc);
	} else {
		copy_str(pi->description, sizeof pi->description, desc);
	}
	/* libserialport describes native ports by their name: say nothing
	 * rather than repeat it */
	const char *base = strrchr(pi->path, '/');
	if (base && strcmp(pi->description, base + 1) == 0)
		pi->description[0] = '\0';
	find_by_id(pi->path, pi->by_id, sizeof pi->by_id);
}

static int cmp_port(const void *a, const void *b)
{
	const struct pb_port_info *x = a, *y = b;
	/* USB adapters first, then by path in version order (ttyUSB2 before
	 * ttyUSB10). */
	int ux = strcmp(x->transport, "usb") == 0;
	int uy = strcmp(y->transport, "usb") == 0;
	if (ux != uy)
		return uy - ux;
	return strverscmp(x->path, y->path);
}

int pb_link_list_ports(struct pb_port_info *out, int max)
{
	struct sp_port **list = NULL;
	if (max < 0 || (max > 0 && !out))
		return PB_LINK_E_ARG;
	enum sp_return r = sp_list_ports(&list);
	if (r != SP_OK)
		return r == SP_ERR_MEM ? PB_LINK_E_MEM : PB_LINK_E_IO;
	int n = 0;
	for (size_t i = 0; list && list[i]; i++) {
		if (n < max)
			fill_info(&out[n], list[i]);
		n++;
	}
	sp_free_port_list(list);
	if (n > 0 && max > 0)
		qsort(out, (size_t)(n < max ? n : max), sizeof *out, cmp_port);
	return n;
}

void pb_port_describe(const struct pb_port_info *p, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	buf[0] = '\0';
	if (!p)
		return;
	const char *tr = p->transport;
	if (strcmp(tr, "usb") == 0)
		tr = "USB";
	else if (strcmp(tr, "bluetooth") == 0)
		tr = "Bluetooth";
	size_t o = 0;
#define PUT(...) do { \
		if (o < len) { \
			int k_ = snprintf(buf + o, len - o, __VA_ARGS__); \
			if (k_ > 0) \
				o += (size_t)k_; \
		} \
	} while (0)
	PUT("%s  %s", p->path, tr[0] ? tr : "serial");
	if (p->vid >= 0 && p->pid >= 0)
		PUT(" %04x:%04x", (unsigned)p->vid, (unsigned)p->pid);
	if (p->description[0])
		PUT(" %s", p->description);
	if (p->serial[0])
		PUT(" (serial %s)", p->serial);
	if (p->by_id[0])
		PUT("  -> %s", p->by_id);
#undef PUT
}
