/*
 * hil/rig.c - rig description loader (libinih). See rig.h.
 */
#include "hil/rig.h"
#include "base/datadir.h"
#include "base/file.h"
#include "base/text.h"
#include "pump/inivalue.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define RIG_MAX_FILE (1u << 20)

/* ---- defaults: the pumpbench HIL board's pin map ------------------------ */

static void xfer_default(struct pb_rig_xfer *x, double fs)
{
	x->supply_v = 5.0;
	x->fs_mmhg = fs;
	x->min_mmhg = 0.0;
	x->lo_frac = 0.1;     /* the XGZP6847A datasheet: 0.5 .. 4.5 V at 5 V */
	x->hi_frac = 0.9;
}

void pb_rig_defaults(struct pb_rig *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "unnamed");
	r->backend = PB_RIG_SIM;
	r->channels = 2;
	r->spi_hz = 1000000;
	r->latency_ms = 1;
	r->io_timeout_ms = 500;
	r->power = (struct pb_rig_pin){ 7, false };   /* ADBUS7 */
	r->motor = (struct pb_rig_pin){ 8, false };   /* ACBUS0 */
	r->alarm = (struct pb_rig_pin){ 11, false };  /* ACBUS3 */
	r->dac.cs = (struct pb_rig_pin){ 3, true };   /* ADBUS3 */
	r->dac.vref = 5.0;
	r->dac.safe_volts = 0.0;
	r->dac.buffered = false;
	r->adc.cs = (struct pb_rig_pin){ 4, true };   /* ADBUS4 */
	r->adc.vref = 5.0;
	for (int c = 0; c < PB_MAX_CH; c++) {
		struct pb_rig_channel *ch = &r->ch[c];
		ch->dac_ch = c & 1;
		ch->adc_ch = c & 1;
		ch->inject = (struct pb_rig_pin){ 5 + c, false }; /* ADBUS5/6 */
		ch->valve = (struct pb_rig_pin){ 9 + c, false };  /* ACBUS1/2 */
		/* fs 0 = "the emulated pump's own sensor" (sim only) */
		xfer_default(&ch->sensor, 0.0);
		xfer_default(&ch->ref, 500.0);
	}
}

/* ---- pins ---------------------------------------------------------------- */

int pb_rig_pin_parse(const char *s, struct pb_rig_pin *out)
{
	if (!s || !out)
		return PB_RIG_E_ARG;
	while (isspace((unsigned char)*s))
		s++;
	struct pb_rig_pin p = { PB_RIG_PIN_NONE, false };
	if (strcasecmp(s, "none") == 0) {
		*out = p;
		return PB_RIG_OK;
	}
	if (*s == '!') {
		p.active_low = true;
		s++;
	}
	int base;
	if (strncasecmp(s, "ADBUS", 5) == 0)
		base = 0;
	else if (strncasecmp(s, "ACBUS", 5) == 0)
		base = 8;
	else
		return PB_RIG_E_VALUE;
	s += 5;
	if (s[0] < '0' || s[0] > '7' || s[1] != '\0')
		return PB_RIG_E_VALUE;
	p.pin = base + (s[0] - '0');
	*out = p;
	return PB_RIG_OK;
}

const char *pb_rig_pin_name(int pin)
{
	static const char *const names[PB_RIG_NPINS] = {
		"ADBUS0", "ADBUS1", "ADBUS2", "ADBUS3",
		"ADBUS4", "ADBUS5", "ADBUS6", "ADBUS7",
		"ACBUS0", "ACBUS1", "ACBUS2", "ACBUS3",
		"ACBUS4", "ACBUS5", "ACBUS6", "ACBUS7",
	};
	if (pin < 0 || pin >= PB_RIG_NPINS)
		return "none";
	return names[pin];
}

/* ---- transfer functions --------------------------------------------------- */

double pb_rig_xfer_volts(const struct pb_rig_xfer *x, double mmhg)
{
	return x->supply_v * (x->lo_frac + (x->hi_frac - x->lo_frac) *
	    (mmhg - x->min_mmhg) / (x->fs_mmhg - x->min_mmhg));
}

