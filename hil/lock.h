/*
 * hil/lock.h - an exclusive lock per HIL fixture, shared by CI jobs.
 *
 * Promise: pb_lock_acquire() takes an flock(2) on
 * <dir>/pumphil-<serial>.lock, waiting up to timeout_s for a holder to let
 * go; the kernel drops the lock when the holder exits, even by a crash, so
 * a lock is never stale.
 *
 * The directory (pb_lock_dir): the one given (--lock-dir), else
 * $PUMPHIL_LOCK_DIR, else /run/lock/pumpbench (created 0755), else
 * $XDG_RUNTIME_DIR/pumpbench (created 0700).  A directory that others may
 * write to without the sticky bit is refused (anyone could swap the lock
 * file), and the default directories must be real directories (not
 * symbolic links) owned by the caller or root.
 *
 * The lock file is opened without following a symbolic link, without
 * blocking, and used only when it is a regular file owned by the caller
 * with a single link: a planted symlink, FIFO, hard link or someone
 * else's file is refused and never written.  It is created 0644 and its
 * mode is never changed.  Nothing is truncated or written before the
 * flock is held; the holder then writes who it is (pid, host, user, CI
 * job, since) and clears it when it lets go, so a waiter that times out
 * names the process that holds the lock now.  Serial characters other
 * than [A-Za-z0-9._-] become '_' in the file name.  cancel (optional) is
 * polled while waiting, e.g. to stop on SIGINT.
 */
#ifndef PB_HIL_LOCK_H
#define PB_HIL_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#define PB_LOCK_SYSDIR "/run/lock/pumpbench"

enum pb_lock_err {
	PB_LOCK_OK = 0,
	PB_LOCK_E_BUSY = -1,      /* still held by another after timeout */
	PB_LOCK_E_OPEN = -2,      /* cannot create/open the lock file */
	PB_LOCK_E_CANCELLED = -3, /* cancel() returned true while waiting */
	PB_LOCK_E_ARG = -4,
	PB_LOCK_E_UNSAFE = -5     /* the file or directory is not safe to use */
};

struct pb_lock {
	int  fd;                  /* -1 when not held */
	char path[512];
};

/* The lock directory (see top) into out.  dir may be NULL.  Creates the
 * default directory when it is missing.  PB_LOCK_OK, or E_OPEN / E_UNSAFE
 * with the reason in err. */
int pb_lock_dir(const char *dir, char *out, size_t n, char *err,
    size_t errlen);

/* The same with every input given (tests): env is $PUMPHIL_LOCK_DIR,
 * sysdir the system default, xdg $XDG_RUNTIME_DIR (each may be NULL). */
int pb_lock_dir_from(const char *dir, const char *env, const char *sysdir,
    const char *xdg, char *out, size_t n, char *err, size_t errlen);

/* Path of the lock file for a serial in dir (pure). */
void pb_lock_path(const char *dir, const char *serial, char *out, size_t n);

int pb_lock_acquire(struct pb_lock *l, const char *dir, const char *serial,
    double timeout_s, bool (*cancel)(void), char *err, size_t errlen);
/* Clears the holder text, then lets go.  Harmless when not held. */
void pb_lock_release(struct pb_lock *l);

/* Who holds the lock, as written by the holder; "" when nobody has said.
 * Never follows a symlink or blocks.  Returns 0 or -1. */
int pb_lock_holder(const char *path, char *buf, size_t n);

/* Who this process is, as a holder names itself: "pid N on HOST, user U"
 * and ", job J" under CI ($CI_JOB_ID, $BUILD_TAG). */
void pb_lock_whoami(char *out, size_t n);

const char *pb_lock_strerror(int err);

#endif
