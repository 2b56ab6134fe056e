/*
 * tests for cal/output.c: the order of a calibration's outputs (prepare
 * before the unit, store the PASS, finish with the final result, close),
 * against scripted outputs - the certificate files and a database record
 * are two instances of the same interface.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cal/output.h"
#include "tests/lib/check_main.h"

struct fake_out {
	const char *name;
	bool fail_prepare, fail_store;
	int prepares, stores, closes;
	enum pb_cal_verdict last;
	bool last_restored;
};

static int
f_prepare(void *ctx, char *err, size_t errlen)
{
	struct fake_out *f = ctx;
	f->prepares++;
	if (f->fail_prepare) {
		snprintf(err, errlen, "%s: no such directory", f->name);
		return -1;
	}
	return 0;
}

static int
f_store(void *ctx, const struct pb_cal_result *r, char *err, size_t errlen)
{
	struct fake_out *f = ctx;
	f->stores++;
	if (f->fail_store) {
		snprintf(err, errlen, "%s: disk full", f->name);
		return -1;
	}
	f->last = r->verdict;
	f->last_restored = r->restored;
	return 0;
}

static void
f_close(void *ctx)
{
	struct fake_out *f = ctx;
	f->closes++;
}

static const struct pb_cal_output_ops cert_ops = {
	"certificate", f_prepare, f_store, f_close
};
static const struct pb_cal_output_ops record_ops = {
	"record", f_prepare, f_store, f_close
};

static struct pb_cal_outputs outs;
static struct fake_out cert, rec;
static struct pb_cal_result res;

static void
setup(void)
{
	memset(&cert, 0, sizeof cert);
	memset(&rec, 0, sizeof rec);
	cert.name = "x.json";
	rec.name = "db";
	memset(&res, 0, sizeof res);
	pb_cal_outputs_init(&outs);
	ck_assert_int_eq(pb_cal_outputs_add(&outs, &cert_ops, &cert), 0);
	ck_assert_int_eq(pb_cal_outputs_add(&outs, &record_ops, &rec), 0);
}

START_TEST(pass_is_stored_once)
{
	char err[256];
	ck_assert_int_eq(pb_cal_outputs_prepare(&outs, err, sizeof err), 0);
	res.verdict = PB_CAL_PASS;
	ck_assert_int_eq(pb_cal_outputs_store(&outs, &res, err, sizeof err), 0);
	ck_assert_int_eq(cert.stores, 1);
	ck_assert_int_eq(rec.stores, 1);
	/* the final result is the same PASS: nothing to do */
	ck_assert_int_eq(pb_cal_outputs_finish(&outs, &res, err, sizeof err), 0);
	ck_assert_int_eq(cert.stores, 1);
	ck_assert_int_eq(rec.stores, 1);
	pb_cal_outputs_close(&outs);
	pb_cal_outputs_close(&outs);     /* once only */
	ck_assert_int_eq(cert.closes, 1);
	ck_assert_int_eq(rec.closes, 1);
}
END_TEST

/* The second output cannot be prepared: the first is released again and
 * the message names the failing one (the run does not start). */
START_TEST(prepare_failure_releases_the_others)
{
	char err[256];
	rec.fail_prepare = true;
	ck_assert_int_eq(pb_cal_outputs_prepare(&outs, err, sizeof err), -1);
	ck_assert_str_eq(err, "record: db: no such directory");
	ck_assert_int_eq(cert.closes, 1);
	ck_assert_int_eq(rec.closes, 0);
	pb_cal_outputs_close(&outs);
	ck_assert_int_eq(cert.closes, 1);
	/* nothing is stored in an output that was never prepared */
	res.verdict = PB_CAL_ERROR;
	ck_assert_int_eq(pb_cal_outputs_finish(&outs, &res, err, sizeof err), 0);
	ck_assert_int_eq(cert.stores + rec.stores, 0);
}
END_TEST

/* The record fails after the certificate stored the PASS: the store
 * reports it (the procedure restores the old calibration), and finish
 * replaces the certificate's PASS with the final ERROR and tries the
 * record again. */
START_TEST(a_failed_store_is_superseded_at_finish)
{
	char err[256];
	ck_assert_int_eq(pb_cal_outputs_prepare(&outs, err, sizeof err), 0);
	rec.fail_store = true;
	res.verdict = PB_CAL_PASS;
	ck_assert_int_eq(pb_cal_outputs_store(&outs, &res, err, sizeof err), -1);
	ck_assert_str_eq(err, "record: db: disk full");
	ck_assert_int_eq(cert.last, PB_CAL_PASS);
	res.verdict = PB_CAL_ERROR;
	res.restored = true;
	ck_assert_int_eq(pb_cal_outputs_finish(&outs, &res, err, sizeof err), -1);
	ck_assert_int_eq(cert.stores, 2);
	ck_assert_int_eq(cert.last, PB_CAL_ERROR);
	ck_assert(cert.last_restored);
	ck_assert_int_eq(rec.stores, 2);
	ck_assert_str_eq(err, "record: db: disk full");
	rec.fail_store = false;
	ck_assert_int_eq(pb_cal_outputs_finish(&outs, &res, err, sizeof err), 0);
	ck_assert_int_eq(rec.last, PB_CAL_ERROR);
	ck_assert_int_eq(cert.stores, 2);
	pb_cal_outputs_close(&outs);
}
END_TEST

/* A FAIL or an abort stores only at finish; both failures are named. */
START_TEST(finish_stores_every_output_and_names_each_failure)
{
	char err[256];
	ck_assert_int_eq(pb_cal_outputs_prepare(&outs, err, sizeof err), 0);
	cert.fail_store = rec.fail_store = true;
	res.verdict = PB_CAL_FAIL;
	ck_assert_int_eq(pb_cal_outputs_finish(&outs, &res, err, sizeof err), -1);
	ck_assert_str_eq(err, "certificate: x.json: disk full; record: db: "
	    "disk full");
	pb_cal_outputs_close(&outs);
	/* and there is room for no more than PB_CAL_MAX_OUTPUTS */
	struct fake_out more[PB_CAL_MAX_OUTPUTS];
	int added = 0;
	for (int i = 0; i < PB_CAL_MAX_OUTPUTS; i++)
		added += pb_cal_outputs_add(&outs, &cert_ops, &more[i]) == 0;
	ck_assert_int_eq(added, PB_CAL_MAX_OUTPUTS - 2);
	ck_assert_int_eq(pb_cal_outputs_add(&outs, NULL, NULL), -1);
}
END_TEST

static Suite *
output_suite(void)
{
	Suite *s = suite_create("cal_output");
	TCase *tc = tcase_create("output");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, pass_is_stored_once);
	tcase_add_test(tc, prepare_failure_releases_the_others);
	tcase_add_test(tc, a_failed_store_is_superseded_at_finish);
	tcase_add_test(tc, finish_stores_every_output_and_names_each_failure);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(output_suite)
