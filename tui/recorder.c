/*
 * tui/recorder.c - crash-safe CSV recording (see recorder.h).
 *
 * Rows are formatted into one growing memory buffer that only ever holds
 * whole rows; pb_rec_service() hands the buffer to write() (looping over
 * short writes) and fdatasync()s at most once a second.  A killed process
 * therefore leaves every row written before the last flush, and at most a
 * partial last row if the kill landed inside a write().
 */
#include "tui/recorder.h"
#include "base/file.h"
#include "base/isotime.h"
#include "base/text.h"
#include "base/version.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ROW_MAX 512

struct pb_recorder {
	int      fd;
	char     path[256];
	struct pb_rec_meta meta;
	char    *buf;
	size_t   len, cap;
	uint64_t last_write_us, last_sync_us;
	bool     unsynced;            /* bytes written since the last sync */
	bool     write_failed;        /* last write() failed: retry on time */
	bool     have_state;
	struct pb_rec_state state;
	struct pb_rec_counts counts;
	char     err[320];
	int      status;              /* last error status (0 none) */
};

const char *pb_rec_strerror(int err)
{
	switch (err) {
	case PB_REC_OK: return "ok";
	case PB_REC_E_OPEN: return "cannot create the recording";
	case PB_REC_E_IO: return "write to the recording failed";
	case PB_REC_E_ARG: return "bad argument";
	case PB_REC_E_NOMEM: return "out of memory";
	case PB_REC_E_DROPPED: return "recording rows dropped";
	case PB_REC_E_EXISTS: return "the recording file exists";
	default: return "unknown recorder error";
	}
}

int pb_rec_unit_decimals(enum pb_unit u)
{
	switch (u) {
	case PB_UNIT_KPA: return 4;
	case PB_UNIT_CMH2O: return 2;
	default: return 1;
	}
}

/* Copy s into out, replacing what would break a row or a header line. */
static void sanitize(char *out, size_t n, const char *s, bool spaces_ok)
{
	size_t k = 0;
	if (!n)
		return;
	for (; s && *s && k + 1 < n; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f || ch == ',' || ch == '"')
			ch = ' ';
		if (ch == ' ' && !spaces_ok)
			ch = '_';
		out[k++] = (char)ch;
	}
	out[k] = '\0';
}

static void set_err(struct pb_recorder *r, int status, int e,
    const char *what)
{
	r->status = status;
	snprintf(r->err, sizeof r->err, "%s: %s%s%s", r->path, what,
	    e ? ": " : "", e ? strerror(e) : "");
}

/* write() the whole buffer; keeps what could not be written. */
static int write_out(struct pb_recorder *r, uint64_t now_us)
{
	size_t off = 0;
	int rc = PB_REC_OK;
	while (off < r->len) {
		ssize_t w = write(r->fd, r->buf + off, r->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			set_err(r, PB_REC_E_IO, errno, "write");
			rc = PB_REC_E_IO;
			break;
		}
		if (w == 0) {
			set_err(r, PB_REC_E_IO, 0, "write wrote nothing");
			rc = PB_REC_E_IO;
			break;
		}
		off += (size_t)w;
		r->counts.bytes_written += (uint64_t)w;
	}
	r->write_failed = rc != PB_REC_OK;
	if (off > 0) {
		memmove(r->buf, r->buf + off, r->len - off);
		r->len -= off;
		r->unsynced = true;
		r->counts.writes++;
	}
	r->last_write_us = now_us;
	return rc;
}

static int do_sync(struct pb_recorder *r, uint64_t now_us)
{
	r->last_sync_us = now_us;
	if (!r->unsynced)
		return PB_REC_OK;
	if (fdatasync(r->fd) < 0 && errno != EINVAL && errno != EROFS) {
		/* EINVAL: pipes and special files cannot be synced */
		set_err(r, PB_REC_E_IO, errno, "fdatasync");
		return PB_REC_E_IO;
	}
	r->unsynced = false;
	r->counts.syncs++;
	return PB_REC_OK;
}

int pb_rec_service(struct pb_recorder *r, uint64_t now_us)
{
	if (!r)
		return PB_REC_E_ARG;
	int rc = PB_REC_OK;
	/* after a failed write only the clock retries (not every row) */
	if (r->len > 0 && ((r->len >= PB_REC_FLUSH_BYTES && !r->write_failed) ||
	    now_us - r->last_write_us >= PB_REC_FLUSH_US ||
	    now_us < r->last_write_us))
		rc = write_out(r, now_us);
	if (r->unsynced && (now_us - r->last_sync_us >= PB_REC_SYNC_US ||
	    now_us < r->last_sync_us)) {
		int s = do_sync(r, now_us);
		if (rc == PB_REC_OK)
			rc = s;
	}
	return rc;
}

