/*
 * test_recorder: recordings read back exactly (samples, losses, markers,
 * events, state); a recorder "killed" without closing leaves a readable
 * file missing at most the last second; flush and sync cadence in virtual
 * time; exact unit round trips; write errors are reported.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/check_main.h"
#include "tui/recorder.h"
#include "tui/replay.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof dir, "/tmp/pb-rec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tmp(const char *path)
{
	unlink(path);
	rmdir(dir);
}

static struct pb_rec_meta meta2(enum pb_unit u)
{
	struct pb_rec_meta m;
	memset(&m, 0, sizeof m);
	strcpy(m.serial, "PB-0001");
	strcpy(m.firmware, "1.4.2");
	strcpy(m.profile, "s10pro");
	m.cal_id = 17;
	m.start_unix_ms = 1795888502123LL;   /* 2026-11-28T17:55:02.123Z */
	m.unit = u;
	m.sample_rate_hz = 1000;
	m.channels = 2;
	return m;
}

static int16_t wave(uint64_t i, int ch)
{
	return (int16_t)((int)((i * 37 + (uint64_t)ch * 11) % 3001) - 200);
}

/* 5 s of telemetry in 50-sample batches; batches 20..21 lost (100). */
START_TEST(round_trip_counts_and_values)
{
	mkdir_tmp();
	char path[128];
	snprintf(path, sizeof path, "%s/rec.csv", dir);
	struct pb_recorder *r;
	char err[256];
	struct pb_rec_meta m = meta2(PB_UNIT_MMHG);
	ck_assert_int_eq(pb_rec_open(&r, path, &m, 0, err, sizeof err), 0);
	struct pb_telemetry t;
	memset(&t, 0, sizeof t);
	t.channels = 2;
	t.n = 50;
	t.run_state = PB_RS_RUNNING;
	t.mode = PB_MODE_EXPRESSION;
	t.level = 3;
	t.channel_mask = 3;
	t.target = 1000;
	uint64_t sent = 0, lost_total = 0;
	uint32_t lost = 0;
	for (uint32_t b = 0; b < 100; b++) {
		uint64_t first = (uint64_t)b * 50;
		if (b == 20 || b == 21) {
			lost += 50;
			continue;
		}
		t.first_sample = (uint32_t)first;
		t.device_ms = 5000 + (uint32_t)first;
		t.phase = (b % 10) < 3 ? PB_PH_PULL : PB_PH_REST;
		for (int i = 0; i < 50; i++)
			for (int c = 0; c < 2; c++)
				t.samples[c][i] = wave(first + (uint64_t)i, c);
		uint64_t now = first * 1000;   /* real time, 1 sample/ms */
		ck_assert_int_eq(pb_rec_telemetry(r, first, &t, lost, now), 0);
		lost_total += lost;
		lost = 0;
		sent += 50;
		if (b == 50)
			ck_assert_int_eq(pb_rec_marker(r, t.device_ms, first, 1,
			    "seal, \"check\"\n", now), 0);
		if (b == 60) {
			struct pb_event e = { t.device_ms, PB_EV_ALARM_RAISED,
				2, 0, 7 };
			ck_assert_int_eq(pb_rec_event(r, t.device_ms, first, &e,
			    now), 0);
		}
	}
	ck_assert_int_eq(pb_rec_gap(r, 99999, 5000, 2000, "link_down",
	    5000000), 0);
	lost_total += 2000;
	const struct pb_rec_counts *k = pb_rec_counts(r);
	ck_assert_uint_eq(k->samples, sent);
	ck_assert_uint_eq(k->lost, lost_total);
	/* written along the way, synced no more than once a second */
	ck_assert_uint_gt(k->bytes_written, 0);
	ck_assert_uint_le(k->syncs, 5 + 1);
	ck_assert_int_eq(pb_rec_close(r, 5100000), 0);

	struct pb_replay *rp;
	ck_assert_int_eq(pb_replay_open(&rp, path, err, sizeof err), 0);
	const struct pb_rec_meta *rm = pb_replay_meta(rp);
	ck_assert_str_eq(rm->serial, "PB-0001");
	ck_assert_str_eq(rm->firmware, "1.4.2");
	ck_assert_str_eq(rm->profile, "s10pro");
	ck_assert_uint_eq(rm->cal_id, 17);
	ck_assert_str_eq(rm->start_iso, "2026-11-28T17:55:02.123Z");
	ck_assert_int_eq(rm->unit, PB_UNIT_MMHG);
	ck_assert_uint_eq(rm->sample_rate_hz, 1000);
	ck_assert_int_eq(rm->channels, 2);
	struct pb_replay_row row;
	int rc;
	uint64_t samples = 0, lost_rd = 0, states = 0;
	bool marker = false, event = false, link_down = false;
	uint8_t phase = 255;
	while ((rc = pb_replay_next(rp, &row)) == PB_RP_ROW) {
		switch (row.kind) {
		case 'S':
			ck_assert(row.present[0] && row.present[1]);
			ck_assert_int_eq(row.v[0], wave(row.index, 0));
			ck_assert_int_eq(row.v[1], wave(row.index, 1));
			ck_assert_uint_eq(row.device_ms, 5000 + row.index);
			ck_assert_uint_eq(phase, (row.index / 50 % 10) < 3 ?
			    PB_PH_PULL : PB_PH_REST);
			samples++;
			break;
		case 'G':
			lost_rd += row.lost;
			if (row.link_down)
				link_down = true;
			else
				ck_assert_uint_eq(row.index, 1000);
			break;
		case 'P':
			phase = row.state.phase;
			ck_assert_uint_eq(row.state.mode, PB_MODE_EXPRESSION);
			ck_assert_int_eq(row.state.target, 1000);
			states++;
			break;
		case 'M':
			marker = true;
			ck_assert_uint_eq(row.marker, 1);
			ck_assert_str_eq(row.text, "seal   check  ");
			break;
		case 'E':
			event = true;
			ck_assert_uint_eq(row.event.kind, PB_EV_ALARM_RAISED);
			ck_assert_uint_eq(row.event.code, 2);
			ck_assert_int_eq(row.event.value, 7);
			break;
		default:
			ck_abort_msg("unexpected kind %c", row.kind);
		}
	}
	ck_assert_msg(rc == PB_RP_EOF, "%s", pb_replay_error(rp));
	ck_assert_uint_eq(samples, sent);
	ck_assert_uint_eq(lost_rd, lost_total);
	ck_assert_uint_eq(states, 20);
	ck_assert(marker && event && link_down);
	const struct pb_replay_trailer *tr = pb_replay_trailer(rp);
	ck_assert(tr->present);
	ck_assert_uint_eq(tr->samples, sent);
	ck_assert_uint_eq(tr->lost, lost_total);
	ck_assert_uint_eq(pb_replay_counts(rp)->bad_lines, 0);
	pb_replay_close(rp);
	rm_tmp(path);
}
END_TEST

