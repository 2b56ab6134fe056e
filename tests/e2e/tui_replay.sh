#!/bin/sh
# --replay shows a recording in the same interface: REPLAY tag, the
# recording's identity and sample count, the trace, zoom to the whole
# session; pump keys are refused; q quits without asking.
. tests/e2e/tui_lib.inc

"$PB" --sim --headless --duration 2 --record "$TMPD/r.csv" > "$TMPD/out" ||
	fail "headless recording failed"
# the session's count (" samples="), not the client's telemetry_samples=,
# which also counts what came before the HELLO answer
n=$(sed -n 's/^pumpbench: samples=\([0-9]*\) .*/\1/p' "$TMPD/out")
[ -n "$n" ] || fail "no samples= in the headless summary"
start_pane 120 40 C.UTF-8
run "$PB --replay '$TMPD/r.csv'"
wait_for 'REPLAY' 10
wait_for "samples $n +lost 0" 5
wait_for 'fw +sim-s10pro' 5
has_braille || fail "no trace in the replay"
keys x x x x x x x x x x x x x x x x
wait_for 'time base session' 5
keys s
wait_for 'replay: no pump to command' 5
keys q
wait_for 'EXIT=0' 10
echo "ok"
