#!/bin/sh
# 14-vscsi-vios-destroyed - `xl destroy` of the VIOS serving a disk while the
# client does I/O on it. vios2 serves a 16 MiB LU to client1 (vhost 1); the
# client's SCSI command timeout is set to RIG14_SCSI_TIMEOUT s; a loop of
# 64 KiB O_DIRECT reads and writes runs; vios2 is destroyed. The client's I/O
# must end with an error within RIG14_BOUND s of the destroy (the command
# timeout, then the SCSI error handler's abort and reset through the dead
# ring, which nobody answers: measured and printed), client1 stays running and
# its shell answers. This destroys a VIOS: it runs after the other vSCSI
# scenarios; the runner re-creates vios2 and the next rig_cluster_up rebuilds
# the cluster (99-teardown needs neither).
# rig-timeout: 240
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU=/tmp/lu/rig14.img
VDEV=1:0:0:0
RIG14_SCSI_TIMEOUT=${RIG14_SCSI_TIMEOUT:-5}
RIG14_BOUND=${RIG14_BOUND:-60}

rig_lu_create vios2 $LU 16 || { rig_fail lu-created "truncate in vios2 failed"; exit 1; }
if out=$(rig_scsi_attach client1 vios2 $LU $VDEV 2>&1) && d=$(rig_scsi_disk client1 $VDEV) && [ -n "$d" ]; then
    rig_pass "attached-$d"
else
    rig_fail attached "$out"; rig_scsi_close client1 vios2 1; exit 1
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
if rig_wait_for "$RIG14_BOUND" sh -c '. /rig/lib.sh; rig_domu_log client1 io14 | grep -q "^exit="'; then
    secs=$(rig_secs_since "$t0")
    log=$(rig_domu_log client1 io14)
    if echo "$log" | grep -q '^error '; then
        rig_pass "io-ended-with-error-in-${secs}s (bound ${RIG14_BOUND}s; $(echo "$log" | grep '^error '))"
    else
        rig_fail io-ended-with-error "no error: $log"
    fi
else
    rig_fail io-ended-with-error "still running ${RIG14_BOUND}s after the destroy: $(rig_domu_log client1 io14)"
    echo "== client1 dmesg"; rig_domu_run client1 10 'dmesg | tail -n 25'
fi
rig_domu_running client1 && rig_pass client1-running || rig_fail client1-running "$(xl list client1 2>&1)"
out=$(rig_domu_run client1 10 'echo shell-answers; cat /proc/uptime' 2>&1)
echo "$out" | grep -q '^shell-answers' && rig_pass client1-shell-answers || rig_fail client1-shell-answers "$out"
echo "== client1 kernel messages after the destroy"
rig_domu_run client1 10 'dmesg | grep -iE "scsi|sd |vscsi|xen" | tail -n 15'

# the client's vhost has no backend any more: its nodes go (dom0 removes the frontend dir)
xenstore-rm "$(rig_scsi_fe client1 1)" 2>/dev/null
rig_domu_stop client1 io14 >/dev/null 2>&1
out=$(rig_domu_run client1 10 'echo still-answers' 2>&1)
[ "$out" = still-answers ] && rig_pass client1-answers-after-vhost-removed || rig_fail client1-answers-after-vhost-removed "$out"
