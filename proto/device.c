/*
 * proto/device.c - the device side of the pump protocol (see device.h).
 *
 * Rules implemented here (docs/protocol.md, sections 7.2, 7.3 and 7.6):
 *  - every frame that passes the frame checks counts in the host->device
 *    seq-gap counter, then is sorted by the first rule it breaks:
 *    RESPONSE flag or a device->host type: ignored (not a host's frame);
 *    HEARTBEAT: a valid host heartbeat feeds the watchdog, anything else
 *    is a bad payload; never answered; an unknown type: counted, and
 *    answered UNKNOWN_CMD when it asks for an answer (ACK_REQ);
 *    a command without ACK_REQ or with txn 0: answered BAD_VALUE, not
 *    run; a command whose payload fails to decode: answered BAD_LENGTH
 *    or BAD_VALUE, not run;
 *  - only a valid HEARTBEAT or a valid command feeds the watchdog;
 *  - a valid command is handed to the handler once; its RESPONSE (flag
 *    PB_F_RESPONSE, same txn) is encoded, queued and remembered in a
 *    PB_DEV_TXN_CACHE-entry cache;
 *  - a command carrying PB_F_RETRY whose txn and type match a cached
 *    response cached less than PB_DEV_CACHE_US ago is answered from the
 *    cache and NOT executed again (dup_commands counts these); the cached
 *    answer is re-framed with a fresh seq so the host's loss accounting
 *    stays exact;
 *  - every outgoing frame takes the next seq, also when it does not fit
 *    the output buffer (then it is counted in out_dropped and the host sees
 *    the gap as a lost frame).
 */
#include <string.h>

#include "proto/device.h"

void pb_device_init(pb_device *d, pb_dev_cmd_fn handler, void *ctx)
{
	memset(d, 0, sizeof *d);
	pb_decoder_init(&d->dec);
	d->last_seq_rx = -1;
	d->handler = handler;
	d->ctx = ctx;
}

static int queue_wire(pb_device *d, const uint8_t *wire, size_t n)
{
	if (n > sizeof d->out - d->out_len) {
		d->out_dropped++;
		return -1;
	}
	memcpy(d->out + d->out_len, wire, n);
	d->out_len += n;
	return 0;
}

int pb_device_send(pb_device *d, const struct pb_msg *m)
{
	uint8_t wire[PB_WIRE_MAX];
	struct pb_msg c = *m;
	c.seq = d->seq_tx++;
	int n = pb_frame_encode_msg(&c, wire, sizeof wire);
	if (n < 0) {
		d->out_dropped++;
		return -1;
	}
	return queue_wire(d, wire, (size_t)n);
}

static struct pb_dev_cache_entry *cache_find(pb_device *d, uint8_t txn,
    uint8_t type)
{
	for (unsigned i = 0; i < PB_DEV_TXN_CACHE; i++) {
		struct pb_dev_cache_entry *e = &d->cache[i];
		if (e->used && e->txn == txn && e->req_type == type &&
		    d->now_us >= e->at_us &&
		    d->now_us - e->at_us < PB_DEV_CACHE_US)
			return e;
	}
	return NULL;
}

static struct pb_dev_cache_entry *cache_slot(pb_device *d, uint8_t txn)
{
	/* A txn is remembered once: a new command reusing a txn id replaces
	 * its old answer; otherwise a free entry, else the oldest one. */
	struct pb_dev_cache_entry *best = NULL;
	for (unsigned i = 0; i < PB_DEV_TXN_CACHE; i++) {
		struct pb_dev_cache_entry *e = &d->cache[i];
		if (e->used && e->txn == txn)
			return e;
		if (!best || (best->used && (!e->used || e->at_us < best->at_us)))
			best = e;
	}
	return best;
}

/* Re-send a cached response under a fresh seq number. */
static void resend_cached(pb_device *d, const struct pb_dev_cache_entry *e)
{
	struct pb_frame_hdr h;
	uint8_t payload[PB_MAX_PAYLOAD];
	uint8_t wire[PB_WIRE_MAX];
	/* wire holds the frame with its trailing 0x00 */
	if (e->wire_len < 2 ||
	    pb_frame_decode(e->wire, e->wire_len - 1, &h, payload) != 0) {
		d->out_dropped++;
		d->seq_tx++;
		return;
	}
	h.seq = d->seq_tx++;
	int n = pb_frame_encode(&h, payload, wire, sizeof wire);
	if (n < 0) {
		d->out_dropped++;
		return;
	}
	queue_wire(d, wire, (size_t)n);
}

