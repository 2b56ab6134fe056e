/*
 * cal/output.h - where a calibration's result goes: the certificate files
 * today, a records database as one more output tomorrow, each behind the
 * same small interface.
 *
 * Promise: a unit is never recalibrated without its record.
 *
 *  1. Before the unit is touched, pb_cal_outputs_prepare() checks and
 *     prepares every output (certificate: the directory exists and takes
 *     new files, the temporary files are created; a database would
 *     connect and open its transaction).  One failure refuses the run:
 *     the station calibrates nothing it cannot record.
 *  2. When the new calibration is written and verified, and before the
 *     pump leaves factory mode, the procedure asks for its record
 *     (PB_CAL_ACT_RECORD): pb_cal_outputs_store() stores the PASS in
 *     every output.  If one fails, the procedure writes the unit's old
 *     calibration back and the verdict becomes ERROR.
 *  3. At the end, pb_cal_outputs_finish() stores the final result in
 *     every output that does not hold it yet: the certificate of a FAIL,
 *     ERROR or ABORTED run, or an ERROR that replaces a PASS an output
 *     had already stored before another output failed.
 *  4. pb_cal_outputs_close() releases what prepare reserved and store did
 *     not use (temporary files are removed).
 *
 * This module is the order of those steps over the outputs' operations;
 * the file and database work lives in each output (cal/certificate.c for
 * the certificate files).  An output's operations return 0 or -1 with a
 * message in err that names what failed ("cal/x.json: No space left on
 * device").
 */
#ifndef PB_CAL_OUTPUT_H
#define PB_CAL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/procedure.h"

#define PB_CAL_MAX_OUTPUTS 4

struct pb_cal_output_ops {
	const char *name;        /* "certificate", "record", for messages */
	/* check and reserve the destination; nothing of the result yet */
	int  (*prepare)(void *ctx, char *err, size_t errlen);
	/* store r (complete and durable on return 0); may be called again
	 * with a later result, which then replaces the earlier one */
	int  (*store)(void *ctx, const struct pb_cal_result *r, char *err,
	    size_t errlen);
	/* release what prepare reserved; what store stored stays */
	void (*close)(void *ctx);
};

struct pb_cal_outputs {
	int n;
	struct {
		const struct pb_cal_output_ops *ops;
		void *ctx;
		bool prepared;
		bool stored;                  /* holds the result below */
		enum pb_cal_verdict verdict;  /* of the stored result */
		bool restored;
	} out[PB_CAL_MAX_OUTPUTS];
};

void pb_cal_outputs_init(struct pb_cal_outputs *o);
/* Returns 0, or -1 when PB_CAL_MAX_OUTPUTS are taken. */
int  pb_cal_outputs_add(struct pb_cal_outputs *o,
    const struct pb_cal_output_ops *ops, void *ctx);
/* Step 1.  On failure the outputs prepared so far are closed again. */
int  pb_cal_outputs_prepare(struct pb_cal_outputs *o, char *err,
    size_t errlen);
/* Step 2: every output, in order; stops at the first failure. */
int  pb_cal_outputs_store(struct pb_cal_outputs *o,
    const struct pb_cal_result *r, char *err, size_t errlen);
/* Step 3: every prepared output whose stored result differs from r
 * (verdict or restore) or that stored nothing; tries them all and
 * returns -1 with every failure in err when one failed. */
int  pb_cal_outputs_finish(struct pb_cal_outputs *o,
    const struct pb_cal_result *r, char *err, size_t errlen);
/* Step 4 (also after a failed prepare or store: safe to call once). */
void pb_cal_outputs_close(struct pb_cal_outputs *o);

#endif
