/*
 * tools/pumpsim/hal.h - the port interface (HAL) of the pump's firmware:
 * what the device application (devapp.h) asks of the board it runs on.
 *
 * Promise: these few calls are everything host-only or board-specific the
 * firmware needs; the same firmware files run behind them in the emulator
 * (emulator.c serves them from the plant model, OpenSSL and a file) and on
 * a microcontroller (firmware/port/<board>/ serves them from its ADC, motor
 * driver, valves, flash and random source).  docs/firmware.md, "The port
 * interface", is the porting guide.
 *
 * Called from the main loop only, never from an interrupt:
 *   sense    read the sensors now: raw ADC counts per channel, the motor
 *            current (mA) and the supply voltage (V); and read back the
 *            actuators as driven (motor duty 0..1, a bit per open valve),
 *            which telemetry reports.
 *   drive    set the motor PWM duty, the release valves, the pump path
 *            per channel and the alarm line; they hold until the next call.
 *   random   n bytes from a source an attacker cannot predict (the factory
 *            nonce); 0, or -1 when none is available (the challenge is
 *            then refused with PB_ST_STORAGE).
 *   inject   a fault into the pump model (PB_T_INJECT); NULL on a real
 *            board, where the command is unknown.
 * The other parts of the port are plain calls of the device application,
 * made by the port's main loop: bytes received (from the UART's RX
 * interrupt ring) go to pb_devapp_rx(), bytes to send come from
 * pb_devapp_tx() (or pb_devapp_peek/consume), and the microsecond clock
 * is the now_us every call takes.  The non-volatile record store is the
 * record image of eeprom.h with its persist hook (A/B slots; a file on
 * the host, flash sectors on a board).
 */
#ifndef PB_PUMPSIM_HAL_H
#define PB_PUMPSIM_HAL_H

#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"
#include "tools/pumpsim/firmware.h"

struct pb_hal_sense {
	uint16_t adc[PB_MAX_CH];      /* raw pressure-sensor counts */
	double   motor_ma;            /* measured motor current */
	double   supply_v;            /* measured supply voltage */
	double   motor_duty;          /* duty the motor driver applies, 0..1 */
	uint8_t  valve_open;          /* bit per channel: release valve open */
};

struct pb_hal {
	void *ctx;                    /* passed to every call */
	void (*sense)(void *ctx, struct pb_hal_sense *s);
	void (*drive)(void *ctx, const struct pb_fw_outputs *out);
	int  (*random)(void *ctx, uint8_t *buf, size_t n);
	int  (*inject)(void *ctx, int fault, int channel, int32_t value);
};

#endif
