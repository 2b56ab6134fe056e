#!/bin/sh
# The programs of the build tree work from any directory (issue 11): with
# no PUMPBENCH_DATA or PUMPBENCH_FIXTURES, started from an empty
# directory elsewhere, they find the checkout's data beside them
# (bin/../fixtures; build/san/bin/../fixtures for the sanitizer build):
# pumpsim serves a profile by id, pumpbench --sim runs headless,
# pumphil lists the rigs and runs a scenario by name.  A fixtures/ in the
# working directory is never read: a profile, rig or scenario that is
# only there is not found, and the message names where it was looked for.
# $PUMPBENCH_DATA adds one.
set -u
BIN=${BIN:-bin}
SCALE=${PB_E2E_SCALE:-1}
src=$PWD
dir=$(mktemp -d "${TMPDIR:-/tmp}/pbanywhere.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
show_fail() { cat "$1"; shift; fail "$*"; }
unset PUMPBENCH_DATA PUMPBENCH_FIXTURES PUMPBENCH_DB
export XDG_DATA_HOME="$dir/xdg"
case $BIN in /*) bin=$BIN ;; *) bin=$src/$BIN ;; esac
data=$(cd "$bin/../fixtures" && pwd -P) || fail "no $BIN/../fixtures"
# the directory as the programs name it: beside the executable
beside=$(cd "$bin/.." && pwd -P)/fixtures
cd "$dir" || fail "cd"

# pumpsim: a profile by id, HELLO names it
printf '' | timeout $((20 * SCALE)) "$bin/pumpsim" --profile s21 --stdio \
	>"$dir/sim.out" 2>"$dir/sim.err" ||
	show_fail "$dir/sim.err" "pumpsim --profile s21 from $dir"
grep -q "serving s21" "$dir/sim.err" || show_fail "$dir/sim.err" "not serving s21"

# pumpbench --sim: pumpsim beside it, the profile from the build tree
timeout $((60 * SCALE)) "$bin/pumpbench" --sim s10pro --headless \
	--duration 2 >"$dir/tui.log" 2>&1 ||
	show_fail "$dir/tui.log" "pumpbench --sim s10pro --headless from $dir"
grep -q "samples=[1-9]" "$dir/tui.log" || show_fail "$dir/tui.log" "no samples"

# pumphil: the rigs of the checkout, a scenario by name
"$bin/pumphil" list-rigs >"$dir/rigs.log" 2>&1 ||
	show_fail "$dir/rigs.log" "pumphil list-rigs"
grep -q "^  sim  .* $beside/rigs/sim.ini:" "$dir/rigs.log" ||
	show_fail "$dir/rigs.log" "list-rigs does not list the checkout's sim rig"
"$bin/pumphil" run -q --rig sim --no-record power_cut >"$dir/run.log" 2>&1 ||
	show_fail "$dir/run.log" "pumphil run power_cut from $dir"
grep -q "1 passed" "$dir/run.log" || show_fail "$dir/run.log" "not passed"
echo "from $dir: pumpsim, pumpbench --sim, pumphil list-rigs and run work"

# ./fixtures is not a data directory
mkdir -p fixtures/pumps fixtures/rigs fixtures/scenarios
sed 's/^id = s21/id = zzcwd/' "$data/pumps/s21.ini" >fixtures/pumps/zzcwd.ini
sed 's/^name *=.*/name = zzrig/' "$data/rigs/sim.ini" >fixtures/rigs/zzrig.ini
cp "$data/scenarios/power_cut.lua" fixtures/scenarios/zzscn.lua
cp -R "$data/scenarios/lib" fixtures/scenarios/
"$bin/pumpsim" --profile zzcwd --stdio </dev/null >"$dir/e1" 2>&1 &&
	show_fail "$dir/e1" "pumpsim read ./fixtures/pumps"
grep -q "profile 'zzcwd' not found (no zzcwd.ini in .*/pumps" "$dir/e1" ||
	show_fail "$dir/e1" "pumpsim: no reason"
grep -q "$dir/fixtures" "$dir/e1" && show_fail "$dir/e1" "pumpsim looked in ./fixtures"
"$bin/pumphil" run -q --rig zzrig --no-record power_cut >"$dir/e2" 2>&1 &&
	show_fail "$dir/e2" "pumphil read ./fixtures/rigs"
grep -q "no rig 'zzrig'" "$dir/e2" || show_fail "$dir/e2" "pumphil --rig: no reason"
"$bin/pumphil" run -q --rig sim --no-record zzscn >"$dir/e3" 2>&1
rc=$?
[ $rc -eq 2 ] || show_fail "$dir/e3" "pumphil run zzscn: exit $rc, not 2"
grep -q "no scenario 'zzscn'" "$dir/e3" || show_fail "$dir/e3" "no scenario reason"
"$bin/pumphil" list-rigs >"$dir/rigs2.log" 2>&1
grep -q zzrig "$dir/rigs2.log" && show_fail "$dir/rigs2.log" "list-rigs read ./fixtures"
echo "./fixtures of the working directory is not read"

# ... but $PUMPBENCH_DATA adds it, after the checkout's own data
PUMPBENCH_DATA=$dir/fixtures "$bin/pumpsim" --profile zzcwd --stdio \
	</dev/null >"$dir/e4" 2>&1 || show_fail "$dir/e4" "PUMPBENCH_DATA not read"
PUMPBENCH_DATA=$dir/fixtures "$bin/pumphil" run -q --rig zzrig --no-record \
	zzscn >"$dir/e5" 2>&1 || show_fail "$dir/e5" "PUMPBENCH_DATA: rig and scenario"
echo "\$PUMPBENCH_DATA adds profiles, rigs and scenarios"
