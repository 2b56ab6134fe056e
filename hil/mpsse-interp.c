/*
 * hil/mpsse-interp.c - MPSSE engine + MCP4922/MCP3202 in memory.
 * See mpsse-interp.h.
 */
#include "hil/mpsse-interp.h"

#include <string.h>

#include "hil/adc.h"
#include "hil/dac.h"
#include "hil/mpsse.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

void pb_mpsse_interp_init(struct pb_mpsse_interp *it)
{
	memset(it, 0, sizeof(*it));
	it->stream_hash = FNV_OFFSET;
}

/* ---- replies ------------------------------------------------------------- */

static void emit(struct pb_mpsse_interp *it, uint8_t b)
{
	if (it->out_len == PB_INTERP_OUT) {
		it->out_dropped++;
		return;
	}
	it->out[(it->out_head + it->out_len) % PB_INTERP_OUT] = b;
	it->out_len++;
}

size_t pb_mpsse_interp_read(struct pb_mpsse_interp *it, uint8_t *buf,
    size_t cap)
{
	size_t n = 0;
	while (n < cap && it->out_len > 0) {
		buf[n++] = it->out[it->out_head];
		it->out_head = (it->out_head + 1) % PB_INTERP_OUT;
		it->out_len--;
	}
	return n;
}

size_t pb_mpsse_interp_pending(const struct pb_mpsse_interp *it)
{
	return it->out_len;
}

/* ---- pins and chip selects ---------------------------------------------- */

bool pb_mpsse_interp_pin_driven(const struct pb_mpsse_interp *it, int pin,
    bool *level)
{
	if (pin < 0 || pin > 15)
		return false;
	uint8_t bit = (uint8_t)(1u << (pin & 7));
	uint8_t dir = pin < 8 ? it->lo_dir : it->hi_dir;
	uint8_t val = pin < 8 ? it->lo_val : it->hi_val;
	if (!(dir & bit))
		return false;
	if (level)
		*level = (val & bit) != 0;
	return true;
}

/* A chip is selected when its CS pin is an output driven low; a CS line
 * left as an input is pulled up on the board (deselected). */
static bool cs_active(const struct pb_mpsse_interp *it, int cs)
{
	bool level;
	return pb_mpsse_interp_pin_driven(it, cs, &level) && !level;
}

static void dac_latch(struct pb_mpsse_interp *it, struct pb_interp_dev *d)
{
	if (d->clocks != 16) {
		d->bad_frames++;
		return;
	}
	uint16_t word = (uint16_t)(d->shift & 0xFFFF);
	int ch = (word & PB_DAC_AB) ? 1 : 0;
	d->word[ch] = word;
	d->latched[ch] = true;
	it->dac_log[it->dac_log_count % PB_INTERP_LOG] = word;
	it->dac_log_count++;
}

static void select_dev(struct pb_interp_dev *d)
{
	d->selected = true;
	d->clocks = 0;
	d->shift = 0;
	d->start_at = -1;
}

static void deselect_dev(struct pb_mpsse_interp *it, struct pb_interp_dev *d)
{
	d->selected = false;
	if (d->kind == PB_INTERP_MCP4922)
		dac_latch(it, d);
}

/* After any pin change: find CS edges. */
static void update_cs(struct pb_mpsse_interp *it)
{
	for (int i = 0; i < it->ndev; i++) {
		struct pb_interp_dev *d = &it->dev[i];
		bool sel = cs_active(it, d->cs);
		if (sel && !d->selected)
			select_dev(d);
		else if (!sel && d->selected)
			deselect_dev(it, d);
	}
}

void pb_mpsse_interp_set_mpsse(struct pb_mpsse_interp *it, bool on)
{
	it->mpsse = on;
	it->in_cmd = false;
}

void pb_mpsse_interp_reset(struct pb_mpsse_interp *it)
{
	it->lo_dir = it->hi_dir = 0;
	it->lo_val = it->hi_val = 0;
	update_cs(it);
	it->mpsse = false;
	it->in_cmd = false;
	it->loopback = false;
}

