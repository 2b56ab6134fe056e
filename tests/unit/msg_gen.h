/*
 * tests/unit/msg_gen.h - seeded random VALID messages of every type and a
 * field-by-field comparison, shared by test_msg.c and test_frame.c.
 * (Header-only, static functions: the Makefile builds one binary per
 * tests/unit/test_*.c.)
 */
#ifndef PB_TESTS_MSG_GEN_H
#define PB_TESTS_MSG_GEN_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "proto/msg.h"

static const uint8_t gen_types[] = {
	PB_T_HELLO, PB_T_HEARTBEAT, PB_T_TELEMETRY, PB_T_EVENT, PB_T_LOG,
	PB_T_START, PB_T_STOP, PB_T_SET_MODE, PB_T_SET_LEVEL,
	PB_T_SET_CHANNELS, PB_T_SET_RATE, PB_T_CLEAR_FAULT, PB_T_READ_CAL,
	PB_T_WRITE_CAL, PB_T_READ_INFO, PB_T_FACTORY_CHALLENGE,
	PB_T_FACTORY_UNLOCK, PB_T_WRITE_SERIAL, PB_T_CAL_HOLD, PB_T_INJECT,
	PB_T_WRITE_CAL_ALL, PB_T_DEVICE_STATS, PB_T_RESPONSE
};
#define GEN_NTYPES (sizeof gen_types / sizeof gen_types[0])

struct gen_rng { uint64_t s; };

static inline uint32_t gen_u32(struct gen_rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 2685821657736338717ull) >> 32);
}

static inline unsigned gen_below(struct gen_rng *r, unsigned n)
{
	return n ? gen_u32(r) % n : 0;
}

static inline void gen_str(struct gen_rng *r, char *s, bool nonempty)
{
	unsigned n = gen_below(r, PB_STR_LEN);
	if (nonempty && n == 0)
		n = 1;
	memset(s, 0, PB_STR_LEN);
	for (unsigned i = 0; i < n; i++)
		s[i] = (char)(0x20 + gen_below(r, 0x5F));
}

static inline float gen_float(struct gen_rng *r)
{
	return (float)((int32_t)gen_u32(r)) / (float)(1u << gen_below(r, 31));
}

static inline void gen_cal(struct gen_rng *r, struct pb_cal *c)
{
	c->channel = (uint8_t)gen_below(r, PB_MAX_CH);
	c->order = (uint8_t)(1 + gen_below(r, 2));
	c->c[0] = gen_float(r);
	c->c[1] = gen_float(r);
	c->c[2] = c->order == 2 ? gen_float(r) : 0.0f;
	c->cal_id = gen_u32(r);
	c->date = gen_u32(r);
	gen_str(r, c->station, false);
}

static inline void gen_info(struct gen_rng *r, struct pb_device_info *i)
{
	i->proto_version = (uint8_t)(1 + gen_below(r, 255));
	gen_str(r, i->fw_version, false);
	gen_str(r, i->serial, false);
	gen_str(r, i->profile, false);
	i->channels = (uint8_t)(1 + gen_below(r, PB_MAX_CH));
	i->levels = (uint8_t)(1 + gen_below(r, 255));
	i->modes = (uint8_t)((1 + gen_below(r, 7)) << 1);
	i->factory = (uint8_t)gen_below(r, 2);
	i->sample_rate_hz = (uint16_t)(1 + gen_below(r, 65535));
	i->max_target = (int16_t)(1 + gen_below(r, 32000));
	i->trip = (int16_t)(i->max_target + gen_below(r,
	    (unsigned)(32767 - i->max_target) + 1));
	i->cal_id = gen_u32(r);
}

static inline void gen_stats(struct gen_rng *r, struct pb_device_stats *st)
{
	struct pb_device_stats x = {
		gen_u32(r), gen_u32(r), gen_u32(r), gen_u32(r), gen_u32(r),
		gen_u32(r), gen_u32(r), gen_u32(r), gen_u32(r), gen_u32(r),
		gen_u32(r), gen_u32(r), gen_u32(r), gen_u32(r), gen_u32(r),
		gen_u32(r)
	};
	*st = x;
}

