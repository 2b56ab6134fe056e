/*
 * tools/pumpsim/devapp.c - the pump's firmware program (see devapp.h):
 * protocol commands to the firmware core, telemetry, heartbeats, the
 * record store and factory access, over the port interface (hal.h).
 *
 * Determinism: everything derives from the profile and the inputs, except
 * the factory nonce, which comes from the port's random source as a real
 * device's TRNG would (docs/pumpsim.md, "Factory access").
 */
#include "tools/pumpsim/devapp.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "base/fmt.h"
#include "proto/frame.h"
#include "tools/pumpsim/defect.h"

#define HB_PERIOD_US     250000u   /* device heartbeat, 4 Hz */
#define BATCH_MAX_AGE_US  25000u   /* a batch leaves at most 25 ms old */
#define BATCH_PER_S          50u   /* aim: 50 telemetry frames per second */
#define RATE_MIN_HZ          10u
#define RATE_MAX_HZ        5000u

/* ---- helpers ------------------------------------------------------------- */

static uint32_t dev_ms(const struct pb_devapp *e, uint64_t t_us)
{
	return (uint32_t)((t_us - e->boot_us) / 1000u);
}

static void sense(const struct pb_devapp *e, struct pb_hal_sense *s)
{
	memset(s, 0, sizeof *s);
	e->hal.sense(e->hal.ctx, s);
}

static int16_t to_dmmhg(double mmhg)
{
	double d = mmhg * 10.0;
	if (isnan(d))
		return 0;
	if (d > 32767.0)
		return 32767;
	if (d < -32768.0)
		return -32768;
	return (int16_t)lround(d);
}

void pb_devapp_log(struct pb_devapp *e, int level, const char *fmt, ...)
{
	if (!e->powered)
		return;
	char text[PB_LOG_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	int n = pb_vfmt(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	pb_device_send_log(&e->dev, (uint8_t)level, text,
	    (size_t)n > PB_LOG_MAX ? PB_LOG_MAX : (size_t)n);
}

/* Several lines (EEPROM scan messages) as several LOG frames. */
void pb_devapp_log_lines(struct pb_devapp *e, int level, const char *text)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		pb_devapp_log(e, level, "%.*s", (int)n, text);
		text = nl ? nl + 1 : NULL;
	}
}

static void send_event(struct pb_devapp *e, uint64_t t_us, uint8_t kind,
    uint8_t code, uint8_t ch, int32_t value)
{
	struct pb_event ev;
	memset(&ev, 0, sizeof ev);
	ev.device_ms = dev_ms(e, t_us);
	ev.kind = kind;
	ev.code = code;
	ev.channel = ch;
	ev.value = value;
	pb_device_send_body(&e->dev, PB_T_EVENT, &ev);
}

static void factory_note(void *ctx, int code, int level, int32_t value,
    const char *text)
{
	struct pb_devapp *e = ctx;
	pb_devapp_log(e, level, "factory: %s", text);
	if (code >= 0 && e->powered)
		send_event(e, e->now_us, PB_EV_FACTORY, (uint8_t)code, 0, value);
}

/* ---- telemetry -------------------------------------------------------------- */

static void set_rate(struct pb_devapp *e, unsigned hz)
{
	e->rate_hz = (uint16_t)hz;
	unsigned n = hz / BATCH_PER_S;
	unsigned max = (unsigned)PB_TEL_MAX_SAMPLES(e->prof.channels);
	if (n < 1)
		n = 1;
	if (n > max)
		n = max;
	e->batch_n = n;
	e->rate_base_idx = e->sample_idx;
	e->rate_base_us = e->now_us;
	e->next_sample_us = e->now_us;
}

