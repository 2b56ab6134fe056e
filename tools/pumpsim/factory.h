/*
 * tools/pumpsim/factory.h - device-side factory access: challenge-response
 * unlock with HMAC-SHA256, lockout after wrong answers, session timeout.
 *
 * Promise: the state machine is pure (time passed in, microseconds; the
 * random bytes of a nonce are passed in), with no malloc and no stdio, so
 * the pump's MCU runs this same file (docs/firmware.md).  HMAC-SHA256 and
 * the constant-time comparison are proto/sha256's: OpenSSL does not fit a
 * microcontroller, and tests/unit/test_sha256.c checks proto/sha256
 * against the NIST and RFC 4231 vectors and against OpenSSL, which the
 * station side (proto/station) uses, so both ends agree byte for byte.
 *
 *   FACTORY_CHALLENGE -> a fresh 16-byte nonce, valid for one answer and
 *                        PB_FACTORY_NONCE_US.
 *   FACTORY_UNLOCK    -> compares the answer with HMAC-SHA256(key, nonce).
 *                        Right: factory mode until PB_FACTORY_SESSION_US
 *                        without factory activity, STOP, or power off.
 *                        Wrong: PB_ST_AUTH_FAILED; every PB_FACTORY_MAX_FAILS
 *                        consecutive wrong answers lock out for
 *                        PB_FACTORY_LOCKOUT_US, doubling with each further
 *                        lockout (capped), until a right answer.  During a
 *                        lockout both commands answer PB_ST_LOCKED_OUT.
 * Every attempt and every change of state is reported through the note
 * callback (the emulator turns it into a LOG line and an EVENT
 * PB_EV_FACTORY with code 0 locked, 1 unlocked, 2 failed, 3 locked out).
 *
 * The host edges live in factory-host.c.  Station key file (the edge,
 * pb_factory_load_key): the format of proto/station.h (one line of
 * hex, e.g. `openssl rand -hex 32`, or raw bytes); it must be a regular
 * file with no group or other permissions (chmod 600), and the key must
 * be 16..64 bytes; anything else is refused with a message naming the
 * file.
 */
#ifndef PB_PUMPSIM_FACTORY_H
#define PB_PUMPSIM_FACTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"

#define PB_FACTORY_KEY_MIN       16
#define PB_FACTORY_KEY_MAX       64
#define PB_FACTORY_MAX_FAILS     3
#define PB_FACTORY_LOCKOUT_US    60000000ull      /* first lockout: 60 s */
#define PB_FACTORY_LOCKOUT_MAX_US 3840000000ull   /* cap: 64 min */
#define PB_FACTORY_NONCE_US      30000000ull      /* a nonce lives 30 s */
#define PB_FACTORY_SESSION_US    600000000ull     /* 10 min idle -> locked */

/* EVENT PB_EV_FACTORY codes. */
enum pb_factory_ev {
	PB_FACTORY_EV_NONE = -1,     /* a LOG line only, no EVENT */
	PB_FACTORY_EV_LOCKED = 0,
	PB_FACTORY_EV_UNLOCKED = 1,
	PB_FACTORY_EV_FAILED = 2,
	PB_FACTORY_EV_LOCKED_OUT = 3
};

/* Report: code is enum pb_factory_ev, level a LOG level (0 error,
 * 1 warning, 2 info), text one line (code PB_FACTORY_EV_NONE: log only);
 * value is the consecutive failure
 * count (FAILED) or the lockout seconds (LOCKED_OUT), else 0. */
typedef void (*pb_factory_note_fn)(void *ctx, int code, int level,
    int32_t value, const char *text);

struct pb_factory {
	uint8_t  key[PB_FACTORY_KEY_MAX];
	size_t   key_len;            /* 0: no key, unlock impossible */
	uint8_t  nonce[PB_NONCE_LEN];
	bool     nonce_valid;
	uint64_t nonce_us;           /* when it was issued */
	bool     unlocked;
	uint64_t active_us;          /* last unlock or factory activity */
	unsigned fails;              /* consecutive wrong answers */
	unsigned lockouts;           /* lockouts since the last success */
	uint64_t locked_until_us;
	uint64_t attempts, successes, failures, refused;
	pb_factory_note_fn note;
	void    *note_ctx;
};

void pb_factory_init(struct pb_factory *f, pb_factory_note_fn note,
    void *ctx);
/* Install the station key (16..64 bytes). Returns 0 or -1. */
int  pb_factory_set_key(struct pb_factory *f, const uint8_t *key, size_t n);

/* Commands; each returns an enum pb_status. */
uint8_t pb_factory_challenge(struct pb_factory *f,
    const uint8_t random[PB_NONCE_LEN], uint64_t now_us,
    uint8_t nonce_out[PB_NONCE_LEN]);
uint8_t pb_factory_unlock(struct pb_factory *f,
    const uint8_t mac[PB_MAC_LEN], uint64_t now_us);

/* PB_ST_OK while unlocked (and counts as factory activity), else
 * PB_ST_LOCKED. */
uint8_t pb_factory_require(struct pb_factory *f, uint64_t now_us);
/* Unlocked now? (expires the session first; no activity is counted) */
bool pb_factory_unlocked(struct pb_factory *f, uint64_t now_us);
/* Leave factory mode (STOP, power off); why goes to the note. */
void pb_factory_lock(struct pb_factory *f, const char *why);
/* Run timers: ends an idle session with a note. */
void pb_factory_tick(struct pb_factory *f, uint64_t now_us);
/* Power off: volatile state (session, nonce) is lost; the failure count
 * and lockout are kept, so cutting power does not skip a lockout. */
void pb_factory_power_off(struct pb_factory *f);

/* ---- edges -------------------------------------------------------------- */
/* Read the station key file (pb_station_load_key), refusing group/other
 * permissions and keys shorter than PB_FACTORY_KEY_MIN.  Returns the key
 * length or -1 with "FILE: reason" in err. */
int pb_factory_load_key(const char *path, uint8_t *key, size_t cap,
    char *err, size_t errlen);
/* Fill buf with n bytes from OpenSSL's CSPRNG. Returns 0 or -1. */
int pb_factory_random(uint8_t *buf, size_t n);

#endif
