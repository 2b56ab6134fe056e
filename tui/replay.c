/*
 * tui/replay.c - streaming reader of pumpbench recordings (see replay.h).
 *
 * Input comes from a file descriptor (read in 64 KiB chunks into a buffer
 * that holds at most one line beyond PB_RP_LINE_MAX) or from memory.  Each
 * call to pb_replay_next() consumes at least one line (comments and empty
 * lines are skipped) or ends, so a reader loop always terminates.
 */
#include "tui/replay.h"
#include "base/file.h"
#include "base/text.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

struct pb_replay {
	char     name[256];
	int      fd;                /* -1 for memory */
	const char *mem;
	size_t   mem_len, mem_pos;
	char    *buf;               /* fd: buffered bytes */
	size_t   len, pos, cap;
	bool     eof;
	unsigned line;              /* number of the last line returned */
	struct pb_rec_meta meta;
	struct pb_replay_counts counts;
	struct pb_replay_trailer trailer;
	char     err[PB_RP_LINE_MAX / 8 + 320];
	char     linebuf[PB_RP_LINE_MAX + 1];
	bool     done;
};

const char *pb_replay_strerror(int err)
{
	switch (err) {
	case PB_RP_ROW: return "row";
	case PB_RP_EOF: return "end of recording";
	case PB_RP_E_LINE: return "malformed line";
	case PB_RP_TRUNCATED: return "truncated last line";
	case PB_RP_E_OPEN: return "cannot open the recording";
	case PB_RP_E_HEADER: return "not a pumpbench recording";
	case PB_RP_E_NOMEM: return "out of memory";
	case PB_RP_E_IO: return "read error";
	default: return "unknown replay error";
	}
}

static void set_err(struct pb_replay *rp, unsigned line, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
static void set_err(struct pb_replay *rp, unsigned line, const char *fmt,
    ...)
{
	char raw[256], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	/* messages quote the file's bytes: escaped for a terminal */
	pb_text_escape_str(msg, sizeof msg, raw);
	if (line)
		snprintf(rp->err, sizeof rp->err, "%s:%u: %s", rp->name, line,
		    msg);
	else
		snprintf(rp->err, sizeof rp->err, "%s: %s", rp->name, msg);
}

/* ---- lines --------------------------------------------------------------- */

enum { L_LINE = 1, L_EOF = 0, L_LONG = -1, L_PARTIAL = -2, L_IO = -3 };

static int fill(struct pb_replay *rp)
{
	if (rp->eof)
		return 0;
	if (rp->pos > 0) {
		memmove(rp->buf, rp->buf + rp->pos, rp->len - rp->pos);
		rp->len -= rp->pos;
		rp->pos = 0;
	}
	if (rp->cap - rp->len < CHUNK) {
		size_t nc = rp->len + CHUNK;
		char *b = realloc(rp->buf, nc);
		if (!b)
			return -1;
		rp->buf = b;
		rp->cap = nc;
	}
	for (;;) {
		ssize_t n = read(rp->fd, rp->buf + rp->len, rp->cap - rp->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			rp->eof = true;
		rp->len += (size_t)n;
		return (int)(n > 0);
	}
}

/* Next line into rp->linebuf (without the newline or a trailing CR). */
static int next_line(struct pb_replay *rp, size_t *out_len)
{
	const char *p;
	size_t avail;
	for (;;) {
		if (rp->fd < 0) {
			p = rp->mem + rp->mem_pos;
			avail = rp->mem_len - rp->mem_pos;
		} else {
			p = rp->buf + rp->pos;
			avail = rp->len - rp->pos;
		}
		const char *nl = avail ? memchr(p, '\n', avail) : NULL;
		bool long_line = !nl && avail > PB_RP_LINE_MAX;
		bool at_end = rp->fd < 0 || rp->eof;
		if (nl || long_line || at_end)
			break;
		if (fill(rp) < 0 && !rp->eof) {
			rp->eof = true;
			rp->line++;
			return L_IO;
		}
	}
	const char *nl = avail ? memchr(p, '\n', avail) : NULL;
	size_t n = nl ? (size_t)(nl - p) : avail;
	if (!nl && avail == 0)
		return L_EOF;
	rp->line++;
	if (n > PB_RP_LINE_MAX) {
		/* skip to the end of this line (it may need more reads) */
		for (;;) {
			if (rp->fd < 0) {
				const char *q = memchr(p, '\n', avail);
				rp->mem_pos += q ? (size_t)(q - p) + 1 : avail;
				return L_LONG;
			}
			const char *q = memchr(rp->buf + rp->pos, '\n',
			    rp->len - rp->pos);
			if (q) {
				rp->pos = (size_t)(q - rp->buf) + 1;
				return L_LONG;
			}
			rp->pos = rp->len;
			if (rp->eof)
				return L_LONG;
			if (fill(rp) < 0) {
				rp->eof = true;
				return L_IO;
			}
		}
	}
	memcpy(rp->linebuf, p, n);
	if (n > 0 && rp->linebuf[n - 1] == '\r')
		n--;
	rp->linebuf[n] = '\0';
	*out_len = n;
	size_t used = nl ? (size_t)(nl - p) + 1 : avail;
	if (rp->fd < 0)
		rp->mem_pos += used;
	else
		rp->pos += used;
	return nl ? L_LINE : L_PARTIAL;
}

/* ---- field parsing ------------------------------------------------------- */

static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	if (n == 0 || n > 20)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_i64(const char *s, size_t n, int64_t lo, int64_t hi,
    int64_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	uint64_t u;
	if (!parse_u64(s + neg, n - neg, (uint64_t)INT64_MAX, &u))
		return false;
	int64_t v = neg ? -(int64_t)u : (int64_t)u;
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* A channel value in the file's unit -> dmmHg. */
static bool parse_value(const struct pb_replay *rp, const char *s, size_t n,
    int16_t *out)
{
	if (n == 0 || n > 32)
		return false;
	char tmp[40];
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		    ch == '+'))
			return false;
		tmp[i] = ch;
	}
	tmp[n] = '\0';
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end != tmp + n || errno || !isfinite(v))
		return false;
	double mm = pb_to_mmhg(v, rp->meta.unit) * 10.0;
	if (!(mm > -32768.5 && mm < 32767.5))
		return false;
	int32_t d = pb_dmmhg_from(v, rp->meta.unit);
	if (d < INT16_MIN || d > INT16_MAX)
		return false;
	*out = (int16_t)d;
	return true;
}

