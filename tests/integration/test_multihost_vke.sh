#!/usr/bin/env bash
# test_multihost_vke.sh - the VKE on the multi-host transport: two loopback VIOS nodes (real
# xvios-backend processes, multihost = true) on each of three corosync hosts, one static node list
# (ids (corosync nodeid << 8) | local) in every host's loopback root. Links between the hosts' nodes
# are the mesh's TLS links, membership and loss come from CPG. Proves: the 6-node cluster forms (each
# node has 5 links up); a broadcast with receipts gets 5/5; a directed send with a response crosses
# hosts and reaches no other node; host 3's corosync killed: hosts 1-2 report 769 and 770 lost within
# the token bound, a broadcast whose receipts from them were pending fails them (UNREACHABLE) at that
# moment instead of at its 20 s timeout, and the other four keep working. Node 769 listens on a fixed
# port (multihost-port): its log and its peers' cards show that port, its links come up. Prints the timings.
# Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }
head -c 256 /dev/urandom > "$T_ROOT/authkey"; chmod 600 "$T_ROOT/authkey"

NODES="257 258 513 514 769 770"
host_of() { echo $(( $1 >> 8 )); }
domid_of() { echo $(( 100 + 10 * ($1 >> 8) + ($1 & 255) )); }
root_of() { echo "$T_ROOT/h$(host_of "$1")"; }

# every host holds the same static node list in its own store (multihost-db = no); the replicated DB
# under the programs is test_multihost_db_cluster's
list=""; for n in $NODES; do list="$list $n:$(domid_of "$n")"; done
for h in 1 2 3; do
    mkdir -p "$T_ROOT/h$h"
    # shellcheck disable=SC2086
    "$VKE_TOOL" mkmulti "$T_ROOT/h$h" 2000 $list > "$T_ROOT/mk$h.out" || { t_fail "mkmulti host $h"; exit 1; }
    cat > "$T_ROOT/h$h/backend.conf" <<EOF
multihost = true
multihost-address = $(cs_addr "$h")
multihost-key = $T_ROOT/authkey
multihost-db = no
EOF
done
t_check "node list: 6 multi-host ids" test "$(grep -c '^node=' "$T_ROOT/mk1.out")" -eq 6
# node 769 listens on a fixed port (multihost-port), its host's other node on one the kernel chooses
FIXED_PORT=17769
{ cat "$T_ROOT/h3/backend.conf"; echo "multihost-port = $FIXED_PORT"; } > "$T_ROOT/h3/backend-769.conf"

# mh_backend NODE: a real xvios-backend inside its host (netns + corosync's mount namespace)
mh_backend() {
    local n=$1 h r conf; h=$(host_of "$n"); r=$(root_of "$n")
    conf=$r/backend.conf; [ -f "$r/backend-$n.conf" ] && conf=$r/backend-$n.conf
    mkdir -p "$r/nodes/$n"
    nsenter -t "$(cs_pid "$h")" -n -m -- "$XVIOS_BIN/xvios-backend" --platform loopback --root "$r" \
        --domid "$(domid_of "$n")" --no-vscsi --config "$conf" --log "$r/nodes/$n/backend.log" \
        2>"$r/nodes/$n/backend.err" &
    T_PIDS+=($!)
    eval "MH_PID_$n=$!"
}
mh_sink() { # mh_sink NODE [respond]
    local r; r=$(root_of "$1")
    : > "$T_ROOT/sink-$1.log"
    "$VKE_TOOL" sink "$r" "$1" "$T_ROOT/sink-$1.log" 600 ${2:-} 2>"$T_ROOT/sink-$1.err" &
    T_PIDS+=($!)
}
mh_stat() { "$VKE_TOOL" stats "$(root_of "$1")" "$1" | sed -n "s/^$2=//p"; }
mh_links_are() { [ "$(mh_stat "$1" links_up)" = "$2" ]; }
ms() { date +%s%3N; }

t0=$(ms)
for n in $NODES; do mh_backend "$n"; done
for n in $NODES; do
    t_check "node $n: backend runs" wait_until 20 test -S "$(root_of "$n")/nodes/$n/vke.sock"
done
for n in $NODES; do
    if [ "$n" = 770 ]; then mh_sink "$n" respond; else mh_sink "$n"; fi
done
for n in $NODES; do t_check "node $n: 5 links up (1 on its host, 4 to the other hosts)" wait_until 30 mh_links_are "$n" 5; done
echo "   6-node cluster formed in $(( $(ms) - t0 )) ms (backends started to every node with 5 links up)"
for n in $NODES; do
    t_check "node $n: multihost on in its log" grep -q "multihost: node $n in cluster itest" \
        "$(root_of "$n")/nodes/$n/backend.log"
done

