/*
 * tools/pumpsim/main.c - bin/pumpsim: the emulator core served on a new
 * pseudo-terminal (or stdin/stdout), in real or scaled time.
 *
 * This file is the edge: options, the pty, the control socket, signals,
 * and the only clock reads (CLOCK_MONOTONIC).  Everything the pump does
 * is in the emulator library (emulator.h).  See docs/pumpsim.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/cli.h"
#include "pump/profile.h"
#include "proto/msg.h"
#include "tools/pumpsim/control.h"
#include "tools/pumpsim/defect.h"
#include "tools/pumpsim/emulator.h"

#define MAX_FAULTS     16
#define MAX_CTL        4         /* control socket clients */
#define OUT_CAP        65536     /* bytes waiting for the pty */
#define POLL_MS        5         /* wake-up period while idle */
#define MAX_CHUNK_US   1000000u  /* most virtual time per loop pass */
#define STALE_CHECK_US 100000u   /* how often to look at the pty queue */
#define STALE_US       1000000u  /* queue full this long: nobody reads */

static volatile sig_atomic_t g_stop;   /* set by the signal handler */

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

struct fault_spec {
	int fault, channel;
	int32_t value;
};

struct opts {
	const char *profile, *link, *eeprom, *serial, *factory_key, *control;
	bool stdio, inject, ideal, quiet;
	enum pb_cli_color color;
	uint64_t seed;
	double speed;
	unsigned defects;
	struct fault_spec faults[MAX_FAULTS];
	int nfaults;
};

struct ctl_client {
	int  fd;
	char buf[PB_CONTROL_LINE_MAX + 2];
	size_t n;
	bool discard;     /* line too long: drop until newline */
};

struct server {
	struct opts o;
	struct pb_emu *emu;
	int  rfd, wfd;            /* protocol in/out */
	int  slave_keep;          /* our own slave fd (pty mode) */
	char pty_path[256];
	int  ctl_fd;
	struct ctl_client ctl[MAX_CTL];
	uint8_t out[OUT_CAP];
	size_t out_len;
	uint64_t start_mono_us;
	uint64_t emu_done_us;     /* emulator advanced up to here */
	uint64_t out_dropped;     /* bytes the pty would not take */
	uint64_t next_stale_check_us, stale_since_us;
	unsigned stale_flushes;
};

static const char *prog = "pumpsim";

static void usage(FILE *f)
{
	fprintf(f,
"usage: pumpsim --profile ID|FILE [options]\n"
"Serve an emulated breast pump on a new pseudo-terminal (path on the\n"
"first line of stdout) or on stdin/stdout.\n"
"\n"
"  --profile ID|FILE     pump profile: an id (pumps/ID.ini in the data\n"
"                        directories, docs/pumpsim.md) or a file; required\n"
"  --link PATH           keep a symlink PATH -> the pty (removed at exit)\n"
"  --stdio               serve the protocol on stdin/stdout instead\n"
"  --seed N              random seed (default 1)\n"
"  --speed N             time scale factor (default 1 = real time)\n"
"  --eeprom FILE         persistent EEPROM image (created if missing)\n"
"  --serial SN           serial number for a fresh EEPROM\n"
"  --defect NAME[,NAME]  disable one safety behaviour (repeatable)\n"
"  --fault NAME=VALUE[@CH]  inject a fault at start (repeatable)\n"
"  --inject              accept INJECT protocol commands\n"
"  --factory-key FILE    station key for factory unlock (mode 600)\n"
"  --ideal-sensor        no unit sensor errors (noise and lag stay)\n"
"  --control PATH        unix socket for run-time text commands\n"
PB_CLI_HELP_COMMON
"\n"
"Exit status:\n"
"  0  stopped by a signal (SIGINT, SIGTERM, SIGHUP) or stdin closed\n"
"  1  failure: the profile, the EEPROM, the key, the pty, the link or\n"
"     the control socket could not be used\n"
"  2  usage: a bad option (one line on stderr), or a --fault the model\n"
"     refuses\n"
"\n"
"Defects: ");
	for (unsigned i = 0; i < 32; i++) {
		const char *n = pb_defect_name(1u << i);
		if (n && strcmp(n, "?") != 0)
			fprintf(f, "%s%s", i ? " " : "", n);
	}
	fprintf(f, "\nFaults: ");
	for (int i = 0; i <= PB_FLT_BACKFLOW; i++)
		fprintf(f, "%s%s", i ? " " : "", pb_fault_name(i));
	fprintf(f, "\nControl commands: fault NAME VALUE [CH] | fault clear | "
	    "power on|off |\n  inject CH on VOLTS | inject CH off | status | "
	    "help\n");
}

