/*
 * tests/unit/test_emulator.c - the emulator core end to end in process,
 * in lock-step virtual time, with a small host made of pb_frame/pb_msg:
 * HELLO info, telemetry, commands, retries, watchdog, overpressure,
 * EEPROM across power cycles, factory access, determinism.
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/client.h"
#include "proto/frame.h"
#include "proto/link.h"
#include "proto/msg.h"
#include "proto/station.h"
#include "pump/profile.h"
#include "tests/lib/check_main.h"
#include "tools/pumpsim/eeprom.h"
#include "tools/pumpsim/emulator.h"
#include "tools/pumpsim/plant.h"
#include "tools/pumpsim/sensor.h"

#define MS 1000ull
#define S  1000000ull

/* ---- a minimal host ------------------------------------------------------ */

#define MAX_EV 256

struct host {
	struct pb_emu *e;
	uint64_t t;
	pb_decoder dec;
	uint16_t seq;
	uint8_t txn;
	bool send_hb;
	bool send_junk;          /* CRC-valid frames that are no valid
	                            heartbeat or command, every 50 ms */
	int  njunk;
	uint64_t next_hb;
	uint64_t last_tx_us;     /* last frame the host sent */
	/* responses */
	int nresp;
	struct pb_response resp[64];
	uint8_t resp_txn[64];
	/* telemetry */
	uint64_t samples;
	uint32_t next_idx;
	bool idx_gap;
	int ntel;
	struct pb_telemetry last_tel;
	int16_t max_sample[PB_MAX_CH];
	uint32_t prev_ms;
	/* others */
	int nev;
	struct pb_event ev[MAX_EV];
	int nhb, nlog;
	char logs[4096];
	uint64_t seq_gaps;
	int last_dev_seq;
	/* all bytes from the device */
	uint8_t *bytes;
	size_t nbytes, capbytes;
};

static void on_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct host *hs = ctx;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	ck_assert_int_eq(pb_msg_decode(h->type, h->flags, payload, h->len, &m),
	    PB_MSG_OK);
	if (hs->last_dev_seq >= 0 &&
	    (uint16_t)(h->seq - (uint16_t)hs->last_dev_seq) != 1)
		hs->seq_gaps++;
	hs->last_dev_seq = h->seq;
	switch (h->type) {
	case PB_T_RESPONSE:
		if (hs->nresp < 64) {
			hs->resp[hs->nresp] = m.u.resp;
			hs->resp_txn[hs->nresp] = h->txn;
		}
		hs->nresp++;
		break;
	case PB_T_TELEMETRY: {
		const struct pb_telemetry *t = &m.u.tel;
		if (hs->ntel > 0 && t->first_sample != hs->next_idx)
			hs->idx_gap = true;
		hs->next_idx = t->first_sample + t->n;
		hs->samples += t->n;
		hs->ntel++;
		for (int ch = 0; ch < t->channels; ch++)
			for (int i = 0; i < t->n; i++)
				if (t->samples[ch][i] > hs->max_sample[ch])
					hs->max_sample[ch] = t->samples[ch][i];
		hs->last_tel = *t;
		break;
	}
	case PB_T_EVENT:
		if (hs->nev < MAX_EV)
			hs->ev[hs->nev++] = m.u.ev;
		break;
	case PB_T_HEARTBEAT:
		hs->nhb++;
		break;
	case PB_T_LOG: {
		hs->nlog++;
		size_t used = strlen(hs->logs);
		if (used + m.u.log.len + 2 < sizeof hs->logs)
			snprintf(hs->logs + used, sizeof hs->logs - used,
			    "%s\n", m.u.log.text);
		break;
	}
	default:
		ck_abort_msg("unexpected frame type 0x%02x", h->type);
	}
}

static void drain(struct host *h)
{
	uint8_t buf[4096];
	size_t n;
	while ((n = pb_emu_tx(h->e, buf, sizeof buf)) > 0) {
		if (h->nbytes + n > h->capbytes) {
			h->capbytes = (h->capbytes + n) * 2;
			h->bytes = realloc(h->bytes, h->capbytes);
			ck_assert_ptr_nonnull(h->bytes);
		}
		memcpy(h->bytes + h->nbytes, buf, n);
		h->nbytes += n;
		pb_decoder_feed(&h->dec, buf, n, on_frame, h);
	}
}

static void host_send(struct host *h, struct pb_msg *m)
{
	uint8_t wire[PB_WIRE_MAX];
	m->seq = h->seq++;
	int n = pb_frame_encode_msg(m, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	pb_emu_rx(h->e, wire, (size_t)n);
	h->last_tx_us = h->t;
}

static void send_hb(struct host *h)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_HEARTBEAT;
	m.u.hb.time_ms = (uint32_t)(h->t / 1000);
	host_send(h, &m);
}

/* One frame that passes the CRC but is no valid HEARTBEAT or command
 * (protocol.md 7.3): a short or a device's heartbeat, an unknown type, a
 * command with a bad payload, without ACK_REQ or with txn 0, a
 * device->host type, a frame flagged RESPONSE. */
static void send_junk(struct host *h)
{
	static const uint8_t hb_short[3] = { 1, 2, 3 };
	static const uint8_t hb_dev[7] = { 0, 1, 0, 0, 1, 0, 0 };
	static const uint8_t two[2] = { 3, 3 };
	static const uint8_t lvl = 3;
	struct { uint8_t type, flags, txn, len; const uint8_t *p; } j[] = {
		{ PB_T_HEARTBEAT, 0, 0, 3, hb_short },
		{ PB_T_HEARTBEAT, 0, 0, 7, hb_dev },
		{ PB_T_HEARTBEAT, PB_F_RESPONSE, 0, 7, hb_dev },
		{ 0x6F, 0, 0, 0, NULL },
		{ PB_T_SET_LEVEL, PB_F_ACK_REQ, 200, 2, two },
		{ PB_T_SET_LEVEL, 0, 201, 1, &lvl },
		{ PB_T_SET_LEVEL, PB_F_ACK_REQ, 0, 1, &lvl },
		{ PB_T_LOG, 0, 0, 1, &lvl },
	};
	int k = h->njunk++ % (int)(sizeof j / sizeof j[0]);
	struct pb_frame_hdr hd = { PB_PROTO_VERSION, j[k].flags, h->seq++,
	    j[k].type, j[k].txn, j[k].len };
	uint8_t wire[PB_WIRE_MAX];
	int n = pb_frame_encode(&hd, j[k].p, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	pb_emu_rx(h->e, wire, (size_t)n);
}

/* Run the emulator for dt in 1 ms slices, draining its output. */
static void run(struct host *h, uint64_t dt)
{
	uint64_t end = h->t + dt;
	while (h->t < end) {
		uint64_t step = end - h->t < MS ? end - h->t : MS;
		h->t += step;
		pb_emu_advance(h->e, h->t);
		if (h->send_hb && h->t >= h->next_hb) {
			send_hb(h);
			h->next_hb = h->t + 250 * MS;
		}
		if (h->send_junk && h->t % (50 * MS) == 0)
			send_junk(h);
		drain(h);
	}
}

/* Send a command and run until its response arrives (<= 100 ms). */
static struct pb_response cmd(struct host *h, struct pb_msg *m)
{
	m->flags = PB_F_ACK_REQ;
	m->txn = (uint8_t)(++h->txn ? h->txn : ++h->txn);
	int before = h->nresp;
	host_send(h, m);
	for (int i = 0; i < 100 && h->nresp == before; i++)
		run(h, MS);
	ck_assert_int_eq(h->nresp, before + 1);
	ck_assert_uint_eq(h->resp_txn[before], m->txn);
	ck_assert_uint_eq(h->resp[before].req_type, m->type);
	return h->resp[before];
}

/* A command with a hand-made payload (values the encoder refuses): the
 * device must answer, whoever rejects it (codec or handler). */
static uint8_t cmd_raw(struct host *h, uint8_t type, const uint8_t *payload,
    uint8_t len)
{
	struct pb_frame_hdr hd = { PB_PROTO_VERSION, PB_F_ACK_REQ, h->seq++,
	    type, 0, len };
	uint8_t wire[PB_WIRE_MAX];
	hd.txn = (uint8_t)(++h->txn ? h->txn : ++h->txn);
	int n = pb_frame_encode(&hd, payload, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	int before = h->nresp;
	pb_emu_rx(h->e, wire, (size_t)n);
	h->last_tx_us = h->t;
	for (int i = 0; i < 100 && h->nresp == before; i++)
		run(h, MS);
	ck_assert_int_eq(h->nresp, before + 1);
	ck_assert_uint_eq(h->resp_txn[before], hd.txn);
	return h->resp[before].status;
}

static uint8_t cmd_raw_u8(struct host *h, uint8_t type, uint8_t v)
{
	return cmd_raw(h, type, &v, 1);
}

static uint8_t cmd_simple(struct host *h, uint8_t type)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = type;
	return cmd(h, &m).status;
}

static uint8_t cmd_u8(struct host *h, uint8_t type, uint8_t v)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = type;
	switch (type) {
	case PB_T_SET_MODE: m.u.mode = v; break;
	case PB_T_SET_LEVEL: m.u.level = v; break;
	case PB_T_SET_CHANNELS: m.u.channel_mask = v; break;
	case PB_T_READ_CAL: m.u.channel = v; break;
	default: ck_abort();
	}
	return cmd(h, &m).status;
}

