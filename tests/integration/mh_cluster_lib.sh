# mh_cluster_lib.sh - six loopback VIOS nodes on three corosync hosts (sourced after lib.sh and
# corosync_lib.sh): two per host, ids (corosync nodeid << 8) | local, one static node list (multihost-db = no) in every
# host's loopback root, xvios-backend with `multihost = true` inside its host (netns + corosync's
# mount namespace), and optionally xviosd next to it.
#
#   mh_setup                 the corosync hosts, the key, the node list and each host's backend.conf
#   mh_backend NODE          start NODE's xvios-backend (pid in MH_PID_<node>)
#   mh_daemon NODE           start NODE's xviosd and wait until its caller API answers
#   mh_start_all             every backend, then wait until each node has its 5 links up
#   mh_stat NODE KEY         one counter of NODE's VKE (VKE_STATS)
#   mh_in NODE CMD...        run CMD inside NODE's host
MH_NODES="257 258 513 514 769 770"
host_of() { echo $(( $1 >> 8 )); }
domid_of() { echo $(( 100 + 10 * ($1 >> 8) + ($1 & 255) )); }
root_of() { echo "$T_ROOT/h$(host_of "$1")"; }
ms() { date +%s%3N; }

mh_setup() {
    cs_setup 3 || { t_fail "namespaces"; return 1; }
    cs_start_all || { t_fail "corosync hosts did not form"; return 1; }
    head -c 256 /dev/urandom > "$T_ROOT/authkey"; chmod 600 "$T_ROOT/authkey"
    local list="" n h
    for n in $MH_NODES; do list="$list $n:$(domid_of "$n")"; done
    for h in 1 2 3; do
        mkdir -p "$T_ROOT/h$h"
        # shellcheck disable=SC2086
        "$VKE_TOOL" mkmulti "$T_ROOT/h$h" 2000 $list > "$T_ROOT/mk$h.out" || { t_fail "mkmulti host $h"; return 1; }
        cat > "$T_ROOT/h$h/backend.conf" <<EOC
multihost = true
multihost-address = $(cs_addr "$h")
multihost-key = $T_ROOT/authkey
multihost-db = no
EOC
    done
}

mh_in() { local n=$1; shift; nsenter -t "$(cs_pid "$(host_of "$n")")" -n -m -- "$@"; }

mh_backend() {
    local n=$1 r; r=$(root_of "$n")
    mkdir -p "$r/nodes/$n"
    # nsenter itself in the background (not through mh_in) so that $! is the backend's pid
    nsenter -t "$(cs_pid "$(host_of "$n")")" -n -m -- "$XVIOS_BIN/xvios-backend" --platform loopback --root "$r" \
        --domid "$(domid_of "$n")" --no-vscsi --config "$r/backend.conf" --log "$r/nodes/$n/backend.log" \
        2>"$r/nodes/$n/backend.err" &
    T_PIDS+=($!)
    eval "MH_PID_$n=$!"
}

mh_links_are() { [ "$(mh_stat "$1" links_up)" = "$2" ]; }
mh_stat() { "$VKE_TOOL" stats "$(root_of "$1")" "$1" | sed -n "s/^$2=//p"; }

mh_start_all() {
    local n
    for n in $MH_NODES; do mh_backend "$n"; done
    for n in $MH_NODES; do
        wait_until 20 test -S "$(root_of "$n")/nodes/$n/vke.sock" || { t_fail "node $n: backend did not start"; return 1; }
    done
    for n in $MH_NODES; do
        wait_until 30 mh_links_are "$n" 5 || { t_fail "node $n: not 5 links up"; return 1; }
    done
}

# xviosd daemonizes once attached to its VKE; its pid file is in the node's run directory
mh_daemon() {
    local n=$1 r; r=$(root_of "$n")
    mh_in "$n" "$XVIOS_BIN/xviosd" --platform loopback --root "$r" --domid "$(domid_of "$n")" \
        --log "$r/nodes/$n/xviosd.log" 2>"$r/nodes/$n/xviosd.err" || { t_fail "node $n: xviosd did not start"; return 1; }
    wait_until 20 test -S "$r/nodes/$n/api.sock" || { t_fail "node $n: no caller API socket"; return 1; }
    local pid; pid=$(cat "$r/nodes/$n/xviosd.pid" 2>/dev/null)
    [ -n "$pid" ] && T_PIDS+=("$pid")   # daemonized: t_cleanup kills it (not our child)
    eval "MH_DPID_$n=$pid"
}

# mh_snap NODE FILE: NODE's VKE counters (with the mesh's and CPG's) into FILE
mh_snap() { "$VKE_TOOL" stats "$(root_of "$1")" "$1" > "$2"; }
# mh_delta BEFORE AFTER KEY: how much KEY grew between two snapshots
mh_delta() {
    local a b
    a=$(sed -n "s/^$3=//p" "$1"); b=$(sed -n "s/^$3=//p" "$2")
    echo $(( ${b:-0} - ${a:-0} ))
}

# mh_capture NAME HOST FILTER: tcpdump on host HOST's eth0 into $T_ROOT/NAME.pcap until mh_capture_stop;
# installs tcpdump (Debian) if it is missing; 1 if no capture could start
mh_capture() {
    command -v tcpdump >/dev/null 2>&1 || \
        { apt-get install -y -qq tcpdump >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq tcpdump >/dev/null 2>&1; }; }
    command -v tcpdump >/dev/null 2>&1 || return 1
    # --immediate-mode: each packet is handed over as it comes. Without it libpcap's TPACKET_V3 ring
    # holds a block until its 1 s timeout, and what a block held when the SIGINT came is never written
    # ("42 packets received by filter, 0 packets captured" when the sends took under a second).
    ip netns exec "$(cs_ns "$2")" tcpdump -i eth0 -nn -U --immediate-mode -w "$T_ROOT/$1.pcap" "$3" \
        2>"$T_ROOT/$1.tcpdump.err" &
    T_PIDS+=($!)
    eval "MH_CAP_$1=$!"
    wait_until 10 grep -q "listening on" "$T_ROOT/$1.tcpdump.err"
}
mh_capture_stop() { # mh_capture_stop NAME: stop it; prints how many packets it holds
    local pid; pid=$(eval echo "\${MH_CAP_$1:-}")
    [ -n "$pid" ] && { kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
    tcpdump -nn -r "$T_ROOT/$1.pcap" 2>>"$T_ROOT/$1.tcpdump.err" | wc -l
}
