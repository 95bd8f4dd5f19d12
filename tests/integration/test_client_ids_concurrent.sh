#!/usr/bin/env bash
# ClientID/AdapterID allocation under contention (tests/integration/client_alloc.c):
# 8 concurrent allocator processes x 1,000 logins, every 3rd commit of each forced
# to fail with EAGAIN, 3 of 4 logins a new client and 1 of 4 one of 50 clients all
# processes share: every login answered (none lost), distinct uuids got distinct
# ClientIDs, a uuid got the same ClientID in every process, every (client, node,
# vhost) one AdapterID and distinct ones distinct AdapterIDs, and the DB holds
# exactly those entries. These run as dom0's handles: a member's store quota
# (1,000 nodes) is less than 1,000 new clients. Then 8 member VIOS domains x 200
# logins of 50 shared clients on 2 vhosts each, in a second cluster (their own
# permissions, the same forced conflicts): one ClientID per uuid, 800 adapters.
. "$(dirname "$0")/daemon_lib.sh"
ALLOC="$XVIOS_TESTS/client_alloc"

"$ALLOC" "$ROOT" setup 8 >"$ROOT/nodes.txt" 2>"$ROOT/setup.err" || { cat "$ROOT/setup.err"; fail "setup"; }
[ "$(wc -l <"$ROOT/nodes.txt")" = 8 ] || fail "8 nodes"

check() {   # check PHASE LOGINS CLIENTS ADAPTERS FILES...
    python3 - "$@" <<'PY'
import sys, os
phase, logins, clients, adapters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = []
for i, f in enumerate(sys.argv[5:], start=1):
    for line in open(f):
        u, c, h, a = line.split()
        rows.append((i, u, int(c), int(h), int(a)))
def die(msg):
    print("FAIL: %s: %s" % (phase, msg)); sys.exit(1)
if len(rows) != logins: die("%d logins answered, %d expected" % (len(rows), logins))
u2c, c2u, k2a, a2k = {}, {}, {}, {}
for node, u, c, h, a in rows:
    if u2c.setdefault(u, c) != c: die("uuid %s got ClientIDs %d and %d" % (u, u2c[u], c))
    if c2u.setdefault(c, u) != u: die("ClientID %d given to %s and %s" % (c, c2u[c], u))
    k = (c, node, h)
    if k2a.setdefault(k, a) != a: die("adapter %s got AdapterIDs %d and %d" % (k, k2a[k], a))
    if a2k.setdefault(a, k) != k: die("AdapterID %d given to %s and %s" % (a, a2k[a], k))
if len(u2c) != clients: die("%d clients, %d expected" % (len(u2c), clients))
if len(k2a) != adapters: die("%d adapters, %d expected" % (len(k2a), adapters))
print("ok: %s: %d logins, %d ClientIDs, %d AdapterIDs, all unique and consistent" % (phase, len(rows), len(u2c), len(k2a)))
PY
}
# the DB holds exactly the entries handed out (loopback store: one directory per node)
count_entries() { find "$ROOT/store/xvios/$1" -mindepth 1 -maxdepth 1 -type d | wc -l; }

start=$SECONDS
pids=()
for n in $(cat "$ROOT/nodes.txt"); do
    timeout 400 "$ALLOC" "$ROOT" run 0 "$n" 1000 mixed 3 >"$ROOT/a$n.txt" 2>"$ROOT/a$n.err" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || { kill "${pids[@]}" 2>/dev/null; wait; cat "$ROOT"/a*.err; fail "an allocator failed"; }; done
# 750 clients of their own per process + the 50 shared; adapters: each own client's + each shared one per node
check "8 x 1000 under forced EAGAIN" 8000 $((8 * 750 + 50)) $((8 * 750 + 8 * 50)) "$ROOT"/a?.txt || fail "phase 1"
[ "$(count_entries clients)" = $((8 * 750 + 50)) ] || fail "client table: $(count_entries clients) entries"
[ "$(count_entries adapters)" = $((8 * 750 + 8 * 50)) ] || fail "adapter table: $(count_entries adapters) entries"
ok "the tables hold exactly the IDs handed out ($((SECONDS - start)) s)"

# members, with their own permissions, in a cluster of their own (a member's every create has the loopback
# store count the nodes it owns store-wide, as its quota: tens of thousands of dom0's nodes would make that slow)
R2=$ROOT/members
mkdir -p "$R2"
"$ALLOC" "$R2" setup 8 >"$R2/nodes.txt" 2>"$R2/setup.err" || { cat "$R2/setup.err"; fail "setup 2"; }
start=$SECONDS
pids=()
for n in $(cat "$R2/nodes.txt"); do
    timeout 400 "$ALLOC" "$R2" run $((200 + n)) "$n" 200 shared 3 >"$ROOT/b$n.txt" 2>"$ROOT/b$n.err" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || { kill "${pids[@]}" 2>/dev/null; wait; cat "$ROOT"/b*.err; fail "a member allocator failed"; }; done
check "8 members x 200" 1600 50 800 "$ROOT"/b?.txt || fail "phase 2"
ok "members: one ClientID per shared uuid, an AdapterID per (client, node, vhost) ($((SECONDS - start)) s)"
exit 0