static struct pb_response hello(struct host *h)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_HELLO;
	m.u.hello.proto_min = 1;
	m.u.hello.proto_max = 1;
	snprintf(m.u.hello.host, sizeof m.u.hello.host, "test");
	return cmd(h, &m);
}

static struct pb_profile prof_s10, prof_s21;

static void load_profiles(void)
{
	char err[256];
	ck_assert_msg(pb_profile_find(&prof_s10, "s10pro", err, sizeof err) ==
	    PB_PROFILE_OK, "%s", err);
	ck_assert_msg(pb_profile_find(&prof_s21, "s21", err, sizeof err) ==
	    PB_PROFILE_OK, "%s", err);
}

static void host_open(struct host *h, const struct pb_profile *p,
    const struct pb_emu_opts *o)
{
	char err[512] = "";
	memset(h, 0, sizeof *h);
	pb_decoder_init(&h->dec);
	h->last_dev_seq = -1;
	h->e = pb_emu_new(p, o, 0, err, sizeof err);
	ck_assert_msg(h->e != NULL, "pb_emu_new: %s", err);
	h->send_hb = true;
}

static void host_close(struct host *h)
{
	pb_emu_free(h->e);
	free(h->bytes);
	h->e = NULL;
}

static struct pb_emu_opts base_opts(void)
{
	struct pb_emu_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 42;
	o.serial = "T-0001";
	o.sensor_errors = false;
	return o;
}

static int count_events(const struct host *h, uint8_t kind, int code)
{
	int n = 0;
	for (int i = 0; i < h->nev; i++)
		if (h->ev[i].kind == kind && (code < 0 || h->ev[i].code == code))
			n++;
	return n;
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(hello_reports_device_info)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	run(&h, 10 * MS);
	ck_assert_int_eq(count_events(&h, PB_EV_BOOT, -1), 1);
	/* a calibrated pump boots without alarm noise */
	ck_assert_int_eq(count_events(&h, PB_EV_ALARM_RAISED, -1), 0);
	ck_assert_int_eq(count_events(&h, PB_EV_ALARM_CLEARED, -1), 0);
	struct pb_response r = hello(&h);
	ck_assert_uint_eq(r.status, PB_ST_OK);
	ck_assert_uint_eq(r.body_kind, PB_BODY_INFO);
	const struct pb_device_info *in = &r.body.info;
	ck_assert_uint_eq(in->proto_version, PB_PROTO_VERSION);
	ck_assert_str_eq(in->profile, "s10pro");
	ck_assert_str_eq(in->serial, "T-0001");
	ck_assert_str_eq(in->fw_version, prof_s10.firmware);
	ck_assert_uint_eq(in->channels, 2);
	ck_assert_uint_eq(in->levels, 12);
	ck_assert_uint_eq(in->modes, (1u << PB_MODE_STIMULATION) |
	    (1u << PB_MODE_EXPRESSION) | (1u << PB_MODE_MIXED));
	ck_assert_uint_eq(in->factory, 0);
	ck_assert_uint_eq(in->sample_rate_hz, prof_s10.sample_rate_hz);
	ck_assert_int_eq(in->max_target, (int)lround(prof_s10.max_target_mmhg * 10));
	ck_assert_int_eq(in->trip, (int)lround(prof_s10.trip_abs_mmhg * 10));
	ck_assert_uint_eq(in->cal_id, 0);   /* datasheet calibration */

	/* READ_INFO gives the same; a HELLO for another protocol is refused */
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_READ_INFO;
	struct pb_response r2 = cmd(&h, &m);
	ck_assert(memcmp(&r2.body.info, in, sizeof *in) == 0);
	memset(&m, 0, sizeof m);
	m.type = PB_T_HELLO;
	m.u.hello.proto_min = 2;
	m.u.hello.proto_max = 3;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_BAD_VALUE);
	host_close(&h);

	/* the single-channel wearable */
	host_open(&h, &prof_s21, &o);
	r = hello(&h);
	ck_assert_uint_eq(r.body.info.channels, 1);
	ck_assert_uint_eq(r.body.info.levels, 9);
	ck_assert_str_eq(r.body.info.profile, "s21");
	host_close(&h);
}
END_TEST

START_TEST(telemetry_consecutive_at_profile_rate)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	hello(&h);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	uint64_t s0 = h.samples;
	int t0 = h.ntel, hb0 = h.nhb;
	run(&h, 2 * S);
	ck_assert(!h.idx_gap);
	ck_assert_uint_eq(h.seq_gaps, 0);
	/* 1 kHz: 2000 samples per channel in 2 s, give or take one batch */
	uint64_t got = h.samples - s0;
	ck_assert_msg(got >= 1975 && got <= 2025, "samples %llu",
	    (unsigned long long)got);
	/* 20 per frame: 50 frames a second */
	int frames = h.ntel - t0;
	ck_assert_msg(frames >= 98 && frames <= 102, "frames %d", frames);
	ck_assert_uint_eq(h.last_tel.n, 20);
	ck_assert_uint_eq(h.last_tel.channels, 2);
	ck_assert_uint_eq(h.last_tel.run_state, PB_RS_RUNNING);
	/* device heartbeats at 4 Hz */
	ck_assert_int_ge(h.nhb - hb0, 7);
	ck_assert_int_le(h.nhb - hb0, 9);
	/* sample time and index agree: device_ms == index at 1 kHz */
	ck_assert_uint_eq(h.last_tel.device_ms, h.last_tel.first_sample);

	/* SET_RATE: 200 Hz, still consecutive */
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_RATE;
	m.u.rate_hz = 200;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
	s0 = h.samples;
	run(&h, S);
	ck_assert(!h.idx_gap);
	got = h.samples - s0;
	ck_assert_msg(got >= 195 && got <= 205, "samples %llu",
	    (unsigned long long)got);
	ck_assert_uint_eq(h.last_tel.n, 4);
	m.u.rate_hz = 5;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_BAD_VALUE);
	m.u.rate_hz = 60000;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_BAD_VALUE);
	memset(&m, 0, sizeof m);
	m.type = PB_T_READ_INFO;
	ck_assert_uint_eq(cmd(&h, &m).body.info.sample_rate_hz, 200);
	host_close(&h);
}
END_TEST

START_TEST(set_level_changes_target)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	hello(&h);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_MODE, PB_MODE_EXPRESSION),
	    PB_ST_OK);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_LEVEL, 3), PB_ST_OK);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	run(&h, 5 * S);
	int want3 = (int)lround(pb_profile_peak_mmhg(&prof_s10,
	    PB_MODE_EXPRESSION, 3) * 10);
	ck_assert_int_eq(h.last_tel.target, want3);
	ck_assert_uint_eq(h.last_tel.level, 3);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_LEVEL, 8), PB_ST_OK);
	run(&h, 6 * S);
	int want8 = (int)lround(pb_profile_peak_mmhg(&prof_s10,
	    PB_MODE_EXPRESSION, 8) * 10);
	ck_assert_uint_eq(h.last_tel.level, 8);
	ck_assert_int_eq(h.last_tel.target, want8);
	/* the measured peak follows (within the acceptance tolerance) */
	memset(h.max_sample, 0, sizeof h.max_sample);
	run(&h, 5 * S);
	ck_assert_msg(abs(h.max_sample[0] - want8) <= 200, "peak %d want %d",
	    h.max_sample[0], want8);
	/* out of range */
	ck_assert_uint_eq(cmd_raw_u8(&h, PB_T_SET_LEVEL, 0), PB_ST_BAD_VALUE);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_LEVEL, 13), PB_ST_BAD_VALUE);
	ck_assert_uint_eq(cmd_raw_u8(&h, PB_T_SET_MODE, 0), PB_ST_BAD_VALUE);
	ck_assert_uint_eq(cmd_raw_u8(&h, PB_T_SET_MODE, 4), PB_ST_BAD_VALUE);
	ck_assert_uint_eq(h.last_tel.level, 8);
	host_close(&h);
}
END_TEST

