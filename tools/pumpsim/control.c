/*
 * tools/pumpsim/control.c - the control language of pumpsim --control and
 * the fault names (see control.h).
 */
#include "tools/pumpsim/control.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"

static const char *const fault_names[] = {
	[PB_FLT_CLEAR_ALL] = "clear",
	[PB_FLT_LEAK] = "leak",
	[PB_FLT_VALVE_STUCK] = "valve-stuck",
	[PB_FLT_MOTOR_STALL] = "motor-stall",
	[PB_FLT_MOTOR_OPEN] = "motor-open",
	[PB_FLT_SENSOR_OFFSET] = "sensor-offset",
	[PB_FLT_SENSOR_STUCK] = "sensor-stuck",
	[PB_FLT_SENSOR_OPEN] = "sensor-open",
	[PB_FLT_SENSOR_SHORT] = "sensor-short",
	[PB_FLT_BATTERY_SAG] = "battery-sag",
	[PB_FLT_CONTAINER_FILL] = "container-fill",
	[PB_FLT_OCCLUSION] = "occlusion",
	[PB_FLT_SENSOR_DRIFT] = "sensor-drift",
	[PB_FLT_BACKFLOW] = "backflow",
};
#define N_FAULTS (int)(sizeof fault_names / sizeof fault_names[0])

const char *pb_fault_name(int fault)
{
	if (fault < 0 || fault >= N_FAULTS || !fault_names[fault])
		return "?";
	return fault_names[fault];
}

