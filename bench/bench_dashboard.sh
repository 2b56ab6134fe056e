#!/bin/sh
# bench/bench_dashboard.sh - the dashboard beside ttyplot, in one run.
#
# For each terminal size (80x24, 200x50, 300x80) and each input (the
# s10pro profile with its sensor noise, and the same profile with
# noise_mmhg = 0), one run starts:
#   - bench_dashboard_feed: four identical emulated pumps (same profile,
#     same seed), each on its own pty, 2 channels x 1 kHz in telemetry
#     batches of 20 samples; pump 0's samples also go to ttyplot as text
#     lines, one write per batch;
#   - ttyplot -2 on those samples;
#   - four dashboards (pumpbench --port PTY), one per pump: braille sweep,
#     braille scroll, ASCII sweep, ASCII scroll; each presses `s` (start
#     pumping) and, for scroll, `w`;
#   - pumpbench --sim (braille, scroll): the dashboard with its own
#     emulator process, whose CPU is counted with it.
# Every viewer runs under `script` on its own pty of that size; bytes are
# what script copies out, CPU is each process's user+sys time (nanoseconds
# from /proc/PID/schedstat, else ticks from /proc/PID/stat), all over the
# same steady window.  Runs are repeated REPEAT times; the table gives
# medians, and each ratio is the median of the per-run ratios to the
# ttyplot of the same run.
# Then (unless STUDY=0) what drives ttyplot's output, at 200x50: its
# input batched 1, 20 or 200 lines per write, autoscale or a fixed scale,
# with and without noise.
# Then resident memory: the dashboard's VmHWM, and the dashboard holding
# 8 hours of history (replay) and its data structures alone
# (bench_dashboard_mem).  Last, bring-up mode (`pumpbench --text -`)
# beside ttyplot -2 on the same text lines (tests/tools/pb-textgen).
#
#   sh bench/bench_dashboard.sh            (make bench runs it; about 10 min)
#   REPEAT=1 SIZES=200x50 NOISE=on STUDY=0 sh bench/bench_dashboard.sh
#   SETTLE=8 WINDOW=12 sh bench/bench_dashboard.sh
set -u
BIN=${BIN:-bin}
B=${B:-build/rel}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN";; esac
case "$B" in /*) ;; *) B="$PWD/$B";; esac
FEED="$B/bench/bench_dashboard_feed"
MEM="$B/bench/bench_dashboard_mem"
SETTLE=${SETTLE:-5}
WINDOW=${WINDOW:-8}
RUN=$((SETTLE + WINDOW + 30))   # the feed's limit; a run stops it sooner
REPEAT=${REPEAT:-3}
SIZES=${SIZES:-"80x24 200x50 300x80"}
NOISE=${NOISE:-"on off"}
export PUMPBENCH_FIXTURES="${PUMPBENCH_FIXTURES:-$PWD/fixtures}"

for x in "$BIN/pumpbench" "$BIN/pumpsim" "$FEED" "$MEM"; do
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

# the quiet profile: s10pro without sensor noise
sed 's/^noise_mmhg *=.*/noise_mmhg = 0.0/' \
    "$PUMPBENCH_FIXTURES/pumps/s10pro.ini" > "$d/s10pro-quiet.ini"
grep -q '^noise_mmhg = 0.0' "$d/s10pro-quiet.ini" ||
    { echo "bench_dashboard: no noise_mmhg in s10pro.ini"; exit 1; }

tck=$(getconf CLK_TCK)
# CPU time of a process in nanoseconds (user + system)
cpu_ns() {
	if [ -r "/proc/$1/schedstat" ]; then
		awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null || echo 0
	else
		awk -v t="$tck" '{ printf "%.0f\n", ($14 + $15) * 1e9 / t }' \
		    "/proc/$1/stat" 2>/dev/null || echo 0
	fi
}
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
size_of() { wc -c < "$1" | tr -d ' '; }
# pid of the process named $2 below $1 (script -> sh -> prog -> child)
find_below() {
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		for _f in /proc/[0-9]*/stat; do
			read -r _pid _comm _st _ppid _rest 2>/dev/null < "$_f" || continue
			[ "$_comm" = "($2)" ] || continue
			_p=$_ppid
			for _k in 1 2 3 4; do
				[ "$_p" = "$1" ] && { echo "$_pid"; return 0; }
				_p=$(awk '{ print $4 }' "/proc/$_p/stat" 2>/dev/null)
				[ -n "$_p" ] || break
			done
		done
		sleep 0.3
	done
	return 1
}

