/*
 * tests/unit/test_msg_device_only.c - the message codec as the small
 * configuration builds it (PB_MSG_DEVICE_ONLY: proto/msg.c compiled here
 * under other names): what a device sends encodes byte for byte as the
 * full codec does, what a host sends decodes as the full codec does
 * (commands and heartbeats, valid and invalid), and the halves a device
 * never needs are refused (PB_MSG_E_TYPE), not mis-handled.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "tests/lib/check_main.h"

#define PB_MSG_DEVICE_ONLY 1
/* every function msg.h declares gets a dev_ name here (the list is made
 * from msg.h at build time, firmware/build.mk) */
#include "msg_rename.h"
#include "proto/msg.c"
#undef pb_body_encode
#undef pb_cmd_decode
#undef pb_msg_decode
#undef pb_msg_encode

static void same_encoding(const struct pb_msg *m)
{
	uint8_t a[PB_MAX_PAYLOAD], b[PB_MAX_PAYLOAD];
	size_t na = 0, nb = 0;
	int ra = pb_body_encode(m->type, &m->u, a, sizeof a, &na);
	int rb = dev_body_encode(m->type, &m->u, b, sizeof b, &nb);
	ck_assert_int_eq(ra, rb);
	ck_assert_uint_eq(na, nb);
	ck_assert_mem_eq(a, b, na);
}

START_TEST(device_messages_encode_the_same)
{
	struct pb_msg m;
	memset(&m, 0, sizeof m);
	m.type = PB_T_HEARTBEAT;
	m.u.hb.time_ms = 123456;
	m.u.hb.run_state = PB_RS_RUNNING;
	m.u.hb.alarms = PB_AL_LEAK;
	same_encoding(&m);
	memset(&m, 0, sizeof m);
	m.type = PB_T_TELEMETRY;
	m.u.tel.n = 3;
	m.u.tel.channels = 2;
	m.u.tel.mode = 2;
	m.u.tel.level = 4;
	m.u.tel.channel_mask = 3;
	for (int i = 0; i < 3; i++)
		m.u.tel.samples[0][i] = m.u.tel.samples[1][i] = (int16_t)(i * 7);
	same_encoding(&m);
	m.u.tel.mode = 9;                         /* invalid: both refuse */
	same_encoding(&m);
	memset(&m, 0, sizeof m);
	m.type = PB_T_EVENT;
	m.u.ev.kind = PB_EV_ALARM_RAISED;
	m.u.ev.channel = PB_CH_NONE;
	same_encoding(&m);
	memset(&m, 0, sizeof m);
	m.type = PB_T_RESPONSE;
	m.u.resp.req_type = PB_T_READ_INFO;
	m.u.resp.body.info.proto_version = 1;
	m.u.resp.body.info.channels = 1;
	m.u.resp.body.info.levels = 9;
	m.u.resp.body.info.modes = 0x0E;
	m.u.resp.body.info.sample_rate_hz = 100;
	m.u.resp.body.info.max_target = 2500;
	m.u.resp.body.info.trip = 3000;
	same_encoding(&m);
	m.u.resp.req_type = PB_T_DEVICE_STATS;
	same_encoding(&m);
	m.u.resp.req_type = PB_T_FACTORY_CHALLENGE;
	same_encoding(&m);
	uint8_t a[PB_MAX_PAYLOAD], b[PB_MAX_PAYLOAD];
	size_t na, nb;
	ck_assert_int_eq(pb_log_encode(2, "boot ok", 7, a, sizeof a, &na), 0);
	ck_assert_int_eq(dev_log_encode(2, "boot ok", 7, b, sizeof b, &nb), 0);
	ck_assert_mem_eq(a, b, na);
}
END_TEST

START_TEST(host_messages_decode_the_same)
{
	/* every command type with random payloads of its length and one off:
	 * the same verdict and the same fields */
	static const uint8_t types[] = { PB_T_HELLO, PB_T_HEARTBEAT,
	    PB_T_START, PB_T_STOP, PB_T_SET_MODE, PB_T_SET_LEVEL,
	    PB_T_SET_CHANNELS, PB_T_SET_RATE, PB_T_CLEAR_FAULT, PB_T_READ_CAL,
	    PB_T_WRITE_CAL, PB_T_READ_INFO, PB_T_FACTORY_CHALLENGE,
	    PB_T_FACTORY_UNLOCK, PB_T_WRITE_SERIAL, PB_T_CAL_HOLD, PB_T_INJECT,
	    PB_T_WRITE_CAL_ALL, PB_T_DEVICE_STATS };
	srand(7);
	uint8_t buf[PB_MAX_PAYLOAD];
	for (int round = 0; round < 3000; round++) {
		uint8_t t = types[(size_t)rand() % sizeof types];
		size_t len = (size_t)rand() % 80;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(rand() % 4 == 0 ? 0 : rand() % 64);
		struct pb_cmd full, dev;
		int ra = pb_cmd_decode(t, buf, len, &full);
		int rb = dev_cmd_decode(t, buf, len, &dev);
		ck_assert_int_eq(ra, rb);
		if (ra == PB_MSG_OK)
			ck_assert_mem_eq(&full.u, &dev.u, sizeof full.u);
	}
}
END_TEST

START_TEST(host_halves_are_refused)
{
	struct pb_msg m;
	uint8_t buf[PB_MAX_PAYLOAD];
	size_t n;
	memset(&m, 0, sizeof m);
	m.type = PB_T_SET_LEVEL;
	m.u.level = 3;
	ck_assert_int_eq(dev_body_encode(m.type, &m.u, buf, sizeof buf, &n),
	    PB_MSG_E_TYPE);
	m.type = PB_T_HELLO;
	ck_assert_int_eq(dev_body_encode(m.type, &m.u, buf, sizeof buf, &n),
	    PB_MSG_E_TYPE);
	static const uint8_t resp[2] = { 0, PB_T_STOP };
	ck_assert_int_eq(dev_msg_decode(PB_T_RESPONSE, PB_F_RESPONSE, resp, 2,
	    &m), PB_MSG_E_TYPE);
	ck_assert_int_eq(dev_msg_decode(PB_T_TELEMETRY, 0, buf, 30, &m),
	    PB_MSG_E_TYPE);
}
END_TEST

static Suite *msg_device_only_suite(void)
{
	Suite *s = suite_create("msg_device_only");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, device_messages_encode_the_same);
	tcase_add_test(tc, host_messages_decode_the_same);
	tcase_add_test(tc, host_halves_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(msg_device_only_suite)
