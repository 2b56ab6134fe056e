/*
 * store/calrec.c - calibration runs as records (see calrec.h).
 */
#include "store/calrec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/version.h"
#include "cal/fit.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

void pb_calrec_build(const struct pb_cal_result *r,
    const struct pb_calrec_meta *m, const char *record_id,
    int64_t finished_ms, struct pb_record_cal *out)
{
	memset(out, 0, sizeof *out);
	copy(out->record_id, sizeof out->record_id, record_id);
	if (m->serial && m->serial[0])
		copy(out->serial, sizeof out->serial, m->serial);
	else
		snprintf(out->serial, sizeof out->serial, "%.*s", PB_STR_LEN,
		    r->info.serial);
	copy(out->profile, sizeof out->profile, m->profile ? m->profile->id :
	    "");
	snprintf(out->firmware, sizeof out->firmware, "%.*s", PB_STR_LEN,
	    r->info.fw_version);
	copy(out->station, sizeof out->station, m->station);
	copy(out->operator_id, sizeof out->operator_id, m->operator_id);
	copy(out->host, sizeof out->host, m->host);
	copy(out->gauge_id, sizeof out->gauge_id, m->gauge_id);
	copy(out->gauge_due, sizeof out->gauge_due, m->gauge_due);
	copy(out->reference, sizeof out->reference, m->reference);
	copy(out->verdict, sizeof out->verdict, r->verdict == PB_CAL_PENDING ?
	    "ERROR" : pb_cal_verdict_name(r->verdict));
	copy(out->reason, sizeof out->reason, r->verdict == PB_CAL_PENDING &&
	    !r->reason[0] ? "the run did not finish" : r->reason);
	out->recal = m->recal;
	copy(out->recal_reason, sizeof out->recal_reason, m->recal_reason);
	out->restored = r->restored;
	copy(out->tool_version, sizeof out->tool_version, pb_version());
	out->started_ms = m->started_ms;
	out->finished_ms = finished_ms > m->started_ms ? finished_ms :
	    m->started_ms;
	double abs_l = m->profile ? m->profile->cal_accept_abs_mmhg : NAN;
	double rel_l = m->profile ? m->profile->cal_accept_rel : NAN;

	out->channels = r->channels < PB_RECORD_MAX_CH ? r->channels :
	    PB_RECORD_MAX_CH;
	if (out->channels < 0)
		out->channels = 0;
	int npts = r->npoints < PB_RECORD_MAX_POINTS ? r->npoints :
	    PB_RECORD_MAX_POINTS;
	for (int ch = 0; ch < out->channels && ch < PB_MAX_CH; ch++) {
		struct pb_record_channel *k = &out->ch[ch];
		const struct pb_cal_fit *f = &r->fit[ch];
		bool fitted = f->n > 0 && (f->order == 1 || f->order == 2);
		k->order = fitted ? f->order : 0;
		for (int i = 0; i < 3; i++)
			k->c[i] = fitted ? f->c[i] : NAN;
		k->max_residual_mmhg = fitted ? f->max_abs_residual : NAN;
		k->rms_residual_mmhg = fitted ? f->rms_residual : NAN;
		k->accepted = r->accepted[ch];
		k->had_old = r->old[ch].order >= 1;
		k->old_cal_id = r->old[ch].cal_id;
		k->old_order = r->old[ch].order;
		for (int i = 0; i < 3; i++)
			k->old_c[i] = r->old[ch].c[i];
		k->written = r->was_written[ch] && !r->restored;
		k->new_cal_id = k->written ? r->written[ch].cal_id : 0;
		k->asfound_zero_mmhg = NAN;
		k->npoints = npts;
		for (int i = 0; i < npts; i++) {
			const struct pb_cal_point *pt = &r->point[i];
			struct pb_record_point *p = &k->point[i];
			p->target_mmhg = pt->target_mmhg;
			p->raw_counts = pt->raw[ch];
			p->raw_sd = pt->raw_sd[ch];
			p->samples = pt->samples[ch];
			p->reference_mmhg = pt->reference[ch];
			p->residual_mmhg = fitted && i < f->n ? f->residual[i] :
			    NAN;
			p->limit_mmhg = pb_cal_limit(abs_l, rel_l,
			    pt->reference[ch]);
			p->pass = fitted ? !r->point_fail[ch][i] : -1;
			p->asfound_mmhg = pt->samples[ch] > 0 ? pt->device[ch] :
			    NAN;
			if (pt->target_mmhg == 0 && isnan(k->asfound_zero_mmhg) &&
			    isfinite(p->asfound_mmhg))
				k->asfound_zero_mmhg = p->asfound_mmhg -
				    pt->reference[ch];
		}
		for (int v = 0; v < PB_CAL_VERIFY_POINTS &&
		    k->nverify < PB_RECORD_MAX_VERIFY; v++) {
			const struct pb_cal_verify *vf = &r->verify[v];
			if (!(vf->target_mmhg > 0))
				continue;   /* not reached */
			struct pb_record_verify *w = &k->verify[k->nverify++];
			w->target_mmhg = vf->target_mmhg;
			w->reference_mmhg = vf->reference[ch];
			w->device_mmhg = vf->device[ch];
			w->error_mmhg = vf->error[ch];
			w->limit_mmhg = pb_cal_limit(abs_l, rel_l,
			    vf->reference[ch]);
			w->pass = vf->pass[ch];
		}
	}
}

