/*
 * proto/sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the
 * device side of factory access, small enough for a microcontroller.
 *
 * Promise: pure functions over memory; no malloc, no stdio, no tables in
 * RAM, a bounded stack (the message schedule is a rolling 16-word window,
 * so a compression uses about 100 bytes of stack, an HMAC about 300) and
 * about 1.5 KB of Thumb code.  Any length, any alignment, incremental use
 * (split the input anywhere: the result is the same).  The host side
 * (proto/station) uses OpenSSL's libcrypto; tests/unit/test_sha256.c
 * checks this module against the NIST FIPS 180 examples, the RFC 4231
 * HMAC vectors and OpenSSL on thousands of random inputs, so the two ends
 * agree byte for byte.  pb_ct_equal() compares without an early exit, so
 * the time taken does not say how much of a guess was right.
 *
 * Why not OpenSSL on the pump: libcrypto is hundreds of kilobytes, needs
 * malloc and an operating system (threads, an entropy source, file I/O for
 * its configuration), and is not built for Cortex-M at all.  The MCU needs
 * exactly one primitive, HMAC-SHA256 of 16 bytes, a few times per unit's
 * life; this file is that and nothing more.  See docs/firmware.md.
 */
#ifndef PB_PROTO_SHA256_H
#define PB_PROTO_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_SHA256_LEN    32   /* digest bytes */
#define PB_SHA256_BLOCK  64   /* block bytes */

struct pb_sha256 {
	uint32_t h[8];            /* chaining state */
	uint64_t bytes;           /* message length so far */
	uint8_t  buf[PB_SHA256_BLOCK];
	uint8_t  n;               /* bytes waiting in buf (0..63) */
};

void pb_sha256_init(struct pb_sha256 *s);
void pb_sha256_update(struct pb_sha256 *s, const void *data, size_t n);
/* Write the digest and wipe the state. */
void pb_sha256_final(struct pb_sha256 *s, uint8_t out[PB_SHA256_LEN]);
/* One call: out = SHA-256(data). */
void pb_sha256(const void *data, size_t n, uint8_t out[PB_SHA256_LEN]);

/* Incremental HMAC-SHA256 (keys longer than a block are hashed first, as
 * RFC 2104 says). */
struct pb_hmac_sha256 {
	struct pb_sha256 inner;
	uint8_t opad_key[PB_SHA256_BLOCK]; /* key XOR 0x5c, for final */
};
void pb_hmac_sha256_init(struct pb_hmac_sha256 *h, const void *key,
    size_t key_len);
void pb_hmac_sha256_update(struct pb_hmac_sha256 *h, const void *data,
    size_t n);
/* Write the MAC and wipe the state (key material included). */
void pb_hmac_sha256_final(struct pb_hmac_sha256 *h,
    uint8_t out[PB_SHA256_LEN]);
/* One call: out = HMAC-SHA256(key, msg). */
void pb_hmac_sha256(const void *key, size_t key_len, const void *msg,
    size_t msg_len, uint8_t out[PB_SHA256_LEN]);

/* True when the n bytes of a and b are equal; the time does not depend on
 * where they differ. */
bool pb_ct_equal(const void *a, const void *b, size_t n);
/* Overwrite n bytes with zeros in a way the compiler may not drop. */
void pb_wipe(void *p, size_t n);

#endif
