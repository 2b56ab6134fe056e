/*
 * hil/lock.c - flock(2) per fixture serial, with a wait timeout, in a
 * directory nobody else can plant files in.  See lock.h for the promise.
 */
#include "hil/lock.h"
#include "base/file.h"
#include "base/isotime.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 100

const char *pb_lock_strerror(int err)
{
	switch (err) {
	case PB_LOCK_OK: return "ok";
	case PB_LOCK_E_BUSY: return "fixture busy";
	case PB_LOCK_E_OPEN: return "cannot open lock file";
	case PB_LOCK_E_CANCELLED: return "cancelled while waiting for the lock";
	case PB_LOCK_E_ARG: return "bad argument";
	case PB_LOCK_E_UNSAFE: return "lock file or directory not safe to use";
	}
	return "unknown lock error";
}

/* ---- the directory ------------------------------------------------------ */

/* Others may write to it and cannot be kept from swapping our file. */
static bool open_to_others(const struct stat *st)
{
	return (st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX);
}

/* A directory named by the user (--lock-dir, $PUMPHIL_LOCK_DIR): it may be
 * reached through a symlink (/var/lock), but must be a directory that
 * others cannot write to without the sticky bit. */
static int check_given(const char *dir, const char *what, char *err,
    size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "lock directory %s (%s): %s", dir, what,
		    strerror(errno));
		return PB_LOCK_E_OPEN;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "lock directory %s (%s) is %s, not a "
		    "directory", dir, what, pb_file_kind((unsigned)st.st_mode));
		return PB_LOCK_E_OPEN;
	}
	if (open_to_others(&st)) {
		snprintf(err, errlen, "lock directory %s (%s) is writable by "
		    "others without the sticky bit (mode %04o): anyone could "
		    "replace the lock file; use a private directory or chmod +t",
		    dir, what, (unsigned)(st.st_mode & 07777));
		return PB_LOCK_E_UNSAFE;
	}
	return PB_LOCK_OK;
}

/* A default directory we may create: it must be a real directory (never
 * a symlink someone planted in /run/lock), owned by us or root, closed
 * to others.  1: use it; 0: cannot be created here (try the next one). */
static int own_dir(const char *dir, mode_t mode, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "lock directory %s: %s", dir,
			    strerror(errno));
			return PB_LOCK_E_OPEN;
		}
		if (mkdir(dir, mode) != 0 && errno != EEXIST)
			return 0;
		if (lstat(dir, &st) != 0) {
			snprintf(err, errlen, "lock directory %s: %s", dir,
			    strerror(errno));
			return PB_LOCK_E_OPEN;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "lock directory %s is %s, not a directory: "
		    "refusing to use it (remove it, or give --lock-dir)", dir,
		    pb_file_kind((unsigned)st.st_mode));
		return PB_LOCK_E_UNSAFE;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "lock directory %s belongs to uid %ld, not "
		    "to you or root: refusing to use it (remove it, or give "
		    "--lock-dir)", dir, (long)st.st_uid);
		return PB_LOCK_E_UNSAFE;
	}
	if (open_to_others(&st)) {
		snprintf(err, errlen, "lock directory %s is writable by others "
		    "(mode %04o): refusing to use it", dir,
		    (unsigned)(st.st_mode & 07777));
		return PB_LOCK_E_UNSAFE;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "lock directory %s (owner uid %ld, mode "
		    "%04o) is not writable for you, and the bench's other jobs "
		    "lock it there: run as the bench's CI account, or give "
		    "--lock-dir",
		    dir, (long)st.st_uid, (unsigned)(st.st_mode & 07777));
		return PB_LOCK_E_OPEN;
	}
	return 1;
}

