#!/bin/sh
# 13-vscsi-isolation - what a second client cannot do to the first one's disk,
# and a client that writes garbage into its own ring.
# - client1 has vios1's LU as 0:0:0:0. client2 has no vhost and no disk; it can
#   read neither client1's frontend nodes nor vios1's backend nodes for
#   client1, cannot create a backend vhost for itself in vios1's area, and
#   cannot map client1's ring grant (granted to vios1 only; gntdev refuses).
# - client2 gets a vhost of its own, unbinds its xen-scsifront from it and
#   drives the ring from user space (vscsi_rogue_front: a page shared with
#   gntalloc, an event channel of its own): 16 random requests are each
#   answered exactly once, then a producer index 1000 slots ahead is a sticky
#   ring error: no more answers, the vhost's xvios-error says so, the backend
#   logs it. Meanwhile client1's 32 MiB O_DIRECT pattern I/O completes and
#   matches, and afterwards the backend idles (no spin on the sticky ring).
# rig-timeout: 300
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU1=/tmp/lu/rig13-c1.img
LU2=/tmp/lu/rig13-c2.img
C1=$(rig_domid client1)
C2=$(rig_domid client2)
V1=$(rig_domid vios1)
BE1=$(rig_scsi_be client1 vios1 0)
BE2=$(rig_scsi_be client2 vios1 0)
FE1=$(rig_scsi_fe client1 0)
FE2=$(rig_scsi_fe client2 0)
cleanup() {
    rig_domu_stop client1 io13 >/dev/null 2>&1
    rig_scsi_detach client1 0:0:0:0 >/dev/null 2>&1
    rig_scsi_drop client2 vios1 0    # the rogue frontend is gone: nobody answers a detach
    rig_domu_run vios1 10 "rm -f $LU1 $LU2" >/dev/null 2>&1
}

rig_lu_create vios1 $LU1 32 && rig_lu_create vios1 $LU2 8 || { rig_fail lus-created "truncate in vios1 failed"; exit 1; }
if out=$(rig_scsi_attach client1 vios1 $LU1 0:0:0:0 2>&1) && d1=$(rig_scsi_disk client1 0:0:0:0) && [ -n "$d1" ]; then
    rig_pass "client1-attached-$d1"
else
    rig_fail client1-attached "$out"; cleanup; exit 1
fi

