/*
 * hil/fixture-sim.h - the `sim` fixture backend.
 *
 * Promise: behaves like the `ftdi` backend on a real bench, but in-process
 * and in lock-step virtual time.  Every fixture call is turned into the
 * same MPSSE byte stream the ftdi backend sends (hil/mpsse.c), and that
 * stream is executed by the MPSSE interpreter (hil/mpsse-interp.c) whose
 * emulated MCP4922 outputs and GPIO lines drive the emulator's pins
 * (inject relay + volts per channel, DUT power) and whose MCP3202 and GPIO
 * inputs read the emulator's reference vacuum (through the rig's reference
 * transfer function) and motor/valve/alarm lines.  The DUT protocol link
 * is a pb_link_mem_pair() whose far end is pumped into the same emulator
 * on every advance.  Emulator faults and defect switches are available.
 *
 * This backend is the only part of hil/ that knows the emulator
 * (tools/pumpsim/): what the rest may ask of the simulated pump itself
 * goes through the functions below, in hil's own terms.
 */
#ifndef PB_HIL_FIXTURE_SIM_H
#define PB_HIL_FIXTURE_SIM_H

#include <stddef.h>
#include <stdint.h>
#include "hil/fixture.h"

struct pb_mpsse_interp;
struct pb_emu;

int pb_fixture_sim_open(const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen);

/* The interpreter behind a sim fixture (tests); NULL for other backends.
 * Its device 0 is the MCP4922, device 1 the MCP3202. */
const struct pb_mpsse_interp *pb_fixture_sim_interp(
    const struct pb_fixture *f);

/* The emulator behind a sim fixture (tests and tools that drive the pump
 * model directly); NULL for other backends. */
struct pb_emu *pb_fixture_sim_emulator(struct pb_fixture *f);

/* The pump model's own view, which no real bench can give: the true
 * vacuum (not the sensor's reading), what the firmware measures, the
 * battery.  PB_FIX_E_NOT_SUPPORTED (and a zeroed *st) on other rigs. */
struct pb_sim_status {
	uint8_t  run_state;                 /* enum pb_run_state */
	double   target_mmhg;
	double   vacuum_mmhg[PB_MAX_CH];    /* true vacuum in the cup */
	double   measured_mmhg[PB_MAX_CH];  /* the firmware's calibrated reading */
	double   battery_v;
	double   motor_duty;                /* 0..1 */
	double   session_s;
	uint64_t cycles;
};
int pb_fixture_sim_status(struct pb_fixture *f, struct pb_sim_status *st);

/* A defect switch of the simulated firmware by name ("no-leak-detect"),
 * as a mask for pb_fixture_opts.defects.  PB_FIX_OK or PB_FIX_E_ARG. */
int pb_fixture_sim_defect(const char *name, unsigned *mask);

#endif
