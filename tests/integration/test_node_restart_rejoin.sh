#!/usr/bin/env bash
# What a package upgrade does to a VIOS (docs/xen-host.md, "Upgrades"): its
# backend and daemon are stopped (SIGTERM, as systemd stops them) and started
# again in the same domain. The node rejoins as itself: the same node id for
# the same domid, still an active member, online again, its links back up,
# and it answers broadcasts; while it was down the others kept it as a
# member (offline), and nothing in the DB named a new node.
. "$(dirname "$0")/daemon_lib.sh"

status() { "$XVIOS" --root "$ROOT" cluster status --json >"$ROOT/$1.json" || fail "cluster status ($1)"; }
up 3
status before
json_check "$ROOT/before.json" '[(n["node"], n["domid"], n["state"], n["online"]) for n in j["nodes"]] == [(1, 101, "active", True), (2, 102, "active", True), (3, 103, "active", True)]' \
    || fail "three active online members to start with"
uuid2=$(python3 -c 'import json,sys; print([n["uuid"] for n in json.load(open(sys.argv[1]))["nodes"] if n["node"] == 2][0])' "$ROOT/before.json")

# ---- stop node 2 as systemd would (daemon first: it is bound to the backend)
for prog in xviosd backend; do
    pid=$(node_pid 2 $prog); [ -n "$pid" ] || fail "no $prog pid for node 2"
    kill -TERM "$pid"
    wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 2's $prog did not stop on SIGTERM"
done
ok "node 2's daemon and backend stopped on SIGTERM"
status stopped
json_check "$ROOT/stopped.json" '[(n["node"], n["domid"], n["state"], n["online"]) for n in j["nodes"]] == [(1, 101, "active", True), (2, 102, "active", False), (3, 103, "active", True)]' \
    || fail "while stopped, node 2 should stay an active member, offline"
ok "while stopped: node 2 is still a member (offline), nodes 1 and 3 online"

# ---- start it again in the same domain
timeout 60 "$XVIOS" --root "$ROOT" local start --node 2 >"$ROOT/start.out" 2>&1 || { cat "$ROOT/start.out"; fail "local start --node 2"; }
grep -q "^node 2: up$" "$ROOT/start.out" || fail "local start did not bring node 2 up"
status after
json_check "$ROOT/after.json" '[(n["node"], n["domid"], n["state"], n["online"]) for n in j["nodes"]] == [(1, 101, "active", True), (2, 102, "active", True), (3, 103, "active", True)]' \
    || fail "after the restart: the same three members, all online"
json_check "$ROOT/after.json" "[n['uuid'] for n in j['nodes'] if n['node'] == 2] == ['$uuid2']" \
    || fail "node 2's uuid changed"
grep -q 'node 2 (domid 102' "$ROOT/nodes/2/xviosd.log" || fail "the restarted daemon does not say it is node 2 of domid 102"
ok "restarted: node 2 again (domid 102, same uuid), active and online; no new node id"

# ---- it works as a member: links up both ways, broadcasts reach it and it sends
links_up() { "$XVIOS" --root "$ROOT" --node "$1" --json nodes >"$ROOT/nodes$1.json" 2>/dev/null &&
             json_check "$ROOT/nodes$1.json" "[n['vke_links_up'] for n in j if n['node'] == $1] == [2]" 2>/dev/null; }
wait_for 30 links_up 2 || fail "node 2's links did not come back up"
for from in 1 2; do
    timeout 60 "$XVIOS" --root "$ROOT" --node $from --json send --broadcast --receipt "after restart" >"$ROOT/send$from.json" \
        || fail "broadcast from node $from"
    want=$([ $from = 1 ] && echo '[2, 3]' || echo '[1, 3]')
    json_check "$ROOT/send$from.json" "sorted(o['node'] for o in j if o['status'] == 'delivered') == $want" \
        || fail "broadcast from node $from: receipts from $want"
done
ok "node 2's links are up again; broadcasts from node 1 and from node 2 are delivered to every other node"
