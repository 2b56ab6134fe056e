/*
 * tests/unit/test_factory.c - factory access: HMAC unlock, refusals,
 * lockout with doubling, session end, key file permissions.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/check_main.h"
#include "proto/station.h"
#include "tools/pumpsim/factory.h"

#define S 1000000ull

static const uint8_t key[32] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };

struct notes {
	int n, last_code, last_level;
	int32_t last_value;
	int count[4];
	char last[160];
};

static void on_note(void *ctx, int code, int level, int32_t value,
    const char *text)
{
	struct notes *nt = ctx;
	nt->n++;
	nt->last_code = code;
	nt->last_level = level;
	nt->last_value = value;
	if (code >= 0 && code < 4)
		nt->count[code]++;
	snprintf(nt->last, sizeof nt->last, "%s", text);
}

static void setup_f(struct pb_factory *f, struct notes *nt)
{
	memset(nt, 0, sizeof *nt);
	pb_factory_init(f, on_note, nt);
	ck_assert_int_eq(pb_factory_set_key(f, key, sizeof key), 0);
}

static uint8_t challenge(struct pb_factory *f, uint64_t now, uint8_t tag,
    uint8_t nonce[PB_NONCE_LEN])
{
	uint8_t rnd[PB_NONCE_LEN];
	memset(rnd, tag, sizeof rnd);
	return pb_factory_challenge(f, rnd, now, nonce);
}

START_TEST(hmac_known_answer)
{
	/* Vector from the OpenSSL command line, independent of this code:
	 * head -c 16 /dev/zero | openssl dgst -sha256 -mac HMAC \
	 *     -macopt hexkey:0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b */
	static const uint8_t want[PB_MAC_LEN] = {
		0x6e, 0x2b, 0xc5, 0x26, 0x60, 0xc0, 0x22, 0x92,
		0x6a, 0x45, 0x61, 0x15, 0x65, 0x77, 0x11, 0xf2,
		0x3f, 0xc5, 0xcc, 0x1f, 0xf7, 0xb1, 0x3c, 0x6d,
		0x74, 0x39, 0xf3, 0xbe, 0xad, 0xd2, 0x45, 0x4d };
	uint8_t k3[20], z[PB_NONCE_LEN] = {0}, m1[PB_MAC_LEN], m2[PB_MAC_LEN];
	memset(k3, 0x0b, sizeof k3);
	ck_assert_int_eq(pb_station_answer(k3, sizeof k3, z, m1), 0);
	ck_assert(memcmp(m1, want, PB_MAC_LEN) == 0);
	/* one key bit changes the answer */
	k3[19] ^= 1;
	ck_assert_int_eq(pb_station_answer(k3, sizeof k3, z, m2), 0);
	ck_assert(memcmp(m1, m2, PB_MAC_LEN) != 0);
}
END_TEST

START_TEST(right_answer_unlocks)
{
	struct pb_factory f;
	struct notes nt;
	setup_f(&f, &nt);
	uint8_t nonce[PB_NONCE_LEN], mac[PB_MAC_LEN];
	ck_assert_uint_eq(pb_factory_require(&f, 0), PB_ST_LOCKED);
	ck_assert_uint_eq(challenge(&f, 1 * S, 0x42, nonce), PB_ST_OK);
	ck_assert_int_eq(pb_station_answer(key, sizeof key, nonce, mac), 0);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac, 2 * S), PB_ST_OK);
	ck_assert(pb_factory_unlocked(&f, 2 * S));
	ck_assert_int_eq(nt.last_code, PB_FACTORY_EV_UNLOCKED);
	ck_assert_uint_eq(pb_factory_require(&f, 3 * S), PB_ST_OK);
	/* the same answer again (replay) is refused: nonce is single-use */
	pb_factory_lock(&f, "stop");
	ck_assert_int_eq(nt.last_code, PB_FACTORY_EV_LOCKED);
	ck_assert_uint_eq(pb_factory_require(&f, 4 * S), PB_ST_LOCKED);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac, 4 * S), PB_ST_AUTH_FAILED);
	ck_assert_int_eq(nt.last_code, PB_FACTORY_EV_FAILED);
}
END_TEST

