/*
 * hil/main.c - bin/pumphil: the HIL rig's command line.
 *
 *   pumphil run [options] SCENARIO...   run scenarios, write reports
 *   pumphil list-rigs                   attached FT232H fixtures, rig files
 *   pumphil calibrate [options]         factory calibration of one unit
 *   pumphil records [options]           list the factory records
 *   pumphil report [options]            the records as an HTML report
 *   pumphil --help
 *
 * Bad options: one line on stderr, exit 2.  Exit codes of `run` are in
 * hil/runner.h and docs/ci.md.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <locale.h>
#include <string.h>

#include "base/cli.h"
#include "base/datadir.h"
#include "base/text.h"
#include "hil/calibrate.h"
#include "hil/conform.h"
#include "hil/lock.h"
#include "hil/matrix.h"
#include "hil/records-cmd.h"
#include "hil/records.h"
#include "hil/fixture.h"
#include "hil/report.h"
#include "hil/requirement.h"
#include "hil/rig.h"
#include "hil/runner.h"
#include "hil/scenario.h"
#include "proto/msg.h"

static void usage(FILE *f)
{
	fputs(
"usage: pumphil [-q] [--color=WHEN] COMMAND [options]\n"
"       pumphil run [options] SCENARIO...\n"
"       pumphil list-rigs [--db SPEC]\n"
"       pumphil records [--kind K] [--serial S] [--station N] [--operator O]\n"
"                       [--verdict V] [--scenario NAME] [--since DATE]\n"
"                       [--until DATE] [--last N] [--id ID] [--open]\n"
"                       [--format table|csv|json] [--db SPEC]\n"
"       pumphil report [--since DATE] [--until DATE] [--tolerance MMHG]\n"
"                      [-o FILE.html] [--db SPEC]\n"
"       pumphil calibrate --profile P --key FILE --operator ID [options]\n"
"       pumphil conform --port PATH | --rig sim [options]  (conform --help)\n"
"       pumphil trace --json RUN.json [--html FILE] [--csv FILE]\n"
"                     [--requirements FILE]\n"
"       pumphil --help | --version\n"
"\n"
"options of every command:\n"
PB_CLI_HELP_COMMON
"\n"
"run: a SCENARIO with a '/' or ending in .lua is a file; else the name of\n"
"a shipped scenario (NAME.lua in the data directories, docs/hil.md)\n"
"\n"
"run options:\n"
"  --rig SPEC          sim (default), ftdi:SERIAL, a rig name or a rig .ini\n"
"  --junit FILE        write JUnit XML (Jenkins, GitLab)\n"
"  --json FILE         write the JSON test record\n"
"  --retries N         retry a scenario that ended in a rig ERROR up to N\n"
"                      more times (default 2, 0..10)\n"
"  --timeout S         scenario timeout in rig seconds (default 600;\n"
"                      a scenario's --@timeout wins)\n"
"  --step-timeout S    limit of one blocking step (default 30)\n"
"  --wall-limit S      stop a scenario after S seconds of wall time, whatever\n"
"                      it does (default 300 on sim, the timeout + 60 on ftdi)\n"
"  --lock-timeout S    wait this long for a busy fixture (default 600)\n"
"  --lock-dir DIR      lock files (default $PUMPHIL_LOCK_DIR, else\n"
"                      /run/lock/pumpbench, else $XDG_RUNTIME_DIR/pumpbench)\n"
"  --with-defects      also run every scenario that declares a defect\n"
"                      switch against it; such a run must FAIL (sim only)\n"
"  --defects-only      only the defect runs\n"
"  --seed N            emulator seed (default 1)\n"
"  --requirements FILE the written requirements scenarios verify and take\n"
"                      their limits from (default requirements/safety.ini\n"
"                      in the data directories, docs/verification.md)\n"
"  --trace-html FILE, --trace-csv FILE   the verification matrix too\n"
"  --unit U            the emulated unit: ideal (default), uncalibrated (the\n"
"                      sensor errors of the profile's spreads, datasheet\n"
"                      calibration) or calibrated (the same unit after a\n"
"                      factory calibration) (sim only)\n"
"  --shard K/N         run only shard K of N (by a hash of each scenario's\n"
"                      file name; one CI runner per rig runs one shard)\n"
"  -q, --quiet         only the closing line and the reason of each FAIL\n"
"                      or ERROR\n"
"  --db SPEC           records store: a SQLite file or postgresql://...\n"
"                      (default $PUMPBENCH_DB, else\n"
"                      $XDG_DATA_HOME/pumpbench/records.db)\n"
"  --no-record         do not record the run in the store\n"
"  --build ID          firmware build under test, for the records\n"
"                      (default $PUMPBENCH_BUILD, else the DUT's firmware)\n"
"  --station NAME, --operator ID   for the records\n"
"  --rig-pool A,B,...  take the first free rig of the pool (reserved in a\n"
"                      PostgreSQL store; instead of --rig)\n"
"\n", f);
	fputs(
"calibrate options (factory calibration, unattended; docs/calibration.md):\n"
"  --rig SPEC          sim (default), ftdi:SERIAL, a rig name or a rig .ini\n"
"  --profile P         pump profile id or file (required)\n"
"  --key FILE          station key, mode 600 (required, unless the\n"
"                      station config names it)\n"
"  --station NAME      station name in records (default: the station\n"
"                      config's, else the host name)\n"
"  --station-config F  the station's INI file: name, key, reference gauge\n"
"                      and its due date, records store (docs/records.md)\n"
"  --operator ID       who calibrates (asked when not given)\n"
"  --unit SERIAL       the unit's scanned serial (asked when not given:\n"
"                      scan it, the scanner ends it with Enter); the\n"
"                      unit must report the same serial\n"
"  --recal REASON      calibrate a unit that already passed (recorded)\n"
"  --db SPEC           records store (default: the station config's,\n"
"                      $PUMPBENCH_DB, then the default SQLite file)\n"
"  --reference TEXT    reference instrument for the certificate\n"
"  --cert PREFIX       certificate files PREFIX.json .txt .html\n"
"                      (default cal-SERIAL-DATE in this directory)\n"
"  --max-time S        give up after S rig seconds (default 600)\n"
"  --lock-timeout S, --lock-dir DIR   as for run\n"
"  --seed N, --ideal-sensor, --eeprom FILE, --serial SN   sim rig only\n"
"  -q, --quiet         print only the verdict line\n"
"\n"
"trace options (the verification matrix of a recorded run;\n"
"docs/verification.md):\n"
"  --json RUN.json     the run's JSON record, from run --json (required)\n"
"  --html FILE         write the matrix as HTML\n"
"  --csv FILE          write it as CSV (at least one of --html, --csv)\n"
"  --requirements FILE the requirement texts (default: the file the run\n"
"                      used; a file that changed since is said)\n"
"\n"
"Exit status:\n"
"  0  run: every scenario passed or was skipped (a defect run failed as it\n"
"     should); calibrate: PASS; list-rigs, records, report, trace: done\n"
"  1  run: a scenario FAILED; calibrate: the unit FAILED calibration\n"
"  2  usage: a bad option or command (one line on stderr)\n"
"  3  an ERROR of the rig or the infrastructure (no FAIL): a fixture or\n"
"     DUT link that broke, a report file, the records store or a run's\n"
"     JSON record (trace) that could not be written or read\n"
"  4  aborted by a signal\n", f);
}

/* The options every command takes, set before the command too
 * (`pumphil -q run ...`). */
