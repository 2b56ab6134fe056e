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
 *    the gap as a lost frame);
 *  - frames are built in place at the end of the output queue (payload
 *    encoded where it goes, header, CRC, COBS and 0x00 added around it by
 *    pb_frame_seal), so no frame-sized buffer and no struct pb_msg lives
 *    on the stack; the cache keeps RESPONSE payloads (up to
 *    PB_DEV_CACHE_PAYLOAD bytes), not wire bytes, and a retry is framed
 *    afresh from them.
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

/* ---- the output queue ------------------------------------------------- */

/* Where a frame of need wire bytes can be built at the end of the queue
 * (moving the unsent bytes to the front when that makes room), or NULL
 * when it does not fit: 7.7, a frame is queued whole or not at all. */
static uint8_t *reserve(pb_device *d, size_t need)
{
	if (PB_DEV_OUT_CAP - d->out_len < need && d->out_head > 0) {
		memmove(d->out, d->out + d->out_head, d->out_len - d->out_head);
		d->out_len -= d->out_head;
		d->out_head = 0;
	}
	if (PB_DEV_OUT_CAP - d->out_len < need)
		return NULL;
	return d->out + d->out_len;
}

/* The payload is at w + PB_FRAME_PAYLOAD_OFF: seal the frame and queue it. */
static void commit(pb_device *d, uint8_t *w, uint8_t flags, uint16_t seq,
    uint8_t type, uint8_t txn, size_t len)
{
	struct pb_frame_hdr h = { PB_PROTO_VERSION, flags, seq, type, txn,
	    (uint8_t)len };
	int n = pb_frame_seal(&h, w, PB_FRAME_WIRE_LEN(len));
	if (n > 0)
		d->out_len += (size_t)n;
}

int pb_device_send_body(pb_device *d, uint8_t type, const void *body)
{
	uint16_t seq = d->seq_tx++;
	int n = pb_body_len(type, body);
	uint8_t *w = n >= 0 ? reserve(d, PB_FRAME_WIRE_LEN(n)) : NULL;
	size_t len;
	if (w == NULL || pb_body_encode(type, body, w + PB_FRAME_PAYLOAD_OFF,
	    (size_t)n, &len) != PB_MSG_OK) {
		d->out_dropped++;
		return -1;
	}
	commit(d, w, 0, seq, type, 0, len);
	return 0;
}

int pb_device_send(pb_device *d, const struct pb_msg *m)
{
	return pb_device_send_body(d, m->type, &m->u);
}

int pb_device_send_log(pb_device *d, uint8_t level, const char *text,
    size_t len)
{
	uint16_t seq = d->seq_tx++;
	uint8_t *w = len <= PB_LOG_MAX ? reserve(d, PB_FRAME_WIRE_LEN(len + 1))
	    : NULL;
	size_t n;
	if (w == NULL || pb_log_encode(level, text, len,
	    w + PB_FRAME_PAYLOAD_OFF, len + 1, &n) != PB_MSG_OK) {
		d->out_dropped++;
		return -1;
	}
	commit(d, w, 0, seq, PB_T_LOG, 0, n);
	return 0;
}

/* ---- the answer cache (7.2) ------------------------------------------- */

static uint32_t now_ms(const pb_device *d)
{
	return (uint32_t)(d->now_us / 1000u);
}

static struct pb_dev_cache_entry *cache_find(pb_device *d, uint8_t txn,
    uint8_t type)
{
	for (unsigned i = 0; i < PB_DEV_TXN_CACHE; i++) {
		struct pb_dev_cache_entry *e = &d->cache[i];
		if (e->used && e->txn == txn && e->req_type == type &&
		    now_ms(d) - e->at_ms < PB_DEV_CACHE_US / 1000u)
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
		if (!best || (best->used && (!e->used ||
		    now_ms(d) - e->at_ms > now_ms(d) - best->at_ms)))
			best = e;
	}
	return best;
}

/* Re-send a cached response under a fresh seq number. */
static void resend_cached(pb_device *d, const struct pb_dev_cache_entry *e)
{
	uint16_t seq = d->seq_tx++;
	uint8_t *w = reserve(d, PB_FRAME_WIRE_LEN(e->len));
	if (w == NULL) {
		d->out_dropped++;
		return;
	}
	memcpy(w + PB_FRAME_PAYLOAD_OFF, e->payload, e->len);
	commit(d, w, PB_F_RESPONSE, seq, PB_T_RESPONSE, e->txn, e->len);
}

