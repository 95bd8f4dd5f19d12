#!/bin/sh
# rig-agent ROLE - runs the commands dom0 puts into this domain's XenStore area.
#
# Protocol (paths relative to /local/domain/<domid>/, which this domain owns):
#   data/rig/state          "ready" once the agent listens; data/rig/role = ROLE
#   data/rig/cmd/<id>       written by dom0: "<timeout-seconds> <shell command>"
#   data/rig/res/<id>/out   stdout of the command (its last RIG_OUT_MAX bytes)
#   data/rig/res/<id>/err   stderr (its last RIG_ERR_MAX bytes)
#   data/rig/res/<id>/rc    exit status, written last; 137 = killed at the timeout
# The agent runs each command in the background (several may run at once)
# under `timeout -s KILL`; dom0 removes cmd/<id> and res/<id> after reading
# the result. Values are written with backslashes doubled (xenstore-write
# unescapes them) and after "--" (a value may start with "-"); read them
# with xenstore-read -R. The size limits keep every node below xenstored's
# default 2048-byte entry quota for unprivileged domains.
#
# Long-running processes: `rig-spawn TAG CMD` (below) starts CMD detached,
# output in /var/log/rig/TAG.log, pid in /run/rig/TAG.pid.
ROLE=${1:-client}
RIG=data/rig
RIG_OUT_MAX=1536
RIG_ERR_MAX=384
WORK=/run/rig/agent
mkdir -p "$WORK" /var/log/rig

# clip FILE MAX: FILE's content (at most its last MAX bytes, with a notice if
# clipped), backslashes doubled, followed by "x" so trailing newlines survive $(...).
clip() {
    local size
    [ -s "$1" ] || { echo x; return; }
    size=$(wc -c <"$1")
    [ "$size" -le "$2" ] || printf '[rig-agent: first %s bytes dropped]\n' $((size - $2))
    tail -c "$2" "$1" | sed 's/\\/\\\\/g'
    echo x
}

run_one() {
    local id=$1 spec=$2 t cmd rc out err
    t=${spec%% *}
    cmd=${spec#* }
    case $t in '' | *[!0-9]*) t=60 ;; esac
    timeout -s KILL "$t" sh -c "$cmd" </dev/null >"$WORK/$id.out" 2>"$WORK/$id.err"
    rc=$?
    out=$(clip "$WORK/$id.out" $RIG_OUT_MAX)
    err=$(clip "$WORK/$id.err" $RIG_ERR_MAX)
    xenstore-write -- "$RIG/res/$id/out" "${out%x}" "$RIG/res/$id/err" "${err%x}" "$RIG/res/$id/rc" "$rc" ||
        xenstore-write -- "$RIG/res/$id/out" "" "$RIG/res/$id/err" "[rig-agent: output could not be stored]" \
            "$RIG/res/$id/rc" "$rc"
    rm -f "$WORK/$id.out" "$WORK/$id.err"
}

# take ID [scan]: start command ID unless it was taken before. dom0 removes
# cmd/ID with the result; that event (the node is gone) forgets the ID. In a
# full scan (after a restart of the watch) a command that is still running
# or has its result already is not started again.
taken=" "
take() {
    local id=$1 spec
    case $taken in *" $id "*)
        xenstore-exists "$RIG/cmd/$id" || taken=${taken% $id *}${taken#* $id}
        return ;;
    esac
    if [ "${2:-}" = scan ]; then
        [ -e "$WORK/$id.out" ] && return
        xenstore-exists "$RIG/res/$id/rc" && return
    fi
    spec=$(xenstore-read -R "$RIG/cmd/$id" 2>/dev/null) || return
    taken="$taken$id "
    run_one "$id" "$spec" &
}

# on_event PATH: a watch event; the one for cmd/ID names the command, the
# first one (for data/rig/cmd itself, sent when the watch is set) scans all.
on_event() {
    local id
    case $1 in
        */cmd/*) take "${1##*/cmd/}" ;;
        *)
            for id in $(xenstore-list "$RIG/cmd" 2>/dev/null); do take "$id" scan; done ;;
    esac
}

if [ "$(basename "$0")" = rig-spawn ]; then
    tag=$1
    shift
    case $tag in '' | */* | .*) echo "rig-spawn: bad tag '$tag'" >&2; exit 2 ;; esac
    mkdir -p /run/rig /var/log/rig
    setsid sh -c "$*" </dev/null >"/var/log/rig/$tag.log" 2>&1 &
    echo $! >"/run/rig/$tag.pid"
    exit 0
fi

xenstore-rm "$RIG" 2>/dev/null
xenstore-write "$RIG/cmd" "" "$RIG/role" "$ROLE" || echo "rig-agent: cannot write $RIG"
xenstore-write "$RIG/state" ready
echo "rig-agent: ready (role $ROLE) at $(cut -d' ' -f1 /proc/uptime)s"
# A watch fires once when it is set (that first scan catches commands written
# before it), then on every change below data/rig/cmd.
while :; do
    xenstore-watch "$RIG/cmd" | while read -r path; do on_event "$path"; done
    echo "rig-agent: xenstore-watch ended, restarting"
    sleep 1
done
