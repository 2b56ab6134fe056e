#!/bin/sh
# Bring-up mode with a screen: a prototype that prints numbers (here
# pb-textgen, Arduino-style name:value lines with every 50th line
# malformed) piped into `pumpbench --text -`.  The graph shows the
# trace, the status bar the TEXT tag, the channel names and a growing
# malformed count; the footer says why there are no controls; the cycle
# statistics find the generator's 60 cycles/min and its 200 mmHg peaks;
# the recording holds
# the samples.  Then the same from a pty (the termios backend), and the
# port going away.
. tests/e2e/tui_lib.inc

B=${B:-build/rel}
case "$B" in /*) ;; *) B="$PWD/$B";; esac
GEN="$B/tests/tools/pb-textgen"
[ -x "$GEN" ] || fail "$GEN not built"

start_pane 160 45 C.UTF-8
run "'$GEN' --format arduino --rate 500 --seconds 600 --bad-every 50 | $PB --text - --record '$TMPD/t.csv'"
wait_for ' TEXT ' 10
wait_for 'ch1 vac' 10
wait_for 'ch2 flow' 10
wait_for 'malformed [1-9]' 10
wait_for 'no controls: the device prints text, not the protocol' 5
wait_for 'lines [0-9]+ +values [1-9]' 5
# the trace: poll, it needs a frame with data
t=$((50 * PB_E2E_SCALE))
while ! has_braille; do
	t=$((t - 1)); [ $t -gt 0 ] || fail "no trace"
	sleep 0.2
done
# statistics from the waveform: a complete cycle of ch1, 200 mmHg peaks,
# 60 cycles/min
wait_for '1 +[1-9][0-9]* +200\.0\( +-\) +0\.0 +(59\.[5-9]|60\.[0-4])\(' 20
# (a pump key's refusal with the reason: tests/unit/test_app.c)
keys s
# markers and recording still work
keys k
wait_for 'marker label: _' 5
keys -l 'let-down'
keys Enter
wait_gone 'marker label:' 5
wait_for 'last bad: line [0-9]+: not a number' 5
keys q
wait_for 'EXIT=0' 10
grep -q '^# end: samples=[1-9]' "$TMPD/t.csv" || fail "recording not closed whole"
grep -q '^P,.*run=1 .*mask=3' "$TMPD/t.csv" || fail "no state row for two channels"
grep -q '^M,.*text=let-down' "$TMPD/t.csv" || fail "no labelled marker row"
# the samples are the generator's values (0.0 .. 200.0, ch2 = 0.9 ch1)
awk -F, '/^S,/ { n++; if ($4 > mx) mx = $4; if (mn == "" || $4 < mn) mn = $4
	if ($4 > 10 && ($5 / $4 < 0.89 || $5 / $4 > 0.91)) bad++ }
	END { exit !(n > 500 && mx == 200.0 && mn == 0.0 && bad == 0) }' \
	"$TMPD/t.csv" || fail "recorded samples are not the generator's"
# the recording replays with the same statistics
run "$PB --replay '$TMPD/t.csv'"
wait_for 'REPLAY' 10
wait_for '1 +[1-9][0-9]* +200\.0\( +-\) +0\.0 +(59\.[5-9]|60\.[0-4])\(' 10
keys q
wait_for 'EXIT=0.*' 10

# a pty, through the termios backend, at a baud rate; then it goes away
keys "clear" Enter
"$GEN" --pty "$TMPD/pty" --format cols --rate 200 --seconds 600 \
    > "$TMPD/gen.out" 2> "$TMPD/gen.err" &
gen=$!
t=$((50 * PB_E2E_SCALE))
while [ ! -L "$TMPD/pty" ]; do
	t=$((t - 1)); [ $t -gt 0 ] || fail "pb-textgen did not make its pty"
	sleep 0.1
done
run "$PB --text '$TMPD/pty' --baud 115200"
wait_for ' TEXT ' 10
wait_for 'port +open' 10
wait_for 'ch1 col 1' 5
wait_for 'malformed 0' 5
kill "$gen"
wait "$gen" 2>/dev/null
wait_for 'port +GONE' 10
wait_for 'LINK LOST' 5
keys q
wait_for 'EXIT=0' 10
echo "ok"
