/*
 * tests/unit/test_msg.c - message codecs: round trips of every type
 * (seeded random, many iterations), exact byte layouts, strict length and
 * value validation, response body derivation, names.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "tests/lib/check_main.h"
#include "tests/unit/msg_gen.h"

static size_t enc(const struct pb_msg *m, uint8_t *buf)
{
	size_t len = 0;
	int rc = pb_msg_encode(m, buf, PB_MAX_PAYLOAD, &len);
	ck_assert_msg(rc == PB_MSG_OK, "encode %s: %s", pb_type_name(m->type),
	    pb_msg_strerror(rc));
	return len;
}

static int dec(uint8_t type, const uint8_t *buf, size_t len)
{
	struct pb_msg m;
	return pb_msg_decode(type, 0, buf, len, &m);
}

START_TEST(round_trip_every_type)
{
	struct gen_rng r = { 0x9E3779B97F4A7C15ull };
	for (size_t t = 0; t < GEN_NTYPES; t++)
		for (int it = 0; it < 3000; it++) {
			struct pb_msg a, b;
			uint8_t buf[PB_MAX_PAYLOAD], buf2[PB_MAX_PAYLOAD];
			gen_msg(&r, gen_types[t], &a);
			size_t len = enc(&a, buf);
			ck_assert_uint_le(len, PB_MAX_PAYLOAD);
			int rc = pb_msg_decode(a.type, a.flags, buf, len, &b);
			ck_assert_msg(rc == PB_MSG_OK, "decode %s it %d: %s",
			    pb_type_name(a.type), it, pb_msg_strerror(rc));
			ck_assert_uint_eq(b.type, a.type);
			ck_assert_uint_eq(b.flags, a.flags);
			ck_assert_msg(gen_msg_eq(&a, &b), "%s it %d differs",
			    pb_type_name(a.type), it);
			/* canonical: re-encoding gives the same bytes */
			ck_assert_uint_eq(enc(&b, buf2), len);
			ck_assert_mem_eq(buf, buf2, len);
			/* a byte more or less never decodes (LOG text is
			 * variable, so only "more than the maximum" there) */
			if (a.type != PB_T_LOG) {
				if (len < PB_MAX_PAYLOAD) {
					buf[len] = 0;
					ck_assert_int_ne(dec(a.type, buf,
					    len + 1), PB_MSG_OK);
				}
				if (len > 0)
					ck_assert_int_ne(dec(a.type, buf,
					    len - 1), PB_MSG_OK);
			}
		}
}
END_TEST

START_TEST(payload_lengths)
{
	struct gen_rng r = { 42 };
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	static const struct { uint8_t type; size_t len; } fixed[] = {
		{ PB_T_HELLO, 18 }, { PB_T_HEARTBEAT, 7 }, { PB_T_EVENT, 11 },
		{ PB_T_START, 0 }, { PB_T_STOP, 0 }, { PB_T_SET_MODE, 1 },
		{ PB_T_SET_LEVEL, 1 }, { PB_T_SET_CHANNELS, 1 },
		{ PB_T_SET_RATE, 2 }, { PB_T_CLEAR_FAULT, 0 },
		{ PB_T_READ_CAL, 1 }, { PB_T_WRITE_CAL, 38 },
		{ PB_T_READ_INFO, 0 }, { PB_T_FACTORY_CHALLENGE, 0 },
		{ PB_T_FACTORY_UNLOCK, 32 }, { PB_T_WRITE_SERIAL, 16 },
		{ PB_T_CAL_HOLD, 3 }, { PB_T_INJECT, 6 },
		{ PB_T_WRITE_CAL_ALL, 78 },
		{ PB_T_DEVICE_STATS, 0 }
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		gen_msg(&r, fixed[i].type, &m);
		ck_assert_msg(enc(&m, buf) == fixed[i].len, "%s",
		    pb_type_name(fixed[i].type));
	}
	ck_assert_int_eq(PB_TEL_HDR_LEN(1), 28);
	ck_assert_int_eq(PB_TEL_HDR_LEN(2), 30);
	ck_assert_int_eq(PB_TEL_MAX_SAMPLES(1), 106);
	ck_assert_int_eq(PB_TEL_MAX_SAMPLES(2), 52);
	for (int it = 0; it < 500; it++) {
		gen_msg(&r, PB_T_TELEMETRY, &m);
		ck_assert_uint_eq(enc(&m, buf), (size_t)PB_TEL_HDR_LEN(
		    m.u.tel.channels) + 2u * m.u.tel.n * m.u.tel.channels);
		gen_msg(&r, PB_T_LOG, &m);
		ck_assert_uint_eq(enc(&m, buf), 1u + m.u.log.len);
		gen_msg(&r, PB_T_RESPONSE, &m);
		size_t want = 2;
		switch (m.u.resp.body_kind) {
		case PB_BODY_INFO: want += 63; break;
		case PB_BODY_CAL: want += 38; break;
		case PB_BODY_NONCE: want += 16; break;
		case PB_BODY_STATS: want += 64; break;
		}
		ck_assert_uint_eq(enc(&m, buf), want);
	}
}
END_TEST

