#!/usr/bin/env bash
# test_multihost_mesh.sh - the multi-host transport (xen/plat/mesh/): two nodes on each of three
# corosync hosts; CPG membership opens a TLS-PSK link from each node to the 4 nodes on the other
# hosts; a directed ping between hosts gets its pong and reaches nobody else (receive counters);
# broadcasts still go over CPG to all 6; a host's corosync killed: its nodes are reported lost and
# their links closed within token + consensus, a directed send to them fails at once
# (EHOSTUNREACH), the others keep sending. One node (b1, 513) listens on a fixed port (the
# multihost-port of xvios-backend): its card carries that port, the others dial it, its links come up; a
# second node asking for the same port on that address is refused (EADDRINUSE, logged with the address).
# Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }
head -c 256 /dev/urandom > "$T_ROOT/authkey"; chmod 600 "$T_ROOT/authkey"

names="a1 a2 b1 b2 c1 c2"
host_of() { case $1 in a*) echo 1;; b*) echo 2;; c*) echo 3;; esac; }
node_of() { echo $(( $(host_of "$1") * 256 + ${1#?} )); }
FIXED_PORT=17513
for n in $names; do
    if [ "$n" = b1 ]; then
        CS_MESH_PORT=$FIXED_PORT cs_tool_start "$n" "$(host_of "$n")" "${n#?}" mesh "$T_ROOT/authkey"
    else
        cs_tool_start "$n" "$(host_of "$n")" "${n#?}" mesh "$T_ROOT/authkey"
    fi
done

links_are() { # links_are NAME "A,B,..": the links NAME has up
    cs_tool_cmd "$1" links; sleep 0.1
    [ "$(grep '^links ' "$T_ROOT/$1.out" | tail -n 1 | sed 's/.*nodes=//')" = "$2" ]
}
t_check "a1 links to 513,514,769,770" wait_until 20 links_are a1 513,514,769,770
t_check "a2 links to 513,514,769,770" wait_until 20 links_are a2 513,514,769,770
t_check "b1 links to 257,258,769,770" wait_until 20 links_are b1 257,258,769,770
t_check "b2 links to 257,258,769,770" wait_until 20 links_are b2 257,258,769,770
t_check "c1 links to 257,258,513,514" wait_until 20 links_are c1 257,258,513,514
t_check "c2 links to 257,258,513,514" wait_until 20 links_are c2 257,258,513,514

# the fixed port: b1 listens on it, its card says so, the others dialled it (their links to 513 are up)
t_check "b1 (513) listens on the fixed port $FIXED_PORT" grep -q "^self node=513 port=$FIXED_PORT$" "$T_ROOT/b1.out"
for n in a1 c2; do
    t_check "$n saw 513's card with the fixed port" \
        grep -q "mesh: node 513 listens at $(cs_addr 2):$FIXED_PORT (its card)" "$T_ROOT/$n.err"
done
b2_port=$(sed -n 's/^self node=514 port=//p' "$T_ROOT/b2.out")
t_check "b2 (514), no port given, has one the kernel chose ($b2_port)" \
    bash -c "[ -n '$b2_port' ] && [ '$b2_port' -gt 0 ] && [ '$b2_port' != $FIXED_PORT ]"
t_check "a1 saw 514's card with that port" grep -q "mesh: node 514 listens at $(cs_addr 2):$b2_port (its card)" "$T_ROOT/a1.err"
# a second node on host 2 asking for the same port is refused, saying which address and port
CS_MESH_PORT=$FIXED_PORT cs_tool_start b3 2 3 mesh "$T_ROOT/authkey"
b3_pid=$CS_TOOL_PID_b3
t_check "b3 on the taken port exits" wait_until 10 bash -c "! kill -0 $b3_pid 2>/dev/null"
wait "$b3_pid"; st=$?
t_check "b3 failed to open (exit 1)" test "$st" -eq 1
t_check "b3 logged the port in use with the address" \
    grep -q "cannot listen on $(cs_addr 2):$FIXED_PORT: the port is in use" "$T_ROOT/b3.err"
t_check "b3's open said EADDRINUSE" grep -q "mesh_tool: open: Address already in use" "$T_ROOT/b3.err"
eval "exec ${CS_TOOL_FD_b3}>&-"; CS_TOOL_FD_b3=   # it is gone: no quit through its fifo (SIGPIPE)
t_check "b1 still linked to 257,258,769,770" wait_until 5 links_are b1 257,258,769,770

# directed: a1 (257) pings c2 (770); the pong comes back; no other node receives anything directed
cs_tool_cmd a1 "to 770 ping:secret-one"
t_check "c2 got a1's ping" wait_until 5 grep -q '^direct src=257 .*payload=ping:secret-one$' "$T_ROOT/c2.out"
t_check "a1 got c2's pong" wait_until 5 grep -q '^direct src=770 .*payload=pong:secret-one$' "$T_ROOT/a1.out"
sleep 0.3
for n in a2 b1 b2 c1; do
    cs_tool_cmd "$n" stats
    t_check "$n received nothing directed" wait_until 5 grep -q '^stats direct_in=0 ' "$T_ROOT/$n.out"
    t_check "$n never saw the secret" bash -c "! grep -q secret-one '$T_ROOT/$n.out'"
done
cs_tool_cmd c2 stats
t_check "c2 received exactly one directed datagram" wait_until 5 grep -q '^stats direct_in=1 direct_out=1 ' "$T_ROOT/c2.out"

# broadcasts still reach all six over CPG
cs_tool_cmd b2 "bcast to-everyone"
for n in $names; do t_check "$n got b2's broadcast" wait_until 5 grep -q '^bcast src=514 .*payload=to-everyone$' "$T_ROOT/$n.out"; done

# host 3's corosync dies
limit=$((CS_TOKEN * 22 / 10 + 2000))
t0=$(date +%s%3N)
cs_kill_host 3 KILL
for n in a1 b2; do
    for node in 769 770; do
        t_check "$n: node $node lost" wait_until 20 grep -q "^lost node=$node reason=nodedown" "$T_ROOT/$n.out"
        t=$(sed -n "s/^lost node=$node reason=nodedown t=//p" "$T_ROOT/$n.out")
        echo "   $n: node $node lost after $((t - t0)) ms (limit $limit)"
        t_check "$n: node $node lost within $limit ms" test $((t - t0)) -le "$limit"
        t_check "$n: link to $node closed" grep -q "^link down node=$node " "$T_ROOT/$n.out"
    done
done
cs_tool_cmd a1 "to 770 ping:too-late"
t_check "a1: directed to a lost node fails at once (EHOSTUNREACH)" wait_until 5 grep -q "^nack to 770 ping:too-late rc=-$(python3 -c 'import errno; print(errno.EHOSTUNREACH)')$" "$T_ROOT/a1.out"
cs_tool_cmd a2 "to 513 ping:still-here"
t_check "a2 -> b1 still works" wait_until 5 grep -q '^direct src=513 .*payload=pong:still-here$' "$T_ROOT/a2.out"
for n in a1 a2 b1 b2; do cs_tool_stop "$n"; done
t_done
