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
 *
 * Exit status: 0 ok, 1 runtime failure (port, emulator, file; headless:
 * no HELLO answer, no telemetry, a recording that failed; a replay with
 * no usable sample), 2 usage.
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
#include "base/text.h"
#include "proto/link.h"
#include "proto/msg.h"
#include "pump/units.h"
#include "tui/app.h"
#include "store/stationcfg.h"
#include "store/workflow.h"
#include "tui/calscreen.h"
#include "tui/records.h"
#include "tui/screen.h"
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
"                 [--profile P] [--headless --duration S]\n"
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
"  --headless        no screen: run --duration S seconds (--text -: or\n"
"                    to the end of the input), print a summary\n"
"  --duration S      seconds to run headless\n"
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
"     terminal for the dashboard; headless: no answer to HELLO, no\n"
"     telemetry, a recording that failed; a replay with no usable sample;\n"
"     bring-up mode: not one line with a value\n"
"  2  usage: a bad option (one line on stderr)\n", f);
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
	O_OPERATOR, O_TEXT, O_TEXT_UNIT, O_TEXT_TIME
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
	PB_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

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
	case O_DURATION: {
		double d = strtod(val, &end);
		if (end == val || *end || !(d > 0) || d > 1e7)
			return bad("bad duration '%s' (seconds > 0)", val);
		o->duration = d;
		break;
	}
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
	if (o->headless && o->duration <= 0 && !o->s.replay &&
	    !(o->s.text && !strcmp(o->s.text, "-")))
		return bad("%s", "--headless needs --duration S");
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

static int poll_timeout_ms(uint64_t deadline, uint64_t now)
{
	if (deadline <= now)
		return 0;
	uint64_t ms = (deadline - now + 999) / 1000;
	return ms > 1000 ? 1000 : (int)ms;
}

#define HELLO_TIMEOUT_US 5000000u   /* headless: no HELLO answer by then */

/* Print the session's warnings (bad lines of a replay, an unknown
 * profile) to stderr, at most PB_SES_MAX_WARNINGS and the rest counted. */
static void print_warnings(const struct pb_session *ses)
{
	size_t n = pb_session_warnings(ses);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "pumpbench: %s\n", pb_session_warning(ses, i));
	unsigned long long more = pb_session_counts(ses)->warnings_more;
	if (more)
		fprintf(stderr, "pumpbench: ... and %llu more warnings\n", more);
}

/* One turn of a headless loop: wait for the session's fds until its next
 * deadline (at most cap), then service it.  < 0 when poll failed. */
static int headless_step(struct pb_session *ses, uint64_t now, uint64_t cap)
{
	struct pollfd fds[8];
	int n = pb_session_pollfds(ses, fds, 8);
	uint64_t dl = pb_session_next_deadline(ses, now);
	if (dl > cap)
		dl = cap;
	if (poll(fds, (nfds_t)n, poll_timeout_ms(dl, now)) < 0 &&
	    errno != EINTR)
		return -1;
	pb_session_service(ses, mono_us());
	pb_session_take_dirty(ses);
	return 0;
}

/* 1, with the reason on stderr, when the recording failed; else rc. */
static int record_verdict(const struct pb_session *ses, int rc)
{
	const char *rerr = pb_session_record_error(ses);
	if (rerr) {
		fprintf(stderr, "pumpbench: recording failed: %s\n", rerr);
		return 1;
	}
	return rc;
}

/* The closing line of a headless run (a replay's too). */
static void print_summary_line(const struct pb_session *ses,
    const struct opts *o)
{
	const struct pb_session_counts *c = pb_session_counts(ses);
	const struct pb_client_stats *st = pb_session_client_stats(ses);
	unsigned long long samples = c->samples, lost = c->lost;
	printf("pumpbench: samples=%llu lost=%llu frames=%llu crc_errors=%llu "
	    "telemetry_samples=%llu telemetry_lost=%llu",
	    samples, lost, st ? (unsigned long long)st->rx.frames_ok : 0,
	    st ? (unsigned long long)st->rx.crc_errors : 0,
	    st ? (unsigned long long)st->samples_rx : 0,
	    st ? (unsigned long long)st->samples_lost : 0);
	if (pb_session_is_replay(ses))
		printf(" skipped=%llu discontinuities=%llu",
		    (unsigned long long)c->skipped_lines,
		    (unsigned long long)c->discontinuities);
	const struct pb_device_stats *ds = pb_session_device_stats(ses);
	if (ds)     /* what the device made of our frames (protocol.md 5.15) */
		printf(" device_rx_errors=%llu device_refused=%llu "
		    "device_frames_lost=%lu device_host_lost=%lu",
		    (unsigned long long)pb_device_stats_dropped(ds),
		    (unsigned long long)pb_device_stats_refused(ds),
		    (unsigned long)ds->frames_lost,
		    (unsigned long)ds->host_lost);
	if (o->s.record)
		printf(" record=%s", o->s.record);
	printf("\n");
	fflush(stdout);
}

/* Runs until --duration is over, or a signal, or no HELLO answer within
 * HELLO_TIMEOUT_US (then there is nothing to wait for).  Returns the
 * exit status, with the reason on stderr when it is not 0: the summary
 * line never stands alone for a run that did not work. */
