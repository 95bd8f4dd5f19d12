#!/usr/bin/env bash
# test_multihost_daemon.sh - the daemon and the CLI on the multi-host cluster: six loopback VIOS nodes
# (ids 257..770, two per corosync host), each with xvios-backend (multihost) and xviosd. Proves:
#  - node ids over 256 end to end: `xvios --node 257 send --to 770 --receipt --response` through both
#    daemons gets the receipt and the response; several targets over 256 at once; an id that is no
#    member is reported as such; ids 0 and over 2^32-1 are refused by the CLI;
#  - a broadcast with receipts through the daemon gets 5/5, and goes to the other hosts' four nodes as
#    ONE CPG multicast (the sender's group_sends/mesh_group_out/cpg_sent counters move by 1, each
#    receiver's mesh_group_in by 1), the node on the sender's host gets its copy on its own link;
#  - directed messages (with receipts and responses) from host 1's node 257 to host 2's node 513 never
#    reach host 3: the VKE, mesh and CPG receive counters of 769 and 770 stay unchanged, and a packet
#    capture (tcpdump) of the TCP traffic on host 3's interface stays empty while host 2's sees it.
# Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/mh_cluster_lib.sh"

mh_setup || exit 1
t0=$(ms)
mh_start_all || exit 1
for n in $MH_NODES; do mh_daemon "$n" || exit 1; done
echo "   6 backends (5 links up each) and 6 daemons running after $(( $(ms) - t0 )) ms"

X=$XVIOS_BIN/xvios
cli() { local n=$1; shift; timeout 30 "$X" --root "$(root_of "$n")" --node "$n" "$@"; }

# ---- node ids over 256 through xviosd and the CLI
t1=$(ms)
out=$(cli 257 send --to 770 --receipt --response --timeout 5000 hello-770); rc=$?
echo "$out"; echo "   CLI send 257 -> 770 with receipt and response: $(( $(ms) - t1 )) ms (CLI start included)"
t_check "CLI --node 257 send --to 770: exit 0" test "$rc" -eq 0
t_check "770 delivered, and its daemon's response came back" grep -qx 'node 770: delivered, response: hello-770' <<<"$out"
out=$(cli 514 send --to 257,769 --receipt --response --timeout 5000 two-hosts); rc=$?
echo "$out"
t_check "CLI --node 514 send --to 257,769: exit 0" test "$rc" -eq 0
for n in 257 769; do
    t_check "514 -> $n: delivered with a response" grep -qx "node $n: delivered, response: two-hosts" <<<"$out"
done
out=$(cli 770 --json send --to 258 --receipt --response --timeout 5000 json-258)
t_check "CLI --json: 770 -> 258 delivered with a response" \
    python3 -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(0 if j[0]["node"]==258 and j[0]["status"]=="delivered" else 1)' "$out"
out=$(cli 257 send --to 1000 --receipt --timeout 2000 nobody 2>&1)
echo "$out"
t_check "an id over 256 that is no member: failed (not-member)" grep -qx 'node 1000: failed (not-member)' <<<"$out"
cli 257 send --to 0 x >/dev/null 2>&1; rc=$?
t_check "--to 0: usage error (exit 2)" test "$rc" -eq 2
cli 257 send --to 4294967296 x >/dev/null 2>&1; rc=$?
t_check "--to 2^32: usage error (exit 2)" test "$rc" -eq 2
timeout 30 "$X" --root "$(root_of 257)" --node 4294967296 send --to 770 x >/dev/null 2>&1; rc=$?
t_check "--node 2^32: usage error (exit 2)" test "$rc" -eq 2
for n in $MH_NODES; do
    t_check "node $n: xviosd still runs" kill -0 "$(eval echo "\$MH_DPID_$n")"
done

