# images.sh - the dom0 and domU initramfs images (sourced by rig.sh).
#
# Each image is two cpio archives back to back (the kernel unpacks them in
# turn into one rootfs):
#   overlay  gzip cpio: /init and the rig's scripts, the project's programs
#            and their libraries (dom0: also the domU initramfs). Rebuilt
#            whenever a checksum over those inputs changes. Compressed because
#            the daemons' libxml2 brings ICU's 30 MiB of data: a plain overlay
#            left a 512 MiB dom0 too little memory to unpack its initramfs.
#   base     lz4 cpio, last: busybox, the Xen tools, kernel modules (dom0:
#            also the domU kernel). Rebuilt only when the kernel package,
#            the Debian package versions or these build scripts change.
# The lz4 part goes last, so no archive has to be found behind an lz4 stream:
# the legacy lz4 frame (the one the kernel takes) has no end marker; a gzip
# stream has one, so the kernel finds the next archive behind it.
#
# Outputs: RIG_DIR/dom0-initrd.cpio (given to Xen as dom0's initramfs).

RIG_DOM0_MODULES="xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc loop xen-blkback xen-netback bridge"   # load order matters
# loop + xen-blkback: the shared disk, one image in dom0 that every VIOS gets as the same /dev/xvdb
# (rig_shared_disk_up in guest/lib.sh), the rig's stand-in for a SAN LUN all VIOSes reach
# xen-privcmd: libxenctrl in a VIOS asks Xen whether a peer's event channel is still bound
# xen-netback + bridge: the multi-host scenario's VIOSes get a vif on dom0's bridge xenbr0
# (guest/vif-hotplug), the network their corosync and the mesh's TCP links run on
RIG_DOMU_MODULES="xen-privcmd xen-evtchn xen-gntdev xen-gntalloc"
# loaded by /init in client domUs only (rig.role=client; /etc/rig/modules.client): the pvSCSI
# frontend, the disk and generic SCSI drivers a vSCSI LUN shows up through, and ext4 (which also
# mounts the ext2 file systems busybox's mke2fs makes; it asks the crypto API for crc32c at mount
# time, which no modinfo dependency names) for file systems on such a disk. A VIOS never loads
# xen-scsiback (it would claim the backend/vscsi nodes the vSCSI engine serves), so it is not shipped.
RIG_CLIENT_MODULES="sd_mod sg xen-scsifront ext4 crc32c_generic"
# loaded in VIOS domUs only (rig.role=vios; /etc/rig/modules.vios): the block frontend through which
# a VIOS sees the shared disk dom0 gives it, and the network frontend of the multi-host scenario's vif
RIG_VIOS_MODULES="xen-blkfront xen-netfront"
# shipped in the domU image but not loaded (insmod /lib/modules/rig/NAME.ko)
RIG_DOMU_EXTRA_MODULES=${RIG_DOMU_EXTRA_MODULES-}
# programs of Debian packages for the domUs, with their libraries (sg3-utils: SCSI commands
# from a client through its vSCSI disks)
RIG_DOMU_TOOLS="sg_inq sg_vpd sg_readcap sg_persist sg_luns sg_turs sg_modes sg_sync"
# from /usr/sbin (e2fsprogs: a client checks the file system on its vSCSI disk; corosync: each VIOS
# of the multi-host scenario runs its own, the cluster engine the corosync transport is built on)
RIG_DOMU_SBIN_TOOLS="e2fsck corosync corosync-cmapctl corosync-quorumtool corosync-cfgtool"
RIG_DOM0_TOOLS="xl xenstored xenconsoled xen-init-dom0 xenstore-control lsevtchn"
# shipped in dom0 but loaded only by the storage benchmark (scenario 90, in this order:
# /etc/rig/modules.bench): Linux's own pvSCSI backend with LIO's fileio backstore, the
# kernel baseline the xvios vSCSI backend is measured against (never in a VIOS)
RIG_DOM0_BENCH_MODULES="configfs target_core_mod target_core_file xen-scsiback"
# RIG_BENCH=1 (make rig-bench): client1 boots from a bigger domU image that also holds these
# programs of Debian packages with their libraries (fio's ~80 MiB); dom0 carries that image
# only in a bench run, so `make rig` is not slowed by it
RIG_BENCH=${RIG_BENCH:-0}
RIG_BENCH_TOOLS="fio"

# The key of the Debian-derived parts: what they are built from.
rig_base_key() {
    {
        echo "$RIG_KPKG $RIG_DOM0_MODULES / $RIG_DOM0_BENCH_MODULES / $RIG_DOMU_MODULES / $RIG_CLIENT_MODULES / $RIG_VIOS_MODULES / $RIG_DOMU_EXTRA_MODULES"
        echo "$RIG_DOM0_TOOLS / $RIG_DOMU_TOOLS / $RIG_DOMU_SBIN_TOOLS"
        dpkg-query -W -f='${Package} ${Version}\n' xen-utils-$RIG_XEN_VER xenstore-utils busybox-static \
            libc6 libgcc-s1 libxenstore4 sg3-utils e2fsprogs corosync 2>/dev/null
        rig_sha256 "$RIG_SRC/host/rootfs.sh" "$RIG_SRC/host/images.sh" "$RIG_SRC/host/kernel.sh"
    } | sha256sum | cut -d' ' -f1
}

