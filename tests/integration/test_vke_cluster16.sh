#!/usr/bin/env bash
# test_vke_cluster16.sh - sixteen real xvios-backend processes: a broadcast with
# receipts from two different nodes reaches all fifteen peers exactly once.
. "$(dirname "$0")/lib.sh"
N=16
"$VKE_TOOL" mkcluster "$T_ROOT" $N 5000 > "$T_ROOT/mk.out" || { echo "mkcluster failed"; exit 1; }
for n in $(seq 1 $N); do
    d=$(sed -n "s/^node=$n domid=//p" "$T_ROOT/mk.out")
    start_backend "$n" "$d" || { t_fail "backend $n did not start"; exit 1; }
    start_sink "$n"
done
for n in $(seq 1 $N); do
    wait_until 60 links_up_is "$n" $((N-1)) || t_fail "node $n has $(stat_of "$n" links_up) links up"
done
for from in 1 16; do
    out=$("$VKE_TOOL" send "$T_ROOT" $from --broadcast --receipt --cap 15 --timeout 10000 --payload "b16-from-$from")
    t_check "broadcast from $from: status ok with 15 entries" grep -q '^status=ok needed=15 entries=15' <<<"$out"
    t_check "broadcast from $from: 15 delivered" test "$(grep -c 'status=delivered' <<<"$out")" -eq 15
done
for n in $(seq 1 $N); do
    for from in 1 16; do
        want=1; [ "$n" = "$from" ] && want=0
        wait_until 15 test "$(grep -c "payload=b16-from-$from\$" "$T_ROOT/sink-$n.log")" -eq $want \
            || t_fail "node $n received b16-from-$from $(grep -c "payload=b16-from-$from\$" "$T_ROOT/sink-$n.log") times (want $want)"
    done
done
t_ok "every node received each broadcast exactly once (or not at all if it sent it)"
t_done