# view name -> pumpbench options and keys
view_opts() {
	case "$1" in
	b-sweep|b-scroll|sim) echo "";;
	a-sweep|a-scroll) echo "--ascii";;
	esac
}
view_keys() {
	case "$1" in
	*-sweep) echo "s";;
	*-scroll|sim) echo "sw";;
	esac
}

# One run: the feed, ttyplot and the dashboards in VIEWS on COLSxROWS
# terminals, then CPU and bytes of each over the window, appended to
# $d/results as "TAG viewer cpu_ns bytes".  Arguments: TAG COLSxROWS
# PROFILE "FEED OPTIONS" "TTYPLOT OPTIONS" TEXTCOPY VIEWS...; TEXTCOPY
# (a file or "") keeps the text ttyplot read.
run_set() {
	tag=$1; size=$2; prof=$3; fopts=$4; topts=$5; tcopy=$6
	shift 6
	views=$*
	cols=${size%x*}; rows=${size#*x}
	r="$d/run-$tag"
	mkdir -p "$r"
	rpids=""
	mkfifo "$r/plot"
	links=""
	for v in $views; do [ $v = sim ] || links="$links $r/$v"; done
	# shellcheck disable=SC2086
	"$FEED" $fopts "$prof" $RUN "$r/plot" $links > "$r/feed.out" \
	    2> "$r/feed.err" &
	rpids="$rpids $!"
	tp_script=""
	if [ $have_ttyplot = 1 ]; then
		tp="ttyplot -2 -t pumpbench-bench -u mmHg $topts"
		tpcmd="exec $tp < '$r/plot'"
		[ -n "$tcopy" ] && tpcmd="tee '$tcopy' < '$r/plot' | $tp"
		sh -c 'echo $$ > "$1"; exec sleep "$2"' hold "$r/ttyplot.hold" $RUN |
		    TERM=xterm-256color script -q -c \
		    "stty cols $cols rows $rows; $tpcmd" \
		    /dev/null > "$r/ttyplot.out" 2>&1 &
		tp_script=$!
	else
		cat "$r/plot" > /dev/null &
	fi
	rpids="$rpids $!"
	last=${links##* }
	t=0
	while [ ! -L "$last" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	[ -L "$last" ] || { echo "bench_dashboard: feed did not start"; cat "$r/feed.err"; return 1; }
	for v in $views; do
		if [ $v = sim ]; then
			src="--sim $prof"
		else
			src="--port $r/$v"
		fi
		keys=$(view_keys $v)
		sh -c 'echo $$ > "$1"; sleep 2; printf "%s" "$2"; exec sleep "$3"' \
		    keys "$r/$v.hold" "$keys" $RUN |
		    TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 script -q -c \
		    "stty cols $cols rows $rows; exec '$BIN/pumpbench' $src $(view_opts $v)" \
		    /dev/null > "$r/$v.out" 2>&1 &
		eval "script_$(echo $v | tr - _)=\$!"
		rpids="$rpids $!"
	done
	pids="$pids $rpids"
	viewers=""
	for v in $views; do
		eval "sp=\$script_$(echo $v | tr - _)"
		p=$(find_below "$sp" pumpbench) || { echo "bench_dashboard: $v did not start"; return 1; }
		eval "pid_$(echo $v | tr - _)=$p"
		viewers="$viewers $v"
		if [ $v = sim ]; then
			pid_emu=$(find_below "$sp" pumpsim) || { echo "bench_dashboard: pumpsim did not start"; return 1; }
			viewers="$viewers emu"
		fi
	done
	if [ -n "$tp_script" ]; then
		pid_ttyplot=$(find_below "$tp_script" ttyplot) || { echo "bench_dashboard: ttyplot did not start"; return 1; }
		viewers="$viewers ttyplot"
	fi
	# the steady window: after connecting, pumping, and the first frames
	sleep "$SETTLE"
	for v in $viewers; do
		vv=$(echo $v | tr - _)
		eval "p=\$pid_$vv"
		eval "c0_$vv=$(cpu_ns "$p")"
		[ $v = emu ] || eval "b0_$vv=$(size_of "$r/$v.out")"
	done
	sleep "$WINDOW"
	for v in $viewers; do
		vv=$(echo $v | tr - _)
		eval "p=\$pid_$vv; c0=\$c0_$vv"
		c1=$(cpu_ns "$p")
		if [ $v = emu ]; then
			b=0
		else
			eval "b0=\$b0_$vv"
			b=$(( $(size_of "$r/$v.out") - b0 ))
		fi
		echo "$tag $v $((c1 - c0)) $b" >> "$d/results"
	done
	for v in $views; do
		grep -q 'running' "$r/$v.out" ||
		    echo "warning: $tag: $v never showed the pump running"
	done
	case " $views " in *" b-scroll "*) [ $size = 200x50 ] && hwm_run=$(hwm_kib "$pid_b_scroll");; esac
	for p in $rpids $(cat "$r"/*.hold 2>/dev/null); do kill "$p" 2>/dev/null; done
	wait $rpids 2>/dev/null
	echo "  $tag: $(cat "$r/feed.err")"
	rm -rf "$r"
}

echo "dashboard vs ttyplot: 2 channels x 1 kHz, ${WINDOW} s window per run, $REPEAT runs per row"
: > "$d/results"
hwm_run=""
for rep in $(seq 1 "$REPEAT"); do
	for size in $SIZES; do
		for noise in $NOISE; do
			prof=s10pro
			[ "$noise" = off ] && prof="$d/s10pro-quiet.ini"
			run_set "$size/$noise/$rep" "$size" "$prof" "" "" "" \
			    b-sweep b-scroll a-sweep a-scroll sim || exit 1
		done
	done
done

# medians: CPU % of one core, KB/s, and the per-run ratios to ttyplot
awk -v w="$WINDOW" -v have_tp=$have_ttyplot '
function median(key, n,   i, j, t, a) {
	for (i = 1; i <= n; i++) a[i] = vals[key, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(key, v) { n[key]++; vals[key, n[key]] = v }
$1 ~ /^study/ { next }
{
	split($1, t, "/"); size = t[1]; noise = t[2]; rep = t[3]; v = $2
	cpu[size, noise, rep, v] = $3 / 1e9 * 100 / w
	kbs[size, noise, rep, v] = $4 / 1024 / w
	if (!((size, noise) in seen)) { seen[size, noise] = 1; order[++no] = size SUBSEP noise }
	reps[size, noise, rep] = 1
}
END {
	split("b-sweep b-scroll a-sweep a-scroll sim emu ttyplot", vs, " ")
	names["b-sweep"] = "pumpbench braille sweep"
	names["b-scroll"] = "pumpbench braille scroll"
	names["a-sweep"] = "pumpbench ASCII sweep"
	names["a-scroll"] = "pumpbench ASCII scroll"
	names["sim"] = "pumpbench --sim, scroll"
	names["emu"] = "  its pumpsim process"
	names["ttyplot"] = "ttyplot -2"
	fail = 0
	printf "%-8s %-6s %-27s %8s %10s %10s %10s\n", "size", "noise", "viewer", "CPU %", "KB/s", "CPU ratio", "byte ratio"
	for (o = 1; o <= no; o++) {
		split(order[o], sn, SUBSEP); size = sn[1]; noise = sn[2]
		for (k = 1; k <= 7; k++) {
			v = vs[k]
			if (v == "ttyplot" && !have_tp) continue
			delete n
			for (key in reps) {
				split(key, kk, SUBSEP)
				if (kk[1] != size || kk[2] != noise) continue
				rep = kk[3]
				c = cpu[size, noise, rep, v]
				if (v == "sim") c += cpu[size, noise, rep, "emu"]
				add("cpu", c); add("kbs", kbs[size, noise, rep, v])
				if (have_tp && v != "ttyplot" && v != "emu") {
					tc = cpu[size, noise, rep, "ttyplot"]; tb = kbs[size, noise, rep, "ttyplot"]
					add("rc", tc > 0 ? c / tc : 0); add("rb", tb > 0 ? kbs[size, noise, rep, v] / tb : 0)
				}
			}
			rc = "-"; rb = "-"
			if (n["rc"]) {
				rc = sprintf("%.3f", median("rc", n["rc"]))
				rb = sprintf("%.3f", median("rb", n["rb"]))
				if (v != "sim" && (rc + 0 > 0.25 || rb + 0 > 0.25)) { fail = 1; miss = miss " " size "/" noise "/" v }
			}
			kb = v == "emu" ? "-" : sprintf("%.1f", median("kbs", n["kbs"]))
			printf "%-8s %-6s %-27s %8.2f %10s %10s %10s\n", size, noise, names[v] (v == "sim" ? " (+ pumpsim)" : ""), median("cpu", n["cpu"]), kb, rc, rb
		}
	}
	if (!have_tp) print "ttyplot not installed (apt-get install ttyplot): no comparison"
	else if (fail) print "goal (<= 0.25 of ttyplot CPU and bytes) NOT met:" miss
	else print "goal (<= 0.25 of ttyplot CPU and bytes for every pumpbench view): met"
}' "$d/results"
# What drives ttyplot's output: the same pump at 200x50, ttyplot's input
# batched differently (1, 20, 200 lines per write), on its autoscale and on
# a fixed scale (-M -20 -m 300, the dashboard's fixed 0..300 mmHg and room
# for noise below 0), with and without sensor noise.  From the text it
# read: how often the extremes of the last 196 records (its plot width at
# 200 columns, over which it autoscales) change from one record to the
# next.
if [ "${STUDY:-1}" != 0 ] && [ $have_ttyplot = 1 ]; then
	echo "ttyplot -2 at 200x50, the same pump, one run each:"
	q="$d/s10pro-quiet.ini"
	run_set study/n-auto-20 200x50 s10pro "" "" "$d/text-noise" b-sweep &&
	run_set study/n-auto-1 200x50 s10pro "-l 1" "" "" b-sweep &&
	run_set study/n-auto-200 200x50 s10pro "-l 200" "" "" b-sweep &&
	run_set study/n-fixed-20 200x50 s10pro "" "-M -20 -m 300" "" b-sweep &&
	run_set study/q-auto-20 200x50 "$q" "" "" "$d/text-quiet" b-sweep &&
	run_set study/q-fixed-20 200x50 "$q" "" "-M -20 -m 300" "" b-sweep ||
	    exit 1
	for f in noise quiet; do
		awk -v W=196 -v H=46 -v name="$f" '
		function row(v) { v = (v + 20) / 320 * H; return int(v + 0.5) }
		NR <= 7000 { for (c = 1; c <= 2; c++) buf[c, NR % W] = $c; next }
		{
			# rows of the bars on the fixed -20..300 scale (46 rows)
			r1 = row($1); r2 = row($2)
			if (NR > 7001 && (r1 != p1 || r2 != p2)) rowchg++
			p1 = r1; p2 = r2
			for (c = 1; c <= 2; c++) buf[c, NR % W] = $c
			mx = -1e9; mn = 1e9
			for (k = 0; k < W; k++)
				for (c = 1; c <= 2; c++) {
					x = buf[c, k] + 0
					if (x > mx) mx = x
					if (x < mn) mn = x
				}
			n++
			if (n > 1 && mx != pmx) cmx++
			if (n > 1 && mn != pmn) cmn++
			if (n > 1 && (mx != pmx || mn != pmn)) cany++
			pmx = mx; pmn = mn
		}
		END { if (n > 1) printf "  input %s: of %d records, %.1f %% land in other bar rows than the record before (fixed scale); the maximum of the last %d changed at %.1f %%, the minimum at %.1f %%\n", name, n, 100 * rowchg / (n - 1), W, 100 * cmx / (n - 1), 100 * cmn / (n - 1) }' "$d/text-$f"
	done
	awk -v w="$WINDOW" '
	$1 ~ /^study/ && $2 == "ttyplot" {
		split($1, t, "/"); v = t[2]
		split(v, p, "-")
		in_ = p[1] == "n" ? "noise" : "no noise"
		sc = p[2] == "auto" ? "autoscale" : "fixed -M -20 -m 300"
		printf "  %-9s %-20s %3s lines/write: CPU %6.2f %%, %8.1f KB/s\n", in_, sc, p[3], $3 / 1e9 * 100 / w, $4 / 1024 / w
	}' "$d/results"
fi
[ -n "$hwm_run" ] && echo "pumpbench VmHWM (200x50, braille scroll, pumping): $hwm_run KiB"
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
TRUN=$((SETTLE + WINDOW + 4))
pct() { awk -v a="$1" -v b="$2" -v w="$WINDOW" 'BEGIN { printf "%.2f", (b - a) / 1e7 / w }'; }
rate() { awk -v a="$1" -v b="$2" -v w="$WINDOW" 'BEGIN { printf "%.1f", (b - a) / 1024 / w }'; }
for p in $pids; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=""
if [ ! -x "$GEN" ]; then
	echo "bring-up mode: $GEN not built (make bench builds it): skipped"
else
	mkfifo "$d/text1" "$d/text2"
	if [ $have_ttyplot = 1 ]; then
		(sleep $((TRUN + 5))) | TERM=xterm-256color script -q -c \
		    "stty cols 200 rows 50; exec ttyplot -2 -t pumpbench-bench -u mmHg < '$d/text1'" \
		    /dev/null > "$d/ttyplot-text.out" 2>&1 &
		tt_script=$!
		pids="$pids $tt_script"
	else
		cat "$d/text1" > /dev/null &
		pids="$pids $!"
	fi
	( sleep $((TRUN + 2)); printf q; sleep 3 ) | TERM=xterm-256color \
	    LANG=C.UTF-8 LC_ALL=C.UTF-8 script -q -c \
	    "stty cols 200 rows 50; exec '$BIN/pumpbench' --text - < '$d/text2'" \
	    /dev/null > "$d/pbtext.out" 2>&1 &
	pt_script=$!
	pids="$pids $pt_script"
	"$GEN" --format cols --rate 1000 --seconds "$TRUN" --out "$d/text1" \
	    --out "$d/text2" 2> "$d/gen.err" &
	gen_pid=$!
	pids="$pids $gen_pid"
	pt_pid=$(find_below "$pt_script" pumpbench) || { echo "bench_dashboard: pumpbench --text did not start"; exit 1; }
	tt_pid=""
	if [ $have_ttyplot = 1 ]; then
		tt_pid=$(find_below "$tt_script" ttyplot) || { echo "bench_dashboard: ttyplot did not start"; exit 1; }
	fi
	sleep "$SETTLE"
	pt_c0=$(cpu_ns "$pt_pid"); pt_b0=$(size_of "$d/pbtext.out")
	[ -n "$tt_pid" ] && { tt_c0=$(cpu_ns "$tt_pid"); tt_b0=$(size_of "$d/ttyplot-text.out"); }
	sleep "$WINDOW"
	pt_c1=$(cpu_ns "$pt_pid"); pt_b1=$(size_of "$d/pbtext.out")
	[ -n "$tt_pid" ] && { tt_c1=$(cpu_ns "$tt_pid"); tt_b1=$(size_of "$d/ttyplot-text.out"); }
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
echo "command: sh bench/bench_dashboard.sh (REPEAT=$REPEAT SIZES='$SIZES' NOISE='$NOISE' SETTLE=$SETTLE WINDOW=$WINDOW STUDY=${STUDY:-1})"
