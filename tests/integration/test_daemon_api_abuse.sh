#!/usr/bin/env bash
# A misbehaving caller (requests before HELLO, malformed packets, never
# reading its answers) is refused / disconnected; the daemon keeps serving.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"

up 2
timeout 120 "$XVIOS_TESTS/api_abuse" "$ROOT/nodes/1/api.sock" || fail "api_abuse"
grep -q "does not read its answers" "$ROOT/nodes/1/xviosd.log" || fail "the slow caller was not logged"
grep -q "too many malformed packets" "$ROOT/nodes/1/xviosd.log" || fail "the malformed caller was not logged"
timeout 30 "$XVIOS" --root "$ROOT" --node 1 send --to 2 --receipt --response "still fine" | grep -q 'delivered, response: still fine' \
    || fail "cluster sends after the abuse"
ok "daemon survived a misbehaving caller"

# a second daemon for the same node refuses to start and leaves the first one alone
if timeout 30 "$XVIOS_BIN/xviosd" --foreground --platform loopback --root "$ROOT" --domid 101 \
        --log "$ROOT/second.log"; then
    fail "a second xviosd for node 1 started"
fi
grep -q "another xviosd serves this node" "$ROOT/second.log" || fail "the second daemon did not say why"
timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 | grep -q alive || fail "node 1 after the second daemon"
ok "a second daemon for a node is refused"