struct common {
	bool quiet;
	enum pb_cli_color color;
};
static struct common g_common;

static int bad(const char *fmt, const char *a, const char *b)
    __attribute__((format(printf, 1, 0)));
static int bad(const char *fmt, const char *a, const char *b)
{
	char sa[256], sb[256], msg[768];
	pb_text_escape_str(sa, sizeof sa, a ? a : "");
	pb_text_escape_str(sb, sizeof sb, b ? b : "");
	snprintf(msg, sizeof msg, fmt, sa, sb);
	return pb_cli_usage_error("pumphil", "%s", msg);
}

/* The version the reports record: the convention's three lines
 * (pb_cli_version) and the SHA-256 of this binary (the emulator of the
 * sim rig is built into it), as the reports' tool.sha256. */
static int print_version(void)
{
	char hex[65], err[256];
	if (pb_sha256_file("/proc/self/exe", hex, err, sizeof err) != 0)
		snprintf(hex, sizeof hex, "unknown");
	pb_cli_version(stdout, "pumphil", PB_PROTO_VERSION);
	printf("sha256 %s\n", hex);
	return 0;
}

/* -h, -V, -q, --color and getopt's complaints, for every command.
 * Returns -1 when C was handled and parsing goes on, else the exit
 * status. */
static int common_option(int c, int argc, char **argv,
    const struct option *longs)
{
	switch (c) {
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
		return print_version();
	case 'q':
		g_common.quiet = true;
		return -1;
	case PB_CLI_OPT_COLOR:
		if (pb_cli_color_parse(optarg, &g_common.color) < 0)
			return bad("--color: '%s' is not auto, always or "
			    "never%s", optarg, "");
		return -1;
	default:
		return pb_cli_bad_option("pumphil", c, argc, argv, longs);
	}
}

