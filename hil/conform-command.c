/*
 * hil/conform-command.c - the rules of commands: lengths, values, unknown
 * types, header rules, retries, the run-state machine, CAL_HOLD's limit,
 * READ_CAL and the writes refused outside factory mode.  See
 * conform-impl.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hil/conform-impl.h"
#include "hil/conform-wire.h"

/* Command payload lengths (5). */
static int cmd_len(uint8_t t)
{
	switch (t) {
	case T_HELLO: return 18;
	case T_START: case T_STOP: case T_CLEAR_FAULT: case T_READ_INFO:
	case T_CHALLENGE: return 0;
	case T_SET_MODE: case T_SET_LEVEL: case T_SET_CHANNELS:
	case T_READ_CAL: return 1;
	case T_SET_RATE: return 2;
	case T_WRITE_CAL: return CAL_LEN;
	case T_UNLOCK: return MAC_LEN;
	case T_WRITE_SERIAL: return 16;
	case T_CAL_HOLD: return 3;
	case T_INJECT: return 6;
	case T_WRITE_CAL_ALL: return CAL_ALL_LEN;
	case T_DEVICE_STATS: return 0;
	}
	return -1;
}

/* ---- rules: commands ------------------------------------------------------ */

static const uint8_t command_types[] = { T_HELLO, T_START, T_STOP,
	T_SET_MODE, T_SET_LEVEL, T_SET_CHANNELS, T_SET_RATE, T_CLEAR_FAULT,
	T_READ_CAL, T_WRITE_CAL, T_READ_INFO, T_CHALLENGE, T_UNLOCK,
	T_WRITE_SERIAL, T_CAL_HOLD, T_INJECT, T_WRITE_CAL_ALL, T_DEVICE_STATS };

void pb_cf_rule_bad_length(struct rr *r)
{
	struct cf *c = r->c;
	/* one byte more than the longest command (WRITE_CAL_ALL); a 64-byte
	 * buffer was read past by the 79-byte try (ASan) */
	uint8_t p[CAL_ALL_LEN + 2];
	memset(p, 0, sizeof p);
	for (size_t i = 0; i < sizeof command_types; i++) {
		uint8_t t = command_types[i];
		int len = cmd_len(t);
		int tries[2] = { len + 1, len > 0 ? len - 1 : len + 2 };
		for (int k = 0; k < 2; k++) {
			int st = pb_cf_command(c, t, p, (size_t)tries[k], NULL);
			bool ok = st == ST_BAD_LENGTH ||
			    (st == ST_UNKNOWN_CMD && (t == T_INJECT ||
			    t == T_WRITE_CAL_ALL || t == T_DEVICE_STATS));
			if (st == ST_BAD_LENGTH)
				c->sent_min[S_BAD_PAYLOAD]++;
			if (!ok)
				pb_cf_fail(r, "type 0x%02x with %d bytes (not "
				    "%d) answered %s, not BAD_LENGTH", t,
				    tries[k], len, pb_cf_st_name(st));
		}
	}
}

struct probe {
	uint8_t type;
	uint8_t p[40];
	uint8_t n;
	const char *what;
};