/* Answer a command.  Only answers of commands that ran are remembered
 * (cache): a refusal by the protocol layer ran nothing, so answering its
 * retry afresh is harmless, and it must not evict the answer of a
 * command that did run under the same txn. */
static void respond(pb_device *d, uint8_t txn, uint8_t req_type,
    const struct pb_response *resp, bool cache)
{
	struct pb_msg rm;
	memset(&rm, 0, sizeof rm);
	rm.type = PB_T_RESPONSE;
	rm.flags = PB_F_RESPONSE;
	rm.txn = txn;
	rm.seq = d->seq_tx++;
	rm.u.resp = *resp;
	rm.u.resp.req_type = req_type;

	struct pb_dev_cache_entry scratch;
	struct pb_dev_cache_entry *e = cache ? cache_slot(d, txn) : &scratch;
	int n = pb_frame_encode_msg(&rm, e->wire, sizeof e->wire);
	if (n < 0) {
		/* The handler produced a body the codec refuses: answer with
		 * a bare status so the host is not left waiting. */
		rm.u.resp.status = PB_ST_BAD_VALUE;
		rm.u.resp.body_kind = PB_BODY_NONE;
		n = pb_frame_encode_msg(&rm, e->wire, sizeof e->wire);
	}
	if (n < 0) {
		e->used = false;
		d->out_dropped++;
		return;
	}
	e->used = cache;
	e->txn = txn;
	e->req_type = req_type;
	e->wire_len = (size_t)n;
	e->at_us = d->now_us;
	queue_wire(d, e->wire, e->wire_len);
}

static void refuse(pb_device *d, const struct pb_frame_hdr *h, uint8_t st)
{
	struct pb_response r;
	memset(&r, 0, sizeof r);
	r.status = st;
	respond(d, h->txn, h->type, &r, false);
}

/* A valid host message arrived: feed the watchdog. */
static void host_alive(pb_device *d)
{
	d->last_host_us = d->now_us;
	d->host_seen = true;
	d->host_lost = false;
}

/* Device->host types: a device never receives these from a host. */
static bool to_host_type(uint8_t type)
{
	return type == PB_T_TELEMETRY || type == PB_T_EVENT ||
	    type == PB_T_LOG || type == PB_T_RESPONSE;
}

static void on_heartbeat(pb_device *d, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct pb_msg m;
	/* A host's heartbeat carries run state 0 and no alarms; one that
	 * does not is no host's (e.g. the device's own, looped back while it
	 * pumps) and must not keep the pump running. */
	if (pb_msg_decode(h->type, h->flags, payload, h->len, &m) !=
	    PB_MSG_OK || m.u.hb.run_state != 0 || m.u.hb.alarms != 0) {
		d->bad_payload++;
		return;
	}
	d->heartbeats++;
	host_alive(d);                  /* never answered, whatever its flags */
}

static void on_command(pb_device *d, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct pb_msg cmd;
	struct pb_response resp;

	if (!(h->flags & PB_F_ACK_REQ) || h->txn == 0) {
		/* not a transaction the host can match or retry: refused,
		 * not run, not remembered */
		d->bad_header++;
		refuse(d, h, PB_ST_BAD_VALUE);
		return;
	}
	memset(&cmd, 0, sizeof cmd);
	int rc = pb_msg_decode(h->type, h->flags, payload, h->len, &cmd);
	if (rc != PB_MSG_OK) {
		d->bad_payload++;
		refuse(d, h, rc == PB_MSG_E_LENGTH ? PB_ST_BAD_LENGTH
		    : PB_ST_BAD_VALUE);
		return;
	}
	host_alive(d);

	if (h->flags & PB_F_RETRY) {
		const struct pb_dev_cache_entry *e =
		    cache_find(d, h->txn, h->type);
		if (e) {
			d->dup_commands++;
			resend_cached(d, e);
			return;
		}
		/* the first attempt never arrived: execute it now */
	}

	d->commands++;
	cmd.type = h->type;
	cmd.flags = h->flags;
	cmd.seq = h->seq;
	cmd.txn = h->txn;
	memset(&resp, 0, sizeof resp);
	resp.status = PB_ST_OK;
	resp.body_kind = PB_BODY_NONE;
	if (d->handler)
		d->handler(d->ctx, &cmd, &resp, d->now_us);
	else
		resp.status = PB_ST_UNKNOWN_CMD;
	respond(d, h->txn, h->type, &resp, true);
}

