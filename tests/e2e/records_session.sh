#!/bin/sh
# A dashboard recording is entered in the factory records when it closes:
# its path, the unit, the samples, the per-channel statistics.  A store
# that cannot be written loses nothing but the entry: the recording file
# is whole and the run says why on stderr.
set -u
BIN=${BIN:-bin}
dir=$(mktemp -d /tmp/pbrs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export XDG_DATA_HOME="$dir/xdg"
unset PUMPBENCH_DB

"$BIN/pumpbench" --sim s10pro --headless --duration 3 --record "$dir/r.csv" \
	--db "$dir/r.db" >"$dir/out" 2>&1 || fail "headless: $(cat "$dir/out")"
grep -q "recording entered in the records" "$dir/out" || fail "no entry: $(cat "$dir/out")"
samples=$(sed -n 's/.*samples=\([0-9]*\) .*/\1/p' "$dir/out" | head -n 1)
"$BIN/pumphil" records --db "$dir/r.db" --kind session --format json >"$dir/l" ||
	fail "records"
cat "$dir/l"
grep -q "\"subject\": \"$dir/r.csv\"" "$dir/l" || fail "recording path"
grep -q "\"verdict\": \"DONE\"" "$dir/l" || fail "a whole recording is DONE"
grep -q "\"detail\": \"samples $samples, " "$dir/l" || fail "samples $samples"
[ "$(sqlite3 "$dir/r.db" 'SELECT COUNT(*) FROM dashboard_session_channel WHERE max_mmhg >= min_mmhg')" -eq 2 ] ||
	fail "per-channel statistics"

# the store does not answer: the recording is whole, the reason is said
"$BIN/pumpbench" --sim s10pro --headless --duration 2 --record "$dir/r2.csv" \
	--db "postgresql://127.0.0.1:1/none" >"$dir/out2" 2>&1 ||
	fail "headless with a dead store: $(cat "$dir/out2")"
grep -q "session not recorded: .*127.0.0.1" "$dir/out2" || fail "no reason: $(cat "$dir/out2")"
tail -n 1 "$dir/r2.csv" | grep -q '^# end: ' || fail "recording not whole"
echo "records of dashboard sessions ok"
