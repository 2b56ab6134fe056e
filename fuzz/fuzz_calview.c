/*
 * fuzz/fuzz_calview.c - the calibration screen's reading input on
 * arbitrary key presses (tui/calview.c).
 *
 * Input: the first two bytes pick the target being held (0..655.35 mmHg);
 * each following byte is one key press (byte 0xFE stands for
 * PB_KEY_BACKSPACE, 0xFF for PB_KEY_LEFT), fed to the input line; at
 * every Enter the line is checked as a reading.  Checked (trap on
 * failure): the line never exceeds its length and stays NUL-terminated
 * and made of digits, '.', and a leading '-'; a reading that passes is
 * finite and within -20..1000 mmHg; a refusal always has a message.  The
 * check itself also gets the whole input as one string.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/calview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const struct pb_calview_input *in)
{
	if (in->len > PB_CALVIEW_INPUT_MAX || in->buf[in->len] != '\0' ||
	    strlen(in->buf) != in->len)
		__builtin_trap();
	for (size_t i = 0; i < in->len; i++) {
		char c = in->buf[i];
		if (!((c >= '0' && c <= '9') || c == '.' || (c == '-' && i == 0)))
			__builtin_trap();
	}
}

static void check_reading(const char *text, double target)
{
	double v = NAN;
	char why[200];
	why[0] = '\0';
	enum pb_calview_check r = pb_calview_check_reading(text, target, &v,
	    why, sizeof why);
	if (r == PB_CVC_BAD) {
		if (why[0] == '\0')
			__builtin_trap();
		return;
	}
	if (!isfinite(v) || v < -20 || v > 1000)
		__builtin_trap();
	if (r == PB_CVC_CONFIRM && why[0] == '\0')
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	double target = (data[0] | data[1] << 8) / 100.0;
	struct pb_calview_input in;
	pb_calview_input_clear(&in);
	for (size_t i = 2; i < size; i++) {
		int key = data[i] == 0xFE ? PB_KEY_BACKSPACE :
		    data[i] == 0xFF ? PB_KEY_LEFT : data[i];
		char why[160];
		why[0] = '\0';
		enum pb_calview_in r = pb_calview_input_key(&in, key, why,
		    sizeof why);
		if (r == PB_CVI_REJECT && why[0] == '\0')
			__builtin_trap();
		check_line(&in);
		if (r == PB_CVI_SUBMIT)
			check_reading(in.buf, target);
	}
	char *s = malloc(size - 1);
	if (!s)
		return 0;
	memcpy(s, data + 2, size - 2);
	s[size - 2] = '\0';
	check_reading(s, target);
	free(s);
	return 0;
}
