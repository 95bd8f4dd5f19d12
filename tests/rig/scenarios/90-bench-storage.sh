#!/bin/sh
# 90-bench-storage - the storage benchmark (make rig-bench; skipped unless selected by number):
# fio with O_DIRECT in client1 against the same bytes of the same file in dom0, served three ways:
#   xvios     a pool LU (a region of the shared disk) served by vios1's vSCSI engine (xvios-backend;
#             the VIOS reaches the file through its blkfront -> dom0's blkback -> loop device)
#   scsiback  Linux's xen-scsiback + LIO fileio on the file, in dom0 (vhost 1 of client1)
#   blkback   the loop device of that file given to client1 as a plain disk (xl block-attach)
# Workloads: 4 KiB randread QD1 and QD16, 4 KiB randwrite QD16, 1 MiB seqread QD4; two
# repetitions, interleaved (workload by workload: xvios scsiback blkback, and again). Prints a
# table (RIG-BENCH lines): IOPS, MB/s, mean latency, p99 completion latency per backend (the mean
# of the repetitions) and the IOPS ratios xvios/scsiback and xvios/blkback. Fails only if a backend
# cannot be set up (the others are still measured) or fio through xvios errs or stalls (a kernel
# backend's run that does is left out of its mean, with a RIG-BENCH-NOTE); never on a figure.
# client1 is re-created for the benchmark from the bigger image with fio (RIG_BENCH=1) and more
# memory; client2 is destroyed to make room (the runner brings both back for the next scenario).
# Before fio: the 4 KiB QD1 read latency through each backend and from vios1 straight on its own
# disk (the hop below the engine that only the xvios path has), printed as a second table.
# rig-timeout: 1200
. /rig/lib.sh

RUNTIME=5   # seconds of each fio run, after 1 s of ramp (24 runs)
REPS=2
LU=bench90
LU_MIB=60                          # the whole shared disk is 64 MiB (the size every scenario gives it)
OFF_MIB=4                          # the LU's offset in the shared disk (the pool's own data before it)
SHARED_MIB=$((OFF_MIB + LU_MIB))
VDEV_XVIOS=0:0:0:0
VHOST_K=1                          # client1's vhost served by the kernel's xen-scsiback
WWN_K=naa.6001405000000901
NEXUS_K=naa.6001405000000902
CFS=/sys/kernel/config
CORE=$CFS/target/core/fileio_0/bench90
TGT=$CFS/target/xen-pvscsi/$WWN_K/tpgt_1
BENCH_INITRD=/rig/domu/initrd-bench.cpio
CLIENT_MEM=512
OUT=$RIG_STATE/bench90
mkdir -p "$OUT"

[ -f $BENCH_INITRD ] || { rig_fail bench-image "no $BENCH_INITRD: boot the rig with RIG_BENCH=1 (make rig-bench)"; exit 1; }

# ---------------------------------------------------------------- client1 with fio
rig_destroy_domu client2
rig_destroy_domu client1
if rig_create_domu client1 client "ramdisk = \"$BENCH_INITRD\"" "memory = $CLIENT_MEM" &&
    rig_wait_domu_ready client1 120; then
    rig_pass client1-bench-image
else
    rig_fail client1-bench-image "client1 with fio did not come up"; exit 1
fi
ver=$(rig_domu_run client1 20 'fio --version' 2>&1) && rig_pass "fio-runs-$ver" ||
    { rig_fail fio-runs "$ver"; exit 1; }
# the block frontend for the blkback disk (a VIOS's module, shipped in every domU)
rig_domu_run client1 20 'for m in $(cat /etc/rig/modules.vios); do insmod /lib/modules/rig/$m.ko 2>/dev/null; done;
    grep -q "^xen_blkfront " /proc/modules' >/dev/null 2>&1 || { rig_fail client1-blkfront "xen-blkfront does not load"; exit 1; }

# ---------------------------------------------------------------- (a) xvios: a pool LU through vios1
rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
out=$(rig_shared_disk_up $SHARED_MIB $RIG_VIOS 2>&1) || { rig_fail shared-disk "$out"; exit 1; }
xvios lu rm $LU >/dev/null 2>&1
rig_check lu-created xvios lu create $LU --size ${LU_MIB}M --offset ${OFF_MIB}M --backing $RIG_SHARED_DEV || exit 1
out=$(rig_scsi_run scsi attach client1 $LU $VDEV_XVIOS --vios "$(rig_node_of vios1)" --shared \
    --timeout $RIG_SCSI_TIMEOUT_MS 2>&1) || { rig_fail xvios-attached "$out; $(rig_domu_log vios1 backend 600)"; exit 1; }
