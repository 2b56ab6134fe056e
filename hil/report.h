/*
 * hil/report.h - the HIL test record and its two writers.
 *
 * Promise: a plain in-memory record of one `pumphil run` (rig, cases,
 * attempts, measurements with units and limits, logs, attached traces)
 * and two writers that turn it into files CI systems read:
 *
 *   - a JSON test record (OpenHTF-like): rig, DUT serial and firmware
 *     from HELLO, scenario file and its SHA-256, start/end in ISO 8601
 *     UTC, every attempt with its measurements, limits, outcome, log and
 *     traces (arrays of samples);
 *   - JUnit XML as Jenkins and GitLab read it: testsuites > testsuite
 *     (name, tests, failures, errors, skipped, time, timestamp) > testcase
 *     (classname, name, time) with failure / error / skipped children that
 *     carry the message both as attribute and as element text, and
 *     system-out.  Names are unique; earlier attempts of a retried case
 *     are listed in its system-out.  Everything is XML-escaped.
 *
 * Both are valid UTF-8 whatever bytes the record holds (every string goes
 * through pb_text_clean(): invalid bytes and control characters become
 * U+FFFD), and bounded: an attempt keeps capped log text, measurements
 * and trace samples (PB_ATTEMPT_* below) and the writers mark what was
 * not kept.
 *
 * The writers are pure over the record except for the FILE they write to;
 * wall-clock times are stored in the record by the caller (the runner),
 * so golden tests can fix them.  pb_report_save() writes through a
 * fresh temporary file (mkstemp) and rename(), so a reader never sees
 * half a report and nothing planted at a predictable name is followed.
 *
 * Outcomes follow LAVA/OpenHTF: PASS, FAIL (the pump broke a limit),
 * ERROR (the rig or infrastructure broke, including scenario script
 * errors), ABORTED (a signal stopped the run), SKIPPED.
 */
#ifndef PB_HIL_REPORT_H
#define PB_HIL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hil/requirement.h"

enum pb_outcome {
	PB_OUT_PASS = 0,
	PB_OUT_FAIL = 1,
	PB_OUT_ERROR = 2,
	PB_OUT_ABORTED = 3,
	PB_OUT_SKIPPED = 4
};
const char *pb_outcome_name(enum pb_outcome o);   /* "PASS", ... */

/* An optional limit. */
struct pb_limit {
	bool   set;
	double v;
};

/* One expect(): a value with unit, hard and marginal limits, verdict. */
struct pb_measurement {
	char   name[96];
	double value;
	char   unit[16];
	struct pb_limit low, high;        /* hard limits: outside -> FAIL */
	struct pb_limit mlow, mhigh;      /* marginal limits */
	enum pb_outcome outcome;          /* PB_OUT_PASS or PB_OUT_FAIL */
	bool   marginal;                  /* PASS, but outside marginal limits */
	char   where[160];                /* "file.lua:12" of the expect() */
	char   requirement[64];           /* the requirement it is evidence
	                                     for (expect's req, or the
	                                     scenario's one --@verifies);
	                                     "" = none */
};

/* Judge m->value against its limits: sets outcome and marginal. A NaN
 * value fails whenever any limit is set. */
void pb_measurement_judge(struct pb_measurement *m);

/* An attached trace: samples at a fixed period starting at t0 (rig time
 * in seconds since the scenario started). */
struct pb_trace {
	char    name[64];
	char    unit[16];
	double  t0_s;
	double  period_s;
	size_t  n, cap;
	double *v;
	size_t  dropped;                  /* samples past cap_limit, not kept */
};
/* Append one sample; returns 0, or -1 (out of memory, or cap_limit hit:
 * the sample is counted in t->dropped). */
int pb_trace_push(struct pb_trace *t, double v, size_t cap_limit);

/* What one attempt may keep, so that no scenario can make a report grow
 * without bound (a flood of log() or expect() calls):
 *   PB_ATTEMPT_LOG_MAX     bytes of log lines from the scenario and the
 *                          DUT (log(), print(), expect() lines, device
 *                          log); later ones are counted, not kept;
 *   PB_ATTEMPT_LOG_RESERVE bytes more for the runner's own lines (how the
 *                          attempt ended, the fixture's state), so a
 *                          flooded log still ends with its outcome;
 *   PB_ATTEMPT_MEAS_MAX    measurements; later ones are judged (a FAIL
 *                          still fails the scenario) and counted;
 *   PB_ATTEMPT_LINE_MAX    bytes of one log line (a longer one is cut and
 *                          ends in "...").
 * The writers mark what was not kept (see docs/hil.md "Reports"). */
