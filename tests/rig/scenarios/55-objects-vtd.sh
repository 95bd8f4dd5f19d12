#!/bin/sh
# 55-objects-vtd - the VTD table on real Xen (docs/pool.md, "The VTD table"): a disk attached from
# dom0 to client1 through vios1 is recorded in /xvios/vtds with the client's hypervisor uuid, owned by
# vios1 (its serving VIOS) with READ for every other VIOS on real xenstored (a peer reads it but can
# neither change nor remove it, the client reads none of it); the API's mapping list and get asked of vios2's daemon over the
# management link answer from the table (node 2 answers, vios1 serves); a rebuild of vios1 with
# nothing wiped leaves the mapping in place; detach removes the record.
# rig-timeout: 240
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
LU=/tmp/lu/rig55.img
VD=5:0:0:0
n1=$(rig_node_of vios1)
n2=$(rig_node_of vios2)
c=$(rig_domid client1)
KEY=/xvios/vtds/$c-5-0-0-0
cleanup() {
    rig_scsi_detach client1 $VD >/dev/null 2>&1
    rig_domu_run vios1 10 "rm -f $LU" >/dev/null 2>&1
}
rig_lu_create vios1 $LU 16 || { rig_fail lu-created "truncate in vios1 failed"; exit 1; }
out=$(rig_scsi_attach client1 vios1 $LU $VD 2>&1) || { rig_fail attached "$out"; cleanup; exit 1; }
rig_pass attached-client1-through-vios1

# the record: what was attached, with the hypervisor's uuid of the client
rec=$(rig_xs_raw $KEY)
uuid=$(xenstore-read "/local/domain/$c/vm" | sed 's|^/vm/||')
if echo "$rec" | grep -qx "client=$c" && echo "$rec" | grep -qix "uuid=$uuid" && echo "$rec" | grep -qx "node=$n1" &&
    echo "$rec" | grep -qx "lu=$LU" && echo "$rec" | grep -qx "name=client1" && echo "$rec" | grep -qx "ro=0"; then
    rig_pass vtd-record-as-attached
else
    rig_fail vtd-record-as-attached "$rec (uuid $uuid, node $n1)"
fi

# permissions on real xenstored: dom0's (its writer: xenstored deletes what a destroyed VIOS owned, and
# the record must outlive its VIOS), READ for each VIOS, nothing for the client
perms=$(xenstore-ls -p /xvios/vtds 2>&1 | grep "^$c-5-0-0-0 ")
ok=1
echo "$perms" | grep -q "(n0," || ok=0
for d in $RIG_VIOS; do echo "$perms" | grep -q "r$(rig_domid "$d")" || ok=0; done
echo "$perms" | grep -q "[rwb]$c[,)]" && ok=0
[ $ok = 1 ] && rig_pass vtd-perms-dom0-owns-vioses-read || rig_fail vtd-perms-dom0-owns-vioses-read "$perms"
rig_domu_run vios2 10 "xenstore-read $KEY" >/dev/null 2>&1 && rig_pass vios2-reads || rig_fail vios2-reads "vios2 cannot read $KEY"
if rig_domu_run vios2 10 "xenstore-write $KEY forged" >/dev/null 2>&1; then
    rig_fail peer-cannot-write "vios2 overwrote vios1's record"
else
    rig_pass peer-cannot-write
fi
if rig_domu_run vios2 10 "xenstore-rm $KEY" >/dev/null 2>&1; then
    rig_fail peer-cannot-remove "vios2 removed the record"
else
    rig_pass peer-cannot-remove
fi
rig_domu_run client1 10 "xenstore-read $KEY" >/dev/null 2>&1 &&
    rig_fail client-reads-nothing "client1 read the VTD table" || rig_pass client-reads-nothing
[ "$(rig_xs_raw $KEY)" = "$rec" ] && rig_pass record-unchanged || rig_fail record-unchanged "$(rig_xs_raw $KEY)"

# mapping reads answered by vios2's daemon (over dom0's management link to node 2) from the table
req='<vioRequest version="1"><mapping action="list" client="client1"/></vioRequest>'
out=$(printf '%s' "$req" | xvios --via "$n2" api 2>&1)
if echo "$out" | grep -q "status=\"ok\" node=\"$n2\" object=\"mapping\" action=\"list\"" &&
    echo "$out" | grep -q "<mapping client=\"$c\" clientName=\"client1\" vdev=\"$VD\" node=\"$n1\" lu=\"$LU\" readOnly=\"false\"/>"; then
    rig_pass mapping-list-via-vios2
else
    rig_fail mapping-list-via-vios2 "$out"
fi
req="<vioRequest version=\"1\"><mapping action=\"get\" client=\"$c\" vdev=\"$VD\"/></vioRequest>"
out=$(printf '%s' "$req" | xvios --via "$n2" api 2>&1)
echo "$out" | grep -q "node=\"$n1\" lu=\"$LU\"" && rig_pass mapping-get-via-vios2 || rig_fail mapping-get-via-vios2 "$out"

# nothing wiped: a rebuild of vios1 finds the mapping in place and writes nothing
out=$(xvios scsi rebuild --vios "$n1" 2>&1)
echo "$out" | grep -q "^node $n1: 1 mapping recorded, 1 in place, 0 rebuilt, 0 failed$" &&
    rig_pass rebuild-in-place || rig_fail rebuild-in-place "$out"

# detach: the record goes with the nodes
rig_check detached rig_scsi_detach client1 $VD
xenstore-exists $KEY && rig_fail record-removed "$(xenstore-read $KEY 2>&1)" || rig_pass record-removed
cleanup
