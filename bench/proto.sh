#!/bin/sh
# bench/proto.sh - protocol decoder cost: instructions per byte of
# pb_decoder_feed (COBS + CRC-32C + header checks, callgrind, inclusive)
# and wall-clock MB/s, on a 1 kHz double-pump telemetry stream.
# Run by `make bench` (tools/run-bench) with B set to the build dir.
set -eu
B=${B:-build/rel}
bin="$B/bench/bench_decode"
[ -x "$bin" ] || { echo "proto.sh: $bin not built (make $bin)"; exit 1; }

echo "protocol decoder (pb_decoder_feed), 1 kHz x 2 ch telemetry stream"
echo "command: $bin 16 5"
"$bin" 16 5 | sed 's/^/  /'

if command -v valgrind >/dev/null 2>&1; then
	rc=0
	out=$(mktemp /tmp/pb-callgrind.XXXXXX)
	echo "command: valgrind --tool=callgrind --toggle-collect=pb_decoder_feed $bin 4 1"
	res=$(valgrind --tool=callgrind --callgrind-out-file="$out" \
	    --toggle-collect=pb_decoder_feed "$bin" 4 1 2>/dev/null)
	bytes=$(echo "$res" | awk '/^bytes/ {print $2}')
	ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
	rm -f "$out"
	echo "  instructions in pb_decoder_feed (inclusive): $ir"
	echo "  bytes: $bytes"
	awk -v ir="$ir" -v b="$bytes" 'BEGIN {
		ipb = ir / b
		printf "  instructions per byte: %.2f (goal <= 10): %s\n", ipb,
		    ipb <= 10 ? "ok" : "OVER GOAL"
		exit ipb <= 10 ? 0 : 1 }' || rc=1
	# Smaller reads cost more per byte (one call per read).
	echo "  by read size (1 MB stream): chunk bytes -> instructions/byte"
	for chunk in 1 16 64 256 1024; do
		res=$(valgrind --tool=callgrind --callgrind-out-file="$out" \
		    --toggle-collect=pb_decoder_feed "$bin" 1 1 "$chunk" \
		    2>/dev/null)
		bytes=$(echo "$res" | awk '/^bytes/ {print $2}')
		ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
		rm -f "$out"
		awk -v c="$chunk" -v ir="$ir" -v b="$bytes" \
		    'BEGIN { printf "    %5d -> %.2f\n", c, ir / b }'
	done
	exit $rc
else
	echo "  valgrind not installed: instructions per byte not measured"
fi
