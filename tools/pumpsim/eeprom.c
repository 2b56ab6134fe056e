/*
 * tools/pumpsim/eeprom.c - the pump's record store: two-slot records with
 * sequence number and CRC-32C, a boot counter and power-cut modelling, over
 * a 1 KiB image in memory.  Pure: it runs on the MCU as it runs in the
 * emulator; where committed bytes go is the persist hook's business
 * (eeprom-file.c on the host, flash sectors on a board port).  See
 * eeprom.h for the promise and layout.
 */
#include "tools/pumpsim/eeprom.h"

#include <stdarg.h>
#include <string.h>

#include "base/fmt.h"
#include "proto/crc32c.h"
#include "tools/pumpsim/eeprom-impl.h"

static const size_t rec_off[2] = { PB_EEPROM_REC_OFF0, PB_EEPROM_REC_OFF1 };
static const size_t boot_off[2] = { PB_EEPROM_BOOT_OFF0, PB_EEPROM_BOOT_OFF1 };

/* ---- little-endian helpers ---------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	    ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void putf(uint8_t *p, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	put32(p, u);
}

static float getf(const uint8_t *p)
{
	uint32_t u = get32(p);
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* Append one formatted line to msg (keeps what is already there). */
void pb_eeprom_addmsg(char *msg, size_t msglen, const char *fmt, ...)
{
	if (!msg || msglen == 0)
		return;
	size_t used = strnlen(msg, msglen);
	if (used >= msglen - 1)
		return;
	if (used > 0) {
		msg[used++] = '\n';
		msg[used] = '\0';
		if (used >= msglen - 1)
			return;
	}
	va_list ap;
	va_start(ap, fmt);
	pb_vfmt(msg + used, msglen - used, fmt, ap);
	va_end(ap);
}

bool pb_eeprom_seq_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* ---- record codec ------------------------------------------------------- */

void pb_eeprom_encode_record(const struct pb_eeprom_record *r, uint32_t seq,
    uint8_t out[PB_EEPROM_REC_LEN])
{
	memset(out, 0, PB_EEPROM_REC_LEN);
	put32(out + 0, PB_EEPROM_REC_MAGIC);
	put16(out + 4, PB_EEPROM_FORMAT);
	put16(out + 6, PB_EEPROM_PAYLOAD_LEN);
	put32(out + 8, seq);
	uint8_t *p = out + 12;
	/* serial: NUL-padded, not necessarily terminated on the medium */
	size_t sl = strnlen(r->serial, PB_STR_LEN);
	memcpy(p, r->serial, sl);
	p += PB_STR_LEN;
	p[0] = r->cal_valid;
	p[1] = PB_MAX_CH;
	p += 4;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		const struct pb_cal *c = &r->cal[ch];
		p[0] = c->channel;
		p[1] = c->order;
		putf(p + 4, c->c[0]);
		putf(p + 8, c->c[1]);
		putf(p + 12, c->c[2]);
		put32(p + 16, c->cal_id);
		put32(p + 20, c->date);
		size_t n = strnlen(c->station, PB_STR_LEN);
		memcpy(p + 24, c->station, n);
		p += 40;
	}
	put32(out + 12 + PB_EEPROM_PAYLOAD_LEN,
	    pb_crc32c(out, 12 + PB_EEPROM_PAYLOAD_LEN));
}

int pb_eeprom_decode_record(const uint8_t *in, size_t n, bool check_crc,
    struct pb_eeprom_record *r, uint32_t *seq)
{
	if (!in || n < PB_EEPROM_REC_LEN)
		return -1;
	if (get32(in) != PB_EEPROM_REC_MAGIC)
		return -1;
	if (get16(in + 4) != PB_EEPROM_FORMAT ||
	    get16(in + 6) != PB_EEPROM_PAYLOAD_LEN)
		return -2;
	uint32_t crc = get32(in + 12 + PB_EEPROM_PAYLOAD_LEN);
	if (check_crc && crc != pb_crc32c(in, 12 + PB_EEPROM_PAYLOAD_LEN))
		return -3;
	struct pb_eeprom_record t;
	memset(&t, 0, sizeof t);
	const uint8_t *p = in + 12;
	memcpy(t.serial, p, PB_STR_LEN);
	t.serial[PB_STR_LEN] = '\0';
	p += PB_STR_LEN;
	t.cal_valid = p[0] & ((1u << PB_MAX_CH) - 1);
	p += 4;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		struct pb_cal *c = &t.cal[ch];
		c->channel = p[0];
		c->order = p[1];
		c->c[0] = getf(p + 4);
		c->c[1] = getf(p + 8);
		c->c[2] = getf(p + 12);
		c->cal_id = get32(p + 16);
		c->date = get32(p + 20);
		memcpy(c->station, p + 24, PB_STR_LEN);
		c->station[PB_STR_LEN - 1] = '\0';
		p += 40;
	}
	if (r)
		*r = t;
	if (seq)
		*seq = get32(in + 8);
	return 0;
}