/* A recorder that is never closed (the process was killed). */
START_TEST(killed_recorder_loses_at_most_a_second)
{
	mkdir_tmp();
	char path[128];
	snprintf(path, sizeof path, "%s/kill.csv", dir);
	struct pb_recorder *r;
	char err[256];
	struct pb_rec_meta m = meta2(PB_UNIT_KPA);
	m.channels = 1;
	ck_assert_int_eq(pb_rec_open(&r, path, &m, 1000000, err, sizeof err),
	    0);
	/* 7.3 s of samples, one per ms of virtual time; kill at the end */
	const uint64_t n = 7300;
	for (uint64_t i = 0; i < n; i++) {
		int16_t v = wave(i, 0);
		ck_assert_int_eq(pb_rec_sample(r, (uint32_t)i, i, &v, NULL,
		    1000000 + i * 1000), 0);
	}
	uint64_t written = pb_rec_counts(r)->bytes_written;
	ck_assert_uint_gt(written, 0);
	pb_rec_abandon(r);

	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq((uint64_t)sb.st_size, written);
	struct pb_replay *rp;
	ck_assert_int_eq(pb_replay_open(&rp, path, err, sizeof err), 0);
	struct pb_replay_row row;
	uint64_t got = 0;
	int rc;
	while ((rc = pb_replay_next(rp, &row)) == PB_RP_ROW) {
		ck_assert_int_eq(row.kind, 'S');
		ck_assert_uint_eq(row.index, got);
		ck_assert_int_eq(row.v[0], wave(got, 0));
		ck_assert(!row.present[1]);
		got++;
	}
	ck_assert_int_eq(rc, PB_RP_EOF);   /* whole rows only */
	ck_assert(!pb_replay_trailer(rp)->present);
	/* writes happen every 250 ms: at most that much is missing */
	ck_assert_uint_ge(got, n - 1000);
	ck_assert_uint_ge(got, n - 251);
	ck_assert_uint_lt(got, n);
	pb_replay_close(rp);

	/* a kill inside write(): the last row is torn */
	ck_assert_int_eq(truncate(path, sb.st_size - 3), 0);
	ck_assert_int_eq(pb_replay_open(&rp, path, err, sizeof err), 0);
	uint64_t got2 = 0;
	while ((rc = pb_replay_next(rp, &row)) == PB_RP_ROW)
		got2++;
	ck_assert_int_eq(rc, PB_RP_TRUNCATED);
	ck_assert_uint_eq(got2, got - 1);
	char want[160];
	snprintf(want, sizeof want, "%s:%llu: last line has no newline",
	    path, (unsigned long long)(11 + got));   /* rows from line 11 */
	ck_assert_msg(strstr(pb_replay_error(rp), want), "%s",
	    pb_replay_error(rp));
	ck_assert_int_eq(pb_replay_next(rp, &row), PB_RP_EOF);
	pb_replay_close(rp);
	rm_tmp(path);
}
END_TEST

