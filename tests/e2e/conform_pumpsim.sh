#!/bin/sh
# pumphil conform over a real pty against pumpsim: the good emulated pump
# CONFORMS (exit 0; JUnit valid against tests/junit.xsd, every rule a
# testcase citing docs/protocol.md; the JSON record names every rule);
# with the no-txn-dedup defect switch the suite FAILS (exit 1) on
# retry-dedup, citing section 7.2; a bad option exits 2, a missing port 3.
set -u
BIN=${BIN:-bin}
SIM="$BIN/pumpsim"
HIL="$BIN/pumphil"
for f in "$SIM" "$HIL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
command -v xmllint >/dev/null 2>&1 ||
	{ echo "xmllint missing (Debian libxml2-utils)"; exit 77; }
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/conform-e2e.XXXXXX")
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; exit 1; }
wait_for() {
	n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
start_sim() { # extra pumpsim options...
	"$SIM" --profile s10pro --seed 5 --link "$TMPD/pump" "$@" \
		>"$TMPD/sim.out" 2>&1 &
	PID=$!
	wait_for 20 test -L "$TMPD/pump" || fail "pumpsim gave no link"
}
stop_sim() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=""
	rm -f "$TMPD/pump"
}

# ---- the good pump ------------------------------------------------------
start_sim
"$HIL" conform --port "$TMPD/pump" --junit "$TMPD/good.xml" \
	--json "$TMPD/good.json" >"$TMPD/good.out" 2>&1
rc=$?
cat "$TMPD/good.out"
[ $rc -eq 0 ] || fail "conform against the good pump exited $rc"
grep -q 'CONFORMS' "$TMPD/good.out" || fail "no CONFORMS line"
xmllint --noout --schema tests/junit.xsd "$TMPD/good.xml" ||
	fail "JUnit does not validate"
nrules=$("$HIL" conform --list | wc -l)
ncases=$(grep -c '<testcase ' "$TMPD/good.xml")
[ "$ncases" -eq "$nrules" ] || fail "$ncases testcases for $nrules rules"
grep -q '<failure' "$TMPD/good.xml" && fail "a failure in the good run"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$TMPD/good.json" "$nrules" <<'PY' || fail "JSON record"
import json, sys
r = json.load(open(sys.argv[1]))
cases = r["cases"]
assert len(cases) == int(sys.argv[2]), len(cases)
for c in cases:
    assert c["scenario"]["file"].startswith("docs/protocol.md "), c
    assert c["outcome"] in ("PASS", "SKIPPED"), c
    assert c["dut"]["firmware"], c
PY
fi
stop_sim

# ---- the negative control: a pump that runs retried commands twice -------
start_sim --defect no-txn-dedup
"$HIL" conform --port "$TMPD/pump" --only retry-dedup \
	--junit "$TMPD/bad.xml" >"$TMPD/bad.out" 2>&1
rc=$?
cat "$TMPD/bad.out"
[ $rc -eq 1 ] || fail "conform against no-txn-dedup exited $rc, not 1"
grep -q '^FAIL *retry-dedup' "$TMPD/bad.out" || fail "retry-dedup did not FAIL"
grep -q 'docs/protocol.md 7.2' "$TMPD/bad.out" || fail "no section cited"
xmllint --noout --schema tests/junit.xsd "$TMPD/bad.xml" ||
	fail "JUnit (defect run) does not validate"
grep -q '<failure' "$TMPD/bad.xml" || fail "no <failure> in the JUnit"
stop_sim

# ---- usage and a missing port ---------------------------------------------
"$HIL" conform --port "$TMPD/none" >/dev/null 2>&1
[ $? -eq 3 ] || fail "a missing port did not exit 3"
"$HIL" conform --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "a bad option did not exit 2"
"$HIL" conform --port x --rig sim >/dev/null 2>&1
[ $? -eq 2 ] || fail "--port with --rig did not exit 2"
echo "conform e2e ok"
