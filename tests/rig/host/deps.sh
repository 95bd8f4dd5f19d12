# deps.sh - the Debian packages the rig needs on the host (sourced by rig.sh).
#
# Installed with apt-get (after apt-get update) when missing and running as
# root; otherwise the rig stops and names them. The guest kernel is never
# installed on the host: kernel.sh downloads and unpacks its .deb.

RIG_HOST_PKGS="xen-hypervisor-$RIG_XEN_VER-amd64 xen-utils-$RIG_XEN_VER xenstore-utils qemu-system-x86
    busybox-static lz4 xz-utils cpio time sg3-utils e2fsprogs corosync"
# the storage benchmark's load generator (make rig-bench, RIG_BENCH=1): packaged into client1
[ "${RIG_BENCH:-0}" = 1 ] && RIG_HOST_PKGS="$RIG_HOST_PKGS fio"

# Set once apt-get update ran in this invocation (kernel.sh needs fresh lists too).
RIG_APT_UPDATED=0

rig_apt_update() {
    [ "$RIG_APT_UPDATED" = 1 ] && return 0
    [ "$(id -u)" = 0 ] || rig_die "apt-get update needs root"
    rig_stage "apt-get update"
    apt-get update -qq >"$RIG_DIR/apt.log" 2>&1 || { cat "$RIG_DIR/apt.log" >&2; rig_die "apt-get update failed"; }
    RIG_APT_UPDATED=1
}

rig_deps() {
    local p missing=
    for p in $RIG_HOST_PKGS; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    [ "$(id -u)" = 0 ] || rig_die "missing Debian packages:$missing (run as root to install them)"
    rig_apt_update
    rig_stage "installing$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
        >>"$RIG_DIR/apt.log" 2>&1 || { tail -n 30 "$RIG_DIR/apt.log" >&2; rig_die "apt-get install failed"; }
}
