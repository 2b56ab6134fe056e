/*
 * tools/pumpsim/eeprom.h - the emulated pump EEPROM: serial number,
 * calibration and boot counter, safe against power cuts.
 *
 * Promise: the record logic is pure (a 1 KiB image in memory).  The
 * persistent record (serial number and one struct pb_cal per channel)
 * lives in TWO slots; each copy carries a sequence number and a CRC-32C.
 * Reading picks the valid slot with the highest sequence (serial-number
 * arithmetic, so the sequence may wrap); writing always goes to the other
 * slot.  A power cut during a write (modelled by pb_eeprom_arm_power_cut:
 * the write stops after N bytes) therefore leaves either the old or the
 * new record readable, never a corrupt one.  The boot counter has its own
 * pair of slots with the same rule.
 *
 * The file edge (pb_eeprom_attach_file) loads the image from a file at
 * power-on and writes every committed byte through to the file at its
 * slot offset, followed by fsync().  A short, long or unreadable file
 * gets a clear message naming the file, is kept as FILE.bad, and the
 * EEPROM starts blank; a slot whose CRC does not match is reported and
 * ignored.  Nothing here crashes on any file content.
 *
 * Layout (little-endian; docs/pumpsim.md "EEPROM layout"):
 *   0x000  record slot 0 (256 bytes reserved, 116 used)
 *   0x100  record slot 1
 *   0x200  boot counter slot 0 (16 bytes)
 *   0x210  boot counter slot 1
 *   0x220..0x3FF reserved, 0xFF (erased)
 * Record: u32 magic "PBE1" | u16 format 1 | u16 payload length (100) |
 *   u32 seq | payload | u32 CRC-32C over everything before it.
 * Payload: char serial[16] | u8 cal_valid_mask | u8 channels (2) |
 *   u16 reserved | per channel: u8 channel | u8 order | u16 reserved |
 *   f32 c0, c1, c2 | u32 cal_id | u32 date | char station[16].
 * Boot slot: u32 magic "PBBC" | u32 seq | u32 count | u32 CRC-32C.
 */
#ifndef PB_PUMPSIM_EEPROM_H
#define PB_PUMPSIM_EEPROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"

#define PB_EEPROM_SIZE        1024
#define PB_EEPROM_ERASED      0xFF
#define PB_EEPROM_REC_OFF0    0x000
#define PB_EEPROM_REC_OFF1    0x100
#define PB_EEPROM_REC_SLOT    0x100   /* bytes reserved per record slot */
#define PB_EEPROM_BOOT_OFF0   0x200
#define PB_EEPROM_BOOT_OFF1   0x210
#define PB_EEPROM_BOOT_SLOT   16
#define PB_EEPROM_REC_MAGIC   0x31454250u  /* "PBE1" */
#define PB_EEPROM_BOOT_MAGIC  0x43424250u  /* "PBBC" */
#define PB_EEPROM_FORMAT      1
#define PB_EEPROM_PAYLOAD_LEN 100
#define PB_EEPROM_REC_LEN     (12 + PB_EEPROM_PAYLOAD_LEN + 4)   /* 116 */

enum pb_eeprom_err {
	PB_EEPROM_OK = 0,
	PB_EEPROM_E_ARG = -1,      /* bad argument */
	PB_EEPROM_E_POWER = -2,    /* the write was cut by a power failure */
	PB_EEPROM_E_FILE = -3,     /* the backing file could not be written */
	PB_EEPROM_E_EMPTY = -4     /* no valid record in either slot */
};

/* The persistent record as the firmware sees it. */
struct pb_eeprom_record {
	char    serial[PB_STR_LEN + 1];   /* NUL-terminated */
	uint8_t cal_valid;                /* bit per channel with a calibration */
	struct pb_cal cal[PB_MAX_CH];
};

/* Where committed bytes go besides the image (the file edge). */
typedef int (*pb_eeprom_persist_fn)(void *ctx, size_t off,
    const uint8_t *bytes, size_t n);

