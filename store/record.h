/*
 * store/record.h - what the factory records: a calibration, a HIL run, a
 * dashboard session, as plain structs.
 *
 * Promise: pure.  These are the store's own terms, independent of the
 * calibration procedure and of the HIL report (store/calrec.h and
 * hil/records.h translate those), with sizes fixed at compile time except
 * a HIL run's cases and measurements, which the caller owns.  A record is
 * written to the store whole, in one transaction, or not at all
 * (store/store.h).  Every record carries a record id: a random UUID made
 * by the station before anything is written (pb_record_new_id()), so the
 * certificate can print it before the record exists and a retried write
 * can tell that the first one landed.
 *
 * pb_record_check_*() refuse a record the database would refuse or that
 * would mislead (empty serial, unknown verdict, a channel or point out of
 * range, a non-finite coefficient), with a one-line reason, before any
 * transaction starts.  Doubles that are not finite are written as NULL.
 * Text fields are cleaned to valid UTF-8 by the store when written.
 */
#ifndef PB_STORE_RECORD_H
#define PB_STORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_RECORD_ID_LEN     37     /* UUID text + NUL */
#define PB_RECORD_MAX_CH     4
#define PB_RECORD_MAX_POINTS 16     /* per channel */
#define PB_RECORD_MAX_VERIFY 4      /* per channel */
#define PB_RECORD_MAX_CERTS  4
#define PB_RECORD_NAME       64     /* serial, station, operator, ... */

/* ---- calibration ---------------------------------------------------- */

struct pb_record_point {
	double target_mmhg;
	double raw_counts, raw_sd;     /* averaged raw sensor counts */
	int    samples;
	double reference_mmhg;         /* averaged reference */
	double residual_mmhg;          /* fitted - reference (NAN: no fit) */
	double limit_mmhg;             /* acceptance at this reading */
	int    pass;                   /* 1, 0, or -1 when not judged */
	double asfound_mmhg;           /* the unit's own reading before the
	                                  adjustment (NAN: unknown) */
};

struct pb_record_verify {
	double target_mmhg, reference_mmhg, device_mmhg, error_mmhg;
	double limit_mmhg;
	bool   pass;
};

struct pb_record_channel {
	int    order;                  /* fitted order 1/2, 0 = no fit */
	double c[3];                   /* fitted coefficients */
	double max_residual_mmhg, rms_residual_mmhg;
	bool   accepted;
	bool   had_old;                /* the unit held a calibration */
	uint32_t old_cal_id;
	int    old_order;
	double old_c[3];
	bool   written;                /* this calibration is in the unit */
	uint32_t new_cal_id;
	double asfound_zero_mmhg;      /* pre-calibration offset at 0 mmHg
	                                  (as found - reference; NAN unknown) */
	int    npoints;
	struct pb_record_point point[PB_RECORD_MAX_POINTS];
	int    nverify;
	struct pb_record_verify verify[PB_RECORD_MAX_VERIFY];
};

struct pb_record_cert {
	char    format[8];             /* "json", "txt", "html" */
	char    path[512];
	char    sha256[65];            /* hex of the file's bytes */
	int64_t bytes;
};

struct pb_record_cal {
	char    record_id[PB_RECORD_ID_LEN];
	char    serial[PB_RECORD_NAME];
	char    profile[PB_RECORD_NAME];
	char    firmware[PB_RECORD_NAME];
	char    station[PB_RECORD_NAME];
	char    operator_id[PB_RECORD_NAME];
	char    host[PB_RECORD_NAME];
	char    gauge_id[PB_RECORD_NAME];
	char    gauge_due[11];         /* YYYY-MM-DD, "" when not given */
	char    reference[200];        /* reference instrument */
	char    verdict[8];            /* PASS FAIL ERROR ABORTED */
	char    reason[320];
	bool    recal;                 /* --recal of a unit that had passed */
	char    recal_reason[200];
	bool    restored;              /* old calibration written back */
	char    tool_version[64];
	int64_t started_ms, finished_ms;   /* Unix ms, UTC */
	int     channels;
	struct pb_record_channel ch[PB_RECORD_MAX_CH];
	int     ncerts;
	struct pb_record_cert cert[PB_RECORD_MAX_CERTS];
};

/* A calibration that has started and not yet been recorded: written
 * before the unit is touched (it proves the store takes writes) and
 * removed in the transaction that writes the record.  One left behind is
 * a run that was killed or lost its store; `pumphil records --open`
 * lists them. */
