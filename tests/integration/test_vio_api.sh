#!/usr/bin/env bash
# The management API on a 3-node loopback cluster (docs/api.md): every object x action through
# `xvios api` and through the C binding (vio_tool, a third-party caller), success and each refusal as
# a VIOException; LU create/delete from dom0 announced through a node, refused when asked of a VIOS;
# malformed, oversized and hostile XML (billion laughs, external entity, DOCTYPE, deep nesting, a huge
# attribute) answered with a VIOException, the DB unchanged and the daemon still serving; a Lifecycle
# event for an LU created through node 3 reaches a subscriber on node 2 (and --category/--type filter).
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"

# api NODE XML [WANT_RC]: `xvios --node NODE api`, response in $ROOT/resp
api() {
    local rc
    printf '%s' "$2" | timeout 60 "$XVIOS" --root "$ROOT" --node "$1" api >"$ROOT/resp" 2>"$ROOT/resp.err"; rc=$?
    [ $rc -eq "${3:-0}" ] || { cat "$ROOT/resp" "$ROOT/resp.err"; fail "api on node $1: exit $rc, wanted ${3:-0}: $2"; }
}
# XML | vt NODE [WANT_RC]: the binding, response in $ROOT/resp (its exit code checked by vt_rc, as a
# pipeline's last command runs in a subshell here)
vt() {
    timeout 60 "$VT" "$ROOT" "$1" send >"$ROOT/resp" 2>"$ROOT/resp.err"
    echo $? >"$ROOT/resp.rc"
}
vt_rc() {
    local rc; rc=$(cat "$ROOT/resp.rc")
    [ "$rc" -eq "$1" ] || { cat "$ROOT/resp" "$ROOT/resp.err"; fail "vio_tool: exit $rc, wanted $1"; }
}
has() { grep -q -- "$1" "$ROOT/resp" || { cat "$ROOT/resp"; fail "response lacks $1"; }; }
exc() { has "status=\"exception\""; has "<VIOException code=\"$1\">[^<]"; }
R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
# the DB's view of the pool, from node 1's daemon: compared before and after what must change nothing
snapshot() { api 1 "$(R '<lu action="list"/>')"; cp "$ROOT/resp" "$ROOT/snap.$1"; }

up 3
backing=$ROOT/pool.img
truncate -s 64M "$backing"

# --- subscribers on node 2: lifecycle of LUs; alerts only (must not see lifecycle events)
"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle --type lu >"$ROOT/ev2.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 2 --json events --category alert >"$ROOT/alert2.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 3'" \
    || fail "the event streams did not attach"

# --- reads, asked of each node's daemon
api 2 "$(R '<cluster action="get"/>')"; has 'status="ok" node="2" object="cluster" action="get"'; has 'nodes="3"'
api 1 "$(R '<node action="list"/>')"; has '<node id="3" domid="103"'
[ "$(grep -c '<node id=' "$ROOT/resp")" -eq 3 ] || fail "node list: not 3 nodes"
api 3 "$(R '<node action="get" id="2"/>')"; has '<node id="2" domid="102" name="vios-2"'
api 3 "$(R '<node action="get" id="9"/>')" 6; exc NOT_FOUND
api 1 "$(R '<pool action="get"/>')"; has '<pool name="default" access="any" lus="0" bytes="0" made="false"/>'
api 1 "$(R '<lu action="list"/>')"; has 'object="lu" action="list"'
api 1 "$(R '<lu action="get" name="db1"/>')" 6; exc NOT_FOUND
ok "cluster get, node list/get, pool get, lu list/get through the daemons"

# --- LU create through node 3 (dom0 runs it; node 3 announces it)
api 3 "$(R "<lu action=\"create\" name=\"db1\" backing=\"$backing\" size=\"16777216\"/>")"
has 'status="ok" node="0" object="lu" action="create"'; has '<lu name="db1"'; has 'wwn="6'
wait_for 20 grep -q '"event": "lifecycle", "node": 3, "category": "lifecycle", "action": "created", "type": "LU", "key": "db1", "by": "0", "via": "3"' \
    "$ROOT/ev2.json" || { cat "$ROOT/ev2.json"; fail "node 2's subscriber did not see db1 created through node 3"; }
ok "LU created through node 3: node 2's subscriber saw the lifecycle event"
api 2 "$(R '<lu action="get" name="db1"/>')"; has '<lu name="db1"'; has 'size="16777216"'
api 1 "$(R '<pool action="get"/>')"; has 'made="true"'; has 'lus="1"'
# each refusal of create
api 1 "$(R "<lu action=\"create\" name=\"db1\" backing=\"$backing\" offset=\"16777216\" size=\"4096\"/>")" 6; exc EXISTS
api 1 "$(R "<lu action=\"create\" name=\"db2\" backing=\"$backing\" size=\"4096\"/>")" 6; exc OVERLAP
api 1 "$(R "<lu action=\"create\" name=\"db2\" backing=\"$backing\" offset=\"67108864\" size=\"4096\"/>")" 6; exc BEYOND_BACKING
api 1 "$(R "<lu action=\"create\" name=\"db2\" backing=\"$ROOT/none.img\" size=\"4096\"/>")" 6; exc BAD_VALUE
api 1 "$(R "<lu action=\"create\" name=\"db2\" backing=\"$backing\" offset=\"16777216\" size=\"100\"/>")" 6; exc BAD_VALUE
ok "lu create refusals: EXISTS, OVERLAP, BEYOND_BACKING, BAD_VALUE (backing, region)"

