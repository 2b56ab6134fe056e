/*
 * tests/mock/test_ftdi_umockdev.c - the real `ftdi` fixture backend,
 * through unmodified libftdi 1.5 and libusb, against an FT232H emulated
 * at the usbdevfs level with umockdev.  Run under umockdev-wrapper.
 *
 * The testbed holds a USB device 0403:6014, bcdDevice 0x0900 (libftdi
 * then says TYPE_232H), serial FT1ABCDE, with its sysfs descriptors.  An
 * ioctl handler on /dev/bus/usb/001/002 plays the chip: it answers the
 * usbdevfs ioctls libusb makes (capabilities, claim, SUBMITURB and
 * REAPURB(NDELAY) for control and bulk transfers), the FTDI vendor
 * requests (reset, purge, latency, bitmode, modem status) and the
 * standard GET_DESCRIPTOR strings; bulk OUT bytes go to the MPSSE
 * interpreter (hil/mpsse-interp.c) and its replies come back as bulk-IN
 * packets of 512 bytes, each led by the modem-status bytes 0x32 0x60, as
 * the chip sends them.  The test then checks the exact DAC words, the
 * ADC and GPIO reads, and the safe teardown the chip saw.
 */
#include <check.h>
#include <errno.h>
#include <ftdi.h>
#include <glib.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>

#include "hil/fixture-ftdi.h"
#include "hil/fixture-sim.h"
#include "hil/fixture.h"
#include "hil/mpsse-interp.h"
#include "hil/rig.h"
#include "tests/lib/check_main.h"

#define DEVNODE "/dev/bus/usb/001/002"
#define SERIAL  "FT1ABCDE"
#define PKT     512

/* ---- the emulated chip ---------------------------------------------------- */

struct done_urb {
	UMockdevIoctlData *data;     /* the URB, as resolved */
	struct done_urb *next;
};

struct ctl_log {
	uint8_t type, req;
	uint16_t value, index;
};

static struct chip {
	GMutex lock;
	struct pb_mpsse_interp it;
	int dac, adc;
	struct done_urb *done, **tail;
	struct ctl_log ctl[256];
	size_t nctl;
	int latency;
	bool unplugged;
	bool mute;                   /* swallow bulk OUT bytes */
	size_t bulk_out_bytes, bulk_in_urbs;
	size_t unknown_ioctls;
} chip;

static UMockdevTestbed *tb;
static UMockdevIoctlBase *handler;

static const uint8_t dev_desc[18] = {
	18, 1, 0x00, 0x02, 0, 0, 0, 64,
	0x03, 0x04, 0x14, 0x60, 0x00, 0x09, 1, 2, 3, 1
};
static const uint8_t cfg_desc[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 0x32,
	9, 4, 0, 0, 2, 0xFF, 0xFF, 0xFF, 2,
	7, 5, 0x81, 2, 0x00, 0x02, 0,
	7, 5, 0x02, 2, 0x00, 0x02, 0
};

static size_t string_desc(int idx, uint8_t *out, size_t cap)
{
	static const char *const s[] = { NULL, "FTDI", "UM232H", SERIAL };
	uint8_t d[64];
	size_t n;
	if (idx == 0) {
		d[0] = 4; d[1] = 3; d[2] = 0x09; d[3] = 0x04;
		n = 4;
	} else if (idx >= 1 && idx <= 3) {
		size_t l = strlen(s[idx]);
		d[0] = (uint8_t)(2 + 2 * l);
		d[1] = 3;
		for (size_t i = 0; i < l; i++) {
			d[2 + 2 * i] = (uint8_t)s[idx][i];
			d[3 + 2 * i] = 0;
		}
		n = 2 + 2 * l;
	} else {
		return 0;
	}
	if (n > cap)
		n = cap;
	memcpy(out, d, n);
	return n;
}

/* A control transfer: setup in s, data stage in/out of buf (len).
 * Returns bytes of the data stage, or -errno. */
