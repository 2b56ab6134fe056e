#!/bin/sh
# `make install` puts the three programs and the fixtures under
# DESTDIR/PREFIX, and the installed programs, run from another directory,
# use the installed data: pumpsim loads a profile from it and serves the
# protocol to a host (HELLO names the profile, START, telemetry, level,
# STOP), and pumphil list-rigs lists the installed rigs.
#
# Honest about today (issue 11): the installed programs do not find their
# data by themselves.  They look in $PUMPBENCH_FIXTURES, ./fixtures and the
# data dir compiled in (PB_DATADIR, from the PREFIX of the build, not of the
# install, and without DESTDIR), so this test points PUMPBENCH_FIXTURES at
# the installed data dir.  Issue 11 must make the lookup relative to the
# executable (bindir/../share/pumpbench), rebuild or decide the path at run
# time for `make install PREFIX=...`, and then drop PUMPBENCH_FIXTURES here:
# the "known gap" line below turns into a check.
set -u
B=${B:-build/rel}
HOST="$PWD/$B/tests/tools/pb-host-smoke"
[ -x "$HOST" ] || { echo "FAIL: $HOST not built"; exit 1; }
dest=$(mktemp -d "${TMPDIR:-/tmp}/pbinstall.XXXXXX")
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

make --no-print-directory install DESTDIR="$dest" PREFIX=/opt/pumpbench \
	SANITIZE="${SANITIZE:-}" >"$dest/make.log" 2>&1 ||
	{ cat "$dest/make.log"; fail "make install"; }
prefix=$dest/opt/pumpbench
data=$prefix/share/pumpbench
for p in pumpbench pumpsim pumphil; do
	test -x "$prefix/bin/$p" || fail "missing bin/$p"
done
for f in pumps/s10pro.ini pumps/s21.ini rigs/sim.ini scenarios/nominal_s10pro.lua; do
	test -f "$data/$f" || fail "missing share/pumpbench/$f"
done
for m in man1/pumpbench.1 man1/pumpsim.1 man1/pumphil.1 man7/pumpbench-protocol.7; do
	cmp -s "$prefix/share/man/$m" "man/${m#*/}" || fail "missing share/man/$m"
done
# man finds the installed pages by name
MANPATH="$prefix/share/man" man -w pumphil 2>&1 | grep -qx "$prefix/share/man/man1/pumphil.1" ||
	fail "man -w pumphil does not find $prefix/share/man/man1/pumphil.1"

# from another directory: no ./fixtures of the checkout to fall back on
mkdir "$dest/elsewhere" && cd "$dest/elsewhere" || fail "cd"
export PUMPBENCH_FIXTURES="$data"

# the installed pumpsim loads s10pro from the installed data and serves it
"$HOST" --profile s10pro --exec "$prefix/bin/pumpsim" --profile s10pro \
	--stdio --quiet >"$dest/host.log" 2>&1 ||
	{ cat "$dest/host.log"; fail "installed pumpsim did not serve s10pro"; }
grep -q 'profile s10pro' "$dest/host.log" ||
	{ cat "$dest/host.log"; fail "the device did not name profile s10pro"; }
echo "installed pumpsim serves s10pro from $data"

# the installed pumphil lists the installed rigs, with their installed paths
"$prefix/bin/pumphil" list-rigs >"$dest/rigs.log" 2>&1 ||
	{ cat "$dest/rigs.log"; fail "installed pumphil list-rigs"; }
grep -q "^  sim  .* $data/rigs/sim.ini:" "$dest/rigs.log" ||
	{ cat "$dest/rigs.log"; fail "list-rigs does not list the installed sim rig"; }
grep -q "^  bench-ft232h .* $data/rigs/bench-ft232h.ini" "$dest/rigs.log" ||
	{ cat "$dest/rigs.log"; fail "list-rigs does not list the installed bench rig"; }
echo "installed pumphil lists the installed rigs"

# the data came from the installed dir and nowhere else: without it the
# same command fails with the reason
mv "$data/pumps/s10pro.ini" "$dest/s10pro.ini"
if "$prefix/bin/pumpsim" --profile s10pro --stdio </dev/null >"$dest/err.log" 2>&1; then
	cat "$dest/err.log"; fail "pumpsim served s10pro without the installed profile"
fi
grep -q "profile 's10pro' not found" "$dest/err.log" ||
	{ cat "$dest/err.log"; fail "no 'not found' reason"; }
mv "$dest/s10pro.ini" "$data/pumps/s10pro.ini"

# known gap (issue 11): with no PUMPBENCH_FIXTURES the installed programs
# should still find their data; today they look in the build's PB_DATADIR
if env -u PUMPBENCH_FIXTURES "$prefix/bin/pumpsim" --profile s10pro --stdio \
	</dev/null >"$dest/gap.log" 2>&1; then
	echo "installed pumpsim finds its data without PUMPBENCH_FIXTURES"
else
	echo "known gap (issue 11): without PUMPBENCH_FIXTURES: $(tail -n 1 "$dest/gap.log")"
fi
echo "install ok"
