/* libFuzzer target: station config files (store/stationcfg.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/record.h"
#include "store/stationcfg.h"
#include "store/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_stationcfg c;
	char err[512];
	int rc = pb_stationcfg_parse(&c, "fuzz/station.ini",
	    (const char *)data, size, err, sizeof err);
	if (rc == 0) {
		/* what the parser accepts, the station can use */
		if (!pb_station_name_ok(c.name) || c.gauge_id[0] == '\0' ||
		    pb_record_date_days(c.gauge_due) != c.gauge_due_days ||
		    c.gauge_due_days < 0)
			__builtin_trap();
		struct pb_store_url u;
		if (c.store[0] && pb_store_url_parse(c.store, &u, err,
		    sizeof err) != 0)
			__builtin_trap();
	} else if (strncmp(err, "fuzz/station.ini:", 17) != 0 ||
	    c.name[0] != '\0') {
		__builtin_trap();   /* every refusal names the file; out is zeroed */
	}
	return 0;
}
