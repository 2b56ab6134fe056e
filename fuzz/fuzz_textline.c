/*
 * fuzz_textline: bring-up mode's line parser and its time-axis adapter
 * on arbitrary bytes, fed in pieces whose sizes come from the input.
 * Nothing may crash; every record must be sane (a reason and a column
 * for a malformed line, finite values, names of name characters only,
 * at most PB_TEXTLINE_FIELDS fields); the counts must add up; and the
 * adapter must hand on indices in order, without overlap or holes.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/textfeed.h"
#include "tui/textline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	struct pb_textfeed feed;
	struct pb_textfeed_sink sink;
	uint64_t now_us;
	uint64_t next;        /* next index the sink expects */
	uint64_t records;
};

static void on_samples(void *c, uint64_t index, uint64_t n,
    const int16_t *v, const bool *present, uint32_t device_ms)
{
	struct ctx *x = c;
	(void)device_ms;
	if (index != x->next || n == 0)
		abort();
	for (int ch = 0; ch < PB_TEXTFEED_CH; ch++)
		if (present[ch] && v[ch] == INT16_MIN)
			abort();
	x->next = index + n;
}

static void on_gap(void *c, uint64_t index, uint64_t n, uint32_t device_ms)
{
	struct ctx *x = c;
	(void)device_ms;
	if (index != x->next || n == 0)
		abort();
	x->next = index + n;
}

static void check_name(const char *s)
{
	size_t n = strlen(s);
	if (n > PB_TEXTLINE_NAME_MAX)
		abort();
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || strchr(",:;|>#", *s))
			abort();
}

static void on_line(void *c, const struct pb_textline_rec *r)
{
	struct ctx *x = c;
	x->records++;
	if (r->n < 0 || r->n > PB_TEXTLINE_FIELDS)
		abort();
	if (r->kind == PB_TL_BAD) {
		if (!r->why || !r->why[0] || r->col < 1 ||
		    r->col > PB_TEXTLINE_MAX + 1)
			abort();
		return;
	}
	for (int i = 0; i < r->n; i++) {
		if (r->present[i] && !isfinite(r->v[i]))
			abort();
		check_name(r->name[i]);
	}
	if (r->has_time && !isfinite(r->time_ms))
		abort();
	/* time moves on 0..4 ms per line, from the input itself */
	x->now_us += (r->line % 5) * 1000u;
	pb_textfeed_line(&x->feed, r, x->now_us, &x->sink);
	pb_textfeed_tick(&x->feed, x->now_us, &x->sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx x;
	memset(&x, 0, sizeof x);
	x.sink = (struct pb_textfeed_sink){ &x, on_samples, on_gap };
	x.now_us = 1000000;
	static struct pb_textline p;
	bool time_first = size && (data[0] & 1);
	pb_textline_init(&p, time_first);
	pb_textfeed_init(&x.feed, size > 1 ? (enum pb_unit)(data[1] % 3) :
	    PB_UNIT_MMHG);
	size_t at = size > 2 ? 2 : size;
	while (at < size) {
		size_t piece = 1 + data[at - 1] % 64;
		if (piece > size - at)
			piece = size - at;
		pb_textline_feed(&p, data + at, piece, on_line, &x);
		at += piece;
	}
	pb_textline_finish(&p, on_line, &x);
	pb_textfeed_flush(&x.feed, &x.sink);
	const struct pb_textline_counts *c = &p.counts;
	if (c->lines != x.records ||
	    c->values + c->headers + c->blank + c->bad != c->lines ||
	    c->overlong > c->bad)
		abort();
	const struct pb_textfeed_counts *f = pb_textfeed_counts(&x.feed);
	if (f->samples + f->gap_samples != x.next ||
	    f->lines + f->unused > c->values)
		abort();
	return 0;
}
