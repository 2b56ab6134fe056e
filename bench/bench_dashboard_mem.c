/*
 * bench/bench_dashboard_mem.c - resident memory of the dashboard's data
 * with 8 hours of history.
 *
 * Builds what the dashboard keeps for a session (the two-channel history
 * pyramid, the cycle statistics, the graph grid of a 200x50 terminal) and
 * pushes 8 hours of 2 x 1 kHz samples through it in telemetry-sized
 * batches, so every ring is written (touched pages are what RSS counts).
 * Prints VmRSS and VmHWM of this process, and the history's own size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cycles.h"
#include "tui/graph.h"
#include "tui/history.h"

static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t kl = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	double hours = argc > 1 ? atof(argv[1]) : 8.0;
	const unsigned rate = 1000, batch = 20;
	struct pb_history *h = pb_history_new(2);
	if (!h) {
		fprintf(stderr, "history: no memory\n");
		return 1;
	}
	struct pb_cycles cyc;
	pb_cycles_init(&cyc, NULL, rate, 2);
	struct pb_graph g;
	pb_graph_init(&g);
	pb_graph_resize(&g, 36, 200, PB_GRAPH_BRAILLE);

	uint64_t total = (uint64_t)(hours * 3600.0 * rate);
	struct pb_telemetry t;
	memset(&t, 0, sizeof t);
	t.channels = 2;
	t.n = (uint8_t)batch;
	t.run_state = PB_RS_RUNNING;
	t.channel_mask = 3;
	t.mode = PB_MODE_EXPRESSION;
	t.level = 5;
	for (uint64_t i = 0; i < total; i += batch) {
		for (unsigned k = 0; k < batch; k++) {
			double ph = fmod((double)(i + k) / rate, 1.2) / 1.2;
			int16_t v = (int16_t)(ph < 0.5 ? 3000 * ph : 1500 *
			    (1 - ph) * 2);
			t.samples[0][k] = v;
			t.samples[1][k] = (int16_t)(v - 20);
		}
		t.first_sample = (uint32_t)i;
		t.phase = (uint8_t)(fmod((double)i / rate, 1.2) < 0.6 ?
		    PB_PH_PULL : PB_PH_RELEASE);
		const int16_t *v[2] = { t.samples[0], t.samples[1] };
		pb_history_push(h, v, batch);
		pb_cycles_feed_batch(&cyc, i, &t);
	}
	/* one whole-session frame and one 10 s frame, as the screen does */
	struct pb_graph_view view;
	memset(&view, 0, sizeof view);
	view.mode = PB_GRAPH_SCROLL;
	view.glyphs = PB_GRAPH_BRAILLE;
	view.channel_mask = 3;
	view.fixed_max_dmmhg = 3000;
	view.rate_hz = rate;
	view.end = pb_history_head(h);
	view.span = view.end;
	pb_graph_frame(&g, &view, h);
	view.span = 10 * rate;
	pb_graph_frame(&g, &view, h);

	printf("hours=%.1f samples_per_channel=%llu history_bytes=%zu "
	    "VmRSS_kib=%ld VmHWM_kib=%ld\n", hours,
	    (unsigned long long)pb_history_head(h), pb_history_memory(h),
	    status_kib("VmRSS"), status_kib("VmHWM"));
	pb_graph_free(&g);
	pb_history_free(h);
	return 0;
}
