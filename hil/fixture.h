/*
 * hil/fixture.h - the HIL fixture: one interface, two backends.
 *
 * Promise: a scenario drives a pump through this interface only, and the
 * same calls work on a real bench (`ftdi`: an FT232H over libftdi1 with an
 * MCP4922 DAC, an MCP3202 ADC and GPIO relays, and the DUT on a serial
 * port) and on the simulated rig (`sim`: the very same MPSSE byte stream
 * fed to an interpreter wired to an in-process emulator running in
 * lock-step virtual time).
 *
 *  - pb_fixture_open() opens the backend the rig names; on failure nothing
 *    is left open and the message names the rig file / USB serial / port.
 *  - Every call returns PB_FIX_OK or a negative PB_FIX_E_* code;
 *    pb_fixture_errmsg() gives the detail of the last failure (e.g.
 *    libftdi's own error string).  A backend that lacks an operation
 *    answers PB_FIX_E_NOT_SUPPORTED (fault injection on `ftdi`).
 *  - pb_fixture_safe() puts the rig in its safe state: every inject relay
 *    and the DUT power off, the DAC at the rig's safe_volts, all GPIO to
 *    inputs, bitmode reset.  It is idempotent, best-effort (it tries every step
 *    even when one fails) and callable after any error; the runner calls
 *    it on every exit path, and pb_fixture_close() calls it again before
 *    releasing anything.  No atexit() is involved.
 *  - After open: DUT power off, every inject relay off, DAC outputs at
 *    safe_volts.  After pb_fixture_safe() the same holds (GPIO are
 *    inputs and the board's pull-downs keep relays off); any later call
 *    re-initialises the bus first, so a runner may safe() between
 *    scenarios and go on (power must then be switched on again).  After
 *    a timeout or a garbled reply the next call also flushes and syncs
 *    again first.
 *  - Time: pb_fixture_now() is the fixture's clock in microseconds (sim:
 *    virtual, starts at opts.start_us; ftdi: CLOCK_MONOTONIC).
 *    pb_fixture_advance(f, t) moves to time t: sim runs the emulator to t
 *    and shuttles the DUT link's bytes; ftdi sleeps until t.  Both return
 *    PB_FIX_E_INTERRUPTED promptly once SIGINT/SIGTERM has arrived (after
 *    pb_fixture_catch_signals()).
 *  - The DUT's protocol byte stream is a struct pb_link (proto/link.h)
 *    handed to the caller once by pb_fixture_take_dut_link(), ready for
 *    pb_client_new() (which takes ownership).  ftdi: pb_link_open() of the
 *    rig's dut_port; sim: one end of pb_link_mem_pair(), the other end is
 *    pumped into pb_emu_rx()/out of pb_emu_tx() on every advance.
 */
#ifndef PB_HIL_FIXTURE_H
#define PB_HIL_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hil/rig.h"
#include "proto/link.h"

enum pb_fix_err {
	PB_FIX_OK = 0,
	PB_FIX_E_ARG = -1,           /* bad argument (channel, volts range) */
	PB_FIX_E_NOT_SUPPORTED = -2, /* this backend cannot do that */
	PB_FIX_E_NOENT = -3,         /* no such fixture (serial not attached) */
	PB_FIX_E_OPEN = -4,          /* could not open/configure the fixture */
	PB_FIX_E_IO = -5,            /* USB / link I/O error */
	PB_FIX_E_TIMEOUT = -6,       /* a read missed its deadline */
	PB_FIX_E_SYNC = -7,          /* MPSSE bad-opcode sync failed */
	PB_FIX_E_GONE = -8,          /* fixture unplugged mid-run */
	PB_FIX_E_INTERRUPTED = -9,   /* SIGINT/SIGTERM arrived */
	PB_FIX_E_MEM = -10,
	PB_FIX_E_STATE = -11,        /* e.g. DUT link already taken, closed */
	PB_FIX_E_PROFILE = -12       /* sim: pump profile/emulator failed */
};