static int decode_boot(const uint8_t *in, bool check_crc, uint32_t *seq,
    uint32_t *count)
{
	if (get32(in) != PB_EEPROM_BOOT_MAGIC)
		return -1;
	if (check_crc && get32(in + 12) != pb_crc32c(in, 12))
		return -3;
	*seq = get32(in + 4);
	*count = get32(in + 8);
	return 0;
}

static bool erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != PB_EEPROM_ERASED)
			return false;
	return true;
}

/* ---- image ---------------------------------------------------------------- */

void pb_eeprom_init(struct pb_eeprom *e)
{
	memset(e, 0, sizeof *e);
	memset(e->img, PB_EEPROM_ERASED, sizeof e->img);
	e->check_crc = true;
	e->cut_budget = -1;
	e->fd = -1;
	e->rec_slot = -1;
	e->boot_slot = -1;
}

int pb_eeprom_scan(struct pb_eeprom *e, char *msg, size_t msglen)
{
	static const char *why[] = { "", "no record magic",
	    "unknown record format", "CRC-32C mismatch" };
	const char *name = e->path[0] ? e->path : "EEPROM";

	e->rec_slot = -1;
	e->rec_seq = 0;
	memset(&e->rec, 0, sizeof e->rec);
	for (int s = 0; s < 2; s++) {
		struct pb_eeprom_record r;
		uint32_t seq;
		const uint8_t *p = e->img + rec_off[s];
		int rc = pb_eeprom_decode_record(p, PB_EEPROM_REC_LEN,
		    e->check_crc, &r, &seq);
		e->slot_bad[s] = false;
		if (rc < 0) {
			/* an erased slot is simply empty; anything else is a
			 * torn or damaged copy worth a line */
			if (!erased(p, PB_EEPROM_REC_LEN)) {
				e->slot_bad[s] = true;
				pb_eeprom_addmsg(msg, msglen,
				    "%s: record slot %d at 0x%03zx: %s (ignored)",
				    name, s, rec_off[s], why[-rc]);
			}
			continue;
		}
		if (e->rec_slot < 0 || pb_eeprom_seq_newer(seq, e->rec_seq)) {
			e->rec_slot = s;
			e->rec_seq = seq;
			e->rec = r;
		}
	}

	e->boot_slot = -1;
	e->boot_seq = 0;
	e->boot_count = 0;
	for (int s = 0; s < 2; s++) {
		uint32_t seq, count;
		const uint8_t *p = e->img + boot_off[s];
		if (decode_boot(p, e->check_crc, &seq, &count) < 0) {
			if (!erased(p, PB_EEPROM_BOOT_SLOT))
				pb_eeprom_addmsg(msg, msglen,
				    "%s: boot counter slot %d at 0x%03zx: "
				    "damaged (ignored)", name, s, boot_off[s]);
			continue;
		}
		if (e->boot_slot < 0 || pb_eeprom_seq_newer(seq, e->boot_seq)) {
			e->boot_slot = s;
			e->boot_seq = seq;
			e->boot_count = count;
		}
	}
	return e->rec_slot < 0 ? PB_EEPROM_E_EMPTY : PB_EEPROM_OK;
}

int pb_eeprom_load_image(struct pb_eeprom *e, const uint8_t *bytes,
    size_t n, char *msg, size_t msglen)
{
	memset(e->img, PB_EEPROM_ERASED, sizeof e->img);
	if (bytes && n == PB_EEPROM_SIZE)
		memcpy(e->img, bytes, n);
	else
		pb_eeprom_addmsg(msg, msglen, "%s: image is %zu bytes, expected %d: "
		    "treated as blank", e->path[0] ? e->path : "EEPROM", n,
		    PB_EEPROM_SIZE);
	return pb_eeprom_scan(e, msg, msglen);
}

