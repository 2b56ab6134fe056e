/*
 * proto/config.h - the device side's sizes, fixed at compile time.
 *
 * Promise: every buffer of the device side (proto/device.c and what it
 * uses) has a size set here, and nothing is allocated at run time.  Two
 * configurations are named; each size can also be set on its own with
 * -D (docs/firmware.md, "Memory budget"):
 *
 *   default (hosts, the emulator, MCUs with RAM to spare): the cache and
 *   queue of docs/protocol.md 7.2 and 7.7 - 32 remembered answers of any
 *   length, an 8192-byte output queue, slicing-by-8 CRC-32C (8 KB table).
 *
 *   PB_CONFIG_SMALL (Cortex-M0+ class parts, 8-36 KB of RAM): 16
 *   remembered answers of up to 20 payload bytes (every command's answer
 *   except the long bodies of the read-only HELLO, READ_INFO, READ_CAL and
 *   DEVICE_STATS, which a retry then runs again), a 512-byte output queue
 *   (one largest frame and then some; the UART drains it as it goes), and
 *   a 16-entry CRC-32C table (64 bytes).  The message codec leaves out
 *   what only a host decodes or encodes (PB_MSG_DEVICE_ONLY).
 */
#ifndef PB_PROTO_CONFIG_H
#define PB_PROTO_CONFIG_H

#ifdef PB_CONFIG_SMALL
#  ifndef PB_DEV_TXN_CACHE
#    define PB_DEV_TXN_CACHE   16
#  endif
#  ifndef PB_DEV_CACHE_PAYLOAD
#    define PB_DEV_CACHE_PAYLOAD 20
#  endif
#  ifndef PB_DEV_OUT_CAP
#    define PB_DEV_OUT_CAP     512
#  endif
#  ifndef PB_CRC32C_TABLE
#    define PB_CRC32C_TABLE    4
#  endif
#  ifndef PB_MSG_DEVICE_ONLY
#    define PB_MSG_DEVICE_ONLY 1
#  endif
#endif

/* Answers remembered for retries (docs/protocol.md 7.2). */
#ifndef PB_DEV_TXN_CACHE
#  define PB_DEV_TXN_CACHE     32
#endif
/* Payload bytes one remembered answer can hold: 2 + the longest body
 * (DEVICE_STATS, 64) by default.  A longer answer is not remembered and
 * its command (only read-only commands have long answers) runs again
 * when retried. */
#ifndef PB_DEV_CACHE_PAYLOAD
#  define PB_DEV_CACHE_PAYLOAD 66
#endif
/* Output queue, in wire bytes (docs/protocol.md 7.7). */
#ifndef PB_DEV_OUT_CAP
#  define PB_DEV_OUT_CAP       8192
#endif
/* CRC-32C table: 8 = slicing-by-8 (8 KB), 1 = one 256-entry table
 * (1 KB), 4 = one 16-entry table, a nibble at a time (64 bytes). */
#ifndef PB_CRC32C_TABLE
#  define PB_CRC32C_TABLE      8
#endif
/* 1: msg.c decodes only what a host sends and encodes only what a device
 * sends (no TELEMETRY/EVENT/LOG/RESPONSE decoder, no command encoder, no
 * names); 0: both ends (hosts, the emulator, tests). */
#ifndef PB_MSG_DEVICE_ONLY
#  define PB_MSG_DEVICE_ONLY   0
#endif

#if PB_DEV_TXN_CACHE < 1 || PB_DEV_TXN_CACHE > 255
#  error "PB_DEV_TXN_CACHE: 1..255"
#endif
#if PB_DEV_CACHE_PAYLOAD < 2 || PB_DEV_CACHE_PAYLOAD > 240
#  error "PB_DEV_CACHE_PAYLOAD: 2..240"
#endif
#if PB_DEV_OUT_CAP < 256
#  error "PB_DEV_OUT_CAP must hold the largest frame (253 bytes)"
#endif
#if PB_CRC32C_TABLE != 8 && PB_CRC32C_TABLE != 1 && PB_CRC32C_TABLE != 4
#  error "PB_CRC32C_TABLE: 8, 1 or 4"
#endif

#endif
