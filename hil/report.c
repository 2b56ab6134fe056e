/*
 * hil/report.c - the HIL test record, JSON and JUnit writers.
 * See report.h for the promise.
 */
#include "hil/report.h"
#include "hil/matrix.h"
#include "base/file.h"
#include "base/isotime.h"
#include "base/text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

const char *pb_outcome_name(enum pb_outcome o)
{
	switch (o) {
	case PB_OUT_PASS: return "PASS";
	case PB_OUT_FAIL: return "FAIL";
	case PB_OUT_ERROR: return "ERROR";
	case PB_OUT_ABORTED: return "ABORTED";
	case PB_OUT_SKIPPED: return "SKIPPED";
	}
	return "?";
}

const char *pb_report_strerror(int err)
{
	switch (err) {
	case PB_REPORT_OK: return "ok";
	case PB_REPORT_E_IO: return "cannot write report";
	case PB_REPORT_E_FORMAT: return "not a pumphil record";
	case PB_REPORT_E_HASH: return "cannot hash file";
	}
	return "unknown report error";
}

/* ---- record building ---------------------------------------------------- */

/* Grow an array of elem-sized items so one more fits; zero the new one. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		void *p = realloc(*arr, nc * elem);
		if (!p)
			return NULL;
		*arr = p;
		*cap = nc;
	}
	void *slot = (char *)*arr + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}

void pb_report_init(struct pb_report *r, const char *suite)
{
	memset(r, 0, sizeof *r);
	snprintf(r->suite, sizeof r->suite, "%s", suite ? suite : "pumphil");
}

void pb_attempt_free(struct pb_attempt *a)
{
	for (size_t i = 0; i < a->n_traces; i++)
		free(a->traces[i].v);
	free(a->traces);
	free(a->meas);
	free(a->log);
	a->traces = NULL;
	a->meas = NULL;
	a->log = NULL;
	a->n_traces = a->cap_traces = a->n_meas = a->cap_meas = 0;
	a->log_len = a->log_cap = 0;
}

void pb_report_free(struct pb_report *r)
{
	for (size_t i = 0; i < r->n_cases; i++) {
		struct pb_case *c = &r->cases[i];
		for (size_t j = 0; j < c->n_attempts; j++)
			pb_attempt_free(&c->attempts[j]);
		free(c->attempts);
	}
	free(r->cases);
	r->cases = NULL;
	r->n_cases = r->cap_cases = 0;
	pb_requirement_set_free(&r->requirements);
}

struct pb_case *pb_report_add_case(struct pb_report *r)
{
	return grow((void **)&r->cases, &r->n_cases, &r->cap_cases,
	    sizeof *r->cases);
}

struct pb_attempt *pb_case_add_attempt(struct pb_case *c)
{
	struct pb_attempt *a = grow((void **)&c->attempts, &c->n_attempts,
	    &c->cap_attempts, sizeof *c->attempts);
	if (a)
		a->number = (int)c->n_attempts;
	return a;
}

int pb_attempt_add_measurement(struct pb_attempt *a,
    const struct pb_measurement *m)
{
	if (a->n_meas >= PB_ATTEMPT_MEAS_MAX) {
		a->meas_dropped++;
		if (m->outcome == PB_OUT_FAIL)
			a->meas_dropped_failed++;
		return 1;
	}
	struct pb_measurement *slot = grow((void **)&a->meas, &a->n_meas,
	    &a->cap_meas, sizeof *a->meas);
	if (!slot)
		return -1;
	*slot = *m;
	return 0;
}

struct pb_trace *pb_attempt_add_trace(struct pb_attempt *a)
{
	return grow((void **)&a->traces, &a->n_traces, &a->cap_traces,
	    sizeof *a->traces);
}

int pb_trace_push(struct pb_trace *t, double v, size_t cap_limit)
{
	if (t->n >= cap_limit) {
		t->dropped++;
		return -1;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		if (nc > cap_limit)
			nc = cap_limit;
		double *p = realloc(t->v, nc * sizeof *p);
		if (!p) {
			t->dropped++;
			return -1;
		}
		t->v = p;
		t->cap = nc;
	}
	t->v[t->n++] = v;
	return 0;
}

/* Append one line of len bytes (no newline inside needed) if the log
 * stays within limit; else count it. */
