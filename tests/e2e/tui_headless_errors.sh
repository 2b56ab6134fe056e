#!/bin/sh
# Headless mode never reports success for a run that did not work, and
# always names the real cause (issue 9.11), against a scripted pump on a
# pty (tests/tools/pb-fakepump):
#   - a port where nothing answers HELLO: exit 3 within the HELLO timeout
#     (5 s) even with --duration 60, "no answer to HELLO"; --hello-timeout
#     sets it;
#   - a pump that answers HELLO but sends no telemetry: exit 1;
#   - --record /dev/full: exit 1, "No space left on device";
#   - --record missing-dir/x.csv: exit 1 at once, ENOENT's text, no file;
#   - --record FIFO: refused at once, no hang;
#   - --profile that does not load: exit 1 with file:line.
# And issue 9.4: a pump whose HELLO names /etc/passwd as its profile gets
# the dashboard to open nothing: a clear message, statistics without a
# spec, exit 0.  On the old code the first two exited 0 with samples=0,
# the recording errors said "no HELLO from the pump?", and the profile
# lookup opened /etc/passwd.
. tests/e2e/headless_lib.inc

echo "== a port where nothing answers"
fake --mute
start=$(date +%s)
pb --port "$port" --headless --duration 60
secs=$(( $(date +%s) - start ))
[ $rc -eq 3 ] || bad "mute port: exit $rc, want 3"
has err "no answer to HELLO from $port within 5 s" || bad "mute port: no reason"
[ $secs -lt 30 ] || bad "mute port: ran $secs s, the HELLO timeout is 5 s"
has out "samples=0 " || bad "mute port: no summary"
has out " result=no_hello exit=3" || bad "mute port: the summary line disagrees"
pb --port "$port" --headless --duration 60 --hello-timeout 1.5 --summary json
[ $rc -eq 3 ] || bad "mute port, --hello-timeout 1.5: exit $rc, want 3"
has err "within 1.5 s" || bad "--hello-timeout 1.5: not said"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["result"] == "no_hello" and d["exit_code"] == 3, d
assert d["device"] is None and d["channels"] == [], d' "$d/out" ||
		bad "mute port: JSON summary wrong"
else
	echo "note: python3 missing (tools/install-deps): JSON not checked"
fi

echo "== HELLO answered, no telemetry"
fake --no-telemetry
pb --port "$port" --headless --duration 2
[ $rc -eq 1 ] || bad "no telemetry: exit $rc, want 1"
has err "$port answered HELLO but sent no telemetry in 2 s" ||
	bad "no telemetry: no reason"

echo "== a pump that reports /etc/passwd as its profile"
fake --profile-id /etc/passwd
pb --port "$port" --headless --duration 2 --record "$d/p.csv"
[ $rc -eq 0 ] || bad "/etc/passwd profile: exit $rc, want 0"
has err "the pump reports profile '/etc/passwd': '/etc/passwd' is not a profile id" ||
	bad "/etc/passwd profile: no message"
has err "cycle statistics without a spec" || bad "/etc/passwd profile: no consequence"
grep -q 'root:' "$d/out" "$d/err" && bad "/etc/passwd was read"
grep -q '^# profile: /etc/passwd' "$d/p.csv" || bad "recording lacks the pump's id"
grep -q '^S,' "$d/p.csv" || bad "nothing recorded"

echo "== an unknown profile id: the same, by name"
fake --profile-id nosuchpump
pb --port "$port" --headless --duration 1
[ $rc -eq 0 ] || bad "unknown profile: exit $rc, want 0"
has err "the pump reports profile 'nosuchpump': profile 'nosuchpump' not found" ||
	bad "unknown profile: no message"

echo "== --record /dev/full"
if [ -w /dev/full ]; then
	fake
	pb --port "$port" --headless --duration 1 --record /dev/full
	[ $rc -eq 1 ] || bad "/dev/full: exit $rc, want 1"
	has err "/dev/full: write: No space left on device" || bad "/dev/full: no cause"
	has err "no HELLO" && bad "/dev/full: blames HELLO"
fi

echo "== --record missing-dir/x.csv"
pb --sim --headless --duration 5 --record "$d/missing-dir/x.csv"
[ $rc -eq 1 ] || bad "missing dir: exit $rc, want 1"
has err "$d/missing-dir/x.csv: cannot record: No such file or directory" ||
	bad "missing dir: no ENOENT"
has err "no HELLO" && bad "missing dir: blames HELLO"
has out "samples=" && bad "missing dir: ran anyway"

echo "== --record FIFO"
mkfifo "$d/fifo"
pb --sim --headless --duration 5 --record "$d/fifo"
[ $rc -eq 1 ] || bad "FIFO: exit $rc, want 1"
has err "$d/fifo: cannot record: not a regular file (a FIFO)" || bad "FIFO: no reason"

echo "== --profile that does not load"
printf '[pump]\nid = ../../etc\n' > "$d/bad.ini"
pb --sim --headless --duration 5 --profile "$d/bad.ini"
[ $rc -eq 1 ] || bad "bad --profile: exit $rc, want 1"
has err "$d/bad.ini:2: [pump] id: '../../etc' is not a profile id" ||
	bad "bad --profile: no file:line"

[ $failed -eq 0 ] || exit 1
echo "ok"
