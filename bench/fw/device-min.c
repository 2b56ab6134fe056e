/*
 * bench/fw/device-min.c - the smallest complete device over the protocol
 * device library, for its footprint (bench/firmware.sh): received bytes go
 * to pb_device_rx(), a handler answers HELLO, READ_INFO and DEVICE_STATS
 * (every other command UNKNOWN_CMD), a HEARTBEAT goes out every 250 ms,
 * the host watchdog is checked, the queue drains to a UART data register.
 * The "UART" and the clock are two volatile words, so the compiler keeps
 * every path; nothing here is a board.
 */
#include <stdint.h>
#include <string.h>

#include "proto/device.h"

static volatile uint32_t uart_data, uart_rx_ready, clock_us;
static pb_device dev;

static void handler(void *ctx, const struct pb_cmd *cmd,
    struct pb_response *resp, uint64_t now_us)
{
	(void)ctx;
	(void)now_us;
	resp->status = PB_ST_OK;
	resp->body_kind = PB_BODY_NONE;
	switch (cmd->type) {
	case PB_T_HELLO:
	case PB_T_READ_INFO:
		memset(&resp->body.info, 0, sizeof resp->body.info);
		resp->body.info.proto_version = PB_PROTO_VERSION;
		memcpy(resp->body.info.profile, "min", 3);
		resp->body.info.channels = 1;
		resp->body.info.levels = 1;
		resp->body.info.sample_rate_hz = 100;
		resp->body_kind = PB_BODY_INFO;
		break;
	case PB_T_DEVICE_STATS:
		pb_device_stats(&dev, &resp->body.stats);
		resp->body_kind = PB_BODY_STATS;
		break;
	default:
		resp->status = PB_ST_UNKNOWN_CMD;
		break;
	}
}

int main(void)
{
	uint64_t next_hb = 0;
	pb_device_init(&dev, handler, NULL);
	for (;;) {
		uint64_t now = clock_us;
		if (uart_rx_ready) {
			uint8_t b = (uint8_t)uart_data;
			pb_device_rx(&dev, &b, 1, now);
		}
		if (now >= next_hb) {
			struct pb_heartbeat hb = { .time_ms = (uint32_t)(now / 1000u) };
			pb_device_send_body(&dev, PB_T_HEARTBEAT, &hb);
			next_hb = now + 250000u;
		}
		(void)pb_device_watchdog(&dev, now);
		size_t n;
		const uint8_t *p = pb_device_peek(&dev, &n);
		if (p && n > 0) {
			uart_data = p[0];
			pb_device_consume(&dev, 1);
		}
	}
}