START_TEST(wrong_answers_lock_out_and_double)
{
	struct pb_factory f;
	struct notes nt;
	setup_f(&f, &nt);
	uint8_t nonce[PB_NONCE_LEN], mac[PB_MAC_LEN];
	uint64_t t = 10 * S;
	uint64_t expect = PB_FACTORY_LOCKOUT_US;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < PB_FACTORY_MAX_FAILS; i++) {
			ck_assert_uint_eq(challenge(&f, t, (uint8_t)i, nonce),
			    PB_ST_OK);
			memset(mac, 0xEE, sizeof mac);
			ck_assert_uint_eq(pb_factory_unlock(&f, mac, t),
			    PB_ST_AUTH_FAILED);
			ck_assert_int_eq(nt.last_level, i + 1 ==
			    PB_FACTORY_MAX_FAILS ? 0 : 1);
			t += S;
		}
		ck_assert_int_eq(nt.last_code, PB_FACTORY_EV_LOCKED_OUT);
		ck_assert_int_eq(nt.last_value, (int32_t)(expect / S));
		uint64_t start = t - S;
		/* during the lockout even the right answer is refused */
		ck_assert_uint_eq(challenge(&f, start + expect - S, 1, nonce),
		    PB_ST_LOCKED_OUT);
		ck_assert_uint_eq(pb_factory_unlock(&f, mac,
		    start + expect - 1), PB_ST_LOCKED_OUT);
		t = start + expect;
		expect *= 2;
	}
	/* after the lockout a right answer unlocks and resets the doubling */
	ck_assert_uint_eq(challenge(&f, t, 9, nonce), PB_ST_OK);
	pb_station_answer(key, sizeof key, nonce, mac);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac, t), PB_ST_OK);
	ck_assert_uint_eq(f.lockouts, 0);
	ck_assert_uint_eq(f.failures, 9);
	ck_assert_uint_eq(f.attempts, 9 + 3 + 1);
}
END_TEST

START_TEST(answer_without_challenge_or_late_fails)
{
	struct pb_factory f;
	struct notes nt;
	setup_f(&f, &nt);
	uint8_t nonce[PB_NONCE_LEN], mac[PB_MAC_LEN];
	memset(mac, 0, sizeof mac);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac, S), PB_ST_AUTH_FAILED);
	ck_assert_uint_eq(challenge(&f, S, 3, nonce), PB_ST_OK);
	pb_station_answer(key, sizeof key, nonce, mac);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac,
	    S + PB_FACTORY_NONCE_US + 1), PB_ST_AUTH_FAILED);
	ck_assert(!pb_factory_unlocked(&f, 2 * PB_FACTORY_NONCE_US));
}
END_TEST

START_TEST(session_ends_on_idle_and_power)
{
	struct pb_factory f;
	struct notes nt;
	setup_f(&f, &nt);
	uint8_t nonce[PB_NONCE_LEN], mac[PB_MAC_LEN];
	challenge(&f, 0, 1, nonce);
	pb_station_answer(key, sizeof key, nonce, mac);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac, 0), PB_ST_OK);
	/* activity keeps it open */
	ck_assert_uint_eq(pb_factory_require(&f, PB_FACTORY_SESSION_US - 1),
	    PB_ST_OK);
	ck_assert(pb_factory_unlocked(&f, 2 * PB_FACTORY_SESSION_US - 2));
	pb_factory_tick(&f, 2 * PB_FACTORY_SESSION_US);
	ck_assert(!f.unlocked);
	ck_assert_int_eq(nt.last_code, PB_FACTORY_EV_LOCKED);
	ck_assert_ptr_nonnull(strstr(nt.last, "idle"));

	challenge(&f, 3 * PB_FACTORY_SESSION_US, 2, nonce);
	pb_station_answer(key, sizeof key, nonce, mac);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac, 3 * PB_FACTORY_SESSION_US),
	    PB_ST_OK);
	pb_factory_power_off(&f);
	ck_assert_uint_eq(pb_factory_require(&f, 3 * PB_FACTORY_SESSION_US),
	    PB_ST_LOCKED);
}
END_TEST

