/*
 * tests/unit/test_client.c - the host client against a scripted device
 * (pb_device behind an in-memory link) in VIRTUAL time.
 *
 * The harness steps a virtual clock 1 ms at a time.  Each step it moves
 * the host's bytes into the device (whole frames, each of which a script
 * may drop), runs the device's periodic sends, moves the device's frames
 * back (each may be dropped, delayed, or preceded by garbage), then calls
 * pb_client_service(now).  Nothing depends on the real clock.
 */
#include <check.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/client.h"
#include "proto/device.h"
#include "tests/lib/check_main.h"

#define MS 1000u
#define MAX_INST 1024
#define MAX_TEL 256

struct sim;
typedef bool (*drop_fn)(struct sim *s, const struct pb_frame_hdr *h, int idx);

struct sim {
	struct pb_link *dev_link;
	struct pb_client *cl;
	pb_device dev;
	bool old_device;             /* answers DEVICE_STATS UNKNOWN_CMD */
	uint64_t now;

	uint8_t inbuf[8192];
	size_t inlen;
	int in_idx, out_idx;         /* frames seen in each direction */

	/* what the device saw */
	int runs[256];
	int inject_runs[MAX_INST];
	int hb_rx;
	uint64_t hb_at[128];
	int cmd_frames;
	uint8_t cmd_flags[256], cmd_txn[256];

	/* scripting */
	drop_fn drop_in, drop_out;
	int drop_param;              /* for the drop functions */
	uint32_t rng;
	uint64_t out_delay;
	bool dev_hb;                 /* device heartbeats at 4 Hz */
	uint64_t next_dev_hb;
	bool silent;                 /* device sends nothing */
	int garbage;                 /* garbage chunks injected */
	bool add_garbage;
	int16_t max_target;

	struct { uint64_t at; size_t len; uint8_t b[PB_WIRE_MAX]; } q[512];
	int qn;

	/* what the client reported */
	int inst_of_txn[256];
	int next_inst;
	int done_count[MAX_INST];
	int done_status[MAX_INST];
	uint64_t sent_at[MAX_INST], done_at[MAX_INST];
	int ups, downs;
	uint64_t up_at, down_at;
	int ntel;
	uint32_t tel_first[MAX_TEL], tel_lost[MAX_TEL];
	int heartbeats_seen;
	int untracked_done, untracked_status;
};

/* ---- device side ------------------------------------------------------- */

static void fill_info(struct pb_device_info *i, int16_t max_target)
{
	memset(i, 0, sizeof *i);
	i->proto_version = PB_PROTO_VERSION;
	strcpy(i->fw_version, "2.0.1");
	strcpy(i->serial, "PB-TEST-0001");
	strcpy(i->profile, "s10pro");
	i->channels = 2;
	i->levels = 9;
	i->modes = (1u << PB_MODE_STIMULATION) | (1u << PB_MODE_EXPRESSION);
	i->sample_rate_hz = 100;
	i->max_target = max_target;
	i->trip = 3000;
}

static void handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us)
{
	struct sim *s = ctx;
	(void)now_us;
	s->runs[cmd->type]++;
	switch (cmd->type) {
	case PB_T_HELLO:
	case PB_T_READ_INFO:
		resp->body_kind = PB_BODY_INFO;
		fill_info(&resp->body.info, s->max_target);
		break;
	case PB_T_INJECT:
		if (cmd->u.inject.value >= 0 && cmd->u.inject.value < MAX_INST)
			s->inject_runs[cmd->u.inject.value]++;
		break;
	case PB_T_SET_LEVEL:
		if (cmd->u.level > 9)
			resp->status = PB_ST_BAD_VALUE;
		break;
	case PB_T_CAL_HOLD:
		if (cmd->u.hold.target > s->max_target)
			resp->status = PB_ST_LIMIT;
		break;
	case PB_T_DEVICE_STATS:
		if (s->old_device) {
			resp->status = PB_ST_UNKNOWN_CMD;
			break;
		}
		pb_device_stats(&s->dev, &resp->body.stats);
		resp->body_kind = PB_BODY_STATS;
		break;
	default:
		break;
	}
}

static uint32_t rnd(struct sim *s)
{
	s->rng = s->rng * 1103515245u + 12345u;
	return (s->rng >> 16) & 0x7fff;
}

/* Split buf into frames ending at 0x00; call fn for each; keep the rest. */
static void host_to_device(struct sim *s)
{
	for (;;) {
		ssize_t r = pb_link_read(s->dev_link, s->inbuf + s->inlen,
		    sizeof s->inbuf - s->inlen);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		s->inlen += (size_t)r;
	}
	size_t start = 0;
	for (size_t i = 0; i < s->inlen; i++) {
		if (s->inbuf[i] != 0)
			continue;
		const uint8_t *f = s->inbuf + start;
		size_t n = i - start;
		struct pb_frame_hdr h;
		uint8_t payload[PB_MAX_PAYLOAD];
		bool drop = false;
		if (n > 0 && pb_frame_decode(f, n, &h, payload) == 0) {
			int idx = s->in_idx++;
			if (h.type == PB_T_HEARTBEAT) {
				if (s->hb_rx < 128)
					s->hb_at[s->hb_rx] = s->now;
				s->hb_rx++;
			}
			if (pb_type_is_command(h.type) && s->cmd_frames < 256) {
				s->cmd_flags[s->cmd_frames] = h.flags;
				s->cmd_txn[s->cmd_frames] = h.txn;
				s->cmd_frames++;
			}
			drop = s->drop_in && s->drop_in(s, &h, idx);
		}
		if (!drop)
			pb_device_rx(&s->dev, f, n + 1, s->now);
		start = i + 1;
	}
	memmove(s->inbuf, s->inbuf + start, s->inlen - start);
	s->inlen -= start;
}