void pb_cf_rule_bad_value(struct rr *r)
{
	struct cf *c = r->c;
	const struct info *in = &c->info;
	const struct tel *before = pb_cf_fresh_tel(c);
	uint8_t mode0 = before ? before->mode : 0, level0 =
	    before ? before->level : 0, mask0 = before ? before->mask : 0;
	struct probe pr[32];
	int np = 0;
#define PR(t, w, ...) do { struct probe *x = &pr[np++]; memset(x, 0, sizeof *x); \
	x->type = (t); x->what = (w); const uint8_t b_[] = { __VA_ARGS__ }; \
	memcpy(x->p, b_, sizeof b_); x->n = (uint8_t)cmd_len(t); } while (0)
	PR(T_HELLO, "HELLO proto_min 0", 0, 1, 'x');
	PR(T_HELLO, "HELLO proto_max below proto_min", 2, 1, 'x');
	PR(T_HELLO, "HELLO host string without a terminator", 1, 1,
	    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',
	    'n', 'o', 'p');
	PR(T_HELLO, "HELLO host string with a control character", 1, 1,
	    'a', 0x07, 'b');
	PR(T_HELLO, "HELLO host string with bytes after its 0x00", 1, 1,
	    'a', 0, 'b');
	PR(T_SET_MODE, "SET_MODE 0", 0);
	PR(T_SET_MODE, "SET_MODE 4", 4);
	PR(T_SET_LEVEL, "SET_LEVEL 0", 0);
	PR(T_SET_LEVEL, "SET_LEVEL levels + 1", (uint8_t)(in->levels + 1));
	PR(T_SET_CHANNELS, "SET_CHANNELS 0", 0);
	PR(T_SET_CHANNELS, "SET_CHANNELS bit 2", 4);
	PR(T_SET_RATE, "SET_RATE 0", 0, 0);
	PR(T_READ_CAL, "READ_CAL channel 2", 2);
	PR(T_READ_CAL, "READ_CAL channel 255", 255);
	PR(T_CAL_HOLD, "CAL_HOLD mask 0", 0, 100, 0);
	PR(T_CAL_HOLD, "CAL_HOLD mask bit 2", 4, 100, 0);
	PR(T_CAL_HOLD, "CAL_HOLD target -1", 1, 0xFF, 0xFF);
	PR(T_WRITE_SERIAL, "WRITE_SERIAL with a control character", 'A',
	    0x1B, 'B');
	for (unsigned m = 1; m <= 3; m++)
		if (!(in->modes & (1u << m)))
			PR(T_SET_MODE, "SET_MODE of a mode the device lacks",
			    (uint8_t)m);
	if (in->channels == 1)
		PR(T_READ_CAL, "READ_CAL channel 1 on a 1-channel device", 1);
	/* WRITE_CAL records the decoder must refuse (5.11), factory mode
	 * locked: nothing can be stored either way */
	static const uint8_t nan_le[4] = { 0x00, 0x00, 0xC0, 0x7F };
	static const uint8_t inf_le[4] = { 0x00, 0x00, 0x80, 0x7F };
	static const uint8_t one_le[4] = { 0x00, 0x00, 0x80, 0x3F };
	for (int k = 0; k < 5; k++) {
		struct probe *x = &pr[np++];
		memset(x, 0, sizeof *x);
		x->type = T_WRITE_CAL;
		x->n = CAL_LEN;
		x->p[0] = 0;
		x->p[1] = 1;
		memcpy(x->p + 6, one_le, 4);
		memcpy(x->p + 22, "conform", 7);
		switch (k) {
		case 0: x->p[0] = 2; x->what = "WRITE_CAL channel 2"; break;
		case 1: x->p[1] = 3; x->what = "WRITE_CAL order 3"; break;
		case 2: memcpy(x->p + 2, nan_le, 4);
			x->what = "WRITE_CAL c0 NaN"; break;
		case 3: memcpy(x->p + 6, inf_le, 4);
			x->what = "WRITE_CAL c1 infinite"; break;
		case 4: memcpy(x->p + 10, one_le, 4);
			x->what = "WRITE_CAL order 1 with c2 != 0"; break;
		}
	}
