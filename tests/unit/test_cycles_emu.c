/*
 * test_cycles_emu: the cycle statistics on the emulator's real waveform.
 *
 * The s10pro emulator runs in lock-step virtual time behind a minimal
 * host (frames + messages); its telemetry feeds pb_cycles, the history and
 * a recording.  A healthy pump must measure in tolerance (rate and peak,
 * against the same profile the emulator regulates to) with the emulator's
 * own cycle count; a leak must show as hold decay / missed peak; and the
 * recording, replayed through the same statistics, must give the same
 * numbers as live.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "pump/profile.h"
#include "tests/lib/check_main.h"
#include "tools/pumpsim/emulator.h"
#include "tui/cycles.h"
#include "tui/history.h"
#include "tui/recorder.h"
#include "tui/replay.h"

#define MS 1000ull

struct host {
	struct pb_emu *e;
	uint64_t t, next_hb;
	pb_decoder dec;
	uint16_t seq;
	uint8_t txn;
	int nresp;
	uint8_t last_status;
	/* telemetry consumers */
	struct pb_cycles cyc;
	struct pb_history *hist;
	struct pb_recorder *rec;
	uint64_t next_index;
	bool have_index;
	uint64_t samples;
	/* per-cycle results seen live, channel 0 */
	int ncyc;
	struct pb_cycle_stats live[256];
};

static struct pb_profile prof;

static void on_tel(struct host *h, const struct pb_telemetry *t)
{
	uint64_t first = t->first_sample;
	uint32_t lost = 0;
	if (h->have_index && first > h->next_index)
		lost = (uint32_t)(first - h->next_index);
	h->have_index = true;
	h->next_index = first + t->n;
	uint32_t before = pb_cycles_count(&h->cyc, 0);
	pb_cycles_feed_batch(&h->cyc, first, t);
	if (pb_cycles_count(&h->cyc, 0) != before && h->ncyc < 256)
		h->live[h->ncyc++] = *pb_cycles_last(&h->cyc, 0);
	const int16_t *v[2] = { t->samples[0], t->samples[1] };
	if (lost)
		pb_history_gap(h->hist, lost);
	pb_history_push(h->hist, v, t->n);
	if (h->rec)
		ck_assert_int_eq(pb_rec_telemetry(h->rec, first, t, lost, h->t),
		    0);
	h->samples += t->n;
}

static void on_frame(void *ctx, const struct pb_frame_hdr *fh,
    const uint8_t *payload)
{
	struct host *h = ctx;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	if (pb_msg_decode(fh->type, fh->flags, payload, fh->len, &m) != 0)
		return;
	if (fh->type == PB_T_TELEMETRY)
		on_tel(h, &m.u.tel);
	else if (fh->type == PB_T_RESPONSE) {
		h->nresp++;
		h->last_status = m.u.resp.status;
	}
}

static void send(struct host *h, struct pb_msg *m)
{
	uint8_t wire[PB_WIRE_MAX];
	m->seq = h->seq++;
	int n = pb_frame_encode_msg(m, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	pb_emu_rx(h->e, wire, (size_t)n);
}

static void run(struct host *h, uint64_t dt)
{
	uint64_t end = h->t + dt;
	uint8_t buf[4096];
	while (h->t < end) {
		h->t += MS;
		pb_emu_advance(h->e, h->t);
		if (h->t >= h->next_hb) {
			struct pb_msg m;
			memset(&m, 0, sizeof m);
			m.type = PB_T_HEARTBEAT;
			m.u.hb.time_ms = (uint32_t)(h->t / 1000);
			send(h, &m);
			h->next_hb = h->t + 250 * MS;
		}
		size_t n;
		while ((n = pb_emu_tx(h->e, buf, sizeof buf)) > 0)
			pb_decoder_feed(&h->dec, buf, n, on_frame, h);
		if (h->rec)
			pb_rec_service(h->rec, h->t);
	}
}

static uint8_t cmd(struct host *h, uint8_t type, int arg)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = type;
	m.flags = PB_F_ACK_REQ;
	m.txn = ++h->txn;
	if (type == PB_T_HELLO) {
		m.u.hello.proto_min = m.u.hello.proto_max = 1;
		snprintf(m.u.hello.host, sizeof m.u.hello.host, "test");
	} else if (type == PB_T_SET_MODE) {
		m.u.mode = (uint8_t)arg;
	} else if (type == PB_T_SET_LEVEL) {
		m.u.level = (uint8_t)arg;
	} else if (type == PB_T_SET_CHANNELS) {
		m.u.channel_mask = (uint8_t)arg;
	}
	int before = h->nresp;
	send(h, &m);
	for (int i = 0; i < 200 && h->nresp == before; i++)
		run(h, MS);
	ck_assert_int_eq(h->nresp, before + 1);
	return h->last_status;
}

