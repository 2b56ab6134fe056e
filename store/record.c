/*
 * store/record.c - record ids and checks (see record.h).
 */
#include "store/record.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

void pb_record_id_format(const uint8_t rnd[16], char out[PB_RECORD_ID_LEN])
{
	uint8_t b[16];
	memcpy(b, rnd, 16);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);   /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);   /* variant 10 */
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

int pb_record_new_id(char out[PB_RECORD_ID_LEN])
{
	uint8_t rnd[16];
	size_t got = 0;
	while (got < sizeof rnd) {
		ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			out[0] = '\0';
			return -1;
		}
		got += (size_t)n;
	}
	pb_record_id_format(rnd, out);
	return 0;
}

bool pb_record_id_valid(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !((c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static bool one_of(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return true;
	return false;
}

bool pb_record_cal_verdict_ok(const char *v)
{
	static const char *const ok[] = { "PASS", "FAIL", "ERROR", "ABORTED",
		NULL };
	return v && one_of(v, ok);
}

bool pb_record_outcome_ok(const char *v)
{
	static const char *const ok[] = { "PASS", "FAIL", "ERROR", "ABORTED",
		"SKIPPED", NULL };
	return v && one_of(v, ok);
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool empty(const char *s)
{
	return s[0] == '\0';
}

long pb_record_date_days(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	long m = (s[5] - '0') * 10 + (s[6] - '0');
	long d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return -1;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	/* days from civil (Howard Hinnant's algorithm) */
	long yy = m <= 2 ? y - 1 : y;
	long era = yy / 400;
	long yoe = yy - era * 400;
	long mp = (m + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int two(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int pb_record_parse_time(const char *s, bool end_of_day, int64_t *ms)
{
	if (s == NULL || strlen(s) < 10)
		return -1;
	char day[11];
	memcpy(day, s, 10);
	day[10] = '\0';
	long d = pb_record_date_days(day);
	if (d < 0)
		return -1;
	const char *t = s + 10;
	if (*t == '\0') {
		*ms = (int64_t)(d + (end_of_day ? 1 : 0)) * 86400000;
		return 0;
	}
	if (*t != 'T' && *t != ' ')
		return -1;
	int hh = two(t + 1), mm = -1, ss = 0, msec = 0;
	if (hh < 0 || hh > 23 || t[3] != ':')
		return -1;
	mm = two(t + 4);
	if (mm < 0 || mm > 59)
		return -1;
	t += 6;
	if (*t == ':') {
		ss = two(t + 1);
		if (ss < 0 || ss > 59)
			return -1;
		t += 3;
		if (*t == '.') {    /* a fraction: milliseconds kept */
			int k = 0;
			for (t++; *t >= '0' && *t <= '9'; t++, k++)
				if (k < 3)
					msec = msec * 10 + (*t - '0');
			if (k == 0 || k > 9)
				return -1;
			for (; k < 3; k++)
				msec *= 10;
		}
	}
	if (*t == 'Z')
		t++;
	if (*t != '\0')
		return -1;
	*ms = ((int64_t)d * 86400 + hh * 3600 + mm * 60 + ss) * 1000 + msec;
	return 0;
}

int pb_record_check_cal(const struct pb_record_cal *c, char *err,
    size_t errlen)
{
	if (!pb_record_id_valid(c->record_id))
		return bad(err, errlen, "calibration record: bad record id "
		    "'%.40s'", c->record_id);
	if (empty(c->serial))
		return bad(err, errlen, "calibration record: no unit serial");
	if (empty(c->station))
		return bad(err, errlen, "calibration record: no station");
	if (empty(c->operator_id))
		return bad(err, errlen, "calibration record: no operator");
	if (!pb_record_cal_verdict_ok(c->verdict))
		return bad(err, errlen, "calibration record: verdict '%.16s' "
		    "is not PASS, FAIL, ERROR or ABORTED", c->verdict);
	if (c->gauge_due[0] && pb_record_date_days(c->gauge_due) < 0)
		return bad(err, errlen, "calibration record: gauge due date "
		    "'%.16s' is not YYYY-MM-DD", c->gauge_due);
	if (c->channels < 0 || c->channels > PB_RECORD_MAX_CH)
		return bad(err, errlen, "calibration record: %d channels",
		    c->channels);
	if (c->finished_ms < c->started_ms)
		return bad(err, errlen, "calibration record: finished before "
		    "it started");
	if (c->recal && empty(c->recal_reason))
		return bad(err, errlen, "calibration record: a recalibration "
		    "needs its reason");
	for (int ch = 0; ch < c->channels; ch++) {
		const struct pb_record_channel *k = &c->ch[ch];
		if (k->npoints < 0 || k->npoints > PB_RECORD_MAX_POINTS ||
		    k->nverify < 0 || k->nverify > PB_RECORD_MAX_VERIFY)
			return bad(err, errlen, "calibration record: channel "
			    "%d has too many points", ch + 1);
		if (k->order < 0 || k->order > 2)
			return bad(err, errlen, "calibration record: channel "
			    "%d fit order", ch + 1);
		for (int i = 0; i < 3 && k->order > 0; i++)
			if (!isfinite(k->c[i]))
				return bad(err, errlen, "calibration record: "
				    "channel %d coefficient not finite",
				    ch + 1);
		if (k->written && k->order == 0)
			return bad(err, errlen, "calibration record: channel "
			    "%d written without a fit", ch + 1);
	}
	if (strcmp(c->verdict, "PASS") == 0)
		for (int ch = 0; ch < c->channels; ch++)
			if (!c->ch[ch].written)
				return bad(err, errlen, "calibration record: "
				    "PASS but channel %d was not written",
				    ch + 1);
	if (c->ncerts < 0 || c->ncerts > PB_RECORD_MAX_CERTS)
		return bad(err, errlen, "calibration record: %d "
		    "certificate files", c->ncerts);
	for (int i = 0; i < c->ncerts; i++) {
		const struct pb_record_cert *f = &c->cert[i];
		if (empty(f->format) || empty(f->path) ||
		    strlen(f->sha256) != 64)
			return bad(err, errlen, "calibration record: "
			    "certificate file %d incomplete", i + 1);
		for (int k = 0; k < i; k++)
			if (strcmp(c->cert[k].format, f->format) == 0)
				return bad(err, errlen, "calibration record: "
				    "two certificate files of format %s",
				    f->format);
	}
	return 0;
}

int pb_record_check_run(const struct pb_record_run *r, char *err,
    size_t errlen)
{
	if (!pb_record_id_valid(r->run_id))
		return bad(err, errlen, "HIL record: bad run id '%.40s'",
		    r->run_id);
	if (empty(r->rig))
		return bad(err, errlen, "HIL record: no rig");
	if (r->finished_ms < r->started_ms)
		return bad(err, errlen, "HIL record: finished before it "
		    "started");
	if (r->ncases > 0 && r->cases == NULL)
		return bad(err, errlen, "HIL record: %ld cases missing",
		    (long)r->ncases);
	for (size_t i = 0; i < r->ncases; i++) {
		const struct pb_record_case *c = &r->cases[i];
		if (empty(c->name))
			return bad(err, errlen, "HIL record: case %ld has no "
			    "name", (long)i + 1);
		if (!pb_record_outcome_ok(c->outcome))
			return bad(err, errlen, "HIL record: outcome '%.16s' "
			    "unknown (case %ld)", c->outcome, (long)i + 1);
		if (c->nmeas > 0 && c->meas == NULL)
			return bad(err, errlen, "HIL record: case %ld "
			    "measurements missing", (long)i + 1);
		for (size_t k = 0; k < c->nmeas; k++)
			if (strcmp(c->meas[k].outcome, "PASS") != 0 &&
			    strcmp(c->meas[k].outcome, "FAIL") != 0)
				return bad(err, errlen, "HIL record: case %ld: "
				    "a measurement outcome is not PASS/FAIL",
				    (long)i + 1);
	}
	return 0;
}

int pb_record_check_session(const struct pb_record_session *s, char *err,
    size_t errlen)
{
	if (!pb_record_id_valid(s->record_id))
		return bad(err, errlen, "session record: bad record id "
		    "'%.40s'", s->record_id);
	if (empty(s->path))
		return bad(err, errlen, "session record: no recording path");
	if (s->channels < 0 || s->channels > PB_RECORD_MAX_CH)
		return bad(err, errlen, "session record: %d channels",
		    s->channels);
	if (s->finished_ms < s->started_ms)
		return bad(err, errlen, "session record: finished before it "
		    "started");
	return 0;
}
