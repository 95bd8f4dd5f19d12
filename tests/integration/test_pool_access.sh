#!/usr/bin/env bash
# Several pools with access lists on a 2-VIOS loopback cluster (docs/pool.md, "Several pools"):
# two pools with an LU each (regions of one backing file); client A is in pool gold's access list
# only (named by its domain name, resolved to its uuid), client B in silver's only (by uuid). An
# attach of silver's LU to A is refused with exit 16 and its reason, by `scsi attach`, by `--config`,
# and by the API's mapping create (VIOException ACCESS_DENIED), and so is the whole backing by path;
# none of them writes anything (the backend and frontend nodes and the VTD table read back as
# before). The attach of gold's LU to A works and A writes and reads through it. Every new node of
# the pool table (and the LU's pool leaf) has dom0 as owner and READ for each member, nothing for
# anyone else. A list change keeps A's mapping (listed as not in the access list) but refuses a new
# one; a pool is not deleted while it has LUs, the default pool never; the API's pool actions.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
XS="$XVIOS_TESTS/vscsi_xs_tool"

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
# expect CODE WHAT COMMAND...: the command must exit with CODE
expect() {
    local want=$1 what=$2 rc; shift 2
    "$@" >"$ROOT/expect.out" 2>&1; rc=$?
    [ $rc -eq "$want" ] || { cat "$ROOT/expect.out"; fail "$what: exit $rc, wanted $want"; }
}
said() { grep -q -- "$1" "$ROOT/expect.out" || { cat "$ROOT/expect.out"; fail "the message lacks: $1"; }; }
R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
# api NODE XML WANT_RC: `xvios --node NODE api` in dom0, the response in $ROOT/resp
api() {
    local rc
    printf '%s' "$2" | timeout 90 "$XVIOS" --root "$ROOT" --node "$1" api >"$ROOT/resp" 2>"$ROOT/resp.err"; rc=$?
    [ $rc -eq "$3" ] || { cat "$ROOT/resp" "$ROOT/resp.err"; fail "api on node $1: exit $rc, wanted $3: $2"; }
}
has() { grep -q -- "$1" "$ROOT/resp" || { cat "$ROOT/resp"; fail "response lacks $1"; }; }
# everything an attach writes: the VIOSes' backend dirs, the clients' frontend dirs, the VTD table
snapshot() {
    find "$ROOT" \( -path '*backend/vscsi*' -o -path '*device/vscsi*' -o -path '*xvios/vtds*' \) | sort >"$ROOT/snap.$1"
}

up 2
client 7 client-a
client 8 client-b
uuid_a=$(cat "$ROOT/domains/7/uuid")
uuid_b=$(cat "$ROOT/domains/8/uuid")
backing=$(lu_file pools 16)

# ---------------------------------------------------------------- two pools, an LU in each
x pool create gold --access client-a >"$ROOT/gold.out" || fail "pool create gold"
grep -q "created pool gold, access: $uuid_a (client-a)" "$ROOT/gold.out" || { cat "$ROOT/gold.out"; fail "client-a resolved"; }
x pool create silver --access "$uuid_b" >/dev/null || fail "pool create silver"
x lu create g1 --size 8M --backing "$backing" --pool gold >/dev/null || fail "lu create g1 in gold"
x lu create s1 --size 8M --offset 8M --backing "$backing" --pool silver >/dev/null || fail "lu create s1 in silver"
expect 31 "a pool of a taken name" x pool create gold
expect 31 "the default pool" x pool create default
expect 30 "a bad pool name" x pool create 'a.b'
expect 34 "an unknown client" x pool create p --access client-a,nobody-such
said "no client is named nobody-such"
expect 34 "a domid as a client" x pool create p --access 7
expect 32 "an LU in a pool that is not there" x lu create z --size 4K --offset 1M --backing "$backing" --pool nosuch
expect 32 "modify a pool that is not there" x pool modify nosuch --access '*'
x --json pool list >"$ROOT/pools.json" || fail "pool list"
json_check "$ROOT/pools.json" "[(p['name'], p['lus'], p['any_client']) for p in j['pools']] == \
    [('default', 0, True), ('gold', 1, False), ('silver', 1, False)] and \
    [c['uuid'] for c in j['pools'][1]['access']] == ['$uuid_a'] and j['pools'][1]['access'][0]['name'] == 'client-a' \
    and [c['uuid'] for c in j['pools'][2]['access']] == ['$uuid_b']" || fail "pool list --json"
x --json lu show s1 >"$ROOT/s1.json" || fail "lu show s1"
json_check "$ROOT/s1.json" "j['pool'] == 'silver'" || fail "lu show: the LU's pool"
ok "pools gold (client-a, by name) and silver (client-b, by uuid) with an LU each; refusals 30, 31, 32, 34"

