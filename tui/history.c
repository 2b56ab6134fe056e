/*
 * tui/history.c - min/max pyramid over int16 samples (see history.h).
 *
 * Level 0 is a ring of raw samples (INT16_MIN = missing).  Level k >= 1
 * is a ring of buckets of 4^k samples, each the exact min and max of its
 * samples (min > max = no data) plus a bit "some sample was lost".  Every
 * level accumulates its open bucket directly from the samples, so each
 * level is independent and the open (newest, incomplete) bucket is always
 * queryable.  Bucket j of level k holds indices [j*4^k, (j+1)*4^k); the
 * completed buckets are those below head >> 2k, and the ring keeps the
 * last cap of them.
 */
#include "tui/history.h"

#include <stdlib.h>
#include <string.h>

#define MISSING INT16_MIN

struct hlevel {
	unsigned cap_log2;
	uint64_t cap;              /* buckets in the ring */
	unsigned shift;            /* bucket = 1 << shift samples */
	int16_t *mn[PB_HIST_MAX_CH];
	int16_t *mx[PB_HIST_MAX_CH];  /* NULL at level 0 */
	uint8_t *gap;              /* cap bits */
	/* open bucket (levels >= 1) */
	int16_t  amn[PB_HIST_MAX_CH], amx[PB_HIST_MAX_CH];
	bool     agap;
};

struct pb_history {
	int      channels;
	unsigned nlevels;
	uint64_t head;
	struct hlevel lv[PB_HIST_MAX_LEVELS];
	size_t   bytes;
};

struct pb_history_geom pb_history_default_geom(void)
{
	struct pb_history_geom g;
	static const unsigned caps[] = { 18, 17, 17, 17, 17, 15, 13, 11, 9 };
	memset(&g, 0, sizeof g);
	g.levels = sizeof caps / sizeof caps[0];
	for (unsigned i = 0; i < g.levels; i++)
		g.cap_log2[i] = caps[i];
	return g;
}

static bool geom_ok(int channels, const struct pb_history_geom *g)
{
	if (!g || channels < 1 || channels > PB_HIST_MAX_CH)
		return false;
	if (g->levels < 1 || g->levels > PB_HIST_MAX_LEVELS)
		return false;
	for (unsigned i = 0; i < g->levels; i++)
		if (g->cap_log2[i] < 3 || g->cap_log2[i] > 28)
			return false;
	return true;
}

static size_t level_bytes(int channels, unsigned k, unsigned cap_log2)
{
	size_t cap = (size_t)1 << cap_log2;
	size_t per = k == 0 ? sizeof(int16_t) : 2 * sizeof(int16_t);
	return cap * per * (size_t)channels + cap / 8;
}

size_t pb_history_memory_for(int channels, const struct pb_history_geom *g)
{
	if (!geom_ok(channels, g))
		return 0;
	size_t b = sizeof(struct pb_history);
	for (unsigned k = 0; k < g->levels; k++)
		b += level_bytes(channels, k, g->cap_log2[k]);
	return b;
}

static void acc_reset(struct hlevel *l, int channels)
{
	for (int c = 0; c < channels; c++) {
		l->amn[c] = INT16_MAX;
		l->amx[c] = INT16_MIN;
	}
	l->agap = false;
}

void pb_history_free(struct pb_history *h)
{
	if (!h)
		return;
	for (unsigned k = 0; k < h->nlevels; k++) {
		for (int c = 0; c < h->channels; c++) {
			free(h->lv[k].mn[c]);
			free(h->lv[k].mx[c]);
		}
		free(h->lv[k].gap);
	}
	free(h);
}

void pb_history_clear(struct pb_history *h)
{
	if (!h)
		return;
	h->head = 0;
	for (unsigned k = 0; k < h->nlevels; k++) {
		struct hlevel *l = &h->lv[k];
		size_t cap = (size_t)l->cap;
		for (int c = 0; c < h->channels; c++) {
			if (k == 0) {
				for (size_t i = 0; i < cap; i++)
					l->mn[c][i] = MISSING;
			} else {
				for (size_t i = 0; i < cap; i++) {
					l->mn[c][i] = INT16_MAX;
					l->mx[c][i] = INT16_MIN;
				}
			}
		}
		memset(l->gap, 0, cap / 8);
		acc_reset(l, h->channels);
	}
}

