/*
 * tests for tui/calscreen.c: the calibration screen's controller against a
 * scripted two-channel device in virtual time, driven by key presses the
 * way an operator would (typing the reference gauge, i.e. the true
 * vacuum, at each prompt).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <json-c/json.h>

#include "proto/client.h"
#include "proto/station.h"
#include "tests/lib/check_main.h"
#include "store/stationcfg.h"
#include "store/store.h"
#include "tui/calscreen.h"

#define KEY_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define WALL    1795000000

struct fake {
	int    channels;
	double target, vac[PB_MAX_CH];
	struct pb_cal cal[PB_MAX_CH];
	bool   cal_valid[PB_MAX_CH];
	bool   unlocked;
	uint8_t nonce[PB_NONCE_LEN];
	uint8_t key[64];
	size_t key_len;
	int    writes, stops, info_reads;
	unsigned seed;
	uint32_t sample;
};

struct rig {
	struct fake f;
	struct pb_app app;
	struct pb_profile prof;
	struct pb_calscreen *cs;
	uint64_t now;
	bool have_cmd;
	struct pb_msg cmd;
	int  busy_left;       /* answer BUSY to this many sends */
	int  busy_seen;
	int  txn;
	char dir[64];
	char key_path[96];
	char prefix[96];
	/* the station (issue 13) */
	struct pb_store *store;      /* SQLite in dir */
	bool no_store;               /* the store "cannot be opened" */
	bool manual_station;         /* the test answers the questions */
	const char *scan;            /* what the scanner reads */
};

static double raw_of(int ch, double v)
{
	/* an uncalibrated sensor: offset, gain error and a slight bow */
	return 409.6 + 3686.4 * v / 375.0 * (ch ? 1.02 : 0.985) +
	    (ch ? 60.0 : -45.0) + 0.0012 * v * v;
}

static double apply(const struct pb_cal *c, double raw)
{
	return c->c[0] + raw * (c->c[1] + raw * c->c[2]);
}

static void answer(struct fake *f, const struct pb_msg *cmd, int *status,
    struct pb_response *r)
{
	memset(r, 0, sizeof *r);
	r->req_type = cmd->type;
	r->status = PB_ST_OK;
	switch (cmd->type) {
	case PB_T_READ_INFO:
		f->info_reads++;
		r->body_kind = PB_BODY_INFO;
		r->body.info.channels = (uint8_t)f->channels;
		r->body.info.max_target = 3000;
		r->body.info.cal_id = f->cal[0].cal_id;
		memcpy(r->body.info.serial, "SN-TEST-1", 10);
		memcpy(r->body.info.fw_version, "fw-1", 5);
		memcpy(r->body.info.profile, "test", 5);
		break;
	case PB_T_READ_CAL:
		if (cmd->u.channel >= f->channels ||
		    !f->cal_valid[cmd->u.channel]) {
			r->status = PB_ST_STORAGE;
			break;
		}
		r->body_kind = PB_BODY_CAL;
		r->body.cal = f->cal[cmd->u.channel];
		break;
	case PB_T_CAL_HOLD:
		ck_assert_int_le(cmd->u.hold.target, 3000);
		f->target = cmd->u.hold.target / 10.0;
		break;
	case PB_T_FACTORY_CHALLENGE:
		for (int i = 0; i < PB_NONCE_LEN; i++)
			f->nonce[i] = (uint8_t)(i * 31 + 7);
		r->body_kind = PB_BODY_NONCE;
		memcpy(r->body.nonce, f->nonce, PB_NONCE_LEN);
		break;
	case PB_T_FACTORY_UNLOCK:
		f->unlocked = pb_station_check(f->key, f->key_len, f->nonce,
		    cmd->u.mac);
		if (!f->unlocked)
			r->status = PB_ST_AUTH_FAILED;
		break;
	case PB_T_WRITE_CAL:
		if (!f->unlocked) {
			r->status = PB_ST_LOCKED;
			break;
		}
		f->writes++;
		f->cal[cmd->u.cal.channel] = cmd->u.cal;
		f->cal_valid[cmd->u.cal.channel] = true;
		break;
	case PB_T_WRITE_CAL_ALL:   /* the whole calibration, one commit */
		if (!f->unlocked) {
			r->status = PB_ST_LOCKED;
			break;
		}
		f->writes++;
		for (int ch = 0; ch < f->channels; ch++) {
			f->cal_valid[ch] = cmd->u.cal_set.mask & (1u << ch);
			f->cal[ch] = cmd->u.cal_set.cal[ch];
		}
		break;
	case PB_T_STOP:
		f->stops++;
		f->target = 0;
		f->unlocked = false;
		break;
	default:
		r->status = PB_ST_UNKNOWN_CMD;
	}
	/* as pb_client reports a device's non-OK status */
	*status = r->status == PB_ST_OK ? PB_CLIENT_OK : PB_CLIENT_E_STATUS;
}

static int io_send(void *ctx, const struct pb_msg *m, uint64_t now)
{
	(void)now;
	struct rig *r = ctx;
	if (r->busy_left > 0) {
		r->busy_left--;
		r->busy_seen++;
		return PB_CLIENT_E_BUSY;
	}
	ck_assert_msg(!r->have_cmd, "two commands in flight");
	r->cmd = *m;
	r->have_cmd = true;
	r->txn = r->txn % 255 + 1;
	return r->txn;
}

