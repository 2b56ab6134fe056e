/*
 * hil/conform-factory.c - the factory rules (5.11, 5.12): the challenge,
 * unlocking, calibration writes (only with --allow-writes, and only the
 * values the device reported) and the lock-out, which runs last.  See
 * conform-impl.h.
 */
#include <stdio.h>
#include <string.h>

#include "hil/conform-impl.h"
#include "hil/conform-wire.h"
#include "proto/station.h"

/* ---- rules: factory ---------------------------------------------------------- */

/* FACTORY_CHALLENGE: status, nonce into n. */
static int challenge(struct cf *c, uint8_t n[NONCE_LEN])
{
	struct answer a;
	int st = pb_cf_command(c, T_CHALLENGE, NULL, 0, &a);
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

void pb_cf_rule_factory_challenge(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t n1[NONCE_LEN], n2[NONCE_LEN];
	int st = challenge(c, n1);
	if (no_key_status(st)) {
		pb_cf_skip(r, "FACTORY_CHALLENGE answered %s: no factory key "
		    "on the device", pb_cf_st_name(st));
		return;
	}
	if (st != ST_OK) {
		pb_cf_fail(r, "FACTORY_CHALLENGE answered %s",
		    pb_cf_st_name(st));
		return;
	}
	if (challenge(c, n2) != ST_OK || memcmp(n1, n2, NONCE_LEN) == 0)
		pb_cf_fail(r, "two challenges gave the same nonce");
	static const uint8_t zero[NONCE_LEN];
	if (memcmp(n1, zero, NONCE_LEN) == 0)
		pb_cf_fail(r, "the nonce is all zeros");
}

static int unlock(struct cf *c, const uint8_t mac[MAC_LEN])
{
	return pb_cf_command(c, T_UNLOCK, mac, MAC_LEN, NULL);
}

void pb_cf_rule_factory_unlock(struct rr *r)
{
	struct cf *c = r->c;
	if (!c->o->key) {
		pb_cf_skip(r, "no --key: the right answer cannot be computed");
		return;
	}
	uint8_t n[NONCE_LEN], mac[MAC_LEN];
	int st = challenge(c, n);
	if (st != ST_OK) {
		pb_cf_skip(r, "FACTORY_CHALLENGE answered %s",
		    pb_cf_st_name(st));
		return;
	}
	pb_station_answer(c->o->key, c->o->key_len, n, mac);
	st = unlock(c, mac);
	if (st != ST_OK) {
		pb_cf_fail(r, "the right answer (--key) was refused: %s",
		    pb_cf_st_name(st));
		return;
	}
	struct info in;
	if (pb_cf_read_info(c, &in, r) && in.factory != 1)
		pb_cf_fail(r, "unlocked, but the device info says factory %u",
		    in.factory);
	/* the nonce served its one attempt */
	st = unlock(c, mac);
	if (st != ST_AUTH_FAILED)
		pb_cf_fail(r, "the same answer a second time answered %s; a "
		    "nonce is valid for one attempt", pb_cf_st_name(st));
	/* a fresh unlock, then STOP ends it */
	if (challenge(c, n) == ST_OK) {
		pb_station_answer(c->o->key, c->o->key_len, n, mac);
		unlock(c, mac);
	}
	pb_cf_command(c, T_STOP, NULL, 0, NULL);
	if (pb_cf_read_info(c, &in, r) && in.factory != 0)
		pb_cf_fail(r, "factory mode still on after STOP");
}

void pb_cf_rule_calibration_write(struct rr *r)
{
	struct cf *c = r->c;
	if (!c->o->allow_writes || !c->o->key) {
		pb_cf_skip(r, "needs --allow-writes and --key (writes the "
		    "device's own calibration back)");
		return;
	}
	uint8_t n[NONCE_LEN], mac[MAC_LEN];
	if (challenge(c, n) != ST_OK) {
		pb_cf_skip(r, "no factory challenge");
		return;
	}
	pb_station_answer(c->o->key, c->o->key_len, n, mac);
	if (unlock(c, mac) != ST_OK) {
		pb_cf_fail(r, "the right answer was refused");
		return;
	}
	for (unsigned ch = 0; ch < c->info.channels; ch++) {
		struct answer a, b;
		uint8_t k = (uint8_t)ch;
		if (pb_cf_command(c, T_READ_CAL, &k, 1, &a) != ST_OK) {
			pb_cf_note(r, "channel %u has no calibration to write "
			    "back", ch);
			continue;
		}
		int st = pb_cf_command(c, T_WRITE_CAL, a.body, CAL_LEN, NULL);
		if (st != ST_OK) {
			pb_cf_fail(r, "WRITE_CAL of channel %u's own record "
			    "answered %s", ch, pb_cf_st_name(st));
			continue;
		}
		if (pb_cf_command(c, T_READ_CAL, &k, 1, &b) != ST_OK ||
		    memcmp(a.body, b.body, CAL_LEN) != 0)
			pb_cf_fail(r, "channel %u reads back differently after "
			    "WRITE_CAL", ch);
	}
	/* the whole calibration in one commit: the same, read back */
	uint8_t all[CAL_ALL_LEN], again[CAL_ALL_LEN];
	int nrec, n2;
	pb_cf_own_cal_all(c, all, &nrec);
	int st = pb_cf_command(c, T_WRITE_CAL_ALL, all, CAL_ALL_LEN, NULL);
	if (st == ST_UNKNOWN_CMD) {
		pb_cf_note(r, "WRITE_CAL_ALL: UNKNOWN_CMD (the device predates "
		    "it)");
	} else if (st != ST_OK) {
		pb_cf_fail(r, "WRITE_CAL_ALL of the unit's own calibration "
		    "answered %s", pb_cf_st_name(st));
	} else {
		pb_cf_own_cal_all(c, again, &n2);
		if (memcmp(all, again, CAL_ALL_LEN) != 0)
			pb_cf_fail(r, "the calibration reads back differently "
			    "after WRITE_CAL_ALL");
	}
	pb_cf_command(c, T_STOP, NULL, 0, NULL);
}

void pb_cf_rule_factory_lockout(struct rr *r)
{
	struct cf *c = r->c;
	uint8_t n[NONCE_LEN], mac[MAC_LEN];
	memset(mac, 0x5A, sizeof mac);
	int fails = 0;
	for (int i = 0; i < 10; i++) {
		int st = challenge(c, n);
		if (i == 0 && no_key_status(st)) {
			pb_cf_skip(r, "FACTORY_CHALLENGE answered %s: no "
			    "factory key", pb_cf_st_name(st));
			return;
		}
		if (st == ST_LOCKED_OUT) {
			pb_cf_note(r, "locked out after %d wrong answers "
			    "(challenge refused)", fails);
			break;
		}
		if (st != ST_OK) {
			pb_cf_fail(r, "FACTORY_CHALLENGE answered %s",
			    pb_cf_st_name(st));
			return;
		}
		mac[0] = (uint8_t)i;
		st = unlock(c, mac);
		if (st == ST_LOCKED_OUT) {
			pb_cf_note(r, "locked out after %d wrong answers",
			    fails);
			break;
		}
		if (st != ST_AUTH_FAILED) {
			pb_cf_fail(r, "a wrong answer was answered %s, not "
			    "AUTH_FAILED", pb_cf_st_name(st));
			return;
		}
		fails++;
	}
	if (fails >= 10) {
		pb_cf_fail(r, "10 wrong answers in a row and no LOCKED_OUT");
		return;
	}
	int st = unlock(c, mac);
	if (st != ST_LOCKED_OUT)
		pb_cf_fail(r, "during the lock-out FACTORY_UNLOCK answered %s, "
		    "not LOCKED_OUT", pb_cf_st_name(st));
	pb_cf_note(r, "the device now refuses factory access for a while "
	    "(5.12)");
}
