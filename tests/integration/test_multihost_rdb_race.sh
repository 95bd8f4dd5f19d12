#!/usr/bin/env bash
# test_multihost_rdb_race.sh - the replicated cluster DB (xen/plat/rdb/) on three corosync hosts: a
# member per host syncs; 1,000 read-modify-write transactions race from the three hosts (each retried
# on EAGAIN) and leave identical copies everywhere (the dumps compared byte for byte), with the shared
# counter equal to the number of commits (no update lost), also after 200 more from one host alone
# (the uncontended rate); 600 transactions on three disjoint counters at once never conflict (per-node
# conflicts); the cluster DB layer (xen/db) creates and reads a cluster on the replicated
# store through the platform seam; a copy larger than one message travels in
# chunks; a member stopped and restarted with its state file syncs from the others; a host's corosync
# killed: its member sees it go, the others commit, the host and a member on it come back and sync;
# every member's file holds the copy. Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/rdb_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }

for i in 1 2 3; do rdb_start "m$i" "$i"; done
for i in 1 2 3; do
    t_check "m$i synced" wait_until 20 rdb_synced "m$i"
    t_check "m$i quorate" wait_until 10 bash -c "[ \"\$(grep '^quorate ' '$T_ROOT/m$i.out' | tail -n 1 | cut -d' ' -f2)\" = 1 ]"
done
cs_tool_cmd m1 "write /hello from-m1"
t_check "m1's write committed" wait_until 10 grep -q '^write ok' "$T_ROOT/m1.out"
t_check "m3 has m1's write" wait_until 10 rdb_same m1 m3

# the race: 334 + 333 + 333 transactions, all three hosts at once
per=(0 334 333 333)
t0=$(date +%s%3N)
for i in 1 2 3; do cs_tool_cmd "m$i" "race ${per[$i]} h$i"; done
for i in 1 2 3; do t_check "m$i's race ended" wait_until 180 grep -q '^race done' "$T_ROOT/m$i.out"; done
ms=$(( $(date +%s%3N) - t0 ))
committed=0; retries=0
for i in 1 2 3; do
    line=$(grep '^race done' "$T_ROOT/m$i.out" | tail -n 1)
    echo "   m$i: $line"
    c=$(echo "$line" | sed 's/.*committed=\([0-9]*\).*/\1/'); r=$(echo "$line" | sed 's/.*retries=\([0-9]*\).*/\1/')
    t_check "m$i committed all ${per[$i]} without an error" bash -c "echo '$line' | grep -q 'committed=${per[$i]} retries=[0-9]* errors=0 '"
    committed=$((committed + c)); retries=$((retries + r))
done
echo "   1000 racing transactions in $ms ms ($((committed * 1000 / (ms > 0 ? ms : 1))) commits/s; $retries retries on EAGAIN)"
for i in 1 2 3; do t_check "m$i: a settled copy" wait_until 10 rdb_same m1 "m$i"; done
# the same transactions from one host alone: no conflicts, each commit one round trip through the order
cs_tool_cmd m2 "race 200 solo"
t_check "m2 alone: 200 commits, no retry" wait_until 60 grep -q '^race done n=200 committed=200 retries=0 errors=0 ' "$T_ROOT/m2.out"
grep '^race done n=200' "$T_ROOT/m2.out" | sed 's/^/   m2 alone: /'
for i in 1 2 3; do t_check "m$i dumped" rdb_dump "m$i"; done
t_check "the shared counter is 1200 (no update lost)" grep -q '^/race/counter perms=n0 value=1200$' "$T_ROOT/m1.dump"
t_check "1200 race nodes" test "$(grep -c '^/race/\(h[123]\|solo\)/' "$T_ROOT/m1.dump")" -eq 1200
for i in 2 3; do t_check "m$i's dump is m1's" cmp "$T_ROOT/m1.dump" "$T_ROOT/m$i.dump"; done
t_check "version 1201 (the first write + 1200)" grep -q '^version=1201 ' "$T_ROOT/m1.dump"

# conflicts are per node: the three hosts each on their own counter at once never conflict
t0=$(date +%s%3N)
for i in 1 2 3; do cs_tool_cmd "m$i" "own 200 h$i"; done
for i in 1 2 3; do
    t_check "m$i: 200 disjoint transactions, none retried" \
        wait_until 120 grep -q '^own done n=200 committed=200 retries=0 errors=0 ' "$T_ROOT/m$i.out"
done
echo "   600 disjoint transactions from 3 hosts in $(( $(date +%s%3N) - t0 )) ms, 0 retries"
t_check "m2 ends at m1's copy" wait_until 10 rdb_same m1 m2
errno_of() { python3 -c "import errno; print(errno.$1)"; }

