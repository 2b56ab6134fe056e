/*
 * tools/pumpsim/emulator.c - the emulator core (see emulator.h): plant +
 * firmware + EEPROM + factory access + protocol device, advanced in fixed
 * plant steps of PB_PLANT_DT_US.
 *
 * Per plant step, in this order: the firmware reads the ADC counts, motor
 * current and supply voltage left by the previous step and sets its
 * outputs; the plant advances one step under those outputs; then the
 * device side runs: firmware events become EVENT frames, the host watchdog
 * is checked, a telemetry sample is taken when one is due, a batch is sent
 * when full (or 25 ms old), and a HEARTBEAT goes out every 250 ms.
 *
 * Determinism: everything derives from the profile, the seed and the
 * inputs, except the factory nonce, which comes from OpenSSL's CSPRNG as a
 * real device's TRNG would (docs/pumpsim.md, "Factory access").
 */
#include "tools/pumpsim/emulator.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/device.h"
#include "proto/frame.h"
#include "tools/pumpsim/eeprom.h"
#include "tools/pumpsim/factory.h"
#include "tools/pumpsim/firmware.h"
#include "tools/pumpsim/plant.h"

#define HB_PERIOD_US     250000u   /* device heartbeat, 4 Hz */
#define BATCH_MAX_AGE_US  25000u   /* a batch leaves at most 25 ms old */
#define BATCH_PER_S          50u   /* aim: 50 telemetry frames per second */
#define RATE_MIN_HZ          10u
#define RATE_MAX_HZ        5000u

struct pb_emu {
	struct pb_profile prof;
	unsigned defects;
	bool     allow_inject;
	uint64_t seed;
	char     fresh_serial[PB_STR_LEN + 1];

	struct pb_plant plant;
	struct pb_fw    fw;
	struct pb_fw_outputs fw_out;
	struct pb_eeprom ee;
	struct pb_factory fac;
	pb_device dev;

	bool     powered;
	uint64_t now_us;           /* emulator time == plant time */
	uint64_t boot_us;          /* device uptime origin */
	uint32_t boot_count;
	bool     host_lost;        /* watchdog already reported */
	bool     dead;             /* supply failed inside a command: reboot
	                              once the rx call returns */
	bool     host_fed;         /* the firmware has heard of a host */
	uint64_t last_host_us;     /* last host message passed to firmware */

	/* telemetry */
	uint16_t rate_hz;
	unsigned batch_n;          /* samples per channel per frame */
	uint32_t sample_idx;       /* index of the next sample */
	uint32_t rate_base_idx;    /* sample index at the last rate change */
	uint64_t rate_base_us;
	uint64_t next_sample_us;
	struct pb_telemetry tel;   /* batch being filled (tel.n samples) */
	uint64_t batch_first_us;
	uint64_t next_hb_us;
};

/* ---- helpers ------------------------------------------------------------- */

static uint32_t dev_ms(const struct pb_emu *e, uint64_t t_us)
{
	return (uint32_t)((t_us - e->boot_us) / 1000u);
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

static void send_log(struct pb_emu *e, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void send_log(struct pb_emu *e, int level, const char *fmt, ...)
{
	if (!e->powered)
		return;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_LOG;
	m.u.log.level = (uint8_t)level;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(m.u.log.text, sizeof m.u.log.text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	m.u.log.len = (uint8_t)((size_t)n > PB_LOG_MAX ? PB_LOG_MAX : (size_t)n);
	pb_device_send(&e->dev, &m);
}

/* Several lines (EEPROM scan messages) as several LOG frames. */
static void send_log_lines(struct pb_emu *e, int level, const char *text)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		send_log(e, level, "%.*s", (int)n, text);
		text = nl ? nl + 1 : NULL;
	}
}

static void send_event(struct pb_emu *e, uint64_t t_us, uint8_t kind,
    uint8_t code, uint8_t ch, int32_t value)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_EVENT;
	m.u.ev.device_ms = dev_ms(e, t_us);
	m.u.ev.kind = kind;
	m.u.ev.code = code;
	m.u.ev.channel = ch;
	m.u.ev.value = value;
	pb_device_send(&e->dev, &m);
}

static void factory_note(void *ctx, int code, int level, int32_t value,
    const char *text)
{
	struct pb_emu *e = ctx;
	send_log(e, level, "factory: %s", text);
	if (code >= 0 && e->powered)
		send_event(e, e->now_us, PB_EV_FACTORY, (uint8_t)code, 0, value);
}

