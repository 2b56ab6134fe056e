/*
 * hil/rig.h - a HIL rig description (fixtures/rigs/<name>.ini).
 *
 * Promise: pb_rig_load() turns a rig file into a plain struct (no heap,
 * copyable) or fails with "FILE:LINE: message" naming the first bad line;
 * unknown sections and keys are errors, every number is range-checked,
 * pins may not be used twice and may not collide with the SPI pins
 * ADBUS0-2.  A loaded rig is always internally consistent: every channel
 * has an inject pin, a DAC channel, an ADC channel and two transfer
 * functions; power/motor/alarm pins exist.  The transfer-function helpers
 * are pure.
 *
 * Pins are numbered 0..15: ADBUS0-7 = 0..7, ACBUS0-7 = 8..15, written in
 * the file as "ADBUS5" or "ACBUS0", optionally prefixed with '!' for an
 * active-low line.  ADBUS0 = SK, ADBUS1 = DO (MOSI), ADBUS2 = DI (MISO);
 * each SPI device has its own chip select (ADBUS3..ACBUS7, active low).
 *
 * Transfer functions (vacuum mmHg, positive = vacuum, <-> volts) are
 * ratiometric like the pump's own XGZP6847-style sensor:
 *     v = supply_v * (lo_frac + (hi_frac - lo_frac) * (P - min) / (fs - min))
 * with lo_frac 0.1, hi_frac 0.9 and min 0 mmHg by default (0.5..4.5 V at
 * 5 V, the XGZP6847A datasheet); a compound sensor has min below 0 (the
 * pumps' -50 mmHg).  On the sim rig `sensor_fs_mmhg = profile` takes the
 * whole sensor function from the emulated pump, and a rig file that
 * gives other lo/hi fractions for it is refused at open.
 *
 * File format (see docs/hil.md "Rig files"):
 *   [rig]      name, backend = sim|ftdi, serial (ftdi: USB serial of the
 *              FT232H), description, dut_port (ftdi: the DUT's serial
 *              port), dut_baud, profile (sim: the pump profile the
 *              emulator runs, id or path), channels (1..2)
 *   [spi]      clock_hz, latency_ms, io_timeout_ms
 *   [pins]     power, motor, alarm
 *   [dac]      chip = mcp4922, cs, vref, safe_volts, buffered
 *   [adc]      chip = mcp3202, cs, vref
 *   [channelN] dac (A|B), adc (0|1), inject, valve, sensor_supply_v,
 *              sensor_min_mmhg, sensor_fs_mmhg (or "profile" on sim),
 *              sensor_lo, sensor_hi, ref_supply_v, ref_min_mmhg,
 *              ref_fs_mmhg, ref_lo, ref_hi
 */
#ifndef PB_HIL_RIG_H
#define PB_HIL_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"   /* PB_MAX_CH */

enum pb_rig_err {
	PB_RIG_OK = 0,
	PB_RIG_E_OPEN = -1,     /* cannot open/read the file */
	PB_RIG_E_SYNTAX = -2,   /* INI syntax error (line given) */
	PB_RIG_E_KEY = -3,      /* unknown section or key (line given) */
	PB_RIG_E_VALUE = -4,    /* bad or out-of-range value (line given) */
	PB_RIG_E_MISSING = -5,  /* a required key is missing */
	PB_RIG_E_CONFLICT = -6, /* a pin used twice / SPI pin reused */
	PB_RIG_E_NOENT = -7,    /* no rig of that name or serial found */
	PB_RIG_E_ARG = -8
};

enum pb_rig_backend { PB_RIG_SIM = 0, PB_RIG_FTDI = 1 };

#define PB_RIG_NPINS     16      /* ADBUS0-7, ACBUS0-7 */
#define PB_RIG_PIN_NONE  (-1)
#define PB_RIG_PIN_SK    0
#define PB_RIG_PIN_DO    1
#define PB_RIG_PIN_DI    2