rig_build_base_domu() {
    local root=$RIG_DIR/root/base-domu t
    rig_root_init "$root" || return 1
    rig_root_modules "$root" "$RIG_DOMU_MODULES" "$RIG_DOMU_EXTRA_MODULES" || return 1
    rig_root_modules "$root" "$RIG_CLIENT_MODULES" "" client || return 1
    rig_root_modules "$root" "$RIG_VIOS_MODULES" "" vios || return 1
    for t in $RIG_DOMU_TOOLS; do
        rig_copy_elf "$root" "/usr/bin/$t" "/usr/bin/$t" || return 1
    done
    for t in $RIG_DOMU_SBIN_TOOLS; do
        rig_copy_elf "$root" "/usr/sbin/$t" "/usr/sbin/$t" || return 1
    done
    rig_cpio "$root" "$RIG_DIR/base-domu.cpio.lz4" lz4
}

rig_build_base_dom0() {
    local root=$RIG_DIR/root/base-dom0 t
    rig_root_init "$root" || return 1
    rig_root_modules "$root" "$RIG_DOM0_MODULES" "" || return 1
    rig_root_modules "$root" "$RIG_DOM0_BENCH_MODULES" "" bench || return 1
    for t in $RIG_DOM0_TOOLS; do
        rig_copy_elf "$root" "$RIG_XEN_BIN/$t" "/usr/sbin/$t" || return 1
    done
    mkdir -p "$root/etc/xen" "$root/rig/domu"
    # dom0's memory is fixed by dom0_mem= on the Xen command line
    printf 'autoballoon="off"\n' >"$root/etc/xen/xl.conf"
    cp "$RIG_VMLINUX" "$root/rig/domu/vmlinux"
    rig_cpio "$root" "$RIG_DIR/base-dom0.cpio.lz4" lz4
}

rig_build_overlay_domu() {
    local root=$RIG_DIR/root/overlay-domu
    rm -rf "$root"
    mkdir -p "$root/sbin" "$root/usr/bin"
    install -m 755 "$RIG_SRC/guest/domu-init" "$root/init"
    install -m 755 "$RIG_SRC/guest/domu-agent.sh" "$root/sbin/rig-agent"
    ln -s rig-agent "$root/sbin/rig-spawn"
    install -m 755 "$RIG_SRC/guest/rig-unit" "$root/sbin/rig-unit"
    install -m 755 "$RIG_SRC/guest/rig-modprobe" "$root/sbin/modprobe"
    if rig_use_packages; then
        rig_root_package "$root" xvios-vios && rig_root_package "$root" xvios || return 1
    fi
    rig_root_programs "$root" || return 1
    rig_cpio "$root" "$RIG_DIR/overlay-domu.cpio" gzip || return 1
    cat "$RIG_DIR/overlay-domu.cpio" "$RIG_DIR/base-domu.cpio.lz4" >"$RIG_DIR/domu-initrd.cpio"
}

rig_build_overlay_dom0() {
    local root=$RIG_DIR/root/overlay-dom0
    rm -rf "$root"
    mkdir -p "$root/rig/domu" "$root/rig/scenarios" "$root/usr/bin"
    install -m 755 "$RIG_SRC/guest/dom0-init" "$root/init"
    install -m 644 "$RIG_SRC/guest/lib.sh" "$root/rig/lib.sh"
    install -m 755 "$RIG_SRC/guest/run-scenarios.sh" "$root/rig/run-scenarios.sh"
    install -m 755 "$RIG_SRC/guest/block-hotplug" "$root/rig/block-hotplug"
    install -m 755 "$RIG_SRC/guest/vif-hotplug" "$root/rig/vif-hotplug"
    install -m 755 "$RIG_SRC"/scenarios/[0-9]*.sh "$root/rig/scenarios/" 2>/dev/null
    cp "$RIG_DIR/domu-initrd.cpio" "$root/rig/domu/initrd.cpio"
    if rig_use_packages; then
        rig_root_package "$root" xvios || return 1
    fi
    rig_root_programs "$root" || return 1
    rig_cpio "$root" "$RIG_DIR/overlay-dom0.cpio" gzip || return 1
    cat "$RIG_DIR/overlay-dom0.cpio" "$RIG_DIR/base-dom0.cpio.lz4" >"$RIG_DIR/dom0-initrd.cpio"
}

