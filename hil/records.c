/*
 * hil/records.c - pumphil and the records store (see records.h).
 */
#include "hil/records.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "base/version.h"
#include "hil/calibrate.h"
#include "hil/fixture.h"
#include "hil/lock.h"
#include "proto/msg.h"
#include "pump/profile.h"

int pb_hil_store_open(const char *db_opt, bool readonly,
    struct pb_store **out, char *err, size_t errlen)
{
	char spec[PB_STORE_SPEC_MAX + 1], why[512];
	bool dflt = false;
	*out = NULL;
	if (pb_store_resolve_spec(db_opt, spec, sizeof spec, &dflt, why,
	    sizeof why) != 0) {
		snprintf(err, errlen, "records: %s", why);
		return PB_STORE_E_ARG;
	}
	struct pb_store_opts so = {
		.readonly = readonly,
		.app_name = "pumphil",
		.create_dirs = dflt,
	};
	char e[1024];
	int rc = pb_store_open(spec, &so, out, e, sizeof e);
	if (rc != 0)
		snprintf(err, errlen, "records: %s", e);
	return rc;
}

/* ---- a run as a record ------------------------------------------------ */

static double limit(const struct pb_limit *l)
{
	return l->set ? l->v : NAN;
}

int pb_hil_runrec_build(const struct pb_report *rep,
    const struct pb_hil_run_info *info, struct pb_hil_runrec *out)
{
	memset(out, 0, sizeof *out);
	size_t nm = 0;
	for (size_t i = 0; i < rep->n_cases; i++)
		for (size_t j = 0; j < rep->cases[i].n_attempts; j++)
			nm += rep->cases[i].attempts[j].n_meas;
	out->cases = calloc(rep->n_cases ? rep->n_cases : 1,
	    sizeof *out->cases);
	out->meas = calloc(nm ? nm : 1, sizeof *out->meas);
	if (out->cases == NULL || out->meas == NULL) {
		pb_hil_runrec_free(out);
		return -1;
	}
	struct pb_record_run *r = &out->run;
	if (pb_record_new_id(r->run_id) != 0) {
		pb_hil_runrec_free(out);
		return -1;
	}
	snprintf(r->tool_version, sizeof r->tool_version, "%s", pb_version());
	snprintf(r->rig, sizeof r->rig, "%s", rep->rig);
	snprintf(r->rig_kind, sizeof r->rig_kind, "%s", rep->rig_kind);
	snprintf(r->rig_name, sizeof r->rig_name, "%s",
	    info && info->rig_name ? info->rig_name : "");
	snprintf(r->rig_sha256, sizeof r->rig_sha256, "%s",
	    info && info->rig_sha256 ? info->rig_sha256 : "");
	snprintf(r->host, sizeof r->host, "%s", rep->hostname);
	snprintf(r->station, sizeof r->station, "%s",
	    info && info->station ? info->station : "");
	snprintf(r->operator_id, sizeof r->operator_id, "%s",
	    info && info->operator_id ? info->operator_id : "");
	r->seed = info ? info->seed : 0;
	r->started_ms = rep->start_ms;
	r->finished_ms = rep->end_ms > rep->start_ms ? rep->end_ms :
	    rep->start_ms;
	if (info && info->build && info->build[0])
		snprintf(r->build, sizeof r->build, "%s", info->build);
	for (size_t i = 0; i < rep->n_cases; i++) {
		const struct pb_case *c = &rep->cases[i];
		struct pb_record_case *k = &out->cases[i];
		snprintf(k->name, sizeof k->name, "%s", c->name);
		snprintf(k->scenario, sizeof k->scenario, "%s", c->file);
		snprintf(k->scenario_sha256, sizeof k->scenario_sha256, "%s",
		    c->sha256);
		snprintf(k->profile, sizeof k->profile, "%s", c->profile);
		snprintf(k->defect, sizeof k->defect, "%s", c->defect);
		k->defect_run = c->defect_run;
		snprintf(k->dut_serial, sizeof k->dut_serial, "%s",
		    c->dut_serial);
		snprintf(k->dut_firmware, sizeof k->dut_firmware, "%s",
		    c->dut_firmware);
		snprintf(k->outcome, sizeof k->outcome, "%s",
		    pb_outcome_name(c->outcome));
		snprintf(k->message, sizeof k->message, "%s", c->message);
		snprintf(k->requirements, sizeof k->requirements, "%s",
		    c->requirements);
		k->attempts = (int)c->n_attempts;
		k->started_ms = c->n_attempts ? c->attempts[0].start_ms :
		    rep->start_ms;
		k->finished_ms = c->n_attempts ?
		    c->attempts[c->n_attempts - 1].end_ms : k->started_ms;
		if (k->finished_ms < k->started_ms)
			k->finished_ms = k->started_ms;
		k->meas = out->meas + out->nmeas;
		for (size_t j = 0; j < c->n_attempts; j++) {
			const struct pb_attempt *a = &c->attempts[j];
			k->duration_s += (double)(a->end_ms - a->start_ms) /
			    1000.0;
			k->rig_seconds = a->rig_seconds;
			for (size_t m = 0; m < a->n_meas; m++) {
				const struct pb_measurement *s = &a->meas[m];
				struct pb_record_meas *d =
				    &out->meas[out->nmeas++];
				d->attempt = a->number > 0 ? a->number :
				    (int)j + 1;
				snprintf(d->name, sizeof d->name, "%s", s->name);
				d->value = s->value;
				snprintf(d->unit, sizeof d->unit, "%s", s->unit);
				d->low = limit(&s->low);
				d->high = limit(&s->high);
				d->marginal_low = limit(&s->mlow);
				d->marginal_high = limit(&s->mhigh);
				snprintf(d->outcome, sizeof d->outcome, "%s",
				    s->outcome == PB_OUT_PASS ? "PASS" : "FAIL");
				d->marginal = s->marginal;
				snprintf(d->location, sizeof d->location, "%s",
				    s->where);
				k->nmeas++;
			}
		}
		/* the build under test: the DUT's own firmware when the
		 * run was not told */
		if (!r->build[0] && c->dut_firmware[0])
			snprintf(r->build, sizeof r->build, "%s",
			    c->dut_firmware);
	}
	r->ncases = rep->n_cases;
	r->cases = out->cases;
	return 0;
}

