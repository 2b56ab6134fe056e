/*
 * hil/conform-robust.c - the robustness rules (3.5: bad CRC, garbage,
 * oversize, truncated, lying length, version 2, a burst of commands) and
 * the device's own counters of all of it (DEVICE_STATS, 5.15).  See
 * conform-impl.h.
 */
#include <stdio.h>
#include <string.h>

#include "hil/conform-impl.h"
#include "hil/conform-wire.h"

/* DEVICE_STATS counters by name, in the order of 5.15. */
static const char *const stat_name[S_COUNT] = { "frames_ok", "heartbeats",
	"commands", "dup_commands", "ignored", "unknown_type", "bad_header",
	"bad_payload", "cobs_errors", "length_errors", "oversize",
	"crc_errors", "version_errors", "frames_lost", "out_dropped",
	"host_lost" };

/* ---- rules: robustness ------------------------------------------------------- */

/* After a malformed input: no answer to it, and the device still works. */
static void still_works(struct rr *r, const char *after)
{
	struct cf *c = r->c;
	uint64_t boots = c->boots;
	int st = pb_cf_command(c, T_READ_INFO, NULL, 0, NULL);
	if (st != ST_OK)
		pb_cf_fail(r, "after %s, READ_INFO answered %s", after,
		    pb_cf_st_name(st));
	if (c->boots != boots)
		pb_cf_fail(r, "the device restarted after %s", after);
}

void pb_cf_rule_robust_crc(struct rr *r)
{
	int st;
	r->c->sent_min[S_CRC]++;
	if (!pb_cf_silent(r->c, 1, F_ACK_REQ, T_READ_INFO,
	    pb_cf_next_txn(r->c), 0, NULL, 0, 0x00010000u, &st))
		pb_cf_fail(r, "READ_INFO with a wrong CRC was answered %s",
		    pb_cf_st_name(st));
	still_works(r, "a CRC error");
}

void pb_cf_rule_robust_garbage(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t g[4096];
	uint32_t x = 0x2545F491u;
	for (size_t i = 0; i < sizeof g; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		g[i] = (uint8_t)x;
	}
	/* In 512-byte pieces, each ended by a delimiter and followed by a
	 * valid heartbeat: the garbage is as hostile, but on a slow link (a
	 * low baud rate, an emulator's UART) the heartbeats still arrive
	 * within 7.3's second, so the device has no reason to call the host
	 * lost (device-stats checks that it did not). */
	uint8_t z = 0;
	for (size_t off = 0; off < sizeof g; off += 512) {
		if (!pb_cf_write_all(c, g + off, 512) || !pb_cf_write_all(c, &z,
		    1) || !pb_cf_send_heartbeat(c))
			break;
	}
	pb_cf_pump_for(c, QUIET_US);
	still_works(r, "4096 bytes of garbage");
	uint8_t zeros[8] = { 0 };
	pb_cf_write_all(c, zeros, sizeof zeros);
	still_works(r, "a run of 0x00 bytes (empty pieces)");
}

void pb_cf_rule_robust_oversize(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t b[700];
	memset(b, 0x41, sizeof b);
	b[sizeof b - 1] = 0;
	pb_cf_write_all(c, b, sizeof b);
	c->sent_min[S_OVERSIZE] += 2;        /* this and the next */
	pb_cf_pump_for(c, QUIET_US);
	still_works(r, "699 bytes before a 0x00");
	/* a frame whose len byte is 241 (4) */
	uint8_t p[241];
	memset(p, 0x11, sizeof p);
	int st;
	if (!pb_cf_silent(c, 1, F_ACK_REQ, T_READ_INFO, pb_cf_next_txn(c), 241,
	    p, 241, 0, &st))
		pb_cf_fail(r, "a frame with len 241 was answered %s",
		    pb_cf_st_name(st));
	still_works(r, "a frame with len 241");
}

void pb_cf_rule_robust_truncated(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t w[64], hp[18];
	pb_cf_hello_payload(hp, 1, 1);
	uint8_t txn = pb_cf_next_txn(c);
	size_t k = pb_cw_encode(1, F_ACK_REQ, c->seq_tx++, T_HELLO, txn, 18,
	    hp, 18, 0, w, sizeof w);
	struct pending *p = pb_cf_new_pending(c, txn, T_HELLO);
	pb_cf_write_all(c, w, k / 2);
	uint8_t z = 0;
	pb_cf_write_all(c, &z, 1);
	pb_cf_pump_for(c, QUIET_US);
	if (p->answers)
		pb_cf_fail(r, "half a HELLO frame was answered %s",
		    pb_cf_st_name(p->resp.p[0]));
	p->used = false;
	still_works(r, "a truncated frame");
}

