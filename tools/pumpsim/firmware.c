/*
 * tools/pumpsim/firmware.c - the emulated pump firmware: state, events,
 * calibration, sampling, the control tick and the commands (firmware.h).
 * Detectors live in alarms.c, regulation in regulator.c; docs/pumpsim.md
 * "Firmware behaviour" describes all three.
 */
#include "tools/pumpsim/firmware.h"

#include <math.h>
#include <string.h>
#include "tools/pumpsim/alarms.h"
#include "tools/pumpsim/emulator.h"
#include "tools/pumpsim/firmware-impl.h"
#include "tools/pumpsim/regulator.h"
#include "tools/pumpsim/sensor.h"

void pb_fw_push(struct pb_fw *fw, uint8_t kind, uint8_t code, uint8_t ch,
    int32_t value)
{
	if (fw->ev_len == PB_FW_EVQ) {
		fw->ev_dropped++;   /* keep the older ones: they explain */
		return;
	}
	struct pb_fw_event *e = &fw->evq[(fw->ev_head + fw->ev_len) % PB_FW_EVQ];
	e->t_us = fw->now_us;
	e->kind = kind;
	e->code = code;
	e->channel = ch;
	e->value = value;
	fw->ev_len++;
}

bool pb_fw_event_pop(struct pb_fw *fw, struct pb_fw_event *ev)
{
	if (fw->ev_len == 0)
		return false;
	*ev = fw->evq[fw->ev_head];
	fw->ev_head = (fw->ev_head + 1) % PB_FW_EVQ;
	fw->ev_len--;
	return true;
}

void pb_fw_set_state(struct pb_fw *fw, uint8_t st)
{
	if (fw->run_state == st)
		return;
	fw->run_state = st;
	pb_fw_push(fw, PB_EV_STATE, st, 0, 0);
}

void pb_fw_vent_outputs(struct pb_fw *fw)
{
	fw->out.motor_duty = 0.0;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		fw->out.valve_open[ch] = true;
		fw->out.connect[ch] = false;
	}
}

/* Motor off, every valve open, session over; state as given. */
void pb_fw_safe_state(struct pb_fw *fw, uint8_t st)
{
	fw->stop_unvented = false;
	pb_fw_vent_outputs(fw);
	fw->phase = PB_PH_IDLE;
	fw->session_start_us = 0;
	fw->session_s = 0.0;
	fw->target_mmhg = 0.0;
	fw->hold_target_mmhg = 0.0;
	pb_fw_set_state(fw, st);
}

bool pb_fw_defect(const struct pb_fw *fw, unsigned d)
{
	return (fw->defects & d) != 0;
}

/* ---- calibration ----------------------------------------------------- */

struct pb_cal pb_fw_nominal_cal(const struct pb_fw *fw, int ch)
{
	/* the datasheet transfer: no unit errors */
	struct pb_sensor_params sp;
	struct pb_cal cal;
	memset(&sp, 0, sizeof(sp));
	sp.supply_v = fw->prof.sensor_supply_v;
	sp.min_mmhg = fw->prof.sensor_min_mmhg;
	sp.max_mmhg = fw->prof.sensor_fs_mmhg;
	sp.adc_bits = fw->prof.adc_bits;
	pb_sensor_nominal_cal(&sp, ch, &cal);
	return cal;
}

static double apply_cal(const struct pb_cal *c, double x)
{
	double v = c->c[0] + c->c[1] * x;
	if (c->order >= 2)
		v += c->c[2] * x * x;
	return v;
}

double pb_fw_counts_to_mmhg(const struct pb_fw *fw, int ch, double counts)
{
	if (ch < 0 || ch >= fw->channels)
		return 0.0;
	if (fw->ch[ch].cal_valid)
		return apply_cal(&fw->ch[ch].cal, counts);
	struct pb_cal n = pb_fw_nominal_cal(fw, ch);
	return apply_cal(&n, counts);
}

static double adc_full(const struct pb_fw *fw)
{
	int bits = fw->prof.adc_bits >= 8 && fw->prof.adc_bits <= 16
	    ? fw->prof.adc_bits : 12;
	return (double)((1u << bits) - 1u);
}

static bool all_cal_valid(const struct pb_fw *fw)
{
	for (int ch = 0; ch < fw->channels; ch++)
		if (!fw->ch[ch].cal_valid)
			return false;
	return true;
}

