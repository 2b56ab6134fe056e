/* tests for hil/records.c (a pumphil run as a record) and the scenario
 * header's --@verifies (hil/scenario-meta.c) that feeds it */
#include <check.h>
#include <math.h>
#include <string.h>

#include "hil/records.h"
#include "hil/scenario.h"
#include "tests/lib/check_main.h"

static void meas(struct pb_attempt *a, const char *name, double v, bool lo,
    double low, enum pb_outcome o)
{
	struct pb_measurement m;
	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "%s", name);
	m.value = v;
	strcpy(m.unit, "mmHg");
	m.low = (struct pb_limit){ lo, low };
	m.high = (struct pb_limit){ true, 160 };
	m.outcome = o;
	strcpy(m.where, "x.lua:3");
	ck_assert_int_eq(pb_attempt_add_measurement(a, &m), 0);
}

START_TEST(run_as_record)
{
	struct pb_report rep;
	pb_report_init(&rep, "pumphil");
	strcpy(rep.rig, "sim");
	strcpy(rep.rig_kind, "sim");
	strcpy(rep.hostname, "ci-7");
	rep.start_ms = 1000;
	rep.end_ms = 9000;
	struct pb_case *c = pb_report_add_case(&rep);
	strcpy(c->name, "leak_slow");
	strcpy(c->file, "fixtures/scenarios/leak_slow.lua");
	strcpy(c->profile, "s21");
	strcpy(c->dut_firmware, "fw-2.1");
	strcpy(c->requirements, "SR-LK-01 SR-LK-02");
	c->outcome = PB_OUT_FAIL;
	strcpy(c->message, "alarm leak raised = 0");
	/* two attempts: a rig error, then the verdict */
	struct pb_attempt *a = pb_case_add_attempt(c);
	a->number = 1;
	a->outcome = PB_OUT_ERROR;
	a->start_ms = 1000;
	a->end_ms = 1500;
	meas(a, "early", 1, false, 0, PB_OUT_PASS);
	a = pb_case_add_attempt(c);
	a->number = 2;
	a->outcome = PB_OUT_FAIL;
	a->start_ms = 2000;
	a->end_ms = 4000;
	a->rig_seconds = 31.5;
	meas(a, "peak", 151, true, 140, PB_OUT_PASS);
	meas(a, "leak", NAN, true, 1, PB_OUT_FAIL);
	c = pb_report_add_case(&rep);
	strcpy(c->name, "stop_vents");
	c->outcome = PB_OUT_SKIPPED;

	struct pb_hil_run_info info = { .station = "rig-room", .seed = 42,
		.rig_name = "sim", .rig_sha256 = "ab" };
	struct pb_hil_runrec rr;
	ck_assert_int_eq(pb_hil_runrec_build(&rep, &info, &rr), 0);
	char err[256];
	ck_assert_int_eq(pb_record_check_run(&rr.run, err, sizeof err), 0);
	ck_assert(pb_record_id_valid(rr.run.run_id));
	ck_assert_str_eq(rr.run.build, "fw-2.1");   /* from the DUT */
	ck_assert_str_eq(rr.run.host, "ci-7");
	ck_assert_str_eq(rr.run.station, "rig-room");
	ck_assert_int_eq(rr.run.seed, 42);
	ck_assert_int_eq(rr.run.ncases, 2);
	const struct pb_record_case *k = &rr.run.cases[0];
	ck_assert_str_eq(k->outcome, "FAIL");
	ck_assert_str_eq(k->message, "alarm leak raised = 0");
	ck_assert_str_eq(k->requirements, "SR-LK-01 SR-LK-02");
	ck_assert_int_eq(k->attempts, 2);
	ck_assert_double_eq_tol(k->duration_s, 2.5, 1e-9);
	ck_assert_double_eq(k->rig_seconds, 31.5);
	ck_assert_int_eq(k->started_ms, 1000);
	ck_assert_int_eq(k->finished_ms, 4000);
	/* every measurement of every attempt, limits unset as NaN */
	ck_assert_uint_eq(k->nmeas, 3);
	ck_assert_int_eq(k->meas[0].attempt, 1);
	ck_assert(isnan(k->meas[0].low));
	ck_assert_int_eq(k->meas[1].attempt, 2);
	ck_assert_double_eq(k->meas[1].low, 140);
	ck_assert(isnan(k->meas[2].value));
	ck_assert_str_eq(k->meas[2].outcome, "FAIL");
	ck_assert_str_eq(rr.run.cases[1].outcome, "SKIPPED");
	ck_assert_uint_eq(rr.run.cases[1].nmeas, 0);
	pb_hil_runrec_free(&rr);

	/* a build given wins over the DUT's */
	info.build = "ci-1234";
	ck_assert_int_eq(pb_hil_runrec_build(&rep, &info, &rr), 0);
	ck_assert_str_eq(rr.run.build, "ci-1234");
	pb_hil_runrec_free(&rr);
	pb_report_free(&rep);
}
END_TEST

static int meta(const char *text, struct pb_scenario_meta *m, char *err)
{
	return pb_scenario_parse_meta(text, strlen(text), "t.lua", m, err, 256);
}

START_TEST(verifies_header)
{
	struct pb_scenario_meta m;
	char err[256];
	ck_assert_int_eq(meta("--@verifies SR-OP-01, SR-OP-02\n"
	    "--@verifies SR-OP-01 SR-AO-1.2_a\nwait(1)\n", &m, err), PB_SCENARIO_OK);
	ck_assert_str_eq(m.verifies, "SR-OP-01 SR-OP-02 SR-AO-1.2_a");
	ck_assert_int_eq(meta("--@verifies\n", &m, err), PB_SCENARIO_E_META);
	ck_assert_ptr_nonnull(strstr(err, "t.lua:1: --@verifies needs"));
	ck_assert_int_eq(meta("--@name x\n--@verifies SR<1>\n", &m, err),
	    PB_SCENARIO_E_META);
	ck_assert_ptr_nonnull(strstr(err, "t.lua:2:"));
	char big[1200] = "--@verifies";
	for (int i = 0; i < 30; i++) {
		char id[32];
		snprintf(id, sizeof id, " SR-LONG-IDENT-%05d", i);
		strcat(big, id);
	}
	ck_assert_int_eq(meta(big, &m, err), PB_SCENARIO_E_META);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	ck_assert_int_eq(meta("-- a comment\n", &m, err), PB_SCENARIO_OK);
	ck_assert_str_eq(m.verifies, "");
}
END_TEST

START_TEST(rig_keys)
{
	struct pb_rig r;
	pb_rig_defaults(&r);
	r.backend = PB_RIG_FTDI;
	strcpy(r.serial, "FT1ABCDE");
	strcpy(r.name, "bench-1");
	char k[128];
	pb_hil_rig_key(&r, k, sizeof k);
	ck_assert_str_eq(k, "ftdi:FT1ABCDE");    /* the bench, by serial */
	r.backend = PB_RIG_SIM;
	pb_hil_rig_key(&r, k, sizeof k);
	ck_assert_str_eq(k, "sim:bench-1");
}
END_TEST

static Suite *hil_records_suite(void)
{
	Suite *s = suite_create("hil_records");
	TCase *t = tcase_create("records");
	tcase_add_test(t, run_as_record);
	tcase_add_test(t, verifies_header);
	tcase_add_test(t, rig_keys);
	suite_add_tcase(s, t);
	return s;
}

PB_CHECK_MAIN(hil_records_suite)
