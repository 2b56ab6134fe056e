/*
 * hil/dut.c - the DUT over the protocol client, in fixture time.
 * See dut.h for the promise.
 */
#include "hil/dut.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/devclock.h"

struct done_slot {
	bool pending;
	bool done;
	int  status;
	bool has_resp;
	struct pb_response resp;
};

struct pb_dut {
	struct pb_fixture *fix;
	struct pb_client *cl;
	uint64_t start_us;
	double step_timeout_s;
	bool silent;
	uint64_t last_tx_us;        /* rig time the host last sent a frame */
	bool have_tx;
	uint64_t deaf_until;
	uint64_t deaf_bytes;
	unsigned inflight;

	bool have_info;
	struct pb_device_info info;
	bool have_tel;
	struct pb_telemetry tel;
	double tel_t;
	bool have_hb;
	struct pb_heartbeat hb;

	struct pb_devclock clk;     /* device time -> rig time */
	struct pb_dut_event *ev;
	size_t n_ev, cap_ev;
	size_t ev_dropped;          /* past PB_DUT_MAX_EVENTS */

	char *log;
	size_t log_len, log_cap;

	struct done_slot slot[256];
	char msg[400];
};

const char *pb_dut_strerror(int err)
{
	switch (err) {
	case PB_DUT_OK: return "ok";
	case PB_DUT_E_FIXTURE: return "fixture failed";
	case PB_DUT_E_INTERRUPTED: return "interrupted by a signal";
	case PB_DUT_E_TIMEOUT: return "DUT did not answer in time";
	case PB_DUT_E_LINK: return "DUT link failed";
	case PB_DUT_E_STATUS: return "DUT refused the command";
	case PB_DUT_E_MEM: return "out of memory";
	case PB_DUT_E_ARG: return "bad argument";
	case PB_DUT_E_REFUSED: return "refused by the host";
	}
	return "unknown DUT error";
}

const char *pb_dut_errmsg(const struct pb_dut *d)
{
	return d->msg;
}

static int fail(struct pb_dut *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct pb_dut *d, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	return err;
}

