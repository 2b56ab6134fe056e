#!/bin/sh
# `make install` puts the three programs and the fixtures under
# DESTDIR/PREFIX, and the installed pumpsim finds its profiles there.
set -eu
dest=$(mktemp -d /tmp/pbinstall.XXXXXX)
trap 'rm -rf "$dest"' EXIT
make --no-print-directory install DESTDIR="$dest" PREFIX=/opt/pumpbench \
	SANITIZE="${SANITIZE:-}" \
	>/dev/null
for p in pumpbench pumpsim pumphil; do
	test -x "$dest/opt/pumpbench/bin/$p" || { echo "missing bin/$p"; exit 1; }
done
test -f "$dest/opt/pumpbench/share/pumpbench/pumps/s10pro.ini" ||
	{ echo "missing pumps/s10pro.ini"; exit 1; }
test -f "$dest/opt/pumpbench/share/pumpbench/pumps/s21.ini" ||
	{ echo "missing pumps/s21.ini"; exit 1; }
"$dest/opt/pumpbench/bin/pumpsim" --help >/dev/null
echo "install ok"
