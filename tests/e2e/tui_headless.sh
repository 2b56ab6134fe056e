#!/bin/sh
# Headless recording: the CSV holds exactly the samples and the losses
# that the telemetry delivered (the summary line).
BIN=${BIN:-bin}
PB="$BIN/pumpbench"
[ -x "$PB" ] || { echo "FAIL: $PB not built"; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/pbhl.XXXXXX")
trap 'rm -rf "$d"' EXIT
f="$d/f.csv"
"$PB" --sim --headless --duration 3 --record "$f" > "$d/out" 2> "$d/err"
rc=$?
cat "$d/out" "$d/err"
[ $rc -eq 0 ] || { echo "FAIL: exit $rc"; exit 1; }
line=$(grep '^pumpbench: samples=' "$d/out")
[ -n "$line" ] || { echo "FAIL: no summary line"; exit 1; }
[ "$(grep -c '^pumpbench:' "$d/out")" -eq 1 ] || { echo "FAIL: summary is not one line"; exit 1; }
get() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
# samples= (what went into the history and the recording), not the
# telemetry_samples= the greedy match would find: a batch that arrives
# before HELLO is answered counts there but is not recorded
samples=$(get samples)
lost=$(get lost); frames=$(get frames); crc=$(get crc_errors)
tel=$(get telemetry_samples); tlost=$(get telemetry_lost)
echo "samples=$samples lost=$lost frames=$frames crc=$crc tel=$tel tlost=$tlost"
[ "$samples" -ge 1000 ] || { echo "FAIL: only $samples samples in 3 s at 1 kHz"; exit 1; }
[ "$frames" -gt 0 ] || { echo "FAIL: no frames"; exit 1; }
# the device's own counters (DEVICE_STATS): a clean link, nothing refused
echo "$line" | grep -q ' device_rx_errors=0 device_refused=0 device_frames_lost=0 device_host_lost=0' ||
	{ echo "FAIL: no clean device counters in the summary"; exit 1; }
head -n 1 "$f" | grep -q '^# pumpbench recording v1' || { echo "FAIL: no magic"; exit 1; }
grep -q '^# profile: s10pro' "$f" || { echo "FAIL: no profile in header"; exit 1; }
rows=$(grep -c '^S,' "$f")
glost=$(awk -F, '$1 == "G" { if (match($6, /lost=[0-9]+/)) s += substr($6, RSTART + 5, RLENGTH - 5) } END { print s + 0 }' "$f")
echo "csv: S rows=$rows G lost=$glost"
[ "$rows" -eq "$samples" ] || { echo "FAIL: $rows sample rows, telemetry gave $samples"; exit 1; }
[ "$glost" -eq "$lost" ] || { echo "FAIL: $glost lost in gaps, telemetry lost $lost"; exit 1; }
# the client's own count agrees (nothing before the first HELLO is kept)
[ "$tel" -ge "$samples" ] || { echo "FAIL: client counted $tel < $samples"; exit 1; }
[ "$tlost" -eq "$lost" ] || { echo "FAIL: client lost $tlost, recorded $lost"; exit 1; }
grep -q "^# end: samples=$samples lost=$lost " "$f" || { echo "FAIL: trailer disagrees"; tail -n 2 "$f"; exit 1; }
# and the recording replays with the same counts
rp=$("$PB" --replay "$f" --headless) || { echo "FAIL: replay exit"; exit 1; }
echo "$rp"
echo "$rp" | grep -q "samples=$samples lost=$lost " || { echo "FAIL: replay counts differ"; exit 1; }
echo "ok (replay)"