/* Paint the console's verdicts (--color, NO_COLOR, TERM)? */
static bool paint_stdout(void)
{
	struct pb_cli_env env;
	pb_cli_env_read(&env, g_common.color);
	return env.color_out;
}

static int parse_num(const char *opt, const char *s, double lo, double hi,
    double *out)
{
	char *e = NULL;
	errno = 0;
	double v = strtod(s, &e);
	if (errno || e == s || *e || !isfinite(v) || v < lo || v > hi) {
		char range[64];
		snprintf(range, sizeof range, "%g..%g", lo, hi);
		pb_runner_print(stderr, "pumphil: %s: '%s' is not a number in %s "
		    "(try pumphil --help)", opt, s, range);
		return -1;
	}
	*out = v;
	return 0;
}

/* A whole number in lo..hi (for --retries, --seed). */
static int parse_whole(const char *opt, const char *s, double lo, double hi,
    uint64_t *out)
{
	double v;
	if (parse_num(opt, s, lo, hi, &v))
		return -1;
	if (v != floor(v)) {
		pb_runner_print(stderr, "pumphil: %s: '%s' is not a whole number "
		    "(try pumphil --help)", opt, s);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

enum {
	O_RIG = 256, O_JUNIT, O_JSON, O_RETRIES, O_TIMEOUT, O_STEP, O_LOCKT,
	O_LOCKD, O_DEFECTS, O_DEFECTS_ONLY, O_SEED, O_SHARD, O_WALL, O_DB,
	O_NOREC, O_BUILD, O_STATION, O_OPERATOR, O_POOL, O_REQS, O_THTML,
	O_TCSV, O_UNIT
};

/* pumphil run's work once its options are read: each scenario named on
 * the command line to its file (a path as given, a name from the data
 * directories), then the run with the fixture's signals caught.  Returns
 * the exit status. */
static int run_scenarios(const struct pb_runner_opts *o,
    const struct pb_hil_rec_opts *ro, int nfiles, char *const *names)
{
	char **files = calloc((size_t)nfiles, sizeof *files);
	char (*paths)[PATH_MAX] = calloc((size_t)nfiles, sizeof *paths);
	if (!files || !paths) {
		free(files);
		free(paths);
		fprintf(stderr, "pumphil: out of memory\n");
		return PB_EXIT_ERROR;
	}
	for (int i = 0; i < nfiles; i++) {
		char err[4 * PATH_MAX];
		if (pb_scenario_find(names[i], paths[i], sizeof paths[i],
		    err, sizeof err) != PB_SCENARIO_OK) {
			free(files);
			free(paths);
			return bad("run: %s%s", err, "");
		}
		files[i] = paths[i];
	}
	if (pb_fixture_catch_signals() != 0)
		fprintf(stderr, "pumphil: cannot catch signals; an interrupted "
		    "run may leave the fixture unsafe\n");
	struct pb_report rep;
	pb_report_init(&rep, "pumphil");
	int rc = pb_hil_run(o, ro, files, nfiles, &rep);
	pb_report_free(&rep);
	free(files);
	free(paths);
	pb_fixture_restore_signals();
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "rig", required_argument, NULL, O_RIG },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "json", required_argument, NULL, O_JSON },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "step-timeout", required_argument, NULL, O_STEP },
		{ "wall-limit", required_argument, NULL, O_WALL },
		{ "lock-timeout", required_argument, NULL, O_LOCKT },
		{ "lock-dir", required_argument, NULL, O_LOCKD },
		{ "with-defects", no_argument, NULL, O_DEFECTS },
		{ "defects-only", no_argument, NULL, O_DEFECTS_ONLY },
		{ "seed", required_argument, NULL, O_SEED },
		{ "unit", required_argument, NULL, O_UNIT },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "db", required_argument, NULL, O_DB },
		{ "no-record", no_argument, NULL, O_NOREC },
		{ "build", required_argument, NULL, O_BUILD },
		{ "station", required_argument, NULL, O_STATION },
		{ "operator", required_argument, NULL, O_OPERATOR },
		{ "rig-pool", required_argument, NULL, O_POOL },
		{ "requirements", required_argument, NULL, O_REQS },
		{ "trace-html", required_argument, NULL, O_THTML },
		{ "trace-csv", required_argument, NULL, O_TCSV },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct pb_runner_opts o;
	pb_runner_defaults(&o);
	struct pb_hil_rec_opts ro;
	memset(&ro, 0, sizeof ro);
	bool rig_given = false;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int c;
	double v;
	uint64_t u;
	while ((c = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		switch (c) {
		case O_RIG: o.rig_spec = optarg; rig_given = true; break;
		case O_DB: ro.db = optarg; break;
		case O_NOREC: ro.no_record = true; break;
		case O_BUILD: ro.build = optarg; break;
		case O_STATION: ro.station = optarg; break;
		case O_OPERATOR: ro.operator_id = optarg; break;
		case O_POOL: ro.pool = optarg; break;
		case O_REQS: o.requirements = optarg; break;
		case O_THTML: o.trace_html = optarg; break;
		case O_TCSV: o.trace_csv = optarg; break;
		case O_JUNIT: o.junit_path = optarg; break;
		case O_JSON: o.json_path = optarg; break;
		case O_RETRIES:
			if (parse_whole("--retries", optarg, 0, 10, &u))
				return PB_EXIT_USAGE;
			o.retries = (int)u;
			break;
		case O_TIMEOUT:
			if (parse_num("--timeout", optarg, 0.001, 86400, &v))
				return PB_EXIT_USAGE;
			o.timeout_s = v;
			break;
		case O_STEP:
			if (parse_num("--step-timeout", optarg, 0.001, 86400,
			    &v))
				return PB_EXIT_USAGE;
			o.step_timeout_s = v;
			break;
		case O_WALL:
			if (parse_num("--wall-limit", optarg, 0.001, 604800, &v))
				return PB_EXIT_USAGE;
			o.wall_limit_s = v;
			break;
		case O_LOCKT:
			if (parse_num("--lock-timeout", optarg, 0, 604800, &v))
				return PB_EXIT_USAGE;
			o.lock_timeout_s = v;
			break;
		case O_LOCKD: o.lock_dir = optarg; break;
		case O_DEFECTS: o.defects = PB_DEFECTS_ALSO; break;
		case O_DEFECTS_ONLY: o.defects = PB_DEFECTS_ONLY; break;
		case O_SEED:
			if (parse_whole("--seed", optarg, 0, 4294967295.0,
			    &o.seed))
				return PB_EXIT_USAGE;
			break;
		case O_UNIT: {
			int unit = pb_fixture_unit_parse(optarg);
			if (unit < 0) {
				pb_runner_print(stderr, "pumphil: --unit: '%s' is "
				    "not ideal, uncalibrated or calibrated (try "
				    "pumphil --help)", optarg);
				return PB_EXIT_USAGE;
			}
			o.unit = (enum pb_fixture_unit)unit;
			break;
		}
		case O_SHARD: {
			int k = 0, nn = 0;
			char tail = 0;
			if (sscanf(optarg, "%d/%d%c", &k, &nn, &tail) != 2 ||
			    nn < 1 || nn > 1000 || k < 1 || k > nn)
				return bad("--shard: '%s' is not K/N with "
				    "1 <= K <= N <= 1000%s", optarg, "");
			o.shard_k = k;
			o.shard_n = nn;
			break;
		}
		default: {
			int rc = common_option(c, argc, argv, longs);
			if (rc >= 0)
				return rc;
		}
		}
	}
	o.quiet = g_common.quiet;
	o.color = paint_stdout();
	if (optind >= argc)
		return bad("run: no scenario given%s%s", "", "");
	if (ro.pool && rig_given)
		return bad("run: --rig and --rig-pool do not go together%s%s",
		    "", "");

	return run_scenarios(&o, &ro, argc - optind, argv + optind);
}

