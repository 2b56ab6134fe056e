/*
 * tui/cycles.c - per-cycle statistics (see cycles.h for the promise).
 */
#include "tui/cycles.h"
#include "tui/cyclesum.h"

#include <math.h>
#include <string.h>

#define WF_UP_DEFAULT   200    /* dmmHg: waveform start, before a cycle */
#define WF_DN_DEFAULT   100    /* dmmHg: re-arm level */
#define WF_MIN_SWING    100    /* dmmHg: below this use the defaults */
#define PULL_MIN_RISE   30     /* dmmHg: smallest rise that starts a cycle */

void pb_cycles_init(struct pb_cycles *c, const struct pb_profile *profile,
    unsigned rate_hz, int channels)
{
	memset(c, 0, sizeof *c);
	c->profile = profile;
	c->rate_hz = rate_hz ? rate_hz : 1000;
	c->channels = channels < 1 ? 1 : channels > PB_CYC_MAX_CH ?
	    PB_CYC_MAX_CH : channels;
}

void pb_cycles_set_sum(struct pb_cycles *c, struct pb_cyclesum *sum)
{
	c->sum = sum;
}

static void abandon(struct pb_cyc_chan *ch)
{
	ch->open = false;
	ch->in_hold = false;
}

void pb_cycles_reset(struct pb_cycles *c)
{
	for (int i = 0; i < PB_CYC_MAX_CH; i++) {
		abandon(&c->ch[i]);
		c->ch[i].armed = false;
		c->ch[i].have_last = false;
		c->ch[i].wf_up = c->ch[i].wf_dn = 0;
	}
	c->have_prev = false;
	c->have_batch = false;
	c->phase_seen = false;
	c->mixed_count = 0;
}

void pb_cycles_lost(struct pb_cycles *c, uint64_t n)
{
	for (int i = 0; i < c->channels; i++) {
		struct pb_cyc_chan *ch = &c->ch[i];
		if (!ch->open)
			continue;
		ch->lost += n;
		if (ch->lost > 2ull * c->rate_hz)
			abandon(ch);
	}
	c->next_index += n;
}

/* Channels pumping at once (the expected peak pumping double is the
 * profile's double maximum at most). */
static uint8_t pumping(const struct pb_cyc_state *st)
{
	uint8_t n = 0;
	for (unsigned i = 0; i < 8; i++)
		n = (uint8_t)(n + ((st->channel_mask >> i) & 1u));
	return n ? n : 1;
}

static void start_cycle(struct pb_cycles *c, struct pb_cyc_chan *ch,
    uint64_t idx, int16_t v, const struct pb_cyc_state *st, uint8_t mode,
    bool by_phase)
{
	(void)c;
	ch->open = true;
	ch->start = idx;
	ch->peak = ch->trough = v;
	ch->mode = mode;
	ch->level = st->level;
	ch->pumping = pumping(st);
	ch->raw_mode = st->mode;
	ch->changed = false;
	ch->target = st->target;
	ch->reached = false;
	ch->reached_at = 0;
	ch->lost = 0;
	ch->by_phase = by_phase;
	ch->hs_n = ch->hs_x = ch->hs_y = ch->hs_xx = ch->hs_xy = 0;
	ch->in_hold = false;
	ch->hold_x0 = 0;
}

/* The profile's expected peak for a mode (mixed: resolved) and level,
 * dmmHg; 0 without a profile. */
static double expected_dmmhg(const struct pb_cycles *c, uint8_t mode,
    uint8_t level, uint8_t n)
{
	if (!c->profile || mode < PB_MODE_STIMULATION ||
	    mode > PB_MODE_EXPRESSION)
		return 0;
	return pb_profile_peak_n_mmhg(c->profile, mode, level, n) * 10.0;
}

/* Target used for time to target, dmmHg (0: none known). */
static double target_dmmhg(const struct pb_cycles *c,
    const struct pb_cyc_chan *ch)
{
	if (ch->target > 0)
		return ch->target;
	if (c->profile && ch->mode >= PB_MODE_STIMULATION &&
	    ch->mode <= PB_MODE_EXPRESSION)
		return pb_profile_peak_n_mmhg(c->profile, ch->mode, ch->level,
		    ch->pumping) * 10.0;
	return 0;
}