START_TEST(lockout_survives_power_cycle)
{
	struct pb_factory f;
	struct notes nt;
	setup_f(&f, &nt);
	uint8_t nonce[PB_NONCE_LEN], mac[PB_MAC_LEN];
	memset(mac, 1, sizeof mac);
	for (int i = 0; i < PB_FACTORY_MAX_FAILS; i++) {
		challenge(&f, S, 1, nonce);
		pb_factory_unlock(&f, mac, S);
	}
	pb_factory_power_off(&f);
	ck_assert_uint_eq(challenge(&f, 2 * S, 1, nonce), PB_ST_LOCKED_OUT);
}
END_TEST

START_TEST(no_key_refuses)
{
	struct pb_factory f;
	struct notes nt;
	memset(&nt, 0, sizeof nt);
	pb_factory_init(&f, on_note, &nt);
	uint8_t nonce[PB_NONCE_LEN], mac[PB_MAC_LEN] = {0};
	ck_assert_uint_eq(challenge(&f, 0, 1, nonce), PB_ST_NOT_PROVISIONED);
	ck_assert_uint_eq(pb_factory_unlock(&f, mac, 0), PB_ST_NOT_PROVISIONED);
	ck_assert_ptr_nonnull(strstr(nt.last, "no station key"));
	ck_assert_int_eq(pb_factory_set_key(&f, key, 8), -1);
}
END_TEST

static char tmpdir[64];

static void write_key(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq((int)write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
}

START_TEST(key_file_permissions_and_format)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pb-factory-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	char path[128], err[256];
	uint8_t k[PB_FACTORY_KEY_MAX];
	snprintf(path, sizeof path, "%s/station.key", tmpdir);
	const char *hex = "00112233445566778899aabbccddeeff"
	    "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n";

	write_key(path, hex, 0600);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), 32);
	ck_assert(memcmp(k, key, 32) == 0);
	write_key(path, hex, 0400);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), 32);

	write_key(path, hex, 0644);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "0644"));
	ck_assert_ptr_nonnull(strstr(err, "group or others"));
	write_key(path, hex, 0640);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), -1);
	write_key(path, hex, 0604);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), -1);

	/* raw bytes are a key too (proto/station's format) */
	write_key(path, "0123456789abcdefXYZ!raw-key-byte\n", 0600);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), 32);
	ck_assert(memcmp(k, "0123456789abcdefXYZ!raw-key-byte", 32) == 0);
	write_key(path, "00112233", 0600);   /* too short for the pump */
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "16 to 64"));
	write_key(path, "", 0600);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), -1);
	ck_assert_int_eq(pb_factory_load_key(NULL, k, sizeof k, err,
	    sizeof err), -1);

	snprintf(path, sizeof path, "%s/missing.key", tmpdir);
	ck_assert_int_eq(pb_factory_load_key(path, k, sizeof k, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing.key"));
	ck_assert_int_eq(pb_factory_load_key(tmpdir, k, sizeof k, err,
	    sizeof err), -1);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(random_nonces_differ)
{
	uint8_t a[PB_NONCE_LEN], b[PB_NONCE_LEN];
	ck_assert_int_eq(pb_factory_random(a, sizeof a), 0);
	ck_assert_int_eq(pb_factory_random(b, sizeof b), 0);
	ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

static Suite *factory_suite(void)
{
	Suite *s = suite_create("factory");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, hmac_known_answer);
	tcase_add_test(tc, right_answer_unlocks);
	tcase_add_test(tc, wrong_answers_lock_out_and_double);
	tcase_add_test(tc, answer_without_challenge_or_late_fails);
	tcase_add_test(tc, session_ends_on_idle_and_power);
	tcase_add_test(tc, lockout_survives_power_cycle);
	tcase_add_test(tc, no_key_refuses);
	tcase_add_test(tc, key_file_permissions_and_format);
	tcase_add_test(tc, random_nonces_differ);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(factory_suite)
