/*
 * proto/crc32c.h - CRC-32C (Castagnoli), as used by iSCSI, SCTP, ext4.
 *
 * Promise: pure functions.  Reflected polynomial 0x82F63B78, initial value
 * and final XOR 0xFFFFFFFF; check value pb_crc32c("123456789", 9) ==
 * 0xE3069283.  Table-driven (slicing-by-8 over constant tables that are
 * part of the program image, no mutable state), any length and alignment.
 *
 * Incremental use, like zlib's crc32():
 *   uint32_t c = 0;                          // "no bytes yet"
 *   c = pb_crc32c_update(c, a, na);
 *   c = pb_crc32c_update(c, b, nb);         // == pb_crc32c(a || b)
 */
#ifndef PB_PROTO_CRC32C_H
#define PB_PROTO_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#define PB_CRC32C_CHECK 0xE3069283u  /* CRC of the ASCII "123456789" */

/* Continue a CRC (crc = a previous result, or 0 to start). */
uint32_t pb_crc32c_update(uint32_t crc, const void *data, size_t n);

/* CRC of one buffer: pb_crc32c_update(0, data, n). */
uint32_t pb_crc32c(const void *data, size_t n);

/* Reference bit-at-a-time implementation (slow; for tests only). */
uint32_t pb_crc32c_bitwise(uint32_t crc, const void *data, size_t n);

#endif