START_TEST(flush_and_sync_cadence)
{
	mkdir_tmp();
	char path[128];
	snprintf(path, sizeof path, "%s/cad.csv", dir);
	struct pb_recorder *r;
	char err[256];
	struct pb_rec_meta m = meta2(PB_UNIT_MMHG);
	ck_assert_int_eq(pb_rec_open(&r, path, &m, 0, err, sizeof err), 0);
	const struct pb_rec_counts *k = pb_rec_counts(r);
	uint64_t hdr = k->bytes_written;
	int16_t v[2] = { 1, 2 };
	ck_assert_int_eq(pb_rec_sample(r, 0, 0, v, NULL, 100000), 0);
	ck_assert_uint_eq(k->bytes_written, hdr);        /* buffered */
	ck_assert_uint_eq(pb_rec_next_deadline(r), 250000);
	ck_assert_int_eq(pb_rec_service(r, 249999), 0);
	ck_assert_uint_eq(k->bytes_written, hdr);
	ck_assert_int_eq(pb_rec_service(r, 250000), 0);
	ck_assert_uint_gt(k->bytes_written, hdr);        /* written */
	uint64_t syncs = k->syncs;
	/* 10 s of rows every 10 ms: writes >= every 250 ms, syncs <= 1/s */
	for (uint64_t t = 260000; t < 10260000; t += 10000) {
		ck_assert_int_eq(pb_rec_sample(r, 0, t, v, NULL, t), 0);
		ck_assert_int_eq(pb_rec_service(r, t), 0);
	}
	ck_assert_uint_le(k->syncs - syncs, 11);
	ck_assert_uint_ge(k->syncs - syncs, 9);
	ck_assert_uint_ge(k->writes, 40);
	ck_assert_int_eq(pb_rec_close(r, 10300000), 0);
	rm_tmp(path);
}
END_TEST