static void finish_cycle(struct pb_cycles *c, struct pb_cyc_chan *ch,
    uint64_t end)
{
	struct pb_cycle_stats *s = &ch->last;
	memset(s, 0, sizeof *s);
	s->number = ch->completed + 1;
	s->start = ch->start;
	s->end = end;
	s->mode = ch->mode;
	s->level = ch->level;
	s->by_phase = ch->by_phase;
	s->partial = ch->lost > 0;
	s->peak_mmhg = ch->peak / 10.0;
	s->trough_mmhg = ch->trough / 10.0;
	s->period_s = (double)(end - ch->start) / c->rate_hz;
	s->rate_cpm = s->period_s > 0 ? 60.0 / s->period_s : 0;
	s->target_mmhg = target_dmmhg(c, ch) / 10.0;
	s->ttt_s = ch->reached ?
	    (double)(ch->reached_at - ch->start) / c->rate_hz : -1.0;
	s->hold_decay_mmhg_s = NAN;
	if (ch->hs_n >= 0.02 * c->rate_hz && ch->hs_n >= 3) {
		double den = ch->hs_n * ch->hs_xx - ch->hs_x * ch->hs_x;
		if (den > 0) {
			double slope = (ch->hs_n * ch->hs_xy -
			    ch->hs_x * ch->hs_y) / den;   /* dmmHg/sample */
			s->hold_decay_mmhg_s = -slope * c->rate_hz / 10.0;
		}
	}
	s->changed = ch->changed;
	s->peak_ok = s->rate_ok = s->decay_ok = s->target_ok = true;
	const struct pb_profile *p = c->profile;
	if (p && !s->partial && s->mode >= PB_MODE_STIMULATION &&
	    s->mode <= PB_MODE_EXPRESSION && s->level >= 1) {
		s->has_expect = true;
		s->exp_peak_mmhg = pb_profile_peak_n_mmhg(p, s->mode, s->level,
		    ch->pumping);
		s->exp_rate_cpm = pb_profile_rate_cpm(p, s->mode, s->level);
		s->tol_peak_mmhg = p->tol_peak_mmhg;
		s->tol_rate_cpm = p->tol_rate_cpm;
		s->peak_ok = fabs(s->peak_mmhg - s->exp_peak_mmhg) <=
		    p->tol_peak_mmhg + 1e-9;
		s->rate_ok = fabs(s->rate_cpm - s->exp_rate_cpm) <=
		    p->tol_rate_cpm + 1e-9;
		if (!isnan(s->hold_decay_mmhg_s) && p->leak_decay_mmhg_s > 0)
			s->decay_ok = s->hold_decay_mmhg_s <=
			    p->leak_decay_mmhg_s;
		s->target_ok = !(s->target_mmhg > 0 && s->ttt_s < 0);
	}
	ch->completed++;
	if (c->sum)
		pb_cyclesum_add(c->sum, (int)(ch - c->ch), s);
	ch->open = false;
	ch->in_hold = false;
}

enum pb_cycle_verdict pb_cycle_verdict(const struct pb_cycle_stats *s,
    unsigned *why)
{
	unsigned w = 0;
	enum pb_cycle_verdict v;
	if (s->partial)
		v = PB_CYV_PARTIAL;
	else if (s->changed)
		v = PB_CYV_CHANGED;
	else if (!s->has_expect)
		v = PB_CYV_NA;
	else {
		w = (s->peak_ok ? 0 : PB_CYV_WHY_PEAK) |
		    (s->rate_ok ? 0 : PB_CYV_WHY_RATE) |
		    (s->decay_ok ? 0 : PB_CYV_WHY_DECAY) |
		    (s->target_ok ? 0 : PB_CYV_WHY_TARGET);
		v = w ? PB_CYV_OUT : PB_CYV_OK;
	}
	if (why)
		*why = w;
	return v;
}

const char *pb_cycle_verdict_name(enum pb_cycle_verdict v)
{
	switch (v) {
	case PB_CYV_PARTIAL: return "partial";
	case PB_CYV_CHANGED: return "changed";
	case PB_CYV_NA: return "n/a";
	case PB_CYV_OK: return "OK";
	case PB_CYV_OUT: return "OUT";
	}
	return "?";
}

