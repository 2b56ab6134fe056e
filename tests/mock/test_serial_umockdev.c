/*
 * tests/mock/test_serial_umockdev.c - the real libserialport backend on an
 * emulated USB serial adapter (an FTDI FT231X) under umockdev.
 *
 * Runs under umockdev-wrapper (tools/run-tests does that for tests/mock).
 * The testbed holds the sysfs tree of a USB device, its interface, the
 * usb-serial node and the tty node /dev/ttyUSB0, which umockdev backs with
 * a pseudo-terminal; an ioctl handler answers the modem-control and
 * termios2 ioctls a pty cannot (see docs/serial.md and
 * docs/pump-domain.md "The serial link").  umockdev 0.17 runs ioctl handlers on a worker thread
 * of its own, so no GLib main loop is needed here; the handler's state is
 * guarded by a mutex.
 *
 * Then: pb_link_list_ports() lists the adapter (USB, VID/PID, serial,
 * description, by-id link), pb_link_open() opens it through libserialport
 * (also via by-id symlinks), applies baud and flow control, and frames go
 * both ways between pb_client and pb_device on the pty master.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include <umockdev.h>

#include "proto/client.h"
#include "proto/device.h"
#include "proto/link.h"
#include "tests/lib/check_main.h"

#define BY_ID "usb-FTDI_FT231X_USB_UART_DK0ABC12-if00-port0"

/* The kernel's termios2 (what TCGETS2/TCSETS2 carry); struct termios of
 * <termios.h> is glibc's, larger, and must not be used for ioctl data. */
struct k_termios2 {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t  c_line;
	uint8_t  c_cc[19];
	uint32_t c_ispeed, c_ospeed;
};
#define K_TERMIOS_LEN 36     /* the kernel's struct termios: no speeds */
#define K_TCGETS2  _IOR('T', 0x2A, struct k_termios2)
#define K_TCSETS2  _IOW('T', 0x2B, struct k_termios2)
#define K_TCSETSW2 _IOW('T', 0x2C, struct k_termios2)
#define K_TCSETSF2 _IOW('T', 0x2D, struct k_termios2)

struct mock {
	GMutex mu;
	struct k_termios2 t;
	int modem;
	int n_ioctl, n_modem, n_set;
	unsigned long unhandled;
};

static const char tree[] =
	"P: /devices/pci0000:00/0000:00:14.0/usb1/1-2\n"
	"E: SUBSYSTEM=usb\n"
	"E: DEVTYPE=usb_device\n"
	"E: ID_VENDOR_ID=0403\n"
	"E: ID_MODEL_ID=6015\n"
	"A: idVendor=0403\n"
	"A: idProduct=6015\n"
	"A: serial=DK0ABC12\n"
	"A: manufacturer=FTDI\n"
	"A: product=FT231X USB UART\n"
	"A: busnum=1\n"
	"A: devnum=5\n"
	"\n"
	"P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0\n"
	"E: SUBSYSTEM=usb\n"
	"E: DEVTYPE=usb_interface\n"
	"E: DRIVER=ftdi_sio\n"
	"A: bInterfaceNumber=00\n"
	"\n"
	"P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0\n"
	"E: SUBSYSTEM=usb-serial\n"
	"E: DRIVER=ftdi_sio\n"
	"\n"
	"P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0\n"
	"N: ttyUSB0\n"
	"E: SUBSYSTEM=tty\n"
	"E: DEVNAME=/dev/ttyUSB0\n"
	"A: dev=188:0\n"
	/* libserialport finds the USB attributes through this link */
	"L: device=../../../ttyUSB0\n";

