/*
 * store/stats.c - factory statistics (see stats.h).
 */
#include "store/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pb_stats_summary(const double *x, size_t n, struct pb_summary *s)
{
	memset(s, 0, sizeof *s);
	s->mean = s->sd = s->min = s->max = NAN;
	/* Welford: stable for many values close together */
	double mean = 0, m2 = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			continue;
		k++;
		double d = x[i] - mean;
		mean += d / (double)k;
		m2 += d * (x[i] - mean);
		if (k == 1 || x[i] < s->min)
			s->min = x[i];
		if (k == 1 || x[i] > s->max)
			s->max = x[i];
	}
	s->n = k;
	if (k > 0)
		s->mean = mean;
	if (k > 1)
		s->sd = sqrt(m2 / (double)(k - 1));
}

double pb_stats_cpk(const struct pb_summary *s, double lsl, double usl)
{
	if (s->n < 2 || !(usl > lsl))
		return NAN;
	double up = usl - s->mean, lo = s->mean - lsl;
	double near = up < lo ? up : lo;
	if (s->sd == 0)
		return near >= 0 ? INFINITY : -INFINITY;
	return near / (3.0 * s->sd);
}

void pb_stats_histogram(const double *x, size_t n, double lo, double hi,
    int nbins, unsigned *counts, unsigned *under, unsigned *over)
{
	unsigned u = 0, o = 0;
	for (int b = 0; b < nbins; b++)
		counts[b] = 0;
	for (size_t i = 0; i < n && nbins > 0 && hi > lo; i++) {
		if (isnan(x[i]))
			continue;
		if (x[i] < lo) {
			u++;
			continue;
		}
		if (x[i] >= hi) {
			o++;
			continue;
		}
		int b = (int)((x[i] - lo) / (hi - lo) * nbins);
		if (b >= nbins)
			b = nbins - 1;
		counts[b]++;
	}
	if (under)
		*under = u;
	if (over)
		*over = o;
}

/* ---- first-pass yield ---------------------------------------------------- */

static long day_of(int64_t ms)
{
	int64_t d = ms / 86400000;
	if (ms < 0 && ms % 86400000)
		d--;
	return (long)d;
}

