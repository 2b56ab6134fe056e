#!/bin/sh
# bench/tui_core.sh - the dashboard's pure cores: instructions per frame
# of history query + rasteriser + dirty columns on a 200x50 grid
# (callgrind, inclusive, bench_one_frame), instructions per sample of the
# history append (bench_push), cells changed per frame (what the front
# end must send) in scrolling and sweep modes, and the size and resident
# memory of 8 hours of 2 x 1 kHz history.
# Run by `make bench` (tools/run-bench) with B set to the build dir.
set -eu
B=${B:-build/rel}
bin="$B/bench/bench_tui_core"
[ -x "$bin" ] || { echo "tui_core.sh: $bin not built (make $bin)"; exit 1; }
FRAMES=${FRAMES:-60}
GOAL_IR=${GOAL_IR:-2500000}    # instructions per frame (query + raster)
rc=0

echo "dashboard cores: 200x50 grid, 2 channels x 1 kHz, 33 samples/frame"
for mode in scroll scrollfree sweep ascii session 8h; do
	echo "command: $bin frames $mode $FRAMES"
	out=$("$bin" frames "$mode" "$FRAMES")
	cells=$(echo "$out" | awk '/^cells_changed_per_frame/ {print $2}')
	cols=$(echo "$out" | awk '/^columns_dirty_per_frame/ {print $2}')
	if command -v valgrind >/dev/null 2>&1; then
		cg=$(mktemp /tmp/pb-callgrind.XXXXXX)
		valgrind --tool=callgrind --callgrind-out-file="$cg" \
		    --toggle-collect=bench_one_frame "$bin" frames "$mode" \
		    "$FRAMES" >/dev/null 2>&1
		ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$cg")
		rm -f "$cg"
		ipf=$(awk -v ir="$ir" -v f="$FRAMES" 'BEGIN {printf "%.0f", ir / f}')
		ok=$(awk -v i="$ipf" -v g="$GOAL_IR" 'BEGIN {print (i <= g) ? "ok" : "OVER GOAL"}')
		[ "$ok" = ok ] || rc=1
		printf '  %-8s %9s instr/frame (goal <= %s: %s), %7s cells and %5s columns changed/frame\n' \
		    "$mode" "$ipf" "$GOAL_IR" "$ok" "$cells" "$cols"
	else
		printf '  %-8s (valgrind not installed), %s cells and %s columns changed/frame\n' \
		    "$mode" "$cells" "$cols"
	fi
done

if command -v valgrind >/dev/null 2>&1; then
	echo "command: valgrind --tool=callgrind --toggle-collect=bench_push $bin frames scroll 1"
	cg=$(mktemp /tmp/pb-callgrind.XXXXXX)
	valgrind --tool=callgrind --callgrind-out-file="$cg" \
	    --toggle-collect=bench_push "$bin" frames scroll 1 >/dev/null 2>&1
	ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$cg")
	rm -f "$cg"
	# 10 minutes of history plus one 33-sample batch, both channels
	awk -v ir="$ir" 'BEGIN {
		n = 600000 + 33
		printf "  history append: %.0f instr per sample (both channels), %.2f M instr/s at 1 kHz\n", ir / n, ir / n * 1000 / 1e6 }'
fi

echo "command: $bin mem 8"
"$bin" mem 8 | sed 's/^/  /'
hwm=$("$bin" mem 8 | awk '/^VmHWM_KiB/ {print $2}')
awk -v k="$hwm" 'BEGIN {
	printf "  8 h history resident: %.1f MiB of the 16 MiB dashboard budget: %s\n",
	    k / 1024, (k <= 16384) ? "ok" : "OVER BUDGET" }'
[ "$hwm" -le 16384 ] || rc=1
exit $rc
