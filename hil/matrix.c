/*
 * hil/matrix.c - the verification matrix and its HTML and CSV writers.
 * See matrix.h.
 */
#include "hil/matrix.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/isotime.h"
#include "store/svg.h"

const char *pb_matrix_outcome_name(int outcome)
{
	if (outcome == PB_MATRIX_UNTESTED)
		return "UNTESTED";
	return pb_outcome_name((enum pb_outcome)outcome);
}

void pb_matrix_series_key(const char *name, char *key, size_t n)
{
	size_t k = 0;
	const char *p = name;
	/* a trailing "[...]" names the injection point, not the series */
	const char *end = name + strlen(name);
	const char *br = strrchr(name, '[');
	if (br && end > br && end[-1] == ']')
		end = br;
	while (p < end && k + 1 < n) {
		if (*p == '#' && isdigit((unsigned char)p[1])) {
			p++;
			while (p < end && isdigit((unsigned char)*p))
				p++;
			while (p < end && *p == ' ')
				p++;
			continue;
		}
		key[k++] = *p++;
	}
	while (k && key[k - 1] == ' ')
		k--;
	key[k] = '\0';
}

/* ---- building ---------------------------------------------------------- */

static bool lists(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *q = list; *q;) {
		size_t k = strcspn(q, " ");
		if (k == n && strncmp(q, id, n) == 0)
			return true;
		q += k;
		while (*q == ' ')
			q++;
	}
	return false;
}

static int push_idx(size_t **v, size_t *n, size_t x)
{
	size_t *nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv)
		return -1;
	nv[(*n)++] = x;
	*v = nv;
	return 0;
}

static struct pb_matrix_row *add_row(struct pb_matrix *m, const char *id,
    size_t idlen, const struct pb_requirement *req)
{
	struct pb_matrix_row *nr = realloc(m->rows, (m->n + 1) * sizeof *nr);
	if (!nr)
		return NULL;
	m->rows = nr;
	struct pb_matrix_row *r = &m->rows[m->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%.*s", (int)idlen, id);
	r->req = req;
	r->outcome = PB_MATRIX_UNTESTED;
	return r;
}

static struct pb_matrix_row *find_row(struct pb_matrix *m, const char *id,
    size_t n)
{
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->rows[i].id) == n && strncmp(m->rows[i].id, id, n)
		    == 0)
			return &m->rows[i];
	return NULL;
}

/* The outcome that says most: FAIL over ERROR/ABORTED over PASS over
 * SKIPPED. */
