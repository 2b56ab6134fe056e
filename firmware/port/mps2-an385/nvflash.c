/*
 * firmware/port/mps2-an385/nvflash.c - the record store's medium on this
 * board: four 4 KB flash sectors at 0x7C000 (link.ld), one per slot of the
 * record image (tools/pumpsim/eeprom.h): record A, record B, boot counter
 * A, boot counter B.  Also the factory key the line provisioned at
 * 0x7B000.  See board.h.
 *
 * A slot is written as flash is: its sector is erased (0xFF), then the
 * slot's bytes are programmed.  Because the record store always writes the
 * slot that does NOT hold the current record, an erase or a program cut
 * by a power failure leaves the other sector, and so the last good
 * record, untouched: the A/B rule of eeprom.h, on flash.  The key sector
 * holds the station key file's hex line (see pb_board_factory_key).  On QEMU the
 * "flash" is SSRAM and programming is a store; a real port puts its flash
 * controller's erase and program calls here and nothing else changes.
 */
#include "firmware/port/mps2-an385/board.h"

#include <string.h>

#include "tools/pumpsim/eeprom.h"

#define SECTOR 4096u

extern uint8_t __nvstore_start__[], __nvstore_end__[];
extern const uint8_t __keystore_start__[];

/* The sector and the image range of each slot. */
static const struct { uint32_t off, len; } slots[4] = {
	{ PB_EEPROM_REC_OFF0,  PB_EEPROM_REC_SLOT },
	{ PB_EEPROM_REC_OFF1,  PB_EEPROM_REC_SLOT },
	{ PB_EEPROM_BOOT_OFF0, PB_EEPROM_BOOT_SLOT },
	{ PB_EEPROM_BOOT_OFF1, PB_EEPROM_BOOT_SLOT },
};

_Static_assert(PB_EEPROM_REC_SLOT <= SECTOR, "a slot fits a sector");

static uint8_t *sector(unsigned k)
{
	return __nvstore_start__ + k * SECTOR;
}

void pb_board_nv_load(uint8_t *img, size_t size)
{
	memset(img, PB_EEPROM_ERASED, size);
	for (unsigned k = 0; k < 4; k++)
		if (slots[k].off + slots[k].len <= size)
			memcpy(img + slots[k].off, sector(k), slots[k].len);
}

int pb_board_nv_persist(void *ctx, size_t off, const uint8_t *bytes, size_t n)
{
	(void)ctx;
	for (unsigned k = 0; k < 4; k++) {
		if (off < slots[k].off || off + n > slots[k].off + slots[k].len)
			continue;
		/* erase, then program: the other slots' sectors stay as
		 * they are */
		memset(sector(k), 0xFF, SECTOR);
		memcpy(sector(k) + (off - slots[k].off), bytes, n);
		return 0;
	}
	return -1;     /* a write across slots: not from the record store */
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The key sector holds the station key file as the line provisions it:
 * one line of hex (`openssl rand -hex 32`), 32..128 digits, ended by a
 * newline, a NUL or the erased 0xFF.  Anything else is no key. */
int pb_board_factory_key(const uint8_t **key, size_t *n)
{
	static uint8_t k[64];
	const uint8_t *p = __keystore_start__;
	size_t digits = 0;
	while (digits < 129 && hexval(p[digits]) >= 0)
		digits++;
	uint8_t end = p[digits];
	if (end == '\r')
		end = p[digits + 1];
	if ((end != '\n' && end != 0 && end != 0xFF) || digits % 2 != 0 ||
	    digits < 32 || digits > 128)
		return -1;
	for (size_t i = 0; i < digits / 2; i++)
		k[i] = (uint8_t)(hexval(p[2 * i]) << 4 | hexval(p[2 * i + 1]));
	*key = k;
	*n = digits / 2;
	return 0;
}