t_check "node 769 listens on its multihost-port $FIXED_PORT" \
    grep -q "multihost: node 769 in cluster itest, listening on $(cs_addr 3):$FIXED_PORT (multihost-port)" \
    "$(root_of 769)/nodes/769/backend.log"
for n in 257 514; do
    t_check "node $n took 769's card with that port" \
        grep -q "mesh: node 769 listens at $(cs_addr 3):$FIXED_PORT (its card)" "$(root_of "$n")/nodes/$n/backend.log"
done
p770=$(sed -n "s/.*multihost: node 770 in cluster itest, listening on $(cs_addr 3):\([0-9]*\)$/\1/p" \
    "$(root_of 770)/nodes/770/backend.log")
t_check "node 770 (no multihost-port) has a port the kernel chose ($p770)" \
    bash -c "[ -n '$p770' ] && [ '$p770' != $FIXED_PORT ]"

# idle: no backend spins on the mesh's fds (CPU ticks over 2 s, ASan build)
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
declare -A c0
for n in $NODES; do c0[$n]=$(cpu_of "$(eval echo \$MH_PID_$n)"); done
sleep 2
for n in $NODES; do
    used=$(( $(cpu_of "$(eval echo \$MH_PID_$n)") - ${c0[$n]} ))
    echo "   node $n: $used CPU ticks in 2 s idle"
    t_check "node $n: idle (under 20 ticks in 2 s)" test "$used" -lt 20
done

# broadcast with receipts from host 1: 5/5, the four copies for hosts 2 and 3 as one CPG multicast
"$VKE_TOOL" stats "$(root_of 257)" 257 > "$T_ROOT/bstat0"
t1=$(ms)
out=$("$VKE_TOOL" send "$(root_of 257)" 257 --broadcast --receipt --cap 5 --timeout 5000 --payload bcast-all)
echo "$out"; echo "   broadcast with receipts 5/5 took $(( $(ms) - t1 )) ms (vke_tool start included)"
t_check "broadcast: ok 5/5" grep -q '^status=ok needed=5 entries=5' <<<"$out"
for n in 258 513 514 769 770; do
    t_check "broadcast: node $n delivered" grep -q "^rc node=$n status=delivered" <<<"$out"
    t_check "broadcast: sink $n got it" wait_until 5 grep -q 'src=257 .*payload=bcast-all' "$T_ROOT/sink-$n.log"
done
"$VKE_TOOL" stats "$(root_of 257)" 257 > "$T_ROOT/bstat1"
grow() { echo $(( $(sed -n "s/^$1=//p" "$T_ROOT/bstat1") - $(sed -n "s/^$1=//p" "$T_ROOT/bstat0") )); }
echo "   257: group_sends +$(grow group_sends), group_copies +$(grow group_copies), cpg_sent +$(grow cpg_sent), mesh_direct_out +$(grow mesh_direct_out)"
t_check "broadcast: one group send standing for 4 copies, one CPG multicast, no directed copy to another host" \
    test "$(grow group_sends)/$(grow group_copies)/$(grow cpg_sent)/$(grow mesh_direct_out)" = 1/4/1/0

# directed with a response across hosts: 257 -> 770, 770's stand-in daemon answers
t1=$(ms)
out=$("$VKE_TOOL" send "$(root_of 257)" 257 --to 770 --receipt --cap 1 --timeout 5000 --payload secret-770)
echo "$out"
t_check "directed: 770 delivered" grep -q '^rc node=770 status=delivered' <<<"$out"
t_check "directed: the response from 770 reaches 257" \
    wait_until 5 grep -q 'op=cluster_response .*src=770 .*payload=re:secret-770' "$T_ROOT/sink-257.log"
echo "   directed send + receipt + response 257 -> 770 -> 257: $(( $(ms) - t1 )) ms"
sleep 0.3
for n in 258 513 514 769; do
    t_check "directed: node $n never saw it" bash -c "! grep -q secret-770 '$T_ROOT/sink-$n.log'"
done

# host 3's corosync dies while a broadcast from 513 waits for the receipts of 769 and 770 (their
# processes stopped, so the datagrams sit unread); the pending entries must fail when the loss is
# reported, not at the send's 20 s timeout
kill -STOP "$MH_PID_769" "$MH_PID_770"
"$VKE_TOOL" send "$(root_of 513)" 513 --broadcast --receipt --cap 5 --timeout 20000 --payload pending \
    > "$T_ROOT/pending.out" 2>&1 &
SEND_PID=$!; T_PIDS+=($SEND_PID)
t_check "pending broadcast: 258, 257, 514 receive it" \
    wait_until 5 bash -c "grep -q payload=pending '$T_ROOT/sink-257.log' && grep -q payload=pending '$T_ROOT/sink-258.log' && grep -q payload=pending '$T_ROOT/sink-514.log'"