static void unit_round_trip(enum pb_unit u)
{
	mkdir_tmp();
	char path[128];
	snprintf(path, sizeof path, "%s/u.csv", dir);
	struct pb_recorder *r;
	char err[256];
	struct pb_rec_meta m = meta2(u);
	ck_assert_int_eq(pb_rec_open(&r, path, &m, 0, err, sizeof err), 0);
	for (int x = -32768; x <= 32767; x += 1) {
		int16_t v[2] = { (int16_t)x, (int16_t)-x };
		ck_assert_int_eq(pb_rec_sample(r, 0, (uint64_t)(x + 32768), v,
		    NULL, 0), 0);
	}
	ck_assert_int_eq(pb_rec_close(r, 0), 0);
	struct pb_replay *rp;
	ck_assert_int_eq(pb_replay_open(&rp, path, err, sizeof err), 0);
	ck_assert_int_eq(pb_replay_meta(rp)->unit, u);
	struct pb_replay_row row;
	int x = -32768;
	while (pb_replay_next(rp, &row) == PB_RP_ROW) {
		ck_assert_int_eq(row.v[0], x);
		ck_assert_int_eq(row.v[1], (int16_t)-x);
		x++;
	}
	ck_assert_int_eq(x, 32768);
	pb_replay_close(rp);
	rm_tmp(path);
}

START_TEST(units_round_trip_exactly)
{
	unit_round_trip(PB_UNIT_MMHG);
	unit_round_trip(PB_UNIT_KPA);
	unit_round_trip(PB_UNIT_CMH2O);
}
END_TEST

START_TEST(errors_are_reported)
{
	struct pb_recorder *r;
	char err[256];
	struct pb_rec_meta m = meta2(PB_UNIT_MMHG);
	ck_assert_int_eq(pb_rec_open(&r, "/nonexistent-dir/x.csv", &m, 0,
	    err, sizeof err), PB_REC_E_OPEN);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(err, "/nonexistent-dir/x.csv: "), "%s", err);
	/* a full disk: the header write fails and says so */
	int fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		ck_assert_int_eq(pb_rec_open_fd(&r, fd, "/dev/full", &m, 0,
		    err, sizeof err), PB_REC_E_IO);
		ck_assert_msg(strstr(err, "/dev/full: write"), "%s", err);
	}
	ck_assert_str_eq(pb_rec_strerror(PB_REC_E_DROPPED),
	    "recording rows dropped");
}
END_TEST

/* Writes that fail or stop half way keep the rest buffered: once the
 * file takes data again every row arrives, whole and in order. */
START_TEST(short_and_failed_writes_lose_nothing)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	struct pb_recorder *r;
	char err[256];
	struct pb_rec_meta m = meta2(PB_UNIT_CMH2O);
	ck_assert_int_eq(pb_rec_open_fd(&r, p[1], "pipe", &m, 0, err,
	    sizeof err), 0);
	/* more rows than the pipe holds, no reader: EAGAIN, kept */
	const uint64_t n = 8000;
	bool failed = false;
	for (uint64_t i = 0; i < n; i++) {
		int16_t v[2] = { wave(i, 0), wave(i, 1) };
		int rc = pb_rec_sample(r, (uint32_t)i, i, v, NULL, i * 1000);
		if (rc == PB_REC_E_IO)
			failed = true;
	}
	ck_assert(failed);
	ck_assert_msg(strstr(pb_rec_error(r), "pipe: write: "), "%s",
	    pb_rec_error(r));
	/* drain the pipe while flushing until everything is through */
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	for (int round = 0; round < 1000; round++) {
		ssize_t k;
		while ((k = read(p[0], buf + len, cap - len)) > 0)
			len += (size_t)k;
		if (pb_rec_flush(r, n * 1000 + (uint64_t)round) == PB_REC_OK)
			break;
	}
	ck_assert_int_eq(pb_rec_close(r, n * 1000 + 5000), 0);
	ssize_t k;
	while ((k = read(p[0], buf + len, cap - len)) > 0)
		len += (size_t)k;
	close(p[0]);
	struct pb_replay *rp;
	ck_assert_int_eq(pb_replay_open_mem(&rp, buf, len, "pipe", err,
	    sizeof err), 0);
	struct pb_replay_row row;
	uint64_t got = 0;
	int rc;
	while ((rc = pb_replay_next(rp, &row)) == PB_RP_ROW) {
		ck_assert_uint_eq(row.index, got);
		ck_assert_int_eq(row.v[0], wave(got, 0));
		ck_assert_int_eq(row.v[1], wave(got, 1));
		got++;
	}
	ck_assert_int_eq(rc, PB_RP_EOF);
	ck_assert_uint_eq(got, n);
	ck_assert(pb_replay_trailer(rp)->present);
	ck_assert_uint_eq(pb_replay_counts(rp)->bad_lines, 0);
	pb_replay_close(rp);
	free(buf);
}
END_TEST

