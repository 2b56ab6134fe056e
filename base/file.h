/*
 * base/file.h - opening the files pumpbench reads, safely.
 *
 * Promise: a file named by a user, a rig, a scenario or a pump is opened
 * without ever blocking and without reading anything that is not a
 * regular file.  The open is non-blocking (a FIFO with no writer does not
 * hang), then fstat() decides: a FIFO, a socket, a device or a directory is
 * refused with a message that says what it was, and only then is the file
 * read.  With PB_FILE_NOFOLLOW a symbolic link as the last component is
 * refused too (O_NOFOLLOW), for files in shared directories.
 *
 * Messages are the reason only ("not a regular file (a FIFO)"), without
 * the path, so that each caller can put it in its own form, usually
 * "PATH:0: reason".  Nothing here prints or exits.
 */
#ifndef PB_BASE_FILE_H
#define PB_BASE_FILE_H

#include <stddef.h>
#include <stdio.h>

enum {
	PB_FILE_OK = 0,
	PB_FILE_E_OPEN = -1,      /* open() failed: errno's text */
	PB_FILE_E_TYPE = -2,      /* not a regular file */
	PB_FILE_E_SIZE = -3,      /* larger than the caller's limit */
	PB_FILE_E_READ = -4,      /* read error */
	PB_FILE_E_NOMEM = -5,
	PB_FILE_E_WRITE = -6,     /* pb_file_write_atomic: write, sync or
	                             rename failed */
};

/* flags */
#define PB_FILE_NOFOLLOW 0x1u     /* refuse a symlink as last component */

/*
 * Open PATH read-only (O_CLOEXEC | O_NOCTTY), never blocking, and check it
 * is a regular file.  The descriptor returned is back in blocking mode.
 * Returns the fd, or a negative PB_FILE_E_* with the reason in err.
 */
int pb_file_open_read(const char *path, unsigned flags, char *err,
    size_t errlen);

/* The same, as a stdio stream ("rb").  NULL and the reason on error. */
FILE *pb_file_fopen_read(const char *path, unsigned flags, char *err,
    size_t errlen);

/*
 * Read all of PATH (a regular file of at most MAX bytes) into a new
 * buffer, NUL-terminated after *len bytes (the file may hold NULs of its
 * own; *len counts them).  The caller frees *buf.  On error *buf is NULL.
 */
int pb_file_read_all(const char *path, size_t max, unsigned flags,
    char **buf, size_t *len, char *err, size_t errlen);

/*
 * SHA-256 of PATH's bytes (opened as pb_file_open_read does) as 64
 * lower-case hex digits in hex.  PB_FILE_OK or an error with the reason.
 */
int pb_file_sha256(const char *path, unsigned flags, char hex[65],
    char *err, size_t errlen);

/*
 * Write LEN bytes to PATH atomically: into PATH.tmp.<pid> (created
 * exclusively, never through a symlink), fsync, then rename over PATH,
 * so a reader sees the old file or the whole new one.  On error the
 * temporary file is removed and PATH is untouched.
 */
int pb_file_write_atomic(const char *path, const void *data, size_t len,
    char *err, size_t errlen);

/* What kind of file a st_mode is, for messages: "a FIFO", "a directory". */
const char *pb_file_kind(unsigned mode);

#endif
