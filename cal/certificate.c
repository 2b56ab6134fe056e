/*
 * cal/certificate.c - calibration certificates as JSON, text and HTML
 * (see certificate.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "cal/certificate.h"
#include "base/isotime.h"
#include "base/version.h"

static const char *
or_dash(const char *s)
{
	return s && *s ? s : "-";
}


static double
limit_at(const struct pb_profile *p, double ref)
{
	return fmax(p->cal_accept_abs_mmhg, p->cal_accept_rel * fabs(ref));
}

/* ---- JSON ---------------------------------------------------------- */

static json_object *
jd(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static int
print_json(FILE *f, const struct pb_cal_result *r, const struct pb_profile *p,
    const struct pb_cert_meta *m)
{
	char date[40];
	pb_isotime(m->date_unix * 1000, PB_ISO_UTC, date, sizeof date);
	json_object *root = json_object_new_object();
	json_object_object_add(root, "certificate",
	    json_object_new_string("pumpbench calibration v1"));
	json_object_object_add(root, "serial",
	    json_object_new_string(r->info.serial));
	json_object_object_add(root, "firmware",
	    json_object_new_string(r->info.fw_version));
	json_object_object_add(root, "tool_version",
	    json_object_new_string(pb_version()));
	json_object_object_add(root, "profile", json_object_new_string(p->id));
	json_object_object_add(root, "date", json_object_new_string(date));
	json_object_object_add(root, "station",
	    json_object_new_string(or_dash(m->station)));
	json_object_object_add(root, "reference_instrument",
	    json_object_new_string(or_dash(m->reference)));
	if (m->operator_id)
		json_object_object_add(root, "operator",
		    json_object_new_string(m->operator_id));
	if (m->record_id)
		json_object_object_add(root, "record_id",
		    json_object_new_string(m->record_id));
	if (m->gauge_id) {
		json_object *g = json_object_new_object();
		json_object_object_add(g, "id",
		    json_object_new_string(m->gauge_id));
		json_object_object_add(g, "due",
		    json_object_new_string(or_dash(m->gauge_due)));
		json_object_object_add(root, "reference_gauge", g);
	}
	json_object_object_add(root, "verdict",
	    json_object_new_string(pb_cal_verdict_name(r->verdict)));
	json_object_object_add(root, "reason",
	    json_object_new_string(r->reason));
	json_object_object_add(root, "fit_order",
	    json_object_new_int(p->cal_order));
	json_object *acc = json_object_new_object();
	json_object_object_add(acc, "abs_mmhg", jd(p->cal_accept_abs_mmhg));
	json_object_object_add(acc, "rel", jd(p->cal_accept_rel));
	json_object_object_add(acc, "rule", json_object_new_string(
	    "|residual| <= max(abs_mmhg, rel * reference)"));
	json_object_object_add(root, "acceptance", acc);
	json_object_object_add(root, "duration_s", jd(
	    r->finished_us > r->started_us ?
	    (double)(r->finished_us - r->started_us) / 1e6 : 0.0));

	json_object *chans = json_object_new_array();
	for (int ch = 0; ch < r->channels; ch++) {
		json_object *c = json_object_new_object();
		const char *name = pb_channel_name(ch);
		json_object_object_add(c, "channel", json_object_new_string(name));
		json_object *pts = json_object_new_array();
		for (int i = 0; i < r->npoints; i++) {
			const struct pb_cal_point *pt = &r->point[i];
			json_object *o = json_object_new_object();
			json_object_object_add(o, "target_mmhg", jd(pt->target_mmhg));
			json_object_object_add(o, "raw_counts", jd(pt->raw[ch]));
			json_object_object_add(o, "raw_sd", jd(pt->raw_sd[ch]));
			json_object_object_add(o, "samples",
			    json_object_new_int(pt->samples[ch]));
			json_object_object_add(o, "reference_mmhg",
			    jd(pt->reference[ch]));
			json_object_object_add(o, "residual_mmhg",
			    jd(r->fit[ch].residual[i]));
			json_object_object_add(o, "as_found_mmhg",
			    jd(pt->device[ch]));
			json_object_object_add(o, "pass", json_object_new_boolean(
			    !r->point_fail[ch][i]));
			json_object_array_add(pts, o);
		}
		json_object_object_add(c, "points", pts);
		json_object *co = json_object_new_array();
		for (int k = 0; k < 3; k++)
			json_object_array_add(co, jd(r->fit[ch].c[k]));
		json_object_object_add(c, "coefficients", co);
		json_object_object_add(c, "max_abs_residual_mmhg",
		    jd(r->fit[ch].max_abs_residual));
		json_object_object_add(c, "rms_residual_mmhg",
		    jd(r->fit[ch].rms_residual));
		json_object_object_add(c, "accepted",
		    json_object_new_boolean(r->accepted[ch]));
		json_object_object_add(c, "written",
		    json_object_new_boolean(r->was_written[ch]));
		if (r->was_written[ch])
			json_object_object_add(c, "cal_id",
			    json_object_new_int64(r->written[ch].cal_id));
		json_object_object_add(c, "previous_cal_id",
		    json_object_new_int64(r->old[ch].cal_id));
		json_object *ver = json_object_new_array();
		for (int v = 0; v < PB_CAL_VERIFY_POINTS; v++) {
			const struct pb_cal_verify *vf = &r->verify[v];
			if (vf->target_mmhg <= 0)
				continue;
			json_object *o = json_object_new_object();
			json_object_object_add(o, "target_mmhg", jd(vf->target_mmhg));
			json_object_object_add(o, "reference_mmhg",
			    jd(vf->reference[ch]));
			json_object_object_add(o, "device_mmhg", jd(vf->device[ch]));
			json_object_object_add(o, "error_mmhg", jd(vf->error[ch]));
			json_object_object_add(o, "pass",
			    json_object_new_boolean(vf->pass[ch]));
			json_object_array_add(ver, o);
		}
		json_object_object_add(c, "verification", ver);
		json_object_array_add(chans, c);
	}
	json_object_object_add(root, "channels", chans);
	json_object_object_add(root, "old_calibration_restored",
	    json_object_new_boolean(r->restored));
	const char *s = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fprintf(f, "%s\n", s) < 0 ? -1 : 0;
	json_object_put(root);
	return rc;
}

/* ---- text ---------------------------------------------------------- */

static int
print_text(FILE *f, const struct pb_cal_result *r, const struct pb_profile *p,
    const struct pb_cert_meta *m)
{
	char date[40];
	pb_isotime(m->date_unix * 1000, PB_ISO_UTC, date, sizeof date);
	fprintf(f, "PUMPBENCH CALIBRATION CERTIFICATE\n\n");
	fprintf(f, "  Serial      %s\n", or_dash(r->info.serial));
	fprintf(f, "  Firmware    %s\n", or_dash(r->info.fw_version));
	fprintf(f, "  Tool        pumpbench %s\n", pb_version());
	fprintf(f, "  Profile     %s\n", p->id);
	fprintf(f, "  Date        %s\n", date);
	fprintf(f, "  Station     %s\n", or_dash(m->station));
	fprintf(f, "  Reference   %s\n", or_dash(m->reference));
	if (m->operator_id)
		fprintf(f, "  Operator    %s\n", m->operator_id);
	if (m->gauge_id)
		fprintf(f, "  Gauge       %s (calibration due %s)\n", m->gauge_id,
		    or_dash(m->gauge_due));
	if (m->record_id)
		fprintf(f, "  Record      %s\n", m->record_id);
	fprintf(f, "  Fit         %s, acceptance |residual| <= max(%.1f mmHg, "
	    "%.1f %% of reading)\n", p->cal_order == 2 ? "quadratic" : "linear",
	    p->cal_accept_abs_mmhg, p->cal_accept_rel * 100);
	fprintf(f, "  VERDICT     %s%s%s\n\n", pb_cal_verdict_name(r->verdict),
	    r->reason[0] ? ": " : "", r->reason);
	for (int ch = 0; ch < r->channels; ch++) {
		fprintf(f, "%s\n", pb_channel_name(ch));
		fprintf(f, "  %8s %10s %8s %12s %10s %8s  %s\n", "target", "raw",
		    "raw sd", "reference", "residual", "limit", "");
		for (int i = 0; i < r->npoints; i++) {
			const struct pb_cal_point *pt = &r->point[i];
			fprintf(f, "  %8.1f %10.2f %8.2f %12.2f %+10.3f %8.2f  %s\n",
			    pt->target_mmhg, pt->raw[ch], pt->raw_sd[ch],
			    pt->reference[ch], r->fit[ch].residual[i],
			    limit_at(p, pt->reference[ch]),
			    r->point_fail[ch][i] ? "FAIL" : "ok");
		}
		fprintf(f, "  coefficients  c0 %.6g  c1 %.9g  c2 %.9g\n",
		    r->fit[ch].c[0], r->fit[ch].c[1], r->fit[ch].c[2]);
		fprintf(f, "  residual      max %.3f mmHg, rms %.3f mmHg\n",
		    r->fit[ch].max_abs_residual, r->fit[ch].rms_residual);
		if (r->was_written[ch])
			fprintf(f, "  written       cal id %u (previous %u)\n",
			    r->written[ch].cal_id, r->old[ch].cal_id);
		else
			fprintf(f, "  written       no (calibration id %u kept)\n",
			    r->old[ch].cal_id);
		for (int v = 0; v < PB_CAL_VERIFY_POINTS; v++) {
			const struct pb_cal_verify *vf = &r->verify[v];
			if (vf->target_mmhg <= 0 || vf->reference[ch] == 0.0)
				continue;
			fprintf(f, "  verify %5.0f   reference %.2f, device %.2f, "
			    "error %+.3f mmHg  %s\n", vf->target_mmhg,
			    vf->reference[ch], vf->device[ch], vf->error[ch],
			    vf->pass[ch] ? "ok" : "FAIL");
		}
		fputc('\n', f);
	}
	if (r->restored)
		fprintf(f, "The previous calibration was written back.\n");
	return ferror(f) ? -1 : 0;
}

/* ---- HTML ---------------------------------------------------------- */

static void
html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Residuals (y) against reference (x) with the acceptance band. */
static void
svg_plot(FILE *f, const struct pb_cal_result *r, const struct pb_profile *p)
{
	const int W = 560, H = 260, L = 50, R = 20, T = 20, B = 40;
	double xmax = 0, ymax = p->cal_accept_abs_mmhg * 1.5;
	for (int i = 0; i < r->npoints; i++)
		for (int ch = 0; ch < r->channels; ch++) {
			xmax = fmax(xmax, r->point[i].reference[ch]);
			ymax = fmax(ymax, fabs(r->fit[ch].residual[i]) * 1.2);
		}
	xmax = fmax(10, ceil(xmax / 50) * 50);
	double pw = W - L - R, ph = H - T - B;
#define X(v) (L + (v) / xmax * pw)
#define Y(v) (T + ph / 2 - (v) / ymax * ph / 2)
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", W, H);
	/* acceptance band: max(abs, rel*x) */
	fprintf(f, "<path fill=\"#e6f4e6\" d=\"M%.1f %.1f", X(0),
	    Y(limit_at(p, 0)));
	for (int k = 0; k <= 50; k++) {
		double x = xmax * k / 50;
		fprintf(f, " L%.1f %.1f", X(x), Y(limit_at(p, x)));
	}
	for (int k = 50; k >= 0; k--) {
		double x = xmax * k / 50;
		fprintf(f, " L%.1f %.1f", X(x), Y(-limit_at(p, x)));
	}
	fprintf(f, " Z\"/>\n");
	fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
	    "stroke=\"#888\"/>\n", L, Y(0), W - R, Y(0));
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" "
	    "fill=\"none\" stroke=\"#444\"/>\n", L, T, pw, ph);
	for (int k = 0; k <= 5; k++) {
		double x = xmax * k / 5;
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f"
		    "</text>\n", X(x), H - B + 15, x);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">reference "
	    "vacuum (mmHg)</text>\n", L + pw / 2, H - 5);
	for (int k = -2; k <= 2; k++) {
		double y = ymax * k / 2;
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%+.1f"
		    "</text>\n", L - 4, Y(y) + 4, y);
	}
	fprintf(f, "<text x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\" "
	    "text-anchor=\"middle\">residual (mmHg)</text>\n", T + ph / 2,
	    T + ph / 2);
	static const char *const colour[PB_MAX_CH] = { "#1f77b4", "#d62728" };
	for (int ch = 0; ch < r->channels; ch++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" points=\"",
		    colour[ch]);
		for (int i = 0; i < r->npoints; i++)
			fprintf(f, "%.1f,%.1f ", X(r->point[i].reference[ch]),
			    Y(r->fit[ch].residual[i]));
		fprintf(f, "\"/>\n");
		for (int i = 0; i < r->npoints; i++)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
			    "fill=\"%s\"><title>%s: %.3f mmHg at %.1f"
			    "</title></circle>\n", X(r->point[i].reference[ch]),
			    Y(r->fit[ch].residual[i]), colour[ch], pb_channel_name(ch),
			    r->fit[ch].residual[i], r->point[i].reference[ch]);
		fprintf(f, "<text x=\"%.0f\" y=\"%d\" fill=\"%s\">%s"
		    "</text>\n", L + 10 + 80.0 * ch, T + 14, colour[ch],
		    pb_channel_name(ch));
	}
	fprintf(f, "</svg>\n");
