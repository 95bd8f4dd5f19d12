#!/usr/bin/env bash
# Issue 10 item 5: half-open connections (accepted, never saying hello) on
# a node's management link socket and on a link socket whose peer is down do
# not stall the node's loops: every handshake is a non-blocking state with
# its own deadline.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
ABUSE="$XVIOS_TESTS/conn_abuse"

# ten CLI commands; the slowest one's time in ms into $worst, all of them into $total
ten() {
    local start rc i t
    worst=0; total=0
    for i in 1 2 3 4 5 6 7 8 9 10; do
        start=$(date +%s%N)
        "$@" >"$ROOT/ten.out" 2>&1; rc=$?
        t=$(( ($(date +%s%N) - start) / 1000000 ))
        [ $rc -eq 0 ] || { cat "$ROOT/ten.out"; return 1; }
        total=$((total + t)); [ $t -gt $worst ] && worst=$t
    done
    return 0
}

up 3
ten timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 || fail "pings"
base=$total
echo "10 pings 1->2, quiet: $total ms (slowest $worst ms)"

# 3 half-open connections on node 1's management socket, each replaced as soon as it is dropped (at its deadline)
MGMT="$ROOT/links/mgmt-1.sock"
[ -S "$MGMT" ] || fail "no $MGMT"
timeout 60 "$ABUSE" idle "$MGMT" 3 12 refill >"$ROOT/mgmt.out" &
ab=$!
sleep 1
ten timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 || fail "pings with half-open management connections"
echo "10 pings 1->2, half-open on mgmt-1.sock: $total ms (slowest $worst ms)"
# before: every half-open connection held the daemon for 500 ms (1 s per ping)
[ $total -lt $((base + 3000)) ] || fail "half-open management connections slowed 10 pings from $base to $total ms"
wait $ab
cat "$ROOT/mgmt.out"
grep -q "no hello within" "$ROOT/nodes/1/xviosd.log" || fail "the hello deadline was not logged"
ok "half-open management connections: 10 pings in $total ms (quiet: $base ms)"

# node 3 goes down: node 1 listens on 1-3.sock again; 8 half-open connections there
kill -KILL "$(node_pid 3 backend)" "$(node_pid 3 xviosd)"
LINK="$ROOT/links/1-3.sock"
wait_for 30 test -S "$LINK" || fail "node 1 does not listen for node 3 again"
ten timeout 30 "$XVIOS" --root "$ROOT" --node 1 send --to 2 --receipt "quiet" || fail "sends, node 3 down"
base=$total
echo "10 sends 1->2, node 3 down: $total ms (slowest $worst ms)"
timeout 60 "$ABUSE" idle "$LINK" 8 12 refill >"$ROOT/link.out" &
ab=$!
sleep 1
ten timeout 30 "$XVIOS" --root "$ROOT" --node 1 send --to 2 --receipt "half-open" || fail "sends with half-open link connections"
echo "10 sends 1->2, half-open on 1-3.sock: $total ms (slowest $worst ms)"
[ $total -lt $((base + 3000)) ] || fail "half-open link connections slowed 10 sends from $base to $total ms"
wait $ab
cat "$ROOT/link.out"
grep -q "too many connections without a hello" "$ROOT/nodes/1/backend.log" || fail "the link's hello deadline was not logged"
ok "half-open link connections: 10 sends in $total ms (node 3 down, quiet: $base ms)"