void pb_hil_runrec_free(struct pb_hil_runrec *r)
{
	free(r->cases);
	free(r->meas);
	memset(r, 0, sizeof *r);
}

/* each case's profile file hashed once per distinct profile */
static void hash_profiles(struct pb_hil_runrec *rr)
{
	for (size_t i = 0; i < rr->run.ncases; i++) {
		struct pb_record_case *k = &rr->cases[i];
		if (!k->profile[0] || k->profile_sha256[0])
			continue;
		struct pb_profile prof;
		char err[512], hex[65] = "";
		if (pb_profile_find(&prof, k->profile, err, sizeof err) == 0)
			pb_sha256_file(prof.path, hex, err, sizeof err);
		for (size_t j = i; j < rr->run.ncases; j++)
			if (strcmp(rr->cases[j].profile, k->profile) == 0)
				snprintf(rr->cases[j].profile_sha256,
				    sizeof rr->cases[j].profile_sha256, "%s",
				    hex);
	}
}

/* ---- pumphil run, recorded ------------------------------------------------ */

void pb_hil_rig_key(const struct pb_rig *rig, char *out, size_t n)
{
	if (rig->backend == PB_RIG_FTDI)
		snprintf(out, n, "ftdi:%s", rig->serial);
	else
		snprintf(out, n, "%s:%s", pb_rig_backend_name(rig->backend),
		    rig->name);
}

struct finish_ctx {
	const struct pb_runner_opts *o;
	const struct pb_hil_rec_opts *ro;
	struct pb_store *store;
	struct pb_rig rig;
	bool have_rig;
};