static int rank(int o)
{
	switch (o) {
	case PB_OUT_FAIL: return 4;
	case PB_OUT_ERROR: return 3;
	case PB_OUT_ABORTED: return 3;
	case PB_OUT_PASS: return 2;
	case PB_OUT_SKIPPED: return 1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char *case_series_key(const struct pb_matrix_meas *t,
    char *buf, size_t n)
{
	pb_matrix_series_key(t->m->name, buf, n);
	return buf;
}

/* Group a row's measurements into series (stable: the first measurement
 * of a series decides its place) and compute each distribution. */
static int make_series(struct pb_matrix_row *r)
{
	if (!r->n_meas)
		return 0;
	struct pb_matrix_meas *sorted = malloc(r->n_meas * sizeof *sorted);
	double *vals = malloc(r->n_meas * sizeof *vals);
	r->series = calloc(r->n_meas, sizeof *r->series);
	if (!sorted || !vals || !r->series) {
		free(sorted);
		free(vals);
		return -1;
	}
	size_t out = 0;
	bool *used = calloc(r->n_meas, sizeof *used);
	if (!used) {
		free(sorted);
		free(vals);
		return -1;
	}
	char k1[96], k2[96];
	for (size_t i = 0; i < r->n_meas; i++) {
		if (used[i])
			continue;
		struct pb_matrix_series *s = &r->series[r->n_series++];
		case_series_key(&r->meas[i], k1, sizeof k1);
		snprintf(s->key, sizeof s->key, "%s", k1);
		snprintf(s->unit, sizeof s->unit, "%s", r->meas[i].m->unit);
		s->first = out;
		for (size_t j = i; j < r->n_meas; j++) {
			if (used[j] || strcmp(r->meas[j].m->unit, s->unit) != 0)
				continue;
			if (strcmp(case_series_key(&r->meas[j], k2, sizeof k2),
			    k1) != 0)
				continue;
			used[j] = true;
			sorted[out++] = r->meas[j];
		}
		s->n = out - s->first;
		s->timing = strcmp(s->unit, "s") == 0;
		s->min = s->median = s->p95 = s->max = NAN;
		for (size_t j = s->first; j < out; j++) {
			const struct pb_measurement *m = sorted[j].m;
			if (m->outcome == PB_OUT_FAIL)
				s->failed++;
			if (!isnan(m->value))
				vals[s->n_values++] = m->value;
			if (m->high.set && (!s->have_limit ||
			    m->high.v < s->limit)) {
				s->have_limit = true;
				s->limit = m->high.v;
			}
		}
		if (s->n_values) {
			qsort(vals, s->n_values, sizeof *vals, cmp_double);
			size_t nv = s->n_values;
			s->min = vals[0];
			s->max = vals[nv - 1];
			s->median = nv % 2 ? vals[nv / 2] :
			    (vals[nv / 2 - 1] + vals[nv / 2]) / 2;
			/* nearest rank: the smallest value with at least
			 * 95 % of the values at or below it */
			size_t rk = (size_t)ceil(0.95 * (double)nv);
			s->p95 = vals[rk ? rk - 1 : 0];
		}
	}
	memcpy(r->meas, sorted, r->n_meas * sizeof *sorted);
	free(sorted);
	free(vals);
	free(used);
	return 0;
}

void pb_matrix_free(struct pb_matrix *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->rows[i].cases);
		free(m->rows[i].controls);
		free(m->rows[i].meas);
		free(m->rows[i].series);
	}
	free(m->rows);
	free(m->orphans);
	memset(m, 0, sizeof *m);
}

static int add_case(struct pb_matrix *m, const struct pb_report *rep,
    size_t ci)
{
	const struct pb_case *c = &rep->cases[ci];
	if (!c->requirements[0])
		return c->defect_run ? 0 : push_idx(&m->orphans, &m->n_orphans,
		    ci);
	for (const char *q = c->requirements; *q;) {
		size_t k = strcspn(q, " ");
		struct pb_matrix_row *r = find_row(m, q, k);
		if (!r && !(r = add_row(m, q, k, NULL)))
			return -1;
		if (c->defect_run) {
			if (push_idx(&r->controls, &r->n_controls, ci))
				return -1;
		} else {
			if (push_idx(&r->cases, &r->n_cases, ci))
				return -1;
			if (r->outcome == PB_MATRIX_UNTESTED ||
			    rank(c->outcome) > rank(r->outcome))
				r->outcome = c->outcome;
			/* the evidence: the last attempt's measurements */
			const struct pb_attempt *a = c->n_attempts ?
			    &c->attempts[c->n_attempts - 1] : NULL;
			for (size_t i = 0; a && i < a->n_meas; i++) {
				const struct pb_measurement *me = &a->meas[i];
				const char *id = me->requirement;
				if (strlen(id) != strlen(r->id) ||
				    strcmp(id, r->id) != 0)
					continue;
				struct pb_matrix_meas *nm = realloc(r->meas,
				    (r->n_meas + 1) * sizeof *nm);
				if (!nm)
					return -1;
				r->meas = nm;
				r->meas[r->n_meas++] = (struct pb_matrix_meas){
					ci, me };
			}
		}
		q += k;
		while (*q == ' ')
			q++;
	}
	return 0;
}