uint64_t pb_rec_next_deadline(const struct pb_recorder *r)
{
	if (!r)
		return UINT64_MAX;
	uint64_t d = UINT64_MAX;
	if (r->len > 0)
		d = r->last_write_us + PB_REC_FLUSH_US;
	if (r->unsynced && r->last_sync_us + PB_REC_SYNC_US < d)
		d = r->last_sync_us + PB_REC_SYNC_US;
	return d;
}

/* Append one formatted row (whole, with its newline). */
static int add_row(struct pb_recorder *r, const char *row, size_t n,
    uint64_t now_us)
{
	if (r->len + n > r->cap) {
		if (r->len + n > PB_REC_MAX_PENDING) {
			r->counts.dropped_rows++;
			set_err(r, PB_REC_E_DROPPED, 0,
			    "rows dropped: the file cannot be written");
			return PB_REC_E_DROPPED;
		}
		size_t nc = r->cap ? r->cap : 65536;
		while (nc < r->len + n)
			nc *= 2;
		char *b = realloc(r->buf, nc);
		if (!b) {
			r->counts.dropped_rows++;
			set_err(r, PB_REC_E_NOMEM, 0, "out of memory");
			return PB_REC_E_NOMEM;
		}
		r->buf = b;
		r->cap = nc;
	}
	memcpy(r->buf + r->len, row, n);
	r->len += n;
	r->counts.rows++;
	return pb_rec_service(r, now_us);
}

static int add_fmt(struct pb_recorder *r, uint64_t now_us, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
static int add_fmt(struct pb_recorder *r, uint64_t now_us, const char *fmt,
    ...)
{
	char row[ROW_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(row, sizeof row, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PB_REC_E_ARG;
	if ((size_t)n >= sizeof row) {
		/* cannot happen with sanitised, bounded fields; keep the
		 * row whole and terminated anyway */
		n = (int)sizeof row - 1;
		row[n - 1] = '\n';
	}
	return add_row(r, row, (size_t)n, now_us);
}

/* Channel value in the file's unit, exact for int16 dmmHg. */
static int fmt_value(char *out, size_t n, int16_t v, enum pb_unit u)
{
	if (u == PB_UNIT_MMHG) {
		int x = v < 0 ? -(int)v : v;
		return snprintf(out, n, "%s%d.%d", v < 0 ? "-" : "", x / 10,
		    x % 10);
	}
	return snprintf(out, n, "%.*f", pb_rec_unit_decimals(u),
	    pb_dmmhg_to(v, u));
}

static int start(struct pb_recorder *r, const struct pb_rec_meta *meta,
    uint64_t now_us)
{
	r->meta = *meta;
	if (r->meta.channels < 1 || r->meta.channels > PB_REC_MAX_CH)
		r->meta.channels = r->meta.channels < 1 ? 1 : PB_REC_MAX_CH;
	if (r->meta.sample_rate_hz == 0)
		r->meta.sample_rate_hz = 1000;
	if ((unsigned)r->meta.unit > PB_UNIT_CMH2O)
		r->meta.unit = PB_UNIT_MMHG;
	char serial[32], fw[32], prof[32];
	sanitize(serial, sizeof serial, meta->serial, true);
	sanitize(fw, sizeof fw, meta->firmware, true);
	sanitize(prof, sizeof prof, meta->profile, true);
	pb_isotime(meta->start_unix_ms, PB_ISO_UTC_MS, r->meta.start_iso,
	    sizeof r->meta.start_iso);
	const char *un = pb_unit_name(r->meta.unit);
	char hdr[1024];
	int n = snprintf(hdr, sizeof hdr,
	    PB_REC_MAGIC "\n"
	    "# tool_version: %s\n"
	    "# serial: %s\n"
	    "# firmware: %s\n"
	    "# profile: %s\n"
	    "# calibration: %lu\n"
	    "# start: %s\n"
	    "# units: %s\n"
	    "# sample_rate_hz: %u\n"
	    "# channels: %d\n"
	    "kind,device_ms,index,ch1_%s,ch2_%s,info\n",
	    pb_version(), serial, fw, prof, (unsigned long)meta->cal_id,
	    r->meta.start_iso,
	    un, r->meta.sample_rate_hz, r->meta.channels, un, un);
	if (n < 0 || (size_t)n >= sizeof hdr)
		return PB_REC_E_ARG;
	r->buf = malloc(65536);
	if (!r->buf)
		return PB_REC_E_NOMEM;
	r->cap = 65536;
	memcpy(r->buf, hdr, (size_t)n);
	r->len = (size_t)n;
	r->last_sync_us = now_us;
	int rc = write_out(r, now_us);
	if (rc == PB_REC_OK)
		rc = do_sync(r, now_us);
	return rc;
}

int pb_rec_open_fd(struct pb_recorder **out, int fd, const char *name,
    const struct pb_rec_meta *meta, uint64_t now_us, char *err,
    size_t errlen)
{
	if (!out || fd < 0 || !meta) {
		if (err && errlen)
			snprintf(err, errlen, "%s: bad argument",
			    name ? name : "recording");
		return PB_REC_E_ARG;
	}
	*out = NULL;
	struct pb_recorder *r = calloc(1, sizeof *r);
	if (!r) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory",
			    name ? name : "recording");
		return PB_REC_E_NOMEM;
	}
	r->fd = fd;
	snprintf(r->path, sizeof r->path, "%s", name ? name : "recording");
	int rc = start(r, meta, now_us);
	if (rc != PB_REC_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s", r->err[0] ? r->err :
			    pb_rec_strerror(rc));
		close(r->fd);
		free(r->buf);
		free(r);
		return rc;
	}
	*out = r;
	return PB_REC_OK;
}

