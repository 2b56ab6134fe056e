/*
 * tests/unit/test_device.c - the device side of the protocol: commands run
 * once, retries answered from the txn cache, seq numbering, output queue,
 * host watchdog.  Pure: frames go in and out as bytes, time is virtual.
 */
#include <check.h>
#include <string.h>

#include "proto/device.h"
#include "proto/frame.h"
#include "proto/msg.h"
#include "tests/lib/check_main.h"

struct fx {
	pb_device dev;
	int runs[256];             /* handler executions per type */
	int total_runs;
	uint8_t last_level;
	/* decoded device output */
	struct pb_msg out[64];
	int nout;
	uint16_t host_seq;          /* next host->device seq */
};

static void handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us)
{
	struct fx *f = ctx;
	(void)now_us;
	f->runs[cmd->type]++;
	f->total_runs++;
	switch (cmd->type) {
	case PB_T_SET_LEVEL:
		if (cmd->u.level < 1 || cmd->u.level > 9) {
			resp->status = PB_ST_BAD_VALUE;
			return;
		}
		f->last_level = cmd->u.level;
		break;
	case PB_T_HELLO:
	case PB_T_READ_INFO:
		resp->body_kind = PB_BODY_INFO;
		resp->body.info.proto_version = PB_PROTO_VERSION;
		strcpy(resp->body.info.fw_version, "1.2.3");
		strcpy(resp->body.info.serial, "SN0001");
		strcpy(resp->body.info.profile, "s10pro");
		resp->body.info.channels = 2;
		resp->body.info.levels = 9;
		resp->body.info.modes = 0x0e;
		resp->body.info.sample_rate_hz = 100;
		resp->body.info.max_target = 2500;
		resp->body.info.trip = 3000;
		break;
	default:
		break;
	}
}

static void collect(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct fx *f = ctx;
	ck_assert_int_lt(f->nout, 64);
	struct pb_msg *m = &f->out[f->nout++];
	memset(m, 0, sizeof *m);
	ck_assert_int_eq(pb_msg_decode(h->type, h->flags, payload, h->len, m),
	    PB_MSG_OK);
	m->type = h->type;
	m->flags = h->flags;
	m->seq = h->seq;
	m->txn = h->txn;
}

/* Drain the device's output and decode it into f->out. */
static void drain(struct fx *f)
{
	uint8_t buf[PB_DEV_OUT_CAP];
	pb_decoder dec;
	pb_decoder_init(&dec);
	f->nout = 0;
	size_t n = pb_device_take(&f->dev, buf, sizeof buf);
	pb_decoder_feed(&dec, buf, n, collect, f);
	ck_assert_uint_eq(pb_rx_dropped(&dec.st), 0);
}

