/*
 * store/workflow.h - the station's rules before a unit is touched.
 *
 * Promise: pure decisions, shared by `pumphil calibrate` and the
 * dashboard's calibration screen, so the two stations refuse the same
 * things with the same words:
 *
 * - a scanned line (a barcode scanner types the serial and Enter, maybe
 *   with a carriage return or spaces around it) becomes the serial, or is
 *   refused (empty, control characters, longer than the pump stores);
 * - the serial the unit reports must be the one scanned (exactly: a
 *   scanner does not mistype, so a difference is the wrong unit);
 * - an operator ID is 1..63 printable characters;
 * - the reference gauge must not be past its due date (due today is
 *   still in date); within 14 days a warning is given;
 * - a unit that already passed is refused unless it is a recalibration
 *   with its reason.
 *
 * Each check returns 0 (go on) or -1 with a one-line reason that says
 * what to do.
 */
#ifndef PB_STORE_WORKFLOW_H
#define PB_STORE_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_WF_SERIAL_MAX   15    /* the pump's serial field */
#define PB_WF_OPERATOR_MAX 63
#define PB_WF_GAUGE_WARN_DAYS 14

/* A scanned or typed line to a serial (out: PB_WF_SERIAL_MAX + 1). */
int pb_wf_serial(const char *line, char *out, size_t outlen, char *err,
    size_t errlen);
/* A scanned or typed operator ID. */
int pb_wf_operator(const char *line, char *out, size_t outlen, char *err,
    size_t errlen);
/* The unit's own serial (reported, up to len bytes, NUL-padded) against
 * the scanned one. */
int pb_wf_serial_match(const char *scanned, const char *reported,
    size_t reported_len, char *err, size_t errlen);
/* The gauge against today's date (days since 1970-01-01, UTC).
 * warn (may be NULL) gets a warning when it falls due soon, else "". */
int pb_wf_gauge(const char *gauge_id, const char *due, long due_days,
    long today_days, char *err, size_t errlen, char *warn, size_t warnlen);
/* Days since 1970-01-01 of a Unix time in seconds (UTC). */
long pb_wf_days(int64_t unix_s);
/* A unit that passed before: allowed only as a recalibration with a
 * reason.  passed_when/where describe the last PASS for the message. */
int pb_wf_recal(bool passed_before, bool recal, const char *reason,
    const char *serial, const char *passed_when, const char *passed_where,
    char *err, size_t errlen);

#endif