/* stderr is painted (--color, NO_COLOR, TERM): decided once in main */
static bool g_paint;

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return pb_cli_usage_error(prog, "%s", msg);
}

/* A failure or a warning on stderr: "pumpsim: [warning: ]message". */
static void say(enum pb_cli_tone tone, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(enum pb_cli_tone tone, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: %s%s", prog, pb_cli_paint(g_paint, tone),
	    tone == PB_CLI_TONE_WARN ? "warning: " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", pb_cli_paint(g_paint, PB_CLI_TONE_END));
}

static void info(const struct server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void info(const struct server *s, const char *fmt, ...)
{
	if (s->o.quiet)
		return;
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- options ------------------------------------------------------------ */

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_PROFILE = 256, O_LINK, O_STDIO, O_SEED, O_SPEED, O_EEPROM,
	    O_SERIAL, O_DEFECT, O_FAULT, O_INJECT, O_KEY, O_IDEAL, O_CONTROL };
	static const struct option lo[] = {
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "link", required_argument, NULL, O_LINK },
		{ "stdio", no_argument, NULL, O_STDIO },
		{ "seed", required_argument, NULL, O_SEED },
		{ "speed", required_argument, NULL, O_SPEED },
		{ "eeprom", required_argument, NULL, O_EEPROM },
		{ "serial", required_argument, NULL, O_SERIAL },
		{ "defect", required_argument, NULL, O_DEFECT },
		{ "fault", required_argument, NULL, O_FAULT },
		{ "inject", no_argument, NULL, O_INJECT },
		{ "factory-key", required_argument, NULL, O_KEY },
		{ "ideal-sensor", no_argument, NULL, O_IDEAL },
		{ "control", required_argument, NULL, O_CONTROL },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->speed = 1.0;
	opterr = 0;
	for (;;) {
		int idx = 0;
		int c = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, lo,
		    &idx);
		if (c == -1)
			break;
		char *end;
		switch (c) {
		case O_PROFILE: o->profile = optarg; break;
		case O_LINK: o->link = optarg; break;
		case O_STDIO: o->stdio = true; break;
		case O_SEED:
			errno = 0;
			o->seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return bad_usage("--seed: \"%s\" is not a "
				    "non-negative integer", optarg);
			break;
		case O_SPEED:
			errno = 0;
			o->speed = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !isfinite(o->speed) || o->speed <= 0 ||
			    o->speed > 10000)
				return bad_usage("--speed: \"%s\" is not a "
				    "number in (0, 10000]", optarg);
			break;
		case O_EEPROM: o->eeprom = optarg; break;
		case O_SERIAL: o->serial = optarg; break;
		case O_DEFECT: {
			size_t bad = 0;
			if (pb_defect_parse_list(optarg, &o->defects, &bad) != 0)
				return bad_usage("--defect: unknown defect "
				    "\"%s\" (see --help)", optarg + bad);
			break;
		}
		case O_FAULT: {
			char err[160];
			struct fault_spec *f;
			if (o->nfaults == MAX_FAULTS)
				return bad_usage("--fault: at most %d",
				    MAX_FAULTS);
			f = &o->faults[o->nfaults];
			if (pb_control_parse_fault_spec(optarg, &f->fault,
			    &f->value, &f->channel, err, sizeof err) != 0)
				return bad_usage("--fault: %s", err);
			o->nfaults++;
			break;
		}
		case O_INJECT: o->inject = true; break;
		case O_KEY: o->factory_key = optarg; break;
		case O_IDEAL: o->ideal = true; break;
		case O_CONTROL: o->control = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); return 1;
		case 'V':
			pb_cli_version(stdout, prog, PB_PROTO_VERSION);
			return 1;
		case PB_CLI_OPT_COLOR:
			if (pb_cli_color_parse(optarg, &o->color) < 0)
				return bad_usage("--color: '%s' is not auto, "
				    "always or never", optarg);
			break;
		default:
			return pb_cli_bad_option(prog, c, argc, argv, lo);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument \"%s\"", argv[optind]);
	if (!o->profile)
		return bad_usage("--profile is required (e.g. --profile "
		    "s10pro)");
	if (o->stdio && o->link)
		return bad_usage("--link makes no sense with --stdio");
	return 0;
}

