#!/usr/bin/env bash
# Issue 10, item 1: a restarted daemon's txids start again at 1, in a new
# epoch. Its messages must not be taken for re-sent copies of the previous
# incarnation's: after a restart of node 1's daemon, 10 USER messages are
# all seen by node 2's subscriber and node 2's received_duplicate does not
# move. The epoch file in the run directory grows by at least one.
. "$(dirname "$0")/daemon_lib.sh"

up 2 --timeout 1000
ev=$ROOT/events.json
"$XVIOS" --root "$ROOT" --node 2 --json events >"$ev" 2>"$ROOT/events.err" &
evpid=$!
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 2'" \
    || fail "the subscriber did not attach"

# node_key NODE KEY: a NODE_INFO value of NODE, asked of NODE itself
node_key() {
    timeout 10 "$XVIOS" --root "$ROOT" --node "$1" --json nodes >"$ROOT/nk.json" || return 1
    python3 -c 'import json,sys; print([o for o in json.load(open(sys.argv[1])) if o["node"] == int(sys.argv[2])][0][sys.argv[3]])' \
        "$ROOT/nk.json" "$1" "$2"
}

send10() {   # send10 TAG: 10 USER messages 1 -> 2 with receipts and responses; each must be delivered and answered
    local i
    for i in $(seq 1 10); do
        timeout 30 "$XVIOS" --root "$ROOT" --node 1 send --to 2 --receipt --response --type 4097 "$1-$i" >/dev/null \
            || fail "send $1-$i did not succeed"
    done
}

send10 before
wait_for 20 sh -c "[ \$(grep -c '\"data\": \"before-' '$ev') -eq 10 ]" || fail "the subscriber did not see the first 10"
epoch1=$(cat "$ROOT/nodes/1/xviosd.epoch") || fail "node 1 keeps no epoch file"
dup0=$(node_key 2 received_duplicate) || fail "reading node 2's counters"

# restart node 1's daemon: its txid counter starts again at 1
pid=$(node_pid 1 xviosd)
kill -TERM "$pid"
wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 1's daemon did not stop"
timeout 60 "$XVIOS" --root "$ROOT" local start --node 1 >/dev/null || fail "restarting node 1's daemon"
epoch2=$(cat "$ROOT/nodes/1/xviosd.epoch")
[ "$epoch2" -gt "$epoch1" ] || fail "the epoch did not grow: $epoch1 -> $epoch2"
ok "node 1's daemon restarted: epoch $epoch1 -> $epoch2"

send10 after
wait_for 20 sh -c "[ \$(grep -c '\"data\": \"after-' '$ev') -eq 10 ]" \
    || fail "the subscriber saw $(grep -c '"data": "after-' "$ev") of the 10 messages sent after the restart"
ok "all 10 messages after the restart reached the subscriber"
dup1=$(node_key 2 received_duplicate) || fail "reading node 2's counters"
[ "$dup1" = "$dup0" ] || fail "received_duplicate moved: $dup0 -> $dup1"
ok "received_duplicate unchanged ($dup1)"
kill -INT "$evpid"; wait "$evpid" 2>/dev/null
