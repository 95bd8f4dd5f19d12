#!/bin/sh
# 02-broadcast-receipts - a broadcast from VIOS 1, issued with the `xvios`
# command inside vios1 through its daemon, reaches VIOS 2 and 3 with a
# receipt each; each of them hands the payload to its subscriber exactly
# once, byte for byte.
# rig-timeout: 180
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }

# subscribers in vios2 and vios3 print every event (a USER message type is
# passed to them as a "message" event with its payload)
for d in vios2 vios3; do
    rig_domu_stop "$d" events02 >/dev/null 2>&1
    rig_domu_spawn "$d" events02 "exec xvios --json events"
done
# subscribed: a probe sent to both shows up in both logs (re-sent until it does)
subscribed() {
    rig_domu_run vios1 20 "xvios send --to 2,3 --receipt --type 4096 probe-02" >/dev/null 2>&1
    rig_domu_run vios2 10 'grep -q probe-02 /var/log/rig/events02.log' &&
        rig_domu_run vios3 10 'grep -q probe-02 /var/log/rig/events02.log'
}
rig_wait_for 30 subscribed || rig_fail subscribers-ready "no probe event within 30s"

payload="rig-02 $(rig_now) \"quoted\" back\\slash"
t0=$(rig_now)
out=$(rig_domu_run vios1 30 "xvios --json send --broadcast --receipt --type 4096 $(rig_shell_quote "$payload")" 2>&1)
rc=$?
secs=$(rig_secs_since "$t0")
# one JSON object per line: {"node": N, "status": "...", "reason": ..., "response": ...}
objs=$(echo "$out" | grep -o '{"node": [0-9]*, "status": "[a-z-]*"')
if [ $rc = 0 ] && echo "$objs" | grep -qx '{"node": 2, "status": "delivered"' &&
    echo "$objs" | grep -qx '{"node": 3, "status": "delivered"' && [ "$(echo "$objs" | wc -l)" = 2 ]; then
    rig_pass "broadcast-delivered-2-and-3 (round trip through the CLI ${secs}s)"
else
    rig_fail broadcast-delivered-2-and-3 "exit $rc: $out"
fi
if [ "$(echo "$objs" | sed 's/, .*//' | sort | uniq -d)" = "" ]; then
    rig_pass no-node-twice
else
    rig_fail no-node-twice "$out"
fi

# the payload, JSON-escaped as `xvios events --json` prints it
want=$(printf '%s' "$payload" | sed 's/\\/\\\\/g; s/"/\\"/g')
for d in vios2 vios3; do
    if rig_wait_for 10 sh -c ". /rig/lib.sh; rig_domu_run $d 10 'grep -c rig-02 /var/log/rig/events02.log' | grep -qx 1"; then
        line=$(rig_domu_run "$d" 10 'grep rig-02 /var/log/rig/events02.log')
        if echo "$line" | grep -qF "\"event\": \"message\", \"node\": 1," && echo "$line" | grep -qF "\"data\": \"$want\", \"category\": \"message\"}"; then
            rig_pass "delivered-once-exact-$d"
        else
            rig_fail "delivered-once-exact-$d" "event line: $line"
        fi
    else
        rig_fail "delivered-once-exact-$d" "not exactly one message event: $(rig_domu_log "$d" events02 600)"
    fi
    rig_domu_stop "$d" events02 >/dev/null
done
