# vscsi_lib.sh - sourced by the vSCSI integration tests (after daemon_lib.sh):
# client domains, LU files, and the dom0 side of attaching a disk.
#
# The attach/detach here write the XenStore nodes in the exact contract
# layout and permissions (tests/integration/vscsi_xs_tool.c); this is the
# one place to switch to `xvios scsi attach/detach` once the toolstack has it.
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the built test helpers}"
XS_TOOL="$XVIOS_TESTS/vscsi_xs_tool"
FRONT="$XVIOS_TESTS/vscsi_front"
VIOS1=101            # node 1's domain in `xvios local up`

# client DOMID NAME: a loopback client domain
client() { "$XS_TOOL" "$ROOT" domain "$1" "$2" || fail "create client domain $1"; }

# lu_file NAME MIB: a sparse LU file; prints its path
lu_file() {
    local f="$ROOT/lu-$1.img"
    truncate -s "$2M" "$f" || fail "create $f"
    echo "$f"
}

# vscsi_attach VIOS CLIENT VHOST DEVN LU_PATH VDEV [r|w]
vscsi_attach() { "$XS_TOOL" "$ROOT" attach "$1" "$2" "$3" "$4" "$5" "$6" "${7:-w}" || fail "attach $6"; }
# vscsi_detach VIOS CLIENT VHOST DEVN: hot remove, then the keys once the backend reports dev-N 6
vscsi_detach() {
    "$XS_TOOL" "$ROOT" detach "$1" "$2" "$3" "$4" || fail "detach dev-$4"
    be_wait "$1" "$2" "$3" "vscsi-devs/dev-$4/state" 6 20 || fail "dev-$4 never reached 6"
    be_wait "$1" "$2" "$3" state 4 20 || fail "vhost not back to 4 after detach"
    "$XS_TOOL" "$ROOT" rmdev "$1" "$2" "$3" "$4" || fail "remove dev-$4 keys"
}
# vscsi_remove VIOS CLIENT VHOST: both directories gone (as after the client's domain is destroyed)
vscsi_remove() { "$XS_TOOL" "$ROOT" remove "$1" "$2" "$3"; }

be_path() { echo "/local/domain/$1/backend/vscsi/$2/$3"; }
# be_wait VIOS CLIENT VHOST KEY VALUE SECONDS
be_wait() { "$XS_TOOL" "$ROOT" wait "$(be_path "$1" "$2" "$3")/$4" "$5" "$6"; }
be_read() { "$XS_TOOL" "$ROOT" read "$(be_path "$1" "$2" "$3")/$4"; }
fe_wait() { "$XS_TOOL" "$ROOT" wait "/local/domain/$1/device/vscsi/$2/$3" "$4" "$5"; }

# front CLIENT VIOS VHOST STEP...: the loopback frontend, output to $ROOT/front-CLIENT-VHOST.out
front() {
    local c=$1 v=$2 h=$3; shift 3
    timeout 300 "$FRONT" "$ROOT" "$c" "$v" "$h" "$@" >"$ROOT/front-$c-$h.out" 2>&1
}
front_out() { cat "$ROOT/front-$1-$2.out"; }
backend_log() { cat "$ROOT"/nodes/"$1"/backend.log; }
