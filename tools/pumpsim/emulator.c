/*
 * tools/pumpsim/emulator.c - the emulator core (see emulator.h): the
 * pump's firmware program (devapp.h, the same files the MCU runs) over the
 * plant model, advanced in fixed plant steps of PB_PLANT_DT_US.  This file
 * is the emulator's port: it serves the port interface (hal.h) from the
 * plant (sensors, motor, valves), OpenSSL's CSPRNG (the factory nonce) and
 * the EEPROM file (eeprom-file.c).
 *
 * Per plant step, in this order: the firmware reads the ADC counts, motor
 * current and supply voltage left by the previous step and sets its
 * outputs (pb_devapp_control); the plant advances one step under those
 * outputs; then the device side runs (pb_devapp_service): firmware events,
 * the host watchdog, telemetry and heartbeats.
 *
 * Determinism: everything derives from the profile, the seed and the
 * inputs, except the factory nonce, which comes from OpenSSL's CSPRNG as a
 * real device's TRNG would (docs/pumpsim.md, "Factory access").
 */
#include "tools/pumpsim/emulator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/pumpsim/control.h"
#include "tools/pumpsim/devapp.h"
#include "tools/pumpsim/eeprom.h"
#include "tools/pumpsim/factory.h"
#include "tools/pumpsim/plant.h"

struct pb_emu {
	struct pb_profile prof;
	struct pb_plant plant;
	struct pb_plant_inputs drive;   /* what the firmware drives */
	struct pb_devapp app;
	uint64_t now_us;                /* emulator time == plant time */
};

/* ---- the port interface, served by the plant ---------------------------- */

static void hal_sense(void *ctx, struct pb_hal_sense *s)
{
	const struct pb_emu *e = ctx;
	for (int ch = 0; ch < e->prof.channels; ch++) {
		s->adc[ch] = pb_plant_adc(&e->plant, ch);
		if (e->plant.valve_open[ch])
			s->valve_open |= (uint8_t)(1u << ch);
	}
	s->motor_ma = pb_plant_motor_ma(&e->plant);
	s->supply_v = pb_plant_supply_v(&e->plant);
	s->motor_duty = e->plant.motor_duty;
}

static void hal_drive(void *ctx, const struct pb_fw_outputs *out)
{
	struct pb_emu *e = ctx;
	e->drive.motor_duty = out->motor_duty;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		e->drive.valve_open[ch] = out->valve_open[ch];
		e->drive.connect[ch] = out->connect[ch];
	}
}

static int hal_random(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	return pb_factory_random(buf, n);
}

static int hal_inject(void *ctx, int fault, int channel, int32_t value)
{
	return pb_emu_inject(ctx, fault, channel, value);
}

void pb_emu_set_power(struct pb_emu *e, bool on)
{
	if (on)
		pb_devapp_boot(&e->app, e->now_us);
	else
		pb_devapp_power_off(&e->app);
}

/* ---- public API ----------------------------------------------------------------- */

struct pb_emu *pb_emu_new(const struct pb_profile *p,
    const struct pb_emu_opts *o, uint64_t now_us, char *err, size_t errlen)
{
	struct pb_emu_opts none;
	char msg[1024] = "";
	char fresh[PB_STR_LEN + 1];
	if (!o) {
		memset(&none, 0, sizeof none);
		o = &none;
	}
	if (!p || p->channels < 1 || p->channels > PB_MAX_CH) {
		snprintf(err, errlen, "profile: channels must be 1..%d",
		    PB_MAX_CH);
		return NULL;
	}
	struct pb_emu *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->prof = *p;
	e->now_us = now_us;
	if (o->serial && *o->serial) {
		snprintf(fresh, sizeof fresh, "%.*s", PB_STR_LEN, o->serial);
	} else {
		uint64_t h = o->seed * 0x9E3779B97F4A7C15ull;
		snprintf(fresh, sizeof fresh, "PS%08X", (unsigned)(h >> 32));
	}
	struct pb_devapp_opts ao = {
		.defects = o->defects,
		.allow_inject = o->allow_inject,
		.serial = o->serial && *o->serial ? o->serial : fresh,
		.name = "pumpsim",
	};
	struct pb_hal hal = {
		.ctx = e,
		.sense = hal_sense,
		.drive = hal_drive,
		.random = hal_random,
		.inject = hal_inject,
	};
	if (pb_devapp_init(&e->app, p, &ao, &hal, now_us) != 0) {
		snprintf(err, errlen, "serial \"%s\": need 1..%d printable "
		    "characters without spaces", o->serial, PB_STR_LEN);
		free(e);
		return NULL;
	}
	int rc = pb_plant_init(&e->plant, p, o->seed, o->sensor_errors, now_us);
	if (rc != PB_PLANT_OK) {
		snprintf(err, errlen, "%s: %s", p->path[0] ? p->path : p->id,
		    pb_plant_strerror(rc));
		free(e);
		return NULL;
	}
	struct pb_eeprom *ee = pb_devapp_eeprom(&e->app);
	if (o->eeprom_path && *o->eeprom_path) {
		if (pb_eeprom_attach_file(ee, o->eeprom_path, msg,
		    sizeof msg) != PB_EEPROM_OK) {
			snprintf(err, errlen, "%s", msg);
			free(e);
			return NULL;
		}
	}
	if (o->factory_key_path && *o->factory_key_path) {
		uint8_t key[PB_FACTORY_KEY_MAX];
		int n = pb_factory_load_key(o->factory_key_path, key,
		    sizeof key, err, errlen);
		if (n < 0 || pb_devapp_set_factory_key(&e->app, key,
		    (size_t)n) != 0) {
			pb_eeprom_detach_file(ee);
			free(e);
			return NULL;
		}
		memset(key, 0, sizeof key);
	}
	pb_devapp_boot(&e->app, now_us);
	const struct pb_eeprom_record *r = pb_eeprom_record(ee);
	if (o->serial && *o->serial && r && strcmp(r->serial, o->serial) != 0) {
		size_t used = strlen(msg);
		snprintf(msg + used, sizeof msg - used, "%sserial %s ignored: the "
		    "EEPROM%s%s already holds serial %s", used ? "\n" : "",
		    o->serial, ee->path[0] ? " " : "", ee->path, r->serial);
	}
	/* problems found loading the file are worth a LOG line too */
	pb_devapp_log_lines(&e->app, 1, msg);
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return e;
}