double pb_rig_xfer_mmhg(const struct pb_rig_xfer *x, double volts)
{
	double span = x->supply_v * (x->hi_frac - x->lo_frac);
	return x->min_mmhg + (volts - x->supply_v * x->lo_frac) *
	    (x->fs_mmhg - x->min_mmhg) / span;
}

/* ---- parsing ------------------------------------------------------------- */

struct parse {
	struct pb_rig *r;
	const char *name;      /* file name for messages */
	const char *text;
	size_t len, pos;
	int line;              /* line of the chunk handed to inih */
	bool at_line_start;
	char *err;
	size_t errlen;
	int rc;                /* first error */
	int err_line;
	/* seen keys for required checks */
	bool seen_backend, seen_serial, seen_dut_port;
	bool seen_channel[PB_MAX_CH];
	/* every key seen, for duplicates (unknown keys fail at once, so
	 * these are at most the rig's own keys) */
	struct seen_key { char sec[16], key[24]; int line; } keys[96];
	int n_keys;
};

static void fail(struct parse *ps, int rc, const char *fmt, ...)
{
	if (ps->rc)
		return;   /* keep the first error */
	ps->rc = rc;
	ps->err_line = ps->line;
	if (!ps->err || ps->errlen == 0)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->name, ps->line, msg);
}

