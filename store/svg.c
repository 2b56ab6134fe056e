/*
 * store/svg.c - inline SVG charts (see svg.h).
 */
#include "store/svg.h"


#include <math.h>
#include <stdio.h>
#include <string.h>

#define ML 56    /* margins: left (y labels), right, top (title), bottom */
#define MR 16
#define MT 30
#define MB 44

static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
	"#8c564b", "#e377c2",
};

const char *pb_svg_colour(int i)
{
	if (i < 0)
		i = -i;
	return palette[i % (int)(sizeof palette / sizeof palette[0])];
}

void pb_svg_date(long z, char out[11])
{
	/* civil from days (Howard Hinnant) */
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y, (unsigned)m % 100u,
	    (unsigned)d % 100u);
}

struct frame {
	double x0, x1, y0, y1;    /* data range */
	int w, h;                 /* whole chart */
	double pw, ph;            /* plot area */
};

static double px(const struct frame *f, double x)
{
	if (f->x1 <= f->x0)
		return ML + f->pw / 2;
	return ML + (x - f->x0) / (f->x1 - f->x0) * f->pw;
}

static double py(const struct frame *f, double y)
{
	if (f->y1 <= f->y0)
		return MT + f->ph / 2;
	return MT + f->ph - (y - f->y0) / (f->y1 - f->y0) * f->ph;
}

/* 1, 2, 5 x 10^k step giving about n ticks over span */
static double nice_step(double span, int n)
{
	if (!(span > 0) || !isfinite(span))
		return 1;
	double raw = span / n, p = pow(10, floor(log10(raw)));
	double m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void open_chart(struct pb_sbuf *b, const struct pb_svg_chart *c,
    struct frame *f)
{
	f->w = c->width > 0 ? c->width : 640;
	f->h = c->height > 0 ? c->height : 260;
	f->pw = f->w - ML - MR;
	f->ph = f->h - MT - MB;
	pb_sbuf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "font-family=\"sans-serif\" font-size=\"11\">", f->w, f->h, f->w,
	    f->h);
	if (c->title) {
		pb_sbuf_lit(b, "<title>");
		pb_sbuf_html(b, c->title);
		pb_sbuf_lit(b, "</title>");
		pb_sbuf_printf(b, "<text x=\"%d\" y=\"18\" font-size=\"13\" "
		    "font-weight=\"bold\">", ML);
		pb_sbuf_html(b, c->title);
		pb_sbuf_lit(b, "</text>");
	}
	pb_sbuf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" "
	    "height=\"%.0f\" fill=\"#fafafa\" stroke=\"#999\"/>", ML, MT,
	    f->pw, f->ph);
}

static void fit_range(double *lo, double *hi)
{
	if (!isfinite(*lo) || !isfinite(*hi)) {
		*lo = 0;
		*hi = 1;
	}
	if (*hi <= *lo) {
		double m = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1;
		*lo -= m;
		*hi += m;
	}
}

static void axes(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const struct frame *f, bool x_numeric)
{
	/* y ticks */
	double st = nice_step(f->y1 - f->y0, 5);
	double first = ceil(f->y0 / st) * st;
	for (int k = 0; k < 40; k++) {   /* bounded, whatever the range */
		double v = first + k * st;
		if (v > f->y1 + st * 1e-9)
			break;
		double y = py(f, v);
		pb_sbuf_printf(b, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\">%g</text>", ML, ML + f->pw, y, y,
		    ML - 4, y + 4, fabs(v) < st * 1e-9 ? 0.0 : v);
	}
	if (x_numeric) {
		if (c->x_time) {
			double day = 86400000.0;
			double days = (f->x1 - f->x0) / day;
			double sd = days <= 8 ? 1 : days <= 16 ? 2 : days <= 60 ?
			    7 : days <= 180 ? 30 : days <= 730 ? 91 : 365;
			double d0 = ceil(f->x0 / day / sd) * sd;
			for (int k = 0; k < 40; k++) {
				double d = d0 + k * sd;
				if (d * day > f->x1)
					break;
				char ds[11];
				pb_svg_date((long)d, ds);
				double x = px(f, d * day);
				pb_sbuf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" "
				    "y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
				    "<text x=\"%.1f\" y=\"%.1f\" text-anchor="
				    "\"middle\">%s</text>", x, x, MT,
				    MT + f->ph, x, MT + f->ph + 14, ds);
			}
		} else {
			double sx = nice_step(f->x1 - f->x0, 8);
			double x0 = ceil(f->x0 / sx) * sx;
			for (int k = 0; k < 40; k++) {
				double v = x0 + k * sx;
				if (v > f->x1 + sx * 1e-9)
					break;
				double x = px(f, v);
				pb_sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
				    "text-anchor=\"middle\">%g</text>", x,
				    MT + f->ph + 14, fabs(v) < sx * 1e-9 ? 0.0 :
				    v);
			}
		}
	}
	if (c->xlabel) {
		pb_sbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor="
		    "\"middle\">", ML + f->pw / 2, f->h - 6);
		pb_sbuf_html(b, c->xlabel);
		pb_sbuf_lit(b, "</text>");
	}
	if (c->ylabel) {
		pb_sbuf_printf(b, "<text transform=\"translate(12 %.1f) "
		    "rotate(-90)\" text-anchor=\"middle\">", MT + f->ph / 2);
		pb_sbuf_html(b, c->ylabel);
		pb_sbuf_lit(b, "</text>");
	}
}