void pb_emu_free(struct pb_emu *e)
{
	if (!e)
		return;
	pb_eeprom_detach_file(pb_devapp_eeprom(&e->app));
	memset(&e->app, 0, sizeof e->app);
	free(e);
}

void pb_emu_advance(struct pb_emu *e, uint64_t now_us)
{
	bool powered = pb_devapp_powered(&e->app);
	while (e->now_us + PB_PLANT_DT_US <= now_us) {
		memset(&e->drive, 0, sizeof e->drive);
		e->drive.power = powered;
		if (powered)
			pb_devapp_control(&e->app, e->now_us);
		else
			for (int ch = 0; ch < PB_MAX_CH; ch++)
				e->drive.valve_open[ch] = true;
		pb_plant_step(&e->plant, &e->drive);
		e->now_us += PB_PLANT_DT_US;
		if (powered)
			pb_devapp_service(&e->app, e->now_us);
	}
	pb_devapp_tick(&e->app, e->now_us);
}

void pb_emu_rx(struct pb_emu *e, const uint8_t *bytes, size_t n)
{
	pb_devapp_rx(&e->app, bytes, n, e->now_us);
}

size_t pb_emu_tx(struct pb_emu *e, uint8_t *buf, size_t cap)
{
	return pb_devapp_tx(&e->app, buf, cap);
}

static const char *fault_label(int fault)
{
	return fault == PB_FLT_CLEAR_ALL ? "clear-all" : pb_fault_name(fault);
}

int pb_emu_inject(struct pb_emu *e, int fault, int channel, int32_t value)
{
	int rc = pb_plant_fault(&e->plant, fault, channel, value);
	if (rc != PB_PLANT_OK) {
		pb_devapp_log(&e->app, 1, "inject %s ch%d value %ld refused: %s",
		    fault_label(fault), channel, (long)value,
		    pb_plant_strerror(rc));
		return rc;
	}
	pb_devapp_log(&e->app, 2, "inject %s ch%d value %ld", fault_label(fault), channel,
	    (long)value);
	return 0;
}

void pb_emu_set_inject(struct pb_emu *e, int ch, bool enable, double volts)
{
	pb_plant_set_inject(&e->plant, ch, enable, volts);
}

double pb_emu_true_vacuum_mmhg(const struct pb_emu *e, int ch)
{
	if (ch < 0 || ch >= e->prof.channels)
		return 0.0;
	return pb_plant_vacuum_mmhg(&e->plant, ch);
}

bool pb_emu_motor_on(const struct pb_emu *e)
{
	return e->plant.motor_duty > 0.0;
}

bool pb_emu_valve_open(const struct pb_emu *e, int ch)
{
	if (ch < 0 || ch >= e->prof.channels)
		return true;
	return e->plant.valve_open[ch];
}

void pb_emu_eeprom_power_cut(struct pb_emu *e, long bytes)
{
	struct pb_eeprom *ee = pb_devapp_eeprom(&e->app);
	if (bytes < 0)
		pb_eeprom_disarm_power_cut(ee);
	else
		pb_eeprom_arm_power_cut(ee, (size_t)bytes);
}

bool pb_emu_alarm_on(const struct pb_emu *e)
{
	return pb_devapp_powered(&e->app) && pb_devapp_outputs(&e->app)->alarm;
}

void pb_emu_status(const struct pb_emu *e, struct pb_emu_status *s)
{
	memset(s, 0, sizeof *s);
	const struct pb_fw *fw = pb_devapp_fw(&e->app);
	bool powered = pb_devapp_powered(&e->app);
	s->run_state = powered ? fw->run_state : (uint8_t)PB_RS_OFF;
	s->mode = fw->mode;
	s->level = fw->level;
	s->phase = powered ? fw->phase : (uint8_t)PB_PH_IDLE;
	s->channel_mask = fw->channel_mask;
	s->alarms = powered ? fw->alarms : 0;
	s->target_mmhg = fw->target_mmhg;
	for (int ch = 0; ch < e->prof.channels; ch++) {
		s->vacuum_mmhg[ch] = pb_plant_vacuum_mmhg(&e->plant, ch);
		s->measured_mmhg[ch] = powered ? pb_fw_counts_to_mmhg(fw, ch,
		    (double)pb_plant_adc(&e->plant, ch)) : 0.0;
	}
	s->battery_v = pb_plant_supply_v(&e->plant);
	s->motor_duty = e->plant.motor_duty;
	s->session_s = fw->session_s;
	s->cycles = fw->cycles;
}

double pb_emu_unit_counts(const struct pb_emu *e, int ch, double mmhg)
{
	if (ch < 0 || ch >= e->plant.channels)
		return NAN;
	return pb_sensor_unit_counts(&e->plant.sensor[ch].p, mmhg);
}

int pb_emu_factory_store_cal(struct pb_emu *e, const struct pb_cal_set *set)
{
	return pb_devapp_factory_store_cal(&e->app, set);
}