int pb_mpsse_interp_attach(struct pb_mpsse_interp *it,
    enum pb_interp_dev_kind kind, int cs, double vref)
{
	if (it->ndev >= PB_INTERP_MAX_DEV || cs < 0 || cs > 15 ||
	    (kind != PB_INTERP_MCP4922 && kind != PB_INTERP_MCP3202))
		return -1;
	struct pb_interp_dev *d = &it->dev[it->ndev];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->cs = cs;
	d->vref = vref;
	d->start_at = -1;
	d->selected = cs_active(it, cs);
	return it->ndev++;
}

void pb_mpsse_interp_set_inputs(struct pb_mpsse_interp *it, uint16_t levels)
{
	it->inputs = levels;
}

void pb_mpsse_interp_set_input(struct pb_mpsse_interp *it, int pin,
    bool level)
{
	if (pin < 0 || pin > 15)
		return;
	if (level)
		it->inputs = (uint16_t)(it->inputs | (1u << pin));
	else
		it->inputs = (uint16_t)(it->inputs & ~(1u << pin));
}

int pb_mpsse_interp_set_adc_volts(struct pb_mpsse_interp *it, int dev,
    int ch, double volts)
{
	if (dev < 0 || dev >= it->ndev || it->dev[dev].kind != PB_INTERP_MCP3202
	    || ch < 0 || ch > 1)
		return -1;
	it->dev[dev].in_v[ch] = volts;
	return 0;
}

double pb_mpsse_interp_dac_volts(const struct pb_mpsse_interp *it, int dev,
    int ch)
{
	uint16_t w;
	if (!pb_mpsse_interp_dac_word(it, dev, ch, &w))
		return 0.0;
	return pb_dac_word_volts(w, it->dev[dev].vref);
}

bool pb_mpsse_interp_dac_word(const struct pb_mpsse_interp *it, int dev,
    int ch, uint16_t *word)
{
	if (dev < 0 || dev >= it->ndev || it->dev[dev].kind != PB_INTERP_MCP4922
	    || ch < 0 || ch > 1 || !it->dev[dev].latched[ch])
		return false;
	if (word)
		*word = it->dev[dev].word[ch];
	return true;
}

/* ---- SPI bit clocking ---------------------------------------------------- */

/* MCP3202 DOUT for the rising edge number n (1-based since CS fell);
 * returns -1 when DOUT is high-impedance. */
static int adc_out(const struct pb_interp_dev *d, unsigned n)
{
	if (d->start_at < 0)
		return -1;
	int c = (int)n - d->start_at;
	if (c <= 3)
		return -1;
	if (c == 4)
		return 0;                            /* null bit */
	if (c <= 16)
		return (d->code >> (16 - c)) & 1;    /* B11..B0 */
	if (!d->msbf && c <= 27)
		return (d->code >> (c - 16)) & 1;    /* B1..B11 */
	return d->msbf ? 0 : -1;
}

static void adc_sample(struct pb_interp_dev *d, unsigned n, int mosi)
{
	if (d->start_at < 0) {
		if (mosi)
			d->start_at = (int)n;
		return;
	}
	int c = (int)n - d->start_at;
	if (c == 1) {
		d->sgl = mosi;
	} else if (c == 2) {
		d->odd = mosi;
		double v;
		if (d->sgl)
			v = d->in_v[d->odd ? 1 : 0];
		else
			v = d->odd ? d->in_v[1] - d->in_v[0]
			           : d->in_v[0] - d->in_v[1];
		d->code = pb_adc_code_for(v, d->vref);
		d->conversions++;
	} else if (c == 3) {
		d->msbf = mosi;
	}
}

/* One SCK period: returns the MISO bit sampled. */
static int clock_bit(struct pb_mpsse_interp *it, int mosi)
{
	int miso = 1;   /* floats high */
	it->sck_clocks++;
	for (int i = 0; i < it->ndev; i++) {
		struct pb_interp_dev *d = &it->dev[i];
		if (!d->selected)
			continue;
		unsigned n = d->clocks + 1;
		if (d->kind == PB_INTERP_MCP3202) {
			int o = adc_out(d, n);
			if (o >= 0)
				miso &= o;
			adc_sample(d, n, mosi);
		} else {
			d->shift = (d->shift << 1) | (uint32_t)(mosi & 1);
		}
		d->clocks = n;
	}
	if (it->loopback)
		miso = mosi;
	return miso;
}

