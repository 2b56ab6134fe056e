/*
 * proto/station.h - factory access: the station key and the unlock answer.
 *
 * Promise: pb_station_load_key() reads a station key file and refuses one
 * that group or others may read (with a message naming the file and its
 * mode), or whose key is empty, shorter than 16 or longer than 64 bytes.
 * pb_station_answer() computes the unlock answer HMAC-SHA256(key, nonce)
 * with OpenSSL's libcrypto.  Key file format: the raw key bytes, or one
 * line of hex (an even number of hex digits, 32 to 128), which is what
 * `openssl rand -hex 32 > station.key` produces.  Both ends
 * use this module: the station to answer, the device (emulator) to check
 * the answer with a constant-time compare.
 */
#ifndef PB_PROTO_STATION_H
#define PB_PROTO_STATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/msg.h"

#define PB_STATION_KEY_MIN 16
#define PB_STATION_KEY_MAX 64

enum pb_station_err {
	PB_STATION_OK = 0,
	PB_STATION_E_OPEN = -1,     /* cannot open / stat */
	PB_STATION_E_PERM = -2,     /* readable by group or others */
	PB_STATION_E_FORMAT = -3,   /* empty, too short, too long */
	PB_STATION_E_CRYPTO = -4
};

int pb_station_load_key(const char *path, uint8_t *key, size_t *key_len,
    char *err, size_t errlen);
/* The key file's content, already read (name is used in messages):
 * trailing newline/spaces are ignored; an even number of hex digits is
 * hex, anything else raw bytes; 16..64 key bytes. */
int pb_station_parse_key(const uint8_t *buf, size_t len, const char *name,
    uint8_t *key, size_t *key_len, char *err, size_t errlen);
int pb_station_answer(const uint8_t *key, size_t key_len,
    const uint8_t nonce[PB_NONCE_LEN], uint8_t mac[PB_MAC_LEN]);
/* Device side: true when mac is the right answer (constant-time compare). */
bool pb_station_check(const uint8_t *key, size_t key_len,
    const uint8_t nonce[PB_NONCE_LEN], const uint8_t mac[PB_MAC_LEN]);

#endif