START_TEST(channels_only_where_allowed)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_CHANNELS, 0x3), PB_ST_OK);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_CHANNELS, 0x2), PB_ST_OK);
	ck_assert_uint_eq(cmd_raw_u8(&h, PB_T_SET_CHANNELS, 0x0),
	    PB_ST_BAD_VALUE);
	ck_assert_uint_eq(cmd_raw_u8(&h, PB_T_SET_CHANNELS, 0x4),
	    PB_ST_BAD_VALUE);
	host_close(&h);
	host_open(&h, &prof_s21, &o);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_CHANNELS, 0x1), PB_ST_OK);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_CHANNELS, 0x3), PB_ST_BAD_VALUE);
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_CHANNELS, 0x2), PB_ST_BAD_VALUE);
	/* a stimulation/expression level beyond the wearable's 9 */
	ck_assert_uint_eq(cmd_u8(&h, PB_T_SET_LEVEL, 10), PB_ST_BAD_VALUE);
	host_close(&h);
}
END_TEST

START_TEST(stop_vents)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	hello(&h);
	cmd_u8(&h, PB_T_SET_CHANNELS, 0x3);
	cmd_u8(&h, PB_T_SET_LEVEL, 10);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	/* stop in the middle of a pull: find vacuum first */
	for (int i = 0; i < 5000 && pb_emu_true_vacuum_mmhg(h.e, 0) < 80; i++)
		run(&h, MS);
	ck_assert(pb_emu_true_vacuum_mmhg(h.e, 0) >= 80);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_STOP), PB_ST_OK);
	run(&h, 10 * MS);
	ck_assert(!pb_emu_motor_on(h.e));
	ck_assert(pb_emu_valve_open(h.e, 0));
	ck_assert(pb_emu_valve_open(h.e, 1));
	run(&h, S);
	ck_assert_msg(pb_emu_true_vacuum_mmhg(h.e, 0) < 3.0, "vac %.1f",
	    pb_emu_true_vacuum_mmhg(h.e, 0));
	ck_assert(pb_emu_true_vacuum_mmhg(h.e, 1) < 3.0);
	struct pb_emu_status st;
	pb_emu_status(h.e, &st);
	ck_assert_uint_eq(st.run_state, PB_RS_IDLE);
	ck_assert_uint_eq(h.last_tel.run_state, PB_RS_IDLE);
	host_close(&h);
}
END_TEST

static void retry_case(unsigned defects, int want_exec)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	o.defects = defects;
	host_open(&h, &prof_s10, &o);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_RATE;
	m.u.rate_hz = 500;
	m.flags = PB_F_ACK_REQ;
	m.txn = 7;
	host_send(&h, &m);
	run(&h, 5 * MS);
	/* the host did not see the answer and retries the same txn */
	m.flags = PB_F_ACK_REQ | PB_F_RETRY;
	host_send(&h, &m);
	run(&h, 5 * MS);
	ck_assert_int_eq(h.nresp, 2);
	ck_assert_uint_eq(h.resp_txn[0], 7);
	ck_assert_uint_eq(h.resp_txn[1], 7);
	ck_assert_uint_eq(h.resp[1].status, PB_ST_OK);
	ck_assert_int_eq(count_str(h.logs, "sample rate 500 Hz"), want_exec);
	host_close(&h);
}

START_TEST(retried_command_runs_once)
{
	retry_case(0, 1);
}
END_TEST

START_TEST(defect_no_txn_dedup_runs_twice)
{
	retry_case(PB_DEF_NO_TXN_DEDUP, 2);
}
END_TEST

static void heartbeat_case(unsigned defects, bool junk)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	o.defects = defects;
	host_open(&h, &prof_s10, &o);
	hello(&h);
	cmd_u8(&h, PB_T_SET_CHANNELS, 3);
	cmd_u8(&h, PB_T_SET_LEVEL, 8);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	run(&h, 3 * S);
	ck_assert_uint_eq(h.last_tel.run_state, PB_RS_RUNNING);
	/* go silent in a pull, with vacuum on both channels */
	for (int i = 0; i < 5000 && !(pb_emu_motor_on(h.e) &&
	    pb_emu_true_vacuum_mmhg(h.e, 1) > 60); i++)
		run(&h, MS);
	ck_assert(pb_emu_true_vacuum_mmhg(h.e, 1) > 60);
	/* the host goes silent, or sends only frames that pass the CRC but
	 * are no valid heartbeat or command: both are silence */
	h.send_hb = false;
	uint64_t last = h.last_tx_us;
	h.send_junk = junk;
	run(&h, last + 1000 * MS + 20 * MS - h.t);
	struct pb_emu_status st;
	pb_emu_status(h.e, &st);
	if (defects & PB_DEF_NO_HEARTBEAT_SAFE) {
		run(&h, 2 * S);
		pb_emu_status(h.e, &st);
		ck_assert_uint_eq(st.run_state, PB_RS_RUNNING);
		ck_assert(pb_emu_motor_on(h.e) || !pb_emu_valve_open(h.e, 0) ||
		    st.phase != PB_PH_IDLE);
	} else {
		/* within 1 s of silence (+ one control tick): safe state */
		ck_assert(!pb_emu_motor_on(h.e));
		ck_assert(pb_emu_valve_open(h.e, 0));
		ck_assert(pb_emu_valve_open(h.e, 1));
		ck_assert(st.alarms & PB_AL_HEARTBEAT_LOST);
		ck_assert_uint_ne(st.run_state, PB_RS_RUNNING);
		ck_assert_int_ge(count_events(&h, PB_EV_ALARM_RAISED, 11), 1);
		/* and the vacuum is gone half a second later */
		run(&h, 500 * MS);
		ck_assert_msg(pb_emu_true_vacuum_mmhg(h.e, 0) < 5.0, "%.1f",
		    pb_emu_true_vacuum_mmhg(h.e, 0));
		ck_assert(pb_emu_true_vacuum_mmhg(h.e, 1) < 5.0);
		/* 2.5 s of it: still safe, the alarm stays, never resumed */
		run(&h, last + 2500 * MS - h.t);
		pb_emu_status(h.e, &st);
		ck_assert(st.alarms & PB_AL_HEARTBEAT_LOST);
		ck_assert_uint_eq(st.run_state, PB_RS_IDLE);
		ck_assert(!pb_emu_motor_on(h.e));
		ck_assert_int_eq(count_events(&h, PB_EV_ALARM_CLEARED, 11), 0);
		ck_assert_int_ge(count_events(&h, PB_EV_STATE, PB_RS_IDLE), 1);
		if (junk)
			ck_assert_int_ge(h.njunk, 45);
		/* a valid heartbeat clears the alarm; pumping does not resume */
		h.send_junk = false;
		send_hb(&h);
		run(&h, 20 * MS);
		pb_emu_status(h.e, &st);
		ck_assert(!(st.alarms & PB_AL_HEARTBEAT_LOST));
		ck_assert_int_eq(count_events(&h, PB_EV_ALARM_CLEARED, 11), 1);
		ck_assert_uint_eq(st.run_state, PB_RS_IDLE);
		/* the host can read what the device made of it all */
		struct pb_msg m;
		memset(&m, 0, sizeof m);
		m.type = PB_T_DEVICE_STATS;
		struct pb_response r = cmd(&h, &m);
		ck_assert_uint_eq(r.status, PB_ST_OK);
		ck_assert_uint_eq(r.body_kind, PB_BODY_STATS);
		const struct pb_device_stats *d = &r.body.stats;
		ck_assert_uint_eq(d->host_lost, 1);
		ck_assert_uint_eq(d->frames_ok, h.seq);
		ck_assert_uint_eq(d->frames_ok, d->heartbeats + d->commands +
		    d->dup_commands + d->ignored + d->unknown_type +
		    d->bad_header + d->bad_payload);
		if (junk) {
			/* 8 kinds in turn (send_junk) */
			ck_assert_uint_ge(d->ignored, 2u * (unsigned)h.njunk / 8);
			ck_assert_uint_ge(d->bad_payload,
			    3u * (unsigned)h.njunk / 8);
			ck_assert_uint_ge(d->bad_header,
			    2u * (unsigned)h.njunk / 8);
			ck_assert_uint_ge(d->unknown_type,
			    (unsigned)h.njunk / 8);
		} else {
			ck_assert_uint_eq(d->ignored + d->bad_payload +
			    d->bad_header + d->unknown_type, 0);
		}
	}
	host_close(&h);
}

