#!/usr/bin/env bash
# A node killed in the middle of a send with receipts is re-issued to,
# then reported failed: exit code 3, JSON shows it failed, the others delivered.
. "$(dirname "$0")/daemon_lib.sh"

up 4 --timeout 800 --retries 2
victim_b=$(node_pid 3 backend); victim_d=$(node_pid 3 xviosd)
[ -n "$victim_b" ] && [ -n "$victim_d" ] || fail "no pids for node 3"
# frozen, node 3 cannot acknowledge; then it dies while the send is outstanding
kill -STOP "$victim_b"
timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --broadcast --receipt "are you there" >"$ROOT/out.json" &
sender=$!
sleep 0.3
kill -KILL "$victim_b" "$victim_d"
wait $sender; rc=$?
cat "$ROOT/out.json"
[ $rc -eq 3 ] || fail "exit code $rc, want 3 (partial)"
json_check "$ROOT/out.json" '{o["node"]: o["status"] for o in j} == {2: "delivered", 3: "failed", 4: "delivered"}' \
    || fail "per-node outcome"
json_check "$ROOT/out.json" '[o for o in j if o["node"] == 3][0]["reason"] in ("unreachable", "timed-out")' \
    || fail "reason for node 3"
grep -q "re-issuing to 1 node" "$ROOT/nodes/1/xviosd.log" || fail "node 1's daemon did not re-issue"
ok "node 3 re-sent to, then reported failed"

# `xvios nodes` still lists every node; the dead one with why it did not answer (exit 3)
timeout 60 "$XVIOS" --root "$ROOT" --node 2 --json nodes >"$ROOT/nodes.json"
rc=$?
cat "$ROOT/nodes.json"
[ $rc -eq 3 ] || fail "nodes exit code $rc, want 3"
json_check "$ROOT/nodes.json" 'sorted(o["node"] for o in j) == [1,2,3,4] and [o for o in j if o["node"] == 3][0]["status"] in ("unreachable", "timed-out")' \
    || fail "nodes output with a dead node"
ok "nodes reports the dead node"
