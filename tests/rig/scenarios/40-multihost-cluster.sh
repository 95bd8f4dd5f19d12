#!/bin/sh
# 40-multihost-cluster - the VIOS cluster on the corosync transport on real Xen (docs/multihost.md).
# Three VIOS domains mh1..mh3, each with a vif on dom0's bridge xenbr0 (10.77.0.N/24, guest/vif-hotplug)
# and its own corosync (nodeid N): three corosync "hosts" on one Xen host, so every link between them
# is the mesh's TCP link over netback/netfront and every broadcast a CPG multicast, none of it vchan.
# In each: `xvios --multihost rigmh cluster create --multi-host` (mh1) and `join` (each its own domain)
# on the replicated DB, xvios-backend (Xen platform, `multihost = yes`) and xviosd. Checks:
#  - corosync forms a quorate 3-member ring over the vifs;
#  - the nodes are 257, 513, 769 with their hosts, the same DB dumped in every VIOS;
#  - every backend has its 2 links up over the mesh;
#  - a broadcast with receipts from 257 through its daemon: 2/2, sent as one CPG multicast;
#  - a directed send 257 -> 769 with receipt and response; 513's mesh counters do not move (a directed
#    message never reaches a third host's node);
#  - mh3 destroyed while a broadcast from 513 waits on 769's receipt (769's backend stopped): the
#    broadcast ends at the loss with 769 UNREACHABLE, long before its 20 s timeout; 257 and 513 report
#    769 lost (links_up 1) within 2.2 x token + 5 s (polled through the agents); a broadcast from 257 after the loss: 513 delivered.
# client1 and client2 are destroyed first for memory (the runner creates them again before the next scenario).
# rig-timeout: 480
. /rig/lib.sh