/* fgets-like reader over memory that counts lines.  A NUL byte is an
 * error on its line (it would end a value early); it is passed on as a
 * space, so the line count stays right. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	if (ps->pos >= ps->len || num < 2)
		return NULL;
	if (ps->at_line_start)
		ps->line++;
	int i = 0;
	while (i < num - 1 && ps->pos < ps->len) {
		char c = ps->text[ps->pos++];
		if (c == '\0') {
			fail(ps, PB_RIG_E_SYNTAX, "NUL byte in the file (not a "
			    "text file?)");
			c = ' ';
		}
		str[i++] = c;
		if (c == '\n')
			break;
	}
	str[i] = '\0';
	ps->at_line_start = (i > 0 && str[i - 1] == '\n');
	return str;
}

static int num_in(struct parse *ps, const char *key, const char *v,
    double lo, double hi, double *out)
{
	double d;
	if (!pb_ini_double(v, &d)) {
		fail(ps, PB_RIG_E_VALUE, "%s: '%s' is not a number", key, v);
		return 0;
	}
	if (d < lo || d > hi) {
		fail(ps, PB_RIG_E_VALUE, "%s = %g is out of range %g..%g",
		    key, d, lo, hi);
		return 0;
	}
	*out = d;
	return 1;
}

static int int_in(struct parse *ps, const char *key, const char *v,
    long lo, long hi, long *out)
{
	long l;
	if (!pb_ini_long(v, &l)) {
		fail(ps, PB_RIG_E_VALUE, "%s: '%s' is not an integer", key, v);
		return 0;
	}
	if (l < lo || l > hi) {
		fail(ps, PB_RIG_E_VALUE, "%s = %ld is out of range %ld..%ld",
		    key, l, lo, hi);
		return 0;
	}
	*out = l;
	return 1;
}

static int str_to(struct parse *ps, const char *key, const char *v,
    char *dst, size_t cap)
{
	size_t n = strlen(v);
	if (n >= cap) {
		fail(ps, PB_RIG_E_VALUE, "%s is too long (max %zu characters)",
		    key, cap - 1);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20) {
			fail(ps, PB_RIG_E_VALUE, "%s contains a control character",
			    key);
			return 0;
		}
	}
	memcpy(dst, v, n + 1);
	return 1;
}

static int pin_to(struct parse *ps, const char *key, const char *v,
    struct pb_rig_pin *p)
{
	if (pb_rig_pin_parse(v, p)) {
		fail(ps, PB_RIG_E_VALUE,
		    "%s: '%s' is not a pin (ADBUS0-7, ACBUS0-7, optional '!' "
		    "for active low, or none)", key, v);
		return 0;
	}
	return 1;
}

static int key_rig(struct parse *ps, const char *k, const char *v)
{
	struct pb_rig *r = ps->r;
	long l;
	if (!strcmp(k, "name"))
		return str_to(ps, k, v, r->name, sizeof(r->name));
	if (!strcmp(k, "description"))
		return str_to(ps, k, v, r->description, sizeof(r->description));
	if (!strcmp(k, "backend")) {
		ps->seen_backend = true;
		if (!strcmp(v, "sim"))
			r->backend = PB_RIG_SIM;
		else if (!strcmp(v, "ftdi"))
			r->backend = PB_RIG_FTDI;
		else {
			fail(ps, PB_RIG_E_VALUE,
			    "backend: '%s' is not sim or ftdi", v);
			return 0;
		}
		return 1;
	}
	if (!strcmp(k, "serial")) {
		ps->seen_serial = true;
		if (!str_to(ps, k, v, r->serial, sizeof(r->serial)))
			return 0;
		for (const char *p = v; *p; p++) {
			if (!isalnum((unsigned char)*p) && *p != '-' &&
			    *p != '_') {
				fail(ps, PB_RIG_E_VALUE,
				    "serial: '%s' has characters a USB serial "
				    "does not have", v);
				return 0;
			}
		}
		return 1;
	}
	if (!strcmp(k, "dut_port")) {
		ps->seen_dut_port = true;
		return str_to(ps, k, v, r->dut_port, sizeof(r->dut_port));
	}
	if (!strcmp(k, "dut_baud")) {
		if (!int_in(ps, k, v, 0, 12000000, &l))
			return 0;
		if (l != 0 && l < 300) {
			fail(ps, PB_RIG_E_VALUE,
			    "dut_baud = %ld is below 300 (0 = default)", l);
			return 0;
		}
		r->dut_baud = (int)l;
		return 1;
	}
	if (!strcmp(k, "profile"))
		return str_to(ps, k, v, r->profile, sizeof(r->profile));
	if (!strcmp(k, "channels")) {
		if (!int_in(ps, k, v, 1, PB_MAX_CH, &l))
			return 0;
		r->channels = (int)l;
		return 1;
	}
	fail(ps, PB_RIG_E_KEY, "unknown key '%s' in [rig]", k);
	return 0;
}

static int key_spi(struct parse *ps, const char *k, const char *v)
{
	struct pb_rig *r = ps->r;
	long l;
	if (!strcmp(k, "clock_hz")) {
		/* the MPSSE divisor reaches 458 Hz .. 30 MHz */
		if (!int_in(ps, k, v, 458, 30000000, &l))
			return 0;
		r->spi_hz = (uint32_t)l;
		return 1;
	}
	if (!strcmp(k, "latency_ms")) {
		if (!int_in(ps, k, v, 1, 255, &l))
			return 0;
		r->latency_ms = (int)l;
		return 1;
	}
	if (!strcmp(k, "io_timeout_ms")) {
		if (!int_in(ps, k, v, 1, 60000, &l))
			return 0;
		r->io_timeout_ms = (int)l;
		return 1;
	}
	fail(ps, PB_RIG_E_KEY, "unknown key '%s' in [spi]", k);
	return 0;
}

static int key_pins(struct parse *ps, const char *k, const char *v)
{
	struct pb_rig *r = ps->r;
	if (!strcmp(k, "power"))
		return pin_to(ps, k, v, &r->power);
	if (!strcmp(k, "motor"))
		return pin_to(ps, k, v, &r->motor);
	if (!strcmp(k, "alarm"))
		return pin_to(ps, k, v, &r->alarm);
	fail(ps, PB_RIG_E_KEY, "unknown key '%s' in [pins] (inject and valve "
	    "pins go in [channelN])", k);
	return 0;
}

