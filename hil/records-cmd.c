/*
 * hil/records-cmd.c - `pumphil records`, `pumphil report` (see
 * records-cmd.h).
 */
#include "hil/records-cmd.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cli.h"
#include "base/file.h"
#include "base/isotime.h"
#include "base/text.h"
#include "base/version.h"
#include "hil/records.h"
#include "hil/runner.h"
#include "proto/msg.h"
#include "store/factoryreport.h"
#include "store/listing.h"
#include "store/query.h"
#include "store/sbuf.h"

static int usage_error(const char *cmd, const char *what, const char *arg)
{
	char a[256] = "";
	if (arg)
		pb_text_escape_str(a, sizeof a, arg);
	return pb_cli_usage_error("pumphil", "%s: %s%s%s%s", cmd, what,
	    arg ? " '" : "", a, arg ? "'" : "");
}

/* The options every pumphil command takes (base/cli.h): -V; -q and
 * --color change nothing here (the listing is the output asked for, and
 * it is not painted); getopt's complaints.  Returns -1 to go on, or the
 * exit status. */
static int common_option(int c, int argc, char **argv,
    const struct option *longs)
{
	enum pb_cli_color when;
	switch (c) {
	case 'V':
		pb_cli_version(stdout, "pumphil", PB_PROTO_VERSION);
		return PB_EXIT_OK;
	case 'q':
		return -1;
	case PB_CLI_OPT_COLOR:
		if (pb_cli_color_parse(optarg, &when) < 0)
			return pb_cli_usage_error("pumphil", "--color: '%s' is "
			    "not auto, always or never", optarg);
		return -1;
	default:
		return pb_cli_bad_option("pumphil", c, argc, argv, longs);
	}
}

#define EXIT_HELP "exit status: 0 done (also when nothing matched), " \
	"2 usage, 3 the store could not be read or the file written\n"

/* no argument left after the options, and a period that is one */
static int rest_ok(const char *cmd, int argc, char **argv, int64_t since,
    int64_t until)
{
	if (optind < argc)
		return usage_error(cmd, "unexpected argument", argv[optind]);
	if (since && until && until <= since)
		return usage_error(cmd, "--until is not after --since", NULL);
	return 0;
}

static int parse_when(const char *cmd, const char *opt, const char *s,
    bool end, int64_t *ms)
{
	if (pb_record_parse_time(s, end, ms) != 0) {
		fprintf(stderr, "pumphil %s: %s: '%s' is not YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM[:SS]Z (UTC) (try pumphil --help)\n", cmd,
		    opt, s);
		return -1;
	}
	return 0;
}

/* ---- one calibration in full ------------------------------------------- */

static void iso(int64_t ms, char *buf, size_t n)
{
	pb_isotime(ms, PB_ISO_UTC_MS, buf, n);
}

