#!/usr/bin/env bash
# rig.sh - the nested Xen rig: Debian's Xen 4.17 under QEMU (TCG) with a PV
# dom0 and PV domUs (three VIOS driver domains, one client), running the
# project's programs and the scenarios in tests/rig/scenarios/.
#
#   tests/rig/rig.sh                      (or `make rig`)
#   RIG_SCENARIOS="00 05" tests/rig/rig.sh  only those scenarios
#   RIG_SHELL=1 tests/rig/rig.sh          an interactive dom0 shell instead
#   RIG_TIMEOUT=1500                      hard limit for QEMU, seconds
#   RIG_DIR=build/rig                     cache and logs
#   RIG_BIN=build/rel/bin                 the programs to package
#
# Exit status 0 only if every check passed and nothing crashed. README.md has the details.
set -uo pipefail
RIG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$RIG_SRC/host/common.sh"
. "$RIG_SRC/host/deps.sh"
. "$RIG_SRC/host/kernel.sh"
. "$RIG_SRC/host/rootfs.sh"
. "$RIG_SRC/host/packages.sh"
. "$RIG_SRC/host/images.sh"
. "$RIG_SRC/host/boot.sh"

mkdir -p "$RIG_DIR" || exit 1
rig_stage "checking host packages"
rig_deps
rig_kernel
rig_stage "kernel $RIG_KPKG ($RIG_KVER)"
rig_images
rig_boot
