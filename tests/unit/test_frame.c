/*
 * tests/unit/test_frame.c - frames: round trips through pb_frame_decode and
 * the streaming decoder in any chunking, size limits, every drop cause,
 * and the corruption property: changing any single byte of a stream of
 * frames loses at most two frames, never crashes, and every loss is
 * counted (exact accounting, see corruption_* below).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cobs.h"
#include "proto/crc32c.h"
#include "proto/frame.h"
#include "tests/lib/check_main.h"
#include "tests/unit/msg_gen.h"

#define MAXF 64

struct sink {
	size_t n;
	struct pb_frame_hdr h[MAXF];
	uint8_t p[MAXF][PB_MAX_PAYLOAD];
};

static void sink_cb(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct sink *s = ctx;
	ck_assert_uint_lt(s->n, MAXF);
	s->h[s->n] = *h;
	memcpy(s->p[s->n], payload, h->len);
	s->n++;
}

/* Build a stream of nf frames of random valid messages; lens[i] and
 * starts[i] describe frame i's wire bytes. Returns total bytes. */
static size_t build_stream(struct gen_rng *r, size_t nf, uint16_t seq0,
    uint8_t *out, size_t cap, size_t *starts, struct pb_msg *msgs)
{
	size_t o = 0;
	for (size_t i = 0; i < nf; i++) {
		struct pb_msg *m = &msgs[i];
		gen_msg(r, gen_types[gen_below(r, GEN_NTYPES)], m);
		if (i % 3 == 0)
			gen_msg(r, PB_T_TELEMETRY, m);
		m->seq = (uint16_t)(seq0 + i);
		int n = pb_frame_encode_msg(m, out + o, cap - o);
		ck_assert_int_gt(n, 0);
		starts[i] = o;
		o += (size_t)n;
	}
	return o;
}

static void check_delivery(const struct sink *s, const struct pb_msg *msgs,
    size_t nf)
{
	ck_assert_uint_eq(s->n, nf);
	for (size_t i = 0; i < nf; i++) {
		struct pb_msg d;
		ck_assert_uint_eq(s->h[i].version, PB_PROTO_VERSION);
		ck_assert_uint_eq(s->h[i].seq, msgs[i].seq);
		ck_assert_uint_eq(s->h[i].type, msgs[i].type);
		ck_assert_uint_eq(s->h[i].txn, msgs[i].txn);
		ck_assert_uint_eq(s->h[i].flags, msgs[i].flags);
		ck_assert_int_eq(pb_msg_decode(s->h[i].type, s->h[i].flags,
		    s->p[i], s->h[i].len, &d), PB_MSG_OK);
		ck_assert(gen_msg_eq(&d, &msgs[i]));
	}
}

START_TEST(stream_any_chunking)
{
	struct gen_rng r = { 1 };
	static uint8_t wire[MAXF * PB_WIRE_MAX];
	size_t starts[MAXF];
	static struct pb_msg msgs[MAXF];
	for (int it = 0; it < 300; it++) {
		size_t nf = 1 + gen_below(&r, 40);
		size_t n = build_stream(&r, nf, (uint16_t)gen_u32(&r), wire,
		    sizeof wire, starts, msgs);
		static struct sink s;
		pb_decoder d;
		s.n = 0;
		pb_decoder_init(&d);
		size_t got = 0;
		for (size_t o = 0; o < n;) {
			size_t k = it % 4 == 0 ? 1 : 1 + gen_below(&r, 600);
			if (k > n - o)
				k = n - o;
			got += pb_decoder_feed(&d, wire + o, k, sink_cb, &s);
			o += k;
		}
		ck_assert_uint_eq(got, nf);
		ck_assert_uint_eq(d.st.frames_ok, nf);
		ck_assert_uint_eq(d.st.bytes, n);
		ck_assert_uint_eq(pb_rx_dropped(&d.st), 0);
		ck_assert_uint_eq(d.st.empty, 0);
		check_delivery(&s, msgs, nf);
	}
}
END_TEST