/* Find "key=" in a space separated info field; value up to the next space
 * (or the rest of the field for text=). */
static bool info_get(const char *info, const char *key, bool rest,
    const char **val, size_t *vlen)
{
	size_t kl = strlen(key);
	const char *p = info;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) > kl && !strncmp(p, key, kl) &&
		    p[kl] == '=') {
			*val = p + kl + 1;
			*vlen = rest ? strlen(*val) : (size_t)(e - *val);
			return true;
		}
		if ((size_t)(e - p) == kl + 1 && !strncmp(p, key, kl) &&
		    p[kl] == '=') {
			*val = p + kl + 1;
			*vlen = 0;
			return true;
		}
		p = e;
	}
	return false;
}

static bool info_u64(const char *info, const char *key, uint64_t max,
    uint64_t *out)
{
	const char *v;
	size_t n;
	return info_get(info, key, false, &v, &n) && parse_u64(v, n, max, out);
}

static bool info_i64(const char *info, const char *key, int64_t lo,
    int64_t hi, int64_t *out)
{
	const char *v;
	size_t n;
	return info_get(info, key, false, &v, &n) &&
	    parse_i64(v, n, lo, hi, out);
}

static void info_text(const char *info, char *out, size_t cap)
{
	const char *v;
	size_t n;
	out[0] = '\0';
	if (!info_get(info, "text", true, &v, &n))
		return;
	pb_text_escape(out, cap, v, n);
}

/* ---- header -------------------------------------------------------------- */

/* Header text is shown on screen: escaped (base/text.h). */
static void copy_field(char *dst, size_t cap, const char *v)
{
	pb_text_escape_str(dst, cap, v);
}

