#!/bin/sh
# 21-pool-reservations - persistent reservations that hold cluster-wide: one pool LU on the shared
# disk, client1 through vios1 and client2 through vios2, each running Linux's sd + sg and sg3-utils'
# sg_persist. Keys registered through one VIOS are seen through the other; client1's Write Exclusive
# reservation makes client2's WRITE fail (RESERVATION CONFLICT) while its READ works; client2
# preempts, client1 gets REGISTRATIONS PREEMPTED, its registration is gone and its WRITE now fails;
# vios1's processes are restarted: the reservation it serves is the one in the cluster DB; release
# and clear end it.
# rig-timeout: 420
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
rig_shared_disk_up 64 $RIG_VIOS >/dev/null 2>&1 || { rig_fail shared-disk "$(rig_shared_disk_up 64 $RIG_VIOS 2>&1)"; exit 1; }
LU=pool21
VDEV=0:0:0:0
KA=0xa1a1
KB=0xb2b2

xvios lu rm $LU >/dev/null 2>&1
rig_check lu-created xvios lu create $LU --size 8M --offset 32M --backing $RIG_SHARED_DEV || exit 1
for pair in client1:vios1 client2:vios2; do
    c=${pair%:*} v=${pair#*:}
    out=$(rig_scsi_run scsi attach $c $LU $VDEV --vios "$(rig_node_of $v)" --shared --timeout $RIG_SCSI_TIMEOUT_MS 2>&1) ||
        { rig_fail "attached-$c-through-$v" "$out"; exit 1; }
done
rig_pass attached-client1-vios1-client2-vios2
d1=/dev/$(rig_scsi_disk client1 $VDEV)
d2=/dev/$(rig_scsi_disk client2 $VDEV)
case "$d1$d2" in /dev/sd?/dev/sd?) ;; *) rig_fail disks "'$d1' '$d2'"; exit 1 ;; esac
sg1=$(rig_domu_run client1 10 "ls /sys/block/${d1#/dev/}/device/scsi_generic" 2>/dev/null)
sg2=$(rig_domu_run client2 10 "ls /sys/block/${d2#/dev/}/device/scsi_generic" 2>/dev/null)

pr() {   # CLIENT ARGS...: sg_persist on the client's sg node of the LU
    local c=$1 sg
    shift
    [ "$c" = client1 ] && sg=$sg1 || sg=$sg2
    rig_domu_run "$c" 20 "sg_persist $* /dev/$sg" 2>&1
}
writes() { rig_domu_run "$1" 60 "$RIG_BLK write $2 1 ${3:-2121}" >/dev/null 2>&1; }   # CLIENT DEV [SEED]
reads() { rig_domu_run "$1" 60 "$RIG_BLK verify $2 1 ${3:-2121}" >/dev/null 2>&1; }

# data both may read later, written before any reservation
writes client1 "$d1" && rig_pass write-before-reservation || rig_fail write-before-reservation "client1 could not write"

out=$(pr client1 --out --register --param-sark=$KA) && rig_pass register-client1 || rig_fail register-client1 "$out"
out=$(pr client2 --out --register --param-sark=$KB) && rig_pass register-client2 || rig_fail register-client2 "$out"
keys=$(pr client2 --in --read-keys)
echo "$keys" | grep -qi "$KA" && echo "$keys" | grep -qi "$KB" && rig_pass keys-of-both-through-vios2 ||
    rig_fail keys-of-both-through-vios2 "$keys"

out=$(pr client1 --out --reserve --param-rk=$KA --prout-type=1) && rig_pass reserve-we-client1 || rig_fail reserve-we-client1 "$out"
res=$(pr client2 --in --read-reservation)
echo "$res" | grep -qi "Key=$KA" && echo "$res" | grep -qi "Write Exclusive" && rig_pass reservation-seen-through-vios2 ||
    rig_fail reservation-seen-through-vios2 "$res"
writes client2 "$d2" 2222 && rig_fail client2-write-conflicts "client2's WRITE went through under client1's reservation" ||
    rig_pass client2-write-conflicts
reads client2 "$d2" && rig_pass client2-read-allowed || rig_fail client2-read-allowed "client2 could not READ"
writes client1 "$d1" && rig_pass client1-holder-writes || rig_fail client1-holder-writes "the holder could not write"
rig_domu_run client2 10 "dmesg | grep -qi 'reservation conflict'" && rig_pass client2-kernel-saw-conflict ||
    rig_fail client2-kernel-saw-conflict "$(rig_domu_run client2 10 'dmesg | tail -n 5')"

out=$(pr client2 --out --preempt --param-rk=$KB --param-sark=$KA --prout-type=1) && rig_pass preempt-by-client2 ||
    rig_fail preempt-by-client2 "$out"
# the preemption reached client1 through vios1 as a unit attention (REGISTRATIONS PREEMPTED)
keys=$(pr client1 --in --read-keys)
echo "$keys" | grep -qi "Registrations preempted" && rig_pass client1-got-registrations-preempted-ua ||
    rig_fail client1-got-registrations-preempted-ua "$keys"
keys=$(pr client1 --in --read-keys)
echo "$keys" | grep -qi "$KB" && ! echo "$keys" | grep -qi "$KA" && rig_pass client1-registration-preempted ||
    rig_fail client1-registration-preempted "$keys"
writes client1 "$d1" 2323 && rig_fail client1-write-conflicts-after-preempt "client1 wrote" ||
    rig_pass client1-write-conflicts-after-preempt

# vios1's processes restarted (client1 detached first: a backend restarted under a live frontend is
# not what this proves): it reads the reservation back from the DB and enforces it
rig_check detached-client1 rig_scsi_detach client1 $VDEV
rig_vios_stop vios1
rig_vios_start vios1 || rig_fail vios1-restarted "cannot start"
rig_wait_for 60 rig_cluster_ready $RIG_VIOS && rig_pass vios1-restarted || rig_fail vios1-restarted "not ready"
out=$(rig_scsi_run scsi attach client1 $LU $VDEV --vios "$(rig_node_of vios1)" --shared --timeout $RIG_SCSI_TIMEOUT_MS 2>&1) &&
    rig_pass reattached-client1-through-restarted-vios1 || rig_fail reattached-client1-through-restarted-vios1 "$out"
d1=/dev/$(rig_scsi_disk client1 $VDEV)
sg1=$(rig_domu_run client1 10 "ls /sys/block/${d1#/dev/}/device/scsi_generic" 2>/dev/null)
res=$(pr client1 --in --read-reservation)
echo "$res" | grep -qi "Key=$KB" && rig_pass reservation-holds-after-vios1-restart ||
    rig_fail reservation-holds-after-vios1-restart "$res"
writes client1 "$d1" 2424 && rig_fail client1-still-conflicts-after-restart "client1 wrote" ||
    rig_pass client1-still-conflicts-after-restart

out=$(pr client2 --out --release --param-rk=$KB --prout-type=1) && rig_pass release-by-client2 || rig_fail release-by-client2 "$out"
out=$(pr client2 --out --clear --param-rk=$KB) && rig_pass clear-by-client2 || rig_fail clear-by-client2 "$out"
keys=$(pr client1 --in --read-keys)
echo "$keys" | grep -qi "no registered\|there are NO" && rig_pass no-keys-after-clear || rig_fail no-keys-after-clear "$keys"
writes client1 "$d1" && rig_pass client1-writes-after-clear || rig_fail client1-writes-after-clear "client1 could not write"

rig_scsi_detach client2 $VDEV >/dev/null 2>&1
rig_scsi_detach client1 $VDEV >/dev/null 2>&1
rig_check lu-removed xvios lu rm $LU
