#!/bin/sh
# tools/mutate can fail (issue 10, mutation testing):
#   1. the shipped mutant list applies to the source as it is now (a
#      firmware change that leaves a mutant stale fails here, not in the
#      nightly run), has at least 30 mutants and the issue's named bugs;
#   2. a mutant that changes only a comment is reported as a SURVIVOR with
#      its closest test, and the run exits 1 because the kill rate (50 %)
#      misses the goal; with --goal 50 the same run exits 0;
#   3. a real bug (vacuum stuck confirmed 25 % late) is KILLED, by the
#      test that exists for it;
#   4. a stale mutant is an error (exit 2), never a kill;
#   5. the worktree is never touched.
# The mutants run on the release build: skipped under SANITIZE=1.
set -u
B=${B:-build/rel}
fail() { echo "FAIL: $*"; exit 1; }
[ "${SANITIZE:-}" = 1 ] &&
	{ echo "mutation runs use the release build (make check)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 missing"; exit 77; }
[ -x bin/pumphil ] && [ -x "$B/tests/unit/test_alarms" ] ||
	fail "build first (make all tests)"
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/mutate-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT

# 1. the shipped list
tools/mutate --check-list >"$TMPD/check.out" 2>&1 ||
	{ cat "$TMPD/check.out"; fail "the shipped mutant list does not apply"; }
n=$(grep -c '^\[' fixtures/mutants/firmware.ini)
[ "$n" -ge 30 ] || fail "only $n mutants (want at least 30)"
for id in session-clock-restarts-on-mode-change \
    vacuum-stuck-confirmed-after-3s host-loss-watchdogs-250ms-late \
    profile-overpressure-trip-350 level-table-off-by-one; do
	grep -q "^\[$id\]\$" fixtures/mutants/firmware.ini ||
		fail "named bug $id is not in the list"
	grep -A12 "^\[$id\]\$" fixtures/mutants/firmware.ini |
	    sed '/^$/q' | grep -q '^equivalent' &&
		fail "named bug $id is marked equivalent"
done

cat >"$TMPD/list.ini" <<'EOF'
[comment-only]
kind = none
what = a comment changes, nothing the device does
file = tools/pumpsim/alarms.c
anchor = void pb_fw_check_heartbeat(struct pb_fw *fw)
from = if (!fw->host_seen)
to = if (!fw->host_seen) /* mutated comment */

[stuck-late]
kind = timer
what = vacuum stuck confirmed after 1.875 instead of 1.5 s
file = tools/pumpsim/alarms.c
anchor = void pb_fw_check_stuck_valve(struct pb_fw *fw)
from = after_ms * 1000.0
to = after_ms * 1250.0

[stale]
kind = check
what = its text is not in the source
file = tools/pumpsim/alarms.c
from = no such text in the firmware
to = anything
EOF

sum_before=$(cat tools/pumpsim/alarms.c | cksum)

# 4. stale: an error, found before anything is built
tools/mutate --list "$TMPD/list.ini" --select stale --check-list \
	>"$TMPD/stale.out" 2>&1
rc=$?
cat "$TMPD/stale.out"
[ $rc -eq 2 ] || fail "a stale mutant: exit $rc (want 2)"
grep -q 'stale' "$TMPD/stale.out" || fail "the stale mutant is not named"

# 2. and 3. one survivor, one kill: the goal (100 %) is missed
tools/mutate --list "$TMPD/list.ini" --select comment-only,stuck-late \
	--unit test_alarms --scenarios vacuum_stuck \
	--report "$TMPD/r/report.txt" >"$TMPD/run.out" 2>&1
rc=$?
cat "$TMPD/run.out"
[ $rc -eq 1 ] || fail "kill rate below the goal: exit $rc (want 1)"
grep -q '^SURVIVED *comment-only' "$TMPD/r/report.txt" ||
	fail "the comment mutant is not reported as a survivor"
grep -A3 '^SURVIVED *comment-only' "$TMPD/r/report.txt" |
	grep -q 'closest test: ' || fail "the survivor has no closest test"
grep -q '^KILLED *stuck-late' "$TMPD/r/report.txt" ||
	fail "the late stuck detection survived"
grep -A3 '^KILLED *stuck-late' "$TMPD/r/report.txt" |
	grep -q 'killed by test_alarms: .*vacuum_stuck' ||
	fail "not killed by the vacuum-stuck test"
grep -qx 'kill rate: 1/2 = 50.0 % (goal 100 %); 0 equivalent, 0 error(s)' \
	"$TMPD/r/report.txt" || fail "kill rate line"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "pumpbench-mutate/1", d["format"]
assert d["kill_rate"] == 50.0 and d["counts"]["survived"] == 1, d["counts"]
assert [m["status"] for m in d["mutants"]] == ["survived", "killed"]
' "$TMPD/r/report.json" || fail "report.json"

# the same evidence meets a 50 % goal
tools/mutate --list "$TMPD/list.ini" --select comment-only,stuck-late \
	--unit test_alarms --scenarios none --goal 50 \
	--report "$TMPD/r2/report.txt" >"$TMPD/run2.out" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMPD/run2.out"; fail "goal 50 %: exit $rc"; }

# 5. the worktree is as it was
[ "$(cat tools/pumpsim/alarms.c | cksum)" = "$sum_before" ] ||
	fail "tools/pumpsim/alarms.c changed in the worktree"
for f in run.out run2.out; do
	scratch=$(sed -n 's/^mutate: .*; scratch \(.*\)$/\1/p' "$TMPD/$f")
	[ -n "$scratch" ] || fail "$f names no scratch tree"
	[ ! -e "$scratch" ] || fail "scratch tree $scratch left behind"
done
echo "mutate tool: survivor reported, kill counted, goal enforced"
