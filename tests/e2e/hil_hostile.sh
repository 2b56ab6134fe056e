#!/bin/sh
# Hostile bytes and floods through pumphil (issue 9, items 3, 6 and 9):
#   1. a scenario whose log(), expect() names and units, error text and
#      --@name carry terminal escapes, NULs and invalid UTF-8, on a rig
#      whose name and description are invalid UTF-8: the JSON record
#      passes python3's strict json.load (UTF-8 decoded strictly) and the
#      JUnit passes xmllint against tests/junit.xsd;
#   2. nothing of it reaches the terminal raw: no ESC or other control
#      byte on stdout or stderr, the escapes shown as \x1B;
#   3. a rig file of binary junk: exit 3, the message escaped, the reports
#      still valid;
#   4. a flood of log() and expect(): the reports stay bounded (a few MB)
#      and say what they did not keep, and a FAIL past the measurement
#      cap still fails the scenario.
HIL_NEED_PYTHON=1
. tests/e2e/hil_lib.inc

# valid_reports NAME: strict UTF-8 JSON and schema-valid JUnit
valid_reports() {
	python3 - "$TMPD/$1.json" <<'PY' || fail "$1.json is not valid UTF-8 JSON"
import json, sys
raw = open(sys.argv[1], "rb").read()
d = json.loads(raw.decode("utf-8"))       # strict: invalid UTF-8 raises
assert d["format"] == "pumphil-record/1"
print("json.load ok:", len(raw), "bytes,", len(d["cases"]), "case(s)")
PY
	xmllint --noout --schema tests/junit.xsd "$TMPD/$1.xml" ||
		fail "$1.xml does not validate"
}
# no_raw_controls FILE: nothing but newline below 0x20, no DEL, no C1
no_raw_controls() {
	python3 - "$1" <<'PY' || fail "raw control bytes in $1"
import sys
raw = open(sys.argv[1], "rb").read()
bad = [b for b in raw if (b < 0x20 and b != 0x0a) or b == 0x7f]
assert not bad, "control bytes %s" % sorted(set(bad))
text = raw.decode("utf-8")                # and valid UTF-8
assert not any(0x80 <= ord(c) <= 0x9f for c in text), "C1 control"
PY
}

# 1-2. hostile scenario on a hostile rig
printf '[rig]\nname = rig\377\376\nbackend = sim\nprofile = s21\n' \
	>"$TMPD/rig.ini"
printf 'description = caf\303 \342\202\n' >>"$TMPD/rig.ini"
cat >"$TMPD/hostile.lua" <<'EOF'
--@name hostile-name
log("esc \27[2J\27[31m bytes \xff\xfe\x80 nul \0 end \xc0\xaf \xed\xa0\x80")
print("bell \7 del \127 c1 \xc2\x9b")
expect("name \27]0;owned\7 \xf4\x90\x80\x80", 1, {unit = "\xff\xfe"})
error("\27[2J\27[1;1H\27[31mred \xff scenario error")
EOF
"$PUMPHIL" run --rig "$TMPD/rig.ini" --json "$TMPD/h.json" \
	--junit "$TMPD/h.xml" "$TMPD/hostile.lua" >"$TMPD/h.out" 2>"$TMPD/h.err"
rc=$?
cat "$TMPD/h.out" "$TMPD/h.err"
[ $rc -eq 3 ] || fail "hostile scenario: exit $rc (want 3)"
valid_reports h
no_raw_controls "$TMPD/h.out"
no_raw_controls "$TMPD/h.err"
grep -qF '\x1B[2J' "$TMPD/h.out" || fail "the escape is not shown escaped"
grep -qF 'scenario error' "$TMPD/h.out" || fail "the error is not shown"
python3 - "$TMPD/h.json" <<'PY' || fail "record content"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
a = d["cases"][0]["attempts"][-1]
assert a["outcome"] == "ERROR", a["outcome"]
assert "scenario error" in a["message"], a["message"]
assert "\ufffd" in a["log"] and "\x1b" not in a["log"], "log not cleaned"
assert a["measurements"][0]["name"].startswith("name "), a["measurements"]
PY

# 3. a rig file of binary junk
i=0
while [ $i -lt 64 ]; do printf '\033\377\000\n[\001]\n=\302' ; i=$((i + 1)); done \
	>"$TMPD/junk.ini"
"$PUMPHIL" run --rig "$TMPD/junk.ini" --json "$TMPD/j.json" \
	--junit "$TMPD/j.xml" "$TMPD/hostile.lua" >"$TMPD/j.out" 2>"$TMPD/j.err"
rc=$?
cat "$TMPD/j.out" "$TMPD/j.err"
[ $rc -eq 3 ] || fail "junk rig: exit $rc (want 3)"
grep -q 'junk.ini:1: ' "$TMPD/j.err" || fail "junk rig: no file:line"
valid_reports j
no_raw_controls "$TMPD/j.out"
no_raw_controls "$TMPD/j.err"

# 4. floods: bounded reports that say what they dropped
cat >"$TMPD/flood.lua" <<'EOF'
for i = 1, 3000 do log(string.rep("L", 1000)) end
for i = 1, 10010 do expect("m" .. i, i, {high = 10005}) end
EOF
"$PUMPHIL" run --json "$TMPD/f.json" --junit "$TMPD/f.xml" \
	"$TMPD/flood.lua" >"$TMPD/f.out" 2>&1
rc=$?
cat "$TMPD/f.out"
[ $rc -eq 1 ] || fail "flood: exit $rc (want 1: a FAIL past the cap counts)"
valid_reports f
for x in f.json f.xml; do
	size=$(wc -c <"$TMPD/$x")
	[ "$size" -lt 8000000 ] || fail "$x is $size bytes"
done
grep -q '\[log truncated: ' "$TMPD/f.xml" || fail "no log mark in JUnit"
grep -q 'measurements truncated: 10 more not kept, 5 of them FAIL' \
	"$TMPD/f.xml" || fail "no measurement mark in JUnit"
python3 - "$TMPD/f.json" <<'PY' || fail "flood record"
import json, sys
a = json.load(open(sys.argv[1]))["cases"][0]["attempts"][-1]
assert a["outcome"] == "FAIL", a["outcome"]
assert len(a["measurements"]) == 10000
assert a["measurements_truncated"] == 10
assert a["measurements_truncated_failed"] == 5
assert a["log_truncated_lines"] > 1900, a["log_truncated_lines"]
assert "[log truncated: " in a["log"]
print("flood bounded:", a["log_truncated_lines"], "log lines dropped")
PY
echo "hil hostile ok"
