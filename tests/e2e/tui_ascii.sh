#!/bin/sh
# In the C locale the graph is ASCII: no braille bytes anywhere, and the
# trace is still drawn (in the plot cells, where the axis and the legend
# cannot stand in for it).
. tests/e2e/tui_lib.inc

start_pane 120 40 C
run "$PB --sim s10pro"
wait_for 'link +UP' 20
keys s
wait_for '\| running \|' 10
sleep 3
any_braille && fail "braille bytes in an ASCII locale"
# the trace's ASCII glyphs (channel 1 ' . |, channel 2 ` , :, both *) in
# the plot cells: not the axis '|' nor the legend, which are always there
n=$(plot_area | grep -o "[|'.\`,:*]" | wc -l)
[ "$n" -ge 20 ] || fail "no ASCII trace ($n trace cells in the plot)"
keys q
wait_for 'Stop it and quit' 5
keys y
wait_for 'EXIT=0' 10
echo "ok"
