#!/usr/bin/env bash
# `xvios storage` on a 3-VIOS loopback cluster: a pool LU served to client-a
# through VIOS 1, a file attached by path to client-b through VIOS 2. Asked
# of node 3, the merged view lists node 1's and node 2's storage: each
# backing with its real size, each LU with the NAA designator the client
# reads in VPD 0x83, each vhost; node 2 knows client-a's use of the pool LU
# (the VTD table it reads). A second read-write attach of that LU is refused
# without --shared and listed as shared with it. With VIOS 2 stopped, it is
# listed as not answering, within the deadline, exit 3.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
VIOS2=102

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
# attach_front NAME DOMID VIOS_NODE VIOS_DOMID VHOST LU [ATTACH-OPTION...] -- STEP...
attach_front() {
    local name=$1 dom=$2 node=$3 vdom=$4 vh=$5 lu=$6 apid fpid opts=(); shift 6
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done; shift
    x scsi attach "$name" "$lu" "$vh:0:0:0" --vios "$node" "${opts[@]}" >"$ROOT/attach-$dom-$vh.out" 2>&1 &
    apid=$!
    fe_wait "$dom" "$vh" backend-id "$vdom" 20 || { cat "$ROOT/attach-$dom-$vh.out"; fail "attach of $lu wrote no frontend node"; }
    front "$dom" "$vdom" "$vh" "$@" &
    fpid=$!
    wait $apid || { cat "$ROOT/attach-$dom-$vh.out"; fail "xvios scsi attach $name $lu"; }
    wait $fpid || { front_out "$dom" "$vh"; fail "the frontend of domain $dom vhost $vh"; }
}
vpd83() { sed -n 's/^ok: VPD 0x83 LUN 0: \(naa\.[0-9a-f]*\)$/\1/p' "$ROOT/front-$1-$2.out"; }

up 3
client 7 client-a
client 8 client-b
client 9 client-c
pool_backing=$(lu_file pool 32)
path_backing=$(lu_file path 8)
x lu create lu-w --size 16M --backing "$pool_backing" >/dev/null || fail "lu create"
attach_front client-a 7 1 $VIOS1 0 lu-w -- vpd:0:83 close
attach_front client-b 8 2 $VIOS2 0 "$path_backing" -- vpd:0:83 close
wwn_a=$(vpd83 7 0); wwn_b=$(vpd83 8 0)
[ -n "$wwn_a" ] && [ -n "$wwn_b" ] || { front_out 7 0; front_out 8 0; fail "no VPD 0x83 designator"; }
ok "client-a reads $wwn_a through VIOS 1, client-b $wwn_b through VIOS 2"

# the merged view, asked of node 3 (its daemon fans STORAGE_INFO out)
x --node 3 --json storage >"$ROOT/s.json" || { cat "$ROOT/s.json"; fail "xvios storage on node 3"; }
json_check "$ROOT/s.json" "[n['node'] for n in j['nodes']] == [3, 1, 2] and all(n['answered'] for n in j['nodes']) \
    and j['nodes_not_listed'] == 0" || fail "every node listed, the asked one first"
json_check "$ROOT/s.json" "(lambda n: n['vios'] == 'vios-1' and \
    {'path': '$pool_backing', 'state': 'ok', 'size': 33554432, 'id_source': 'engine'}.items() <= n['backings'][0].items() and \
    n['lus'] == [{'name': 'lu-w', 'wwn': '$wwn_a', 'size': 16777216, 'backing': '$pool_backing'}] and \
    n['vhosts'] == [{'client': 7, 'client_name': 'client-a', 'vhost': 0, 'vdev': '0:0:0:0', 'mode': 'rw', \
                     'lun_state': 4, 'wwn': '$wwn_a'}] and \
    n['pools'][0]['lus'] == 1 and n['pools'][0]['reachable'] == 1)(j['nodes'][1])" || fail "node 1's report"
json_check "$ROOT/s.json" "(lambda n: n['vios'] == 'vios-2' and \
    {'path': '$path_backing', 'state': 'ok', 'size': 8388608, 'id_source': 'engine', 'id': '$wwn_b'} in n['backings'] and \
    n['lus'] == [{'name': None, 'wwn': '$wwn_b', 'size': 8388608, 'backing': '$path_backing'}] and \
    [v['client'] for v in n['vhosts']] == [8])(j['nodes'][2])" || fail "node 2's report"
json_check "$ROOT/s.json" "(lambda n: n['lus'] == [] and n['vhosts'] == [] and \
    n['backings'][0]['path'] == '$pool_backing' and n['backings'][0]['size'] == 33554432)(j['nodes'][0])" || fail "node 3's report"
x --json storage --via 3 >"$ROOT/via.json" || { cat "$ROOT/via.json"; fail "xvios storage --via 3 from dom0"; }
json_check "$ROOT/via.json" "[n['node'] for n in j['nodes']] == [3, 1, 2] and all(n['answered'] for n in j['nodes']) \
    and j['nodes'][1]['lus'][0]['wwn'] == '$wwn_a' and j['nodes'][2]['lus'][0]['wwn'] == '$wwn_b'" \
    || fail "the view from dom0 through node 3's management link"
ok "node 3's merged view: node 1's pool backing (32 MiB) and LU, node 2's path backing (8 MiB), identities as in VPD 0x83; the same from dom0 --via 3"

