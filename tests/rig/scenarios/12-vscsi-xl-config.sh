#!/bin/sh
# 12-vscsi-xl-config - the disks of a client described in its xl config:
# `xvios scsi attach --config FILE` in dom0 reads `name` and the
# `vscsi = [ 'LU,h:c:t:l[,ro]', ... ]` list (libxlutil) and attaches them in
# order. client1 gets two LUs of vios1 on vhost 2, the second read-only: both
# disks show up with their sizes, the read-only one refuses a write (the client
# sees it write-protected), `xvios scsi list --json` names both. A config whose
# second LU does not exist in the VIOS attaches nothing (the first entry is
# rolled back). Detaching both takes the vhost down.
# rig-timeout: 240
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LUA=/tmp/lu/rig12-a.img
LUB=/tmp/lu/rig12-b.img
CFG=$RIG_STATE/12-client1.cfg
BAD=$RIG_STATE/12-bad.cfg
cleanup() {
    rig_scsi_detach client1 2:0:1:0 >/dev/null 2>&1
    rig_scsi_detach client1 2:0:0:0 >/dev/null 2>&1
    rig_domu_run vios1 10 "rm -f $LUA $LUB" >/dev/null 2>&1
}
rig_lu_create vios1 $LUA 24 && rig_lu_create vios1 $LUB 8 || { rig_fail lus-created "truncate in vios1 failed"; exit 1; }
node=$(rig_node_of vios1)

cat >"$CFG" <<EOF
# a client's xl config: xl reads the rest, xvios the vscsi list
name = "client1"
memory = 128
vscsi = [ '$LUA,2:0:0:0', '$LUB,2:0:1:0,ro' ]
EOF
t0=$(rig_now)
if out=$(rig_scsi_run scsi attach --config "$CFG" --vios "$node" --timeout $RIG_SCSI_TIMEOUT_MS 2>&1); then
    rig_pass "attach-config-two-luns ($(rig_secs_since "$t0")s)"
else
    rig_fail attach-config-two-luns "$out"; cleanup; exit 1
fi
da=$(rig_scsi_disk client1 2:0:0:0)
db=$(rig_scsi_disk client1 2:0:1:0)
sizes=$(rig_domu_run client1 10 "echo \$((\$(cat /sys/block/$da/size) / 2048)) \$((\$(cat /sys/block/$db/size) / 2048)) \$(cat /sys/block/$db/ro)" 2>&1)
[ -n "$da" ] && [ -n "$db" ] && [ "$sizes" = "24 8 1" ] && rig_pass "disks-$da-24MiB-$db-8MiB-ro" ||
    rig_fail disks-sizes-ro "'$da' '$db': $sizes"
out=$(rig_domu_run client1 30 "$RIG_BLK write /dev/$da 24 1212 && $RIG_BLK verify /dev/$da 24 1212" 2>&1)
[ $? = 0 ] && rig_pass rw-disk-pattern || rig_fail rw-disk-pattern "$out"
out=$(rig_domu_run client1 30 "$RIG_BLK write /dev/$db 1 1212" 2>&1)
[ $? != 0 ] && rig_pass "ro-disk-refuses-write ($(echo "$out" | tail -n 1))" || rig_fail ro-disk-refuses-write "$out"
js=$(xvios scsi list client1 --json 2>&1)
if echo "$js" | grep -q "\"$LUA\"" && echo "$js" | grep -q "\"$LUB\"" && echo "$js" | grep -q '"2:0:1:0"'; then
    rig_pass scsi-list-json-both
else
    rig_fail scsi-list-json-both "$js"
fi
cleanup
if xenstore-exists "$(rig_scsi_be client1 vios1 2)"; then
    rig_fail detached-both-vhost-gone "$(xenstore-ls "$(rig_scsi_be client1 vios1 2)" 2>&1 | head -n 4)"
else
    rig_pass detached-both-vhost-gone
fi

# all or nothing: the second LU is no file in the VIOS, so the first is detached again
cat >"$BAD" <<EOF
name = "client1"
vscsi = [ '$LUA,2:0:0:0', '/tmp/lu/rig12-missing.img,2:0:1:0' ]
EOF
rig_lu_create vios1 $LUA 24 >/dev/null
xvios scsi attach --config "$BAD" --vios "$node" --timeout $RIG_SCSI_TIMEOUT_MS >/dev/null 2>"$RIG_STATE/12-bad.err"
rc=$?
if [ $rc != 0 ] && ! xenstore-exists "$(rig_scsi_be client1 vios1 2)" &&
    rig_wait_for 15 sh -c ". /rig/lib.sh; [ -z \"\$(rig_scsi_disk client1 2:0:0:0)\" ]"; then
    rig_pass "bad-config-rolled-back (exit $rc: $(tail -n 1 "$RIG_STATE/12-bad.err"))"
else
    rig_fail bad-config-rolled-back "exit $rc: $(tail -n 3 "$RIG_STATE/12-bad.err"); $(xenstore-ls "$(rig_scsi_be client1 vios1 2)" 2>&1 | head -n 4)"
fi
cleanup
