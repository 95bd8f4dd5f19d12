#!/usr/bin/env bash
# Any operation from any node (docs/api.md, "Where a request runs") on a 3-node loopback cluster with
# the vSCSI engine: client-a's vhost 0 is served by node 1 (dom0 attached db1 as 0:0:0:0). A mapping
# create asked of node 3's daemon for 0:0:0:1 of client-a is handed to node 1 (MAPPING_APPLY), which
# hot-adds the LUN in its own backend dir through Reconfiguring and records it in the VTD table (the
# record its own); the caller gets node 1's answer once the client's frontend took the LUN, and the
# frontend reads and writes it; a subscriber on node 2 sees node 1's Lifecycle event. Refusals asked of nodes 2 and 3 (a new vhost and the last LUN:
# DOM0_ONLY; EXISTS; IN_USE; node= another VIOS: CONFLICT) change neither the backend nodes nor the
# table. The delete asked of node 2 hot-removes it on node 1. Hostile MAPPING_APPLYs sent straight to
# node 1 (from a caller, malformed, oversized, misdirected, for a client it does not serve) are
# refused, counted, and change nothing. With node 1 down, a create asked of node 2 gets a
# VIOException within the send's deadline and nothing is written anywhere.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"
XS="$XVIOS_TESTS/vscsi_xs_tool"
VK="$XVIOS_TESTS/vke_tool"

R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
xv() { timeout 90 "$XVIOS" --root "$ROOT" "$@"; }
# ask NODE XML WANT_RC [OUT]: the request to that node's daemon (a VIOS's caller), answer in $ROOT/${OUT:-resp}
ask() {
    local rc out=$ROOT/${4:-resp}
    printf '%s' "$2" | timeout 60 "$VT" "$ROOT" "$1" send >"$out" 2>&1; rc=$?
    [ $rc -eq "$3" ] || { cat "$out"; fail "asked of node $1: exit $rc, wanted $3: $2"; }
}
has() { grep -q -- "$1" "$ROOT/${2:-resp}" || { cat "$ROOT/${2:-resp}"; fail "the answer lacks $1"; }; }
exc() { has 'status="exception"' "${2:-resp}"; has "<VIOException code=\"$1\">[^<]" "${2:-resp}"; }
# the backend nodes of every VIOS (with their values) and the VTD table, to prove a refusal changed nothing
snapshot() {
    {
        find "$ROOT" -path '*backend/vscsi*' -type f | sort | while read -r f; do printf '%s=%s\n' "$f" "$(cat "$f")"; done
        "$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0; "$XS" "$ROOT" read /xvios/vtds/7-0-0-0-1 2>&1
        "$XS" "$ROOT" read /xvios/vtds/7-1-0-0-0 2>&1
    } >"$ROOT/snap.$1" 2>&1
}
same() { cmp -s "$ROOT/snap.$1" "$ROOT/snap.$2" || { diff "$ROOT/snap.$1" "$ROOT/snap.$2"; fail "$3 changed the nodes or the VTD table"; }; }
refused_count() {
    # node 3's daemon may be stopped: the answer is partial (and says so by its exit status), node 1's is in it
    timeout 20 "$XVIOS" --root "$ROOT" --node 1 --json nodes >"$ROOT/n.json" 2>/dev/null
    python3 -c 'import json,sys; print([n for n in json.load(open(sys.argv[1])) if n["node"] == 1][0]["mapping_apply_refused"])' "$ROOT/n.json"
}

up 3
client 7 client-a
client 8 client-b
lu=$(lu_file a 16)
lu2=$(lu_file b 8)
xv --node 3 lu create db1 --size 16M --backing "$lu" >/dev/null 2>&1 || fail "lu create db1"
xv --node 3 lu create db2 --size 8M --backing "$lu2" >/dev/null 2>&1 || fail "lu create db2"

# node 2's subscriber: the changes node 1 makes for the others reach it
"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle >"$ROOT/ev2.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 2'" \
    || fail "the event stream on node 2 did not attach"

# --- dom0 makes client-a's vhost 0 on node 1 (db1 as 0:0:0:0); the frontend then follows what others do
xv --node 3 scsi attach client-a db1 0:0:0:0 --vios 1 >"$ROOT/attach.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node"
front 7 $VIOS1 0 inquiry:0 await:attached follow:added inquiry:1 readcap:1:8388608 fill:1:1:5a expect:1:1:5a \
    touch:used follow:removed \
    follow:local-added inquiry:2 touch:used2 follow:local-removed await:checked expect:0:1:00 close &
