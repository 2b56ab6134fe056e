/*
 * proto/devclock.c - device time to host time (devclock.h).
 */
#include "proto/devclock.h"

void pb_devclock_reset(struct pb_devclock *c)
{
	c->have = false;
	c->offset_us = 0;
	c->last_ms = 0;
}

void pb_devclock_seen(struct pb_devclock *c, uint32_t dev_ms,
    uint64_t host_us)
{
	int64_t off = (int64_t)host_us - (int64_t)dev_ms * 1000;
	/* backwards by more than a second: the device restarted its clock;
	 * forwards through the 49-day wrap: the offset is a new one */
	if (c->have && ((int32_t)(dev_ms - c->last_ms) < -1000 ||
	    (dev_ms < c->last_ms && (int32_t)(dev_ms - c->last_ms) > 0)))
		c->have = false;
	if (!c->have || off < c->offset_us)
		c->offset_us = off;
	if (!c->have || (int32_t)(dev_ms - c->last_ms) > 0)
		c->last_ms = dev_ms;
	c->have = true;
}

uint64_t pb_devclock_host_us(const struct pb_devclock *c, uint32_t dev_ms,
    uint64_t late_us)
{
	if (!c->have)
		return late_us;
	int64_t t = (int64_t)dev_ms * 1000 + c->offset_us;
	if (t < 0)
		t = 0;
	return (uint64_t)t < late_us ? (uint64_t)t : late_us;
}

uint32_t pb_devclock_batch_end_ms(uint32_t first_ms, unsigned n,
    unsigned rate_hz)
{
	if (n == 0 || rate_hz == 0)
		return first_ms;
	return first_ms + (uint32_t)((uint64_t)(n - 1) * 1000u / rate_hz);
}