static int control(const uint8_t *s, uint8_t *buf, size_t len)
{
	uint8_t type = s[0], req = s[1];
	uint16_t value = (uint16_t)(s[2] | s[3] << 8);
	uint16_t index = (uint16_t)(s[4] | s[5] << 8);
	uint16_t wlen = (uint16_t)(s[6] | s[7] << 8);
	if (wlen > len)
		wlen = (uint16_t)len;
	if (chip.nctl < 256)
		chip.ctl[chip.nctl++] = (struct ctl_log){ type, req, value, index };
	if (type == 0x80 && req == 6) {          /* GET_DESCRIPTOR */
		int dt = value >> 8, di = value & 0xFF;
		size_t n = 0;
		if (dt == 1)
			n = sizeof(dev_desc) < wlen ? sizeof(dev_desc) : wlen,
			memcpy(buf, dev_desc, n);
		else if (dt == 2)
			n = sizeof(cfg_desc) < wlen ? sizeof(cfg_desc) : wlen,
			memcpy(buf, cfg_desc, n);
		else if (dt == 3)
			n = string_desc(di, buf, wlen);
		else
			return -EPIPE;
		return (int)n;
	}
	if (type == 0x80 && req == 8) {          /* GET_CONFIGURATION */
		if (wlen >= 1)
			buf[0] = 1;
		return wlen >= 1 ? 1 : 0;
	}
	if (type == 0x80 && req == 0) {          /* GET_STATUS */
		memset(buf, 0, wlen);
		return wlen;
	}
	if (type == 0x40) {                      /* FTDI vendor OUT */
		switch (req) {
		case 0x00:                       /* reset / purge */
			if (value == 1 || value == 0) {
				/* purge what the chip holds for the host */
				uint8_t junk[256];
				while (pb_mpsse_interp_read(&chip.it, junk,
				    sizeof(junk)) > 0)
					;
			}
			return 0;
		case 0x09:                       /* latency timer */
			chip.latency = value & 0xFF;
			return 0;
		case 0x0B:                       /* bitmode */
			if ((value >> 8) == 0x00)
				pb_mpsse_interp_reset(&chip.it);
			else if ((value >> 8) == 0x02)
				pb_mpsse_interp_set_mpsse(&chip.it, true);
			return 0;
		default:                         /* baud, flow, DTR/RTS ... */
			return 0;
		}
	}
	if (type == 0xC0) {                      /* FTDI vendor IN */
		switch (req) {
		case 0x05:                       /* modem status */
			if (wlen >= 2) {
				buf[0] = 0x32;
				buf[1] = 0x60;
			}
			return wlen >= 2 ? 2 : 0;
		case 0x0A:                       /* latency */
			if (wlen >= 1)
				buf[0] = (uint8_t)chip.latency;
			return wlen >= 1 ? 1 : 0;
		case 0x90:                       /* EEPROM word */
			memset(buf, 0xFF, wlen);
			return wlen;
		default:
			return -EPIPE;
		}
	}
	return 0;
}

/* Fill a bulk-IN buffer: 512-byte packets, each 32 60 + up to 510 bytes.
 * With nothing to send the chip still answers its two status bytes. */
static int bulk_in(uint8_t *buf, size_t len)
{
	size_t out = 0;
	chip.bulk_in_urbs++;
	do {
		if (len - out < 2)
			break;
		buf[out++] = 0x32;
		buf[out++] = 0x60;
		size_t room = PKT - 2;
		if (room > len - out)
			room = len - out;
		size_t n = pb_mpsse_interp_read(&chip.it, buf + out, room);
		out += n;
		if (n < PKT - 2)
			break;
	} while (pb_mpsse_interp_pending(&chip.it) > 0);
	return (int)out;
}

