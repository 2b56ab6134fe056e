/*
 * tests for cal/procedure.c against a scripted device in virtual time.
 *
 * The fake device holds each channel's true vacuum with a first-order
 * response, reads it through a bowed sensor (raw counts), reports its
 * calibrated reading with whatever calibration it stores, and answers
 * the commands the procedure sends, including the factory unlock.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "cal/procedure.h"
#include "proto/station.h"
#include "tests/lib/check_main.h"

static const uint8_t KEY[32] = "0123456789abcdef0123456789abcdef";

struct fake {
	int    channels;
	double target, vac[PB_MAX_CH];
	double leak_wobble;          /* mmHg amplitude of an unstable hold */
	double bow;                  /* sensor non-linearity */
	double noise_lcg;
	unsigned seed;
	struct pb_cal cal[PB_MAX_CH];
	bool   cal_valid[PB_MAX_CH];
	bool   unlocked;
	uint8_t nonce[PB_NONCE_LEN];
	bool   corrupt_write;        /* store wrong coefficients */
	bool   apply_wrong;          /* read back fine but apply a bad cal */
	bool   old_firmware;         /* predates WRITE_CAL_ALL */
	int    storage_fail;         /* answer STORAGE to this many writes */
	int    holds_above_limit;
	int    writes;               /* write messages (either kind) */
	int    write_cals;           /* of which WRITE_CAL */
	int    stops;
	int    commands;             /* every command answered */
	int    die_after;            /* > 0: the station dies after this many */
	bool   record_fails;         /* the station cannot store its record */
	int    records;              /* RECORD actions seen */
	int    stops_at_record;      /* STOPs sent before the record */
	bool   unlocked_at_record;
	double max_hold_seen;
};

static void
store(struct fake *f, const struct pb_cal *c, int ch)
{
	f->cal[ch] = *c;
	f->cal_valid[ch] = true;
	if (f->corrupt_write)
		f->cal[ch].c[0] += 1.0f;
}

static double
raw_of(const struct fake *f, int ch, double v)
{
	/* 0.5 V + 0.9 * 5 V * v/375 on 12 bits, bowed, with a unit offset */
	double counts = 409.6 + 3686.4 * v / 375.0 + (ch ? 12.0 : -9.0);
	return counts + f->bow * v * v;
}

static double
apply(const struct pb_cal *c, double raw)
{
	return c->c[0] + raw * (c->c[1] + raw * c->c[2]);
}

static double
noise(struct fake *f)
{
	f->seed = f->seed * 1103515245u + 12345u;
	return ((double)((f->seed >> 16) & 0x7fff) / 32767.0 - 0.5) * 0.4;
}

