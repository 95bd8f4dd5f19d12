# common.sh - shared settings and helpers of the rig's host side (sourced by rig.sh).
#
# Everything the rig downloads or builds lives under RIG_DIR (default
# build/rig in the source tree). Stage messages carry the seconds since the
# rig started: "[rig 12.3s] building dom0 initramfs".

RIG_SRC=${RIG_SRC:?}                       # tests/rig of the source tree
RIG_TOP=$(cd "$RIG_SRC/../.." && pwd)
RIG_DIR=${RIG_DIR:-$RIG_TOP/build/rig}
RIG_BIN=${RIG_BIN:-$RIG_TOP/build/rel/bin} # the project's programs to package
RIG_TESTS=${RIG_TESTS:-$RIG_TOP/build/rel/tests} # the test helper programs to package
# test helpers the scenarios use (from RIG_TESTS; packaged into /usr/libexec/xvios-tests)
RIG_TEST_HELPERS=${RIG_TEST_HELPERS-vke_tool third_party_caller blk_pattern vscsi_rogue_front vchan_raw vke_sendbench}
RIG_XEN_VER=4.17
RIG_XEN_BIN=/usr/lib/xen-$RIG_XEN_VER/bin
RIG_XEN_GZ=/boot/xen-$RIG_XEN_VER-amd64.gz
RIG_T0=${EPOCHREALTIME/,/.}

rig_elapsed() {
    local now=${EPOCHREALTIME/,/.}
    awk -v a="$RIG_T0" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

rig_stage() { printf '[rig %ss] %s\n' "$(rig_elapsed)" "$*"; }

rig_die() {
    printf '[rig %ss] ERROR: %s\n' "$(rig_elapsed)" "$*" >&2
    exit 1
}

# rig_sha256 FILE... : one checksum over the names and contents of FILEs
# (missing files count as empty), used as a cache key.
rig_sha256() {
    local f
    for f in "$@"; do
        printf '%s\n' "$f"
        if [ -f "$f" ]; then sha256sum < "$f"; else echo missing; fi
    done | sha256sum | cut -d' ' -f1
}

# rig_cached KEYFILE KEY : true if KEYFILE holds KEY (the product is current).
rig_cached() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
