/*
 * proto/frame.h - frames on the wire: header, payload, CRC-32C, COBS, 0x00.
 *
 * Promise: pure functions over memory.  pb_frame_encode() produces the
 * complete bytes of one frame, delimiter included.  The decoder is a
 * streaming state machine: feed it any bytes in any chunking; it delivers
 * every valid frame and drops and counts every bad one by cause, then
 * resynchronises at the next 0x00.  It never reads or writes out of bounds
 * whatever the input.
 *
 * Decoded frame layout (before COBS):
 *   u8 version | u8 flags | u16 seq (LE) | u8 type | u8 txn | u8 len |
 *   payload[len] | u32 CRC-32C (LE) over header and payload
 */
#ifndef PB_PROTO_FRAME_H
#define PB_PROTO_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"

#define PB_HDR_LEN        7
#define PB_CRC_LEN        4
#define PB_FRAME_MAX      (PB_HDR_LEN + PB_MAX_PAYLOAD + PB_CRC_LEN) /* 251 */
/* COBS adds one byte per 254 (so one here), plus the 0x00 delimiter. */
#define PB_WIRE_MAX       (PB_FRAME_MAX + 2)

struct pb_frame_hdr {
	uint8_t  version;
	uint8_t  flags;
	uint16_t seq;
	uint8_t  type;
	uint8_t  txn;
	uint8_t  len;
};

/* Building a frame where it will be sent (no copy, no frame-sized buffer
 * on the stack): write the payload's len bytes at buf +
 * PB_FRAME_PAYLOAD_OFF, then pb_frame_seal() puts the header in front, the
 * CRC behind, COBS-encodes the lot in place and appends the 0x00.  The
 * result is PB_FRAME_WIRE_LEN(len) bytes from buf[0]. */
#define PB_FRAME_PAYLOAD_OFF  (1 + PB_HDR_LEN)
#define PB_FRAME_WIRE_LEN(len) ((size_t)(len) + PB_HDR_LEN + PB_CRC_LEN + 2)
/* Returns the byte count, or -1 when h->len > PB_MAX_PAYLOAD or cap is
 * below PB_FRAME_WIRE_LEN(h->len). */
int pb_frame_seal(const struct pb_frame_hdr *h, uint8_t *buf, size_t cap);

/* Encode header + payload into wire bytes (COBS + trailing 0x00).
 * Returns the number of bytes written to out (cap >= PB_WIRE_MAX always
 * suffices) or -1 when len > PB_MAX_PAYLOAD or cap is too small. */
int pb_frame_encode(const struct pb_frame_hdr *h, const uint8_t *payload,
    uint8_t *out, size_t cap);

/* Convenience: encode a message (body through pb_msg_encode) into wire
 * bytes with the given header fields.  Returns bytes written or < 0. */
int pb_frame_encode_msg(const struct pb_msg *m, uint8_t *out, size_t cap);

/* Why a frame was dropped; each has its own counter. */
struct pb_rx_stats {
	uint64_t bytes;          /* bytes fed */
	uint64_t frames_ok;      /* frames delivered */
	uint64_t cobs_errors;    /* COBS structure invalid */
	uint64_t length_errors;  /* header len disagrees with frame size,
	                            or frame shorter than header + CRC */
	uint64_t crc_errors;     /* CRC-32C mismatch */
	uint64_t version_errors; /* unknown protocol version */
	uint64_t oversize;       /* more than PB_WIRE_MAX - 1 bytes before a
	                            0x00 (counted once per run), or header
	                            len > PB_MAX_PAYLOAD */
	uint64_t empty;          /* stray 0x00 delimiters (not an error) */
};

typedef struct pb_decoder {
	uint8_t buf[PB_WIRE_MAX];
	size_t  n;
	int     overflow;         /* discarding until the next 0x00 */
	struct pb_rx_stats st;
} pb_decoder;

void pb_decoder_init(pb_decoder *d);

/* Feed bytes.  For each valid frame, calls cb(ctx, hdr, payload).  The
 * payload pointer is valid only during the call.  Returns the number of
 * frames delivered by this call. */
typedef void (*pb_frame_cb)(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload);
size_t pb_decoder_feed(pb_decoder *d, const uint8_t *bytes, size_t n,
    pb_frame_cb cb, void *ctx);

/* Decode one complete COBS-encoded frame (without its 0x00). Returns 0 and
 * fills h/payload (payload must hold PB_MAX_PAYLOAD bytes), or a negative
 * PB_FRAME_E_* code. Used by the streaming decoder and by the fuzzers. */
enum pb_frame_err {
	PB_FRAME_OK = 0,
	PB_FRAME_E_COBS = -1,
	PB_FRAME_E_LENGTH = -2,
	PB_FRAME_E_CRC = -3,
	PB_FRAME_E_VERSION = -4,
	PB_FRAME_E_OVERSIZE = -5
};
int pb_frame_decode(const uint8_t *wire, size_t n, struct pb_frame_hdr *h,
    uint8_t *payload);
const char *pb_frame_strerror(int err);

/* Total frames dropped, all causes (stray delimiters excluded). */
uint64_t pb_rx_dropped(const struct pb_rx_stats *s);

#endif
