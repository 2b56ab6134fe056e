/*
 * tui/records.h - the dashboard and the factory records store.
 *
 * Promise: one records store per dashboard, opened on first use (the
 * calibration screen's Enter, the end of a recording), not at start: the
 * dashboard shows a pump without touching a database.  The store is the
 * one --db names, else the station config's, else $PUMPBENCH_DB, else the
 * default SQLite file (store/store.h); a store that cannot be opened is
 * tried again at the next use and its reason kept for the screen.  A
 * recording that closes (the r key, the end of the session) is summed up
 * (tui/sessionrec.h) and written as a dashboard session record; what went
 * wrong is said on the dashboard's message line, and the recording file
 * itself is never touched.
 */
#ifndef PB_TUI_RECORDS_H
#define PB_TUI_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/stationcfg.h"
#include "store/store.h"
#include "tui/app.h"

struct pb_tui_records;

/* All strings are copied; cfg may be NULL; app receives messages (and,
 * headless, stderr too). */
struct pb_tui_records *pb_tui_records_new(const char *db_opt,
    const struct pb_stationcfg *cfg, const char *station,
    const char *operator_id, struct pb_app *app, bool headless);
void pb_tui_records_free(struct pb_tui_records *r);

/* For struct pb_calscreen_io.store: ctx is the pb_tui_records. */
struct pb_store *pb_tui_records_store(void *ctx, char *err, size_t errlen);
/* For struct pb_session_opts.recorded: a recording closed. */
void pb_tui_records_session(void *ctx, const char *path, uint64_t now_us);

#endif
