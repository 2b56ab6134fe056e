#!/bin/sh
# Issue 9.5: a FIFO given where a file is read (station key, profile,
# recording to replay) never hangs pumpbench, pumpsim or pumphil: each
# refuses it at once, naming the file and what it is.  `timeout` turns a
# hang into a failure (exit 124).  On the old code every one of these
# blocked in open() until killed.
BIN=${BIN:-bin}
for p in pumpbench pumpsim pumphil; do
	[ -x "$BIN/$p" ] || { echo "FAIL: $BIN/$p not built"; exit 1; }
done
d=$(mktemp -d "${TMPDIR:-/tmp}/pbfifo.XXXXXX")
trap 'rm -rf "$d"' EXIT
mkfifo -m 600 "$d/station.key" "$d/p.ini" "$d/r.csv" ||
	{ echo "FAIL: mkfifo"; exit 1; }
failed=0
# expect WHAT WANT-RC-NONZERO(1/0) PATTERN -- CMD...: run CMD for at most
# 20 s; it must not hang, must exit non-zero when told, and say PATTERN
expect() {
	what=$1 nonzero=$2 pattern=$3
	shift 4
	timeout -k 5 20 "$@" > "$d/out" 2>&1
	rc=$?
	sed 's/^/    /' "$d/out"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "FAIL: $what: hung (killed by timeout)"; failed=1; return
	fi
	if [ "$nonzero" = 1 ] && [ $rc -eq 0 ]; then
		echo "FAIL: $what: exit 0"; failed=1; return
	fi
	grep -qF -- "$pattern" "$d/out" ||
		{ echo "FAIL: $what: no \"$pattern\""; failed=1; return; }
	echo "ok: $what (exit $rc)"
}
fifo="not a regular file (a FIFO)"
expect "pumpsim --factory-key FIFO" 1 "$d/station.key: cannot use station key: $fifo" -- \
	"$BIN/pumpsim" --profile s10pro --factory-key "$d/station.key"
expect "pumphil calibrate --key FIFO" 1 "$d/station.key: cannot use station key: $fifo" -- \
	"$BIN/pumphil" calibrate --profile s10pro --key "$d/station.key"
# the dashboard says the key is unusable and runs on without it
expect "pumpbench --key FIFO" 0 "$d/station.key: cannot use station key: $fifo: calibration will not start" -- \
	"$BIN/pumpbench" --sim --headless --duration 1 --key "$d/station.key"
expect "pumpsim --profile FIFO" 1 "$d/p.ini:0: $fifo" -- \
	"$BIN/pumpsim" --profile "$d/p.ini"
expect "pumpbench --profile FIFO" 1 "$d/p.ini:0: $fifo" -- \
	"$BIN/pumpbench" --sim --headless --duration 1 --profile "$d/p.ini"
expect "pumpbench --replay FIFO" 1 "$d/r.csv: $fifo" -- \
	"$BIN/pumpbench" --replay "$d/r.csv" --headless
[ $failed -eq 0 ] || exit 1
echo "ok"
