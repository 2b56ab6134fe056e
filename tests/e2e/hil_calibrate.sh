#!/bin/sh
# pumphil calibrate on the simulated rig: a unit with sensor errors passes,
# the certificate is written in three formats, a second run keeps the
# calibration in the unit's EEPROM file (new id), a key file readable by
# others is refused, and usage errors exit 2.
set -u
BIN=${BIN:-bin}
dir=$(mktemp -d /tmp/pbcal.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

key="$dir/station.key"
echo 5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 > "$key"
chmod 600 "$key"

"$BIN/pumphil" calibrate --profile s10pro --key "$key" --station e2e \
	--cert "$dir/unit1" --seed 11 --eeprom "$dir/eeprom.bin" \
	--serial S10-E2E-1 > "$dir/out1" 2>&1
rc=$?
cat "$dir/out1"
[ $rc -eq 0 ] || fail "calibrate exit $rc"
grep -q "S10-E2E-1 PASS" "$dir/out1" || fail "no PASS line"
for ext in json txt html; do
	[ -s "$dir/unit1.$ext" ] || fail "missing certificate unit1.$ext"
done
grep -q '"verdict":"PASS"' "$dir/unit1.json" || fail "json verdict"
grep -q '"serial":"S10-E2E-1"' "$dir/unit1.json" || fail "json serial"
grep -q '<svg' "$dir/unit1.html" || fail "html plot"
grep -q "written       cal id 1 (previous 0)" "$dir/unit1.txt" || fail "first id"

# the calibration survived in the EEPROM file: a second run sees id 1
"$BIN/pumphil" calibrate --profile s10pro --key "$key" --cert "$dir/unit2" \
	--seed 11 --eeprom "$dir/eeprom.bin" -q > "$dir/out2" 2>&1 ||
	fail "second calibration: $(cat "$dir/out2")"
grep -q "written       cal id 2 (previous 1)" "$dir/unit2.txt" ||
	fail "second run did not find the stored calibration"

# a station key that others may read is refused, nothing is calibrated
chmod 644 "$key"
"$BIN/pumphil" calibrate --profile s21 --key "$key" --cert "$dir/bad" \
	> "$dir/out3" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "world-readable key: exit $rc"
grep -q "must not be accessible to group or others" "$dir/out3" ||
	fail "no clear message: $(cat "$dir/out3")"
[ ! -e "$dir/bad.json" ] || fail "certificate written with a refused key"
chmod 600 "$key"

# usage errors
"$BIN/pumphil" calibrate --key "$key" >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing --profile should exit 2"
"$BIN/pumphil" calibrate --profile s21 --key "$key" --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option should exit 2"
"$BIN/pumphil" calibrate --profile nosuch --key "$key" >"$dir/out4" 2>&1
[ $? -eq 3 ] || fail "unknown profile should exit 3"
grep -q "nosuch" "$dir/out4" || fail "unknown profile message"
echo "pumphil calibrate ok"