START_TEST(heartbeat_loss_safe_state)
{
	heartbeat_case(0, false);
}
END_TEST

/* Safety regression: frames that pass the CRC but carry a malformed
 * payload or an unknown type kept the pump running (they fed the
 * watchdog). */
START_TEST(malformed_frames_are_no_heartbeat)
{
	heartbeat_case(0, true);
}
END_TEST

START_TEST(defect_no_heartbeat_safe_keeps_running)
{
	heartbeat_case(PB_DEF_NO_HEARTBEAT_SAFE, false);
}
END_TEST

/* ---- link budget: docs/protocol.md section 8 is a measurement ------------ */

struct budget_row {
	char prof[16];
	int ch, hz, n;          /* TELEMETRY rows; ch 0 for the HEARTBEAT row */
	int wire, fps, bps;
	int line;
};

/* Rows "| s10pro: TELEMETRY, 2 ch, 1000 Hz, 20 samples/batch | 30 + 80 =
 * 110 | 123 | 50 | 6150 | ..." and "| HEARTBEAT, each way | 7 | 20 | 4 |
 * 80 | ..." of section 8. */
static int load_budget(struct budget_row *rows, int max)
{
	FILE *f = fopen("docs/protocol.md", "r");
	ck_assert_msg(f != NULL, "docs/protocol.md (run from the repo root)");
	char line[512];
	int n = 0, lineno = 0, in8 = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (strncmp(line, "## ", 3) == 0)
			in8 = strncmp(line, "## 8.", 5) == 0;
		if (!in8 || strncmp(line, "| ", 2) != 0)
			continue;
		struct budget_row r;
		memset(&r, 0, sizeof r);
		r.line = lineno;
		if (sscanf(line, "| %15[a-z0-9]: TELEMETRY, %d ch, %d Hz, %d "
		    "samples/batch | %*[^|]| %d | %d | %d |", r.prof, &r.ch,
		    &r.hz, &r.n, &r.wire, &r.fps, &r.bps) == 7 ||
		    sscanf(line, "| HEARTBEAT, each way | %*d | %d | %d | %d |",
		    &r.wire, &r.fps, &r.bps) == 3) {
			ck_assert_int_lt(n, max);
			rows[n++] = r;
		}
	}
	fclose(f);
	return n;
}

/* Wire bytes and frames of one type in a device byte stream. */
struct type_count {
	uint8_t  type;
	unsigned frames, samples;
	size_t   bytes, min_len, max_len;
};

static void count_frame(void *ctx, const struct pb_frame_hdr *h,
    const uint8_t *payload)
{
	struct type_count *c = ctx;
	uint8_t wire[PB_WIRE_MAX];
	if (h->type != c->type)
		return;
	/* the frame's size on the wire (COBS has one encoding) */
	int n = pb_frame_encode(h, payload, wire, sizeof wire);
	ck_assert_int_gt(n, 0);
	size_t len = (size_t)n;
	c->frames++;
	c->bytes += len;
	if (len < c->min_len)
		c->min_len = len;
	if (len > c->max_len)
		c->max_len = len;
	if (h->type == PB_T_TELEMETRY)
		c->samples += payload[8];
}

static void count_type(const uint8_t *b, size_t n, struct type_count *c)
{
	pb_decoder dec;
	pb_decoder_init(&dec);
	c->frames = c->samples = 0;
	c->bytes = c->max_len = 0;
	c->min_len = (size_t)-1;
	/* (a first piece cut by the window fails its CRC: not counted) */
	pb_decoder_feed(&dec, b, n, count_frame, c);
}

START_TEST(link_budget_as_documented)
{
	struct budget_row rows[16];
	int nrows = load_budget(rows, 16);
	ck_assert_int_ge(nrows, 5);
	int tel_rows = 0, hb_rows = 0;
	for (int k = 0; k < nrows; k++) {
		const struct budget_row *r = &rows[k];
		const struct pb_profile *p = r->ch == 0 ||
		    strcmp(r->prof, "s10pro") == 0 ? &prof_s10 : &prof_s21;
		ck_assert_msg(r->ch == 0 || strcmp(r->prof, p->id) == 0,
		    "protocol.md:%d: unknown profile %s", r->line, r->prof);
		struct host h;
		struct pb_emu_opts o = base_opts();
		host_open(&h, p, &o);
		hello(&h);
		if (r->ch) {
			ck_assert_int_eq(r->ch, p->channels);
			struct pb_msg m;
			memset(&m, 0, sizeof m);
			m.type = PB_T_SET_RATE;
			m.u.rate_hz = (uint16_t)r->hz;
			ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
		}
		run(&h, S);
		h.nbytes = 0;
		run(&h, 10 * S);
		struct type_count c = { .type = r->ch ? PB_T_TELEMETRY :
		    PB_T_HEARTBEAT };
		count_type(h.bytes, h.nbytes, &c);
		unsigned frames = c.frames, samples = c.samples;
		size_t bytes = c.bytes, lo = c.min_len, hi = c.max_len;
		/* every frame the size the row gives; frames/s and bytes/s
		 * as given (the table rounds frames/s to whole frames) */
		ck_assert_msg(lo == (size_t)r->wire && hi == (size_t)r->wire,
		    "protocol.md:%d: frames of %zu..%zu bytes, not %d", r->line,
		    lo, hi, r->wire);
		ck_assert_msg(abs((int)frames - 10 * r->fps) <= 5,
		    "protocol.md:%d: %u frames in 10 s, not %d/s", r->line,
		    frames, r->fps);
		ck_assert_msg(fabs((double)bytes / 10.0 - r->bps) <=
		    0.01 * r->bps + r->wire, "protocol.md:%d: %.0f B/s, not %d",
		    r->line, (double)bytes / 10.0, r->bps);
		if (r->ch) {
			/* the window cuts a batch at each end */
			ck_assert_msg(abs((int)samples - 10 * r->hz) <= 2 * r->n,
			    "protocol.md:%d: %u samples in 10 s at %d Hz",
			    r->line, samples, r->hz);
			ck_assert_msg(frames * (unsigned)r->n == samples,
			    "protocol.md:%d: not %d samples a batch", r->line,
			    r->n);
			tel_rows++;
		} else {
			hb_rows++;
		}
		host_close(&h);
	}
	ck_assert_int_ge(tel_rows, 4);
	ck_assert_int_eq(hb_rows, 1);
}
END_TEST

