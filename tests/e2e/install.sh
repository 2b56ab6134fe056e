#!/bin/sh
# `make install` puts the programs, their data, the bash completion, the
# udev rules, the man pages and the example station config under
# DESTDIR/PREFIX, and the
# installed programs, run from another directory with no PUMPBENCH_DATA
# or PUMPBENCH_FIXTURES, find their data beside them (base/datadir.h):
#
# - pumpsim serves a profile to a host (HELLO names it, START, telemetry,
#   level, STOP);
# - pumpbench --sim s10pro --headless runs and its summary counts samples;
# - pumphil run runs an installed scenario by name on the sim rig: PASS,
#   JUnit written;
# - pumphil calibrate on the sim rig, with the installed example station
#   config (its own key, a gauge not yet due): PASS, certificate written;
# - pumphil list-rigs lists the installed rigs with their installed paths;
# - without the installed data the same commands fail with the reason,
#   and a fixtures/ in the working directory is not read;
# - the installed completion offers the installed profiles, rigs and
#   scenarios; the udev rules file is well formed and names the adapters;
# - a second prefix, installed after a plain `make`, gets the same
#   binaries (nothing of the prefix is compiled in) and they use that
#   prefix's data;
# - `make uninstall` removes it all again.
set -u
B=${B:-build/rel}
SCALE=${PB_E2E_SCALE:-1}
HOST="$PWD/$B/tests/tools/pb-host-smoke"
[ -x "$HOST" ] || { echo "FAIL: $HOST not built"; exit 1; }
src=$PWD
dest=$(mktemp -d "${TMPDIR:-/tmp}/pbinstall.XXXXXX")
chmod 0755 "$dest"
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
show_fail() { cat "$1"; shift; fail "$*"; }
unset PUMPBENCH_DATA PUMPBENCH_FIXTURES PUMPBENCH_DB
export XDG_DATA_HOME="$dest/xdg"

# the version and build date the build was stamped with ("VERSION DATE",
# base/version.h): the makes below keep them, so a commit or an edit in
# the tree meanwhile (git describe --dirty would change), or midnight,
# does not relink the programs
read -r version build_date < "$B/version.txt" 2>/dev/null ||
	fail "$B/version.txt missing"
[ -n "$version" ] && [ -n "$build_date" ] || fail "$B/version.txt: '$version $build_date'"
# what the build's own program says (docs/cli.md): the installed ones
# must say the same
stamp() { "$1" --version | sed -n "1s/^${1##*/} //p;2p" | tr '\n' '|'; }
built=$(stamp "${BIN:-bin}/pumpsim")
[ "$built" = "$version|build date $build_date|" ] ||
	fail "the build's pumpsim says '$built', $B/version.txt '$version $build_date'"

# the configured datadir of a default build: if something is installed
# there, "missing data fails" cannot be shown on this machine
sysdata=/usr/local/share/pumpbench

make --no-print-directory install DESTDIR="$dest" PREFIX=/opt/pumpbench \
	SANITIZE="${SANITIZE:-}" VERSION="$version" BUILD_DATE="$build_date" >"$dest/make.log" 2>&1 ||
	show_fail "$dest/make.log" "make install"
prefix=$dest/opt/pumpbench
data=$prefix/share/pumpbench
comp=$prefix/share/bash-completion/completions
for p in pumpbench pumpsim pumphil; do
	test -x "$prefix/bin/$p" || fail "missing bin/$p"
	test -f "$comp/$p" || fail "missing bash completion for $p"
	# the build's stamp, unchanged by the install (docs/cli.md)
	v=$(stamp "$prefix/bin/$p")
	[ "$v" = "$built" ] ||
		fail "installed $p --version says '$v', the build '$built'"
done
for f in pumps/s10pro.ini pumps/s21.ini rigs/sim.ini rigs/bench-ft232h.ini \
    scenarios/nominal_s10pro.lua scenarios/stop_vents.lua \
    scenarios/lib/hil.lua requirements/safety.ini; do
	test -f "$data/$f" || fail "missing share/pumpbench/$f"
done
test -d "$data/golden" && fail "test data (golden/) installed"
for m in man1/pumpbench.1 man1/pumpsim.1 man1/pumphil.1 man7/pumpbench-protocol.7; do
	cmp -s "$prefix/share/man/$m" "man/${m#*/}" || fail "missing share/man/$m"
done
# man finds the installed pages by name
MANPATH="$prefix/share/man" man -w pumphil 2>&1 | grep -qx "$prefix/share/man/man1/pumphil.1" ||
	fail "man -w pumphil does not find $prefix/share/man/man1/pumphil.1"
