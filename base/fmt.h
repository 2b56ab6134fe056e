/*
 * base/fmt.h - a small printf for code that also runs on a microcontroller.
 *
 * Promise: pure, no malloc, no stdio, no locale, no floating point (newlib's
 * vsnprintf pulls in malloc and sbrk on an MCU, so the pump's firmware
 * formats its LOG lines with this).  It writes at most cap bytes, always
 * NUL-terminates when cap > 0, and returns the length the whole text would
 * have had, as snprintf does.  The conversions are the ones device code
 * uses: %% %c %s %d %i %u %x %X with the length modifiers l, ll, z; the
 * flags 0 and - with a field width; a precision for %s (%.16s, %.*s).  A
 * NULL %s prints "(null)".  Anything else is copied literally, so a wrong
 * format never reads past the arguments it names.
 */
#ifndef PB_BASE_FMT_H
#define PB_BASE_FMT_H

#include <stdarg.h>
#include <stddef.h>

int pb_vfmt(char *buf, size_t cap, const char *fmt, va_list ap);
int pb_fmt(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