static gboolean on_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client,
    gpointer user)
{
	(void)base;
	(void)user;
	gulong req = umockdev_ioctl_client_get_request(client);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
	GError *err = NULL;
	g_mutex_lock(&chip.lock);

	if (chip.unplugged && req != USBDEVFS_REAPURBNDELAY &&
	    req != USBDEVFS_REAPURB && req != USBDEVFS_RELEASEINTERFACE) {
		umockdev_ioctl_client_complete(client, -1, ENODEV);
		g_mutex_unlock(&chip.lock);
		return TRUE;
	}

	switch (req) {
	case USBDEVFS_GET_CAPABILITIES: {
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, 4,
		    &err);
		if (!d)
			break;
		uint32_t caps = USBDEVFS_CAP_BULK_CONTINUATION |
		    USBDEVFS_CAP_NO_PACKET_SIZE_LIM;
		memcpy(d->data, &caps, 4);
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESETEP:
	case USBDEVFS_RESET:
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	case USBDEVFS_GETDRIVER:
	case USBDEVFS_IOCTL:
		/* no kernel driver bound: nothing to detach */
		umockdev_ioctl_client_complete(client, -1, ENODATA);
		break;
	case USBDEVFS_CONNECTINFO: {
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0,
		    sizeof(struct usbdevfs_connectinfo), &err);
		if (!d)
			break;
		struct usbdevfs_connectinfo ci = { .devnum = 2, .slow = 0 };
		memcpy(d->data, &ci, sizeof(ci));
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_GET_SPEED:
		umockdev_ioctl_client_complete(client, 3 /* high */, 0);
		break;
	case USBDEVFS_CONTROL: {
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0,
		    sizeof(struct usbdevfs_ctrltransfer), &err);
		if (!d)
			break;
		struct usbdevfs_ctrltransfer *ct = (void *)d->data;
		uint8_t setup[8] = { ct->bRequestType, ct->bRequest,
			(uint8_t)ct->wValue, (uint8_t)(ct->wValue >> 8),
			(uint8_t)ct->wIndex, (uint8_t)(ct->wIndex >> 8),
			(uint8_t)ct->wLength, (uint8_t)(ct->wLength >> 8) };
		uint8_t scratch[8];
		uint8_t *buf = scratch;
		if (ct->wLength) {
			UMockdevIoctlData *b = umockdev_ioctl_data_resolve(d,
			    offsetof(struct usbdevfs_ctrltransfer, data),
			    ct->wLength, &err);
			if (!b)
				break;
			buf = b->data;
		}
		int n = control(setup, buf, ct->wLength);
		if (n < 0)
			umockdev_ioctl_client_complete(client, -1, -n);
		else
			umockdev_ioctl_client_complete(client, n, 0);
		break;
	}
	case USBDEVFS_SUBMITURB: {
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0,
		    sizeof(struct usbdevfs_urb), &err);
		if (!d)
			break;
		struct usbdevfs_urb *urb = (void *)d->data;
		UMockdevIoctlData *b = NULL;
		if (urb->buffer_length > 0) {
			b = umockdev_ioctl_data_resolve(d,
			    offsetof(struct usbdevfs_urb, buffer),
			    (gsize)urb->buffer_length, &err);
			if (!b)
				break;
			urb = (void *)d->data;   /* the pointer was rewritten */
		}
		uint8_t *buf = b ? b->data : NULL;
		urb->status = 0;
		urb->actual_length = 0;
		if (urb->type == USBDEVFS_URB_TYPE_CONTROL && buf &&
		    urb->buffer_length >= 8) {
			int n = control(buf, buf + 8,
			    (size_t)urb->buffer_length - 8);
			if (n < 0)
				urb->status = n;
			else
				urb->actual_length = n;
		} else if (urb->type == USBDEVFS_URB_TYPE_BULK &&
		    urb->endpoint == 0x02) {
			if (!chip.mute)
				pb_mpsse_interp_feed(&chip.it, buf,
				    (size_t)urb->buffer_length);
			chip.bulk_out_bytes += (size_t)urb->buffer_length;
			urb->actual_length = urb->buffer_length;
		} else if (urb->type == USBDEVFS_URB_TYPE_BULK &&
		    urb->endpoint == 0x81) {
			urb->actual_length = bulk_in(buf,
			    (size_t)urb->buffer_length);
		} else {
			umockdev_ioctl_client_complete(client, -1, EINVAL);
			break;
		}
		struct done_urb *u = g_new0(struct done_urb, 1);
		u->data = umockdev_ioctl_data_ref(d);
		*chip.tail = u;
		chip.tail = &u->next;
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY: {
		struct done_urb *u = chip.done;
		if (!u) {
			umockdev_ioctl_client_complete(client, -1,
			    chip.unplugged ? ENODEV : EAGAIN);
			break;
		}
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0,
		    sizeof(void *), &err);
		if (!d)
			break;
		chip.done = u->next;
		if (!chip.done)
			chip.tail = &chip.done;
		umockdev_ioctl_data_set_ptr(d, 0, u->data);
		umockdev_ioctl_data_unref(u->data);
		g_free(u);
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_DISCARDURB:
		/* every URB completes at once: nothing left to discard */
		umockdev_ioctl_client_complete(client, -1, EINVAL);
		break;
	default:
		chip.unknown_ioctls++;
		umockdev_ioctl_client_complete(client, -1, ENOTTY);
		break;
	}
	if (err) {
		fprintf(stderr, "ioctl 0x%lx: %s\n", (unsigned long)req,
		    err->message);
		g_clear_error(&err);
		umockdev_ioctl_client_complete(client, -1, EFAULT);
	}
	g_mutex_unlock(&chip.lock);
	return TRUE;
}

/* ---- testbed --------------------------------------------------------------- */

static char *hex(const uint8_t *b, size_t n)
{
	char *s = g_malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	return s;
}

static struct pb_rig rig;

