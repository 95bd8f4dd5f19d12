#!/usr/bin/env bash
# test_multihost_db_cluster.sh - the programs on the replicated cluster DB (docs/multihost.md): three
# corosync hosts, two loopback VIOS domains on each. `xvios cluster create itest --multi-host` on host 1,
# `xvios cluster join` of each host's domains on that host, real xvios-backend processes with
# multihost-db (the DB is the replicated one, each node's copy in its state file). Proves: the 6-node
# cluster forms from the DB alone (each node has 5 links up); `xvios nodes` (text and --json) on every
# host lists the six with their hosts; every copy is the same (the CLI's dump on each host, the six
# backends' state files byte for byte); `cluster add` is refused on a multi-host cluster; a cut-off host
# refuses DB writes (exit 6, the quorum message) while the majority joins a seventh node; healed, the
# cut-off host holds the majority's copy. Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }
head -c 256 /dev/urandom > "$T_ROOT/authkey"; chmod 600 "$T_ROOT/authkey"

domid_of() { echo $(( 100 + 10 * $1 + $2 )); }   # host, local
root_of() { echo "$T_ROOT/h$1"; }
xv() { # xv HOST ARGS...: the CLI inside host HOST, on the replicated DB of cluster itest
    local h=$1; shift
    cs_exec "$h" "$XVIOS_BIN/xvios" --root "$(root_of "$h")" --multihost itest "$@"
}
ms() { date +%s%3N; }

for h in 1 2 3; do
    r=$(root_of "$h"); mkdir -p "$r"
    "$VKE_TOOL" mkdoms "$r" "$(domid_of "$h" 1):vios-h$h-1" "$(domid_of "$h" 2):vios-h$h-2" "$(domid_of "$h" 3):vios-h$h-3" ||
        { t_fail "loopback domains of host $h"; exit 1; }
    cat > "$r/backend.conf" <<CONF
multihost = true
multihost-address = $(cs_addr "$h")
multihost-key = $T_ROOT/authkey
multihost-cluster = itest
CONF
done

# mh_backend HOST NODE LOCAL: a real xvios-backend inside its host
mh_backend() {
    local h=$1 n=$2 l=$3 r; r=$(root_of "$h")
    mkdir -p "$r/nodes/$n"
    nsenter -t "$(cs_pid "$h")" -n -m -- "$XVIOS_BIN/xvios-backend" --platform loopback --root "$r" \
        --domid "$(domid_of "$h" "$l")" --no-vscsi --config "$r/backend.conf" --log "$r/nodes/$n/backend.log" \
        2>"$r/nodes/$n/backend.err" &
    T_PIDS+=($!)
    eval "MH_PID_$n=$!"
}
mh_links_are() { [ "$("$VKE_TOOL" stats "$(root_of "$1")" "$2" | sed -n 's/^links_up=//p')" = "$3" ]; }

# a write before any cluster: join refused with a clear line
out=$(xv 2 cluster join vios-h2-1 2>&1); st=$?
t_check "join before create: refused (exit 6)" test "$st" -eq 6
t_check "join before create: says the DB holds no cluster" grep -q "holds no cluster itest" <<<"$out"

t0=$(ms)
out=$(xv 1 cluster create itest --multi-host --timeout 2000 2>&1); st=$?
echo "$out"
t_check "create --multi-host on host 1" test "$st" -eq 0
t_check "create: names host h1, corosync nodeid 1" grep -q "this host h1 (corosync nodeid 1)" <<<"$out"
out=$(xv 1 cluster create itest --multi-host 2>&1); st=$?
t_check "create again: refused (exit 6)" test "$st" -eq 6
for l in 1 2; do
    out=$(xv 1 cluster join "vios-h1-$l" 2>&1); st=$?
    echo "$out"
    t_check "host 1: join vios-h1-$l" test "$st" -eq 0
    t_check "host 1: vios-h1-$l is node $((256 + l)) on h1" grep -q "as node $((256 + l)) of cluster itest on host h1" <<<"$out"