START_TEST(layout_heartbeat_event_hold)
{
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	memset(&m, 0, sizeof m);
	m.type = PB_T_HEARTBEAT;
	m.u.hb.time_ms = 0x04030201;
	m.u.hb.run_state = PB_RS_RUNNING;
	m.u.hb.alarms = PB_AL_LEAK | PB_AL_BATTERY_LOW;
	ck_assert_uint_eq(enc(&m, buf), 7);
	ck_assert_mem_eq(buf, "\x01\x02\x03\x04\x01\x04\x02", 7);

	memset(&m, 0, sizeof m);
	m.type = PB_T_EVENT;
	m.u.ev.device_ms = 1000;
	m.u.ev.kind = PB_EV_ALARM_RAISED;
	m.u.ev.code = 4;
	m.u.ev.channel = 1;
	m.u.ev.value = -2;
	ck_assert_uint_eq(enc(&m, buf), 11);
	ck_assert_mem_eq(buf, "\xe8\x03\x00\x00\x01\x04\x01\xfe\xff\xff\xff",
	    11);

	memset(&m, 0, sizeof m);
	m.type = PB_T_CAL_HOLD;
	m.u.hold.channel_mask = 3;
	m.u.hold.target = 2500;
	ck_assert_uint_eq(enc(&m, buf), 3);
	ck_assert_mem_eq(buf, "\x03\xc4\x09", 3);

	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_RATE;
	m.u.rate_hz = 0x1234;
	ck_assert_uint_eq(enc(&m, buf), 2);
	ck_assert_mem_eq(buf, "\x34\x12", 2);
}
END_TEST

START_TEST(layout_telemetry)
{
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	memset(&m, 0, sizeof m);
	m.type = PB_T_TELEMETRY;
	struct pb_telemetry *t = &m.u.tel;
	t->first_sample = 0x11223344;
	t->device_ms = 0x55667788;
	t->n = 2;
	t->channels = 2;
	t->mode = PB_MODE_EXPRESSION;
	t->level = 5;
	t->phase = PB_PH_HOLD;
	t->run_state = PB_RS_RUNNING;
	t->motor_duty = 200;
	t->valve = 2;
	t->channel_mask = 3;
	t->battery_mv = 3700;
	t->alarms = 0;
	t->target = 1500;
	t->motor_ma = 350;
	t->raw[0] = 0x0A0B;
	t->raw[1] = 0x0C0D;
	t->samples[0][0] = 100;
	t->samples[1][0] = -1;
	t->samples[0][1] = 200;
	t->samples[1][1] = 300;
	static const uint8_t want[] = {
		0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, /* index, ms */
		2, 2, 2, 5, 2, 1, 200, 2, 3, 0,   /* n ch mode lvl ph rs duty.. */
		0x74, 0x0e, 0x00, 0x00, 0xdc, 0x05, 0x5e, 0x01, /* batt al tgt mA */
		0x0b, 0x0a, 0x0d, 0x0c,            /* raw[0], raw[1] */
		100, 0, 0xff, 0xff, 200, 0, 0x2c, 0x01 /* s0c0 s0c1 s1c0 s1c1 */
	};
	ck_assert_uint_eq(enc(&m, buf), sizeof want);
	ck_assert_mem_eq(buf, want, sizeof want);
}
END_TEST

START_TEST(layout_info_and_cal)
{
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	memset(&m, 0, sizeof m);
	m.type = PB_T_RESPONSE;
	m.u.resp.status = PB_ST_OK;
	m.u.resp.req_type = PB_T_READ_INFO;
	struct pb_device_info *i = &m.u.resp.body.info;
	i->proto_version = 1;
	strcpy(i->fw_version, "1.2.3");
	strcpy(i->serial, "SN1");
	strcpy(i->profile, "s10pro");
	i->channels = 2;
	i->levels = 10;
	i->modes = 0x0E;
	i->factory = 0;
	i->sample_rate_hz = 100;
	i->max_target = 2800;
	i->trip = 3300;
	i->cal_id = 7;
	ck_assert_uint_eq(enc(&m, buf), 65);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[1], PB_T_READ_INFO);
	ck_assert_uint_eq(buf[2], 1);
	ck_assert_mem_eq(buf + 3, "1.2.3\0\0\0\0\0\0\0\0\0\0\0", 16);
	ck_assert_mem_eq(buf + 19, "SN1\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	ck_assert_mem_eq(buf + 35, "s10pro\0\0\0\0\0\0\0\0\0\0", 16);
	ck_assert_mem_eq(buf + 51, "\x02\x0a\x0e\x00\x64\x00\xf0\x0a\xe4\x0c"
	    "\x07\x00\x00\x00", 14);

	memset(&m, 0, sizeof m);
	m.type = PB_T_WRITE_CAL;
	m.u.cal.channel = 1;
	m.u.cal.order = 1;
	m.u.cal.c[0] = -1.5f;   /* 0xBFC00000 */
	m.u.cal.c[1] = 0.25f;   /* 0x3E800000 */
	m.u.cal.cal_id = 9;
	m.u.cal.date = 0x65000000;
	strcpy(m.u.cal.station, "bench-3");
	ck_assert_uint_eq(enc(&m, buf), 38);
	ck_assert_mem_eq(buf, "\x01\x01\x00\x00\xc0\xbf\x00\x00\x80\x3e"
	    "\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x65"
	    "bench-3\0\0\0\0\0\0\0\0\0", 38);
}
END_TEST

