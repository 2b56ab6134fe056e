/*
 * fuzz/fuzz_emulator.c - the emulator's command handler and device side on
 * arbitrary, correctly framed host commands, in virtual time.
 *
 * Input: byte 0 picks the profile (bit 0: s21, else s10pro) and defects
 * (bits 1-3 switch no-txn-dedup, no-cal-crc, no-heartbeat-safe); then
 * records of [type][flags][txn][len][len payload bytes][ms to advance].
 * Type 0xFF toggles the power pin, 0xFE drives channel 0's inject relay
 * (payload byte 0 = tenths of a volt, 0 = relay off).  Payloads are
 * framed with a correct CRC so they reach the command decoder and the
 * handler.  At most 5 s of model time per input.
 * Checked (trap on failure): nothing crashes; every byte the device sends
 * decodes as valid frames (no COBS, CRC or length errors); responses come
 * only with the response flag and answer a command type; telemetry sample
 * indices are consecutive within each power-on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/emulator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pb_profile prof[2];
static int loaded = -1;

struct chk {
	uint32_t next_idx;
	int have_idx;
};

static void on_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct chk *k = ctx;
	struct pb_msg m;
	if (pb_msg_decode(h->type, h->flags, payload, h->len, &m) != PB_MSG_OK)
		__builtin_trap();
	if (h->type == PB_T_RESPONSE) {
		if (!(h->flags & PB_F_RESPONSE))
			__builtin_trap();
	} else if (h->type == PB_T_TELEMETRY) {
		if (k->have_idx && m.u.tel.first_sample != k->next_idx)
			__builtin_trap();
		k->next_idx = m.u.tel.first_sample + m.u.tel.n;
		k->have_idx = 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (loaded < 0) {
		char err[256];
		loaded = pb_profile_find(&prof[0], "s10pro", err, sizeof err) == 0 &&
		    pb_profile_find(&prof[1], "s21", err, sizeof err) == 0;
	}
	if (!loaded || size < 1)
		return 0;
	struct pb_emu_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 3;
	o.allow_inject = true;
	o.sensor_errors = true;
	if (data[0] & 2)
		o.defects |= PB_DEF_NO_TXN_DEDUP;
	if (data[0] & 4)
		o.defects |= PB_DEF_NO_CAL_CRC;
	if (data[0] & 8)
		o.defects |= PB_DEF_NO_HEARTBEAT_SAFE;
	char err[512];
	struct pb_emu *e = pb_emu_new(&prof[data[0] & 1], &o, 0, err, sizeof err);
	if (!e)
		__builtin_trap();
	pb_decoder dec;
	pb_decoder_init(&dec);
	struct chk k;
	memset(&k, 0, sizeof k);
	uint64_t t = 0;
	uint16_t seq = 0;
	bool power = true;
	size_t i = 1;
	uint8_t out[4096];
	while (i + 4 <= size && t < 5000000u) {
		uint8_t type = data[i], flags = data[i + 1], txn = data[i + 2];
		uint8_t len = data[i + 3];
		i += 4;
		if (len > PB_MAX_PAYLOAD)
			len = PB_MAX_PAYLOAD;
		if (i + len > size)
			len = (uint8_t)(size - i);
		const uint8_t *payload = data + i;
		i += len;
		uint8_t ms = i < size ? data[i++] : 1;
		if (type == 0xFF) {
			power = !power;
			pb_emu_set_power(e, power);
			k.have_idx = 0;
			pb_decoder_init(&dec);
		} else if (type == 0xFE) {
			double v = len ? payload[0] / 10.0 : 0.0;
			pb_emu_set_inject(e, 0, len && payload[0], v);
		} else {
			struct pb_frame_hdr h = { PB_PROTO_VERSION,
			    (uint8_t)(flags & 0x07), seq++, type, txn, len };
			uint8_t wire[PB_WIRE_MAX];
			int n = pb_frame_encode(&h, payload, wire, sizeof wire);
			if (n > 0)
				pb_emu_rx(e, wire, (size_t)n);
		}
		t += (uint64_t)ms * 1000u;
		pb_emu_advance(e, t);
		size_t got;
		while ((got = pb_emu_tx(e, out, sizeof out)) > 0)
			pb_decoder_feed(&dec, out, got, on_frame, &k);
		if (dec.st.cobs_errors || dec.st.crc_errors ||
		    dec.st.length_errors || dec.st.version_errors ||
		    dec.st.oversize)
			__builtin_trap();
	}
	pb_emu_free(e);
	return 0;
}