static void refs(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const struct frame *f)
{
	if (c->band && c->band_hi > c->band_lo) {
		double lo = fmax(c->band_lo, f->y0), hi = fmin(c->band_hi, f->y1);
		if (hi > lo)
			pb_sbuf_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%.0f\" "
			    "height=\"%.1f\" fill=\"#2ca02c\" opacity=\"0.08\"/>",
			    ML, py(f, hi), f->pw, py(f, lo) - py(f, hi));
	}
	for (int i = 0; i < c->nhline && i < PB_SVG_MAX_HLINES; i++) {
		double v = c->hline[i];
		if (!isfinite(v) || v < f->y0 || v > f->y1)
			continue;
		double y = py(f, v);
		pb_sbuf_printf(b, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#d62728\" stroke-dasharray=\"5 3\"/>",
		    ML, ML + f->pw, y, y);
		if (c->hline_label[i]) {
			pb_sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"end\" fill=\"#d62728\">",
			    ML + f->pw - 2, y - 3);
			pb_sbuf_html(b, c->hline_label[i]);
			pb_sbuf_lit(b, "</text>");
		}
	}
}

static void legend(struct pb_sbuf *b, const struct frame *f,
    const struct pb_svg_series *s, int ns)
{
	if (ns < 2)
		return;
	double x = ML + f->pw;
	for (int i = ns - 1; i >= 0 && i >= ns - 8; i--) {
		const char *name = s[i].name ? s[i].name : "";
		double w = 14 + 6.5 * (double)(strlen(name) < 24 ?
		    strlen(name) : 24);
		x -= w + 8;
		pb_sbuf_printf(b, "<rect x=\"%.1f\" y=\"9\" width=\"10\" "
		    "height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"18\">",
		    x, pb_svg_colour(i), x + 13);
		char cut[100];
		snprintf(cut, sizeof cut, "%.24s", name);
		pb_sbuf_html(b, cut);
		pb_sbuf_lit(b, "</text>");
	}
}

void pb_svg_xy(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const struct pb_svg_series *s, int ns)
{
	struct frame f = { c->xmin, c->xmax, c->ymin, c->ymax, 0, 0, 0, 0 };
	double dx0 = INFINITY, dx1 = -INFINITY, dy0 = INFINITY,
	    dy1 = -INFINITY;
	for (int k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			if (!isfinite(s[k].x[i]) || !isfinite(s[k].y[i]))
				continue;
			dx0 = fmin(dx0, s[k].x[i]);
			dx1 = fmax(dx1, s[k].x[i]);
			dy0 = fmin(dy0, s[k].y[i]);
			dy1 = fmax(dy1, s[k].y[i]);
		}
	for (int i = 0; i < c->nhline && i < PB_SVG_MAX_HLINES; i++)
		if (isfinite(c->hline[i]) && isnan(c->ymin) &&
		    isnan(c->ymax)) {
			dy0 = fmin(dy0, c->hline[i]);
			dy1 = fmax(dy1, c->hline[i]);
		}
	if (isnan(f.x0))
		f.x0 = dx0;
	if (isnan(f.x1))
		f.x1 = dx1;
	if (isnan(f.y0))
		f.y0 = dy0;
	if (isnan(f.y1))
		f.y1 = dy1;
	fit_range(&f.x0, &f.x1);
	fit_range(&f.y0, &f.y1);
	if (isnan(c->ymin) || isnan(c->ymax)) {   /* a little headroom */
		double m = (f.y1 - f.y0) * 0.05;
		if (isnan(c->ymin))
			f.y0 -= m;
		if (isnan(c->ymax))
			f.y1 += m;
	}
	open_chart(b, c, &f);
	refs(b, c, &f);
	axes(b, c, &f, true);
	for (int k = 0; k < ns; k++) {
		size_t step = s[k].n > PB_SVG_MAX_POINTS ?
		    (s[k].n + PB_SVG_MAX_POINTS - 1) / PB_SVG_MAX_POINTS : 1;
		const char *col = pb_svg_colour(k);
		if (s[k].lines) {
			pb_sbuf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
			    "stroke-width=\"1.5\" points=\"", col);
			for (size_t i = 0; i < s[k].n; i += step)
				if (isfinite(s[k].x[i]) && isfinite(s[k].y[i]))
					pb_sbuf_printf(b, "%.1f,%.1f ",
					    px(&f, s[k].x[i]),
					    py(&f, fmin(fmax(s[k].y[i], f.y0),
					    f.y1)));
			pb_sbuf_lit(b, "\"/>");
		}
		if (s[k].points) {
			pb_sbuf_printf(b, "<g fill=\"%s\" fill-opacity=\"0.7\">",
			    col);
			for (size_t i = 0; i < s[k].n; i += step) {
				if (!isfinite(s[k].x[i]) || !isfinite(s[k].y[i]))
					continue;
				double y = s[k].y[i];
				if (y < f.y0 || y > f.y1)
					continue;
				pb_sbuf_printf(b, "<circle cx=\"%.1f\" "
				    "cy=\"%.1f\" r=\"2.2\"/>",
				    px(&f, s[k].x[i]), py(&f, y));
			}
			pb_sbuf_lit(b, "</g>");
		}
	}
	legend(b, &f, s, ns);
	pb_sbuf_lit(b, "</svg>");
}

