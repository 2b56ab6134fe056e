/*
 * bench/bench_pumpsim.c - what the pump emulator costs.
 *
 *   bench_pumpsim virtual SECONDS [PROFILE]
 *       The emulator core in process, lock-step virtual time: SECONDS of
 *       a double-pumping session (2 channels x 1 kHz telemetry, expression
 *       level 8), output drained every 10 ms of model time.  Prints model
 *       seconds, CPU seconds (getrusage), wall seconds and the ratio.
 *
 *   bench_pumpsim realtime PUMPSIM SECONDS [PROFILE]
 *       Runs `PUMPSIM --profile PROFILE --stdio` as a child in real time,
 *       drives it as a host (proto/client.h: HELLO, both channels, START,
 *       heartbeats, reading every telemetry frame) for SECONDS, closes its
 *       stdin and reads the child's CPU time from wait4()'s rusage: the
 *       share of one core the whole pumpsim process used, pty/stdio loop
 *       and all.
 *
 * Results go to stdout as "key value" lines; bench/pumpsim.sh runs both
 * and docs/BENCHMARKS.md ("Pump emulator") records them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proto/client.h"
#include "proto/frame.h"
#include "proto/link.h"
#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/emulator.h"

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double cpu_self_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

/* ---- virtual time --------------------------------------------------------- */

struct count {
	uint64_t frames, telemetry, samples;
};

static void count_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct count *c = ctx;
	c->frames++;
	if (h->type == PB_T_TELEMETRY && h->len > 8) {
		c->telemetry++;
		c->samples += payload[8];   /* n: samples per channel */
	}
}

static void send_cmd(struct pb_emu *e, uint8_t type, uint8_t v, uint8_t txn,
    uint16_t *seq)
{
	struct pb_msg m;
	uint8_t wire[PB_WIRE_MAX];
	memset(&m, 0, sizeof m);
	m.type = type;
	m.flags = PB_F_ACK_REQ;
	m.txn = txn;
	m.seq = (*seq)++;
	switch (type) {
	case PB_T_SET_CHANNELS: m.u.channel_mask = v; break;
	case PB_T_SET_LEVEL: m.u.level = v; break;
	case PB_T_SET_MODE: m.u.mode = v; break;
	case PB_T_HELLO: m.u.hello.proto_min = 1; m.u.hello.proto_max = 1;
		snprintf(m.u.hello.host, sizeof m.u.hello.host, "bench");
		break;
	case PB_T_HEARTBEAT: m.flags = 0; m.txn = 0; break;
	default: break;
	}
	int n = pb_frame_encode_msg(&m, wire, sizeof wire);
	if (n > 0)
		pb_emu_rx(e, wire, (size_t)n);
}

static int run_virtual(double seconds, const char *profile)
{
	struct pb_profile p;
	char err[512];
	if (pb_profile_find(&p, profile, err, sizeof err) != 0) {
		fprintf(stderr, "bench_pumpsim: %s\n", err);
		return 1;
	}
	struct pb_emu_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 1;
	o.sensor_errors = true;
	o.defects = PB_DEF_NO_AUTO_OFF;   /* keep pumping past 30 min */
	struct pb_emu *e = pb_emu_new(&p, &o, 0, err, sizeof err);
	if (!e) {
		fprintf(stderr, "bench_pumpsim: %s\n", err);
		return 1;
	}
	pb_decoder dec;
	pb_decoder_init(&dec);
	struct count c;
	memset(&c, 0, sizeof c);
	uint16_t seq = 0;
	uint8_t txn = 1;
	send_cmd(e, PB_T_HELLO, 0, txn++, &seq);
	if (p.channels > 1)
		send_cmd(e, PB_T_SET_CHANNELS, 3, txn++, &seq);
	send_cmd(e, PB_T_SET_MODE, PB_MODE_EXPRESSION, txn++, &seq);
	send_cmd(e, PB_T_SET_LEVEL, 8, txn++, &seq);
	send_cmd(e, PB_T_START, 0, txn++, &seq);

	uint64_t end = (uint64_t)(seconds * 1e6);
	uint8_t buf[8192];
	uint64_t bytes = 0;
	double c0 = cpu_self_s(), w0 = mono_s();
	for (uint64_t t = 10000; t <= end; t += 10000) {
		pb_emu_advance(e, t);
		if (t % 250000 == 0)
			send_cmd(e, PB_T_HEARTBEAT, 0, 0, &seq);
		size_t n;
		while ((n = pb_emu_tx(e, buf, sizeof buf)) > 0) {
			bytes += n;
			pb_decoder_feed(&dec, buf, n, count_frame, &c);
		}
	}
	double cpu = cpu_self_s() - c0, wall = mono_s() - w0;
	struct pb_emu_status st;
	pb_emu_status(e, &st);
	printf("mode virtual\nprofile %s\nmodel_s %.0f\ncpu_s %.3f\nwall_s %.3f\n"
	    "speed_cpu %.1f\nspeed_wall %.1f\nsamples_per_ch %llu\n"
	    "frames %llu\nbytes %llu\ncycles %llu\nrun_state %s\n",
	    p.id, seconds, cpu, wall, seconds / cpu, seconds / wall,
	    (unsigned long long)c.samples, (unsigned long long)c.frames,
	    (unsigned long long)bytes, (unsigned long long)st.cycles,
	    pb_run_state_name(st.run_state));
	pb_emu_free(e);
	return 0;
}

