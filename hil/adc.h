/*
 * hil/adc.h - MCP3202 dual-channel 12-bit SPI ADC codec.
 *
 * Promise: pure.  One conversion is one 3-byte full-duplex SPI transfer
 * (mode 0, CS low for the whole window):
 *   out: 0x01 (start bit), SGL<<7 | ODD<<6 | MSBF<<5, 0x00
 *   in : xx, (null bit 0 at bit 4) B11..B8 in bits 3..0, B7..B0
 * Single-ended channel 0 is 01 A0 00, channel 1 is 01 E0 00.  The reply
 * is checked: the null bit must read 0 (a missing chip or a floating MISO
 * reads 1s and is reported, not turned into a full-scale value).
 * Volts = code * Vref / 4096 (Vref is the chip's VDD).
 */
#ifndef PB_HIL_ADC_H
#define PB_HIL_ADC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_ADC_XFER_LEN 3
#define PB_ADC_MAX 4095u

enum pb_adc_err {
	PB_ADC_OK = 0,
	PB_ADC_E_ARG = -1,      /* channel not 0/1, bad vref */
	PB_ADC_E_NULLBIT = -2   /* reply lacks the null bit: no chip answered */
};

/* Command bytes for a single-ended (single=true) or pseudo-differential
 * conversion of channel ch (for differential, ch selects the sign). */
int pb_adc_command(int ch, bool single, uint8_t out[PB_ADC_XFER_LEN]);
/* Code from the 3 reply bytes. */
int pb_adc_decode(const uint8_t in[PB_ADC_XFER_LEN], uint16_t *code);
double pb_adc_volts(uint16_t code, double vref);
/* The code an ideal MCP3202 gives for volts (floor, clamped 0..4095). */
uint16_t pb_adc_code_for(double volts, double vref);

const char *pb_adc_strerror(int err);

#endif
