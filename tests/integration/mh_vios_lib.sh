# mh_vios_lib.sh - two real VIOS nodes on two of three corosync hosts, both on the replicated DB (sourced
# after lib.sh and corosync_lib.sh): 257 (domain 111 on host 1) and 513 (domain 121 on host 2), each
# xvios-backend with its vSCSI engine and xviosd, cluster "itest" made with `xvios cluster create
# --multi-host` and joined through the running 257.
#
#   mhv_up [BACKEND_CONF_LINES]  the hosts, the key, the VIOS domains, the configs (extra backend.conf
#                                lines appended: "@H" in them is the host's number), the cluster, both
#                                nodes running and linked; 1 (after a t_fail) if any step failed
#   root_of HOST                 the host's loopback root
#   xv HOST ARGS...              xvios inside HOST on the replicated DB
#   BE_PID_<node>, VD_PID_<node> the backends' and daemons' pids
XS_TOOL="$XVIOS_TESTS/vscsi_xs_tool"
FRONT="$XVIOS_TESTS/vscsi_front"
VIOS_DOM_1=111; VIOS_DOM_2=121

root_of() { echo "$T_ROOT/h$1"; }
xv() { local h=$1; shift; cs_exec "$h" timeout 60 "$XVIOS_BIN/xvios" --root "$(root_of "$h")" --multihost itest "$@"; }

# start_node HOST NODE DOMID: backend (vSCSI on) and daemon inside the host
start_node() {
    local h=$1 n=$2 d=$3 r; r=$(root_of "$h")
    mkdir -p "$r/nodes/$n"
    nsenter -t "$(cs_pid "$h")" -n -m -- "$XVIOS_BIN/xvios-backend" --platform loopback --root "$r" \
        --domid "$d" --config "$r/backend.conf" --log "$r/nodes/$n/backend.log" 2>"$r/nodes/$n/backend.err" &
    T_PIDS+=($!)
    eval "BE_PID_$n=$!"
    wait_until 30 test -S "$r/nodes/$n/vke.sock" || return 1
    cs_exec "$h" "$XVIOS_BIN/xviosd" --platform loopback --root "$r" --domid "$d" --config "$r/xviosd.conf" \
        --log "$r/nodes/$n/xviosd.log" 2>"$r/nodes/$n/xviosd.err" || return 1
    eval "VD_PID_$n=\$(cat '$r/nodes/$n/xviosd.pid')"
    T_PIDS+=("$(cat "$r/nodes/$n/xviosd.pid")")
}
mhv_links() { [ "$("$VKE_TOOL" stats "$(root_of "$1")" "$2" | sed -n 's/^links_up=//p')" = 1 ]; }
mhv_links_both() { mhv_links 1 257 && mhv_links 2 513; }

mhv_up() {
    local extra=${1:-} h r d
    cs_setup 3 || { t_fail "namespaces"; return 1; }
    cs_start_all || { t_fail "corosync hosts did not form"; return 1; }
    head -c 256 /dev/urandom > "$T_ROOT/authkey"; chmod 600 "$T_ROOT/authkey"
    for h in 1 2; do
        r=$(root_of "$h"); mkdir -p "$r"
        eval "d=\$VIOS_DOM_$h"
        "$VKE_TOOL" mkdoms "$r" "$d:vios-h$h" || { t_fail "domains of host $h"; return 1; }
        printf 'multihost = true\nmultihost-address = %s\nmultihost-key = %s\nmultihost-cluster = itest\n%s' \
            "$(cs_addr "$h")" "$T_ROOT/authkey" "${extra//@H/$h}" > "$r/backend.conf"
        printf 'multihost-db = yes\nmultihost-cluster = itest\n' > "$r/xviosd.conf"
    done
    t_check "create --multi-host on host 1" xv 1 cluster create itest --multi-host --timeout 2000
    t_check "join vios-h1 as 257" xv 1 cluster join vios-h1
    t_check "node 257: backend and daemon run" start_node 1 257 $VIOS_DOM_1
    t_check "join vios-h2 as 513 (through the running 257)" xv 2 cluster join vios-h2
    t_check "node 513: backend and daemon run" start_node 2 513 $VIOS_DOM_2
    t_check "257 and 513 linked across the hosts" wait_until 30 mhv_links_both
}
