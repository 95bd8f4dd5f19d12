#!/bin/sh
# 91-bench-vchan - the transport benchmark (make rig-bench; skipped unless selected by number),
# between vios1 and vios2, on the same pair of domains:
#   raw  a bare libxenvchan (vchan_raw: 128 KiB rings like a cluster link, 5-byte frames): ping-pong
#        of 64 B and 4 KiB, and 1 MiB one way then a 1-byte acknowledgement
#   VKE  directed sends with a receipt from node vios1 to node vios2 through the running
#        xvios-backend processes (vke_sendbench): 64 B and 4 KiB payloads, and 1 MiB as consecutive
#        60 KiB sends, each with its receipt
#   hop  a round trip between two processes of vios1 over a Unix socket (vke_sendbench local): what
#        each local hop of a VKE send costs (caller -> VKE and back, VKE -> daemon on the far side);
#        and a caller's round trip to vios1's VKE alone (VKE_STATS, vke_sendbench stats); both only
#        explain, they never fail the scenario
# Interleaved in ROUNDS rounds (raw, VKE, raw, VKE, ...); prints the medians over the rounds and the
# ratio VKE/raw (time per operation; for 1 MiB, raw MB/s / VKE MB/s) as RIG-BENCH lines. Fails only
# if a side cannot run; never on a figure.
# rig-timeout: 900
. /rig/lib.sh

ROUNDS=3
OPS=100
MIB_REPS=3
T=$RIG_TESTS_DIR

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
d1=$(rig_domid vios1)
d2=$(rig_domid vios2)
n1=$(rig_node_of vios1)
n2=$(rig_node_of vios2)
[ -n "$d1" ] && [ -n "$d2" ] && [ -n "$n1" ] && [ -n "$n2" ] || { rig_fail pair "vios1/vios2: domids '$d1' '$d2', nodes '$n1' '$n2'"; exit 1; }
OUT=$RIG_STATE/bench91
mkdir -p "$OUT"
: >"$OUT/results"
failed=0
seq=0

# raw KIND ARG COUNT: one vchan_raw client run in vios1 against a fresh server in vios2; prints
# the figure (us per op, or MB/s)
raw() {
    local path out
    seq=$((seq + 1))
    path=/local/domain/$d2/data/vchan-raw-$seq
    rig_domu_spawn vios2 "vchan-raw-$seq" "$T/vchan_raw serve $d1 $path 120" >/dev/null || return 1
    out=$(rig_domu_run vios1 150 "$T/vchan_raw $1 $d2 $path $2 $3" 2>&1) || { echo "$out" >&2; return 1; }
    case $1 in
        ping) echo "$out" | sed -n 's/.*us_per_op=\([0-9.]*\).*/\1/p' ;;
        bulk) echo "$out" | sed -n 's/^bulk .*mb_s=\([0-9.]*\).*/\1/p' ;;
    esac
}
# vke KIND ARG COUNT: the same through the VKE of vios1 to node vios2
vke() {
    local out
    out=$(rig_domu_run vios1 150 "$T/vke_sendbench $1 /run/xvios $n1 $n2 $2 $3" 2>&1) || { echo "$out" >&2; return 1; }
    case $1 in
        ping) echo "$out" | sed -n 's/.*us_per_op=\([0-9.]*\).*/\1/p' ;;
        stream) echo "$out" | sed -n 's/^stream .*mb_s=\([0-9.]*\).*/\1/p' ;;
    esac
}
# hop: one round trip between two processes of vios1 over a Unix socket (no VKE, no link): the cost of
# each local hop a VKE send + receipt takes besides the link
hop() {
    local out
    out=$(rig_domu_run vios1 150 "$T/vke_sendbench local $1 $2" 2>&1) || { echo "$out" >&2; return 1; }
    echo "$out" | sed -n 's/.*us_per_op=\([0-9.]*\).*/\1/p'
}
# vkestats: round trips to vios1's VKE alone (VKE_STATS, answered by the VKE itself)
vkestats() {
    local out
    out=$(rig_domu_run vios1 150 "$T/vke_sendbench stats /run/xvios $1" 2>&1) || { echo "$out" >&2; return 1; }
    echo "$out" | sed -n 's/.*us_per_op=\([0-9.]*\).*/\1/p'
}
# note NAME CMD...: like measure, for the diagnostic figures: a failure is a note, not a FAIL
note() {
    local name=$1 v
    shift
    if v=$("$@" 2>"$OUT/err") && [ -n "$v" ]; then
        echo "$name $r $v" >>"$OUT/results"
        echo "RIG-BENCH-RUN $name round $r: $v"
    else
        echo "RIG-BENCH-NOTE $name round $r: no figure: $(tail -n 1 "$OUT/err")"
    fi
}
# measure NAME CMD...: run CMD, keep its figure as "NAME ROUND FIGURE"
measure() {
    local name=$1 v
    shift
    if v=$("$@" 2>"$OUT/err") && [ -n "$v" ]; then
        echo "$name $r $v" >>"$OUT/results"
        echo "RIG-BENCH-RUN $name round $r: $v"
    else
        rig_fail "$name-$r" "$(tail -n 2 "$OUT/err")"
        failed=1
    fi
}