#undef X
#undef Y
}

static int
print_html(FILE *f, const struct pb_cal_result *r, const struct pb_profile *p,
    const struct pb_cert_meta *m)
{
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Calibration certificate ");
	html_esc(f, r->info.serial);
	fprintf(f, "</title>\n<style>body{font-family:sans-serif;margin:2em}"
	    "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
	    "padding:2px 8px;text-align:right}.FAIL,.ERROR,.ABORTED{color:#b00}"
	    ".PASS{color:#070}</style></head><body>\n");
	fprintf(f, "<h1>Calibration certificate</h1>\n<h2 class=\"%s\">%s",
	    pb_cal_verdict_name(r->verdict), pb_cal_verdict_name(r->verdict));
	if (r->reason[0]) {
		fputs(": ", f);
		html_esc(f, r->reason);
	}
	fprintf(f, "</h2>\n<pre>\n");
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (mem == NULL)
		return -1;
	int rc = print_text(mem, r, p, m);
	if (fclose(mem) != 0 || rc != 0) {
		free(text);
		return -1;
	}
	html_esc(f, text);
	free(text);
	fprintf(f, "</pre>\n<h2>Residuals</h2>\n<p>Shaded: acceptance band "
	    "|residual| &le; max(%.1f mmHg, %.1f %% of reading).</p>\n",
	    p->cal_accept_abs_mmhg, p->cal_accept_rel * 100);
	svg_plot(f, r, p);
	fprintf(f, "</body></html>\n");
	return ferror(f) ? -1 : 0;
}