static void log_line(struct pb_attempt *a, const char *s, size_t len,
    size_t limit)
{
	if (len > PB_ATTEMPT_LINE_MAX)
		len = PB_ATTEMPT_LINE_MAX;
	if (a->log_len + len + 1 > limit) {
		a->log_dropped_lines++;
		a->log_dropped_bytes += len + 1;
		return;
	}
	if (a->log_len + len + 2 > a->log_cap) {
		size_t nc = a->log_cap ? a->log_cap : 1024;
		while (a->log_len + len + 2 > nc)
			nc *= 2;
		char *p = realloc(a->log, nc);
		if (!p) {
			a->log_dropped_lines++;
			a->log_dropped_bytes += len + 1;
			return;
		}
		a->log = p;
		a->log_cap = nc;
	}
	memcpy(a->log + a->log_len, s, len);
	a->log_len += len;
	a->log[a->log_len++] = '\n';
	a->log[a->log_len] = '\0';
}

/* Text of one or more lines, each kept or counted on its own. */
static void log_lines(struct pb_attempt *a, const char *text, size_t len,
    size_t limit)
{
	size_t i = 0;
	do {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		log_line(a, text + i, n, limit);
		i += n + (nl ? 1 : 0);
	} while (i < len);
}

void pb_attempt_log_text(struct pb_attempt *a, const char *text, size_t len)
{
	log_lines(a, text, len, PB_ATTEMPT_LOG_MAX);
}

void pb_attempt_log(struct pb_attempt *a, const char *fmt, ...)
{
	char tmp[PB_ATTEMPT_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	size_t len = strlen(tmp);
	if ((size_t)k >= sizeof tmp)            /* cut: say so */
		memcpy(tmp + len - 3, "...", 3);
	log_lines(a, tmp, len, PB_ATTEMPT_LOG_MAX + PB_ATTEMPT_LOG_RESERVE);
}

void pb_measurement_judge(struct pb_measurement *m)
{
	double v = m->value;
	bool hard_ok = true, marg_ok = true;
	if (isnan(v)) {
		hard_ok = !(m->low.set || m->high.set || m->mlow.set ||
		    m->mhigh.set);
		marg_ok = hard_ok;
	} else {
		if (m->low.set && v < m->low.v)
			hard_ok = false;
		if (m->high.set && v > m->high.v)
			hard_ok = false;
		if (m->mlow.set && v < m->mlow.v)
			marg_ok = false;
		if (m->mhigh.set && v > m->mhigh.v)
			marg_ok = false;
	}
	m->outcome = hard_ok ? PB_OUT_PASS : PB_OUT_FAIL;
	m->marginal = hard_ok && !marg_ok;
}

void pb_case_finish(struct pb_case *c)
{
	if (c->n_attempts == 0) {
		c->outcome = PB_OUT_ERROR;
		snprintf(c->message, sizeof c->message, "not run");
		return;
	}
	const struct pb_attempt *a = &c->attempts[c->n_attempts - 1];
	c->outcome = a->outcome;
	snprintf(c->message, sizeof c->message, "%s", a->message);
	if (!c->defect_run)
		return;
	if (a->outcome == PB_OUT_FAIL) {
		char why[sizeof c->message];
		pb_attempt_reason(a, why, sizeof why);
		c->outcome = PB_OUT_PASS;
		snprintf(c->message, sizeof c->message,
		    "defect %s detected: the scenario failed as it must (%.400s)",
		    c->defect, why);
	} else if (a->outcome == PB_OUT_PASS) {
		c->outcome = PB_OUT_FAIL;
		snprintf(c->message, sizeof c->message,
		    "defect %s NOT detected: the scenario passed with the "
		    "safety behaviour disabled", c->defect);
	}
}

size_t pb_attempt_reason(const struct pb_attempt *a, char *buf, size_t n)
{
	if (!n)
		return 0;
	size_t wl = strlen(a->where);
	int w;
	if (!wl || (strncmp(a->message, a->where, wl) == 0 &&
	    (a->message[wl] == ':' || a->message[wl] == '\0')))
		w = snprintf(buf, n, "%s", a->message);
	else if (!a->message[0])
		w = snprintf(buf, n, "%s", a->where);
	else
		w = snprintf(buf, n, "%s: %s", a->where, a->message);
	if (w < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)w < n ? (size_t)w : n - 1;
}

size_t pb_attempt_marginals(const struct pb_attempt *a, char *buf, size_t n)
{
	size_t count = 0, used = 0;
	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < a->n_meas; i++) {
		const struct pb_measurement *m = &a->meas[i];
		if (!m->marginal || m->outcome != PB_OUT_PASS)
			continue;
		count++;
		if (used + 4 >= n)
			continue;
		int w = snprintf(buf + used, n - used, "%s%s = %g%s%s outside "
		    "marginal [%g .. %g]%s%s", used ? "; " : "", m->name,
		    m->value, m->unit[0] ? " " : "", m->unit,
		    m->mlow.set ? m->mlow.v : -INFINITY,
		    m->mhigh.set ? m->mhigh.v : INFINITY,
		    m->where[0] ? " at " : "", m->where);
		if (w < 0 || (size_t)w >= n - used) {
			/* cut: mark it */
			memcpy(buf + n - 4, "...", 4);
			used = n;
		} else {
			used += (size_t)w;
		}
	}
	return count;
}

