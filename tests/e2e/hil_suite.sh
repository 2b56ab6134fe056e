#!/bin/sh
# The HIL regression suite on the simulated rig, as CI runs it:
#   1. every scenario in fixtures/scenarios passes on `--rig sim`;
#   2. every scenario that declares a safety defect switch FAILS when the
#      emulator runs with that switch (reported as NAME[defect] PASS);
#   3. both JUnit files validate against tests/junit.xsd (xmllint), the
#      schema rejects a broken file, the JSON records are complete;
#   4. the closing lines are exactly "N passed, 0 failed, 0 skipped".
# How long it takes is a benchmark (bench/hil.sh, docs/BENCHMARKS.md "HIL
# suite"), not a test: a wall-clock limit here failed on a loaded machine.
. tests/e2e/hil_lib.inc

scenarios=$(ls fixtures/scenarios/*.lua)
n=$(echo "$scenarios" | wc -l)
n_defect=$(grep -l '^--@defect ' fixtures/scenarios/*.lua | wc -l)
[ "$n" -ge 20 ] || fail "only $n scenarios (want at least 20)"
[ "$n_defect" -ge 10 ] || fail "only $n_defect scenarios declare a defect"

# 1. the suite
# shellcheck disable=SC2086
"$PUMPHIL" run --rig sim --junit "$TMPD/suite.xml" --json "$TMPD/suite.json" \
	--trace-csv "$TMPD/matrix.csv" $scenarios >"$TMPD/suite.out" 2>&1
rc=$?
cat "$TMPD/suite.out"
[ $rc -eq 0 ] || fail "suite exit $rc"
last=$(tail -n 1 "$TMPD/suite.out")
[ "$last" = "$n passed, 0 failed, 0 skipped" ] ||
	fail "closing line '$last' (want '$n passed, 0 failed, 0 skipped')"

# 2. the defect runs: the suite proves it can fail
# shellcheck disable=SC2086
"$PUMPHIL" run --rig sim --defects-only --junit "$TMPD/defects.xml" \
	--json "$TMPD/defects.json" $scenarios >"$TMPD/defects.out" 2>&1
rc=$?
cat "$TMPD/defects.out"
[ $rc -eq 0 ] || fail "defect run exit $rc"
last=$(tail -n 1 "$TMPD/defects.out")
[ "$last" = "$n_defect passed, 0 failed, 0 skipped" ] ||
	fail "defect closing line '$last' (want $n_defect passed)"
# each defect case failed as it must: one XFAIL line that says the defect
# was detected, never a bare FAIL line (nor a PASS next to one)
det=$(grep -c '^XFAIL .*\[defect\] (attempt 1, .*): defect .* detected: the scenario failed as it must (' "$TMPD/defects.out")
[ "$det" -eq "$n_defect" ] || fail "$det of $n_defect defects reported XFAIL"
grep -Eq '^(FAIL|PASS) .*\[defect\]' "$TMPD/defects.out" &&
	fail "a defect run shown as a bare FAIL or PASS"
# the record keeps the raw outcome: every attempt FAILed with its defect on
if command -v python3 >/dev/null 2>&1; then
	python3 - "$TMPD/defects.json" "$n_defect" <<'PY' || fail "raw defect outcomes"
import json, sys
d = json.load(open(sys.argv[1]))
raw = [c["attempts"][-1]["outcome"] for c in d["cases"]]
assert raw == ["FAIL"] * int(sys.argv[2]), raw
PY
fi

# 3. JUnit against the schema, both files; the schema has teeth
for x in suite defects; do
	xmllint --noout --schema tests/junit.xsd "$TMPD/$x.xml" ||
		fail "$x.xml does not validate"
done
grep -q '<testsuite name="pumphil.sim.defects"' "$TMPD/defects.xml" ||
	fail "no defects testsuite"
sed 's/ name="nominal_s21"//' "$TMPD/suite.xml" >"$TMPD/broken.xml"
if xmllint --noout --schema tests/junit.xsd "$TMPD/broken.xml" 2>/dev/null; then
	fail "the schema accepted a testcase without a name"
fi
# JSON record: well formed, one case per scenario, hashes and DUT ids
if command -v python3 >/dev/null 2>&1; then
	python3 - "$TMPD/suite.json" "$n" <<'PY' || fail "JSON record incomplete"
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert d["format"] == "pumphil-record/1" and d["rig_kind"] == "sim"
assert d["counts"]["passed"] == n == len(d["cases"]), d["counts"]
for c in d["cases"]:
    assert len(c["scenario"]["sha256"]) == 64, c["name"]
    assert c["dut"]["serial"] and c["dut"]["firmware"], c["name"]
    a = c["attempts"][-1]
    assert a["outcome"] == "PASS" and a["start"] <= a["end"], c["name"]
    assert a["measurements"], c["name"] + ": no measurements"
    for m in a["measurements"]:
        assert m["outcome"] in ("PASS", "FAIL") and "unit" in m
        # every measurement is evidence for a requirement the scenario
        # declares (docs/verification.md)
        assert m["requirement"] in c["scenario"]["requirements"], \
            (c["name"], m["name"], m["requirement"])
    assert c["scenario"]["requirements"], c["name"] + ": verifies nothing"
assert len(d["requirements"]["sha256"]) == 64, d["requirements"]
# the suite verifies every written requirement but the ones whose
# scenario is still to come (milk backflow: the emulator has no model yet)
assert set(d["coverage"]["untested"]) <= {"SR-BF-01"}, d["coverage"]
assert not d["coverage"]["unverified_scenarios"], d["coverage"]
print("JSON record ok:", len(d["cases"]), "cases")
PY
else
	grep -q '"format": "pumphil-record/1"' "$TMPD/suite.json" ||
		fail "JSON record missing its format"
fi

echo "hil suite ok: $n scenarios, $n_defect defects caught"