/* ---- pty and link --------------------------------------------------------- */

static int open_pty(struct server *s, char *err, size_t errlen)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
		snprintf(err, errlen, "cannot create a pseudo-terminal: %s",
		    strerror(errno));
		if (m >= 0)
			close(m);
		return -1;
	}
	const char *name = ptsname(m);
	if (!name) {
		snprintf(err, errlen, "ptsname: %s", strerror(errno));
		close(m);
		return -1;
	}
	snprintf(s->pty_path, sizeof s->pty_path, "%s", name);
	/* Keep a slave fd open ourselves: with no client attached the master
	 * then never reports EIO/HUP, and the raw settings stay. */
	int sl = open(s->pty_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sl < 0) {
		snprintf(err, errlen, "%.200s: %s", s->pty_path, strerror(errno));
		close(m);
		return -1;
	}
	struct termios t;
	if (tcgetattr(sl, &t) == 0) {
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(sl, TCSANOW, &t);
	}
	set_nonblock(m);
	s->rfd = s->wfd = m;
	s->slave_keep = sl;
	return 0;
}

static int make_link(struct server *s, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(s->o.link, &st) == 0 && !S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "--link %s: exists and is not a symlink; "
		    "not replacing it", s->o.link);
		return -1;
	}
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", s->o.link, (long)getpid());
	unlink(tmp);
	if (symlink(s->pty_path, tmp) != 0 || rename(tmp, s->o.link) != 0) {
		snprintf(err, errlen, "--link %s: %s", s->o.link,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void remove_link(struct server *s)
{
	char target[PATH_MAX];
	if (!s->o.link)
		return;
	ssize_t n = readlink(s->o.link, target, sizeof target - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	/* only our own link: a newer pumpsim may have taken the name */
	if (strcmp(target, s->pty_path) == 0)
		unlink(s->o.link);
}

/* ---- control socket ------------------------------------------------------- */

static int open_control(struct server *s, char *err, size_t errlen)
{
	struct sockaddr_un a;
	struct stat st;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(s->o.control) >= sizeof a.sun_path) {
		snprintf(err, errlen, "--control %s: path too long (max %zu)",
		    s->o.control, sizeof a.sun_path - 1);
		return -1;
	}
	if (lstat(s->o.control, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--control %s: exists and is not "
			    "a socket; not replacing it", s->o.control);
			return -1;
		}
	}
	memcpy(a.sun_path, s->o.control, strlen(s->o.control) + 1);
	if (lstat(s->o.control, &st) == 0) {
		/* a live server answers a connect; a dead one's socket may go */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&a,
		    sizeof a) == 0) {
			close(probe);
			snprintf(err, errlen, "--control %s: in use by another "
			    "process", s->o.control);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(s->o.control);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	mode_t old = umask(077);
	int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (rc != 0 || listen(fd, 4) != 0) {
		snprintf(err, errlen, "--control %s: %s", s->o.control,
		    strerror(errno));
		close(fd);
		return -1;
	}
	s->ctl_fd = fd;
	return 0;
}

static void ctl_close(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->n = 0;
	c->discard = false;
}

static void ctl_reply(struct ctl_client *c, const char *text)
{
	char line[1024];
	int n = snprintf(line, sizeof line, "%s\n", text);
	if (n <= 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	/* replies are short; a client that does not read loses them */
	ssize_t w = send(c->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		ctl_close(c);
}

static void ctl_accept(struct server *s)
{
	int fd = accept4(s->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CTL; i++) {
		if (s->ctl[i].fd < 0) {
			s->ctl[i].fd = fd;
			s->ctl[i].n = 0;
			s->ctl[i].discard = false;
			return;
		}
	}
	const char *busy = "error: too many control clients\n";
	ssize_t w = send(fd, busy, strlen(busy), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
	close(fd);
}

static void ctl_read(struct server *s, struct ctl_client *c)
{
	char buf[512];
	ssize_t r = recv(c->fd, buf, sizeof buf, 0);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		ctl_close(c);
		return;
	}
	for (ssize_t i = 0; i < r && c->fd >= 0; i++) {
		if (buf[i] == '\n') {
			if (c->discard) {
				ctl_reply(c, "error: line too long");
			} else {
				char reply[768];
				pb_control_line(s->emu, c->buf, c->n, reply,
				    sizeof reply);
				ctl_reply(c, reply);
			}
			c->n = 0;
			c->discard = false;
			continue;
		}
		if (c->n >= PB_CONTROL_LINE_MAX) {
			c->discard = true;
			continue;
		}
		c->buf[c->n++] = buf[i];
	}
}

/* ---- the loop ---------------------------------------------------------------- */

static uint64_t emu_now(const struct server *s)
{
	double t = (double)(mono_us() - s->start_mono_us) * s->o.speed;
	return (uint64_t)t;
}

static void advance(struct server *s)
{
	uint64_t target = emu_now(s);
	/* never starve I/O: at most MAX_CHUNK_US of model time per call */
	if (target > s->emu_done_us + MAX_CHUNK_US)
		target = s->emu_done_us + MAX_CHUNK_US;
	if (target > s->emu_done_us) {
		pb_emu_advance(s->emu, target);
		s->emu_done_us = target;
	}
}

/* Move protocol bytes from the emulator to the output buffer and on to
 * the fd. Returns -1 when the output is gone for good. */
static int pump_out(struct server *s)
{
	for (;;) {
		if (s->out_len < OUT_CAP) {
			size_t n = pb_emu_tx(s->emu, s->out + s->out_len,
			    OUT_CAP - s->out_len);
			s->out_len += n;
		}
		if (s->out_len == 0)
			return 0;
		ssize_t w = write(s->wfd, s->out, s->out_len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EIO && !s->o.stdio) {
				/* pty with nobody listening: drop */
				s->out_dropped += s->out_len;
				s->out_len = 0;
				return 0;
			}
			return -1;
		}
		memmove(s->out, s->out + w, s->out_len - (size_t)w);
		s->out_len -= (size_t)w;
		if (w == 0)
			break;
	}
	if (s->out_len == OUT_CAP && !s->o.stdio) {
		/* a pty no one reads: keep the stream moving, drop stale */
		s->out_dropped += s->out_len;
		s->out_len = 0;
	}
	return 0;
}

/* Returns 1 on EOF of stdin, -1 on error, 0 otherwise. */
static int pump_in(struct server *s)
{
	uint8_t buf[4096];
	for (int i = 0; i < 16; i++) {
		ssize_t r = read(s->rfd, buf, sizeof buf);
		if (r > 0) {
			advance(s);
			pb_emu_rx(s->emu, buf, (size_t)r);
			continue;
		}
		if (r == 0)
			return s->o.stdio ? 1 : 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EIO)
			return 0;
		return -1;
	}
	return 0;
}

/* With no host attached the pty's queue fills and stays full; the next
 * host would first read seconds of old frames.  A queue full for
 * STALE_US (a live host drains it within milliseconds) is flushed, as a
 * UART with nobody listening loses its bytes. */
static void drop_stale(struct server *s)
{
	uint64_t now = mono_us();
	if (s->o.stdio || s->slave_keep < 0 || now < s->next_stale_check_us)
		return;
	s->next_stale_check_us = now + STALE_CHECK_US;
	int q = 0;
	if (ioctl(s->slave_keep, FIONREAD, &q) != 0 || q < 4095) {
		s->stale_since_us = 0;
		return;
	}
	if (s->stale_since_us == 0) {
		s->stale_since_us = now;
		return;
	}
	if (now - s->stale_since_us < STALE_US)
		return;
	tcflush(s->slave_keep, TCIFLUSH);
	s->out_dropped += s->out_len + (uint64_t)q;   /* q: at least */
	s->out_len = 0;
	s->stale_since_us = 0;
	s->stale_flushes++;
}

static int serve(struct server *s)
{
	struct pollfd pf[3 + MAX_CTL];
	while (!g_stop) {
		advance(s);
		drop_stale(s);
		if (pump_out(s) < 0) {
			if (!s->o.stdio)
				say(PB_CLI_TONE_BAD, "%s: write: %s",
				    s->pty_path, strerror(errno));
			return s->o.stdio ? 0 : 1;
		}
		int n = 0;
		pf[n].fd = s->rfd;
		pf[n].events = POLLIN;
		pf[n].revents = 0;
		int in_i = n++;
		/* pending output: wake up when the fd takes more (the write
		 * itself happens at the top of the loop) */
		if (s->out_len > 0) {
			if (s->wfd == s->rfd) {
				pf[in_i].events |= POLLOUT;
			} else {
				pf[n].fd = s->wfd;
				pf[n].events = POLLOUT;
				pf[n].revents = 0;
				n++;
			}
		}
		int ctl_i = -1;
		if (s->ctl_fd >= 0) {
			pf[n].fd = s->ctl_fd;
			pf[n].events = POLLIN;
			pf[n].revents = 0;
			ctl_i = n++;
		}
		int cl_i[MAX_CTL];
		for (int i = 0; i < MAX_CTL; i++) {
			cl_i[i] = -1;
			if (s->ctl[i].fd < 0)
				continue;
			pf[n].fd = s->ctl[i].fd;
			pf[n].events = POLLIN;
			pf[n].revents = 0;
			cl_i[i] = n++;
		}
		int r = poll(pf, (nfds_t)n, POLL_MS);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			say(PB_CLI_TONE_BAD, "poll: %s", strerror(errno));
			return 1;
		}
		if (pf[in_i].revents & (POLLIN | POLLHUP | POLLERR)) {
			int rc = pump_in(s);
			if (rc == 1) {
				info(s, "stdin closed, exiting");
				return 0;
			}
			if (rc < 0) {
				say(PB_CLI_TONE_BAD, "read: %s",
				    strerror(errno));
				return 1;
			}
			if (s->o.stdio && (pf[in_i].revents & POLLHUP) &&
			    !(pf[in_i].revents & POLLIN)) {
				info(s, "stdin closed, exiting");
				return 0;
			}
		}
		if (ctl_i >= 0 && (pf[ctl_i].revents & POLLIN))
			ctl_accept(s);
		for (int i = 0; i < MAX_CTL; i++) {
			if (cl_i[i] >= 0 && s->ctl[i].fd >= 0 &&
			    (pf[cl_i[i]].revents & (POLLIN | POLLHUP | POLLERR))) {
				advance(s);
				ctl_read(s, &s->ctl[i]);
			}
		}
	}
	info(s, "signal received, exiting");
	return 0;
}

