#!/usr/bin/env bash
# I/O redundancy on a 3-VIOS loopback cluster (docs/redundancy.md): one client
# runs pattern rounds (write, read back, compare; 16 requests of 256 KiB in
# flight, each larger than a cluster message) on a pool LU served by VIOS 1.
#   * every VIOS publishes its path to the LU as good in the cluster DB;
#   * VIOS 1's backing fails (the LU store's test fault switch: every I/O EIO)
#     mid-run: VIOS 1 marks the path lost, forwards to a peer, the rounds go on
#     and verify, the client sees no error;
#   * the backing is back, as a new device (the switch leaves the stores' old
#     fds dead, as a block device removed and attached again does): VIOS 1
#     reopens its stores, drains and goes local again; its forwarded counter
#     (SIGUSR1's counters line) stops growing;
#   * it fails again, and the peer it forwards to is SIGKILLed mid-stream: the
#     other peer takes over, the rounds still verify (a write whose outcome is
#     unknown is answered ABORTED COMMAND and re-issued, as scsi-ml does).
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
FAULT=$ROOT/path-fault
cat >"$ROOT/backend.conf" <<EOC
path-probe-interval-ms = 300
path-probe-timeout-ms = 500
forward-timeout-ms = 2000
path-fault-file = $FAULT
EOC
export XVIOS_BACKEND_CONF=$ROOT/backend.conf

path_state() { "$XS_TOOL" "$ROOT" read "/xvios/nodes/$1/paths/lu1/state" 2>/dev/null; }
path_is() { [ "$(path_state "$1")" = "$2" ]; }
rounds() { grep -c '^round ' "$ROOT/front-7-0.out" 2>/dev/null || echo 0; }
# more_rounds N: wait until N more rounds than now have verified
more_rounds() {
    local want=$(( $(rounds) + $1 ))
    wait_for 120 sh -c "[ \$(grep -c '^round ' '$ROOT/front-7-0.out') -ge $want ]" ||
        { front_out 7 0 | tail -5; fail "the rounds stopped at $(rounds), wanted $want"; }
}
log_has() { grep -q "$2" "$ROOT/nodes/$1/backend.log"; }
# forwarded N: node N's forwarded counter, from the counters line SIGUSR1 makes its backend log
forwarded() {
    local before
    before=$(grep -c 'redundancy counters:' "$ROOT/nodes/$1/backend.log")
    kill -USR1 "$(node_pid "$1" backend)" || return 1
    wait_for 10 sh -c "[ \$(grep -c 'redundancy counters:' '$ROOT/nodes/$1/backend.log') -gt $before ]" || return 1
    grep 'redundancy counters:' "$ROOT/nodes/$1/backend.log" | tail -1 | sed -n 's/.* forwarded=\([0-9]*\) .*/\1/p'
}

up 3
# path events as any node's subscribers see them (node 3's daemon)
ev=$ROOT/events.json
"$XVIOS" --root "$ROOT" --node 3 --json events >"$ev" 2>"$ROOT/events.err" &
evpid=$!
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 3 --json nodes | grep -q '\"node\": 3, .*\"callers\": 2'" ||
    fail "the events stream did not attach"
client 7 client-a
backing=$(lu_file shared 64)
x lu create lu1 --size 32M --backing "$backing" >/dev/null || fail "lu create"
for n in 1 2 3; do
    wait_for 20 path_is $n good || fail "node $n never published its path to lu1 as good"
done
ok "every VIOS publishes its path to lu1: good"

x scsi attach client-a lu1 0:0:0:0 --vios 1 >"$ROOT/attach.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node"
front 7 $VIOS1 0 rounds:0:16:16:256 &
fpid=$!
wait $apid || { cat "$ROOT/attach.out"; fail "xvios scsi attach"; }
more_rounds 1
ok "pattern rounds through VIOS 1 (16 in flight, 256 KiB requests)"