# --- from a VIOS (a caller of node 2's daemon, through the C binding): dom0's writes are refused
snapshot before
R "<lu action=\"create\" name=\"db9\" backing=\"$backing\" offset=\"33554432\" size=\"4096\"/>" | vt 2; vt_rc 6; exc DOM0_ONLY
R '<lu action="delete" name="db1"/>' | vt 2; vt_rc 6; exc DOM0_ONLY
R '<lu action="get" name="db1"/>' | vt 2; vt_rc 0; has '<lu name="db1"'
timeout 60 "$VT" "$ROOT" 3 build node get id=1 >"$ROOT/resp" || fail "vio_tool build node get"
has '<vioRequest version="1"><node action="get" id="1"/></vioRequest>'; has '<node id="1" domid="101"'
snapshot after; cmp -s "$ROOT/snap.before" "$ROOT/snap.after" || fail "a refused write changed the pool"
ok "the C binding: reads served, LU create/delete asked of a VIOS refused DOM0_ONLY, nothing changed"

# --- malformed, oversized and hostile XML, to the daemons through the binding and through xvios api
printf '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><vioRequest version="1"><lu action="get" name="&lol3;"/></vioRequest>' \
    | vt 1; vt_rc 6; exc FORBIDDEN_MARKUP
printf '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><vioRequest version="1"><lu action="get" name="&x;"/></vioRequest>' \
    | vt 1; vt_rc 6; exc FORBIDDEN_MARKUP
printf '<!DOCTYPE vioRequest SYSTEM "http://127.0.0.1:9/vio.dtd"><vioRequest version="1"><cluster action="get"/></vioRequest>' \
    | vt 2; vt_rc 6; exc FORBIDDEN_MARKUP
python3 -c 'print("<a>" * 20000)' | vt 3; vt_rc 6; exc TOO_COMPLEX
python3 -c 'print("<vioRequest version=\"1\"><lu action=\"get\" name=\"" + "a" * 60000 + "\"/></vioRequest>")' | vt 1; vt_rc 6
exc TOO_COMPLEX
python3 -c 'print("<vioRequest version=\"1\"><lu action=\"get\" name=\"" + "a" * 70000 + "\"/></vioRequest>")' | vt 1; vt_rc 6
exc TOO_LARGE; has 'at most 61440 bytes'
printf '<vioRequest version="1"><lu action="get" name="db1">' | vt 1; vt_rc 6; exc NOT_XML
printf '\0\1\2garbage' | vt 1; vt_rc 6; exc NOT_XML
printf '' | vt 1; vt_rc 6; exc NOT_XML
api 1 '<vioRequest version="1"><lu action="explode" name="db1"/></vioRequest>' 6; exc INVALID
api 2 '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/shadow">]><vioRequest version="1"><lu action="delete" name="&e;"/></vioRequest>' 6
exc FORBIDDEN_MARKUP
python3 -c 'print("<vioRequest version=\"1\"><cluster action=\"get\"/></vioRequest>" + " " * 70000)' \
    | timeout 60 "$XVIOS" --root "$ROOT" --node 1 api >"$ROOT/resp" 2>&1; [ $? -eq 6 ] || fail "xvios api oversized"
exc TOO_LARGE
snapshot hostile; cmp -s "$ROOT/snap.before" "$ROOT/snap.hostile" || fail "hostile XML changed the pool"
for n in 1 2 3; do
    api "$n" "$(R '<cluster action="get"/>')"
done
ok "hostile XML: VIOExceptions (FORBIDDEN_MARKUP, TOO_COMPLEX, INVALID, TOO_LARGE, NOT_XML), nothing changed, every daemon serves"

# --- LU delete through node 2; again: NOT_FOUND
api 2 "$(R '<lu action="delete" name="db1"/>')"; has 'action="delete"'; has '<lu name="db1"'
wait_for 20 grep -q '"action": "deleted", "type": "LU", "key": "db1", "by": "0", "via": "2"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "no deleted event on node 2"; }
api 1 "$(R '<lu action="delete" name="db1"/>')" 6; exc NOT_FOUND
api 3 "$(R '<lu action="get" name="db1"/>')" 6; exc NOT_FOUND
ok "LU deleted through node 2 (event seen), deleted again: NOT_FOUND"

# the alert-only stream saw no lifecycle event; the lifecycle stream only LU lifecycle events
sleep 0.5
! grep -q lifecycle "$ROOT/alert2.json" || { cat "$ROOT/alert2.json"; fail "an alert-only subscriber got a lifecycle event"; }
python3 - "$ROOT/ev2.json" <<'PY' || fail "the lifecycle stream is not only LU lifecycle events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert [e["action"] for e in ev] == ["created", "deleted"], ev
assert all(e["event"] == "lifecycle" and e["type"] == "LU" for e in ev), ev
PY
ok "events --category/--type: each stream got exactly its events"
