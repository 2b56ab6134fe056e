/*
 * store/listing.h - `pumphil records` output: table, CSV or JSON.
 *
 * Promise: pure formatting of query rows (store/query.h) into a bounded
 * buffer per row, streamed to the caller's FILE.  The table is for a
 * terminal: every field is escaped (no terminal control sequence from a
 * record reaches the screen) and cut to its column; CSV (RFC 4180, a
 * header line) and JSON (one array of objects) carry every field whole
 * and are valid UTF-8 whatever the records hold.  Times are UTC, ISO 8601.
 */
#ifndef PB_STORE_LISTING_H
#define PB_STORE_LISTING_H

#include <stdbool.h>
#include <stdio.h>

#include "store/query.h"

enum pb_listing_fmt { PB_LIST_TABLE = 0, PB_LIST_CSV, PB_LIST_JSON };

struct pb_listing {
	enum pb_listing_fmt fmt;
	FILE *f;
	long  rows;
	bool  error;      /* a write failed */
};

/* "table", "csv" or "json"; -1 for anything else. */
int  pb_listing_fmt_parse(const char *s, enum pb_listing_fmt *out);
const char *pb_query_kind_name(enum pb_query_kind k);  /* "cal", ... */

void pb_listing_begin(struct pb_listing *l, FILE *f, enum pb_listing_fmt fmt);
/* One row; returns 0 or -1 when the stream failed. */
int  pb_listing_row(struct pb_listing *l, const struct pb_query_row *r);
/* Close the JSON array / print "N records"; 0 or -1. */
int  pb_listing_end(struct pb_listing *l);

#endif
