/*
 * tools/pumpsim/eeprom-file.c - the host edge of the record store: the
 * EEPROM image in a file (see eeprom.h, "The file edge").  The only I/O
 * of the module: load at attach, write-through + fsync.  A board port
 * replaces this file with its flash driver.
 */
#include "tools/pumpsim/eeprom.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "tools/pumpsim/eeprom-impl.h"

static int file_persist(void *ctx, size_t off, const uint8_t *bytes, size_t n)
{
	struct pb_eeprom *e = ctx;
	if (e->fd < 0)
		return -1;
	while (n > 0) {
		ssize_t w = pwrite(e->fd, bytes, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		bytes += w;
		off += (size_t)w;
		n -= (size_t)w;
	}
	return fsync(e->fd) == 0 ? 0 : -1;
}

/* Write the whole image to a fresh file at path (0600). */
static int create_blank(struct pb_eeprom *e, const char *path, char *msg,
    size_t msglen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: cannot create EEPROM file: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: EEPROM file in use by another "
		    "emulator", path);
		close(fd);
		return -1;
	}
	e->fd = fd;
	if (file_persist(e, 0, e->img, sizeof e->img) != 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: cannot write EEPROM file: %s", path,
		    strerror(errno));
		close(fd);
		e->fd = -1;
		return -1;
	}
	return 0;
}

int pb_eeprom_attach_file(struct pb_eeprom *e, const char *path, char *msg,
    size_t msglen)
{
	if (!e || !path || !*path)
		return PB_EEPROM_E_ARG;
	pb_eeprom_detach_file(e);
	snprintf(e->path, sizeof e->path, "%s", path);

	/* never blocking (a FIFO with no peer), and only a regular file is
	 * used (fstat below) */
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		memset(e->img, PB_EEPROM_ERASED, sizeof e->img);
		pb_eeprom_scan(e, NULL, 0);
		if (create_blank(e, path, msg, msglen) != 0)
			return PB_EEPROM_E_FILE;
		e->persist = file_persist;
		e->persist_ctx = e;
		return PB_EEPROM_OK;
	}
	if (fd < 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: cannot open EEPROM file: %s", path,
		    strerror(errno));
		return PB_EEPROM_E_FILE;
	}

	struct stat st;
	uint8_t buf[PB_EEPROM_SIZE];
	size_t got = 0;
	if (fstat(fd, &st) != 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: %s", path, strerror(errno));
		close(fd);
		return PB_EEPROM_E_FILE;
	}
	if (!S_ISREG(st.st_mode)) {
		pb_eeprom_addmsg(msg, msglen, "%s: EEPROM file is not a regular file (%s)",
		    path, pb_file_kind((unsigned)st.st_mode));
		close(fd);
		return PB_EEPROM_E_FILE;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: %s", path, strerror(errno));
		close(fd);
		return PB_EEPROM_E_FILE;
	}
	/* one emulator per EEPROM: two writers would tear each other's
	 * records */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: EEPROM file in use by another "
		    "emulator", path);
		close(fd);
		return PB_EEPROM_E_FILE;
	}
	while (got < sizeof buf) {
		ssize_t r = pread(fd, buf + got, sizeof buf - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == sizeof buf && st.st_size == (off_t)sizeof buf) {
		e->fd = fd;
		pb_eeprom_load_image(e, buf, got, msg, msglen);
		e->persist = file_persist;
		e->persist_ctx = e;
		return PB_EEPROM_OK;
	}

	/* Wrong size: keep the bytes for a human, start blank. */
	close(fd);
	char bad[sizeof e->path + 8];
	snprintf(bad, sizeof bad, "%s.bad", path);
	pb_eeprom_addmsg(msg, msglen, "%s: EEPROM file is %lld bytes, expected %d: "
	    "kept as %s, starting with a blank EEPROM", path,
	    (long long)st.st_size, PB_EEPROM_SIZE, bad);
	if (rename(path, bad) != 0) {
		pb_eeprom_addmsg(msg, msglen, "%s: cannot rename to %s: %s", path, bad,
		    strerror(errno));
		return PB_EEPROM_E_FILE;
	}
	memset(e->img, PB_EEPROM_ERASED, sizeof e->img);
	pb_eeprom_scan(e, NULL, 0);
	if (create_blank(e, path, msg, msglen) != 0)
		return PB_EEPROM_E_FILE;
	e->persist = file_persist;
	e->persist_ctx = e;
	return PB_EEPROM_OK;
}

void pb_eeprom_detach_file(struct pb_eeprom *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	e->persist = NULL;
	e->persist_ctx = NULL;
}
