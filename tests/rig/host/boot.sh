# boot.sh - boot Xen + dom0 under QEMU and judge the run (sourced by rig.sh).
#
# QEMU settings (see README.md for why): q35, TCG with a 256 MiB translation
# cache (QEMU's RSS ~1.1 GB instead of ~1.6 GB), -cpu qemu64 -- never
# -cpu max: its XSAVE/SMAP features under TCG crashed dom0 or corrupted guest
# FPU state --, 2 vCPUs, 1.5 GiB. Xen is not given `noreboot`: a Xen panic or
# dom0 crash reboots, -no-reboot turns that into a QEMU exit, so a broken
# run ends in seconds. The whole run is under a hard `timeout`.
#
# The serial console is logged with host timestamps to RIG_DIR/serial.log;
# rig result and stage lines are shown live.

RIG_TIMEOUT=${RIG_TIMEOUT:-1500}
# A bench run (RIG_BENCH=1) needs more: dom0's image carries client1's fio image (dom0 unpacks its
# initramfs into a RAM-backed rootfs while the image itself is still in memory), and client1 runs
# fio from RAM.
if [ "${RIG_BENCH:-0}" = 1 ]; then RIG_DOM0_MEM=768M RIG_QEMU_MEM=3072; else RIG_DOM0_MEM=512M RIG_QEMU_MEM=2560; fi
RIG_XEN_CMDLINE="console=com1 com1=115200,8n1 dom0_mem=$RIG_DOM0_MEM,max:$RIG_DOM0_MEM loglvl=all guest_loglvl=all"
RIG_XEN_CMDLINE="$RIG_XEN_CMDLINE console_timestamps=boot bootscrub=0 smap=0 spec-ctrl=eager-fpu"
RIG_DOM0_CMDLINE="console=hvc0 earlyprintk=xen rdinit=/init"

# The serial filter: timestamps every line into the log, shows rig lines live.
RIG_SERIAL_FILTER='
BEGIN { $| = 1; $t0 = time; open(LOG, ">>", $ENV{RIG_LOG}) or die "$ENV{RIG_LOG}: $!"; LOG->autoflush(1); }
s/\r//g; s/\e\[[0-9;?]*[a-zA-Z]//g; s/\ec//g;
my $ts = sprintf("[%7.2f] ", time - $t0);
print LOG $ts, $_;
next if /RIG-CONSOLE/;
if (/(RIG (PASS|FAIL) .*|RIG-(STAGE|SCENARIO|SUMMARY|FATAL|CRASH|BENCH).*|Panic on CPU.*|\btraps:.*|segfault at.*)/) {
    printf "[rig %.1fs] %s\n", time - $ENV{RIG_T0}, $1;
}'

rig_xen_image() {
    RIG_XEN=$RIG_DIR/xen-$RIG_XEN_VER.elf
    [ -f "$RIG_XEN" ] && [ "$RIG_XEN" -nt "$RIG_XEN_GZ" ] && return 0
    [ -r "$RIG_XEN_GZ" ] || rig_die "$RIG_XEN_GZ missing (package xen-hypervisor-$RIG_XEN_VER-amd64)"
    zcat "$RIG_XEN_GZ" >"$RIG_XEN.tmp" && mv "$RIG_XEN.tmp" "$RIG_XEN" || rig_die "zcat $RIG_XEN_GZ failed"
}

