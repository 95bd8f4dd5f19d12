# packages.sh - the project's Debian packages in the rig images (sourced by rig.sh).
#
# `make deb` leaves xvios_<v>_<arch>.deb (dom0: the xvios command, the guard's
# unit) and xvios-vios_<v>_<arch>.deb (a VIOS: xvios-backend, xviosd, their
# units and /etc/xvios/*.conf) in RIG_DEBS. Their contents are unpacked with
# `dpkg-deb -x` and put into the images where the packages put them (dom0 gets
# xvios, every domU both: a VIOS runs the CLI too), in place of RIG_BIN's
# programs; each ELF file brings its libraries. Documentation (/usr/share) is
# left out. The domUs start the daemons with rig-unit (guest/rig-unit): the
# units' ExecStart lines, no systemd.
#
#   RIG_PACKAGES=auto   the packages when RIG_DEBS has both, else RIG_BIN (default)
#   RIG_PACKAGES=1      the packages, or fail
#   RIG_PACKAGES=0      RIG_BIN's programs, as built

RIG_DEBS=${RIG_DEBS:-$RIG_TOP/build/deb}
RIG_PACKAGES=${RIG_PACKAGES:-auto}
RIG_PKG_NAMES="xvios xvios-vios"

# rig_deb NAME: the newest NAME_*.deb in RIG_DEBS (nothing if none).
rig_deb() {
    ls -t "$RIG_DEBS/$1"_*.deb 2>/dev/null | head -n 1
}

# rig_use_packages: 0 when the images get the packages (decided once).
rig_use_packages() {
    local p
    case $RIG_PACKAGES in
        0) return 1 ;;
        1 | auto) ;;
        *) rig_die "RIG_PACKAGES is 0, 1 or auto, not '$RIG_PACKAGES'" ;;
    esac
    for p in $RIG_PKG_NAMES; do
        if [ -z "$(rig_deb "$p")" ]; then
            [ "$RIG_PACKAGES" = 1 ] && rig_die "no $p package in $RIG_DEBS (make deb)"
            return 1
        fi
    done
    return 0
}

# rig_packages_unpack: every package into RIG_DIR/pkg/NAME; warns when a
# program in RIG_BIN is newer than the packages (they would test old code).
rig_packages_unpack() {
    local p deb
    rm -rf "$RIG_DIR/pkg"
    for p in $RIG_PKG_NAMES; do
        deb=$(rig_deb "$p")
        mkdir -p "$RIG_DIR/pkg/$p"
        dpkg-deb -x "$deb" "$RIG_DIR/pkg/$p" || return 1
        printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" >>"$RIG_DIR/pkg/list"
        if [ -n "$(find "$RIG_BIN" -maxdepth 1 -type f -newer "$deb" 2>/dev/null)" ]; then
            rig_stage "WARNING: $RIG_BIN has programs newer than $(basename "$deb"): run make deb (make rig does)"
        fi
    done
}

# rig_root_package ROOT NAME: the unpacked package NAME into ROOT (ELF files
# stripped of debug info, with their libraries), and its line in /etc/rig/packages.
rig_root_package() {
    local root=$1 dir=$RIG_DIR/pkg/$2 f rel
    (cd "$dir" && find . -mindepth 1 ! -type d ! -path './usr/share/*' | LC_ALL=C sort) | while read -r rel; do
        f=$dir/${rel#./}
        rel=/${rel#./}
        mkdir -p "$root$(dirname "$rel")"
        if [ ! -L "$f" ] && head -c 4 "$f" | grep -q 'ELF'; then
            rig_copy_elf "$root" "$f" "$rel" strip || return 1
        else
            cp -a "$f" "$root$rel" || return 1
        fi
    done || return 1
    mkdir -p "$root/etc/rig"
    grep "^$2 " "$RIG_DIR/pkg/list" >>"$root/etc/rig/packages"
}

# rig_packages_key: what the images take from the packages (for the overlay's cache key).
rig_packages_key() {
    local p
    rig_use_packages || { echo none; return; }
    for p in $RIG_PKG_NAMES; do rig_sha256 "$(rig_deb "$p")"; done
}
