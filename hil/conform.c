/*
 * hil/conform.c - the protocol conformance suite (see conform.h).
 *
 * Written from docs/protocol.md: the numbers below (types, lengths,
 * statuses, limits, 250 ms, 1 s, the 32-entry cache's 1 s) are the page's,
 * quoted with their section, and nothing of proto/ is included except the
 * link (bytes in and out) and the station answer (HMAC-SHA256 with
 * OpenSSL, the host side of 5.12).
 *
 * Shape of a run: every frame the device sends goes through the whole-run
 * observers (framing, seq, telemetry, sample indices, heartbeats, events,
 * logs, answers nobody asked for); the active rules send commands and
 * malformed input and watch what comes back; the observer rules are judged
 * at the end.  The suite behaves as a host must (7.2, 7.3): heartbeats
 * every 250 ms except while a rule keeps the line silent on purpose, at
 * most 8 new commands in any 500 ms, txn 1..255 in turn.
 */
#include "hil/conform.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil/conform-wire.h"
#include "proto/station.h"

/* ---- the page's numbers ------------------------------------------------- */

enum {                               /* 5, message catalogue */
	T_HELLO = 0x01, T_HEARTBEAT = 0x02, T_TELEMETRY = 0x03,
	T_EVENT = 0x04, T_LOG = 0x05,
	T_START = 0x10, T_STOP = 0x11, T_SET_MODE = 0x12, T_SET_LEVEL = 0x13,
	T_SET_CHANNELS = 0x14, T_SET_RATE = 0x15, T_CLEAR_FAULT = 0x16,
	T_READ_CAL = 0x17, T_WRITE_CAL = 0x18, T_READ_INFO = 0x19,
	T_CHALLENGE = 0x1A, T_UNLOCK = 0x1B, T_WRITE_SERIAL = 0x1C,
	T_CAL_HOLD = 0x1D, T_INJECT = 0x1E, T_WRITE_CAL_ALL = 0x1F,
	T_DEVICE_STATS = 0x20, T_RESPONSE = 0x80
};
enum { F_ACK_REQ = 0x01, F_RESPONSE = 0x02, F_RETRY = 0x04,
	F_RESERVED = 0xF8 };                        /* 3.2 */
enum {                               /* 6.7 */
	ST_OK = 0, ST_BAD_LENGTH = 1, ST_BAD_VALUE = 2, ST_UNKNOWN_CMD = 3,
	ST_WRONG_STATE = 4, ST_FAULT = 5, ST_LOCKED = 6, ST_AUTH_FAILED = 7,
	ST_LOCKED_OUT = 8, ST_STORAGE = 9, ST_LIMIT = 10, ST_NOT_PROVISIONED = 11
};
#define ST_LAST ST_NOT_PROVISIONED
enum { RS_IDLE = 0, RS_RUNNING = 1, RS_FAULT = 2, RS_CAL_HOLD = 3,
	RS_OFF = 4 };                               /* 6.2 */
enum { EV_ALARM_RAISED = 1, EV_ALARM_CLEARED = 2, EV_STATE = 3,
	EV_MODE = 4, EV_AUTO_OFF = 5, EV_BOOT = 6, EV_FACTORY = 7 };
#define AL_HEARTBEAT_LOST 11                         /* 6.3 */
#define AL_CAL_INVALID    12
#define AL_COUNT          13

#define HB_US            250000u     /* 7.3 */
#define HOST_LOST_US    1000000u     /* 7.3 */
#define CACHE_US        1000000u     /* 7.2 */
#define RATE_MAX              8      /* 7.2: new commands ... */
#define RATE_US          500000u     /* ... in any 500 ms */
#define INFO_LEN             63      /* 5.14: the body */
#define CAL_LEN              38      /* 5.11 */
#define NONCE_LEN            16
#define STATS_LEN            64      /* 5.15 */
#define CAL_ALL_LEN          78      /* 5.11 */
#define MAC_LEN              32

/* The suite's own tolerances (not the page's). */
#define ANSWER_WAIT_US  2000000u     /* a command unanswered this long fails
                                        (the default of opts.answer_wait_us) */
#define ANSWER_WAIT(c)  ((c)->o->answer_wait_us ? (c)->o->answer_wait_us : \
	ANSWER_WAIT_US)
#define QUIET_US         250000u     /* "no answer": nothing for this long */
#define TRIP_EARLY_US    900000u     /* watchdog: not before 0.9 s ... */
#define TRIP_LATE_US    1150000u     /* ... and by 1.15 s of silence */
#define TRIP_GIVE_UP_US 3000000u

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

/* ---- rules ------------------------------------------------------------- */

static const struct pb_conform_rule rules[] = {
	{ "framing", "3, 3.5", "every frame decodes: COBS, length, CRC-32C, "
	    "version 1, reserved flags 0" },
	{ "seq", "3.1, 7.5", "seq +1 per frame sent, no gaps, no restarts" },
	{ "hello", "5.1, 5.14", "HELLO answered OK with valid device info" },
	{ "hello-version", "5.1", "HELLO for versions the device lacks: "
	    "BAD_VALUE" },
	{ "read-info", "5.6, 5.14", "READ_INFO answered like HELLO" },
	{ "responses", "5.14, 7.2", "one RESPONSE per command attempt, same "
	    "txn and type, valid body" },
	{ "heartbeat", "5.2, 7.3", "a device HEARTBEAT every 250 ms, valid "
	    "fields" },
	{ "telemetry", "5.3, 7.1", "TELEMETRY streams, also before HELLO; "
	    "valid batches" },
	{ "sample-continuity", "5.3, 7.5", "contiguous sample indices" },
	{ "sample-rate", "5.3, 5.10, 5.14", "the measured rate is the "
	    "advertised one, also after SET_RATE" },
	{ "events-logs", "5.4, 5.5, 6.5", "EVENT and LOG payloads valid" },
	{ "bad-length", "4, 6.7", "a command with a wrong-length payload: "
	    "BAD_LENGTH" },
	{ "bad-value", "4, 5.1-5.13", "a field out of range: BAD_VALUE, "
	    "nothing changes" },
	{ "unknown-type", "5, 7.6", "unknown types: UNKNOWN_CMD with "
	    "ACK_REQ, silence without" },
	{ "header-rules", "3.2, 5.2, 7.2, 7.6", "reserved flags ignored; no "
	    "ACK_REQ or txn 0 refused; host frames of device types ignored" },
	{ "retry-dedup", "7.2", "a RETRY of a remembered txn is answered, "
	    "not run; others run" },
	{ "state-machine", "5.6, 7.4", "START, STOP, CAL_HOLD, CLEAR_FAULT "
	    "by run state, with STATE events" },
	{ "cal-hold-limit", "5.13, 7.4", "CAL_HOLD above max_target: LIMIT, "
	    "before any state rule" },
	{ "read-cal", "5.11", "READ_CAL: the record, STORAGE or BAD_VALUE" },
	{ "write-locked", "5.11, 5.13", "WRITE_CAL, WRITE_CAL_ALL and "
	    "WRITE_SERIAL outside factory mode: LOCKED" },
	{ "robust-crc", "3.5", "a frame with a bad CRC is dropped" },
	{ "robust-garbage", "3.5", "a burst of garbage is survived" },
	{ "robust-oversize", "3.5", "over 252 bytes before a 0x00 is dropped" },
	{ "robust-truncated", "3.5", "a truncated frame is dropped" },
	{ "robust-length", "3.5", "a length byte that lies is dropped" },
	{ "robust-version", "3.5, 10", "a frame of version 2 is dropped" },
	{ "robust-burst", "3.5, 7.2", "8 commands in one write: 8 answers" },
	{ "device-stats", "5.15, 7.6", "DEVICE_STATS: every frame in one "
	    "counter; the counters saw what the suite sent" },
	{ "watchdog", "7.3", "pumping: safe state within 1 s of host "
	    "silence; alarm, events; no resume" },
	{ "watchdog-idle", "7.3", "idle: heartbeat-lost raised and cleared" },
	{ "watchdog-junk", "7.3, 7.6", "malformed heartbeats and frames do "
	    "not feed the watchdog" },
	{ "factory-challenge", "5.6, 5.12", "FACTORY_CHALLENGE: a fresh "
	    "16-byte nonce each time" },
	{ "factory-unlock", "5.12", "the right answer unlocks until STOP; a "
	    "nonce serves one attempt" },
	{ "calibration-write", "5.11", "WRITE_CAL and WRITE_CAL_ALL in "
	    "factory mode store and read back (--allow-writes)" },
	{ "factory-lockout", "5.12", "wrong answers: AUTH_FAILED, then "
	    "LOCKED_OUT" },
};
#define NRULES (sizeof rules / sizeof rules[0])

size_t pb_conform_rules(const struct pb_conform_rule **out)
{
	*out = rules;
	return NRULES;
}

/* ---- session state ------------------------------------------------------- */

struct info {
	bool     have;
	uint8_t  proto;
	char     fw[17], serial[17], profile[17];
	uint8_t  channels, levels, modes, factory;
	uint16_t rate;
	int16_t  max_target, trip;
	uint32_t cal_id;
};

struct tel {
	uint64_t t_us;
	uint32_t first, device_ms;
	uint8_t  n, ch, mode, level, phase, run_state, duty, valve, mask;
	uint16_t alarms;
	int16_t  target;
};

struct hb {
	uint64_t t_us;
	uint32_t time_ms;
	uint8_t  run_state;
	uint16_t alarms;
};

struct ev {
	uint64_t t_us;
	uint32_t device_ms;
	uint8_t  kind, code, ch;
	int32_t  value;
};

/* A command sent and what came back for it. */
struct pending {
	bool     used;
	uint8_t  txn, type;
	uint64_t sent_us;
	unsigned answers;
	struct pb_cw_frame resp;      /* the first answer */
	uint64_t resp_us;
};

#define NPEND   64
#define NEV    512
#define NHB     64

/* A whole-run observer's tally: violations and the first one's text. */
struct tally {
	uint64_t n;
	char first[240];
};

struct cf {
	const struct pb_conform_io *io;
	const struct pb_conform_opts *o;
	struct pb_cw_reader rd;
	bool     failed;              /* link or interrupt */
	char     why[200];

	uint16_t seq_tx;
	uint8_t  txn_next;
	bool     auto_hb;             /* send host heartbeats */
	uint64_t next_hb_us;
	uint64_t last_tx_us;          /* last valid host frame sent */
	uint64_t starts[RATE_MAX];    /* send times of recent new commands */
	unsigned start_i;

	/* whole-run observers */
	struct tally framing, flags, seq, tel_bad, samples, hb_bad, ev_bad,
	    log_bad, unasked, resp_bad;
	bool     have_seq;
	uint16_t last_seq;
	bool     have_sample;
	uint32_t next_sample;
	uint64_t tel_n, hb_n, ev_total, log_n, boots;
	uint64_t first_tel_us;        /* host time of the first telemetry */
	struct tel tel;               /* latest */
	struct hb  hbs[NHB];
	unsigned   hb_i;
	struct ev  evs[NEV];
	unsigned   ev_i;
	uint64_t max_latency_us;

	struct pending pend[NPEND];
	struct info info;
	struct info info_hello;       /* as HELLO gave it */
	bool     session;             /* HELLO answered */
	struct tel initial;           /* first telemetry: what to restore */
	bool     have_initial;
	uint16_t initial_rate;
	uint64_t hb_sent;             /* valid host heartbeats sent */
	uint64_t hb_at_cmd;           /* hb_sent when the last command left */
	bool     have_stats0;         /* DEVICE_STATS after HELLO */
	uint32_t stats0[16];
	uint64_t hb_sent0;
	uint32_t sent_min[16];        /* what the device must have counted
	                                 since stats0, at least (5.15) */
};