START_TEST(single_frame_decode)
{
	struct gen_rng r = { 2 };
	for (int it = 0; it < 5000; it++) {
		struct pb_msg m;
		uint8_t wire[PB_WIRE_MAX], payload[PB_MAX_PAYLOAD];
		struct pb_frame_hdr h;
		gen_msg(&r, gen_types[gen_below(&r, GEN_NTYPES)], &m);
		int n = pb_frame_encode_msg(&m, wire, sizeof wire);
		ck_assert_int_gt(n, PB_HDR_LEN + PB_CRC_LEN);
		ck_assert_uint_eq(wire[n - 1], 0);
		ck_assert_ptr_null(memchr(wire, 0, (size_t)n - 1));
		ck_assert_int_eq(pb_frame_decode(wire, (size_t)n - 1, &h,
		    payload), PB_FRAME_OK);
		ck_assert_uint_eq(h.seq, m.seq);
		ck_assert_uint_eq(h.type, m.type);
		ck_assert_uint_eq(h.txn, m.txn);
		struct pb_msg d;
		ck_assert_int_eq(pb_msg_decode(h.type, h.flags, payload, h.len,
		    &d), PB_MSG_OK);
		ck_assert(gen_msg_eq(&d, &m));
	}
}
END_TEST

START_TEST(size_limits)
{
	struct pb_frame_hdr h = { PB_PROTO_VERSION, 0, 1, PB_T_LOG, 0, 240 };
	uint8_t payload[256], wire[PB_WIRE_MAX + 8];
	memset(payload, 'x', sizeof payload);
	int n = pb_frame_encode(&h, payload, wire, sizeof wire);
	ck_assert_int_eq(n, PB_WIRE_MAX);      /* 251 + 1 COBS + 0x00 */
	ck_assert_int_eq(pb_frame_encode(&h, payload, wire, PB_WIRE_MAX), n);
	ck_assert_int_eq(pb_frame_encode(&h, payload, wire, PB_WIRE_MAX - 1),
	    -1);
	h.len = 241;
	ck_assert_int_eq(pb_frame_encode(&h, payload, wire, sizeof wire), -1);
	h.len = 0;
	ck_assert_int_eq(pb_frame_encode(&h, NULL, wire, sizeof wire), 13);
	/* a whole maximal frame through the stream decoder */
	h.len = 240;
	n = pb_frame_encode(&h, payload, wire, sizeof wire);
	pb_decoder d;
	pb_decoder_init(&d);
	ck_assert_uint_eq(pb_decoder_feed(&d, wire, (size_t)n, NULL, NULL), 1);
	/* message too big for the caller's buffer */
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_STOP;
	ck_assert_int_eq(pb_frame_encode_msg(&m, wire, 11), PB_MSG_E_SPACE);
	ck_assert_int_eq(pb_frame_encode_msg(&m, wire, 13), 13);
	m.type = PB_T_SET_MODE;   /* mode 0: invalid */
	ck_assert_int_eq(pb_frame_encode_msg(&m, wire, sizeof wire),
	    PB_MSG_E_VALUE);
}
END_TEST

/* Hand-made frame: header fields and payload, CRC optionally wrong. */
static size_t raw_frame(uint8_t *wire, uint8_t version, uint8_t len_field,
    const uint8_t *payload, size_t plen, int bad_crc)
{
	uint8_t f[400];
	size_t n;
	f[0] = version; f[1] = 0; f[2] = 5; f[3] = 0; f[4] = PB_T_STOP;
	f[5] = 0; f[6] = len_field;
	memcpy(f + 7, payload, plen);
	uint32_t c = pb_crc32c(f, 7 + plen) ^ (bad_crc ? 1u : 0u);
	f[7 + plen] = (uint8_t)c; f[8 + plen] = (uint8_t)(c >> 8);
	f[9 + plen] = (uint8_t)(c >> 16); f[10 + plen] = (uint8_t)(c >> 24);
	ck_assert_int_eq(pb_cobs_encode(f, 11 + plen, wire, 400, &n),
	    PB_COBS_OK);
	wire[n++] = 0;
	return n;
}