#undef PR
	for (int i = 0; i < np; i++) {
		int st = pb_cf_command(c, pr[i].type, pr[i].p, pr[i].n, NULL);
		if (st != ST_BAD_VALUE)
			pb_cf_fail(r, "%s answered %s, not BAD_VALUE",
			    pr[i].what, pb_cf_st_name(st));
	}
	/* WRITE_CAL_ALL layout rules (5.11), factory mode locked */
	for (int k = 0; k < 4; k++) {
		uint8_t w[CAL_ALL_LEN];
		const char *what = "";
		memset(w, 0, sizeof w);
		w[2 + 1] = 1;                       /* slot 0: order 1 ... */
		memcpy(w + 2 + 6, one_le, 4);       /* ... c1 = 1 */
		switch (k) {
		case 0: w[0] = 4; what = "WRITE_CAL_ALL mask bit 2"; break;
		case 1: w[0] = 1; w[1] = 1;
			what = "WRITE_CAL_ALL reserved byte 1"; break;
		case 2: w[0] = 1; w[2] = 1;
			what = "WRITE_CAL_ALL slot 0 holding channel 1"; break;
		case 3: w[0] = 0;
			what = "WRITE_CAL_ALL bit 0 clear, slot 0 not zero";
			    break;
		}
		int st = pb_cf_command(c, T_WRITE_CAL_ALL, w, sizeof w, NULL);
		if (st == ST_UNKNOWN_CMD) {
			pb_cf_note(r, "WRITE_CAL_ALL: UNKNOWN_CMD (the device "
			    "predates it, section 10)");
			break;
		}
		if (st != ST_BAD_VALUE)
			pb_cf_fail(r, "%s answered %s, not BAD_VALUE", what,
			    pb_cf_st_name(st));
	}
	/* INJECT: emulator only; real firmware answers UNKNOWN_CMD */
	uint8_t inj[6] = { 13, 0xFF, 0, 0, 0, 0 };
	int st = pb_cf_command(c, T_INJECT, inj, 6, NULL);
	if (st != ST_BAD_VALUE && st != ST_UNKNOWN_CMD)
		pb_cf_fail(r, "INJECT fault 13 answered %s, not BAD_VALUE or "
		    "UNKNOWN_CMD", pb_cf_st_name(st));
	const struct tel *after = pb_cf_fresh_tel(c);
	if (before && after && (after->mode != mode0 ||
	    after->level != level0 || after->mask != mask0))
		pb_cf_fail(r, "refused commands changed the device: mode %u -> "
		    "%u, level %u -> %u, channels 0x%x -> 0x%x", mode0,
		    after->mode, level0, after->level, mask0, after->mask);
}

void pb_cf_rule_unknown_type(struct rr *r)
{
	struct cf *c = r->c;
	static const uint8_t types[] = { 0x06, 0x0F, 0x7F, 0xC3, 0xFF };
	for (size_t i = 0; i < sizeof types; i++) {
		struct answer a;
		int st = pb_cf_command(c, types[i], (const uint8_t *)"xyz", 3,
		    &a);
		c->sent_min[S_UNKNOWN]++;
		if (st != ST_UNKNOWN_CMD)
			pb_cf_fail(r, "type 0x%02x with ACK_REQ answered %s, "
			    "not UNKNOWN_CMD", types[i], pb_cf_st_name(st));
	}
	int st;
	c->sent_min[S_UNKNOWN]++;
	if (!pb_cf_silent(c, 1, 0, 0x7F, pb_cf_next_txn(c), 0, NULL, 0, 0, &st))
		pb_cf_fail(r, "type 0x7F without ACK_REQ answered %s; 5 says "
		    "count and skip", pb_cf_st_name(st));
}