static void
device_answer(struct fake *f, const struct pb_msg *cmd, struct pb_response *r)
{
	memset(r, 0, sizeof *r);
	r->req_type = cmd->type;
	r->status = PB_ST_OK;
	switch (cmd->type) {
	case PB_T_READ_INFO:
		r->body_kind = PB_BODY_INFO;
		r->body.info.channels = (uint8_t)f->channels;
		r->body.info.max_target = 3000;
		r->body.info.cal_id = 7;
		strcpy(r->body.info.serial, "SN-TEST-1");
		break;
	case PB_T_READ_CAL:
		if (!f->cal_valid[cmd->u.channel]) {
			r->status = PB_ST_STORAGE;
			break;
		}
		r->body_kind = PB_BODY_CAL;
		r->body.cal = f->cal[cmd->u.channel];
		break;
	case PB_T_CAL_HOLD:
		if (cmd->u.hold.target > 3000) {
			f->holds_above_limit++;
			r->status = PB_ST_LIMIT;
			break;
		}
		f->target = cmd->u.hold.target / 10.0;
		if (f->target > f->max_hold_seen)
			f->max_hold_seen = f->target;
		break;
	case PB_T_FACTORY_CHALLENGE:
		for (int i = 0; i < PB_NONCE_LEN; i++)
			f->nonce[i] = (uint8_t)(i * 37 + 11);
		r->body_kind = PB_BODY_NONCE;
		memcpy(r->body.nonce, f->nonce, PB_NONCE_LEN);
		break;
	case PB_T_FACTORY_UNLOCK:
		f->unlocked = pb_station_check(KEY, sizeof KEY, f->nonce,
		    cmd->u.mac);
		if (!f->unlocked)
			r->status = PB_ST_AUTH_FAILED;
		break;
	case PB_T_WRITE_CAL:
		if (!f->unlocked) {
			r->status = PB_ST_LOCKED;
			break;
		}
		f->writes++;
		f->write_cals++;
		store(f, &cmd->u.cal, cmd->u.cal.channel);
		if (f->storage_fail > 0 && f->storage_fail--)
			r->status = PB_ST_STORAGE;
		break;
	case PB_T_WRITE_CAL_ALL:
		if (f->old_firmware) {
			r->status = PB_ST_UNKNOWN_CMD;
			break;
		}
		if (!f->unlocked) {
			r->status = PB_ST_LOCKED;
			break;
		}
		if (cmd->u.cal_set.mask >> f->channels) {
			r->status = PB_ST_BAD_VALUE;
			break;
		}
		f->writes++;
		/* one commit: every channel at once, those outside the mask
		 * left without calibration */
		for (int ch = 0; ch < f->channels; ch++) {
			if (cmd->u.cal_set.mask & (1u << ch))
				store(f, &cmd->u.cal_set.cal[ch], ch);
			else
				f->cal_valid[ch] = false;
		}
		if (f->storage_fail > 0 && f->storage_fail--)
			r->status = PB_ST_STORAGE;
		break;
	case PB_T_STOP:
		f->stops++;
		f->target = 0;
		break;
	default:
		r->status = PB_ST_UNKNOWN_CMD;
	}
}

static void
fake_init(struct fake *f, int channels)
{
	memset(f, 0, sizeof *f);
	f->channels = channels;
	f->bow = 0.0015;
	f->seed = 1;
	for (int ch = 0; ch < channels; ch++) {
		/* an old, slightly wrong linear calibration, id 7 */
		f->cal[ch].channel = (uint8_t)ch;
		f->cal[ch].order = 1;
		f->cal[ch].c[0] = -41.0f;
		f->cal[ch].c[1] = 375.0f / 3686.4f;
		f->cal[ch].cal_id = 7;
		f->cal_valid[ch] = true;
	}
}

static void
make_profile(struct pb_profile *p, int channels)
{
	memset(p, 0, sizeof *p);
	strcpy(p->id, "test");
	p->channels = channels;
	p->max_target_mmhg = 300;
	p->cal_points = 5;
	double pts[] = { 0, 50, 150, 250, 300 };
	memcpy(p->cal_point_mmhg, pts, sizeof pts);
	p->cal_order = 2;
	p->cal_accept_abs_mmhg = 3;
	p->cal_accept_rel = 0.01;
	p->cal_dwell_s = 1.0;
	p->cal_stable_mmhg = 1.0;
}

struct run {
	enum pb_cal_verdict verdict;
	uint64_t elapsed_us;
	int prompts;
	const struct pb_cal_result *res;
	struct pb_cal_proc *proc;
};

/* Drive the procedure for up to max_s of virtual time. abort_at_s < 0: no
 * abort. */
