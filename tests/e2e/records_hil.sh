#!/bin/sh
# pumphil run records every run in the store, on SQLite (no setup) and on
# a real, throwaway PostgreSQL server: `pumphil records` lists the cases
# on both, `pumphil report` writes the HTML report from both.  A store
# that does not answer stops the run before the rig is touched.  Two
# runners sharing a one-rig pool through PostgreSQL never use the rig at
# the same time, and a pool without PostgreSQL is refused.
set -u
BIN=${BIN:-bin}
dir=$(mktemp -d /tmp/pbrh.XXXXXX)
chmod 0755 "$dir"
pg=""
cleanup() {
	[ -n "$pg" ] && tests/lib/pgtest stop "$pg"
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
S=fixtures/scenarios
ph() { "$BIN/pumphil" "$@"; }

# ---- SQLite, no setup: the default file under XDG_DATA_HOME -------------
export XDG_DATA_HOME="$dir/xdg"
unset PUMPBENCH_DB
ph run -q --junit "$dir/j1.xml" "$S/stop_vents.lua" "$S/level_limits.lua" \
	>"$dir/run1" 2>&1 || fail "run: $(cat "$dir/run1")"
[ -f "$dir/xdg/pumpbench/records.db" ] || fail "no default records file"
ph records --kind hil --format csv >"$dir/l1" 2>&1 || fail "records"
cat "$dir/l1"
[ "$(grep -c '^hil,' "$dir/l1")" -eq 2 ] || fail "two cases expected"
grep -q ',PASS,HILSIM0001,.*,stop_vents,' "$dir/l1" || fail "stop_vents row"
ph records --scenario level_limits --format json >"$dir/l2" ||
	fail "records --scenario"
grep -q '"subject": "level_limits"' "$dir/l2" || fail "scenario filter"
grep -q 'stop_vents' "$dir/l2" && fail "scenario filter let another through"
ph records --verdict FAIL >"$dir/l3" || fail "records --verdict"
grep -q '^0 records$' "$dir/l3" || fail "no FAIL expected: $(cat "$dir/l3")"

# a store that does not answer: nothing runs, no report file appears
ph run --db "postgresql://127.0.0.1:1/none?connect_timeout=3" \
	--junit "$dir/j2.xml" "$S/stop_vents.lua" >"$dir/run2" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "unreachable store: exit $rc"
grep -q "nothing was run" "$dir/run2" || fail "message: $(cat "$dir/run2")"
grep -q "127.0.0.1" "$dir/run2" || fail "message names the store"
[ ! -e "$dir/j2.xml" ] || fail "the rig ran although the store was down"
# --no-record runs without
ph run -q --no-record --db "postgresql://127.0.0.1:1/none" \
	"$S/stop_vents.lua" >/dev/null 2>&1 || fail "--no-record"
# a pool needs PostgreSQL
ph run --rig-pool sim "$S/stop_vents.lua" >"$dir/run3" 2>&1
[ $? -eq 2 ] || fail "pool on SQLite: exit not 2"
grep -q "needs a PostgreSQL records store" "$dir/run3" || fail "pool message"

ph report -o "$dir/lite.html" >/dev/null || fail "report (SQLite)"
grep -q '<svg' "$dir/lite.html" || fail "report has no chart"
grep -q 'level_limits' "$dir/lite.html" || fail "report lacks a scenario"
iconv -f UTF-8 -t UTF-8 "$dir/lite.html" >/dev/null || fail "report UTF-8"

# ---- PostgreSQL ------------------------------------------------------------
tests/lib/pgtest available || exit 77
pg="$dir/pg"
tests/lib/pgtest start "$pg" || fail "cannot start the test server"
url=$(cat "$pg/url")
export PUMPBENCH_DB="$url"

sed 's/^name *=.*/name = poolA/' fixtures/rigs/sim.ini >"$dir/poolA.ini"
for r in 1 2; do
	ph run --rig-pool "$dir/poolA.ini" --station "runner$r" --build b7 \
		"$S/stop_vents.lua" "$S/level_limits.lua" "$S/stop_vents.lua" \
		>"$dir/pool$r" 2>&1 &
	eval "p$r=\$!"
done
wait "$p1"; r1=$?
wait "$p2"; r2=$?
cat "$dir/pool1" "$dir/pool2"
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] || fail "pool runners exit $r1 $r2"
grep -q "reserved rig $dir/poolA.ini" "$dir/pool1" || fail "no reservation"
q() { psql -X -A -t -q "$url" -c "$1"; }
[ "$(q "SELECT COUNT(*) FROM hil_run WHERE rig_name = 'poolA'")" -eq 2 ] ||
	fail "both runs recorded"
[ "$(q "SELECT COUNT(*) FROM hil_case")" -eq 6 ] || fail "six cases"
# never at the same time on the one rig
[ "$(q "SELECT COUNT(*) FROM hil_run a JOIN hil_run b ON a.id < b.id AND
	a.rig_name = b.rig_name AND a.started_utc < b.finished_utc AND
	b.started_utc < a.finished_utc")" -eq 0 ] || fail "runs overlapped"
[ "$(q "SELECT COUNT(*) FROM rig_reservation WHERE released_utc IS NULL")" \
	-eq 0 ] || fail "a reservation was left"
ph list-rigs >"$dir/lr" 2>&1 || fail "list-rigs: $(cat "$dir/lr")"
grep -q "sim:poolA *free" "$dir/lr" || fail "list-rigs: $(cat "$dir/lr")"

ph records --station runner1 --format csv >"$dir/l4" || fail "records (PG)"
[ "$(grep -c '^hil,' "$dir/l4")" -eq 3 ] || fail "runner1 has 3 cases"
grep -q ',b7,' "$dir/l4" || fail "build in the record"
ph report -o "$dir/pg.html" >/dev/null || fail "report (PG)"
grep -q 'stop_vents' "$dir/pg.html" || fail "PG report"
iconv -f UTF-8 -t UTF-8 "$dir/pg.html" >/dev/null || fail "PG report UTF-8"
echo "records of HIL runs ok"
