#!/bin/sh
# A factory in miniature (issue 13): 8 calibration stations and 2 HIL rig
# runners share one real PostgreSQL server, all at once.  Each station
# calibrates its unit, then recalibrates it; the two runners share a pool
# of one simulated rig.  Then: every calibration recorded once and whole,
# with the certificate files it names; no run left open; both runners'
# runs recorded, never on the rig at the same time; no reservation left.
set -u
BIN=${BIN:-bin}
tests/lib/pgtest available || exit 77
dir=$(mktemp -d /tmp/pbst.XXXXXX)
chmod 0755 "$dir"
pg="$dir/pg"
trap 'tests/lib/pgtest stop "$pg"; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
tests/lib/pgtest start "$pg" || fail "cannot start the test server"
url=$(cat "$pg/url")
q() { psql -X -A -t -q "$url" -c "$1"; }
export PUMPBENCH_DB="$url" XDG_DATA_HOME="$dir/xdg"

key="$dir/station.key"
echo 5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 > "$key"
chmod 600 "$key"

# station N: calibrate unit U-N, then recalibrate it
station() {
	n=$1
	for run in 1 2; do
		recal=""
		[ $run -eq 2 ] && recal="--recal second"
		# shellcheck disable=SC2086
		"$BIN/pumphil" calibrate --profile s10pro --key "$key" -q \
			--seed "$n" --eeprom "$dir/ee$n.bin" --serial "U-$n" \
			--unit "U-$n" --operator "op-$n" --station "line-$n" \
			--cert "$dir/c$n-$run" $recal \
			>"$dir/st$n-$run" 2>&1 || return 1
	done
}
sed 's/^name *=.*/name = shared/' fixtures/rigs/sim.ini >"$dir/shared.ini"
runner() {
	"$BIN/pumphil" run -q --rig-pool "$dir/shared.ini" --station "ci-$1" \
		fixtures/scenarios/stop_vents.lua fixtures/scenarios/level_limits.lua \
		>"$dir/run$1" 2>&1
}

pids=""
for n in 1 2 3 4 5 6 7 8; do
	station $n &
	pids="$pids $!"
done
runner 1 & r1=$!
runner 2 & r2=$!
for p in $pids; do
	wait "$p" || fail "a station failed: $(cat "$dir"/st*)"
done
wait "$r1" || fail "runner 1: $(cat "$dir/run1")"
wait "$r2" || fail "runner 2: $(cat "$dir/run2")"

[ "$(q "SELECT COUNT(*) FROM calibration")" -eq 16 ] || fail "16 calibrations"
[ "$(q "SELECT COUNT(DISTINCT record_id) FROM calibration")" -eq 16 ] || fail "ids"
[ "$(q "SELECT COUNT(*) FROM calibration WHERE verdict = 'PASS'")" -eq 16 ] ||
	fail "verdicts: $(q "SELECT serial, verdict, reason FROM calibration")"
for n in 1 2 3 4 5 6 7 8; do
	[ "$(q "SELECT COUNT(*) FROM calibration WHERE serial = 'U-$n' AND
	    station = 'line-$n' AND operator = 'op-$n'")" -eq 2 ] ||
		fail "station $n's two records"
	[ "$(q "SELECT COUNT(*) FROM calibration WHERE serial = 'U-$n' AND
	    recal AND recal_reason = 'second'")" -eq 1 ] ||
		fail "station $n's recalibration"
	# the certificate and its record name each other
	for run in 1 2; do
		id=$(sed -n 's/.*"record_id":"\([0-9a-f-]*\)".*/\1/p' "$dir/c$n-$run.json")
		[ -n "$id" ] || fail "certificate c$n-$run lacks its record id"
		h=$(sha256sum "$dir/c$n-$run.json" | cut -d' ' -f1)
		[ "$(q "SELECT COUNT(*) FROM certificate_file f JOIN calibration c
		    ON c.id = f.calibration_id WHERE c.record_id = '$id' AND
		    f.format = 'json' AND f.sha256 = '$h'")" -eq 1 ] ||
			fail "record $id does not name certificate c$n-$run.json"
	done
done
[ "$(q "SELECT COUNT(*) FROM calibration c WHERE
    (SELECT COUNT(*) FROM calibration_point p WHERE p.calibration_id = c.id) <> 10")" -eq 0 ] ||
	fail "a calibration without its points"
[ "$(q "SELECT COUNT(*) FROM calibration_open")" -eq 0 ] || fail "a run left open"

[ "$(q "SELECT COUNT(*) FROM hil_run WHERE rig_name = 'shared'")" -eq 2 ] ||
	fail "both runners' runs"
[ "$(q "SELECT COUNT(*) FROM hil_case WHERE outcome = 'PASS'")" -eq 4 ] || fail "cases"
[ "$(q "SELECT COUNT(*) FROM hil_run a JOIN hil_run b ON a.id < b.id AND
    a.rig_name = b.rig_name AND a.started_utc < b.finished_utc AND
    b.started_utc < a.finished_utc")" -eq 0 ] || fail "two runners on one rig"
[ "$(q "SELECT COUNT(*) FROM rig_reservation")" -eq 2 ] || fail "two reservations"
[ "$(q "SELECT COUNT(*) FROM rig_reservation WHERE released_utc IS NULL")" -eq 0 ] ||
	fail "a reservation left"
"$BIN/pumphil" report -o "$dir/factory.html" >/dev/null || fail "report"
for n in 1 8; do
	grep -q "line-$n" "$dir/factory.html" || fail "report lacks line-$n"
done
echo "8 stations and 2 rig runners on one server ok"
