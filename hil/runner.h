/*
 * hil/runner.h - `pumphil run`: scenarios against a rig, with retries,
 * timeouts, locks and reports.
 *
 * Promise: pb_runner_run() runs every scenario file on the rig the
 * options name and fills the report, one case per scenario (and one more
 * per scenario with a declared defect when defect runs are asked for).
 * For every attempt it opens the fixture afresh (on `sim` a fresh
 * emulator with the scenario's profile and, for a defect run, its defect
 * switch), power-cycles the DUT and says HELLO, runs the scenario, and
 * always puts the fixture in its safe state and closes it afterwards.
 * Only ERROR is retried (at most opts.retries more times), and only when
 * the error came from the rig or the DUT link, not from the script
 * itself; every attempt is kept in the report.  A signal (SIGINT/SIGTERM)
 * ends the run with ABORTED for the running and the remaining scenarios.
 * `ftdi` rigs are locked per fixture serial for the whole run.  The
 * report files are rewritten after every case, so they exist even when
 * the rig is missing or breaks mid-run.
 *
 * Exit status (pb_runner_run's return): 0 every case passed or was
 * skipped; 1 at least one FAIL; 3 ERROR (rig or infrastructure, or a
 * report file that could not be written) and no FAIL; 4 aborted by a
 * signal.  (2 is main()'s usage error.)
 */
#ifndef PB_HIL_RUNNER_H
#define PB_HIL_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "hil/fixture.h"
#include "hil/report.h"

enum pb_runner_exit {
	PB_EXIT_OK = 0,
	PB_EXIT_FAIL = 1,
	PB_EXIT_USAGE = 2,
	PB_EXIT_ERROR = 3,
	PB_EXIT_ABORTED = 4
};

enum pb_defect_runs {
	PB_DEFECTS_NONE = 0,   /* normal suite only */
	PB_DEFECTS_ALSO = 1,   /* normal suite, then each declared defect */
	PB_DEFECTS_ONLY = 2    /* only the defect runs */
};

/* Opens a fixture; the default is pb_fixture_open (tests pass fakes). */
typedef int (*pb_runner_open_fn)(void *ctx, const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen);

struct pb_runner_opts {
	const char *rig_spec;        /* "sim" (default), "ftdi:SERIAL", FILE */
	const char *json_path;       /* NULL: no JSON record */
	const char *junit_path;      /* NULL: no JUnit XML */
	int    retries;              /* extra attempts after ERROR (0..10) */
	double timeout_s;            /* scenario default (rig s), 0 = 600 */
	double step_timeout_s;       /* per blocking step, 0 = 30 */
	double wall_limit_s;         /* the wall-clock guard per scenario;
	                                0 = 300 s on sim, the scenario
	                                timeout + 60 s on ftdi */
	double lock_timeout_s;       /* wait for a busy fixture, s */
	const char *lock_dir;        /* NULL: pb_lock_dir()'s default */
	enum pb_defect_runs defects;
	uint64_t seed;               /* emulator seed (sim) */
	const char *requirements;    /* requirement file; NULL: the default
	                                (pb_requirement_default_path) */
	const char *operator_id;     /* --operator, for the reports */
	const char *trace_html;      /* verification matrix files, written */
	const char *trace_csv;       /* with the reports; NULL: none */
	const char *build;           /* the DUT firmware's build id (a real
	                                DUT; the sim rig's is pumphil's) */
	enum pb_fixture_unit unit;   /* sim: the emulated unit's sensor */
	double boot_timeout_s;       /* DUT HELLO after power-on, 0 = 10 */
	double retry_delay_s;        /* ftdi: pause before a retry (2 s) */
	int    shard_k, shard_n;     /* run shard k of n (1-based; n 0 = all) */
	FILE  *out;                  /* progress lines; NULL = stdout */
	bool   quiet;                /* only the closing line */
	bool   color;                /* paint the outcome words (decided by
	                                the caller: base/cli.h) */

	/* Called once at the end, after the report files and before the
	 * closing line (pumphil records the run in the store here); lines
	 * it prints go to out.  Returns 0, or -1 when it failed: the run
	 * then ends in ERROR unless a case FAILed. */
	int  (*finish)(void *ctx, const struct pb_report *rep, FILE *out);
	void *finish_ctx;

	/* seams for tests; NULL = the real thing */
	pb_runner_open_fn open_fixture;
	void  *open_ctx;
	uint64_t (*wall_us)(void);   /* monotonic */
	int64_t (*unix_ms)(void);    /* wall clock for timestamps */
};

void pb_runner_defaults(struct pb_runner_opts *o);

/* Run files[0..n-1]; fills rep (initialised by the caller with
 * pb_report_init) and writes the report files.  Returns the exit status
 * above; the closing line is printed to opts->out. */
int pb_runner_run(const struct pb_runner_opts *o, char *const *files,
    int n, struct pb_report *rep);

/* Sharding for CI with one runner per rig: scenario file f belongs to
 * shard 1 + (first 32 bits of SHA-256 of its base name) mod n, so adding
 * a scenario never moves the others.  Returns the 1-based shard. */
int pb_runner_shard_of(const char *file, int n);

/* One line on f, every control character and invalid byte escaped
 * (pb_text_escape): for messages that quote file or scenario text.  A
 * trailing newline in fmt is not needed (one is added). */
void pb_runner_print(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Exit status for a finished report (see top). */
int pb_runner_exit_status(const struct pb_report *rep);

#endif
