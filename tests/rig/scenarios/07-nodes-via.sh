#!/bin/sh
# 07-nodes-via - dom0 asks node 2's daemon, over its management link, for
# every node: nodes 1, 2 and 3 with their domids and names as the cluster DB
# and xl have them, each active; --via a node id that is not a member fails
# with the documented exit code, within the timeout.
# rig-timeout: 180
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }

t0=$(rig_now)
out=$(xvios --via 2 --json nodes 2>&1)
rc=$?
secs=$(rig_secs_since "$t0")
want=
for d in $RIG_VIOS; do
    n=${d#vios}
    want="$want$n $(rig_domid "$d") $d active;"
done
# one object per node (the answering node first)
# (one object per line; the last line gets its newline back, or read would skip it)
objects() { echo "$1" | tr -d '\n' | sed 's/}, *{/}\n{/g'; echo; }
got=$(objects "$out" | while read -r o; do
    [ -n "$o" ] || continue
    echo "$(rig_json_num "$o" node) $(rig_json_num "$o" domid) $(rig_json_str "$o" name) $(rig_json_str "$o" state)"
done | sort -n | tr '\n' ';')
if [ $rc = 0 ] && [ "$got" = "$want" ] && ! echo "$out" | grep -q '"status"'; then
    rig_pass "nodes-via-2-lists-all (${secs}s)"
else
    rig_fail nodes-via-2-lists-all "exit $rc: got '$got', want '$want': $(echo "$out" | head -c 600)"
fi
first=$(objects "$out" | head -n 1)
[ "$(rig_json_num "$first" node)" = 2 ] && rig_pass answering-node-first ||
    rig_fail answering-node-first "first object: $first"
db=$(rig_cluster_nodes | awk '{ printf "%s %s %s active;", $1, $2, $3 }')
[ "$db" = "$want" ] && rig_pass db-matches-xl || rig_fail db-matches-xl "DB '$db', xl '$want'"

# not a member: UNREACHABLE (5), and not after the connect timeout
t0=$(rig_now)
out=$(xvios --via 9 nodes 2>&1)
rc=$?
secs=$(rig_secs_since "$t0")
if [ $rc = 5 ] && [ "${secs%.*}" -lt 8 ]; then
    rig_pass "via-non-member-fails (exit 5, ${secs}s)"
else
    rig_fail via-non-member-fails "exit $rc after ${secs}s: $out"
fi
