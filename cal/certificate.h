/*
 * cal/certificate.h - the calibration certificate of one unit.
 *
 * Promise: from a finished procedure's result, write the certificate as
 * JSON (json-c), as plain text, and as a self-contained HTML page with an
 * inline SVG plot of the residuals against the acceptance band.  Each file
 * is written to a temporary name and renamed into place, so a crash never
 * leaves half a certificate.  Content: serial, firmware, profile, date,
 * station, reference instrument, points, raw values, fitted coefficients,
 * residuals, verification, verdict and reason.
 */
#ifndef PB_CAL_CERTIFICATE_H
#define PB_CAL_CERTIFICATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cal/procedure.h"
#include "pump/profile.h"

struct pb_cert_meta {
	const char *station;      /* e.g. "line-3" */
	const char *reference;    /* reference instrument, e.g. "rig ADC MCP3202 + XGZP6847A ref" */
	const char *operator_id;  /* may be NULL */
	int64_t     date_unix;    /* when the calibration finished */
};

enum pb_cert_fmt { PB_CERT_JSON, PB_CERT_TEXT, PB_CERT_HTML };

/* Write to an open stream. Returns 0 or -1. */
int pb_cert_fprint(FILE *f, enum pb_cert_fmt fmt, const struct pb_cal_result *r,
    const struct pb_profile *p, const struct pb_cert_meta *m);
/* Write to path atomically (path.tmp then rename). Returns 0, or -1 with
 * "path: reason" in err. */
int pb_cert_write(const char *path, enum pb_cert_fmt fmt,
    const struct pb_cal_result *r, const struct pb_profile *p,
    const struct pb_cert_meta *m, char *err, size_t errlen);
/* Format from a file name's extension: .json, .html/.htm, else text. */
enum pb_cert_fmt pb_cert_fmt_for(const char *path);

#endif
