# lib.sh - the scenario library of the rig's dom0 (busybox sh). Scenarios
# source it: `. /rig/lib.sh`. Defines functions only.
#
# Results:   rig_pass NAME | rig_fail NAME REASON | rig_check NAME CMD...
#            -> "RIG PASS <scenario>/NAME", "RIG FAIL <scenario>/NAME: REASON"
# domUs:     rig_create_domu NAME ROLE [CFG-LINE...], rig_wait_domu_ready NAME TIMEOUT,
#            rig_destroy_domu NAME [TIMEOUT], rig_domid NAME, rig_domu_running NAME
# in a domU: rig_domu_run DOMNAME TIMEOUT CMD... (prints stdout/stderr, returns the exit status),
#            rig_domu_spawn DOMNAME TAG CMD..., rig_domu_log DOMNAME TAG [BYTES],
#            rig_domu_alive DOMNAME TAG, rig_domu_stop DOMNAME TAG [TIMEOUT],
#            rig_domu_cat DOMNAME FILE [MAXBYTES]
# waiting:   rig_wait_for TIMEOUT CMD..., rig_deadline SECONDS, rig_expired DEADLINE
# Every wait has a deadline (uptime-based, so it never goes backwards).

RIG_DOMU_KERNEL=/rig/domu/vmlinux
RIG_DOMU_RAMDISK=/rig/domu/initrd.cpio
RIG_DOMU_MEMORY=256
RIG_STATE=/run/rig
# NAME:ROLE[:MEMORY-MiB]. vios1 serves the vSCSI scenarios' LUs from files in its tmpfs (up to
# 96 MiB), so it gets the memory for them; client2 is the second client of the isolation checks.
RIG_STANDARD_DOMUS="vios1:vios:320 vios2:vios vios3:vios client1:client client2:client"

# ---------------------------------------------------------------- time
# rig_now: centiseconds since boot (/proc/uptime has two decimals).
rig_now() {
    local up _
    read -r up _ </proc/uptime
    echo "${up%.*}${up#*.}"
}
rig_deadline() { echo $(($(rig_now) + $1 * 100)); }
rig_expired() { [ "$(rig_now)" -ge "$1" ]; }
# rig_secs_since START_CS: seconds (one decimal) since START_CS.
rig_secs_since() {
    local d=$(($(rig_now) - $1))
    echo "$((d / 100)).$((d % 100 / 10))"
}

# rig_wait_for TIMEOUT CMD...: run CMD until it succeeds (0) or TIMEOUT s
# pass (1). Polls back off from 50 ms to 0.5 s: every poll costs dom0 CPU
# that the emulated machine's other domains are waiting for.
rig_wait_for() {
    local dl nap=50000
    dl=$(rig_deadline "$1")
    shift
    until "$@" >/dev/null 2>&1; do
        rig_expired "$dl" && return 1
        usleep $nap
        [ $nap -ge 500000 ] || nap=$((nap * 2))
    done
}

# ---------------------------------------------------------------- results
rig_pass() { echo "RIG PASS ${RIG_SCENARIO:+$RIG_SCENARIO/}$1"; }
rig_fail() {
    echo "RIG FAIL ${RIG_SCENARIO:+$RIG_SCENARIO/}$1: $(echo "$2" | tr '\n' ' ')"
    return 1
}
# rig_check NAME CMD...: pass if CMD succeeds; else fail with its last output line.
rig_check() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc = 0 ]; then
        rig_pass "$name"
    else
        rig_fail "$name" "exit $rc: $(echo "$out" | tail -n 1)"
    fi
}

# ---------------------------------------------------------------- quoting
# rig_xs_escape STRING: STRING for xenstore-write, which unescapes backslashes.
rig_xs_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g'; }
# rig_shell_quote STRING: STRING as one single-quoted shell word.
rig_shell_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
# rig_xs_raw PATH: the exact value at PATH (xenstore-read -R adds no newline).
rig_xs_raw() { xenstore-read -R "$1" 2>/dev/null; }

# ---------------------------------------------------------------- domains
rig_domid() { xl domid "$1" 2>/dev/null; }

