#!/usr/bin/env bash
# The reservation-preempted alert (docs/api.md, "Events") on a 3-VIOS loopback cluster: a pool LU
# served to client A through VIOS 1 and to client B through VIOS 2; both register, A reserves Write
# Exclusive, B preempts A (PREEMPT): a subscriber on node 3 gets reservation-preempted with the LU, the
# VIOS it went through (2), B's nexus as the preemptor and A's as the preempted, and no key; A
# registers again and B preempts and aborts (PREEMPT AND ABORT): a second alert, abort=1. A PREEMPT
# that takes nobody else's registration raises none. Lifecycle-only and --type node subscribers get
# none; --category alert --type LU gets each.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
VIOS2=102

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
session() {   # as test_pr_cluster.sh: attach pr-lu as VHOST:0:0:0 through NODE, run the frontend's STEPs
    local name=$1 dom=$2 node=$3 vdom=$4 vh=$5 opts=(); shift 5
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    x scsi attach "$name" pr-lu "$vh:0:0:0" --vios "$node" "${opts[@]}" >"$ROOT/attach-$dom-$vh.out" 2>&1 &
    apid=$!
    fe_wait "$dom" "$vh" backend-id "$vdom" 20 || fail "attach through node $node wrote no frontend node"
    front "$dom" "$vdom" "$vh" "$@" &
    spid=$!
}
finish() {
    wait "$1" || { cat "$ROOT/attach-$3-$4.out"; fail "attach for $5"; }
    wait "$2" || { front_out "$3" "$4"; fail "$5"; }
}

up 3
"$XVIOS" --root "$ROOT" --node 3 --json events --category alert >"$ROOT/alert3.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 3 --json events --category alert --type LU >"$ROOT/lu3.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 3 --json events --type node >"$ROOT/node3.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 1 --json events --category lifecycle >"$ROOT/life1.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 3 --json nodes | grep -q '\"node\": 3, .*\"callers\": 4'" \
    || fail "the event streams did not attach"
client 7 client-a
client 8 client-b
backing=$(lu_file shared 64)
x lu create pr-lu --size 16M --backing "$backing" >/dev/null || fail "lu create pr-lu"

session client-a 7 1 $VIOS1 0 -- \
    pr:0:0:0:0:aaaa:0 post:a-reg await:b-reg pr:0:1:1:aaaa:0:0 post:a-res await:b-pre \
    ua:0:2a05 pr:0:0:0:0:aaaa:0 post:a-reg2 await:b-pa ua:0:2a05 close
apid_a=$apid spid_a=$spid
session client-b 8 2 $VIOS2 0 --shared -- \
    await:a-reg pr:0:0:0:0:bbbb:0 post:b-reg await:a-res pr:0:4:1:bbbb:aaaa:0 post:b-pre \
    await:a-reg2 pr:0:5:1:bbbb:aaaa:0 post:b-pa pr:0:4:1:bbbb:bbbb:0 close
apid_b=$apid spid_b=$spid
finish $apid_a $spid_a 7 0 "client A through VIOS 1"
finish $apid_b $spid_b 8 0 "client B through VIOS 2"
ok "B preempted A, then preempted and aborted A again, then preempted its own key; A saw 2a05 twice"

count() { grep -c '"event": "reservation-preempted"' "$ROOT/$1"; }
wait_for 20 sh -c "[ \$(grep -c '\"event\": \"reservation-preempted\"' '$ROOT/alert3.json') -ge 2 ]" \
    || { cat "$ROOT/alert3.json"; fail "node 3 did not get two reservation-preempted alerts"; }
sleep 1   # the third PREEMPT (B's own key) must not add one
[ "$(count alert3.json)" -eq 2 ] || { cat "$ROOT/alert3.json"; fail "$(count alert3.json) alerts, wanted 2"; }
python3 - "$ROOT/alert3.json" <<'PY' || fail "the alerts do not say who preempted whom"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ev = [e for e in ev if e["event"] == "reservation-preempted"]
assert len(ev) == 2, ev
for e, abort in zip(ev, ("0", "1")):
    assert e["category"] == "alert" and e["node"] == 2 and e["lu"] == "pr-lu", e
    by, gone = e["by"], e["preempted"]
    assert by.endswith("@102") and gone.endswith("@101") and "," not in gone, e
    assert by.split("@")[0] != gone.split("@")[0], e          # two initiators
    assert e["count"] == "1" and e["abort"] == abort, e
    assert "aaaa" not in json.dumps(e) and "bbbb" not in json.dumps(e), e   # no reservation key
assert int(ev[1]["gen"]) > int(ev[0]["gen"]), ev
PY
ok "node 3's alert stream: two reservation-preempted (node 2, pr-lu, B@102 took A@101; abort 0 then 1; no keys)"
[ "$(count lu3.json)" -eq 2 ] || { cat "$ROOT/lu3.json"; fail "--category alert --type LU: $(count lu3.json) alerts"; }
[ "$(count node3.json)" -eq 0 ] || fail "a --type node subscriber got a reservation alert"
[ "$(count life1.json)" -eq 0 ] || fail "a lifecycle subscriber got a reservation alert"
ok "filters: --type LU got both, --type node and --category lifecycle none"
