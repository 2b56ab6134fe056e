/*
 * fuzz/fuzz_msg.c - the message decoder on arbitrary type, length and
 * bytes.
 *
 * Input: byte 0 is the type, byte 1 the flags, the rest the payload (any
 * length, also above PB_MAX_PAYLOAD).  Checked (trap on failure): when
 * pb_msg_decode() accepts a payload, pb_msg_encode() of the result must
 * succeed and give back exactly the same bytes (one canonical encoding),
 * and the whole message must survive a frame round trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pb_msg got2;
static int got2_n;

static void on_frame(void *p, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	(void)p;
	if (pb_msg_decode(h->type, h->flags, payload, h->len, &got2) !=
	    PB_MSG_OK)
		__builtin_trap();
	got2_n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_msg m;
	uint8_t out[PB_MAX_PAYLOAD], out2[PB_MAX_PAYLOAD];
	uint8_t wire[PB_WIRE_MAX];
	size_t n = 0, n2 = 0;

	if (size < 2)
		return 0;
	uint8_t type = data[0], flags = data[1];
	data += 2;
	size -= 2;
	if (pb_msg_decode(type, flags, size ? data : NULL, size, &m) !=
	    PB_MSG_OK)
		return 0;
	if (m.type != type || size > PB_MAX_PAYLOAD)
		__builtin_trap();
	if (pb_msg_encode(&m, out, sizeof out, &n) != PB_MSG_OK || n != size ||
	    (n > 0 && memcmp(out, data, n) != 0))
		__builtin_trap();
	/* through a frame and the stream decoder */
	m.flags = flags;
	m.seq = 0xBEEF;
	m.txn = 3;
	int w = pb_frame_encode_msg(&m, wire, sizeof wire);
	if (w <= 0 || (size_t)w > PB_WIRE_MAX)
		__builtin_trap();
	pb_decoder d;
	pb_decoder_init(&d);
	got2_n = 0;
	pb_decoder_feed(&d, wire, (size_t)w, on_frame, NULL);
	if (got2_n != 1)
		__builtin_trap();
	if (pb_msg_encode(&got2, out2, sizeof out2, &n2) != PB_MSG_OK ||
	    n2 != n || (n > 0 && memcmp(out2, out, n) != 0))
		__builtin_trap();
	return 0;
}