/* ---- telemetry -------------------------------------------------------------- */

static void set_rate(struct pb_emu *e, unsigned hz)
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

static void flush_batch(struct pb_emu *e)
{
	if (e->tel.n == 0)
		return;
	const struct pb_fw *fw = &e->fw;
	struct pb_telemetry *t = &e->tel;
	struct pb_msg m;
	t->channels = (uint8_t)e->prof.channels;
	t->mode = fw->mode;
	t->level = fw->level;
	t->phase = fw->phase;
	t->run_state = fw->run_state;
	double duty = e->plant.motor_duty;
	t->motor_duty = (uint8_t)lround((duty < 0 ? 0 : duty > 1 ? 1 : duty) * 255.0);
	t->valve = 0;
	for (int ch = 0; ch < e->prof.channels; ch++)
		if (e->plant.valve_open[ch])
			t->valve |= (uint8_t)(1u << ch);
	t->channel_mask = fw->channel_mask;
	t->reserved = 0;
	double mv = pb_plant_supply_v(&e->plant) * 1000.0;
	t->battery_mv = (uint16_t)(mv < 0 ? 0 : mv > 65535 ? 65535 : lround(mv));
	t->alarms = fw->alarms;
	t->target = fw->run_state == PB_RS_IDLE || fw->run_state == PB_RS_FAULT ||
	    fw->run_state == PB_RS_OFF ? 0 : to_dmmhg(fw->target_mmhg);
	double ma = pb_plant_motor_ma(&e->plant);
	t->motor_ma = (uint16_t)(ma < 0 ? 0 : ma > 65535 ? 65535 : lround(ma));
	for (int ch = 0; ch < e->prof.channels; ch++)
		t->raw[ch] = pb_plant_adc(&e->plant, ch);
	memset(&m, 0, sizeof m);
	m.type = PB_T_TELEMETRY;
	m.u.tel = *t;
	pb_device_send(&e->dev, &m);
	t->n = 0;
}

static void take_sample(struct pb_emu *e)
{
	struct pb_telemetry *t = &e->tel;
	if (t->n == 0) {
		t->first_sample = e->sample_idx;
		t->device_ms = dev_ms(e, e->now_us);
		e->batch_first_us = e->now_us;
	}
	for (int ch = 0; ch < e->prof.channels; ch++) {
		uint16_t counts = pb_plant_adc(&e->plant, ch);
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

static void send_heartbeat(struct pb_emu *e)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_HEARTBEAT;
	m.u.hb.time_ms = dev_ms(e, e->now_us);
	m.u.hb.run_state = e->fw.run_state;
	m.u.hb.alarms = e->fw.alarms;
	pb_device_send(&e->dev, &m);
}

/* ---- EEPROM <-> firmware ---------------------------------------------------- */

static void nominal_record(const struct pb_emu *e, const char *serial,
    struct pb_eeprom_record *r)
{
	struct pb_sensor_params sp;
	memset(r, 0, sizeof *r);
	snprintf(r->serial, sizeof r->serial, "%s", serial);
	pb_plant_sensor_params(&e->prof, &sp);
	for (int ch = 0; ch < e->prof.channels; ch++) {
		pb_sensor_nominal_cal(&sp, ch, &r->cal[ch]);
		r->cal_valid |= (uint8_t)(1u << ch);
	}
}

/* Give the firmware the stored calibration of every channel. */
static void apply_stored_cal(struct pb_emu *e)
{
	const struct pb_eeprom_record *r = pb_eeprom_record(&e->ee);
	if (!r) {
		send_log(e, 0, "EEPROM holds no valid record: calibration "
		    "invalid, sessions refused until factory calibration");
		return;
	}
	for (int ch = 0; ch < e->prof.channels; ch++) {
		if (!(r->cal_valid & (1u << ch))) {
			send_log(e, 0, "EEPROM: channel %d has no calibration", ch);
			continue;
		}
		struct pb_cal c = r->cal[ch];
		c.channel = (uint8_t)ch;
		int st = pb_fw_set_cal(&e->fw, &c, e->now_us);
		if (st != PB_ST_OK)
			send_log(e, 0, "EEPROM: channel %d calibration rejected "
			    "(%s)", ch, pb_status_name((uint8_t)st));
	}
}

/* ---- power ------------------------------------------------------------------- */

static void cmd_handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us);

