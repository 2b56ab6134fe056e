/*
 * hil/conform-host.c - the conformance suite's end of the line: every
 * frame the device sends through the whole-run observers, frames sent as
 * a host must send them (heartbeats every 250 ms, at most 8 new commands
 * in any 500 ms, txn 1..255 in turn), waiting for answers, telemetry and
 * events, the device info, and starting and stopping the pump.  See
 * conform-impl.h.
 */
#include <stdio.h>
#include <string.h>

#include "hil/conform-impl.h"
#include "hil/conform-wire.h"

/* ---- receiving ------------------------------------------------------------ */

static void check_telemetry(struct cf *c, const struct pb_cw_frame *f)
{
	const uint8_t *p = f->p;
	if (f->len < 28) {
		pb_cf_tally(&c->tel_bad, "TELEMETRY of %u bytes (seq %u)",
		    f->len, f->seq);
		return;
	}
	struct tel t;
	memset(&t, 0, sizeof t);
	t.t_us = f->t_us;
	t.first = pb_cw_u32(p);
	t.device_ms = pb_cw_u32(p + 4);
	t.n = p[8];
	t.ch = p[9];
	t.mode = p[10];
	t.level = p[11];
	t.phase = p[12];
	t.run_state = p[13];
	t.duty = p[14];
	t.valve = p[15];
	t.mask = p[16];
	t.alarms = pb_cw_u16(p + 20);
	t.target = (int16_t)pb_cw_u16(p + 22);
	unsigned ch = t.ch, maxn = ch ? (240u - 26u - 2u * ch) / (2u * ch) : 0;
	if (ch < 1 || ch > 2)
		pb_cf_tally(&c->tel_bad, "TELEMETRY channels %u (seq %u)", ch,
		    f->seq);
	else if (f->len != 26 + 2 * ch + 2 * t.n * ch)
		pb_cf_tally(&c->tel_bad, "TELEMETRY of %u bytes for n %u and "
		    "%u channels (seq %u)", f->len, t.n, ch, f->seq);
	else if (t.n < 1 || t.n > maxn)
		pb_cf_tally(&c->tel_bad, "TELEMETRY n %u (1..%u) (seq %u)", t.n,
		    maxn, f->seq);
	else if (t.mode < 1 || t.mode > 3 || t.phase > 4 || t.run_state > 4)
		pb_cf_tally(&c->tel_bad, "TELEMETRY mode %u phase %u run_state "
		    "%u (seq %u)", t.mode, t.phase, t.run_state, f->seq);
	else if ((t.valve | t.mask) >> ch || p[17] != 0 ||
	    (t.alarms & 0xC000))
		pb_cf_tally(&c->tel_bad, "TELEMETRY valve 0x%02x mask 0x%02x "
		    "reserved %u alarms 0x%04x for %u channels (seq %u)",
		    t.valve, t.mask, p[17], t.alarms, ch, f->seq);
	else if (c->info.have && (ch != c->info.channels ||
	    t.level > c->info.levels))
		pb_cf_tally(&c->tel_bad, "TELEMETRY channels %u level %u, "
		    "device info says %u channels, %u levels (seq %u)", ch,
		    t.level, c->info.channels, c->info.levels, f->seq);
	if (c->have_sample && t.first != c->next_sample) {
		uint32_t d = t.first - c->next_sample;
		pb_cf_tally(&c->samples, "TELEMETRY first_sample %lu where %lu "
		    "was next (%s %lu samples, seq %u)", (unsigned long)t.first,
		    (unsigned long)c->next_sample, d < 0x80000000u ? "lost" :
		    "went back", (unsigned long)(d < 0x80000000u ? d :
		    c->next_sample - t.first), f->seq);
	}
	c->have_sample = true;
	c->next_sample = t.first + t.n;
	if (c->tel_n++ == 0)
		c->first_tel_us = f->t_us;
	c->tel = t;
	if (!c->have_initial) {
		c->initial = t;
		c->have_initial = true;
	}
}

