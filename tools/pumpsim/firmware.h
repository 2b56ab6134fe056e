/*
 * tools/pumpsim/firmware.h - the pump's controller, alarms and safety, as
 * real firmware would run them.
 *
 * Promise: a pure, deterministic state machine over memory.  The firmware
 * sees only what real firmware sees: per channel the raw ADC counts of its
 * pressure sensor, the motor current, the supply voltage and the time.  It
 * drives only the motor duty, the release valves, the pump path per
 * channel and the alarm line.  Vacuum is what the stored calibration makes
 * of the counts (vacuum = c0 + c1*counts + c2*counts^2); without a valid
 * calibration the datasheet transfer is used for safety, CAL_INVALID is
 * raised and sessions are refused.
 *
 * Time: pb_fw_step() is called with a monotonic now_us (normally every
 * plant step); the firmware samples and controls once per profile
 * ctrl_tick_ms and returns the outputs to hold until the next call.
 * Commands (from the protocol handler) take effect immediately for safety
 * (stop, vent) and at the next cycle start for the waveform (mode, level,
 * channels).  Events (alarm raised/cleared, state, mode, auto-off) are
 * queued for the caller to drain with pb_fw_event_pop().
 *
 * Every threshold comes from the profile (see docs/pumpsim.md, "Firmware
 * behaviour").  A defect mask (enum pb_defect in emulator.h) disables one
 * detector each; PB_DEF_NO_TXN_DEDUP and PB_DEF_NO_CAL_CRC belong to the
 * protocol and EEPROM layers and are ignored here.
 */
#ifndef PB_PUMPSIM_FIRMWARE_H
#define PB_PUMPSIM_FIRMWARE_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/msg.h"
#include "pump/profile.h"

#define PB_FW_EVQ     64     /* queued events; older ones are kept */
#define PB_FW_FILT_MAX 16    /* longest moving-average filter */
#define PB_FW_RATE_MAX 16   /* pull-rate window ring */

struct pb_fw_inputs {
	uint64_t now_us;
	uint16_t adc[PB_MAX_CH];      /* raw sensor counts */
	double   motor_ma;            /* measured motor current */
	double   supply_v;            /* measured supply/battery voltage */
};

struct pb_fw_outputs {
	double motor_duty;            /* 0..1 */
	bool   valve_open[PB_MAX_CH]; /* true = release valve open (vent) */
	bool   connect[PB_MAX_CH];    /* pump path open to the channel */
	bool   alarm;                 /* alarm LED/buzzer line */
};

/* One queued event (becomes a PB_T_EVENT; device_ms = t_us / 1000). */
struct pb_fw_event {
	uint64_t t_us;
	uint8_t  kind;                /* enum pb_event_kind */
	uint8_t  code;
	uint8_t  channel;
	int32_t  value;
};

/* Per-channel firmware view. */
struct pb_fw_chan {
	struct pb_cal cal;
	bool     cal_valid;
	uint16_t counts;              /* last raw sample */
	double   volts;               /* last sample as volts */
	double   vac_mmhg;            /* last calibrated sample */
	double   filt_mmhg;           /* moving average used for control */
	double   hist[PB_FW_FILT_MAX];
	unsigned hist_n, hist_i;
	/* detector state */
	uint64_t out_of_range_since;  /* sensor open/short, 0 = not */
	uint64_t stuck_since;         /* counts frozen while motor moves */
	uint16_t stuck_counts;
	uint64_t over_since;          /* above target + margin */
	uint64_t abs_since;           /* above the absolute trip */
	uint64_t release_pending_since; /* valve opened, vacuum not yet gone */
	double   release_ref_mmhg;    /* reading when the valve opened */
	bool     was_venting;         /* valve open to vent at the last tick */
	uint64_t bf_since;            /* backflow: release began (0 = not) */
	double   bf_ref_mmhg;         /* backflow: reading when it began */
	unsigned bf_slow;             /* backflow: slow releases in a row */
	double   rate_ref_mmhg;       /* occlusion: reading one window ago */
	uint64_t rate_ref_us;
	double   cycle_peak_mmhg;     /* peak of the running cycle (filtered) */
	bool     bleeding;            /* calibration hold: venting down */
	bool     topping;             /* calibration hold: pulling up */
	bool     frozen;              /* found stuck: reading not trusted */
	double   hold_ref_mmhg;       /* settled plateau of this cycle's hold */
};

