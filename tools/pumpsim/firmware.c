/*
 * tools/pumpsim/firmware.c - controller, alarms and safety of the emulated
 * pump (see firmware.h and docs/pumpsim.md "Firmware behaviour").
 */
#include "tools/pumpsim/firmware.h"

#include <math.h>
#include <string.h>
#include "tools/pumpsim/emulator.h"
#include "tools/pumpsim/sensor.h"

/* Firmware design constants (not pump-model numbers). */
#define MOTOR_CHECK_DUTY   0.30   /* motor checks need at least this duty */
#define STUCK_CHECK_DUTY   0.50   /* sensor-stuck check needs this duty */
#define STUCK_COUNTS       1      /* "no change": within +/- this */
#define RATE_WINDOW        8      /* ticks in the pull-rate window */
#define CAL_HOLD_HYST_MMHG 1.0    /* calibration hold: top up below */
#define CAL_BLEED_MMHG     4.0    /* calibration hold: bleed down above */
#define STUCK_DROP_SHARE   0.5    /* vented: fell by this share of the
                                     excess over stuck_mmhg */
#define HOLD_SETTLE_TAUS   3.0
#define OCCL_CONFIRM_TICKS 5      /* occlusion signs must last this long
                                     (a faster overpressure trip wins) */
#define ATM_MMHG           760.0  /* standard atmosphere */
#define LEARN_GAIN         0.5    /* cut-off learning: share of the error */
#define LEARN_MAX_MMHG     20.0   /* cut-off offset bounds */    /* motor time constants before the
                                     motor-off rise reference is taken */

static unsigned bit_index(uint16_t bit)
{
	unsigned i = 0;
	while (i < 16 && !(bit & (1u << i)))
		i++;
	return i;
}

static void push(struct pb_fw *fw, uint8_t kind, uint8_t code, uint8_t ch,
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

static int32_t dmm(double mmhg)
{
	double v = floor(mmhg * 10.0 + 0.5);
	if (v > INT32_MAX)
		v = INT32_MAX;
	if (v < INT32_MIN)
		v = INT32_MIN;
	return (int32_t)v;
}

/* Raise an alarm bit with an EVENT; value is given in units of which the
 * event carries tenths: mmHg -> 0.1 mmHg, volts*100 -> mV, mA/10 -> mA,
 * ms/10 -> ms. */
static void raise_alarm(struct pb_fw *fw, uint16_t bit, int ch, double value)
{
	if (fw->alarms & bit)
		return;
	fw->alarms |= bit;
	push(fw, PB_EV_ALARM_RAISED, (uint8_t)bit_index(bit),
	    (uint8_t)(ch < 0 ? 0 : ch), dmm(value));
}

static void clear_alarm(struct pb_fw *fw, uint16_t bit)
{
	if (!(fw->alarms & bit))
		return;
	fw->alarms &= (uint16_t)~bit;
	fw->latched &= (uint16_t)~bit;
	push(fw, PB_EV_ALARM_CLEARED, (uint8_t)bit_index(bit), 0, 0);
}

static void set_state(struct pb_fw *fw, uint8_t st)
{
	if (fw->run_state == st)
		return;
	fw->run_state = st;
	push(fw, PB_EV_STATE, st, 0, 0);
}

static void vent_outputs(struct pb_fw *fw)
{
	fw->out.motor_duty = 0.0;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		fw->out.valve_open[ch] = true;
		fw->out.connect[ch] = false;
	}
}

/* Motor off, every valve open, session over; state as given. */
static void safe_state(struct pb_fw *fw, uint8_t st)
{
	vent_outputs(fw);
	fw->phase = PB_PH_IDLE;
	fw->session_start_us = 0;
	fw->session_s = 0.0;
	fw->target_mmhg = 0.0;
	fw->hold_target_mmhg = 0.0;
	set_state(fw, st);
}

static void latch(struct pb_fw *fw, uint16_t bit, int ch, double value)
{
	raise_alarm(fw, bit, ch, value);
	fw->latched |= bit;
	safe_state(fw, bit == PB_AL_BATTERY_CUTOFF ? PB_RS_OFF : PB_RS_FAULT);
}

/* Condition held continuously for at least ms?  *since holds now+1 while
 * the condition is true (0 = not true). */