/* DEVICE_STATS counters, in the order of 5.15. */
enum { S_FRAMES_OK, S_HEARTBEATS, S_COMMANDS, S_DUP, S_IGNORED, S_UNKNOWN,
	S_BAD_HEADER, S_BAD_PAYLOAD, S_COBS, S_LENGTH, S_OVERSIZE, S_CRC,
	S_VERSION, S_FRAMES_LOST, S_OUT_DROPPED, S_HOST_LOST, S_COUNT };
static const char *const stat_name[S_COUNT] = { "frames_ok", "heartbeats",
	"commands", "dup_commands", "ignored", "unknown_type", "bad_header",
	"bad_payload", "cobs_errors", "length_errors", "oversize",
	"crc_errors", "version_errors", "frames_lost", "out_dropped",
	"host_lost" };

/* One rule being run. */
struct rr {
	struct cf *c;
	const struct pb_conform_rule *rule;
	struct pb_attempt *a;
	enum pb_outcome out;
	char msg[512];
};

/* The printf-style arguments of the enclosing function into buf. */
#define FORMAT(buf, fmt) do { va_list ap_; va_start(ap_, fmt); \
	vsnprintf(buf, sizeof buf, fmt, ap_); va_end(ap_); } while (0)

static void tally(struct tally *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tally(struct tally *t, const char *fmt, ...)
{
	if (t->n++ == 0)
		FORMAT(t->first, fmt);
}

static void fail(struct rr *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(struct rr *r, const char *fmt, ...)
{
	char text[400];
	FORMAT(text, fmt);
	pb_attempt_log(r->a, "FAIL: %s", text);
	if (r->out == PB_OUT_FAIL || r->out == PB_OUT_ERROR)
		return;                 /* the first failure names the case */
	r->out = PB_OUT_FAIL;
	snprintf(r->msg, sizeof r->msg, "docs/protocol.md %s: %s",
	    r->rule->section, text);
}

static void skip(struct rr *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void skip(struct rr *r, const char *fmt, ...)
{
	if (r->out != PB_OUT_PASS)
		return;
	char text[400];
	FORMAT(text, fmt);
	r->out = PB_OUT_SKIPPED;
	snprintf(r->msg, sizeof r->msg, "%s", text);
	pb_attempt_log(r->a, "skipped: %s", text);
}

static void note(struct rr *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct rr *r, const char *fmt, ...)
{
	char text[400];
	FORMAT(text, fmt);
	pb_attempt_log(r->a, "%s", text);
}

/* A measured value with hard limits (NaN: no limit) and marginal ones. */
static void measure(struct rr *r, const char *name, double v,
    const char *unit, double lo, double hi, double mlo, double mhi)
{
	struct pb_measurement mm, *m = &mm;
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	snprintf(m->unit, sizeof m->unit, "%s", unit);
	snprintf(m->where, sizeof m->where, "docs/protocol.md %s",
	    r->rule->section);
	m->value = v;
	m->low.set = !isnan(lo);
	m->low.v = lo;
	m->high.set = !isnan(hi);
	m->high.v = hi;
	m->mlow.set = !isnan(mlo);
	m->mlow.v = mlo;
	m->mhigh.set = !isnan(mhi);
	m->mhigh.v = mhi;
	pb_measurement_judge(m);
	(void)pb_attempt_add_measurement(r->a, m);   /* kept, or counted */
	if (m->outcome == PB_OUT_FAIL)
		fail(r, "%s = %.4g %s, outside %.4g .. %.4g", name, v, unit,
		    isnan(lo) ? -INFINITY : lo, isnan(hi) ? INFINITY : hi);
}

static const char *st_name(int s)
{
	static const char *n[] = { "OK", "BAD_LENGTH", "BAD_VALUE",
	    "UNKNOWN_CMD", "WRONG_STATE", "FAULT", "LOCKED", "AUTH_FAILED",
	    "LOCKED_OUT", "STORAGE", "LIMIT", "NOT_PROVISIONED" };
	if (s >= 0 && s <= ST_LAST)
		return n[s];
	return s == -1 ? "no answer" : "an unknown status";
}

/* ---- receiving ------------------------------------------------------------ */

static void check_telemetry(struct cf *c, const struct pb_cw_frame *f)
{
	const uint8_t *p = f->p;
	if (f->len < 28) {
		tally(&c->tel_bad, "TELEMETRY of %u bytes (seq %u)", f->len,
		    f->seq);
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
		tally(&c->tel_bad, "TELEMETRY channels %u (seq %u)", ch, f->seq);
	else if (f->len != 26 + 2 * ch + 2 * t.n * ch)
		tally(&c->tel_bad, "TELEMETRY of %u bytes for n %u and %u "
		    "channels (seq %u)", f->len, t.n, ch, f->seq);
	else if (t.n < 1 || t.n > maxn)
		tally(&c->tel_bad, "TELEMETRY n %u (1..%u) (seq %u)", t.n, maxn,
		    f->seq);
	else if (t.mode < 1 || t.mode > 3 || t.phase > 4 || t.run_state > 4)
		tally(&c->tel_bad, "TELEMETRY mode %u phase %u run_state %u "
		    "(seq %u)", t.mode, t.phase, t.run_state, f->seq);
	else if ((t.valve | t.mask) >> ch || p[17] != 0 ||
	    (t.alarms & 0xC000))
		tally(&c->tel_bad, "TELEMETRY valve 0x%02x mask 0x%02x "
		    "reserved %u alarms 0x%04x for %u channels (seq %u)",
		    t.valve, t.mask, p[17], t.alarms, ch, f->seq);
	else if (c->info.have && (ch != c->info.channels ||
	    t.level > c->info.levels))
		tally(&c->tel_bad, "TELEMETRY channels %u level %u, device "
		    "info says %u channels, %u levels (seq %u)", ch, t.level,
		    c->info.channels, c->info.levels, f->seq);
	if (c->have_sample && t.first != c->next_sample) {
		uint32_t d = t.first - c->next_sample;
		tally(&c->samples, "TELEMETRY first_sample %lu where %lu was "
		    "next (%s %lu samples, seq %u)", (unsigned long)t.first,
		    (unsigned long)c->next_sample, d < 0x80000000u ?
		    "lost" : "went back", (unsigned long)(d < 0x80000000u ?
		    d : c->next_sample - t.first), f->seq);
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
		tally(&c->hb_bad, "HEARTBEAT of %u bytes (seq %u)", f->len,
		    f->seq);
		return;
	}
	struct hb h = { f->t_us, pb_cw_u32(f->p), f->p[4],
	    pb_cw_u16(f->p + 5) };
	if (h.run_state > 4 || (h.alarms & 0xC000))
		tally(&c->hb_bad, "HEARTBEAT run_state %u alarms 0x%04x "
		    "(seq %u)", h.run_state, h.alarms, f->seq);
	if (f->flags & (F_ACK_REQ | F_RETRY | F_RESPONSE))
		tally(&c->hb_bad, "HEARTBEAT with flags 0x%02x (seq %u)",
		    f->flags, f->seq);
	if (c->hb_n > 0) {
		const struct hb *prev = &c->hbs[(c->hb_i + NHB - 1) % NHB];
		if ((int32_t)(h.time_ms - prev->time_ms) <= 0)
			tally(&c->hb_bad, "HEARTBEAT time_ms %lu after %lu "
			    "(seq %u)", (unsigned long)h.time_ms,
			    (unsigned long)prev->time_ms, f->seq);
	}
	c->hbs[c->hb_i] = h;
	c->hb_i = (c->hb_i + 1) % NHB;
	c->hb_n++;
}

static void check_event(struct cf *c, const struct pb_cw_frame *f)
{
	if (f->len != 11) {
		tally(&c->ev_bad, "EVENT of %u bytes (seq %u)", f->len, f->seq);
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
		tally(&c->ev_bad, "EVENT kind %u code %u channel %u (seq %u)",
		    e.kind, e.code, e.ch, f->seq);
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
		tally(&c->log_bad, "LOG of %u bytes, level %u (seq %u)", f->len,
		    f->len ? f->p[0] : 0, f->seq);
		return;
	}
	for (unsigned i = 1; i < f->len; i++)
		if (f->p[i] < 0x20 || f->p[i] > 0x7E) {
			tally(&c->log_bad, "LOG text byte 0x%02x at %u (seq %u)",
			    f->p[i], i - 1, f->seq);
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
		tally(&c->resp_bad, "RESPONSE of %u bytes (txn %u)", f->len,
		    f->txn);
		return;
	}
	uint8_t st = f->p[0], rt = f->p[1];
	if (!(f->flags & F_RESPONSE) || (f->flags & (F_ACK_REQ | F_RETRY)))
		tally(&c->resp_bad, "RESPONSE (txn %u) with flags 0x%02x",
		    f->txn, f->flags);
	if (st > ST_LAST)
		tally(&c->resp_bad, "RESPONSE status %u (txn %u)", st, f->txn);
	else if (f->len != 2 + body_len(rt, st))
		tally(&c->resp_bad, "RESPONSE %s to type 0x%02x has %u bytes, "
		    "5.14 says %u", st_name(st), rt, f->len,
		    2 + body_len(rt, st));
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
			tally(&c->unasked, "a second RESPONSE to one attempt "
			    "(txn %u, type 0x%02x)", f->txn, rt);
		}
		return;
	}
	tally(&c->unasked, "a RESPONSE nobody asked for (txn %u, type 0x%02x, "
	    "%s)", f->txn, rt, st_name(st));
}

static void on_frame(void *ctx, const struct pb_cw_frame *f)
{
	struct cf *c = ctx;
	if (c->have_seq && f->seq != (uint16_t)(c->last_seq + 1)) {
		uint16_t d = (uint16_t)(f->seq - c->last_seq - 1);
		tally(&c->seq, "seq %u after %u (%s)", f->seq, c->last_seq,
		    d < 0x8000 ? "frames missing" : "went back: a restart?");
	}
	c->have_seq = true;
	c->last_seq = f->seq;
	if (f->flags & F_RESERVED)
		tally(&c->flags, "reserved flag bits 0x%02x set (type 0x%02x, "
		    "seq %u)", f->flags & F_RESERVED, f->type, f->seq);
	if (f->type != T_RESPONSE && (f->flags & F_RESPONSE))
		tally(&c->flags, "flag RESPONSE on type 0x%02x (seq %u)",
		    f->type, f->seq);
	if (f->type != T_RESPONSE && f->txn != 0)
		tally(&c->flags, "txn %u in an unsolicited type 0x%02x (seq %u)",
		    f->txn, f->type, f->seq);
	switch (f->type) {
	case T_TELEMETRY: check_telemetry(c, f); break;
	case T_HEARTBEAT: check_heartbeat(c, f); break;
	case T_EVENT: check_event(c, f); break;
	case T_LOG: check_log(c, f); break;
	case T_RESPONSE: on_response(c, f); break;
	default:
		tally(&c->flags, "a frame of type 0x%02x, which a device does "
		    "not send (seq %u)", f->type, f->seq);
	}
}

static void on_bad(void *ctx, int why, const uint8_t *piece, size_t n)
{
	struct cf *c = ctx;
	char hex[3 * 12 + 1] = "";
	for (size_t i = 0; i < n && i < 12; i++)
		snprintf(hex + 3 * i, 4, "%02x ", piece[i]);
	tally(&c->framing, "a %zu-byte piece: %s (starts %s)", n,
	    pb_cw_bad_name(why), hex);
}

/* ---- sending ------------------------------------------------------------ */

static uint64_t now(struct cf *c)
{
	return c->io->now(c->io->ctx);
}

static bool write_all(struct cf *c, const uint8_t *b, size_t n)
{
	uint64_t give_up = now(c) + 2000000u;
	while (n > 0 && !c->failed) {
		ssize_t w = pb_link_write(c->io->link, b, n);
		if (w < 0) {
			c->failed = true;
			snprintf(c->why, sizeof c->why, "writing to the device: "
			    "%s", pb_link_strerror((int)w));
			return false;
		}
		b += w;
		n -= (size_t)w;
		if (n > 0) {
			if (now(c) > give_up) {
				c->failed = true;
				snprintf(c->why, sizeof c->why, "the device "
				    "takes no bytes (2 s)");
				return false;
			}
			if (c->io->wait(c->io->ctx, now(c) + 1000) < 0) {
				c->failed = true;
				snprintf(c->why, sizeof c->why, "interrupted");
			}
		}
	}
	return !c->failed;
}

/* Send one frame (any fields); returns false when the link failed.
 * valid: it feeds the device's watchdog by 7.3 (for the timing rules). */
static bool send_raw(struct cf *c, uint8_t version, uint8_t flags,
    uint8_t type, uint8_t txn, uint8_t len_field, const uint8_t *payload,
    size_t n, uint32_t crc_xor, bool valid)
{
	uint8_t w[PB_CW_WIRE_MAX + 8];
	size_t k = pb_cw_encode(version, flags, c->seq_tx++, type, txn,
	    len_field, payload, n, crc_xor, w, sizeof w);
	if (k == 0)
		return false;
	if (!write_all(c, w, k))
		return false;
	if (valid)
		c->last_tx_us = now(c);
	return true;
}

static bool send_heartbeat(struct cf *c)
{
	uint8_t p[7] = { 0 };
	pb_cw_put32(p, (uint32_t)(now(c) / 1000u));
	c->hb_sent++;
	return send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, p, 7, 0, true);
}

/* Read what is there, send heartbeats when due, let time pass to until. */
static void pump(struct cf *c, uint64_t until)
{
	uint8_t buf[1024];
	for (;;) {
		if (c->failed)
			return;
		for (;;) {
			ssize_t n = pb_link_read(c->io->link, buf, sizeof buf);
			if (n < 0) {
				c->failed = true;
				snprintf(c->why, sizeof c->why, "reading from the "
				    "device: %s", pb_link_strerror((int)n));
				return;
			}
			if (n == 0)
				break;
			pb_cw_reader_feed(&c->rd, buf, (size_t)n, now(c),
			    on_frame, on_bad, c);
		}
		uint64_t t = now(c);
		if (c->auto_hb && t >= c->next_hb_us) {
			send_heartbeat(c);
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

static void pump_for(struct cf *c, uint64_t us)
{
	pump(c, now(c) + us);
}

static uint8_t next_txn(struct cf *c)
{
	uint8_t t = c->txn_next;
	c->txn_next = (uint8_t)(c->txn_next == 255 ? 1 : c->txn_next + 1);
	return t;
}

static struct pending *new_pending(struct cf *c, uint8_t txn, uint8_t type)
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
	best->sent_us = now(c);
	return best;
}

/* Keep within 8 new commands in any 500 ms (7.2). */
static void rate_gate(struct cf *c)
{
	uint64_t oldest = c->starts[c->start_i];
	if (oldest != 0 && now(c) < oldest + RATE_US + 1000)
		pump(c, oldest + RATE_US + 1000);
	c->starts[c->start_i] = now(c);
	c->start_i = (c->start_i + 1) % RATE_MAX;
}

struct answer {
	int      status;              /* -1 = none */
	uint8_t  body[240];
	unsigned body_len;
	uint64_t latency_us;
};

/* Send a command frame with the given flags and txn and wait for its
 * answer (ANSWER_WAIT).  valid says whether it is a command the device
 * takes (for watchdog bookkeeping). */
static int command_ex(struct cf *c, uint8_t type, const uint8_t *payload,
    size_t n, uint8_t flags, uint8_t txn, struct answer *a)
{
	struct answer dummy;
	if (!a)
		a = &dummy;
	memset(a, 0, sizeof *a);
	a->status = -1;
	if (!(flags & F_RETRY))
		rate_gate(c);
	struct pending *p = new_pending(c, txn, type);
	c->hb_at_cmd = c->hb_sent;
	if (!send_raw(c, 1, flags, type, txn, (uint8_t)n, payload, n, 0, true))
		return -1;
	uint64_t until = now(c) + ANSWER_WAIT(c);
	while (p->answers == 0 && !c->failed && now(c) < until)
		pump(c, now(c) + 2000);
	if (p->answers == 0)
		return -1;
	a->status = p->resp.p[0];
	a->body_len = p->resp.len - 2u;
	memcpy(a->body, p->resp.p + 2, a->body_len);
	a->latency_us = p->resp_us - p->sent_us;
	return a->status;
}

static int command(struct cf *c, uint8_t type, const uint8_t *payload,
    size_t n, struct answer *a)
{
	return command_ex(c, type, payload, n, F_ACK_REQ, next_txn(c), a);
}

/* Send a frame that must get no answer; true when none came in
 * QUIET_US. */
static bool silent(struct cf *c, uint8_t version, uint8_t flags, uint8_t type,
    uint8_t txn, uint8_t len_field, const uint8_t *payload, size_t n,
    uint32_t crc_xor, int *status)
{
	struct pending *p = new_pending(c, txn, type);
	send_raw(c, version, flags, type, txn, len_field, payload, n, crc_xor,
	    false);
	pump_for(c, QUIET_US);
	*status = p->answers ? p->resp.p[0] : -1;
	p->used = false;          /* an answer later is "nobody asked" */
	return p->answers == 0;
}

/* Wait for a telemetry batch that arrived after `after` and satisfies
 * pred; true when one did before the timeout. */
static bool wait_tel(struct cf *c, uint64_t after, uint64_t timeout,
    bool (*pred)(const struct tel *t, const void *arg), const void *arg)
{
	uint64_t until = now(c) + timeout;
	for (;;) {
		if (c->tel_n > 0 && c->tel.t_us > after && pred(&c->tel, arg))
			return true;
		if (c->failed || now(c) >= until)
			return false;
		pump(c, now(c) + 2000);
	}
}

static bool p_state(const struct tel *t, const void *arg)
{
	return t->run_state == *(const uint8_t *)arg;
}

static bool wait_state(struct cf *c, uint8_t st, uint64_t timeout)
{
	return wait_tel(c, now(c), timeout, p_state, &st);
}

static bool p_any(const struct tel *t, const void *arg)
{
	(void)arg;
	(void)t;
	return true;
}

/* The telemetry after the last answer: two fresh batches. */
static const struct tel *fresh_tel(struct cf *c)
{
	uint64_t t0 = now(c);
	if (!wait_tel(c, t0, 1000000u, p_any, NULL))
		return NULL;
	uint64_t t1 = c->tel.t_us;
	if (!wait_tel(c, t1, 1000000u, p_any, NULL))
		return NULL;
	return &c->tel;
}

/* Find an event after `after`: kind and code (code < 0: any). */
static const struct ev *find_event(struct cf *c, uint64_t after, int kind,
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

static const struct ev *wait_event(struct cf *c, uint64_t after, int kind,
    int code, uint64_t timeout)
{
	uint64_t until = now(c) + timeout;
	for (;;) {
		const struct ev *e = find_event(c, after, kind, code);
		if (e || c->failed || now(c) >= until)
			return e;
		pump(c, now(c) + 2000);
	}
}

/* ---- device info ---------------------------------------------------------- */

static bool parse_info(const uint8_t *b, unsigned n, struct info *in,
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

static bool read_info(struct cf *c, struct info *in, struct rr *r)
{
	struct answer a;
	char why[160];
	if (command(c, T_READ_INFO, NULL, 0, &a) != ST_OK) {
		if (r)
			fail(r, "READ_INFO answered %s", st_name(a.status));
		return false;
	}
	if (!parse_info(a.body, a.body_len, in, why, sizeof why)) {
		if (r)
			fail(r, "READ_INFO: %s", why);
		return false;
	}
	return true;
}

static void hello_payload(uint8_t p[18], uint8_t lo, uint8_t hi)
{
	memset(p, 0, 18);
	p[0] = lo;
	p[1] = hi;
	memcpy(p + 2, "pumphil-conform", 15);
}

/* DEVICE_STATS into v; the status (-1: no answer). */
static int read_stats(struct cf *c, uint32_t v[S_COUNT])
{
	struct answer a;
	int st = command(c, T_DEVICE_STATS, NULL, 0, &a);
	if (st == ST_OK && a.body_len == STATS_LEN)
		for (int i = 0; i < S_COUNT; i++)
			v[i] = pb_cw_u32(a.body + 4 * i);
	return st;
}

/* After HELLO: the snapshot the device-stats rule compares with. */
static void stats_snapshot(struct cf *c)
{
	if (read_stats(c, c->stats0) == ST_OK) {
		c->have_stats0 = true;
		c->hb_sent0 = c->hb_at_cmd;
	}
}

/* ---- rules: session ------------------------------------------------------- */

static void r_hello(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t p[18];
	struct answer a;
	char why[160];
	hello_payload(p, 1, 1);
	int st = command(c, T_HELLO, p, sizeof p, &a);
	if (st < 0) {
		r->out = PB_OUT_ERROR;
		snprintf(r->msg, sizeof r->msg, "docs/protocol.md 5.1: no "
		    "answer to HELLO in %.1f s: is this a pumpbench-protocol "
		    "device at this baud rate?", ANSWER_WAIT(c) / 1e6);
		return;
	}
	if (st != ST_OK) {
		fail(r, "HELLO (versions 1..1) answered %s", st_name(st));
		return;
	}
	if (!parse_info(a.body, a.body_len, &c->info, why, sizeof why)) {
		fail(r, "HELLO: %s", why);
		return;
	}
	c->info_hello = c->info;
	c->initial_rate = c->info.rate;
	c->session = true;
	note(r, "device: firmware \"%s\" serial \"%s\" profile \"%s\", %u "
	    "channel(s), %u levels, modes 0x%02x, %u Hz, max_target %d, trip "
	    "%d dmmHg, cal_id %lu, factory %u", c->info.fw, c->info.serial,
	    c->info.profile, c->info.channels, c->info.levels, c->info.modes,
	    c->info.rate, c->info.max_target, c->info.trip,
	    (unsigned long)c->info.cal_id, c->info.factory);
	if (c->info.proto != 1)
		fail(r, "proto_version %u, this suite speaks 1", c->info.proto);
	measure(r, "HELLO answer time", a.latency_us / 1000.0, "ms", NAN, NAN,
	    NAN, 200.0);
	stats_snapshot(c);
}

static void r_hello_version(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t p[18];
	hello_payload(p, 2, 3);
	int st = command(c, T_HELLO, p, sizeof p, NULL);
	if (st != ST_BAD_VALUE)
		fail(r, "HELLO for versions 2..3 answered %s, not BAD_VALUE",
		    st_name(st));
	hello_payload(p, 1, 3);
	st = command(c, T_HELLO, p, sizeof p, NULL);
	if (st != ST_OK)
		fail(r, "HELLO for versions 1..3 answered %s, not OK",
		    st_name(st));
}

static void r_read_info(struct rr *r)
{
	struct info in;
	if (!read_info(r->c, &in, r))
		return;
	const struct info *h = &r->c->info_hello;
	if (strcmp(in.fw, h->fw) || strcmp(in.serial, h->serial) ||
	    strcmp(in.profile, h->profile) || in.channels != h->channels ||
	    in.levels != h->levels || in.modes != h->modes ||
	    in.max_target != h->max_target || in.trip != h->trip ||
	    in.cal_id != h->cal_id)
		fail(r, "READ_INFO and HELLO give different device info");
	r->c->info = in;
}

/* ---- rules: streams ------------------------------------------------------- */

/* Judge a whole-run tally. */
static void judge_tally(struct rr *r, const struct tally *t,
    const char *what)
{
	if (t->n)
		fail(r, "%llu %s; the first: %s", (unsigned long long)t->n, what,
		    t->first);
}

static void r_framing(struct rr *r)
{
	struct cf *c = r->c;
	note(r, "%llu frames, %llu bytes skipped before the first 0x00, %llu "
	    "empty pieces", (unsigned long long)c->rd.frames,
	    (unsigned long long)c->rd.resync_bytes,
	    (unsigned long long)c->rd.empty);
	judge_tally(r, &c->framing, "pieces were not frames");
	judge_tally(r, &c->flags, "header fields broke 3.1/3.2");
	if (c->rd.frames == 0)
		fail(r, "the device sent no frame at all");
}

static void r_seq(struct rr *r)
{
	judge_tally(r, &r->c->seq, "seq breaks");
	if (r->c->boots)
		fail(r, "the device restarted during the run (%llu BOOT "
		    "events)", (unsigned long long)r->c->boots);
}

static void r_responses(struct rr *r)
{
	struct cf *c = r->c;
	judge_tally(r, &c->resp_bad, "malformed RESPONSE frames");
	judge_tally(r, &c->unasked, "answers to nothing the suite sent");
	measure(r, "slowest answer", c->max_latency_us / 1000.0, "ms", NAN,
	    ANSWER_WAIT(c) / 1000.0, NAN, 200.0);
}

static void r_heartbeat(struct rr *r)
{
	struct cf *c = r->c;
	judge_tally(r, &c->hb_bad, "malformed HEARTBEAT frames");
	unsigned n = c->hb_n < NHB ? (unsigned)c->hb_n : NHB;
	if (n < 5) {
		fail(r, "%u device heartbeats in the run", n);
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
	measure(r, "heartbeat period (device clock)", dev_ms, "ms", 240, 260,
	    NAN, NAN);
	measure(r, "heartbeat period (host clock)", host_ms, "ms", 225, 275,
	    NAN, NAN);
	/* a host declares the link lost after 1 s without a frame */
	measure(r, "longest heartbeat gap (host clock)", gap_ms, "ms", NAN,
	    750, NAN, 400);
}

static void r_telemetry(struct rr *r)
{
	struct cf *c = r->c;
	judge_tally(r, &c->tel_bad, "malformed TELEMETRY batches");
	if (c->tel_n == 0)
		fail(r, "no TELEMETRY in the whole run (7.1: always, also when "
		    "idle)");
}

static void r_samples(struct rr *r)
{
	judge_tally(r, &r->c->samples, "sample index breaks");
}

static void r_events(struct rr *r)
{
	struct cf *c = r->c;
	note(r, "%llu events, %llu log lines", (unsigned long long)c->ev_total,
	    (unsigned long long)c->log_n);
	judge_tally(r, &c->ev_bad, "malformed EVENT frames");
	judge_tally(r, &c->log_bad, "malformed LOG frames");
}

/* Samples per second over a window of telemetry, by the device's clock
 * and by the host's. */
static void rate_window(struct cf *c, uint64_t us, double *dev_hz,
    double *host_hz)
{
	*dev_hz = *host_hz = NAN;
	if (!wait_tel(c, now(c), 1000000u, p_any, NULL))
		return;
	struct tel a = c->tel;
	pump_for(c, us);
	struct tel b = c->tel;
	if (b.t_us == a.t_us || b.device_ms == a.device_ms)
		return;
	double n = (double)(uint32_t)(b.first - a.first);
	*dev_hz = n * 1000.0 / (double)(uint32_t)(b.device_ms - a.device_ms);
	*host_hz = n * 1e6 / (double)(b.t_us - a.t_us);
}

static void r_sample_rate(struct rr *r)
{
	struct cf *c = r->c;
	double dev, host;
	unsigned adv = c->info.rate;
	rate_window(c, 2000000u, &dev, &host);
	note(r, "advertised %u Hz; measured %.1f Hz (device clock), %.1f Hz "
	    "(host clock)", adv, dev, host);
	measure(r, "sample rate / advertised (device clock)", dev / adv, "",
	    0.98, 1.02, NAN, NAN);
	measure(r, "sample rate / advertised (host clock)", host / adv, "",
	    0.90, 1.10, NAN, NAN);

	/* another rate, then back (5.10) */
	unsigned other = adv >= 200 ? adv / 2 : adv * 2;
	uint8_t p[2];
	pb_cw_put16(p, (uint16_t)other);
	int st = command(c, T_SET_RATE, p, 2, NULL);
	if (st == ST_BAD_VALUE) {
		note(r, "SET_RATE %u: BAD_VALUE (outside the device's range)",
		    other);
		return;
	}
	if (st != ST_OK) {
		fail(r, "SET_RATE %u answered %s", other, st_name(st));
		return;
	}
	struct info in;
	if (read_info(c, &in, r) && in.rate != other)
		fail(r, "after SET_RATE %u the device info says %u Hz", other,
		    in.rate);
	rate_window(c, 1500000u, &dev, &host);
	note(r, "after SET_RATE %u: %.1f Hz (device clock)", other, dev);
	measure(r, "rate after SET_RATE / asked (device clock)", dev / other,
	    "", 0.98, 1.02, NAN, NAN);
	pb_cw_put16(p, (uint16_t)adv);
	if (command(c, T_SET_RATE, p, 2, NULL) != ST_OK)
		fail(r, "SET_RATE back to %u refused", adv);
}

/* ---- rules: commands ------------------------------------------------------ */

static const uint8_t command_types[] = { T_HELLO, T_START, T_STOP,
	T_SET_MODE, T_SET_LEVEL, T_SET_CHANNELS, T_SET_RATE, T_CLEAR_FAULT,
	T_READ_CAL, T_WRITE_CAL, T_READ_INFO, T_CHALLENGE, T_UNLOCK,
	T_WRITE_SERIAL, T_CAL_HOLD, T_INJECT, T_WRITE_CAL_ALL, T_DEVICE_STATS };

static void r_bad_length(struct rr *r)
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
			int st = command(c, t, p, (size_t)tries[k], NULL);
			bool ok = st == ST_BAD_LENGTH ||
			    (st == ST_UNKNOWN_CMD && (t == T_INJECT ||
			    t == T_WRITE_CAL_ALL || t == T_DEVICE_STATS));
			if (st == ST_BAD_LENGTH)
				c->sent_min[S_BAD_PAYLOAD]++;
			if (!ok)
				fail(r, "type 0x%02x with %d bytes (not %d) "
				    "answered %s, not BAD_LENGTH", t, tries[k],
				    len, st_name(st));
		}
	}
}

struct probe {
	uint8_t type;
	uint8_t p[40];
	uint8_t n;
	const char *what;
};

static void r_bad_value(struct rr *r)
{
	struct cf *c = r->c;
	const struct info *in = &c->info;
	const struct tel *before = fresh_tel(c);
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
		int st = command(c, pr[i].type, pr[i].p, pr[i].n, NULL);
		if (st != ST_BAD_VALUE)
			fail(r, "%s answered %s, not BAD_VALUE", pr[i].what,
			    st_name(st));
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
			what = "WRITE_CAL_ALL bit 0 clear, slot 0 not zero"; break;
		}
		int st = command(c, T_WRITE_CAL_ALL, w, sizeof w, NULL);
		if (st == ST_UNKNOWN_CMD) {
			note(r, "WRITE_CAL_ALL: UNKNOWN_CMD (the device "
			    "predates it, section 10)");
			break;
		}
		if (st != ST_BAD_VALUE)
			fail(r, "%s answered %s, not BAD_VALUE", what,
			    st_name(st));
	}
	/* INJECT: emulator only; real firmware answers UNKNOWN_CMD */
	uint8_t inj[6] = { 13, 0xFF, 0, 0, 0, 0 };
	int st = command(c, T_INJECT, inj, 6, NULL);
	if (st != ST_BAD_VALUE && st != ST_UNKNOWN_CMD)
		fail(r, "INJECT fault 13 answered %s, not BAD_VALUE or "
		    "UNKNOWN_CMD", st_name(st));
	const struct tel *after = fresh_tel(c);
	if (before && after && (after->mode != mode0 ||
	    after->level != level0 || after->mask != mask0))
		fail(r, "refused commands changed the device: mode %u -> %u, "
		    "level %u -> %u, channels 0x%x -> 0x%x", mode0, after->mode,
		    level0, after->level, mask0, after->mask);
}

static void r_unknown_type(struct rr *r)
{
	struct cf *c = r->c;
	static const uint8_t types[] = { 0x06, 0x0F, 0x7F, 0xC3, 0xFF };
	for (size_t i = 0; i < sizeof types; i++) {
		struct answer a;
		int st = command(c, types[i], (const uint8_t *)"xyz", 3, &a);
		c->sent_min[S_UNKNOWN]++;
		if (st != ST_UNKNOWN_CMD)
			fail(r, "type 0x%02x with ACK_REQ answered %s, not "
			    "UNKNOWN_CMD", types[i], st_name(st));
	}
	int st;
	c->sent_min[S_UNKNOWN]++;
	if (!silent(c, 1, 0, 0x7F, next_txn(c), 0, NULL, 0, 0, &st))
		fail(r, "type 0x7F without ACK_REQ answered %s; 5 says count "
		    "and skip", st_name(st));
}

static void r_header_rules(struct rr *r)
{
	struct cf *c = r->c;
	struct answer a;
	int st;
	/* 3.2: reserved bits ignored on receipt */
	st = command_ex(c, T_READ_INFO, NULL, 0, F_ACK_REQ | F_RESERVED,
	    next_txn(c), &a);
	if (st != ST_OK)
		fail(r, "READ_INFO with reserved flag bits set answered %s; "
		    "3.2 says they are ignored", st_name(st));
	/* 7.6 row 5: no ACK_REQ, or txn 0: BAD_VALUE, not run */
	const struct tel *t0 = fresh_tel(c);
	uint8_t lvl = t0 && t0->level == 1 && c->info.levels > 1 ? 2 : 1;
	uint8_t keep = t0 ? t0->level : 0;
	uint8_t txn = next_txn(c);
	rate_gate(c);
	struct pending *p = new_pending(c, txn, T_SET_LEVEL);
	send_raw(c, 1, 0, T_SET_LEVEL, txn, 1, &lvl, 1, 0, false);
	c->sent_min[S_BAD_HEADER]++;
	pump_for(c, QUIET_US);
	if (p->answers == 0 || p->resp.p[0] != ST_BAD_VALUE)
		fail(r, "SET_LEVEL without ACK_REQ answered %s, not BAD_VALUE "
		    "(7.6 row 5)", p->answers ? st_name(p->resp.p[0]) :
		    "nothing");
	rate_gate(c);
	p = new_pending(c, 0, T_SET_LEVEL);
	send_raw(c, 1, F_ACK_REQ, T_SET_LEVEL, 0, 1, &lvl, 1, 0, false);
	c->sent_min[S_BAD_HEADER]++;
	pump_for(c, QUIET_US);
	if (p->answers == 0 || p->resp.p[0] != ST_BAD_VALUE)
		fail(r, "SET_LEVEL with txn 0 answered %s, not BAD_VALUE "
		    "(7.6 row 5)", p->answers ? st_name(p->resp.p[0]) :
		    "nothing");
	const struct tel *t1 = fresh_tel(c);
	if (t0 && t1 && t1->level != keep)
		fail(r, "a refused SET_LEVEL (no ACK_REQ or txn 0) ran: level "
		    "%u -> %u", keep, t1->level);
	/* 5.2: heartbeats are never answered, whatever their flags */
	uint8_t hb[7] = { 0 };
	c->hb_sent++;                 /* a valid heartbeat all the same */
	if (!silent(c, 1, F_ACK_REQ, T_HEARTBEAT, next_txn(c), 7, hb, 7, 0,
	    &st))
		fail(r, "a host HEARTBEAT with ACK_REQ was answered %s",
		    st_name(st));
	/* 7.6 row 1: frames of a device's types or flagged RESPONSE */
	c->sent_min[S_IGNORED] += 3;
	if (!silent(c, 1, F_ACK_REQ, T_TELEMETRY, next_txn(c), 3,
	    (const uint8_t *)"abc", 3, 0, &st))
		fail(r, "a TELEMETRY-type frame from the host was answered %s",
		    st_name(st));
	if (!silent(c, 1, F_ACK_REQ | F_RESPONSE, T_READ_INFO, next_txn(c), 0,
	    NULL, 0, 0, &st))
		fail(r, "READ_INFO flagged RESPONSE was answered %s; a device "
		    "ignores it", st_name(st));
	uint8_t resp[2] = { 0, T_STOP };
	if (!silent(c, 1, F_RESPONSE, T_RESPONSE, next_txn(c), 2, resp, 2, 0,
	    &st))
		fail(r, "a RESPONSE from the host was answered %s", st_name(st));
}

static void stop_pump(struct cf *c);

/* Level the telemetry shows after a command. */
static int level_now(struct cf *c)
{
	const struct tel *t = fresh_tel(c);
	return t ? t->level : -1;
}

/* Mode the telemetry shows after a command. */
static int mode_now(struct cf *c)
{
	const struct tel *t = fresh_tel(c);
	return t ? t->mode : -1;
}

static void r_retry_dedup(struct rr *r)
{
	struct cf *c = r->c;
	if (c->info.levels < 2) {
		skip(r, "needs 2 levels to tell a re-run from a cached answer");
		return;
	}
	if (c->tel.run_state != RS_IDLE)
		stop_pump(c);
	uint8_t a = 1, b = 2;
	uint8_t tx = next_txn(c);
	struct answer first, again;
	if (command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ, tx, &first) != ST_OK ||
	    command(c, T_SET_LEVEL, &b, 1, NULL) != ST_OK) {
		fail(r, "SET_LEVEL 1 / 2 refused");
		return;
	}
	/* the RETRY of tx within the cache's second: answered, not run */
	int st = command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ | F_RETRY, tx,
	    &again);
	c->sent_min[S_DUP]++;
	if (st != first.status)
		fail(r, "the RETRY of txn %u was answered %s, the first attempt "
		    "%s", tx, st_name(st), st_name(first.status));
	int lv = level_now(c);
	if (lv != b)
		fail(r, "a RETRY (txn %u, SET_LEVEL %u) after SET_LEVEL %u was "
		    "run again: level is %d, not %u", tx, a, b, lv, b);
	/* a RETRY whose first attempt never arrived runs (7.2) */
	uint8_t tz = next_txn(c);
	st = command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ | F_RETRY, tz, NULL);
	lv = level_now(c);
	if (st != ST_OK || lv != a)
		fail(r, "a RETRY of unseen txn %u (SET_LEVEL %u) answered %s, "
		    "level %d: it must run", tz, a, st_name(st), lv);
	/* a new command reusing a txn runs (no RETRY flag) */
	st = command_ex(c, T_SET_LEVEL, &b, 1, F_ACK_REQ, tx, NULL);
	lv = level_now(c);
	if (st != ST_OK || lv != b)
		fail(r, "SET_LEVEL %u reusing txn %u without RETRY answered %s, "
		    "level %d: it must run", b, tx, st_name(st), lv);
	/* the cache is keyed by (txn, type): a RETRY of txn tx with another
	 * type is no repeat of the SET_LEVEL and runs */
	int m0 = mode_now(c);
	uint8_t m = 0;
	for (unsigned k = 1; k <= 3 && !m; k++)
		if ((c->info.modes & (1u << k)) && (int)k != m0)
			m = (uint8_t)k;
	if (m) {
		st = command_ex(c, T_SET_MODE, &m, 1, F_ACK_REQ | F_RETRY, tx,
		    NULL);
		int mn = mode_now(c);
		if (st != ST_OK || mn != m)
			fail(r, "SET_MODE %u as a RETRY of txn %u (a SET_LEVEL) "
			    "answered %s, mode %d: another type must run", m,
			    tx, st_name(st), mn);
		if (m0 >= 1) {
			uint8_t back = (uint8_t)m0;
			command(c, T_SET_MODE, &back, 1, NULL);
		}
	}
	/* 1 s later the answer is forgotten (7.2): the RETRY runs */
	command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ, tx, NULL);
	pump_for(c, CACHE_US + 400000u);
	command(c, T_SET_LEVEL, &b, 1, NULL);
	st = command_ex(c, T_SET_LEVEL, &a, 1, F_ACK_REQ | F_RETRY, tx, NULL);
	lv = level_now(c);
	if (st != ST_OK || lv != a)
		fail(r, "a RETRY of txn %u 1.4 s after it ran answered %s, "
		    "level %d: answers are remembered for 1 s (7.2), then it "
		    "must run", tx, st_name(st), lv);
}

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
static bool safe_soon(struct cf *c, uint64_t after)
{
	return wait_tel(c, after, 200000u, p_safe, NULL);
}

