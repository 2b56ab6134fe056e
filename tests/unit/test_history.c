/*
 * test_history: the min/max pyramid never loses a spike at any zoom or
 * age, keeps gaps as gaps, agrees with a brute-force envelope, and fits
 * 8 hours of 2 x 1 kHz in the memory budget.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/check_main.h"
#include "tui/history.h"

#define RATE 1000u

/* deterministic noise */
static uint32_t rng = 12345;
static int16_t noise(int amp)
{
	rng = rng * 1664525u + 1013904223u;
	return (int16_t)((int)((rng >> 16) % (unsigned)(2 * amp + 1)) - amp);
}

START_TEST(spike_survives_every_zoom_and_age)
{
	struct pb_history *h = pb_history_new(2);
	ck_assert_ptr_nonnull(h);
	const uint64_t total = 40ull * 60 * RATE;   /* 40 minutes */
	/* 5 ms spikes every 97 s, channel 0 up to 2500, channel 1 down */
	const uint64_t every = 97 * RATE + 13;
	int16_t v[2];
	for (uint64_t i = 0; i < total; i++) {
		bool spike = (i % every) < 5 && i > 0;
		v[0] = spike ? 2500 : (int16_t)(1000 + noise(30));
		v[1] = spike ? -500 : (int16_t)(800 + noise(30));
		pb_history_push1(h, v);
	}
	ck_assert_uint_eq(pb_history_head(h), total);
	static const uint64_t windows_s[] = { 1, 2, 5, 10, 30, 60, 300, 600,
		1800, 2400 };
	static const size_t ncols_list[] = { 57, 200, 400 };
	struct pb_hist_col *cols = calloc(400, sizeof *cols);
	for (size_t wi = 0; wi < sizeof windows_s / sizeof *windows_s; wi++) {
		uint64_t w = windows_s[wi] * RATE;
		for (size_t ni = 0; ni < 3; ni++) {
			size_t n = ncols_list[ni];
			for (uint64_t s = every; s < total; s += every) {
				/* window that puts the spike somewhere inside */
				uint64_t t0 = s > w / 3 ? s - w / 3 : 0;
				if (t0 + w > total)
					t0 = total - w;
				ck_assert_int_eq(pb_history_query(h, t0, t0 + w,
				    cols, n, NULL), PB_HIST_OK);
				/* the column(s) holding s must show the spike */
				bool hit0 = false, hit1 = false;
				for (size_t c = 0; c < n; c++) {
					uint64_t a = t0 + w * c / n;
					uint64_t b = t0 + w * (c + 1) / n;
					if (b <= a)
						b = a + 1;
					if (s + 4 < a || s >= b)
						continue;
					ck_assert(cols[c].ch[0].has_data);
					if (cols[c].ch[0].max == 2500)
						hit0 = true;
					if (cols[c].ch[1].min == -500)
						hit1 = true;
				}
				ck_assert_msg(hit0 && hit1,
				    "spike at %llu lost: window %llu s, %zu cols",
				    (unsigned long long)s,
				    (unsigned long long)windows_s[wi], n);
			}
		}
	}
	/* whole session in 200 columns: every spike's column is at 2500 */
	ck_assert_int_eq(pb_history_query(h, 0, total, cols, 200, NULL), 0);
	unsigned spikes = 0;
	for (size_t c = 0; c < 200; c++)
		if (cols[c].ch[0].max == 2500)
			spikes++;
	ck_assert_uint_ge(spikes, (unsigned)(total / every) - 1);
	free(cols);
	pb_history_free(h);
}
END_TEST

/* Brute force: every column's envelope contains the true min/max of its
 * span and lies within the span widened by one bucket of the level used. */