rules=$prefix/lib/udev/rules.d/60-pumpbench.rules
test -f "$rules" || fail "missing lib/udev/rules.d/60-pumpbench.rules"
example=$prefix/share/doc/pumpbench/examples/station.ini
test -f "$example" || fail "missing share/doc/pumpbench/examples/station.ini"
echo "installed under $prefix"

# from another directory: no checkout to fall back on
mkdir "$dest/elsewhere" && cd "$dest/elsewhere" || fail "cd"

# pumpsim: the installed profile, served to a host
"$HOST" --profile "$data/pumps/s10pro.ini" --exec "$prefix/bin/pumpsim" --profile s10pro \
	--stdio --quiet >"$dest/host.log" 2>&1 ||
	show_fail "$dest/host.log" "installed pumpsim did not serve s10pro"
grep -q 'profile s10pro' "$dest/host.log" ||
	show_fail "$dest/host.log" "the device did not name profile s10pro"
echo "pumpsim serves s10pro from $data"

# pumpbench: the dashboard's emulator (the installed pumpsim beside it)
# for a few seconds, headless; its summary counts the samples
timeout $((60 * SCALE)) "$prefix/bin/pumpbench" --sim s10pro --headless \
	--duration 3 >"$dest/headless.log" 2>&1 ||
	show_fail "$dest/headless.log" "pumpbench --sim s10pro --headless failed"
n=$(sed -n 's/.*samples=\([0-9]*\) .*/\1/p' "$dest/headless.log" | head -n 1)
[ "${n:-0}" -gt 100 ] ||
	show_fail "$dest/headless.log" "pumpbench headless summary has no samples"
echo "pumpbench --sim s10pro --headless: $n samples"

# pumphil run: an installed scenario by name (its import() of lib/hil.lua
# from the installed tree), on the sim rig
"$prefix/bin/pumphil" run -q --rig sim --no-record --junit "$dest/run.xml" \
	stop_vents >"$dest/run.log" 2>&1 ||
	show_fail "$dest/run.log" "pumphil run stop_vents"
grep -q '1 passed, 0 failed' "$dest/run.log" ||
	show_fail "$dest/run.log" "pumphil run did not pass"
grep -q '<testcase [^>]*name="stop_vents"' "$dest/run.xml" ||
	show_fail "$dest/run.xml" "no stop_vents testcase in the JUnit file"
grep -q '<failure\|<error' "$dest/run.xml" &&
	show_fail "$dest/run.xml" "the JUnit file has a failure"
echo "pumphil run stop_vents (installed scenario): PASS, JUnit written"

# pumphil calibrate: the installed example station config, with a key of
# its own next to it and a gauge that is not yet due; records in a file
mkdir "$dest/station" || fail "mkdir"
sed 's/^due = .*/due = 2999-12-31/' "$example" >"$dest/station/station.ini"
echo 5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 \
	>"$dest/station/station.key"
chmod 600 "$dest/station/station.key"
"$prefix/bin/pumphil" calibrate --rig sim --profile s10pro \
	--station-config "$dest/station/station.ini" --db "$dest/records.db" \
	--operator e2e --unit S10-INST-1 --serial S10-INST-1 \
	--cert "$dest/cert" >"$dest/cal.log" 2>&1 ||
	show_fail "$dest/cal.log" "pumphil calibrate on the sim rig"
tail -n 1 "$dest/cal.log" | grep -q 'S10-INST-1 PASS' ||
	show_fail "$dest/cal.log" "calibrate: no PASS line"
grep -q '"station":"line-3"' "$dest/cert.json" ||
	show_fail "$dest/cert.json" "the certificate does not name the example's station"
echo "pumphil calibrate (example station config): PASS"

# pumphil list-rigs: the installed rigs, with their installed paths
"$prefix/bin/pumphil" list-rigs >"$dest/rigs.log" 2>&1 ||
	show_fail "$dest/rigs.log" "installed pumphil list-rigs"
grep -q "^  sim  .* $data/rigs/sim.ini:" "$dest/rigs.log" ||
	show_fail "$dest/rigs.log" "list-rigs does not list the installed sim rig"
grep -q "^  bench-ft232h .* $data/rigs/bench-ft232h.ini" "$dest/rigs.log" ||
	show_fail "$dest/rigs.log" "list-rigs does not list the installed bench rig"
echo "pumphil list-rigs lists the installed rigs"

# bash completion, as bash-completion loads it: the installed profiles,
# rigs and scenarios (zz_extra is only in the installed data dir)
command -v bash >/dev/null || fail "bash missing"
cp "$data/pumps/s21.ini" "$data/pumps/zz_extra.ini"
complete_words() { # words...; the last is the one completed
	PATH="$prefix/bin:$PATH" bash -c '
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_pumpbench "$1" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' "$comp/$1" "$@" 2>&1
}
out=$(complete_words pumpsim --profile '')
for w in s10pro s21 zz_extra; do
	printf '%s\n' "$out" | grep -qx "$w" ||
		fail "pumpsim --profile <TAB> lacks $w: $out"
