/*
 * tests/unit/vectors.h - the messages behind the test vectors in
 * docs/protocol.md ("Test vectors").  test_vectors.c encodes each with
 * pb_frame_encode_msg() and compares byte for byte with the document.
 */
#ifndef PB_TESTS_VECTORS_H
#define PB_TESTS_VECTORS_H

#include <string.h>
#include "proto/msg.h"

static void vec_hello(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_HELLO;
	m->flags = PB_F_ACK_REQ;
	m->seq = 0;
	m->txn = 1;
	m->u.hello.proto_min = 1;
	m->u.hello.proto_max = 1;
	strcpy(m->u.hello.host, "pumpbench");
}

static void vec_heartbeat_host(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_HEARTBEAT;
	m->seq = 1;
	m->u.hb.time_ms = 250;
}

static void vec_heartbeat_device(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_HEARTBEAT;
	m->seq = 0x1234;
	m->u.hb.time_ms = 123456;
	m->u.hb.run_state = PB_RS_RUNNING;
	m->u.hb.alarms = PB_AL_LEAK;
}

static void vec_response_info(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_RESPONSE;
	m->flags = PB_F_RESPONSE;
	m->seq = 1;
	m->txn = 1;
	m->u.resp.status = PB_ST_OK;
	m->u.resp.req_type = PB_T_HELLO;
	m->u.resp.body_kind = PB_BODY_INFO;
	struct pb_device_info *i = &m->u.resp.body.info;
	i->proto_version = 1;
	strcpy(i->fw_version, "1.4.2");
	strcpy(i->serial, "PB2026-000123");
	strcpy(i->profile, "s10pro");
	i->channels = 2;
	i->levels = 9;
	i->modes = (1 << PB_MODE_STIMULATION) | (1 << PB_MODE_EXPRESSION) |
	    (1 << PB_MODE_MIXED);
	i->factory = 0;
	i->sample_rate_hz = 100;
	i->max_target = 2500;
	i->trip = 3200;
	i->cal_id = 7;
}

static void vec_telemetry(struct pb_msg *m)
{
	static const int16_t s0[4] = { 1200, 1350, 1500, 1620 };
	static const int16_t s1[4] = { 1190, 1340, 1490, 1610 };
	memset(m, 0, sizeof *m);
	m->type = PB_T_TELEMETRY;
	m->seq = 2;
	struct pb_telemetry *t = &m->u.tel;
	t->first_sample = 1000;
	t->device_ms = 10000;
	t->n = 4;
	t->channels = 2;
	t->mode = PB_MODE_EXPRESSION;
	t->level = 5;
	t->phase = PB_PH_PULL;
	t->run_state = PB_RS_RUNNING;
	t->motor_duty = 180;
	t->valve = 0;
	t->channel_mask = 3;
	t->battery_mv = 3950;
	t->alarms = 0;
	t->target = 1800;
	t->motor_ma = 420;
	t->raw[0] = 21000;
	t->raw[1] = 20876;
	memcpy(t->samples[0], s0, sizeof s0);
	memcpy(t->samples[1], s1, sizeof s1);
}

static void vec_stop(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_STOP;
	m->flags = PB_F_ACK_REQ;
	m->seq = 7;
	m->txn = 5;
}

static void vec_stop_retry(struct pb_msg *m)
{
	vec_stop(m);
	m->flags = PB_F_ACK_REQ | PB_F_RETRY;
	m->seq = 8;
}

static void vec_response_stop(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_RESPONSE;
	m->flags = PB_F_RESPONSE;
	m->seq = 9;
	m->txn = 5;
	m->u.resp.status = PB_ST_OK;
	m->u.resp.req_type = PB_T_STOP;
}

static void vec_set_level(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_SET_LEVEL;
	m->flags = PB_F_ACK_REQ;
	m->seq = 10;
	m->txn = 6;
	m->u.level = 5;
}

static void vec_response_limit(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_RESPONSE;
	m->flags = PB_F_RESPONSE;
	m->seq = 11;
	m->txn = 7;
	m->u.resp.status = PB_ST_LIMIT;
	m->u.resp.req_type = PB_T_CAL_HOLD;
}

