#!/usr/bin/env bash
# test_vke_sendbench.sh - the rig benchmark's VKE side (vke_sendbench) on two real xvios-backend
# processes of a loopback cluster: its round trips and its 1 MiB stream are delivered (node 2's
# daemon stand-in receives every payload byte), the figures it prints are numbers, and bad
# arguments or a missing VKE are refused with the documented exit status.
. "$(dirname "$0")/lib.sh"
SB=$XVIOS_TESTS/vke_sendbench

"$VKE_TOOL" mkcluster "$T_ROOT" 2 2000 > "$T_ROOT/mk.out" || { echo "mkcluster failed"; exit 1; }
for n in 1 2; do
    d=$(sed -n "s/^node=$n domid=//p" "$T_ROOT/mk.out")
    start_backend "$n" "$d" || { t_fail "backend $n did not start"; exit 1; }
done
start_sink 2
t_check "link up" wait_until 20 links_up_is 1 1

out=$("$SB" ping "$T_ROOT/nodes/1" 1 2 64 30 2>&1); rc=$?
echo "$out"
t_check "ping: exit 0" test $rc = 0
t_check "ping: a figure" grep -Eq '^ping size=64 ops=30 us_per_op=[0-9]+\.[0-9] retries=[0-9]+ reconnects=0$' <<<"$out"
# 20 warm-up sends + 30 measured
t_check "ping: 50 sends reached node 2" wait_until 5 test "$(grep -c '^op=cluster_send .* src=1 ' "$T_ROOT/sink-2.log")" -eq 50

out=$("$SB" stream "$T_ROOT/nodes/1" 1 2 1048576 2 2>&1); rc=$?
echo "$out"
t_check "stream: exit 0" test $rc = 0
t_check "stream: a figure" grep -Eq '^stream bytes=1048576 reps=2 mb_s=[0-9]+\.[0-9] retries=[0-9]+ reconnects=0$' <<<"$out"
t_check "stream: two times" grep -Eq '^stream_ms=[0-9.]+,[0-9.]+$' <<<"$out"
# one 64-byte warm-up, then 2 x 18 sends (17 x 60 KiB + 4096 bytes)
t_check "stream: 37 more packets at node 2" wait_until 5 test "$(grep -c '^op=cluster_send .* src=1 ' "$T_ROOT/sink-2.log")" -eq 87

"$SB" ping "$T_ROOT/nodes/1" 1 2 61441 1 >/dev/null 2>&1; rc=$?
t_check "payload over 60 KiB refused (2)" test $rc = 2
"$SB" stream "$T_ROOT/nodes/1" 1 2 0 1 >/dev/null 2>&1; rc=$?
t_check "empty stream refused (2)" test $rc = 2
"$SB" ping "$T_ROOT/nodes/9" 1 2 64 1 >/dev/null 2>&1; rc=$?
t_check "no VKE: exit 1" test $rc = 1
t_done
