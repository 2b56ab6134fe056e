#!/bin/sh
# Alarms panel, acknowledge, and the record/marker keys: an emulator with
# a leak raises the leak alarm while pumping; it shows as NEW with a
# timestamped history entry, `a` acknowledges it; `r` records to a file,
# `k` drops a marker into it, `r` closes it; `r` again records to a new
# file (rec-2.csv) and never overwrites the first.
. tests/e2e/tui_lib.inc

cat > "$TMPD/leaky-pumpsim" <<EOS
#!/bin/sh
exec "$BIN/pumpsim" --fault leak=3000 "\$@"
EOS
chmod +x "$TMPD/leaky-pumpsim"

start_pane 120 40 C.UTF-8
keys "cd '$TMPD'" Enter
run "$PB --sim s10pro --pumpsim '$TMPD/leaky-pumpsim' --record '$TMPD/rec.csv'"
wait_for 'link +UP' 20
wait_for ' REC( |$)' 5
keys s
wait_for '\| running \|' 10
keys k
# the message "marker 1" lasts 3 s and the leak alarm may replace it
# sooner: the marker row in the recording is what lasts
_t=$((25 * PB_E2E_SCALE))
until cap | grep -q 'marker 1' || grep -q '^M,' "$TMPD/rec.csv" 2>/dev/null; do
	_t=$((_t - 1)); [ $_t -gt 0 ] || fail "no marker 1 (screen or file)"
	sleep 0.2
done
wait_for 'NEW leak' 30
wait_for '[0-9][0-9]:[0-9][0-9]:[0-9][0-9] raised +leak' 5
keys a
wait_for 'ack leak' 5
cap | grep -q 'NEW leak' && fail "leak still unacknowledged"
# recording off: the file is closed with its trailer
keys r
wait_gone ' REC( |$)' 5
[ -f "$TMPD/rec.csv" ] || fail "no recording"
grep -q '^# end: ' "$TMPD/rec.csv" || fail "recording not closed"
grep -q '^M,' "$TMPD/rec.csv" || fail "no marker row"
grep -q '^S,' "$TMPD/rec.csv" || fail "no sample rows"
# and on again: a new file (rec-2.csv), the first one is kept whole
keys r
wait_for ' REC( |$)' 5
keys q
wait_for 'Stop it and quit' 5
keys y
wait_for 'EXIT=0' 10
[ -f "$TMPD/rec-2.csv" ] || fail "no second recording"
grep -q '^# end: ' "$TMPD/rec-2.csv" || fail "second recording not closed at quit"
grep -q '^M,' "$TMPD/rec.csv" || fail "the second recording overwrote the first"
[ "$(grep -c '^# end: ' "$TMPD/rec.csv")" -eq 1 ] || fail "first recording not whole"
echo "ok"