static int64_t io_wall(void *ctx)
{
	(void)ctx;
	return WALL;
}

static struct pb_store *io_store(void *ctx, char *err, size_t errlen)
{
	struct rig *r = ctx;
	if (r->no_store) {
		snprintf(err, errlen, "postgresql://db/x: no answer from the "
		    "server");
		return NULL;
	}
	if (r->store == NULL) {
		char db[128];
		snprintf(db, sizeof db, "%s/records.db", r->dir);
		ck_assert_int_eq(pb_store_open(db, NULL, &r->store, err,
		    errlen), 0);
	}
	return r->store;
}

static void write_key(const char *path, mode_t mode)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", KEY_HEX);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void rig_init(struct rig *r, int channels, bool with_key)
{
	memset(r, 0, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "/tmp/test_calscreen.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	snprintf(r->key_path, sizeof r->key_path, "%s/station.key", r->dir);
	snprintf(r->prefix, sizeof r->prefix, "%s/cert", r->dir);
	write_key(r->key_path, 0600);
	char err[200];
	ck_assert_int_eq(pb_station_load_key(r->key_path, r->f.key,
	    &r->f.key_len, err, sizeof err), PB_STATION_OK);

	struct fake *f = &r->f;
	f->channels = channels;
	f->seed = 3;
	for (int ch = 0; ch < channels; ch++) {
		f->cal[ch].channel = (uint8_t)ch;
		f->cal[ch].order = 1;
		f->cal[ch].c[0] = -41.0f;
		f->cal[ch].c[1] = 375.0f / 3686.4f;
		f->cal[ch].cal_id = 7;
		memcpy(f->cal[ch].station, "nominal", 8);
		f->cal_valid[ch] = true;
	}

	struct pb_profile *p = &r->prof;
	memset(p, 0, sizeof *p);
	strcpy(p->id, "test");
	p->channels = channels;
	p->max_target_mmhg = 300;
	p->cal_points = 5;
	double pts[] = { 0, 50, 150, 250, 300 };
	memcpy(p->cal_point_mmhg, pts, sizeof pts);
	p->cal_order = 2;
	p->cal_accept_abs_mmhg = 3;
	p->cal_accept_rel = 0.01;
	p->cal_dwell_s = 1.0;
	p->cal_stable_mmhg = 1.0;

	pb_app_init(&r->app, PB_UNIT_MMHG);
	r->app.link_up = true;
	r->app.have_info = true;
	r->app.info.channels = (uint8_t)channels;
	memcpy(r->app.info.serial, "SN-TEST-1", 10);
	r->app.have_tel = true;
	r->app.run_state = PB_RS_IDLE;

	struct pb_calscreen_opts o = {
		.key_path = with_key ? r->key_path : NULL,
		.station = "t1", .cert_prefix = r->prefix,
		.operator_id = "op-test",
	};
	struct pb_calscreen_io io = { .ctx = r, .send = io_send,
	    .wall = io_wall, .store = io_store, .store_ctx = r };
	r->scan = "SN-TEST-1\r\n";
	r->cs = pb_calscreen_new(&o, &io);
	ck_assert_ptr_nonnull(r->cs);
	r->now = 1000000;
	pb_calscreen_open(r->cs, r->now);
}

static void rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void rig_free(struct rig *r)
{
	pb_calscreen_free(r->cs);
	pb_store_close(r->store);
	rm_rf(r->dir);
}

static void view(struct rig *r, struct pb_calview_state *v);

/* the station's questions, answered as a scanner would: the serial and
 * Enter; a recalibration's reason */
static void answer_station(struct rig *r)
{
	for (int i = 0; i < 3; i++) {
		struct pb_calview_state v;
		view(r, &v);
		if (!v.asking)
			return;
		const char *a = strstr(v.asking, "serial") ? r->scan :
		    strstr(v.asking, "reason") ? "test again\r" : "op-x\r";
		for (; *a; a++)
			pb_calscreen_key(r->cs, &r->app, &r->prof,
			    (unsigned char)*a, r->now);
	}
}

static struct pb_calscreen_effect key(struct rig *r, int k)
{
	struct pb_calscreen_effect e = pb_calscreen_key(r->cs, &r->app,
	    &r->prof, k, r->now);
	if (k == '\r' && !r->manual_station)
		answer_station(r);
	return e;
}

static void keys(struct rig *r, const char *s)
{
	for (; *s; s++)
		key(r, (unsigned char)*s);
}

/* 20 ms of virtual time: answer the command in flight, move the plant,
 * send a telemetry batch, service the screen. */
static void step(struct rig *r)
{
	r->now += 20000;
	if (r->have_cmd) {
		r->have_cmd = false;
		int status;
		struct pb_response resp;
		answer(&r->f, &r->cmd, &status, &resp);
		pb_calscreen_cmd_done(r->cs, status, &resp, r->now);
	}
	struct fake *f = &r->f;
	struct pb_telemetry t;
	memset(&t, 0, sizeof t);
	t.channels = (uint8_t)f->channels;
	t.n = 4;
	t.first_sample = f->sample;
	f->sample += 4;
	t.run_state = f->target > 0 ? PB_RS_CAL_HOLD : PB_RS_IDLE;
	for (int ch = 0; ch < f->channels; ch++) {
		f->vac[ch] += (f->target - f->vac[ch]) * (1 - exp(-0.02 / 0.3));
		f->seed = f->seed * 1103515245u + 12345u;
		double noise = ((double)((f->seed >> 16) & 0x7fff) / 32767.0 -
		    0.5) * 0.4;
		double raw = raw_of(ch, f->vac[ch]) + noise;
		t.raw[ch] = (uint16_t)lround(raw);
		double dev = f->cal_valid[ch] ? apply(&f->cal[ch], raw) : 0;
		for (int i = 0; i < t.n; i++)
			t.samples[ch][i] = (int16_t)lround(dev * 10);
	}
	pb_calscreen_on_telemetry(r->cs, &t, r->now);
	pb_calscreen_service(r->cs, &r->app, &r->prof, r->now);
}

static void view(struct rig *r, struct pb_calview_state *v)
{
	pb_calscreen_view(r->cs, &r->app, &r->prof, r->now, v);
}

/* Run until the screen asks for a reading (true) or the run ends. */
static bool until_prompt(struct rig *r, double max_s)
{
	uint64_t end = r->now + (uint64_t)(max_s * 1e6);
	while (r->now < end) {
		struct pb_calview_state v;
		view(r, &v);
		if (v.prompting)
			return true;
		if (!pb_calscreen_running(r->cs) && !r->have_cmd)
			return false;
		step(r);
	}
	ck_abort_msg("neither a prompt nor the end within %.0f s", max_s);
	return false;
}

/* The operator reads the gauge (the true vacuum) and types it. */
static void type_reading(struct rig *r)
{
	struct pb_calview_state v;
	view(r, &v);
	ck_assert(v.prompting);
	const char *p = strstr(v.prompt, "reading for ch");
	ck_assert_ptr_nonnull(p);
	int ch = p[14] - '1';
	ck_assert_int_ge(ch, 0);
	ck_assert_int_lt(ch, r->f.channels);
	char buf[32];
	snprintf(buf, sizeof buf, "%.1f", fabs(r->f.vac[ch]) < 0.05 ? 0.0 :
	    r->f.vac[ch]);
	keys(r, buf);
	key(r, '\r');
}

static void finish(struct rig *r, double max_s)
{
	uint64_t end = r->now + (uint64_t)(max_s * 1e6);
	while ((pb_calscreen_running(r->cs) || r->have_cmd) && r->now < end)
		step(r);
	/* the stored calibration read back */
	for (int i = 0; i < 20; i++)
		step(r);
	ck_assert(!pb_calscreen_running(r->cs));
}

/* A string member of a JSON certificate ("" when absent). */
static const char *json_str(const char *path, const char *name)
{
	static char buf[128];
	buf[0] = '\0';
	json_object *root = json_object_from_file(path);
	if (!root)
		return NULL;
	json_object *m;
	if (json_object_object_get_ex(root, name, &m))
		snprintf(buf, sizeof buf, "%s", json_object_get_string(m));
	json_object_put(root);
	return buf;
}

START_TEST(no_key_refuses_to_start)
{
	struct rig r;
	rig_init(&r, 2, false);
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_ptr_nonnull(v.key_problem);
	ck_assert_ptr_nonnull(strstr(v.key_problem, "--key FILE"));
	key(&r, '\r');
	for (int i = 0; i < 10; i++)
		step(&r);
	ck_assert(!pb_calscreen_running(r.cs));
	ck_assert(!r.have_cmd);
	view(&r, &v);
	ck_assert(v.message_bad);
	ck_assert_ptr_nonnull(strstr(v.message, "--key FILE"));
	rig_free(&r);
}
END_TEST

START_TEST(key_readable_by_others_is_refused_then_fixed)
{
	struct rig r;
	rig_init(&r, 2, true);
	ck_assert_int_eq(chmod(r.key_path, 0644), 0);
	char err[300];
	ck_assert_int_eq(pb_calscreen_check_key(r.key_path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, r.key_path));
	pb_calscreen_open(r.cs, r.now);
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_ptr_nonnull(v.key_problem);
	ck_assert_ptr_nonnull(strstr(v.key_problem, "chmod 600"));
	key(&r, '\r');
	step(&r);
	ck_assert(!pb_calscreen_running(r.cs));
	/* fixed while the screen is open: Enter re-reads the file */
	ck_assert_int_eq(chmod(r.key_path, 0600), 0);
	key(&r, '\r');
	ck_assert(pb_calscreen_running(r.cs));
	/* and a missing file */
	struct rig r2;
	rig_init(&r2, 1, true);
	unlink(r2.key_path);
	pb_calscreen_open(r2.cs, r2.now);
	view(&r2, &v);
	ck_assert_ptr_nonnull(v.key_problem);
	ck_assert_ptr_nonnull(strstr(v.key_problem, r2.key_path));
	rig_free(&r2);
	rig_free(&r);
}
END_TEST

START_TEST(refuses_while_pumping_asks_to_stop)
{
	struct rig r;
	rig_init(&r, 2, true);
	r.app.run_state = PB_RS_RUNNING;
	struct pb_calscreen_effect e = key(&r, '\r');
	ck_assert(!e.stop_pump);
	ck_assert(!pb_calscreen_running(r.cs));
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert(v.ask_stop);
	/* n: nothing happens */
	e = key(&r, 'n');
	ck_assert(!e.stop_pump);
	view(&r, &v);
	ck_assert(!v.ask_stop);
	/* y: stop, then the run starts once the pump is idle */
	key(&r, '\r');
	e = key(&r, 'y');
	ck_assert(e.stop_pump);
	step(&r);
	ck_assert(!pb_calscreen_running(r.cs));
	r.app.run_state = PB_RS_IDLE;
	step(&r);
	ck_assert(pb_calscreen_running(r.cs));
	rig_free(&r);
}
END_TEST

START_TEST(no_link_or_replay_refused)
{
	struct rig r;
	rig_init(&r, 1, true);
	r.app.link_up = false;
	key(&r, '\r');
	ck_assert(!pb_calscreen_running(r.cs));
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_ptr_nonnull(strstr(v.message, "No link"));
	r.app.link_up = true;
	r.app.replay = true;
	key(&r, '\r');
	ck_assert(!pb_calscreen_running(r.cs));
	view(&r, &v);
	ck_assert_ptr_nonnull(strstr(v.message, "Replay"));
	/* Esc and C leave the screen; q and ? go to the dashboard */
	ck_assert(key(&r, PB_KEY_ESC).close);
	ck_assert(key(&r, 'C').close);
	ck_assert(key(&r, 'q').pass);
	ck_assert(!key(&r, 's').pass);
	rig_free(&r);
}
END_TEST

START_TEST(full_pass_typed_readings)
{
	struct rig r;
	rig_init(&r, 2, true);
	r.busy_left = 3;     /* the client's rate limit, at the start */
	key(&r, '\r');
	ck_assert(pb_calscreen_running(r.cs));
	int prompts = 0;
	bool tried_bad = false;
	while (until_prompt(&r, 60)) {
		if (!tried_bad) {
			/* a letter is refused and not typed; a bad number
			 * is refused at Enter; Backspace erases */
			key(&r, 'x');
			struct pb_calview_state v;
			view(&r, &v);
			ck_assert(v.message_bad);
			ck_assert_str_eq(v.input, "");
			keys(&r, "-.");
			key(&r, '\r');
			view(&r, &v);
			ck_assert(v.prompting);
			ck_assert_ptr_nonnull(strstr(v.message, "not a number"));
			key(&r, PB_KEY_BACKSPACE);
			key(&r, PB_KEY_BACKSPACE);
			view(&r, &v);
			ck_assert_str_eq(v.input, "");
			/* session keys do nothing while calibrating */
			struct pb_calscreen_effect e = key(&r, 's');
			ck_assert(!e.pass && !e.close && !e.stop_pump);
			e = key(&r, 'C');
			ck_assert(!e.close);
			tried_bad = true;
		}
		type_reading(&r);
		prompts++;
	}
	finish(&r, 30);
	ck_assert_int_ge(r.busy_seen, 3);
	/* 5 points and 2 verify points, two channels each */
	ck_assert_int_eq(prompts, 14);
	const struct pb_cal_result *res = pb_calscreen_result(r.cs);
	ck_assert_ptr_nonnull(res);
	ck_assert_msg(res->verdict == PB_CAL_PASS, "verdict %s: %s",
	    pb_cal_verdict_name(res->verdict), res->reason);
	ck_assert_int_eq(r.f.writes, 1);      /* both channels, one message */
	ck_assert_uint_eq(r.f.cal[0].cal_id, 8);
	ck_assert_str_eq(r.f.cal[0].station, "t1");
	ck_assert_int_ge(r.f.stops, 1);
	ck_assert_double_eq_tol(r.f.target, 0, 1e-9);
	/* the new calibration reads the true vacuum */
	for (int ch = 0; ch < 2; ch++)
		for (double v = 0; v <= 300; v += 25)
			ck_assert_double_eq_tol(apply(&r.f.cal[ch],
			    raw_of(ch, v)), v, 1.0);
	/* certificates */
	const char *paths[3];
	ck_assert_int_eq(pb_calscreen_certs(r.cs, paths), 3);
	char want[128];
	snprintf(want, sizeof want, "%s.json", r.prefix);
	ck_assert_str_eq(paths[0], want);
	ck_assert_ptr_nonnull(json_str(want, "verdict"));
	ck_assert_str_eq(json_str(want, "verdict"), "PASS");
	ck_assert_str_eq(json_str(want, "serial"), "SN-TEST-1");
	ck_assert_str_eq(json_str(want, "station"), "t1");
	snprintf(want, sizeof want, "%s.html", r.prefix);
	ck_assert_int_eq(access(want, R_OK), 0);
	snprintf(want, sizeof want, "%s.txt", r.prefix);
	ck_assert_int_eq(access(want, R_OK), 0);
	/* the screen: verdict, stored record read back as new */
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_int_eq(v.phase, PB_CVP_FINISHED);
	ck_assert(v.have_stored);
	ck_assert(v.stored_valid[0] && v.stored_valid[1]);
	ck_assert_uint_eq(v.stored[1].cal_id, 8);
	/* and the device info asked afresh (the new calibration id) */
	ck_assert_int_eq(r.f.info_reads, 2);
	struct pb_calview_line l[96];
	int n = pb_calview_render(&v, l, 96, 120);
	bool pass = false, isnew = false;
	for (int i = 0; i < n; i++) {
		pass = pass || strstr(l[i].text, "Verdict: PASS");
		isnew = isnew || strstr(l[i].text, "id 8 (new)");
	}
	ck_assert(pass && isnew);

	/* a second run gets its own file names */
	key(&r, '\r');
	ck_assert(pb_calscreen_running(r.cs));
	while (until_prompt(&r, 60))
		type_reading(&r);
	finish(&r, 30);
	ck_assert_int_eq(pb_calscreen_certs(r.cs, paths), 3);
	snprintf(want, sizeof want, "%s-2.json", r.prefix);
	ck_assert_str_eq(paths[0], want);
	ck_assert_uint_eq(r.f.cal[0].cal_id, 9);
	rig_free(&r);
}
END_TEST

START_TEST(esc_during_verify_restores_old)
{
	struct rig r;
	rig_init(&r, 2, true);
	struct pb_cal old0 = r.f.cal[0], old1 = r.f.cal[1];
	key(&r, '\r');
	int prompts = 0;
	while (until_prompt(&r, 60)) {
		if (prompts == 10) {
			/* the first verify prompt: the new records are
			 * written by now, in one message */
			ck_assert_int_eq(r.f.writes, 1);
			ck_assert_uint_eq(r.f.cal[0].cal_id, 8);
			keys(&r, "12");
			key(&r, PB_KEY_ESC);
			struct pb_calview_state v;
			view(&r, &v);
			ck_assert(v.aborting);
			ck_assert(!v.prompting);
			/* typing goes nowhere while aborting */
			key(&r, '5');
			break;
		}
		type_reading(&r);
		prompts++;
	}
	ck_assert_int_eq(prompts, 10);
	finish(&r, 30);
	const struct pb_cal_result *res = pb_calscreen_result(r.cs);
	ck_assert_int_eq(res->verdict, PB_CAL_ABORTED);
	ck_assert(res->restored);
	ck_assert_int_eq(r.f.writes, 2);      /* the new set, the old set */
	ck_assert_uint_eq(r.f.cal[0].cal_id, old0.cal_id);
	ck_assert_uint_eq(r.f.cal[1].cal_id, old1.cal_id);
	ck_assert_mem_eq(r.f.cal[0].c, old0.c, sizeof old0.c);
	ck_assert_mem_eq(r.f.cal[1].c, old1.c, sizeof old1.c);
	ck_assert_double_eq_tol(r.f.target, 0, 1e-9);
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert(v.have_stored);
	ck_assert_uint_eq(v.stored[0].cal_id, 7);
	struct pb_calview_line l[96];
	int n = pb_calview_render(&v, l, 96, 120);
	bool unchanged = false, aborted = false, back = false;
	for (int i = 0; i < n; i++) {
		unchanged = unchanged || strstr(l[i].text, "id 7 (unchanged)");
		aborted = aborted || strstr(l[i].text, "Verdict: ABORTED");
		back = back || strstr(l[i].text, "written back");
	}
	ck_assert(unchanged && aborted && back);
	/* the attempt is on record */
	char want[128];
	snprintf(want, sizeof want, "%s.json", r.prefix);
	ck_assert_ptr_nonnull(json_str(want, "verdict"));
	ck_assert_str_eq(json_str(want, "verdict"), "ABORTED");
	rig_free(&r);
}
END_TEST

START_TEST(q_aborts_then_quits)
{
	struct rig r;
	rig_init(&r, 1, true);
	key(&r, '\r');
	for (int i = 0; i < 100; i++)
		step(&r);
	ck_assert(pb_calscreen_running(r.cs));
	struct pb_calscreen_effect e = key(&r, 'q');
	ck_assert(!e.pass);
	ck_assert(!pb_calscreen_quit_ready(r.cs));
	finish(&r, 10);
	ck_assert(pb_calscreen_quit_ready(r.cs));
	ck_assert_int_eq(pb_calscreen_result(r.cs)->verdict, PB_CAL_ABORTED);
	ck_assert_int_eq(r.f.writes, 0);
	ck_assert_int_ge(r.f.stops, 1);
	rig_free(&r);
}
END_TEST

START_TEST(signal_abort_and_lost_answers)
{
	struct rig r;
	rig_init(&r, 1, true);
	key(&r, '\r');
	for (int i = 0; i < 60; i++)
		step(&r);
	pb_calscreen_abort(r.cs, "interrupted by a signal", r.now);
	finish(&r, 10);
	const struct pb_cal_result *res = pb_calscreen_result(r.cs);
	ck_assert_int_eq(res->verdict, PB_CAL_ABORTED);
	ck_assert_ptr_nonnull(strstr(res->reason, "signal"));
	ck_assert(!pb_calscreen_quit_ready(r.cs));

	/* a command that times out: ERROR, not a hang */
	key(&r, '\r');
	ck_assert(pb_calscreen_running(r.cs));
	for (int i = 0; i < 5 && !r.have_cmd; i++)
		step(&r);
	ck_assert(r.have_cmd);
	r.have_cmd = false;
	pb_calscreen_cmd_done(r.cs, PB_CLIENT_E_TIMEOUT, NULL, r.now);
	finish(&r, 10);
	res = pb_calscreen_result(r.cs);
	ck_assert_int_eq(res->verdict, PB_CAL_ERROR);
	/* a late completion with nothing in flight is ignored */
	pb_calscreen_cmd_done(r.cs, PB_CLIENT_OK, NULL, r.now);

	/* the link goes down during a hold: the run aborts by itself */
	key(&r, '\r');
	for (int i = 0; i < 60; i++)
		step(&r);
	ck_assert(pb_calscreen_running(r.cs));
	r.app.link_up = false;
	finish(&r, 10);
	res = pb_calscreen_result(r.cs);
	ck_assert_int_eq(res->verdict, PB_CAL_ABORTED);
	ck_assert_ptr_nonnull(strstr(res->reason, "link"));
	rig_free(&r);
}
END_TEST

START_TEST(typo_far_from_target_needs_confirmation)
{
	struct rig r;
	rig_init(&r, 1, true);
	key(&r, '\r');
	/* point 1 (0 mmHg) and 2 (50 mmHg) */
	ck_assert(until_prompt(&r, 60));
	type_reading(&r);
	ck_assert(until_prompt(&r, 60));
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_ptr_nonnull(strstr(v.prompt, "holding 50 mmHg"));
	keys(&r, "500");
	key(&r, '\r');
	view(&r, &v);
	ck_assert(v.prompting);
	ck_assert(v.confirm);
	ck_assert_ptr_nonnull(strstr(v.message, "Enter again"));
	/* corrected instead */
	key(&r, PB_KEY_BACKSPACE);
	view(&r, &v);
	ck_assert(!v.confirm);
	key(&r, PB_KEY_BACKSPACE);
	key(&r, PB_KEY_BACKSPACE);
	key(&r, PB_KEY_BACKSPACE);
	type_reading(&r);
	view(&r, &v);
	ck_assert(!v.prompting);
	ck_assert(!v.message_bad);
	key(&r, PB_KEY_ESC);
	finish(&r, 10);
	rig_free(&r);
}
END_TEST

START_TEST(channel_without_record_is_calibrated)
{
	/* a damaged part: channel B has no valid record (READ_CAL answers
	 * STORAGE, which the procedure takes as "no old record") */
	struct rig r;
	rig_init(&r, 2, true);
	r.f.cal_valid[1] = false;
	memset(&r.f.cal[1], 0, sizeof r.f.cal[1]);
	key(&r, '\r');
	while (until_prompt(&r, 60))
		type_reading(&r);
	finish(&r, 30);
	const struct pb_cal_result *res = pb_calscreen_result(r.cs);
	ck_assert_msg(res->verdict == PB_CAL_PASS, "verdict %s: %s",
	    pb_cal_verdict_name(res->verdict), res->reason);
	ck_assert(r.f.cal_valid[1]);
	ck_assert_uint_eq(r.f.cal[1].cal_id, 8);
	rig_free(&r);
}
END_TEST

/* Issue 9 item 7, the bench front end: the certificate files are
 * prepared before anything goes to the pump.  A missing directory keeps
 * the run from starting, with the reason, and the pump sees nothing. */
START_TEST(certificate_directory_missing_refuses_to_start)
{
	struct rig r;
	rig_init(&r, 2, true);
	snprintf(r.prefix, sizeof r.prefix, "%s/missing-dir/x", r.dir);
	key(&r, '\r');
	for (int i = 0; i < 20; i++)
		step(&r);
	ck_assert(!pb_calscreen_running(r.cs));
	ck_assert_int_eq(r.f.writes + r.f.stops + r.f.info_reads, 0);
	ck_assert_double_eq_tol(r.f.target, 0, 1e-9);
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert(v.message_bad);
	ck_assert_msg(strstr(v.message, "Cannot calibrate: certificate: ") &&
	    strstr(v.message, "missing-dir: directory for the certificates: No "
	    "such file or directory. Nothing was sent to the pump."), "%s",
	    v.message);
	ck_assert_int_eq(v.phase, PB_CVP_INTRO);
	rig_free(&r);
}
END_TEST

/* The certificates cannot be stored once the new calibration is written
 * and verified (their directory went away): the screen says ERROR, the
 * pump gets its old calibration back and no certificate claims a PASS. */
START_TEST(certificate_failing_after_the_write_restores_old)
{
	struct rig r;
	rig_init(&r, 2, true);
	struct pb_cal old0 = r.f.cal[0], old1 = r.f.cal[1];
	key(&r, '\r');
	ck_assert(pb_calscreen_running(r.cs));
	char moved[80];
	snprintf(moved, sizeof moved, "%s-moved", r.dir);
	ck_assert_int_eq(rename(r.dir, moved), 0);
	while (until_prompt(&r, 60))
		type_reading(&r);
	finish(&r, 30);
	ck_assert_int_eq(rename(moved, r.dir), 0);
	const struct pb_cal_result *res = pb_calscreen_result(r.cs);
	ck_assert_int_eq(res->verdict, PB_CAL_ERROR);
	ck_assert_msg(strstr(res->reason, "certificate: ") &&
	    strstr(res->reason, "No such file or directory") &&
	    strstr(res->reason, "not kept"), "%s", res->reason);
	ck_assert(res->restored);
	ck_assert_int_eq(r.f.writes, 2);     /* the new set, the old set */
	ck_assert_uint_eq(r.f.cal[0].cal_id, old0.cal_id);
	ck_assert_uint_eq(r.f.cal[1].cal_id, old1.cal_id);
	ck_assert_mem_eq(r.f.cal[0].c, old0.c, sizeof old0.c);
	ck_assert_mem_eq(r.f.cal[1].c, old1.c, sizeof old1.c);
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_int_eq(v.ncerts, 0);
	ck_assert_msg(v.cert_error && strstr(v.cert_error, "Not written: "
	    "certificate: "), "%s", v.cert_error ? v.cert_error : "(none)");
	/* the screen's text says the same */
	struct pb_calview_line lines[120];
	int n = pb_calview_render(&v, lines, 120, 200);
	bool verdict = false, back = false;
	for (int i = 0; i < n; i++) {
		verdict = verdict || strstr(lines[i].text, "Verdict: ERROR: ");
		back = back || strstr(lines[i].text, "old calibration was "
		    "written back");
		ck_assert(!strstr(lines[i].text, "Verdict: PASS"));
	}
	ck_assert(verdict && back);
	char p[128];
	snprintf(p, sizeof p, "%s.json", r.prefix);
	ck_assert_int_eq(access(p, F_OK), -1);
	rig_free(&r);
}
END_TEST

/* ---- the station (issue 13) ---------------------------------------------- */

static void type(struct rig *r, const char *s)
{
	for (; *s; s++)
		pb_calscreen_key(r->cs, &r->app, &r->prof, (unsigned char)*s,
		    r->now);
}

static const char *asking(struct rig *r)
{
	static struct pb_calview_state v;
	view(r, &v);
	return v.asking;
}

/* Enter asks who and which unit; a wrong unit is refused; the run is
 * recorded whole, with the certificate naming the record */
START_TEST(station_questions_and_record)
{
	struct rig r;
	rig_init(&r, 2, true);
	r.manual_station = true;
	pb_calscreen_free(r.cs);
	struct pb_calscreen_opts o = { .key_path = r.key_path,
		.station = "t1", .cert_prefix = r.prefix };   /* no operator */
	struct pb_calscreen_io io = { .ctx = &r, .send = io_send,
	    .wall = io_wall, .store = io_store, .store_ctx = &r };
	r.cs = pb_calscreen_new(&o, &io);
	pb_calscreen_open(r.cs, r.now);
	key(&r, '\r');
	ck_assert_ptr_nonnull(strstr(asking(&r), "Operator ID"));
	ck_assert(!r.have_cmd);
	type(&r, "  \r");                 /* nothing: asked again */
	ck_assert_ptr_nonnull(strstr(asking(&r), "Operator ID"));
	type(&r, "Jane 7\r");
	ck_assert_ptr_nonnull(strstr(asking(&r), "serial"));
	type(&r, "SN-OTHER\r");            /* the wrong unit */
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_ptr_nonnull(strstr(v.message, "wrong unit"));
	ck_assert(!pb_calscreen_running(r.cs));
	ck_assert(!r.have_cmd);
	type(&r, "SN-TEST-1\r\n");       /* a scanner's CR LF */
	ck_assert(pb_calscreen_running(r.cs));
	while (until_prompt(&r, 60))
		type_reading(&r);
	finish(&r, 30);
	const struct pb_cal_result *res = pb_calscreen_result(r.cs);
	ck_assert_int_eq(res->verdict, PB_CAL_PASS);
	/* the record: operator, unit, and the certificate's id */
	char json[160];
	snprintf(json, sizeof json, "%s.json", r.prefix);
	json_object *j = json_object_from_file(json), *id;
	ck_assert(json_object_object_get_ex(j, "record_id", &id));
	struct pb_record_cal rec;
	ck_assert_int_eq(pb_store_get_cal(r.store, json_object_get_string(id),
	    &rec), 0);
	json_object_put(j);
	ck_assert_str_eq(rec.operator_id, "Jane 7");
	ck_assert_str_eq(rec.serial, "SN-TEST-1");
	ck_assert_str_eq(rec.verdict, "PASS");
	ck_assert_int_eq(rec.ncerts, 3);
	ck_assert(!rec.recal);
	/* the history shows it; the next run asks the serial again (the
	 * operator is kept) and, the unit having passed, for a reason */
	step(&r);
	view(&r, &v);
	ck_assert_int_eq(v.hist_total, 1);
	key(&r, '\r');
	ck_assert_ptr_nonnull(strstr(asking(&r), "serial"));
	type(&r, "SN-TEST-1\r");
	ck_assert_ptr_nonnull(strstr(asking(&r), "already passed"));
	key(&r, PB_KEY_ESC);                /* cancelled: nothing starts */
	ck_assert_ptr_null(asking(&r));
	ck_assert(!pb_calscreen_running(r.cs));
	key(&r, '\r');
	type(&r, "SN-TEST-1\r");
	type(&r, "\r");                    /* no reason: refused */
	ck_assert(!pb_calscreen_running(r.cs));
	type(&r, "seal replaced\r");
	ck_assert(pb_calscreen_running(r.cs));
	while (until_prompt(&r, 60))
		type_reading(&r);
	finish(&r, 30);
	step(&r);
	struct pb_store_cal_line h[4];
	ck_assert_int_eq(pb_store_unit_history(r.store, "SN-TEST-1", h, 4), 2);
	ck_assert(h[1].recal);
	ck_assert_int_eq(pb_store_get_cal(r.store, h[1].record_id, &rec), 0);
	ck_assert_str_eq(rec.recal_reason, "seal replaced");
	rig_free(&r);
}
END_TEST

/* a reference gauge past its due date, or a store that cannot be used:
 * refused at Enter, nothing sent to the pump */
START_TEST(gauge_or_store_refuses_to_start)
{
	struct rig r;
	rig_init(&r, 1, true);
	struct pb_stationcfg cfg;
	char err[256];
	const char *ini = "[station]\nname=t1\n[gauge]\nid=G-1\n"
	    "due=2020-01-31\n";
	ck_assert_int_eq(pb_stationcfg_parse(&cfg, "s.ini", ini, strlen(ini),
	    err, sizeof err), 0);
	pb_calscreen_free(r.cs);
	struct pb_calscreen_opts o = { .key_path = r.key_path,
		.station = "t1", .cert_prefix = r.prefix,
		.operator_id = "op", .station_cfg = &cfg };
	struct pb_calscreen_io io = { .ctx = &r, .send = io_send,
	    .wall = io_wall, .store = io_store, .store_ctx = &r };
	r.cs = pb_calscreen_new(&o, &io);
	pb_calscreen_open(r.cs, r.now);
	key(&r, '\r');
	struct pb_calview_state v;
	view(&r, &v);
	ck_assert_ptr_nonnull(strstr(v.message, "G-1 was due for calibration "
	    "on 2020-01-31"));
	ck_assert(!pb_calscreen_running(r.cs));
	ck_assert(!r.have_cmd);
	/* an in-date gauge, but the store does not answer */
	const char *ok = "[station]\nname=t1\n[gauge]\nid=G-1\n"
	    "due=2099-01-31\n";
	ck_assert_int_eq(pb_stationcfg_parse(&cfg, "s.ini", ok, strlen(ok),
	    err, sizeof err), 0);
	r.no_store = true;
	key(&r, '\r');
	view(&r, &v);
	ck_assert_ptr_nonnull(strstr(v.message, "no answer from the server"));
	ck_assert_ptr_nonnull(strstr(v.message, "Nothing was sent"));
	ck_assert(!pb_calscreen_running(r.cs));
	ck_assert(!r.have_cmd);
	r.no_store = false;
	key(&r, '\r');
	ck_assert(pb_calscreen_running(r.cs));
	pb_calscreen_abort(r.cs, "test over", r.now);
	finish(&r, 30);
	rig_free(&r);
}
END_TEST

START_TEST(text_line)
{
	struct pb_calview_text t;
	memset(&t, 0, sizeof t);
	ck_assert_int_eq(pb_calview_text_key(&t, 'A'), PB_CVI_EDIT);
	ck_assert_int_eq(pb_calview_text_key(&t, ' '), PB_CVI_EDIT);
	ck_assert_int_eq(pb_calview_text_key(&t, 0x1b), PB_CVI_NONE);
	ck_assert_int_eq(pb_calview_text_key(&t, 0xe9), PB_CVI_NONE);
	ck_assert_int_eq(pb_calview_text_key(&t, 127), PB_CVI_EDIT);
	ck_assert_str_eq(t.buf, "A");
	ck_assert_int_eq(pb_calview_text_key(&t, '\n'), PB_CVI_SUBMIT);
	for (int i = 0; i < 100; i++)
		pb_calview_text_key(&t, 'x');
	ck_assert_uint_eq(t.len, PB_CALVIEW_TEXT_MAX);
	ck_assert_int_eq(pb_calview_text_key(&t, 'x'), PB_CVI_REJECT);
}
END_TEST

static Suite *calscreen_suite(void)
{
	Suite *s = suite_create("calscreen");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, no_key_refuses_to_start);
	tcase_add_test(tc, key_readable_by_others_is_refused_then_fixed);
	tcase_add_test(tc, refuses_while_pumping_asks_to_stop);
	tcase_add_test(tc, no_link_or_replay_refused);
	tcase_add_test(tc, full_pass_typed_readings);
	tcase_add_test(tc, esc_during_verify_restores_old);
	tcase_add_test(tc, q_aborts_then_quits);
	tcase_add_test(tc, signal_abort_and_lost_answers);
	tcase_add_test(tc, typo_far_from_target_needs_confirmation);
	tcase_add_test(tc, channel_without_record_is_calibrated);
	tcase_add_test(tc, certificate_directory_missing_refuses_to_start);
	tcase_add_test(tc, certificate_failing_after_the_write_restores_old);
	tcase_add_test(tc, station_questions_and_record);
	tcase_add_test(tc, gauge_or_store_refuses_to_start);
	tcase_add_test(tc, text_line);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(calscreen_suite)