static int key_dac(struct parse *ps, const char *k, const char *v)
{
	struct pb_rig *r = ps->r;
	if (!strcmp(k, "chip")) {
		if (strcasecmp(v, "mcp4922") != 0) {
			fail(ps, PB_RIG_E_VALUE,
			    "chip: '%s' is not supported (mcp4922)", v);
			return 0;
		}
		return 1;
	}
	if (!strcmp(k, "cs"))
		return pin_to(ps, k, v, &r->dac.cs);
	if (!strcmp(k, "vref"))
		return num_in(ps, k, v, 0.5, 5.5, &r->dac.vref);
	if (!strcmp(k, "safe_volts"))
		return num_in(ps, k, v, 0.0, 5.5, &r->dac.safe_volts);
	if (!strcmp(k, "buffered")) {
		if (!pb_ini_bool(v, &r->dac.buffered)) {
			fail(ps, PB_RIG_E_VALUE, "buffered: '%s' is not yes/no", v);
			return 0;
		}
		return 1;
	}
	fail(ps, PB_RIG_E_KEY, "unknown key '%s' in [dac]", k);
	return 0;
}

static int key_adc(struct parse *ps, const char *k, const char *v)
{
	struct pb_rig *r = ps->r;
	if (!strcmp(k, "chip")) {
		if (strcasecmp(v, "mcp3202") != 0) {
			fail(ps, PB_RIG_E_VALUE,
			    "chip: '%s' is not supported (mcp3202)", v);
			return 0;
		}
		return 1;
	}
	if (!strcmp(k, "cs"))
		return pin_to(ps, k, v, &r->adc.cs);
	if (!strcmp(k, "vref"))   /* MCP3202 VDD range */
		return num_in(ps, k, v, 2.7, 5.5, &r->adc.vref);
	fail(ps, PB_RIG_E_KEY, "unknown key '%s' in [adc]", k);
	return 0;
}

static int xfer_key(struct parse *ps, const char *k, const char *v,
    const char *suffix, struct pb_rig_xfer *x, bool allow_profile)
{
	if (!strcmp(suffix, "supply_v"))
		return num_in(ps, k, v, 0.5, 30.0, &x->supply_v);
	if (!strcmp(suffix, "fs_mmhg")) {
		if (allow_profile && !strcmp(v, "profile")) {
			x->fs_mmhg = 0.0;   /* supply, min, fs from the pump */
			return 1;
		}
		return num_in(ps, k, v, 1.0, 3000.0, &x->fs_mmhg);
	}
	if (!strcmp(suffix, "min_mmhg"))
		return num_in(ps, k, v, -760.0, 0.0, &x->min_mmhg);
	if (!strcmp(suffix, "lo"))
		return num_in(ps, k, v, 0.0, 1.0, &x->lo_frac);
	if (!strcmp(suffix, "hi"))
		return num_in(ps, k, v, 0.0, 1.0, &x->hi_frac);
	fail(ps, PB_RIG_E_KEY, "unknown key '%s' in a [channelN] section", k);
	return 0;
}

static int key_channel(struct parse *ps, int c, const char *k, const char *v)
{
	struct pb_rig_channel *ch = &ps->r->ch[c];
	ps->seen_channel[c] = true;
	if (!strcmp(k, "dac")) {
		if (!strcasecmp(v, "A"))
			ch->dac_ch = 0;
		else if (!strcasecmp(v, "B"))
			ch->dac_ch = 1;
		else {
			fail(ps, PB_RIG_E_VALUE, "dac: '%s' is not A or B", v);
			return 0;
		}
		return 1;
	}
	if (!strcmp(k, "adc")) {
		long l;
		if (!int_in(ps, k, v, 0, 1, &l))
			return 0;
		ch->adc_ch = (int)l;
		return 1;
	}
	if (!strcmp(k, "inject"))
		return pin_to(ps, k, v, &ch->inject);
	if (!strcmp(k, "valve"))
		return pin_to(ps, k, v, &ch->valve);
	if (!strncmp(k, "sensor_", 7))
		return xfer_key(ps, k, v, k + 7, &ch->sensor, true);
	if (!strncmp(k, "ref_", 4))
		return xfer_key(ps, k, v, k + 4, &ch->ref, false);
	fail(ps, PB_RIG_E_KEY, "unknown key '%s' in [channel%d]", k, c + 1);
	return 0;
}