static void setup(void)
{
	const char *pre = getenv("LD_PRELOAD");
	ck_assert_msg(pre && strstr(pre, "umockdev-preload"),
	    "run this test under umockdev-wrapper");
	memset(&chip, 0, sizeof(chip));
	g_mutex_init(&chip.lock);
	chip.tail = &chip.done;
	pb_mpsse_interp_init(&chip.it);

	char err[512];
	const char *fx = getenv("PUMPBENCH_DATA");
	char path[512];
	snprintf(path, sizeof(path), "%s/rigs/bench-ft232h.ini",
	    fx && *fx ? fx : "fixtures");
	ck_assert_msg(pb_rig_load(&rig, path, err, sizeof(err)) == PB_RIG_OK,
	    "%s", err);
	rig.io_timeout_ms = 2000;
	chip.dac = pb_mpsse_interp_attach(&chip.it, PB_INTERP_MCP4922,
	    rig.dac.cs.pin, rig.dac.vref);
	chip.adc = pb_mpsse_interp_attach(&chip.it, PB_INTERP_MCP3202,
	    rig.adc.cs.pin, rig.adc.vref);

	tb = umockdev_testbed_new();
	uint8_t all[sizeof(dev_desc) + sizeof(cfg_desc)];
	memcpy(all, dev_desc, sizeof(dev_desc));
	memcpy(all + sizeof(dev_desc), cfg_desc, sizeof(cfg_desc));
	char *h = hex(all, sizeof(all));
	char *desc = g_strdup_printf(
	    "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
	    "N: bus/usb/001/002\n"
	    "E: DEVNAME=/dev/bus/usb/001/002\n"
	    "E: DEVTYPE=usb_device\n"
	    "E: DRIVER=usb\n"
	    "E: PRODUCT=403/6014/900\n"
	    "E: TYPE=0/0/0\n"
	    "E: BUSNUM=001\n"
	    "E: DEVNUM=002\n"
	    "E: MAJOR=189\n"
	    "E: MINOR=1\n"
	    "E: SUBSYSTEM=usb\n"
	    "E: ID_VENDOR_ID=0403\n"
	    "E: ID_MODEL_ID=6014\n"
	    "E: ID_SERIAL_SHORT=" SERIAL "\n"
	    "A: idVendor=0403\n"
	    "A: idProduct=6014\n"
	    "A: bcdDevice=0900\n"
	    "A: bDeviceClass=00\n"
	    "A: bNumConfigurations=1\n"
	    "A: bConfigurationValue=1\n"
	    "A: bNumInterfaces= 1\n"
	    "A: bMaxPacketSize0=64\n"
	    "A: busnum=1\n"
	    "A: devnum=2\n"
	    "A: speed=480\n"
	    "A: manufacturer=FTDI\n"
	    "A: product=UM232H\n"
	    "A: serial=" SERIAL "\n"
	    "H: descriptors=%s\n", h);
	GError *gerr = NULL;
	gboolean ok = umockdev_testbed_add_from_string(tb, desc, &gerr);
	ck_assert_msg(ok, "testbed: %s", gerr ? gerr->message : "?");
	g_free(desc);
	g_free(h);

	handler = g_object_new(UMOCKDEV_TYPE_IOCTL_BASE, NULL);
	g_signal_connect(handler, "handle-ioctl", G_CALLBACK(on_ioctl), NULL);
	ok = umockdev_testbed_attach_ioctl(tb, DEVNODE, handler, &gerr);
	ck_assert_msg(ok, "attach: %s", gerr ? gerr->message : "?");
}

static void teardown(void)
{
	g_clear_object(&handler);
	g_clear_object(&tb);
	while (chip.done) {
		struct done_urb *u = chip.done;
		chip.done = u->next;
		umockdev_ioctl_data_unref(u->data);
		g_free(u);
	}
}

/* Interpreter state, read under the handler's lock. */
static size_t dac_log(uint16_t *out, size_t cap)
{
	g_mutex_lock(&chip.lock);
	size_t n = chip.it.dac_log_count < cap ? chip.it.dac_log_count : cap;
	memcpy(out, chip.it.dac_log, n * sizeof(uint16_t));
	g_mutex_unlock(&chip.lock);
	return n;
}

