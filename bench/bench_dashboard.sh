#!/bin/sh
# bench/bench_dashboard.sh - the dashboard beside ttyplot, in one run.
#
# One emulated pump (bench_dashboard_feed: the emulator core on a pty,
# s10pro, 2 channels x 1 kHz) feeds both viewers at the same time: the
# dashboard through the protocol on the pty (--port), ttyplot -2 the
# same samples as text in the same batches (one write per telemetry
# batch).  Each viewer runs under `script` on its own 200x50 pty; bytes
# written to the terminal are the bytes script copies out, CPU is
# utime+stime from /proc/PID/stat, both over the same steady window.
# Then resident memory: the dashboard's VmHWM in this run, and the
# dashboard's data structures holding 8 hours of history
# (bench_dashboard_mem).  Last, bring-up mode (`pumpbench --text -`)
# beside ttyplot -2 on the same text lines (tests/tools/pb-textgen).
#
#   sh bench/bench_dashboard.sh            (make bench runs it)
#   SECONDS_RUN=20 WINDOW=10 sh bench/bench_dashboard.sh
set -u
BIN=${BIN:-bin}
B=${B:-build/rel}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN";; esac
case "$B" in /*) ;; *) B="$PWD/$B";; esac
FEED="$B/bench/bench_dashboard_feed"
MEM="$B/bench/bench_dashboard_mem"
RUN=${SECONDS_RUN:-24}
WINDOW=${WINDOW:-12}

for x in "$BIN/pumpbench" "$FEED" "$MEM"; do
	[ -x "$x" ] || { echo "bench_dashboard: $x not built"; exit 1; }
done
command -v script >/dev/null 2>&1 || { echo "bench_dashboard: needs script (util-linux)"; exit 1; }
have_ttyplot=1
command -v ttyplot >/dev/null 2>&1 || have_ttyplot=0

d=$(mktemp -d "${TMPDIR:-/tmp}/pbbench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT

tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
size_of() { wc -c < "$1" | tr -d ' '; }
# pid of the process named $2 below $1 (script -> sh -> prog)
find_below() {
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		for _f in /proc/[0-9]*/stat; do
			read -r _pid _comm _st _ppid _rest 2>/dev/null < "$_f" || continue
			[ "$_comm" = "($2)" ] || continue
			_p=$_ppid
			for _k in 1 2 3; do
				[ "$_p" = "$1" ] && { echo "$_pid"; return 0; }
				_p=$(awk '{ print $4 }' "/proc/$_p/stat" 2>/dev/null)
				[ -n "$_p" ] || break
			done
		done
		sleep 0.3
	done
	return 1
}

mkfifo "$d/plot"
"$FEED" s10pro "$RUN" "$d/pty" "$d/plot" > "$d/feed.out" 2> "$d/feed.err" &
pids="$pids $!"
feed_pid=$!

# ttyplot: its data from the FIFO, keys from nothing
if [ $have_ttyplot = 1 ]; then
	(sleep $((RUN + 5))) | TERM=xterm-256color script -q -c \
	    "stty cols 200 rows 50; exec ttyplot -2 -t pumpbench-bench -u mmHg < '$d/plot'" \
	    /dev/null > "$d/ttyplot.out" 2>&1 &
	tp_script=$!
	pids="$pids $tp_script"
else
	# keep the FIFO drained so the feed runs
	cat "$d/plot" > /dev/null &
	pids="$pids $!"
fi