/* Start pumping: START, or CAL_HOLD when the device refuses START for a
 * missing calibration.  Returns the state reached, or -1. */
static int start_pumping(struct cf *c, struct rr *r)
{
	int st = command(c, T_START, NULL, 0, NULL);
	if (st == ST_OK && wait_state(c, RS_RUNNING, 1000000u))
		return RS_RUNNING;
	if (st == ST_FAULT) {
		uint8_t h[3] = { 1, 0, 0 };
		pb_cw_put16(h + 1, (uint16_t)(c->info.max_target / 4));
		st = command(c, T_CAL_HOLD, h, 3, NULL);
		if (st == ST_OK && wait_state(c, RS_CAL_HOLD, 1000000u))
			return RS_CAL_HOLD;
	}
	if (r)
		fail(r, "could not start pumping: START / CAL_HOLD answered %s",
		    st_name(st));
	return -1;
}

static void stop_pump(struct cf *c)
{
	command(c, T_STOP, NULL, 0, NULL);
	wait_state(c, RS_IDLE, 1000000u);
}

static void expect_status(struct rr *r, const char *what, int got, int want)
{
	if (got != want)
		fail(r, "%s answered %s, 7.4 says %s", what, st_name(got),
		    st_name(want));
}

static void r_state_machine(struct rr *r)
{
	struct cf *c = r->c;
	uint64_t t0;
	uint8_t hold[3] = { 1, 0, 0 };
	pb_cw_put16(hold + 1, (uint16_t)(c->info.max_target / 4));

	expect_status(r, "STOP", command(c, T_STOP, NULL, 0, NULL), ST_OK);
	if (!wait_state(c, RS_IDLE, 1000000u)) {
		skip(r, "the device is not IDLE after STOP (state %u, alarms "
		    "0x%04x): a fault is latched", c->tel.run_state,
		    c->tel.alarms);
		return;
	}
	expect_status(r, "STOP when IDLE", command(c, T_STOP, NULL, 0, NULL),
	    ST_OK);
	expect_status(r, "CLEAR_FAULT when IDLE",
	    command(c, T_CLEAR_FAULT, NULL, 0, NULL), ST_OK);
	uint8_t one = 1;
	command(c, T_SET_LEVEL, &one, 1, NULL);

	t0 = now(c);
	int st = command(c, T_START, NULL, 0, NULL);
	if (st == ST_FAULT) {
		if (!(c->tel.alarms & (1u << AL_CAL_INVALID)))
			fail(r, "START refused with FAULT, but no fault is "
			    "latched and cal-invalid is not raised (alarms "
			    "0x%04x)", c->tel.alarms);
		note(r, "START refused: no valid calibration (5.6); RUNNING "
		    "not checked");
	} else if (st != ST_OK) {
		fail(r, "START when IDLE answered %s", st_name(st));
	} else {
		if (!wait_event(c, t0, EV_STATE, RS_RUNNING, 1000000u))
			fail(r, "no EVENT STATE 1 after START");
		if (!wait_state(c, RS_RUNNING, 1000000u))
			fail(r, "telemetry does not say RUNNING after START");
		expect_status(r, "START when RUNNING",
		    command(c, T_START, NULL, 0, NULL), ST_OK);
		expect_status(r, "CAL_HOLD when RUNNING",
		    command(c, T_CAL_HOLD, hold, 3, NULL), ST_WRONG_STATE);
		uint8_t z[3] = { 1, 0, 0 };
		expect_status(r, "CAL_HOLD target 0 when RUNNING",
		    command(c, T_CAL_HOLD, z, 3, NULL), ST_WRONG_STATE);
		expect_status(r, "SET_LEVEL when RUNNING",
		    command(c, T_SET_LEVEL, &one, 1, NULL), ST_OK);
		t0 = now(c);
		expect_status(r, "STOP when RUNNING",
		    command(c, T_STOP, NULL, 0, NULL), ST_OK);
		if (!safe_soon(c, now(c)))
			fail(r, "200 ms after STOP's answer the telemetry "
			    "does not show IDLE, motor off, valves open (5.6)");
		if (!wait_event(c, t0, EV_STATE, RS_IDLE, 1000000u))
			fail(r, "no EVENT STATE 0 after STOP");
	}

	t0 = now(c);
	st = command(c, T_CAL_HOLD, hold, 3, NULL);
	if (st != ST_OK) {
		fail(r, "CAL_HOLD %d dmmHg when IDLE answered %s",
		    c->info.max_target / 4, st_name(st));
		stop_pump(c);
		return;
	}
	if (!wait_event(c, t0, EV_STATE, RS_CAL_HOLD, 1000000u))
		fail(r, "no EVENT STATE 3 after CAL_HOLD");
	expect_status(r, "START when CAL_HOLD",
	    command(c, T_START, NULL, 0, NULL), ST_WRONG_STATE);
	expect_status(r, "CAL_HOLD (new target) when CAL_HOLD",
	    command(c, T_CAL_HOLD, hold, 3, NULL), ST_OK);
	uint8_t z[3] = { 1, 0, 0 };
	t0 = now(c);
	expect_status(r, "CAL_HOLD target 0 when CAL_HOLD",
	    command(c, T_CAL_HOLD, z, 3, NULL), ST_OK);
	if (!wait_event(c, t0, EV_STATE, RS_IDLE, 1000000u))
		fail(r, "no EVENT STATE 0 after CAL_HOLD target 0");
	expect_status(r, "CAL_HOLD target 0 when IDLE",
	    command(c, T_CAL_HOLD, z, 3, NULL), ST_OK);
	command(c, T_CAL_HOLD, hold, 3, NULL);
	expect_status(r, "STOP when CAL_HOLD", command(c, T_STOP, NULL, 0,
	    NULL), ST_OK);
	if (!safe_soon(c, now(c)))
		fail(r, "200 ms after STOP's answer (in CAL_HOLD) the "
		    "telemetry does not show IDLE, motor off, valves open (5.6)");
}

