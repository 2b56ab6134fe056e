/*
 * hil/dac.h - MCP4922 dual 12-bit SPI DAC word codec.
 *
 * Promise: pure.  A 16-bit word is sent MSB first in one CS-low window of
 * exactly 16 clocks: bit15 A/B (0 = DAC A), bit14 BUF, bit13 GA (1 = gain
 * 1x, 0 = 2x), bit12 SHDN (1 = active, 0 = output shut down), bits 11-0
 * the code.  Vout = Vref * G * D / 4096.  pb_dac_code() rounds to the
 * nearest code: with Vref 5.0 V, gain 1x, DAC A,
 * 0.5 V -> 0x319A, 2.5 V -> 0x3800, 4.5 V -> 0x3E66; DAC B ORs 0x8000.
 */
#ifndef PB_HIL_DAC_H
#define PB_HIL_DAC_H

#include <stdbool.h>
#include <stdint.h>

#define PB_DAC_AB    0x8000u
#define PB_DAC_BUF   0x4000u
#define PB_DAC_GA    0x2000u   /* set = gain 1x */
#define PB_DAC_SHDN  0x1000u   /* set = active */
#define PB_DAC_MAX   4095u

enum pb_dac_err {
	PB_DAC_OK = 0,
	PB_DAC_E_RANGE = -1,   /* volts outside 0..Vref*G (or not a number) */
	PB_DAC_E_ARG = -2      /* bad channel / vref */
};

struct pb_dac_word {
	int  ch;        /* 0 = A, 1 = B */
	bool buffered;
	bool gain1x;
	bool active;
	uint16_t code;  /* 0..4095 */
};

uint16_t pb_dac_pack(const struct pb_dac_word *w);
void     pb_dac_unpack(uint16_t word, struct pb_dac_word *w);

/* Nearest code for volts at gain 1x; volts up to Vref itself map to at
 * most 4095 (the output's top); below 0 or above Vref is an error. */
int pb_dac_code(double volts, double vref, uint16_t *code);
double pb_dac_volts(uint16_t code, double vref, bool gain1x);

/* The usual word: gain 1x, active, buffered as asked. */
int pb_dac_encode(int ch, double volts, double vref, bool buffered,
    uint16_t *word);
/* Output volts a word produces (0 when shut down). */
double pb_dac_word_volts(uint16_t word, double vref);

const char *pb_dac_strerror(int err);

#endif
