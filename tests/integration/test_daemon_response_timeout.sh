#!/usr/bin/env bash
# A node whose VKE acknowledges but whose daemon does not answer: the
# message is delivered, the response entry expires, the caller is told
# (TIMED_OUT response -> "failed", exit 3). Afterwards the late answers are
# dropped as unmatched, not delivered to anyone.
. "$(dirname "$0")/daemon_lib.sh"

up 3 --timeout 600
frozen=$(node_pid 3 xviosd)
[ -n "$frozen" ] || fail "no pid for node 3's daemon"
kill -STOP "$frozen"
start=$SECONDS
timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --broadcast --receipt --response "answer me" >"$ROOT/out.json"
rc=$?
kill -CONT "$frozen"
cat "$ROOT/out.json"
[ $rc -eq 3 ] || fail "exit code $rc, want 3"
json_check "$ROOT/out.json" '{o["node"]: (o["status"], o["response"]) for o in j} == {2: ("delivered", "answer me"), 3: ("failed", None)}' \
    || fail "per-node outcome"
json_check "$ROOT/out.json" '[o for o in j if o["node"] == 3][0]["reason"] == "no response before the deadline"' \
    || fail "reason for node 3"
[ $((SECONDS - start)) -lt 20 ] || fail "the send took far longer than its deadline"
ok "node 3 delivered but silent: reported failed after the response deadline"
# node 3 now answers the old request late; node 1 must drop it as unmatched
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 1 --json nodes | python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if [o for o in j if o[\"node\"]==1][0][\"responses_unmatched\"] >= 1 else 1)'" \
    || fail "the late response was not counted as unmatched"
ok "the late response was dropped and counted"