struct pb_history *pb_history_new_geom(int channels,
    const struct pb_history_geom *g)
{
	if (!geom_ok(channels, g))
		return NULL;
	struct pb_history *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->channels = channels;
	h->nlevels = g->levels;
	h->bytes = pb_history_memory_for(channels, g);
	for (unsigned k = 0; k < g->levels; k++) {
		struct hlevel *l = &h->lv[k];
		l->cap_log2 = g->cap_log2[k];
		l->cap = (uint64_t)1 << l->cap_log2;
		l->shift = 2 * k;
		for (int c = 0; c < channels; c++) {
			l->mn[c] = malloc((size_t)l->cap * sizeof(int16_t));
			if (!l->mn[c])
				goto fail;
			if (k > 0) {
				l->mx[c] = malloc((size_t)l->cap * sizeof(int16_t));
				if (!l->mx[c])
					goto fail;
			}
		}
		l->gap = malloc((size_t)l->cap / 8);
		if (!l->gap)
			goto fail;
	}
	pb_history_clear(h);
	return h;
fail:
	pb_history_free(h);
	return NULL;
}

struct pb_history *pb_history_new(int channels)
{
	struct pb_history_geom g = pb_history_default_geom();
	return pb_history_new_geom(channels, &g);
}

int pb_history_channels(const struct pb_history *h)
{
	return h ? h->channels : 0;
}

static inline void setbit(uint8_t *b, uint64_t i, bool on)
{
	if (on)
		b[i >> 3] |= (uint8_t)(1u << (i & 7));
	else
		b[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

static inline bool getbit(const uint8_t *b, uint64_t i)
{
	return (b[i >> 3] >> (i & 7)) & 1u;
}

/* Store level k's open bucket as bucket j and reset the accumulator. */
static void level_store(struct pb_history *h, struct hlevel *l, uint64_t j)
{
	uint64_t s = j & (l->cap - 1);
	for (int c = 0; c < h->channels; c++) {
		l->mn[c][s] = l->amn[c];
		l->mx[c][s] = l->amx[c];
	}
	setbit(l->gap, s, l->agap);
	acc_reset(l, h->channels);
}

/* One sample (v[c] or MISSING per channel; lost marks a gap). */
static void push_one(struct pb_history *h, const int16_t *v, bool lost)
{
	uint64_t i = h->head;
	struct hlevel *l0 = &h->lv[0];
	uint64_t s0 = i & (l0->cap - 1);
	for (int c = 0; c < h->channels; c++)
		l0->mn[c][s0] = v[c];
	setbit(l0->gap, s0, lost);
	for (unsigned k = 1; k < h->nlevels; k++) {
		struct hlevel *l = &h->lv[k];
		for (int c = 0; c < h->channels; c++) {
			int16_t x = v[c];
			if (x == MISSING)
				continue;
			if (x < l->amn[c])
				l->amn[c] = x;
			if (x > l->amx[c])
				l->amx[c] = x;
		}
		if (lost)
			l->agap = true;
		uint64_t mask = ((uint64_t)1 << l->shift) - 1;
		if (((i + 1) & mask) == 0)
			level_store(h, l, i >> l->shift);
	}
	h->head = i + 1;
}

void pb_history_push(struct pb_history *h, const int16_t *const v[],
    size_t n)
{
	if (!h || !v)
		return;
	int16_t s[PB_HIST_MAX_CH];
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < h->channels; c++) {
			if (!v[c]) {
				s[c] = MISSING;
			} else {
				int16_t x = v[c][i];
				s[c] = x == MISSING ? (int16_t)(MISSING + 1) : x;
			}
		}
		push_one(h, s, false);
	}
}

void pb_history_push1(struct pb_history *h, const int16_t *v)
{
	if (!h || !v)
		return;
	int16_t s[PB_HIST_MAX_CH];
	for (int c = 0; c < h->channels; c++)
		s[c] = v[c] == MISSING ? (int16_t)(MISSING + 1) : v[c];
	push_one(h, s, false);
}