START_TEST(matches_brute_force_small_rings)
{
	struct pb_history_geom g;
	memset(&g, 0, sizeof g);
	g.levels = 5;
	g.cap_log2[0] = 6;   /* 64 raw */
	g.cap_log2[1] = 5;   /* 32 x 4 = 128 */
	g.cap_log2[2] = 5;   /* 32 x 16 = 512 */
	g.cap_log2[3] = 4;   /* 16 x 64 = 1024 */
	g.cap_log2[4] = 4;   /* 16 x 256 = 4096 */
	struct pb_history *h = pb_history_new_geom(1, &g);
	ck_assert_ptr_nonnull(h);
	enum { N = 3000 };
	static int16_t all[N];
	for (int i = 0; i < N; i++) {
		all[i] = noise(1000);
		pb_history_push1(h, &all[i]);
	}
	uint64_t oldest = pb_history_oldest(h);
	ck_assert_uint_eq(oldest, 0);   /* 4096 > 3000 */
	ck_assert_uint_eq(pb_history_oldest_raw(h), N - 64);
	struct pb_hist_col cols[97];
	for (int trial = 0; trial < 2000; trial++) {
		rng = rng * 1664525u + 1013904223u;
		uint64_t t0 = (rng >> 8) % N;
		rng = rng * 1664525u + 1013904223u;
		uint64_t w = 1 + (rng >> 8) % (N + 200);
		size_t n = 1 + (rng >> 3) % 97;
		int lvl;
		ck_assert_int_eq(pb_history_query(h, t0, t0 + w, cols, n,
		    &lvl), 0);
		for (size_t c = 0; c < n; c++) {
			uint64_t a = t0 + w * c / n, b = t0 + w * (c + 1) / n;
			if (b <= a)
				b = a + 1;
			if (a >= N) {
				ck_assert(!cols[c].ch[0].has_data);
				continue;
			}
			if (b > N)
				b = N;
			int16_t mn = INT16_MAX, mx = INT16_MIN;
			for (uint64_t i = a; i < b; i++) {
				if (all[i] < mn) mn = all[i];
				if (all[i] > mx) mx = all[i];
			}
			ck_assert(cols[c].ch[0].has_data);
			ck_assert_int_le(cols[c].ch[0].min, mn);
			ck_assert_int_ge(cols[c].ch[0].max, mx);
			/* not wider than the span padded by the top bucket */
			uint64_t pad = 256;
			uint64_t pa = a > pad ? a - pad : 0;
			uint64_t pb = b + pad < N ? b + pad : N;
			int16_t wmn = INT16_MAX, wmx = INT16_MIN;
			for (uint64_t i = pa; i < pb; i++) {
				if (all[i] < wmn) wmn = all[i];
				if (all[i] > wmx) wmx = all[i];
			}
			ck_assert_int_ge(cols[c].ch[0].min, wmn);
			ck_assert_int_le(cols[c].ch[0].max, wmx);
			ck_assert(!cols[c].gap);
			/* where the raw ring holds the column: exact */
			if (a >= pb_history_oldest_raw(h)) {
				ck_assert_int_eq(cols[c].ch[0].min, mn);
				ck_assert_int_eq(cols[c].ch[0].max, mx);
			}
		}
	}
	/* raw level is exact for 1 column per sample on recent data */
	ck_assert_int_eq(pb_history_query(h, N - 50, N, cols, 50, NULL), 0);
	for (int c = 0; c < 50; c++) {
		ck_assert_int_eq(cols[c].ch[0].min, all[N - 50 + c]);
		ck_assert_int_eq(cols[c].ch[0].max, all[N - 50 + c]);
	}
	/* push past the coarsest ring: old data expires, never garbage */
	for (int i = 0; i < 5000; i++) {
		int16_t x = 7;
		pb_history_push1(h, &x);
	}
	oldest = pb_history_oldest(h);
	ck_assert_uint_gt(oldest, 0);
	ck_assert_int_eq(pb_history_query(h, 0, 8000, cols, 80, NULL), 0);
	for (int c = 0; c < 80; c++) {
		uint64_t b = 8000ull * (c + 1) / 80;
		if (b <= oldest)
			ck_assert(!cols[c].ch[0].has_data && !cols[c].gap);
	}
	pb_history_free(h);
}
END_TEST

START_TEST(gaps_come_back_as_gaps)
{
	struct pb_history *h = pb_history_new(2);
	int16_t v[2] = { 500, 600 };
	for (int i = 0; i < 1000; i++)
		pb_history_push1(h, v);
	pb_history_gap(h, 500);
	for (int i = 0; i < 1000; i++)
		pb_history_push1(h, v);
	ck_assert_uint_eq(pb_history_head(h), 2500);
	int16_t last;
	ck_assert(pb_history_last(h, 1, &last));
	ck_assert_int_eq(last, 600);

	/* 1 column per sample: exactly [1000,1500) is lost */
	struct pb_hist_col *cols = calloc(2500, sizeof *cols);
	ck_assert_int_eq(pb_history_query(h, 0, 2500, cols, 2500, NULL), 0);
	for (int i = 0; i < 2500; i++) {
		bool lost = i >= 1000 && i < 1500;
		ck_assert_int_eq(cols[i].gap, lost);
		ck_assert_int_eq(cols[i].ch[0].has_data, !lost);
		ck_assert_int_eq(cols[i].ch[1].has_data, !lost);
	}
	/* 25 columns of 100: 10..14 lost only, neighbours untouched */
	ck_assert_int_eq(pb_history_query(h, 0, 2500, cols, 25, NULL), 0);
	for (int c = 0; c < 25; c++) {
		bool lost = c >= 10 && c < 15;
		ck_assert_int_eq(cols[c].gap, lost);
		ck_assert_int_eq(cols[c].ch[0].has_data, !lost);
	}
	/* 2 columns of 1250: both have data and both show the gap */
	ck_assert_int_eq(pb_history_query(h, 0, 2500, cols, 2, NULL), 0);
	ck_assert(cols[0].gap && cols[0].ch[0].has_data);
	ck_assert(cols[1].gap && cols[1].ch[0].has_data);

	/* a long link-down (3 h) is cheap and comes back as gap at any age */
	pb_history_gap(h, 3ull * 3600 * 1000);
	for (int i = 0; i < 1000; i++)
		pb_history_push1(h, v);
	uint64_t head = pb_history_head(h);
	ck_assert_int_eq(pb_history_query(h, 0, head, cols, 200, NULL), 0);
	ck_assert(cols[0].ch[0].has_data);
	ck_assert(cols[100].gap && !cols[100].ch[0].has_data);
	ck_assert(cols[199].ch[0].has_data);
	/* the recent second before the data: gap; the data: no gap */
	ck_assert_int_eq(pb_history_query(h, head - 2000, head, cols, 200,
	    NULL), 0);
	ck_assert(cols[0].gap && !cols[0].ch[0].has_data);
	ck_assert(!cols[199].gap && cols[199].ch[0].has_data);
	ck_assert_int_eq(cols[199].ch[0].min, 500);
	free(cols);
	pb_history_free(h);
}
END_TEST

