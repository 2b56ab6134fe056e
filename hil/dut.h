/*
 * hil/dut.h - the device under test as the HIL runner and scenarios see
 * it: the host protocol client (proto/client.h) over the fixture's DUT
 * link, driven by the fixture's clock.
 *
 * Promise: one place turns the non-blocking client into the blocking,
 * rig-time steps a scenario wants.  pb_dut_advance() moves the fixture to
 * a time in chunks (PB_DUT_CHUNK_US, shorter near client deadlines) and
 * services the client after each chunk with pb_fixture_now(), so on the
 * `sim` rig heartbeats, telemetry and command retries happen in lock-step
 * virtual time and on `ftdi` in wall time.  Commands block until their
 * response or the step timeout (rig time).  The latest telemetry,
 * heartbeat, device info, events and device log lines are kept for
 * pump.status() and the report.  No clock is read here except through
 * the fixture.
 *
 * Errors: PB_DUT_E_*; pb_dut_errmsg() has the detail (fixture message,
 * client status, device status name).
 */
#ifndef PB_HIL_DUT_H
#define PB_HIL_DUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hil/fixture.h"
#include "proto/client.h"
#include "proto/msg.h"

#define PB_DUT_CHUNK_US      10000u   /* longest advance between services */
#define PB_DUT_CMD_CHUNK_US   1000u   /* while a command is in flight */

enum pb_dut_err {
	PB_DUT_OK = 0,
	PB_DUT_E_FIXTURE = -1,     /* the fixture failed (unplugged, I/O) */
	PB_DUT_E_INTERRUPTED = -2, /* SIGINT/SIGTERM */
	PB_DUT_E_TIMEOUT = -3,     /* no answer within the step timeout */
	PB_DUT_E_LINK = -4,        /* DUT link gone / client error */
	PB_DUT_E_STATUS = -5,      /* device answered with a non-OK status */
	PB_DUT_E_MEM = -6,
	PB_DUT_E_ARG = -7,
	PB_DUT_E_REFUSED = -8      /* the host's client refused to send it
	                              (value out of range, safety limit) */
};

struct pb_dut_event {
	double t_s;                /* rig seconds since pb_dut_mark_start()
	                              when it happened on the device (its
	                              device_ms through the device clock,
	                              proto/devclock.h), not when it arrived */
	struct pb_event ev;
};

struct pb_dut;

/* Take the fixture's DUT link and build a client on it. */
int pb_dut_new(struct pb_fixture *f, struct pb_dut **out, char *err,
    size_t errlen);
void pb_dut_free(struct pb_dut *d);

struct pb_fixture *pb_dut_fixture(struct pb_dut *d);
struct pb_client *pb_dut_client(struct pb_dut *d);

/* Rig time now (fixture clock) and seconds since the start mark. */
uint64_t pb_dut_now(struct pb_dut *d);
void pb_dut_mark_start(struct pb_dut *d);
double pb_dut_seconds(struct pb_dut *d);

/* Step timeout in rig seconds for commands and waits that have no
 * duration of their own (default 10 s). */
void pb_dut_set_step_timeout(struct pb_dut *d, double seconds);
double pb_dut_step_timeout(const struct pb_dut *d);

/* Advance to until_us (no-op if already there), servicing the client. */
int pb_dut_advance(struct pb_dut *d, uint64_t until_us);

/* While silent the host neither reads nor writes the link (no
 * heartbeats): used to test the firmware's lost-heartbeat safety. */
/* Rig time (the fixture's clock) at which the host last sent a frame
 * (a heartbeat or a command); false before the first.  A scenario times
 * the pump's host watchdog from it. */
bool pb_dut_last_tx(const struct pb_dut *d, uint64_t *at_us);
void pb_dut_set_silent(struct pb_dut *d, bool silent);

/* Deaf until rig time until_us: every byte from the DUT is read and
 * thrown away (responses, telemetry), while the host still sends and
 * its timers run, so lost responses make the client retry. */
void pb_dut_set_deaf_until(struct pb_dut *d, uint64_t until_us);

/* Send a command and wait (rig time) for its response.  m->type and m->u
 * are used.  Returns PB_DUT_OK, PB_DUT_E_STATUS (resp->status has the
 * device's status) or another error.  resp may be NULL. */
int pb_dut_command(struct pb_dut *d, const struct pb_msg *m,
    struct pb_response *resp);

/* HELLO; on success the info is kept (pb_dut_info). */
int pb_dut_hello(struct pb_dut *d);
/* HELLO repeatedly (every 0.5 s rig time) until it succeeds or timeout_s
 * passes: after power-on the firmware needs time to boot. */
int pb_dut_hello_until(struct pb_dut *d, double timeout_s);
const struct pb_device_info *pb_dut_info(const struct pb_dut *d);

/* Power-cycle the DUT: relay off for off_s, on, then HELLO until it
 * answers (boot_timeout_s).  Events and telemetry seen so far are
 * dropped: a clean state for the next scenario. */
int pb_dut_power_cycle(struct pb_dut *d, double off_s, double boot_timeout_s);

/* Latest telemetry (NULL before the first batch) and its rig time. */
const struct pb_telemetry *pb_dut_telemetry(const struct pb_dut *d,
    double *t_s);
/* Latest heartbeat from the device (NULL before the first). */
const struct pb_heartbeat *pb_dut_heartbeat(const struct pb_dut *d);
bool pb_dut_link_up(const struct pb_dut *d);

/* Events since the start mark, oldest first (pointer valid until the
 * next advance).  At most PB_DUT_MAX_EVENTS are kept; a note in the log
 * says when more came. */
#define PB_DUT_MAX_EVENTS 100000u
const struct pb_dut_event *pb_dut_events(const struct pb_dut *d, size_t *n);
/* Device LOG lines and link notes not yet taken: returns a NUL-terminated
 * buffer (or NULL when empty) that the caller must free(). */
char *pb_dut_take_log(struct pb_dut *d);

const char *pb_dut_errmsg(const struct pb_dut *d);
const char *pb_dut_strerror(int err);

#endif