static int handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *ps = user;
	if (ps->rc)
		return 1;    /* already failed: stay quiet, keep first error */
	if (!name) {         /* section start (INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	}
	for (int i = 0; i < ps->n_keys; i++) {
		const struct seen_key *k = &ps->keys[i];
		if (strcmp(k->sec, section) == 0 && strcmp(k->key, name) == 0) {
			fail(ps, PB_RIG_E_KEY, "[%s] %s: duplicate key (first on "
			    "line %d)", section, name, k->line);
			return 0;
		}
	}
	if (ps->n_keys < (int)(sizeof ps->keys / sizeof ps->keys[0]) &&
	    strlen(section) < sizeof ps->keys[0].sec &&
	    strlen(name) < sizeof ps->keys[0].key) {
		struct seen_key *k = &ps->keys[ps->n_keys++];
		snprintf(k->sec, sizeof k->sec, "%s", section);
		snprintf(k->key, sizeof k->key, "%s", name);
		k->line = ps->line;
	}
	if (!strcmp(section, "rig"))
		return key_rig(ps, name, value);
	if (!strcmp(section, "spi"))
		return key_spi(ps, name, value);
	if (!strcmp(section, "pins"))
		return key_pins(ps, name, value);
	if (!strcmp(section, "dac"))
		return key_dac(ps, name, value);
	if (!strcmp(section, "adc"))
		return key_adc(ps, name, value);
	if (!strncmp(section, "channel", 7)) {
		const char *n = section + 7;
		if (n[0] >= '1' && n[0] < '1' + PB_MAX_CH && n[1] == '\0')
			return key_channel(ps, n[0] - '1', name, value);
	}
	if (section[0] == '\0')
		fail(ps, PB_RIG_E_KEY, "key '%s' outside any section", name);
	else
		fail(ps, PB_RIG_E_KEY, "unknown section [%s]", section);
	return 0;
}

/* Whole-file checks after parsing; errors name the file (no line). */
static int check(struct parse *ps)
{
	struct pb_rig *r = ps->r;
	char *e = ps->err;
	size_t el = ps->errlen;
#define FAILF(code, ...) do { \
		if (e && el) { \
			int o_ = snprintf(e, el, "%s: ", ps->name); \
			if (o_ > 0 && (size_t)o_ < el) \
				snprintf(e + o_, el - (size_t)o_, __VA_ARGS__); \
		} \
		return (code); \
	} while (0)

	if (!ps->seen_backend)
		FAILF(PB_RIG_E_MISSING, "[rig] backend is missing (sim or ftdi)");
	if (r->backend == PB_RIG_FTDI) {
		if (!ps->seen_serial || !r->serial[0])
			FAILF(PB_RIG_E_MISSING, "[rig] serial (the FT232H's USB "
			    "serial) is missing; rigs are opened by serial, "
			    "never by index");
		if (!ps->seen_dut_port || !r->dut_port[0])
			FAILF(PB_RIG_E_MISSING, "[rig] dut_port (the pump's "
			    "serial port) is missing");
	}
	/* The pin map: no pin twice, nothing on the SPI pins. */
	const char *owner[PB_RIG_NPINS] = { 0 };
	struct pinuse { const char *what; struct pb_rig_pin p; bool required; }
	    use[5 + 2 * PB_MAX_CH];
	int nu = 0;
	use[nu++] = (struct pinuse){ "[dac] cs", r->dac.cs, true };
	use[nu++] = (struct pinuse){ "[adc] cs", r->adc.cs, true };
	use[nu++] = (struct pinuse){ "[pins] power", r->power, true };
	use[nu++] = (struct pinuse){ "[pins] motor", r->motor, false };
	use[nu++] = (struct pinuse){ "[pins] alarm", r->alarm, false };
	static const char *const inj[] = { "[channel1] inject",
		"[channel2] inject" };
	static const char *const val[] = { "[channel1] valve",
		"[channel2] valve" };
	for (int c = 0; c < r->channels && c < 2; c++) {
		use[nu++] = (struct pinuse){ inj[c], r->ch[c].inject, true };
		use[nu++] = (struct pinuse){ val[c], r->ch[c].valve, false };
	}
	for (int i = 0; i < nu; i++) {
		int p = use[i].p.pin;
		if (p == PB_RIG_PIN_NONE) {
			if (use[i].required)
				FAILF(PB_RIG_E_MISSING, "%s must name a pin",
				    use[i].what);
			continue;
		}
		if (p <= PB_RIG_PIN_DI)
			FAILF(PB_RIG_E_CONFLICT, "%s = %s is an SPI pin "
			    "(ADBUS0-2 are SK, DO, DI)", use[i].what,
			    pb_rig_pin_name(p));
		if (owner[p])
			FAILF(PB_RIG_E_CONFLICT, "%s and %s both use %s",
			    owner[p], use[i].what, pb_rig_pin_name(p));
		owner[p] = use[i].what;
	}
	if (r->dac.cs.pin != PB_RIG_PIN_NONE && !r->dac.cs.active_low)
		FAILF(PB_RIG_E_VALUE, "[dac] cs must be active low (write '!%s')",
		    pb_rig_pin_name(r->dac.cs.pin));
	if (r->adc.cs.pin != PB_RIG_PIN_NONE && !r->adc.cs.active_low)
		FAILF(PB_RIG_E_VALUE, "[adc] cs must be active low (write '!%s')",
		    pb_rig_pin_name(r->adc.cs.pin));
	if (r->dac.safe_volts > r->dac.vref)
		FAILF(PB_RIG_E_VALUE, "[dac] safe_volts %.3g V is above vref "
		    "%.3g V", r->dac.safe_volts, r->dac.vref);
	/* MCP3202: 1.8 MHz at VDD 5 V, 0.9 MHz at 2.7 V (datasheet). */
	uint32_t adc_max = r->adc.vref >= 4.5 ? 1800000u : 900000u;
	if (r->spi_hz > adc_max)
		FAILF(PB_RIG_E_VALUE, "[spi] clock_hz %u is above the MCP3202's "
		    "%u Hz at %.2g V", (unsigned)r->spi_hz, (unsigned)adc_max,
		    r->adc.vref);
	for (int c = 0; c < r->channels; c++) {
		const struct pb_rig_channel *ch = &r->ch[c];
		for (int c2 = 0; c2 < c; c2++) {
			if (r->ch[c2].dac_ch == ch->dac_ch)
				FAILF(PB_RIG_E_CONFLICT, "[channel%d] and "
				    "[channel%d] use the same DAC output %c",
				    c2 + 1, c + 1, 'A' + ch->dac_ch);
			if (r->ch[c2].adc_ch == ch->adc_ch)
				FAILF(PB_RIG_E_CONFLICT, "[channel%d] and "
				    "[channel%d] use the same ADC input %d",
				    c2 + 1, c + 1, ch->adc_ch);
		}
		const struct pb_rig_xfer *xs[2] = { &ch->sensor, &ch->ref };
		static const char *const xn[2] = { "sensor", "ref" };
		for (int k = 0; k < 2; k++) {
			if (xs[k]->hi_frac <= xs[k]->lo_frac)
				FAILF(PB_RIG_E_VALUE, "[channel%d] %s_hi must be "
				    "above %s_lo", c + 1, xn[k], xn[k]);
		}
		if (r->backend == PB_RIG_FTDI && ch->sensor.fs_mmhg <= 0.0)
			FAILF(PB_RIG_E_MISSING, "[channel%d] sensor_fs_mmhg is "
			    "needed on a real bench ('profile' is sim only)",
			    c + 1);
		if (ch->sensor.fs_mmhg > 0.0 &&
		    ch->sensor.fs_mmhg <= ch->sensor.min_mmhg)
			FAILF(PB_RIG_E_VALUE, "[channel%d] sensor_fs_mmhg must be "
			    "above sensor_min_mmhg", c + 1);
		if (ch->ref.fs_mmhg <= ch->ref.min_mmhg)
			FAILF(PB_RIG_E_VALUE, "[channel%d] ref_fs_mmhg must be "
			    "above ref_min_mmhg", c + 1);
		if (ch->ref.fs_mmhg <= 0.0)
			FAILF(PB_RIG_E_MISSING, "[channel%d] ref_fs_mmhg is "
			    "missing", c + 1);
		if (ch->sensor.supply_v * ch->sensor.hi_frac > r->dac.vref + 1e-9)
			FAILF(PB_RIG_E_VALUE, "[channel%d] the sensor's full "
			    "scale %.3g V is above the DAC's vref %.3g V",
			    c + 1, ch->sensor.supply_v * ch->sensor.hi_frac,
			    r->dac.vref);
	}
	(void)ps->seen_channel;
#undef FAILF
	return PB_RIG_OK;
}