static void check_cal_alarm(struct pb_fw *fw)
{
	if (all_cal_valid(fw))
		pb_fw_clear(fw, PB_AL_CAL_INVALID);
	else
		pb_fw_raise(fw, PB_AL_CAL_INVALID, 0, 0.0);
}

int pb_fw_check_cal(const struct pb_fw *fw, const struct pb_cal *cal)
{
	if (cal->channel >= fw->channels || cal->order < 1 || cal->order > 2)
		return PB_ST_BAD_VALUE;
	for (int i = 0; i < 3; i++)
		if (!isfinite(cal->c[i]))
			return PB_ST_BAD_VALUE;
	double full = adc_full(fw);
	double c2 = cal->order >= 2 ? cal->c[2] : 0.0;
	/* vacuum must increase with counts over the whole ADC range */
	if (!(cal->c[1] > 0.0) || !(cal->c[1] + 2.0 * c2 * full > 0.0))
		return PB_ST_BAD_VALUE;
	return PB_ST_OK;
}

int pb_fw_read_cal(const struct pb_fw *fw, unsigned ch, struct pb_cal *out)
{
	if (ch >= (unsigned)fw->channels)
		return PB_ST_BAD_VALUE;
	if (!fw->ch[ch].cal_valid)
		return PB_ST_STORAGE;
	*out = fw->ch[ch].cal;
	out->channel = (uint8_t)ch;
	return PB_ST_OK;
}

int pb_fw_set_cal(struct pb_fw *fw, const struct pb_cal *cal, uint64_t now_us)
{
	fw->now_us = now_us > fw->now_us ? now_us : fw->now_us;
	int st = pb_fw_check_cal(fw, cal);
	if (st != PB_ST_OK)
		return st;
	struct pb_fw_chan *c = &fw->ch[cal->channel];
	c->cal = *cal;
	if (c->cal.order < 2)
		c->cal.c[2] = 0.0f;
	c->cal_valid = true;
	check_cal_alarm(fw);
	return PB_ST_OK;
}

int pb_fw_check_cal_set(const struct pb_fw *fw, const struct pb_cal_set *set)
{
	if (set->mask & ~((1u << fw->channels) - 1u))
		return PB_ST_BAD_VALUE;
	for (int ch = 0; ch < fw->channels; ch++)
		if ((set->mask & (1u << ch)) && (set->cal[ch].channel != ch ||
		    pb_fw_check_cal(fw, &set->cal[ch]) != PB_ST_OK))
			return PB_ST_BAD_VALUE;
	return PB_ST_OK;
}

int pb_fw_set_cal_set(struct pb_fw *fw, const struct pb_cal_set *set,
    uint64_t now_us)
{
	fw->now_us = now_us > fw->now_us ? now_us : fw->now_us;
	int st = pb_fw_check_cal_set(fw, set);
	if (st != PB_ST_OK)
		return st;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		if (set->mask & (1u << ch)) {
			c->cal = set->cal[ch];
			if (c->cal.order < 2)
				c->cal.c[2] = 0.0f;
			c->cal_valid = true;
		} else {
			c->cal = pb_fw_nominal_cal(fw, ch);   /* as at power-on */
			c->cal_valid = false;
		}
	}
	check_cal_alarm(fw);
	return PB_ST_OK;
}

/* ---- targets ----------------------------------------------------------- */

double pb_fw_target_mmhg(const struct pb_fw *fw, int mode, int level)
{
	/* pumping double: at most the double maximum per side */
	int n = 0;
	for (int ch = 0; ch < fw->channels; ch++)
		n += (fw->channel_mask >> ch) & 1u;
	double t = pb_profile_peak_mmhg(&fw->prof, mode, level);
	double m = pb_profile_max_target_mmhg(&fw->prof, n);
	if (t > m)
		t = m;
	if (t < 0.0)
		t = 0.0;
	return t;
}

/* ---- init -------------------------------------------------------------- */