/* A file that never takes data again: rows stay buffered up to the
 * limit, then are dropped and counted, never silently. */
START_TEST(pending_limit_drops_and_counts)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	struct pb_recorder *r;
	char err[256];
	struct pb_rec_meta m = meta2(PB_UNIT_MMHG);
	ck_assert_int_eq(pb_rec_open_fd(&r, p[1], "stuck", &m, 0, err,
	    sizeof err), 0);
	int16_t v[2] = { 1234, -1234 };
	uint64_t i = 0;
	int rc = 0;
	while (rc != PB_REC_E_DROPPED && i < 2000000) {
		rc = pb_rec_sample(r, (uint32_t)i, i, v, NULL, i * 1000);
		i++;
	}
	ck_assert_int_eq(rc, PB_REC_E_DROPPED);
	const struct pb_rec_counts *k = pb_rec_counts(r);
	ck_assert_uint_eq(k->dropped_rows, 1);
	/* what was kept or written is bounded by the pipe + the limit */
	ck_assert_uint_le(k->rows - k->dropped_rows, i);
	ck_assert_msg(strstr(pb_rec_error(r), "stuck: rows dropped"), "%s",
	    pb_rec_error(r));
	ck_assert_int_lt(pb_rec_close(r, i * 1000), 0);   /* reported */
	close(p[0]);
}
END_TEST

/* issue 9.11: the path is checked before the pump answers, with the real
 * reason; a FIFO never blocks the open; later recordings never
 * overwrite; a recording that is not whole says why when it closes. */
