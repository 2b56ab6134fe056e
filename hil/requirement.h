/*
 * hil/requirement.h - the written safety requirements scenarios verify.
 *
 * Promise: a loader of requirement files (fixtures/requirements/ files,
 * documented in docs/verification.md) into a plain in-memory set, and
 * lookups over it.  The requirements are the independent source of every
 * limit a safety scenario checks: a scenario takes its limits from here
 * (the Lua `req()` API), never from the pump profile the firmware reads.
 *
 * pb_requirement_parse() is pure: bytes in memory to a set, or an error
 * "FILE:LINE: message" (escaped, so a file cannot drive a terminal).  It
 * refuses NUL bytes, duplicate requirements and duplicate keys (naming
 * both lines), unknown keys, a limit without a unit, a number that is not
 * whole-value finite, lines longer than PB_REQUIREMENT_LINE_MAX, and more
 * than the fixed caps below; it never reads past len.  A failed parse
 * leaves nothing allocated.  pb_requirement_load() reads a file with
 * base/file (never blocking on a FIFO, regular files only, at most
 * PB_REQUIREMENT_FILE_MAX bytes) and hashes its bytes (SHA-256) for the
 * reports.
 *
 * File format (INI, one section per requirement):
 *
 *     [document]                      optional: for reports
 *     title = pumpbench safety requirements
 *     revision = C
 *
 *     [SR-OP-01]                      the ID: [A-Za-z0-9._-], 1..63
 *     title = Absolute overpressure trip
 *     text = The pump shall vent ... (indented lines continue a value)
 *     class = safety                  safety | performance | function
 *     source = IEC 60601-1-8 ...; 510(k) precedent ...
 *     hazard = H-01 tissue injury from excessive vacuum
 *     trip_mmHg = 320                 a limit: NAME_UNIT = number
 *     response_ms = 100
 *     resolution_ms = 2               the measurement's resolution
 *     cutoff_V@s21 = 3.3              for one profile only (wins over
 *     cutoff_V@s10pro = 10.0          an unqualified key)
 *     peaks_mmHg@s21 = 40, 50, 60     a list (per level)
 *
 * A limit's unit is the last part of its name: _mmHg, _mmHg_s (mmHg/s),
 * _ms, _s, _V, _mV, _mA, _cpm, _pct (%), _mL_min (mL/min), _count.
 * text, source and hazard are required.  ';' or '#' starts a comment at
 * the start of a line or after white space.
 */
#ifndef PB_HIL_REQUIREMENT_H
#define PB_HIL_REQUIREMENT_H

#include <stdbool.h>
#include <stddef.h>

#define PB_REQUIREMENT_MAX        256      /* requirements in one file */
#define PB_REQUIREMENT_LIMITS     24       /* limit keys per requirement */
#define PB_REQUIREMENT_LIST       24       /* values in one list limit */
#define PB_REQUIREMENT_LINE_MAX   2048     /* bytes of one line */
#define PB_REQUIREMENT_FILE_MAX   (1u << 20)
#define PB_REQUIREMENT_ID_LEN     64       /* with the NUL */

struct pb_requirement_limit {
	char   name[40];          /* as written, without @profile */
	char   unit[12];          /* "mmHg", "mmHg/s", "ms", "%", ... */
	char   profile[32];       /* "" = any profile */
	int    n;                 /* 1 = a number, more = a list */
	double v[PB_REQUIREMENT_LIST];
	int    line;
};

struct pb_requirement {
	char   id[PB_REQUIREMENT_ID_LEN];
	char   title[160];
	char   text[1024];
	char   cls[16];           /* "safety" (default), "performance",
	                             "function" */
	char   source[384];
	char   hazard[256];
	int    line;              /* of its [ID] */
	int    n_limits;
	struct pb_requirement_limit limits[PB_REQUIREMENT_LIMITS];
};

struct pb_requirement_set {
	char   path[512];         /* as loaded, "" from memory */
	char   sha256[65];        /* of the file's bytes ("" from memory) */
	char   title[160];        /* [document] */
	char   revision[32];
	size_t n;
	struct pb_requirement *req;   /* n of them, in file order */
};

enum pb_requirement_err {
	PB_REQUIREMENT_OK = 0,
	PB_REQUIREMENT_E_OPEN = -1,    /* cannot read the file */
	PB_REQUIREMENT_E_SYNTAX = -2,  /* not key = value, NUL, long line */
	PB_REQUIREMENT_E_KEY = -3,     /* unknown, duplicate or missing key */
	PB_REQUIREMENT_E_VALUE = -4,   /* a bad number, ID or unit */
	PB_REQUIREMENT_E_FULL = -5,    /* past a fixed cap above */
	PB_REQUIREMENT_E_NOMEM = -6,
	PB_REQUIREMENT_E_ARG = -7
};

/* Parse len bytes named name (for messages) into *set.  Returns
 * PB_REQUIREMENT_OK, or an error with "name:LINE: message" in err (set is
 * then empty).  Free a parsed set with pb_requirement_set_free(). */
int pb_requirement_parse(struct pb_requirement_set *set, const char *text,
    size_t len, const char *name, char *err, size_t errlen);
/* Read and parse path; records the path and the SHA-256 of its bytes. */
int pb_requirement_load(struct pb_requirement_set *set, const char *path,
    char *err, size_t errlen);
/* The default file: requirements/safety.ini in the first data directory
 * that has it (base/datadir.h: beside the executable, $PUMPBENCH_DATA,
 * the configured datadir; never the working directory).  Writes it into
 * path; -1 when none has it. */
int pb_requirement_default_path(char *path, size_t n);
void pb_requirement_set_free(struct pb_requirement_set *set);

/* The requirement with this ID, or NULL. */
const struct pb_requirement *pb_requirement_find(
    const struct pb_requirement_set *set, const char *id);
/* Limit NAME of r for a pump profile (profile id, or NULL/"" for none):
 * the key qualified with this profile wins over the unqualified one.
 * NULL when r has neither. */
const struct pb_requirement_limit *pb_requirement_limit(
    const struct pb_requirement *r, const char *name, const char *profile);

/* Is s a requirement ID ([A-Za-z0-9._-], 1..63 characters)? */
bool pb_requirement_id_valid(const char *s, size_t n);

const char *pb_requirement_strerror(int err);

#endif