void pb_case_suite_name(const struct pb_report *r, const struct pb_case *c,
    char *buf, size_t n)
{
	snprintf(buf, n, "%s.%s%s", r->suite,
	    r->rig_kind[0] ? r->rig_kind : "rig",
	    c->defect_run ? ".defects" : "");
}

void pb_report_counts(const struct pb_report *r, const char *suite_filter,
    struct pb_counts *n)
{
	memset(n, 0, sizeof *n);
	for (size_t i = 0; i < r->n_cases; i++) {
		const struct pb_case *c = &r->cases[i];
		if (suite_filter) {
			char s[160];
			pb_case_suite_name(r, c, s, sizeof s);
			if (strcmp(s, suite_filter) != 0)
				continue;
		}
		n->tests++;
		switch (c->outcome) {
		case PB_OUT_PASS: n->passed++; break;
		case PB_OUT_FAIL: n->failed++; break;
		case PB_OUT_ERROR: n->errors++; break;
		case PB_OUT_ABORTED: n->aborted++; break;
		case PB_OUT_SKIPPED: n->skipped++; break;
		}
	}
}

void pb_report_summary_line(const struct pb_report *r, char *buf, size_t n)
{
	struct pb_counts k;
	pb_report_counts(r, NULL, &k);
	snprintf(buf, n, "%u passed, %u failed, %u skipped", k.passed,
	    k.failed + k.errors + k.aborted, k.skipped);
}

/* ---- JSON (json-c) ------------------------------------------------------ */

typedef struct json_object jobj;

static jobj *jnum(double v)
{
	if (isnan(v) || isinf(v))
		return NULL;            /* JSON null */
	char b[40];
	snprintf(b, sizeof b, "%.10g", v);
	return json_object_new_double_s(v, b);
}

/* Trace samples: 6 significant digits keep files small. */
static jobj *jsample(double v)
{
	if (isnan(v) || isinf(v))
		return NULL;
	char b[32];
	snprintf(b, sizeof b, "%.6g", v);
	return json_object_new_double_s(v, b);
}

/* Every string goes in as valid UTF-8 without control characters (json-c
 * escapes quotes and the controls it is left with, but passes other bytes
 * through): bytes from scenarios, pumps and rig files may be anything. */
static jobj *jstr(const char *s)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	char *clean = pb_text_clean_dup(s, len, 3 * len + 8);
	jobj *o = json_object_new_string(clean ? clean : "");
	free(clean);
	return o;
}

/* The line that says what a log did not keep ("" when nothing). */
static void log_mark(const struct pb_attempt *a, char *buf, size_t n)
{
	buf[0] = '\0';
	if (a->log_dropped_lines)
		snprintf(buf, n, "[log truncated: %zu more line(s), %zu bytes, "
		    "not kept]", a->log_dropped_lines, a->log_dropped_bytes);
}