t=0
while [ ! -L "$d/pty" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
[ -L "$d/pty" ] || { echo "bench_dashboard: feed did not start"; cat "$d/feed.err"; exit 1; }

# the dashboard: start pumping with `s` once connected, quit at the end
( sleep 2; printf s; sleep $((RUN + 5)) ) | TERM=xterm-256color LANG=C.UTF-8 \
    LC_ALL=C.UTF-8 script -q -c \
    "stty cols 200 rows 50; exec '$BIN/pumpbench' --port '$d/pty'" \
    /dev/null > "$d/pb.out" 2>&1 &
pb_script=$!
pids="$pids $pb_script"

pb_pid=$(find_below "$pb_script" pumpbench) || { echo "bench_dashboard: pumpbench did not start"; exit 1; }
tp_pid=""
if [ $have_ttyplot = 1 ]; then
	tp_pid=$(find_below "$tp_script" ttyplot) || { echo "bench_dashboard: ttyplot did not start"; exit 1; }
fi

# steady window: skip the start (connect, first full frame)
sleep $(( (RUN - WINDOW) / 2 + 1 ))
pb_c0=$(cpu_ticks "$pb_pid"); pb_b0=$(size_of "$d/pb.out")
[ -n "$tp_pid" ] && { tp_c0=$(cpu_ticks "$tp_pid"); tp_b0=$(size_of "$d/ttyplot.out"); }
sleep "$WINDOW"
pb_c1=$(cpu_ticks "$pb_pid"); pb_b1=$(size_of "$d/pb.out")
[ -n "$tp_pid" ] && { tp_c1=$(cpu_ticks "$tp_pid"); tp_b1=$(size_of "$d/ttyplot.out"); }
pb_hwm=$(hwm_kib "$pb_pid")
wait "$feed_pid" 2>/dev/null
feed_info=$(cat "$d/feed.err")

pct() { awk -v a="$1" -v b="$2" -v t="$tck" -v w="$WINDOW" 'BEGIN { printf "%.2f", (b - a) * 100 / t / w }'; }
rate() { awk -v a="$1" -v b="$2" -v w="$WINDOW" 'BEGIN { printf "%.1f", (b - a) / 1024 / w }'; }
pb_cpu=$(pct "$pb_c0" "$pb_c1"); pb_kbs=$(rate "$pb_b0" "$pb_b1")
grep -q 'running' "$d/pb.out" || echo "warning: the dashboard never showed the pump running"

echo "dashboard vs ttyplot: 2 channels x 1 kHz, 200x50, ${WINDOW} s window ($feed_info)"
printf '%-28s %10s %12s\n' "viewer" "CPU %" "output KB/s"
printf '%-28s %10s %12s\n' "pumpbench (braille, sweep)" "$pb_cpu" "$pb_kbs"
if [ -n "$tp_pid" ]; then
	tp_cpu=$(pct "$tp_c0" "$tp_c1"); tp_kbs=$(rate "$tp_b0" "$tp_b1")
	printf '%-28s %10s %12s\n' "ttyplot -2" "$tp_cpu" "$tp_kbs"
	awk -v a="$pb_cpu" -v b="$tp_cpu" -v c="$pb_kbs" -v e="$tp_kbs" 'BEGIN {
		printf "ratio: CPU %.3f, bytes %.3f (goal <= 0.25 each)\n", (b > 0 ? a / b : 0), (e > 0 ? c / e : 0)
		ok = (a <= b / 4) && (c <= e / 4)
		print ok ? "goal met" : "goal NOT met"
	}'
else
	echo "ttyplot not installed (apt-get install ttyplot): no comparison"
fi
echo "pumpbench VmHWM in this run: ${pb_hwm:-?} KiB"
"$MEM" 8 | sed 's/^/8 h of history (data structures alone): /'

# The dashboard itself holding 8 hours: a recording whose two samples are
# 8 h apart replays as 8 h of history (the lost span is written into every
# ring of the pyramid, so all its pages are touched); shown at 200x50 and
# zoomed out to the whole session, then VmHWM is read.
long="$d/8h.csv"
{
	echo "# pumpbench recording v1"
	echo "# serial: BENCH-1"
	echo "# firmware: bench"
	echo "# profile: s10pro"
	echo "# calibration: 0"
	echo "# start: 2026-11-28T00:00:00.000Z"
	echo "# units: mmHg"
	echo "# sample_rate_hz: 1000"
	echo "# channels: 2"
	echo "kind,device_ms,index,ch1_mmHg,ch2_mmHg,info"
	echo "S,0,0,10.0,10.0,"
	echo "S,28800000,28800000,20.0,20.0,"
} > "$long"
( sleep 2; printf 'xxxxxxxxxxxxxxxxxxxx'; sleep 8 ) | TERM=xterm-256color \
    LANG=C.UTF-8 LC_ALL=C.UTF-8 script -q -c \
    "stty cols 200 rows 50; exec '$BIN/pumpbench' --replay '$long'" \
    /dev/null > "$d/long.out" 2>&1 &
long_script=$!
pids="$pids $long_script"
long_pid=$(find_below "$long_script" pumpbench) || { echo "bench_dashboard: replay did not start"; exit 1; }
sleep 5
grep -q 'session' "$d/long.out" || echo "warning: the replay never showed the whole-session time base"
long_hwm=$(hwm_kib "$long_pid")
echo "pumpbench with 8 h of history (replay, whole-session view, 200x50): VmHWM ${long_hwm:-?} KiB (goal <= 16384)"

