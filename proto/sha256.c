/*
 * proto/sha256.c - SHA-256 and HMAC-SHA256, see sha256.h.
 *
 * Written from FIPS 180-4 (sections 4.1.2, 4.2.2, 5.1.1, 5.3.3, 6.2.2):
 * the round constants K are the first 32 bits of the fractional parts of
 * the cube roots of the first 64 primes, the initial hash those of the
 * square roots of the first 8 primes.  The message schedule W[t] is kept
 * as a rolling window of 16 words (W[t] overwrites W[t-16]), which is the
 * usual way to bound the stack on a small MCU.
 */
#include "proto/sha256.h"

#include <string.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void compress(uint32_t h[8], const uint8_t blk[PB_SHA256_BLOCK])
{
	uint32_t w[16];
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], k = h[7];

	for (unsigned t = 0; t < 64; t++) {
		uint32_t wt;
		if (t < 16) {
			wt = get_be32(blk + 4 * t);
		} else {
			uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			uint32_t s0 = ror(w15, 7) ^ ror(w15, 18) ^ (w15 >> 3);
			uint32_t s1 = ror(w2, 17) ^ ror(w2, 19) ^ (w2 >> 10);
			wt = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
		}
		w[t & 15] = wt;
		uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		    ((e & f) ^ (~e & g)) + K[t] + wt;
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
	pb_wipe(w, sizeof w);
}

void pb_sha256_init(struct pb_sha256 *s)
{
	memcpy(s->h, H0, sizeof s->h);
	s->bytes = 0;
	s->n = 0;
}

void pb_sha256_update(struct pb_sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	s->bytes += n;
	if (s->n > 0) {
		size_t take = PB_SHA256_BLOCK - s->n;
		if (take > n)
			take = n;
		memcpy(s->buf + s->n, p, take);
		s->n = (uint8_t)(s->n + take);
		p += take;
		n -= take;
		if (s->n < PB_SHA256_BLOCK)
			return;
		compress(s->h, s->buf);
		s->n = 0;
	}
	while (n >= PB_SHA256_BLOCK) {
		compress(s->h, p);
		p += PB_SHA256_BLOCK;
		n -= PB_SHA256_BLOCK;
	}
	if (n > 0) {
		memcpy(s->buf, p, n);
		s->n = (uint8_t)n;
	}
}

void pb_sha256_final(struct pb_sha256 *s, uint8_t out[PB_SHA256_LEN])
{
	uint64_t bits = s->bytes * 8u;

	/* 0x80, zeros up to 56 mod 64, the length as a 64-bit big-endian */
	s->buf[s->n++] = 0x80;
	if (s->n > PB_SHA256_BLOCK - 8) {
		memset(s->buf + s->n, 0, PB_SHA256_BLOCK - s->n);
		compress(s->h, s->buf);
		s->n = 0;
	}
	memset(s->buf + s->n, 0, PB_SHA256_BLOCK - 8 - s->n);
	put_be32(s->buf + 56, (uint32_t)(bits >> 32));
	put_be32(s->buf + 60, (uint32_t)bits);
	compress(s->h, s->buf);
	for (unsigned i = 0; i < 8; i++)
		put_be32(out + 4 * i, s->h[i]);
	pb_wipe(s, sizeof *s);
}

void pb_sha256(const void *data, size_t n, uint8_t out[PB_SHA256_LEN])
{
	struct pb_sha256 s;
	pb_sha256_init(&s);
	pb_sha256_update(&s, data, n);
	pb_sha256_final(&s, out);
}

void pb_hmac_sha256_init(struct pb_hmac_sha256 *h, const void *key,
    size_t key_len)
{
	uint8_t k[PB_SHA256_BLOCK];

	memset(k, 0, sizeof k);
	if (key_len > PB_SHA256_BLOCK)
		pb_sha256(key, key_len, k);      /* K' = H(K), zero-padded */
	else if (key_len > 0)
		memcpy(k, key, key_len);
	for (unsigned i = 0; i < PB_SHA256_BLOCK; i++) {
		h->opad_key[i] = k[i] ^ 0x5c;
		k[i] ^= 0x36;
	}
	pb_sha256_init(&h->inner);
	pb_sha256_update(&h->inner, k, sizeof k);
	pb_wipe(k, sizeof k);
}

void pb_hmac_sha256_update(struct pb_hmac_sha256 *h, const void *data,
    size_t n)
{
	pb_sha256_update(&h->inner, data, n);
}

void pb_hmac_sha256_final(struct pb_hmac_sha256 *h,
    uint8_t out[PB_SHA256_LEN])
{
	uint8_t ih[PB_SHA256_LEN];
	struct pb_sha256 outer;

	pb_sha256_final(&h->inner, ih);
	pb_sha256_init(&outer);
	pb_sha256_update(&outer, h->opad_key, sizeof h->opad_key);
	pb_sha256_update(&outer, ih, sizeof ih);
	pb_sha256_final(&outer, out);
	pb_wipe(ih, sizeof ih);
	pb_wipe(h, sizeof *h);
}

void pb_hmac_sha256(const void *key, size_t key_len, const void *msg,
    size_t msg_len, uint8_t out[PB_SHA256_LEN])
{
	struct pb_hmac_sha256 h;
	pb_hmac_sha256_init(&h, key, key_len);
	pb_hmac_sha256_update(&h, msg, msg_len);
	pb_hmac_sha256_final(&h, out);
}

bool pb_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(x[i] ^ y[i]);
	return d == 0;
}

void pb_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
}
