/*
 * store/calrec.h - a calibration run's record in the factory records
 * store, as one more output of the run (cal/output.h).
 *
 * Promise: the only part of store/ that knows the calibration procedure.
 *
 * - pb_calrec_build() is pure: a procedure result (cal/procedure.h) and
 *   the station's facts (station, operator, gauge, recalibration reason)
 *   become a struct pb_record_cal: every point (raw counts, reference,
 *   residual, the acceptance limit at that reading, the unit's own
 *   as-found reading), each channel's fit and the calibration id written,
 *   the verification, the verdict and its reason.  The pre-calibration
 *   offset of a channel is its as-found error at the 0 mmHg point.
 * - As an output (pb_calrec_ops): prepare, before the unit is touched,
 *   marks the run as open in the store (a write: a store that takes none
 *   refuses the run there); store writes the whole record in one
 *   transaction, with the SHA-256 and size of each certificate file the
 *   certificate output has put in place (add the certificate output
 *   first), and a later store replaces it; close without a store removes
 *   the open mark (the unit was never touched).  A run killed in between
 *   leaves the open mark: `pumphil records --open` shows it.
 * - The record id is made when the output is: the certificate prints it
 *   (struct pb_cert_meta.record_id), the record lists the certificate
 *   files, so each names the other.
 */
#ifndef PB_STORE_CALREC_H
#define PB_STORE_CALREC_H

#include <stdbool.h>
#include <stdint.h>

#include "cal/certificate.h"
#include "cal/output.h"
#include "cal/procedure.h"
#include "pump/profile.h"
#include "store/record.h"
#include "store/store.h"

struct pb_calrec_meta {
	const char *serial;          /* the scanned serial */
	const char *station;
	const char *operator_id;
	const char *host;
	const char *gauge_id;        /* may be "" */
	const char *gauge_due;       /* YYYY-MM-DD or "" */
	const char *reference;       /* reference instrument */
	const struct pb_profile *profile;
	bool        recal;
	const char *recal_reason;
	int64_t     started_ms;      /* wall clock when the run started */
	const struct pb_cert_files *certs;  /* may be NULL */
};

/* Pure.  finished_ms: wall clock of the result. */
void pb_calrec_build(const struct pb_cal_result *r,
    const struct pb_calrec_meta *m, const char *record_id,
    int64_t finished_ms, struct pb_record_cal *out);

struct pb_calrec;
/* The meta is copied (strings too).  NULL when out of memory or when no
 * record id can be made. */
struct pb_calrec *pb_calrec_new(struct pb_store *s,
    const struct pb_calrec_meta *m);
void pb_calrec_free(struct pb_calrec *c);
const char *pb_calrec_id(const struct pb_calrec *c);
/* The last store wrote the record. */
bool pb_calrec_stored(const struct pb_calrec *c);
/* The certificate output whose files go into the record (may be set
 * after the certificate output was made with the record id). */
void pb_calrec_set_certs(struct pb_calrec *c,
    const struct pb_cert_files *certs);
extern const struct pb_cal_output_ops pb_calrec_ops;

#endif