int pb_lock_dir_from(const char *dir, const char *env, const char *sysdir,
    const char *xdg, char *out, size_t n, char *err, size_t errlen)
{
	if (dir && dir[0]) {
		int rc = check_given(dir, "--lock-dir", err, errlen);
		if (rc == PB_LOCK_OK)
			snprintf(out, n, "%s", dir);
		return rc;
	}
	if (env && env[0]) {
		int rc = check_given(env, "$PUMPHIL_LOCK_DIR", err, errlen);
		if (rc == PB_LOCK_OK)
			snprintf(out, n, "%s", env);
		return rc;
	}
	if (sysdir && sysdir[0]) {
		int rc = own_dir(sysdir, 0755, err, errlen);
		if (rc == 1) {
			snprintf(out, n, "%s", sysdir);
			return PB_LOCK_OK;
		}
		if (rc < 0)
			return rc;
	}
	if (xdg && xdg[0] == '/') {
		char d[512];
		snprintf(d, sizeof d, "%s/pumpbench", xdg);
		int rc = own_dir(d, 0700, err, errlen);
		if (rc == 1) {
			snprintf(out, n, "%s", d);
			return PB_LOCK_OK;
		}
		if (rc < 0)
			return rc;
	}
	snprintf(err, errlen, "no lock directory: %s cannot be created here "
	    "and XDG_RUNTIME_DIR is not usable; give --lock-dir DIR or "
	    "PUMPHIL_LOCK_DIR", sysdir ? sysdir : "(none)");
	return PB_LOCK_E_OPEN;
}

int pb_lock_dir(const char *dir, char *out, size_t n, char *err,
    size_t errlen)
{
	return pb_lock_dir_from(dir, getenv("PUMPHIL_LOCK_DIR"),
	    PB_LOCK_SYSDIR, getenv("XDG_RUNTIME_DIR"), out, n, err, errlen);
}

void pb_lock_path(const char *dir, const char *serial, char *out, size_t n)
{
	char safe[128];
	size_t k = 0;
	for (const char *p = serial; *p && k + 1 < sizeof safe; p++) {
		char c = *p;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (k == 0 && c == '.')
			ok = false;
		safe[k++] = ok ? c : '_';
	}
	safe[k] = '\0';
	snprintf(out, n, "%s/pumphil-%s.lock", dir && dir[0] ? dir : ".",
	    safe);
}

/* ---- the holder's text ---------------------------------------------------- */

/* The first line of what fd holds (from offset 0). */
static void read_holder(int fd, char *buf, size_t n)
{
	buf[0] = '\0';
	ssize_t k = pread(fd, buf, n - 1, 0);
	if (k <= 0)
		return;
	buf[k] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	/* the text is ours to show: keep it printable */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

int pb_lock_holder(const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	char why[128];
	int fd = pb_file_open_read(path, PB_FILE_NOFOLLOW, why, sizeof why);
	if (fd < 0)
		return -1;
	read_holder(fd, buf, n);
	close(fd);
	return 0;
}

void pb_lock_whoami(char *out, size_t n)
{
	char host[64] = "?";
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	const char *user = getenv("USER");
	struct passwd *pw = user ? NULL : getpwuid(getuid());
	if (!user)
		user = pw ? pw->pw_name : "?";
	const char *job = getenv("CI_JOB_ID");
	if (!job)
		job = getenv("BUILD_TAG");   /* Jenkins */
	snprintf(out, n, "pid %ld on %s, user %.64s%s%.64s", (long)getpid(),
	    host, user, job ? ", job " : "", job ? job : "");
}

static void write_holder(int fd)
{
	char who[256];
	pb_lock_whoami(who, sizeof who);
	char since[32];
	pb_isotime((int64_t)time(NULL) * 1000, PB_ISO_UTC, since,
	    sizeof since);
	char line[400];
	int len = snprintf(line, sizeof line, "%s, since %s\n", who, since);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof line)
		len = (int)sizeof line - 1;
	if (ftruncate(fd, 0) == 0) {
		ssize_t w = pwrite(fd, line, (size_t)len, 0);
		(void)w;
	}
}

/* "held by ..." for a waiter that gives up.  The holder writes its name
 * right after it takes the lock; in that instant the file may still name
 * the one before, so a name on this host whose process is gone is said
 * to be gone. */