static void overpressure_case(unsigned defects)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	o.defects = defects;
	host_open(&h, &prof_s10, &o);
	hello(&h);
	cmd_u8(&h, PB_T_SET_MODE, PB_MODE_EXPRESSION);
	cmd_u8(&h, PB_T_SET_LEVEL, 6);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	/* wait for a pull with the motor running */
	for (int i = 0; i < 10000 && !(pb_emu_motor_on(h.e) &&
	    pb_emu_true_vacuum_mmhg(h.e, 0) > 40); i++)
		run(&h, MS);
	ck_assert(pb_emu_motor_on(h.e));
	/* the HIL way: the inject relay drives the sensor input, ramping at
	 * 5000 mmHg/s (below the occlusion rate) up to 340 mmHg; the time
	 * is counted from crossing the absolute trip */
	struct pb_sensor_params sp;
	pb_plant_sensor_params(&prof_s10, &sp);
	double p = pb_emu_true_vacuum_mmhg(h.e, 0);
	uint64_t t0 = 0, vented_at = 0;
	for (int i = 0; i < 400; i++) {
		if (p < 340.0)
			p += 5.0;
		if (!t0 && p > prof_s10.trip_abs_mmhg)
			t0 = h.t;
		pb_emu_set_inject(h.e, 0, true, pb_sensor_nominal_volts(&sp, p));
		run(&h, MS);
		if (t0 && !vented_at && !pb_emu_motor_on(h.e) &&
		    pb_emu_valve_open(h.e, 0) && pb_emu_valve_open(h.e, 1))
			vented_at = h.t;
	}
	struct pb_emu_status st;
	pb_emu_status(h.e, &st);
	if (defects & PB_DEF_NO_OVERPRESSURE_TRIP) {
		ck_assert(!(st.alarms & PB_AL_OVERPRESSURE));
	} else {
		ck_assert_msg(vented_at && vented_at - t0 <= 100 * MS,
		    "vented after %lld us", (long long)(vented_at - t0));
		ck_assert_msg(st.alarms & PB_AL_OVERPRESSURE, "alarms 0x%x "
		    "state %u", st.alarms, st.run_state);
		ck_assert_uint_eq(st.run_state, PB_RS_FAULT);
		ck_assert_int_ge(count_events(&h, PB_EV_ALARM_RAISED, 0), 1);
		/* latched: START refused while the cause is there */
		ck_assert_uint_ne(cmd_simple(&h, PB_T_START), PB_ST_OK);
		pb_emu_set_inject(h.e, 0, false, 0);
		run(&h, 500 * MS);
		ck_assert_uint_eq(cmd_simple(&h, PB_T_CLEAR_FAULT), PB_ST_OK);
		ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	}
	host_close(&h);
}

START_TEST(overpressure_vents_within_100ms)
{
	overpressure_case(0);
}
END_TEST

START_TEST(defect_no_overpressure_trip)
{
	overpressure_case(PB_DEF_NO_OVERPRESSURE_TRIP);
}
END_TEST

START_TEST(cal_hold_limits)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_CAL_HOLD;
	m.u.hold.channel_mask = 1;
	m.u.hold.target = (int16_t)(prof_s10.max_target_mmhg * 10 + 1);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_LIMIT);
	/* negative target, channel 3 of 2: hand-made payloads */
	const uint8_t neg[3] = { 1, 0xFB, 0xFF };
	ck_assert_uint_eq(cmd_raw(&h, PB_T_CAL_HOLD, neg, 3), PB_ST_BAD_VALUE);
	const uint8_t ch3[3] = { 4, 0xE8, 0x03 };
	ck_assert_uint_eq(cmd_raw(&h, PB_T_CAL_HOLD, ch3, 3), PB_ST_BAD_VALUE);
	m.u.hold.channel_mask = 1;
	m.u.hold.target = 1500;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
	run(&h, 4 * S);
	/* the firmware's regulation is simcore's business; here: the hold
	 * is delegated and lands near the target on the right channel */
	ck_assert_msg(fabs(pb_emu_true_vacuum_mmhg(h.e, 0) - 150.0) < 10.0,
	    "hold at %.1f", pb_emu_true_vacuum_mmhg(h.e, 0));
	ck_assert(pb_emu_true_vacuum_mmhg(h.e, 1) < 3.0);
	struct pb_emu_status st;
	pb_emu_status(h.e, &st);
	ck_assert_uint_eq(st.run_state, PB_RS_CAL_HOLD);
	m.u.hold.target = 0;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
	run(&h, S);
	pb_emu_status(h.e, &st);
	ck_assert_uint_eq(st.run_state, PB_RS_IDLE);
	ck_assert(pb_emu_true_vacuum_mmhg(h.e, 0) < 3.0);
	host_close(&h);
}
END_TEST

START_TEST(inject_only_when_allowed)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_INJECT;
	m.u.inject.fault = PB_FLT_LEAK;
	m.u.inject.value = 200;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_UNKNOWN_CMD);
	host_close(&h);
	o.allow_inject = true;
	host_open(&h, &prof_s10, &o);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
	const uint8_t bad_fault[6] = { 99, 0, 1, 0, 0, 0 };
	ck_assert_uint_eq(cmd_raw(&h, PB_T_INJECT, bad_fault, 6),
	    PB_ST_BAD_VALUE);
	const uint8_t bad_ch[6] = { PB_FLT_LEAK, 5, 200, 0, 0, 0 };
	ck_assert_uint_eq(cmd_raw(&h, PB_T_INJECT, bad_ch, 6), PB_ST_BAD_VALUE);
	m.u.inject.fault = PB_FLT_LEAK;
	m.u.inject.channel = 1;
	m.u.inject.value = -5;   /* a negative leak */
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_BAD_VALUE);
	host_close(&h);
}
END_TEST

/* ---- factory access and EEPROM ------------------------------------------- */

static char tmpdir[64];
static const char *key_hex =
    "00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0\n";

static void mk_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pb-emu-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char c[128];
	snprintf(c, sizeof c, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(c), 0);
}

static void write_key(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq((int)write(fd, key_hex, strlen(key_hex)),
	    (int)strlen(key_hex));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static uint8_t unlock(struct host *h, const char *keypath, bool right)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_FACTORY_CHALLENGE;
	struct pb_response r = cmd(h, &m);
	if (r.status != PB_ST_OK)
		return r.status;
	ck_assert_uint_eq(r.body_kind, PB_BODY_NONCE);
	uint8_t key[64];
	size_t klen = 0;
	char err[256];
	ck_assert_int_eq(pb_station_load_key(keypath, key, &klen, err,
	    sizeof err), PB_STATION_OK);
	memset(&m, 0, sizeof m);
	m.type = PB_T_FACTORY_UNLOCK;
	ck_assert_int_eq(pb_station_answer(key, klen, r.body.nonce, m.u.mac), 0);
	if (!right)
		m.u.mac[0] ^= 0x80;
	return cmd(h, &m).status;
}

static struct pb_cal a_cal(int ch, uint32_t id)
{
	struct pb_sensor_params sp;
	struct pb_cal c;
	pb_plant_sensor_params(&prof_s10, &sp);
	pb_sensor_nominal_cal(&sp, ch, &c);
	c.c[0] += 1.5f;       /* a plausible correction */
	c.cal_id = id;
	c.date = 1790000000u;
	snprintf(c.station, sizeof c.station, "ST-TEST");
	return c;
}

START_TEST(factory_unlock_and_write_cal_survive_power_cut)
{
	mk_tmp();
	char keypath[128], eepath[128];
	snprintf(keypath, sizeof keypath, "%s/station.key", tmpdir);
	snprintf(eepath, sizeof eepath, "%s/ee.bin", tmpdir);
	write_key(keypath, 0600);
	struct host h;
	struct pb_emu_opts o = base_opts();
	o.factory_key_path = keypath;
	o.eeprom_path = eepath;
	host_open(&h, &prof_s10, &o);

	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_WRITE_CAL;
	m.u.cal = a_cal(0, 77);
	/* locked writes are refused */
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_LOCKED);
	struct pb_msg ms;
	memset(&ms, 0, sizeof ms);
	ms.type = PB_T_WRITE_SERIAL;
	snprintf(ms.u.serial, sizeof ms.u.serial, "NEW-SN");
	ck_assert_uint_eq(cmd(&h, &ms).status, PB_ST_LOCKED);

	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
	ck_assert_int_ge(count_events(&h, PB_EV_FACTORY, 1), 1);
	ck_assert_uint_eq(hello(&h).body.info.factory, 1);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
	ck_assert_uint_eq(cmd(&h, &ms).status, PB_ST_OK);
	/* a bad calibration is refused and changes nothing */
	struct pb_msg mb = m;
	mb.u.cal.c[1] = -mb.u.cal.c[1];
	mb.u.cal.cal_id = 78;
	ck_assert_uint_eq(cmd(&h, &mb).status, PB_ST_BAD_VALUE);

	struct pb_msg mr;
	memset(&mr, 0, sizeof mr);
	mr.type = PB_T_READ_CAL;
	mr.u.channel = 0;
	struct pb_response rc = cmd(&h, &mr);
	ck_assert_uint_eq(rc.status, PB_ST_OK);
	ck_assert_uint_eq(rc.body.cal.cal_id, 77);
	ck_assert(rc.body.cal.c[0] == m.u.cal.c[0]);

	/* power cut: volatile state gone, EEPROM kept */
	pb_emu_set_power(h.e, false);
	run(&h, 100 * MS);
	ck_assert_uint_eq(pb_emu_tx(h.e, (uint8_t[16]){0}, 16), 0);
	pb_emu_set_power(h.e, true);
	pb_decoder_init(&h.dec);
	h.last_dev_seq = -1;
	run(&h, 10 * MS);
	ck_assert_int_eq(count_events(&h, PB_EV_BOOT, -1), 2);
	rc = cmd(&h, &mr);
	ck_assert_uint_eq(rc.body.cal.cal_id, 77);
	struct pb_response info = hello(&h);
	ck_assert_str_eq(info.body.info.serial, "NEW-SN");
	ck_assert_uint_eq(info.body.info.cal_id, 77);
	ck_assert_uint_eq(info.body.info.factory, 0);
	m.u.cal.cal_id = 79;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_LOCKED);
	/* STOP ends factory mode too */
	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_STOP), PB_ST_OK);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_LOCKED);
	host_close(&h);

	/* a new process on the same file: calibration and serial are there */
	host_open(&h, &prof_s10, &o);
	rc = cmd(&h, &mr);
	ck_assert_uint_eq(rc.body.cal.cal_id, 77);
	info = hello(&h);
	ck_assert_str_eq(info.body.info.serial, "NEW-SN");
	host_close(&h);
	rm_tmp();
}
END_TEST

