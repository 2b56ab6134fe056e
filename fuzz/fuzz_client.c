/*
 * fuzz/fuzz_client.c - the host client (pb_client) on arbitrary device
 * bytes, through an in-memory link, in virtual time.
 *
 * Input: byte 0 sets the chunk size (1..64); the rest is what "the
 * device" sends, chunk by chunk, 30 ms of virtual time apart.  Between
 * chunks the host sends HELLO, then CAL_HOLDs whose target comes from the
 * input, and DEVICE_STATS requests.  Checked (trap on failure): nothing
 * crashes; each command completes at most once; the client keeps device
 * counters only from an OK answer to its own DEVICE_STATS; telemetry loss reported through the callback
 * adds up to the stats; the next deadline is never in the past; and the
 * safety rule: every CAL_HOLD the host actually puts on the wire is at or
 * below the max_target the client had learned from a HELLO answer, and none
 * is sent before one.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct pb_client *c;
	int done[256];
	uint64_t lost;
	int stats_ok;           /* OK answers to DEVICE_STATS seen */
	int bad;
};

static void on_done(void *ctx, uint8_t txn, int status,
    const struct pb_response *r)
{
	struct fz *f = ctx;
	if (f->done[txn] > 0)
		f->bad = 1;       /* completed twice without being resent */
	f->done[txn]++;
	if (status == PB_CLIENT_OK && r && r->req_type == PB_T_DEVICE_STATS) {
		if (r->body_kind != PB_BODY_STATS)
			f->bad = 1;
		f->stats_ok++;
	}
}

static void on_tel(void *ctx, const struct pb_telemetry *t, uint32_t lost)
{
	struct fz *f = ctx;
	(void)t;
	f->lost += lost;
}

/* host->device bytes: look at every CAL_HOLD on the wire */
struct sent {
	const struct pb_device_info *info;
	int16_t limit;
	int have;
	int bad;
};

static void on_host_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct sent *s = ctx;
	struct pb_msg m;
	if (h->type != PB_T_CAL_HOLD)
		return;
	if (pb_msg_decode(h->type, h->flags, payload, h->len, &m) != PB_MSG_OK
	    || !s->have || m.u.hold.target > s->limit)
		s->bad = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	static pb_decoder hostdec;
	struct pb_link *host, *dev;
	uint8_t buf[4096];

	if (size < 1)
		return 0;
	size_t chunk = (size_t)(data[0] % 64u) + 1u;
	data++;
	size--;
	if (pb_link_mem_pair(&host, &dev) != PB_LINK_OK)
		return 0;
	memset(&f, 0, sizeof f);
	struct pb_client_cb cb = { .ctx = &f, .done = on_done,
		.telemetry = on_tel };
	f.c = pb_client_new(host, &cb);
	if (!f.c) {
		pb_link_close(host);
		pb_link_close(dev);
		return 0;
	}
	pb_decoder_init(&hostdec);
	struct sent s = { NULL, 0, 0, 0 };
	uint64_t now = 5000000;
	int k = 0;
	for (size_t off = 0; off < size; off += chunk, k++) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (pb_link_write(dev, data + off, n) != (ssize_t)n)
			break;
		if (k == 0) {
			int t = pb_client_hello(f.c, now);
			if (t > 0)
				f.done[t] = 0;
		} else if (k % 5 == 1) {
			int t = pb_client_read_stats(f.c, now);
			if (t > 0)
				f.done[t] = 0;
		} else if (k % 3 == 0) {
			int16_t target = (int16_t)(data[off] * 16 - 256);
			const struct pb_device_info *i = pb_client_info(f.c);
			int t = pb_client_cal_hold(f.c, 1, target, now);
			if (!i && t != PB_CLIENT_E_LIMIT &&
			    t != PB_CLIENT_E_ARG && t != PB_CLIENT_E_BUSY)
				__builtin_trap();
			if (i && target > i->max_target &&
			    t != PB_CLIENT_E_LIMIT)
				__builtin_trap();
			if (t > 0)
				f.done[t] = 0;
		}
		/* what the client knows before it services: it may send
		 * queued CAL_HOLDs only under this limit */
		const struct pb_device_info *i = pb_client_info(f.c);
		s.have = i != NULL;
		s.limit = i ? i->max_target : 0;
		pb_client_service(f.c, now);
		if (pb_client_next_deadline(f.c) <= now)
			__builtin_trap();
		ssize_t r;
		while ((r = pb_link_read(dev, buf, sizeof buf)) > 0)
			pb_decoder_feed(&hostdec, buf, (size_t)r, on_host_frame,
			    &s);
		now += 30000;
	}
	const struct pb_client_stats *st = pb_client_stats(f.c);
	if (f.bad || s.bad || st->samples_lost != f.lost)
		__builtin_trap();
	if ((pb_client_device_stats(f.c) != NULL) != (f.stats_ok > 0) &&
	    st->reconnects == 0)
		__builtin_trap();
	if (st->cmds_ok + st->cmds_failed > st->cmds_sent)
		__builtin_trap();
	pb_client_free(f.c);
	pb_link_close(dev);
	return 0;
}
