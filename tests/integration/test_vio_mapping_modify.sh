#!/usr/bin/env bash
# Mapping modify (docs/api.md): the mode of a client's LUN changed through the API (dom0, announced
# through node 2) by plugging the LUN out and in again on its VIOS. Client A has LUN 0 (read-write,
# kept busy with verified writes) and LUN 1 (read-only) from VIOS 1; LUN 1 is made read-write while LUN
# 0 is busy: the frontend sees LUN 1 go and come back and writes and reads back 1 MiB on it, the VTD
# record and the backend's mode say read-write, node 2's subscriber sees one modified event. Refusals:
# the same mode again (BAD_VALUE), an unknown vdev (NOT_FOUND), asked of a VIOS (DOM0_ONLY), each with
# the backend nodes and the VTD table as they were. Then read-only again through node 1.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"

x() { timeout 90 "$XVIOS" --root "$ROOT" "$@"; }
R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
api() {
    local rc
    printf '%s' "$2" | x --node "$1" api >"$ROOT/resp" 2>"$ROOT/resp.err"; rc=$?
    [ $rc -eq "${3:-0}" ] || { cat "$ROOT/resp" "$ROOT/resp.err"; front_out 7 0; fail "api on node $1: exit $rc, wanted ${3:-0}: $2"; }
}
has() { grep -q -- "$1" "$ROOT/resp" || { cat "$ROOT/resp"; fail "response lacks $1"; }; }
exc() { has "status=\"exception\""; has "<VIOException code=\"$1\">[^<]"; }
be_snapshot() {
    find "$ROOT" -path '*backend/vscsi*' | sort >"$ROOT/be.$1"
    "$XS_TOOL" "$ROOT" read /xvios/vtds/7-0-0-0-1 >>"$ROOT/be.$1" 2>&1
}

up 2
client 7 client-a
x lu create db0 --size 16M --backing "$(lu_file a 16)" >/dev/null || fail "lu create db0"
x lu create db1 --size 8M --backing "$(lu_file b 8)" >/dev/null || fail "lu create db1"
"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle --type mapping >"$ROOT/map2.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 2'" \
    || fail "the event stream did not attach"

# LUN 0 read-write and LUN 1 read-only, both through VIOS 1, before the frontend connects
printf "vscsi = [ 'db0,0:0:0:0', 'db1,0:0:0:1,ro' ]\n" >"$ROOT/client-a.cfg"
x scsi attach --config "$ROOT/client-a.cfg" client-a --vios 1 >"$ROOT/attach.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node"
front 7 $VIOS1 0 busy:0:50 close &
fpid=$!
wait $apid || { cat "$ROOT/attach.out"; fail "attach --config"; }
wait_for 30 grep -q '^ok: hot-added LUN 1: read-only (WRITE: DATA PROTECT)' "$ROOT/front-7-0.out" \
    || { front_out 7 0; fail "the client did not find LUN 1 read-only"; }
api 1 "$(R '<mapping action="get" client="client-a" vdev="0:0:0:1"/>')"; has 'poolLu="db1" readOnly="true"'

# --- refusals: nothing plugged, nothing written
be_snapshot before
api 2 "$(R '<mapping action="modify" client="client-a" vdev="0:0:0:1" readOnly="true"/>')" 6; exc BAD_VALUE
api 2 "$(R '<mapping action="modify" client="client-a" vdev="0:0:0:7" readOnly="false"/>')" 6; exc NOT_FOUND
R '<mapping action="modify" client="client-a" vdev="0:0:0:1" readOnly="false"/>' \
    | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1
exc DOM0_ONLY
be_snapshot after
cmp -s "$ROOT/be.before" "$ROOT/be.after" || { diff "$ROOT/be.before" "$ROOT/be.after"; fail "a refused modify changed something"; }
ok "mapping modify refusals: BAD_VALUE (the same mode), NOT_FOUND, DOM0_ONLY from a VIOS; nodes and VTD record unchanged"

# --- LUN 1 made read-write through node 2, while LUN 0 is busy
api 2 "$(R '<mapping action="modify" client="client-a" vdev="0:0:0:1" readOnly="false"/>')"
has 'object="mapping" action="modify"'; has 'vdev="0:0:0:1" node="1"'; has 'poolLu="db1" readOnly="false" state="connected"'
"$XS_TOOL" "$ROOT" read /xvios/vtds/7-0-0-0-1 | grep -q '^ro=0$' || fail "the VTD record is not read-write"
api 1 "$(R '<mapping action="get" client="client-a" vdev="0:0:0:1"/>')"; has 'readOnly="false"'
wait_for 20 grep -q '"action": "modified", "type": "mapping", "key": "7:0:0:0:1", "by": "0", "via": "2"' "$ROOT/map2.json" \
    || { cat "$ROOT/map2.json"; fail "node 2 saw no modified event"; }
wait_for 30 grep -q '^ok: hot-added LUN 1: 1 MiB pattern written and read back' "$ROOT/front-7-0.out" \
    || { front_out 7 0; fail "the client did not write to LUN 1 once it was read-write"; }
grep -q '^ok: LUN 0:0:1 (dev-1) removed' "$ROOT/front-7-0.out" || { front_out 7 0; fail "the client did not see LUN 1 go"; }
ok "LUN 1 made read-write through node 2 while LUN 0 was busy: plugged out and in, the client wrote 1 MiB on it; VTD ro=0"

# --- and read-only again, through the typed path's node 1: the client meets DATA PROTECT once more
api 1 "$(R '<mapping action="modify" client="7" vdev="0:0:0:1" readOnly="true"/>')"
has 'poolLu="db1" readOnly="true" state="connected"'
wait_for 30 sh -c "[ \$(grep -c '^ok: hot-added LUN 1: read-only' '$ROOT/front-7-0.out') -eq 2 ]" \
    || { front_out 7 0; fail "the client did not find LUN 1 read-only again"; }
wait $fpid || { front_out 7 0; fail "the busy client"; }
grep -q '^ok: busy LUN 0: .* 0 removed' "$ROOT/front-7-0.out" && { front_out 7 0; fail "no removal counted"; }
sleep 4   # past the grace (2.5 s)
python3 - "$ROOT/map2.json" <<'PY' || fail "node 2's mapping events are not the two modifications"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = sorted((e["action"], e["key"], e["via"]) for e in ev if e["event"] == "lifecycle")
# the attach (no node named: raised by node 2's watch), then the two modifications, each once (the VTD
# record's removal and rewrite by the re-plug are the same change, not a deletion and a creation)
assert got == [("created", "7:0:0:0:0", "2"), ("created", "7:0:0:0:1", "2"),
               ("modified", "7:0:0:0:1", "1"), ("modified", "7:0:0:0:1", "2")], got
PY
ok "LUN 1 read-only again through node 1; LUN 0 busy throughout; node 2 saw the attach and the two modifications, each once"