int
pb_cert_fprint(FILE *f, enum pb_cert_fmt fmt, const struct pb_cal_result *r,
    const struct pb_profile *p, const struct pb_cert_meta *m)
{
	switch (fmt) {
	case PB_CERT_JSON:
		return print_json(f, r, p, m);
	case PB_CERT_HTML:
		return print_html(f, r, p, m);
	case PB_CERT_TEXT:
		return print_text(f, r, p, m);
	}
	return -1;
}

void
pb_cert_default_name(const char *serial, size_t serial_len, const char *stamp,
    char *buf, size_t n)
{
	char sn[PB_STR_LEN + 1];
	size_t k = 0;
	for (size_t i = 0; serial && i < serial_len && serial[i] &&
	    k < PB_STR_LEN; i++) {
		unsigned char c = (unsigned char)serial[i];
		sn[k++] = (isalnum(c) || c == '-' || c == '_') ? (char)c : '_';
	}
	sn[k] = '\0';
	snprintf(buf, n, "cal-%s-%s", k ? sn : "unknown", stamp ? stamp : "");
}

/* ---- the three files as a calibration output ------------------------- */

static const struct {
	const char *ext;
	enum pb_cert_fmt fmt;
} cert_kinds[PB_CERT_FILES] = {
	{ ".json", PB_CERT_JSON }, { ".txt", PB_CERT_TEXT },
	{ ".html", PB_CERT_HTML },
};

