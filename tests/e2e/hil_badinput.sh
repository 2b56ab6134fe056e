#!/bin/sh
# pumphil with bad input: a missing rig, a malformed rig file, a malformed
# scenario (syntax error, bad metadata, missing file), a FIFO or a symlink
# where a scenario, an import or a rig file should be, an unwritable
# report and a signal mid-run each give a clear message naming the file
# (and line), an ERROR/ABORTED outcome, a report that is still written
# (and valid JUnit), and a non-zero exit; bad options exit 2 in one line.
set -u
BIN=${BIN:-bin}
PUMPHIL="$BIN/pumphil"
[ -x "$PUMPHIL" ] || { echo "FAIL: $PUMPHIL not built"; exit 1; }
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/hil-bad.XXXXXX")
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMPD"' EXIT
fail() { echo "FAIL: $*"; [ -f "$TMPD/out" ] && sed 's/^/  | /' "$TMPD/out"; exit 1; }
GOOD=fixtures/scenarios/power_cut.lua

# run EXPECTED_RC NAME ARGS... ; output in $TMPD/out, reports $TMPD/NAME.*
run() {
	want=$1; name=$2; shift 2
	"$PUMPHIL" run --json "$TMPD/$name.json" --junit "$TMPD/$name.xml" \
		"$@" >"$TMPD/out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || fail "$name: exit $rc (want $want)"
	[ -s "$TMPD/$name.json" ] || fail "$name: no JSON report"
	[ -s "$TMPD/$name.xml" ] || fail "$name: no JUnit report"
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout --schema tests/junit.xsd "$TMPD/$name.xml" \
			2>>"$TMPD/out" || fail "$name: JUnit does not validate"
	fi
}
has() { grep -q -- "$1" "$TMPD/$2" || fail "'$1' not in $2"; }

# missing rig
run 3 norig --rig no-such-rig "$GOOD"
has "no-such-rig" out
has '<error message="rig: ' norig.xml
has "0 passed, 1 failed, 0 skipped" out

# malformed rig file: file and line named
printf '[rig]\nname = broken\nbackend = sim\nflux = 3\n' >"$TMPD/broken.ini"
run 3 badrig --rig "$TMPD/broken.ini" "$GOOD"
has "broken.ini:4" out
has "broken.ini:4" badrig.xml

# ftdi rig that is not attached: an ERROR, retried, then reported
run 3 noftdi --rig ftdi:NOSUCHSERIAL --retries 1 --lock-dir "$TMPD" "$GOOD"
has "NOSUCHSERIAL" out

# malformed scenarios: syntax error, bad metadata, missing file
printf -- '--@profile s21\nwait(1)\nlocal x = = 2\n' >"$TMPD/syntax.lua"
printf -- '--@profile s21\n--@defect no-such-defect\nwait(1)\n' >"$TMPD/meta.lua"
run 3 badscn "$TMPD/syntax.lua" "$TMPD/meta.lua" "$TMPD/missing.lua" "$GOOD"
has "syntax.lua:3:" out
has "meta.lua:2: unknown defect switch 'no-such-defect'" out
has "missing.lua: cannot open: No such file" out
has "1 passed, 3 failed, 0 skipped" out
has 'syntax.lua:3:' badscn.xml
# a script error is not retried: one attempt each
grep -q 'syntax (attempt 2' "$TMPD/out" && fail "script error was retried"

# a FIFO where a scenario, an import or a rig file should be: refused at
# once, never waited on (a FIFO with no writer used to hang pumphil)
mkfifo "$TMPD/fifo.lua" "$TMPD/fifo.ini" "$TMPD/lib.lua"
printf -- '--@profile s21\nimport("lib.lua")\n' >"$TMPD/imports.lua"
run 3 fifo "$TMPD/fifo.lua" "$TMPD/imports.lua" "$GOOD"
has "fifo.lua: not a regular file (a FIFO)" out
has "import: lib.lua: not a regular file (a FIFO)" out
has "1 passed, 2 failed, 0 skipped" out
run 3 fiforig --rig "$TMPD/fifo.ini" "$GOOD"
has "fifo.ini: not a regular file (a FIFO)" out
# an import may not leave the directory through a symlink either
ln -s /etc/passwd "$TMPD/passwd.lua"
printf -- '--@profile s21\nimport("passwd.lua")\n' >"$TMPD/escape.lua"
run 3 symimport "$TMPD/escape.lua"
has "import: passwd.lua: is a symbolic link" out

# a runtime error deep in a helper names the scenario line
printf -- '--@profile s21\nlocal function f() return nil .. "x" end\nwait(0.5)\nf()\n' \
	>"$TMPD/runtime.lua"
run 3 runtime "$TMPD/runtime.lua"
has "runtime.lua:2:" out
has "stack traceback" runtime.json

# unwritable report: message naming it, non-zero exit
"$PUMPHIL" run --json /nonexistent/dir/r.json "$GOOD" >"$TMPD/out" 2>&1
rc=$?
[ "$rc" -eq 3 ] || fail "unwritable report: exit $rc (want 3)"
has "/nonexistent/dir/r.json" out

# SIGINT mid-run: ABORTED, fixture safe, report written, exit 4
printf -- '--@profile s21\n--@timeout 86400\nassert(pump.start())\nwait(80000)\n' \
	>"$TMPD/long.lua"
"$PUMPHIL" run --json "$TMPD/int.json" --junit "$TMPD/int.xml" \
	"$TMPD/long.lua" "$GOOD" >"$TMPD/out" 2>&1 &
PID=$!
# signals are caught before the first line is printed: wait for it
i=0
while ! grep -q '^rig sim' "$TMPD/out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "pumphil did not start"
	sleep 0.1
done
sleep 0.5
kill -INT "$PID"
wait "$PID"
rc=$?
PID=""
[ "$rc" -eq 4 ] || fail "SIGINT: exit $rc (want 4)"
has "ABORTED" out
has '"outcome": "ABORTED"' int.json
has "fixture safe" int.json
has "not run: the run was interrupted" int.json

# bad command lines: one line, exit 2
for args in "run --retries lots x.lua" "run --timeout -1 x.lua" "run" \
	"run --frobnicate x.lua" "frobnicate" "run --json"; do
	# shellcheck disable=SC2086
	"$PUMPHIL" $args >"$TMPD/out" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "'pumphil $args': exit $rc (want 2)"
	[ "$(wc -l <"$TMPD/out")" -eq 1 ] || fail "'pumphil $args': not one line"
done
"$PUMPHIL" --help | grep -q "pumphil run" || fail "--help"
"$PUMPHIL" list-rigs >"$TMPD/out" 2>&1 || true
has "sim" out
echo "hil bad input ok"
