#!/usr/bin/env bash
# The management API's client, adapter, mapping and path objects on a 3-node loopback cluster with
# the vSCSI engine (docs/api.md): a mapping created through `xvios api` in dom0 (announced through node
# 3) is served by node 1 and the client's frontend sees the LUN, and is recorded in the cluster DB's
# VTD table (the record its VIOS's, READ for the other members); a subscriber on node 2 sees the mapping's Lifecycle
# event; the client's login shows up as a client and an adapter read from any node; mapping list/get
# answered by every node's daemon from the VTD table; asked of a node's daemon, the delete of a vhost's
# last LUN refused DOM0_ONLY and a create of an LU in use IN_USE; each refusal of create (EXISTS, IN_USE, NOT_FOUND, UNAVAILABLE) and of delete
# (NOT_FOUND) changes neither the nodes nor the table; delete removes the backend nodes and the
# record and raises its event; path list/get read the path monitors' entries.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"

# api NODE XML [WANT_RC] [OUT]: `xvios --node NODE api` in dom0, response in $ROOT/${OUT:-resp}
api() {
    local rc out=$ROOT/${4:-resp}
    printf '%s' "$2" | timeout 90 "$XVIOS" --root "$ROOT" --node "$1" api >"$out" 2>"$out.err"; rc=$?
    [ $rc -eq "${3:-0}" ] || { cat "$out" "$out.err"; fail "api on node $1: exit $rc, wanted ${3:-0}: $2"; }
}
has() { grep -q -- "$1" "$ROOT/${2:-resp}" || { cat "$ROOT/${2:-resp}"; fail "response lacks $1"; }; }
exc() { has "status=\"exception\""; has "<VIOException code=\"$1\">[^<]"; }
R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
# the backend nodes of every VIOS and the VTD table, to compare before and after what must change nothing
be_snapshot() {
    find "$ROOT" -path '*backend/vscsi*' | sort >"$ROOT/be.$1"
    R '<mapping action="list"/>' | timeout 60 "$VT" "$ROOT" 3 send >>"$ROOT/be.$1" 2>&1 || fail "mapping list for a snapshot"
}
XS="$XVIOS_TESTS/vscsi_xs_tool"

up 3
client 7 client-a
client 8 client-b
lu=$(lu_file a 16)
lu2=$(lu_file b 8)

"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle >"$ROOT/ev2.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 3 --json events --category lifecycle >"$ROOT/ev3.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 2'" \
    || fail "the event stream on node 2 did not attach"
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 3 --json nodes | grep -q '\"node\": 3, .*\"callers\": 2'" \
    || fail "the event stream on node 3 did not attach"

api 3 "$(R "<lu action=\"create\" name=\"db1\" backing=\"$lu\" size=\"16777216\"/>")"
api 1 "$(R '<mapping action="list"/>')"; has 'status="ok" node="1" object="mapping" action="list"'
[ "$(grep -c '<mapping ' "$ROOT/resp")" -eq 0 ] || fail "a mapping before any attach"

# --- create, asked through node 3, served by node 1: the client's frontend takes the LUN
api 3 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:0" lu="db1" node="1"/>')" 0 create &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "mapping create wrote no frontend node"
front 7 $VIOS1 0 inquiry:0 readcap:0:16777216 await:created close &
fpid=$!
wait $apid || fail "mapping create"
touch "$ROOT/created"   # the frontend held the LUN until the answer was in
wait $fpid || { front_out 7 0; fail "the client did not see the LUN"; }
has 'status="ok" node="0" object="mapping" action="create"' create
has "<mapping client=\"7\" clientName=\"client-a\" vdev=\"0:0:0:0\" node=\"1\" lu=\"$lu\" poolLu=\"db1\" readOnly=\"false\" state=\"connected\"/>" create
grep -q '^ok: READ CAPACITY(16) LUN 0: 16777216 bytes' "$ROOT/front-7-0.out" || { front_out 7 0; fail "no READ CAPACITY answer through node 1"; }
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-0/p-dev)" = "$lu" ] || fail "node 1's backend does not serve the LU"
wait_for 20 grep -q '"action": "created", "type": "mapping", "key": "7:0:0:0:0", "by": "0", "via": "3"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "node 2's subscriber did not see the mapping created through node 3"; }
ok "mapping create through node 3: served by node 1, the client read the LUN, node 2 saw the event"

