#!/bin/sh
# 14-vscsi-vios-destroyed - `xl destroy` of the VIOS serving a disk while the
# client does I/O on it, and the way out: the VIOS revived under its domid.
# client1 has two disks: vhost 0 from vios1, vhost 1 from vios2 (16 MiB
# each, files in the VIOSes' tmpfs). vios2's disk gets a SCSI command timeout
# of RIG14_SCSI_TIMEOUT s; a loop of 64 KiB O_DIRECT reads and writes runs on
# it; vios2 is destroyed. Linux 6.1's xen-scsifront times the outstanding
# command out and its error handler's ABORT waits on the dead ring with no
# limit (docs/vscsi.md, "Losing a VIOS"): asserted, the I/O has not ended
# RIG14_SCSI_TIMEOUT + 5 s after the destroy. Then dom0 runs `xvios vios
# revive` with vios2's xl config and old domid (it waits out libxl's 60 s
# domid reuse window), starts the VIOS's processes as its units would, and
# `xvios scsi rebuild --vios 2 --resume`: the revived engine takes over the
# frontend's live ring and answers what the dead one owed. The LU file died
# with vios2's tmpfs, so the engine refuses the LU and answers the
# outstanding requests (and the retries after the ABORT) with errors:
# asserted, the I/O loop ends (ok or error) within RIG14_BOUND s of the
# destroy, client1's shell answers, its xenwatch works (a hot add of a second
# LU on vios1 succeeds, and it is hot removed), its kernel log has no hung
# task or oops, its disk from vios1 still works. RIG14 measured lines give
# the timings. vios2 keeps its domid and uuid, so the cluster stays the
# standard one; the next scenario's rig_cluster_up restarts what is missing.
# rig-timeout: 900
. /rig/lib.sh

rig_cluster_up 300 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU=/tmp/lu/rig14.img        # on vios2, the one destroyed (its tmpfs dies with it)
LU0=/tmp/lu/rig14-v1.img    # on vios1 (another path: the toolstack takes one path on two VIOSes for one shared LU)
LU1=/tmp/lu/rig14-v1b.img   # on vios1: the hot add after the revival
VDEV=1:0:0:0
RIG14_SCSI_TIMEOUT=${RIG14_SCSI_TIMEOUT:-10}
# libxl's 60 s domid window + the revived VIOS's boot and processes + the rebuild: ~100 s on an idle
# machine, but a domU's boot under TCG on a loaded machine has taken 235 s
RIG14_BOUND=${RIG14_BOUND:-420}
GLOG=/run/rig/14-guard.log
V2CFG=$RIG_STATE/domu/vios2.cfg
C1=$(rig_domid client1)
V2=$(rig_domid vios2)
N2=$(rig_node_of vios2)
BE=$(rig_scsi_be client1 vios2 1)
FE=$(rig_scsi_fe client1 1)

client_console_tail() {
    echo "== the end of client1's console"
    tail -n 40 /var/log/xen/console/guest-client1.log 2>/dev/null | sed 's/^/  | /'
}

[ -f "$V2CFG" ] && [ -n "$V2" ] && [ -n "$N2" ] ||
    { rig_fail vios2-known "no xl config ($V2CFG), domid ($V2) or node ($N2) for vios2"; exit 1; }
rig_lu_create vios2 $LU 16 && rig_lu_create vios1 $LU0 16 && rig_lu_create vios1 $LU1 16 ||
    { rig_fail lu-created "truncate in a VIOS failed"; exit 1; }
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
# the client's SCSI messages on its console (the rig's init keeps them quiet)
rig_domu_run client1 10 "dmesg -n 8" >/dev/null 2>&1
out=$(rig_domu_run client1 10 "echo $RIG14_SCSI_TIMEOUT > /sys/block/$d/device/timeout && cat /sys/block/$d/device/timeout" 2>&1)
[ "$out" = "$RIG14_SCSI_TIMEOUT" ] && rig_pass "scsi-timeout-${RIG14_SCSI_TIMEOUT}s" || rig_fail scsi-timeout "$out"

# the guard as xvios-guard.service would run it on such clients: --revive, no Closing
xvios scsi guard --revive >"$GLOG" 2>&1 &
gpid=$!
if rig_wait_for 20 grep -q "running" "$GLOG" && grep -q "watching VIOS domain $V2 " "$GLOG"; then
    rig_pass guard-revive-running
else
    rig_fail guard-revive-running "$(tail -n 5 "$GLOG")"
fi

rig_domu_spawn client1 io14 "$RIG_BLK hammer /dev/$d 16 900; echo exit=\$?"
if rig_wait_for 20 sh -c '. /rig/lib.sh; rig_domu_log client1 io14 | grep -q "^started"' && usleep 1500000 &&
    rig_domu_alive client1 io14; then
    rig_pass io-running
else
    rig_fail io-running "$(rig_domu_log client1 io14)"
fi

t0=$(rig_now)
xl destroy vios2
echo "RIG14 measured: xl destroy returned after $(rig_secs_since "$t0")s"

# the hang this is about: past the SCSI timeout the I/O has not ended (the ABORT waits on the dead ring)
sleep $((RIG14_SCSI_TIMEOUT + 5))
if rig_domu_log client1 io14 | grep -q "^exit="; then
    rig_fail io-hangs-while-vios-dead "the I/O ended before the revival: $(rig_domu_log client1 io14 | tail -n 3 | tr '\n' ' ')"
else
    rig_pass io-hangs-while-vios-dead
fi
if grep -q "left for its revival" "$GLOG" && ! grep -q "wrote Closing" "$GLOG"; then
    rig_pass guard-wrote-no-closing
else
    rig_fail guard-wrote-no-closing "$(tail -n 4 "$GLOG" | tr '\n' ' ')"
