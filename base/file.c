/*
 * base/file.c - see file.h.
 */
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

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

int pb_file_sha256(const char *path, unsigned flags, char hex[65],
    char *err, size_t errlen)
{
	hex[0] = '\0';
	int fd = pb_file_open_read(path, flags, err, errlen);
	if (fd < 0)
		return fd;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = PB_FILE_OK;
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = fail(PB_FILE_E_NOMEM, err, errlen, "SHA-256 unavailable",
		    NULL);
	} else {
		unsigned char buf[16384];
		for (;;) {
			ssize_t n = read(fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = fail(PB_FILE_E_READ, err, errlen, strerror(errno), NULL);
				break;
			}
			if (n == 0)
				break;
			EVP_DigestUpdate(ctx, buf, (size_t)n);
		}
		if (rc == PB_FILE_OK) {
			unsigned char md[EVP_MAX_MD_SIZE];
			unsigned mdlen = 0;
			EVP_DigestFinal_ex(ctx, md, &mdlen);
			static const char x[] = "0123456789abcdef";
			for (unsigned i = 0; i < mdlen && i < 32; i++) {
				hex[2 * i] = x[md[i] >> 4];
				hex[2 * i + 1] = x[md[i] & 15];
			}
			hex[64] = '\0';
		}
	}
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

int pb_file_write_atomic(const char *path, const void *data, size_t len,
    char *err, size_t errlen)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof tmp)
		return fail(PB_FILE_E_OPEN, err, errlen, "path too long", NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return fail(PB_FILE_E_OPEN, err, errlen, strerror(errno), NULL);
	const char *p = data;
	size_t left = len;
	int rc = PB_FILE_OK;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = fail(PB_FILE_E_WRITE, err, errlen,
			    strerror(n < 0 ? errno : ENOSPC), NULL);
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (rc == PB_FILE_OK && fsync(fd) != 0)
		rc = fail(PB_FILE_E_WRITE, err, errlen, strerror(errno), NULL);
	if (close(fd) != 0 && rc == PB_FILE_OK)
		rc = fail(PB_FILE_E_WRITE, err, errlen, strerror(errno), NULL);
	if (rc == PB_FILE_OK && rename(tmp, path) != 0)
		rc = fail(PB_FILE_E_WRITE, err, errlen, strerror(errno), NULL);
	if (rc != PB_FILE_OK)
		unlink(tmp);
	return rc;
}
