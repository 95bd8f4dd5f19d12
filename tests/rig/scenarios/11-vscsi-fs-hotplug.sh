#!/bin/sh
# 11-vscsi-fs-hotplug - a file system on a vSCSI disk, and a second LU hot
# added and hot removed while it is mounted. client1 gets vios1's LU as
# 0:0:0:0, makes an ext2 file system on it (busybox mke2fs), mounts it,
# writes a file, syncs, unmounts, mounts again: the checksum matches. With it
# mounted, a second LU is hot added to the same vhost (0:0:0:1, through
# Reconfiguring/Reconfigured), written and read back with O_DIRECT, and hot
# removed: the client's disk goes away, the first disk keeps working (a new
# file, its checksum after a remount; the first file unchanged).
# rig-timeout: 300
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU0=/tmp/lu/rig11-a.img
LU1=/tmp/lu/rig11-b.img
cleanup() {
    rig_domu_run client1 10 'umount /mnt/rig11 2>/dev/null; true' >/dev/null 2>&1
    rig_scsi_detach client1 0:0:0:1 >/dev/null 2>&1
    rig_scsi_detach client1 0:0:0:0 >/dev/null 2>&1
    rig_domu_run vios1 10 "rm -f $LU0 $LU1" >/dev/null 2>&1
}

rig_lu_create vios1 $LU0 48 && rig_lu_create vios1 $LU1 16 || { rig_fail lus-created "truncate in vios1 failed"; exit 1; }
if out=$(rig_scsi_attach client1 vios1 $LU0 0:0:0:0 2>&1) && d0=$(rig_scsi_disk client1 0:0:0:0) && [ -n "$d0" ]; then
    rig_pass "attached-$d0"
else
    rig_fail attached "$out"; cleanup; exit 1
fi

# file system, file, sync, remount, checksum
out=$(rig_domu_run client1 120 "mke2fs -q /dev/$d0 2>&1 && mkdir -p /mnt/rig11 && mount -t ext2 /dev/$d0 /mnt/rig11 &&
    dd if=/dev/urandom of=/mnt/rig11/f1 bs=64k count=160 2>/dev/null && sync && sha256sum /mnt/rig11/f1 > /tmp/rig11.sum &&
    umount /mnt/rig11 && mount -t ext2 /dev/$d0 /mnt/rig11 && sha256sum -c /tmp/rig11.sum" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass mke2fs-mount-write-sync-remount-checksum || { rig_fail mke2fs-mount-write-sync-remount-checksum "exit $rc: $out"; cleanup; exit 1; }

# hot add a second LU to the same vhost while the first is mounted
t0=$(rig_now)
if out=$(rig_scsi_attach client1 vios1 $LU1 0:0:0:1 2>&1) && d1=$(rig_scsi_disk client1 0:0:0:1) && [ -n "$d1" ]; then
    rig_pass "hot-added-$d1 ($(rig_secs_since "$t0")s)"
else
    rig_fail hot-added "$out; $(rig_domu_run client1 10 'dmesg | tail -n 6' 2>&1)"; cleanup; exit 1
fi
bytes=$(rig_domu_run client1 10 "echo \$((\$(cat /sys/block/$d1/size) * 512))")
[ "$bytes" = $((16 << 20)) ] && rig_pass second-disk-16MiB || rig_fail second-disk-16MiB "$bytes bytes"
out=$(rig_domu_run client1 90 "$RIG_BLK write /dev/$d1 16 1111 && $RIG_BLK verify /dev/$d1 16 1111 && sha256sum -c /tmp/rig11.sum" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass second-disk-pattern-first-still-mounted || rig_fail second-disk-pattern-first-still-mounted "exit $rc: $out"

# hot remove it: the disk leaves the client, the first keeps working
t0=$(rig_now)
if out=$(rig_scsi_detach client1 0:0:0:1 2>&1) &&
    rig_wait_for 15 sh -c ". /rig/lib.sh; [ -z \"\$(rig_scsi_disk client1 0:0:0:1)\" ]"; then
    rig_pass "hot-removed ($(rig_secs_since "$t0")s)"
else
    rig_fail hot-removed "$out; disk '$(rig_scsi_disk client1 0:0:0:1)'"
fi
out=$(rig_domu_run client1 120 "sha256sum -c /tmp/rig11.sum && dd if=/dev/urandom of=/mnt/rig11/f2 bs=64k count=64 2>/dev/null &&
    sync && sha256sum /mnt/rig11/f2 >> /tmp/rig11.sum && umount /mnt/rig11 && mount -t ext2 /dev/$d0 /mnt/rig11 &&
    sha256sum -c /tmp/rig11.sum && umount /mnt/rig11" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass first-disk-works-after-hot-remove || rig_fail first-disk-works-after-hot-remove "exit $rc: $out"
st=$(xenstore-read "$(rig_scsi_be client1 vios1 0)/vscsi-devs/dev-0/state" 2>&1)
[ "$st" = 4 ] && rig_pass first-lun-still-connected || rig_fail first-lun-still-connected "dev-0 state $st"
cleanup