static void
drive(struct fake *f, struct pb_cal_config *cfg, double max_s,
    double abort_at_s, struct run *out)
{
	uint64_t now = 1000000;
	struct pb_cal_proc *p = pb_cal_new(cfg, now);
	ck_assert_ptr_nonnull(p);
	memset(out, 0, sizeof *out);
	uint64_t end = now + (uint64_t)(max_s * 1e6);
	uint64_t step = 20000;   /* one telemetry batch per 20 ms */
	bool aborted = false;
	while (now < end) {
		struct pb_cal_action act;
		pb_cal_poll(p, now, &act);
		if (act.kind == PB_CAL_ACT_DONE)
			break;
		if (act.kind == PB_CAL_ACT_SEND) {
			struct pb_response r;
			device_answer(f, &act.cmd, &r);
			f->commands++;
			if (f->die_after > 0 && f->commands >= f->die_after)
				break;   /* SIGKILL: the station is gone */
			now += 5000;   /* the round trip */
			pb_cal_cmd_done(p, 0, &r, now);
			continue;
		}
		if (act.kind == PB_CAL_ACT_RECORD) {
			f->records++;
			f->stops_at_record = f->stops;
			f->unlocked_at_record = f->unlocked;
			ck_assert_int_eq(pb_cal_result(p)->verdict, PB_CAL_PASS);
			ck_assert_int_eq(pb_cal_record_done(p, !f->record_fails,
			    "certificate: cert/x.json: No space left on device",
			    now), PB_CALP_OK);
			continue;
		}
		if (act.kind == PB_CAL_ACT_PROMPT) {
			out->prompts++;
			/* the operator reads the gauge: true vacuum, rounded */
			double g = round(f->vac[act.channel] * 10) / 10;
			ck_assert_int_eq(pb_cal_enter_reference(p, act.channel, g,
			    now), PB_CALP_OK);
			continue;
		}
		/* advance the plant one batch */
		now += step;
		struct pb_telemetry t;
		memset(&t, 0, sizeof t);
		t.channels = (uint8_t)f->channels;
		t.n = 4;
		for (int ch = 0; ch < f->channels; ch++) {
			double tgt = f->target + f->leak_wobble *
			    sin((double)now / 1e6 * 6.0);
			f->vac[ch] += (tgt - f->vac[ch]) * (1 - exp(-0.02 / 0.3));
			double raw = raw_of(f, ch, f->vac[ch]) + noise(f);
			t.raw[ch] = (uint16_t)lround(raw);
			struct pb_cal c = f->cal[ch];
			if (f->apply_wrong)
				c.c[0] += 8.0f;
			double dev = apply(&c, raw);
			for (int i = 0; i < t.n; i++)
				t.samples[ch][i] = (int16_t)lround(dev * 10);
			pb_cal_on_reference(p, ch, f->vac[ch], now);
		}
		pb_cal_on_telemetry(p, &t, now);
		if (abort_at_s >= 0 && !aborted &&
		    now >= 1000000 + (uint64_t)(abort_at_s * 1e6)) {
			pb_cal_abort(p, "operator pressed Esc", now);
			aborted = true;
		}
	}
	out->res = pb_cal_result(p);
	out->verdict = out->res->verdict;
	out->elapsed_us = now - 1000000;
	out->proc = p;
}

static void
config(struct pb_cal_config *cfg, const struct pb_profile *prof)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->profile = prof;
	memcpy(cfg->key, KEY, sizeof KEY);
	cfg->key_len = sizeof KEY;
	cfg->date = 1790000000u;
	strcpy(cfg->station, "line-3");
}