static struct pb_fixture *open_bench(void)
{
	struct pb_fixture *f = NULL;
	char err[512];
	int rc = pb_fixture_open(&rig, NULL, &f, err, sizeof(err));
	ck_assert_msg(rc == PB_FIX_OK, "open: %s (%s)", err,
	    pb_fixture_strerror(rc));
	ck_assert_str_eq(pb_fixture_backend(f), "ftdi");
	return f;
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(open_sync_init)
{
	struct pb_fixture *f = open_bench();
	g_mutex_lock(&chip.lock);
	ck_assert(chip.it.mpsse);
	ck_assert_uint_eq(chip.it.bad_opcodes, 2);    /* AA, AB */
	ck_assert_uint_eq(chip.it.divisor, 29);       /* 1 MHz */
	ck_assert(!chip.it.div5);
	ck_assert(!chip.it.adaptive);
	ck_assert(!chip.it.three_phase);
	ck_assert(!chip.it.loopback);
	ck_assert_int_eq(chip.latency, 1);
	ck_assert_uint_eq(chip.it.edge_errors, 0);
	/* the vendor requests: reset, latency, bitmode RESET then MPSSE */
	int seen_reset = -1, seen_mpsse = -1;
	for (size_t i = 0; i < chip.nctl; i++) {
		if (chip.ctl[i].type == 0x40 && chip.ctl[i].req == 0x0B) {
			if ((chip.ctl[i].value >> 8) == 0)
				seen_reset = (int)i;
			else if ((chip.ctl[i].value >> 8) == 2)
				seen_mpsse = (int)i;
		}
	}
	ck_assert_int_ge(seen_reset, 0);
	ck_assert_int_gt(seen_mpsse, seen_reset);
	/* idle pins: CS high, relays and power low outputs, inputs elsewhere */
	bool lvl;
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 3, &lvl) && lvl);
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 4, &lvl) && lvl);
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 5, &lvl) && !lvl);
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 7, &lvl) && !lvl);
	ck_assert(!pb_mpsse_interp_pin_driven(&chip.it, 8, &lvl));
	g_mutex_unlock(&chip.lock);
	uint16_t w[8];
	ck_assert_uint_eq(dac_log(w, 8), 2);
	ck_assert_uint_eq(w[0], 0x3000);
	ck_assert_uint_eq(w[1], 0xB000);
	pb_fixture_close(f);
}
END_TEST

START_TEST(dac_adc_gpio_and_safe_teardown)
{
	struct pb_fixture *f = open_bench();
	ck_assert_int_eq(pb_fixture_set_power(f, true), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_inject(f, 0, true, 2.5), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_inject(f, 1, true, 0.5), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_inject(f, 0, true, 4.5), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_inject(f, 1, false, 0.0), PB_FIX_OK);
	uint16_t w[16];
	static const uint16_t want[] = { 0x3000, 0xB000, 0x3800, 0xB19A,
		0x3E66, 0xB000 };
	ck_assert_uint_eq(dac_log(w, 16), 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_msg(w[i] == want[i], "DAC word %zu: %04X want %04X",
		    i, w[i], want[i]);
	g_mutex_lock(&chip.lock);
	bool lvl;
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 5, &lvl) && lvl);
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 6, &lvl) && !lvl);
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 7, &lvl) && lvl);
	ck_assert_uint_eq(chip.it.dev[chip.dac].bad_frames, 0);
	/* the reference transducer at 250 mmHg: 0.5 + 4 * 250/500 = 2.5 V */
	pb_mpsse_interp_set_adc_volts(&chip.it, chip.adc, 0, 2.5);
	pb_mpsse_interp_set_adc_volts(&chip.it, chip.adc, 1, 0.5);
	/* motor on (ACBUS0), valve 2 open (ACBUS2), alarm off */
	pb_mpsse_interp_set_inputs(&chip.it, (1u << 8) | (1u << 10));
	g_mutex_unlock(&chip.lock);

	double v, mmhg;
	ck_assert_int_eq(pb_fixture_read_reference(f, 0, &v, &mmhg), PB_FIX_OK);
	ck_assert_double_eq_tol(v, 2.5, 5.0 / 4096);
	ck_assert_double_eq_tol(mmhg, 250.0, 0.5);
	ck_assert_int_eq(pb_fixture_read_reference(f, 1, &v, &mmhg), PB_FIX_OK);
	ck_assert_double_eq_tol(mmhg, 0.0, 0.5);
	uint32_t bits = 0;
	ck_assert_int_eq(pb_fixture_read_outputs(f, &bits), PB_FIX_OK);
	ck_assert_uint_eq(bits, PB_FIX_OUT_MOTOR | PB_FIX_OUT_VALVE(1));

	/* many transactions in a row */
	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(pb_fixture_read_reference(f, i & 1, &v, NULL),
		    PB_FIX_OK);

	ck_assert_int_eq(pb_fixture_safe(f), PB_FIX_OK);
	g_mutex_lock(&chip.lock);
	for (int p = 0; p < 16; p++)
		ck_assert_msg(!pb_mpsse_interp_pin_driven(&chip.it, p, &lvl),
		    "pin %d still driven after safe()", p);
	ck_assert(!chip.it.mpsse);   /* bitmode reset */
	uint16_t a, b;
	ck_assert(pb_mpsse_interp_dac_word(&chip.it, chip.dac, 0, &a));
	ck_assert(pb_mpsse_interp_dac_word(&chip.it, chip.dac, 1, &b));
	ck_assert_uint_eq(a, 0x3000);
	ck_assert_uint_eq(b, 0xB000);
	ck_assert_uint_eq(chip.it.edge_errors, 0);
	ck_assert_uint_eq(chip.it.dev[chip.dac].bad_frames, 0);
	ck_assert_uint_eq(chip.it.dev[chip.adc].conversions, 302);
	ck_assert_uint_eq(chip.it.out_dropped, 0);
	ck_assert_uint_eq(chip.unknown_ioctls, 0);
	g_mutex_unlock(&chip.lock);
	pb_fixture_close(f);
}
END_TEST