static void meas_mark(const struct pb_attempt *a, char *buf, size_t n)
{
	buf[0] = '\0';
	if (a->meas_dropped)
		snprintf(buf, n, "[measurements truncated: %zu more not kept, "
		    "%zu of them FAIL]", a->meas_dropped, a->meas_dropped_failed);
}

/* The log with its truncation mark, if any (the caller frees). */
static char *log_with_mark(const struct pb_attempt *a)
{
	char mark[160];
	log_mark(a, mark, sizeof mark);
	size_t len = a->log ? a->log_len : 0;
	char *s = malloc(len + strlen(mark) + 2);
	if (!s)
		return NULL;
	if (len)
		memcpy(s, a->log, len);
	if (mark[0]) {
		memcpy(s + len, mark, strlen(mark));
		len += strlen(mark);
		s[len++] = '\n';
	}
	s[len] = '\0';
	return s;
}

static jobj *jtime(int64_t ms)
{
	char b[40];
	pb_isotime(ms, PB_ISO_UTC_MS, b, sizeof b);
	return jstr(b);
}

static void put(jobj *o, const char *k, jobj *v)
{
	json_object_object_add(o, k, v);
}

static jobj *jlimit(struct pb_limit l)
{
	return l.set ? jnum(l.v) : NULL;
}

static jobj *json_attempt(const struct pb_attempt *a)
{
	jobj *o = json_object_new_object();
	put(o, "attempt", json_object_new_int(a->number));
	put(o, "outcome", jstr(pb_outcome_name(a->outcome)));
	put(o, "message", jstr(a->message));
	put(o, "where", jstr(a->where));
	put(o, "rig_error", json_object_new_boolean(a->rig_error));
	put(o, "start", jtime(a->start_ms));
	put(o, "end", jtime(a->end_ms));
	put(o, "wall_seconds", jnum((double)(a->end_ms - a->start_ms) / 1000.0));
	put(o, "rig_seconds", jnum(a->rig_seconds));
	jobj *ms = json_object_new_array();
	for (size_t i = 0; i < a->n_meas; i++) {
		const struct pb_measurement *m = &a->meas[i];
		jobj *mo = json_object_new_object();
		put(mo, "name", jstr(m->name));
		put(mo, "value", jnum(m->value));
		put(mo, "unit", jstr(m->unit));
		put(mo, "low", jlimit(m->low));
		put(mo, "high", jlimit(m->high));
		put(mo, "marginal_low", jlimit(m->mlow));
		put(mo, "marginal_high", jlimit(m->mhigh));
		put(mo, "outcome", jstr(pb_outcome_name(m->outcome)));
		put(mo, "marginal", json_object_new_boolean(m->marginal));
		put(mo, "where", jstr(m->where));
		put(mo, "requirement", m->requirement[0] ?
		    jstr(m->requirement) : NULL);
		json_object_array_add(ms, mo);
	}
	put(o, "measurements", ms);
	put(o, "measurements_truncated", json_object_new_int64(
	    (int64_t)a->meas_dropped));
	put(o, "measurements_truncated_failed", json_object_new_int64(
	    (int64_t)a->meas_dropped_failed));
	jobj *ts = json_object_new_array();
	for (size_t i = 0; i < a->n_traces; i++) {
		const struct pb_trace *t = &a->traces[i];
		jobj *to = json_object_new_object();
		put(to, "name", jstr(t->name));
		put(to, "unit", jstr(t->unit));
		put(to, "t0_s", jnum(t->t0_s));
		put(to, "period_s", jnum(t->period_s));
		put(to, "n", json_object_new_int64((int64_t)t->n));
		put(to, "truncated", json_object_new_int64((int64_t)t->dropped));
		jobj *sa = json_object_new_array_ext((int)t->n);
		for (size_t k = 0; k < t->n; k++)
			json_object_array_add(sa, jsample(t->v[k]));
		put(to, "samples", sa);
		json_object_array_add(ts, to);
	}
	put(o, "traces", ts);
	char *log = log_with_mark(a);
	put(o, "log", jstr(log ? log : a->log));
	free(log);
	put(o, "log_truncated_lines", json_object_new_int64(
	    (int64_t)a->log_dropped_lines));
	put(o, "log_truncated_bytes", json_object_new_int64(
	    (int64_t)a->log_dropped_bytes));
	return o;
}

