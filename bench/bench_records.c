/*
 * bench/bench_records.c - many stations writing records at once.
 *
 *   bench_records write SPEC STATIONS CALS RUNS
 *       STATIONS processes, each writing CALS calibration records and RUNS
 *       HIL run records (interleaved) into the store SPEC, all at once.
 *       Prints the records written, records/s over the wall time, and the
 *       p50/p99/max time of one record's write (its whole transaction).
 *   bench_records kill SPEC STATIONS CALS RUNS SEED
 *       The same, and SIGKILL of a random half of the stations at random
 *       moments while they write.  Prints how many were killed.
 *
 * A calibration record is what a real one is: 2 channels x 5 points,
 * 2 verification points per channel, 3 certificate files (24 rows); a
 * HIL run has 5 cases of 4 measurements and a requirement ID each (31
 * rows).  bench/records.sh checks the database afterwards: nothing lost,
 * nothing twice, no partial record.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void make_cal(struct pb_record_cal *c, int station, int i)
{
	memset(c, 0, sizeof *c);
	pb_record_new_id(c->record_id);
	snprintf(c->serial, sizeof c->serial, "B%02d-%05d", station, i);
	strcpy(c->profile, "s10pro");
	strcpy(c->firmware, "1.4.2");
	snprintf(c->station, sizeof c->station, "bench-%02d", station);
	strcpy(c->operator_id, "op");
	strcpy(c->host, "bench");
	strcpy(c->gauge_id, "G-1");
	strcpy(c->gauge_due, "2030-01-01");
	strcpy(c->reference, "bench");
	strcpy(c->verdict, i % 25 == 0 ? "FAIL" : "PASS");
	strcpy(c->tool_version, "bench");
	c->started_ms = 1796256000000 + (int64_t)i * 60000;
	c->finished_ms = c->started_ms + 55000;
	c->channels = 2;
	for (int ch = 0; ch < 2; ch++) {
		struct pb_record_channel *k = &c->ch[ch];
		k->order = 2;
		k->c[0] = -100.5;
		k->c[1] = 0.131;
		k->c[2] = -3e-7;
		k->max_residual_mmhg = 0.2;
		k->rms_residual_mmhg = 0.1;
		k->accepted = true;
		k->written = strcmp(c->verdict, "PASS") == 0;
		k->new_cal_id = 1;
		k->asfound_zero_mmhg = -1.1 + 0.01 * (i % 50);
		k->npoints = 5;
		for (int p = 0; p < 5; p++) {
			k->point[p].target_mmhg = p * 75;
			k->point[p].raw_counts = 800 + p * 580.5;
			k->point[p].raw_sd = 7.5;
			k->point[p].samples = 100;
			k->point[p].reference_mmhg = p * 75 + 0.2;
			k->point[p].residual_mmhg = 0.05 * (p - 2);
			k->point[p].limit_mmhg = 3;
			k->point[p].pass = 1;
			k->point[p].asfound_mmhg = p * 75 - 1.0;
		}
		k->nverify = 2;
		for (int v = 0; v < 2; v++) {
			k->verify[v].target_mmhg = 100 * (v + 1);
			k->verify[v].reference_mmhg = 100 * (v + 1) + 0.1;
			k->verify[v].device_mmhg = 100 * (v + 1) - 0.1;
			k->verify[v].error_mmhg = -0.2;
			k->verify[v].limit_mmhg = 3;
			k->verify[v].pass = true;
		}
	}
	c->ncerts = 3;
	const char *f[3] = { "html", "json", "txt" };
	for (int n = 0; n < 3; n++) {
		strcpy(c->cert[n].format, f[n]);
		snprintf(c->cert[n].path, sizeof c->cert[n].path,
		    "/srv/certs/%s.%s", c->serial, f[n]);
		memset(c->cert[n].sha256, 'a' + n, 64);
		c->cert[n].bytes = 5000;
	}
}

#define CASES 5
#define MEAS 4

static void make_run(struct pb_record_run *r, struct pb_record_case *k,
    struct pb_record_meas *m, int station, int i)
{
	memset(r, 0, sizeof *r);
	pb_record_new_id(r->run_id);
	strcpy(r->tool_version, "bench");
	snprintf(r->build, sizeof r->build, "fw-%d", i / 10);
	strcpy(r->rig, "sim");
	strcpy(r->rig_kind, "sim");
	snprintf(r->rig_name, sizeof r->rig_name, "rig-%02d", station);
	strcpy(r->host, "bench");
	r->seed = (uint64_t)i;
	r->started_ms = 1796256000000 + (int64_t)i * 600000;
	r->finished_ms = r->started_ms + 300000;
	r->ncases = CASES;
	r->cases = k;
	for (int c = 0; c < CASES; c++) {
		memset(&k[c], 0, sizeof k[c]);
		snprintf(k[c].name, sizeof k[c].name, "scenario_%d", c);
		snprintf(k[c].scenario, sizeof k[c].scenario,
		    "fixtures/scenarios/scenario_%d.lua", c);
		strcpy(k[c].outcome, (i + c) % 17 == 0 ? "FAIL" : "PASS");
		k[c].attempts = 1;
		k[c].duration_s = 1.5;
		k[c].started_ms = r->started_ms;
		k[c].finished_ms = r->finished_ms;
		snprintf(k[c].requirements, sizeof k[c].requirements,
		    "SR-%02d", c);
		k[c].nmeas = MEAS;
		k[c].meas = &m[c * MEAS];
		for (int j = 0; j < MEAS; j++) {
			struct pb_record_meas *x = &m[c * MEAS + j];
			memset(x, 0, sizeof *x);
			x->attempt = 1;
			snprintf(x->name, sizeof x->name, "m%d", j);
			x->value = 150 + j;
			strcpy(x->unit, "mmHg");
			x->low = 140;
			x->high = 160;
			x->marginal_low = x->marginal_high = NAN;
			strcpy(x->outcome, "PASS");
		}
	}
}

/* one station: its latencies (ns) to fd, one uint64 per record */
static int station(const char *spec, int id, int cals, int runs, int fd)
{
	struct pb_store *s = NULL;
	char err[1024];
	struct pb_store_opts o = { .app_name = "bench_records",
		.busy_timeout_ms = 60000 };
	if (pb_store_open(spec, &o, &s, err, sizeof err) != 0) {
		fprintf(stderr, "station %d: %s\n", id, err);
		return 1;
	}
	struct pb_record_cal c;
	struct pb_record_run r;
	struct pb_record_case k[CASES];
	struct pb_record_meas m[CASES * MEAS];
	int total = cals + runs, ci = 0, ri = 0;
	for (int n = 0; n < total; n++) {
		/* interleave: a run after every cals/runs calibrations */
		bool run = ri < runs && (ci >= cals ||
		    (long)ri * cals < (long)ci * runs);
		uint64_t t0 = mono_ns();
		int rc;
		if (run) {
			make_run(&r, k, m, id, ri++);
			rc = pb_store_put_run(s, &r, NULL);
		} else {
			make_cal(&c, id, ci++);
			rc = pb_store_put_cal(s, &c, NULL);
		}
		uint64_t dt = mono_ns() - t0;
		if (rc != 0) {
			fprintf(stderr, "station %d: %s\n", id, pb_store_error(s));
			pb_store_close(s);
			return 1;
		}
		if (write(fd, &dt, sizeof dt) != (ssize_t)sizeof dt)
			return 1;
	}
	pb_store_close(s);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 6 || (strcmp(argv[1], "write") && strcmp(argv[1], "kill"))) {
		fprintf(stderr, "usage: bench_records write|kill SPEC STATIONS "
		    "CALS RUNS [SEED]\n");
		return 2;
	}
	bool kill_some = strcmp(argv[1], "kill") == 0;
	const char *spec = argv[2];
	int n = atoi(argv[3]), cals = atoi(argv[4]), runs = atoi(argv[5]);
	unsigned seed = argc > 6 ? (unsigned)atoi(argv[6]) : 1;
	if (n < 1 || n > 64 || cals < 0 || runs < 0)
		return 2;
	/* the schema first, so the stations do not all migrate at once */
	struct pb_store *s = NULL;
	char err[1024];
	if (pb_store_open(spec, NULL, &s, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pb_store_close(s);
	int fds[64][2];
	pid_t pid[64];
	uint64_t t0 = mono_ns();
	for (int i = 0; i < n; i++) {
		if (pipe(fds[i]) != 0)
			return 1;
		pid[i] = fork();
		if (pid[i] == 0) {
			close(fds[i][0]);
			_exit(station(spec, i, cals, runs, fds[i][1]));
		}
		close(fds[i][1]);
	}
	int killed = 0;
	if (kill_some) {
		srand(seed);
		for (int i = 0; i < n; i += 2) {
			struct timespec nap = { 0, (long)(rand() % 400 + 20) *
			    1000000L };
			nanosleep(&nap, NULL);
			int v = rand() % n;
			if (kill(pid[v], SIGKILL) == 0)
				killed++;
		}
	}
	size_t cap = (size_t)n * (size_t)(cals + runs), got = 0;
	uint64_t *lat = malloc((cap ? cap : 1) * sizeof *lat);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		uint64_t v;
		while (read(fds[i][0], &v, sizeof v) == (ssize_t)sizeof v)
			if (got < cap)
				lat[got++] = v;
		close(fds[i][0]);
		int st;
		waitpid(pid[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	double wall = (double)(mono_ns() - t0) / 1e9;
	qsort(lat, got, sizeof *lat, cmp_u64);
	double p50 = got ? lat[got / 2] / 1e6 : 0;
	double p99 = got ? lat[(size_t)((double)(got - 1) * 0.99)] / 1e6 : 0;
	double max = got ? lat[got - 1] / 1e6 : 0;
	printf("%d stations x (%d calibrations + %d HIL runs): %zu records in "
	    "%.2f s = %.0f records/s; one record's transaction: p50 %.2f ms, "
	    "p99 %.2f ms, max %.2f ms", n, cals, runs, got, wall,
	    wall > 0 ? got / wall : 0, p50, p99, max);
	if (kill_some)
		printf("; %d kill -9 sent, %d stations ended early", killed,
		    failed);
	printf("\n");
	free(lat);
	return kill_some || failed == 0 ? 0 : 1;
}