START_TEST(drop_causes)
{
	uint8_t w[600], p[300], out[PB_MAX_PAYLOAD];
	struct pb_frame_hdr h;
	pb_decoder d;
	size_t n;
	memset(p, 0x5A, sizeof p);

	/* valid, for reference */
	n = raw_frame(w, 1, 3, p, 3, 0);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out), PB_FRAME_OK);
	/* wrong version (CRC fine) */
	n = raw_frame(w, 2, 3, p, 3, 0);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out),
	    PB_FRAME_E_VERSION);
	pb_decoder_init(&d);
	pb_decoder_feed(&d, w, n, NULL, NULL);
	ck_assert_uint_eq(d.st.version_errors, 1);
	n = raw_frame(w, 0, 3, p, 3, 0);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out),
	    PB_FRAME_E_VERSION);
	/* wrong version AND bad CRC counts as CRC (noise, not a peer) */
	n = raw_frame(w, 2, 3, p, 3, 1);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out), PB_FRAME_E_CRC);
	/* CRC */
	n = raw_frame(w, 1, 3, p, 3, 1);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out), PB_FRAME_E_CRC);
	pb_decoder_init(&d);
	pb_decoder_feed(&d, w, n, NULL, NULL);
	ck_assert_uint_eq(d.st.crc_errors, 1);
	/* length field disagrees with the size (CRC made valid) */
	n = raw_frame(w, 1, 4, p, 3, 0);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out),
	    PB_FRAME_E_LENGTH);
	n = raw_frame(w, 1, 2, p, 3, 0);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out),
	    PB_FRAME_E_LENGTH);
	pb_decoder_init(&d);
	pb_decoder_feed(&d, w, n, NULL, NULL);
	ck_assert_uint_eq(d.st.length_errors, 1);
	/* shorter than header + CRC */
	ck_assert_int_eq(pb_frame_decode((const uint8_t *)"\x05\x01\x01\x01\x01",
	    5, &h, out), PB_FRAME_E_LENGTH);
	/* header length above the maximum payload */
	n = raw_frame(w, 1, 241, p, 3, 0);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out),
	    PB_FRAME_E_OVERSIZE);
	/* more COBS bytes than any frame can have */
	n = raw_frame(w, 1, 250, p, 250, 0);
	ck_assert_uint_gt(n - 1, PB_WIRE_MAX - 1);
	ck_assert_int_eq(pb_frame_decode(w, n - 1, &h, out),
	    PB_FRAME_E_OVERSIZE);
	pb_decoder_init(&d);
	pb_decoder_feed(&d, w, n, NULL, NULL);
	ck_assert_uint_eq(d.st.oversize, 1);
	/* COBS */
	ck_assert_int_eq(pb_frame_decode((const uint8_t *)"\x09\x01\x01", 3,
	    &h, out), PB_FRAME_E_COBS);
	ck_assert_int_eq(pb_frame_decode((const uint8_t *)"", 0, &h, out),
	    PB_FRAME_E_COBS);
	pb_decoder_init(&d);
	pb_decoder_feed(&d, (const uint8_t *)"\x09\x01\x01\x00", 4, NULL, NULL);
	ck_assert_uint_eq(d.st.cobs_errors, 1);
	ck_assert_uint_eq(pb_rx_dropped(&d.st), 1);
	/* stray delimiters are not errors */
	pb_decoder_feed(&d, (const uint8_t *)"\x00\x00\x00", 3, NULL, NULL);
	ck_assert_uint_eq(d.st.empty, 3);
	ck_assert_uint_eq(pb_rx_dropped(&d.st), 1);
	for (int e = PB_FRAME_E_OVERSIZE; e <= PB_FRAME_OK; e++)
		ck_assert_str_ne(pb_frame_strerror(e), "frame: unknown error");
}
END_TEST