static void host_send(struct fx *f, uint8_t type, uint8_t flags, uint8_t txn,
    const struct pb_msg *body, uint64_t now)
{
	struct pb_msg m;
	uint8_t wire[PB_WIRE_MAX];
	if (body)
		m = *body;
	else
		memset(&m, 0, sizeof m);
	m.type = type;
	m.flags = flags;
	m.txn = txn;
	m.seq = f->host_seq++;
	int n = pb_frame_encode_msg(&m, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	pb_device_rx(&f->dev, wire, (size_t)n, now);
}

/* A frame with any header and payload (the encoder would refuse it). */
static void host_raw(struct fx *f, uint8_t type, uint8_t flags, uint8_t txn,
    const uint8_t *payload, uint8_t len, uint64_t now)
{
	struct pb_frame_hdr h = { PB_PROTO_VERSION, flags, f->host_seq++, type,
		txn, len };
	uint8_t wire[PB_WIRE_MAX];
	int n = pb_frame_encode(&h, payload, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	pb_device_rx(&f->dev, wire, (size_t)n, now);
}

/* Frames that pass the CRC but are no valid HEARTBEAT or command, one
 * per rule of protocol.md 7.6; k picks one.  Returns the counter it must
 * land in. */
enum junk_counter { J_BAD_PAYLOAD, J_UNKNOWN, J_IGNORED, J_BAD_HEADER };
#define N_JUNK 11
static enum junk_counter send_junk(struct fx *f, int k, uint64_t now)
{
	const uint8_t hb_short[3] = { 1, 2, 3 };
	/* time 0, run state 5 (no such state) */
	const uint8_t hb_bad_state[7] = { 0, 0, 0, 0, 5, 0, 0 };
	/* a device's heartbeat (RUNNING, leak alarm) looped back */
	const uint8_t hb_running[7] = { 0x10, 0, 0, 0, 1, 4, 0 };
	const uint8_t two[2] = { 4, 4 };
	const uint8_t lvl = 3;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	switch (k % N_JUNK) {
	case 0:
		host_raw(f, PB_T_HEARTBEAT, 0, 0, hb_short, 3, now);
		return J_BAD_PAYLOAD;
	case 1:
		host_raw(f, PB_T_HEARTBEAT, 0, 0, hb_bad_state, 7, now);
		return J_BAD_PAYLOAD;
	case 2:
		host_raw(f, PB_T_HEARTBEAT, 0, 0, hb_running, 7, now);
		return J_BAD_PAYLOAD;
	case 3:
		host_raw(f, 0x6F, 0, 0, NULL, 0, now);
		return J_UNKNOWN;
	case 4:
		host_raw(f, 0x6F, PB_F_ACK_REQ, 40, NULL, 0, now);
		return J_UNKNOWN;
	case 5:
		host_raw(f, PB_T_SET_LEVEL, PB_F_ACK_REQ, 41, two, 2, now);
		return J_BAD_PAYLOAD;
	case 6:
		host_raw(f, PB_T_SET_LEVEL, 0, 42, &lvl, 1, now);
		return J_BAD_HEADER;
	case 7:
		host_raw(f, PB_T_SET_LEVEL, PB_F_ACK_REQ, 0, &lvl, 1, now);
		return J_BAD_HEADER;
	case 8:
		m.u.ev.kind = PB_EV_BOOT;
		host_send(f, PB_T_EVENT, 0, 0, &m, now);
		return J_IGNORED;
	case 9:
		m.u.resp.status = PB_ST_OK;
		m.u.resp.req_type = PB_T_STOP;
		host_send(f, PB_T_RESPONSE, PB_F_RESPONSE, 43, &m, now);
		return J_IGNORED;
	default:
		/* a valid heartbeat, but flagged as a device's answer */
		host_send(f, PB_T_HEARTBEAT, PB_F_RESPONSE, 0, &m, now);
		return J_IGNORED;
	}
}

static void set_level(struct fx *f, uint8_t flags, uint8_t txn, uint8_t lvl,
    uint64_t now)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.u.level = lvl;
	host_send(f, PB_T_SET_LEVEL, flags, txn, &m, now);
}

/* A LOG of len copies of c. */
static void log_msg(struct pb_msg *m, uint8_t len, char c)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_LOG;
	m->u.log.level = 2;
	m->u.log.len = len;
	memset(m->u.log.text, c, len);
}

static void setup(struct fx *f)
{
	memset(f, 0, sizeof *f);
	pb_device_init(&f->dev, handler, f);
}