done
rm "$data/pumps/zz_extra.ini"
out=$(complete_words pumpbench --sim s)
printf '%s\n' "$out" | grep -qx s21 || fail "pumpbench --sim s<TAB>: $out"
out=$(complete_words pumphil run --rig '')
printf '%s\n' "$out" | grep -qx sim || fail "pumphil run --rig <TAB>: $out"
out=$(complete_words pumphil run nominal_)
printf '%s\n' "$out" | grep -qx nominal_s10pro ||
	fail "pumphil run nominal_<TAB>: $out"
out=$(complete_words pumphil calibrate --op)
printf '%s\n' "$out" | grep -qx -- --operator ||
	fail "pumphil calibrate --op<TAB>: $out"
out=$(complete_words pumpsim --st)
printf '%s\n' "$out" | grep -qx -- --stdio || fail "pumpsim --st<TAB>: $out"
out=$(complete_words pumphil '')
printf '%s\n' "$out" | grep -qx calibrate || fail "pumphil <TAB>: $out"
printf '%s\n' "$out" | grep -qx trace || fail "pumphil <TAB> lacks trace: $out"
# the common options may come before the command (docs/cli.md)
out=$(complete_words pumphil -q --color never '')
printf '%s\n' "$out" | grep -qx run || fail "pumphil -q --color never <TAB>: $out"
out=$(complete_words pumphil --color=never run nominal_)
printf '%s\n' "$out" | grep -qx nominal_s10pro ||
	fail "pumphil --color=never run nominal_<TAB>: $out"
# a command's options and the common ones, not another command's
out=$(complete_words pumphil trace --)
for w in --json --html --csv --requirements --color --quiet; do
	printf '%s\n' "$out" | grep -qx -- "$w" || fail "pumphil trace --<TAB> lacks $w: $out"
done
printf '%s\n' "$out" | grep -qx -- --rig && fail "pumphil trace --<TAB> offers --rig: $out"
# values of their own: the modes, pumphil run's unit states
out=$(complete_words pumpbench --headless --mode ex)
printf '%s\n' "$out" | grep -qx expression || fail "pumpbench --mode ex<TAB>: $out"
out=$(complete_words pumphil run --unit '')
for w in ideal uncalibrated calibrated; do
	printf '%s\n' "$out" | grep -qx -- "$w" || fail "pumphil run --unit <TAB> lacks $w: $out"
done
out=$(complete_words pumphil calibrate --unit '')
printf '%s\n' "$out" | grep -qx ideal && fail "pumphil calibrate --unit <TAB> offers run's unit states: $out"
echo "bash completion offers the installed profiles, rigs, scenarios, options"

# the udev rules: udevadm verify where udev has it (systemd >= 254), else
# every line is a comment or KEY[{attr}]OP"value" pairs of known keys
if udevadm verify --help >/dev/null 2>&1; then
	udevadm verify "$rules" >"$dest/udev.log" 2>&1 ||
		show_fail "$dest/udev.log" "udevadm verify"
	echo "udevadm verify: ok"
