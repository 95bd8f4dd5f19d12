#!/usr/bin/env bash
# test_multihost_scsi.sh - `xvios --multihost C scsi attach` / `detach` on a cluster across hosts
# (docs/multihost.md, "scsi attach and detach across hosts"): three corosync hosts; VIOS node 257 on
# host 1 and 513 on host 2 (xvios-backend with its vSCSI engine and xviosd, both on the replicated DB).
# On host 1 the CLI attaches pool LU lu1 to client-a (domain 7, host 1's store) as 0:0:0:0 through 257:
# the VTD record first (replicated, state attaching), then the vhost's nodes in host 1's store, then the
# record complete. The loopback frontend reads and writes the LU (its bytes land in the pool's backing);
# host 2's and 3's CLIs see the same record. Refused: --vios 513 (another host), a detach of 257's
# mapping from host 2. A failing step 2 (a stray frontend dir in the way) leaves no record; a CLI killed
# between the steps leaves the record "attaching", shown as such, refused by the next attach of the
# vdev, removed with the nodes by a detach. The detach removes nodes and record. Run by
# `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/mh_vios_lib.sh"
. "$(dirname "$0")/mh_scsi_lib.sh"

mhs_up || exit 1
same3() { cmp -s "$1"1 "$1"2 && cmp -s "$1"1 "$1"3; }
none_recorded() { [ -z "$(recorded 1)" ] && [ -z "$(recorded 2)" ] && [ -z "$(recorded 3)" ]; }

backing=$T_ROOT/mh-lu.img; truncate -s 64M "$backing"
xv 1 lu create lu1 --size 32M --backing "$backing" > "$T_ROOT/lu-create.out" 2>&1
t_check "lu create lu1 through host 1 (the replicated pool)" grep -q '^created LU lu1: ' "$T_ROOT/lu-create.out"
backing2=$T_ROOT/mh-lu2.img; truncate -s 8M "$backing2"
xv 1 lu create lu2 --size 4M --backing "$backing2" > /dev/null 2>&1 || t_fail "lu create lu2"

# ---- attach through host 1: the frontend connects, reads and writes the LU
t0=$(ms)
xv 1 scsi attach client-a lu1 0:0:0:0 --vios 257 > "$T_ROOT/attach0.out" 2> "$T_ROOT/attach0.err" &
apid=$!
t_check "attach wrote the frontend dir in host 1's store" \
    "$XS_TOOL" "$R1" wait "$(fe_path 0)/backend-id" $VIOS_DOM_1 30
timeout 180 "$FRONT" "$R1" 7 $VIOS_DOM_1 0 inquiry:0 readcap:0:33554432 pattern:0:4:8:64 fill:0:1:a5 \
    expect:0:1:a5 touch:io-done follow:hot-done close > "$T_ROOT/front.out" 2>&1 &
fpid=$!
wait $apid; arc=$?
t_attach=$(( $(ms) - t0 ))
sed 's/^/   attach: /' "$T_ROOT/attach0.err" "$T_ROOT/attach0.out"
t_check "xvios --multihost scsi attach client-a lu1 0:0:0:0 --vios 257 on host 1 (exit 0, ${t_attach} ms)" \
    test $arc -eq 0
t_check "it says attached through node 257" grep -q '^attached lu1 as 0:0:0:0 to domain 7 (client-a) through node 257' \
    "$T_ROOT/attach0.out"
t_check "the client's frontend reads the LU (READ CAPACITY 32 MiB, 4 MiB pattern verified, 1 MiB of a5 back)" \
    wait_until 90 test -e "$R1/io-done"
a5=$(python3 -c "print(open('$backing','rb').read().count(b'\xa5' * 4096) * 4096)")
t_check "the client's bytes are in the pool's backing file (1 MiB of a5: $a5 bytes)" test "$a5" -eq 1048576

# ---- the record: complete, the same from every host
for h in 1 2 3; do recorded "$h" > "$T_ROOT/rec$h" || t_fail "scsi list --json on host $h: $(cat "$T_ROOT/list$h.err")"; done
echo "   recorded (host 1): $(cat "$T_ROOT/rec1")"
t_check "host 1's CLI: the VTD record 7 0:0:0:0 node 257 served lu1" test "$(cat "$T_ROOT/rec1")" = "7:0:0:0:0:257:served:lu1"
t_check "host 2's and host 3's CLIs read the identical record" same3 "$T_ROOT/rec"
t_check "host 1's list shows the LUN with its states (backend and LUN connected)" \
    python3 -c "import json; j=json.load(open('$T_ROOT/list1.json')); l=j['luns'];
