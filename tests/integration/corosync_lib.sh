# corosync_lib.sh - three corosync "hosts" on this one machine (sourced after lib.sh).
#
# Each host is a network namespace with one veth into a private bridge namespace; the addresses
# (198.18.0.1-3/24, the RFC 2544 benchmark range) exist only inside those namespaces, so nothing
# leaves the machine and no address of the root namespace is used. Each corosync runs in its host's
# netns plus a private mount namespace (its own /run for the pid file, its own /dev/shm for libqb's
# rings), with its config, state and log under $T_ROOT/cs/hN. Clients enter a host with cs_exec.
# Every namespace and daemon is removed on exit (cs_stop_all runs from lib.sh's EXIT trap chain).
#
#   cs_setup N             install corosync if missing, build the namespaces for N hosts (N <= 8)
#   cs_start_host I        start host I's corosync and wait until it answers (cs_launch_host +
#                          cs_wait_host: the same in two steps)
#   cs_start_all           start every host, then wait until each sees all N members (deadline)
#   cs_exec I CMD...       run CMD inside host I (its netns and corosync's mount namespace)
#   cs_kill_host I [SIG]   kill host I's corosync (default SIGKILL) and reap it
#   cs_members_of I        the nodeids host I's totem membership has joined, one a line
#   cs_stop_all            stop every corosync, delete every namespace
#
# Env: XVIOS_CS_TOKEN (ms, default 1500): the totem token; token_coefficient is 0 so the effective
# token is exactly this, and the knet link timing is set explicitly (ping every token/5, link timeout
# token*4/5), because the derived default (timeout token/2) drops links on a loaded 2-core machine.
# Detection of a dead host takes about token + consensus (1.2 * token): ~3.3 s at the default.

CS_TOKEN=${XVIOS_CS_TOKEN:-1500}
CS_N=0
CS_TAG=xvc$$
CS_PIDS=()

cs_log() { echo "cs: $*"; }

cs_install() {
    command -v corosync >/dev/null 2>&1 && command -v corosync-cmapctl >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || { echo "corosync is missing and installing it needs root"; return 1; }
    cs_log "installing corosync"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq corosync >/dev/null
}

cs_ns_bridge() { echo "${CS_TAG}b"; }
cs_ns() { echo "${CS_TAG}h$1"; }
cs_addr() { echo "198.18.0.$1"; }
cs_dir() { echo "$T_ROOT/cs/h$1"; }

cs_write_conf() { # cs_write_conf I
    local i=$1 d j ping timeout
    d=$(cs_dir "$i")
    ping=$((CS_TOKEN / 5)); timeout=$((CS_TOKEN * 4 / 5))
    mkdir -p "$d/state"
    {
        echo "totem {"
        echo "  version: 2"
        echo "  cluster_name: xvios-test"
        echo "  transport: knet"
        echo "  crypto_cipher: none"
        echo "  crypto_hash: none"
        echo "  token: $CS_TOKEN"
        echo "  token_coefficient: 0"
        echo "  interface {"
        echo "    linknumber: 0"
        echo "    knet_ping_interval: $ping"
        echo "    knet_ping_timeout: $timeout"
        echo "  }"
        echo "}"
        echo "nodelist {"
        for j in $(seq 1 "$CS_N"); do
            printf '  node {\n    nodeid: %s\n    name: h%s\n    ring0_addr: %s\n  }\n' "$j" "$j" "$(cs_addr "$j")"
        done
        echo "}"
        printf 'quorum {\n  provider: corosync_votequorum\n}\n'
        printf 'logging {\n  to_stderr: no\n  to_syslog: no\n  to_logfile: yes\n  logfile: %s\n  timestamp: on\n}\n' "$d/corosync.log"
        printf 'system {\n  sched_rr: no\n  move_to_root_cgroup: no\n  state_dir: %s\n}\n' "$d/state"
    } > "$d/corosync.conf"
}