/* Encode a valid message, corrupt one byte, expect decode to refuse. */
static void expect_bad(const struct pb_msg *m, size_t at, uint8_t val,
    int want, const char *what)
{
	uint8_t buf[PB_MAX_PAYLOAD];
	size_t len = enc(m, buf);
	ck_assert_uint_lt(at, len);
	buf[at] = val;
	int rc = dec(m->type, buf, len);
	ck_assert_msg(rc == want, "%s: got %d (%s), want %d", what, rc,
	    pb_msg_strerror(rc), want);
}

START_TEST(telemetry_validation)
{
	struct gen_rng r = { 7 };
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	gen_msg(&r, PB_T_TELEMETRY, &m);
	m.u.tel.channels = 2;
	m.u.tel.n = 10;
	m.u.tel.valve = 0;
	m.u.tel.channel_mask = 0;
	expect_bad(&m, 9, 0, PB_MSG_E_VALUE, "0 channels");
	expect_bad(&m, 9, 3, PB_MSG_E_VALUE, "3 channels");
	expect_bad(&m, 9, 1, PB_MSG_E_LENGTH, "1 channel, 2-channel length");
	expect_bad(&m, 8, 0, PB_MSG_E_VALUE, "0 samples");
	expect_bad(&m, 8, 53, PB_MSG_E_VALUE, "53 samples (max 52)");
	expect_bad(&m, 8, 11, PB_MSG_E_LENGTH, "n disagrees with length");
	expect_bad(&m, 10, 0, PB_MSG_E_VALUE, "mode 0");
	expect_bad(&m, 10, 4, PB_MSG_E_VALUE, "mode 4");
	expect_bad(&m, 12, 5, PB_MSG_E_VALUE, "phase 5");
	expect_bad(&m, 13, 5, PB_MSG_E_VALUE, "run state 5");
	expect_bad(&m, 15, 4, PB_MSG_E_VALUE, "valve of channel 2");
	expect_bad(&m, 16, 4, PB_MSG_E_VALUE, "mask of channel 2");
	expect_bad(&m, 17, 1, PB_MSG_E_VALUE, "reserved byte");
	expect_bad(&m, 21, 0x40, PB_MSG_E_VALUE, "alarm bit 14");
	/* encode refuses the same things */
	size_t len;
	m.u.tel.n = 53;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	m.u.tel.n = 52;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len), PB_MSG_OK);
	ck_assert_uint_eq(len, 238);
	m.u.tel.channels = 1;
	m.u.tel.n = 106;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len), PB_MSG_OK);
	ck_assert_uint_eq(len, 240);
	m.u.tel.n = 107;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	m.u.tel.n = 1;
	m.u.tel.valve = 2;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	/* too short for even the header */
	ck_assert_int_eq(dec(PB_T_TELEMETRY, buf, 27), PB_MSG_E_LENGTH);
	ck_assert_int_eq(dec(PB_T_TELEMETRY, buf, 0), PB_MSG_E_LENGTH);
}
END_TEST

START_TEST(string_validation)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_HELLO;
	m.u.hello.proto_min = 1;
	m.u.hello.proto_max = 2;
	strcpy(m.u.hello.host, "abc");
	expect_bad(&m, 5, 'x', PB_MSG_OK, "one more char is fine");
	expect_bad(&m, 10, 'x', PB_MSG_E_VALUE, "garbage after NUL");
	expect_bad(&m, 3, 0x07, PB_MSG_E_VALUE, "control char");
	expect_bad(&m, 3, 0x80, PB_MSG_E_VALUE, "non-ASCII");
	expect_bad(&m, 0, 0, PB_MSG_E_VALUE, "proto_min 0");
	expect_bad(&m, 0, 3, PB_MSG_E_VALUE, "proto_min > proto_max");
	/* 16 chars leave no terminator */
	uint8_t buf[18] = { 1, 1 };
	memset(buf + 2, 'a', 16);
	ck_assert_int_eq(dec(PB_T_HELLO, buf, 18), PB_MSG_E_VALUE);
	buf[17] = 0;
	struct pb_msg d;
	ck_assert_int_eq(pb_msg_decode(PB_T_HELLO, 0, buf, 18, &d), PB_MSG_OK);
	ck_assert_uint_eq(strlen(d.u.hello.host), 15);
	/* encode: a 16-char (unterminated) string is refused */
	memcpy(m.u.hello.host, "0123456789abcdef", 16);
	size_t len;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	/* WRITE_SERIAL must not be empty */
	memset(&m, 0, sizeof m);
	m.type = PB_T_WRITE_SERIAL;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	memset(buf, 0, 16);
	ck_assert_int_eq(dec(PB_T_WRITE_SERIAL, buf, 16), PB_MSG_E_VALUE);
	strcpy(m.u.serial, "PB-0001");
	expect_bad(&m, 0, 'Q', PB_MSG_OK, "serial char");
}
END_TEST

