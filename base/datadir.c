/*
 * base/datadir.c - where the programs find their data (see datadir.h).
 */
#include "base/datadir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PB_DATADIR
#define PB_DATADIR "/usr/local/share/pumpbench"
#endif

/* ---- the rule (pure) ----------------------------------------------------- */

/* Append dir (without trailing slashes, "/" kept) unless it is there. */
static void add(struct pb_datadirs *d, const char *dir, size_t len)
{
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof d->dir[0] || d->n >= PB_DATADIR_MAX)
		return;
	for (int i = 0; i < d->n; i++)
		if (strlen(d->dir[i]) == len && memcmp(d->dir[i], dir, len) == 0)
			return;
	memcpy(d->dir[d->n], dir, len);
	d->dir[d->n][len] = '\0';
	d->n++;
}

/* The length of s without its last path component (and the slashes
 * before it): "/opt/pb/bin/x" -> "/opt/pb/bin"; "/x" -> "". */
static size_t parent_len(const char *s, size_t len)
{
	while (len > 0 && s[len - 1] == '/')
		len--;
	while (len > 0 && s[len - 1] != '/')
		len--;
	while (len > 0 && s[len - 1] == '/')
		len--;
	return len;
}

int pb_datadir_compose(struct pb_datadirs *d, const char *exe,
    const char *env, const char *configured, pb_datadir_exists_fn exists,
    void *ctx)
{
	memset(d, 0, sizeof *d);
	if (exe && exe[0] == '/') {
		size_t bindir = parent_len(exe, strlen(exe));
		size_t prefix = parent_len(exe, bindir);
		char share[PATH_MAX], build[PATH_MAX];
		int a = snprintf(share, sizeof share, "%.*s/share/pumpbench",
		    (int)prefix, exe);
		int b = snprintf(build, sizeof build, "%.*s/fixtures",
		    (int)prefix, exe);
		bool share_ok = a > 0 && (size_t)a < sizeof share;
		bool build_ok = b > 0 && (size_t)b < sizeof build;
		if (share_ok && exists && exists(share, ctx))
			add(d, share, (size_t)a);
		else if (build_ok && exists && exists(build, ctx))
			add(d, build, (size_t)b);
		else if (share_ok)
			add(d, share, (size_t)a);
	}
	if (env && *env)
		add(d, env, strlen(env));
	if (configured && *configured)
		add(d, configured, strlen(configured));
	return d->n;
}

void pb_datadir_describe(const struct pb_datadirs *d, const char *sub,
    char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = '\0';
	size_t at = 0;
	for (int i = 0; i < d->n && at < n; i++) {
		const char *sep = i == 0 ? "" : i == d->n - 1 ? " or " : ", ";
		int k = snprintf(buf + at, n - at, "%s%s%s%s", sep, d->dir[i],
		    sub && *sub ? "/" : "", sub ? sub : "");
		if (k < 0)
			break;
		at += (size_t)k;
	}
	if (d->n == 0)
		snprintf(buf, n, "no data directory");
}

/* ---- the adapter: /proc, the environment, the file system -------------- */

static bool is_dir(const char *dir, void *ctx)
{
	(void)ctx;
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

int pb_self_exe(char *buf, size_t n)
{
	if (n == 0)
		return -1;
	ssize_t k = readlink("/proc/self/exe", buf, n - 1);
	if (k <= 0 || (size_t)k >= n - 1) {
		buf[0] = '\0';
		return -1;
	}
	buf[k] = '\0';
	return 0;
}

void pb_datadir_get(struct pb_datadirs *d)
{
	char exe[PATH_MAX];
	pb_self_exe(exe, sizeof exe);
	const char *env = getenv("PUMPBENCH_DATA");
	if (!env || !*env)
		env = getenv("PUMPBENCH_FIXTURES");
	/* the same directory named two ways (a symlink, a relative
	 * $PUMPBENCH_DATA) is searched and listed once */
	char env_real[PATH_MAX], conf_real[PATH_MAX];
	if (env && *env && realpath(env, env_real))
		env = env_real;
	const char *conf = PB_DATADIR;
	if (realpath(conf, conf_real))
		conf = conf_real;
	pb_datadir_compose(d, exe, env, conf, is_dir, NULL);
}

int pb_datadir_find(const struct pb_datadirs *d, const char *rel,
    char *path, size_t n)
{
	struct pb_datadirs own;
	if (!d) {
		pb_datadir_get(&own);
		d = &own;
	}
	for (int i = 0; i < d->n; i++) {
		int k = snprintf(path, n, "%s/%s", d->dir[i], rel);
		if (k < 0 || (size_t)k >= n)
			continue;
		if (access(path, F_OK) == 0 ||
		    (errno != ENOENT && errno != ENOTDIR))
			return 0;
	}
	if (n)
		path[0] = '\0';
	return -1;
}
