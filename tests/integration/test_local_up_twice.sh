#!/usr/bin/env bash
# A second `local up` on a root that holds a running cluster is refused (exit 6)
# and undoes nothing it did not make: the first cluster's processes all still
# run and it still answers.
. "$(dirname "$0")/daemon_lib.sh"

up 3
before=$(for n in 1 2 3; do node_pid $n backend; node_pid $n xviosd; done | sort | tr '\n' ' ')
[ "$(echo $before | wc -w)" -eq 6 ] || fail "no pids after up: $before"

timeout 60 "$XVIOS" --root "$ROOT" local up -n 3 >"$ROOT/second.out" 2>&1; rc=$?
cat "$ROOT/second.out"
[ $rc -eq 6 ] || fail "second local up: exit $rc, want 6 (refused)"
grep -q "a cluster exists there already" "$ROOT/second.out" || fail "no refusal message"
ok "second local up refused with exit 6"

after=$(for n in 1 2 3; do node_pid $n backend; node_pid $n xviosd; done | sort | tr '\n' ' ')
[ "$before" = "$after" ] || fail "pid files changed: '$before' -> '$after'"
for p in $before; do kill -0 "$p" 2>/dev/null || fail "process $p of the first cluster is gone"; done
ok "all 6 processes of the first cluster still run"

timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 >/dev/null || fail "node 1 does not ping node 2"
timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --broadcast --receipt "still here" >"$ROOT/send.json" \
    || fail "broadcast with receipts from node 1"
json_check "$ROOT/send.json" 'sorted(o["node"] for o in j if o["status"] == "delivered") == [2, 3]' \
    || fail "receipts from every other node"
ok "the first cluster still answers: ping and a broadcast with receipts to all"
