#!/usr/bin/env bash
# bench_multihost.sh - the multi-host transport against raw baselines measured in the same run, on three
# corosync "hosts" in network namespaces (tests/integration/corosync_lib.sh) with six loopback VIOS nodes
# (two per host, xvios-backend with multihost; tests/integration/mh_cluster_lib.sh). `make bench-multihost`
# (root: namespaces; installs corosync if missing). Prints, never asserts on timing:
#
#  1. directed send + receipt 257 (host 1) -> 770 (host 3) through the VKEs (vke_sendbench ping: caller ->
#     VKE -> TLS link -> VKE -> receipt back) against a raw TCP ping-pong between the same two network
#     namespaces (vke_sendbench tcpping: SIZE bytes out, a 64-byte answer, the size of a receipt);
#  2. a broadcast with receipts from 257 to the five other nodes (vke_sendbench bcast: the other hosts'
#     four copies as one CPG multicast, 258's on its local link, five receipts back point to point)
#     against a raw CPG multicast round (cpg_tool round: one AGREED multicast of SIZE bytes, five members
#     -- one on host 1, two on hosts 2 and 3 -- each answering with a multicast, until all five are in).
#
# Each pair runs BENCH_ROUNDS (default 5) alternating rounds of BENCH_OPS (default 200) operations, so a
# load change hits both alike; printed: the mean per operation of each, and the median of the per-round
# ratios (xvios / raw).
set -u
here=$(cd "$(dirname "$0")" && pwd)
it=$here/../integration
: "${XVIOS_BIN:?XVIOS_BIN must name the directory of the built programs}"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the built test helpers}"
. "$it/lib.sh"
. "$it/corosync_lib.sh"
. "$it/mh_cluster_lib.sh"
ROUNDS=${BENCH_ROUNDS:-5}
OPS=${BENCH_OPS:-200}
SB=$XVIOS_TESTS/vke_sendbench
CT=$XVIOS_TESTS/cpg_tool

fail() { echo "bench_multihost: $*" >&2; exit 1; }
mh_setup || fail "no corosync hosts"
mh_start_all || fail "the six nodes did not come up"
for n in $MH_NODES; do   # every node's deliveries are drained (its daemon's stand-in), so receipts are OK
    "$VKE_TOOL" sink "$(root_of "$n")" "$n" /dev/null 3600 2>"$T_ROOT/sink-$n.err" &
    T_PIDS+=($!)
done
sleep 0.5

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
us_of() { sed -n 's/.*us_per_op=\([0-9.]*\).*/\1/p'; }

# ---- 1. directed send + receipt vs raw TCP ping-pong, host 1 -> host 3
PORT=7406
echo "== directed send + receipt 257 -> 770 (host 1 -> host 3) vs raw TCP ping-pong between the same namespaces"
printf "%8s %14s %14s %10s\n" size "xvios us/op" "raw us/op" "ratio"
for size in 64 1024 16384 61440; do
    xs=(); rs=(); ratios=()
    for r in $(seq 1 "$ROUNDS"); do
        so=$T_ROOT/srv-$size-$r.out
        timeout 120 ip netns exec "$(cs_ns 3)" "$SB" tcpserve "$(cs_addr 3)" "$PORT" > "$so" 2>"$so.err" &
        srv=$!
        wait_until 5 grep -q listening "$so" || fail "the raw TCP server did not listen"
        raw=$(ip netns exec "$(cs_ns 1)" "$SB" tcpping "$(cs_addr 3)" "$PORT" "$size" "$OPS" | us_of)
        kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
        x=$("$SB" ping "$(root_of 257)/nodes/257" 257 770 "$size" "$OPS" | us_of)
        [ -n "$raw" ] && [ -n "$x" ] || fail "a run of size $size failed"
        xs+=("$x"); rs+=("$raw"); ratios+=("$(awk -v a="$x" -v b="$raw" 'BEGIN { printf "%.2f", a / b }')")
    done
    printf "%8s %14.1f %14.1f %9sx\n" "$size" "$(printf '%s\n' "${xs[@]}" | median)" \
        "$(printf '%s\n' "${rs[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | median)"
done

# ---- 2. broadcast with receipts vs a raw CPG multicast round
echo "== broadcast with receipts 257 -> 5 nodes vs a raw CPG multicast round (1 multicast + 5 multicast answers)"
# the raw round's members, in a group of their own: a pinger on host 1, echoers 1 on host 1, 2 on hosts 2 and 3
mkfifo "$T_ROOT/ping.in"
cs_exec 1 "$CT" xvbench 201 < "$T_ROOT/ping.in" > "$T_ROOT/ping.out" 2>"$T_ROOT/ping.err" &
T_PIDS+=($!)
exec 9>"$T_ROOT/ping.in"
k=0
for h in 1 2 2 3 3; do
    k=$((k + 1))
    mkfifo "$T_ROOT/echo$k.in"
    cs_exec "$h" "$CT" xvbench $((201 + k)) < "$T_ROOT/echo$k.in" > "$T_ROOT/echo$k.out" 2>"$T_ROOT/echo$k.err" &
    T_PIDS+=($!)
    eval "exec $((9 + k))>\"$T_ROOT/echo$k.in\""
    echo echo >&$((9 + k))
done
wait_until 20 bash -c "[ \$(grep -c '^up node=' '$T_ROOT/ping.out') -ge 6 ]" || fail "the raw CPG group did not form"
printf "%8s %14s %14s %10s\n" size "xvios us/op" "raw us/op" "ratio"
for size in 64 1024 16384; do
    xs=(); rs=(); ratios=()
    for r in $(seq 1 "$ROUNDS"); do
        before=$(grep -c '^round ' "$T_ROOT/ping.out")
        echo "round 5 $OPS $((size < 32 ? 32 : size))" >&9
        wait_until 60 bash -c "[ \$(grep -c '^round \\|^nack round' '$T_ROOT/ping.out') -gt $before ]" || fail "no raw round result"
        raw=$(grep '^round ' "$T_ROOT/ping.out" | tail -n 1 | us_of)
        x=$("$SB" bcast "$(root_of 257)/nodes/257" 257 5 "$size" "$OPS" | us_of)
        [ -n "$raw" ] && [ -n "$x" ] || fail "a broadcast run of size $size failed"
        xs+=("$x"); rs+=("$raw"); ratios+=("$(awk -v a="$x" -v b="$raw" 'BEGIN { printf "%.2f", a / b }')")
    done
    printf "%8s %14.1f %14.1f %9sx\n" "$size" "$(printf '%s\n' "${xs[@]}" | median)" \
        "$(printf '%s\n' "${rs[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | median)"
done
echo "   257's counters: $("$VKE_TOOL" stats "$(root_of 257)" 257 | grep -E '^(group_sends|group_copies|group_fallback|cpg_sent|cpg_try_again|cpg_expired)=' | tr '\n' ' ')"
echo quit >&9
for k in 1 2 3 4 5; do echo quit >&$((9 + k)); done
t_done