static void check_heartbeat(struct cf *c, const struct pb_cw_frame *f)
{
	if (f->len != 7) {
		pb_cf_tally(&c->hb_bad, "HEARTBEAT of %u bytes (seq %u)",
		    f->len, f->seq);
		return;
	}
	struct hb h = { f->t_us, pb_cw_u32(f->p), f->p[4],
	    pb_cw_u16(f->p + 5) };
	if (h.run_state > 4 || (h.alarms & 0xC000))
		pb_cf_tally(&c->hb_bad, "HEARTBEAT run_state %u alarms 0x%04x "
		    "(seq %u)", h.run_state, h.alarms, f->seq);
	if (f->flags & (F_ACK_REQ | F_RETRY | F_RESPONSE))
		pb_cf_tally(&c->hb_bad, "HEARTBEAT with flags 0x%02x (seq %u)",
		    f->flags, f->seq);
	if (c->hb_n > 0) {
		const struct hb *prev = &c->hbs[(c->hb_i + NHB - 1) % NHB];
		if ((int32_t)(h.time_ms - prev->time_ms) <= 0)
			pb_cf_tally(&c->hb_bad, "HEARTBEAT time_ms %lu after "
			    "%lu (seq %u)", (unsigned long)h.time_ms, (unsigned
			    long)prev->time_ms, f->seq);
	}
	c->hbs[c->hb_i] = h;
	c->hb_i = (c->hb_i + 1) % NHB;
	c->hb_n++;
}

static void check_event(struct cf *c, const struct pb_cw_frame *f)
{
	if (f->len != 11) {
		pb_cf_tally(&c->ev_bad, "EVENT of %u bytes (seq %u)", f->len,
		    f->seq);
		return;
	}
	struct ev e = { f->t_us, pb_cw_u32(f->p), f->p[4], f->p[5], f->p[6],
	    (int32_t)pb_cw_u32(f->p + 7) };
	bool ok;
	switch (e.kind) {
	case EV_ALARM_RAISED: case EV_ALARM_CLEARED:
		ok = e.code < AL_COUNT; break;
	case EV_STATE: ok = e.code <= 4; break;
	case EV_MODE: ok = e.code >= 1 && e.code <= 3; break;
	case EV_AUTO_OFF: case EV_BOOT: ok = e.code == 0; break;
	case EV_FACTORY: ok = e.code <= 3; break;
	default: ok = false;
	}
	if (!ok || (e.ch > 1 && e.ch != 0xFF))
		pb_cf_tally(&c->ev_bad, "EVENT kind %u code %u channel %u (seq "
		    "%u)", e.kind, e.code, e.ch, f->seq);
	if (e.kind == EV_BOOT)
		c->boots++;
	c->evs[c->ev_i] = e;
	c->ev_i = (c->ev_i + 1) % NEV;
	c->ev_total++;
}

static void check_log(struct cf *c, const struct pb_cw_frame *f)
{
	c->log_n++;
	if (f->len < 1 || f->p[0] > 3) {
		pb_cf_tally(&c->log_bad, "LOG of %u bytes, level %u (seq %u)",
		    f->len, f->len ? f->p[0] : 0, f->seq);
		return;
	}
	for (unsigned i = 1; i < f->len; i++)
		if (f->p[i] < 0x20 || f->p[i] > 0x7E) {
			pb_cf_tally(&c->log_bad, "LOG text byte 0x%02x at %u "
			    "(seq %u)", f->p[i], i - 1, f->seq);
			return;
		}
}

/* Body length a RESPONSE must have (5.14). */
static unsigned body_len(uint8_t req_type, uint8_t status)
{
	if (status != ST_OK)
		return 0;
	switch (req_type) {
	case T_HELLO: case T_READ_INFO: return INFO_LEN;
	case T_READ_CAL: return CAL_LEN;
	case T_CHALLENGE: return NONCE_LEN;
	case T_DEVICE_STATS: return STATS_LEN;
	}
	return 0;
}

