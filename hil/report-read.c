/*
 * hil/report-read.c - a JSON test record (pumphil-record/1) read back
 * into a struct pb_report, for `pumphil trace`.  See report.h.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/file.h"
#include "base/text.h"
#include "hil/report.h"

typedef struct json_object jobj;

struct rd {
	const char *name;
	char *err;
	size_t errlen;
	int rc;
};

static int bad(struct rd *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int bad(struct rd *d, const char *fmt, ...)
{
	if (d->rc)
		return d->rc;
	d->rc = PB_REPORT_E_FORMAT;
	if (d->err && d->errlen) {
		char raw[512];
		int n = snprintf(raw, sizeof raw, "%s: ", d->name);
		if (n < 0 || (size_t)n >= sizeof raw)
			n = 0;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap);
		va_end(ap);
		pb_text_escape_str(d->err, d->errlen, raw);
	}
	return d->rc;
}

static jobj *get(jobj *o, const char *k, json_type t)
{
	jobj *v = NULL;
	if (!o || !json_object_object_get_ex(o, k, &v) || !v)
		return NULL;
	return json_object_is_type(v, t) ? v : NULL;
}

/* a string member into a fixed field; missing or not a string: "" */
static void str(jobj *o, const char *k, char *dst, size_t cap)
{
	jobj *v = get(o, k, json_type_string);
	const char *s = v ? json_object_get_string(v) : "";
	size_t n = v ? (size_t)json_object_get_string_len(v) : 0;
	pb_text_clean(dst, cap, s, n);
}

static double number(jobj *o, const char *k)
{
	jobj *v = NULL;
	if (!o || !json_object_object_get_ex(o, k, &v) || !v)
		return NAN;
	if (json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_int))
		return json_object_get_double(v);
	return NAN;
}

static struct pb_limit limit(jobj *o, const char *k)
{
	double v = number(o, k);
	return (struct pb_limit){ !isnan(v), isnan(v) ? 0 : v };
}

static bool boolean(jobj *o, const char *k)
{
	jobj *v = get(o, k, json_type_boolean);
	return v && json_object_get_boolean(v);
}

/* "2026-12-03T19:52:03.123Z" -> Unix ms; 0 when it is not one */
static int64_t iso_ms(jobj *o, const char *k)
{
	char s[40];
	str(o, k, s, sizeof s);
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int ms = 0;
	char z = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms,
	    &z) != 8 || z != 'Z')
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	return t == (time_t)-1 ? 0 : (int64_t)t * 1000 + ms;
}

static int outcome(jobj *o, const char *k, enum pb_outcome *out)
{
	char s[16];
	str(o, k, s, sizeof s);
	for (int i = PB_OUT_PASS; i <= PB_OUT_SKIPPED; i++)
		if (strcmp(s, pb_outcome_name((enum pb_outcome)i)) == 0) {
			*out = (enum pb_outcome)i;
			return 0;
		}
	return -1;
}

