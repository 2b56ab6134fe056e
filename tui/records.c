/*
 * tui/records.c - the dashboard's records store (see records.h).
 */
#include "tui/records.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/sessionrec.h"

struct pb_tui_records {
	char db[PB_STORE_SPEC_MAX + 1];     /* "" = not given */
	char station[PB_RECORD_NAME];
	char operator_id[PB_RECORD_NAME];
	struct pb_app *app;
	bool headless;
	struct pb_store *store;
};

static void tell(struct pb_tui_records *r, uint64_t now_us, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
static void tell(struct pb_tui_records *r, uint64_t now_us, const char *fmt,
    ...)
{
	char m[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	pb_app_say(r->app, now_us, "%s", m);
	if (r->headless)
		fprintf(stderr, "pumpbench: %s\n", m);
}

struct pb_tui_records *pb_tui_records_new(const char *db_opt,
    const struct pb_stationcfg *cfg, const char *station,
    const char *operator_id, struct pb_app *app, bool headless)
{
	struct pb_tui_records *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	snprintf(r->db, sizeof r->db, "%s", db_opt ? db_opt :
	    cfg && cfg->store[0] ? cfg->store : "");
	snprintf(r->station, sizeof r->station, "%s", station ? station : "");
	snprintf(r->operator_id, sizeof r->operator_id, "%s", operator_id ?
	    operator_id : "");
	r->app = app;
	r->headless = headless;
	return r;
}

void pb_tui_records_free(struct pb_tui_records *r)
{
	if (r == NULL)
		return;
	pb_store_close(r->store);
	free(r);
}

struct pb_store *pb_tui_records_store(void *ctx, char *err, size_t errlen)
{
	struct pb_tui_records *r = ctx;
	if (r->store)
		return r->store;
	char spec[PB_STORE_SPEC_MAX + 1];
	bool dflt = false;
	if (pb_store_resolve_spec(r->db[0] ? r->db : NULL, spec, sizeof spec,
	    &dflt, err, errlen) != 0)
		return NULL;
	struct pb_store_opts o = { .app_name = "pumpbench",
		.create_dirs = dflt };
	if (pb_store_open(spec, &o, &r->store, err, errlen) != 0)
		r->store = NULL;
	return r->store;
}

void pb_tui_records_session(void *ctx, const char *path, uint64_t now_us)
{
	struct pb_tui_records *r = ctx;
	struct pb_record_session s;
	char err[700];
	if (pb_sessionrec_read(path, &s, err, sizeof err) != 0) {
		tell(r, now_us, "records: recording not summed up: "
		    "%s", err);
		return;
	}
	snprintf(s.station, sizeof s.station, "%s", r->station);
	snprintf(s.operator_id, sizeof s.operator_id, "%s", r->operator_id);
	gethostname(s.host, sizeof s.host - 1);
	struct pb_store *st = pb_tui_records_store(r, err, sizeof err);
	if (st == NULL) {
		tell(r, now_us, "records: session not recorded: "
		    "%s", err);
		return;
	}
	if (pb_store_put_session(st, &s, NULL) != 0)
		tell(r, now_us, "records: session not recorded: "
		    "%s", pb_store_error(st));
	else
		tell(r, now_us, "recording entered in the records "
		    "(%llu samples)", (unsigned long long)s.samples);
}
