/*
 * hil/scenario-rec.c - the flight recorder: the rig's view of the last
 * seconds (reference vacuum, motor, alarm and valve lines), attached to a
 * failed attempt as traces, so its report shows what happened around the
 * failure without a rerun.  See scenario-impl.h.
 */
#include <math.h>
#include <string.h>

#include "hil/scenario-impl.h"

/* One sample on the grid at t (rig us); the rig's own reads, as
 * measure.* and trace() take them.  A read that fails records NaN: the
 * scenario's own next call reports the rig's failure. */
static void take(struct scn *s, uint64_t t)
{
	struct scn_rec *r = &s->rec;
	size_t i = r->head;
	r->t_us[i] = t;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		double v = NAN, mm = NAN;
		if (ch < r->channels &&
		    pb_fixture_read_reference(s->fix, ch, &v, &mm) != PB_FIX_OK)
			mm = NAN;
		r->vac[ch][i] = (float)mm;
	}
	uint32_t bits = 0;
	r->pins[i] = pb_fixture_read_outputs(s->fix, &bits) == PB_FIX_OK ?
	    (uint16_t)(bits & 0x7fffu) : 0x8000u;   /* 0x8000: unknown */
	r->head = (r->head + 1) % SCN_REC_N;
	if (r->n < SCN_REC_N)
		r->n++;
}

void scn_rec_sample(struct scn *s, uint64_t now)
{
	struct scn_rec *r = &s->rec;
	if (!s->fix || r->frozen)
		return;
	if (!r->next_us) {
		const struct pb_rig *rig = pb_fixture_rig(s->fix);
		r->channels = rig ? rig->channels : 1;
		if (r->channels > PB_MAX_CH)
			r->channels = PB_MAX_CH;
		r->next_us = now;
	}
	/* a long step: the value at its end stands for the grid points it
	 * skipped (as trace() does); at most a ring's worth */
	if (now > r->next_us + (uint64_t)SCN_REC_N * SCN_REC_PERIOD_US)
		r->next_us = now - (uint64_t)(SCN_REC_N - 1) *
		    SCN_REC_PERIOD_US;
	while (r->next_us <= now) {
		take(s, r->next_us);
		r->next_us += SCN_REC_PERIOD_US;
		if (r->stop_us && r->next_us > r->stop_us) {
			r->frozen = true;
			break;
		}
	}
}

void scn_rec_trigger(struct scn *s)
{
	if (s->fix && !s->rec.stop_us && s->dut)
		s->rec.stop_us = pb_dut_now(s->dut) + SCN_REC_AFTER_US;
}

static struct pb_trace *add(struct scn *s, const char *name,
    const char *unit, double t0)
{
	struct pb_trace *t = pb_attempt_add_trace(s->a);
	if (!t)
		return NULL;
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "recorder %s", name);
	snprintf(t->unit, sizeof t->unit, "%s", unit);
	t->t0_s = t0;
	t->period_s = SCN_REC_PERIOD_US / 1e6;
	return t;
}

void scn_rec_attach(struct scn *s)
{
	struct scn_rec *r = &s->rec;
	if (!r->n)
		return;
	size_t first = (r->head + SCN_REC_N - r->n) % SCN_REC_N;
	double t0 = (double)(r->t_us[first] - s->t0_us) / 1e6;
	/* vacuum per channel, then the lines (0/1) */
	for (int ch = 0; ch < r->channels; ch++) {
		char name[24];
		snprintf(name, sizeof name, "vacuum%d", ch + 1);
		struct pb_trace *t = add(s, name, "mmHg", t0);
		for (size_t k = 0; t && k < r->n; k++)
			pb_trace_push(t, r->vac[ch][(first + k) % SCN_REC_N],
			    SCN_REC_N);
	}
	struct line { const char *name; uint32_t bit; } lines[2 + PB_MAX_CH] = {
		{ "motor", PB_FIX_OUT_MOTOR }, { "alarm", PB_FIX_OUT_ALARM },
	};
	int nl = 2;
	static const char *const vn[PB_MAX_CH] = { "valve1", "valve2" };
	for (int ch = 0; ch < r->channels; ch++)
		lines[nl++] = (struct line){ vn[ch], PB_FIX_OUT_VALVE(ch) };
	for (int i = 0; i < nl; i++) {
		struct pb_trace *t = add(s, lines[i].name, "", t0);
		for (size_t k = 0; t && k < r->n; k++) {
			uint16_t p = r->pins[(first + k) % SCN_REC_N];
			pb_trace_push(t, p & 0x8000u ? NAN :
			    (p & lines[i].bit) ? 1.0 : 0.0, SCN_REC_N);
		}
	}
	pb_attempt_log(s->a, "flight recorder: %.2f s of vacuum and lines "
	    "around the failure attached (from %.2f s)",
	    (double)r->n * SCN_REC_PERIOD_US / 1e6, t0);
}