fpid=$!
wait $apid || { cat "$ROOT/attach.out"; fail "dom0's attach of db1 to client-a"; }
touch "$ROOT/attached"
[ "$("$XS" "$ROOT" perms /xvios/vtds/7-0-0-0-0)" = "0:n $VIOS1:r 102:r 103:r" ] \
    || { "$XS" "$ROOT" perms /xvios/vtds/7-0-0-0-0; fail "dom0's VTD record is not dom0's (owner), READ for the nodes"; }
[ "$("$XS" "$ROOT" perms /xvios/vtds)" = "0:n $VIOS1:b 102:b 103:b" ] || { "$XS" "$ROOT" perms /xvios/vtds; fail "the VTD table's permissions"; }
ok "dom0 attached db1 as 0:0:0:0 of client-a on node 1; its VTD record is node 1's, READ for nodes 2 and 3"

# --- the hot add asked of node 3 lands on node 1
t0=$(date +%s%N)
ask 3 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:1" lu="db2"/>')" 0 create
t1=$(date +%s%N)
touch "$ROOT/added"
has 'status="ok" node="1" object="mapping" action="create"' create
has "<mapping client=\"7\" clientName=\"client-a\" vdev=\"0:0:0:1\" node=\"1\" lu=\"$lu2\" poolLu=\"db2\" readOnly=\"false\" state=\"connected\"/>" create
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-1/p-dev)" = "$lu2" ] || fail "node 1's backend dir has no dev-1 for db2"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-1/v-dev)" = "0:0:0:1" ] || fail "dev-1's v-dev"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-1/xvios-lu)" = "db2" ] || fail "dev-1 does not name pool LU db2"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-1/state)" = "4" ] || fail "dev-1 is not Connected"
[ "$(be_read $VIOS1 7 0 state)" = "4" ] || fail "the vhost is not back at Connected"
[ "$("$XS" "$ROOT" perms /local/domain/$VIOS1/backend/vscsi/7/0/vscsi-devs/dev-1)" = "$VIOS1:n 7:r" ] \
    || fail "dev-1's permissions are not the backend dir's (node 1 owner, the client READ)"
[ "$("$XS" "$ROOT" read /local/domain/7/device/vscsi/0/vscsi-devs/dev-1/state)" = "4" ] || fail "the frontend has not taken dev-1"
rec=$("$XS" "$ROOT" read /xvios/vtds/7-0-0-0-1) || fail "no VTD record of 7:0:0:0:1"
[ "$rec" = "$(printf 'client=7\nuuid=%s\nname=client-a\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu=%s\npool-lu=db2\nro=0' "$(cat "$ROOT/domains/7/uuid")" "$lu2")" ] \
    || { echo "$rec"; fail "the VTD record is not the mapping"; }
[ "$("$XS" "$ROOT" perms /xvios/vtds/7-0-0-0-1)" = "$VIOS1:n 102:r 103:r" ] || fail "the new VTD record's permissions"
wait_for 30 test -f "$ROOT/used" || { front_out 7 0; fail "the client's frontend did not use LUN 1"; }
grep -q '^ok: READ CAPACITY(16) LUN 1: 8388608 bytes' "$ROOT/front-7-0.out" || { front_out 7 0; fail "no READ CAPACITY of LUN 1"; }
cmp -s <(head -c 1048576 "$lu2") <(head -c 1048576 /dev/zero | tr '\0' '\132') || fail "the MiB the client wrote to LUN 1 is not in db2's backing"
for n in 1 2 3; do
    ask $n "$(R '<mapping action="get" client="client-a" vdev="0:0:0:1"/>')" 0 get
    has "node=\"1\" lu=\"$lu2\" poolLu=\"db2\"" get
done
grep -q 'handed to node 1' "$ROOT/nodes/3/xviosd.log" || fail "node 3 did not log handing the create to node 1"
wait_for 20 grep -q '"action": "created", "type": "mapping", "key": "7:0:0:0:1", "by": "1", "via": "1"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "node 2's subscriber did not see the mapping node 1 created"; }
ok "create asked of node 3 (node 2's subscriber saw node 1's event): made by node 1 in $(( (t1 - t0) / 1000000 )) ms (hot add through Reconfiguring, answered node=\"1\" state=\"connected\"); dev-1 and the VTD record node 1's; the client wrote and read LUN 1"

