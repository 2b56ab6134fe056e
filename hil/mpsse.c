/*
 * hil/mpsse.c - FTDI MPSSE command builder. See mpsse.h.
 */
#include "hil/mpsse.h"

#include <string.h>

void pb_mpsse_init(struct pb_mpsse *m)
{
	memset(m, 0, sizeof(*m));
}

void pb_mpsse_clear(struct pb_mpsse *m)
{
	m->len = 0;
	m->expect = 0;
	m->overflow = false;
}

const uint8_t *pb_mpsse_data(const struct pb_mpsse *m) { return m->buf; }
size_t pb_mpsse_len(const struct pb_mpsse *m) { return m->len; }
size_t pb_mpsse_expect(const struct pb_mpsse *m) { return m->expect; }

/* Room for n more bytes? Marks overflow when not. */
static int room(struct pb_mpsse *m, size_t n)
{
	if (n > PB_MPSSE_BUF - m->len) {
		m->overflow = true;
		return PB_MPSSE_E_FULL;
	}
	return PB_MPSSE_OK;
}

static void put(struct pb_mpsse *m, uint8_t b)
{
	m->buf[m->len++] = b;
}

int pb_mpsse_divisor_for(uint32_t hz, uint16_t *div)
{
	if (hz == 0 || !div)
		return PB_MPSSE_E_ARG;
	/* SCK = 30 MHz / (1 + div) <= hz  <=>  1 + div >= 30 MHz / hz */
	uint64_t half = PB_MPSSE_BASE_HZ / 2;
	uint64_t q = (half + hz - 1) / hz;   /* ceil */
	if (q < 1)
		q = 1;
	if (q - 1 > 0xFFFF)
		return PB_MPSSE_E_ARG;
	*div = (uint16_t)(q - 1);
	return PB_MPSSE_OK;
}

double pb_mpsse_sck_hz(uint16_t div)
{
	return (double)PB_MPSSE_BASE_HZ / ((1.0 + div) * 2.0);
}

int pb_mpsse_set_low(struct pb_mpsse *m, uint8_t val, uint8_t dir)
{
	if (room(m, 3))
		return PB_MPSSE_E_FULL;
	m->lo_val = val;
	m->lo_dir = dir;
	put(m, PB_MPSSE_SET_LOW);
	put(m, val);
	put(m, dir);
	return PB_MPSSE_OK;
}

int pb_mpsse_set_high(struct pb_mpsse *m, uint8_t val, uint8_t dir)
{
	if (room(m, 3))
		return PB_MPSSE_E_FULL;
	m->hi_val = val;
	m->hi_dir = dir;
	put(m, PB_MPSSE_SET_HIGH);
	put(m, val);
	put(m, dir);
	return PB_MPSSE_OK;
}

int pb_mpsse_spi_init(struct pb_mpsse *m, uint16_t div, uint8_t lo_val,
    uint8_t lo_dir)
{
	if (room(m, 10))
		return PB_MPSSE_E_FULL;
	put(m, PB_MPSSE_DIV5_OFF);
	put(m, PB_MPSSE_ADAPTIVE_OFF);
	put(m, PB_MPSSE_3PHASE_OFF);
	put(m, PB_MPSSE_SET_DIVISOR);
	put(m, (uint8_t)(div & 0xFF));
	put(m, (uint8_t)(div >> 8));
	put(m, PB_MPSSE_LOOPBACK_OFF);
	m->divisor = div;
	return pb_mpsse_set_low(m, lo_val, lo_dir);
}

static bool pin_ok(int pin) { return pin >= 0 && pin < 16; }

static int set_byte(struct pb_mpsse *m, bool high, uint8_t val, uint8_t dir)
{
	return high ? pb_mpsse_set_high(m, val, dir)
	            : pb_mpsse_set_low(m, val, dir);
}

int pb_mpsse_set_pin(struct pb_mpsse *m, int pin, bool level)
{
	if (!pin_ok(pin))
		return PB_MPSSE_E_ARG;
	bool high = pin >= 8;
	uint8_t bit = (uint8_t)(1u << (pin & 7));
	uint8_t val = high ? m->hi_val : m->lo_val;
	uint8_t dir = high ? m->hi_dir : m->lo_dir;
	val = level ? (uint8_t)(val | bit) : (uint8_t)(val & ~bit);
	dir = (uint8_t)(dir | bit);
	return set_byte(m, high, val, dir);
}

int pb_mpsse_release_pin(struct pb_mpsse *m, int pin)
{
	if (!pin_ok(pin))
		return PB_MPSSE_E_ARG;
	bool high = pin >= 8;
	uint8_t bit = (uint8_t)(1u << (pin & 7));
	uint8_t val = high ? m->hi_val : m->lo_val;
	uint8_t dir = high ? m->hi_dir : m->lo_dir;
	dir = (uint8_t)(dir & ~bit);
	return set_byte(m, high, val, dir);
}