enum {
	C_RIG = 512, C_PROFILE, C_KEY, C_STATION, C_REF, C_CERT, C_MAXT,
	C_LOCKT, C_LOCKD, C_SEED, C_IDEAL, C_EEPROM, C_SERIAL, C_STCFG,
	C_DB, C_OPERATOR, C_UNIT, C_RECAL
};

static int cmd_calibrate(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "rig", required_argument, NULL, C_RIG },
		{ "profile", required_argument, NULL, C_PROFILE },
		{ "key", required_argument, NULL, C_KEY },
		{ "station", required_argument, NULL, C_STATION },
		{ "reference", required_argument, NULL, C_REF },
		{ "cert", required_argument, NULL, C_CERT },
		{ "max-time", required_argument, NULL, C_MAXT },
		{ "lock-timeout", required_argument, NULL, C_LOCKT },
		{ "lock-dir", required_argument, NULL, C_LOCKD },
		{ "seed", required_argument, NULL, C_SEED },
		{ "ideal-sensor", no_argument, NULL, C_IDEAL },
		{ "eeprom", required_argument, NULL, C_EEPROM },
		{ "serial", required_argument, NULL, C_SERIAL },
		{ "station-config", required_argument, NULL, C_STCFG },
		{ "db", required_argument, NULL, C_DB },
		{ "operator", required_argument, NULL, C_OPERATOR },
		{ "unit", required_argument, NULL, C_UNIT },
		{ "recal", required_argument, NULL, C_RECAL },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct pb_hil_cal_run_opts o;
	memset(&o, 0, sizeof o);
	o.rig_spec = "sim";
	o.lock_timeout_s = 600;
	o.max_s = 600;
	o.seed = 1;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int c;
	double v;
	while ((c = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		switch (c) {
		case C_RIG: o.rig_spec = optarg; break;
		case C_PROFILE: o.profile = optarg; break;
		case C_KEY: o.key_path = optarg; break;
		case C_STATION: o.station = optarg; break;
		case C_REF: o.reference = optarg; break;
		case C_CERT: o.cert_prefix = optarg; break;
		case C_MAXT:
			if (parse_num("--max-time", optarg, 1, 86400, &v))
				return PB_EXIT_USAGE;
			o.max_s = v;
			break;
		case C_LOCKT:
			if (parse_num("--lock-timeout", optarg, 0, 604800, &v))
				return PB_EXIT_USAGE;
			o.lock_timeout_s = v;
			break;
		case C_LOCKD: o.lock_dir = optarg; break;
		case C_SEED:
			if (parse_whole("--seed", optarg, 0, 4294967295.0,
			    &o.seed))
				return PB_EXIT_USAGE;
			break;
		case C_IDEAL: o.ideal_sensor = true; break;
		case C_EEPROM: o.eeprom_path = optarg; break;
		case C_SERIAL: o.dut_serial = optarg; break;
		case C_STCFG: o.station_config = optarg; break;
		case C_DB: o.db = optarg; break;
		case C_OPERATOR: o.operator_id = optarg; break;
		case C_UNIT: o.unit_serial = optarg; break;
		case C_RECAL:
			if (!optarg[0])
				return bad("calibrate: --recal needs the reason"
				    "%s%s", "", "");
			o.recal_reason = optarg;
			break;
		default: {
			int rc = common_option(c, argc, argv, longs);
			if (rc >= 0)
				return rc;
		}
		}
	}
	o.quiet = g_common.quiet;
	if (optind < argc)
		return bad("calibrate: unexpected argument '%s'%s",
		    argv[optind], "");
	if (!o.profile)
		return bad("calibrate: --profile is required%s%s", "", "");
	if (!o.key_path && !o.station_config)
		return bad("calibrate: --key (or a --station-config with a key) "
		    "is required%s%s", "", "");
	if (pb_fixture_catch_signals() != 0)
		fprintf(stderr, "pumphil: cannot catch signals; an interrupted "
		    "calibration may leave the fixture unsafe\n");
	int rc = pb_hil_calibrate_run(&o);
	pb_fixture_restore_signals();
	return rc;
}

