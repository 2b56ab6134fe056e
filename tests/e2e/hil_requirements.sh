#!/bin/sh
# Limits come from the written requirements, not from the pump profile:
#   1. a profile whose overpressure trip drifted from 320 to 350 mmHg (the
#      file the firmware reads) makes the suite FAIL, with the requirement's
#      boundary named; the same copy with the profile untouched passes;
#   2. a scenario that verifies a requirement nobody wrote is an ERROR
#      naming it, and so is one run without a requirement file;
#   3. a requirement file that does not parse is refused with file:line.
. tests/e2e/hil_lib.inc

S=fixtures/scenarios
# a tree of its own: pumphil finds its data beside it (bin/../fixtures,
# base/datadir.h), so the copy's profiles are the ones it runs against
mkdir -p "$TMPD/tree/bin"
cp "$PUMPHIL" "$TMPD/tree/bin/pumphil" || fail "copy pumphil"
cp -R fixtures "$TMPD/tree/fixtures"
run() {   # run PUMPHIL OUT SCENARIO... -> exit status
	prog=$1 out=$2
	shift 2
	"$prog" run --no-record --rig sim \
		--json "$out.json" "$@" >"$out.out" 2>&1
}

# 1. control: the copy as shipped passes
run "$TMPD/tree/bin/pumphil" "$TMPD/ok" $S/overpressure_boundary.lua $S/overpressure_trip.lua
rc=$?
cat "$TMPD/ok.out"
[ $rc -eq 0 ] || fail "unchanged copy: exit $rc"

# ... the profile's trip drifts to 350 mmHg: the firmware follows it, the
# requirement does not
sed 's/^trip_abs_mmhg *= *320/trip_abs_mmhg = 350/' fixtures/pumps/s21.ini \
	>"$TMPD/tree/fixtures/pumps/s21.ini"
grep -q '^trip_abs_mmhg = 350' "$TMPD/tree/fixtures/pumps/s21.ini" ||
	fail "could not plant the drift"
run "$TMPD/tree/bin/pumphil" "$TMPD/drift" $S/overpressure_boundary.lua $S/overpressure_trip.lua
rc=$?
cat "$TMPD/drift.out"
[ $rc -eq 1 ] || fail "drifted profile: exit $rc (want 1, FAIL)"
grep -q '^FAIL  *overpressure_boundary .*trip at 325 mmHg (above the trip)' \
	"$TMPD/drift.out" || fail "the boundary at 325 mmHg did not fail"
grep -q '^FAIL  *overpressure_trip .*vented after the reading passed' \
	"$TMPD/drift.out" || fail "overpressure_trip did not fail"
[ "$(tail -n 1 "$TMPD/drift.out")" = "0 passed, 2 failed, 0 skipped" ] ||
	fail "closing line: $(tail -n 1 "$TMPD/drift.out")"

# 2. a requirement nobody wrote
printf -- '--@profile s21\n--@verifies SR-OP-01 SR-NOPE-99\nwait(1)\n' \
	>"$TMPD/unknown.lua"
run "$PUMPHIL" "$TMPD/unk" "$TMPD/unknown.lua"
rc=$?
cat "$TMPD/unk.out"
[ $rc -eq 3 ] || fail "unknown requirement: exit $rc (want 3, ERROR)"
grep -q 'ERROR .*--@verifies SR-NOPE-99: no such requirement' "$TMPD/unk.out" ||
	fail "the unknown requirement is not named"
# ... and no requirement file at all
with_reqs() {   # with_reqs FILE OUT: overpressure_trip against FILE
	"$PUMPHIL" run --no-record --rig sim \
		--requirements "$1" $S/overpressure_trip.lua >"$2" 2>&1
	rc=$?
	cat "$2"
	return $rc
}
with_reqs "$TMPD/none.ini" "$TMPD/none.out"
rc=$?
[ $rc -eq 3 ] || fail "missing requirement file: exit $rc (want 3)"
grep -q 'none.ini' "$TMPD/none.out" || fail "the missing file is not named"

# 3. a broken requirement file: file:line, nothing run on it
printf '[SR-OP-01]\ntext = t\nsource = s\nhazard = h\ntrip_mmHg = 320\ntrip_mmHg = 350\n' \
	>"$TMPD/dup.ini"
with_reqs "$TMPD/dup.ini" "$TMPD/dup.out"
rc=$?
[ $rc -eq 3 ] || fail "broken requirement file: exit $rc (want 3)"
grep -q 'dup.ini:6: \[SR-OP-01\] trip_mmHg: duplicate key (first on line 5)' \
	"$TMPD/dup.out" || fail "no file:line for the duplicate key"
echo "hil requirements ok"
