#!/usr/bin/env bash
# Reservations that hold cluster-wide, on a 3-VIOS loopback cluster with one
# pool LU served to client A through VIOS 1 and to client B through VIOS 2
# (and to client C through VIOS 3, to look): both register, A reserves Write
# Exclusive, B's WRITE gets RESERVATION CONFLICT and its READ succeeds, B
# preempts, A gets REGISTRATIONS PREEMPTED, B releases and clears; then A and
# B race 500 PR OUTs each through their VIOSes, and READ FULL STATUS through
# all three VIOSes is the same byte for byte, as is the DB's generation;
# finally A reserves, VIOS 2's processes are SIGKILLed and restarted, and the
# restarted VIOS serves the same reservation (B's WRITE conflicts, READ
# RESERVATION shows A's key).
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
VIOS2=102
VIOS3=103
RACE=500

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
# session CLIENT DOMID NODE VIOS_DOMID VHOST [--shared] -- STEP...: attach pr-lu as VHOST:0:0:0 through NODE and
# run the loopback frontend with STEPs in the background (its pid in $spid, the attach's in $apid)
session() {
    local name=$1 dom=$2 node=$3 vdom=$4 vh=$5 opts=(); shift 5
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    x scsi attach "$name" pr-lu "$vh:0:0:0" --vios "$node" "${opts[@]}" >"$ROOT/attach-$dom-$vh.out" 2>&1 &
    apid=$!
    fe_wait "$dom" "$vh" backend-id "$vdom" 20 || fail "attach through node $node wrote no frontend node"
    front "$dom" "$vdom" "$vh" "$@" &
    spid=$!
}
# finish APID SPID DOM VHOST WHAT
finish() {
    wait "$1" || { cat "$ROOT/attach-$3-$4.out"; fail "attach for $5"; }
    wait "$2" || { front_out "$3" "$4"; fail "$5"; }
}
status_of() { grep "^ok: PR IN LUN 0 sa $2: " "$ROOT/front-$1.out" | tail -1 | sed 's/.*: //'; }
db_gen() { "$XS_TOOL" "$ROOT" read /xvios/pr/pr-lu/gen; }

up 3
client 7 client-a
client 8 client-b
client 9 client-c
backing=$(lu_file shared 64)
x lu create pr-lu --size 16M --backing "$backing" >/dev/null || fail "lu create pr-lu"

# ---------------------------------------------------------------- A and B, in step, through VIOS 1 and 2
session client-a 7 1 $VIOS1 0 -- \
    pr:0:0:0:0:aaaa:0 post:a-reg await:b-reg \
    pr:0:1:1:aaaa:0:0 post:a-res await:b-pre \
    ua:0:2a05 rw:0:w:18 rw:0:r:0 pr:0:1:1:aaaa:0:18 post:a-saw await:b-clear \
    rw:0:w:0 post:a-race-ready await:b-race-ready race:0:$RACE:a000 post:a-raced await:b-raced prin:0:3 \
    await:b-read await:c-read pr:0:1:1:$(printf %x $((0xa000 + RACE))):0:0 rw:0:w:0 close
apid_a=$apid spid_a=$spid
session client-b 8 2 $VIOS2 0 --shared -- \
    await:a-reg pr:0:0:0:0:bbbb:0 post:b-reg await:a-res \
    rw:0:w:18 rw:0:r:0 pr:0:4:1:bbbb:aaaa:0 post:b-pre await:a-saw \
    rw:0:w:0 pr:0:2:1:bbbb:0:0 pr:0:3:0:bbbb:0:0 post:b-clear \
    post:b-race-ready await:a-race-ready race:0:$RACE:b000 post:b-raced await:a-raced prin:0:3 post:b-read close
apid_b=$apid spid_b=$spid
session client-c 9 3 $VIOS3 0 --shared -- await:a-raced await:b-raced prin:0:3 prin:0:0 post:c-read close
apid_c=$apid spid_c=$spid
finish $apid_a $spid_a 7 0 "client A through VIOS 1"
finish $apid_b $spid_b 8 0 "client B through VIOS 2"
finish $apid_c $spid_c 9 0 "client C through VIOS 3"
grep -q "^ok: WRITE LUN 0: status 0x18" "$ROOT/front-8-0.out" || fail "B's WRITE under A's reservation"
grep -q "^ok: unit attention 2a05 on LUN 0" "$ROOT/front-7-0.out" || fail "A's REGISTRATIONS PREEMPTED"
ok "A reserved WE through VIOS 1: B's WRITE through VIOS 2 conflicted, its READ went; B preempted, A got 2a05"
ok "B released and cleared through VIOS 2: A writes again through VIOS 1"

