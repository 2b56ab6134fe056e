/*
 * fuzz/fuzz_frame.c - the streaming frame decoder on arbitrary bytes in
 * arbitrary chunkings.
 *
 * Input: byte 0 seeds the chunk sizes, the rest is the stream.  Checked
 * (trap on failure): every piece ended by 0x00 is counted exactly once
 * (delivered, dropped by one cause, or empty); delivered frames have
 * len <= PB_MAX_PAYLOAD and are exactly what pb_frame_decode() says of the
 * same piece; the per-cause counters sum to pb_rx_dropped(); every
 * delivered payload goes through pb_msg_decode().
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/frame.h"

struct ctx {
	size_t delivered;
};

static void on_frame(void *p, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct ctx *c = p;
	struct pb_msg m;
	if (h->len > PB_MAX_PAYLOAD || h->version != PB_PROTO_VERSION)
		__builtin_trap();
	(void)pb_msg_decode(h->type, h->flags, payload, h->len, &m);
	c->delivered++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pb_decoder d;
	struct ctx c = { 0 };
	uint32_t seed;
	size_t zeros = 0, ok_single = 0, pieces_ok = 0;

	if (size < 1)
		return 0;
	seed = data[0] * 2654435761u + 1;
	data++;
	size--;
	pb_decoder_init(&d);
	for (size_t o = 0; o < size;) {
		seed = seed * 1103515245u + 12345u;
		size_t k = 1 + (seed >> 16) % 300;
		if (k > size - o)
			k = size - o;
		pb_decoder_feed(&d, data + o, k, on_frame, &c);
		o += k;
	}
	/* the same pieces through pb_frame_decode */
	size_t start = 0;
	for (size_t i = 0; i < size; i++) {
		if (data[i] != 0)
			continue;
		zeros++;
		if (i > start) {
			struct pb_frame_hdr h;
			uint8_t payload[PB_MAX_PAYLOAD];
			if (pb_frame_decode(data + start, i - start, &h,
			    payload) == PB_FRAME_OK)
				ok_single++;
			pieces_ok++;
		}
		start = i + 1;
	}
	(void)pieces_ok;
	const struct pb_rx_stats *s = &d.st;
	if (s->bytes != size || s->frames_ok != c.delivered ||
	    s->frames_ok != ok_single)
		__builtin_trap();
	if (pb_rx_dropped(s) != s->cobs_errors + s->length_errors +
	    s->crc_errors + s->version_errors + s->oversize)
		__builtin_trap();
	/* pieces ended by a 0x00, plus an unfinished tail that was already
	 * found oversize */
	uint64_t counted = s->frames_ok + pb_rx_dropped(s) + s->empty;
	uint64_t tail_counted = d.overflow ? 1 : 0;
	if (counted != zeros + tail_counted)
		__builtin_trap();
	return 0;
}
