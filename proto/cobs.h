/*
 * proto/cobs.h - Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999).
 *
 * Promise: pure, bounds-checked functions over memory.  Encoding removes
 * every 0x00 from a block of bytes (so 0x00 can delimit frames) at a cost
 * of at most one byte per 254 plus one.  Encoding is canonical (the form
 * in the published algorithm and its well-known examples: a block of 254
 * non-zero bytes ending the input gets no extra 0x01 code).  Decoding
 * accepts exactly the inputs that are valid COBS: no 0x00 byte anywhere,
 * every code's block inside the input; nothing is ever read or written
 * out of bounds.  The 0x00 delimiter is NOT part of the input/output here.
 */
#ifndef PB_PROTO_COBS_H
#define PB_PROTO_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Output capacity that always suffices to encode n bytes. */
#define PB_COBS_ENC_MAX(n) ((n) + (n) / 254 + 1)

enum pb_cobs_err {
	PB_COBS_OK = 0,
	PB_COBS_E_SPACE = -1,  /* output buffer too small */
	PB_COBS_E_ZERO = -2,   /* decode: a 0x00 byte inside encoded data */
	PB_COBS_E_TRUNC = -3,  /* decode: a code points past the end */
	PB_COBS_E_EMPTY = -4   /* decode: no bytes (valid COBS has >= 1) */
};

/* Encode n bytes of in into out (cap bytes).  On PB_COBS_OK *outlen is the
 * encoded length (always >= 1). out and in must not overlap. */
int pb_cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
    size_t *outlen);

/* Decode n bytes of COBS into out (cap bytes).  On PB_COBS_OK *outlen is
 * the decoded length (always <= n - 1).  out may equal in (in-place
 * decoding works because output never overtakes input); any other
 * overlap is not allowed. */
int pb_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
    size_t *outlen);

/* Encode in place, for frames built where they will be sent: buf[1..n]
 * holds n data bytes (n <= 253, so no block is full) and buf[0..n]
 * becomes their COBS encoding, one byte longer.  No other memory is
 * touched. */
void pb_cobs_encode_inplace(uint8_t *buf, size_t n);

const char *pb_cobs_strerror(int err);

#endif
