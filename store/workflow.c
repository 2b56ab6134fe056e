/*
 * store/workflow.c - the station's rules (see workflow.h).
 */
#include "store/workflow.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int no(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int no(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* trim spaces, tabs, CR and LF at both ends into out */
static int trimmed(const char *line, char *out, size_t outlen, size_t max,
    const char *what, bool spaces_inside, char *err, size_t errlen)
{
	if (line == NULL)
		line = "";
	const char *b = line, *e = line + strlen(line);
	while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	size_t n = (size_t)(e - b);
	if (n == 0)
		return no(err, errlen, "no %s given (scan or type it, then "
		    "Enter)", what);
	if (n > max)
		return no(err, errlen, "%s too long (%zu characters, at most "
		    "%zu): scan it again", what, n, max);
	for (const char *p = b; p < e; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || c > 0x7e ||
		    (c == ' ' && !spaces_inside))
			return no(err, errlen, "%s holds a character that is "
			    "not printable ASCII%s: scan it again", what,
			    spaces_inside ? "" : " (or a space)");
	}
	if (n + 1 > outlen)
		return no(err, errlen, "%s does not fit", what);
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}

int pb_wf_serial(const char *line, char *out, size_t outlen, char *err,
    size_t errlen)
{
	return trimmed(line, out, outlen, PB_WF_SERIAL_MAX, "unit serial",
	    false, err, errlen);
}

int pb_wf_operator(const char *line, char *out, size_t outlen, char *err,
    size_t errlen)
{
	return trimmed(line, out, outlen, PB_WF_OPERATOR_MAX, "operator ID",
	    true, err, errlen);
}

int pb_wf_serial_match(const char *scanned, const char *reported,
    size_t reported_len, char *err, size_t errlen)
{
	char rep[64];
	size_t n = strnlen(reported, reported_len);
	if (n >= sizeof rep)
		n = sizeof rep - 1;
	memcpy(rep, reported, n);
	rep[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)rep[i] < 0x20 || (unsigned char)rep[i] > 0x7e)
			rep[i] = '?';
	if (n == 0)
		return no(err, errlen, "the unit reports no serial number; it "
		    "needs one before calibration");
	if (strcmp(rep, scanned) != 0)
		return no(err, errlen, "wrong unit: the unit on the station "
		    "reports serial %s, the scanned serial is %s (nothing was "
		    "written)", rep, scanned);
	return 0;
}

long pb_wf_days(int64_t unix_s)
{
	int64_t d = unix_s / 86400;
	if (unix_s < 0 && unix_s % 86400)
		d--;
	return (long)d;
}

int pb_wf_gauge(const char *gauge_id, const char *due, long due_days,
    long today_days, char *err, size_t errlen, char *warn, size_t warnlen)
{
	if (warn && warnlen)
		warn[0] = '\0';
	if (gauge_id == NULL || gauge_id[0] == '\0' || due == NULL ||
	    due[0] == '\0')
		return no(err, errlen, "no reference gauge in the station "
		    "config ([gauge] id and due)");
	if (today_days > due_days)
		return no(err, errlen, "reference gauge %s was due for "
		    "calibration on %s (%ld day%s ago): calibrate the gauge "
		    "and update [gauge] due in the station config; no unit "
		    "is calibrated against it", gauge_id, due,
		    today_days - due_days, today_days - due_days == 1 ? "" :
		    "s");
	long left = due_days - today_days;
	if (left <= PB_WF_GAUGE_WARN_DAYS && warn && warnlen)
		snprintf(warn, warnlen, "reference gauge %s is due for "
		    "calibration on %s (%s)", gauge_id, due, left == 0 ?
		    "today" : left == 1 ? "tomorrow" : "soon");
	return 0;
}

int pb_wf_recal(bool passed_before, bool recal, const char *reason,
    const char *serial, const char *passed_when, const char *passed_where,
    char *err, size_t errlen)
{
	if (recal && (reason == NULL || reason[0] == '\0'))
		return no(err, errlen, "a recalibration needs its reason (it "
		    "is recorded)");
	if (passed_before && !recal)
		return no(err, errlen, "unit %s already passed calibration "
		    "(%s at %s); calibrate it again only as a recalibration, "
		    "with its reason", serial, passed_when, passed_where);
	return 0;
}