static void flush_batch(struct pb_devapp *e)
{
	if (e->tel.n == 0)
		return;
	const struct pb_fw *fw = &e->fw;
	struct pb_telemetry *t = &e->tel;
	struct pb_hal_sense s;
	sense(e, &s);
	t->channels = (uint8_t)e->prof.channels;
	t->mode = fw->mode;
	t->level = fw->level;
	t->phase = fw->phase;
	t->run_state = fw->run_state;
	double duty = s.motor_duty;
	t->motor_duty = (uint8_t)lround((duty < 0 ? 0 : duty > 1 ? 1 : duty) * 255.0);
	t->valve = s.valve_open;
	t->channel_mask = fw->channel_mask;
	t->reserved = 0;
	double mv = s.supply_v * 1000.0;
	t->battery_mv = (uint16_t)(mv < 0 ? 0 : mv > 65535 ? 65535 : lround(mv));
	t->alarms = fw->alarms;
	t->target = fw->run_state == PB_RS_IDLE || fw->run_state == PB_RS_FAULT ||
	    fw->run_state == PB_RS_OFF ? 0 : to_dmmhg(fw->target_mmhg);
	double ma = s.motor_ma;
	t->motor_ma = (uint16_t)(ma < 0 ? 0 : ma > 65535 ? 65535 : lround(ma));
	for (int ch = 0; ch < e->prof.channels; ch++)
		t->raw[ch] = s.adc[ch];
	pb_device_send_body(&e->dev, PB_T_TELEMETRY, t);
	t->n = 0;
}

static void take_sample(struct pb_devapp *e)
{
	struct pb_telemetry *t = &e->tel;
	struct pb_hal_sense s;
	sense(e, &s);
	if (t->n == 0) {
		t->first_sample = e->sample_idx;
		t->device_ms = dev_ms(e, e->now_us);
		e->batch_first_us = e->now_us;
	}
	for (int ch = 0; ch < e->prof.channels; ch++) {
		uint16_t counts = s.adc[ch];
		t->samples[ch][t->n] = to_dmmhg(
		    pb_fw_counts_to_mmhg(&e->fw, ch, (double)counts));
	}
	t->n++;
	e->sample_idx++;
	uint64_t k = (uint64_t)(e->sample_idx - e->rate_base_idx);
	e->next_sample_us = e->rate_base_us + (k * 1000000u + e->rate_hz - 1) /
	    e->rate_hz;
	if (t->n >= e->batch_n)
		flush_batch(e);
}

static void send_heartbeat(struct pb_devapp *e)
{
	struct pb_heartbeat hb;
	memset(&hb, 0, sizeof hb);
	hb.time_ms = dev_ms(e, e->now_us);
	hb.run_state = e->fw.run_state;
	hb.alarms = e->fw.alarms;
	pb_device_send_body(&e->dev, PB_T_HEARTBEAT, &hb);
}

/* ---- EEPROM <-> firmware ---------------------------------------------------- */

static void nominal_record(const struct pb_devapp *e, const char *serial,
    struct pb_eeprom_record *r)
{
	memset(r, 0, sizeof *r);
	pb_fmt(r->serial, sizeof r->serial, "%s", serial);
	for (int ch = 0; ch < e->prof.channels; ch++) {
		r->cal[ch] = pb_fw_nominal_cal(&e->fw, ch);
		r->cal_valid |= (uint8_t)(1u << ch);
	}
}

/* Give the firmware the stored calibration of every channel. */
static void apply_stored_cal(struct pb_devapp *e)
{
	const struct pb_eeprom_record *r = pb_eeprom_record(&e->ee);
	if (!r) {
		pb_devapp_log(e, 0, "EEPROM holds no valid record: calibration "
		    "invalid, sessions refused until factory calibration");
		return;
	}
	for (int ch = 0; ch < e->prof.channels; ch++) {
		if (!(r->cal_valid & (1u << ch))) {
			pb_devapp_log(e, 0, "EEPROM: channel %d has no calibration", ch);
			continue;
		}
		struct pb_cal c = r->cal[ch];
		c.channel = (uint8_t)ch;
		int st = pb_fw_set_cal(&e->fw, &c, e->now_us);
		if (st != PB_ST_OK)
			pb_devapp_log(e, 0, "EEPROM: channel %d calibration rejected "
			    "(%s)", ch, pb_status_name((uint8_t)st));
	}
}

/* ---- power ------------------------------------------------------------------- */

static void cmd_handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us);

