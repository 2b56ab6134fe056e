/*
 * store/listing.c - record lists as table, CSV or JSON (see listing.h).
 */
#include "store/listing.h"

#include <string.h>

#include "base/isotime.h"
#include "base/text.h"
#include "store/sbuf.h"


#define ROW_LIMIT (64 * 1024)

int pb_listing_fmt_parse(const char *s, enum pb_listing_fmt *out)
{
	if (strcmp(s, "table") == 0)
		*out = PB_LIST_TABLE;
	else if (strcmp(s, "csv") == 0)
		*out = PB_LIST_CSV;
	else if (strcmp(s, "json") == 0)
		*out = PB_LIST_JSON;
	else
		return -1;
	return 0;
}

const char *pb_query_kind_name(enum pb_query_kind k)
{
	switch (k) {
	case PB_Q_CAL: return "cal";
	case PB_Q_HIL: return "hil";
	case PB_Q_SESSION: return "session";
	case PB_Q_OPEN: return "open";
	default: return "?";
	}
}

static void flush(struct pb_listing *l, struct pb_sbuf *b)
{
	if (b->len && fwrite(b->p, 1, b->len, l->f) != b->len)
		l->error = true;
	pb_sbuf_free(b);
}

/* s escaped for a terminal, cut and padded to width characters */
static void cell(struct pb_sbuf *b, const char *s, int width, bool last)
{
	char e[512];
	pb_text_escape_str(e, (size_t)width * 4 + 1 < sizeof e ?
	    (size_t)width * 4 + 1 : sizeof e, s ? s : "");
	/* count characters (UTF-8 sequences), cut at width */
	size_t i = 0, n = strlen(e);
	int chars = 0;
	while (i < n && chars < width) {
		unsigned cp;
		size_t k = pb_text_utf8_seq((const unsigned char *)e + i, n - i,
		    &cp);
		i += k ? k : 1;
		chars++;
	}
	pb_sbuf_put(b, e, i);
	if (!last)
		for (; chars <= width; chars++)
			pb_sbuf_lit(b, " ");
}

static const char *const cols[] = {
	"kind", "record_id", "time_utc", "verdict", "serial", "station",
	"operator", "subject", "detail", "gauge", "build", "rig", "recal",
	"recal_reason",
};

void pb_listing_begin(struct pb_listing *l, FILE *f, enum pb_listing_fmt fmt)
{
	memset(l, 0, sizeof *l);
	l->f = f;
	l->fmt = fmt;
	struct pb_sbuf b;
	pb_sbuf_init(&b, ROW_LIMIT);
	if (fmt == PB_LIST_CSV) {
		for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
			pb_sbuf_printf(&b, "%s%s", i ? "," : "", cols[i]);
		pb_sbuf_lit(&b, "\r\n");
	} else if (fmt == PB_LIST_JSON) {
		pb_sbuf_lit(&b, "[");
	} else {
		pb_sbuf_printf(&b, "%-24s %-7s %-7s %-15s %-15s %-12s %-24s "
		    "%-36s %s\n", "TIME (UTC)", "KIND", "VERDICT", "SERIAL",
		    "STATION", "OPERATOR", "WHAT", "RECORD", "DETAIL");
	}
	flush(l, &b);
}

int pb_listing_row(struct pb_listing *l, const struct pb_query_row *r)
{
	char when[40];
	pb_isotime(r->time_ms, PB_ISO_UTC_MS, when, sizeof when);
	const char *kind = pb_query_kind_name(r->kind);
	struct pb_sbuf b;
	pb_sbuf_init(&b, ROW_LIMIT);
	const char *v[] = { kind, r->record_id, when, r->verdict, r->serial,
		r->station, r->operator_id, r->subject, r->detail, r->gauge,
		r->build, r->rig, r->recal ? "yes" : "no", r->recal_reason };
	if (l->fmt == PB_LIST_CSV) {
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			if (i)
				pb_sbuf_lit(&b, ",");
			pb_sbuf_csv(&b, v[i]);
		}
		pb_sbuf_lit(&b, "\r\n");
	} else if (l->fmt == PB_LIST_JSON) {
		pb_sbuf_printf(&b, "%s\n {", l->rows ? "," : "");
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			pb_sbuf_printf(&b, "%s\"%s\": ", i ? ", " : "",
			    cols[i]);
			if (i == 12)
				pb_sbuf_printf(&b, "%s", r->recal ? "true" :
				    "false");
			else
				pb_sbuf_json(&b, v[i]);
		}
		pb_sbuf_lit(&b, "}");
	} else {
		char what[300];
		if (r->recal)
			snprintf(what, sizeof what, "%s (recal)", r->subject);
		else
			snprintf(what, sizeof what, "%s", r->subject);
		cell(&b, when, 24, false);
		cell(&b, kind, 7, false);
		cell(&b, r->verdict, 7, false);
		cell(&b, r->serial, 15, false);
		cell(&b, r->station, 15, false);
		cell(&b, r->operator_id, 12, false);
		cell(&b, what, 24, false);
		cell(&b, r->record_id, 36, false);
		cell(&b, r->recal ? r->recal_reason : r->detail, 60, true);
		pb_sbuf_lit(&b, "\n");
	}
	l->rows++;
	flush(l, &b);
	return l->error ? -1 : 0;
}

int pb_listing_end(struct pb_listing *l)
{
	struct pb_sbuf b;
	pb_sbuf_init(&b, ROW_LIMIT);
	if (l->fmt == PB_LIST_JSON)
		pb_sbuf_printf(&b, "%s]\n", l->rows ? "\n" : "");
	else if (l->fmt == PB_LIST_TABLE)
		pb_sbuf_printf(&b, "%ld record%s\n", l->rows,
		    l->rows == 1 ? "" : "s");
	flush(l, &b);
	if (fflush(l->f) != 0)
		l->error = true;
	return l->error ? -1 : 0;
}
