/*
 * hil/fixture-sim.c - the `sim` fixture backend. See fixture-sim.h.
 */
#include "hil/fixture-sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/fit.h"
#include "hil/mpsse-interp.h"
#include "hil/rigbus.h"
#include "proto/link.h"
#include "pump/profile.h"
#include "tools/pumpsim/defect.h"
#include "tools/pumpsim/emulator.h"
#include "tools/pumpsim/sensor.h"

#define SIM_TXBUF 65536

struct sim_fixture {
	struct pb_fixture base;      /* first: cast target */
	struct pb_rigbus bus;
	struct pb_mpsse_interp *it;
	int dac_dev, adc_dev;
	struct pb_profile prof;
	struct pb_emu *emu;
	struct pb_link *near, *far;  /* near: for the caller; far: ours */
	bool taken;
	uint64_t now;
	bool unplugged;
	uint8_t tx[SIM_TXBUF];       /* device -> host bytes not yet written */
	size_t tx_len;
};

static const struct pb_fixture_ops sim_ops;

static struct sim_fixture *S(struct pb_fixture *f)
{
	return (struct sim_fixture *)f;
}

/* ---- the board: pins <-> emulator --------------------------------------- */

static bool pin_active(const struct pb_mpsse_interp *it, struct pb_rig_pin p)
{
	bool level;
	/* an undriven line is pulled to its inactive level on the board */
	if (!pb_mpsse_interp_pin_driven(it, p.pin, &level))
		return false;
	return level != p.active_low;
}