static int read_header(struct pb_replay *rp)
{
	size_t n;
	int r = next_line(rp, &n);
	if (r != L_LINE || strcmp(rp->linebuf, PB_REC_MAGIC) != 0) {
		set_err(rp, rp->line ? rp->line : 1,
		    "not a pumpbench recording (expected \"%s\")",
		    PB_REC_MAGIC);
		return PB_RP_E_HEADER;
	}
	bool have_units = false, have_rate = false, have_ch = false;
	rp->meta.unit = PB_UNIT_MMHG;
	for (;;) {
		r = next_line(rp, &n);
		if (r == L_LONG) {
			set_err(rp, rp->line, "header line too long");
			return PB_RP_E_HEADER;
		}
		if (r != L_LINE) {
			set_err(rp, rp->line ? rp->line : 1,
			    "header ends before the column line");
			return PB_RP_E_HEADER;
		}
		char *l = rp->linebuf;
		if (l[0] != '#') {
			if (strncmp(l, "kind,device_ms,index,", 21) != 0) {
				set_err(rp, rp->line,
				    "expected the column line "
				    "\"kind,device_ms,index,ch1,ch2,info\"");
				return PB_RP_E_HEADER;
			}
			unsigned commas = 0;
			for (char *q = l; *q; q++)
				commas += *q == ',';
			if (commas != 5) {
				set_err(rp, rp->line,
				    "column line has %u columns, expected 6",
				    commas + 1);
				return PB_RP_E_HEADER;
			}
			break;
		}
		char *p = l + 1;
		while (*p == ' ')
			p++;
		char *colon = strchr(p, ':');
		if (!colon)
			continue;           /* a plain comment */
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ')
			v++;
		uint64_t u;
		if (!strcmp(p, "serial")) {
			copy_field(rp->meta.serial, sizeof rp->meta.serial, v);
		} else if (!strcmp(p, "firmware")) {
			copy_field(rp->meta.firmware, sizeof rp->meta.firmware,
			    v);
		} else if (!strcmp(p, "profile")) {
			copy_field(rp->meta.profile, sizeof rp->meta.profile, v);
		} else if (!strcmp(p, "start")) {
			copy_field(rp->meta.start_iso,
			    sizeof rp->meta.start_iso, v);
		} else if (!strcmp(p, "calibration")) {
			if (!parse_u64(v, strlen(v), UINT32_MAX, &u)) {
				set_err(rp, rp->line, "bad calibration id \"%.40s\"",
				    v);
				return PB_RP_E_HEADER;
			}
			rp->meta.cal_id = (uint32_t)u;
		} else if (!strcmp(p, "units")) {
			if (pb_unit_parse(v, &rp->meta.unit) != 0) {
				set_err(rp, rp->line, "unknown unit \"%.40s\"", v);
				return PB_RP_E_HEADER;
			}
			have_units = true;
		} else if (!strcmp(p, "sample_rate_hz")) {
			if (!parse_u64(v, strlen(v), 100000, &u) || u == 0) {
				set_err(rp, rp->line,
				    "bad sample rate \"%.40s\" (1..100000)", v);
				return PB_RP_E_HEADER;
			}
			rp->meta.sample_rate_hz = (unsigned)u;
			have_rate = true;
		} else if (!strcmp(p, "channels")) {
			if (!parse_u64(v, strlen(v), PB_REC_MAX_CH, &u) ||
			    u == 0) {
				set_err(rp, rp->line,
				    "bad channel count \"%.40s\" (1..2)", v);
				return PB_RP_E_HEADER;
			}
			rp->meta.channels = (int)u;
			have_ch = true;
		}
		/* unknown keys: ignored (newer writers) */
	}
	if (!have_units || !have_rate || !have_ch) {
		set_err(rp, rp->line, "header lacks %s",
		    !have_units ? "\"# units:\"" : !have_rate ?
		    "\"# sample_rate_hz:\"" : "\"# channels:\"");
		return PB_RP_E_HEADER;
	}
	return PB_RP_EOF;
}

static int open_common(struct pb_replay *rp, struct pb_replay **out,
    char *err, size_t errlen)
{
	int rc = read_header(rp);
	if (rc != PB_RP_EOF) {
		if (err && errlen)
			snprintf(err, errlen, "%s", rp->err);
		pb_replay_close(rp);
		return rc;
	}
	rp->err[0] = '\0';
	*out = rp;
	return 0;
}

int pb_replay_open_mem(struct pb_replay **out, const void *buf, size_t len,
    const char *name, char *err, size_t errlen)
{
	if (!out || (!buf && len)) {
		if (err && errlen)
			snprintf(err, errlen, "replay: bad argument");
		return PB_RP_E_OPEN;
	}
	*out = NULL;
	struct pb_replay *rp = calloc(1, sizeof *rp);
	if (!rp) {
		if (err && errlen)
			snprintf(err, errlen, "replay: out of memory");
		return PB_RP_E_NOMEM;
	}
	rp->fd = -1;
	rp->mem = buf ? buf : "";
	rp->mem_len = len;
	pb_text_escape_str(rp->name, sizeof rp->name, name ? name : "(memory)");
	return open_common(rp, out, err, errlen);
}

