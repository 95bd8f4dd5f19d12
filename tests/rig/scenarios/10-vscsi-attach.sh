#!/bin/sh
# 10-vscsi-attach - a disk served by vios1's vSCSI engine (user space, no
# xen-scsiback) to client1's stock Linux xen-scsifront: attached from dom0,
# the client sees /dev/sdX of the LU's size; sg_inq, sg_vpd (0x80, 0x83) and
# sg_readcap -l say what the engine says about that LU; 64 MiB of a pattern
# written and read back with O_DIRECT match, in the client and in the LU file
# inside the VIOS; detaching the last LUN takes the vhost down and the disk
# away. The attach and detach are `xvios scsi` in dom0.
# rig-timeout: 300
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU=/tmp/lu/rig10.img
MIB=64
VDEV=0:0:0:0
SEED=1010

rig_lu_create vios1 $LU $MIB || { rig_fail lu-created "truncate in vios1 failed"; exit 1; }
t0=$(rig_now)
if out=$(rig_scsi_attach client1 vios1 $LU $VDEV 2>&1); then
    rig_pass "attached ($(rig_secs_since "$t0")s)"
else
    rig_fail attached "$out"
    echo "== vios1 backend log"; rig_domu_log vios1 backend 1400
    echo "== client1 dmesg"; rig_domu_run client1 10 'dmesg | tail -n 20'
    exit 1
fi

disk=$(rig_scsi_disk client1 $VDEV)
case $disk in
    sd[a-z]) rig_pass "client-has-disk-$disk" ;;
    *) rig_fail client-has-disk "no sd disk for $VDEV: '$disk'; $(rig_domu_run client1 10 'ls /sys/block; dmesg | tail -n 8' 2>&1)"
       rig_scsi_detach client1 $VDEV; exit 1 ;;
esac
D=/dev/$disk

# the size the client's sd driver took from READ CAPACITY
bytes=$(rig_domu_run client1 10 "echo \$((\$(cat /sys/block/$disk/size) * 512))")
[ "$bytes" = $((MIB << 20)) ] && rig_pass "disk-size-${MIB}MiB" || rig_fail disk-size "$bytes bytes, want $((MIB << 20))"

# SCSI identity, from sg3-utils in the client; the serial is the engine's for this LU path
serial=$(rig_domu_run client1 10 "$RIG_BLK luid $LU")
inq=$(rig_domu_run client1 15 "sg_inq $D" 2>&1)
if echo "$inq" | grep -q 'Vendor identification: XVIOS' && echo "$inq" | grep -q 'Product identification: VDISK' &&
    echo "$inq" | grep -q 'Peripheral device type: disk'; then
    rig_pass sg_inq-xvios-vdisk
else
    rig_fail sg_inq-xvios-vdisk "$inq"
fi
vpd80=$(rig_domu_run client1 15 "sg_vpd -p 0x80 $D" 2>&1)
echo "$vpd80" | grep -q "Unit serial number: $serial" && rig_pass "sg_vpd-0x80-serial-$serial" ||
    rig_fail sg_vpd-0x80-serial "want $serial: $vpd80"
vpd83=$(rig_domu_run client1 15 "sg_vpd -p 0x83 $D" 2>&1)
if echo "$vpd83" | grep -q 'designator type: NAA' && echo "$vpd83" | grep -qi '0x65254a5' &&
    echo "$vpd83" | grep -q "vendor specific: $serial" && echo "$vpd83" | grep -q 'Relative target port'; then
    rig_pass sg_vpd-0x83-naa-t10-port
else
    rig_fail sg_vpd-0x83-naa-t10-port "$vpd83"
fi
rc16=$(rig_domu_run client1 15 "sg_readcap -l $D" 2>&1)
blocks=$(echo "$rc16" | sed -n 's/.*Number of logical blocks=\([0-9]*\).*/\1/p')
bsz=$(echo "$rc16" | sed -n 's/.*Logical block length=\([0-9]*\) bytes.*/\1/p')
if [ -n "$blocks" ] && [ -n "$bsz" ] && [ $((blocks * bsz)) = $((MIB << 20)) ]; then
    rig_pass "sg_readcap-l-$blocks-x-$bsz"
else
    rig_fail sg_readcap-l "$rc16"
fi

# 64 MiB of the pattern through the disk with O_DIRECT, read back; then the LU file itself
out=$(rig_domu_run client1 200 "$RIG_BLK write $D $MIB $SEED && $RIG_BLK verify $D $MIB $SEED" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass "pattern-${MIB}MiB-odirect ($(echo "$out" | sed -n 's/.* ok in .*(\(.*\))/\1/p' | tr '\n' ' '))" ||
    rig_fail pattern-${MIB}MiB-odirect "exit $rc: $out"
out=$(rig_domu_run vios1 60 "$RIG_BLK verify $LU $MIB $SEED" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass pattern-in-lu-file || rig_fail pattern-in-lu-file "exit $rc: $out"

# detaching the last LUN takes the vhost down: the disk leaves the client, both directories go;
# the engine logged nothing bad
BE=$(rig_scsi_be client1 vios1 0)
FE=$(rig_scsi_fe client1 0)
if out=$(rig_scsi_detach client1 $VDEV 2>&1) && ! xenstore-exists "$BE" && ! xenstore-exists "$FE" &&
    rig_wait_for 15 sh -c ". /rig/lib.sh; [ -z \"\$(rig_scsi_disk client1 $VDEV)\" ]"; then
    rig_pass detached-vhost-down-disk-gone
else
    rig_fail detached-vhost-down-disk-gone "$out; disk '$(rig_scsi_disk client1 $VDEV)'; $(xenstore-ls "$BE" 2>&1 | head -n 3)"
fi
if rig_domu_run vios1 10 "grep -E 'ring error|DID_ERROR' /var/log/rig/backend.log" >/dev/null 2>&1; then
    rig_fail backend-log-clean "$(rig_domu_run vios1 10 "grep -E 'ring error|DID_ERROR' /var/log/rig/backend.log | tail -n 5")"
else
    rig_pass backend-log-clean
fi
rig_domu_run vios1 10 "rm -f $LU" >/dev/null
