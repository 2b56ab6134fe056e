/*
 * tui/sessionrec.h - a dashboard recording as a session record for the
 * factory records store.
 *
 * Promise: reads a finished recording back with tui/replay.h (bounded
 * memory, any bytes) and sums it up as a struct pb_record_session
 * (store/record.h): the unit (serial, firmware, profile, calibration id
 * from the header), the UTC start and end, samples, lost samples, gaps,
 * markers, device events and alarms raised, per channel minimum, maximum
 * and mean vacuum, and whether the file ends with the recorder's trailer
 * (a recording cut by a crash says so).  Station, operator and host are
 * the caller's; the record id is fresh.  pb_sessionrec_add() is the pure
 * part, one row at a time.
 */
#ifndef PB_TUI_SESSIONREC_H
#define PB_TUI_SESSIONREC_H

#include <stddef.h>

#include "store/record.h"
#include "tui/replay.h"

struct pb_sessionrec_acc {
	struct pb_record_session *r;
	double   sum[PB_RECORD_MAX_CH];
	uint32_t first_ms, last_ms;
	bool     any;
};

void pb_sessionrec_begin(struct pb_sessionrec_acc *a,
    struct pb_record_session *r, const struct pb_rec_meta *m);
void pb_sessionrec_add(struct pb_sessionrec_acc *a,
    const struct pb_replay_row *row);
void pb_sessionrec_end(struct pb_sessionrec_acc *a, bool complete);

/* The whole file.  0, or -1 with "FILE:LINE: message" in err. */
int pb_sessionrec_read(const char *path, struct pb_record_session *out,
    char *err, size_t errlen);

#endif
