#!/bin/sh
# The command-line convention of all three programs (issue 11, base/cli.h,
# docs/cli.md): -h/--help with the exit codes, -V/--version (version,
# build date, protocol version; the same version string in the CSV
# header, the HIL JSON and JUnit reports and the calibration certificate),
# -q/--quiet, --color=auto|always|never with NO_COLOR and TERM=dumb, an
# unknown option exits 2 with one line and a hint; pumpbench without a
# terminal, or on TERM=dumb, says so and suggests --headless.
set -u
. tests/e2e/tui_lib.inc
d="$TMPD/cli"
mkdir -p "$d"
PROGS="pumpbench pumpsim pumphil"
ESC=$(printf '\033')

# expect RC CMD...: run it, stdout in $d/out, stderr in $d/err
expect() {
	want=$1; shift
	"$@" > "$d/out" 2> "$d/err" < /dev/null
	got=$?
	[ "$got" -eq "$want" ] ||
		{ echo "FAIL: $* exited $got, want $want"; cat "$d/err"; exit 1; }
}
bad() { echo "FAIL: $*"; echo "-- stdout:"; cat "$d/out"; echo "-- stderr:"; cat "$d/err"; exit 1; }
# PROG: stderr is one line "PROG[ COMMAND]: ... (try 'PROG[ COMMAND] --help')"
one_line_usage() {
	[ "$(wc -l < "$d/err")" -eq 1 ] || bad "$1: usage error not one line"
	grep -Eq "^$1( [a-z-]+)?: .* \(try '$1( [a-z-]+)? --help'\)\$" "$d/err" ||
		bad "$1: no hint"
	[ -s "$d/out" ] && bad "$1: usage error wrote to stdout"
	return 0
}

version=""
for p in $PROGS; do
	P="$BIN/$p"
	for h in -h --help; do
		expect 0 "$P" $h
		[ -s "$d/err" ] && bad "$p $h wrote to stderr"
		grep -q '^Exit status:$' "$d/out" || bad "$p $h: no exit codes"
		for code in 0 1 2; do
			grep -q "^  $code  " "$d/out" || bad "$p $h: exit code $code not listed"
		done
		for o in '-h, --help' '-V, --version' '-q, --quiet' '--color=WHEN'; do
			grep -q -- "$o" "$d/out" || bad "$p $h: '$o' not listed"
		done
	done
	for v in -V --version; do
		expect 0 "$P" $v
		# three lines; pumphil adds its binary's SHA-256 (the reports'
		# tool.sha256: the sim rig's emulator is built into it)
		n=3; [ "$p" = pumphil ] && n=4
		[ "$(wc -l < "$d/out")" -eq $n ] || bad "$p $v: not $n lines"
		[ "$p" = pumphil ] && { sed -n 4p "$d/out" |
			grep -Eq '^sha256 [0-9a-f]{64}$' || bad "$p $v: sha256"; }
		sed -n 1p "$d/out" | grep -Eq "^$p [0-9][0-9A-Za-z.+~-]*\$" ||
			bad "$p $v: first line"
		sed -n 2p "$d/out" | grep -Eq '^build date [0-9]{4}-[0-9]{2}-[0-9]{2}$' ||
			bad "$p $v: build date"
		sed -n 3p "$d/out" | grep -q '^protocol version 1$' ||
			bad "$p $v: protocol version"
		v1=$(sed -n '1s/^[^ ]* //p' "$d/out")
		[ -z "$version" ] && version=$v1
		[ "$v1" = "$version" ] || bad "$p says $v1, another program $version"
	done
	expect 2 "$P" --bogus
	one_line_usage "$p"
	grep -q "unknown option '--bogus'" "$d/err" || bad "$p: --bogus not named"
	expect 2 "$P" -Z
	one_line_usage "$p"
	grep -q "unknown option '-Z'" "$d/err" || bad "$p: -Z not named"
	expect 2 "$P" --colr=never
	one_line_usage "$p"
	grep -q "did you mean '--color'" "$d/err" || bad "$p: no suggestion"
	expect 2 "$P" --color=purple
	one_line_usage "$p"
done
# every pumphil command keeps the convention
for cmd in run list-rigs calibrate records report conform trace; do
	expect 0 "$BIN/pumphil" $cmd --help
	grep -qi 'exit status' "$d/out" || bad "pumphil $cmd --help: no exit codes"
	expect 0 "$BIN/pumphil" $cmd -V
	grep -q "^pumphil $version\$" "$d/out" || bad "pumphil $cmd -V"
	expect 2 "$BIN/pumphil" $cmd --bogus
	one_line_usage pumphil
