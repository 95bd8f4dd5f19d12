#!/usr/bin/env bash
# Issue 10 item 3: a caller-chosen timeout cannot pin shared tables.
#  - a timeout beyond the cluster's maximum is cut to it (no 32-bit wrap: the
#    send fails after about the maximum, not at once and not in 49 days);
#  - two callers flooding receipt sends to a silent member each hold at most
#    their share of the daemon's op table and of the VKE's send table: a third
#    caller still gets through;
#  - NODES_ALL requests flooding in from node 1 take at most node 1's share of
#    node 2's op table: node 2's own callers still get through.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
ABUSE="$XVIOS_TESTS/conn_abuse"

up 3 --timeout 1000 --retries 0 --max-timeout 3000
kill -STOP "$(node_pid 3 backend)" || fail "cannot stop node 3"

# 1. 2^32 - 3000 ms: cut to 3000 ms
timeout 60 "$ABUSE" flood "$ROOT/nodes/1/api.sock" 1 1 send 3 4294964296 12 >"$ROOT/wrap.out" || fail "flood (wrap)"
cat "$ROOT/wrap.out"
last=$(sed -n 's/.*last_other_ms=\(-\?[0-9]*\).*/\1/p' "$ROOT/wrap.out")
[ -n "$last" ] && [ "$last" -ge 2500 ] && [ "$last" -le 11000 ] \
    || fail "a send with a 2^32-3000 ms timeout ended after ${last:-?} ms, want about the 3000 ms maximum"
timeout 30 "$XVIOS" --root "$ROOT" --node 1 --json nodes >"$ROOT/n1.json"
json_check "$ROOT/n1.json" '[o for o in j if o["node"] == 1][0]["timeout_clamped"] >= 1' || fail "timeout_clamped not counted"
ok "a 2^32-3000 ms timeout is cut to the cluster's maximum (result after $last ms)"

# 2. two greedy callers, 200 receipt sends each to the silent node 3 (held up to 3 s)
timeout 60 "$ABUSE" flood "$ROOT/nodes/1/api.sock" 2 200 send 3 3000 8 >"$ROOT/flood.out" &
flood=$!
sleep 1
start=$(date +%s%N)
timeout 30 "$XVIOS" --root "$ROOT" --node 1 send --to 2 --receipt --response "through" >"$ROOT/probe.out" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$ROOT/probe.out"
wait $flood || fail "flood"
cat "$ROOT/flood.out"
[ $rc -eq 0 ] && grep -q 'delivered, response: through' "$ROOT/probe.out" \
    || fail "a third caller did not get through while two callers flood (exit $rc)"
ta=$(sed -n 's/.*try_again=\([0-9]*\).*/\1/p' "$ROOT/flood.out")
[ "${ta:-0}" -ge 144 ] || fail "the flooding callers got only ${ta:-0} TRY_AGAIN, want >= 144 (each over its 128-op share)"
timeout 30 "$XVIOS" --root "$ROOT" --node 1 --json nodes >"$ROOT/n1.json"
json_check "$ROOT/n1.json" '[o for o in j if o["node"] == 1][0]["share_refused"] >= 144' || fail "share_refused not counted"
ok "two flooding callers held their shares; a third caller got through in $ms ms ($ta refused TRY_AGAIN)"

# 3. NODES_ALL from node 1 (each waits on the silent node 3) against node 2's op table
timeout 60 "$ABUSE" flood "$ROOT/nodes/1/api.sock" 5 120 nodesall 2 3000 6 >"$ROOT/na.out" &
flood=$!
sleep 1.5
timeout 30 "$XVIOS" --root "$ROOT" --node 2 send --to 1 --receipt --response "from two" >"$ROOT/probe2.out" 2>&1
rc=$?
cat "$ROOT/probe2.out"
wait $flood || fail "flood (nodes-all)"
cat "$ROOT/na.out"
[ $rc -eq 0 ] && grep -q 'delivered, response: from two' "$ROOT/probe2.out" \
    || fail "node 2's caller did not get through while node 1 floods it with NODES_ALL (exit $rc)"
timeout 30 "$XVIOS" --root "$ROOT" --node 2 --json nodes >"$ROOT/n2.json"
json_check "$ROOT/n2.json" '[o for o in j if o["node"] == 2][0]["share_refused"] >= 1' \
    || fail "node 2 did not refuse node 1's fan-outs beyond its share"
ok "node 1's NODES_ALL fan-outs took at most their share of node 2's op table"
kill -CONT "$(node_pid 3 backend)"
