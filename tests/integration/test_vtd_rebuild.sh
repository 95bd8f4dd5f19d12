#!/usr/bin/env bash
# The VTD table and the rebuild on a 3-node loopback cluster with the vSCSI engine (docs/vscsi.md,
# "Rebuilding a VIOS"): pool LU db1 is mapped to client-a through node 1 and a file to client-b through
# node 2; node 1 is stopped, its backend configuration wiped (/local/domain/101/backend/vscsi) and
# client-a's frontend dir removed (so node 1's daemon cannot rebuild the vhost itself), and it is
# started again with nothing local. Every node's daemon still lists both mappings (the DB's VTD
# table); `xvios scsi rebuild --vios 1` in dom0 writes node 1's vhost again from the table alone, and
# client-a's frontend reads back through node 1 the MiB it wrote before the wipe; node 2's mapping is untouched; a second
# rebuild finds everything in place; a mapping whose VIOS was wiped can still be deleted (its record
# goes).
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"
XS="$XVIOS_TESTS/vscsi_xs_tool"

R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
# list NODE: the mapping list from that node's daemon into $ROOT/list.NODE
list() {
    R '<mapping action="list"/>' | timeout 60 "$VT" "$ROOT" "$1" send >"$ROOT/list.$1" 2>&1 \
        || { cat "$ROOT/list.$1"; fail "mapping list from node $1"; }
}
xv() { timeout 90 "$XVIOS" --root "$ROOT" "$@"; }

up 3
client 7 client-a
client 8 client-b
lu=$(lu_file a 16)
lu2=$(lu_file b 8)
xv --node 3 lu create db1 --size 16M --backing "$lu" >/dev/null 2>&1 || fail "lu create db1"

# --- the two mappings, each taken by its client's frontend
xv --node 3 scsi attach client-a db1 0:0:0:0 --vios 1 >"$ROOT/attach-a.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node for client-a"
front 7 $VIOS1 0 inquiry:0 readcap:0:16777216 fill:0:1:a5 await:a-attached close &
fpid=$!
wait $apid || { cat "$ROOT/attach-a.out"; fail "attach db1 to client-a"; }
touch "$ROOT/a-attached"
wait $fpid || { front_out 7 0; fail "client-a did not see the LUN"; }
xv --node 3 scsi attach client-b "$lu2" 0:0:0:0 --vios 2 --ro >"$ROOT/attach-b.out" 2>&1 &
apid=$!
fe_wait 8 0 backend-id 102 20 || fail "attach wrote no frontend node for client-b"
front 8 102 0 inquiry:0 await:b-attached &
fpid=$!
wait $apid || { cat "$ROOT/attach-b.out"; fail "attach the file to client-b"; }
touch "$ROOT/b-attached"
wait $fpid || { front_out 8 0; fail "client-b did not see the LUN"; }
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0 >/dev/null || fail "no VTD record of client-a's LUN"
"$XS" "$ROOT" read /xvios/vtds/8-0-0-0-0 >/dev/null || fail "no VTD record of client-b's LUN"
xv scsi rebuild --vios 1 >"$ROOT/rebuild0.out" 2>&1 || { cat "$ROOT/rebuild0.out"; fail "rebuild with nothing wiped"; }
grep -q '^node 1: 1 mapping recorded, 1 in place, 0 rebuilt, 0 failed$' "$ROOT/rebuild0.out" \
    || { cat "$ROOT/rebuild0.out"; fail "a rebuild with nothing wiped did something"; }
ok "db1 served to client-a by node 1, a file to client-b by node 2; both in the VTD table; nothing to rebuild"

# --- node 1 is stopped, its backend configuration wiped, and started again with nothing local
for prog in xviosd backend; do
    pid=$(node_pid 1 $prog); [ -n "$pid" ] || fail "no $prog pid for node 1"
    kill -TERM "$pid"
    wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 1's $prog did not stop on SIGTERM"
done
"$XS" "$ROOT" rm /local/domain/$VIOS1/backend/vscsi || fail "wiping node 1's backend dirs"
"$XS" "$ROOT" read /local/domain/$VIOS1/backend/vscsi/7/0/state >/dev/null 2>&1 && fail "node 1's backend dir is still there"
# the client's frontend dir goes too: node 1's daemon cannot write it back (only dom0 may), so it leaves the
# vhost to dom0's rebuild (a VIOS rebuilding itself: test_vio_self_rebuild.sh)
"$XS" "$ROOT" rm /local/domain/7/device/vscsi/0 || fail "removing client-a's frontend dir"
timeout 60 "$XVIOS" --root "$ROOT" local start --node 1 >"$ROOT/start.out" 2>&1 || { cat "$ROOT/start.out"; fail "local start --node 1"; }
grep -q "^node 1: up$" "$ROOT/start.out" || { cat "$ROOT/start.out"; fail "node 1 did not come up"; }
wait_for 20 grep -q 'rebuild: vhost 0 of domain 7 not rebuilt: no frontend dir' "$ROOT/nodes/1/xviosd.log" \
    || { grep rebuild "$ROOT/nodes/1/xviosd.log"; fail "node 1's daemon did not leave client-a's vhost to dom0"; }
