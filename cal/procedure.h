/*
 * cal/procedure.h - the factory calibration procedure, as a pure state
 * machine shared by the dashboard's calibration screen and
 * `pumphil calibrate`.
 *
 * Promise: no I/O and no clock; time is passed in.  The procedure asks for
 * one thing at a time through pb_cal_poll(): send a command (the front end
 * sends it with pb_client and reports the result with pb_cal_cmd_done()),
 * or prompt the operator for a reference gauge reading (answered with
 * pb_cal_enter_reference()).  It reads telemetry (raw counts and the
 * device's calibrated reading) and, on a rig, a continuous reference
 * (pb_cal_on_reference()).
 *
 * Sequence: read the device info and the stored calibration of every
 * channel (kept for restore); vent and zero; for each calibration point of
 * the profile hold it on all channels, dwell until stable, average raw
 * counts and the reference; fit each channel (order from the profile) by
 * least squares; check residuals against the profile's acceptance; unlock
 * factory mode (challenge, HMAC-SHA256 answer); write the coefficients of
 * every channel in ONE message (WRITE_CAL_ALL, which the pump stores in
 * one commit, so it holds the old or the new calibration, never a mix);
 * read them back and compare; verify at two points with the new
 * calibration applied; vent.  The result carries everything the
 * certificate needs.  Before the vent, which also ends factory mode, the
 * procedure asks the front end to record the PASS (PB_CAL_ACT_RECORD:
 * certificates, a database, cal/output.h); if that fails it writes the
 * old calibration back and the verdict is ERROR.  Firmware that predates
 * WRITE_CAL_ALL answers
 * UNKNOWN_CMD: a one-channel unit is then written with WRITE_CAL (one
 * record is atomic by itself), a multi-channel unit is left untouched
 * with ERROR.
 *
 * Abort (pb_cal_abort(), or any failure) vents and, if the write was
 * sent, writes the old calibration back as a whole (one WRITE_CAL_ALL;
 * a channel that had none is left with none), so the old calibration
 * stays in place.  The host never asks for a hold above the device's
 * software maximum (from HELLO) or the profile's limit.
 */
#ifndef PB_CAL_PROCEDURE_H
#define PB_CAL_PROCEDURE_H

#include <stdbool.h>
#include <stdint.h>

#include "cal/fit.h"
#include "proto/msg.h"
#include "pump/profile.h"

#define PB_CAL_VERIFY_POINTS 2
#define PB_CAL_MAX_SAMPLES   4096   /* per channel per averaging window */

enum pb_cal_stage {
	PB_CAL_S_INFO,        /* READ_INFO */
	PB_CAL_S_READ_OLD,    /* READ_CAL per channel (old records) */
	PB_CAL_S_HOLD,        /* CAL_HOLD to the current point */
	PB_CAL_S_SETTLE,      /* dwell until stable */
	PB_CAL_S_AVERAGE,     /* average counts and reference */
	PB_CAL_S_PROMPT,      /* waiting for the operator's reading */
	PB_CAL_S_FIT,
	PB_CAL_S_UNLOCK,      /* FACTORY_CHALLENGE then FACTORY_UNLOCK */
	PB_CAL_S_WRITE,       /* WRITE_CAL_ALL: every channel at once */
	PB_CAL_S_READBACK,    /* READ_CAL per channel, compare */
	PB_CAL_S_VERIFY_HOLD, /* hold a verify point */
	PB_CAL_S_VERIFY_SETTLE,
	PB_CAL_S_VERIFY_AVERAGE,
	PB_CAL_S_RECORD,      /* PASS so far: the front end stores its outputs */
	PB_CAL_S_VENT,        /* final STOP */
	PB_CAL_S_RESTORE,     /* abort/failure after a write: old records */
	PB_CAL_S_DONE         /* finished: see result.verdict */
};

enum pb_cal_verdict {
	PB_CAL_PENDING = 0,
	PB_CAL_PASS,
	PB_CAL_FAIL,          /* the unit failed acceptance or verification */
	PB_CAL_ERROR,         /* the station failed: command, timeout, unstable */
	PB_CAL_ABORTED
};

struct pb_cal_config {
	const struct pb_profile *profile;  /* points, order, acceptance, dwell */
	bool     manual_reference;  /* operator types the gauge reading */
	double   average_s;         /* averaging window (default 2 s) */
	double   settle_timeout_s;  /* give up stabilising (default 30 s) */
	double   verify_mmhg[PB_CAL_VERIFY_POINTS]; /* 0 = profile mid-points */
	uint8_t  key[64];           /* station key for the factory unlock */
	size_t   key_len;
	uint32_t date;              /* unix seconds for the records */
	char     station[PB_STR_LEN];
};

