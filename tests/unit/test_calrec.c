/* tests for store/calrec.c: a calibration result as a record, and the
 * record as an output of the run (prepare marks the run open, store
 * writes the record and clears the mark, a later store replaces it,
 * close without a store clears the mark) on a SQLite store */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/calrec.h"
#include "store/query.h"
#include "tests/lib/check_main.h"

static struct pb_profile prof;

static void result(struct pb_cal_result *r, enum pb_cal_verdict v)
{
	memset(r, 0, sizeof *r);
	r->verdict = v;
	memcpy(r->info.serial, "PS1234567890ABCD", PB_STR_LEN);  /* full */
	strcpy(r->info.fw_version, "1.4.2");
	r->channels = 2;
	r->npoints = 3;
	const double tgt[3] = { 0, 150, 300 };
	for (int i = 0; i < 3; i++) {
		r->point[i].target_mmhg = tgt[i];
		for (int ch = 0; ch < 2; ch++) {
			r->point[i].raw[ch] = 800 + tgt[i] * 7.5;
			r->point[i].reference[ch] = tgt[i] + 0.2;
			r->point[i].raw_sd[ch] = 2;
			r->point[i].samples[ch] = 100;
			r->point[i].device[ch] = tgt[i] + 1.5 + ch;
		}
	}
	for (int ch = 0; ch < 2; ch++) {
		r->fit[ch].order = 2;
		r->fit[ch].n = 3;
		r->fit[ch].c[0] = -100;
		r->fit[ch].c[1] = 0.13;
		r->fit[ch].c[2] = -3e-7;
		r->fit[ch].residual[2] = 0.25;
		r->fit[ch].max_abs_residual = 0.25;
		r->accepted[ch] = true;
		r->old[ch].order = 1;
		r->old[ch].cal_id = 6;
		r->old[ch].c[1] = 0.12f;
		r->was_written[ch] = v == PB_CAL_PASS;
		r->written[ch].cal_id = 7;
	}
	r->verify[0].target_mmhg = 100;
	r->verify[0].reference[0] = 100.1;
	r->verify[0].device[0] = 99.9;
	r->verify[0].error[0] = -0.2;
	r->verify[0].pass[0] = true;
	/* verify[1] not reached: target 0 */
}

static struct pb_calrec_meta meta(void)
{
	return (struct pb_calrec_meta){ .serial = "PS1234567890ABC",
		.station = "line-3", .operator_id = "op-7", .host = "h",
		.gauge_id = "G-42", .gauge_due = "2027-06-30",
		.reference = "Fluke", .profile = &prof, .started_ms = 5000 };
}

START_TEST(build)
{
	struct pb_cal_result r;
	result(&r, PB_CAL_PASS);
	struct pb_calrec_meta m = meta();
	struct pb_record_cal c;
	char id[PB_RECORD_ID_LEN];
	pb_record_new_id(id);
	pb_calrec_build(&r, &m, id, 9000, &c);
	char err[256];
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), 0);
	ck_assert_str_eq(c.serial, "PS1234567890ABC");
	ck_assert_str_eq(c.firmware, "1.4.2");
	ck_assert_str_eq(c.profile, "s10pro");
	ck_assert_str_eq(c.verdict, "PASS");
	ck_assert_int_eq(c.finished_ms, 9000);
	ck_assert_int_eq(c.channels, 2);
	const struct pb_record_channel *k = &c.ch[1];
	ck_assert(k->written);
	ck_assert_int_eq(k->new_cal_id, 7);
	ck_assert(k->had_old);
	ck_assert_int_eq(k->old_cal_id, 6);
	ck_assert_int_eq(k->npoints, 3);
	/* as found at 0 mmHg: reading 0 + 1.5 + ch, reference 0.2 */
	ck_assert_double_eq_tol(k->asfound_zero_mmhg, 1.5 + 1 - 0.2, 1e-12);
	ck_assert_double_eq_tol(k->point[2].asfound_mmhg, 302.5, 1e-12);
	/* the limit at 300.2 mmHg is 1 % of reading: 3.002 */
	ck_assert_double_eq_tol(k->point[2].limit_mmhg, 3.002, 1e-12);
	ck_assert_double_eq_tol(k->point[0].limit_mmhg, 3.0, 1e-12);
	ck_assert_int_eq(k->point[2].pass, 1);
	ck_assert_double_eq(k->point[2].residual_mmhg, 0.25);
	ck_assert_int_eq(c.ch[0].nverify, 1);     /* the second not reached */
	ck_assert_double_eq(c.ch[0].verify[0].error_mmhg, -0.2);

	/* restored: the unit does not hold the new calibration */
	r.restored = true;
	r.verdict = PB_CAL_ERROR;
	strcpy(r.reason, "records: disk gone");
	pb_calrec_build(&r, &m, id, 9000, &c);
	ck_assert(!c.ch[0].written);
	ck_assert(c.restored);
	ck_assert_str_eq(c.verdict, "ERROR");
	/* a result that never got its fit */
	result(&r, PB_CAL_ERROR);
	r.fit[0].n = 0;
	pb_calrec_build(&r, &m, id, 9000, &c);
	ck_assert_int_eq(c.ch[0].order, 0);
	ck_assert_int_eq(c.ch[0].point[0].pass, -1);
	ck_assert(isnan(c.ch[0].point[0].residual_mmhg));
	ck_assert_int_eq(pb_record_check_cal(&c, err, sizeof err), 0);
}
END_TEST