/* Messages quote the file's own bytes (values, keys, its name): escaped
 * for the terminal before anyone prints them. */
static int escaped(int rc, char *err, size_t errlen)
{
	if (rc != PB_RIG_OK && err && errlen) {
		char raw[1024];
		snprintf(raw, sizeof raw, "%s", err);
		pb_text_escape_str(err, errlen, raw);
	}
	return rc;
}

static int parse(struct pb_rig *r, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r || (!text && len))
		return PB_RIG_E_ARG;
	struct pb_rig tmp;
	pb_rig_defaults(&tmp);
	struct parse ps = { .r = &tmp, .name = name ? name : "(rig)",
		.text = text, .len = len, .at_line_start = true,
		.err = err, .errlen = errlen };
	int line = ini_parse_stream(reader, &ps, handler, &ps);
	if (ps.rc)
		return ps.rc;
	if (line == -2) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", ps.name);
		return PB_RIG_E_OPEN;
	}
	if (line != 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s:%d: INI syntax error "
			    "(expected [section] or key = value)", ps.name,
			    line);
		return PB_RIG_E_SYNTAX;
	}
	int rc = check(&ps);
	if (rc)
		return rc;
	*r = tmp;
	return PB_RIG_OK;
}

int pb_rig_parse(struct pb_rig *r, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	return escaped(parse(r, text, len, name, err, errlen), err, errlen);
}

