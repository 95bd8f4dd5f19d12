#!/usr/bin/env bash
# The dom0 commands against the real engine: `xvios scsi attach` writes the
# nodes and waits until the (loopback) frontend has the LUN, the client does
# I/O through the VIOS, a second LUN is hot-added with `attach` while the
# first is busy and taken away with `detach`, `list --json` shows what is
# served, an xl config attaches through `attach --config`, and the refusals
# keep their exit codes.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

scsi() { timeout 120 "$XVIOS" --root "$ROOT" "$@"; }

up 2
client 7 client-a
client 8 client-b
lu0=$(lu_file a 32)
lu1=$(lu_file b 16)
lu2=$(lu_file c 8)

# attach waits for the frontend: start it, then the client connects
scsi scsi attach client-a "$lu0" 0:0:0:0 --vios 1 >"$ROOT/attach0.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id 101 20 || fail "attach wrote no frontend node"
front 7 $VIOS1 0 inquiry:0 readcap:0:33554432 busy:0:10 inquiry:0 close &
fpid=$!
wait $apid || { cat "$ROOT/attach0.out"; fail "xvios scsi attach failed"; }
ok "attach: the client has the LUN (exit 0 once the frontend's dev-0 was 4)"

scsi --json scsi list client-a >"$ROOT/list.json" || fail "scsi list"
json_check "$ROOT/list.json" "len(j['luns']) == 1 and j['luns'][0]['vdev'] == '0:0:0:0'" || fail "list after attach"
ok "list --json shows the LUN"

# refusals, while the first LUN is busy
scsi scsi attach client-a "$lu2" 0:0:0:0 --vios 1 >/dev/null 2>&1; rc=$?
[ $rc -eq 14 ] || fail "a taken vdev: exit $rc, wanted 14"
scsi scsi attach client-b "$lu0" 0:0:0:0 --vios 1 --timeout 2000 >/dev/null 2>&1; rc=$?
[ $rc -eq 13 ] || fail "an LU in use read-write elsewhere: exit $rc, wanted 13"
scsi scsi attach client-c "$lu2" 0:0:0:0 --vios 1 >/dev/null 2>&1; rc=$?
[ $rc -eq 10 ] || fail "an unknown client: exit $rc, wanted 10"
scsi scsi attach client-b "$lu2" 0:0:0:0 --vios 9 >/dev/null 2>&1; rc=$?
[ $rc -eq 11 ] || fail "a VIOS that is not a member: exit $rc, wanted 11"
ok "refusals: vdev taken 14, LU in use 13, no client 10, no VIOS 11"

# hot add through the command while LUN 0 is busy, then hot remove
scsi scsi attach client-a "$lu1" 0:0:0:1 --timeout 60000 >"$ROOT/attach1.out" 2>&1 || { cat "$ROOT/attach1.out"; fail "hot-add attach"; }
ok "hot-add with attach: the busy client took LUN 1"
wait_for 20 grep -q '^ok: hot-added LUN 1: 1 MiB pattern' "$ROOT/front-7-0.out" || fail "the client did not use LUN 1"
scsi scsi detach client-a 0:0:0:1 >"$ROOT/detach1.out" 2>&1 || { cat "$ROOT/detach1.out"; fail "detach"; }
be_read $VIOS1 7 0 vscsi-devs/dev-1/state >/dev/null 2>&1 && fail "dev-1 keys left after detach"
ok "detach: dev-1 gone, the vhost serves LUN 0 on"

wait $fpid; rc=$?
front_out 7 0
[ $rc -eq 0 ] || fail "the client's I/O failed"
grep -q '^ok: busy LUN 0: .* 1 removed meanwhile' "$ROOT/front-7-0.out" || fail "busy summary"
ok "LUN 0 kept working through attach and detach of LUN 1"

# the client closed its vhost: detaching its last LUN removes the vhost
scsi scsi detach client-a 0:0:0:0 >/dev/null 2>&1 || fail "detach of the last LUN"
be_read $VIOS1 7 0 state >/dev/null 2>&1 && fail "the vhost's backend dir is left"
ok "detach of the last LUN removed the vhost"

# an xl config: every vscsi entry, all or none
cat >"$ROOT/client-b.cfg" <<EOF
name = "client-b"
vscsi = [ '$lu1,0:0:0:0', '$lu2,0:0:0:1,ro' ]
EOF
scsi scsi attach --config "$ROOT/client-b.cfg" --vios 2 >"$ROOT/attachcfg.out" 2>&1 &
apid=$!
fe_wait 8 0 backend-id 102 20 || fail "attach --config wrote no frontend node"
front 8 102 0 inquiry:0 inquiry:1 readcap:1:8388608 pattern:0:4:8:64 close &
fpid=$!
wait $apid || { cat "$ROOT/attachcfg.out"; front_out 8 0; fail "attach --config"; }
wait $fpid || { front_out 8 0; fail "client-b's I/O"; }
scsi --json scsi list client-b >"$ROOT/listb.json" || fail "scsi list client-b"
json_check "$ROOT/listb.json" "len(j['luns']) == 2" || fail "list after attach --config"
ok "attach --config: both entries served by VIOS 2, the client used them"
