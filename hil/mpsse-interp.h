/*
 * hil/mpsse-interp.h - an FT232H MPSSE engine with SPI chips attached,
 * in memory.
 *
 * Promise: pure and deterministic.  It consumes the byte stream a host
 * writes to an FT232H in MPSSE mode - the very bytes hil/mpsse.c builds,
 * split anywhere (a command may straddle two feeds, as USB bulk packets
 * do) - and produces the bytes the chip would send back:
 *   - 0x80/0x82 set the ADBUS/ACBUS value and direction; 0x81/0x83 answer
 *     with the pin levels (outputs as driven, inputs as set by
 *     pb_mpsse_interp_set_inputs());
 *   - every clocking opcode of AN_108 (0x10-0x3F write/read/read-write,
 *     bytes or bits, MSB or LSB first, 0x8E/0x8F) clocks bits, one by
 *     one, into the SPI chips whose chip select is driven low;
 *     read opcodes return what the chips drive on MISO (loopback 0x84
 *     returns MOSI); MISO floats high when nobody drives it;
 *   - 0x84-0x8D, 0x96/0x97, 0x86 are recorded; 0x87, 0x88/0x89 are
 *     accepted; any other opcode answers FA <opcode> and parsing resumes
 *     at the next byte, exactly as the chip does (the sync handshake).
 * Attached chips behave as their datasheets say:
 *   - MCP4922: shifts MOSI on rising edges while selected; on the CS
 *     rising edge it latches the 16-bit word only after exactly 16 clocks
 *     (anything else is counted in bad_frames and ignored); LDAC is taken
 *     as tied low, so the output follows at once.
 *   - MCP3202: waits for the start bit (first 1 with CS low), takes SGL,
 *     ODD, MSBF, then drives a null bit and B11..B0 MSB first (then
 *     LSB-first B1..B11 when MSBF = 0); the code is that of the input
 *     voltage set with pb_mpsse_interp_set_adc_volts() at the sampling
 *     clock.
 * SPI mode 0 is checked: a write clocked out on the rising edge, or a
 * read sampled on the falling edge, while a chip is selected counts an
 * edge_error (a real chip would see garbage).
 */
#ifndef PB_HIL_MPSSE_INTERP_H
#define PB_HIL_MPSSE_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_INTERP_MAX_DEV 4
#define PB_INTERP_OUT     65536   /* reply buffer (bytes) */
#define PB_INTERP_LOG     256     /* DAC words remembered */

enum pb_interp_dev_kind {
	PB_INTERP_NONE = 0,
	PB_INTERP_MCP4922 = 1,
	PB_INTERP_MCP3202 = 2
};

struct pb_interp_dev {
	enum pb_interp_dev_kind kind;
	int    cs;                /* pin 0..15, active low */
	double vref;
	bool   selected;
	unsigned clocks;          /* rising edges since CS fell */
	uint32_t shift;
	/* MCP4922 */
	uint16_t word[2];         /* last latched word, per output */
	bool   latched[2];
	unsigned bad_frames;      /* CS rose after != 16 clocks */
	/* MCP3202 */
	double in_v[2];
	int    start_at;          /* clock of the start bit, -1 = none yet */
	bool   sgl, odd, msbf;
	uint16_t code;
	unsigned conversions;
};

struct pb_mpsse_interp {
	bool    mpsse;            /* bitmode MPSSE (else bytes ignored) */
	uint8_t lo_val, lo_dir, hi_val, hi_dir;
	uint16_t inputs;          /* levels of input pins (outside world) */
	uint16_t divisor;
	bool    div5, three_phase, adaptive, loopback;

	/* parser */
	bool    in_cmd;
	uint8_t op;
	uint8_t hdr[2];
	int     hdr_need, hdr_have;
	uint32_t data_left;       /* data bytes still to come */
	unsigned bits_len;        /* bit-mode length */
	uint8_t rd_acc;           /* bit-mode read accumulator */

	/* replies */
	uint8_t out[PB_INTERP_OUT];
	size_t  out_head, out_len;
	uint64_t out_dropped;

	/* devices */
	struct pb_interp_dev dev[PB_INTERP_MAX_DEV];
	int     ndev;

	/* observation */
	uint64_t bytes_in, commands, bad_opcodes, edge_errors, ignored;
	uint64_t sck_clocks;
	uint64_t stream_hash;     /* FNV-1a of every byte taken in MPSSE mode */
	uint16_t dac_log[PB_INTERP_LOG];   /* every latched MCP4922 word */
	size_t  dac_log_count;             /* total (log keeps the last) */
};

/* Power-on state: bitmode reset (not MPSSE), all pins inputs. */
void pb_mpsse_interp_init(struct pb_mpsse_interp *it);
/* Bitmode changes as the USB control requests make them. */
void pb_mpsse_interp_set_mpsse(struct pb_mpsse_interp *it, bool on);
/* BITMODE_RESET: all pins to inputs (chips deselected), parser reset. */
void pb_mpsse_interp_reset(struct pb_mpsse_interp *it);

/* Attach a chip with chip select pin cs; returns its index or < 0. */
int pb_mpsse_interp_attach(struct pb_mpsse_interp *it,
    enum pb_interp_dev_kind kind, int cs, double vref);

/* Feed host->chip bytes (any split); replies queue up. */
void pb_mpsse_interp_feed(struct pb_mpsse_interp *it, const uint8_t *b,
    size_t n);
/* Take up to cap queued reply bytes; returns how many. */
size_t pb_mpsse_interp_read(struct pb_mpsse_interp *it, uint8_t *buf,
    size_t cap);
size_t pb_mpsse_interp_pending(const struct pb_mpsse_interp *it);

/* Outside world. */
void pb_mpsse_interp_set_inputs(struct pb_mpsse_interp *it, uint16_t levels);
void pb_mpsse_interp_set_input(struct pb_mpsse_interp *it, int pin,
    bool level);
int  pb_mpsse_interp_set_adc_volts(struct pb_mpsse_interp *it, int dev,
    int ch, double volts);

/* Pin state: true if pin is an output, with its level in *level. */
bool pb_mpsse_interp_pin_driven(const struct pb_mpsse_interp *it, int pin,
    bool *level);
/* MCP4922 output ch (0 = A): volts (0 when never latched or shut down);
 * word in *word when latched. */
double pb_mpsse_interp_dac_volts(const struct pb_mpsse_interp *it, int dev,
    int ch);
bool pb_mpsse_interp_dac_word(const struct pb_mpsse_interp *it, int dev,
    int ch, uint16_t *word);

#endif