# rig_domu_running NAME: NAME exists and is not crashed, shut down or dying.
rig_domu_running() {
    local st
    st=$(xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }')
    case $st in *c* | *s* | *d* | "") return 1 ;; esac
}

# rig_create_domu NAME ROLE [CFG-LINE...]: start a PV domU from the rig's
# image (no disk, no vif). ROLE vios makes it a driver domain. Extra xl.cfg
# lines (e.g. 'memory = 192') are appended and override the defaults.
rig_create_domu() {
    local name=$1 role=$2 cfg line
    shift 2
    case $role in vios | client) ;; *) echo "rig_create_domu: bad role '$role'" >&2; return 2 ;; esac
    mkdir -p "$RIG_STATE/domu"
    cfg=$RIG_STATE/domu/$name.cfg
    {
        echo "name = \"$name\""
        echo 'type = "pv"'
        echo "kernel = \"$RIG_DOMU_KERNEL\""
        echo "ramdisk = \"$RIG_DOMU_RAMDISK\""
        echo "extra = \"console=hvc0 rdinit=/init loglevel=4 rig.role=$role\""
        echo "memory = $RIG_DOMU_MEMORY"
        echo 'vcpus = 1'
        echo 'on_crash = "preserve"'
        [ "$role" = vios ] && echo 'driver_domain = 1'
        for line in "$@"; do echo "$line"; done
    } >"$cfg"
    if ! xl create -q "$cfg" >"$RIG_STATE/domu/$name.create.log" 2>&1; then
        echo "rig_create_domu: xl create $name failed:" >&2
        tail -n 20 "$RIG_STATE/domu/$name.create.log" >&2
        return 1
    fi
}

# rig_domu_ready NAME: the agent of NAME announced itself.
rig_domu_ready() {
    local id
    id=$(rig_domid "$1") || return 1
    [ "$(xenstore-read "/local/domain/$id/data/rig/state" 2>/dev/null)" = ready ]
}

# rig_wait_domu_ready NAME TIMEOUT: wait until NAME's agent is ready; on
# timeout show the end of its console log.
rig_wait_domu_ready() {
    rig_wait_for "$2" rig_domu_ready "$1" && return 0
    echo "rig_wait_domu_ready: $1 not ready within $2s; console:" >&2
    tail -n 20 "/var/log/xen/console/guest-$1.log" 2>/dev/null | sed 's/^/  | /' >&2
    return 1
}

# rig_destroy_domu NAME [TIMEOUT]: xl destroy, and wait until the name is gone.
rig_destroy_domu() {
    xl destroy "$1" >/dev/null 2>&1
    rig_wait_for "${2:-30}" sh -c "! xl domid '$1'"
}

# ---------------------------------------------------------------- commands in a domU
# rig_domu_run DOMNAME TIMEOUT CMD...: run CMD (words joined by spaces, run
# by sh -c, like ssh) in DOMNAME through its agent. Prints the command's
# stdout on stdout and its stderr on stderr (each clipped to its last
# 1.5 KiB / 384 bytes), returns its exit status: 137 = killed at TIMEOUT in
# the domU, 124 = no answer within TIMEOUT + 5 s, 125 = no such domain.
rig_domu_run() {
    local dom=$1 t=$2 id base rid dl rc out err
    shift 2
    id=$(rig_domid "$dom") || { echo "rig_domu_run: no domain $dom" >&2; return 125; }
    base=/local/domain/$id/data/rig
    rid=$(rig_now)-$RANDOM$RANDOM
    xenstore-write -- "$base/cmd/$rid" "$t $(rig_xs_escape "$*")" ||
        { echo "rig_domu_run: cannot write to $dom's agent" >&2; return 125; }
    dl=$(rig_deadline $((t + 5)))
    nap=20000   # polls back off from 20 ms to 250 ms: each one is a process in dom0
    until rc=$(xenstore-read "$base/res/$rid/rc" 2>/dev/null); do
        if rig_expired "$dl"; then
            xenstore-rm "$base/cmd/$rid" 2>/dev/null
            echo "rig_domu_run: $dom: no answer within ${t}s: $*" >&2
            return 124
        fi
        usleep $nap
        [ $nap -ge 250000 ] || nap=$((nap * 2))
    done
    out=$(rig_xs_raw "$base/res/$rid/out"; echo x)
    err=$(rig_xs_raw "$base/res/$rid/err"; echo x)
    xenstore-rm "$base/res/$rid" "$base/cmd/$rid" 2>/dev/null
    printf '%s' "${out%x}"
    printf '%s' "${err%x}" >&2
    return "$rc"
}