static void link_write_all(struct sim *s, const uint8_t *b, size_t n)
{
	ck_assert_int_eq(pb_link_write(s->dev_link, b, n), (ssize_t)n);
}

static void device_to_host(struct sim *s)
{
	if (s->dev_hb && s->now >= s->next_dev_hb) {
		struct pb_msg m;
		memset(&m, 0, sizeof m);
		m.type = PB_T_HEARTBEAT;
		m.u.hb.time_ms = (uint32_t)(s->now / MS);
		pb_device_send(&s->dev, &m);
		s->next_dev_hb += 250 * MS;
	}
	uint8_t out[PB_DEV_OUT_CAP];
	size_t n = pb_device_take(&s->dev, out, sizeof out);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i] != 0)
			continue;
		size_t len = i + 1 - start;
		struct pb_frame_hdr h;
		uint8_t payload[PB_MAX_PAYLOAD];
		ck_assert_int_eq(pb_frame_decode(out + start, len - 1, &h,
		    payload), 0);
		int idx = s->out_idx++;
		bool drop = s->silent || (s->drop_out && s->drop_out(s, &h, idx));
		if (!drop) {
			ck_assert_int_lt(s->qn, 512);
			ck_assert_uint_le(len, PB_WIRE_MAX);
			s->q[s->qn].at = s->now + s->out_delay;
			s->q[s->qn].len = len;
			memcpy(s->q[s->qn].b, out + start, len);
			s->qn++;
		}
		start = i + 1;
	}
	int k = 0;
	for (int i = 0; i < s->qn; i++) {
		if (s->q[i].at <= s->now) {
			if (s->add_garbage) {
				uint8_t g[40];
				size_t gl = 1 + rnd(s) % 30;
				for (size_t j = 0; j < gl; j++)
					g[j] = (uint8_t)(1 + rnd(s) % 255);
				g[gl] = 0;
				link_write_all(s, g, gl + 1);
				s->garbage++;
			}
			link_write_all(s, s->q[i].b, s->q[i].len);
		} else {
			s->q[k++] = s->q[i];
		}
	}
	s->qn = k;
}

static void step(struct sim *s)
{
	host_to_device(s);
	device_to_host(s);
	pb_client_service(s->cl, s->now);
	/* the client's deadlines never lie in the past after service */
	ck_assert_uint_gt(pb_client_next_deadline(s->cl), s->now);
	s->now += MS;
}

static void run_until(struct sim *s, uint64_t t)
{
	while (s->now < t)
		step(s);
}

static bool run_until_done(struct sim *s, int inst, uint64_t limit)
{
	while (s->now < limit && s->done_count[inst] == 0)
		step(s);
	return s->done_count[inst] > 0;
}

/* ---- client callbacks ---------------------------------------------------- */

static void on_done(void *ctx, uint8_t txn, int status,
    const struct pb_response *resp)
{
	struct sim *s = ctx;
	int inst = s->inst_of_txn[txn];
	if (inst < 0) {                 /* the client's own (HELLO) */
		s->untracked_done++;
		s->untracked_status = status;
		return;
	}
	s->inst_of_txn[txn] = -1;
	s->done_count[inst]++;
	s->done_status[inst] = status;
	s->done_at[inst] = s->now;
	if (status == PB_CLIENT_OK || status == PB_CLIENT_E_STATUS)
		ck_assert_ptr_nonnull(resp);
	else
		ck_assert_ptr_null(resp);
}

static void on_link(void *ctx, bool up, const char *why)
{
	struct sim *s = ctx;
	ck_assert_ptr_nonnull(why);
	if (up) {
		s->ups++;
		s->up_at = s->now;
	} else {
		s->downs++;
		s->down_at = s->now;
	}
}

static void on_tel(void *ctx, const struct pb_telemetry *t, uint32_t lost)
{
	struct sim *s = ctx;
	ck_assert_int_lt(s->ntel, MAX_TEL);
	s->tel_first[s->ntel] = t->first_sample;
	/* the samples themselves come through intact (see send_tel) */
	ck_assert_int_eq(t->channels, 2);
	for (int i = 0; i < t->n; i++) {
		ck_assert_int_eq(t->samples[0][i],
		    (int16_t)(t->first_sample + (uint32_t)i));
		ck_assert_int_eq(t->samples[1][i], -i);
	}
	s->tel_lost[s->ntel] = lost;
	s->ntel++;
}

static void on_hb(void *ctx, const struct pb_heartbeat *hb)
{
	struct sim *s = ctx;
	(void)hb;
	s->heartbeats_seen++;
}

static struct sim *sim_new(void)
{
	struct sim *s = calloc(1, sizeof *s);
	ck_assert_ptr_nonnull(s);
	struct pb_link *host;
	ck_assert_int_eq(pb_link_mem_pair(&host, &s->dev_link), PB_LINK_OK);
	struct pb_client_cb cb = {
		.ctx = s, .done = on_done, .link = on_link,
		.telemetry = on_tel, .heartbeat = on_hb,
	};
	s->cl = pb_client_new(host, &cb);
	ck_assert_ptr_nonnull(s->cl);
	pb_device_init(&s->dev, handler, s);
	s->now = 1000000;            /* virtual clock starts at 1 s */
	s->next_dev_hb = s->now;
	s->rng = 12345;
	s->max_target = 2500;
	for (int i = 0; i < 256; i++)
		s->inst_of_txn[i] = -1;
	return s;
}

static void sim_free(struct sim *s)
{
	pb_client_free(s->cl);
	pb_link_close(s->dev_link);
	free(s);
}

/* Register a just-sent txn as instance inst. */
static int track(struct sim *s, int txn)
{
	ck_assert_int_ge(txn, 1);
	ck_assert_int_le(txn, 255);
	int inst = s->next_inst++;
	ck_assert_int_lt(inst, MAX_INST);
	s->inst_of_txn[txn] = inst;
	s->sent_at[inst] = s->now;
	return inst;
}

