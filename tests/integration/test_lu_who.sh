#!/usr/bin/env bash
# `xvios lu who`: one pool LU used by two loopback clients through two VIOSes
# of a 3-VIOS cluster. Asked of node 3 (locally, and from dom0 with --via 3)
# the answer covers the whole cluster: VIOS 1 serves client-a, VIOS 2
# client-b, each with its ClientID, AdapterID, domid, vhost and vdev (the IDs
# the engines wrote when the clients logged in), VIOS 3 serves none. With
# VIOS 2's processes stopped, it is listed as not answering (exit 3).
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
VIOS2=102

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
# attach_front NAME DOMID VIOS_NODE VIOS_DOMID VHOST LU -- STEP...: attach LU as VHOST:0:0:0, run the frontend
attach_front() {
    local name=$1 dom=$2 node=$3 vdom=$4 vh=$5 lu=$6 apid fpid; shift 7
    x scsi attach "$name" "$lu" "$vh:0:0:0" --vios "$node" --shared >"$ROOT/attach-$dom-$vh.out" 2>&1 &
    apid=$!
    fe_wait "$dom" "$vh" backend-id "$vdom" 20 || fail "attach of $lu wrote no frontend node"
    front "$dom" "$vdom" "$vh" "$@" &
    fpid=$!
    wait $apid || { cat "$ROOT/attach-$dom-$vh.out"; fail "xvios scsi attach $name $lu"; }
    wait $fpid || { front_out "$dom" "$vh"; fail "the frontend of domain $dom vhost $vh"; }
}

up 3
client 7 client-a
client 8 client-b
backing=$(lu_file shared 32)
x lu create lu-w --size 16M --backing "$backing" >/dev/null || fail "lu create"
attach_front client-a 7 1 $VIOS1 0 lu-w -- inquiry:0
attach_front client-b 8 2 $VIOS2 0 lu-w -- inquiry:0
cid_a=$(be_read $VIOS1 7 0 xvios-client-id); aid_a=$(be_read $VIOS1 7 0 xvios-adapter-id)
cid_b=$(be_read $VIOS2 8 0 xvios-client-id); aid_b=$(be_read $VIOS2 8 0 xvios-adapter-id)
[ -n "$cid_a" ] && [ -n "$cid_b" ] && [ "$cid_a" != "$cid_b" ] || fail "ClientIDs '$cid_a' '$cid_b'"
ok "client-a through VIOS 1 (ClientID $cid_a), client-b through VIOS 2 (ClientID $cid_b)"

# from dom0 through VIOS 3's management link
x --json lu who lu-w --via 3 >"$ROOT/who.json" || { cat "$ROOT/who.json"; fail "lu who --via 3"; }
json_check "$ROOT/who.json" "j['lu'] == 'lu-w' and [n['node'] for n in j['nodes']] == [1, 2, 3] and \
    all(n['answered'] for n in j['nodes']) and j['nodes'][2]['vhosts'] == [] and \
    j['nodes'][0]['vhosts'] == [{'client_id': $cid_a, 'client': 'client-a', 'domid': 7, 'vhost': 0, \
        'vdev': '0:0:0:0', 'adapter_id': $aid_a, 'state': 4, 'lun_state': 4}] and \
    j['nodes'][1]['vhosts'] == [{'client_id': $cid_b, 'client': 'client-b', 'domid': 8, 'vhost': 0, \
        'vdev': '0:0:0:0', 'adapter_id': $aid_b, 'state': 4, 'lun_state': 4}] and \
    j['nodes'][0]['vios'] == 'vios-1' and j['nodes'][1]['vios'] == 'vios-2'" || fail "lu who --json"
ok "dom0 --via 3: both clients, both VIOSes, the third serving nothing"

# on VIOS 3 itself (its api.sock), as a table
x --node 3 lu who lu-w >"$ROOT/who.txt" || { cat "$ROOT/who.txt"; fail "lu who on node 3"; }
cat "$ROOT/who.txt"
grep -q "^LU lu-w: 2 vhost(s), 3 of 3 node(s) answered" "$ROOT/who.txt" || fail "summary line"
grep -Eq "^1 +vios-1 +$cid_a +client-a +7 +0 +0:0:0:0 +$aid_a +4/4" "$ROOT/who.txt" || fail "VIOS 1's line"
grep -Eq "^2 +vios-2 +$cid_b +client-b +8 +0 +0:0:0:0 +$aid_b +4/4" "$ROOT/who.txt" || fail "VIOS 2's line"
ok "on VIOS 3: the same answer as a table"

# an LU nobody uses, a bad name
x lu who lu-nobody >"$ROOT/who2.txt" || fail "lu who of an unused LU"
grep -q "^LU lu-nobody: 0 vhost(s), 3 of 3 node(s) answered" "$ROOT/who2.txt" || { cat "$ROOT/who2.txt"; fail "unused LU"; }
x lu who 'a/b' >/dev/null 2>&1; [ $? -eq 20 ] || fail "bad LU name: exit 20 expected"

# VIOS 2 gone: listed as not answering, exit 3
kill "$(node_pid 2 xviosd)" "$(node_pid 2 backend)"
wait_for 10 sh -c "! kill -0 $(node_pid 2 backend) 2>/dev/null" || fail "node 2 did not stop"
x --json lu who lu-w --via 3 >"$ROOT/who3.json"; rc=$?
[ $rc -eq 3 ] || { cat "$ROOT/who3.json"; fail "lu who with node 2 down: exit $rc, wanted 3"; }
json_check "$ROOT/who3.json" "[(n['node'], n['answered']) for n in j['nodes']] == [(1, True), (2, False), (3, True)] \
    and j['nodes'][1]['outcome'] in ('UNREACHABLE', 'TIMED_OUT')" || fail "node 2 not listed as silent"
ok "VIOS 2 down: listed as not answering, exit 3"
exit 0
