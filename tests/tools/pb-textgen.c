/*
 * tests/tools/pb-textgen.c - a bring-up prototype that prints numbers,
 * for the tests and the benchmark of `pumpbench --text`.
 *
 *   pb-textgen [--format cols|csv|arduino|teleplot] [--rate LINES_PER_S]
 *              [--seconds S] [--lines N] [--bad-every N]
 *              [--pty LINK] [--out FILE]...
 *
 * Prints a suction waveform as lines of text: 60 cycles/min, each cycle
 * a rise from 0.0 to 200.0 mmHg over 0.4 s, a hold at 200.0 until 0.6 s
 * and a release back to 0.0 (ch2 is 0.9 x ch1), with one decimal:
 *
 *   cols      "50.0 45.0"          csv       "50.0,45.0"
 *   arduino   "vac:50.0,flow:45.0" teleplot  ">vac:50.0" ">flow:45.0"
 *
 * --rate lines per second (default 1000; 0: as fast as the output
 * takes them), written in batches every 20 ms as a UART driver hands
 * them on.  --bad-every N makes every Nth line "oops: not a number".
 * Output goes to stdout, to each --out FILE (e.g. FIFOs: every output
 * gets the same bytes), or to a new pty whose path is printed on the
 * first line of stdout and linked from LINK (--pty).  Stops after
 * --seconds (default 60) or --lines lines; then prints on stderr
 * "lines=N bad=M" (bad lines included in N).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_OUT 4

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000u),
	    (long)(us % 1000000u) * 1000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* the waveform at t seconds, in mmHg */
static double vac_at(double t)
{
	double ph = t - (double)(long)t;
	if (ph < 0.4)
		return 200.0 * ph / 0.4;
	if (ph < 0.6)
		return 200.0;
	if (ph < 0.8)
		return 200.0 - 200.0 * (ph - 0.6) / 0.2;
	return 0.0;
}

static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			sleep_us(1000);
			continue;
		}
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *format = "cols", *pty_link = NULL;
	const char *outs[MAX_OUT];
	int nout = 0;
	double rate = 1000, seconds = 60;
	long max_lines = -1, bad_every = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			goto usage;
		if (!strcmp(a, "--format"))
			format = v;
		else if (!strcmp(a, "--rate"))
			rate = atof(v);
		else if (!strcmp(a, "--seconds"))
			seconds = atof(v);
		else if (!strcmp(a, "--lines"))
			max_lines = atol(v);
		else if (!strcmp(a, "--bad-every"))
			bad_every = atol(v);
		else if (!strcmp(a, "--pty"))
			pty_link = v;
		else if (!strcmp(a, "--out") && nout < MAX_OUT)
			outs[nout++] = v;
		else
			goto usage;
		i++;
	}
	int fmt = !strcmp(format, "cols") ? 0 : !strcmp(format, "csv") ? 1 :
	    !strcmp(format, "arduino") ? 2 : !strcmp(format, "teleplot") ? 3 :
	    -1;
	if (fmt < 0 || rate < 0)
		goto usage;
	signal(SIGPIPE, SIG_IGN);

	int fds[MAX_OUT];
	int nfd = 0;
	int keep_slave = -1;
	if (pty_link) {
		int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 ||
		    !ptsname(m)) {
			perror("pb-textgen: pty");
			return 1;
		}
		char path[256];
		snprintf(path, sizeof path, "%s", ptsname(m));
		/* a slave kept open: no EIO on the master without a reader */
		keep_slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		struct termios t;
		if (keep_slave < 0 || tcgetattr(keep_slave, &t) != 0) {
			perror("pb-textgen: slave");
			return 1;
		}
		cfmakeraw(&t);
		tcsetattr(keep_slave, TCSANOW, &t);
		unlink(pty_link);
		if (symlink(path, pty_link) != 0) {
			perror("pb-textgen: symlink");
			return 1;
		}
		printf("%s\n", path);
		fflush(stdout);
		fds[nfd++] = m;
	}
	for (int i = 0; i < nout; i++) {
		int fd = open(outs[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "pb-textgen: %s: %s\n", outs[i],
			    strerror(errno));
			return 1;
		}
		fds[nfd++] = fd;
	}
	if (nfd == 0)
		fds[nfd++] = 1;

	uint64_t t0 = now_us(), end = t0 + (uint64_t)(seconds * 1e6);
	long lines = 0, bad = 0;
	static char buf[1 << 16];
	for (;;) {
		uint64_t now = now_us();
		if (now >= end || (max_lines >= 0 && lines >= max_lines))
			break;
		/* the lines due by now (all that fit, at rate 0) */
		long due = rate > 0 ? (long)((double)(now - t0) * rate / 1e6) + 1 :
		    lines + 256;
		size_t n = 0;
		while (lines < due && n + 64 < sizeof buf &&
		    (max_lines < 0 || lines < max_lines)) {
			double t = rate > 0 ? (double)lines / rate :
			    (double)lines / 1000.0;
			double v = vac_at(t), f = v * 0.9;
			lines++;
			if (bad_every > 0 && lines % bad_every == 0) {
				n += (size_t)snprintf(buf + n, sizeof buf - n,
				    "oops: not a number\n");
				bad++;
				continue;
			}
			switch (fmt) {
			case 0:
				n += (size_t)snprintf(buf + n, sizeof buf - n,
				    "%.1f %.1f\n", v, f);
				break;
			case 1:
				n += (size_t)snprintf(buf + n, sizeof buf - n,
				    "%.1f,%.1f\n", v, f);
				break;
			case 2:
				n += (size_t)snprintf(buf + n, sizeof buf - n,
				    "vac:%.1f,flow:%.1f\n", v, f);
				break;
			default:
				n += (size_t)snprintf(buf + n, sizeof buf - n,
				    ">vac:%.1f\n>flow:%.1f\n", v, f);
				break;
			}
		}
		for (int i = 0; i < nfd; i++)
			if (n && write_all(fds[i], buf, n) < 0)
				goto done;
		if (rate > 0)
			sleep_us(20000);
	}
done:
	fprintf(stderr, "lines=%ld bad=%ld\n", lines, bad);
	if (pty_link) {
		/* let the reader take the rest before the pty goes */
		sleep_us(200000);
		unlink(pty_link);
	}
	if (keep_slave >= 0)
		close(keep_slave);
	return 0;
usage:
	fprintf(stderr, "usage: pb-textgen [--format cols|csv|arduino|"
	    "teleplot] [--rate N] [--seconds S] [--lines N] [--bad-every N] "
	    "[--pty LINK] [--out FILE]...\n");
	return 2;
}
