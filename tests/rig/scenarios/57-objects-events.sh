#!/bin/sh
# 57-objects-events - Lifecycle events and LU modify on real Xen (docs/api.md, "Events", "Modify"):
# subscribers `xvios events --category lifecycle` in vios2 (one with --type LU) and in dom0 (--via
# vios2's node) see each change once, with `by` and `via` naming the node that made it and the node
# it came through: pool LUs and a named pool made and removed by dom0 (with no node named: vios2's own
# DB watch raises them; with --via vios1: vios1's announcement), a mapping made by dom0 through vios1 and
# a LUN hot-added and removed by vios1 (asked of vios1's own daemon). `xvios lu modify --size` grows a
# pool LU served to client1: client1's Linux sees the new capacity (sg_readcap; CAPACITY DATA HAS CHANGED
# in its kernel log; /sys/block/sdX/size after a rescan). `--ro` changes no LUN already served (the
# client still writes); the mapping's mode changed (mapping modify, the LUN plugged out and in) makes
# client1's write fail. The XenStore nodes and their permissions are read back after each change.
# rig-timeout: 420
. /rig/lib.sh

T0=$(rig_now)
rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
rig_shared_disk_up 64 $RIG_VIOS >/dev/null 2>&1 || { rig_fail shared-disk "$(rig_shared_disk_up 64 $RIG_VIOS 2>&1)"; exit 1; }
echo "57: cluster and shared disk up after $(rig_secs_since "$T0")s"
n1=$(rig_node_of vios1)
n2=$(rig_node_of vios2)
c=$(rig_domid client1)
v1=$(rig_domid vios1)
B=$(rig_scsi_be client1 vios1 9)
LA=rig57a
LB=rig57b
PL=rig57p
DEV0=/tmp/rig57-events.json
cleanup() {
    rig_domu_stop vios2 ev57 >/dev/null 2>&1
    rig_domu_stop vios2 ev57lu >/dev/null 2>&1
    [ -n "$dpid" ] && kill "$dpid" 2>/dev/null
    rm -f /tmp/rig57-vios2.json /tmp/rig57-vios2-lu.json
    rig_scsi_detach client1 9:0:0:1 >/dev/null 2>&1
    rig_scsi_detach client1 9:0:0:0 >/dev/null 2>&1
    xvios lu rm $LA >/dev/null 2>&1
    xvios lu rm $LB >/dev/null 2>&1
    xvios pool delete $PL >/dev/null 2>&1
}
api() { printf '<vioRequest version="1">%s</vioRequest>' "$1" | xvios --via "$n1" api 2>&1; }       # dom0, through vios1
api_in_vios1() { rig_domu_run vios1 60 "printf '%s' $(rig_shell_quote "<vioRequest version=\"1\">$1</vioRequest>") | xvios api"; }
life() { printf '"action": "%s", "type": "%s", "key": "%s", "by": "%s", "via": "%s"' "$@"; }
# seen2 TAG PATTERN: vios2's subscriber TAG got a line holding PATTERN (waits up to 15 s)
seen2() { rig_wait_for 15 rig_domu_run vios2 5 "grep -qF -- $(rig_shell_quote "$2") /var/log/rig/$1.log"; }
# ev NAME PATTERN: vios2's lifecycle subscriber and dom0's got the event
ev() {
    if rig_wait_for 15 grep -qF -- "$2" $DEV0 && seen2 ev57 "$2"; then
        rig_pass "event-$1"
    else
        rig_fail "event-$1" "want $2; vios2: $(rig_domu_log vios2 ev57 600); dom0: $(tail -c 400 $DEV0)"
    fi
}
# perms_ok OWNER LINE: a `xenstore-ls -p` line owned by domid OWNER, READ for every other VIOS, nothing for client1
perms_ok() {
    local d x
    echo "$2" | grep -q "(n$1," || return 1
    for d in $RIG_VIOS; do x=$(rig_domid "$d"); [ "$x" = "$1" ] || echo "$2" | grep -q "r$x[,)]" || return 1; done
    ! echo "$2" | grep -q "[rwb]$c[,)]"
}
xs_perm() { xenstore-ls -p "$1" 2>&1 | grep "^$2 "; }   # DIR NAME: the line of DIR's child NAME
cap() { rig_domu_run client1 15 "sg_readcap -l /dev/$1" 2>&1; }
blocks() { echo "$1" | sed -n 's/.*Number of logical blocks=\([0-9]*\).*/\1/p'; }
cap_is() { [ "$(blocks "$(cap "$1")")" = "$2" ]; }   # DISK BLOCKS: sg_readcap says BLOCKS
cleanup

