#!/usr/bin/env bash
# A VIOS rebuilding itself from the cluster DB (docs/vscsi.md, "Rebuilding a VIOS") on a 3-node
# loopback cluster with the vSCSI engine: client-a's vhost 0 on node 1 has db1 (attached by dom0) and
# db2 (hot-added through node 3, a record node 1 wrote itself); client-b's vhost 0 on node 1 has a
# file. Both clients write a pattern; client-a's frontend closes, client-b's stays connected. Node 1 is
# stopped, its backend configuration wiped, and started again with nothing local: its daemon writes
# client-a's vhost again from the VTD table alone (both LUNs, the backend dir's permissions as dom0
# gives them) and client-a's new frontend reads back both patterns through node 1; client-b's vhost
# is not rebuilt (its frontend never let go of the vanished one: that needs the client, then dom0),
# and the daemon says why. A second start finds client-a's vhost in place and writes nothing.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"
XS="$XVIOS_TESTS/vscsi_xs_tool"

R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
xv() { timeout 90 "$XVIOS" --root "$ROOT" "$@"; }
stop1() {
    for prog in "$@"; do
        pid=$(node_pid 1 $prog); [ -n "$pid" ] || fail "no $prog pid for node 1"
        kill -TERM "$pid"
        wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 1's $prog did not stop on SIGTERM"
    done
}
start1() {
    timeout 60 "$XVIOS" --root "$ROOT" local start --node 1 >"$ROOT/start.out" 2>&1 || { cat "$ROOT/start.out"; fail "local start --node 1"; }
}

up 3
client 7 client-a
client 8 client-b
lu=$(lu_file a 16)
lu2=$(lu_file b 8)
lu3=$(lu_file c 8)
xv --node 3 lu create db1 --size 16M --backing "$lu" >/dev/null 2>&1 || fail "lu create db1"
xv --node 3 lu create db2 --size 8M --backing "$lu2" >/dev/null 2>&1 || fail "lu create db2"

# --- client-a: db1 by dom0, db2 through node 3; a pattern on each; then its frontend closes
xv --node 3 scsi attach client-a db1 0:0:0:0 --vios 1 >"$ROOT/attach.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node for client-a"
front 7 $VIOS1 0 inquiry:0 fill:0:1:a5 await:attached follow:added fill:1:1:3c close &
fpid=$!
wait $apid || { cat "$ROOT/attach.out"; fail "attach db1 to client-a"; }
touch "$ROOT/attached"
R '<mapping action="create" client="client-a" vdev="0:0:0:1" lu="db2"/>' | timeout 60 "$VT" "$ROOT" 3 send >"$ROOT/create" 2>&1 \
    || { cat "$ROOT/create"; fail "the hot add of db2 asked of node 3"; }
touch "$ROOT/added"
wait $fpid || { front_out 7 0; fail "client-a's frontend"; }
[ "$("$XS" "$ROOT" read /local/domain/7/device/vscsi/0/state)" = "6" ] || fail "client-a's frontend did not close"
# --- client-b: a file by dom0, its frontend stays connected
xv --node 3 scsi attach client-b "$lu3" 0:0:0:0 --vios 1 >"$ROOT/attach-b.out" 2>&1 &
apid=$!
fe_wait 8 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node for client-b"
front 8 $VIOS1 0 inquiry:0 fill:0:1:77 touch:b-filled await:b-end &
bpid=$!
wait $apid || { cat "$ROOT/attach-b.out"; fail "attach the file to client-b"; }
wait_for 30 test -f "$ROOT/b-filled" || { front_out 8 0; fail "client-b did not write"; }
ok "node 1 serves client-a db1 and db2 (recorded by dom0 and by node 1) and client-b a file; both wrote a pattern; client-a's frontend closed"