START_TEST(log_validation)
{
	struct pb_msg m, d;
	uint8_t buf[PB_MAX_PAYLOAD + 1];
	size_t len;
	memset(&m, 0, sizeof m);
	m.type = PB_T_LOG;
	m.u.log.level = 2;
	m.u.log.len = PB_LOG_MAX;
	memset(m.u.log.text, 'z', PB_LOG_MAX);
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len), PB_MSG_OK);
	ck_assert_uint_eq(len, PB_MAX_PAYLOAD);
	ck_assert_int_eq(pb_msg_decode(PB_T_LOG, 0, buf, len, &d), PB_MSG_OK);
	ck_assert_uint_eq(d.u.log.len, PB_LOG_MAX);
	ck_assert_uint_eq(strlen(d.u.log.text), PB_LOG_MAX);
	ck_assert_int_eq(dec(PB_T_LOG, buf, 0), PB_MSG_E_LENGTH);
	ck_assert_int_eq(dec(PB_T_LOG, buf, 1), PB_MSG_OK);  /* empty text */
	buf[240] = 'z';
	ck_assert_int_eq(dec(PB_T_LOG, buf, 241), PB_MSG_E_LENGTH);
	expect_bad(&m, 0, 4, PB_MSG_E_VALUE, "level 4");
	expect_bad(&m, 9, 0, PB_MSG_E_VALUE, "NUL inside text");
	expect_bad(&m, 9, '\n', PB_MSG_E_VALUE, "newline inside text");
	m.u.log.len = PB_LOG_MAX + 1;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
}
END_TEST

START_TEST(command_validation)
{
	uint8_t b[40] = { 0 };
	ck_assert_int_eq(dec(PB_T_START, b, 1), PB_MSG_E_LENGTH);
	ck_assert_int_eq(dec(PB_T_START, b, 0), PB_MSG_OK);
	ck_assert_int_eq(dec(PB_T_STOP, NULL, 0), PB_MSG_OK);
	b[0] = 0; ck_assert_int_eq(dec(PB_T_SET_MODE, b, 1), PB_MSG_E_VALUE);
	b[0] = 4; ck_assert_int_eq(dec(PB_T_SET_MODE, b, 1), PB_MSG_E_VALUE);
	b[0] = 3; ck_assert_int_eq(dec(PB_T_SET_MODE, b, 1), PB_MSG_OK);
	ck_assert_int_eq(dec(PB_T_SET_MODE, b, 2), PB_MSG_E_LENGTH);
	b[0] = 0; ck_assert_int_eq(dec(PB_T_SET_LEVEL, b, 1), PB_MSG_E_VALUE);
	b[0] = 0; ck_assert_int_eq(dec(PB_T_SET_CHANNELS, b, 1),
	    PB_MSG_E_VALUE);
	b[0] = 4; ck_assert_int_eq(dec(PB_T_SET_CHANNELS, b, 1),
	    PB_MSG_E_VALUE);
	b[0] = 3; ck_assert_int_eq(dec(PB_T_SET_CHANNELS, b, 1), PB_MSG_OK);
	b[0] = 0; b[1] = 0;
	ck_assert_int_eq(dec(PB_T_SET_RATE, b, 2), PB_MSG_E_VALUE);
	b[0] = 2; ck_assert_int_eq(dec(PB_T_READ_CAL, b, 1), PB_MSG_E_VALUE);
	b[0] = 1; ck_assert_int_eq(dec(PB_T_READ_CAL, b, 1), PB_MSG_OK);
	b[0] = 0; b[1] = 0; b[2] = 0;
	ck_assert_int_eq(dec(PB_T_CAL_HOLD, b, 3), PB_MSG_E_VALUE);
	b[0] = 1; b[2] = 0x80; /* negative target */
	ck_assert_int_eq(dec(PB_T_CAL_HOLD, b, 3), PB_MSG_E_VALUE);
	b[2] = 0; ck_assert_int_eq(dec(PB_T_CAL_HOLD, b, 3), PB_MSG_OK);
	b[0] = 14; b[1] = 0;
	ck_assert_int_eq(dec(PB_T_INJECT, b, 6), PB_MSG_E_VALUE);
	b[0] = 13; b[1] = 0;   /* backflow */
	ck_assert_int_eq(dec(PB_T_INJECT, b, 6), PB_MSG_OK);
	b[0] = 12; b[1] = 2;
	ck_assert_int_eq(dec(PB_T_INJECT, b, 6), PB_MSG_E_VALUE);
	b[1] = PB_CH_NONE;
	ck_assert_int_eq(dec(PB_T_INJECT, b, 6), PB_MSG_OK);
	ck_assert_int_eq(dec(PB_T_FACTORY_UNLOCK, b, 32), PB_MSG_OK);
	ck_assert_int_eq(dec(PB_T_FACTORY_UNLOCK, b, 31), PB_MSG_E_LENGTH);
	/* unknown types */
	ck_assert_int_eq(dec(0x00, b, 0), PB_MSG_E_TYPE);
	ck_assert_int_eq(dec(0x06, b, 0), PB_MSG_E_TYPE);
	ck_assert_int_eq(dec(0x2F, b, 0), PB_MSG_E_TYPE);
	ck_assert_int_eq(dec(0x81, b, 3), PB_MSG_E_TYPE);
	ck_assert_int_eq(dec(0xFF, b, 3), PB_MSG_E_TYPE);
	ck_assert_int_eq(dec(PB_T_HELLO, b, PB_MAX_PAYLOAD + 1),
	    PB_MSG_E_LENGTH);
	struct pb_msg m;
	size_t len;
	memset(&m, 0, sizeof m);
	m.type = 0x42;
	ck_assert_int_eq(pb_msg_encode(&m, b, sizeof b, &len), PB_MSG_E_TYPE);
}
END_TEST

