#!/bin/sh
# Replay never drops a line silently (issue 9.10, 9.6): every bad line is
# reported as FILE:LINE: message (at most 10 shown, the rest counted),
# the summary gives skipped= and discontinuities=, an index that goes
# back is a discontinuity (never lost=18446744073709551514), a cut last
# line is reported, a file with no usable sample exits 1 (headless and
# with the screen), and what the file says reaches the terminal escaped.
# On the old code all of these replayed with exit 0 and no word.
BIN=${BIN:-bin}
PB="$BIN/pumpbench"
[ -x "$PB" ] || { echo "FAIL: $PB not built"; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/pbrpb.XXXXXX")
trap 'rm -rf "$d"' EXIT
failed=0
bad() { echo "FAIL: $*"; failed=1; }
ESC=$(printf '\033')

hdr() {
	printf '# pumpbench recording v1\n# serial: PB-1\n# firmware: 1.0\n'
	printf '# profile: s10pro\n# calibration: 0\n'
	printf '# start: 2026-01-01T00:00:00.000Z\n# units: mmHg\n'
	printf '# sample_rate_hz: 1000\n# channels: 1\n'
	printf 'kind,device_ms,index,ch1_mmHg,ch2_mmHg,info\n'
}
# rp FILE [ARGS]: headless replay, at most 30 s
rp() {
	timeout -k 5 30 "$PB" --replay "$@" --headless > "$d/out" 2> "$d/err"
	rc=$?
	sed 's/^/    out| /' "$d/out"; sed 's/^/    err| /' "$d/err" | head -n 20
}
has() { grep -qF -- "$2" "$d/$1"; }

echo "== bad lines of every kind, a backwards index, a cut last line"
{
	hdr                                          # lines 1-10
	printf 'P,0,0,,,run=1 mode=2 level=1 phase=1 mask=1 target_dmmHg=0\n'
	for i in 0 1 2 3 4; do printf 'S,%d,%d,1.0,,\n' $i $i; done  # 12-16
	printf 'S,5,x,1.0,,\n'                       # 17 bad index
	printf 'garbage\n'                           # 18
	printf 'S,6,6,1\0000,,\n'                    # 19 NUL
	printf 'S,7,7,abc,,\n'                       # 20 not a number
	printf 'S,8,8,1.0,,\n'                       # 21 ok
	printf 'S,9,-3,1.0,,\n'                      # 22 bad index
	printf 'S,9,3,1.0,,\n'                       # 23 goes back: 3 after 8
	printf 'S,10,4,1.0,,\n'                      # 24 follows the new numbering
	printf 'M,11,5,,,n=1 text=\033[2Jcleared\n'  # 25 escape in text
	printf 'S,11,5,1.0,,\n'                      # 26
	printf 'S,12,6,1.'                           # 27 cut
} > "$d/mixed.csv"
rp "$d/mixed.csv"
[ $rc -eq 0 ] || bad "mixed: exit $rc (there are usable samples)"
for l in 17 18 19 20 22 27; do
	has err "pumpbench: $d/mixed.csv:$l: " || bad "mixed: line $l not reported"
done
has err "$d/mixed.csv:23: sample index 3 after 8: a discontinuity" ||
	bad "mixed: the backwards index is not a discontinuity"
has err "$d/mixed.csv:27: last line has no newline" || bad "mixed: cut line"
# lines 17, 19, 20 held indices 5..7: lost with them
has out "samples=9 lost=3 " || bad "mixed: samples/lost"
has out "skipped=6 discontinuities=1" || bad "mixed: skipped= and discontinuities="
grep -q '18446744073709' "$d/out" "$d/err" && bad "mixed: an underflow"
grep -q "$ESC" "$d/out" "$d/err" && bad "mixed: a raw escape reached the terminal"

echo "== more than 10 bad lines: 10 shown, the rest counted"
{ hdr; printf 'S,0,0,1.0,,\n'; i=1; while [ $i -le 25 ]; do
	printf 'S,%d,%d,oops,,\n' $i $i; i=$((i + 1)); done
  printf '# end: samples=1 lost=0 rows=1\n'; } > "$d/many.csv"
rp "$d/many.csv"
[ $rc -eq 0 ] || bad "many: exit $rc"
[ "$(grep -c "many.csv:[0-9]*: bad channel 1 value" "$d/err")" -eq 10 ] ||
	bad "many: not exactly 10 bad lines shown"
has err "... and 15 more warnings" || bad "many: the rest not counted"
has out "skipped=25 " || bad "many: skipped="

echo "== the end line disagrees with the rows"
{ hdr; printf 'S,0,0,1.0,,\nS,1,1,1.0,,\n# end: samples=5 lost=0 rows=5\n'; } \
	> "$d/short.csv"
rp "$d/short.csv"
[ $rc -eq 0 ] || bad "short: exit $rc"
has err 'the "# end:" line counts 5 samples and 0 lost, the rows hold 2 and 0' ||
	bad "short: missing rows not reported"

echo "== no usable sample"
{ hdr; printf 'S,0,0,abc,,\nS,1,x,1.0,,\n'; } > "$d/none.csv"
rp "$d/none.csv"
[ $rc -eq 1 ] || bad "none: exit $rc, want 1"
has err "$d/none.csv: no usable sample (2 bad lines skipped)" || bad "none: reason"
hdr > "$d/empty.csv"
rp "$d/empty.csv"
[ $rc -eq 1 ] || bad "empty: exit $rc, want 1"
# with the screen too: it does not open, and says why
timeout -k 5 30 "$PB" --replay "$d/none.csv" < /dev/null > "$d/out" 2> "$d/err"
rc=$?
[ $rc -eq 1 ] || bad "none (screen): exit $rc, want 1"
has err "no usable sample" || bad "none (screen): reason"

echo "== escapes in the header"
{ printf '# pumpbench recording v1\n# serial: \033]0;pwned\007\n'
  printf '# units: \033[31m\n# sample_rate_hz: 1000\n# channels: 1\n'
  printf 'kind,device_ms,index,ch1_mmHg,ch2_mmHg,info\n'; } > "$d/esc.csv"
rp "$d/esc.csv"
[ $rc -eq 1 ] || bad "esc: exit $rc, want 1"
has err 'unknown unit "\x1B[31m"' || bad "esc: message not escaped as \\x1B"
grep -q "$ESC" "$d/out" "$d/err" && bad "esc: a raw escape reached the terminal"

[ $failed -eq 0 ] || exit 1
echo "ok"