# the cluster DB layer (xvios/db.h) on the replicated store through the platform seam: created on host 1,
# read on host 3
cs_tool_cmd m1 "dbcreate xv-multi"
t_check "host 1 created cluster xv-multi in the replicated DB" wait_until 10 grep -q '^dbcreate rc=0$' "$T_ROOT/m1.out"
cs_tool_cmd m3 "dbconfig"
t_check "host 3 reads its configuration" wait_until 10 grep -q '^dbconfig rc=0 name=xv-multi max_nodes=16 timeout_ms=2000$' "$T_ROOT/m3.out"
cs_tool_cmd m2 "dbcreate again"
t_check "host 2 cannot create a second one (EEXIST)" wait_until 10 grep -q "^dbcreate rc=-$(errno_of EEXIST)\$" "$T_ROOT/m2.out"
# the split store behind the seam: /xvios is the replicated DB, any other path the host's own store; a
# transaction on one store refuses a path of the other (EXDEV) and commits nothing
cs_tool_cmd m1 "seamtx /xvios/seam/a /local/seam/b"
t_check "a transaction across the two stores: EXDEV, nothing written" wait_until 10 \
    grep -q "^seamtx first=0 second=-$(errno_of EXDEV) end=0 read1=-$(errno_of ENOENT) read2=-$(errno_of ENOENT)\$" "$T_ROOT/m1.out"
cs_tool_cmd m1 "seamtx /local/seam/c /local/seam/d"
t_check "a transaction on the host's own store commits" wait_until 10 \
    grep -q "^seamtx first=0 second=0 end=0 read1=0 read2=0\$" "$T_ROOT/m1.out"
cs_tool_cmd m1 "seamtx /xvios/seam/e /xvios/seam/f"
t_check "a transaction on the replicated DB commits" wait_until 10 \
    grep -q "^seamtx first=0 second=0 end=0 read1=0 read2=0\$" "$T_ROOT/m1.out"
seam_in_db() { rdb_dump m2 && grep -q '^/xvios/seam/f ' "$T_ROOT/m2.dump" && ! grep -q '^/local/seam' "$T_ROOT/m2.dump"; }
t_check "host 2's copy has /xvios/seam/f, and nothing of host 1's own store" wait_until 10 seam_in_db

# a member stopped; the others go on (with a copy larger than one CPG message); it comes back and syncs
rdb_stop m2
cs_tool_cmd m1 "fill 200 4000"
t_check "m1's 800 KB transaction committed" wait_until 30 grep -q '^fill ok' "$T_ROOT/m1.out"
cs_tool_cmd m3 "race 20 after"
t_check "m3's race without m2" wait_until 60 grep -q '^race done n=20 committed=20 ' "$T_ROOT/m3.out"
t0=$(date +%s%3N)
rdb_start m2 2
t_check "restarted m2 synced to m1's copy" wait_until 30 rdb_same m1 m2
echo "   restarted member synced in $(( $(date +%s%3N) - t0 )) ms (process start included)"
loads=$(rdb_field m2 loads); chunks=$(( $(rdb_field m1 chunks) + $(rdb_field m3 chunks) ))
t_check "m2 loaded a copy from another member (loads=$loads)" test "${loads:-0}" -ge 1
t_check "the copy (over 800 KB) came in chunks of 60 KiB ($chunks sent)" test "$chunks" -ge 14
for i in 1 2 3; do rdb_dump "m$i"; done
for i in 2 3; do t_check "m$i's dump is m1's after the restart" cmp "$T_ROOT/m1.dump" "$T_ROOT/m$i.dump"; done

# host 2's corosync dies: its member sees it go (EPIPE, final), hosts 1 and 3 keep quorum and commit;
# the host comes back, a new member on it starts from its file and syncs
cs_kill_host 2 KILL
t_check "m2 saw its corosync go" wait_until 15 grep -q '^gone ' "$T_ROOT/m2.out"
wait "$CS_TOOL_PID_m2" 2>/dev/null
exec {CS_TOOL_FD_m2}>&-
CS_TOOL_FD_m2=
cs_tool_cmd m1 "race 30 hostdown"
t_check "m1 commits with host 2 down" wait_until 60 grep -q '^race done n=30 committed=30 .*errors=0' "$T_ROOT/m1.out"
t_check "host 2's corosync back" cs_start_host 2
t0=$(date +%s%3N)
rdb_start m2 2
t_check "m2 on the restarted host synced to m1's copy" wait_until 40 rdb_same m1 m2
echo "   host 2 back: its new member synced in $(( $(date +%s%3N) - t0 )) ms"
for i in 1 2 3; do rdb_dump "m$i"; done
for i in 2 3; do t_check "m$i's dump is m1's after the host restart" cmp "$T_ROOT/m1.dump" "$T_ROOT/m$i.dump"; done

# the files: every member saved its copy; a member started alone from its file has that version
v=$(rdb_field m1 version)
for i in 1 2 3; do rdb_stop "m$i"; done
for i in 1 2 3; do t_check "m$i's state file exists" test -s "$T_ROOT/m$i.db"; done
rdb_start m3 3
t_check "m3 restarted alone" wait_until 20 rdb_synced m3
t_check "m3's file held version $v" test "$(rdb_field m3 version)" = "$v"
rdb_stop m3
t_done
