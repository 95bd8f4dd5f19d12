# rootfs.sh - building blocks of the guest root filesystems (sourced by rig.sh).
#
# A root is a directory turned into a newc cpio archive by busybox cpio (the
# host's cpio works too, busybox is always there). Binaries are copied with
# every library ldd lists, the dynamic loader, and libgcc_s.so.1: glibc
# dlopen()s the latter for pthread_cancel(), which libxenstore's xs_close()
# calls, and ldd does not list it -- without it every libxenstore user
# (xl included) aborts at exit.

RIG_LIBDIR=/lib/x86_64-linux-gnu
RIG_LOADER=/lib64/ld-linux-x86-64.so.2

# rig_copy_elf ROOT SRC DST [strip]: install an ELF program (or library) and its libraries.
rig_copy_elf() {
    local root=$1 src=$2 dst=$3 how=${4:-} lib
    mkdir -p "$root$(dirname "$dst")"
    if [ "$how" = strip ]; then
        strip --strip-debug -o "$root$dst" "$src" || return 1
        chmod 755 "$root$dst"
    else
        install -m 755 "$src" "$root$dst" || return 1
    fi
    ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
        [ -e "$root$RIG_LIBDIR/$(basename "$lib")" ] ||
            install -D -m 755 "$(readlink -f "$lib")" "$root$RIG_LIBDIR/$(basename "$lib")"
    done
    [ -e "$root$RIG_LOADER" ] || install -D -m 755 "$(readlink -f "$RIG_LOADER")" "$root$RIG_LOADER"
    [ -e "$root$RIG_LIBDIR/libgcc_s.so.1" ] ||
        install -D -m 755 "$(readlink -f "$RIG_LIBDIR/libgcc_s.so.1")" "$root$RIG_LIBDIR/libgcc_s.so.1"
}

# rig_root_init ROOT: the directory skeleton, busybox with its applet links,
# and the xenstore-* CLI (one multi-call binary that dispatches on argv[0]).
rig_root_init() {
    local root=$1 a
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,var/log,var/lib,root,rig} \
        "$root$RIG_LIBDIR" "$root/lib64" "$root/lib/modules/rig"
    ln -s ../run "$root/var/run"
    install -m 755 /bin/busybox "$root/bin/busybox"
    for a in $(/bin/busybox --list); do
        [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
    done
    # `xl shutdown` makes the guest kernel exec /sbin/poweroff; busybox's
    # plain poweroff only signals PID 1, which a shell /init ignores.
    printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' >"$root/sbin/poweroff"
    chmod 755 "$root/sbin/poweroff"
    rig_copy_elf "$root" /usr/bin/xenstore /usr/bin/xenstore || return 1
    for a in read write ls list rm exists chmod watch; do
        ln -s xenstore "$root/usr/bin/xenstore-$a"
    done
}

# rig_root_modules ROOT LOAD EXTRA [ROLE]: the kernel modules LOAD (loaded by
# /init, in the order of /etc/rig/modules, or of /etc/rig/modules.ROLE: then
# only in domUs of that role, after the common ones) and EXTRA (shipped, not
# loaded), each with its dependencies, into /lib/modules/rig/.
rig_root_modules() {
    local root=$1 load=$2 extra=$3 order=$root/etc/rig/modules${4:+.$4} f list
    list=$(rig_module_closure $load) || return 1
    [ -n "$list" ] || return 1
    mkdir -p "$root/etc/rig"
    : >"$order"
    for f in $list; do
        cp -n "$f" "$root/lib/modules/rig/"
        # a dependency the common list loads already is not loaded twice
        [ -n "${4:-}" ] && grep -qx "$(basename "$f" .ko)" "$root/etc/rig/modules" 2>/dev/null && continue
        basename "$f" .ko >>"$order"
    done
    if [ -n "$extra" ]; then
        list=$(rig_module_closure $extra) || return 1
        for f in $list; do cp -n "$f" "$root/lib/modules/rig/"; done
    fi
}

# rig_root_programs ROOT: the project's programs (whatever exists in RIG_BIN;
# nothing when the images get the packages, host/packages.sh),
# debug info stripped, into /usr/bin with their libraries; the test helpers
# named in RIG_TEST_HELPERS (those that exist in RIG_TESTS) into
# /usr/libexec/xvios-tests.
rig_root_programs() {
    local root=$1 p
    # with the packages, their programs take RIG_BIN's place
    rig_use_packages && set -- "$root" || set -- "$root" "$RIG_BIN"/*
    shift
    for p in "$@"; do
        [ -f "$p" ] && [ -x "$p" ] || continue
        rig_copy_elf "$root" "$p" "/usr/bin/$(basename "$p")" strip || return 1
    done
    for p in $(rig_test_helpers); do
        rig_copy_elf "$root" "$p" "/usr/libexec/xvios-tests/$(basename "$p")" strip || return 1
    done
}

# rig_test_helpers: the paths of the test helpers to package (those built).
rig_test_helpers() {
    local h
    for h in $RIG_TEST_HELPERS; do
        [ -f "$RIG_TESTS/$h" ] && [ -x "$RIG_TESTS/$h" ] && echo "$RIG_TESTS/$h"
    done
}

# rig_cpio ROOT OUT [none|lz4|gzip]: a newc archive of ROOT, owned by root.
# lz4 uses the legacy frame (-l), the only one the kernel's unpacker takes.
rig_cpio() {
    local root=$1 out=$2 comp=${3:-none}
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) |
        case $comp in
            none) cat ;;
            lz4) lz4 -l -9 -q ;;
            gzip) gzip -6 ;;
        esac >"$out.tmp" && mv "$out.tmp" "$out"
}
