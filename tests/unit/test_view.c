/*
 * tests/unit/test_view.c - the dashboard's view policy: layout by
 * terminal size, the graph window for the UI state, what a pause keeps.
 */
#include <string.h>
#include "tests/lib/check_main.h"
#include "tui/view.h"

static void assert_rect(struct pb_view_rect r, int y, int x, int h, int w)
{
	ck_assert_int_eq(r.y, y);
	ck_assert_int_eq(r.x, x);
	ck_assert_int_eq(r.h, h);
	ck_assert_int_eq(r.w, w);
}

START_TEST(layout_kind_by_size)
{
	ck_assert_int_eq(pb_view_layout(11, 200).kind, PB_VIEW_TINY);
	ck_assert_int_eq(pb_view_layout(50, 39).kind, PB_VIEW_TINY);
	ck_assert_int_eq(pb_view_layout(12, 40).kind, PB_VIEW_COMPACT);
	ck_assert_int_eq(pb_view_layout(23, 200).kind, PB_VIEW_COMPACT);
	ck_assert_int_eq(pb_view_layout(50, 79).kind, PB_VIEW_COMPACT);
	ck_assert_int_eq(pb_view_layout(24, 80).kind, PB_VIEW_FULL);
	/* tiny: nothing is placed */
	struct pb_view_layout t = pb_view_layout(10, 30);
	ck_assert_int_eq(t.graph.h, 0);
	ck_assert_int_eq(t.status.h, 0);
}
END_TEST

START_TEST(layout_compact_40x12)
{
	struct pb_view_layout l = pb_view_layout(12, 40);
	assert_rect(l.status, 0, 0, 1, 40);
	assert_rect(l.graph, 1, 0, 10, 40);
	assert_rect(l.footer, 11, 0, 1, 40);
	ck_assert_int_eq(l.stats.h, 0);
	ck_assert_int_eq(l.link.h, 0);
	ck_assert_int_eq(l.alarms.h, 0);
	ck_assert_int_eq(l.grid_rows, 9);
	ck_assert_int_eq(l.grid_cols, 40);
}
END_TEST

START_TEST(layout_full_panels_grow_with_rows)
{
	/* 80x24: 9-row panels under a 13-row graph */
	struct pb_view_layout l = pb_view_layout(24, 80);
	assert_rect(l.graph, 1, 0, 13, 80);
	assert_rect(l.stats, 14, 0, 9, 44);
	assert_rect(l.link, 14, 44, 9, 19);
	assert_rect(l.alarms, 14, 63, 9, 17);
	assert_rect(l.footer, 23, 0, 1, 80);
	ck_assert_int_eq(l.grid_rows, 12);
	ck_assert_int_eq(pb_view_layout(29, 100).stats.h, 9);
	ck_assert_int_eq(pb_view_layout(30, 100).stats.h, 11);
	ck_assert_int_eq(pb_view_layout(39, 100).stats.h, 11);
	ck_assert_int_eq(pb_view_layout(40, 100).stats.h, 13);
	l = pb_view_layout(50, 200);
	assert_rect(l.graph, 1, 0, 35, 200);
	ck_assert_int_eq(l.grid_rows, 34);
}
END_TEST

START_TEST(layout_tiles_every_size)
{
	for (int rows = PB_VIEW_MIN_ROWS; rows <= 120; rows++) {
		for (int cols = PB_VIEW_MIN_COLS; cols <= 320; cols += 7) {
			struct pb_view_layout l = pb_view_layout(rows, cols);
			int panel = l.kind == PB_VIEW_FULL ? l.stats.h : 0;
			ck_assert_int_eq(l.status.h + l.graph.h + panel +
			    l.footer.h, rows);
			ck_assert_int_eq(l.graph.y, 1);
			ck_assert_int_eq(l.footer.y, rows - 1);
			ck_assert_int_ge(l.grid_rows, PB_GRAPH_MIN_ROWS);
			if (l.kind != PB_VIEW_FULL)
				continue;
			ck_assert_int_eq(l.stats.w + l.link.w + l.alarms.w,
			    cols);
			ck_assert_int_eq(l.link.x, l.stats.w);
			ck_assert_int_eq(l.alarms.x, l.stats.w + l.link.w);
			ck_assert_int_eq(l.link.h, panel);
			ck_assert_int_eq(l.alarms.h, panel);
			ck_assert_int_eq(l.stats.y, 1 + l.graph.h);
		}
	}
}
END_TEST

static struct pb_app live_app(void)
{
	struct pb_app a;
	pb_app_init(&a, PB_UNIT_MMHG);
	pb_app_set_samples(&a, 0, 60000, 1000);
	return a;
}

static struct pb_view_env env2(void)
{
	struct pb_view_env e;
	memset(&e, 0, sizeof e);
	e.braille = true;
	e.color = true;
	e.channels = 2;
	e.profile_max_mmhg = 300;
	e.history_head = 60000;
	e.session_start = 1000;
	return e;
}

