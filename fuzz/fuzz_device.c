/*
 * fuzz/fuzz_device.c - the device side (pb_device_rx) on arbitrary host
 * bytes.
 *
 * Input: byte 0 sets the chunk size (1..32) the rest is fed in; virtual
 * time advances 70 ms per chunk, so cached responses also expire.
 * Checked (trap on failure): every frame the decoder delivers lands in
 * exactly one counter of protocol.md 7.6 (heartbeats, commands run,
 * cached answers, ignored, unknown type, bad header, bad payload); every
 * run, cached answer and header refusal is answered once, and nothing
 * else is answered but a refused payload or unknown type; the watchdog
 * is armed only by a valid heartbeat or command; everything the device
 * emits is a valid RESPONSE frame with consecutive seq numbers, and the
 * output buffer never overflows.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	uint64_t runs;
	uint64_t responses;
	int      next_seq;    /* expected seq of the next device frame */
	int      bad;
};

static void handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us)
{
	struct fz *f = ctx;
	(void)now_us;
	f->runs++;
	switch (cmd->type) {
	case PB_T_HELLO:
	case PB_T_READ_INFO:
		resp->body_kind = PB_BODY_INFO;
		resp->body.info.proto_version = PB_PROTO_VERSION;
		strcpy(resp->body.info.fw_version, "fuzz");
		strcpy(resp->body.info.serial, "F0");
		strcpy(resp->body.info.profile, "s10pro");
		resp->body.info.channels = 2;
		resp->body.info.levels = 9;
		resp->body.info.modes = 1u << PB_MODE_EXPRESSION;
		resp->body.info.sample_rate_hz = 100;
		resp->body.info.max_target = 2500;
		resp->body.info.trip = 3000;
		break;
	case PB_T_SET_LEVEL:
		if (cmd->u.level > 9)
			resp->status = PB_ST_BAD_VALUE;
		break;
	default:
		break;
	}
}

static void on_out(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct fz *f = ctx;
	struct pb_msg m;
	f->responses++;
	if (h->type != PB_T_RESPONSE || !(h->flags & PB_F_RESPONSE))
		f->bad = 1;
	if (f->next_seq >= 0 && h->seq != (uint16_t)f->next_seq)
		f->bad = 1;
	f->next_seq = (uint16_t)(h->seq + 1);
	if (pb_msg_decode(h->type, h->flags, payload, h->len, &m) != PB_MSG_OK)
		f->bad = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pb_device dev;
	static pb_decoder out;
	static uint8_t buf[PB_DEV_OUT_CAP];
	struct fz f = { 0, 0, -1, 0 };

	if (size < 1)
		return 0;
	size_t chunk = (size_t)(data[0] % 32u) + 1u;
	data++;
	size--;
	pb_device_init(&dev, handler, &f);
	pb_decoder_init(&out);
	uint64_t now = 1000000;
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		pb_device_rx(&dev, data + off, n, now);
		if (pb_device_pending(&dev) > PB_DEV_OUT_CAP)
			__builtin_trap();
		size_t k = pb_device_take(&dev, buf, sizeof buf);
		pb_decoder_feed(&out, buf, k, on_out, &f);
		now += 70000;
	}
	if (f.bad || pb_rx_dropped(&out.st) != 0 || out.n != 0)
		__builtin_trap();
	if (dev.out_dropped != 0)
		__builtin_trap();
	/* each delivered frame in exactly one counter */
	if (dev.dec.st.frames_ok != dev.heartbeats + dev.commands +
	    dev.dup_commands + dev.ignored + dev.unknown_type +
	    dev.bad_header + dev.bad_payload)
		__builtin_trap();
	if (f.runs != dev.commands)
		__builtin_trap();
	/* answered: every run, cached answer and header refusal; maybe a
	 * refused payload or unknown type; nothing else */
	uint64_t must = dev.commands + dev.dup_commands + dev.bad_header;
	if (f.responses < must ||
	    f.responses > must + dev.bad_payload + dev.unknown_type)
		__builtin_trap();
	/* only a valid heartbeat or command arms the watchdog */
	if (dev.host_seen != (dev.heartbeats + dev.commands +
	    dev.dup_commands > 0))
		__builtin_trap();
	return 0;
}
