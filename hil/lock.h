/*
 * hil/lock.h - an exclusive lock per HIL fixture, shared by CI jobs.
 *
 * Promise: pb_lock_acquire() takes an flock(2) on
 * <dir>/pumphil-<serial>.lock (dir: the argument, else $PUMPHIL_LOCK_DIR,
 * else /tmp), waiting up to timeout_s for a holder to let go; the kernel
 * drops the lock when the holder exits, even by a crash, so a lock is
 * never stale.  The holder writes who it is (pid, host, user, CI job,
 * since) into the file; a waiter that times out names the holder in its
 * message.  Serial characters other than [A-Za-z0-9._-] become '_' in the
 * file name.  cancel (optional) is polled while waiting, e.g. to stop on
 * SIGINT.
 */
#ifndef PB_HIL_LOCK_H
#define PB_HIL_LOCK_H

#include <stdbool.h>
#include <stddef.h>

enum pb_lock_err {
	PB_LOCK_OK = 0,
	PB_LOCK_E_BUSY = -1,      /* still held by another after timeout */
	PB_LOCK_E_OPEN = -2,      /* cannot create/open the lock file */
	PB_LOCK_E_CANCELLED = -3, /* cancel() returned true while waiting */
	PB_LOCK_E_ARG = -4
};

struct pb_lock {
	int  fd;                  /* -1 when not held */
	char path[512];
};

/* Path of the lock file for a serial (no I/O). */
void pb_lock_path(const char *dir, const char *serial, char *out, size_t n);

int pb_lock_acquire(struct pb_lock *l, const char *dir, const char *serial,
    double timeout_s, bool (*cancel)(void), char *err, size_t errlen);
void pb_lock_release(struct pb_lock *l);

/* Who holds (or last held) the lock, as written by the holder; "" when
 * unknown.  Returns 0 or -1. */
int pb_lock_holder(const char *path, char *buf, size_t n);

const char *pb_lock_strerror(int err);

#endif
