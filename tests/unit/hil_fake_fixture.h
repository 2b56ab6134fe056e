/*
 * tests/unit/hil_fake_fixture.h - a fake HIL fixture for runner and
 * scenario tests.
 *
 * It implements struct pb_fixture_ops directly over an in-process pump
 * emulator (no MPSSE), in virtual time, with knobs that make the rig
 * misbehave the way real benches do: fail to open, vanish (unplugged)
 * at a given virtual time, refuse to go safe.  Counters let a test check
 * that the runner opened, made safe and closed the fixture every time.
 * Header-only (static functions) so only the tests that include it pay.
 */
#ifndef PB_TESTS_HIL_FAKE_FIXTURE_H
#define PB_TESTS_HIL_FAKE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil/fixture.h"
#include "hil/rig.h"
#include "proto/link.h"
#include "pump/profile.h"
#include "tools/pumpsim/emulator.h"

struct fake_knobs {
	int      fail_opens;     /* this many opens fail (then succeed) */
	uint64_t gone_at_us;     /* advance fails GONE from here (0: never) */
	int      gone_opens;     /* ...only for this many opens (0: all) */
	bool     safe_fails;
	const char *dut_profile_id;  /* the id the DUT reports (NULL: its own) */
	/* counters */
	int opens, open_attempts, safes, closes;
	unsigned last_defects;
	char     last_profile[32];
};

struct fake_fix {
	struct pb_fixture base;   /* first: the common head */
	struct fake_knobs *k;
	struct pb_emu *emu;
	struct pb_link *host, *dev;
	bool     taken;
	uint64_t now;
	uint64_t gone_at;
};

static int fake_set_inject(struct pb_fixture *f, int ch, bool en, double v)
{
	struct fake_fix *x = (struct fake_fix *)f;
	pb_emu_set_inject(x->emu, ch, en, v);
	return PB_FIX_OK;
}

static int fake_read_reference(struct pb_fixture *f, int ch, double *volts)
{
	struct fake_fix *x = (struct fake_fix *)f;
	*volts = pb_rig_xfer_volts(&f->rig.ch[ch].ref,
	    pb_emu_true_vacuum_mmhg(x->emu, ch));
	return PB_FIX_OK;
}

static int fake_read_outputs(struct pb_fixture *f, uint32_t *bits)
{
	struct fake_fix *x = (struct fake_fix *)f;
	uint32_t b = 0;
	if (pb_emu_motor_on(x->emu))
		b |= PB_FIX_OUT_MOTOR;
	if (pb_emu_alarm_on(x->emu))
		b |= PB_FIX_OUT_ALARM;
	for (int ch = 0; ch < f->rig.channels; ch++)
		if (pb_emu_valve_open(x->emu, ch))
			b |= PB_FIX_OUT_VALVE(ch);
	*bits = b;
	return PB_FIX_OK;
}

static int fake_set_power(struct pb_fixture *f, bool on)
{
	struct fake_fix *x = (struct fake_fix *)f;
	pb_emu_set_power(x->emu, on);
	return PB_FIX_OK;
}

static int fake_take_link(struct pb_fixture *f, struct pb_link **out)
{
	struct fake_fix *x = (struct fake_fix *)f;
	if (x->taken)
		return PB_FIX_E_STATE;
	x->taken = true;
	*out = x->host;
	return PB_FIX_OK;
}

static uint64_t fake_now(struct pb_fixture *f)
{
	return ((struct fake_fix *)f)->now;
}

static void fake_shuttle(struct fake_fix *x)
{
	uint8_t buf[4096];
	ssize_t n;
	while ((n = pb_link_read(x->dev, buf, sizeof buf)) > 0)
		pb_emu_rx(x->emu, buf, (size_t)n);
	size_t k;
	while ((k = pb_emu_tx(x->emu, buf, sizeof buf)) > 0)
		pb_link_write(x->dev, buf, k);
}

static int fake_advance(struct pb_fixture *f, uint64_t until)
{
	struct fake_fix *x = (struct fake_fix *)f;
	if (x->gone_at && until >= x->gone_at) {
		snprintf(f->msg, sizeof f->msg, "fake fixture unplugged at "
		    "%.3f s", (double)x->gone_at / 1e6);
		return PB_FIX_E_GONE;
	}
	while (x->now < until) {
		uint64_t next = x->now + 1000;
		if (next > until)
			next = until;
		fake_shuttle(x);
		pb_emu_advance(x->emu, next);
		x->now = next;
	}
	fake_shuttle(x);
	return PB_FIX_OK;
}

