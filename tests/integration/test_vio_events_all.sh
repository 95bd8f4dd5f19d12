#!/usr/bin/env bash
# Every change raises its Lifecycle event, wherever it was made (docs/api.md, "Events"), on a 3-node
# loopback cluster: each daemon raises the changes its own DB watch sees to its own subscribers, and an
# announcement of the same change (xvios api, a typed command with --node) is not raised twice.
# Changes made with no node named, straight into the store, through the API and by the typed commands:
# the pool's creation, LUs created / modified (size, read-only flag) / deleted, mappings (VTD records)
# created and deleted, named pools created / modified (access list) / deleted in dom0 with no node named
# and through a node (the default pool's record: modified), a node joining and leaving (lifecycle type node next to node-joined/node-left),
# path entries appearing. Each subscriber sees each change exactly once; --category and --type keep
# exactly their events.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

x() { timeout 90 "$XVIOS" --root "$ROOT" "$@"; }
callers() {   # callers NODE N: node NODE's daemon has N callers (the subscribers and this query)
    wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node $1 --json nodes | grep -q '\"node\": $1, .*\"callers\": $2'"
}
# seen FILE PATTERN: the stream got a line matching PATTERN
seen() { wait_for 20 grep -q -- "$2" "$ROOT/$1" || { cat "$ROOT/$1"; fail "$1: no event matching $2"; }; }
life() { printf '"action": "%s", "type": "%s", "key": "%s", "by": "%s", "via": "%s"' "$@"; }

up 3
"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle >"$ROOT/life2.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 2 --json events --type node >"$ROOT/node2.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 3 --json events --category lifecycle >"$ROOT/life3.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 1 --json events --category lifecycle --type LU >"$ROOT/lu1.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 1 --json events --category alert >"$ROOT/alert1.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 1 --json events --category lifecycle --type mapping >"$ROOT/map1.json" 2>/dev/null &
callers 1 4 && callers 2 3 && callers 3 2 || fail "the event streams did not attach"

# --- an LU made with no node named (nothing announced): the pool's creation and the LU, on every node
b1=$(lu_file b1 32)
x lu create db1 --size 8M --backing "$b1" >/dev/null || fail "lu create db1"
pool=$("$XS_TOOL" "$ROOT" read /xvios/pool/id) || fail "no pool id"
seen life2.json "$(life created pool "$pool" 0 2)"
seen life2.json "$(life created LU db1 0 2)"
seen life3.json "$(life created LU db1 0 3)"
seen lu1.json "$(life created LU db1 0 1)"
ok "lu create with no node named: pool $pool and LU db1 created, raised by each node's own watch"
# every VIOS's path monitor publishes its entry for db1: a path created, by that VIOS
for n in 1 2 3; do seen life2.json "$(life created path "$n:db1" "$n" 2)"; done
ok "the path entries of db1 (nodes 1-3) raised path created events"

# --- through the API and node 3: announced and watched, raised once (the announcement's copy)
R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
b2=$(lu_file b2 32)
R "<lu action=\"create\" name=\"db2\" backing=\"$b2\" size=\"8388608\"/>" | x --node 3 api >"$ROOT/resp" \
    || { cat "$ROOT/resp"; fail "api lu create db2"; }
seen life2.json "$(life created LU db2 0 3)"
seen life3.json "$(life created LU db2 0 3)"
seen lu1.json "$(life created LU db2 0 3)"

# --- straight into the store: size and read-only flag (modified), the record removed (deleted)
"$XS_TOOL" "$ROOT" write /xvios/pool/lus/db1/size 16777216 || fail "write size"
seen life2.json "$(life modified LU db1 0 2)"
seen lu1.json "$(life modified LU db1 0 1)"
"$XS_TOOL" "$ROOT" write /xvios/pool/lus/db1/ro 1 || fail "write ro"
wait_for 20 sh -c "[ \$(grep -c '$(life modified LU db1 0 3)' '$ROOT/life3.json') -eq 2 ]" \
    || { cat "$ROOT/life3.json"; fail "node 3 did not see two modifications of db1"; }
ok "an LU written straight into the store (size, then ro): modified, twice, on every node"

# --- typed command with a node named: announced and watched, once
x --node 3 lu rm db2 >/dev/null || fail "lu rm db2"
seen life2.json "$(life deleted LU db2 0 3)"

# --- a mapping (VTD record) written and removed straight in the store
rec=$'client=9\nuuid=\nname=\nnode=1\nvhost=0\nchannel=0\ntarget=0\nlun=1\nlu='"$b1"$'\npool-lu=db1\nro=0\n'
"$XS_TOOL" "$ROOT" write /xvios/vtds/9-0-0-0-1 "$rec" || fail "write a VTD record"
seen life2.json "$(life created mapping 9:0:0:0:1 0 2)"
seen map1.json "$(life created mapping 9:0:0:0:1 0 1)"
"$XS_TOOL" "$ROOT" write /xvios/vtds/9-0-0-0-1 "${rec/ro=0/ro=1}" || fail "rewrite the VTD record"
seen life3.json "$(life modified mapping 9:0:0:0:1 0 3)"
"$XS_TOOL" "$ROOT" rm /xvios/vtds/9-0-0-0-1 || fail "rm the VTD record"
seen life3.json "$(life deleted mapping 9:0:0:0:1 0 3)"
seen map1.json "$(life deleted mapping 9:0:0:0:1 0 1)"
ok "a VTD record written, rewritten read-only and removed in the store: mapping created, modified, deleted"

