#!/bin/sh
# 59-objects-agent - dom0's agent on real Xen (docs/api.md, "The dom0 agent"): `xvios agent` runs in
# dom0 and registers on every VIOS's management link (vchan); a NEW vhost for client1 asked of vios2's
# daemon (`xvios api` run inside vios2) is made by dom0: vios2's backend dir and client1's frontend dir
# with libxl's permissions, the VTD record, and client1's Linux xen-scsifront sees the disk
# (sg_readcap -l); the vhost's last LUN removed, asked of vios3, closes the vhost (both dirs and the
# record gone, the disk gone from client1). The agent stopped: a new vhost asked of vios2 is DOM0_ONLY
# naming the agent, nothing written.
# rig-timeout: 480
. /rig/lib.sh

t0=$(rig_now)
rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
rig_pass "cluster-up ($(rig_secs_since "$t0")s)"
LU=/tmp/lu/rig59.img
n2=$(rig_node_of vios2)
c=$(rig_domid client1)
v2=$(rig_domid vios2)
B=$(rig_scsi_be client1 vios2 9)
F=$(rig_scsi_fe client1 9)
KEY=/xvios/vtds/$c-9-0-0-0
LOG=$(mktemp /tmp/rig59-agent.XXXXXX)
apid=
cleanup() {
    [ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
    rig_scsi_detach client1 9:0:0:0 >/dev/null 2>&1
    rig_domu_run vios2 10 "rm -f $LU" >/dev/null 2>&1
    rm -f "$LOG"
}
# vio NAME XML: the vioRequest run by the xvios of that VIOS against its own daemon; the vioResponse on stdout
vio() { rig_domu_run "$1" 60 "printf '%s' $(rig_shell_quote "$2") | xvios api"; }

rig_lu_create vios2 $LU 20 || { rig_fail lu-created "truncate in vios2 failed"; exit 1; }

xvios agent >"$LOG" 2>&1 &
apid=$!
registered() { [ "$(grep -c 'registered as dom0.s agent' "$LOG")" -ge 3 ]; }
if rig_wait_for 30 registered; then
    rig_pass agent-registered-on-3-links
else
    rig_fail agent-registered-on-3-links "$(tail -n 8 "$LOG")"; cleanup; exit 1
fi

# a new vhost asked of vios2: made by dom0's agent
t0=$(rig_now)
out=$(vio vios2 "<vioRequest version=\"1\"><mapping action=\"create\" client=\"client1\" vdev=\"9:0:0:0\" lu=\"$LU\" node=\"$n2\"/></vioRequest>" 2>&1)
if echo "$out" | grep -q 'status="ok" node="0" object="mapping" action="create"' &&
    echo "$out" | grep -q "vdev=\"9:0:0:0\" node=\"$n2\" lu=\"$LU\""; then
    rig_pass "new-vhost-asked-of-vios2-made-by-dom0 ($(rig_secs_since "$t0")s)"
else
    rig_fail new-vhost-asked-of-vios2-made-by-dom0 "$out $(tail -n 5 "$LOG")"; cleanup; exit 1
fi
grep -q "node $n2 forwards caller" "$LOG" && rig_pass agent-logged-node-and-caller || rig_fail agent-logged-node-and-caller "$(tail -n 5 "$LOG")"
perms=$(xenstore-ls -p "$(dirname "$B")" 2>&1 | grep "^9 ")
echo "$perms" | grep -q "(n$v2,r$c)" && rig_pass backend-dir-vios2-owns-client-reads || rig_fail backend-dir-vios2-owns-client-reads "$perms"
perms=$(xenstore-ls -p "$(dirname "$F")" 2>&1 | grep "^9 ")
echo "$perms" | grep -q "(n$c,r$v2)" && rig_pass frontend-dir-client-owns-vios2-reads || rig_fail frontend-dir-client-owns-vios2-reads "$perms"
rig_xs_raw $KEY | grep -qx "node=$n2" && rig_pass vtd-record-names-vios2 || rig_fail vtd-record-names-vios2 "$(rig_xs_raw $KEY)"
disk_up() { [ -n "$(rig_scsi_disk client1 9:0:0:0)" ]; }
d=
rig_wait_for 20 disk_up && d=$(rig_scsi_disk client1 9:0:0:0)
rc16=$(rig_domu_run client1 15 "sg_readcap -l /dev/$d" 2>&1)
blocks=$(echo "$rc16" | sed -n 's/.*Number of logical blocks=\([0-9]*\).*/\1/p')
bsz=$(echo "$rc16" | sed -n 's/.*Logical block length=\([0-9]*\) bytes.*/\1/p')
if [ -n "$d" ] && [ -n "$blocks" ] && [ -n "$bsz" ] && [ $((blocks * bsz)) = $((20 << 20)) ]; then
    rig_pass "client1-sees-$d-sg_readcap-$blocks-x-$bsz"
else
    rig_fail client1-sees-disk "disk '$d': $rc16"
fi

# the last LUN asked of vios3: dom0's agent closes the vhost
out=$(vio vios3 "<vioRequest version=\"1\"><mapping action=\"delete\" client=\"client1\" vdev=\"9:0:0:0\"/></vioRequest>" 2>&1)
echo "$out" | grep -q 'status="ok" node="0" object="mapping" action="delete"' &&
    rig_pass last-lun-asked-of-vios3-closed-by-dom0 || rig_fail last-lun-asked-of-vios3-closed-by-dom0 "$out"
if ! xenstore-exists "$B" && ! xenstore-exists "$F" && ! xenstore-exists $KEY &&
    [ -z "$(rig_scsi_disk client1 9:0:0:0)" ]; then
    rig_pass vhost-and-record-gone
else
    rig_fail vhost-and-record-gone "$(xenstore-ls "$B" 2>&1 | tail -n 8)"
fi

# the agent stopped: DOM0_ONLY naming it, nothing written
kill "$apid" 2>/dev/null; wait "$apid" 2>/dev/null; apid=
out=$(vio vios2 "<vioRequest version=\"1\"><mapping action=\"create\" client=\"client1\" vdev=\"9:0:0:0\" lu=\"$LU\" node=\"$n2\"/></vioRequest>" 2>&1)
if echo "$out" | grep -q 'VIOException code="DOM0_ONLY">.*no dom0 agent is connected (xvios agent)' &&
    ! xenstore-exists "$B" && ! xenstore-exists "$F" && ! xenstore-exists $KEY; then
    rig_pass no-agent-dom0-only
else
    rig_fail no-agent-dom0-only "$out"
fi
cleanup