# ---------------------------------------------------------------- fabric loss on VIOS 1
echo 101 >"$FAULT"
wait_for 20 path_is 1 lost || fail "VIOS 1 never marked its path lost"
wait_for 20 log_has 1 'CKE: lu1: forwarding to node' || fail "VIOS 1 never forwarded"
more_rounds 2
peer=$(sed -n 's/.*CKE: lu1: forwarding to node \([0-9]*\).*/\1/p' "$ROOT/nodes/1/backend.log" | tail -1)
log_has "$peer" 'CKE: lu1 .* opened for forwarded commands' || fail "node $peer never ran a forwarded command"
path_is 2 good && path_is 3 good || fail "the peers' paths are not good"
# `xvios lu paths` from dom0 and from a VIOS node
x --json lu paths lu1 >"$ROOT/paths.json" || fail "xvios lu paths"
json_check "$ROOT/paths.json" "j['lu'] == 'lu1' and [(p['node'], p['state']) for p in j['paths']] == \
    [(1, 'lost'), (2, 'good'), (3, 'good')] and j['paths'][0]['backing'] == '$backing'" || fail "lu paths --json"
x --node 2 lu paths lu1 | grep -q '^1 *lost ' || fail "xvios lu paths on node 2"
wait_for 10 grep -q '"event": "path-lost", "node": 1, .*"lu": "lu1"' "$ev" || fail "no path-lost event on node 3"
ok "VIOS 1's backing fails: path lost in the DB, I/O forwarded to node $peer, 2 more rounds verified"

# ---------------------------------------------------------------- path back
rm -f "$FAULT"
wait_for 20 path_is 1 good || fail "VIOS 1 never marked its path good again"
wait_for 20 log_has 1 'CKE: lu1: local I/O again' || fail "VIOS 1 never went local again"
wait_for 10 grep -q '"event": "path-restored", "node": 1, .*"lu": "lu1"' "$ev" || fail "no path-restored event on node 3"
log_has 1 "LU $backing: reopened" || fail "VIOS 1's stores never reopened the backing"
f1=$(forwarded 1) && [ "${f1:-0}" -gt 0 ] || fail "no forwarded counter, or nothing forwarded ('$f1')"
more_rounds 2
f2=$(forwarded 1) || fail "no forwarded counter"
[ "$f2" = "$f1" ] || fail "VIOS 1 still forwards after the path came back ($f1 -> $f2)"
ok "the backing is back as a new device: VIOS 1 reopened it, drained, local again (path-lost and path-restored events seen), 2 more rounds verified, forwarded counter stays at $f1"
kill -INT $evpid; wait $evpid

# ---------------------------------------------------------------- the forwarding peer dies mid-stream
n_fwd=$(grep -c 'CKE: lu1: forwarding to node' "$ROOT/nodes/1/backend.log")
echo 101 >"$FAULT"
wait_for 20 sh -c "[ \$(grep -c 'CKE: lu1: forwarding to node' '$ROOT/nodes/1/backend.log') -gt $n_fwd ]" ||
    fail "VIOS 1 never forwarded the second time"
peer=$(sed -n 's/.*CKE: lu1: forwarding to node \([0-9]*\).*/\1/p' "$ROOT/nodes/1/backend.log" | tail -1)
more_rounds 1
kill -9 "$(node_pid "$peer" backend)" || fail "cannot kill node $peer's backend"
wait_for 30 log_has 1 "CKE: peer node $peer .*not chosen" || fail "VIOS 1 never noticed that node $peer died"
other=$((peer == 2 ? 3 : 2))
more_rounds 2
log_has 1 "CKE: lu1: forwarding to node $other" || fail "node $other never took over"
ok "node $peer killed while forwarding: node $other took over, 2 more rounds verified"

touch "$ROOT/front-stop"
wait $fpid || { front_out 7 0 | tail -20; fail "the frontend failed"; }
grep -q '^ok: rounds LUN 0: .* written and verified' "$ROOT/front-7-0.out" || fail "no rounds summary"
grep -q '^FAIL' "$ROOT/front-7-0.out" && fail "the client saw an error"
ok "$(grep '^ok: rounds' "$ROOT/front-7-0.out" | sed 's/^ok: //')"
exit 0
