/*
 * cal/fit.h - least-squares calibration fit and acceptance check.
 *
 * Promise: pure arithmetic.  Given averaged raw sensor counts and the
 * reference vacuum at each calibration point, pb_cal_fit() finds the
 * polynomial vacuum = c0 + c1*counts (+ c2*counts^2) of the requested order
 * by least squares (solved on centred, scaled abscissae with partial
 * pivoting, so a quadratic over 12-bit counts stays well conditioned),
 * reports the residual at each point, and pb_cal_accept() checks every
 * residual against the profile's acceptance:
 * |residual| <= max(abs_mmhg, rel * reading).
 */
#ifndef PB_CAL_FIT_H
#define PB_CAL_FIT_H

#include <stdbool.h>

#define PB_CAL_MAX_POINTS 16

struct pb_cal_fit {
	int    order;                        /* 1 or 2 */
	int    n;                            /* points used */
	double c[3];                         /* c0, c1, c2 (c2 = 0 if linear) */
	double residual[PB_CAL_MAX_POINTS];  /* fitted - reference, mmHg */
	double max_abs_residual;
	double rms_residual;
};

enum pb_fit_err {
	PB_FIT_OK = 0,
	PB_FIT_E_ARG = -1,       /* order not 1/2, n out of range */
	PB_FIT_E_POINTS = -2,    /* fewer distinct points than order + 1 */
	PB_FIT_E_SINGULAR = -3   /* degenerate abscissae */
};

/* Fit order 1 or 2 to n points (x = raw counts, y = reference mmHg). */
int pb_cal_fit(const double *x, const double *y, int n, int order,
    struct pb_cal_fit *out);

/* Evaluate c0 + c1*x + c2*x^2. */
double pb_cal_eval(const double c[3], double x);

/* The acceptance limit at reference reading ref:
 * max(abs_mmhg, rel * |ref|), mmHg. */
double pb_cal_limit(double abs_mmhg, double rel, double ref);

/* Acceptance: a residual r at reference reading ref passes when
 * |r| <= max(abs_mmhg, rel * |ref|), i.e. "+/-3 mmHg or 1 % of reading,
 * whichever is greater", the usual form of a pressure instrument spec.
 * (Both bounds at once would demand a zero residual at the 0 mmHg point.)
 * Returns true when every residual passes; fails[] (may be NULL) gets a
 * per-point verdict, true where the point failed. */
bool pb_cal_accept(const struct pb_cal_fit *f, const double *ref,
    double abs_mmhg, double rel, bool *fails);

const char *pb_fit_strerror(int err);

#endif
