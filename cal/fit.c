/*
 * cal/fit.c - least-squares calibration fit (see fit.h).
 *
 * The normal equations are formed on u = (x - mean) / scale, where scale is
 * half the abscissa span, so the matrix entries stay near 1 whatever the
 * counts are; the solution is then expanded back into coefficients of x.
 */
#include <math.h>
#include <string.h>

#include "cal/fit.h"

/* Solve the (order+1)^2 system a * p = b by Gaussian elimination with
 * partial pivoting. Returns 0, or -1 when singular. */
static int
solve(int m, double a[3][3], double b[3], double p[3])
{
	for (int col = 0; col < m; col++) {
		int piv = col;
		for (int r = col + 1; r < m; r++)
			if (fabs(a[r][col]) > fabs(a[piv][col]))
				piv = r;
		if (fabs(a[piv][col]) < 1e-12)
			return -1;
		if (piv != col) {
			for (int k = 0; k < m; k++) {
				double t = a[col][k];
				a[col][k] = a[piv][k];
				a[piv][k] = t;
			}
			double t = b[col];
			b[col] = b[piv];
			b[piv] = t;
		}
		for (int r = col + 1; r < m; r++) {
			double f = a[r][col] / a[col][col];
			for (int k = col; k < m; k++)
				a[r][k] -= f * a[col][k];
			b[r] -= f * b[col];
		}
	}
	for (int r = m - 1; r >= 0; r--) {
		double s = b[r];
		for (int k = r + 1; k < m; k++)
			s -= a[r][k] * p[k];
		p[r] = s / a[r][r];
	}
	return 0;
}

double
pb_cal_eval(const double c[3], double x)
{
	return c[0] + x * (c[1] + x * c[2]);
}

int
pb_cal_fit(const double *x, const double *y, int n, int order,
    struct pb_cal_fit *out)
{
	if (x == NULL || y == NULL || out == NULL || (order != 1 && order != 2)
	    || n < 1 || n > PB_CAL_MAX_POINTS)
		return PB_FIT_E_ARG;
	memset(out, 0, sizeof *out);
	out->order = order;
	out->n = n;

	/* distinct abscissae */
	int distinct = 0;
	for (int i = 0; i < n; i++) {
		int seen = 0;
		for (int j = 0; j < i; j++)
			if (x[j] == x[i])
				seen = 1;
		distinct += !seen;
	}
	if (distinct < order + 1)
		return PB_FIT_E_POINTS;

	double mean = 0, lo = x[0], hi = x[0];
	for (int i = 0; i < n; i++) {
		mean += x[i];
		if (x[i] < lo)
			lo = x[i];
		if (x[i] > hi)
			hi = x[i];
	}
	mean /= n;
	double scale = (hi - lo) / 2;
	if (scale <= 0)
		return PB_FIT_E_SINGULAR;

	int m = order + 1;
	double a[3][3] = { { 0 } }, b[3] = { 0 }, p[3] = { 0 };
	for (int i = 0; i < n; i++) {
		double u = (x[i] - mean) / scale;
		double pw[5] = { 1, u, u * u, u * u * u, u * u * u * u };
		for (int r = 0; r < m; r++) {
			for (int k = 0; k < m; k++)
				a[r][k] += pw[r + k];
			b[r] += pw[r] * y[i];
		}
	}
	if (solve(m, a, b, p) != 0)
		return PB_FIT_E_SINGULAR;

	/* y = p0 + p1*u + p2*u^2 with u = (x - mean)/scale, expanded in x. */
	double s1 = 1 / scale, s2 = s1 * s1;
	out->c[0] = p[0] - p[1] * mean * s1 + p[2] * mean * mean * s2;
	out->c[1] = p[1] * s1 - 2 * p[2] * mean * s2;
	out->c[2] = p[2] * s2;

	double sq = 0;
	for (int i = 0; i < n; i++) {
		double r = pb_cal_eval(out->c, x[i]) - y[i];
		out->residual[i] = r;
		sq += r * r;
		if (fabs(r) > out->max_abs_residual)
			out->max_abs_residual = fabs(r);
	}
	out->rms_residual = sqrt(sq / n);
	return PB_FIT_OK;
}

double pb_cal_limit(double abs_mmhg, double rel, double ref)
{
	return fmax(abs_mmhg, rel * fabs(ref));
}

bool
pb_cal_accept(const struct pb_cal_fit *f, const double *ref, double abs_mmhg,
    double rel, bool *fails)
{
	bool ok = true;
	for (int i = 0; i < f->n; i++) {
		double lim = pb_cal_limit(abs_mmhg, rel, ref[i]);
		bool bad = !(fabs(f->residual[i]) <= lim);
		if (fails)
			fails[i] = bad;
		if (bad)
			ok = false;
	}
	return ok;
}

const char *
pb_fit_strerror(int err)
{
	switch (err) {
	case PB_FIT_OK:		return "ok";
	case PB_FIT_E_ARG:	return "bad fit arguments (order 1 or 2, 1-16 points)";
	case PB_FIT_E_POINTS:	return "too few distinct calibration points for the fit order";
	case PB_FIT_E_SINGULAR:	return "calibration points are degenerate (no spread in raw counts)";
	}
	return "unknown fit error";
}