static int finish(void *ctx, const struct pb_report *rep, FILE *out)
{
	struct finish_ctx *f = ctx;
	if (f->store == NULL)
		return 0;
	char rig_hash[65] = "", err[512];
	if (f->have_rig && f->rig.path[0])
		pb_sha256_file(f->rig.path, rig_hash, err, sizeof err);
	const char *build = f->ro->build && f->ro->build[0] ? f->ro->build :
	    getenv("PUMPBENCH_BUILD");
	struct pb_hil_run_info info = {
		.build = build, .station = f->ro->station,
		.operator_id = f->ro->operator_id,
		.rig_name = f->have_rig ? f->rig.name : "",
		.rig_sha256 = rig_hash, .seed = f->o->seed,
	};
	struct pb_hil_runrec rr;
	if (pb_hil_runrec_build(rep, &info, &rr) != 0) {
		fprintf(stderr, "pumphil: records: out of memory; the run is "
		    "NOT recorded\n");
		return -1;
	}
	hash_profiles(&rr);
	int rc = pb_store_put_run(f->store, &rr.run, NULL);
	if (rc != 0)
		fprintf(stderr, "pumphil: records: %s; the run is NOT "
		    "recorded\n", pb_store_error(f->store));
	else if (!f->o->quiet)
		fprintf(out, "recorded as run %s in %s\n", rr.run.run_id,
		    pb_store_name(f->store));
	pb_hil_runrec_free(&rr);
	return rc == 0 ? 0 : -1;
}

static bool interrupted(void)
{
	return pb_fixture_interrupted() != 0;
}

/* reserve the rig named by spec; 1 got it, 0 busy (pool: try the next),
 * < 0 error (message printed) */
static int reserve(struct finish_ctx *f, const char *spec, double wait_s)
{
	char err[512];
	if (pb_rig_find(&f->rig, spec, err, sizeof err) != PB_RIG_OK) {
		fprintf(stderr, "pumphil: rig pool: %s\n", err);
		return -1;
	}
	f->have_rig = true;
	char key[192], who[300], holder[400];
	pb_hil_rig_key(&f->rig, key, sizeof key);
	pb_lock_whoami(who, sizeof who);
	snprintf(holder, sizeof holder, "pumphil run, %s", who);
	int rc = wait_s > 0 ? pb_store_rig_reserve(f->store, key, holder,
	    wait_s, interrupted) : pb_store_rig_try(f->store, key, holder);
	if (rc == 1 || (wait_s > 0 && rc == 0))
		return 1;
	if (rc == 0 || rc == PB_STORE_E_BUSY)
		return 0;
	fprintf(stderr, "pumphil: %s\n", pb_store_error(f->store));
	return rc;
}

/* the first free rig of a comma-separated pool, waiting up to the lock
 * timeout for one to come free; its spec into chosen */
static int reserve_pool(struct finish_ctx *f, const char *pool,
    double timeout_s, char *chosen, size_t n)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		const char *p = pool;
		while (*p) {
			size_t len = strcspn(p, ",");
			char spec[512];
			snprintf(spec, sizeof spec, "%.*s", (int)(len < 511 ?
			    len : 511), p);
			p += len + (p[len] == ',');
			if (!spec[0])
				continue;
			int rc = reserve(f, spec, 0);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				snprintf(chosen, n, "%s", spec);
				return 0;
			}
		}
		if (interrupted())
			return PB_STORE_E_CANCELLED;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) >= timeout_s) {
			fprintf(stderr, "pumphil: every rig of the pool %s stayed "
			    "reserved for %.0f s (pumphil list-rigs shows who "
			    "holds them)\n", pool, timeout_s);
			return PB_STORE_E_BUSY;
		}
		struct timespec nap = { 0, 250 * 1000000L };
		nanosleep(&nap, NULL);
	}
}