# rig_boot: run the machine; returns 0 only for a clean, all-passing run.
rig_boot() {
    local dom0_cmd=$RIG_DOM0_CMDLINE sel mods rc t_start t_end wall
    local -a qemu
    rig_xen_image
    case $RIG_DIR$RIG_VMLINUX in *,* | *' '*) rig_die "paths with ',' or ' ' cannot be multiboot modules: $RIG_DIR" ;; esac
    if [ -n "${RIG_SCENARIOS:-}" ]; then
        sel=$(echo $RIG_SCENARIOS | tr ' ' ',')
        case $sel in *[!0-9,]*) rig_die "RIG_SCENARIOS takes scenario numbers, e.g. \"00 05\"" ;; esac
        dom0_cmd="$dom0_cmd rig.scenarios=$sel"
    fi
    [ "${RIG_SHELL:-0}" = 1 ] && dom0_cmd="$dom0_cmd rig.shell=1"
    [ "${RIG_BENCH:-0}" = 1 ] && dom0_cmd="$dom0_cmd rig.bench=1"     # the benchmarks run too
    # multiboot modules: "file args,file2"; a comma inside args is doubled
    mods="$RIG_VMLINUX ${dom0_cmd//,/,,},${RIG_DOM0_INITRD:-$RIG_DIR/dom0-initrd.cpio}"
    qemu=(qemu-system-x86_64 -machine q35 -accel tcg,tb-size=256 -cpu qemu64 -smp 2 -m $RIG_QEMU_MEM
        -display none -vga none -no-reboot -nic none -monitor none -serial stdio
        -kernel "$RIG_XEN" -append "$RIG_XEN_CMDLINE" -initrd "$mods")

    RIG_LOG=$RIG_DIR/serial.log
    {
        echo "# rig $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "# ${qemu[*]}"
    } >"$RIG_LOG"
    rm -f "$RIG_DIR/qemu.time"
    t_start=${EPOCHREALTIME/,/.}
    if [ "${RIG_SHELL:-0}" = 1 ]; then
        rig_stage "booting Xen under QEMU with a dom0 shell (timeout ${RIG_TIMEOUT}s; log $RIG_LOG)"
        /usr/bin/time -f '%M %e %U %S' -o "$RIG_DIR/qemu.time" \
            timeout -k 10 "$RIG_TIMEOUT" "${qemu[@]}" | tee -a "$RIG_LOG"
        rc=${PIPESTATUS[0]}
    else
        rig_stage "booting Xen under QEMU (timeout ${RIG_TIMEOUT}s; serial log $RIG_LOG)"
        /usr/bin/time -f '%M %e %U %S' -o "$RIG_DIR/qemu.time" \
            timeout -k 10 "$RIG_TIMEOUT" "${qemu[@]}" </dev/null 2>&1 |
            RIG_LOG=$RIG_LOG RIG_T0=$RIG_T0 perl -MTime::HiRes=time -MIO::Handle -ne "$RIG_SERIAL_FILTER"
        rc=${PIPESTATUS[0]}
    fi
    t_end=${EPOCHREALTIME/,/.}
    wall=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.1f", b - a }')
    rig_verdict "$rc" "$wall"
}

# rig_verdict QEMU_RC WALL_SECONDS: print the report, return 0 for a clean pass.
rig_verdict() {
    local rc=$1 wall=$2 log=$RIG_DIR/serial.log summary np nf crashes why= rss cpu
    summary=$(grep -o 'RIG-SUMMARY: [0-9]* passed, [0-9]* failed' "$log" | tail -n 1)
    np=$(grep -c 'RIG PASS ' "$log")
    nf=$(grep -c 'RIG FAIL ' "$log")
    crashes=$(grep -v 'RIG-CONSOLE' "$log" |
        grep -E 'RIG-CRASH|RIG-FATAL|Panic on CPU|\btraps:|segfault at|crashed on cpu' | head -n 20)
    if [ -s "$RIG_DIR/qemu.time" ]; then
        read -r rss _ user sys < <(tail -n 1 "$RIG_DIR/qemu.time")
        cpu="user ${user}s, sys ${sys}s"
        rss="$((rss / 1024)) MiB"
    else
        rss=unknown cpu=unknown
    fi

    echo
    echo "==== rig report"
    grep -o 'RIG-SCENARIO .*' "$log" | sed 's/^RIG-SCENARIO /  /'
    [ "$nf" -gt 0 ] && { echo "  failures:"; grep -o 'RIG FAIL .*' "$log" | sed 's/^/    /'; }
    [ "${RIG_SHELL:-0}" = 1 ] || echo "  ${summary:-RIG-SUMMARY missing}"
    # the benchmarks' tables (scenarios 9N-bench-*, make rig-bench)
    grep -q 'RIG-BENCH ' "$log" && grep -v 'RIG-CONSOLE' "$log" | grep -o 'RIG-BENCH .*' | sed 's/^RIG-BENCH /  /'
    echo "  wall ${wall}s in QEMU, $(rig_elapsed)s in total; QEMU peak RSS $rss, CPU $cpu"

    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then why="timed out after ${RIG_TIMEOUT}s"
    elif [ "$rc" != 0 ]; then why="QEMU exited with status $rc"
    elif [ -n "$crashes" ]; then why="crash reported"
    elif [ "${RIG_SHELL:-0}" = 1 ]; then why=
    elif [ -z "$summary" ]; then why="no RIG-SUMMARY line"
    elif [ "$nf" -gt 0 ] || ! echo "$summary" | grep -q ' 0 failed$'; then why="$nf check(s) failed"
    elif [ "$np" = 0 ]; then why="no check passed"
    fi
    if [ -z "$why" ]; then
        [ "${RIG_SHELL:-0}" = 1 ] && echo "==== rig shell session ended" || echo "==== rig PASSED"
        return 0
    fi
    [ -n "$crashes" ] && { echo "  crash lines:"; echo "$crashes" | sed 's/^/    /'; }
    echo "---- domU consoles"
    grep -o 'RIG-CONSOLE .*' "$log" | sed 's/^RIG-CONSOLE /  /' | tail -n 200
    echo "---- end of the serial log ($log)"
    grep -v 'RIG-CONSOLE' "$log" | tail -n 60
    echo "==== rig FAILED: $why"
    return 1
}
