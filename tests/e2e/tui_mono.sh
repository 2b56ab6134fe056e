#!/bin/sh
# Colours where the terminal has them; none with NO_COLOR, --mono or
# --color=never (the state still reads as text: LINK/OK/PAUSED);
# --color=always wins over NO_COLOR.
. tests/e2e/tui_lib.inc

check() { # extra-env pumpbench-args want-colour
	start_pane 120 40 C.UTF-8 "$1"
	run "$PB --sim s10pro $2"
	wait_for 'link +UP' 20
	keys s
	wait_for '\| running \|' 10
	keys Space
	wait_for 'PAUSED' 5
	if [ "$3" = yes ]; then
		has_colour || fail "no colours with TERM=screen ($1 $2)"
	else
		has_colour && fail "colours despite '$1 $2'"
	fi
	keys q
	wait_for 'Stop it and quit' 5
	keys y
	wait_for 'EXIT=0' 10
	tm kill-session -t pb
}
check "" "" yes
check "NO_COLOR=1" "" no
check "" "--mono" no
check "" "--color=never" no
# the option wins over the environment
check "NO_COLOR=1" "--color=always" yes
echo "ok"
