#!/bin/sh
# Small terminals (issue 11): at 160x45, 80x24 and 40x12 no panel writes
# over its own border or another's, the graph's title line is whole, and
# in a replay the markers never cover a time label.
#
# The borders are read from the screen itself (tests/e2e/borders.py finds
# every box-drawing box and checks it is whole), in several captures
# while the pump runs and the panels fill.  On the old code this failed
# at 160x45 (the Link panel's last line over its right border), at 80x24
# (the profile line over the statistics border, the Link panel's lines
# and the Alarms title over theirs) and at 40x12 (the legend drawn over
# "Vacuum"); the replay's M over the time labels.
. tests/e2e/tui_lib.inc
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
BORDERS="$PWD/tests/e2e/borders.py"

# check_borders WHAT: the pane's boxes are whole
check_borders() {
	cap > "$TMPD/screen.txt"
	python3 "$BORDERS" "$TMPD/screen.txt" > "$TMPD/borders.txt" ||
		{ cat "$TMPD/borders.txt"; fail "$1: a panel wrote over a border"; }
}
# the graph's title line: the unit, then whole parts only
check_title() {
	_t=$(cap | sed -n 2p)
	echo "$_t" | grep -qE '^ Vacuum \[(mmHg|kPa|cmH2O)\]( {2}time base [0-9]+ (s|min|h)( \| (sweep|scroll|frozen) \| (fixed|auto) scale( \| markers)?)?)?( |$)' ||
		fail "$1: the graph title is garbled: '$_t'"
	echo "$_t" | grep -q 'ch1.*ch1' && fail "$1: the legend is drawn twice"
	:
}

for size in ${PB_BORDER_SIZES:-160x45 80x24 40x12}; do
	case $size in *x*) ;; *) continue;; esac
	cols=${size%x*}
	rows=${size#*x}
	echo "== $size"
	start_pane "$cols" "$rows" C.UTF-8
	run "$PB --sim s10pro"
	wait_for 'level [0-9]+/[0-9]+' 20
	keys s
	wait_for 'running' 10
	if [ "$cols" -ge 80 ]; then
		# the profile line and a complete cycle: the panels are full
		wait_for 'profile: expression' 20
		wait_for '│(ch)?1 +[0-9]+ +[0-9]' 30
		keys +
		wait_for 'level 2/' 10
	fi
	# several looks while the values change
	n=0
	while [ $n -lt 5 ]; do
		check_borders "$size (look $n)"
		check_title "$size (look $n)"
		sleep 0.5
		n=$((n + 1))
	done
	keys q
	wait_for 'Stop it and quit' 5
	keys y
	wait_for 'EXIT=0' 15
	tm kill-server >/dev/null 2>&1
done

echo "== replay: markers beside the time labels, never over them"
# a recording with a marker every 0.2 s: some fall where labels are
{
	printf '0 start\n'
	i=1
	while [ $i -le 40 ]; do
		printf '+0.2 marker m%d\n' $i
		i=$((i + 1))
	done
	printf '+0.2 end\n'
} > "$TMPD/marks.txt"
"$PB" --sim s10pro --headless --script "$TMPD/marks.txt" \
	--record "$TMPD/marks.csv" > "$TMPD/rec.out" 2>&1 ||
	{ cat "$TMPD/rec.out"; fail "could not record the markers"; }
[ "$(grep -c '^M,' "$TMPD/marks.csv")" -eq 40 ] || fail "not 40 markers recorded"
start_pane 80 24 C.UTF-8
run "$PB --replay '$TMPD/marks.csv'"
wait_for 'REPLAY' 10
wait_for 'M.*M.*M' 10
sleep 1
row=$(cap | grep -E '^ +(mmHg|kPa|cmH2O) ' | head -n 1)
echo "label row: '$row'"
# every word of the row is the unit, a time label or a marker
bad=$(echo "$row" | tr -s ' ' '\n' | grep -vE '^((mmHg|kPa|cmH2O)|[0-9]+:[0-9]{2}(:[0-9]{2})?|M+|)$' || true)
[ -z "$bad" ] || fail "a marker over a time label: '$bad'"
echo "$row" | grep -qE '[0-9]+:[0-9]{2}' || fail "no time label left"
check_borders "replay"
keys q
wait_for 'EXIT=0' 15
echo "ok"
