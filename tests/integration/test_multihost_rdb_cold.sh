#!/usr/bin/env bash
# test_multihost_rdb_cold.sh - a cold start of the replicated cluster DB (xen/plat/rdb/) with a stale copy
# of another incarnation. The cluster is created on host 1 (its incarnation A written with the create) and
# written to; host 2 also holds, in another DB group, a copy of another life of the cluster (incarnation B,
# created again, 100 transactions further: a higher version). Every member stops; host 2's state file is
# replaced by the B copy; all three restart at once: nobody serves yet, A is held by 2 of 3 votes, so A's
# copy wins whatever the versions say, host 2 logs the replacement naming both incarnations, the dumps
# match. Then host 2 (B again) and host 1 (A) restart without host 3: one vote each, no majority: no copy
# is chosen, a write is refused (ENOTUNIQ) and both copies stay as they were; host 3 comes back and A wins.
# Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/rdb_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }

mode_is() { [ "$(rdb_field "$1" mode)" = "$2" ]; }
all_synced_same() { rdb_synced m1 && rdb_synced m2 && rdb_synced m3 && rdb_same m1 m2 && rdb_same m1 m3; }

for i in 1 2 3; do rdb_start "m$i" "$i"; done
for i in 1 2 3; do t_check "m$i synced" wait_until 20 rdb_synced "m$i"; done
cs_tool_cmd m1 "dbcreate xv-cold"
t_check "the cluster created on host 1" wait_until 20 grep -q '^dbcreate rc=0' "$T_ROOT/m1.out"
cs_tool_cmd m1 "race 20 live"
t_check "20 transactions on it" wait_until 60 grep -q '^race done n=20 committed=20 ' "$T_ROOT/m1.out"
t_check "every member has the cluster's copy" wait_until 20 all_synced_same
inc_a=$(rdb_field m1 inc)
v_live=$(rdb_field m1 version)
t_check "the create gave the copy an incarnation (32 hex digits: $inc_a)" \
    bash -c "[[ '$inc_a' =~ ^[0-9a-f]{32}$ ]]"
t_check "m3 holds it too" test "$(rdb_field m3 inc)" = "$inc_a"

# another life of the cluster, in another DB group on host 2: created again, further ahead
RDB_CLUSTER=xvios-other rdb_start s2 2
t_check "s2 (another DB group on host 2) synced" wait_until 20 rdb_synced s2
cs_tool_cmd s2 "dbcreate xv-cold"
t_check "the cluster created again there" wait_until 20 grep -q '^dbcreate rc=0' "$T_ROOT/s2.out"
cs_tool_cmd s2 "race 100 stale"
t_check "s2 commits 100" wait_until 120 grep -q '^race done n=100 committed=100 ' "$T_ROOT/s2.out"
inc_b=$(rdb_field s2 inc)
v_stale=$(rdb_field s2 version)
t_check "the new life has another incarnation ($inc_b)" bash -c "[[ '$inc_b' =~ ^[0-9a-f]{32}$ ]] && [ '$inc_b' != '$inc_a' ]"
t_check "the stale copy is ahead ($v_stale > $v_live)" test "$v_stale" -gt "$v_live"
rdb_stop s2

# a cold start: every member stopped, host 2's state file replaced by the stale copy, all restarted at once
rdb_dump m1
cp "$T_ROOT/m1.dump" "$T_ROOT/live.dump"
for i in 1 2 3; do rdb_stop "m$i"; done
cp "$T_ROOT/s2.db" "$T_ROOT/m2.db"
t0=$(date +%s%3N)
for i in 1 2 3; do rdb_start "m$i" "$i"; done
t_check "the three converged" wait_until 30 all_synced_same
echo "   cold start (version $v_live of $inc_a on hosts 1 and 3, $v_stale of $inc_b on host 2): converged after $(( $(date +%s%3N) - t0 )) ms"
t_check "the cluster's incarnation won" test "$(rdb_field m2 inc)" = "$inc_a"
t_check "at the cluster's version ($v_live)" test "$(rdb_field m2 version)" = "$v_live"
for i in 1 2 3; do rdb_dump "m$i"; done
t_check "m1's dump is the one before the stop" cmp "$T_ROOT/live.dump" "$T_ROOT/m1.dump"
for i in 2 3; do t_check "m$i's dump is m1's" cmp "$T_ROOT/m1.dump" "$T_ROOT/m$i.dump"; done
t_check "the stale copy's nodes are nowhere" bash -c "! grep -q '^/race/stale' '$T_ROOT/m1.dump'"
t_check "m2 replaced its copy of another incarnation" test "$(rdb_field m2 inc_taken)" -ge 1
t_check "m2 logged it, naming itself and both incarnations" \
    grep -q "member 2/[0-9]* (this member) holds incarnation $inc_b (version $v_stale), the cluster's is $inc_a" "$T_ROOT/m2.err"
grep -h "holds incarnation" "$T_ROOT/m2.err" | tail -n 1 | sed 's/^/   m2: /'

# no majority: host 2 with the stale copy again and host 1, host 3 still down
for i in 1 2 3; do rdb_stop "m$i"; done
cp "$T_ROOT/s2.db" "$T_ROOT/m2.db"
rdb_start m1 1
rdb_start m2 2
both_undecided() { [ "$(rdb_field m1 members)" = 2 ] && mode_is m1 undecided && mode_is m2 undecided; }
t_check "m1 and m2 chose no copy (A and B hold a vote each)" wait_until 30 both_undecided
grep -h "no copy chosen" "$T_ROOT/m1.err" | tail -n 1 | sed 's/^/   m1: /'
t_check "m1 says why, naming both incarnations" bash -c "grep 'no copy chosen' '$T_ROOT/m1.err' | tail -n 1 | grep -q '$inc_a' && grep 'no copy chosen' '$T_ROOT/m1.err' | tail -n 1 | grep -q '$inc_b'"
cs_tool_cmd m1 "write /undecided/x 1"
t_check "a write is refused (ENOTUNIQ)" wait_until 10 grep -q '^write err=ENOTUNIQ ' "$T_ROOT/m1.out"
t_check "m1 keeps its copy ($inc_a, $v_live)" bash -c "[ '$(rdb_field m1 inc)' = '$inc_a' ] && [ '$(rdb_field m1 version)' = '$v_live' ]"
t_check "m2 keeps its copy ($inc_b, $v_stale)" bash -c "[ '$(rdb_field m2 inc)' = '$inc_b' ] && [ '$(rdb_field m2 version)' = '$v_stale' ]"
rdb_start m3 3
t_check "host 3 back: A holds 2 of 3 votes, the three converge" wait_until 30 all_synced_same
t_check "on A" test "$(rdb_field m2 inc)" = "$inc_a"
for i in 1 2 3; do rdb_dump "m$i"; done
t_check "m1's dump is still the one before the stop" cmp "$T_ROOT/live.dump" "$T_ROOT/m1.dump"
for i in 2 3; do t_check "m$i's dump is m1's" cmp "$T_ROOT/m1.dump" "$T_ROOT/m$i.dump"; done
cs_tool_cmd m2 "write /after/cold yes"
t_check "m2 writes again" wait_until 10 grep -q '^write ok' "$T_ROOT/m2.out"
t_check "m1 has it" wait_until 10 rdb_same m1 m2
for i in 1 2 3; do rdb_stop "m$i"; done
t_done
