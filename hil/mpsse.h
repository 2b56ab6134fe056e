/*
 * hil/mpsse.h - FTDI MPSSE command builder (FT232H, FTDI AN_108).
 *
 * Promise: pure.  Appends MPSSE command bytes to a fixed buffer inside the
 * struct and keeps a shadow of both GPIO bytes (ADBUS = low byte, ACBUS =
 * high byte: value and direction), so a chip-select toggle never disturbs
 * the other pins.  It counts the reply bytes the queued commands will make
 * the chip send (pb_mpsse_expect()).  Nothing here touches USB: the ftdi
 * backend writes the bytes with libftdi, the sim backend feeds them to the
 * MPSSE interpreter - the very same bytes.
 *
 * SPI is mode 0: SCK idles low, data out on the falling edge (0x11) and in
 * on the rising edge (0x31 = out on -ve, in on +ve, MSB first), chip
 * selects active low.  Pins are numbered as in hil/rig.h: ADBUS0-7 = 0..7,
 * ACBUS0-7 = 8..15.
 *
 * Clock: SCK = 60 MHz / ((1 + div) * 2) with divide-by-5 off (0x8A).
 * pb_mpsse_divisor_for() picks the smallest div whose SCK does not exceed
 * the request (never faster): 30 MHz -> 0, 10 MHz -> 2, 1 MHz -> 29.
 *
 * Overflow: a command that does not fit is not written at all; the
 * struct's overflow flag is set and the call returns PB_MPSSE_E_FULL.
 */
#ifndef PB_HIL_MPSSE_H
#define PB_HIL_MPSSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MPSSE_BUF 4096

/* Opcodes (AN_108). */
enum {
	PB_MPSSE_WRITE_BYTES_NVE_MSB = 0x11, /* out on falling edge */
	PB_MPSSE_WRITE_BYTES_PVE_MSB = 0x10,
	PB_MPSSE_READ_BYTES_PVE_MSB  = 0x20, /* in on rising edge */
	PB_MPSSE_READ_BYTES_NVE_MSB  = 0x24,
	PB_MPSSE_RW_BYTES_NVE_PVE_MSB = 0x31, /* out -ve, in +ve: SPI mode 0 */
	PB_MPSSE_SET_LOW    = 0x80,
	PB_MPSSE_GET_LOW    = 0x81,
	PB_MPSSE_SET_HIGH   = 0x82,
	PB_MPSSE_GET_HIGH   = 0x83,
	PB_MPSSE_LOOPBACK_ON  = 0x84,
	PB_MPSSE_LOOPBACK_OFF = 0x85,
	PB_MPSSE_SET_DIVISOR  = 0x86,
	PB_MPSSE_SEND_IMMEDIATE = 0x87,
	PB_MPSSE_DIV5_OFF   = 0x8A,
	PB_MPSSE_DIV5_ON    = 0x8B,
	PB_MPSSE_3PHASE_ON  = 0x8C,
	PB_MPSSE_3PHASE_OFF = 0x8D,
	PB_MPSSE_ADAPTIVE_ON  = 0x96,
	PB_MPSSE_ADAPTIVE_OFF = 0x97,
	PB_MPSSE_BAD_COMMAND  = 0xFA   /* reply: FA <opcode> */
};

#define PB_MPSSE_SYNC_OPCODE 0xAA      /* a bad opcode used to sync */
#define PB_MPSSE_BASE_HZ     60000000u /* with divide-by-5 off */

enum pb_mpsse_err {
	PB_MPSSE_OK = 0,
	PB_MPSSE_E_FULL = -1,   /* command does not fit the buffer */
	PB_MPSSE_E_ARG = -2,    /* bad pin, length or frequency */
	PB_MPSSE_E_SYNC = -3    /* sync reply was not FA <op> */
};

struct pb_mpsse {
	uint8_t lo_val, lo_dir;   /* shadow of ADBUS */
	uint8_t hi_val, hi_dir;   /* shadow of ACBUS */
	uint16_t divisor;
	uint8_t buf[PB_MPSSE_BUF];
	size_t  len;              /* bytes queued */
	size_t  expect;           /* reply bytes the queue will produce */
	bool    overflow;
};