START_TEST(full_pass_two_channels)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 2);
	make_profile(&prof, 2);
	config(&cfg, &prof);
	drive(&f, &cfg, 120, -1, &r);
	ck_assert_msg(r.verdict == PB_CAL_PASS, "verdict %s: %s",
	    pb_cal_verdict_name(r.verdict), r.res->reason);
	ck_assert_int_eq(pb_cal_stage(r.proc), PB_CAL_S_DONE);
	ck_assert_int_eq(f.writes, 1);       /* both channels in one message */
	ck_assert_int_eq(f.write_cals, 0);
	ck_assert_int_eq(f.stops, 1);        /* vented at the end */
	ck_assert(f.max_hold_seen <= 300);
	for (int ch = 0; ch < 2; ch++) {
		ck_assert_uint_eq(f.cal[ch].cal_id, 8);
		ck_assert_str_eq(f.cal[ch].station, "line-3");
		/* calibrated error over 0..300 mmHg within 1 mmHg */
		for (double v = 0; v <= 300; v += 5) {
			double e = apply(&f.cal[ch], raw_of(&f, ch, v)) - v;
			ck_assert_msg(fabs(e) < 1.0, "ch %d at %g: %g", ch, v, e);
		}
		ck_assert(r.res->accepted[ch]);
		ck_assert(r.res->verify[0].pass[ch] && r.res->verify[1].pass[ch]);
	}
	ck_assert_double_eq_tol(r.res->verify[0].target_mmhg, 100, 1e-9);
	ck_assert_double_eq_tol(r.res->verify[1].target_mmhg, 200, 1e-9);
	/* a two-channel five-point calibration fits in a minute */
	ck_assert_msg(r.elapsed_us < 60000000u, "took %.1f s",
	    r.elapsed_us / 1e6);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(manual_reference_prompts)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 1);
	make_profile(&prof, 1);
	config(&cfg, &prof);
	cfg.manual_reference = true;
	drive(&f, &cfg, 120, -1, &r);
	ck_assert_msg(r.verdict == PB_CAL_PASS, "%s", r.res->reason);
	ck_assert_int_eq(r.prompts, 5 + 2);  /* five points, two verifies */
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(abort_keeps_old_calibration)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 2);
	make_profile(&prof, 2);
	config(&cfg, &prof);
	drive(&f, &cfg, 120, 6.0, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_ABORTED);
	ck_assert_int_eq(f.writes, 0);
	ck_assert_uint_eq(f.cal[0].cal_id, 7);
	ck_assert_int_eq(f.stops, 1);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(verify_failure_restores_old)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 2);
	f.apply_wrong = true;  /* readings off once written */
	make_profile(&prof, 2);
	config(&cfg, &prof);
	drive(&f, &cfg, 120, -1, &r);
	/* apply_wrong also skews the averaged device readings used only for
	 * verification; the fit uses raw counts, so it passes acceptance */
	ck_assert_int_eq(r.verdict, PB_CAL_FAIL);
	ck_assert(strstr(r.res->reason, "verification") != NULL);
	ck_assert(r.res->restored);
	ck_assert_uint_eq(f.cal[0].cal_id, 7);
	ck_assert_uint_eq(f.cal[1].cal_id, 7);
	ck_assert_int_eq(f.stops, 1);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(readback_mismatch_fails_and_restores)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 1);
	f.corrupt_write = true;
	make_profile(&prof, 1);
	config(&cfg, &prof);
	drive(&f, &cfg, 120, -1, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_FAIL);
	ck_assert(strstr(r.res->reason, "read back") != NULL);
	ck_assert(r.res->restored);
	ck_assert_uint_eq(f.cal[0].cal_id, 7);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(wrong_key_writes_nothing)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 2);
	make_profile(&prof, 2);
	config(&cfg, &prof);
	cfg.key[0] ^= 1;
	drive(&f, &cfg, 120, -1, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_ERROR);
	ck_assert(strstr(r.res->reason, "AUTH") != NULL ||
	    strstr(r.res->reason, "auth") != NULL);
	ck_assert_int_eq(f.writes, 0);
	ck_assert_int_eq(f.stops, 1);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(never_holds_above_limit)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 1);
	make_profile(&prof, 1);
	prof.cal_point_mmhg[4] = 350;   /* a bad profile asks for too much */
	config(&cfg, &prof);
	drive(&f, &cfg, 120, -1, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_ERROR);
	ck_assert(strstr(r.res->reason, "above the limit") != NULL);
	ck_assert_int_eq(f.holds_above_limit, 0);
	ck_assert(f.max_hold_seen <= 300);
	ck_assert_int_eq(f.writes, 0);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(unstable_hold_is_an_error)
{
	struct fake f;
	struct pb_profile prof;
	struct pb_cal_config cfg;
	struct run r;
	fake_init(&f, 1);
	f.leak_wobble = 5.0;
	make_profile(&prof, 1);
	config(&cfg, &prof);
	cfg.settle_timeout_s = 10;
	drive(&f, &cfg, 120, -1, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_ERROR);
	ck_assert(strstr(r.res->reason, "stabilise") != NULL);
	ck_assert_int_eq(f.writes, 0);
	pb_cal_free(r.proc);
}
END_TEST

/* A whole run of a channels-channel unit with the usual profile and key. */
static void
run_unit(struct fake *f, int channels, struct run *r)
{
	static struct pb_profile prof;
	static struct pb_cal_config cfg;
	make_profile(&prof, channels);
	config(&cfg, &prof);
	drive(f, &cfg, 120, -1, r);
}