static bool any_selected(const struct pb_mpsse_interp *it)
{
	for (int i = 0; i < it->ndev; i++)
		if (it->dev[i].selected)
			return true;
	return false;
}

/* Clock nbits of byte out (if wr) and return the bits read. */
static uint8_t clock_byte(struct pb_mpsse_interp *it, uint8_t op,
    uint8_t out, unsigned nbits)
{
	bool lsb = op & 0x08, wr = op & 0x10;
	uint8_t in = 0;
	for (unsigned i = 0; i < nbits; i++) {
		int mosi = 0;
		if (wr)
			mosi = lsb ? (out >> i) & 1 : (out >> (7 - i)) & 1;
		int miso = clock_bit(it, mosi);
		if (lsb)
			in = (uint8_t)((in >> 1) | (miso << 7));
		else
			in = (uint8_t)((in << 1) | miso);
	}
	return in;
}

/* ---- opcode decoding ----------------------------------------------------- */

static bool is_clock_op(uint8_t op)
{
	if (op < 0x10 || op > 0x3F)
		return false;
	bool wr = op & 0x10, rd = op & 0x20;
	bool wneg = op & 0x01, rneg = op & 0x04;
	if (wr && rd)
		return wneg != rneg;   /* 0x31/0x34 and bit/LSB forms */
	if (wr)
		return !rneg;          /* 0x10/0x11 ... */
	if (rd)
		return !wneg;          /* 0x20/0x24 ... */
	return false;
}

static bool is_tms_op(uint8_t op)
{
	return op == 0x4A || op == 0x4B || op == 0x6A || op == 0x6B ||
	    op == 0x6E || op == 0x6F;
}

static void check_edges(struct pb_mpsse_interp *it, uint8_t op)
{
	if (!any_selected(it))
		return;
	bool wr = op & 0x10, rd = op & 0x20;
	/* mode 0: chips sample on rising, drive on falling edges */
	if ((wr && !(op & 0x01)) || (rd && (op & 0x04)))
		it->edge_errors++;
}

static void set_pins(struct pb_mpsse_interp *it, bool high, uint8_t val,
    uint8_t dir)
{
	if (high) {
		it->hi_val = val;
		it->hi_dir = dir;
	} else {
		it->lo_val = val;
		it->lo_dir = dir;
	}
	update_cs(it);
}

static uint8_t read_pins(const struct pb_mpsse_interp *it, bool high)
{
	uint8_t val = high ? it->hi_val : it->lo_val;
	uint8_t dir = high ? it->hi_dir : it->lo_dir;
	uint8_t ext = high ? (uint8_t)(it->inputs >> 8)
	                   : (uint8_t)(it->inputs & 0xFF);
	return (uint8_t)((val & dir) | (ext & (uint8_t)~dir));
}

static void bad(struct pb_mpsse_interp *it, uint8_t op)
{
	it->bad_opcodes++;
	emit(it, PB_MPSSE_BAD_COMMAND);
	emit(it, op);
}