START_TEST(graph_view_live_and_paused)
{
	struct pb_app a = live_app();
	struct pb_view_env e = env2();
	struct pb_graph_view v = pb_view_graph(&a, &e);
	/* the dashboard starts in sweep, 10 s, fixed scale */
	ck_assert_int_eq(v.mode, PB_GRAPH_SWEEP);
	ck_assert_int_eq(v.glyphs, PB_GRAPH_BRAILLE);
	ck_assert(!v.monochrome);
	ck_assert_int_eq(v.channel_mask, 3);
	ck_assert(!v.autoscale);
	ck_assert_uint_eq(v.end, 60000);
	ck_assert_uint_eq(v.span, 10000);
	ck_assert_uint_eq(v.rate_hz, 1000);
	ck_assert_uint_eq(v.session_start, 1000);
	ck_assert(!v.step_cells);
	/* scrolling moves in whole-cell steps */
	a.sweep = false;
	v = pb_view_graph(&a, &e);
	ck_assert_int_eq(v.mode, PB_GRAPH_SCROLL);
	ck_assert(v.step_cells);
	/* paused in sweep: a scrolling window at the pause's right edge */
	a.sweep = true;
	pb_app_do(&a, PB_ACT_PAUSE, 0);
	ck_assert(a.paused);
	pb_app_set_samples(&a, 0, 70000, 1000);
	v = pb_view_graph(&a, &e);
	ck_assert_int_eq(v.mode, PB_GRAPH_SCROLL);
	ck_assert(v.step_cells);
	ck_assert_uint_eq(v.end, 60000);
	/* zoom: the span follows the time base */
	pb_app_do(&a, PB_ACT_ZOOM_IN, 0);
	ck_assert_uint_eq(pb_view_graph(&a, &e).span, 5000);
}
END_TEST

START_TEST(graph_view_terminal_and_channels)
{
	struct pb_app a = live_app();
	struct pb_view_env e = env2();
	e.braille = false;
	e.color = false;
	e.channels = 1;
	struct pb_graph_view v = pb_view_graph(&a, &e);
	ck_assert_int_eq(v.glyphs, PB_GRAPH_ASCII);
	ck_assert(v.monochrome);
	ck_assert_int_eq(v.channel_mask, 1);
	/* no history yet: the right edge is the history's head */
	pb_app_set_samples(&a, 0, 0, 0);
	e.history_head = 123;
	v = pb_view_graph(&a, &e);
	ck_assert_uint_eq(v.end, 123);
	ck_assert_uint_eq(v.rate_hz, 1000);   /* a rate of 0 is not used */
}
END_TEST

START_TEST(graph_view_fixed_scale_top_and_target)
{
	struct pb_app a = live_app();
	struct pb_view_env e = env2();
	ck_assert_int_eq(pb_view_graph(&a, &e).fixed_max_dmmhg, 3000);
	e.profile_max_mmhg = 250.04;
	ck_assert_int_eq(pb_view_graph(&a, &e).fixed_max_dmmhg, 2500);
	/* no profile: the device's limit, else 300 mmHg */
	e.profile_max_mmhg = 0;
	ck_assert_int_eq(pb_view_graph(&a, &e).fixed_max_dmmhg, 3000);
	a.have_info = true;
	a.info.max_target = 2800;
	ck_assert_int_eq(pb_view_graph(&a, &e).fixed_max_dmmhg, 2800);
	/* the target line only while telemetry reports a target */
	ck_assert(!pb_view_graph(&a, &e).show_target);
	a.have_tel = true;
	ck_assert(!pb_view_graph(&a, &e).show_target);
	a.target = 1400;
	struct pb_graph_view v = pb_view_graph(&a, &e);
	ck_assert(v.show_target);
	ck_assert_int_eq(v.target_dmmhg, 1400);
}
END_TEST

START_TEST(freeze_keeps_sweep_picture_until_view_changes)
{
	struct pb_app a = live_app();
	struct pb_view_freeze f;
	memset(&f, 0, sizeof f);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, true), PB_VIEW_GRAPH_ALL);
	pb_app_do(&a, PB_ACT_PAUSE, 0);
	/* just paused in sweep: what is on screen stays */
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
	pb_app_set_samples(&a, 0, 90000, 1000);   /* data goes on arriving */
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
	/* a full redraw (resize, Ctrl-L) redraws the paused window */
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, true), PB_VIEW_GRAPH_ALL);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
	/* scrolling back, zooming, units and scale each draw once */
	pb_app_do(&a, PB_ACT_SCROLL_BACK, 0);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
	pb_app_do(&a, PB_ACT_ZOOM_OUT, 0);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
	pb_app_do(&a, PB_ACT_UNITS, 0);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	pb_app_do(&a, PB_ACT_SCALE, 0);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
	/* resuming redraws everything once, then frames draw again */
	pb_app_do(&a, PB_ACT_PAUSE, 0);
	ck_assert(!a.paused);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_ALL);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
}
END_TEST

START_TEST(freeze_in_scroll_draws_the_pause_window_once)
{
	struct pb_app a = live_app();
	a.sweep = false;
	struct pb_view_freeze f;
	memset(&f, 0, sizeof f);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	pb_app_do(&a, PB_ACT_PAUSE, 0);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
	/* a resize forgets the picture: the next paused frame draws */
	pb_view_freeze_reset(&f);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_DRAW);
	ck_assert_int_eq(pb_view_freeze_step(&f, &a, false), PB_VIEW_GRAPH_KEEP);
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("policy");
	tcase_add_test(tc, layout_kind_by_size);
	tcase_add_test(tc, layout_compact_40x12);
	tcase_add_test(tc, layout_full_panels_grow_with_rows);
	tcase_add_test(tc, layout_tiles_every_size);
	tcase_add_test(tc, graph_view_live_and_paused);
	tcase_add_test(tc, graph_view_terminal_and_channels);
	tcase_add_test(tc, graph_view_fixed_scale_top_and_target);
	tcase_add_test(tc, freeze_keeps_sweep_picture_until_view_changes);
	tcase_add_test(tc, freeze_in_scroll_draws_the_pause_window_once);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(view_suite)
