/*
 * proto/device.h - the device side of the pump protocol (what firmware, and
 * the emulator, run).
 *
 * Promise: pure state machine over memory, time passed in (microseconds).
 * pb_device_rx() takes bytes from the host, decodes frames, answers
 * retried commands from a per-txn response cache so a retried command is
 * never executed twice, and hands every new valid command to the handler.
 * Outgoing messages get consecutive seq numbers and are written as wire
 * bytes into an output buffer the caller drains.  The host-heartbeat
 * watchdog reports when no valid HEARTBEAT or valid command has arrived
 * for 1 s: a frame that only passes the CRC (a bad payload, an unknown
 * type, a device-to-host type, a malformed command header) never feeds
 * it.  Every received frame is counted exactly once, by the first rule it
 * breaks (docs/protocol.md, section 7.6).
 */
#ifndef PB_PROTO_DEVICE_H
#define PB_PROTO_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/frame.h"
#include "proto/msg.h"

/* Responses remembered.  The host starts at most PB_CMD_RATE_MAX (8)
 * commands per 500 ms (client.h), so at most 24 commands run in the
 * 1.5 s around one command's attempts: with 32 entries, evicting the
 * oldest, a cached answer outlives every retry of its command even with
 * 150 ms of latency each way. */
#define PB_DEV_TXN_CACHE    32
#define PB_DEV_OUT_CAP      8192      /* queued wire bytes */
#define PB_HOST_LOST_US     1000000u  /* no host frame for 1 s */
/* A cached response answers retries for this long after the command ran
 * (a host retries within 600 ms), so a txn id reused much later by the
 * host is never mistaken for a retry of an old command. */
#define PB_DEV_CACHE_US     1000000u

/* Handler for a new (not retried) command: fill resp (status, body) and
 * return. Called with the decoded command. */
typedef void (*pb_dev_cmd_fn)(void *ctx, const struct pb_msg *cmd,
    struct pb_response *resp, uint64_t now_us);

struct pb_dev_cache_entry {
	bool    used;
	uint8_t txn, req_type;
	uint8_t wire[PB_WIRE_MAX];
	size_t  wire_len;
	uint64_t at_us;               /* when the command ran */
};

typedef struct pb_device {
	pb_decoder dec;
	uint16_t seq_tx;
	int      last_seq_rx;         /* -1 before the first host frame */
	uint64_t frames_lost_rx;      /* host->device seq gaps */
	uint64_t last_host_us;        /* last valid HEARTBEAT or command */
	bool     host_seen;           /* one has arrived: watchdog armed */
	bool     host_lost;           /* pb_device_watchdog() fired; cleared
	                                 by the next valid host message */
	struct pb_dev_cache_entry cache[PB_DEV_TXN_CACHE];
	/* message-layer counters (the frame layer's are in dec.st); each
	 * frame the decoder delivers adds one to exactly one of these */
	uint64_t heartbeats;          /* valid host heartbeats */
	uint64_t commands;            /* valid commands handed to the handler */
	uint64_t dup_commands;        /* retried commands answered from cache */
	uint64_t unknown_type;        /* frames of a type the device lacks */
	uint64_t bad_header;          /* commands without ACK_REQ or with txn 0 */
	uint64_t bad_payload;         /* HEARTBEAT or command payloads that
	                                 failed decode (or a host heartbeat
	                                 carrying a run state or alarms) */
	uint64_t ignored;             /* frames not for a device: RESPONSE
	                                 flag set, or a device->host type */
	uint64_t host_lost_count;     /* watchdog expiries */
	uint8_t  out[PB_DEV_OUT_CAP];
	size_t   out_len;
	uint64_t out_dropped;         /* frames dropped: output full */
	pb_dev_cmd_fn handler;
	void    *ctx;
	uint64_t now_us;              /* time of the current rx call */
} pb_device;

void pb_device_init(pb_device *d, pb_dev_cmd_fn handler, void *ctx);
/* Feed bytes received from the host at time now_us. */
void pb_device_rx(pb_device *d, const uint8_t *bytes, size_t n,
    uint64_t now_us);
/* Queue an unsolicited message (telemetry, event, heartbeat, log).
 * Returns 0, or -1 when it did not fit (counted in out_dropped). */
int  pb_device_send(pb_device *d, const struct pb_msg *m);
/* True when a host was seen and has sent no valid HEARTBEAT or command
 * for PB_HOST_LOST_US. */
bool pb_device_host_lost(const pb_device *d, uint64_t now_us);
/* The watchdog's edge: true once when the host becomes lost (counted in
 * host_lost_count), then false until a valid host message has arrived
 * and the host is lost again.  Call it periodically. */
bool pb_device_watchdog(pb_device *d, uint64_t now_us);
/* Time of the last valid HEARTBEAT or command into *t_us; false before
 * the first one. */
bool pb_device_last_host(const pb_device *d, uint64_t *t_us);
/* Drain queued wire bytes: copy up to cap into buf, return bytes copied. */
size_t pb_device_take(pb_device *d, uint8_t *buf, size_t cap);
/* The counters a DEVICE_STATS answer carries (low 32 bits of each); a
 * handler answers DEVICE_STATS with them (body kind PB_BODY_STATS). */
void pb_device_stats(const pb_device *d, struct pb_device_stats *out);
/* Forget every remembered response, so a retried command runs again (the
 * emulator's "no-txn-dedup" defect switch; a device never calls it). */
void pb_device_forget_txns(pb_device *d);

#endif
