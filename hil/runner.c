/*
 * hil/runner.c - `pumphil run`. See runner.h for the promise.
 */
#include "hil/runner.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/cli.h"
#include "base/datadir.h"
#include "base/text.h"
#include "base/version.h"

#include "hil/dut.h"
#include "hil/fixture-sim.h"
#include "hil/lock.h"
#include "hil/matrix.h"
#include "hil/rig.h"
#include "hil/scenario.h"
#include "pump/profile.h"

#define SIM_DUT_SERIAL "HILSIM0001"
#define POWER_OFF_S    0.2

static uint64_t mono_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static int64_t real_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int default_open(void *ctx, const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen)
{
	(void)ctx;
	return pb_fixture_open(rig, opts, out, err, errlen);
}

void pb_runner_defaults(struct pb_runner_opts *o)
{
	memset(o, 0, sizeof *o);
	o->rig_spec = "sim";
	o->retries = 2;
	o->timeout_s = 600;
	o->step_timeout_s = 30;
	o->lock_timeout_s = 600;
	o->seed = 1;
	o->boot_timeout_s = 10;
	o->retry_delay_s = 2;
}

int pb_runner_shard_of(const char *file, int n)
{
	if (n <= 1)
		return 1;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (EVP_Digest(base, strlen(base), md, &len, EVP_sha256(), NULL) != 1 ||
	    len < 4)
		return 1;
	uint32_t h = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | md[3];
	return 1 + (int)(h % (uint32_t)n);
}

int pb_runner_exit_status(const struct pb_report *rep)
{
	struct pb_counts k;
	pb_report_counts(rep, NULL, &k);
	if (k.aborted)
		return PB_EXIT_ABORTED;
	if (k.failed)
		return PB_EXIT_FAIL;
	if (k.errors)
		return PB_EXIT_ERROR;
	return PB_EXIT_OK;
}

/* ---- run context ------------------------------------------------------- */

struct run {
	const struct pb_runner_opts *o;
	struct pb_report *rep;
	FILE *out;
	uint64_t (*wall_us)(void);
	int64_t (*unix_ms)(void);
	pb_runner_open_fn open_fixture;
	bool have_rig;
	struct pb_rig rig;
	char rig_err[512];
	bool aborted;
	bool save_failed;      /* a report file could not be written */
};

static void vline(FILE *f, const char *fmt, va_list ap)
{
	char raw[8192], safe[16384];
	vsnprintf(raw, sizeof raw, fmt, ap);
	size_t n = strlen(raw);
	if (n && raw[n - 1] == '\n')
		raw[--n] = '\0';
	pb_text_escape(safe, sizeof safe, raw, n);
	fprintf(f, "%s\n", safe);
	fflush(f);
}

void pb_runner_print(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(f, fmt, ap);
	va_end(ap);
}