static int send_inject(struct sim *s)
{
	int inst = s->next_inst;
	int txn = pb_client_inject(s->cl, PB_FLT_LEAK, 0, inst, s->now);
	if (txn < 0)
		return txn;
	return track(s, txn);
}

static int hello(struct sim *s)
{
	int inst = track(s, pb_client_hello(s->cl, s->now));
	ck_assert(run_until_done(s, inst, s->now + 2000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	return inst;
}

/* ---- drop scripts -------------------------------------------------------- */

/* drop the first drop_param responses */
static bool drop_first_responses(struct sim *s, const struct pb_frame_hdr *h,
    int idx)
{
	(void)idx;
	if (h->type == PB_T_RESPONSE && s->drop_param > 0) {
		s->drop_param--;
		return true;
	}
	return false;
}

/* drop the first drop_param command frames */
static bool drop_first_commands(struct sim *s, const struct pb_frame_hdr *h,
    int idx)
{
	(void)idx;
	if (pb_type_is_command(h->type) && s->drop_param > 0) {
		s->drop_param--;
		return true;
	}
	return false;
}

static bool drop_all_commands(struct sim *s, const struct pb_frame_hdr *h,
    int idx)
{
	(void)s;
	(void)idx;
	return pb_type_is_command(h->type);
}

/* drop drop_param percent of everything (both directions) */
static bool drop_random(struct sim *s, const struct pb_frame_hdr *h, int idx)
{
	(void)h;
	(void)idx;
	return (int)(rnd(s) % 100) < s->drop_param;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(hello_learns_device_info_and_rtt)
{
	struct sim *s = sim_new();
	ck_assert_ptr_null(pb_client_info(s->cl));
	int inst = hello(s);
	const struct pb_device_info *i = pb_client_info(s->cl);
	ck_assert_ptr_nonnull(i);
	ck_assert_str_eq(i->serial, "PB-TEST-0001");
	ck_assert_int_eq(i->max_target, 2500);
	const struct pb_client_stats *st = pb_client_stats(s->cl);
	ck_assert_uint_eq(st->cmds_sent, 1);
	ck_assert_uint_eq(st->cmds_ok, 1);
	ck_assert_uint_eq(st->retries, 0);
	/* one step to the device, one back: 1..3 ms of virtual time */
	ck_assert_uint_ge(st->last_rtt_us, 1 * MS);
	ck_assert_uint_le(st->last_rtt_us, 3 * MS);
	ck_assert_uint_eq(s->done_at[inst] - s->sent_at[inst], st->last_rtt_us);
	ck_assert_int_eq(s->runs[PB_T_HELLO], 1);
	ck_assert(s->cmd_flags[0] & PB_F_ACK_REQ);
	ck_assert(!(s->cmd_flags[0] & PB_F_RETRY));
	sim_free(s);
}
END_TEST

START_TEST(dropped_response_retried_not_rerun)
{
	struct sim *s = sim_new();
	s->drop_out = drop_first_responses;
	s->drop_param = 2;
	int inst = send_inject(s);
	ck_assert(run_until_done(s, inst, s->now + 2000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	ck_assert_int_eq(s->done_count[inst], 1);
	ck_assert_int_eq(s->inject_runs[inst], 1);      /* ran once */
	ck_assert_int_eq(s->cmd_frames, 3);              /* 1 + 2 retries */
	ck_assert(!(s->cmd_flags[0] & PB_F_RETRY));
	ck_assert(s->cmd_flags[1] & PB_F_RETRY);
	ck_assert(s->cmd_flags[2] & PB_F_RETRY);
	ck_assert_int_eq(s->cmd_txn[1], s->cmd_txn[0]);
	ck_assert_int_eq(s->cmd_txn[2], s->cmd_txn[0]);
	ck_assert_uint_eq(s->dev.dup_commands, 2);
	ck_assert_uint_eq(pb_client_stats(s->cl)->retries, 2);
	/* answered after the third attempt, sent at +400 ms */
	ck_assert_uint_ge(s->done_at[inst] - s->sent_at[inst], 400 * MS);
	ck_assert_uint_le(s->done_at[inst] - s->sent_at[inst], 800 * MS);
	sim_free(s);
}
END_TEST

START_TEST(dropped_requests_retried_and_run_once)
{
	struct sim *s = sim_new();
	s->drop_in = drop_first_commands;
	s->drop_param = 3;           /* only the last attempt gets through */
	int inst = send_inject(s);
	ck_assert(run_until_done(s, inst, s->now + 2000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	ck_assert_int_eq(s->inject_runs[inst], 1);
	ck_assert_int_eq(s->cmd_frames, 4);
	for (int i = 1; i < 4; i++)
		ck_assert(s->cmd_flags[i] & PB_F_RETRY);
	ck_assert_uint_eq(s->dev.dup_commands, 0);
	ck_assert_uint_ge(s->done_at[inst] - s->sent_at[inst], 600 * MS);
	ck_assert_uint_lt(s->done_at[inst] - s->sent_at[inst], 800 * MS);
	/* a retried command gives no RTT sample (Karn) */
	ck_assert_uint_eq(pb_client_stats(s->cl)->last_rtt_us, 0);
	sim_free(s);
}
END_TEST

START_TEST(delayed_responses_complete_once)
{
	struct sim *s = sim_new();
	s->out_delay = 250 * MS;     /* longer than one attempt's timeout */
	int inst = send_inject(s);
	ck_assert(run_until_done(s, inst, s->now + 2000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	/* the first (delayed) answer completes it, at ~+251 ms */
	ck_assert_uint_ge(s->done_at[inst] - s->sent_at[inst], 250 * MS);
	ck_assert_uint_le(s->done_at[inst] - s->sent_at[inst], 260 * MS);
	run_until(s, s->now + 1000 * MS);
	ck_assert_int_eq(s->done_count[inst], 1);
	ck_assert_int_eq(s->inject_runs[inst], 1);
	ck_assert_int_eq(s->cmd_frames, 2);              /* one retry went */
	ck_assert_uint_eq(s->dev.dup_commands, 1);
	/* the retry's answer arrives later and is counted, not delivered */
	ck_assert_uint_eq(pb_client_stats(s->cl)->late_responses, 1);
	sim_free(s);
}
END_TEST

START_TEST(no_answer_fails_at_deadline)
{
	struct sim *s = sim_new();
	s->drop_in = drop_all_commands;
	int inst = send_inject(s);
	ck_assert(run_until_done(s, inst, s->now + 5000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_E_TIMEOUT);
	/* exactly 4 attempts x 200 ms (the step after the deadline) */
	ck_assert_uint_ge(s->done_at[inst] - s->sent_at[inst], 800 * MS);
	ck_assert_uint_le(s->done_at[inst] - s->sent_at[inst], 801 * MS);
	ck_assert_int_eq(s->cmd_frames, 1 + PB_CMD_RETRIES);
	ck_assert_int_eq(s->inject_runs[inst], 0);
	const struct pb_client_stats *st = pb_client_stats(s->cl);
	ck_assert_uint_eq(st->timeouts, 1);
	ck_assert_uint_eq(st->cmds_failed, 1);
	ck_assert_uint_eq(st->retries, PB_CMD_RETRIES);
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl),
	    "no response"));
	sim_free(s);
}
END_TEST

START_TEST(lossy_link_property)
{
	/* 30 % of frames lost both ways, commands sent every 40 ms with up
	 * to 8 in flight: every command ends exactly once within its
	 * deadline, acked ones ran exactly once, none ran twice. */
	struct sim *s = sim_new();
	s->drop_in = drop_random;
	s->drop_out = drop_random;
	s->drop_param = 30;
	s->rng = 777;
	int sent = 0, busy = 0;
	uint64_t next_send = s->now;
	while (sent < 400) {
		if (s->now >= next_send) {
			int inst = send_inject(s);
			if (inst == PB_CLIENT_E_BUSY)
				busy++;
			else {
				ck_assert_int_ge(inst, 0);
				sent++;
			}
			next_send = s->now + 40 * MS;
		}
		step(s);
	}
	run_until(s, s->now + 1000 * MS);
	int ok = 0, timeout = 0;
	for (int i = 0; i < sent; i++) {
		ck_assert_int_eq(s->done_count[i], 1);
		ck_assert_uint_le(s->done_at[i] - s->sent_at[i], 801 * MS);
		ck_assert_int_le(s->inject_runs[i], 1);
		if (s->done_status[i] == PB_CLIENT_OK) {
			ok++;
			ck_assert_int_eq(s->inject_runs[i], 1);
		} else {
			ck_assert_int_eq(s->done_status[i], PB_CLIENT_E_TIMEOUT);
			timeout++;
		}
	}
	/* with 4 attempts at 51 % round-trip success, most succeed */
	ck_assert_int_gt(ok, sent * 8 / 10);
	ck_assert_int_gt(timeout, 0);
	const struct pb_client_stats *st = pb_client_stats(s->cl);
	ck_assert_uint_eq(st->cmds_ok, (uint64_t)ok);
	ck_assert_uint_eq(st->timeouts, (uint64_t)timeout);
	ck_assert_uint_gt(s->dev.dup_commands, 0);
	(void)busy;
	sim_free(s);
}
END_TEST

START_TEST(heartbeats_at_4hz)
{
	struct sim *s = sim_new();
	uint64_t t0 = s->now;
	run_until(s, t0 + 10000 * MS);
	ck_assert_int_eq(s->hb_rx, 40);
	for (int i = 1; i < 40; i++)
		ck_assert_uint_eq(s->hb_at[i] - s->hb_at[i - 1], 250 * MS);
	ck_assert_uint_le(s->hb_at[0] - t0, 1 * MS);
	/* the device watchdog stays quiet while heartbeats flow */
	ck_assert(!pb_device_host_lost(&s->dev, s->now));
	sim_free(s);
}
END_TEST

START_TEST(link_lost_after_1s_and_recovers)
{
	struct sim *s = sim_new();
	s->dev_hb = true;
	run_until(s, s->now + 500 * MS);
	ck_assert_int_eq(s->ups, 1);
	ck_assert(pb_client_stats(s->cl)->link_up);
	ck_assert_int_gt(s->heartbeats_seen, 0);

	s->silent = true;
	uint64_t last = s->now;      /* last frame arrived shortly before */
	run_until(s, s->now + 2000 * MS);
	ck_assert_int_eq(s->downs, 1);
	ck_assert(!pb_client_stats(s->cl)->link_up);
	/* down exactly 1 s after the last valid frame (ticks at 250 ms) */
	ck_assert_uint_le(s->down_at - last, 1000 * MS);
	ck_assert_uint_ge(s->down_at - last, 750 * MS);

	s->silent = false;
	run_until(s, s->now + 500 * MS);
	ck_assert_int_eq(s->ups, 2);
	ck_assert(pb_client_stats(s->cl)->link_up);
	ck_assert_int_eq(s->downs, 1);
	sim_free(s);
}
END_TEST

START_TEST(link_down_when_device_never_answers)
{
	struct sim *s = sim_new();
	uint64_t t0 = s->now;
	run_until(s, t0 + 1500 * MS);
	ck_assert_int_eq(s->ups, 0);
	ck_assert_int_eq(s->downs, 1);
	ck_assert_uint_eq(s->down_at - t0, 1000 * MS);
	sim_free(s);
}
END_TEST

START_TEST(gone_while_silent_is_reported)
{
	struct sim *s = sim_new();
	s->dev_hb = true;
	run_until(s, s->now + 500 * MS);
	s->silent = true;
	run_until(s, s->now + 1500 * MS);
	ck_assert_int_eq(s->downs, 1);
	int inst = send_inject(s);
	/* now the device goes away altogether */
	pb_link_close(s->dev_link);
	s->dev_link = NULL;
	ck_assert_int_eq(pb_client_service(s->cl, s->now), PB_CLIENT_E_LINK);
	ck_assert_int_eq(s->downs, 2);          /* told again, with why */
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl), "gone"));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_E_LINK);
	ck_assert_int_eq(pb_client_fd(s->cl), -1);
	ck_assert(!pb_client_wants_write(s->cl));
	/* a mem link cannot be reopened: tried once a second, refused */
	ck_assert_uint_eq(pb_client_next_deadline(s->cl), s->now + 1000 * MS);
	ck_assert_int_eq(pb_client_service(s->cl, s->now + 1000 * MS),
	    PB_CLIENT_E_LINK);
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl),
	    "reconnect failed"));
	ck_assert_uint_eq(pb_client_stats(s->cl)->reconnects, 0);
	sim_free(s);
}
END_TEST

