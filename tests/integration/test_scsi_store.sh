#!/usr/bin/env bash
# The SCSI target over the real LU store (scsi_store_check): 64 MiB pattern
# write + read back with 32 commands in flight, UNMAP + GET LBA STATUS, MEDIUM
# ERROR from injected faults and from a backing file truncated under the LU,
# read-only LUs refusing writes -- with the io_uring engine (buffered and
# O_DIRECT) and the thread-pool fallback (O_DIRECT). A mode the machine
# cannot run (io_uring disabled, a file system without O_DIRECT) is reported
# as skipped; io_uring itself must run unless XVIOS_ALLOW_NO_URING is set.
. "$(dirname "$0")/lib.sh"

CHECK=$XVIOS_TESTS/scsi_store_check
for mode in "uring" "uring direct" "sync direct"; do
    name=${mode// /-}
    dir=$T_ROOT/$name
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    timeout 300 "$CHECK" "$dir" $mode >"$T_ROOT/$name.out" 2>"$T_ROOT/$name.err"; rc=$?
    sed "s/^/[$name] /" "$T_ROOT/$name.out"
    case $rc in
    0)  t_ok "$name: every check passed" ;;
    77) if [ "$mode" = uring ] && [ -z "${XVIOS_ALLOW_NO_URING:-}" ]; then
            t_fail "$name: io_uring unavailable (set XVIOS_ALLOW_NO_URING=1 to accept that)"
        else
            t_ok "$name: skipped, not supported here"
        fi ;;
    *)  t_fail "$name: exit $rc"; sed "s/^/[$name stderr] /" "$T_ROOT/$name.err" | tail -n 30 ;;
    esac
    ls "$dir" | grep -q . && t_fail "$name: files left behind in its directory: $(ls "$dir")"
done
t_done