/* Regular files and character devices (/dev/null, /dev/full) take a
 * recording; a FIFO would block or need a reader, a socket or a
 * directory cannot. */
static bool recordable(mode_t mode)
{
	return S_ISREG(mode) || S_ISCHR(mode);
}

static int fail_path(char *err, size_t errlen, const char *path,
    const char *why, int code)
{
	if (err && errlen) {
		char raw[PATH_MAX + 160];
		snprintf(raw, sizeof raw, "%s: cannot record: %s", path, why);
		pb_text_escape_str(err, errlen, raw);
	}
	return code;
}

int pb_rec_check_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (!path || !*path)
		return fail_path(err, errlen, path ? path : "", "no file name",
		    PB_REC_E_ARG);
	if (stat(path, &st) == 0) {
		if (!recordable(st.st_mode)) {
			char why[64];
			snprintf(why, sizeof why, "not a regular file (%s)",
			    pb_file_kind((unsigned)st.st_mode));
			return fail_path(err, errlen, path, why, PB_REC_E_OPEN);
		}
		if (access(path, W_OK) != 0)
			return fail_path(err, errlen, path, strerror(errno),
			    PB_REC_E_OPEN);
		return PB_REC_OK;
	}
	if (errno != ENOENT)
		return fail_path(err, errlen, path, strerror(errno),
		    PB_REC_E_OPEN);
	/* a new file: its directory must exist and take it */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0)
		return fail_path(err, errlen, path, strerror(errno),
		    PB_REC_E_OPEN);
	if (!S_ISDIR(st.st_mode))
		return fail_path(err, errlen, path, strerror(ENOTDIR),
		    PB_REC_E_OPEN);
	if (access(dir, W_OK | X_OK) != 0)
		return fail_path(err, errlen, path, strerror(errno),
		    PB_REC_E_OPEN);
	return PB_REC_OK;
}

static int open_path(struct pb_recorder **out, const char *path, int flags,
    const struct pb_rec_meta *meta, uint64_t now_us, char *err,
    size_t errlen)
{
	if (!out || !path || !meta) {
		if (err && errlen)
			snprintf(err, errlen, "recording: bad argument");
		return PB_REC_E_ARG;
	}
	*out = NULL;
	/* O_NONBLOCK: a FIFO without a reader must not hang us (it fails
	 * with ENXIO, and one with a reader is refused below) */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK | flags, 0644);
	if (fd < 0) {
		int e = errno;
		return fail_path(err, errlen, path, e == ENXIO ?
		    "not a regular file (a FIFO)" : strerror(e),
		    e == EEXIST ? PB_REC_E_EXISTS : PB_REC_E_OPEN);
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail_path(err, errlen, path, strerror(e), PB_REC_E_OPEN);
	}
	if (!recordable(st.st_mode)) {
		char why[64];
		snprintf(why, sizeof why, "not a regular file (%s)",
		    pb_file_kind((unsigned)st.st_mode));
		close(fd);
		return fail_path(err, errlen, path, why, PB_REC_E_OPEN);
	}
	if (S_ISREG(st.st_mode))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return pb_rec_open_fd(out, fd, path, meta, now_us, err, errlen);
}

