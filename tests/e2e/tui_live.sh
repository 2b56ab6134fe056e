#!/bin/sh
# The dashboard against the emulator at 120x40: the graph shows the
# emulator's vacuum, keys change mode and level and the emulator follows
# (shown back from telemetry), pause and zoom, quit leaves the terminal
# clean.
. tests/e2e/tui_lib.inc

start_pane 120 40 C.UTF-8
run "$PB --sim s10pro"
wait_for 'link +UP' 20
wait_for 'pumpbench \| s10pro' 10
# the Link panel shows the device's own counters (DEVICE_STATS)
wait_for 'dev err 0 lost 0 wd 0' 10

# start pumping; the trace and the live values appear
keys s
wait_for '\| running \|' 10
t=50
while [ $t -gt 0 ] && ! has_braille; do sleep 0.2; t=$((t - 1)); done
has_braille || fail "no braille trace in the graph"
# a completed cycle with a peak near the profile's expectation
wait_for '^.ch1 +[0-9]+ +[0-9.]+\( *[0-9]+\)' 20
row=$(cap | grep -oE '^.ch1 +[0-9]+ +[0-9.]+\( *[0-9]+\)' | head -n 1)
peak=$(echo "$row" | sed -E 's/^.ch1 +[0-9]+ +([0-9.]+)\(.*/\1/')
exp=$(echo "$row" | sed -E 's/.*\( *([0-9]+)\)/\1/')
awk -v p="$peak" -v e="$exp" 'BEGIN { exit !(p > 0 && p < 320 && p > e - 40 && p < e + 40) }' ||
	fail "cycle peak $peak not near the expected $exp mmHg"
now=$(cap | sed -n 's/.*now: ch1 \([0-9.]*\) mmHg.*/\1/p' | head -n 1)
awk -v v="$now" 'BEGIN { exit !(v >= -5 && v <= 320) }' ||
	fail "live value '$now' out of range"

# level up: the status shows the level the device reports and its target
l0=$(status_level)
t0=$(status_target)
keys +
l1=$((l0 + 1))
wait_for "level $l1/12" 5
sleep 2.5   # past the request wait: what shows now is telemetry's
[ "$(status_level)" = "$l1" ] || fail "level $l1 not confirmed by telemetry"
t1=$(status_target)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b > a) }' ||
	fail "target did not rise with the level ($t0 -> $t1)"
keys -
wait_for "level $l0/12" 5

# mode: the device switches and reports the new mode
m0=$(cap | head -n 1 | awk -F'|' '{ gsub(/ /, "", $3); print $3 }')
keys m
wait_gone "\\| $m0 \\|" 5
sleep 2.5
m1=$(cap | head -n 1 | awk -F'|' '{ gsub(/ /, "", $3); print $3 }')
[ "$m1" != "$m0" ] || fail "mode did not change ($m0)"

# pause: obvious mark; acquisition goes on (live value keeps changing)
keys Space
wait_for 'PAUSED' 5
wait_for 'time base 10 s \| frozen' 5
keys z
wait_for 'time base 5 s' 5
keys Left
keys x x
wait_for 'time base 30 s' 5
keys Space
wait_gone 'PAUSED' 5
wait_for 'time base 30 s \| sweep' 5

# help overlay lists the keys, any key closes it
keys '?'
wait_for 'Keys \(any key closes\)' 5
cap | grep -q 'calibration screen' || fail "help lacks the calibration key"
keys Escape
wait_gone 'Keys \(any key closes\)' 5

# quit while pumping asks first; n keeps going; y stops and quits
keys q
wait_for 'Stop it and quit' 5
keys n
wait_gone 'Stop it and quit' 5
keys q
wait_for 'Stop it and quit' 5
keys y
wait_for 'EXIT=0' 10
# the alternate screen is gone: only the shell is left
cap | grep -q 'pumpbench |' && fail "dashboard still on screen after quit"
cap | grep -q 'PB\$' || fail "no shell prompt after quit"
echo "ok"