# --- the VTD record, written with the nodes: dom0 owns it, every member reads, the client nothing
rec=$("$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0) || fail "no VTD record of 7:0:0:0:0"
[ "$rec" = "$(printf 'client=7\nuuid=%s\nname=client-a\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=0\nlu=%s\npool-lu=db1\nro=0' "$(cat "$ROOT/domains/7/uuid")" "$lu")" ] \
    || { echo "$rec"; fail "the VTD record is not the mapping"; }
[ "$("$XS" "$ROOT" perms /xvios/vtds/7-0-0-0-0)" = "0:n 101:r 102:r 103:r" ] \
    || { "$XS" "$ROOT" perms /xvios/vtds/7-0-0-0-0; fail "the VTD record's permissions"; }
[ "$("$XS" "$ROOT" perms /xvios/vtds)" = "0:n 101:b 102:b 103:b" ] || fail "the VTD table's permissions"
ok "the mapping's VTD record: as attached, owner dom0 (its writer), READ for the three nodes, nothing for the client"

# --- reads: mapping in dom0; client and adapter (the client's login) from any node's daemon
api 2 "$(R '<mapping action="get" client="7" vdev="0:0:0:0"/>')"; has 'poolLu="db1"'
api 2 "$(R '<mapping action="list" client="client-a"/>')"; [ "$(grep -c '<mapping ' "$ROOT/resp")" -eq 1 ] || fail "list client-a"
api 2 "$(R '<mapping action="list" client="client-b"/>')"; [ "$(grep -c '<mapping ' "$ROOT/resp")" -eq 0 ] || fail "list client-b"
api 2 "$(R '<mapping action="get" client="7" vdev="0:0:1:0"/>')" 6; exc NOT_FOUND
# every node's daemon answers mapping reads from the VTD table (no state: that is in the nodes)
for n in 1 2 3; do
    R '<mapping action="list"/>' | timeout 60 "$VT" "$ROOT" $n send >"$ROOT/resp" 2>&1 || { cat "$ROOT/resp"; fail "mapping list from node $n"; }
    has "status=\"ok\" node=\"$n\" object=\"mapping\" action=\"list\""
    has "<mapping client=\"7\" clientName=\"client-a\" vdev=\"0:0:0:0\" node=\"1\" lu=\"$lu\" poolLu=\"db1\" readOnly=\"false\"/>"
done
R '<mapping action="get" client="client-a" vdev="0:0:0:0"/>' | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1 \
    || fail "mapping get from node 2"
has 'poolLu="db1"'
R '<mapping action="get" client="7" vdev="0:0:0:1"/>' | timeout 60 "$VT" "$ROOT" 3 send >"$ROOT/resp" 2>&1; [ $? -eq 6 ] \
    || fail "mapping get of a missing vdev from node 3"
exc NOT_FOUND
# a node's daemon hands mapping writes to the vhost's VIOS (test_vio_anynode.sh): the last LUN of a vhost is
# dom0's to remove, and db1 is attached read-write already
R '<mapping action="delete" client="7" vdev="0:0:0:0"/>' | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1; [ $? -eq 6 ] \
    || fail "vio_tool mapping delete"
exc DOM0_ONLY
R '<mapping action="create" client="7" vdev="0:0:0:1" lu="db1"/>' | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1; [ $? -eq 6 ] \
    || fail "vio_tool mapping create"
exc IN_USE
uuid=$(cat "$ROOT/domains/7/uuid")
R '<client action="list"/>' | timeout 60 "$VT" "$ROOT" 3 send >"$ROOT/resp" 2>&1 || fail "client list from node 3"
has "<client id=\"1\" uuid=\"$uuid\" name=\"client-a\" node=\"1\"/>"
R '<client action="get" id="1"/>' | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1 || fail "client get from node 2"
has 'name="client-a"'
R '<adapter action="list"/>' | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1 || fail "adapter list"
has '<adapter id="1" client="1" node="1" vhost="0"/>'
R '<adapter action="get" id="2"/>' | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1; [ $? -eq 6 ] || fail "adapter get 2"
exc NOT_FOUND
# the client's login through node 1 was a client and an adapter created: node 3's subscriber was told
wait_for 20 grep -q '"event": "lifecycle", "node": 3, "category": "lifecycle", "action": "created", "type": "client", "key": "1", "by": "1", "via": "3"' \
    "$ROOT/ev3.json" || { cat "$ROOT/ev3.json"; fail "node 3's subscriber saw no client created by node 1"; }
wait_for 20 grep -q '"action": "created", "type": "adapter", "key": "1", "by": "1", "via": "3"' "$ROOT/ev3.json" \
    || { cat "$ROOT/ev3.json"; fail "node 3's subscriber saw no adapter created by node 1"; }
grep -q '"action": "created", "type": "mapping", "key": "7:0:0:0:0", "by": "0", "via": "3"' "$ROOT/ev3.json" \
    || { cat "$ROOT/ev3.json"; fail "node 3's subscriber saw no mapping created"; }
ok "mapping list/get from every node's daemon (a last LUN's delete DOM0_ONLY, an LU in use IN_USE there); the client's login as client 1 and adapter 1 from nodes 2 and 3"

# --- path: node 1's path monitor publishes its path to db1 once it serves it
path_good() {
    R '<path action="list" node="1"/>' | timeout 30 "$XVIOS" --root "$ROOT" --node 2 api 2>/dev/null \
        | grep -q "<path node=\"1\" key=\"db1\" state=\"good\" backing=\"$lu\""
}
wait_for 20 path_good || { api 2 "$(R '<path action="list"/>')"; cat "$ROOT/resp"; fail "no good path of node 1 to db1"; }
api 3 "$(R '<path action="get" node="1" key="db1"/>')"; has '<path node="1" key="db1" state="good"'
api 3 "$(R '<path action="list"/>')"; has '<path node="1" key="db1"'
api 2 "$(R '<path action="get" node="1" key="nosuch"/>')" 6; exc NOT_FOUND
api 2 "$(R '<path action="list" node="9"/>')" 6; exc NOT_FOUND
ok "path list/get: node 1's good path to db1, read through nodes 2 and 3"

# --- refusals of create and delete change nothing
be_snapshot before
api 1 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:0" lu="db1"/>')" 6; exc EXISTS
api 1 "$(R '<mapping action="create" client="client-b" vdev="0:0:0:0" lu="db1" node="2"/>')" 6; exc IN_USE
has 'attached read-write to domain 7'
api 1 "$(R '<mapping action="create" client="client-z" vdev="0:0:0:0" lu="db1"/>')" 6; exc NOT_FOUND
api 1 "$(R '<mapping action="create" client="client-b" vdev="0:0:0:0" lu="nolu"/>')" 6; exc NOT_FOUND
api 1 "$(R '<mapping action="create" client="client-b" vdev="0:0:0:0" lu="db1" node="9"/>')" 6; exc UNAVAILABLE
api 1 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:1" lu="db1" node="2"/>')" 6; exc CONFLICT
api 1 "$(R '<mapping action="delete" client="client-b" vdev="0:0:0:0"/>')" 6; exc NOT_FOUND
api 1 "$(R '<mapping action="create" client="client-a" vdev="0:1:0:0" lu="db1"/>')" 6; exc BAD_VALUE
be_snapshot after
cmp -s "$ROOT/be.before" "$ROOT/be.after" || { diff "$ROOT/be.before" "$ROOT/be.after"; fail "a refused mapping changed the backend nodes"; }
ok "refusals: EXISTS, IN_USE, NOT_FOUND (client, LU, mapping), UNAVAILABLE, CONFLICT, BAD_VALUE; nodes and VTD table unchanged"

# --- shared="true": the LU attached read-write to client-a is shared with client-b, through node 2
api 1 "$(R '<mapping action="create" client="client-b" vdev="0:0:0:0" lu="db1" node="2" shared="true"/>')" 0 shared &
apid=$!
fe_wait 8 0 backend-id 102 20 || fail "the shared mapping wrote no frontend node"
front 8 102 0 inquiry:0 readcap:0:16777216 await:shared close &
fpid=$!
wait $apid || fail "shared mapping create"
touch "$ROOT/shared"
wait $fpid || { front_out 8 0; fail "client-b did not see the shared LUN"; }
has 'clientName="client-b" vdev="0:0:0:0" node="2"' shared; has 'poolLu="db1"' shared
api 3 "$(R '<mapping action="list"/>')"; [ "$(grep -c 'poolLu="db1"' "$ROOT/resp")" -eq 2 ] || fail "db1 not mapped twice"
api 3 "$(R '<mapping action="delete" client="client-b" vdev="0:0:0:0"/>')"
ok "shared=\"true\": db1 served to client-a by node 1 and to client-b by node 2; the second mapping deleted"

# --- delete through node 2: the nodes go, the event comes
api 2 "$(R '<mapping action="delete" client="client-a" vdev="0:0:0:0"/>')"
has 'object="mapping" action="delete"'; has 'vdev="0:0:0:0"'
be_read $VIOS1 7 0 state >/dev/null 2>&1 && fail "the vhost's backend nodes are left after delete"
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0 >/dev/null 2>&1 && fail "the VTD record is left after delete"
wait_for 20 grep -q '"action": "deleted", "type": "mapping", "key": "7:0:0:0:0", "by": "0", "via": "2"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "no deleted event on node 2"; }
api 1 "$(R '<mapping action="list"/>')"; [ "$(grep -c '<mapping ' "$ROOT/resp")" -eq 0 ] || fail "a mapping after delete"
api 3 "$(R '<lu action="delete" name="db1"/>')"
ok "mapping delete through node 2: backend nodes and VTD record removed, event seen, the LU deletable again"

# --- the typed commands announce their changes through the node the global options name
typed() { timeout 90 "$XVIOS" --root "$ROOT" "$@" >"$ROOT/typed.out" 2>&1 || { cat "$ROOT/typed.out"; fail "xvios $*"; }; }
typed --node 3 lu create db2 --size 8M --backing "$lu2"
wait_for 20 grep -q '"action": "created", "type": "LU", "key": "db2", "by": "0", "via": "3"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "node 2 saw no event for xvios --node 3 lu create"; }
typed --node 3 scsi attach client-b db2 0:0:0:0 --vios 2 &
apid=$!
fe_wait 8 0 backend-id 102 20 || fail "xvios scsi attach wrote no frontend node"
front 8 102 0 inquiry:0 await:typed close &
fpid=$!
wait $apid || fail "xvios scsi attach client-b"
touch "$ROOT/typed"
wait $fpid || { front_out 8 0; fail "client-b's frontend"; }
wait_for 20 grep -q '"action": "created", "type": "mapping", "key": "8:0:0:0:0", "by": "0", "via": "3"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "node 2 saw no event for xvios --node 3 scsi attach"; }
api 1 "$(R '<mapping action="get" client="client-b" vdev="0:0:0:0"/>')"; has 'node="2" lu="'"$lu2"'" poolLu="db2"'
typed --node 2 scsi detach client-b 0:0:0:0
wait_for 20 grep -q '"action": "deleted", "type": "mapping", "key": "8:0:0:0:0", "by": "0", "via": "2"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "no event for xvios --node 2 scsi detach"; }
typed --node 3 lu rm db2
wait_for 20 grep -q '"action": "deleted", "type": "LU", "key": "db2", "by": "0", "via": "3"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "no event for xvios --node 3 lu rm"; }
ok "xvios lu create/rm and scsi attach/detach with --node announce their Lifecycle events; node 2 saw each"
