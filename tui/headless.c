/*
 * tui/headless.c - a headless run's plan and its ends (see headless.h).
 */
#include "tui/headless.h"

#include <string.h>

void pb_headless_init(struct pb_headless *h,
    const struct pb_headless_opts *o, uint64_t start_us)
{
	memset(h, 0, sizeof *h);
	h->o = *o;
	h->start_us = start_us;
}

static void finish(struct pb_headless *h, enum pb_hl_end e, uint64_t now_us)
{
	if (h->end != PB_HL_RUNNING)
		return;
	h->end = e;
	h->end_us = now_us;
}

static size_t nsteps(const struct pb_headless *h)
{
	return h->o.script ? h->o.script->n : 0;
}

void pb_headless_tick(struct pb_headless *h, const struct pb_headless_in *in,
    uint64_t now_us, size_t *from, size_t *to)
{
	*from = *to = h->next;
	if (h->end != PB_HL_RUNNING)
		return;
	if (in->signal) {
		finish(h, PB_HL_SIGNAL, now_us);
		return;
	}
	if (!h->hello) {
		if (!in->identified) {
			if (now_us - h->start_us >= h->o.hello_timeout_us)
				finish(h, PB_HL_NO_HELLO, now_us);
			return;
		}
		h->hello = true;
		h->hello_us = now_us;
	}
	if (in->ended) {
		finish(h, PB_HL_DONE, now_us);
		return;
	}
	if (in->alarms_raised && !h->o.allow_alarms) {
		finish(h, PB_HL_ALARM, now_us);
		return;
	}
	if (!in->link_up) {
		if (!h->link_down) {
			h->link_down = true;
			h->down_since_us = now_us;
		}
		if (now_us - h->down_since_us >= h->o.link_timeout_us)
			finish(h, PB_HL_LINK_LOST, now_us);
		return;      /* steps wait for the link */
	}
	h->link_down = false;
	uint64_t el = now_us - h->hello_us;
	if (h->o.duration_us && el >= h->o.duration_us) {
		finish(h, PB_HL_DONE, now_us);
		return;
	}
	if (h->o.script) {
		size_t due = pb_script_due(h->o.script, h->next, el);
		/* an `end` among them ends the run after the steps before it */
		for (size_t i = h->next; i < due; i++) {
			if (h->o.script->steps[i].op == PB_SOP_END) {
				*to = i;
				h->next = i + 1;
				finish(h, PB_HL_DONE, now_us);
				return;
			}
		}
		*to = due;
		h->next = due;
	}
	if (!h->o.duration_us && !h->o.until_ended && h->next >= nsteps(h))
		finish(h, PB_HL_DONE, now_us);
}

void pb_headless_step_failed(struct pb_headless *h, uint64_t now_us)
{
	finish(h, PB_HL_STEP_FAILED, now_us);
}

uint64_t pb_headless_deadline(const struct pb_headless *h, uint64_t now_us)
{
	if (h->end != PB_HL_RUNNING)
		return now_us;
	if (!h->hello)
		return h->start_us + h->o.hello_timeout_us;
	if (h->link_down)
		return h->down_since_us + h->o.link_timeout_us;
	uint64_t dl = UINT64_MAX;
	if (h->o.duration_us)
		dl = h->hello_us + h->o.duration_us;
	if (h->o.script) {
		uint64_t at = pb_script_next_at(h->o.script, h->next);
		if (at != UINT64_MAX && h->hello_us + at < dl)
			dl = h->hello_us + at;
	}
	return dl < now_us ? now_us : dl;
}

double pb_headless_elapsed_s(const struct pb_headless *h, uint64_t now_us)
{
	if (!h->hello)
		return 0;
	uint64_t t = h->end != PB_HL_RUNNING && h->end_us < now_us ?
	    h->end_us : now_us;
	return t > h->hello_us ? (double)(t - h->hello_us) / 1e6 : 0;
}

int pb_headless_exit(enum pb_hl_end e)
{
	switch (e) {
	case PB_HL_RUNNING:
	case PB_HL_DONE: return 0;
	case PB_HL_NO_HELLO: return PB_HL_EXIT_NO_HELLO;
	case PB_HL_LINK_LOST: return PB_HL_EXIT_LINK_LOST;
	case PB_HL_ALARM: return PB_HL_EXIT_ALARM;
	case PB_HL_STEP_FAILED: return PB_HL_EXIT_STEP_FAILED;
	case PB_HL_SIGNAL:
	case PB_HL_NO_TELEMETRY:
	case PB_HL_RECORD_FAILED:
	case PB_HL_NO_SAMPLE: return 1;
	}
	return 1;
}

const char *pb_headless_result(enum pb_hl_end e)
{
	switch (e) {
	case PB_HL_RUNNING:
	case PB_HL_DONE: return "ok";
	case PB_HL_NO_HELLO: return "no_hello";
	case PB_HL_LINK_LOST: return "link_lost";
	case PB_HL_ALARM: return "alarm";
	case PB_HL_STEP_FAILED: return "step_failed";
	case PB_HL_SIGNAL: return "interrupted";
	case PB_HL_NO_TELEMETRY: return "no_telemetry";
	case PB_HL_RECORD_FAILED: return "record_failed";
	case PB_HL_NO_SAMPLE: return "no_sample";
	}
	return "?";
}
