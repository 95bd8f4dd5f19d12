#!/bin/sh
# 99-teardown - the shared cluster goes away: the processes in every VIOS
# stop, `xvios cluster destroy` removes /xvios and the members' grants on
# @releaseDomain; afterwards there is no cluster to destroy (REFUSED).
# rig-timeout: 120
. /rig/lib.sh

for d in $RIG_VIOS; do
    rig_domu_running "$d" || continue
    rig_vios_stop "$d"
    if rig_domu_alive "$d" backend || rig_domu_alive "$d" daemon; then
        rig_fail "stopped-$d" "a process still runs"
    else
        rig_pass "stopped-$d"
    fi
done
if xenstore-exists /xvios; then
    out=$(xvios cluster destroy 2>&1)
    rc=$?
    if [ $rc = 0 ] && ! xenstore-exists /xvios; then
        rig_pass cluster-destroyed
    else
        rig_fail cluster-destroyed "exit $rc: $out"
    fi
else
    rig_pass "cluster-destroyed (there was none)"
fi
out=$(xvios cluster destroy 2>&1)
rc=$?
[ $rc = 6 ] && rig_pass destroy-again-refused || rig_fail destroy-again-refused "exit $rc: $out"