void pb_cf_rule_header_rules(struct rr *r)
{
	struct cf *c = r->c;
	struct answer a;
	int st;
	/* 3.2: reserved bits ignored on receipt */
	st = pb_cf_command_ex(c, T_READ_INFO, NULL, 0, F_ACK_REQ | F_RESERVED,
	    pb_cf_next_txn(c), &a);
	if (st != ST_OK)
		pb_cf_fail(r, "READ_INFO with reserved flag bits set answered "
		    "%s; 3.2 says they are ignored", pb_cf_st_name(st));
	/* 7.6 row 5: no ACK_REQ, or txn 0: BAD_VALUE, not run */
	const struct tel *t0 = pb_cf_fresh_tel(c);
	uint8_t lvl = t0 && t0->level == 1 && c->info.levels > 1 ? 2 : 1;
	uint8_t keep = t0 ? t0->level : 0;
	uint8_t txn = pb_cf_next_txn(c);
	pb_cf_rate_gate(c);
	struct pending *p = pb_cf_new_pending(c, txn, T_SET_LEVEL);
	pb_cf_send_raw(c, 1, 0, T_SET_LEVEL, txn, 1, &lvl, 1, 0, false);
	c->sent_min[S_BAD_HEADER]++;
	pb_cf_pump_for(c, QUIET_US);
	if (p->answers == 0 || p->resp.p[0] != ST_BAD_VALUE)
		pb_cf_fail(r, "SET_LEVEL without ACK_REQ answered %s, not "
		    "BAD_VALUE (7.6 row 5)", p->answers ?
		    pb_cf_st_name(p->resp.p[0]) : "nothing");
	pb_cf_rate_gate(c);
	p = pb_cf_new_pending(c, 0, T_SET_LEVEL);
	pb_cf_send_raw(c, 1, F_ACK_REQ, T_SET_LEVEL, 0, 1, &lvl, 1, 0, false);
	c->sent_min[S_BAD_HEADER]++;
	pb_cf_pump_for(c, QUIET_US);
	if (p->answers == 0 || p->resp.p[0] != ST_BAD_VALUE)
		pb_cf_fail(r, "SET_LEVEL with txn 0 answered %s, not BAD_VALUE "
		    "(7.6 row 5)", p->answers ? pb_cf_st_name(p->resp.p[0]) :
		    "nothing");
	const struct tel *t1 = pb_cf_fresh_tel(c);
	if (t0 && t1 && t1->level != keep)
		pb_cf_fail(r, "a refused SET_LEVEL (no ACK_REQ or txn 0) ran: "
		    "level %u -> %u", keep, t1->level);
	/* 5.2: heartbeats are never answered, whatever their flags */
	uint8_t hb[7] = { 0 };
	c->hb_sent++;                 /* a valid heartbeat all the same */
	if (!pb_cf_silent(c, 1, F_ACK_REQ, T_HEARTBEAT, pb_cf_next_txn(c), 7,
	    hb, 7, 0, &st))
		pb_cf_fail(r, "a host HEARTBEAT with ACK_REQ was answered %s",
		    pb_cf_st_name(st));
	/* 7.6 row 1: frames of a device's types or flagged RESPONSE */
	c->sent_min[S_IGNORED] += 3;
	if (!pb_cf_silent(c, 1, F_ACK_REQ, T_TELEMETRY, pb_cf_next_txn(c), 3,
	    (const uint8_t *)"abc", 3, 0, &st))
		pb_cf_fail(r, "a TELEMETRY-type frame from the host was "
		    "answered %s", pb_cf_st_name(st));
	if (!pb_cf_silent(c, 1, F_ACK_REQ | F_RESPONSE, T_READ_INFO,
	    pb_cf_next_txn(c), 0, NULL, 0, 0, &st))
		pb_cf_fail(r, "READ_INFO flagged RESPONSE was answered %s; a "
		    "device ignores it", pb_cf_st_name(st));
	uint8_t resp[2] = { 0, T_STOP };
	if (!pb_cf_silent(c, 1, F_RESPONSE, T_RESPONSE, pb_cf_next_txn(c), 2,
	    resp, 2, 0, &st))
		pb_cf_fail(r, "a RESPONSE from the host was answered %s",
		    pb_cf_st_name(st));
}


/* Level the telemetry shows after a command. */
static int level_now(struct cf *c)
{
	const struct tel *t = pb_cf_fresh_tel(c);
	return t ? t->level : -1;
}

/* Mode the telemetry shows after a command. */
static int mode_now(struct cf *c)
{
	const struct tel *t = pb_cf_fresh_tel(c);
	return t ? t->mode : -1;
}