# rig_build_bench: the benchmark's parts (RIG_BENCH=1). A domU image with RIG_BENCH_TOOLS
# (overlay, tools, base: the lz4 base stays last), and dom0's image with it as
# /rig/domu/initrd-bench.cpio (an uncompressed cpio part before dom0's overlay and base).
rig_build_bench() {
    local root=$RIG_DIR/root/bench-domu t
    rm -rf "$root"
    mkdir -p "$root/usr/bin"
    for t in $RIG_BENCH_TOOLS; do
        rig_copy_elf "$root" "$(command -v "$t")" "/usr/bin/$t" || return 1
    done
    rig_cpio "$root" "$RIG_DIR/bench-domu.cpio" gzip || return 1
    root=$RIG_DIR/root/bench-dom0
    rm -rf "$root"
    mkdir -p "$root/rig/domu"
    cat "$RIG_DIR/overlay-domu.cpio" "$RIG_DIR/bench-domu.cpio" "$RIG_DIR/base-domu.cpio.lz4" \
        >"$root/rig/domu/initrd-bench.cpio" || return 1
    rig_cpio "$root" "$RIG_DIR/bench-dom0.cpio" none || return 1
    # the plain part first: the kernel takes a plain archive only at a 4-byte aligned offset, and a
    # gzip stream ends anywhere
    cat "$RIG_DIR/bench-dom0.cpio" "$RIG_DIR/overlay-dom0.cpio" "$RIG_DIR/base-dom0.cpio.lz4" \
        >"$RIG_DIR/dom0-initrd-bench.cpio"
}

rig_images() {
    local base_key overlay_key bench_key progs names t
    base_key=$(rig_base_key)
    if ! rig_cached "$RIG_DIR/base.key" "$base_key" || [ ! -f "$RIG_DIR/base-dom0.cpio.lz4" ] ||
        [ ! -f "$RIG_DIR/base-domu.cpio.lz4" ]; then
        rm -f "$RIG_DIR/base.key" "$RIG_DIR/overlay.key"
        rig_stage "building domU base image (busybox, xenstore CLI, modules)"
        rig_build_base_domu || rig_die "building the domU base image failed"
        rig_stage "building dom0 base image (busybox, Xen tools, modules, domU kernel)"
        rig_build_base_dom0 || rig_die "building the dom0 base image failed"
        echo "$base_key" >"$RIG_DIR/base.key"
    else
        rig_stage "base images up to date"
    fi
    if rig_use_packages; then
        progs=$(rig_test_helpers)
    else
        progs=$(find "$RIG_BIN" -maxdepth 1 -type f -perm -u+x 2>/dev/null | LC_ALL=C sort; rig_test_helpers)
    fi
    overlay_key=$( {
        echo "$base_key"
        rig_packages_key
        rig_sha256 $progs "$RIG_SRC"/guest/* "$RIG_SRC"/scenarios/[0-9]*.sh
    } | sha256sum | cut -d' ' -f1)
    if ! rig_cached "$RIG_DIR/overlay.key" "$overlay_key" || [ ! -f "$RIG_DIR/dom0-initrd.cpio" ]; then
        names=$(for p in $progs; do basename "$p"; done | tr '\n' ' ')
        names=${names% }
        if rig_use_packages; then
            rig_packages_unpack || rig_die "unpacking the packages of $RIG_DEBS failed"
            rig_stage "the packages: $(tr '\n' ' ' <"$RIG_DIR/pkg/list")(from $RIG_DEBS)"
        else
            rig_stage "no packages (RIG_PACKAGES=$RIG_PACKAGES, $RIG_DEBS): the programs of $RIG_BIN"
        fi
        rig_stage "building domU and dom0 initramfs (programs: ${names:-none})"
        rig_build_overlay_domu || rig_die "building the domU initramfs failed"
        rig_build_overlay_dom0 || rig_die "building the dom0 initramfs failed"
        echo "$overlay_key" >"$RIG_DIR/overlay.key"
    else
        rig_stage "initramfs up to date"
    fi
    RIG_DOM0_INITRD=$RIG_DIR/dom0-initrd.cpio
    [ "$RIG_BENCH" = 1 ] || return 0
    bench_key=$( {
        echo "$overlay_key $RIG_BENCH_TOOLS"
        for t in $RIG_BENCH_TOOLS; do dpkg -S "$(command -v "$t")" 2>/dev/null | cut -d: -f1 |
            xargs -r dpkg-query -W -f='${Package} ${Version}\n'; done
    } | sha256sum | cut -d' ' -f1)
    if ! rig_cached "$RIG_DIR/bench.key" "$bench_key" || [ ! -f "$RIG_DIR/dom0-initrd-bench.cpio" ]; then
        rig_stage "building the benchmark images (client1 with: $RIG_BENCH_TOOLS)"
        rig_build_bench || rig_die "building the benchmark images failed"
        echo "$bench_key" >"$RIG_DIR/bench.key"
    else
        rig_stage "benchmark images up to date"
    fi
    RIG_DOM0_INITRD=$RIG_DIR/dom0-initrd-bench.cpio
}
