#!/bin/sh
# The suite on realistic units (issue 10), pumphil run --unit:
#   1. calibrated units of several seeds (sensor errors drawn from the
#      profile's spreads, then a factory calibration): the true vacuum
#      (reference transducer) at every level of every mode, stimulation
#      included, both channels of the double pump, within SR-ACC-01
#      (+/-4 mmHg or 3 %, tighter than half a level step);
#   2. the same units with the level table read one level up
#      (level-off-by-one): caught;
#   3. uncalibrated units of the same seeds: every safety scenario that
#      does not judge accuracy passes (no false alarm, every fault found);
#   4. an unknown --unit is a usage error.
. tests/e2e/hil_lib.inc

S=fixtures/scenarios
run() {   # run OUT ARGS... -> exit status
	out=$1
	shift
	"$PUMPHIL" run --no-record --rig sim "$@" >"$TMPD/$out.out" 2>&1
	rc=$?
	cat "$TMPD/$out.out"
	return $rc
}
SEEDS="2 5 9"
accuracy="$S/nominal_s21.lua $S/nominal_s10pro.lua $S/single_double.lua"
# the safety scenarios (a defect switch) that do not judge accuracy
safety=$(grep -l '^--@defect ' $S/*.lua | xargs grep -L 'SR-ACC-01')
[ -n "$safety" ] || fail "no safety scenarios found"

for seed in $SEEDS; do
	# shellcheck disable=SC2086
	run "cal$seed" --unit calibrated --seed "$seed" --json "$TMPD/cal$seed.json" $accuracy ||
		fail "calibrated unit, seed $seed: accuracy"
	grep -q "seed $seed, calibrated unit" "$TMPD/cal$seed.json" ||
		fail "the report does not name the seed and the unit"
done

# 2. an off-by-one level table on a calibrated unit is caught
run offby1 --unit calibrated --seed 5 --defects-only $S/nominal_s21.lua ||
	fail "level-off-by-one on a calibrated unit not detected"
grep -q 'defect level-off-by-one detected' "$TMPD/offby1.out" ||
	fail "no detection line"

for seed in $SEEDS; do
	# shellcheck disable=SC2086
	run "uncal$seed" --unit uncalibrated --seed "$seed" $safety ||
		fail "uncalibrated unit, seed $seed: safety"
done

# 4. usage
"$PUMPHIL" run --no-record --rig sim --unit perfect $S/nominal_s21.lua \
	>"$TMPD/usage.out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "--unit perfect: exit $rc (want 2)"
grep -q "ideal, uncalibrated or calibrated" "$TMPD/usage.out" ||
	fail "no usage message"
echo "ok"