static void on_response(struct cf *c, const struct pb_cw_frame *f)
{
	if (f->len < 2) {
		pb_cf_tally(&c->resp_bad, "RESPONSE of %u bytes (txn %u)",
		    f->len, f->txn);
		return;
	}
	uint8_t st = f->p[0], rt = f->p[1];
	if (!(f->flags & F_RESPONSE) || (f->flags & (F_ACK_REQ | F_RETRY)))
		pb_cf_tally(&c->resp_bad, "RESPONSE (txn %u) with flags 0x%02x",
		    f->txn, f->flags);
	if (st > ST_LAST)
		pb_cf_tally(&c->resp_bad, "RESPONSE status %u (txn %u)", st,
		    f->txn);
	else if (f->len != 2 + body_len(rt, st))
		pb_cf_tally(&c->resp_bad, "RESPONSE %s to type 0x%02x has %u "
		    "bytes, 5.14 says %u", pb_cf_st_name(st), rt, f->len, 2 +
		    body_len(rt, st));
	for (int i = 0; i < NPEND; i++) {
		struct pending *p = &c->pend[i];
		if (!p->used || p->txn != f->txn || p->type != rt)
			continue;
		if (p->answers++ == 0) {
			p->resp = *f;
			p->resp_us = f->t_us;
			if (f->t_us - p->sent_us > c->max_latency_us)
				c->max_latency_us = f->t_us - p->sent_us;
		} else {
			pb_cf_tally(&c->unasked, "a second RESPONSE to one "
			    "attempt (txn %u, type 0x%02x)", f->txn, rt);
		}
		return;
	}
	pb_cf_tally(&c->unasked, "a RESPONSE nobody asked for (txn %u, type "
	    "0x%02x, %s)", f->txn, rt, pb_cf_st_name(st));
}

static void on_frame(void *ctx, const struct pb_cw_frame *f)
{
	struct cf *c = ctx;
	if (c->have_seq && f->seq != (uint16_t)(c->last_seq + 1)) {
		uint16_t d = (uint16_t)(f->seq - c->last_seq - 1);
		pb_cf_tally(&c->seq, "seq %u after %u (%s)", f->seq,
		    c->last_seq, d < 0x8000 ? "frames missing" : "went back: a "
		    "restart?");
	}
	c->have_seq = true;
	c->last_seq = f->seq;
	if (f->flags & F_RESERVED)
		pb_cf_tally(&c->flags, "reserved flag bits 0x%02x set (type "
		    "0x%02x, seq %u)", f->flags & F_RESERVED, f->type, f->seq);
	if (f->type != T_RESPONSE && (f->flags & F_RESPONSE))
		pb_cf_tally(&c->flags, "flag RESPONSE on type 0x%02x (seq %u)",
		    f->type, f->seq);
	if (f->type != T_RESPONSE && f->txn != 0)
		pb_cf_tally(&c->flags, "txn %u in an unsolicited type 0x%02x "
		    "(seq %u)", f->txn, f->type, f->seq);
	switch (f->type) {
	case T_TELEMETRY: check_telemetry(c, f); break;
	case T_HEARTBEAT: check_heartbeat(c, f); break;
	case T_EVENT: check_event(c, f); break;
	case T_LOG: check_log(c, f); break;
	case T_RESPONSE: on_response(c, f); break;
	default:
		pb_cf_tally(&c->flags, "a frame of type 0x%02x, which a device "
		    "does not send (seq %u)", f->type, f->seq);
	}
}

static void on_bad(void *ctx, int why, const uint8_t *piece, size_t n)
{
	struct cf *c = ctx;
	char hex[3 * 12 + 1] = "";
	for (size_t i = 0; i < n && i < 12; i++)
		snprintf(hex + 3 * i, 4, "%02x ", piece[i]);
	pb_cf_tally(&c->framing, "a %zu-byte piece: %s (starts %s)", n,
	    pb_cw_bad_name(why), hex);
}

