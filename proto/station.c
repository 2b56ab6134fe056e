/*
 * proto/station.c - station key file and HMAC answer (see station.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/file.h"
#include "proto/station.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
pb_station_load_key(const char *path, uint8_t *key, size_t *key_len,
    char *err, size_t errlen)
{
	uint8_t buf[2 * PB_STATION_KEY_MAX + 4];
	struct stat st;
	char why[128];
	/* never blocks on a FIFO; only a regular file is read (base/file) */
	int fd = pb_file_open_read(path, 0, why, sizeof why);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot use station key: %s", path,
		    why);
		return PB_STATION_E_OPEN;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot stat station key: %s", path,
		    strerror(errno));
		close(fd);
		return PB_STATION_E_OPEN;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: station key has mode %04o: it must "
		    "not be accessible to group or others (chmod 600 %s)",
		    path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return PB_STATION_E_PERM;
	}
	if (st.st_size > (off_t)sizeof buf) {
		snprintf(err, errlen, "%s: station key file is %lld bytes: too "
		    "long for a key", path, (long long)st.st_size);
		close(fd);
		return PB_STATION_E_FORMAT;
	}
	ssize_t n;
	do
		n = read(fd, buf, sizeof buf);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: read: %s", path, strerror(e));
		return PB_STATION_E_OPEN;
	}
	int rc = pb_station_parse_key(buf, (size_t)n, path, key, key_len, err,
	    errlen);
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

int
pb_station_parse_key(const uint8_t *buf, size_t len, const char *name,
    uint8_t *key, size_t *key_len, char *err, size_t errlen)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' '))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "%s: station key is empty", name);
		return PB_STATION_E_FORMAT;
	}
	int hex = len % 2 == 0 && len >= 2 * PB_STATION_KEY_MIN;
	for (size_t i = 0; hex && i < len; i++)
		if (hexval(buf[i]) < 0)
			hex = 0;
	size_t n = hex ? len / 2 : len;
	if (n < PB_STATION_KEY_MIN || n > PB_STATION_KEY_MAX) {
		snprintf(err, errlen, "%s: station key is %zu bytes; it must be "
		    "%d to %d bytes (e.g. openssl rand -hex 32)", name, n,
		    PB_STATION_KEY_MIN, PB_STATION_KEY_MAX);
		return PB_STATION_E_FORMAT;
	}
	if (hex)
		for (size_t i = 0; i < n; i++)
			key[i] = (uint8_t)(hexval(buf[2 * i]) << 4 |
			    hexval(buf[2 * i + 1]));
	else
		memcpy(key, buf, n);
	*key_len = n;
	return PB_STATION_OK;
}

int
pb_station_answer(const uint8_t *key, size_t key_len,
    const uint8_t nonce[PB_NONCE_LEN], uint8_t mac[PB_MAC_LEN])
{
	unsigned int len = 0;
	if (HMAC(EVP_sha256(), key, (int)key_len, nonce, PB_NONCE_LEN, mac,
	    &len) == NULL || len != PB_MAC_LEN)
		return PB_STATION_E_CRYPTO;
	return PB_STATION_OK;
}

bool
pb_station_check(const uint8_t *key, size_t key_len,
    const uint8_t nonce[PB_NONCE_LEN], const uint8_t mac[PB_MAC_LEN])
{
	uint8_t want[PB_MAC_LEN];
	if (pb_station_answer(key, key_len, nonce, want) != PB_STATION_OK)
		return false;
	return CRYPTO_memcmp(want, mac, PB_MAC_LEN) == 0;
}
