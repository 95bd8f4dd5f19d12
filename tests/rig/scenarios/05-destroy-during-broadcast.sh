#!/bin/sh
# 05-destroy-during-broadcast - `xl destroy vios3` while a broadcast with
# receipts from vios1 waits for vios3's receipt (vios3 is paused first, so
# the broadcast is surely in flight). The broadcast ends within its timeout:
# node 2 delivered, node 3 failed, exit PARTIAL; vios1 keeps working; dom0,
# watching the cluster's events through vios1's management link, sees node 3
# lost. xenstored drops a destroyed domain's nodes, so node 3 leaves the DB
# with it; the re-created vios3 (a new domain, new domid) joins again with
# `xvios cluster add` under a new node id.
# rig-timeout: 240
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
TIMEOUT_MS=5000
EV=$RIG_STATE/05-events.log

# dom0 watches the cluster's events through node 1's management link
consoles() { rig_domu_run vios1 10 'grep -c "management console connected" /var/log/rig/daemon.log' 2>/dev/null; }
n0=$(consoles)
xvios --via 1 --json events >"$EV" 2>&1 &
evpid=$!
if rig_wait_for 20 sh -c ". /rig/lib.sh; [ \"\$(rig_domu_run vios1 10 'grep -c \"management console connected\" /var/log/rig/daemon.log')\" -gt ${n0:-0} ]"; then
    rig_pass events-via-mgmt-link-connected
else
    rig_fail events-via-mgmt-link-connected "$(cat "$EV")"
fi
sleep 1   # the subscription follows the connection

# the broadcast, waiting for paused vios3's receipt
xl pause vios3
rig_domu_stop vios1 bcast05 >/dev/null 2>&1
rig_domu_spawn vios1 bcast05 "s=\$(cut -d' ' -f1 /proc/uptime); xvios --json send --broadcast --receipt --timeout $TIMEOUT_MS rig-05; echo exit=\$? start=\$s end=\$(cut -d' ' -f1 /proc/uptime)"
sleep 1
if rig_domu_alive vios1 bcast05; then
    rig_pass broadcast-in-flight
else
    rig_fail broadcast-in-flight "it ended before vios3 was destroyed: $(rig_domu_log vios1 bcast05)"
fi
xl destroy vios3
if rig_wait_for 20 sh -c '. /rig/lib.sh; rig_domu_log vios1 bcast05 | grep -q "^exit="'; then
    log=$(rig_domu_log vios1 bcast05)
    ex=$(echo "$log" | sed -n 's/^exit=\([0-9]*\) .*/\1/p')
    el=$(echo "$log" | sed -n 's/^exit=.* start=\([0-9.]*\) end=\([0-9.]*\)$/\1 \2/p' | awk '{ printf "%.1f", $2 - $1 }')
    objs=$(echo "$log" | grep -o '{"node": [0-9]*, "status": "[a-z-]*"')
    if [ "$ex" = 3 ] && echo "$objs" | grep -qx '{"node": 2, "status": "delivered"' &&
        echo "$objs" | grep -qx '{"node": 3, "status": "failed"' && [ "$(echo "$objs" | wc -l)" = 2 ]; then
        rig_pass "partial-node3-failed-node2-delivered ($(echo "$log" | grep -o '"node": 3, .*' | head -n 1))"
    else
        rig_fail partial-node3-failed-node2-delivered "$log"
    fi
    if awk -v e="$el" -v t=$TIMEOUT_MS 'BEGIN { exit !(e != "" && e * 1000 <= t + 1500) }'; then
        rig_pass "ended-within-timeout (${el}s, timeout ${TIMEOUT_MS}ms)"
    else
        rig_fail ended-within-timeout "took ${el}s, timeout ${TIMEOUT_MS}ms"
    fi
else
    rig_fail partial-node3-failed-node2-delivered "the broadcast did not end: $(rig_domu_log vios1 bcast05)"
fi

# the sender stays healthy
out=$(rig_domu_run vios1 20 'xvios --json send --to 2 --receipt rig-05-after' 2>&1)
rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q '{"node": 2, "status": "delivered"'; then
    rig_pass sender-healthy
else
    rig_fail sender-healthy "exit $rc: $out"
fi

# dom0's event stream saw node 3 lost
if rig_wait_for 15 grep -q '"event": "node-lost", "node": 3' "$EV"; then
    rig_pass events-node-3-lost
else
    rig_fail events-node-3-lost "events: $(tr '\n' ' ' <"$EV")"
    echo "== vios1 backend log"; rig_domu_log vios1 backend 1400
    echo "== vios1 daemon log"; rig_domu_log vios1 daemon 1400
fi
kill "$evpid" 2>/dev/null
wait "$evpid" 2>/dev/null

# xenstored removed the destroyed domain's nodes: node 3 is no longer in the DB
if rig_wait_for 10 sh -c '! xenstore-read /xvios/nodes/3/domid' &&
    rig_wait_for 15 sh -c '. /rig/lib.sh; [ "$(rig_vke_stat vios1 peers)" = 1 ]'; then
    rig_pass "node-3-gone-from-db ($(rig_cluster_nodes | awk '{ printf "%s ", $1 }'))"
else
    rig_fail node-3-gone-from-db "$(rig_cluster_nodes | tr '\n' ';') vios1 peers=$(rig_vke_stat vios1 peers)"
fi

# ---------------------------------------------------------------- vios3 again
# a new domain: it joins under a node id never used before in this cluster
t0=$(rig_now)
if rig_standard_domus_up 120; then
    out=$(xvios cluster add vios3 2>&1)
    rc=$?
    new=$(echo "$out" | sed -n 's/.* as node \([0-9]*\) .*/\1/p')
    rig_vios_start vios3
    if [ $rc = 0 ] && [ -n "$new" ] && [ "$new" -gt 3 ] && ! echo "$out" | grep -q warning &&
        rig_wait_for 120 rig_cluster_ready $RIG_VIOS; then
        rig_pass "vios3-rejoined-as-new-node-$new ($(rig_secs_since "$t0")s)"
    else
        rig_fail vios3-rejoined-as-new-node "exit $rc: $out; $(rig_cluster_nodes | tr '\n' ';')"
    fi
    out=$(rig_domu_run vios1 30 'xvios --json send --broadcast --receipt rig-05-again' 2>&1)
    rc=$?
    objs=$(echo "$out" | grep -o '{"node": [0-9]*, "status": "[a-z-]*"' | tr '\n' ';')
    if [ $rc = 0 ] && [ "$objs" = "{\"node\": 2, \"status\": \"delivered\";{\"node\": $new, \"status\": \"delivered\";" ]; then
        rig_pass broadcast-reaches-new-node
    else
        rig_fail broadcast-reaches-new-node "exit $rc: $out"
    fi
else
    rig_fail vios3-rejoined-as-new-node "vios3 could not be created again"
fi
