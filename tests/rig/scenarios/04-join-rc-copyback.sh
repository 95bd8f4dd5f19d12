#!/bin/sh
# 04-join-rc-copyback - a 4th VIOS joins between two broadcasts. A caller of
# the VKE itself (vke_tool on vios1's vke.sock) offers an RC array of room 2:
# the first broadcast (2 peers) is delivered to both; after vios4 joined the
# same call is refused with RC_TOO_SMALL and the needed count 3 copied back,
# nothing sent; with room 3 the broadcast reaches all three peers. vios4
# leaves again and its domain is destroyed.
# rig-timeout: 240
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }

# vke_send ARGS...: vke_tool send as node 1 on vios1's VKE socket
vke_send() { rig_domu_run vios1 30 "$RIG_TESTS_DIR/vke_tool send /run/xvios 1 $*" 2>&1; }
# rc_lines OUT: the "rc node=N status=S" lines, sorted
rc_lines() { echo "$1" | grep '^rc node=' | sort | tr '\n' ';'; }

out=$(vke_send --broadcast --receipt --cap 2 --timeout 5000 --payload rig-04-first)
if echo "$out" | grep -qx 'status=ok needed=2 entries=2' &&
    [ "$(rc_lines "$out")" = "rc node=2 status=delivered;rc node=3 status=delivered;" ]; then
    rig_pass broadcast-room-2-ok
else
    rig_fail broadcast-room-2-ok "$out"
fi

# ---------------------------------------------------------------- vios4 joins
t0=$(rig_now)
if rig_create_domu vios4 vios && rig_wait_domu_ready vios4 90; then
    out=$(xvios cluster add vios4 2>&1)
    rc=$?
    if [ $rc = 0 ] && echo "$out" | grep -q 'as node 4 '; then
        rig_pass add-vios4-node-4
    else
        rig_fail add-vios4-node-4 "exit $rc: $out"
    fi
    rig_vios_start vios4
    if rig_wait_for 120 rig_cluster_ready vios1 vios2 vios3 vios4; then
        rig_pass "vios4-joined ($(rig_secs_since "$t0")s)"
    else
        rig_fail vios4-joined "links: $(for d in vios1 vios2 vios3 vios4; do printf '%s=%s ' $d "$(rig_vke_stat $d links_up)"; done)"
    fi
else
    rig_fail add-vios4-node-4 "vios4 could not be created"
fi

before=$(for d in vios2 vios3 vios4; do rig_vke_stat $d delivered_up; done | tr '\n' ' ')
out=$(vke_send --broadcast --receipt --cap 2 --timeout 5000 --payload rig-04-small)
if echo "$out" | grep -qx 'status=rc_too_small needed=3 entries=0' && [ -z "$(rc_lines "$out")" ]; then
    rig_pass rc-too-small-needed-3
else
    rig_fail rc-too-small-needed-3 "$out"
fi
sleep 1
after=$(for d in vios2 vios3 vios4; do rig_vke_stat $d delivered_up; done | tr '\n' ' ')
[ "$after" = "$before" ] && rig_pass "rc-too-small-sent-nothing" ||
    rig_fail rc-too-small-sent-nothing "delivered_up of vios2..4: $before -> $after"

out=$(vke_send --broadcast --receipt --cap 3 --timeout 5000 --payload rig-04-grown)
if echo "$out" | grep -qx 'status=ok needed=3 entries=3' &&
    [ "$(rc_lines "$out")" = "rc node=2 status=delivered;rc node=3 status=delivered;rc node=4 status=delivered;" ]; then
    rig_pass grown-to-3-delivered-x3
else
    rig_fail grown-to-3-delivered-x3 "$out"
fi
after2=$(for d in vios2 vios3 vios4; do rig_vke_stat $d delivered_up; done | tr '\n' ' ')
bad=$(echo "$before|$after2" | awk -F'|' '{ n = split($1, a, " "); split($2, b, " "); for (i = 1; i <= n; i++) if (b[i] != a[i] + 1) print i }')
[ -z "$bad" ] && rig_pass each-peer-delivered-once || rig_fail each-peer-delivered-once "delivered_up $before -> $after2"

# the daemon grows its RC array by itself: the CLI's broadcast reaches all three
out=$(rig_domu_run vios1 30 "xvios --json send --broadcast --receipt rig-04-cli" 2>&1)
rc=$?
n=$(echo "$out" | grep -c '"status": "delivered"')
[ $rc = 0 ] && [ "$n" = 3 ] && rig_pass cli-broadcast-x3 || rig_fail cli-broadcast-x3 "exit $rc: $out"

# ---------------------------------------------------------------- vios4 leaves
out=$(xvios cluster remove vios4 2>&1)
rc=$?
rig_vios_stop vios4
rig_destroy_domu vios4
if [ $rc = 0 ] && rig_wait_for 30 sh -c '. /rig/lib.sh; [ "$(rig_vke_stat vios1 peers)" = 2 ]' &&
    [ "$(rig_cluster_nodes | wc -l)" = 3 ]; then
    rig_pass vios4-removed
else
    rig_fail vios4-removed "exit $rc: $out; vios1 peers=$(rig_vke_stat vios1 peers)"
fi