static int by_serial_time(const void *a, const void *b)
{
	const struct pb_fpy_in *x = *(const struct pb_fpy_in *const *)a;
	const struct pb_fpy_in *y = *(const struct pb_fpy_in *const *)b;
	int c = strcmp(x->serial, y->serial);
	if (c)
		return c;
	return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

static int by_cell(const void *a, const void *b)
{
	const struct pb_fpy_cell *x = a, *y = b;
	int c = strcmp(x->station, y->station);
	if (c)
		return c;
	return (x->day > y->day) - (x->day < y->day);
}

static bool unit_verdict(const char *v)
{
	return strcmp(v, "PASS") == 0 || strcmp(v, "FAIL") == 0;
}

int pb_stats_fpy(const struct pb_fpy_in *in, size_t n,
    struct pb_fpy_cell **out)
{
	*out = NULL;
	const struct pb_fpy_in **p = malloc((n ? n : 1) * sizeof *p);
	struct pb_fpy_cell *cell = malloc((n ? n : 1) * sizeof *cell);
	if (p == NULL || cell == NULL) {
		free(p);
		free(cell);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (in[i].serial && in[i].station && in[i].verdict &&
		    unit_verdict(in[i].verdict))
			p[m++] = &in[i];
	qsort(p, m, sizeof *p, by_serial_time);
	size_t nc = 0;
	for (size_t i = 0; i < m; i++) {
		if (i > 0 && strcmp(p[i]->serial, p[i - 1]->serial) == 0)
			continue;   /* not this unit's first verdict */
		struct pb_fpy_cell *c = &cell[nc++];
		memset(c, 0, sizeof *c);
		snprintf(c->station, sizeof c->station, "%s", p[i]->station);
		c->day = day_of(p[i]->time_ms);
		c->units = 1;
		c->passed = strcmp(p[i]->verdict, "PASS") == 0;
	}
	free(p);
	qsort(cell, nc, sizeof *cell, by_cell);
	size_t k = 0;
	for (size_t i = 0; i < nc; i++) {
		if (k > 0 && by_cell(&cell[k - 1], &cell[i]) == 0) {
			cell[k - 1].units += cell[i].units;
			cell[k - 1].passed += cell[i].passed;
		} else {
			cell[k++] = cell[i];
		}
	}
	*out = cell;
	return (int)k;
}

/* ---- HIL scenarios ---------------------------------------------------- */

static int by_scn_build_time(const void *a, const void *b)
{
	const struct pb_hil_in *x = *(const struct pb_hil_in *const *)a;
	const struct pb_hil_in *y = *(const struct pb_hil_in *const *)b;
	int c = strcmp(x->scenario, y->scenario);
	if (c)
		return c;
	c = strcmp(x->build, y->build);
	if (c)
		return c;
	return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

int pb_stats_hil(const struct pb_hil_in *in, size_t n,
    struct pb_hil_scn **out)
{
	*out = NULL;
	const struct pb_hil_in **p = malloc((n ? n : 1) * sizeof *p);
	struct pb_hil_scn *s = calloc(n ? n : 1, sizeof *s);
	if (p == NULL || s == NULL) {
		free(p);
		free(s);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *o = in[i].outcome;
		if (in[i].scenario && o && (strcmp(o, "PASS") == 0 ||
		    strcmp(o, "FAIL") == 0 || strcmp(o, "ERROR") == 0))
			p[m++] = &in[i];
	}
	qsort(p, m, sizeof *p, by_scn_build_time);
	size_t k = 0;
	for (size_t i = 0; i < m;) {
		struct pb_hil_scn *c = &s[k++];
		snprintf(c->scenario, sizeof c->scenario, "%s", p[i]->scenario);
		size_t j = i;
		while (j < m && strcmp(p[j]->scenario, p[i]->scenario) == 0) {
			/* one build at a time */
			size_t b = j;
			bool pass = false, nopass = false;
			const char *build = p[j]->build ? p[j]->build : "";
			while (b < m && strcmp(p[b]->scenario,
			    p[i]->scenario) == 0 && strcmp(p[b]->build ?
			    p[b]->build : "", build) == 0) {
				const char *o = p[b]->outcome;
				c->runs++;
				if (strcmp(o, "PASS") == 0) {
					c->passed++;
					pass = true;
				} else {
					nopass = true;
					if (strcmp(o, "FAIL") == 0)
						c->failed++;
					else
						c->errors++;
				}
				if (c->last_ms == 0 || p[b]->time_ms >=
				    c->last_ms) {
					c->last_ms = p[b]->time_ms;
					snprintf(c->last_outcome,
					    sizeof c->last_outcome, "%s", o);
				}
				b++;
			}
			if (pass && nopass && !c->flaky) {
				c->flaky = true;
				snprintf(c->flaky_build, sizeof c->flaky_build,
				    "%s", build);
			}
			j = b;
		}
		i = j;
	}
	free(p);
	*out = s;
	return (int)k;
}

/* ---- requirements ------------------------------------------------------ */

static int by_req(const void *a, const void *b)
{
	return strcmp(((const struct pb_req_latest *)a)->requirement,
	    ((const struct pb_req_latest *)b)->requirement);
}

int pb_stats_requirements(const struct pb_req_in *in, size_t n,
    struct pb_req_latest **out)
{
	*out = NULL;
	struct pb_req_latest *r = calloc(n ? n : 1, sizeof *r);
	if (r == NULL)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!in[i].requirement || !in[i].requirement[0])
			continue;
		size_t j = 0;
		while (j < k && strcmp(r[j].requirement, in[i].requirement))
			j++;
		if (j == k)
			k++;
		else if (in[i].time_ms < r[j].time_ms)
			continue;
		snprintf(r[j].requirement, sizeof r[j].requirement, "%s",
		    in[i].requirement);
		snprintf(r[j].scenario, sizeof r[j].scenario, "%s",
		    in[i].scenario ? in[i].scenario : "");
		snprintf(r[j].outcome, sizeof r[j].outcome, "%s",
		    in[i].outcome ? in[i].outcome : "");
		snprintf(r[j].build, sizeof r[j].build, "%s",
		    in[i].build ? in[i].build : "");
		r[j].time_ms = in[i].time_ms;
	}
	qsort(r, k, sizeof *r, by_req);
	*out = r;
	return (int)k;
}