/* Bits of pb_fixture_read_outputs(), at their logical (active) level. */
#define PB_FIX_OUT_MOTOR     (1u << 0)
#define PB_FIX_OUT_ALARM     (1u << 1)
#define PB_FIX_OUT_VALVE(ch) (1u << (2 + (ch)))   /* ch 0..PB_MAX_CH-1 */

/* Rig-level faults for pb_fixture_inject_fault() on `sim` (beyond the
 * emulator's enum pb_fault ids): value 1 unplugs the simulated FT232H
 * (every USB transfer then fails with PB_FIX_E_GONE and the board's
 * pull-downs drop every relay, as on a real bench), 0 plugs it back (the
 * next call re-initialises it). */
#define PB_FIX_FAULT_UNPLUG 0x100

struct pb_profile;

/* The emulated unit (sim): an ideal sensor, a unit with the sensor
 * errors of its profile's spreads and the datasheet calibration it left
 * the parts store with, or such a unit calibrated by the factory. */
enum pb_fixture_unit {
	PB_FIX_UNIT_IDEAL = 0,
	PB_FIX_UNIT_UNCALIBRATED,
	PB_FIX_UNIT_CALIBRATED
};
/* "ideal", "uncalibrated", "calibrated" <-> the enum; -1 unknown. */
const char *pb_fixture_unit_name(enum pb_fixture_unit u);
int pb_fixture_unit_parse(const char *s);

struct pb_fixture_opts {
	/* sim only (ignored by ftdi): */
	const struct pb_profile *profile; /* NULL: load rig->profile */
	unsigned defects;                 /* defect switches, a mask from
	                                     pb_fixture_sim_defect() */
	uint64_t seed;
	const char *eeprom_path;          /* NULL: EEPROM in memory */
	const char *dut_serial;           /* serial of a fresh EEPROM */
	bool sensor_errors;               /* unit sensor errors on */
	bool calibrated;                  /* a factory calibration of the
	                                     unit's own sensor at the
	                                     profile's points is stored
	                                     before power-on */
	const char *factory_key_path;     /* station key the unit accepts */
	uint64_t start_us;                /* virtual time at open */
};

struct pb_fixture;
struct pb_rigbus;

/* One struct per backend.  A backend with an MPSSE bus (sim, ftdi) points
 * pb_fixture.bus at it: injection, the reference, the output lines and
 * the DUT power then go over hil/rigbus.c here, in fixture.c, the same
 * for every such backend, and bus_reset only brings its chip into MPSSE
 * mode (bitmode reset, MPSSE, flush) before the bus's init stream.  A
 * backend without a bus (a test fake) gives set_inject .. set_power
 * itself.  Any other operation may be NULL: the wrappers below then
 * answer PB_FIX_E_NOT_SUPPORTED (or do nothing for safe/close). */
struct pb_fixture_ops {
	const char *name;   /* "sim", "ftdi" */
	int  (*bus_reset)(struct pb_fixture *f);
	int  (*set_inject)(struct pb_fixture *f, int ch, bool enable,
	    double volts);
	int  (*read_reference)(struct pb_fixture *f, int ch, double *volts);
	int  (*read_outputs)(struct pb_fixture *f, uint32_t *bits);
	int  (*set_power)(struct pb_fixture *f, bool on);
	int  (*take_dut_link)(struct pb_fixture *f, struct pb_link **out);
	uint64_t (*now)(struct pb_fixture *f);
	int  (*advance)(struct pb_fixture *f, uint64_t until_us);
	int  (*inject_fault)(struct pb_fixture *f, int fault, int ch,
	    int32_t value);
	int  (*safe)(struct pb_fixture *f);
	void (*close)(struct pb_fixture *f);   /* frees f */
};

/* Common head of every backend's fixture (backends embed it first). */
struct pb_fixture {
	const struct pb_fixture_ops *ops;
	struct pb_rig rig;
	struct pb_rigbus *bus;           /* NULL: the backend has none */
	bool   inject_on[PB_MAX_CH];     /* last commanded state */
	double inject_v[PB_MAX_CH];
	bool   power_on;
	char   msg[320];                 /* detail of the last failure */
};

