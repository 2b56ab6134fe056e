#!/bin/sh
# The man pages (man/) pass tools/check-man: no mandoc or groff warning,
# every option of each program's --help in its page, the exit codes in
# EXIT STATUS, no option listed that the program does not know.  Then each
# defect the check exists for is planted in a copy of the pages, and the
# check must fail naming it: an option missing from a page, an option that
# does not exist, an exit code missing, a lint warning.
set -u
BIN=${BIN:-bin}
export BIN
here=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pbmanpages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for p in pumpbench.1 pumpsim.1 pumphil.1 pumpbench-protocol.7; do
	[ -f "man/$p" ] || fail "man/$p missing"
done
tools/check-man man >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "check-man"; }
cat "$tmp/out"

# plant FILE SED-SCRIPT EXPECTED: edit a fresh copy of the pages with the
# sed script; check-man must fail and say EXPECTED
plant() {
	rm -rf "$tmp/man" && cp -R man "$tmp/man" || fail "copy"
	sed -i "$2" "$tmp/man/$1" || fail "sed $2"
	cmp -s "man/$1" "$tmp/man/$1" && fail "plant '$2' changed nothing"
	if "$here/tools/check-man" "$tmp/man" >"$tmp/out" 2>&1; then
		cat "$tmp/out"; fail "check-man passed with: $1 $2"
	fi
	grep -qF -- "$3" "$tmp/out" ||
		{ cat "$tmp/out"; fail "no '$3' for: $1 $2"; }
	echo "planted in $1 ($2): $3"
}
# an option of --help that the page does not document
plant pumphil.1 '/^\.It Fl -wall-limit/,/^\.It Fl -lock-timeout/{/^\.It Fl -lock-timeout/!d}' \
	"pumphil --help has --wall-limit, the page does not"
plant pumpsim.1 's/Fl -ideal-sensor/Fl -ideal/g' \
	"pumpsim --help has --ideal-sensor, the page does not"
# an option the program does not know
plant pumpbench.1 's/^\.It Fl -ascii$/.It Fl -ascii-art/' \
	"the page lists --ascii-art, which pumpbench does not know"
# an exit code missing from EXIT STATUS
plant pumphil.1 '/^\.Sh EXIT STATUS/,/^\.Sh/s/^\.It 4$/.It 44/' \
	"pumphil --help lists exit code 4, EXIT STATUS does not"
plant pumpsim.1 '/^\.Sh EXIT STATUS/,/^\.Sh/s/^\.It 2$/.It 22/' \
	"EXIT STATUS does not list 2"
# a page mandoc warns about
plant pumpbench-protocol.7 's/^\.Xr pumpsim 1$/.Xr pumpsim/' \
	"mandoc: "
echo "man pages ok"