static void boot(struct pb_devapp *e)
{
	char msg[1024] = "";
	e->powered = true;
	e->boot_us = e->now_us;
	pb_fw_init(&e->fw, &e->prof, e->defects, e->now_us);
	memset(&e->fw_out, 0, sizeof e->fw_out);
	for (int ch = 0; ch < PB_MAX_CH; ch++)
		e->fw_out.valve_open[ch] = true;
	pb_device_init(&e->dev, cmd_handler, e);
	e->host_lost = false;
	e->host_fed = false;
	e->last_host_us = 0;
	e->sample_idx = 0;
	memset(&e->tel, 0, sizeof e->tel);
	set_rate(e, e->prof.sample_rate_hz > 0 ? (unsigned)e->prof.sample_rate_hz
	    : 1000u);
	e->next_hb_us = e->now_us;

	/* the firmware reads its EEPROM at power-on */
	e->ee.check_crc = !(e->defects & PB_DEF_NO_CAL_CRC);
	pb_eeprom_scan(&e->ee, msg, sizeof msg);
	if (pb_eeprom_record(&e->ee) == NULL && !e->ee.slot_bad[0] &&
	    !e->ee.slot_bad[1]) {
		/* factory-fresh part: datasheet calibration and the serial */
		struct pb_eeprom_record r;
		nominal_record(e, e->fresh_serial, &r);
		int rc = pb_eeprom_write_record(&e->ee, &r);
		if (rc != PB_EEPROM_OK)
			pb_fmt(msg + strlen(msg), sizeof msg - strlen(msg),
			    "%sEEPROM: initial record: %s", msg[0] ? "\n" : "",
			    pb_eeprom_strerror(rc));
	}
	uint32_t n = 0;
	if (pb_eeprom_boot(&e->ee, &n) != PB_EEPROM_OK)
		n = e->ee.boot_count;
	e->boot_count = n;

	const struct pb_eeprom_record *r = pb_eeprom_record(&e->ee);
	send_event(e, e->now_us, PB_EV_BOOT, 0, 0, (int32_t)n);
	pb_devapp_log(e, 2, "%s %s firmware %s serial %s boot %u",
	    e->name, e->prof.id, e->prof.firmware, r ? r->serial : "?", (unsigned)n);
	pb_devapp_log_lines(e, 1, msg);
	apply_stored_cal(e);

	/* The firmware model raises CAL_INVALID at init and clears it when
	 * the stored calibration arrives; real firmware reads its EEPROM
	 * before it reports anything.  So the boot-time events are replaced
	 * by what is true once booted: an ALARM_RAISED per active alarm. */
	struct pb_fw_event ev;
	while (pb_fw_event_pop(&e->fw, &ev))
		;
	for (unsigned b = 0; b < PB_AL_COUNT; b++)
		if (e->fw.alarms & (1u << b))
			send_event(e, e->now_us, PB_EV_ALARM_RAISED, (uint8_t)b,
			    0, 0);
}

static void power_off(struct pb_devapp *e)
{
	e->powered = false;
	pb_factory_power_off(&e->fac);
	/* volatile state is lost: queued bytes, the batch, the firmware */
	pb_device_drop_output(&e->dev);
	e->tel.n = 0;
	memset(&e->fw_out, 0, sizeof e->fw_out);
	for (int ch = 0; ch < PB_MAX_CH; ch++)
		e->fw_out.valve_open[ch] = true;
}

void pb_devapp_boot(struct pb_devapp *e, uint64_t now_us)
{
	e->now_us = now_us;
	if (!e->powered)
		boot(e);
}

void pb_devapp_power_off(struct pb_devapp *e)
{
	if (e->powered)
		power_off(e);
}

bool pb_devapp_powered(const struct pb_devapp *e)
{
	return e->powered;
}

/* ---- command handler ------------------------------------------------------------ */

static void fill_info(struct pb_devapp *e, struct pb_device_info *in)
{
	const struct pb_eeprom_record *r = pb_eeprom_record(&e->ee);
	memset(in, 0, sizeof *in);
	in->proto_version = PB_PROTO_VERSION;
	pb_fmt(in->fw_version, sizeof in->fw_version, "%s", e->prof.firmware);
	if (r)
		memcpy(in->serial, r->serial, PB_STR_LEN);
	pb_fmt(in->profile, sizeof in->profile, "%s", e->prof.id);
	in->channels = (uint8_t)e->prof.channels;
	in->levels = (uint8_t)e->prof.levels;
	for (int m = PB_MODE_STIMULATION; m <= PB_MODE_MIXED; m++)
		if (pb_profile_has_mode(&e->prof, m))
			in->modes |= (uint8_t)(1u << m);
	in->factory = pb_factory_unlocked(&e->fac, e->now_us) ? 1 : 0;
	in->sample_rate_hz = e->rate_hz;
	in->max_target = to_dmmhg(e->prof.max_target_mmhg);
	in->trip = to_dmmhg(e->prof.trip_abs_mmhg);
	for (unsigned ch = 0; ch < (unsigned)e->prof.channels; ch++) {
		struct pb_cal c;
		if (pb_fw_read_cal(&e->fw, ch, &c) == PB_ST_OK &&
		    c.cal_id > in->cal_id)
			in->cal_id = c.cal_id;
	}
}

