/*
 * tools/pumpsim/alarms.c - the firmware's detectors (alarms.h).
 */
#include "tools/pumpsim/alarms.h"

#include <math.h>
#include "tools/pumpsim/emulator.h"
#include "tools/pumpsim/firmware-impl.h"

static unsigned bit_index(uint16_t bit)
{
	unsigned i = 0;
	while (i < 16 && !(bit & (1u << i)))
		i++;
	return i;
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
void pb_fw_raise(struct pb_fw *fw, uint16_t bit, int ch, double value)
{
	if (fw->alarms & bit)
		return;
	fw->alarms |= bit;
	pb_fw_push(fw, PB_EV_ALARM_RAISED, (uint8_t)bit_index(bit),
	    (uint8_t)(ch < 0 ? 0 : ch), dmm(value));
}

void pb_fw_clear(struct pb_fw *fw, uint16_t bit)
{
	if (!(fw->alarms & bit))
		return;
	fw->alarms &= (uint16_t)~bit;
	fw->latched &= (uint16_t)~bit;
	pb_fw_push(fw, PB_EV_ALARM_CLEARED, (uint8_t)bit_index(bit), 0, 0);
}

void pb_fw_latch(struct pb_fw *fw, uint16_t bit, int ch, double value)
{
	pb_fw_raise(fw, bit, ch, value);
	fw->latched |= bit;
	pb_fw_safe_state(fw, bit == PB_AL_BATTERY_CUTOFF ? PB_RS_OFF : PB_RS_FAULT);
}

/* Condition held continuously for at least ms?  *since holds now+1 while
 * the condition is true (0 = not true). */
bool pb_fw_held(uint64_t *since, bool cond, uint64_t now, double ms)
{
	if (!cond) {
		*since = 0;
		return false;
	}
	if (*since == 0)
		*since = now + 1;
	return (double)(now + 1 - *since) >= ms * 1000.0;
}

void pb_fw_check_sensors(struct pb_fw *fw)
{
	if (pb_fw_defect(fw, PB_DEF_NO_SENSOR_CHECK))
		return;
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		bool low = c->volts < p->sensor_low_v;
		bool high = c->volts > p->sensor_high_v;
		if (pb_fw_held(&c->out_of_range_since, low || high, now,
		    p->sensor_fault_ms)) {
			pb_fw_latch(fw, low ? PB_AL_SENSOR_OPEN : PB_AL_SENSOR_SHORT,
			    ch, c->volts * 100.0);  /* value: mV */
			c->out_of_range_since = 0;
		}
	}
	/* stuck: counts frozen while the motor visibly moves air */
	double d = fw->out.motor_duty;
	double per = d > 0.0 ? fw->motor_ma / d : 0.0;
	bool moving = d >= STUCK_CHECK_DUTY && per > p->open_detect_ma &&
	    per < p->stall_detect_ma;
	unsigned mask = pb_fw_active_mask(fw);
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		/* the pressure must change: air is being moved into this
		 * channel, or (while pumping) its valve is open with vacuum
		 * left to vent; in the safe state a frozen reading is left to
		 * the stuck-valve check */
		bool must = (moving && (mask & (1u << ch)) &&
		    fw->out.connect[ch]) ||
		    (mask != 0 && pb_fw_vent_expected(fw, ch) &&
		    c->filt_mmhg > p->stuck_mmhg);
		if (!must || !pb_fw_reading_valid(fw, ch)) {
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
			pb_fw_latch(fw, PB_AL_SENSOR_STUCK, ch, c->vac_mmhg);
			c->stuck_since = 0;
		}
	}
}