bool pb_mpsse_pin_level(const struct pb_mpsse *m, int pin)
{
	if (!pin_ok(pin))
		return false;
	uint8_t val = pin >= 8 ? m->hi_val : m->lo_val;
	return (val >> (pin & 7)) & 1u;
}

static int one_reply(struct pb_mpsse *m, uint8_t op)
{
	if (room(m, 1))
		return PB_MPSSE_E_FULL;
	put(m, op);
	m->expect += 1;
	return PB_MPSSE_OK;
}

int pb_mpsse_read_low(struct pb_mpsse *m)
{
	return one_reply(m, PB_MPSSE_GET_LOW);
}

int pb_mpsse_read_high(struct pb_mpsse *m)
{
	return one_reply(m, PB_MPSSE_GET_HIGH);
}

int pb_mpsse_send_immediate(struct pb_mpsse *m)
{
	if (room(m, 1))
		return PB_MPSSE_E_FULL;
	put(m, PB_MPSSE_SEND_IMMEDIATE);
	return PB_MPSSE_OK;
}

int pb_mpsse_sync(struct pb_mpsse *m, uint8_t op)
{
	if (room(m, 2))
		return PB_MPSSE_E_FULL;
	put(m, op);
	put(m, PB_MPSSE_SEND_IMMEDIATE);
	m->expect += 2;
	return PB_MPSSE_OK;
}

int pb_mpsse_check_sync(const uint8_t *reply, size_t n, uint8_t op)
{
	/* Stale bytes may precede the answer: look for FA op at the end. */
	if (!reply || n < 2)
		return PB_MPSSE_E_SYNC;
	if (reply[n - 2] == PB_MPSSE_BAD_COMMAND && reply[n - 1] == op)
		return PB_MPSSE_OK;
	return PB_MPSSE_E_SYNC;
}

/* CS edge for an active-low chip select: level false = selected. */
static int cs_to(struct pb_mpsse *m, int cs, bool level)
{
	return pb_mpsse_set_pin(m, cs, level);
}

static int spi_clock(struct pb_mpsse *m, int cs, uint8_t op,
    const uint8_t *data, size_t n, bool reply)
{
	if (!pin_ok(cs) || cs <= 2 || !data || n == 0 || n > 65536)
		return PB_MPSSE_E_ARG;
	if (room(m, 3 + 3 + n + 3))
		return PB_MPSSE_E_FULL;
	cs_to(m, cs, false);
	put(m, op);
	put(m, (uint8_t)((n - 1) & 0xFF));
	put(m, (uint8_t)((n - 1) >> 8));
	for (size_t i = 0; i < n; i++)
		put(m, data[i]);
	cs_to(m, cs, true);
	if (reply)
		m->expect += n;
	return PB_MPSSE_OK;
}

int pb_mpsse_spi_write(struct pb_mpsse *m, int cs, const uint8_t *data,
    size_t n)
{
	return spi_clock(m, cs, PB_MPSSE_WRITE_BYTES_NVE_MSB, data, n, false);
}

int pb_mpsse_spi_write16(struct pb_mpsse *m, int cs, uint16_t word)
{
	uint8_t b[2] = { (uint8_t)(word >> 8), (uint8_t)(word & 0xFF) };
	return pb_mpsse_spi_write(m, cs, b, 2);
}

int pb_mpsse_spi_transfer(struct pb_mpsse *m, int cs, const uint8_t *data,
    size_t n)
{
	return spi_clock(m, cs, PB_MPSSE_RW_BYTES_NVE_PVE_MSB, data, n, true);
}

int pb_mpsse_spi_read(struct pb_mpsse *m, int cs, size_t n)
{
	if (!pin_ok(cs) || cs <= 2 || n == 0 || n > 65536)
		return PB_MPSSE_E_ARG;
	if (room(m, 3 + 3 + 3))
		return PB_MPSSE_E_FULL;
	cs_to(m, cs, false);
	put(m, PB_MPSSE_READ_BYTES_PVE_MSB);
	put(m, (uint8_t)((n - 1) & 0xFF));
	put(m, (uint8_t)((n - 1) >> 8));
	cs_to(m, cs, true);
	m->expect += n;
	return PB_MPSSE_OK;
}

int pb_mpsse_all_inputs(struct pb_mpsse *m)
{
	if (room(m, 6))
		return PB_MPSSE_E_FULL;
	pb_mpsse_set_low(m, 0, 0);
	return pb_mpsse_set_high(m, 0, 0);
}

const char *pb_mpsse_strerror(int err)
{
	switch (err) {
	case PB_MPSSE_OK: return "ok";
	case PB_MPSSE_E_FULL: return "MPSSE command buffer full";
	case PB_MPSSE_E_ARG: return "bad MPSSE argument (pin, length or clock)";
	case PB_MPSSE_E_SYNC: return "MPSSE did not echo the bad opcode (no sync)";
	default: return "unknown MPSSE error";
	}
}
