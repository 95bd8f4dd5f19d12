#!/usr/bin/env bash
# A broadcast with receipts and responses across 5 loopback nodes: every
# peer delivers and echoes the payload; the text and JSON forms agree.
. "$(dirname "$0")/daemon_lib.sh"

up 5
out=$ROOT/out.json
timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --broadcast --receipt --response "hello five" >"$out"
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "send exit code $rc, want 0"
json_check "$out" 'sorted(o["node"] for o in j) == [2,3,4,5]' || fail "not every peer reported"
json_check "$out" 'all(o["status"] == "delivered" and o["reason"] is None for o in j)' || fail "not all delivered"
json_check "$out" 'all(o["response"] == "hello five" for o in j)' || fail "responses are not the echo"
ok "broadcast from node 1: 4 peers delivered and answered"

# from another node, directed, text output
txt=$(timeout 60 "$XVIOS" --root "$ROOT" --node 4 send --to 1,2 --receipt --response "to one and two") \
    || fail "directed send from node 4"
echo "$txt"
[ "$(echo "$txt" | grep -c ': delivered, response: to one and two$')" -eq 2 ] || fail "directed text output"
ok "directed send from node 4 to 1,2"

# node info of one node, and ping
timeout 30 "$XVIOS" --root "$ROOT" --node 2 ping 5 | grep -q '^node 5: alive' || fail "ping 5 from node 2"
ok "ping"

# the payload from standard input, bytes that need escaping in JSON
printf 'line one\nline "two"\t\\' | timeout 30 "$XVIOS" --root "$ROOT" --node 3 --json send --to 2 --response - >"$ROOT/stdin.json" \
    || fail "send from stdin"
json_check "$ROOT/stdin.json" 'j[0]["response"] == "line one\nline \"two\"\t\\"' || fail "payload from stdin"
ok "payload from standard input round-trips"
# a usage error is exit 2, an unreachable node's daemon exit 5
"$XVIOS" --root "$ROOT" send --to 0 x >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad target not a usage error"
"$XVIOS" --root "$ROOT" --node 9 send x >/dev/null 2>&1; [ $? -eq 5 ] || fail "missing daemon not exit 5"
ok "exit codes 2 and 5"
