#!/bin/sh
# Alarms panel, acknowledge, and the record/marker keys: an emulator with
# a leak raises the leak alarm while pumping; it shows as NEW with a
# timestamped history entry, `a` acknowledges it; `r` records to a file,
# `k` drops a marker into it and asks for its label (typed, Enter: the
# M row carries it, and a replay of the file shows it; the keys typed
# into the prompt do nothing else), `r` closes it; `r` again records to
# a new file (rec-2.csv) and never overwrites the first.
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
wait_for 'marker label: _' 5
# "s" and "q" are text here: the pump keeps running, nothing quits
keys -l 'seal check, sq'
wait_for 'marker label: seal check sq_' 5
keys BSpace BSpace BSpace Enter
wait_gone 'marker label:' 5
# the marker row in the recording is what lasts (the message "marker 1:
# ..." lasts 3 s and the leak alarm may replace it sooner)
_t=$((25 * PB_E2E_SCALE))
until grep -q '^M,.*n=1 text=seal check$' "$TMPD/rec.csv" 2>/dev/null; do
	_t=$((_t - 1)); [ $_t -gt 0 ] || fail "no labelled marker row"
	sleep 0.2
done
cap | head -n 1 | grep -q '| running |' || fail "a key typed into the label did something"
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
# the replay reads the label back
run "$PB --replay '$TMPD/rec.csv'"
wait_for 'markers 1  last: seal' 10
keys q
wait_for 'EXIT=0' 10
echo "ok"