static void send_tel(struct sim *s, uint32_t first, uint8_t n)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_TELEMETRY;
	m.u.tel.first_sample = first;
	m.u.tel.device_ms = (uint32_t)(s->now / MS);
	m.u.tel.n = n;
	m.u.tel.channels = 2;
	m.u.tel.mode = PB_MODE_EXPRESSION;
	m.u.tel.level = 3;
	m.u.tel.run_state = PB_RS_RUNNING;
	m.u.tel.channel_mask = 3;
	for (int i = 0; i < n; i++) {
		m.u.tel.samples[0][i] = (int16_t)(first + (uint32_t)i);
		m.u.tel.samples[1][i] = (int16_t)(-(int)i);
	}
	ck_assert_int_eq(pb_device_send(&s->dev, &m), 0);
}

/* drop device frames whose index is in the bitmask drop_param */
static bool drop_out_mask(struct sim *s, const struct pb_frame_hdr *h,
    int idx)
{
	(void)h;
	return idx < 31 && (s->drop_param >> idx) & 1;
}

START_TEST(sample_and_frame_loss_exact_across_wraps)
{
	struct sim *s = sim_new();
	s->drop_out = drop_out_mask;
	/* drop frames 3, 7 and 8 */
	s->drop_param = (1 << 3) | (1 << 7) | (1 << 8);
	s->dev.seq_tx = 65530;       /* seq wraps during the run */
	uint32_t first = 0xFFFFFFD0u; /* and so does the sample index */
	for (int i = 0; i < 12; i++) {
		send_tel(s, first, 10);
		first += 10;
		step(s);
	}
	run_until(s, s->now + 10 * MS);
	ck_assert_int_eq(s->ntel, 9);
	const struct pb_client_stats *st = pb_client_stats(s->cl);
	ck_assert_uint_eq(st->frames_lost, 3);
	ck_assert_uint_eq(st->samples_lost, 30);
	ck_assert_uint_eq(st->samples_rx, 90);
	/* delivered in order, each with the loss just before it */
	uint32_t expect_lost[9] = { 0, 0, 0, 10, 0, 0, 20, 0, 0 };
	for (int i = 0; i < 9; i++) {
		ck_assert_uint_eq(s->tel_lost[i], expect_lost[i]);
		if (i > 0)
			ck_assert_uint_eq(s->tel_first[i] - s->tel_first[i - 1],
			    10 + expect_lost[i]);
	}
	sim_free(s);
}
END_TEST