START_TEST(wrong_serial_is_noent)
{
	struct pb_rig r = rig;
	snprintf(r.serial, sizeof(r.serial), "FT9WRONG");
	struct pb_fixture *f = NULL;
	char err[512];
	ck_assert_int_eq(pb_fixture_open(&r, NULL, &f, err, sizeof(err)),
	    PB_FIX_E_NOENT);
	ck_assert_ptr_null(f);
	ck_assert_msg(strstr(err, "FT9WRONG") != NULL, "%s", err);
	/* the chip was never put in MPSSE mode */
	ck_assert(!chip.it.mpsse);
}
END_TEST

START_TEST(list_rigs)
{
	struct pb_fixture_info info[4];
	char err[256];
	int n = pb_fixture_list(info, 4, err, sizeof(err));
	ck_assert_msg(n == 1, "found %d (%s)", n, err);
	ck_assert_str_eq(info[0].serial, SERIAL);
	ck_assert_str_eq(info[0].description, "UM232H");
	ck_assert_str_eq(info[0].manufacturer, "FTDI");
	ck_assert_int_eq(info[0].bus, 1);
	ck_assert_int_eq(info[0].address, 2);
}
END_TEST

START_TEST(unplugged_mid_run)
{
	struct pb_fixture *f = open_bench();
	ck_assert_int_eq(pb_fixture_set_inject(f, 0, true, 1.0), PB_FIX_OK);
	g_mutex_lock(&chip.lock);
	chip.unplugged = true;
	g_mutex_unlock(&chip.lock);
	int rc = pb_fixture_set_inject(f, 0, true, 2.0);
	ck_assert_msg(rc == PB_FIX_E_GONE, "rc %d: %s", rc,
	    pb_fixture_errmsg(f));
	ck_assert_int_eq(pb_fixture_read_outputs(f, NULL), PB_FIX_E_GONE);
	/* teardown still returns, naming the lost chip */
	ck_assert_int_eq(pb_fixture_safe(f), PB_FIX_E_GONE);
	ck_assert_ptr_nonnull(strstr(pb_fixture_errmsg(f), SERIAL));
	pb_fixture_close(f);
}
END_TEST

START_TEST(no_answer_times_out)
{
	/* A chip that swallows every byte must make the sync fail against
	 * the read deadline, not hang; the open then fails cleanly. */
	rig.io_timeout_ms = 100;
	g_mutex_lock(&chip.lock);
	chip.mute = true;
	g_mutex_unlock(&chip.lock);
	struct pb_fixture *f = NULL;
	char err[512];
	gint64 t0 = g_get_monotonic_time();
	ck_assert_int_eq(pb_fixture_open(&rig, NULL, &f, err, sizeof(err)),
	    PB_FIX_E_SYNC);
	gint64 ms = (g_get_monotonic_time() - t0) / 1000;
	ck_assert_ptr_null(f);
	ck_assert_msg(strstr(err, "sync") != NULL, "%s", err);
	/* generous bound: the deadline is 100 ms, never "forever" */
	ck_assert_msg(ms < 20000, "open took %lld ms", (long long)ms);
	/* and it left the chip in bitmode reset */
	ck_assert(!chip.it.mpsse);
}
END_TEST