static int run_headless(struct pb_session *ses, const struct opts *o,
    uint64_t t0)
{
	uint64_t end = t0 + (uint64_t)(o->duration * 1e6);
	/* from now: starting the emulator (--sim) is not the pump's time */
	uint64_t hello_by = mono_us() + HELLO_TIMEOUT_US;
	while (!g_stop && !pb_session_is_replay(ses)) {
		uint64_t now = mono_us();
		if (now >= end)
			break;
		if (now >= hello_by && !pb_session_identified(ses))
			break;
		uint64_t cap = end;
		if (!pb_session_identified(ses) && cap > hello_by)
			cap = hello_by;
		if (headless_step(ses, now, cap) < 0)
			break;
	}
	/* close the recording now: its outcome is part of the verdict */
	if (!pb_session_is_replay(ses))
		pb_session_record(ses, NULL, false, mono_us());
	const struct pb_session_counts *c = pb_session_counts(ses);
	const struct pb_client_stats *st = pb_session_client_stats(ses);
	unsigned long long samples = c->samples;
	if (!o->quiet)
		print_summary_line(ses, o);
	print_warnings(ses);
	int rc = 0;
	const char *port = o->s.port ? o->s.port : "the emulator";
	if (pb_session_is_replay(ses)) {
		if (samples == 0) {
			char name[PATH_MAX];
			pb_text_escape_str(name, sizeof name, o->s.replay);
			fprintf(stderr, "pumpbench: %s: no usable sample "
			    "(%llu bad lines skipped)\n", name,
			    (unsigned long long)c->skipped_lines);
			rc = 1;
		}
	} else if (g_stop) {
		fprintf(stderr, "pumpbench: interrupted\n");
		rc = 1;
	} else if (!pb_session_identified(ses)) {
		fprintf(stderr, "pumpbench: no answer to HELLO from %s within "
		    "%.0f s (%llu valid frames): is a pump on this port, at "
		    "this baud rate?\n", port, (o->duration < 5 ? o->duration :
		    HELLO_TIMEOUT_US / 1e6),
		    st ? (unsigned long long)st->rx.frames_ok : 0);
		rc = 1;
	} else if (samples == 0) {
		fprintf(stderr, "pumpbench: %s answered HELLO but sent no "
		    "telemetry in %g s\n", port, o->duration);
		rc = 1;
	}
	return record_verdict(ses, rc);
}

/* The closing line of a bring-up (--text) headless run. */
static void print_text_summary_line(const struct pb_session *ses,
    const struct pb_session_text *tx, const struct opts *o)
{
	const struct pb_session_counts *c = pb_session_counts(ses);
	printf("pumpbench: text lines=%llu values=%llu malformed=%llu "
	    "too_long=%llu extra=%llu clipped=%llu samples=%llu gaps=%llu",
	    (unsigned long long)tx->lines->lines,
	    (unsigned long long)tx->feed->lines,
	    (unsigned long long)tx->lines->bad,
	    (unsigned long long)tx->lines->overlong,
	    (unsigned long long)tx->feed->extra,
	    (unsigned long long)tx->feed->clipped,
	    (unsigned long long)c->samples, (unsigned long long)c->lost);
	for (int ch = 0; ch < PB_TEXTFEED_CH; ch++)
		if (tx->name[ch][0])
			printf(" ch%d=%s", ch + 1, tx->name[ch]);
	if (o->s.record)
		printf(" record=%s", o->s.record);
	printf("\n");
	fflush(stdout);
}

/* Bring-up text mode without a screen: read until --duration is over,
 * the input ends (--text -) or a signal; then the summary.  Fails (1)
 * when not one line had a value, or the recording failed. */
static int run_text_headless(struct pb_session *ses, const struct opts *o,
    uint64_t t0)
{
	uint64_t end = o->duration > 0 ? t0 + (uint64_t)(o->duration * 1e6) :
	    UINT64_MAX;
	struct pb_session_text tx;
	while (!g_stop && pb_session_text(ses, &tx) && !tx.ended) {
		uint64_t now = mono_us();
		if (now >= end)
			break;
		if (headless_step(ses, now, end) < 0)
			break;
	}
	pb_session_text_flush(ses, mono_us());
	pb_session_record(ses, NULL, false, mono_us());
	pb_session_text(ses, &tx);
	if (!o->quiet)
		print_text_summary_line(ses, &tx, o);
	print_warnings(ses);
	int rc = 0;
	if (g_stop) {
		fprintf(stderr, "pumpbench: interrupted\n");
		rc = 1;
	} else if (tx.feed->lines == 0) {
		fprintf(stderr, "pumpbench: no line with a value in %llu lines "
		    "(%llu malformed)\n", (unsigned long long)tx.lines->lines,
		    (unsigned long long)tx.lines->bad);
		rc = 1;
	}
	return record_verdict(ses, rc);
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
		if (poll(fds, (nfds_t)n, poll_timeout_ms(dl, now)) < 0 &&
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
	uint64_t t0 = mono_us();
	struct pb_session *ses;
	int r = pb_session_open(&ses, &o.s, &app, t0, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "pumpbench: %s\n", err);
		pb_tui_records_free(recs);
		return r == PB_SES_E_ARG ? 2 : 1;
	}

	if (o.headless) {
		rc = o.s.text ? run_text_headless(ses, &o, t0) :
		    run_headless(ses, &o, t0);
		pb_session_close(ses, mono_us());
		pb_tui_records_free(recs);
		return rc;
	}
	/* a replay: its problems on stderr before the screen opens (the
	 * terminal shows them again when the dashboard leaves); nothing to
	 * show is a failure */
	if (pb_session_is_replay(ses)) {
		print_warnings(ses);
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