void pb_cf_rule_retry_dedup(struct rr *r)
{
	struct cf *c = r->c;
	if (c->info.levels < 2) {
		pb_cf_skip(r, "needs 2 levels to tell a re-run from a cached "
		    "answer");
		return;
	}
	if (c->tel.run_state != RS_IDLE)
		pb_cf_stop_pump(c);
	uint8_t a = 1, b = 2;
	uint8_t tx = pb_cf_next_txn(c);
	struct answer first, again;
	if (pb_cf_command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ, tx, &first) !=
	    ST_OK || pb_cf_command(c, T_SET_LEVEL, &b, 1, NULL) != ST_OK) {
		pb_cf_fail(r, "SET_LEVEL 1 / 2 refused");
		return;
	}
	/* the RETRY of tx within the cache's second: answered, not run */
	int st = pb_cf_command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ | F_RETRY,
	    tx, &again);
	c->sent_min[S_DUP]++;
	if (st != first.status)
		pb_cf_fail(r, "the RETRY of txn %u was answered %s, the first "
		    "attempt %s", tx, pb_cf_st_name(st),
		    pb_cf_st_name(first.status));
	int lv = level_now(c);
	if (lv != b)
		pb_cf_fail(r, "a RETRY (txn %u, SET_LEVEL %u) after SET_LEVEL "
		    "%u was run again: level is %d, not %u", tx, a, b, lv, b);
	/* a RETRY whose first attempt never arrived runs (7.2) */
	uint8_t tz = pb_cf_next_txn(c);
	st = pb_cf_command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ | F_RETRY, tz,
	    NULL);
	lv = level_now(c);
	if (st != ST_OK || lv != a)
		pb_cf_fail(r, "a RETRY of unseen txn %u (SET_LEVEL %u) "
		    "answered %s, level %d: it must run", tz, a,
		    pb_cf_st_name(st), lv);
	/* a new command reusing a txn runs (no RETRY flag) */
	st = pb_cf_command_ex(c, T_SET_LEVEL, &b, 1, F_ACK_REQ, tx, NULL);
	lv = level_now(c);
	if (st != ST_OK || lv != b)
		pb_cf_fail(r, "SET_LEVEL %u reusing txn %u without RETRY "
		    "answered %s, level %d: it must run", b, tx,
		    pb_cf_st_name(st), lv);
	/* the cache is keyed by (txn, type): a RETRY of txn tx with another
	 * type is no repeat of the SET_LEVEL and runs */
	int m0 = mode_now(c);
	uint8_t m = 0;
	for (unsigned k = 1; k <= 3 && !m; k++)
		if ((c->info.modes & (1u << k)) && (int)k != m0)
			m = (uint8_t)k;
	if (m) {
		st = pb_cf_command_ex(c, T_SET_MODE, &m, 1, F_ACK_REQ | F_RETRY,
		    tx, NULL);
		int mn = mode_now(c);
		if (st != ST_OK || mn != m)
			pb_cf_fail(r, "SET_MODE %u as a RETRY of txn %u (a "
			    "SET_LEVEL) answered %s, mode %d: another type "
			    "must run", m, tx, pb_cf_st_name(st), mn);
		if (m0 >= 1) {
			uint8_t back = (uint8_t)m0;
			pb_cf_command(c, T_SET_MODE, &back, 1, NULL);
		}
	}
	/* 1 s later the answer is forgotten (7.2): the RETRY runs */
	pb_cf_command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ, tx, NULL);
	pb_cf_pump_for(c, CACHE_US + 400000u);
	pb_cf_command(c, T_SET_LEVEL, &b, 1, NULL);
	st = pb_cf_command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ | F_RETRY, tx,
	    NULL);
	lv = level_now(c);
	if (st != ST_OK || lv != a)
		pb_cf_fail(r, "a RETRY of txn %u 1.4 s after it ran answered "
		    "%s, level %d: answers are remembered for 1 s (7.2), then "
		    "it must run", tx, pb_cf_st_name(st), lv);
}

static void expect_status(struct rr *r, const char *what, int got, int want)
{
	if (got != want)
		pb_cf_fail(r, "%s answered %s, 7.4 says %s", what,
		    pb_cf_st_name(got), pb_cf_st_name(want));
}