echo "57: set up after $(rig_secs_since "$T0")s"
T1=$(rig_now)
# --- subscribers: two in vios2 (its own daemon), one in dom0 through the management link to vios2
# (--json prints no "listening" line: vios2's daemon counts its callers, and logs the management console)
# node 2's callers as its daemon counts them (this query included), asked in vios2: the answering node's object
# comes first (filtered there: the whole answer is longer than the agent's output)
callers2() { rig_domu_run vios2 10 "xvios --json nodes | tr ',' '\n' | grep -m 1 '\"callers\"'" 2>/dev/null | sed 's/[^0-9]//g'; }
callers2_ge() { [ "$(callers2)" -ge "$1" ] 2>/dev/null; }
consoles2() { rig_domu_run vios2 10 'grep -c "management console connected" /var/log/rig/daemon.log' 2>/dev/null; }
consoles2_gt() { [ "$(consoles2)" -gt "$1" ] 2>/dev/null; }
mc0=$(consoles2)
cl0=$(callers2)
rig_domu_spawn vios2 ev57 "xvios --json events --category lifecycle" >/dev/null
rig_domu_spawn vios2 ev57lu "xvios --json events --category lifecycle --type LU" >/dev/null
xvios --via "$n2" --json events --category lifecycle >$DEV0 2>&1 &
dpid=$!
if rig_wait_for 20 callers2_ge $((${cl0:-1} + 2)) && rig_wait_for 20 consoles2_gt "${mc0:-0}"; then
    rig_pass subscribers-in-vios2-and-dom0
else
    rig_fail subscribers-in-vios2-and-dom0 "callers $cl0 -> $(callers2), consoles $mc0 -> $(consoles2): $(rig_domu_log vios2 ev57 400) / $(cat $DEV0)"; cleanup; exit 1
fi

# --- a pool LU and a named pool made by dom0 with no node named: raised by vios2's own watch (via vios2)
rig_check lu-created-by-dom0 xvios lu create $LA --size 8M --offset 24M --backing $RIG_SHARED_DEV || { cleanup; exit 1; }
ev lu-created-by-0-via-vios2 "$(life created LU $LA 0 "$n2")"
perms=$(xs_perm /xvios/pool/lus $LA)
size=$(xenstore-read /xvios/pool/lus/$LA/size 2>&1)
perms_ok 0 "$perms" && [ "$size" = 8388608 ] &&
    rig_pass lu-node-dom0s-vioses-read || rig_fail lu-node-dom0s-vioses-read "$perms; size '$size'"
rig_check pool-created-by-dom0 xvios pool create $PL
ev pool-created-by-0-via-vios2 "$(life created pool $PL 0 "$n2")"
perms=$(xs_perm /xvios/pools $PL)
perms_ok 0 "$perms" && rig_pass pool-node-dom0s-vioses-read || rig_fail pool-node-dom0s-vioses-read "$perms"

# --- a mapping made by dom0 and announced through vios1 (a new vhost: dom0's), served by vios1
t0=$(rig_now)
out=$(api "<mapping action=\"create\" client=\"client1\" vdev=\"9:0:0:0\" lu=\"$LA\" node=\"$n1\"/>")
if echo "$out" | grep -q 'status="ok" node="0" object="mapping" action="create"'; then
    rig_pass "mapping-created-by-dom0-via-vios1 ($(rig_secs_since "$t0")s)"
else
    rig_fail mapping-created-by-dom0-via-vios1 "$out"; cleanup; exit 1
fi
ev mapping-created-by-0-via-vios1 "$(life created mapping "$c:9:0:0:0" 0 "$n1")"
perms=$(xs_perm /xvios/vtds "$c-9-0-0-0")
perms_ok 0 "$perms" && rig_xs_raw "/xvios/vtds/$c-9-0-0-0" | grep -qx "pool-lu=$LA" &&
    rig_pass vtd-record-dom0s || rig_fail vtd-record-dom0s "$perms $(rig_xs_raw /xvios/vtds/$c-9-0-0-0)"
