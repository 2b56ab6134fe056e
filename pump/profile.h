/*
 * pump/profile.h - a pump profile: what a pump model is and should do.
 *
 * Promise: profiles live in INI files (fixtures/pumps/<id>.ini, read with
 * libinih), never in code.  pb_profile_load() fills the structure or
 * returns an error naming the file and line.  The expectation functions
 * are pure: the target peak vacuum and cycle rate for a mode and level,
 * and the acceptance tolerances, are what the emulator regulates to, what
 * the dashboard compares each cycle with, and what HIL scenarios expect.
 *
 * Units follow the files: mmHg (vacuum magnitude, positive), cycles/min,
 * milliseconds, seconds, volts, millilitres.
 */
#ifndef PB_PUMP_PROFILE_H
#define PB_PUMP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#define PB_PROFILE_ID_LEN   16
#define PB_PROFILE_MAX_CAL  12

/* Per-mode curve: peak and rate move linearly from level 1 to the top. */
struct pb_mode_curve {
	bool   present;
	double peak_base_mmhg;   /* peak at level 1 */
	double peak_step_mmhg;   /* added per level */
	double rate_first_cpm;   /* rate at level 1 */
	double rate_last_cpm;    /* rate at the top level */
	double hold_fraction;    /* share of a cycle spent holding at peak */
	double rest_fraction;    /* share of a cycle resting at baseline */
};

struct pb_profile {
	char   id[PB_PROFILE_ID_LEN];     /* "s10pro" */
	char   name[64];
	char   firmware[16];              /* firmware version the sim reports */
	char   path[256];                 /* file it came from */
	int    channels;                  /* 1 or 2 */
	int    levels;                    /* highest level (9, 12) */
	bool   double_pumping;            /* single/double switchable */
	int    sample_rate_hz;            /* telemetry samples per second */

	struct pb_mode_curve stim, expr;  /* stimulation, expression */
	int    mixed_stim_cycles;         /* mixed mode: N stimulation cycles */
	int    mixed_expr_cycles;         /* ... then M expression cycles */

	/* limits and safety thresholds */
	double max_target_mmhg;           /* software max target */
	double max_target_double_mmhg;    /* max target pumping both channels
	                                     (optional: max_target_mmhg) */
	double trip_abs_mmhg;             /* overpressure at any time */
	double trip_over_target_mmhg;     /* overpressure above target ... */
	double trip_over_ms;              /* ... for this long */
	double stuck_mmhg;                /* vacuum stuck after release ... */
	double stuck_after_ms;            /* ... this long after release */
	int    leak_missed_cycles;        /* target missed N cycles running */
	double leak_decay_mmhg_s;         /* hold decay above this = leak */
	double session_auto_off_s;        /* 1800 */
	double stim_to_expr_s;            /* 120 */
	double heartbeat_timeout_ms;      /* 1000 */
	double backflow_half_ms;          /* release slower than this to half
	                                     the vacuum = milk at the port */

	/* acceptance (regulatory precedent) */
	double tol_peak_mmhg;             /* +/- 20 */
	double tol_rate_cpm;              /* +/- 5 */

	/* pneumatics */
	double dead_volume_ml;            /* per channel */
	double free_flow_lpm;             /* motor flow at 0 vacuum */
	double stall_vacuum_mmhg;         /* flow falls to 0 here */
	double valve_release_ms;          /* release time constant */
	double base_leak_ml_min;          /* leak at 100 mmHg, healthy */

	/* battery */
	bool   mains;                     /* mains powered (battery backup) */
	double batt_nominal_v, batt_internal_ohm, batt_warn_v, batt_cutoff_v;

	/* sensor */
	double sensor_supply_v;           /* 5.0 */
	double sensor_fs_mmhg;            /* full-scale vacuum (0.5..4.5 V) */
	int    adc_bits;                  /* 12 */
	double sensor_offset_sd_mmhg;     /* unit-to-unit spread */
	double sensor_gain_sd;            /* fraction, 0.02 */
	double sensor_nonlin_fs;          /* quadratic, fraction of FS, 0.003 */
	double sensor_noise_mmhg;         /* RMS */
	double sensor_lag_ms;             /* first-order lag */

	/* calibration */
	int    cal_points;
	double cal_point_mmhg[PB_PROFILE_MAX_CAL];
	int    cal_order;                 /* 1 linear, 2 quadratic */
	double cal_accept_abs_mmhg;       /* 3 */
	double cal_accept_rel;            /* 0.01 */
	double cal_dwell_s;               /* settle before averaging */
	double cal_stable_mmhg;           /* stable when within this */