static long count(struct pb_store *s, unsigned kinds)
{
	struct pb_query q = { .kinds = kinds };
	return pb_store_query(s, &q, NULL, NULL);
}

START_TEST(as_an_output)
{
	char dir[] = "/tmp/pb-calrec-XXXXXX", db[128], err[1024];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/r.db", dir);
	struct pb_store *s = NULL;
	ck_assert_int_eq(pb_store_open(db, NULL, &s, err, sizeof err), 0);
	struct pb_calrec_meta m = meta();
	struct pb_calrec *rec = pb_calrec_new(s, &m);
	ck_assert_ptr_nonnull(rec);
	ck_assert(pb_record_id_valid(pb_calrec_id(rec)));
	struct pb_cal_outputs outs;
	pb_cal_outputs_init(&outs);
	ck_assert_int_eq(pb_cal_outputs_add(&outs, &pb_calrec_ops, rec), 0);
	ck_assert_int_eq(pb_cal_outputs_prepare(&outs, err, sizeof err), 0);
	ck_assert_int_eq(count(s, PB_Q_OPEN), 1);
	struct pb_cal_result r;
	result(&r, PB_CAL_PASS);
	ck_assert_int_eq(pb_cal_outputs_store(&outs, &r, err, sizeof err), 0);
	ck_assert(pb_calrec_stored(rec));
	ck_assert_int_eq(count(s, PB_Q_OPEN), 0);
	ck_assert_int_eq(count(s, PB_Q_CAL), 1);
	/* the final result replaces the PASS */
	r.verdict = PB_CAL_ERROR;
	r.restored = true;
	ck_assert_int_eq(pb_cal_outputs_finish(&outs, &r, err, sizeof err), 0);
	struct pb_record_cal back;
	ck_assert_int_eq(pb_store_get_cal(s, pb_calrec_id(rec), &back), 0);
	ck_assert_str_eq(back.verdict, "ERROR");
	ck_assert(back.restored);
	ck_assert_int_eq(count(s, PB_Q_CAL), 1);
	pb_cal_outputs_close(&outs);
	pb_calrec_free(rec);

	/* prepared, never stored (the unit was not touched): no mark left */
	rec = pb_calrec_new(s, &m);
	pb_cal_outputs_init(&outs);
	pb_cal_outputs_add(&outs, &pb_calrec_ops, rec);
	ck_assert_int_eq(pb_cal_outputs_prepare(&outs, err, sizeof err), 0);
	ck_assert_int_eq(count(s, PB_Q_OPEN), 1);
	pb_cal_outputs_close(&outs);
	ck_assert_int_eq(count(s, PB_Q_OPEN), 0);
	pb_calrec_free(rec);
	pb_store_close(s);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void setup(void)
{
	char err[256];
	ck_assert_int_eq(pb_profile_find(&prof, "s10pro", err, sizeof err), 0);
}

static Suite *calrec_suite(void)
{
	Suite *s = suite_create("calrec");
	TCase *t = tcase_create("calrec");
	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, build);
	tcase_add_test(t, as_an_output);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(calrec_suite)