struct pb_fw {
	struct pb_profile prof;       /* copy of the profile */
	unsigned defects;             /* enum pb_defect mask */
	int      channels;

	/* state (read-only for callers) */
	uint8_t  run_state;           /* enum pb_run_state */
	uint8_t  mode;                /* enum pb_mode selected */
	uint8_t  level;               /* 1..levels */
	uint8_t  phase;               /* enum pb_phase */
	uint8_t  channel_mask;        /* channels pumping */
	uint8_t  cycle_mode;          /* stim or expr kind of this cycle */
	uint16_t alarms;              /* PB_AL_* active */
	uint16_t latched;             /* alarms that need clear-fault */
	double   target_mmhg;         /* target of the running cycle */
	double   cycle_period_s;      /* period of the running cycle */
	uint64_t cycles;              /* cycles started this session */
	uint64_t session_start_us;    /* 0 when no session */
	uint64_t stim_start_us;       /* when stimulation began */
	double   session_s;
	struct pb_fw_chan ch[PB_MAX_CH];
	struct pb_fw_outputs out;

	/* pending settings (applied at the next cycle start) */
	uint8_t  next_mode, next_level, next_mask;

	/* cycle timing */
	uint64_t cycle_start_us;
	double   cycle_t0_us;         /* exact cycle start (no tick drift) */
	double   cycle_rel_s;         /* release time within the cycle */
	double   cutoff_offset[2][PB_MAX_CH]; /* learned pull cut-off below
	                                 target per cycle kind (stim, expr)
	                                 and channel, mmHg */
	double   motor_speed_est;     /* firmware's model of motor speed */
	unsigned mixed_index;         /* mixed mode: cycles since entering */
	uint8_t  pulling;             /* channels whose pump path is open
	                                 in this pull (each closes at its own
	                                 cut-off) */
	uint64_t pull_start_us;
	double   pull_start_mmhg;
	double   rate_hist[PB_FW_RATE_MAX];
	unsigned rate_n;
	bool     hold_ref_taken;      /* occlusion: motor-off reference */
	double   hold_ref_mmhg;
	double   last_peak_mmhg;      /* highest channel peak, last judged cycle */
	uint64_t hold_start_us;
	double   hold_start_mmhg;
	unsigned missed_cycles;       /* leak: consecutive missed targets */
	bool     target_reached;
	bool     leak_by_decay, leak_by_miss;
	double   last_hold_decay;     /* mmHg/s, fastest channel, last hold */

	bool     stop_unvented;       /* defect no-stop-vent: STOP left the
	                                 valves shut */

	/* calibration hold */
	double   hold_target_mmhg;
	uint8_t  hold_mask;

	/* other detectors */
	uint64_t now_us, last_tick_us;
	bool     ticked;
	double   motor_ma, supply_v;
	uint64_t motor_fault_since;   /* stall condition start */
	double   motor_fault_ref_mmhg;
	bool     motor_fault_ref_taken; /* the reference came after settling */
	uint64_t motor_open_since;
	uint64_t occl_since;          /* occlusion signs seen since */
	uint64_t batt_low_since, batt_ok_since, cutoff_since;
	bool     host_seen;
	uint64_t last_host_us;

	/* event queue */
	struct pb_fw_event evq[PB_FW_EVQ];
	unsigned ev_head, ev_len;
	uint64_t ev_dropped;
};

/* Power-on: IDLE, vented, no calibration (CAL_INVALID raised until
 * pb_fw_set_cal() has given every channel a valid record).  The profile is
 * copied.  Mode expression, level 1, channel mask all single (ch 0). */
void pb_fw_init(struct pb_fw *fw, const struct pb_profile *p,
    unsigned defects, uint64_t now_us);

/* One step: read the inputs, run detectors and controller if a tick is
 * due, and write the outputs to hold until the next call. */