#define PB_ATTEMPT_LOG_MAX     (1u << 20)
#define PB_ATTEMPT_LOG_RESERVE (64u << 10)
#define PB_ATTEMPT_MEAS_MAX    10000u
#define PB_ATTEMPT_LINE_MAX    4096u

struct pb_attempt {
	int     number;                   /* 1-based */
	enum pb_outcome outcome;          /* raw outcome of the scenario */
	char    message[512];             /* why, for anything but PASS */
	char    where[256];               /* file:line when known */
	int64_t start_ms, end_ms;         /* wall clock, unix milliseconds */
	double  rig_seconds;              /* rig (virtual or wall) time used */
	bool    rig_error;                /* ERROR caused by the rig or DUT
	                                     link (retryable), not the script */
	struct pb_measurement *meas;
	size_t  n_meas, cap_meas;
	size_t  meas_dropped;             /* past PB_ATTEMPT_MEAS_MAX */
	size_t  meas_dropped_failed;      /* ... of which outside limits */
	struct pb_trace *traces;
	size_t  n_traces, cap_traces;
	char   *log;                      /* NUL-terminated, may be NULL */
	size_t  log_len, log_cap;
	size_t  log_dropped_lines;        /* lines not kept (caps above) */
	size_t  log_dropped_bytes;
};

struct pb_case {
	char    name[160];                /* unique test name */
	char    file[512];                /* scenario path as given */
	char    sha256[65];               /* hex, "" when unreadable */
	char    profile[32];              /* pump profile id, "" if none */
	char    defect[48];               /* declared defect switch, "" if none */
	char    requirements[256];        /* IDs it verifies (--@verifies),
	                                     space-separated; "" if none */
	char    profile_sha256[65];       /* of the profile file run, or "" */
	bool    defect_run;               /* run against the defect switch */
	char    dut_serial[32];
	char    dut_firmware[32];
	/* the firmware's build identity: on the sim rig the emulator is
	 * built into this pumphil, so the SHA-256 of its binary; on a real
	 * DUT the --build given, else "" */
	char    firmware_build[72];
	enum pb_outcome outcome;          /* final verdict (defect-inverted) */
	char    message[512];
	struct pb_attempt *attempts;
	size_t  n_attempts, cap_attempts;
};

struct pb_report {
	char    suite[64];                /* testsuites name, "pumphil" */
	char    rig[256];                 /* as given: "sim", "ftdi:SER", file */
	char    rig_kind[16];             /* "sim" or "ftdi" */
	char    hostname[64];
	int64_t start_ms, end_ms;
	/* provenance: what ran, on what, by whom */
	char    tool_version[64];         /* git describe (base/version.h) */
	char    tool_sha256[65];          /* of the pumphil binary */
	char    operator_id[64];          /* --operator, "" if none */
	char    rig_file[512];            /* the rig file, "" built-in */
	char    rig_sha256[65];
	bool    have_seed;                /* sim: the emulator's seed */
	uint64_t seed;
	char    sensor_model[96];         /* "ideal", "unit errors", "DUT's own" */
	struct pb_case *cases;
	size_t  n_cases, cap_cases;
	/* the written requirements the run verified against (owned: freed
	 * by pb_report_free); empty when none was loaded */
	struct pb_requirement_set requirements;
	char    requirements_error[512];  /* why none was loaded, or "" */
};

void pb_report_init(struct pb_report *r, const char *suite);
void pb_report_free(struct pb_report *r);
/* New zeroed case / attempt / trace; NULL when out of memory.  Pointers
 * stay valid until the next add on the same parent. */
struct pb_case *pb_report_add_case(struct pb_report *r);
struct pb_attempt *pb_case_add_attempt(struct pb_case *c);
struct pb_trace *pb_attempt_add_trace(struct pb_attempt *a);
/* Keep a judged measurement: 0 kept; 1 not kept, PB_ATTEMPT_MEAS_MAX
 * reached (counted in meas_dropped[_failed]); -1 out of memory. */
int pb_attempt_add_measurement(struct pb_attempt *a,
    const struct pb_measurement *m);
/* Append a line of the runner's own to the attempt's log (a newline is
 * added; the line is cut at PB_ATTEMPT_LINE_MAX).  Within
 * PB_ATTEMPT_LOG_MAX + PB_ATTEMPT_LOG_RESERVE bytes. */
