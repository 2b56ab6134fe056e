#!/bin/sh
# pumphil conform against the reference firmware in QEMU (tools/fw-qemu):
# the good image CONFORMS with the station key and --allow-writes (every
# rule runs, none skipped; JUnit valid against tests/junit.xsd, JSON names
# every rule), and the negative-control image built with the no-txn-dedup
# defect (build/fw/mps2-an385/pumpfw-no-txn-dedup.elf) DOES NOT CONFORM,
# failing retry-dedup with its section (7.2).
# Skipped (exit 77, loudly) only when QEMU or the ARM toolchain is absent;
# tools/install-deps installs both, so CI runs it.
. tests/e2e/fw_lib.inc
command -v xmllint >/dev/null 2>&1 ||
	{ echo "xmllint missing (Debian libxml2-utils)"; exit 77; }
for f in "$BIN/pumphil" "$FW/pumpfw.elf" "$FW/pumpfw-no-txn-dedup.elf"; do
	[ -e "$f" ] || { echo "FAIL: $f not built (make tests builds it)"; exit 1; }
done
fail() { echo "FAIL: $*"; exit 1; }

# ---- the good firmware -----------------------------------------------------
start_fw "$FW/pumpfw.elf" --factory-key "$KEY"
# QEMU's UART takes a byte per turn of its main loop: on a loaded machine
# the 4 KB garbage burst drains slowly, so answers get the scaled wait
WAIT=$((2 * SCALE))
"$BIN/pumphil" conform --port "$TMPD/pump" --key "$KEY" --allow-writes \
	--answer-wait "$WAIT" \
	--junit "$TMPD/good.xml" --json "$TMPD/good.json" >"$TMPD/good.out" 2>&1
rc=$?
cat "$TMPD/good.out"
[ $rc -eq 0 ] || fail "conform against the QEMU firmware exited $rc"
grep -q 'CONFORMS' "$TMPD/good.out" || fail "no CONFORMS line"
grep -q '^PASS *factory-unlock' "$TMPD/good.out" ||
	fail "factory-unlock did not run with the provisioned key"
grep -q '^SKIPPED' "$TMPD/good.out" && fail "a rule was skipped"
xmllint --noout --schema tests/junit.xsd "$TMPD/good.xml" ||
	fail "JUnit does not validate"
nrules=$("$BIN/pumphil" conform --list | wc -l)
ncases=$(grep -c '<testcase ' "$TMPD/good.xml")
[ "$ncases" -eq "$nrules" ] || fail "$ncases testcases for $nrules rules"
for id in $("$BIN/pumphil" conform --list | awk '{print $1}'); do
	grep -q "\"$id\"" "$TMPD/good.json" || fail "rule $id not in the JSON"
done
stop_fw

# ---- the negative control: no-txn-dedup -------------------------------------
start_fw "$FW/pumpfw-no-txn-dedup.elf"
"$BIN/pumphil" conform --port "$TMPD/pump" --only retry-dedup \
	--answer-wait "$WAIT" \
	>"$TMPD/bad.out" 2>&1
rc=$?
cat "$TMPD/bad.out"
[ $rc -eq 1 ] || fail "conform against the no-txn-dedup firmware exited $rc, want 1"
grep -q 'DOES NOT CONFORM' "$TMPD/bad.out" || fail "no DOES NOT CONFORM line"
grep -A1 '^FAIL *retry-dedup' "$TMPD/bad.out" | grep -q '7\.2' ||
	fail "retry-dedup did not fail citing 7.2"
stop_fw

"$BIN/pumphil" conform --port "$TMPD/pump" --answer-wait 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--answer-wait 0 was not refused as usage"
echo "fw conform e2e: all passed"
exit 0