int pb_fault_parse(const char *name, size_t n, int *fault)
{
	if (!name)
		return -1;
	for (int f = 0; f < N_FAULTS; f++) {
		const char *k = fault_names[f];
		if (!k || strlen(k) != n)
			continue;
		size_t i;
		for (i = 0; i < n; i++) {
			char c = name[i] == '_' ? '-' : (char)tolower(
			    (unsigned char)name[i]);
			if (c != k[i])
				break;
		}
		if (i == n) {
			*fault = f;
			return 0;
		}
	}
	return -1;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Whole-token integer / number parsing (tok is NUL-terminated). */
static int parse_i32(const char *tok, int32_t *v)
{
	char *end;
	errno = 0;
	long long x = strtoll(tok, &end, 10);
	if (errno || end == tok || *end || x < INT32_MIN || x > INT32_MAX)
		return -1;
	*v = (int32_t)x;
	return 0;
}

static int parse_ch(const char *tok, int *ch)
{
	int32_t v;
	if (parse_i32(tok, &v) != 0 || v < 0 || v >= PB_MAX_CH)
		return -1;
	*ch = (int)v;
	return 0;
}

static int parse_volts(const char *tok, double *v)
{
	char *end;
	errno = 0;
	double x = strtod(tok, &end);
	if (errno || end == tok || *end || !isfinite(x) || x < 0.0 || x > 10.0)
		return -1;
	*v = x;
	return 0;
}

int pb_control_parse_fault_spec(const char *spec, int *fault, int32_t *value,
    int *channel, char *err, size_t errlen)
{
	char buf[96];
	if (!spec || strlen(spec) >= sizeof buf) {
		seterr(err, errlen, "fault spec too long");
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", spec);
	char *eq = strchr(buf, '=');
	*channel = 0;
	*value = 0;
	if (!eq) {
		/* "clear" alone is fine */
		if (pb_fault_parse(buf, strlen(buf), fault) == 0 &&
		    *fault == PB_FLT_CLEAR_ALL)
			return 0;
		seterr(err, errlen, "fault \"%s\": expected NAME=VALUE[@CH]",
		    spec);
		return -1;
	}
	*eq = '\0';
	char *at = strchr(eq + 1, '@');
	if (at)
		*at = '\0';
	if (pb_fault_parse(buf, strlen(buf), fault) != 0) {
		seterr(err, errlen, "fault \"%s\": unknown fault name \"%s\"",
		    spec, buf);
		return -1;
	}
	if (parse_i32(eq + 1, value) != 0) {
		seterr(err, errlen, "fault \"%s\": value \"%s\" is not an "
		    "integer", spec, eq + 1);
		return -1;
	}
	if (at && parse_ch(at + 1, channel) != 0) {
		seterr(err, errlen, "fault \"%s\": channel must be 0..%d",
		    spec, PB_MAX_CH - 1);
		return -1;
	}
	return 0;
}

#define MAX_TOK 6
#define TOK_LEN 32

int pb_control_parse(const char *line, size_t n, struct pb_control_cmd *c,
    char *err, size_t errlen)
{
	char tok[MAX_TOK][TOK_LEN];
	int nt = 0;
	size_t i = 0;
	memset(c, 0, sizeof *c);
	if (!line) {
		seterr(err, errlen, "empty command");
		return -1;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n > PB_CONTROL_LINE_MAX) {
		seterr(err, errlen, "line longer than %d bytes",
		    PB_CONTROL_LINE_MAX);
		return -1;
	}
	for (;;) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= n)
			break;
		size_t a = i;
		while (i < n && line[i] != ' ' && line[i] != '\t')
			i++;
		size_t len = i - a;
		if (nt == MAX_TOK) {
			seterr(err, errlen, "too many words");
			return -1;
		}
		if (len >= TOK_LEN) {
			seterr(err, errlen, "word %d is too long", nt + 1);
			return -1;
		}
		for (size_t k = a; k < i; k++) {
			unsigned char ch = (unsigned char)line[k];
			if (ch < 0x21 || ch > 0x7e) {
				seterr(err, errlen, "byte %zu is not printable "
				    "ASCII", k + 1);
				return -1;
			}
		}
		memcpy(tok[nt], line + a, len);
		tok[nt][len] = '\0';
		nt++;
	}
	if (nt == 0) {
		seterr(err, errlen, "empty command (try: help)");
		return -1;
	}
	const char *verb = tok[0];
	if (strcmp(verb, "status") == 0 && nt == 1) {
		c->op = PB_CTL_STATUS;
		return 0;
	}
	if (strcmp(verb, "help") == 0 && nt == 1) {
		c->op = PB_CTL_HELP;
		return 0;
	}
	if (strcmp(verb, "power") == 0 && nt == 2) {
		c->op = PB_CTL_POWER;
		if (strcmp(tok[1], "on") == 0)
			c->on = true;
		else if (strcmp(tok[1], "off") == 0)
			c->on = false;
		else
			goto usage;
		return 0;
	}
	if (strcmp(verb, "fault") == 0 && nt >= 2 && nt <= 4) {
		c->op = PB_CTL_FAULT;
		if (pb_fault_parse(tok[1], strlen(tok[1]), &c->fault) != 0) {
			seterr(err, errlen, "unknown fault \"%s\"", tok[1]);
			return -1;
		}
		if (c->fault == PB_FLT_CLEAR_ALL && nt == 2)
			return 0;
		if (nt < 3 || parse_i32(tok[2], &c->value) != 0) {
			seterr(err, errlen, "fault %s: need an integer value",
			    tok[1]);
			return -1;
		}
		if (nt == 4 && parse_ch(tok[3], &c->channel) != 0) {
			seterr(err, errlen, "fault %s: channel must be 0..%d",
			    tok[1], PB_MAX_CH - 1);
			return -1;
		}
		return 0;
	}
	if (strcmp(verb, "inject") == 0 && (nt == 3 || nt == 4)) {
		c->op = PB_CTL_INJECT;
		if (parse_ch(tok[1], &c->channel) != 0) {
			seterr(err, errlen, "inject: channel must be 0..%d",
			    PB_MAX_CH - 1);
			return -1;
		}
		if (strcmp(tok[2], "off") == 0 && nt == 3) {
			c->on = false;
			return 0;
		}
		if (strcmp(tok[2], "on") == 0 && nt == 4) {
			c->on = true;
			if (parse_volts(tok[3], &c->volts) != 0) {
				seterr(err, errlen, "inject: volts must be a "
				    "number from 0 to 10");
				return -1;
			}
			return 0;
		}
		goto usage;
	}
usage:
	seterr(err, errlen, "unknown command \"%s\" (try: help)", verb);
	return -1;
}