int main(int argc, char **argv)
{
	struct server s;
	char err[1024] = "";
	memset(&s, 0, sizeof s);
	s.rfd = s.wfd = s.slave_keep = s.ctl_fd = -1;
	for (int i = 0; i < MAX_CTL; i++)
		s.ctl[i].fd = -1;

	int rc = parse_opts(argc, argv, &s.o);
	if (rc == 1)
		return 0;            /* --help, --version */
	if (rc != 0)
		return rc;
	setlocale(LC_CTYPE, "");
	struct pb_cli_env env;
	pb_cli_env_read(&env, s.o.color);
	g_paint = env.color_err;

	struct pb_profile *p = calloc(1, sizeof *p);
	if (!p) {
		say(PB_CLI_TONE_BAD, "out of memory");
		return 1;
	}
	if (pb_profile_find(p, s.o.profile, err, sizeof err) != PB_PROFILE_OK) {
		say(PB_CLI_TONE_BAD, "profile %s: %s", s.o.profile, err);
		free(p);
		return 1;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct pb_emu_opts eo;
	memset(&eo, 0, sizeof eo);
	eo.seed = s.o.seed;
	eo.eeprom_path = s.o.eeprom;
	eo.serial = s.o.serial;
	eo.defects = s.o.defects;
	eo.sensor_errors = !s.o.ideal;
	eo.allow_inject = s.o.inject;
	eo.factory_key_path = s.o.factory_key;
	err[0] = '\0';
	s.emu = pb_emu_new(p, &eo, 0, err, sizeof err);
	if (!s.emu) {
		say(PB_CLI_TONE_BAD, "%s", err);
		free(p);
		return 1;
	}
	if (err[0]) {
		/* EEPROM file problems: the defined recovery already ran */
		char *line = strtok(err, "\n");
		for (; line; line = strtok(NULL, "\n"))
			say(PB_CLI_TONE_WARN, "%s", line);
	}
	for (int i = 0; i < s.o.nfaults; i++) {
		struct fault_spec *f = &s.o.faults[i];
		if (pb_emu_inject(s.emu, f->fault, f->channel, f->value) != 0) {
			say(PB_CLI_TONE_BAD, "--fault %s=%ld@%d: refused by the "
			    "%s model (value or channel out of range)",
			    pb_fault_name(f->fault), (long)f->value,
			    f->channel, p->id);
			pb_emu_free(s.emu);
			free(p);
			return 2;
		}
	}

	int status = 1;
	if (s.o.stdio) {
		s.rfd = STDIN_FILENO;
		s.wfd = STDOUT_FILENO;
		set_nonblock(s.rfd);
		set_nonblock(s.wfd);
	} else if (open_pty(&s, err, sizeof err) != 0) {
		say(PB_CLI_TONE_BAD, "%s", err);
		goto out;
	}
	if (s.o.link && make_link(&s, err, sizeof err) != 0) {
		say(PB_CLI_TONE_BAD, "%s", err);
		goto out;
	}
	if (s.o.control && open_control(&s, err, sizeof err) != 0) {
		say(PB_CLI_TONE_BAD, "%s", err);
		goto out;
	}
	if (s.o.stdio) {
		info(&s, "serving %s on stdin/stdout", p->id);
	} else {
		printf("pumpsim: serving %s on %s\n", p->id, s.pty_path);
		fflush(stdout);
		if (s.o.link)
			info(&s, "link %s -> %s", s.o.link, s.pty_path);
	}
	if (s.o.control)
		info(&s, "control socket %s", s.o.control);

	s.start_mono_us = mono_us();
	status = serve(&s);
	if (s.out_dropped)
		info(&s, "at least %llu bytes of output dropped while no host "
		    "read (%u stale-queue flushes)",
		    (unsigned long long)s.out_dropped, s.stale_flushes);

out:
	remove_link(&s);
	if (s.ctl_fd >= 0) {
		close(s.ctl_fd);
		unlink(s.o.control);
	}
	for (int i = 0; i < MAX_CTL; i++)
		ctl_close(&s.ctl[i]);
	if (!s.o.stdio) {
		if (s.rfd >= 0)
			close(s.rfd);
		if (s.slave_keep >= 0)
			close(s.slave_keep);
	}
	pb_emu_free(s.emu);
	free(p);
	return status;
}
