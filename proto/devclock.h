/*
 * proto/devclock.h - the device's clock, mapped onto the host's.
 *
 * Promise: pure, no clock read.  Every frame a device sends carries its
 * uptime in ms (TELEMETRY device_ms, HEARTBEAT time_ms, EVENT device_ms);
 * a host that stamps what the device did with the time it *received* the
 * frame is late by the link's queueing (a stalled reader, a full pty: an
 * alarm seen seconds after it was raised).  A frame can only arrive after
 * it was stamped, so the smallest (receive - device) time over the frames
 * seen is the device clock's offset plus the link's least delay; mapping
 * device times through it puts them back where they happened, to within
 * that least delay.  A device time that goes backwards (a reboot, the
 * 49-day wrap) starts the map over.
 */
#ifndef PB_PROTO_DEVCLOCK_H
#define PB_PROTO_DEVCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct pb_devclock {
	bool     have;
	int64_t  offset_us;      /* host_us - device_us, smallest seen */
	uint32_t last_ms;        /* latest device time seen */
};

void pb_devclock_reset(struct pb_devclock *c);
/* A frame stamped dev_ms (the device time of the latest thing it
 * describes: a telemetry batch's last sample) arrived at host_us. */
void pb_devclock_seen(struct pb_devclock *c, uint32_t dev_ms,
    uint64_t host_us);
/* Host time of device time dev_ms (not later than late_us, the time the
 * frame carrying it arrived); late_us itself without a map. */
uint64_t pb_devclock_host_us(const struct pb_devclock *c, uint32_t dev_ms,
    uint64_t late_us);
/* Device time (ms) of the last sample of a telemetry batch. */
uint32_t pb_devclock_batch_end_ms(uint32_t first_ms, unsigned n,
    unsigned rate_hz);

#endif
