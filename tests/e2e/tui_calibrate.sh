#!/bin/sh
# Bench calibration in the dashboard against the emulator (s21, one
# channel, four points), through the real screen in tmux.
#
# The operator's reference gauge is the emulator's true vacuum, read from
# pumpsim's control socket (`status` ... vacuum=) at each prompt and typed
# in.  That is what makes the test meaningful: the emulated unit has its
# own sensor errors (offset, gain, bow), so the reading the dashboard
# shows before calibration is off by several mmHg, and a calibration that
# passes verification (new calibration applied, against the gauge) has
# really corrected it.
#
# 1. PASS: C, Enter, type the gauge at every prompt; dashboard keys are
#    refused meanwhile; verdict PASS, the stored record read back is the
#    new one, certificate .json/.txt/.html exist and the JSON says PASS
#    with the unit's serial.
# 2. A second pumpbench on the same EEPROM file shows the new calibration
#    id; Esc during the verification (after the write) aborts: the old
#    record (the one from run 1) is written back and read back unchanged,
#    and the certificate says ABORTED.  Then Esc before anything is
#    written: "Nothing was written"; Ctrl-C during a run aborts it (a
#    certificate says so) before the program leaves.
# 3. A station key readable by others: a one-line error at start, and the
#    calibration screen names the file and refuses to start.
# Every run first answers the station's questions (issue 13): the serial
# of the unit, scanned (typed here, then Enter), and for a unit that
# already passed, the reason; the records land in this test's store.
. tests/e2e/tui_lib.inc
B=${B:-build/rel}
CTL="$B/tests/tools/pb-ctl"
case "$CTL" in /*) ;; *) CTL="$PWD/$CTL";; esac
[ -x "$CTL" ] || { echo "FAIL: $CTL not built"; exit 1; }

KEY="$TMPD/station.key"
printf '%s\n' 5f0b8c1e27d4a9366e1f0c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f > "$KEY"
chmod 600 "$KEY"
CSOCK="$TMPD/ctl"
EEP="$TMPD/unit.eeprom"
SIMARGS="--sim-arg=--control=$CSOCK --sim-arg=--eeprom=$EEP"

# options: a one-line usage error and exit status 2
usage_err() {
	want="$1"; shift
	out=$("$PB" "$@" 2>&1 </dev/null); rc=$?
	[ "$rc" -eq 2 ] || { echo "FAIL: pumpbench $*: exit $rc, not 2: $out"; exit 1; }
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "FAIL: pumpbench $*: not one line: $out"; exit 1; }
	printf '%s\n' "$out" | grep -q -- "$want" || { echo "FAIL: pumpbench $*: '$out' lacks '$want'"; exit 1; }
}
usage_err 'go with --key' --sim s21 --station t1
usage_err 'go with --key' --sim s21 --cert x
usage_err '1 to 15 characters' --sim s21 --key "$KEY" --station 0123456789abcdef
usage_err 'no spaces' --sim s21 --key "$KEY" --station 'a b'
usage_err '--sim-arg goes with --sim' --port /dev/null --sim-arg --seed=2
usage_err "option '--key' needs a value" --sim s21 --key
"$PB" --help | grep -q -- '--key FILE' || { echo "FAIL: --help lacks --key"; exit 1; }

DB="$TMPD/records.db"
# the station's questions at Enter: the unit's serial, and a reason once
# the unit has passed
scan() {
	wait_for 'Scan the serial number' 10
	keys "$serial" Enter
	if [ -n "${1:-}" ]; then
		wait_for 'already passed calibration' 10
		keys "$1" Enter
	fi
}

# the true vacuum of channel 1, one decimal
gauge() {
	"$CTL" "$CSOCK" status | sed -n 's/.* vacuum=\([-0-9.]*\).*/\1/p'
}
# type the gauge reading at the prompt "$1" (a regex), check it is taken:
# the value shows in its row of the points or verify table ("$2", a
# regex for the start of the row).  That row lasts; the message
# "reference N mmHg entered" does not (the procedure may already have
# moved on and replaced it), so it is not what the test waits for.
answer() {
	wait_for "$1" 90
	wait_for 'reference mmHg> _' 10
	v=$(gauge)
	[ -n "$v" ] || fail "no vacuum from the control socket"
	keys "$v" Enter
	v2=$(printf '%.2f' "$v")
	wait_for "$2.* $v2 " 30
}
# the start of the points table's row N, and of verification row N
prow() { printf '│ +%s +[0-9.]+ +ch[12] +[0-9.]+ [(] *[0-9.]+[)] ' "$1"; }
vrow() { printf 'verify %s +[0-9.]+ +ch[12] +device +[-0-9.]+ +reference' "$1"; }

