/*
 * tools/pumpsim/regulator.c - the firmware's pump cycle and calibration
 * hold (regulator.h).
 */
#include "tools/pumpsim/regulator.h"

#include <math.h>
#include "tools/pumpsim/alarms.h"
#include "tools/pumpsim/emulator.h"
#include "tools/pumpsim/firmware-impl.h"

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
		if (pb_fw_defect(fw, PB_DEF_AUTO_OFF_RESTARTS))
			fw->session_start_us = fw->now_us;
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
	int level = fw->level;
	if (pb_fw_defect(fw, PB_DEF_LEVEL_OFF_BY_ONE) && level < p->levels)
		level++;
	fw->target_mmhg = pb_fw_target_mmhg(fw, kind, level);
	double rate = pb_profile_rate_cpm(p, kind, level);
	if (!(rate > 0.0))
		rate = 1.0;
	fw->cycle_period_s = 60.0 / rate;
	const struct pb_mode_curve *cv = kind == PB_MODE_STIMULATION
	    ? &p->stim : &p->expr;
	fw->cycle_rel_s = fw->cycle_period_s * (1.0 - cv->rest_fraction);
	fw->cycle_start_us = fw->now_us;
	fw->pull_start_us = fw->now_us;
	double v;
	fw->pull_start_mmhg = pb_fw_mask_max(fw, fw->channel_mask, &v) ? v : 0.0;
	fw->target_reached = false;
	fw->hold_ref_taken = false;
	for (int ch = 0; ch < fw->channels; ch++)
		fw->ch[ch].cycle_peak_mmhg = 0.0;
	fw->rate_n = 0;
	fw->occl_since = 0;
	fw->phase = PB_PH_PULL;
	fw->pulling = fw->channel_mask;
	fw->cycles++;
}

/* The pull is cut off below the target by a learned offset: the motor
 * coasts (its time constant) and the readings lag (sensor, filter), so
 * the plateau lands above the cut-off.  After each pull the plateau,
 * read once the motor has stopped, corrects the offset by half the error
 * (per cycle kind, since stimulation and expression pull differently). */
static double *learned(struct pb_fw *fw, int ch)
{
	return &fw->cutoff_offset[fw->cycle_mode == PB_MODE_STIMULATION ? 0 : 1]
	    [ch];
}