START_TEST(device_restart_resyncs_without_counting)
{
	struct sim *s = sim_new();
	send_tel(s, 5000, 10);
	step(s);
	/* the device reboots: seq and sample index start again */
	pb_device_init(&s->dev, handler, s);
	send_tel(s, 0, 10);
	step(s);
	send_tel(s, 10, 10);
	step(s);
	run_until(s, s->now + 5 * MS);
	ck_assert_int_eq(s->ntel, 3);
	const struct pb_client_stats *st = pb_client_stats(s->cl);
	ck_assert_uint_eq(st->frames_lost, 0);
	ck_assert_uint_eq(st->samples_lost, 0);
	sim_free(s);
}
END_TEST

START_TEST(garbage_between_frames_skipped_and_counted)
{
	struct sim *s = sim_new();
	s->add_garbage = true;
	s->dev_hb = true;
	uint32_t first = 0;
	for (int i = 0; i < 50; i++) {
		send_tel(s, first, 20);
		first += 20;
		step(s);
	}
	int inst = send_inject(s);
	ck_assert(run_until_done(s, inst, s->now + 1000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	run_until(s, s->now + 10 * MS);
	ck_assert_int_eq(s->ntel, 50);
	const struct pb_client_stats *st = pb_client_stats(s->cl);
	ck_assert_uint_eq(st->samples_lost, 0);
	ck_assert_uint_eq(st->frames_lost, 0);
	ck_assert_int_gt(s->garbage, 50);
	/* every garbage chunk is one dropped, counted "frame" */
	ck_assert_uint_eq(pb_rx_dropped(&st->rx), (uint64_t)s->garbage);
	ck_assert(st->link_up);
	sim_free(s);
}
END_TEST

START_TEST(cal_hold_limit_refused)
{
	struct sim *s = sim_new();
	/* before HELLO the limit is unknown: refuse */
	ck_assert_int_eq(pb_client_cal_hold(s->cl, 1, 100, s->now),
	    PB_CLIENT_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl), "HELLO"));
	hello(s);
	ck_assert_int_eq(pb_client_cal_hold(s->cl, 1, 2501, s->now),
	    PB_CLIENT_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl), "250.0"));
	ck_assert_int_eq(pb_client_cal_hold(s->cl, 3, INT16_MAX, s->now),
	    PB_CLIENT_E_LIMIT);
	ck_assert_int_eq(pb_client_cal_hold(s->cl, 1, -5, s->now),
	    PB_CLIENT_E_ARG);
	run_until(s, s->now + 50 * MS);
	ck_assert_int_eq(s->runs[PB_T_CAL_HOLD], 0);     /* nothing sent */
	int inst = track(s, pb_client_cal_hold(s->cl, 1, 2500, s->now));
	ck_assert(run_until_done(s, inst, s->now + 1000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	ck_assert_int_eq(s->runs[PB_T_CAL_HOLD], 1);
	sim_free(s);
}
END_TEST

START_TEST(device_stats_read_back)
{
	struct sim *s = sim_new();
	hello(s);
	ck_assert_ptr_null(pb_client_device_stats(s->cl));
	run_until(s, s->now + 600 * MS);
	int inst = track(s, pb_client_read_stats(s->cl, s->now));
	ck_assert(run_until_done(s, inst, s->now + 1000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	const struct pb_device_stats *d = pb_client_device_stats(s->cl);
	ck_assert_ptr_nonnull(d);
	/* HELLO and DEVICE_STATS ran; heartbeats every 250 ms; every frame
	 * the client sent arrived and is counted once */
	ck_assert_uint_eq(d->commands, 2);
	ck_assert_uint_ge(d->heartbeats, 2);
	ck_assert_uint_eq(d->frames_ok, d->heartbeats + d->commands);
	/* (a heartbeat may have left after the device's snapshot) */
	uint64_t tx = pb_client_stats(s->cl)->frames_tx;
	ck_assert_uint_le(d->frames_ok, tx);
	ck_assert_uint_ge(d->frames_ok, tx - 1);
	ck_assert_uint_eq(d->crc_errors + d->bad_payload + d->ignored +
	    d->frames_lost + d->host_lost + d->out_dropped, 0);
	sim_free(s);

	/* an older device: a clear status, no stats */
	s = sim_new();
	s->old_device = true;
	hello(s);
	inst = track(s, pb_client_read_stats(s->cl, s->now));
	ck_assert(run_until_done(s, inst, s->now + 1000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_E_STATUS);
	ck_assert_ptr_null(pb_client_device_stats(s->cl));
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl),
	    "UNKNOWN_CMD"));
	sim_free(s);
}
END_TEST

START_TEST(device_refusal_is_status_error)
{
	struct sim *s = sim_new();
	int inst = track(s, pb_client_set_level(s->cl, 42, s->now));
	ck_assert(run_until_done(s, inst, s->now + 1000 * MS));
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_E_STATUS);
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl),
	    "SET_LEVEL"));
	ck_assert_uint_eq(pb_client_stats(s->cl)->cmds_failed, 1);
	ck_assert_uint_eq(pb_client_stats(s->cl)->retries, 0);
	sim_free(s);
}
END_TEST