const struct pb_eeprom_record *pb_eeprom_record(const struct pb_eeprom *e)
{
	return e->rec_slot < 0 ? NULL : &e->rec;
}

void pb_eeprom_arm_power_cut(struct pb_eeprom *e, size_t bytes)
{
	e->cut_budget = bytes > (size_t)0x7fffffff ? 0x7fffffff : (long)bytes;
}

void pb_eeprom_disarm_power_cut(struct pb_eeprom *e)
{
	e->cut_budget = -1;
}

/* Program n bytes at off, byte by byte in address order as a serial
 * EEPROM does, honouring an armed power cut; write through what was
 * stored.  Returns OK, E_POWER or E_FILE. */
static int program(struct pb_eeprom *e, size_t off, const uint8_t *src,
    size_t n)
{
	size_t todo = n;
	int rc = PB_EEPROM_OK;
	if (e->cut_budget >= 0 && (size_t)e->cut_budget < n) {
		todo = (size_t)e->cut_budget;
		rc = PB_EEPROM_E_POWER;
		e->cut_writes++;
	}
	memcpy(e->img + off, src, todo);
	if (e->cut_budget >= 0)
		e->cut_budget -= (long)todo;
	e->bytes_written += todo;
	if (todo > 0 && e->persist &&
	    e->persist(e->persist_ctx, off, e->img + off, todo) != 0) {
		e->persist_errors++;
		if (rc == PB_EEPROM_OK)
			rc = PB_EEPROM_E_FILE;
	}
	return rc;
}

int pb_eeprom_write_record(struct pb_eeprom *e,
    const struct pb_eeprom_record *r)
{
	if (!e || !r)
		return PB_EEPROM_E_ARG;
	uint8_t buf[PB_EEPROM_REC_LEN];
	int slot = e->rec_slot < 0 ? 0 : 1 - e->rec_slot;
	uint32_t seq = e->rec_slot < 0 ? 1 : e->rec_seq + 1;
	/* Never the slot holding the current record: whatever happens to
	 * this write, that copy stays readable.  With no valid record at
	 * all, slot 0 (both are empty or damaged). */
	pb_eeprom_encode_record(r, seq, buf);
	int rc = program(e, rec_off[slot], buf, sizeof buf);
	if (rc == PB_EEPROM_E_POWER)
		return rc;   /* the firmware is dead; state re-read at boot */
	e->commits++;
	e->rec_slot = slot;
	e->rec_seq = seq;
	/* what the firmware would read back from the medium */
	pb_eeprom_decode_record(buf, sizeof buf, true, &e->rec, NULL);
	e->slot_bad[slot] = false;
	return rc;
}

int pb_eeprom_boot(struct pb_eeprom *e, uint32_t *count)
{
	uint8_t buf[PB_EEPROM_BOOT_SLOT];
	int slot = e->boot_slot < 0 ? 0 : 1 - e->boot_slot;
	uint32_t seq = e->boot_slot < 0 ? 1 : e->boot_seq + 1;
	uint32_t n = e->boot_slot < 0 ? 1 : e->boot_count + 1;
	put32(buf, PB_EEPROM_BOOT_MAGIC);
	put32(buf + 4, seq);
	put32(buf + 8, n);
	put32(buf + 12, pb_crc32c(buf, 12));
	int rc = program(e, boot_off[slot], buf, sizeof buf);
	if (rc == PB_EEPROM_E_POWER)
		return rc;
	e->boot_slot = slot;
	e->boot_seq = seq;
	e->boot_count = n;
	if (count)
		*count = n;
	return rc;
}

const char *pb_eeprom_strerror(int err)
{
	switch (err) {
	case PB_EEPROM_OK: return "ok";
	case PB_EEPROM_E_ARG: return "bad argument";
	case PB_EEPROM_E_POWER: return "write cut by power failure";
	case PB_EEPROM_E_FILE: return "EEPROM backing file write failed";
	case PB_EEPROM_E_EMPTY: return "no valid record in either slot";
	default: return "unknown EEPROM error";
	}
}
