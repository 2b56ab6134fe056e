#!/bin/sh
# The reference firmware (make firmware) on QEMU's mps2-an385, served by
# tools/fw-qemu on a pty with a provisioned station key:
#   - fw-qemu prints the pty and keeps the --link symlink; SIGTERM stops
#     QEMU by its PID and removes the link; a non-symlink PATH is refused;
#     a key file others may read is refused;
#   - the dashboard (pumpbench --port --headless) handshakes and receives
#     telemetry without CRC errors or lost samples;
#   - tests/tools/pb-fw-e2e: pumping reaches the level's target, host
#     silence gives the safe state within 1 s (device time), factory
#     unlock with the right HMAC, a calibration written and read back,
#     STOP locks, a wrong answer is refused.
# Skipped (exit 77, loudly) only when QEMU or the ARM toolchain is absent;
# tools/install-deps installs both, so CI runs it.
. tests/e2e/fw_lib.inc
HOST="$B/tests/tools/pb-fw-e2e"
for f in "$BIN/pumpbench" "$HOST" "$FW/pumpfw.elf"; do
	[ -e "$f" ] || { echo "FAIL: $f not built (make tests builds it)"; exit 1; }
done
fail() {
	echo "FAIL: $*"
	for f in "$TMPD"/fq.out "$TMPD"/fq.err; do
		[ -s "$f" ] && { echo "---- $f"; cat "$f"; }
	done
	exit 1
}

# ---- bad inputs: refused before QEMU starts -----------------------------
: >"$TMPD/notalink"
tools/fw-qemu --link "$TMPD/notalink" >/dev/null 2>"$TMPD/err"
[ $? -eq 2 ] || fail "a non-symlink --link PATH was not refused"
grep -q 'not a symlink' "$TMPD/err" || fail "no clear message: $(cat "$TMPD/err")"
chmod 644 "$KEY"
tools/fw-qemu --factory-key "$KEY" >/dev/null 2>"$TMPD/err"
[ $? -eq 2 ] || fail "a world-readable key was not refused"
grep -q 'must be 600' "$TMPD/err" || fail "no clear key message: $(cat "$TMPD/err")"
chmod 600 "$KEY"

# ---- the device ---------------------------------------------------------
LINK="$TMPD/pump"
start_fw "$FW/pumpfw.elf" --factory-key "$KEY"
PTY=$(sed -n 's/^pty //p' "$TMPD/fq.out")
[ -c "$PTY" ] || fail "'$PTY' is not a character device"
[ "$(readlink "$LINK")" = "$PTY" ] || fail "$LINK does not point to $PTY"
grep -q "^link $LINK -> $PTY\$" "$TMPD/fq.out" || fail "no link line"

# the dashboard handshakes and receives clean telemetry
"$BIN/pumpbench" --port "$LINK" --headless --duration $((3 * SCALE)) \
	>"$TMPD/pb.out" 2>&1 || { cat "$TMPD/pb.out"; fail "pumpbench --headless"; }
cat "$TMPD/pb.out"
sum=$(grep '^pumpbench: samples=' "$TMPD/pb.out")
[ -n "$sum" ] || fail "no headless summary"
n=$(echo "$sum" | sed 's/.* telemetry_samples=\([0-9]*\).*/\1/')
[ "$n" -gt 0 ] || fail "no telemetry reached the dashboard"
echo "$sum" | grep -q ' crc_errors=0 ' || fail "CRC errors: $sum"
echo "$sum" | grep -q ' telemetry_lost=0 ' || fail "samples lost: $sum"

# an independent host: pumping, heartbeat loss, factory access
"$HOST" --port "$LINK" --profile s10pro --key "$KEY" || fail "pb-fw-e2e"

# ---- clean stop ---------------------------------------------------------
QPID=$(pgrep -f "qemu-system-arm .*-serial pty -kernel .*pumpfw.elf" -P "$PID")
[ -n "$QPID" ] || fail "no QEMU child of fw-qemu"
kill -TERM "$PID"
wait_for $((10 * SCALE)) sh -c "! kill -0 $PID 2>/dev/null" ||
	fail "fw-qemu did not exit on SIGTERM"
wait "$PID"
rc=$?
PID=""
[ $rc -eq 0 ] || fail "fw-qemu exit status $rc after SIGTERM"
kill -0 "$QPID" 2>/dev/null && fail "QEMU ($QPID) still running"
[ -L "$LINK" ] && fail "link not removed at exit"
echo "fw-qemu e2e: all passed"
exit 0