START_TEST(oversize_resync)
{
	/* A long run of non-zero bytes, in various chunkings, is counted once
	 * and the next frame is still delivered. */
	uint8_t junk[1000], good[PB_WIRE_MAX];
	struct pb_msg m;
	memset(junk, 0x77, sizeof junk);
	memset(&m, 0, sizeof m);
	m.type = PB_T_STOP;
	m.seq = 9;
	int gn = pb_frame_encode_msg(&m, good, sizeof good);
	for (size_t chunk = 1; chunk <= 1000; chunk += 37) {
		pb_decoder d;
		struct sink s = { 0 };
		pb_decoder_init(&d);
		for (size_t o = 0; o < sizeof junk; o += chunk)
			pb_decoder_feed(&d, junk + o, chunk < sizeof junk - o ?
			    chunk : sizeof junk - o, sink_cb, &s);
		pb_decoder_feed(&d, (const uint8_t *)"\0", 1, sink_cb, &s);
		pb_decoder_feed(&d, good, (size_t)gn, sink_cb, &s);
		ck_assert_uint_eq(d.st.oversize, 1);
		ck_assert_uint_eq(pb_rx_dropped(&d.st), 1);
		ck_assert_uint_eq(s.n, 1);
		ck_assert_uint_eq(s.h[0].seq, 9);
	}
	/* exactly the longest legal encoding is not oversize */
	pb_decoder d;
	pb_decoder_init(&d);
	pb_decoder_feed(&d, junk, PB_WIRE_MAX - 1, NULL, NULL);
	pb_decoder_feed(&d, (const uint8_t *)"\0", 1, NULL, NULL);
	ck_assert_uint_eq(d.st.oversize, 0);
	ck_assert_uint_eq(pb_rx_dropped(&d.st), 1);
	pb_decoder_feed(&d, junk, PB_WIRE_MAX, NULL, NULL);
	pb_decoder_feed(&d, (const uint8_t *)"\0", 1, NULL, NULL);
	ck_assert_uint_eq(d.st.oversize, 1);
}
END_TEST

START_TEST(truncated_frames)
{
	/* Every proper prefix of a frame, then 0x00: dropped and counted,
	 * never delivered; the following frame is fine. */
	struct gen_rng r = { 3 };
	for (int it = 0; it < 200; it++) {
		struct pb_msg m, next;
		uint8_t w[PB_WIRE_MAX], w2[PB_WIRE_MAX];
		gen_msg(&r, gen_types[gen_below(&r, GEN_NTYPES)], &m);
		gen_msg(&r, PB_T_HEARTBEAT, &next);
		int n = pb_frame_encode_msg(&m, w, sizeof w);
		int n2 = pb_frame_encode_msg(&next, w2, sizeof w2);
		for (int cut = 1; cut < n - 1; cut++) {
			pb_decoder d;
			struct sink s = { 0 };
			pb_decoder_init(&d);
			pb_decoder_feed(&d, w, (size_t)cut, sink_cb, &s);
			pb_decoder_feed(&d, (const uint8_t *)"\0", 1, sink_cb,
			    &s);
			pb_decoder_feed(&d, w2, (size_t)n2, sink_cb, &s);
			ck_assert_uint_eq(pb_rx_dropped(&d.st), 1);
			ck_assert_uint_eq(s.n, 1);
			ck_assert_uint_eq(s.h[0].type, PB_T_HEARTBEAT);
		}
	}
}
END_TEST

START_TEST(unknown_types_and_flags)
{
	/* The frame layer carries any type; the message layer refuses unknown
	 * ones and the frames around them are unaffected. */
	uint8_t w[3 * PB_WIRE_MAX];
	size_t o = 0;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_START;
	m.flags = PB_F_ACK_REQ | 0x80;   /* reserved bit: not sent */
	m.seq = 1;
	o += (size_t)pb_frame_encode_msg(&m, w + o, sizeof w - o);
	struct pb_frame_hdr h = { PB_PROTO_VERSION, 0xF8, 2, 0x3C, 0, 2 };
	o += (size_t)pb_frame_encode(&h, (const uint8_t *)"\x01\x02", w + o,
	    sizeof w - o);
	m.type = PB_T_STOP;
	m.seq = 3;
	m.flags = 0;
	o += (size_t)pb_frame_encode_msg(&m, w + o, sizeof w - o);
	pb_decoder d;
	struct sink s = { 0 };
	pb_decoder_init(&d);
	ck_assert_uint_eq(pb_decoder_feed(&d, w, o, sink_cb, &s), 3);
	ck_assert_uint_eq(s.h[0].flags, PB_F_ACK_REQ);
	ck_assert_uint_eq(s.h[1].flags, 0xF8);   /* reserved bits ignored */
	struct pb_msg x;
	ck_assert_int_eq(pb_msg_decode(s.h[0].type, s.h[0].flags, s.p[0],
	    s.h[0].len, &x), PB_MSG_OK);
	ck_assert_int_eq(pb_msg_decode(s.h[1].type, s.h[1].flags, s.p[1],
	    s.h[1].len, &x), PB_MSG_E_TYPE);
	ck_assert_int_eq(pb_msg_decode(s.h[2].type, s.h[2].flags, s.p[2],
	    s.h[2].len, &x), PB_MSG_OK);
}
END_TEST

