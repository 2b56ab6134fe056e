/*
 * proto/client.c - the host side of the pump protocol (see client.h).
 *
 * Single-threaded and clock-free: every time value comes from the caller
 * (pb_client_service, pb_client_send), except in pb_client_wait(), the
 * blocking helper, which reads CLOCK_MONOTONIC itself.
 *
 * Timing rules (docs/protocol.md, "Timing"):
 *  - a command's attempts go out at t0, t0+200, t0+400, t0+600 ms (the
 *    repeats with PB_F_RETRY, same txn, fresh seq); with no answer by
 *    t0+800 ms it fails with PB_CLIENT_E_TIMEOUT.  So every command ends,
 *    acked or failed, within 4 x 200 ms of being sent;
 *  - at most PB_CMD_RATE_MAX new commands per PB_CMD_RATE_US, so the
 *    device's response cache always covers commands still retried;
 *  - heartbeats every 250 ms while the link is open;
 *  - the link is "down" after 1 s without a valid frame (also at start);
 *  - when the link reports PB_LINK_E_GONE, commands in flight fail with
 *    PB_CLIENT_E_LINK and pb_link_reopen() is tried at most once a second;
 *    after a reconnect the client sends HELLO again (its completion is
 *    reported through the done callback like any other command) and
 *    forgets the device info until that HELLO is answered.
 *
 * Loss accounting: frames from the device's seq (u16, wraps; a backward
 * jump, e.g. a device restart, resynchronises without counting), samples
 * from TELEMETRY's first_sample index (u32; likewise).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/client.h"

#define TX_CAP     4096
#define DONE_RING  16

struct cmd_slot {
	bool     used;
	uint8_t  txn;
	int      attempts;        /* sent so far, 1..PB_CMD_RETRIES+1 */
	uint64_t first_us;        /* time of the first attempt */
	struct pb_msg msg;
};

struct done_rec {
	uint64_t gen;             /* 0 = empty */
	uint8_t  txn;
	int      status;
	bool     has_resp;
	struct pb_response resp;
};

enum link_state { LS_UNKNOWN, LS_UP, LS_DOWN };

struct pb_client {
	struct pb_link *link;
	struct pb_client_cb cb;
	pb_decoder dec;
	struct pb_client_stats st;

	uint8_t  tx[TX_CAP];
	size_t   txlen;
	uint16_t seq_tx;
	int      last_seq_rx;     /* -1: none yet */
	bool     have_sample;
	uint32_t next_sample;

	struct cmd_slot cmd[PB_MAX_INFLIGHT];
	uint8_t  last_txn;
	uint64_t sent_ring[PB_CMD_RATE_MAX];   /* first-send times */
	unsigned sent_next;
	unsigned sent_n;

	bool     started;
	uint64_t now, start_us, last_rx_us, next_hb_us, next_reopen_us;
	enum link_state ls;
	bool     gone;

	bool     have_info;
	struct pb_device_info info;
	bool     have_dev_stats;
	struct pb_device_stats dev_stats;

	struct done_rec done[DONE_RING];
	uint64_t done_gen;

	char     err[256];
};