# --- refusals asked of nodes 2 and 3 change nothing
snapshot before
ask 3 "$(R '<mapping action="create" client="client-a" vdev="1:0:0:0" lu="db2"/>')" 6; exc DOM0_ONLY; has 'a new adapter needs dom0'
ask 2 "$(R '<mapping action="create" client="client-b" vdev="0:0:0:0" lu="db2"/>')" 6; exc DOM0_ONLY
ask 3 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:1" lu="db2"/>')" 6; exc EXISTS
ask 2 "$(R '<mapping action="create" client="7" vdev="0:0:0:2" lu="db1"/>')" 6; exc IN_USE
ask 2 "$(R "<mapping action=\"create\" client=\"7\" vdev=\"0:0:0:2\" lu=\"$lu\"/>")" 6; exc IN_USE
ask 2 "$(R '<mapping action="create" client="7" vdev="0:0:0:2" lu="nosuch"/>')" 6; exc NOT_FOUND
ask 3 "$(R '<mapping action="create" client="7" vdev="0:0:0:2" lu="db2" node="2"/>')" 6; exc CONFLICT
ask 3 "$(R '<mapping action="delete" client="7" vdev="0:0:0:9"/>')" 6; exc NOT_FOUND
snapshot after
same before after "a refused request"
ok "refused: a new vhost and a client without one (DOM0_ONLY), EXISTS, IN_USE (by name and by path), NOT_FOUND, CONFLICT; nodes and VTD table unchanged"

# --- the delete asked of node 2: node 1 hot-removes the LUN
ask 2 "$(R '<mapping action="delete" client="client-a" vdev="0:0:0:1"/>')" 0 delete
touch "$ROOT/removed"
has 'status="ok" node="1" object="mapping" action="delete"' delete
has 'vdev="0:0:0:1" node="1"' delete
be_read $VIOS1 7 0 vscsi-devs/dev-1/state >/dev/null 2>&1 && fail "dev-1 is left in node 1's backend dir"
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-1 >/dev/null 2>&1 && fail "the VTD record of 7:0:0:0:1 is left"
[ "$("$XS" "$ROOT" read /local/domain/7/device/vscsi/0/vscsi-devs/dev-1/state)" = "6" ] || fail "the frontend did not remove dev-1"
[ "$(be_read $VIOS1 7 0 state)" = "4" ] || fail "the vhost is not Connected after the hot remove"
wait_for 20 grep -q '"action": "deleted", "type": "mapping", "key": "7:0:0:0:1", "by": "1", "via": "1"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "node 2's subscriber did not see the mapping node 1 deleted"; }
ask 1 "$(R '<mapping action="list" client="client-a"/>')" 0 list
[ "$(grep -c '<mapping ' "$ROOT/list")" -eq 1 ] || { cat "$ROOT/list"; fail "client-a should have one mapping left"; }
# asked of node 1 itself, which serves the vhost: made there, answered to its own caller
ask 1 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:2" lu="db2"/>')" 0 local
touch "$ROOT/local-added"
has 'status="ok" node="1" object="mapping" action="create"' local; has 'vdev="0:0:0:2" node="1"' local; has 'state="connected"' local
# dev-1 of the frontend dir is still there (state 6, the client's): the new LUN takes dev-2
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-2/v-dev)" = "0:0:0:2" ] || fail "the LUN made on node 1 for its own caller is not dev-2"
wait_for 30 test -f "$ROOT/used2" || { front_out 7 0; fail "the client's frontend did not see LUN 2"; }
ask 1 "$(R '<mapping action="delete" client="client-a" vdev="0:0:0:2"/>')" 0 local-del
touch "$ROOT/local-removed"
has 'status="ok" node="1" object="mapping" action="delete"' local-del
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-2 >/dev/null 2>&1 && fail "the VTD record of 7:0:0:0:2 is left"
# the last LUN closes the vhost: that is dom0's; node 1 says so itself
snapshot before2
ask 3 "$(R '<mapping action="delete" client="client-a" vdev="0:0:0:0"/>')" 6; exc DOM0_ONLY; has 'node="1"'; has 'last LUN'
snapshot after2
same before2 after2 "deleting the last LUN"
touch "$ROOT/checked"
wait $fpid || { front_out 7 0; fail "client-a's frontend"; }
grep -q '^ok: followed the backend until removed: 2 LUN(s) added, 1 removed so far' "$ROOT/front-7-0.out" \
    || { front_out 7 0; fail "the frontend did not see the hot add and the hot remove"; }
