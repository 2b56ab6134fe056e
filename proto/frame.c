/*
 * proto/frame.c - frame codec and streaming decoder, see frame.h.
 *
 * Checks on a received frame, in this order (the first failing one names
 * the counter; docs/protocol.md "Receiving"):
 *   1. COBS structure                      -> cobs_errors
 *   2. decoded size >= header + CRC,
 *      header len <= PB_MAX_PAYLOAD          (else oversize)
 *      decoded size == 7 + len + 4         -> length_errors
 *   3. CRC-32C                             -> crc_errors
 *   4. version == PB_PROTO_VERSION         -> version_errors
 * The version is checked after the CRC so that a counted version error is
 * a real peer speaking another version, never line noise.
 *
 * The streaming decoder keeps the COBS bytes of the frame in progress and
 * decodes them in place when the 0x00 arrives.  A valid frame is at most
 * PB_FRAME_MAX (251) decoded bytes, so it never contains a 0xFF code (that
 * needs 254 data bytes): decoding is then "drop the first code byte and
 * turn every later code byte into 0x00", which costs one step per block
 * instead of one per byte.
 */
#include "proto/frame.h"

#include <string.h>

#include "proto/cobs.h"
#include "proto/crc32c.h"

/* Longest COBS encoding of a valid frame, without the 0x00 delimiter. */
#define ENC_MAX (PB_FRAME_MAX + 1)

_Static_assert(ENC_MAX < 255, "a frame must fit one COBS block");
_Static_assert(PB_WIRE_MAX == ENC_MAX + 1, "wire max = COBS max + 0x00");

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

int pb_frame_seal(const struct pb_frame_hdr *h, uint8_t *buf, size_t cap)
{
	if (h == NULL || buf == NULL || h->len > PB_MAX_PAYLOAD ||
	    cap < PB_FRAME_WIRE_LEN(h->len))
		return -1;
	uint8_t *f = buf + 1;                /* the frame, before COBS */
	size_t flen = PB_HDR_LEN + (size_t)h->len;
	f[0] = h->version;
	f[1] = h->flags;
	put_le16(f + 2, h->seq);
	f[4] = h->type;
	f[5] = h->txn;
	f[6] = h->len;
	put_le32(f + flen, pb_crc32c(f, flen));
	flen += PB_CRC_LEN;
	pb_cobs_encode_inplace(buf, flen);   /* a frame never fills a block */
	buf[flen + 1] = 0x00;
	return (int)(flen + 2);
}

int pb_frame_encode(const struct pb_frame_hdr *h, const uint8_t *payload,
    uint8_t *out, size_t cap)
{
	if (h == NULL || out == NULL || h->len > PB_MAX_PAYLOAD ||
	    (h->len > 0 && payload == NULL) || cap < PB_FRAME_WIRE_LEN(h->len))
		return -1;
	if (h->len > 0)
		memmove(out + PB_FRAME_PAYLOAD_OFF, payload, h->len);
	return pb_frame_seal(h, out, cap);
}

int pb_frame_encode_msg(const struct pb_msg *m, uint8_t *out, size_t cap)
{
	size_t len = 0;
	struct pb_frame_hdr h;
	int rc;

	if (m == NULL || out == NULL)
		return PB_MSG_E_VALUE;
	if (cap < PB_FRAME_WIRE_LEN(0))
		return PB_MSG_E_SPACE;
	size_t room = cap - PB_FRAME_WIRE_LEN(0);
	rc = pb_msg_encode(m, out + PB_FRAME_PAYLOAD_OFF,
	    room < PB_MAX_PAYLOAD ? room : PB_MAX_PAYLOAD, &len);
	if (rc != PB_MSG_OK)
		return rc;
	h.version = PB_PROTO_VERSION;
	h.flags = (uint8_t)(m->flags & ~PB_F_RESERVED);
	h.seq = m->seq;
	h.type = m->type;
	h.txn = m->txn;
	h.len = (uint8_t)len;
	rc = pb_frame_seal(&h, out, cap);
	return rc < 0 ? PB_MSG_E_SPACE : rc;
}

