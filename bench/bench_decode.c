/*
 * bench/bench_decode.c - cost of the frame decoder (COBS + CRC-32C +
 * header checks: pb_decoder_feed) on a realistic device stream.
 *
 * The stream is what a double pump sends at 1 kHz per channel: TELEMETRY
 * batches of 50 samples per channel (a suction waveform with sensor noise,
 * vacuum 0..250 mmHg, so high bytes are often 0x00 and COBS has real work)
 * with a HEARTBEAT every 250 ms of device time.  It is fed in CHUNK-byte
 * reads (default 1024) like a serial port gives them.
 *
 *   bench_decode [MBYTES [PASSES [CHUNK]]]
 *
 * Prints the stream size, frames delivered, and the best wall-clock rate
 * over PASSES passes in MB/s.  bench/proto.sh runs it once more under
 * callgrind with --toggle-collect=pb_decoder_feed to count instructions
 * per byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/frame.h"

static void on_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	(void)h;
	(void)payload;
	(*(size_t *)ctx)++;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A deterministic suction waveform in dmmHg with noise. */
static int16_t wave(uint32_t i, int ch, uint32_t *rng)
{
	double t = i / 1000.0;           /* s */
	double cyc = fmod(t * 1.0, 1.0); /* 60 cycles/min */
	double v = cyc < 0.5 ? 2500.0 * sin(cyc * M_PI) : 0.0;
	*rng = *rng * 1664525u + 1013904223u;
	v += (double)((*rng >> 24) % 21) - 10.0 + ch * 13;
	if (v < 0)
		v = 0;
	return (int16_t)lround(v);
}

static size_t build_stream(uint8_t *buf, size_t cap, size_t *frames)
{
	size_t o = 0;
	uint32_t sample = 0, rng = 12345;
	uint16_t seq = 0;
	struct pb_msg m;
	*frames = 0;
	for (;;) {
		memset(&m, 0, sizeof m);
		m.type = PB_T_TELEMETRY;
		m.seq = seq++;
		struct pb_telemetry *t = &m.u.tel;
		t->first_sample = sample;
		t->device_ms = sample;
		t->n = 50;
		t->channels = 2;
		t->mode = PB_MODE_EXPRESSION;
		t->level = 5;
		t->phase = PB_PH_PULL;
		t->run_state = PB_RS_RUNNING;
		t->motor_duty = 180;
		t->channel_mask = 3;
		t->battery_mv = 3900;
		t->target = 2500;
		t->motor_ma = 400;
		for (int i = 0; i < 50; i++)
			for (int c = 0; c < 2; c++)
				t->samples[c][i] = wave(sample + (uint32_t)i, c,
				    &rng);
		t->raw[0] = 20000;
		t->raw[1] = 20100;
		if (cap - o < 2 * PB_WIRE_MAX)
			break;
		int n = pb_frame_encode_msg(&m, buf + o, cap - o);
		if (n < 0) {
			fprintf(stderr, "encode failed\n");
			exit(1);
		}
		o += (size_t)n;
		(*frames)++;
		sample += 50;
		if (sample % 250 == 0) {
			memset(&m, 0, sizeof m);
			m.type = PB_T_HEARTBEAT;
			m.seq = seq++;
			m.u.hb.time_ms = sample;
			m.u.hb.run_state = PB_RS_RUNNING;
			o += (size_t)pb_frame_encode_msg(&m, buf + o, cap - o);
			(*frames)++;
		}
	}
	return o;
}

int main(int argc, char **argv)
{
	double mb = argc > 1 ? atof(argv[1]) : 16.0;
	int passes = argc > 2 ? atoi(argv[2]) : 5;
	long chunk = argc > 3 ? atol(argv[3]) : 1024;
	if (mb <= 0 || passes < 1 || chunk < 1) {
		fprintf(stderr, "usage: bench_decode [MBYTES [PASSES [CHUNK]]]\n");
		return 2;
	}
	size_t cap = (size_t)(mb * 1e6);
	uint8_t *buf = malloc(cap);
	if (buf == NULL) {
		fprintf(stderr, "bench_decode: out of memory\n");
		return 1;
	}
	size_t frames, n = build_stream(buf, cap, &frames);
	double best = 1e9;
	for (int p = 0; p < passes; p++) {
		pb_decoder d;
		size_t got = 0;
		pb_decoder_init(&d);
		double t0 = now_s();
		size_t ck = (size_t)chunk;
		for (size_t o = 0; o < n; o += ck)
			pb_decoder_feed(&d, buf + o, n - o < ck ? n - o : ck,
			    on_frame, &got);
		double dt = now_s() - t0;
		if (got != frames || pb_rx_dropped(&d.st) != 0) {
			fprintf(stderr, "bench_decode: decoded %zu of %zu "
			    "frames\n", got, frames);
			return 1;
		}
		if (dt < best)
			best = dt;
	}
	printf("bytes %zu\nframes %zu\nMB/s %.0f\n", n, frames,
	    n / best / 1e6);
	free(buf);
	return 0;
}