/* A progress line (escaped: it quotes scenario and file text). */
static void say(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(struct run *r, const char *fmt, ...)
{
	if (r->o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vline(r->out, fmt, ap);
	va_end(ap);
}

static const char *paint(const struct run *r, enum pb_cli_tone t)
{
	return pb_cli_paint(r->o->color, t);
}

static void attempt_error(struct pb_attempt *a, bool rig_error,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void attempt_error(struct pb_attempt *a, bool rig_error,
    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof a->message, fmt, ap);
	va_end(ap);
	a->outcome = PB_OUT_ERROR;
	a->rig_error = rig_error;
	pb_attempt_log(a, "ERROR: %s", a->message);
}

static bool cancel_cb(void)
{
	return pb_fixture_interrupted() != 0;
}

/* ---- one attempt ------------------------------------------------------- */

/* One attempt's state, handed from step to step. */
struct attempt {
	struct run *r;
	const char *file;
	const struct pb_scenario_meta *meta;
	bool defect_run;
	bool sim;
	struct pb_case *c;
	struct pb_attempt *a;
	struct pb_profile prof;
	bool have_prof;
	struct pb_fixture *f;
	struct pb_dut *d;
};

/* sim: the emulator runs the scenario's profile.  False with the attempt
 * in ERROR. */
static bool attempt_sim_profile(struct attempt *t)
{
	char err[512] = "";
	/* a scenario names a profile by id only; the rig file (the user's
	 * own configuration) may give a path */
	int prc = t->meta->profile[0] ?
	    pb_profile_find_id(&t->prof, t->meta->profile, err, sizeof err) :
	    pb_profile_find(&t->prof, t->r->rig.profile, err, sizeof err);
	if (prc != 0) {
		attempt_error(t->a, false, "pump profile: %s", err);
		return false;
	}
	t->have_prof = true;
	return true;
}

/* Open the rig's fixture, with the defect switch of a defect run thrown.
 * False with the attempt in ERROR. */
static bool attempt_open_fixture(struct attempt *t)
{
	const struct pb_runner_opts *o = t->r->o;
	const struct pb_rig *rig = &t->r->rig;
	char err[512] = "";
	unsigned defect_bits = 0;
	if (t->defect_run && pb_fixture_sim_defect(t->meta->defect,
	    &defect_bits) != PB_FIX_OK) {
		attempt_error(t->a, false, "unknown defect switch '%s'",
		    t->meta->defect);
		return false;
	}

	struct pb_fixture_opts fo = {
		.profile = t->have_prof ? &t->prof : NULL,
		.defects = defect_bits,
		.seed = o->seed,
		.dut_serial = SIM_DUT_SERIAL,
		.sensor_errors = o->unit != PB_FIX_UNIT_IDEAL,
		.calibrated = o->unit == PB_FIX_UNIT_CALIBRATED,
		.start_us = 0,
	};
	int rc = t->r->open_fixture(o->open_ctx, rig, &fo, &t->f, err,
	    sizeof err);
	if (rc != PB_FIX_OK || !t->f) {
		attempt_error(t->a, true, "fixture: %s", err[0] ? err :
		    pb_fixture_strerror(rc));
		return false;
	}
	pb_attempt_log(t->a, "fixture %s (%s) open; scenario %s%s%s; seed "
	    "%llu, %s unit", rig->name, pb_fixture_backend(t->f), t->file,
	    t->defect_run ? " with defect switch " : "",
	    t->defect_run ? t->meta->defect : "", (unsigned long long)o->seed,
	    pb_fixture_unit_name(o->unit));
	return true;
}

/* The DUT on the fixture, power-cycled and booted, its log in the
 * attempt.  False with the attempt in ERROR or ABORTED. */
static bool attempt_prepare_dut(struct attempt *t)
{
	const struct pb_runner_opts *o = t->r->o;
	struct pb_attempt *a = t->a;
	char err[512] = "";
	if (pb_dut_new(t->f, &t->d, err, sizeof err) != PB_DUT_OK) {
		attempt_error(a, true, "%s", err);
		return false;
	}
	pb_dut_set_step_timeout(t->d, o->step_timeout_s);
	int rc = pb_dut_power_cycle(t->d, POWER_OFF_S, o->boot_timeout_s);
	char *log = pb_dut_take_log(t->d);
	if (log) {
		size_t n = strlen(log);
		if (n && log[n - 1] == '\n')
			log[--n] = '\0';
		pb_attempt_log_text(a, log, n);
		free(log);
	}
	if (rc != PB_DUT_OK) {
		if (rc == PB_DUT_E_INTERRUPTED) {
			a->outcome = PB_OUT_ABORTED;
			snprintf(a->message, sizeof a->message,
			    "interrupted while preparing the DUT");
		} else {
			attempt_error(a, true, "DUT reset: %s",
			    pb_dut_errmsg(t->d));
		}
		return false;
	}
	return true;
}

/* What the DUT says it is, into the case.  A real pump must run the
 * scenario's profile: false with the attempt SKIPPED when it does not. */
static bool attempt_identify_dut(struct attempt *t)
{
	struct pb_case *c = t->c;
	struct pb_attempt *a = t->a;
	char err[512] = "";
	const struct pb_device_info *info = pb_dut_info(t->d);
	if (info) {
		snprintf(c->dut_serial, sizeof c->dut_serial, "%.*s",
		    PB_STR_LEN, info->serial);
		snprintf(c->dut_firmware, sizeof c->dut_firmware, "%.*s",
		    PB_STR_LEN, info->fw_version);
		pb_attempt_log(a, "DUT %s firmware %s profile %.*s",
		    c->dut_serial, c->dut_firmware, PB_STR_LEN, info->profile);
	}
	if (!t->sim && info) {
		/* a real pump: the scenario must fit it */
		char dprof[PB_STR_LEN + 1];
		snprintf(dprof, sizeof dprof, "%.*s", PB_STR_LEN,
		    info->profile);
		if (t->meta->profile[0] &&
		    strcmp(t->meta->profile, dprof) != 0) {
			a->outcome = PB_OUT_SKIPPED;
			snprintf(a->message, sizeof a->message, "scenario needs "
			    "profile %s, the DUT runs %s", t->meta->profile,
			    dprof);
			return false;
		}
		/* the DUT's id is looked up by name only, never as a path */
		if (pb_profile_find_id(&t->prof, dprof, err, sizeof err) == 0)
			t->have_prof = true;
		else
			pb_attempt_log(a, "no profile file for %s: %s", dprof,
			    err);
	}
	return true;
}

/* The case records which profile and which build the attempt ran. */
static void attempt_record_build(struct attempt *t)
{
	const struct pb_runner_opts *o = t->r->o;
	struct pb_case *c = t->c;
	char err[512] = "";
	snprintf(c->profile, sizeof c->profile, "%s",
	    t->have_prof ? t->prof.id : "");
	if (t->have_prof && t->prof.path[0] && pb_sha256_file(t->prof.path,
	    c->profile_sha256, err, sizeof err) != 0)
		pb_attempt_log(t->a, "profile %s not hashed: %s", t->prof.path,
		    err);
	/* the emulator runs inside this pumphil: its build is our binary */
	snprintf(c->firmware_build, sizeof c->firmware_build, "%s",
	    t->sim ? t->r->rep->tool_sha256 : o->build ? o->build : "");
}

static void attempt_run_scenario(struct attempt *t, const char *text,
    size_t len)
{
	const struct pb_runner_opts *o = t->r->o;
	const struct pb_scenario_meta *meta = t->meta;
	struct pb_scenario_ctx ctx = {
		.dut = t->d,
		.profile = t->have_prof ? &t->prof : NULL,
		.rig_kind = t->sim ? "sim" : "ftdi",
		.timeout_s = meta->timeout_s > 0 ? meta->timeout_s :
		    o->timeout_s,
		.step_timeout_s = o->step_timeout_s,
		.wall_us = t->r->wall_us,
		/* virtual time: a busy script is caught by wall time */
		.wall_limit_s = o->wall_limit_s > 0 ? o->wall_limit_s :
		    t->sim ? 300 : (meta->timeout_s > 0 ? meta->timeout_s :
		    o->timeout_s) + 60,
		.requirements = &t->r->rep->requirements,
		.verifies = meta->verifies,
	};
	pb_scenario_run_text(text, len, t->file, &ctx, t->a);
}

/* However the attempt went: the fixture to its safe state (an attempt
 * that did not get there is an ERROR), everything closed, a signal
 * noted. */
static void attempt_end(struct attempt *t)
{
	struct pb_attempt *a = t->a;
	struct pb_fixture *f = t->f;
	if (f) {
		int src = pb_fixture_safe(f);
		if (src != PB_FIX_OK) {
			pb_attempt_log(a, "fixture safe state failed: %s: %s",
			    pb_fixture_strerror(src), pb_fixture_errmsg(f));
			if (a->outcome == PB_OUT_PASS ||
			    a->outcome == PB_OUT_FAIL)
				attempt_error(a, true, "fixture did not reach "
				    "its safe state: %s",
				    pb_fixture_errmsg(f));
		} else {
			pb_attempt_log(a, "fixture safe");
		}
	}
	pb_dut_free(t->d);
	pb_fixture_close(f);
	if (pb_fixture_interrupted() && a->outcome != PB_OUT_ABORTED) {
		a->outcome = PB_OUT_ABORTED;
		snprintf(a->message, sizeof a->message, "interrupted by "
		    "signal %d", pb_fixture_interrupted());
	}
}

/* One attempt of a scenario: profile, fixture, DUT, the scenario, and
 * the fixture safe again whatever happened after it opened. */
static void run_attempt(struct run *r, const char *file, const char *text,
    size_t len, const struct pb_scenario_meta *meta, bool defect_run,
    struct pb_case *c, struct pb_attempt *a)
{
	struct attempt at = {
		.r = r, .file = file, .meta = meta, .defect_run = defect_run,
		.sim = r->rig.backend == PB_RIG_SIM, .c = c, .a = a,
	};
	struct attempt *t = &at;
	if ((t->sim && !attempt_sim_profile(t)) || !attempt_open_fixture(t))
		return;
	if (attempt_prepare_dut(t) && attempt_identify_dut(t)) {
		attempt_record_build(t);
		attempt_run_scenario(t, text, len);
	}
	attempt_end(t);
}

/* A real bench gets a moment to recover (USB re-enumeration, a DUT that
 * browned out) before the next attempt; a signal cuts the pause short. */
static void pause_before_retry(struct run *r)
{
	if (r->rig.backend != PB_RIG_FTDI || r->o->retry_delay_s <= 0)
		return;
	uint64_t end = r->wall_us() + (uint64_t)(r->o->retry_delay_s * 1e6);
	while (r->wall_us() < end && !pb_fixture_interrupted()) {
		struct timespec nap = { 0, 50 * 1000000L };
		nanosleep(&nap, NULL);
	}
}

/* ---- one case ---------------------------------------------------------- */

/* Every ID of --@verifies must be a written requirement: a scenario that
 * claims to verify something nobody wrote down is an ERROR (not retried),
 * and so is one that verifies anything when no file could be loaded. */
static bool requirements_known(struct run *r,
    const struct pb_scenario_meta *meta, struct pb_attempt *a)
{
	const struct pb_requirement_set *set = &r->rep->requirements;
	for (const char *q = meta->verifies; *q;) {
		size_t n = strcspn(q, " ");
		char id[PB_REQUIREMENT_ID_LEN];
		snprintf(id, sizeof id, "%.*s", (int)(n < sizeof id ? n :
		    sizeof id - 1), q);
		if (!set->n) {
			attempt_error(a, false, "--@verifies %s: no requirement "
			    "file: %s", id, r->rep->requirements_error);
			return false;
		}
		if (!pb_requirement_find(set, id)) {
			attempt_error(a, false, "--@verifies %s: no such "
			    "requirement in %s", id, set->path);
			return false;
		}
		q += n;
		while (*q == ' ')
			q++;
	}
	return true;
}

/* "WORD     name (attempt N, ...): why": the word painted (when asked),
 * the rest escaped (it quotes scenario and file text). */
static void outcome_line(struct run *r, enum pb_cli_tone tone,
    const char *word, const struct pb_case *c, const struct pb_attempt *a,
    double wall, const char *why)
{
	char rest[2048], safe[4096];
	snprintf(rest, sizeof rest, "%s (attempt %d, %.1f s rig, %.2f s wall)"
	    "%s%s", c->name, a->number, a->rig_seconds, wall,
	    why[0] ? ": " : "", why);
	pb_text_escape_str(safe, sizeof safe, rest);
	fprintf(r->out, "%s%-8s%s %s\n", paint(r, tone), word,
	    paint(r, PB_CLI_TONE_END), safe);
	fflush(r->out);
}

/*
 * A case's line on the console, after its last attempt:
 *   PASS / SKIPPED          (with the reason of a skip)
 *   MARGINAL                a PASS with measurements outside their
 *                           marginal limits, which are named
 *   XFAIL                   a defect run that failed as it must
 *   FAIL / ERROR / ABORTED  with the reason, its location once; a defect
 *                           run that passed is a FAIL
 * With -q only FAIL, ERROR and ABORTED lines are printed: the reason of
 * every case that did not pass.
 */
static void case_line(struct run *r, const struct pb_case *c,
    const struct pb_attempt *a, double wall)
{
	char why[1024];
	const char *word = pb_outcome_name(c->outcome);
	enum pb_cli_tone tone = PB_CLI_TONE_BAD;
	switch (c->outcome) {
	case PB_OUT_PASS:
		tone = PB_CLI_TONE_GOOD;
		if (c->defect_run && a->outcome == PB_OUT_FAIL) {
			word = "XFAIL";
			snprintf(why, sizeof why, "%s", c->message);
		} else if (pb_attempt_marginals(a, why, sizeof why) > 0) {
			word = "MARGINAL";
			tone = PB_CLI_TONE_WARN;
		}
		break;
	case PB_OUT_SKIPPED:
		tone = PB_CLI_TONE_DIM;
		pb_attempt_reason(a, why, sizeof why);
		break;
	case PB_OUT_FAIL:
		if (c->defect_run)
			snprintf(why, sizeof why, "%s", c->message);
		else
			pb_attempt_reason(a, why, sizeof why);
		break;
	case PB_OUT_ERROR:
	case PB_OUT_ABORTED:
		pb_attempt_reason(a, why, sizeof why);
		break;
	}
	if (tone != PB_CLI_TONE_BAD && r->o->quiet)
		return;
	if (tone == PB_CLI_TONE_GOOD && strcmp(word, "XFAIL") != 0)
		why[0] = '\0';
	outcome_line(r, tone, word, c, a, wall, why);
}

static void unique_name(struct pb_report *rep, struct pb_case *c)
{
	char base[sizeof c->name];
	snprintf(base, sizeof base, "%s", c->name);
	for (int k = 2;; k++) {
		bool clash = false;
		for (size_t i = 0; i < rep->n_cases; i++) {
			const struct pb_case *o = &rep->cases[i];
			if (o != c && o->defect_run == c->defect_run &&
			    strcmp(o->name, c->name) == 0)
				clash = true;
		}
		if (!clash)
			return;
		snprintf(c->name, sizeof c->name, "%.140s #%d", base, k);
	}
}

static void save(struct run *r)
{
	char err[512];
	r->rep->end_ms = r->unix_ms();
	if (pb_report_save(r->rep, r->o->json_path, r->o->junit_path, err,
	    sizeof err) != 0) {
		if (!r->save_failed)
			pb_runner_print(stderr, "pumphil: report: %s", err);
		r->save_failed = true;
	}
	if ((r->o->trace_html || r->o->trace_csv) &&
	    pb_matrix_save(r->rep, r->o->trace_html, r->o->trace_csv, err,
	    sizeof err) != 0) {
		if (!r->save_failed)
			pb_runner_print(stderr, "pumphil: trace: %s", err);
		r->save_failed = true;
	}
}

/* Requirements no scenario of this run verified, and scenarios that
 * verify none: said at the end of the run (and in the reports). */
static void coverage(struct run *r)
{
	struct pb_matrix m;
	if (pb_matrix_build(r->rep, &m) != 0)
		return;
	if (m.untested) {
		char ids[4096] = "";
		for (size_t i = 0; i < m.n; i++) {
			size_t l = strlen(ids);
			if (m.rows[i].outcome == PB_MATRIX_UNTESTED &&
			    l + 70 < sizeof ids)
				snprintf(ids + l, sizeof ids - l, "%s%s",
				    l ? ", " : "", m.rows[i].id);
		}
		say(r, "%zu requirement(s) verified by no scenario of this "
		    "run: %s\n", m.untested, ids);
	}
	for (size_t i = 0; i < m.n_orphans; i++)
		say(r, "scenario %s verifies no requirement (--@verifies)\n",
		    r->rep->cases[m.orphans[i]].name);
	pb_matrix_free(&m);
}

static void run_case(struct run *r, const char *file, bool defect_run)
{
	struct pb_case *c = pb_report_add_case(r->rep);
	if (!c)
		return;
	struct pb_scenario_meta meta;
	char err[512] = "";
	/* read once: the bytes hashed into the report are the bytes run */
	char *text = NULL;
	size_t len = 0;
	int mrc = pb_scenario_read(file, &text, &len, err, sizeof err);
	if (mrc == PB_SCENARIO_OK) {
		mrc = pb_scenario_parse_meta(text, len, file, &meta, err,
		    sizeof err);
		pb_sha256_hex(text, len, c->sha256);
	} else {
		pb_scenario_parse_meta("", 0, file, &meta, NULL, 0);
	}
	snprintf(c->name, sizeof c->name, "%.120s%s", meta.name,
	    defect_run ? "[defect]" : "");
	snprintf(c->file, sizeof c->file, "%s", file);
	snprintf(c->defect, sizeof c->defect, "%s", meta.defect);
	snprintf(c->requirements, sizeof c->requirements, "%s",
	    meta.verifies);
	snprintf(c->profile, sizeof c->profile, "%s", meta.profile);
	c->defect_run = defect_run;
	unique_name(r->rep, c);

	int max_attempts = 1 + (r->o->retries > 0 ? r->o->retries : 0);
	double wall = 0;
	for (int n = 0; n < max_attempts; n++) {
		struct pb_attempt *a = pb_case_add_attempt(c);
		if (!a)
			break;
		a->start_ms = r->unix_ms();
		uint64_t w0 = r->wall_us();
		if (r->aborted) {
			a->outcome = PB_OUT_ABORTED;
			snprintf(a->message, sizeof a->message,
			    "not run: the run was interrupted");
		} else if (mrc != PB_SCENARIO_OK) {
			attempt_error(a, false, "%s", err);
			snprintf(a->where, sizeof a->where, "%s", file);
		} else if (!requirements_known(r, &meta, a)) {
			/* ERROR set: a requirement it names is not written */
		} else if (!r->have_rig) {
			/* a rig file that is missing or wrong, or a bench
			 * still busy after the lock wait: retrying now
			 * cannot help */
			attempt_error(a, false, "rig: %s", r->rig_err);
		} else if (meta.requires[0] &&
		    strcmp(meta.requires, r->rep->rig_kind) != 0) {
			a->outcome = PB_OUT_SKIPPED;
			snprintf(a->message, sizeof a->message,
			    "needs the %s rig (this is %s)", meta.requires,
			    r->rep->rig_kind);
		} else if (defect_run && r->rig.backend != PB_RIG_SIM) {
			a->outcome = PB_OUT_SKIPPED;
			snprintf(a->message, sizeof a->message, "defect switches "
			    "exist only on the sim rig");
		} else {
			run_attempt(r, file, text, len, &meta, defect_run, c,
			    a);
		}
		a->end_ms = r->unix_ms();
		if (a->end_ms < a->start_ms)
			a->end_ms = a->start_ms;
		wall = (double)(r->wall_us() - w0) / 1e6;
		if (a->outcome == PB_OUT_ABORTED)
			r->aborted = true;
		if (a->outcome != PB_OUT_ERROR || !a->rig_error ||
		    r->aborted || n + 1 >= max_attempts)
			break;
		/* an attempt that is retried: its own line (not with -q) */
		if (!r->o->quiet) {
			char why[800];
			pb_attempt_reason(a, why, sizeof why);
			outcome_line(r, PB_CLI_TONE_BAD,
			    pb_outcome_name(a->outcome), c, a, wall, why);
		}
		say(r, "         retrying %s after a rig error\n", c->name);
		pause_before_retry(r);
	}
	free(text);
	pb_case_finish(c);
	if (c->n_attempts)
		case_line(r, c, &c->attempts[c->n_attempts - 1], wall);
	save(r);
}

/* ---- the run ----------------------------------------------------------- */

static void resolve_rig(struct run *r)
{
	const char *spec = r->o->rig_spec ? r->o->rig_spec : "sim";
	char err[512] = "";
	int rc = pb_rig_find(&r->rig, spec, err, sizeof err);
	if (rc == PB_RIG_OK) {
		r->have_rig = true;
	} else if (rc == PB_RIG_E_NOENT && strcmp(spec, "sim") == 0) {
		/* no sim.ini installed: the built-in simulated rig */
		pb_rig_defaults(&r->rig);
		r->rig.backend = PB_RIG_SIM;
		snprintf(r->rig.name, sizeof r->rig.name, "sim");
		r->have_rig = true;
	} else {
		snprintf(r->rig_err, sizeof r->rig_err, "%s", err[0] ? err :
		    pb_rig_strerror(rc));
	}
	snprintf(r->rep->rig, sizeof r->rep->rig, "%s", spec);
	if (r->have_rig)
		snprintf(r->rep->rig_kind, sizeof r->rep->rig_kind, "%s",
		    pb_rig_backend_name(r->rig.backend));
	else
		snprintf(r->rep->rig_kind, sizeof r->rep->rig_kind, "%s",
		    strncmp(spec, "ftdi:", 5) == 0 ? "ftdi" :
		    strcmp(spec, "sim") == 0 ? "sim" : "rig");
}

/* What ran, on what, by whom: into every report. */
static void provenance(struct run *r)
{
	struct pb_report *rep = r->rep;
	const struct pb_runner_opts *o = r->o;
	char err[512];
	snprintf(rep->tool_version, sizeof rep->tool_version, "%s",
	    pb_version());
	if (pb_sha256_file("/proc/self/exe", rep->tool_sha256, err,
	    sizeof err) != 0)
		rep->tool_sha256[0] = '\0';
	snprintf(rep->operator_id, sizeof rep->operator_id, "%s",
	    o->operator_id ? o->operator_id : "");
	if (r->have_rig && r->rig.path[0]) {
		snprintf(rep->rig_file, sizeof rep->rig_file, "%s",
		    r->rig.path);
		if (pb_sha256_file(r->rig.path, rep->rig_sha256, err,
		    sizeof err) != 0)
			rep->rig_sha256[0] = '\0';
	}
	bool sim = !r->have_rig || r->rig.backend == PB_RIG_SIM;
	rep->have_seed = sim;
	rep->seed = o->seed;
	snprintf(rep->sensor_model, sizeof rep->sensor_model, "%s", sim ?
	    "emulated, ideal (no unit errors)" : "the DUT's own sensor");
}

/* The written requirements, once per run.  A file that does not load is
 * said at once; scenarios that verify requirements then end in ERROR. */
static void load_requirements(struct run *r)
{
	char path[PATH_MAX];
	struct pb_report *rep = r->rep;
	if (r->o->requirements) {
		snprintf(path, sizeof path, "%s", r->o->requirements);
	} else if (pb_requirement_default_path(path, sizeof path) != 0) {
		struct pb_datadirs dirs;
		char where[400];   /* the message holds 512 */
		pb_datadir_get(&dirs);
		pb_datadir_describe(&dirs, NULL, where, sizeof where);
		snprintf(rep->requirements_error,
		    sizeof rep->requirements_error, "no requirements/safety.ini "
		    "in %s (give --requirements FILE)", where);
		return;
	}
	if (pb_requirement_load(&rep->requirements, path,
	    rep->requirements_error, sizeof rep->requirements_error) !=
	    PB_REQUIREMENT_OK) {
		pb_runner_print(stderr, "pumphil: requirements: %s",
		    rep->requirements_error);
		return;
	}
	say(r, "requirements %s (%zu, sha256 %.12s)\n",
	    rep->requirements.path, rep->requirements.n,
	    rep->requirements.sha256);
}

int pb_runner_run(const struct pb_runner_opts *o, char *const *files,
    int n, struct pb_report *rep)
{
	struct run r = {
		.o = o, .rep = rep, .out = o->out ? o->out : stdout,
		.wall_us = o->wall_us ? o->wall_us : mono_us,
		.unix_ms = o->unix_ms ? o->unix_ms : real_ms,
		.open_fixture = o->open_fixture ? o->open_fixture :
		    default_open,
	};
	rep->start_ms = r.unix_ms();
	gethostname(rep->hostname, sizeof rep->hostname);
	rep->hostname[sizeof rep->hostname - 1] = '\0';
	resolve_rig(&r);
	load_requirements(&r);
	provenance(&r);
	if (!r.have_rig)
		pb_runner_print(stderr, "pumphil: rig: %s", r.rig_err);

	/* a real bench is shared: one run at a time per fixture serial */
	struct pb_lock lock = { .fd = -1 };
	if (r.have_rig && r.rig.backend == PB_RIG_FTDI) {
		char err[512];
		say(&r, "locking fixture %s\n", r.rig.serial);
		int lrc = pb_lock_acquire(&lock, o->lock_dir, r.rig.serial,
		    o->lock_timeout_s, cancel_cb, err, sizeof err);
		if (lrc != PB_LOCK_OK) {
			pb_runner_print(stderr, "pumphil: %s", err);
			r.have_rig = false;
			snprintf(r.rig_err, sizeof r.rig_err, "%s", err);
			if (lrc == PB_LOCK_E_CANCELLED)
				r.aborted = true;
		}
	}
	say(&r, "rig %s (%s), %d scenario(s)%s\n", rep->rig, rep->rig_kind,
	    n, o->defects == PB_DEFECTS_ALSO ? " + defect runs" :
	    o->defects == PB_DEFECTS_ONLY ? ", defect runs only" : "");

	/* this runner's shard only */
	char **mine = calloc((size_t)(n > 0 ? n : 1), sizeof *mine);
	int m = 0;
	for (int i = 0; mine && i < n; i++)
		if (o->shard_n <= 1 ||
		    pb_runner_shard_of(files[i], o->shard_n) == o->shard_k)
			mine[m++] = files[i];
	if (!mine) {
		fprintf(stderr, "pumphil: out of memory\n");
		pb_lock_release(&lock);
		return PB_EXIT_ERROR;
	}
	if (o->shard_n > 1)
		say(&r, "shard %d of %d: %d of %d scenario(s)\n", o->shard_k,
		    o->shard_n, m, n);
	files = mine;
	n = m;

	if (o->defects != PB_DEFECTS_ONLY)
		for (int i = 0; i < n; i++)
			run_case(&r, files[i], false);
	if (o->defects != PB_DEFECTS_NONE) {
		for (int i = 0; i < n; i++) {
			struct pb_scenario_meta meta;
			char err[512];
			/* scenarios without a defect switch have no defect
			 * run; unreadable ones were reported above (or are
			 * reported now when only defect runs are asked) */
			int mrc = pb_scenario_read_meta(files[i], &meta, err,
			    sizeof err);
			if (mrc == PB_SCENARIO_OK && !meta.defect[0])
				continue;
			if (mrc != PB_SCENARIO_OK &&
			    o->defects == PB_DEFECTS_ALSO)
				continue;
			run_case(&r, files[i], true);
		}
	}
	pb_lock_release(&lock);
	free(mine);
	coverage(&r);
	save(&r);
	bool finish_failed = o->finish &&
	    o->finish(o->finish_ctx, rep, r.out) != 0;
	char line[128];
	pb_report_summary_line(rep, line, sizeof line);
	struct pb_counts k;
	pb_report_counts(rep, NULL, &k);
	if (!o->quiet && (k.errors || k.aborted))
		fprintf(r.out, "(%u error(s) from the rig or scripts, %u "
		    "aborted)\n", k.errors, k.aborted);
	fprintf(r.out, "%s\n", line);
	fflush(r.out);
	int rc = pb_runner_exit_status(rep);
	/* CI must not trust a run whose report is missing */
	if ((r.save_failed || finish_failed) && rc == PB_EXIT_OK)
		rc = PB_EXIT_ERROR;
	return rc;
}