START_TEST(bulk_in_packets_through_libftdi)
{
	/* libftdi itself, no fixture: 700 GPIO reads answered in one go
	 * arrive as two 512-byte packets (2 status + 510 data) and a short
	 * one; libftdi must strip the status bytes and hand back exactly
	 * the 700 data bytes. */
	struct ftdi_context *ctx = ftdi_new();
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(ftdi_set_interface(ctx, INTERFACE_A), 0);
	ck_assert_int_eq(ftdi_usb_open_desc(ctx, 0x0403, 0x6014, NULL, SERIAL),
	    0);
	ck_assert_int_eq(ctx->type, TYPE_232H);
	ck_assert_int_eq((int)ctx->max_packet_size, 512);
	ck_assert_int_eq(ftdi_set_bitmode(ctx, 0, BITMODE_MPSSE), 0);
	g_mutex_lock(&chip.lock);
	pb_mpsse_interp_set_inputs(&chip.it, 0x5AA5);
	g_mutex_unlock(&chip.lock);
	static uint8_t cmd[701], in[700];
	memset(cmd, 0x81, 700);
	cmd[700] = 0x87;
	ck_assert_int_eq(ftdi_write_data(ctx, cmd, 701), 701);
	int got = 0;
	for (int tries = 0; got < 700 && tries < 1000; tries++) {
		int r = ftdi_read_data(ctx, in + got, 700 - got);
		ck_assert_int_ge(r, 0);
		got += r;
	}
	ck_assert_int_eq(got, 700);
	for (int i = 0; i < 700; i++)
		ck_assert_uint_eq(in[i], 0xA5);
	ftdi_set_bitmode(ctx, 0, BITMODE_RESET);
	ftdi_usb_close(ctx);
	ftdi_free(ctx);
}
END_TEST

START_TEST(reuse_after_safe_and_limits)
{
	struct pb_fixture *f = open_bench();
	ck_assert_int_eq(pb_fixture_set_power(f, true), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_safe(f), PB_FIX_OK);
	ck_assert(!chip.it.mpsse);
	size_t bad = chip.it.bad_opcodes;
	/* the next call re-enters MPSSE and syncs again */
	ck_assert_int_eq(pb_fixture_set_inject(f, 1, true, 4.5), PB_FIX_OK);
	g_mutex_lock(&chip.lock);
	ck_assert(chip.it.mpsse);
	ck_assert_uint_eq(chip.it.bad_opcodes, bad + 2);
	bool lvl;
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 6, &lvl) && lvl);
	ck_assert(pb_mpsse_interp_pin_driven(&chip.it, 7, &lvl) && !lvl);
	g_mutex_unlock(&chip.lock);
	uint16_t w[16];
	size_t n = dac_log(w, 16);
	ck_assert_uint_eq(w[n - 1], 0xBE66);

	/* a real pump has no fault switches and no emulator */
	ck_assert_int_eq(pb_fixture_inject_fault(f, 1, 0, 1),
	    PB_FIX_E_NOT_SUPPORTED);
	ck_assert_ptr_null(pb_fixture_sim_emulator(f));
	struct pb_sim_status sst;
	ck_assert_int_eq(pb_fixture_sim_status(f, &sst),
	    PB_FIX_E_NOT_SUPPORTED);
	/* the bench's DUT port does not exist here */
	struct pb_link *l = NULL;
	int rc = pb_fixture_take_dut_link(f, &l);
	ck_assert_int_ne(rc, PB_FIX_OK);
	ck_assert_ptr_null(l);
	ck_assert_msg(strstr(pb_fixture_errmsg(f), "usb-pumpbench_DUT") != NULL,
	    "%s", pb_fixture_errmsg(f));
	/* real time moves forward; a signal stops a wait at once */
	uint64_t t0 = pb_fixture_now(f);
	ck_assert_int_eq(pb_fixture_advance(f, t0 + 2000), PB_FIX_OK);
	ck_assert_uint_ge(pb_fixture_now(f), t0 + 2000);
	ck_assert_int_eq(pb_fixture_catch_signals(), PB_FIX_OK);
	raise(SIGINT);
	ck_assert_int_eq(pb_fixture_advance(f, pb_fixture_now(f) + 3600000000u),
	    PB_FIX_E_INTERRUPTED);
	/* teardown is not cut short by the signal */
	ck_assert_int_eq(pb_fixture_safe(f), PB_FIX_OK);
	ck_assert(!chip.it.mpsse);
	pb_fixture_clear_interrupt();
	pb_fixture_restore_signals();
	pb_fixture_close(f);
}
END_TEST