static bool held(uint64_t *since, bool cond, uint64_t now, double ms)
{
	if (!cond) {
		*since = 0;
		return false;
	}
	if (*since == 0)
		*since = now + 1;
	return (double)(now + 1 - *since) >= ms * 1000.0;
}

static bool defect(const struct pb_fw *fw, unsigned d)
{
	return (fw->defects & d) != 0;
}

/* ---- calibration ----------------------------------------------------- */

static struct pb_cal nominal_cal(const struct pb_fw *fw, int ch)
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
	struct pb_cal n = nominal_cal(fw, ch);
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
		clear_alarm(fw, PB_AL_CAL_INVALID);
	else
		raise_alarm(fw, PB_AL_CAL_INVALID, 0, 0.0);
}

int pb_fw_set_cal(struct pb_fw *fw, const struct pb_cal *cal, uint64_t now_us)
{
	fw->now_us = now_us > fw->now_us ? now_us : fw->now_us;
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
	struct pb_fw_chan *c = &fw->ch[cal->channel];
	c->cal = *cal;
	if (c->cal.order < 2)
		c->cal.c[2] = 0.0f;
	c->cal_valid = true;
	check_cal_alarm(fw);
	return PB_ST_OK;
}

/* ---- targets ----------------------------------------------------------- */

double pb_fw_target_mmhg(const struct pb_fw *fw, int mode, int level)
{
	double t = pb_profile_peak_mmhg(&fw->prof, mode, level);
	if (t > fw->prof.max_target_mmhg)
		t = fw->prof.max_target_mmhg;
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
		fw->ch[ch].cal = nominal_cal(fw, ch);
	vent_outputs(fw);
}

/* ---- sampling ---------------------------------------------------------- */

static bool reading_valid(const struct pb_fw *fw, int ch)
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
static bool mask_max(const struct pb_fw *fw, unsigned mask, double *out)
{
	bool any = false;
	double m = 0.0;
	for (int ch = 0; ch < fw->channels; ch++) {
		if (!(mask & (1u << ch)) || !reading_valid(fw, ch))
			continue;
		if (!any || fw->ch[ch].filt_mmhg > m)
			m = fw->ch[ch].filt_mmhg;
		any = true;
	}
	*out = m;
	return any;
}

static unsigned active_mask(const struct pb_fw *fw)
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
static bool vent_expected(const struct pb_fw *fw, int ch)
{
	if (!fw->out.valve_open[ch])
		return false;
	return !(fw->run_state == PB_RS_CAL_HOLD &&
	    (fw->hold_mask & (1u << ch)));
}

static void check_sensors(struct pb_fw *fw)
{
	if (defect(fw, PB_DEF_NO_SENSOR_CHECK))
		return;
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		bool low = c->volts < p->sensor_low_v;
		bool high = c->volts > p->sensor_high_v;
		if (held(&c->out_of_range_since, low || high, now,
		    p->sensor_fault_ms)) {
			latch(fw, low ? PB_AL_SENSOR_OPEN : PB_AL_SENSOR_SHORT,
			    ch, c->volts * 100.0);  /* value: mV */
			c->out_of_range_since = 0;
		}
	}
	/* stuck: counts frozen while the motor visibly moves air */
	double d = fw->out.motor_duty;
	double per = d > 0.0 ? fw->motor_ma / d : 0.0;
	bool moving = d >= STUCK_CHECK_DUTY && per > p->open_detect_ma &&
	    per < p->stall_detect_ma;
	unsigned mask = active_mask(fw);
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		/* the pressure must change: air is being moved into this
		 * channel, or (while pumping) its valve is open with vacuum
		 * left to vent; in the safe state a frozen reading is left to
		 * the stuck-valve check */
		bool must = (moving && (mask & (1u << ch))) ||
		    (mask != 0 && vent_expected(fw, ch) &&
		    c->filt_mmhg > p->stuck_mmhg);
		if (!must || !reading_valid(fw, ch)) {
			c->stuck_since = 0;
			continue;
		}
		int diff = (int)c->counts - (int)c->stuck_counts;
		if (c->stuck_since == 0 || diff > STUCK_COUNTS ||
		    diff < -STUCK_COUNTS) {
			c->stuck_since = now + 1;
			c->stuck_counts = c->counts;
			continue;
		}
		if ((double)(now + 1 - c->stuck_since) >= p->sensor_stuck_ms *
		    1000.0) {
			c->frozen = true;
			latch(fw, PB_AL_SENSOR_STUCK, ch, c->vac_mmhg);
			c->stuck_since = 0;
		}
	}
}

