#!/bin/sh
# Resize at any time: 120x40 full layout -> 60x20 compact -> 30x10 too
# small (message) -> back to 120x40 with every panel.
. tests/e2e/tui_lib.inc

start_pane 120 40 C.UTF-8
run "$PB --sim s10pro"
wait_for 'link +UP' 20
wait_for 'Cycle statistics' 5
tm resize-window -t pb -x 60 -y 20
wait_gone 'Cycle statistics' 5
wait_for 'Vacuum \[mmHg\]' 5
wait_for 'level [0-9]+/12' 5
tm resize-window -t pb -x 30 -y 10
wait_for 'terminal too small' 5
wait_for '30x10, need 40x12' 5
tm resize-window -t pb -x 120 -y 40
wait_for 'Cycle statistics' 5
wait_for 'Alarms' 5
wait_gone 'terminal too small' 5
keys q
wait_for 'EXIT=0' 10
echo "ok"