dev=$(xenstore-list "$B/vscsi-devs" 2>/dev/null | while read -r x; do
    [ "$(xenstore-read "$B/vscsi-devs/$x/v-dev" 2>/dev/null)" = 9:0:0:0 ] && echo "$x"; done)
perms=$(xenstore-ls -p "$B/vscsi-devs" 2>&1 | grep "^$dev ")
[ -n "$dev" ] && echo "$perms" | grep -q "(n$v1,r$c)" && rig_xs_is "$B/vscsi-devs/$dev/state" 4 && rig_xs_is "$B/state" 4 &&
    rig_pass "$dev-vios1s-client-reads" || rig_fail dev-vios1s-client-reads "'$dev' $perms; $(xenstore-ls "$B" 2>&1 | tail -n 8)"

# --- an LU announced through vios1, hot-added by vios1 asked of its own daemon
rig_check lu-created-via-vios1 xvios --via "$n1" lu create $LB --size 8M --offset 48M --backing $RIG_SHARED_DEV
ev lu-created-by-0-via-vios1 "$(life created LU $LB 0 "$n1")"
out=$(api_in_vios1 "<mapping action=\"create\" client=\"client1\" vdev=\"9:0:0:1\" lu=\"$LB\"/>" 2>&1)
echo "$out" | grep -q "status=\"ok\" node=\"$n1\" object=\"mapping\" action=\"create\"" &&
    rig_pass lun-hot-added-by-vios1 || rig_fail lun-hot-added-by-vios1 "$out"
ev "mapping-created-by-vios1-via-vios1" "$(life created mapping "$c:9:0:0:1" "$n1" "$n1")"
perms=$(xs_perm /xvios/vtds "$c-9-0-0-1")
perms_ok "$v1" "$perms" && rig_pass vtd-record-vios1s || rig_fail vtd-record-vios1s "$perms"

# --- grow: dom0's lu modify --size, announced through vios1; client1's Linux sees the new capacity
d=$(rig_scsi_disk client1 9:0:0:0)
before=$(blocks "$(cap "$d")")
sys0=$(rig_domu_run client1 5 "cat /sys/block/$d/size" 2>/dev/null)
ua0=$(rig_domu_run client1 5 "dmesg | grep -c 'Capacity data has changed'" 2>/dev/null)
[ -n "$d" ] && [ "$before" = 16384 ] && [ "$sys0" = 16384 ] && rig_pass "client1-$d-8MiB-before" ||
    rig_fail client1-8MiB-before "disk '$d', sg_readcap '$before', sysfs '$sys0'"
t0=$(rig_now)
rig_check lu-grown-via-vios1 xvios --via "$n1" lu modify $LA --size 16M
first=$(cap "$d")
if rig_wait_for 15 cap_is "$d" 32768; then
    rig_pass "client1-sg_readcap-32768-blocks-after-$(rig_secs_since "$t0")s"
else
    rig_fail client1-sg_readcap-after-grow "$(cap "$d"); $(rig_domu_log vios1 backend 600)"
fi
rig_domu_run client1 15 "dd if=/dev/$d of=/dev/null bs=4096 count=1 iflag=direct" >/dev/null 2>&1
ua1=$(rig_domu_run client1 5 "dmesg | grep -c 'Capacity data has changed'" 2>/dev/null)
[ "${ua1:-0}" -gt "${ua0:-0}" ] && rig_pass client1-kernel-capacity-data-has-changed ||
    rig_fail client1-kernel-capacity-data-has-changed "dmesg count $ua0 -> $ua1; first sg_readcap after: $first"