static void detail_text(struct pb_sbuf *b, const struct pb_record_cal *c)
{
	char t0[40], t1[40];
	iso(c->started_ms, t0, sizeof t0);
	iso(c->finished_ms, t1, sizeof t1);
	const char *v[][2] = {
		{ "record", c->record_id }, { "verdict", c->verdict },
		{ "reason", c->reason }, { "unit serial", c->serial },
		{ "profile", c->profile }, { "firmware", c->firmware },
		{ "station", c->station }, { "host", c->host },
		{ "operator", c->operator_id }, { "gauge", c->gauge_id },
		{ "gauge due", c->gauge_due }, { "reference", c->reference },
		{ "started", t0 }, { "finished", t1 },
		{ "tool", c->tool_version },
		{ "recalibration", c->recal ? c->recal_reason : "no" },
		{ "old calibration", c->restored ? "written back" : "-" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char e[1024];
		pb_text_escape_str(e, sizeof e, v[i][1]);
		pb_sbuf_printf(b, "%-16s %s\n", v[i][0], e);
	}
	for (int ch = 0; ch < c->channels; ch++) {
		const struct pb_record_channel *k = &c->ch[ch];
		pb_sbuf_printf(b, "\nchannel %d: ", ch + 1);
		if (k->order > 0)
			pb_sbuf_printf(b, "fit order %d, c0 %.9g c1 %.9g c2 %.9g, "
			    "max residual %.3f, rms %.3f mmHg, %s", k->order,
			    k->c[0], k->c[1], k->c[2], k->max_residual_mmhg,
			    k->rms_residual_mmhg, k->accepted ? "accepted" :
			    "REFUSED");
		else
			pb_sbuf_lit(b, "no fit");
		if (k->written)
			pb_sbuf_printf(b, "; written as calibration %u",
			    k->new_cal_id);
		if (k->had_old)
			pb_sbuf_printf(b, " (it held %u)", k->old_cal_id);
		if (isfinite(k->asfound_zero_mmhg))
			pb_sbuf_printf(b, "; as found at 0 mmHg %+.3f mmHg",
			    k->asfound_zero_mmhg);
		pb_sbuf_printf(b, "\n  %6s %10s %8s %7s %10s %9s %7s %9s %s\n",
		    "target", "raw", "raw sd", "samples", "reference",
		    "residual", "limit", "as found", "pass");
		for (int i = 0; i < k->npoints; i++) {
			const struct pb_record_point *p = &k->point[i];
			pb_sbuf_printf(b, "  %6.1f %10.2f %8.2f %7d %10.3f %9.3f "
			    "%7.2f %9.3f %s\n", p->target_mmhg, p->raw_counts,
			    p->raw_sd, p->samples, p->reference_mmhg,
			    p->residual_mmhg, p->limit_mmhg, p->asfound_mmhg,
			    p->pass < 0 ? "-" : p->pass ? "yes" : "NO");
		}
		for (int i = 0; i < k->nverify; i++) {
			const struct pb_record_verify *w = &k->verify[i];
			pb_sbuf_printf(b, "  verify %.1f mmHg: reference %.3f, "
			    "unit %.3f, error %+.3f (limit %.2f) %s\n",
			    w->target_mmhg, w->reference_mmhg, w->device_mmhg,
			    w->error_mmhg, w->limit_mmhg, w->pass ? "pass" :
			    "FAIL");
		}
	}
	pb_sbuf_lit(b, "\ncertificate files:\n");
	for (int i = 0; i < c->ncerts; i++) {
		char e[1100];
		pb_text_escape_str(e, sizeof e, c->cert[i].path);
		pb_sbuf_printf(b, "  %-4s %s  sha256 %s  %lld bytes\n",
		    c->cert[i].format, e, c->cert[i].sha256,
		    (long long)c->cert[i].bytes);
	}
}

static void jkey(struct pb_sbuf *b, const char *k, const char *v, bool comma)
{
	pb_sbuf_printf(b, "%s\"%s\": ", comma ? ", " : "", k);
	pb_sbuf_json(b, v);
}

static void jnum(struct pb_sbuf *b, const char *k, double v)
{
	pb_sbuf_printf(b, ", \"%s\": ", k);
	pb_sbuf_num(b, v, 17, true);
}

static void detail_json(struct pb_sbuf *b, const struct pb_record_cal *c)
{
	char t0[40], t1[40];
	iso(c->started_ms, t0, sizeof t0);
	iso(c->finished_ms, t1, sizeof t1);
	pb_sbuf_lit(b, "{");
	jkey(b, "record_id", c->record_id, false);
	jkey(b, "verdict", c->verdict, true);
	jkey(b, "reason", c->reason, true);
	jkey(b, "serial", c->serial, true);
	jkey(b, "profile", c->profile, true);
	jkey(b, "firmware", c->firmware, true);
	jkey(b, "station", c->station, true);
	jkey(b, "host", c->host, true);
	jkey(b, "operator", c->operator_id, true);
	jkey(b, "gauge_id", c->gauge_id, true);
	jkey(b, "gauge_due", c->gauge_due, true);
	jkey(b, "reference", c->reference, true);
	jkey(b, "started_utc", t0, true);
	jkey(b, "finished_utc", t1, true);
	jkey(b, "tool_version", c->tool_version, true);
	pb_sbuf_printf(b, ", \"recal\": %s", c->recal ? "true" : "false");
	jkey(b, "recal_reason", c->recal_reason, true);
	pb_sbuf_printf(b, ", \"restored\": %s, \"channels\": [",
	    c->restored ? "true" : "false");
	for (int ch = 0; ch < c->channels; ch++) {
		const struct pb_record_channel *k = &c->ch[ch];
		pb_sbuf_printf(b, "%s{\"channel\": %d, \"fit_order\": %d",
		    ch ? ", " : "", ch + 1, k->order);
		jnum(b, "c0", k->order ? k->c[0] : NAN);
		jnum(b, "c1", k->order ? k->c[1] : NAN);
		jnum(b, "c2", k->order ? k->c[2] : NAN);
		jnum(b, "max_residual_mmhg", k->max_residual_mmhg);
		jnum(b, "rms_residual_mmhg", k->rms_residual_mmhg);
		pb_sbuf_printf(b, ", \"accepted\": %s, \"written\": %s",
		    k->accepted ? "true" : "false", k->written ? "true" :
		    "false");
		jnum(b, "new_cal_id", k->written ? k->new_cal_id : NAN);
		jnum(b, "old_cal_id", k->had_old ? k->old_cal_id : NAN);
		jnum(b, "asfound_zero_mmhg", k->asfound_zero_mmhg);
		pb_sbuf_lit(b, ", \"points\": [");
		for (int i = 0; i < k->npoints; i++) {
			const struct pb_record_point *p = &k->point[i];
			pb_sbuf_printf(b, "%s{\"idx\": %d", i ? ", " : "", i + 1);
			jnum(b, "target_mmhg", p->target_mmhg);
			jnum(b, "raw_counts", p->raw_counts);
			jnum(b, "raw_sd", p->raw_sd);
			jnum(b, "samples", p->samples);
			jnum(b, "reference_mmhg", p->reference_mmhg);
			jnum(b, "residual_mmhg", p->residual_mmhg);
			jnum(b, "limit_mmhg", p->limit_mmhg);
			jnum(b, "asfound_mmhg", p->asfound_mmhg);
			pb_sbuf_printf(b, ", \"pass\": %s}", p->pass < 0 ?
			    "null" : p->pass ? "true" : "false");
		}
		pb_sbuf_lit(b, "], \"verify\": [");
		for (int i = 0; i < k->nverify; i++) {
			const struct pb_record_verify *w = &k->verify[i];
			pb_sbuf_printf(b, "%s{\"idx\": %d", i ? ", " : "", i + 1);
			jnum(b, "target_mmhg", w->target_mmhg);
			jnum(b, "reference_mmhg", w->reference_mmhg);
			jnum(b, "device_mmhg", w->device_mmhg);
			jnum(b, "error_mmhg", w->error_mmhg);
			jnum(b, "limit_mmhg", w->limit_mmhg);
			pb_sbuf_printf(b, ", \"pass\": %s}", w->pass ? "true" :
			    "false");
		}
		pb_sbuf_lit(b, "]}");
	}
	pb_sbuf_lit(b, "], \"certificates\": [");
	for (int i = 0; i < c->ncerts; i++) {
		pb_sbuf_printf(b, "%s{", i ? ", " : "");
		jkey(b, "format", c->cert[i].format, false);
		jkey(b, "path", c->cert[i].path, true);
		jkey(b, "sha256", c->cert[i].sha256, true);
		pb_sbuf_printf(b, ", \"bytes\": %lld}",
		    (long long)c->cert[i].bytes);
	}
	pb_sbuf_lit(b, "]}\n");
}

static void detail_csv(struct pb_sbuf *b, const struct pb_record_cal *c)
{
	pb_sbuf_lit(b, "record_id,serial,channel,idx,target_mmhg,raw_counts,"
	    "raw_sd,samples,reference_mmhg,residual_mmhg,limit_mmhg,"
	    "asfound_mmhg,pass\r\n");
	for (int ch = 0; ch < c->channels; ch++)
		for (int i = 0; i < c->ch[ch].npoints; i++) {
			const struct pb_record_point *p = &c->ch[ch].point[i];
			pb_sbuf_csv(b, c->record_id);
			pb_sbuf_lit(b, ",");
			pb_sbuf_csv(b, c->serial);
			pb_sbuf_printf(b, ",%d,%d,", ch + 1, i + 1);
			const double v[] = { p->target_mmhg, p->raw_counts,
				p->raw_sd, p->samples, p->reference_mmhg,
				p->residual_mmhg, p->limit_mmhg,
				p->asfound_mmhg };
			for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
				pb_sbuf_num(b, v[k], 17, false);
				pb_sbuf_lit(b, ",");
			}
			pb_sbuf_printf(b, "%s\r\n", p->pass < 0 ? "" : p->pass ?
			    "yes" : "no");
		}
}

