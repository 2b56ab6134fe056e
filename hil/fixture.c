/*
 * hil/fixture.c - backend dispatch, the operations every MPSSE backend
 * does the same way (over hil/rigbus.c), signals, status codes.  See
 * fixture.h.
 */
#include "hil/fixture.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hil/fixture-ftdi.h"
#include "hil/fixture-sim.h"
#include "hil/rigbus.h"

int pb_fixture_open(const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!rig || !out) {
		if (err && errlen)
			snprintf(err, errlen, "no rig given");
		return PB_FIX_E_ARG;
	}
	*out = NULL;
	struct pb_fixture_opts none;
	if (!opts) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	switch (rig->backend) {
	case PB_RIG_SIM:
		return pb_fixture_sim_open(rig, opts, out, err, errlen);
	case PB_RIG_FTDI:
		return pb_fixture_ftdi_open(rig, opts, out, err, errlen);
	default:
		if (err && errlen)
			snprintf(err, errlen, "%s: unknown backend", rig->path);
		return PB_FIX_E_ARG;
	}
}

const char *pb_fixture_backend(const struct pb_fixture *f)
{
	return f && f->ops ? f->ops->name : "none";
}

const struct pb_rig *pb_fixture_rig(const struct pb_fixture *f)
{
	return f ? &f->rig : NULL;
}

static int unsupported(struct pb_fixture *f, const char *what)
{
	snprintf(f->msg, sizeof(f->msg), "%s is not supported by the %s "
	    "fixture", what, f->ops->name);
	return PB_FIX_E_NOT_SUPPORTED;
}

static int bad_ch(struct pb_fixture *f, int ch)
{
	if (ch >= 0 && ch < f->rig.channels)
		return PB_FIX_OK;
	snprintf(f->msg, sizeof(f->msg), "rig %s has no channel %d",
	    f->rig.name, ch + 1);
	return PB_FIX_E_ARG;
}

/* ---- the bus: sim and ftdi send the same transactions ------------------ */

int pb_fixture_bus_fail(struct pb_fixture *f, int rc)
{
	snprintf(f->msg, sizeof(f->msg), "%s", f->bus->msg);
	/* After a lost or garbled exchange the chip's reply stream may be
	 * out of step: flush and sync again before the next transaction. */
	if (rc == PB_FIX_E_TIMEOUT || rc == PB_FIX_E_IO || rc == PB_FIX_E_SYNC)
		f->bus->ready = false;
	return rc;
}

/* After open, safe() or a lost exchange: the chip into MPSSE mode (the
 * backend's part), then the rig's init stream. */
static int bus_up(struct pb_fixture *f)
{
	if (f->bus->ready)
		return PB_FIX_OK;
	int rc = f->ops->bus_reset ? f->ops->bus_reset(f) : PB_FIX_OK;
	if (rc)
		return rc;
	rc = pb_rigbus_begin(f->bus);
	return rc ? pb_fixture_bus_fail(f, rc) : PB_FIX_OK;
}

static int bus_done(struct pb_fixture *f, int rc)
{
	return rc ? pb_fixture_bus_fail(f, rc) : PB_FIX_OK;
}

static int bus_set_inject(struct pb_fixture *f, int ch, bool enable,
    double volts)
{
	int rc = bus_up(f);
	return rc ? rc : bus_done(f, pb_rigbus_set_inject(f->bus, ch, enable,
	    volts));
}

static int bus_read_reference(struct pb_fixture *f, int ch, double *volts)
{
	int rc = bus_up(f);
	return rc ? rc : bus_done(f, pb_rigbus_read_reference(f->bus, ch,
	    volts));
}

static int bus_read_outputs(struct pb_fixture *f, uint32_t *bits)
{
	int rc = bus_up(f);
	return rc ? rc : bus_done(f, pb_rigbus_read_outputs(f->bus, bits));
}

static int bus_set_power(struct pb_fixture *f, bool on)
{
	int rc = bus_up(f);
	return rc ? rc : bus_done(f, pb_rigbus_set_power(f->bus, on));
}