done
expect 2 "$BIN/pumphil" -q run --jsn x.json fixtures/scenarios/nominal_s10pro.lua
one_line_usage pumphil
grep -q "did you mean '--json'" "$d/err" || bad "pumphil run: no suggestion"
expect 2 "$BIN/pumphil" frobnicate
one_line_usage pumphil
expect 2 "$BIN/pumpbench" --sim s10pro stray
one_line_usage pumpbench

# -q: only errors and the output asked for
expect 0 "$BIN/pumpsim" --profile s10pro --stdio
grep -q 'serving s10pro' "$d/err" || bad "pumpsim: no status without -q"
expect 0 "$BIN/pumpsim" -q --profile s10pro --stdio
[ -s "$d/err" ] && bad "pumpsim -q said something"
expect 0 "$BIN/pumpbench" --sim s10pro --headless --duration 2 \
	--record "$d/rec.csv"
grep -q '^pumpbench: samples=' "$d/out" || bad "pumpbench: no summary line"
expect 0 "$BIN/pumpbench" -q --sim s10pro --headless --duration 1
[ -s "$d/out" ] && bad "pumpbench -q printed a summary"
scn=fixtures/scenarios/motor_open.lua   # a short one
expect 0 "$BIN/pumphil" run --no-record --json "$d/r.json" \
	--junit "$d/r.xml" $scn
[ "$(wc -l < "$d/out")" -gt 2 ] || bad "pumphil run: no progress lines"
grep -q "$ESC" "$d/out" && bad "pumphil painted a pipe"
expect 0 "$BIN/pumphil" -q run --no-record $scn
[ "$(wc -l < "$d/out")" -eq 1 ] || bad "pumphil -q run: not only the closing line"
expect 0 "$BIN/pumphil" run -q --no-record $scn
[ "$(wc -l < "$d/out")" -eq 1 ] || bad "pumphil run -q: not only the closing line"

# colours: the option wins over NO_COLOR and the pipe
expect 0 env NO_COLOR=1 "$BIN/pumphil" --color=always run --no-record $scn
grep -q "${ESC}\[32mPASS" "$d/out" || bad "pumphil --color=always: no colour"
expect 0 "$BIN/pumphil" run --color=never --no-record $scn
grep -q "$ESC" "$d/out" && bad "pumphil --color=never painted"

# the same version string in every record
grep -qx "# tool_version: $version" "$d/rec.csv" || bad "CSV header: $(head -3 "$d/rec.csv")"
python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))["tool"]
sys.exit(t["version"] != sys.argv[2])' "$d/r.json" "$version" || bad "JSON report"
grep -q "<property name=\"tool_version\" value=\"$version\"/>" "$d/r.xml" ||
	bad "JUnit report"
key="$d/station.key"
echo 5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 > "$key"
chmod 600 "$key"
expect 0 "$BIN/pumphil" calibrate -q --profile s10pro --key "$key" \
	--cert "$d/cert" --seed 11 --serial S10-CLI-1 --operator cli-test \
	--unit S10-CLI-1
grep -Eq "\"tool_version\": ?\"$version\"" "$d/cert.json" || bad "certificate JSON"
grep -q "^  Tool        pumpbench $version\$" "$d/cert.txt" || bad "certificate text"

# pumpbench's dashboard needs a terminal: without one it says so (and
# touches no pump), and so it does on TERM=dumb or without TERM
expect 1 "$BIN/pumpbench" --sim s10pro
grep -q 'needs a terminal.*--headless --duration S' "$d/err" || bad "no terminal: no hint"
start_pane 100 30 C.UTF-8 "TERM=dumb"
run "$PB --sim s10pro"
wait_for 'EXIT=1' 10
cap | grep -q 'TERM=dumb cannot draw the dashboard' || fail "TERM=dumb: no message"
cap | grep -q 'use --headless --duration S' || fail "TERM=dumb: no --headless hint"
tm kill-session -t pb
start_pane 100 30 C.UTF-8 "TERM=no-such-terminal"
run "$PB --sim s10pro"
wait_for 'EXIT=1' 10
cap | grep -q 'TERM=no-such-terminal: no such terminal' || fail "unknown TERM: no message"
tm kill-session -t pb

# on a terminal: colours unless NO_COLOR or --color=never; TERM=dumb
# gets none either (pumphil's verdicts)
for case in "yes|" "no|NO_COLOR=1" "no|TERM=dumb" "never|"; do
	want=${case%%|*} envs=${case#*|}
	start_pane 120 30 C.UTF-8 "$envs"
	opt=""; [ "$want" = never ] && opt=--color=never
	run "$BIN/pumphil $opt run --no-record $scn"
	wait_for 'EXIT=0' 60
	if [ "$want" = yes ]; then
		has_colour || fail "pumphil on a terminal: no colour"
	else
		has_colour && fail "pumphil painted despite '$envs $opt'"
	fi
	tm kill-session -t pb
done
echo "ok"