void pb_fw_check_overpressure(struct pb_fw *fw)
{
	if (pb_fw_defect(fw, PB_DEF_NO_OVERPRESSURE_TRIP))
		return;
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	unsigned mask = pb_fw_active_mask(fw);
	double tgt = fw->run_state == PB_RS_CAL_HOLD ? fw->hold_target_mmhg
	    : fw->target_mmhg;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		bool ok = pb_fw_reading_valid(fw, ch);
		double v = c->filt_mmhg;
		/* the absolute trip reads the raw samples: no filter delay */
		if (pb_fw_held(&c->abs_since, ok && c->vac_mmhg > p->trip_abs_mmhg,
		    now, p->trip_abs_ms)) {
			pb_fw_latch(fw, PB_AL_OVERPRESSURE, ch, c->vac_mmhg);
			c->abs_since = 0;
			return;
		}
		bool over = ok && (mask & (1u << ch)) &&
		    v > tgt + p->trip_over_target_mmhg;
		if (pb_fw_held(&c->over_since, over, now, p->trip_over_ms)) {
			pb_fw_latch(fw, PB_AL_OVERPRESSURE, ch, v);
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
void pb_fw_check_stuck_valve(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		bool vent = pb_fw_vent_expected(fw, ch);
		bool opened = vent && !c->was_venting;
		c->was_venting = vent;
		if (pb_fw_defect(fw, PB_DEF_NO_STUCK_DETECT) ||
		    !pb_fw_reading_valid(fw, ch)) {
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
		double after_ms = p->stuck_after_ms *
		    (pb_fw_defect(fw, PB_DEF_STUCK_CONFIRM_LATE) ? 2.0 : 1.0);
		if ((double)(now + 1 - c->release_pending_since) >=
		    after_ms * 1000.0) {
			pb_fw_latch(fw, PB_AL_VACUUM_STUCK, ch, v);
			c->release_pending_since = 0;
			return;
		}
	}
}

void pb_fw_check_motor(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	double d = fw->out.motor_duty;
	double per = d > 0.0 ? fw->motor_ma / d : 0.0;
	bool on = d >= MOTOR_CHECK_DUTY;

	/* open circuit: duty on, no current */
	if (!pb_fw_defect(fw, PB_DEF_NO_MOTOR_OPEN_DETECT) &&
	    pb_fw_held(&fw->motor_open_since, on && per < p->open_detect_ma, now,
	    p->motor_fault_ms)) {
		pb_fw_latch(fw, PB_AL_MOTOR_OPEN, -1, fw->motor_ma / 10.0); /* value: mA */
		fw->motor_open_since = 0;
		return;
	}

	if (pb_fw_defect(fw, PB_DEF_NO_STALL_DETECT))
		return;
	double v;
	bool have = pb_fw_mask_max(fw, pb_fw_active_mask(fw), &v);
	if (!on || per <= p->stall_detect_ma || !have) {
		fw->motor_fault_since = 0;
		return;
	}
	if (fw->motor_fault_since == 0) {
		fw->motor_fault_since = now + 1;
		fw->motor_fault_ref_taken = false;
		return;
	}
	/* the reference is the reading once what was already on its way
	 * has arrived (filter, sensor lag, the motor's own time constant):
	 * a rotor locked in the middle of a pull still shows the last mmHg
	 * of the pull, which is no sign of a working pump */
	double settle_us = (p->ctrl_filter_n * p->ctrl_tick_ms +
	    p->sensor_lag_ms + p->motor_tau_ms) * 1000.0;
	if (!fw->motor_fault_ref_taken &&
	    (double)(now + 1 - fw->motor_fault_since) >= settle_us) {
		fw->motor_fault_ref_mmhg = v;
		fw->motor_fault_ref_taken = true;
	}
	if ((double)(now + 1 - fw->motor_fault_since) < p->motor_fault_ms *
	    1000.0 || !fw->motor_fault_ref_taken)
		return;
	if (v - fw->motor_fault_ref_mmhg < p->stall_dp_mmhg) {
		pb_fw_latch(fw, PB_AL_MOTOR_STALL, -1, fw->motor_ma / 10.0); /* value: mA */
		fw->motor_fault_since = 0;
	} else {
		fw->motor_fault_since = now + 1;
		fw->motor_fault_ref_mmhg = v;
	}
}

void pb_fw_check_battery(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	double v = fw->supply_v;
	if (pb_fw_held(&fw->batt_low_since, v < p->batt_warn_v, now,
	    p->batt_low_ms) && !pb_fw_defect(fw, PB_DEF_NO_BATTERY_LOW))
		pb_fw_raise(fw, PB_AL_BATTERY_LOW, -1, v * 100.0);
	if (pb_fw_held(&fw->batt_ok_since, v > p->batt_warn_v + p->batt_hyst_v, now,
	    p->batt_low_ms))
		pb_fw_clear(fw, PB_AL_BATTERY_LOW);
	if (pb_fw_defect(fw, PB_DEF_NO_BATTERY_CUTOFF))
		return;
	if (pb_fw_held(&fw->cutoff_since, v < p->batt_cutoff_v, now, p->batt_low_ms)
	    && !(fw->alarms & PB_AL_BATTERY_CUTOFF)) {
		pb_fw_latch(fw, PB_AL_BATTERY_CUTOFF, -1, v * 100.0);
	}
}

/* Backflow: milk at the sensor port puts a liquid plug in front of the
 * sensor, and the reading lags the line.  A release shows it: the valve
 * opens, the line vents within a few valve time constants, but the
 * reading follows only slowly.  Measured as shares of the reading's
 * excess over stuck_mmhg when the valve opened (so an uncalibrated offset
 * at rest is no vacuum): a release that has begun (below BACKFLOW_FALL of
 * it: a stuck valve is the stuck check's) but is not at BACKFLOW_HALF of
 * it backflow_half_ms after the valve opened is slow; BACKFLOW_CONFIRM
 * slow releases in a row latch the alarm (milk must not reach the pump).
 * Judged on the releases of a session, from a start above twice
 * stuck_mmhg. */
void pb_fw_check_backflow(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;
	bool release = fw->run_state == PB_RS_RUNNING &&
	    fw->phase == PB_PH_RELEASE;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *c = &fw->ch[ch];
		if (!release || !(fw->channel_mask & (1u << ch)) ||
		    !pb_fw_reading_valid(fw, ch) ||
		    pb_fw_defect(fw, PB_DEF_NO_BACKFLOW_DETECT)) {
			c->bf_since = 0;
			continue;
		}
		double v = c->filt_mmhg;
		if (c->bf_since == 0) {
			if (v > 2.0 * p->stuck_mmhg) {
				c->bf_since = now + 1;
				c->bf_ref_mmhg = v;
			} else {
				c->bf_since = UINT64_MAX;   /* nothing to judge */
			}
			continue;
		}
		if (c->bf_since == UINT64_MAX)
			continue;
		/* shares of the excess over stuck_mmhg, as the stuck check
		 * judges it: an uncalibrated offset at rest is no vacuum */
		double ex = c->bf_ref_mmhg - p->stuck_mmhg;
		if (v <= p->stuck_mmhg + BACKFLOW_HALF * ex) {
			c->bf_slow = 0;           /* a healthy release */
			c->bf_since = UINT64_MAX;
			continue;
		}
		double ms = (double)(now + 1 - c->bf_since) / 1000.0;
		if (ms < p->backflow_half_ms)
			continue;
		if (v < p->stuck_mmhg + BACKFLOW_FALL * ex)
			c->bf_slow++;
		else
			c->bf_slow = 0;       /* not falling: the stuck check's */
		c->bf_since = UINT64_MAX;
		if (c->bf_slow >= BACKFLOW_CONFIRM) {
			c->bf_slow = 0;
			/* value: the share of the vacuum still read, in % */
			pb_fw_latch(fw, PB_AL_BACKFLOW, ch,
			    100.0 * (v - p->stuck_mmhg) / ex / 10.0);
			return;
		}
	}
}

void pb_fw_heartbeat_lost(struct pb_fw *fw)
{
	if (pb_fw_defect(fw, PB_DEF_NO_HEARTBEAT_SAFE))
		return;
	if (fw->alarms & PB_AL_HEARTBEAT_LOST)
		return;
	pb_fw_raise(fw, PB_AL_HEARTBEAT_LOST, -1,
	    (double)(fw->now_us - fw->last_host_us) / 1000.0 / 10.0);
	if (fw->run_state == PB_RS_RUNNING || fw->run_state == PB_RS_CAL_HOLD)
		pb_fw_safe_state(fw, PB_RS_IDLE);
}

void pb_fw_check_heartbeat(struct pb_fw *fw)
{
	if (!fw->host_seen)
		return;
	double late_us = pb_fw_defect(fw, PB_DEF_WATCHDOG_LATE) ?
	    PB_DEF_WATCHDOG_LATE_US : 0.0;
	if ((double)(fw->now_us - fw->last_host_us) >=
	    fw->prof.heartbeat_timeout_ms * 1000.0 + late_us)
		pb_fw_heartbeat_lost(fw);
}

/* Judge the cycle that is ending its pull/hold (at release). */
void pb_fw_judge_leak(struct pb_fw *fw)
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
		if (!(fw->channel_mask & (1u << ch)) || !pb_fw_reading_valid(fw, ch))
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
	if (pb_fw_defect(fw, PB_DEF_NO_LEAK_DETECT))
		return;
	if (fw->leak_by_decay)
		pb_fw_raise(fw, PB_AL_LEAK, decay_ch, fw->last_hold_decay);
	else if (fw->leak_by_miss)
		pb_fw_raise(fw, PB_AL_LEAK, high_ch, high_peak);
	else
		pb_fw_clear(fw, PB_AL_LEAK);
}

