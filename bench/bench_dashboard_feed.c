/*
 * bench/bench_dashboard_feed.c - identical emulated pumps feeding the
 * viewers of one benchmark run.
 *
 * For bench/bench_dashboard.sh: runs N emulator cores in real time, each
 * on its own pty (one dashboard connects to each with --port PTY).  All N
 * are built from the same profile with the same seed, so they produce the
 * same samples (shifted by the moment their dashboard pressed `s`).  For
 * every telemetry batch pump 0 sends, the same samples go as text lines
 * "ch1 ch2\n" (mmHg) in ONE write per batch to TEXTOUT (ttyplot's stdin):
 * ttyplot is fed exactly what dashboard 0 is fed.
 *
 *   bench_dashboard_feed [-l LINES] PROFILE SECONDS TEXTOUT LINKPATH...
 *
 * -l LINES writes the text LINES lines at a time instead of one write
 * per batch (bench/ttyplot.sh: does batching change ttyplot's output?).
 * PROFILE is an id or an .ini path (the benchmark passes a copy with
 * noise_mmhg = 0 for its runs without sensor noise).  Each LINKPATH
 * becomes a symlink to its pty; TEXTOUT is opened for writing (a FIFO).
 * Exits after SECONDS (or on SIGTERM) and prints the batches and samples
 * pump 0 sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/emulator.h"

#define MAX_PUMPS 8

static volatile sig_atomic_t g_stop;

static void on_term(int sig)
{
	(void)sig;
	g_stop = 1;
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct tee {
	int fd;
	unsigned per_write;        /* lines per write; 0: one write per batch */
	char buf[PB_MAX_PAYLOAD * 64];
	size_t len;                /* bytes waiting in buf */
	unsigned lines;            /* lines waiting in buf */
	unsigned long long batches, samples, dropped;
};

/* Write what is waiting; a full pipe (the viewer fell behind) drops it
 * and counts its lines, so the pumps never wait for the slowest viewer. */
static void tee_flush(struct tee *t)
{
	if (t->len && t->fd >= 0) {
		ssize_t w = write(t->fd, t->buf, t->len);
		if (w < 0 && errno == EAGAIN)
			t->dropped += t->lines;
		else if (w < 0)
			t->fd = -1;
		else if ((size_t)w < t->len)
			t->dropped += t->lines;   /* a cut line: rare */
	}
	t->len = 0;
	t->lines = 0;
}

static void on_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct tee *t = ctx;
	struct pb_msg m;
	if (h->type != PB_T_TELEMETRY ||
	    pb_msg_decode(h->type, h->flags, payload, h->len, &m) != PB_MSG_OK)
		return;
	for (unsigned i = 0; i < m.u.tel.n; i++) {
		double a = m.u.tel.samples[0][i] / 10.0;
		double b = m.u.tel.channels > 1 ? m.u.tel.samples[1][i] / 10.0 : 0;
		int k = snprintf(t->buf + t->len, sizeof t->buf - t->len,
		    "%.1f %.1f\n", a, b);
		if (k < 0 || (size_t)k >= sizeof t->buf - t->len) {
			tee_flush(t);
			continue;
		}
		t->len += (size_t)k;
		t->lines++;
		if (t->per_write && t->lines >= t->per_write)
			tee_flush(t);
	}
	/* by default one write per batch, like the pty side */
	if (!t->per_write)
		tee_flush(t);
	t->batches++;
	t->samples += m.u.tel.n;
}

struct pump {
	int master, slave;
	struct pb_emu *emu;
	const char *link;
};

static int open_pump(struct pump *pp, const struct pb_profile *p,
    const char *link)
{
	char err[256];
	pp->link = link;
	pp->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (pp->master < 0 || grantpt(pp->master) < 0 ||
	    unlockpt(pp->master) < 0) {
		perror("pty");
		return -1;
	}
	const char *slave = ptsname(pp->master);
	/* raw slave, kept open so the master never sees a hangup */
	pp->slave = open(slave, O_RDWR | O_NOCTTY);
	struct termios tio;
	if (pp->slave >= 0 && tcgetattr(pp->slave, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(pp->slave, TCSANOW, &tio);
	}
	unlink(link);
	if (symlink(slave, link) < 0) {
		perror(link);
		return -1;
	}
	fcntl(pp->master, F_SETFL, fcntl(pp->master, F_GETFL) | O_NONBLOCK);
	struct pb_emu_opts eo = { .seed = 1, .serial = "BENCH-1" };
	pp->emu = pb_emu_new(p, &eo, 0, err, sizeof err);
	if (!pp->emu) {
		fprintf(stderr, "emulator: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct tee t;
	int opt;
	while ((opt = getopt(argc, argv, "l:")) != -1) {
		if (opt != 'l')
			return 2;
		t.per_write = (unsigned)atoi(optarg);
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 5 || argc - 4 > MAX_PUMPS || t.per_write > 200) {
		fprintf(stderr, "usage: bench_dashboard_feed [-l LINES] PROFILE "
		    "SECONDS TEXTOUT LINKPATH... (at most %d links, at most "
		    "200 lines per write)\n", MAX_PUMPS);
		return 2;
	}
	char err[256];
	struct pb_profile p;
	if (pb_profile_find(&p, argv[1], err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double secs = atof(argv[2]);
	int npumps = argc - 4;
	struct pump pumps[MAX_PUMPS];
	memset(pumps, 0, sizeof pumps);
	for (int i = 0; i < npumps; i++)
		if (open_pump(&pumps[i], &p, argv[4 + i]) < 0)
			return 1;
	printf("%d pumps\n", npumps);
	fflush(stdout);
	t.fd = open(argv[3], O_WRONLY);
	if (t.fd < 0) {
		perror(argv[3]);
		return 1;
	}
	fcntl(t.fd, F_SETFL, fcntl(t.fd, F_GETFL) | O_NONBLOCK);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);   /* a text reader gone: EPIPE, not death */
	uint64_t t0 = mono_us();
	pb_decoder dec;
	pb_decoder_init(&dec);
	uint8_t buf[8192];
	struct pollfd pf[MAX_PUMPS];
	for (;;) {
		uint64_t now = mono_us() - t0;
		if (now >= (uint64_t)(secs * 1e6) || g_stop)
			break;
		for (int i = 0; i < npumps; i++)
			pf[i] = (struct pollfd){ .fd = pumps[i].master,
			    .events = POLLIN };
		poll(pf, (nfds_t)npumps, 1);
		now = mono_us() - t0;
		for (int i = 0; i < npumps; i++) {
			struct pump *pp = &pumps[i];
			ssize_t k;
			while ((k = read(pp->master, buf, sizeof buf)) > 0)
				pb_emu_rx(pp->emu, buf, (size_t)k);
			pb_emu_advance(pp->emu, now);
			size_t n;
			while ((n = pb_emu_tx(pp->emu, buf, sizeof buf)) > 0) {
				size_t off = 0;
				while (off < n) {
					ssize_t w = write(pp->master, buf + off,
					    n - off);
					if (w <= 0)
						break;   /* pty full: the viewer fell behind */
					off += (size_t)w;
				}
				if (i == 0)
					pb_decoder_feed(&dec, buf, n, on_frame, &t);
			}
		}
	}
	fprintf(stderr, "feed: %d pumps, pump 0 sent %llu batches, %llu "
	    "samples per channel, %llu not taken by the text reader\n",
	    npumps, t.batches, t.samples, t.dropped);
	for (int i = 0; i < npumps; i++) {
		pb_emu_free(pumps[i].emu);
		unlink(pumps[i].link);
	}
	return 0;
}