/* Start of a command: returns true if it needs more bytes. */
static bool start(struct pb_mpsse_interp *it, uint8_t op)
{
	it->op = op;
	it->hdr_have = 0;
	it->data_left = 0;
	it->commands++;
	if (is_clock_op(op)) {
		it->hdr_need = (op & 0x02) ? 1 : 2;
		return true;
	}
	if (is_tms_op(op)) {
		it->hdr_need = 1;
		return true;
	}
	switch (op) {
	case 0x80: case 0x82: case 0x86: case 0x8F: case 0x9C: case 0x9D:
	case 0x9E:
		it->hdr_need = 2;
		return true;
	case 0x8E:
		it->hdr_need = 1;
		return true;
	case 0x81: emit(it, read_pins(it, false)); return false;
	case 0x83: emit(it, read_pins(it, true)); return false;
	case 0x84: it->loopback = true; return false;
	case 0x85: it->loopback = false; return false;
	case 0x87: return false;               /* send immediate */
	case 0x88: case 0x89: return false;    /* wait on GPIOL1: as met */
	case 0x8A: it->div5 = false; return false;
	case 0x8B: it->div5 = true; return false;
	case 0x8C: it->three_phase = true; return false;
	case 0x8D: it->three_phase = false; return false;
	case 0x94: case 0x95: return false;    /* clock until GPIOL1: as met */
	case 0x96: it->adaptive = true; return false;
	case 0x97: it->adaptive = false; return false;
	default:
		it->commands--;
		bad(it, op);
		return false;
	}
}

/* Header complete: returns true if data bytes follow. */
static bool header_done(struct pb_mpsse_interp *it)
{
	uint8_t op = it->op;
	uint32_t len16 = (uint32_t)it->hdr[0] | ((uint32_t)it->hdr[1] << 8);
	if (is_clock_op(op)) {
		check_edges(it, op);
		bool wr = op & 0x10, rd = op & 0x20;
		if (op & 0x02) {                 /* bits */
			it->bits_len = (it->hdr[0] & 7u) + 1;
			if (wr) {
				it->data_left = 1;
				return true;
			}
			uint8_t in = clock_byte(it, op, 0, it->bits_len);
			if (rd)
				emit(it, in);
			return false;
		}
		uint32_t n = len16 + 1;
		if (wr) {
			it->data_left = n;
			return true;
		}
		for (uint32_t i = 0; i < n; i++)
			emit(it, clock_byte(it, op, 0, 8));
		return false;
	}
	if (is_tms_op(op)) {
		it->bits_len = (it->hdr[0] & 7u) + 1;
		it->data_left = 1;
		return true;
	}
	switch (op) {
	case 0x80: set_pins(it, false, it->hdr[0], it->hdr[1]); break;
	case 0x82: set_pins(it, true, it->hdr[0], it->hdr[1]); break;
	case 0x86: it->divisor = (uint16_t)len16; break;
	case 0x8E:                              /* clock bits, no data */
		clock_byte(it, 0x10, 0, (it->hdr[0] & 7u) + 1);
		break;
	case 0x8F:                              /* clock bytes, no data */
		for (uint32_t i = 0; i < len16 + 1; i++)
			clock_byte(it, 0x10, 0, 8);
		break;
	default:                                /* 9C/9D/9E: accepted */
		break;
	}
	return false;
}

static void data_byte(struct pb_mpsse_interp *it, uint8_t b)
{
	uint8_t op = it->op;
	if (is_tms_op(op)) {
		/* TMS is ADBUS3; no SPI chip sees these clocks as data. */
		it->sck_clocks += it->bits_len;
		if (op & 0x20)
			emit(it, (uint8_t)(it->loopback ? b : 0xFF));
		return;
	}
	bool rd = op & 0x20;
	unsigned nbits = (op & 0x02) ? it->bits_len : 8;
	uint8_t in = clock_byte(it, op, b, nbits);
	if (rd)
		emit(it, in);
}

static void step(struct pb_mpsse_interp *it, uint8_t b)
{
	if (!it->in_cmd) {
		it->in_cmd = start(it, b);
		return;
	}
	if (it->hdr_have < it->hdr_need) {
		it->hdr[it->hdr_have++] = b;
		if (it->hdr_have == it->hdr_need)
			it->in_cmd = header_done(it);
		return;
	}
	data_byte(it, b);
	if (--it->data_left == 0)
		it->in_cmd = false;
}

void pb_mpsse_interp_feed(struct pb_mpsse_interp *it, const uint8_t *b,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		it->bytes_in++;
		if (!it->mpsse) {
			it->ignored++;
			continue;
		}
		it->stream_hash = (it->stream_hash ^ b[i]) * FNV_PRIME;
		step(it, b[i]);
	}
}
