#!/bin/sh
# tools/check-structure holds the size limits of docs/STYLE.md: the tree as
# it is passes, and each defect planted in a copy of it (a file over 1200
# lines, a function over 150, an exception no longer needed) fails with the
# file, the line, the name, the count and the limit.  Each plant is the
# defect that must make the check fail; each is removed before the next.
set -eu
here=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pbstruct.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# a copy of every C file
find . \( -name .git -o -name build -o -name bin \) -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print |
	tar -cf - -T - | tar -xf - -C "$tmp"

check() { "$here/tools/check-structure" "$tmp" >"$tmp/out" 2>&1; }

check || { cat "$tmp/out"; fail "the tree as it is breaks a limit"; }
grep -q ' 0 over the limits (1200 lines a file, 150 a function)$' "$tmp/out" ||
	fail "no summary: $(cat "$tmp/out")"

# lines N: N lines of C that are not a function (a comment)
lines() { awk -v n="$1" 'BEGIN { print "/*"; for (i = 3; i <= n; i++) print " * filler"; print " */" }'; }
# func NAME N: a function of N lines, { to }, tmux style
func() {
	awk -v name="$1" -v n="$2" 'BEGIN {
		print "static int"; print name "(int x,"; print "    int y)"; print "{"
		for (i = 3; i < n; i++) print "\tx += y;"
		print "\treturn x;"; print "}" }'
}

# expect_fail WHAT FILE:LINE TEXT...: the check exits 1, reports an error at
# FILE:LINE whose message holds each TEXT, and no other error
expect_fail() {
	what=$1 at=$2; shift 2
	if check; then rc=0; else rc=$?; fi
	[ "$rc" -eq 1 ] || { cat "$tmp/out"; fail "$what passed (exit $rc)"; }
	grep -q "^$at: error: " "$tmp/out" || { cat "$tmp/out"; fail "$what: no error at $at"; }
	for want in "$@"; do
		grep "^$at: error: " "$tmp/out" | grep -qF -- "$want" ||
			{ cat "$tmp/out"; fail "$what: message lacks '$want'"; }
	done
	[ "$(grep -c ': error: ' "$tmp/out")" -eq "${NERR:-1}" ] ||
		{ cat "$tmp/out"; fail "$what: not exactly ${NERR:-1} error(s)"; }
	echo "caught: $what"
}
expect_pass() {
	check || { cat "$tmp/out"; fail "$1 failed"; }
	echo "passes: $1"
}

# ---- files -------------------------------------------------------------
# a new product file of 1200 lines is fine, of 1201 is not
lines 1200 >"$tmp/pump/long.c"
expect_pass "pump/long.c of 1200 lines"
lines 1201 >"$tmp/pump/long.c"
expect_fail "pump/long.c of 1201 lines" pump/long.c:1 "file is 1201 lines" "at most 1200"
rm "$tmp/pump/long.c"
# a header counts too; an existing file grown past the limit
cp "$tmp/proto/cobs.h" "$tmp/saved"
lines 1300 >>"$tmp/proto/cobs.h"
n=$(wc -l <"$tmp/proto/cobs.h" | tr -d ' ')
expect_fail "proto/cobs.h grown to $n lines" proto/cobs.h:1 "file is $n lines"
cp "$tmp/saved" "$tmp/proto/cobs.h"
# tests, fuzzers and benchmarks are not product code
for d in tests/unit fuzz bench; do
	lines 2000 >"$tmp/$d/long_test.c"
	expect_pass "$d/long_test.c of 2000 lines"
	rm "$tmp/$d/long_test.c"
done

# ---- functions -----------------------------------------------------------
cp "$tmp/base/text.c" "$tmp/saved"
n=$(wc -l <"$tmp/base/text.c" | tr -d ' ')
func pb_planted 150 >>"$tmp/base/text.c"
expect_pass "a function of 150 lines"
cp "$tmp/saved" "$tmp/base/text.c"
func pb_planted 151 >>"$tmp/base/text.c"
from=$((n + 4)) to=$((n + 4 + 150))
expect_fail "a function of 151 lines" "base/text.c:$from" \
	"function pb_planted is 151 lines ($from-$to)" "at most 150"
cp "$tmp/saved" "$tmp/base/text.c"
# an allowed name in another file is no excuse (the first name the
# script allows)
set -- $(sed -n 's/^allow \([^ #]*\) \([A-Za-z_][A-Za-z0-9_]*\).*/\1 \2/p' \
	"$here/tools/check-structure" | head -n 1)
