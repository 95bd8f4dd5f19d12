#!/usr/bin/env bash
# A subscriber that stops reading cannot stall its node: the daemon cannot
# acknowledge to its VKE the messages whose events wait for that caller, so
# after 5 s of an unread MESSAGE event it disconnects the caller, logs and
# counts the events it leaves (received_dropped), and the node goes on
# serving (a well-behaved subscriber still receives, a ping still answers).
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
MT=$XVIOS_TESTS/msg_tool

up 2 --timeout 1000
"$MT" "$ROOT" 2 deaf >"$ROOT/deaf.out" 2>"$ROOT/deaf.err" &
dpid=$!
wait_for 20 grep -q subscribed "$ROOT/deaf.out" || fail "the deaf subscriber did not subscribe"
# enough events to fill its socket: the rest wait in the daemon's queue for it (1 KiB payloads)
big=$(head -c 1000 /dev/zero | tr '\0' x)
timeout 120 "$MT" "$ROOT" 1 send 600 "$big" --to 2 --window 16 >"$ROOT/send.out" || fail "sending"
wait_for 20 grep -q "leaves its messages unread: disconnecting it" "$ROOT/nodes/2/xviosd.log" \
    || fail "the deaf subscriber was not disconnected"
wait_for 10 grep -q "lost for caller .*: the caller is gone before taking it" "$ROOT/nodes/2/xviosd.log" \
    || fail "the events it left are not logged as lost"
ok "a subscriber that does not read is disconnected; what it left is logged"
seen=$ROOT/seen.txt
"$MT" "$ROOT" 2 listen "$seen" 2>/dev/null &
lpid=$!
wait_for 20 grep -q subscribed "$seen" || fail "a new subscriber could not attach"
timeout 60 "$MT" "$ROOT" 1 send 5 after --to 2 --receipt --response >"$ROOT/after.out" || fail "sending after"
[ "$(grep -c '2:DELIVERED resp=2:OK' "$ROOT/after.out")" -eq 5 ] || { cat "$ROOT/after.out"; fail "the node does not serve any more"; }
wait_for 10 sh -c "[ \$(grep -c 'data=after-' '$seen') -eq 5 ]" || fail "the new subscriber did not get the 5 messages"
ok "the node goes on serving"
kill -TERM "$lpid" "$dpid" 2>/dev/null; wait "$lpid" "$dpid" 2>/dev/null
true
