#!/usr/bin/env bash
# Client login (M10) through the vSCSI engine on a 2-VIOS loopback cluster:
# the backend goes Connected only after xviosd registered the client (its
# ClientID and AdapterID written next to the vhost, a client-registered event
# with the whole identity for subscribers); the same client through the other
# VIOS after a detach keeps its ClientID and gets another AdapterID; with
# xviosd stopped (SIGSTOP: slow) or not running (killed) the login waits,
# logged, and completes once the daemon is back; with a short login deadline
# (the node's xvios-backend.conf) and no daemon, the vhost fails visibly
# (state 5, xvios-error) and is never Connected.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
VIOS2=102

up 2
client 7 client-a
lu=$(lu_file a 16)
uuid=$(cat "$ROOT/domains/7/uuid") || fail "reading client 7's uuid from the domain registry"
ev1=$ROOT/events-1.txt; ev2=$ROOT/events-2.txt
"$XVIOS" --root "$ROOT" --node 1 events >"$ev1" 2>"$ROOT/events-1.err" & evpid1=$!
"$XVIOS" --root "$ROOT" --node 2 events >"$ev2" 2>"$ROOT/events-2.err" & evpid2=$!
wait_for 20 grep -q "listening" "$ROOT/events-1.err" || fail "events on node 1 did not attach"
wait_for 20 grep -q "listening" "$ROOT/events-2.err" || fail "events on node 2 did not attach"

# 1. login through VIOS 1
vscsi_attach $VIOS1 7 0 0 "$lu" 0:0:0:0
front 7 $VIOS1 0 inquiry:0 close || { front_out 7 0; fail "frontend through VIOS 1"; }
cid=$(be_read $VIOS1 7 0 xvios-client-id) || fail "no xvios-client-id next to the vhost"
aid1=$(be_read $VIOS1 7 0 xvios-adapter-id) || fail "no xvios-adapter-id next to the vhost"
[ "$cid" -ge 1 ] && [ "$aid1" -ge 1 ] || fail "IDs $cid/$aid1"
wait_for 10 grep -q "^client-registered node=1 client-id=$cid uuid=$uuid name=client-a adapter-id=$aid1 domid=7 vhost=0 new-client=1 source=login" "$ev1" \
    || { cat "$ev1"; fail "no client-registered event on node 1"; }
grep -q "vhost 7/0: client client-a logged in: ClientID $cid, AdapterID $aid1" "$ROOT/nodes/1/backend.log" \
    || fail "the engine did not log the login"
ok "login through VIOS 1: ClientID $cid, AdapterID $aid1, event seen"

# 2. detach, attach through VIOS 2: the same ClientID, another adapter (another I_T nexus)
vscsi_remove $VIOS1 7 0
vscsi_attach $VIOS2 7 0 0 "$lu" 0:0:0:0
front 7 $VIOS2 0 inquiry:0 close || { front_out 7 0; fail "frontend through VIOS 2"; }
[ "$(be_read $VIOS2 7 0 xvios-client-id)" = "$cid" ] || fail "ClientID changed through VIOS 2"
aid2=$(be_read $VIOS2 7 0 xvios-adapter-id)
[ -n "$aid2" ] && [ "$aid2" != "$aid1" ] || fail "AdapterID through VIOS 2: '$aid2' (VIOS 1: $aid1)"
wait_for 10 grep -q "^client-registered node=2 client-id=$cid uuid=$uuid name=client-a adapter-id=$aid2 .*new-client=0 source=login" "$ev2" \
    || { cat "$ev2"; fail "no client-registered event on node 2"; }
ok "detach + attach through VIOS 2: ClientID $cid again, AdapterID $aid2"
vscsi_remove $VIOS2 7 0

# 3. a slow daemon (stopped with SIGSTOP): the login waits past an attempt, completes on SIGCONT
d1=$(node_pid 1 xviosd)
kill -STOP "$d1"
vscsi_attach $VIOS1 7 1 0 "$lu" 1:0:0:0
front 7 $VIOS1 1 inquiry:0 close & fpid=$!
wait_for 15 grep -q "vhost 7/1: client login waits for xviosd (xviosd did not answer)" "$ROOT/nodes/1/backend.log" \
    || { kill -CONT "$d1"; fail "no log line for the unanswered login"; }