/* Commit a record; returns a status. A power cut during the write kills
 * the device (*dead set): no answer, it reboots when supply returns. */
static uint8_t commit(struct pb_devapp *e, const struct pb_eeprom_record *r,
    bool *dead)
{
	*dead = false;
	int rc = pb_eeprom_write_record(&e->ee, r);
	if (rc == PB_EEPROM_E_POWER) {
		*dead = true;
		return PB_ST_STORAGE;
	}
	/* read back and verify as firmware does */
	struct pb_eeprom_record back;
	size_t off = e->ee.rec_slot == 1 ? PB_EEPROM_REC_OFF1 : PB_EEPROM_REC_OFF0;
	if (pb_eeprom_decode_record(e->ee.img + off, PB_EEPROM_REC_LEN, true,
	    &back, NULL) != 0 || strcmp(back.serial, r->serial) != 0) {
		pb_devapp_log(e, 0, "EEPROM: verify after write failed");
		return PB_ST_STORAGE;
	}
	if (rc == PB_EEPROM_E_FILE) {
		pb_devapp_log(e, 0, "EEPROM: backing file %s not updated",
		    e->ee.path);
		return PB_ST_STORAGE;
	}
	return PB_ST_OK;
}

static void brownout(struct pb_devapp *e)
{
	/* the supply failed during an EEPROM write: the device resets and
	 * comes back (the model of a brown-out reset) */
	power_off(e);
	pb_eeprom_disarm_power_cut(&e->ee);
	boot(e);
}

/* The factory-mode gate of every write command (restarts the factory
 * timeout when open; a LOG line when shut). */
static uint8_t factory_gate(struct pb_devapp *e, const char *what)
{
	uint8_t st = pb_factory_require(&e->fac, e->now_us);
	if (st != PB_ST_OK)
		pb_devapp_log(e, 1, "%s refused: factory mode is locked", what);
	return st;
}

/* The record to change: the current one, or a blank one. */
static void current_record(const struct pb_devapp *e, struct pb_eeprom_record *r)
{
	const struct pb_eeprom_record *cur = pb_eeprom_record(&e->ee);
	if (cur)
		*r = *cur;
	else
		memset(r, 0, sizeof *r);
}

static uint8_t do_write_cal(struct pb_devapp *e, const struct pb_cal *c,
    bool *dead)
{
	*dead = false;
	uint8_t st = factory_gate(e, "WRITE_CAL");
	if (st != PB_ST_OK)
		return st;
	/* the firmware's own rule, before anything is stored */
	int v = pb_fw_check_cal(&e->fw, c);
	if (v != PB_ST_OK) {
		/* channels are ch1, ch2 (proto/msg.h, pb_channel_name) */
		pb_devapp_log(e, 1, "WRITE_CAL ch%u refused: coefficients unusable",
		    c->channel + 1u);
		return (uint8_t)v;
	}
	struct pb_eeprom_record r;
	current_record(e, &r);
	r.cal[c->channel] = *c;
	r.cal_valid |= (uint8_t)(1u << c->channel);
	st = commit(e, &r, dead);
	if (*dead)
		return st;
	if (st == PB_ST_OK || st == PB_ST_STORAGE) {
		/* the EEPROM image holds it now: the firmware uses it */
		pb_fw_set_cal(&e->fw, c, e->now_us);
	}
	if (st == PB_ST_OK)
		pb_devapp_log(e, 2, "calibration ch%u written: id %u order %u "
		    "station %.16s", c->channel + 1u, (unsigned)c->cal_id, c->order,
		    c->station);
	return st;
}

/* WRITE_CAL_ALL: the whole calibration in one EEPROM record, so the unit
 * holds the old or the new one whatever happens (docs/protocol.md 5.11). */
static uint8_t store_cal_all(struct pb_devapp *e,
    const struct pb_cal_set *set, bool *dead);

static uint8_t do_write_cal_all(struct pb_devapp *e, const struct pb_cal_set *set,
    bool *dead)
{
	*dead = false;
	uint8_t st = factory_gate(e, "WRITE_CAL_ALL");
	if (st != PB_ST_OK)
		return st;
	return store_cal_all(e, set, dead);
}