static int read_attempt(struct rd *d, jobj *ao, struct pb_attempt *a,
    const char *cname)
{
	jobj *v = get(ao, "attempt", json_type_int);
	if (v)
		a->number = (int)json_object_get_int(v);
	if (outcome(ao, "outcome", &a->outcome))
		return bad(d, "case '%.100s': an attempt without an outcome",
		    cname);
	str(ao, "message", a->message, sizeof a->message);
	str(ao, "where", a->where, sizeof a->where);
	a->rig_error = boolean(ao, "rig_error");
	a->start_ms = iso_ms(ao, "start");
	a->end_ms = iso_ms(ao, "end");
	a->rig_seconds = number(ao, "rig_seconds");
	jobj *ms = get(ao, "measurements", json_type_array);
	size_t n = ms ? json_object_array_length(ms) : 0;
	for (size_t i = 0; i < n; i++) {
		jobj *mo = json_object_array_get_idx(ms, i);
		if (!json_object_is_type(mo, json_type_object))
			return bad(d, "case '%.100s': measurement %zu is not an "
			    "object", cname, i + 1);
		struct pb_measurement m;
		memset(&m, 0, sizeof m);
		str(mo, "name", m.name, sizeof m.name);
		m.value = number(mo, "value");
		str(mo, "unit", m.unit, sizeof m.unit);
		m.low = limit(mo, "low");
		m.high = limit(mo, "high");
		m.mlow = limit(mo, "marginal_low");
		m.mhigh = limit(mo, "marginal_high");
		if (outcome(mo, "outcome", &m.outcome) ||
		    (m.outcome != PB_OUT_PASS && m.outcome != PB_OUT_FAIL))
			return bad(d, "case '%.100s': measurement '%.80s' has no "
			    "PASS or FAIL", cname, m.name);
		m.marginal = boolean(mo, "marginal");
		str(mo, "where", m.where, sizeof m.where);
		str(mo, "requirement", m.requirement, sizeof m.requirement);
		if (pb_attempt_add_measurement(a, &m) < 0)
			return bad(d, "out of memory");
	}
	jobj *ts = get(ao, "traces", json_type_array);
	n = ts ? json_object_array_length(ts) : 0;
	for (size_t i = 0; i < n && i < PB_REPORT_READ_TRACES; i++) {
		jobj *to = json_object_array_get_idx(ts, i);
		jobj *sa = get(to, "samples", json_type_array);
		if (!sa)
			return bad(d, "case '%.100s': trace %zu has no samples",
			    cname, i + 1);
		struct pb_trace *t = pb_attempt_add_trace(a);
		if (!t)
			return bad(d, "out of memory");
		str(to, "name", t->name, sizeof t->name);
		str(to, "unit", t->unit, sizeof t->unit);
		t->t0_s = number(to, "t0_s");
		t->period_s = number(to, "period_s");
		if (!isfinite(t->t0_s) || !(t->period_s > 0) ||
		    !isfinite(t->period_s))
			return bad(d, "case '%.100s': trace '%.60s' has no time "
			    "base", cname, t->name);
		size_t ns = json_object_array_length(sa);
		for (size_t k = 0; k < ns; k++) {
			jobj *sv = json_object_array_get_idx(sa, k);
			double x = sv && (json_object_is_type(sv,
			    json_type_double) || json_object_is_type(sv,
			    json_type_int)) ? json_object_get_double(sv) : NAN;
			if (pb_trace_push(t, x, PB_REPORT_READ_SAMPLES) < 0 &&
			    t->n < PB_REPORT_READ_SAMPLES)
				return bad(d, "out of memory");
		}
	}
	return 0;
}

static void id_list(jobj *arr, char *dst, size_t cap)
{
	dst[0] = '\0';
	size_t n = arr ? json_object_array_length(arr) : 0;
	for (size_t i = 0; i < n; i++) {
		jobj *v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			continue;
		const char *s = json_object_get_string(v);
		size_t k = (size_t)json_object_get_string_len(v);
		if (!pb_requirement_id_valid(s, k))
			continue;
		size_t len = strlen(dst);
		if (len + k + 2 > cap)
			break;
		snprintf(dst + len, cap - len, "%s%s", len ? " " : "", s);
	}
}

static int read_case(struct rd *d, jobj *co, struct pb_case *c)
{
	str(co, "name", c->name, sizeof c->name);
	if (outcome(co, "outcome", &c->outcome))
		return bad(d, "case '%.100s' has no outcome", c->name);
	str(co, "message", c->message, sizeof c->message);
	jobj *sc = get(co, "scenario", json_type_object);
	str(sc, "file", c->file, sizeof c->file);
	str(sc, "sha256", c->sha256, sizeof c->sha256);
	str(sc, "profile", c->profile, sizeof c->profile);
	str(sc, "profile_sha256", c->profile_sha256, sizeof c->profile_sha256);
	str(sc, "defect", c->defect, sizeof c->defect);
	c->defect_run = boolean(sc, "defect_run");
	id_list(get(sc, "requirements", json_type_array), c->requirements,
	    sizeof c->requirements);
	jobj *dut = get(co, "dut", json_type_object);
	str(dut, "serial", c->dut_serial, sizeof c->dut_serial);
	str(dut, "firmware", c->dut_firmware, sizeof c->dut_firmware);
	str(dut, "firmware_build", c->firmware_build, sizeof c->firmware_build);
	jobj *at = get(co, "attempts", json_type_array);
	size_t n = at ? json_object_array_length(at) : 0;
	for (size_t i = 0; i < n; i++) {
		jobj *ao = json_object_array_get_idx(at, i);
		if (!json_object_is_type(ao, json_type_object))
			return bad(d, "case '%.100s': attempt %zu is not an "
			    "object", c->name, i + 1);
		struct pb_attempt *a = pb_case_add_attempt(c);
		if (!a)
			return bad(d, "out of memory");
		if (read_attempt(d, ao, a, c->name))
			return d->rc;
	}
	return 0;
}