/* Checks 2-4 on a COBS-decoded frame f of flen bytes. */
static int check_frame(const uint8_t *f, size_t flen, struct pb_frame_hdr *h)
{
	size_t len;

	if (flen < PB_HDR_LEN + PB_CRC_LEN)
		return PB_FRAME_E_LENGTH;
	len = f[6];
	if (len > PB_MAX_PAYLOAD)
		return PB_FRAME_E_OVERSIZE;
	if (flen != PB_HDR_LEN + len + PB_CRC_LEN)
		return PB_FRAME_E_LENGTH;
	if (pb_crc32c(f, PB_HDR_LEN + len) != get_le32(f + PB_HDR_LEN + len))
		return PB_FRAME_E_CRC;
	if (f[0] != PB_PROTO_VERSION)
		return PB_FRAME_E_VERSION;
	h->version = f[0];
	h->flags = f[1];
	h->seq = (uint16_t)(f[2] | f[3] << 8);
	h->type = f[4];
	h->txn = f[5];
	h->len = (uint8_t)len;
	return PB_FRAME_OK;
}

int pb_frame_decode(const uint8_t *wire, size_t n, struct pb_frame_hdr *h,
    uint8_t *payload)
{
	uint8_t f[PB_FRAME_MAX];
	size_t flen;
	int rc;

	if (wire == NULL || h == NULL || payload == NULL)
		return PB_FRAME_E_LENGTH;
	if (n > ENC_MAX)
		return PB_FRAME_E_OVERSIZE;
	if (pb_cobs_decode(wire, n, f, sizeof f, &flen) != PB_COBS_OK)
		return PB_FRAME_E_COBS;
	rc = check_frame(f, flen, h);
	if (rc == PB_FRAME_OK && h->len > 0)
		memcpy(payload, f + PB_HDR_LEN, h->len);
	return rc;
}

const char *pb_frame_strerror(int err)
{
	switch (err) {
	case PB_FRAME_OK: return "ok";
	case PB_FRAME_E_COBS: return "frame: invalid COBS encoding";
	case PB_FRAME_E_LENGTH:
		return "frame: length field disagrees with frame size";
	case PB_FRAME_E_CRC: return "frame: CRC-32C mismatch";
	case PB_FRAME_E_VERSION: return "frame: unknown protocol version";
	case PB_FRAME_E_OVERSIZE: return "frame: larger than the maximum";
	}
	return "frame: unknown error";
}

uint64_t pb_rx_dropped(const struct pb_rx_stats *s)
{
	return s->cobs_errors + s->length_errors + s->crc_errors +
	    s->version_errors + s->oversize;
}

void pb_decoder_init(pb_decoder *d)
{
	memset(d, 0, sizeof *d);
}

/* Handle the n COBS bytes in d->buf (no 0x00 inside, 1 <= n <= ENC_MAX):
 * decode in place, check, deliver.  Returns 1 if delivered. */
static int finish_frame(pb_decoder *d, size_t n, pb_frame_cb cb, void *ctx)
{
	uint8_t *b = d->buf;
	struct pb_frame_hdr h;
	size_t j = b[0];
	int rc;

	/* Walk the code chain; every code is < 255 here (see top). */
	while (j < n) {
		size_t code = b[j];
		b[j] = 0;
		j += code;
	}
	if (j != n) {
		d->st.cobs_errors++;
		return 0;
	}
	rc = check_frame(b + 1, n - 1, &h);
	switch (rc) {
	case PB_FRAME_OK:
		d->st.frames_ok++;
		if (cb != NULL)
			cb(ctx, &h, b + 1 + PB_HDR_LEN);
		return 1;
	case PB_FRAME_E_LENGTH: d->st.length_errors++; break;
	case PB_FRAME_E_CRC: d->st.crc_errors++; break;
	case PB_FRAME_E_VERSION: d->st.version_errors++; break;
	default: d->st.oversize++; break;
	}
	return 0;
}

size_t pb_decoder_feed(pb_decoder *d, const uint8_t *bytes, size_t n,
    pb_frame_cb cb, void *ctx)
{
	size_t delivered = 0;

	d->st.bytes += n;
	while (n > 0) {
		const uint8_t *z = memchr(bytes, 0, n);
		size_t k = z != NULL ? (size_t)(z - bytes) : n;

		if (d->overflow || k > ENC_MAX - d->n) {
			/* Too long to be a frame: count once, skip to 0x00. */
			if (!d->overflow)
				d->st.oversize++;
			d->n = 0;
			d->overflow = z == NULL;
		} else {
			memcpy(d->buf + d->n, bytes, k);
			d->n += k;
			if (z != NULL) {
				if (d->n == 0)
					d->st.empty++;
				else
					delivered += (size_t)finish_frame(d,
					    d->n, cb, ctx);
				d->n = 0;
			}
		}
		if (z == NULL)
			break;
		bytes = z + 1;
		n -= k + 1;
	}
	return delivered;
}