START_TEST(cal_validation)
{
	struct gen_rng r = { 11 };
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	size_t len;
	gen_msg(&r, PB_T_WRITE_CAL, &m);
	m.u.cal.order = 2;
	m.u.cal.channel = 0;
	expect_bad(&m, 0, 2, PB_MSG_E_VALUE, "channel 2");
	expect_bad(&m, 1, 0, PB_MSG_E_VALUE, "order 0");
	expect_bad(&m, 1, 3, PB_MSG_E_VALUE, "order 3");
	expect_bad(&m, 5, 0x3F, PB_MSG_OK, "c0 sign/exponent byte");
	/* NaN / infinity coefficients */
	m.u.cal.c[1] = NAN;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	m.u.cal.c[1] = 1.0f;
	size_t n = enc(&m, buf);
	memcpy(buf + 6, "\x00\x00\x80\x7f", 4);   /* +inf */
	ck_assert_int_eq(dec(PB_T_WRITE_CAL, buf, n), PB_MSG_E_VALUE);
	memcpy(buf + 6, "\x01\x00\xc0\x7f", 4);   /* NaN */
	ck_assert_int_eq(dec(PB_T_WRITE_CAL, buf, n), PB_MSG_E_VALUE);
	/* linear with a quadratic term */
	m.u.cal.order = 1;
	m.u.cal.c[2] = 0.5f;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	m.u.cal.c[2] = 0.0f;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len), PB_MSG_OK);
}
END_TEST

/* WRITE_CAL_ALL: mask, a reserved 0, then channel 0's and channel 1's
 * record at 2 and 40; a slot outside the mask is 38 zero bytes; a slot's
 * channel field is its index. */
START_TEST(cal_set_layout_and_validation)
{
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	size_t len;
	memset(&m, 0, sizeof m);
	m.type = PB_T_WRITE_CAL_ALL;
	m.u.cal_set.mask = 2;
	struct pb_cal *c = &m.u.cal_set.cal[1];
	c->channel = 1;
	c->order = 1;
	c->c[0] = -1.5f;
	c->c[1] = 0.25f;
	c->cal_id = 9;
	c->date = 0x65000000;
	strcpy(c->station, "bench-3");
	ck_assert_uint_eq(enc(&m, buf), 78);
	ck_assert_uint_eq(buf[0], 2);
	ck_assert_uint_eq(buf[1], 0);
	static const uint8_t zero[38];
	ck_assert_mem_eq(buf + 2, zero, 38);
	ck_assert_mem_eq(buf + 40, "\x01\x01\x00\x00\xc0\xbf\x00\x00\x80\x3e"
	    "\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x65"
	    "bench-3\0\0\0\0\0\0\0\0\0", 38);
	struct pb_msg back;
	ck_assert_int_eq(pb_msg_decode(PB_T_WRITE_CAL_ALL, PB_F_ACK_REQ, buf,
	    78, &back), PB_MSG_OK);
	ck_assert_uint_eq(back.u.cal_set.mask, 2);
	ck_assert_uint_eq(back.u.cal_set.cal[1].cal_id, 9);

	expect_bad(&m, 0, 4, PB_MSG_E_VALUE, "mask bit 2");
	expect_bad(&m, 1, 1, PB_MSG_E_VALUE, "reserved byte");
	expect_bad(&m, 2 + 10, 1, PB_MSG_E_VALUE, "byte in an unused slot");
	expect_bad(&m, 40, 0, PB_MSG_E_VALUE, "slot 1 names channel 0");
	expect_bad(&m, 41, 3, PB_MSG_E_VALUE, "order 3");
	expect_bad(&m, 0, 3, PB_MSG_E_VALUE, "slot 0 claimed but empty");
	expect_bad(&m, 0, 0, PB_MSG_E_VALUE, "mask 0 with slot 1 filled");
	ck_assert_int_eq(dec(PB_T_WRITE_CAL_ALL, buf, 77), PB_MSG_E_LENGTH);
	ck_assert_int_eq(dec(PB_T_WRITE_CAL_ALL, buf, 40), PB_MSG_E_LENGTH);

	/* encode refuses what decode would: junk in an unused slot (even a
	 * negative zero), a wrong channel field, a record it cannot carry */
	m.u.cal_set.cal[0].c[0] = -0.0f;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	m.u.cal_set.cal[0].c[0] = 0.0f;
	c->channel = 0;
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	c->channel = 1;
	c->c[2] = 1.0f;      /* linear with a quadratic term */
	ck_assert_int_eq(pb_msg_encode(&m, buf, sizeof buf, &len),
	    PB_MSG_E_VALUE);
	/* mask 0: the whole calibration removed, 78 bytes of which one
	 * carries nothing but zeros */
	memset(&m.u.cal_set, 0, sizeof m.u.cal_set);
	ck_assert_uint_eq(enc(&m, buf), 78);
	for (int i = 0; i < 78; i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert_int_eq(dec(PB_T_WRITE_CAL_ALL, buf, 78), PB_MSG_OK);
}
END_TEST

START_TEST(event_validation)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_EVENT;
	m.u.ev.kind = PB_EV_STATE;
	m.u.ev.code = PB_RS_FAULT;
	m.u.ev.channel = PB_CH_NONE;
	expect_bad(&m, 4, 0, PB_MSG_E_VALUE, "kind 0");
	expect_bad(&m, 4, 8, PB_MSG_E_VALUE, "kind 8");
	expect_bad(&m, 5, 5, PB_MSG_E_VALUE, "state 5");
	expect_bad(&m, 6, 2, PB_MSG_E_VALUE, "channel 2");
	expect_bad(&m, 6, 1, PB_MSG_OK, "channel 1");
	m.u.ev.kind = PB_EV_ALARM_RAISED;
	m.u.ev.code = 0;
	expect_bad(&m, 5, PB_AL_COUNT, PB_MSG_E_VALUE, "alarm index 13");
	expect_bad(&m, 5, PB_AL_COUNT - 1, PB_MSG_OK, "alarm index 12");
	m.u.ev.kind = PB_EV_MODE;
	m.u.ev.code = 1;
	expect_bad(&m, 5, 0, PB_MSG_E_VALUE, "mode 0");
	m.u.ev.kind = PB_EV_BOOT;
	m.u.ev.code = 0;
	expect_bad(&m, 5, 1, PB_MSG_E_VALUE, "boot code 1");
	m.u.ev.kind = PB_EV_FACTORY;
	expect_bad(&m, 5, 4, PB_MSG_E_VALUE, "factory code 4");
}
END_TEST

