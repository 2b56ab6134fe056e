/*
 * tui/recorder.h - crash-safe CSV recording of a session.
 *
 * Promise: the file edge of the dashboard's recording.  Rows are
 * formatted into a memory buffer; pb_rec_service() write()s the buffer's
 * whole rows at least every 250 ms (and whenever 64 KiB are pending) and
 * fdatasync()s at most once a second, so a killed process leaves a file
 * that reads back with at most the last second missing and no torn row
 * except possibly the last line (which the reader ignores with a
 * warning).  No stdio buffering.  Time is passed in (now_us, monotonic).
 * A write error keeps the rows buffered (up to 8 MiB, then rows are
 * dropped and counted), is reported, and the write is retried every
 * 250 ms (not on every row); nothing is lost silently.
 *
 * File format "pumpbench recording v1" (docs/dashboard.md):
 *
 *   # pumpbench recording v1
 *   # serial: PB-0001
 *   # firmware: 1.4.2
 *   # profile: s10pro
 *   # calibration: 17
 *   # start: 2026-11-28T17:55:02.123Z
 *   # units: mmHg
 *   # sample_rate_hz: 1000
 *   # channels: 2
 *   kind,device_ms,index,ch1_mmHg,ch2_mmHg,info
 *   P,1000,0,,,run=1 mode=2 level=5 phase=1 mask=3 target_dmmHg=1400
 *   S,1000,0,12.3,11.9,
 *   S,1001,1,13.0,12.4,
 *   G,1002,2,,,lost=25 reason=lost
 *   M,1027,27,,,n=1 text=seal check
 *   E,1030,30,,,event=alarm_raised kind=1 code=2 channel=0 value=0 text=leak
 *   # end: samples=2 lost=25 rows=6
 *
 * kind: S sample, P device state (written before the first sample and
 * whenever mode, level, phase, run state, channel mask or target change),
 * G gap (lost samples: `lost` samples per channel from `index`; reason
 * lost or link_down), M marker, E device event.  device_ms is the device
 * time (u32 ms) of the sample (batch time + i * 1000 / rate); index is the
 * device sample index extended to 64 bits.  Channel values are in the
 * unit of the header with enough decimals to be exact (mmHg 1, kPa 4,
 * cmH2O 2 decimals: converting back with pb_dmmhg_from gives the dmmHg
 * received); an absent channel is an empty field.  info is space
 * separated key=value pairs; `text=` is last and free (commas, quotes
 * and control characters are replaced by spaces).  The "# end:" trailer
 * is written by pb_rec_close() only, so its absence means the recorder
 * did not close cleanly.
 */
#ifndef PB_TUI_RECORDER_H
#define PB_TUI_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"
#include "pump/units.h"

#define PB_REC_MAGIC        "# pumpbench recording v1"
#define PB_REC_MAX_CH       2
#define PB_REC_FLUSH_US     250000u   /* write() at least this often */
#define PB_REC_SYNC_US      1000000u  /* fdatasync() at most this often */
#define PB_REC_FLUSH_BYTES  65536u    /* write() when this much is pending */
#define PB_REC_MAX_PENDING  (8u << 20)/* keep at most this much unwritten */
#define PB_REC_TEXT_LEN     128

enum pb_rec_err {
	PB_REC_OK = 0,
	PB_REC_E_OPEN = -1,     /* cannot create the file (errno kept) */
	PB_REC_E_IO = -2,       /* write or sync failed (errno kept) */
	PB_REC_E_ARG = -3,
	PB_REC_E_NOMEM = -4,
	PB_REC_E_DROPPED = -5,  /* rows dropped: buffer limit after errors */
	PB_REC_E_EXISTS = -6    /* pb_rec_open_new: the file exists */
};

/* Row kinds (first column). */
enum pb_rec_kind {
	PB_REC_SAMPLE = 'S',
	PB_REC_STATE  = 'P',
	PB_REC_GAP    = 'G',
	PB_REC_MARKER = 'M',
	PB_REC_EVENT  = 'E'
};

/* Metadata for the header; also what pb_replay reads back. */
struct pb_rec_meta {
	char     serial[32];
	char     firmware[32];
	char     profile[32];
	uint32_t cal_id;
	int64_t  start_unix_ms;   /* wall clock of the start (edge supplies) */
	char     start_iso[40];   /* filled by the recorder / read by replay */
	enum pb_unit unit;
	unsigned sample_rate_hz;
	int      channels;        /* 1..2 */
};

/* Device state carried by P rows. */
struct pb_rec_state {
	uint8_t run_state, mode, level, phase, channel_mask;
	int16_t target;           /* dmmHg */
};

