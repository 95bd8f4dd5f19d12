#!/usr/bin/env bash
# test_multihost_api_mapping.sh - a mapping made through a VIOS's daemon on a cluster across hosts
# (docs/multihost.md, "Mappings made through a VIOS's daemon"): the XML API's mapping create and delete
# asked of node 257 (host 1), whose store is the split store, take the steps of `xvios --multihost scsi
# attach`: the VTD record (replicated, state attaching), then the vhost's nodes in host 1's store, then
# the record complete; a delete marks it detaching, removes the LUN, then the record. The client-a
# frontend (connected through a CLI attach of 0:0:0:0) takes the API's LUN 0:0:0:1 and reads and writes
# it; host 2's CLI reads the record complete; the delete removes LUN and record. A create refused before
# anything is written (no vhost 1: DOM0_ONLY; the vdev taken: EXISTS) leaves no record, and so does one
# whose per-host step is refused after the claim (the vhost closed: BUSY). Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/mh_vios_lib.sh"
. "$(dirname "$0")/mh_scsi_lib.sh"

mhs_up || exit 1
only_rec() { [ "$(recorded "$1")" = "$2" ]; }                                          # only_rec HOST REC
no_state_line() { ! xv 3 cluster dump | grep -A12 "^/xvios/vtds/$1" | grep -q 'state='; }
R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
# api XML OUT: `xvios --node 257 api` in host 1 (257's daemon), the response in $T_ROOT/OUT; its exit status
api() { printf '%s' "$1" | cs_exec 1 timeout 90 "$XVIOS_BIN/xvios" --root "$R1" --node 257 api \
            > "$T_ROOT/$2" 2> "$T_ROOT/$2.err"; }

backing=$T_ROOT/lu1.img; truncate -s 16M "$backing"
xv 1 lu create lu1 --size 8M --backing "$backing" > /dev/null 2>&1 || t_fail "lu create lu1"
backing2=$T_ROOT/lu2.img; truncate -s 8M "$backing2"
xv 1 lu create lu2 --size 4M --backing "$backing2" > /dev/null 2>&1 || t_fail "lu create lu2"

# the vhost (a new frontend dir is dom0's: the CLI's attach), the frontend connected and following hot-plug
xv 1 scsi attach client-a lu1 0:0:0:0 --vios 257 > "$T_ROOT/attach0.out" 2>&1 &
apid=$!
t_check "the CLI's attach wrote the frontend dir of vhost 0" "$XS_TOOL" "$R1" wait "$(fe_path 0)/backend-id" $VIOS_DOM_1 30
timeout 180 "$FRONT" "$R1" 7 $VIOS_DOM_1 0 inquiry:0 follow:added inquiry:1 readcap:1:4194304 fill:1:1:5a \
    expect:1:1:5a touch:io1-done follow:removed close > "$T_ROOT/front.out" 2>&1 &
fpid=$!
wait $apid; t_check "xvios --multihost scsi attach client-a lu1 0:0:0:0 --vios 257 (exit 0)" test $? -eq 0

# ---- create through 257's daemon: the three steps, the client takes the LUN
t0=$(ms)
api "$(R '<mapping action="create" client="client-a" vdev="0:0:0:1" lu="lu2" node="257"/>')" create; rc=$?
t_create=$(( $(ms) - t0 ))
sed 's/^/   create: /' "$T_ROOT/create" "$T_ROOT/create.err"
t_check "mapping create of lu2 as 0:0:0:1 asked of 257's daemon: exit 0 (${t_create} ms)" test $rc -eq 0
t_check "... the answer: ok from node 257, the LUN connected" \
    grep -q 'status="ok" node="257" object="mapping" action="create"' "$T_ROOT/create"
t_check "... the record complete, node 257 (host 2's CLI)" has_rec 2 7:0:0:0:1:257:served:lu2
t_check "... no state line left in the replicated copy (host 3's dump)" no_state_line 7-0-0-0-1
t_check "... dev-1 in host 1's backend dir of vhost 0" "$XS_TOOL" "$R1" read "$(be_path 0)/vscsi-devs/dev-1/v-dev"
touch "$R1/added"
t_check "the client's frontend reads and writes the API's LUN (INQUIRY, 4 MiB capacity, 1 MiB of 5a back)" \
    wait_until 60 test -e "$R1/io1-done"