static void describe_holder(int fd, char *out, size_t n)
{
	char who[300];
	read_holder(fd, who, sizeof who);
	if (!who[0]) {
		snprintf(out, n, "a process that has not yet written its name");
		return;
	}
	long pid = 0;
	char host[65] = "", me[65] = "";
	gethostname(me, sizeof me - 1);
	if (sscanf(who, "pid %ld on %64[^,]", &pid, host) == 2 && pid > 0 &&
	    strcmp(host, me) == 0 && kill((pid_t)pid, 0) != 0 &&
	    errno == ESRCH) {
		snprintf(out, n, "a process that has not yet written its name "
		    "(the file still names %.250s, which has exited)", who);
		return;
	}
	snprintf(out, n, "%s", who);
}

/* ---- lock and release ----------------------------------------------------- */

/* Open the lock file: never through a symlink, never blocking, and only a
 * regular file of ours with one link.  Nothing is written here. */
static int open_lock_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		if (errno == ELOOP) {
			snprintf(err, errlen, "lock %s is a symbolic link: "
			    "refusing to follow it (someone planted it? remove "
			    "it)", path);
			return PB_LOCK_E_UNSAFE;
		}
		snprintf(err, errlen, "lock %s: %s", path, strerror(errno));
		return PB_LOCK_E_OPEN;
	}
	struct stat st;
	const char *bad = NULL;
	char why[96];
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "lock %s: %s", path, strerror(errno));
		close(fd);
		return PB_LOCK_E_OPEN;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, sizeof why, "is %s, not a regular file",
		    pb_file_kind((unsigned)st.st_mode));
		bad = why;
	} else if (st.st_uid != geteuid()) {
		snprintf(why, sizeof why, "belongs to uid %ld, not to you "
		    "(uid %ld)", (long)st.st_uid, (long)geteuid());
		bad = why;
	} else if (st.st_nlink != 1) {
		snprintf(why, sizeof why, "has %lu hard links",
		    (unsigned long)st.st_nlink);
		bad = why;
	}
	if (bad) {
		snprintf(err, errlen, "lock %s %s: refusing to use it (remove it)",
		    path, bad);
		close(fd);
		return PB_LOCK_E_UNSAFE;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int pb_lock_acquire(struct pb_lock *l, const char *dir, const char *serial,
    double timeout_s, bool (*cancel)(void), char *err, size_t errlen)
{
	l->fd = -1;
	l->path[0] = '\0';
	if (!serial || !serial[0]) {
		snprintf(err, errlen, "lock: no fixture serial");
		return PB_LOCK_E_ARG;
	}
	char d[512];
	int rc = pb_lock_dir(dir, d, sizeof d, err, errlen);
	if (rc != PB_LOCK_OK)
		return rc;
	pb_lock_path(d, serial, l->path, sizeof l->path);
	int fd = open_lock_file(l->path, err, errlen);
	if (fd < 0)
		return fd;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "lock %s: %s", l->path,
			    strerror(errno));
			close(fd);
			return PB_LOCK_E_OPEN;
		}
		if (cancel && cancel()) {
			snprintf(err, errlen, "lock %s: cancelled", l->path);
			close(fd);
			return PB_LOCK_E_CANCELLED;
		}
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		double el = (double)(t.tv_sec - t0.tv_sec) +
		    (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
		if (el >= timeout_s) {
			char who[400];
			describe_holder(fd, who, sizeof who);
			snprintf(err, errlen, "fixture %s is busy after waiting "
			    "%.1f s: held by %s (lock %s)", serial, timeout_s,
			    who, l->path);
			close(fd);
			return PB_LOCK_E_BUSY;
		}
		struct timespec nap = { 0, POLL_MS * 1000000L };
		nanosleep(&nap, NULL);
	}
	write_holder(fd);
	l->fd = fd;
	return PB_LOCK_OK;
}

void pb_lock_release(struct pb_lock *l)
{
	if (l->fd < 0)
		return;
	/* still holding it: nobody may read our name once we are gone */
	if (ftruncate(l->fd, 0) != 0) {
		/* the next holder overwrites it; a waiter checks it */
	}
	flock(l->fd, LOCK_UN);
	close(l->fd);
	l->fd = -1;
}
