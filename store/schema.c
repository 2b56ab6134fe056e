/*
 * store/schema.c - migrations (see schema.h and docs/records.md).
 */
#include "store/schema.h"

#include <stddef.h>

/* Version 1: calibrations, HIL runs, dashboard sessions, rigs. */
static const char *const v1[] = {
	"CREATE TABLE calibration ("
	" id {ID},"
	" record_id TEXT NOT NULL UNIQUE,"
	" serial TEXT NOT NULL,"
	" profile TEXT NOT NULL,"
	" firmware TEXT NOT NULL,"
	" station TEXT NOT NULL,"
	" operator TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" gauge_id TEXT NOT NULL,"
	" gauge_due {DATE},"
	" reference TEXT NOT NULL,"
	" verdict TEXT NOT NULL CHECK (verdict IN"
	"  ('PASS', 'FAIL', 'ERROR', 'ABORTED')),"
	" reason TEXT NOT NULL,"
	" recal {BOOL} NOT NULL,"
	" recal_reason TEXT NOT NULL,"
	" restored {BOOL} NOT NULL,"
	" channels INTEGER NOT NULL,"
	" tool_version TEXT NOT NULL,"
	" started_utc {TS} NOT NULL,"
	" finished_utc {TS} NOT NULL)",
	"CREATE INDEX calibration_serial ON calibration (serial)",
	"CREATE INDEX calibration_finished ON calibration (finished_utc)",
	"CREATE INDEX calibration_station ON calibration (station, finished_utc)",

	"CREATE TABLE calibration_channel ("
	" calibration_id {BIGINT} NOT NULL REFERENCES calibration (id),"
	" channel INTEGER NOT NULL,"
	" fit_order INTEGER NOT NULL,"
	" c0 {REAL}, c1 {REAL}, c2 {REAL},"
	" max_residual_mmhg {REAL}, rms_residual_mmhg {REAL},"
	" accepted {BOOL} NOT NULL,"
	" old_cal_id {BIGINT}, old_order INTEGER,"
	" old_c0 {REAL}, old_c1 {REAL}, old_c2 {REAL},"
	" written {BOOL} NOT NULL,"
	" new_cal_id {BIGINT},"
	" asfound_zero_mmhg {REAL},"
	" PRIMARY KEY (calibration_id, channel))",

	"CREATE TABLE calibration_point ("
	" calibration_id {BIGINT} NOT NULL REFERENCES calibration (id),"
	" channel INTEGER NOT NULL,"
	" idx INTEGER NOT NULL,"
	" target_mmhg {REAL},"
	" raw_counts {REAL}, raw_sd {REAL}, samples INTEGER,"
	" reference_mmhg {REAL},"
	" residual_mmhg {REAL},"
	" limit_mmhg {REAL},"
	" pass {BOOL},"
	" asfound_mmhg {REAL},"
	" PRIMARY KEY (calibration_id, channel, idx))",

	"CREATE TABLE calibration_verify ("
	" calibration_id {BIGINT} NOT NULL REFERENCES calibration (id),"
	" channel INTEGER NOT NULL,"
	" idx INTEGER NOT NULL,"
	" target_mmhg {REAL}, reference_mmhg {REAL}, device_mmhg {REAL},"
	" error_mmhg {REAL}, limit_mmhg {REAL},"
	" pass {BOOL} NOT NULL,"
	" PRIMARY KEY (calibration_id, channel, idx))",

	"CREATE TABLE certificate_file ("
	" calibration_id {BIGINT} NOT NULL REFERENCES calibration (id),"
	" format TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" bytes {BIGINT} NOT NULL,"
	" PRIMARY KEY (calibration_id, format))",

	"CREATE TABLE calibration_open ("
	" record_id TEXT PRIMARY KEY,"
	" serial TEXT NOT NULL,"
	" station TEXT NOT NULL,"
	" operator TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" pid {BIGINT} NOT NULL,"
	" started_utc {TS} NOT NULL)",

	"CREATE TABLE hil_run ("
	" id {ID},"
	" run_id TEXT NOT NULL UNIQUE,"
	" tool_version TEXT NOT NULL,"
	" build TEXT NOT NULL,"
	" rig TEXT NOT NULL,"
	" rig_kind TEXT NOT NULL,"
	" rig_name TEXT NOT NULL,"
	" rig_sha256 TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" station TEXT NOT NULL,"
	" operator TEXT NOT NULL,"
	" seed {BIGINT} NOT NULL,"
	" cases INTEGER NOT NULL,"
	" passed INTEGER NOT NULL, failed INTEGER NOT NULL,"
	" errors INTEGER NOT NULL, aborted INTEGER NOT NULL,"
	" skipped INTEGER NOT NULL,"
	" started_utc {TS} NOT NULL,"
	" finished_utc {TS} NOT NULL)",
	"CREATE INDEX hil_run_finished ON hil_run (finished_utc)",

	"CREATE TABLE hil_case ("
	" id {ID},"
	" run_id {BIGINT} NOT NULL REFERENCES hil_run (id),"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" scenario TEXT NOT NULL,"
	" scenario_sha256 TEXT NOT NULL,"
	" profile TEXT NOT NULL,"
	" profile_sha256 TEXT NOT NULL,"
	" defect TEXT NOT NULL,"
	" defect_run {BOOL} NOT NULL,"
	" dut_serial TEXT NOT NULL,"
	" dut_firmware TEXT NOT NULL,"
	" outcome TEXT NOT NULL CHECK (outcome IN"
	"  ('PASS', 'FAIL', 'ERROR', 'ABORTED', 'SKIPPED')),"
	" message TEXT NOT NULL,"
	" attempts INTEGER NOT NULL,"
	" duration_s {REAL},"
	" rig_seconds {REAL},"
	" started_utc {TS} NOT NULL,"
	" finished_utc {TS} NOT NULL,"
	" UNIQUE (run_id, idx))",
	"CREATE INDEX hil_case_name ON hil_case (name)",

	"CREATE TABLE hil_requirement ("
	" case_id {BIGINT} NOT NULL REFERENCES hil_case (id),"
	" requirement TEXT NOT NULL,"
	" PRIMARY KEY (case_id, requirement))",
	"CREATE INDEX hil_requirement_id ON hil_requirement (requirement)",

	"CREATE TABLE hil_measurement ("
	" case_id {BIGINT} NOT NULL REFERENCES hil_case (id),"
	" attempt INTEGER NOT NULL,"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" value {REAL},"
	" unit TEXT NOT NULL,"
	" low {REAL}, high {REAL},"
	" marginal_low {REAL}, marginal_high {REAL},"
	" outcome TEXT NOT NULL CHECK (outcome IN ('PASS', 'FAIL')),"
	" marginal {BOOL} NOT NULL,"
	" location TEXT NOT NULL,"
	" PRIMARY KEY (case_id, attempt, idx))",

	"CREATE TABLE dashboard_session ("
	" id {ID},"
	" record_id TEXT NOT NULL UNIQUE,"
	" path TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" firmware TEXT NOT NULL,"
	" profile TEXT NOT NULL,"
	" cal_id {BIGINT} NOT NULL,"
	" station TEXT NOT NULL,"
	" operator TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" tool_version TEXT NOT NULL,"
	" samples {BIGINT} NOT NULL, lost {BIGINT} NOT NULL,"
	" markers {BIGINT} NOT NULL, events {BIGINT} NOT NULL,"
	" alarms {BIGINT} NOT NULL, gaps {BIGINT} NOT NULL,"
	" complete {BOOL} NOT NULL,"
	" channels INTEGER NOT NULL,"
	" started_utc {TS} NOT NULL,"
	" finished_utc {TS} NOT NULL)",

	"CREATE TABLE dashboard_session_channel ("
	" session_id {BIGINT} NOT NULL REFERENCES dashboard_session (id),"
	" channel INTEGER NOT NULL,"
	" samples {BIGINT} NOT NULL,"
	" min_mmhg {REAL}, max_mmhg {REAL}, mean_mmhg {REAL},"
	" PRIMARY KEY (session_id, channel))",

	"CREATE TABLE rig ("
	" id {ID},"
	" name TEXT NOT NULL UNIQUE)",

	"CREATE TABLE rig_reservation ("
	" id {ID},"
	" rig_id {BIGINT} NOT NULL REFERENCES rig (id),"
	" holder TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" pid {BIGINT} NOT NULL,"
	" backend_pid {BIGINT} NOT NULL,"
	" since_utc {TS} NOT NULL,"
	" released_utc {TS})",
	"CREATE INDEX rig_reservation_rig ON rig_reservation (rig_id, since_utc)",
	NULL
};

const char *const *pb_schema_migration(int version)
{
	switch (version) {
	case 1: return v1;
	default: return NULL;
	}
}