#define TMP_SUFFIX ".XXXXXX"

struct pb_cert_files {
	char prefix[PB_CERT_PATH_MAX];
	char dir[PB_CERT_PATH_MAX];           /* the prefix's directory */
	char path[PB_CERT_FILES][PB_CERT_PATH_MAX];
	char tmp[PB_CERT_FILES][PB_CERT_PATH_MAX + sizeof TMP_SUFFIX];
	int  fd[PB_CERT_FILES];               /* temporary files, or -1 */
	int  nstored;                         /* files in place (0 or 3) */
	struct pb_profile prof;
	char station[64], reference[256], operator_id[64];
	char record_id[40], gauge_id[64], gauge_due[16];
	struct pb_cert_meta meta;
};

static void
copy_opt(char *dst, size_t n, const char *src, const char **out)
{
	if (src == NULL) {
		*out = NULL;
		return;
	}
	snprintf(dst, n, "%s", src);
	*out = dst;
}

struct pb_cert_files *
pb_cert_files_new(const char *prefix, const struct pb_profile *p,
    const struct pb_cert_meta *m)
{
	if (prefix == NULL || *prefix == '\0' || p == NULL || m == NULL ||
	    strlen(prefix) + 8 >= PB_CERT_PATH_MAX)
		return NULL;
	struct pb_cert_files *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	snprintf(c->prefix, sizeof c->prefix, "%s", prefix);
	const char *slash = strrchr(prefix, '/');
	if (slash == NULL)
		snprintf(c->dir, sizeof c->dir, ".");
	else if (slash == prefix)
		snprintf(c->dir, sizeof c->dir, "/");
	else
		snprintf(c->dir, sizeof c->dir, "%.*s", (int)(slash - prefix),
		    prefix);
	for (int i = 0; i < PB_CERT_FILES; i++) {
		snprintf(c->path[i], sizeof c->path[i], "%s%s", prefix,
		    cert_kinds[i].ext);
		c->fd[i] = -1;
	}
	c->prof = *p;
	c->meta = *m;
	copy_opt(c->station, sizeof c->station, m->station, &c->meta.station);
	copy_opt(c->reference, sizeof c->reference, m->reference,
	    &c->meta.reference);
	copy_opt(c->operator_id, sizeof c->operator_id, m->operator_id,
	    &c->meta.operator_id);
	copy_opt(c->record_id, sizeof c->record_id, m->record_id,
	    &c->meta.record_id);
	copy_opt(c->gauge_id, sizeof c->gauge_id, m->gauge_id,
	    &c->meta.gauge_id);
	copy_opt(c->gauge_due, sizeof c->gauge_due, m->gauge_due,
	    &c->meta.gauge_due);
	return c;
}