/* The pump holds, on every channel, either its old calibration (id 7) or
 * the new one (id 8): never one of each. */
static bool
whole_old_or_whole_new(const struct fake *f, uint32_t *id)
{
	for (int ch = 0; ch < f->channels; ch++)
		if (!f->cal_valid[ch] || f->cal[ch].cal_id != f->cal[0].cal_id)
			return false;
	*id = f->cal[0].cal_id;
	return *id == 7 || *id == 8;
}

/* Issue 9: a station that died between the two channels' WRITE_CAL left
 * channel A new and channel B old.  Kill the station after every command
 * of a passing run (the device has answered it; nothing after it is
 * sent): the pump holds the whole old or the whole new calibration. */
START_TEST(station_killed_after_any_command_leaves_no_mix)
{
	struct fake f;
	struct run r;
	fake_init(&f, 2);
	run_unit(&f, 2, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_PASS);
	int total = f.commands;
	pb_cal_free(r.proc);
	ck_assert_int_gt(total, 10);
	int saw_new = 0;
	for (int k = 1; k <= total; k++) {
		fake_init(&f, 2);
		f.die_after = k;
		run_unit(&f, 2, &r);
		uint32_t id = 0;
		ck_assert_msg(whole_old_or_whole_new(&f, &id), "killed after "
		    "command %d of %d: channel A id %u (%s), B id %u (%s)", k,
		    total, f.cal[0].cal_id, f.cal_valid[0] ? "valid" : "none",
		    f.cal[1].cal_id, f.cal_valid[1] ? "valid" : "none");
		saw_new += id == 8;
		pb_cal_free(r.proc);
	}
	ck_assert_int_gt(saw_new, 0);
}
END_TEST

/* Verification fails on a unit whose channel B had no calibration: the
 * restore gives back the whole old state, B without calibration, not the
 * new unverified record (the old per-channel restore skipped B). */
START_TEST(restore_leaves_an_uncalibrated_channel_uncalibrated)
{
	struct fake f;
	struct run r;
	fake_init(&f, 2);
	f.cal_valid[1] = false;
	f.apply_wrong = true;
	run_unit(&f, 2, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_FAIL);
	ck_assert(r.res->restored);
	ck_assert_int_eq(f.writes, 2);       /* the new set, then the old */
	ck_assert(f.cal_valid[0]);
	ck_assert_uint_eq(f.cal[0].cal_id, 7);
	ck_assert(!f.cal_valid[1]);
	pb_cal_free(r.proc);
}
END_TEST

/* The pump answers STORAGE: it may hold either calibration, so the
 * procedure writes the old one back and reports ERROR. */
START_TEST(storage_error_restores_old)
{
	struct fake f;
	struct run r;
	fake_init(&f, 2);
	f.storage_fail = 1;
	run_unit(&f, 2, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_ERROR);
	ck_assert_msg(strstr(r.res->reason, "STORAGE") != NULL, "%s",
	    r.res->reason);
	ck_assert(r.res->restored);
	ck_assert_uint_eq(f.cal[0].cal_id, 7);
	ck_assert_uint_eq(f.cal[1].cal_id, 7);
	ck_assert_int_eq(f.stops, 1);
	pb_cal_free(r.proc);
}
END_TEST

/* Firmware that predates WRITE_CAL_ALL answers UNKNOWN_CMD: a one-channel
 * unit is written with WRITE_CAL (atomic by itself) and passes; a
 * two-channel unit is not touched at all. */
