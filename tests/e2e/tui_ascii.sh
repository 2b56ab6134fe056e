#!/bin/sh
# In the C locale the graph is ASCII: no braille bytes anywhere, and the
# trace is still drawn.
. tests/e2e/tui_lib.inc

start_pane 120 40 C
run "$PB --sim s10pro"
wait_for 'link +UP' 20
keys s
wait_for '\| running \|' 10
sleep 3
any_braille && fail "braille bytes in an ASCII locale"
# channel 1's ASCII glyphs in the plot area (rows 2..26)
cap | sed -n '3,26p' | grep -q "[|'.]" || fail "no ASCII trace"
keys q
wait_for 'Stop it and quit' 5
keys y
wait_for 'EXIT=0' 10
echo "ok"
