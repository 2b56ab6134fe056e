/*
 * tui/main.c - bin/pumpbench: options, the poll loop, headless mode.
 *
 *   pumpbench --sim [PROFILE]            the emulator (default s10pro)
 *   pumpbench --port PATH [--baud N]     a real pump through an adapter
 *   pumpbench --replay FILE              a recording
 *   pumpbench --text PORT|-              bring-up: lines of numbers
 *   pumpbench --list-ports
 *   ... --key FILE [--station NAME] [--cert PREFIX]   calibration (C)
 *   ... --station-config FILE [--operator ID] [--db SPEC]   the station
 *   ... --headless --duration S --record FILE   no screen (scripts, CI)
 *   ... --headless --start --mode M --level N --script FILE
 *       --summary json                   a scripted run, judged
 *
 * Exit status: 0 ok, 1 runtime failure (port, emulator, file; headless:
 * no telemetry, a recording that failed, interrupted; a replay with no
 * usable sample; --text: no line with a value), 2 usage (a bad option or script line), and headless:
 * 3 no HELLO answer, 4 link lost too long, 5 an alarm, 6 a step refused
 * (tui/headless.h decides which).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/file.h"
#include "base/text.h"
#include "proto/link.h"
#include "proto/msg.h"
#include "pump/units.h"
#include "tui/app.h"
#include "store/stationcfg.h"
#include "store/workflow.h"
#include "tui/calscreen.h"
#include "tui/headless-run.h"
#include "tui/records.h"
#include "tui/screen.h"
#include "tui/script.h"
#include "tui/session.h"

/* The signal handler only records which signal came; the main loop
 * does the rest. */
static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_hangup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		g_hangup = 1;
	g_stop = 1;
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void usage(FILE *f)
{
	fputs(
"usage: pumpbench --sim [PROFILE] | --port PATH [--baud N] | --replay FILE\n"
"                 | --text PORT|- [--baud N] [--text-unit U] [--text-time]\n"
"                 [--record FILE] [--units mmhg|kpa|cmh2o] [--ascii] [--mono]\n"
"                 [--profile P] [--headless [--duration S] [--script FILE]\n"
"                   [--start] [--mode M] [--level N] [--double]\n"
"                   [--summary text|json] [--hello-timeout S]\n"
"                   [--link-timeout S] [--allow-alarms]]\n"
"                 [--key FILE [--station NAME] [--cert PREFIX]]\n"
"                 [--station-config FILE] [--operator ID] [--db SPEC]\n"
"                 [-q] [--color=WHEN]\n"
"       pumpbench --list-ports | --help | --version\n"
"\n"
"  --sim [PROFILE]   start the pump emulator (pumpsim) on a pty and connect\n"
"                    (default profile s10pro)\n"
"  --port PATH       a serial port: /dev/ttyUSB0, /dev/serial/by-id/..., a pty\n"
"  --baud N          baud rate for --port or --text (default 921600)\n"
"  --flow none|rtscts  flow control for --port or --text (default none)\n"
"  --profile P       pump profile to compare cycles with (default: the one\n"
"                    the device reports)\n"
"  --list-ports      list serial ports and exit\n"
"  --record FILE     record the session as CSV from the start\n"
"  --replay FILE     show a recording\n"
"  --text PORT|-     bring-up mode: plot lines of numbers from a serial\n"
"                    port or a pty (--baud N, default 921600) or stdin\n"
"                    (-): \"12 34\", \"12,34\", \"vac:12,flow:34\" (Arduino)\n"
"                    or \">vac:12\" (Teleplot); the first two values are\n"
"                    ch1 and ch2; no pump controls (docs/dashboard.md)\n"
"  --text-unit U     unit of the numbers: mmhg (default), kpa, cmh2o\n"
"  --text-time       the first value of each line is the device's time\n"
"                    in ms (default: the time the line arrives)\n"
"  --headless        no screen: run, print a summary (docs/dashboard.md);\n"
"                    --text - runs to the end of its input\n"
"  --duration S      seconds to run headless, from the pump's HELLO answer\n"
"                    (--text: from the start)\n"
"  --start           headless: start the pump (after --mode/--level/--double)\n"
"  --mode M          headless: stimulation, expression or mixed\n"
"  --level N         headless: the level (within the profile's limit)\n"
"  --double          headless: pump both channels\n"
"  --script FILE     headless: timed steps, one a line, e.g. `2.0 level 5`,\n"
"                    `10 mode expression`, `+5 marker let-down`, `30 stop`,\n"
"                    `31 end` (times in s from HELLO; see docs/dashboard.md)\n"
"  --summary WHAT    headless: text (default, one line) or json (the run,\n"
"                    and per channel its cycles against the profile)\n"
"  --hello-timeout S headless: give up when the pump has not answered\n"
"                    HELLO by then (default 5)\n"
"  --link-timeout S  headless: give up when the link stays lost this long\n"
"                    (default 5)\n"
"  --allow-alarms    headless: an alarm does not end the run\n", f);
	fputs(
"  --units U         mmhg (default), kpa or cmh2o\n"
"  --ascii           ASCII graph even in a UTF-8 locale (a locale that is\n"
"                    not UTF-8 always gets it)\n"
"  --mono            no colours (as --color=never)\n"
"  --pumpsim PATH    the emulator program for --sim (default: next to\n"
"                    pumpbench, then PATH)\n"
"  --sim-arg ARG     one more argument for the emulator (repeatable),\n"
"                    e.g. --sim-arg=--control=/tmp/pump.ctl\n"
"  --key FILE        station key for factory calibration (key C); mode\n"
"                    0600, e.g. `openssl rand -hex 32`; with --sim the\n"
"                    emulator accepts this key too\n"
"  --station NAME    station name in calibration records (default bench)\n"
"  --cert PREFIX     calibration certificate PREFIX.json .txt .html\n"
"                    (default cal-<serial>-<yyyymmddThhmmss> here)\n"
"  --station-config FILE  the station: name, key, reference gauge and\n"
"                    its due date, records store (docs/records.md)\n"
"  --operator ID     who calibrates (else asked at the first run)\n"
"  --db SPEC         factory records store: a SQLite file or\n"
"                    postgresql://... (default: the station config's,\n"
"                    $PUMPBENCH_DB, $XDG_DATA_HOME/pumpbench/records.db);\n"
"                    calibrations and recordings are entered there\n"
PB_CLI_HELP_COMMON
"\n"
"The dashboard needs a terminal that can address the cursor (not\n"
"TERM=dumb); scripts and CI use --headless.  Keys: press ? in the\n"
"dashboard.\n"
"\n"
"Exit status:\n"
"  0  done (the dashboard was left with q; headless: the run was whole)\n"
"  1  failure: the port, the emulator or a file could not be used; no\n"
"     terminal for the dashboard; headless: no telemetry, a recording\n"
"     that failed, interrupted by a signal; a replay with no usable sample;\n"
"     bring-up mode: not one line with a value\n"
"  2  usage: a bad option (one line on stderr), or a bad line in the\n"
"     --script (FILE:LINE)\n"
"  3  headless: no answer to HELLO within --hello-timeout\n"
"  4  headless: the link stayed lost longer than --link-timeout\n"
"  5  headless: an alarm was raised (without --allow-alarms)\n"
"  6  headless: a step was refused by the pump, not answered, or is\n"
"     beyond the device's levels or the profile's vacuum limit\n", f);
}

