/*
 * hil/lock.c - flock(2) per fixture serial, with a wait timeout.
 * See lock.h for the promise.
 */
#include "hil/lock.h"
#include "base/isotime.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
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
	}
	return "unknown lock error";
}

void pb_lock_path(const char *dir, const char *serial, char *out, size_t n)
{
	if (!dir || !dir[0])
		dir = getenv("PUMPHIL_LOCK_DIR");
	if (!dir || !dir[0])
		dir = "/tmp";
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
	snprintf(out, n, "%s/pumphil-%s.lock", dir, safe);
}

int pb_lock_holder(const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t k = read(fd, buf, n - 1);
	close(fd);
	if (k < 0) {
		buf[0] = '\0';
		return -1;
	}
	buf[k] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static void write_holder(int fd)
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
	char since[32];
	pb_isotime((int64_t)time(NULL) * 1000, PB_ISO_UTC, since,
	    sizeof since);
	char line[400];
	int len = snprintf(line, sizeof line,
	    "pid %ld on %s, user %s%s%s, since %s\n", (long)getpid(), host,
	    user, job ? ", job " : "", job ? job : "", since);
	if (len < 0)
		return;
	if (ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0) {
		ssize_t w = write(fd, line, (size_t)len);
		(void)w;
	}
}

int pb_lock_acquire(struct pb_lock *l, const char *dir, const char *serial,
    double timeout_s, bool (*cancel)(void), char *err, size_t errlen)
{
	l->fd = -1;
	if (!serial || !serial[0]) {
		snprintf(err, errlen, "lock: no fixture serial");
		return PB_LOCK_E_ARG;
	}
	pb_lock_path(dir, serial, l->path, sizeof l->path);
	int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "lock %s: %s", l->path, strerror(errno));
		return PB_LOCK_E_OPEN;
	}
	/* others' jobs may run as other users: let them lock it too */
	(void)fchmod(fd, 0666);
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
			char who[300];
			pb_lock_holder(l->path, who, sizeof who);
			snprintf(err, errlen, "fixture %s is busy after waiting "
			    "%.1f s: held by %s (lock %s)", serial, timeout_s,
			    who[0] ? who : "an unknown process", l->path);
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
	/* leave the holder text: it names the last user for diagnosis */
	flock(l->fd, LOCK_UN);
	close(l->fd);
	l->fd = -1;
}
