/*
 * firmware/ring.h - a byte ring between one interrupt handler and the main
 * loop (single producer, single consumer), for UART receive.
 *
 * Promise: pure memory, no locks, no malloc.  The producer (the RX
 * interrupt) only writes `head`, the consumer (the main loop) only writes
 * `tail`; both are read and written as whole 32-bit words, which a
 * Cortex-M does atomically, so neither side ever sees a half-updated
 * index and no interrupt needs masking.  A byte that finds the ring full
 * is dropped and counted (an overrun the protocol's CRC and seq gap then
 * account for), never overwrites an unread byte.  The capacity is the
 * buffer size, which must be a power of two.
 */
#ifndef PB_FIRMWARE_RING_H
#define PB_FIRMWARE_RING_H

#include <stddef.h>
#include <stdint.h>

struct pb_ring {
	uint8_t *buf;
	uint32_t mask;               /* size - 1 */
	volatile uint32_t head;      /* next write, producer only */
	volatile uint32_t tail;      /* next read, consumer only */
	volatile uint32_t overruns;  /* bytes dropped: ring full */
};

/* size must be a power of two, 2..2^31; returns 0, or -1 (unusable). */
int      pb_ring_init(struct pb_ring *r, uint8_t *buf, size_t size);
/* Producer: store one byte; 0, or -1 when full (counted). */
int      pb_ring_put(struct pb_ring *r, uint8_t byte);
/* Consumer: take up to cap bytes; returns how many. */
size_t   pb_ring_get(struct pb_ring *r, uint8_t *out, size_t cap);
/* Bytes waiting. */
size_t   pb_ring_used(const struct pb_ring *r);
uint32_t pb_ring_overruns(const struct pb_ring *r);

#endif