#define MAX_SIM_ARGS 32

struct opts {
	struct pb_session_opts s;
	const char *sim_args[MAX_SIM_ARGS];
	int nsim_args;
	const char *key, *station, *cert;
	const char *db, *station_cfg, *operator_id;
	bool list_ports, headless, ascii, mono, quiet;
	bool text_opt;            /* --text-unit or --text-time given */
	enum pb_cli_color color;
	double duration;
	/* headless driving */
	bool start, dbl, allow_alarms, summary_json;
	int mode, level;
	const char *script;
	double hello_timeout, link_timeout;
};

static int bad(const char *fmt, const char *arg)
    __attribute__((format(printf, 1, 0)));
static int bad(const char *fmt, const char *arg)
{
	char safe[256], msg[512];
	pb_text_escape_str(safe, sizeof safe, arg ? arg : "");
	snprintf(msg, sizeof msg, fmt, safe);
	return pb_cli_usage_error("pumpbench", "%s", msg);
}

enum {
	O_SIM = 256, O_PORT, O_BAUD, O_FLOW, O_LIST_PORTS, O_RECORD, O_REPLAY,
	O_HEADLESS, O_DURATION, O_UNITS, O_ASCII, O_MONO, O_PROFILE,
	O_PUMPSIM, O_SIM_ARG, O_KEY, O_STATION, O_CERT, O_DB, O_STATION_CFG,
	O_OPERATOR, O_TEXT, O_TEXT_UNIT, O_TEXT_TIME, O_START, O_MODE, O_LEVEL,
	O_DOUBLE, O_SCRIPT, O_SUMMARY, O_HELLO_TIMEOUT, O_LINK_TIMEOUT,
	O_ALLOW_ALARMS
};