/* ---- pumphil records ------------------------------------------------------ */

struct list_ctx {
	struct pb_listing l;
};

static int list_row(void *ctx, const struct pb_query_row *r)
{
	struct list_ctx *lc = ctx;
	return pb_listing_row(&lc->l, r) != 0;
}

static int parse_kinds(const char *s, unsigned *out)
{
	*out = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n == 3 && strncmp(s, "cal", 3) == 0)
			*out |= PB_Q_CAL;
		else if (n == 3 && strncmp(s, "hil", 3) == 0)
			*out |= PB_Q_HIL;
		else if (n == 7 && strncmp(s, "session", 7) == 0)
			*out |= PB_Q_SESSION;
		else if (n == 4 && strncmp(s, "open", 4) == 0)
			*out |= PB_Q_OPEN;
		else if (n == 3 && strncmp(s, "all", 3) == 0)
			*out |= PB_Q_CAL | PB_Q_HIL | PB_Q_SESSION | PB_Q_OPEN;
		else
			return -1;
		s += n + (s[n] == ',');
	}
	return *out ? 0 : -1;
}

enum { R_DB = 700, R_SERIAL, R_STATION, R_OPERATOR, R_VERDICT, R_SCENARIO,
	R_SINCE, R_UNTIL, R_ID, R_KIND, R_LAST, R_FORMAT, R_OPEN, R_OUTPUT,
	R_TOL, R_TITLE };