[ "$(be_read $VIOS1 7 1 state)" = 2 ] || { kill -CONT "$d1"; fail "backend left InitWait without a login"; }
be_read $VIOS1 7 1 xvios-client-id >/dev/null 2>&1 && { kill -CONT "$d1"; fail "IDs written without a login"; }
kill -CONT "$d1"
wait $fpid || { front_out 7 1; fail "frontend after SIGCONT"; }
[ "$(be_read $VIOS1 7 1 xvios-client-id)" = "$cid" ] || fail "ClientID after the slow login"
ok "slow daemon: the login waited (logged), completed on SIGCONT"
vscsi_remove $VIOS1 7 1

# 4. no daemon at all: waits (logged), completes when xviosd is started again
kill "$d1"
wait_for 10 sh -c "! kill -0 $d1 2>/dev/null" || fail "xviosd of node 1 did not stop"
vscsi_attach $VIOS1 7 2 0 "$lu" 2:0:0:0
front 7 $VIOS1 2 inquiry:0 close & fpid=$!
wait_for 15 grep -q "vhost 7/2: client login waits for xviosd (xviosd is not running)" "$ROOT/nodes/1/backend.log" \
    || fail "no log line for the missing daemon"
sleep 1
[ "$(be_read $VIOS1 7 2 state)" = 2 ] || fail "backend left InitWait without a daemon"
"$XVIOS" --root "$ROOT" local start --node 1 >/dev/null || fail "restarting node 1's daemon"
wait $fpid || { front_out 7 2; fail "frontend after the daemon came back"; }
[ "$(be_read $VIOS1 7 2 xvios-client-id)" = "$cid" ] || fail "ClientID after the daemon restart"
ok "daemon down: the login waited (logged), completed once xviosd was back"
vscsi_remove $VIOS1 7 2

# 5. a short deadline (the node's configuration) and no daemon: the vhost fails visibly
printf 'login-timeout-ms = 1500\n' >"$ROOT/nodes/1/xvios-backend.conf"
kill "$(node_pid 1 xviosd)" "$(node_pid 1 backend)"
wait_for 10 sh -c "! kill -0 $(node_pid 1 backend) 2>/dev/null" || fail "node 1 did not stop"
"$XVIOS" --root "$ROOT" local start --node 1 >/dev/null || fail "restarting node 1"
d1=$(node_pid 1 xviosd); kill "$d1"
wait_for 10 sh -c "! kill -0 $d1 2>/dev/null" || fail "xviosd of node 1 did not stop"
vscsi_attach $VIOS1 7 3 0 "$lu" 3:0:0:0
timeout 60 "$FRONT" "$ROOT" 7 $VIOS1 3 inquiry:0 >"$ROOT/front-7-3.out" 2>&1 & fpid=$!
be_wait $VIOS1 7 3 state 5 10 || fail "the vhost did not fail at the login deadline"
err=$(be_read $VIOS1 7 3 xvios-error) || fail "no xvios-error next to the failed vhost"
case "$err" in *"client login failed: no registration from xviosd within 1500 ms"*) ;; *) fail "xvios-error: $err";; esac
be_read $VIOS1 7 3 xvios-client-id >/dev/null 2>&1 && fail "IDs written without a login"
grep -q "vhost 7/3: client login failed\|vhost 7/3: no registration from xviosd within 1500 ms" "$ROOT/nodes/1/backend.log" \
    || fail "no log line for the failed login"
wait $fpid && fail "the frontend connected without a login"
grep -q "backend never connected (backend state 5)" "$ROOT/front-7-3.out" || { cat "$ROOT/front-7-3.out"; fail "frontend outcome"; }
ok "login deadline: state 5, xvios-error '$err', never Connected"
kill -INT $evpid1 $evpid2 2>/dev/null
exit 0