static const char *alarm_list(uint16_t alarms, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned b = 0; b < PB_AL_COUNT; b++) {
		if (!(alarms & (1u << b)))
			continue;
		int k = snprintf(buf + used, cap - used, "%s%s", used ? "," : "",
		    pb_alarm_name(b));
		if (k < 0 || (size_t)k >= cap - used)
			break;
		used += (size_t)k;
	}
	if (used == 0)
		snprintf(buf, cap, "none");
	return buf;
}

int pb_control_exec(struct pb_emu *e, const struct pb_control_cmd *c,
    char *reply, size_t cap)
{
	struct pb_emu_status s;
	switch (c->op) {
	case PB_CTL_STATUS: {
		char al[256];
		pb_emu_status(e, &s);
		snprintf(reply, cap, "ok state=%s mode=%s level=%u phase=%s "
		    "channels=0x%x alarms=%s target=%.1f vacuum=%.1f,%.1f "
		    "measured=%.1f,%.1f battery=%.2f duty=%.2f session=%.1f "
		    "cycles=%llu motor=%s valve=%d,%d alarm=%s",
		    pb_run_state_name(s.run_state), pb_mode_name(s.mode),
		    s.level, pb_phase_name(s.phase), s.channel_mask,
		    alarm_list(s.alarms, al, sizeof al), s.target_mmhg,
		    s.vacuum_mmhg[0], s.vacuum_mmhg[1], s.measured_mmhg[0],
		    s.measured_mmhg[1], s.battery_v, s.motor_duty, s.session_s,
		    (unsigned long long)s.cycles,
		    pb_emu_motor_on(e) ? "on" : "off",
		    pb_emu_valve_open(e, 0) ? 1 : 0,
		    pb_emu_valve_open(e, 1) ? 1 : 0,
		    pb_emu_alarm_on(e) ? "on" : "off");
		return 0;
	}
	case PB_CTL_HELP:
		snprintf(reply, cap, "ok commands: fault NAME VALUE [CH] | "
		    "fault clear | power on|off | inject CH on VOLTS | "
		    "inject CH off | status | help");
		return 0;
	case PB_CTL_POWER:
		pb_emu_set_power(e, c->on);
		snprintf(reply, cap, "ok power %s", c->on ? "on" : "off");
		return 0;
	case PB_CTL_INJECT:
		pb_emu_set_inject(e, c->channel, c->on, c->volts);
		if (c->on)
			snprintf(reply, cap, "ok inject ch%d on %.3f V",
			    c->channel, c->volts);
		else
			snprintf(reply, cap, "ok inject ch%d off", c->channel);
		return 0;
	case PB_CTL_FAULT:
		if (pb_emu_inject(e, c->fault, c->channel, c->value) != 0) {
			snprintf(reply, cap, "error: fault %s %ld on ch%d "
			    "refused (value or channel out of range)",
			    pb_fault_name(c->fault), (long)c->value,
			    c->channel);
			return -1;
		}
		if (c->fault == PB_FLT_CLEAR_ALL)
			snprintf(reply, cap, "ok faults cleared");
		else
			snprintf(reply, cap, "ok fault %s %ld ch%d",
			    pb_fault_name(c->fault), (long)c->value,
			    c->channel);
		return 0;
	default:
		snprintf(reply, cap, "error: no command");
		return -1;
	}
}

int pb_control_line(struct pb_emu *e, const char *line, size_t n,
    char *reply, size_t cap)
{
	struct pb_control_cmd c;
	char err[160];
	if (pb_control_parse(line, n, &c, err, sizeof err) != 0) {
		snprintf(reply, cap, "error: %s", err);
		return -1;
	}
	return pb_control_exec(e, &c, reply, cap);
}
