/*
 * proto/device.h - the device side of the pump protocol (what firmware, and
 * the emulator, run).
 *
 * Promise: pure state machine over memory, time passed in (microseconds).
 * pb_device_rx() takes bytes from the host, decodes frames, answers
 * retried commands from a per-txn response cache so a retried command is
 * never executed twice, and hands every new valid command to the handler.
 * Outgoing messages get consecutive seq numbers and are written as wire
 * bytes into an output queue the caller drains (pb_device_take, or
 * pb_device_peek/pb_device_consume to hand the bytes to a UART without a
 * copy).  The host-heartbeat watchdog reports when no valid HEARTBEAT or
 * valid command has arrived for 1 s: a frame that only passes the CRC (a
 * bad payload, an unknown type, a device-to-host type, a malformed
 * command header) never feeds it.  Every received frame is counted
 * exactly once, by the first rule it breaks (docs/protocol.md, section
 * 7.6).
 *
 * Fit for a small MCU: no malloc, no stdio; every size is set at compile
 * time (proto/config.h: PB_DEV_TXN_CACHE remembered answers of up to
 * PB_DEV_CACHE_PAYLOAD bytes, PB_DEV_OUT_CAP queued bytes), and frames
 * are built in place in the queue, so receiving and answering a command
 * takes a few hundred bytes of stack (docs/BENCHMARKS.md).
 */
#ifndef PB_PROTO_DEVICE_H
#define PB_PROTO_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/config.h"
#include "proto/frame.h"
#include "proto/msg.h"

#define PB_HOST_LOST_US     1000000u  /* no host frame for 1 s */
/* A cached response answers retries for this long after the command ran
 * (a host retries within 600 ms), so a txn id reused much later by the
 * host is never mistaken for a retry of an old command. */
#define PB_DEV_CACHE_US     1000000u

/* Handler for a new (not retried) command: fill resp (status, body) and
 * return.  Called with the decoded command. */
typedef void (*pb_dev_cmd_fn)(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us);

/* One remembered answer: the RESPONSE payload (status, req_type, body). */
struct pb_dev_cache_entry {
	uint8_t  used, txn, req_type, len;
	uint32_t at_ms;               /* when the command ran (wraps) */
	uint8_t  payload[PB_DEV_CACHE_PAYLOAD];
};

typedef struct pb_device {
	pb_decoder dec;
	uint16_t seq_tx;
	int32_t  last_seq_rx;         /* -1 before the first host frame */
	uint64_t last_host_us;        /* last valid HEARTBEAT or command */
	bool     host_seen;           /* one has arrived: watchdog armed */
	bool     host_lost;           /* pb_device_watchdog() fired; cleared
	                                 by the next valid host message */
	/* counters since init, wrapping at 2^32 as DEVICE_STATS reports
	 * them; the message-layer ones (heartbeats .. ignored) add one per
	 * frame the decoder delivers, the frame layer's are in dec.st */
	uint32_t frames_lost_rx;      /* host->device seq gaps */
	uint32_t heartbeats;          /* valid host heartbeats */
	uint32_t commands;            /* valid commands handed to the handler */
	uint32_t dup_commands;        /* retried commands answered from cache */
	uint32_t unknown_type;        /* frames of a type the device lacks */
	uint32_t bad_header;          /* commands without ACK_REQ or with txn 0 */
	uint32_t bad_payload;         /* HEARTBEAT or command payloads that
	                                 failed decode (or a host heartbeat
	                                 carrying a run state or alarms) */
	uint32_t ignored;             /* frames not for a device: RESPONSE
	                                 flag set, or a device->host type */
	uint32_t host_lost_count;     /* watchdog expiries */
	uint32_t out_dropped;         /* frames dropped: output full */
	struct pb_dev_cache_entry cache[PB_DEV_TXN_CACHE];
	/* queued wire bytes are out[out_head .. out_len) */
	uint8_t  out[PB_DEV_OUT_CAP];
	size_t   out_head, out_len;
	pb_dev_cmd_fn handler;
	void    *ctx;
	uint64_t now_us;              /* time of the current rx call */
} pb_device;

void pb_device_init(pb_device *d, pb_dev_cmd_fn handler, void *ctx);
/* Feed bytes received from the host at time now_us. */
void pb_device_rx(pb_device *d, const uint8_t *bytes, size_t n,
    uint64_t now_us);

/* Queue an unsolicited message (telemetry, event, heartbeat, log): body is
 * the struct of its type, as for pb_body_encode().  The frame is built in
 * the queue.  Returns 0, or -1 when the body is invalid or the frame did
 * not fit (counted in out_dropped; its seq is used all the same, so the
 * host sees the loss). */
int  pb_device_send_body(pb_device *d, uint8_t type, const void *body);
/* The same for a struct pb_msg (m->type and m->u). */
int  pb_device_send(pb_device *d, const struct pb_msg *m);
/* A LOG line from its parts (printable ASCII, at most PB_LOG_MAX). */
int  pb_device_send_log(pb_device *d, uint8_t level, const char *text,
    size_t len);

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
/* Zero-copy draining for a UART driver: the queued bytes start at the
 * returned pointer (*n of them, 0 when empty); after sending k of them,
 * pb_device_consume(d, k). */
const uint8_t *pb_device_peek(const pb_device *d, size_t *n);
void   pb_device_consume(pb_device *d, size_t k);
/* Bytes queued. */
size_t pb_device_pending(const pb_device *d);
/* Lose every queued byte (power off: the queue is volatile). */
void   pb_device_drop_output(pb_device *d);

/* The counters a DEVICE_STATS answer carries; a handler answers
 * DEVICE_STATS with them (body kind PB_BODY_STATS). */
void pb_device_stats(const pb_device *d, struct pb_device_stats *out);
/* Forget every remembered response, so a retried command runs again (the
 * emulator's "no-txn-dedup" defect switch; a device never calls it). */
void pb_device_forget_txns(pb_device *d);

#endif
