/* libFuzzer target: headless run scripts (tui/script.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tui/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_script s;
	pb_script_init(&s);
	char err[512];
	int rc = pb_script_parse(&s, "fuzz.txt", (const char *)data, size, err,
	    sizeof err);
	if (rc == 0) {
		/* what is accepted runs in order and ends at most once */
		for (size_t i = 0; i < s.n; i++) {
			const struct pb_script_step *st = &s.steps[i];
			if (i && st->at_us < s.steps[i - 1].at_us)
				__builtin_trap();
			if (st->at_us > PB_SCRIPT_MAX_US)
				__builtin_trap();
			if (st->op == PB_SOP_END && i != s.n - 1)
				__builtin_trap();
			if (st->op == PB_SOP_LEVEL && (st->value < 1 ||
			    st->value > PB_SCRIPT_MAX_LEVEL))
				__builtin_trap();
			if (strlen(st->label) > PB_SCRIPT_LABEL_MAX ||
			    strpbrk(st->label, ",\"#\r\n"))
				__builtin_trap();
		}
		size_t next = pb_script_due(&s, 0, UINT64_MAX);
		if (next != s.n)
			__builtin_trap();
	} else if (strncmp(err, "fuzz.txt:", 9) != 0 || s.n != 0) {
		__builtin_trap();   /* every refusal names the file and line */
	}
	pb_script_free(&s);
	return 0;
}
