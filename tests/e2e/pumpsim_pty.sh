#!/bin/sh
# pumpsim end to end: serve on a real pty (path on the first stdout line,
# a --link symlink), a protocol host (tests/tools/pb-host-smoke, built on
# proto/client.h) does HELLO, START, telemetry, a level change and STOP;
# the --control socket answers; SIGTERM exits cleanly and removes the
# link and socket; --stdio serves the same protocol on stdin/stdout; bad
# options exit 2 with a one-line error.
set -u
BIN=${BIN:-bin}
B=${B:-build/rel}
SIM="$BIN/pumpsim"
HOST="$B/tests/tools/pb-host-smoke"
CTL="$B/tests/tools/pb-ctl"
# the host tool looks profiles up by id (the programs find them beside
# themselves)
export PUMPBENCH_DATA="${PUMPBENCH_DATA:-$PWD/fixtures}"
for f in "$SIM" "$HOST" "$CTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/pumpsim-e2e.XXXXXX")
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*"
	for f in "$TMPD"/out "$TMPD"/err; do
		[ -f "$f" ] && { echo "---- $f"; cat "$f"; }
	done
	exit 1
}
# wait_for SECONDS COMMAND...: poll until the command succeeds
wait_for() {
	n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ---- pty ------------------------------------------------------------------
LINK="$TMPD/pump0"
SOCK="$TMPD/ctl"
"$SIM" --profile s10pro --seed 7 --link "$LINK" --control "$SOCK" \
	>"$TMPD/out" 2>"$TMPD/err" &
PID=$!
wait_for 20 grep -q 'serving s10pro on ' "$TMPD/out" ||
	fail "no 'serving' line from pumpsim"
PTY=$(head -n 1 "$TMPD/out" | sed 's/.* on //')
echo "pumpsim serves on $PTY"
[ -c "$PTY" ] || fail "$PTY is not a character device"
wait_for 10 test -S "$SOCK" || fail "no control socket"
[ "$(readlink "$LINK")" = "$PTY" ] || fail "link $LINK does not point to $PTY"

"$HOST" --port "$LINK" --profile s10pro || fail "protocol host over $LINK"

# the pty stays usable for a second client after the first left, and
# what piled up while nobody read (4 s here) is not served as news
sleep 4
"$HOST" --port "$PTY" --profile s10pro --max-stale-ms 2800 \
	>"$TMPD/host2" 2>&1 || { cat "$TMPD/host2"; fail "second host on $PTY"; }
grep 'first telemetry' "$TMPD/host2"

# ---- control socket ---------------------------------------------------------
st=$("$CTL" "$SOCK" status) || fail "status: $st"
echo "$st"
echo "$st" | grep -q 'state=idle' || fail "status not idle: $st"
"$CTL" "$SOCK" fault leak 200 0 | grep -q '^ok' || fail "fault leak"
"$CTL" "$SOCK" fault clear | grep -q '^ok' || fail "fault clear"
"$CTL" "$SOCK" inject 1 on 2.5 | grep -q '^ok' || fail "inject on"
"$CTL" "$SOCK" inject 1 off | grep -q '^ok' || fail "inject off"
"$CTL" "$SOCK" power off | grep -q '^ok' || fail "power off"
"$CTL" "$SOCK" status | grep -q 'state=off' || fail "not off after power off"
"$CTL" "$SOCK" power on | grep -q '^ok' || fail "power on"
wait_for 5 sh -c "'$CTL' '$SOCK' status | grep -q state=idle" ||
	fail "not idle after power on"
r=$("$CTL" "$SOCK" explode now)
[ $? -eq 1 ] || fail "unknown control command accepted: $r"
echo "$r" | grep -q '^error: unknown command' || fail "bad reply: $r"
"$CTL" "$SOCK" fault leak -5 0 | grep -q '^error' ||
	fail "negative leak accepted"
# after the power cycle the protocol works again
"$HOST" --port "$LINK" --profile s10pro >"$TMPD/host3" 2>&1 ||
	{ cat "$TMPD/host3"; fail "host after power cycle"; }

# ---- clean exit -------------------------------------------------------------
kill -TERM "$PID"
n=100
while [ $n -gt 0 ] && kill -0 "$PID" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
kill -0 "$PID" 2>/dev/null && fail "pumpsim did not exit on SIGTERM"
wait "$PID"
rc=$?
PID=""
[ $rc -eq 0 ] || fail "exit status $rc after SIGTERM"
[ -e "$LINK" ] || [ -L "$LINK" ] && fail "link not removed at exit"
[ -e "$SOCK" ] && fail "control socket not removed at exit"

# ---- SIGINT as well ----------------------------------------------------------
"$SIM" --profile s21 --quiet --link "$LINK" >"$TMPD/out" 2>"$TMPD/err" &
PID=$!
wait_for 20 test -L "$LINK" || fail "no link for the s21 run"
kill -INT "$PID"
wait "$PID"
rc=$?
PID=""
[ $rc -eq 0 ] || fail "exit status $rc after SIGINT"
[ -L "$LINK" ] && fail "link not removed after SIGINT"

# ---- stdio ----------------------------------------------------------------------
"$HOST" --profile s21 --exec "$SIM" --profile s21 --stdio --quiet ||
	fail "protocol host over --stdio"

# ---- EEPROM file: serial and boots persist, a damaged file is kept -------------
EE="$TMPD/pump.eeprom"
"$HOST" --profile s21 --exec "$SIM" --profile s21 --stdio --quiet \
	--eeprom "$EE" --serial SN-E2E-1 >"$TMPD/ee1" 2>&1 ||
	{ cat "$TMPD/ee1"; fail "host with --eeprom"; }
grep -q 'serial SN-E2E-1' "$TMPD/ee1" || fail "serial not in HELLO"
[ "$(wc -c < "$EE")" -eq 1024 ] || fail "EEPROM file is not 1024 bytes"
"$HOST" --profile s21 --exec "$SIM" --profile s21 --stdio --quiet \
	--eeprom "$EE" --serial OTHER >"$TMPD/ee2" 2>&1 ||
	{ cat "$TMPD/ee2"; fail "host with --eeprom, second run"; }
grep -q 'serial SN-E2E-1' "$TMPD/ee2" || fail "serial not kept in $EE"
grep -q 'warning: serial OTHER ignored: the EEPROM .* already holds serial SN-E2E-1' \
	"$TMPD/ee2" || { cat "$TMPD/ee2"; fail "no warning for an ignored --serial"; }
printf 'garbage' > "$EE"
"$HOST" --profile s21 --exec "$SIM" --profile s21 --stdio --quiet \
	--eeprom "$EE" --serial SN-E2E-2 >"$TMPD/ee3" 2>"$TMPD/ee3.err" ||
	{ cat "$TMPD/ee3" "$TMPD/ee3.err"; fail "host with a damaged EEPROM file"; }
grep -q "warning: $EE: EEPROM file is 7 bytes" "$TMPD/ee3.err" ||
	{ cat "$TMPD/ee3.err"; fail "no warning for the damaged EEPROM file"; }
[ "$(cat "$EE.bad")" = garbage ] || fail "damaged EEPROM not kept as .bad"
grep -q 'serial SN-E2E-2' "$TMPD/ee3" || fail "fresh EEPROM after damage"

# ---- factory key refused when others may read it ---------------------------------
KEY="$TMPD/station.key"
echo 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff > "$KEY"
chmod 644 "$KEY"
"$SIM" --profile s21 --stdio --factory-key "$KEY" </dev/null >/dev/null 2>"$TMPD/err"
rc=$?
[ $rc -eq 1 ] || fail "world-readable key: exit $rc, want 1"
grep -q "$KEY.*0644" "$TMPD/err" || { cat "$TMPD/err"; fail "no clear key message"; }

# ---- bad options ------------------------------------------------------------------
for args in "--bogus" "" "--profile s10pro --speed 0" \
	"--profile s10pro --defect no-such-defect" \
	"--profile s10pro --fault leak" "--profile s10pro --stdio --link x" \
	"--profile s10pro extra"; do
	# shellcheck disable=SC2086
	"$SIM" $args >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	[ $rc -eq 2 ] || fail "'pumpsim $args' exited $rc, want 2"
	head -n 1 "$TMPD/err" | grep -q '^pumpsim: ' ||
		fail "'pumpsim $args': no one-line error"
	grep -q -- '--help' "$TMPD/err" || fail "'pumpsim $args': no usage hint"
done
"$SIM" --help | grep -q 'usage: pumpsim' || fail "--help"
echo "pumpsim e2e: all passed"
exit 0
