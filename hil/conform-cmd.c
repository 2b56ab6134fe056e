/*
 * hil/conform-cmd.c - `pumphil conform`: options, the two ways to reach a
 * device (a serial port in wall time, or the simulated rig in virtual
 * time), the console lines and the report files.  The suite itself is
 * hil/conform.c; docs/firmware.md ("Conformance in a firmware CI") shows
 * how a firmware team uses this.
 */
#include "hil/conform.h"

#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/text.h"
#include "hil/fixture-sim.h"
#include "hil/fixture.h"
#include "hil/rig.h"
#include "hil/runner.h"
#include "proto/msg.h"
#include "proto/station.h"
#include "pump/profile.h"

static void usage(FILE *f)
{
	fputs(
"usage: pumphil conform --port PATH [options]\n"
"       pumphil conform --rig sim [--profile ID] [--defect LIST] [options]\n"
"       pumphil conform --list\n"
"\n"
"Checks a device against every host-observable rule of docs/protocol.md.\n"
"\n"
"  --port PATH        the device: a USB serial adapter, a pty (QEMU,\n"
"                     pumpsim), a /dev/serial/by-id link\n"
"  --baud N           serial rate (default 921600); --flow none|rtscts\n"
"  --rig sim          the emulated pump in-process, in virtual time\n"
"  --profile ID       sim: pump profile (default s10pro)\n"
"  --defect LIST      sim: switch defects on (a,b,...), as negative\n"
"                     controls: the suite must then FAIL\n"
"  --seed N           sim: emulator seed (default 1)\n"
"  --key FILE         station key (mode 600): also checks the right\n"
"                     factory answer; on sim, the key the pump accepts\n"
"  --answer-wait S    a command unanswered for S seconds fails (default\n"
"                     2; a slow link needs more: the 4 KB garbage burst\n"
"                     alone takes 4.3 s at 9600 baud)\n"
"  --allow-writes     with --key: write each channel's own calibration\n"
"                     back and read it again (never anything new)\n"
"  --only LIST        run only these rules (a,b,...)\n"
"  --list             print the rules and exit\n"
"  --junit FILE       JUnit XML;  --json FILE  the JSON test record\n"
"  -q, --quiet        print only the closing line\n"
"  -h, -V, --color=WHEN   as for every pumphil command (pumphil --help)\n"
"\n"
"The suite runs the pump briefly (START at level 1, CAL_HOLD at a quarter\n"
"of max_target) and vents it; it never changes the stored calibration\n"
"or serial unless --allow-writes; it ends with the factory lock-out rule,\n"
"so the device then refuses factory access for a while.\n"
"\n"
"exit status: 0 every rule passed or was skipped, 1 a rule failed,\n"
"2 usage, 3 the port or rig failed, 4 interrupted\n", f);
}

static int bad(const char *fmt, const char *a)
    __attribute__((format(printf, 1, 0)));
static int bad(const char *fmt, const char *a)
{
	char safe[256], msg[512];
	pb_text_escape_str(safe, sizeof safe, a ? a : "");
	snprintf(msg, sizeof msg, fmt, safe);
	return pb_cli_usage_error("pumphil conform", "%s", msg);
}

/* ---- a port in wall time ---------------------------------------------- */

static uint64_t wall_now(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int wall_wait(void *ctx, uint64_t until)
{
	struct pb_link *l = ctx;
	if (pb_fixture_interrupted())
		return -1;
	uint64_t t = wall_now(NULL);
	if (t >= until)
		return 0;
	struct pollfd p = { pb_link_fd(l), POLLIN, 0 };
	int ms = (int)((until - t + 999) / 1000);
	poll(&p, p.fd >= 0 ? 1 : 0, ms);
	return pb_fixture_interrupted() ? -1 : 0;
}

static int64_t real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the sim rig in virtual time --------------------------------------- */

static uint64_t sim_now(void *ctx)
{
	return pb_fixture_now(ctx);
}

static int sim_wait(void *ctx, uint64_t until)
{
	return pb_fixture_advance(ctx, until) == PB_FIX_OK ? 0 : -1;
}

/* ---- the command ----------------------------------------------------------- */

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
	fflush(stdout);
}