START_TEST(response_bodies)
{
	/* derivation table */
	for (unsigned t = 0; t < 256; t++)
		for (unsigned s = 0; s <= PB_ST_MAX; s++) {
			uint8_t k = pb_response_body_kind((uint8_t)t,
			    (uint8_t)s);
			uint8_t want = PB_BODY_NONE;
			if (s == PB_ST_OK && (t == PB_T_HELLO ||
			    t == PB_T_READ_INFO))
				want = PB_BODY_INFO;
			else if (s == PB_ST_OK && t == PB_T_READ_CAL)
				want = PB_BODY_CAL;
			else if (s == PB_ST_OK && t == PB_T_FACTORY_CHALLENGE)
				want = PB_BODY_NONCE;
			else if (s == PB_ST_OK && t == PB_T_DEVICE_STATS)
				want = PB_BODY_STATS;
			ck_assert_uint_eq(k, want);
		}
	uint8_t b[80] = { 0 };
	struct pb_msg m;
	/* OK to START: no body */
	b[0] = PB_ST_OK; b[1] = PB_T_START;
	ck_assert_int_eq(pb_msg_decode(PB_T_RESPONSE, PB_F_RESPONSE, b, 2, &m),
	    PB_MSG_OK);
	ck_assert_uint_eq(m.u.resp.body_kind, PB_BODY_NONE);
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 3), PB_MSG_E_LENGTH);
	/* OK to HELLO needs the info body */
	b[1] = PB_T_HELLO;
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 2), PB_MSG_E_LENGTH);
	/* failed HELLO: no body */
	b[0] = PB_ST_WRONG_STATE;
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 2), PB_MSG_OK);
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 65), PB_MSG_E_LENGTH);
	/* NOT_PROVISIONED is a status; one past it is out of range */
	b[0] = PB_ST_NOT_PROVISIONED;
	b[1] = PB_T_FACTORY_CHALLENGE;
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 2), PB_MSG_OK);
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 18), PB_MSG_E_LENGTH);
	b[0] = PB_ST_MAX + 1;
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 2), PB_MSG_E_VALUE);
	/* DEVICE_STATS: OK carries 16 u32 counters, in order */
	b[0] = PB_ST_OK;
	b[1] = PB_T_DEVICE_STATS;
	for (int i = 0; i < 16; i++) {
		b[2 + 4 * i] = (uint8_t)(i + 1);
		b[3 + 4 * i] = 0;
		b[4 + 4 * i] = 0;
		b[5 + 4 * i] = (uint8_t)(i == 15 ? 0x80 : 0);
	}
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 65), PB_MSG_E_LENGTH);
	ck_assert_int_eq(pb_msg_decode(PB_T_RESPONSE, PB_F_RESPONSE, b, 66,
	    &m), PB_MSG_OK);
	ck_assert_uint_eq(m.u.resp.body_kind, PB_BODY_STATS);
	ck_assert_uint_eq(m.u.resp.body.stats.frames_ok, 1);
	ck_assert_uint_eq(m.u.resp.body.stats.heartbeats, 2);
	ck_assert_uint_eq(m.u.resp.body.stats.commands, 3);
	ck_assert_uint_eq(m.u.resp.body.stats.dup_commands, 4);
	ck_assert_uint_eq(m.u.resp.body.stats.ignored, 5);
	ck_assert_uint_eq(m.u.resp.body.stats.unknown_type, 6);
	ck_assert_uint_eq(m.u.resp.body.stats.bad_header, 7);
	ck_assert_uint_eq(m.u.resp.body.stats.bad_payload, 8);
	ck_assert_uint_eq(m.u.resp.body.stats.cobs_errors, 9);
	ck_assert_uint_eq(m.u.resp.body.stats.length_errors, 10);
	ck_assert_uint_eq(m.u.resp.body.stats.oversize, 11);
	ck_assert_uint_eq(m.u.resp.body.stats.crc_errors, 12);
	ck_assert_uint_eq(m.u.resp.body.stats.version_errors, 13);
	ck_assert_uint_eq(m.u.resp.body.stats.frames_lost, 14);
	ck_assert_uint_eq(m.u.resp.body.stats.out_dropped, 15);
	ck_assert_uint_eq(m.u.resp.body.stats.host_lost, 0x80000010u);
	ck_assert_uint_eq(pb_device_stats_dropped(&m.u.resp.body.stats),
	    9 + 10 + 11 + 12 + 13);
	ck_assert_uint_eq(pb_device_stats_refused(&m.u.resp.body.stats),
	    5 + 6 + 7 + 8);
	b[0] = PB_ST_UNKNOWN_CMD;     /* an older device: no body */
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 2), PB_MSG_OK);
	/* answering a non-command, except as UNKNOWN_CMD */
	b[0] = PB_ST_OK; b[1] = PB_T_TELEMETRY;
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 2), PB_MSG_E_VALUE);
	b[0] = PB_ST_UNKNOWN_CMD; b[1] = 0x7E;
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 2), PB_MSG_OK);
	ck_assert_int_eq(dec(PB_T_RESPONSE, b, 1), PB_MSG_E_LENGTH);
	/* encode ignores a wrong body_kind from the caller */
	memset(&m, 0, sizeof m);
	m.type = PB_T_RESPONSE;
	m.u.resp.status = PB_ST_OK;
	m.u.resp.req_type = PB_T_FACTORY_CHALLENGE;
	m.u.resp.body_kind = PB_BODY_NONE;
	memset(m.u.resp.body.nonce, 0xAB, PB_NONCE_LEN);
	size_t len;
	ck_assert_int_eq(pb_msg_encode(&m, b, sizeof b, &len), PB_MSG_OK);
	ck_assert_uint_eq(len, 18);
	/* an OK info body must be valid info */
	m.u.resp.req_type = PB_T_READ_INFO;
	memset(&m.u.resp.body, 0, sizeof m.u.resp.body);
	ck_assert_int_eq(pb_msg_encode(&m, b, sizeof b, &len), PB_MSG_E_VALUE);
	/* output space */
	m.u.resp.req_type = PB_T_FACTORY_CHALLENGE;
	ck_assert_int_eq(pb_msg_encode(&m, b, 17, &len), PB_MSG_E_SPACE);
}
END_TEST

