/*
 * store/stationcfg.h - a calibration station's config file (INI).
 *
 * Promise: parses the file a factory puts on each station, from memory
 * (pb_stationcfg_parse, fuzzed by fuzz/fuzz_stationcfg.c) or from a file
 * opened through base/file (no FIFO, no device, at most 64 KiB).  Errors
 * name the file and line: "station.ini:7: due = 2027-02-30 is not a date
 * (YYYY-MM-DD)".  Unknown sections and keys are errors (a typo must not
 * silently drop the gauge's due date).  A failed parse leaves *out zeroed.
 *
 *   [station]
 *   name = line-3                  1..15 printable characters, no spaces
 *   key = station.key              the factory key file; a relative path
 *                                  is relative to this file's directory
 *   [gauge]
 *   id = GAUGE-0042                the reference gauge (required)
 *   due = 2027-06-30               its calibration due date (required)
 *   description = Fluke 700G05     the reference instrument, for the
 *                                  certificate (optional)
 *   [store]
 *   url = postgresql://db.factory/records   or a SQLite file (optional)
 */
#ifndef PB_STORE_STATIONCFG_H
#define PB_STORE_STATIONCFG_H

#include <stddef.h>

#include "store/url.h"

#define PB_STATION_NAME_MAX 15   /* the pump stores 15 characters */

struct pb_stationcfg {
	char path[512];                       /* the file, as given */
	char name[PB_STATION_NAME_MAX + 1];
	char key_path[1024];                  /* "" when not given */
	char gauge_id[64];
	char gauge_due[11];                   /* YYYY-MM-DD */
	long gauge_due_days;                  /* days since 1970-01-01 */
	char gauge_desc[200];
	char store[PB_STORE_SPEC_MAX + 1];    /* "" when not given */
};

enum pb_stationcfg_err {
	PB_STATIONCFG_OK = 0,
	PB_STATIONCFG_E_OPEN = -1,
	PB_STATIONCFG_E_SYNTAX = -2,
	PB_STATIONCFG_E_KEY = -3,      /* unknown section or key */
	PB_STATIONCFG_E_VALUE = -4,    /* a value out of its rules */
	PB_STATIONCFG_E_MISSING = -5   /* a required key is absent */
};

/* Parse len bytes named name (for messages and relative paths). */
int pb_stationcfg_parse(struct pb_stationcfg *out, const char *name,
    const char *buf, size_t len, char *err, size_t errlen);
int pb_stationcfg_load(struct pb_stationcfg *out, const char *path,
    char *err, size_t errlen);

/* A station name as the pump stores it: 1..15 printable, no spaces. */
int pb_station_name_ok(const char *name);

#endif