int pb_replay_open(struct pb_replay **out, const char *path, char *err,
    size_t errlen)
{
	if (!out || !path) {
		if (err && errlen)
			snprintf(err, errlen, "replay: bad argument");
		return PB_RP_E_OPEN;
	}
	*out = NULL;
	/* never blocks on a FIFO; only a regular file is read */
	char why[128];
	int fd = pb_file_open_read(path, 0, why, sizeof why);
	if (fd < 0) {
		if (err && errlen) {
			char raw[PATH_MAX + 160];
			snprintf(raw, sizeof raw, "%s: %s", path, why);
			pb_text_escape_str(err, errlen, raw);
		}
		return PB_RP_E_OPEN;
	}
	struct pb_replay *rp = calloc(1, sizeof *rp);
	if (!rp) {
		close(fd);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return PB_RP_E_NOMEM;
	}
	rp->fd = fd;
	pb_text_escape_str(rp->name, sizeof rp->name, path);
	return open_common(rp, out, err, errlen);
}

void pb_replay_close(struct pb_replay *rp)
{
	if (!rp)
		return;
	if (rp->fd >= 0)
		close(rp->fd);
	free(rp->buf);
	free(rp);
}

const struct pb_rec_meta *pb_replay_meta(const struct pb_replay *rp)
{
	return &rp->meta;
}

const char *pb_replay_error(const struct pb_replay *rp)
{
	return rp ? rp->err : "";
}

const struct pb_replay_counts *pb_replay_counts(const struct pb_replay *rp)
{
	return &rp->counts;
}

const struct pb_replay_trailer *pb_replay_trailer(const struct pb_replay *rp)
{
	return &rp->trailer;
}

/* ---- rows ---------------------------------------------------------------- */

static void parse_trailer(struct pb_replay *rp, const char *l)
{
	uint64_t v;
	rp->trailer.present = true;
	if (info_u64(l, "samples", UINT64_MAX, &v))
		rp->trailer.samples = v;
	if (info_u64(l, "lost", UINT64_MAX, &v))
		rp->trailer.lost = v;
	if (info_u64(l, "rows", UINT64_MAX, &v))
		rp->trailer.rows = v;
}

static int bad(struct pb_replay *rp, const char *fmt, const char *a)
{
	set_err(rp, rp->line, fmt, a);
	rp->counts.bad_lines++;
	return PB_RP_E_LINE;
}

