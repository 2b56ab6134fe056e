#!/bin/sh
# debian/control's Build-Depends, the Makefile's PKGS and tools/install-deps
# agree (tools/check-debian-deps); then each drift is planted in a copy of
# the three files and the check must fail naming it: a package missing
# from Build-Depends, one too many, a library the Makefile links that
# install-deps does not install.  The package build itself is `make deb`
# and tools/check-deb, in .ci/run (docs/packaging.md).
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pbdebdeps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

tools/check-debian-deps . >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "check-debian-deps"; }
cat "$tmp/out"
# the package's Depends come from the libraries it links (dh_shlibdeps):
# nothing to keep by hand there
grep -q '\${shlibs:Depends}' debian/control || fail "Depends without \${shlibs:Depends}"

# plant FILE SED-SCRIPT EXPECTED
plant() {
	rm -rf "$tmp/t" && mkdir -p "$tmp/t/tools" "$tmp/t/debian" || fail mkdir
	cp Makefile "$tmp/t/" && cp tools/install-deps "$tmp/t/tools/" &&
	    cp debian/control "$tmp/t/debian/" || fail copy
	sed -i "$2" "$tmp/t/$1" || fail "sed $2"
	cmp -s "$1" "$tmp/t/$1" && fail "plant '$2' changed nothing"
	if tools/check-debian-deps "$tmp/t" >"$tmp/out" 2>&1; then
		cat "$tmp/out"; fail "check passed with: $1 $2"
	fi
	grep -qF -- "$3" "$tmp/out" || { cat "$tmp/out"; fail "no '$3' for: $1 $2"; }
	echo "planted in $1 ($2): $3"
}
plant debian/control '/^ libpq-dev,$/d' "Build-Depends lacks libpq-dev"
plant debian/control 's/^ pkg-config,$/ pkg-config,\n libxml2-dev,/' \
	"Build-Depends has libxml2-dev"
plant Makefile 's/^PKGS *:= /PKGS := libfoo /' \
	"links pkg-config module 'libfoo'"
plant tools/install-deps 's/^need_pc *sqlite3 *libsqlite3-dev$/need_pc   sqlite3 libsqlite3-devel/' \
	"Build-Depends lacks libsqlite3-devel"
echo "debian deps ok"
