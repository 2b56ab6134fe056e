/*
 * tools/pumpsim/alarms.h - the firmware's detectors and alarm bookkeeping.
 *
 * Promise: pure functions on a struct pb_fw, called once per control tick
 * after sampling.  Each detector reads the sampled state, judges one
 * failure against the profile's thresholds, and raises, clears or latches
 * its alarm bit with an EVENT; a latched alarm puts the pump in the safe
 * state.  Each is disabled by its defect switch (docs/pumpsim.md,
 * "Firmware behaviour").
 */
#ifndef PB_PUMPSIM_ALARMS_H
#define PB_PUMPSIM_ALARMS_H

#include <stdbool.h>
#include <stdint.h>
#include "tools/pumpsim/firmware.h"

/* Bookkeeping: raise/clear a bit with its EVENT (value in the units of
 * which the event carries tenths: mmHg, volts*100, mA/10, ms/10); latch
 * = raise + needs clear-fault + safe state (OFF for the cut-off, FAULT
 * otherwise). */
void pb_fw_raise(struct pb_fw *fw, uint16_t bit, int ch, double value);
void pb_fw_clear(struct pb_fw *fw, uint16_t bit);
void pb_fw_latch(struct pb_fw *fw, uint16_t bit, int ch, double value);
/* True once cond has held continuously for ms; *since keeps now+1 while
 * it holds, 0 when not. */
bool pb_fw_held(uint64_t *since, bool cond, uint64_t now, double ms);

/* Detectors, each tick. */
void pb_fw_check_heartbeat(struct pb_fw *fw);
void pb_fw_check_sensors(struct pb_fw *fw);      /* open, short, stuck */
void pb_fw_check_overpressure(struct pb_fw *fw);
void pb_fw_check_stuck_valve(struct pb_fw *fw);
void pb_fw_check_motor(struct pb_fw *fw);        /* stall, open circuit */
void pb_fw_check_battery(struct pb_fw *fw);      /* low, cut-off */
void pb_fw_check_backflow(struct pb_fw *fw);     /* milk at the port */
/* Host silent: alarm, and the safe state if pumping. */
void pb_fw_heartbeat_lost(struct pb_fw *fw);
/* Called by the regulator: leak at the end of a cycle's hold, occlusion
 * during the pull (v = highest reading; end = target reached) and the
 * hold. */
void pb_fw_judge_leak(struct pb_fw *fw);
void pb_fw_check_occlusion_pull(struct pb_fw *fw, double v, bool end);
void pb_fw_check_occlusion_hold(struct pb_fw *fw, double v);

#endif
