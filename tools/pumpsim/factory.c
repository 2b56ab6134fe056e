/*
 * tools/pumpsim/factory.c - factory access state machine (pure part) and
 * its two edges (key file, CSPRNG).  See factory.h.
 */
#include "tools/pumpsim/factory.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

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
	vsnprintf(text, sizeof text, fmt, ap);
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
		return PB_ST_WRONG_STATE;
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

int pb_factory_answer(const uint8_t *key, size_t key_len,
    const uint8_t nonce[PB_NONCE_LEN], uint8_t mac[PB_MAC_LEN])
{
	unsigned int len = 0;
	if (!key || key_len == 0 || key_len > PB_FACTORY_KEY_MAX)
		return -1;
	if (!HMAC(EVP_sha256(), key, (int)key_len, nonce, PB_NONCE_LEN, mac,
	    &len) || len != PB_MAC_LEN)
		return -1;
	return 0;
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
		return PB_ST_WRONG_STATE;
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
	uint8_t want[PB_MAC_LEN];
	if (pb_factory_answer(f->key, f->key_len, f->nonce, want) != 0) {
		fail(f, now_us, "HMAC unavailable");
		return PB_ST_AUTH_FAILED;
	}
	int diff = CRYPTO_memcmp(want, mac, PB_MAC_LEN);
	OPENSSL_cleanse(want, sizeof want);
	if (diff != 0) {
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

/* ---- key text and key file ---------------------------------------------- */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pb_factory_parse_key(const char *text, size_t n, uint8_t *key,
    size_t cap, char *err, size_t errlen)
{
	size_t a = 0, b = n;
	while (a < b && isspace((unsigned char)text[a]))
		a++;
	while (b > a && isspace((unsigned char)text[b - 1]))
		b--;
	size_t digits = b - a;
	for (size_t i = a; i < b; i++) {
		if (hexval((unsigned char)text[i]) < 0) {
			seterr(err, errlen, "key must be hex digits only "
			    "(byte %zu is not)", i + 1);
			return -1;
		}
	}
	if (digits % 2 != 0 || digits < 2 * PB_FACTORY_KEY_MIN ||
	    digits > 2 * PB_FACTORY_KEY_MAX || digits / 2 > cap) {
		seterr(err, errlen, "key has %zu hex digits, need an even "
		    "number from %d to %d", digits, 2 * PB_FACTORY_KEY_MIN,
		    2 * PB_FACTORY_KEY_MAX);
		return -1;
	}
	for (size_t i = 0; i < digits / 2; i++)
		key[i] = (uint8_t)(hexval((unsigned char)text[a + 2 * i]) << 4 |
		    hexval((unsigned char)text[a + 2 * i + 1]));
	return (int)(digits / 2);
}

int pb_factory_load_key(const char *path, uint8_t *key, size_t cap,
    char *err, size_t errlen)
{
	if (!path || !*path) {
		seterr(err, errlen, "no factory key file given");
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		seterr(err, errlen, "%s: cannot open factory key: %s", path,
		    strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: factory key is not a regular file",
		    path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		seterr(err, errlen, "%s: factory key is accessible by group or "
		    "others (mode %04o); refusing it: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	char text[2 * PB_FACTORY_KEY_MAX + 64];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, text + got, sizeof text - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			seterr(err, errlen, "%s: cannot read factory key: %s",
			    path, strerror(errno));
			close(fd);
			OPENSSL_cleanse(text, sizeof text);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == sizeof text) {
			seterr(err, errlen, "%s: factory key file is too long "
			    "(over %zu bytes)", path, sizeof text - 1);
			close(fd);
			OPENSSL_cleanse(text, sizeof text);
			return -1;
		}
	}
	close(fd);
	char why[128];
	int n = pb_factory_parse_key(text, got, key, cap, why, sizeof why);
	OPENSSL_cleanse(text, sizeof text);
	if (n < 0) {
		seterr(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return n;
}

int pb_factory_random(uint8_t *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}