/* What the run verified: each requirement's outcome, the requirements no
 * scenario verified and the scenarios that verify none (docs/
 * verification.md). */
static jobj *json_coverage(const struct pb_report *r)
{
	struct pb_matrix m;
	if (pb_matrix_build(r, &m) != 0)
		return NULL;
	jobj *o = json_object_new_object();
	jobj *out = json_object_new_object();
	jobj *un = json_object_new_array();
	for (size_t i = 0; i < m.n; i++) {
		put(out, m.rows[i].id, jstr(pb_matrix_outcome_name(
		    m.rows[i].outcome)));
		if (m.rows[i].outcome == PB_MATRIX_UNTESTED)
			json_object_array_add(un, jstr(m.rows[i].id));
	}
	jobj *orph = json_object_new_array();
	for (size_t i = 0; i < m.n_orphans; i++)
		json_object_array_add(orph, jstr(r->cases[m.orphans[i]].name));
	put(o, "outcomes", out);
	put(o, "untested", un);
	put(o, "unverified_scenarios", orph);
	pb_matrix_free(&m);
	return o;
}

int pb_report_write_json(const struct pb_report *r, FILE *f)
{
	struct pb_counts k;
	pb_report_counts(r, NULL, &k);
	jobj *root = json_object_new_object();
	put(root, "format", jstr("pumphil-record/1"));
	put(root, "suite", jstr(r->suite));
	put(root, "rig", jstr(r->rig));
	put(root, "rig_kind", jstr(r->rig_kind));
	put(root, "station", jstr(r->hostname));
	put(root, "start", jtime(r->start_ms));
	put(root, "end", jtime(r->end_ms));
	jobj *tool = json_object_new_object();
	put(tool, "name", jstr("pumphil"));
	put(tool, "version", jstr(r->tool_version));
	put(tool, "sha256", jstr(r->tool_sha256));
	put(root, "tool", tool);
	put(root, "operator", jstr(r->operator_id));
	put(root, "rig_file", jstr(r->rig_file));
	put(root, "rig_sha256", jstr(r->rig_sha256));
	put(root, "seed", r->have_seed ?
	    json_object_new_int64((int64_t)r->seed) : NULL);
	put(root, "sensor_model", jstr(r->sensor_model));
	jobj *cnt = json_object_new_object();
	put(cnt, "tests", json_object_new_int((int)k.tests));
	put(cnt, "passed", json_object_new_int((int)k.passed));
	put(cnt, "failed", json_object_new_int((int)k.failed));
	put(cnt, "errors", json_object_new_int((int)k.errors));
	put(cnt, "aborted", json_object_new_int((int)k.aborted));
	put(cnt, "skipped", json_object_new_int((int)k.skipped));
	put(root, "counts", cnt);
	jobj *rq = json_object_new_object();
	put(rq, "file", jstr(r->requirements.path));
	put(rq, "sha256", jstr(r->requirements.sha256));
	put(rq, "title", jstr(r->requirements.title));
	put(rq, "revision", jstr(r->requirements.revision));
	put(rq, "error", jstr(r->requirements_error));
	put(root, "requirements", rq);
	put(root, "coverage", json_coverage(r));
	jobj *cases = json_object_new_array();
	for (size_t i = 0; i < r->n_cases; i++) {
		const struct pb_case *c = &r->cases[i];
		char suite[160];
		pb_case_suite_name(r, c, suite, sizeof suite);
		jobj *co = json_object_new_object();
		put(co, "name", jstr(c->name));
		put(co, "testsuite", jstr(suite));
		put(co, "outcome", jstr(pb_outcome_name(c->outcome)));
		put(co, "message", jstr(c->message));
		jobj *sc = json_object_new_object();
		put(sc, "file", jstr(c->file));
		put(sc, "sha256", jstr(c->sha256));
		put(sc, "profile", jstr(c->profile));
		put(sc, "profile_sha256", jstr(c->profile_sha256));
		put(sc, "defect", jstr(c->defect));
		put(sc, "defect_run", json_object_new_boolean(c->defect_run));
		jobj *reqs = json_object_new_array();
		for (const char *q = c->requirements; *q;) {
			size_t len = strcspn(q, " ");
			if (len)
				json_object_array_add(reqs,
				    json_object_new_string_len(q, (int)len));
			q += len;
			while (*q == ' ')
				q++;
		}
		put(sc, "requirements", reqs);
		put(co, "scenario", sc);
		jobj *dut = json_object_new_object();
		put(dut, "serial", jstr(c->dut_serial));
		put(dut, "firmware", jstr(c->dut_firmware));
		put(dut, "firmware_build", jstr(c->firmware_build));
		put(co, "dut", dut);
		jobj *at = json_object_new_array();
		for (size_t j = 0; j < c->n_attempts; j++)
			json_object_array_add(at, json_attempt(&c->attempts[j]));
		put(co, "attempts", at);
		json_object_array_add(cases, co);
	}
	put(root, "cases", cases);
	const char *txt = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = txt && fputs(txt, f) >= 0 && fputc('\n', f) != EOF ?
	    PB_REPORT_OK : PB_REPORT_E_IO;
	json_object_put(root);
	return ferror(f) ? PB_REPORT_E_IO : rc;
}