done
out=$(xv 1 cluster join vios-h1-1 2>&1); st=$?
t_check "join twice: refused (exit 6)" test "$st" -eq 6
out=$(xv 1 cluster add vios-h1-3 2>&1); st=$?
echo "$out"
t_check "cluster add on a multi-host cluster: refused (exit 6)" test "$st" -eq 6
t_check "cluster add on a multi-host cluster: points at join" grep -q "cluster join DOMAIN' on its host" <<<"$out"
echo "   create + 2 joins on host 1 (CLI alone in the group): $(( $(ms) - t0 )) ms"

# host 1's VIOSes start from the CLI's copy; hosts 2 and 3 join through them
for l in 1 2; do mh_backend 1 $((256 + l)) "$l"; done
for n in 257 258; do t_check "node $n: backend runs" wait_until 30 test -S "$(root_of 1)/nodes/$n/vke.sock"; done
for h in 2 3; do
    for l in 1 2; do
        t1=$(ms)
        out=$(xv "$h" cluster join "vios-h$h-$l" 2>&1); st=$?
        echo "$out (in $(( $(ms) - t1 )) ms)"
        t_check "host $h: join vios-h$h-$l as node $((h * 256 + l))" \
            bash -c "[ $st -eq 0 ] && grep -q 'as node $((h * 256 + l)) of cluster itest on host h$h' <<<'$out'"
    done
    for l in 1 2; do mh_backend "$h" $((h * 256 + l)) "$l"; done
done
for h in 1 2 3; do
    for l in 1 2; do
        n=$((h * 256 + l))
        t_check "node $n: 5 links up (its node list from the replicated DB)" wait_until 40 mh_links_are "$h" "$n" 5
    done
done
echo "   6-node cluster formed $(( $(ms) - t0 )) ms after create"
t_check "node 257: logs its replicated DB" grep -q "multihost-db: cluster itest" "$(root_of 1)/nodes/257/backend.log"

t_check "node 769: the apply-side quorum check is on (3 votes expected)" \
    grep -q "apply-side quorum check: 3 nodes, 3 votes expected" "$(root_of 3)/nodes/769/backend.log"

# xvios nodes on every host: all six, each with its host
for h in 1 2 3; do
    out=$(xv "$h" nodes); echo "$out"
    for hh in 1 2 3; do
        for l in 1 2; do
            t_check "host $h: nodes lists $((hh * 256 + l)) on h$hh" \
                grep -qE "^$((hh * 256 + l)) +$(domid_of "$hh" "$l") +vios-h$hh-$l +active +(yes|no) +$hh +h$hh\$" <<<"$out"
        done
    done
    js=$(xv "$h" --json nodes)
    t_check "host $h: nodes --json has six nodes with host and host_nodeid" python3 -c '
import json,sys
d=json.loads(sys.argv[1]); ns=d["nodes"]
assert len(ns)==6, ns
for x in ns:
    assert x["host_nodeid"]==x["node"]>>8 and x["host"]=="h%d"%(x["node"]>>8), x
' "$js"
done

# xviosd on the replicated DB: node 258's daemon (daemonizing: its parent exits 0 once the child, with its own
# member of the DB, found its node there and attached to its VKE)
cat > "$(root_of 1)/xviosd.conf" <<CONF
multihost-db = yes
multihost-cluster = itest
CONF
cs_exec 1 "$XVIOS_BIN/xviosd" --platform loopback --root "$(root_of 1)" --domid "$(domid_of 1 2)" \
    --config "$(root_of 1)/xviosd.conf" --log "$(root_of 1)/nodes/258/xviosd.log" 2>"$T_ROOT/xviosd258.err"
st=$?
t_check "xviosd of node 258 on the replicated DB: started and attached (exit 0)" test "$st" -eq 0
t_check "xviosd of node 258: says node 258" grep -q "node 258 (domid $(domid_of 1 2)" "$(root_of 1)/nodes/258/xviosd.log"
t_check "xviosd of node 258: its own copy of the DB" test -s "$(root_of 1)/cluster-db.itest.viod.dom$(domid_of 1 2)"
VIOD_PID=$(cat "$(root_of 1)/nodes/258/xviosd.pid" 2>/dev/null)
[ -n "$VIOD_PID" ] && T_PIDS+=("$VIOD_PID")