struct pb_eeprom {
	uint8_t  img[PB_EEPROM_SIZE];
	bool     check_crc;       /* false only under defect no-cal-crc */
	/* current record (derived from img by pb_eeprom_scan) */
	int      rec_slot;        /* 0/1, -1 when no valid record */
	uint32_t rec_seq;
	struct pb_eeprom_record rec;
	bool     slot_bad[2];     /* slot holds bytes that failed the check */
	/* boot counter */
	int      boot_slot;
	uint32_t boot_seq, boot_count;
	/* power-cut modelling: bytes that may still be written before the
	 * supply fails; < 0 means no cut armed */
	long     cut_budget;
	/* counters */
	uint64_t bytes_written, commits, cut_writes, persist_errors;
	/* file edge */
	pb_eeprom_persist_fn persist;
	void    *persist_ctx;
	int      fd;              /* backing file or -1 */
	char     path[256];
};

/* A blank (fully erased) EEPROM with no backing file. */
void pb_eeprom_init(struct pb_eeprom *e);

/* Replace the image with n bytes (n != PB_EEPROM_SIZE: treated as blank,
 * message in msg) and scan it.  msg gets one line per problem found
 * (may be empty); returns PB_EEPROM_OK or PB_EEPROM_E_EMPTY. */
int pb_eeprom_load_image(struct pb_eeprom *e, const uint8_t *bytes,
    size_t n, char *msg, size_t msglen);

/* Re-derive the current record and boot counter from the image, as the
 * firmware does at power-on.  Problems (bad slots) are appended to msg. */
int pb_eeprom_scan(struct pb_eeprom *e, char *msg, size_t msglen);

/* The current record, or NULL when neither slot is valid. */
const struct pb_eeprom_record *pb_eeprom_record(const struct pb_eeprom *e);

/* Commit a new record into the slot not holding the current one.
 * Returns PB_EEPROM_OK, PB_EEPROM_E_POWER when an armed power cut
 * stopped the write (the image then holds the partial bytes; call
 * pb_eeprom_scan after "power-on"), or PB_EEPROM_E_FILE when the backing
 * file failed (the image is still updated). */
int pb_eeprom_write_record(struct pb_eeprom *e,
    const struct pb_eeprom_record *r);

/* Increment the boot counter (two slots, same rule). Returns as
 * pb_eeprom_write_record; *count gets the new count on success. */
int pb_eeprom_boot(struct pb_eeprom *e, uint32_t *count);

/* Arm a power cut: the next writes together store at most `bytes` more
 * bytes, then every write fails with PB_EEPROM_E_POWER until
 * pb_eeprom_disarm_power_cut (the model of the supply coming back). */
void pb_eeprom_arm_power_cut(struct pb_eeprom *e, size_t bytes);
void pb_eeprom_disarm_power_cut(struct pb_eeprom *e);

/* Serialise a record into the exact slot bytes (PB_EEPROM_REC_LEN). */
void pb_eeprom_encode_record(const struct pb_eeprom_record *r, uint32_t seq,
    uint8_t out[PB_EEPROM_REC_LEN]);
/* Check and parse slot bytes; returns 0 and fills r/seq, or < 0. With
 * check_crc false a bad CRC is accepted (the no-cal-crc defect). */
int pb_eeprom_decode_record(const uint8_t *in, size_t n, bool check_crc,
    struct pb_eeprom_record *r, uint32_t *seq);

/* Serial-number comparison: true when sequence a is newer than b. */
bool pb_eeprom_seq_newer(uint32_t a, uint32_t b);

/* ---- file edge ---------------------------------------------------------
 * Attach a backing file: load it (creating a blank one if it does not
 * exist), then write every commit through to it.  A wrong-size file is
 * renamed to FILE.bad and replaced by a blank image; the reason is in
 * msg.  Returns PB_EEPROM_OK (also when the content was unusable: the
 * EEPROM is then blank) or PB_EEPROM_E_FILE when the file cannot be
 * opened or created at all. */
int pb_eeprom_attach_file(struct pb_eeprom *e, const char *path, char *msg,
    size_t msglen);
/* Close the backing file (the image stays). */
void pb_eeprom_detach_file(struct pb_eeprom *e);

const char *pb_eeprom_strerror(int err);

#endif