int pb_matrix_build(const struct pb_report *rep, struct pb_matrix *m)
{
	memset(m, 0, sizeof *m);
	const struct pb_requirement_set *set = &rep->requirements;
	for (size_t i = 0; i < set->n; i++)
		if (!add_row(m, set->req[i].id, strlen(set->req[i].id),
		    &set->req[i]))
			goto oom;
	for (size_t ci = 0; ci < rep->n_cases; ci++)
		if (add_case(m, rep, ci))
			goto oom;
	for (size_t i = 0; i < m->n; i++) {
		struct pb_matrix_row *r = &m->rows[i];
		/* a case that was skipped verified nothing */
		if (r->outcome == PB_OUT_SKIPPED)
			r->outcome = PB_MATRIX_UNTESTED;
		if (make_series(r))
			goto oom;
		if (r->outcome == PB_MATRIX_UNTESTED)
			m->untested++;
		else if (r->outcome == PB_OUT_PASS)
			m->passed++;
		else
			m->failed++;
	}
	(void)lists;
	return 0;
oom:
	pb_matrix_free(m);
	return -1;
}

/* ---- HTML ---------------------------------------------------------------- */

static const char *css =
"body{font-family:sans-serif;margin:1.5em;color:#222}"
"table{border-collapse:collapse;margin:0.5em 0 1.5em}"
"th,td{border:1px solid #bbb;padding:3px 6px;vertical-align:top;"
"font-size:13px;text-align:left}"
"th{background:#eee}"
"tr.UNTESTED td{background:#f8d0d0}"
"td.UNTESTED,td.FAIL,td.ERROR,td.ABORTED{color:#b00;font-weight:bold}"
"td.PASS{color:#070;font-weight:bold}"
"td.num{text-align:right;font-variant-numeric:tabular-nums}"
"dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}"
"dt{font-weight:bold}dd{margin:0}"
".small{font-size:12px;color:#555}";

static void kv(struct pb_sbuf *b, const char *k, const char *v)
{
	pb_sbuf_printf(b, "<dt>");
	pb_sbuf_html(b, k);
	pb_sbuf_printf(b, "</dt><dd>");
	pb_sbuf_html(b, v && v[0] ? v : "-");
	pb_sbuf_printf(b, "</dd>\n");
}

static void num(struct pb_sbuf *b, double v)
{
	if (isnan(v))
		pb_sbuf_printf(b, "-");
	else
		pb_sbuf_num(b, v, 6, false);
}

static void td_text(struct pb_sbuf *b, const char *s)
{
	pb_sbuf_printf(b, "<td>");
	pb_sbuf_html(b, s);
	pb_sbuf_printf(b, "</td>");
}

static void td_num(struct pb_sbuf *b, double v)
{
	pb_sbuf_printf(b, "<td class=\"num\">");
	num(b, v);
	pb_sbuf_printf(b, "</td>");
}

static void outcome_cell(struct pb_sbuf *b, int o)
{
	const char *n = pb_matrix_outcome_name(o);
	pb_sbuf_printf(b, "<td class=\"%s\">%s</td>", n, n);
}

/* One timing series as a strip chart: each injection a point, the
 * requirement's limit a line. */
static void series_svg(struct pb_sbuf *b, const struct pb_matrix_row *r,
    const struct pb_matrix_series *s)
{
	double *x = malloc(s->n * sizeof *x), *y = malloc(s->n * sizeof *y);
	if (!x || !y) {
		free(x);
		free(y);
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		x[i] = (double)(i + 1);
		y[i] = r->meas[s->first + i].m->value;
	}
	char title[200];
	snprintf(title, sizeof title, "%s: %s (%zu)", r->id, s->key, s->n);
	struct pb_svg_chart c = { .title = title, .xlabel = "injection",
		.ylabel = "s", .xmin = 0, .xmax = (double)s->n + 1,
		.ymin = 0, .ymax = NAN, .width = 420, .height = 160 };
	if (s->have_limit) {
		c.nhline = 1;
		c.hline[0] = s->limit;
		c.hline_label[0] = "limit";
	}
	struct pb_svg_series ser = { .name = s->key, .x = x, .y = y,
		.n = s->n, .points = true };
	pb_svg_xy(b, &c, &ser, 1);
	free(x);
	free(y);
}

