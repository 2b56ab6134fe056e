/*
 * hil/conform-stream.c - the rules of the session (HELLO, READ_INFO) and
 * of what the device streams (framing, seq, answers, heartbeats,
 * telemetry, sample indices and rate, events and logs).  The stream rules
 * are judged from the whole run's tallies at its end.  See conform-impl.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hil/conform-impl.h"
#include "hil/conform-wire.h"

/* ---- rules: session ------------------------------------------------------- */

void pb_cf_rule_hello(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t p[18];
	struct answer a;
	char why[160];
	pb_cf_hello_payload(p, 1, 1);
	int st = pb_cf_command(c, T_HELLO, p, sizeof p, &a);
	if (st < 0) {
		r->out = PB_OUT_ERROR;
		snprintf(r->msg, sizeof r->msg, "docs/protocol.md 5.1: no "
		    "answer to HELLO in %.1f s: is this a pumpbench-protocol "
		    "device at this baud rate?", ANSWER_WAIT(c) / 1e6);
		return;
	}
	if (st != ST_OK) {
		pb_cf_fail(r, "HELLO (versions 1..1) answered %s",
		    pb_cf_st_name(st));
		return;
	}
	if (!pb_cf_parse_info(a.body, a.body_len, &c->info, why, sizeof why)) {
		pb_cf_fail(r, "HELLO: %s", why);
		return;
	}
	c->info_hello = c->info;
	c->initial_rate = c->info.rate;
	c->session = true;
	pb_cf_note(r, "device: firmware \"%s\" serial \"%s\" profile \"%s\", "
	    "%u channel(s), %u levels, modes 0x%02x, %u Hz, max_target %d, "
	    "trip %d dmmHg, cal_id %lu, factory %u", c->info.fw, c->info.serial,
	    c->info.profile, c->info.channels, c->info.levels, c->info.modes,
	    c->info.rate, c->info.max_target, c->info.trip, (unsigned
	    long)c->info.cal_id, c->info.factory);
	if (c->info.proto != 1)
		pb_cf_fail(r, "proto_version %u, this suite speaks 1",
		    c->info.proto);
	pb_cf_measure(r, "HELLO answer time", a.latency_us / 1000.0, "ms", NAN,
	    NAN, NAN, 200.0);
	pb_cf_stats_snapshot(c);
}

void pb_cf_rule_hello_version(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t p[18];
	pb_cf_hello_payload(p, 2, 3);
	int st = pb_cf_command(c, T_HELLO, p, sizeof p, NULL);
	if (st != ST_BAD_VALUE)
		pb_cf_fail(r, "HELLO for versions 2..3 answered %s, not "
		    "BAD_VALUE", pb_cf_st_name(st));
	pb_cf_hello_payload(p, 1, 3);
	st = pb_cf_command(c, T_HELLO, p, sizeof p, NULL);
	if (st != ST_OK)
		pb_cf_fail(r, "HELLO for versions 1..3 answered %s, not OK",
		    pb_cf_st_name(st));
}

void pb_cf_rule_read_info(struct rr *r)
{
	struct info in;
	if (!pb_cf_read_info(r->c, &in, r))
		return;
	const struct info *h = &r->c->info_hello;
	if (strcmp(in.fw, h->fw) || strcmp(in.serial, h->serial) ||
	    strcmp(in.profile, h->profile) || in.channels != h->channels ||
	    in.levels != h->levels || in.modes != h->modes ||
	    in.max_target != h->max_target || in.trip != h->trip ||
	    in.cal_id != h->cal_id)
		pb_cf_fail(r, "READ_INFO and HELLO give different device info");
	r->c->info = in;
}

/* ---- rules: streams ------------------------------------------------------- */

/* Judge a whole-run tally. */
static void judge_tally(struct rr *r, const struct tally *t,
    const char *what)
{
	if (t->n)
		pb_cf_fail(r, "%llu %s; the first: %s", (unsigned long
		    long)t->n, what, t->first);
}

void pb_cf_rule_framing(struct rr *r)
{
	struct cf *c = r->c;
	pb_cf_note(r, "%llu frames, %llu bytes skipped before the first 0x00, "
	    "%llu empty pieces", (unsigned long long)c->rd.frames, (unsigned
	    long long)c->rd.resync_bytes, (unsigned long long)c->rd.empty);
	judge_tally(r, &c->framing, "pieces were not frames");
	judge_tally(r, &c->flags, "header fields broke 3.1/3.2");
	if (c->rd.frames == 0)
		pb_cf_fail(r, "the device sent no frame at all");
}

void pb_cf_rule_seq(struct rr *r)
{
	judge_tally(r, &r->c->seq, "seq breaks");
	if (r->c->boots)
		pb_cf_fail(r, "the device restarted during the run (%llu BOOT "
		    "events)", (unsigned long long)r->c->boots);
}

void pb_cf_rule_responses(struct rr *r)
{
	struct cf *c = r->c;
	judge_tally(r, &c->resp_bad, "malformed RESPONSE frames");
	judge_tally(r, &c->unasked, "answers to nothing the suite sent");
	pb_cf_measure(r, "slowest answer", c->max_latency_us / 1000.0, "ms",
	    NAN, ANSWER_WAIT(c) / 1000.0, NAN, 200.0);
}