static void host_open(struct host *h, bool allow_inject)
{
	char err[512];
	memset(h, 0, sizeof *h);
	ck_assert_msg(pb_profile_find(&prof, "s10pro", err, sizeof err) == 0,
	    "%s", err);
	struct pb_emu_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 7;
	o.serial = "T-0002";
	o.allow_inject = allow_inject;
	h->e = pb_emu_new(&prof, &o, 0, err, sizeof err);
	ck_assert_msg(h->e != NULL, "%s", err);
	pb_decoder_init(&h->dec);
	pb_cycles_init(&h->cyc, &prof, (unsigned)prof.sample_rate_hz, 2);
	h->hist = pb_history_new(2);
	ck_assert_uint_eq(cmd(h, PB_T_HELLO, 0), PB_ST_OK);
}

static void host_close(struct host *h)
{
	pb_emu_free(h->e);
	pb_history_free(h->hist);
}

START_TEST(healthy_pump_in_tolerance_and_recording_agrees)
{
	struct host *h = calloc(1, sizeof *h);
	host_open(h, false);
	char dir[] = "/tmp/pb-cycemu-XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/r.csv", dir);
	struct pb_rec_meta meta;
	memset(&meta, 0, sizeof meta);
	snprintf(meta.profile, sizeof meta.profile, "s10pro");
	meta.unit = PB_UNIT_MMHG;
	meta.sample_rate_hz = (unsigned)prof.sample_rate_hz;
	meta.channels = 2;
	char err[256];
	ck_assert_int_eq(pb_rec_open(&h->rec, path, &meta, 0, err, sizeof err),
	    0);

	ck_assert_uint_eq(cmd(h, PB_T_SET_MODE, PB_MODE_EXPRESSION), PB_ST_OK);
	ck_assert_uint_eq(cmd(h, PB_T_SET_LEVEL, 5), PB_ST_OK);
	ck_assert_uint_eq(cmd(h, PB_T_SET_CHANNELS, 3), PB_ST_OK);
	ck_assert_uint_eq(cmd(h, PB_T_START, 0), PB_ST_OK);
	struct pb_emu_status st0;
	pb_emu_status(h->e, &st0);
	run(h, 30000 * MS);
	struct pb_emu_status st;
	pb_emu_status(h->e, &st);
	ck_assert_uint_eq(st.run_state, PB_RS_RUNNING);
	ck_assert_uint_eq(st.mode, PB_MODE_EXPRESSION);

	/* as many cycles as the emulator ran (the first only starts) */
	int64_t emu_cycles = (int64_t)(st.cycles - st0.cycles);
	ck_assert_msg(llabs((int64_t)pb_cycles_count(&h->cyc, 0) -
	    emu_cycles) <= 2, "measured %u, emulator %lld",
	    pb_cycles_count(&h->cyc, 0), (long long)emu_cycles);
	ck_assert_int_ge(h->ncyc, 10);
	double exp_rate = pb_profile_rate_cpm(&prof, PB_MODE_EXPRESSION, 5);
	double exp_peak = pb_profile_peak_mmhg(&prof, PB_MODE_EXPRESSION, 5);
	/* after the first two cycles (settling) every cycle is in tolerance */
	int reached = 0;
	for (int i = 2; i < h->ncyc; i++) {
		const struct pb_cycle_stats *s = &h->live[i];
		ck_assert(s->by_phase && !s->partial && s->has_expect);
		ck_assert_double_eq_tol(s->exp_rate_cpm, exp_rate, 1e-9);
		ck_assert_double_eq_tol(s->exp_peak_mmhg, exp_peak, 1e-9);
		ck_assert_msg(s->rate_ok && fabs(s->rate_cpm - exp_rate) < 1.0,
		    "cycle %d rate %.2f, expected %.2f", i, s->rate_cpm,
		    exp_rate);
		ck_assert_msg(s->peak_ok, "cycle %d peak %.1f, expected %.1f",
		    i, s->peak_mmhg, exp_peak);
		ck_assert_msg(s->decay_ok, "cycle %d decay %.1f", i,
		    s->hold_decay_mmhg_s);
		/* time to target (95 %): a cycle of a real pump may fall
		 * short of it (tissue, shield), most reach it */
		if (s->ttt_s > 0) {
			ck_assert(s->ttt_s < s->period_s);
			reached++;
		}
		ck_assert(s->trough_mmhg < 20);
	}
	ck_assert_msg(reached * 4 >= (h->ncyc - 2) * 3, "%d of %d cycles "
	    "reached 95 %% of the target", reached, h->ncyc - 2);
	const struct pb_cycle_stats *c1 = pb_cycles_last(&h->cyc, 1);
	ck_assert_ptr_nonnull(c1);
	ck_assert(c1->rate_ok);

	/* the recording, replayed into the same statistics, agrees */
	uint64_t samples = h->samples;
	ck_assert_int_eq(pb_rec_close(h->rec, h->t), 0);
	h->rec = NULL;
	struct pb_replay *rp;
	ck_assert_int_eq(pb_replay_open(&rp, path, err, sizeof err), 0);
	struct pb_cycles rc;
	pb_cycles_init(&rc, &prof, pb_replay_meta(rp)->sample_rate_hz, 2);
	struct pb_cyc_state cst;
	memset(&cst, 0, sizeof cst);
	struct pb_replay_row row;
	int n = 0, k;
	uint64_t rs = 0;
	while ((k = pb_replay_next(rp, &row)) == PB_RP_ROW) {
		if (row.kind == 'P') {
			cst.run_state = row.state.run_state;
			cst.mode = row.state.mode;
			cst.level = row.state.level;
			cst.phase = row.state.phase;
			cst.channel_mask = row.state.channel_mask;
			cst.target = row.state.target;
		} else if (row.kind == 'S') {
			rs++;
			if (pb_cycles_feed(&rc, row.index, row.v, &cst) & 1) {
				const struct pb_cycle_stats *a =
				    pb_cycles_last(&rc, 0);
				ck_assert_int_lt(n, h->ncyc);
				const struct pb_cycle_stats *b = &h->live[n];
				ck_assert_uint_eq(a->start, b->start);
				ck_assert_uint_eq(a->end, b->end);
				ck_assert_double_eq_tol(a->peak_mmhg,
				    b->peak_mmhg, 1e-9);
				n++;
			}
		}
	}
	ck_assert_int_eq(k, PB_RP_EOF);
	ck_assert_uint_eq(rs, samples);
	/* P rows carry the batch-end phase per batch, so a replay finds the
	 * same cycles except that per-sample state differs only inside the
	 * batch where HOLD begins (fed as PULL live): same boundaries */
	ck_assert_int_ge(n, h->ncyc - 1);
	pb_replay_close(rp);
	unlink(path);
	rmdir(dir);
	host_close(h);
	free(h);
}
END_TEST

