/*
 * fuzz/fuzz_mpsse_interp.c - libFuzzer target for the MPSSE interpreter,
 * the parser of every byte a host writes to the (simulated) FT232H.
 *
 * Input: byte 0 picks a split stride, the rest is the host stream.  The
 * stream is fed once whole and once in pieces of that stride; both
 * interpreters must end in the same state with the same replies (USB
 * packet boundaries never change what the chip does), and nothing may
 * crash or overrun.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hil/mpsse-interp.h"

static struct pb_mpsse_interp a, b;

static void prepare(struct pb_mpsse_interp *it)
{
	pb_mpsse_interp_init(it);
	pb_mpsse_interp_set_mpsse(it, true);
	pb_mpsse_interp_attach(it, PB_INTERP_MCP4922, 3, 5.0);
	int adc = pb_mpsse_interp_attach(it, PB_INTERP_MCP3202, 4, 5.0);
	pb_mpsse_interp_set_adc_volts(it, adc, 0, 1.7);
	pb_mpsse_interp_set_adc_volts(it, adc, 1, 3.3);
	pb_mpsse_interp_set_inputs(it, 0xA55A);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t stride = (size_t)(data[0] % 17) + 1;
	data++;
	size--;
	prepare(&a);
	prepare(&b);
	pb_mpsse_interp_feed(&a, data, size);
	for (size_t i = 0; i < size; i += stride)
		pb_mpsse_interp_feed(&b, data + i,
		    size - i < stride ? size - i : stride);

	if (a.out_len != b.out_len || a.out_len > PB_INTERP_OUT)
		__builtin_trap();
	static uint8_t ra[PB_INTERP_OUT], rb[PB_INTERP_OUT];
	size_t na = pb_mpsse_interp_read(&a, ra, sizeof(ra));
	size_t nb = pb_mpsse_interp_read(&b, rb, sizeof(rb));
	if (na != nb || memcmp(ra, rb, na) != 0)
		__builtin_trap();
	if (a.dac_log_count != b.dac_log_count ||
	    memcmp(a.dac_log, b.dac_log, sizeof(a.dac_log)) != 0 ||
	    a.lo_val != b.lo_val || a.lo_dir != b.lo_dir ||
	    a.hi_val != b.hi_val || a.hi_dir != b.hi_dir ||
	    a.bad_opcodes != b.bad_opcodes || a.edge_errors != b.edge_errors)
		__builtin_trap();
	for (int d = 0; d < a.ndev; d++)
		if (a.dev[d].code > 4095 || a.dev[d].bad_frames !=
		    b.dev[d].bad_frames)
			__builtin_trap();
	return 0;
}