static void check_overpressure(struct pb_fw *fw)
{
	if (defect(fw, PB_DEF_NO_OVERPRESSURE_TRIP))
		return;
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	unsigned mask = active_mask(fw);
	double tgt = fw->run_state == PB_RS_CAL_HOLD ? fw->hold_target_mmhg
	    : fw->target_mmhg;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		bool ok = reading_valid(fw, ch);
		double v = c->filt_mmhg;
		/* the absolute trip reads the raw samples: no filter delay */
		if (held(&c->abs_since, ok && c->vac_mmhg > p->trip_abs_mmhg,
		    now, p->trip_abs_ms)) {
			latch(fw, PB_AL_OVERPRESSURE, ch, c->vac_mmhg);
			c->abs_since = 0;
			return;
		}
		bool over = ok && (mask & (1u << ch)) &&
		    v > tgt + p->trip_over_target_mmhg;
		if (held(&c->over_since, over, now, p->trip_over_ms)) {
			latch(fw, PB_AL_OVERPRESSURE, ch, v);
			c->over_since = 0;
			return;
		}
	}
}

/* Vacuum stuck: after the valve opens to vent (a release, a stop, the
 * safe state) the reading must come down.  It has when it is below
 * stuck_mmhg, or when it has fallen by half of what lay above stuck_mmhg
 * when the valve opened - so a sensor offset that leaves an
 * uncalibrated reading of 25 mmHg at atmosphere is not taken for a
 * stuck valve, while a valve that holds the vacuum is. */
static void check_stuck_valve(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		bool vent = vent_expected(fw, ch);
		bool opened = vent && !c->was_venting;
		c->was_venting = vent;
		if (defect(fw, PB_DEF_NO_STUCK_DETECT) ||
		    !reading_valid(fw, ch)) {
			c->release_pending_since = 0;
			continue;
		}
		double v = c->filt_mmhg;
		if (c->release_pending_since == 0) {
			if (opened && v > p->stuck_mmhg) {
				c->release_pending_since = now + 1;
				c->release_ref_mmhg = v;
			}
			continue;
		}
		double fallen_to = c->release_ref_mmhg - STUCK_DROP_SHARE *
		    (c->release_ref_mmhg - p->stuck_mmhg);
		if (v <= p->stuck_mmhg || v <= fallen_to) {
			c->release_pending_since = 0;
			continue;
		}
		if ((double)(now + 1 - c->release_pending_since) >=
		    p->stuck_after_ms * 1000.0) {
			latch(fw, PB_AL_VACUUM_STUCK, ch, v);
			c->release_pending_since = 0;
			return;
		}
	}
}

static void check_motor(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	double d = fw->out.motor_duty;
	double per = d > 0.0 ? fw->motor_ma / d : 0.0;
	bool on = d >= MOTOR_CHECK_DUTY;

	/* open circuit: duty on, no current */
	if (held(&fw->motor_open_since, on && per < p->open_detect_ma, now,
	    p->motor_fault_ms)) {
		latch(fw, PB_AL_MOTOR_OPEN, -1, fw->motor_ma / 10.0); /* value: mA */
		fw->motor_open_since = 0;
		return;
	}

	if (defect(fw, PB_DEF_NO_STALL_DETECT))
		return;
	double v;
	bool have = mask_max(fw, active_mask(fw), &v);
	if (!on || per <= p->stall_detect_ma || !have) {
		fw->motor_fault_since = 0;
		return;
	}
	if (fw->motor_fault_since == 0) {
		fw->motor_fault_since = now + 1;
		fw->motor_fault_ref_mmhg = v;
		return;
	}
	if ((double)(now + 1 - fw->motor_fault_since) < p->motor_fault_ms *
	    1000.0)
		return;
	if (v - fw->motor_fault_ref_mmhg < p->stall_dp_mmhg) {
		latch(fw, PB_AL_MOTOR_STALL, -1, fw->motor_ma / 10.0); /* value: mA */
		fw->motor_fault_since = 0;
	} else {
		fw->motor_fault_since = now + 1;
		fw->motor_fault_ref_mmhg = v;
	}
}