static void boot(struct pb_emu *e)
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
			snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
			    "%sEEPROM: initial record: %s", msg[0] ? "\n" : "",
			    pb_eeprom_strerror(rc));
	}
	uint32_t n = 0;
	if (pb_eeprom_boot(&e->ee, &n) != PB_EEPROM_OK)
		n = e->ee.boot_count;
	e->boot_count = n;

	const struct pb_eeprom_record *r = pb_eeprom_record(&e->ee);
	send_event(e, e->now_us, PB_EV_BOOT, 0, 0, (int32_t)n);
	send_log(e, 2, "pumpsim %s firmware %s serial %s boot %u",
	    e->prof.id, e->prof.firmware, r ? r->serial : "?", (unsigned)n);
	send_log_lines(e, 1, msg);
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

static void power_off(struct pb_emu *e)
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

void pb_emu_set_power(struct pb_emu *e, bool on)
{
	if (on == e->powered)
		return;
	if (on)
		boot(e);
	else
		power_off(e);
}

/* ---- command handler ------------------------------------------------------------ */

static void fill_info(struct pb_emu *e, struct pb_device_info *in)
{
	const struct pb_eeprom_record *r = pb_eeprom_record(&e->ee);
	memset(in, 0, sizeof *in);
	in->proto_version = PB_PROTO_VERSION;
	snprintf(in->fw_version, sizeof in->fw_version, "%s", e->prof.firmware);
	if (r)
		memcpy(in->serial, r->serial, PB_STR_LEN);
	snprintf(in->profile, sizeof in->profile, "%s", e->prof.id);
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
static uint8_t commit(struct pb_emu *e, const struct pb_eeprom_record *r,
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
		send_log(e, 0, "EEPROM: verify after write failed");
		return PB_ST_STORAGE;
	}
	if (rc == PB_EEPROM_E_FILE) {
		send_log(e, 0, "EEPROM: backing file %s not updated",
		    e->ee.path);
		return PB_ST_STORAGE;
	}
	return PB_ST_OK;
}

static void brownout(struct pb_emu *e)
{
	/* the supply failed during an EEPROM write: the device resets and
	 * comes back (the model of a brown-out reset) */
	power_off(e);
	pb_eeprom_disarm_power_cut(&e->ee);
	boot(e);
}

/* The factory-mode gate of every write command (restarts the factory
 * timeout when open; a LOG line when shut). */
static uint8_t factory_gate(struct pb_emu *e, const char *what)
{
	uint8_t st = pb_factory_require(&e->fac, e->now_us);
	if (st != PB_ST_OK)
		send_log(e, 1, "%s refused: factory mode is locked", what);
	return st;
}

/* The record to change: the current one, or a blank one. */
static void current_record(const struct pb_emu *e, struct pb_eeprom_record *r)
{
	const struct pb_eeprom_record *cur = pb_eeprom_record(&e->ee);
	if (cur)
		*r = *cur;
	else
		memset(r, 0, sizeof *r);
}