# every copy is the same: the CLI's dump on each host, and the six backends' state files
same_dumps() {
    xv 1 cluster dump > "$T_ROOT/d1" && xv 2 cluster dump > "$T_ROOT/d2" && xv 3 cluster dump > "$T_ROOT/d3" &&
        cmp -s "$T_ROOT/d1" "$T_ROOT/d2" && cmp -s "$T_ROOT/d1" "$T_ROOT/d3"
}
t_check "dumps identical on the three hosts" wait_until 10 same_dumps
tail -n 1 "$T_ROOT/d1"
t_check "the dump holds the six nodes" test "$(grep -c '^/xvios/nodes/[0-9]*/domid ' "$T_ROOT/d1")" -eq 6
same_files() {
    local f0 f
    f0=$(root_of 1)/cluster-db.itest.dom$(domid_of 1 1)
    for h in 1 2 3; do for l in 1 2; do
        f=$(root_of "$h")/cluster-db.itest.dom$(domid_of "$h" "$l")
        cmp -s "$f0" "$f" || return 1
    done; done
}
t_check "the six backends' state files are byte for byte the same" wait_until 10 same_files

# host 3 cut off: its CLI refuses DB writes, the majority goes on
ip -n "$(cs_ns_bridge)" link set p3 down
tc=$(ms)
lost() { ! cs_sees 3 "1 2 3"; }
t_check "host 3 sees the partition" wait_until 20 lost
t_check "minority: host 3's VIOS weighs its ring (apply-side check: 1 of 3 votes)" \
    wait_until 10 grep -q "holds 1 of 3 votes: transactions are refused" "$(root_of 3)/nodes/769/backend.log"
out=$(xv 3 cluster join vios-h3-3 2>&1); st=$?
echo "$out"
t_check "minority: join refused (exit 6)" test "$st" -eq 6
t_check "minority: says it has no quorum" grep -q "no quorum" <<<"$out"
out=$(xv 1 cluster join vios-h1-3 2>&1); st=$?
echo "$out"
t_check "majority: join vios-h1-3 as node 259" bash -c "[ $st -eq 0 ] && grep -q 'as node 259 ' <<<'$out'"
out=$(xv 2 nodes); t_check "majority: host 2 lists node 259" grep -q "^259 " <<<"$out"
echo "   cut off -> minority refusal and majority join: $(( $(ms) - tc )) ms"
ip -n "$(cs_ns_bridge)" link set p3 up
th=$(ms)
healed() { out=$(xv 3 nodes 2>/dev/null) && grep -q "^259 " <<<"$out"; }
t_check "healed: host 3 lists node 259 (the majority's copy)" wait_until 30 healed
echo "   link up -> host 3 holds the majority's copy: $(( $(ms) - th )) ms"
t_check "healed: dumps identical on the three hosts" wait_until 20 same_dumps
t_check "healed: the refused join is nowhere" bash -c "! grep -q '/xvios/nodes/771/' '$T_ROOT/d1'"

if [ -n "$VIOD_PID" ]; then
    kill -TERM "$VIOD_PID"
    t_check "xviosd of node 258: stops on SIGTERM" wait_until 10 bash -c "! kill -0 $VIOD_PID 2>/dev/null"
    t_check "xviosd of node 258: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$T_ROOT/xviosd258.err' '$(root_of 1)/nodes/258/xviosd.log'"
fi

# every backend stops cleanly with no sanitizer report
for h in 1 2 3; do for l in 1 2; do kill -TERM "$(eval echo \$MH_PID_$((h * 256 + l)))" 2>/dev/null; done; done
for h in 1 2 3; do for l in 1 2; do
    n=$((h * 256 + l)); pid=$(eval echo \$MH_PID_$n); r=$(root_of "$h")
    if wait_until 15 bash -c "! kill -0 $pid 2>/dev/null"; then
        wait "$pid"; st=$?
        t_check "node $n: backend exited 0" test "$st" -eq 0
    else
        t_fail "node $n: backend did not stop within 15 s"
    fi
    t_check "node $n: no sanitizer report" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$r/nodes/$n/backend.err' '$r/nodes/$n/backend.log'"
done; done
t_done
