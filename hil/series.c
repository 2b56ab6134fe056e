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

void pb_series_cycles(const struct pb_series *s, const double *th_lo,
    const double *th_hi, double min_swing, struct pb_cycles *c)
{
	memset(c, 0, sizeof *c);
	c->peak_mean = c->peak_min = c->peak_max = c->trough_mean = NAN;
	if (s->n < 3)
		return;
	double lo = pb_series_min(s), hi = pb_series_max(s);
	if (!(hi - lo >= min_swing))
		return;   /* no cycling worth the name */
	double up = th_hi ? *th_hi : lo + 0.6 * (hi - lo);
	double down = th_lo ? *th_lo : lo + 0.3 * (hi - lo);
	bool armed = s->v[0] < down;
	bool started = false;
	double first = 0, last = 0;
	size_t last_i = 0;
	double psum = 0, tsum = 0, pmin = INFINITY, pmax = -INFINITY;
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
			psum += pk;
			tsum += tr;
			if (pk < pmin)
				pmin = pk;
			if (pk > pmax)
				pmax = pk;
			c->complete++;
		} else {
			started = true;
			first = s->t[i];
		}
		last = s->t[i];
		last_i = i;
	}
	if (c->complete > 0 && last > first) {
		c->rate_cpm = (double)c->complete / (last - first) * 60.0;
		c->peak_mean = psum / (double)c->complete;
		c->trough_mean = tsum / (double)c->complete;
		c->peak_min = pmin;
		c->peak_max = pmax;
	}
}