struct pb_record_cal_open {
	char    record_id[PB_RECORD_ID_LEN];
	char    serial[PB_RECORD_NAME];
	char    station[PB_RECORD_NAME];
	char    operator_id[PB_RECORD_NAME];
	char    host[PB_RECORD_NAME];
	int64_t pid;
	int64_t started_ms;
};

/* ---- HIL run -------------------------------------------------------- */

struct pb_record_meas {
	int    attempt;                /* 1-based */
	char   name[96];
	double value;                  /* NAN: none */
	char   unit[16];
	double low, high, marginal_low, marginal_high;   /* NAN: not set */
	char   outcome[8];             /* PASS or FAIL */
	bool   marginal;
	char   location[160];          /* file:line of the expect() */
};

struct pb_record_case {
	char    name[160];
	char    scenario[512];         /* file as given */
	char    scenario_sha256[65];
	char    profile[32];
	char    profile_sha256[65];
	char    defect[48];
	bool    defect_run;
	char    dut_serial[32];
	char    dut_firmware[32];
	char    outcome[8];            /* PASS FAIL ERROR ABORTED SKIPPED */
	char    message[512];          /* failure text */
	int     attempts;
	double  duration_s;            /* wall, all attempts */
	double  rig_seconds;           /* last attempt */
	int64_t started_ms, finished_ms;
	char    requirements[256];     /* IDs separated by spaces ("" none) */
	size_t  nmeas;
	const struct pb_record_meas *meas;   /* caller owns */
};

struct pb_record_run {
	char    run_id[PB_RECORD_ID_LEN];
	char    tool_version[64];
	char    build[64];             /* the firmware build under test */
	char    rig[256];              /* as given: sim, ftdi:SER, file */
	char    rig_kind[16];
	char    rig_name[64];
	char    rig_sha256[65];        /* of the rig file ("" built-in) */
	char    host[PB_RECORD_NAME];
	char    station[PB_RECORD_NAME];
	char    operator_id[PB_RECORD_NAME];
	uint64_t seed;
	int64_t started_ms, finished_ms;
	size_t  ncases;
	const struct pb_record_case *cases;  /* caller owns */
};

/* ---- dashboard session -------------------------------------------- */

struct pb_record_session_ch {
	double min_mmhg, max_mmhg, mean_mmhg;   /* NAN when no sample */
	uint64_t samples;
};

struct pb_record_session {
	char    record_id[PB_RECORD_ID_LEN];
	char    path[1024];            /* the recording */
	char    serial[PB_RECORD_NAME];
	char    firmware[PB_RECORD_NAME];
	char    profile[PB_RECORD_NAME];
	uint32_t cal_id;
	char    station[PB_RECORD_NAME];
	char    operator_id[PB_RECORD_NAME];
	char    host[PB_RECORD_NAME];
	char    tool_version[64];
	int64_t started_ms, finished_ms;
	uint64_t samples, lost, markers, events, alarms, gaps;
	bool    complete;              /* the file's end trailer was there */
	int     channels;
	struct pb_record_session_ch ch[PB_RECORD_MAX_CH];
};

/* ---- helpers -------------------------------------------------------- */

/* A version 4 UUID (RFC 9562) from 16 random bytes, lower-case text. */
void pb_record_id_format(const uint8_t rnd[16], char out[PB_RECORD_ID_LEN]);
/* A fresh record id from the kernel's random source (getrandom).
 * 0 or -1. */
int  pb_record_new_id(char out[PB_RECORD_ID_LEN]);
/* True for the text form pb_record_id_format() writes. */
bool pb_record_id_valid(const char *s);

/* "PASS" ... for calibration verdicts and HIL outcomes: true when the
 * word is one the schema allows there. */
bool pb_record_cal_verdict_ok(const char *v);
bool pb_record_outcome_ok(const char *v);

/* 0, or -1 with a reason. */
int pb_record_check_cal(const struct pb_record_cal *c, char *err,
    size_t errlen);
int pb_record_check_run(const struct pb_record_run *r, char *err,
    size_t errlen);
int pb_record_check_session(const struct pb_record_session *s, char *err,
    size_t errlen);

/* The date part of a YYYY-MM-DD string as days since 1970-01-01; -1 when
 * it is not a real calendar date. */
long pb_record_date_days(const char *ymd);

/* A time from the command line, UTC: "YYYY-MM-DD" (the start of that day,
 * or with end_of_day the start of the next: --until 2026-12-03 takes the
 * whole day) or "YYYY-MM-DDTHH:MM[:SS[.fff]]" with an optional "Z".  Unix ms
 * into *ms; 0, or -1 when it is neither. */
int pb_record_parse_time(const char *s, bool end_of_day, int64_t *ms);

#endif