/* ---- real time, the pumpsim process ------------------------------------ */

struct rt {
	uint64_t samples, lost;
};

static void rt_tel(void *ctx, const struct pb_telemetry *t, uint32_t lost)
{
	struct rt *r = ctx;
	r->samples += t->n;
	r->lost += lost;
}

static int run_realtime(const char *pumpsim, double seconds,
    const char *profile)
{
	int to_child[2], from_child[2];
	if (pipe(to_child) != 0 || pipe(from_child) != 0) {
		perror("pipe");
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[0]); close(to_child[1]);
		close(from_child[0]); close(from_child[1]);
		execl(pumpsim, pumpsim, "--profile", profile, "--stdio",
		    "--quiet", (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", pumpsim, strerror(errno));
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	signal(SIGPIPE, SIG_IGN);
	struct pb_link *l = pb_link_from_fds(from_child[0], to_child[1], 1);
	struct rt r;
	memset(&r, 0, sizeof r);
	struct pb_client_cb cb = { .ctx = &r, .telemetry = rt_tel };
	struct pb_client *c = pb_client_new(l, &cb);
	if (!c) {
		fprintf(stderr, "bench_pumpsim: no client\n");
		return 1;
	}
	struct pb_response resp;
	int txn = pb_client_hello(c, pb_client_clock_us());
	if (pb_client_wait(c, txn, &resp, 10000) != PB_CLIENT_OK) {
		fprintf(stderr, "bench_pumpsim: HELLO failed\n");
		return 1;
	}
	const struct pb_device_info *in = pb_client_info(c);
	if (in && in->channels > 1) {
		txn = pb_client_set_channels(c, 3, pb_client_clock_us());
		pb_client_wait(c, txn, &resp, 5000);
	}
	txn = pb_client_set_level(c, 8, pb_client_clock_us());
	pb_client_wait(c, txn, &resp, 5000);
	txn = pb_client_start(c, pb_client_clock_us());
	pb_client_wait(c, txn, &resp, 5000);

	uint64_t s0 = r.samples;
	double t0 = mono_s();
	while (mono_s() - t0 < seconds) {
		pb_client_service(c, pb_client_clock_us());
		struct pollfd pf = { .fd = pb_client_fd(c), .events = POLLIN };
		if (pb_client_wants_write(c))
			pf.events |= POLLOUT;
		poll(&pf, 1, 50);
	}
	double wall = mono_s() - t0;
	uint64_t samples = r.samples - s0;
	pb_client_free(c);   /* closes the child's stdin: it exits */
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	double wait_start = mono_s();
	pid_t w;
	while ((w = wait4(pid, &status, WNOHANG, &ru)) == 0 &&
	    mono_s() - wait_start < 10)
		usleep(20000);
	if (w != pid) {
		kill(pid, SIGKILL);
		wait4(pid, &status, 0, &ru);
	}
	/* CPU of the whole child life: start-up, HELLO and the run; divided
	 * by the whole life in wall time it would be lower, so divide by the
	 * measured window only (an upper bound of the steady cost). */
	double cpu = tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
	printf("mode realtime\nprofile %s\nwindow_s %.2f\nsamples_per_ch %llu\n"
	    "lost %llu\nchild_cpu_s %.3f\ncpu_percent_of_one_core %.2f\n"
	    "max_rss_kib %ld\n", profile, wall, (unsigned long long)samples,
	    (unsigned long long)r.lost, cpu, 100.0 * cpu / wall, ru.ru_maxrss);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "virtual") == 0)
		return run_virtual(atof(argv[2]), argc > 3 ? argv[3] : "s10pro");
	if (argc >= 4 && strcmp(argv[1], "realtime") == 0)
		return run_realtime(argv[2], atof(argv[3]),
		    argc > 4 ? argv[4] : "s10pro");
	fprintf(stderr, "usage: bench_pumpsim virtual SECONDS [PROFILE]\n"
	    "       bench_pumpsim realtime PUMPSIM SECONDS [PROFILE]\n");
	return 2;
}
