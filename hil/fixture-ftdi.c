/*
 * hil/fixture-ftdi.c - the `ftdi` fixture backend (libftdi1). See
 * fixture-ftdi.h.
 */
#include "hil/fixture-ftdi.h"

#include <errno.h>
#include <ftdi.h>
#include <libusb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hil/rigbus.h"
#include "proto/link.h"

struct ftdi_fixture {
	struct pb_fixture base;      /* first: cast target */
	struct pb_rigbus bus;
	struct ftdi_context *ctx;
	bool usb_open;
	bool mpsse;                  /* bitmode MPSSE set */
	bool gone;                   /* the device vanished */
	struct pb_link *dut;
	bool dut_taken;
};

static struct ftdi_fixture *F(struct pb_fixture *f)
{
	return (struct ftdi_fixture *)f;
}

/* Messages may be cut to fit, never overrun. */
__attribute__((format(printf, 3, 4)))
static void msgf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void nap_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000u),
		(long)(us % 1000000u) * 1000L };
	nanosleep(&ts, NULL);   /* EINTR is fine: callers re-check */
}

/* Is the device still there? A control transfer tells. */
static bool still_there(struct ftdi_fixture *x)
{
	unsigned short st;
	return ftdi_poll_modem_status(x->ctx, &st) == 0;
}

/* ---- the USB side ---------------------------------------------------------- */

static int ftdi_xfer(void *ctx, const uint8_t *out, size_t n, uint8_t *in,
    size_t nin, char *msg, size_t msglen)
{
	struct ftdi_fixture *x = ctx;
	const struct pb_rig *r = &x->base.rig;
	if (x->gone) {
		snprintf(msg, msglen, "FT232H %s is gone (unplugged?)", r->serial);
		return PB_FIX_E_GONE;
	}
	size_t done = 0;
	while (done < n) {
		size_t chunk = n - done;
		if (chunk > 65536)
			chunk = 65536;
		int w = ftdi_write_data(x->ctx, out + done, (int)chunk);
		if (w < 0) {
			snprintf(msg, msglen, "FT232H %s: write: %s", r->serial,
			    ftdi_get_error_string(x->ctx));
			if (w == LIBUSB_ERROR_NO_DEVICE || !still_there(x)) {
				x->gone = true;
				return PB_FIX_E_GONE;
			}
			return PB_FIX_E_IO;
		}
		done += (size_t)w;
	}
	/* ftdi_read_data() returns 0 while nothing has arrived: loop
	 * against a deadline. */
	size_t got = 0;
	uint64_t deadline = mono_us() + (uint64_t)r->io_timeout_ms * 1000u;
	while (got < nin) {
		int rd = ftdi_read_data(x->ctx, in + got, (int)(nin - got));
		if (rd < 0) {
			snprintf(msg, msglen, "FT232H %s: read: %s", r->serial,
			    ftdi_get_error_string(x->ctx));
			if (rd == LIBUSB_ERROR_NO_DEVICE || !still_there(x)) {
				x->gone = true;
				return PB_FIX_E_GONE;
			}
			return PB_FIX_E_IO;
		}
		got += (size_t)rd;
		if (got >= nin)
			break;
		if (mono_us() >= deadline) {
			snprintf(msg, msglen, "FT232H %s answered %zu of %zu bytes "
			    "within %d ms", r->serial, got, nin,
			    r->io_timeout_ms);
			return PB_FIX_E_TIMEOUT;
		}
		if (rd == 0)
			nap_us(200);
	}
	return PB_FIX_OK;
}

static int ftdi_fail(struct ftdi_fixture *x, int rc, const char *what)
{
	snprintf(x->base.msg, sizeof(x->base.msg), "FT232H %s: %s: %s",
	    x->base.rig.serial, what, ftdi_get_error_string(x->ctx));
	return rc;
}

/* Bitmode reset -> MPSSE -> flush; the init stream follows (fixture.c). */
static int ftdi_bus_reset(struct pb_fixture *f)
{
	struct ftdi_fixture *x = F(f);
	if (x->gone) {
		snprintf(f->msg, sizeof(f->msg), "FT232H %s is gone "
		    "(unplugged?)", f->rig.serial);
		return PB_FIX_E_GONE;
	}
	if (x->mpsse && ftdi_tcioflush(x->ctx) < 0)   /* stale replies */
		return ftdi_fail(x, PB_FIX_E_IO, "flush");
	if (!x->mpsse) {
		if (ftdi_set_bitmode(x->ctx, 0, BITMODE_RESET) < 0)
			return ftdi_fail(x, PB_FIX_E_IO, "bitmode reset");
		if (ftdi_set_bitmode(x->ctx, 0, BITMODE_MPSSE) < 0)
			return ftdi_fail(x, PB_FIX_E_IO, "bitmode MPSSE");
		x->mpsse = true;
		if (ftdi_tcioflush(x->ctx) < 0)
			return ftdi_fail(x, PB_FIX_E_IO, "flush");
	}
	return PB_FIX_OK;
}