start_pane 120 50 C.UTF-8
run "$PB --sim s21 --key $KEY --station t1 --cert $TMPD/cert --operator e2e --db $DB $SIMARGS"
wait_for 'link +UP' 20
keys C
wait_for 'Factory calibration of' 10
serial=$(cap | sed -n 's/.*Factory calibration of \([^ ]*\) .*/\1/p' | head -n 1)
[ -n "$serial" ] || fail "no serial on the calibration screen"
cap | grep -q 'stored calibration id 0' || fail "a fresh unit should have calibration id 0"
cap | grep -q 'key .*station.key (ok)' || fail "key not shown as usable"
keys Enter
scan
wait_for '\[>\] point 1/4' 20
# dashboard keys are off while calibrating
keys s
wait_for 'dashboard keys are off' 5
cap | head -n 1 | grep -q '| running |' && fail "s started a session during calibration"
# the uncalibrated unit reads wrong at 0 mmHg: the gauge is what counts
answer 'Point 1 of 4, holding 0 mmHg' "$(prow 1)"
# a letter is refused, a bad number too
wait_for 'Point 2 of 4, holding 50 mmHg' 90
keys x
wait_for "'x' is not part of a reading" 5
keys . Enter
wait_for "'\\.' is not a number" 5
keys BSpace
answer 'Point 2 of 4, holding 50 mmHg' "$(prow 2)"
answer 'Point 3 of 4, holding 150 mmHg' "$(prow 3)"
answer 'Point 4 of 4, holding 250 mmHg' "$(prow 4)"
answer 'Verify point 1 of 2' "$(vrow 1)"
answer 'Verify point 2 of 2' "$(vrow 2)"
wait_for 'Verdict: PASS' 60
wait_for 'Stored calibration ch1: id 1 \(new\), station t1' 10
# the list wraps to the panel's width (a long TMPDIR makes it wrap):
# each file on the screen, the first after the heading
wait_for "Certificates: $TMPD/cert.json" 5
for e in txt html; do
	cap | grep -q -- "$TMPD/cert.$e" || fail "certificate cert.$e not listed"
done
for e in json txt html; do
	[ -s "$TMPD/cert.$e" ] || fail "certificate $TMPD/cert.$e missing"
done
grep -q '"verdict": *"PASS"' "$TMPD/cert.json" || { cat "$TMPD/cert.json"; fail "JSON verdict is not PASS"; }
grep -q "\"serial\": *\"$serial\"" "$TMPD/cert.json" || fail "JSON lacks serial $serial"
grep -q '"station": *"t1"' "$TMPD/cert.json" || fail "JSON lacks the station"
grep -q 'PASS' "$TMPD/cert.txt" || fail "text certificate lacks the verdict"
grep -q '<svg' "$TMPD/cert.html" || fail "HTML certificate lacks the residual plot"
keys Escape
wait_gone 'Factory calibration|Calibrating' 5
keys q
wait_for 'EXIT=0' 10

# ---- 2: the new record survived; Esc after the write restores it ----------
run "$PB --sim s21 --key $KEY --station t2 --cert $TMPD/abort --operator e2e --db $DB $SIMARGS"
wait_for 'link +UP' 20
keys C
wait_for "Factory calibration of $serial .*stored calibration id 1" 10
# the unit's history from the records
wait_for "Records of $serial: 1 calibration" 10
wait_for "PASS +t1 by e2e" 5
keys Enter
scan "abort test"
answer 'Point 1 of 4, holding 0 mmHg' "$(prow 1)"
answer 'Point 2 of 4, holding 50 mmHg' "$(prow 2)"
answer 'Point 3 of 4, holding 150 mmHg' "$(prow 3)"
answer 'Point 4 of 4, holding 250 mmHg' "$(prow 4)"
wait_for 'Verify point 1 of 2' 90
keys Escape
wait_for 'Verdict: ABORTED: aborted: operator pressed Esc' 30
wait_for 'old calibration was written back' 5
wait_for 'Stored calibration ch1: id 1 \(unchanged\), station t1' 10
grep -q '"verdict": *"ABORTED"' "$TMPD/abort.json" || fail "aborted run's JSON verdict"
# the device is vented
st=$("$CTL" "$CSOCK" status)
echo "$st" | grep -q 'state=idle' || fail "pump not idle after the abort: $st"

# Esc before anything was written
keys Enter
scan "abort test 2"
wait_for '\[>\] point 1/4' 20
keys Escape
wait_for 'Verdict: ABORTED' 30
wait_for 'Nothing was written' 5
wait_for 'Stored calibration ch1: id 1 \(unchanged\)' 10
[ -s "$TMPD/abort-2.json" ] || fail "second run's certificate abort-2.json missing"
# Ctrl-C (SIGINT) during a run: abort first, then leave
keys Enter
scan "abort test 3"
wait_for '\[>\] point 1/4' 20
keys C-c
wait_for 'EXIT=[0-9]' 30
[ -s "$TMPD/abort-3.json" ] || fail "no certificate for the interrupted run"
grep -q '"verdict": *"ABORTED"' "$TMPD/abort-3.json" || fail "interrupted run not ABORTED"
grep -q 'interrupted by a signal' "$TMPD/abort-3.json" || fail "interrupted run's reason"
# every run is in the records: one PASS, three ABORTED recalibrations
"$BIN/pumphil" records --db "$DB" --serial "$serial" --format csv >"$TMPD/rec.csv" ||
	fail "pumphil records"
[ "$(grep -c '^cal,.*,PASS,' "$TMPD/rec.csv")" -eq 1 ] || fail "PASS record: $(cat "$TMPD/rec.csv")"
[ "$(grep -c '^cal,.*,ABORTED,.*,yes,abort test' "$TMPD/rec.csv")" -eq 3 ] ||
	fail "aborted recalibrations: $(cat "$TMPD/rec.csv")"

# ---- 3: a key file others may read ------------------------------------------
chmod 644 "$KEY"
run "$PB --sim s21 --key $KEY"
wait_for 'link +UP' 20
keys C
wait_for 'Station key unusable: .*station.key' 10
keys Enter
wait_for 'Station key unusable' 5
cap | grep -q 'Calibrating' && fail "started with an unusable key"
keys Escape q
wait_for 'EXIT=0' 10
tm capture-pane -p -J -t pb | grep -q 'pumpbench: .*station.key.*0644.*calibration will not start' ||
	fail "no one-line key error at start"
echo "ok"