assert len(l) == 1 and l[0]['vdev'] == '0:0:0:0' and l[0]['vios_node'] == 257, l"
t_check "host 2's list: no LUN of its own VIOS, nothing unserved of its own" \
    python3 -c "import json; j=json.load(open('$T_ROOT/list2.json')); assert not j['luns'] and not j['unserved'], j"

# ---- a hot add to the connected vhost and its hot remove, each in the three steps
t0=$(ms)
xv 1 scsi attach client-a lu2 0:0:0:1 > "$T_ROOT/hot.out" 2>&1; rc=$?
t_hot=$(( $(ms) - t0 ))
sed 's/^/   hot add: /' "$T_ROOT/hot.out"
t_check "hot add lu2 as 0:0:0:1 to the connected vhost (exit 0, ${t_hot} ms)" test $rc -eq 0
t_check "... recorded complete, node 257 (host 2's CLI)" has_rec 2 '7:0:0:0:1:257:served:lu2'
t0=$(ms)
xv 1 scsi detach client-a 0:0:0:1 > "$T_ROOT/hotrm.out" 2>&1; rc=$?
t_hotrm=$(( $(ms) - t0 ))
sed 's/^/   hot remove: /' "$T_ROOT/hotrm.out"
t_check "hot remove of 0:0:0:1 while the client is connected (exit 0, ${t_hotrm} ms)" test $rc -eq 0
t_check "... its record is gone (host 3's CLI), 0:0:0:0's stays" test "$(recorded 3)" = "7:0:0:0:0:257:served:lu1"
touch "$R1/hot-done"
wait $fpid; frc=$?
sed 's/^/   front: /' "$T_ROOT/front.out"
t_check "the frontend took LUN 1 and gave it back, and closed (exit 0)" \
    bash -c "[ $frc -eq 0 ] && grep -q '^ok: LUN 0:0:1 (dev-1) added' '$T_ROOT/front.out' &&
             grep -q '^ok: LUN 0:0:1 (dev-1) removed' '$T_ROOT/front.out' && grep -q '^ok: all steps passed' '$T_ROOT/front.out'"

# ---- refusals
xv 1 scsi attach client-a lu1 0:0:0:1 --vios 513 > /dev/null 2> "$T_ROOT/cross.err"; rc=$?
t_check "--vios 513 (host 2) from host 1: refused (exit 6, a vscsi ring cannot cross hosts)" \
    refused $rc 6 'cannot cross hosts' "$T_ROOT/cross.err"
t_check "... and no record of 7 0:0:0:1" no_vtd 7-0-0-0-1 2
xv 1 scsi attach client-a lu1 0:0:0:1 --vios 513 --shared > /dev/null 2>&1; rc=$?
t_check "... also for a hot add to the vhost 257 serves (exit 6)" test $rc -eq 6
xv 1 scsi attach client-a lu1 1:0:0:0 --vios 258 > /dev/null 2>&1; rc=$?
t_check "--vios 258 (host 1, no such node): exit 11" test $rc -eq 11
xv 2 scsi detach 7 0:0:0:0 > /dev/null 2> "$T_ROOT/xdetach.err"; rc=$?
t_check "a detach of 257's mapping through host 2: refused (exit 6, served on host 1)" \
    refused $rc 6 'served by node 257 on host 1' "$T_ROOT/xdetach.err"
t_check "... the record is still complete" test "$(recorded 3)" = "7:0:0:0:0:257:served:lu1"
xv 1 scsi attach client-a lu1 0:0:0:0 > /dev/null 2>&1; rc=$?
t_check "the same vdev again: exit 14 (vdev taken)" test $rc -eq 14
xv 1 scsi attach client-b lu1 1:0:0:0 > /dev/null 2>&1; rc=$?
t_check "a client that is not on this host: exit 10" test $rc -eq 10
t_check "... no record of vhost 1" no_vtd 7-1-0-0-0 3

