/*
 * fuzz_replay: the recording reader on arbitrary bytes.  Opening may fail;
 * reading must end (one line per call) without crashing, every error
 * must carry a "NAME:LINE: " prefix, and no text the reader hands on
 * (errors, header fields, marker and event text) may hold a control
 * byte: it all reaches a terminal.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_replay *rp = NULL;
	char err[512];
	if (pb_replay_open_mem(&rp, data, size, "fuzz", err, sizeof err) != 0) {
		if (strncmp(err, "fuzz:", 5) != 0)
			abort();
		no_controls(err);
		return 0;
	}
	const struct pb_rec_meta *m = pb_replay_meta(rp);
	no_controls(m->serial);
	no_controls(m->firmware);
	no_controls(m->profile);
	no_controls(m->start_iso);
	struct pb_replay_row row;
	size_t guard = 0;
	for (;;) {
		int rc = pb_replay_next(rp, &row);
		if (rc == PB_RP_EOF)
			break;
		if (rc != PB_RP_ROW &&
		    strncmp(pb_replay_error(rp), "fuzz:", 5) != 0)
			abort();
		no_controls(pb_replay_error(rp));
		if (rc == PB_RP_ROW)
			no_controls(row.text);
		if (rc == PB_RP_ROW && row.kind == 'S' &&
		    pb_replay_meta(rp)->channels == 1 && row.present[1])
			abort();
		if (++guard > size + 2)
			abort();    /* each call must consume a line */
	}
	pb_replay_close(rp);
	return 0;
}
