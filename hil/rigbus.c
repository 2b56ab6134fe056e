/*
 * hil/rigbus.c - fixture operations as MPSSE transactions. See rigbus.h.
 */
#include "hil/rigbus.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hil/adc.h"
#include "hil/dac.h"
#include "hil/fixture.h"

void pb_rigbus_init(struct pb_rigbus *b, const struct pb_rig *rig,
    pb_rigbus_xfer_fn xfer, void *ctx)
{
	memset(b, 0, sizeof(*b));
	b->rig = rig;
	b->xfer = xfer;
	b->ctx = ctx;
	pb_mpsse_init(&b->m);
}

/* Electrical level of a pin for a logical state. */
static bool level_for(struct pb_rig_pin p, bool active)
{
	return active != p.active_low;
}

static void put_pin(uint8_t *lo_val, uint8_t *lo_dir, uint8_t *hi_val,
    uint8_t *hi_dir, struct pb_rig_pin p, bool output, bool level)
{
	if (p.pin < 0 || p.pin > 15)
		return;
	uint8_t *val = p.pin < 8 ? lo_val : hi_val;
	uint8_t *dir = p.pin < 8 ? lo_dir : hi_dir;
	uint8_t bit = (uint8_t)(1u << (p.pin & 7));
	if (output)
		*dir |= bit;
	else
		*dir &= (uint8_t)~bit;
	if (output && level)
		*val |= bit;
	else
		*val &= (uint8_t)~bit;
}

void pb_rigbus_idle_pins(const struct pb_rig *rig, uint8_t *lo_val,
    uint8_t *lo_dir, uint8_t *hi_val, uint8_t *hi_dir)
{
	*lo_val = 0;
	*hi_val = 0;
	*hi_dir = 0;
	/* SK and DO outputs (SK idles low: mode 0), DI input */
	*lo_dir = (uint8_t)((1u << PB_RIG_PIN_SK) | (1u << PB_RIG_PIN_DO));
	put_pin(lo_val, lo_dir, hi_val, hi_dir, rig->dac.cs, true,
	    level_for(rig->dac.cs, false));
	put_pin(lo_val, lo_dir, hi_val, hi_dir, rig->adc.cs, true,
	    level_for(rig->adc.cs, false));
	put_pin(lo_val, lo_dir, hi_val, hi_dir, rig->power, true,
	    level_for(rig->power, false));
	for (int c = 0; c < rig->channels; c++)
		put_pin(lo_val, lo_dir, hi_val, hi_dir, rig->ch[c].inject, true,
		    level_for(rig->ch[c].inject, false));
	/* motor, alarm, valves: inputs (already 0 in dir) */
}

static int fail(struct pb_rigbus *b, int rc, const char *fmt, const char *a)
{
	snprintf(b->msg, sizeof(b->msg), fmt, a ? a : "");
	return rc;
}

/* Send the queued commands and collect the reply. */
static int run(struct pb_rigbus *b, uint8_t *in, size_t cap)
{
	if (b->m.overflow) {
		pb_mpsse_clear(&b->m);
		return fail(b, PB_FIX_E_ARG, "MPSSE transaction too long%s",
		    NULL);
	}
	size_t want = pb_mpsse_expect(&b->m);
	if (want > cap) {
		pb_mpsse_clear(&b->m);
		return fail(b, PB_FIX_E_ARG, "reply larger than buffer%s", NULL);
	}
	b->msg[0] = '\0';
	int rc = b->xfer(b->ctx, pb_mpsse_data(&b->m), pb_mpsse_len(&b->m),
	    in, want, b->msg, sizeof(b->msg));
	pb_mpsse_clear(&b->m);
	if (rc != PB_FIX_OK && !b->msg[0])
		snprintf(b->msg, sizeof(b->msg), "%s", pb_fixture_strerror(rc));
	return rc;
}

int pb_rigbus_sync(struct pb_rigbus *b)
{
	static const uint8_t ops[2] = { PB_MPSSE_SYNC_OPCODE, 0xAB };
	for (int i = 0; i < 2; i++) {
		uint8_t in[2];
		pb_mpsse_clear(&b->m);
		pb_mpsse_sync(&b->m, ops[i]);
		int rc = run(b, in, sizeof(in));
		if (rc == PB_FIX_E_TIMEOUT)
			return fail(b, PB_FIX_E_SYNC, "MPSSE sync: no answer to "
			    "the bad opcode (is the FT232H in MPSSE mode?)%s",
			    NULL);
		if (rc)
			return rc;
		if (pb_mpsse_check_sync(in, 2, ops[i])) {
			char got[32];
			snprintf(got, sizeof(got), "%02X %02X", in[0], in[1]);
			return fail(b, PB_FIX_E_SYNC, "MPSSE sync: expected the "
			    "bad-opcode echo FA xx, got %s", got);
		}
	}
	return PB_FIX_OK;
}