static uint8_t do_write_cal(struct pb_emu *e, const struct pb_cal *c,
    bool *dead)
{
	*dead = false;
	uint8_t st = factory_gate(e, "WRITE_CAL");
	if (st != PB_ST_OK)
		return st;
	/* the firmware's own rule, before anything is stored */
	int v = pb_fw_check_cal(&e->fw, c);
	if (v != PB_ST_OK) {
		send_log(e, 1, "WRITE_CAL ch%u refused: coefficients unusable",
		    c->channel);
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
		send_log(e, 2, "calibration ch%u written: id %u order %u "
		    "station %.16s", c->channel, (unsigned)c->cal_id, c->order,
		    c->station);
	return st;
}

/* WRITE_CAL_ALL: the whole calibration in one EEPROM record, so the unit
 * holds the old or the new one whatever happens (docs/protocol.md 5.11). */
static uint8_t do_write_cal_all(struct pb_emu *e, const struct pb_cal_set *set,
    bool *dead)
{
	*dead = false;
	uint8_t st = factory_gate(e, "WRITE_CAL_ALL");
	if (st != PB_ST_OK)
		return st;
	/* every record by the firmware's own rule, before anything is
	 * stored: a refusal changes nothing */
	int v = pb_fw_check_cal_set(&e->fw, set);
	if (v != PB_ST_OK) {
		send_log(e, 1, "WRITE_CAL_ALL refused: a channel the pump lacks "
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
		send_log(e, 2, "calibration written, all channels at once: "
		    "mask 0x%x id %u", (unsigned)set->mask, (unsigned)id);
	}
	return st;
}

static uint8_t do_write_serial(struct pb_emu *e, const char *serial,
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
		send_log(e, 2, "serial number written: %s", r.serial);
	return st;
}

static void cmd_handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us)
{
	struct pb_emu *e = ctx;
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
			send_log(e, 1, "HELLO from %.16s: protocol %u..%u not "
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
		send_log(e, 2, "sample rate %u Hz", (unsigned)cmd->u.rate_hz);
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
		if (pb_factory_random(rnd, sizeof rnd) != 0) {
			st = PB_ST_STORAGE;
			send_log(e, 0, "factory: no random numbers");
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
		if (!e->allow_inject) {
			st = PB_ST_UNKNOWN_CMD;
			break;
		}
		st = pb_emu_inject(e, cmd->u.inject.fault, cmd->u.inject.channel,
		    cmd->u.inject.value) == 0 ? PB_ST_OK : PB_ST_BAD_VALUE;
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

struct pb_emu *pb_emu_new(const struct pb_profile *p,
    const struct pb_emu_opts *o, uint64_t now_us, char *err, size_t errlen)
{
	struct pb_emu_opts none;
	char msg[1024] = "";
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
	e->defects = o->defects;
	e->allow_inject = o->allow_inject;
	e->seed = o->seed;
	e->now_us = now_us;
	if (o->serial && *o->serial) {
		size_t n = strlen(o->serial);
		for (size_t i = 0; i < n; i++)
			if (o->serial[i] < 0x21 || o->serial[i] > 0x7e)
				n = 0;
		if (n == 0 || n > PB_STR_LEN) {
			snprintf(err, errlen, "serial \"%s\": need 1..%d printable "
			    "characters without spaces", o->serial, PB_STR_LEN);
			free(e);
			return NULL;
		}
		snprintf(e->fresh_serial, sizeof e->fresh_serial, "%s",
		    o->serial);
	} else {
		uint64_t h = o->seed * 0x9E3779B97F4A7C15ull;
		snprintf(e->fresh_serial, sizeof e->fresh_serial, "PS%08X",
		    (unsigned)(h >> 32));
	}
	int rc = pb_plant_init(&e->plant, p, o->seed, o->sensor_errors, now_us);
	if (rc != PB_PLANT_OK) {
		snprintf(err, errlen, "%s: %s", p->path[0] ? p->path : p->id,
		    pb_plant_strerror(rc));
		free(e);
		return NULL;
	}
	pb_eeprom_init(&e->ee);
	if (o->eeprom_path && *o->eeprom_path) {
		if (pb_eeprom_attach_file(&e->ee, o->eeprom_path, msg,
		    sizeof msg) != PB_EEPROM_OK) {
			snprintf(err, errlen, "%s", msg);
			free(e);
			return NULL;
		}
	}
	pb_factory_init(&e->fac, factory_note, e);
	if (o->factory_key_path && *o->factory_key_path) {
		uint8_t key[PB_FACTORY_KEY_MAX];
		int n = pb_factory_load_key(o->factory_key_path, key,
		    sizeof key, err, errlen);
		if (n < 0 || pb_factory_set_key(&e->fac, key, (size_t)n) != 0) {
			pb_eeprom_detach_file(&e->ee);
			free(e);
			return NULL;
		}
		memset(key, 0, sizeof key);
	}
	boot(e);
	const struct pb_eeprom_record *r = pb_eeprom_record(&e->ee);
	if (o->serial && *o->serial && r && strcmp(r->serial, o->serial) != 0) {
		size_t used = strlen(msg);
		snprintf(msg + used, sizeof msg - used, "%sserial %s ignored: the "
		    "EEPROM%s%s already holds serial %s", used ? "\n" : "",
		    o->serial, e->ee.path[0] ? " " : "", e->ee.path, r->serial);
	}
	/* problems found loading the file are worth a LOG line too */
	send_log_lines(e, 1, msg);
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return e;
}

void pb_emu_free(struct pb_emu *e)
{
	if (!e)
		return;
	pb_eeprom_detach_file(&e->ee);
	memset(&e->fac, 0, sizeof e->fac);
	free(e);
}

/* Device-side work after a plant step at e->now_us. */
static void after_step(struct pb_emu *e)
{
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
		send_log(e, 1, "host heartbeat lost");
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

void pb_emu_advance(struct pb_emu *e, uint64_t now_us)
{
	struct pb_plant_inputs in;
	while (e->now_us + PB_PLANT_DT_US <= now_us) {
		memset(&in, 0, sizeof in);
		in.power = e->powered;
		if (e->powered) {
			struct pb_fw_inputs fi;
			fi.now_us = e->now_us;
			for (int ch = 0; ch < PB_MAX_CH; ch++)
				fi.adc[ch] = ch < e->prof.channels ?
				    pb_plant_adc(&e->plant, ch) : 0;
			fi.motor_ma = pb_plant_motor_ma(&e->plant);
			fi.supply_v = pb_plant_supply_v(&e->plant);
			pb_fw_step(&e->fw, &fi, &e->fw_out);
			in.motor_duty = e->fw_out.motor_duty;
			for (int ch = 0; ch < PB_MAX_CH; ch++) {
				in.valve_open[ch] = e->fw_out.valve_open[ch];
				in.connect[ch] = e->fw_out.connect[ch];
			}
		} else {
			for (int ch = 0; ch < PB_MAX_CH; ch++)
				in.valve_open[ch] = true;
		}
		pb_plant_step(&e->plant, &in);
		e->now_us += PB_PLANT_DT_US;
		if (e->powered)
			after_step(e);
	}
	if (e->powered)
		pb_factory_tick(&e->fac, e->now_us);
}

void pb_emu_rx(struct pb_emu *e, const uint8_t *bytes, size_t n)
{
	if (!e->powered || n == 0)
		return;
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
			send_log(e, 2, "host heartbeat back");
		}
	}
}

size_t pb_emu_tx(struct pb_emu *e, uint8_t *buf, size_t cap)
{
	if (!e->powered)
		return 0;
	return pb_device_take(&e->dev, buf, cap);
}

static const char *fault_label(int fault)
{
	static const char *names[] = { "clear-all", "leak", "valve-stuck",
	    "motor-stall", "motor-open", "sensor-offset", "sensor-stuck",
	    "sensor-open", "sensor-short", "battery-sag", "container-fill",
	    "occlusion", "sensor-drift" };
	if (fault >= 0 && fault < (int)(sizeof names / sizeof names[0]))
		return names[fault];
	return "?";
}

int pb_emu_inject(struct pb_emu *e, int fault, int channel, int32_t value)
{
	int rc = pb_plant_fault(&e->plant, fault, channel, value);
	if (rc != PB_PLANT_OK) {
		send_log(e, 1, "inject %s ch%d value %ld refused: %s",
		    fault_label(fault), channel, (long)value,
		    pb_plant_strerror(rc));
		return rc;
	}
	send_log(e, 2, "inject %s ch%d value %ld", fault_label(fault), channel,
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
	if (bytes < 0)
		pb_eeprom_disarm_power_cut(&e->ee);
	else
		pb_eeprom_arm_power_cut(&e->ee, (size_t)bytes);
}

bool pb_emu_alarm_on(const struct pb_emu *e)
{
	return e->powered && e->fw_out.alarm;
}

void pb_emu_status(const struct pb_emu *e, struct pb_emu_status *s)
{
	memset(s, 0, sizeof *s);
	const struct pb_fw *fw = &e->fw;
	s->run_state = e->powered ? fw->run_state : (uint8_t)PB_RS_OFF;
	s->mode = fw->mode;
	s->level = fw->level;
	s->phase = e->powered ? fw->phase : (uint8_t)PB_PH_IDLE;
	s->channel_mask = fw->channel_mask;
	s->alarms = e->powered ? fw->alarms : 0;
	s->target_mmhg = fw->target_mmhg;
	for (int ch = 0; ch < e->prof.channels; ch++) {
		s->vacuum_mmhg[ch] = pb_plant_vacuum_mmhg(&e->plant, ch);
		s->measured_mmhg[ch] = e->powered ? pb_fw_counts_to_mmhg(fw, ch,
		    (double)pb_plant_adc(&e->plant, ch)) : 0.0;
	}
	s->battery_v = pb_plant_supply_v(&e->plant);
	s->motor_duty = e->plant.motor_duty;
	s->session_s = fw->session_s;
	s->cycles = fw->cycles;
}