int pb_fixture_bus_begin(struct pb_fixture *f)
{
	return bus_up(f);
}

/* ---- the interface ------------------------------------------------------- */

int pb_fixture_set_inject(struct pb_fixture *f, int ch, bool enable,
    double volts)
{
	if (!f)
		return PB_FIX_E_ARG;
	int rc = bad_ch(f, ch);
	if (rc)
		return rc;
	if (!(volts >= 0.0 && volts <= f->rig.dac.vref)) {
		snprintf(f->msg, sizeof(f->msg), "inject %.4g V on channel %d "
		    "is outside the DAC's 0..%.4g V", volts, ch + 1,
		    f->rig.dac.vref);
		return PB_FIX_E_ARG;
	}
	if (f->bus)
		rc = bus_set_inject(f, ch, enable, volts);
	else if (f->ops->set_inject)
		rc = f->ops->set_inject(f, ch, enable, volts);
	else
		return unsupported(f, "injection");
	if (rc == PB_FIX_OK) {
		f->inject_on[ch] = enable;
		f->inject_v[ch] = volts;
	}
	return rc;
}

int pb_fixture_set_inject_mmhg(struct pb_fixture *f, int ch, bool enable,
    double mmhg)
{
	if (!f)
		return PB_FIX_E_ARG;
	int rc = bad_ch(f, ch);
	if (rc)
		return rc;
	double v = pb_rig_xfer_volts(&f->rig.ch[ch].sensor, mmhg);
	return pb_fixture_set_inject(f, ch, enable, v);
}

int pb_fixture_read_reference(struct pb_fixture *f, int ch, double *volts,
    double *mmhg)
{
	if (!f)
		return PB_FIX_E_ARG;
	int rc = bad_ch(f, ch);
	if (rc)
		return rc;
	double v = 0.0;
	if (f->bus)
		rc = bus_read_reference(f, ch, &v);
	else if (f->ops->read_reference)
		rc = f->ops->read_reference(f, ch, &v);
	else
		return unsupported(f, "reading the reference transducer");
	if (rc)
		return rc;
	if (volts)
		*volts = v;
	if (mmhg)
		*mmhg = pb_rig_xfer_mmhg(&f->rig.ch[ch].ref, v);
	return PB_FIX_OK;
}

int pb_fixture_read_outputs(struct pb_fixture *f, uint32_t *bits)
{
	if (!f)
		return PB_FIX_E_ARG;
	if (f->bus)
		return bus_read_outputs(f, bits);
	if (!f->ops->read_outputs)
		return unsupported(f, "reading outputs");
	return f->ops->read_outputs(f, bits);
}

int pb_fixture_set_power(struct pb_fixture *f, bool on)
{
	if (!f)
		return PB_FIX_E_ARG;
	int rc;
	if (f->bus)
		rc = bus_set_power(f, on);
	else if (f->ops->set_power)
		rc = f->ops->set_power(f, on);
	else
		return unsupported(f, "DUT power switching");
	if (rc == PB_FIX_OK)
		f->power_on = on;
	return rc;
}

int pb_fixture_take_dut_link(struct pb_fixture *f, struct pb_link **out)
{
	if (!f || !out)
		return PB_FIX_E_ARG;
	*out = NULL;
	if (!f->ops->take_dut_link)
		return unsupported(f, "a DUT link");
	return f->ops->take_dut_link(f, out);
}

uint64_t pb_fixture_now(struct pb_fixture *f)
{
	if (!f || !f->ops->now)
		return 0;
	return f->ops->now(f);
}

int pb_fixture_advance(struct pb_fixture *f, uint64_t until_us)
{
	if (!f)
		return PB_FIX_E_ARG;
	if (!f->ops->advance)
		return unsupported(f, "advancing time");
	return f->ops->advance(f, until_us);
}