uint8_t pb_devapp_factory_store_cal(struct pb_devapp *e,
    const struct pb_cal_set *set)
{
	bool dead = false;
	uint8_t st = store_cal_all(e, set, &dead);
	if (dead)
		brownout(e);
	return st;
}

static uint8_t store_cal_all(struct pb_devapp *e,
    const struct pb_cal_set *set, bool *dead)
{
	uint8_t st;
	*dead = false;
	/* every record by the firmware's own rule, before anything is
	 * stored: a refusal changes nothing */
	int v = pb_fw_check_cal_set(&e->fw, set);
	if (v != PB_ST_OK) {
		pb_devapp_log(e, 1, "WRITE_CAL_ALL refused: a channel the pump lacks "
		    "or unusable coefficients");
		return (uint8_t)v;
	}
	struct pb_eeprom_record r;
	current_record(e, &r);
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		if (set->mask & (1u << ch))
			r.cal[ch] = set->cal[ch];
		else
			memset(&r.cal[ch], 0, sizeof r.cal[ch]);
	}
	r.cal_valid = set->mask;
	st = commit(e, &r, dead);
	if (*dead)
		return st;
	if (st == PB_ST_OK || st == PB_ST_STORAGE) {
		/* the EEPROM image holds it now: the firmware uses all of it */
		pb_fw_set_cal_set(&e->fw, set, e->now_us);
	}
	if (st == PB_ST_OK) {
		uint32_t id = 0;
		for (int ch = 0; ch < PB_MAX_CH; ch++)
			if ((set->mask & (1u << ch)) && set->cal[ch].cal_id > id)
				id = set->cal[ch].cal_id;
		pb_devapp_log(e, 2, "calibration written, all channels at once: "
		    "mask 0x%x id %u", (unsigned)set->mask, (unsigned)id);
	}
	return st;
}

static uint8_t do_write_serial(struct pb_devapp *e, const char *serial,
    bool *dead)
{
	*dead = false;
	uint8_t st = factory_gate(e, "WRITE_SERIAL");
	if (st != PB_ST_OK)
		return st;
	size_t n = strnlen(serial, PB_STR_LEN);
	if (n == 0)
		return PB_ST_BAD_VALUE;
	for (size_t i = 0; i < n; i++)
		if (serial[i] < 0x21 || serial[i] > 0x7e)
			return PB_ST_BAD_VALUE;
	struct pb_eeprom_record r;
	current_record(e, &r);
	memset(r.serial, 0, sizeof r.serial);
	memcpy(r.serial, serial, n);
	st = commit(e, &r, dead);
	if (st == PB_ST_OK)
		pb_devapp_log(e, 2, "serial number written: %s", r.serial);
	return st;
}