/* What the command line asked for. */
struct conform_args {
	const char *port;                    /* --port, or NULL */
	const char *rig_spec;                /* --rig, or NULL */
	const char *profile;                 /* --profile (sim) */
	const char *defects;                 /* --defect as given, or NULL */
	unsigned defect_mask;                /* --defect, each name's bit */
	unsigned long long seed;             /* --seed (sim) */
	const char *key_path;                /* --key, or NULL */
	const char *junit, *json;            /* report files, or NULL */
	bool quiet;
	struct pb_conform_opts co;           /* key and progress set later */
	struct pb_link_opts lo;
};

/* One run: the way to the device, the report, the key it holds. */
struct conform_run {
	const struct conform_args *a;
	struct pb_conform_opts co;
	struct pb_conform_io io;
	struct pb_fixture *fix;
	struct pb_report rep;
	uint8_t key[PB_STATION_KEY_MAX];
	char err[1024];
};

enum { O_PORT = 256, O_BAUD, O_FLOW, O_RIG, O_PROFILE, O_DEFECT, O_SEED,
	O_KEY, O_WRITES, O_ONLY, O_LIST, O_JUNIT, O_JSON, O_WAIT };

/* --defect a,b,...: each name to its bit; a usage error names the first
 * unknown one. */
static int parse_defects(struct conform_args *a)
{
	char list[256];
	snprintf(list, sizeof list, "%s", a->defects);
	for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
		unsigned m = 0;
		if (pb_fixture_sim_defect(s, &m) != PB_FIX_OK)
			return bad("--defect: no defect switch '%s'", s);
		a->defect_mask |= m;
	}
	return 0;
}

/* The options and how they go together, into *a.  Returns -1 when the
 * run is to go ahead, else the exit status (0 after --help, --version or
 * --list; 2 a usage error, already told). */