int pb_hil_cmd_records(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "db", required_argument, NULL, R_DB },
		{ "serial", required_argument, NULL, R_SERIAL },
		{ "station", required_argument, NULL, R_STATION },
		{ "operator", required_argument, NULL, R_OPERATOR },
		{ "verdict", required_argument, NULL, R_VERDICT },
		{ "scenario", required_argument, NULL, R_SCENARIO },
		{ "since", required_argument, NULL, R_SINCE },
		{ "until", required_argument, NULL, R_UNTIL },
		{ "id", required_argument, NULL, R_ID },
		{ "kind", required_argument, NULL, R_KIND },
		{ "last", required_argument, NULL, R_LAST },
		{ "format", required_argument, NULL, R_FORMAT },
		{ "open", no_argument, NULL, R_OPEN },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL;
	struct pb_query q;
	memset(&q, 0, sizeof q);
	enum pb_listing_fmt fmt = PB_LIST_TABLE;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int c;
	while ((c = getopt_long(argc, argv, ":" PB_CLI_SHORT_OPTIONS, longs,
	    NULL)) != -1) {
		char *e = NULL;
		switch (c) {
		case R_DB: db = optarg; break;
		case R_SERIAL: q.serial = optarg; break;
		case R_STATION: q.station = optarg; break;
		case R_OPERATOR: q.operator_id = optarg; break;
		case R_VERDICT:
			if (!pb_record_outcome_ok(optarg))
				return usage_error("records", "--verdict wants "
				    "PASS, FAIL, ERROR, ABORTED or SKIPPED, not",
				    optarg);
			q.verdict = optarg;
			break;
		case R_SCENARIO: q.scenario = optarg; break;
		case R_SINCE:
			if (parse_when("records", "--since", optarg, false,
			    &q.since_ms))
				return PB_EXIT_USAGE;
			break;
		case R_UNTIL:
			if (parse_when("records", "--until", optarg, true,
			    &q.until_ms))
				return PB_EXIT_USAGE;
			break;
		case R_ID: q.record_id = optarg; break;
		case R_KIND:
			if (parse_kinds(optarg, &q.kinds) != 0)
				return usage_error("records", "--kind wants cal, "
				    "hil, session, open or all (comma-separated), "
				    "not", optarg);
			break;
		case R_OPEN: q.kinds |= PB_Q_OPEN; break;
		case R_LAST:
			errno = 0;
			q.last = strtol(optarg, &e, 10);
			if (errno || e == optarg || *e || q.last < 1)
				return usage_error("records", "--last wants a "
				    "count of 1 or more, not", optarg);
			break;
		case R_FORMAT:
			if (pb_listing_fmt_parse(optarg, &fmt) != 0)
				return usage_error("records", "--format wants "
				    "table, csv or json, not", optarg);
			break;
		case 'h':
			printf("usage: pumphil records [--db SPEC] [--kind "
			    "cal,hil,session,open|all] [--serial S] [--station "
			    "N] [--operator O] [--verdict V] [--scenario NAME] "
			    "[--since DATE] [--until DATE] [--last N] [--id ID] "
			    "[--format table|csv|json]\n" EXIT_HELP);
			return PB_EXIT_OK;
		default: {
			int rc = common_option(c, argc, argv, longs);
			if (rc >= 0)
				return rc;
		}
		}
	}
	if (rest_ok("records", argc, argv, q.since_ms, q.until_ms) != 0)
		return PB_EXIT_USAGE;

	struct pb_store *s = NULL;
	char err[1200];
	if (pb_hil_store_open(db, true, &s, err, sizeof err) != 0) {
		fprintf(stderr, "pumphil: %s\n", err);
		return PB_EXIT_ERROR;
	}
	int rc = PB_EXIT_OK;
	/* one calibration by id: the whole record */
	if (q.record_id && (q.kinds == 0 || (q.kinds & PB_Q_CAL))) {
		struct pb_record_cal *cal = malloc(sizeof *cal);
		int g = cal ? pb_store_get_cal(s, q.record_id, cal) :
		    PB_STORE_E_MEM;
		if (g == 0) {
			struct pb_sbuf b;
			pb_sbuf_init(&b, 4u << 20);
			if (fmt == PB_LIST_JSON)
				detail_json(&b, cal);
			else if (fmt == PB_LIST_CSV)
				detail_csv(&b, cal);
			else
				detail_text(&b, cal);
			if (b.len && fwrite(b.p, 1, b.len, stdout) != b.len)
				rc = PB_EXIT_ERROR;
			pb_sbuf_free(&b);
			free(cal);
			pb_store_close(s);
			return fflush(stdout) == 0 ? rc : PB_EXIT_ERROR;
		}
		free(cal);
		if (g != PB_STORE_E_NOENT) {
			fprintf(stderr, "pumphil: %s\n", pb_store_error(s));
			pb_store_close(s);
			return PB_EXIT_ERROR;
		}
	}
	struct list_ctx lc;
	pb_listing_begin(&lc.l, stdout, fmt);
	long n = pb_store_query(s, &q, list_row, &lc);
	if (n < 0 && !lc.l.error) {
		fprintf(stderr, "pumphil: %s\n", pb_store_error(s));
		rc = PB_EXIT_ERROR;
	}
	if (pb_listing_end(&lc.l) != 0) {
		fprintf(stderr, "pumphil records: cannot write the output: "
		    "%s\n", strerror(errno));
		rc = PB_EXIT_ERROR;
	}
	pb_store_close(s);
	return rc;
}

