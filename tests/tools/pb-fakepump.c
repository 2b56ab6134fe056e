/*
 * tests/tools/pb-fakepump.c - a scripted pump on a pty, for the
 * dashboard's end-to-end tests of what a real pump may do that the
 * emulator never does.
 *
 *   pb-fakepump [--mute] [--no-telemetry] [--profile-id ID] [--seconds N]
 *
 * Prints the pty path on the first line of stdout, then serves the
 * protocol (proto/device.h) until killed or N seconds (default 60) have
 * passed, so that a test can never leave it behind for long.
 *
 *   --mute           answer nothing and send nothing (a port without a
 *                    pump, or at the wrong baud rate)
 *   --no-telemetry   answer HELLO and every command with OK and send
 *                    heartbeats, but no telemetry
 *   --profile-id ID  the profile id HELLO reports (any printable text,
 *                    e.g. /etc/passwd; default s10pro)
 *
 * Otherwise it streams one channel of telemetry at 1 kHz (batches of 20,
 * a constant 10.0 mmHg) from the first HELLO on.
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

#include "proto/device.h"
#include "proto/msg.h"

struct fake {
	bool mute, no_telemetry, hello_seen;
	const char *profile_id;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_cmd(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t t)
{
	struct fake *f = ctx;
	(void)t;
	resp->status = PB_ST_OK;
	resp->body_kind = PB_BODY_NONE;
	if (cmd->type == PB_T_HELLO || cmd->type == PB_T_READ_INFO) {
		struct pb_device_info *i = &resp->body.info;
		memset(i, 0, sizeof *i);
		i->proto_version = PB_PROTO_VERSION;
		snprintf(i->fw_version, sizeof i->fw_version, "fake-1.0");
		snprintf(i->serial, sizeof i->serial, "FAKE-0001");
		snprintf(i->profile, sizeof i->profile, "%s", f->profile_id);
		i->channels = 1;
		i->levels = 9;
		i->modes = 1u << PB_MODE_EXPRESSION;
		i->sample_rate_hz = 1000;
		i->max_target = 2500;
		i->trip = 3200;
		resp->body_kind = PB_BODY_INFO;
		f->hello_seen = true;
	}
}

static void drain(pb_device *d, int fd)
{
	uint8_t buf[4096];
	size_t n;
	while ((n = pb_device_take(d, buf, sizeof buf)) > 0) {
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return;   /* nobody reads: drop, like a UART */
			off += (size_t)w;
		}
	}
}

int main(int argc, char **argv)
{
	struct fake f = { .profile_id = "s10pro" };
	double seconds = 60;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mute"))
			f.mute = true;
		else if (!strcmp(argv[i], "--no-telemetry"))
			f.no_telemetry = true;
		else if (!strcmp(argv[i], "--profile-id") && i + 1 < argc)
			f.profile_id = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: pb-fakepump [--mute] "
			    "[--no-telemetry] [--profile-id ID] [--seconds N]\n");
			return 2;
		}
	}
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || !ptsname(m)) {
		perror("pb-fakepump: pty");
		return 1;
	}
	char path[256];
	snprintf(path, sizeof path, "%s", ptsname(m));
	/* keep a slave open: no EIO on the master while no host is there */
	int sl = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios t;
	if (sl < 0 || tcgetattr(sl, &t) != 0) {
		perror("pb-fakepump: slave");
		return 1;
	}
	cfmakeraw(&t);
	tcsetattr(sl, TCSANOW, &t);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	printf("%s\n", path);
	fflush(stdout);

	pb_device d;
	pb_device_init(&d, on_cmd, &f);
	uint64_t t0 = now_us(), end = t0 + (uint64_t)(seconds * 1e6);
	uint64_t next_tel = t0, next_hb = t0;
	uint32_t index = 0;
	for (;;) {
		uint64_t now = now_us();
		if (now >= end)
			break;
		struct pollfd pf = { .fd = m, .events = POLLIN };
		if (poll(&pf, 1, 5) < 0 && errno != EINTR)
			break;
		uint8_t buf[4096];
		ssize_t k = read(m, buf, sizeof buf);
		now = now_us();
		if (f.mute)
			continue;
		bool before = f.hello_seen;
		if (k > 0)
			pb_device_rx(&d, buf, (size_t)k, now);
		if (!before && f.hello_seen)
			next_tel = now;   /* stream from the first HELLO on */
		if (now >= next_hb) {
			struct pb_msg hb;
			memset(&hb, 0, sizeof hb);
			hb.type = PB_T_HEARTBEAT;
			hb.u.hb.time_ms = (uint32_t)((now - t0) / 1000);
			pb_device_send(&d, &hb);
			next_hb = now + 250000u;
		}
		while (f.hello_seen && !f.no_telemetry && now >= next_tel) {
			struct pb_msg tm;
			memset(&tm, 0, sizeof tm);
			tm.type = PB_T_TELEMETRY;
			struct pb_telemetry *te = &tm.u.tel;
			te->first_sample = index;
			te->device_ms = index;
			te->n = 20;
			te->channels = 1;
			te->mode = PB_MODE_EXPRESSION;
			te->level = 1;
			te->channel_mask = 1;
			te->battery_mv = 3900;
			for (int i = 0; i < 20; i++)
				te->samples[0][i] = 100;
			pb_device_send(&d, &tm);
			index += 20;
			next_tel += 20000u;
		}
		drain(&d, m);
	}
	close(sl);
	close(m);
	return 0;
}
