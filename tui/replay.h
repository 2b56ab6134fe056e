/*
 * tui/replay.h - read a pumpbench recording back, streaming.
 *
 * Promise: reads the format tui/recorder.h writes, one row at a time,
 * with bounded memory (a line longer than 4 KiB is an error), from a file
 * or from memory (the fuzzer).  Never crashes on any input.  Every
 * malformed line gives a "FILE:LINE: message" error and is skipped:
 * pb_replay_next() returns PB_RP_E_LINE for it and the next call goes on
 * with the following line.  A last line without a newline (the recorder
 * was killed mid-write) is ignored with the warning PB_RP_TRUNCATED, then
 * PB_RP_EOF.  A file that does not start with the "# pumpbench recording
 * v1" magic, or whose header is unusable, fails pb_replay_open*().
 *
 * Header lines "# key: value" before the column line fill struct
 * pb_rec_meta (unknown keys are ignored, for forward compatibility);
 * channel values are converted back from the header's unit to dmmHg.  A
 * "# end: samples=N lost=M rows=R" trailer sets pb_replay_trailer().
 */
#ifndef PB_TUI_REPLAY_H
#define PB_TUI_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tui/recorder.h"

#define PB_RP_LINE_MAX 4096

enum pb_replay_status {
	PB_RP_ROW = 1,          /* *row filled */
	PB_RP_EOF = 0,          /* end of input */
	PB_RP_E_LINE = -1,      /* malformed line skipped (message) */
	PB_RP_TRUNCATED = -2,   /* last line had no newline: ignored */
	PB_RP_E_OPEN = -3,      /* cannot open/read the file */
	PB_RP_E_HEADER = -4,    /* not a recording / bad header */
	PB_RP_E_NOMEM = -5,
	PB_RP_E_IO = -6         /* read error */
};

struct pb_replay_row {
	char     kind;            /* enum pb_rec_kind */
	unsigned line;            /* line number in the file */
	uint32_t device_ms;
	uint64_t index;
	/* S */
	int16_t  v[PB_REC_MAX_CH];      /* dmmHg */
	bool     present[PB_REC_MAX_CH];
	/* P */
	struct pb_rec_state state;
	/* G */
	uint64_t lost;
	bool     link_down;       /* reason=link_down */
	/* M */
	unsigned marker;
	/* E */
	struct pb_event event;
	/* M, E: free text (marker text, event name) */
	char     text[PB_REC_TEXT_LEN];
};

struct pb_replay_trailer {
	bool     present;
	uint64_t samples, lost, rows;
};

struct pb_replay_counts {
	uint64_t rows, samples, lost, markers, events, states, gaps;
	uint64_t bad_lines;
	bool     truncated;
};

struct pb_replay;

/* Open a file; on error returns < 0 and "FILE:LINE: message" in err. */
int pb_replay_open(struct pb_replay **out, const char *path, char *err,
    size_t errlen);
/* Read from memory (not copied: must outlive the reader). name is used
 * in messages. */
int pb_replay_open_mem(struct pb_replay **out, const void *buf, size_t len,
    const char *name, char *err, size_t errlen);
void pb_replay_close(struct pb_replay *rp);

const struct pb_rec_meta *pb_replay_meta(const struct pb_replay *rp);
/* Next row: PB_RP_ROW, PB_RP_EOF, or a status with pb_replay_error(). */
int pb_replay_next(struct pb_replay *rp, struct pb_replay_row *row);
/* Message of the last error/warning: "FILE:LINE: message". */
const char *pb_replay_error(const struct pb_replay *rp);
const struct pb_replay_counts *pb_replay_counts(const struct pb_replay *rp);
const struct pb_replay_trailer *pb_replay_trailer(const struct pb_replay *rp);
const char *pb_replay_strerror(int err);

#endif
