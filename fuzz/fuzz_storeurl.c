/* libFuzzer target: store specs and their redaction (store/url.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "store/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	if (spec == NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	struct pb_store_url u;
	char err[256];
	if (pb_store_url_parse(spec, &u, err, sizeof err) == 0) {
		if (u.kind != PB_STORE_SQLITE && u.kind != PB_STORE_PG)
			__builtin_trap();
		if (u.target[0] == '\0')
			__builtin_trap();
		/* what a message shows is text a terminal can take */
		if (!pb_text_utf8_valid(u.shown, strlen(u.shown)) &&
		    pb_text_utf8_valid(spec, strlen(spec)))
			__builtin_trap();
		/* a password in the authority never reaches the message */
		const char *a = strstr(u.target, "://");
		if (u.kind == PB_STORE_PG && a) {
			a += 3;
			size_t end = strcspn(a, "/?#");
			const char *at = memchr(a, '@', end);
			const char *colon = memchr(a, ':', end);
			if (at && colon && colon < at && !strstr(u.shown, "***"))
				__builtin_trap();
		}
	} else if (err[0] == '\0') {
		__builtin_trap();
	}
	char small[16];
	pb_store_url_redact(spec, small, sizeof small);
	if (strlen(small) >= sizeof small)
		__builtin_trap();
	free(spec);
	return 0;
}
