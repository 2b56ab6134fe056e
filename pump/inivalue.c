/*
 * pump/inivalue.c - INI value parsing (see inivalue.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pump/inivalue.h"

/* Copy the value without surrounding white space into tmp (cap bytes);
 * false when empty or too long to be a number or keyword. */
static bool
trimmed(const char *v, char *tmp, size_t cap)
{
	while (*v && isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n == 0 || n >= cap)
		return false;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	return true;
}

bool
pb_ini_double(const char *v, double *out)
{
	char tmp[80], *end;
	if (!trimmed(v, tmp, sizeof tmp))
		return false;
	errno = 0;
	double d = strtod(tmp, &end);
	if (end == tmp || *end != '\0' || errno != 0 || !isfinite(d))
		return false;
	*out = d;
	return true;
}

bool
pb_ini_long(const char *v, long *out)
{
	char tmp[32], *end;
	if (!trimmed(v, tmp, sizeof tmp))
		return false;
	errno = 0;
	long l = strtol(tmp, &end, 10);
	if (end == tmp || *end != '\0' || errno != 0)
		return false;
	*out = l;
	return true;
}

bool
pb_ini_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	char tmp[8];
	if (!trimmed(v, tmp, sizeof tmp))
		return false;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(tmp, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(tmp, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}
