#!/usr/bin/env bash
# Issue 10, items 12 and 13.
#  12: `send --json` prints a JSON object for a request that failed as a
#      whole (not "[]"), and `send --help` documents every exit code.
#  13: with --receipt and --response, the response wait is bounded by the
#      effective timeout (no hidden grace): a node that takes the message
#      (its VKE acknowledges) but never answers is reported after ~timeout.
. "$(dirname "$0")/daemon_lib.sh"

# ---- 12: the help text names every exit code
"$XVIOS" send --help >"$ROOT/help.txt" || fail "send --help"
for code in 0 1 2 3 4 5 6; do
    grep -qE "^(Exit:)? +$code " "$ROOT/help.txt" || fail "send --help does not document exit code $code"
done
ok "send --help documents exit codes 0-6"

# ---- 13: the response deadline is the effective timeout
up 2 --timeout 5000
pid=$(node_pid 2 xviosd)
kill -STOP "$pid"   # node 2's VKE still acknowledges; its daemon cannot answer
start=$(date +%s%N)
timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --to 2 --receipt --response --timeout 1000 ping >"$ROOT/late.json"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill -CONT "$pid"
cat "$ROOT/late.json"
echo "took $ms ms"
[ $rc -eq 4 ] || fail "exit code $rc, want 4"
json_check "$ROOT/late.json" 'j[0]["node"] == 2 and j[0]["reason"] == "no response before the deadline"' \
    || fail "node 2 not reported without a response"
[ "$ms" -ge 900 ] && [ "$ms" -lt 2500 ] || fail "the response wait took $ms ms for a 1000 ms timeout"
ok "--receipt --response: no response reported after the effective timeout ($ms ms for 1000 ms)"

# ---- 12: a request-level failure in JSON (node 1's daemon has lost its VKE: nothing can be sent)
pid=$(node_pid 1 backend)
kill -TERM "$pid"
wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 1's backend did not stop"
timeout 30 "$XVIOS" --root "$ROOT" --node 1 --json send --to 2 --receipt hello >"$ROOT/fail.json"
rc=$?
cat "$ROOT/fail.json"
[ $rc -eq 5 ] || fail "exit code $rc, want 5 (unreachable)"
json_check "$ROOT/fail.json" 'isinstance(j, dict) and j["status"] == "UNREACHABLE" and j["exit"] == 5 and j["error"]' \
    || fail "the failure is not a JSON object naming it"
ok "send --json: a request-level failure is an object {error, status, exit}"