struct pb_rig_pin {
	int  pin;          /* 0..15, or PB_RIG_PIN_NONE */
	bool active_low;
};

/* v = supply_v * (lo_frac + (hi_frac - lo_frac) * (P - min) / (fs - min)) */
struct pb_rig_xfer {
	double supply_v;   /* 5.0 */
	double fs_mmhg;    /* vacuum at hi_frac (0 = from the profile, sim) */
	double min_mmhg;   /* vacuum at lo_frac (0; -50 for a compound range) */
	double lo_frac;    /* 0.1 */
	double hi_frac;    /* 0.9 */
};

struct pb_rig_channel {
	int  dac_ch;                 /* MCP4922 output: 0 = A, 1 = B */
	int  adc_ch;                 /* MCP3202 input: 0 or 1 */
	struct pb_rig_pin inject;    /* output: inject-enable relay */
	struct pb_rig_pin valve;     /* input: the DUT's valve line */
	struct pb_rig_xfer sensor;   /* the DUT's sensor we stand in for */
	struct pb_rig_xfer ref;      /* the rig's reference transducer */
};

struct pb_rig {
	char path[512];              /* file it came from */
	char name[64];
	char description[128];
	enum pb_rig_backend backend;
	char serial[64];             /* ftdi: FT232H USB serial */
	char dut_port[256];          /* ftdi: DUT serial port path */
	int  dut_baud;               /* 0 = link default (921600) */
	char profile[256];           /* sim: pump profile id or path */
	int  channels;               /* 1..PB_MAX_CH */

	uint32_t spi_hz;             /* requested SCK; never exceeded */
	int  latency_ms;             /* FTDI latency timer 1..255 */
	int  io_timeout_ms;          /* deadline of every USB read */

	struct pb_rig_pin power;     /* output: DUT power relay */
	struct pb_rig_pin motor;     /* input */
	struct pb_rig_pin alarm;     /* input */

	struct {
		struct pb_rig_pin cs;
		double vref;             /* volts */
		double safe_volts;       /* DAC level on safe teardown */
		bool   buffered;         /* BUF bit */
	} dac;
	struct {
		struct pb_rig_pin cs;
		double vref;             /* MCP3202 Vref = its VDD */
	} adc;

	struct pb_rig_channel ch[PB_MAX_CH];
};

/* Defaults every loader starts from (the sim rig's values). */
void pb_rig_defaults(struct pb_rig *r);

/* Load a rig file. On error returns < 0 and writes "FILE:LINE: message"
 * (or "FILE: message" when no line applies) into err. */
int pb_rig_load(struct pb_rig *r, const char *path, char *err,
    size_t errlen);

/* Parse rig text from memory (fuzzing, tests). name is used in messages. */
int pb_rig_parse(struct pb_rig *r, const char *text, size_t len,
    const char *name, char *err, size_t errlen);

/* Find a rig by spec: an explicit path (contains '/' or ends ".ini"),
 * "NAME" -> rigs/NAME.ini, or "ftdi:SERIAL" -> the first rig file with
 * backend ftdi and that serial.  Looks in rigs/ of the data directories
 * (base/datadir.h: beside the executable, $PUMPBENCH_DATA, the
 * configured datadir), the first that has it. */
int pb_rig_find(struct pb_rig *r, const char *spec, char *err,
    size_t errlen);

/* "ADBUS5", "!ACBUS0" <-> struct pb_rig_pin. name returns a static
 * string for pin (without the '!'), or "none". */
int pb_rig_pin_parse(const char *s, struct pb_rig_pin *out);
const char *pb_rig_pin_name(int pin);

/* Transfer functions (pure). mmhg -> volts and back; no clamping. */
double pb_rig_xfer_volts(const struct pb_rig_xfer *x, double mmhg);
double pb_rig_xfer_mmhg(const struct pb_rig_xfer *x, double volts);

const char *pb_rig_backend_name(enum pb_rig_backend b);
const char *pb_rig_strerror(int err);

#endif
