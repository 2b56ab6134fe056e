/* tests for proto/station.c: key files and the factory unlock answer */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/station.h"
#include "tests/lib/check_main.h"

static char path[64];

static void
write_file(const char *text, size_t len, mode_t mode)
{
	strcpy(path, "/tmp/pbstationXXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(hex_key_and_hmac_vector)
{
	/* expected answer from the openssl command line:
	 * printf '\x00\x01...\x0f' | openssl dgst -sha256 -mac HMAC
	 *   -macopt hexkey:000102...1f */
	write_file("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 65, 0600);
	uint8_t key[64];
	size_t n = 0;
	char err[256];
	ck_assert_int_eq(pb_station_load_key(path, key, &n, err, sizeof err),
	    PB_STATION_OK);
	ck_assert_uint_eq(n, 32);
	ck_assert_uint_eq(key[0], 0x00);
	ck_assert_uint_eq(key[31], 0x1f);
	uint8_t nonce[PB_NONCE_LEN], mac[PB_MAC_LEN];
	for (int i = 0; i < PB_NONCE_LEN; i++)
		nonce[i] = (uint8_t)i;
	ck_assert_int_eq(pb_station_answer(key, n, nonce, mac), 0);
	static const uint8_t want[PB_MAC_LEN] = {
		0xd8, 0xb9, 0x9f, 0x27, 0x09, 0xa3, 0xca, 0x74, 0x17, 0x2c, 0xbe,
		0x93, 0x82, 0x4c, 0x1f, 0x29, 0xb2, 0x3a, 0x0c, 0x1e, 0x9c, 0x21,
		0xbd, 0x85, 0x1f, 0xf2, 0xd2, 0xc3, 0x9d, 0xbe, 0xf1, 0x4e
	};
	ck_assert_int_eq(memcmp(mac, want, PB_MAC_LEN), 0);
	ck_assert(pb_station_check(key, n, nonce, mac));
	mac[7] ^= 1;
	ck_assert(!pb_station_check(key, n, nonce, mac));
	unlink(path);
}
END_TEST

START_TEST(readable_by_others_is_refused)
{
	write_file("000102030405060708090a0b0c0d0e0f\n", 33, 0644);
	uint8_t key[64];
	size_t n = 0;
	char err[256];
	ck_assert_int_eq(pb_station_load_key(path, key, &n, err, sizeof err),
	    PB_STATION_E_PERM);
	ck_assert(strstr(err, path) != NULL);
	ck_assert(strstr(err, "0644") != NULL);
	ck_assert(strstr(err, "chmod 600") != NULL);
	chmod(path, 0640);
	ck_assert_int_eq(pb_station_load_key(path, key, &n, err, sizeof err),
	    PB_STATION_E_PERM);
	unlink(path);
	ck_assert_int_eq(pb_station_load_key(path, key, &n, err, sizeof err),
	    PB_STATION_E_OPEN);
	ck_assert(strstr(err, "cannot open") != NULL);
}
END_TEST

/* issue 9.5: a FIFO (or any non-regular file) as the key never blocks:
 * the alarm turns a hang into a failure */
START_TEST(fifo_is_refused_without_blocking)
{
	char dir[] = "/tmp/pbstationfifoXXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char fifo[64];
	snprintf(fifo, sizeof fifo, "%s/key", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	uint8_t key[64];
	size_t n = 0;
	char err[256];
	alarm(3);
	int rc = pb_station_load_key(fifo, key, &n, err, sizeof err);
	alarm(0);
	unlink(fifo);
	rmdir(dir);
	ck_assert_int_eq(rc, PB_STATION_E_OPEN);
	ck_assert_msg(strstr(err, "not a regular file (a FIFO)") != NULL, "%s",
	    err);
	ck_assert_int_eq(pb_station_load_key("/dev/null", key, &n, err,
	    sizeof err), PB_STATION_E_OPEN);
	ck_assert_msg(strstr(err, "a character device") != NULL, "%s", err);
}
END_TEST

START_TEST(formats_and_lengths)
{
	uint8_t key[64];
	size_t n = 0;
	char err[256];
	const char *raw = "a raw key of 24 bytes!!!";
	ck_assert_int_eq(pb_station_parse_key((const uint8_t *)raw,
	    strlen(raw), "k", key, &n, err, sizeof err), PB_STATION_OK);
	ck_assert_uint_eq(n, 24);
	ck_assert_int_eq(memcmp(key, raw, 24), 0);
	ck_assert_int_eq(pb_station_parse_key((const uint8_t *)"short\n", 6,
	    "k", key, &n, err, sizeof err), PB_STATION_E_FORMAT);
	ck_assert(strstr(err, "5 bytes; it must be 16 to 64") != NULL);
	ck_assert_int_eq(pb_station_parse_key((const uint8_t *)"\n\n", 2, "k",
	    key, &n, err, sizeof err), PB_STATION_E_FORMAT);
	ck_assert(strstr(err, "empty") != NULL);
	uint8_t big[130];
	memset(big, 'z', sizeof big);
	ck_assert_int_eq(pb_station_parse_key(big, sizeof big, "k", key, &n,
	    err, sizeof err), PB_STATION_E_FORMAT);
	ck_assert(strstr(err, "130 bytes; it must be 16 to 64") != NULL);
	/* 128 hex digits = 64 bytes: the longest key */
	memset(big, 'f', 128);
	ck_assert_int_eq(pb_station_parse_key(big, 128, "k", key, &n, err,
	    sizeof err), PB_STATION_OK);
	ck_assert_uint_eq(n, 64);
	ck_assert_uint_eq(key[63], 0xff);
}
END_TEST

static Suite *
station_suite(void)
{
	Suite *s = suite_create("station");
	TCase *tc = tcase_create("station");
	tcase_add_test(tc, hex_key_and_hmac_vector);
	tcase_add_test(tc, readable_by_others_is_refused);
	tcase_add_test(tc, fifo_is_refused_without_blocking);
	tcase_add_test(tc, formats_and_lengths);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(station_suite)