int pb_report_parse_json(struct pb_report *r, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	struct rd d = { .name = name ? name : "(record)", .err = err,
		.errlen = errlen };
	if (err && errlen)
		err[0] = '\0';
	pb_report_init(r, "pumphil");
	if (!text || len > PB_REPORT_READ_MAX || len > (size_t)INT32_MAX)
		return bad(&d, "not a pumphil record (larger than %u MiB)",
		    PB_REPORT_READ_MAX >> 20);
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return bad(&d, "out of memory");
	jobj *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t used = (size_t)json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || je != json_tokener_success) {
		json_object_put(root);
		return bad(&d, "not JSON (%s)", je == json_tokener_continue ?
		    "cut short" : json_tokener_error_desc(je));
	}
	for (; used < len; used++)
		if (text[used] != ' ' && text[used] != '\n' &&
		    text[used] != '\r' && text[used] != '\t') {
			json_object_put(root);
			return bad(&d, "text after the record");
		}
	char fmt[32];
	str(root, "format", fmt, sizeof fmt);
	if (strcmp(fmt, "pumphil-record/1") != 0) {
		json_object_put(root);
		return bad(&d, "not a pumphil record (format '%s', want "
		    "pumphil-record/1)", fmt);
	}
	str(root, "suite", r->suite, sizeof r->suite);
	str(root, "rig", r->rig, sizeof r->rig);
	str(root, "rig_kind", r->rig_kind, sizeof r->rig_kind);
	str(root, "station", r->hostname, sizeof r->hostname);
	r->start_ms = iso_ms(root, "start");
	r->end_ms = iso_ms(root, "end");
	jobj *tool = get(root, "tool", json_type_object);
	str(tool, "version", r->tool_version, sizeof r->tool_version);
	str(tool, "sha256", r->tool_sha256, sizeof r->tool_sha256);
	str(root, "operator", r->operator_id, sizeof r->operator_id);
	str(root, "rig_file", r->rig_file, sizeof r->rig_file);
	str(root, "rig_sha256", r->rig_sha256, sizeof r->rig_sha256);
	jobj *seed = get(root, "seed", json_type_int);
	if (seed && json_object_get_int64(seed) >= 0) {
		r->have_seed = true;
		r->seed = (uint64_t)json_object_get_int64(seed);
	}
	str(root, "sensor_model", r->sensor_model, sizeof r->sensor_model);
	jobj *rq = get(root, "requirements", json_type_object);
	str(rq, "file", r->requirements.path, sizeof r->requirements.path);
	str(rq, "sha256", r->requirements.sha256,
	    sizeof r->requirements.sha256);
	str(rq, "title", r->requirements.title, sizeof r->requirements.title);
	str(rq, "revision", r->requirements.revision,
	    sizeof r->requirements.revision);
	str(rq, "error", r->requirements_error, sizeof r->requirements_error);
	jobj *cases = get(root, "cases", json_type_array);
	if (!cases) {
		json_object_put(root);
		return bad(&d, "no cases");
	}
	size_t n = json_object_array_length(cases);
	if (n > PB_REPORT_READ_CASES) {
		json_object_put(root);
		return bad(&d, "more than %u cases", PB_REPORT_READ_CASES);
	}
	for (size_t i = 0; i < n && !d.rc; i++) {
		jobj *co = json_object_array_get_idx(cases, i);
		if (!json_object_is_type(co, json_type_object)) {
			bad(&d, "case %zu is not an object", i + 1);
			break;
		}
		struct pb_case *c = pb_report_add_case(r);
		if (!c) {
			bad(&d, "out of memory");
			break;
		}
		read_case(&d, co, c);
	}
	json_object_put(root);
	if (d.rc)
		pb_report_free(r);
	return d.rc;
}

int pb_report_load_json(struct pb_report *r, const char *path, char *err,
    size_t errlen)
{
	char *buf = NULL;
	size_t n = 0;
	char why[128];
	pb_report_init(r, "pumphil");
	int frc = pb_file_read_all(path, PB_REPORT_READ_MAX, 0, &buf, &n, why,
	    sizeof why);
	if (frc != PB_FILE_OK) {
		if (err && errlen) {
			char raw[1024];
			snprintf(raw, sizeof raw, "%s: %s", path, why);
			pb_text_escape_str(err, errlen, raw);
		}
		return PB_REPORT_E_IO;
	}
	int rc = pb_report_parse_json(r, buf, n, path, err, errlen);
	free(buf);
	return rc;
}