/* ---- pumphil report ------------------------------------------------------ */

int pb_hil_cmd_report(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "db", required_argument, NULL, R_DB },
		{ "since", required_argument, NULL, R_SINCE },
		{ "until", required_argument, NULL, R_UNTIL },
		{ "output", required_argument, NULL, R_OUTPUT },
		{ "tolerance", required_argument, NULL, R_TOL },
		{ "title", required_argument, NULL, R_TITLE },
		PB_CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *out = "pumpbench-report.html", *title = NULL;
	int64_t since = 0, until = 0;
	double tol = 3.0;
	opterr = 0;
	optind = 0;   /* 0: getopt starts afresh (glibc keeps "+" otherwise) */
	int c;
	while ((c = getopt_long(argc, argv, ":o:" PB_CLI_SHORT_OPTIONS,
	    longs, NULL)) != -1) {
		char *e = NULL;
		switch (c) {
		case R_DB: db = optarg; break;
		case R_SINCE:
			if (parse_when("report", "--since", optarg, false,
			    &since))
				return PB_EXIT_USAGE;
			break;
		case R_UNTIL:
			if (parse_when("report", "--until", optarg, true, &until))
				return PB_EXIT_USAGE;
			break;
		case 'o':
		case R_OUTPUT:
			if (!optarg[0])
				return usage_error("report", "--output needs a "
				    "file name", NULL);
			out = optarg;
			break;
		case R_TOL:
			errno = 0;
			tol = strtod(optarg, &e);
			if (errno || e == optarg || *e || !(tol > 0 &&
			    tol <= 100))
				return usage_error("report", "--tolerance wants "
				    "mmHg in (0, 100], not", optarg);
			break;
		case R_TITLE: title = optarg; break;
		case 'h':
			printf("usage: pumphil report [--db SPEC] [--since DATE] "
			    "[--until DATE] [--tolerance MMHG] [--title TEXT] "
			    "[-o FILE.html]\n" EXIT_HELP);
			return PB_EXIT_OK;
		default: {
			int rc = common_option(c, argc, argv, longs);
			if (rc >= 0)
				return rc;
		}
		}
	}
	if (rest_ok("report", argc, argv, since, until) != 0)
		return PB_EXIT_USAGE;
	struct pb_store *s = NULL;
	char err[1200];
	if (pb_hil_store_open(db, true, &s, err, sizeof err) != 0) {
		fprintf(stderr, "pumphil: %s\n", err);
		return PB_EXIT_ERROR;
	}
	struct pb_report_data d;
	if (pb_store_report_fetch(s, since, until, &d) != 0) {
		fprintf(stderr, "pumphil: %s\n", pb_store_error(s));
		pb_store_close(s);
		return PB_EXIT_ERROR;
	}
	pb_store_close(s);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct pb_freport_opts o = { .tolerance_mmhg = tol,
		.made_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000,
		.tool_version = pb_version(), .title = title };
	struct pb_sbuf b;
	pb_sbuf_init(&b, PB_FREPORT_LIMIT);
	int rc = pb_freport_html(&d, &o, &b);
	size_t ncal = d.ncal, ncase = d.ncase;
	pb_report_data_free(&d);
	if (rc != 0 || b.p == NULL) {
		fprintf(stderr, "pumphil report: out of memory\n");
		pb_sbuf_free(&b);
		return PB_EXIT_ERROR;
	}
	if (pb_file_write_atomic(out, b.p, b.len, err, sizeof err) != 0) {
		fprintf(stderr, "pumphil report: %s: %s\n", out, err);
		pb_sbuf_free(&b);
		return PB_EXIT_ERROR;
	}
	printf("pumphil: report %s (%zu calibrations, %zu HIL cases, %zu "
	    "bytes)\n", out, ncal, ncase, b.len);
	pb_sbuf_free(&b);
	return PB_EXIT_OK;
}