static void cmd_handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us)
{
	struct pb_devapp *e = ctx;
	int st = PB_ST_OK;
	bool dead = false;
	(void)now_us;
	resp->body_kind = PB_BODY_NONE;
	if (e->dead) {
		/* the supply already failed in this rx call: nothing runs;
		 * the queued answer is lost with the reset */
		resp->status = PB_ST_WRONG_STATE;
		return;
	}
	pb_factory_tick(&e->fac, e->now_us);

	switch (cmd->type) {
	case PB_T_HELLO:
		if (cmd->u.hello.proto_min > PB_PROTO_VERSION ||
		    cmd->u.hello.proto_max < PB_PROTO_VERSION) {
			st = PB_ST_BAD_VALUE;
			pb_devapp_log(e, 1, "HELLO from %.16s: protocol %u..%u not "
			    "spoken (device speaks %d)", cmd->u.hello.host,
			    cmd->u.hello.proto_min, cmd->u.hello.proto_max,
			    PB_PROTO_VERSION);
			break;
		}
		fill_info(e, &resp->body.info);
		resp->body_kind = PB_BODY_INFO;
		break;
	case PB_T_READ_INFO:
		fill_info(e, &resp->body.info);
		resp->body_kind = PB_BODY_INFO;
		break;
	case PB_T_START:
		st = pb_fw_start(&e->fw, e->now_us);
		break;
	case PB_T_STOP:
		st = pb_fw_stop(&e->fw, e->now_us);
		pb_factory_lock(&e->fac, "stop");
		break;
	/* the firmware validates mode, level, channel mask and hold */
	case PB_T_SET_MODE:
		st = pb_fw_set_mode(&e->fw, cmd->u.mode, e->now_us);
		break;
	case PB_T_SET_LEVEL:
		st = pb_fw_set_level(&e->fw, cmd->u.level, e->now_us);
		break;
	case PB_T_SET_CHANNELS:
		st = pb_fw_set_channels(&e->fw, cmd->u.channel_mask, e->now_us);
		break;
	case PB_T_SET_RATE:
		if (cmd->u.rate_hz < RATE_MIN_HZ || cmd->u.rate_hz > RATE_MAX_HZ) {
			st = PB_ST_BAD_VALUE;
			break;
		}
		flush_batch(e);
		set_rate(e, cmd->u.rate_hz);
		pb_devapp_log(e, 2, "sample rate %u Hz", (unsigned)cmd->u.rate_hz);
		break;
	case PB_T_CLEAR_FAULT:
		st = pb_fw_clear_fault(&e->fw, e->now_us);
		break;
	case PB_T_CAL_HOLD:
		st = pb_fw_cal_hold(&e->fw, cmd->u.hold.channel_mask,
		    cmd->u.hold.target, e->now_us);
		break;
	case PB_T_READ_CAL:
		st = pb_fw_read_cal(&e->fw, cmd->u.channel, &resp->body.cal);
		if (st == PB_ST_OK)
			resp->body_kind = PB_BODY_CAL;
		break;
	case PB_T_WRITE_CAL:
		st = do_write_cal(e, &cmd->u.cal, &dead);
		break;
	case PB_T_WRITE_CAL_ALL:
		st = do_write_cal_all(e, &cmd->u.cal_set, &dead);
		break;
	case PB_T_FACTORY_CHALLENGE: {
		uint8_t rnd[PB_NONCE_LEN];
		if (!e->hal.random ||
		    e->hal.random(e->hal.ctx, rnd, sizeof rnd) != 0) {
			st = PB_ST_STORAGE;
			pb_devapp_log(e, 0, "factory: no random numbers");
			break;
		}
		st = pb_factory_challenge(&e->fac, rnd, e->now_us,
		    resp->body.nonce);
		if (st == PB_ST_OK)
			resp->body_kind = PB_BODY_NONCE;
		break;
	}
	case PB_T_FACTORY_UNLOCK:
		st = pb_factory_unlock(&e->fac, cmd->u.mac, e->now_us);
		break;
	case PB_T_WRITE_SERIAL:
		st = do_write_serial(e, cmd->u.serial, &dead);
		break;
	case PB_T_DEVICE_STATS:
		pb_device_stats(&e->dev, &resp->body.stats);
		resp->body_kind = PB_BODY_STATS;
		break;
	case PB_T_INJECT:
		if (!e->allow_inject || !e->hal.inject) {
			st = PB_ST_UNKNOWN_CMD;
			break;
		}
		st = e->hal.inject(e->hal.ctx, cmd->u.inject.fault,
		    cmd->u.inject.channel, cmd->u.inject.value) == 0 ?
		    PB_ST_OK : PB_ST_BAD_VALUE;
		break;
	default:
		st = PB_ST_UNKNOWN_CMD;
		break;
	}
	resp->status = (uint8_t)st;
	if (st != PB_ST_OK)
		resp->body_kind = PB_BODY_NONE;
	if (dead)
		e->dead = true;
}

/* ---- public API ----------------------------------------------------------------- */

