/*
 * tests/tools/pb-host-smoke.c - a small protocol host for the pumpsim
 * end-to-end test: HELLO, START, telemetry arrives without loss, a level
 * change is followed, STOP vents.  Uses proto/client.h over a real port.
 *
 *   pb-host-smoke --port PATH --profile ID
 *   pb-host-smoke --exec --profile ID -- CMD ARGS...   (CMD on stdin/stdout)
 *
 * Prints one line per step; exit 0 when every step passed, 1 otherwise.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/client.h"
#include "proto/link.h"
#include "pump/profile.h"

#include "tests/lib/host_step.h"

#define STEP_MS 15000      /* generous: a loaded CI machine */

struct obs {
	uint64_t samples, lost, frames;
	uint32_t first_ms;        /* device_ms of the first telemetry */
	uint64_t first_wall_us;   /* when it arrived */
	struct pb_telemetry last;
	bool have_tel;
	int events, logs, hbs;
	char last_log[256];
};

static void on_tel(void *ctx, const struct pb_telemetry *t, uint32_t lost)
{
	struct obs *o = ctx;
	if (o->frames == 0) {
		o->first_ms = t->device_ms;
		o->first_wall_us = pb_client_clock_us();
	}
	o->samples += t->n;
	o->lost += lost;
	o->frames++;
	o->last = *t;
	o->have_tel = true;
}

static void on_ev(void *ctx, const struct pb_event *e)
{
	(void)e;
	((struct obs *)ctx)->events++;
}

static void on_log(void *ctx, const struct pb_log *l)
{
	struct obs *o = ctx;
	o->logs++;
	snprintf(o->last_log, sizeof o->last_log, "%s", l->text);
}

static void on_hb(void *ctx, const struct pb_heartbeat *hb)
{
	(void)hb;
	((struct obs *)ctx)->hbs++;
}


/* Service the client until cond(obs) holds or timeout. */
typedef bool (*cond_fn)(const struct obs *o, const void *arg);

static bool service_until(struct pb_client *c, struct obs *o, cond_fn cond,
    const void *arg, int timeout_ms)
{
	uint64_t end = pb_client_clock_us() + (uint64_t)timeout_ms * 1000u;
	for (;;) {
		uint64_t now = pb_client_clock_us();
		pb_client_service(c, now);
		if (cond && cond(o, arg))
			return true;
		if (now >= end)
			return cond == NULL;
		host_wait_io(c, 20);
	}
}

static int do_cmd(struct pb_client *c, int txn, const char *what,
    struct pb_response *resp)
{
	if (txn < 0) {
		step(false, "%s: not sent: %s", what, pb_client_strerror(txn));
		return txn;
	}
	int rc = pb_client_wait(c, txn, resp, STEP_MS);
	step(rc == PB_CLIENT_OK, "%s -> %s%s%s", what, pb_client_strerror(rc),
	    rc == PB_CLIENT_E_STATUS && resp ? " " : "",
	    rc == PB_CLIENT_E_STATUS && resp ? pb_status_name(resp->status) : "");
	return rc;
}

static bool got_samples(const struct obs *o, const void *arg)
{
	return o->samples >= *(const uint64_t *)arg;
}

struct want_level {
	uint8_t level;
	int16_t target;
};

static bool level_followed(const struct obs *o, const void *arg)
{
	const struct want_level *w = arg;
	return o->have_tel && o->last.level == w->level &&
	    o->last.target == w->target && o->last.run_state == PB_RS_RUNNING;
}

static bool vented(const struct obs *o, const void *arg)
{
	(void)arg;
	if (!o->have_tel || o->last.run_state != PB_RS_IDLE ||
	    o->last.motor_duty != 0)
		return false;
	/* valves open and the reading back near 0 (a uncalibrated unit's
	 * offset may be several mmHg: allow 30) */
	for (int ch = 0; ch < o->last.channels; ch++) {
		if (!(o->last.valve & (1u << ch)))
			return false;
		for (int i = 0; i < o->last.n; i++)
			if (abs(o->last.samples[ch][i]) > 300)
				return false;
	}
	return true;
}

static void usage(void)
{
	fprintf(stderr, "usage: pb-host-smoke --port PATH --profile ID "
	    "[--max-stale-ms N]\n"
	    "       pb-host-smoke --profile ID --exec CMD [ARGS...]\n");
}