static void
drop_tmp(struct pb_cert_files *c, int i)
{
	if (c->fd[i] >= 0) {
		close(c->fd[i]);
		c->fd[i] = -1;
		unlink(c->tmp[i]);
	}
}

/* A new temporary file next to path[i] (never an existing name: mkstemp
 * creates it exclusively), with the mode fopen() would give. */
static int
make_tmp(struct pb_cert_files *c, int i, char *err, size_t errlen)
{
	size_t n = strlen(c->path[i]);     /* < PB_CERT_PATH_MAX */
	memcpy(c->tmp[i], c->path[i], n);
	memcpy(c->tmp[i] + n, TMP_SUFFIX, sizeof TMP_SUFFIX);
	int fd = mkstemp(c->tmp[i]);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create a file there: %s",
		    c->path[i], strerror(errno));
		return -1;
	}
	mode_t um = umask(0);
	umask(um);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    fchmod(fd, 0666 & ~um) != 0) {
		snprintf(err, errlen, "%s: %s", c->tmp[i], strerror(errno));
		close(fd);
		unlink(c->tmp[i]);
		return -1;
	}
	c->fd[i] = fd;
	return 0;
}

static int
files_prepare(void *ctx, char *err, size_t errlen)
{
	struct pb_cert_files *c = ctx;
	struct stat st;
	if (stat(c->dir, &st) != 0) {
		snprintf(err, errlen, "%s: directory for the certificates: %s",
		    c->dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", c->dir);
		return -1;
	}
	for (int i = 0; i < PB_CERT_FILES; i++) {
		/* the name itself: free, or a certificate to replace */
		if (lstat(c->path[i], &st) == 0 && !S_ISREG(st.st_mode) &&
		    !S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a regular "
			    "file", c->path[i]);
			goto fail;
		}
		if (make_tmp(c, i, err, errlen) != 0)
			goto fail;
	}
	return 0;
fail:
	for (int i = 0; i < PB_CERT_FILES; i++)
		drop_tmp(c, i);
	return -1;
}

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int
files_store(void *ctx, const struct pb_cal_result *r, char *err,
    size_t errlen)
{
	struct pb_cert_files *c = ctx;
	c->nstored = 0;
	for (int i = 0; i < PB_CERT_FILES; i++) {
		if (c->fd[i] < 0 && make_tmp(c, i, err, errlen) != 0)
			return -1;
		FILE *f = fdopen(c->fd[i], "w");
		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", c->tmp[i], strerror(errno));
			drop_tmp(c, i);
			return -1;
		}
		c->fd[i] = -1;   /* the stream owns it now */
		errno = 0;
		int rc = pb_cert_fprint(f, cert_kinds[i].fmt, r, &c->prof,
		    &c->meta);
		if (fflush(f) != 0 || fsync(fileno(f)) != 0)
			rc = -1;
		int saved = errno;
		if (fclose(f) != 0) {
			rc = -1;
			if (!saved)
				saved = errno;
		}
		if (rc != 0) {
			snprintf(err, errlen, "%s: write failed: %s", c->path[i],
			    strerror(saved ? saved : EIO));
			unlink(c->tmp[i]);
			return -1;
		}
		if (rename(c->tmp[i], c->path[i]) != 0) {
			snprintf(err, errlen, "%s: %s", c->path[i],
			    strerror(errno));
			unlink(c->tmp[i]);
			return -1;
		}
	}
	if (sync_dir(c->dir) != 0) {
		snprintf(err, errlen, "%s: %s", c->dir, strerror(errno));
		return -1;
	}
	c->nstored = PB_CERT_FILES;
	return 0;
}

static void
files_close(void *ctx)
{
	struct pb_cert_files *c = ctx;
	for (int i = 0; i < PB_CERT_FILES; i++)
		drop_tmp(c, i);
}

const struct pb_cal_output_ops pb_cert_files_ops = {
	.name = "certificate",
	.prepare = files_prepare,
	.store = files_store,
	.close = files_close,
};

int
pb_cert_files_paths(const struct pb_cert_files *c,
    const char *paths[PB_CERT_FILES])
{
	for (int i = 0; i < c->nstored; i++)
		paths[i] = c->path[i];
	return c->nstored;
}

void
pb_cert_files_free(struct pb_cert_files *c)
{
	if (c == NULL)
		return;
	files_close(c);
	free(c);
}