/* Answer a command.  Only answers of commands that ran are remembered
 * (cache): a refusal by the protocol layer ran nothing, so answering its
 * retry afresh is harmless, and it must not evict the answer of a
 * command that did run under the same txn.  An answer that does not fit
 * the queue is still remembered (7.7), so the host's retry gets it. */
static void respond(pb_device *d, uint8_t txn, uint8_t req_type,
    struct pb_response *r, bool cache)
{
	uint16_t seq = d->seq_tx++;
	r->req_type = req_type;
	int n = pb_body_len(PB_T_RESPONSE, r);
	if (n < 0) {
		/* The handler produced a body the codec refuses: answer with
		 * a bare status so the host is not left waiting. */
		r->status = PB_ST_BAD_VALUE;
		r->body_kind = PB_BODY_NONE;
		n = pb_body_len(PB_T_RESPONSE, r);
	}
	struct pb_dev_cache_entry *e = cache ? cache_slot(d, txn) : NULL;
	bool keep = e != NULL && n <= PB_DEV_CACHE_PAYLOAD;
	uint8_t *w = reserve(d, PB_FRAME_WIRE_LEN(n));
	uint8_t *p = w ? w + PB_FRAME_PAYLOAD_OFF : keep ? e->payload : NULL;
	size_t len = 0;
	if (p == NULL || pb_body_encode(PB_T_RESPONSE, r, p, (size_t)n, &len)
	    != PB_MSG_OK) {
		/* neither queued nor remembered */
		if (e)
			e->used = false;
		d->out_dropped++;
		return;
	}
	if (e) {
		/* a long answer (a read; small configuration) is not kept:
		 * its retry reads again */
		e->used = keep;
		if (keep) {
			if (p != e->payload)
				memcpy(e->payload, p, len);
			e->txn = txn;
			e->req_type = req_type;
			e->len = (uint8_t)len;
			e->at_ms = now_ms(d);
		}
	}
	if (w)
		commit(d, w, PB_F_RESPONSE, seq, PB_T_RESPONSE, txn, len);
	else
		d->out_dropped++;
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
	struct pb_cmd m;
	/* A host's heartbeat carries run state 0 and no alarms; one that
	 * does not is no host's (e.g. the device's own, looped back while it
	 * pumps) and must not keep the pump running. */
	if (pb_cmd_decode(h->type, payload, h->len, &m) != PB_MSG_OK ||
	    m.u.hb.run_state != 0 || m.u.hb.alarms != 0) {
		d->bad_payload++;
		return;
	}
	d->heartbeats++;
	host_alive(d);                  /* never answered, whatever its flags */
}

static void on_command(pb_device *d, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct pb_cmd cmd;
	struct pb_response resp;

	if (!(h->flags & PB_F_ACK_REQ) || h->txn == 0) {
		/* not a transaction the host can match or retry: refused,
		 * not run, not remembered */
		d->bad_header++;
		refuse(d, h, PB_ST_BAD_VALUE);
		return;
	}
	memset(&cmd, 0, sizeof cmd);
	int rc = pb_cmd_decode(h->type, payload, h->len, &cmd);
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

const uint8_t *pb_device_peek(const pb_device *d, size_t *n)
{
	*n = d->out_len - d->out_head;
	return d->out + d->out_head;
}

void pb_device_consume(pb_device *d, size_t k)
{
	size_t have = d->out_len - d->out_head;
	d->out_head += k < have ? k : have;
	if (d->out_head == d->out_len)
		d->out_head = d->out_len = 0;
}

size_t pb_device_pending(const pb_device *d)
{
	return d->out_len - d->out_head;
}

void pb_device_drop_output(pb_device *d)
{
	d->out_head = d->out_len = 0;
}

size_t pb_device_take(pb_device *d, uint8_t *buf, size_t cap)
{
	size_t n;
	const uint8_t *p = pb_device_peek(d, &n);
	if (n > cap)
		n = cap;
	if (n > 0)
		memcpy(buf, p, n);
	pb_device_consume(d, n);
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
	o->heartbeats = d->heartbeats;
	o->commands = d->commands;
	o->dup_commands = d->dup_commands;
	o->ignored = d->ignored;
	o->unknown_type = d->unknown_type;
	o->bad_header = d->bad_header;
	o->bad_payload = d->bad_payload;
	o->cobs_errors = (uint32_t)rx->cobs_errors;
	o->length_errors = (uint32_t)rx->length_errors;
	o->oversize = (uint32_t)rx->oversize;
	o->crc_errors = (uint32_t)rx->crc_errors;
	o->version_errors = (uint32_t)rx->version_errors;
	o->frames_lost = d->frames_lost_rx;
	o->out_dropped = d->out_dropped;
	o->host_lost = d->host_lost_count;
}