START_TEST(command_runs_once_and_is_answered)
{
	static struct fx f;
	setup(&f);
	set_level(&f, PB_F_ACK_REQ, 7, 4, 1000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	ck_assert_int_eq(f.last_level, 4);
	drain(&f);
	ck_assert_int_eq(f.nout, 1);
	ck_assert_int_eq(f.out[0].type, PB_T_RESPONSE);
	ck_assert(f.out[0].flags & PB_F_RESPONSE);
	ck_assert_int_eq(f.out[0].txn, 7);
	ck_assert_int_eq(f.out[0].seq, 0);
	ck_assert_int_eq(f.out[0].u.resp.status, PB_ST_OK);
	ck_assert_int_eq(f.out[0].u.resp.req_type, PB_T_SET_LEVEL);
}
END_TEST

START_TEST(retry_answered_from_cache_not_rerun)
{
	static struct fx f;
	setup(&f);
	struct pb_msg hello;
	memset(&hello, 0, sizeof hello);
	hello.u.hello.proto_min = hello.u.hello.proto_max = PB_PROTO_VERSION;
	strcpy(hello.u.hello.host, "test");
	host_send(&f, PB_T_HELLO, PB_F_ACK_REQ, 9, &hello, 0);
	drain(&f);
	ck_assert_int_eq(f.nout, 1);
	struct pb_msg first = f.out[0];
	ck_assert_int_eq(first.u.resp.body_kind, PB_BODY_INFO);

	for (int i = 0; i < 3; i++)
		host_send(&f, PB_T_HELLO, PB_F_ACK_REQ | PB_F_RETRY, 9, &hello,
		    200000u * (unsigned)(i + 1));
#if PB_DEV_CACHE_PAYLOAD >= 2 + 63
	ck_assert_int_eq(f.runs[PB_T_HELLO], 1);
	ck_assert_uint_eq(f.dev.dup_commands, 3);
#else
	/* small configuration: the device info does not fit a cache entry,
	 * so HELLO (a read) runs again for each retry, with the same answer */
	ck_assert_int_eq(f.runs[PB_T_HELLO], 4);
	ck_assert_uint_eq(f.dev.dup_commands, 0);
#endif
	drain(&f);
	ck_assert_int_eq(f.nout, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(f.out[i].txn, 9);
		/* fresh seq numbers, same answer */
		ck_assert_int_eq(f.out[i].seq, i + 1);
		ck_assert_int_eq(f.out[i].u.resp.status, PB_ST_OK);
		ck_assert_str_eq(f.out[i].u.resp.body.info.serial, "SN0001");
		ck_assert_int_eq(f.out[i].u.resp.body.info.max_target, 2500);
	}
}
END_TEST

START_TEST(retry_of_unseen_command_runs_it)
{
	static struct fx f;
	setup(&f);
	/* the first attempt was lost on the wire */
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 3, 6, 200000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	ck_assert_uint_eq(f.dev.dup_commands, 0);
	/* and its next retry comes from the cache */
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 3, 6, 400000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	ck_assert_uint_eq(f.dev.dup_commands, 1);
}
END_TEST

START_TEST(same_txn_without_retry_flag_is_new_command)
{
	static struct fx f;
	setup(&f);
	set_level(&f, PB_F_ACK_REQ, 5, 2, 0);
	set_level(&f, PB_F_ACK_REQ, 5, 3, 1000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 2);
	ck_assert_int_eq(f.last_level, 3);
	/* a retry of the new one is answered from the cache */
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 5, 3, 2000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 2);
}
END_TEST

START_TEST(retry_with_other_type_is_new_command)
{
	static struct fx f;
	setup(&f);
	set_level(&f, PB_F_ACK_REQ, 5, 2, 0);
	host_send(&f, PB_T_START, PB_F_ACK_REQ | PB_F_RETRY, 5, NULL, 1000);
	ck_assert_int_eq(f.runs[PB_T_START], 1);
	ck_assert_int_eq(f.total_runs, 2);
}
END_TEST

START_TEST(stale_cache_entry_not_taken_for_retry)
{
	static struct fx f;
	setup(&f);
	set_level(&f, PB_F_ACK_REQ, 5, 2, 0);
	/* the host reused txn 5 long after; its first attempt was lost */
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 5, 2, PB_DEV_CACHE_US + 1);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 2);
	ck_assert_uint_eq(f.dev.dup_commands, 0);
}
END_TEST

START_TEST(forget_txns_makes_a_retry_run_again)
{
	static struct fx f;
	setup(&f);
	set_level(&f, PB_F_ACK_REQ, 5, 2, 0);
	pb_device_forget_txns(&f.dev);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 5, 2, 1000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 2);
	ck_assert_uint_eq(f.dev.dup_commands, 0);
	/* and remembers again from then on */
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 5, 2, 2000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 2);
}
END_TEST

START_TEST(cache_holds_all_entries)
{
	static struct fx f;
	setup(&f);
	for (int t = 1; t <= PB_DEV_TXN_CACHE; t++)
		set_level(&f, PB_F_ACK_REQ, (uint8_t)t, 1, 0);
	for (int t = 1; t <= PB_DEV_TXN_CACHE; t++)
		set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, (uint8_t)t, 1, 1000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], PB_DEV_TXN_CACHE);
	ck_assert_uint_eq(f.dev.dup_commands, PB_DEV_TXN_CACHE);
}
END_TEST