/* Occlusion: pull-down faster than the profile allows (window and whole
 * pull), or vacuum rising with the motor off during the hold. */
void pb_fw_check_occlusion_pull(struct pb_fw *fw, double v, bool end)
{
	const struct pb_profile *p = &fw->prof;
	if (pb_fw_defect(fw, PB_DEF_NO_OCCLUSION_DETECT))
		return;
	double thr = p->occlusion_rate_mmhg_s;
	/* windowed rate (the window is filled by run_cycle) */
	if (fw->rate_n > RATE_WINDOW) {
		double old = fw->rate_hist[(fw->rate_n - 1 - RATE_WINDOW) %
		    PB_FW_RATE_MAX];
		double dt = RATE_WINDOW * p->ctrl_tick_ms / 1000.0;
		if (pb_fw_held(&fw->occl_since, (v - old) / dt > thr, fw->now_us,
		    OCCL_CONFIRM_TICKS * p->ctrl_tick_ms)) {
			pb_fw_latch(fw, PB_AL_OCCLUSION, 0, (v - old) / dt);
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
			pb_fw_latch(fw, PB_AL_OCCLUSION, 0, r);
	}
}

void pb_fw_check_occlusion_hold(struct pb_fw *fw, double v)
{
	const struct pb_profile *p = &fw->prof;
	if (!fw->hold_ref_taken || pb_fw_defect(fw, PB_DEF_NO_OCCLUSION_DETECT))
		return;
	if (pb_fw_held(&fw->occl_since,
	    v - fw->hold_ref_mmhg > p->occlusion_rise_mmhg, fw->now_us,
	    OCCL_CONFIRM_TICKS * p->ctrl_tick_ms))
		pb_fw_latch(fw, PB_AL_OCCLUSION, 0, v - fw->hold_ref_mmhg);
}