void pb_attempt_log(struct pb_attempt *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append text from the scenario or the DUT (len bytes, one or more lines;
 * a newline is added): lines are kept while the log is under
 * PB_ATTEMPT_LOG_MAX, the rest counted in log_dropped_*. */
void pb_attempt_log_text(struct pb_attempt *a, const char *text,
    size_t len);
void pb_attempt_free(struct pb_attempt *a);

/* Set c->outcome/message from its last attempt.  For a defect run the
 * verdict is inverted: a FAIL of the scenario proves the suite notices
 * the defect (PASS); a PASS means it did not (FAIL).  ERROR, ABORTED and
 * SKIPPED stay as they are. */
void pb_case_finish(struct pb_case *c);

/* Why an attempt ended as it did, with its location once: "file.lua:12:
 * message" (a message that starts with its location as Lua's do is
 * taken as it is; a location alone when there is no message).  The one
 * form for the console, the JUnit message and a defect run's verdict.
 * Returns the length written (buf is always NUL-terminated). */
size_t pb_attempt_reason(const struct pb_attempt *a, char *buf, size_t n);

/* The measurements of a PASS that were outside their marginal limits,
 * as "name = value unit outside marginal [lo .. hi] at file.lua:12",
 * joined by "; " and cut with "..." to fit.  Returns how many there
 * were (0: buf is ""). */
size_t pb_attempt_marginals(const struct pb_attempt *a, char *buf, size_t n);

struct pb_counts {
	unsigned tests, passed, failed, errors, aborted, skipped;
};
void pb_report_counts(const struct pb_report *r, const char *suite_filter,
    struct pb_counts *n);
/* "N passed, N failed, N skipped" where failed counts FAIL, ERROR and
 * ABORTED cases. */
void pb_report_summary_line(const struct pb_report *r, char *buf, size_t n);


/* The JUnit testsuite a case belongs to: "<suite>.<rig_kind>" or
 * "<suite>.<rig_kind>.defects" for defect runs. */
void pb_case_suite_name(const struct pb_report *r, const struct pb_case *c,
    char *buf, size_t n);

int pb_report_write_json(const struct pb_report *r, FILE *f);
int pb_report_write_junit(const struct pb_report *r, FILE *f);

enum pb_report_err {
	PB_REPORT_OK = 0,
	PB_REPORT_E_IO = -1,     /* cannot write the file (errno in message) */
	PB_REPORT_E_HASH = -2,   /* cannot read or hash the scenario file */
	PB_REPORT_E_FORMAT = -3  /* a record read back is not one */
};

/* Read a JSON record (pumphil-record/1, as pb_report_write_json writes
 * it) back into r, for `pumphil trace`: everything the verification
 * matrix needs (provenance, cases, attempts, measurements, traces; not
 * the logs).  Strict about the shape (an object per case, attempt and
 * measurement, known outcomes, a trace with a time base), bounded (at most
 * PB_REPORT_READ_MAX bytes, nesting 64, PB_REPORT_READ_CASES cases, the
 * writers' caps per attempt), every string cleaned to valid UTF-8.  0, or
 * PB_REPORT_E_FORMAT / _IO with "NAME: why" in err (r is then empty:
 * free it anyway).  pb_report_parse_json() is pure. */
#define PB_REPORT_READ_MAX     (256u << 20)
#define PB_REPORT_READ_CASES   100000u
#define PB_REPORT_READ_TRACES  16u
#define PB_REPORT_READ_SAMPLES 200000u
int pb_report_parse_json(struct pb_report *r, const char *text, size_t len,
    const char *name, char *err, size_t errlen);
int pb_report_load_json(struct pb_report *r, const char *path, char *err,
    size_t errlen);
/* Write JSON and/or JUnit (either path may be NULL) atomically.  On
 * error a message naming the file is put in err. */
int pb_report_save(const struct pb_report *r, const char *json_path,
    const char *junit_path, char *err, size_t errlen);

/* SHA-256 of a file's bytes as 64 hex digits (read through base/file:
 * no FIFO blocks it). */
int pb_sha256_file(const char *path, char hex[65], char *err, size_t errlen);
/* SHA-256 of len bytes as 64 hex digits (libcrypto EVP); "" if the
 * digest is unavailable. */
void pb_sha256_hex(const void *data, size_t len, char hex[65]);

const char *pb_report_strerror(int err);

#endif