static void check_battery(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	double v = fw->supply_v;
	if (held(&fw->batt_low_since, v < p->batt_warn_v, now, p->batt_low_ms))
		raise_alarm(fw, PB_AL_BATTERY_LOW, -1, v * 100.0);
	if (held(&fw->batt_ok_since, v > p->batt_warn_v + p->batt_hyst_v, now,
	    p->batt_low_ms))
		clear_alarm(fw, PB_AL_BATTERY_LOW);
	if (defect(fw, PB_DEF_NO_BATTERY_CUTOFF))
		return;
	if (held(&fw->cutoff_since, v < p->batt_cutoff_v, now, p->batt_low_ms)
	    && !(fw->alarms & PB_AL_BATTERY_CUTOFF)) {
		latch(fw, PB_AL_BATTERY_CUTOFF, -1, v * 100.0);
	}
}

static void heartbeat_lost(struct pb_fw *fw)
{
	if (defect(fw, PB_DEF_NO_HEARTBEAT_SAFE))
		return;
	if (fw->alarms & PB_AL_HEARTBEAT_LOST)
		return;
	raise_alarm(fw, PB_AL_HEARTBEAT_LOST, -1,
	    (double)(fw->now_us - fw->last_host_us) / 1000.0 / 10.0);
	if (fw->run_state == PB_RS_RUNNING || fw->run_state == PB_RS_CAL_HOLD)
		safe_state(fw, PB_RS_IDLE);
}

static void check_heartbeat(struct pb_fw *fw)
{
	if (!fw->host_seen)
		return;
	if ((double)(fw->now_us - fw->last_host_us) >=
	    fw->prof.heartbeat_timeout_ms * 1000.0)
		heartbeat_lost(fw);
}

/* ---- controller -------------------------------------------------------- */

static double pull_duty(const struct pb_fw *fw, double err)
{
	double d = fw->prof.ctrl_kp * err + fw->prof.ctrl_min_duty;
	if (d > 1.0)
		d = 1.0;
	if (d < 0.0)
		d = 0.0;
	return d;
}

static void set_valves(struct pb_fw *fw, unsigned closed_mask)
{
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		bool in = (closed_mask & (1u << ch)) != 0;
		fw->out.valve_open[ch] = !in;
	}
}

static void set_connect(struct pb_fw *fw, unsigned mask)
{
	for (int ch = 0; ch < PB_MAX_CH; ch++)
		fw->out.connect[ch] = (mask & (1u << ch)) != 0;
}

static void begin_cycle(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	if (fw->next_mode != fw->mode) {
		if (fw->next_mode == PB_MODE_STIMULATION)
			fw->stim_start_us = fw->now_us;
		if (fw->next_mode == PB_MODE_MIXED)
			fw->mixed_index = 0;
	}
	fw->mode = fw->next_mode;
	fw->level = fw->next_level;
	fw->channel_mask = fw->next_mask;

	uint8_t kind = fw->mode;
	if (fw->mode == PB_MODE_MIXED) {
		kind = pb_profile_mixed_is_stim(p, fw->mixed_index)
		    ? PB_MODE_STIMULATION : PB_MODE_EXPRESSION;
		fw->mixed_index++;
	}
	fw->cycle_mode = kind;
	fw->target_mmhg = pb_fw_target_mmhg(fw, kind, fw->level);
	double rate = pb_profile_rate_cpm(p, kind, fw->level);
	if (!(rate > 0.0))
		rate = 1.0;
	fw->cycle_period_s = 60.0 / rate;
	const struct pb_mode_curve *cv = kind == PB_MODE_STIMULATION
	    ? &p->stim : &p->expr;
	fw->cycle_rel_s = fw->cycle_period_s * (1.0 - cv->rest_fraction);
	fw->cycle_start_us = fw->now_us;
	fw->pull_start_us = fw->now_us;
	double v;
	fw->pull_start_mmhg = mask_max(fw, fw->channel_mask, &v) ? v : 0.0;
	fw->target_reached = false;
	fw->hold_ref_taken = false;
	for (int ch = 0; ch < fw->channels; ch++)
		fw->ch[ch].cycle_peak_mmhg = 0.0;
	fw->rate_n = 0;
	fw->occl_since = 0;
	fw->phase = PB_PH_PULL;
	fw->cycles++;
}