static const struct option longs[] = {
	{ "sim", optional_argument, NULL, O_SIM },
	{ "port", required_argument, NULL, O_PORT },
	{ "baud", required_argument, NULL, O_BAUD },
	{ "flow", required_argument, NULL, O_FLOW },
	{ "list-ports", no_argument, NULL, O_LIST_PORTS },
	{ "record", required_argument, NULL, O_RECORD },
	{ "replay", required_argument, NULL, O_REPLAY },
	{ "text", required_argument, NULL, O_TEXT },
	{ "text-unit", required_argument, NULL, O_TEXT_UNIT },
	{ "text-time", no_argument, NULL, O_TEXT_TIME },
	{ "headless", no_argument, NULL, O_HEADLESS },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "units", required_argument, NULL, O_UNITS },
	{ "ascii", no_argument, NULL, O_ASCII },
	{ "mono", no_argument, NULL, O_MONO },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "pumpsim", required_argument, NULL, O_PUMPSIM },
	{ "sim-arg", required_argument, NULL, O_SIM_ARG },
	{ "key", required_argument, NULL, O_KEY },
	{ "station", required_argument, NULL, O_STATION },
	{ "cert", required_argument, NULL, O_CERT },
	{ "db", required_argument, NULL, O_DB },
	{ "station-config", required_argument, NULL, O_STATION_CFG },
	{ "operator", required_argument, NULL, O_OPERATOR },
	{ "start", no_argument, NULL, O_START },
	{ "mode", required_argument, NULL, O_MODE },
	{ "level", required_argument, NULL, O_LEVEL },
	{ "double", no_argument, NULL, O_DOUBLE },
	{ "script", required_argument, NULL, O_SCRIPT },
	{ "summary", required_argument, NULL, O_SUMMARY },
	{ "hello-timeout", required_argument, NULL, O_HELLO_TIMEOUT },
	{ "link-timeout", required_argument, NULL, O_LINK_TIMEOUT },
	{ "allow-alarms", no_argument, NULL, O_ALLOW_ALARMS },
	PB_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

/* One option of a headless run (--duration, the steps, the summary, the
 * timeouts); returns -1 to go on, or an exit status. */
static int parse_headless(int c, const char *val, struct opts *o)
{
	char *end;
	switch (c) {
	case O_DURATION:
	case O_HELLO_TIMEOUT:
	case O_LINK_TIMEOUT: {
		double d = strtod(val, &end);
		if (end == val || *end || !(d > 0) || d > 1e7)
			return bad(c == O_DURATION ? "bad duration '%s' "
			    "(seconds > 0)" : c == O_HELLO_TIMEOUT ?
			    "bad --hello-timeout '%s' (seconds > 0)" :
			    "bad --link-timeout '%s' (seconds > 0)", val);
		if (c == O_DURATION)
			o->duration = d;
		else if (c == O_HELLO_TIMEOUT)
			o->hello_timeout = d;
		else
			o->link_timeout = d;
		break;
	}
	case O_START: o->start = true; break;
	case O_DOUBLE: o->dbl = true; break;
	case O_ALLOW_ALARMS: o->allow_alarms = true; break;
	case O_MODE:
		o->mode = pb_script_mode_parse(val);
		if (!o->mode)
			return bad("unknown mode '%s' (stimulation, expression "
			    "or mixed)", val);
		break;
	case O_LEVEL: {
		long l = strtol(val, &end, 10);
		if (end == val || *end || l < 1 || l > PB_SCRIPT_MAX_LEVEL)
			return bad("bad level '%s' (1 to 15)", val);
		o->level = (int)l;
		break;
	}
	case O_SCRIPT: o->script = val; break;
	case O_SUMMARY:
		if (!strcmp(val, "json"))
			o->summary_json = true;
		else if (strcmp(val, "text"))
			return bad("--summary: '%s' is not text or json", val);
		break;
	}
	return -1;
}