t0=$(rig_now)
r=1
while [ $r -le $ROUNDS ]; do
    measure raw-ping-64 raw ping 64 $OPS
    measure vke-ping-64 vke ping 64 $OPS
    note hop-64 hop 64 $OPS
    note vke-stats vkestats $OPS
    measure raw-ping-4k raw ping 4096 $OPS
    measure vke-ping-4k vke ping 4096 $OPS
    measure raw-1mib raw bulk 1048576 $MIB_REPS
    measure vke-1mib vke stream 1048576 $MIB_REPS
    r=$((r + 1))
done
[ $failed = 0 ] && rig_pass "all-runs ($(rig_secs_since "$t0")s)"

# the VKE closes a caller's connection idle (nothing outstanding) for 2 s; vke_sendbench reconnects
closed=$(rig_domu_run vios1 10 "grep -c 'idle for' /var/log/rig/backend.log" 2>/dev/null)
echo "RIG-BENCH-NOTE vios1's VKE closed an idle caller connection ${closed:-?} times during the runs"
echo "RIG-BENCH transport vios1 -> vios2: raw libxenvchan vs the VKE's directed send + receipt, median of $ROUNDS rounds (TCG: only ratios count)"
awk '
function med(k,    i, j, t, m) {
    m = n[k]; for (i = 1; i <= m; i++) s[i] = v[k, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
    return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
}
{ n[$1]++; v[$1, n[$1]] = $3 }
END {
    printf "RIG-BENCH %-22s %12s %12s %9s\n", "operation", "raw", "VKE", "VKE/raw"
    split("ping-64 ping-4k", p, " "); split("64 B,4 KiB", lab, ",")
    for (i = 1; i <= 2; i++) {
        a = "raw-" p[i]; b = "vke-" p[i]
        if (!n[a] || !n[b]) continue
        printf "RIG-BENCH %-22s %9.0f us %9.0f us %9.2f\n", "round trip " lab[i], med(a), med(b), med(b) / med(a)
    }
    if (n["hop-64"] && n["raw-ping-64"])
        printf "RIG-BENCH %-22s %9.0f us %12s %9s  (a process hop in vios1, Unix socket: %.2f raw link round trips)\n", "local hop rt 64 B",
            med("hop-64"), "-", "-", med("hop-64") / med("raw-ping-64")
    if (n["vke-stats"] && n["raw-ping-64"])
        printf "RIG-BENCH %-22s %9.0f us %12s %9s  (caller to vios1 VKE and back, no link: %.2f raw link round trips)\n", "VKE alone rt",
            med("vke-stats"), "-", "-", med("vke-stats") / med("raw-ping-64")
    if (n["raw-1mib"] && n["vke-1mib"])
        printf "RIG-BENCH %-22s %7.1f MB/s %7.1f MB/s %9.2f\n", "1 MiB one way", med("raw-1mib"), med("vke-1mib"),
            med("raw-1mib") / med("vke-1mib")
}' "$OUT/results"
exit $failed
