/*
 * hil/records-cmd.h - `pumphil records` and `pumphil report`, and the
 * reservations part of `pumphil list-rigs`.
 *
 * Promise: command-line glue over the records store (store/query.h,
 * store/listing.h, store/factoryreport.h): options checked before the
 * store is opened (bad usage exits 2 with one line), the store opened
 * read-only, every output valid UTF-8 (the table escaped for a terminal),
 * the report written atomically.  Exit status: 0 done (also when nothing
 * matched), 2 usage, 3 the store could not be read or the file written.
 */
#ifndef PB_HIL_RECORDS_CMD_H
#define PB_HIL_RECORDS_CMD_H

#include <stdio.h>

/* argv[0] is the command name. */
int pb_hil_cmd_records(int argc, char **argv);
int pb_hil_cmd_report(int argc, char **argv);

/* `pumphil list-rigs`: who holds which rig in the store (PostgreSQL);
 * prints nothing when the store is SQLite.  Returns 0, or 3 when the
 * store could not be read (printed). */
int pb_hil_list_reservations(const char *db_opt, FILE *out);

#endif