void pb_fw_init(struct pb_fw *fw, const struct pb_profile *p,
    unsigned defects, uint64_t now_us)
{
	memset(fw, 0, sizeof(*fw));
	fw->prof = *p;
	fw->defects = defects;
	fw->channels = p->channels >= 1 && p->channels <= PB_MAX_CH
	    ? p->channels : 1;
	fw->run_state = PB_RS_IDLE;
	fw->mode = pb_profile_has_mode(p, PB_MODE_EXPRESSION)
	    ? PB_MODE_EXPRESSION : PB_MODE_STIMULATION;
	fw->level = 1;
	fw->phase = PB_PH_IDLE;
	fw->channel_mask = 1;
	fw->next_mode = fw->mode;
	fw->next_level = fw->level;
	fw->next_mask = fw->channel_mask;
	fw->cycle_mode = fw->mode;
	fw->now_us = now_us;
	fw->last_tick_us = now_us;
	for (int ch = 0; ch < fw->channels; ch++)
		fw->ch[ch].cal = pb_fw_nominal_cal(fw, ch);
	pb_fw_vent_outputs(fw);
}

/* ---- sampling ---------------------------------------------------------- */

bool pb_fw_reading_valid(const struct pb_fw *fw, int ch)
{
	if (fw->ch[ch].frozen)
		return false;   /* a stuck sensor's reading is no pressure */
	double v = fw->ch[ch].volts;
	return v >= fw->prof.sensor_low_v && v <= fw->prof.sensor_high_v;
}

static void sample(struct pb_fw *fw, const struct pb_fw_inputs *in)
{
	int n = fw->prof.ctrl_filter_n;
	if (n < 1)
		n = 1;
	if (n > PB_FW_FILT_MAX)
		n = PB_FW_FILT_MAX;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		c->counts = in->adc[ch];
		c->volts = (double)c->counts / adc_full(fw) *
		    fw->prof.sensor_supply_v;
		c->vac_mmhg = pb_fw_counts_to_mmhg(fw, ch, c->counts);
		c->hist[c->hist_i] = c->vac_mmhg;
		c->hist_i = (c->hist_i + 1) % (unsigned)n;
		if (c->hist_n < (unsigned)n)
			c->hist_n++;
		double s = 0.0;
		for (unsigned i = 0; i < c->hist_n; i++)
			s += c->hist[i];
		c->filt_mmhg = s / c->hist_n;
	}
	fw->motor_ma = in->motor_ma;
	fw->supply_v = in->supply_v;
}

/* Highest filtered reading of the channels in mask (valid ones only);
 * false if none is valid. */
bool pb_fw_mask_max(const struct pb_fw *fw, unsigned mask, double *out)
{
	bool any = false;
	double m = 0.0;
	for (int ch = 0; ch < fw->channels; ch++) {
		if (!(mask & (1u << ch)) || !pb_fw_reading_valid(fw, ch))
			continue;
		if (!any || fw->ch[ch].filt_mmhg > m)
			m = fw->ch[ch].filt_mmhg;
		any = true;
	}
	*out = m;
	return any;
}

unsigned pb_fw_active_mask(const struct pb_fw *fw)
{
	if (fw->run_state == PB_RS_RUNNING)
		return fw->channel_mask;
	if (fw->run_state == PB_RS_CAL_HOLD)
		return fw->hold_mask;
	return 0;
}

/* ---- detectors --------------------------------------------------------- */

/* The valve of ch is open to vent it fully (not a calibration-hold
 * bleed, which only trims the held vacuum). */
bool pb_fw_vent_expected(const struct pb_fw *fw, int ch)
{
	if (!fw->out.valve_open[ch])
		return false;
	return !(fw->run_state == PB_RS_CAL_HOLD &&
	    (fw->hold_mask & (1u << ch)));
}

/* ---- controller -------------------------------------------------------- */

static void tick(struct pb_fw *fw)
{
	pb_fw_update_speed_est(fw);
	check_cal_alarm(fw);
	pb_fw_check_heartbeat(fw);
	pb_fw_check_sensors(fw);
	if (fw->run_state != PB_RS_FAULT || fw->latched == 0)
		pb_fw_check_overpressure(fw);
	pb_fw_check_stuck_valve(fw);
	pb_fw_check_backflow(fw);
	pb_fw_check_motor(fw);
	pb_fw_check_battery(fw);

	switch (fw->run_state) {
	case PB_RS_RUNNING:
		pb_fw_run_cycle(fw);
		break;
	case PB_RS_CAL_HOLD:
		pb_fw_run_cal_hold(fw);
		break;
	default:
		pb_fw_vent_outputs(fw);
		if (fw->stop_unvented && fw->run_state == PB_RS_IDLE)
			for (int ch = 0; ch < PB_MAX_CH; ch++)
				fw->out.valve_open[ch] = false;
		fw->phase = PB_PH_IDLE;
		break;
	}
	fw->out.alarm = fw->alarms != 0;
}