static void note(struct pb_dut *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct pb_dut *d, const char *fmt, ...)
{
	char line[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	char stamp[32];
	snprintf(stamp, sizeof stamp, "[%9.3f] ", pb_dut_seconds(d));
	size_t need = strlen(stamp) + strlen(line) + 2;
	if (d->log_len + need + 1 > d->log_cap) {
		size_t nc = d->log_cap ? d->log_cap * 2 : 2048;
		while (d->log_len + need + 1 > nc)
			nc *= 2;
		if (nc > (1u << 22))   /* keep at most 4 MiB unread */
			return;
		char *p = realloc(d->log, nc);
		if (!p)
			return;
		d->log = p;
		d->log_cap = nc;
	}
	d->log_len += (size_t)snprintf(d->log + d->log_len,
	    d->log_cap - d->log_len, "%s%s\n", stamp, line);
}

/* ---- client callbacks -------------------------------------------------- */

static void cb_tel(void *ctx, const struct pb_telemetry *t, uint32_t lost)
{
	struct pb_dut *d = ctx;
	pb_devclock_seen(&d->clk, pb_devclock_batch_end_ms(t->device_ms, t->n,
	    d->have_info ? d->info.sample_rate_hz : 0), pb_fixture_now(d->fix));
	d->tel = *t;
	d->have_tel = true;
	d->tel_t = pb_dut_seconds(d);
	if (lost)
		note(d, "telemetry: %u samples lost", lost);
}

static void cb_event(void *ctx, const struct pb_event *e)
{
	struct pb_dut *d = ctx;
	/* a pump that floods events must not grow the host without bound */
	if (d->n_ev >= PB_DUT_MAX_EVENTS) {
		if (d->ev_dropped++ == 0)
			note(d, "events: more than %u from the pump; later ones "
			    "are not kept", PB_DUT_MAX_EVENTS);
		return;
	}
	if (d->n_ev == d->cap_ev) {
		size_t nc = d->cap_ev ? d->cap_ev * 2 : 64;
		void *p = realloc(d->ev, nc * sizeof *d->ev);
		if (!p)
			return;
		d->ev = p;
		d->cap_ev = nc;
	}
	/* when it happened on the device (EVENT device_ms through the
	 * device clock), not when the frame came in */
	uint64_t now = pb_fixture_now(d->fix);
	pb_devclock_seen(&d->clk, e->device_ms, now);
	uint64_t at = pb_devclock_host_us(&d->clk, e->device_ms, now);
	d->ev[d->n_ev].t_s = at >= d->start_us ? (double)(at - d->start_us) / 1e6
	    : -(double)(d->start_us - at) / 1e6;
	d->ev[d->n_ev].ev = *e;
	d->n_ev++;
	if (e->kind == PB_EV_ALARM_RAISED || e->kind == PB_EV_ALARM_CLEARED)
		note(d, "event: alarm %s %s (ch %u)", pb_alarm_name(e->code),
		    e->kind == PB_EV_ALARM_RAISED ? "raised" : "cleared",
		    e->channel + 1u);
	else if (e->kind == PB_EV_STATE)
		note(d, "event: state %s", pb_run_state_name(e->code));
	else if (e->kind == PB_EV_MODE)
		note(d, "event: mode %s", pb_mode_name(e->code));
	else if (e->kind == PB_EV_AUTO_OFF)
		note(d, "event: auto-off");
	else if (e->kind == PB_EV_BOOT)
		note(d, "event: boot #%ld", (long)e->value);
	else
		note(d, "event: kind %u code %u value %ld", e->kind, e->code,
		    (long)e->value);
}

static void cb_log(void *ctx, const struct pb_log *l)
{
	struct pb_dut *d = ctx;
	note(d, "dut log[%u]: %s", l->level, l->text);
}

static void cb_hb(void *ctx, const struct pb_heartbeat *hb)
{
	struct pb_dut *d = ctx;
	pb_devclock_seen(&d->clk, hb->time_ms, pb_fixture_now(d->fix));
	d->hb = *hb;
	d->have_hb = true;
}

static void cb_done(void *ctx, uint8_t txn, int status,
    const struct pb_response *resp)
{
	struct pb_dut *d = ctx;
	struct done_slot *s = &d->slot[txn];
	if (!s->pending)
		return;
	s->pending = false;
	s->done = true;
	s->status = status;
	s->has_resp = resp != NULL;
	if (resp)
		s->resp = *resp;
	if (d->inflight)
		d->inflight--;
}

static void cb_link(void *ctx, bool up, const char *why)
{
	struct pb_dut *d = ctx;
	note(d, "link %s%s%s", up ? "up" : "down", why ? ": " : "",
	    why ? why : "");
}

/* ---- life -------------------------------------------------------------- */

int pb_dut_new(struct pb_fixture *f, struct pb_dut **out, char *err,
    size_t errlen)
{
	*out = NULL;
	struct pb_dut *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return PB_DUT_E_MEM;
	}
	d->fix = f;
	d->step_timeout_s = 10.0;
	struct pb_link *link = NULL;
	int rc = pb_fixture_take_dut_link(f, &link);
	if (rc != PB_FIX_OK || !link) {
		snprintf(err, errlen, "DUT link: %s (%s)",
		    pb_fixture_strerror(rc), pb_fixture_errmsg(f));
		free(d);
		return PB_DUT_E_FIXTURE;
	}
	struct pb_client_cb cb = {
		.ctx = d, .telemetry = cb_tel, .event = cb_event,
		.log = cb_log, .heartbeat = cb_hb, .done = cb_done,
		.link = cb_link,
	};
	d->cl = pb_client_new(link, &cb);
	if (!d->cl) {
		pb_link_close(link);
		snprintf(err, errlen, "cannot create the protocol client");
		free(d);
		return PB_DUT_E_MEM;
	}
	d->start_us = pb_fixture_now(f);
	*out = d;
	return PB_DUT_OK;
}

void pb_dut_free(struct pb_dut *d)
{
	if (!d)
		return;
	pb_client_free(d->cl);
	free(d->ev);
	free(d->log);
	free(d);
}

struct pb_fixture *pb_dut_fixture(struct pb_dut *d) { return d->fix; }
struct pb_client *pb_dut_client(struct pb_dut *d) { return d->cl; }
uint64_t pb_dut_now(struct pb_dut *d) { return pb_fixture_now(d->fix); }

void pb_dut_mark_start(struct pb_dut *d)
{
	d->start_us = pb_fixture_now(d->fix);
	d->n_ev = 0;
	d->ev_dropped = 0;
}

double pb_dut_seconds(struct pb_dut *d)
{
	uint64_t now = pb_fixture_now(d->fix);
	return now >= d->start_us ? (double)(now - d->start_us) / 1e6 :
	    -(double)(d->start_us - now) / 1e6;
}

void pb_dut_set_step_timeout(struct pb_dut *d, double seconds)
{
	if (seconds > 0)
		d->step_timeout_s = seconds;
}

double pb_dut_step_timeout(const struct pb_dut *d)
{
	return d->step_timeout_s;
}

void pb_dut_set_silent(struct pb_dut *d, bool silent)
{
	if (d->silent != silent)
		note(d, "host %s", silent ? "goes silent (no heartbeats)" :
		    "speaks again");
	d->silent = silent;
}

