/*
 * tests/lib/fw_rig.h - the emulated firmware and the plant in lock-step
 * virtual time, for unit tests (test_firmware, test_alarms).
 *
 * Promise: a deterministic rig with no wall clock: one pb_fw driven by one
 * pb_plant at the plant's step (PB_PLANT_DT_US), every channel given the
 * datasheet (nominal) calibration, an optional host that feeds the
 * watchdog every 250 ms, and the firmware's events kept in order (up to
 * MAX_EV).  Helpers are static inline: a test that includes the header
 * links against the firmware and plant rooms, other tests do not.
 */
#ifndef PB_TESTS_FW_RIG_H
#define PB_TESTS_FW_RIG_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/firmware.h"
#include "tools/pumpsim/plant.h"
#include "tools/pumpsim/sensor.h"

#define MAX_EV 512                  /* events kept per run */

struct rig {
	struct pb_profile p;
	struct pb_plant pl;
	struct pb_fw fw;
	struct pb_fw_outputs out;
	uint64_t t;                 /* virtual time, us */
	bool pings;                 /* host heartbeats every 250 ms */
	double supply_v;            /* > 0: the firmware reads this supply
	                               (a bench supply), else the plant's */
	uint64_t next_ping;
	struct pb_fw_event ev[MAX_EV];
	int nev;
};

static inline void rig_init_prof(struct rig *r, const struct pb_profile *p,
    uint64_t seed, unsigned defects)
{
	memset(r, 0, sizeof(*r));
	r->p = *p;
	r->t = 1000;
	ck_assert_int_eq(pb_plant_init(&r->pl, &r->p, seed, false, r->t), 0);
	pb_fw_init(&r->fw, &r->p, defects, r->t);
	struct pb_sensor_params sp;
	pb_plant_sensor_params(&r->p, &sp);
	for (int ch = 0; ch < r->p.channels; ch++) {
		struct pb_cal c;
		pb_sensor_nominal_cal(&sp, ch, &c);
		ck_assert_int_eq(pb_fw_set_cal(&r->fw, &c, r->t), PB_ST_OK);
	}
}

static inline void rig_load(struct pb_profile *p, const char *id)
{
	char err[256];
	ck_assert_msg(pb_profile_find(p, id, err, sizeof err) == 0, "%s", err);
}

static inline void rig_init(struct rig *r, const char *id, uint64_t seed,
    unsigned defects)
{
	struct pb_profile p;
	rig_load(&p, id);
	rig_init_prof(r, &p, seed, defects);
}

static inline void rig_step(struct rig *r)
{
	if (r->pings && r->t >= r->next_ping) {
		pb_fw_host_alive(&r->fw, r->t);
		r->next_ping = r->t + 250000;
	}
	struct pb_fw_inputs in = {
		.now_us = r->t,
		.motor_ma = pb_plant_motor_ma(&r->pl),
		.supply_v = r->supply_v > 0.0 ? r->supply_v :
		    pb_plant_supply_v(&r->pl),
	};
	for (int ch = 0; ch < r->p.channels; ch++)
		in.adc[ch] = pb_plant_adc(&r->pl, ch);
	pb_fw_step(&r->fw, &in, &r->out);
	struct pb_plant_inputs pi = { .motor_duty = r->out.motor_duty,
		.power = true };
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		pi.valve_open[ch] = r->out.valve_open[ch];
		pi.connect[ch] = r->out.connect[ch];
	}
	pb_plant_step(&r->pl, &pi);
	r->t += PB_PLANT_DT_US;
	struct pb_fw_event e;
	while (pb_fw_event_pop(&r->fw, &e))
		if (r->nev < MAX_EV)
			r->ev[r->nev++] = e;
}

static inline void rig_run(struct rig *r, double seconds)
{
	uint64_t end = r->t + (uint64_t)(seconds * 1e6);
	while (r->t < end)
		rig_step(r);
}

/* Run until the alarm bit is set or the time is up; returns the time it
 * took (seconds) or -1. */
static inline double rig_until_alarm(struct rig *r, uint16_t bit, double max_s)
{
	uint64_t t0 = r->t, end = r->t + (uint64_t)(max_s * 1e6);
	while (r->t < end) {
		rig_step(r);
		if (r->fw.alarms & bit)
			return (double)(r->t - t0) / 1e6;
	}
	return -1.0;
}

static inline int rig_count_events(const struct rig *r, uint8_t kind,
    uint8_t code)
{
	int n = 0;
	for (int i = 0; i < r->nev; i++)
		if (r->ev[i].kind == kind && r->ev[i].code == code)
			n++;
	return n;
}

static inline double rig_volts_for(const struct rig *r, double mmhg)
{
	struct pb_sensor_params sp;
	pb_plant_sensor_params(&r->p, &sp);
	return pb_sensor_nominal_volts(&sp, mmhg);
}

static inline unsigned rig_bit_index(uint16_t bit)
{
	unsigned i = 0;
	while (!(bit & (1u << i)))
		i++;
	return i;
}

static inline bool rig_vented(const struct rig *r)
{
	for (int ch = 0; ch < r->p.channels; ch++)
		if (!r->fw.out.valve_open[ch])
			return false;
	return r->fw.out.motor_duty == 0.0;
}

static inline void rig_start(struct rig *r, int mode, int level, unsigned mask)
{
	ck_assert_int_eq(pb_fw_set_mode(&r->fw, mode, r->t), PB_ST_OK);
	ck_assert_int_eq(pb_fw_set_level(&r->fw, level, r->t), PB_ST_OK);
	ck_assert_int_eq(pb_fw_set_channels(&r->fw, mask, r->t), PB_ST_OK);
	ck_assert_int_eq(pb_fw_start(&r->fw, r->t), PB_ST_OK);
	ck_assert_int_eq(r->fw.run_state, PB_RS_RUNNING);
}

#endif
