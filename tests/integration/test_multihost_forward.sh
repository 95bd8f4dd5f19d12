#!/usr/bin/env bash
# test_multihost_forward.sh - I/O forwarded across hosts when a VIOS loses its storage path
# (docs/redundancy.md, docs/multihost.md): three corosync hosts; VIOS node 257 on host 1 and 513 on
# host 2 (xvios-backend with its vSCSI engine and xviosd, both on the replicated DB). `xvios lu create`
# through host 1 puts lu1 in the replicated pool; both VIOSes publish their path to it as good. Client A
# (domain 7, host 1) runs pattern rounds (write, read back, compare; 16 requests of 256 KiB in flight)
# through 257. 257's backing fails (the LU store's fault switch): 257 marks its path lost and forwards
# every command to 513 on host 2 over the cross-host link; the rounds go on and verify. The backing
# comes back: 257 goes local again and its forwarded counter stops. Host 3's corosync carries no
# forwarded byte (its interface's TCP capture stays empty). Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/mh_cluster_lib.sh"
. "$(dirname "$0")/mh_vios_lib.sh"
FAULT=$T_ROOT/path-fault-h1

mhv_up "path-probe-interval-ms = 300
path-probe-timeout-ms = 500
forward-timeout-ms = 2000
path-fault-file = $T_ROOT/path-fault-h@H
" || exit 1
"$XS_TOOL" "$(root_of 1)" domain 7 client-a || { t_fail "client A"; exit 1; }

# lu1 in the replicated pool, created through host 1; both VIOSes see it and publish their paths
backing=$T_ROOT/fwd-lu.img; truncate -s 64M "$backing"
xv 1 lu create lu1 --size 32M --backing "$backing" > "$T_ROOT/lu-create.out" 2>&1
t_check "lu create through host 1 (the replicated pool)" grep -q '^created LU lu1: ' "$T_ROOT/lu-create.out"
wwn=$(sed -n 's/.* wwn naa\.\([0-9a-f]*\),.*/\1/p' "$T_ROOT/lu-create.out")
serial=$(sed -n 's/.* serial \([^,]*\),.*/\1/p' "$T_ROOT/lu-create.out")
paths_good() { xv "$1" --json lu paths lu1 > "$T_ROOT/paths.json" 2>/dev/null &&
               python3 -c "import json,sys; j=json.load(open('$T_ROOT/paths.json'));
sys.exit(0 if sorted((p['node'], p['state']) for p in j['paths']) == [(257, '$2'), (513, 'good')] else 1)"; }
t_check "both VIOSes publish their path to lu1 as good (read through host 2)" wait_until 30 paths_good 2 good

# client A's vhost on 257, as host 1's dom0 writes it (scsi attach is not built for multi-host yet)
"$XS_TOOL" "$(root_of 1)" attach $VIOS_DOM_1 7 0 0 "$backing" 0:0:0:0 w lu1 0 33554432 "$wwn" "$serial" ||
    t_fail "attach A"
timeout 300 "$FRONT" "$(root_of 1)" 7 $VIOS_DOM_1 0 rounds:0:16:16:256 > "$T_ROOT/front.out" 2>&1 &
FA=$!; T_PIDS+=($FA)
rounds() { grep -c '^round ' "$T_ROOT/front.out" 2>/dev/null || echo 0; }
more_rounds() { local want=$(( $(rounds) + $1 )); wait_until 120 bash -c "[ \$(grep -c '^round ' '$T_ROOT/front.out') -ge $want ]"; }
t_check "pattern rounds through 257 (16 in flight, 256 KiB requests)" more_rounds 1
log_has() { grep -q "$3" "$(root_of "$1")/nodes/$2/backend.log"; }
forwarded() {
    local f before; f="$(root_of 1)/nodes/257/backend.log"
    before=$(grep -c 'redundancy counters:' "$f")
    kill -USR1 "$BE_PID_257" || return 1
    wait_until 10 bash -c "[ \$(grep -c 'redundancy counters:' '$f') -gt $before ]" || return 1
    grep 'redundancy counters:' "$f" | tail -n 1 | sed -n 's/.* forwarded=\([0-9]*\) .*/\1/p'
}

# ---- 257's backing fails: its I/O goes to 513 on host 2
have_cap=0
mh_capture cap3 3 tcp && mh_capture cap2 2 tcp && have_cap=1
d0=$("$VKE_TOOL" stats "$(root_of 1)" 257 | sed -n 's/^mesh_direct_out=//p')
t0=$(date +%s%3N)
echo $VIOS_DOM_1 > "$FAULT"   # the fault switch names the domain whose I/O fails
t_check "257 marks its path lost (read through host 2)" wait_until 30 paths_good 2 lost
t_check "257 forwards to node 513 on host 2" wait_until 30 log_has 1 257 'CKE: lu1: forwarding to node 513'
echo "   fault -> 257 forwarding to 513 after $(( $(date +%s%3N) - t0 )) ms"
t_check "513 runs the forwarded commands" wait_until 30 log_has 2 513 'CKE: lu1 .*opened for forwarded commands'
t_check "2 more rounds verified while forwarded across hosts" more_rounds 2
d1=$("$VKE_TOOL" stats "$(root_of 1)" 257 | sed -n 's/^mesh_direct_out=//p')
echo "   257's cross-host directed packets during the forwarding: $(( d1 - d0 ))"
t_check "the forwarded commands went on 257's cross-host link (mesh_direct_out +$(( d1 - d0 )))" \
    test $(( d1 - d0 )) -ge 32
if [ "$have_cap" = 1 ]; then
    n3=$(mh_capture_stop cap3); n2=$(mh_capture_stop cap2)
    echo "   TCP packets captured while forwarding: host 2 $n2, host 3 $n3"
    t_check "host 2's interface carried the forwarded commands" test "$n2" -ge 100
    t_check "host 3's interface saw no TCP packet of it" test "$n3" -eq 0
fi

# ---- the backing is back: 257 goes local again
rm -f "$FAULT"
t_check "257's path good again" wait_until 30 paths_good 2 good
t_check "257 local again" wait_until 30 log_has 1 257 'CKE: lu1: local I/O again'
f1=$(forwarded)
t_check "257 forwarded commands (forwarded=$f1)" test "${f1:-0}" -gt 0
t_check "2 more rounds verified locally" more_rounds 2
f2=$(forwarded)
t_check "257 no longer forwards ($f1 -> $f2)" test "$f2" = "$f1"

touch "$(root_of 1)/front-stop"
wait $FA; fa=$?
t_check "the client's frontend ends cleanly (exit $fa)" test "$fa" -eq 0
t_check "every round written and verified" grep -q '^ok: rounds LUN 0: .* written and verified' "$T_ROOT/front.out"
t_check "the client saw no error" bash -c "! grep -q '^FAIL' '$T_ROOT/front.out'"
grep '^ok: rounds' "$T_ROOT/front.out" | sed 's/^/   /'

for n in 257 513; do kill -TERM "$(eval echo \$VD_PID_$n)" "$(eval echo \$BE_PID_$n)" 2>/dev/null; done
for h in 1 2; do
    n=$((h * 256 + 1)); r=$(root_of "$h")
    t_check "node $n: backend stops" wait_until 15 bash -c "! kill -0 $(eval echo \$BE_PID_$n) 2>/dev/null"
    t_check "node $n: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $r/nodes/$n/*.err $r/nodes/$n/*.log"
done
t_done