START_TEST(paths_checked_with_the_real_reason)
{
	mkdir_tmp();
	char err[320], path[128];
	ck_assert_int_eq(pb_rec_check_path("/nonexistent-dir/x.csv", err,
	    sizeof err), PB_REC_E_OPEN);
	ck_assert_str_eq(err, "/nonexistent-dir/x.csv: cannot record: No such "
	    "file or directory");
	ck_assert_int_eq(pb_rec_check_path(dir, err, sizeof err),
	    PB_REC_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file (a directory)"));
	snprintf(path, sizeof path, "%s/new.csv", dir);
	ck_assert_int_eq(pb_rec_check_path(path, err, sizeof err), PB_REC_OK);
	ck_assert_int_eq(access(path, F_OK), -1);   /* nothing created */
	ck_assert_int_eq(pb_rec_check_path("/dev/full", err, sizeof err),
	    PB_REC_OK);
	/* a file under a regular file */
	snprintf(path, sizeof path, "%s/f", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	char sub[160];
	snprintf(sub, sizeof sub, "%s/x.csv", path);
	ck_assert_int_eq(pb_rec_check_path(sub, err, sizeof err),
	    PB_REC_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
	unlink(path);

	/* a FIFO: refused by the check and by the open, never blocking */
	snprintf(path, sizeof path, "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pb_rec_check_path(path, err, sizeof err),
	    PB_REC_E_OPEN);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file (a FIFO)"));
	struct pb_recorder *r;
	struct pb_rec_meta m = meta2(PB_UNIT_MMHG);
	alarm(3);
	int rc = pb_rec_open(&r, path, &m, 0, err, sizeof err);
	alarm(0);
	ck_assert_int_eq(rc, PB_REC_E_OPEN);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(err, "not a regular file (a FIFO)"), "%s", err);
	unlink(path);

	/* /dev/full through the path: "No space left on device" */
	if (access("/dev/full", W_OK) == 0) {
		ck_assert_int_eq(pb_rec_open(&r, "/dev/full", &m, 0, err,
		    sizeof err), PB_REC_E_IO);
		ck_assert_str_eq(err, "/dev/full: write: No space left on "
		    "device");
	}
	rmdir(dir);
}
END_TEST

START_TEST(new_recordings_never_overwrite)
{
	char name[64];
	ck_assert_int_eq(pb_rec_numbered_name(name, sizeof name, "run.csv", 1),
	    0);
	ck_assert_str_eq(name, "run.csv");
	ck_assert_int_eq(pb_rec_numbered_name(name, sizeof name, "run.csv", 2),
	    0);
	ck_assert_str_eq(name, "run-2.csv");
	pb_rec_numbered_name(name, sizeof name, "d.x/run", 3);
	ck_assert_str_eq(name, "d.x/run-3");
	pb_rec_numbered_name(name, sizeof name, ".hidden", 2);
	ck_assert_str_eq(name, ".hidden-2");
	ck_assert_int_eq(pb_rec_numbered_name(name, 8, "long-name.csv", 12),
	    -1);

	mkdir_tmp();
	char path[128];
	snprintf(path, sizeof path, "%s/keep.csv", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "precious\n", 9), 9);
	close(fd);
	struct pb_recorder *r;
	char err[320];
	struct pb_rec_meta m = meta2(PB_UNIT_MMHG);
	ck_assert_int_eq(pb_rec_open_new(&r, path, &m, 0, err, sizeof err),
	    PB_REC_E_EXISTS);
	ck_assert_ptr_null(r);
	char buf[32] = "";
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof buf - 1), 9);
	close(fd);
	ck_assert_str_eq(buf, "precious\n");
	/* a symlink planted under the name is not followed either */
	char link[128];
	snprintf(link, sizeof link, "%s/link.csv", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(pb_rec_open_new(&r, link, &m, 0, err, sizeof err),
	    PB_REC_E_EXISTS);
	unlink(link);
	char fresh[128];
	snprintf(fresh, sizeof fresh, "%s/fresh.csv", dir);
	ck_assert_int_eq(pb_rec_open_new(&r, fresh, &m, 0, err, sizeof err),
	    PB_REC_OK);
	ck_assert_int_eq(pb_rec_finish(r, 1000, err, sizeof err), PB_REC_OK);
	ck_assert_str_eq(err, "");
	unlink(fresh);
	rm_tmp(path);
}
END_TEST

START_TEST(finish_says_why_a_file_is_not_whole)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct pb_recorder *r;
	char err[320];
	struct pb_rec_meta m = meta2(PB_UNIT_MMHG);
	ck_assert_int_eq(pb_rec_open_fd(&r, p[1], "pipe.csv", &m, 0, err,
	    sizeof err), PB_REC_OK);
	signal(SIGPIPE, SIG_IGN);   /* as the dashboard does */
	close(p[0]);   /* the reader is gone: every write fails */
	int16_t v[2] = { 1, 2 };
	pb_rec_sample(r, 0, 0, v, NULL, 300000);
	ck_assert_int_lt(pb_rec_finish(r, 600000, err, sizeof err), 0);
	ck_assert_msg(strstr(err, "pipe.csv: write: Broken pipe") != NULL &&
	    strstr(err, "bytes not written") != NULL, "%s", err);
}
END_TEST

static Suite *recorder_suite(void)
{
	Suite *s = suite_create("recorder");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, round_trip_counts_and_values);
	tcase_add_test(tc, killed_recorder_loses_at_most_a_second);
	tcase_add_test(tc, flush_and_sync_cadence);
	tcase_add_test(tc, units_round_trip_exactly);
	tcase_add_test(tc, errors_are_reported);
	tcase_add_test(tc, short_and_failed_writes_lose_nothing);
	tcase_add_test(tc, pending_limit_drops_and_counts);
	tcase_add_test(tc, paths_checked_with_the_real_reason);
	tcase_add_test(tc, new_recordings_never_overwrite);
	tcase_add_test(tc, finish_says_why_a_file_is_not_whole);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(recorder_suite)