static int fake_inject_fault(struct pb_fixture *f, int fault, int ch,
    int32_t value)
{
	struct fake_fix *x = (struct fake_fix *)f;
	return pb_emu_inject(x->emu, fault, ch, value) == 0 ? PB_FIX_OK :
	    PB_FIX_E_ARG;
}

static int fake_safe(struct pb_fixture *f)
{
	struct fake_fix *x = (struct fake_fix *)f;
	x->k->safes++;
	for (int ch = 0; ch < f->rig.channels; ch++)
		pb_emu_set_inject(x->emu, ch, false, 0.0);
	if (x->k->safe_fails) {
		snprintf(f->msg, sizeof f->msg, "fake: relay stuck");
		return PB_FIX_E_IO;
	}
	return PB_FIX_OK;
}

static void fake_close(struct pb_fixture *f)
{
	struct fake_fix *x = (struct fake_fix *)f;
	x->k->closes++;
	if (!x->taken)
		pb_link_close(x->host);
	pb_link_close(x->dev);
	pb_emu_free(x->emu);
	free(x);
}

static const struct pb_fixture_ops fake_ops = {
	.name = "sim",
	.set_inject = fake_set_inject,
	.read_reference = fake_read_reference,
	.read_outputs = fake_read_outputs,
	.set_power = fake_set_power,
	.take_dut_link = fake_take_link,
	.now = fake_now,
	.advance = fake_advance,
	.inject_fault = fake_inject_fault,
	.safe = fake_safe,
	.close = fake_close,
};

/* pb_runner_open_fn */
static int fake_open(void *ctx, const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen)
{
	struct fake_knobs *k = ctx;
	k->open_attempts++;
	if (k->fail_opens > 0) {
		k->fail_opens--;
		snprintf(err, errlen, "fake: no fixture attached");
		return PB_FIX_E_NOENT;
	}
	struct pb_profile prof;
	const struct pb_profile *p = opts->profile;
	if (!p) {
		if (pb_profile_find(&prof, rig->profile[0] ? rig->profile :
		    "s10pro", err, errlen) != 0)
			return PB_FIX_E_PROFILE;
		p = &prof;
	}
	if (k->dut_profile_id) {
		/* a pump that reports an id of its own choosing in HELLO */
		if (p != &prof) {
			prof = *p;
			p = &prof;
		}
		snprintf(prof.id, sizeof prof.id, "%s", k->dut_profile_id);
	}
	struct fake_fix *x = calloc(1, sizeof *x);
	if (!x)
		return PB_FIX_E_MEM;
	x->base.ops = &fake_ops;
	x->base.rig = *rig;
	x->base.rig.channels = p->channels;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		x->base.rig.ch[ch].sensor.supply_v = p->sensor_supply_v;
		x->base.rig.ch[ch].sensor.fs_mmhg = p->sensor_fs_mmhg;
		x->base.rig.ch[ch].sensor.min_mmhg = p->sensor_min_mmhg;
		x->base.rig.ch[ch].sensor.lo_frac = 0.05;
		x->base.rig.ch[ch].sensor.hi_frac = 0.95;
	}
	x->k = k;
	x->now = opts->start_us;
	struct pb_emu_opts eo = {
		.seed = opts->seed, .serial = opts->dut_serial,
		.defects = opts->defects, .allow_inject = true,
	};
	x->emu = pb_emu_new(p, &eo, x->now, err, errlen);
	if (!x->emu || pb_link_mem_pair(&x->host, &x->dev) != 0) {
		pb_emu_free(x->emu);
		free(x);
		return PB_FIX_E_PROFILE;
	}
	k->opens++;
	if (!k->gone_opens || k->opens <= k->gone_opens)
		x->gone_at = k->gone_at_us;
	k->last_defects = opts->defects;
	snprintf(k->last_profile, sizeof k->last_profile, "%s", p->id);
	*out = &x->base;
	return PB_FIX_OK;
}

#endif
