#!/usr/bin/env bash
# The LU pool end to end on a loopback cluster: `xvios lu create` makes two
# LUs as regions of one backing file, every refusal keeps its exit code,
# `xvios scsi attach` takes them by name, the same LU served through two
# VIOSes shows the same WWN and serial in VPD 0x83/0x80 (a multipath client
# sees one disk), a pattern written through one region never shows in the
# other nor outside its region, `lu rm` is refused while the LU is attached
# and accepted after detach, and a removed LU's WWN is not handed out again.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
VIOS2=102

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
# expect CODE WHAT COMMAND...: the command must exit with CODE
expect() {
    local want=$1 what=$2 rc; shift 2
    "$@" >"$ROOT/expect.out" 2>&1; rc=$?
    [ $rc -eq "$want" ] || { cat "$ROOT/expect.out"; fail "$what: exit $rc, wanted $want"; }
}
# attach_front CLIENT DOMID VIOS_NODE VIOS_DOMID VHOST LU [attach options] -- STEP...
# attaches LU as VHOST:0:0:0 and runs the loopback frontend with STEPs until attach and frontend are done
attach_front() {
    local name=$1 dom=$2 node=$3 vdom=$4 vh=$5 lu=$6 opts=() apid fpid; shift 6
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    x scsi attach "$name" "$lu" "$vh:0:0:0" --vios "$node" "${opts[@]}" >"$ROOT/attach-$dom-$vh.out" 2>&1 &
    apid=$!
    fe_wait "$dom" "$vh" backend-id "$vdom" 20 || fail "attach of $lu wrote no frontend node"
    front "$dom" "$vdom" "$vh" "$@" &
    fpid=$!
    wait $apid || { cat "$ROOT/attach-$dom-$vh.out"; fail "xvios scsi attach $name $lu"; }
    wait $fpid || { front_out "$dom" "$vh"; fail "the frontend of domain $dom vhost $vh"; }
}
show_json() { x --json lu show "$1" >"$ROOT/show-$1.json" || fail "lu show $1"; }
wwn_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$ROOT/show-$1.json" "${2:-wwn}"; }

up 2
client 7 client-a
client 8 client-b
backing=$(lu_file shared 64)
MiB=1048576

# ---------------------------------------------------------------- create, list, show
x lu create lu-a --size 16M --backing "$backing" >/dev/null || fail "lu create lu-a"
x lu create lu-b --size 16M --offset 32M --backing "$backing" >/dev/null || fail "lu create lu-b"
x --json lu list >"$ROOT/list.json" || fail "lu list"
json_check "$ROOT/list.json" "[l['name'] for l in j['lus']] == ['lu-a', 'lu-b'] and \
    j['lus'][1]['offset'] == 32 * $MiB and j['lus'][1]['size'] == 16 * $MiB and \
    j['lus'][0]['wwn'] != j['lus'][1]['wwn'] and all(l['attached'] == [] for l in j['lus'])" || fail "lu list --json"
show_json lu-a
show_json lu-b
json_check "$ROOT/show-lu-a.json" "j['wwn'].startswith('naa.65254a5') and len(j['wwn']) == 36 and \
    j['serial'].startswith('XVP') and j['backing'] == '$backing' and not j['read_only']" || fail "lu show --json"
x lu list | grep -q "^lu-b .* 16777216 .* 33554432 rw" || { x lu list; fail "lu list table"; }
ok "two LUs as regions of one backing: listed, each with its own NAA 6 WWN"