START_TEST(cache_evicts_oldest)
{
	static struct fx f;
	setup(&f);
	/* txn 1 runs first, then PB_DEV_TXN_CACHE more: txn 1 is evicted */
	for (int t = 1; t <= PB_DEV_TXN_CACHE + 1; t++)
		set_level(&f, PB_F_ACK_REQ, (uint8_t)t, 1, (uint64_t)t * 1000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], PB_DEV_TXN_CACHE + 1);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 2, 1, 100000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], PB_DEV_TXN_CACHE + 1);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 1, 1, 100000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], PB_DEV_TXN_CACHE + 2);
}
END_TEST

START_TEST(bad_payload_refused_without_running)
{
	static struct fx f;
	setup(&f);
	/* SET_LEVEL with a 2-byte payload: hand-made frame */
	struct pb_frame_hdr h = { PB_PROTO_VERSION, PB_F_ACK_REQ, 0,
		PB_T_SET_LEVEL, 11, 2 };
	uint8_t payload[2] = { 4, 4 };
	uint8_t wire[PB_WIRE_MAX];
	int n = pb_frame_encode(&h, payload, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	pb_device_rx(&f.dev, wire, (size_t)n, 0);
	ck_assert_int_eq(f.total_runs, 0);
	ck_assert_uint_eq(f.dev.bad_payload, 1);
	drain(&f);
	ck_assert_int_eq(f.nout, 1);
	ck_assert_int_eq(f.out[0].txn, 11);
	ck_assert_int_eq(f.out[0].u.resp.status, PB_ST_BAD_LENGTH);
}
END_TEST

START_TEST(handler_status_is_sent)
{
	static struct fx f;
	setup(&f);
	set_level(&f, PB_F_ACK_REQ, 12, 42, 0);
	drain(&f);
	ck_assert_int_eq(f.nout, 1);
	ck_assert_int_eq(f.out[0].u.resp.status, PB_ST_BAD_VALUE);
}
END_TEST

START_TEST(unknown_type_with_ack_gets_unknown_cmd)
{
	static struct fx f;
	setup(&f);
	struct pb_frame_hdr h = { PB_PROTO_VERSION, PB_F_ACK_REQ, 0, 0x6F, 13,
		0 };
	uint8_t wire[PB_WIRE_MAX];
	int n = pb_frame_encode(&h, NULL, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	pb_device_rx(&f.dev, wire, (size_t)n, 0);
	ck_assert_int_eq(f.total_runs, 0);
	drain(&f);
	ck_assert_int_eq(f.nout, 1);
	ck_assert_int_eq(f.out[0].txn, 13);
	ck_assert_int_eq(f.out[0].u.resp.status, PB_ST_UNKNOWN_CMD);
}
END_TEST

START_TEST(heartbeat_feeds_watchdog_only)
{
	static struct fx f;
	setup(&f);
	ck_assert(!pb_device_host_lost(&f.dev, 5000000));   /* no host yet */
	struct pb_msg hb;
	memset(&hb, 0, sizeof hb);
	hb.u.hb.time_ms = 10;
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 2000000);
	ck_assert_int_eq(f.total_runs, 0);
	ck_assert_uint_eq(pb_device_pending(&f.dev), 0);
	ck_assert(!pb_device_host_lost(&f.dev, 2000000 + PB_HOST_LOST_US - 1));
	ck_assert(pb_device_host_lost(&f.dev, 2000000 + PB_HOST_LOST_US));
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 3100000);
	ck_assert(!pb_device_host_lost(&f.dev, 3100000 + 999999));
}
END_TEST

/* Safety regression: 2.5 s of frames that pass the CRC but are no valid
 * heartbeat or command must not keep the watchdog quiet (they did). */