static void vec_event_alarm(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_EVENT;
	m->seq = 12;
	m->u.ev.device_ms = 61000;
	m->u.ev.kind = PB_EV_ALARM_RAISED;
	m->u.ev.code = 0;   /* bit index of PB_AL_OVERPRESSURE */
	m->u.ev.channel = 0;
	m->u.ev.value = 3250;
}

static void vec_log(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_LOG;
	m->seq = 13;
	m->u.log.level = 2;
	m->u.log.len = 7;
	strcpy(m->u.log.text, "boot ok");
}

static void vec_write_cal_all(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_WRITE_CAL_ALL;
	m->flags = PB_F_ACK_REQ;
	m->seq = 14;
	m->txn = 8;
	m->u.cal_set.mask = 3;
	for (int ch = 0; ch < 2; ch++) {
		struct pb_cal *c = &m->u.cal_set.cal[ch];
		c->channel = (uint8_t)ch;
		c->cal_id = 3;
		c->date = 1790000000u;
		strcpy(c->station, "line-3");
	}
	m->u.cal_set.cal[0].order = 2;
	m->u.cal_set.cal[0].c[0] = -116.5f;
	m->u.cal_set.cal[0].c[1] = 0.125f;
	m->u.cal_set.cal[0].c[2] = 0x1p-22f;
	m->u.cal_set.cal[1].order = 1;
	m->u.cal_set.cal[1].c[0] = -112.0f;
	m->u.cal_set.cal[1].c[1] = 0.1328125f;
}

static void vec_response_write_cal_all(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_RESPONSE;
	m->flags = PB_F_RESPONSE;
	m->seq = 15;
	m->txn = 8;
	m->u.resp.status = PB_ST_OK;
	m->u.resp.req_type = PB_T_WRITE_CAL_ALL;
}

struct vec_def {
	const char *name;
	void (*build)(struct pb_msg *m);
};

static void vec_device_stats(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_DEVICE_STATS;
	m->flags = PB_F_ACK_REQ;
	m->seq = 16;
	m->txn = 9;
}

static void vec_response_stats(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_RESPONSE;
	m->flags = PB_F_RESPONSE;
	m->seq = 17;
	m->txn = 9;
	m->u.resp.status = PB_ST_OK;
	m->u.resp.req_type = PB_T_DEVICE_STATS;
	m->u.resp.body_kind = PB_BODY_STATS;
	struct pb_device_stats *d = &m->u.resp.body.stats;
	d->frames_ok = 1234;
	d->heartbeats = 1200;
	d->commands = 20;
	d->dup_commands = 2;
	d->ignored = 1;
	d->unknown_type = 3;
	d->bad_header = 0;
	d->bad_payload = 8;
	d->cobs_errors = 4;
	d->length_errors = 1;
	d->oversize = 0;
	d->crc_errors = 7;
	d->version_errors = 0;
	d->frames_lost = 5;
	d->out_dropped = 0;
	d->host_lost = 1;
}

static void vec_response_not_provisioned(struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = PB_T_RESPONSE;
	m->flags = PB_F_RESPONSE;
	m->seq = 18;
	m->txn = 10;
	m->u.resp.status = PB_ST_NOT_PROVISIONED;
	m->u.resp.req_type = PB_T_FACTORY_CHALLENGE;
}

static const struct vec_def vec_defs[] = {
	{ "hello", vec_hello },
	{ "heartbeat_host", vec_heartbeat_host },
	{ "heartbeat_device", vec_heartbeat_device },
	{ "response_info", vec_response_info },
	{ "telemetry", vec_telemetry },
	{ "stop", vec_stop },
	{ "stop_retry", vec_stop_retry },
	{ "response_stop", vec_response_stop },
	{ "set_level", vec_set_level },
	{ "response_limit", vec_response_limit },
	{ "event_alarm", vec_event_alarm },
	{ "log", vec_log },
	{ "write_cal_all", vec_write_cal_all },
	{ "response_write_cal_all", vec_response_write_cal_all },
	{ "device_stats", vec_device_stats },
	{ "response_stats", vec_response_stats },
	{ "response_not_provisioned", vec_response_not_provisioned },
};
#define VEC_COUNT (sizeof vec_defs / sizeof vec_defs[0])

#endif