START_TEST(txn_ids_cycle_and_skip_in_flight)
{
	struct sim *s = sim_new();
	s->drop_in = drop_random;
	s->drop_param = 40;
	s->rng = 4242;
	int prev = 0, wraps = 0;
	for (int i = 0; i < 600; i++) {
		int inst = s->next_inst;
		int txn = pb_client_inject(s->cl, PB_FLT_LEAK, 0, inst, s->now);
		if (txn == PB_CLIENT_E_BUSY) {
			run_until(s, s->now + 70 * MS);
			continue;
		}
		ck_assert_int_ge(txn, 1);
		ck_assert_int_le(txn, 255);
		/* never the id of a command still in flight */
		ck_assert_int_eq(s->inst_of_txn[txn], -1);
		if (txn < prev)
			wraps++;
		prev = txn;
		track(s, txn);
		run_until(s, s->now + 70 * MS);
	}
	run_until(s, s->now + 1000 * MS);
	ck_assert_int_ge(wraps, 1);
	for (int i = 0; i < s->next_inst; i++) {
		ck_assert_int_eq(s->done_count[i], 1);
		ck_assert_int_le(s->inject_runs[i], 1);
	}
	sim_free(s);
}
END_TEST

START_TEST(in_flight_limit)
{
	struct sim *s = sim_new();
	s->drop_in = drop_all_commands;
	for (int i = 0; i < PB_MAX_INFLIGHT; i++)
		ck_assert_int_ge(send_inject(s), 0);
	run_until(s, s->now + 510 * MS);     /* past the rate window */
	ck_assert_int_eq(send_inject(s), PB_CLIENT_E_BUSY);
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl),
	    "in flight"));
	run_until(s, s->now + 300 * MS);     /* the first ones time out */
	ck_assert_int_ge(send_inject(s), 0);
	sim_free(s);
}
END_TEST

START_TEST(rate_limit)
{
	struct sim *s = sim_new();
	uint64_t t0 = s->now;
	for (int i = 0; i < PB_CMD_RATE_MAX; i++) {
		int inst = send_inject(s);
		ck_assert_int_ge(inst, 0);
		ck_assert(run_until_done(s, inst, s->now + 100 * MS));
	}
	/* all answered, none in flight, but 8 started within 500 ms */
	ck_assert_uint_lt(s->now - t0, PB_CMD_RATE_US);
	ck_assert_int_eq(send_inject(s), PB_CLIENT_E_BUSY);
	ck_assert_ptr_nonnull(strstr(pb_client_last_error(s->cl), "500 ms"));
	run_until(s, t0 + PB_CMD_RATE_US);
	ck_assert_int_ge(send_inject(s), 0);
	sim_free(s);
}
END_TEST