/* End to end: the supply fails after every possible number of EEPROM
 * bytes of a WRITE_CAL; after the brown-out the pump reads back either
 * the old calibration or the new one, never anything else. */
START_TEST(power_cut_at_every_byte_of_write_cal)
{
	mk_tmp();
	char keypath[128];
	snprintf(keypath, sizeof keypath, "%s/station.key", tmpdir);
	write_key(keypath, 0600);
	struct pb_emu_opts o = base_opts();
	o.factory_key_path = keypath;
	struct pb_cal neu = a_cal(0, 5);
	int n_old = 0, n_new = 0;
	for (long cut = 0; cut <= PB_EEPROM_REC_LEN; cut++) {
		struct host h;
		host_open(&h, &prof_s10, &o);
		struct pb_msg mr;
		memset(&mr, 0, sizeof mr);
		mr.type = PB_T_READ_CAL;
		struct pb_response old = cmd(&h, &mr);
		ck_assert_uint_eq(old.status, PB_ST_OK);
		ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
		pb_emu_eeprom_power_cut(h.e, cut);
		struct pb_msg m;
		memset(&m, 0, sizeof m);
		m.type = PB_T_WRITE_CAL;
		m.flags = PB_F_ACK_REQ;
		m.txn = 99;
		m.u.cal = neu;
		int before = h.nresp;
		host_send(&h, &m);
		pb_decoder_init(&h.dec);
		run(&h, 20 * MS);
		if (cut < PB_EEPROM_REC_LEN) {
			/* brown-out: no answer, a second boot */
			ck_assert_int_eq(h.nresp, before);
			ck_assert_int_eq(count_events(&h, PB_EV_BOOT, -1), 2);
		} else {
			ck_assert_int_eq(h.nresp, before + 1);
			ck_assert_uint_eq(h.resp[before].status, PB_ST_OK);
		}
		pb_emu_eeprom_power_cut(h.e, -1);
		struct pb_response now = cmd(&h, &mr);
		ck_assert_uint_eq(now.status, PB_ST_OK);
		bool is_old = memcmp(&now.body.cal, &old.body.cal,
		    sizeof now.body.cal) == 0;
		bool is_new = now.body.cal.cal_id == 5 &&
		    memcmp(now.body.cal.c, neu.c, sizeof neu.c) == 0;
		ck_assert_msg(is_old != is_new, "cut %ld: calibration is "
		    "neither old nor new (id %u)", cut,
		    (unsigned)now.body.cal.cal_id);
		if (cut == PB_EEPROM_REC_LEN)
			ck_assert(is_new);
		n_old += is_old;
		n_new += is_new;
		/* and the pump still works: it can pump */
		ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
		host_close(&h);
	}
	ck_assert_int_gt(n_old, 100);
	ck_assert_int_ge(n_new, 1);
	rm_tmp();
}
END_TEST

/* WRITE_CAL_ALL (docs/protocol.md 5.11): every channel in one message
 * and one EEPROM commit.  Refusals change nothing, also for the channel
 * that was fine; a channel outside the mask is left without calibration
 * (and stays so across a power cycle); factory mode is required. */
static struct pb_msg cal_set_msg(unsigned mask, uint32_t id)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_WRITE_CAL_ALL;
	m.u.cal_set.mask = (uint8_t)mask;
	for (int ch = 0; ch < PB_MAX_CH; ch++)
		if (mask & (1u << ch))
			m.u.cal_set.cal[ch] = a_cal(ch, id);
	return m;
}

static struct pb_response read_cal(struct host *h, int ch)
{
	struct pb_msg mr;
	memset(&mr, 0, sizeof mr);
	mr.type = PB_T_READ_CAL;
	mr.u.channel = (uint8_t)ch;
	return cmd(h, &mr);
}

START_TEST(write_cal_all_is_whole_or_nothing)
{
	mk_tmp();
	char keypath[128], eepath[128];
	snprintf(keypath, sizeof keypath, "%s/station.key", tmpdir);
	snprintf(eepath, sizeof eepath, "%s/ee.bin", tmpdir);
	write_key(keypath, 0600);
	struct host h;
	struct pb_emu_opts o = base_opts();
	o.factory_key_path = keypath;
	o.eeprom_path = eepath;
	host_open(&h, &prof_s10, &o);

	struct pb_msg m = cal_set_msg(3, 21);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_LOCKED);
	ck_assert_uint_eq(read_cal(&h, 0).body.cal.cal_id, 0);
	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
	for (int ch = 0; ch < 2; ch++) {
		struct pb_response r = read_cal(&h, ch);
		ck_assert_uint_eq(r.status, PB_ST_OK);
		ck_assert_uint_eq(r.body.cal.cal_id, 21);
		ck_assert(r.body.cal.c[0] == m.u.cal_set.cal[ch].c[0]);
	}
	ck_assert_uint_eq(hello(&h).body.info.cal_id, 21);
	ck_assert_ptr_nonnull(strstr(h.logs, "all channels at once"));

	/* channel B unusable: refused, and channel A is not written either */
	struct pb_msg bad = cal_set_msg(3, 22);
	bad.u.cal_set.cal[1].c[1] = -bad.u.cal_set.cal[1].c[1];
	ck_assert_uint_eq(cmd(&h, &bad).status, PB_ST_BAD_VALUE);
	ck_assert_uint_eq(read_cal(&h, 0).body.cal.cal_id, 21);
	ck_assert_uint_eq(read_cal(&h, 1).body.cal.cal_id, 21);

	/* mask 1 on a two-channel pump: channel B is left uncalibrated */
	struct pb_msg one = cal_set_msg(1, 23);
	ck_assert_uint_eq(cmd(&h, &one).status, PB_ST_OK);
	ck_assert_uint_eq(read_cal(&h, 0).body.cal.cal_id, 23);
	ck_assert_uint_eq(read_cal(&h, 1).status, PB_ST_STORAGE);
	run(&h, 50 * MS);
	ck_assert(h.last_tel.alarms & PB_AL_CAL_INVALID);
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_FAULT);
	host_close(&h);

	/* the file says the same after a restart; a whole set repairs it */
	host_open(&h, &prof_s10, &o);
	ck_assert_uint_eq(read_cal(&h, 0).body.cal.cal_id, 23);
	ck_assert_uint_eq(read_cal(&h, 1).status, PB_ST_STORAGE);
	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
	m = cal_set_msg(3, 24);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_OK);
	run(&h, 50 * MS);
	ck_assert(!(h.last_tel.alarms & PB_AL_CAL_INVALID));
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	host_close(&h);

	/* a channel the pump lacks: the one-channel s21 refuses mask 3 */
	o.eeprom_path = NULL;
	host_open(&h, &prof_s21, &o);
	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
	m = cal_set_msg(3, 25);
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_BAD_VALUE);
	ck_assert_uint_eq(read_cal(&h, 0).body.cal.cal_id, 0);
	host_close(&h);
	rm_tmp();
}
END_TEST

/* The supply fails after every possible number of EEPROM bytes of a
 * WRITE_CAL_ALL: after the brown-out both channels hold the old
 * calibration or both hold the new one. */
