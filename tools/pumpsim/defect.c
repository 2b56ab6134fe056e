/*
 * tools/pumpsim/defect.c - defect switch names.
 */
#include "tools/pumpsim/defect.h"

#include <string.h>

static const struct { unsigned bit; const char *name; } defects[] = {
	{ PB_DEF_NO_OVERPRESSURE_TRIP, "no-overpressure-trip" },
	{ PB_DEF_NO_STUCK_DETECT,      "no-stuck-detect" },
	{ PB_DEF_NO_LEAK_DETECT,       "no-leak-detect" },
	{ PB_DEF_NO_OCCLUSION_DETECT,  "no-occlusion-detect" },
	{ PB_DEF_NO_STALL_DETECT,      "no-stall-detect" },
	{ PB_DEF_NO_SENSOR_CHECK,      "no-sensor-check" },
	{ PB_DEF_NO_BATTERY_CUTOFF,    "no-battery-cutoff" },
	{ PB_DEF_NO_HEARTBEAT_SAFE,    "no-heartbeat-safe" },
	{ PB_DEF_NO_AUTO_OFF,          "no-auto-off" },
	{ PB_DEF_NO_STIM_SWITCH,       "no-stim-switch" },
	{ PB_DEF_NO_TXN_DEDUP,         "no-txn-dedup" },
	{ PB_DEF_NO_CAL_CRC,           "no-cal-crc" },
	{ PB_DEF_AUTO_OFF_RESTARTS,    "auto-off-restarts" },
	{ PB_DEF_STUCK_CONFIRM_LATE,   "stuck-confirm-late" },
	{ PB_DEF_WATCHDOG_LATE,        "watchdog-late" },
	{ PB_DEF_LEVEL_OFF_BY_ONE,     "level-off-by-one" },
	{ PB_DEF_NO_MOTOR_OPEN_DETECT, "no-motor-open-detect" },
	{ PB_DEF_NO_BATTERY_LOW,       "no-battery-low" },
	{ PB_DEF_NO_STOP_VENT,         "no-stop-vent" },
	{ PB_DEF_NO_BACKFLOW_DETECT,   "no-backflow-detect" },
};
#define N_DEFECTS (sizeof(defects) / sizeof(defects[0]))

unsigned pb_defect_count(void)
{
	return (unsigned)N_DEFECTS;
}

const char *pb_defect_name(unsigned bit)
{
	for (size_t i = 0; i < N_DEFECTS; i++)
		if (defects[i].bit == bit)
			return defects[i].name;
	return NULL;
}

static int parse_n(const char *name, size_t n, unsigned *bit)
{
	for (size_t i = 0; i < N_DEFECTS; i++) {
		if (strlen(defects[i].name) == n &&
		    strncmp(defects[i].name, name, n) == 0) {
			*bit = defects[i].bit;
			return 0;
		}
	}
	return -1;
}

int pb_defect_parse(const char *name, unsigned *bit)
{
	if (name == NULL)
		return -1;
	return parse_n(name, strlen(name), bit);
}

int pb_defect_parse_list(const char *list, unsigned *mask, size_t *bad_at)
{
	const char *p = list;
	unsigned m = *mask;
	if (*p == '\0')
		return 0;
	for (;;) {   /* every entry, empty ones included, must be a name */
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		unsigned bit;
		if (parse_n(p, n, &bit) != 0) {
			if (bad_at)
				*bad_at = (size_t)(p - list);
			return -1;
		}
		m |= bit;
		if (!e)
			break;
		p = e + 1;
	}
	*mask = m;
	return 0;
}