START_TEST(old_firmware_one_channel_falls_back)
{
	struct fake f;
	struct run r;
	fake_init(&f, 1);
	f.old_firmware = true;
	run_unit(&f, 1, &r);
	ck_assert_msg(r.verdict == PB_CAL_PASS, "%s", r.res->reason);
	ck_assert_int_eq(f.write_cals, 1);
	ck_assert_uint_eq(f.cal[0].cal_id, 8);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(old_firmware_two_channels_untouched)
{
	struct fake f;
	struct run r;
	fake_init(&f, 2);
	f.old_firmware = true;
	run_unit(&f, 2, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_ERROR);
	ck_assert_msg(strstr(r.res->reason, "WRITE_CAL_ALL") != NULL &&
	    strstr(r.res->reason, "nothing was written") != NULL, "%s",
	    r.res->reason);
	ck_assert_int_eq(f.writes, 0);
	ck_assert(!r.res->was_written[0] && !r.res->was_written[1]);
	ck_assert_uint_eq(f.cal[0].cal_id, 7);
	ck_assert_uint_eq(f.cal[1].cal_id, 7);
	ck_assert_int_eq(f.stops, 1);
	pb_cal_free(r.proc);
}
END_TEST

/* Issue 9 item 7: the result is recorded (certificates, a database)
 * once the new calibration is verified, while factory mode is still open
 * (before the vent's STOP); an output that fails makes the run ERROR and
 * the old calibration is written back: no unit keeps a calibration
 * without its record. */
START_TEST(record_before_vent_and_restore_when_it_fails)
{
	struct fake f;
	struct run r;
	fake_init(&f, 2);
	run_unit(&f, 2, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_PASS);
	ck_assert_int_eq(f.records, 1);
	ck_assert_int_eq(f.stops_at_record, 0);
	ck_assert(f.unlocked_at_record);
	pb_cal_free(r.proc);

	fake_init(&f, 2);
	f.record_fails = true;
	run_unit(&f, 2, &r);
	ck_assert_int_eq(r.verdict, PB_CAL_ERROR);
	ck_assert_msg(strstr(r.res->reason, "No space left on device") &&
	    strstr(r.res->reason, "not kept"), "%s", r.res->reason);
	ck_assert(r.res->restored);
	ck_assert_int_eq(f.records, 1);
	ck_assert_uint_eq(f.cal[0].cal_id, 7);
	ck_assert_uint_eq(f.cal[1].cal_id, 7);
	ck_assert_int_eq(f.stops, 1);
	ck_assert_int_eq(pb_cal_stage(r.proc), PB_CAL_S_DONE);
	/* a record answer out of turn is refused */
	ck_assert_int_eq(pb_cal_record_done(r.proc, true, "", 0),
	    PB_CALP_E_STATE);
	pb_cal_free(r.proc);
}
END_TEST

START_TEST(rejects_bad_config)
{
	struct pb_profile prof;
	struct pb_cal_config cfg;
	make_profile(&prof, 1);
	config(&cfg, &prof);
	prof.cal_order = 3;
	ck_assert_ptr_null(pb_cal_new(&cfg, 0));
	prof.cal_order = 2;
	prof.cal_points = 1;
	ck_assert_ptr_null(pb_cal_new(&cfg, 0));
	cfg.profile = NULL;
	ck_assert_ptr_null(pb_cal_new(&cfg, 0));
}
END_TEST

static Suite *
procedure_suite(void)
{
	Suite *s = suite_create("cal_procedure");
	TCase *tc = tcase_create("procedure");
	tcase_add_test(tc, full_pass_two_channels);
	tcase_add_test(tc, manual_reference_prompts);
	tcase_add_test(tc, abort_keeps_old_calibration);
	tcase_add_test(tc, verify_failure_restores_old);
	tcase_add_test(tc, readback_mismatch_fails_and_restores);
	tcase_add_test(tc, wrong_key_writes_nothing);
	tcase_add_test(tc, never_holds_above_limit);
	tcase_add_test(tc, unstable_hold_is_an_error);
	tcase_add_test(tc, rejects_bad_config);
	tcase_add_test(tc, record_before_vent_and_restore_when_it_fails);
	tcase_add_test(tc, station_killed_after_any_command_leaves_no_mix);
	tcase_add_test(tc, restore_leaves_an_uncalibrated_channel_uncalibrated);
	tcase_add_test(tc, storage_error_restores_old);
	tcase_add_test(tc, old_firmware_one_channel_falls_back);
	tcase_add_test(tc, old_firmware_two_channels_untouched);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(procedure_suite)
