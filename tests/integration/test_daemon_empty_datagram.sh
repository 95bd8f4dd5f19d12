#!/usr/bin/env bash
# Issue 10, item 14: a zero-length datagram is a malformed packet, not a
# hang-up, on the daemon's caller sockets: api.sock and dom0's management
# link (the links between VKEs and vke.sock have their unit tests). Each is
# counted (dropped_bad) and the same connection is answered afterwards.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"

up 1
bad() {
    timeout 10 "$XVIOS" --root "$ROOT" --node 1 --json nodes >"$ROOT/n.json" || return 1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["dropped_bad"])' "$ROOT/n.json"
}
b0=$(bad) || fail "reading the counters"
timeout 30 "$XVIOS_TESTS/empty_dgram" "$ROOT" 1 api || fail "api.sock: the caller was dropped after an empty datagram"
ok "api.sock: an empty datagram, then HELLO answered on the same connection"
timeout 30 "$XVIOS_TESTS/empty_dgram" "$ROOT" 1 mgmt || fail "management link: dropped after an empty datagram"
ok "management link: an empty datagram, then HELLO answered on the same link"
b1=$(bad) || fail "reading the counters"
[ "$b1" -ge $((b0 + 2)) ] || fail "dropped_bad $b0 -> $b1: the empty datagrams were not counted"
ok "both counted as malformed (dropped_bad $b0 -> $b1)"