/* Judge the cycle that is ending its pull/hold (at release). */
static void judge_leak(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	/* missed target: the pump as a whole (the highest pumping channel,
	 * the one the motor stops on) did not get there - judged on the
	 * highest so that two sensors that disagree (an uncalibrated pair)
	 * are not a leak.  Hold decay: per channel, so a leak on one side
	 * of a double pump shows although the other side holds; a decay
	 * does not depend on a sensor's offset. */
	double high_peak = -INFINITY, decay = -INFINITY;
	int high_ch = 0, decay_ch = 0;
	double dur = (double)(fw->now_us - fw->hold_start_us) / 1e6;
	bool judge_decay = fw->target_reached && fw->hold_ref_taken &&
	    dur * 1000.0 >= p->leak_min_hold_ms;
	for (int ch = 0; ch < fw->channels; ch++) {
		if (!(fw->channel_mask & (1u << ch)) || !reading_valid(fw, ch))
			continue;
		const struct pb_fw_chan *c = &fw->ch[ch];
		if (c->cycle_peak_mmhg > high_peak) {
			high_peak = c->cycle_peak_mmhg;
			high_ch = ch;
		}
		double d = judge_decay ? (c->hold_ref_mmhg - c->filt_mmhg) / dur
		    : -INFINITY;
		if (d > decay) {
			decay = d;
			decay_ch = ch;
		}
	}
	if (!isfinite(high_peak))
		return;   /* no usable reading: the sensor check speaks */
	fw->last_peak_mmhg = high_peak;
	if (high_peak < fw->target_mmhg - p->leak_miss_mmhg)
		fw->missed_cycles++;
	else
		fw->missed_cycles = 0;
	fw->leak_by_miss = fw->missed_cycles >= (unsigned)p->leak_missed_cycles;
	if (judge_decay && isfinite(decay)) {
		fw->last_hold_decay = decay;
		fw->leak_by_decay = decay > p->leak_decay_mmhg_s;
	}
	if (defect(fw, PB_DEF_NO_LEAK_DETECT))
		return;
	if (fw->leak_by_decay)
		raise_alarm(fw, PB_AL_LEAK, decay_ch, fw->last_hold_decay);
	else if (fw->leak_by_miss)
		raise_alarm(fw, PB_AL_LEAK, high_ch, high_peak);
	else
		clear_alarm(fw, PB_AL_LEAK);
}

/* Occlusion: pull-down faster than the profile allows (window and whole
 * pull), or vacuum rising with the motor off during the hold. */
static void check_occlusion_pull(struct pb_fw *fw, double v, bool end)
{
	const struct pb_profile *p = &fw->prof;
	if (defect(fw, PB_DEF_NO_OCCLUSION_DETECT))
		return;
	double thr = p->occlusion_rate_mmhg_s;
	/* windowed rate (the window is filled by run_cycle) */
	if (fw->rate_n > RATE_WINDOW) {
		double old = fw->rate_hist[(fw->rate_n - 1 - RATE_WINDOW) %
		    PB_FW_RATE_MAX];
		double dt = RATE_WINDOW * p->ctrl_tick_ms / 1000.0;
		if (held(&fw->occl_since, (v - old) / dt > thr, fw->now_us,
		    OCCL_CONFIRM_TICKS * p->ctrl_tick_ms)) {
			latch(fw, PB_AL_OCCLUSION, 0, (v - old) / dt);
			return;
		}
	}
	if (end) {
		double dur = (double)(fw->now_us - fw->pull_start_us) / 1e6;
		double tick = p->ctrl_tick_ms / 1000.0;
		if (dur < tick)
			dur = tick;
		double r = (v - fw->pull_start_mmhg) / dur;
		if (r > thr)
			latch(fw, PB_AL_OCCLUSION, 0, r);
	}
}

/* The pull is cut off below the target by a learned offset: the motor
 * coasts (its time constant) and the readings lag (sensor, filter), so
 * the plateau lands above the cut-off.  After each pull the plateau,
 * read once the motor has stopped, corrects the offset by half the error
 * (per cycle kind, since stimulation and expression pull differently). */