# usage: node 2 knows client-a's use of lu-w through node 1 (read from the VTD table on node 2)
json_check "$ROOT/s.json" "{'lu': 'lu-w', 'backing': '$pool_backing', 'client': 7, 'vdev': '0:0:0:0', 'node': 1, \
    'mode': 'rw', 'shared_with': []} in j['nodes'][2]['usage']" || fail "node 2 does not know client-a's use of lu-w"
ok "node 2 knows that client 7 uses lu-w read-write through node 1"

# a second read-write attach of lu-w: refused (exit 13) without --shared, nothing written
x scsi attach client-c lu-w 0:0:0:0 --vios 2 >"$ROOT/refused.out" 2>&1; rc=$?
[ $rc -eq 13 ] || { cat "$ROOT/refused.out"; fail "a second rw attach of lu-w: exit $rc, wanted 13"; }
grep -q "attached read-write to domain 7" "$ROOT/refused.out" || { cat "$ROOT/refused.out"; fail "refusal names the user"; }
x --node 2 --json storage >"$ROOT/s2.json" || fail "storage on node 2"
json_check "$ROOT/s2.json" "len(j['nodes'][0]['usage']) == 2" || fail "the refused attach left a use behind"
ok "a second rw attach refused without --shared (exit 13), nothing recorded"

attach_front client-c 9 2 $VIOS2 0 lu-w --shared -- vpd:0:83 close
[ "$(vpd83 9 0)" = "$wwn_a" ] || fail "client-c does not see lu-w's designator"
x --node 1 --json storage >"$ROOT/s3.json" || fail "storage on node 1"
json_check "$ROOT/s3.json" "(lambda u: len(u) == 2 and \
    u[0]['client'] == 7 and u[0]['shared_with'] == [{'client': 9, 'vdev': '0:0:0:0', 'node': 2, 'mode': 'rw'}] and \
    u[1]['client'] == 9 and u[1]['shared_with'] == [{'client': 7, 'vdev': '0:0:0:0', 'node': 1, 'mode': 'rw'}])([x for x in j['nodes'][0]['usage'] if x['lu'] == 'lu-w'])" \
    || fail "lu-w not listed as shared by clients 7 and 9"
x --json lu list >"$ROOT/lus.json" || fail "lu list"
json_check "$ROOT/lus.json" "(lambda l: l['shared'] is True and sorted(a['client'] for a in l['attached']) == [7, 9])(j['lus'][0])" \
    || fail "lu list does not show lu-w shared"
x --json scsi list client-c >"$ROOT/scsi.json" || fail "scsi list"
json_check "$ROOT/scsi.json" "(j[0] if isinstance(j, list) else j['luns'][0])['shared_with'] == [{'client': 7, 'vdev': '0:0:0:0', 'vios_node': 1, 'mode': 'w'}]" \
    || { cat "$ROOT/scsi.json"; fail "scsi list does not show who shares lu-w"; }
echo '<vioRequest version="1"><mapping action="list"/></vioRequest>' | x --node 2 api >"$ROOT/maps.xml" \
    || { cat "$ROOT/maps.xml"; fail "mapping list on node 2"; }
grep -q '<mapping client="7" clientName="client-a" vdev="0:0:0:0" node="1" lu="'"$pool_backing"'" poolLu="lu-w" readOnly="false" sharedWith="9:0:0:0:0"/>' "$ROOT/maps.xml" \
    && grep -q '<mapping client="9" .* sharedWith="7:0:0:0:0"/>' "$ROOT/maps.xml" \
    && ! grep -q '<mapping client="8" .*sharedWith' "$ROOT/maps.xml" || { cat "$ROOT/maps.xml"; fail "the API's mapping list does not show lu-w shared"; }
x --node 3 storage >"$ROOT/s3.txt" || fail "storage as text"
cat "$ROOT/s3.txt"
grep -q "^  lu lu-w client 7 0:0:0:0 through node 1 rw  shared with client 9 0:0:0:0 (node 2, rw)$" "$ROOT/s3.txt" \
    || fail "the text view does not show lu-w shared"
ok "--shared attach allowed; storage, lu list, scsi list and the API's mapping list show lu-w shared by clients 7 and 9"

# VIOS 2 gone: listed as not answering within the deadline, exit 3
kill "$(node_pid 2 xviosd)" "$(node_pid 2 backend)"
wait_for 10 sh -c "! kill -0 $(node_pid 2 backend) 2>/dev/null" || fail "node 2 did not stop"
t0=$(date +%s%N)
x --node 3 --json storage --timeout 2000 >"$ROOT/s4.json"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 3 ] || { cat "$ROOT/s4.json"; fail "storage with node 2 down: exit $rc, wanted 3"; }
json_check "$ROOT/s4.json" "[(n['node'], n['answered']) for n in j['nodes']] == [(3, True), (1, True), (2, False)] \
    and j['nodes'][2]['outcome'] in ('unreachable', 'timed-out')" || fail "node 2 not listed as not answering"
[ $ms -lt 6000 ] || fail "the answer took $ms ms with a 2000 ms timeout"
ok "VIOS 2 down: listed as not answering ($(python3 -c "import json; print(json.load(open('$ROOT/s4.json'))['nodes'][2]['outcome'])")) after $ms ms, exit 3"
exit 0
