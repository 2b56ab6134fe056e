/*
 * tui/runsummary.c - a headless run's JSON summary (see runsummary.h).
 */
#include "tui/runsummary.h"

#include <math.h>
#include <stdio.h>

static void key(struct pb_sbuf *b, bool *first, const char *k)
{
	if (!*first)
		pb_sbuf_lit(b, ",");
	*first = false;
	pb_sbuf_json(b, k);
	pb_sbuf_lit(b, ":");
}

static void str_or_null(struct pb_sbuf *b, const char *s)
{
	if (s)
		pb_sbuf_json(b, s);
	else
		pb_sbuf_lit(b, "null");
}

static void kstr(struct pb_sbuf *b, bool *first, const char *k,
    const char *v)
{
	key(b, first, k);
	str_or_null(b, v);
}

static void kuint(struct pb_sbuf *b, bool *first, const char *k, uint64_t v)
{
	key(b, first, k);
	pb_sbuf_printf(b, "%llu", (unsigned long long)v);
}

static void knum(struct pb_sbuf *b, bool *first, const char *k, double v)
{
	key(b, first, k);
	pb_sbuf_num(b, v, 6, true);
}

static void acc(struct pb_sbuf *b, bool *first, const char *k,
    const struct pb_cyclesum_acc *a)
{
	key(b, first, k);
	if (!a->n) {
		pb_sbuf_lit(b, "null");
		return;
	}
	bool f = true;
	pb_sbuf_lit(b, "{");
	knum(b, &f, "min", a->min);
	knum(b, &f, "mean", pb_cyclesum_mean(a));
	knum(b, &f, "max", a->max);
	kuint(b, &f, "n", a->n);
	pb_sbuf_lit(b, "}");
}

static void counts(struct pb_sbuf *b, bool *f,
    const struct pb_cyclesum_counts *v)
{
	kuint(b, f, "cycles", v->cycles);
	kstr(b, f, "verdict", pb_cyclesum_verdict(v));
	kuint(b, f, "ok", v->ok);
	kuint(b, f, "out", v->out);
	kuint(b, f, "partial", v->partial);
	kuint(b, f, "changed", v->changed);
	kuint(b, f, "not_judged", v->na);
	key(b, f, "out_by");
	bool g = true;
	pb_sbuf_lit(b, "{");
	kuint(b, &g, "peak", v->peak_out);
	kuint(b, &g, "rate", v->rate_out);
	kuint(b, &g, "decay", v->decay_out);
	kuint(b, &g, "target", v->target_out);
	pb_sbuf_lit(b, "}");
}

static void group(struct pb_sbuf *b, const struct pb_cyclesum_group *g)
{
	bool f = true;
	pb_sbuf_lit(b, "{");
	kstr(b, &f, "mode", pb_mode_name(g->mode));
	kuint(b, &f, "level", g->level);
	counts(b, &f, &g->v);
	acc(b, &f, "peak_mmhg", &g->peak);
	acc(b, &f, "trough_mmhg", &g->trough);
	acc(b, &f, "rate_cpm", &g->rate);
	acc(b, &f, "time_to_target_s", &g->ttt);
	acc(b, &f, "hold_decay_mmhg_s", &g->decay);
	key(b, &f, "expected");
	if (g->has_expect) {
		bool e = true;
		pb_sbuf_lit(b, "{");
		knum(b, &e, "peak_mmhg", g->exp_peak_mmhg);
		knum(b, &e, "peak_tol_mmhg", g->tol_peak_mmhg);
		knum(b, &e, "rate_cpm", g->exp_rate_cpm);
		knum(b, &e, "rate_tol_cpm", g->tol_rate_cpm);
		pb_sbuf_lit(b, "}");
	} else {
		pb_sbuf_lit(b, "null");
	}
	pb_sbuf_lit(b, "}");
}

static void channel(struct pb_sbuf *b, int c, const struct pb_cyclesum_chan *ch)
{
	char name[8];
	snprintf(name, sizeof name, "ch%d", c + 1);
	bool f = true;
	pb_sbuf_lit(b, "{");
	kstr(b, &f, "channel", name);
	counts(b, &f, &ch->v);
	kuint(b, &f, "ungrouped", ch->ungrouped);
	key(b, &f, "settings");
	pb_sbuf_lit(b, "[");
	for (unsigned i = 0; i < ch->ngroups; i++) {
		if (i)
			pb_sbuf_lit(b, ",");
		group(b, &ch->g[i]);
	}
	pb_sbuf_lit(b, "]}");
}

void pb_runsummary_json(struct pb_sbuf *b, const struct pb_runsummary *r)
{
	bool f = true;
	pb_sbuf_lit(b, "{");
	kstr(b, &f, "tool", "pumpbench");
	kstr(b, &f, "tool_version", r->tool_version);
	kstr(b, &f, "result", r->result);
	key(b, &f, "exit_code");
	pb_sbuf_printf(b, "%d", r->exit_code);
	kstr(b, &f, "reason", r->reason);
	kstr(b, &f, "source", r->replay ? "replay" : "pump");
	kstr(b, &f, "port", r->port);
	key(b, &f, "device");
	if (r->info) {
		bool d = true;
		pb_sbuf_lit(b, "{");
		kstr(b, &d, "serial", r->info->serial);
		kstr(b, &d, "firmware", r->info->fw_version);
		kstr(b, &d, "profile", r->info->profile);
		kuint(b, &d, "channels", r->info->channels);
		kuint(b, &d, "levels", r->info->levels);
		kuint(b, &d, "sample_rate_hz", r->info->sample_rate_hz);
		pb_sbuf_lit(b, "}");
	} else {
		pb_sbuf_lit(b, "null");
	}
	kstr(b, &f, "profile", r->profile);
	kstr(b, &f, "units", "mmHg");
	knum(b, &f, "run_s", r->run_s);
	kuint(b, &f, "samples", r->samples);
	kuint(b, &f, "lost", r->lost);
	kuint(b, &f, "frames", r->frames);
	kuint(b, &f, "crc_errors", r->crc_errors);
	kuint(b, &f, "link_losses", r->link_losses);
	key(b, &f, "steps");
	bool s = true;
	pb_sbuf_lit(b, "{");
	kuint(b, &s, "total", r->steps_total);
	kuint(b, &s, "done", r->steps_done);
	kstr(b, &s, "failed", r->step_failed);
	pb_sbuf_lit(b, "}");
	key(b, &f, "alarms");
	bool a = true;
	pb_sbuf_lit(b, "{");
	kuint(b, &a, "raised", r->alarms_raised);
	kstr(b, &a, "first", r->first_alarm);
	pb_sbuf_lit(b, "}");
	kuint(b, &f, "markers", r->markers);
	kstr(b, &f, "record", r->record);
	key(b, &f, "channels");
	pb_sbuf_lit(b, "[");
	int n = !r->cycles || r->channels < 0 ? 0 :
	    r->channels > PB_CYC_MAX_CH ? PB_CYC_MAX_CH : r->channels;
	for (int c = 0; c < n; c++) {
		if (c)
			pb_sbuf_lit(b, ",");
		channel(b, c, &r->cycles->ch[c]);
	}
	pb_sbuf_lit(b, "]}\n");
}