START_TEST(garbage_accounting)
{
	/* Random bytes: every piece ended by 0x00 is counted exactly once
	 * as delivered, dropped (by one cause) or empty. */
	struct gen_rng r = { 4 };
	static uint8_t buf[20000];
	for (int it = 0; it < 200; it++) {
		size_t n = 1 + gen_below(&r, sizeof buf - 1), zeros = 0;
		unsigned zp = 1 + gen_below(&r, 300);
		for (size_t i = 0; i < n; i++)
			buf[i] = gen_below(&r, zp) == 0 ? 0 :
			    (uint8_t)gen_u32(&r);
		buf[n - 1] = 0;
		for (size_t i = 0; i < n; i++)
			zeros += buf[i] == 0;
		pb_decoder d;
		pb_decoder_init(&d);
		for (size_t o = 0; o < n;) {
			size_t k = 1 + gen_below(&r, 512);
			if (k > n - o)
				k = n - o;
			pb_decoder_feed(&d, buf + o, k, NULL, NULL);
			o += k;
		}
		ck_assert_uint_eq(d.st.frames_ok + pb_rx_dropped(&d.st) +
		    d.st.empty, zeros);
		ck_assert_uint_eq(d.st.bytes, n);
	}
}
END_TEST

START_TEST(stream_agrees_with_single_decode)
{
	struct gen_rng r = { 5 };
	for (int it = 0; it < 20000; it++) {
		uint8_t w[PB_WIRE_MAX + 40], payload[PB_MAX_PAYLOAD];
		struct pb_msg m;
		struct pb_frame_hdr h;
		gen_msg(&r, gen_types[gen_below(&r, GEN_NTYPES)], &m);
		int n = pb_frame_encode_msg(&m, w, sizeof w);
		/* mutate a few bytes, keeping 0x00 out of the body */
		for (unsigned k = gen_below(&r, 3); k > 0; k--)
			w[gen_below(&r, (unsigned)n - 1)] =
			    (uint8_t)(1 + gen_below(&r, 255));
		int rc = pb_frame_decode(w, (size_t)n - 1, &h, payload);
		pb_decoder d;
		pb_decoder_init(&d);
		pb_decoder_feed(&d, w, (size_t)n, NULL, NULL);
		switch (rc) {
		case PB_FRAME_OK: ck_assert_uint_eq(d.st.frames_ok, 1); break;
		case PB_FRAME_E_COBS: ck_assert_uint_eq(d.st.cobs_errors, 1);
			break;
		case PB_FRAME_E_LENGTH:
			ck_assert_uint_eq(d.st.length_errors, 1); break;
		case PB_FRAME_E_CRC: ck_assert_uint_eq(d.st.crc_errors, 1);
			break;
		case PB_FRAME_E_VERSION:
			ck_assert_uint_eq(d.st.version_errors, 1); break;
		case PB_FRAME_E_OVERSIZE: ck_assert_uint_eq(d.st.oversize, 1);
			break;
		default: ck_abort_msg("rc %d", rc);
		}
	}
}
END_TEST

/*
 * The corruption property.  A stream of NF frames (seq numbers wrapping
 * through 65535 -> 0) is followed by two clean sentinel frames.  For every
 * byte position of the NF frames (delimiters included) and several
 * replacement values, the corrupted stream is fed in random chunks and we
 * assert EXACTLY:
 *   - delivered frames are a subsequence of the sent ones, in order, with
 *     the sentinels last; lost = sent - delivered, and lost equals the
 *     count of missing seq numbers (u16 arithmetic), i.e. the receiver's
 *     seq-gap accounting sees every loss;
 *   - a 0x00 delimiter changed to non-zero merges two frames:
 *       lost == 2 and exactly 1 drop is counted;
 *   - a frame byte changed to another non-zero value:
 *       lost == 1 and exactly 1 drop is counted;
 *   - a frame byte changed to 0x00 splits the frame in two pieces:
 *       lost == 1 and drops + new empty pieces == 2 (drops >= 1);
 *   - the per-cause counters sum to pb_rx_dropped(); no crash (ASan).
 */