static void learn_cutoff(struct pb_fw *fw, int ch, double plateau)
{
	double *off = learned(fw, ch);
	*off += LEARN_GAIN * (plateau - fw->target_mmhg);
	if (*off < -LEARN_MAX_MMHG)
		*off = -LEARN_MAX_MMHG;
	if (*off > LEARN_MAX_MMHG)
		*off = LEARN_MAX_MMHG;
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

void pb_fw_update_speed_est(struct pb_fw *fw)
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

/* Once the motor has stopped in the hold (a few motor time constants and
 * the filter), the plateau is the reference for the hold decay (leak),
 * the motor-off rise (occlusion) and the cut-off learning. */
static void take_hold_ref(struct pb_fw *fw, double v)
{
	const struct pb_profile *p = &fw->prof;
	double settle_us = HOLD_SETTLE_TAUS * p->motor_tau_ms * 1000.0 +
	    p->ctrl_filter_n * p->ctrl_tick_ms * 1000.0;
	if (fw->hold_ref_taken ||
	    (double)(fw->now_us - fw->hold_start_us) < settle_us)
		return;
	fw->hold_ref_mmhg = v;
	fw->hold_ref_taken = true;
	for (int ch = 0; ch < fw->channels; ch++)
		fw->ch[ch].hold_ref_mmhg = fw->ch[ch].filt_mmhg;
	/* the hold decay is judged from this plateau on */
	fw->hold_start_us = fw->now_us;
	fw->hold_start_mmhg = v;
	/* each channel learns its own cut-off (it closes its own path) */
	for (int ch = 0; ch < fw->channels; ch++)
		if ((fw->channel_mask & (1u << ch)) &&
		    pb_fw_reading_valid(fw, ch))
			learn_cutoff(fw, ch, fw->ch[ch].hold_ref_mmhg);
}

void pb_fw_run_cycle(struct pb_fw *fw)
{
	const struct pb_profile *p = &fw->prof;
	uint64_t now = fw->now_us;

	/* session timers */
	fw->session_s = (double)(now - fw->session_start_us) / 1e6;
	if (fw->session_s >= p->session_auto_off_s &&
	    !pb_fw_defect(fw, PB_DEF_NO_AUTO_OFF)) {
		pb_fw_push(fw, PB_EV_AUTO_OFF, 0, 0, (int32_t)fw->session_s);
		pb_fw_safe_state(fw, PB_RS_OFF);
		return;
	}
	if (fw->mode == PB_MODE_STIMULATION &&
	    fw->next_mode == PB_MODE_STIMULATION &&
	    (double)(now - fw->stim_start_us) / 1e6 >= p->stim_to_expr_s &&
	    !pb_fw_defect(fw, PB_DEF_NO_STIM_SWITCH) &&
	    pb_profile_has_mode(p, PB_MODE_EXPRESSION)) {
		fw->next_mode = PB_MODE_EXPRESSION;
		pb_fw_push(fw, PB_EV_MODE, PB_MODE_EXPRESSION, 0,
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
	bool have = pb_fw_mask_max(fw, mask, &v);
	for (int ch = 0; ch < fw->channels; ch++)
		if ((mask & (1u << ch)) &&
		    fw->ch[ch].filt_mmhg > fw->ch[ch].cycle_peak_mmhg)
			fw->ch[ch].cycle_peak_mmhg = fw->ch[ch].filt_mmhg;

	if ((fw->phase == PB_PH_PULL || fw->phase == PB_PH_HOLD) &&
	    t >= fw->cycle_rel_s) {
		pb_fw_judge_leak(fw);
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
		/* each channel's pump path closes at its own cut-off (two
		 * channels never pull alike: shield, bottle, tissue); the
		 * motor stops when the last one has */
		unsigned still = 0;
		double left = 0.0;
		for (int ch = 0; ch < fw->channels; ch++) {
			if (!(fw->pulling & (1u << ch)) ||
			    !pb_fw_reading_valid(fw, ch))
				continue;
			double c = fw->ch[ch].filt_mmhg;
			double cut = fw->target_mmhg -
			    anticipation(fw, c, fw->pulling) - *learned(fw, ch);
			if (c >= cut)
				continue;
			if (!still || cut - c > left)
				left = cut - c;
			still |= 1u << ch;
		}
		fw->pulling = (uint8_t)still;
		if (!still) {
			pb_fw_check_occlusion_pull(fw, v, true);
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
		pb_fw_check_occlusion_pull(fw, v, false);
		if (fw->run_state != PB_RS_RUNNING)
			return;
		set_connect(fw, still);
		fw->out.motor_duty = pull_duty(fw, left);
		break;
	case PB_PH_HOLD:
		set_valves(fw, mask);
		fw->out.motor_duty = 0.0;
		if (have) {
			take_hold_ref(fw, v);
			pb_fw_check_occlusion_hold(fw, v);
		}
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

void pb_fw_run_cal_hold(struct pb_fw *fw)
{
	unsigned mask = fw->hold_mask;
	double v;
	bool have = pb_fw_mask_max(fw, mask, &v);
	set_valves(fw, mask);
	fw->target_mmhg = fw->hold_target_mmhg;
	/* each channel on its own (two never pull alike: tube, shield):
	 * its pump path opens while it tops up - from below target -
	 * hysteresis to the target less the rise still to come - and a
	 * channel above the target bleeds down through its valve */
	unsigned pulling = 0, was = 0;
	for (int ch = 0; ch < fw->channels; ch++)
		if (fw->out.connect[ch])
			was |= 1u << ch;
	double low = 0.0;
	for (int ch = 0; ch < fw->channels; ch++) {
		struct pb_fw_chan *fc = &fw->ch[ch];
		if (!(mask & (1u << ch)) || !pb_fw_reading_valid(fw, ch)) {
			fc->topping = false;
			continue;
		}
		double c = fc->filt_mmhg;
		if (c > fw->hold_target_mmhg + CAL_BLEED_MMHG)
			fc->bleeding = true;
		else if (c <= fw->hold_target_mmhg + CAL_HOLD_HYST_MMHG)
			fc->bleeding = false;
		if (fc->bleeding)
			fw->out.valve_open[ch] = true;
		if (fc->topping && c >= fw->hold_target_mmhg -
		    anticipation(fw, c, was ? was : mask))
			fc->topping = false;
		else if (!fc->topping &&
		    c < fw->hold_target_mmhg - CAL_HOLD_HYST_MMHG)
			fc->topping = true;
		if (fc->topping) {
			if (!pulling || c < low)
				low = c;
			pulling |= 1u << ch;
		}
	}
	set_connect(fw, pulling);
	if (!have || !pulling) {
		fw->out.motor_duty = 0.0;
		fw->phase = PB_PH_HOLD;
		return;
	}
	fw->phase = PB_PH_PULL;
	fw->out.motor_duty = pull_duty(fw, fw->hold_target_mmhg - low);
}