static int parse_args(int argc, char **argv, struct conform_args *a)
{
	static const struct option longs[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "baud", required_argument, NULL, O_BAUD },
		{ "flow", required_argument, NULL, O_FLOW },
		{ "rig", required_argument, NULL, O_RIG },
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "defect", required_argument, NULL, O_DEFECT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "key", required_argument, NULL, O_KEY },
		{ "allow-writes", no_argument, NULL, O_WRITES },
		{ "answer-wait", required_argument, NULL, O_WAIT },
		{ "only", required_argument, NULL, O_ONLY },
		{ "list", no_argument, NULL, O_LIST },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "json", required_argument, NULL, O_JSON },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	memset(a, 0, sizeof *a);
	a->profile = "s10pro";
	a->seed = 1;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int ch;
	char *end;
	enum pb_cli_color when;
	while ((ch = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		switch (ch) {
		case O_PORT: a->port = optarg; break;
		case O_BAUD:
			a->lo.baud = (int)strtol(optarg, &end, 10);
			if (*end || a->lo.baud < 50 || a->lo.baud > 12000000)
				return bad("--baud: '%s' is not a baud rate",
				    optarg);
			break;
		case O_FLOW:
			if (strcmp(optarg, "none") == 0)
				a->lo.flow = PB_FLOW_NONE;
			else if (strcmp(optarg, "rtscts") == 0)
				a->lo.flow = PB_FLOW_RTSCTS;
			else
				return bad("--flow: '%s' (none or rtscts)",
				    optarg);
			break;
		case O_RIG: a->rig_spec = optarg; break;
		case O_PROFILE: a->profile = optarg; break;
		case O_DEFECT: a->defects = optarg; break;
		case O_SEED:
			a->seed = strtoull(optarg, &end, 10);
			if (*end || !*optarg || optarg[0] == '-')
				return bad("--seed: '%s' is not a whole number",
				    optarg);
			break;
		case O_KEY: a->key_path = optarg; break;
		case O_WRITES: a->co.allow_writes = true; break;
		case O_WAIT: {
			double w = strtod(optarg, &end);
			if (*end || !(w >= 0.1 && w <= 600.0))
				return bad("--answer-wait: '%s' is not 0.1 to 600 "
				    "seconds", optarg);
			a->co.answer_wait_us = (uint64_t)(w * 1e6);
			break;
		}
		case O_ONLY: a->co.only = optarg; break;
		case O_LIST: {
			const struct pb_conform_rule *r;
			size_t n = pb_conform_rules(&r);
			for (size_t i = 0; i < n; i++)
				printf("%-18s %-16s %s\n", r[i].id, r[i].section,
				    r[i].title);
			return 0;
		}
		case O_JUNIT: a->junit = optarg; break;
		case O_JSON: a->json = optarg; break;
		case 'q': a->quiet = true; break;
		case 'h': usage(stdout); return 0;
		case 'V':
			pb_cli_version(stdout, "pumphil", PB_PROTO_VERSION);
			return 0;
		case PB_CLI_OPT_COLOR:   /* nothing painted here */
			if (pb_cli_color_parse(optarg, &when) < 0)
				return bad("--color: '%s' is not auto, always or "
				    "never", optarg);
			break;
		default:
			return pb_cli_bad_option("pumphil conform", ch, argc,
			    argv, longs);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (!a->port == !a->rig_spec)
		return bad("give either --port PATH or --rig sim%s", "");
	if (a->rig_spec && strcmp(a->rig_spec, "sim") != 0)
		return bad("--rig: only 'sim' (a real device: --port), not '%s'",
		    a->rig_spec);
	if (a->port && a->defects)
		return bad("--defect needs --rig sim%s", "");
	if (a->co.allow_writes && !a->key_path)
		return bad("--allow-writes needs --key%s", "");
	if (a->defects)
		return parse_defects(a) != 0 ? PB_EXIT_USAGE : -1;
	return -1;
}

/* The device behind --port, in wall time.  0, or -1 (told). */
static int open_port(struct conform_run *r)
{
	const struct conform_args *a = r->a;
	int lerr = 0;
	char msg[256] = "";
	r->io.link = pb_link_open(a->port, &a->lo, &lerr, msg, sizeof msg);
	if (!r->io.link) {
		fprintf(stderr, "pumphil conform: %s: %s\n", a->port, msg);
		return -1;
	}
	r->io.ctx = r->io.link;
	r->io.now = wall_now;
	r->io.wait = wall_wait;
	snprintf(r->rep.rig, sizeof r->rep.rig, "%s", a->port);
	snprintf(r->rep.rig_kind, sizeof r->rep.rig_kind, "port");
	return 0;
}

/* The emulated pump in-process, in virtual time, powered, its DUT link
 * taken.  0, or -1 (told). */
static int open_sim(struct conform_run *r)
{
	const struct conform_args *a = r->a;
	static struct pb_profile prof;
	struct pb_rig rig;
	struct pb_fixture_opts fo;
	memset(&fo, 0, sizeof fo);
	if (pb_rig_find(&rig, "sim", r->err, sizeof r->err) != 0 ||
	    pb_profile_find(&prof, a->profile, r->err, sizeof r->err) != 0) {
		fprintf(stderr, "pumphil conform: %s\n", r->err);
		return -1;
	}
	fo.defects = a->defect_mask;
	fo.profile = &prof;
	fo.seed = a->seed;
	fo.factory_key_path = a->key_path;
	if (pb_fixture_open(&rig, &fo, &r->fix, r->err, sizeof r->err) !=
	    PB_FIX_OK || pb_fixture_set_power(r->fix, true) != PB_FIX_OK ||
	    pb_fixture_take_dut_link(r->fix, &r->io.link) != PB_FIX_OK) {
		fprintf(stderr, "pumphil conform: sim rig: %s\n",
		    r->fix ? pb_fixture_errmsg(r->fix) : r->err);
		return -1;
	}
	r->io.ctx = r->fix;
	r->io.now = sim_now;
	r->io.wait = sim_wait;
	snprintf(r->rep.rig, sizeof r->rep.rig, "sim:%s%s%s", prof.id,
	    a->defects ? "+" : "", a->defects ? a->defects : "");
	snprintf(r->rep.rig_kind, sizeof r->rep.rig_kind, "sim");
	return 0;
}

/* The suite over the open device, the report files, the closing line.
 * Returns the exit status. */
static int run_suite(struct conform_run *r)
{
	const struct conform_args *a = r->a;
	struct pb_report *rep = &r->rep;
	int rc = pb_conform_run(&r->io, &r->co, rep, r->err, sizeof r->err);
	rep->end_ms = real_ms();
	for (size_t i = 0; i < rep->n_cases; i++)
		for (size_t k = 0; k < rep->cases[i].n_attempts; k++) {
			rep->cases[i].attempts[k].start_ms = rep->start_ms;
			rep->cases[i].attempts[k].end_ms = rep->end_ms;
		}
	if (rc == PB_CONFORM_E_ARG) {
		fprintf(stderr, "pumphil conform: %s\n", r->err);
		return PB_EXIT_USAGE;
	}
	if (rc != PB_CONFORM_OK)
		fprintf(stderr, "pumphil conform: %s\n", r->err);
	if ((a->json || a->junit) && pb_report_save(rep, a->json, a->junit,
	    r->err, sizeof r->err) != PB_REPORT_OK) {
		fprintf(stderr, "pumphil conform: %s\n", r->err);
		return PB_EXIT_ERROR;
	}
	struct pb_counts n;
	pb_report_counts(rep, NULL, &n);
	char line[200];
	pb_report_summary_line(rep, line, sizeof line);
	int exit_code;
	if (rc == PB_CONFORM_E_INTERRUPTED)
		exit_code = PB_EXIT_ABORTED;
	else if (n.failed)
		exit_code = PB_EXIT_FAIL;
	else if (n.errors || rc != PB_CONFORM_OK)
		exit_code = PB_EXIT_ERROR;
	else
		exit_code = PB_EXIT_OK;
	printf("pumphil conform: %s: %s: %s\n", rep->rig,
	    exit_code == PB_EXIT_OK ? "CONFORMS" : exit_code == PB_EXIT_FAIL ?
	    "DOES NOT CONFORM" : "INCOMPLETE", line);
	return exit_code;
}

/* The run the options asked for: key, signals, report, device, suite,
 * and everything closed again.  Returns the exit status. */
static int conform_run(const struct conform_args *a)
{
	struct conform_run r;
	memset(&r, 0, sizeof r);
	r.a = a;
	r.co = a->co;
	if (a->key_path) {
		size_t key_len = 0;
		if (pb_station_load_key(a->key_path, r.key, &key_len, r.err,
		    sizeof r.err) != PB_STATION_OK) {
			fprintf(stderr, "pumphil conform: %s\n", r.err);
			return PB_EXIT_ERROR;
		}
		r.co.key = r.key;
		r.co.key_len = key_len;
	}
	if (!a->quiet)
		r.co.progress = print_line;
	pb_fixture_catch_signals();

	pb_report_init(&r.rep, "pumphil-conform");
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	snprintf(r.rep.hostname, sizeof r.rep.hostname, "%s", host);
	r.rep.start_ms = real_ms();

	int exit_code = PB_EXIT_ERROR;
	if ((a->port ? open_port(&r) : open_sim(&r)) == 0)
		exit_code = run_suite(&r);

	if (r.fix) {
		pb_fixture_close(r.fix);
		if (r.io.link)
			pb_link_close(r.io.link);
	} else if (r.io.link) {
		pb_link_close(r.io.link);
	}
	pb_report_free(&r.rep);
	memset(r.key, 0, sizeof r.key);
	pb_fixture_restore_signals();
	return exit_code;
}

int pb_conform_cmd(int argc, char **argv)
{
	struct conform_args a;
	int rc = parse_args(argc, argv, &a);
	return rc >= 0 ? rc : conform_run(&a);
}