void pb_svg_bars(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const char *const *labels, const double *v, int n)
{
	struct frame f = { 0, 1, c->ymin, c->ymax, 0, 0, 0, 0 };
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < n; i++)
		if (isfinite(v[i])) {
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
	for (int i = 0; i < c->nhline && i < PB_SVG_MAX_HLINES; i++)
		if (isfinite(c->hline[i])) {
			lo = fmin(lo, c->hline[i]);
			hi = fmax(hi, c->hline[i]);
		}
	if (isnan(f.y0))
		f.y0 = fmin(0, lo);
	if (isnan(f.y1))
		f.y1 = hi * 1.1;
	fit_range(&f.y0, &f.y1);
	open_chart(b, c, &f);
	refs(b, c, &f);
	axes(b, c, &f, false);
	if (n > 0) {
		double slot = f.pw / n, w = slot * 0.7;
		for (int i = 0; i < n; i++) {
			double x = ML + slot * i + (slot - w) / 2;
			if (isfinite(v[i])) {
				double top = py(&f, fmin(fmax(v[i], f.y0), f.y1));
				double base = py(&f, fmin(fmax(0, f.y0), f.y1));
				pb_sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" "
				    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
				    "<title>", x, fmin(top, base), w,
				    fabs(base - top), pb_svg_colour(0));
				pb_sbuf_html(b, labels[i] ? labels[i] : "");
				pb_sbuf_printf(b, ": %g</title></rect>", v[i]);
			}
			if (n <= 24) {
				char cut[40];
				snprintf(cut, sizeof cut, "%.16s",
				    labels[i] ? labels[i] : "");
				pb_sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
				    "text-anchor=\"middle\">", x + w / 2,
				    MT + f.ph + 14);
				pb_sbuf_html(b, cut);
				pb_sbuf_lit(b, "</text>");
			}
		}
	}
	pb_sbuf_lit(b, "</svg>");
}

void pb_svg_hist(struct pb_sbuf *b, const struct pb_svg_chart *c,
    const unsigned *counts, int nbins, double lo, double hi)
{
	unsigned top = 0;
	for (int i = 0; i < nbins; i++)
		if (counts[i] > top)
			top = counts[i];
	struct frame f = { lo, hi, 0, top > 0 ? top * 1.1 : 1, 0, 0, 0, 0 };
	fit_range(&f.x0, &f.x1);
	open_chart(b, c, &f);
	if (c->band && c->band_hi > c->band_lo) {
		double x0 = px(&f, fmax(c->band_lo, f.x0));
		double x1 = px(&f, fmin(c->band_hi, f.x1));
		if (x1 > x0)
			pb_sbuf_printf(b, "<rect x=\"%.1f\" y=\"%d\" "
			    "width=\"%.1f\" height=\"%.0f\" fill=\"#2ca02c\" "
			    "opacity=\"0.08\"/>", x0, MT, x1 - x0, f.ph);
	}
	axes(b, c, &f, true);
	if (nbins > 0) {
		double w = f.pw / nbins;
		pb_sbuf_printf(b, "<g fill=\"%s\">", pb_svg_colour(0));
		for (int i = 0; i < nbins; i++) {
			if (counts[i] == 0)
				continue;
			double y = py(&f, counts[i]);
			pb_sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"><title>%g..%g: %u"
			    "</title></rect>", ML + w * i + 0.5, y,
			    w > 1.5 ? w - 1 : w, MT + f.ph - y,
			    lo + (hi - lo) * i / nbins,
			    lo + (hi - lo) * (i + 1) / nbins, counts[i]);
		}
		pb_sbuf_lit(b, "</g>");
	}
	pb_sbuf_lit(b, "</svg>");
}