/* ---- the output ---------------------------------------------------- */

struct pb_calrec {
	struct pb_store *store;
	char id[PB_RECORD_ID_LEN];
	struct pb_calrec_meta meta;
	char serial[PB_RECORD_NAME], station[PB_RECORD_NAME],
	    operator_id[PB_RECORD_NAME], host[PB_RECORD_NAME],
	    gauge_id[PB_RECORD_NAME], gauge_due[16], reference[200],
	    recal_reason[200];
	struct pb_profile profile;
	bool prepared, stored;
	bool attempted;               /* a store was tried: the run ran */
	struct pb_record_cal rec;     /* built at each store */
};

static const char *keep(char *dst, size_t n, const char *src)
{
	copy(dst, n, src);
	return dst;
}

struct pb_calrec *pb_calrec_new(struct pb_store *s,
    const struct pb_calrec_meta *m)
{
	struct pb_calrec *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	if (pb_record_new_id(c->id) != 0) {
		free(c);
		return NULL;
	}
	c->store = s;
	c->meta = *m;
	c->meta.serial = keep(c->serial, sizeof c->serial, m->serial);
	c->meta.station = keep(c->station, sizeof c->station, m->station);
	c->meta.operator_id = keep(c->operator_id, sizeof c->operator_id,
	    m->operator_id);
	c->meta.host = keep(c->host, sizeof c->host, m->host);
	c->meta.gauge_id = keep(c->gauge_id, sizeof c->gauge_id, m->gauge_id);
	c->meta.gauge_due = keep(c->gauge_due, sizeof c->gauge_due,
	    m->gauge_due);
	c->meta.reference = keep(c->reference, sizeof c->reference,
	    m->reference);
	c->meta.recal_reason = keep(c->recal_reason, sizeof c->recal_reason,
	    m->recal_reason);
	if (m->profile) {
		c->profile = *m->profile;
		c->meta.profile = &c->profile;
	}
	return c;
}

void pb_calrec_free(struct pb_calrec *c)
{
	free(c);
}

const char *pb_calrec_id(const struct pb_calrec *c)
{
	return c->id;
}

bool pb_calrec_stored(const struct pb_calrec *c)
{
	return c && c->stored;
}

void pb_calrec_set_certs(struct pb_calrec *c,
    const struct pb_cert_files *certs)
{
	c->meta.certs = certs;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int rec_prepare(void *ctx, char *err, size_t errlen)
{
	struct pb_calrec *c = ctx;
	struct pb_record_cal_open o = { .pid = getpid(),
		.started_ms = c->meta.started_ms };
	copy(o.record_id, sizeof o.record_id, c->id);
	copy(o.serial, sizeof o.serial, c->meta.serial);
	copy(o.station, sizeof o.station, c->meta.station);
	copy(o.operator_id, sizeof o.operator_id, c->meta.operator_id);
	copy(o.host, sizeof o.host, c->meta.host);
	if (pb_store_cal_begin(c->store, &o) != 0) {
		snprintf(err, errlen, "records: %s", pb_store_error(c->store));
		return -1;
	}
	c->prepared = true;
	return 0;
}

/* the certificate files in place: format, path, SHA-256, size */
static int add_certs(struct pb_calrec *c, char *err, size_t errlen)
{
	const char *paths[PB_CERT_FILES];
	int n = c->meta.certs ? pb_cert_files_paths(c->meta.certs, paths) : 0;
	c->rec.ncerts = 0;
	for (int i = 0; i < n && c->rec.ncerts < PB_RECORD_MAX_CERTS; i++) {
		struct pb_record_cert *f = &c->rec.cert[c->rec.ncerts];
		const char *dot = strrchr(paths[i], '.');
		copy(f->format, sizeof f->format, dot ? dot + 1 : "?");
		copy(f->path, sizeof f->path, paths[i]);
		char why[256];
		if (pb_file_sha256(paths[i], PB_FILE_NOFOLLOW, f->sha256, why,
		    sizeof why) != PB_FILE_OK) {
			snprintf(err, errlen, "records: certificate %s: %s",
			    paths[i], why);
			return -1;
		}
		struct stat st;
		f->bytes = stat(paths[i], &st) == 0 ? (int64_t)st.st_size : 0;
		c->rec.ncerts++;
	}
	return 0;
}

static int rec_store(void *ctx, const struct pb_cal_result *r, char *err,
    size_t errlen)
{
	struct pb_calrec *c = ctx;
	c->attempted = true;
	pb_calrec_build(r, &c->meta, c->id, now_ms(), &c->rec);
	if (add_certs(c, err, errlen) != 0)
		return -1;
	if (pb_store_put_cal(c->store, &c->rec, NULL) != 0) {
		snprintf(err, errlen, "records: %s", pb_store_error(c->store));
		c->stored = false;
		return -1;
	}
	c->stored = true;
	return 0;
}

static void rec_close(void *ctx)
{
	struct pb_calrec *c = ctx;
	/* the mark goes only when the unit was never touched; a run that
	 * could not be recorded keeps it, for `pumphil records --open` */
	if (c->prepared && !c->attempted)
		pb_store_cal_abandon(c->store, c->id);
	c->prepared = false;
}

const struct pb_cal_output_ops pb_calrec_ops = {
	.name = "record",
	.prepare = rec_prepare,
	.store = rec_store,
	.close = rec_close,
};