static void set_err(struct pb_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(struct pb_client *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
}

struct pb_client *pb_client_new(struct pb_link *link,
    const struct pb_client_cb *cb)
{
	if (!link)
		return NULL;
	struct pb_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->link = link;
	if (cb)
		c->cb = *cb;
	pb_decoder_init(&c->dec);
	c->last_seq_rx = -1;
	c->ls = LS_UNKNOWN;
	return c;
}

void pb_client_free(struct pb_client *c)
{
	if (!c)
		return;
	pb_link_close(c->link);
	free(c);
}

int pb_client_fd(const struct pb_client *c)
{
	return c ? pb_link_fd(c->link) : -1;
}

bool pb_client_wants_write(const struct pb_client *c)
{
	return c && !c->gone && c->txlen > 0;
}

const struct pb_device_info *pb_client_info(const struct pb_client *c)
{
	return (c && c->have_info) ? &c->info : NULL;
}

const struct pb_device_stats *pb_client_device_stats(
    const struct pb_client *c)
{
	return (c && c->have_dev_stats) ? &c->dev_stats : NULL;
}

const struct pb_client_stats *pb_client_stats(const struct pb_client *c)
{
	return c ? &c->st : NULL;
}

struct pb_link *pb_client_link(struct pb_client *c)
{
	return c ? c->link : NULL;
}

const char *pb_client_last_error(const struct pb_client *c)
{
	return c ? c->err : "";
}

const char *pb_client_strerror(int err)
{
	switch (err) {
	case PB_CLIENT_OK:        return "ok";
	case PB_CLIENT_E_TIMEOUT: return "no response after all retries";
	case PB_CLIENT_E_STATUS:  return "device refused the command";
	case PB_CLIENT_E_BUSY:
		return "too many commands in flight or sent too fast";
	case PB_CLIENT_E_LINK:    return "link down";
	case PB_CLIENT_E_ARG:     return "bad argument";
	case PB_CLIENT_E_LIMIT:   return "refused by the host's safety limit";
	case PB_CLIENT_E_ENCODE:  return "message could not be encoded";
	default:                  return "unknown client error";
	}
}

/* ---- output ------------------------------------------------------------- */

/* Queue one message as a frame; flags/txn as given, seq assigned. */
static int queue_msg(struct pb_client *c, const struct pb_msg *m)
{
	uint8_t wire[PB_WIRE_MAX];
	struct pb_msg f = *m;
	f.seq = c->seq_tx;
	int n = pb_frame_encode_msg(&f, wire, sizeof wire);
	if (n < 0)
		return PB_CLIENT_E_ENCODE;
	c->seq_tx++;
	if ((size_t)n > sizeof c->tx - c->txlen)
		return PB_CLIENT_E_BUSY;    /* the device sees a seq gap */
	memcpy(c->tx + c->txlen, wire, (size_t)n);
	c->txlen += (size_t)n;
	c->st.frames_tx++;
	return PB_CLIENT_OK;
}

static void complete(struct pb_client *c, uint8_t txn, int status,
    const struct pb_response *resp)
{
	struct done_rec *d = &c->done[c->done_gen % DONE_RING];
	d->gen = ++c->done_gen;
	d->txn = txn;
	d->status = status;
	d->has_resp = resp != NULL;
	if (resp)
		d->resp = *resp;
	if (c->cb.done)
		c->cb.done(c->cb.ctx, txn, status, resp);
}

static void set_link_state(struct pb_client *c, enum link_state ls,
    const char *why)
{
	if (c->ls == ls)
		return;
	c->ls = ls;
	c->st.link_up = ls == LS_UP;
	if (ls != LS_UP)
		set_err(c, "%s: %s", pb_link_path(c->link), why);
	if (c->cb.link && ls != LS_UNKNOWN)
		c->cb.link(c->cb.ctx, ls == LS_UP, why);
}

static void lost_link(struct pb_client *c)
{
	char why[300];
	snprintf(why, sizeof why, "%s", pb_link_error(c->link)[0]
	    ? pb_link_error(c->link) : "link gone");
	c->gone = true;
	c->txlen = 0;
	c->next_reopen_us = c->now + PB_LINK_LOST_US;
	if (c->ls == LS_DOWN) {
		/* already down (silent): still tell why it is gone now */
		set_err(c, "%s", why);
		if (c->cb.link)
			c->cb.link(c->cb.ctx, false, why);
	} else {
		set_link_state(c, LS_DOWN, why);
	}
	for (int i = 0; i < PB_MAX_INFLIGHT; i++) {
		struct cmd_slot *s = &c->cmd[i];
		if (!s->used)
			continue;
		s->used = false;
		c->st.cmds_failed++;
		complete(c, s->txn, PB_CLIENT_E_LINK, NULL);
	}
	set_err(c, "%s", why);
}

static int flush(struct pb_client *c)
{
	while (c->txlen > 0) {
		ssize_t r = pb_link_write(c->link, c->tx, c->txlen);
		if (r < 0) {
			lost_link(c);
			return PB_CLIENT_E_LINK;
		}
		if (r == 0)
			break;
		memmove(c->tx, c->tx + r, c->txlen - (size_t)r);
		c->txlen -= (size_t)r;
	}
	return PB_CLIENT_OK;
}

/* ---- commands ----------------------------------------------------------- */

static bool txn_in_flight(const struct pb_client *c, uint8_t txn)
{
	for (int i = 0; i < PB_MAX_INFLIGHT; i++)
		if (c->cmd[i].used && c->cmd[i].txn == txn)
			return true;
	return false;
}

static int send_attempt(struct pb_client *c, struct cmd_slot *s, bool retry)
{
	struct pb_msg m = s->msg;
	m.flags = PB_F_ACK_REQ | (retry ? PB_F_RETRY : 0);
	m.txn = s->txn;
	return queue_msg(c, &m);
}

static int check_cal_hold(struct pb_client *c, const struct pb_cal_hold *h)
{
	if (!c->have_info) {
		set_err(c, "CAL_HOLD refused: the device's vacuum limit is not "
		    "known yet (no HELLO answer)");
		return PB_CLIENT_E_LIMIT;
	}
	if (h->target < 0) {
		set_err(c, "CAL_HOLD refused: target %d is below 0 (0.1 mmHg)",
		    h->target);
		return PB_CLIENT_E_ARG;
	}
	if (h->target > c->info.max_target) {
		set_err(c, "CAL_HOLD refused: %d.%d mmHg is above the device "
		    "maximum %d.%d mmHg", h->target / 10, h->target % 10,
		    c->info.max_target / 10, c->info.max_target % 10);
		return PB_CLIENT_E_LIMIT;
	}
	return PB_CLIENT_OK;
}

int pb_client_send(struct pb_client *c, const struct pb_msg *m,
    uint64_t now_us)
{
	if (!c || !m)
		return PB_CLIENT_E_ARG;
	if (!pb_type_is_command(m->type)) {
		set_err(c, "type 0x%02x (%s) is not a command", m->type,
		    pb_type_name(m->type));
		return PB_CLIENT_E_ARG;
	}
	if (c->gone) {
		set_err(c, "%s: link down, %s not sent", pb_link_path(c->link),
		    pb_type_name(m->type));
		return PB_CLIENT_E_LINK;
	}
	if (m->type == PB_T_CAL_HOLD) {
		int rc = check_cal_hold(c, &m->u.hold);
		if (rc != PB_CLIENT_OK)
			return rc;
	}
	struct cmd_slot *s = NULL;
	for (int i = 0; i < PB_MAX_INFLIGHT && !s; i++)
		if (!c->cmd[i].used)
			s = &c->cmd[i];
	if (!s) {
		set_err(c, "%s not sent: %d commands already in flight",
		    pb_type_name(m->type), PB_MAX_INFLIGHT);
		return PB_CLIENT_E_BUSY;
	}
	if (c->sent_n >= PB_CMD_RATE_MAX) {
		uint64_t oldest = c->sent_ring[c->sent_next];
		if (now_us >= oldest && now_us - oldest < PB_CMD_RATE_US) {
			set_err(c, "%s not sent: %d commands in the last %u ms",
			    pb_type_name(m->type), PB_CMD_RATE_MAX,
			    (unsigned)(PB_CMD_RATE_US / 1000u));
			return PB_CLIENT_E_BUSY;
		}
	}
	uint8_t txn = c->last_txn;
	do {
		txn = (uint8_t)(txn % 255u + 1u);   /* 1..255, never 0 */
	} while (txn_in_flight(c, txn));
	memset(s, 0, sizeof *s);
	s->msg = *m;
	s->txn = txn;
	s->first_us = now_us;
	int rc = send_attempt(c, s, false);
	if (rc == PB_CLIENT_E_ENCODE) {
		set_err(c, "%s could not be encoded (a field out of range?)",
		    pb_type_name(m->type));
		return rc;
	}
	/* PB_CLIENT_E_BUSY from a full output buffer: the attempt counts as
	 * sent and lost; the retry goes out 200 ms later. */
	c->last_txn = txn;
	c->sent_ring[c->sent_next] = now_us;
	c->sent_next = (c->sent_next + 1) % PB_CMD_RATE_MAX;
	if (c->sent_n < PB_CMD_RATE_MAX)
		c->sent_n++;
	s->used = true;
	s->attempts = 1;
	c->st.cmds_sent++;
	return txn;
}

static int send_simple(struct pb_client *c, uint8_t type, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = type;
	return pb_client_send(c, &m, now_us);
}

int pb_client_hello(struct pb_client *c, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_HELLO;
	m.u.hello.proto_min = PB_PROTO_VERSION;
	m.u.hello.proto_max = PB_PROTO_VERSION;
	snprintf(m.u.hello.host, sizeof m.u.hello.host, "pumpbench");
	return pb_client_send(c, &m, now_us);
}

int pb_client_start(struct pb_client *c, uint64_t now_us)
{
	return send_simple(c, PB_T_START, now_us);
}

int pb_client_stop(struct pb_client *c, uint64_t now_us)
{
	return send_simple(c, PB_T_STOP, now_us);
}

int pb_client_clear_fault(struct pb_client *c, uint64_t now_us)
{
	return send_simple(c, PB_T_CLEAR_FAULT, now_us);
}

int pb_client_read_info(struct pb_client *c, uint64_t now_us)
{
	return send_simple(c, PB_T_READ_INFO, now_us);
}

int pb_client_read_stats(struct pb_client *c, uint64_t now_us)
{
	return send_simple(c, PB_T_DEVICE_STATS, now_us);
}

int pb_client_set_mode(struct pb_client *c, uint8_t mode, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_MODE;
	m.u.mode = mode;
	return pb_client_send(c, &m, now_us);
}

int pb_client_set_level(struct pb_client *c, uint8_t level, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_LEVEL;
	m.u.level = level;
	return pb_client_send(c, &m, now_us);
}

int pb_client_set_channels(struct pb_client *c, uint8_t mask, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_CHANNELS;
	m.u.channel_mask = mask;
	return pb_client_send(c, &m, now_us);
}

int pb_client_set_rate(struct pb_client *c, uint16_t rate_hz, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_RATE;
	m.u.rate_hz = rate_hz;
	return pb_client_send(c, &m, now_us);
}

int pb_client_read_cal(struct pb_client *c, uint8_t channel, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_READ_CAL;
	m.u.channel = channel;
	return pb_client_send(c, &m, now_us);
}

int pb_client_cal_hold(struct pb_client *c, uint8_t mask, int16_t target,
    uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_CAL_HOLD;
	m.u.hold.channel_mask = mask;
	m.u.hold.target = target;
	return pb_client_send(c, &m, now_us);
}

int pb_client_inject(struct pb_client *c, uint8_t fault, uint8_t channel,
    int32_t value, uint64_t now_us)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_INJECT;
	m.u.inject.fault = fault;
	m.u.inject.channel = channel;
	m.u.inject.value = value;
	return pb_client_send(c, &m, now_us);
}