static double *learned(struct pb_fw *fw)
{
	return &fw->cutoff_offset[fw->cycle_mode == PB_MODE_STIMULATION ? 0 : 1];
}

static void learn_cutoff(struct pb_fw *fw, double plateau)
{
	double *off = learned(fw);
	*off += LEARN_GAIN * (plateau - fw->target_mmhg);
	if (*off < -LEARN_MAX_MMHG)
		*off = -LEARN_MAX_MMHG;
	if (*off > LEARN_MAX_MMHG)
		*off = LEARN_MAX_MMHG;
}

static void check_occlusion_hold(struct pb_fw *fw, double v)
{
	const struct pb_profile *p = &fw->prof;
	double settle_us = HOLD_SETTLE_TAUS * p->motor_tau_ms * 1000.0 +
	    p->ctrl_filter_n * p->ctrl_tick_ms * 1000.0;
	if (!fw->hold_ref_taken) {
		if ((double)(fw->now_us - fw->hold_start_us) >= settle_us) {
			fw->hold_ref_mmhg = v;
			fw->hold_ref_taken = true;
			for (int ch = 0; ch < fw->channels; ch++)
				fw->ch[ch].hold_ref_mmhg = fw->ch[ch].filt_mmhg;
			/* the hold decay is judged from this plateau on */
			fw->hold_start_us = fw->now_us;
			fw->hold_start_mmhg = v;
			learn_cutoff(fw, v);
		}
		return;
	}
	if (defect(fw, PB_DEF_NO_OCCLUSION_DETECT))
		return;
	if (held(&fw->occl_since, v - fw->hold_ref_mmhg > p->occlusion_rise_mmhg,
	    fw->now_us, OCCL_CONFIRM_TICKS * p->ctrl_tick_ms))
		latch(fw, PB_AL_OCCLUSION, 0, v - fw->hold_ref_mmhg);
}

/* Rise still to come after a cut-off now, from the firmware's own model
 * of its pump: the motor coasts for its time constant at the estimated
 * speed, and the reading lags the vacuum by the sensor lag and half the
 * filter.  The pump curve and nominal dead volume are design constants
 * (the profile); what they miss (a filling container, a tired motor) the
 * learned offset takes up. */
static double anticipation(const struct pb_fw *fw, double v, unsigned mask)
{
	const struct pb_profile *p = &fw->prof;
	int n = 0;
	for (int ch = 0; ch < fw->channels; ch++)
		if (mask & (1u << ch))
			n++;
	if (n == 0 || !(p->dead_volume_ml > 0.0) ||
	    !(p->stall_vacuum_mmhg > 0.0))
		return 0.0;
	double f = 1.0 - v / p->stall_vacuum_mmhg;
	if (f < 0.0)
		f = 0.0;
	double q = p->free_flow_lpm * 1000.0 / 60.0 / n * fw->motor_speed_est *
	    f;                                        /* mL/s */
	double slope = q * (ATM_MMHG - v) / p->dead_volume_ml; /* mmHg/s */
	double lead_s = (p->motor_tau_ms + p->sensor_lag_ms +
	    (p->ctrl_filter_n + 1) * p->ctrl_tick_ms / 2.0) / 1000.0;
	double a = slope * lead_s;
	return a > LEARN_MAX_MMHG ? LEARN_MAX_MMHG : a;
}

static void update_speed_est(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	double u = p->batt_nominal_v > 0.0
	    ? fw->out.motor_duty * fw->supply_v / p->batt_nominal_v : 0.0;
	double dt = p->ctrl_tick_ms / 1000.0, tau = p->motor_tau_ms / 1000.0;
	if (tau <= dt)
		fw->motor_speed_est = u;
	else
		fw->motor_speed_est += (u - fw->motor_speed_est) *
		    (1.0 - exp(-dt / tau));
}

