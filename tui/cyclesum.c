/*
 * tui/cyclesum.c - a session's cycles summed (see cyclesum.h).
 */
#include "tui/cyclesum.h"

#include <math.h>
#include <string.h>

void pb_cyclesum_init(struct pb_cyclesum *s)
{
	memset(s, 0, sizeof *s);
}

void pb_cyclesum_acc_add(struct pb_cyclesum_acc *a, double v)
{
	if (isnan(v) || isinf(v))
		return;
	if (a->n == 0 || v < a->min)
		a->min = v;
	if (a->n == 0 || v > a->max)
		a->max = v;
	a->sum += v;
	a->n++;
}

double pb_cyclesum_mean(const struct pb_cyclesum_acc *a)
{
	return a->n ? a->sum / a->n : NAN;
}

static void count(struct pb_cyclesum_counts *v, enum pb_cycle_verdict vd,
    unsigned why)
{
	v->cycles++;
	switch (vd) {
	case PB_CYV_OK: v->ok++; break;
	case PB_CYV_OUT: v->out++; break;
	case PB_CYV_PARTIAL: v->partial++; break;
	case PB_CYV_CHANGED: v->changed++; break;
	case PB_CYV_NA: v->na++; break;
	}
	if (why & PB_CYV_WHY_PEAK)
		v->peak_out++;
	if (why & PB_CYV_WHY_RATE)
		v->rate_out++;
	if (why & PB_CYV_WHY_DECAY)
		v->decay_out++;
	if (why & PB_CYV_WHY_TARGET)
		v->target_out++;
}

static struct pb_cyclesum_group *group(struct pb_cyclesum_chan *c,
    uint8_t mode, uint8_t level)
{
	for (unsigned i = 0; i < c->ngroups; i++)
		if (c->g[i].mode == mode && c->g[i].level == level)
			return &c->g[i];
	if (c->ngroups >= PB_CYCLESUM_MAX_GROUPS)
		return NULL;
	struct pb_cyclesum_group *g = &c->g[c->ngroups++];
	memset(g, 0, sizeof *g);
	g->mode = mode;
	g->level = level;
	return g;
}

void pb_cyclesum_add(struct pb_cyclesum *s, int ch,
    const struct pb_cycle_stats *st)
{
	if (!s || !st || ch < 0 || ch >= PB_CYC_MAX_CH)
		return;
	struct pb_cyclesum_chan *c = &s->ch[ch];
	unsigned why;
	enum pb_cycle_verdict vd = pb_cycle_verdict(st, &why);
	count(&c->v, vd, why);
	struct pb_cyclesum_group *g = group(c, st->mode, st->level);
	if (!g) {
		c->ungrouped++;
		return;
	}
	count(&g->v, vd, why);
	/* the values of cycles that were not whole say little */
	if (vd == PB_CYV_PARTIAL)
		return;
	pb_cyclesum_acc_add(&g->peak, st->peak_mmhg);
	pb_cyclesum_acc_add(&g->trough, st->trough_mmhg);
	pb_cyclesum_acc_add(&g->rate, st->rate_cpm);
	if (st->ttt_s >= 0)
		pb_cyclesum_acc_add(&g->ttt, st->ttt_s);
	pb_cyclesum_acc_add(&g->decay, st->hold_decay_mmhg_s);
	if (st->has_expect && !g->has_expect) {
		g->has_expect = true;
		g->exp_peak_mmhg = st->exp_peak_mmhg;
		g->exp_rate_cpm = st->exp_rate_cpm;
		g->tol_peak_mmhg = st->tol_peak_mmhg;
		g->tol_rate_cpm = st->tol_rate_cpm;
	}
}

const char *pb_cyclesum_verdict(const struct pb_cyclesum_counts *v)
{
	if (v->cycles == 0)
		return "none";
	if (v->out)
		return "OUT";
	if (v->ok)
		return "OK";
	return "n/a";
}