START_TEST(info_validation)
{
	struct gen_rng r = { 3 };
	struct pb_msg m;
	do
		gen_msg(&r, PB_T_RESPONSE, &m);
	while (m.u.resp.body_kind != PB_BODY_INFO);
	m.u.resp.body.info.max_target = 2800;
	m.u.resp.body.info.trip = 3300;
	/* offsets are +2 for status and req_type */
	expect_bad(&m, 2 + 0, 0, PB_MSG_E_VALUE, "proto version 0");
	expect_bad(&m, 2 + 49, 0, PB_MSG_E_VALUE, "0 channels");
	expect_bad(&m, 2 + 49, 3, PB_MSG_E_VALUE, "3 channels");
	expect_bad(&m, 2 + 50, 0, PB_MSG_E_VALUE, "0 levels");
	expect_bad(&m, 2 + 51, 0, PB_MSG_E_VALUE, "no modes");
	expect_bad(&m, 2 + 51, 1, PB_MSG_E_VALUE, "mode bit 0");
	expect_bad(&m, 2 + 52, 2, PB_MSG_E_VALUE, "factory 2");
	expect_bad(&m, 2 + 58, 0x0a, PB_MSG_E_VALUE, "trip below max target");
	expect_bad(&m, 2 + 56, 0x80, PB_MSG_E_VALUE, "negative max target");
}
END_TEST

