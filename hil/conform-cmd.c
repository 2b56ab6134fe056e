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

enum { O_PORT = 256, O_BAUD, O_FLOW, O_RIG, O_PROFILE, O_DEFECT, O_SEED,
	O_KEY, O_WRITES, O_ONLY, O_LIST, O_JUNIT, O_JSON, O_WAIT };

int pb_conform_cmd(int argc, char **argv)
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
	const char *port = NULL, *rig_spec = NULL, *profile = "s10pro";
	const char *defects = NULL, *key_path = NULL, *junit = NULL;
	const char *json = NULL;
	struct pb_conform_opts co;
	struct pb_link_opts lo;
	memset(&co, 0, sizeof co);
	memset(&lo, 0, sizeof lo);
	unsigned long long seed = 1;
	bool quiet = false;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int ch;
	char *end;
	enum pb_cli_color when;
	while ((ch = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		switch (ch) {
		case O_PORT: port = optarg; break;
		case O_BAUD:
			lo.baud = (int)strtol(optarg, &end, 10);
			if (*end || lo.baud < 50 || lo.baud > 12000000)
				return bad("--baud: '%s' is not a baud rate",
				    optarg);
			break;
		case O_FLOW:
			if (strcmp(optarg, "none") == 0)
				lo.flow = PB_FLOW_NONE;
			else if (strcmp(optarg, "rtscts") == 0)
				lo.flow = PB_FLOW_RTSCTS;
			else
				return bad("--flow: '%s' (none or rtscts)",
				    optarg);
			break;
		case O_RIG: rig_spec = optarg; break;
		case O_PROFILE: profile = optarg; break;
		case O_DEFECT: defects = optarg; break;
		case O_SEED:
			seed = strtoull(optarg, &end, 10);
			if (*end || !*optarg || optarg[0] == '-')
				return bad("--seed: '%s' is not a whole number",
				    optarg);
			break;
		case O_KEY: key_path = optarg; break;
		case O_WRITES: co.allow_writes = true; break;
		case O_WAIT: {
			double w = strtod(optarg, &end);
			if (*end || !(w >= 0.1 && w <= 600.0))
				return bad("--answer-wait: '%s' is not 0.1 to 600 "
				    "seconds", optarg);
			co.answer_wait_us = (uint64_t)(w * 1e6);
			break;
		}
		case O_ONLY: co.only = optarg; break;
		case O_LIST: {
			const struct pb_conform_rule *r;
			size_t n = pb_conform_rules(&r);
			for (size_t i = 0; i < n; i++)
				printf("%-18s %-16s %s\n", r[i].id, r[i].section,
				    r[i].title);
			return 0;
		}
		case O_JUNIT: junit = optarg; break;
		case O_JSON: json = optarg; break;
		case 'q': quiet = true; break;
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
	if (!port == !rig_spec)
		return bad("give either --port PATH or --rig sim%s", "");
	if (rig_spec && strcmp(rig_spec, "sim") != 0)
		return bad("--rig: only 'sim' (a real device: --port), not '%s'",
		    rig_spec);
	if (port && defects)
		return bad("--defect needs --rig sim%s", "");
	if (co.allow_writes && !key_path)
		return bad("--allow-writes needs --key%s", "");

	char err[1024];
	uint8_t key[PB_STATION_KEY_MAX];
	size_t key_len = 0;
	if (key_path) {
		if (pb_station_load_key(key_path, key, &key_len, err,
		    sizeof err) != PB_STATION_OK) {
			fprintf(stderr, "pumphil conform: %s\n", err);
			return PB_EXIT_ERROR;
		}
		co.key = key;
		co.key_len = key_len;
	}
	if (!quiet) {
		co.progress = print_line;
	}
	pb_fixture_catch_signals();

	struct pb_report rep;
	pb_report_init(&rep, "pumphil-conform");
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	snprintf(rep.hostname, sizeof rep.hostname, "%s", host);
	rep.start_ms = real_ms();

	struct pb_conform_io io;
	memset(&io, 0, sizeof io);
	struct pb_fixture *fix = NULL;
	static struct pb_profile prof;
	int exit_code = PB_EXIT_ERROR;
	if (port) {
		int lerr = 0;
		char msg[256] = "";
		io.link = pb_link_open(port, &lo, &lerr, msg, sizeof msg);
		if (!io.link) {
			fprintf(stderr, "pumphil conform: %s: %s\n", port, msg);
			goto out;
		}
		io.ctx = io.link;
		io.now = wall_now;
		io.wait = wall_wait;
		snprintf(rep.rig, sizeof rep.rig, "%s", port);
		snprintf(rep.rig_kind, sizeof rep.rig_kind, "port");
	} else {
		struct pb_rig rig;
		struct pb_fixture_opts fo;
		memset(&fo, 0, sizeof fo);
		if (pb_rig_find(&rig, "sim", err, sizeof err) != 0 ||
		    pb_profile_find(&prof, profile, err, sizeof err) != 0) {
			fprintf(stderr, "pumphil conform: %s\n", err);
			goto out;
		}
		if (defects) {
			/* "a,b": each name to its bit */
			char list[256];
			snprintf(list, sizeof list, "%s", defects);
			for (char *s = strtok(list, ","); s; s = strtok(NULL,
			    ",")) {
				unsigned m = 0;
				if (pb_fixture_sim_defect(s, &m) != PB_FIX_OK) {
					pb_report_free(&rep);
					return bad("--defect: no defect switch "
					    "'%s'", s);
				}
				fo.defects |= m;
			}
		}
		fo.profile = &prof;
		fo.seed = seed;
		fo.factory_key_path = key_path;
		if (pb_fixture_open(&rig, &fo, &fix, err, sizeof err) !=
		    PB_FIX_OK || pb_fixture_set_power(fix, true) != PB_FIX_OK ||
		    pb_fixture_take_dut_link(fix, &io.link) != PB_FIX_OK) {
			fprintf(stderr, "pumphil conform: sim rig: %s\n",
			    fix ? pb_fixture_errmsg(fix) : err);
			goto out;
		}
		io.ctx = fix;
		io.now = sim_now;
		io.wait = sim_wait;
		snprintf(rep.rig, sizeof rep.rig, "sim:%s%s%s", prof.id,
		    defects ? "+" : "", defects ? defects : "");
		snprintf(rep.rig_kind, sizeof rep.rig_kind, "sim");
	}

	int rc = pb_conform_run(&io, &co, &rep, err, sizeof err);
	rep.end_ms = real_ms();
	for (size_t i = 0; i < rep.n_cases; i++)
		for (size_t k = 0; k < rep.cases[i].n_attempts; k++) {
			rep.cases[i].attempts[k].start_ms = rep.start_ms;
			rep.cases[i].attempts[k].end_ms = rep.end_ms;
		}
	if (rc == PB_CONFORM_E_ARG) {
		fprintf(stderr, "pumphil conform: %s\n", err);
		exit_code = PB_EXIT_USAGE;
		goto out;
	}
	if (rc != PB_CONFORM_OK)
		fprintf(stderr, "pumphil conform: %s\n", err);
	if ((json || junit) && pb_report_save(&rep, json, junit, err,
	    sizeof err) != PB_REPORT_OK) {
		fprintf(stderr, "pumphil conform: %s\n", err);
		goto out;
	}
	struct pb_counts n;
	pb_report_counts(&rep, NULL, &n);
	char line[200];
	pb_report_summary_line(&rep, line, sizeof line);
	if (rc == PB_CONFORM_E_INTERRUPTED)
		exit_code = PB_EXIT_ABORTED;
	else if (n.failed)
		exit_code = PB_EXIT_FAIL;
	else if (n.errors || rc != PB_CONFORM_OK)
		exit_code = PB_EXIT_ERROR;
	else
		exit_code = PB_EXIT_OK;
	printf("pumphil conform: %s: %s: %s\n", rep.rig,
	    exit_code == PB_EXIT_OK ? "CONFORMS" : exit_code == PB_EXIT_FAIL ?
	    "DOES NOT CONFORM" : "INCOMPLETE", line);
out:
	if (fix) {
		pb_fixture_close(fix);
		if (io.link)
			pb_link_close(io.link);
	} else if (io.link) {
		pb_link_close(io.link);
	}
	pb_report_free(&rep);
	memset(key, 0, sizeof key);
	pb_fixture_restore_signals();
	return exit_code;
}