/* The mode a cycle is judged by: in mixed mode, the kind of this cycle. */
static uint8_t cycle_mode(const struct pb_cycles *c, uint8_t mode)
{
	if (mode != PB_MODE_MIXED)
		return mode;
	if (!c->profile)
		return mode;
	return pb_profile_mixed_is_stim(c->profile, c->mixed_count) ?
	    PB_MODE_STIMULATION : PB_MODE_EXPRESSION;
}

static void update_open(struct pb_cycles *c, struct pb_cyc_chan *ch,
    uint64_t idx, int16_t v, const struct pb_cyc_state *st)
{
	if (st->mode != ch->raw_mode || st->level != ch->level)
		ch->changed = true;
	if (v > ch->peak)
		ch->peak = v;
	if (v < ch->trough)
		ch->trough = v;
	if (!ch->reached) {
		double t = target_dmmhg(c, ch);
		if (t > 0 && v >= 0.95 * t) {
			ch->reached = true;
			ch->reached_at = idx;
		}
	}
	if (st->phase == PB_PH_HOLD) {
		if (!ch->in_hold) {
			/* one HOLD per cycle: a second one restarts the fit */
			ch->in_hold = true;
			ch->hold_x0 = idx;
			ch->hs_n = ch->hs_x = ch->hs_y = ch->hs_xx =
			    ch->hs_xy = 0;
		}
		double x = (double)(idx - ch->hold_x0), y = v;
		ch->hs_n += 1;
		ch->hs_x += x;
		ch->hs_y += y;
		ch->hs_xx += x * x;
		ch->hs_xy += x * y;
	} else {
		ch->in_hold = false;
	}
}

unsigned pb_cycles_feed(struct pb_cycles *c, uint64_t idx,
    const int16_t *v, const struct pb_cyc_state *st)
{
	if (!c || !v || !st)
		return 0;
	if (c->have_prev) {
		if (idx < c->next_index) {
			/* the index went back (device restarted): the open
			 * cycles cannot be measured across it */
			for (int i = 0; i < c->channels; i++)
				abandon(&c->ch[i]);
		} else if (idx > c->next_index)
			pb_cycles_lost(c, idx - c->next_index);
	}
	c->next_index = idx + 1;

	bool running = st->run_state == PB_RS_RUNNING;
	bool mode_changed = c->have_prev && st->mode != c->prev.mode;
	if (mode_changed || !running)
		c->mixed_count = 0;
	if (running && st->phase != PB_PH_IDLE && !c->phase_seen) {
		/* from now on phases, not the waveform, find the cycles */
		c->phase_seen = true;
		for (int i = 0; i < c->channels; i++)
			c->ch[i].armed = false;
	}
	bool pull_start = running && c->phase_seen &&
	    st->phase == PB_PH_PULL &&
	    (!c->have_prev || c->prev.phase != PB_PH_PULL ||
	    c->prev.run_state != PB_RS_RUNNING);
	uint8_t mask = st->channel_mask ? st->channel_mask : 0xFF;
	unsigned done = 0;
	uint8_t mode = cycle_mode(c, st->mode);

	for (int i = 0; i < c->channels; i++) {
		struct pb_cyc_chan *ch = &c->ch[i];
		if (!running || !(mask & (1u << i))) {
			abandon(ch);
			ch->armed = false;
			continue;
		}
		bool boundary = false;
		uint8_t cmode = mode;
		if (c->phase_seen) {
			/* PULL began in this batch: arm, and start the cycle
			 * where the vacuum rises 10 % of the way from the rest
			 * level to the target (to the sample, whatever the
			 * batch length) */
			if (pull_start) {
				ch->armed = true;
				ch->arm_min = v[i];
				ch->arm_mode = mode;
			}
			if (ch->armed) {
				if (v[i] < ch->arm_min)
					ch->arm_min = v[i];
				double tgt = st->target > 0 ? st->target :
				    expected_dmmhg(c, ch->arm_mode, st->level,
				    pumping(st));
				int32_t delta = tgt > ch->arm_min ?
				    (int32_t)((tgt - ch->arm_min) / 10) : 0;
				if (delta < PULL_MIN_RISE)
					delta = PULL_MIN_RISE;
				if (v[i] >= ch->arm_min + delta) {
					boundary = true;
					ch->armed = false;
					cmode = ch->arm_mode;
				}
			}
		} else {
			/* waveform fallback: Schmitt trigger */
			if (ch->wf_up == 0) {
				ch->wf_up = WF_UP_DEFAULT;
				ch->wf_dn = WF_DN_DEFAULT;
			}
			if (!ch->armed && v[i] <= ch->wf_dn) {
				ch->armed = true;
				int32_t up = WF_UP_DEFAULT, dn = WF_DN_DEFAULT;
				if (ch->have_last) {
					int32_t sw = ch->last_peak -
					    ch->last_trough;
					if (sw >= WF_MIN_SWING) {
						up = ch->last_trough + sw * 3 / 10;
						dn = ch->last_trough + sw * 15 / 100;
					}
				}
				ch->wf_up = up;
				ch->wf_dn = dn;
			}
			if (ch->armed && v[i] >= ch->wf_up) {
				boundary = true;
				ch->armed = false;
			}
		}
		if (boundary) {
			if (ch->open) {
				ch->have_last = true;
				ch->last_peak = ch->peak;
				ch->last_trough = ch->trough;
				finish_cycle(c, ch, idx);
				done |= 1u << i;
			}
			start_cycle(c, ch, idx, v[i], st, cmode, c->phase_seen);
		}
		if (ch->open)
			update_open(c, ch, idx, v[i], st);
	}
	if (pull_start && st->mode == PB_MODE_MIXED)
		c->mixed_count++;
	c->prev = *st;
	c->have_prev = true;
	return done;
}

