#!/usr/bin/env bash
# test_cluster128.sh - the cluster at scale on loopback: 128 nodes (128
# xvios-backend + 128 xviosd processes, a full mesh of 8128 links) come up;
# broadcasts with receipts from two nodes are delivered to all 127 peers;
# `xvios nodes` lists all 128 nodes (more than one NODES_ALL packet holds).
# Every wait has a deadline; the trap of daemon_lib.sh stops every process.
. "$(dirname "$0")/daemon_lib.sh"
# daemon_lib's cleanup, but on failure only the logs that hold errors (256 logs would drown them)
cleanup128() {
    local rc=$? f shown=0
    "$XVIOS" --root "$ROOT" local down >/dev/null 2>&1 || true
    local san
    san=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ROOT"/nodes/*/*.log 2>/dev/null)
    if [ -n "$san" ]; then
        echo "$san" | head -n 5
        echo "FAIL: sanitizer report in the logs above" >&2
        [ $rc -ne 0 ] || rc=1
    fi
    # how hard the store's lock was fought over (the loopback stand-in for xenstored's queue)
    echo "store lock: $(cat "$ROOT"/nodes/*/*.log 2>/dev/null | grep -c 'still waiting after') waits past 2 s," \
         "$(cat "$ROOT"/nodes/*/*.log 2>/dev/null | grep -c 'not acquired within') timeouts," \
         "longest wait $(cat "$ROOT"/nodes/*/*.log 2>/dev/null | sed -n 's/.*acquired after \([0-9]*\) ms.*/\1/p' | sort -n | tail -n 1) ms"
    if [ $rc -ne 0 ]; then
        for f in $(grep -lE ' E |ERROR|not ready' "$ROOT"/nodes/*/*.log 2>/dev/null); do
            [ $shown -lt 6 ] || break
            echo "---- $f (errors, then the last 10 lines)"; grep -E ' E |ERROR|not ready' "$f" | head -n 5; tail -n 10 "$f"
            shown=$((shown + 1))
        done
    fi
    rm -rf "$ROOT"
    exit $rc
}
trap cleanup128 EXIT
N=${CLUSTER128_NODES:-128}
# 256 sanitized processes in 24 GiB: ASan's default quarantine (256 MiB of freed memory kept per process)
# alone would take them past it; a small one still catches a use after free of recent blocks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8:thread_local_quarantine_size_kb=256:malloc_context_size=10"
PEERS=$((N - 1))
T0=$SECONDS

# Each loopback platform handle follows the store with one inotify instance:
# 2 N processes plus the toolstack need more than the kernel's default 128 per user.
need=$(( 2 * N + 64 + $(find /proc/[0-9]*/fd -lname 'anon_inode:inotify' 2>/dev/null | wc -l) ))
lim=/proc/sys/fs/inotify/max_user_instances
if [ "$(cat $lim)" -lt "$need" ]; then
    echo "$need" > $lim 2>/dev/null || fail "$lim is $(cat $lim), $need needed (run as root or raise it)"
    echo "raised $lim to $need"
fi

timeout 900 "$XVIOS" --root "$ROOT" local up -n "$N" --timeout 20000 >"$ROOT/up.out" 2>&1 \
    || { tail -n 5 "$ROOT/up.out"; fail "local up -n $N"; }
ok "$N nodes up ($((SECONDS - T0)) s)"

# broadcast with receipts from NODE; true when all peers delivered (the JSON kept in $ROOT/bc-NODE.json)
broadcast_all() {
    local from=$1 out=$ROOT/bc-$1.json
    timeout 120 "$XVIOS" --root "$ROOT" --node "$from" --json send --broadcast --receipt --timeout 30000 \
        "scale from $from" >"$out" 2>"$ROOT/bc-$from.err" || return 1
    json_check "$out" "len(j) == $PEERS and all(o['status'] == 'delivered' for o in j)" 2>/dev/null
}
# the links come up after the processes: the first broadcasts may find some still connecting
wait_for 600 broadcast_all 1 || {
    json_check "$ROOT/bc-1.json" "print(len(j), sum(o['status'] == 'delivered' for o in j)) or True" || true
    fail "a broadcast from node 1 did not reach all $PEERS peers"
}
ok "broadcast with receipts from node 1: $PEERS/$PEERS delivered ($((SECONDS - T0)) s)"
json_check "$ROOT/bc-1.json" "sorted(o['node'] for o in j) == list(range(2, $N + 1))" || fail "node list of the broadcast"
broadcast_all "$N" || fail "a broadcast from node $N did not reach all $PEERS peers"
ok "broadcast with receipts from node $N: $PEERS/$PEERS delivered"
json_check "$ROOT/bc-$N.json" "sorted(o['node'] for o in j) == list(range(1, $N))" || fail "node list of the broadcast"

# every node's information, through one node: the answer is larger than one packet holds
timeout 180 "$XVIOS" --root "$ROOT" --node 1 nodes --timeout 30000 >"$ROOT/nodes.out" 2>"$ROOT/nodes.err"
rc=$?
[ $rc -eq 0 ] || { cat "$ROOT/nodes.err"; fail "xvios nodes exit $rc, want 0"; }
rows=$(awk 'NR > 1 && $1 ~ /^[0-9]+$/ && $4 == "active"' "$ROOT/nodes.out" | wc -l)
[ "$rows" -eq "$N" ] || { head -n 5 "$ROOT/nodes.out"; fail "xvios nodes listed $rows active nodes, want $N"; }
[ "$(awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $1}' "$ROOT/nodes.out" | sort -n | uniq | tr '\n' ' ')" = "$(seq -s ' ' 1 "$N") " ] \
    || fail "xvios nodes did not list nodes 1..$N once each"
grep -q 'too large' "$ROOT/nodes.err" && fail "xvios nodes says the answer was cut"
ok "xvios nodes lists all $N nodes"
timeout 180 "$XVIOS" --root "$ROOT" --node "$N" --json nodes --timeout 30000 >"$ROOT/nodes.json" \
    || fail "xvios --json nodes from node $N"
python3 - "$ROOT/nodes.json" "$N" <<'PY' || fail "JSON nodes"
import json, sys
nodes = json.load(open(sys.argv[1]))
ids = sorted(int(b["node"]) for b in nodes)
sys.exit(0 if ids == list(range(1, int(sys.argv[2]) + 1)) and all("status" not in b for b in nodes) else 1)
PY
ok "xvios --json nodes from node $N: $N blocks, none failed"
echo "total $((SECONDS - T0)) s"