sys1=$(rig_domu_run client1 10 "echo 1 > /sys/block/$d/device/rescan; cat /sys/block/$d/size" 2>&1)
[ "$sys1" = 32768 ] && rig_pass "client1-sysfs-size-32768-after-rescan" || rig_fail client1-sysfs-size-after-rescan "$sys1"
ev lu-modified-by-0-via-vios1 "$(life modified LU $LA 0 "$n1")"
perms=$(xenstore-ls -p /xvios/pool/lus/$LA 2>&1 | grep "^size ")
perms_ok 0 "$perms" && echo "$perms" | grep -q '"16777216"' && rig_pass lu-size-node-16MiB-dom0s ||
    rig_fail lu-size-node-16MiB-dom0s "$perms"

# --- read-only: the LU's flag (no node named: vios2's watch); a LUN already served keeps its mode
rig_check lu-ro xvios lu modify $LA --ro
ev lu-ro-modified-by-0-via-vios2 "$(life modified LU $LA 0 "$n2")"
rig_xs_is /xvios/pool/lus/$LA/ro 1 && rig_pass lu-ro-node-1 || rig_fail lu-ro-node-1 "$(xenstore-ls -p /xvios/pool/lus/$LA 2>&1)"
out=$(rig_domu_run client1 60 "$RIG_BLK write /dev/$d 1 5757" 2>&1) && rig_pass served-lun-keeps-its-mode ||
    rig_fail served-lun-keeps-its-mode "$out"
# the mapping's mode: plugged out and in read-only by dom0; client1's write now fails
out=$(api "<mapping action=\"modify\" client=\"client1\" vdev=\"9:0:0:0\" readOnly=\"true\"/>")
echo "$out" | grep -q 'action="modify"' && echo "$out" | grep -q 'readOnly="true" state="connected"' &&
    rig_pass mapping-modified-ro || rig_fail mapping-modified-ro "$out"