# ---- step 2 fails (a frontend dir left in the way of vhost 1): the record is taken back
"$XS_TOOL" "$R1" write "$(fe_path 1)/state" 1 || t_fail "stray frontend dir"
xv 1 scsi attach client-a lu2 1:0:0:0 --vios 257 > /dev/null 2> "$T_ROOT/step2.err"; rc=$?
sed 's/^/   step 2: /' "$T_ROOT/step2.err"
t_check "step 2 refused (exit 6: $(fe_path 1) exists)" test $rc -eq 6
t_check "... the rollback removed the VTD record step 1 wrote" grep -q 'removed the VTD record this attach wrote' \
    "$T_ROOT/step2.err"
t_check "... no record of 7 1:0:0:0 on host 2 or 3" no_vtd 7-1-0-0-0 2 3
t_check "... and no backend dir of vhost 1" absent "$(be_path 1)/state"
"$XS_TOOL" "$R1" rm "$(fe_path 1)" || t_fail "rm stray frontend dir"

# ---- a CLI killed between the steps: the record stays "attaching", is shown so, refused, detached
cs_exec 1 bash -c "echo \$\$ > '$T_ROOT/cli.pid'; exec '$XVIOS_BIN/xvios' --root '$R1' --multihost itest \
    scsi attach client-a lu2 2:0:0:0 --vios 257 --timeout 60000" > /dev/null 2> "$T_ROOT/killed.err" &
kpid=$!
t_check "the attach to be killed wrote vhost 2's frontend dir (step 2 done)" \
    "$XS_TOOL" "$R1" wait "$(fe_path 2)/backend-id" $VIOS_DOM_1 30
kill -KILL "$(cat "$T_ROOT/cli.pid")"; wait $kpid
t_check "host 3's CLI shows the record 7 2:0:0:0 'attaching'" has_rec 3 '7:2:0:0:0:257:attaching:lu2'
xv 1 scsi list > "$T_ROOT/list-text.out" 2>&1
t_check "the text list says so too" grep -q 'client-a(7) 2:0:0:0 node 257 w attaching lu2' "$T_ROOT/list-text.out"
xv 1 scsi attach client-a lu2 2:0:0:0 > /dev/null 2> "$T_ROOT/stale.err"; rc=$?
t_check "a new attach of that vdev: refused, exit 6, naming the unfinished attach" \
    refused $rc 6 "left 'attaching' by a multi-host attach that did not finish" "$T_ROOT/stale.err"
xv 1 scsi detach client-a 2:0:0:0 > "$T_ROOT/stale-detach.out" 2>&1; rc=$?
sed 's/^/   detach: /' "$T_ROOT/stale-detach.out"
t_check "detach of the left-over: exit 0" test $rc -eq 0
t_check "... the frontend dir of vhost 2 is gone" absent "$(fe_path 2)/backend-id"
t_check "... and its backend dir" absent "$(be_path 2)/state"
t_check "... no record of 7 2:0:0:0 (host 2)" no_vtd 7-2-0-0-0 2

# ---- detach 0:0:0:0: the record marked detaching, the nodes, the record removed
t0=$(ms)
xv 1 scsi detach client-a 0:0:0:0 > "$T_ROOT/detach.out" 2>&1; rc=$?
t_detach=$(( $(ms) - t0 ))
sed 's/^/   detach: /' "$T_ROOT/detach.out"
t_check "detach client-a 0:0:0:0 on host 1 (exit 0, ${t_detach} ms)" test $rc -eq 0
t_check "... host 1's backend dir of vhost 0 is gone" absent "$(be_path 0)/state"
t_check "... and the frontend dir" absent "$(fe_path 0)/backend-id"
t_check "... no VTD record left, read from every host" none_recorded
for h in 1 2 3; do xv "$h" cluster dump > "$T_ROOT/d$h"; done
t_check "the dumps of the three hosts are identical" same3 "$T_ROOT/d"
echo "   measured: attach (3 steps, frontend connected) ${t_attach} ms, hot add ${t_hot} ms, hot remove ${t_hotrm} ms," \
     "detach ${t_detach} ms"

for n in 257 513; do kill -TERM "$(eval echo \$VD_PID_$n)" "$(eval echo \$BE_PID_$n)" 2>/dev/null; done
for h in 1 2; do
    n=$((h * 256 + 1)); r=$(root_of "$h")
    t_check "node $n: backend stops" wait_until 15 bash -c "! kill -0 $(eval echo \$BE_PID_$n) 2>/dev/null"
    t_check "node $n: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $r/nodes/$n/*.err $r/nodes/$n/*.log"
done
t_done