#define NF 14
START_TEST(corruption_single_byte)
{
	struct gen_rng r = { 6 };
	static uint8_t wire[(NF + 2) * PB_WIRE_MAX], bad[(NF + 2) * PB_WIRE_MAX];
	size_t starts[NF + 2];
	static struct pb_msg msgs[NF + 2];
	uint16_t seq0 = 65530;
	size_t body = build_stream(&r, NF, seq0, wire, sizeof wire, starts,
	    msgs);
	size_t total = body;
	for (int k = 0; k < 2; k++) {
		gen_msg(&r, PB_T_HEARTBEAT, &msgs[NF + k]);
		msgs[NF + k].seq = (uint16_t)(seq0 + NF + k);
		total += (size_t)pb_frame_encode_msg(&msgs[NF + k],
		    wire + total, sizeof wire - total);
	}
	static const int xors[] = { 0x01, 0x80, 0xFF, -1 /* set 0 */,
	    -2 /* random */ };
	size_t cases = 0, two_lost = 0, split = 0;
	for (size_t pos = 0; pos < body; pos++)
		for (size_t v = 0; v < sizeof xors / sizeof xors[0]; v++) {
			uint8_t orig = wire[pos], nb;
			if (xors[v] == -1)
				nb = 0;
			else if (xors[v] == -2)
				nb = (uint8_t)gen_u32(&r);
			else
				nb = (uint8_t)(orig ^ xors[v]);
			if (nb == orig)
				continue;
			memcpy(bad, wire, total);
			bad[pos] = nb;
			pb_decoder d;
			static struct sink s;
			s.n = 0;
			pb_decoder_init(&d);
			for (size_t o = 0; o < total;) {
				size_t k = 1 + gen_below(&r, 300);
				if (k > total - o)
					k = total - o;
				pb_decoder_feed(&d, bad + o, k, sink_cb, &s);
				o += k;
			}
			cases++;
			/* subsequence, in order, sentinels last */
			size_t j = 0, gaps = 0;
			uint16_t expect = seq0;
			for (size_t i = 0; i < s.n; i++) {
				uint16_t got = s.h[i].seq;
				gaps += (uint16_t)(got - expect);
				while (j < NF + 2 && msgs[j].seq != got)
					j++;
				ck_assert_msg(j < NF + 2, "pos %zu: unknown seq",
				    pos);
				ck_assert_uint_eq(s.h[i].type, msgs[j].type);
				struct pb_msg dm;
				ck_assert_int_eq(pb_msg_decode(s.h[i].type, 0,
				    s.p[i], s.h[i].len, &dm), PB_MSG_OK);
				ck_assert(gen_msg_eq(&dm, &msgs[j]));
				expect = (uint16_t)(got + 1);
				j++;
			}
			ck_assert_uint_ge(s.n, 2);
			ck_assert_uint_eq(s.h[s.n - 1].seq, msgs[NF + 1].seq);
			size_t lost = NF + 2 - s.n;
			ck_assert_uint_eq(gaps, lost);
			uint64_t drops = pb_rx_dropped(&d.st);
			ck_assert_uint_eq(drops, d.st.cobs_errors +
			    d.st.length_errors + d.st.crc_errors +
			    d.st.version_errors + d.st.oversize);
			if (orig == 0) {
				ck_assert_msg(lost == 2 && drops == 1,
				    "delimiter at %zu -> %02x: lost %zu drops "
				    "%llu", pos, nb, lost,
				    (unsigned long long)drops);
				two_lost++;
			} else if (nb == 0) {
				ck_assert_msg(lost == 1 && drops >= 1 &&
				    drops + d.st.empty == 2,
				    "split at %zu: lost %zu drops %llu empty "
				    "%llu", pos, lost,
				    (unsigned long long)drops,
				    (unsigned long long)d.st.empty);
				split++;
			} else {
				ck_assert_msg(lost == 1 && drops == 1,
				    "byte %zu %02x -> %02x: lost %zu drops "
				    "%llu", pos, orig, nb, lost,
				    (unsigned long long)drops);
			}
		}
	ck_assert_uint_gt(cases, body * 4);
	ck_assert_uint_gt(two_lost, 0);
	ck_assert_uint_gt(split, 0);
	/* delivered payloads of the clean stream are intact (sanity) */
	pb_decoder d;
	static struct sink s;
	s.n = 0;
	pb_decoder_init(&d);
	pb_decoder_feed(&d, wire, total, sink_cb, &s);
	check_delivery(&s, msgs, NF + 2);
}
END_TEST