/* ---- sending ------------------------------------------------------------ */

uint64_t pb_cf_now(struct cf *c)
{
	return c->io->now(c->io->ctx);
}

bool pb_cf_write_all(struct cf *c, const uint8_t *b, size_t n)
{
	uint64_t give_up = pb_cf_now(c) + 2000000u;
	while (n > 0 && !c->failed) {
		ssize_t w = pb_link_write(c->io->link, b, n);
		if (w < 0) {
			c->failed = true;
			snprintf(c->why, sizeof c->why, "writing to the "
			    "device: %s", pb_link_strerror((int)w));
			return false;
		}
		b += w;
		n -= (size_t)w;
		if (n > 0) {
			if (pb_cf_now(c) > give_up) {
				c->failed = true;
				snprintf(c->why, sizeof c->why, "the device "
				    "takes no bytes (2 s)");
				return false;
			}
			if (c->io->wait(c->io->ctx, pb_cf_now(c) + 1000) < 0) {
				c->failed = true;
				snprintf(c->why, sizeof c->why, "interrupted");
			}
		}
	}
	return !c->failed;
}

/* Send one frame (any fields); returns false when the link failed.
 * valid: it feeds the device's watchdog by 7.3 (for the timing rules). */
bool pb_cf_send_raw(struct cf *c, uint8_t version, uint8_t flags,
    uint8_t type, uint8_t txn, uint8_t len_field, const uint8_t *payload,
    size_t n, uint32_t crc_xor, bool valid)
{
	uint8_t w[PB_CW_WIRE_MAX + 8];
	size_t k = pb_cw_encode(version, flags, c->seq_tx++, type, txn,
	    len_field, payload, n, crc_xor, w, sizeof w);
	if (k == 0)
		return false;
	if (!pb_cf_write_all(c, w, k))
		return false;
	if (valid)
		c->last_tx_us = pb_cf_now(c);
	return true;
}

bool pb_cf_send_heartbeat(struct cf *c)
{
	uint8_t p[7] = { 0 };
	pb_cw_put32(p, (uint32_t)(pb_cf_now(c) / 1000u));
	c->hb_sent++;
	return pb_cf_send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, p, 7, 0, true);
}

/* Read what is there, send heartbeats when due, let time pass to until. */
void pb_cf_pump(struct cf *c, uint64_t until)
{
	uint8_t buf[1024];
	for (;;) {
		if (c->failed)
			return;
		for (;;) {
			ssize_t n = pb_link_read(c->io->link, buf, sizeof buf);
			if (n < 0) {
				c->failed = true;
				snprintf(c->why, sizeof c->why, "reading from "
				    "the device: %s", pb_link_strerror((int)n));
				return;
			}
			if (n == 0)
				break;
			pb_cw_reader_feed(&c->rd, buf, (size_t)n, pb_cf_now(c),
			    on_frame, on_bad, c);
		}
		uint64_t t = pb_cf_now(c);
		if (c->auto_hb && t >= c->next_hb_us) {
			pb_cf_send_heartbeat(c);
			c->next_hb_us = t + HB_US;
		}
		if (t >= until)
			return;
		uint64_t to = until;
		if (c->auto_hb && c->next_hb_us < to)
			to = c->next_hb_us;
		if (to > t + 5000)
			to = t + 5000;   /* look at the line every 5 ms */
		if (c->io->wait(c->io->ctx, to) < 0) {
			c->failed = true;
			snprintf(c->why, sizeof c->why, "interrupted");
			return;
		}
	}
}

void pb_cf_pump_for(struct cf *c, uint64_t us)
{
	pb_cf_pump(c, pb_cf_now(c) + us);
}

uint8_t pb_cf_next_txn(struct cf *c)
{
	uint8_t t = c->txn_next;
	c->txn_next = (uint8_t)(c->txn_next == 255 ? 1 : c->txn_next + 1);
	return t;
}