# --- node 1 stopped, its backend configuration wiped, started again with nothing local
stop1 xviosd backend
"$XS" "$ROOT" rm /local/domain/$VIOS1/backend/vscsi || fail "wiping node 1's backend dirs"
"$XS" "$ROOT" read /local/domain/$VIOS1/backend/vscsi/7/0/state >/dev/null 2>&1 && fail "node 1's backend dir is still there"
start1
grep -q "^node 1: up$" "$ROOT/start.out" || { cat "$ROOT/start.out"; fail "node 1 did not come up"; }
wait_for 20 grep -q 'rebuild: node 1: 2 vhost(s) recorded, 1 rebuilt (2 LUN(s)), 1 not rebuilt' "$ROOT/nodes/1/xviosd.log" \
    || { grep rebuild "$ROOT/nodes/1/xviosd.log"; fail "node 1's daemon did not rebuild client-a's vhost"; }
grep -q 'rebuild: vhost 0 of domain 8 not rebuilt: the client.s frontend is still in state 4' "$ROOT/nodes/1/xviosd.log" \
    || { grep rebuild "$ROOT/nodes/1/xviosd.log"; fail "node 1 did not say why client-b's vhost is not rebuilt"; }
be_read $VIOS1 8 0 state >/dev/null 2>&1 && fail "client-b's vhost was rebuilt under its connected frontend"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-0/p-dev)" = "$lu" ] || fail "the rebuilt dev-0 does not name db1's backing"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-0/xvios-lu)" = "db1" ] || fail "the rebuilt dev-0 does not name pool LU db1"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-1/xvios-lu)" = "db2" ] || fail "the rebuilt dev-1 does not name pool LU db2"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-1/v-dev)" = "0:0:0:1" ] || fail "the rebuilt dev-1's v-dev"
[ "$(be_read $VIOS1 7 0 frontend)" = "/local/domain/7/device/vscsi/0" ] || fail "the rebuilt backend's frontend"
[ "$(be_read $VIOS1 7 0 xvios-client-uuid)" = "$(cat "$ROOT/domains/7/uuid")" ] || fail "the rebuilt backend's client uuid"
[ "$("$XS" "$ROOT" perms /local/domain/$VIOS1/backend/vscsi/7/0)" = "$VIOS1:n 7:r" ] || fail "the rebuilt backend dir's permissions"
[ "$("$XS" "$ROOT" perms /local/domain/$VIOS1/backend/vscsi/7/0/vscsi-devs/dev-1/p-dev)" = "$VIOS1:n 7:r" ] \
    || fail "the rebuilt dev-1's permissions"
[ "$("$XS" "$ROOT" perms /local/domain/$VIOS1/backend/vscsi/7)" = "$VIOS1:n" ] || fail "the rebuilt parent's permissions"
ok "node 1 restarted with nothing local: its daemon wrote client-a's vhost again from the VTD table (db1 and db2, permissions as dom0 gives them); client-b's left alone (frontend still connected), and logged why"

# --- client-a's frontend connects again and reads both patterns back through node 1
front 7 $VIOS1 0 inquiry:0 readcap:0:16777216 expect:0:1:a5 readcap:1:8388608 expect:1:1:3c close \
    || { front_out 7 0; backend_log 1 | tail -20; fail "client-a did not read its data back through the rebuilt node 1"; }
ok "client-a read back db1's and db2's patterns through the rebuilt vhost"

# --- a second start: client-a's vhost is in place, nothing is written
stop1 xviosd
start1
wait_for 20 sh -c "[ \$(grep -c 'rebuild: node 1:' '$ROOT/nodes/1/xviosd.log') -ge 2 ]" || fail "the second start did not report"
grep 'rebuild: node 1:' "$ROOT/nodes/1/xviosd.log" | tail -1 | grep -q '2 vhost(s) recorded, 0 rebuilt (0 LUN(s)), 1 not rebuilt' \
    || { grep rebuild "$ROOT/nodes/1/xviosd.log"; fail "the second start rebuilt something"; }
touch "$ROOT/b-end"
wait $bpid || true   # client-b's frontend lost its backend: its exit says nothing more here
ok "a second start of node 1's daemon found client-a's vhost in place"