/* ---- input -------------------------------------------------------------- */

static void on_telemetry(struct pb_client *c, const struct pb_telemetry *t)
{
	uint32_t lost = 0;
	if (c->have_sample) {
		uint32_t d = t->first_sample - c->next_sample;
		/* forward gap: samples lost; backward jump (device restart):
		 * resynchronise without counting */
		if (d != 0 && d < 0x80000000u)
			lost = d;
	}
	c->have_sample = true;
	c->next_sample = t->first_sample + t->n;
	c->st.samples_lost += lost;
	c->st.samples_rx += t->n;
	if (c->cb.telemetry)
		c->cb.telemetry(c->cb.ctx, t, lost);
}

static void on_response(struct pb_client *c, const struct pb_msg *m)
{
	const struct pb_response *r = &m->u.resp;
	struct cmd_slot *s = NULL;
	for (int i = 0; i < PB_MAX_INFLIGHT && !s; i++)
		if (c->cmd[i].used && c->cmd[i].txn == m->txn &&
		    c->cmd[i].msg.type == r->req_type)
			s = &c->cmd[i];
	if (!s) {
		c->st.late_responses++;
		return;
	}
	uint8_t txn = s->txn;
	/* Karn: only an unretried command gives an unambiguous RTT */
	if (s->attempts == 1 && c->now >= s->first_us)
		c->st.last_rtt_us = (uint32_t)(c->now - s->first_us);
	s->used = false;
	int status = PB_CLIENT_OK;
	if (r->status == PB_ST_OK) {
		c->st.cmds_ok++;
		if ((r->req_type == PB_T_HELLO || r->req_type == PB_T_READ_INFO)
		    && r->body_kind == PB_BODY_INFO) {
			c->info = r->body.info;
			c->have_info = true;
		}
		if (r->req_type == PB_T_DEVICE_STATS &&
		    r->body_kind == PB_BODY_STATS) {
			c->dev_stats = r->body.stats;
			c->have_dev_stats = true;
		}
	} else {
		c->st.cmds_failed++;
		status = PB_CLIENT_E_STATUS;
		set_err(c, "txn %u %s: device answered %s", txn,
		    pb_type_name(r->req_type), pb_status_name(r->status));
	}
	complete(c, txn, status, r);
}

