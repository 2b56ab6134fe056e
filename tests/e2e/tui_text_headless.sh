#!/bin/sh
# Bring-up mode without a screen: exact counts in the summary for a
# mixed stdin stream (columns, CR LF, a header, Arduino pairs, Teleplot,
# extra columns, malformed and overlong lines), the recording holding the
# values (in the recording's unit, from --text-unit), device time from
# --text-time, a pty through the termios backend, and the failures: no
# value at all (exit 1), a FIFO or a missing path as the port (exit 1,
# never blocking), usage errors (exit 2).
set -u
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN";; esac
B=${B:-build/rel}
case "$B" in /*) ;; *) B="$PWD/$B";; esac
PB="$BIN/pumpbench"
GEN="$B/tests/tools/pb-textgen"
T=$(mktemp -d "${TMPDIR:-/tmp}/pbtext.XXXXXX")
gen=""
trap '[ -n "$gen" ] && kill "$gen" 2>/dev/null; rm -rf "$T"' EXIT
export HOME="$T" XDG_DATA_HOME="$T"
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1

# 1. a mixed stream: 12 lines, of which 4 malformed (one overlong)
{
	printf 'vac flow\r\n'                   # header (names)
	printf '10 20\r\n'                      # values
	printf '11,21,\n'                       # values (trailing comma)
	printf '12 22 99 98\n'                  # values, 2 extra
	printf 'oops\n'                         # words among data: bad
	printf '\n'                             # blank
	printf '13 nan\n'                       # bad
	head -c 5000 /dev/zero | tr '\0' '7'    # overlong: bad
	printf '\n'
	printf '# a comment\n'                  # blank
	printf '14 24\n'                        # values
	printf '1 \033[2J\n'                    # control character: bad
	printf '15 25'                          # last line without LF
} > mixed.txt
"$PB" --text - --headless --record m.csv < mixed.txt > out 2> err
rc=$?
[ $rc -eq 0 ] || { cat out err; fail "mixed stream: exit $rc"; }
grep -q '^pumpbench: text lines=12 values=5 malformed=4 too_long=1 extra=2 clipped=0 samples=5 gaps=0 ch1=vac ch2=flow result=ok exit=0 record=m.csv$' out ||
	{ cat out; fail "mixed stream: summary"; }
grep -q '^pumpbench: stdin:5: words, not numbers (column 1)$' err ||
	{ cat err; fail "no warning for line 5"; }
grep -q '^pumpbench: stdin:8: line too long' err || { cat err; fail "no warning for the long line"; }
# the values, in order, and the last line without its LF
[ "$(grep '^S,' m.csv | cut -d, -f4,5 | tr '\n' ' ')" = "10.0,20.0 11.0,21.0 12.0,22.0 14.0,24.0 15.0,25.0 " ] ||
	{ cat m.csv; fail "recorded values"; }
grep -q '^# end: samples=5 lost=0' m.csv || fail "recording not closed whole"

# 2. units and device time: kPa in, mmHg recorded; times 1000 and 1010
printf '1000 1\n1010 2\n' | "$PB" --text - --text-unit kpa --text-time \
    --headless --record u.csv > out 2> err || { cat out err; fail "units: exit"; }
grep -q 'values=2 .*samples=11 gaps=0' out || { cat out; fail "device time: 11 samples"; }
grep -q '^S,1000,0,7.5,' u.csv || { cat u.csv; fail "1 kPa is not 7.5 mmHg"; }
grep -q '^S,1010,10,15.0,' u.csv || { cat u.csv; fail "device time not used"; }
grep -q '^S,1005,5,7.5,' u.csv || { cat u.csv; fail "value not held between lines"; }

# 3. Teleplot and Arduino names
printf '>vac:1\n>flow:2\nvac:3,flow:4,x:5\n' | "$PB" --text - --headless > out 2>&1 ||
	{ cat out; fail "teleplot: exit"; }
grep -q 'values=3 malformed=0 .*extra=1 .*ch1=vac ch2=flow' out || { cat out; fail "names"; }

# 4. nothing usable: exit 1 with the reason
printf 'hello\nworld 1 x\n' | "$PB" --text - --headless > out 2> err
[ $? -eq 1 ] || fail "no values should exit 1"
grep -q 'no line with a value in 2 lines (1 malformed)' err || { cat err; fail "no-value reason"; }
grep -q ' result=no_sample exit=1$' out || { cat out; fail "no-value: the line's result"; }

# 5. a pty at a baud rate, with malformed lines
"$GEN" --pty "$T/pty" --format csv --rate 500 --seconds 60 --bad-every 20 \
    > gen.out 2> gen.err &
gen=$!
t=0
while [ ! -L "$T/pty" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
[ -L "$T/pty" ] || fail "pb-textgen made no pty"
"$PB" --text "$T/pty" --baud 115200 --headless --duration 2 > out 2> err ||
	{ cat out err; fail "pty: exit"; }
kill "$gen"; wait "$gen" 2>/dev/null; gen=""
grep -Eq 'values=[1-9][0-9]* malformed=[1-9]' out || { cat out; fail "pty: no values or no malformed"; }
grep -q 'pty:[0-9]*: not a number' err || { cat err; fail "pty: warnings"; }

# 6. not a port: a FIFO (never blocks), a missing path, a regular file
mkfifo fifo
"$PB" --text fifo --headless --duration 1 > out 2> err
[ $? -eq 1 ] || fail "a FIFO as the port should exit 1"
grep -q 'fifo: not a serial port or terminal' err || { cat err; fail "FIFO reason"; }
"$PB" --text "$T/none" --headless --duration 1 > out 2> err
[ $? -eq 1 ] || fail "a missing port should exit 1"
grep -q 'no such port' err || { cat err; fail "missing-port reason"; }

# 7. usage
for args in "--text-unit kpa --sim" "--text-time --replay x" \
    "--text - --port /dev/null" "--text /dev/null --headless" \
    "--text - --text-unit furlong" "--text - --headless --start" \
    "--text - --headless --script s.txt" "--text - --headless --summary json"; do
	# shellcheck disable=SC2086
	"$PB" $args > out 2> err < /dev/null
	[ $? -eq 2 ] || { cat err; fail "usage: $args should exit 2"; }
done
echo "ok"
