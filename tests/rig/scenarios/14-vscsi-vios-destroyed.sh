#!/bin/sh
# 14-vscsi-vios-destroyed - `xl destroy` of the VIOS serving a disk while the
# client does I/O on it. client1 has two disks: vhost 0 from vios1, vhost 1
# from vios2 (16 MiB each). The SCSI command timeout of vios2's disk is set
# to RIG14_SCSI_TIMEOUT s; a loop of 64 KiB O_DIRECT reads and writes runs on
# it; vios2 is destroyed. Asserted: client1 keeps running, its shell answers,
# and its disk from vios1 keeps working (a pattern written and read back after
# the destroy) - one VIOS's death is contained to the vhosts it served.
# Measured and printed: whether the I/O on the dead vhost ended within
# RIG14_BOUND s. With Debian 12's xen-scsifront (Linux 6.1) it does not: the
# command times out, the SCSI error handler sends an ABORT through the ring
# and waits for its answer without a time limit (scsifront_action_handler),
# so the I/O hangs and the vhost cannot even be removed (the client's
# xenwatch thread would block in scsi_remove_host). client1 is therefore
# destroyed at the end; the runner re-creates it and vios2, and the next
# rig_cluster_up rebuilds the cluster (99-teardown needs neither). This
# destroys domains: it runs after the other vSCSI scenarios.
# rig-timeout: 240
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU=/tmp/lu/rig14.img        # on vios2, the one destroyed
LU0=/tmp/lu/rig14-v1.img    # on vios1 (another path: the toolstack takes one path on two VIOSes for one shared LU)
VDEV=1:0:0:0
RIG14_SCSI_TIMEOUT=${RIG14_SCSI_TIMEOUT:-5}
RIG14_BOUND=${RIG14_BOUND:-30}
BE0=$(rig_scsi_be client1 vios1 0)

rig_lu_create vios2 $LU 16 && rig_lu_create vios1 $LU0 16 || { rig_fail lu-created "truncate in a VIOS failed"; exit 1; }
if out=$(rig_scsi_attach client1 vios1 $LU0 0:0:0:0 2>&1) && d0=$(rig_scsi_disk client1 0:0:0:0) && [ -n "$d0" ]; then
    rig_pass "attached-vios1-$d0"
else
    rig_fail attached-vios1 "$out"; rig_scsi_detach client1 0:0:0:0; exit 1
fi
if out=$(rig_scsi_attach client1 vios2 $LU $VDEV 2>&1) && d=$(rig_scsi_disk client1 $VDEV) && [ -n "$d" ]; then
    rig_pass "attached-vios2-$d"
else
    rig_fail attached-vios2 "$out"; rig_scsi_detach client1 $VDEV; rig_scsi_detach client1 0:0:0:0; exit 1
fi
out=$(rig_domu_run client1 10 "echo $RIG14_SCSI_TIMEOUT > /sys/block/$d/device/timeout && cat /sys/block/$d/device/timeout" 2>&1)
[ "$out" = "$RIG14_SCSI_TIMEOUT" ] && rig_pass "scsi-timeout-${RIG14_SCSI_TIMEOUT}s" || rig_fail scsi-timeout "$out"

rig_domu_spawn client1 io14 "$RIG_BLK hammer /dev/$d 16 200; echo exit=\$?"
if rig_wait_for 20 sh -c '. /rig/lib.sh; rig_domu_log client1 io14 | grep -q "^started"' && usleep 1500000 &&
    rig_domu_alive client1 io14; then
    rig_pass io-running
else
    rig_fail io-running "$(rig_domu_log client1 io14)"
fi

t0=$(rig_now)
xl destroy vios2
# measured, not asserted: Linux 6.1's scsifront never ends it (see the header)
if rig_wait_for "$RIG14_BOUND" sh -c '. /rig/lib.sh; rig_domu_log client1 io14 | grep -q "^exit="'; then
    echo "RIG14 measured: the I/O on the dead vhost ended after $(rig_secs_since "$t0")s: $(rig_domu_log client1 io14 | tr '\n' ' ')"
else
    echo "RIG14 measured: the I/O on the dead vhost still hangs $(rig_secs_since "$t0")s after the destroy" \
        "(SCSI timeout ${RIG14_SCSI_TIMEOUT}s; xen-scsifront's abort waits for the dead ring)"
fi
rig_domu_running client1 && rig_pass client1-running || rig_fail client1-running "$(xl list client1 2>&1)"
out=$(rig_domu_run client1 10 'echo shell-answers' 2>&1)
[ "$out" = shell-answers ] && rig_pass client1-shell-answers || rig_fail client1-shell-answers "$out"
out=$(rig_domu_run client1 60 "$RIG_BLK write /dev/$d0 16 1414 && $RIG_BLK verify /dev/$d0 16 1414" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass vios1-disk-still-works || rig_fail vios1-disk-still-works "exit $rc: $out"
echo "== client1 kernel messages after the destroy"
rig_domu_run client1 10 'dmesg | grep -iE "scsi|sd |vscsi" | tail -n 8'

# client1 is left with a hung vhost: it goes (the runner re-creates it); vios1's vhost with it
rig_destroy_domu client1 && rig_pass client1-destroyed-for-recreation || rig_fail client1-destroyed-for-recreation "$(xl list 2>&1)"
xenstore-rm "$BE0" 2>/dev/null
rig_domu_run vios1 10 "rm -f $LU0" >/dev/null