START_TEST(absent_channel_is_not_a_gap)
{
	struct pb_history *h = pb_history_new(2);
	int16_t a[300];
	for (int i = 0; i < 300; i++)
		a[i] = (int16_t)i;
	const int16_t *v[2] = { a, NULL };
	pb_history_push(h, v, 300);
	struct pb_hist_col cols[10];
	ck_assert_int_eq(pb_history_query(h, 0, 300, cols, 10, NULL), 0);
	for (int c = 0; c < 10; c++) {
		ck_assert(cols[c].ch[0].has_data);
		ck_assert(!cols[c].ch[1].has_data);
		ck_assert(!cols[c].gap);
		ck_assert_int_eq(cols[c].ch[0].min, c * 30);
		ck_assert_int_eq(cols[c].ch[0].max, c * 30 + 29);
	}
	ck_assert(!pb_history_last(h, 1, NULL));
	/* future columns: no data, no gap */
	ck_assert_int_eq(pb_history_query(h, 200, 400, cols, 10, NULL), 0);
	ck_assert(cols[4].ch[0].has_data);
	ck_assert(!cols[5].ch[0].has_data && !cols[5].gap);
	/* INT16_MIN input is kept (as INT16_MIN + 1), not read as missing */
	int16_t m[2] = { INT16_MIN, 0 };
	pb_history_push1(h, m);
	int16_t last;
	ck_assert(pb_history_last(h, 0, &last));
	ck_assert_int_eq(last, INT16_MIN + 1);
	/* bad arguments */
	ck_assert_int_eq(pb_history_query(h, 5, 5, cols, 10, NULL),
	    PB_HIST_E_ARG);
	ck_assert_int_eq(pb_history_query(h, 0, 5, cols, 0, NULL),
	    PB_HIST_E_ARG);
	ck_assert_ptr_null(pb_history_new(3));
	pb_history_free(h);
}
END_TEST

START_TEST(eight_hours_fit_the_budget)
{
	struct pb_history_geom g = pb_history_default_geom();
	size_t bytes = pb_history_memory_for(2, &g);
	/* history <= 8 MiB leaves half of the 16 MiB dashboard budget */
	ck_assert_uint_le(bytes, 8u << 20);
	struct pb_history *h = pb_history_new(2);
	ck_assert_uint_eq(pb_history_memory(h), bytes);
	/* the coarse levels keep at least 8 hours at 1 kHz */
	const uint64_t eight_h = 8ull * 3600 * RATE;
	ck_assert_uint_ge(pb_history_level_span(h, g.levels - 1), eight_h);
	ck_assert_uint_ge(pb_history_level_span(h, 4), eight_h);
	/* raw resolution for the last 4 minutes */
	ck_assert_uint_ge(pb_history_level_span(h, 0), 4ull * 60 * RATE);
	/* run 8.5 h: 8 h stay queryable, with data at 1 s zoom 7.9 h ago */
	int16_t v[2] = { 100, 200 };
	uint64_t spike_at = 0;
	for (int hour = 0; hour < 8; hour++) {
		pb_history_gap(h, 3600ull * RATE - 1000);
		for (int i = 0; i < 1000; i++) {
			int16_t s[2] = { v[0], v[1] };
			if (hour == 0 && i == 500) {
				s[0] = 3000;
				spike_at = pb_history_head(h);
			}
			pb_history_push1(h, s);
		}
	}
	pb_history_gap(h, 1800ull * RATE);
	uint64_t head = pb_history_head(h);
	ck_assert_uint_le(pb_history_oldest(h), head - eight_h);
	struct pb_hist_col cols[200];
	ck_assert_int_eq(pb_history_query(h, spike_at - 500, spike_at + 500,
	    cols, 200, NULL), 0);
	bool seen = false;
	for (int c = 0; c < 200; c++)
		if (cols[c].ch[0].has_data && cols[c].ch[0].max == 3000)
			seen = true;
	ck_assert(seen);
	pb_history_free(h);
}
END_TEST

static Suite *history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, spike_survives_every_zoom_and_age);
	tcase_add_test(tc, matches_brute_force_small_rings);
	tcase_add_test(tc, gaps_come_back_as_gaps);
	tcase_add_test(tc, absent_channel_is_not_a_gap);
	tcase_add_test(tc, eight_hours_fit_the_budget);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(history_suite)
