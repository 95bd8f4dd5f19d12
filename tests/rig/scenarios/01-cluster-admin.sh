#!/bin/sh
# 01-cluster-admin - dom0 administers the cluster on real XenStore: create,
# add vios1..vios3, the refusals with their exit codes, the DB layout and its
# permissions as docs/xenstore.md documents them, status; then each VIOS
# starts xvios-backend and xviosd and the cluster comes up (every link,
# every daemon attached). The cluster is left up for the next scenarios.
# rig-timeout: 240
. /rig/lib.sh

EXIT_REFUSED=6
rig_cluster_down   # start from nothing, whatever ran before

# ---------------------------------------------------------------- create
out=$(xvios cluster create $RIG_CLUSTER_NAME --max-nodes 8 --timeout 5000 --retries 2 2>&1)
rc=$?
cfg="$(xenstore-read /xvios/config/name) $(xenstore-read /xvios/config/max-nodes)"
cfg="$cfg $(xenstore-read /xvios/config/timeout-ms) $(xenstore-read /xvios/config/retries)"
if [ $rc = 0 ] && [ "$cfg" = "$RIG_CLUSTER_NAME 8 5000 2" ]; then
    rig_pass create
else
    rig_fail create "exit $rc: $out; config '$cfg'"
fi

before=$(xenstore-ls -f -p /xvios 2>&1)
out=$(xvios cluster create other 2>&1)
rc=$?
if [ $rc = $EXIT_REFUSED ] && [ "$(xenstore-ls -f -p /xvios 2>&1)" = "$before" ]; then
    rig_pass create-twice-refused
else
    rig_fail create-twice-refused "exit $rc (want $EXIT_REFUSED): $out"
fi

# ---------------------------------------------------------------- add
i=1
for d in $RIG_VIOS; do
    out=$(xvios cluster add "$d" 2>&1)
    rc=$?
    id=$(rig_domid "$d")
    vm=$(xenstore-read "/local/domain/$id/vm")
    got="$(xenstore-read /xvios/nodes/$i/domid) $(xenstore-read /xvios/nodes/$i/name) /vm/$(xenstore-read /xvios/nodes/$i/uuid)"
    got="$got $(xenstore-read /xvios/nodes/$i/state) $(xenstore-read /xvios/nodes/$i/online)"
    if [ $rc = 0 ] && echo "$out" | grep -q "as node $i " && ! echo "$out" | grep -q warning &&
        [ "$got" = "$id $d $vm active 0" ]; then
        rig_pass "add-$d-node-$i"
    else
        rig_fail "add-$d-node-$i" "exit $rc: $out; DB '$got', want '$id $d $vm active 0'"
    fi
    i=$((i + 1))
done

# ---------------------------------------------------------------- refusals
# refused_check NAME CMD...: CMD exits REFUSED and the DB is unchanged
refused_check() {
    local name=$1 out rc before
    shift
    before=$(xenstore-ls -f -p /xvios 2>&1)
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc = $EXIT_REFUSED ] && [ "$(xenstore-ls -f -p /xvios 2>&1)" = "$before" ]; then
        rig_pass "$name"
    else
        rig_fail "$name" "exit $rc (want $EXIT_REFUSED): $out"
    fi
}
refused_check add-twice-refused xvios cluster add vios1
refused_check add-dom0-refused xvios cluster add Domain-0
refused_check add-domid0-refused xvios cluster add 0
refused_check add-unknown-refused xvios cluster add no-such-domain
refused_check remove-unknown-refused xvios cluster remove client1
refused_check remove-unknown-id-refused xvios cluster remove 4242

# a domain that exists but does not run: it powers itself off at once
# (rdinit=/sbin/poweroff) and is kept by on_poweroff=preserve
if rig_create_domu halted client 'on_poweroff = "preserve"' 'extra = "console=hvc0 rdinit=/sbin/poweroff"' &&
    rig_wait_for 60 sh -c 'xl list halted | awk "NR == 2 { exit \$5 ~ /s/ ? 0 : 1 }"'; then
    refused_check add-not-running-refused xvios cluster add halted
else
    rig_fail add-not-running-refused "could not get a shut-down domain: $(xl list halted 2>&1 | tail -n 1)"
fi
rig_destroy_domu halted