static gboolean on_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *c,
    gpointer user)
{
	struct mock *m = user;
	(void)base;
	gulong req = umockdev_ioctl_client_get_request(c);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
	UMockdevIoctlData *d = NULL;
	GError *err = NULL;
	long res = 0;
	int eno = 0;

	g_mutex_lock(&m->mu);
	m->n_ioctl++;
	switch (req) {
	case TCGETS:
	case K_TCGETS2:
		d = umockdev_ioctl_data_resolve(arg, 0, req == TCGETS ?
		    K_TERMIOS_LEN : sizeof(struct k_termios2), &err);
		if (d)
			memcpy(d->data, &m->t, (size_t)d->data_len);
		break;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
	case K_TCSETS2:
	case K_TCSETSW2:
	case K_TCSETSF2: {
		bool k2 = req != TCSETS && req != TCSETSW && req != TCSETSF;
		d = umockdev_ioctl_data_resolve(arg, 0, k2 ?
		    sizeof(struct k_termios2) : K_TERMIOS_LEN, &err);
		if (d)
			memcpy(&m->t, d->data, (size_t)d->data_len);
		m->n_set++;
		break;
	}
	case TIOCMGET:
		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(int), &err);
		if (d)
			memcpy(d->data, &m->modem, sizeof(int));
		m->n_modem++;
		break;
	case TIOCMSET:
	case TIOCMBIS:
	case TIOCMBIC:
		m->n_modem++;
		break;
	case TIOCEXCL:
	case TIOCNXCL:
	case TCFLSH:
		break;
	default:
		m->unhandled = req;
		res = -1;
		eno = ENOTTY;
		break;
	}
	g_mutex_unlock(&m->mu);
	if (err) {
		g_error_free(err);
		res = -1;
		eno = EFAULT;
	}
	umockdev_ioctl_client_complete(c, res, eno);
	if (d)
		g_object_unref(d);
	return TRUE;
}

struct bed {
	UMockdevTestbed *tb;
	UMockdevIoctlBase *h;
	struct mock m;
	int master;
};

static void bed_up(struct bed *b)
{
	GError *err = NULL;
	memset(b, 0, sizeof *b);
	const char *pre = getenv("LD_PRELOAD");
	ck_assert_msg(pre && strstr(pre, "umockdev"),
	    "run this test under umockdev-wrapper");
	g_mutex_init(&b->m.mu);
	b->m.modem = TIOCM_DSR | TIOCM_CTS | TIOCM_CAR;
	b->m.t.c_cflag = CS8 | CREAD | CLOCAL | B9600;
	b->tb = umockdev_testbed_new();
	ck_assert_msg(umockdev_testbed_add_from_string(b->tb, tree, &err),
	    "add: %s", err ? err->message : "?");
	b->h = umockdev_ioctl_base_new();
	g_signal_connect(b->h, "handle-ioctl", G_CALLBACK(on_ioctl), &b->m);
	ck_assert_msg(umockdev_testbed_attach_ioctl(b->tb, "/dev/ttyUSB0",
	    b->h, &err), "attach: %s", err ? err->message : "?");
	b->master = umockdev_testbed_get_dev_fd(b->tb, "/dev/ttyUSB0");
	ck_assert_int_ge(b->master, 0);

	/* what udev would make: /dev/serial/by-id/<name> -> ../../ttyUSB0 */
	char dir[1024], link[1200];
	snprintf(dir, sizeof dir, "%s/dev/serial/by-id",
	    umockdev_testbed_get_root_dir(b->tb));
	ck_assert_int_eq(g_mkdir_with_parents(dir, 0755), 0);
	snprintf(link, sizeof link, "%s/%s", dir, BY_ID);
	ck_assert_int_eq(symlink("../../ttyUSB0", link), 0);
}

static void bed_down(struct bed *b)
{
	umockdev_testbed_detach_ioctl(b->tb, "/dev/ttyUSB0", NULL);
	g_object_unref(b->h);
	g_object_unref(b->tb);
	g_mutex_clear(&b->m.mu);
}

