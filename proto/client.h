/*
 * proto/client.h - the host side of the pump protocol.
 *
 * Promise: non-blocking, single-threaded, driven by poll() on one fd.
 * The caller polls pb_client_fd() for POLLIN (and POLLOUT when
 * pb_client_wants_write()), then calls pb_client_service(c, now_us) with
 * the current monotonic time; the client never reads a clock itself, so a
 * test can drive it in virtual time.  It sends heartbeats at 4 Hz, sends
 * commands with a txn id, times each out after 200 ms and retries it up
 * to 3 times with the retry flag, declares the link lost after 1 s with no
 * valid frame, and delivers telemetry in order with exact loss counts
 * (samples from the sample index, frames from seq).  Every failure has a
 * status code and a message (pb_client_last_error).  When the link
 * reports the device gone, commands in flight fail with PB_CLIENT_E_LINK and
 * the client reopens the link by path at most once a second; after a
 * reconnect it forgets the device info and sends HELLO itself (its
 * completion comes through the done callback like any command's).
 *
 * Safety: pb_client refuses (PB_CLIENT_E_LIMIT) a CAL_HOLD above the
 * device's software maximum learned from HELLO, so the host never
 * commands a vacuum beyond the profile's limit.
 */
#ifndef PB_PROTO_CLIENT_H
#define PB_PROTO_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/frame.h"
#include "proto/link.h"
#include "proto/msg.h"

#define PB_CMD_TIMEOUT_US   200000u  /* per attempt */
#define PB_CMD_RETRIES      3        /* retries after the first attempt */
#define PB_HEARTBEAT_US     250000u  /* 4 Hz */
#define PB_LINK_LOST_US     1000000u /* no valid frame for 1 s */
#define PB_MAX_INFLIGHT     8
/* At most PB_CMD_RATE_MAX new commands in any PB_CMD_RATE_US (16/s);
 * beyond, pb_client_send() says PB_CLIENT_E_BUSY.  This bounds how many
 * commands the device runs while one is still being retried, so its
 * response cache (PB_DEV_TXN_CACHE) never forgets a live command. */
#define PB_CMD_RATE_MAX     8
#define PB_CMD_RATE_US      500000u

enum pb_client_err {
	PB_CLIENT_OK = 0,
	PB_CLIENT_E_TIMEOUT = -1,  /* no response after all retries */
	PB_CLIENT_E_STATUS = -2,   /* device answered with a non-OK status */
	PB_CLIENT_E_BUSY = -3,     /* too many commands in flight, or sent in
	                              the last PB_CMD_RATE_US: try again later */
	PB_CLIENT_E_LINK = -4,     /* link error / gone */
	PB_CLIENT_E_ARG = -5,
	PB_CLIENT_E_LIMIT = -6,    /* refused by the host's safety limit */
	PB_CLIENT_E_ENCODE = -7
};

/* Link health as the dashboard shows it. */
struct pb_client_stats {
	struct pb_rx_stats rx;      /* decoder counters */
	uint64_t frames_tx;
	uint64_t frames_lost;       /* from seq gaps */
	uint64_t samples_rx;
	uint64_t samples_lost;      /* from sample-index gaps */
	uint64_t unknown_type;      /* valid frames of unknown type */
	uint64_t bad_payload;       /* valid frames whose payload failed decode */
	uint64_t cmds_sent, cmds_ok, cmds_failed, retries, timeouts;
	uint32_t last_rtt_us;       /* round trip of the last command */
	uint32_t reconnects;
	bool     link_up;           /* a valid frame within the last 1 s */
	uint64_t late_responses;    /* responses matching no command in
	                               flight (after its timeout, or a second
	                               answer to a retried command) */
};

struct pb_client;

/* Callbacks; any may be NULL. lost_samples is the number of samples per
 * channel missing immediately before this batch (0 normally). */
