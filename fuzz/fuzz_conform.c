/*
 * fuzz/fuzz_conform.c - the conformance suite's reading of a device's
 * bytes: the frame reader and decoder of hil/conform-wire.c on arbitrary
 * bytes, then the suite itself (its passive observers and the HELLO rule)
 * against a "device" that sends exactly those bytes, in virtual time.
 * Checked: no crash, no hang, a bounded report; the reader accounts for
 * every piece (frames + bad + empty never exceed the 0x00 count).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hil/conform-wire.h"
#include "hil/conform.h"

static uint64_t t_us;
static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return t_us;
}
static int fake_wait(void *ctx, uint64_t until)
{
	(void)ctx;
	t_us = until > t_us ? until : t_us + 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_cw_reader r;
	struct pb_cw_frame f;
	size_t zeros = 0;
	pb_cw_reader_init(&r);
	pb_cw_reader_feed(&r, data, size, 0, NULL, NULL, NULL);
	for (size_t i = 0; i < size; i++)
		zeros += data[i] == 0;
	if (r.frames + r.bad + r.empty > zeros)
		__builtin_trap();
	(void)pb_cw_decode(data, size, &f);

	if (size > 8192)
		return 0;
	struct pb_link *a, *b;
	if (pb_link_mem_pair(&a, &b) != PB_LINK_OK)
		return 0;
	pb_link_write(b, data, size);
	t_us = 0;
	struct pb_conform_io io = { a, NULL, fake_now, fake_wait };
	struct pb_conform_opts o;
	memset(&o, 0, sizeof o);
	o.only = "hello";
	struct pb_report rep;
	char err[200];
	pb_report_init(&rep, "fuzz");
	pb_conform_run(&io, &o, &rep, err, sizeof err);
	pb_report_free(&rep);
	pb_link_close(a);
	pb_link_close(b);
	return 0;
}
