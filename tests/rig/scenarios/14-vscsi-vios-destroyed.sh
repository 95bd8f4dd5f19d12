#!/bin/sh
# 14-vscsi-vios-destroyed - `xl destroy` of the VIOS serving a disk while the
# client does I/O on it, with dom0 running `xvios scsi guard`. client1 has two
# disks: vhost 0 from vios1, vhost 1 from vios2 (16 MiB each). vios2's disk
# gets a SCSI command timeout of RIG14_SCSI_TIMEOUT s and write-through cache;
# a loop of 64 KiB O_DIRECT reads and writes runs on it; vios2 is destroyed.
# Asserted: the guard watches vios2 and writes the dead vhost's backend state
# Closing (5) less than 1 s after it saw the domain's release; client1 keeps
# running. Measured and printed, not asserted: whether the I/O ends with an
# error within RIG14_BOUND s and whether the client's XenStore agent still
# answers; when it answers, its kernel
# log has no hung task or oops and its disk from vios1 still works (asserted
# then). With Linux 6.1's xen-scsifront the Closing makes it disconnect, but
# that disconnect blocks the client's xenwatch thread (docs/vscsi.md, "Losing
# a VIOS"), so client1 is then destroyed for the runner to re-create. The
# runner re-creates vios2 before the next scenario and the next rig_cluster_up
# rebuilds the cluster (99-teardown needs neither). This destroys domains: it
# runs after the other vSCSI scenarios.
# rig-timeout: 300
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU=/tmp/lu/rig14.img        # on vios2, the one destroyed
LU0=/tmp/lu/rig14-v1.img    # on vios1 (another path: the toolstack takes one path on two VIOSes for one shared LU)
VDEV=1:0:0:0
RIG14_SCSI_TIMEOUT=${RIG14_SCSI_TIMEOUT:-10}
RIG14_BOUND=${RIG14_BOUND:-$((RIG14_SCSI_TIMEOUT + 15))}
GLOG=/run/rig/14-guard.log
C1=$(rig_domid client1)
BE=$(rig_scsi_be client1 vios2 1)
FE=$(rig_scsi_fe client1 1)

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
# Write-through (the engine's WCE off, by MODE SELECT): with a write-back cache sd's removal sends a
# SYNCHRONIZE CACHE that a disconnected scsifront answers "host busy" forever (docs/vscsi.md).
out=$(rig_domu_run client1 10 "f=\$(echo /sys/block/$d/device/scsi_disk/*/cache_type); echo 'write through' >\$f && cat \$f" 2>&1)
[ "$out" = "write through" ] && rig_pass cache-write-through || rig_fail cache-write-through "$out"

# the guard, as xvios-guard.service would run it
xvios scsi guard >"$GLOG" 2>&1 &
gpid=$!
if rig_wait_for 20 grep -q "running" "$GLOG" && grep -q "watching VIOS domain $(rig_domid vios2) " "$GLOG"; then
    rig_pass guard-running
else
    rig_fail guard-running "$(tail -n 5 "$GLOG")"
fi

rig_domu_spawn client1 io14 "$RIG_BLK hammer /dev/$d 16 200; echo exit=\$?"
if rig_wait_for 20 sh -c '. /rig/lib.sh; rig_domu_log client1 io14 | grep -q "^started"' && usleep 1500000 &&
    rig_domu_alive client1 io14; then
    rig_pass io-running
else
    rig_fail io-running "$(rig_domu_log client1 io14)"
fi

t0=$(rig_now)
xl destroy vios2
echo "RIG14 measured: xl destroy returned after $(rig_secs_since "$t0")s"
if rig_wait_for 10 rig_xs_is "$BE/state" 5; then
    echo "RIG14 measured: $BE/state = 5 seen in dom0 $(rig_secs_since "$t0")s after the destroy began"
fi
ms=$(sed -n 's/.*wrote Closing to .*, \(-*[0-9]*\) ms after VIOS.*/\1/p' "$GLOG" | head -n 1)
if [ -n "$ms" ] && [ "$ms" -ge 0 ] && [ "$ms" -lt 1000 ]; then
    rig_pass closing-written-within-1s
else
    rig_fail closing-written-within-1s "guard: '${ms:-no Closing written}': $(tail -n 4 "$GLOG" | tr '\n' ' ')"
fi

# Measured, not asserted: whether the client's I/O ends with an error within the bound and the
# frontend closes. In the rig (Linux 6.1) it does not: the Closing reaches scsifront, whose
# disconnect then blocks the client's xenwatch thread (see docs/vscsi.md, "Losing a VIOS").
if rig_wait_for "$RIG14_BOUND" sh -c '. /rig/lib.sh; rig_domu_log client1 io14 | grep -q "^exit="'; then
    echo "RIG14 measured: the I/O on the dead vhost ended $(rig_secs_since "$t0")s after the destroy:" \
        "$(rig_domu_log client1 io14 | grep -E '^(error|ok|exit=)' | tr '\n' ' ')"
else
    echo "RIG14 measured: no end of the I/O seen within ${RIG14_BOUND}s of the destroy (SCSI timeout ${RIG14_SCSI_TIMEOUT}s)"
fi
if rig_domu_run client1 10 true >/dev/null 2>&1; then
    answers=1
    echo "RIG14 measured: client1's agent answers; frontend state $(xenstore-read "$FE/state" 2>&1)"
else
    answers=
    # (no sysrq dump: `xl sysrq` reaches the guest through a XenStore watch too)
    echo "RIG14 measured: client1's agent (a XenStore watch) no longer answers; frontend state" \
        "$(xenstore-read "$FE/state" 2>&1), backend state $(xenstore-read "$BE/state" 2>&1)"
fi
echo "== the guard's log"
cat "$GLOG"
kill "$gpid" 2>/dev/null
wait "$gpid" 2>/dev/null
rig_domu_running client1 && rig_pass client1-running || rig_fail client1-running "$(xl list client1 2>&1)"
if [ -z "$answers" ]; then
    # a client whose xenwatch is blocked is no use to the next scenario: the runner re-creates it
    rig_destroy_domu client1 && rig_pass client1-destroyed-for-recreation ||
        rig_fail client1-destroyed-for-recreation "$(xl list 2>&1)"
    rig_scsi_drop client1 vios1 0
    rig_domu_run vios1 10 "rm -f $LU0" >/dev/null
    exit 0
fi
out=$(rig_domu_run client1 10 "dmesg | grep -iE 'hung task|blocked for more than|Oops|BUG:|Call Trace'" 2>&1)
[ -z "$out" ] && rig_pass client1-no-hung-task-or-oops || rig_fail client1-no-hung-task-or-oops "$out"
out=$(rig_domu_run client1 60 "$RIG_BLK write /dev/$d0 16 1414 && $RIG_BLK verify /dev/$d0 16 1414" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass vios1-disk-still-works || rig_fail vios1-disk-still-works "exit $rc: $out"
echo "== client1 kernel messages after the destroy"
rig_domu_run client1 10 'dmesg | grep -iE "scsi|sd |vscsi" | tail -n 10'
rig_domu_stop client1 io14 >/dev/null 2>&1
if out=$(rig_scsi_detach client1 0:0:0:0 2>&1); then rig_pass vios1-disk-detached; else rig_fail vios1-disk-detached "$out"; fi
rig_domu_run vios1 10 "rm -f $LU0" >/dev/null
exit 0