fi
echo "RIG14 measured: frontend state $(xenstore-read "$FE/state" 2>&1) $(rig_secs_since "$t0")s after the destroy"
echo "== client1 kernel messages while vios2 is dead"
rig_domu_run client1 10 'dmesg | grep -iE "scsi|sd |vscsi|abort" | tail -n 8'

t1=$(rig_now)
if out=$(xvios vios revive "$V2CFG" --domid "$V2" --node "$N2" --timeout 150 2>&1); then
    rig_pass vios2-revived-as-domid-$V2
else
    rig_fail vios2-revived "$(echo "$out" | tail -n 5 | tr '\n' ' ')"
fi
echo "$out" | sed 's/^/  revive: /'
echo "RIG14 measured: xvios vios revive returned after $(rig_secs_since "$t1")s ($(rig_secs_since "$t0")s after the destroy)"
[ "$(rig_domid vios2)" = "$V2" ] && rig_pass vios2-same-domid || rig_fail vios2-same-domid "vios2 is now domid '$(rig_domid vios2)'"
if rig_wait_domu_ready vios2 300 && rig_vios_start vios2 &&
    rig_wait_for 120 rig_domu_run vios2 5 "grep -q 'attached to the VKE' /var/log/rig/daemon.log"; then
    rig_pass vios2-processes-up
    echo "RIG14 measured: vios2's processes up $(rig_secs_since "$t0")s after the destroy"
else
    rig_fail vios2-processes-up "$(rig_domu_run vios2 5 'tail -n 5 /var/log/rig/daemon.log /var/log/rig/backend.log' 2>&1)"
fi

t2=$(rig_now)
out=$(xvios scsi rebuild --vios "$N2" --resume --timeout 60000 2>&1)
rc=$?
echo "$out" | sed 's/^/  rebuild: /'
echo "RIG14 measured: rebuild --resume exited $rc after $(rig_secs_since "$t2")s ($(rig_secs_since "$t0")s after the destroy)"
# the LU died with vios2's tmpfs: the engine takes the ring over but refuses the LU (exit 12)
if echo "$out" | grep -q "resuming vhost 1 of domain $C1" && { [ $rc = 0 ] || [ $rc = 12 ]; }; then
    rig_pass rebuild-resume-took-the-ring
else
    rig_fail rebuild-resume-took-the-ring "exit $rc"
fi
rig_domu_run vios2 10 "grep -E 'resumed|took over|vhost $C1/1' /var/log/rig/backend.log | tail -n 6" 2>&1 | sed 's/^/  vios2 backend: /'

left=$((RIG14_BOUND - $(rig_secs_since "$t0" | cut -d. -f1)))
[ "$left" -gt 5 ] || left=5
if rig_wait_for "$left" sh -c '. /rig/lib.sh; rig_domu_log client1 io14 | grep -q "^exit="'; then
    rig_pass io-ended-within-${RIG14_BOUND}s
    echo "RIG14 measured: the I/O on the dead vhost ended $(rig_secs_since "$t0")s after the destroy" \
        "($(rig_secs_since "$t2")s after the rebuild began): $(rig_domu_log client1 io14 | grep -E '^(error|ok|exit=)' | tr '\n' ' ')"
else
    rig_fail io-ended-within-${RIG14_BOUND}s "$(rig_domu_log client1 io14 | tail -n 3 | tr '\n' ' ')"
    client_console_tail
fi
kill "$gpid" 2>/dev/null
wait "$gpid" 2>/dev/null
echo "== the guard's log"
cat "$GLOG"

rig_domu_running client1 && rig_pass client1-running || rig_fail client1-running "$(xl list client1 2>&1)"
if rig_domu_run client1 10 true >/dev/null 2>&1; then
    rig_pass client1-shell-answers
else
    rig_fail client1-shell-answers "no answer from client1's agent"
    client_console_tail
fi
if out=$(rig_scsi_attach client1 vios1 $LU1 0:0:0:1 2>&1) && d1=$(rig_scsi_disk client1 0:0:0:1) && [ -n "$d1" ]; then
    rig_pass "xenwatch-works-hot-add-$d1"
    if out=$(rig_scsi_detach client1 0:0:0:1 2>&1); then rig_pass hot-removed; else rig_fail hot-removed "$out"; fi
else
    rig_fail xenwatch-works-hot-add "$out"
    client_console_tail
fi
out=$(rig_domu_run client1 10 "dmesg | grep -iE 'hung task|blocked for more than|Oops|BUG:|Call Trace'" 2>&1)
[ -z "$out" ] && rig_pass client1-no-hung-task-or-oops || rig_fail client1-no-hung-task-or-oops "$out"
out=$(rig_domu_run client1 60 "$RIG_BLK write /dev/$d0 16 1414 && $RIG_BLK verify /dev/$d0 16 1414" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass vios1-disk-still-works || rig_fail vios1-disk-still-works "exit $rc: $out"
echo "== client1 kernel messages after the revival"
rig_domu_run client1 10 'dmesg | grep -iE "scsi|sd |vscsi|abort" | tail -n 12'
rig_domu_run client1 10 "dmesg -n 1" >/dev/null 2>&1
rig_domu_stop client1 io14 >/dev/null 2>&1
if out=$(rig_scsi_detach client1 $VDEV 2>&1); then rig_pass vios2-disk-detached; else
    rig_fail vios2-disk-detached "$out"; rig_scsi_drop client1 vios2 1
fi
if out=$(rig_scsi_detach client1 0:0:0:0 2>&1); then rig_pass vios1-disk-detached; else rig_fail vios1-disk-detached "$out"; fi
rig_domu_run vios1 10 "rm -f $LU0 $LU1" >/dev/null
exit 0