/* One option; returns -1 to go on, or an exit status. */
static int parse_one(int c, int argc, char **argv, struct opts *o,
    int *modes, bool *flow_given)
{
	const char *val = optarg;
	char *end;
	switch (c) {
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
		pb_cli_version(stdout, "pumpbench", PB_PROTO_VERSION);
		return 0;
	case 'q':
		o->quiet = true;
		break;
	case PB_CLI_OPT_COLOR:
		if (pb_cli_color_parse(val, &o->color) < 0)
			return bad("--color: '%s' is not auto, always or never",
			    val);
		break;
	case O_SIM:
		/* --sim PROFILE as well as --sim=PROFILE ("+" in the option
		 * string: getopt_long does not permute, so this is safe) */
		if (!val && optind < argc && argv[optind][0] != '-')
			val = argv[optind++];
		o->s.sim_profile = val && *val ? val : "s10pro";
		(*modes)++;
		break;
	case O_PORT:
		o->s.port = val;
		(*modes)++;
		break;
	case O_BAUD: {
		long b = strtol(val, &end, 10);
		if (end == val || *end || b <= 0 || b > 20000000)
			return bad("bad baud rate '%s'", val);
		o->s.baud = (int)b;
		break;
	}
	case O_FLOW:
		if (!strcmp(val, "none"))
			o->s.flow = PB_FLOW_NONE;
		else if (!strcmp(val, "rtscts"))
			o->s.flow = PB_FLOW_RTSCTS;
		else if (!strcmp(val, "xonxoff"))
			return bad("%s", "--flow xonxoff cannot carry the "
			    "protocol (its frames contain 0x11/0x13); use "
			    "rtscts or none");
		else
			return bad("bad flow control '%s' (none or rtscts)", val);
		*flow_given = true;
		break;
	case O_LIST_PORTS: o->list_ports = true; break;
	case O_RECORD: o->s.record = val; break;
	case O_REPLAY:
		o->s.replay = val;
		(*modes)++;
		break;
	case O_TEXT:
		o->s.text = val;
		(*modes)++;
		break;
	case O_TEXT_UNIT:
		if (pb_unit_parse(val, &o->s.text_unit) < 0)
			return bad("unknown unit '%s' (mmhg, kpa, cmh2o)", val);
		o->text_opt = true;
		break;
	case O_TEXT_TIME:
		o->s.text_time = true;
		o->text_opt = true;
		break;
	case O_HEADLESS: o->headless = true; break;
	case O_DURATION: case O_HELLO_TIMEOUT: case O_LINK_TIMEOUT:
	case O_START: case O_DOUBLE: case O_ALLOW_ALARMS: case O_MODE:
	case O_LEVEL: case O_SCRIPT: case O_SUMMARY:
		return parse_headless(c, val, o);
	case O_UNITS:
		if (pb_unit_parse(val, &o->s.units) < 0)
			return bad("unknown unit '%s' (mmhg, kpa, cmh2o)", val);
		break;
	case O_ASCII: o->ascii = true; break;
	case O_MONO: o->mono = true; break;
	case O_PROFILE: o->s.profile = val; break;
	case O_PUMPSIM: o->s.pumpsim = val; break;
	case O_SIM_ARG:
		if (o->nsim_args >= MAX_SIM_ARGS)
			return bad("too many --sim-arg (at most %s)", "32");
		o->sim_args[o->nsim_args++] = val;
		break;
	case O_KEY: o->key = val; break;
	case O_STATION: {
		size_t l = strlen(val);
		if (l == 0 || l >= PB_STR_LEN)
			return bad("station name '%s': 1 to 15 characters", val);
		for (size_t k = 0; k < l; k++)
			if (val[k] <= ' ' || val[k] > '~')
				return bad("station name '%s': printable "
				    "characters, no spaces", val);
		o->station = val;
		break;
	}
	case O_CERT:
		if (!*val)
			return bad("%s", "--cert needs a PREFIX");
		o->cert = val;
		break;
	case O_DB: o->db = val; break;
	case O_STATION_CFG: o->station_cfg = val; break;
	case O_OPERATOR: {
		char op[80], why[200];
		if (pb_wf_operator(val, op, sizeof op, why, sizeof why) != 0)
			return bad("--operator: %s", why);
		o->operator_id = val;
		break;
	}
	default:
		return pb_cli_bad_option("pumpbench", c, argc, argv, longs);
	}
	return -1;
}