static void r_cal_hold_limit(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t h[3] = { 1, 0, 0 };
	pb_cw_put16(h + 1, (uint16_t)(c->info.max_target + 1));
	expect_status(r, "CAL_HOLD max_target + 1 when IDLE",
	    command(c, T_CAL_HOLD, h, 3, NULL), ST_LIMIT);
	pb_cw_put16(h + 1, (uint16_t)c->info.max_target);
	int st = command(c, T_CAL_HOLD, h, 3, NULL);
	if (st != ST_OK)
		fail(r, "CAL_HOLD at max_target (%d) answered %s; only above "
		    "it is LIMIT", c->info.max_target, st_name(st));
	stop_pump(c);
	if (start_pumping(c, NULL) == RS_RUNNING) {
		pb_cw_put16(h + 1, (uint16_t)(c->info.max_target + 1));
		st = command(c, T_CAL_HOLD, h, 3, NULL);
		if (st != ST_LIMIT)
			fail(r, "CAL_HOLD above max_target when RUNNING "
			    "answered %s: LIMIT comes before any state rule",
			    st_name(st));
		h[1] = 0xFF;
		h[2] = 0xFF;
		st = command(c, T_CAL_HOLD, h, 3, NULL);
		if (st != ST_BAD_VALUE)
			fail(r, "CAL_HOLD target -1 when RUNNING answered %s: "
			    "BAD_VALUE comes before any state rule",
			    st_name(st));
	}
	stop_pump(c);
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

static void r_read_cal(struct rr *r)
{
	struct cf *c = r->c;
	for (unsigned ch = 0; ch < c->info.channels; ch++) {
		struct answer a;
		uint8_t b = (uint8_t)ch;
		char why[120];
		int st = command(c, T_READ_CAL, &b, 1, &a);
		if (st == ST_STORAGE) {
			note(r, "channel %u: no stored calibration (STORAGE)",
			    ch);
			continue;
		}
		if (st != ST_OK) {
			fail(r, "READ_CAL %u answered %s", ch, st_name(st));
			continue;
		}
		if (!cal_valid(a.body, a.body_len, ch, why, sizeof why))
			fail(r, "READ_CAL %u: %s", ch, why);
		else
			note(r, "channel %u: order %u, cal_id %lu", ch,
			    a.body[1], (unsigned long)pb_cw_u32(a.body + 14));
	}
}

/* The device's own whole calibration as a WRITE_CAL_ALL payload (5.11):
 * every channel READ_CAL answers, its bit set; *nrec records found. */
static void own_cal_all(struct cf *c, uint8_t p[CAL_ALL_LEN], int *nrec)
{
	memset(p, 0, CAL_ALL_LEN);
	*nrec = 0;
	for (unsigned ch = 0; ch < c->info.channels && ch < 2; ch++) {
		struct answer a;
		uint8_t k = (uint8_t)ch;
		if (command(c, T_READ_CAL, &k, 1, &a) == ST_OK &&
		    a.body_len == CAL_LEN) {
			p[0] |= (uint8_t)(1u << ch);
			memcpy(p + 2 + CAL_LEN * ch, a.body, CAL_LEN);
			(*nrec)++;
		}
	}
}

static void r_write_locked(struct rr *r)
{
	struct cf *c = r->c;
	struct info in;
	if (!read_info(c, &in, r))
		return;
	if (in.factory) {
		command(c, T_STOP, NULL, 0, NULL);   /* STOP ends factory mode */
		if (!read_info(c, &in, r) || in.factory) {
			fail(r, "factory mode still on after STOP (5.12)");
			return;
		}
	}
	/* the device's own record back: even a wrong "OK" stores nothing new */
	struct answer a;
	uint8_t ch = 0;
	if (command(c, T_READ_CAL, &ch, 1, &a) == ST_OK &&
	    a.body_len == CAL_LEN) {
		int st = command(c, T_WRITE_CAL, a.body, CAL_LEN, NULL);
		if (st != ST_LOCKED)
			fail(r, "WRITE_CAL outside factory mode answered %s, "
			    "not LOCKED", st_name(st));
	} else {
		note(r, "no stored calibration to send back: WRITE_CAL not "
		    "tried");
	}
	/* the whole calibration as it stands: a wrong OK would change
	 * nothing either (a channel without one stays without) */
	uint8_t all[CAL_ALL_LEN];
	int nrec;
	own_cal_all(c, all, &nrec);
	int st = command(c, T_WRITE_CAL_ALL, all, CAL_ALL_LEN, NULL);
	if (st == ST_UNKNOWN_CMD)
		note(r, "WRITE_CAL_ALL: UNKNOWN_CMD (the device predates it, "
		    "section 10)");
	else if (st != ST_LOCKED)
		fail(r, "WRITE_CAL_ALL outside factory mode answered %s, not "
		    "LOCKED", st_name(st));
	if (in.serial[0]) {
		uint8_t s[16] = { 0 };
		memcpy(s, in.serial, strlen(in.serial));
		st = command(c, T_WRITE_SERIAL, s, 16, NULL);
		if (st != ST_LOCKED)
			fail(r, "WRITE_SERIAL outside factory mode answered %s, "
			    "not LOCKED", st_name(st));
	} else {
		note(r, "the device has no serial: WRITE_SERIAL not tried");
	}
}

/* ---- rules: robustness ------------------------------------------------------- */

/* After a malformed input: no answer to it, and the device still works. */
static void still_works(struct rr *r, const char *after)
{
	struct cf *c = r->c;
	uint64_t boots = c->boots;
	int st = command(c, T_READ_INFO, NULL, 0, NULL);
	if (st != ST_OK)
		fail(r, "after %s, READ_INFO answered %s", after, st_name(st));
	if (c->boots != boots)
		fail(r, "the device restarted after %s", after);
}

static void r_robust_crc(struct rr *r)
{
	int st;
	r->c->sent_min[S_CRC]++;
	if (!silent(r->c, 1, F_ACK_REQ, T_READ_INFO, next_txn(r->c), 0, NULL, 0,
	    0x00010000u, &st))
		fail(r, "READ_INFO with a wrong CRC was answered %s",
		    st_name(st));
	still_works(r, "a CRC error");
}

static void r_robust_garbage(struct rr *r)
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
		if (!write_all(c, g + off, 512) || !write_all(c, &z, 1) ||
		    !send_heartbeat(c))
			break;
	}
	pump_for(c, QUIET_US);
	still_works(r, "4096 bytes of garbage");
	uint8_t zeros[8] = { 0 };
	write_all(c, zeros, sizeof zeros);
	still_works(r, "a run of 0x00 bytes (empty pieces)");
}