# the re-plug waits for client1's Linux to let go of the LUN and take it back: when that outlasts the 2.5 s in
# which vios2's watch holds its copy for the announcement, the watch's copy goes out (via vios2) and the later
# announcement is dropped; else the announcement's (via vios1). Either way once (any via here).
MMOD=$(life modified mapping "$c:9:0:0:0" 0 x); MMOD=${MMOD%x\"}
ev mapping-modified-by-0 "$MMOD"
rig_xs_raw "/xvios/vtds/$c-9-0-0-0" | grep -qx "ro=1" && perms_ok 0 "$(xs_perm /xvios/vtds "$c-9-0-0-0")" &&
    rig_pass vtd-record-ro-dom0s || rig_fail vtd-record-ro-dom0s "$(rig_xs_raw /xvios/vtds/$c-9-0-0-0)"
has_disk0() { [ -n "$(rig_scsi_disk client1 9:0:0:0)" ]; }
rig_wait_for 15 has_disk0
d=$(rig_scsi_disk client1 9:0:0:0)
if [ -z "$d" ]; then
    rig_fail client1-write-fails-read-only "no disk for 9:0:0:0 after the re-plug"
elif out=$(rig_domu_run client1 60 "$RIG_BLK write /dev/$d 1 5758" 2>&1); then
    rig_fail client1-write-fails-read-only "the write to /dev/$d succeeded"
else
    rig_pass "client1-write-fails-read-only-$d"
    out=$(rig_domu_run client1 60 "$RIG_BLK verify /dev/$d 1 5757" 2>&1) && rig_pass client1-reads-what-it-wrote ||
        rig_fail client1-reads-what-it-wrote "$out"
fi

# --- deletes: the LUN vios1 added (asked of vios1), the vhost (dom0's), the LUs, the pool
out=$(api_in_vios1 "<mapping action=\"delete\" client=\"client1\" vdev=\"9:0:0:1\"/>" 2>&1)
echo "$out" | grep -q "status=\"ok\" node=\"$n1\" object=\"mapping\" action=\"delete\"" &&
    rig_pass lun-removed-by-vios1 || rig_fail lun-removed-by-vios1 "$out"
ev mapping-deleted-by-vios1-via-vios1 "$(life deleted mapping "$c:9:0:0:1" "$n1" "$n1")"
out=$(api "<mapping action=\"delete\" client=\"client1\" vdev=\"9:0:0:0\"/>")
echo "$out" | grep -q 'status="ok" node="0" object="mapping" action="delete"' &&
    rig_pass vhost-removed-by-dom0 || rig_fail vhost-removed-by-dom0 "$out"
ev mapping-deleted-by-0-via-vios1 "$(life deleted mapping "$c:9:0:0:0" 0 "$n1")"
! xenstore-exists "/xvios/vtds/$c-9-0-0-0" && ! xenstore-exists "/xvios/vtds/$c-9-0-0-1" &&
    [ -z "$(rig_scsi_disk client1 9:0:0:0)" ] && rig_pass records-and-disk-gone || rig_fail records-and-disk-gone "$(xenstore-ls /xvios/vtds 2>&1 | head -n 5)"
rig_check lu-a-removed xvios lu rm $LA
ev lu-deleted-by-0-via-vios2 "$(life deleted LU $LA 0 "$n2")"
rig_check lu-b-removed-via-vios1 xvios --via "$n1" lu rm $LB
ev lu-deleted-by-0-via-vios1 "$(life deleted LU $LB 0 "$n1")"
rig_check pool-deleted xvios pool delete $PL
ev pool-deleted-by-0-via-vios2 "$(life deleted pool $PL 0 "$n2")"
! xenstore-exists /xvios/pool/lus/$LA && ! xenstore-exists /xvios/pool/lus/$LB && ! xenstore-exists /xvios/pools/$PL &&
    rig_pass lu-and-pool-nodes-gone || rig_fail lu-and-pool-nodes-gone "$(xenstore-ls /xvios/pool/lus 2>&1 | head -n 5)"

# --- each change once per subscriber (past the 2.5 s in which a second copy could come); --type LU
sleep 3
V2=/tmp/rig57-vios2.json
V2LU=/tmp/rig57-vios2-lu.json
rig_domu_cat vios2 /var/log/rig/ev57.log >$V2 && rig_domu_cat vios2 /var/log/rig/ev57lu.log >$V2LU ||
    rig_fail read-vios2-streams "cannot read vios2's logs"
bad=
for p in "$(life created LU $LA 0 "$n2")" "$(life created pool $PL 0 "$n2")" "$(life created mapping "$c:9:0:0:0" 0 "$n1")" \
    "$(life created LU $LB 0 "$n1")" "$(life created mapping "$c:9:0:0:1" "$n1" "$n1")" "$(life modified LU $LA 0 "$n1")" \
    "$(life modified LU $LA 0 "$n2")" "$MMOD" \
    "$(life deleted mapping "$c:9:0:0:1" "$n1" "$n1")" "$(life deleted mapping "$c:9:0:0:0" 0 "$n1")" \
    "$(life deleted LU $LA 0 "$n2")" "$(life deleted LU $LB 0 "$n1")" "$(life deleted pool $PL 0 "$n2")"; do
    [ "$(grep -cF -- "$p" $V2)" = 1 ] || bad="$bad vios2:[$p]x$(grep -cF -- "$p" $V2)"
    [ "$(grep -cF -- "$p" $DEV0)" = 1 ] || bad="$bad dom0:[$p]x$(grep -cF -- "$p" $DEV0)"
done
# no other copy of these objects' changes (by another node or via another)
keys="\"key\": \"($LA|$LB|$PL|$c:9:0:0:[01])\""
n_all=$(grep -cE "$keys" $V2)
[ "$n_all" = 13 ] || bad="$bad vios2-total=$n_all: $(grep -E "$keys" $V2 | sed 's/.*"action"/"action"/' | tr '\n' ' ')"
n_all=$(grep -cE "$keys" $DEV0)
[ "$n_all" = 13 ] || bad="$bad dom0-total=$n_all"
[ -z "$bad" ] && rig_pass each-change-once-vios2-and-dom0 || rig_fail each-change-once-vios2-and-dom0 "$bad"
lu=$(grep -cE "\"key\": \"($LA|$LB)\"" $V2LU)
nonlu=$(grep '"event": "lifecycle"' $V2LU | grep -vc '"type": "LU"')
[ "$lu" = 6 ] && [ "$nonlu" = 0 ] && rig_pass type-lu-filter-6-lu-events-no-mapping ||
    rig_fail type-lu-filter "LU events $lu, others $nonlu: $(tail -c 600 $V2LU)"
cleanup
echo "57: the checks took $(rig_secs_since "$T1")s (setup included: $(rig_secs_since "$T0")s)"
