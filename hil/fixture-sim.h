/*
 * hil/fixture-sim.h - the `sim` fixture backend.
 *
 * Promise: behaves like the `ftdi` backend on a real bench, but in-process
 * and in lock-step virtual time.  Every fixture call is turned into the
 * same MPSSE byte stream the ftdi backend sends (hil/mpsse.c), and that
 * stream is executed by the MPSSE interpreter (hil/mpsse_interp.c) whose
 * emulated MCP4922 outputs and GPIO lines drive the emulator's pins
 * (inject relay + volts per channel, DUT power) and whose MCP3202 and GPIO
 * inputs read the emulator's reference vacuum (through the rig's reference
 * transfer function) and motor/valve/alarm lines.  The DUT protocol link
 * is a pb_link_mem_pair() whose far end is pumped into the same emulator
 * on every advance.  Emulator faults and defect switches are available.
 */
#ifndef PB_HIL_FIXTURE_SIM_H
#define PB_HIL_FIXTURE_SIM_H

#include <stddef.h>
#include "hil/fixture.h"

struct pb_mpsse_interp;

int pb_fixture_sim_open(const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen);

/* The interpreter behind a sim fixture (tests); NULL for other backends.
 * Its device 0 is the MCP4922, device 1 the MCP3202. */
const struct pb_mpsse_interp *pb_fixture_sim_interp(
    const struct pb_fixture *f);

#endif
