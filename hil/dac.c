/*
 * hil/dac.c - MCP4922 word codec. See dac.h.
 */
#include "hil/dac.h"

#include <math.h>

uint16_t pb_dac_pack(const struct pb_dac_word *w)
{
	uint16_t word = (uint16_t)(w->code & 0x0FFF);
	if (w->ch)
		word |= PB_DAC_AB;
	if (w->buffered)
		word |= PB_DAC_BUF;
	if (w->gain1x)
		word |= PB_DAC_GA;
	if (w->active)
		word |= PB_DAC_SHDN;
	return word;
}

void pb_dac_unpack(uint16_t word, struct pb_dac_word *w)
{
	w->ch = (word & PB_DAC_AB) ? 1 : 0;
	w->buffered = (word & PB_DAC_BUF) != 0;
	w->gain1x = (word & PB_DAC_GA) != 0;
	w->active = (word & PB_DAC_SHDN) != 0;
	w->code = (uint16_t)(word & 0x0FFF);
}

int pb_dac_code(double volts, double vref, uint16_t *code)
{
	if (!(vref > 0.0) || !isfinite(vref) || !code)
		return PB_DAC_E_ARG;
	if (!isfinite(volts))
		return PB_DAC_E_RANGE;
	double d = volts * 4096.0 / vref;
	if (d < -0.5 || d > 4096.0)   /* Vref itself: the top code */
		return PB_DAC_E_RANGE;
	long c = lround(d);
	if (c < 0)
		c = 0;
	if (c > (long)PB_DAC_MAX)
		c = PB_DAC_MAX;
	*code = (uint16_t)c;
	return PB_DAC_OK;
}

double pb_dac_volts(uint16_t code, double vref, bool gain1x)
{
	return vref * (gain1x ? 1.0 : 2.0) * (double)(code & 0x0FFF) / 4096.0;
}

int pb_dac_encode(int ch, double volts, double vref, bool buffered,
    uint16_t *word)
{
	if (ch != 0 && ch != 1)
		return PB_DAC_E_ARG;
	if (!word)
		return PB_DAC_E_ARG;
	struct pb_dac_word w = { .ch = ch, .buffered = buffered,
		.gain1x = true, .active = true, .code = 0 };
	int rc = pb_dac_code(volts, vref, &w.code);
	if (rc)
		return rc;
	*word = pb_dac_pack(&w);
	return PB_DAC_OK;
}

double pb_dac_word_volts(uint16_t word, double vref)
{
	struct pb_dac_word w;
	pb_dac_unpack(word, &w);
	if (!w.active)
		return 0.0;
	return pb_dac_volts(w.code, vref, w.gain1x);
}

const char *pb_dac_strerror(int err)
{
	switch (err) {
	case PB_DAC_OK: return "ok";
	case PB_DAC_E_RANGE: return "DAC voltage out of range";
	case PB_DAC_E_ARG: return "bad DAC channel or reference";
	default: return "unknown DAC error";
	}
}
