/*
 * base/file.c - see file.h.
 */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int code, char *err, size_t errlen, const char *what,
    const char *detail)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "",
		    detail ? detail : "");
	return code;
}

const char *pb_file_kind(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFLNK: return "a symbolic link";
	default: return "not a regular file";
	}
}

int pb_file_open_read(const char *path, unsigned flags, char *err,
    size_t errlen)
{
	int of = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (flags & PB_FILE_NOFOLLOW)
		of |= O_NOFOLLOW;
	int fd = open(path, of);
	if (fd < 0) {
		if (errno == ELOOP && (flags & PB_FILE_NOFOLLOW))
			return fail(PB_FILE_E_TYPE, err, errlen,
			    "is a symbolic link (refused here)", NULL);
		return fail(PB_FILE_E_OPEN, err, errlen, "cannot open",
		    strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(PB_FILE_E_OPEN, err, errlen, "cannot stat",
		    strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		char why[64];
		snprintf(why, sizeof why, "not a regular file (%s)",
		    pb_file_kind((unsigned)st.st_mode));
		return fail(PB_FILE_E_TYPE, err, errlen, why, NULL);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

FILE *pb_file_fopen_read(const char *path, unsigned flags, char *err,
    size_t errlen)
{
	int fd = pb_file_open_read(path, flags, err, errlen);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		fail(PB_FILE_E_NOMEM, err, errlen, "cannot open",
		    strerror(errno));
		close(fd);
	}
	return f;
}

int pb_file_read_all(const char *path, size_t max, unsigned flags,
    char **buf, size_t *len, char *err, size_t errlen)
{
	*buf = NULL;
	*len = 0;
	int fd = pb_file_open_read(path, flags, err, errlen);
	if (fd < 0)
		return fd;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap + 1);
	int rc = PB_FILE_OK;
	while (b) {
		if (n == cap) {
			if (cap > max) {
				rc = PB_FILE_E_SIZE;
				break;
			}
			size_t ncap = cap * 2;
			char *nb = realloc(b, ncap + 1);
			if (!nb) {
				rc = PB_FILE_E_NOMEM;
				break;
			}
			b = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = PB_FILE_E_READ;
			fail(rc, err, errlen, "read error", strerror(errno));
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = PB_FILE_E_SIZE;
			break;
		}
	}
	close(fd);
	if (!b)
		rc = PB_FILE_E_NOMEM;
	if (rc == PB_FILE_E_SIZE) {
		char why[64];
		snprintf(why, sizeof why, "larger than %zu bytes", max);
		fail(rc, err, errlen, why, NULL);
	} else if (rc == PB_FILE_E_NOMEM) {
		fail(rc, err, errlen, "out of memory", NULL);
	}
	if (rc != PB_FILE_OK) {
		free(b);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return PB_FILE_OK;
}
