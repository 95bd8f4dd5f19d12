#!/usr/bin/env bash
# Issue 10 items 4 and 9 on vke.sock: a local connection that never reads
# its answers, or sends garbage, is dropped (logged, counted) and the VKE
# never waits on it; idle strangers holding every slot (and grabbing each one
# freed) cannot keep a restarted xviosd from attaching.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
ABUSE="$XVIOS_TESTS/conn_abuse"
VKE_TOOL="$XVIOS_TESTS/vke_tool"

up 2
VKE1="$ROOT/nodes/1/vke.sock"
[ -S "$VKE1" ] || fail "no $VKE1"

# time one CLI command in ms into $ms; its exit status is returned
timed() {
    local start=$(date +%s%N) rc
    "$@" >"$ROOT/timed.out" 2>&1; rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    return $rc
}

# item 4: a connection that sends VKE_STATS requests and never reads
timeout 60 "$ABUSE" noread "$VKE1" 30 >"$ROOT/noread.out" &
nr=$!
sleep 1
worst=0
for i in 1 2 3 4; do
    timed timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 || { cat "$ROOT/timed.out"; fail "ping 1->2 #$i while a connection does not read"; }
    [ $ms -gt $worst ] && worst=$ms
    timed timeout 30 "$XVIOS" --root "$ROOT" --node 2 ping 1 || { cat "$ROOT/timed.out"; fail "ping 2->1 #$i while a connection does not read"; }
    [ $ms -gt $worst ] && worst=$ms
done
wait $nr || { cat "$ROOT/noread.out"; fail "the VKE kept a connection that does not read"; }
cat "$ROOT/noread.out"
grep -q "does not read" "$ROOT/nodes/1/backend.log" || fail "the dropped connection was not logged"
[ $worst -lt 5000 ] || fail "a ping took $worst ms while a connection did not read"
ok "a connection that never reads was dropped; 8 of 8 pings answered (slowest $worst ms)"

# item 4: malformed packets: dropped at the 16th
timeout 30 "$ABUSE" garbage "$VKE1" 200 || fail "the VKE kept a connection sending garbage"
grep -q "malformed packets: dropped" "$ROOT/nodes/1/backend.log" || fail "the garbage connection was not logged"
timeout 30 "$VKE_TOOL" stats "$ROOT" 1 >"$ROOT/stats.out" 2>&1 || true
grep -E '^local_dropped=[1-9]' "$ROOT/stats.out" || { cat "$ROOT/stats.out"; fail "local_dropped not counted"; }
ok "a connection sending garbage was dropped"

# item 9: idle strangers hold every slot of vke.sock (16) and, dialling 4 more every 20 ms, grab each
# freed one; node 1's daemon restarts
timeout 60 "$ABUSE" idle "$VKE1" 20 20 refill >"$ROOT/idle.out" &
idle=$!
sleep 1
kill -KILL "$(node_pid 1 xviosd)"
sleep 0.5
timed timeout 60 "$XVIOS" --root "$ROOT" local start --node 1 || { cat "$ROOT/timed.out"; fail "node 1's daemon did not restart"; }
restart_ms=$ms
# the daemon retries its attach every 500 ms: with a slot for it, it is in at once
[ $restart_ms -lt 10000 ] || fail "the restarted daemon took $restart_ms ms to attach past the idle connections"
timed timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 || { cat "$ROOT/timed.out"; fail "ping after the restart"; }
kill $idle 2>/dev/null; wait $idle 2>/dev/null
grep -q "closed: its slot is needed\|idle for" "$ROOT/nodes/1/backend.log" || fail "no idle connection was closed"
ok "a restarted daemon attached in $restart_ms ms past idle connections holding every slot"
