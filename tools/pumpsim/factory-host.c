/*
 * tools/pumpsim/factory-host.c - the host edges of factory access (see
 * factory.h): the station key file and OpenSSL's CSPRNG.  A board port
 * has its key in flash and its own random source (docs/firmware.md).
 */
#include "tools/pumpsim/factory.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "proto/station.h"

int pb_factory_load_key(const char *path, uint8_t *key, size_t cap,
    char *err, size_t errlen)
{
	uint8_t k[PB_STATION_KEY_MAX];
	size_t n = 0;
	if (!path || !*path) {
		if (err && errlen)
			snprintf(err, errlen, "no factory key file given");
		return -1;
	}
	if (pb_station_load_key(path, k, &n, err, errlen) != PB_STATION_OK)
		return -1;
	if (n < PB_FACTORY_KEY_MIN || n > cap) {
		if (err && errlen)
			snprintf(err, errlen, "%s: station key is %zu bytes; the "
			    "pump needs %d to %d (e.g. openssl rand -hex 32)",
			    path, n, PB_FACTORY_KEY_MIN, PB_FACTORY_KEY_MAX);
		OPENSSL_cleanse(k, sizeof k);
		return -1;
	}
	memcpy(key, k, n);
	OPENSSL_cleanse(k, sizeof k);
	return (int)n;
}

int pb_factory_random(uint8_t *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}