int pb_hil_run(const struct pb_runner_opts *o,
    const struct pb_hil_rec_opts *ro, char *const *files, int n,
    struct pb_report *rep)
{
	struct pb_runner_opts oo = *o;
	struct finish_ctx f = { .o = &oo, .ro = ro };
	char err[1200], chosen[512];
	if (ro->pool && ro->no_record) {
		fprintf(stderr, "pumphil: a rig pool is shared through the "
		    "records store: --rig-pool and --no-record do not go "
		    "together\n");
		return PB_EXIT_USAGE;
	}
	if (!ro->no_record) {
		if (pb_hil_store_open(ro->db, false, &f.store, err,
		    sizeof err) != 0) {
			fprintf(stderr, "pumphil: %s\npumphil: nothing was run "
			    "(--no-record runs without records)\n", err);
			return PB_EXIT_ERROR;
		}
	}
	bool pg = f.store && pb_store_backend(f.store) == PB_STORE_PG;
	if (ro->pool) {
		if (!pg) {
			fprintf(stderr, "pumphil: a rig pool needs a PostgreSQL "
			    "records store (--db postgresql://... or "
			    "PUMPBENCH_DB): that is where runners on several "
			    "machines reserve rigs\n");
			pb_store_close(f.store);
			return PB_EXIT_USAGE;
		}
		int rc = reserve_pool(&f, ro->pool, o->lock_timeout_s, chosen,
		    sizeof chosen);
		if (rc != 0) {
			pb_store_close(f.store);
			return rc == PB_STORE_E_CANCELLED ? PB_EXIT_ABORTED :
			    PB_EXIT_ERROR;
		}
		oo.rig_spec = chosen;
		if (!o->quiet)
			fprintf(o->out ? o->out : stdout, "reserved rig %s "
			    "from the pool\n", chosen);
	} else if (pg) {
		/* a bench (ftdi) shared by runners on several machines */
		struct pb_rig rig;
		if (pb_rig_find(&rig, o->rig_spec ? o->rig_spec : "sim", err,
		    sizeof err) == PB_RIG_OK && rig.backend == PB_RIG_FTDI) {
			int rc = reserve(&f, o->rig_spec, o->lock_timeout_s);
			if (rc != 1) {
				if (rc == 0)
					fprintf(stderr, "pumphil: %s\n",
					    pb_store_error(f.store));
				pb_store_close(f.store);
				return interrupted() ? PB_EXIT_ABORTED :
				    PB_EXIT_ERROR;
			}
		}
	}
	if (!f.have_rig)
		f.have_rig = pb_rig_find(&f.rig, oo.rig_spec ? oo.rig_spec :
		    "sim", err, sizeof err) == PB_RIG_OK;
	if (f.store) {
		oo.finish = finish;
		oo.finish_ctx = &f;
	}
	oo.operator_id = ro->operator_id;
	if (!oo.build)
		oo.build = ro->build && ro->build[0] ? ro->build :
		    getenv("PUMPBENCH_BUILD");
	int rc = pb_runner_run(&oo, files, n, rep);
	pb_store_close(f.store);   /* releases the reservation */
	return rc;
}

/* ---- a calibration station ------------------------------------------------ */

/* One line from the operator or a barcode scanner (a line and Enter): a
 * prompt on stderr when stdin is a terminal, else just the line. */
static int ask_line(const char *what, const char *prompt, char *out,
    size_t n, char *err, size_t errlen)
{
	bool tty = isatty(STDIN_FILENO);
	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
	}
	char buf[512];
	if (fgets(buf, sizeof buf, stdin) == NULL) {
		snprintf(err, errlen, "no %s: give --%s or type it at the "
		    "prompt (stdin ended)", what, strcmp(what, "operator ID") ?
		    "unit" : "operator");
		return -1;
	}
	if (strchr(buf, '\n') == NULL && !feof(stdin)) {
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
		snprintf(err, errlen, "the %s typed is longer than %zu "
		    "characters", what, sizeof buf - 2);
		return -1;
	}
	snprintf(out, n, "%s", buf);
	return 0;
}