static int dac_write(struct pb_rigbus *b, int out, double volts)
{
	uint16_t word;
	int rc = pb_dac_encode(out, volts, b->rig->dac.vref,
	    b->rig->dac.buffered, &word);
	if (rc) {
		char v[48];
		snprintf(v, sizeof(v), "%.4g V (vref %.4g V)", volts,
		    b->rig->dac.vref);
		return fail(b, PB_FIX_E_ARG, "DAC voltage %s out of range", v);
	}
	if (pb_mpsse_spi_write16(&b->m, b->rig->dac.cs.pin, word))
		return fail(b, PB_FIX_E_ARG, "DAC chip select pin invalid%s",
		    NULL);
	b->dac_word[out] = word;
	return PB_FIX_OK;
}

int pb_rigbus_begin(struct pb_rigbus *b)
{
	const struct pb_rig *r = b->rig;
	b->ready = false;
	pb_mpsse_clear(&b->m);
	int rc = pb_rigbus_sync(b);
	if (rc)
		return rc;
	if (pb_mpsse_divisor_for(r->spi_hz, &b->div))
		return fail(b, PB_FIX_E_ARG, "SPI clock out of range%s", NULL);
	uint8_t lv, ld, hv, hd;
	pb_rigbus_idle_pins(r, &lv, &ld, &hv, &hd);
	pb_mpsse_spi_init(&b->m, b->div, lv, ld);
	pb_mpsse_set_high(&b->m, hv, hd);
	for (int out = 0; out < 2; out++) {
		rc = dac_write(b, out, r->dac.safe_volts);
		if (rc) {
			pb_mpsse_clear(&b->m);
			return rc;
		}
	}
	pb_mpsse_read_low(&b->m);
	pb_mpsse_read_high(&b->m);
	pb_mpsse_send_immediate(&b->m);
	uint8_t in[2];
	rc = run(b, in, sizeof(in));
	if (rc)
		return rc;
	/* DI floats; compare only the pins we drive. */
	if ((in[0] & ld) != (lv & ld) || (in[1] & hd) != (hv & hd)) {
		char got[96];
		snprintf(got, sizeof(got), "ADBUS %02X ACBUS %02X, driven %02X "
		    "%02X (mask %02X %02X)", in[0], in[1], lv, hv, ld, hd);
		return fail(b, PB_FIX_E_IO, "GPIO read-back mismatch: %s "
		    "(a shorted line?)", got);
	}
	b->ready = true;
	return PB_FIX_OK;
}

static int check_ch(struct pb_rigbus *b, int ch)
{
	if (ch < 0 || ch >= b->rig->channels) {
		char s[16];
		snprintf(s, sizeof(s), "%d", ch + 1);
		return fail(b, PB_FIX_E_ARG, "no channel %s on this rig", s);
	}
	return PB_FIX_OK;
}

int pb_rigbus_set_inject(struct pb_rigbus *b, int ch, bool enable,
    double volts)
{
	int rc = check_ch(b, ch);
	if (rc)
		return rc;
	const struct pb_rig_channel *c = &b->rig->ch[ch];
	pb_mpsse_clear(&b->m);
	if (enable) {
		if ((rc = dac_write(b, c->dac_ch, volts)) != PB_FIX_OK) {
			pb_mpsse_clear(&b->m);
			return rc;
		}
		pb_mpsse_set_pin(&b->m, c->inject.pin, level_for(c->inject, true));
	} else {
		pb_mpsse_set_pin(&b->m, c->inject.pin,
		    level_for(c->inject, false));
		if ((rc = dac_write(b, c->dac_ch, b->rig->dac.safe_volts))) {
			pb_mpsse_clear(&b->m);
			return rc;
		}
	}
	return run(b, NULL, 0);
}

