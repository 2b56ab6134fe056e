/*
 * hil/rigbus.h - fixture operations as MPSSE transactions.
 *
 * Promise: pure (the only I/O is the xfer callback the backend gives).
 * This is the one place that decides which bytes a fixture operation
 * sends, so the `ftdi` backend and the `sim` backend send the very same
 * stream: each operation builds its commands with hil/mpsse.c, calls
 * xfer(out, n, in, expect) once per transaction and decodes the reply.
 *
 *  begin : sync (AA 87 -> FA AA, then AB 87 -> FA AB), SPI init at the
 *          rig's clock (never faster), ACBUS directions, every relay
 *          and the DUT power off, both DAC outputs to safe_volts, then a
 *          read-back of both GPIO bytes that must match what was driven.
 *  set_inject : enable = DAC word first, then the relay; disable = relay
 *          off first, then the DAC to safe_volts.
 *  read_reference : one MCP3202 conversion (01 A0|E0 00 via 0x31), 87.
 *  read_outputs : 81 83 87, mapped through the pin polarities.
 *  safe  : relays off, DAC outputs to safe_volts, all GPIO inputs; each
 *          step is its own transaction and is tried even if one fails.
 * Errors are PB_FIX_E_* codes (hil/fixture.h) with a message in msg.
 */
#ifndef PB_HIL_RIGBUS_H
#define PB_HIL_RIGBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hil/mpsse.h"
#include "hil/rig.h"

/* Send n bytes, then collect exactly nin reply bytes (nin may be 0).
 * Returns PB_FIX_OK or PB_FIX_E_*; may write a message to msg. */
typedef int (*pb_rigbus_xfer_fn)(void *ctx, const uint8_t *out, size_t n,
    uint8_t *in, size_t nin, char *msg, size_t msglen);

struct pb_rigbus {
	const struct pb_rig *rig;
	pb_rigbus_xfer_fn xfer;
	void *ctx;
	struct pb_mpsse m;
	uint16_t div;
	uint16_t dac_word[2];     /* last word sent per DAC output */
	bool    ready;            /* begin() succeeded, not safed since */
	char    msg[256];
};

void pb_rigbus_init(struct pb_rigbus *b, const struct pb_rig *rig,
    pb_rigbus_xfer_fn xfer, void *ctx);

/* GPIO bytes of the idle state (relays and power off, CS high). */
void pb_rigbus_idle_pins(const struct pb_rig *rig, uint8_t *lo_val,
    uint8_t *lo_dir, uint8_t *hi_val, uint8_t *hi_dir);

int pb_rigbus_sync(struct pb_rigbus *b);
int pb_rigbus_begin(struct pb_rigbus *b);
int pb_rigbus_set_inject(struct pb_rigbus *b, int ch, bool enable,
    double volts);
int pb_rigbus_read_reference(struct pb_rigbus *b, int ch, double *volts);
int pb_rigbus_read_outputs(struct pb_rigbus *b, uint32_t *bits);
int pb_rigbus_set_power(struct pb_rigbus *b, bool on);
int pb_rigbus_safe(struct pb_rigbus *b);

#endif