struct pb_rec_counts {
	uint64_t samples;         /* S rows */
	uint64_t lost;            /* samples per channel in G rows */
	uint64_t rows;            /* all rows */
	uint64_t markers, events, states, gaps;
	uint64_t bytes_written;
	uint64_t writes, syncs;
	uint64_t dropped_rows;    /* after the pending limit */
};

struct pb_recorder;

/* Without creating or changing anything: could path take a recording?
 * A regular file or a character device we may write, or a new file in a
 * directory we may write; anything else is refused with the reason,
 * "path: cannot record: No such file or directory". */
int pb_rec_check_path(const char *path, char *err, size_t errlen);
/* Create (truncate) path and write the header.  The open never blocks
 * (a FIFO is refused); a regular file or a character device is taken.
 * On error *out is NULL, the status < 0 and err holds "path: message"
 * with the cause ("No space left on device" for /dev/full). */
int pb_rec_open(struct pb_recorder **out, const char *path,
    const struct pb_rec_meta *meta, uint64_t now_us, char *err,
    size_t errlen);
/* The same for a file that must not exist yet (O_EXCL, no symlink
 * followed): PB_REC_E_EXISTS when it does.  Never overwrites. */
int pb_rec_open_new(struct pb_recorder **out, const char *path,
    const struct pb_rec_meta *meta, uint64_t now_us, char *err,
    size_t errlen);
/* The k-th recording's name from path (pure): k <= 1 is path itself,
 * else "-k" before the extension: run.csv -> run-2.csv.  0 or -1 (does
 * not fit in n). */
int pb_rec_numbered_name(char *out, size_t n, const char *path, unsigned k);
/* Same on an open fd (owned afterwards; tests use pipes/temp files). */
int pb_rec_open_fd(struct pb_recorder **out, int fd, const char *name,
    const struct pb_rec_meta *meta, uint64_t now_us, char *err,
    size_t errlen);

/* A telemetry batch with its 64-bit first index and the samples lost just
 * before it (as the client reports): G row, P row if the state changed,
 * then one S row per sample. */
int pb_rec_telemetry(struct pb_recorder *r, uint64_t first_index,
    const struct pb_telemetry *t, uint32_t lost, uint64_t now_us);
/* Lower-level rows. v has meta.channels entries; present NULL = all. */
int pb_rec_sample(struct pb_recorder *r, uint32_t device_ms,
    uint64_t index, const int16_t *v, const bool *present, uint64_t now_us);
int pb_rec_state(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    const struct pb_rec_state *st, uint64_t now_us);
/* reason: "lost" or "link_down" (anything else is written as given,
 * sanitised). */
int pb_rec_gap(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    uint64_t lost, const char *reason, uint64_t now_us);
/* Marker n (1, 2, ...) with optional text (may be NULL). */
int pb_rec_marker(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    unsigned n, const char *text, uint64_t now_us);
int pb_rec_event(struct pb_recorder *r, uint32_t device_ms, uint64_t index,
    const struct pb_event *e, uint64_t now_us);

/* Write/sync as due.  Call at least every 250 ms (the main loop's tick). */
int pb_rec_service(struct pb_recorder *r, uint64_t now_us);
/* When the next service is due (for poll timeouts). */
uint64_t pb_rec_next_deadline(const struct pb_recorder *r);
/* Write everything and fdatasync now. */
int pb_rec_flush(struct pb_recorder *r, uint64_t now_us);
/* Flush, write the "# end:" trailer, sync, close, free.  r may be NULL.
 * < 0 when the file is not whole (rows left unwritten or dropped, or the
 * close failed). */
int pb_rec_close(struct pb_recorder *r, uint64_t now_us);
/* pb_rec_close() that also says why in err ("" when all was written). */
int pb_rec_finish(struct pb_recorder *r, uint64_t now_us, char *err,
    size_t errlen);
/* Free without flushing or closing cleanly (tests: simulate a kill; the
 * fd is closed, pending rows are lost as they would be). */
void pb_rec_abandon(struct pb_recorder *r);

const struct pb_rec_counts *pb_rec_counts(const struct pb_recorder *r);
const char *pb_rec_path(const struct pb_recorder *r);
/* Last error as "path: message" ("" when none). */
const char *pb_rec_error(const struct pb_recorder *r);
const char *pb_rec_strerror(int err);

/* Formatting helpers shared with replay (pure). */
/* Decimals written for a unit (mmHg 1, kPa 4, cmH2O 2). */
int pb_rec_unit_decimals(enum pb_unit u);

#endif
