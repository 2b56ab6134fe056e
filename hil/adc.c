/*
 * hil/adc.c - MCP3202 codec. See adc.h.
 */
#include "hil/adc.h"

#include <math.h>

int pb_adc_command(int ch, bool single, uint8_t out[PB_ADC_XFER_LEN])
{
	if ((ch != 0 && ch != 1) || !out)
		return PB_ADC_E_ARG;
	out[0] = 0x01;                                  /* start */
	out[1] = (uint8_t)((single ? 0x80 : 0x00) |     /* SGL/DIFF */
	    (ch ? 0x40 : 0x00) |                        /* ODD/SIGN */
	    0x20);                                      /* MSBF */
	out[2] = 0x00;
	return PB_ADC_OK;
}

int pb_adc_decode(const uint8_t in[PB_ADC_XFER_LEN], uint16_t *code)
{
	if (!in || !code)
		return PB_ADC_E_ARG;
	if (in[1] & 0x10)
		return PB_ADC_E_NULLBIT;
	*code = (uint16_t)(((in[1] & 0x0F) << 8) | in[2]);
	return PB_ADC_OK;
}

double pb_adc_volts(uint16_t code, double vref)
{
	return (double)(code & 0x0FFF) * vref / 4096.0;
}

uint16_t pb_adc_code_for(double volts, double vref)
{
	if (!(vref > 0.0) || !isfinite(volts) || volts <= 0.0)
		return 0;
	double d = floor(volts * 4096.0 / vref);
	if (d > PB_ADC_MAX)
		return PB_ADC_MAX;
	return (uint16_t)d;
}

const char *pb_adc_strerror(int err)
{
	switch (err) {
	case PB_ADC_OK: return "ok";
	case PB_ADC_E_ARG: return "bad ADC channel or reference";
	case PB_ADC_E_NULLBIT: return "ADC reply has no null bit (no chip answered?)";
	default: return "unknown ADC error";
	}
}
