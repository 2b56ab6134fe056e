/*
 * base/isotime.c - see isotime.h.
 */
#include "base/isotime.h"

#include <stdio.h>
#include <time.h>

char *pb_isotime(int64_t unix_ms, enum pb_isotime_form form, char *buf,
    size_t n)
{
	if (!buf || n == 0)
		return buf;
	int64_t s = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
	int ms = (int)(unix_ms - s * 1000);
	time_t t = (time_t)s;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		t = 0;
		ms = 0;
		gmtime_r(&t, &tm);
	}
	int y = tm.tm_year + 1900, mo = tm.tm_mon + 1;
	switch (form) {
	case PB_ISO_UTC:
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	case PB_ISO_UTC_MS:
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		break;
	case PB_ISO_JUNIT:
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	case PB_ISO_BASIC:
	default:
		snprintf(buf, n, "%04d%02d%02dT%02d%02d%02dZ", y, mo,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	}
	return buf;
}
