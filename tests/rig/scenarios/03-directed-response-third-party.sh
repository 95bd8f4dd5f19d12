#!/bin/sh
# 03-directed-response-third-party - a third-party caller in vios1 (not the
# daemon, not the CLI: a program of its own on the caller API) sends
# directed echo messages with receipts and responses to node 3 while the
# `xvios` command sends to node 3 at the same time: each gets exactly its
# own responses, nothing reaches vios2, and a directed send to a node id
# that is not a member is refused at once.
# rig-timeout: 180
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }

COUNT=10
v2_before=$(rig_vke_stat vios2 delivered_up)
v3_before=$(rig_vke_stat vios3 delivered_up)

# the third-party caller in the background; the CLI sends meanwhile
rig_domu_stop vios1 tp03 >/dev/null 2>&1
rig_domu_spawn vios1 tp03 "$RIG_TESTS_DIR/third_party_caller xen 0 $COUNT 1 --to 3; echo exit=\$?"
cli_bad=0
cli_n=0
i=0
while [ $i -lt 5 ]; do
    p="cli-03-$i-$(rig_now)"
    out=$(rig_domu_run vios1 20 "xvios --json send --to 3 --receipt --response $p" 2>&1)
    rc=$?
    cli_n=$((cli_n + 1))
    # exactly one entry: node 3, delivered, its response our own payload
    if [ $rc != 0 ] || [ "$(echo "$out" | grep -c '"node": ')" != 1 ] ||
        ! echo "$out" | grep -qF "{\"node\": 3, \"status\": \"delivered\", \"reason\": null, \"response\": \"$p\"}"; then
        cli_bad=$((cli_bad + 1))
        echo "cli send $i: exit $rc: $out"
    fi
    i=$((i + 1))
done
[ $cli_bad = 0 ] && rig_pass "cli-gets-its-own-responses ($cli_n sends)" ||
    rig_fail cli-gets-its-own-responses "$cli_bad of $cli_n sends wrong"

if rig_wait_for 60 sh -c '. /rig/lib.sh; rig_domu_log vios1 tp03 | grep -q "^exit="'; then
    log=$(rig_domu_log vios1 tp03 1400)
    if echo "$log" | grep -qx 'exit=0' && echo "$log" | grep -qx "$COUNT sends, 0 problems" &&
        [ "$(echo "$log" | grep -c 'response from node 3: third-party ')" = $COUNT ] &&
        ! echo "$log" | grep -q 'response from node [^3]' && ! echo "$log" | grep -q 'cli-03'; then
        rig_pass "third-party-gets-its-own-responses ($COUNT sends)"
    else
        rig_fail third-party-gets-its-own-responses "$(echo "$log" | tail -n 5)"
    fi
else
    rig_fail third-party-gets-its-own-responses "did not finish: $(rig_domu_log vios1 tp03 400)"
fi

# vios3 got every message once, vios2 none
v2_after=$(rig_vke_stat vios2 delivered_up)
v3_after=$(rig_vke_stat vios3 delivered_up)
if [ -n "$v2_after" ] && [ "$v2_after" = "$v2_before" ] && [ $((v3_after - v3_before)) -ge $((COUNT + cli_n)) ]; then
    rig_pass "only-vios3-received (vios3 +$((v3_after - v3_before)), vios2 +0)"
else
    rig_fail only-vios3-received "vios2 delivered_up $v2_before -> $v2_after, vios3 $v3_before -> $v3_after"
fi

# a node id that is not a member: fails at once, the node's entry says
# not-member; no target is in the cluster, so the send as a whole is
# refused (exit 6, docs/xvios.1)
# (timed inside the VIOS: the agent's round trip through XenStore is not the send's own time)
out=$(rig_domu_run vios1 20 'a=$(cut -d" " -f1 /proc/uptime); xvios send --to 9 --receipt --response nobody; rc=$?; b=$(cut -d" " -f1 /proc/uptime); echo "took $a $b"; exit $rc' 2>&1)
rc=$?
secs=$(echo "$out" | awk '/^took / { printf "%.1f", $3 - $2 }')
out=$(echo "$out" | grep -v '^took ')
if [ $rc = 6 ] && [ "$out" = "node 9: failed (not-member)" ] && [ -n "$secs" ] && [ "${secs%.*}" -lt 4 ]; then
    rig_pass "not-member-fails-at-once (${secs}s)"
else
    rig_fail not-member-fails-at-once "exit $rc after ${secs}s: $out"
fi
