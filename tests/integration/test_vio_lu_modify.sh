#!/usr/bin/env bash
# LU modify (docs/api.md) on a 2-VIOS loopback cluster: a pool LU served to client A through VIOS 1
# grows through the API (dom0, announced through node 2): VIOS 1's engine follows the DB, the client
# meets CAPACITY DATA HAS CHANGED, READ CAPACITY says the new size and it writes and reads back data
# past the old end; node 2's subscriber sees one modified event. Each refusal (SHRINK, OVERLAP,
# BEYOND_BACKING, BAD_VALUE, NOT_FOUND; DOM0_ONLY asked of a VIOS) is a VIOException with the pool
# unchanged; `xvios lu modify` sets the read-only flag (raised by the watch, once) and refuses a
# shrink (exit 28) and a no-op (exit 29).
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"
MiB=1048576

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
api() {   # api NODE XML [WANT_RC]: xvios api in dom0, announced through NODE; response in $ROOT/resp
    local rc
    printf '%s' "$2" | x --node "$1" api >"$ROOT/resp" 2>"$ROOT/resp.err"; rc=$?
    [ $rc -eq "${3:-0}" ] || { cat "$ROOT/resp" "$ROOT/resp.err"; fail "api on node $1: exit $rc, wanted ${3:-0}: $2"; }
}
has() { grep -q -- "$1" "$ROOT/resp" || { cat "$ROOT/resp"; fail "response lacks $1"; }; }
exc() { has "status=\"exception\""; has "<VIOException code=\"$1\">[^<]"; }
snapshot() { api 1 "$(R '<lu action="list"/>')"; cp "$ROOT/resp" "$ROOT/snap.$1"; }

up 2
"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle --type LU >"$ROOT/lu2.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 2'" \
    || fail "the event stream did not attach"
client 7 client-a
backing=$(lu_file grow 64)
x lu create gl --size 16M --backing "$backing" >/dev/null || fail "lu create gl"
x lu create nb --size 8M --offset 48M --backing "$backing" >/dev/null || fail "lu create nb"

# client A on gl through VIOS 1: 16 MiB, then (after the grow) the unit attention and 32 MiB
x scsi attach client-a gl 0:0:0:0 --vios 1 >"$ROOT/attach.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node"
front 7 $VIOS1 0 readcap:0:$((16 * MiB)) post:attached await:grown ua:0:2a09 readcap:0:$((32 * MiB)) \
    fill:0:24:ab expect:0:24:ab close &
fpid=$!
wait $apid || { cat "$ROOT/attach.out"; fail "attach gl"; }
wait_for 30 test -e "$ROOT/attached" || { front_out 7 0; fail "the client did not read its capacity"; }

# --- refusals first: each a VIOException, the pool unchanged
snapshot before
api 2 "$(R '<lu action="modify" name="gl" size="8388608"/>')" 6; exc SHRINK
api 2 "$(R '<lu action="modify" name="gl" size="67108864"/>')" 6; exc OVERLAP
api 2 "$(R '<lu action="modify" name="nb" size="33554432"/>')" 6; exc BEYOND_BACKING
api 2 "$(R '<lu action="modify" name="gl" size="16777217"/>')" 6; exc BAD_VALUE
api 2 "$(R '<lu action="modify" name="gl" readOnly="false"/>')" 6; exc BAD_VALUE
api 2 "$(R '<lu action="modify" name="nope" size="33554432"/>')" 6; exc NOT_FOUND
R '<lu action="modify" name="gl" size="33554432"/>' | timeout 60 "$VT" "$ROOT" 2 send >"$ROOT/resp" 2>&1
exc DOM0_ONLY
snapshot after
cmp -s "$ROOT/snap.before" "$ROOT/snap.after" || fail "a refused modify changed the pool"
ok "lu modify refusals: SHRINK, OVERLAP, BEYOND_BACKING, BAD_VALUE (unaligned, nothing to change), NOT_FOUND, DOM0_ONLY from a VIOS; pool unchanged"

# --- the grow, through the API and node 2
api 2 "$(R '<lu action="modify" name="gl" size="33554432"/>')"
has 'object="lu" action="modify"'; has '<lu name="gl"'; has 'size="33554432"'
wait_for 20 grep -q '"action": "modified", "type": "LU", "key": "gl", "by": "0", "via": "2"' "$ROOT/lu2.json" \
    || { cat "$ROOT/lu2.json"; fail "node 2 saw no modified event for gl"; }
wait_for 20 grep -q "LU gl grew from $((16 * MiB)) to $((32 * MiB)) bytes" "$ROOT/nodes/1/backend.log" \
    || fail "VIOS 1's engine did not follow the grow"
touch "$ROOT/grown"
wait $fpid || { front_out 7 0; fail "client A after the grow"; }
grep -q "^ok: unit attention 2a09 on LUN 0" "$ROOT/front-7-0.out" || { front_out 7 0; fail "no CAPACITY DATA HAS CHANGED"; }
ok "gl grown to 32 MiB through node 2: VIOS 1's engine followed, the client met 2a09, read 32 MiB and wrote past the old end"

# --- the typed command: the read-only flag; its refusals
x lu modify gl --ro >/dev/null || fail "xvios lu modify gl --ro"
api 1 "$(R '<lu action="get" name="gl"/>')"; has 'readOnly="true"'
x lu modify gl --ro >/dev/null 2>&1; [ $? -eq 29 ] || fail "lu modify --ro again: not exit 29"
x lu modify gl --size 8M >/dev/null 2>&1; [ $? -eq 28 ] || fail "lu modify --size 8M: not exit 28"
x lu modify gl --ro --rw >/dev/null 2>&1; [ $? -eq 2 ] || fail "lu modify --ro --rw: not a usage error"
wait_for 20 sh -c "[ \$(grep -c '\"action\": \"modified\", \"type\": \"LU\", \"key\": \"gl\"' '$ROOT/lu2.json') -eq 2 ]" \
    || { cat "$ROOT/lu2.json"; fail "node 2 did not see the second modification"; }
sleep 4   # past the grace (2.5 s) in which a second copy could come
[ "$(grep -c '"action": "modified"' "$ROOT/lu2.json")" -eq 2 ] || { cat "$ROOT/lu2.json"; fail "a modification raised twice"; }
grep -q '"action": "modified", "type": "LU", "key": "gl", "by": "0", "via": "2"' "$ROOT/lu2.json" || fail "no watched event"
ok "xvios lu modify --ro (no node named: raised by node 2's watch, once); exit 29 unchanged, 28 shrink, 2 --ro --rw"