static void on_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct pb_client *c = ctx;

	c->last_rx_us = c->now;
	set_link_state(c, LS_UP, "receiving valid frames");
	if (c->last_seq_rx >= 0) {
		uint16_t gap = (uint16_t)(h->seq - (uint16_t)c->last_seq_rx - 1u);
		if (gap != 0 && gap < 0x8000u)
			c->st.frames_lost += gap;
	}
	c->last_seq_rx = h->seq;

	struct pb_msg m;
	memset(&m, 0, sizeof m);
	int rc = pb_msg_decode(h->type, h->flags, payload, h->len, &m);
	if (rc != PB_MSG_OK) {
		if (rc == PB_MSG_E_TYPE)
			c->st.unknown_type++;
		else
			c->st.bad_payload++;
		return;
	}
	m.type = h->type;
	m.flags = h->flags;
	m.seq = h->seq;
	m.txn = h->txn;
	switch (h->type) {
	case PB_T_TELEMETRY:
		on_telemetry(c, &m.u.tel);
		break;
	case PB_T_EVENT:
		if (c->cb.event)
			c->cb.event(c->cb.ctx, &m.u.ev);
		break;
	case PB_T_LOG:
		if (c->cb.log)
			c->cb.log(c->cb.ctx, &m.u.log);
		break;
	case PB_T_HEARTBEAT:
		if (c->cb.heartbeat)
			c->cb.heartbeat(c->cb.ctx, &m.u.hb);
		break;
	case PB_T_RESPONSE:
		on_response(c, &m);
		break;
	default:
		/* a command sent to the host: not ours to run */
		c->st.unknown_type++;
		break;
	}
}