/* The traces of a failed attempt, as one chart per unit. */
static void failure_svg(struct pb_sbuf *b, const struct pb_case *c,
    const struct pb_attempt *a)
{
	static const char *const units[] = { "mmHg", "V", "" };
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		struct pb_svg_series ser[8];
		double *xs[8] = { 0 };
		int ns = 0;
		for (size_t i = 0; i < a->n_traces && ns < 8; i++) {
			const struct pb_trace *t = &a->traces[i];
			bool other = true;
			for (size_t k = 0; k + 1 < sizeof units / sizeof units[0];
			    k++)
				if (strcmp(t->unit, units[k]) == 0)
					other = false;
			if (units[u][0] ? strcmp(t->unit, units[u]) != 0 : !other)
				continue;
			if (!t->n)
				continue;
			double *x = malloc(t->n * sizeof *x);
			if (!x)
				break;
			for (size_t k = 0; k < t->n; k++)
				x[k] = t->t0_s + (double)k * t->period_s;
			xs[ns] = x;
			ser[ns] = (struct pb_svg_series){ .name = t->name,
				.x = x, .y = t->v, .n = t->n, .lines = true };
			ns++;
		}
		if (ns) {
			char title[256];
			snprintf(title, sizeof title, "%s attempt %d: %s", c->name,
			    a->number, units[u][0] ? units[u] : "lines (0/1)");
			struct pb_svg_chart ch = { .title = title,
				.xlabel = "rig time (s)", .ylabel = units[u],
				.xmin = NAN, .xmax = NAN, .ymin = NAN, .ymax = NAN };
			pb_svg_xy(b, &ch, ser, ns);
		}
		for (int i = 0; i < ns; i++)
			free(xs[i]);
	}
}

static void case_list(struct pb_sbuf *b, const struct pb_report *rep,
    const size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pb_case *c = &rep->cases[idx[i]];
		pb_sbuf_html(b, c->name);
		pb_sbuf_printf(b, ": <b>%s</b>%s", pb_outcome_name(c->outcome),
		    i + 1 < n ? "<br>" : "");
	}
	if (!n)
		pb_sbuf_printf(b, "-");
}

static void header(struct pb_sbuf *b, const struct pb_report *rep,
    const struct pb_matrix *m)
{
	char t0[40], t1[40], seed[32] = "";
	pb_isotime(rep->start_ms, PB_ISO_UTC_MS, t0, sizeof t0);
	pb_isotime(rep->end_ms, PB_ISO_UTC_MS, t1, sizeof t1);
	if (rep->have_seed)
		snprintf(seed, sizeof seed, "%llu",
		    (unsigned long long)rep->seed);
	const struct pb_requirement_set *set = &rep->requirements;
	pb_sbuf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Verification matrix</title>"
	    "<style>%s</style></head><body>\n<h1>Verification matrix</h1>\n",
	    css);
	pb_sbuf_printf(b, "<dl>\n");
	kv(b, "requirements", set->title);
	kv(b, "revision", set->revision);
	kv(b, "requirement file", set->path);
	kv(b, "its SHA-256", set->sha256);
	if (rep->requirements_error[0])
		kv(b, "requirement file error", rep->requirements_error);
	kv(b, "tool", rep->tool_version);
	kv(b, "tool SHA-256", rep->tool_sha256);
	kv(b, "rig", rep->rig);
	kv(b, "rig file", rep->rig_file);
	kv(b, "rig file SHA-256", rep->rig_sha256);
	kv(b, "host", rep->hostname);
	kv(b, "operator", rep->operator_id);
	kv(b, "seed", seed);
	kv(b, "sensor model", rep->sensor_model);
	kv(b, "start (UTC)", t0);
	kv(b, "end (UTC)", t1);
	pb_sbuf_printf(b, "</dl>\n<p>%zu requirements: %zu passed, %zu "
	    "failed, <b%s>%zu untested</b>; %zu scenario(s) verify no "
	    "requirement.</p>\n", m->n, m->passed, m->failed,
	    m->untested ? " style=\"color:#b00\"" : "", m->untested,
	    m->n_orphans);
}