# Bring-up mode beside ttyplot on the same text: pb-textgen prints the
# same "ch1 ch2" lines (2 channels, 1000 lines/s in 20 ms batches, a 60
# cycles/min waveform) into two FIFOs; ttyplot -2 reads one, `pumpbench
# --text -` the other, each under script on its own 200x50 pty.  The
# viewers above are stopped first so that they do not share the CPU.
GEN="$B/tests/tools/pb-textgen"
for p in $pids; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=""
if [ ! -x "$GEN" ]; then
	echo "bring-up mode: $GEN not built (make bench builds it): skipped"
else
	mkfifo "$d/text1" "$d/text2"
	if [ $have_ttyplot = 1 ]; then
		(sleep $((RUN + 5))) | TERM=xterm-256color script -q -c \
		    "stty cols 200 rows 50; exec ttyplot -2 -t pumpbench-bench -u mmHg < '$d/text1'" \
		    /dev/null > "$d/ttyplot-text.out" 2>&1 &
		tt_script=$!
		pids="$pids $tt_script"
	else
		cat "$d/text1" > /dev/null &
		pids="$pids $!"
	fi
	( sleep $((RUN + 2)); printf q; sleep 3 ) | TERM=xterm-256color \
	    LANG=C.UTF-8 LC_ALL=C.UTF-8 script -q -c \
	    "stty cols 200 rows 50; exec '$BIN/pumpbench' --text - < '$d/text2'" \
	    /dev/null > "$d/pbtext.out" 2>&1 &
	pt_script=$!
	pids="$pids $pt_script"
	"$GEN" --format cols --rate 1000 --seconds "$RUN" --out "$d/text1" \
	    --out "$d/text2" 2> "$d/gen.err" &
	gen_pid=$!
	pids="$pids $gen_pid"
	pt_pid=$(find_below "$pt_script" pumpbench) || { echo "bench_dashboard: pumpbench --text did not start"; exit 1; }
	tt_pid=""
	if [ $have_ttyplot = 1 ]; then
		tt_pid=$(find_below "$tt_script" ttyplot) || { echo "bench_dashboard: ttyplot did not start"; exit 1; }
	fi
	sleep $(( (RUN - WINDOW) / 2 + 1 ))
	pt_c0=$(cpu_ticks "$pt_pid"); pt_b0=$(size_of "$d/pbtext.out")
	[ -n "$tt_pid" ] && { tt_c0=$(cpu_ticks "$tt_pid"); tt_b0=$(size_of "$d/ttyplot-text.out"); }
	sleep "$WINDOW"
	pt_c1=$(cpu_ticks "$pt_pid"); pt_b1=$(size_of "$d/pbtext.out")
	[ -n "$tt_pid" ] && { tt_c1=$(cpu_ticks "$tt_pid"); tt_b1=$(size_of "$d/ttyplot-text.out"); }
	wait "$gen_pid" 2>/dev/null
	grep -q 'TEXT' "$d/pbtext.out" || echo "warning: pumpbench never showed the TEXT tag"
	pt_cpu=$(pct "$pt_c0" "$pt_c1"); pt_kbs=$(rate "$pt_b0" "$pt_b1")
	echo "bring-up mode vs ttyplot: the same text, 2 channels x 1000 lines/s, 200x50, ${WINDOW} s window ($(cat "$d/gen.err"))"
	printf '%-28s %10s %12s\n' "viewer" "CPU %" "output KB/s"
	printf '%-28s %10s %12s\n' "pumpbench --text -" "$pt_cpu" "$pt_kbs"
	if [ -n "$tt_pid" ]; then
		tt_cpu=$(pct "$tt_c0" "$tt_c1"); tt_kbs=$(rate "$tt_b0" "$tt_b1")
		printf '%-28s %10s %12s\n' "ttyplot -2" "$tt_cpu" "$tt_kbs"
		awk -v a="$pt_cpu" -v b="$tt_cpu" -v c="$pt_kbs" -v e="$tt_kbs" 'BEGIN {
			printf "ratio: CPU %.3f, bytes %.3f\n", (b > 0 ? a / b : 0), (e > 0 ? c / e : 0)
		}'
	fi
fi
echo "command: sh bench/bench_dashboard.sh (SECONDS_RUN=$RUN WINDOW=$WINDOW)"
