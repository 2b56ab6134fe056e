/*
 * hil/conform-watchdog.c - the watchdog rules (7.3): host silence while
 * pumping and while idle, and malformed frames that must not feed the
 * watchdog.  See conform-impl.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hil/conform-impl.h"
#include "hil/conform-wire.h"

/* ---- rules: watchdog --------------------------------------------------------- */

/* The device clock's offset from ours, from the heartbeats of the last
 * 2 s: the smallest (arrival - device time), i.e. the fastest delivery. */
static bool clock_offset(struct cf *c, int64_t *off_us)
{
	unsigned n = c->hb_n < NHB ? (unsigned)c->hb_n : NHB;
	bool any = false;
	uint64_t t = pb_cf_now(c);
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
	pb_cf_pump_for(c, 600000u);                    /* heartbeats flowing */
	have_off = clock_offset(c, &off);
	c->auto_hb = false;
	*t_last = c->last_tx_us;
	uint64_t until = *t_last + TRIP_GIVE_UP_US;
	unsigned i = 0;
	uint64_t next_junk = pb_cf_now(c) + 50000u;
	*raised = NULL;
	while (!c->failed && pb_cf_now(c) < until) {
		if (junk && pb_cf_now(c) >= next_junk) {
			junk(c, i++, arg);
			next_junk += 50000u;
		}
		pb_cf_pump(c, pb_cf_now(c) + 5000);
		*raised = pb_cf_find_event(c, *t_last, EV_ALARM_RAISED,
		    AL_HEARTBEAT_LOST);
		if (*raised || (c->tel.t_us > *t_last &&
		    (c->tel.alarms & (1u << AL_HEARTBEAT_LOST))))
			break;
	}
	if (!*raised)
		*raised = pb_cf_find_event(c, *t_last, EV_ALARM_RAISED,
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
	pb_cf_pump_for(c, 1000);
}

void pb_cf_rule_watchdog(struct rr *r)
{
	struct cf *c = r->c;
	int pumping = pb_cf_start_pumping(c, r);
	if (pumping < 0)
		return;
	pb_cf_note(r, "pumping in %s; host goes silent",
	    pumping == RS_RUNNING ? "RUNNING" : "CAL_HOLD");
	uint64_t t_last;
	const struct ev *raised;
	int64_t d = silence_until_trip(c, &t_last, NULL, NULL, &raised);
	if (d < 0) {
		pb_cf_fail(r, "still %s %.1f s after the host's last frame: no "
		    "heartbeat-lost, no safe state", pumping == RS_RUNNING ?
		    "RUNNING" : "CAL_HOLD", TRIP_GIVE_UP_US / 1e6);
		resume_host(c);
		pb_cf_stop_pump(c);
		return;
	}
	pb_cf_measure(r, "heartbeat-lost after the host's last frame", d /
	    1000.0, "ms", TRIP_EARLY_US / 1000.0, TRIP_LATE_US / 1000.0, NAN,
	    1050);
	if (!raised)
		pb_cf_fail(r, "no EVENT ALARM_RAISED heartbeat-lost (code 11)");
	const struct ev *idle = pb_cf_wait_event(c, t_last, EV_STATE, RS_IDLE,
	    300000u);
	if (!idle)
		pb_cf_fail(r, "no EVENT STATE 0 (IDLE) with the safe state");
	uint64_t at = idle ? idle->t_us : raised ? raised->t_us : pb_cf_now(c);
	if (!pb_cf_safe_soon(c, at))
		pb_cf_fail(r, "200 ms after the trip the telemetry does not "
		    "show the safe state: state %u, duty %u, valves 0x%x (7.3)",
		    c->tel.run_state, c->tel.duty, c->tel.valve);
	/* the host comes back: the alarm clears, the pump stays stopped */
	uint64_t back = pb_cf_now(c);
	resume_host(c);
	if (!pb_cf_wait_event(c, back, EV_ALARM_CLEARED, AL_HEARTBEAT_LOST,
	    600000u))
		pb_cf_fail(r, "heartbeat-lost not cleared (EVENT "
		    "ALARM_CLEARED) at the host's next heartbeat");
	pb_cf_pump_for(c, 1000000u);
	if (c->tel.run_state != RS_IDLE || pb_cf_find_event(c, back, EV_STATE,
	    -1))
		pb_cf_fail(r, "the device left IDLE by itself after the host "
		    "came back (7.3: it never resumes pumping)");
	pb_cf_stop_pump(c);
}

void pb_cf_rule_watchdog_idle(struct rr *r)
{
	struct cf *c = r->c;
	pb_cf_stop_pump(c);
	uint64_t t_last;
	const struct ev *raised;
	int64_t d = silence_until_trip(c, &t_last, NULL, NULL, &raised);
	if (d < 0)
		pb_cf_fail(r, "idle device: no heartbeat-lost %.1f s after the "
		    "host's last frame", TRIP_GIVE_UP_US / 1e6);
	else
		pb_cf_measure(r, "idle: heartbeat-lost after the host's last "
		    "frame", d / 1000.0, "ms", TRIP_EARLY_US / 1000.0,
		    TRIP_LATE_US / 1000.0, NAN, NAN);
	uint64_t back = pb_cf_now(c);
	resume_host(c);
	if (d >= 0 && !pb_cf_wait_event(c, back, EV_ALARM_CLEARED,
	    AL_HEARTBEAT_LOST, 600000u))
		pb_cf_fail(r, "heartbeat-lost not cleared at the host's next "
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
	pb_cw_put32(hb, (uint32_t)(pb_cf_now(c) / 1000u));
	uint8_t zero = 0;
	switch (kind) {
	case J_HB_STATE: hb[4] = RS_RUNNING;
		pb_cf_send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, hb, 7, 0, false);
		    break;
	case J_HB_ALARMS: hb[5] = 0x04;
		pb_cf_send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, hb, 7, 0, false);
		    break;
	case J_HB_SHORT:
		pb_cf_send_raw(c, 1, 0, T_HEARTBEAT, 0, 6, hb, 6, 0, false);
		    break;
	case J_HB_CRC:
		pb_cf_send_raw(c, 1, 0, T_HEARTBEAT, 0, 7, hb, 7, 1, false);
		    break;
	case J_UNKNOWN:
		pb_cf_send_raw(c, 1, 0, 0x7F, 0, 0, NULL, 0, 0, false); break;
	case J_NOACK: {
		/* 7.6 rows 5 and 6 answer these BAD_VALUE: expected */
		uint8_t t = pb_cf_next_txn(c);
		pb_cf_new_pending(c, t, T_READ_INFO);
		pb_cf_send_raw(c, 1, 0, T_READ_INFO, t, 0, NULL, 0, 0, false);
		break;
	}
	case J_TXN0:
		pb_cf_new_pending(c, 0, T_READ_INFO);
		pb_cf_send_raw(c, 1, F_ACK_REQ, T_READ_INFO, 0, 0, NULL, 0, 0,
		    false);
		break;
	case J_DEVTYPE:
		pb_cf_send_raw(c, 1, 0, T_EVENT, 0, 11, (const uint8_t *)
		    "\0\0\0\0\3\0\xff\0\0\0", 11, 0, false); break;
	case J_RESPFLAG:
		pb_cf_send_raw(c, 1, F_RESPONSE, T_HEARTBEAT, 0, 7, hb, 7, 0,
		    false);
		break;
	case J_VERSION:
		pb_cf_send_raw(c, 2, 0, T_HEARTBEAT, 0, 7, hb, 7, 0, false);
		    break;
	case J_BADPAYLOAD: {
		uint8_t t = pb_cf_next_txn(c);
		pb_cf_new_pending(c, t, T_SET_LEVEL);
		pb_cf_send_raw(c, 1, F_ACK_REQ, T_SET_LEVEL, t, 1, &zero, 1, 0,
		    false);
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

void pb_cf_rule_watchdog_junk(struct rr *r)
{
	struct cf *c = r->c;
	int pumping = pb_cf_start_pumping(c, r);
	if (pumping < 0)
		return;
	uint64_t t_last;
	const struct ev *raised;
	int64_t d = silence_until_trip(c, &t_last, junk_all, NULL, &raised);
	resume_host(c);
	pb_cf_stop_pump(c);
	if (d >= 0) {
		pb_cf_measure(r, "heartbeat-lost under malformed frames", d /
		    1000.0, "ms", TRIP_EARLY_US / 1000.0, TRIP_LATE_US / 1000.0,
		    NAN, NAN);
		return;
	}
	/* one of them fed it: find which, one kind per run */
	char kinds[400] = "";
	for (int k = 0; k < J_COUNT; k++) {
		if (pb_cf_start_pumping(c, NULL) < 0)
			break;
		d = silence_until_trip(c, &t_last, junk_one, &k, &raised);
		resume_host(c);
		pb_cf_stop_pump(c);
		if (d < 0)
			snprintf(kinds + strlen(kinds), sizeof kinds -
			    strlen(kinds), "%s%s", kinds[0] ? ", " : "",
			    junk_name[k]);
	}
	pb_cf_fail(r, "the pump kept running %.1f s on frames that must not "
	    "feed its watchdog: %s", TRIP_GIVE_UP_US / 1e6, kinds[0] ? kinds :
	    "(each alone did not)");
}
