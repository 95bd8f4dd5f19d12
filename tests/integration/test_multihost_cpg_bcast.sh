#!/usr/bin/env bash
# test_multihost_cpg_bcast.sh - the CPG layer (xen/plat/cpg/) across three corosync hosts with two
# nodes each: the 6 members see each other; broadcasts reach all 6, in one total order everywhere
# (two senders, 3000 x 1 KiB each), with nothing expired; a member process killed is
# reported lost (procdown) at once; a host's corosync killed: its two nodes are reported lost
# (nodedown) within token + consensus + margin, its own members see corosync gone, and the
# remaining four keep broadcasting. Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }

names="a1 a2 b1 b2 c1 c2"
host_of() { case $1 in a*) echo 1;; b*) echo 2;; c*) echo 3;; esac; }
for n in $names; do cs_tool_start "$n" "$(host_of "$n")" "${n#?}"; done
all=257,258,513,514,769,770
for n in $names; do t_check "$n sees the 6 nodes" wait_until 20 cs_tool_members_are "$n" "$all"; done

# one broadcast: every member delivers it once, the sender included (its place in the order)
cs_tool_cmd a1 "send hello-from-a1"
for n in $names; do
    t_check "$n got a1's broadcast" wait_until 5 grep -q '^msg src=257 .*payload=hello-from-a1$' "$T_ROOT/$n.out"
done

# two senders on two hosts, 3000 x 1 KiB each: all deliver 6000, in the same order
cs_tool_cmd a2 "burst 3000 1024"
cs_tool_cmd c1 "burst 3000 1024"
count_burst() { grep -c '^msg src=\(258\|769\) len=1024 ' "$T_ROOT/$1.out"; }
burst_done() { [ "$(count_burst "$1")" -eq 6000 ]; }
for n in $names; do t_check "$n delivered 6000 burst messages" wait_until 60 burst_done "$n"; done
order() { grep '^msg src=\(258\|769\) len=1024 ' "$T_ROOT/$1.out" | sed 's/^msg src=\([0-9]*\) .*/\1/' | md5sum; }
ref=$(order a1)
for n in a2 b1 b2 c1 c2; do t_check "$n's order equals a1's" test "$(order "$n")" = "$ref"; done
for n in a2 c1; do
    cs_tool_cmd "$n" stats
    t_check "$n: nothing expired, nothing queued" wait_until 5 grep -q '^stats .*expired=0 queued=0' "$T_ROOT/$n.out"
    grep '^stats' "$T_ROOT/$n.out" | tail -n 1
done
cs_tool_cmd b1 stats
t_check "b1 rejected nothing" wait_until 5 grep -q '^stats .*rejected=0 ' "$T_ROOT/b1.out"

# a member process dies: the others hear it at once (PROCDOWN)
t0=$(date +%s%3N)
kill -KILL "$CS_TOOL_PID_b2"; wait "$CS_TOOL_PID_b2" 2>/dev/null
for n in a1 c2; do
    t_check "$n: node 514 lost (procdown)" wait_until 5 grep -q '^lost node=514 reason=procdown' "$T_ROOT/$n.out"
    t=$(sed -n 's/^lost node=514 reason=procdown t=//p' "$T_ROOT/$n.out")
    echo "   $n: procdown after $((t - t0)) ms"
    t_check "$n: within 1 s" test $((t - t0)) -lt 1000
done

# host 3's corosync dies: its nodes are lost everywhere within token + consensus (+2 s margin)
limit=$((CS_TOKEN * 22 / 10 + 2000))
t0=$(date +%s%3N)
cs_kill_host 3 KILL
for n in a1 a2 b1; do
    for node in 769 770; do
        t_check "$n: node $node lost (nodedown)" wait_until 20 grep -q "^lost node=$node reason=nodedown" "$T_ROOT/$n.out"
        t=$(sed -n "s/^lost node=$node reason=nodedown t=//p" "$T_ROOT/$n.out")
        echo "   $n: node $node lost after $((t - t0)) ms (limit $limit)"
        t_check "$n: node $node lost within $limit ms" test $((t - t0)) -le "$limit"
    done
done
for n in c1 c2; do t_check "$n saw its corosync go" wait_until 10 grep -q '^gone ' "$T_ROOT/$n.out"; done

# the others keep working
cs_tool_cmd b1 "send after-the-loss"
for n in a1 a2 b1; do
    t_check "$n got b1's broadcast after the loss" wait_until 5 grep -q '^msg src=513 .*payload=after-the-loss$' "$T_ROOT/$n.out"
    t_check "$n sees 257,258,513" wait_until 5 cs_tool_members_are "$n" 257,258,513
done
for n in a1 a2 b1; do cs_tool_stop "$n"; done
t_done