/* ---- ops ------------------------------------------------------------------- */

static int ftdi_take_dut_link_op(struct pb_fixture *f, struct pb_link **out)
{
	struct ftdi_fixture *x = F(f);
	const struct pb_rig *r = &f->rig;
	if (x->dut_taken) {
		snprintf(f->msg, sizeof(f->msg), "the DUT link was already "
		    "taken");
		return PB_FIX_E_STATE;
	}
	struct pb_link_opts lo = { .baud = r->dut_baud, .flow = PB_FLOW_NONE };
	int err = 0;
	char msg[256] = "";
	x->dut = pb_link_open(r->dut_port, &lo, &err, msg, sizeof(msg));
	if (!x->dut) {
		msgf(f->msg, sizeof(f->msg), "rig %s: DUT port %s: %s",
		    r->name, r->dut_port, msg[0] ? msg : pb_link_strerror(err));
		return err == PB_LINK_E_NOENT ? PB_FIX_E_NOENT : PB_FIX_E_OPEN;
	}
	*out = x->dut;
	x->dut = NULL;
	x->dut_taken = true;
	return PB_FIX_OK;
}

static uint64_t ftdi_now(struct pb_fixture *f)
{
	(void)f;
	return mono_us();
}

static int ftdi_advance(struct pb_fixture *f, uint64_t until_us)
{
	for (;;) {
		if (pb_fixture_interrupted()) {
			snprintf(f->msg, sizeof(f->msg), "interrupted by signal "
			    "%d", pb_fixture_interrupted());
			return PB_FIX_E_INTERRUPTED;
		}
		uint64_t now = mono_us();
		if (now >= until_us)
			return PB_FIX_OK;
		uint64_t d = until_us - now;
		nap_us(d > 10000 ? 10000 : d);
	}
}

static int ftdi_safe(struct pb_fixture *f)
{
	struct ftdi_fixture *x = F(f);
	int first = PB_FIX_OK;
	if (!x->usb_open)
		return PB_FIX_OK;
	if (!x->gone && x->mpsse) {
		int rc = pb_rigbus_safe(&x->bus);
		if (rc) {
			first = rc;
			pb_fixture_bus_fail(f, rc);
		}
	}
	if (!x->gone) {
		if (ftdi_set_bitmode(x->ctx, 0, BITMODE_RESET) < 0 && !first)
			first = ftdi_fail(x, PB_FIX_E_IO, "bitmode reset");
	}
	x->mpsse = false;
	x->bus.ready = false;
	if (x->gone && !first) {
		snprintf(f->msg, sizeof(f->msg), "FT232H %s is gone: the board's "
		    "pull-downs hold the relays off", f->rig.serial);
		first = PB_FIX_E_GONE;
	}
	return first;
}

static void ftdi_close_op(struct pb_fixture *f)
{
	struct ftdi_fixture *x = F(f);
	if (x->dut)
		pb_link_close(x->dut);
	if (x->ctx) {
		if (x->usb_open)
			ftdi_usb_close(x->ctx);
		ftdi_free(x->ctx);
	}
	free(x);
}

static const struct pb_fixture_ops ftdi_ops = {
	.name = "ftdi",
	.bus_reset = ftdi_bus_reset,
	.take_dut_link = ftdi_take_dut_link_op,
	.now = ftdi_now,
	.advance = ftdi_advance,
	.inject_fault = NULL,   /* a real pump has no fault switches */
	.safe = ftdi_safe,
	.close = ftdi_close_op,
};