/* Rig files in the fixture directories, with attachment state. */
static void list_rig_dir(const char *dir, const struct pb_fixture_info *att,
    int natt, int *shown)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/rigs", dir);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	char names[256][256];
	int n = 0;
	while ((e = readdir(d)) != NULL && n < 256) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".ini") == 0)
			snprintf(names[n++], sizeof names[0], "%s", e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0],
	    (int (*)(const void *, const void *))strcmp);
	for (int i = 0; i < n; i++) {
		char file[1400], err[512];
		snprintf(file, sizeof file, "%.900s/%.255s", path, names[i]);
		struct pb_rig rig;
		if (pb_rig_load(&rig, file, err, sizeof err) != PB_RIG_OK) {
			pb_runner_print(stdout, "  %-16s %-5s %-16s %s (invalid: %s)",
			    "?", "?", "-", file, err);
			(*shown)++;
			continue;
		}
		const char *state = "";
		char held[400] = "";
		if (rig.backend == PB_RIG_FTDI) {
			state = " (not attached)";
			for (int k = 0; k < natt; k++)
				if (strcmp(att[k].serial, rig.serial) == 0)
					state = " (ATTACHED)";
			/* this machine's lock: who holds the bench now */
			char ldir[512], lp[1024], who[300] = "";
			if (pb_lock_dir(NULL, ldir, sizeof ldir, err,
			    sizeof err) == PB_LOCK_OK) {
				pb_lock_path(ldir, rig.serial, lp, sizeof lp);
				if (pb_lock_holder(lp, who, sizeof who) == 0 &&
				    who[0])
					snprintf(held, sizeof held, " [locked "
					    "here by %s]", who);
			}
		}
		pb_runner_print(stdout, "  %-16s %-5s %-16s %s%s%s%s%s", rig.name,
		    pb_rig_backend_name(rig.backend),
		    rig.backend == PB_RIG_FTDI ? rig.serial : "-", file,
		    state, held, rig.description[0] ? ": " : "",
		    rig.description);
		(*shown)++;
	}
}