void pb_history_gap(struct pb_history *h, uint64_t n)
{
	if (!h || n == 0)
		return;
	uint64_t h0 = h->head, h1 = h0 + n;
	/* level 0: only the last cap indices can still be in the ring */
	struct hlevel *l0 = &h->lv[0];
	uint64_t from = n > l0->cap ? h1 - l0->cap : h0;
	for (uint64_t i = from; i < h1; i++) {
		uint64_t s = i & (l0->cap - 1);
		for (int c = 0; c < h->channels; c++)
			l0->mn[c][s] = MISSING;
		setbit(l0->gap, s, true);
	}
	for (unsigned k = 1; k < h->nlevels; k++) {
		struct hlevel *l = &h->lv[k];
		uint64_t j0 = h0 >> l->shift, j1 = h1 >> l->shift;
		l->agap = true;
		if (j1 == j0)
			continue;               /* still inside the open bucket */
		level_store(h, l, j0);
		/* whole lost buckets j0+1 .. j1-1 (only the last cap matter) */
		uint64_t first = j0 + 1;
		if (j1 - first > l->cap)
			first = j1 - l->cap;
		for (uint64_t j = first; j < j1; j++) {
			l->agap = true;     /* accumulator is empty: store gap */
			level_store(h, l, j);
		}
		/* the new open bucket j1 holds lost samples if h1 is inside it */
		l->agap = (h1 & (((uint64_t)1 << l->shift) - 1)) != 0;
	}
	h->head = h1;
}

uint64_t pb_history_head(const struct pb_history *h)
{
	return h ? h->head : 0;
}

/* Oldest index level k can answer for. */
static uint64_t level_oldest(const struct pb_history *h, unsigned k)
{
	const struct hlevel *l = &h->lv[k];
	uint64_t done = h->head >> l->shift;    /* completed buckets */
	if (done <= l->cap)
		return 0;
	return (done - l->cap) << l->shift;
}

uint64_t pb_history_oldest(const struct pb_history *h)
{
	if (!h)
		return 0;
	uint64_t o = UINT64_MAX;
	for (unsigned k = 0; k < h->nlevels; k++) {
		uint64_t x = level_oldest(h, k);
		if (x < o)
			o = x;
	}
	return o;
}

uint64_t pb_history_oldest_raw(const struct pb_history *h)
{
	return h ? level_oldest(h, 0) : 0;
}

bool pb_history_last(const struct pb_history *h, int ch, int16_t *v)
{
	if (!h || ch < 0 || ch >= h->channels || h->head == 0)
		return false;
	const struct hlevel *l0 = &h->lv[0];
	int16_t x = l0->mn[ch][(h->head - 1) & (l0->cap - 1)];
	if (x == MISSING)
		return false;
	if (v)
		*v = x;
	return true;
}

uint64_t pb_history_level_bucket(unsigned level)
{
	return level < 32 ? (uint64_t)1 << (2 * level) : 0;
}

uint64_t pb_history_level_span(const struct pb_history *h, unsigned level)
{
	if (!h || level >= h->nlevels)
		return 0;
	return h->lv[level].cap << h->lv[level].shift;
}

size_t pb_history_memory(const struct pb_history *h)
{
	return h ? h->bytes : 0;
}

/* Running envelope of one column (min > max: no data yet). */
struct acc {
	int16_t mn[PB_HIST_MAX_CH], mx[PB_HIST_MAX_CH];
	bool gap;
};

/* Merge level k's bucket j (completed, or the open one) into e. */
static inline void merge_bucket(const struct pb_history *h, unsigned k,
    uint64_t j, struct acc *e)
{
	const struct hlevel *l = &h->lv[k];
	uint64_t s = j & (l->cap - 1);
	if (k == 0) {
		if (j >= h->head)
			return;
		for (int c = 0; c < h->channels; c++) {
			int16_t x = l->mn[c][s];
			if (x == MISSING)
				continue;
			if (x < e->mn[c])
				e->mn[c] = x;
			if (x > e->mx[c])
				e->mx[c] = x;
		}
		e->gap |= getbit(l->gap, s);
		return;
	}
	uint64_t done = h->head >> l->shift;
	const int16_t *amn, *amx;
	if (j < done) {
		e->gap |= getbit(l->gap, s);
		for (int c = 0; c < h->channels; c++) {
			/* an empty bucket (min > max) changes nothing */
			int16_t mn = l->mn[c][s], mx = l->mx[c][s];
			if (mn < e->mn[c])
				e->mn[c] = mn;
			if (mx > e->mx[c])
				e->mx[c] = mx;
		}
		return;
	}
	if (j > done)
		return;
	e->gap |= l->agap;
	amn = l->amn;
	amx = l->amx;
	for (int c = 0; c < h->channels; c++) {
		if (amn[c] < e->mn[c])
			e->mn[c] = amn[c];
		if (amx[c] > e->mx[c])
			e->mx[c] = amx[c];
	}
}