static void set_input(struct pb_mpsse_interp *it, struct pb_rig_pin p,
    bool active)
{
	if (p.pin < 0)
		return;
	pb_mpsse_interp_set_input(it, p.pin, active != p.active_low);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Emulator outputs -> interpreter inputs (GPIO lines, ADC volts). */
static void world_to_interp(struct sim_fixture *s)
{
	const struct pb_rig *r = &s->base.rig;
	pb_mpsse_interp_set_inputs(s->it, 0);   /* pull-downs */
	set_input(s->it, r->motor, pb_emu_motor_on(s->emu));
	set_input(s->it, r->alarm, pb_emu_alarm_on(s->emu));
	for (int c = 0; c < r->channels; c++) {
		set_input(s->it, r->ch[c].valve, pb_emu_valve_open(s->emu, c));
		const struct pb_rig_xfer *x = &r->ch[c].ref;
		double v = pb_rig_xfer_volts(x, pb_emu_true_vacuum_mmhg(s->emu, c));
		v = clampd(v, 0.0, x->supply_v);   /* transducer saturates */
		pb_mpsse_interp_set_adc_volts(s->it, s->adc_dev, r->ch[c].adc_ch,
		    v);
	}
}

/* Interpreter outputs -> emulator pins (inject relay + volts, power). */
static void interp_to_world(struct sim_fixture *s)
{
	const struct pb_rig *r = &s->base.rig;
	for (int c = 0; c < r->channels; c++) {
		bool relay = pin_active(s->it, r->ch[c].inject);
		double v = pb_mpsse_interp_dac_volts(s->it, s->dac_dev,
		    r->ch[c].dac_ch);
		pb_emu_set_inject(s->emu, c, relay, v);
	}
	pb_emu_set_power(s->emu, pin_active(s->it, r->power));
}

/* ---- the USB side: bytes through the interpreter ------------------------ */

static int sim_xfer(void *ctx, const uint8_t *out, size_t n, uint8_t *in,
    size_t nin, char *msg, size_t msglen)
{
	struct sim_fixture *s = ctx;
	if (s->unplugged) {
		snprintf(msg, msglen, "simulated FT232H of rig %s is unplugged",
		    s->base.rig.name);
		return PB_FIX_E_GONE;
	}
	world_to_interp(s);
	pb_mpsse_interp_feed(s->it, out, n);
	size_t got = pb_mpsse_interp_read(s->it, in, nin);
	interp_to_world(s);
	if (got < nin) {
		snprintf(msg, msglen, "FT232H answered %zu of %zu bytes", got,
		    nin);
		return PB_FIX_E_TIMEOUT;
	}
	size_t extra = pb_mpsse_interp_pending(s->it);
	if (extra) {
		uint8_t junk[64];
		while (pb_mpsse_interp_read(s->it, junk, sizeof(junk)) > 0)
			;
		snprintf(msg, msglen, "FT232H sent %zu unexpected bytes "
		    "(a bad opcode in the stream?)", extra);
		return PB_FIX_E_IO;
	}
	return PB_FIX_OK;
}

/* Bitmode reset and MPSSE; the init stream follows (fixture.c). */
static int sim_bus_reset(struct pb_fixture *f)
{
	struct sim_fixture *s = S(f);
	if (s->unplugged) {
		snprintf(f->msg, sizeof(f->msg), "simulated FT232H of rig %s is "
		    "unplugged", f->rig.name);
		return PB_FIX_E_GONE;
	}
	uint8_t junk[256];                       /* purge stale replies */
	while (pb_mpsse_interp_read(s->it, junk, sizeof(junk)) > 0)
		;
	pb_mpsse_interp_reset(s->it);            /* BITMODE_RESET */
	pb_mpsse_interp_set_mpsse(s->it, true);  /* BITMODE_MPSSE */
	return PB_FIX_OK;
}

/* ---- ops ------------------------------------------------------------------ */

static int sim_take_dut_link(struct pb_fixture *f, struct pb_link **out)
{
	struct sim_fixture *s = S(f);
	if (s->taken || !s->near) {
		snprintf(f->msg, sizeof(f->msg), "the DUT link was already "
		    "taken");
		return PB_FIX_E_STATE;
	}
	*out = s->near;
	s->taken = true;
	return PB_FIX_OK;
}

static uint64_t sim_now(struct pb_fixture *f)
{
	return S(f)->now;
}

/* Host -> device bytes waiting on our end of the link. */
static void pump_rx(struct sim_fixture *s)
{
	uint8_t buf[4096];
	for (;;) {
		ssize_t n = pb_link_read(s->far, buf, sizeof(buf));
		if (n <= 0)
			break;   /* nothing now, or the host closed its end */
		pb_emu_rx(s->emu, buf, (size_t)n);
	}
}

/* Device -> host bytes: what the link takes now; the rest waits. */
static void pump_tx(struct sim_fixture *s)
{
	for (;;) {
		if (s->tx_len < SIM_TXBUF)
			s->tx_len += pb_emu_tx(s->emu, s->tx + s->tx_len,
			    SIM_TXBUF - s->tx_len);
		if (s->tx_len == 0)
			return;
		ssize_t n = pb_link_write(s->far, s->tx, s->tx_len);
		if (n <= 0) {
			if (n < 0)
				s->tx_len = 0;   /* host gone: drop, as a wire */
			return;
		}
		memmove(s->tx, s->tx + n, s->tx_len - (size_t)n);
		s->tx_len -= (size_t)n;
	}
}

static int sim_advance(struct pb_fixture *f, uint64_t until_us)
{
	struct sim_fixture *s = S(f);
	if (pb_fixture_interrupted()) {
		snprintf(f->msg, sizeof(f->msg), "interrupted by signal %d",
		    pb_fixture_interrupted());
		return PB_FIX_E_INTERRUPTED;
	}
	pump_rx(s);
	if (until_us > s->now) {
		pb_emu_advance(s->emu, until_us);
		s->now = until_us;
	}
	pump_tx(s);
	return PB_FIX_OK;
}

static int sim_inject_fault(struct pb_fixture *f, int fault, int ch,
    int32_t value)
{
	struct sim_fixture *s = S(f);
	if (fault == PB_FIX_FAULT_UNPLUG) {
		if (value) {
			s->unplugged = true;
			s->bus.ready = false;
			/* the chip is gone: every line floats, the board's
			 * pull-downs drop the relays */
			pb_mpsse_interp_reset(s->it);
			interp_to_world(s);
		} else {
			s->unplugged = false;   /* next call re-initialises */
		}
		return PB_FIX_OK;
	}
	int rc = pb_emu_inject(s->emu, fault, ch, value);
	if (rc != 0) {
		snprintf(f->msg, sizeof(f->msg), "emulator refused fault %d on "
		    "channel %d (value %ld)", fault, ch + 1, (long)value);
		return PB_FIX_E_ARG;
	}
	return PB_FIX_OK;
}

static int sim_safe(struct pb_fixture *f)
{
	struct sim_fixture *s = S(f);
	int rc = PB_FIX_OK;
	if (!s->unplugged) {
		rc = pb_rigbus_safe(&s->bus);
		if (rc)
			pb_fixture_bus_fail(f, rc);
	} else {
		/* as on a bench: the chip cannot be reached, the board's
		 * pull-downs already hold every relay off */
		snprintf(f->msg, sizeof(f->msg), "simulated FT232H of rig %s "
		    "is gone: the board's pull-downs hold the relays off",
		    f->rig.name);
		rc = PB_FIX_E_GONE;
	}
	/* bitmode reset */
	pb_mpsse_interp_reset(s->it);
	interp_to_world(s);
	s->bus.ready = false;
	return rc;
}

static void sim_close(struct pb_fixture *f)
{
	struct sim_fixture *s = S(f);
	if (!s)
		return;
	if (s->emu)
		pb_emu_free(s->emu);
	if (!s->taken && s->near)
		pb_link_close(s->near);
	if (s->far)
		pb_link_close(s->far);
	free(s->it);
	free(s);
}

static const struct pb_fixture_ops sim_ops = {
	.name = "sim",
	.bus_reset = sim_bus_reset,
	.take_dut_link = sim_take_dut_link,
	.now = sim_now,
	.advance = sim_advance,
	.inject_fault = sim_inject_fault,
	.safe = sim_safe,
	.close = sim_close,
};

const struct pb_mpsse_interp *pb_fixture_sim_interp(const struct pb_fixture *f)
{
	if (!f || f->ops != &sim_ops)
		return NULL;
	return ((const struct sim_fixture *)f)->it;
}

struct pb_emu *pb_fixture_sim_emulator(struct pb_fixture *f)
{
	if (!f || f->ops != &sim_ops)
		return NULL;
	return S(f)->emu;
}

int pb_fixture_sim_status(struct pb_fixture *f, struct pb_sim_status *st)
{
	memset(st, 0, sizeof(*st));
	struct pb_emu *e = pb_fixture_sim_emulator(f);
	if (!e) {
		if (f)
			snprintf(f->msg, sizeof(f->msg), "the pump model's own "
			    "view needs the sim rig");
		return PB_FIX_E_NOT_SUPPORTED;
	}
	struct pb_emu_status es;
	pb_emu_status(e, &es);
	st->run_state = es.run_state;
	st->target_mmhg = es.target_mmhg;
	st->battery_v = es.battery_v;
	st->motor_duty = es.motor_duty;
	st->session_s = es.session_s;
	st->cycles = es.cycles;
	for (int c = 0; c < PB_MAX_CH; c++) {
		st->vacuum_mmhg[c] = es.vacuum_mmhg[c];
		st->measured_mmhg[c] = es.measured_mmhg[c];
	}
	return PB_FIX_OK;
}

int pb_fixture_sim_defect(const char *name, unsigned *mask)
{
	unsigned bit;
	if (!name || pb_defect_parse(name, &bit) != 0)
		return PB_FIX_E_ARG;
	*mask = bit;
	return PB_FIX_OK;
}

/* A unit that left the factory calibrated: each channel's own sensor read
 * (noise-free, as a station's long average) at the profile's calibration
 * points, fitted in the profile's order with the calibration procedure's
 * fit (cal/fit.h), stored as one WRITE_CAL_ALL would store it. */
static int factory_calibrate(struct sim_fixture *s, char *err, size_t errlen)
{
	const struct pb_profile *p = &s->prof;
	struct pb_cal_set set;
	memset(&set, 0, sizeof set);
	double x[PB_PROFILE_MAX_CAL], y[PB_PROFILE_MAX_CAL];
	for (int ch = 0; ch < p->channels && ch < PB_MAX_CH; ch++) {
		for (int i = 0; i < p->cal_points; i++) {
			y[i] = p->cal_point_mmhg[i];
			x[i] = pb_emu_unit_counts(s->emu, ch, y[i]);
		}
		struct pb_cal_fit fit;
		int rc = pb_cal_fit(x, y, p->cal_points, p->cal_order, &fit);
		if (rc != PB_FIT_OK) {
			snprintf(err, errlen, "factory calibration of ch%d: %s",
			    ch + 1, pb_fit_strerror(rc));
			return -1;
		}
		struct pb_cal *c = &set.cal[ch];
		c->channel = (uint8_t)ch;
		c->order = (uint8_t)p->cal_order;
		for (int k = 0; k < 3; k++)
			c->c[k] = (float)fit.c[k];
		c->cal_id = 1;
		snprintf(c->station, sizeof c->station, "sim-factory");
		set.mask |= (uint8_t)(1u << ch);
	}
	int st = pb_emu_factory_store_cal(s->emu, &set);
	if (st != PB_ST_OK) {
		snprintf(err, errlen, "factory calibration refused (status %d)",
		    st);
		return -1;
	}
	return 0;
}

int pb_fixture_sim_open(const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen)
{
	char msg[1024];
	*out = NULL;
	struct sim_fixture *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return PB_FIX_E_MEM;
	}
	s->base.ops = &sim_ops;
	s->base.rig = *rig;
	struct pb_rig *r = &s->base.rig;

	/* The pump: the caller's profile or the rig's. */
	if (opts->profile) {
		s->prof = *opts->profile;
	} else {
		if (!r->profile[0]) {
			snprintf(err, errlen, "%s: rig %s names no profile and none "
			    "was given", r->path[0] ? r->path : "(rig)", r->name);
			free(s);
			return PB_FIX_E_PROFILE;
		}
		int prc = pb_profile_find(&s->prof, r->profile, msg, sizeof(msg));
		if (prc) {
			snprintf(err, errlen, "rig %s: profile %s: %s", r->name,
			    r->profile, msg);
			free(s);
			return PB_FIX_E_PROFILE;
		}
	}
	if (r->channels > s->prof.channels)
		r->channels = s->prof.channels;   /* the rig fits the pump */
	for (int c = 0; c < PB_MAX_CH; c++) {
		struct pb_rig_xfer *x = &r->ch[c].sensor;
		if (x->fs_mmhg <= 0.0) {       /* "profile" */
			x->supply_v = s->prof.sensor_supply_v;
			x->min_mmhg = s->prof.sensor_min_mmhg;
			x->fs_mmhg = s->prof.sensor_fs_mmhg;
			/* the DAC stands in for the emulated sensor: a rig
			 * file with another transfer would inject wrong
			 * vacuums */
			if (fabs(x->lo_frac - PB_SENSOR_LO_FRAC) > 1e-9 ||
			    fabs(x->hi_frac - PB_SENSOR_HI_FRAC) > 1e-9) {
				snprintf(err, errlen, "%s: [channel%d] sensor_lo "
				    "%g / sensor_hi %g differ from the emulated "
				    "pump's sensor (%g / %g)", r->path[0] ?
				    r->path : r->name, c + 1, x->lo_frac,
				    x->hi_frac, PB_SENSOR_LO_FRAC,
				    PB_SENSOR_HI_FRAC);
				free(s);
				return PB_FIX_E_PROFILE;
			}
		}
	}

	struct pb_emu_opts eo;
	memset(&eo, 0, sizeof(eo));
	eo.seed = opts->seed;
	eo.eeprom_path = opts->eeprom_path;
	eo.serial = opts->dut_serial ? opts->dut_serial : "SIM0001";
	eo.defects = opts->defects;
	eo.sensor_errors = opts->sensor_errors;
	eo.allow_inject = true;
	eo.factory_key_path = opts->factory_key_path;
	s->emu = pb_emu_new(&s->prof, &eo, opts->start_us, msg, sizeof(msg));
	if (!s->emu) {
		snprintf(err, errlen, "rig %s: emulator: %s", r->name, msg);
		free(s);
		return PB_FIX_E_PROFILE;
	}
	s->now = opts->start_us;
	if (opts->calibrated && factory_calibrate(s, err, errlen) != 0) {
		pb_emu_free(s->emu);
		free(s);
		return PB_FIX_E_PROFILE;
	}

	s->it = malloc(sizeof(*s->it));
	if (!s->it) {
		sim_close(&s->base);
		snprintf(err, errlen, "out of memory");
		return PB_FIX_E_MEM;
	}
	pb_mpsse_interp_init(s->it);
	s->dac_dev = pb_mpsse_interp_attach(s->it, PB_INTERP_MCP4922,
	    r->dac.cs.pin, r->dac.vref);
	s->adc_dev = pb_mpsse_interp_attach(s->it, PB_INTERP_MCP3202,
	    r->adc.cs.pin, r->adc.vref);

	if (pb_link_mem_pair(&s->near, &s->far) != 0) {
		sim_close(&s->base);
		snprintf(err, errlen, "rig %s: cannot create the DUT link",
		    r->name);
		return PB_FIX_E_MEM;
	}

	pb_rigbus_init(&s->bus, r, sim_xfer, s);
	s->base.bus = &s->bus;
	int rc = pb_fixture_bus_begin(&s->base);
	if (rc) {
		snprintf(err, errlen, "rig %s: %s", r->name, s->base.msg);
		sim_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return PB_FIX_OK;
}
