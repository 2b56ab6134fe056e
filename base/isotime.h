/*
 * base/isotime.h - UTC time stamps in the forms pumpbench writes.
 *
 * Promise: pure (gmtime_r only); one home for every time stamp in the
 * records, certificates, reports, lock files and file names.  Time is
 * Unix milliseconds; times before 1970 are handled, and a time gmtime
 * cannot express is written as 1970-01-01T00:00:00 in the same form.
 */
#ifndef PB_BASE_ISOTIME_H
#define PB_BASE_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

enum pb_isotime_form {
	PB_ISO_UTC,      /* 2026-12-03T19:52:03Z      records, certificates */
	PB_ISO_UTC_MS,   /* 2026-12-03T19:52:03.123Z  reports, CSV headers */
	PB_ISO_JUNIT,    /* 2026-12-03T19:52:03       JUnit (no zone allowed) */
	PB_ISO_BASIC,    /* 20261203T195203Z          file names */
};

/* Write the time stamp into BUF (32 bytes is always enough); returns BUF. */
char *pb_isotime(int64_t unix_ms, enum pb_isotime_form form, char *buf,
    size_t n);

#endif
