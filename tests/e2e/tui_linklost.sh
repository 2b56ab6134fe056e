#!/bin/sh
# A killed emulator gives the LINK LOST banner; pumpbench restarts it on
# the same link path and the link comes back by itself.
. tests/e2e/tui_lib.inc

start_pane 120 40 C.UTF-8
run "$PB --sim s10pro"
wait_for 'link +UP' 20
sh_pid=$(pane_pid)
pb_pid=$(child_named "$sh_pid" pumpbench) || fail "pumpbench not found"
sim_pid=$(child_named "$pb_pid" pumpsim) || fail "pumpsim child not found"
kill -KILL "$sim_pid"
wait_for 'LINK LOST' 5
wait_for 'no valid frame for' 5
wait_for 'link +LOST' 5
# back by itself, with a new emulator
wait_for 'link +UP' 20
wait_gone '!!!  LINK LOST' 5
new=$(child_named "$pb_pid" pumpsim) || fail "pumpsim not restarted"
[ "$new" != "$sim_pid" ] || fail "same pumpsim pid"
wait_for 'reconnects [1-9]' 10
keys q
wait_for 'EXIT=0' 10
echo "ok"
