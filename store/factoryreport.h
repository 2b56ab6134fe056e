/*
 * store/factoryreport.h - `pumphil report`: the factory's records as one
 * self-contained HTML page.
 *
 * Promise: pure: from the data of store/query.h to HTML in a bounded
 * buffer (PB_FREPORT_LIMIT; a report that would be larger is cut at an
 * element boundary and closed, and says so).  No script, no style sheet
 * or image from outside: inline CSS and inline SVG (store/svg.h), so the
 * file can be mailed or attached to a quality record as it is.  Every
 * text from the records is HTML-escaped and valid UTF-8.  Sections:
 *
 *  - first-pass yield per station and per UTC day (store/stats.h);
 *  - the distribution of calibration residuals against the acceptance;
 *  - pre-calibration offsets (as found at 0 mmHg) over time, per station:
 *    the process drifting;
 *  - Cpk of the verify error per station against +/- tolerance;
 *  - HIL pass rate per scenario over runs, the latest runs as marks,
 *    flaky scenarios (passed and failed on one build) flagged;
 *  - the latest result per requirement, when the HIL records carry
 *    requirement IDs.
 */
#ifndef PB_STORE_FACTORYREPORT_H
#define PB_STORE_FACTORYREPORT_H

#include <stdint.h>

#include "store/query.h"
#include "store/sbuf.h"

#define PB_FREPORT_LIMIT (16u << 20)   /* bytes of HTML at most */

struct pb_freport_opts {
	double      tolerance_mmhg;   /* Cpk limits +/-, 0: 3 mmHg */
	int64_t     made_ms;          /* when the report was made */
	const char *tool_version;
	const char *title;            /* NULL: "pumpbench factory report" */
};

/* Write the page into out (initialised by the caller with a limit, e.g.
 * PB_FREPORT_LIMIT).  Returns 0, or -1 when out of memory. */
int pb_freport_html(const struct pb_report_data *d,
    const struct pb_freport_opts *o, struct pb_sbuf *out);

#endif