void pb_cf_rule_heartbeat(struct rr *r)
{
	struct cf *c = r->c;
	judge_tally(r, &c->hb_bad, "malformed HEARTBEAT frames");
	unsigned n = c->hb_n < NHB ? (unsigned)c->hb_n : NHB;
	if (n < 5) {
		pb_cf_fail(r, "%u device heartbeats in the run", n);
		return;
	}
	/* the last n heartbeats: period by the device's clock and by ours */
	const struct hb *first = &c->hbs[(c->hb_i + NHB - n) % NHB];
	const struct hb *last = &c->hbs[(c->hb_i + NHB - 1) % NHB];
	double dev_ms = (double)(last->time_ms - first->time_ms) / (n - 1);
	double host_ms = (double)(last->t_us - first->t_us) / 1000.0 / (n - 1);
	double gap_ms = 0;
	for (unsigned k = 1; k < n; k++) {
		const struct hb *a = &c->hbs[(c->hb_i + NHB - n + k - 1) % NHB];
		const struct hb *b = &c->hbs[(c->hb_i + NHB - n + k) % NHB];
		double g = (double)(b->t_us - a->t_us) / 1000.0;
		if (g > gap_ms)
			gap_ms = g;
	}
	pb_cf_measure(r, "heartbeat period (device clock)", dev_ms, "ms", 240,
	    260, NAN, NAN);
	pb_cf_measure(r, "heartbeat period (host clock)", host_ms, "ms", 225,
	    275, NAN, NAN);
	/* a host declares the link lost after 1 s without a frame */
	pb_cf_measure(r, "longest heartbeat gap (host clock)", gap_ms, "ms",
	    NAN, 750, NAN, 400);
}

void pb_cf_rule_telemetry(struct rr *r)
{
	struct cf *c = r->c;
	judge_tally(r, &c->tel_bad, "malformed TELEMETRY batches");
	if (c->tel_n == 0)
		pb_cf_fail(r, "no TELEMETRY in the whole run (7.1: always, "
		    "also when idle)");
}

void pb_cf_rule_samples(struct rr *r)
{
	judge_tally(r, &r->c->samples, "sample index breaks");
}

void pb_cf_rule_events(struct rr *r)
{
	struct cf *c = r->c;
	pb_cf_note(r, "%llu events, %llu log lines", (unsigned long
	    long)c->ev_total, (unsigned long long)c->log_n);
	judge_tally(r, &c->ev_bad, "malformed EVENT frames");
	judge_tally(r, &c->log_bad, "malformed LOG frames");
}

/* Samples per second over a window of telemetry, by the device's clock
 * and by the host's. */
static void rate_window(struct cf *c, uint64_t us, double *dev_hz,
    double *host_hz)
{
	*dev_hz = *host_hz = NAN;
	if (!pb_cf_wait_tel(c, pb_cf_now(c), 1000000u, pb_cf_p_any, NULL))
		return;
	struct tel a = c->tel;
	pb_cf_pump_for(c, us);
	struct tel b = c->tel;
	if (b.t_us == a.t_us || b.device_ms == a.device_ms)
		return;
	double n = (double)(uint32_t)(b.first - a.first);
	*dev_hz = n * 1000.0 / (double)(uint32_t)(b.device_ms - a.device_ms);
	*host_hz = n * 1e6 / (double)(b.t_us - a.t_us);
}

void pb_cf_rule_sample_rate(struct rr *r)
{
	struct cf *c = r->c;
	double dev, host;
	unsigned adv = c->info.rate;
	rate_window(c, 2000000u, &dev, &host);
	pb_cf_note(r, "advertised %u Hz; measured %.1f Hz (device clock), %.1f "
	    "Hz (host clock)", adv, dev, host);
	pb_cf_measure(r, "sample rate / advertised (device clock)", dev / adv,
	    "", 0.98, 1.02, NAN, NAN);
	pb_cf_measure(r, "sample rate / advertised (host clock)", host / adv,
	    "", 0.90, 1.10, NAN, NAN);

	/* another rate, then back (5.10) */
	unsigned other = adv >= 200 ? adv / 2 : adv * 2;
	uint8_t p[2];
	pb_cw_put16(p, (uint16_t)other);
	int st = pb_cf_command(c, T_SET_RATE, p, 2, NULL);
	if (st == ST_BAD_VALUE) {
		pb_cf_note(r, "SET_RATE %u: BAD_VALUE (outside the device's "
		    "range)", other);
		return;
	}
	if (st != ST_OK) {
		pb_cf_fail(r, "SET_RATE %u answered %s", other,
		    pb_cf_st_name(st));
		return;
	}
	struct info in;
	if (pb_cf_read_info(c, &in, r) && in.rate != other)
		pb_cf_fail(r, "after SET_RATE %u the device info says %u Hz",
		    other, in.rate);
	rate_window(c, 1500000u, &dev, &host);
	pb_cf_note(r, "after SET_RATE %u: %.1f Hz (device clock)", other, dev);
	pb_cf_measure(r, "rate after SET_RATE / asked (device clock)", dev /
	    other, "", 0.98, 1.02, NAN, NAN);
	pb_cw_put16(p, (uint16_t)adv);
	if (pb_cf_command(c, T_SET_RATE, p, 2, NULL) != ST_OK)
		pb_cf_fail(r, "SET_RATE back to %u refused", adv);
}
