/*
 * proto/cobs.c - COBS encode/decode, see cobs.h.
 */
#include "proto/cobs.h"

#include <string.h>

int pb_cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t code_at = 0;  /* where the current block's code goes */
	size_t o = 1;        /* next output position */
	uint8_t code = 1;    /* 1 + data bytes in the current block */

	if (cap < 1)
		return PB_COBS_E_SPACE;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];
		if (b != 0) {
			if (o >= cap)
				return PB_COBS_E_SPACE;
			out[o++] = b;
			code++;
		}
		if (b == 0 || code == 0xFF) {
			out[code_at] = code;
			code = 1;
			/* A full block that ends the input opens no new one. */
			if (b == 0 || i + 1 < n) {
				if (o >= cap)
					return PB_COBS_E_SPACE;
				code_at = o++;
			} else {
				*outlen = o;
				return PB_COBS_OK;
			}
		}
	}
	out[code_at] = code;
	*outlen = o;
	return PB_COBS_OK;
}

int pb_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t i = 0, o = 0;

	if (n == 0)
		return PB_COBS_E_EMPTY;
	while (i < n) {
		uint8_t code = in[i++];
		size_t k = (size_t)code - 1;
		if (code == 0)
			return PB_COBS_E_ZERO;
		if (k > n - i)
			return PB_COBS_E_TRUNC;
		if (k > cap - o)
			return PB_COBS_E_SPACE;
		if (memchr(in + i, 0, k) != NULL)
			return PB_COBS_E_ZERO;
		if (out + o != in + i)
			memmove(out + o, in + i, k);
		o += k;
		i += k;
		if (code != 0xFF && i < n) {
			if (o >= cap)
				return PB_COBS_E_SPACE;
			out[o++] = 0;
		}
	}
	*outlen = o;
	return PB_COBS_OK;
}

void pb_cobs_encode_inplace(uint8_t *buf, size_t n)
{
	/* below 254 data bytes every 0x00 becomes the distance to the next
	 * one (or past the end), and the code byte goes in front */
	size_t last = 0;
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] == 0) {
			buf[last] = (uint8_t)(i - last);
			last = i;
		}
	}
	buf[last] = (uint8_t)(n + 1 - last);
}

const char *pb_cobs_strerror(int err)
{
	switch (err) {
	case PB_COBS_OK: return "ok";
	case PB_COBS_E_SPACE: return "COBS: output buffer too small";
	case PB_COBS_E_ZERO: return "COBS: 0x00 byte inside encoded data";
	case PB_COBS_E_TRUNC: return "COBS: block runs past the end";
	case PB_COBS_E_EMPTY: return "COBS: empty input";
	}
	return "COBS: unknown error";
}