unsigned pb_cycles_feed_batch(struct pb_cycles *c, uint64_t first_index,
    const struct pb_telemetry *t)
{
	if (!c || !t)
		return 0;
	struct pb_cyc_state st = {
		.mode = t->mode, .level = t->level, .phase = t->phase,
		.run_state = t->run_state, .channel_mask = t->channel_mask,
		.target = t->target
	};
	int nch = t->channels < c->channels ? t->channels : c->channels;
	if (nch < c->channels) {
		/* channels missing from the batch are not pumping here */
		uint8_t m = st.channel_mask ? st.channel_mask : 0xFF;
		st.channel_mask = (uint8_t)(m & ((1u << nch) - 1));
		if (!st.channel_mask)
			st.run_state = PB_RS_IDLE;
	}
	/* The batch carries the state at its end: the batch in which HOLD
	 * begins still holds the end of the pull, so it is fed as PULL and
	 * only whole HOLD batches go into the hold-decay fit. */
	uint8_t reported = st.phase;
	if (st.phase == PB_PH_HOLD && (!c->have_batch ||
	    c->batch_phase != PB_PH_HOLD))
		st.phase = PB_PH_PULL;
	c->batch_phase = reported;
	c->have_batch = true;
	unsigned done = 0;
	size_t n = t->n;
	if (n > PB_MAX_PAYLOAD / 2)
		n = PB_MAX_PAYLOAD / 2;
	for (size_t i = 0; i < n; i++) {
		int16_t v[PB_CYC_MAX_CH] = { 0, 0 };
		for (int ch = 0; ch < nch; ch++)
			v[ch] = t->samples[ch][i];
		done |= pb_cycles_feed(c, first_index + i, v, &st);
	}
	return done;
}

uint8_t pb_cycles_kind(const struct pb_cycles *c)
{
	if (!c)
		return 0;
	for (int i = 0; i < c->channels; i++)
		if (c->ch[i].armed && c->phase_seen)
			return c->ch[i].arm_mode;
	for (int i = 0; i < c->channels; i++)
		if (c->ch[i].open)
			return c->ch[i].mode;
	return 0;
}

uint32_t pb_cycles_count(const struct pb_cycles *c, int ch)
{
	if (!c || ch < 0 || ch >= PB_CYC_MAX_CH)
		return 0;
	return c->ch[ch].completed;
}

const struct pb_cycle_stats *pb_cycles_last(const struct pb_cycles *c,
    int ch)
{
	if (!c || ch < 0 || ch >= PB_CYC_MAX_CH || c->ch[ch].completed == 0)
		return NULL;
	return &c->ch[ch].last;
}