void pb_cf_rule_state_machine(struct rr *r)
{
	struct cf *c = r->c;
	uint64_t t0;
	uint8_t hold[3] = { 1, 0, 0 };
	pb_cw_put16(hold + 1, (uint16_t)(c->info.max_target / 4));

	expect_status(r, "STOP", pb_cf_command(c, T_STOP, NULL, 0, NULL),
	    ST_OK);
	if (!pb_cf_wait_state(c, RS_IDLE, 1000000u)) {
		pb_cf_skip(r, "the device is not IDLE after STOP (state %u, "
		    "alarms 0x%04x): a fault is latched", c->tel.run_state,
		    c->tel.alarms);
		return;
	}
	expect_status(r, "STOP when IDLE", pb_cf_command(c, T_STOP, NULL, 0,
	    NULL), ST_OK);
	expect_status(r, "CLEAR_FAULT when IDLE",
	    pb_cf_command(c, T_CLEAR_FAULT, NULL, 0, NULL), ST_OK);
	uint8_t one = 1;
	pb_cf_command(c, T_SET_LEVEL, &one, 1, NULL);

	t0 = pb_cf_now(c);
	int st = pb_cf_command(c, T_START, NULL, 0, NULL);
	if (st == ST_FAULT) {
		if (!(c->tel.alarms & (1u << AL_CAL_INVALID)))
			pb_cf_fail(r, "START refused with FAULT, but no fault "
			    "is latched and cal-invalid is not raised (alarms "
			    "0x%04x)", c->tel.alarms);
		pb_cf_note(r, "START refused: no valid calibration (5.6); "
		    "RUNNING not checked");
	} else if (st != ST_OK) {
		pb_cf_fail(r, "START when IDLE answered %s", pb_cf_st_name(st));
	} else {
		if (!pb_cf_wait_event(c, t0, EV_STATE, RS_RUNNING, 1000000u))
			pb_cf_fail(r, "no EVENT STATE 1 after START");
		if (!pb_cf_wait_state(c, RS_RUNNING, 1000000u))
			pb_cf_fail(r, "telemetry does not say RUNNING after "
			    "START");
		expect_status(r, "START when RUNNING",
		    pb_cf_command(c, T_START, NULL, 0, NULL), ST_OK);
		expect_status(r, "CAL_HOLD when RUNNING", pb_cf_command(c,
		    T_CAL_HOLD, hold, 3, NULL), ST_WRONG_STATE);
		uint8_t z[3] = { 1, 0, 0 };
		expect_status(r, "CAL_HOLD target 0 when RUNNING",
		    pb_cf_command(c, T_CAL_HOLD, z, 3, NULL), ST_WRONG_STATE);
		expect_status(r, "SET_LEVEL when RUNNING",
		    pb_cf_command(c, T_SET_LEVEL, &one, 1, NULL), ST_OK);
		t0 = pb_cf_now(c);
		expect_status(r, "STOP when RUNNING",
		    pb_cf_command(c, T_STOP, NULL, 0, NULL), ST_OK);
		if (!pb_cf_safe_soon(c, pb_cf_now(c)))
			pb_cf_fail(r, "200 ms after STOP's answer the "
			    "telemetry does not show IDLE, motor off, valves "
			    "open (5.6)");
		if (!pb_cf_wait_event(c, t0, EV_STATE, RS_IDLE, 1000000u))
			pb_cf_fail(r, "no EVENT STATE 0 after STOP");
	}

	t0 = pb_cf_now(c);
	st = pb_cf_command(c, T_CAL_HOLD, hold, 3, NULL);
	if (st != ST_OK) {
		pb_cf_fail(r, "CAL_HOLD %d dmmHg when IDLE answered %s",
		    c->info.max_target / 4, pb_cf_st_name(st));
		pb_cf_stop_pump(c);
		return;
	}
	if (!pb_cf_wait_event(c, t0, EV_STATE, RS_CAL_HOLD, 1000000u))
		pb_cf_fail(r, "no EVENT STATE 3 after CAL_HOLD");
	expect_status(r, "START when CAL_HOLD",
	    pb_cf_command(c, T_START, NULL, 0, NULL), ST_WRONG_STATE);
	expect_status(r, "CAL_HOLD (new target) when CAL_HOLD",
	    pb_cf_command(c, T_CAL_HOLD, hold, 3, NULL), ST_OK);
	uint8_t z[3] = { 1, 0, 0 };
	t0 = pb_cf_now(c);
	expect_status(r, "CAL_HOLD target 0 when CAL_HOLD",
	    pb_cf_command(c, T_CAL_HOLD, z, 3, NULL), ST_OK);
	if (!pb_cf_wait_event(c, t0, EV_STATE, RS_IDLE, 1000000u))
		pb_cf_fail(r, "no EVENT STATE 0 after CAL_HOLD target 0");
	expect_status(r, "CAL_HOLD target 0 when IDLE",
	    pb_cf_command(c, T_CAL_HOLD, z, 3, NULL), ST_OK);
	pb_cf_command(c, T_CAL_HOLD, hold, 3, NULL);
	expect_status(r, "STOP when CAL_HOLD", pb_cf_command(c, T_STOP, NULL, 0,
	    NULL), ST_OK);
	if (!pb_cf_safe_soon(c, pb_cf_now(c)))
		pb_cf_fail(r, "200 ms after STOP's answer (in CAL_HOLD) the "
		    "telemetry does not show IDLE, motor off, valves open "
		    "(5.6)");
}