static int cmd_list_rigs(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "db", required_argument, NULL, 'd' },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int c;
	while ((c = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		if (c == 'd') {
			db = optarg;
			continue;
		}
		int rc = common_option(c, argc, argv, longs);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return bad("list-rigs: unexpected argument '%s'%s",
		    argv[optind], "");
	struct pb_fixture_info att[32];
	char err[512] = "";
	int natt = pb_fixture_list(att, 32, err, sizeof err);
	int rc = 0;
	printf("attached FT232H fixtures (0403:6014):\n");
	if (natt < 0) {
		pb_runner_print(stdout, "  (cannot list USB devices: %s)", err);
		natt = 0;
		rc = PB_EXIT_ERROR;
	} else if (natt == 0) {
		printf("  none\n");
	}
	if (natt > 32)
		natt = 32;
	for (int i = 0; i < natt; i++)
		pb_runner_print(stdout, "  serial %-16s %s %s (bus %d address %d)",
		    att[i].serial, att[i].manufacturer, att[i].description,
		    att[i].bus, att[i].address);
	printf("rig files (NAME BACKEND SERIAL FILE):\n");
	int shown = 0;
	struct pb_datadirs dirs;
	pb_datadir_get(&dirs);
	for (int i = 0; i < dirs.n; i++)
		list_rig_dir(dirs.dir[i], att, natt, &shown);
	if (!shown) {
		char where[3 * PATH_MAX];
		pb_datadir_describe(&dirs, "rigs", where, sizeof where);
		printf("  none found (looked in %s)\n", where);
	}
	/* rigs reserved by runners on any machine (PostgreSQL store) */
	if (pb_hil_list_reservations(db, stdout) != 0 && rc == 0)
		rc = PB_EXIT_ERROR;
	return rc;
}

/* pumphil trace: the verification matrix of a recorded run. */
static int cmd_trace(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'H' },
		{ "csv", required_argument, NULL, 'C' },
		{ "requirements", required_argument, NULL, 'r' },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *json = NULL, *html = NULL, *csv = NULL, *reqs = NULL;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int c;
	while ((c = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		switch (c) {
		case 'j': json = optarg; break;
		case 'H': html = optarg; break;
		case 'C': csv = optarg; break;
		case 'r': reqs = optarg; break;
		default: {
			int rc = common_option(c, argc, argv, longs);
			if (rc >= 0)
				return rc;
		}
		}
	}
	if (optind < argc)
		return bad("trace: unexpected argument '%s'%s", argv[optind],
		    "");
	if (!json)
		return bad("trace: --json RUN.json is required%s%s", "", "");
	if (!html && !csv)
		return bad("trace: give --html FILE and/or --csv FILE%s%s", "",
		    "");
	struct pb_report rep;
	char err[1024];
	if (pb_report_load_json(&rep, json, err, sizeof err) != 0) {
		pb_runner_print(stderr, "pumphil: trace: %s", err);
		pb_report_free(&rep);
		return PB_EXIT_ERROR;
	}
	/* the requirement texts: the file the run used (or the one given);
	 * a file that changed since the run is said, in the matrix too */
	char path[1024], want[65];
	snprintf(path, sizeof path, "%s", reqs ? reqs : rep.requirements.path);
	snprintf(want, sizeof want, "%s", rep.requirements.sha256);
	int rc = 0;
	if (!path[0]) {
		snprintf(rep.requirements_error, sizeof rep.requirements_error,
		    "the run used no requirement file");
	} else if (pb_requirement_load(&rep.requirements, path,
	    rep.requirements_error, sizeof rep.requirements_error) != 0) {
		pb_runner_print(stderr, "pumphil: trace: requirements: %s",
		    rep.requirements_error);
		rc = PB_EXIT_ERROR;
	} else if (want[0] && strcmp(want, rep.requirements.sha256) != 0) {
		snprintf(rep.requirements_error, sizeof rep.requirements_error,
		    "%.400s changed since the run (sha256 %.12s then, %.12s "
		    "now)",
		    path, want, rep.requirements.sha256);
		pb_runner_print(stderr, "pumphil: trace: %s",
		    rep.requirements_error);
	}
	if (rc == 0 && pb_matrix_save(&rep, html, csv, err, sizeof err) != 0) {
		pb_runner_print(stderr, "pumphil: trace: %s", err);
		rc = PB_EXIT_ERROR;
	}
	if (rc == 0) {
		struct pb_matrix m;
		if (pb_matrix_build(&rep, &m) == 0) {
			printf("%zu requirements: %zu passed, %zu failed, %zu "
			    "untested; %zu scenario(s) verify none\n", m.n,
			    m.passed, m.failed, m.untested, m.n_orphans);
			pb_matrix_free(&m);
		}
	}
	pb_report_free(&rep);
	return rc;
}

/* COMMAND ARGS...: argv[0] is the command. */
static int command(int argc, char **argv)
{
	const char *cmd = argv[0];
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0)
		return print_version();
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc, argv);
	if (strcmp(cmd, "list-rigs") == 0)
		return cmd_list_rigs(argc, argv);
	if (strcmp(cmd, "calibrate") == 0)
		return cmd_calibrate(argc, argv);
	if (strcmp(cmd, "records") == 0)
		return pb_hil_cmd_records(argc, argv);
	if (strcmp(cmd, "report") == 0)
		return pb_hil_cmd_report(argc, argv);
	if (strcmp(cmd, "trace") == 0)
		return cmd_trace(argc, argv);
	if (strcmp(cmd, "conform") == 0)
		return pb_conform_cmd(argc, argv);
	return bad("unknown command '%s' (run, list-rigs, calibrate, records, "
	    "report, conform, trace)%s", cmd, "");
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	setlocale(LC_CTYPE, "");
	/* the common options may come before the command */
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int c;
	while ((c = getopt_long(argc, argv, "+:" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		int rc = common_option(c, argc, argv, longs);
		if (rc >= 0)
			return rc;
	}
	if (optind >= argc)
		return bad("no command: run, list-rigs, calibrate, records, "
		    "report, conform or trace%s%s", "", "");
	/* the command sees the common options given before it as its own:
	 * COMMAND [-q] [--color=WHEN] ARGS... */
	static const char *const when_arg[] = {
		[PB_CLI_COLOR_AUTO] = "--color=auto",
		[PB_CLI_COLOR_ALWAYS] = "--color=always",
		[PB_CLI_COLOR_NEVER] = "--color=never",
	};
	int rest = argc - optind;
	char **cargv = calloc((size_t)rest + 3, sizeof *cargv);
	if (!cargv) {
		fputs("pumphil: out of memory\n", stderr);
		return PB_EXIT_ERROR;
	}
	int cargc = 0;
	cargv[cargc++] = argv[optind];
	if (g_common.quiet)
		cargv[cargc++] = (char *)"-q";
	cargv[cargc++] = (char *)when_arg[g_common.color];
	for (int i = optind + 1; i < argc; i++)
		cargv[cargc++] = argv[i];
	cargv[cargc] = NULL;
	int rc = command(cargc, cargv);
	free(cargv);
	return rc;
}