/* ---- JUnit XML ---------------------------------------------------------- */

/* Text for XML: made valid UTF-8 and XML 1.0 characters first (control
 * characters other than tab, newline and carriage return, and bytes that
 * are not UTF-8, become U+FFFD), then the markup characters escaped.  In
 * attributes (text == false) tab, newline and carriage return are
 * written as references so they survive attribute normalisation; in
 * element text newlines stay as they are (readable in CI viewers), tab
 * and carriage return are references there too. */
static void xml_write(FILE *f, const char *s, bool text)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	char *clean = pb_text_clean_dup(s, len, 3 * len + 8);
	for (const char *p = clean ? clean : ""; *p; p++) {
		switch (*p) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\r': fputs("&#13;", f); break;
		case '\n':
			if (text)
				fputc('\n', f);
			else
				fputs("&#10;", f);
			break;
		case '\t': fputs("&#9;", f); break;
		default: fputc(*p, f);
		}
	}
	free(clean);
}

static void xml_str(FILE *f, const char *s)
{
	xml_write(f, s, false);
}

static void xml_text(FILE *f, const char *s)
{
	xml_write(f, s, true);
}

static double case_seconds(const struct pb_case *c)
{
	double s = 0;
	for (size_t j = 0; j < c->n_attempts; j++)
		s += (double)(c->attempts[j].end_ms -
		    c->attempts[j].start_ms) / 1000.0;
	return s;
}

static void junit_property(FILE *f, const char *name, const char *value)
{
	if (!value || !value[0])
		return;
	fputs("      <property name=\"", f);
	xml_str(f, name);
	fputs("\" value=\"", f);
	xml_str(f, value);
	fputs("\"/>\n", f);
}

/* The run's provenance, as CI systems show a testsuite's properties;
 * only what is known (a report built by hand has the rig alone). */
static void junit_properties(FILE *f, const struct pb_report *r)
{
	junit_property(f, "rig", r->rig);
	junit_property(f, "rig_file", r->rig_file);
	junit_property(f, "rig_sha256", r->rig_sha256);
	junit_property(f, "tool_version", r->tool_version);
	junit_property(f, "tool_sha256", r->tool_sha256);
	junit_property(f, "operator", r->operator_id);
	char seed[32] = "";
	if (r->have_seed)
		snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
	junit_property(f, "seed", seed);
	junit_property(f, "sensor_model", r->sensor_model);
	junit_property(f, "requirements_file", r->requirements.path);
	junit_property(f, "requirements_sha256", r->requirements.sha256);
	junit_property(f, "requirements_error", r->requirements_error);
}