int main(int argc, char **argv)
{
	const char *port = NULL, *profile_id = NULL;
	char **exec_argv = NULL;
	long max_stale_ms = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			port = argv[++i];
		} else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
			profile_id = argv[++i];
		} else if (strcmp(argv[i], "--max-stale-ms") == 0 &&
		    i + 1 < argc) {
			max_stale_ms = atol(argv[++i]);
		} else if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc) {
			exec_argv = &argv[i + 1];
			break;
		} else {
			usage();
			return 2;
		}
	}
	if (!profile_id || (!port && !exec_argv)) {
		usage();
		return 2;
	}
	struct pb_profile prof;
	char err[512];
	if (pb_profile_find(&prof, profile_id, err, sizeof err) != 0) {
		fprintf(stderr, "pb-host-smoke: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	struct pb_link *link = NULL;
	pid_t child = 0;
	if (exec_argv) {
		int to_child[2], from_child[2];
		if (pipe(to_child) != 0 || pipe(from_child) != 0) {
			perror("pipe");
			return 2;
		}
		child = fork();
		if (child < 0) {
			perror("fork");
			return 2;
		}
		if (child == 0) {
			dup2(to_child[0], 0);
			dup2(from_child[1], 1);
			close(to_child[0]); close(to_child[1]);
			close(from_child[0]); close(from_child[1]);
			execvp(exec_argv[0], exec_argv);
			fprintf(stderr, "exec %s: %s\n", exec_argv[0],
			    strerror(errno));
			_exit(127);
		}
		close(to_child[0]);
		close(from_child[1]);
		link = pb_link_from_fds(from_child[0], to_child[1], 1);
	} else {
		int e = 0;
		link = pb_link_open(port, NULL, &e, err, sizeof err);
		if (!link) {
			fprintf(stderr, "pb-host-smoke: %s: %s\n", port, err);
			return 1;
		}
	}
	if (!link) {
		fprintf(stderr, "pb-host-smoke: no link\n");
		return 1;
	}

	struct obs o;
	memset(&o, 0, sizeof o);
	struct pb_client_cb cb = { .ctx = &o, .telemetry = on_tel,
	    .event = on_ev, .log = on_log, .heartbeat = on_hb };
	struct pb_client *c = pb_client_new(link, &cb);
	if (!c) {
		fprintf(stderr, "pb-host-smoke: client: out of memory\n");
		return 1;
	}
	struct pb_response resp;

	/* HELLO */
	if (do_cmd(c, pb_client_hello(c, pb_client_clock_us()), "HELLO",
	    &resp) == PB_CLIENT_OK) {
		const struct pb_device_info *in = pb_client_info(c);
		step(in && strcmp(in->profile, prof.id) == 0 &&
		    in->channels == prof.channels && in->levels == prof.levels,
		    "device: profile %s, %u channels, %u levels, serial %s, "
		    "fw %s, %u Hz", in ? in->profile : "?",
		    in ? in->channels : 0, in ? in->levels : 0,
		    in ? in->serial : "?", in ? in->fw_version : "?",
		    in ? in->sample_rate_hz : 0);
	}

	/* START, telemetry */
	do_cmd(c, pb_client_start(c, pb_client_clock_us()), "START", &resp);
	uint64_t want = o.samples + (uint64_t)prof.sample_rate_hz; /* 1 s */
	bool ok = service_until(c, &o, got_samples, &want, STEP_MS);
	step(ok && o.lost == 0, "telemetry: %llu samples in %llu frames, "
	    "%llu lost, %d heartbeats, %d events",
	    (unsigned long long)o.samples, (unsigned long long)o.frames,
	    (unsigned long long)o.lost, o.hbs, o.events);

	/* How old was the first frame read?  The device clock advanced by
	 * (last - first) while the wall clock advanced by (now - arrival):
	 * the difference is how long the first frame had waited. */
	if (max_stale_ms >= 0) {
		double dev = (double)(o.last.device_ms - o.first_ms);
		double wall = (double)(pb_client_clock_us() - o.first_wall_us) /
		    1000.0;
		double stale = dev - wall;
		step(stale <= (double)max_stale_ms, "first telemetry was "
		    "%.0f ms old (at most %ld)", stale, max_stale_ms);
	}

	/* level change followed */
	struct want_level wl;
	wl.level = (uint8_t)(prof.levels > 5 ? 5 : prof.levels);
	double tgt = pb_profile_peak_mmhg(&prof, o.last.mode, wl.level);
	if (tgt > prof.max_target_mmhg)
		tgt = prof.max_target_mmhg;
	wl.target = (int16_t)lround(tgt * 10.0);
	do_cmd(c, pb_client_set_level(c, wl.level, pb_client_clock_us()),
	    "SET_LEVEL", &resp);
	ok = service_until(c, &o, level_followed, &wl, STEP_MS);
	step(ok, "level %u followed: telemetry level %u target %.1f mmHg",
	    wl.level, o.last.level, o.last.target / 10.0);

	/* STOP vents */
	do_cmd(c, pb_client_stop(c, pb_client_clock_us()), "STOP", &resp);
	ok = service_until(c, &o, vented, NULL, STEP_MS);
	step(ok, "stopped and vented: state %s, valves 0x%x, duty %u, "
	    "ch0 %.1f mmHg", pb_run_state_name(o.last.run_state),
	    o.last.valve, o.last.motor_duty, o.last.samples[0][0] / 10.0);
	const struct pb_client_stats *st = pb_client_stats(c);
	step(st->samples_lost == 0, "link: %llu frames, %llu lost frames, "
	    "%llu lost samples, %llu retries", (unsigned long long)o.frames,
	    (unsigned long long)st->frames_lost,
	    (unsigned long long)st->samples_lost,
	    (unsigned long long)st->retries);

	pb_client_free(c);
	if (child > 0) {
		int status = 0;
		/* stdin closed by pb_client_free: pumpsim --stdio exits */
		for (int i = 0; i < 100; i++) {
			if (waitpid(child, &status, WNOHANG) == child)
				break;
			usleep(50000);
			if (i == 99) {
				kill(child, SIGTERM);
				waitpid(child, &status, 0);
			}
		}
		step(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child exited with %d", WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
	}
	printf("%s\n", host_failures ? "FAILED" : "PASSED");
	return host_failures ? 1 : 0;
}
