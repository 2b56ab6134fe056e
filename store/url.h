/*
 * store/url.h - where the records live: a SQLite file or a PostgreSQL URL.
 *
 * Promise: pure string work, no I/O.  A store spec (from --db, the
 * station config or $PUMPBENCH_DB) is one of
 *
 *   postgresql://[user[:password]@][host][:port][/dbname][?key=value&...]
 *   postgres://...                  the same
 *   sqlite:PATH                     a SQLite file, said explicitly
 *   PATH                            anything else is a SQLite file
 *
 * and pb_store_url_parse() says which, after checking what can be
 * checked without a server: no control characters, a bounded length, a
 * scheme we know (a "mysql://" or "http://" spec is refused instead of
 * becoming a file of that name), valid %-escapes.  libpq parses the rest
 * of a PostgreSQL URL itself.  pb_store_url_redact() hides a password
 * (in the authority or as ?password=) so a spec can go into messages,
 * logs and records.  pb_store_default_path() gives the default SQLite
 * file from XDG_DATA_HOME / HOME as the caller read them.
 */
#ifndef PB_STORE_URL_H
#define PB_STORE_URL_H

#include <stddef.h>

#define PB_STORE_SPEC_MAX 2048   /* longest spec accepted, bytes */

enum pb_store_kind {
	PB_STORE_NONE = 0,
	PB_STORE_SQLITE = 1,
	PB_STORE_PG = 2
};

struct pb_store_url {
	enum pb_store_kind kind;
	char target[PB_STORE_SPEC_MAX + 1];  /* SQLite path, or the URL */
	char shown[PB_STORE_SPEC_MAX + 1];   /* for messages: redacted */
};

/* Parse SPEC (NUL-terminated).  0, or -1 with a one-line reason in err
 * (without the spec, which may hold a password). */
int pb_store_url_parse(const char *spec, struct pb_store_url *out, char *err,
    size_t errlen);

/* SPEC with any password replaced by "***"; always NUL-terminates. */
void pb_store_url_redact(const char *spec, char *out, size_t outlen);

/* The default SQLite file: $XDG_DATA_HOME/pumpbench/records.db when
 * xdg_data_home is an absolute path, else $HOME/.local/share/pumpbench/
 * records.db.  0, or -1 when neither is usable (err says so). */
int pb_store_default_path(const char *xdg_data_home, const char *home,
    char *out, size_t outlen, char *err, size_t errlen);

const char *pb_store_kind_name(enum pb_store_kind k);  /* "sqlite", ... */

#endif