/* Every frame that passed the frame checks ends in exactly one of: a
 * heartbeat, a command (run, answered from the cache, or refused), or one
 * counter (ignored, unknown_type, bad_header, bad_payload). */
static void on_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	pb_device *d = ctx;

	if (d->last_seq_rx >= 0) {
		uint16_t gap = (uint16_t)(h->seq - (uint16_t)d->last_seq_rx - 1u);
		if (gap != 0 && gap < 0x8000u)
			d->frames_lost_rx += gap;
	}
	d->last_seq_rx = h->seq;

	if ((h->flags & PB_F_RESPONSE) || to_host_type(h->type)) {
		d->ignored++;           /* a device's frame, not a host's */
		return;
	}
	if (h->type == PB_T_HEARTBEAT) {
		on_heartbeat(d, h, payload);
		return;
	}
	if (!pb_type_is_command(h->type)) {
		d->unknown_type++;
		if (h->flags & PB_F_ACK_REQ)
			refuse(d, h, PB_ST_UNKNOWN_CMD);
		return;
	}
	on_command(d, h, payload);
}

void pb_device_rx(pb_device *d, const uint8_t *bytes, size_t n,
    uint64_t now_us)
{
	d->now_us = now_us;
	pb_decoder_feed(&d->dec, bytes, n, on_frame, d);
}

bool pb_device_host_lost(const pb_device *d, uint64_t now_us)
{
	return d->host_seen && now_us >= d->last_host_us &&
	    now_us - d->last_host_us >= PB_HOST_LOST_US;
}

bool pb_device_watchdog(pb_device *d, uint64_t now_us)
{
	if (d->host_lost || !pb_device_host_lost(d, now_us))
		return false;
	d->host_lost = true;
	d->host_lost_count++;
	return true;
}

bool pb_device_last_host(const pb_device *d, uint64_t *t_us)
{
	if (!d->host_seen)
		return false;
	*t_us = d->last_host_us;
	return true;
}

size_t pb_device_take(pb_device *d, uint8_t *buf, size_t cap)
{
	size_t n = d->out_len < cap ? d->out_len : cap;
	if (n == 0)
		return 0;
	memcpy(buf, d->out, n);
	memmove(d->out, d->out + n, d->out_len - n);
	d->out_len -= n;
	return n;
}

void pb_device_forget_txns(pb_device *d)
{
	for (unsigned i = 0; i < PB_DEV_TXN_CACHE; i++)
		d->cache[i].used = false;
}

void pb_device_stats(const pb_device *d, struct pb_device_stats *o)
{
	const struct pb_rx_stats *rx = &d->dec.st;
	memset(o, 0, sizeof *o);
	o->frames_ok = (uint32_t)rx->frames_ok;
	o->heartbeats = (uint32_t)d->heartbeats;
	o->commands = (uint32_t)d->commands;
	o->dup_commands = (uint32_t)d->dup_commands;
	o->ignored = (uint32_t)d->ignored;
	o->unknown_type = (uint32_t)d->unknown_type;
	o->bad_header = (uint32_t)d->bad_header;
	o->bad_payload = (uint32_t)d->bad_payload;
	o->cobs_errors = (uint32_t)rx->cobs_errors;
	o->length_errors = (uint32_t)rx->length_errors;
	o->oversize = (uint32_t)rx->oversize;
	o->crc_errors = (uint32_t)rx->crc_errors;
	o->version_errors = (uint32_t)rx->version_errors;
	o->frames_lost = (uint32_t)d->frames_lost_rx;
	o->out_dropped = (uint32_t)d->out_dropped;
	o->host_lost = (uint32_t)d->host_lost_count;
}
