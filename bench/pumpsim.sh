#!/bin/sh
# bench/pumpsim.sh - the pump emulator's cost, three ways in one run.
#
#  1. virtual time: a 30-minute double-pumping session (s10pro, 2 channels
#     x 1 kHz telemetry) in lock-step virtual time, in process; speed =
#     model seconds / CPU seconds (goal >= 50x).
#  2. real time: bin/pumpsim --stdio paced by its own monotonic clock for
#     10 s, driven by a proto/client host that reads every frame; the
#     child's utime+stime from wait4() over the window (goal <= 5 % of one
#     core).
#  3. callgrind: instructions per model second of pb_emu_advance (and the
#     device output it produces), machine-independent; with the native
#     CPU time of the same run it converts to a share of one core.
#
#   sh bench/pumpsim.sh            (make bench runs it)
#   VIRTUAL_S=600 REAL_S=5 sh bench/pumpsim.sh
set -u
BIN=${BIN:-bin}
B=${B:-build/rel}
BENCH="$B/bench/bench_pumpsim"
SIM="$BIN/pumpsim"
VIRTUAL_S=${VIRTUAL_S:-1800}
REAL_S=${REAL_S:-10}
CG_S=${CG_S:-20}
for x in "$BENCH" "$SIM"; do
	[ -x "$x" ] || { echo "pumpsim bench: $x not built"; exit 1; }
done
d=$(mktemp -d "${TMPDIR:-/tmp}/pbsimbench.XXXXXX")
trap 'rm -rf "$d"' EXIT
val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
rc=0

echo "-- 1. virtual time: $BENCH virtual $VIRTUAL_S s10pro"
"$BENCH" virtual "$VIRTUAL_S" s10pro | tee "$d/v" | sed 's/^/   /'
speed=$(val speed_cpu "$d/v")
awk -v s="$speed" 'BEGIN { exit !(s >= 50) }' &&
	echo "   virtual speed ${speed}x real time (goal >= 50x): met" ||
	{ echo "   virtual speed ${speed}x: GOAL NOT MET"; rc=1; }

echo "-- 2. real time: $BENCH realtime $SIM $REAL_S s10pro"
"$BENCH" realtime "$SIM" "$REAL_S" s10pro | tee "$d/r" | sed 's/^/   /'
pct=$(val cpu_percent_of_one_core "$d/r")
awk -v p="$pct" 'BEGIN { exit !(p <= 5) }' &&
	echo "   pumpsim real time costs ${pct} % of one core (goal <= 5 %): met" ||
	{ echo "   pumpsim real time ${pct} %: GOAL NOT MET"; rc=1; }

if command -v valgrind >/dev/null 2>&1; then
	echo "-- 3. callgrind: valgrind --tool=callgrind $BENCH virtual $CG_S s10pro"
	valgrind --tool=callgrind --callgrind-out-file="$d/cg.out" \
		"$BENCH" virtual "$CG_S" s10pro >/dev/null 2>"$d/cg.err" ||
		{ cat "$d/cg.err"; exit 1; }
	total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$d/cg.out")
	adv=$(callgrind_annotate --inclusive=yes "$d/cg.out" 2>/dev/null |
		grep -E '[^>] [^ ]*:pb_emu_advance ' | head -n 1 |
		awk '{ gsub(",", "", $1); print $1 }')
	"$BENCH" virtual "$CG_S" s10pro > "$d/n"
	cpu=$(val cpu_s "$d/n")
	awk -v t="$total" -v a="$adv" -v s="$CG_S" -v cpu="$cpu" 'BEGIN {
		printf "   pb_emu_advance: %.0f instructions per model second (%s Ir inclusive / %s s; program total %s Ir)\n", a / s, a, s, t;
		if (cpu > 0) {
			ips = t / cpu;
			printf "   native run of the same program: %.3f s CPU -> %.2e Ir/s on this machine\n", cpu, ips;
			printf "   the model at real time: %.0f / %.2e = %.2f %% of one core\n", a / s, ips, 100 * a / s / ips;
		}
	}'
else
	echo "-- 3. callgrind: skipped (no valgrind)"
fi
exit $rc