int pb_fixture_inject_fault(struct pb_fixture *f, int fault, int ch,
    int32_t value)
{
	if (!f)
		return PB_FIX_E_ARG;
	if (!f->ops->inject_fault)
		return unsupported(f, "fault injection");
	return f->ops->inject_fault(f, fault, ch, value);
}

int pb_fixture_safe(struct pb_fixture *f)
{
	if (!f || !f->ops->safe)
		return PB_FIX_OK;
	int rc = f->ops->safe(f);
	for (int c = 0; c < PB_MAX_CH; c++)
		f->inject_on[c] = false;
	f->power_on = false;
	return rc;
}

void pb_fixture_close(struct pb_fixture *f)
{
	if (!f)
		return;
	pb_fixture_safe(f);
	if (f->ops->close)
		f->ops->close(f);
}

const char *pb_fixture_errmsg(const struct pb_fixture *f)
{
	if (!f)
		return "no fixture";
	return f->msg[0] ? f->msg : "no error";
}

const char *pb_fixture_unit_name(enum pb_fixture_unit u)
{
	switch (u) {
	case PB_FIX_UNIT_IDEAL: return "ideal";
	case PB_FIX_UNIT_UNCALIBRATED: return "uncalibrated";
	case PB_FIX_UNIT_CALIBRATED: return "calibrated";
	}
	return "?";
}

int pb_fixture_unit_parse(const char *s)
{
	for (int u = PB_FIX_UNIT_IDEAL; u <= PB_FIX_UNIT_CALIBRATED; u++)
		if (s && strcmp(s, pb_fixture_unit_name((enum pb_fixture_unit)u))
		    == 0)
			return u;
	return -1;
}

const char *pb_fixture_strerror(int err)
{
	switch (err) {
	case PB_FIX_OK: return "ok";
	case PB_FIX_E_ARG: return "bad argument";
	case PB_FIX_E_NOT_SUPPORTED: return "not supported by this fixture";
	case PB_FIX_E_NOENT: return "fixture not found";
	case PB_FIX_E_OPEN: return "cannot open fixture";
	case PB_FIX_E_IO: return "fixture I/O error";
	case PB_FIX_E_TIMEOUT: return "fixture did not answer in time";
	case PB_FIX_E_SYNC: return "MPSSE sync failed";
	case PB_FIX_E_GONE: return "fixture disappeared (unplugged?)";
	case PB_FIX_E_INTERRUPTED: return "interrupted by a signal";
	case PB_FIX_E_MEM: return "out of memory";
	case PB_FIX_E_STATE: return "fixture not in a state for that";
	case PB_FIX_E_PROFILE: return "pump profile or emulator failed";
	default: return "unknown fixture error";
	}
}

/* ---- signals: the flag is this module's only state ----------------------- */

static volatile sig_atomic_t g_signal;
static struct sigaction g_old_int, g_old_term;
static int g_installed;

static void on_signal(int sig)
{
	g_signal = sig;
}

int pb_fixture_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: sleeps and polls wake up */
	if (g_installed)
		return PB_FIX_OK;
	if (sigaction(SIGINT, &sa, &g_old_int) != 0)
		return PB_FIX_E_IO;
	if (sigaction(SIGTERM, &sa, &g_old_term) != 0) {
		sigaction(SIGINT, &g_old_int, NULL);
		return PB_FIX_E_IO;
	}
	g_installed = 1;
	return PB_FIX_OK;
}

void pb_fixture_restore_signals(void)
{
	if (!g_installed)
		return;
	sigaction(SIGINT, &g_old_int, NULL);
	sigaction(SIGTERM, &g_old_term, NULL);
	g_installed = 0;
}

int pb_fixture_interrupted(void)
{
	return (int)g_signal;
}

void pb_fixture_clear_interrupt(void)
{
	g_signal = 0;
}

int pb_fixture_list(struct pb_fixture_info *out, int max, char *err,
    size_t errlen)
{
	return pb_fixture_ftdi_list(out, max, err, errlen);
}
