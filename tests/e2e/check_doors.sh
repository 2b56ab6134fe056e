#!/bin/sh
# tools/check-doors holds the doors of docs/architecture.md: the tree as it
# is passes, and each bad include planted in a copy of it fails with the
# file, the line and the rule broken.  Each plant is the defect that must
# make the check fail; each is removed before the next.
set -eu
here=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pbdoors.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# a copy of every C file and the page that holds the door table
find . \( -name .git -o -name build -o -name bin \) -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print |
	tar -cf - -T - docs/architecture.md | tar -xf - -C "$tmp"

doors() { "$here/tools/check-doors" "$tmp" >"$tmp/out" 2>&1; }

doors || { cat "$tmp/out"; fail "the tree as it is breaks a door"; }
grep -q ' 0 broken doors$' "$tmp/out" || fail "no summary: $(cat "$tmp/out")"

# plant FILE LINE: append LINE to FILE (a copy is kept), run the check,
# expect exit 1 and an error naming FILE and the line number of the plant,
# then put FILE back.  Extra arguments: text the message must also contain.
plant() {
	f=$1 text=$2; shift 2
	[ -f "$tmp/$f" ] && cp "$tmp/$f" "$tmp/saved" || : >"$tmp/saved"
	printf '%s\n' "$text" >>"$tmp/$f"
	n=$(wc -l <"$tmp/$f" | tr -d ' ')
	if doors; then rc=0; else rc=$?; fi
	[ "$rc" -eq 1 ] || { cat "$tmp/out"; fail "$f: '$text' passed (exit $rc)"; }
	grep -q "^$f:$n: error: " "$tmp/out" ||
		{ cat "$tmp/out"; fail "$f: no error at $f:$n for '$text'"; }
	for want in "$@"; do
		grep "^$f:$n: " "$tmp/out" | grep -qF -- "$want" ||
			{ cat "$tmp/out"; fail "$f: message lacks '$want'"; }
	done
	grep -q ' 1 broken door$' "$tmp/out" || { cat "$tmp/out"; fail "$f: not exactly one"; }
	if [ -s "$tmp/saved" ]; then cp "$tmp/saved" "$tmp/$f"; else rm -f "$tmp/$f"; fi
	echo "caught: $f:$n $text"
}

# every room's door, broken once
plant tui/app.h     '#include "hil/rig.h"' 'tui/ may not include hil/' \
	'rule "room tui/" at docs/architecture.md:' 'allows: store/ cal/ proto/ pump/ base/'
plant tui/session.c '#include "tools/pumpsim/emulator.h"' 'tui/ may not include tools/pumpsim/'
plant pump/units.h  '#include "proto/msg.h"' 'pump/ may not include proto/'
plant base/text.c   '#include "pump/units.h"' 'base/ may not include pump/' 'allows: nothing of ours'
plant proto/frame.c '#include "pump/profile.h"' 'proto/ may not include pump/'
plant cal/fit.c     '#include "tui/app.h"' 'cal/ may not include tui/'
plant cal/fit.c     '#include "store/store.h"' 'cal/ may not include store/'
plant store/sql.c   '#include "cal/fit.h"' 'store/ may not include cal/'
plant store/record.c '#include "hil/rig.h"' 'store/ may not include hil/'
plant cal/fit.h     '#include "hil/rig.h"' 'cal/ may not include hil/'
plant tools/pumpsim/plant.c '#include "cal/fit.h"' 'tools/pumpsim/ may not include cal/'
# hil reaches the emulator only through the simulated fixture
plant hil/dut.c     '#include "tools/pumpsim/emulator.h"' \
	'hil/ may not include tools/pumpsim/' 'only hil/fixture-sim.* may'
plant hil/series.h  '#include "tui/graph.h"' 'hil/ may not include tui/'
# the spellings the compiler accepts: angle brackets, spaces, relative paths
plant tui/graph.c   '#include <hil/rig.h>' 'tui/ may not include hil/'
plant tui/graph.c   '  #  include   "hil/rig.h"' 'tui/ may not include hil/'
plant tui/graph.c   '#include "../hil/rig.h"' 'includes hil/rig.h'
plant cal/fit.c     '#include "./../tui/./app.h"' 'includes tui/app.h'
# a module's insides (M-impl.h) stay its own, even within its room
plant proto/client.c '#include "proto/link-impl.h"' \
	'the insides of module proto/link; only proto/link.c and proto/link-*'
