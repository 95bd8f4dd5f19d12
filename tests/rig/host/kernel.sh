# kernel.sh - the guest kernel for dom0 and the domUs (sourced by rig.sh).
#
# The Debian package linux-image-amd64 currently depends on is downloaded
# with `apt-get download` and unpacked with `dpkg-deb -x` under RIG_DIR; it is
# never installed on the host. (The -cloud-amd64 flavour lacks
# CONFIG_XEN_DOM0.) Xen and xl get the kernel as a plain ELF vmlinux pulled
# out of the bzImage's xz payload: libxenguest then skips the in-dom0 xz
# decompression, which under TCG costs ~7 s per domU.
#
# Sets RIG_KPKG (package), RIG_KROOT (unpacked tree), RIG_KVER (module
# directory name), RIG_VMLINUX (plain ELF kernel).

rig_kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }'
}

# rig_extract_vmlinux BZIMAGE OUT: the ELF image inside an xz-compressed bzImage.
rig_extract_vmlinux() {
    local in=$1 out=$2 pos
    for pos in $(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$in" | cut -d: -f1); do
        tail -c +$((pos + 1)) "$in" | xz -dc >"$out.tmp" 2>/dev/null
        if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
            mv "$out.tmp" "$out"
            return 0
        fi
    done
    rm -f "$out.tmp"
    return 1
}

rig_kernel() {
    local deb
    RIG_KPKG=$(rig_kernel_pkg)
    if [ -z "$RIG_KPKG" ]; then
        rig_apt_update
        RIG_KPKG=$(rig_kernel_pkg)
        [ -n "$RIG_KPKG" ] || rig_die "cannot resolve linux-image-amd64 to a kernel package"
    fi
    RIG_KROOT=$RIG_DIR/kernel/$RIG_KPKG
    if [ ! -f "$RIG_KROOT/.unpacked" ]; then
        mkdir -p "$RIG_DIR/debs"
        deb=$(ls "$RIG_DIR/debs/${RIG_KPKG}"_*.deb 2>/dev/null | head -n 1)
        if [ -z "$deb" ]; then
            rig_stage "downloading $RIG_KPKG"
            if ! (cd "$RIG_DIR/debs" && apt-get download -qq "$RIG_KPKG") >>"$RIG_DIR/apt.log" 2>&1; then
                rig_apt_update   # stale package lists: the old version is gone from the mirror
                (cd "$RIG_DIR/debs" && apt-get download -qq "$RIG_KPKG") >>"$RIG_DIR/apt.log" 2>&1 ||
                    rig_die "apt-get download $RIG_KPKG failed (see $RIG_DIR/apt.log)"
            fi
            deb=$(ls "$RIG_DIR/debs/${RIG_KPKG}"_*.deb | head -n 1)
        fi
        rig_stage "unpacking $(basename "$deb")"
        rm -rf "$RIG_KROOT"
        mkdir -p "$RIG_KROOT"
        dpkg-deb -x "$deb" "$RIG_KROOT" || rig_die "dpkg-deb -x $deb failed"
        touch "$RIG_KROOT/.unpacked"
        # kernels that linux-image-amd64 no longer points at
        find "$RIG_DIR/kernel" -mindepth 1 -maxdepth 1 ! -name "$RIG_KPKG" -exec rm -rf {} +
        find "$RIG_DIR/debs" -name 'linux-image-*.deb' ! -name "${RIG_KPKG}_*" -delete
    fi
    RIG_KVER=$(basename "$(ls -d "$RIG_KROOT"/lib/modules/*/ | head -n 1)")
    RIG_VMLINUX=$RIG_KROOT/vmlinux
    if [ ! -f "$RIG_VMLINUX" ]; then
        rig_stage "extracting plain ELF vmlinux"
        rig_extract_vmlinux "$RIG_KROOT"/boot/vmlinuz-"$RIG_KVER" "$RIG_VMLINUX" ||
            rig_die "no xz-compressed ELF kernel in $RIG_KROOT/boot/vmlinuz-$RIG_KVER"
    fi
}

# rig_module_path NAME: the .ko file of module NAME in the unpacked kernel.
rig_module_path() {
    local f
    f=$(find "$RIG_KROOT/lib/modules/$RIG_KVER/kernel" -name "$1.ko" -print -quit)
    [ -n "$f" ] || f=$(find "$RIG_KROOT/lib/modules/$RIG_KVER/kernel" -name "$(echo "$1" | tr _ -).ko" -print -quit)
    [ -n "$f" ] || f=$(find "$RIG_KROOT/lib/modules/$RIG_KVER/kernel" -name "$(echo "$1" | tr - _).ko" -print -quit)
    [ -n "$f" ] || return 1
    echo "$f"
}

# rig_module_closure NAME...: NAMEs and every module they depend on (read
# from each .ko's modinfo "depends=" entry), dependencies first, one per line.
rig_module_closure() {
    local m f deps seen=" "
    _rig_visit() {
        local m=$1 f d
        case "$seen" in *" $m "*) return 0 ;; esac
        seen="$seen$m "
        f=$(rig_module_path "$m") || rig_die "kernel module $m not found in $RIG_KPKG"
        for d in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
            _rig_visit "$d"
        done
        echo "$f"
    }
    for m in "$@"; do _rig_visit "$m"; done
}
