/*
 * hil/conform-impl.h - private to the conformance suite (hil/conform.c and
 * hil/conform-*.c; not conform-wire, its codec, nor conform-cmd, the
 * command line).
 *
 * Promise: the run state the suite's parts share, the page's numbers they
 * judge by, and the helpers they share.  The module is split along its
 * seams:
 *
 *   conform.c           the rule table, the verdicts (fail, skip, note,
 *                       measure, tallies) and the run: every rule in turn,
 *                       the observers judged at the end, the device put
 *                       back as it was found
 *   conform-host.c      the suite's end of the line: the whole-run
 *                       observers every frame goes through; sending as a
 *                       host must; waiting for answers, telemetry and
 *                       events; the device info; starting and stopping
 *                       the pump
 *   conform-stream.c    rules: the session and the device's streams
 *   conform-command.c   rules: commands and the run-state machine
 *   conform-robust.c    rules: malformed input survived, DEVICE_STATS
 *   conform-watchdog.c  rules: the watchdog (7.3)
 *   conform-factory.c   rules: factory access (5.11, 5.12)
 *
 * pb_cf_ is the suite's private prefix (cf: the conformance run, struct
 * cf); each rule is a function pb_cf_rule_*(struct rr *).  Nothing
 * outside hil/conform.c and hil/conform-*.c includes this header.  Every
 * rule runs with the session in struct cf and gives its verdict through
 * struct rr: the first failure names the case.  Time is the io's
 * (microseconds): wall time on a port, the rig's virtual time on the sim.
 */
#ifndef PB_HIL_CONFORM_IMPL_H
#define PB_HIL_CONFORM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hil/conform-wire.h"
#include "hil/conform.h"
#include "hil/report.h"

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

/* One rule being run. */
struct rr {
	struct cf *c;
	const struct pb_conform_rule *rule;
	struct pb_attempt *a;
	enum pb_outcome out;
	char msg[512];
};

/* A command's answer (status -1: none came in time). */
struct answer {
	int      status;              /* -1 = none */
	uint8_t  body[240];
	unsigned body_len;
	uint64_t latency_us;
};

/* ---- verdicts (conform.c) ---------------------------------------------- */