plant tui/session.c '#include "proto/link-impl.h"' 'the insides of module proto/link'
plant hil/runner.c  '#include "hil/scenario-impl.h"' 'the insides of module hil/scenario'
plant tools/pumpsim/plant.c '#include "tools/pumpsim/firmware-impl.h"' \
	'only tools/pumpsim/firmware.c and tools/pumpsim/firmware-*, tools/pumpsim/regulator.c, tools/pumpsim/alarms.c may'
# product code never includes test code; a new directory needs a rule
plant proto/msg.c   '#include "tests/unit/vectors.h"' 'which is test code'
mkdir "$tmp/newroom" && echo 'int x;' >"$tmp/newroom/x.c"
if doors; then rc=0; else rc=$?; fi
[ "$rc" -eq 1 ] && grep -q '^newroom/x.c: error: no door rule covers this file' "$tmp/out" ||
	{ cat "$tmp/out"; fail "newroom/x.c: exit $rc"; }
rm -rf "$tmp/newroom"

# doors that are open stay open
for ok in 'hil/fixture-sim.c:#include "tools/pumpsim/emulator.h"' \
	'hil/fixture-sim.h:#include "tools/pumpsim/sensor.h"' \
	'tui/app.h:#include "cal/procedure.h"' \
	'hil/dut.c:#include "cal/procedure.h"' \
	'tools/pumpsim/plant.c:#include "base/text.h"' \
	'proto/link-mem.c:#include "proto/link-impl.h"' \
	'tools/pumpsim/alarms.c:#include "tools/pumpsim/firmware-impl.h"' \
	'tests/unit/test_link.c:#include "proto/link-impl.h"' \
	'tests/unit/test_app.c:#include "hil/rig.h"' \
	'fuzz/fuzz_msg.c:#include "tools/pumpsim/emulator.h"' \
	'bench/bench_decode.c:#include "tui/graph.h"' \
	'tui/app.h:#include <stdio.h>' 'tui/app.h:#include "ncurses.h"'; do
	f=${ok%%:*} text=${ok#*:}
	cp "$tmp/$f" "$tmp/saved"
	printf '%s\n' "$text" >>"$tmp/$f"
	doors || { cat "$tmp/out"; fail "$f: '$text' refused"; }
	cp "$tmp/saved" "$tmp/$f"
done

# a temporary exception lets one file through, and fails once it is stale
table() { # sed script: the door table with one line changed
	sed "$1" "$here/docs/architecture.md" >"$tmp/docs/architecture.md"
}
echo '#include "tools/pumpsim/emulator.h"' >>"$tmp/hil/dut.c"
table 's|^free tests/.*|&\nallow hil/dut.c tools/pumpsim  # reason|'
doors || { cat "$tmp/out"; fail "an exception did not let hil/dut.c through"; }
grep -q 'note: .*temporary exception: hil/dut.c still includes tools/pumpsim/' "$tmp/out" ||
	fail "an exception in use is not noted: $(cat "$tmp/out")"
table 's|^free tests/.*|&\nallow hil/rig.c tools/pumpsim  # reason|'
if doors; then rc=0; else rc=$?; fi
[ "$rc" -eq 1 ] && grep -q '^docs/architecture.md:[0-9]*: error: temporary exception "hil/rig.c may include tools/pumpsim/" is no longer needed' "$tmp/out" ||
	{ cat "$tmp/out"; fail "a stale exception passed (exit $rc)"; }
grep -q '^hil/dut.c:[0-9]*: error: ' "$tmp/out" || fail "an exception for one file let another through"
cp "$here/hil/dut.c" "$tmp/hil/dut.c"

# a broken table is an error of its own (exit 2), never a pass
table 's/^```doors$/```/'
if doors; then rc=0; else rc=$?; fi
[ "$rc" -eq 2 ] || { cat "$tmp/out"; fail "no door table: exit $rc"; }
table 's/^room pump\/ .*/room pump\/ base nosuchroom/'
if doors; then rc=0; else rc=$?; fi
[ "$rc" -eq 2 ] && grep -q 'nosuchroom/ is not a room' "$tmp/out" ||
	{ cat "$tmp/out"; fail "unknown room in the table: exit $rc"; }
echo "check-doors ok"