struct pending *pb_cf_new_pending(struct cf *c, uint8_t txn, uint8_t type)
{
	/* the oldest slot goes; a txn/type pair is kept once */
	struct pending *best = NULL;
	for (int i = 0; i < NPEND; i++) {
		struct pending *p = &c->pend[i];
		if (p->used && p->txn == txn && p->type == type) {
			best = p;
			break;
		}
		if (!best || !p->used || (best->used && p->sent_us <
		    best->sent_us))
			best = p;
	}
	memset(best, 0, sizeof *best);
	best->used = true;
	best->txn = txn;
	best->type = type;
	best->sent_us = pb_cf_now(c);
	return best;
}

/* Keep within 8 new commands in any 500 ms (7.2). */
void pb_cf_rate_gate(struct cf *c)
{
	uint64_t oldest = c->starts[c->start_i];
	if (oldest != 0 && pb_cf_now(c) < oldest + RATE_US + 1000)
		pb_cf_pump(c, oldest + RATE_US + 1000);
	c->starts[c->start_i] = pb_cf_now(c);
	c->start_i = (c->start_i + 1) % RATE_MAX;
}

/* Send a command frame with the given flags and txn and wait for its
 * answer (ANSWER_WAIT).  valid says whether it is a command the device
 * takes (for watchdog bookkeeping). */
int pb_cf_command_ex(struct cf *c, uint8_t type, const uint8_t *payload,
    size_t n, uint8_t flags, uint8_t txn, struct answer *a)
{
	struct answer dummy;
	if (!a)
		a = &dummy;
	memset(a, 0, sizeof *a);
	a->status = -1;
	if (!(flags & F_RETRY))
		pb_cf_rate_gate(c);
	struct pending *p = pb_cf_new_pending(c, txn, type);
	c->hb_at_cmd = c->hb_sent;
	if (!pb_cf_send_raw(c, 1, flags, type, txn, (uint8_t)n, payload, n, 0,
	    true))
		return -1;
	uint64_t until = pb_cf_now(c) + ANSWER_WAIT(c);
	while (p->answers == 0 && !c->failed && pb_cf_now(c) < until)
		pb_cf_pump(c, pb_cf_now(c) + 2000);
	if (p->answers == 0)
		return -1;
	a->status = p->resp.p[0];
	a->body_len = p->resp.len - 2u;
	memcpy(a->body, p->resp.p + 2, a->body_len);
	a->latency_us = p->resp_us - p->sent_us;
	return a->status;
}

int pb_cf_command(struct cf *c, uint8_t type, const uint8_t *payload,
    size_t n, struct answer *a)
{
	return pb_cf_command_ex(c, type, payload, n, F_ACK_REQ,
	    pb_cf_next_txn(c), a);
}

/* Send a frame that must get no answer; true when none came in
 * QUIET_US. */
bool pb_cf_silent(struct cf *c, uint8_t version, uint8_t flags, uint8_t type,
    uint8_t txn, uint8_t len_field, const uint8_t *payload, size_t n,
    uint32_t crc_xor, int *status)
{
	struct pending *p = pb_cf_new_pending(c, txn, type);
	pb_cf_send_raw(c, version, flags, type, txn, len_field, payload, n,
	    crc_xor, false);
	pb_cf_pump_for(c, QUIET_US);
	*status = p->answers ? p->resp.p[0] : -1;
	p->used = false;          /* an answer later is "nobody asked" */
	return p->answers == 0;
}

/* Wait for a telemetry batch that arrived after `after` and satisfies
 * pred; true when one did before the timeout. */