/* ---- list-rigs ------------------------------------------------------------ */

int pb_hil_list_reservations(const char *db_opt, FILE *out)
{
	struct pb_store *s = NULL;
	char err[1200];
	if (pb_hil_store_open(db_opt, true, &s, err, sizeof err) != 0) {
		/* no store yet is no reservation; anything else is news */
		if (strstr(err, "no such file")) {
			return PB_EXIT_OK;
		}
		fprintf(out, "rig reservations: cannot read them: %s\n", err);
		return PB_EXIT_ERROR;
	}
	if (pb_store_backend(s) != PB_STORE_PG) {
		pb_store_close(s);
		return PB_EXIT_OK;
	}
	struct pb_store_rig r[256];
	int n = pb_store_rig_list(s, r, 256);
	int rc = PB_EXIT_OK;
	fprintf(out, "rig reservations in %s:\n", pb_store_name(s));
	if (n < 0) {
		fprintf(out, "  (cannot read them: %s)\n", pb_store_error(s));
		rc = PB_EXIT_ERROR;
	} else if (n == 0) {
		fprintf(out, "  none\n");
	}
	for (int i = 0; i < n && i < 256; i++) {
		char rig[400], who[600], since[40];
		pb_text_escape_str(rig, sizeof rig, r[i].rig);
		if (!r[i].held) {
			fprintf(out, "  %-24s free\n", rig);
			continue;
		}
		pb_text_escape_str(who, sizeof who, r[i].holder[0] ?
		    r[i].holder : r[i].client);
		pb_isotime(r[i].since_ms, PB_ISO_UTC, since, sizeof since);
		fprintf(out, "  %-24s HELD by %s (server pid %lld) since %s\n",
		    rig, who, (long long)r[i].backend_pid,
		    r[i].since_ms ? since : "?");
	}
	pb_store_close(s);
	return rc;
}