"$XS_TOOL" "$ROOT" rm /xvios/pool/lus/db1 || fail "rm db1's record"
seen life2.json "$(life deleted LU db1 0 2)"
seen lu1.json "$(life deleted LU db1 0 1)"
ok "an LU removed in the store: deleted"

# --- named pools (/xvios/pools) changed by dom0 with no node named: raised by each node's own watch
x pool create gold >/dev/null || fail "pool create gold"
seen life2.json "$(life created pool gold 0 2)"
seen life3.json "$(life created pool gold 0 3)"
x pool modify gold --access '*' >/dev/null || fail "pool modify gold"
seen life2.json "$(life modified pool gold 0 2)"
seen life3.json "$(life modified pool gold 0 3)"
x pool modify default --access '' >/dev/null || fail "pool modify default"
seen life2.json "$(life modified pool default 0 2)"
seen life3.json "$(life modified pool default 0 3)"
x pool delete gold >/dev/null || fail "pool delete gold"
seen life2.json "$(life deleted pool gold 0 2)"
seen life3.json "$(life deleted pool gold 0 3)"
ok "pool gold created, modified, deleted and the default pool's record written with no node named: seen on nodes 2 and 3"
# through node 3: announced and watched, raised once (the announcement's copy: via 3 on every node)
x --node 3 pool create silver >/dev/null || fail "pool create silver --node 3"
seen life2.json "$(life created pool silver 0 3)"
seen life3.json "$(life created pool silver 0 3)"
x --node 3 pool delete silver >/dev/null || fail "pool delete silver --node 3"
seen life2.json "$(life deleted pool silver 0 3)"
seen life3.json "$(life deleted pool silver 0 3)"
ok "pool silver created and deleted through node 3: the announcement's copy on nodes 2 and 3"

# --- a node joining and leaving: node-joined/node-left and lifecycle type node
new=$("$XVIOS_TESTS/loop_node_tool" "$ROOT" add 150 vios-extra) || fail "adding a node"
seen node2.json "\"event\": \"node-joined\", \"node\": $new"
seen node2.json "$(life created node "$new" 0 2)"
seen life3.json "$(life created node "$new" 0 3)"
"$XVIOS_TESTS/loop_node_tool" "$ROOT" remove "$new" || fail "removing node $new"
seen node2.json "\"event\": \"node-left\", \"node\": $new"
seen node2.json "$(life deleted node "$new" 0 2)"
seen life3.json "$(life deleted node "$new" 0 3)"
ok "node $new joined and left: node-joined, node-left and lifecycle node created / deleted"

# --- exactly once, and each filter exactly its events (past the grace in which a copy could follow)
sleep 4   # past the grace (2.5 s) in which a second copy could come
python3 - "$ROOT" <<'PY' || fail "a stream got a change twice or an event outside its filter"
import json, sys, collections
root = sys.argv[1]
def load(name):
    return [json.loads(l) for l in open(f"{root}/{name}") if l.strip()]
for name in ("life2.json", "life3.json", "lu1.json", "map1.json"):
    ev = load(name)
    assert all(e["category"] == "lifecycle" for e in ev), (name, ev)
    ev = [e for e in ev if e["event"] == "lifecycle"]   # node-joined / node-left are lifecycle events too
    changes = collections.Counter((e["type"], e["key"], e["action"]) for e in ev)
    twice = {k: n for k, n in changes.items() if n > 1 and k != ("LU", "db1", "modified")}
    assert not twice, (name, twice)
    assert changes[("LU", "db2", "created")] == (0 if name == "map1.json" else 1), (name, changes)
    pools = sorted((k, n) for k, n in changes.items() if k[0] == "pool" and k[1] != "default" and len(k[1]) != 9)
    want = [(("pool", "gold", a), 1) for a in ("created", "deleted", "modified")] + \
           [(("pool", "silver", a), 1) for a in ("created", "deleted")]
    assert pools == (want if name in ("life2.json", "life3.json") else []), (name, pools)
    if name in ("life2.json", "life3.json"):
        assert changes[("pool", "default", "modified")] == 1, (name, changes)
lu1 = load("lu1.json")
assert {(e["event"], e["type"]) for e in lu1} == {("lifecycle", "LU")}, lu1
assert [(e["key"], e["action"]) for e in lu1] == [("db1", "created"), ("db2", "created"), ("db1", "modified"),
                                                  ("db1", "modified"), ("db2", "deleted"), ("db1", "deleted")], lu1
assert {(e["event"], e["type"]) for e in load("map1.json")} == {("lifecycle", "mapping")}
node2 = load("node2.json")
assert node2 and all(e.get("type") == "node" or e["event"] in ("node-joined", "node-left", "node-lost") for e in node2), node2
assert not [e for e in load("alert1.json") if e["event"] == "lifecycle"]
PY
ok "each change once per subscriber; --category lifecycle --type LU / mapping, --type node, --category alert: exactly their events"
