/* libFuzzer target: the station key file parser (proto/station.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/station.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[PB_STATION_KEY_MAX];
	size_t n = 0;
	char err[256];
	int rc = pb_station_parse_key(data, size, "fuzz", key, &n, err,
	    sizeof err);
	if (rc == PB_STATION_OK) {
		if (n < PB_STATION_KEY_MIN || n > PB_STATION_KEY_MAX)
			__builtin_trap();
		uint8_t nonce[PB_NONCE_LEN] = { 0 }, mac[PB_MAC_LEN];
		if (pb_station_answer(key, n, nonce, mac) != PB_STATION_OK ||
		    !pb_station_check(key, n, nonce, mac))
			__builtin_trap();
	} else if (strlen(err) == 0) {
		__builtin_trap();   /* every refusal says why */
	}
	return 0;
}