/*
 * Helpers for the loss properties below: a stream of nf frames followed
 * by two sentinel HEARTBEATs, and a checker that feeds a damaged copy in
 * random chunks and returns how many frames were lost, after asserting
 * that the delivered frames are an in-order subsequence of the sent ones
 * ending with the last sentinel, intact, and that the seq gaps count
 * exactly the lost frames.
 */
struct lossy {
	uint8_t wire[(MAXF + 2) * PB_WIRE_MAX];
	size_t body, total, nf;
	struct pb_msg msgs[MAXF + 2];
	size_t starts[MAXF + 2];
	uint16_t seq0;
};

static void lossy_build(struct lossy *L, struct gen_rng *r, size_t nf,
    uint16_t seq0)
{
	L->nf = nf;
	L->seq0 = seq0;
	L->body = build_stream(r, nf, seq0, L->wire, sizeof L->wire,
	    L->starts, L->msgs);
	L->total = L->body;
	for (size_t k = 0; k < 2; k++) {
		gen_msg(r, PB_T_HEARTBEAT, &L->msgs[nf + k]);
		L->msgs[nf + k].seq = (uint16_t)(seq0 + nf + k);
		L->total += (size_t)pb_frame_encode_msg(&L->msgs[nf + k],
		    L->wire + L->total, sizeof L->wire - L->total);
	}
}

static size_t lossy_feed(const struct lossy *L, const uint8_t *buf,
    size_t n, struct gen_rng *r, struct pb_rx_stats *st, const char *what,
    size_t pos)
{
	static struct sink s;
	pb_decoder d;
	s.n = 0;
	pb_decoder_init(&d);
	for (size_t o = 0; o < n;) {
		size_t k = 1 + gen_below(r, 300);
		if (k > n - o)
			k = n - o;
		pb_decoder_feed(&d, buf + o, k, sink_cb, &s);
		o += k;
	}
	size_t j = 0, gaps = 0;
	uint16_t expect = L->seq0;
	for (size_t i = 0; i < s.n; i++) {
		uint16_t got = s.h[i].seq;
		gaps += (uint16_t)(got - expect);
		while (j < L->nf + 2 && L->msgs[j].seq != got)
			j++;
		ck_assert_msg(j < L->nf + 2, "%s at %zu: unknown seq %u", what,
		    pos, got);
		struct pb_msg dm;
		ck_assert_int_eq(pb_msg_decode(s.h[i].type, 0, s.p[i],
		    s.h[i].len, &dm), PB_MSG_OK);
		ck_assert_msg(gen_msg_eq(&dm, &L->msgs[j]),
		    "%s at %zu: frame %zu delivered damaged", what, pos, j);
		expect = (uint16_t)(got + 1);
		j++;
	}
	ck_assert_msg(s.n >= 1 && s.h[s.n - 1].seq == L->msgs[L->nf + 1].seq,
	    "%s at %zu: last sentinel lost", what, pos);
	size_t lost = L->nf + 2 - s.n;
	ck_assert_uint_eq(gaps, lost);
	ck_assert_uint_eq(pb_rx_dropped(&d.st), d.st.cobs_errors +
	    d.st.length_errors + d.st.crc_errors + d.st.version_errors +
	    d.st.oversize);
	ck_assert_uint_eq(d.st.bytes, n);
	*st = d.st;
	return lost;
}

