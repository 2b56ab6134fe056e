#!/bin/sh
# Scripted headless runs (issue 11): pumpbench --headless drives the
# emulated pump from --mode/--level/--start and a --script of timed steps,
# records it, and judges it:
#   - a script that sets a mode and level, starts, changes the level,
#     drops a labelled marker, pumps both channels and stops: exit 0; the
#     recording shows every setting the pump carried out (P rows), the
#     marker with its label; --summary json is valid JSON that names the
#     result, the steps and, per channel, the cycles at each setting
#     against the profile (checked with python3's json);
#   - a bad script line: exit 2 with FILE:LINE before any pump is started;
#   - a level beyond the pump's levels: exit 6, the step named, the pump
#     left stopped;
#   - an alarm (a leaking emulator): exit 5, unless --allow-alarms;
#   - a pump whose link goes and stays gone: exit 4 after --link-timeout;
# and the summary line always names the same result as the exit status.
. tests/e2e/headless_lib.inc
[ -x "$BIN/pumpsim" ] || { echo "FAIL: $BIN/pumpsim not built"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
PB_TIMEOUT=90
# json PYTHON-ASSERTIONS: run them with d = the JSON summary in $d/out
json() {
	python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
$1" "$d/out" || bad "JSON summary: $1"
}

echo "== a scripted session, recorded and judged"
cat > "$d/run.txt" <<'EOS'
# a short session for CI
0     level 3          # after --mode from the command line
0.2   start
+3.5  level 5
6     marker let-down
7.5   double
12    stop
12.5  end
EOS
pb --sim s10pro --headless --mode expression --script "$d/run.txt" \
	--record "$d/run.csv" --summary json
[ $rc -eq 0 ] || bad "scripted run: exit $rc, want 0"
json 'assert d["result"] == "ok" and d["exit_code"] == 0 and d["reason"] is None, d["result"]
assert d["steps"] == {"total": 8, "done": 8, "failed": None}, d["steps"]
assert d["device"]["profile"] == "s10pro" and d["profile"] == "s10pro"
assert 12.0 <= d["run_s"] < 14, d["run_s"]
assert d["samples"] > 10000 and d["markers"] == 1, (d["samples"], d["markers"])
assert d["record"].endswith("run.csv")
c1, c2 = d["channels"]
assert c1["channel"] == "ch1" and c2["channel"] == "ch2"
s = {(g["mode"], g["level"]): g for g in c1["settings"]}
assert set(s) == {("expression", 3), ("expression", 5)}, set(s)
g = s[("expression", 5)]
assert g["cycles"] >= 5, g["cycles"]
assert g["expected"]["peak_mmhg"] == 140 and g["expected"]["peak_tol_mmhg"] == 20
assert abs(g["peak_mmhg"]["mean"] - 140) <= 20, g["peak_mmhg"]
assert g["peak_mmhg"]["min"] <= g["peak_mmhg"]["mean"] <= g["peak_mmhg"]["max"]
assert abs(g["rate_cpm"]["mean"] - g["expected"]["rate_cpm"]) <= 5
assert g["verdict"] in ("OK", "OUT") and g["ok"] + g["out"] + g["changed"] + g["partial"] == g["cycles"]
assert c1["cycles"] == sum(x["cycles"] for x in c1["settings"])
# ch2 pumped only from 7.5 s on: at level 5
assert [(x["mode"], x["level"]) for x in c2["settings"]] == [("expression", 5)], c2["settings"]
assert 1 <= c2["cycles"] < c1["cycles"]'
# as a CI job would ask
if command -v jq >/dev/null 2>&1; then
	jq -e '.result == "ok" and .exit_code == 0' "$d/out" >/dev/null || bad "jq: result"
	jq -e '.channels[] | select(.channel == "ch1") | .settings[] |
	    select(.mode == "expression" and .level == 5) | .peak_mmhg.mean > 120' \
	    "$d/out" >/dev/null || bad "jq: ch1 expression level 5 peak"
fi
f="$d/run.csv"
grep -q '^P,.* mode=2 level=3 ' "$f" || bad "recording: never at expression level 3"
grep -q '^P,.*run=1 mode=2 level=5 .* mask=3 ' "$f" || bad "recording: never both channels at level 5"
grep -q '^M,.*,n=1 text=let-down$' "$f" || bad "recording: no labelled marker"
grep '^P,' "$f" | tail -n 1 | grep -q 'run=0 ' || bad "recording: the pump was not stopped at the end"
grep -q '^# end: ' "$f" || bad "recording not closed"

echo "== the text summary line agrees with the exit status"
pb --sim s10pro --headless --duration 1.5 --start --level 2
[ $rc -eq 0 ] || bad "--start --level 2: exit $rc"
has out " result=ok exit=0" || bad "summary line: no result=ok exit=0"

echo "== a bad script line: FILE:LINE, exit 2, no pump started"
printf '0 start\n2 level five\n' > "$d/bad.txt"
pb --sim s10pro --headless --script "$d/bad.txt" --record "$d/bad.csv"
[ $rc -eq 2 ] || bad "bad script: exit $rc, want 2"
has err "pumpbench: $d/bad.txt:2: level 'five' is not 1 to 15" || bad "bad script: no FILE:LINE"
[ -e "$d/bad.csv" ] && bad "bad script: a recording was started"
[ -s "$d/out" ] && bad "bad script: a summary was printed"
pb --sim s10pro --headless --script "$d/no-such-script"
[ $rc -eq 2 ] || bad "missing script: exit $rc, want 2"
has err "$d/no-such-script:0: " || bad "missing script: not named"
mkfifo "$d/fifo"
pb --sim s10pro --headless --script "$d/fifo"
[ $rc -eq 2 ] || bad "FIFO script: exit $rc, want 2"
has err "not a regular file (a FIFO)" || bad "FIFO script: no reason"

echo "== a level beyond the pump's levels: exit 6, the pump stopped"
printf '0 mode expression\n0 start\n1 level 13\n3 stop\n' > "$d/high.txt"
pb --sim s10pro --headless --script "$d/high.txt" --summary json \
	--record "$d/high.csv"
[ $rc -eq 6 ] || bad "level 13: exit $rc, want 6"
has err "step 'level 13' (line 3) at 1.0 s: level 13 is beyond" || bad "level 13: the step is not named"
json 'assert d["result"] == "step_failed" and d["exit_code"] == 6
assert "level 13" in d["steps"]["failed"] and d["steps"]["done"] == 2, d["steps"]'
grep '^P,' "$d/high.csv" | tail -n 1 | grep -q 'run=0 ' ||
	bad "level 13: the pump was left running"
grep -q '^P,.* level=13 ' "$d/high.csv" && bad "level 13 reached the pump"

echo "== an alarm ends the run: exit 5 (--allow-alarms: 0)"
pb --sim s10pro --sim-arg=--fault=leak=3000 --headless --start --duration 30
[ $rc -eq 5 ] || bad "leak: exit $rc, want 5"
has err "alarm leak raised at" || bad "leak: no reason"
has out " result=alarm exit=5" || bad "leak: summary line disagrees"
pb --sim s10pro --sim-arg=--fault=leak=3000 --headless --start --duration 8 \
	--allow-alarms --summary json
[ $rc -eq 0 ] || bad "leak, --allow-alarms: exit $rc, want 0"
json 'assert d["result"] == "ok" and d["alarms"]["raised"] >= 1, d["alarms"]
assert d["alarms"]["first"] == "leak", d["alarms"]'

echo "== the link gone for longer than --link-timeout: exit 4"
fake
# the fake pump goes once the run has seen telemetry (the first
# recorded sample row), so the loss is in the middle of the run
( _t=400
  while [ $_t -gt 0 ] && ! grep -q '^S,' "$d/lost.csv" 2>/dev/null; do
	sleep 0.1; _t=$((_t - 1))
  done
  kill "$fake_pid" ) &
watcher=$!
pb --port "$port" --headless --duration 60 --link-timeout 1.5 \
	--record "$d/lost.csv"
wait "$watcher"
wait "$fake_pid" 2>/dev/null
fake_pid=
[ $rc -eq 4 ] || bad "link gone: exit $rc, want 4"
has err "the link to $port was lost for more than 1.5 s" || bad "link gone: no reason"
has out " result=link_lost exit=4" || bad "link gone: summary line disagrees"
grep -q '^# end: ' "$d/lost.csv" || bad "link gone: recording not closed"

[ $failed -eq 0 ] || exit 1
echo "ok"
