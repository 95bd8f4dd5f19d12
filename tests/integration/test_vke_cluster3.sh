#!/usr/bin/env bash
# test_vke_cluster3.sh - three real xvios-backend processes on the loopback
# platform: broadcast and directed sends with receipts, the RC-too-small
# copy-back, a node joining between sends, garbage on a link, a killed node.
. "$(dirname "$0")/lib.sh"

"$VKE_TOOL" mkcluster "$T_ROOT" 3 2000 > "$T_ROOT/mk.out" || { echo "mkcluster failed"; exit 1; }
for n in 1 2 3; do
    d=$(sed -n "s/^node=$n domid=//p" "$T_ROOT/mk.out")
    start_backend "$n" "$d" || { t_fail "backend $n did not start"; exit 1; }
    start_sink "$n"
done
t_check "links between 3 nodes come up" wait_until 20 links_up_is 1 2
wait_until 20 links_up_is 2 2; wait_until 20 links_up_is 3 2

# broadcast with receipts reaches all
out=$("$VKE_TOOL" send "$T_ROOT" 1 --broadcast --receipt --cap 2 --payload bcast-one)
echo "$out"
t_check "broadcast: status ok" grep -q '^status=ok needed=2 entries=2' <<<"$out"
t_check "broadcast: node 2 delivered" grep -q '^rc node=2 status=delivered' <<<"$out"
t_check "broadcast: node 3 delivered" grep -q '^rc node=3 status=delivered' <<<"$out"
t_check "broadcast: sink 2 got it" wait_until 5 grep -q 'src=1 .*payload=bcast-one' "$T_ROOT/sink-2.log"
t_check "broadcast: sink 3 got it" wait_until 5 grep -q 'src=1 .*payload=bcast-one' "$T_ROOT/sink-3.log"
t_check "broadcast: not echoed to the sender" bash -c "! grep -q bcast-one '$T_ROOT/sink-1.log'"

# directed send reaches only the listed node
out=$("$VKE_TOOL" send "$T_ROOT" 2 --to 3 --receipt --cap 1 --payload only-three)
echo "$out"
t_check "directed: delivered to 3" grep -q '^rc node=3 status=delivered' <<<"$out"
t_check "directed: exactly one entry" grep -q 'entries=1' <<<"$out"
t_check "directed: sink 3 got it" wait_until 5 grep -q 'payload=only-three' "$T_ROOT/sink-3.log"
sleep 0.3
t_check "directed: sink 1 did not" bash -c "! grep -q only-three '$T_ROOT/sink-1.log'"

# directed to a non-member: its own status, the others unaffected
out=$("$VKE_TOOL" send "$T_ROOT" 1 --to 2,77 --receipt --cap 2 --payload mixed)
echo "$out"
t_check "non-member: node 77 not_member" grep -q '^rc node=77 status=not_member' <<<"$out"
t_check "non-member: node 2 still delivered" grep -q '^rc node=2 status=delivered' <<<"$out"
t_check "non-member: overall partial" grep -q '^status=partial' <<<"$out"

# without receipts (capacity 0) the VKE does not wait
out=$("$VKE_TOOL" send "$T_ROOT" 1 --broadcast --receipt --cap 0 --payload no-wait)
t_check "capacity 0: ok without an RC array" grep -q '^status=ok needed=2 entries=0' <<<"$out"

# an RC array one entry too small comes back with the needed length, then succeeds
out=$("$VKE_TOOL" send "$T_ROOT" 1 --broadcast --receipt --cap 1 --payload too-small)
echo "$out"
t_check "too small: status rc_too_small needed=2" grep -q '^status=rc_too_small needed=2 entries=0' <<<"$out"
sleep 0.3
t_check "too small: nothing was sent" bash -c "! grep -q too-small '$T_ROOT'/sink-*.log"
out=$("$VKE_TOOL" send "$T_ROOT" 1 --broadcast --receipt --cap 2 --payload too-small-retry)
t_check "too small: retry with 2 succeeds" grep -q '^status=ok needed=2 entries=2' <<<"$out"

# a node joining between two sends is included in the second
"$VKE_TOOL" addnode "$T_ROOT" > "$T_ROOT/add.out" || t_fail "addnode"
n4=$(sed -n 's/^node=\([0-9]*\) .*/\1/p' "$T_ROOT/add.out"); d4=$(sed -n 's/.*domid=//p' "$T_ROOT/add.out")
start_backend "$n4" "$d4"; start_sink "$n4"
out=$("$VKE_TOOL" send "$T_ROOT" 1 --broadcast --receipt --cap 2 --timeout 5000 --payload after-join)
echo "$out"
t_check "join: first try says the array is too small (needs 3)" grep -q '^status=rc_too_small needed=3' <<<"$out"
out=$("$VKE_TOOL" send "$T_ROOT" 1 --broadcast --receipt --cap 3 --timeout 5000 --payload after-join)
echo "$out"
t_check "join: new node $n4 delivered" grep -q "^rc node=$n4 status=delivered" <<<"$out"
t_check "join: all three delivered" grep -q '^status=ok needed=3 entries=3' <<<"$out"

# garbage on a link is dropped and counted while traffic continues
"$VKE_TOOL" addnode "$T_ROOT" > "$T_ROOT/add5.out"
n5=$(sed -n 's/^node=\([0-9]*\) .*/\1/p' "$T_ROOT/add5.out")
before=$(stat_of 1 malformed_in)
"$VKE_TOOL" inject "$T_ROOT" "$n5" 1 || t_fail "inject"
t_check "garbage: 4 malformed packets counted on node 1" wait_until 5 test "$(stat_of 1 malformed_in)" -ge $((before + 4))
after=$(stat_of 1 malformed_in)
echo "malformed_in on node 1: before=$before after=$after"
t_check "garbage: counter moved by exactly 4" test "$after" -eq $((before + 4))
out=$("$VKE_TOOL" send "$T_ROOT" 2 --to 1 --receipt --cap 1 --payload still-alive)
t_check "garbage: node 1 still delivers" grep -q '^rc node=1 status=delivered' <<<"$out"
grep -q "dropped a packet from node $n5" "$T_ROOT/nodes/1/backend.log" && t_ok "garbage: log names the peer" \
    || t_fail "garbage: log names the peer"

# a killed node is reported failed within the timeout while the others are delivered
kill -9 "$BACKEND_PID_3"
start=$(date +%s%N)
out=$("$VKE_TOOL" send "$T_ROOT" 1 --to 2,3,"$n4" --receipt --cap 3 --timeout 1500 --payload after-kill)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$out"; echo "took ${ms} ms"
t_check "kill: node 3 failed" grep -Eq '^rc node=3 status=(timed_out|unreachable)' <<<"$out"
t_check "kill: node 2 delivered" grep -q '^rc node=2 status=delivered' <<<"$out"
t_check "kill: node $n4 delivered" grep -q "^rc node=$n4 status=delivered" <<<"$out"
t_check "kill: answered within the timeout (+500 ms)" test "$ms" -lt 2000
t_check "kill: sender is healthy afterwards" bash -c \
    "'$VKE_TOOL' send '$T_ROOT' 1 --to 2 --receipt --cap 1 | grep -q '^status=ok'"
t_check "kill: node-lost event reached node 1's daemon" wait_until 5 grep -q 'op=vke_event.*src=3 .*event=3' "$T_ROOT/sink-1.log"
t_done