# rig_domu_spawn DOMNAME TAG CMD...: start CMD detached in DOMNAME; its output
# goes to /var/log/rig/TAG.log there, its pid to /run/rig/TAG.pid.
rig_domu_spawn() {
    local dom=$1 tag=$2
    shift 2
    rig_domu_run "$dom" 10 "rig-spawn $tag $(rig_shell_quote "$*")"
}

# rig_domu_log DOMNAME TAG [BYTES]: the last BYTES (default 1400) of TAG's log.
rig_domu_log() { rig_domu_run "$1" 10 "tail -c ${3:-1400} /var/log/rig/$2.log"; }

# rig_domu_alive DOMNAME TAG: the spawned process TAG still runs.
rig_domu_alive() { rig_domu_run "$1" 10 "kill -0 \$(cat /run/rig/$2.pid)" 2>/dev/null; }

# rig_domu_stop DOMNAME TAG [TIMEOUT]: SIGTERM, then SIGKILL after TIMEOUT (default 5) s.
rig_domu_stop() {
    rig_domu_run "$1" $((${3:-5} + 5)) "p=\$(cat /run/rig/$2.pid) || exit 1; kill \$p 2>/dev/null || exit 0;
        i=0; while kill -0 \$p 2>/dev/null; do i=\$((i + 1)); [ \$i -gt $((${3:-5} * 10)) ] && kill -9 \$p; usleep 100000; done"
}

# rig_domu_cat DOMNAME FILE [MAXBYTES]: the whole text FILE from DOMNAME
# (no NUL bytes), read in chunks that fit the agent's output limit; at most
# MAXBYTES (default 64 KiB).
rig_domu_cat() {
    local dom=$1 f=$2 max=${3:-65536} chunk=1400 i=0 part
    while [ $((i * chunk)) -lt "$max" ]; do
        part=$(rig_domu_run "$dom" 10 "dd if='$f' bs=$chunk skip=$i count=1 2>/dev/null"; echo "x$?")
        [ "${part##*x}" = 0 ] || return 1
        part=${part%x*}
        [ -n "$part" ] || return 0
        printf '%s' "$part"
        i=$((i + 1))
    done
}

# ---------------------------------------------------------------- the standard set
# rig_standard_domus_up TIMEOUT: create the standard domUs that are not
# running (vios1..vios3, client1, client2) and wait until those are ready. A domain
# that is present but crashed or shut down is destroyed and created again.
rig_standard_domus_up() {
    local t=$1 d name role mem list created= rc=0
    list=$(xl list 2>/dev/null)
    for d in $RIG_STANDARD_DOMUS; do
        name=${d%%:*}
        role=${d#*:}
        mem=${role#*:}
        role=${role%%:*}
        [ "$mem" != "$role" ] && mem="memory = $mem" || mem=
        case $(echo "$list" | awk -v n="$name" '$1 == n { print $5 }') in
            *c* | *s* | *d*) rig_destroy_domu "$name" ;;
            "") ;;
            *) continue ;;
        esac
        created="$created $name"
        # in parallel: the domUs boot while the next ones are being built
        { rig_create_domu "$name" "$role" ${mem:+"$mem"} || echo "$name" >>"$RIG_STATE/domu/create-failed"; } &
    done
    [ -n "$created" ] || return 0
    wait
    [ -s "$RIG_STATE/domu/create-failed" ] && rc=1
    rm -f "$RIG_STATE/domu/create-failed"
    for name in $created; do
        rig_wait_domu_ready "$name" "$t" || rc=1
    done
    return $rc
}

