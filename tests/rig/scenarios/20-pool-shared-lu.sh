#!/bin/sh
# 20-pool-shared-lu - one LU of the cluster's pool, a region of the shared disk every VIOS sees as
# /dev/xvdb, served to client1 through vios1 and to client2 through vios2: both clients see the
# same disk (the same NAA WWN and unit serial in VPD 0x83/0x80, the pool's identifiers, and the
# data one writes the other reads), the pool refuses to remove an attached LU, and after both
# detaches the LU is removed. Everything is `xvios lu` and `xvios scsi` from dom0.
# rig-timeout: 300
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
if out=$(rig_shared_disk_up 64 $RIG_VIOS 2>&1); then
    rig_pass shared-disk-in-every-vios
else
    rig_fail shared-disk-in-every-vios "$out"; exit 1
fi
LU=pool20
MIB=16
SEED=2020
VDEV=0:0:0:0

xvios lu rm $LU >/dev/null 2>&1
rig_check lu-created xvios lu create $LU --size ${MIB}M --offset 4M --backing $RIG_SHARED_DEV || exit 1
show=$(xvios lu show $LU --json 2>&1)
wwn=$(rig_json_str "$show" wwn); wwn=${wwn#naa.}
serial=$(rig_json_str "$show" serial)
[ ${#wwn} = 32 ] && [ -n "$serial" ] && rig_pass "lu-identity-$serial" || { rig_fail lu-identity "$show"; exit 1; }

attach() {   # CLIENT VIOS
    local node out
    node=$(rig_node_of "$2")
    if out=$(rig_scsi_run scsi attach "$1" $LU $VDEV --vios "$node" --shared --timeout $RIG_SCSI_TIMEOUT_MS 2>&1); then
        rig_pass "attached-$1-through-$2"
    else
        rig_fail "attached-$1-through-$2" "$out; $(rig_domu_log "$2" backend 600)"
        return 1
    fi
}
attach client1 vios1 || exit 1
attach client2 vios2 || { rig_scsi_detach client1 $VDEV; exit 1; }
d1=$(rig_scsi_disk client1 $VDEV)
d2=$(rig_scsi_disk client2 $VDEV)
case "$d1 $d2" in
    sd[a-z]\ sd[a-z]) rig_pass "disks-$d1-$d2" ;;
    *) rig_fail disks "client1 '$d1', client2 '$d2'" ;;
esac

# the same identity through both VIOSes: VPD 0x83's NAA designator and VPD 0x80's serial are the pool's
naa() { rig_domu_run "$1" 15 "sg_vpd -p 0x83 /dev/$2" 2>&1 | sed -n 's/.*\(0x6[0-9a-f]\{31\}\).*/\1/p' | head -n 1; }
n1=$(naa client1 "$d1")
n2=$(naa client2 "$d2")
if [ "$n1" = "0x$wwn" ] && [ "$n2" = "0x$wwn" ]; then
    rig_pass vpd83-same-wwn-both-vios
else
    rig_fail vpd83-same-wwn-both-vios "client1 '$n1', client2 '$n2', pool 0x$wwn"
fi
s1=$(rig_domu_run client1 15 "sg_vpd -p 0x80 /dev/$d1" 2>&1)
s2=$(rig_domu_run client2 15 "sg_vpd -p 0x80 /dev/$d2" 2>&1)
echo "$s1" | grep -q "Unit serial number: $serial" && echo "$s2" | grep -q "Unit serial number: $serial" &&
    rig_pass vpd80-same-serial-both-vios || rig_fail vpd80-same-serial-both-vios "$s1 / $s2"
# the relative target port differs: two target ports of one LU, as multipath wants
p1=$(rig_domu_run client1 15 "sg_vpd -p 0x83 /dev/$d1" 2>&1 | sed -n 's/.*Relative target port: *\(0x[0-9a-f]*\).*/\1/p')
p2=$(rig_domu_run client2 15 "sg_vpd -p 0x83 /dev/$d2" 2>&1 | sed -n 's/.*Relative target port: *\(0x[0-9a-f]*\).*/\1/p')
[ -n "$p1" ] && [ -n "$p2" ] && [ "$p1" != "$p2" ] && rig_pass "target-ports-$p1-$p2" || rig_fail target-ports "'$p1' '$p2'"

# data: client1 writes through vios1, client2 reads it back through vios2 (O_DIRECT both ways)
out=$(rig_domu_run client1 120 "$RIG_BLK write /dev/$d1 $MIB $SEED" 2>&1) && rig_pass "client1-wrote-${MIB}MiB" ||
    rig_fail client1-wrote "$out"
out=$(rig_domu_run client2 120 "$RIG_BLK verify /dev/$d2 $MIB $SEED" 2>&1) && rig_pass client2-reads-client1s-data ||
    rig_fail client2-reads-client1s-data "$out"

# attached: lu rm refused, the LU still there
if xvios lu rm $LU >/dev/null 2>&1; then
    rig_fail lu-rm-refused-while-attached "lu rm succeeded"
else
    xvios lu show $LU >/dev/null 2>&1 && rig_pass lu-rm-refused-while-attached || rig_fail lu-rm-refused-while-attached "the LU is gone"
fi

rig_check detached-client2 rig_scsi_detach client2 $VDEV
rig_check detached-client1 rig_scsi_detach client1 $VDEV
rig_check lu-removed xvios lu rm $LU
xvios lu show $LU >/dev/null 2>&1 && rig_fail lu-gone "still listed" || rig_pass lu-gone