START_TEST(leak_shows_in_the_statistics)
{
	struct host *h = calloc(1, sizeof *h);
	host_open(h, true);
	ck_assert_uint_eq(cmd(h, PB_T_SET_MODE, PB_MODE_EXPRESSION), PB_ST_OK);
	ck_assert_uint_eq(cmd(h, PB_T_SET_LEVEL, 8), PB_ST_OK);
	ck_assert_uint_eq(cmd(h, PB_T_START, 0), PB_ST_OK);
	run(h, 10000 * MS);
	int healthy = h->ncyc;
	ck_assert_int_ge(healthy, 3);
	double decay0 = h->live[healthy - 1].hold_decay_mmhg_s;
	ck_assert(h->live[healthy - 1].peak_ok);
	/* a big leak: the pump cannot hold (or reach) the target */
	ck_assert_int_eq(pb_emu_inject(h->e, PB_FLT_LEAK, 0, 3000), 0);
	run(h, 6000 * MS);
	ck_assert_int_gt(h->ncyc, healthy + 2);
	const struct pb_cycle_stats *s = &h->live[h->ncyc - 1];
	bool flagged = !s->peak_ok || !s->decay_ok || s->ttt_s < 0;
	ck_assert_msg(flagged, "leak not seen: peak %.1f decay %.1f ttt %.3f",
	    s->peak_mmhg, s->hold_decay_mmhg_s, s->ttt_s);
	if (!isnan(s->hold_decay_mmhg_s) && !isnan(decay0))
		ck_assert(s->hold_decay_mmhg_s > decay0);
	host_close(h);
	free(h);
}
END_TEST

static Suite *cycles_emu_suite(void)
{
	Suite *s = suite_create("cycles_emu");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, healthy_pump_in_tolerance_and_recording_agrees);
	tcase_add_test(tc, leak_shows_in_the_statistics);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(cycles_emu_suite)