# rig_extra_domus: running domUs that are not in the standard set.
rig_extra_domus() {
    local std=" $(for d in $RIG_STANDARD_DOMUS; do printf '%s ' "${d%%:*}"; done)"
    xl list 2>/dev/null | awk 'NR > 2 { print $1 }' | while read -r n; do
        case $std in *" $n "*) ;; *) echo "$n" ;; esac
    done
}

# ---------------------------------------------------------------- the cluster
# The scenarios from 01 on share one cluster: "rig", nodes 1..3 = vios1..vios3,
# each VIOS running xvios-backend (tag backend) and xviosd (tag daemon).
# rig_cluster_up (re)creates whatever of it is missing, so any scenario can
# run alone; rig_cluster_down takes it all away.
RIG_TESTS_DIR=/usr/libexec/xvios-tests
RIG_VIOS="vios1 vios2 vios3"
RIG_CLUSTER_NAME=rig
RIG_CLUSTER_OPTS="--max-nodes 8 --timeout 5000 --retries 2"

# rig_cluster_nodes: one line per node of the cluster DB, "NODE DOMID NAME ONLINE ALIVE"
# (from `xvios cluster status --json`); fails without a cluster.
rig_cluster_nodes() {
    local js
    js=$(xvios cluster status --json 2>/dev/null) || return 1
    echo "$js" | sed -n 's/.*"nodes":\[//; s/\]}$//; s/},{/}\n{/g; p' | while read -r o; do
        [ -n "$o" ] || continue
        echo "$(rig_json_num "$o" node) $(rig_json_num "$o" domid) $(rig_json_str "$o" name)" \
            "$(rig_json_num "$o" online) $(rig_json_num "$o" alive)"
    done
}
# rig_json_num OBJECT KEY / rig_json_str OBJECT KEY: a number/bool or a string
# member of a flat JSON object on one line ("key":v or "key": v).
rig_json_num() { echo "$1" | sed -n "s/.*\"$2\": *\([^,}\"]*\).*/\1/p"; }
rig_json_str() { echo "$1" | sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p"; }

# rig_vios_start DOM: start the backend and the daemon in DOM unless they run.
# With the packages in the image (host/packages.sh), as their units say
# (rig-unit: the ExecStart lines, /etc/xvios/*.conf); without, RIG_BIN's
# programs from /usr/bin. Logs (info level) in DOM's /var/log/rig/backend.log
# and daemon.log.
rig_vios_unit() {   # UNIT FALLBACK-ARGS: the spawn command for UNIT
    echo "if [ -f /lib/systemd/system/$1.service ]; then exec rig-unit $1; else exec $1 $2; fi"
}
rig_vios_start() {
    rig_domu_alive "$1" backend ||
        rig_domu_spawn "$1" backend "XVIOS_LOG=${RIG_BACKEND_LOG:-info}; export XVIOS_LOG;" \
            "$(rig_vios_unit xvios-backend '--platform xen')" || return 1
    rig_domu_alive "$1" daemon ||
        rig_domu_spawn "$1" daemon "XVIOS_LOG=info; export XVIOS_LOG;" \
            "$(rig_vios_unit xviosd '--platform xen --foreground')"
}
# rig_vios_stop DOM: stop the daemon, then the backend.
rig_vios_stop() {
    rig_domu_stop "$1" daemon >/dev/null 2>&1
    rig_domu_stop "$1" backend >/dev/null 2>&1
    return 0
}
# rig_vke_stat DOM KEY: one counter of DOM's VKE (vke_tool stats).
rig_vke_stat() {
    rig_domu_run "$1" 10 "$RIG_TESTS_DIR/vke_tool stats /run/xvios 0" 2>/dev/null | sed -n "s/^$2=//p"
}
# rig_vios_ready DOM PEERS: DOM's VKE has PEERS links up and its daemon is attached.
rig_vios_ready() {
    rig_domu_run "$1" 10 "$RIG_TESTS_DIR/vke_tool stats /run/xvios 0 | grep -qx 'links_up=$2' &&
        grep -q 'attached to the VKE' /var/log/rig/daemon.log" >/dev/null 2>&1
}
# rig_cluster_ready DOMS...: every DOM ready with links to all the others, all online in the DB.
rig_cluster_ready() {
    local d n=$# peers
    peers=$((n - 1))
    for d in "$@"; do rig_vios_ready "$d" $peers || return 1; done
    [ "$(rig_cluster_nodes | awk '$4 == "true"' | wc -l)" -ge "$n" ]
}

# rig_cluster_is_standard: the DB holds exactly nodes 1..3 = vios1..vios3 with their current domids.
rig_cluster_is_standard() {
    local want= i=1 d
    for d in $RIG_VIOS; do
        want="$want$i $(rig_domid "$d") $d;"
        i=$((i + 1))
    done
    [ "$(rig_cluster_nodes | awk '{ printf "%s %s %s;", $1, $2, $3 }')" = "$want" ]
}

# rig_cluster_down: stop the processes in every running VIOS, destroy the cluster.
rig_cluster_down() {
    local d
    for d in $RIG_VIOS; do rig_domu_running "$d" && rig_vios_stop "$d"; done
    xvios cluster destroy >/dev/null 2>&1
    return 0
}

# rig_cluster_up [TIMEOUT]: the standard cluster, ready (links up, daemons
# attached, online). If the DB is not the standard one (no cluster, a node
# missing or re-created with a new domid), everything is taken down and
# created again. Prints what it did on failure.
rig_cluster_up() {
    local t=${1:-120} d
    if ! rig_cluster_is_standard; then
        rig_cluster_down
        xvios cluster create $RIG_CLUSTER_NAME $RIG_CLUSTER_OPTS >/dev/null || return 1
        for d in $RIG_VIOS; do xvios cluster add "$d" >/dev/null || return 1; done
    fi
    for d in $RIG_VIOS; do rig_vios_start "$d" || { echo "rig_cluster_up: cannot start $d's processes" >&2; return 1; }; done
    rig_wait_for "$t" rig_cluster_ready $RIG_VIOS && return 0
    echo "rig_cluster_up: not ready within ${t}s:" >&2
    for d in $RIG_VIOS; do
        echo "  $d: $(rig_domu_run "$d" 10 "$RIG_TESTS_DIR/vke_tool stats /run/xvios 0 | grep -E '^(node|peers|links_up)='" 2>&1 | tr '\n' ' ')" >&2
    done
    rig_cluster_nodes | sed 's/^/  db: /' >&2
    return 1
}

# ---------------------------------------------------------------- vSCSI disks
# A client's disks come from a VIOS's vSCSI engine (xvios-backend, started by
# rig_cluster_up); an LU is the path of a file inside the VIOS. Dom0 attaches
# and detaches them with `xvios scsi` (docs/vscsi.md), which waits until the
# client's frontend has answered.
RIG_BLK=$RIG_TESTS_DIR/blk_pattern
RIG_SCSI_TIMEOUT_MS=30000

rig_scsi_be() { echo "/local/domain/$(rig_domid "$2")/backend/vscsi/$(rig_domid "$1")/$3"; }   # CLIENT VIOS VHOST
rig_scsi_fe() { echo "/local/domain/$(rig_domid "$1")/device/vscsi/$2"; }                        # CLIENT VHOST
# rig_xs_is PATH VALUE: PATH holds VALUE
rig_xs_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
# rig_node_of VIOS: the cluster node id of VIOS
rig_node_of() { rig_cluster_nodes | awk -v n="$1" '$3 == n { print $1; exit }'; }

# rig_scsi_attach CLIENT VIOS LU VDEV [ro]: attach LU (a path inside VIOS) to CLIENT as VDEV
# (h:c:t:l, h the vhost); returns when the client's frontend has the LUN. Prints why on failure.
rig_scsi_attach() {
    local node
    node=$(rig_node_of "$2")
    [ -n "$node" ] || { echo "rig_scsi_attach: $2 is no cluster node" >&2; return 1; }
    rig_scsi_run scsi attach "$1" "$3" "$4" --vios "$node" ${5:+--$5} --timeout $RIG_SCSI_TIMEOUT_MS
}

# rig_scsi_detach CLIENT VDEV: hot remove the LUN (the last one of a vhost takes the vhost down).
rig_scsi_detach() { rig_scsi_run scsi detach "$1" "$2" --timeout $RIG_SCSI_TIMEOUT_MS; }

# rig_scsi_run ARGS...: xvios ARGS, quiet; on failure its exit status and last lines on stderr.
rig_scsi_run() {
    local out rc
    out=$(xvios "$@" 2>&1)
    rc=$?
    [ $rc = 0 ] || echo "xvios $* exited $rc: $(echo "$out" | tail -n 3)" >&2
    return $rc
}

# rig_scsi_drop CLIENT VIOS VHOST: remove a vhost's nodes outright, for a vhost whose frontend or
# VIOS no longer answers (a user-space frontend that went away, a destroyed VIOS).
rig_scsi_drop() {
    xenstore-rm "$(rig_scsi_be "$1" "$2" "$3")" 2>/dev/null
    xenstore-rm "$(rig_scsi_fe "$1" "$3")" 2>/dev/null
    return 0
}

# rig_scsi_disk CLIENT VDEV: the client's block device name (sda, ...) of VDEV (h:c:t:l).
rig_scsi_disk() {
    local h=${2%%:*} ctl=${2#*:}
    rig_domu_run "$1" 10 "for b in /sys/bus/xen/devices/vscsi-$h/host*/target*/*:$ctl/block/*; do [ -e \"\$b\" ] && basename \"\$b\"; done" 2>/dev/null
}

# rig_lu_create VIOS PATH MIB: a sparse LU file in VIOS's tmpfs.
rig_lu_create() { rig_domu_run "$1" 20 "mkdir -p \$(dirname $2) && rm -f $2 && truncate -s $3M $2"; }

# ---------------------------------------------------------------- the shared disk
# One disk image in dom0's tmpfs behind /dev/loop0, given to each VIOS as the same block device
# /dev/xvdb (xl block-attach through xen-blkback): the rig's stand-in for the SAN LUN every VIOS
# reaches, on which the LU pool's LUs are regions. `xl block-detach VIOS xvdb` removes the device in
# that VIOS at once (a fabric loss).
RIG_SHARED_IMG=/tmp/rig-shared-disk.img
RIG_SHARED_LOOP=/dev/loop0
RIG_SHARED_DEV=/dev/xvdb

# rig_shared_disk_up MIB VIOS...: the image (MIB MiB, made once) attached to every VIOS named.
rig_shared_disk_up() {
    local mib=$1 d
    shift
    [ -b $RIG_SHARED_LOOP ] || mknod $RIG_SHARED_LOOP b 7 0 || return 1
    if ! losetup $RIG_SHARED_LOOP >/dev/null 2>&1; then
        dd if=/dev/zero of=$RIG_SHARED_IMG bs=1M count="$mib" 2>/dev/null || return 1
        losetup $RIG_SHARED_LOOP $RIG_SHARED_IMG || return 1
    fi
    for d in "$@"; do
        rig_domu_run "$d" 5 "[ -b $RIG_SHARED_DEV ]" 2>/dev/null && continue
        # target= must be the last key: it takes the rest of the string
        xl block-attach "$d" "format=raw, vdev=${RIG_SHARED_DEV#/dev/}, access=rw, script=/rig/block-hotplug, target=$RIG_SHARED_LOOP" ||
            { echo "rig_shared_disk_up: xl block-attach $d failed" >&2; return 1; }
        rig_wait_for 30 rig_domu_run "$d" 5 "[ -b $RIG_SHARED_DEV ]" ||
            { echo "rig_shared_disk_up: no $RIG_SHARED_DEV in $d" >&2; return 1; }
    done
}

# rig_shared_disk_detach VIOS: the shared disk taken away from VIOS (a fabric loss).
rig_shared_disk_detach() { xl block-detach "$1" "${RIG_SHARED_DEV#/dev/}"; }
