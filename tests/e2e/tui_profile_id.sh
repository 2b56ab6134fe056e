#!/bin/sh
# Issue 9.4 on the screen: a pump whose HELLO names /etc/passwd as its
# profile (tests/tools/pb-fakepump) gets the dashboard to open nothing.
# The link panel says the id is not a profile id and was not looked up,
# the statistics panel has no spec to compare with, and the dashboard
# runs on (link up, samples arriving).  On the old code the link panel
# showed the first line of /etc/passwd ("key 'root' outside any section").
. tests/e2e/tui_lib.inc
B=${B:-build/rel}
FAKE="$B/tests/tools/pb-fakepump"
[ -x "$FAKE" ] || { echo "FAIL: $FAKE not built"; exit 1; }
"$FAKE" --seconds 60 --profile-id /etc/passwd > "$TMPD/fake.out" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; wait $fake_pid 2>/dev/null; cleanup' EXIT
t=100
while [ $t -gt 0 ] && [ -z "$(head -n 1 "$TMPD/fake.out")" ]; do
	sleep 0.1; t=$((t - 1))
done
port=$(head -n 1 "$TMPD/fake.out")
[ -n "$port" ] || fail "pb-fakepump gave no pty"

start_pane 160 40 C.UTF-8
run "$PB --port $port"
wait_for 'link +UP' 20
# the lasting message in the link panel (its log line), not the
# footer's, which goes after a while
wait_for "profile '/etc/passwd': not an id" 10
cap | grep -q 'root' && fail "the dashboard read /etc/passwd"
# it runs on without a spec: telemetry arrives, no profile to judge by
wait_for 'Cycle statistics \(no profile\)' 5
wait_for 'now: ch1 10\.0 mmHg' 5
keys q
wait_for 'EXIT=0' 10
echo "ok"