# ---------------------------------------------------------------- the permissions of every new node
members="0:n 101:r 102:r"
for node in /xvios/pools /xvios/pools/gold /xvios/pools/gold/created /xvios/pools/gold/access \
            "/xvios/pools/gold/access/$uuid_a" /xvios/pools/silver "/xvios/pools/silver/access/$uuid_b" \
            /xvios/pool/lus/g1/pool /xvios/pool/lus/s1/pool; do
    [ "$("$XS" "$ROOT" perms "$node")" = "$members" ] || { "$XS" "$ROOT" perms "$node"; fail "permissions of $node"; }
done
[ "$("$XS" "$ROOT" read /xvios/pools/gold/access)" = list ] || fail "gold's access mode"
[ "$("$XS" "$ROOT" read "/xvios/pools/gold/access/$uuid_a")" = client-a ] || fail "gold's entry of client-a"
[ "$("$XS" "$ROOT" read /xvios/pool/lus/s1/pool)" = silver ] || fail "s1's pool leaf"
ok "every new node: owner dom0, READ for nodes 1 and 2 ($members), nothing for the clients"

# ---------------------------------------------------------------- refused: nothing written
snapshot before
expect 16 "silver's LU to client-a" x scsi attach client-a s1 0:0:0:0 --vios 1 --timeout 5000
said "domain 7 (client-a) is not in the access list of pool silver"
expect 16 "the whole backing (silver's LU on it) by path" x scsi attach client-a "$backing" 0:0:0:0 --vios 1 --timeout 5000
said "may not have the whole backing: it holds LU s1 of pool silver"
cat >"$ROOT/client-a.cfg" <<EOF
name = "client-a"
vscsi = [ 's1,0:0:0:0' ]
EOF
expect 16 "silver's LU to client-a through --config" x scsi attach --config "$ROOT/client-a.cfg" --vios 1 --timeout 5000
api 1 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:0" lu="s1" node="1"/>')" 6
has 'status="exception"'
has '<VIOException code="ACCESS_DENIED">domain 7 (client-a) is not in the access list of pool silver'
snapshot after
cmp -s "$ROOT/snap.before" "$ROOT/snap.after" || { diff "$ROOT/snap.before" "$ROOT/snap.after"; fail "a refused attach wrote"; }
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0 >/dev/null 2>&1 && fail "a VTD record of a refused attach"
[ -z "$(find "$ROOT" -path '*device/vscsi*' -print -quit)" ] || fail "a frontend dir of a refused attach"
ok "silver's LU to client-a: refused (16) by scsi attach, by path, by --config; ACCESS_DENIED by the API; nothing written"

# ---------------------------------------------------------------- allowed: client-a reads and writes gold's LU
x scsi attach client-a g1 0:0:0:0 --vios 1 >"$ROOT/attach-g1.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach of g1 wrote no frontend node"
front 7 $VIOS1 0 readcap:0:8388608 fill:0:4:aa expect:0:4:aa close &
fpid=$!
wait $apid || { cat "$ROOT/attach-g1.out"; fail "scsi attach client-a g1"; }
wait $fpid || { front_out 7 0; fail "client-a's frontend on g1"; }
python3 - "$backing" <<'PY' || fail "the backing does not hold what client-a wrote"
import sys
d = open(sys.argv[1], 'rb').read()
M = 1 << 20
assert d[0:4*M] == b'\xaa' * (4*M) and d[4*M:] == bytes(len(d) - 4*M)
PY
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0 | grep -q '^pool-lu=g1$' || fail "the VTD record of g1's mapping"
ok "gold's LU to client-a: attached through node 1, 8 MiB, 0xaa written and read back (and only in g1's region)"

# ---------------------------------------------------------------- a list change keeps the mapping, refuses new ones
x pool modify gold --access "$uuid_b" >/dev/null || fail "pool modify gold"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-0/xvios-lu)" = g1 ] || fail "the mapping was torn down by a list change"
x --json pool get gold >"$ROOT/gold.json" || fail "pool get gold"
json_check "$ROOT/gold.json" "[(m['client'], m['vdev'], m['lu'], m['vios_node']) for m in j['not_in_access_list']] == \
    [(7, '0:0:0:0', 'g1', 1)]" || fail "pool get: client-a's mapping not in the access list"
x pool get gold | grep -q "^not in access list: domain 7 (client-a) has LU g1 as 0:0:0:0 through node 1" \
    || { x pool get gold; fail "pool get's line"; }
expect 16 "a new mapping of gold's LU to client-a" x scsi attach client-a g1 0:0:0:1 --vios 1 --timeout 5000
ok "pool modify: client-a's mapping kept and listed as not in the access list, a new one refused (16)"