# ---------------------------------------------------------------- after the race: one state everywhere
fs_a=$(status_of 7-0 3); fs_b=$(status_of 8-0 3); fs_c=$(status_of 9-0 3)
[ -n "$fs_a" ] && [ "$fs_a" = "$fs_b" ] && [ "$fs_b" = "$fs_c" ] || {
    printf 'A %s\nB %s\nC %s\n' "$fs_a" "$fs_b" "$fs_c"; fail "READ FULL STATUS differs between the VIOSes"; }
keys=$(status_of 9-0 0)
python3 - "$keys" "$RACE" <<'PY' || fail "READ KEYS through VIOS 3 after the race: $keys"
import sys
d = bytes.fromhex(sys.argv[1]); n = int(sys.argv[2])
gen, ln = int.from_bytes(d[0:4], 'big'), int.from_bytes(d[4:8], 'big')
keys = sorted(int.from_bytes(d[8 + 8 * i:16 + 8 * i], 'big') for i in range(ln // 8))
assert keys == [0xa000 + n, 0xb000 + n], keys
PY
gen=$(python3 -c 'import sys; print(int.from_bytes(bytes.fromhex(sys.argv[1])[0:4], "big"))' "$fs_c")
ms_a=$(sed -n 's/^ok: .* REGISTER AND IGNORE .* in \([0-9]*\) ms$/\1/p' "$ROOT/front-7-0.out")
ms_b=$(sed -n 's/^ok: .* REGISTER AND IGNORE .* in \([0-9]*\) ms$/\1/p' "$ROOT/front-8-0.out")
gen_db=$(db_gen)
[ "$gen_db" = $((7 + 2 * RACE)) ] || fail "the DB's generation is $gen_db, expected $((7 + 2 * RACE))"
ok "$((2 * RACE)) racing PR OUTs through VIOS 1 and 2: READ FULL STATUS identical through all three VIOSes \
(PRgeneration $gen), both last keys registered; DB generation $gen_db: one per change (+ A's reservation); \
$RACE each took ${ms_a} ms (A) and ${ms_b} ms (B)"

# ---------------------------------------------------------------- a VIOS killed and restarted keeps serving it
# (A reserved Write Exclusive again after the race, above)
bpid=$(node_pid 2 backend); dpid=$(node_pid 2 xviosd)
[ -n "$bpid" ] && [ -n "$dpid" ] || fail "no pids of node 2"
kill -KILL "$bpid" "$dpid"
wait_for 20 sh -c "! kill -0 $bpid 2>/dev/null && ! kill -0 $dpid 2>/dev/null" || fail "node 2 did not die"
timeout 60 "$XVIOS" --root "$ROOT" local start --node 2 >"$ROOT/start.out" 2>&1 || { cat "$ROOT/start.out"; fail "restart"; }
session client-b 8 2 $VIOS2 1 --shared -- rw:0:w:18 rw:0:r:0 prin:0:1 close
finish $apid $spid 8 1 "B through the restarted VIOS 2"
res=$(status_of 8-1 1)
python3 - "$res" "$RACE" <<'PY' || fail "READ RESERVATION through the restarted VIOS 2: $res"
import sys
d = bytes.fromhex(sys.argv[1]); n = int(sys.argv[2])
assert int.from_bytes(d[4:8], 'big') == 16, "one reservation"
assert int.from_bytes(d[8:16], 'big') == 0xa000 + n, "A's key"
assert d[21] & 0x0f == 1, "Write Exclusive"
PY
grep -q "reservation state of generation $((7 + 2 * RACE)) installed" "$ROOT"/nodes/2/backend.log ||
    fail "the restarted VIOS 2 did not read the state from the DB"
ok "VIOS 2 SIGKILLed and restarted: it read generation $((7 + 2 * RACE)) from the DB and serves A's reservation"
