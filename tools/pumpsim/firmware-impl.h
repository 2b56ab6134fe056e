/*
 * tools/pumpsim/firmware-impl.h - the insides the firmware module's three
 * files share (firmware.c: state, sampling, commands; alarms.c:
 * detectors; regulator.c: the pump cycle).  Not for other modules.
 *
 * Promise: the firmware's design constants (choices of this firmware, not
 * pump-model numbers, which live in the profile) and the helpers the
 * three files call on one struct pb_fw.
 */
#ifndef PB_PUMPSIM_FIRMWARE_IMPL_H
#define PB_PUMPSIM_FIRMWARE_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include "tools/pumpsim/firmware.h"

#define MOTOR_CHECK_DUTY   0.30   /* motor checks need at least this duty */
#define STUCK_CHECK_DUTY   0.50   /* sensor-stuck check needs this duty */
#define STUCK_COUNTS       1      /* "no change": within +/- this */
#define STUCK_DROP_SHARE   0.5    /* vented: fell by this share of the
                                     excess over stuck_mmhg */
#define RATE_WINDOW        8      /* ticks in the pull-rate window */
#define BACKFLOW_FALL      0.9    /* backflow: a release that has begun
                                     (below this share of its start)... */
#define BACKFLOW_HALF      0.5    /* ...but not yet at this share after
                                     backflow_half_ms is slow */
#define BACKFLOW_CONFIRM   1      /* slow releases in a row = backflow (a
                                     healthy release halves in half of
                                     backflow_half_ms: one is enough) */
#define OCCL_CONFIRM_TICKS 5      /* occlusion signs must last this long
                                     (a faster overpressure trip wins) */
#define CAL_HOLD_HYST_MMHG 1.0    /* calibration hold: top up below */
#define CAL_BLEED_MMHG     4.0    /* calibration hold: bleed down above */
#define HOLD_SETTLE_TAUS   3.0    /* motor time constants before the hold
                                     plateau is read */
#define LEARN_GAIN         0.5    /* cut-off learning: share of the error */
#define LEARN_MAX_MMHG     20.0   /* cut-off offset bounds */
#define ATM_MMHG           760.0  /* standard atmosphere */

/* firmware.c */
void     pb_fw_push(struct pb_fw *fw, uint8_t kind, uint8_t code,
    uint8_t ch, int32_t value);               /* queue an event */
void     pb_fw_set_state(struct pb_fw *fw, uint8_t st); /* + EVENT */
void     pb_fw_vent_outputs(struct pb_fw *fw); /* motor off, valves open */
void     pb_fw_safe_state(struct pb_fw *fw, uint8_t st); /* + session end */
bool     pb_fw_defect(const struct pb_fw *fw, unsigned d);
bool     pb_fw_reading_valid(const struct pb_fw *fw, int ch);
bool     pb_fw_mask_max(const struct pb_fw *fw, unsigned mask, double *out);
unsigned pb_fw_active_mask(const struct pb_fw *fw);
bool     pb_fw_vent_expected(const struct pb_fw *fw, int ch);

#endif