sleep 0.3
t_check "pending broadcast: still waiting" kill -0 "$SEND_PID"
limit=$((CS_TOKEN * 22 / 10 + 2000))
tk=$(ms)
cs_kill_host 3 KILL
lost_at() { grep -q "op=vke_event .*src=$2 .*event=3 " "$T_ROOT/sink-$1.log" 2>/dev/null || \
            grep -q "link to node $2 .*died" "$(root_of "$1")/nodes/$1/backend.log"; }
for n in 257 513; do
    for m in 769 770; do
        if wait_until 20 lost_at "$n" "$m"; then
            d=$(( $(ms) - tk ))
            echo "   node $n: node $m lost after $d ms (limit $limit, token $CS_TOKEN ms)"
            t_check "node $n: node $m lost within $limit ms" test "$d" -le "$limit"
        else
            t_fail "node $n: node $m never reported lost"
        fi
    done
done
wait "$SEND_PID"; ds=$(( $(ms) - tk ))
cat "$T_ROOT/pending.out"
echo "   the pending broadcast ended $ds ms after the kill (its timeout: 20000 ms)"
t_check "pending broadcast: 769 unreachable" grep -q '^rc node=769 status=unreachable' "$T_ROOT/pending.out"
t_check "pending broadcast: 770 unreachable" grep -q '^rc node=770 status=unreachable' "$T_ROOT/pending.out"
for n in 257 258 514; do
    t_check "pending broadcast: $n delivered" grep -q "^rc node=$n status=delivered" "$T_ROOT/pending.out"
done
t_check "pending broadcast: ended within the loss bound, not at its timeout" test "$ds" -le "$limit"
kill -CONT "$MH_PID_769" "$MH_PID_770"

# the other four keep working
out=$("$VKE_TOOL" send "$(root_of 258)" 258 --to 514 --receipt --cap 1 --timeout 5000 --payload still-here)
t_check "after the loss: 258 -> 514 delivered" grep -q '^rc node=514 status=delivered' <<<"$out"
t1=$(ms)
out=$("$VKE_TOOL" send "$(root_of 514)" 514 --broadcast --receipt --cap 5 --timeout 5000 --payload after-loss)
db=$(( $(ms) - t1 ))
echo "$out"; echo "   broadcast after the loss: $db ms (timeout 5000 ms)"
t_check "after the loss: the broadcast ends within 1 s (lost nodes fail fast)" test "$db" -lt 1000
for n in 257 258 513; do t_check "after the loss: broadcast, $n delivered" grep -q "^rc node=$n status=delivered" <<<"$out"; done
for n in 769 770; do t_check "after the loss: broadcast, $n unreachable (not at the timeout)" grep -q "^rc node=$n status=unreachable" <<<"$out"; done
t_check "host 3's backends see corosync gone" wait_until 10 grep -q "corosync is gone" "$(root_of 769)/nodes/769/backend.log"
for n in 257 258 513 514; do
    t_check "node $n: backend still runs" kill -0 "$(eval echo \$MH_PID_$n)"
done

# a node started on the wrong host (257's domain on host 2's corosync) is refused: its mesh id would be 513+
r2=$T_ROOT/h2; mkdir -p "$r2/nodes/257"
timeout 20 nsenter -t "$(cs_pid 2)" -n -m -- "$XVIOS_BIN/xvios-backend" --platform loopback --root "$r2" \
    --domid "$(domid_of 257)" --no-vscsi --config "$r2/backend.conf" --log "$r2/nodes/257/wrong.log" \
    2>"$r2/nodes/257/wrong.err"
st=$?
t_check "wrong host: the backend refuses to start (exit 1)" test "$st" -eq 1
t_check "wrong host: it says which id corosync gives it" \
    grep -q "this member is node 513 on corosync, but the cluster lists it as node 257" "$r2/nodes/257/wrong.log"
sleep 0.5
out=$("$VKE_TOOL" send "$(root_of 257)" 257 --to 513 --receipt --cap 1 --timeout 5000 --payload after-impostor)
t_check "wrong host: the real 513 was not disturbed (257 -> 513 delivered)" grep -q '^rc node=513 status=delivered' <<<"$out"

# every backend stops cleanly (SIGTERM: the VKE's links closed before the mesh) with no sanitizer report
for n in $NODES; do kill -TERM "$(eval echo \$MH_PID_$n)" 2>/dev/null; done
for n in $NODES; do
    pid=$(eval echo \$MH_PID_$n)
    if wait_until 10 bash -c "! kill -0 $pid 2>/dev/null"; then
        wait "$pid"; st=$?
        t_check "node $n: backend exited 0" test "$st" -eq 0
    else
        t_fail "node $n: backend did not stop within 10 s"
    fi
    r=$(root_of "$n")
    t_check "node $n: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$r/nodes/$n/backend.err' '$r/nodes/$n/backend.log'"
done
t_done