/* ---- time -------------------------------------------------------------- */

/* A gone link is a DUT behaviour (power cut) as often as a rig fault:
 * the client reopens by itself, commands time out if it stays gone. */
static void service(struct pb_dut *d)
{
	if (d->silent)
		return;
	uint64_t now = pb_fixture_now(d->fix);
	if (now < d->deaf_until) {
		uint8_t junk[1024];
		ssize_t n;
		while ((n = pb_link_read(pb_client_link(d->cl), junk,
		    sizeof junk)) > 0)
			d->deaf_bytes += (uint64_t)n;
	} else if (d->deaf_bytes) {
		note(d, "host hears again (%llu bytes thrown away)",
		    (unsigned long long)d->deaf_bytes);
		d->deaf_bytes = 0;
	}
	uint64_t tx = pb_client_stats(d->cl)->frames_tx;
	(void)pb_client_service(d->cl, now);
	if (pb_client_stats(d->cl)->frames_tx != tx) {
		d->last_tx_us = now;
		d->have_tx = true;
	}
}

bool pb_dut_last_tx(const struct pb_dut *d, uint64_t *at_us)
{
	if (d->have_tx && at_us)
		*at_us = d->last_tx_us;
	return d->have_tx;
}

void pb_dut_set_deaf_until(struct pb_dut *d, uint64_t until_us)
{
	d->deaf_until = until_us;
	note(d, "host deaf for %.3f s", (double)(until_us -
	    pb_fixture_now(d->fix)) / 1e6);
}

static int fix_fail(struct pb_dut *d, int rc)
{
	if (rc == PB_FIX_E_INTERRUPTED)
		return fail(d, PB_DUT_E_INTERRUPTED, "interrupted by signal %d",
		    pb_fixture_interrupted());
	return fail(d, PB_DUT_E_FIXTURE, "fixture: %s: %s",
	    pb_fixture_strerror(rc), pb_fixture_errmsg(d->fix));
}

int pb_dut_advance(struct pb_dut *d, uint64_t until_us)
{
	for (;;) {
		uint64_t now = pb_fixture_now(d->fix);
		if (now >= until_us)
			return PB_DUT_OK;
		uint64_t next = now + (d->inflight ? PB_DUT_CMD_CHUNK_US :
		    PB_DUT_CHUNK_US);
		if (!d->silent) {
			uint64_t dl = pb_client_next_deadline(d->cl);
			if (dl > now && dl < next)
				next = dl;
		}
		if (next > until_us)
			next = until_us;
		int rc = pb_fixture_advance(d->fix, next);
		if (rc != PB_FIX_OK)
			return fix_fail(d, rc);
		if (pb_fixture_now(d->fix) <= now)
			return fail(d, PB_DUT_E_FIXTURE,
			    "fixture clock did not move past %.6f s",
			    (double)now / 1e6);
		service(d);
	}
}

/* ---- commands ---------------------------------------------------------- */

int pb_dut_command(struct pb_dut *d, const struct pb_msg *m,
    struct pb_response *resp)
{
	if (d->silent)
		return fail(d, PB_DUT_E_ARG, "%s while the host is silent",
		    pb_type_name(m->type));
	uint64_t now = pb_fixture_now(d->fix);
	int txn = pb_client_send(d->cl, m, now);
	if (txn == PB_CLIENT_E_ENCODE || txn == PB_CLIENT_E_LIMIT ||
	    txn == PB_CLIENT_E_ARG)
		return fail(d, PB_DUT_E_REFUSED, "%s: %s", pb_type_name(m->type),
		    pb_client_strerror(txn));
	if (txn < 0)
		return fail(d, PB_DUT_E_LINK, "%s: %s", pb_type_name(m->type),
		    pb_client_strerror(txn));
	struct done_slot *s = &d->slot[txn & 0xff];
	memset(s, 0, sizeof *s);
	s->pending = true;
	d->inflight++;
	uint64_t deadline = now + (uint64_t)(d->step_timeout_s * 1e6);
	service(d);
	while (s->pending) {
		now = pb_fixture_now(d->fix);
		if (now >= deadline) {
			s->pending = false;
			if (d->inflight)
				d->inflight--;
			return fail(d, PB_DUT_E_TIMEOUT,
			    "%s: no response within the step timeout "
			    "(%.1f s)", pb_type_name(m->type),
			    d->step_timeout_s);
		}
		int rc = pb_dut_advance(d, now + PB_DUT_CMD_CHUNK_US);
		if (rc != PB_DUT_OK) {
			s->pending = false;
			if (d->inflight)
				d->inflight--;
			return rc;
		}
	}
	if (resp) {
		if (s->has_resp)
			*resp = s->resp;
		else
			memset(resp, 0, sizeof *resp);
	}
	if (s->status == PB_CLIENT_OK)
		return PB_DUT_OK;
	if (s->status == PB_CLIENT_E_STATUS && s->has_resp)
		return fail(d, PB_DUT_E_STATUS, "%s refused: %s",
		    pb_type_name(m->type), pb_status_name(s->resp.status));
	if (s->status == PB_CLIENT_E_TIMEOUT)
		return fail(d, PB_DUT_E_TIMEOUT, "%s: %s",
		    pb_type_name(m->type), pb_client_strerror(s->status));
	return fail(d, PB_DUT_E_LINK, "%s: %s", pb_type_name(m->type),
	    pb_client_strerror(s->status));
}

