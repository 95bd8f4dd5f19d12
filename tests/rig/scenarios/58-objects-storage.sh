#!/bin/sh
# 58-objects-storage - the storage view on real Xen (docs/pool.md, "The storage view" and "Usage"):
# a pool LU on the shared disk every VIOS sees as /dev/xvdb, attached read-write to client1 through
# vios1. `xvios --via <node 3> storage` in dom0: vios3's daemon fans STORAGE_INFO out; every VIOS
# reports /dev/xvdb as a block device of the image's size (sysfs) with its identity, vios1 the LU
# with the WWN client1 reads in VPD 0x83 and client1's vhost; the usage as vios3 reads the VTD table
# names client1 through vios1. client2's read-write attach through vios2 is refused without
# --shared; with it, both are listed as sharing the LU and client2 reads the same WWN. Leaves nothing.
# rig-timeout: 300
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
if out=$(rig_shared_disk_up 64 $RIG_VIOS 2>&1); then
    rig_pass shared-disk-in-every-vios
else
    rig_fail shared-disk-in-every-vios "$out"; exit 1
fi
LU=pool58
VDEV=0:0:0:0
n1=$(rig_node_of vios1)
n2=$(rig_node_of vios2)
n3=$(rig_node_of vios3)
c1=$(rig_domid client1)
c2=$(rig_domid client2)
size=$(stat -c %s $RIG_SHARED_IMG 2>/dev/null || wc -c <$RIG_SHARED_IMG)
cleanup() {
    rig_scsi_detach client2 $VDEV >/dev/null 2>&1
    rig_scsi_detach client1 $VDEV >/dev/null 2>&1
    xvios lu rm $LU >/dev/null 2>&1
}
xvios lu rm $LU >/dev/null 2>&1
rig_check lu-created xvios lu create $LU --size 16M --offset 24M --backing $RIG_SHARED_DEV || exit 1
wwn=$(rig_json_str "$(xvios lu show $LU --json 2>&1)" wwn)
[ ${#wwn} = 36 ] || { rig_fail lu-wwn "'$wwn'"; cleanup; exit 1; }
out=$(rig_scsi_run scsi attach client1 $LU $VDEV --vios "$n1" --timeout $RIG_SCSI_TIMEOUT_MS 2>&1) ||
    { rig_fail attached-client1-through-vios1 "$out"; cleanup; exit 1; }
rig_pass attached-client1-through-vios1
d1=$(rig_scsi_disk client1 $VDEV)
naa() { rig_domu_run "$1" 15 "sg_vpd -p 0x83 /dev/$2" 2>&1 | sed -n 's/.*0x\(6[0-9a-f]\{31\}\).*/\1/p' | head -n 1; }
v1=$(naa client1 "$d1")
[ "naa.$v1" = "$wwn" ] && rig_pass client1-vpd83-is-the-pools || rig_fail client1-vpd83-is-the-pools "'$v1' '$wwn'"

# the merged view, asked of vios3's daemon over dom0's management link
view=$(xvios --via "$n3" storage --timeout 3000 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass storage-via-vios3-all-answered || rig_fail storage-via-vios3-all-answered "exit $rc: $view"
section() { echo "$view" | awk -v h="node $1 (" 'index($0, h) == 1 { p = 1; print; next } /^node |^usage/ { p = 0 } p'; }
ok=1
for v in $RIG_VIOS; do
    s=$(section "$(rig_node_of "$v")")
    echo "$s" | grep -Eq "^  backing $RIG_SHARED_DEV: ok, $size bytes, (engine id naa\.6[0-9a-f]{31}|device id [!-~]+)\$" ||
        { ok=0; rig_fail "backing-seen-by-$v" "$s"; }
done
[ $ok = 1 ] && rig_pass "every-vios-sees-$RIG_SHARED_DEV-of-$size-bytes"
s1=$(section "$n1")
echo "$s1" | grep -qx "  lu $LU $wwn: 16777216 bytes of $RIG_SHARED_DEV" &&
    echo "$s1" | grep -qx "  vhost client $c1 (client1) vhost 0 LUN $VDEV rw state 4 lu $wwn" &&
    rig_pass vios1-reports-the-lu-and-vhost || rig_fail vios1-reports-the-lu-and-vhost "$s1"
echo "$view" | grep -qx "  lu $LU client $c1 $VDEV through node $n1 rw" &&
    rig_pass vios3-knows-client1-uses-the-lu || rig_fail vios3-knows-client1-uses-the-lu "$view"

# client2 read-write through vios2: refused without --shared, accepted with it, then listed shared
out=$(xvios scsi attach client2 $LU $VDEV --vios "$n2" --timeout $RIG_SCSI_TIMEOUT_MS 2>&1)
rc=$?
[ $rc = 13 ] && rig_pass second-rw-attach-refused || rig_fail second-rw-attach-refused "exit $rc: $out"
out=$(rig_scsi_run scsi attach client2 $LU $VDEV --vios "$n2" --shared --timeout $RIG_SCSI_TIMEOUT_MS 2>&1) ||
    { rig_fail shared-attach "$out"; cleanup; exit 1; }
rig_pass shared-attach
d2=$(rig_scsi_disk client2 $VDEV)
v2=$(naa client2 "$d2")
[ "naa.$v2" = "$wwn" ] && rig_pass client2-vpd83-same-wwn || rig_fail client2-vpd83-same-wwn "'$v2' '$wwn'"
view=$(xvios --via "$n2" storage --timeout 3000 2>&1)
echo "$view" | grep -qx "  lu $LU client $c1 $VDEV through node $n1 rw  shared with client $c2 $VDEV (node $n2, rw)" &&
    echo "$view" | grep -qx "  lu $LU client $c2 $VDEV through node $n2 rw  shared with client $c1 $VDEV (node $n1, rw)" &&
    rig_pass listed-shared-via-vios2 || rig_fail listed-shared-via-vios2 "$view"
xvios scsi list client2 2>&1 | grep -q "shared with domain $c1 $VDEV node $n1 w" &&
    rig_pass scsi-list-shared || rig_fail scsi-list-shared "$(xvios scsi list client2 2>&1)"

rig_check detached-client2 rig_scsi_detach client2 $VDEV
rig_check detached-client1 rig_scsi_detach client1 $VDEV
rig_check lu-removed xvios lu rm $LU