static void r_robust_oversize(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t b[700];
	memset(b, 0x41, sizeof b);
	b[sizeof b - 1] = 0;
	write_all(c, b, sizeof b);
	c->sent_min[S_OVERSIZE] += 2;        /* this and the next */
	pump_for(c, QUIET_US);
	still_works(r, "699 bytes before a 0x00");
	/* a frame whose len byte is 241 (4) */
	uint8_t p[241];
	memset(p, 0x11, sizeof p);
	int st;
	if (!silent(c, 1, F_ACK_REQ, T_READ_INFO, next_txn(c), 241, p, 241, 0,
	    &st))
		fail(r, "a frame with len 241 was answered %s", st_name(st));
	still_works(r, "a frame with len 241");
}

static void r_robust_truncated(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t w[64], hp[18];
	hello_payload(hp, 1, 1);
	uint8_t txn = next_txn(c);
	size_t k = pb_cw_encode(1, F_ACK_REQ, c->seq_tx++, T_HELLO, txn, 18,
	    hp, 18, 0, w, sizeof w);
	struct pending *p = new_pending(c, txn, T_HELLO);
	write_all(c, w, k / 2);
	uint8_t z = 0;
	write_all(c, &z, 1);
	pump_for(c, QUIET_US);
	if (p->answers)
		fail(r, "half a HELLO frame was answered %s",
		    st_name(p->resp.p[0]));
	p->used = false;
	still_works(r, "a truncated frame");
}

