/*
 * hil/conform.c - the protocol conformance suite (see conform.h): the rule
 * table, the verdicts a rule gives, and the run.
 *
 * Written from docs/protocol.md: the numbers (types, lengths, statuses,
 * limits, 250 ms, 1 s, the 32-entry cache's 1 s) are the page's, quoted
 * with their section (conform-impl.h), and nothing of proto/ is included
 * except the link (bytes in and out) and, in conform-factory.c, the
 * station answer (HMAC-SHA256 with OpenSSL, the host side of 5.12).
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

#include "hil/conform-impl.h"
#include "hil/conform-wire.h"

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

/* ---- verdicts ------------------------------------------------------------ */

/* The printf-style arguments of the enclosing function into buf. */
#define FORMAT(buf, fmt) do { va_list ap_; va_start(ap_, fmt); \
	vsnprintf(buf, sizeof buf, fmt, ap_); va_end(ap_); } while (0)

void pb_cf_tally(struct tally *t, const char *fmt, ...)
{
	if (t->n++ == 0)
		FORMAT(t->first, fmt);
}

void pb_cf_fail(struct rr *r, const char *fmt, ...)
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

void pb_cf_skip(struct rr *r, const char *fmt, ...)
{
	if (r->out != PB_OUT_PASS)
		return;
	char text[400];
	FORMAT(text, fmt);
	r->out = PB_OUT_SKIPPED;
	snprintf(r->msg, sizeof r->msg, "%s", text);
	pb_attempt_log(r->a, "skipped: %s", text);
}

void pb_cf_note(struct rr *r, const char *fmt, ...)
{
	char text[400];
	FORMAT(text, fmt);
	pb_attempt_log(r->a, "%s", text);
}

/* A measured value with hard limits (NaN: no limit) and marginal ones. */
void pb_cf_measure(struct rr *r, const char *name, double v,
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
		pb_cf_fail(r, "%s = %.4g %s, outside %.4g .. %.4g", name, v,
		    unit, isnan(lo) ? -INFINITY : lo, isnan(hi) ? INFINITY :
		    hi);
}

const char *pb_cf_st_name(int s)
{
	static const char *n[] = { "OK", "BAD_LENGTH", "BAD_VALUE",
	    "UNKNOWN_CMD", "WRONG_STATE", "FAULT", "LOCKED", "AUTH_FAILED",
	    "LOCKED_OUT", "STORAGE", "LIMIT", "NOT_PROVISIONED" };
	if (s >= 0 && s <= ST_LAST)
		return n[s];
	return s == -1 ? "no answer" : "an unknown status";
}

/* ---- the run --------------------------------------------------------------- */

typedef void (*rule_fn)(struct rr *r);
/* The rules in the order of rules[] (each one in conform-impl.h). */
static const rule_fn rule_fns[NRULES] = {
	pb_cf_rule_framing, pb_cf_rule_seq, pb_cf_rule_hello,
	pb_cf_rule_hello_version, pb_cf_rule_read_info, pb_cf_rule_responses,
	pb_cf_rule_heartbeat, pb_cf_rule_telemetry, pb_cf_rule_samples,
	pb_cf_rule_sample_rate, pb_cf_rule_events, pb_cf_rule_bad_length,
	pb_cf_rule_bad_value, pb_cf_rule_unknown_type,
	pb_cf_rule_header_rules, pb_cf_rule_retry_dedup,
	pb_cf_rule_state_machine, pb_cf_rule_cal_hold_limit,
	pb_cf_rule_read_cal, pb_cf_rule_write_locked, pb_cf_rule_robust_crc,
	pb_cf_rule_robust_garbage, pb_cf_rule_robust_oversize,
	pb_cf_rule_robust_truncated, pb_cf_rule_robust_length,
	pb_cf_rule_robust_version, pb_cf_rule_robust_burst,
	pb_cf_rule_device_stats, pb_cf_rule_watchdog,
	pb_cf_rule_watchdog_idle, pb_cf_rule_watchdog_junk,
	pb_cf_rule_factory_challenge, pb_cf_rule_factory_unlock,
	pb_cf_rule_calibration_write, pb_cf_rule_factory_lockout,
};