# ---------------------------------------------------------------- delete
expect 33 "delete while it has LUs" x pool delete gold
said "pool gold has 1 LU(s)"
expect 35 "delete the default pool" x pool delete default
x scsi detach client-a 0:0:0:0 >/dev/null 2>&1 || fail "detach client-a"
x lu rm g1 >/dev/null || fail "lu rm g1"
x pool delete gold >/dev/null || fail "pool delete gold"
expect 32 "get after delete" x pool get gold
"$XS" "$ROOT" read /xvios/pools/gold/access >/dev/null 2>&1 && fail "gold's nodes are left"
ok "pool delete refused (33) while it has LUs, never for the default pool (35), done once empty"

# ---------------------------------------------------------------- the API's pool actions
"$XVIOS" --root "$ROOT" --node 1 --json events --category lifecycle --type pool >"$ROOT/ev1.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 1 --json nodes | grep -q '\"node\": 1, .*\"callers\": 2'" \
    || fail "the event stream on node 1 did not attach"
api 2 "$(R '<pool action="create" name="bronze" access="client-b"/>')" 0
has 'object="pool" action="create"'; has "<client uuid=\"$uuid_b\" name=\"client-b\"/>"
api 2 "$(R '<pool action="modify" name="bronze" access="*"/>')" 0; has '<pool name="bronze" access="any"'
api 2 "$(R '<pool action="delete" name="silver"/>')" 6; has '<VIOException code="IN_USE">'
api 2 "$(R '<pool action="get" name="nosuch"/>')" 6; has '<VIOException code="NOT_FOUND">'
R '<pool action="delete" name="bronze"/>' | timeout 60 "$XVIOS_TESTS/vio_tool" "$ROOT" 1 send >"$ROOT/resp" 2>&1
has '<VIOException code="DOM0_ONLY">'
R '<pool action="list"/>' | timeout 60 "$XVIOS_TESTS/vio_tool" "$ROOT" 1 send >"$ROOT/resp" 2>&1 || fail "pool list from node 1"
has 'node="1" object="pool" action="list"'; has '<pool name="bronze" access="any"'; has '<pool name="silver" access="list" lus="1"'
api 2 "$(R '<pool action="delete" name="bronze"/>')" 0
for action in created modified deleted; do
    wait_for 20 grep -q "\"action\": \"$action\", \"type\": \"pool\", \"key\": \"bronze\", \"by\": \"0\", \"via\": \"2\"" \
        "$ROOT/ev1.json" || { cat "$ROOT/ev1.json"; fail "node 1's subscriber did not see pool bronze $action through node 2"; }
done
ok "the API: pool create/modify/delete in dom0 (node 1's subscriber saw each Lifecycle event), IN_USE, NOT_FOUND, DOM0_ONLY from a daemon, list read by node 1"

# ---------------------------------------------------------------- the typed command runs on the API; long lists
# `xvios pool` reads through the API in dom0 (no daemon asked) as it writes: the same answer as the API's.
api 2 "$(R '<pool action="get" name="silver"/>')" 0; has "<client uuid=\"$uuid_b\""
x --json pool get silver >"$ROOT/silver.json" || fail "pool get silver"
json_check "$ROOT/silver.json" "[c['uuid'] for c in j['access']] == ['$uuid_b'] and j['lus'] == 1" \
    || fail "pool get silver --json"
# 40 uuids: longer than a request's value (1280 bytes), set by `xvios pool` all the same (up to 256 clients)
long=$(python3 -c "import uuid; print(','.join(str(uuid.UUID(int=i + 1, version=4)) for i in range(40)))")
[ ${#long} -gt 1280 ] || fail "the long list is not long"
x pool create wide --access "$long" >/dev/null || fail "pool create with 40 uuids"
x --json pool get wide >"$ROOT/wide.json" || fail "pool get wide"
json_check "$ROOT/wide.json" "len(j['access']) == 40 and not j['any_client']" || fail "pool wide's 40 clients"
x pool modify wide --access "$long,$uuid_a" >/dev/null || fail "pool modify with 41 uuids"
x --json pool list >"$ROOT/pools2.json" || fail "pool list"
json_check "$ROOT/pools2.json" "[len(p['access']) for p in j['pools'] if p['name'] == 'wide'] == [41]" \
    || fail "pool list: wide's 41 clients"
expect 34 "a long list with an unknown name" x pool modify wide --access "$long,nobody-such"
said "no client is named nobody-such"
x pool delete wide >/dev/null || fail "pool delete wide"
expect 34 "a space in the list" x pool create p --access "client-a client-b"
expect 34 "a control character in the list" x pool create p --access "$(printf 'client-a\001')"
ok "xvios pool through the API in dom0; an access list of 40 and 41 uuids (over a request's 1280 bytes) set all the same"