START_TEST(corruption_exhaustive_values)
{
	/* Every position of a short stream, every one of the 255 other byte
	 * values: the same exact accounting as corruption_single_byte. */
	static struct lossy L;
	static uint8_t bad[sizeof L.wire];
	struct gen_rng r = { 8 };
	lossy_build(&L, &r, 4, 100);
	for (size_t pos = 0; pos < L.body; pos++)
		for (unsigned v = 0; v < 256; v++) {
			uint8_t orig = L.wire[pos];
			if (v == orig)
				continue;
			memcpy(bad, L.wire, L.total);
			bad[pos] = (uint8_t)v;
			struct pb_rx_stats st;
			size_t lost = lossy_feed(&L, bad, L.total, &r, &st,
			    "value", pos);
			uint64_t drops = pb_rx_dropped(&st);
			if (orig == 0)
				ck_assert(lost == 2 && drops == 1);
			else if (v == 0)
				ck_assert(lost == 1 && drops >= 1 &&
				    drops + st.empty == 2);
			else
				ck_assert_msg(lost == 1 && drops == 1,
				    "pos %zu %02x->%02x lost %zu drops %llu",
				    pos, orig, v, lost,
				    (unsigned long long)drops);
		}
}
END_TEST

START_TEST(byte_deleted)
{
	/* A UART overrun loses a byte: deleting any one byte loses the frame
	 * it belonged to (1 drop), or, for a delimiter, two frames merged
	 * into one piece (1 drop). */
	static struct lossy L;
	static uint8_t bad[sizeof L.wire];
	struct gen_rng r = { 9 };
	for (int round = 0; round < 4; round++) {
		lossy_build(&L, &r, 12, (uint16_t)(65529 + round));
		for (size_t pos = 0; pos < L.body; pos++) {
			memcpy(bad, L.wire, pos);
			memcpy(bad + pos, L.wire + pos + 1, L.total - pos - 1);
			struct pb_rx_stats st;
			size_t lost = lossy_feed(&L, bad, L.total - 1, &r, &st,
			    "deleted", pos);
			uint64_t drops = pb_rx_dropped(&st);
			ck_assert_uint_eq(drops, 1);
			ck_assert_uint_eq(st.empty, 0);
			ck_assert_uint_eq(lost, L.wire[pos] == 0 ? 2 : 1);
		}
	}
}
END_TEST

START_TEST(byte_inserted)
{
	/* Line noise adds a byte.  A non-zero byte costs the frame it lands
	 * in (1 drop).  A 0x00 at a frame boundary is only a stray delimiter;
	 * inside a frame it splits it (lost 1, drops + empty pieces == 2). */
	static struct lossy L;
	static uint8_t bad[sizeof L.wire + 1];
	struct gen_rng r = { 10 };
	lossy_build(&L, &r, 12, 65533);
	for (size_t pos = 0; pos <= L.body; pos++)
		for (int z = 0; z < 2; z++) {
			uint8_t nb = z ? 0 : (uint8_t)(1 + gen_below(&r, 255));
			memcpy(bad, L.wire, pos);
			bad[pos] = nb;
			memcpy(bad + pos + 1, L.wire + pos, L.total - pos);
			struct pb_rx_stats st;
			size_t lost = lossy_feed(&L, bad, L.total + 1, &r, &st,
			    "inserted", pos);
			uint64_t drops = pb_rx_dropped(&st);
			bool at_start = pos == 0 || L.wire[pos - 1] == 0;
			bool at_end = L.wire[pos] == 0;
			if (nb != 0) {
				ck_assert_uint_eq(lost, 1);
				ck_assert_uint_eq(drops, 1);
			} else if (at_start || at_end) {
				ck_assert_uint_eq(lost, 0);
				ck_assert_uint_eq(drops, 0);
				ck_assert_uint_eq(st.empty, 1);
			} else {
				ck_assert_uint_eq(lost, 1);
				ck_assert(drops >= 1 && drops + st.empty == 2);
			}
		}
}
END_TEST

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stream_any_chunking);
	tcase_add_test(tc, single_frame_decode);
	tcase_add_test(tc, size_limits);
	tcase_add_test(tc, drop_causes);
	tcase_add_test(tc, oversize_resync);
	tcase_add_test(tc, truncated_frames);
	tcase_add_test(tc, unknown_types_and_flags);
	tcase_add_test(tc, garbage_accounting);
	tcase_add_test(tc, stream_agrees_with_single_decode);
	tcase_add_test(tc, corruption_single_byte);
	tcase_add_test(tc, corruption_exhaustive_values);
	tcase_add_test(tc, byte_deleted);
	tcase_add_test(tc, byte_inserted);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(frame_suite)
