/*
 * store/factoryreport.c - the factory report as HTML (see
 * factoryreport.h).
 */
#include "store/factoryreport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "store/stats.h"
#include "store/svg.h"


#define MAX_STATIONS   64     /* in tables */
#define CHART_STATIONS 8      /* series in a chart (the rest: "other") */
#define MAX_FPY_ROWS   400
#define MAX_SCENARIOS  500
#define MARKS          30     /* latest runs shown per scenario */
#define DAY_MS         86400000LL

static const char css[] =
	"body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}"
	"h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:"
	"1px solid #ccc}table{border-collapse:collapse;margin:8px 0}"
	"td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px;"
	"text-align:left}th{background:#f2f2f2}td.n{text-align:right}"
	".good{color:#1a7f37;font-weight:bold}.warn{color:#b35900;"
	"font-weight:bold}.bad{color:#c62828;font-weight:bold}"
	".note{color:#555;font-size:13px}";

/* ---- stations ----------------------------------------------------------- */

struct stations {
	int  n;
	char name[MAX_STATIONS][64];
	bool more;              /* more stations than MAX_STATIONS */
};

static int station_index(struct stations *st, const char *name)
{
	for (int i = 0; i < st->n; i++)
		if (strcmp(st->name[i], name) == 0)
			return i;
	if (st->n == MAX_STATIONS) {
		st->more = true;
		return -1;
	}
	snprintf(st->name[st->n], sizeof st->name[0], "%s", name);
	return st->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void stations_of(struct stations *st, const struct pb_rd_value *v,
    size_t n)
{
	memset(st, 0, sizeof *st);
	for (size_t i = 0; i < n; i++)
		station_index(st, v[i].station);
	qsort(st->name, (size_t)st->n, sizeof st->name[0], cmp_str);
}

/* ---- small pieces of HTML ------------------------------------------------ */

static void h2(struct pb_sbuf *b, const char *id, const char *title)
{
	pb_sbuf_printf(b, "<h2 id=\"%s\">", id);
	pb_sbuf_html(b, title);
	pb_sbuf_lit(b, "</h2>\n");
}

static void note(struct pb_sbuf *b, const char *text)
{
	pb_sbuf_lit(b, "<p class=\"note\">");
	pb_sbuf_html(b, text);
	pb_sbuf_lit(b, "</p>\n");
}

static void td(struct pb_sbuf *b, const char *text)
{
	pb_sbuf_lit(b, "<td>");
	pb_sbuf_html(b, text);
	pb_sbuf_lit(b, "</td>");
}

/* a number cell with 3 decimals, "-" when there is none */
static void tdn(struct pb_sbuf *b, double v)
{
	if (isfinite(v))
		pb_sbuf_printf(b, "<td class=\"n\">%.3f</td>", v);
	else
		pb_sbuf_lit(b, "<td class=\"n\">-</td>");
}

static const char *outcome_class(const char *o)
{
	return strcmp(o, "PASS") == 0 ? "good" : strcmp(o, "FAIL") == 0 ||
	    strcmp(o, "ERROR") == 0 ? "bad" : "warn";
}

static const char *outcome_colour(const char *o)
{
	return strcmp(o, "PASS") == 0 ? "#2ca02c" : strcmp(o, "FAIL") == 0 ?
	    "#d62728" : strcmp(o, "ERROR") == 0 ? "#ff7f0e" : "#999";
}

static void date_of(int64_t ms, char out[11])
{
	long d = (long)(ms / DAY_MS - (ms < 0 && ms % DAY_MS ? 1 : 0));
	pb_svg_date(d, out);
}

/* ---- first-pass yield ----------------------------------------------------- */

static void fpy_section(struct pb_sbuf *b, const struct pb_report_data *d)
{
	h2(b, "fpy", "First-pass yield per station and day");
	struct pb_fpy_in *in = malloc((d->ncal ? d->ncal : 1) * sizeof *in);
	if (in == NULL) {
		b->truncated = true;
		return;
	}
	for (size_t i = 0; i < d->ncal; i++)
		in[i] = (struct pb_fpy_in){ d->cal[i].serial, d->cal[i].station,
			d->cal[i].time_ms, d->cal[i].verdict };
	struct pb_fpy_cell *c = NULL;
	int n = pb_stats_fpy(in, d->ncal, &c);
	free(in);
	if (n < 0) {
		b->truncated = true;
		return;
	}
	if (n == 0) {
		note(b, "No calibration with a unit verdict (PASS or FAIL) in "
		    "this period.");
		free(c);
		return;
	}
	note(b, "Each unit counts once, where and when it got its first "
	    "verdict; PASS on that first verdict is a first-pass unit. "
	    "Station errors (ERROR, ABORTED) are not the unit's verdict and "
	    "are left out; recalibrations never count.");
	/* chart: one series per station (the first CHART_STATIONS) */
	struct stations st;
	memset(&st, 0, sizeof st);
	for (int i = 0; i < n; i++)
		station_index(&st, c[i].station);
	int ns = st.n < CHART_STATIONS ? st.n : CHART_STATIONS;
	double *xs = malloc((size_t)n * sizeof *xs);
	double *ys = malloc((size_t)n * sizeof *ys);
	struct pb_svg_series ser[CHART_STATIONS];
	if (xs && ys) {
		size_t k = 0;
		for (int s = 0; s < ns; s++) {
			size_t start = k;
			for (int i = 0; i < n; i++)
				if (strcmp(c[i].station, st.name[s]) == 0) {
					xs[k] = (double)c[i].day * DAY_MS +
					    DAY_MS / 2.0;
					ys[k] = 100.0 * c[i].passed /
					    c[i].units;
					k++;
				}
			ser[s] = (struct pb_svg_series){ st.name[s], xs + start,
				ys + start, k - start, true, true };
		}
		struct pb_svg_chart ch = { .title = "First-pass yield",
			.ylabel = "% of units", .xlabel = "day (UTC)",
			.x_time = true, .xmin = NAN, .xmax = NAN, .ymin = 0,
			.ymax = 100 };
		pb_svg_xy(b, &ch, ser, ns);
		if (st.n > ns)
			note(b, "The chart shows the first 8 stations; the "
			    "table has them all.");
	}
	free(xs);
	free(ys);
	pb_sbuf_lit(b, "<table><tr><th>station</th><th>day (UTC)</th>"
	    "<th>units</th><th>passed first time</th><th>first-pass yield"
	    "</th></tr>\n");
	int first = n > MAX_FPY_ROWS ? n - MAX_FPY_ROWS : 0;
	for (int i = first; i < n; i++) {
		char day[11];
		pb_svg_date(c[i].day, day);
		double y = 100.0 * c[i].passed / c[i].units;
		pb_sbuf_lit(b, "<tr>");
		td(b, c[i].station);
		td(b, day);
		pb_sbuf_printf(b, "<td class=\"n\">%u</td><td class=\"n\">%u"
		    "</td><td class=\"n %s\">%.1f %%</td></tr>\n", c[i].units,
		    c[i].passed, y >= 98 ? "good" : y >= 90 ? "warn" : "bad",
		    y);
	}
	pb_sbuf_lit(b, "</table>\n");
	if (first > 0)
		note(b, "Only the last 400 station-days are listed.");
	free(c);
}

/* ---- residuals ------------------------------------------------------------- */

static void residual_section(struct pb_sbuf *b, const struct pb_report_data *d,
    double tol)
{
	h2(b, "residuals", "Calibration residuals");
	if (d->nresid == 0) {
		note(b, "No fitted calibration points in this period.");
		return;
	}
	double *x = malloc(d->nresid * sizeof *x);
	if (x == NULL) {
		b->truncated = true;
		return;
	}
	for (size_t i = 0; i < d->nresid; i++)
		x[i] = d->resid[i].v;
	struct pb_summary s;
	pb_stats_summary(x, d->nresid, &s);
	enum { NB = 40 };
	unsigned cnt[NB], under, over;
	double lo = -2 * tol, hi = 2 * tol;
	pb_stats_histogram(x, d->nresid, lo, hi, NB, cnt, &under, &over);
	free(x);
	struct pb_svg_chart ch = { .title = "Residual of the fit at each "
		"calibration point", .xlabel = "residual (mmHg)",
		.ylabel = "points", .xmin = NAN, .xmax = NAN, .ymin = NAN,
		.ymax = NAN, .band = true, .band_lo = -tol, .band_hi = tol };
	pb_svg_hist(b, &ch, cnt, NB, lo, hi);
	pb_sbuf_printf(b, "<p class=\"note\">%zu points; mean %.3f mmHg, "
	    "standard deviation %.3f mmHg, from %.3f to %.3f mmHg. The green "
	    "band is +/-%g mmHg; %u point%s below and %u above the chart.</p>"
	    "\n", s.n, s.mean, isfinite(s.sd) ? s.sd : 0.0, s.min, s.max, tol,
	    under, under == 1 ? " lies" : "s lie", over);
}

/* ---- offsets over time ---------------------------------------------------- */

static void series_by_station(const struct pb_rd_value *v, size_t n,
    const struct stations *st, double *xs, double *ys,
    struct pb_svg_series *ser, int *nser)
{
	int ns = st->n < CHART_STATIONS ? st->n : CHART_STATIONS;
	bool other = st->n > CHART_STATIONS;
	size_t k = 0;
	for (int s = 0; s <= ns; s++) {
		if (s == ns && !other)
			break;
		size_t start = k;
		for (size_t i = 0; i < n; i++) {
			bool mine = false;
			if (s < ns)
				mine = strcmp(v[i].station, st->name[s]) == 0;
			else {
				mine = true;
				for (int t = 0; t < ns; t++)
					if (strcmp(v[i].station,
					    st->name[t]) == 0)
						mine = false;
			}
			if (mine) {
				xs[k] = (double)v[i].time_ms;
				ys[k] = v[i].v;
				k++;
			}
		}
		ser[s] = (struct pb_svg_series){ s < ns ? st->name[s] :
			"other stations", xs + start, ys + start, k - start,
			false, true };
	}
	*nser = ns + (other ? 1 : 0);
}

static void offset_section(struct pb_sbuf *b, const struct pb_report_data *d)
{
	h2(b, "offsets", "Pre-calibration offsets over time");
	if (d->noffset == 0) {
		note(b, "No unit in this period has an as-found reading at "
		    "0 mmHg.");
		return;
	}
	note(b, "How far each unit read at 0 mmHg before it was adjusted "
	    "(its own reading minus the reference). A trend is the process "
	    "drifting: a new sensor lot, a station's reference, the "
	    "assembly.");
	struct stations st;
	stations_of(&st, d->offset, d->noffset);
	double *xs = malloc(d->noffset * sizeof *xs);
	double *ys = malloc(d->noffset * sizeof *ys);
	if (xs && ys) {
		struct pb_svg_series ser[CHART_STATIONS + 1];
		int ns = 0;
		series_by_station(d->offset, d->noffset, &st, xs, ys, ser, &ns);
		struct pb_svg_chart ch = { .title = "As-found offset at "
			"0 mmHg", .ylabel = "mmHg", .xlabel = "time (UTC)",
			.x_time = true, .xmin = NAN, .xmax = NAN,
			.ymin = NAN, .ymax = NAN, .nhline = 1,
			.hline = { 0 } };
		pb_svg_xy(b, &ch, ser, ns);
		/* per station: the first and the last half of the period */
		pb_sbuf_lit(b, "<table><tr><th>station</th><th>units</th>"
		    "<th>mean (mmHg)</th><th>sd (mmHg)</th><th>mean, first "
		    "half</th><th>mean, second half</th></tr>\n");
		for (int s = 0; s < st.n; s++) {
			size_t k = 0;
			for (size_t i = 0; i < d->noffset; i++)
				if (strcmp(d->offset[i].station,
				    st.name[s]) == 0)
					ys[k++] = d->offset[i].v;
			struct pb_summary all, h1, h2s;
			pb_stats_summary(ys, k, &all);
			pb_stats_summary(ys, k / 2, &h1);
			pb_stats_summary(ys + k / 2, k - k / 2, &h2s);
			pb_sbuf_lit(b, "<tr>");
			td(b, st.name[s]);
			pb_sbuf_printf(b, "<td class=\"n\">%zu</td>", all.n);
			tdn(b, all.mean);
			tdn(b, all.sd);
			tdn(b, h1.mean);
			tdn(b, h2s.mean);
			pb_sbuf_lit(b, "</tr>\n");
		}
		pb_sbuf_lit(b, "</table>\n");
	} else {
		b->truncated = true;
	}
	free(xs);
	free(ys);
}

/* ---- Cpk ----------------------------------------------------------------- */

static void cpk_section(struct pb_sbuf *b, const struct pb_report_data *d,
    double tol)
{
	char title[128];
	snprintf(title, sizeof title, "Cpk of the verify error per station "
	    "(+/-%g mmHg)", tol);
	h2(b, "cpk", title);
	if (d->nverify == 0) {
		note(b, "No verification in this period.");
		return;
	}
	note(b, "Cpk = min(USL - mean, mean - LSL) / (3 sd) of the error "
	    "the calibrated unit shows at the verify points. Below 1.00 the "
	    "station makes units outside the acceptance; 1.33 is the usual "
	    "target.");
	struct stations st;
	stations_of(&st, d->verify, d->nverify);
	double *x = malloc(d->nverify * sizeof *x);
	if (x == NULL) {
		b->truncated = true;
		return;
	}
	const char *labels[MAX_STATIONS];
	double cpk[MAX_STATIONS];
	pb_sbuf_lit(b, "<table><tr><th>station</th><th>verify points</th>"
	    "<th>mean (mmHg)</th><th>sd (mmHg)</th><th>Cpk</th></tr>\n");
	for (int s = 0; s < st.n; s++) {
		size_t k = 0;
		for (size_t i = 0; i < d->nverify; i++)
			if (strcmp(d->verify[i].station, st.name[s]) == 0)
				x[k++] = d->verify[i].v;
		struct pb_summary sm;
		pb_stats_summary(x, k, &sm);
		double c = pb_stats_cpk(&sm, -tol, tol);
		labels[s] = st.name[s];
		cpk[s] = isfinite(c) ? c : NAN;
		pb_sbuf_lit(b, "<tr>");
		td(b, st.name[s]);
		pb_sbuf_printf(b, "<td class=\"n\">%zu</td>", sm.n);
		tdn(b, sm.mean);
		tdn(b, sm.sd);
		if (isnan(c))
			pb_sbuf_lit(b, "<td class=\"n\">- (fewer than 2)</td>");
		else if (isinf(c))
			pb_sbuf_printf(b, "<td class=\"n %s\">%s</td>",
			    c > 0 ? "good" : "bad", c > 0 ? "no spread" :
			    "outside");
		else
			pb_sbuf_printf(b, "<td class=\"n %s\">%.2f</td>",
			    c >= 1.33 ? "good" : c >= 1.0 ? "warn" : "bad", c);
		pb_sbuf_lit(b, "</tr>\n");
	}
	pb_sbuf_lit(b, "</table>\n");
	free(x);
	struct pb_svg_chart ch = { .title = "Cpk per station", .ylabel = "Cpk",
		.ymin = NAN, .ymax = NAN, .nhline = 2, .hline = { 1.33, 1.0 },
		.hline_label = { "1.33 target", "1.00" } };
	pb_svg_bars(b, &ch, labels, cpk, st.n);
	if (st.more)
		note(b, "More than 64 stations: the rest are not shown.");
}

/* ---- HIL ------------------------------------------------------------------- */

static int by_scn_time(const void *a, const void *b)
{
	const struct pb_rd_case *x = *(const struct pb_rd_case *const *)a;
	const struct pb_rd_case *y = *(const struct pb_rd_case *const *)b;
	int c = strcmp(x->scenario, y->scenario);
	if (c)
		return c;
	return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

static void marks(struct pb_sbuf *b, const struct pb_rd_case *const *p,
    size_t n)
{
	size_t first = n > MARKS ? n - MARKS : 0;
	pb_sbuf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"12\">", MARKS * 7);
	for (size_t i = first; i < n; i++) {
		pb_sbuf_printf(b, "<rect x=\"%zu\" y=\"1\" width=\"5\" "
		    "height=\"10\" fill=\"%s\"><title>", (i - first) * 7,
		    outcome_colour(p[i]->outcome));
		pb_sbuf_html(b, p[i]->outcome);
		pb_sbuf_lit(b, " ");
		pb_sbuf_html(b, p[i]->build);
		pb_sbuf_lit(b, "</title></rect>");
	}
	pb_sbuf_lit(b, "</svg>");
}

static void hil_section(struct pb_sbuf *b, const struct pb_report_data *d)
{
	h2(b, "hil", "HIL pass rate per scenario");
	if (d->ncase == 0) {
		note(b, "No HIL run in this period.");
		return;
	}
	struct pb_hil_in *in = malloc(d->ncase * sizeof *in);
	const struct pb_rd_case **p = malloc(d->ncase * sizeof *p);
	struct pb_hil_scn *s = NULL;
	int n = -1;
	if (in && p) {
		for (size_t i = 0; i < d->ncase; i++) {
			in[i] = (struct pb_hil_in){ d->cases[i].scenario,
				d->cases[i].build, d->cases[i].outcome,
				d->cases[i].time_ms };
			p[i] = &d->cases[i];
		}
		n = pb_stats_hil(in, d->ncase, &s);
		qsort(p, d->ncase, sizeof *p, by_scn_time);
	}
	free(in);
	if (n < 0) {
		free(p);
		b->truncated = true;
		return;
	}
	int flaky = 0;
	for (int i = 0; i < n; i++)
		flaky += s[i].flaky;
	pb_sbuf_printf(b, "<p class=\"note\">%d scenario%s, %zu case%s. A "
	    "scenario is <span class=\"bad\">FLAKY</span> when one build "
	    "both passed it and failed it (FAIL or ERROR): the firmware did "
	    "not change, the verdict did. %d flaky. The marks are the latest "
	    "%d runs, oldest first (green PASS, red FAIL, orange ERROR, grey "
	    "other).</p>\n", n, n == 1 ? "" : "s", d->ncase,
	    d->ncase == 1 ? "" : "s", flaky, MARKS);
	pb_sbuf_lit(b, "<table><tr><th>scenario</th><th>runs</th><th>pass "
	    "rate</th><th>failed</th><th>errors</th><th>latest</th><th>runs"
	    "</th><th>flaky</th></tr>\n");
	size_t j = 0;
	for (int i = 0; i < n && i < MAX_SCENARIOS; i++) {
		while (j < d->ncase && strcmp(p[j]->scenario,
		    s[i].scenario) < 0)
			j++;
		size_t k = j;
		while (k < d->ncase && strcmp(p[k]->scenario,
		    s[i].scenario) == 0)
			k++;
		double rate = s[i].runs ? 100.0 * s[i].passed / s[i].runs :
		    NAN;
		pb_sbuf_lit(b, "<tr>");
		td(b, s[i].scenario);
		pb_sbuf_printf(b, "<td class=\"n\">%u</td><td class=\"n %s\">"
		    "%.1f %%</td><td class=\"n\">%u</td><td class=\"n\">%u</td>"
		    "<td class=\"%s\">%s</td><td>", s[i].runs,
		    rate >= 100 ? "good" : rate >= 90 ? "warn" : "bad", rate,
		    s[i].failed, s[i].errors, outcome_class(s[i].last_outcome),
		    s[i].last_outcome);
		marks(b, p + j, k - j);
		pb_sbuf_lit(b, "</td><td>");
		if (s[i].flaky) {
			pb_sbuf_lit(b, "<span class=\"bad\">FLAKY</span> on "
			    "build ");
			pb_sbuf_html(b, s[i].flaky_build[0] ?
			    s[i].flaky_build : "(none given)");
		}
		pb_sbuf_lit(b, "</td></tr>\n");
		j = k;
	}
	pb_sbuf_lit(b, "</table>\n");
	if (n > MAX_SCENARIOS)
		note(b, "Only the first 500 scenarios are listed.");
	/* pass rate as bars, when they fit */
	if (n > 0 && n <= 40) {
		const char *labels[40];
		double v[40];
		for (int i = 0; i < n; i++) {
			labels[i] = s[i].scenario;
			v[i] = s[i].runs ? 100.0 * s[i].passed / s[i].runs :
			    NAN;
		}
		struct pb_svg_chart ch = { .title = "Pass rate per scenario",
			.ylabel = "% of runs", .ymin = 0, .ymax = 100,
			.width = 900 };
		pb_svg_bars(b, &ch, labels, v, n);
	}
	free(s);
	free(p);
}

/* ---- requirements ------------------------------------------------------------ */

static void req_section(struct pb_sbuf *b, const struct pb_report_data *d)
{
	h2(b, "requirements", "Latest result per requirement");
	if (d->nreq == 0) {
		note(b, "The HIL records carry no requirement IDs (no "
		    "requirements trace).");
		return;
	}
	struct pb_req_in *in = malloc(d->nreq * sizeof *in);
	if (in == NULL) {
		b->truncated = true;
		return;
	}
	for (size_t i = 0; i < d->nreq; i++)
		in[i] = (struct pb_req_in){ d->reqs[i].requirement,
			d->reqs[i].scenario, d->reqs[i].outcome,
			d->reqs[i].build, d->reqs[i].time_ms };
	struct pb_req_latest *r = NULL;
	int n = pb_stats_requirements(in, d->nreq, &r);
	free(in);
	if (n < 0) {
		b->truncated = true;
		return;
	}
	pb_sbuf_lit(b, "<table><tr><th>requirement</th><th>latest result</th>"
	    "<th>scenario</th><th>build</th><th>when (UTC)</th></tr>\n");
	for (int i = 0; i < n; i++) {
		char when[40];
		pb_isotime(r[i].time_ms, PB_ISO_UTC, when, sizeof when);
		pb_sbuf_lit(b, "<tr>");
		td(b, r[i].requirement);
		pb_sbuf_printf(b, "<td class=\"%s\">",
		    outcome_class(r[i].outcome));
		pb_sbuf_html(b, r[i].outcome);
		pb_sbuf_lit(b, "</td>");
		td(b, r[i].scenario);
		td(b, r[i].build);
		td(b, when);
		pb_sbuf_lit(b, "</tr>\n");
	}
	pb_sbuf_lit(b, "</table>\n");
	free(r);
}

/* ---- the page --------------------------------------------------------------- */

int pb_freport_html(const struct pb_report_data *d,
    const struct pb_freport_opts *o, struct pb_sbuf *out)
{
	double tol = o && o->tolerance_mmhg > 0 ? o->tolerance_mmhg : 3.0;
	const char *title = o && o->title ? o->title :
	    "pumpbench factory report";
	char made[40], from[11] = "start", to[11] = "now";
	pb_isotime(o ? o->made_ms : 0, PB_ISO_UTC, made, sizeof made);
	if (d->since_ms)
		date_of(d->since_ms, from);
	if (d->until_ms)
		date_of(d->until_ms - 1, to);

	pb_sbuf_lit(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>");
	pb_sbuf_html(out, title);
	pb_sbuf_printf(out, "</title><style>%s</style></head><body>\n<h1>",
	    css);
	pb_sbuf_html(out, title);
	pb_sbuf_lit(out, "</h1>\n<p class=\"note\">Records: ");
	pb_sbuf_html(out, d->store);
	pb_sbuf_printf(out, "<br>Period (UTC): %s to %s<br>Made %s by "
	    "pumpbench ", from, to, made);
	pb_sbuf_html(out, o && o->tool_version ? o->tool_version : "");
	size_t units = 0;
	{
		struct pb_fpy_in *in = malloc((d->ncal ? d->ncal : 1) *
		    sizeof *in);
		struct pb_fpy_cell *c = NULL;
		if (in) {
			for (size_t i = 0; i < d->ncal; i++)
				in[i] = (struct pb_fpy_in){ d->cal[i].serial,
					d->cal[i].station, d->cal[i].time_ms,
					d->cal[i].verdict };
			int n = pb_stats_fpy(in, d->ncal, &c);
			for (int i = 0; i < n; i++)
				units += c[i].units;
		}
		free(in);
		free(c);
	}
	pb_sbuf_printf(out, "<br>%zu calibration%s of %zu unit%s, %zu HIL "
	    "case%s.</p>\n<p><a href=\"#fpy\">first-pass yield</a> | <a "
	    "href=\"#residuals\">residuals</a> | <a href=\"#offsets\">"
	    "offsets</a> | <a href=\"#cpk\">Cpk</a> | <a href=\"#hil\">HIL</a>"
	    " | <a href=\"#requirements\">requirements</a></p>\n", d->ncal,
	    d->ncal == 1 ? "" : "s", units, units == 1 ? "" : "s", d->ncase,
	    d->ncase == 1 ? "" : "s");
	if (d->truncated)
		pb_sbuf_printf(out, "<p class=\"warn\">The period holds more "
		    "than %d rows of one kind; only the first were read. "
		    "Narrow it with --since/--until.</p>\n",
		    PB_REPORT_MAX_ROWS);

	/* the body may be cut; the page is always closed */
	struct pb_sbuf body;
	pb_sbuf_init(&body, pb_sbuf_room(out) > 4096 ?
	    pb_sbuf_room(out) - 4096 : 0);
	fpy_section(&body, d);
	residual_section(&body, d, tol);
	offset_section(&body, d);
	cpk_section(&body, d, tol);
	hil_section(&body, d);
	req_section(&body, d);
	if (body.len)
		pb_sbuf_put(out, body.p, body.len);
	bool cut = body.truncated;
	pb_sbuf_free(&body);
	if (cut)
		pb_sbuf_lit(out, "\n<p class=\"bad\">This report was cut at its "
		    "size limit; narrow the period.</p>\n");
	pb_sbuf_lit(out, "</body></html>\n");
	return out->truncated && out->p == NULL ? -1 : 0;
}