bool pb_cf_wait_tel(struct cf *c, uint64_t after, uint64_t timeout,
    bool (*pred)(const struct tel *t, const void *arg), const void *arg)
{
	uint64_t until = pb_cf_now(c) + timeout;
	for (;;) {
		if (c->tel_n > 0 && c->tel.t_us > after && pred(&c->tel, arg))
			return true;
		if (c->failed || pb_cf_now(c) >= until)
			return false;
		pb_cf_pump(c, pb_cf_now(c) + 2000);
	}
}

static bool p_state(const struct tel *t, const void *arg)
{
	return t->run_state == *(const uint8_t *)arg;
}

bool pb_cf_wait_state(struct cf *c, uint8_t st, uint64_t timeout)
{
	return pb_cf_wait_tel(c, pb_cf_now(c), timeout, p_state, &st);
}

bool pb_cf_p_any(const struct tel *t, const void *arg)
{
	(void)arg;
	(void)t;
	return true;
}

/* The telemetry after the last answer: two fresh batches. */
const struct tel *pb_cf_fresh_tel(struct cf *c)
{
	uint64_t t0 = pb_cf_now(c);
	if (!pb_cf_wait_tel(c, t0, 1000000u, pb_cf_p_any, NULL))
		return NULL;
	uint64_t t1 = c->tel.t_us;
	if (!pb_cf_wait_tel(c, t1, 1000000u, pb_cf_p_any, NULL))
		return NULL;
	return &c->tel;
}

/* Find an event after `after`: kind and code (code < 0: any). */
const struct ev *pb_cf_find_event(struct cf *c, uint64_t after, int kind,
    int code)
{
	unsigned n = c->ev_total < NEV ? (unsigned)c->ev_total : NEV;
	for (unsigned k = 0; k < n; k++) {
		const struct ev *e = &c->evs[(c->ev_i + NEV - n + k) % NEV];
		if (e->t_us > after && e->kind == kind &&
		    (code < 0 || e->code == code))
			return e;
	}
	return NULL;
}

const struct ev *pb_cf_wait_event(struct cf *c, uint64_t after, int kind,
    int code, uint64_t timeout)
{
	uint64_t until = pb_cf_now(c) + timeout;
	for (;;) {
		const struct ev *e = pb_cf_find_event(c, after, kind, code);
		if (e || c->failed || pb_cf_now(c) >= until)
			return e;
		pb_cf_pump(c, pb_cf_now(c) + 2000);
	}
}

/* ---- device info ---------------------------------------------------------- */

bool pb_cf_parse_info(const uint8_t *b, unsigned n, struct info *in,
    char *why, size_t whylen)
{
	memset(in, 0, sizeof *in);
	if (n != INFO_LEN) {
		snprintf(why, whylen, "device info of %u bytes, not %d", n,
		    INFO_LEN);
		return false;
	}
	in->proto = b[0];
	if (!pb_cw_str16(b + 1, in->fw) || !pb_cw_str16(b + 17, in->serial) ||
	    !pb_cw_str16(b + 33, in->profile)) {
		snprintf(why, whylen, "a string field of the device info is "
		    "not a str16 (4)");
		return false;
	}
	in->channels = b[49];
	in->levels = b[50];
	in->modes = b[51];
	in->factory = b[52];
	in->rate = pb_cw_u16(b + 53);
	in->max_target = (int16_t)pb_cw_u16(b + 55);
	in->trip = (int16_t)pb_cw_u16(b + 57);
	in->cal_id = pb_cw_u32(b + 59);
	if (in->proto < 1)
		snprintf(why, whylen, "proto_version %u", in->proto);
	else if (in->channels < 1 || in->channels > 2)
		snprintf(why, whylen, "channels %u (1..2)", in->channels);
	else if (in->levels < 1)
		snprintf(why, whylen, "levels 0");
	else if (in->modes == 0 || (in->modes & ~0x0Eu))
		snprintf(why, whylen, "modes 0x%02x (bits 1..3, non-zero)",
		    in->modes);
	else if (in->factory > 1)
		snprintf(why, whylen, "factory %u (0 or 1)", in->factory);
	else if (in->rate < 1)
		snprintf(why, whylen, "sample_rate_hz 0");
	else if (in->max_target <= 0)
		snprintf(why, whylen, "max_target %d (> 0)", in->max_target);
	else if (in->trip < in->max_target)
		snprintf(why, whylen, "trip %d below max_target %d", in->trip,
		    in->max_target);
	else {
		in->have = true;
		return true;
	}
	return false;
}

