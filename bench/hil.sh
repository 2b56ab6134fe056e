#!/bin/sh
# bench/hil.sh - wall time of the HIL regression suite on the sim rig.
#
# Runs the whole suite (fixtures/scenarios/*.lua) and then every declared
# defect run, each once, the way tests/e2e/hil_suite.sh and CI do, and
# prints: wall seconds, CPU seconds, the rig (virtual) seconds simulated
# (summed from the JSON record) and their ratio.  Goal: suite + defect
# runs under 60 s of wall time on the 2-core development machine.
#
#   sh bench/hil.sh            (make bench runs it)
set -u
BIN=${BIN:-bin}
PUMPHIL="$BIN/pumphil"
export PUMPBENCH_FIXTURES="${PUMPBENCH_FIXTURES:-$PWD/fixtures}"
[ -x "$PUMPHIL" ] || { echo "hil bench: $PUMPHIL not built"; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/pbhilbench.XXXXXX")
trap 'rm -rf "$d"' EXIT

now() { date +%s.%N; }
# rig seconds summed over every attempt of a JSON record
rig_s() {
	grep -o '"rig_seconds": [0-9.e+-]*' "$1" |
		awk '{ s += $2 } END { printf "%.0f", s }'
}
# user+sys CPU seconds of the children so far (from /proc/self/stat of sh)
cpu() { awk '{ printf "%.2f", ($16 + $17) / 100 }' /proc/$$/stat; }

rc=0
total=0
for run in suite defects; do
	args=""
	[ "$run" = defects ] && args="--defects-only"
	c0=$(cpu)
	t0=$(now)
	# shellcheck disable=SC2086
	"$PUMPHIL" run -q --rig sim $args --json "$d/$run.json" \
		fixtures/scenarios/*.lua >"$d/$run.out" 2>&1 || rc=1
	t1=$(now)
	c1=$(cpu)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	cpus=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
	rs=$(rig_s "$d/$run.json")
	echo "   $run: $(tail -n 1 "$d/$run.out"); wall ${wall} s, CPU ${cpus} s," \
		"${rs} rig s ($(awk -v r="$rs" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')x real time)"
	total=$(awk -v a="$total" -v b="$wall" 'BEGIN { printf "%.2f", a + b }')
done
echo "   command: $PUMPHIL run -q --rig sim [--defects-only] fixtures/scenarios/*.lua"
if awk -v t="$total" 'BEGIN { exit !(t < 60) }'; then
	echo "   suite + defect runs: ${total} s wall (goal < 60 s): met"
else
	echo "   suite + defect runs: ${total} s wall (goal < 60 s): GOAL NOT MET"
	rc=1
fi
exit $rc