static void r_robust_length(struct rr *r)
{
	struct cf *c = r->c;
	int st;
	uint8_t lvl = 1;
	/* len byte 5 for a 1-byte payload, CRC right over what is there */
	c->sent_min[S_LENGTH] += 2;
	if (!silent(c, 1, F_ACK_REQ, T_SET_LEVEL, next_txn(c), 5, &lvl, 1, 0,
	    &st))
		fail(r, "a frame whose len byte says 5 for 1 payload byte was "
		    "answered %s", st_name(st));
	uint8_t three[3] = { 1, 2, 3 };
	if (!silent(c, 1, F_ACK_REQ, T_SET_LEVEL, next_txn(c), 0, three, 3, 0,
	    &st))
		fail(r, "a frame whose len byte says 0 for 3 payload bytes was "
		    "answered %s", st_name(st));
	still_works(r, "frames with a wrong length byte");
}

static void r_robust_version(struct rr *r)
{
	int st;
	r->c->sent_min[S_VERSION]++;
	if (!silent(r->c, 2, F_ACK_REQ, T_READ_INFO, next_txn(r->c), 0, NULL, 0,
	    0, &st))
		fail(r, "a version-2 READ_INFO was answered %s", st_name(st));
	still_works(r, "a version-2 frame");
}

static void r_robust_burst(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t w[8 * 16];
	size_t k = 0;
	struct pending *p[8];
	/* a fresh rate window: 8 new commands in one write */
	pump_for(c, RATE_US + 10000u);
	memset(c->starts, 0, sizeof c->starts);
	for (int i = 0; i < 8; i++) {
		uint8_t txn = next_txn(c);
		p[i] = new_pending(c, txn, T_READ_INFO);
		k += pb_cw_encode(1, F_ACK_REQ, c->seq_tx++, T_READ_INFO, txn, 0,
		    NULL, 0, 0, w + k, sizeof w - k);
		c->starts[i] = now(c);
	}
	write_all(c, w, k);
	c->last_tx_us = now(c);
	uint64_t until = now(c) + ANSWER_WAIT(c);
	int got = 0;
	while (!c->failed && now(c) < until) {
		got = 0;
		for (int i = 0; i < 8; i++)
			got += p[i]->answers > 0;
		if (got == 8)
			break;
		pump(c, now(c) + 5000);
	}
	if (got != 8)
		fail(r, "8 READ_INFO in one write: %d answered", got);
}

static void r_device_stats(struct rr *r)
{
	struct cf *c = r->c;
	uint32_t v[S_COUNT];
	int st = read_stats(c, v);
	uint64_t hb = c->hb_at_cmd;   /* heartbeats on the wire before it */
	if (st == ST_UNKNOWN_CMD) {
		skip(r, "the device predates DEVICE_STATS (added within "
		    "version 1, section 10)");
		return;
	}
	if (st != ST_OK) {
		fail(r, "DEVICE_STATS answered %s", st_name(st));
		return;
	}
	uint32_t sum = 0;
	for (int i = S_HEARTBEATS; i <= S_BAD_PAYLOAD; i++)
		sum += v[i];
	if (sum != v[S_FRAMES_OK])
		fail(r, "frames_ok %lu, but the counters of 7.6 add up to %lu",
		    (unsigned long)v[S_FRAMES_OK], (unsigned long)sum);
	if (!c->have_stats0) {
		note(r, "no first snapshot: only the sum was checked");
		return;
	}
	uint32_t d[S_COUNT];
	for (int i = 0; i < S_COUNT; i++) {
		d[i] = v[i] - c->stats0[i];
		note(r, "%-14s %10lu (+%lu)", stat_name[i],
		    (unsigned long)v[i], (unsigned long)d[i]);
	}
	/* a lossless line: every valid heartbeat the suite sent counted */
	if (d[S_HEARTBEATS] != (uint32_t)(hb - c->hb_sent0))
		fail(r, "the suite sent %lu valid heartbeats since the first "
		    "snapshot, the device counted %lu",
		    (unsigned long)(hb - c->hb_sent0),
		    (unsigned long)d[S_HEARTBEATS]);
	for (int i = 0; i < S_COUNT; i++)
		if (d[i] < c->sent_min[i])
			fail(r, "%s went up by %lu; the suite sent at least %lu "
			    "such frames since the first snapshot", stat_name[i],
			    (unsigned long)d[i], (unsigned long)c->sent_min[i]);
	if (d[S_OUT_DROPPED] != 0)
		fail(r, "out_dropped went up by %lu though the suite read "
		    "everything (7.7)", (unsigned long)d[S_OUT_DROPPED]);
	if (d[S_HOST_LOST] != 0)
		fail(r, "host_lost went up by %lu though the host never went "
		    "silent", (unsigned long)d[S_HOST_LOST]);
}

/* ---- rules: watchdog --------------------------------------------------------- */

/* The device clock's offset from ours, from the heartbeats of the last
 * 2 s: the smallest (arrival - device time), i.e. the fastest delivery. */
static bool clock_offset(struct cf *c, int64_t *off_us)
{
	unsigned n = c->hb_n < NHB ? (unsigned)c->hb_n : NHB;
	bool any = false;
	uint64_t t = now(c);
	for (unsigned k = 0; k < n; k++) {
		const struct hb *h = &c->hbs[(c->hb_i + NHB - 1 - k) % NHB];
		if (h->t_us + 2000000u < t)
			break;
		int64_t o = (int64_t)h->t_us - (int64_t)h->time_ms * 1000;
		if (!any || o < *off_us)
			*off_us = o;
		any = true;
	}
	return any;
}

/* Stay silent (sending only junk, if given) until the device reports
 * heartbeat-lost, or give up.  Returns the trip delay in µs from the last
 * valid host frame by the device's clock (EVENT device_ms), or by ours when
 * the event did not come; -1 when it never tripped. */
