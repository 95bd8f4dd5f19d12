# mh_scsi_lib.sh - the multi-host vSCSI tests' common part (sourced after lib.sh, corosync_lib.sh and
# mh_vios_lib.sh): the two VIOS nodes up (mhv_up), client A (domain 7) on host 1, and readers of what an
# attach leaves behind.
#
#   mhs_up                  mhv_up, then client A's domain on host 1; 1 if either failed
#   R1                      host 1's loopback root
#   fe_path VHOST, be_path VHOST   client A's frontend / 257's backend dir of that vhost
#   recorded HOST           the VTD records HOST's CLI lists: "client:vdev:node:state:lu" each
#   has_rec HOST REC        that list holds REC
#   vtd_in_dump HOST NAME   the record /xvios/vtds/NAME is in HOST's copy of the DB
#   no_vtd NAME HOST...     it is in none of those hosts' copies
#   absent PATH             PATH is not in host 1's store
#   refused RC WANT TEXT F  the exit status RC is WANT and FILE F says TEXT
ms() { date +%s%3N; }
R1=$(root_of 1)
mhs_up() {
    mhv_up || return 1
    "$XS_TOOL" "$R1" domain 7 client-a || { t_fail "client A"; return 1; }
}
fe_path() { echo "/local/domain/7/device/vscsi/$1"; }
be_path() { echo "/local/domain/$VIOS_DOM_1/backend/vscsi/7/$1"; }
recorded() { xv "$1" --json scsi list > "$T_ROOT/list$1.json" 2>"$T_ROOT/list$1.err" &&
             python3 -c "import json; j=json.load(open('$T_ROOT/list$1.json'));
print(' '.join('%d:%s:%d:%s:%s' % (r['client'], r['vdev'], r['vios_node'], r['state'], r['pool_lu'] or r['lu'])
               for r in j['recorded']))"; }
has_rec() { recorded "$1" | grep -qw "$2"; }
vtd_in_dump() { xv "$1" cluster dump | grep -q "^/xvios/vtds/$2"; }
no_vtd() { local h; for h in "${@:2}"; do ! vtd_in_dump "$h" "$1" || return 1; done; }
absent() { ! "$XS_TOOL" "$R1" read "$1" >/dev/null 2>&1; }
refused() { [ "$1" -eq "$2" ] && grep -q "$3" "$4"; }   # refused RC WANT TEXT FILE: that exit status, TEXT in FILE