START_TEST(recovers_after_a_lost_reply)
{
	rig.io_timeout_ms = 100;
	struct pb_fixture *f = open_bench();
	g_mutex_lock(&chip.lock);
	chip.mute = true;
	g_mutex_unlock(&chip.lock);
	double v;
	int rc = pb_fixture_read_reference(f, 0, &v, NULL);
	ck_assert_msg(rc == PB_FIX_E_TIMEOUT, "rc %d: %s", rc,
	    pb_fixture_errmsg(f));
	ck_assert_ptr_nonnull(strstr(pb_fixture_errmsg(f), "0 of 3 bytes"));
	g_mutex_lock(&chip.lock);
	chip.mute = false;
	size_t bad = chip.it.bad_opcodes;
	pb_mpsse_interp_set_adc_volts(&chip.it, chip.adc, 0, 1.25);
	g_mutex_unlock(&chip.lock);
	/* the next call flushes, syncs again and works */
	ck_assert_int_eq(pb_fixture_read_reference(f, 0, &v, NULL), PB_FIX_OK);
	ck_assert_double_eq_tol(v, 1.25, 5.0 / 4096);
	ck_assert_uint_eq(chip.it.bad_opcodes, bad + 2);
	pb_fixture_close(f);
}
END_TEST

/* One fixed sequence of fixture operations. */
static void drive(struct pb_fixture *f)
{
	double v;
	uint32_t bits;
	ck_assert_int_eq(pb_fixture_set_power(f, true), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_inject(f, 0, true, 2.5), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_read_reference(f, 0, &v, NULL), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_read_outputs(f, &bits), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_inject_mmhg(f, 1, true, 120.0),
	    PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_read_reference(f, 1, &v, NULL), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_inject(f, 0, false, 0.0), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_set_power(f, false), PB_FIX_OK);
	ck_assert_int_eq(pb_fixture_safe(f), PB_FIX_OK);
}

START_TEST(sim_sends_the_very_same_bytes)
{
	/* the real backend through libftdi and usbdevfs ... */
	struct pb_fixture *f = open_bench();
	drive(f);
	g_mutex_lock(&chip.lock);
	uint64_t usb_hash = chip.it.stream_hash;
	uint64_t usb_bytes = chip.it.bytes_in;
	size_t usb_words = chip.it.dac_log_count;
	g_mutex_unlock(&chip.lock);
	ck_assert_uint_gt(usb_bytes, 100);
	ck_assert_uint_eq(usb_words, 7);   /* 2 open, 3 drive, 2 safe */
	pb_fixture_close(f);

	/* ... and the sim backend on the same rig description */
	struct pb_rig r = rig;
	r.backend = PB_RIG_SIM;
	snprintf(r.profile, sizeof(r.profile), "s10pro");
	char err[512];
	struct pb_fixture *s = NULL;
	ck_assert_msg(pb_fixture_open(&r, NULL, &s, err, sizeof(err)) ==
	    PB_FIX_OK, "%s", err);
	ck_assert_int_eq(pb_fixture_rig(s)->channels, 2);
	/* the same pump sensor, so the same DAC codes for 120 mmHg */
	ck_assert_double_eq(pb_fixture_rig(s)->ch[1].sensor.fs_mmhg,
	    rig.ch[1].sensor.fs_mmhg);
	drive(s);
	const struct pb_mpsse_interp *it = pb_fixture_sim_interp(s);
	ck_assert_ptr_nonnull(it);
	ck_assert_uint_eq(it->dac_log_count, usb_words);
	ck_assert_msg(it->stream_hash == usb_hash,
	    "sim sent %llu bytes (hash %016llx), libftdi %llu (hash %016llx)",
	    (unsigned long long)it->bytes_in,
	    (unsigned long long)it->stream_hash,
	    (unsigned long long)usb_bytes, (unsigned long long)usb_hash);
	pb_fixture_close(s);
}
END_TEST

static Suite *ftdi_suite(void)
{
	Suite *s = suite_create("ftdi_umockdev");
	TCase *tc = tcase_create("libftdi");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, open_sync_init);
	tcase_add_test(tc, dac_adc_gpio_and_safe_teardown);
	tcase_add_test(tc, wrong_serial_is_noent);
	tcase_add_test(tc, list_rigs);
	tcase_add_test(tc, unplugged_mid_run);
	tcase_add_test(tc, no_answer_times_out);
	tcase_add_test(tc, bulk_in_packets_through_libftdi);
	tcase_add_test(tc, reuse_after_safe_and_limits);
	tcase_add_test(tc, recovers_after_a_lost_reply);
	tcase_add_test(tc, sim_sends_the_very_same_bytes);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(ftdi_suite)