int pb_fixture_ftdi_open(const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen)
{
	(void)opts;
	*out = NULL;
	if (!rig->serial[0]) {
		snprintf(err, errlen, "%s: an ftdi rig needs a USB serial",
		    rig->path[0] ? rig->path : rig->name);
		return PB_FIX_E_ARG;
	}
	struct ftdi_fixture *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return PB_FIX_E_MEM;
	}
	x->base.ops = &ftdi_ops;
	x->base.rig = *rig;
	const struct pb_rig *r = &x->base.rig;
	pb_rigbus_init(&x->bus, r, ftdi_xfer, x);
	x->base.bus = &x->bus;

	x->ctx = ftdi_new();
	if (!x->ctx) {
		free(x);
		snprintf(err, errlen, "libftdi: cannot create a context");
		return PB_FIX_E_MEM;
	}
	int rc;
	if (ftdi_set_interface(x->ctx, INTERFACE_A) < 0) {
		rc = ftdi_fail(x, PB_FIX_E_OPEN, "interface A");
		goto fail;
	}
	/* by USB serial, never by index */
	int o = ftdi_usb_open_desc(x->ctx, PB_FTDI_VID, PB_FTDI_PID_FT232H,
	    NULL, r->serial);
	if (o < 0) {
		if (o == -3) {
			snprintf(x->base.msg, sizeof(x->base.msg), "no FT232H "
			    "with serial %s is attached (pumphil list-rigs "
			    "shows those that are)", r->serial);
			rc = PB_FIX_E_NOENT;
		} else {
			rc = ftdi_fail(x, PB_FIX_E_OPEN, "open");
			if (o == -4 || o == -5 || o == -8 || o == -9) {
				size_t l = strlen(x->base.msg);
				msgf(x->base.msg + l, sizeof(x->base.msg) - l,
				    " (is /dev/bus/usb writable for this user? "
				    "see docs/hil.md for a udev rule)");
			}
		}
		goto fail;
	}
	x->usb_open = true;
	if (x->ctx->type != TYPE_232H) {
		snprintf(x->base.msg, sizeof(x->base.msg), "USB device %s is "
		    "not an FT232H (libftdi chip type %d)", r->serial,
		    (int)x->ctx->type);
		rc = PB_FIX_E_OPEN;
		goto fail;
	}
	x->ctx->usb_read_timeout = r->io_timeout_ms;
	x->ctx->usb_write_timeout = r->io_timeout_ms;
	if (ftdi_usb_reset(x->ctx) < 0) {
		rc = ftdi_fail(x, PB_FIX_E_OPEN, "reset");
		goto fail;
	}
	if (ftdi_set_latency_timer(x->ctx, (unsigned char)r->latency_ms) < 0) {
		rc = ftdi_fail(x, PB_FIX_E_OPEN, "latency timer");
		goto fail;
	}
	rc = pb_fixture_bus_begin(&x->base);
	if (rc)
		goto fail;
	*out = &x->base;
	return PB_FIX_OK;
fail:
	snprintf(err, errlen, "rig %s: %s", r->name, x->base.msg);
	ftdi_safe(&x->base);
	ftdi_close_op(&x->base);
	return rc;
}

int pb_fixture_ftdi_list(struct pb_fixture_info *out, int max, char *err,
    size_t errlen)
{
	struct ftdi_context *ctx = ftdi_new();
	if (!ctx) {
		snprintf(err, errlen, "libftdi: cannot create a context");
		return PB_FIX_E_MEM;
	}
	struct ftdi_device_list *list = NULL;
	int n = ftdi_usb_find_all(ctx, &list, PB_FTDI_VID, PB_FTDI_PID_FT232H);
	if (n < 0) {
		snprintf(err, errlen, "libftdi: %s", ftdi_get_error_string(ctx));
		ftdi_free(ctx);
		return PB_FIX_E_IO;
	}
	int i = 0;
	for (struct ftdi_device_list *d = list; d; d = d->next, i++) {
		if (i >= max || !out)
			continue;
		struct pb_fixture_info *fi = &out[i];
		memset(fi, 0, sizeof(*fi));
		fi->bus = libusb_get_bus_number(d->dev);
		fi->address = libusb_get_device_address(d->dev);
		if (ftdi_usb_get_strings(ctx, d->dev, fi->manufacturer,
		    (int)sizeof(fi->manufacturer), fi->description,
		    (int)sizeof(fi->description), fi->serial,
		    (int)sizeof(fi->serial)) < 0) {
			/* busy or no permission: say so, keep listing */
			snprintf(fi->description, sizeof(fi->description),
			    "(cannot read strings: %s)",
			    ftdi_get_error_string(ctx));
		}
	}
	ftdi_list_free(&list);
	ftdi_free(ctx);
	return n;
}