int pb_hil_station_begin(struct pb_hil_station *st,
    const struct pb_hil_cal_run_opts *o, char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	if (o->station_config) {
		if (pb_stationcfg_load(&st->cfg, o->station_config, err,
		    errlen) != 0)
			return -1;
		st->have_cfg = true;
	}
	/* the station's name: --station, the config, else the host */
	char host[64] = "station";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	snprintf(st->station, sizeof st->station, "%s", o->station ?
	    o->station : st->have_cfg ? st->cfg.name : host);
	snprintf(st->key_path, sizeof st->key_path, "%s", o->key_path ?
	    o->key_path : st->cfg.key_path);
	if (!st->key_path[0]) {
		snprintf(err, errlen, "no station key: give --key FILE or "
		    "key = in the station config");
		return -1;
	}
	/* the reference gauge must be in date */
	if (st->have_cfg && pb_wf_gauge(st->cfg.gauge_id, st->cfg.gauge_due,
	    st->cfg.gauge_due_days, pb_wf_days((int64_t)time(NULL)), err,
	    errlen, st->gauge_warning, sizeof st->gauge_warning) != 0)
		return -1;
	if (o->recal_reason) {
		st->recal = true;
		snprintf(st->recal_reason, sizeof st->recal_reason, "%s",
		    o->recal_reason);
	}
	if (pb_wf_recal(false, st->recal, st->recal_reason, "", "", "", err,
	    errlen) != 0)
		return -1;
	return 0;
}

int pb_hil_station_open(struct pb_hil_station *st,
    const struct pb_hil_cal_run_opts *o, char *err, size_t errlen)
{
	/* who calibrates which unit */
	char line[512];
	if (o->operator_id)
		snprintf(line, sizeof line, "%s", o->operator_id);
	else if (ask_line("operator ID", "Operator ID: ", line, sizeof line,
	    err, errlen) != 0)
		return -1;
	if (pb_wf_operator(line, st->operator_id, sizeof st->operator_id, err,
	    errlen) != 0)
		return -1;
	if (o->unit_serial)
		snprintf(line, sizeof line, "%s", o->unit_serial);
	else if (ask_line("unit serial", "Scan the unit's serial number: ",
	    line, sizeof line, err, errlen) != 0)
		return -1;
	if (pb_wf_serial(line, st->serial, sizeof st->serial, err,
	    errlen) != 0)
		return -1;
	/* the store: --db, the config, $PUMPBENCH_DB, the default file */
	const char *db = o->db ? o->db : st->cfg.store[0] ? st->cfg.store :
	    NULL;
	if (pb_hil_store_open(db, false, &st->store, err, errlen) != 0)
		return -1;
	/* a unit that passed is calibrated again only on purpose */
	struct pb_store_cal_line last;
	int passed = pb_store_unit_passed(st->store, st->serial, &last);
	if (passed < 0) {
		snprintf(err, errlen, "records: %s", pb_store_error(st->store));
		return -1;
	}
	char when[40];
	pb_isotime(last.finished_ms, PB_ISO_UTC, when, sizeof when);
	if (pb_wf_recal(passed == 1, st->recal, st->recal_reason, st->serial,
	    when, last.station, err, errlen) != 0) {
		size_t used = strlen(err);
		snprintf(err + used, errlen - used, " (--recal REASON)");
		return -1;
	}
	return 0;
}

int pb_hil_station_reserve(struct pb_hil_station *st,
    const struct pb_rig *rig, double timeout_s, char *err, size_t errlen)
{
	if (st->store == NULL || pb_store_backend(st->store) != PB_STORE_PG ||
	    rig->backend != PB_RIG_FTDI)
		return 0;
	char who[300], holder[400];
	pb_hil_rig_key(rig, st->rig_key, sizeof st->rig_key);
	pb_lock_whoami(who, sizeof who);
	snprintf(holder, sizeof holder, "pumphil calibrate, %s", who);
	if (pb_store_rig_reserve(st->store, st->rig_key, holder, timeout_s,
	    interrupted) != 0) {
		snprintf(err, errlen, "%s", pb_store_error(st->store));
		st->rig_key[0] = '\0';
		return -1;
	}
	return 0;
}

int pb_hil_station_check_unit(struct pb_hil_station *st,
    const struct pb_device_info *info, char *err, size_t errlen)
{
	return pb_wf_serial_match(st->serial, info->serial,
	    sizeof info->serial, err, errlen);
}

void pb_hil_station_end(struct pb_hil_station *st)
{
	pb_store_close(st->store);   /* releases a reservation */
	st->store = NULL;
}
