#!/bin/sh
# 06-isolation - what XenStore and the links refuse. client1 (not a member)
# reads nothing of the cluster DB, cannot connect to a VIOS's cluster link
# nor to its management link; a member reads the others' nodes but writes
# and removes only its own; the DB is unchanged by all the attempts.
# rig-timeout: 240
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
d1=$(rig_domid vios1)
db_before=$(xenstore-ls -f -p /xvios)

# ---------------------------------------------------------------- the client
rig_domu_run client1 10 xenstore-read /xvios/config/name >/dev/null 2>&1
rc_read=$?
err=$(rig_domu_run client1 10 xenstore-ls /xvios 2>&1 >/dev/null)
rc_ls=$?
if [ $rc_read != 0 ] && [ $rc_ls != 0 ] && echo "$err" | grep -q 'Permission denied'; then
    rig_pass client-cannot-read-db
else
    rig_fail client-cannot-read-db "read exit $rc_read, ls exit $rc_ls: $err"
fi

# vios1 serves node 3's link at /local/domain/<vios1>/data/xvios/l3; the
# client poses as node 3 (its rendezvous is granted to vios3's domain only)
rv=/local/domain/$d1/data/xvios/l3
up_before=$(rig_vke_stat vios1 link_up)
in_before=$(rig_vke_stat vios1 packets_in)
if xenstore-read "$rv/ring-ref" >/dev/null 2>&1; then
    out=$(rig_domu_run client1 20 "$RIG_TESTS_DIR/vke_tool linkprobe 3 1 $d1 5" 2>&1)
    rc=$?
    if [ $rc = 1 ] && echo "$out" | grep -qE 'refused|never came up|cannot open'; then
        rig_pass "client-cannot-connect-cluster-link ($(echo "$out" | grep -oE 'refused|never came up|cannot open.*'))"
    else
        rig_fail client-cannot-connect-cluster-link "exit $rc: $out"
    fi
else
    rig_fail client-cannot-connect-cluster-link "vios1 does not serve $rv"
fi
out=$(rig_domu_run client1 30 'xvios --via 1 nodes' 2>&1)
rc=$?
if [ $rc != 0 ] && [ $rc != 124 ] && [ $rc != 137 ]; then
    rig_pass "client-cannot-use-mgmt-link (exit $rc)"
else
    rig_fail client-cannot-use-mgmt-link "exit $rc: $out"
fi
up_after=$(rig_vke_stat vios1 link_up)
in_after=$(rig_vke_stat vios1 packets_in)
if [ -n "$up_after" ] && [ "$up_after" = "$up_before" ] && [ "$in_after" = "$in_before" ] &&
    [ "$(rig_vke_stat vios1 links_up)" = 2 ]; then
    rig_pass vios1-saw-nothing
else
    rig_fail vios1-saw-nothing "link_up $up_before -> $up_after, packets_in $in_before -> $in_after"
fi

# ---------------------------------------------------------------- members
out=$(rig_domu_run vios1 10 'xenstore-write /xvios/nodes/2/state x' 2>&1)
rc=$?
[ $rc != 0 ] && rig_pass vios1-cannot-write-node-2 || rig_fail vios1-cannot-write-node-2 "exit 0: $out"
out=$(rig_domu_run vios2 10 'xenstore-write /xvios/nodes/1/online 0' 2>&1)
rc=$?
[ $rc != 0 ] && rig_pass vios2-cannot-write-node-1 || rig_fail vios2-cannot-write-node-1 "exit 0: $out"
out=$(rig_domu_run vios2 10 'xenstore-rm /xvios/nodes/1' 2>&1)
rc=$?
[ $rc != 0 ] && rig_pass vios2-cannot-remove-node-1 || rig_fail vios2-cannot-remove-node-1 "exit 0: $out"
got=$(rig_domu_run vios2 10 'xenstore-read /xvios/nodes/1/name' 2>&1)
[ "$got" = vios1 ] && rig_pass vios2-reads-node-1 || rig_fail vios2-reads-node-1 "read '$got'"
# its own identity is dom0's: every grant is derived from it
out=$(rig_domu_run vios1 10 'xenstore-write /xvios/nodes/1/domid 0' 2>&1)
rc=$?
[ $rc != 0 ] && rig_pass vios1-cannot-rewrite-own-domid || rig_fail vios1-cannot-rewrite-own-domid "exit 0: $out"
# its own online flag: written with the value it holds, so the DB stays as it was
out=$(rig_domu_run vios1 10 'xenstore-write /xvios/nodes/1/online "$(xenstore-read /xvios/nodes/1/online)"' 2>&1)
rc=$?
[ $rc = 0 ] && rig_pass vios1-writes-own-node || rig_fail vios1-writes-own-node "exit $rc: $out"

db_after=$(xenstore-ls -f -p /xvios)
if [ "$db_after" = "$db_before" ]; then
    rig_pass db-unchanged
else
    rig_fail db-unchanged "$(echo "$db_before" >/tmp/06a; echo "$db_after" >/tmp/06b; diff /tmp/06a /tmp/06b | head -n 5)"
fi