int pb_dut_hello(struct pb_dut *d)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_HELLO;
	m.u.hello.proto_min = PB_PROTO_VERSION;
	m.u.hello.proto_max = PB_PROTO_VERSION;
	snprintf(m.u.hello.host, sizeof m.u.hello.host, "pumphil");
	struct pb_response r;
	int rc = pb_dut_command(d, &m, &r);
	if (rc == PB_DUT_OK) {
		if (r.body_kind == PB_BODY_INFO) {
			d->info = r.body.info;
			d->have_info = true;
		} else if (pb_client_info(d->cl)) {
			d->info = *pb_client_info(d->cl);
			d->have_info = true;
		}
	}
	return rc;
}

int pb_dut_hello_until(struct pb_dut *d, double timeout_s)
{
	uint64_t deadline = pb_fixture_now(d->fix) +
	    (uint64_t)(timeout_s * 1e6);
	double saved = d->step_timeout_s;
	int rc;
	for (;;) {
		uint64_t now = pb_fixture_now(d->fix);
		double left = (double)(deadline > now ? deadline - now : 0) / 1e6;
		if (left <= 0) {
			rc = fail(d, PB_DUT_E_TIMEOUT,
			    "DUT did not answer HELLO within %.1f s (%s)",
			    timeout_s, d->msg[0] ? d->msg : "no reply");
			break;
		}
		d->step_timeout_s = left < 2.0 ? left : 2.0;
		rc = pb_dut_hello(d);
		if (rc == PB_DUT_OK || rc == PB_DUT_E_STATUS ||
		    rc == PB_DUT_E_FIXTURE || rc == PB_DUT_E_INTERRUPTED)
			break;
		rc = pb_dut_advance(d, pb_fixture_now(d->fix) + 500000u);
		if (rc != PB_DUT_OK)
			break;
	}
	d->step_timeout_s = saved;
	return rc;
}

const struct pb_device_info *pb_dut_info(const struct pb_dut *d)
{
	return d->have_info ? &d->info : NULL;
}

int pb_dut_power_cycle(struct pb_dut *d, double off_s, double boot_timeout_s)
{
	int rc = pb_fixture_set_power(d->fix, false);
	if (rc != PB_FIX_OK)
		return fix_fail(d, rc);
	rc = pb_dut_advance(d, pb_fixture_now(d->fix) +
	    (uint64_t)(off_s * 1e6));
	if (rc != PB_DUT_OK)
		return rc;
	rc = pb_fixture_set_power(d->fix, true);
	if (rc != PB_FIX_OK)
		return fix_fail(d, rc);
	d->have_tel = false;
	d->have_hb = false;
	d->n_ev = 0;
	d->ev_dropped = 0;
	rc = pb_dut_hello_until(d, boot_timeout_s);
	d->n_ev = 0;
	d->ev_dropped = 0;
	return rc;
}

/* ---- observation ------------------------------------------------------- */

const struct pb_telemetry *pb_dut_telemetry(const struct pb_dut *d,
    double *t_s)
{
	if (!d->have_tel)
		return NULL;
	if (t_s)
		*t_s = d->tel_t;
	return &d->tel;
}

const struct pb_heartbeat *pb_dut_heartbeat(const struct pb_dut *d)
{
	return d->have_hb ? &d->hb : NULL;
}

bool pb_dut_link_up(const struct pb_dut *d)
{
	const struct pb_client_stats *s = pb_client_stats(d->cl);
	return s && s->link_up;
}

const struct pb_dut_event *pb_dut_events(const struct pb_dut *d, size_t *n)
{
	*n = d->n_ev;
	return d->ev;
}

char *pb_dut_take_log(struct pb_dut *d)
{
	if (!d->log_len)
		return NULL;
	char *p = d->log;
	d->log = NULL;
	d->log_len = d->log_cap = 0;
	return p;
}