static int64_t silence_until_trip(struct cf *c, uint64_t *t_last,
    void (*junk)(struct cf *c, unsigned i, const void *arg),
    const void *arg, const struct ev **raised)
{
	int64_t off = 0;
	bool have_off;
	pump_for(c, 600000u);                    /* heartbeats flowing */
	have_off = clock_offset(c, &off);
	c->auto_hb = false;
	*t_last = c->last_tx_us;
	uint64_t until = *t_last + TRIP_GIVE_UP_US;
	unsigned i = 0;
	uint64_t next_junk = now(c) + 50000u;
	*raised = NULL;
	while (!c->failed && now(c) < until) {
		if (junk && now(c) >= next_junk) {
			junk(c, i++, arg);
			next_junk += 50000u;
		}
		pump(c, now(c) + 5000);
		*raised = find_event(c, *t_last, EV_ALARM_RAISED,
		    AL_HEARTBEAT_LOST);
		if (*raised || (c->tel.t_us > *t_last &&
		    (c->tel.alarms & (1u << AL_HEARTBEAT_LOST))))
			break;
	}
	if (!*raised)
		*raised = find_event(c, *t_last, EV_ALARM_RAISED,
		    AL_HEARTBEAT_LOST);
	if (*raised && have_off)
		return (int64_t)(*raised)->device_ms * 1000 + off -
		    (int64_t)*t_last;
	if (*raised)
		return (int64_t)((*raised)->t_us - *t_last);
	if (c->tel.alarms & (1u << AL_HEARTBEAT_LOST))
		return (int64_t)(c->tel.t_us - *t_last);
	return -1;
}

static void resume_host(struct cf *c)
{
	c->auto_hb = true;
	c->next_hb_us = 0;
	pump_for(c, 1000);
}

static void r_watchdog(struct rr *r)
{
	struct cf *c = r->c;
	int pumping = start_pumping(c, r);
	if (pumping < 0)
		return;
	note(r, "pumping in %s; host goes silent",
	    pumping == RS_RUNNING ? "RUNNING" : "CAL_HOLD");
	uint64_t t_last;
	const struct ev *raised;
	int64_t d = silence_until_trip(c, &t_last, NULL, NULL, &raised);
	if (d < 0) {
		fail(r, "still %s %.1f s after the host's last frame: no "
		    "heartbeat-lost, no safe state", pumping == RS_RUNNING ?
		    "RUNNING" : "CAL_HOLD", TRIP_GIVE_UP_US / 1e6);
		resume_host(c);
		stop_pump(c);
		return;
	}
	measure(r, "heartbeat-lost after the host's last frame", d / 1000.0,
	    "ms", TRIP_EARLY_US / 1000.0, TRIP_LATE_US / 1000.0, NAN, 1050);
	if (!raised)
		fail(r, "no EVENT ALARM_RAISED heartbeat-lost (code 11)");
	const struct ev *idle = wait_event(c, t_last, EV_STATE, RS_IDLE,
	    300000u);
	if (!idle)
		fail(r, "no EVENT STATE 0 (IDLE) with the safe state");
	uint64_t at = idle ? idle->t_us : raised ? raised->t_us : now(c);
	if (!safe_soon(c, at))
		fail(r, "200 ms after the trip the telemetry does not show the "
		    "safe state: state %u, duty %u, valves 0x%x (7.3)",
		    c->tel.run_state, c->tel.duty, c->tel.valve);
	/* the host comes back: the alarm clears, the pump stays stopped */
	uint64_t back = now(c);
	resume_host(c);
	if (!wait_event(c, back, EV_ALARM_CLEARED, AL_HEARTBEAT_LOST,
	    600000u))
		fail(r, "heartbeat-lost not cleared (EVENT ALARM_CLEARED) at "
		    "the host's next heartbeat");
	pump_for(c, 1000000u);
	if (c->tel.run_state != RS_IDLE || find_event(c, back, EV_STATE, -1))
		fail(r, "the device left IDLE by itself after the host came "
		    "back (7.3: it never resumes pumping)");
	stop_pump(c);
}

static void r_watchdog_idle(struct rr *r)
{
	struct cf *c = r->c;
	stop_pump(c);
	uint64_t t_last;
	const struct ev *raised;
	int64_t d = silence_until_trip(c, &t_last, NULL, NULL, &raised);
	if (d < 0)
		fail(r, "idle device: no heartbeat-lost %.1f s after the "
		    "host's last frame", TRIP_GIVE_UP_US / 1e6);
	else
		measure(r, "idle: heartbeat-lost after the host's last frame",
		    d / 1000.0, "ms", TRIP_EARLY_US / 1000.0,
		    TRIP_LATE_US / 1000.0, NAN, NAN);
	uint64_t back = now(c);
	resume_host(c);
	if (d >= 0 && !wait_event(c, back, EV_ALARM_CLEARED, AL_HEARTBEAT_LOST,
	    600000u))
		fail(r, "heartbeat-lost not cleared at the host's next "
		    "heartbeat");
}

/* Frames that must not feed the watchdog (5.2, 7.6). */
enum { J_HB_STATE, J_HB_ALARMS, J_HB_SHORT, J_HB_CRC, J_UNKNOWN, J_NOACK,
	J_TXN0, J_DEVTYPE, J_RESPFLAG, J_VERSION, J_BADPAYLOAD, J_COUNT };
static const char *const junk_name[J_COUNT] = {
	"host HEARTBEAT with run_state 1", "host HEARTBEAT with alarms",
	"6-byte HEARTBEAT", "HEARTBEAT with a bad CRC", "unknown type 0x7F",
	"READ_INFO without ACK_REQ", "READ_INFO with txn 0",
	"a TELEMETRY-type frame", "HEARTBEAT flagged RESPONSE",
	"version-2 HEARTBEAT", "SET_LEVEL 0 (bad payload)" };

static void send_junk(struct cf *c, int kind)
{
	uint8_t hb[7] = { 0 };
	pb_cw_put32(hb, (uint32_t)(now(c) / 1000u));
	uint8_t zero = 0;
	switch (kind) {
	case J_HB_STATE: hb[4] = RS_RUNNING;
		send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, hb, 7, 0, false); break;
	case J_HB_ALARMS: hb[5] = 0x04;
		send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, hb, 7, 0, false); break;
	case J_HB_SHORT:
		send_raw(c, 1, 0, T_HEARTBEAT, 0, 6, hb, 6, 0, false); break;
	case J_HB_CRC:
		send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, hb, 7, 1, false); break;
	case J_UNKNOWN:
		send_raw(c, 1, 0, 0x7F, 0, 0, NULL, 0, 0, false); break;
	case J_NOACK: {
		/* 7.6 rows 5 and 6 answer these BAD_VALUE: expected */
		uint8_t t = next_txn(c);
		new_pending(c, t, T_READ_INFO);
		send_raw(c, 1, 0, T_READ_INFO, t, 0, NULL, 0, 0, false);
		break;
	}
	case J_TXN0:
		new_pending(c, 0, T_READ_INFO);
		send_raw(c, 1, F_ACK_REQ, T_READ_INFO, 0, 0, NULL, 0, 0, false);
		break;
	case J_DEVTYPE:
		send_raw(c, 1, 0, T_EVENT, 0, 11, (const uint8_t *)
		    "\0\0\0\0\3\0\xff\0\0\0", 11, 0, false); break;
	case J_RESPFLAG:
		send_raw(c, 1, F_RESPONSE, T_HEARTBEAT, 0, 7, hb, 7, 0, false);
		break;
	case J_VERSION:
		send_raw(c, 2, 0, T_HEARTBEAT, 0, 7, hb, 7, 0, false); break;
	case J_BADPAYLOAD: {
		uint8_t t = next_txn(c);
		new_pending(c, t, T_SET_LEVEL);
		send_raw(c, 1, F_ACK_REQ, T_SET_LEVEL, t, 1, &zero, 1, 0, false);
		break;
	}
	}
}

static void junk_all(struct cf *c, unsigned i, const void *arg)
{
	(void)arg;
	send_junk(c, (int)(i % J_COUNT));
}

static void junk_one(struct cf *c, unsigned i, const void *arg)
{
	(void)i;
	send_junk(c, *(const int *)arg);
}

static void r_watchdog_junk(struct rr *r)
{
	struct cf *c = r->c;
	int pumping = start_pumping(c, r);
	if (pumping < 0)
		return;
	uint64_t t_last;
	const struct ev *raised;
	int64_t d = silence_until_trip(c, &t_last, junk_all, NULL, &raised);
	resume_host(c);
	stop_pump(c);
	if (d >= 0) {
		measure(r, "heartbeat-lost under malformed frames", d / 1000.0,
		    "ms", TRIP_EARLY_US / 1000.0, TRIP_LATE_US / 1000.0, NAN,
		    NAN);
		return;
	}
	/* one of them fed it: find which, one kind per run */
	char kinds[400] = "";
	for (int k = 0; k < J_COUNT; k++) {
		if (start_pumping(c, NULL) < 0)
			break;
		d = silence_until_trip(c, &t_last, junk_one, &k, &raised);
		resume_host(c);
		stop_pump(c);
		if (d < 0)
			snprintf(kinds + strlen(kinds), sizeof kinds -
			    strlen(kinds), "%s%s", kinds[0] ? ", " : "",
			    junk_name[k]);
	}
	fail(r, "the pump kept running %.1f s on frames that must not feed "
	    "its watchdog: %s", TRIP_GIVE_UP_US / 1e6,
	    kinds[0] ? kinds : "(each alone did not)");
}

/* ---- rules: factory ---------------------------------------------------------- */

/* FACTORY_CHALLENGE: status, nonce into n. */
static int challenge(struct cf *c, uint8_t n[NONCE_LEN])
{
	struct answer a;
	int st = command(c, T_CHALLENGE, NULL, 0, &a);
	if (st == ST_OK && a.body_len == NONCE_LEN)
		memcpy(n, a.body, NONCE_LEN);
	return st;
}

static bool no_key_status(int st)
{
	/* a unit without a factory key (5.6); WRONG_STATE is only ever a
	 * run-state refusal (6.7), so it is no excuse here */
	return st == ST_NOT_PROVISIONED;
}

static void r_factory_challenge(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t n1[NONCE_LEN], n2[NONCE_LEN];
	int st = challenge(c, n1);
	if (no_key_status(st)) {
		skip(r, "FACTORY_CHALLENGE answered %s: no factory key on the "
		    "device", st_name(st));
		return;
	}
	if (st != ST_OK) {
		fail(r, "FACTORY_CHALLENGE answered %s", st_name(st));
		return;
	}
	if (challenge(c, n2) != ST_OK || memcmp(n1, n2, NONCE_LEN) == 0)
		fail(r, "two challenges gave the same nonce");
	static const uint8_t zero[NONCE_LEN];
	if (memcmp(n1, zero, NONCE_LEN) == 0)
		fail(r, "the nonce is all zeros");
}

static int unlock(struct cf *c, const uint8_t mac[MAC_LEN])
{
	return command(c, T_UNLOCK, mac, MAC_LEN, NULL);
}

static void r_factory_unlock(struct rr *r)
{
	struct cf *c = r->c;
	if (!c->o->key) {
		skip(r, "no --key: the right answer cannot be computed");
		return;
	}
	uint8_t n[NONCE_LEN], mac[MAC_LEN];
	int st = challenge(c, n);
	if (st != ST_OK) {
		skip(r, "FACTORY_CHALLENGE answered %s", st_name(st));
		return;
	}
	pb_station_answer(c->o->key, c->o->key_len, n, mac);
	st = unlock(c, mac);
	if (st != ST_OK) {
		fail(r, "the right answer (--key) was refused: %s", st_name(st));
		return;
	}
	struct info in;
	if (read_info(c, &in, r) && in.factory != 1)
		fail(r, "unlocked, but the device info says factory %u",
		    in.factory);
	/* the nonce served its one attempt */
	st = unlock(c, mac);
	if (st != ST_AUTH_FAILED)
		fail(r, "the same answer a second time answered %s; a nonce "
		    "is valid for one attempt", st_name(st));
	/* a fresh unlock, then STOP ends it */
	if (challenge(c, n) == ST_OK) {
		pb_station_answer(c->o->key, c->o->key_len, n, mac);
		unlock(c, mac);
	}
	command(c, T_STOP, NULL, 0, NULL);
	if (read_info(c, &in, r) && in.factory != 0)
		fail(r, "factory mode still on after STOP");
}

