#!/usr/bin/env bash
# Issue 10, items 7 and 15: a receipt promises delivery to the receiving
# node's VKE, nothing more; every later loss must be visible.
#  1. receiver's daemon down: sends are DELIVERED and held by its VKE (up to
#     128); past that they come back QUEUE_FULL; the restarted daemon hands
#     exactly the held ones to the subscriber that attaches.
#  2. held past the bound (10 x the cluster timeout): logged and counted
#     (vke_up_expired), never seen.
#  3. a daemon killed with messages it did not acknowledge: logged and
#     counted by its VKE (vke_up_lost), never seen.
#  4. no subscriber: logged, counted (received_no_subscriber), and a sender
#     that asked for a response gets NO_SUBSCRIBER.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
MT=$XVIOS_TESTS/msg_tool

up 2 --timeout 500 --retries 1
seen=$ROOT/seen.txt
"$MT" "$ROOT" 2 listen "$seen" 2>"$ROOT/listen.err" &
lpid=$!
wait_for 20 grep -q subscribed "$seen" || fail "the listener did not subscribe"

node_key() {   # node_key NODE KEY
    timeout 10 "$XVIOS" --root "$ROOT" --node "$1" --json nodes >"$ROOT/nk.json" || return 1
    python3 -c 'import json,sys; print([o for o in json.load(open(sys.argv[1])) if o["node"] == int(sys.argv[2])][0].get(sys.argv[3], "absent"))' \
        "$ROOT/nk.json" "$1" "$2"
}
key_is() {     # key_is NODE KEY VALUE
    [ "$(node_key "$1" "$2" 2>/dev/null)" = "$3" ]
}
stop_daemon2() {
    local pid; pid=$(node_pid 2 xviosd)
    kill -"$1" "$pid"
    wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 2's daemon did not stop"
}
start2() { timeout 60 "$XVIOS" --root "$ROOT" local start --node 2 >/dev/null || fail "restarting node 2"; }
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# ---- 1: held for the restarted daemon, bounded
stop_daemon2 TERM
timeout 120 "$MT" "$ROOT" 1 send 140 held --to 2 --receipt >"$ROOT/held.out" || fail "sending 140"
delivered=$(count '2:DELIVERED' "$ROOT/held.out")
full=$(count '2:QUEUE_FULL' "$ROOT/held.out")
echo "daemon down: $delivered DELIVERED, $full QUEUE_FULL"
[ "$delivered" -eq 128 ] || fail "$delivered DELIVERED with the daemon down, want 128 (the VKE's hold)"
[ "$full" -eq 12 ] || fail "$full QUEUE_FULL, want 12"
grep -q "not delivered: the daemon queue is full" "$ROOT/nodes/2/backend.log" || fail "the refusals are not logged"
start2
wait_for 20 sh -c "[ \$(grep -c 'data=held-' '$seen') -ge $delivered ]" || true
got=$(count 'data=held-' "$seen")
[ "$got" -eq "$delivered" ] || fail "the subscriber saw $got of the $delivered held messages"
# exactly the delivered ones, each once
grep ' rc=2:DELIVERED' "$ROOT/held.out" | cut -d' ' -f1 | sort >"$ROOT/want.txt"
sed -n 's/.* data=\(held-[0-9]*\)$/\1/p' "$seen" | sort >"$ROOT/got.txt"
cmp -s "$ROOT/want.txt" "$ROOT/got.txt" || fail "the messages seen are not exactly the ones delivered"
ok "daemon down: 128 held and handed to the subscriber after the restart, 12 refused (QUEUE_FULL)"

# ---- 3: killed with messages it did not acknowledge
stop_pid=$(node_pid 2 xviosd)
kill -STOP "$stop_pid"
timeout 60 "$MT" "$ROOT" 1 send 5 unacked --to 2 --receipt >"$ROOT/unacked.out" || fail "sending 5"
[ "$(count '2:DELIVERED' "$ROOT/unacked.out")" -eq 5 ] || fail "the 5 sends to a stopped daemon were not DELIVERED"
sleep 0.5   # the VKE writes them to the stopped daemon's socket
kill -KILL "$stop_pid"
wait_for 20 sh -c "[ \$(grep -c 'lost: the daemon went away before acknowledging' '$ROOT/nodes/2/backend.log') -ge 5 ]" \
    || fail "the VKE did not log the 5 messages lost with the daemon"
start2
wait_for 10 key_is 2 vke_up_lost 5
lost=$(node_key 2 vke_up_lost)
[ "$lost" = 5 ] || fail "vke_up_lost = $lost, want 5"
[ "$(count 'data=unacked-' "$seen")" -eq 0 ] || fail "a message lost with the daemon was seen"
ok "5 messages killed with an unacknowledging daemon: logged and counted (vke_up_lost=5)"

# ---- 2: held past the bound (10 x 500 ms)
stop_daemon2 TERM
timeout 60 "$MT" "$ROOT" 1 send 3 expire --to 2 --receipt >"$ROOT/expire.out" || fail "sending 3"
[ "$(count '2:DELIVERED' "$ROOT/expire.out")" -eq 3 ] || fail "the 3 sends were not DELIVERED"
wait_for 20 sh -c "[ \$(grep -c 'expired: no daemon took it in time' '$ROOT/nodes/2/backend.log') -ge 3 ]" \
    || fail "the VKE did not log the 3 expired messages"
start2
wait_for 10 key_is 2 vke_up_expired 3
exp=$(node_key 2 vke_up_expired)
[ "$exp" = 3 ] || fail "vke_up_expired = $exp, want 3"
sleep 1
[ "$(count 'data=expire-' "$seen")" -eq 0 ] || fail "an expired message was seen"
ok "3 messages held past the bound: logged and counted (vke_up_expired=3), not handed over"

# ---- 4: no subscriber (after the start-up grace window)
kill -TERM "$lpid"; wait "$lpid" 2>/dev/null
sleep 3.5
timeout 30 "$XVIOS" --root "$ROOT" --node 1 --json send --to 2 --receipt --response --type 4097 nobody-listens \
    >"$ROOT/nosub.json"
rc=$?
cat "$ROOT/nosub.json"
[ $rc -eq 4 ] || fail "exit code $rc, want 4 (no node answered)"
json_check "$ROOT/nosub.json" 'j[0]["node"] == 2 and j[0]["status"] == "failed" and j[0]["reason"] == "no subscriber"' \
    || fail "the sender was not told there is no subscriber"
[ "$(node_key 2 received_no_subscriber)" = 1 ] || fail "received_no_subscriber is not 1"
grep -q 'dropped: no caller subscribed to messages' "$ROOT/nodes/2/xviosd.log" || fail "not logged on node 2"
ok "no subscriber: logged, counted, and answered NO_SUBSCRIBER"

# ---- `xvios nodes` shows the losses under the node
timeout 10 "$XVIOS" --root "$ROOT" --node 2 nodes >"$ROOT/nodes.txt" || fail "xvios nodes"
cat "$ROOT/nodes.txt"
grep -qE '^ +lost: received_dropped=1 received_no_subscriber=1 vke_up_lost=5 vke_up_expired=3 vke_up_queue_full=[0-9]+$' \
    "$ROOT/nodes.txt" || fail "xvios nodes does not show node 2's losses"
ok "xvios nodes shows them"