cs_setup() { # cs_setup N
    local n=$1 i br
    [ "$n" -ge 1 ] && [ "$n" -le 8 ] || { echo "cs_setup: 1..8 hosts"; return 1; }
    cs_install || return 1
    CS_N=$n
    br=$(cs_ns_bridge)
    ip netns add "$br" || return 1
    ip -n "$br" link add br0 type bridge && ip -n "$br" link set br0 up || return 1
    for i in $(seq 1 "$n"); do
        ip netns add "$(cs_ns "$i")" || return 1
        ip -n "$br" link add "p$i" type veth peer name eth0 netns "$(cs_ns "$i")" || return 1
        ip -n "$br" link set "p$i" master br0 up || return 1
        ip -n "$(cs_ns "$i")" link set lo up || return 1
        ip -n "$(cs_ns "$i")" addr add "$(cs_addr "$i")/24" dev eth0 || return 1
        ip -n "$(cs_ns "$i")" link set eth0 up || return 1
        cs_write_conf "$i"
    done
}

cs_pid() { eval "echo \${CS_PID_$1:-}"; }

# The pid is corosync's from the start (ip netns exec, unshare and sh all exec); wait until the
# exec chain has reached corosync, or a client entering early would see the root's /dev/shm.
cs_is_corosync() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = corosync ]; }

cs_launch_host() { # cs_launch_host I: start host I's corosync, do not wait
    local i=$1 d pid
    d=$(cs_dir "$i")
    ip netns exec "$(cs_ns "$i")" unshare -m --propagation private sh -c \
        "mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /dev/shm && exec corosync -f -c $d/corosync.conf" \
        >"$d/stdout" 2>"$d/stderr" &
    pid=$!
    eval "CS_PID_$i=$pid"
    CS_PIDS+=("$pid")
}

cs_wait_host() { # cs_wait_host I: until host I's corosync runs and answers on its IPC
    local i=$1 d pid
    d=$(cs_dir "$i"); pid=$(cs_pid "$i")
    wait_until 10 cs_is_corosync "$pid" || { echo "host $i: corosync did not start"; cat "$d/stderr"; return 1; }
    wait_until 20 cs_exec "$i" corosync-cmapctl -g totem.cluster_name || {
        echo "host $i: corosync IPC not ready"; tail -n 20 "$d/corosync.log"; return 1; }
}

cs_start_host() { cs_launch_host "$1" && cs_wait_host "$1"; }

cs_exec() { # cs_exec I CMD...
    local i=$1 pid; shift
    pid=$(cs_pid "$i")
    [ -n "$pid" ] || { echo "host $i: not started" >&2; return 1; }
    nsenter -t "$pid" -n -m -- "$@"
}

cs_members_of() { # nodeids with status "joined" in host I's runtime membership
    cs_exec "$1" corosync-cmapctl -b runtime.members 2>/dev/null |
        sed -n 's/^runtime\.members\.\([0-9]*\)\.status (str) = joined$/\1/p' | sort -n
}
cs_sees() { # cs_sees I "1 2 3": host I's membership is exactly that set
    [ "$(cs_members_of "$1" | tr '\n' ' ' | sed 's/ $//')" = "$2" ]
}

cs_start_all() {
    local i all start
    all=$(seq 1 "$CS_N" | tr '\n' ' ' | sed 's/ $//')
    start=$(date +%s%N)
    for i in $(seq 1 "$CS_N"); do cs_launch_host "$i"; done
    for i in $(seq 1 "$CS_N"); do cs_wait_host "$i" || return 1; done
    for i in $(seq 1 "$CS_N"); do
        wait_until 30 cs_sees "$i" "$all" || {
            echo "host $i sees [$(cs_members_of "$i" | tr '\n' ' ')], not [$all]"
            tail -n 30 "$(cs_dir "$i")/corosync.log"; return 1; }
    done
    CS_FORM_MS=$(( ($(date +%s%N) - start) / 1000000 ))
    cs_log "$CS_N hosts formed in ${CS_FORM_MS} ms (token $CS_TOKEN ms)"
}

cs_kill_host() { # cs_kill_host I [SIGNAL]
    local i=$1 sig=${2:-KILL} pid
    pid=$(cs_pid "$i")
    [ -n "$pid" ] || return 0
    kill -s "$sig" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    eval "CS_PID_$i="
}

