#!/bin/sh
# bench/hil.sh - wall time of the HIL regression suite on the sim rig.
#
# Runs the whole suite (fixtures/scenarios/*.lua) and then every declared
# defect run, each once, the way tests/e2e/hil_suite.sh and CI do, and
# prints: wall seconds, CPU seconds, the rig (virtual) seconds simulated
# (summed from the JSON record) and their ratio.  Goal: suite + defect
# runs under 60 s of wall time on the 2-core development machine.  This
# is the timing that tests/e2e/hil_suite.sh used to check (it failed on a
# loaded machine): the test checks what the suite does, this measures it.
#
# Then the guard (docs/hil.md "Sandbox"), with a scenario that catches
# every error in `while true do pcall(function() while true do end end)
# end`: how long after its wall-clock limit (--wall-limit 2) the guard
# stops it (goal: at the limit, within 0.1 s), and how long after SIGTERM
# pumphil has exited with its reports written (goal: within 1 s).
#
#   sh bench/hil.sh            (make bench runs it)
set -u
BIN=${BIN:-bin}
PUMPHIL="$BIN/pumphil"
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

# the guard: a scenario that catches every error
printf 'while true do\n  pcall(function() while true do end end)\nend\n' \
	>"$d/spin.lua"
t0=$(now)
"$PUMPHIL" run -q --rig sim --wall-limit 2 --json "$d/g.json" \
	"$d/spin.lua" >"$d/g.out" 2>&1
grc=$?
t1=$(now)
over=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a - 2 }')
if [ $grc -eq 3 ] && awk -v o="$over" 'BEGIN { exit !(o < 0.5) }'; then
	echo "   guard: a pcall-spinning scenario stopped ${over} s after its 2 s" \
		"wall limit (run incl. fixture open; goal < 0.5 s): met"
else
	echo "   guard: exit $grc, ${over} s after the limit: GOAL NOT MET"
	rc=1
fi
# SIGTERM while it spins: time from the signal to exit
"$PUMPHIL" run -q --rig sim --json "$d/t.json" "$d/spin.lua" \
	"$d/spin.lua" >"$d/t.out" 2>&1 &
pid=$!
i=0
# let it reach the spinning loop (the fixture opens in ~10 ms)
while [ $i -lt 20 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
t0=$(now)
kill -TERM $pid
wait $pid
trc=$?
t1=$(now)
lat=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
if [ $trc -eq 4 ] && [ -s "$d/t.json" ] &&
    awk -v l="$lat" 'BEGIN { exit !(l < 1) }'; then
	echo "   SIGTERM to exit (reports written): ${lat} s (goal < 1 s): met"
else
	echo "   SIGTERM to exit: ${lat} s, exit $trc: GOAL NOT MET"
	rc=1
fi
echo "   command: $PUMPHIL run -q --rig sim [--wall-limit 2] spin.lua (see above)"
if awk -v t="$total" 'BEGIN { exit !(t < 60) }'; then
	echo "   suite + defect runs: ${total} s wall (goal < 60 s): met"
else
	echo "   suite + defect runs: ${total} s wall (goal < 60 s): GOAL NOT MET"
	rc=1
fi
exit $rc