START_TEST(power_cut_at_every_byte_of_write_cal_all)
{
	mk_tmp();
	char keypath[128];
	snprintf(keypath, sizeof keypath, "%s/station.key", tmpdir);
	write_key(keypath, 0600);
	struct pb_emu_opts o = base_opts();
	o.factory_key_path = keypath;
	int n_old = 0, n_new = 0;
	for (long cut = 0; cut <= PB_EEPROM_REC_LEN; cut++) {
		struct host h;
		host_open(&h, &prof_s10, &o);
		ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
		pb_emu_eeprom_power_cut(h.e, cut);
		struct pb_msg m = cal_set_msg(3, 6);
		m.flags = PB_F_ACK_REQ;
		m.txn = 98;
		host_send(&h, &m);
		pb_decoder_init(&h.dec);
		run(&h, 20 * MS);
		pb_emu_eeprom_power_cut(h.e, -1);
		uint32_t id[2];
		for (int ch = 0; ch < 2; ch++) {
			struct pb_response r = read_cal(&h, ch);
			ck_assert_uint_eq(r.status, PB_ST_OK);
			id[ch] = r.body.cal.cal_id;
			ck_assert(id[ch] == 0 || memcmp(r.body.cal.c,
			    m.u.cal_set.cal[ch].c, sizeof r.body.cal.c) == 0);
		}
		ck_assert_msg(id[0] == id[1] && (id[0] == 0 || id[0] == 6),
		    "cut %ld: channel A id %u, channel B id %u", cut,
		    (unsigned)id[0], (unsigned)id[1]);
		n_old += id[0] == 0;
		n_new += id[0] == 6;
		host_close(&h);
	}
	ck_assert_int_gt(n_old, 100);
	ck_assert_int_ge(n_new, 1);
	rm_tmp();
}
END_TEST

/* Defect no-cal-crc: a write torn by a power cut is taken for the newest
 * record, so the pump boots with half a calibration; with the check the
 * old record stays in use. */
static void torn_write_case(unsigned defects)
{
	mk_tmp();
	char keypath[128];
	snprintf(keypath, sizeof keypath, "%s/station.key", tmpdir);
	write_key(keypath, 0600);
	struct pb_emu_opts o = base_opts();
	o.factory_key_path = keypath;
	o.defects = defects;
	struct host h;
	host_open(&h, &prof_s10, &o);
	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
	/* header, serial, flags and all of channel 0: channel 1 torn */
	pb_emu_eeprom_power_cut(h.e, 12 + 16 + 4 + 40 + 8);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_WRITE_CAL;
	m.flags = PB_F_ACK_REQ;
	m.txn = 42;
	m.u.cal = a_cal(0, 9);
	host_send(&h, &m);
	run(&h, 20 * MS);
	ck_assert_int_eq(count_events(&h, PB_EV_BOOT, -1), 2);
	pb_emu_eeprom_power_cut(h.e, -1);
	struct pb_msg mr;
	memset(&mr, 0, sizeof mr);
	mr.type = PB_T_READ_CAL;
	mr.u.channel = 0;
	struct pb_response r0 = cmd(&h, &mr);
	mr.u.channel = 1;
	struct pb_response r1 = cmd(&h, &mr);
	uint8_t start = cmd_simple(&h, PB_T_START);
	if (defects & PB_DEF_NO_CAL_CRC) {
		/* channel 0 from the torn record, channel 1 garbage */
		ck_assert_uint_eq(r0.body.cal.cal_id, 9);
		ck_assert_uint_ne(r1.status, PB_ST_OK);
		ck_assert_uint_ne(start, PB_ST_OK);
		ck_assert(h.last_tel.alarms & PB_AL_CAL_INVALID);
	} else {
		ck_assert_uint_eq(r0.status, PB_ST_OK);
		ck_assert_uint_eq(r0.body.cal.cal_id, 0);
		ck_assert_uint_eq(r1.status, PB_ST_OK);
		ck_assert_uint_eq(start, PB_ST_OK);
		ck_assert_ptr_nonnull(strstr(h.logs, "slot 1"));
	}
	host_close(&h);
	rm_tmp();
}

START_TEST(torn_write_keeps_old_record)
{
	torn_write_case(0);
}
END_TEST

START_TEST(defect_no_cal_crc_takes_torn_record)
{
	torn_write_case(PB_DEF_NO_CAL_CRC);
}
END_TEST

START_TEST(factory_wrong_answers_lock_out)
{
	mk_tmp();
	char keypath[128];
	snprintf(keypath, sizeof keypath, "%s/station.key", tmpdir);
	write_key(keypath, 0600);
	struct host h;
	struct pb_emu_opts o = base_opts();
	o.factory_key_path = keypath;
	host_open(&h, &prof_s10, &o);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(unlock(&h, keypath, false),
		    PB_ST_AUTH_FAILED);
	ck_assert_int_eq(count_events(&h, PB_EV_FACTORY, 2), 3);
	ck_assert_int_ge(count_events(&h, PB_EV_FACTORY, 3), 1);
	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_LOCKED_OUT);
	ck_assert_ptr_nonnull(strstr(h.logs, "locked out"));
	run(&h, 61 * S);
	ck_assert_uint_eq(unlock(&h, keypath, true), PB_ST_OK);
	host_close(&h);

	/* a key readable by others is refused at start with a message */
	chmod(keypath, 0644);
	char err[512] = "";
	ck_assert_ptr_null(pb_emu_new(&prof_s10, &o, 0, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, keypath));
	ck_assert_ptr_nonnull(strstr(err, "0644"));
	/* no key: factory access is impossible, not open */
	o.factory_key_path = NULL;
	host_open(&h, &prof_s10, &o);
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_FACTORY_CHALLENGE;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_NOT_PROVISIONED);
	memset(&m, 0, sizeof m);
	m.type = PB_T_FACTORY_UNLOCK;
	ck_assert_uint_eq(cmd(&h, &m).status, PB_ST_NOT_PROVISIONED);
	/* the status is for the key, not the run state: also while idle */
	ck_assert_uint_eq(h.last_tel.run_state, PB_RS_IDLE);
	host_close(&h);
	rm_tmp();
}
END_TEST

START_TEST(corrupt_eeprom_file_means_cal_invalid)
{
	mk_tmp();
	char eepath[128];
	snprintf(eepath, sizeof eepath, "%s/ee.bin", tmpdir);
	FILE *f = fopen(eepath, "wb");
	for (int i = 0; i < 1024; i++)
		fputc((i * 31) & 0xFF, f);
	fclose(f);
	struct host h;
	struct pb_emu_opts o = base_opts();
	o.eeprom_path = eepath;
	host_open(&h, &prof_s10, &o);
	run(&h, 20 * MS);
	ck_assert_ptr_nonnull(strstr(h.logs, "slot 0"));
	ck_assert_ptr_nonnull(strstr(h.logs, "no valid record"));
	ck_assert_uint_ne(cmd_simple(&h, PB_T_START), PB_ST_OK);
	ck_assert(h.last_tel.alarms & PB_AL_CAL_INVALID);
	/* reported once at boot, as raised */
	ck_assert_int_eq(count_events(&h, PB_EV_ALARM_RAISED, 12), 1);
	ck_assert_int_eq(count_events(&h, PB_EV_ALARM_CLEARED, 12), 0);
	host_close(&h);
	rm_tmp();
}
END_TEST

START_TEST(deterministic_bytes)
{
	struct host a, b;
	struct pb_emu_opts o = base_opts();
	o.sensor_errors = true;
	for (int k = 0; k < 2; k++) {
		struct host *h = k ? &b : &a;
		host_open(h, &prof_s10, &o);
		hello(h);
		cmd_u8(h, PB_T_SET_CHANNELS, 3);
		cmd_simple(h, PB_T_START);
		run(h, 2 * S);
		cmd_u8(h, PB_T_SET_LEVEL, 7);
		run(h, 2 * S);
		cmd_simple(h, PB_T_STOP);
		run(h, 500 * MS);
	}
	ck_assert_uint_gt(a.nbytes, 10000);
	ck_assert_uint_eq(a.nbytes, b.nbytes);
	ck_assert(memcmp(a.bytes, b.bytes, a.nbytes) == 0);
	host_close(&b);
	/* another seed: other sensor errors and noise, other bytes */
	o.seed = 43;
	host_open(&b, &prof_s10, &o);
	hello(&b);
	cmd_u8(&b, PB_T_SET_CHANNELS, 3);
	cmd_simple(&b, PB_T_START);
	run(&b, 2 * S);
	ck_assert(b.nbytes != a.nbytes ||
	    memcmp(a.bytes, b.bytes, a.nbytes) != 0);
	host_close(&a);
	host_close(&b);
}
END_TEST

