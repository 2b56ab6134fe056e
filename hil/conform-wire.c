/*
 * hil/conform-wire.c - frames from docs/protocol.md alone, see
 * conform-wire.h.  Deliberately shares no code with proto/frame.c,
 * proto/cobs.c or proto/crc32c.c: the conformance suite must be able to
 * catch a mistake the device and the host library make together.
 */
#include "hil/conform-wire.h"

#include <string.h>

uint32_t pb_cw_crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
	}
	return c ^ 0xFFFFFFFFu;
}

/* Section 3.4 for inputs below 254 bytes: one code per run of non-zero
 * bytes, the 0x00 dropped after the last run. */
static size_t cobs_encode(const uint8_t *in, size_t n, uint8_t *out,
    size_t cap)
{
	size_t o = 1, code_at = 0;
	uint8_t code = 1;
	if (cap < n + 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == 0) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
		} else {
			out[o++] = in[i];
			code++;
		}
	}
	out[code_at] = code;
	return o;
}

size_t pb_cw_encode(uint8_t version, uint8_t flags, uint16_t seq,
    uint8_t type, uint8_t txn, uint8_t len_field, const uint8_t *payload,
    size_t n, uint32_t crc_xor, uint8_t *out, size_t cap)
{
	uint8_t f[PB_CW_FRAME_MAX + 8];
	if (n > PB_CW_MAX_PAYLOAD + 1)
		return 0;
	f[0] = version;
	f[1] = flags;
	pb_cw_put16(f + 2, seq);
	f[4] = type;
	f[5] = txn;
	f[6] = len_field;
	if (n > 0)
		memcpy(f + 7, payload, n);
	pb_cw_put32(f + 7 + n, pb_cw_crc32c(f, 7 + n) ^ crc_xor);
	size_t k = cobs_encode(f, 7 + n + 4, out, cap);
	if (k == 0 || k + 1 > cap)
		return 0;
	out[k++] = 0x00;
	return k;
}

const char *pb_cw_bad_name(int why)
{
	switch (why) {
	case PB_CW_OK: return "ok";
	case PB_CW_OVERSIZE: return "over 252 bytes before the 0x00";
	case PB_CW_COBS: return "invalid COBS";
	case PB_CW_LENGTH: return "length byte disagrees with the frame size";
	case PB_CW_CRC: return "CRC-32C mismatch";
	case PB_CW_VERSION: return "version is not 1";
	}
	return "?";
}

int pb_cw_decode(const uint8_t *piece, size_t n, struct pb_cw_frame *f)
{
	uint8_t d[PB_CW_WIRE_MAX];
	size_t dn = 0, i = 0;
	if (n > PB_CW_FRAME_MAX + 1)
		return PB_CW_OVERSIZE;
	/* a block: code c, then c-1 non-zero bytes, then an implied 0x00
	 * unless c is 255 or it is the last block */
	while (i < n) {
		uint8_t c = piece[i++];
		if (c == 0 || i - 1 + c > n)
			return PB_CW_COBS;
		for (unsigned k = 1; k < c; k++) {
			if (piece[i] == 0)
				return PB_CW_COBS;
			d[dn++] = piece[i++];
		}
		if (c != 255 && i < n)
			d[dn++] = 0;
	}
	if (dn < 11)
		return PB_CW_LENGTH;
	if (d[6] > PB_CW_MAX_PAYLOAD)
		return PB_CW_OVERSIZE;
	if (dn != (size_t)7 + d[6] + 4)
		return PB_CW_LENGTH;
	if (pb_cw_crc32c(d, dn - 4) != pb_cw_u32(d + dn - 4))
		return PB_CW_CRC;
	if (d[0] != 1)
		return PB_CW_VERSION;
	f->version = d[0];
	f->flags = d[1];
	f->seq = pb_cw_u16(d + 2);
	f->type = d[4];
	f->txn = d[5];
	f->len = d[6];
	memcpy(f->p, d + 7, f->len);
	return PB_CW_OK;
}

void pb_cw_reader_init(struct pb_cw_reader *r)
{
	memset(r, 0, sizeof *r);
}

void pb_cw_reader_feed(struct pb_cw_reader *r, const uint8_t *b, size_t n,
    uint64_t t_us, void (*cb)(void *ctx, const struct pb_cw_frame *f),
    void (*bad)(void *ctx, int why, const uint8_t *piece, size_t n),
    void *ctx)
{
	struct pb_cw_frame f;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];
		if (!r->synced) {
			/* joined mid-stream: what came before is no piece */
			if (c == 0)
				r->synced = true;
			else
				r->resync_bytes++;
			continue;
		}
		if (c != 0) {
			if (r->n < sizeof r->buf)
				r->buf[r->n++] = c;
			else
				r->overflow = true;
			continue;
		}
		if (r->overflow) {
			r->bad++;
			r->last_bad = PB_CW_OVERSIZE;
			r->last_bad_len = 0;
			if (bad)
				bad(ctx, PB_CW_OVERSIZE, r->buf, r->n);
		} else if (r->n == 0) {
			r->empty++;
		} else {
			memset(&f, 0, sizeof f);
			int why = pb_cw_decode(r->buf, r->n, &f);
			if (why == PB_CW_OK) {
				r->frames++;
				f.t_us = t_us;
				if (cb)
					cb(ctx, &f);
			} else {
				r->bad++;
				r->last_bad = why;
				r->last_bad_len = r->n < sizeof r->last_bad_piece
				    ? r->n : sizeof r->last_bad_piece;
				memcpy(r->last_bad_piece, r->buf, r->last_bad_len);
				if (bad)
					bad(ctx, why, r->buf, r->n);
			}
		}
		r->n = 0;
		r->overflow = false;
	}
}

bool pb_cw_str16(const uint8_t *p, char out[17])
{
	size_t i = 0;
	while (i < 16 && p[i] != 0) {
		if (p[i] < 0x20 || p[i] > 0x7E)
			return false;
		i++;
	}
	if (i == 16)
		return false;            /* no terminator in 16 bytes */
	for (size_t k = i; k < 16; k++)
		if (p[k] != 0)
			return false;
	memcpy(out, p, i);
	out[i] = '\0';
	return true;
}