/* w * c / n without overflow for c <= n. */
static uint64_t muldiv(uint64_t w, uint64_t c, uint64_t n)
{
	return (w / n) * c + (w % n) * c / n;
}

int pb_history_query(const struct pb_history *h, uint64_t t0, uint64_t t1,
    struct pb_hist_col *out, size_t ncols, int *level_used)
{
	if (!h || !out || ncols == 0 || t1 <= t0)
		return PB_HIST_E_ARG;
	uint64_t w = t1 - t0;
	uint64_t oldest[PB_HIST_MAX_LEVELS];
	for (unsigned k = 0; k < h->nlevels; k++)
		oldest[k] = level_oldest(h, k);
	int finest = -1;
	for (size_t c = 0; c < ncols; c++) {
		struct pb_hist_col *col = &out[c];
		memset(col, 0, sizeof *col);
		struct acc e;
		for (int ch = 0; ch < PB_HIST_MAX_CH; ch++) {
			e.mn[ch] = INT16_MAX;
			e.mx[ch] = INT16_MIN;
		}
		e.gap = false;
		/* column span, computed without overflow for sane windows */
		uint64_t a = t0 + muldiv(w, c, ncols);
		uint64_t b = t0 + muldiv(w, c + 1, ncols);
		if (b <= a)
			b = a + 1;
		if (a >= h->head)
			continue;
		if (b > h->head)
			b = h->head;
		/* finest level that still holds a (older data: coarser) */
		unsigned k = 0;
		while (k + 1 < h->nlevels && a < oldest[k])
			k++;
		if (a < oldest[k]) {
			if (b <= oldest[k])
				continue;
			a = oldest[k];
		}
		/* cover [a, b) with aligned buckets, largest first; edges
		 * that no held level can cut exactly take the whole bucket */
		uint64_t pos = a;
		while (pos < b) {
			/* largest level with pos aligned and the bucket inside
			 * [pos, b): from the trailing zeros of pos and the
			 * length left */
			unsigned q_al = pos ? (unsigned)__builtin_ctzll(pos) / 2 :
			    h->nlevels - 1;
			unsigned q_fit = (63u - (unsigned)__builtin_clzll(b - pos))
			    / 2;
			unsigned best = q_al < q_fit ? q_al : q_fit;
			if (best > h->nlevels - 1)
				best = h->nlevels - 1;
			while (best > k && pos < oldest[best])
				best--;
			bool fits = best >= k;
			if (!fits)
				best = k;
			unsigned sh = h->lv[best].shift;
			merge_bucket(h, best, pos >> sh, &e);
			pos = fits ? pos + ((uint64_t)1 << sh) :
			    ((pos >> sh) + 1) << sh;
		}
		for (int ch = 0; ch < h->channels; ch++) {
			if (e.mn[ch] <= e.mx[ch]) {
				col->ch[ch].min = e.mn[ch];
				col->ch[ch].max = e.mx[ch];
				col->ch[ch].has_data = true;
			}
		}
		col->gap = e.gap;
		if (finest < 0 || (int)k < finest)
			finest = (int)k;
	}
	if (level_used)
		*level_used = finest < 0 ? 0 : finest;
	return PB_HIST_OK;
}

const char *pb_history_strerror(int err)
{
	switch (err) {
	case PB_HIST_OK: return "ok";
	case PB_HIST_E_ARG: return "bad argument";
	case PB_HIST_E_NOMEM: return "out of memory";
	default: return "unknown history error";
	}
}