/* A random valid message of the given type (header fields random too). */
static inline void gen_msg(struct gen_rng *r, uint8_t type, struct pb_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	m->seq = (uint16_t)gen_u32(r);
	if (pb_type_is_command(type)) {
		m->flags = (uint8_t)(PB_F_ACK_REQ |
		    (gen_below(r, 2) ? PB_F_RETRY : 0));
		m->txn = (uint8_t)gen_u32(r);
	} else if (type == PB_T_RESPONSE) {
		m->flags = PB_F_RESPONSE;
		m->txn = (uint8_t)gen_u32(r);
	}
	switch (type) {
	case PB_T_HELLO:
		m->u.hello.proto_min = (uint8_t)(1 + gen_below(r, 10));
		m->u.hello.proto_max = (uint8_t)(m->u.hello.proto_min +
		    gen_below(r, 10));
		gen_str(r, m->u.hello.host, false);
		break;
	case PB_T_HEARTBEAT:
		m->u.hb.time_ms = gen_u32(r);
		m->u.hb.run_state = (uint8_t)gen_below(r, PB_RS_OFF + 1);
		m->u.hb.alarms = (uint16_t)gen_below(r, 1u << PB_AL_COUNT);
		break;
	case PB_T_TELEMETRY: {
		struct pb_telemetry *t = &m->u.tel;
		t->channels = (uint8_t)(1 + gen_below(r, PB_MAX_CH));
		t->n = (uint8_t)(1 + gen_below(r,
		    PB_TEL_MAX_SAMPLES(t->channels)));
		t->first_sample = gen_u32(r);
		t->device_ms = gen_u32(r);
		t->mode = (uint8_t)(1 + gen_below(r, 3));
		t->level = (uint8_t)gen_u32(r);
		t->phase = (uint8_t)gen_below(r, PB_PH_REST + 1);
		t->run_state = (uint8_t)gen_below(r, PB_RS_OFF + 1);
		t->motor_duty = (uint8_t)gen_u32(r);
		t->valve = (uint8_t)gen_below(r, 1u << t->channels);
		t->channel_mask = (uint8_t)gen_below(r, 1u << t->channels);
		t->battery_mv = (uint16_t)gen_u32(r);
		t->alarms = (uint16_t)gen_below(r, 1u << PB_AL_COUNT);
		t->target = (int16_t)gen_u32(r);
		t->motor_ma = (uint16_t)gen_u32(r);
		for (unsigned c = 0; c < t->channels; c++) {
			t->raw[c] = (uint16_t)gen_u32(r);
			for (unsigned i = 0; i < t->n; i++)
				t->samples[c][i] = (int16_t)gen_u32(r);
		}
		break;
	}
	case PB_T_EVENT: {
		static const uint8_t codes_max[] = {
			0, PB_AL_COUNT - 1, PB_AL_COUNT - 1, PB_RS_OFF, 3, 0, 0,
			3
		};
		struct pb_event *e = &m->u.ev;
		e->device_ms = gen_u32(r);
		e->kind = (uint8_t)(1 + gen_below(r, 7));
		e->code = (uint8_t)gen_below(r, codes_max[e->kind] + 1u);
		if (e->kind == PB_EV_MODE)
			e->code = (uint8_t)(1 + gen_below(r, 3));
		e->channel = gen_below(r, 3) == 0 ? PB_CH_NONE :
		    (uint8_t)gen_below(r, PB_MAX_CH);
		e->value = (int32_t)gen_u32(r);
		break;
	}
	case PB_T_LOG:
		m->u.log.level = (uint8_t)gen_below(r, 4);
		m->u.log.len = (uint8_t)gen_below(r, PB_LOG_MAX + 1);
		for (unsigned i = 0; i < m->u.log.len; i++)
			m->u.log.text[i] = (char)(0x20 + gen_below(r, 0x5F));
		break;
	case PB_T_SET_MODE: m->u.mode = (uint8_t)(1 + gen_below(r, 3)); break;
	case PB_T_SET_LEVEL: m->u.level = (uint8_t)(1 + gen_below(r, 255));
		break;
	case PB_T_SET_CHANNELS:
		m->u.channel_mask = (uint8_t)(1 + gen_below(r,
		    (1u << PB_MAX_CH) - 1));
		break;
	case PB_T_SET_RATE: m->u.rate_hz = (uint16_t)(1 + gen_below(r, 65535));
		break;
	case PB_T_READ_CAL: m->u.channel = (uint8_t)gen_below(r, PB_MAX_CH);
		break;
	case PB_T_WRITE_CAL: gen_cal(r, &m->u.cal); break;
	case PB_T_WRITE_CAL_ALL:
		/* any mask, 0 (no calibration left) included */
		m->u.cal_set.mask = (uint8_t)gen_below(r, 1u << PB_MAX_CH);
		for (unsigned ch = 0; ch < PB_MAX_CH; ch++)
			if (m->u.cal_set.mask & (1u << ch)) {
				gen_cal(r, &m->u.cal_set.cal[ch]);
				m->u.cal_set.cal[ch].channel = (uint8_t)ch;
			}
		break;
	case PB_T_FACTORY_UNLOCK:
		for (unsigned i = 0; i < PB_MAC_LEN; i++)
			m->u.mac[i] = (uint8_t)gen_u32(r);
		break;
	case PB_T_WRITE_SERIAL: gen_str(r, m->u.serial, true); break;
	case PB_T_CAL_HOLD:
		m->u.hold.channel_mask = (uint8_t)(1 + gen_below(r,
		    (1u << PB_MAX_CH) - 1));
		m->u.hold.target = (int16_t)gen_below(r, 32768);
		break;
	case PB_T_INJECT:
		m->u.inject.fault = (uint8_t)gen_below(r,
		    PB_FLT_SENSOR_DRIFT + 1);
		m->u.inject.channel = gen_below(r, 3) == 0 ? PB_CH_NONE :
		    (uint8_t)gen_below(r, PB_MAX_CH);
		m->u.inject.value = (int32_t)gen_u32(r);
		break;
	case PB_T_RESPONSE: {
		struct pb_response *rs = &m->u.resp;
		static const uint8_t bodied[] = {
			PB_T_HELLO, PB_T_READ_INFO, PB_T_READ_CAL,
			PB_T_FACTORY_CHALLENGE, PB_T_DEVICE_STATS
		};
		if (gen_below(r, 2)) {
			rs->status = PB_ST_OK;
			rs->req_type = bodied[gen_below(r, sizeof bodied)];
		} else {
			rs->status = (uint8_t)gen_below(r, PB_ST_MAX + 1);
			do
				rs->req_type = gen_types[gen_below(r,
				    GEN_NTYPES)];
			while (!pb_type_is_command(rs->req_type));
			if (rs->status == PB_ST_UNKNOWN_CMD)
				rs->req_type = (uint8_t)gen_u32(r);
		}
		rs->body_kind = pb_response_body_kind(rs->req_type, rs->status);
		if (rs->body_kind == PB_BODY_INFO)
			gen_info(r, &rs->body.info);
		else if (rs->body_kind == PB_BODY_CAL)
			gen_cal(r, &rs->body.cal);
		else if (rs->body_kind == PB_BODY_NONCE)
			for (unsigned i = 0; i < PB_NONCE_LEN; i++)
				rs->body.nonce[i] = (uint8_t)gen_u32(r);
		else if (rs->body_kind == PB_BODY_STATS)
			gen_stats(r, &rs->body.stats);
		break;
	}
	default:
		break;
	}
}