static void junit_system_out(FILE *f, const struct pb_case *c)
{
	fputs("      <system-out>", f);
	char line[1024];
	snprintf(line, sizeof line, "scenario %s sha256 %s profile %s\n",
	    c->file, c->sha256[0] ? c->sha256 : "-",
	    c->profile[0] ? c->profile : "-");
	xml_text(f, line);
	if (c->defect[0]) {
		snprintf(line, sizeof line, "defect switch %s (%s)\n",
		    c->defect, c->defect_run ? "ON: must fail" : "off");
		xml_text(f, line);
	}
	if (c->requirements[0]) {
		snprintf(line, sizeof line, "verifies %s\n", c->requirements);
		xml_text(f, line);
	}
	if (c->profile_sha256[0]) {
		snprintf(line, sizeof line, "profile sha256 %s\n",
		    c->profile_sha256);
		xml_text(f, line);
	}
	if (c->dut_serial[0]) {
		snprintf(line, sizeof line, "DUT serial %s firmware %s%s%s\n",
		    c->dut_serial, c->dut_firmware,
		    c->firmware_build[0] ? " build " : "", c->firmware_build);
		xml_text(f, line);
	}
	for (size_t j = 0; j < c->n_attempts; j++) {
		const struct pb_attempt *a = &c->attempts[j];
		char why[800];
		pb_attempt_reason(a, why, sizeof why);
		snprintf(line, sizeof line,
		    "--- attempt %d of %zu: %s%s%s (%.1f s rig time)\n",
		    a->number, c->n_attempts, pb_outcome_name(a->outcome),
		    why[0] ? ": " : "", why, a->rig_seconds);
		xml_text(f, line);
		for (size_t i = 0; i < a->n_meas; i++) {
			const struct pb_measurement *m = &a->meas[i];
			char lim[128] = "";
			if (m->low.set || m->high.set)
				snprintf(lim, sizeof lim, " [%g .. %g]",
				    m->low.set ? m->low.v : -INFINITY,
				    m->high.set ? m->high.v : INFINITY);
			snprintf(line, sizeof line, "  %s = %g %s%s %s%s\n",
			    m->name, m->value, m->unit, lim,
			    pb_outcome_name(m->outcome),
			    m->marginal ? " MARGINAL" : "");
			xml_text(f, line);
		}
		char mark[160];
		meas_mark(a, mark, sizeof mark);
		if (mark[0]) {
			xml_text(f, "  ");
			xml_text(f, mark);
			xml_text(f, "\n");
		}
		for (size_t i = 0; i < a->n_traces; i++)
			if (a->traces[i].dropped) {
				snprintf(line, sizeof line, "  [trace %s truncated: "
				    "%zu more sample(s) not kept]\n",
				    a->traces[i].name, a->traces[i].dropped);
				xml_text(f, line);
			}
		char *log = log_with_mark(a);
		if (log)
			xml_text(f, log);
		else if (a->log)
			xml_text(f, a->log);
		free(log);
	}
	fputs("</system-out>\n", f);
}