/* ---- service ------------------------------------------------------------ */

static void reconnected(struct pb_client *c)
{
	struct pb_rx_stats keep = c->dec.st;
	pb_decoder_init(&c->dec);
	c->dec.st = keep;
	c->gone = false;
	c->txlen = 0;
	c->last_seq_rx = -1;
	c->have_sample = false;
	c->have_info = false;
	c->have_dev_stats = false;
	c->start_us = c->now;
	c->last_rx_us = c->now;
	c->next_hb_us = c->now;
	c->ls = LS_DOWN;            /* up again at the first valid frame */
	c->st.link_up = false;
	c->st.reconnects++;
	(void)pb_client_hello(c, c->now);
}

static void run_timers(struct pb_client *c)
{
	uint64_t now = c->now;

	for (int i = 0; i < PB_MAX_INFLIGHT; i++) {
		struct cmd_slot *s = &c->cmd[i];
		if (!s->used)
			continue;
		uint64_t due = s->first_us +
		    (uint64_t)s->attempts * PB_CMD_TIMEOUT_US;
		if (now < due)
			continue;
		if (s->attempts <= PB_CMD_RETRIES && s->msg.type == PB_T_CAL_HOLD
		    && check_cal_hold(c, &s->msg.u.hold) != PB_CLIENT_OK) {
			/* the limit changed (new device info) since it was
			 * sent: never repeat it above the current limit */
			s->used = false;
			c->st.cmds_failed++;
			complete(c, s->txn, PB_CLIENT_E_LIMIT, NULL);
			continue;
		}
		if (s->attempts <= PB_CMD_RETRIES) {
			(void)send_attempt(c, s, true);
			s->attempts++;
			c->st.retries++;
			continue;
		}
		s->used = false;
		c->st.timeouts++;
		c->st.cmds_failed++;
		set_err(c, "txn %u %s: no response after %d attempts (%u ms)",
		    s->txn, pb_type_name(s->msg.type), s->attempts,
		    (unsigned)((uint64_t)s->attempts * PB_CMD_TIMEOUT_US / 1000u));
		complete(c, s->txn, PB_CLIENT_E_TIMEOUT, NULL);
	}

	if (now >= c->next_hb_us) {
		struct pb_msg hb;
		memset(&hb, 0, sizeof hb);
		hb.type = PB_T_HEARTBEAT;
		hb.u.hb.time_ms = (uint32_t)(now / 1000u);
		(void)queue_msg(c, &hb);
		c->next_hb_us += PB_HEARTBEAT_US;
		if (c->next_hb_us <= now)
			c->next_hb_us = now + PB_HEARTBEAT_US;
	}

	if (c->ls == LS_UP && now - c->last_rx_us >= PB_LINK_LOST_US)
		set_link_state(c, LS_DOWN, "no valid frame for 1 s");
	else if (c->ls == LS_UNKNOWN && now - c->start_us >= PB_LINK_LOST_US)
		set_link_state(c, LS_DOWN, "no valid frame from the device "
		    "within 1 s");
}