/* Judged from the whole run, at the end. */
static bool is_observer(rule_fn f)
{
	return f == pb_cf_rule_framing || f == pb_cf_rule_seq ||
	    f == pb_cf_rule_responses || f == pb_cf_rule_heartbeat ||
	    f == pb_cf_rule_telemetry || f == pb_cf_rule_samples ||
	    f == pb_cf_rule_events;
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
	r->a->rig_seconds = (double)(pb_cf_now(c) - t0) / 1e6;
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
	pb_cf_command(c, T_STOP, NULL, 0, NULL);
	if (!c->have_initial)
		return;
	uint8_t b;
	if ((b = c->initial.mode) >= 1)
		pb_cf_command(c, T_SET_MODE, &b, 1, NULL);
	if ((b = c->initial.level) >= 1)
		pb_cf_command(c, T_SET_LEVEL, &b, 1, NULL);
	if ((b = c->initial.mask) != 0)
		pb_cf_command(c, T_SET_CHANNELS, &b, 1, NULL);
	if (c->initial_rate && c->info.have && c->info.rate != c->initial_rate)
	    {
		uint8_t p[2];
		pb_cw_put16(p, c->initial_rate);
		pb_cf_command(c, T_SET_RATE, p, 2, NULL);
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
	uint64_t t_start = pb_cf_now(c);

	/* 7.1: the device streams before any host frame */
	pb_cf_pump_for(c, 1500000u);
	bool streamed_alone = c->tel_n > 0;
	c->auto_hb = true;
	c->next_hb_us = pb_cf_now(c);

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
		if (!wanted(o->only, rules[i].id) && rule_fns[i] !=
		    pb_cf_rule_hello) {
			pb_cf_skip(r, "not selected (--only)");
			if (!is_observer(rule_fns[i]))
				finish_rule(c, rep, first + i, r, pb_cf_now(c));
			continue;
		}
		if (is_observer(rule_fns[i]))
			continue;
		if (c->failed) {
			r->out = PB_OUT_ERROR;
			snprintf(r->msg, sizeof r->msg, "%s", c->why);
		} else if (!c->session && rule_fns[i] != pb_cf_rule_hello) {
			pb_cf_skip(r, "no session: HELLO was not answered");
		} else {
			uint64_t t0 = pb_cf_now(c);
			rule_fns[i](r);
			if (c->failed && r->out == PB_OUT_PASS) {
				r->out = PB_OUT_ERROR;
				snprintf(r->msg, sizeof r->msg, "%s", c->why);
			}
			finish_rule(c, rep, first + i, r, t0);
			continue;
		}
		finish_rule(c, rep, first + i, r, pb_cf_now(c));
	}
	if (c->session && !c->failed)
		restore(c);
	pb_cf_pump_for(c, 300000u);
	if (!streamed_alone)
		pb_cf_tally(&c->tel_bad, "no TELEMETRY in the first 1.5 s, "
		    "before the host sent anything (7.1)");

	for (size_t i = 0; i < NRULES; i++) {
		if (!is_observer(rule_fns[i]) || !rs[i].a)
			continue;
		struct rr *r = &rs[i];
		if (r->out == PB_OUT_PASS) {
			if (c->failed && rule_fns[i] != pb_cf_rule_framing)
				pb_cf_skip(r, "the run ended early: %s",
				    c->why);
			else if (c->session || rule_fns[i] == pb_cf_rule_framing
			    || rule_fns[i] == pb_cf_rule_telemetry)
				rule_fns[i](r);
			else
				pb_cf_skip(r, "no session: HELLO was not "
				    "answered");
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