/* A whole-run observer's violation: counted, the first one's text kept. */
void pb_cf_tally(struct tally *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The rule fails with "docs/protocol.md <section>: <text>" (the first
 * failure names the case; each one is logged). */
void pb_cf_fail(struct rr *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The rule is SKIPPED with the text, unless it has a verdict already. */
void pb_cf_skip(struct rr *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line in the rule's log. */
void pb_cf_note(struct rr *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A measured value with hard limits lo, hi (NaN: none) and marginal ones
 * mlo, mhi; outside the hard limits the rule fails. */
void pb_cf_measure(struct rr *r, const char *name, double v,
    const char *unit, double lo, double hi, double mlo, double mhi);
/* A status by its name in 6.7; -1 is "no answer". */
const char *pb_cf_st_name(int s);

/* ---- the line (conform-host.c) ------------------------------------------ */

uint64_t pb_cf_now(struct cf *c);
/* All of b to the device (2 s at most); false when the link failed. */
bool pb_cf_write_all(struct cf *c, const uint8_t *b, size_t n);
/* Send one frame (any fields); returns false when the link failed.
 * valid: it feeds the device's watchdog by 7.3 (for the timing rules). */
bool pb_cf_send_raw(struct cf *c, uint8_t version, uint8_t flags,
    uint8_t type, uint8_t txn, uint8_t len_field, const uint8_t *payload,
    size_t n, uint32_t crc_xor, bool valid);
bool pb_cf_send_heartbeat(struct cf *c);
/* Read what is there, send heartbeats when due, let time pass to until. */
void pb_cf_pump(struct cf *c, uint64_t until);
void pb_cf_pump_for(struct cf *c, uint64_t us);
uint8_t pb_cf_next_txn(struct cf *c);
/* A slot to collect the answers to txn and type in. */
struct pending *pb_cf_new_pending(struct cf *c, uint8_t txn, uint8_t type);
/* Keep within 8 new commands in any 500 ms (7.2). */
void pb_cf_rate_gate(struct cf *c);
/* Send a command frame with the given flags and txn and wait for its
 * answer (ANSWER_WAIT); its status, or -1 when none came.  a may be
 * NULL. */
int pb_cf_command_ex(struct cf *c, uint8_t type, const uint8_t *payload,
    size_t n, uint8_t flags, uint8_t txn, struct answer *a);
/* The same with ACK_REQ and the next txn. */
int pb_cf_command(struct cf *c, uint8_t type, const uint8_t *payload,
    size_t n, struct answer *a);
/* Send a frame that must get no answer; true when none came in
 * QUIET_US (*status: what came, or -1). */
bool pb_cf_silent(struct cf *c, uint8_t version, uint8_t flags, uint8_t type,
    uint8_t txn, uint8_t len_field, const uint8_t *payload, size_t n,
    uint32_t crc_xor, int *status);
/* Wait for a telemetry batch that arrived after `after` and satisfies
 * pred; true when one did before the timeout. */
bool pb_cf_wait_tel(struct cf *c, uint64_t after, uint64_t timeout,
    bool (*pred)(const struct tel *t, const void *arg), const void *arg);
/* Wait for telemetry showing run state st. */
bool pb_cf_wait_state(struct cf *c, uint8_t st, uint64_t timeout);
/* A pb_cf_wait_tel predicate: any batch. */
bool pb_cf_p_any(const struct tel *t, const void *arg);
/* The telemetry after the last answer: two fresh batches (NULL: none). */
const struct tel *pb_cf_fresh_tel(struct cf *c);
/* An event after `after`: kind and code (code < 0: any); NULL: none. */
const struct ev *pb_cf_find_event(struct cf *c, uint64_t after, int kind,
    int code);
const struct ev *pb_cf_wait_event(struct cf *c, uint64_t after, int kind,
    int code, uint64_t timeout);
/* The device info of 5.14 from n bytes at b; false with the reason. */
bool pb_cf_parse_info(const uint8_t *b, unsigned n, struct info *in,
    char *why, size_t whylen);
/* READ_INFO into in; on failure r (when not NULL) fails. */
bool pb_cf_read_info(struct cf *c, struct info *in, struct rr *r);
void pb_cf_hello_payload(uint8_t p[18], uint8_t lo, uint8_t hi);
/* DEVICE_STATS into v; the status (-1: no answer). */
int pb_cf_read_stats(struct cf *c, uint32_t v[S_COUNT]);
/* After HELLO: the snapshot the device-stats rule compares with. */
void pb_cf_stats_snapshot(struct cf *c);
/* After the moment `after` (an answer or an event arrived), the safe
 * state shows in the telemetry within 200 ms. */
bool pb_cf_safe_soon(struct cf *c, uint64_t after);
/* Start pumping: START, or CAL_HOLD when the device refuses START for a
 * missing calibration.  Returns the state reached, or -1 (and r, when not
 * NULL, fails). */
int pb_cf_start_pumping(struct cf *c, struct rr *r);
/* STOP, and wait for IDLE. */
void pb_cf_stop_pump(struct cf *c);

/* ---- the rules, in the files that hold them ------------------------------ */

/* conform-stream.c */
void pb_cf_rule_hello(struct rr *r);
void pb_cf_rule_hello_version(struct rr *r);
void pb_cf_rule_read_info(struct rr *r);
void pb_cf_rule_framing(struct rr *r);
void pb_cf_rule_seq(struct rr *r);
void pb_cf_rule_responses(struct rr *r);
void pb_cf_rule_heartbeat(struct rr *r);
void pb_cf_rule_telemetry(struct rr *r);
void pb_cf_rule_samples(struct rr *r);
void pb_cf_rule_events(struct rr *r);
void pb_cf_rule_sample_rate(struct rr *r);

/* conform-command.c */
void pb_cf_rule_bad_length(struct rr *r);
void pb_cf_rule_bad_value(struct rr *r);
void pb_cf_rule_unknown_type(struct rr *r);
void pb_cf_rule_header_rules(struct rr *r);
void pb_cf_rule_retry_dedup(struct rr *r);
void pb_cf_rule_state_machine(struct rr *r);
void pb_cf_rule_cal_hold_limit(struct rr *r);
void pb_cf_rule_read_cal(struct rr *r);
void pb_cf_rule_write_locked(struct rr *r);
/* The device's own whole calibration as a WRITE_CAL_ALL payload (5.11):
 * every channel READ_CAL answers, its bit set; *nrec records found. */
void pb_cf_own_cal_all(struct cf *c, uint8_t p[CAL_ALL_LEN], int *nrec);

/* conform-robust.c */
void pb_cf_rule_robust_crc(struct rr *r);
void pb_cf_rule_robust_garbage(struct rr *r);
void pb_cf_rule_robust_oversize(struct rr *r);
void pb_cf_rule_robust_truncated(struct rr *r);
void pb_cf_rule_robust_length(struct rr *r);
void pb_cf_rule_robust_version(struct rr *r);
void pb_cf_rule_robust_burst(struct rr *r);
void pb_cf_rule_device_stats(struct rr *r);

/* conform-watchdog.c */
void pb_cf_rule_watchdog(struct rr *r);
void pb_cf_rule_watchdog_idle(struct rr *r);
void pb_cf_rule_watchdog_junk(struct rr *r);

/* conform-factory.c */
void pb_cf_rule_factory_challenge(struct rr *r);
void pb_cf_rule_factory_unlock(struct rr *r);
void pb_cf_rule_calibration_write(struct rr *r);
void pb_cf_rule_factory_lockout(struct rr *r);

#endif