static void run_cycle(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;

	/* session timers */
	fw->session_s = (double)(now - fw->session_start_us) / 1e6;
	if (fw->session_s >= p->session_auto_off_s &&
	    !defect(fw, PB_DEF_NO_AUTO_OFF)) {
		push(fw, PB_EV_AUTO_OFF, 0, 0, (int32_t)fw->session_s);
		safe_state(fw, PB_RS_OFF);
		return;
	}
	if (fw->mode == PB_MODE_STIMULATION &&
	    fw->next_mode == PB_MODE_STIMULATION &&
	    (double)(now - fw->stim_start_us) / 1e6 >= p->stim_to_expr_s &&
	    !defect(fw, PB_DEF_NO_STIM_SWITCH) &&
	    pb_profile_has_mode(p, PB_MODE_EXPRESSION)) {
		fw->next_mode = PB_MODE_EXPRESSION;
		push(fw, PB_EV_MODE, PB_MODE_EXPRESSION, 0,
		    (int32_t)((now - fw->stim_start_us) / 1000000u));
	}

	if (fw->phase == PB_PH_IDLE) {
		fw->cycle_t0_us = (double)now;
		begin_cycle(fw);
	} else if ((double)now >= fw->cycle_t0_us + fw->cycle_period_s * 1e6
	    - 0.5) {
		/* the next cycle starts a whole period after the last one
		 * (not at the tick that noticed), so the rate is exact */
		fw->cycle_t0_us += fw->cycle_period_s * 1e6;
		if ((double)now - fw->cycle_t0_us > fw->cycle_period_s * 1e6)
			fw->cycle_t0_us = (double)now;
		begin_cycle(fw);
	}
	double t = ((double)now - fw->cycle_t0_us) / 1e6;
	unsigned mask = fw->channel_mask;
	double v;
	bool have = mask_max(fw, mask, &v);
	for (int ch = 0; ch < fw->channels; ch++)
		if ((mask & (1u << ch)) &&
		    fw->ch[ch].filt_mmhg > fw->ch[ch].cycle_peak_mmhg)
			fw->ch[ch].cycle_peak_mmhg = fw->ch[ch].filt_mmhg;

	if ((fw->phase == PB_PH_PULL || fw->phase == PB_PH_HOLD) &&
	    t >= fw->cycle_rel_s) {
		judge_leak(fw);
		fw->phase = PB_PH_RELEASE;
	}

	set_connect(fw, mask);
	switch (fw->phase) {
	case PB_PH_PULL:
		set_valves(fw, mask);
		if (!have) {
			fw->out.motor_duty = 0.0;   /* no usable reading */
			break;
		}
		fw->rate_hist[fw->rate_n % PB_FW_RATE_MAX] = v;
		fw->rate_n++;
		double cut = fw->target_mmhg - anticipation(fw, v, mask) -
		    *learned(fw);
		if (v >= cut) {
			check_occlusion_pull(fw, v, true);
			if (fw->run_state != PB_RS_RUNNING)
				return;
			fw->target_reached = true;
			fw->occl_since = 0;
			fw->phase = PB_PH_HOLD;
			fw->hold_start_us = now;
			fw->hold_start_mmhg = v;
			fw->out.motor_duty = 0.0;
			break;
		}
		check_occlusion_pull(fw, v, false);
		if (fw->run_state != PB_RS_RUNNING)
			return;
		fw->out.motor_duty = pull_duty(fw, cut - v);
		break;
	case PB_PH_HOLD:
		set_valves(fw, mask);
		fw->out.motor_duty = 0.0;
		if (have)
			check_occlusion_hold(fw, v);
		break;
	case PB_PH_RELEASE:
		set_valves(fw, 0);
		fw->out.motor_duty = 0.0;
		if (!have || v <= p->stuck_mmhg)
			fw->phase = PB_PH_REST;
		break;
	default:
		set_valves(fw, 0);
		fw->out.motor_duty = 0.0;
		break;
	}
}