static int parse_row(struct pb_replay *rp, struct pb_replay_row *row,
    char *l)
{
	/* split into 6 fields; the 6th is the rest of the line */
	char *f[6];
	size_t fl[6];
	int nf = 0;
	char *p = l;
	while (nf < 5) {
		char *c = strchr(p, ',');
		if (!c)
			break;
		f[nf] = p;
		fl[nf] = (size_t)(c - p);
		nf++;
		p = c + 1;
	}
	f[nf] = p;
	fl[nf] = strlen(p);
	nf++;
	if (nf != 6)
		return bad(rp, "expected 6 comma-separated fields%s", "");
	if (fl[0] != 1 || !strchr("SPGME", f[0][0]))
		return bad(rp, "unknown row kind (want S, P, G, M or E)%s", "");
	memset(row, 0, sizeof *row);
	row->kind = f[0][0];
	row->line = rp->line;
	uint64_t u;
	if (!parse_u64(f[1], fl[1], UINT32_MAX, &u))
		return bad(rp, "bad device_ms (want 0..4294967295)%s", "");
	row->device_ms = (uint32_t)u;
	if (!parse_u64(f[2], fl[2], UINT64_MAX, &u))
		return bad(rp, "bad sample index%s", "");
	row->index = u;
	const char *info = f[5];
	switch (row->kind) {
	case PB_REC_SAMPLE:
		for (int c = 0; c < 2; c++) {
			if (fl[3 + c] == 0)
				continue;
			if (c >= rp->meta.channels)
				return bad(rp, "value for channel 2 in a "
				    "1-channel recording%s", "");
			if (!parse_value(rp, f[3 + c], fl[3 + c], &row->v[c]))
				return bad(rp, "bad channel %s value (a number "
				    "from -3276.8 to 3276.7 mmHg)", c ? "2" : "1");
			row->present[c] = true;
		}
		rp->counts.samples++;
		break;
	case PB_REC_STATE: {
		int64_t run, mode, lvl, ph, mask, tgt;
		if (!info_i64(info, "run", 0, 255, &run) ||
		    !info_i64(info, "mode", 0, 255, &mode) ||
		    !info_i64(info, "level", 0, 255, &lvl) ||
		    !info_i64(info, "phase", 0, 255, &ph))
			return bad(rp, "state row needs run=, mode=, level=, "
			    "phase= (0..255)%s", "");
		if (!info_i64(info, "mask", 0, 255, &mask))
			mask = 0;
		if (!info_i64(info, "target_dmmHg", INT16_MIN, INT16_MAX, &tgt))
			tgt = 0;
		row->state.run_state = (uint8_t)run;
		row->state.mode = (uint8_t)mode;
		row->state.level = (uint8_t)lvl;
		row->state.phase = (uint8_t)ph;
		row->state.channel_mask = (uint8_t)mask;
		row->state.target = (int16_t)tgt;
		rp->counts.states++;
		break;
	}
	case PB_REC_GAP: {
		if (!info_u64(info, "lost", UINT64_MAX, &u) || u == 0)
			return bad(rp, "gap row needs lost=N (N > 0)%s", "");
		row->lost = u;
		const char *v;
		size_t n;
		row->link_down = info_get(info, "reason", false, &v, &n) &&
		    n == 9 && !strncmp(v, "link_down", 9);
		rp->counts.gaps++;
		rp->counts.lost += u;
		break;
	}
	case PB_REC_MARKER:
		if (!info_u64(info, "n", UINT32_MAX, &u))
			return bad(rp, "marker row needs n=N%s", "");
		row->marker = (unsigned)u;
		info_text(info, row->text, sizeof row->text);
		rp->counts.markers++;
		break;
	case PB_REC_EVENT: {
		int64_t k, code, ch, val;
		if (!info_i64(info, "kind", 0, 255, &k) ||
		    !info_i64(info, "code", 0, 255, &code))
			return bad(rp, "event row needs kind= and code= "
			    "(0..255)%s", "");
		if (!info_i64(info, "channel", 0, 255, &ch))
			ch = 0;
		if (!info_i64(info, "value", INT32_MIN, INT32_MAX, &val))
			val = 0;
		row->event.device_ms = row->device_ms;
		row->event.kind = (uint8_t)k;
		row->event.code = (uint8_t)code;
		row->event.channel = (uint8_t)ch;
		row->event.value = (int32_t)val;
		info_text(info, row->text, sizeof row->text);
		rp->counts.events++;
		break;
	}
	default:
		break;
	}
	rp->counts.rows++;
	return PB_RP_ROW;
}

int pb_replay_next(struct pb_replay *rp, struct pb_replay_row *row)
{
	if (!rp || !row)
		return PB_RP_E_LINE;
	for (;;) {
		if (rp->done)
			return PB_RP_EOF;
		size_t n = 0;
		int r = next_line(rp, &n);
		switch (r) {
		case L_EOF:
			rp->done = true;
			return PB_RP_EOF;
		case L_IO:
			rp->done = true;
			set_err(rp, rp->line, "read error: %s", strerror(errno));
			return PB_RP_E_IO;
		case L_LONG:
			rp->counts.bad_lines++;
			set_err(rp, rp->line, "line longer than %d bytes skipped",
			    PB_RP_LINE_MAX);
			return PB_RP_E_LINE;
		case L_PARTIAL:
			rp->done = true;
			rp->counts.truncated = true;
			set_err(rp, rp->line,
			    "last line has no newline (recording cut off): "
			    "ignored");
			return PB_RP_TRUNCATED;
		default:
			break;
		}
		char *l = rp->linebuf;
		if (n == 0)
			continue;
		if (memchr(l, '\0', n)) {
			rp->counts.bad_lines++;
			set_err(rp, rp->line, "NUL byte in line");
			return PB_RP_E_LINE;
		}
		if (l[0] == '#') {
			if (!strncmp(l, "# end:", 6))
				parse_trailer(rp, l + 6);
			continue;
		}
		return parse_row(rp, row, l);
	}
}