int pb_rig_load(struct pb_rig *r, const char *path, char *err,
    size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r || !path)
		return PB_RIG_E_ARG;
	/* never blocks on a FIFO, reads only a regular file */
	char *buf = NULL;
	size_t n = 0;
	char why[128];
	int frc = pb_file_read_all(path, RIG_MAX_FILE, 0, &buf, &n, why,
	    sizeof why);
	if (frc != PB_FILE_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s%s", path, why,
			    frc == PB_FILE_E_SIZE ? "; not a rig file" : "");
		return escaped(PB_RIG_E_OPEN, err, errlen);
	}
	int rc = pb_rig_parse(r, buf, n, path, err, errlen);
	free(buf);
	if (rc == PB_RIG_OK)
		snprintf(r->path, sizeof(r->path), "%s", path);
	return rc;
}

/* ---- finding rigs -------------------------------------------------------- */

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int find_serial(struct pb_rig *r, const char *serial,
    const struct pb_datadirs *dirs, char *err, size_t errlen)
{
	for (int d = 0; d < dirs->n; d++) {
		char rigs[PATH_MAX];
		int rn = snprintf(rigs, sizeof rigs, "%s/rigs", dirs->dir[d]);
		if (rn < 0 || (size_t)rn >= sizeof rigs)
			continue;
		DIR *dir = opendir(rigs);
		if (!dir)
			continue;
		/* deterministic: pick the alphabetically first match */
		char best[PATH_MAX] = "";
		struct dirent *de;
		while ((de = readdir(dir)) != NULL) {
			if (!ends_with(de->d_name, ".ini"))
				continue;
			char p[PATH_MAX];
			int pn = snprintf(p, sizeof(p), "%s/%s", rigs,
			    de->d_name);
			if (pn < 0 || (size_t)pn >= sizeof(p))
				continue;
			struct pb_rig tmp;
			if (pb_rig_load(&tmp, p, NULL, 0) != PB_RIG_OK)
				continue;
			if (tmp.backend != PB_RIG_FTDI ||
			    strcmp(tmp.serial, serial) != 0)
				continue;
			if (!best[0] || strcmp(p, best) < 0)
				snprintf(best, sizeof(best), "%s", p);
		}
		closedir(dir);
		if (best[0])
			return pb_rig_load(r, best, err, errlen);
	}
	if (err && errlen) {
		char where[3 * PATH_MAX];
		pb_datadir_describe(dirs, "rigs", where, sizeof where);
		snprintf(err, errlen, "no rig file with backend = ftdi and serial "
		    "= %s in %s", serial, where);
	}
	return PB_RIG_E_NOENT;
}

