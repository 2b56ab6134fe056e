#!/bin/sh
# Command line: --list-ports runs and exits 0; a bad option exits 2 with
# one line; a missing port fails naming the path; --help/--version.
BIN=${BIN:-bin}
PB="$BIN/pumpbench"
[ -x "$PB" ] || { echo "FAIL: $PB not built"; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/pbcli.XXXXXX")
trap 'rm -rf "$d"' EXIT
failed=0
expect() { # rc cmd...
	want=$1; shift
	"$@" > "$d/out" 2> "$d/err"
	got=$?
	if [ "$want" = nz ]; then [ $got -ne 0 ]; else [ $got -eq "$want" ]; fi ||
		{ echo "FAIL: $* exited $got, want $want"; cat "$d/err"; failed=1; }
}
expect 0 "$PB" --list-ports
expect 0 "$PB" --help
grep -q -- '--sim' "$d/out" || { echo "FAIL: help lacks --sim"; failed=1; }
expect 0 "$PB" --version
grep -q '^pumpbench ' "$d/out" || { echo "FAIL: version"; failed=1; }
for bad in "--bogus" "--units furlongs --sim" "--baud x --port /dev/null" \
    "--sim --port /dev/null" "" "--headless --sim" "--duration 2 --sim" \
    "--sim --baud 9600" "--record" "--sim --flow rtscts" \
    "--port /dev/null --flow xonxoff" "--port /dev/null --flow odd"; do
	# shellcheck disable=SC2086
	expect 2 "$PB" $bad
	[ "$(wc -l < "$d/err")" -eq 1 ] || { echo "FAIL: '$bad': not one line"; cat "$d/err"; failed=1; }
	grep -q '^pumpbench: ' "$d/err" || { echo "FAIL: '$bad': message"; failed=1; }
done
missing="$d/no-such-port"
expect nz "$PB" --port "$missing" --headless --duration 1
grep -q "$missing" "$d/err" || { echo "FAIL: missing port not named"; cat "$d/err"; failed=1; }
[ "$(wc -l < "$d/err")" -eq 1 ] || { echo "FAIL: missing port: not one line"; failed=1; }
[ $failed -eq 0 ] && echo "ok"
exit $failed