START_TEST(only_valid_heartbeat_or_command_feeds_watchdog)
{
	static struct fx f;
	setup(&f);
	struct pb_msg hb;
	memset(&hb, 0, sizeof hb);
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 1000000);
	ck_assert(f.dev.host_seen);
	int fired = 0;
	uint64_t fired_at = 0;
	for (int k = 0; k < 50; k++) {
		uint64_t t = 1000000 + 50000u * (uint64_t)(k + 1);
		send_junk(&f, k, t);
		if (pb_device_watchdog(&f.dev, t)) {
			fired++;
			fired_at = t;
		}
	}
	ck_assert_int_eq(f.total_runs, 0);
	ck_assert_int_eq(fired, 1);
	ck_assert_uint_eq(fired_at, 1000000 + PB_HOST_LOST_US);
	ck_assert_uint_eq(f.dev.host_lost_count, 1);
	ck_assert(pb_device_host_lost(&f.dev, 3500000));
	uint64_t t;
	ck_assert(pb_device_last_host(&f.dev, &t));
	ck_assert_uint_eq(t, 1000000);
	/* a valid heartbeat brings it back; the next silence fires again */
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 3600000);
	ck_assert(!pb_device_host_lost(&f.dev, 3600000));
	ck_assert(!pb_device_watchdog(&f.dev, 3600000));
	ck_assert(pb_device_watchdog(&f.dev, 3600000 + PB_HOST_LOST_US));
	ck_assert_uint_eq(f.dev.host_lost_count, 2);
	/* and a valid command feeds it too */
	set_level(&f, PB_F_ACK_REQ, 9, 4, 5000000);
	ck_assert(!pb_device_host_lost(&f.dev, 5000000 + PB_HOST_LOST_US - 1));
}
END_TEST

START_TEST(junk_before_any_host_does_not_arm_watchdog)
{
	static struct fx f;
	setup(&f);
	for (int k = 0; k < N_JUNK; k++)
		send_junk(&f, k, 1000);
	ck_assert(!f.dev.host_seen);
	ck_assert(!pb_device_host_lost(&f.dev, 10000000));
	ck_assert(!pb_device_watchdog(&f.dev, 10000000));
}
END_TEST

/* Every frame past the frame checks lands in exactly one counter (or is
 * a valid heartbeat or command); the answers are as the contract says. */
START_TEST(each_frame_counted_once_by_first_broken_rule)
{
	static struct fx f;
	setup(&f);
	uint64_t want[4] = { 0, 0, 0, 0 };
	for (int k = 0; k < N_JUNK; k++) {
		want[send_junk(&f, k, 1000)]++;
	}
	ck_assert_uint_eq(f.dev.bad_payload, want[J_BAD_PAYLOAD]);
	ck_assert_uint_eq(f.dev.unknown_type, want[J_UNKNOWN]);
	ck_assert_uint_eq(f.dev.ignored, want[J_IGNORED]);
	ck_assert_uint_eq(f.dev.bad_header, want[J_BAD_HEADER]);
	ck_assert_uint_eq(f.dev.dec.st.frames_ok, N_JUNK);
	ck_assert_int_eq(f.total_runs, 0);
	ck_assert_uint_eq(f.dev.heartbeats + f.dev.commands +
	    f.dev.dup_commands, 0);
	/* a valid heartbeat, a command and its retry: one each */
	struct pb_msg hb;
	memset(&hb, 0, sizeof hb);
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 2000);
	set_level(&f, PB_F_ACK_REQ, 8, 3, 3000);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 8, 3, 4000);
	ck_assert_uint_eq(f.dev.heartbeats, 1);
	ck_assert_uint_eq(f.dev.commands, 1);
	ck_assert_uint_eq(f.dev.dup_commands, 1);
	ck_assert_uint_eq(f.dev.dec.st.frames_ok, f.dev.heartbeats +
	    f.dev.commands + f.dev.dup_commands + f.dev.ignored +
	    f.dev.unknown_type + f.dev.bad_header + f.dev.bad_payload);
	/* answers: UNKNOWN_CMD for the unknown type with ACK_REQ, BAD_LENGTH
	 * for the bad payload, BAD_VALUE for both bad headers; nothing for
	 * heartbeats, ignored frames or the unknown type without ACK_REQ */
	drain(&f);
	ck_assert_int_eq(f.nout, 6);
	ck_assert_int_eq(f.out[0].txn, 40);
	ck_assert_int_eq(f.out[0].u.resp.status, PB_ST_UNKNOWN_CMD);
	ck_assert_int_eq(f.out[0].u.resp.req_type, 0x6F);
	ck_assert_int_eq(f.out[1].txn, 41);
	ck_assert_int_eq(f.out[1].u.resp.status, PB_ST_BAD_LENGTH);
	ck_assert_int_eq(f.out[2].txn, 42);
	ck_assert_int_eq(f.out[2].u.resp.status, PB_ST_BAD_VALUE);
	ck_assert_int_eq(f.out[2].u.resp.req_type, PB_T_SET_LEVEL);
	ck_assert_int_eq(f.out[3].txn, 0);
	ck_assert_int_eq(f.out[3].u.resp.status, PB_ST_BAD_VALUE);
	for (int i = 0; i < 4; i++)
		ck_assert(f.out[i].flags & PB_F_RESPONSE);
}
END_TEST

