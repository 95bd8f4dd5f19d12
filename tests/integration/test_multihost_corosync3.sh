#!/usr/bin/env bash
# test_multihost_corosync3.sh - the multi-host harness: three corosync daemons on this one machine,
# each in its own network namespace on a private bridge (corosync_lib.sh), form one membership;
# a CPG member on each "host" (cpg_tool, xen/plat/cpg/) sees all three in the CPG group; the
# namespaces and daemons are gone afterwards. Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
t_check "three corosyncs form one membership" cs_start_all
for i in 1 2 3; do t_check "host $i's totem membership is 1 2 3" cs_sees "$i" "1 2 3"; done

# node id = (corosync nodeid << 8) | local: node 1 of hosts 1..3 = 257, 513, 769
for i in 1 2 3; do cs_tool_start "n$i" "$i" 1; done
all=257,513,769
for i in 1 2 3; do
    t_check "host $i: its member is node $((i * 256 + 1))" wait_until 10 grep -q "^self node=$((i * 256 + 1))$" "$T_ROOT/n$i.out"
    t_check "host $i: CPG membership seen is $all" wait_until 15 cs_tool_members_are "n$i" "$all"
done
for i in 1 2 3; do cs_tool_stop "n$i"; done

# cleanup removes every daemon and namespace (checked here, not only trusted)
pids="$CS_PID_1 $CS_PID_2 $CS_PID_3"
ns="$(cs_ns_bridge) $(cs_ns 1) $(cs_ns 2) $(cs_ns 3)"
cs_stop_all
for p in $pids; do t_check "corosync $p stopped" bash -c "! kill -0 $p 2>/dev/null"; done
for n in $ns; do t_check "namespace $n removed" bash -c "! ip netns list | grep -qw $n"; done
t_done
