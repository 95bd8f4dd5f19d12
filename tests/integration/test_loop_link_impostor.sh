#!/usr/bin/env bash
# Link impersonation on loopback: `local up` records each backend's pid as its
# domain's process, and a cluster link accepts only that process (SO_PEERCRED).
# With node 3's backend stopped, an impostor claiming node 3 / domain 103 is
# refused by node 1 (logged), and node 1 keeps listening: `local start` brings
# the real node 3 back (its new pid recorded) and node 1 reaches it.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"

up 3 --timeout 800
b3=$(node_pid 3 backend); d3=$(node_pid 3 xviosd)
[ -n "$b3" ] && [ -n "$d3" ] || fail "no pids for node 3"
[ "$(cat "$ROOT/domains/103/pid")" = "$b3" ] || fail "local up did not record node 3's backend pid"
ok "local up recorded the backend pids"

kill -KILL "$d3" "$b3"
wait_for 20 grep -q "link to node 3 (domid 103) died" "$ROOT/nodes/1/backend.log" || fail "node 1 did not see node 3 go"

"$XVIOS_TESTS/link_impostor" "$ROOT" 3 103 1 101 10 >"$ROOT/impostor.out" 2>"$ROOT/impostor.err"; rc=$?
cat "$ROOT/impostor.out"
[ $rc -eq 0 ] || fail "impostor for node 3: exit $rc ($(cat "$ROOT/impostor.out")), want 0 (refused)"
grep -q "refused node 3 domain 103" "$ROOT/nodes/1/backend.log" || fail "node 1 did not log the refusal"
grep -q "is not domain 103's recorded process $b3" "$ROOT/nodes/1/backend.log" || fail "refusal does not name the pid check"
ok "an impostor for node 3 is refused and logged by node 1"

# node 1 still reaches node 2
timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --to 2 --receipt "hello 2" >"$ROOT/s2.json" || fail "send 1 -> 2"

timeout 90 "$XVIOS" --root "$ROOT" local start --node 3 || fail "local start --node 3"
nb3=$(node_pid 3 backend)
[ -n "$nb3" ] && [ "$nb3" != "$b3" ] || fail "no new backend for node 3"
[ "$(cat "$ROOT/domains/103/pid")" = "$nb3" ] || fail "local start did not record the new backend pid"
wait_for 20 grep -q "link to node 3 (domid 103) is up" "$ROOT/nodes/1/backend.log" || fail "node 1's link to the real node 3"
timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --to 3 --receipt "hello 3" >"$ROOT/s3.json" || fail "send 1 -> 3"
json_check "$ROOT/s3.json" '[o["status"] for o in j] == ["delivered"]' || fail "receipt from the real node 3"
ok "the real node 3, restarted, is reached by node 1"

timeout 30 "$XVIOS" --root "$ROOT" local start --node 3 >"$ROOT/again.out" || fail "local start on a running node"
grep -q "runs already" "$ROOT/again.out" || fail "local start on a running node should start nothing"
ok "local start leaves a running node alone"
