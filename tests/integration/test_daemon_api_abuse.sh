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