void pb_cf_rule_robust_length(struct rr *r)
{
	struct cf *c = r->c;
	int st;
	uint8_t lvl = 1;
	/* len byte 5 for a 1-byte payload, CRC right over what is there */
	c->sent_min[S_LENGTH] += 2;
	if (!pb_cf_silent(c, 1, F_ACK_REQ, T_SET_LEVEL, pb_cf_next_txn(c), 5,
	    &lvl, 1, 0, &st))
		pb_cf_fail(r, "a frame whose len byte says 5 for 1 payload "
		    "byte was answered %s", pb_cf_st_name(st));
	uint8_t three[3] = { 1, 2, 3 };
	if (!pb_cf_silent(c, 1, F_ACK_REQ, T_SET_LEVEL, pb_cf_next_txn(c), 0,
	    three, 3, 0, &st))
		pb_cf_fail(r, "a frame whose len byte says 0 for 3 payload "
		    "bytes was answered %s", pb_cf_st_name(st));
	still_works(r, "frames with a wrong length byte");
}

void pb_cf_rule_robust_version(struct rr *r)
{
	int st;
	r->c->sent_min[S_VERSION]++;
	if (!pb_cf_silent(r->c, 2, F_ACK_REQ, T_READ_INFO,
	    pb_cf_next_txn(r->c), 0, NULL, 0, 0, &st))
		pb_cf_fail(r, "a version-2 READ_INFO was answered %s",
		    pb_cf_st_name(st));
	still_works(r, "a version-2 frame");
}

void pb_cf_rule_robust_burst(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t w[8 * 16];
	size_t k = 0;
	struct pending *p[8];
	/* a fresh rate window: 8 new commands in one write */
	pb_cf_pump_for(c, RATE_US + 10000u);
	memset(c->starts, 0, sizeof c->starts);
	for (int i = 0; i < 8; i++) {
		uint8_t txn = pb_cf_next_txn(c);
		p[i] = pb_cf_new_pending(c, txn, T_READ_INFO);
		k += pb_cw_encode(1, F_ACK_REQ, c->seq_tx++, T_READ_INFO, txn,
		    0, NULL, 0, 0, w + k, sizeof w - k);
		c->starts[i] = pb_cf_now(c);
	}
	pb_cf_write_all(c, w, k);
	c->last_tx_us = pb_cf_now(c);
	uint64_t until = pb_cf_now(c) + ANSWER_WAIT(c);
	int got = 0;
	while (!c->failed && pb_cf_now(c) < until) {
		got = 0;
		for (int i = 0; i < 8; i++)
			got += p[i]->answers > 0;
		if (got == 8)
			break;
		pb_cf_pump(c, pb_cf_now(c) + 5000);
	}
	if (got != 8)
		pb_cf_fail(r, "8 READ_INFO in one write: %d answered", got);
}

void pb_cf_rule_device_stats(struct rr *r)
{
	struct cf *c = r->c;
	uint32_t v[S_COUNT];
	int st = pb_cf_read_stats(c, v);
	uint64_t hb = c->hb_at_cmd;   /* heartbeats on the wire before it */
	if (st == ST_UNKNOWN_CMD) {
		pb_cf_skip(r, "the device predates DEVICE_STATS (added within "
		    "version 1, section 10)");
		return;
	}
	if (st != ST_OK) {
		pb_cf_fail(r, "DEVICE_STATS answered %s", pb_cf_st_name(st));
		return;
	}
	uint32_t sum = 0;
	for (int i = S_HEARTBEATS; i <= S_BAD_PAYLOAD; i++)
		sum += v[i];
	if (sum != v[S_FRAMES_OK])
		pb_cf_fail(r, "frames_ok %lu, but the counters of 7.6 add up "
		    "to %lu", (unsigned long)v[S_FRAMES_OK], (unsigned
		    long)sum);
	if (!c->have_stats0) {
		pb_cf_note(r, "no first snapshot: only the sum was checked");
		return;
	}
	uint32_t d[S_COUNT];
	for (int i = 0; i < S_COUNT; i++) {
		d[i] = v[i] - c->stats0[i];
		pb_cf_note(r, "%-14s %10lu (+%lu)", stat_name[i],
		    (unsigned long)v[i], (unsigned long)d[i]);
	}
	/* a lossless line: every valid heartbeat the suite sent counted */
	if (d[S_HEARTBEATS] != (uint32_t)(hb - c->hb_sent0))
		pb_cf_fail(r, "the suite sent %lu valid heartbeats since the "
		    "first snapshot, the device counted %lu", (unsigned long)(hb
		    - c->hb_sent0), (unsigned long)d[S_HEARTBEATS]);
	for (int i = 0; i < S_COUNT; i++)
		if (d[i] < c->sent_min[i])
			pb_cf_fail(r, "%s went up by %lu; the suite sent at "
			    "least %lu such frames since the first snapshot",
			    stat_name[i], (unsigned long)d[i], (unsigned
			    long)c->sent_min[i]);
	if (d[S_OUT_DROPPED] != 0)
		pb_cf_fail(r, "out_dropped went up by %lu though the suite "
		    "read everything (7.7)", (unsigned long)d[S_OUT_DROPPED]);
	if (d[S_HOST_LOST] != 0)
		pb_cf_fail(r, "host_lost went up by %lu though the host never "
		    "went silent", (unsigned long)d[S_HOST_LOST]);
}
