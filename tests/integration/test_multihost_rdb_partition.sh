#!/usr/bin/env bash
# test_multihost_rdb_partition.sh - the replicated cluster DB (xen/plat/rdb/) split by a partition:
# host 3's link is cut (its bridge port down); it loses quorum (its ring weighs 1 of 3 votes: the apply-side
# check) and refuses DB writes with EROFS while
# its copy stays as it was; hosts 1 and 2 keep quorum and keep committing; when the link comes back the
# cut-off member takes the majority's copy (the dumps compared byte for byte) and its watches fire.
# Watches fire on applied changes elsewhere too. Then host 3 comes back with a stale copy 300 versions
# ahead of the cluster (another group's): the serving members' copy wins, nothing of it is taken.
# Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/rdb_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }
last_quorate() { [ "$(grep '^quorate ' "$T_ROOT/$1.out" | tail -n 1 | cut -d' ' -f2)" = "$2" ]; }

for i in 1 2 3; do rdb_start "m$i" "$i"; done
for i in 1 2 3; do
    t_check "m$i synced" wait_until 20 rdb_synced "m$i"
    t_check "m$i quorate" wait_until 10 last_quorate "m$i" 1
done

# watches fire on a change applied from another host
cs_tool_cmd m2 "watch /part"
cs_tool_cmd m3 "watch /race"
t_check "m2's watch set" wait_until 5 grep -q '^event path=/part token=w' "$T_ROOT/m2.out"
cs_tool_cmd m1 "write /part/x before"
t_check "m2's watch fired for m1's write" wait_until 10 grep -q '^event path=/part/x token=w' "$T_ROOT/m2.out"
cs_tool_cmd m1 "race 50 pre"
t_check "m1's first race" wait_until 60 grep -q '^race done n=50 committed=50 ' "$T_ROOT/m1.out"
t_check "m3 has it" wait_until 10 rdb_same m1 m3
v_cut=$(rdb_field m3 version)
t_check "m3's ring holds all 3 votes (apply-side check on)" test "$(rdb_field m3 ring)" = 3/3

# cut host 3 off
t0=$(date +%s%3N)
ip -n "$(cs_ns_bridge)" link set p3 down
t_check "m3 lost quorum" wait_until 20 last_quorate m3 0
echo "   host 3 cut off: m3 saw quorum lost after $(( $(date +%s%3N) - t0 )) ms"
t_check "m1 keeps quorum" last_quorate m1 1
members_are() { [ "$(rdb_field "$1" members)" = "$2" ] && rdb_synced "$1"; }
t_check "m1's group is down to 2 members, synced" wait_until 20 members_are m1 2
t_check "m3's group is itself alone" wait_until 20 members_are m3 1
t_check "m3's ring: 1 of 3 votes (its transactions fail at apply time too)" test "$(rdb_field m3 ring)" = 1/3
t_check "m1's ring: 2 of 3 votes" test "$(rdb_field m1 ring)" = 2/3
cs_tool_cmd m3 "write /part/minority yes"
t_check "m3's write refused: no quorum (EROFS)" wait_until 10 grep -q '^write err=EROFS ' "$T_ROOT/m3.out"
grep '^write err=' "$T_ROOT/m3.out" | tail -n 1 | sed 's/^/   m3: /'
cs_tool_cmd m3 "race 1 minority"
t_check "m3's transaction refused too" wait_until 10 grep -q '^race done n=1 committed=0 retries=0 errors=1 last_err=EROFS' "$T_ROOT/m3.out"
cs_tool_cmd m1 "race 100 majority1"
cs_tool_cmd m2 "race 100 majority2"
t_check "m1 commits without host 3" wait_until 90 grep -q '^race done n=100 committed=100 .*errors=0' "$T_ROOT/m1.out"
t_check "m2 commits without host 3" wait_until 90 grep -q '^race done n=100 committed=100 .*errors=0' "$T_ROOT/m2.out"
cs_tool_cmd m1 "write /part/during majority"
t_check "m1's write during the partition" wait_until 10 bash -c "[ \$(grep -c '^write ok' '$T_ROOT/m1.out') -ge 2 ]"
t_check "m3's copy did not change (version $v_cut)" test "$(rdb_field m3 version)" = "$v_cut"
t_check "m1 is 201 versions ahead" test "$(rdb_field m1 version)" = "$((v_cut + 201))"

