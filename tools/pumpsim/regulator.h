/*
 * tools/pumpsim/regulator.h - the firmware's vacuum regulation.
 *
 * Promise: pure functions on a struct pb_fw, called once per control tick
 * after the detectors.  pb_fw_run_cycle() runs a session: cycles of
 * pull, hold, release and rest at the mode's rate for the level, mixed
 * mode, the stimulation -> expression switch and the auto-off; the pull
 * is cut off below the target by the predicted coast of the motor and a
 * learned offset, so the plateau lands on the target.
 * pb_fw_run_cal_hold() holds a calibration vacuum.  Both write the
 * firmware's outputs (docs/pumpsim.md, "Firmware behaviour").
 */
#ifndef PB_PUMPSIM_REGULATOR_H
#define PB_PUMPSIM_REGULATOR_H

#include "tools/pumpsim/firmware.h"

void pb_fw_run_cycle(struct pb_fw *fw);
void pb_fw_run_cal_hold(struct pb_fw *fw);
/* The firmware's model of its motor speed (duty x supply, first order
 * with the motor's time constant), updated every tick. */
void pb_fw_update_speed_est(struct pb_fw *fw);

#endif