cs_stop_all() {
    local i pid
    for i in $(seq 1 "$CS_N"); do
        pid=$(cs_pid "$i")
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    done
    for i in $(seq 1 "$CS_N"); do
        pid=$(cs_pid "$i")
        [ -n "$pid" ] || continue
        # a graceful stop takes ~100 ms; SIGKILL a daemon that has not gone within 5 s
        wait_until 5 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        eval "CS_PID_$i="
    done
    for i in $(seq 1 "$CS_N"); do ip netns del "$(cs_ns "$i")" 2>/dev/null; done
    [ "$CS_N" -gt 0 ] && ip netns del "$(cs_ns_bridge)" 2>/dev/null
    CS_N=0
    return 0
}

# ---------------------------------------------------------------- CPG members (cpg_tool)
# cs_tool_start NAME HOST LOCAL [mesh KEYFILE]: a cpg_tool (or, with "mesh", a mesh_tool listening on
# the host's address) as node LOCAL of host HOST; its events go to $T_ROOT/NAME.out, its commands come
# through the fifo $T_ROOT/NAME.in (cs_tool_cmd).
cs_tool_start() {
    local name=$1 host=$2 local_=$3 fd
    local cmd=("$XVIOS_TESTS/cpg_tool" xvios-test "$local_")
    # CS_MESH_PORT=P: the mesh node listens on that port, not one the kernel chooses
    [ "${4:-}" = mesh ] && cmd=("$XVIOS_TESTS/mesh_tool" xvios-test "$local_" "$(cs_addr "$host")${CS_MESH_PORT:+:$CS_MESH_PORT}" "$5")
    mkfifo "$T_ROOT/$name.in"
    # nsenter itself, not cs_exec in a subshell, so $! is the tool (nsenter execs it: no pid namespace)
    nsenter -t "$(cs_pid "$host")" -n -m -- "${cmd[@]}" <"$T_ROOT/$name.in" \
        >"$T_ROOT/$name.out" 2>"$T_ROOT/$name.err" &
    T_PIDS+=($!)
    eval "CS_TOOL_PID_$name=$!"
    exec {fd}>"$T_ROOT/$name.in"
    eval "CS_TOOL_FD_$name=$fd"
}
cs_tool_cmd() { # cs_tool_cmd NAME COMMAND
    local fd; fd=$(eval "echo \${CS_TOOL_FD_$1:-}")
    [ -n "$fd" ] && echo "$2" >&"$fd"
}
cs_tool_stop() { # cs_tool_stop NAME: quit, and wait for it (5 s)
    local fd pid; fd=$(eval "echo \${CS_TOOL_FD_$1:-}"); pid=$(eval "echo \${CS_TOOL_PID_$1:-}")
    [ -n "$fd" ] || return 0
    echo quit >&"$fd" 2>/dev/null
    exec {fd}>&-
    eval "CS_TOOL_FD_$1="
    wait_until 5 bash -c "! kill -0 $pid 2>/dev/null" || kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
# cs_tool_members_are NAME "A,B,C": the last "members" answer of NAME names exactly those nodes
cs_tool_members_are() {
    cs_tool_cmd "$1" members
    sleep 0.1
    [ "$(grep '^members ' "$T_ROOT/$1.out" | tail -n 1 | sed 's/.*nodes=//')" = "$2" ]
}

# lib.sh's t_cleanup (run by its EXIT trap and by t_done) becomes: show the corosync logs on failure,
# stop every host, then lib.sh's own cleanup.
eval "cs_lib_t_cleanup() $(declare -f t_cleanup | tail -n +2)"
t_cleanup() {
    local f
    if [ "${T_FAILS:-0}" -ne 0 ] || [ -n "${KEEP_ROOT:-}" ]; then
        for f in "$T_ROOT"/cs/h*/corosync.log; do [ -f "$f" ] && { echo "== $f"; tail -n 20 "$f"; }; done
    fi
    cs_stop_all
    cs_lib_t_cleanup
}
