# rdb_lib.sh - members of the replicated cluster DB (rdb_tool, xen/plat/rdb/) on the corosync hosts of
# corosync_lib.sh (sourced after it).
#
#   rdb_start NAME HOST     an rdb_tool on host HOST, state file $T_ROOT/NAME.db (kept across restarts);
#                           its lines go to $T_ROOT/NAME.out (appended), commands through cs_tool_cmd NAME
#   rdb_stop NAME           quit it and wait (cs_tool_stop)
#   rdb_status NAME         ask, then print its last status line
#   rdb_field NAME KEY      KEY=value of its last status line
#   rdb_dump NAME           its copy as text into $T_ROOT/NAME.dump (waits for the answer)
RDB_CLUSTER=xvios-test

rdb_start() {
    local name=$1 host=$2 fd
    rm -f "$T_ROOT/$name.in"
    mkfifo "$T_ROOT/$name.in"
    nsenter -t "$(cs_pid "$host")" -n -m -- "$XVIOS_TESTS/rdb_tool" "$RDB_CLUSTER" "$T_ROOT/$name.db" \
        <"$T_ROOT/$name.in" >>"$T_ROOT/$name.out" 2>>"$T_ROOT/$name.err" &
    T_PIDS+=($!)
    eval "CS_TOOL_PID_$name=$!"
    exec {fd}>"$T_ROOT/$name.in"
    eval "CS_TOOL_FD_$name=$fd"
}
rdb_stop() { cs_tool_stop "$1"; }

rdb_status() {
    local before
    before=$(grep -c '^status ' "$T_ROOT/$1.out" 2>/dev/null)
    cs_tool_cmd "$1" status
    wait_until 10 bash -c "[ \$(grep -c '^status ' '$T_ROOT/$1.out') -gt $before ]" || return 1
    grep '^status ' "$T_ROOT/$1.out" | tail -n 1
}
rdb_field() { rdb_status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
rdb_synced() { [ "$(rdb_field "$1" mode)" = synced ]; }
# rdb_same A B: the two members report the same version and hash
rdb_same() {
    local a b
    a=$(rdb_status "$1" | sed 's/.*\(version=[0-9]* hash=[0-9a-f]*\).*/\1/')
    b=$(rdb_status "$2" | sed 's/.*\(version=[0-9]* hash=[0-9a-f]*\).*/\1/')
    [ -n "$a" ] && [ "$a" = "$b" ]
}
rdb_dump() {
    rm -f "$T_ROOT/$1.dump"
    local before
    before=$(grep -c "^dumped $T_ROOT/$1.dump" "$T_ROOT/$1.out" 2>/dev/null)
    cs_tool_cmd "$1" "dump $T_ROOT/$1.dump"
    wait_until 10 bash -c "[ \$(grep -c '^dumped $T_ROOT/$1.dump' '$T_ROOT/$1.out') -gt $before ]"
}
