/*
 * firmware/port/mps2-an385/main.c - the reference pump firmware on QEMU's
 * mps2-an385 (Cortex-M3): the pump's firmware program
 * (tools/pumpsim/devapp.h, the same files the emulator runs) behind the
 * port interface (tools/pumpsim/hal.h), served by this board.
 *
 * Promise: no malloc, no stdio; every object is static.  QEMU has no
 * pneumatics, so the "pump" behind the HAL calls is the emulator's plant
 * model (tools/pumpsim/plant.h) running on the MCU: sense() reads its ADC
 * counts, motor current and supply voltage, drive() sets its motor duty
 * and valves, as a real port's ADC and motor driver would.  The profile is
 * compiled in (firmware/profile-gen; FW_PROFILE in firmware/build.mk).
 *
 * Time: the firmware's clock is TIMER0 (board.h).  The main loop steps the
 * plant and the firmware in fixed steps of PB_PLANT_DT_US up to the clock,
 * (at most STEPS_PER_TURN per turn), takes the received bytes from the RX
 * ring, sends what is queued, and sleeps until the next interrupt.  When QEMU is starved of host CPU and
 * falls more than MAX_LAG_US behind, the model skips ahead instead of
 * running ever later (the pump then moved less than real time allowed;
 * pb_fw_lag_skips counts it for a debugger).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "firmware/port/mps2-an385/board.h"
#include "tools/pumpsim/defect.h"
#include "tools/pumpsim/devapp.h"
#include "tools/pumpsim/plant.h"

#ifndef FW_PROFILE_SYMBOL
#error "FW_PROFILE_SYMBOL names the compiled-in profile (firmware/build.mk)"
#endif
extern const struct pb_profile FW_PROFILE_SYMBOL;

/* A negative-control build sets defect switches (tools/pumpsim/defect.h),
 * e.g. pumpfw-no-txn-dedup.elf: the conformance suite must fail it. */
#ifndef FW_DEFECTS
#define FW_DEFECTS  0u
#endif

#define MAX_LAG_US  100000u    /* skip ahead past this much lag */
#define RX_CHUNK    64u
#define STEPS_PER_TURN 8u      /* 8 ms of model between sleeps at most */

static struct pb_devapp app;
static struct pb_plant plant;
static struct pb_plant_inputs drive_in;
uint32_t pb_fw_lag_skips;      /* for a debugger: times the model skipped */

/* ---- the port interface, served by the plant model ---------------------- */

static void hal_sense(void *ctx, struct pb_hal_sense *s)
{
	(void)ctx;
	for (int ch = 0; ch < plant.channels; ch++) {
		s->adc[ch] = pb_plant_adc(&plant, ch);
		if (plant.valve_open[ch])
			s->valve_open |= (uint8_t)(1u << ch);
	}
	s->motor_ma = pb_plant_motor_ma(&plant);
	s->supply_v = pb_plant_supply_v(&plant);
	s->motor_duty = plant.motor_duty;
}

static void hal_drive(void *ctx, const struct pb_fw_outputs *out)
{
	(void)ctx;
	drive_in.motor_duty = out->motor_duty;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		drive_in.valve_open[ch] = out->valve_open[ch];
		drive_in.connect[ch] = out->connect[ch];
	}
}

static int hal_random(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	return pb_board_random(buf, n);
}

/* ---- main loop ----------------------------------------------------------- */

static void send_pending(void)
{
	size_t n;
	const uint8_t *p;
	while ((p = pb_devapp_peek(&app, &n)) != NULL && n > 0) {
		size_t k = pb_board_uart_write(p, n);
		if (k == 0)
			return;
		pb_devapp_consume(&app, k);
	}
}

static void step(uint64_t t)
{
	memset(&drive_in, 0, sizeof drive_in);
	drive_in.power = true;
	pb_devapp_control(&app, t);
	pb_plant_step(&plant, &drive_in);
	pb_devapp_service(&app, t + PB_PLANT_DT_US);
}

int main(void)
{
	static const struct pb_hal hal = {
		.ctx = NULL,
		.sense = hal_sense,
		.drive = hal_drive,
		.random = hal_random,
		.inject = NULL,          /* a real pump takes no PB_T_INJECT */
	};
	const struct pb_devapp_opts opts = {
		.defects = FW_DEFECTS,
		.serial = "QEMU0001",
		.name = "pumpfw mps2-an385",
	};
	pb_board_init();
	uint64_t t = pb_board_now_us();
	/* an ideal sensor (no unit errors); noise and lag as the profile
	 * says */
	if (pb_plant_init(&plant, &FW_PROFILE_SYMBOL, 1, false, t) !=
	    PB_PLANT_OK ||
	    pb_devapp_init(&app, &FW_PROFILE_SYMBOL, &opts, &hal, t) != 0)
		for (;;)
			pb_board_idle();     /* the build's profile is broken */

	struct pb_eeprom *ee = pb_devapp_eeprom(&app);
	pb_board_nv_load(ee->img, sizeof ee->img);
	ee->persist = pb_board_nv_persist;
	ee->persist_ctx = NULL;
	const uint8_t *key;
	size_t key_len;
	if (pb_board_factory_key(&key, &key_len) == 0)
		pb_devapp_set_factory_key(&app, key, key_len);
	pb_devapp_boot(&app, t);

	uint8_t rx[RX_CHUNK];
	for (;;) {
		uint64_t now = pb_board_now_us();
		if (now - t > MAX_LAG_US + PB_PLANT_DT_US) {
			t = now - MAX_LAG_US;
			pb_fw_lag_skips++;
		}
		for (unsigned k = 0; k < STEPS_PER_TURN &&
		    t + PB_PLANT_DT_US <= now; k++) {
			step(t);
			t += PB_PLANT_DT_US;
			send_pending();
		}
		size_t n = pb_board_uart_read(rx, sizeof rx);
		if (n > 0)
			pb_devapp_rx(&app, rx, n, t);
		pb_devapp_tick(&app, t);
		send_pending();
		/* Sleep every turn, even when behind: QEMU hands a received
		 * byte to the UART only while the core sleeps or touches a
		 * device, so a core that never sleeps starves its own RX. */
		if (n == 0)
			pb_board_idle();
	}
}
