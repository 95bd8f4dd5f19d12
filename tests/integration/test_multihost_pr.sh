#!/usr/bin/env bash
# test_multihost_pr.sh - a reservation taken through one host is enforced on another (docs/multihost.md):
# three corosync hosts; VIOS node 257 on host 1 and 513 on host 2 (real xvios-backend with its vSCSI
# engine and xviosd, both on the replicated DB); one pool LU (a shared backing file) served to client A
# (domain 7, host 1's store) through 257 and to client B (domain 8, host 2's store) through 513, each by
# a loopback vscsiif frontend. A registers and reserves Write Exclusive through host 1; B's WRITE through
# host 2 gets RESERVATION CONFLICT, its READ goes; B preempts A through host 2; A sees REGISTRATIONS
# PREEMPTED (2a05) and its own WRITE now conflicts; B releases and clears. The reservation state in the
# replicated DB is the same on the three hosts. Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
. "$(dirname "$0")/mh_vios_lib.sh"

mhv_up || exit 1
"$XS_TOOL" "$(root_of 1)" domain 7 client-a || { t_fail "client A"; exit 1; }
"$XS_TOOL" "$(root_of 2)" domain 8 client-b || { t_fail "client B"; exit 1; }

# one pool LU on a shared backing file, attached on each host as that host's dom0 would
backing=$T_ROOT/pr-lu.img; truncate -s 64M "$backing"
POOL=(pr-lu 4096 16777216 65254a50000000000000000000000001 XVP0000000000000000000000001)
"$XS_TOOL" "$(root_of 1)" attach $VIOS_DOM_1 7 0 0 "$backing" 0:0:0:0 w "${POOL[@]}" || t_fail "attach A"
"$XS_TOOL" "$(root_of 2)" attach $VIOS_DOM_2 8 0 0 "$backing" 0:0:0:0 w "${POOL[@]}" || t_fail "attach B"
# the two frontends keep step through files of host 1's root (host 2's names are links to them)
for s in a-reg b-reg a-res b-pre a-saw b-done; do ln -s "$(root_of 1)/$s" "$(root_of 2)/$s"; done

timeout 120 "$FRONT" "$(root_of 1)" 7 $VIOS_DOM_1 0 \
    pr:0:0:0:0:aaaa:0 post:a-reg await:b-reg \
    pr:0:1:1:aaaa:0:0 post:a-res await:b-pre \
    ua:0:2a05 rw:0:w:18 rw:0:r:0 post:a-saw await:b-done close > "$T_ROOT/front-a.out" 2>&1 &
FA=$!; T_PIDS+=($FA)
timeout 120 "$FRONT" "$(root_of 2)" 8 $VIOS_DOM_2 0 \
    await:a-reg pr:0:0:0:0:bbbb:0 post:b-reg await:a-res \
    rw:0:w:18 rw:0:r:0 pr:0:4:1:bbbb:aaaa:0 post:b-pre await:a-saw \
    rw:0:w:0 pr:0:2:1:bbbb:0:0 pr:0:3:0:bbbb:0:0 post:b-done close > "$T_ROOT/front-b.out" 2>&1 &
FB=$!; T_PIDS+=($FB)
wait $FA; sa=$?
wait $FB; sb=$?
sed 's/^/   A: /' "$T_ROOT/front-a.out"; sed 's/^/   B: /' "$T_ROOT/front-b.out"
t_check "client A's session through host 1 (exit 0)" test "$sa" -eq 0
t_check "client B's session through host 2 (exit 0)" test "$sb" -eq 0
t_check "A registered and reserved through host 1" grep -q "^ok: posted a-res" "$T_ROOT/front-a.out"
t_check "B's WRITE through host 2 under A's reservation: RESERVATION CONFLICT" \
    grep -q "^ok: WRITE LUN 0: status 0x18" "$T_ROOT/front-b.out"
t_check "B's READ through host 2 goes" grep -q "^ok: READ LUN 0: status 0x0" "$T_ROOT/front-b.out"
t_check "A sees REGISTRATIONS PREEMPTED (2a05) after B's preempt through host 2" \
    grep -q "^ok: unit attention 2a05 on LUN 0" "$T_ROOT/front-a.out"
t_check "A's WRITE through host 1 now conflicts" grep -q "^ok: WRITE LUN 0: status 0x18" "$T_ROOT/front-a.out"

# the reservation state is in the replicated DB, the same on the three hosts
for h in 1 2 3; do xv "$h" cluster dump > "$T_ROOT/d$h"; done
t_check "the PR record is in the replicated DB" grep -q '^/xvios/pr/pr-lu' "$T_ROOT/d1"
t_check "the dumps are identical on the three hosts" bash -c "cmp -s '$T_ROOT/d1' '$T_ROOT/d2' && cmp -s '$T_ROOT/d1' '$T_ROOT/d3'"

# every PR change each VIOS committed waited for the other host's VIOS to install it (its answer counted)
pr_counters() {   # pr_counters HOST NODE: the reservation counters line SIGUSR1 makes the backend log
    local f before; f="$(root_of "$1")/nodes/$2/backend.log"
    before=$(grep -c 'reservation counters:' "$f")
    kill -USR1 "$(eval echo \$BE_PID_$2)" || return 1
    wait_until 10 bash -c "[ \$(grep -c 'reservation counters:' '$f') -gt $before ]" || return 1
    grep 'reservation counters:' "$f" | tail -n 1 | sed 's/.*reservation counters: //'
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
for hn in 1:257 2:513; do
    c=$(pr_counters "${hn%%:*}" "${hn#*:}")
    echo "   node ${hn#*:}: $c"
    t_check "node ${hn#*:}: each of its PR changes answered by the VIOS on the other host" \
        test "$(field "$c" changes)" -ge 2 -a "$(field "$c" answers_in)" = "$(field "$c" changes)" -a \
             "$(field "$c" missed_peers)" = 0
done

for n in 257 513; do
    kill -TERM "$(eval echo \$VD_PID_$n)" "$(eval echo \$BE_PID_$n)" 2>/dev/null
done
for h in 1 2; do
    n=$((h * 256 + 1)); r=$(root_of "$h")
    t_check "node $n: backend stops" wait_until 15 bash -c "! kill -0 $(eval echo \$BE_PID_$n) 2>/dev/null"
    t_check "node $n: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $r/nodes/$n/*.err $r/nodes/$n/*.log"
done
t_done