int pb_rec_open(struct pb_recorder **out, const char *path,
    const struct pb_rec_meta *meta, uint64_t now_us, char *err,
    size_t errlen)
{
	return open_path(out, path, O_TRUNC, meta, now_us, err, errlen);
}

int pb_rec_open_new(struct pb_recorder **out, const char *path,
    const struct pb_rec_meta *meta, uint64_t now_us, char *err,
    size_t errlen)
{
	return open_path(out, path, O_EXCL | O_NOFOLLOW, meta, now_us, err,
	    errlen);
}

int pb_rec_numbered_name(char *out, size_t n, const char *path, unsigned k)
{
	if (k <= 1) {
		int w = snprintf(out, n, "%s", path);
		return w >= 0 && (size_t)w < n ? 0 : -1;
	}
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');
	size_t stem = dot && dot > (slash ? slash + 1 : path) ?
	    (size_t)(dot - path) : strlen(path);
	int w = snprintf(out, n, "%.*s-%u%s", (int)stem, path, k,
	    path + stem);
	return w >= 0 && (size_t)w < n ? 0 : -1;
}

int pb_rec_sample(struct pb_recorder *r, uint32_t device_ms,
    uint64_t index, const int16_t *v, const bool *present, uint64_t now_us)
{
	if (!r || !v)
		return PB_REC_E_ARG;
	char a[2][24] = { "", "" };
	for (int c = 0; c < r->meta.channels; c++)
		if (!present || present[c])
			fmt_value(a[c], sizeof a[c], v[c], r->meta.unit);
	r->counts.samples++;
	return add_fmt(r, now_us, "S,%lu,%llu,%s,%s,\n",
	    (unsigned long)device_ms, (unsigned long long)index, a[0], a[1]);
}

int pb_rec_state(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    const struct pb_rec_state *st, uint64_t now_us)
{
	if (!r || !st)
		return PB_REC_E_ARG;
	r->state = *st;
	r->have_state = true;
	r->counts.states++;
	return add_fmt(r, now_us,
	    "P,%lu,%llu,,,run=%u mode=%u level=%u phase=%u mask=%u "
	    "target_dmmHg=%d\n",
	    (unsigned long)device_ms, (unsigned long long)index,
	    st->run_state, st->mode, st->level, st->phase, st->channel_mask,
	    st->target);
}

int pb_rec_gap(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    uint64_t lost, const char *reason, uint64_t now_us)
{
	if (!r || lost == 0)
		return PB_REC_E_ARG;
	char why[32];
	sanitize(why, sizeof why, reason ? reason : "lost", false);
	if (!why[0])
		snprintf(why, sizeof why, "lost");
	r->counts.gaps++;
	r->counts.lost += lost;
	return add_fmt(r, now_us, "G,%lu,%llu,,,lost=%llu reason=%s\n",
	    (unsigned long)device_ms, (unsigned long long)index,
	    (unsigned long long)lost, why);
}

int pb_rec_marker(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    unsigned n, const char *text, uint64_t now_us)
{
	if (!r)
		return PB_REC_E_ARG;
	char t[PB_REC_TEXT_LEN];
	sanitize(t, sizeof t, text ? text : "", true);
	r->counts.markers++;
	return add_fmt(r, now_us, "M,%lu,%llu,,,n=%u text=%s\n",
	    (unsigned long)device_ms, (unsigned long long)index, n, t);
}

int pb_rec_event(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    const struct pb_event *e, uint64_t now_us)
{
	if (!r || !e)
		return PB_REC_E_ARG;
	const char *what = "";
	if (e->kind == PB_EV_ALARM_RAISED || e->kind == PB_EV_ALARM_CLEARED)
		what = pb_alarm_name(e->code);
	else if (e->kind == PB_EV_STATE)
		what = pb_run_state_name(e->code);
	else if (e->kind == PB_EV_MODE)
		what = pb_mode_name(e->code);
	char t[PB_REC_TEXT_LEN];
	sanitize(t, sizeof t, what, true);
	r->counts.events++;
	return add_fmt(r, now_us,
	    "E,%lu,%llu,,,event=%s kind=%u code=%u channel=%u value=%ld "
	    "text=%s\n",
	    (unsigned long)device_ms, (unsigned long long)index,
	    pb_event_kind_name(e->kind), e->kind, e->code, e->channel,
	    (long)e->value, t);
}