void pb_cf_rule_cal_hold_limit(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t h[3] = { 1, 0, 0 };
	pb_cw_put16(h + 1, (uint16_t)(c->info.max_target + 1));
	expect_status(r, "CAL_HOLD max_target + 1 when IDLE",
	    pb_cf_command(c, T_CAL_HOLD, h, 3, NULL), ST_LIMIT);
	pb_cw_put16(h + 1, (uint16_t)c->info.max_target);
	int st = pb_cf_command(c, T_CAL_HOLD, h, 3, NULL);
	if (st != ST_OK)
		pb_cf_fail(r, "CAL_HOLD at max_target (%d) answered %s; only "
		    "above it is LIMIT", c->info.max_target, pb_cf_st_name(st));
	pb_cf_stop_pump(c);
	if (pb_cf_start_pumping(c, NULL) == RS_RUNNING) {
		pb_cw_put16(h + 1, (uint16_t)(c->info.max_target + 1));
		st = pb_cf_command(c, T_CAL_HOLD, h, 3, NULL);
		if (st != ST_LIMIT)
			pb_cf_fail(r, "CAL_HOLD above max_target when RUNNING "
			    "answered %s: LIMIT comes before any state rule",
			    pb_cf_st_name(st));
		h[1] = 0xFF;
		h[2] = 0xFF;
		st = pb_cf_command(c, T_CAL_HOLD, h, 3, NULL);
		if (st != ST_BAD_VALUE)
			pb_cf_fail(r, "CAL_HOLD target -1 when RUNNING answered "
			    "%s: BAD_VALUE comes before any state rule",
			    pb_cf_st_name(st));
	}
	pb_cf_stop_pump(c);
}

static bool finite_f32(const uint8_t *p)
{
	uint32_t u = pb_cw_u32(p);
	return ((u >> 23) & 0xFF) != 0xFF;
}

/* Check a calibration record body (5.11); true when valid. */
static bool cal_valid(const uint8_t *b, unsigned n, unsigned ch, char *why,
    size_t whylen)
{
	char st[17];
	if (n != CAL_LEN)
		snprintf(why, whylen, "%u bytes", n);
	else if (b[0] != ch)
		snprintf(why, whylen, "channel %u for channel %u", b[0], ch);
	else if (b[1] < 1 || b[1] > 2)
		snprintf(why, whylen, "order %u", b[1]);
	else if (!finite_f32(b + 2) || !finite_f32(b + 6) ||
	    !finite_f32(b + 10))
		snprintf(why, whylen, "a coefficient is not finite");
	else if (b[1] == 1 && pb_cw_u32(b + 10) != 0)
		snprintf(why, whylen, "order 1 with c2 != 0");
	else if (!pb_cw_str16(b + 22, st))
		snprintf(why, whylen, "station is not a str16");
	else
		return true;
	return false;
}

