#!/usr/bin/env bash
# `xvios nodes` asks ONE node for every node's information: over node 2's
# management link (--via 2), and over node 3's api.sock.
. "$(dirname "$0")/daemon_lib.sh"

up 4
timeout 60 "$XVIOS" --root "$ROOT" --json nodes --via 2 >"$ROOT/via.json" || fail "nodes --via 2"
cat "$ROOT/via.json"
json_check "$ROOT/via.json" 'sorted(o["node"] for o in j) == [1,2,3,4]' || fail "not every node listed"
json_check "$ROOT/via.json" 'all(o.get("state") == "active" and o["domid"] == 100 + o["node"] for o in j)' \
    || fail "node info fields"
json_check "$ROOT/via.json" 'j[0]["node"] == 2' || fail "the asked node answers first"
ok "nodes --via 2"

# every node's NODE_INFO carries its VKE's counters (asked every second): 3 links up to 3 peers
vke_all_up() {
    timeout 10 "$XVIOS" --root "$ROOT" --node 1 --json nodes >"$ROOT/vke.json" 2>/dev/null &&
        json_check "$ROOT/vke.json" 'sorted(o["node"] for o in j) == [1,2,3,4] and all(o.get("vke_links_up") == 3 and o.get("vke_peers") == 3 for o in j)' 2>/dev/null
}
wait_for 30 vke_all_up || { cat "$ROOT/vke.json"; fail "vke_links_up/vke_peers in NODE_INFO"; }
json_check "$ROOT/vke.json" 'all(isinstance(o[k], int) and o[k] >= 0 for o in j for k in ("vke_malformed_in", "vke_receipts_late", "vke_receipts_dup", "vke_up_queue_full", "vke_link_lost"))' \
    || fail "the VKE counters in NODE_INFO"
json_check "$ROOT/vke.json" 'all(0 <= o["vke_stats_age_ms"] < 6000 for o in j)' || fail "vke_stats_age_ms"
ok "NODE_INFO carries the VKE's counters"
timeout 60 "$XVIOS" --root "$ROOT" --node 3 nodes >"$ROOT/n3.txt" || fail "nodes from node 3"
cat "$ROOT/n3.txt"
[ "$(grep -cE '^[1-4] +10[1-4] +vios-[1-4] +active +3/3 +[0-9]+$' "$ROOT/n3.txt")" -eq 4 ] || fail "text table"
head -n 1 "$ROOT/n3.txt" | grep -qE '^NODE +DOMID +NAME +STATE +LINKS +UPTIME_S$' || fail "table header"
ok "nodes from node 3"

# any request travels the management link, not only NODES_ALL
timeout 60 "$XVIOS" --root "$ROOT" --via 3 --json send --to 1,4 --receipt --response "over the console link" >"$ROOT/send.json" \
    || fail "send --via 3"
json_check "$ROOT/send.json" 'sorted((o["node"], o["status"], o["response"]) for o in j) == [(1, "delivered", "over the console link"), (4, "delivered", "over the console link")]' \
    || fail "send over the management link"
ok "send over node 3's management link"
