/*
 * base/text.h - bytes from outside, made safe to show or to store.
 *
 * Promise: pure functions over memory.  Text that came from a file, a
 * scenario, a pump or a rig may hold anything: terminal escapes, NULs,
 * invalid UTF-8.  Before it reaches a terminal it goes through
 * pb_text_escape(); before it goes into a report (JSON, XML, CSV, HTML)
 * it goes through pb_text_clean().  Both always NUL-terminate, never
 * write more than dstlen bytes, cut only at a character boundary, and
 * mark a cut with "...".
 */
#ifndef PB_BASE_TEXT_H
#define PB_BASE_TEXT_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/*
 * For a terminal: printable ASCII and valid UTF-8 (but C1 controls) are
 * kept; tab, newline and carriage return become \t \n \r; every other
 * control byte (ESC, NUL, DEL, C1) and every byte that is not valid UTF-8
 * becomes \xNN.  So the result is one line that cannot move the cursor
 * or change colours.  Returns the length written (excluding the NUL).
 */
size_t pb_text_escape(char *dst, size_t dstlen, const void *src, size_t len);

/* The same for a NUL-terminated string. */
size_t pb_text_escape_str(char *dst, size_t dstlen, const char *s);

/* A loader's message "FILE:LINE: " + fmt, escaped as above (a message
 * quotes the file's own bytes), at most 1 KiB before escaping. */
void pb_text_vmsg_at(char *dst, size_t dstlen, const char *file, int line,
    const char *fmt, va_list ap);

/*
 * For a report: valid UTF-8 is kept, with tab, newline and carriage
 * return; bytes that are not valid UTF-8 (overlong forms, surrogates,
 * stray continuation bytes, a cut sequence), the other C0 controls
 * (NUL, ESC, ...) and U+FFFE/U+FFFF each become U+FFFD.  The result is
 * valid UTF-8 and valid XML 1.0 character data, and JSON-safe once the
 * JSON writer escapes quotes and controls.  Returns the length written.
 */
size_t pb_text_clean(char *dst, size_t dstlen, const void *src, size_t len);

/*
 * pb_text_clean() into a new buffer of at most MAX bytes (NUL included;
 * MAX >= 8).  NULL only when out of memory.  The caller frees.
 */
char *pb_text_clean_dup(const void *src, size_t len, size_t max);

/* True when LEN bytes at SRC are valid UTF-8 (no overlongs, surrogates
 * or code points past U+10FFFF). */
bool pb_text_utf8_valid(const void *src, size_t len);

/* Length of the valid UTF-8 sequence at P (1..4), or 0 when the bytes at
 * P (at most N) do not start one.  *cp gets the code point. */
size_t pb_text_utf8_seq(const unsigned char *p, size_t n, unsigned *cp);

#endif