void pb_cf_rule_read_cal(struct rr *r)
{
	struct cf *c = r->c;
	for (unsigned ch = 0; ch < c->info.channels; ch++) {
		struct answer a;
		uint8_t b = (uint8_t)ch;
		char why[120];
		int st = pb_cf_command(c, T_READ_CAL, &b, 1, &a);
		if (st == ST_STORAGE) {
			pb_cf_note(r, "channel %u: no stored calibration "
			    "(STORAGE)", ch);
			continue;
		}
		if (st != ST_OK) {
			pb_cf_fail(r, "READ_CAL %u answered %s", ch,
			    pb_cf_st_name(st));
			continue;
		}
		if (!cal_valid(a.body, a.body_len, ch, why, sizeof why))
			pb_cf_fail(r, "READ_CAL %u: %s", ch, why);
		else
			pb_cf_note(r, "channel %u: order %u, cal_id %lu", ch,
			    a.body[1], (unsigned long)pb_cw_u32(a.body + 14));
	}
}

/* The device's own whole calibration as a WRITE_CAL_ALL payload (5.11):
 * every channel READ_CAL answers, its bit set; *nrec records found. */
void pb_cf_own_cal_all(struct cf *c, uint8_t p[CAL_ALL_LEN], int *nrec)
{
	memset(p, 0, CAL_ALL_LEN);
	*nrec = 0;
	for (unsigned ch = 0; ch < c->info.channels && ch < 2; ch++) {
		struct answer a;
		uint8_t k = (uint8_t)ch;
		if (pb_cf_command(c, T_READ_CAL, &k, 1, &a) == ST_OK &&
		    a.body_len == CAL_LEN) {
			p[0] |= (uint8_t)(1u << ch);
			memcpy(p + 2 + CAL_LEN * ch, a.body, CAL_LEN);
			(*nrec)++;
		}
	}
}

void pb_cf_rule_write_locked(struct rr *r)
{
	struct cf *c = r->c;
	struct info in;
	if (!pb_cf_read_info(c, &in, r))
		return;
	if (in.factory) {
		/* STOP ends factory mode */
		pb_cf_command(c, T_STOP, NULL, 0, NULL);
		if (!pb_cf_read_info(c, &in, r) || in.factory) {
			pb_cf_fail(r, "factory mode still on after STOP "
			    "(5.12)");
			return;
		}
	}
	/* the device's own record back: even a wrong "OK" stores nothing new */
	struct answer a;
	uint8_t ch = 0;
	if (pb_cf_command(c, T_READ_CAL, &ch, 1, &a) == ST_OK &&
	    a.body_len == CAL_LEN) {
		int st = pb_cf_command(c, T_WRITE_CAL, a.body, CAL_LEN, NULL);
		if (st != ST_LOCKED)
			pb_cf_fail(r, "WRITE_CAL outside factory mode answered "
			    "%s, not LOCKED", pb_cf_st_name(st));
	} else {
		pb_cf_note(r, "no stored calibration to send back: WRITE_CAL "
		    "not tried");
	}
	/* the whole calibration as it stands: a wrong OK would change
	 * nothing either (a channel without one stays without) */
	uint8_t all[CAL_ALL_LEN];
	int nrec;
	pb_cf_own_cal_all(c, all, &nrec);
	int st = pb_cf_command(c, T_WRITE_CAL_ALL, all, CAL_ALL_LEN, NULL);
	if (st == ST_UNKNOWN_CMD)
		pb_cf_note(r, "WRITE_CAL_ALL: UNKNOWN_CMD (the device predates "
		    "it, section 10)");
	else if (st != ST_LOCKED)
		pb_cf_fail(r, "WRITE_CAL_ALL outside factory mode answered %s, "
		    "not LOCKED", pb_cf_st_name(st));
	if (in.serial[0]) {
		uint8_t s[16] = { 0 };
		memcpy(s, in.serial, strlen(in.serial));
		st = pb_cf_command(c, T_WRITE_SERIAL, s, 16, NULL);
		if (st != ST_LOCKED)
			pb_cf_fail(r, "WRITE_SERIAL outside factory mode "
			    "answered %s, not LOCKED", pb_cf_st_name(st));
	} else {
		pb_cf_note(r, "the device has no serial: WRITE_SERIAL not "
		    "tried");
	}
}