# client1's rate alone, before client2 has anything (the garbage phase's rates are compared to it)
out=$(rig_domu_run client1 120 "$RIG_BLK write /dev/$d1 32 1300 && $RIG_BLK verify /dev/$d1 32 1300" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass "client1-pattern-alone ($(echo "$out" | sed -n 's/.*(\(.*\))/\1/p' | tr '\n' ' '))" ||
    rig_fail client1-pattern-alone "exit $rc: $out"
echo "vios1: $(rig_domu_run vios1 10 "free -m | sed -n 2p; grep -c 'LU .* opened' /var/log/rig/backend.log; grep -c 'LU .* closed' /var/log/rig/backend.log" | tr '\n' ' ')"

# ---------------------------------------------------------------- no vhost, no nodes, no grant
out=$(rig_domu_run client2 10 'ls /sys/bus/xen/devices/ | grep vscsi; ls /sys/block | grep "^sd"' 2>&1)
[ -z "$out" ] && rig_pass client2-no-vhost-no-disk || rig_fail client2-no-vhost-no-disk "$out"
# each node exists (dom0 reads it); client2's read fails and listing it says why
for p in "$FE1/ring-ref" "$BE1/vscsi-devs/dev-0/p-dev" "$BE1/state"; do
    rig_domu_run client2 10 "xenstore-read $p" >/dev/null 2>&1
    rc=$?
    err=$(rig_domu_run client2 10 "xenstore-ls $p" 2>&1)
    if xenstore-exists "$p" && [ $rc != 0 ] && echo "$err" | grep -q 'Permission denied'; then
        rig_pass "client2-cannot-read-${p##*/local/domain/}"
    else
        rig_fail "client2-cannot-read-${p##*/local/domain/}" "exit $rc: $err"
    fi
done
err=$(rig_domu_run client2 10 "xenstore-write /local/domain/$V1/backend/vscsi/$C2/5/state 1" 2>&1)
rc=$?
if [ $rc != 0 ] && ! xenstore-exists "/local/domain/$V1/backend/vscsi/$C2/5"; then
    rig_pass client2-cannot-make-backend-vhost
else
    rig_fail client2-cannot-make-backend-vhost "exit $rc: $err"
fi
ref=$(xenstore-read "$FE1/ring-ref")
out=$(rig_domu_run client2 10 "$RIG_TESTS_DIR/vscsi_rogue_front map $C1 $ref" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass "client2-cannot-map-client1-ring-grant ($out)" || rig_fail client2-cannot-map-client1-ring-grant "exit $rc: $out"

# ---------------------------------------------------------------- a ring full of garbage
if ! out=$(rig_scsi_attach client2 vios1 $LU2 0:0:0:0 2>&1); then
    rig_fail client2-attached "$out"; cleanup; exit 1
fi
# backend_idle_ticks: the backend's CPU ticks over 4 s (measured inside vios1)
backend_idle_ticks() {
    rig_domu_run vios1 20 'p=$(cat /run/rig/backend.pid); a=$(awk "{ print \$14 + \$15 }" /proc/$p/stat); sleep 4;
        b=$(awk "{ print \$14 + \$15 }" /proc/$p/stat); echo $((b - a))'
}
idle_before=$(backend_idle_ticks)
rig_domu_spawn client1 io13 "$RIG_BLK write /dev/$d1 32 1313 && $RIG_BLK verify /dev/$d1 32 1313; echo exit=\$?"
out=$(rig_domu_run client2 10 'echo vscsi-0 > /sys/bus/xen/drivers/vscsi/unbind' 2>&1)
rc=$?
if [ $rc = 0 ] && rig_wait_for 15 rig_xs_is "$BE2/state" 6; then
    rig_pass client2-scsifront-unbound-vhost-closed
else
    rig_fail client2-scsifront-unbound-vhost-closed "exit $rc: $out; backend state $(xenstore-read "$BE2/state")"
fi
out=$(rig_domu_run client2 40 "$RIG_TESTS_DIR/vscsi_rogue_front garbage 0 6" 2>&1)
rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q '^answered=16 ' && echo "$out" | grep -q '^overflow: no response'; then
    rig_pass "garbage-answered-once-each-overflow-sticky ($(echo "$out" | grep '^answered='))"
else
    rig_fail garbage-answered-once-each-overflow-sticky "exit $rc: $out"
fi
err=$(xenstore-read "$BE2/xvios-error" 2>&1)
echo "$err" | grep -q 'ring error' && rig_pass "vhost-xvios-error ($err)" || rig_fail vhost-xvios-error "$err"
rig_domu_run vios1 10 "grep -q 'ring error' /var/log/rig/backend.log" >/dev/null 2>&1 &&
    rig_pass backend-logged-ring-error || rig_fail backend-logged-ring-error "$(rig_domu_log vios1 backend 600)"

# client1 was served all along; the backend lives and does not spin
if rig_wait_for 150 sh -c '. /rig/lib.sh; rig_domu_log client1 io13 | grep -q "^exit="'; then
    log=$(rig_domu_log client1 io13)
    echo "$log" | grep -q '^exit=0' && rig_pass "client1-io-during-garbage-matches ($(echo "$log" | sed -n 's/.*(\(.*\))/\1/p' | tr '\n' ' '))" ||
        rig_fail client1-io-during-garbage-matches "$log"
else
    rig_fail client1-io-during-garbage-matches "did not end: $(rig_domu_log client1 io13)"
fi
rig_domu_alive vios1 backend && rig_pass backend-alive || rig_fail backend-alive "$(rig_domu_log vios1 backend 600)"
out=$(rig_domu_run client1 60 "$RIG_BLK verify /dev/$d1 32 1313" 2>&1)
[ $? = 0 ] && rig_pass client1-reads-after-garbage || rig_fail client1-reads-after-garbage "$out"
# with the sticky ring still mapped and no I/O, the backend idles: its CPU ticks (100/s) over 4 s
# of nothing to do stay under 40, as before the garbage
idle_after=$(backend_idle_ticks)
if [ -n "$idle_after" ] && [ "$idle_after" -lt 40 ]; then
    rig_pass "backend-not-spinning ($idle_after ticks in 4 s idle after the ring error; $idle_before before)"
else
    rig_fail backend-not-spinning "$idle_after ticks in 4 s idle after the ring error ($idle_before before)"
fi
cleanup