# ---------------------------------------------------------------- layout and permissions
# want_perms PATH: the permission list docs/xenstore.md gives PATH, owner first,
# the other entries sorted (xenstore-ls -p prints them as "n0,r5,r6").
d1=$(rig_domid vios1); d2=$(rig_domid vios2); d3=$(rig_domid vios3); dc=$(rig_domid client1)
others() { for x in $d1 $d2 $d3; do [ "$x" = "$2" ] || echo "$1$x"; done | sort | tr '\n' ','; }
want_perms() {
    case $1 in
        /xvios/nodes/1 | /xvios/nodes/1/online) echo "n$d1,$(others r $d1)" ;;
        /xvios/nodes/2 | /xvios/nodes/2/online) echo "n$d2,$(others r $d2)" ;;
        /xvios/nodes/3 | /xvios/nodes/3/online) echo "n$d3,$(others r $d3)" ;;
        /xvios/nodes/[123]/*) echo "n0,$(others r)" ;;
        /xvios/clients | /xvios/adapters | /xvios/client-uuids | /xvios/adapter-keys | /xvios/pr | \
            /xvios/next-client-id | /xvios/next-adapter-id) echo "n0,$(others b)" ;;
        /xvios | /xvios/config | /xvios/config/* | /xvios/next-node-id | /xvios/nodes) echo "n0,$(others r)" ;;
        *) echo "unexpected node" ;;
    esac
}
norm_perms() { # "n5,r7,r6" -> "n5,r6,r7,"
    local owner=${1%%,*} rest=
    [ "$owner" = "$1" ] || rest=$(echo "${1#*,}" | tr ',' '\n' | sort | tr '\n' ',')
    echo "$owner,$rest"
}
listing=$(xenstore-ls -f -p / 2>&1 | grep -E '^/xvios( |/)')
bad=
n=0
while read -r line; do
    path=${line%% = *}
    perms=$(echo "$line" | sed -n 's/.*(\([^()]*\))$/\1/p')
    got=$(norm_perms "$perms")
    want=$(want_perms "$path")
    [ "$got" = "$want" ] || bad="$bad $path: $got (want $want);"
    n=$((n + 1))
done <<EOT
$listing
EOT
# /xvios, config + 5 values (max-timeout-ms among them), next-node-id, nodes, 3 x (node + 5 values),
# clients, adapters and their two indexes, 2 counters, pr (the reservation records)
if [ -z "$bad" ] && [ "$n" = 34 ]; then
    rig_pass "permissions-as-documented ($n nodes)"
else
    rig_fail permissions-as-documented "$n nodes (want 34);$bad"
fi
if echo "$listing" | grep -qE "[(,][nrwb]$dc[,)]"; then
    rig_fail client-in-no-permission-list "domain $dc (client1) appears: $(echo "$listing" | grep -E "[(,][nrwb]$dc[,)]" | head -n 1)"
else
    rig_pass client-in-no-permission-list
fi

# ---------------------------------------------------------------- status
st=$(rig_cluster_nodes)
want="1 $d1 vios1 false true
2 $d2 vios2 false true
3 $d3 vios3 false true"
if [ "$st" = "$want" ] && xvios cluster status | grep -q "^cluster $RIG_CLUSTER_NAME: 3 of 8 nodes"; then
    rig_pass status-lists-three
else
    rig_fail status-lists-three "got '$st'"
fi

# members read the DB, the client does not
got=$(rig_domu_run vios2 10 xenstore-read /xvios/config/name)
rig_domu_run client1 10 xenstore-read /xvios/config/name >/dev/null 2>&1
rc=$?
if [ "$got" = "$RIG_CLUSTER_NAME" ] && [ $rc != 0 ]; then
    rig_pass member-reads-client-does-not
else
    rig_fail member-reads-client-does-not "vios2 read '$got', client1 exit $rc"
fi

# ---------------------------------------------------------------- processes
t0=$(rig_now)
for d in $RIG_VIOS; do rig_vios_start "$d" || rig_fail "start-$d" "rig_domu_spawn failed"; done
if rig_wait_for 120 rig_cluster_ready $RIG_VIOS; then
    rig_pass "cluster-up ($(rig_secs_since "$t0")s)"
else
    for d in $RIG_VIOS; do
        echo "== $d"; rig_domu_log "$d" backend 600; rig_domu_log "$d" daemon 400
    done
    rig_fail cluster-up "not every VKE has 2 links up with its daemon attached after 120s: $(rig_cluster_nodes | tr '\n' ';')"
fi
st=$(rig_cluster_nodes | awk '{ print $1, $4, $5 }' | tr '\n' ';')
[ "$st" = "1 true true;2 true true;3 true true;" ] && rig_pass status-online ||
    rig_fail status-online "status: $st"

# every VKE: 2 peers, 2 links up
for d in $RIG_VIOS; do
    s=$(rig_domu_run "$d" 10 "$RIG_TESTS_DIR/vke_tool stats /run/xvios 0")
    p=$(echo "$s" | sed -n 's/^peers=//p'); u=$(echo "$s" | sed -n 's/^links_up=//p')
    [ "$p" = 2 ] && [ "$u" = 2 ] && rig_pass "vke-links-$d" || rig_fail "vke-links-$d" "peers=$p links_up=$u"
done

# the daemon of vios1 answers for all three
out=$(rig_domu_run vios1 30 xvios nodes 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$(echo "$out" | awk 'NR > 1 { print $1, $2, $3 }' | tr '\n' ';')" = "1 $d1 vios1;2 $d2 vios2;3 $d3 vios3;" ]; then
    rig_pass nodes-from-vios1
else
    rig_fail nodes-from-vios1 "exit $rc: $out"
fi