static inline bool gen_cal_eq(const struct pb_cal *a, const struct pb_cal *b)
{
	return a->channel == b->channel && a->order == b->order &&
	    memcmp(a->c, b->c, sizeof a->c) == 0 && a->cal_id == b->cal_id &&
	    a->date == b->date && strcmp(a->station, b->station) == 0;
}

static inline bool gen_info_eq(const struct pb_device_info *a,
    const struct pb_device_info *b)
{
	return a->proto_version == b->proto_version &&
	    strcmp(a->fw_version, b->fw_version) == 0 &&
	    strcmp(a->serial, b->serial) == 0 &&
	    strcmp(a->profile, b->profile) == 0 &&
	    a->channels == b->channels && a->levels == b->levels &&
	    a->modes == b->modes && a->factory == b->factory &&
	    a->sample_rate_hz == b->sample_rate_hz &&
	    a->max_target == b->max_target && a->trip == b->trip &&
	    a->cal_id == b->cal_id;
}

/* Body fields equal (header fields are the frame's business). */
static inline bool gen_msg_eq(const struct pb_msg *a, const struct pb_msg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case PB_T_HELLO:
		return a->u.hello.proto_min == b->u.hello.proto_min &&
		    a->u.hello.proto_max == b->u.hello.proto_max &&
		    strcmp(a->u.hello.host, b->u.hello.host) == 0;
	case PB_T_HEARTBEAT:
		return a->u.hb.time_ms == b->u.hb.time_ms &&
		    a->u.hb.run_state == b->u.hb.run_state &&
		    a->u.hb.alarms == b->u.hb.alarms;
	case PB_T_TELEMETRY: {
		const struct pb_telemetry *x = &a->u.tel, *y = &b->u.tel;
		if (x->first_sample != y->first_sample ||
		    x->device_ms != y->device_ms || x->n != y->n ||
		    x->channels != y->channels || x->mode != y->mode ||
		    x->level != y->level || x->phase != y->phase ||
		    x->run_state != y->run_state ||
		    x->motor_duty != y->motor_duty || x->valve != y->valve ||
		    x->channel_mask != y->channel_mask ||
		    x->reserved != y->reserved ||
		    x->battery_mv != y->battery_mv || x->alarms != y->alarms ||
		    x->target != y->target || x->motor_ma != y->motor_ma)
			return false;
		for (unsigned c = 0; c < x->channels; c++) {
			if (x->raw[c] != y->raw[c])
				return false;
			for (unsigned i = 0; i < x->n; i++)
				if (x->samples[c][i] != y->samples[c][i])
					return false;
		}
		return true;
	}
	case PB_T_EVENT:
		return a->u.ev.device_ms == b->u.ev.device_ms &&
		    a->u.ev.kind == b->u.ev.kind &&
		    a->u.ev.code == b->u.ev.code &&
		    a->u.ev.channel == b->u.ev.channel &&
		    a->u.ev.value == b->u.ev.value;
	case PB_T_LOG:
		return a->u.log.level == b->u.log.level &&
		    a->u.log.len == b->u.log.len &&
		    memcmp(a->u.log.text, b->u.log.text, a->u.log.len) == 0;
	case PB_T_SET_MODE: return a->u.mode == b->u.mode;
	case PB_T_SET_LEVEL: return a->u.level == b->u.level;
	case PB_T_SET_CHANNELS: return a->u.channel_mask == b->u.channel_mask;
	case PB_T_SET_RATE: return a->u.rate_hz == b->u.rate_hz;
	case PB_T_READ_CAL: return a->u.channel == b->u.channel;
	case PB_T_WRITE_CAL: return gen_cal_eq(&a->u.cal, &b->u.cal);
	case PB_T_WRITE_CAL_ALL:
		if (a->u.cal_set.mask != b->u.cal_set.mask)
			return false;
		for (unsigned ch = 0; ch < PB_MAX_CH; ch++)
			if (!gen_cal_eq(&a->u.cal_set.cal[ch],
			    &b->u.cal_set.cal[ch]))
				return false;
		return true;
	case PB_T_FACTORY_UNLOCK:
		return memcmp(a->u.mac, b->u.mac, PB_MAC_LEN) == 0;
	case PB_T_WRITE_SERIAL: return strcmp(a->u.serial, b->u.serial) == 0;
	case PB_T_CAL_HOLD:
		return a->u.hold.channel_mask == b->u.hold.channel_mask &&
		    a->u.hold.target == b->u.hold.target;
	case PB_T_INJECT:
		return a->u.inject.fault == b->u.inject.fault &&
		    a->u.inject.channel == b->u.inject.channel &&
		    a->u.inject.value == b->u.inject.value;
	case PB_T_RESPONSE: {
		const struct pb_response *x = &a->u.resp, *y = &b->u.resp;
		if (x->status != y->status || x->req_type != y->req_type ||
		    x->body_kind != y->body_kind)
			return false;
		switch (x->body_kind) {
		case PB_BODY_INFO:
			return gen_info_eq(&x->body.info, &y->body.info);
		case PB_BODY_CAL: return gen_cal_eq(&x->body.cal, &y->body.cal);
		case PB_BODY_NONCE:
			return memcmp(x->body.nonce, y->body.nonce,
			    PB_NONCE_LEN) == 0;
		case PB_BODY_STATS:
			return memcmp(&x->body.stats, &y->body.stats,
			    sizeof x->body.stats) == 0;
		}
		return true;
	}
	default: /* empty commands */
		return true;
	}
}

#endif
