#!/usr/bin/env bash
# vSCSI hot-plug while busy: a client keeps writing and verifying LUN 0;
# a second LUN is hot-added (backend 7 -> frontend 7 -> backend 8 -> frontend 4
# -> backend 4, dev-1 1 -> 3 -> 4), used by the client, and hot-removed
# (dev-1 5 -> 6, keys removed); LUN 0's I/O never fails meanwhile.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

up 1
client 7 client-a
lu0=$(lu_file a 32)
lu1=$(lu_file b 16)
vscsi_attach $VIOS1 7 0 0 "$lu0" 0:0:0:0
front 7 $VIOS1 0 busy:0:12 inquiry:0 close &
fpid=$!
be_wait $VIOS1 7 0 state 4 20 || fail "vhost never connected"
sleep 1
vscsi_attach $VIOS1 7 0 1 "$lu1" 0:0:0:1
fe_wait 7 0 vscsi-devs/dev-1/state 4 20 || fail "the frontend never added dev-1"
be_wait $VIOS1 7 0 vscsi-devs/dev-1/state 4 20 || fail "backend dev-1 never 4"
be_wait $VIOS1 7 0 state 4 20 || fail "vhost not back to Connected after the hot-add"
ok "hot-add while busy: dev-1 reached 4 on both sides, vhost Connected"
wait_for 20 grep -q '^ok: hot-added LUN 1: 1 MiB pattern' "$ROOT/front-7-0.out" || fail "the client did not use LUN 1"
ok "the client used the hot-added LUN"
vscsi_detach $VIOS1 7 0 1
fe_wait 7 0 vscsi-devs/dev-1/state 6 20 || fail "the frontend never removed dev-1"
ok "hot-remove while busy: dev-1 6, keys removed, vhost Connected"
wait $fpid
rc=$?
front_out 7 0
[ $rc -eq 0 ] || fail "the client's I/O on LUN 0 failed during hot-plug"
grep -q '^ok: busy LUN 0: .* 1 removed meanwhile' "$ROOT/front-7-0.out" || fail "busy summary"
grep -q 'dev-1 .* removed' "$ROOT/nodes/1/backend.log" || fail "backend did not log the removal"
grep -q 'LU .*lu-b.img closed' "$ROOT/nodes/1/backend.log" || fail "the removed LU was not closed"
ok "LUN 0 kept working throughout; the removed LU was closed"