d_a=$(rig_scsi_disk client1 $VDEV_XVIOS)
case $d_a in sd[a-z]) rig_pass "xvios-disk-$d_a" ;; *) rig_fail xvios-disk "'$d_a'"; exit 1 ;; esac

# ---------------------------------------------------------------- (b) xen-scsiback + LIO fileio in dom0
k_up() {
    local m c1 be fe img_bytes
    while read -r m; do
        grep -q "^$(echo "$m" | tr - _) " /proc/modules || insmod "/lib/modules/rig/$m.ko" || return 1
    done </etc/rig/modules.bench
    grep -q " $CFS configfs" /proc/mounts || mount -t configfs none $CFS || return 1
    img_bytes=$(stat -c %s $RIG_SHARED_IMG) || return 1
    mkdir -p $CORE || return 1
    echo "fd_dev_name=$RIG_SHARED_IMG,fd_dev_size=$img_bytes" >$CORE/control || return 1
    echo 1 >$CORE/enable || return 1
    mkdir -p $TGT || return 1
    echo $NEXUS_K >$TGT/nexus || return 1
    mkdir -p $TGT/lun/lun_0 || return 1
    ln -s $CORE $TGT/lun/lun_0/bench90 || return 1
    c1=$(rig_domid client1)
    be=/local/domain/0/backend/vscsi/$c1/$VHOST_K
    fe=/local/domain/$c1/device/vscsi/$VHOST_K
    # both ends in one xenstore-write (one transaction): xen-scsiback probes the moment its
    # directory appears and gives up on a device whose frontend directory does not exist yet, and
    # xen-scsifront likewise (its device directory inherits client1's ownership, so it sees it at
    # once) on a backend it cannot read: the backend's parent is made readable to client1 first, so
    # the new nodes inherit that
    xenstore-write ${be%/*} "" || return 1
    xenstore-chmod ${be%/*} n0 r$c1 || return 1
    xenstore-write $be/frontend $fe $be/frontend-id $c1 $be/online 1 $be/feature-host 0 \
        $be/vscsi-devs/dev-0/p-dev "$WWN_K:0" $be/vscsi-devs/dev-0/v-dev "$VHOST_K:0:0:0" \
        $be/vscsi-devs/dev-0/state 1 $be/state 1 \
        $fe/backend $be $fe/backend-id 0 $fe/state 1 || return 1
    xenstore-chmod -r $be n0 r$c1 || return 1
    xenstore-chmod -r $fe n$c1 r0 || return 1
    rig_wait_for 30 rig_xs_is $be/state 4 || { echo "backend state $(xenstore-read $be/state)"; return 1; }
}
k_down() {
    local c1 be fe
    c1=$(rig_domid client1)
    be=/local/domain/0/backend/vscsi/$c1/$VHOST_K
    fe=/local/domain/$c1/device/vscsi/$VHOST_K
    [ -n "$c1" ] && { xenstore-write $be/state 5; rig_wait_for 10 rig_xs_is $fe/state 6; }
    xenstore-rm $fe 2>/dev/null
    xenstore-rm $be 2>/dev/null
    rm -f $TGT/lun/lun_0/bench90
    rmdir $TGT/lun/lun_0 $TGT $CFS/target/xen-pvscsi/$WWN_K $CORE 2>/dev/null
    return 0
}
# k_diag: what both ends say, for a vhost that did not connect
k_diag() {
    local c1
    c1=$(rig_domid client1)
    echo "== scsiback: backend and frontend nodes, error nodes"
    xenstore-ls -p /local/domain/0/backend/vscsi/$c1/$VHOST_K 2>&1 | head -n 20
    xenstore-ls -p /local/domain/$c1/device/vscsi/$VHOST_K 2>&1 | head -n 12
    xenstore-ls /local/domain/0/error 2>&1 | head -n 5
    xenstore-ls /local/domain/$c1/error 2>&1 | head -n 5
    echo "== dom0 dmesg"
    dmesg | grep -iE 'scsi|xen|target|vscsi' | tail -n 15
    echo "== client1 dmesg"
    rig_domu_run client1 10 'dmesg | tail -n 15' 2>&1
}
# a backend that cannot be set up is a FAIL; the others are still measured
BACKENDS="xvios"
has_disk_b() { [ -n "$(rig_scsi_disk client1 $VHOST_K:0:0:0)" ]; }
if out=$(k_up 2>&1); then
    rig_pass scsiback-connected
    rig_wait_for 30 has_disk_b
    d_b=$(rig_scsi_disk client1 $VHOST_K:0:0:0)
    case $d_b in
        sd[a-z]) rig_pass "scsiback-disk-$d_b"; BACKENDS="$BACKENDS scsiback" ;;
        *) rig_fail scsiback-disk "'$d_b'"; k_diag ;;
    esac
else
    rig_fail scsiback-connected "$out"
    k_diag
fi

# ---------------------------------------------------------------- (c) blkback
if xl block-attach client1 "format=raw, vdev=xvdb, access=rw, script=/rig/block-hotplug, target=$RIG_SHARED_LOOP" &&
    rig_wait_for 30 rig_domu_run client1 5 '[ -b /dev/xvdb ]'; then
    rig_pass blkback-disk-xvdb
    BACKENDS="$BACKENDS blkback"
else
    rig_fail blkback-disk "no /dev/xvdb in client1"
fi

# ---------------------------------------------------------------- the runs
# fio's terse (v3) line, cut to the fields used: read at 6.., write 41 fields later. Per direction:
# bandwidth KiB/s (+1), IOPS (+2), completion latency percentiles (+12..+31, "99.000000%=N" us),
# mean total latency us (+34).
WORKLOADS="rr4k-qd1:randread:4k:1 rr4k-qd16:randread:4k:16 rw4k-qd16:randwrite:4k:16 sr1m-qd4:read:1m:4"
dev_of() { case $1 in xvios) echo "/dev/$d_a" ;; scsiback) echo "/dev/$d_b" ;; blkback) echo /dev/xvdb ;; esac; }
off_of() { case $1 in xvios) echo 0 ;; *) echo ${OFF_MIB}m ;; esac; }   # the same bytes of the file

# ---------------------------------------------------------------- where the QD1 latency goes
# One 4 KiB O_DIRECT read at a time (blk_pattern lat: median of LAT_N), through each backend from
# client1, and from vios1 straight on its own /dev/xvdb (its blkfront -> dom0's blkback -> the loop
# device): the hop below the engine that the xvios path carries and the kernel backends, next to the
# file in dom0, do not. Interleaved in REPS rounds; printed, never judged.
LAT_N=300
lat_of() { echo "$1" | sed -n 's/.*median_us=\([0-9]*\).*/\1/p'; }
: >"$OUT/lat"
rep=1
while [ $rep -le $REPS ]; do
    for be in $BACKENDS vios1-disk; do
        if [ $be = vios1-disk ]; then
            out=$(rig_domu_run vios1 90 "$RIG_BLK lat $RIG_SHARED_DEV $LU_MIB $LAT_N" 2>&1)
        else
            out=$(rig_domu_run client1 90 "$RIG_BLK lat $(dev_of $be) $LU_MIB $LAT_N" 2>&1)
        fi
        v=$(lat_of "$out")
        [ -n "$v" ] && echo "$be $v" >>"$OUT/lat" || echo "RIG-BENCH-NOTE latency $be/$rep: no figure: $(echo "$out" | tail -n 1 | cut -c1-200)"
    done
    rep=$((rep + 1))
done

: >"$OUT/results"
failed=0
echo "RIG-BENCH-NOTE backends measured: $BACKENDS"
t0=$(rig_now)
rep=1
while [ $rep -le $REPS ]; do
    for w in $WORKLOADS; do
        set -- $(echo "$w" | tr ':' ' ')
        name=$1 rw=$2 bs=$3 qd=$4
        for be in $BACKENDS; do
            out=$(rig_domu_run client1 $((RUNTIME + 90)) "set -o pipefail; fio --name=$name --filename=$(dev_of $be) \
                --direct=1 --ioengine=libaio --rw=$rw --bs=$bs --iodepth=$qd --offset=$(off_of $be) --size=${LU_MIB}m \
                --time_based --runtime=$RUNTIME --ramp_time=1 --norandommap --randrepeat=0 \
                --output-format=terse 2>&1 | cut -d';' -f1-90" 2>&1)
            rc=$?
            line=$(echo "$out" | grep '^3;fio-' | tail -n 1)
            # field 5: fio's error number for the job
            [ -n "$line" ] && [ "$(echo "$line" | cut -d';' -f5)" = 0 ] || { [ $rc = 0 ] && rc=1; }
            if [ $rc != 0 ] && [ $be = xvios ]; then
                rig_fail "fio-$name-$be-$rep" "exit $rc: $(echo "$out" | tail -n 2)"
                failed=1
                continue
            elif [ $rc != 0 ]; then
                # a baseline (the kernel's backends) that errs or stalls is not ours to fail: its figure
                # is missing from the mean, and the run says so
                echo "RIG-BENCH-NOTE $be: run $name/$rep gave no figure (exit $rc): $(echo "$out" | tail -n 1 | cut -c1-200)"
                continue
            fi
            echo "$line" | awk -F';' -v rw=$rw -v be=$be -v wl=$name -v rep=$rep '{
                b = (rw ~ /write/) ? 47 : 6
                p99 = 0
                for (i = b + 12; i <= b + 31; i++) if ($i ~ /^99\.000000%=/) { sub(/.*=/, "", $i); p99 = $i }
                printf "%s %s %d %.0f %.2f %.0f %.0f\n", wl, be, rep, $(b + 2), $(b + 1) * 1024 / 1e6, $(b + 34), p99
            }' >>"$OUT/results"
            echo "RIG-BENCH-RUN $(tail -n 1 "$OUT/results")"
        done
    done
    rep=$((rep + 1))
done
[ $failed = 0 ] && rig_pass "fio-all-runs ($(rig_secs_since "$t0")s)"

# ---------------------------------------------------------------- the table
echo "RIG-BENCH storage: fio in client1, O_DIRECT, ${RUNTIME}s per run, ${REPS} reps interleaved, mean of reps (TCG: only ratios count)"
awk '
{ k = $1 " " $2; n[k]++; iops[k] += $4; mbs[k] += $5; lat[k] += $6; p99[k] += $7
  if (!($1 in seen)) { seen[$1] = 1; order[++nw] = $1 } }
END {
    printf "RIG-BENCH %-10s %-9s %9s %8s %10s %10s\n", "workload", "backend", "IOPS", "MB/s", "lat-us", "p99-us"
    split("xvios scsiback blkback", bes, " ")
    for (w = 1; w <= nw; w++) {
        for (b = 1; b <= 3; b++) {
            k = order[w] " " bes[b]
            if (!n[k]) continue
            printf "RIG-BENCH %-10s %-9s %9.0f %8.2f %10.0f %10.0f\n", order[w], bes[b], iops[k] / n[k], mbs[k] / n[k], lat[k] / n[k], p99[k] / n[k]
        }
    }
    printf "RIG-BENCH %-10s %16s %16s\n", "workload", "xvios/scsiback", "xvios/blkback"
    for (w = 1; w <= nw; w++) {
        a = order[w] " xvios"; s = order[w] " scsiback"; k = order[w] " blkback"
        r1 = (n[a] && n[s] && iops[s]) ? sprintf("%.2f", (iops[a] / n[a]) / (iops[s] / n[s])) : "-"
        r2 = (n[a] && n[k] && iops[k]) ? sprintf("%.2f", (iops[a] / n[a]) / (iops[k] / n[k])) : "-"
        printf "RIG-BENCH %-10s %16s %16s\n", order[w], r1, r2
    }
}' "$OUT/results"

echo "RIG-BENCH latency: one 4 KiB O_DIRECT read at a time, median of $LAT_N reads, median of $REPS rounds"
awk '
function med(k,    i, j, t, m) {
    m = n[k]; for (i = 1; i <= m; i++) s[i] = v[k, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
    return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
}
{ n[$1]++; v[$1, n[$1]] = $2 }
END {
    split("xvios scsiback blkback vios1-disk", b, " ")
    split("client1 via xvios (vios1),client1 via xen-scsiback,client1 via blkback,vios1 on its own /dev/xvdb", lab, ",")
    for (i = 1; i <= 4; i++)
        if (n[b[i]]) printf "RIG-BENCH   %-32s %8d us\n", lab[i], med(b[i])
    if (n["xvios"] && n["vios1-disk"])
        printf "RIG-BENCH   %-32s %8d us (ring, engine, one client-VIOS crossing)\n", "xvios minus vios1 own disk",
            med("xvios") - med("vios1-disk")
}' "$OUT/lat"

# ---------------------------------------------------------------- teardown
xl block-detach client1 xvdb >/dev/null 2>&1
k_down
rig_scsi_detach client1 $VDEV_XVIOS || true
xvios lu rm $LU >/dev/null 2>&1
# the runner re-creates the standard client1 and client2
rig_destroy_domu client1
exit $failed