START_TEST(power_pin_and_pins)
{
	struct host h;
	struct pb_emu_opts o = base_opts();
	host_open(&h, &prof_s10, &o);
	hello(&h);
	cmd_simple(&h, PB_T_START);
	run(&h, 2 * S);
	pb_emu_set_power(h.e, false);
	run(&h, 2 * S);
	struct pb_emu_status st;
	pb_emu_status(h.e, &st);
	ck_assert_uint_eq(st.run_state, PB_RS_OFF);
	ck_assert(!pb_emu_motor_on(h.e));
	ck_assert(pb_emu_valve_open(h.e, 0));
	ck_assert(!pb_emu_alarm_on(h.e));
	ck_assert(pb_emu_true_vacuum_mmhg(h.e, 0) < 3.0);
	/* commands to a dead device go nowhere */
	int before = h.nresp;
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_READ_INFO;
	m.flags = PB_F_ACK_REQ;
	m.txn = 200;
	host_send(&h, &m);
	run(&h, 50 * MS);
	ck_assert_int_eq(h.nresp, before);
	pb_emu_set_power(h.e, true);
	pb_decoder_init(&h.dec);
	h.last_dev_seq = -1;
	run(&h, 100 * MS);
	pb_emu_status(h.e, &st);
	ck_assert_uint_eq(st.run_state, PB_RS_IDLE);   /* not resumed */
	ck_assert_uint_eq(cmd_simple(&h, PB_T_START), PB_ST_OK);
	host_close(&h);
}
END_TEST

/* The real host client against the emulator over an in-memory link, both
 * in the same virtual time (as the HIL rig's simulated fixture runs). */
struct cl_obs {
	int done, ok;
	uint64_t samples, lost;
	int16_t peak;
	uint8_t last_state;
};

static void cl_tel(void *ctx, const struct pb_telemetry *t, uint32_t lost)
{
	struct cl_obs *o = ctx;
	o->samples += t->n;
	o->lost += lost;
	o->last_state = t->run_state;
	for (int i = 0; i < t->n; i++)
		if (t->samples[0][i] > o->peak)
			o->peak = t->samples[0][i];
}

static void cl_done(void *ctx, uint8_t txn, int status,
    const struct pb_response *r)
{
	struct cl_obs *o = ctx;
	(void)txn;
	(void)r;
	o->done++;
	o->ok += status == PB_CLIENT_OK;
}

static void lockstep(struct pb_emu *e, struct pb_client *c,
    struct pb_link *dev, uint64_t *t, uint64_t dt)
{
	uint8_t buf[4096];
	uint64_t end = *t + dt;
	while (*t < end) {
		*t += MS;
		pb_emu_advance(e, *t);
		ssize_t n;
		while ((n = pb_link_read(dev, buf, sizeof buf)) > 0)
			pb_emu_rx(e, buf, (size_t)n);
		size_t k;
		while ((k = pb_emu_tx(e, buf, sizeof buf)) > 0)
			ck_assert_int_eq((int)pb_link_write(dev, buf, k), (int)k);
		ck_assert_int_eq(pb_client_service(c, *t), PB_CLIENT_OK);
	}
}

START_TEST(real_client_in_lockstep)
{
	struct pb_link *host_side, *dev_side;
	ck_assert_int_eq(pb_link_mem_pair(&host_side, &dev_side), PB_LINK_OK);
	struct pb_emu_opts o = base_opts();
	char err[256];
	struct pb_emu *e = pb_emu_new(&prof_s10, &o, 0, err, sizeof err);
	ck_assert_ptr_nonnull(e);
	struct cl_obs ob;
	memset(&ob, 0, sizeof ob);
	struct pb_client_cb cb = { .ctx = &ob, .telemetry = cl_tel,
	    .done = cl_done };
	struct pb_client *c = pb_client_new(host_side, &cb);
	ck_assert_ptr_nonnull(c);
	uint64_t t = 0;
	ck_assert_int_gt(pb_client_hello(c, t), 0);
	lockstep(e, c, dev_side, &t, 50 * MS);
	ck_assert_ptr_nonnull(pb_client_info(c));
	ck_assert_str_eq(pb_client_info(c)->profile, "s10pro");
	ck_assert_int_gt(pb_client_set_channels(c, 3, t), 0);
	ck_assert_int_gt(pb_client_set_mode(c, PB_MODE_EXPRESSION, t), 0);
	ck_assert_int_gt(pb_client_set_level(c, 6, t), 0);
	ck_assert_int_gt(pb_client_start(c, t), 0);
	/* 20 s: heartbeats keep the device's watchdog quiet */
	lockstep(e, c, dev_side, &t, 20 * S);
	ck_assert_int_eq(ob.done, 5);
	ck_assert_int_eq(ob.ok, 5);
	ck_assert_uint_eq(ob.last_state, PB_RS_RUNNING);
	ck_assert_uint_eq(ob.lost, 0);
	ck_assert_uint_eq(pb_client_stats(c)->samples_lost, 0);
	ck_assert_uint_eq(pb_client_stats(c)->frames_lost, 0);
	ck_assert_uint_eq(pb_client_stats(c)->retries, 0);
	ck_assert(pb_client_stats(c)->link_up);
	ck_assert_msg(ob.samples >= 20000, "samples %llu",
	    (unsigned long long)ob.samples);
	double want = pb_profile_peak_mmhg(&prof_s10, PB_MODE_EXPRESSION, 6);
	ck_assert_msg(fabs(ob.peak / 10.0 - want) < 20.0, "peak %.1f want %.1f",
	    ob.peak / 10.0, want);
	/* the host safety rule holds against the emulator too */
	ck_assert_int_eq(pb_client_cal_hold(c, 1,
	    (int16_t)(prof_s10.max_target_mmhg * 10 + 10), t), PB_CLIENT_E_LIMIT);
	ck_assert_int_gt(pb_client_stop(c, t), 0);
	lockstep(e, c, dev_side, &t, S);
	ck_assert_uint_eq(ob.last_state, PB_RS_IDLE);
	pb_client_free(c);
	pb_link_close(dev_side);
	pb_emu_free(e);
}
END_TEST

static Suite *emulator_suite(void)
{
	Suite *s = suite_create("emulator");
	TCase *tc = tcase_create("protocol");
	tcase_add_unchecked_fixture(tc, load_profiles, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hello_reports_device_info);
	tcase_add_test(tc, telemetry_consecutive_at_profile_rate);
	tcase_add_test(tc, set_level_changes_target);
	tcase_add_test(tc, channels_only_where_allowed);
	tcase_add_test(tc, stop_vents);
	tcase_add_test(tc, retried_command_runs_once);
	tcase_add_test(tc, defect_no_txn_dedup_runs_twice);
	tcase_add_test(tc, heartbeat_loss_safe_state);
	tcase_add_test(tc, malformed_frames_are_no_heartbeat);
	tcase_add_test(tc, defect_no_heartbeat_safe_keeps_running);
	tcase_add_test(tc, overpressure_vents_within_100ms);
	tcase_add_test(tc, defect_no_overpressure_trip);
	tcase_add_test(tc, cal_hold_limits);
	tcase_add_test(tc, inject_only_when_allowed);
	tcase_add_test(tc, factory_unlock_and_write_cal_survive_power_cut);
	tcase_add_test(tc, power_cut_at_every_byte_of_write_cal);
	tcase_add_test(tc, write_cal_all_is_whole_or_nothing);
	tcase_add_test(tc, power_cut_at_every_byte_of_write_cal_all);
	tcase_add_test(tc, torn_write_keeps_old_record);
	tcase_add_test(tc, defect_no_cal_crc_takes_torn_record);
	tcase_add_test(tc, factory_wrong_answers_lock_out);
	tcase_add_test(tc, corrupt_eeprom_file_means_cal_invalid);
	tcase_add_test(tc, deterministic_bytes);
	tcase_add_test(tc, power_pin_and_pins);
	tcase_add_test(tc, real_client_in_lockstep);
	tcase_add_test(tc, link_budget_as_documented);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(emulator_suite)
