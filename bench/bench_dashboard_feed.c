/*
 * bench/bench_dashboard_feed.c - one emulated pump feeding two viewers.
 *
 * For bench/bench_dashboard.sh: runs the emulator core in real time on a
 * pty (the dashboard connects with --port PTY) and, for every telemetry
 * batch it sends, writes the same samples as text lines "ch1 ch2\n" (mmHg)
 * in ONE write per batch to a second output (ttyplot's stdin), so both
 * viewers get the same samples in the same batches.
 *
 *   bench_dashboard_feed PROFILE SECONDS LINKPATH TEXTOUT
 *
 * LINKPATH becomes a symlink to the pty; TEXTOUT is opened for writing
 * (a FIFO).  Exits after SECONDS.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct tee {
	int fd;
	char buf[PB_MAX_PAYLOAD * 16];
	unsigned long long batches, samples;
};

static void on_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct tee *t = ctx;
	struct pb_msg m;
	if (h->type != PB_T_TELEMETRY ||
	    pb_msg_decode(h->type, h->flags, payload, h->len, &m) != PB_MSG_OK)
		return;
	size_t o = 0;
	for (unsigned i = 0; i < m.u.tel.n; i++) {
		double a = m.u.tel.samples[0][i] / 10.0;
		double b = m.u.tel.channels > 1 ? m.u.tel.samples[1][i] / 10.0 : 0;
		int k = snprintf(t->buf + o, sizeof t->buf - o, "%.1f %.1f\n", a, b);
		if (k < 0 || (size_t)k >= sizeof t->buf - o)
			break;
		o += (size_t)k;
	}
	/* one write per batch, like the pty side */
	if (o && write(t->fd, t->buf, o) < 0 && errno != EAGAIN)
		t->fd = -1;
	t->batches++;
	t->samples += m.u.tel.n;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PROFILE SECONDS LINKPATH TEXTOUT\n",
		    argv[0]);
		return 2;
	}
	char err[256];
	struct pb_profile p;
	if (pb_profile_find(&p, argv[1], err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double secs = atof(argv[2]);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("pty");
		return 1;
	}
	const char *slave = ptsname(m);
	/* raw slave, kept open so the master never sees a hangup */
	int sfd = open(slave, O_RDWR | O_NOCTTY);
	struct termios tio;
	if (sfd >= 0 && tcgetattr(sfd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(sfd, TCSANOW, &tio);
	}
	unlink(argv[3]);
	if (symlink(slave, argv[3]) < 0) {
		perror(argv[3]);
		return 1;
	}
	printf("%s\n", slave);
	fflush(stdout);
	struct tee t = { .fd = open(argv[4], O_WRONLY) };
	if (t.fd < 0) {
		perror(argv[4]);
		return 1;
	}
	uint64_t t0 = mono_us();
	struct pb_emu_opts eo = { .seed = 1, .serial = "BENCH-1" };
	struct pb_emu *e = pb_emu_new(&p, &eo, 0, err, sizeof err);
	if (!e) {
		fprintf(stderr, "emulator: %s\n", err);
		return 1;
	}
	pb_decoder dec;
	pb_decoder_init(&dec);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	uint8_t buf[8192];
	for (;;) {
		uint64_t now = mono_us() - t0;
		if (now >= (uint64_t)(secs * 1e6))
			break;
		struct pollfd pf = { .fd = m, .events = POLLIN };
		poll(&pf, 1, 1);
		ssize_t k;
		while ((k = read(m, buf, sizeof buf)) > 0)
			pb_emu_rx(e, buf, (size_t)k);
		pb_emu_advance(e, mono_us() - t0);
		size_t n;
		while ((n = pb_emu_tx(e, buf, sizeof buf)) > 0) {
			size_t off = 0;
			while (off < n) {
				ssize_t w = write(m, buf + off, n - off);
				if (w <= 0)
					break;   /* pty full: the viewer fell behind */
				off += (size_t)w;
			}
			pb_decoder_feed(&dec, buf, n, on_frame, &t);
		}
	}
	fprintf(stderr, "feed: %llu batches, %llu samples per channel\n",
	    t.batches, t.samples);
	pb_emu_free(e);
	unlink(argv[3]);
	return 0;
}
