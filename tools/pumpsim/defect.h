/*
 * tools/pumpsim/defect.h - the defect switches and their names.
 *
 * Promise: pure; the one home of enum pb_defect (the firmware's switches)
 * and of their names: a fixed table mapping each bit to a kebab-case name
 * ("no-overpressure-trip").  pb_defect_parse_list() adds comma-separated
 * names to a mask.  Includes nothing of the emulator, so a user of the
 * names (pumpsim's options, the HIL sim fixture) needs no more.
 */
#ifndef PB_PUMPSIM_DEFECT_H
#define PB_PUMPSIM_DEFECT_H

#include <stddef.h>

/* Defect switches: each disables exactly one safety behaviour, so a test
 * suite can prove it notices.  Bit mask. */
enum pb_defect {
	PB_DEF_NO_OVERPRESSURE_TRIP = 1u << 0,
	PB_DEF_NO_STUCK_DETECT      = 1u << 1,
	PB_DEF_NO_LEAK_DETECT       = 1u << 2,
	PB_DEF_NO_OCCLUSION_DETECT  = 1u << 3,
	PB_DEF_NO_STALL_DETECT      = 1u << 4,
	PB_DEF_NO_SENSOR_CHECK      = 1u << 5,
	PB_DEF_NO_BATTERY_CUTOFF    = 1u << 6,
	PB_DEF_NO_HEARTBEAT_SAFE    = 1u << 7,
	PB_DEF_NO_AUTO_OFF          = 1u << 8,
	PB_DEF_NO_STIM_SWITCH       = 1u << 9,
	PB_DEF_NO_TXN_DEDUP         = 1u << 10,
	PB_DEF_NO_CAL_CRC           = 1u << 11,
	/* Not a missing detector but a detector or a timer that is wrong,
	 * as a real bug would be (issue 10: bugs the suite once missed):
	 * the session clock restarts at every mode change (auto-off never
	 * comes while modes change); vacuum-stuck confirmed after twice its
	 * time; both host watchdogs 250 ms late; the level table read one
	 * level up (the top level stays, clamped). */
	PB_DEF_AUTO_OFF_RESTARTS    = 1u << 12,
	PB_DEF_STUCK_CONFIRM_LATE   = 1u << 13,
	PB_DEF_WATCHDOG_LATE        = 1u << 14,
	PB_DEF_LEVEL_OFF_BY_ONE     = 1u << 15,
	/* Safety functions that had no negative control (issue 10). */
	PB_DEF_NO_MOTOR_OPEN_DETECT = 1u << 16,
	PB_DEF_NO_BATTERY_LOW       = 1u << 17,
	PB_DEF_NO_STOP_VENT         = 1u << 18,
	PB_DEF_NO_BACKFLOW_DETECT   = 1u << 19
};
/* How late PB_DEF_WATCHDOG_LATE makes the host watchdogs. */
#define PB_DEF_WATCHDOG_LATE_US 250000u
/* Name <-> bit for command lines and scenarios ("no-overpressure-trip"). */
const char *pb_defect_name(unsigned bit);
int pb_defect_parse(const char *name, unsigned *bit);

/* Parse "a,b,c" into *mask (ORed in). Returns 0, or -1 naming the bad
 * entry's offset in *bad_at. */
int pb_defect_parse_list(const char *list, unsigned *mask, size_t *bad_at);
/* Number of defect switches. */
unsigned pb_defect_count(void);

#endif
