/*
 * store/sql.h - one SQL text for both databases.
 *
 * Promise: pure.  The store writes every statement once, in a template
 * that pb_sql_render() turns into SQLite's or PostgreSQL's dialect:
 *
 *   {ID}        an integer primary key the database assigns
 *               (INTEGER PRIMARY KEY AUTOINCREMENT /
 *                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY)
 *   {BIGINT}    64-bit integer          {REAL}  double
 *   {BOOL}      INTEGER 0/1 / BOOLEAN   {TRUE} {FALSE}  its literals
 *   {TS}        a UTC time: ISO 8601 text "2026-12-03T19:52:03.123Z" /
 *               TIMESTAMPTZ
 *   {DATE}      a calendar date: "2027-06-30" text / DATE
 *   {MS:expr}   the time expr as Unix milliseconds (an integer)
 *   ?           a parameter: kept for SQLite, $1, $2, ... for PostgreSQL
 *
 * String literals ('...') and quoted identifiers ("...") are copied as
 * they are, so a '?' or '{' inside one is never touched.  An unknown
 * token, an unclosed one or an output that does not fit is an error, so a
 * template bug shows up in the unit tests, not on a factory's server.
 */
#ifndef PB_STORE_SQL_H
#define PB_STORE_SQL_H

#include <stddef.h>

enum pb_sql_dialect { PB_SQL_SQLITE = 1, PB_SQL_PG = 2 };

/* Render TMPL into out (outlen bytes, NUL-terminated).  Returns the
 * number of parameters (?) seen, or -1 (bad token, too long).  err (may
 * be NULL) names the problem. */
int pb_sql_render(enum pb_sql_dialect d, const char *tmpl, char *out,
    size_t outlen, char *err, size_t errlen);

#endif