static int find(struct pb_rig *r, const char *spec, char *err,
    size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r || !spec || !*spec)
		return PB_RIG_E_ARG;
	if (strchr(spec, '/') || ends_with(spec, ".ini"))
		return pb_rig_load(r, spec, err, errlen);
	struct pb_datadirs dirs;
	pb_datadir_get(&dirs);
	if (!strncmp(spec, "ftdi:", 5)) {
		if (!spec[5]) {
			if (err && errlen)
				snprintf(err, errlen, "'ftdi:' needs a USB "
				    "serial, e.g. ftdi:FT1ABCDE");
			return PB_RIG_E_ARG;
		}
		return find_serial(r, spec + 5, &dirs, err, errlen);
	}
	for (const char *p = spec; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.') {
			if (err && errlen)
				snprintf(err, errlen, "'%s' is not a rig name",
				    spec);
			return PB_RIG_E_ARG;
		}
	}
	char rel[PATH_MAX], p[PATH_MAX];
	int rn = snprintf(rel, sizeof rel, "rigs/%s.ini", spec);
	if (rn > 0 && (size_t)rn < sizeof rel &&
	    pb_datadir_find(&dirs, rel, p, sizeof p) == 0)
		return pb_rig_load(r, p, err, errlen);
	if (err && errlen) {
		char where[3 * PATH_MAX];
		pb_datadir_describe(&dirs, "rigs", where, sizeof where);
		snprintf(err, errlen, "no rig '%s' (looked for %s.ini in %s)",
		    spec, spec, where);
	}
	return PB_RIG_E_NOENT;
}

int pb_rig_find(struct pb_rig *r, const char *spec, char *err,
    size_t errlen)
{
	return escaped(find(r, spec, err, errlen), err, errlen);
}

const char *pb_rig_backend_name(enum pb_rig_backend b)
{
	switch (b) {
	case PB_RIG_SIM: return "sim";
	case PB_RIG_FTDI: return "ftdi";
	default: return "?";
	}
}

const char *pb_rig_strerror(int err)
{
	switch (err) {
	case PB_RIG_OK: return "ok";
	case PB_RIG_E_OPEN: return "cannot read rig file";
	case PB_RIG_E_SYNTAX: return "rig file syntax error";
	case PB_RIG_E_KEY: return "unknown section or key in rig file";
	case PB_RIG_E_VALUE: return "bad value in rig file";
	case PB_RIG_E_MISSING: return "required rig setting missing";
	case PB_RIG_E_CONFLICT: return "rig pin or channel conflict";
	case PB_RIG_E_NOENT: return "no such rig";
	case PB_RIG_E_ARG: return "bad argument";
	default: return "unknown rig error";
	}
}