/* Empty queue, shadow all inputs/low, divisor 0. */
void pb_mpsse_init(struct pb_mpsse *m);
/* Forget the queue (after sending it); the shadow stays. */
void pb_mpsse_clear(struct pb_mpsse *m);
const uint8_t *pb_mpsse_data(const struct pb_mpsse *m);
size_t pb_mpsse_len(const struct pb_mpsse *m);
size_t pb_mpsse_expect(const struct pb_mpsse *m);

/* Clock maths (pure). divisor_for fails for 0 Hz and for a request
 * slower than the slowest clock (div 65535, about 458 Hz). */
int pb_mpsse_divisor_for(uint32_t hz, uint16_t *div);
double pb_mpsse_sck_hz(uint16_t div);

/* SPI mode 0 init: 8A 97 8D 86 L H 85 80 lo_val lo_dir.  The shadow low
 * byte becomes lo_val/lo_dir.  With div 29, CS on ADBUS3 only:
 * 8A 97 8D 86 1D 00 85 80 08 0B. */
int pb_mpsse_spi_init(struct pb_mpsse *m, uint16_t div, uint8_t lo_val,
    uint8_t lo_dir);

/* GPIO bytes: update the shadow and queue 80/82 val dir. */
int pb_mpsse_set_low(struct pb_mpsse *m, uint8_t val, uint8_t dir);
int pb_mpsse_set_high(struct pb_mpsse *m, uint8_t val, uint8_t dir);
/* One pin (0..15): make it an output at level, queue its byte. */
int pb_mpsse_set_pin(struct pb_mpsse *m, int pin, bool level);
/* One pin (0..15): make it an input, queue its byte. */
int pb_mpsse_release_pin(struct pb_mpsse *m, int pin);
/* Shadow only (no bytes): level of an output pin as last set. */
bool pb_mpsse_pin_level(const struct pb_mpsse *m, int pin);

/* Read pins: 81 (ADBUS) / 83 (ACBUS); one reply byte each. */
int pb_mpsse_read_low(struct pb_mpsse *m);
int pb_mpsse_read_high(struct pb_mpsse *m);

/* 87: flush the chip's reply buffer to USB now. */
int pb_mpsse_send_immediate(struct pb_mpsse *m);
/* Sync: queue <op> 87 (op must be a bad opcode, e.g. 0xAA); the reply
 * is FA op, checked by pb_mpsse_check_sync(). */
int pb_mpsse_sync(struct pb_mpsse *m, uint8_t op);
int pb_mpsse_check_sync(const uint8_t *reply, size_t n, uint8_t op);

/* SPI write of n (1..65536) bytes with chip select cs (active low):
 * CS low | 11 (n-1)L (n-1)H data | CS high.  CS on ADBUS uses 0x80, on
 * ACBUS 0x82. */
int pb_mpsse_spi_write(struct pb_mpsse *m, int cs, const uint8_t *data,
    size_t n);
/* 16-bit word MSB first: 80 00 0B | 11 01 00 HI LO | 80 08 0B for CS on
 * ADBUS3 after the reference init. */
int pb_mpsse_spi_write16(struct pb_mpsse *m, int cs, uint16_t word);
/* Full-duplex SPI: CS low | 31 (n-1)L (n-1)H data | CS high; n reply
 * bytes (the bits sampled on the rising edges). */
int pb_mpsse_spi_transfer(struct pb_mpsse *m, int cs, const uint8_t *data,
    size_t n);

/* SPI read of n bytes, MOSI not driven: CS low | 20 (n-1)L (n-1)H |
 * CS high; n reply bytes sampled on the rising edge. */
int pb_mpsse_spi_read(struct pb_mpsse *m, int cs, size_t n);

/* Every pin an input: 80 00 00 82 00 00 (safe teardown). */
int pb_mpsse_all_inputs(struct pb_mpsse *m);

const char *pb_mpsse_strerror(int err);

#endif
