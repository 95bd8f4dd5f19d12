#!/bin/sh
# 56-objects-anynode - any operation from any node on real Xen (docs/api.md, "Where a request runs"):
# client1's vhost 6 is made on vios1 by dom0; a LUN for it asked of vios2's daemon (`xvios api` run
# inside vios2) is checked by vios2 and hot-added by vios1 in its own backend dir through
# Reconfiguring, answered node=<vios1's node>; the dev-N nodes vios1 wrote and their permissions, the
# VTD record vios1 now owns, and client1's Linux xen-scsifront seeing the disk (sg_readcap -l) are read
# back; a new vhost asked of vios2 is refused DOM0_ONLY with nothing written; the LUN's removal asked
# of vios2 is made by vios1 (the disk leaves client1, the record goes).
# rig-timeout: 300
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU0=/tmp/lu/rig56a.img
LU1=/tmp/lu/rig56b.img
n1=$(rig_node_of vios1)
n2=$(rig_node_of vios2)
c=$(rig_domid client1)
v1=$(rig_domid vios1)
B=$(rig_scsi_be client1 vios1 6)
KEY=/xvios/vtds/$c-6-0-0-1
cleanup() {
    rig_scsi_detach client1 6:0:0:1 >/dev/null 2>&1
    rig_scsi_detach client1 6:0:0:0 >/dev/null 2>&1
    rig_domu_run vios1 10 "rm -f $LU0 $LU1" >/dev/null 2>&1
}
# vio2 XML: the vioRequest run by the xvios of vios2 against vios2's own daemon; its vioResponse on stdout
vio2() { rig_domu_run vios2 60 "printf '%s' $(rig_shell_quote "$1") | xvios api"; }

rig_lu_create vios1 $LU0 16 && rig_lu_create vios1 $LU1 24 || { rig_fail lus-created "truncate in vios1 failed"; exit 1; }
out=$(rig_scsi_attach client1 vios1 $LU0 6:0:0:0 2>&1) || { rig_fail vhost6-by-dom0 "$out"; cleanup; exit 1; }
rig_pass vhost6-by-dom0

# the hot add asked of vios2, made by vios1
t0=$(rig_now)
out=$(vio2 "<vioRequest version=\"1\"><mapping action=\"create\" client=\"client1\" vdev=\"6:0:0:1\" lu=\"$LU1\"/></vioRequest>" 2>&1)
if echo "$out" | grep -q "status=\"ok\" node=\"$n1\" object=\"mapping\" action=\"create\"" &&
    echo "$out" | grep -q "vdev=\"6:0:0:1\" node=\"$n1\" lu=\"$LU1\" readOnly=\"false\" state=\"connected\""; then
    rig_pass "create-asked-of-vios2-made-by-vios1 ($(rig_secs_since "$t0")s)"
else
    rig_fail create-asked-of-vios2-made-by-vios1 "$out"; cleanup; exit 1
fi
dev=$(xenstore-list "$B/vscsi-devs" 2>/dev/null | while read -r d; do
    [ "$(xenstore-read "$B/vscsi-devs/$d/v-dev" 2>/dev/null)" = "6:0:0:1" ] && echo "$d"; done)
if [ -n "$dev" ] && rig_xs_is "$B/vscsi-devs/$dev/p-dev" "$LU1" && rig_xs_is "$B/vscsi-devs/$dev/state" 4 &&
    rig_xs_is "$B/state" 4; then
    rig_pass "vios1-wrote-$dev"
else
    rig_fail vios1-wrote-dev "$(xenstore-ls "$B" 2>&1 | tail -n 20)"
fi
perms=$(xenstore-ls -p "$B/vscsi-devs" 2>&1 | grep "^$dev ")
echo "$perms" | grep -q "(n$v1,r$c)" && rig_pass dev-perms-vios1-owns-client-reads || rig_fail dev-perms-vios1-owns-client-reads "$perms"
perms=$(xenstore-ls -p /xvios/vtds 2>&1 | grep "^$c-6-0-0-1 ")
ok=1
echo "$perms" | grep -q "(n$v1," || ok=0
echo "$perms" | grep -q "r$(rig_domid vios2)" || ok=0
echo "$perms" | grep -q "[rwb]$c[,)]" && ok=0
[ $ok = 1 ] && rig_pass vtd-record-vios1s || rig_fail vtd-record-vios1s "$perms"
rig_xs_raw $KEY | grep -qx "node=$n1" && rig_pass vtd-record-names-vios1 || rig_fail vtd-record-names-vios1 "$(rig_xs_raw $KEY)"
d1=$(rig_scsi_disk client1 6:0:0:1)
rc16=$(rig_domu_run client1 15 "sg_readcap -l /dev/$d1" 2>&1)
blocks=$(echo "$rc16" | sed -n 's/.*Number of logical blocks=\([0-9]*\).*/\1/p')
bsz=$(echo "$rc16" | sed -n 's/.*Logical block length=\([0-9]*\) bytes.*/\1/p')
if [ -n "$d1" ] && [ -n "$blocks" ] && [ -n "$bsz" ] && [ $((blocks * bsz)) = $((24 << 20)) ]; then
    rig_pass "client1-sees-$d1-sg_readcap-$blocks-x-$bsz"
else
    rig_fail client1-sees-disk "disk '$d1': $rc16"
fi

# a new vhost asked of vios2: dom0's; nothing written
out=$(vio2 "<vioRequest version=\"1\"><mapping action=\"create\" client=\"client1\" vdev=\"7:0:0:0\" lu=\"$LU1\"/></vioRequest>" 2>&1)
if echo "$out" | grep -q 'VIOException code="DOM0_ONLY">a new adapter needs dom0' &&
    ! xenstore-exists "$(rig_scsi_be client1 vios1 7)" && ! xenstore-exists "$(rig_scsi_be client1 vios2 7)" &&
    ! xenstore-exists /xvios/vtds/$c-7-0-0-0; then
    rig_pass new-vhost-dom0-only
else
    rig_fail new-vhost-dom0-only "$out"
fi

# the removal asked of vios2, made by vios1
out=$(vio2 "<vioRequest version=\"1\"><mapping action=\"delete\" client=\"client1\" vdev=\"6:0:0:1\"/></vioRequest>" 2>&1)
echo "$out" | grep -q "status=\"ok\" node=\"$n1\" object=\"mapping\" action=\"delete\"" &&
    rig_pass delete-asked-of-vios2-made-by-vios1 || rig_fail delete-asked-of-vios2-made-by-vios1 "$out"
if ! xenstore-exists "$B/vscsi-devs/$dev" && ! xenstore-exists $KEY && rig_xs_is "$B/state" 4 &&
    [ -z "$(rig_scsi_disk client1 6:0:0:1)" ]; then
    rig_pass lun-and-record-gone
else
    rig_fail lun-and-record-gone "$(xenstore-ls "$B" 2>&1 | tail -n 12)"
fi
rig_check detached-vhost6 rig_scsi_detach client1 6:0:0:0
cleanup
