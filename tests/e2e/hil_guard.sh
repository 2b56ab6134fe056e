#!/bin/sh
# A scenario that catches every error it gets still ends, and the run
# still reports every scenario (issue 9, item 2):
#   1. the wall-clock guard (--wall-limit) stops a script that spins in
#      `while true do pcall(function() while true do end end) end`: ERROR
#      naming the wall time, the next scenario runs and passes, exit 3;
#   2. SIGTERM during that script: the run ends (exit 4), the spinning
#      scenario and the one after it are ABORTED, the one before PASS;
#   3. both times JUnit validates against tests/junit.xsd and the JSON
#      record holds all three scenarios.
# The latency from SIGTERM to exit is a timing claim: bench/hil.sh
# measures it; here the run only has to end (within a generous 30 s, or
# it never would).
HIL_NEED_PYTHON=1
. tests/e2e/hil_lib.inc
pid=
hil_cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; }

cat >"$TMPD/first.lua" <<'EOF'
expect("first", 1, {low = 0, high = 2})
EOF
cat >"$TMPD/spin.lua" <<'EOF'
-- catches every error it is given, forever
while true do
  pcall(function() while true do end end)
end
EOF
cat >"$TMPD/last.lua" <<'EOF'
expect("last", 1, {low = 0, high = 2})
EOF
set -- "$TMPD/first.lua" "$TMPD/spin.lua" "$TMPD/last.lua"

# check_record FILE.json WANT... (outcome per case, in order)
check_record() {
	python3 - "$@" <<'PY' || fail "JSON record: see above"
import json, sys
d = json.load(open(sys.argv[1]))
got = [c["outcome"] for c in d["cases"]]
want = sys.argv[2:]
assert got == want, "outcomes %s, want %s" % (got, want)
print("JSON record ok:", got)
PY
}

# 1. the guard
timeout 120 "$PUMPHIL" run --rig sim --wall-limit 2 --junit "$TMPD/g.xml" \
	--json "$TMPD/g.json" "$@" >"$TMPD/g.out" 2>&1
rc=$?
cat "$TMPD/g.out"
[ $rc -eq 3 ] || fail "guard run: exit $rc (want 3)"
grep -q '^ERROR *spin .*of wall time (limit 2 s)' "$TMPD/g.out" ||
	fail "the spinning scenario was not stopped by the guard"
grep -q '^PASS *last ' "$TMPD/g.out" || fail "the scenario after it did not run"
[ "$(tail -n 1 "$TMPD/g.out")" = "2 passed, 1 failed, 0 skipped" ] ||
	fail "closing line"
xmllint --noout --schema tests/junit.xsd "$TMPD/g.xml" || fail "g.xml invalid"
check_record "$TMPD/g.json" PASS ERROR PASS

# 2. SIGTERM while it spins
"$PUMPHIL" run --rig sim --junit "$TMPD/t.xml" --json "$TMPD/t.json" "$@" \
	>"$TMPD/t.out" 2>&1 &
pid=$!
# the record is written after every scenario: once it names the first,
# the second is being prepared or spinning
i=0
until grep -q '"name": "first"' "$TMPD/t.json" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 600 ] || fail "the first scenario never finished"
	kill -0 "$pid" 2>/dev/null || fail "pumphil ended early"
	sleep 0.1
done
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "pumphil still running 30 s after SIGTERM"
	sleep 0.1
done
wait "$pid"
rc=$?
pid=
cat "$TMPD/t.out"
[ $rc -eq 4 ] || fail "SIGTERM run: exit $rc (want 4)"
[ "$(tail -n 1 "$TMPD/t.out")" = "1 passed, 2 failed, 0 skipped" ] ||
	fail "closing line after SIGTERM"
xmllint --noout --schema tests/junit.xsd "$TMPD/t.xml" || fail "t.xml invalid"
check_record "$TMPD/t.json" PASS ABORTED ABORTED
echo "hil guard ok"
