/*
 * hil/fixture-ftdi.h - the `ftdi` fixture backend (libftdi1, FT232H).
 *
 * Promise: opens the FT232H by USB serial (never by index), resets it,
 * sets the latency timer, enters MPSSE, flushes, syncs with the bad-opcode
 * echo (AA -> FA AA) and initialises SPI mode 0 and the GPIO shadow; then
 * drives the MCP4922/MCP3202 and GPIO exactly as hil/mpsse.c encodes.
 * Every USB read loops against a deadline (ftdi_read_data() returning 0
 * means "nothing yet").  Teardown is always safe: injection relays off,
 * DAC at safe_volts, GPIO to inputs, bitmode reset, even after an error or
 * a signal.  The DUT link is the rig's dut_port via pb_link_open().
 */
#ifndef PB_HIL_FIXTURE_FTDI_H
#define PB_HIL_FIXTURE_FTDI_H

#include <stddef.h>
#include "hil/fixture.h"

#define PB_FTDI_VID 0x0403
#define PB_FTDI_PID_FT232H 0x6014

int pb_fixture_ftdi_open(const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen);

/* Attached FT232H devices (see pb_fixture_list in hil/fixture.h). */
int pb_fixture_ftdi_list(struct pb_fixture_info *out, int max, char *err,
    size_t errlen);

#endif