int pb_client_service(struct pb_client *c, uint64_t now_us)
{
	if (!c)
		return PB_CLIENT_E_ARG;
	if (!c->started) {
		c->started = true;
		c->start_us = c->last_rx_us = c->next_hb_us = now_us;
	}
	if (now_us > c->now)
		c->now = now_us;

	if (c->gone) {
		if (c->now < c->next_reopen_us)
			return PB_CLIENT_E_LINK;
		c->next_reopen_us = c->now + PB_LINK_LOST_US;
		int rc = pb_link_reopen(c->link);
		if (rc != PB_LINK_OK) {
			set_err(c, "reconnect failed: %s",
			    pb_link_error(c->link)[0] ? pb_link_error(c->link)
			    : pb_link_strerror(rc));
			return PB_CLIENT_E_LINK;
		}
		reconnected(c);
	}

	uint8_t buf[4096];
	for (int i = 0; i < 16; i++) {
		ssize_t r = pb_link_read(c->link, buf, sizeof buf);
		if (r < 0) {
			lost_link(c);
			return PB_CLIENT_E_LINK;
		}
		if (r == 0)
			break;
		pb_decoder_feed(&c->dec, buf, (size_t)r, on_frame, c);
		c->st.rx = c->dec.st;
		if ((size_t)r < sizeof buf)
			break;
	}
	run_timers(c);
	return flush(c);
}

uint64_t pb_client_next_deadline(const struct pb_client *c)
{
	if (!c || !c->started)
		return 0;
	if (c->gone)
		return c->next_reopen_us;
	uint64_t t = c->next_hb_us;
	for (int i = 0; i < PB_MAX_INFLIGHT; i++) {
		const struct cmd_slot *s = &c->cmd[i];
		if (!s->used)
			continue;
		uint64_t due = s->first_us +
		    (uint64_t)s->attempts * PB_CMD_TIMEOUT_US;
		if (due < t)
			t = due;
	}
	if (c->ls == LS_UP && c->last_rx_us + PB_LINK_LOST_US < t)
		t = c->last_rx_us + PB_LINK_LOST_US;
	if (c->ls == LS_UNKNOWN && c->start_us + PB_LINK_LOST_US < t)
		t = c->start_us + PB_LINK_LOST_US;
	return t;
}

/* ---- blocking helper ---------------------------------------------------- */

uint64_t pb_client_clock_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const struct done_rec *find_done(const struct pb_client *c,
    uint8_t txn)
{
	const struct done_rec *best = NULL;
	for (int i = 0; i < DONE_RING; i++) {
		const struct done_rec *d = &c->done[i];
		if (d->gen && d->txn == txn && (!best || d->gen > best->gen))
			best = d;
	}
	return best;
}

int pb_client_wait(struct pb_client *c, int txn, struct pb_response *resp,
    uint32_t timeout_ms)
{
	if (!c || txn < 1 || txn > 255)
		return PB_CLIENT_E_ARG;
	uint64_t now = pb_client_clock_us();
	uint64_t end = now + (uint64_t)timeout_ms * 1000u;
	while (txn_in_flight(c, (uint8_t)txn)) {
		(void)pb_client_service(c, now);
		if (!txn_in_flight(c, (uint8_t)txn))
			break;
		if (now >= end) {
			set_err(c, "txn %d: still waiting after %u ms", txn,
			    (unsigned)timeout_ms);
			return PB_CLIENT_E_TIMEOUT;
		}
		uint64_t next = pb_client_next_deadline(c);
		if (next > end || next == 0)
			next = end;
		uint64_t wait_us = next > now ? next - now : 0;
		int ms = (int)((wait_us + 999u) / 1000u);
		if (ms > 1000)
			ms = 1000;
		struct pollfd p = { .fd = pb_client_fd(c), .events = POLLIN };
		if (pb_client_wants_write(c))
			p.events |= POLLOUT;
		if (poll(&p, 1, ms) < 0 && errno != EINTR)
			return PB_CLIENT_E_LINK;
		now = pb_client_clock_us();
	}
	const struct done_rec *d = find_done(c, (uint8_t)txn);
	if (!d)
		return PB_CLIENT_E_ARG;
	if (resp && d->has_resp)
		*resp = d->resp;
	return d->status;
}