b5=$(python3 -c "print(open('$backing2','rb').read().count(b'\x5a' * 4096) * 4096)")
t_check "the client's bytes are in lu2's backing file ($b5 bytes of 5a)" test "$b5" -eq 1048576

# ---- delete through 257's daemon: the LUN hot-removed, then the record
t0=$(ms)
api "$(R '<mapping action="delete" client="client-a" vdev="0:0:0:1"/>')" delete; rc=$?
t_delete=$(( $(ms) - t0 ))
sed 's/^/   delete: /' "$T_ROOT/delete" "$T_ROOT/delete.err"
t_check "mapping delete of 0:0:0:1 asked of 257's daemon: exit 0 (${t_delete} ms)" test $rc -eq 0
t_check "... dev-1 is gone from host 1's backend dir" absent "$(be_path 0)/vscsi-devs/dev-1/v-dev"
t_check "... the record is gone (hosts 2 and 3)" no_vtd 7-0-0-0-1 2 3
t_check "... 0:0:0:0's stays (host 2's CLI)" only_rec 2 7:0:0:0:0:257:served:lu1
touch "$R1/removed"

# ---- the per-host step refused: no record left
api "$(R '<mapping action="create" client="client-a" vdev="1:0:0:0" lu="lu2" node="257"/>')" nohost; rc=$?
sed 's/^/   no vhost: /' "$T_ROOT/nohost"
t_check "a create on vhost 1, which host 1's store does not have: refused (exit 6, DOM0_ONLY)" \
    refused $rc 6 DOM0_ONLY "$T_ROOT/nohost"
t_check "... no record of 7 1:0:0:0 on any host" no_vtd 7-1-0-0-0 1 2 3
t_check "... and no backend dir of vhost 1" absent "$(be_path 1)/state"
api "$(R '<mapping action="create" client="client-a" vdev="0:0:0:0" lu="lu2" node="257"/>')" taken; rc=$?
t_check "a create of the vdev the CLI attached: refused (exit 6, EXISTS)" refused $rc 6 EXISTS "$T_ROOT/taken"
t_check "... its record untouched (host 3's CLI)" only_rec 3 7:0:0:0:0:257:served:lu1

wait $fpid; frc=$?
sed 's/^/   front: /' "$T_ROOT/front.out"
t_check "the frontend took LUN 1, gave it back and closed (exit 0)" \
    bash -c "[ $frc -eq 0 ] && grep -q '^ok: LUN 0:0:1 (dev-1) added' '$T_ROOT/front.out' &&
             grep -q '^ok: LUN 0:0:1 (dev-1) removed' '$T_ROOT/front.out' && grep -q '^ok: all steps passed' '$T_ROOT/front.out'"
# ---- the per-host step refused after the claim (the vhost closed: backend state 6): the record taken back
api "$(R '<mapping action="create" client="client-a" vdev="0:0:0:1" lu="lu2" node="257"/>')" closed; rc=$?
sed 's/^/   closed vhost: /' "$T_ROOT/closed"
t_check "a create on the closed vhost 0: refused by 257's nodes step (exit 6, BUSY, backend state 6)" \
    refused $rc 6 'BUSY.*busy (backend state 6)' "$T_ROOT/closed"
t_check "... no record of 7 0:0:0:1 on any host (the claim removed)" no_vtd 7-0-0-0-1 1 2 3
t_check "... 257 had claimed the record and took it back (its log)" \
    grep -q 'mapping add of domain 7 0:0:0:1: the VTD record taken back (the claim removed)' "$R1/nodes/257/xviosd.log"
xv 1 scsi detach client-a 0:0:0:0 > /dev/null 2>&1; t_check "detach client-a 0:0:0:0 (exit 0)" test $? -eq 0
t_check "... no VTD record left" no_vtd 7- 1 2 3
echo "   measured: mapping create through 257 (3 steps, client connected) ${t_create} ms, delete ${t_delete} ms"

for n in 257 513; do kill -TERM "$(eval echo \$VD_PID_$n)" "$(eval echo \$BE_PID_$n)" 2>/dev/null; done
for h in 1 2; do
    n=$((h * 256 + 1)); r=$(root_of "$h")
    t_check "node $n: backend stops" wait_until 15 bash -c "! kill -0 $(eval echo \$BE_PID_$n) 2>/dev/null"
    t_check "node $n: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $r/nodes/$n/*.err $r/nodes/$n/*.log"
done
t_done