START_TEST(bad_arguments_refused)
{
	struct sim *s = sim_new();
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_TELEMETRY;        /* not a command */
	ck_assert_int_eq(pb_client_send(s->cl, &m, s->now), PB_CLIENT_E_ARG);
	ck_assert_int_eq(pb_client_send(s->cl, NULL, s->now), PB_CLIENT_E_ARG);
	m.type = PB_T_SET_CHANNELS;
	m.u.channel_mask = 0;           /* the codec refuses: not encodable */
	ck_assert_int_eq(pb_client_send(s->cl, &m, s->now), PB_CLIENT_E_ENCODE);
	ck_assert_ptr_null(pb_client_new(NULL, NULL));
	ck_assert_int_eq(pb_client_wait(s->cl, 0, NULL, 10), PB_CLIENT_E_ARG);
	ck_assert_str_ne(pb_client_strerror(PB_CLIENT_E_LIMIT), "");
	sim_free(s);
}
END_TEST

/* ---- reconnect (real pty, virtual client time) ----------------------------- */

static int read_frames(int fd, pb_device *dev, uint64_t now, int want_runs,
    const int *runs)
{
	/* feed the device until it has run want_runs HELLOs (or 5 s) */
	uint8_t buf[512];
	for (int i = 0; i < 500 && *runs < want_runs; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10) > 0) {
			ssize_t r = read(fd, buf, sizeof buf);
			if (r > 0)
				pb_device_rx(dev, buf, (size_t)r, now);
		}
	}
	return *runs;
}

START_TEST(reconnect_after_unplug_resends_hello)
{
	static struct sim sd;           /* device-side bookkeeping only */
	memset(&sd, 0, sizeof sd);
	sd.max_target = 2000;
	char dir[] = "/tmp/pb-test-client.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char link[256], tmp[256];
	snprintf(link, sizeof link, "%s/port", dir);
	snprintf(tmp, sizeof tmp, "%s/port.new", dir);

	int m1, s1, m2, s2;
	char n1[128], n2[128];
	ck_assert_int_eq(openpty(&m1, &s1, n1, NULL, NULL), 0);
	close(s1);
	ck_assert_int_eq(symlink(n1, link), 0);
	int err;
	char msg[256];
	struct pb_link *l = pb_link_open(link, NULL, &err, msg, sizeof msg);
	ck_assert_msg(l != NULL, "%s", msg);
	struct sim *s = calloc(1, sizeof *s);
	for (int i = 0; i < 256; i++)
		s->inst_of_txn[i] = -1;
	struct pb_client_cb cb = { .ctx = s, .done = on_done,
		.link = on_link };
	struct pb_client *c = pb_client_new(l, &cb);
	uint64_t now = 10000000;
	s->now = now;
	ck_assert_int_eq(pb_client_service(c, now), PB_CLIENT_OK);

	pb_device dev;
	pb_device_init(&dev, handler, &sd);
	int inst = track(s, pb_client_hello(c, now));
	ck_assert_int_eq(pb_client_service(c, now), PB_CLIENT_OK);
	ck_assert_int_eq(read_frames(m1, &dev, now, 1, &sd.runs[PB_T_HELLO]), 1);
	uint8_t out[PB_DEV_OUT_CAP];
	size_t n = pb_device_take(&dev, out, sizeof out);
	ck_assert_int_eq(write(m1, out, n), (ssize_t)n);
	for (int i = 0; i < 500 && s->done_count[inst] == 0; i++) {
		struct pollfd p = { .fd = pb_client_fd(c), .events = POLLIN };
		poll(&p, 1, 10);
		now += MS;
		s->now = now;
		pb_client_service(c, now);
	}
	ck_assert_int_eq(s->done_status[inst], PB_CLIENT_OK);
	ck_assert_ptr_nonnull(pb_client_info(c));

	/* unplug: a command in flight fails with PB_CLIENT_E_LINK */
	int inst2 = track(s, pb_client_set_level(c, 3, now));
	close(m1);
	unlink(link);
	int rc = PB_CLIENT_OK;
	for (int i = 0; i < 500 && rc == PB_CLIENT_OK; i++) {
		struct pollfd p = { .fd = pb_client_fd(c), .events = POLLIN };
		poll(&p, 1, 10);
		now += MS;
		s->now = now;
		rc = pb_client_service(c, now);
	}
	ck_assert_int_eq(rc, PB_CLIENT_E_LINK);
	uint64_t gone_at = now;
	ck_assert_int_eq(s->done_status[inst2], PB_CLIENT_E_LINK);
	ck_assert_int_ge(s->downs, 1);
	ck_assert_int_eq(pb_client_fd(c), -1);
	ck_assert_int_eq(pb_client_hello(c, now), PB_CLIENT_E_LINK);
	ck_assert_int_eq(pb_client_stats(c)->reconnects, 0);

	/* replugged under the same path; no retry before 1 s has passed */
	ck_assert_int_eq(openpty(&m2, &s2, n2, NULL, NULL), 0);
	close(s2);
	ck_assert_int_eq(symlink(n2, tmp), 0);
	ck_assert_int_eq(rename(tmp, link), 0);
	ck_assert_int_eq(pb_client_service(c, gone_at + 500 * MS), PB_CLIENT_E_LINK);
	ck_assert_int_eq(pb_client_stats(c)->reconnects, 0);
	now = gone_at + 1000 * MS;
	s->now = now;
	ck_assert_int_eq(pb_client_service(c, now), PB_CLIENT_OK);
	ck_assert_int_eq(pb_client_stats(c)->reconnects, 1);
	ck_assert_int_ge(pb_client_fd(c), 0);
	/* the device info is forgotten until the new HELLO is answered */
	ck_assert_ptr_null(pb_client_info(c));
	ck_assert_int_eq(pb_client_cal_hold(c, 1, 100, now), PB_CLIENT_E_LIMIT);

	/* the client said HELLO again by itself: answer it */
	pb_device_init(&dev, handler, &sd);
	ck_assert_int_eq(read_frames(m2, &dev, now, 2, &sd.runs[PB_T_HELLO]), 2);
	n = pb_device_take(&dev, out, sizeof out);
	ck_assert_int_eq(write(m2, out, n), (ssize_t)n);
	for (int i = 0; i < 500 && !pb_client_info(c); i++) {
		struct pollfd p = { .fd = pb_client_fd(c), .events = POLLIN };
		poll(&p, 1, 10);
		now += MS;
		s->now = now;
		pb_client_service(c, now);
	}
	ck_assert_ptr_nonnull(pb_client_info(c));
	ck_assert_int_eq(pb_client_info(c)->max_target, 2000);
	ck_assert_int_eq(s->untracked_done, 1);     /* its own HELLO */
	/* down once (unplug), up twice (first device, after reconnect) */
	ck_assert_int_eq(s->downs, 1);
	ck_assert_int_eq(s->ups, 2);
	ck_assert_int_eq(s->untracked_status, PB_CLIENT_OK);
	ck_assert(pb_client_stats(c)->link_up);

	pb_client_free(c);
	close(m2);
	unlink(link);
	rmdir(dir);
	free(s);
}
END_TEST

