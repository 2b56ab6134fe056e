#!/bin/sh
# Scrolling display (w) in the real terminal: the picture moves in whole
# cells (two captures half a second apart are the same picture shifted
# left by a few cells: a window that slid by each frame's samples would
# re-sample and differ), and a marker moves left with it, without a copy
# left behind.  ASCII glyphs (one byte a cell) so awk can compare cells.
. tests/e2e/tui_lib.inc

start_pane 120 40 C.UTF-8
run "$PB --sim s10pro --ascii"
wait_for 'link +UP' 20
keys s
wait_for '\| running \|' 10
keys w
wait_for 'time base 10 s \| scroll' 5

# 120x40: the graph's title is line 2, the plot lines 3..25, the time
# labels line 26; the plot starts at column 8 (1-based)
PLOT='3,25p'
LABELS=26
X0=8
# best_shift EARLIER LATER: "k score cells" for the shift k (1..40) that
# maps most trace cells of LATER onto EARLIER's cell k to their right
best_shift() {
	awk -v x0=$X0 '
	FNR == 1 { f++ }
	f == 1 { a[FNR] = $0; n = FNR; next }
	{ b[FNR] = $0 }
	END {
		bestk = 0; best = -1; bestn = 0
		for (k = 1; k <= 40; k++) {
			m = 0; t = 0
			for (r = 1; r <= n; r++) {
				w = length(b[r]) > length(a[r]) ? length(b[r]) : length(a[r])
				for (x = x0 + 1; x + k <= w - 2; x++) {
					cb = substr(b[r], x, 1); ca = substr(a[r], x + k, 1)
					if (cb == "") cb = " "
					if (ca == "") ca = " "
					if (cb == " " && ca == " ") continue
					t++
					if (cb == ca) m++
				}
			}
			s = t ? m / t : 0
			if (s > best) { best = s; bestk = k; bestn = t }
		}
		printf "%d %.3f %d\n", bestk, best, bestn
	}' "$1" "$2"
}

# until the history is longer than the window, the picture grows from the
# left (0:00 is the first time label); once it scrolls, compare pairs of
# captures (a pair taken while a frame was half written can miss: up to 5)
t=150
while [ $t -gt 0 ] && cap | sed -n "${LABELS}p" | grep -q '^ *mmHg  *0:00 '; do
	sleep 0.2
	t=$((t - 1))
done
[ $t -gt 0 ] || fail "the window never started to scroll"
ok=0
for i in 1 2 3 4 5; do
	cap | sed -n "$PLOT" > "$TMPD/a"
	sleep 0.5
	cap | sed -n "$PLOT" > "$TMPD/b"
	set -- $(best_shift "$TMPD/a" "$TMPD/b")
	echo "pair $i: shift $1 cells, $2 of $3 trace cells match"
	[ "$3" -ge 100 ] || fail "too little trace to compare ($3 cells)"
	if [ "$1" -ge 2 ] && awk -v s="$2" 'BEGIN { exit !(s >= 0.98) }'; then
		ok=1
		break
	fi
done
[ $ok = 1 ] || fail "the scrolled picture is not the earlier one moved by whole cells"

# a marker: one M, moving left with the picture (on the time-label row,
# or on the plot's top row where a time label is: tui/graph.h)
m_cols() { cap | sed -n "3p;${LABELS}p" | awk '{ for (i = 1; i <= length($0); i++) if (substr($0, i, 1) == "M") printf "%d ", i } END { print "" }'; }
keys k
wait_for 'marker label: _' 5
keys Enter
wait_gone 'marker label:' 5
t=25
c0=""
while [ $t -gt 0 ]; do
	set -- $(m_cols)
	[ $# -eq 1 ] && { c0=$1; break; }
	sleep 0.2
	t=$((t - 1))
done
[ -n "$c0" ] || fail "no marker"
sleep 1.5
moved=0
for i in 1 2 3; do
	set -- $(m_cols)
	if [ $# -eq 1 ] && [ "$1" -lt $((c0 - 5)) ]; then
		moved=1
		break
	fi
	echo "capture $i: M at columns '$*' (was $c0)"
	sleep 0.3
done
[ $moved = 1 ] || fail "the marker did not move left as one M (was at column $c0)"

keys q
wait_for 'Stop it and quit' 5
keys y
wait_for 'EXIT=0' 10
echo "ok"