	/* ---- emulator model and firmware keys (docs/pumpsim.md) ---- */
	/* pneumatics */
	double min_volume_ml;             /* air left when the container is full */
	double occluded_volume_ml;        /* pump-side volume when occluded */
	/* variation (optional; 0 = every channel and cycle alike) */
	double chan_spread;               /* per-channel relative sd: shield
	                                     and tube volume, valve, tissue */
	double seal_spread;               /* per-channel seal leak, relative
	                                     sd (log-normal) */
	double tissue_ml_100;             /* tissue drawn into the shield per
	                                     100 mmHg (mL, mean) */
	double tissue_cycle_sd;           /* cycle-to-cycle relative sd of it */
	double tissue_ms;                 /* tissue time constant */
	/* motor (rated at batt_nominal_v, duty 1) */
	double motor_noload_ma;           /* current at 0 vacuum */
	double motor_load_ma;             /* current at the stall vacuum */
	double motor_locked_ma;           /* current with a locked rotor */
	double motor_tau_ms;              /* spin-up/down time constant */
	/* battery */
	double batt_full_v, batt_empty_v; /* cell open-circuit voltage range */
	double batt_capacity_mah;
	double batt_initial_soc;          /* 0..1 at power-on */
	double batt_idle_ma;              /* electronics */
	double batt_low_ms;               /* debounce of warn and cut-off */
	double batt_hyst_v;               /* clear above threshold + this */
	/* sensor */
	double sensor_min_mmhg;           /* vacuum at 0.1*Vs (< 0: compound) */
	double sensor_open_v;             /* output of an open sensor */
	double sensor_short_v;            /* output of a shorted sensor */
	double sensor_low_v;              /* firmware: below this = open (0.25) */
	double sensor_high_v;             /* firmware: above this = short (4.75) */
	double sensor_fault_ms;           /* open/short debounce */
	double sensor_stuck_ms;           /* no change while the motor runs */
	/* firmware controller and detectors */
	double ctrl_tick_ms;              /* control period */
	int    ctrl_filter_n;             /* moving average of readings */
	double ctrl_kp;                   /* duty per mmHg below target */
	double ctrl_min_duty;             /* duty floor while pulling */
	double trip_abs_ms;               /* debounce of the absolute trip */
	double leak_miss_mmhg;            /* missed: peak < target - this */
	double leak_min_hold_ms;          /* decay judged on holds this long */
	double occlusion_rate_mmhg_s;     /* pull-down faster than this */
	double occlusion_rise_mmhg;       /* rise with the motor off */
	double stall_detect_ma;           /* current per unit duty above this */
	double open_detect_ma;            /* current per unit duty below this */
	double stall_dp_mmhg;             /* "no dP/dt": moved less than this */
	double motor_fault_ms;            /* stall / open debounce */
};

enum pb_profile_err {
	PB_PROFILE_OK = 0,
	PB_PROFILE_E_OPEN = -1,     /* cannot open the file */
	PB_PROFILE_E_SYNTAX = -2,   /* INI syntax error (line given) */
	PB_PROFILE_E_KEY = -3,      /* unknown section/key (line given) */
	PB_PROFILE_E_VALUE = -4,    /* bad or out-of-range value (line given) */
	PB_PROFILE_E_MISSING = -5   /* a required key is missing */
};

/* Load a profile from a file: opened without blocking (a FIFO or a
 * device is refused, base/file.h), at most 1 MiB.  On error returns < 0
 * and writes "FILE:LINE: message" into err (errlen); bytes of the file
 * quoted in a message are escaped for a terminal (base/text.h). */
int pb_profile_load(struct pb_profile *p, const char *path, char *err,
    size_t errlen);
/* Load from memory (the same parser; name is used in messages).  Bytes
 * need not be NUL-terminated and may be anything. */
int pb_profile_load_mem(struct pb_profile *p, const char *name,
    const char *buf, size_t len, char *err, size_t errlen);
const char *pb_profile_strerror(int err);
/* True when id is a profile id: 1..15 ASCII letters, digits, '-' and
 * '_' (so never a path).  The loader refuses a file whose [pump] id is
 * not one. */
bool pb_profile_id_valid(const char *id);
/* Look a profile up by id only, for ids that came from outside (a pump's
 * HELLO, a recording's header, a scenario): anything that is not a valid
 * id is refused without touching the file system; otherwise <id>.ini is
 * loaded from pumps/ in the first data directory that has it
 * (base/datadir.h: beside the executable, $PUMPBENCH_DATA, the
 * configured datadir), and its [pump] id must be id.
 * The message (in err) says which. */
int pb_profile_find_id(struct pb_profile *p, const char *id, char *err,
    size_t errlen);
/* For the user's own argument (--profile, --sim): a string containing '/'
 * or ending in ".ini" is a path, loaded as given; anything else goes to
 * pb_profile_find_id().  Never pass it text from a device or a file. */
int pb_profile_find(struct pb_profile *p, const char *id_or_path, char *err,
    size_t errlen);

/* Expectations (pure). mode is enum pb_mode; level 1..levels. In mixed
 * mode the peak and rate are those of the cycle kind given by
 * pb_profile_mixed_is_stim(). Out-of-range inputs clamp. */
double pb_profile_peak_mmhg(const struct pb_profile *p, int mode, int level);
/* The mode's peak curve at a level before pb_profile_peak_mmhg() clamps
 * it to max_target_mmhg, so a caller can tell that a level asks for more
 * than the limit; in mixed mode the higher of the two cycle kinds. */
double pb_profile_curve_peak_mmhg(const struct pb_profile *p, int mode,
    int level);
/* The same for a session pumping n_channels at once: pumping double the
 * target is clamped to max_target_double_mmhg (real double pumps reach
 * less per side, and are labelled so: 300 single, 260 double). */
double pb_profile_peak_n_mmhg(const struct pb_profile *p, int mode,
    int level, int n_channels);
/* The highest target for n_channels pumping at once. */
double pb_profile_max_target_mmhg(const struct pb_profile *p, int n_channels);
double pb_profile_rate_cpm(const struct pb_profile *p, int mode, int level);
bool   pb_profile_mixed_is_stim(const struct pb_profile *p, unsigned cycle);
/* Physical pull time (s) from atmosphere to target_mmhg for one channel
 * when n_channels share the motor at the given supply voltage: the
 * isothermal dead volume evacuated by the linear pump curve
 * (docs/pumpsim.md, "Models"), no leak.  Infinite when the target is at
 * or beyond the stall vacuum.  The loader refuses a profile with a level
 * whose pull does not fit in (1 - rest_fraction - hold_fraction) of its
 * cycle at warn_v (double pumping when offered). */
double pb_profile_pull_s(const struct pb_profile *p, double target_mmhg,
    int n_channels, double supply_v);
/* True if the mode (enum pb_mode) is offered. */
bool   pb_profile_has_mode(const struct pb_profile *p, int mode);

#endif
