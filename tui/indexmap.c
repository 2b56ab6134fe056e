/*
 * tui/indexmap.c - sample indices onto the session's time axis (see
 * indexmap.h).
 */
#include "tui/indexmap.h"

#include <string.h>

void pb_indexmap_init(struct pb_indexmap *m)
{
	memset(m, 0, sizeof *m);
}

struct pb_index_step pb_indexmap_batch(struct pb_indexmap *m,
    uint32_t first_sample, uint32_t n, unsigned rate_hz, uint64_t now_us)
{
	struct pb_index_step st = { 0, 0, false, false };
	if (rate_hz == 0)
		rate_hz = 1;
	if (!m->have) {
		m->have = true;
		m->next = m->base = first_sample;
	} else {
		uint32_t d = first_sample - m->dev_expected;
		if (d == 0) {
			st.gap = 0;
		} else if (d < 0x80000000u &&
		    d <= (uint64_t)rate_hz * PB_INDEXMAP_MAX_COUNTED_S &&
		    !m->link_down) {
			st.gap = d;
		} else {
			/* device restarted or a long outage: wall time */
			uint64_t us = now_us > m->last_batch_us ?
			    now_us - m->last_batch_us : 0;
			double secs = (double)us / 1e6;
			st.gap = (uint64_t)(secs * rate_hz);
			if (st.gap == 0)
				st.gap = 1;
			if (d < 0x80000000u && d < st.gap)
				st.gap = d;
			st.link_gap = true;
		}
	}
	m->link_down = false;
	st.first = m->next + st.gap;
	m->next = st.first + n;
	m->dev_expected = first_sample + n;
	m->last_batch_us = now_us;
	return st;
}

void pb_indexmap_link_down(struct pb_indexmap *m)
{
	m->link_down = true;
}

void pb_indexmap_start(struct pb_indexmap *m, uint64_t index)
{
	if (m->have)
		return;
	m->have = true;
	m->base = m->next = index;
	m->offset = 0;
}

struct pb_index_step pb_indexmap_sample(struct pb_indexmap *m,
    uint64_t index)
{
	struct pb_index_step st = { 0, 0, false, false };
	pb_indexmap_start(m, index);
	uint64_t at = index + m->offset;   /* modulo 2^64, like offset */
	if (at < m->next || at - m->next > PB_INDEXMAP_MAX_JUMP) {
		m->offset = m->next - index;
		at = m->next;
		st.discontinuity = true;
	} else {
		st.gap = at - m->next;
	}
	st.first = at;
	m->next = at + 1;
	return st;
}

uint64_t pb_indexmap_at(const struct pb_indexmap *m, uint64_t index)
{
	if (!m->have)
		return 0;
	uint64_t at = index + m->offset;
	if (at < m->base)
		return m->base;
	if (at > m->next && at - m->next > PB_INDEXMAP_MAX_JUMP)
		return m->next;
	return at;
}