void pb_fw_step(struct pb_fw *fw, const struct pb_fw_inputs *in,
    struct pb_fw_outputs *out)
{
	if (in->now_us > fw->now_us)
		fw->now_us = in->now_us;
	double tick_us = fw->prof.ctrl_tick_ms * 1000.0;
	if (!(tick_us >= 1.0))
		tick_us = 1000.0;
	if (!fw->ticked ||
	    (double)(fw->now_us - fw->last_tick_us) >= tick_us - 0.5) {
		fw->ticked = true;
		fw->last_tick_us = fw->now_us;
		sample(fw, in);
		tick(fw);
	}
	*out = fw->out;
}

/* ---- commands ---------------------------------------------------------- */

static void now_at(struct pb_fw *fw, uint64_t now_us)
{
	if (now_us > fw->now_us)
		fw->now_us = now_us;
}

int pb_fw_start(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	if (fw->latched)
		return PB_ST_FAULT;
	if (!all_cal_valid(fw))
		return PB_ST_FAULT;
	if (fw->run_state == PB_RS_CAL_HOLD)
		return PB_ST_WRONG_STATE;
	if (fw->run_state == PB_RS_RUNNING)
		return PB_ST_OK;
	fw->mode = fw->next_mode;
	fw->level = fw->next_level;
	fw->channel_mask = fw->next_mask;
	fw->session_start_us = fw->now_us;
	fw->stim_start_us = fw->now_us;
	fw->session_s = 0.0;
	fw->cycles = 0;
	fw->mixed_index = 0;
	fw->missed_cycles = 0;
	fw->leak_by_miss = fw->leak_by_decay = false;
	fw->phase = PB_PH_IDLE;
	fw->stop_unvented = false;
	for (int ch = 0; ch < fw->channels; ch++)
		fw->ch[ch].bf_slow = 0;
	pb_fw_set_state(fw, PB_RS_RUNNING);
	return PB_ST_OK;
}

int pb_fw_stop(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	if (fw->run_state == PB_RS_RUNNING || fw->run_state == PB_RS_CAL_HOLD ||
	    (fw->run_state == PB_RS_OFF && fw->latched == 0)) {
		bool pumping = fw->run_state == PB_RS_RUNNING;
		pb_fw_safe_state(fw, PB_RS_IDLE);
		if (pumping && pb_fw_defect(fw, PB_DEF_NO_STOP_VENT)) {
			/* the defect: the motor stops, the valves stay shut
			 * and the vacuum stays on the breast */
			fw->stop_unvented = true;
			for (int ch = 0; ch < PB_MAX_CH; ch++)
				fw->out.valve_open[ch] = false;
		}
	} else {
		pb_fw_vent_outputs(fw);
	}
	return PB_ST_OK;
}

int pb_fw_set_mode(struct pb_fw *fw, int mode, uint64_t now_us)
{
	now_at(fw, now_us);
	if (!pb_profile_has_mode(&fw->prof, mode))
		return PB_ST_BAD_VALUE;
	/* choosing stimulation (again) restarts its 2-minute clock */
	if (mode == PB_MODE_STIMULATION && fw->next_mode != PB_MODE_STIMULATION)
		fw->stim_start_us = fw->now_us;
	fw->next_mode = (uint8_t)mode;
	if (fw->run_state != PB_RS_RUNNING) {
		fw->mode = (uint8_t)mode;
		fw->cycle_mode = (uint8_t)mode;
	}
	return PB_ST_OK;
}

int pb_fw_set_level(struct pb_fw *fw, int level, uint64_t now_us)
{
	now_at(fw, now_us);
	if (level < 1 || level > fw->prof.levels)
		return PB_ST_BAD_VALUE;
	fw->next_level = (uint8_t)level;
	if (fw->run_state != PB_RS_RUNNING)
		fw->level = (uint8_t)level;
	return PB_ST_OK;
}

static bool mask_ok(const struct pb_fw *fw, unsigned mask)
{
	if (mask == 0 || mask >= (1u << fw->channels))
		return false;
	if ((mask & (mask - 1)) != 0 && !fw->prof.double_pumping)
		return false;
	return true;
}

int pb_fw_set_channels(struct pb_fw *fw, unsigned mask, uint64_t now_us)
{
	now_at(fw, now_us);
	if (!mask_ok(fw, mask))
		return PB_ST_BAD_VALUE;
	fw->next_mask = (uint8_t)mask;
	if (fw->run_state != PB_RS_RUNNING)
		fw->channel_mask = (uint8_t)mask;
	return PB_ST_OK;
}