START_TEST(heartbeat_with_ack_req_is_a_heartbeat)
{
	static struct fx f;
	setup(&f);
	struct pb_msg hb;
	memset(&hb, 0, sizeof hb);
	host_send(&f, PB_T_HEARTBEAT, PB_F_ACK_REQ | PB_F_RETRY, 17, &hb,
	    2000000);
	ck_assert_uint_eq(pb_device_pending(&f.dev), 0);           /* never answered */
	ck_assert(!pb_device_host_lost(&f.dev, 2000000 + PB_HOST_LOST_US - 1));
	ck_assert(pb_device_host_lost(&f.dev, 2000000 + PB_HOST_LOST_US));
	ck_assert_uint_eq(f.dev.bad_payload + f.dev.ignored +
	    f.dev.unknown_type + f.dev.bad_header, 0);
}
END_TEST

START_TEST(command_without_ack_req_or_txn_refused_not_run)
{
	static struct fx f;
	setup(&f);
	/* a good command with txn 5 runs and is remembered */
	set_level(&f, PB_F_ACK_REQ, 5, 2, 0);
	/* the same txn without ACK_REQ, or any command with txn 0, is not
	 * run and does not replace the remembered answer */
	set_level(&f, 0, 5, 7, 1000);
	set_level(&f, PB_F_RETRY, 5, 7, 2000);
	set_level(&f, PB_F_ACK_REQ, 0, 7, 3000);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 0, 7, 4000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	ck_assert_int_eq(f.last_level, 2);
	ck_assert_uint_eq(f.dev.bad_header, 4);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 5, 2, 5000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	ck_assert_uint_eq(f.dev.dup_commands, 1);
	drain(&f);
	ck_assert_int_eq(f.nout, 6);
	for (int i = 1; i <= 4; i++)
		ck_assert_int_eq(f.out[i].u.resp.status, PB_ST_BAD_VALUE);
	ck_assert_int_eq(f.out[5].u.resp.status, PB_ST_OK);
	ck_assert_int_eq(f.out[5].txn, 5);
}
END_TEST

START_TEST(device_types_from_host_never_answered)
{
	static struct fx f;
	setup(&f);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.u.tel.n = 1;
	m.u.tel.channels = 1;
	m.u.tel.mode = PB_MODE_EXPRESSION;
	host_send(&f, PB_T_TELEMETRY, PB_F_ACK_REQ, 3, &m, 0);
	memset(&m, 0, sizeof m);
	m.u.resp.status = PB_ST_OK;
	m.u.resp.req_type = PB_T_STOP;
	host_send(&f, PB_T_RESPONSE, PB_F_ACK_REQ, 4, &m, 0);
	memset(&m, 0, sizeof m);
	m.u.log.level = 2;
	host_send(&f, PB_T_LOG, PB_F_ACK_REQ, 5, &m, 0);
	/* a command flagged RESPONSE is a device's frame too */
	m.u.level = 3;
	host_send(&f, PB_T_SET_LEVEL, PB_F_ACK_REQ | PB_F_RESPONSE, 6, &m, 0);
	ck_assert_uint_eq(pb_device_pending(&f.dev), 0);
	ck_assert_uint_eq(f.dev.ignored, 4);
	ck_assert_int_eq(f.total_runs, 0);
	ck_assert(!f.dev.host_seen);
}
END_TEST

