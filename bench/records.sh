#!/bin/sh
# bench/records.sh - the factory records store under load (issue 13).
#
# 8 station processes each write 200 calibration records and 50 HIL run
# records, all at the same time, into SQLite (WAL, synchronous=FULL, one
# file) and into PostgreSQL 15 (a throwaway server, fsync on, as a
# factory would run it).  Prints records/s over the wall time and the
# p50/p99/max time of one record's transaction, then checks the database:
# every record there, none twice, none partial.  Then again with kill -9
# of random stations while they write: no partial record, and each
# station's records are a prefix of what it meant to write (none lost in
# the middle).  docs/BENCHMARKS.md keeps the numbers.
#
#   sh bench/records.sh        (make bench runs it; about a minute)
set -u
B=${B:-build/rel}
BR="$B/bench/bench_records"
[ -x "$BR" ] || { echo "records bench: $BR not built"; exit 1; }
STATIONS=${STATIONS:-8} CALS=${CALS:-200} RUNS=${RUNS:-50}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pbbr.XXXXXX")
chmod 0755 "$dir"
pg=""
trap '[ -n "$pg" ] && tests/lib/pgtest stop "$pg"; rm -rf "$dir"' EXIT
bad=0
fail() { echo "   FAIL: $*"; bad=1; }

# check Q-FUNCTION EXPECTED-CALS EXPECTED-RUNS (-1: whatever was written)
check() {
	q=$1 want_c=$2 want_r=$3
	c=$($q "SELECT COUNT(*) FROM calibration")
	r=$($q "SELECT COUNT(*) FROM hil_run")
	[ "$want_c" -lt 0 ] || [ "$c" -eq "$want_c" ] || fail "$c calibrations, not $want_c"
	[ "$want_r" -lt 0 ] || [ "$r" -eq "$want_r" ] || fail "$r HIL runs, not $want_r"
	[ "$($q "SELECT COUNT(*) FROM (SELECT serial FROM calibration GROUP BY serial HAVING COUNT(*) > 1) d")" -eq 0 ] ||
		fail "a calibration recorded twice"
	[ "$($q "SELECT COUNT(*) FROM calibration c WHERE
	    (SELECT COUNT(*) FROM calibration_channel k WHERE k.calibration_id = c.id) <> 2 OR
	    (SELECT COUNT(*) FROM calibration_point p WHERE p.calibration_id = c.id) <> 10 OR
	    (SELECT COUNT(*) FROM calibration_verify v WHERE v.calibration_id = c.id) <> 4 OR
	    (SELECT COUNT(*) FROM certificate_file f WHERE f.calibration_id = c.id) <> 3")" -eq 0 ] ||
		fail "a partial calibration record"
	[ "$($q "SELECT COUNT(*) FROM hil_run r WHERE
	    (SELECT COUNT(*) FROM hil_case k WHERE k.run_id = r.id) <> 5 OR
	    (SELECT COUNT(*) FROM hil_measurement m JOIN hil_case k ON k.id = m.case_id WHERE k.run_id = r.id) <> 20 OR
	    (SELECT COUNT(*) FROM hil_requirement q JOIN hil_case k ON k.id = q.case_id WHERE k.run_id = r.id) <> 5")" -eq 0 ] ||
		fail "a partial HIL run record"
	# each station's records are a prefix of its sequence: nothing lost
	# in the middle (serials B<station>-<n>, n from 0)
	[ "$($q "SELECT COUNT(*) FROM (SELECT substr(serial, 1, 3) AS st,
	    COUNT(*) AS n, MAX(CAST(substr(serial, 5) AS INTEGER)) AS top
	    FROM calibration GROUP BY substr(serial, 1, 3)) s WHERE n <> top + 1")" -eq 0 ] ||
		fail "a station's calibrations have a hole"
	echo "   checked: $c calibrations, $r HIL runs, each whole, none twice"
}

lite() { sqlite3 -bail "$dir/records.db" "$1"; }
echo "== records: SQLite ($STATIONS stations x ($CALS calibrations + $RUNS HIL runs) at once)"
echo "   $BR write $dir/records.db $STATIONS $CALS $RUNS"
"$BR" write "$dir/records.db" "$STATIONS" "$CALS" "$RUNS" | sed 's/^/   /' || bad=1
check lite $((STATIONS * CALS)) $((STATIONS * RUNS))
rm -f "$dir"/records.db*
echo "   with kill -9 of random stations:"
"$BR" kill "$dir/records.db" "$STATIONS" "$CALS" "$RUNS" 7 | sed 's/^/   /' || bad=1
check lite -1 -1
[ "$(lite 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"

if tests/lib/pgtest available; then
	pg="$dir/pg"
	tests/lib/pgtest start "$pg" -c fsync=on -c synchronous_commit=on \
		-c shared_buffers=64MB || exit 1
	url=$(cat "$pg/url")
	pgq() { psql -X -A -t -q "$url" -c "$1"; }
	echo "== records: PostgreSQL 15, fsync on ($STATIONS stations x ($CALS calibrations + $RUNS HIL runs) at once)"
	echo "   $BR write postgresql:///postgres?host=... $STATIONS $CALS $RUNS"
	"$BR" write "$url" "$STATIONS" "$CALS" "$RUNS" | sed 's/^/   /' || bad=1
	check pgq $((STATIONS * CALS)) $((STATIONS * RUNS))
	pgq "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public"
	echo "   with kill -9 of random stations:"
	"$BR" kill "$url" "$STATIONS" "$CALS" "$RUNS" 7 | sed 's/^/   /' || bad=1
	check pgq -1 -1
else
	echo "== records: PostgreSQL server binaries absent: SKIPPED"
fi
exit $bad