bool pb_cf_read_info(struct cf *c, struct info *in, struct rr *r)
{
	struct answer a;
	char why[160];
	if (pb_cf_command(c, T_READ_INFO, NULL, 0, &a) != ST_OK) {
		if (r)
			pb_cf_fail(r, "READ_INFO answered %s",
			    pb_cf_st_name(a.status));
		return false;
	}
	if (!pb_cf_parse_info(a.body, a.body_len, in, why, sizeof why)) {
		if (r)
			pb_cf_fail(r, "READ_INFO: %s", why);
		return false;
	}
	return true;
}

void pb_cf_hello_payload(uint8_t p[18], uint8_t lo, uint8_t hi)
{
	memset(p, 0, 18);
	p[0] = lo;
	p[1] = hi;
	memcpy(p + 2, "pumphil-conform", 15);
}

/* DEVICE_STATS into v; the status (-1: no answer). */
int pb_cf_read_stats(struct cf *c, uint32_t v[S_COUNT])
{
	struct answer a;
	int st = pb_cf_command(c, T_DEVICE_STATS, NULL, 0, &a);
	if (st == ST_OK && a.body_len == STATS_LEN)
		for (int i = 0; i < S_COUNT; i++)
			v[i] = pb_cw_u32(a.body + 4 * i);
	return st;
}

/* After HELLO: the snapshot the device-stats rule compares with. */
void pb_cf_stats_snapshot(struct cf *c)
{
	if (pb_cf_read_stats(c, c->stats0) == ST_OK) {
		c->have_stats0 = true;
		c->hb_sent0 = c->hb_at_cmd;
	}
}

/* ---- the pump ------------------------------------------------------------ */

/* The safe state as TELEMETRY shows it: IDLE, motor off, every valve
 * open (5.6, 7.3). */
static bool p_safe(const struct tel *t, const void *arg)
{
	unsigned all = (1u << t->ch) - 1u;
	(void)arg;
	return t->run_state == RS_IDLE && t->duty == 0 &&
	    (t->valve & all) == all;
}

/* After the moment `after` (an answer or an event arrived), the safe
 * state shows in the telemetry within 200 ms. */
bool pb_cf_safe_soon(struct cf *c, uint64_t after)
{
	return pb_cf_wait_tel(c, after, 200000u, p_safe, NULL);
}

/* Start pumping: START, or CAL_HOLD when the device refuses START for a
 * missing calibration.  Returns the state reached, or -1. */
int pb_cf_start_pumping(struct cf *c, struct rr *r)
{
	int st = pb_cf_command(c, T_START, NULL, 0, NULL);
	if (st == ST_OK && pb_cf_wait_state(c, RS_RUNNING, 1000000u))
		return RS_RUNNING;
	if (st == ST_FAULT) {
		uint8_t h[3] = { 1, 0, 0 };
		pb_cw_put16(h + 1, (uint16_t)(c->info.max_target / 4));
		st = pb_cf_command(c, T_CAL_HOLD, h, 3, NULL);
		if (st == ST_OK && pb_cf_wait_state(c, RS_CAL_HOLD, 1000000u))
			return RS_CAL_HOLD;
	}
	if (r)
		pb_cf_fail(r, "could not start pumping: START / CAL_HOLD "
		    "answered %s", pb_cf_st_name(st));
	return -1;
}

void pb_cf_stop_pump(struct cf *c)
{
	pb_cf_command(c, T_STOP, NULL, 0, NULL);
	pb_cf_wait_state(c, RS_IDLE, 1000000u);
}