# ---- a broadcast with receipts through the daemon: one CPG multicast for the other hosts' nodes
for n in $MH_NODES; do mh_snap "$n" "$T_ROOT/b0-$n"; done
t1=$(ms)
out=$(cli 257 send --broadcast --receipt --timeout 5000 bcast-daemon); rc=$?
echo "$out"; echo "   CLI broadcast with receipts from 257: $(( $(ms) - t1 )) ms (CLI start included)"
t_check "broadcast: exit 0" test "$rc" -eq 0
t_check "broadcast: 5 nodes delivered" test "$(grep -c ': delivered$' <<<"$out")" -eq 5
sleep 0.3
for n in $MH_NODES; do mh_snap "$n" "$T_ROOT/b1-$n"; done
d() { mh_delta "$T_ROOT/b0-$1" "$T_ROOT/b1-$1" "$2"; }
echo "   257: group_sends +$(d 257 group_sends), group_copies +$(d 257 group_copies), mesh_group_out +$(d 257 mesh_group_out), cpg_sent +$(d 257 cpg_sent), mesh_direct_out +$(d 257 mesh_direct_out)"
t_check "broadcast: 257 sent one group datagram for 4 nodes" \
    test "$(d 257 group_sends)/$(d 257 group_copies)" = 1/4
t_check "broadcast: 257's mesh sent one CPG multicast (cpg_sent +1)" \
    test "$(d 257 mesh_group_out)/$(d 257 cpg_sent)" = 1/1
t_check "broadcast: no directed copy went to another host (mesh_direct_out +0)" test "$(d 257 mesh_direct_out)" -eq 0
for n in 513 514 769 770; do
    t_check "broadcast: $n took it from the CPG multicast (mesh_group_in +1, mesh_direct_in +0)" \
        test "$(d $n mesh_group_in)/$(d $n mesh_direct_in)" = 1/0
done
t_check "broadcast: 258 (257's host) got its copy on its own link, not from CPG" \
    test "$(d 258 packets_in)/$(d 258 mesh_group_in)" = 1/0

# ---- directed messages between host 1 and host 2 never reach host 3
have_cap=1
mh_capture cap3 3 tcp && mh_capture cap2 2 tcp || have_cap=0
[ "$have_cap" = 1 ] || echo "   (no tcpdump: the capture part is skipped, the counters still decide)"
for n in 769 770; do mh_snap "$n" "$T_ROOT/d0-$n"; done
ok=0
for i in $(seq 1 10); do
    cli 257 send --to 513 --receipt --response --timeout 5000 "secret-$i" | grep -qx "node 513: delivered, response: secret-$i" && ok=$((ok+1))
done
t_check "directed 257 -> 513: 10 of 10 delivered with their responses" test "$ok" -eq 10
sleep 0.5
for n in 769 770; do
    mh_snap "$n" "$T_ROOT/d1-$n"
    for k in packets_in receipts_in mesh_direct_in mesh_group_in mesh_group_not_for_us cpg_delivered mesh_unclaimed; do
        t_check "host 3's node $n: $k unchanged by the directed traffic" \
            test "$(mh_delta "$T_ROOT/d0-$n" "$T_ROOT/d1-$n" "$k")" -eq 0
    done
done
if [ "$have_cap" = 1 ]; then
    n3=$(mh_capture_stop cap3); n2=$(mh_capture_stop cap2)
    echo "   TCP packets captured during the directed sends: host 2 $n2, host 3 $n3"
    t_check "capture: host 2's interface carried the directed traffic (>= 3 segments a send)" test "$n2" -ge 30
    [ "$n2" -ge 30 ] || sed 's/^/   tcpdump (host 2): /' "$T_ROOT/cap2.tcpdump.err"
    t_check "capture: host 3's interface saw no TCP packet at all" test "$n3" -eq 0
fi

# ---- everything stops cleanly, no sanitizer report
for n in $MH_NODES; do kill -TERM "$(eval echo "\$MH_DPID_$n")" 2>/dev/null; done
for n in $MH_NODES; do kill -TERM "$(eval echo "\$MH_PID_$n")" 2>/dev/null; done
for n in $MH_NODES; do
    pid=$(eval echo "\$MH_PID_$n"); dpid=$(eval echo "\$MH_DPID_$n")
    t_check "node $n: xviosd and backend stop on SIGTERM" \
        wait_until 15 bash -c "! kill -0 $pid 2>/dev/null && ! kill -0 $dpid 2>/dev/null"
    r=$(root_of "$n")
    t_check "node $n: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$r/nodes/$n/backend.err' '$r/nodes/$n/xviosd.err' '$r/nodes/$n/xviosd.log'"
done
t_done
