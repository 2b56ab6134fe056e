/*
 * hil/conform-wire.h - the conformance suite's own view of the wire:
 * frames encoded and decoded from docs/protocol.md sections 3 and 4
 * alone, independent of proto/ (which the device under test may share).
 *
 * Promise: pure functions over memory.  pb_cw_encode() builds any frame a
 * test needs, also a wrong one (any version, flags, length byte, a broken
 * CRC).  The streaming reader splits bytes at 0x00 and checks each piece
 * in the order of section 3.5 (size, COBS, length, CRC-32C, version),
 * naming the first rule a bad piece breaks; the first piece after the
 * reader starts is only a resync (the device was mid-frame when we began
 * listening).  CRC-32C is the byte-wise reference of section 3.3, COBS
 * the block rule of section 3.4, so a bug shared by the device and
 * proto/ cannot hide here.
 */
#ifndef PB_HIL_CONFORM_WIRE_H
#define PB_HIL_CONFORM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_CW_MAX_PAYLOAD 240    /* section 4 */
#define PB_CW_FRAME_MAX   251
#define PB_CW_WIRE_MAX    253    /* with the 0x00 */

struct pb_cw_frame {
	uint8_t  version, flags, type, txn, len;
	uint16_t seq;
	uint8_t  p[256];             /* payload (len bytes) */
	uint64_t t_us;               /* when the 0x00 arrived (host clock) */
};

/* Section 3.3 reference CRC-32C. */
uint32_t pb_cw_crc32c(const uint8_t *p, size_t n);

/* Build wire bytes (COBS + 0x00) of a frame.  len_field is written as the
 * header's len even when it differs from n (a lying header); crc_xor is
 * XORed into the CRC (0 for a good frame).  Returns the byte count, or 0
 * when it does not fit cap. */
size_t pb_cw_encode(uint8_t version, uint8_t flags, uint16_t seq,
    uint8_t type, uint8_t txn, uint8_t len_field, const uint8_t *payload,
    size_t n, uint32_t crc_xor, uint8_t *out, size_t cap);

/* Why a piece was dropped (section 3.5's order); 0 = a good frame. */
enum pb_cw_bad {
	PB_CW_OK = 0, PB_CW_OVERSIZE, PB_CW_COBS, PB_CW_LENGTH, PB_CW_CRC,
	PB_CW_VERSION
};
const char *pb_cw_bad_name(int why);

/* Decode one piece (COBS bytes, no 0x00).  Returns PB_CW_OK and fills f,
 * or the first check it fails. */
int pb_cw_decode(const uint8_t *piece, size_t n, struct pb_cw_frame *f);

/* Streaming reader. */
struct pb_cw_reader {
	uint8_t  buf[PB_CW_WIRE_MAX];
	size_t   n;
	bool     overflow;          /* skipping to the next 0x00 */
	bool     synced;            /* the first 0x00 was seen */
	uint64_t frames, bad, empty, resync_bytes;
	int      last_bad;          /* enum pb_cw_bad of the last bad piece */
	uint8_t  last_bad_piece[32]; /* its first bytes, for the report */
	size_t   last_bad_len;
};
void pb_cw_reader_init(struct pb_cw_reader *r);
/* Feed bytes; calls cb for every good frame (t_us stamped) and bad for
 * every dropped piece (may be NULL). */
void pb_cw_reader_feed(struct pb_cw_reader *r, const uint8_t *b, size_t n,
    uint64_t t_us, void (*cb)(void *ctx, const struct pb_cw_frame *f),
    void (*bad)(void *ctx, int why, const uint8_t *piece, size_t n),
    void *ctx);

/* Little-endian field access (section "Conventions"). */
static inline uint16_t pb_cw_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t pb_cw_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}
static inline void pb_cw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void pb_cw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A str16 field (section 4): at most 15 printable characters, NUL-padded
 * to 16.  Returns true and copies the text (NUL-terminated) into out
 * (17 bytes) when valid. */
bool pb_cw_str16(const uint8_t *p, char out[17]);

#endif