static bool state_eq(const struct pb_rec_state *a,
    const struct pb_rec_state *b)
{
	return a->run_state == b->run_state && a->mode == b->mode &&
	    a->level == b->level && a->phase == b->phase &&
	    a->channel_mask == b->channel_mask && a->target == b->target;
}

int pb_rec_telemetry(struct pb_recorder *r, uint64_t first_index,
    const struct pb_telemetry *t, uint32_t lost, uint64_t now_us)
{
	if (!r || !t)
		return PB_REC_E_ARG;
	unsigned rate = r->meta.sample_rate_hz;
	int rc = PB_REC_OK, e;
	if (lost > 0) {
		uint64_t gi = first_index >= lost ? first_index - lost : 0;
		uint32_t gms = t->device_ms -
		    (uint32_t)((uint64_t)lost * 1000 / rate);
		e = pb_rec_gap(r, gms, gi, lost, "lost", now_us);
		if (e && !rc)
			rc = e;
	}
	struct pb_rec_state st = {
		.run_state = t->run_state, .mode = t->mode, .level = t->level,
		.phase = t->phase, .channel_mask = t->channel_mask,
		.target = t->target
	};
	if (!r->have_state || !state_eq(&st, &r->state)) {
		e = pb_rec_state(r, t->device_ms, first_index, &st, now_us);
		if (e && !rc)
			rc = e;
	}
	bool present[PB_REC_MAX_CH];
	for (int c = 0; c < PB_REC_MAX_CH; c++)
		present[c] = c < t->channels;
	size_t n = t->n;
	if (n > PB_MAX_PAYLOAD / 2)
		n = PB_MAX_PAYLOAD / 2;
	for (size_t i = 0; i < n; i++) {
		int16_t v[PB_REC_MAX_CH] = { 0, 0 };
		for (int c = 0; c < PB_REC_MAX_CH && c < t->channels; c++)
			v[c] = t->samples[c][i];
		uint32_t ms = t->device_ms + (uint32_t)(i * 1000 / rate);
		e = pb_rec_sample(r, ms, first_index + i, v, present, now_us);
		if (e && !rc)
			rc = e;
	}
	return rc;
}

int pb_rec_flush(struct pb_recorder *r, uint64_t now_us)
{
	if (!r)
		return PB_REC_E_ARG;
	int rc = PB_REC_OK;
	if (r->len > 0)
		rc = write_out(r, now_us);
	int s = do_sync(r, now_us);
	return rc ? rc : s;
}

int pb_rec_finish(struct pb_recorder *r, uint64_t now_us, char *err,
    size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r)
		return PB_REC_OK;
	char row[160];
	int n = snprintf(row, sizeof row,
	    "# end: samples=%llu lost=%llu rows=%llu\n",
	    (unsigned long long)r->counts.samples,
	    (unsigned long long)r->counts.lost,
	    (unsigned long long)r->counts.rows);
	int rc = PB_REC_OK;
	uint64_t rows = r->counts.rows;
	rc = add_row(r, row, (size_t)n, now_us);
	r->counts.rows = rows;      /* the trailer is not a row */
	int f = pb_rec_flush(r, now_us);
	if (!rc)
		rc = f;
	if (close(r->fd) < 0 && !rc) {
		set_err(r, PB_REC_E_IO, errno, "close");
		rc = PB_REC_E_IO;
	}
	if (r->counts.dropped_rows && !rc)
		rc = PB_REC_E_DROPPED;
	if (rc && err && errlen) {
		if (r->counts.dropped_rows)
			snprintf(err, errlen, "%s (%llu rows dropped)", r->err,
			    (unsigned long long)r->counts.dropped_rows);
		else if (r->len)
			snprintf(err, errlen, "%s (%zu bytes not written)",
			    r->err, r->len);
		else
			snprintf(err, errlen, "%s", r->err);
	}
	free(r->buf);
	free(r);
	return rc;
}

int pb_rec_close(struct pb_recorder *r, uint64_t now_us)
{
	return pb_rec_finish(r, now_us, NULL, 0);
}

void pb_rec_abandon(struct pb_recorder *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r->buf);
	free(r);
}

const struct pb_rec_counts *pb_rec_counts(const struct pb_recorder *r)
{
	return r ? &r->counts : NULL;
}

const char *pb_rec_path(const struct pb_recorder *r)
{
	return r ? r->path : "";
}

const char *pb_rec_error(const struct pb_recorder *r)
{
	return r ? r->err : "";
}