[ $# -eq 2 ] || fail "tools/check-structure allows no function"
allow_file=$1 allow_fn=$2
func "$allow_fn" 200 >>"$tmp/base/text.c"
expect_fail "a long '$allow_fn' outside $allow_file" "base/text.c:$from" \
	"function $allow_fn is 200 lines"
cp "$tmp/saved" "$tmp/base/text.c"
# a long function inside a file that is itself too long: both are reported
lines 1200 >"$tmp/pump/long.c"
func pb_planted 160 >>"$tmp/pump/long.c"
if check; then cat "$tmp/out"; fail "a long function in a long file passed"; fi
grep -q '^pump/long.c:1: error: file is 1363 lines' "$tmp/out" &&
	grep -q '^pump/long.c:1204: error: function pb_planted is 160 lines' "$tmp/out" ||
	{ cat "$tmp/out"; fail "a long function in a long file: not both reported"; }
echo "caught: both in pump/long.c"
rm "$tmp/pump/long.c"

# ---- exceptions are named and can go stale ------------------------------------
# an allowed function that went away (renamed: the long function under
# its new name is an error too): the exception must go as well
cp "$tmp/$allow_file" "$tmp/saved"
sed -E "s/(^|[ *])$allow_fn\\(/\\1${allow_fn}_renamed(/" "$tmp/saved" >"$tmp/$allow_file"
grep -q "${allow_fn}_renamed(" "$tmp/$allow_file" || fail "$allow_file: no $allow_fn( to rename"
NERR=2 expect_fail "$allow_fn renamed" "$allow_file" "allow $allow_file $allow_fn\"" \
	"no longer needed" "no such function"
grep -q "^$allow_file:[0-9]*: error: function ${allow_fn}_renamed is " "$tmp/out" ||
	{ cat "$tmp/out"; fail "$allow_fn renamed: the long ${allow_fn}_renamed passed"; }
cp "$tmp/saved" "$tmp/$allow_file"
# a file pending a split that shrank below the limit (the first one the
# script names, while it names one)
pend=$(sed -n 's/^pending \([^ #]*\)[ ]*\(#.*\)\{0,1\}$/\1/p' "$here/tools/check-structure" | head -n 1)
if [ -n "$pend" ]; then
	cp "$tmp/$pend" "$tmp/saved"
	lines 1000 >"$tmp/$pend"
	expect_fail "$pend at 1000 lines" "$pend" "pending $pend\"" \
		"no longer needed" "at most 1200 lines now"
	cp "$tmp/saved" "$tmp/$pend"
fi
# a function pending a split that went away
pf=$(sed -n 's/^pending \([^ #]*\) \([A-Za-z_][A-Za-z0-9_]*\).*/\1 \2/p' "$here/tools/check-structure" | head -n 1)
if [ -n "$pf" ]; then
	set -- $pf
	cp "$tmp/$1" "$tmp/saved"
	sed -E "s/(^|[ *])$2\\(/\\1$2_renamed(/" "$tmp/saved" >"$tmp/$1"
	NERR=2 expect_fail "$2 renamed" "$1" "pending $1 $2\"" "no longer needed" "no such function"
	cp "$tmp/saved" "$tmp/$1"
fi
# the pending mechanism itself, whatever the real list still holds (it is
# meant to shrink to nothing): a copy of the script that names a planted
# file and a planted function as pending
sed 's|^# -- pending: to be split (temporary) -*$|&\
pending pump/planted.c           # planted by the test\
pending base/text.c pb_planted   # planted by the test|' \
	"$here/tools/check-structure" >"$tmp/check-planted"
grep -q '^pending base/text.c pb_planted' "$tmp/check-planted" ||
	fail "tools/check-structure has no pending section to plant in"
checkp() { sh "$tmp/check-planted" "$tmp" >"$tmp/out" 2>&1; }
cp "$tmp/base/text.c" "$tmp/text.saved"
lines 1300 >"$tmp/pump/planted.c"
func pb_planted 200 >>"$tmp/base/text.c"
checkp || { cat "$tmp/out"; fail "a pending file and function: not excused"; }
grep -q '^check-structure: note: pump/planted.c is 1300 lines: split pending' "$tmp/out" &&
	grep -q '^check-structure: note: base/text.c: pb_planted is 200 lines: split pending' "$tmp/out" ||
	{ cat "$tmp/out"; fail "a pending file and function: no note"; }
echo "passes: a pending file and a pending function, each with a note"
# the pending file shrank below the limit: stale
lines 1000 >"$tmp/pump/planted.c"
if checkp; then cat "$tmp/out"; fail "a pending file of 1000 lines passed"; fi
grep -q '^pump/planted.c: error: exception "pending pump/planted.c" is no longer needed (at most 1200 lines now)' "$tmp/out" &&
	[ "$(grep -c ': error: ' "$tmp/out")" -eq 1 ] ||
	{ cat "$tmp/out"; fail "a pending file that shrank: not reported stale alone"; }
echo "caught: a pending file that shrank"
# the pending function split into short named steps: stale
rm "$tmp/pump/planted.c"
cp "$tmp/text.saved" "$tmp/base/text.c"
func pb_planted_step 100 >>"$tmp/base/text.c"
if checkp; then cat "$tmp/out"; fail "a pending function split passed"; fi
grep -q '^pump/planted.c: error: exception "pending pump/planted.c" is no longer needed (no such file)' "$tmp/out" &&
	grep -q '^base/text.c: error: exception "pending base/text.c pb_planted" is no longer needed (no such function)' "$tmp/out" &&
	[ "$(grep -c ': error: ' "$tmp/out")" -eq 2 ] ||
	{ cat "$tmp/out"; fail "a pending function (and file) gone: not reported stale"; }
echo "caught: a pending function and a pending file gone"
cp "$tmp/text.saved" "$tmp/base/text.c"
rm -f "$tmp/check-planted" "$tmp/text.saved"
expect_pass "the copy put back"
echo "check-structure ok"