START_TEST(garbage_from_host_ignored_and_counted)
{
	static struct fx f;
	setup(&f);
	const uint8_t junk[] = { 0x11, 0x22, 0x33, 0x00, 0x05, 0x01, 0x00 };
	pb_device_rx(&f.dev, junk, sizeof junk, 0);
	ck_assert(!f.dev.host_seen);
	ck_assert_uint_eq(pb_rx_dropped(&f.dev.dec.st), 2);
	set_level(&f, PB_F_ACK_REQ, 1, 5, 10);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
}
END_TEST

START_TEST(host_seq_gaps_counted)
{
	static struct fx f;
	setup(&f);
	struct pb_msg hb;
	memset(&hb, 0, sizeof hb);
	f.host_seq = 65533;
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 0);  /* 65533 */
	f.host_seq++;                                   /* 65534 lost */
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 0);  /* 65535 */
	f.host_seq += 2;                                /* 0, 1 lost */
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 0);  /* 2 */
	ck_assert_uint_eq(f.dev.frames_lost_rx, 3);
	/* a backward jump (host restarted) is not counted */
	f.host_seq = 0;
	host_send(&f, PB_T_HEARTBEAT, 0, 0, &hb, 0);
	ck_assert_uint_eq(f.dev.frames_lost_rx, 3);
}
END_TEST

START_TEST(send_numbers_frames_and_queue_drains_in_chunks)
{
	static struct fx f;
	setup(&f);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_EVENT;
	m.u.ev.kind = PB_EV_STATE;
	m.u.ev.code = PB_RS_RUNNING;
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pb_device_send(&f.dev, &m), 0);
	/* drain a few bytes at a time into one stream */
	uint8_t all[1024];
	size_t n = 0, k;
	uint8_t small[7];
	while ((k = pb_device_take(&f.dev, small, sizeof small)) > 0) {
		memcpy(all + n, small, k);
		n += k;
	}
	pb_decoder dec;
	pb_decoder_init(&dec);
	f.nout = 0;
	pb_decoder_feed(&dec, all, n, collect, &f);
	ck_assert_int_eq(f.nout, 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(f.out[i].seq, i);
		ck_assert_int_eq(f.out[i].type, PB_T_EVENT);
	}
}
END_TEST

START_TEST(full_output_drops_and_consumes_seq)
{
	static struct fx f;
	setup(&f);
	struct pb_msg m;
	log_msg(&m, 200, 'x');
	int ok = 0, dropped = 0;
	for (int i = 0; i < 100; i++) {
		if (pb_device_send(&f.dev, &m) == 0)
			ok++;
		else
			dropped++;
	}
	ck_assert_int_gt(dropped, 0);
	ck_assert_uint_eq(f.dev.out_dropped, (uint32_t)dropped);
	ck_assert_int_eq(f.dev.seq_tx, 100);
	ck_assert_uint_le(pb_device_pending(&f.dev), PB_DEV_OUT_CAP);
	(void)ok;
}
END_TEST

START_TEST(short_answers_always_remembered)
{
	/* every answer of up to PB_DEV_CACHE_PAYLOAD bytes (status and
	 * type: all but the long reads) is remembered, in any configuration */
	static struct fx f;
	setup(&f);
	set_level(&f, PB_F_ACK_REQ, 3, 2, 0);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 3, 2, 300000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	ck_assert_uint_eq(f.dev.dup_commands, 1);
}
END_TEST