/* Read n bytes from the pty master, waiting up to 5 s. */
static size_t master_read(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static ssize_t link_read_n(struct pb_link *l, uint8_t *buf, size_t n)
{
	size_t got = 0;
	for (int i = 0; i < 500 && got < n; i++) {
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

START_TEST(lists_the_usb_adapter)
{
	static struct bed b;
	bed_up(&b);
	struct pb_port_info ports[8];
	int n = pb_link_list_ports(ports, 8);
	ck_assert_int_eq(n, 1);
	const struct pb_port_info *p = &ports[0];
	ck_assert_str_eq(p->path, "/dev/ttyUSB0");
	ck_assert_str_eq(p->transport, "usb");
	ck_assert_int_eq(p->vid, 0x0403);
	ck_assert_int_eq(p->pid, 0x6015);
	ck_assert_str_eq(p->serial, "DK0ABC12");
	ck_assert_str_eq(p->description, "FTDI FT231X USB UART");
	ck_assert_str_eq(p->by_id, "/dev/serial/by-id/" BY_ID);
	char line[512];
	pb_port_describe(p, line, sizeof line);
	ck_assert_str_eq(line, "/dev/ttyUSB0  USB 0403:6015 FTDI FT231X USB "
	    "UART (serial DK0ABC12)  -> /dev/serial/by-id/" BY_ID);
	bed_down(&b);
}
END_TEST

START_TEST(opens_through_libserialport_and_configures)
{
	static struct bed b;
	bed_up(&b);
	struct pb_link_opts o = { .baud = 115200, .flow = PB_FLOW_RTSCTS };
	int err;
	char msg[512];
	struct pb_link *l = pb_link_open("/dev/ttyUSB0", &o, &err, msg,
	    sizeof msg);
	ck_assert_msg(l != NULL, "open: %s", msg);
	ck_assert_str_eq(pb_link_backend(l), "serial");
	ck_assert_int_ge(pb_link_fd(l), 0);

	/* libserialport set 8N1, 115200 and RTS/CTS (termios goes to the
	 * pty; the modem-control ioctls came to our handler) */
	struct termios t;
	ck_assert_int_eq(tcgetattr(pb_link_fd(l), &t), 0);
	ck_assert_int_eq(cfgetospeed(&t), B115200);
	ck_assert_int_eq(t.c_cflag & CSIZE, CS8);
	ck_assert(!(t.c_cflag & (PARENB | CSTOPB)));
	ck_assert(t.c_cflag & CRTSCTS);
	ck_assert(!(t.c_iflag & (IXON | IXOFF)));
	g_mutex_lock(&b.m.mu);
	int n_modem = b.m.n_modem;
	unsigned long unhandled = b.m.unhandled;
	g_mutex_unlock(&b.m.mu);
	ck_assert_int_gt(n_modem, 0);
	ck_assert_msg(unhandled == 0, "unhandled ioctl 0x%lx", unhandled);

	/* raw bytes both ways through sp_nonblocking_read/write */
	uint8_t all[256], buf[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	ck_assert_int_eq(pb_link_write(l, all, sizeof all), sizeof all);
	ck_assert_uint_eq(master_read(b.master, buf, sizeof all), sizeof all);
	ck_assert_mem_eq(buf, all, sizeof all);
	ck_assert_int_eq(write(b.master, all, sizeof all), sizeof all);
	ck_assert_int_eq(link_read_n(l, buf, sizeof all), sizeof all);
	ck_assert_mem_eq(buf, all, sizeof all);
	ck_assert_int_eq(pb_link_read(l, buf, sizeof buf), 0);
	/* a second program cannot take the adapter meanwhile */
	struct pb_link *l2 = pb_link_open("/dev/serial/by-id/" BY_ID, &o, &err,
	    msg, sizeof msg);
	ck_assert_ptr_null(l2);
	ck_assert_int_eq(err, PB_LINK_E_OPEN);
	ck_assert_ptr_nonnull(strstr(msg, "in use"));
	pb_link_close(l);

	/* XON/XOFF instead */
	o.flow = PB_FLOW_XONXOFF;
	o.baud = 0;                      /* default 921600 */
	l = pb_link_open("/dev/ttyUSB0", &o, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "open: %s", msg);
	ck_assert_int_eq(tcgetattr(pb_link_fd(l), &t), 0);
	/* libserialport sets 921600 with TCSETS2 (BOTHER), an ioctl that
	 * came to our handler */
	g_mutex_lock(&b.m.mu);
	uint32_t ospeed = b.m.t.c_ospeed;
	g_mutex_unlock(&b.m.mu);
	ck_assert_uint_eq(ospeed, 921600);
	ck_assert(!(t.c_cflag & CRTSCTS));
	ck_assert(t.c_iflag & IXON);
	pb_link_close(l);
	bed_down(&b);
}
END_TEST

START_TEST(by_id_links_resolve_to_the_serial_backend)
{
	static struct bed b;
	bed_up(&b);
	int err;
	char msg[512];
	/* the udev-style link inside the testbed's /dev */
	struct pb_link *l = pb_link_open("/dev/serial/by-id/" BY_ID, NULL,
	    &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "open by-id: %s", msg);
	ck_assert_str_eq(pb_link_backend(l), "serial");
	ck_assert_str_eq(pb_link_path(l), "/dev/serial/by-id/" BY_ID);
	pb_link_close(l);

	/* a by-id style symlink elsewhere (absolute target) */
	char dir[] = "/tmp/pb-test-byid.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char link[256];
	snprintf(link, sizeof link, "%s/%s", dir, BY_ID);
	ck_assert_int_eq(symlink("/dev/ttyUSB0", link), 0);
	l = pb_link_open(link, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "open %s: %s", link, msg);
	ck_assert_str_eq(pb_link_backend(l), "serial");
	const uint8_t x[] = { 0x55, 0x00, 0xAA };
	ck_assert_int_eq(pb_link_write(l, x, 3), 3);
	uint8_t buf[3];
	ck_assert_uint_eq(master_read(b.master, buf, 3), 3);
	ck_assert_mem_eq(buf, x, 3);
	pb_link_close(l);
	unlink(link);

	/* a chain of relative links: dir/a/l1 -> ../b/l2 -> /dev/ttyUSB0 */
	char a[300], bdir[300], l1[320], l2[320];
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(bdir, sizeof bdir, "%s/b", dir);
	ck_assert_int_eq(mkdir(a, 0755), 0);
	ck_assert_int_eq(mkdir(bdir, 0755), 0);
	snprintf(l1, sizeof l1, "%s/l1", a);
	snprintf(l2, sizeof l2, "%s/l2", bdir);
	ck_assert_int_eq(symlink("../b/l2", l1), 0);
	ck_assert_int_eq(symlink("/dev/ttyUSB0", l2), 0);
	l = pb_link_open(l1, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "open %s: %s", l1, msg);
	ck_assert_str_eq(pb_link_backend(l), "serial");
	pb_link_close(l);
	unlink(l1);
	unlink(l2);
	rmdir(a);
	rmdir(bdir);
	rmdir(dir);

	/* and a port that is not there */
	l = pb_link_open("/dev/ttyUSB7", NULL, &err, msg, sizeof msg);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(err, PB_LINK_E_NOENT);
	ck_assert_str_eq(msg, "no such port (see --list-ports)");
	bed_down(&b);
}
END_TEST

START_TEST(unplug_is_gone_and_reopen_by_path)
{
	static struct bed b;
	bed_up(&b);
	int err;
	char msg[512];
	struct pb_link *l = pb_link_open("/dev/serial/by-id/" BY_ID, NULL, &err,
	    msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);
	ck_assert_str_eq(pb_link_backend(l), "serial");
	uint8_t buf[16];
	ck_assert_int_eq(pb_link_read(l, buf, sizeof buf), 0);   /* idle */

	/* Unplug as the kernel does it: hang the tty up (TIOCVHANGUP on the
	 * pty behind the mocked node; needs CAP_SYS_ADMIN, else the rest of
	 * this test is skipped with a note). */
	char pts[256];
	ssize_t k = readlink("/dev/ttyUSB0", pts, sizeof pts - 1);
	ck_assert_int_gt(k, 0);
	pts[k] = '\0';
	/* raw syscalls: umockdev's preload would wrap open() and ioctl() */
	int hfd = (int)syscall(SYS_openat, AT_FDCWD, pts, O_RDWR | O_NOCTTY);
	ck_assert_int_ge(hfd, 0);
	if (syscall(SYS_ioctl, hfd, TIOCVHANGUP, 0) != 0) {
		fprintf(stderr, "unplug test not run: TIOCVHANGUP: %s "
		    "(needs CAP_SYS_ADMIN)\n", strerror(errno));
		close(hfd);
		pb_link_close(l);
		bed_down(&b);
		return;
	}
	close(hfd);
	ssize_t r = 0;
	for (int i = 0; i < 500 && r >= 0; i++) {
		r = pb_link_read(l, buf, sizeof buf);
		if (r == 0) {
			struct pollfd p = { .fd = pb_link_fd(l), .events = POLLIN };
			poll(&p, 1, 10);
		}
	}
	ck_assert_int_eq(r, PB_LINK_E_GONE);
	ck_assert_int_eq(pb_link_fd(l), -1);

	/* the adapter is back under the same name: reopen by path */
	ck_assert_int_eq(pb_link_reopen(l), PB_LINK_OK);
	ck_assert_str_eq(pb_link_backend(l), "serial");
	const uint8_t x[] = { 1, 2, 3 };
	ck_assert_int_eq(pb_link_write(l, x, 3), 3);
	ck_assert_uint_eq(master_read(b.master, buf, 3), 3);
	ck_assert_mem_eq(buf, x, 3);
	pb_link_close(l);
	bed_down(&b);
}
END_TEST

/* ---- frames both ways: pb_client on the adapter, pb_device on the pty ---- */

struct dev_side {
	int hellos, heartbeats_from_host;
};

static void dev_handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us)
{
	struct dev_side *ds = ctx;
	(void)now_us;
	if (cmd->type == PB_T_HELLO) {
		ds->hellos++;
		resp->body_kind = PB_BODY_INFO;
		struct pb_device_info *i = &resp->body.info;
		i->proto_version = PB_PROTO_VERSION;
		strcpy(i->fw_version, "3.1.0");
		strcpy(i->serial, "DK0ABC12-PUMP");
		strcpy(i->profile, "s10pro");
		i->channels = 2;
		i->levels = 9;
		i->modes = 1u << PB_MODE_EXPRESSION;
		i->sample_rate_hz = 100;
		i->max_target = 2500;
		i->trip = 3000;
	}
}

struct host_side {
	int tel, done, done_status;
	uint32_t lost;
};

static void on_tel(void *ctx, const struct pb_telemetry *t, uint32_t lost)
{
	struct host_side *h = ctx;
	(void)t;
	h->tel++;
	h->lost += lost;
}

static void on_done(void *ctx, uint8_t txn, int status,
    const struct pb_response *r)
{
	struct host_side *h = ctx;
	(void)txn;
	(void)r;
	h->done++;
	h->done_status = status;
}

/* One round: service the client, move bytes master <-> device. */
static void pump_once(struct pb_client *c, pb_device *dev, int master)
{
	struct pollfd p[2] = {
		{ .fd = pb_client_fd(c), .events = POLLIN },
		{ .fd = master, .events = POLLIN },
	};
	poll(p, 2, 5);
	uint64_t now = pb_client_clock_us();
	pb_client_service(c, now);
	uint8_t buf[2048];
	ssize_t r = read(master, buf, sizeof buf);
	if (r > 0)
		pb_device_rx(dev, buf, (size_t)r, now);
	size_t n = pb_device_take(dev, buf, sizeof buf);
	if (n)
		ck_assert_int_eq(write(master, buf, n), (ssize_t)n);
}

START_TEST(frames_both_ways)
{
	static struct bed b;
	bed_up(&b);
	int err;
	char msg[512];
	struct pb_link_opts o = { .baud = 460800, .flow = PB_FLOW_NONE };
	struct pb_link *l = pb_link_open("/dev/serial/by-id/" BY_ID, &o, &err,
	    msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);
	ck_assert_str_eq(pb_link_backend(l), "serial");

	struct host_side hs;
	memset(&hs, 0, sizeof hs);
	struct pb_client_cb cb = { .ctx = &hs, .telemetry = on_tel,
		.done = on_done };
	struct pb_client *c = pb_client_new(l, &cb);
	static struct dev_side ds;
	static pb_device dev;
	pb_device_init(&dev, dev_handler, &ds);

	/* the master is ours to read without blocking */
	int fl = fcntl(b.master, F_GETFL);
	fcntl(b.master, F_SETFL, fl | O_NONBLOCK);

	int txn = pb_client_hello(c, pb_client_clock_us());
	ck_assert_int_ge(txn, 1);
	for (int i = 0; i < 1000 && hs.done == 0; i++)
		pump_once(c, &dev, b.master);
	ck_assert_int_eq(hs.done, 1);
	ck_assert_int_eq(hs.done_status, PB_CLIENT_OK);
	ck_assert_int_eq(ds.hellos, 1);
	ck_assert_ptr_nonnull(pb_client_info(c));
	ck_assert_str_eq(pb_client_info(c)->serial, "DK0ABC12-PUMP");

	/* telemetry device -> host */
	for (int k = 0; k < 20; k++) {
		struct pb_msg m;
		memset(&m, 0, sizeof m);
		m.type = PB_T_TELEMETRY;
		m.u.tel.first_sample = (uint32_t)k * 10u;
		m.u.tel.n = 10;
		m.u.tel.channels = 2;
		m.u.tel.mode = PB_MODE_EXPRESSION;
		m.u.tel.level = 4;
		m.u.tel.run_state = PB_RS_RUNNING;
		m.u.tel.channel_mask = 3;
		for (int i = 0; i < 10; i++)
			m.u.tel.samples[0][i] = m.u.tel.samples[1][i] =
			    (int16_t)(100 * i);
		ck_assert_int_eq(pb_device_send(&dev, &m), 0);
	}
	for (int i = 0; i < 1000 && hs.tel < 20; i++)
		pump_once(c, &dev, b.master);
	ck_assert_int_eq(hs.tel, 20);
	ck_assert_uint_eq(hs.lost, 0);
	const struct pb_client_stats *st = pb_client_stats(c);
	ck_assert_uint_eq(st->frames_lost, 0);
	ck_assert_uint_eq(pb_rx_dropped(&st->rx), 0);
	ck_assert_uint_eq(st->samples_rx, 200);
	/* and the host's heartbeats reached the device intact */
	ck_assert(dev.host_seen);
	ck_assert_uint_eq(pb_rx_dropped(&dev.dec.st), 0);
	ck_assert_uint_ge(dev.dec.st.frames_ok, 2);
	pb_client_free(c);
	bed_down(&b);
}
END_TEST

static Suite *serial_suite(void)
{
	Suite *s = suite_create("serial_umockdev");
	TCase *tc = tcase_create("libserialport");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lists_the_usb_adapter);
	tcase_add_test(tc, opens_through_libserialport_and_configures);
	tcase_add_test(tc, by_id_links_resolve_to_the_serial_backend);
	tcase_add_test(tc, frames_both_ways);
	tcase_add_test(tc, unplug_is_gone_and_reopen_by_path);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(serial_suite)