static void run_cal_hold(struct pb_fw *fw)
{
	unsigned mask = fw->hold_mask;
	double v;
	bool have = mask_max(fw, mask, &v);
	set_connect(fw, mask);
	set_valves(fw, mask);
	/* a channel above the hold target bleeds down through its valve */
	for (int ch = 0; ch < fw->channels; ch++) {
		if (!(mask & (1u << ch)) || !reading_valid(fw, ch))
			continue;
		double c = fw->ch[ch].filt_mmhg;
		if (c > fw->hold_target_mmhg + CAL_BLEED_MMHG)
			fw->ch[ch].bleeding = true;
		else if (c <= fw->hold_target_mmhg + CAL_HOLD_HYST_MMHG)
			fw->ch[ch].bleeding = false;
		if (fw->ch[ch].bleeding)
			fw->out.valve_open[ch] = true;
	}
	fw->target_mmhg = fw->hold_target_mmhg;
	if (!have) {
		fw->out.motor_duty = 0.0;
		return;
	}
	/* pull when below target - hysteresis, stop at target */
	if (fw->phase == PB_PH_PULL) {
		if (v >= fw->hold_target_mmhg - anticipation(fw, v, mask)) {
			fw->phase = PB_PH_HOLD;
			fw->out.motor_duty = 0.0;
		} else {
			fw->out.motor_duty = pull_duty(fw,
			    fw->hold_target_mmhg - v);
		}
	} else {
		fw->out.motor_duty = 0.0;
		if (v < fw->hold_target_mmhg - CAL_HOLD_HYST_MMHG)
			fw->phase = PB_PH_PULL;
	}
}

static void tick(struct pb_fw *fw)
{
	update_speed_est(fw);
	check_cal_alarm(fw);
	check_heartbeat(fw);
	check_sensors(fw);
	if (fw->run_state != PB_RS_FAULT || fw->latched == 0)
		check_overpressure(fw);
	check_stuck_valve(fw);
	check_motor(fw);
	check_battery(fw);

	switch (fw->run_state) {
	case PB_RS_RUNNING:
		run_cycle(fw);
		break;
	case PB_RS_CAL_HOLD:
		run_cal_hold(fw);
		break;
	default:
		vent_outputs(fw);
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
	set_state(fw, PB_RS_RUNNING);
	return PB_ST_OK;
}

int pb_fw_stop(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	if (fw->run_state == PB_RS_RUNNING || fw->run_state == PB_RS_CAL_HOLD ||
	    (fw->run_state == PB_RS_OFF && fw->latched == 0))
		safe_state(fw, PB_RS_IDLE);
	else
		vent_outputs(fw);
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
			bool valid = reading_valid(fw, ch);
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
			clear_alarm(fw, bit);
	}
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		if (!(fw->latched & PB_AL_SENSOR_STUCK))
			c->frozen = false;
		c->out_of_range_since = c->stuck_since = c->over_since =
		    c->abs_since = c->release_pending_since = 0;
	}
	fw->motor_fault_since = fw->motor_open_since = fw->cutoff_since = 0;
	if (fw->latched)
		return PB_ST_FAULT;
	if (fw->run_state == PB_RS_FAULT || fw->run_state == PB_RS_OFF)
		safe_state(fw, PB_RS_IDLE);
	return PB_ST_OK;
}

int pb_fw_cal_hold(struct pb_fw *fw, unsigned mask, int32_t target_dmmhg,
    uint64_t now_us)
{
	now_at(fw, now_us);
	if (target_dmmhg < 0)
		return PB_ST_BAD_VALUE;
	if ((double)target_dmmhg > fw->prof.max_target_mmhg * 10.0 + 1e-9)
		return PB_ST_LIMIT;
	if (fw->run_state == PB_RS_RUNNING)
		return PB_ST_WRONG_STATE;
	if (target_dmmhg == 0) {
		/* venting is always allowed, even with a fault latched */
		if (fw->run_state == PB_RS_CAL_HOLD)
			safe_state(fw, PB_RS_IDLE);
		return PB_ST_OK;
	}
	if (fw->latched)
		return PB_ST_FAULT;
	if (mask == 0 || mask >= (1u << fw->channels))
		return PB_ST_BAD_VALUE;
	fw->hold_mask = (uint8_t)mask;
	fw->hold_target_mmhg = target_dmmhg / 10.0;
	fw->target_mmhg = fw->hold_target_mmhg;
	fw->phase = PB_PH_PULL;
	set_state(fw, PB_RS_CAL_HOLD);
	return PB_ST_OK;
}

void pb_fw_host_alive(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	fw->host_seen = true;
	fw->last_host_us = fw->now_us;
	clear_alarm(fw, PB_AL_HEARTBEAT_LOST);
}

void pb_fw_host_lost(struct pb_fw *fw, uint64_t now_us)
{
	now_at(fw, now_us);
	heartbeat_lost(fw);
	fw->out.alarm = fw->alarms != 0;
}