/* ---- pb_client_wait (real clock; device in a child process) ------------- */

static void child_device(struct pb_link *l, int16_t max_target)
{
	static struct sim sd;
	pb_device dev;
	sd.max_target = max_target;
	pb_device_init(&dev, handler, &sd);
	uint8_t buf[1024];
	for (int i = 0; i < 300; i++) {       /* at most ~3 s */
		struct pollfd p = { .fd = pb_link_fd(l), .events = POLLIN };
		poll(&p, 1, 10);
		ssize_t r = pb_link_read(l, buf, sizeof buf);
		if (r < 0)
			break;
		pb_device_rx(&dev, buf, (size_t)r, 0);
		size_t n = pb_device_take(&dev, buf, sizeof buf);
		if (n)
			pb_link_write(l, buf, n);
	}
	_exit(0);
}

START_TEST(wait_blocks_until_answer)
{
	struct pb_link *a, *b;
	ck_assert_int_eq(pb_link_mem_pair(&a, &b), PB_LINK_OK);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pb_link_close(a);
		child_device(b, 1800);
	}
	pb_link_close(b);
	struct pb_client *c = pb_client_new(a, NULL);
	int txn = pb_client_hello(c, pb_client_clock_us());
	ck_assert_int_ge(txn, 1);
	struct pb_response resp;
	memset(&resp, 0, sizeof resp);
	ck_assert_int_eq(pb_client_wait(c, txn, &resp, 5000), PB_CLIENT_OK);
	ck_assert_int_eq(resp.status, PB_ST_OK);
	ck_assert_int_eq(resp.body.info.max_target, 1800);
	ck_assert_int_eq(pb_client_info(c)->max_target, 1800);
	/* waiting on a finished txn returns its result at once */
	ck_assert_int_eq(pb_client_wait(c, txn, NULL, 0), PB_CLIENT_OK);
	pb_client_free(c);
	int st;
	waitpid(pid, &st, 0);
}
END_TEST

START_TEST(wait_reports_timeout_of_unanswered_command)
{
	struct pb_link *a, *b;
	ck_assert_int_eq(pb_link_mem_pair(&a, &b), PB_LINK_OK);
	struct pb_client *c = pb_client_new(a, NULL);
	int txn = pb_client_start(c, pb_client_clock_us());
	ck_assert_int_ge(txn, 1);
	/* nobody answers: the command's own 800 ms deadline ends the wait */
	ck_assert_int_eq(pb_client_wait(c, txn, NULL, 10000), PB_CLIENT_E_TIMEOUT);
	ck_assert_uint_eq(pb_client_stats(c)->retries, PB_CMD_RETRIES);
	pb_client_free(c);
	pb_link_close(b);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("commands");
	tcase_add_test(tc, hello_learns_device_info_and_rtt);
	tcase_add_test(tc, dropped_response_retried_not_rerun);
	tcase_add_test(tc, dropped_requests_retried_and_run_once);
	tcase_add_test(tc, delayed_responses_complete_once);
	tcase_add_test(tc, no_answer_fails_at_deadline);
	tcase_add_test(tc, lossy_link_property);
	tcase_add_test(tc, cal_hold_limit_refused);
	tcase_add_test(tc, device_stats_read_back);
	tcase_add_test(tc, device_refusal_is_status_error);
	tcase_add_test(tc, txn_ids_cycle_and_skip_in_flight);
	tcase_add_test(tc, in_flight_limit);
	tcase_add_test(tc, rate_limit);
	tcase_add_test(tc, bad_arguments_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("link");
	tcase_add_test(tc, heartbeats_at_4hz);
	tcase_add_test(tc, link_lost_after_1s_and_recovers);
	tcase_add_test(tc, link_down_when_device_never_answers);
	tcase_add_test(tc, gone_while_silent_is_reported);
	tcase_add_test(tc, sample_and_frame_loss_exact_across_wraps);
	tcase_add_test(tc, device_restart_resyncs_without_counting);
	tcase_add_test(tc, garbage_between_frames_skipped_and_counted);
	tcase_add_test(tc, reconnect_after_unplug_resends_hello);
	suite_add_tcase(s, tc);
	tc = tcase_create("wait");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, wait_blocks_until_answer);
	tcase_add_test(tc, wait_reports_timeout_of_unanswered_command);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(client_suite)
