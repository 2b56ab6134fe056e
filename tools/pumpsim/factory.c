/*
 * tools/pumpsim/factory.c - factory access state machine (pure part; the
 * MCU runs this file as the emulator does).  Its two host edges (key file,
 * CSPRNG) are in factory-host.c.  See factory.h.
 */
#include "tools/pumpsim/factory.h"

#include <stdarg.h>
#include <string.h>

#include "base/fmt.h"
#include "proto/sha256.h"

static void note(struct pb_factory *f, int code, int level, int32_t value,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void note(struct pb_factory *f, int code, int level, int32_t value,
    const char *fmt, ...)
{
	if (!f->note)
		return;
	char text[160];
	va_list ap;
	va_start(ap, fmt);
	pb_vfmt(text, sizeof text, fmt, ap);
	va_end(ap);
	f->note(f->note_ctx, code, level, value, text);
}

void pb_factory_init(struct pb_factory *f, pb_factory_note_fn fn, void *ctx)
{
	memset(f, 0, sizeof *f);
	f->note = fn;
	f->note_ctx = ctx;
}

int pb_factory_set_key(struct pb_factory *f, const uint8_t *key, size_t n)
{
	if (!key || n < PB_FACTORY_KEY_MIN || n > PB_FACTORY_KEY_MAX)
		return -1;
	memcpy(f->key, key, n);
	f->key_len = n;
	return 0;
}

static bool locked_out(const struct pb_factory *f, uint64_t now_us)
{
	return f->locked_until_us != 0 && now_us < f->locked_until_us;
}

static unsigned secs_left(const struct pb_factory *f, uint64_t now_us)
{
	return (unsigned)((f->locked_until_us - now_us + 999999u) / 1000000u);
}

uint8_t pb_factory_challenge(struct pb_factory *f,
    const uint8_t random[PB_NONCE_LEN], uint64_t now_us,
    uint8_t nonce_out[PB_NONCE_LEN])
{
	pb_factory_tick(f, now_us);
	if (f->key_len == 0) {
		f->refused++;
		note(f, PB_FACTORY_EV_FAILED, 1, (int32_t)f->fails,
		    "factory challenge refused: no station key configured");
		return PB_ST_NOT_PROVISIONED;
	}
	if (locked_out(f, now_us)) {
		f->refused++;
		note(f, PB_FACTORY_EV_LOCKED_OUT, 1,
		    (int32_t)secs_left(f, now_us),
		    "factory challenge refused: locked out for %u s more",
		    secs_left(f, now_us));
		return PB_ST_LOCKED_OUT;
	}
	memcpy(f->nonce, random, PB_NONCE_LEN);
	memcpy(nonce_out, random, PB_NONCE_LEN);
	f->nonce_valid = true;
	f->nonce_us = now_us;
	note(f, PB_FACTORY_EV_NONE, 2, 0, "factory challenge issued");
	return PB_ST_OK;
}

static void fail(struct pb_factory *f, uint64_t now_us, const char *why)
{
	f->failures++;
	f->fails++;
	note(f, PB_FACTORY_EV_FAILED, 1, (int32_t)f->fails,
	    "factory unlock failed (%s), %u of %d", why, f->fails,
	    PB_FACTORY_MAX_FAILS);
	if (f->fails >= PB_FACTORY_MAX_FAILS) {
		uint64_t d = PB_FACTORY_LOCKOUT_US;
		for (unsigned i = 0; i < f->lockouts && d < PB_FACTORY_LOCKOUT_MAX_US; i++)
			d *= 2;
		if (d > PB_FACTORY_LOCKOUT_MAX_US)
			d = PB_FACTORY_LOCKOUT_MAX_US;
		f->lockouts++;
		f->fails = 0;
		f->locked_until_us = now_us + d;
		note(f, PB_FACTORY_EV_LOCKED_OUT, 0, (int32_t)(d / 1000000u),
		    "factory access locked out for %u s after %d wrong answers",
		    (unsigned)(d / 1000000u), PB_FACTORY_MAX_FAILS);
	}
}

uint8_t pb_factory_unlock(struct pb_factory *f,
    const uint8_t mac[PB_MAC_LEN], uint64_t now_us)
{
	pb_factory_tick(f, now_us);
	f->attempts++;
	if (locked_out(f, now_us)) {
		f->refused++;
		note(f, PB_FACTORY_EV_LOCKED_OUT, 1,
		    (int32_t)secs_left(f, now_us),
		    "factory unlock refused: locked out for %u s more",
		    secs_left(f, now_us));
		return PB_ST_LOCKED_OUT;
	}
	if (f->key_len == 0) {
		f->refused++;
		note(f, PB_FACTORY_EV_FAILED, 1, (int32_t)f->fails,
		    "factory unlock refused: no station key configured");
		return PB_ST_NOT_PROVISIONED;
	}
	if (!f->nonce_valid) {
		/* no challenge outstanding: an answer cannot be right, and
		 * guessing without a challenge still counts as a failure */
		fail(f, now_us, "no challenge outstanding");
		return PB_ST_AUTH_FAILED;
	}
	/* the nonce is single-use, whatever the outcome */
	f->nonce_valid = false;
	if (now_us - f->nonce_us > PB_FACTORY_NONCE_US) {
		fail(f, now_us, "challenge expired");
		return PB_ST_AUTH_FAILED;
	}
	/* HMAC-SHA256 by proto/sha256 (the station computes it with
	 * OpenSSL; test_sha256 shows the two agree), compared in constant
	 * time */
	uint8_t want[PB_MAC_LEN];
	pb_hmac_sha256(f->key, f->key_len, f->nonce, PB_NONCE_LEN, want);
	bool right = pb_ct_equal(want, mac, PB_MAC_LEN);
	pb_wipe(want, sizeof want);
	if (!right) {
		fail(f, now_us, "wrong answer");
		return PB_ST_AUTH_FAILED;
	}
	f->successes++;
	f->fails = 0;
	f->lockouts = 0;
	f->locked_until_us = 0;
	f->unlocked = true;
	f->active_us = now_us;
	note(f, PB_FACTORY_EV_UNLOCKED, 2, 0, "factory mode unlocked");
	return PB_ST_OK;
}

void pb_factory_tick(struct pb_factory *f, uint64_t now_us)
{
	if (f->unlocked && now_us - f->active_us >= PB_FACTORY_SESSION_US)
		pb_factory_lock(f, "idle timeout");
	if (f->nonce_valid && now_us - f->nonce_us > PB_FACTORY_NONCE_US)
		f->nonce_valid = false;
}

bool pb_factory_unlocked(struct pb_factory *f, uint64_t now_us)
{
	pb_factory_tick(f, now_us);
	return f->unlocked;
}

uint8_t pb_factory_require(struct pb_factory *f, uint64_t now_us)
{
	if (!pb_factory_unlocked(f, now_us))
		return PB_ST_LOCKED;
	f->active_us = now_us;
	return PB_ST_OK;
}

void pb_factory_lock(struct pb_factory *f, const char *why)
{
	f->nonce_valid = false;
	if (!f->unlocked)
		return;
	f->unlocked = false;
	note(f, PB_FACTORY_EV_LOCKED, 2, 0, "factory mode ended: %s",
	    why ? why : "locked");
}

void pb_factory_power_off(struct pb_factory *f)
{
	/* no note: the firmware is not running to send it */
	f->unlocked = false;
	f->nonce_valid = false;
}