int pb_report_write_junit(const struct pb_report *r, FILE *f)
{
	struct pb_counts all;
	pb_report_counts(r, NULL, &all);
	double total = (double)(r->end_ms - r->start_ms) / 1000.0;
	if (total < 0)
		total = 0;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fputs("<testsuites name=\"", f);
	xml_str(f, r->suite);
	fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
	    "skipped=\"%u\" time=\"%.3f\">\n", all.tests, all.failed,
	    all.errors + all.aborted, all.skipped, total);

	/* testsuites in order of first appearance */
	for (size_t i = 0; i < r->n_cases; i++) {
		char sname[160];
		pb_case_suite_name(r, &r->cases[i], sname, sizeof sname);
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			char prev[160];
			pb_case_suite_name(r, &r->cases[k], prev, sizeof prev);
			seen = strcmp(prev, sname) == 0;
		}
		if (seen)
			continue;
		struct pb_counts k;
		pb_report_counts(r, sname, &k);
		double secs = 0;
		int64_t first = 0;
		for (size_t j = i; j < r->n_cases; j++) {
			char s2[160];
			pb_case_suite_name(r, &r->cases[j], s2, sizeof s2);
			if (strcmp(s2, sname) != 0)
				continue;
			secs += case_seconds(&r->cases[j]);
			if (!first && r->cases[j].n_attempts)
				first = r->cases[j].attempts[0].start_ms;
		}
		char ts[40];
		pb_isotime(first ? first : r->start_ms, PB_ISO_JUNIT, ts, sizeof ts);
		fputs("  <testsuite name=\"", f);
		xml_str(f, sname);
		fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
		    "skipped=\"%u\" time=\"%.3f\" timestamp=\"%s\" "
		    "hostname=\"", k.tests, k.failed, k.errors + k.aborted,
		    k.skipped, secs, ts);
		xml_str(f, r->hostname[0] ? r->hostname : "localhost");
		fputs("\">\n", f);
		fputs("    <properties>\n", f);
		junit_properties(f, r);
		fputs("    </properties>\n", f);
		for (size_t j = i; j < r->n_cases; j++) {
			const struct pb_case *c = &r->cases[j];
			char s2[160];
			pb_case_suite_name(r, c, s2, sizeof s2);
			if (strcmp(s2, sname) != 0)
				continue;
			fputs("    <testcase classname=\"", f);
			xml_str(f, sname);
			fputs("\" name=\"", f);
			xml_str(f, c->name);
			fprintf(f, "\" time=\"%.3f\">\n", case_seconds(c));
			const char *tag = NULL;
			switch (c->outcome) {
			case PB_OUT_FAIL: tag = "failure"; break;
			case PB_OUT_ERROR: tag = "error"; break;
			case PB_OUT_ABORTED: tag = "error"; break;
			case PB_OUT_SKIPPED: tag = "skipped"; break;
			case PB_OUT_PASS: break;
			}
			if (tag) {
				char msg[1024];
				const struct pb_attempt *a = c->n_attempts ?
				    &c->attempts[c->n_attempts - 1] : NULL;
				/* a defect run's verdict is its own; else the
				 * attempt's reason, its location once */
				if (a && !c->defect_run)
					pb_attempt_reason(a, msg, sizeof msg);
				else
					snprintf(msg, sizeof msg, "%s",
					    c->message);
				if (!msg[0])
					snprintf(msg, sizeof msg, "%s",
					    pb_outcome_name(c->outcome));
				fprintf(f, "      <%s message=\"", tag);
				xml_str(f, msg);
				fprintf(f, "\" type=\"%s\">",
				    pb_outcome_name(c->outcome));
				xml_text(f, msg);
				fprintf(f, "</%s>\n", tag);
			}
			junit_system_out(f, c);
			fputs("    </testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return ferror(f) ? PB_REPORT_E_IO : PB_REPORT_OK;
}

/* ---- files -------------------------------------------------------------- */

static int save_one(const struct pb_report *r, const char *path, bool json,
    char *err, size_t errlen)
{
	/* a fresh temporary of our own (O_EXCL): nothing planted in a
	 * shared directory is followed or overwritten */
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PB_REPORT_E_IO;
	}
	(void)fchmod(fd, 0644);   /* a CI artifact: readable, like fopen's */
	FILE *f = fdopen(fd, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return PB_REPORT_E_IO;
	}
	int rc = json ? pb_report_write_json(r, f) : pb_report_write_junit(r, f);
	if (fclose(f) != 0 || rc != 0) {
		snprintf(err, errlen, "%s: write failed: %s", path,
		    strerror(errno));
		unlink(tmp);
		return PB_REPORT_E_IO;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return PB_REPORT_E_IO;
	}
	return PB_REPORT_OK;
}

int pb_report_save(const struct pb_report *r, const char *json_path,
    const char *junit_path, char *err, size_t errlen)
{
	int rc = PB_REPORT_OK;
	if (json_path && save_one(r, json_path, true, err, errlen) != 0)
		rc = PB_REPORT_E_IO;
	if (junit_path) {
		char e2[512];
		if (save_one(r, junit_path, false, e2, sizeof e2) != 0) {
			if (rc == PB_REPORT_OK)
				snprintf(err, errlen, "%s", e2);
			rc = PB_REPORT_E_IO;
		}
	}
	return rc;
}

int pb_sha256_file(const char *path, char hex[65], char *err, size_t errlen)
{
	char why[256];
	if (pb_file_sha256(path, 0, hex, why, sizeof why) != PB_FILE_OK) {
		snprintf(err, errlen, "%s: %s", path, why);
		return PB_REPORT_E_HASH;
	}
	return PB_REPORT_OK;
}

void pb_sha256_hex(const void *data, size_t len, char hex[65])
{
	hex[0] = '\0';
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return;
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