START_TEST(peek_consume_and_drop)
{
	static struct fx f;
	setup(&f);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_EVENT;
	m.u.ev.kind = PB_EV_STATE;
	ck_assert_int_eq(pb_device_send(&f.dev, &m), 0);
	ck_assert_int_eq(pb_device_send(&f.dev, &m), 0);
	size_t n, total = pb_device_pending(&f.dev);
	const uint8_t *p = pb_device_peek(&f.dev, &n);
	ck_assert_uint_eq(n, total);
	ck_assert_uint_gt(n, 20);
	ck_assert_int_eq(p[n - 1], 0);             /* whole frames */
	pb_device_consume(&f.dev, 5);
	ck_assert_uint_eq(pb_device_pending(&f.dev), total - 5);
	pb_device_consume(&f.dev, 100000);         /* more than there is */
	ck_assert_uint_eq(pb_device_pending(&f.dev), 0);
	ck_assert_int_eq(pb_device_send(&f.dev, &m), 0);
	pb_device_drop_output(&f.dev);
	ck_assert_uint_eq(pb_device_pending(&f.dev), 0);
	pb_device_peek(&f.dev, &n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(queue_reuses_space_as_it_drains)
{
	/* a queue drained as it goes never drops, however long the run */
	static struct fx f;
	setup(&f);
	struct pb_msg m;
	log_msg(&m, 150, 'y');
	uint8_t buf[97];
	for (int i = 0; i < 2000; i++) {
		ck_assert_int_eq(pb_device_send(&f.dev, &m), 0);
		while (pb_device_pending(&f.dev) > 200)
			pb_device_take(&f.dev, buf, sizeof buf);
	}
	ck_assert_uint_eq(f.dev.out_dropped, 0);
}
END_TEST

START_TEST(answer_not_queued_is_remembered)
{
	/* protocol.md 7.7: a RESPONSE that does not fit the full queue is
	 * dropped whole but remembered, so the retry gets it */
	static struct fx f;
	setup(&f);
	struct pb_msg m;
	log_msg(&m, 200, 'z');
	while (pb_device_send(&f.dev, &m) == 0)
		;
	/* then to the brim with the smallest frame (14 bytes, one less than
	 * an answer without a body) */
	m.u.log.len = 0;
	while (pb_device_send(&f.dev, &m) == 0)
		;
	uint32_t dropped = f.dev.out_dropped;
	set_level(&f, PB_F_ACK_REQ, 11, 6, 1000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	ck_assert_uint_eq(f.dev.out_dropped, dropped + 1);
	pb_device_drop_output(&f.dev);
	set_level(&f, PB_F_ACK_REQ | PB_F_RETRY, 11, 6, 200000);
	ck_assert_int_eq(f.runs[PB_T_SET_LEVEL], 1);
	drain(&f);
	ck_assert_int_eq(f.nout, 1);
	ck_assert_int_eq(f.out[0].txn, 11);
	ck_assert_int_eq(f.out[0].u.resp.status, PB_ST_OK);
	ck_assert_int_eq(f.out[0].u.resp.req_type, PB_T_SET_LEVEL);
}
END_TEST

static Suite *device_suite(void)
{
	Suite *s = suite_create("device");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, command_runs_once_and_is_answered);
	tcase_add_test(tc, retry_answered_from_cache_not_rerun);
	tcase_add_test(tc, retry_of_unseen_command_runs_it);
	tcase_add_test(tc, same_txn_without_retry_flag_is_new_command);
	tcase_add_test(tc, retry_with_other_type_is_new_command);
	tcase_add_test(tc, stale_cache_entry_not_taken_for_retry);
	tcase_add_test(tc, forget_txns_makes_a_retry_run_again);
	tcase_add_test(tc, cache_holds_all_entries);
	tcase_add_test(tc, cache_evicts_oldest);
	tcase_add_test(tc, bad_payload_refused_without_running);
	tcase_add_test(tc, handler_status_is_sent);
	tcase_add_test(tc, unknown_type_with_ack_gets_unknown_cmd);
	tcase_add_test(tc, heartbeat_feeds_watchdog_only);
	tcase_add_test(tc, only_valid_heartbeat_or_command_feeds_watchdog);
	tcase_add_test(tc, junk_before_any_host_does_not_arm_watchdog);
	tcase_add_test(tc, each_frame_counted_once_by_first_broken_rule);
	tcase_add_test(tc, heartbeat_with_ack_req_is_a_heartbeat);
	tcase_add_test(tc, command_without_ack_req_or_txn_refused_not_run);
	tcase_add_test(tc, device_types_from_host_never_answered);
	tcase_add_test(tc, garbage_from_host_ignored_and_counted);
	tcase_add_test(tc, host_seq_gaps_counted);
	tcase_add_test(tc, send_numbers_frames_and_queue_drains_in_chunks);
	tcase_add_test(tc, full_output_drops_and_consumes_seq);
	tcase_add_test(tc, short_answers_always_remembered);
	tcase_add_test(tc, peek_consume_and_drop);
	tcase_add_test(tc, queue_reuses_space_as_it_drains);
	tcase_add_test(tc, answer_not_queued_is_remembered);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(device_suite)