/* Returns -1 to go on, or an exit status. */
static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->s.units = PB_UNIT_MMHG;
	int modes = 0;
	bool flow_given = false;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+:" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		int rc = parse_one(c, argc, argv, o, &modes, &flow_given);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (o->list_ports)
		return -1;
	if (modes == 0)
		return bad("%s", "no pump: use --sim [PROFILE], --port PATH, "
		    "--replay FILE or --text PORT");
	if (modes > 1)
		return bad("%s", "use only one of --sim, --port, --replay and "
		    "--text");
	if (o->s.baud && !o->s.port && !o->s.text)
		return bad("%s", "--baud goes with --port or --text");
	if (flow_given && !o->s.port && !o->s.text)
		return bad("%s", "--flow goes with --port or --text");
	if (o->text_opt && !o->s.text)
		return bad("%s", "--text-unit and --text-time go with --text");
	if (o->duration > 0 && !o->headless)
		return bad("%s", "--duration goes with --headless");
	bool drives = o->start || o->dbl || o->mode || o->level || o->script ||
	    o->hello_timeout > 0 || o->link_timeout > 0 || o->allow_alarms;
	if (drives && !o->headless)
		return bad("%s", "--start, --mode, --level, --double, --script, "
		    "--hello-timeout, --link-timeout and --allow-alarms go with "
		    "--headless (the dashboard has its keys)");
	if (drives && o->s.replay)
		return bad("%s", "a replay has no pump to drive: --start, "
		    "--mode, --level, --double, --script and the timeouts go "
		    "with --sim or --port");
	if (drives && o->s.text)
		return bad("%s", "bring-up mode (--text) has no pump to drive: "
		    "--start, --mode, --level, --double, --script and the "
		    "timeouts go with --sim or --port");
	if (o->summary_json && !o->headless)
		return bad("%s", "--summary goes with --headless");
	if (o->summary_json && o->s.text)
		return bad("%s", "--summary json goes with --sim, --port or "
		    "--replay (bring-up mode prints its line)");
	if (o->headless && o->duration <= 0 && !o->script && !o->s.replay &&
	    !(o->s.text && !strcmp(o->s.text, "-")))
		return bad("%s", "--headless needs --duration S or --script "
		    "FILE");
	if (o->s.replay && o->s.record)
		return bad("%s", "--record cannot be used with --replay");
	if (o->nsim_args && !o->s.sim_profile)
		return bad("%s", "--sim-arg goes with --sim");
	if ((o->station || o->cert) && !o->key && !o->station_cfg)
		return bad("%s", "--station and --cert go with --key");
	if (o->mono)
		o->color = PB_CLI_COLOR_NEVER;
	o->s.sim_args = o->sim_args;
	o->s.nsim_args = o->nsim_args;
	return -1;
}

/* The dashboard draws on a terminal that can address the cursor; say so,
 * before any pump is touched, instead of drawing a blank screen.
 * Returns -1 when it can, else the exit status. */
static int check_terminal(const struct pb_cli_env *env, const struct opts *o)
{
	const char *hint = o->s.replay ? "--headless" :
	    "--headless --duration S";
	if (!env->tty_in || !env->tty_out) {
		fprintf(stderr, "pumpbench: the dashboard needs a terminal, but "
		    "%s; for scripts and CI use %s\n",
		    !env->tty_in && !env->tty_out ? "neither stdin nor stdout "
		    "is one" : !env->tty_in ? "stdin is not one" :
		    "stdout is not one", hint);
		return PB_CLI_EXIT_FAIL;
	}
	if (!env->term_can_draw) {
		char t[64];
		pb_text_escape_str(t, sizeof t, env->term);
		if (t[0])
			fprintf(stderr, "pumpbench: TERM=%s cannot draw the "
			    "dashboard (no cursor addressing); set TERM to your "
			    "terminal (e.g. xterm-256color) or use %s\n", t,
			    hint);
		else
			fprintf(stderr, "pumpbench: TERM is not set, so the "
			    "dashboard cannot be drawn; set TERM to your "
			    "terminal (e.g. xterm-256color) or use %s\n", hint);
		return PB_CLI_EXIT_FAIL;
	}
	return -1;
}

static int list_ports(void)
{
	struct pb_port_info ports[64];
	int n = pb_link_list_ports(ports, 64);
	if (n < 0) {
		fprintf(stderr, "pumpbench: cannot list ports: %s\n",
		    pb_link_strerror(n));
		return 1;
	}
	if (n == 0)
		printf("no serial ports found\n");
	for (int i = 0; i < n && i < 64; i++) {
		char line[768];
		pb_port_describe(&ports[i], line, sizeof line);
		printf("%s\n", line);
	}
	return 0;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * After a hangup, leave only once the terminal's session leader (the
 * shell) is gone.  When it exits, the kernel sends SIGHUP and then
 * SIGCONT to our process group.  A SIGCONT that lands while the process
 * is exiting discards the SIGSTOP with which LeakSanitizer's tracer stops
 * the process to look for leaks, and a sanitized build then spins for
 * ever (seen in CI: tests/e2e/tui_calibrate.sh left such processes).
 * A release build is not at risk, but the wait costs it nothing: it is
 * at most 2 s, and normally over before it starts.
 */
static bool session_leader_gone(void)
{
	pid_t sid = getsid(0);
	if (sid <= 0 || sid == getpid())
		return true;    /* we lead it: the kernel signalled us first */
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)sid);
	FILE *f = fopen(path, "r");
	if (!f)
		return kill(sid, 0) != 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');   /* "pid (comm) S ..." */
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