# ---------------------------------------------------------------- every refusal
other=$(lu_file other 1)
expect 21 "name taken" x lu create lu-a --size 4096 --backing "$other"
expect 20 "bad name" x lu create 'a/b' --size 4096 --backing "$backing"
expect 20 "a name with a dot" x lu create 'a.img' --size 4096 --backing "$backing"
expect 20 "bad name (show)" x lu show '.x'
expect 22 "size 0" x lu create z --size 0 --backing "$backing" --offset 60M
expect 22 "size not a multiple of 4096" x lu create z --size 1000 --backing "$backing" --offset 60M
expect 22 "offset not a multiple of 4096" x lu create z --size 1M --backing "$backing" --offset 512
expect 23 "beyond the backing" x lu create z --size 16M --offset 56M --backing "$backing"
expect 24 "overlap" x lu create z --size 16M --offset 8M --backing "$backing"
expect 24 "overlap, inside" x lu create z --size 4K --offset 40M --backing "$backing"
expect 27 "relative backing" x lu create z --size 1M --backing lu.img
expect 27 "non-canonical backing" x lu create z --size 1M --backing "$ROOT//lu-shared.img"
expect 27 "missing backing" x lu create z --size 1M --backing "$ROOT/none.img"
expect 25 "unknown (show)" x lu show nope
expect 25 "unknown (rm)" x lu rm nope
expect 2 "bad size" x lu create z --size 12Q --backing "$backing"
expect 2 "no backing" x lu create z --size 1M
expect 12 "attach of an LU the pool has not" x scsi attach client-a nope 0:0:0:0 --vios 1
x lu create z --size 4K --offset 16M --backing "$backing" >/dev/null || fail "a region right after lu-a"
x lu rm z >/dev/null || fail "lu rm z"
ok "refusals: bad name 20, taken 21, bad region 22, beyond 23, overlap 24, unknown 25, bad backing 27, usage 2"

# ---------------------------------------------------------------- served by name through two VIOSes
wwn_a=$(wwn_of lu-a); serial_a=$(wwn_of lu-a serial); wwn_b=$(wwn_of lu-b)
attach_front client-a 7 1 $VIOS1 0 lu-a -- readcap:0:16777216 vpd:0:83 vpd:0:80 fill:0:4:aa expect:0:4:aa \
    beyond:0 close
grep -q "^ok: VPD 0x83 LUN 0: $wwn_a\$" "$ROOT/front-7-0.out" || { front_out 7 0; fail "VPD 0x83 through VIOS 1"; }
grep -q "^ok: VPD 0x80 LUN 0: serial $serial_a\$" "$ROOT/front-7-0.out" || { front_out 7 0; fail "VPD 0x80"; }
grep -q "^ok: WRITE past the end of LUN 0" "$ROOT/front-7-0.out" || fail "a write past the region's end"
ok "lu-a through VIOS 1: 16 MiB, its WWN and serial in VPD 0x83/0x80, nothing written past its end"

expect 13 "lu-a to another client without --shared" x scsi attach client-b lu-a 1:0:0:0 --vios 2 --timeout 2000
expect 13 "the whole backing by path while a region of it is attached" \
    x scsi attach client-b "$backing" 2:0:0:0 --vios 2 --timeout 2000
attach_front client-b 8 2 $VIOS2 0 lu-b -- readcap:0:16777216 vpd:0:83 expect:0:4:00 fill:0:4:bb expect:0:4:bb close
grep -q "^ok: VPD 0x83 LUN 0: $wwn_b\$" "$ROOT/front-8-0.out" || { front_out 8 0; fail "lu-b's VPD 0x83"; }
ok "lu-b through VIOS 2, as another region of the same backing: its own WWN, its region still zero, then 0xbb"

attach_front client-b 8 2 $VIOS2 1 lu-a --shared -- vpd:0:83 vpd:0:80 expect:0:4:aa close
grep -q "^ok: VPD 0x83 LUN 0: $wwn_a\$" "$ROOT/front-8-1.out" || { front_out 8 1; fail "VPD 0x83 through VIOS 2"; }
grep -q "^ok: VPD 0x80 LUN 0: serial $serial_a\$" "$ROOT/front-8-1.out" || fail "VPD 0x80 through VIOS 2"
ok "lu-a through VIOS 2 too: the same WWN $wwn_a and serial, and the data VIOS 1 wrote"