struct pb_client_cb {
	void *ctx;
	void (*telemetry)(void *ctx, const struct pb_telemetry *t,
	    uint32_t lost_samples);
	void (*event)(void *ctx, const struct pb_event *e);
	void (*log)(void *ctx, const struct pb_log *l);
	void (*heartbeat)(void *ctx, const struct pb_heartbeat *hb);
	/* a command finished: status PB_CLIENT_OK or PB_CLIENT_E_*; resp is the
	 * device's response (NULL on timeout/link error). */
	void (*done)(void *ctx, uint8_t txn, int status,
	    const struct pb_response *resp);
	/* link state changed: up=false after 1 s of silence or link gone. */
	void (*link)(void *ctx, bool up, const char *why);
};

/* Takes ownership of link. */
struct pb_client *pb_client_new(struct pb_link *link,
    const struct pb_client_cb *cb);
void pb_client_free(struct pb_client *c);

int  pb_client_fd(const struct pb_client *c);
bool pb_client_wants_write(const struct pb_client *c);
/* Read what is available, write what is queued, run timers. Returns
 * PB_CLIENT_OK, or PB_CLIENT_E_LINK when the link is gone (the client then
 * tries pb_link_reopen() at most once a second on later calls). */
int  pb_client_service(struct pb_client *c, uint64_t now_us);
/* Earliest time service must be called again even without I/O. */
uint64_t pb_client_next_deadline(const struct pb_client *c);

/* Queue a command. m->type and m->u are used; flags/seq/txn are filled
 * in. Returns the txn id (1..255) or a negative PB_CLIENT_E_*. */
int pb_client_send(struct pb_client *c, const struct pb_msg *m,
    uint64_t now_us);

/* Shorthands built on pb_client_send. */
int pb_client_hello(struct pb_client *c, uint64_t now_us);
int pb_client_start(struct pb_client *c, uint64_t now_us);
int pb_client_stop(struct pb_client *c, uint64_t now_us);
int pb_client_set_mode(struct pb_client *c, uint8_t mode, uint64_t now_us);
int pb_client_set_level(struct pb_client *c, uint8_t level, uint64_t now_us);
int pb_client_set_channels(struct pb_client *c, uint8_t mask, uint64_t now_us);
int pb_client_cal_hold(struct pb_client *c, uint8_t mask, int16_t target,
    uint64_t now_us);
int pb_client_set_rate(struct pb_client *c, uint16_t rate_hz, uint64_t now_us);
int pb_client_clear_fault(struct pb_client *c, uint64_t now_us);
int pb_client_read_info(struct pb_client *c, uint64_t now_us);
int pb_client_read_cal(struct pb_client *c, uint8_t channel, uint64_t now_us);
int pb_client_inject(struct pb_client *c, uint8_t fault, uint8_t channel,
    int32_t value, uint64_t now_us);
/* DEVICE_STATS: ask for the device's counters (protocol.md 5.15); the
 * answer is kept for pb_client_device_stats().  A device older than the
 * command answers UNKNOWN_CMD (PB_CLIENT_E_STATUS). */
int pb_client_read_stats(struct pb_client *c, uint64_t now_us);

/* Message of the client's last failure (a refused or failed command, a
 * lost link, a failed reconnect), "" when none; never NULL. */
const char *pb_client_last_error(const struct pb_client *c);

/* Device info from the last successful HELLO (NULL before). */
const struct pb_device_info *pb_client_info(const struct pb_client *c);
/* The device's counters from the last successful DEVICE_STATS (NULL
 * before one, and after a reconnect until the next). */
const struct pb_device_stats *pb_client_device_stats(
    const struct pb_client *c);
const struct pb_client_stats *pb_client_stats(const struct pb_client *c);
struct pb_link *pb_client_link(struct pb_client *c);
const char *pb_client_strerror(int err);

/* Blocking helper for simple tools and tests: service the client with a
 * real clock until txn completes or deadline; returns its status and
 * copies the response. Uses poll(); not for the dashboard main loop.
 * Commands waited on must have been sent with pb_client_clock_us() as
 * their time. */
int pb_client_wait(struct pb_client *c, int txn, struct pb_response *resp,
    uint32_t timeout_ms);
/* The clock pb_client_wait() uses: CLOCK_MONOTONIC in microseconds. */
uint64_t pb_client_clock_us(void);

#endif
