/*
 * fuzz/fuzz_profile.c - the pump profile parser on arbitrary bytes.
 *
 * Input: the whole input is an INI file (pb_profile_load_mem, the same
 * parser pb_profile_load uses).  Checked (trap on failure): the return is
 * 0 or one of the PB_PROFILE_E_* codes; an error always comes with a
 * NUL-terminated "name:LINE: message" naming a line between 0 and the
 * input's line count and holding no control byte (messages quote the
 * file and reach terminals); a success gives a profile the emulator can use
 * (1..PB_MAX_CH channels, 1..32 levels, every level's target within the
 * software limit, trip above the limit, a known mode), and the emulator's
 * plant and firmware built from it run 50 ms of a session with finite
 * vacuum and a duty within 0..1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "proto/msg.h"
#include "pump/profile.h"
#include "tools/pumpsim/firmware.h"
#include "tools/pumpsim/plant.h"
#include "tools/pumpsim/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_profile p;
	char err[256];
	memset(err, 'X', sizeof err);
	int rc = pb_profile_load_mem(&p, "fuzz", (const char *)data, size, err,
	    sizeof err);
	if (rc > 0 || rc < PB_PROFILE_E_MISSING)
		__builtin_trap();
	if (memchr(err, '\0', sizeof err) == NULL)
		__builtin_trap();
	if (rc < 0) {
		if (strncmp(err, "fuzz:", 5) != 0)
			__builtin_trap();
		long line = strtol(err + 5, NULL, 10);
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (line < 0 || (size_t)line > lines)
			__builtin_trap();
		for (const char *q = err; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				__builtin_trap();
		return 0;
	}
	/* a loaded profile's id is a name, never a path */
	if (!pb_profile_id_valid(p.id))
		__builtin_trap();
	if (p.channels < 1 || p.channels > PB_MAX_CH || p.levels < 1 ||
	    p.levels > 32 || !(p.trip_abs_mmhg > p.max_target_mmhg))
		__builtin_trap();
	if (!pb_profile_has_mode(&p, PB_MODE_STIMULATION) &&
	    !pb_profile_has_mode(&p, PB_MODE_EXPRESSION))
		__builtin_trap();
	for (int m = PB_MODE_STIMULATION; m <= PB_MODE_EXPRESSION; m++)
		for (int l = 1; l <= p.levels; l++)
			if (pb_profile_peak_mmhg(&p, m, l) > p.max_target_mmhg ||
			    !(pb_profile_rate_cpm(&p, m, l) > 0))
				__builtin_trap();

	/* the models accept it or refuse it, never misbehave */
	static struct pb_plant pl;
	static struct pb_fw fw;
	if (pb_plant_init(&pl, &p, size, true, 0) != 0)
		return 0;
	pb_fw_init(&fw, &p, 0, 0);
	struct pb_sensor_params sp;
	pb_plant_sensor_params(&p, &sp);
	for (int ch = 0; ch < p.channels; ch++) {
		struct pb_cal c;
		pb_sensor_nominal_cal(&sp, ch, &c);
		(void)pb_fw_set_cal(&fw, &c, 0);
	}
	(void)pb_fw_set_channels(&fw, (1u << p.channels) - 1, 0);
	(void)pb_fw_start(&fw, 0);
	for (int i = 0; i < 500; i++) {
		struct pb_fw_inputs in = { .now_us = pl.t_us,
			.motor_ma = pb_plant_motor_ma(&pl),
			.supply_v = pb_plant_supply_v(&pl) };
		for (int ch = 0; ch < p.channels; ch++)
			in.adc[ch] = pb_plant_adc(&pl, ch);
		struct pb_fw_outputs out;
		pb_fw_step(&fw, &in, &out);
		if (!(out.motor_duty >= 0.0 && out.motor_duty <= 1.0))
			__builtin_trap();
		struct pb_plant_inputs pi = { .motor_duty = out.motor_duty,
			.power = true };
		for (int ch = 0; ch < PB_MAX_CH; ch++) {
			pi.valve_open[ch] = out.valve_open[ch];
			pi.connect[ch] = out.connect[ch];
		}
		pb_plant_step(&pl, &pi);
		for (int ch = 0; ch < p.channels; ch++)
			if (!isfinite(pb_plant_vacuum_mmhg(&pl, ch)))
				__builtin_trap();
	}
	return 0;
}