# heal: host 3 takes the majority's copy
events_before=$(grep -c '^event path=/race token=w' "$T_ROOT/m3.out")
t0=$(date +%s%3N)
ip -n "$(cs_ns_bridge)" link set p3 up
t_check "m3 converged to m1's copy" wait_until 30 rdb_same m1 m3
heal_ms=$(( $(date +%s%3N) - t0 ))
t_check "m3 quorate again" wait_until 10 last_quorate m3 1
echo "   link up -> m3 holds the majority's copy after $heal_ms ms"
for i in 1 2 3; do rdb_dump "m$i"; done
for i in 2 3; do t_check "m$i's dump is m1's" cmp "$T_ROOT/m1.dump" "$T_ROOT/m$i.dump"; done
t_check "m3's minority write is nowhere" bash -c "! grep -q '^/part/minority' '$T_ROOT/m3.dump'"
t_check "m3 has the write made during the partition" grep -q '^/part/during perms=n0 value=majority$' "$T_ROOT/m3.dump"
t_check "m3 loaded the majority's copy" test "$(rdb_field m3 loads)" -ge 1
t_check "m3's watch fired when its copy was replaced" \
    wait_until 5 bash -c "[ \$(grep -c '^event path=/race token=w' '$T_ROOT/m3.out') -gt $events_before ]"
cs_tool_cmd m3 "write /part/after healed"
t_check "m3 writes again after the heal" wait_until 10 grep -q '^write ok' "$T_ROOT/m3.out"
t_check "m1 has m3's write" wait_until 10 rdb_same m1 m3

# a stale copy at a higher version: host 3 comes back with another cluster's copy (as a copy of a
# cluster destroyed and created again would be), 300 transactions ahead. The serving members' copy wins.
RDB_CLUSTER=xvios-other rdb_start s3 3
t_check "s3 (another DB group on host 3) synced" wait_until 20 rdb_synced s3
cs_tool_cmd s3 "race 300 stale"
t_check "s3 commits 300" wait_until 120 grep -q '^race done n=300 committed=300 ' "$T_ROOT/s3.out"
v_stale=$(rdb_field s3 version)
rdb_stop s3
rdb_stop m3
rdb_dump m1
cp "$T_ROOT/m1.dump" "$T_ROOT/m1-before-stale.dump"
v_live=$(rdb_field m1 version)
cp "$T_ROOT/s3.db" "$T_ROOT/m3.db"
rdb_start m3 3
t_check "m3 back with the stale copy converged to m1's" wait_until 30 rdb_same m1 m3
echo "   m3 came back with a copy at version $v_stale, the serving DB's at $v_live: m3 now at $(rdb_field m3 version)"
t_check "the stale copy was ahead ($v_stale > $v_live)" test "$v_stale" -gt "$v_live"
t_check "m1's version unchanged by the stale copy ($v_live)" test "$(rdb_field m1 version)" = "$v_live"
rdb_dump m1
rdb_dump m3
t_check "m1's dump unchanged" cmp "$T_ROOT/m1-before-stale.dump" "$T_ROOT/m1.dump"
t_check "m3's dump is m1's" cmp "$T_ROOT/m1.dump" "$T_ROOT/m3.dump"
t_check "the stale copy's nodes are nowhere" bash -c "! grep -q '^/race/stale' '$T_ROOT/m1.dump'"
t_check "m3 loaded the serving copy" test "$(rdb_field m3 loads)" -ge 1
for i in 1 2 3; do rdb_stop "m$i"; done
t_done