int pb_fw_clear_fault(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	const struct pb_profile *p = &fw->prof;
	for (unsigned i = 0; i < PB_AL_COUNT; i++) {
		uint16_t bit = (uint16_t)(1u << i);
		if (!(fw->latched & bit))
			continue;
		bool gone = true;
		for (int ch = 0; ch < fw->channels; ch++) {
			const struct pb_fw_chan *c = &fw->ch[ch];
			bool valid = pb_fw_reading_valid(fw, ch);
			/* vented: overpressure gone once every reading is
			 * back within the over-target margin of atmosphere;
			 * a stuck valve once the reading has come down as
			 * the stuck check demands (an offset is no cause) */
			if (bit == PB_AL_OVERPRESSURE && valid &&
			    c->filt_mmhg > p->trip_over_target_mmhg)
				gone = false;
			if (bit == PB_AL_VACUUM_STUCK && valid &&
			    c->filt_mmhg > p->stuck_mmhg &&
			    c->filt_mmhg > c->release_ref_mmhg -
			    STUCK_DROP_SHARE * (c->release_ref_mmhg -
			    p->stuck_mmhg))
				gone = false;
			if (bit == PB_AL_SENSOR_OPEN &&
			    c->volts < p->sensor_low_v)
				gone = false;
			if (bit == PB_AL_SENSOR_SHORT &&
			    c->volts > p->sensor_high_v)
				gone = false;
		}
		if (bit == PB_AL_BATTERY_CUTOFF &&
		    !(fw->supply_v > p->batt_cutoff_v + p->batt_hyst_v))
			gone = false;
		/* stall, open circuit, sensor stuck and occlusion can only
		 * be judged with the motor running: re-armed here, they trip
		 * again on the next run if the cause remains */
		if (gone)
			pb_fw_clear(fw, bit);
	}
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		if (!(fw->latched & PB_AL_SENSOR_STUCK))
			c->frozen = false;
		c->out_of_range_since = c->stuck_since = c->over_since =
		    c->abs_since = c->release_pending_since = c->bf_since = 0;
		c->bf_slow = 0;
	}
	fw->motor_fault_since = fw->motor_open_since = fw->cutoff_since = 0;
	if (fw->latched)
		return PB_ST_FAULT;
	if (fw->run_state == PB_RS_FAULT || fw->run_state == PB_RS_OFF)
		pb_fw_safe_state(fw, PB_RS_IDLE);
	return PB_ST_OK;
}

int pb_fw_cal_hold(struct pb_fw *fw, unsigned mask, int32_t target_dmmhg,
    uint64_t now_us)
{
	now_at(fw, now_us);
	if (target_dmmhg < 0 || mask == 0 || mask >= (1u << fw->channels))
		return PB_ST_BAD_VALUE;
	/* the limit is the max_target the device reports (whole dmmHg) */
	if (target_dmmhg > lround(fw->prof.max_target_mmhg * 10.0))
		return PB_ST_LIMIT;
	if (fw->run_state == PB_RS_RUNNING)
		return PB_ST_WRONG_STATE;
	if (target_dmmhg == 0) {
		/* venting is always allowed, even with a fault latched */
		if (fw->run_state == PB_RS_CAL_HOLD)
			pb_fw_safe_state(fw, PB_RS_IDLE);
		return PB_ST_OK;
	}
	if (fw->latched)
		return PB_ST_FAULT;
	fw->hold_mask = (uint8_t)mask;
	for (int ch = 0; ch < fw->channels; ch++)
		fw->ch[ch].topping = fw->ch[ch].bleeding = false;
	fw->hold_target_mmhg = target_dmmhg / 10.0;
	fw->target_mmhg = fw->hold_target_mmhg;
	fw->phase = PB_PH_PULL;
	pb_fw_set_state(fw, PB_RS_CAL_HOLD);
	return PB_ST_OK;
}

void pb_fw_host_alive(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	fw->host_seen = true;
	fw->last_host_us = fw->now_us;
	pb_fw_clear(fw, PB_AL_HEARTBEAT_LOST);
}

void pb_fw_host_lost(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	pb_fw_heartbeat_lost(fw);
	fw->out.alarm = fw->alarms != 0;
}
