/*
 * bench/bench_tui_core.c - cost of the dashboard's pure cores per frame.
 *
 *   bench_tui_core frames MODE N   N frames on a 200x50 grid, 33 new
 *                                  samples per channel between frames
 *                                  (30 fps at 1 kHz).  MODE: scroll
 *                                  (in whole-cell steps, as the
 *                                  dashboard draws it), scrollfree (the
 *                                  window slides every frame), sweep,
 *                                  ascii (scroll, ASCII glyphs),
 *                                  session (the whole 10-minute history
 *                                  in one screen), 8h (an 8-hour window)
 *   bench_tui_core mem HOURS       fill HOURS of 2 x 1 kHz history; print
 *                                  the structure's size and VmRSS/VmHWM
 *
 * The per-frame work is in bench_one_frame() (history query + raster +
 * dirty columns) and the acquisition in bench_push() (one 33-sample batch
 * into the history), so callgrind can count each with --toggle-collect
 * (bench/tui_core.sh).  It also prints cells changed per frame, the
 * number the front end has to send to the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/graph.h"
#include "tui/history.h"

#define RATE 1000u

static int16_t wave(uint64_t i, int ch)
{
	uint64_t k = (i + (ch ? 750 : 0)) % 923;
	int p = ch ? 1200 : 1500;
	if (k < 280)
		return (int16_t)(30 + (p - 30) * (int)k / 280);
	if (k < 480)
		return (int16_t)(p - (int)(k - 280) / 10);
	if (k < 580)
		return (int16_t)(p - 20 - (p - 50) * (int)(k - 480) / 100);
	return (int16_t)(30 + (int)(i % 7));
}

__attribute__((noinline)) void bench_push(struct pb_history *h,
    uint64_t from, unsigned n);
__attribute__((noinline)) void bench_push(struct pb_history *h,
    uint64_t from, unsigned n)
{
	int16_t a[64], b[64];
	for (unsigned i = 0; i < n && i < 64; i++) {
		a[i] = wave(from + i, 0);
		b[i] = wave(from + i, 1);
	}
	const int16_t *v[2] = { a, b };
	pb_history_push(h, v, n);
}

__attribute__((noinline)) int bench_one_frame(struct pb_graph *g,
    const struct pb_graph_view *v, const struct pb_history *h);
__attribute__((noinline)) int bench_one_frame(struct pb_graph *g,
    const struct pb_graph_view *v, const struct pb_history *h)
{
	return pb_graph_frame(g, v, h);
}

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

static int frames(const char *mode, int n)
{
	struct pb_history *h = pb_history_new(2);
	if (!h)
		return 1;
	struct pb_graph_view v;
	memset(&v, 0, sizeof v);
	v.mode = PB_GRAPH_SCROLL;
	v.glyphs = PB_GRAPH_BRAILLE;
	v.unit = PB_UNIT_MMHG;
	v.channel_mask = 3;
	v.autoscale = true;
	v.show_target = true;
	v.target_dmmhg = 1500;
	v.rate_hz = RATE;
	v.span = 10 * RATE;
	v.step_cells = true;      /* scrolling as the dashboard draws it */
	uint64_t fill = 10 * 60 * RATE;
	if (!strcmp(mode, "sweep")) {
		v.mode = PB_GRAPH_SWEEP;
	} else if (!strcmp(mode, "ascii")) {
		v.glyphs = PB_GRAPH_ASCII;
	} else if (!strcmp(mode, "scrollfree")) {
		v.step_cells = false;     /* the window moves every frame */
	} else if (!strcmp(mode, "session")) {
		v.span = fill;
	} else if (!strcmp(mode, "8h")) {
		pb_history_gap(h, 8 * 3600ull * RATE - fill);
		v.span = 8 * 3600ull * RATE;
	} else if (strcmp(mode, "scroll") != 0) {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	uint64_t start = pb_history_head(h);
	for (uint64_t i = 0; i < fill; i += 50)
		bench_push(h, start + i, 50);
	struct pb_graph g;
	pb_graph_init(&g);
	if (pb_graph_resize(&g, 50, 200, v.glyphs) != 0)
		return 1;
	size_t cells = 0, cols = 0;
	for (int f = 0; f < n; f++) {
		bench_push(h, pb_history_head(h), 33);
		v.end = pb_history_head(h);
		if (!strcmp(mode, "session"))
			v.span = pb_history_head(h);
		if (bench_one_frame(&g, &v, h) != 0)
			return 1;
		if (f > 0) {
			cells += pb_graph_changed_cells(&g);
			for (int c = 0; c < g.cols; c++)
				cols += pb_graph_dirty(&g)[c];
		}
	}
	printf("mode %s\n", mode);
	printf("frames %d\n", n);
	if (n > 1) {
		printf("cells_changed_per_frame %.1f\n",
		    (double)cells / (n - 1));
		printf("columns_dirty_per_frame %.1f\n", (double)cols / (n - 1));
	}
	pb_graph_free(&g);
	pb_history_free(h);
	return 0;
}

static int mem(double hours)
{
	long rss0 = status_kib("VmRSS");
	struct pb_history *h = pb_history_new(2);
	if (!h)
		return 1;
	uint64_t total = (uint64_t)(hours * 3600.0 * RATE);
	for (uint64_t i = 0; i < total; i += 50)
		bench_push(h, i, 50);
	printf("hours %.2f\n", hours);
	printf("samples_per_channel %llu\n", (unsigned long long)total);
	printf("history_bytes %zu\n", pb_history_memory(h));
	printf("history_MiB %.2f\n", pb_history_memory(h) / 1048576.0);
	printf("oldest_index %llu\n", (unsigned long long)pb_history_oldest(h));
	printf("VmRSS_before_KiB %ld\n", rss0);
	printf("VmRSS_KiB %ld\n", status_kib("VmRSS"));
	printf("VmHWM_KiB %ld\n", status_kib("VmHWM"));
	pb_history_free(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "frames"))
		return frames(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "mem"))
		return mem(atof(argv[2]));
	fprintf(stderr, "usage: %s frames scroll|scrollfree|sweep|ascii|session|8h N\n"
	    "       %s mem HOURS\n", argv[0], argv[0]);
	return 2;
}