void pb_matrix_write_html(const struct pb_report *rep,
    const struct pb_matrix *m, struct pb_sbuf *b)
{
	header(b, rep, m);
	pb_sbuf_printf(b, "<h2>Requirements</h2>\n<table>\n<tr><th>ID</th>"
	    "<th>requirement</th><th>class</th><th>hazard</th><th>scenarios"
	    "</th><th>negative controls (defect runs)</th><th>evidence</th>"
	    "<th>outcome</th></tr>\n");
	for (size_t i = 0; i < m->n; i++) {
		const struct pb_matrix_row *r = &m->rows[i];
		const char *on = pb_matrix_outcome_name(r->outcome);
		pb_sbuf_printf(b, "<tr class=\"%s\" id=\"", on);
		pb_sbuf_html(b, r->id);
		pb_sbuf_printf(b, "\"><td>");
		pb_sbuf_html(b, r->id);
		pb_sbuf_printf(b, "</td><td>");
		if (r->req) {
			pb_sbuf_printf(b, "<b>");
			pb_sbuf_html(b, r->req->title);
			pb_sbuf_printf(b, "</b><br><span class=\"small\">");
			pb_sbuf_html(b, r->req->text);
			pb_sbuf_printf(b, "<br>source: ");
			pb_sbuf_html(b, r->req->source);
			pb_sbuf_printf(b, "</span></td><td>");
			pb_sbuf_html(b, r->req->cls);
			pb_sbuf_printf(b, "</td><td>");
			pb_sbuf_html(b, r->req->hazard);
		} else {
			pb_sbuf_printf(b, "<b>not in the requirement file"
			    "</b></td><td>-</td><td>-");
		}
		pb_sbuf_printf(b, "</td><td>");
		case_list(b, rep, r->cases, r->n_cases);
		pb_sbuf_printf(b, "</td><td>");
		case_list(b, rep, r->controls, r->n_controls);
		pb_sbuf_printf(b, "</td><td>");
		for (size_t k = 0; k < r->n_series; k++) {
			const struct pb_matrix_series *s = &r->series[k];
			pb_sbuf_html(b, s->key);
			pb_sbuf_printf(b, " <span class=\"small\">(%zu%s", s->n,
			    s->failed ? ", " : "");
			if (s->failed)
				pb_sbuf_printf(b, "<b>%zu FAIL</b>", s->failed);
			pb_sbuf_printf(b, ")</span>");
			if (s->timing && s->n_values) {
				const char *const lab[4] = { " min ", " / median ",
					" / p95 ", " / max " };
				const double v[4] = { s->min, s->median, s->p95,
					s->max };
				for (int q = 0; q < 4; q++) {
					pb_sbuf_printf(b, "%s", lab[q]);
					num(b, v[q]);
				}
				pb_sbuf_printf(b, " s");
				if (s->have_limit) {
					pb_sbuf_printf(b, " (limit ");
					num(b, s->limit);
					pb_sbuf_printf(b, " s)");
				}
				if (s->n > 1) {
					pb_sbuf_printf(b, "<br>");
					series_svg(b, r, s);
				}
			}
			pb_sbuf_printf(b, "<br>");
		}
		if (!r->n_series)
			pb_sbuf_printf(b, "-");
		pb_sbuf_printf(b, "</td>");
		outcome_cell(b, r->outcome);
		pb_sbuf_printf(b, "</tr>\n");
	}
	pb_sbuf_printf(b, "</table>\n");

	pb_sbuf_printf(b, "<h2>Scenarios that verify no requirement</h2>\n");
	if (!m->n_orphans)
		pb_sbuf_printf(b, "<p>none</p>\n");
	else {
		pb_sbuf_printf(b, "<ul>\n");
		for (size_t i = 0; i < m->n_orphans; i++) {
			const struct pb_case *c = &rep->cases[m->orphans[i]];
			pb_sbuf_printf(b, "<li>");
			pb_sbuf_html(b, c->name);
			pb_sbuf_printf(b, " (");
			pb_sbuf_html(b, c->file);
			pb_sbuf_printf(b, "): %s</li>\n",
			    pb_outcome_name(c->outcome));
		}
		pb_sbuf_printf(b, "</ul>\n");
	}

	pb_sbuf_printf(b, "<h2>Measurements</h2>\n<table>\n<tr>"
	    "<th>requirement</th><th>scenario</th><th>measurement</th>"
	    "<th>value</th><th>unit</th><th>low</th><th>high</th><th>where"
	    "</th><th>outcome</th></tr>\n");
	for (size_t i = 0; i < m->n; i++) {
		const struct pb_matrix_row *r = &m->rows[i];
		for (size_t k = 0; k < r->n_meas; k++) {
			const struct pb_measurement *me = r->meas[k].m;
			const struct pb_case *c = &rep->cases[r->meas[k].case_idx];
			pb_sbuf_printf(b, "<tr>");
			td_text(b, r->id);
			td_text(b, c->name);
			td_text(b, me->name);
			td_num(b, me->value);
			td_text(b, me->unit);
			td_num(b, me->low.set ? me->low.v : NAN);
			td_num(b, me->high.set ? me->high.v : NAN);
			td_text(b, me->where);
			outcome_cell(b, me->outcome);
			pb_sbuf_printf(b, "</tr>\n");
		}
	}
	pb_sbuf_printf(b, "</table>\n");

	pb_sbuf_printf(b, "<h2>Failed scenarios</h2>\n");
	bool any = false;
	for (size_t ci = 0; ci < rep->n_cases; ci++) {
		const struct pb_case *c = &rep->cases[ci];
		if (c->defect_run || c->outcome == PB_OUT_PASS ||
		    c->outcome == PB_OUT_SKIPPED || !c->n_attempts)
			continue;
		const struct pb_attempt *a = &c->attempts[c->n_attempts - 1];
		any = true;
		pb_sbuf_printf(b, "<h3>");
		pb_sbuf_html(b, c->name);
		pb_sbuf_printf(b, ": %s</h3>\n<p>", pb_outcome_name(c->outcome));
		pb_sbuf_html(b, a->message);
		if (a->where[0]) {
			pb_sbuf_printf(b, " at ");
			pb_sbuf_html(b, a->where);
		}
		pb_sbuf_printf(b, "</p>\n");
		if (a->n_traces)
			failure_svg(b, c, a);
		else
			pb_sbuf_printf(b, "<p class=\"small\">no trace "
			    "recorded</p>\n");
	}
	if (!any)
		pb_sbuf_printf(b, "<p>none</p>\n");
	if (b->truncated)
		pb_sbuf_printf(b, "<p>[report truncated at its size limit]</p>");
	pb_sbuf_printf(b, "</body></html>\n");
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_num(struct pb_sbuf *b, double v)
{
	if (!isnan(v))
		pb_sbuf_num(b, v, 6, false);
}

void pb_matrix_write_csv(const struct pb_matrix *m,
    const struct pb_report *rep, struct pb_sbuf *b)
{
	pb_sbuf_printf(b, "requirement,title,class,hazard,outcome,scenarios,"
	    "controls,measurement,unit,n,failed,min,median,p95,max,limit\r\n");
	for (size_t i = 0; i < m->n; i++) {
		const struct pb_matrix_row *r = &m->rows[i];
		char scen[2048] = "", ctl[2048] = "";
		for (size_t k = 0; k < r->n_cases; k++) {
			size_t l = strlen(scen);
			snprintf(scen + l, sizeof scen - l, "%s%s:%s",
			    k ? " " : "", rep->cases[r->cases[k]].name,
			    pb_outcome_name(rep->cases[r->cases[k]].outcome));
		}
		for (size_t k = 0; k < r->n_controls; k++) {
			size_t l = strlen(ctl);
			snprintf(ctl + l, sizeof ctl - l, "%s%s:%s",
			    k ? " " : "", rep->cases[r->controls[k]].name,
			    pb_outcome_name(
			    rep->cases[r->controls[k]].outcome));
		}
		size_t rows = r->n_series ? r->n_series : 1;
		for (size_t k = 0; k < rows; k++) {
			const struct pb_matrix_series *s = r->n_series ?
			    &r->series[k] : NULL;
			pb_sbuf_csv(b, r->id);
			pb_sbuf_printf(b, ",");
			pb_sbuf_csv(b, r->req ? r->req->title : "");
			pb_sbuf_printf(b, ",");
			pb_sbuf_csv(b, r->req ? r->req->cls : "");
			pb_sbuf_printf(b, ",");
			pb_sbuf_csv(b, r->req ? r->req->hazard : "");
			pb_sbuf_printf(b, ",%s,",
			    pb_matrix_outcome_name(r->outcome));
			pb_sbuf_csv(b, scen);
			pb_sbuf_printf(b, ",");
			pb_sbuf_csv(b, ctl);
			pb_sbuf_printf(b, ",");
			if (s) {
				pb_sbuf_csv(b, s->key);
				pb_sbuf_printf(b, ",");
				pb_sbuf_csv(b, s->unit);
				pb_sbuf_printf(b, ",%zu,%zu,", s->n, s->failed);
				csv_num(b, s->timing ? s->min : NAN);
				pb_sbuf_printf(b, ",");
				csv_num(b, s->timing ? s->median : NAN);
				pb_sbuf_printf(b, ",");
				csv_num(b, s->timing ? s->p95 : NAN);
				pb_sbuf_printf(b, ",");
				csv_num(b, s->timing ? s->max : NAN);
				pb_sbuf_printf(b, ",");
				csv_num(b, s->have_limit ? s->limit : NAN);
			} else {
				pb_sbuf_printf(b, ",,0,0,,,,,");
			}
			pb_sbuf_printf(b, "\r\n");
		}
	}
}

/* ---- files --------------------------------------------------------------- */

static int save_one(const char *path, const struct pb_sbuf *b, char *err,
    size_t errlen)
{
	char why[256];
	if (pb_file_write_atomic(path, b->p ? b->p : "", b->len, why,
	    sizeof why) != PB_FILE_OK) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

int pb_matrix_save(const struct pb_report *rep, const char *html_path,
    const char *csv_path, char *err, size_t errlen)
{
	struct pb_matrix m;
	if (pb_matrix_build(rep, &m) != 0) {
		snprintf(err, errlen, "verification matrix: out of memory");
		return -1;
	}
	int rc = 0;
	if (html_path) {
		struct pb_sbuf b;
		pb_sbuf_init(&b, PB_MATRIX_FILE_MAX);
		pb_matrix_write_html(rep, &m, &b);
		rc = save_one(html_path, &b, err, errlen);
		pb_sbuf_free(&b);
	}
	if (!rc && csv_path) {
		struct pb_sbuf b;
		pb_sbuf_init(&b, PB_MATRIX_FILE_MAX);
		pb_matrix_write_csv(&m, rep, &b);
		rc = save_one(csv_path, &b, err, errlen);
		pb_sbuf_free(&b);
	}
	pb_matrix_free(&m);
	return rc;
}
