#!/bin/sh
# 30-redundancy-fabric-loss - I/O redundancy (docs/redundancy.md) on real devices: client1's ext2 file
# system on a pool LU (a region of the shared disk) served by vios1; a writer in client1 writes files,
# syncs, drops its page cache and verifies every file's checksum, round after round. dom0 detaches
# vios1's shared disk (`xl block-detach`: /dev/xvdb is gone in vios1 at once) mid-run: vios1 marks its
# path lost (`xvios lu paths`), forwards client1's commands to vios2/vios3, the rounds go on. dom0
# attaches the disk again (a new /dev/xvdb): vios1 reopens it, drains, goes local (its forwarded counter
# stops growing). The writer verified every round, client1's kernel logged no I/O error, and e2fsck finds
# the file system clean. The 4 KiB read latency through vios1 is printed local, forwarded and local again
# ("RIG FIGURE 30/read-4k-...").
# rig-timeout: 300
. /rig/lib.sh

LU=pool30
VDEV=0:0:0:0
MNT=/mnt/rig30
W=w30                   # the writer's tag: /var/log/rig/w30.log, /run/rig/w30.pid in client1
LAT_N=400               # 4 KiB reads per latency figure

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
if out=$(rig_shared_disk_up 64 $RIG_VIOS 2>&1); then
    rig_pass shared-disk-in-every-vios
else
    rig_fail shared-disk-in-every-vios "$out"; exit 1
fi
N1=$(rig_node_of vios1)

cleanup() {
    rig_domu_run client1 20 "touch /tmp/$W.stop; rm -f /tmp/$W.pause" >/dev/null 2>&1
    rig_domu_stop client1 $W 15 >/dev/null 2>&1
    rig_domu_run client1 20 "umount $MNT 2>/dev/null; true" >/dev/null 2>&1
    rig_scsi_detach client1 $VDEV >/dev/null 2>&1
    xvios lu rm $LU >/dev/null 2>&1
    rig_shared_disk_up 64 vios1 >/dev/null 2>&1   # vios1 gets its disk back whatever happened
}

# the state vios1 (node N) published for the LU: good, lost or unknown
path_of() { xvios lu paths $LU 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
path_is() { [ "$(path_of "$1")" = "$2" ]; }
rounds() {
    local n
    n=$(rig_domu_run client1 10 "grep -c '^round ' /var/log/rig/$W.log; true" 2>/dev/null)
    echo "${n:-0}"
}
rounds_at_least() { [ "$(rounds)" -ge "$1" ]; }
# more_rounds N: N more verified rounds than now (within 90 s)
more_rounds() { rig_wait_for 90 rounds_at_least $(($(rounds) + $1)); }
writer_ok() { ! rig_domu_run client1 10 "grep -q '^FAIL' /var/log/rig/$W.log" && rig_domu_alive client1 $W; }
# counters VIOS: the forwarded counter of VIOS's backend (SIGUSR1 logs the counters line)
forwarded() {
    rig_domu_run "$1" 15 "n=\$(grep -c 'redundancy counters:' /var/log/rig/backend.log);
        kill -USR1 \$(cat /run/rig/backend.pid) || exit 1; i=0;
        while [ \$(grep -c 'redundancy counters:' /var/log/rig/backend.log) -le \$n ]; do
            i=\$((i + 1)); [ \$i -gt 50 ] && exit 1; usleep 100000; done;
        grep 'redundancy counters:' /var/log/rig/backend.log | tail -n 1 | sed -n 's/.* forwarded=\([0-9]*\) .*/\1/p'" 2>/dev/null
}
# cke_story: what the VIOSes' DSA and CKE logged (the evidence when client1 saw an error)
cke_story() {
    local v
    for v in $RIG_VIOS; do
        echo "== $v backend:"
        rig_domu_run "$v" 10 "grep -E 'CKE|DSA|path|redundancy|LU .*(error|fail)' /var/log/rig/backend.log | tail -n 30" 2>&1
    done
}
backend_log_has() { rig_domu_run "$1" 10 "grep -q '$2' /var/log/rig/backend.log"; }
# latency LABEL: the writer paused, LAT_N 4 KiB O_DIRECT reads of client1's disk, one at a time
latency() {
    local out
    rig_domu_run client1 10 "touch /tmp/$W.pause" >/dev/null 2>&1
    rig_wait_for 30 rig_domu_run client1 5 "[ -e /tmp/$W.idle ]"
    out=$(rig_domu_run client1 60 "$RIG_BLK lat /dev/$D 12 $LAT_N" 2>&1)
    rig_domu_run client1 10 "rm -f /tmp/$W.pause" >/dev/null 2>&1
    case "$out" in
        lat\ *) echo "RIG FIGURE 30/read-4k-$1: $out"; rig_pass "read-4k-$1" ;;
        *) rig_fail "read-4k-$1" "$out; $(cke_story)" ;;
    esac
    LAT_LAST=$(echo "$out" | sed -n 's/.*median_us=\([0-9]*\).*/\1/p')
}

