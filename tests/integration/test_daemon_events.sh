#!/usr/bin/env bash
# `xvios events` sees a node join and a node leave (store watch on
# /xvios/nodes), a client id registered, a user message; one JSON object
# per line; stops cleanly on SIGINT.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"

up 3
ev=$ROOT/events.json
"$XVIOS" --root "$ROOT" --node 1 --json events >"$ev" 2>"$ROOT/events.err" &
evpid=$!
# subscribed once node 1's daemon counts a second caller... simpler: its HELLO shows in NODE_INFO
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 1 --json nodes | grep -q '\"node\": 1, .*\"callers\": 2'" \
    || fail "the events stream did not attach"
sleep 0.3
new=$("$XVIOS_TESTS/loop_node_tool" "$ROOT" add 150 vios-extra) || fail "adding a node"
wait_for 20 grep -q "\"event\": \"node-joined\", \"node\": $new" "$ev" || fail "no node-joined event for node $new"
ok "node $new joined, event seen"
"$XVIOS_TESTS/loop_node_tool" "$ROOT" remove "$new" || fail "removing node $new"
wait_for 20 grep -q "\"event\": \"node-left\", \"node\": $new" "$ev" || fail "no node-left event for node $new"
ok "node $new left, event seen"
"$XVIOS_TESTS/loop_node_tool" "$ROOT" client 7 || fail "registering client 7"
wait_for 20 grep -q '"event": "client-registered", .*"client": "7"' "$ev" || fail "no client-registered event"
ok "client 7 registered, event seen"
# a user message type sent from node 2 reaches node 1's subscribers as a message event, and is acknowledged
timeout 30 "$XVIOS" --root "$ROOT" --node 2 send --to 1 --receipt --response --type 4097 "user payload" \
    | grep -q '^node 1: delivered' || fail "user-type send"
wait_for 20 grep -q '"event": "message", "node": 2, "type": "4097".*"data": "user payload"' "$ev" \
    || fail "no message event with the payload"
ok "user message delivered to the subscriber"
kill -INT $evpid
wait_for 10 sh -c "! kill -0 $evpid 2>/dev/null" || fail "events did not stop on SIGINT"
wait $evpid; rc=$?
cat "$ev"
[ $rc -eq 0 ] || fail "events exit code $rc"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$ev" || fail "not JSON lines"
grep "node-joined" "$ev" | grep -q '"domid": "150"' || fail "the join event names the domid"
ok "events stream: JSON lines, clean stop"