enum pb_cal_act_kind {
	PB_CAL_ACT_WAIT = 0,  /* nothing to do now: feed telemetry, poll later */
	PB_CAL_ACT_SEND,      /* send act.cmd and report with pb_cal_cmd_done */
	PB_CAL_ACT_PROMPT,    /* ask the operator: act.prompt, act.channel */
	PB_CAL_ACT_RECORD,    /* store the result (verdict PASS) in every
	                         output now, report with pb_cal_record_done */
	PB_CAL_ACT_DONE       /* finished; see pb_cal_result() */
};

struct pb_cal_action {
	enum pb_cal_act_kind kind;
	struct pb_msg cmd;
	int  channel;
	char prompt[160];
};

struct pb_cal_point {
	double target_mmhg;
	double raw[PB_MAX_CH];        /* averaged raw counts */
	double reference[PB_MAX_CH];  /* averaged reference, mmHg */
	double raw_sd[PB_MAX_CH];
	int    samples[PB_MAX_CH];
	double device[PB_MAX_CH];     /* the unit's own reading as found,
	                                 before the adjustment (NAN: none) */
};

struct pb_cal_verify {
	double target_mmhg;
	double reference[PB_MAX_CH];
	double device[PB_MAX_CH];     /* device's calibrated reading */
	double error[PB_MAX_CH];
	bool   pass[PB_MAX_CH];
};

struct pb_cal_result {
	enum pb_cal_verdict verdict;
	char   reason[320];           /* why, when not PASS */
	struct pb_device_info info;
	int    channels;
	int    npoints;
	struct pb_cal_point point[PB_CAL_MAX_POINTS];
	struct pb_cal_fit fit[PB_MAX_CH];
	bool   point_fail[PB_MAX_CH][PB_CAL_MAX_POINTS];
	bool   accepted[PB_MAX_CH];
	struct pb_cal old[PB_MAX_CH];
	struct pb_cal written[PB_MAX_CH];
	bool   was_written[PB_MAX_CH];
	bool   restored;              /* old records written back */
	struct pb_cal_verify verify[PB_CAL_VERIFY_POINTS];
	uint64_t started_us, finished_us;
};

struct pb_cal_proc;  /* opaque; allocate with pb_cal_new */

enum pb_cal_err {
	PB_CALP_OK = 0,
	PB_CALP_E_ARG = -1,
	PB_CALP_E_MEM = -2,
	PB_CALP_E_STATE = -3    /* call not valid in this stage */
};

struct pb_cal_proc *pb_cal_new(const struct pb_cal_config *cfg,
    uint64_t now_us);
void pb_cal_free(struct pb_cal_proc *p);

/* The next thing to do. Returns the same SEND until it is answered. */
void pb_cal_poll(struct pb_cal_proc *p, uint64_t now_us,
    struct pb_cal_action *act);
/* Result of the last SEND: status is PB_CLIENT_OK (0) or a negative client
 * error; resp may be NULL on timeout. */
void pb_cal_cmd_done(struct pb_cal_proc *p, int status,
    const struct pb_response *resp, uint64_t now_us);
/* Telemetry from the device (raw counts and calibrated samples). */
void pb_cal_on_telemetry(struct pb_cal_proc *p, const struct pb_telemetry *t,
    uint64_t now_us);
/* A reference reading from the rig's transducer (automatic mode). */
void pb_cal_on_reference(struct pb_cal_proc *p, int ch, double mmhg,
    uint64_t now_us);
/* The operator's answer to a PROMPT. */
int  pb_cal_enter_reference(struct pb_cal_proc *p, int ch, double mmhg,
    uint64_t now_us);
/* The answer to a RECORD: ok, or why an output failed.  A failure makes
 * the verdict ERROR ("why") and writes the unit's old calibration back
 * before venting: no unit keeps a calibration without its record. */
int  pb_cal_record_done(struct pb_cal_proc *p, bool ok, const char *why,
    uint64_t now_us);
/* Stop now: vent, restore old records if any were written. */
void pb_cal_abort(struct pb_cal_proc *p, const char *why, uint64_t now_us);

enum pb_cal_stage pb_cal_stage(const struct pb_cal_proc *p);
const char *pb_cal_stage_name(enum pb_cal_stage s);
const char *pb_cal_verdict_name(enum pb_cal_verdict v);
/* Progress for a screen: point index being held (or -1), total points. */
void pb_cal_progress(const struct pb_cal_proc *p, int *point, int *npoints,
    double *target_mmhg);
const struct pb_cal_result *pb_cal_result(const struct pb_cal_proc *p);

#endif
