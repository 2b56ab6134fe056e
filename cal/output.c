/*
 * cal/output.c - the order of a calibration's outputs: prepare before the
 * unit is touched, store the PASS before it leaves factory mode, finish
 * with the final result, close (see output.h).
 */
#include <stdio.h>
#include <string.h>

#include "cal/output.h"

void
pb_cal_outputs_init(struct pb_cal_outputs *o)
{
	memset(o, 0, sizeof *o);
}

int
pb_cal_outputs_add(struct pb_cal_outputs *o,
    const struct pb_cal_output_ops *ops, void *ctx)
{
	if (o->n >= PB_CAL_MAX_OUTPUTS || ops == NULL)
		return -1;
	memset(&o->out[o->n], 0, sizeof o->out[o->n]);
	o->out[o->n].ops = ops;
	o->out[o->n].ctx = ctx;
	o->n++;
	return 0;
}

/* "name: what" into err */
static void
blame(char *err, size_t errlen, const char *name, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", name, what);
}

int
pb_cal_outputs_prepare(struct pb_cal_outputs *o, char *err, size_t errlen)
{
	for (int i = 0; i < o->n; i++) {
		char why[512] = "";
		if (o->out[i].ops->prepare(o->out[i].ctx, why, sizeof why) != 0) {
			blame(err, errlen, o->out[i].ops->name, why);
			pb_cal_outputs_close(o);
			return -1;
		}
		o->out[i].prepared = true;
	}
	return 0;
}

static int
store_one(struct pb_cal_outputs *o, int i, const struct pb_cal_result *r,
    char *why, size_t whylen)
{
	/* until it succeeds the output holds nothing we can vouch for */
	o->out[i].stored = false;
	if (o->out[i].ops->store(o->out[i].ctx, r, why, whylen) != 0)
		return -1;
	o->out[i].stored = true;
	o->out[i].verdict = r->verdict;
	o->out[i].restored = r->restored;
	return 0;
}

int
pb_cal_outputs_store(struct pb_cal_outputs *o, const struct pb_cal_result *r,
    char *err, size_t errlen)
{
	for (int i = 0; i < o->n; i++) {
		char why[512] = "";
		if (!o->out[i].prepared) {
			blame(err, errlen, o->out[i].ops->name, "not prepared");
			return -1;
		}
		if (store_one(o, i, r, why, sizeof why) != 0) {
			blame(err, errlen, o->out[i].ops->name, why);
			return -1;
		}
	}
	return 0;
}

int
pb_cal_outputs_finish(struct pb_cal_outputs *o, const struct pb_cal_result *r,
    char *err, size_t errlen)
{
	int rc = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (int i = 0; i < o->n; i++) {
		if (!o->out[i].prepared)
			continue;
		if (o->out[i].stored && o->out[i].verdict == r->verdict &&
		    o->out[i].restored == r->restored)
			continue;
		char why[512] = "";
		if (store_one(o, i, r, why, sizeof why) == 0)
			continue;
		rc = -1;
		if (err != NULL && errlen > 0) {
			size_t used = strlen(err);
			snprintf(err + used, errlen - used, "%s%s: %s",
			    used ? "; " : "", o->out[i].ops->name, why);
		}
	}
	return rc;
}

void
pb_cal_outputs_close(struct pb_cal_outputs *o)
{
	for (int i = 0; i < o->n; i++) {
		if (o->out[i].prepared)
			o->out[i].ops->close(o->out[i].ctx);
		o->out[i].prepared = false;
	}
}
