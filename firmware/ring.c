/*
 * firmware/ring.c - single-producer single-consumer byte ring, see ring.h.
 *
 * head and tail run freely over the 32-bit range; head - tail is the fill
 * level even across the wrap, and index & mask the position.  The byte is
 * stored before head moves (and read before tail moves), with a compiler
 * barrier between, so the other side never sees an index ahead of its
 * data.  A single-core Cortex-M needs no hardware barrier for this.
 */
#include "firmware/ring.h"

#define BARRIER() __asm__ __volatile__("" ::: "memory")

int pb_ring_init(struct pb_ring *r, uint8_t *buf, size_t size)
{
	r->head = r->tail = r->overruns = 0;
	if (buf == NULL || size < 2 || size > 0x80000000u ||
	    (size & (size - 1)) != 0) {
		r->buf = NULL;
		r->mask = 0;
		return -1;
	}
	r->buf = buf;
	r->mask = (uint32_t)(size - 1);
	return 0;
}

int pb_ring_put(struct pb_ring *r, uint8_t byte)
{
	uint32_t h = r->head;
	if (r->buf == NULL || h - r->tail > r->mask) {
		r->overruns++;
		return -1;
	}
	r->buf[h & r->mask] = byte;
	BARRIER();
	r->head = h + 1;
	return 0;
}

size_t pb_ring_get(struct pb_ring *r, uint8_t *out, size_t cap)
{
	uint32_t t = r->tail, h = r->head;
	size_t n = 0;
	BARRIER();
	while (t != h && n < cap)
		out[n++] = r->buf[t++ & r->mask];
	BARRIER();
	r->tail = t;
	return n;
}

size_t pb_ring_used(const struct pb_ring *r)
{
	return (size_t)(r->head - r->tail);
}

uint32_t pb_ring_overruns(const struct pb_ring *r)
{
	return r->overruns;
}