void pb_fw_step(struct pb_fw *fw, const struct pb_fw_inputs *in,
    struct pb_fw_outputs *out);

/* Commands.  Each returns an enum pb_status for the RESPONSE. */
int pb_fw_start(struct pb_fw *fw, uint64_t now_us);
int pb_fw_stop(struct pb_fw *fw, uint64_t now_us);
int pb_fw_set_mode(struct pb_fw *fw, int mode, uint64_t now_us);
int pb_fw_set_level(struct pb_fw *fw, int level, uint64_t now_us);
int pb_fw_set_channels(struct pb_fw *fw, unsigned mask, uint64_t now_us);
int pb_fw_clear_fault(struct pb_fw *fw, uint64_t now_us);
/* Hold target_dmmhg (0.1 mmHg) on the channels of mask for calibration;
 * 0 vents and returns to IDLE.  Field rules first: a mask naming no
 * channel or one the pump lacks, or a negative target, PB_ST_BAD_VALUE;
 * above the profile's max target (as reported in dmmHg) PB_ST_LIMIT; then
 * the state rules: only from IDLE or CAL_HOLD (else PB_ST_WRONG_STATE). */
int pb_fw_cal_hold(struct pb_fw *fw, unsigned mask, int32_t target_dmmhg,
    uint64_t now_us);
/* Validate and store a channel's calibration (PB_ST_BAD_VALUE if the
 * channel, order or coefficients are unusable: non-finite, or not
 * increasing over the ADC range).  Clears CAL_INVALID when all channels
 * are valid. */
int pb_fw_set_cal(struct pb_fw *fw, const struct pb_cal *cal, uint64_t now_us);
/* The same rule without storing anything: PB_ST_OK when pb_fw_set_cal()
 * would accept cal, else PB_ST_BAD_VALUE. */
int pb_fw_check_cal(const struct pb_fw *fw, const struct pb_cal *cal);
/* The unit's whole calibration at once (WRITE_CAL_ALL): channel c takes
 * set->cal[c] when bit c of set->mask is set and is left without
 * calibration (CAL_INVALID) when it is clear.  Every record is checked
 * first by pb_fw_check_cal()'s rule, and a bit for a channel the pump
 * lacks is refused: PB_ST_BAD_VALUE and nothing changes.  Only then are
 * all channels replaced together, so the firmware never runs on a mix of
 * two calibrations.  pb_fw_check_cal_set() is the same check alone. */
int pb_fw_check_cal_set(const struct pb_fw *fw, const struct pb_cal_set *set);
int pb_fw_set_cal_set(struct pb_fw *fw, const struct pb_cal_set *set,
    uint64_t now_us);
/* The stored calibration of channel ch into *out (channel field set):
 * PB_ST_OK, PB_ST_BAD_VALUE for a channel the pump lacks, PB_ST_STORAGE
 * when the channel has no valid calibration (READ_CAL's answers). */
int pb_fw_read_cal(const struct pb_fw *fw, unsigned ch, struct pb_cal *out);

/* Host link: call on every valid frame from the host.  The firmware
 * itself notices silence longer than heartbeat_timeout_ms (after the first
 * host frame) and enters the safe state while pumping; pb_fw_host_lost()
 * forces that notice now. */
void pb_fw_host_alive(struct pb_fw *fw, uint64_t now_us);
void pb_fw_host_lost(struct pb_fw *fw, uint64_t now_us);

/* Events: pop the oldest; false when empty. */
bool pb_fw_event_pop(struct pb_fw *fw, struct pb_fw_event *ev);

/* The datasheet transfer of channel ch's sensor as a calibration (what a
 * factory-fresh unit stores before its first calibration). */
struct pb_cal pb_fw_nominal_cal(const struct pb_fw *fw, int ch);

/* Calibrated vacuum of a count value on channel ch (what telemetry sends). */
double pb_fw_counts_to_mmhg(const struct pb_fw *fw, int ch, double counts);
/* The target of mode/level after clamping to the profile's max target
 * (pumping double - the channel mask in use - its double maximum). */
double pb_fw_target_mmhg(const struct pb_fw *fw, int mode, int level);

#endif
