/*
 * fuzz/fuzz_report_json.c - libFuzzer target for reading a JSON test
 * record back (hil/report-read.c, what `pumphil trace` reads) and for the
 * verification matrix built from it (hil/matrix.c).
 *
 * Any bytes: pb_report_parse_json() returns a status; a failure names the
 * input and leaves no case; a record it accepts gives a matrix whose HTML
 * and CSV are valid UTF-8 and within their buffer's limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/text.h"
#include "hil/matrix.h"
#include "hil/report.h"

static void check_out(const struct pb_sbuf *b, size_t limit)
{
	if (b->len > limit || (b->p && !pb_text_utf8_valid(b->p, b->len)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_report r;
	char err[256];
	int rc = pb_report_parse_json(&r, (const char *)data, size, "f.json",
	    err, sizeof err);
	if (rc != 0) {
		if (strncmp(err, "f.json: ", 8) != 0 || r.n_cases)
			__builtin_trap();
		pb_report_free(&r);
		return 0;
	}
	struct pb_matrix m;
	if (pb_matrix_build(&r, &m) == 0) {
		struct pb_sbuf b;
		pb_sbuf_init(&b, 1u << 20);
		pb_matrix_write_html(&r, &m, &b);
		check_out(&b, 1u << 20);
		pb_sbuf_free(&b);
		pb_sbuf_init(&b, 1u << 20);
		pb_matrix_write_csv(&m, &r, &b);
		check_out(&b, 1u << 20);
		pb_sbuf_free(&b);
		pb_matrix_free(&m);
	}
	pb_report_free(&r);
	return 0;
}