fi
awk '
	/^[ \t]*(#|$)/ { next }
	{
		n = split($0, tok, /, */)
		for (i = 1; i <= n; i++)
			if (tok[i] !~ /^(ACTION|SUBSYSTEM|KERNEL|ENV\{[A-Z_]+\}|ATTR\{[a-zA-Z_]+\}|ATTRS\{[a-zA-Z_]+\}|MODE|GROUP|TAG|GOTO|LABEL|SYMLINK)(==|!=|=|\+=)"[^"]*"$/) {
				printf "line %d: bad token: %s\n", NR, tok[i]; bad = 1
			}
		if ($0 ~ /GOTO="/) { g = $0; sub(/.*GOTO="/, "", g); sub(/".*/, "", g); gotos[g] = NR }
		if ($0 ~ /^LABEL="/) { l = $0; sub(/^LABEL="/, "", l); sub(/".*/, "", l); labels[l] = 1 }
	}
	END {
		for (g in gotos) if (!(g in labels)) { printf "GOTO %s has no LABEL\n", g; bad = 1 }
		exit bad
	}' "$rules" >"$dest/rules.log" 2>&1 || show_fail "$dest/rules.log" "udev rules syntax"
for id in 'usb.*"0403".*"6014".*GROUP="plugdev"' 'tty.*"0403".*"6014".*GROUP="dialout"' \
    '"0403".*"6001"' '"10c4".*"ea60"' '"1a86".*"7523"' '"067b".*"2303"'; do
	grep -Eq "$id" "$rules" || fail "udev rules lack $id"
done
echo "udev rules: well formed, FT232H for plugdev, the USB-serial adapters for dialout"

# without the installed data the programs fail, and say where they
# looked; a fixtures/ here is not read
if [ -e "$sysdata/pumps/s10pro.ini" ]; then
	echo "note: $sysdata holds pumpbench data: the missing-data checks are skipped"
else
	mkdir -p fixtures/pumps fixtures/scenarios
	cp "$data/pumps/s10pro.ini" fixtures/pumps/
	cp "$data/scenarios/stop_vents.lua" fixtures/scenarios/
	mv "$data/pumps/s10pro.ini" "$dest/s10pro.ini"
	if "$prefix/bin/pumpsim" --profile s10pro --stdio </dev/null \
	    >"$dest/err.log" 2>&1; then
		show_fail "$dest/err.log" "pumpsim served s10pro without the installed profile"
	fi
	grep -q "profile 's10pro' not found (no s10pro.ini in $data/pumps" \
	    "$dest/err.log" || show_fail "$dest/err.log" "no 'not found' reason"
	mv "$dest/s10pro.ini" "$data/pumps/s10pro.ini"
	mv "$data/scenarios/stop_vents.lua" "$dest/stop_vents.lua"
	"$prefix/bin/pumphil" run -q --rig sim --no-record stop_vents \
		>"$dest/err2.log" 2>&1
	rc=$?
	[ $rc -eq 2 ] || show_fail "$dest/err2.log" "pumphil run of a missing scenario: exit $rc, not 2"
	grep -q "no scenario 'stop_vents'.*$data/scenarios" "$dest/err2.log" ||
		show_fail "$dest/err2.log" "no 'no scenario' reason"
	mv "$dest/stop_vents.lua" "$data/scenarios/stop_vents.lua"
	rm -r fixtures
	echo "without the installed data: refused with the reason (./fixtures not read)"
fi

# a second prefix after a plain `make`: the same binaries, no rebuild, and
# they use their own prefix's data
cd "$src" || fail "cd $src"
make --no-print-directory SANITIZE="${SANITIZE:-}" VERSION="$version" BUILD_DATE="$build_date" all >"$dest/make2.log" 2>&1 ||
	show_fail "$dest/make2.log" "make"
make --no-print-directory install DESTDIR="$dest/two" PREFIX=/srv/pb \
	SANITIZE="${SANITIZE:-}" VERSION="$version" BUILD_DATE="$build_date" >"$dest/make3.log" 2>&1 ||
	show_fail "$dest/make3.log" "make install (second prefix)"
grep -E '^ *(CC|LD) ' "$dest/make3.log" &&
	show_fail "$dest/make3.log" "make install rebuilt something"
two=$dest/two/srv/pb
for p in pumpbench pumpsim pumphil; do
	cmp -s "$prefix/bin/$p" "$two/bin/$p" ||
		fail "bin/$p differs between the two prefixes"
done
cd "$dest/elsewhere" || fail "cd"
"$HOST" --profile "$two/share/pumpbench/pumps/s21.ini" --exec "$two/bin/pumpsim" --profile s21 --stdio \
	--quiet >"$dest/host2.log" 2>&1 ||
	show_fail "$dest/host2.log" "second prefix: pumpsim did not serve s21"
if [ ! -e "$sysdata/pumps/s21.ini" ]; then
	rm "$two/share/pumpbench/pumps/s21.ini"
	"$two/bin/pumpsim" --profile s21 --stdio </dev/null >"$dest/err3.log" 2>&1 &&
		show_fail "$dest/err3.log" "second prefix: s21 found without its file"
	grep -q "$two/share/pumpbench/pumps" "$dest/err3.log" ||
		show_fail "$dest/err3.log" "second prefix: looked elsewhere"
	"$HOST" --profile "$data/pumps/s21.ini" --exec "$prefix/bin/pumpsim" --profile s21 --stdio \
		--quiet >"$dest/host3.log" 2>&1 ||
		show_fail "$dest/host3.log" "first prefix lost s21"
fi
echo "second prefix after make: same binaries, own data"

# make uninstall leaves no file behind
cd "$src" || fail "cd $src"
make --no-print-directory uninstall DESTDIR="$dest" PREFIX=/opt/pumpbench \
	>"$dest/un.log" 2>&1 || show_fail "$dest/un.log" "make uninstall"
left=$(find "$dest/opt" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "make uninstall: nothing left"
echo "install ok"
