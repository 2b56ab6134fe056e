/*
 * tools/pumpsim/eeprom-impl.h - what the record store's pure part
 * (eeprom.c) and its file edge (eeprom-file.c) share.  Not for other
 * modules.
 *
 * Promise: pb_eeprom_addmsg() appends one line to a caller's message
 * buffer (a newline before it when the buffer is not empty), never past
 * msglen, always NUL-terminated; a NULL or empty buffer is left alone.
 */
#ifndef PB_PUMPSIM_EEPROM_IMPL_H
#define PB_PUMPSIM_EEPROM_IMPL_H

#include <stddef.h>

void pb_eeprom_addmsg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
