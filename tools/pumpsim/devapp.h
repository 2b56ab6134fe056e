/*
 * tools/pumpsim/devapp.h - the pump's firmware program: the device side of
 * the protocol wired to the controller, alarms and safety (firmware.h),
 * the record store (eeprom.h) and factory access (factory.h).
 *
 * Promise: one source of truth for the pump's behaviour on the wire.  The
 * emulator (emulator.c) and the reference firmware on a microcontroller
 * (firmware/port/mps2-an385/) run this same file; everything
 * board-specific is behind the port interface (hal.h).  No malloc, no
 * stdio, no clock of its own: every call takes the time (now_us, a
 * monotonic microsecond clock) and the struct is the whole state, so a
 * port allocates it statically.
 *
 * What it does, per call:
 *   pb_devapp_boot      power-on: the firmware starts vented and idle, the
 *                       record store is scanned (a factory-fresh part gets
 *                       the datasheet calibration and its serial), the
 *                       boot counter counts, BOOT and the active alarms
 *                       are reported.
 *   pb_devapp_control   one control step: sense, pb_fw_step, drive.
 *   pb_devapp_service   after the pump has moved: firmware events become
 *                       EVENT frames, the host watchdog is checked,
 *                       telemetry is sampled at the advertised rate and
 *                       sent in batches (full, or 25 ms old), a HEARTBEAT
 *                       goes out every 250 ms.
 *   pb_devapp_rx        bytes from the host: commands run (docs/protocol.md
 *                       section 5), a valid frame feeds the watchdog.
 *   pb_devapp_tx        bytes for the host.
 * A power cut inside a record write (eeprom.h) is a brown-out reset: the
 * command stays unanswered and the device boots again.
 */
#ifndef PB_PUMPSIM_DEVAPP_H
#define PB_PUMPSIM_DEVAPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/device.h"
#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/eeprom.h"
#include "tools/pumpsim/factory.h"
#include "tools/pumpsim/firmware.h"
#include "tools/pumpsim/hal.h"

struct pb_devapp_opts {
	unsigned defects;             /* enum pb_defect mask */
	bool     allow_inject;        /* accept PB_T_INJECT (hal.inject) */
	const char *serial;           /* serial number for a fresh record */
	const char *name;             /* in the boot LOG line; NULL "pumpsim" */
};

struct pb_devapp {
	struct pb_profile prof;
	unsigned defects;
	bool     allow_inject;
	const char *name;
	char     fresh_serial[PB_STR_LEN + 1];
	struct pb_hal hal;

	struct pb_fw    fw;
	struct pb_fw_outputs fw_out;
	struct pb_eeprom ee;
	struct pb_factory fac;
	pb_device dev;

	bool     powered;
	uint64_t now_us;           /* time of the call being served */
	uint64_t boot_us;          /* device uptime origin */
	uint32_t boot_count;
	bool     host_lost;        /* watchdog already reported */
	bool     dead;             /* supply failed inside a command: reboot
	                              once the rx call returns */
	bool     host_fed;         /* the firmware has heard of a host */
	uint64_t last_host_us;     /* last host message passed to firmware */

	/* telemetry */
	uint16_t rate_hz;
	unsigned batch_n;          /* samples per channel per frame */
	uint32_t sample_idx;       /* index of the next sample */
	uint32_t rate_base_idx;    /* sample index at the last rate change */
	uint64_t rate_base_us;
	uint64_t next_sample_us;
	struct pb_telemetry tel;   /* batch being filled (tel.n samples) */
	uint64_t batch_first_us;
	uint64_t next_hb_us;
};

/* Set up, powered off: an erased record store (load or attach it through
 * pb_devapp_eeprom() before booting), factory access without a key.  The
 * profile is copied.  A serial that is not 1..16 printable characters
 * without spaces gives -1; then nothing is usable. */
int  pb_devapp_init(struct pb_devapp *a, const struct pb_profile *p,
    const struct pb_devapp_opts *o, const struct pb_hal *hal,
    uint64_t now_us);
struct pb_eeprom *pb_devapp_eeprom(struct pb_devapp *a);
/* Install the station key (16..64 bytes); 0 or -1. */
int  pb_devapp_set_factory_key(struct pb_devapp *a, const uint8_t *key,
    size_t n);

void pb_devapp_boot(struct pb_devapp *a, uint64_t now_us);
/* Power off: volatile state is lost (queued bytes, the batch, factory
 * session); outputs vented. */
void pb_devapp_power_off(struct pb_devapp *a);
bool pb_devapp_powered(const struct pb_devapp *a);

void pb_devapp_control(struct pb_devapp *a, uint64_t now_us);
void pb_devapp_service(struct pb_devapp *a, uint64_t now_us);
/* Run timers that need no pump step (factory session timeout). */
void pb_devapp_tick(struct pb_devapp *a, uint64_t now_us);

void   pb_devapp_rx(struct pb_devapp *a, const uint8_t *bytes, size_t n,
    uint64_t now_us);
size_t pb_devapp_tx(struct pb_devapp *a, uint8_t *buf, size_t cap);
/* Zero-copy form of pb_devapp_tx (proto/device.h's peek and consume). */
const uint8_t *pb_devapp_peek(const struct pb_devapp *a, size_t *n);
void   pb_devapp_consume(struct pb_devapp *a, size_t n);

/* A LOG frame (level 0 error, 1 warning, 2 info) while powered; text with
 * several lines becomes several frames. */
void pb_devapp_log(struct pb_devapp *a, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pb_devapp_log_lines(struct pb_devapp *a, int level, const char *text);

/* Read-only views. */
const struct pb_fw *pb_devapp_fw(const struct pb_devapp *a);
/* The factory line: store a whole calibration as WRITE_CAL_ALL does after
 * a factory unlock (the same checks, one EEPROM commit, then the firmware
 * uses it); a PB_ST_* status. */
uint8_t pb_devapp_factory_store_cal(struct pb_devapp *a,
    const struct pb_cal_set *set);
const struct pb_fw_outputs *pb_devapp_outputs(const struct pb_devapp *a);

#endif