START_TEST(names)
{
	for (size_t t = 0; t < GEN_NTYPES; t++)
		ck_assert_str_ne(pb_type_name(gen_types[t]), "?");
	ck_assert_str_eq(pb_type_name(PB_T_HELLO), "HELLO");
	ck_assert_str_eq(pb_type_name(0x99), "?");
	for (unsigned s = 0; s <= PB_ST_MAX; s++)
		ck_assert_str_ne(pb_status_name((uint8_t)s), "?");
	ck_assert_str_eq(pb_status_name(PB_ST_MAX + 1), "?");
	ck_assert_str_eq(pb_status_name(PB_ST_NOT_PROVISIONED),
	    "NOT_PROVISIONED");
	ck_assert_str_eq(pb_type_name(PB_T_DEVICE_STATS), "DEVICE_STATS");
	for (unsigned b = 0; b < PB_AL_COUNT; b++)
		ck_assert_str_ne(pb_alarm_name(b), "?");
	ck_assert_str_eq(pb_alarm_name(PB_AL_COUNT), "?");
	ck_assert_str_eq(pb_mode_name(PB_MODE_EXPRESSION), "expression");
	ck_assert_str_eq(pb_mode_name(0), "?");
	ck_assert_str_eq(pb_phase_name(PB_PH_HOLD), "hold");
	ck_assert_str_eq(pb_phase_name(9), "?");
	ck_assert_str_eq(pb_run_state_name(PB_RS_FAULT), "fault");
	ck_assert_str_eq(pb_run_state_name(9), "?");
	for (unsigned k = PB_EV_ALARM_RAISED; k <= PB_EV_FACTORY; k++)
		ck_assert_str_ne(pb_event_kind_name((uint8_t)k), "?");
	ck_assert_str_eq(pb_event_kind_name(PB_EV_AUTO_OFF), "auto_off");
	ck_assert_str_eq(pb_event_kind_name(0), "?");
	for (int e = PB_MSG_E_SPACE; e <= PB_MSG_OK; e++)
		ck_assert_str_ne(pb_msg_strerror(e), "");
	ck_assert(pb_type_is_command(PB_T_HELLO));
	ck_assert(pb_type_is_command(PB_T_INJECT));
	ck_assert(!pb_type_is_command(PB_T_HEARTBEAT));
	ck_assert(!pb_type_is_command(PB_T_RESPONSE));
	ck_assert(pb_type_is_command(PB_T_WRITE_CAL_ALL));
	ck_assert_str_eq(pb_type_name(0x1F), "WRITE_CAL_ALL");
	ck_assert(pb_type_is_command(PB_T_DEVICE_STATS));
	ck_assert(!pb_type_is_command(0x21));
}
END_TEST

START_TEST(random_payloads_never_crash)
{
	/* Arbitrary bytes for every type byte: decode either refuses or
	 * yields a message that re-encodes to exactly the same bytes. */
	struct gen_rng r = { 2024 };
	for (int it = 0; it < 200000; it++) {
		uint8_t buf[PB_MAX_PAYLOAD], out[PB_MAX_PAYLOAD];
		uint8_t type = (uint8_t)gen_u32(&r);
		if (it % 2)
			type = gen_types[gen_below(&r, GEN_NTYPES)];
		size_t len = gen_below(&r, PB_MAX_PAYLOAD + 1);
		if (it % 3 == 0)
			len = gen_below(&r, 70);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(gen_below(&r, 3) ? gen_below(&r, 4) :
			    gen_u32(&r));
		struct pb_msg m;
		int rc = pb_msg_decode(type, 0, buf, len, &m);
		if (rc != PB_MSG_OK)
			continue;
		size_t n2 = 0;
		ck_assert_int_eq(pb_msg_encode(&m, out, sizeof out, &n2),
		    PB_MSG_OK);
		ck_assert_uint_eq(n2, len);
		ck_assert_mem_eq(out, buf, len);
	}
}
END_TEST

START_TEST(telemetry_mean)
{
	struct pb_telemetry t;
	memset(&t, 0, sizeof t);
	t.channels = 2;
	t.n = 4;
	int16_t a[4] = { 10, 20, 30, 41 }, b[4] = { -5, -5, -5, -5 };
	memcpy(t.samples[0], a, sizeof a);
	memcpy(t.samples[1], b, sizeof b);
	ck_assert_double_eq_tol(pb_tel_mean_dmmhg(&t, 0), 25.25, 1e-12);
	ck_assert_double_eq_tol(pb_tel_mean_dmmhg(&t, 1), -5.0, 1e-12);
	ck_assert(isnan(pb_tel_mean_dmmhg(&t, 2)));
	ck_assert(isnan(pb_tel_mean_dmmhg(&t, -1)));
	t.channels = 1;
	ck_assert(isnan(pb_tel_mean_dmmhg(&t, 1)));
	t.n = 0;
	ck_assert(isnan(pb_tel_mean_dmmhg(&t, 0)));
}
END_TEST

static Suite *msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, round_trip_every_type);
	tcase_add_test(tc, payload_lengths);
	tcase_add_test(tc, layout_heartbeat_event_hold);
	tcase_add_test(tc, layout_telemetry);
	tcase_add_test(tc, layout_info_and_cal);
	tcase_add_test(tc, telemetry_validation);
	tcase_add_test(tc, string_validation);
	tcase_add_test(tc, log_validation);
	tcase_add_test(tc, command_validation);
	tcase_add_test(tc, cal_validation);
	tcase_add_test(tc, cal_set_layout_and_validation);
	tcase_add_test(tc, event_validation);
	tcase_add_test(tc, response_bodies);
	tcase_add_test(tc, info_validation);
	tcase_add_test(tc, names);
	tcase_add_test(tc, random_payloads_never_crash);
	tcase_add_test(tc, telemetry_mean);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(msg_suite)