/* For backends: a bus transaction failed with rc; its message becomes
 * the fixture's, and after a lost or garbled exchange (timeout, I/O,
 * sync) the bus is brought up afresh by the next call.  Returns rc. */
int pb_fixture_bus_fail(struct pb_fixture *f, int rc);
/* For backends: bring the bus up now (at open); PB_FIX_OK when it is. */
int pb_fixture_bus_begin(struct pb_fixture *f);

/* Open the backend rig->backend names. err gets a message on failure. */
int pb_fixture_open(const struct pb_rig *rig,
    const struct pb_fixture_opts *opts, struct pb_fixture **out,
    char *err, size_t errlen);

const char *pb_fixture_backend(const struct pb_fixture *f);
const struct pb_rig *pb_fixture_rig(const struct pb_fixture *f);

/* Injection: relay on/off and the DAC voltage (0..vref) for channel ch
 * (0-based).  The _mmhg form converts through the rig's sensor transfer
 * function of that channel. */
int pb_fixture_set_inject(struct pb_fixture *f, int ch, bool enable,
    double volts);
int pb_fixture_set_inject_mmhg(struct pb_fixture *f, int ch, bool enable,
    double mmhg);

/* Reference transducer of channel ch through the ADC: volts at the ADC
 * and vacuum via the rig's reference transfer function (either may be
 * NULL). */
int pb_fixture_read_reference(struct pb_fixture *f, int ch, double *volts,
    double *mmhg);

/* Motor/valve/alarm lines, PB_FIX_OUT_* bits. */
int pb_fixture_read_outputs(struct pb_fixture *f, uint32_t *bits);

/* DUT power relay. */
int pb_fixture_set_power(struct pb_fixture *f, bool on);

/* Hand the DUT protocol link to the caller (once; caller owns it). */
int pb_fixture_take_dut_link(struct pb_fixture *f, struct pb_link **out);

uint64_t pb_fixture_now(struct pb_fixture *f);
int pb_fixture_advance(struct pb_fixture *f, uint64_t until_us);

/* sim only: emulator fault (enum pb_fault, proto/msg.h) or
 * PB_FIX_FAULT_UNPLUG.  ftdi: NOT_SUPPORTED.  What only the simulated
 * rig can tell (the pump model's own view, defect switches) is in
 * hil/fixture-sim.h. */
int pb_fixture_inject_fault(struct pb_fixture *f, int fault, int ch,
    int32_t value);

/* Safe state (see top). Returns the first error met, having tried all. */
int pb_fixture_safe(struct pb_fixture *f);
/* safe() then release everything. NULL is fine. */
void pb_fixture_close(struct pb_fixture *f);

const char *pb_fixture_errmsg(const struct pb_fixture *f);
const char *pb_fixture_strerror(int err);

/* Signals: install SIGINT/SIGTERM handlers that only set a flag (the
 * previous handlers are kept for pb_fixture_restore_signals()).  Blocking
 * fixture calls return PB_FIX_E_INTERRUPTED once it is set; the runner
 * then calls pb_fixture_safe()/close and exits.  pb_fixture_interrupted()
 * returns the signal seen (0 = none). */
int  pb_fixture_catch_signals(void);
void pb_fixture_restore_signals(void);
int  pb_fixture_interrupted(void);
void pb_fixture_clear_interrupt(void);

/* Attached FT232H fixtures (0403:6014), for `pumphil list-rigs`. */
struct pb_fixture_info {
	char serial[64];
	char description[128];
	char manufacturer[64];
	int  bus, address;
};
/* Fills up to max entries; returns how many are attached (may exceed
 * max), or < 0 (PB_FIX_E_*) with a message in err. */
int pb_fixture_list(struct pb_fixture_info *out, int max, char *err,
    size_t errlen);

/* Backend entry points live in hil/fixture-sim.h and hil/fixture-ftdi.h. */

#endif
