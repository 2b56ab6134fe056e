/*
 * hil/series.c - statistics over a sampled signal. See series.h.
 */
#include "hil/series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pb_series_init(struct pb_series *s, size_t max)
{
	memset(s, 0, sizeof *s);
	s->max = max;
}

int pb_series_push(struct pb_series *s, double t, double v)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		if (nc > s->max)
			nc = s->max;
		if (nc <= s->n) {
			s->full = true;
			return -1;
		}
		double *nt = realloc(s->t, nc * sizeof *nt);
		if (!nt) {
			s->full = true;
			return -1;
		}
		s->t = nt;
		double *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv) {
			s->full = true;
			return -1;
		}
		s->v = nv;
		s->cap = nc;
	}
	s->t[s->n] = t;
	s->v[s->n] = v;
	s->n++;
	return 0;
}

void pb_series_free(struct pb_series *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof *s);
}

double pb_series_max(const struct pb_series *s)
{
	double m = -INFINITY;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] > m)
			m = s->v[i];
	return s->n ? m : NAN;
}

double pb_series_min(const struct pb_series *s)
{
	double m = INFINITY;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] < m)
			m = s->v[i];
	return s->n ? m : NAN;
}

double pb_series_mean(const struct pb_series *s)
{
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	return s->n ? sum / (double)s->n : NAN;
}

double pb_series_slope(const struct pb_series *s)
{
	if (s->n < 2)
		return NAN;
	double mt = 0, mv = 0;
	for (size_t i = 0; i < s->n; i++) {
		mt += s->t[i];
		mv += s->v[i];
	}
	mt /= (double)s->n;
	mv /= (double)s->n;
	double sxy = 0, sxx = 0;
	for (size_t i = 0; i < s->n; i++) {
		sxy += (s->t[i] - mt) * (s->v[i] - mv);
		sxx += (s->t[i] - mt) * (s->t[i] - mt);
	}
	return sxx > 0 ? sxy / sxx : NAN;
}

/* One pass of the cycle finder: each whole cycle's peak and trough, and
 * (with mid) the sums of the peaks below and at or above mid. */
struct cyc_acc {
	size_t n, n_low, n_high;
	double psum, tsum, pmin, pmax, low_sum, high_sum, first, last;
};

static void cycle_pass(const struct pb_series *s, double up, double down,
    double mid, struct cyc_acc *a)
{
	memset(a, 0, sizeof *a);
	a->pmin = INFINITY;
	a->pmax = -INFINITY;
	bool armed = s->v[0] < down;
	bool started = false;
	size_t last_i = 0;
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i] < down)
			armed = true;
		if (!armed || !(s->v[i] >= up))
			continue;
		armed = false;
		if (started) {
			/* one whole cycle: from the last crossing to this */
			double pk = -INFINITY, tr = INFINITY;
			for (size_t k = last_i; k < i; k++) {
				if (s->v[k] > pk)
					pk = s->v[k];
				if (s->v[k] < tr)
					tr = s->v[k];
			}
			a->psum += pk;
			a->tsum += tr;
			if (pk < a->pmin)
				a->pmin = pk;
			if (pk > a->pmax)
				a->pmax = pk;
			if (pk < mid) {
				a->low_sum += pk;
				a->n_low++;
			} else {
				a->high_sum += pk;
				a->n_high++;
			}
			a->n++;
		} else {
			started = true;
			a->first = s->t[i];
		}
		a->last = s->t[i];
		last_i = i;
	}
}

void pb_series_cycles(const struct pb_series *s, const double *th_lo,
    const double *th_hi, double min_swing, struct pb_cycles *c)
{
	memset(c, 0, sizeof *c);
	c->peak_mean = c->peak_min = c->peak_max = c->trough_mean = NAN;
	c->peak_low = c->peak_high = NAN;
	if (s->n < 3)
		return;
	double lo = pb_series_min(s), hi = pb_series_max(s);
	if (!(hi - lo >= min_swing))
		return;   /* no cycling worth the name */
	double up = th_hi ? *th_hi : lo + 0.6 * (hi - lo);
	double down = th_lo ? *th_lo : lo + 0.3 * (hi - lo);
	struct cyc_acc a;
	cycle_pass(s, up, down, INFINITY, &a);
	if (a.n == 0 || !(a.last > a.first))
		return;
	c->complete = a.n;
	c->rate_cpm = (double)a.n / (a.last - a.first) * 60.0;
	c->peak_mean = a.psum / (double)a.n;
	c->trough_mean = a.tsum / (double)a.n;
	c->peak_min = a.pmin;
	c->peak_max = a.pmax;
	/* the same cycles again, split at the middle of their peaks */
	cycle_pass(s, up, down, (a.pmin + a.pmax) / 2.0, &a);
	c->peak_low = a.n_low ? a.low_sum / (double)a.n_low : c->peak_max;
	c->peak_high = a.n_high ? a.high_sum / (double)a.n_high : c->peak_max;
}