MH="mh1 mh2 mh3"
MH_CLUSTER=rigmh
MH_TOKEN=2000
# corosync locks all its memory (mlockall): ~95 MiB of its own plus ~50 MiB of IPC buffers shared with
# its clients, next to the ~80 MiB the domain's initramfs root holds; 256 MiB ran out (OOM-killer)
MH_MEM=352
MH_KEY=/etc/xvios/rigmh.key
mh_ip() { echo "10.77.0.${1#mh}"; }
mh_node() { echo $((${1#mh} * 256 + 1)); }
# mh_x DOM TIMEOUT ARGS...: xvios inside DOM on the replicated DB
mh_x() { local d=$1 t=$2; shift 2; rig_domu_run "$d" "$t" "xvios --multihost $MH_CLUSTER $*"; }
mh_stat() { rig_domu_run "$1" 10 "$RIG_TESTS_DIR/vke_tool stats /run/xvios 0" 2>/dev/null | sed -n "s/^$2=//p"; }
mh_links_are() { [ "$(mh_stat "$1" links_up)" = "$2" ]; }
cleanup() {
    for d in $MH; do rig_destroy_domu "$d" >/dev/null 2>&1; done
    ip link set xenbr0 down 2>/dev/null
    brctl delbr xenbr0 2>/dev/null
}
trap cleanup EXIT

# ---- the domains: memory for three more, a bridge, a vif each
rig_destroy_domu client2 >/dev/null 2>&1
rig_destroy_domu client1 >/dev/null 2>&1
cleanup
echo "  Xen free memory for mh1..mh3: $(xl info 2>/dev/null | sed -n 's/^free_memory *: *//p') MiB"
brctl addbr xenbr0 && ip link set xenbr0 up || { rig_fail bridge "cannot make xenbr0"; exit 1; }
t0=$(rig_now)
for d in $MH; do
    rig_create_domu "$d" vios "memory = $MH_MEM" \
        "vif = [ 'mac=00:16:3e:77:00:0${d#mh},bridge=xenbr0,script=/rig/vif-hotplug' ]" &
done
wait
ok=1
for d in $MH; do rig_wait_domu_ready "$d" 120 || ok=0; done
[ $ok = 1 ] || { rig_fail domains "mh1..mh3 not ready"; exit 1; }
rig_pass "domains-up-with-vifs ($(rig_secs_since "$t0")s)"

key=$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')
for d in $MH; do
    nodelist=
    for e in $MH; do
        nodelist="$nodelist  node {
    nodeid: ${e#mh}
    name: $e
    ring0_addr: $(mh_ip "$e")
  }
"
    done
    rig_domu_run "$d" 20 "ip link set lo up && ip addr add $(mh_ip "$d")/24 dev eth0 && ip link set eth0 up &&
mkdir -p /etc/corosync /var/lib/corosync /var/lib/xvios /etc/xvios && umask 077 && printf %s $key > $MH_KEY &&
cat > /etc/corosync/corosync.conf <<'EOC'
totem {
  version: 2
  cluster_name: $MH_CLUSTER
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: $MH_TOKEN
  token_coefficient: 0
  interface {
    linknumber: 0
    knet_ping_interval: $((MH_TOKEN / 5))
    knet_ping_timeout: $((MH_TOKEN * 4 / 5))
  }
}
nodelist {
$nodelist}
quorum {
  provider: corosync_votequorum
}
logging {
  to_stderr: yes
  to_syslog: no
  to_logfile: no
  timestamp: on
}
system {
  sched_rr: no
  move_to_root_cgroup: no
  state_dir: /var/lib/corosync
}
EOC
cat > /etc/xvios/rigmh-backend.conf <<'EOC'
multihost = yes
multihost-address = $(mh_ip "$d")
multihost-key = $MH_KEY
multihost-cluster = $MH_CLUSTER
EOC
printf 'multihost-db = yes\nmultihost-cluster = $MH_CLUSTER\n' > /etc/xvios/rigmh-xviosd.conf" ||
        { rig_fail "setup-$d" "network and configuration"; exit 1; }
done
if rig_wait_for 20 rig_domu_run mh1 5 "ping -c 1 -W 1 $(mh_ip mh3) && ping -c 1 -W 1 $(mh_ip mh2)" >/dev/null 2>&1; then
    rig_pass "mh1-reaches-mh2-and-mh3-over-the-bridge"
else
    rig_fail mh1-reaches-mh2-and-mh3-over-the-bridge "$(rig_domu_run mh1 10 'ip addr; ip route' 2>&1 | tail -n 8)"
fi

rig_domu_run mh2 10 "rm -f /tmp/nc40; nc -l -p 7040 > /tmp/nc40 2>&1 &" >/dev/null
sleep 1
rig_domu_run mh1 10 "echo tcp-40 | nc -w 2 $(mh_ip mh2) 7040" >/dev/null 2>&1
if rig_wait_for 10 rig_domu_run mh2 5 "grep -q tcp-40 /tmp/nc40" >/dev/null 2>&1; then
    rig_pass "tcp-mh1-to-mh2"
else
    rig_fail tcp-mh1-to-mh2 "$(rig_domu_run mh2 5 'cat /tmp/nc40' 2>&1)"
fi

# ---- corosync in every VIOS: one quorate ring of three
t0=$(rig_now)
# corosync locks its memory (mlockall): 1 MiB thread stacks instead of 8 keep its ~10 threads' share small
for d in $MH; do rig_domu_spawn "$d" corosync "ulimit -s 1024; exec corosync -f -c /etc/corosync/corosync.conf"; done
quorate3() {
    for d in $MH; do
        rig_domu_run "$d" 10 "corosync-quorumtool -s" 2>/dev/null | grep -q '^Quorate: *Yes' || return 1
        [ "$(rig_domu_run "$d" 10 "corosync-cmapctl -b runtime.members" 2>/dev/null |
            grep -c 'status (str) = joined')" = 3 ] || return 1
    done
}
if rig_wait_for 90 quorate3; then
    rig_pass "corosync-ring-of-3-quorate ($(rig_secs_since "$t0")s, token ${MH_TOKEN} ms)"
else
    for d in $MH; do
        echo "== $d"
        rig_domu_run "$d" 20 "corosync-cfgtool -s 2>&1 | head -n 12; free; dmesg | tail -n 8" 2>&1
        rig_domu_run "$d" 20 "tail -n 6 /var/log/rig/corosync.log" 2>&1
        rig_domu_run "$d" 20 "grep -A1 '^Udp:' /proc/net/snmp; cat /proc/net/udp /proc/net/udp6" 2>&1
        rig_domu_run "$d" 20 "grep -v 'no active links\\|best link\\|QB  \\|SERV \\|built-in' /var/log/rig/corosync.log | head -n 24" 2>&1
    done
    rig_fail corosync-ring-of-3-quorate "$(rig_domu_log mh1 corosync 600)"
    exit 1
fi

# ---- the cluster on the replicated DB: created in mh1; each VIOS joins itself and starts its programs
# (backend: Xen platform, mesh; daemon), so the next one's CLI syncs the DB from a running member
mh_start() {
    rig_domu_spawn "$1" backend "XVIOS_LOG=info; export XVIOS_LOG; exec xvios-backend --platform xen --config /etc/xvios/rigmh-backend.conf" &&
        rig_domu_spawn "$1" daemon "XVIOS_LOG=info; export XVIOS_LOG; exec xviosd --platform xen --foreground --config /etc/xvios/rigmh-xviosd.conf"
}
mh_running() { rig_domu_run "$1" 5 "test -S /run/xvios/vke.sock && grep -q 'attached to the VKE' /var/log/rig/daemon.log"; }
t0=$(rig_now)
out=$(mh_x mh1 60 cluster create $MH_CLUSTER --multi-host --timeout 5000 2>&1) ||
    { rig_fail create-multi-host "$out"; exit 1; }
for d in $MH; do
    out=$(mh_x "$d" 60 'cluster join $(xenstore-read domid)' 2>&1)
    if echo "$out" | grep -q "as node $(mh_node "$d") of cluster $MH_CLUSTER on host $d"; then
        rig_pass "join-$d-as-$(mh_node "$d")"
    else
        rig_fail "join-$d-as-$(mh_node "$d")" "$out"
    fi
    mh_start "$d" && rig_wait_for 60 mh_running "$d" >/dev/null 2>&1 ||
        { rig_domu_run "$d" 10 "free; dmesg | tail -n 6; tail -n 8 /var/log/rig/corosync.log" 2>&1
          rig_fail "programs-run-in-$d" "$(rig_domu_log "$d" backend 700) $(rig_domu_log "$d" daemon 500)"; exit 1; }
done
rig_pass "create-join-start-3-nodes ($(rig_secs_since "$t0")s)"
t0=$(rig_now)
linked() { for d in $MH; do mh_links_are "$d" 2 || return 1; done; }
if rig_wait_for 60 linked; then
    rig_pass "every-node-2-links-over-the-mesh ($(rig_secs_since "$t0")s)"
else
    for d in $MH; do echo "  $d: links_up=$(mh_stat "$d" links_up)"; rig_domu_log "$d" backend 800; done
    rig_fail every-node-2-links-over-the-mesh "not all linked within 60s"
    exit 1
fi

listing=$(mh_x mh2 60 nodes 2>&1)
echo "$listing" | sed 's/^/  mh2: /'
ok=1
for d in $MH; do
    echo "$listing" | awk -v n="$(mh_node "$d")" -v dom="$(rig_domid "$d")" -v h="${d#mh}" -v name="$d" \
        '$1 == n && $2 == dom && $3 == name && $6 == h && $7 == name { f = 1 } END { exit !f }' || ok=0
done
[ $ok = 1 ] && rig_pass "nodes-with-their-hosts-seen-from-mh2" || rig_fail nodes-with-their-hosts-seen-from-mh2 "$listing"
for d in $MH; do mh_x "$d" 60 cluster dump >"/tmp/rig40-$d.dump" 2>&1; done
if [ -s /tmp/rig40-mh1.dump ] && grep -q '^/xvios/nodes/769' /tmp/rig40-mh1.dump &&
    cmp -s /tmp/rig40-mh1.dump /tmp/rig40-mh2.dump && cmp -s /tmp/rig40-mh1.dump /tmp/rig40-mh3.dump; then
    rig_pass "the-same-db-in-every-vios ($(wc -l </tmp/rig40-mh1.dump) lines)"
else
    rig_fail the-same-db-in-every-vios "$(head -c 600 /tmp/rig40-mh1.dump; diff /tmp/rig40-mh1.dump /tmp/rig40-mh3.dump | head -n 5)"
fi

# ---- a broadcast with receipts from 257: 2/2, one CPG multicast
s0=$(mh_stat mh1 cpg_sent)
t0=$(rig_now)
out=$(rig_domu_run mh1 30 "xvios --json send --broadcast --receipt --timeout 10000 --type 4096 rig-40-bcast" 2>&1)
rc=$?
secs=$(rig_secs_since "$t0")
objs=$(echo "$out" | grep -o '{"node": [0-9]*, "status": "[a-z-]*"')
if [ $rc = 0 ] && echo "$objs" | grep -qx '{"node": 513, "status": "delivered"' &&
    echo "$objs" | grep -qx '{"node": 769, "status": "delivered"' && [ "$(echo "$objs" | wc -l)" = 2 ]; then
    rig_pass "broadcast-receipts-2-of-2 (${secs}s through the CLI)"
else
    rig_fail broadcast-receipts-2-of-2 "exit $rc: $out"
fi
s1=$(mh_stat mh1 cpg_sent)
[ "$((s1 - s0))" -ge 1 ] && rig_pass "broadcast-as-cpg-multicast (cpg_sent $s0 -> $s1)" ||
    rig_fail broadcast-as-cpg-multicast "cpg_sent $s0 -> $s1"

# ---- directed 257 -> 769 with receipt and response; 513 sees nothing of it
d0=$(mh_stat mh2 mesh_direct_in); g0=$(mh_stat mh2 mesh_group_in); r0=$(mh_stat mh2 packets_in)
t0=$(rig_now)
out=$(rig_domu_run mh1 30 "xvios send --to 769 --receipt --response --timeout 10000 rig-40-directed" 2>&1)
rc=$?
secs=$(rig_secs_since "$t0")
if [ $rc = 0 ] && echo "$out" | grep -qx 'node 769: delivered, response: rig-40-directed'; then
    rig_pass "directed-257-to-769-receipt-and-response (${secs}s through the CLI)"
else
    rig_fail directed-257-to-769-receipt-and-response "exit $rc: $out"
fi
d1=$(mh_stat mh2 mesh_direct_in); g1=$(mh_stat mh2 mesh_group_in); r1=$(mh_stat mh2 packets_in)
if [ -n "$d1" ] && [ "$d0" = "$d1" ] && [ "$g0" = "$g1" ] && [ "$r0" = "$r1" ]; then
    rig_pass "directed-never-reaches-513 (mesh_direct_in $d1, mesh_group_in $g1, packets_in $r1 unchanged)"
else
    rig_fail directed-never-reaches-513 "mesh_direct_in $d0->$d1 mesh_group_in $g0->$g1 packets_in $r0->$r1"
fi

# ---- mh3 destroyed while a broadcast from 513 waits on 769's receipt
rig_domu_run mh3 10 'kill -STOP $(cat /run/rig/backend.pid)' >/dev/null
rig_domu_run mh2 10 "rm -f /tmp/bcast40.out; (xvios --json send --broadcast --receipt --timeout 20000 rig-40-pending >/tmp/bcast40.out 2>&1; echo rc=\$? >>/tmp/bcast40.out) >/dev/null 2>&1 &" >/dev/null
sleep 1
t0=$(rig_now)
xl destroy mh3 >/dev/null 2>&1
lost() { mh_links_are mh1 1 && mh_links_are mh2 1; }
if rig_wait_for 30 lost; then
    ms=$(( ($(rig_now) - t0) * 10 ))
    # token + consensus (1.2 x token), the destroy itself, and polling two domains' counters through their
    # agents (about a second a round on this emulated machine)
    limit=$(( MH_TOKEN * 22 / 10 + 5000 ))
    if [ "$ms" -le "$limit" ]; then
        rig_pass "769-lost-at-257-and-513 (${ms} ms after xl destroy; limit ${limit} ms)"
    else
        rig_fail 769-lost-at-257-and-513 "${ms} ms after xl destroy, over ${limit} ms"
    fi
else
    rig_fail 769-lost-at-257-and-513 "links_up mh1=$(mh_stat mh1 links_up) mh2=$(mh_stat mh2 links_up) after 30s"
fi
ended() { rig_domu_run mh2 5 "grep -q '^rc=' /tmp/bcast40.out"; }
if rig_wait_for 15 ended; then
    ms=$(( ($(rig_now) - t0) * 10 ))
    out=$(rig_domu_run mh2 5 "cat /tmp/bcast40.out")
    if echo "$out" | grep -q '"node": 257, "status": "delivered"' && echo "$out" | grep -q '"node": 769, "status": "failed", "reason": "unreachable"' &&
        [ "$ms" -lt 15000 ]; then
        rig_pass "pending-receipt-failed-at-the-loss (ended ${ms} ms after xl destroy, timeout 20000 ms)"
    else
        rig_fail pending-receipt-failed-at-the-loss "${ms} ms: $out"
    fi
else
    rig_fail pending-receipt-failed-at-the-loss "not ended 15 s after the loss: $(rig_domu_run mh2 5 'cat /tmp/bcast40.out')"
fi
t0=$(rig_now)
out=$(rig_domu_run mh1 30 "xvios --json send --broadcast --receipt --timeout 10000 rig-40-after" 2>&1)
secs=$(rig_secs_since "$t0")
if echo "$out" | grep -q '"node": 513, "status": "delivered"' && echo "$out" | grep -q '"node": 769, "status": "failed", "reason": "unreachable"'; then
    rig_pass "after-the-loss-513-delivered-769-unreachable (${secs}s)"
else
    rig_fail after-the-loss-513-delivered-769-unreachable "$out"
fi
q=$(rig_domu_run mh1 10 "corosync-quorumtool -s" 2>&1)
echo "$q" | grep -q '^Quorate: *Yes' && rig_pass "two-of-three-still-quorate" || rig_fail two-of-three-still-quorate "$q"
rm -f /tmp/rig40-*.dump
