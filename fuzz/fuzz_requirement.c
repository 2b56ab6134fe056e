/*
 * fuzz/fuzz_requirement.c - libFuzzer target for the requirement file
 * parser (hil/requirement.c).
 *
 * Any bytes: pb_requirement_parse() returns a status; on failure the
 * message starts with the file name and nothing stays allocated; a set
 * it accepts is consistent (IDs valid and unique, limits with a unit and
 * 1..PB_REQUIREMENT_LIST values, required texts present, strings
 * terminated) and every lookup works on it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hil/requirement.h"

static void check_set(const struct pb_requirement_set *s)
{
	if (s->n == 0 || s->n > PB_REQUIREMENT_MAX || !s->req)
		__builtin_trap();
	for (size_t i = 0; i < s->n; i++) {
		const struct pb_requirement *r = &s->req[i];
		size_t n = strnlen(r->id, sizeof r->id);
		if (n == sizeof r->id || !pb_requirement_id_valid(r->id, n))
			__builtin_trap();
		if (pb_requirement_find(s, r->id) != r)   /* unique */
			__builtin_trap();
		if (!r->text[0] || !r->source[0] || !r->hazard[0] ||
		    !r->cls[0])
			__builtin_trap();
		if (r->n_limits < 0 || r->n_limits > PB_REQUIREMENT_LIMITS)
			__builtin_trap();
		for (int k = 0; k < r->n_limits; k++) {
			const struct pb_requirement_limit *l = &r->limits[k];
			if (l->n < 1 || l->n > PB_REQUIREMENT_LIST ||
			    !l->unit[0] || !l->name[0])
				__builtin_trap();
			if (!pb_requirement_limit(r, l->name, l->profile))
				__builtin_trap();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_requirement_set s;
	char err[256];
	int rc = pb_requirement_parse(&s, (const char *)data, size, "fuzz.ini",
	    err, sizeof err);
	if (rc == PB_REQUIREMENT_OK) {
		check_set(&s);
		pb_requirement_set_free(&s);
	} else if (strncmp(err, "fuzz.ini", 8) != 0 || s.req || s.n) {
		__builtin_trap();
	}
	return 0;
}