# ---------------------------------------------------------------- the LU, client1's file system
xvios lu rm $LU >/dev/null 2>&1
rig_check lu-created xvios lu create $LU --size 12M --offset 20M --backing $RIG_SHARED_DEV || { cleanup; exit 1; }
for v in $RIG_VIOS; do
    n=$(rig_node_of "$v")
    rig_wait_for 30 path_is "$n" good || { rig_fail "path-good-$v" "$(xvios lu paths $LU 2>&1)"; cleanup; exit 1; }
done
rig_pass every-vios-path-good
if out=$(rig_scsi_attach client1 vios1 $LU $VDEV 2>&1) && D=$(rig_scsi_disk client1 $VDEV) && [ -n "$D" ]; then
    rig_pass "attached-$D-through-vios1"
else
    rig_fail attached "$out; $(rig_domu_log vios1 backend 600)"; cleanup; exit 1
fi
out=$(rig_domu_run client1 60 "mke2fs -q /dev/$D 2>&1 && mkdir -p $MNT && mount -t ext2 /dev/$D $MNT &&
    rm -f /tmp/$W.stop /tmp/$W.pause /tmp/$W.idle && echo 'rig30: writer starts' > /dev/kmsg" 2>&1) &&
    rig_pass ext2-mounted || { rig_fail ext2-mounted "$out"; cleanup; exit 1; }

# The writer: six files of 512 KiB rewritten in turn; after each, sync, drop the page cache, and check
# every file against the checksum it had when written (the reads come from the disk).
rig_domu_spawn client1 $W "mkdir -p /tmp/$W.sums; i=0;
    while [ ! -e /tmp/$W.stop ]; do
        while [ -e /tmp/$W.pause ]; do touch /tmp/$W.idle; usleep 100000; done; rm -f /tmp/$W.idle;
        i=\$((i + 1)); f=f\$((i % 6));
        dd if=/dev/urandom of=$MNT/\$f bs=64k count=8 2>/dev/null || { echo \"FAIL round \$i: write \$f\"; exit 1; };
        sync || { echo \"FAIL round \$i: sync\"; exit 1; };
        (cd $MNT && sha256sum \$f) > /tmp/$W.sums/\$f;
        sync; echo 3 > /proc/sys/vm/drop_caches;
        (cd $MNT && cat /tmp/$W.sums/* | sha256sum -c >/tmp/$W.check 2>&1) ||
            { echo \"FAIL round \$i: verify\"; cat /tmp/$W.check; exit 1; };
        echo \"round \$i ok\";
    done; echo \"stopped after \$i rounds\"" >/dev/null ||
    { rig_fail writer-started "rig_domu_spawn"; cleanup; exit 1; }
more_rounds 3 && writer_ok && rig_pass writer-verifies-through-vios1 ||
    { rig_fail writer-verifies-through-vios1 "$(rig_domu_log client1 $W 600)"; cleanup; exit 1; }
latency local
LAT_LOCAL=$LAT_LAST
f0=$(forwarded vios1)
[ -n "$f0" ] && rig_pass "vios1-counters-forwarded-$f0" || rig_fail vios1-counters "no counters line"

# ---------------------------------------------------------------- fabric loss: vios1's disk detached
t0=$(rig_now)
rounds0=$(rounds)
if rig_shared_disk_detach vios1 && rig_wait_for 20 rig_domu_run vios1 5 "[ ! -b $RIG_SHARED_DEV ]"; then
    rig_pass "shared-disk-detached-from-vios1 ($(rig_secs_since "$t0")s)"
else
    rig_fail shared-disk-detached-from-vios1 "$RIG_SHARED_DEV still in vios1"; cleanup; exit 1
fi
if rig_wait_for 30 path_is "$N1" lost; then
    rig_pass "vios1-path-lost ($(rig_secs_since "$t0")s)"
else
    rig_fail vios1-path-lost "$(xvios lu paths $LU 2>&1)"; cleanup; exit 1
fi
paths=$(xvios lu paths $LU 2>&1)
others=$(echo "$paths" | awk -v n="$N1" '$1 ~ /^[0-9]+$/ && $1 != n && $2 == "good"' | wc -l)
[ "$others" = 2 ] && rig_pass lu-paths-vios1-lost-others-good || rig_fail lu-paths-vios1-lost-others-good "$paths"
echo "$paths" | sed 's/^/RIG INFO 30 lu paths (lost): /'
if more_rounds 3 && writer_ok; then
    rig_pass "io-continues-through-peers ($(($(rounds) - rounds0)) rounds since the detach)"
else
    rig_fail io-continues-through-peers "$(rig_domu_log client1 $W 600); $(cke_story)"
fi
peer=$(rig_domu_run vios1 10 "sed -n 's/.*CKE: $LU: forwarding to node \([0-9]*\).*/\1/p' /var/log/rig/backend.log | tail -n 1")
[ -n "$peer" ] && [ "$peer" != "$N1" ] && rig_pass "vios1-forwards-to-node-$peer" ||
    rig_fail vios1-forwards "$(rig_domu_log vios1 backend 800)"
latency forwarded
LAT_FWD=$LAT_LAST
# how the loss showed in vios1's stores: a removed disk answers a write with ENOSPC (taken as a fabric
# error: docs/redundancy.md), a read with end of file, a flush with EIO
n=$(rig_domu_run vios1 10 "grep -c 'shorter than the LU (ENOSPC)' /var/log/rig/backend.log; true" 2>/dev/null)
echo "RIG INFO 30 vios1's writes that met the removed disk's ENOSPC (answered as fabric errors): ${n:-?}"

# ---------------------------------------------------------------- the disk back: a new /dev/xvdb
t0=$(rig_now)
if out=$(rig_shared_disk_up 64 vios1 2>&1); then
    rig_pass "shared-disk-back-in-vios1 ($(rig_secs_since "$t0")s)"
else
    rig_fail shared-disk-back-in-vios1 "$out"; cleanup; exit 1
fi
if rig_wait_for 30 path_is "$N1" good; then
    rig_pass "vios1-path-good-again ($(rig_secs_since "$t0")s)"
else
    rig_fail vios1-path-good-again "$(xvios lu paths $LU 2>&1); $(rig_domu_log vios1 backend 800)"; cleanup; exit 1
fi
rig_wait_for 30 backend_log_has vios1 "CKE: $LU: local I/O again" && rig_pass vios1-local-again ||
    rig_fail vios1-local-again "$(rig_domu_log vios1 backend 800)"
backend_log_has vios1 "LU $RIG_SHARED_DEV: reopened" && rig_pass vios1-reopened-the-new-device ||
    rig_fail vios1-reopened-the-new-device "$(rig_domu_log vios1 backend 800)"
f1=$(forwarded vios1)
more_rounds 3 && writer_ok && rig_pass writer-verifies-after-return ||
    rig_fail writer-verifies-after-return "$(rig_domu_log client1 $W 600)"
f2=$(forwarded vios1)
if [ -n "$f1" ] && [ "$f1" = "$f2" ] && [ "$f1" -gt "${f0:-0}" ]; then
    rig_pass "vios1-forwarded-counter-stops-at-$f1"
else
    rig_fail vios1-forwarded-counter-stops "before the loss '$f0', after the return '$f1', 3 rounds later '$f2'"
fi
latency local-again
LAT_BACK=$LAT_LAST
echo "RIG FIGURE 30/read-4k-median-us: local $LAT_LOCAL, forwarded $LAT_FWD, local again $LAT_BACK"

# ---------------------------------------------------------------- the end: writer, kernel log, fsck
rig_domu_run client1 10 "touch /tmp/$W.stop" >/dev/null 2>&1
if rig_wait_for 60 rig_domu_run client1 5 "grep -q '^stopped after' /var/log/rig/$W.log" &&
    ! rig_domu_run client1 10 "grep -q '^FAIL' /var/log/rig/$W.log"; then
    rig_pass "writer-clean ($(rig_domu_run client1 10 "tail -n 1 /var/log/rig/$W.log"))"
else
    rig_fail writer-clean "$(rig_domu_log client1 $W 600); $(cke_story)"
fi
klog=$(rig_domu_run client1 10 "dmesg | sed -n '/rig30: writer starts/,\$p' |
    grep -iE 'I/O error|medium error|EXT[234]-fs (error|warning)|Buffer I/O|aborting journal|remounting'" 2>&1)
[ -z "$klog" ] && rig_pass client1-kernel-log-no-io-error || rig_fail client1-kernel-log-no-io-error "$klog; $(cke_story)"
out=$(rig_domu_run client1 60 "umount $MNT && e2fsck -fn /dev/$D 2>&1" 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass "fsck-clean" || rig_fail fsck-clean "exit $rc: $out"
cleanup
left=
for v in $RIG_VIOS; do rig_domu_run "$v" 5 "[ -b $RIG_SHARED_DEV ]" 2>/dev/null || left="$left $v:no-$RIG_SHARED_DEV"; done
xvios lu show $LU >/dev/null 2>&1 && left="$left $LU-still-there"
[ -z "$left" ] && rig_pass left-as-found || rig_fail left-as-found "$left"