ok "delete asked of node 2: made by node 1, its event seen on node 2 (hot remove: frontend dev-1 6, dev-1 and its record gone); a create and delete asked of node 1 itself made there (dev-2); the last LUN refused DOM0_ONLY by node 1"

# --- hostile MAPPING_APPLYs straight to node 1 (as node 3: its daemon is stopped so the tool may attach)
pid=$(node_pid 3 xviosd); [ -n "$pid" ] || fail "no xviosd pid for node 3"
kill -TERM "$pid"; wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 3's daemon did not stop"
uuid=$(cat "$ROOT/domains/7/uuid")
good="op=add
client=7
uuid=$uuid
name=client-a
node=1
vhost=0
channel=0
target=0
lun=3
lu=$lu2
pool-lu=db2
ro=0
"
apply() {   # apply NAME PAYLOAD [--daemon]: the answer line in $ROOT/apply.NAME
    timeout 30 "$VK" send "$ROOT" 3 --to 1 --receipt --response --type 7 --timeout 5000 --payload "$2" ${3:-} \
        >"$ROOT/apply.$1" 2>&1 || { cat "$ROOT/apply.$1"; fail "vke_tool send ($1)"; }
}
snapshot before3
c0=$(refused_count) || fail "reading node 1's counters"
apply caller "$good"                                             # the right payload, but from a caller
apply lun "${good/lun=3/lun=256}" --daemon                       # vdev out of range
apply target "${good/target=0/target=64}" --daemon
apply dup "${good}lun=4
" --daemon                                                       # a key twice
apply node "${good/node=1/node=2}" --daemon                      # meant for another node
apply big "$good$(head -c 3000 /dev/zero | tr '\0' x)" --daemon  # oversized
for a in caller lun target dup node big; do
    grep -q '^status=ok' "$ROOT/apply.$a" || { cat "$ROOT/apply.$a"; fail "the $a MAPPING_APPLY did not reach node 1"; }
done
c1=$(refused_count) || fail "reading node 1's counters"
[ "$c1" -eq $((c0 + 6)) ] || fail "mapping_apply_refused $c0 -> $c1: the six were not counted"
[ "$(grep -c 'MAPPING_APPLY.*refused' "$ROOT/nodes/1/xviosd.log")" -eq 6 ] || fail "node 1 did not log the six refusals"
apply stranger "${good/client=7/client=9}" --daemon             # well-formed, but node 1 serves no client 9
wait_for 10 grep -q 'domain 9 0:0:0:3 refused: DOM0_ONLY: a new adapter needs dom0' "$ROOT/nodes/1/xviosd.log" \
    || fail "node 1 did not refuse the MAPPING_APPLY for a client it does not serve"
snapshot after3
same before3 after3 "a hostile MAPPING_APPLY"
ok "hostile MAPPING_APPLYs to node 1 (from a caller, LUN 256, target 64, a key twice, misdirected, oversized) refused unread and counted ($c0 -> $c1); a client it does not serve refused DOM0_ONLY; nothing changed"

# --- node 1 down: a create asked of node 2 ends with a VIOException in time, nothing half-written
for prog in xviosd backend; do
    pid=$(node_pid 1 $prog); [ -n "$pid" ] || fail "no $prog pid for node 1"
    kill -KILL "$pid"
    wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 1's $prog did not die"
done
snapshot before4
t0=$(date +%s%N)
ask 2 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:5" lu="db2"/>')" 6 down
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
exc UNAVAILABLE down; has 'node 1' down
[ $ms -le 20000 ] || fail "the caller waited $ms ms for node 1's absence"
snapshot after4
same before4 after4 "a create for a node that is down"
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-5 >/dev/null 2>&1 && fail "a VTD record was written for the failed create"
ok "node 1 down: the create asked of node 2 answered UNAVAILABLE after $ms ms ($(sed -n 's/.*<VIOException code="UNAVAILABLE">\(.*\)<\/VIOException>.*/\1/p' "$ROOT/down")); backend nodes and VTD table as they were"