int pb_rigbus_read_reference(struct pb_rigbus *b, int ch, double *volts)
{
	int rc = check_ch(b, ch);
	if (rc)
		return rc;
	uint8_t cmd[PB_ADC_XFER_LEN], in[PB_ADC_XFER_LEN];
	pb_adc_command(b->rig->ch[ch].adc_ch, true, cmd);
	pb_mpsse_clear(&b->m);
	pb_mpsse_spi_transfer(&b->m, b->rig->adc.cs.pin, cmd, sizeof(cmd));
	pb_mpsse_send_immediate(&b->m);
	rc = run(b, in, sizeof(in));
	if (rc)
		return rc;
	uint16_t code;
	if (pb_adc_decode(in, &code)) {
		char got[32];
		snprintf(got, sizeof(got), "%02X %02X %02X", in[0], in[1], in[2]);
		return fail(b, PB_FIX_E_IO, "MCP3202 did not answer (no null "
		    "bit): %s", got);
	}
	if (volts)
		*volts = pb_adc_volts(code, b->rig->adc.vref);
	return PB_FIX_OK;
}

static bool pin_active(struct pb_rig_pin p, uint8_t lo, uint8_t hi)
{
	if (p.pin < 0 || p.pin > 15)
		return false;
	uint8_t v = p.pin < 8 ? lo : hi;
	bool level = (v >> (p.pin & 7)) & 1u;
	return level != p.active_low;
}

int pb_rigbus_read_outputs(struct pb_rigbus *b, uint32_t *bits)
{
	uint8_t in[2];
	pb_mpsse_clear(&b->m);
	pb_mpsse_read_low(&b->m);
	pb_mpsse_read_high(&b->m);
	pb_mpsse_send_immediate(&b->m);
	int rc = run(b, in, sizeof(in));
	if (rc)
		return rc;
	const struct pb_rig *r = b->rig;
	uint32_t out = 0;
	if (pin_active(r->motor, in[0], in[1]))
		out |= PB_FIX_OUT_MOTOR;
	if (pin_active(r->alarm, in[0], in[1]))
		out |= PB_FIX_OUT_ALARM;
	for (int c = 0; c < r->channels; c++)
		if (pin_active(r->ch[c].valve, in[0], in[1]))
			out |= PB_FIX_OUT_VALVE(c);
	if (bits)
		*bits = out;
	return PB_FIX_OK;
}

int pb_rigbus_set_power(struct pb_rigbus *b, bool on)
{
	pb_mpsse_clear(&b->m);
	if (pb_mpsse_set_pin(&b->m, b->rig->power.pin,
	    level_for(b->rig->power, on)))
		return fail(b, PB_FIX_E_ARG, "no power pin%s", NULL);
	return run(b, NULL, 0);
}

int pb_rigbus_safe(struct pb_rigbus *b)
{
	const struct pb_rig *r = b->rig;
	int first = PB_FIX_OK, rc;
	char firstmsg[256] = "";
	b->ready = false;

	/* 1. relays off (and DUT power off with them) */
	pb_mpsse_clear(&b->m);
	for (int c = 0; c < r->channels; c++)
		pb_mpsse_set_pin(&b->m, r->ch[c].inject.pin,
		    level_for(r->ch[c].inject, false));
	pb_mpsse_set_pin(&b->m, r->power.pin, level_for(r->power, false));
	rc = run(b, NULL, 0);
	if (rc && !first) {
		first = rc;
		snprintf(firstmsg, sizeof(firstmsg), "%s", b->msg);
	}
	/* 2. both DAC outputs to the safe level.  The SPI pins may have
	 * been released by an earlier safe(): drive them again. */
	pb_mpsse_clear(&b->m);
	uint8_t lv, ld, hv, hd;
	pb_rigbus_idle_pins(r, &lv, &ld, &hv, &hd);
	uint8_t keep = (uint8_t)((1u << PB_RIG_PIN_SK) | (1u << PB_RIG_PIN_DO));
	pb_mpsse_set_low(&b->m, (uint8_t)((b->m.lo_val & ~keep) | (lv & keep)),
	    (uint8_t)(b->m.lo_dir | keep));
	for (int out = 0; out < 2; out++)
		dac_write(b, out, r->dac.safe_volts);
	rc = run(b, NULL, 0);
	if (rc && !first) {
		first = rc;
		snprintf(firstmsg, sizeof(firstmsg), "%s", b->msg);
	}
	/* 3. every pin an input */
	pb_mpsse_clear(&b->m);
	pb_mpsse_all_inputs(&b->m);
	rc = run(b, NULL, 0);
	if (rc && !first) {
		first = rc;
		snprintf(firstmsg, sizeof(firstmsg), "%s", b->msg);
	}
	if (first)
		snprintf(b->msg, sizeof(b->msg), "%s", firstmsg);
	(void)hv;
	(void)hd;
	return first;
}