python3 - "$backing" <<'PY' || fail "the backing file does not hold the regions as written"
import sys
d = open(sys.argv[1], 'rb').read()
M = 1 << 20
assert d[0:4*M] == b'\xaa' * (4*M), "lu-a's region"
assert d[4*M:32*M] == bytes(28*M), "between the regions"
assert d[32*M:36*M] == b'\xbb' * (4*M), "lu-b's region"
assert d[36*M:] == bytes(len(d) - 36*M), "after lu-b"
PY
ok "in the backing: 0xaa at [0, 4 MiB), 0xbb at [32, 36 MiB), zeros everywhere else"

x --json lu show lu-a >"$ROOT/show-att.json" || fail "lu show lu-a"
json_check "$ROOT/show-att.json" "sorted((a['client'], a['vios_node'], a['vdev']) for a in j['attached']) == \
    [(7, 1, '0:0:0:0'), (8, 2, '1:0:0:0')]" || fail "lu show: where lu-a is attached"
x --json scsi list client-b >"$ROOT/scsi-list.json" || fail "scsi list"
json_check "$ROOT/scsi-list.json" "sorted((l['vdev'], l['pool_lu'], l['lu']) for l in j['luns']) == \
    [('0:0:0:0', 'lu-b', '$backing'), ('1:0:0:0', 'lu-a', '$backing')]" || fail "scsi list --json: pool_lu"
ok "lu show lists both attachments of lu-a; scsi list names the pool LUs"

# ---------------------------------------------------------------- rm while attached, after detach
expect 26 "rm while attached" x lu rm lu-a
x scsi detach client-a 0:0:0:0 >/dev/null 2>&1 || fail "detach client-a"
expect 26 "rm while still attached to client-b" x lu rm lu-a
x scsi detach client-b 1:0:0:0 >/dev/null 2>&1 || fail "detach client-b 1:0:0:0"
x lu rm lu-a >/dev/null || fail "lu rm lu-a after detach"
expect 25 "show after rm" x lu show lu-a
expect 12 "attach after rm" x scsi attach client-a lu-a 0:0:0:0 --vios 1
x scsi detach client-b 0:0:0:0 >/dev/null 2>&1 || fail "detach client-b 0:0:0:0"
x lu rm lu-b >/dev/null || fail "lu rm lu-b"
ok "lu rm refused (26) while attached anywhere, accepted after detach"

# ---------------------------------------------------------------- a new LU never gets a removed LU's WWN
x lu create lu-a --size 16M --backing "$backing" >/dev/null || fail "lu create lu-a again"
show_json lu-a
[ "$(wwn_of lu-a)" != "$wwn_a" ] && [ "$(wwn_of lu-a)" != "$wwn_b" ] || fail "a removed LU's WWN was handed out again"
ok "lu-a made again gets a new WWN"

# ---------------------------------------------------------------- the engine bounds a region it cannot serve
x lu create lu-c --size 8M --offset 48M --backing "$backing" >/dev/null || fail "lu create lu-c"
truncate -s 50M "$backing"   # the backing shrank under the pool's region (as a SAN LUN might)
x scsi attach client-a lu-c 3:0:0:0 --vios 1 --timeout 10000 >"$ROOT/attach-c.out" 2>&1 &
apid=$!
fe_wait 7 3 backend-id $VIOS1 20 || fail "attach of lu-c wrote no frontend node"
front 7 $VIOS1 3 close &
fpid=$!
wait $apid; rc=$?
wait $fpid
[ $rc -eq 12 ] || { cat "$ROOT/attach-c.out"; fail "a region beyond the backing: exit $rc, wanted 12"; }
grep -q "does not fit" "$ROOT/attach-c.out" || { cat "$ROOT/attach-c.out"; fail "the engine's reason"; }
ok "a region beyond its backing: the VIOS refuses it (12, 'does not fit'), the attach rolled back"