static void r_calibration_write(struct rr *r)
{
	struct cf *c = r->c;
	if (!c->o->allow_writes || !c->o->key) {
		skip(r, "needs --allow-writes and --key (writes the device's "
		    "own calibration back)");
		return;
	}
	uint8_t n[NONCE_LEN], mac[MAC_LEN];
	if (challenge(c, n) != ST_OK) {
		skip(r, "no factory challenge");
		return;
	}
	pb_station_answer(c->o->key, c->o->key_len, n, mac);
	if (unlock(c, mac) != ST_OK) {
		fail(r, "the right answer was refused");
		return;
	}
	for (unsigned ch = 0; ch < c->info.channels; ch++) {
		struct answer a, b;
		uint8_t k = (uint8_t)ch;
		if (command(c, T_READ_CAL, &k, 1, &a) != ST_OK) {
			note(r, "channel %u has no calibration to write back",
			    ch);
			continue;
		}
		int st = command(c, T_WRITE_CAL, a.body, CAL_LEN, NULL);
		if (st != ST_OK) {
			fail(r, "WRITE_CAL of channel %u's own record answered "
			    "%s", ch, st_name(st));
			continue;
		}
		if (command(c, T_READ_CAL, &k, 1, &b) != ST_OK ||
		    memcmp(a.body, b.body, CAL_LEN) != 0)
			fail(r, "channel %u reads back differently after "
			    "WRITE_CAL", ch);
	}
	/* the whole calibration in one commit: the same, read back */
	uint8_t all[CAL_ALL_LEN], again[CAL_ALL_LEN];
	int nrec, n2;
	own_cal_all(c, all, &nrec);
	int st = command(c, T_WRITE_CAL_ALL, all, CAL_ALL_LEN, NULL);
	if (st == ST_UNKNOWN_CMD) {
		note(r, "WRITE_CAL_ALL: UNKNOWN_CMD (the device predates it)");
	} else if (st != ST_OK) {
		fail(r, "WRITE_CAL_ALL of the unit's own calibration answered "
		    "%s", st_name(st));
	} else {
		own_cal_all(c, again, &n2);
		if (memcmp(all, again, CAL_ALL_LEN) != 0)
			fail(r, "the calibration reads back differently after "
			    "WRITE_CAL_ALL");
	}
	command(c, T_STOP, NULL, 0, NULL);
}

static void r_factory_lockout(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t n[NONCE_LEN], mac[MAC_LEN];
	memset(mac, 0x5A, sizeof mac);
	int fails = 0;
	for (int i = 0; i < 10; i++) {
		int st = challenge(c, n);
		if (i == 0 && no_key_status(st)) {
			skip(r, "FACTORY_CHALLENGE answered %s: no factory key",
			    st_name(st));
			return;
		}
		if (st == ST_LOCKED_OUT) {
			note(r, "locked out after %d wrong answers (challenge "
			    "refused)", fails);
			break;
		}
		if (st != ST_OK) {
			fail(r, "FACTORY_CHALLENGE answered %s", st_name(st));
			return;
		}
		mac[0] = (uint8_t)i;
		st = unlock(c, mac);
		if (st == ST_LOCKED_OUT) {
			note(r, "locked out after %d wrong answers", fails);
			break;
		}
		if (st != ST_AUTH_FAILED) {
			fail(r, "a wrong answer was answered %s, not "
			    "AUTH_FAILED", st_name(st));
			return;
		}
		fails++;
	}
	if (fails >= 10) {
		fail(r, "10 wrong answers in a row and no LOCKED_OUT");
		return;
	}
	int st = unlock(c, mac);
	if (st != ST_LOCKED_OUT)
		fail(r, "during the lock-out FACTORY_UNLOCK answered %s, not "
		    "LOCKED_OUT", st_name(st));
	note(r, "the device now refuses factory access for a while (5.12)");
}

/* ---- the run --------------------------------------------------------------- */

typedef void (*rule_fn)(struct rr *r);
static const rule_fn rule_fns[NRULES] = {
	r_framing, r_seq, r_hello, r_hello_version, r_read_info,
	r_responses, r_heartbeat, r_telemetry, r_samples, r_sample_rate,
	r_events, r_bad_length, r_bad_value, r_unknown_type, r_header_rules,
	r_retry_dedup, r_state_machine, r_cal_hold_limit, r_read_cal,
	r_write_locked, r_robust_crc, r_robust_garbage, r_robust_oversize,
	r_robust_truncated, r_robust_length, r_robust_version,
	r_robust_burst, r_device_stats, r_watchdog, r_watchdog_idle, r_watchdog_junk,
	r_factory_challenge, r_factory_unlock, r_calibration_write,
	r_factory_lockout,
};

/* Judged from the whole run, at the end. */
static bool is_observer(rule_fn f)
{
	return f == r_framing || f == r_seq || f == r_responses ||
	    f == r_heartbeat || f == r_telemetry || f == r_samples ||
	    f == r_events;
}

static bool wanted(const char *only, const char *id)
{
	if (!only || !*only)
		return true;
	size_t n = strlen(id);
	for (const char *s = only; *s;) {
		const char *e = strchr(s, ',');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		if (k == n && strncmp(s, id, n) == 0)
			return true;
		s += k + (e != NULL);
	}
	return false;
}

static int check_only(const char *only, char *err, size_t errlen)
{
	if (!only)
		return 0;
	for (const char *s = only; *s;) {
		const char *e = strchr(s, ',');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		bool found = false;
		for (size_t i = 0; i < NRULES; i++)
			if (strlen(rules[i].id) == k &&
			    strncmp(rules[i].id, s, k) == 0)
				found = true;
		if (!found) {
			snprintf(err, errlen, "no rule '%.*s' (pumphil conform "
			    "--list)", (int)k, s);
			return -1;
		}
		s += k + (e != NULL);
	}
	return 0;
}

static void finish_rule(struct cf *c, struct pb_report *rep, size_t i,
    struct rr *r, uint64_t t0)
{
	struct pb_case *pc = &rep->cases[i];
	r->a->outcome = r->out;
	snprintf(r->a->message, sizeof r->a->message, "%s", r->msg);
	r->a->rig_seconds = (double)(now(c) - t0) / 1e6;
	pb_case_finish(pc);
	if (c->o->progress) {
		char line[700];
		snprintf(line, sizeof line, "%-7s %-18s %s%s%s",
		    pb_outcome_name(pc->outcome), rules[i].id, rules[i].title,
		    pc->message[0] ? "\n        " : "", pc->message);
		c->o->progress(c->o->progress_ctx, line);
	}
}

/* Put the device back as the suite found it (volatile settings). */
static void restore(struct cf *c)
{
	c->auto_hb = true;
	command(c, T_STOP, NULL, 0, NULL);
	if (!c->have_initial)
		return;
	uint8_t b;
	if ((b = c->initial.mode) >= 1)
		command(c, T_SET_MODE, &b, 1, NULL);
	if ((b = c->initial.level) >= 1)
		command(c, T_SET_LEVEL, &b, 1, NULL);
	if ((b = c->initial.mask) != 0)
		command(c, T_SET_CHANNELS, &b, 1, NULL);
	if (c->initial_rate && c->info.have && c->info.rate != c->initial_rate) {
		uint8_t p[2];
		pb_cw_put16(p, c->initial_rate);
		command(c, T_SET_RATE, p, 2, NULL);
	}
}

int pb_conform_run(const struct pb_conform_io *io,
    const struct pb_conform_opts *o, struct pb_report *rep, char *err,
    size_t errlen)
{
	if (check_only(o->only, err, errlen) < 0)
		return PB_CONFORM_E_ARG;
	struct cf *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return PB_CONFORM_E_IO;
	}
	c->io = io;
	c->o = o;
	c->txn_next = 1;
	pb_cw_reader_init(&c->rd);

	/* one case per rule, in order, filled in as they are judged */
	size_t first = rep->n_cases;
	for (size_t i = 0; i < NRULES; i++) {
		struct pb_case *pc = pb_report_add_case(rep);
		if (!pc) {
			free(c);
			snprintf(err, errlen, "out of memory");
			return PB_CONFORM_E_IO;
		}
		snprintf(pc->name, sizeof pc->name, "%s", rules[i].id);
		snprintf(pc->file, sizeof pc->file, "docs/protocol.md %s",
		    rules[i].section);
	}
	struct rr rs[NRULES];
	uint64_t t_start = now(c);

	/* 7.1: the device streams before any host frame */
	pump_for(c, 1500000u);
	bool streamed_alone = c->tel_n > 0;
	c->auto_hb = true;
	c->next_hb_us = now(c);

	for (size_t i = 0; i < NRULES; i++) {
		struct rr *r = &rs[i];
		struct pb_case *pc = &rep->cases[first + i];
		memset(r, 0, sizeof *r);
		r->c = c;
		r->rule = &rules[i];
		r->a = pb_case_add_attempt(pc);
		if (!r->a)
			continue;
		r->a->number = 1;
		r->out = PB_OUT_PASS;
		if (!wanted(o->only, rules[i].id) && rule_fns[i] != r_hello) {
			skip(r, "not selected (--only)");
			if (!is_observer(rule_fns[i]))
				finish_rule(c, rep, first + i, r, now(c));
			continue;
		}
		if (is_observer(rule_fns[i]))
			continue;
		if (c->failed) {
			r->out = PB_OUT_ERROR;
			snprintf(r->msg, sizeof r->msg, "%s", c->why);
		} else if (!c->session && rule_fns[i] != r_hello) {
			skip(r, "no session: HELLO was not answered");
		} else {
			uint64_t t0 = now(c);
			rule_fns[i](r);
			if (c->failed && r->out == PB_OUT_PASS) {
				r->out = PB_OUT_ERROR;
				snprintf(r->msg, sizeof r->msg, "%s", c->why);
			}
			finish_rule(c, rep, first + i, r, t0);
			continue;
		}
		finish_rule(c, rep, first + i, r, now(c));
	}
	if (c->session && !c->failed)
		restore(c);
	pump_for(c, 300000u);
	if (!streamed_alone)
		tally(&c->tel_bad, "no TELEMETRY in the first 1.5 s, before "
		    "the host sent anything (7.1)");

	for (size_t i = 0; i < NRULES; i++) {
		if (!is_observer(rule_fns[i]) || !rs[i].a)
			continue;
		struct rr *r = &rs[i];
		if (r->out == PB_OUT_PASS) {
			if (c->failed && rule_fns[i] != r_framing)
				skip(r, "the run ended early: %s", c->why);
			else if (c->session || rule_fns[i] == r_framing ||
			    rule_fns[i] == r_telemetry)
				rule_fns[i](r);
			else
				skip(r, "no session: HELLO was not answered");
		}
		finish_rule(c, rep, first + i, r, t_start);
	}
	for (size_t i = 0; i < NRULES && c->session; i++) {
		struct pb_case *pc = &rep->cases[first + i];
		snprintf(pc->dut_serial, sizeof pc->dut_serial, "%s",
		    c->info_hello.serial);
		snprintf(pc->dut_firmware, sizeof pc->dut_firmware, "%s",
		    c->info_hello.fw);
		snprintf(pc->profile, sizeof pc->profile, "%s",
		    c->info_hello.profile);
	}
	int rc = PB_CONFORM_OK;
	if (c->failed) {
		snprintf(err, errlen, "%s", c->why);
		rc = strcmp(c->why, "interrupted") == 0 ?
		    PB_CONFORM_E_INTERRUPTED : PB_CONFORM_E_IO;
	}
	free(c);
	return rc;
}
