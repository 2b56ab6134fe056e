/*
 * tests/unit/test_sha256.c - the device's own SHA-256 and HMAC-SHA256
 * (proto/sha256) against the published vectors (FIPS 180 examples from
 * NIST's "Cryptographic Standards and Guidelines: Examples with
 * Intermediate Values", RFC 4231 test cases 1-7) and against OpenSSL's
 * libcrypto on random keys and messages of every length around the block
 * boundaries, split at random points; and the constant-time compare.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "proto/sha256.h"
#include "tests/lib/check_main.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static void check_sha(const void *msg, size_t n, const char *want)
{
	uint8_t d[PB_SHA256_LEN];
	char h[2 * PB_SHA256_LEN + 1];
	pb_sha256(msg, n, d);
	hex(d, sizeof d, h);
	ck_assert_str_eq(h, want);
}

static void check_hmac(const void *key, size_t kn, const void *msg, size_t n,
    const char *want)
{
	uint8_t d[PB_SHA256_LEN];
	char h[2 * PB_SHA256_LEN + 1];
	pb_hmac_sha256(key, kn, msg, n, d);
	hex(d, sizeof d, h);
	/* RFC 4231 case 5 gives the first 128 bits only */
	ck_assert_int_eq(strncmp(h, want, strlen(want)), 0);
}

START_TEST(nist_examples)
{
	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnop"
	    "nopq";
	check_sha(m2, strlen(m2), "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	const char *m3 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	check_sha(m3, strlen(m3), "cf5b16a778af8380036ce59e7b049237"
	    "0b249b11e8f07a51afac45037afee9d1");
}
END_TEST

START_TEST(nist_million_a)
{
	/* one million 'a', fed in pieces of 1000 */
	static char a[1000];
	memset(a, 'a', sizeof a);
	struct pb_sha256 s;
	uint8_t d[PB_SHA256_LEN];
	char h[2 * PB_SHA256_LEN + 1];
	pb_sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		pb_sha256_update(&s, a, sizeof a);
	pb_sha256_final(&s, d);
	hex(d, sizeof d, h);
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(rfc4231)
{
	uint8_t k[131], m[50];
	memset(k, 0x0b, 20);
	check_hmac(k, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k, 0xaa, 20);
	memset(m, 0xdd, 50);
	check_hmac(k, 20, m, 50, "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)
		k[i] = (uint8_t)(i + 1);
	memset(m, 0xcd, 50);
	check_hmac(k, 25, m, 50, "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b");
	memset(k, 0x0c, 20);
	check_hmac(k, 20, "Test With Truncation", 20,
	    "a3b6167473100ee06e0c796c2955552b");
	memset(k, 0xaa, 131);
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	check_hmac(k, 131, m6, strlen(m6), "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
	const char *m7 = "This is a test using a larger than block-size key and "
	    "a larger than block-size data. The key needs to be hashed before "
	    "being used by the HMAC algorithm.";
	check_hmac(k, 131, m7, strlen(m7), "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2");
}
END_TEST

/* Our digest of buf[0..n) fed in random pieces. */
static void sha_split(const uint8_t *buf, size_t n, uint8_t out[32])
{
	struct pb_sha256 s;
	pb_sha256_init(&s);
	size_t off = 0;
	while (off < n) {
		size_t k = (size_t)rand() % (n - off + 1);
		pb_sha256_update(&s, buf + off, k);
		off += k;
	}
	pb_sha256_final(&s, out);
}

START_TEST(sha256_matches_openssl)
{
	static uint8_t buf[600];
	srand(180);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	/* every length 0..599 covers 0..9 blocks and each padding case */
	for (size_t n = 0; n < sizeof buf; n++) {
		uint8_t ours[32], theirs[32];
		unsigned len = 0;
		sha_split(buf, n, ours);
		ck_assert(EVP_Digest(buf, n, theirs, &len, EVP_sha256(), NULL));
		ck_assert_uint_eq(len, 32);
		ck_assert_msg(memcmp(ours, theirs, 32) == 0,
		    "SHA-256 of %zu bytes differs from OpenSSL", n);
	}
}
END_TEST

START_TEST(hmac_matches_openssl)
{
	static uint8_t key[200], msg[300];
	srand(2104);
	for (int round = 0; round < 2000; round++) {
		size_t kn = (size_t)rand() % sizeof key;
		size_t mn = (size_t)rand() % sizeof msg;
		for (size_t i = 0; i < kn; i++)
			key[i] = (uint8_t)rand();
		for (size_t i = 0; i < mn; i++)
			msg[i] = (uint8_t)rand();
		uint8_t ours[32], theirs[32];
		unsigned len = 0;
		/* incremental, split at a random point */
		struct pb_hmac_sha256 h;
		size_t cut = mn ? (size_t)rand() % mn : 0;
		pb_hmac_sha256_init(&h, key, kn);
		pb_hmac_sha256_update(&h, msg, cut);
		pb_hmac_sha256_update(&h, msg + cut, mn - cut);
		pb_hmac_sha256_final(&h, ours);
		ck_assert(HMAC(EVP_sha256(), key, (int)kn, msg, mn, theirs,
		    &len) != NULL);
		ck_assert_msg(memcmp(ours, theirs, 32) == 0,
		    "HMAC key %zu msg %zu bytes differs from OpenSSL", kn, mn);
		/* and the one-call form */
		pb_hmac_sha256(key, kn, msg, mn, ours);
		ck_assert(memcmp(ours, theirs, 32) == 0);
	}
}
END_TEST

START_TEST(factory_answer_shape)
{
	/* the factory unlock: 16..64-byte key, 16-byte nonce */
	uint8_t key[64], nonce[16], ours[32], theirs[32];
	unsigned len = 0;
	for (size_t kn = 16; kn <= 64; kn++) {
		for (size_t i = 0; i < kn; i++)
			key[i] = (uint8_t)(i * 7 + kn);
		for (size_t i = 0; i < 16; i++)
			nonce[i] = (uint8_t)(i * 13 + kn);
		pb_hmac_sha256(key, kn, nonce, 16, ours);
		HMAC(EVP_sha256(), key, (int)kn, nonce, 16, theirs, &len);
		ck_assert(memcmp(ours, theirs, 32) == 0);
	}
}
END_TEST

START_TEST(ct_equal)
{
	uint8_t a[32], b[32];
	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	ck_assert(pb_ct_equal(a, b, 32));
	ck_assert(pb_ct_equal(a, b, 0));
	for (size_t i = 0; i < 32; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			ck_assert(!pb_ct_equal(a, b, 32));
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	ck_assert(pb_ct_equal(a, b, 32));
}
END_TEST

START_TEST(wipe_clears)
{
	struct pb_hmac_sha256 h;
	uint8_t out[32];
	pb_hmac_sha256_init(&h, "secret key 16 bytes", 19);
	pb_hmac_sha256_final(&h, out);
	const uint8_t *p = (const uint8_t *)&h;
	for (size_t i = 0; i < sizeof h; i++)
		ck_assert_uint_eq(p[i], 0);
}
END_TEST

static Suite *sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, nist_examples);
	tcase_add_test(tc, nist_million_a);
	tcase_add_test(tc, rfc4231);
	tcase_add_test(tc, sha256_matches_openssl);
	tcase_add_test(tc, hmac_matches_openssl);
	tcase_add_test(tc, factory_answer_shape);
	tcase_add_test(tc, ct_equal);
	tcase_add_test(tc, wipe_clears);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(sha256_suite)
