/*
 * fuzz/fuzz_eeprom.c - the EEPROM image parser on arbitrary bytes (what an
 * --eeprom file may hold).
 *
 * Input: byte 0 picks the CRC check (bit 0: off = defect no-cal-crc) and
 * whether the image is taken at its own length (bit 1) or padded/cut to
 * 1024 bytes; the rest is the image.  Checked (trap on failure): scanning
 * never crashes and never reads out of bounds; a record found re-encodes
 * and decodes to itself; after a write the scan finds exactly the written
 * record and the boot counter moves by one.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tools/pumpsim/eeprom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct pb_eeprom_record *a,
    const struct pb_eeprom_record *b)
{
	if (strcmp(a->serial, b->serial) != 0 || a->cal_valid != b->cal_valid)
		return 0;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		const struct pb_cal *x = &a->cal[ch], *y = &b->cal[ch];
		if (x->channel != y->channel || x->order != y->order ||
		    x->cal_id != y->cal_id || x->date != y->date ||
		    memcmp(x->c, y->c, sizeof x->c) != 0 ||
		    strcmp(x->station, y->station) != 0)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	static struct pb_eeprom e;
	uint8_t img[PB_EEPROM_SIZE];
	char msg[2048] = "";
	pb_eeprom_init(&e);
	e.check_crc = !(mode & 1);
	if (mode & 2) {
		pb_eeprom_load_image(&e, data, size, msg, sizeof msg);
	} else {
		memset(img, 0xFF, sizeof img);
		memcpy(img, data, size < sizeof img ? size : sizeof img);
		pb_eeprom_load_image(&e, img, sizeof img, msg, sizeof msg);
	}
	const struct pb_eeprom_record *r = pb_eeprom_record(&e);
	struct pb_eeprom_record copy;
	if (r) {
		uint8_t buf[PB_EEPROM_REC_LEN];
		struct pb_eeprom_record back;
		uint32_t seq = 0;
		copy = *r;
		pb_eeprom_encode_record(&copy, e.rec_seq, buf);
		if (pb_eeprom_decode_record(buf, sizeof buf, 1, &back, &seq) != 0 ||
		    seq != e.rec_seq || !same(&back, &copy))
			__builtin_trap();
	} else {
		memset(&copy, 0, sizeof copy);
		memcpy(copy.serial, "FUZZ", 4);
		copy.cal_valid = 1;
		copy.cal[0].order = 1;
		copy.cal[0].c[1] = 0.1f;
	}
	uint32_t boots = e.boot_count, n = 0;
	copy.cal[1].cal_id ^= 0x5a5a5a5au;
	if (pb_eeprom_write_record(&e, &copy) != PB_EEPROM_OK)
		__builtin_trap();
	if (pb_eeprom_boot(&e, &n) != PB_EEPROM_OK || n != boots + 1)
		__builtin_trap();
	pb_eeprom_scan(&e, NULL, 0);
	if (!pb_eeprom_record(&e) || !same(pb_eeprom_record(&e), &copy) ||
	    e.boot_count != boots + 1)
		__builtin_trap();
	return 0;
}
