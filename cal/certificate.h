/*
 * cal/certificate.h - the calibration certificate of one unit.
 *
 * Promise: from a finished procedure's result, write the certificate as
 * JSON (json-c), as plain text, and as a self-contained HTML page with an
 * inline SVG plot of the residuals against the acceptance band.  Content:
 * serial, firmware, profile, date, station, reference instrument, points,
 * raw values, fitted coefficients, residuals, verification, verdict and
 * reason.
 *
 * The three files PREFIX.json, PREFIX.txt and PREFIX.html are one output
 * of a calibration run (cal/output.h, pb_cert_files_ops):
 *  - prepare, before the unit is touched: the prefix's directory must
 *    exist and take new files, and each of the three names must be free
 *    or a regular file (a directory, FIFO or device there is refused);
 *    one temporary file per certificate is created next to it
 *    (PREFIX.EXT.XXXXXX, created exclusively, so nothing is followed or
 *    overwritten).  On failure nothing is left behind.
 *  - store: each certificate is written to its temporary file, flushed
 *    and fsync'ed, renamed into place, then the directory is fsync'ed: a
 *    crash never leaves half a certificate.  A later store (the final
 *    result after a PASS was stored) replaces the three files the same
 *    way, with new temporary files.
 *  - close: temporaries not used are removed.
 */
#ifndef PB_CAL_CERTIFICATE_H
#define PB_CAL_CERTIFICATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cal/output.h"
#include "cal/procedure.h"
#include "pump/profile.h"

struct pb_cert_meta {
	const char *station;      /* e.g. "line-3" */
	const char *reference;    /* reference instrument, e.g. "rig ADC MCP3202 + XGZP6847A ref" */
	const char *operator_id;  /* may be NULL */
	int64_t     date_unix;    /* the calibration's date (the date the
	                             run writes into the unit's records) */
	const char *record_id;    /* this run's record in the factory
	                             records store (may be NULL) */
	const char *gauge_id;     /* the reference gauge (may be NULL) */
	const char *gauge_due;    /* its calibration due date, YYYY-MM-DD */
};

enum pb_cert_fmt { PB_CERT_JSON, PB_CERT_TEXT, PB_CERT_HTML };

/* Write to an open stream. Returns 0 or -1. */
int pb_cert_fprint(FILE *f, enum pb_cert_fmt fmt, const struct pb_cal_result *r,
    const struct pb_profile *p, const struct pb_cert_meta *m);
/* The default certificate name "cal-SERIAL-STAMP" (no directory, no
 * extension).  The serial comes from the pump (a PB_STR_LEN field, not
 * necessarily NUL-terminated): every character but letters, digits, '-'
 * and '_' becomes '_', so a pump cannot choose where the files go
 * ("../x" gives "cal-___x-..."); an empty serial is "unknown".  STAMP is
 * the caller's time stamp, e.g. 20261128T090507. */
void pb_cert_default_name(const char *serial, size_t serial_len,
    const char *stamp, char *buf, size_t n);

#define PB_CERT_FILES 3
#define PB_CERT_PATH_MAX 1024

/* The three certificate files of one run as an output.  The prefix,
 * profile and meta are copied.  NULL when out of memory or when the
 * prefix is empty or too long (PB_CERT_PATH_MAX with extension and
 * temporary suffix). */
struct pb_cert_files;
struct pb_cert_files *pb_cert_files_new(const char *prefix,
    const struct pb_profile *p, const struct pb_cert_meta *m);
void pb_cert_files_free(struct pb_cert_files *c);
/* Operations for pb_cal_outputs_add(ops, files). */
extern const struct pb_cal_output_ops pb_cert_files_ops;
/* The certificate files the last successful store left in place (0 until
 * then); paths[i] stays valid until the next store or free. */
int pb_cert_files_paths(const struct pb_cert_files *c,
    const char *paths[PB_CERT_FILES]);

#endif