static bool serial_ok(const char *s, size_t *len)
{
	size_t n = strlen(s);
	if (n == 0 || n > PB_STR_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	*len = n;
	return true;
}

int pb_devapp_init(struct pb_devapp *e, const struct pb_profile *p,
    const struct pb_devapp_opts *o, const struct pb_hal *hal,
    uint64_t now_us)
{
	memset(e, 0, sizeof *e);
	e->prof = *p;
	e->hal = *hal;
	e->now_us = now_us;
	e->name = o && o->name ? o->name : "pumpsim";
	if (o) {
		e->defects = o->defects;
		e->allow_inject = o->allow_inject;
		if (o->serial && *o->serial) {
			size_t n;
			if (!serial_ok(o->serial, &n))
				return -1;
			memcpy(e->fresh_serial, o->serial, n);
		}
	}
	pb_eeprom_init(&e->ee);
	pb_factory_init(&e->fac, factory_note, e);
	return 0;
}

struct pb_eeprom *pb_devapp_eeprom(struct pb_devapp *e)
{
	return &e->ee;
}

int pb_devapp_set_factory_key(struct pb_devapp *e, const uint8_t *key,
    size_t n)
{
	return pb_factory_set_key(&e->fac, key, n);
}

void pb_devapp_control(struct pb_devapp *e, uint64_t now_us)
{
	if (!e->powered)
		return;
	e->now_us = now_us;
	struct pb_hal_sense s;
	struct pb_fw_inputs fi;
	sense(e, &s);
	memset(&fi, 0, sizeof fi);
	fi.now_us = now_us;
	for (int ch = 0; ch < PB_MAX_CH && ch < e->prof.channels; ch++)
		fi.adc[ch] = s.adc[ch];
	fi.motor_ma = s.motor_ma;
	fi.supply_v = s.supply_v;
	pb_fw_step(&e->fw, &fi, &e->fw_out);
	e->hal.drive(e->hal.ctx, &e->fw_out);
}

void pb_devapp_service(struct pb_devapp *e, uint64_t now_us)
{
	if (!e->powered)
		return;
	e->now_us = now_us;
	struct pb_fw_event ev;
	while (pb_fw_event_pop(&e->fw, &ev))
		send_event(e, ev.t_us < e->boot_us ? e->boot_us : ev.t_us,
		    ev.kind, ev.code, ev.channel, ev.value);

	/* the defect judges the device watchdog 250 ms in the past */
	uint64_t dog_now = e->now_us;
	if (e->defects & PB_DEF_WATCHDOG_LATE)
		dog_now = dog_now > PB_DEF_WATCHDOG_LATE_US ?
		    dog_now - PB_DEF_WATCHDOG_LATE_US : 0;
	if (pb_device_watchdog(&e->dev, dog_now)) {
		e->host_lost = true;
		if (!(e->defects & PB_DEF_NO_HEARTBEAT_SAFE))
			pb_fw_host_lost(&e->fw, e->now_us);
		pb_devapp_log(e, 1, "host heartbeat lost");
	}

	if (e->now_us >= e->next_sample_us)
		take_sample(e);
	if (e->tel.n > 0 && e->now_us - e->batch_first_us >= BATCH_MAX_AGE_US)
		flush_batch(e);
	if (e->now_us >= e->next_hb_us) {
		send_heartbeat(e);
		e->next_hb_us += HB_PERIOD_US;
	}
}

void pb_devapp_tick(struct pb_devapp *e, uint64_t now_us)
{
	if (!e->powered)
		return;
	e->now_us = now_us;
	pb_factory_tick(&e->fac, e->now_us);
}

void pb_devapp_rx(struct pb_devapp *e, const uint8_t *bytes, size_t n,
    uint64_t now_us)
{
	if (!e->powered || n == 0)
		return;
	e->now_us = now_us;
	if (e->defects & PB_DEF_NO_TXN_DEDUP) {
		/* the defect: the device forgets answered commands, so a
		 * retried one runs again */
		pb_device_forget_txns(&e->dev);
	}
	pb_device_rx(&e->dev, bytes, n, e->now_us);
	if (e->dead) {
		e->dead = false;
		brownout(e);
		return;
	}
	/* only a valid HEARTBEAT or command moves this time (device.h) */
	uint64_t t;
	if (pb_device_last_host(&e->dev, &t) &&
	    (!e->host_fed || t != e->last_host_us)) {
		e->host_fed = true;
		e->last_host_us = t;
		pb_fw_host_alive(&e->fw, e->last_host_us);
		if (e->host_lost) {
			e->host_lost = false;
			pb_devapp_log(e, 2, "host heartbeat back");
		}
	}
}

size_t pb_devapp_tx(struct pb_devapp *e, uint8_t *buf, size_t cap)
{
	if (!e->powered)
		return 0;
	return pb_device_take(&e->dev, buf, cap);
}

const uint8_t *pb_devapp_peek(const struct pb_devapp *e, size_t *n)
{
	if (!e->powered) {
		*n = 0;
		return NULL;
	}
	return pb_device_peek(&e->dev, n);
}

void pb_devapp_consume(struct pb_devapp *e, size_t n)
{
	pb_device_consume(&e->dev, n);
}

const struct pb_fw *pb_devapp_fw(const struct pb_devapp *e)
{
	return &e->fw;
}

const struct pb_fw_outputs *pb_devapp_outputs(const struct pb_devapp *e)
{
	return &e->fw_out;
}