static void wait_hangup_over(void)
{
	if (!g_hangup)
		return;
	for (int i = 0; i < 200 && !session_leader_gone(); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* The steps of a headless run: the options' at time 0 (mode, level and
 * channels before the start, as a user sets a pump up), then the
 * script's.  Read before any pump is touched.  Returns -1 to go on, or
 * the exit status (2: the script cannot be read or has a bad line). */
static int load_script(const struct opts *o, struct pb_script *sc)
{
	pb_script_init(sc);
	if (o->mode)
		pb_script_add(sc, 0, PB_SOP_MODE, o->mode, NULL);
	if (o->level)
		pb_script_add(sc, 0, PB_SOP_LEVEL, o->level, NULL);
	if (o->dbl)
		pb_script_add(sc, 0, PB_SOP_DOUBLE, 0, NULL);
	if (o->start)
		pb_script_add(sc, 0, PB_SOP_START, 0, NULL);
	if (!o->script)
		return -1;
	char err[600], name[PATH_MAX];
	char *buf;
	size_t len;
	pb_text_escape_str(name, sizeof name, o->script);
	if (pb_file_read_all(o->script, PB_SCRIPT_MAX_BYTES, 0, &buf, &len,
	    err, sizeof err) != PB_FILE_OK) {
		fprintf(stderr, "pumpbench: %s:0: %s\n", name, err);
		return PB_CLI_EXIT_USAGE;
	}
	int r = pb_script_parse(sc, o->script, buf, len, err, sizeof err);
	free(buf);
	if (r < 0) {
		fprintf(stderr, "pumpbench: %s\n", err);
		return PB_CLI_EXIT_USAGE;
	}
	return -1;
}

/* A headless run: its steps read before any pump is touched, then the
 * session and the run (tui/headless-run.h).  Returns the exit status. */
static int headless(struct opts *o, struct pb_app *app)
{
	struct pb_script script;
	int rc = load_script(o, &script);
	if (rc < 0) {
		char err[512];
		struct pb_session *ses;
		int r = pb_session_open(&ses, &o->s, app, mono_us(), err,
		    sizeof err);
		if (r < 0) {
			fprintf(stderr, "pumpbench: %s\n", err);
			rc = r == PB_SES_E_ARG ? 2 : 1;
		} else {
			struct pb_headless_run_opts ho = {
				.duration = o->duration,
				.hello_timeout = o->hello_timeout,
				.link_timeout = o->link_timeout,
				.allow_alarms = o->allow_alarms,
				.summary_json = o->summary_json,
				.quiet = o->quiet,
				.text = o->s.text != NULL,
				.port = o->s.port, .replay = o->s.replay,
				.record = o->s.record,
				.stop = &g_stop,
			};
			rc = pb_headless_run(ses, app, &ho, &script);
			pb_session_close(ses, mono_us());
		}
	}
	pb_script_free(&script);
	return rc;
}

/* --text - with a screen: the lines come on stdin, so the keys and the
 * screen take the terminal (/dev/tty) as stdin; the data keeps its own
 * fd. */
static int text_stdin(struct opts *o)
{
	if (!o->s.text || strcmp(o->s.text, "-"))
		return 0;
	if (o->headless) {
		o->s.text_fd = 0;
		return 0;
	}
	int data = fcntl(0, F_DUPFD_CLOEXEC, 3);
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (data < 0 || tty < 0) {
		fprintf(stderr, "pumpbench: --text -: the dashboard needs the "
		    "terminal (/dev/tty) for its keys: %s (or use --headless)\n",
		    strerror(errno));
		if (data >= 0)
			close(data);
		if (tty >= 0)
			close(tty);
		return -1;
	}
	dup2(tty, 0);
	close(tty);
	o->s.text_fd = data;
	return 0;
}

/* The calibration screen's side of the session. */
static int cal_send(void *ctx, const struct pb_msg *m, uint64_t now_us)
{
	return pb_session_send(ctx, m, now_us);
}

static void cal_done(void *ctx, int status, const struct pb_response *resp,
    uint64_t now_us)
{
	pb_calscreen_cmd_done(ctx, status, resp, now_us);
}

static void cal_telemetry(void *ctx, const struct pb_telemetry *t,
    uint64_t now_us)
{
	pb_calscreen_on_telemetry(ctx, t, now_us);
}

#define SIGNAL_ABORT_US 15000000u   /* a signal during calibration: wait
                                       this long for the abort to finish */

/* A key while the calibration screen is open: true when it was handled
 * there (false: it goes to the dashboard's key table). */
static bool cal_key(struct pb_calscreen *cal, struct pb_session *ses,
    struct pb_app *app, struct pb_screen *scr, int k, uint64_t now)
{
	if (app->screen != PB_SCR_CALIBRATION || app->help_open ||
	    app->confirm_quit)
		return false;
	struct pb_calscreen_effect ce = pb_calscreen_key(cal, app,
	    pb_session_profile(ses), k, now);
	if (ce.close) {
		app->screen = PB_SCR_MAIN;
		pb_screen_invalidate(scr);
	}
	if (ce.stop_pump) {
		struct pb_app_effect e = { .cmd = PB_CMD_STOP };
		pb_session_apply(ses, &e, now);
	}
	return !ce.pass;
}

static int run_screen(struct pb_session *ses, struct pb_app *app,
    struct pb_screen *scr, struct pb_calscreen *cal)
{
	uint64_t next_frame = 0;
	bool want_draw = true;
	bool quit = false;
	uint64_t signal_deadline = 0;
	for (;;) {
		uint64_t now = mono_us();
		if (quit)
			break;
		if (g_stop) {
			/* a signal: abort a calibration first (vent, restore) */
			if (!pb_calscreen_running(cal))
				break;
			if (!signal_deadline) {
				pb_calscreen_abort(cal, "interrupted by a signal",
				    now);
				signal_deadline = now + SIGNAL_ABORT_US;
			} else if (now > signal_deadline) {
				break;
			}
		}
		struct pollfd fds[8];
		int n = pb_session_pollfds(ses, fds, 7);
		fds[n] = (struct pollfd){ .fd = pb_screen_fd(scr), .events = POLLIN };
		n++;
		uint64_t dl = pb_session_next_deadline(ses, now);
		uint64_t cdl = pb_calscreen_next_deadline(cal, now);
		if (cdl < dl)
			dl = cdl;
		if (want_draw) {
			uint64_t f = next_frame > now ? next_frame : now;
			if (f < dl)
				dl = f;
		}
		if (poll(fds, (nfds_t)n, pb_headless_run_poll_ms(dl, now)) < 0 &&
		    errno != EINTR)
			break;
		now = mono_us();
		pb_session_service(ses, now);
		int k;
		while ((k = pb_screen_key(scr)) != PB_KEY_NONE) {
			want_draw = true;
			if (cal_key(cal, ses, app, scr, k, now))
				continue;
			enum pb_screen_mode before = app->screen;
			struct pb_app_effect e = pb_app_key(app, k, now);
			if (before != PB_SCR_CALIBRATION &&
			    app->screen == PB_SCR_CALIBRATION)
				pb_calscreen_open(cal, now);
			if (e.redraw_all)
				pb_screen_invalidate(scr);
			pb_session_apply(ses, &e, now);
			want_draw = true;
			if (e.quit) {
				quit = true;
				break;
			}
		}
		if (fds[n - 1].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* the terminal is gone (no SIGHUP came): as a hangup */
			g_hangup = 1;
			g_stop = 1;
		} else if (fds[n - 1].revents) {
			want_draw = true;   /* resize, or keys */
		}
		pb_calscreen_service(cal, app, pb_session_profile(ses), now);
		if (pb_calscreen_quit_ready(cal))
			quit = true;
		if (pb_session_take_dirty(ses))
			want_draw = true;
		if (pb_calscreen_take_dirty(cal) &&
		    app->screen == PB_SCR_CALIBRATION)
			want_draw = true;
		if (want_draw && now >= next_frame && !quit) {
			pb_screen_draw(scr, app, ses, now);
			next_frame = now + PB_SCREEN_FRAME_US;
			want_draw = false;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.list_ports)
		return list_ports();
	/* glyphs follow the locale's character set; numbers in files stay
	 * in the C locale (LC_NUMERIC is never set) */
	setlocale(LC_CTYPE, "");
	/* --text - with a screen: the keys come from the terminal, so it is
	 * the terminal that is checked next, not the data on stdin */
	if (text_stdin(&o) < 0)
		return 1;
	struct pb_cli_env env;
	pb_cli_env_read(&env, o.color);
	/* before any pump is touched; a replay's own problems come first */
	if (!o.headless && !o.s.replay) {
		rc = check_terminal(&env, &o);
		if (rc >= 0)
			return rc;
	}

	install_signals();
	/* runs on every way out, before the sanitizers' own exit checks */
	atexit(wait_hangup_over);
	struct pb_app app;
	pb_app_init(&app, o.s.units);

	char err[512];
	/* the station's config: the key, its name, the gauge, the store */
	struct pb_stationcfg scfg;
	if (o.station_cfg) {
		if (pb_stationcfg_load(&scfg, o.station_cfg, err,
		    sizeof err) != 0) {
			fprintf(stderr, "pumpbench: %s\n", err);
			return 2;
		}
		if (!o.key && scfg.key_path[0])
			o.key = scfg.key_path;
		if (!o.station)
			o.station = scfg.name;
	}
	struct pb_tui_records *recs = pb_tui_records_new(o.db,
	    o.station_cfg ? &scfg : NULL, o.station, o.operator_id, &app,
	    o.headless);
	if (!recs) {
		fprintf(stderr, "pumpbench: out of memory\n");
		return 1;
	}
	o.s.recorded = pb_tui_records_session;
	o.s.recorded_ctx = recs;
	/* the station key: a one-line error now, the full story on the
	 * calibration screen; an unusable key is not handed to the emulator
	 * (which would refuse to start) */
	if (o.key) {
		if (pb_calscreen_check_key(o.key, err, sizeof err) < 0)
			fprintf(stderr, "pumpbench: %s: calibration will not "
			    "start\n", err);
		else if (o.s.sim_profile)
			o.s.factory_key = o.key;
	}
	if (o.headless) {
		rc = headless(&o, &app);
		pb_tui_records_free(recs);
		return rc;
	}
	uint64_t t0 = mono_us();
	struct pb_session *ses;
	int r = pb_session_open(&ses, &o.s, &app, t0, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "pumpbench: %s\n", err);
		pb_tui_records_free(recs);
		return r == PB_SES_E_ARG ? 2 : 1;
	}
	/* a replay: its problems on stderr before the screen opens (the
	 * terminal shows them again when the dashboard leaves); nothing to
	 * show is a failure */
	if (pb_session_is_replay(ses)) {
		pb_headless_run_warnings(ses);
		if (pb_session_counts(ses)->samples == 0) {
			char name[PATH_MAX];
			pb_text_escape_str(name, sizeof name, o.s.replay);
			fprintf(stderr, "pumpbench: %s: no usable sample (%llu "
			    "bad lines skipped)\n", name, (unsigned long long)
			    pb_session_counts(ses)->skipped_lines);
			pb_session_close(ses, mono_us());
			pb_tui_records_free(recs);
			return 1;
		}
		rc = check_terminal(&env, &o);
		if (rc >= 0) {
			pb_session_close(ses, mono_us());
			pb_tui_records_free(recs);
			return rc;
		}
	}

	struct pb_screen_opts so = { .ascii = o.ascii || !env.utf8,
	    .mono = !env.color_out };
	struct pb_screen *scr = pb_screen_open(&so, err, sizeof err);
	if (!scr) {
		pb_session_close(ses, mono_us());
		pb_tui_records_free(recs);
		fprintf(stderr, "pumpbench: %s\n", err);
		return 1;
	}
	struct pb_calscreen_opts co = {
		.key_path = o.key, .station = o.station, .cert_prefix = o.cert,
		.operator_id = o.operator_id,
		.station_cfg = o.station_cfg ? &scfg : NULL,
	};
	struct pb_calscreen_io cio = { .ctx = ses, .send = cal_send,
		.store = pb_tui_records_store, .store_ctx = recs };
	struct pb_calscreen *cal = pb_calscreen_new(&co, &cio);
	if (!cal) {
		pb_screen_close(scr);
		pb_session_close(ses, mono_us());
		pb_tui_records_free(recs);
		fprintf(stderr, "pumpbench: out of memory\n");
		return 1;
	}
	struct pb_session_listener lis = { .ctx = cal, .done = cal_done,
	    .telemetry = cal_telemetry };
	pb_session_set_listener(ses, &lis);
	pb_screen_set_calscreen(scr, cal);
	if (o.key && pb_calscreen_check_key(o.key, err, sizeof err) < 0)
		pb_app_say(&app, mono_us(), "station key: %.70s", err);
	run_screen(ses, &app, scr, cal);
	if (g_stop && pb_app_running(&app) && !app.replay) {
		/* killed or interrupted while pumping: stop the pump first */
		struct pb_app_effect e = { .cmd = PB_CMD_STOP, .quit = true };
		pb_session_apply(ses, &e, mono_us());
	}
	pb_screen_close(scr);
	pb_session_set_listener(ses, NULL);
	pb_session_close(ses, mono_us());
	pb_tui_records_free(recs);
	pb_calscreen_free(cal);
	return 0;
}