# the DB still knows both mappings: every daemon, node 1's restarted one too, lists them
for n in 1 2 3; do
    list $n
    grep -q "<mapping client=\"7\" clientName=\"client-a\" vdev=\"0:0:0:0\" node=\"1\" lu=\"$lu\" poolLu=\"db1\" readOnly=\"false\"/>" "$ROOT/list.$n" \
        || { cat "$ROOT/list.$n"; fail "node $n does not list client-a's mapping"; }
    grep -q "<mapping client=\"8\" clientName=\"client-b\" vdev=\"0:0:0:0\" node=\"2\" lu=\"$lu2\" readOnly=\"true\"/>" "$ROOT/list.$n" \
        || { cat "$ROOT/list.$n"; fail "node $n does not list client-b's mapping"; }
done
xv scsi list >"$ROOT/scsi-list.out" 2>&1 || { cat "$ROOT/scsi-list.out"; fail "xvios scsi list"; }
grep -q '^recorded in the cluster DB but served by no VIOS' "$ROOT/scsi-list.out" \
    && grep -q '^client-a(7) 0:0:0:0 node 1 w db1$' "$ROOT/scsi-list.out" \
    || { cat "$ROOT/scsi-list.out"; fail "scsi list does not show client-a's mapping as unserved"; }
ok "node 1 restarted with its backend dirs wiped; nodes 1, 2 and 3 still list both mappings from the VTD table; scsi list shows it unserved"

# --- the rebuild: node 1's vhost written again from the table; client-a's frontend connects and reads
xv scsi rebuild --vios 1 >"$ROOT/rebuild.out" 2>&1 &
rpid=$!
fe_wait 7 0 state 1 20 || { cat "$ROOT/rebuild.out"; fail "the rebuild wrote no fresh frontend dir"; }
front 7 $VIOS1 0 inquiry:0 readcap:0:16777216 expect:0:1:a5 await:rebuilt close &
fpid=$!
wait $rpid || { cat "$ROOT/rebuild.out"; fail "xvios scsi rebuild --vios 1"; }
touch "$ROOT/rebuilt"
wait $fpid || { front_out 7 0; backend_log 1 | tail -20; fail "client-a did not see the rebuilt LUN"; }
grep -q '^node 1: 1 mapping recorded, 0 in place, 1 rebuilt, 0 failed$' "$ROOT/rebuild.out" \
    || { cat "$ROOT/rebuild.out"; fail "the rebuild's summary"; }
grep -q '^ok: READ CAPACITY(16) LUN 0: 16777216 bytes' "$ROOT/front-7-0.out" \
    || { front_out 7 0; fail "no READ CAPACITY answer through the rebuilt node 1"; }
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-0/p-dev)" = "$lu" ] || fail "node 1's rebuilt backend does not name db1's backing"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-0/xvios-lu)" = "db1" ] || fail "node 1's rebuilt backend does not name pool LU db1"
[ "$("$XS" "$ROOT" perms /local/domain/$VIOS1/backend/vscsi/7/0)" = "$VIOS1:n 7:r" ] \
    || fail "the rebuilt backend dir's permissions"
[ "$(be_read 102 8 0 vscsi-devs/dev-0/p-dev)" = "$lu2" ] || fail "node 2's mapping was touched"
xv scsi rebuild --vios 1 >"$ROOT/rebuild2.out" 2>&1 || { cat "$ROOT/rebuild2.out"; fail "a second rebuild"; }
grep -q '^node 1: 1 mapping recorded, 1 in place, 0 rebuilt, 0 failed$' "$ROOT/rebuild2.out" \
    || { cat "$ROOT/rebuild2.out"; fail "a second rebuild did something"; }
xv scsi list >"$ROOT/scsi-list2.out" 2>&1 || fail "xvios scsi list after the rebuild"
grep -q 'served by no VIOS' "$ROOT/scsi-list2.out" && { cat "$ROOT/scsi-list2.out"; fail "still unserved after the rebuild"; }
ok "xvios scsi rebuild --vios 1: the vhost written again from the DB, client-a read back its data through node 1; node 2 untouched"

# --- a mapping whose VIOS's nodes are gone can still be deleted: its record goes
"$XS" "$ROOT" rm /local/domain/102/backend/vscsi || fail "wiping node 2's backend dirs"
R '<mapping action="delete" client="client-b" vdev="0:0:0:0"/>' | timeout 90 "$XVIOS" --root "$ROOT" --node 2 api \
    >"$ROOT/del.out" 2>"$ROOT/del.err" || { cat "$ROOT/del.out" "$ROOT/del.err"; fail "mapping delete of a wiped VIOS's mapping"; }
grep -q 'state="absent"' "$ROOT/del.out" || { cat "$ROOT/del.out"; fail "the delete's answer"; }
"$XS" "$ROOT" read /xvios/vtds/8-0-0-0-0 >/dev/null 2>&1 && fail "the deleted mapping's VTD record is left"
list 3
grep -q 'client="8"' "$ROOT/list.3" && { cat "$ROOT/list.3"; fail "node 3 still lists the deleted mapping"; }
grep -q 'client="7"' "$ROOT/list.3" || fail "node 3 lost client-a's mapping"
ok "a wiped VIOS's mapping deleted through the API: its VTD record removed, no longer listed"
